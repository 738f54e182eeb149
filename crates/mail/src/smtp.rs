//! Delivery over SMTP (lettre, rustls with ring, the system's trusted roots).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zeroize::Zeroizing;

use crate::error::MailError;
use crate::message::Mail;

/// Where mail goes: `smtps://user:password@host:465` (TLS from the first byte),
/// `smtp://user:password@host:587?tls=required` (STARTTLS), or plain `smtp://host:port`,
/// which is accepted only for a server on this machine (a local relay): mail may carry
/// secret links and must not cross a network in clear.
#[derive(Clone)]
pub struct SmtpUrl {
    raw: Zeroizing<String>,
    redacted: String,
}

impl SmtpUrl {
    pub fn parse(raw: &str) -> Result<Self, MailError> {
        let url = url::Url::parse(raw.trim()).map_err(|e| MailError::BadUrl(e.to_string()))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| MailError::BadUrl("it names no host".into()))?;
        let tls_required = url
            .query_pairs()
            .any(|(k, v)| k == "tls" && v == "required");
        match url.scheme() {
            "smtps" => {}
            "smtp" if tls_required || is_loopback(host) => {}
            "smtp" => {
                return Err(MailError::BadUrl(format!(
                    "plain SMTP to {host} would send mail across the network unencrypted; use smtps://… or add ?tls=required"
                )));
            }
            other => {
                return Err(MailError::BadUrl(format!(
                    "the scheme must be smtp or smtps, not {other}"
                )));
            }
        }
        let mut shown = url.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("REDACTED"));
        }
        Ok(Self {
            raw: Zeroizing::new(raw.trim().to_owned()),
            redacted: shown.to_string(),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted)
    }
}

/// An SMTP client for one server and sender address.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender").finish_non_exhaustive()
    }
}

/// How long one delivery may take before it counts as failed and is retried later.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

impl SmtpSender {
    /// `from` is the sender, like `Leadvault <noreply@firm.example>`.
    pub fn new(url: &SmtpUrl, from: &str) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::BadUrl(format!("`{from}` is not a sender address")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.raw)
            .map_err(|e| MailError::BadUrl(e.to_string()))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .as_str()
            .parse()
            .map_err(|_| MailError::BadAddress)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.to_string())
            .map_err(|_| MailError::BadAddress)?;
        // The error names the failure (refused, timed out, TLS) without the message.
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| MailError::Delivery(failure_kind(&e)))
    }
}

fn failure_kind(error: &lettre::transport::smtp::Error) -> String {
    if error.is_permanent() {
        "the SMTP server refused the message permanently".into()
    } else if error.is_transient() {
        "the SMTP server refused the message for now".into()
    } else if error.is_timeout() {
        "the SMTP server did not answer in time".into()
    } else if error.is_tls() {
        "the TLS handshake with the SMTP server failed".into()
    } else {
        "the SMTP server could not be reached".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_is_for_this_machine_only() {
        assert!(SmtpUrl::parse("smtp://127.0.0.1:2525").is_ok());
        assert!(SmtpUrl::parse("smtp://localhost:25").is_ok());
        assert!(SmtpUrl::parse("smtp://[::1]:25").is_ok());
        assert!(SmtpUrl::parse("smtp://mail.firm.example:25").is_err());
        assert!(SmtpUrl::parse("smtp://mail.firm.example:587?tls=required").is_ok());
        assert!(SmtpUrl::parse("smtps://mail.firm.example").is_ok());
        assert!(SmtpUrl::parse("http://mail.firm.example").is_err());
        assert!(SmtpUrl::parse("smtps://").is_err());
    }

    #[test]
    fn the_password_is_never_shown() -> Result<(), MailError> {
        let url = SmtpUrl::parse("smtps://mailer:Planted-Smtp-Secret@mail.firm.example:465")?;
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("Planted-Smtp-Secret"), "{shown}");
            assert!(shown.contains("mail.firm.example"), "{shown}");
        }
        Ok(())
    }
}
