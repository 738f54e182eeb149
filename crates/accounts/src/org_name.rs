/// The display name of an organization: 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OrgNameError {
    #[error("enter the organization's name")]
    Empty,
    #[error("an organization's name has at most 200 characters")]
    TooLong,
    #[error("an organization's name cannot contain control characters")]
    ControlCharacters,
}

impl OrgName {
    pub fn parse(input: &str) -> Result<Self, OrgNameError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(OrgNameError::Empty);
        }
        if name.chars().count() > 200 {
            return Err(OrgNameError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(OrgNameError::ControlCharacters);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of organization `org`, if it exists (for messages that name the firm).
pub async fn organization_name(
    db: &leadvault_store::Db,
    org: leadvault_store::OrgId,
) -> Result<Option<String>, crate::AccountsError> {
    use leadvault_store::sqlx;
    let mut tx = db.begin_in(leadvault_store::TenantScope::Org(org)).await?;
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(org.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            OrgName::parse("  Lima & Partners ").map(|n| n.0),
            Ok("Lima & Partners".into())
        );
        assert_eq!(OrgName::parse(" "), Err(OrgNameError::Empty));
        assert_eq!(OrgName::parse(&"x".repeat(201)), Err(OrgNameError::TooLong));
        assert_eq!(
            OrgName::parse("a\u{0}b"),
            Err(OrgNameError::ControlCharacters)
        );
    }
}
