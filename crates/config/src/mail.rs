//! The address people reach this installation at (for links in e-mail), and where e-mail
//! goes.

use std::fmt;

use leadvault_mail::SmtpUrl;
use serde::Deserialize;

use crate::resolve::{ConfigError, invalid};

/// `[mail]` as written.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MailLayer {
    /// `smtps://user:password@host:465`, `smtp://…:587?tls=required`, or a local relay.
    pub smtp_url: Option<String>,
    /// The sender, like `Leadvault <noreply@firm.example>`.
    pub from: Option<String>,
}

impl MailLayer {
    #[must_use]
    pub fn overridden_by(self, over: Self) -> Self {
        Self {
            smtp_url: over.smtp_url.or(self.smtp_url),
            from: over.from.or(self.from),
        }
    }
}

/// The origin people open Leadvault at, like `https://intake.firm.example`: links in e-mail
/// point there, never at whatever `Host` a request claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| invalid("public_url", format!("`{text}` is not a URL: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let loopback = host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(invalid(
                    "public_url",
                    "must start with https:// (plain http only for a loopback address)",
                ));
            }
        }
        if host.is_empty() || url.path() != "/" || url.query().is_some() {
            return Err(invalid(
                "public_url",
                "give the origin only, like https://intake.firm.example",
            ));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    /// The origin, without a trailing slash; append a path that starts with `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validated mail settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: SmtpUrl,
    pub from: String,
}

impl PartialEq for MailSettings {
    fn eq(&self, other: &Self) -> bool {
        self.smtp_url.to_string() == other.smtp_url.to_string() && self.from == other.from
    }
}

impl Eq for MailSettings {}

pub(crate) fn resolve(
    public_url: Option<&str>,
    mail: Option<MailLayer>,
) -> Result<(Option<PublicUrl>, Option<MailSettings>), ConfigError> {
    let public_url = public_url.map(PublicUrl::parse).transpose()?;
    let Some(MailLayer {
        smtp_url: Some(smtp_url),
        from,
    }) = mail
    else {
        return Ok((public_url, None));
    };
    let smtp_url = SmtpUrl::parse(&smtp_url).map_err(|e| invalid("mail.smtp_url", e))?;
    let from = from.filter(|f| !f.trim().is_empty()).ok_or_else(|| {
        invalid(
            "mail.from",
            "required with smtp_url: the sender, like Leadvault <noreply@firm.example>",
        )
    })?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "mail.from",
            format!("`{from}` is not a sender address"),
        ));
    }
    if public_url.is_none() {
        return Err(invalid(
            "public_url",
            "required with [mail]: e-mail links must point at the address people use",
        ));
    }
    Ok((public_url, Some(MailSettings { smtp_url, from })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(url: &str, from: Option<&str>) -> Option<MailLayer> {
        Some(MailLayer {
            smtp_url: Some(url.to_owned()),
            from: from.map(str::to_owned),
        })
    }

    #[test]
    fn public_urls_are_origins_over_https() {
        let ok = |s: &str| PublicUrl::parse(s).map(|u| u.to_string());
        assert_eq!(
            ok("https://intake.firm.example").ok(),
            Some("https://intake.firm.example".into())
        );
        assert_eq!(
            ok("https://intake.firm.example/").ok(),
            Some("https://intake.firm.example".into())
        );
        assert!(ok("http://127.0.0.1:8080").is_ok());
        assert!(ok("http://intake.firm.example").is_err());
        assert!(ok("https://intake.firm.example/leadvault").is_err());
        assert!(ok("intake.firm.example").is_err());
    }

    #[test]
    fn mail_needs_a_sender_and_a_public_url() {
        let from = Some("Leadvault <noreply@firm.example>");
        assert!(
            resolve(
                Some("https://a.example"),
                layer("smtps://mail.example", from)
            )
            .is_ok()
        );
        assert!(resolve(None, layer("smtps://mail.example", from)).is_err());
        assert!(
            resolve(
                Some("https://a.example"),
                layer("smtps://mail.example", None)
            )
            .is_err()
        );
        assert!(
            resolve(
                Some("https://a.example"),
                layer("smtps://mail.example", Some("nobody"))
            )
            .is_err()
        );
        assert!(
            resolve(
                Some("https://a.example"),
                layer("smtp://mail.example", from)
            )
            .is_err()
        );
        let (url, mail) = resolve(Some("https://a.example"), None).unwrap_or((None, None));
        assert!(url.is_some() && mail.is_none());
    }
}
