//! One e-mail: a recipient, a subject and a plain-text body.
//!
//! Messages say that something is waiting and link to it; personal data stays behind
//! sign-in. The body may hold a secret link, so it is zeroized on drop and never printed.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::MailError;

/// A recipient address that SMTP will accept.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient(String);

impl Recipient {
    pub fn parse(address: &str) -> Result<Self, MailError> {
        address
            .trim()
            .parse::<lettre::Address>()
            .map(|a| Self(a.to_string()))
            .map_err(|_| MailError::BadAddress)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Recipient(<redacted>)")
    }
}

/// An e-mail to send.
pub struct Mail {
    pub to: Recipient,
    pub subject: String,
    pub body: Zeroizing<String>,
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Mail {
    /// The stored form: recipient, subject and body, each length-prefixed.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        for part in [self.to.as_str(), &self.subject, &self.body] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, MailError> {
        let mut parts = Vec::with_capacity(3);
        let mut rest = bytes;
        for _ in 0..3 {
            let (len, tail) = rest.split_at_checked(4).ok_or(MailError::Corrupt)?;
            let len = u32::from_be_bytes(len.try_into().map_err(|_| MailError::Corrupt)?);
            let len = usize::try_from(len).map_err(|_| MailError::Corrupt)?;
            let (part, tail) = tail.split_at_checked(len).ok_or(MailError::Corrupt)?;
            parts.push(String::from_utf8(part.to_vec()).map_err(|_| MailError::Corrupt)?);
            rest = tail;
        }
        let mut parts = parts.into_iter();
        let (Some(to), Some(subject), Some(body), true) =
            (parts.next(), parts.next(), parts.next(), rest.is_empty())
        else {
            return Err(MailError::Corrupt);
        };
        Ok(Self {
            to: Recipient::parse(&to)?,
            subject,
            body: Zeroizing::new(body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_round_trips_through_its_stored_form() -> Result<(), MailError> {
        let mail = Mail {
            to: Recipient::parse("ana@lima.law")?,
            subject: "You are invited".into(),
            body: Zeroizing::new("Open https://x.test/invitation?token=abc\n".into()),
        };
        let back = Mail::decode(&mail.encode())?;
        assert_eq!(back.to, mail.to);
        assert_eq!(back.subject, mail.subject);
        assert_eq!(back.body.as_str(), mail.body.as_str());
        assert!(Mail::decode(&mail.encode()[..10]).is_err());
        let mut longer = mail.encode().to_vec();
        longer.push(0);
        assert!(Mail::decode(&longer).is_err());
        Ok(())
    }

    #[test]
    fn nothing_personal_is_printed() -> Result<(), MailError> {
        let mail = Mail {
            to: Recipient::parse("ana@lima.law")?,
            subject: "s".into(),
            body: Zeroizing::new("secret link".into()),
        };
        let shown = format!("{mail:?}");
        assert!(
            !shown.contains("ana@") && !shown.contains("secret link"),
            "{shown}"
        );
        assert!(Recipient::parse("not an address").is_err());
        Ok(())
    }
}
