use std::fmt;

/// An e-mail address, trimmed and lower-cased, of a plausible shape.
///
/// Deliverability is proven by sending mail, not by a regex; this only refuses what cannot
/// be an address, so that nothing malformed reaches storage.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmailError {
    #[error("enter an e-mail address")]
    Empty,
    #[error("an e-mail address has at most 254 characters")]
    TooLong,
    #[error("enter an e-mail address like name@example.com")]
    Malformed,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let candidate = input.trim();
        if candidate.is_empty() {
            return Err(EmailError::Empty);
        }
        if candidate.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = candidate.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        let clean = |s: &str| {
            !s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@')
        };
        if local.is_empty() || local.len() > 64 || !domain_ok || !clean(local) || !clean(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(candidate.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    // An address is personal data: debug output (which may reach a log) shows only its domain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        write!(f, "Email(***@{domain})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() -> Result<(), EmailError> {
        assert_eq!(
            Email::parse("  Ana.Lima@Example.COM ")?.as_str(),
            "ana.lima@example.com"
        );
        Ok(())
    }

    #[test]
    fn impossible_addresses_are_refused() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        for bad in [
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a b@example.com",
            "a@exa mple.com",
            "a@.example.com",
            "a@example..com",
            "a@b@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn debug_output_hides_the_mailbox() -> Result<(), EmailError> {
        assert_eq!(
            format!("{:?}", Email::parse("ana@firm.law")?),
            "Email(***@firm.law)"
        );
        Ok(())
    }
}
