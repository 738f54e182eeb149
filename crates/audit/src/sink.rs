//! Where lines of the log go outside the database: a file, or a syslog receiver (RFC 5424
//! over UDP, or the local daemon's Unix socket). Checkpoints go there so that a truncated
//! tail shows; records go there for a SIEM.

use std::fmt;
use std::path::PathBuf;

use leadvault_store::Timestamp;
use tokio::io::AsyncWriteExt;

use crate::error::AuditError;

/// A place outside the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Lines appended to a file (created, readable by its owner only, if missing).
    File(PathBuf),
    /// RFC 5424 messages over UDP to `host:port`.
    SyslogUdp(String),
    /// RFC 5424 messages to a local syslog daemon's datagram socket (like `/dev/log`).
    SyslogUnix(PathBuf),
}

/// RFC 5424 priority: facility 13 ("log audit"), severity 6 (informational).
const PRIORITY: u8 = 13 * 8 + 6;

impl Sink {
    /// `udp://host:port` or `syslog://host:port` (UDP, port 514 if left out),
    /// `unix:/dev/log`, or a file path (`file:` in front optional).
    pub fn parse(text: &str) -> Result<Self, AuditError> {
        let text = text.trim();
        let invalid = |why: &str| AuditError::Sink(format!("`{text}`: {why}"));
        if let Some(rest) = text
            .strip_prefix("udp://")
            .or_else(|| text.strip_prefix("syslog://"))
        {
            let address = rest.trim_end_matches('/');
            if address.is_empty() || address.contains('/') {
                return Err(invalid("give a host and port, like udp://logs.example:514"));
            }
            let has_port = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.ends_with(':') && port.parse::<u16>().is_ok());
            return Ok(Self::SyslogUdp(if has_port {
                address.to_owned()
            } else {
                format!("{address}:514")
            }));
        }
        if let Some(path) = text.strip_prefix("unix:") {
            return match path {
                "" => Err(invalid("give the socket's path, like unix:/dev/log")),
                path => Ok(Self::SyslogUnix(PathBuf::from(path))),
            };
        }
        match text.strip_prefix("file:").unwrap_or(text) {
            "" => Err(invalid(
                "give a file path, a udp:// address or a unix: socket",
            )),
            path => Ok(Self::File(PathBuf::from(path))),
        }
    }

    /// Writes `lines` there, each whole. A file is synced before this returns.
    pub async fn send(&self, lines: &[String], now: Timestamp) -> Result<(), AuditError> {
        if lines.is_empty() {
            return Ok(());
        }
        let failed = |e: std::io::Error| AuditError::Sink(format!("{self}: {e}"));
        match self {
            Self::File(path) => {
                let mut options = tokio::fs::OpenOptions::new();
                options.create(true).append(true);
                #[cfg(unix)]
                options.mode(0o600);
                let mut file = options.open(path).await.map_err(failed)?;
                let mut text = lines.join("\n");
                text.push('\n');
                file.write_all(text.as_bytes()).await.map_err(failed)?;
                file.sync_data().await.map_err(failed)?;
            }
            Self::SyslogUdp(address) => {
                let socket = tokio::net::UdpSocket::bind(if address.starts_with('[') {
                    "[::]:0"
                } else {
                    "0.0.0.0:0"
                })
                .await
                .map_err(failed)?;
                socket.connect(address).await.map_err(failed)?;
                for line in lines {
                    socket
                        .send(syslog_message(line, now).as_bytes())
                        .await
                        .map_err(failed)?;
                }
            }
            Self::SyslogUnix(path) => {
                let socket = tokio::net::UnixDatagram::unbound().map_err(failed)?;
                for line in lines {
                    socket
                        .send_to(syslog_message(line, now).as_bytes(), path)
                        .await
                        .map_err(failed)?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "file:{}", path.display()),
            Self::SyslogUdp(address) => write!(f, "udp://{address}"),
            Self::SyslogUnix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// An RFC 5424 message carrying `line`: no host name (the receiver knows the sender), our
/// process id, message id `audit`, no structured data.
fn syslog_message(line: &str, now: Timestamp) -> String {
    format!(
        "<{PRIORITY}>1 {} - leadvault {} audit - {line}",
        now.rfc3339(),
        std::process::id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_what_an_operator_writes() {
        assert_eq!(
            Sink::parse("udp://logs.example:5514").unwrap(),
            Sink::SyslogUdp("logs.example:5514".into())
        );
        assert_eq!(
            Sink::parse("syslog://10.0.0.9").unwrap(),
            Sink::SyslogUdp("10.0.0.9:514".into())
        );
        assert_eq!(
            Sink::parse("udp://[::1]:514").unwrap(),
            Sink::SyslogUdp("[::1]:514".into())
        );
        assert_eq!(
            Sink::parse("unix:/dev/log").unwrap(),
            Sink::SyslogUnix("/dev/log".into())
        );
        assert_eq!(
            Sink::parse("/var/log/lv.jsonl").unwrap(),
            Sink::File("/var/log/lv.jsonl".into())
        );
        assert_eq!(
            Sink::parse("file:audit.jsonl").unwrap(),
            Sink::File("audit.jsonl".into())
        );
        for bad in ["", "udp://", "unix:", "udp://host/path"] {
            assert!(Sink::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_syslog_message_has_the_rfc_5424_header() {
        let at = Timestamp::from_unix_micros(1_795_446_309_000_123);
        let message = syslog_message("{\"a\":1}", at);
        assert!(
            message.starts_with("<110>1 2026-11-23T15:05:09.000123Z - leadvault "),
            "{message}"
        );
        assert!(message.ends_with(" audit - {\"a\":1}"));
    }
}
