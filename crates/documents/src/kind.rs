//! The file types a document may be, told by their first bytes (magic numbers), never by
//! the name or the type a browser claims: a `.pdf` that is an executable is refused.

use serde::{Deserialize, Serialize};

/// A type of document an upload field may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Docx,
    Png,
    Jpeg,
    Tiff,
}

/// How many bytes [`sniff`] may need to decide: a DOCX is a ZIP file, told apart from other
/// ZIP files by its `word/document.xml` entry, which Word and the common libraries write
/// among the first few.
pub const SNIFF_WINDOW: usize = 64 * 1024;

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Is(FileKind),
    /// Not decided yet: give more bytes (up to [`SNIFF_WINDOW`]) or say the file ended.
    NeedMore,
    /// None of the known types.
    Unknown,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [Self::Pdf, Self::Docx, Self::Png, Self::Jpeg, Self::Tiff];

    pub fn name(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Tiff => "tiff",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == text)
    }

    /// The extension a download of this type gets (whatever the uploaded file was called).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Tiff => "tif",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Tiff => "image/tiff",
        }
    }
}

const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";

/// The names of the ZIP entries whose local headers lie whole in `bytes`: wherever the
/// local-header signature stands, the name of the given length after the 30-byte header.
/// (Scanning for signatures rather than walking entry to entry works when sizes are only
/// given after the data, as streaming ZIP writers do.)
fn zip_entry_names(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .windows(ZIP_LOCAL_HEADER.len())
        .enumerate()
        .filter(|(_, w)| *w == ZIP_LOCAL_HEADER)
        .filter_map(move |(at, _)| {
            let length = bytes.get(at + 26..at + 28)?;
            let length = usize::from(u16::from_le_bytes([length[0], length[1]]));
            bytes.get(at + 30..at + 30 + length)
        })
}

/// The type of a file from its first bytes. `complete` says `head` is the whole file, so
/// a short file is decided instead of waiting for more.
pub fn sniff(head: &[u8], complete: bool) -> Sniffed {
    let fixed: [(&[u8], FileKind); 5] = [
        (b"%PDF-", FileKind::Pdf),
        (b"\x89PNG\r\n\x1a\n", FileKind::Png),
        (b"\xff\xd8\xff", FileKind::Jpeg),
        (b"II*\x00", FileKind::Tiff),
        (b"MM\x00*", FileKind::Tiff),
    ];
    for (magic, kind) in fixed {
        if head.starts_with(magic) {
            return Sniffed::Is(kind);
        }
        if head.len() < magic.len() && magic.starts_with(head) && !complete {
            return Sniffed::NeedMore;
        }
    }
    if head.starts_with(ZIP_LOCAL_HEADER) {
        let window = &head[..head.len().min(SNIFF_WINDOW)];
        if zip_entry_names(window).any(|name| name == b"word/document.xml") {
            return Sniffed::Is(FileKind::Docx);
        }
        if !complete && head.len() < SNIFF_WINDOW {
            return Sniffed::NeedMore;
        }
        return Sniffed::Unknown;
    }
    if head.len() < ZIP_LOCAL_HEADER.len() && ZIP_LOCAL_HEADER.starts_with(head) && !complete {
        return Sniffed::NeedMore;
    }
    Sniffed::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP local header for an entry named `name` with `data` after it.
    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = ZIP_LOCAL_HEADER.to_vec();
        bytes.extend_from_slice(&[0; 22]);
        bytes.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn docx() -> Vec<u8> {
        let mut bytes = entry("[Content_Types].xml", b"<Types/>");
        bytes.extend(entry("_rels/.rels", b"<Relationships/>"));
        bytes.extend(entry("word/document.xml", b"<w:document/>"));
        bytes
    }

    #[test]
    fn each_type_is_told_by_its_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n", true), Sniffed::Is(FileKind::Pdf));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0", true),
            Sniffed::Is(FileKind::Png)
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0", true),
            Sniffed::Is(FileKind::Jpeg)
        );
        assert_eq!(
            sniff(b"II*\x00\x08\0\0\0", true),
            Sniffed::Is(FileKind::Tiff)
        );
        assert_eq!(
            sniff(b"MM\x00*\0\0\0\x08", true),
            Sniffed::Is(FileKind::Tiff)
        );
        assert_eq!(sniff(&docx(), true), Sniffed::Is(FileKind::Docx));
    }

    #[test]
    fn executables_scripts_and_other_zips_are_unknown() {
        assert_eq!(sniff(b"MZ\x90\x00\x03", true), Sniffed::Unknown);
        assert_eq!(sniff(b"\x7fELF\x02\x01", true), Sniffed::Unknown);
        assert_eq!(sniff(b"#!/bin/sh\n", true), Sniffed::Unknown);
        assert_eq!(sniff(b"<html><script>", true), Sniffed::Unknown);
        let mut xlsx = entry("[Content_Types].xml", b"");
        xlsx.extend(entry("xl/workbook.xml", b""));
        assert_eq!(sniff(&xlsx, true), Sniffed::Unknown);
        // The bytes `word/` elsewhere (another entry's name, compressed data) are not Word.
        let mut archive = entry("password/word/notes.txt", b"word/document.xml");
        archive.extend(entry("keyword/x", b""));
        assert_eq!(sniff(&archive, true), Sniffed::Unknown);
        assert_eq!(sniff(b"", true), Sniffed::Unknown);
    }

    #[test]
    fn a_short_start_waits_for_more_unless_the_file_ended() {
        assert_eq!(sniff(b"%PD", false), Sniffed::NeedMore);
        assert_eq!(sniff(b"%PD", true), Sniffed::Unknown);
        assert_eq!(sniff(b"PK", false), Sniffed::NeedMore);
        assert_eq!(sniff(&docx()[..40], false), Sniffed::NeedMore);
        assert_eq!(sniff(&docx()[..40], true), Sniffed::Unknown);
        let mut zip = ZIP_LOCAL_HEADER.to_vec();
        zip.resize(SNIFF_WINDOW, b'x');
        assert_eq!(sniff(&zip, false), Sniffed::Unknown);
    }

    #[test]
    fn names_round_trip() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(FileKind::parse("exe"), None);
    }
}
