use leadvault_keys::KeyError;
use leadvault_store::StoreError;

use crate::kind::FileKind;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Over the configured size limit; nothing of it is kept.
    #[error("The file is larger than {}.", size_text(*.limit))]
    TooLarge { limit: u64 },
    /// Its content is none of the accepted types, whatever its name says.
    #[error("The file is not one of the accepted types ({}).", names(.accepted))]
    WrongType { accepted: Vec<FileKind> },
    #[error("The file is empty.")]
    Empty,
    #[error("no such document")]
    Unknown,
    /// Stored data that this code could not have written (or that was altered): named,
    /// never shown.
    #[error("stored document is not valid: {0}")]
    Corrupt(&'static str),
    #[error("document storage: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Stream(#[from] leadvault_crypto::StreamError),
    #[error(transparent)]
    Field(#[from] leadvault_crypto::FieldError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A size as people read it: whole MB, or KB below one MB.
fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{} KB", bytes / 1_000)
    }
}

fn names(kinds: &[FileKind]) -> String {
    kinds
        .iter()
        .map(|kind| kind.name().to_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<leadvault_store::sqlx::Error> for DocumentError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}

impl DocumentError {
    /// Whether the person who sent the file can fix this (the message is a sentence fit to
    /// show on the file's field).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::TooLarge { .. } | Self::WrongType { .. } | Self::Empty
        )
    }
}
