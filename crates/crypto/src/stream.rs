//! Streaming file encryption: AES-256-GCM over fixed-size chunks (the STREAM construction).
//!
//! Header, version 1 (35 bytes, integers big-endian):
//!
//! | bytes  | content                                        |
//! |--------|------------------------------------------------|
//! | 0..4   | magic `LVF1`                                   |
//! | 4..24  | data key id (16) and version (4)               |
//! | 24..31 | random 56-bit nonce prefix                     |
//! | 31..35 | plaintext chunk size                           |
//!
//! Then each chunk: ciphertext of `chunk size` plaintext bytes (the last chunk may be
//! shorter, even empty) followed by its 16-byte tag. Chunk `i`'s nonce is
//! `prefix ‖ i (u32) ‖ last (0x00 or 0x01)`, and every chunk's associated data is the header
//! plus the caller's context. So reordering or swapping chunks changes their nonce, cutting
//! the stream short loses the chunk flagged last, anything appended after it fails to open, and a
//! header or context mismatch fails every chunk. Memory use is two chunks, whatever the
//! file size.
//!
//! Decryption writes a chunk's plaintext only after that chunk authenticated, but a stream
//! can still turn out truncated at its end: callers must treat output as untrusted until
//! [`decrypt_stream`] returns `Ok` (write to a temporary place, then keep or discard).

use std::io::{self, Read, Write};

use ring::aead::{Aad, NONCE_LEN, Nonce};

use crate::field::{FieldError, aead_key, length_prefixed};
use crate::key::{KeyBytes, KeyRef};
use crate::random::random_bytes;

const MAGIC: &[u8; 4] = b"LVF1";
const PREFIX_LEN: usize = 7;
pub const STREAM_HEADER_LEN: usize = 4 + KeyRef::ENCODED_LEN + PREFIX_LEN + 4;
const TAG_LEN: usize = 16;
/// 64 KiB: large enough that per-chunk overhead is small, small enough to keep memory flat.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("not a Leadvault encrypted file (bad header)")]
    Malformed,
    #[error(
        "encrypted file failed authentication: wrong key or context, or altered or reordered chunks"
    )]
    Authentication,
    #[error("encrypted file is truncated: its final chunk is missing")]
    Truncated,
    #[error("file too large for one stream")]
    TooLarge,
    #[error(transparent)]
    Crypto(#[from] FieldError),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

fn nonce(prefix: &[u8; PREFIX_LEN], counter: u32, last: bool) -> Nonce {
    let mut bytes = [0u8; NONCE_LEN];
    bytes[..PREFIX_LEN].copy_from_slice(prefix);
    bytes[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&counter.to_be_bytes());
    bytes[NONCE_LEN - 1] = u8::from(last);
    Nonce::assume_unique_for_key(bytes)
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Encrypts everything `reader` yields into `writer`. `context` binds the file to its owner
/// (for example organization and upload id). Returns the number of plaintext bytes.
pub fn encrypt_stream(
    key: &KeyBytes,
    key_ref: KeyRef,
    context: &[&[u8]],
    chunk_size: u32,
    reader: &mut impl Read,
    writer: &mut impl Write,
) -> Result<u64, StreamError> {
    if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
        return Err(StreamError::Malformed);
    }
    let aead = aead_key(key)?;
    let prefix = random_bytes::<PREFIX_LEN>().map_err(FieldError::from)?;
    let mut header = Vec::with_capacity(STREAM_HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&key_ref.encode());
    header.extend_from_slice(&prefix);
    header.extend_from_slice(&chunk_size.to_be_bytes());
    writer.write_all(&header)?;
    let aad = chunk_aad(&header, context);

    let size = chunk_size as usize;
    // Two buffers: the chunk being sealed and the one after it, read ahead so we know
    // whether the current chunk is the last.
    let mut current = vec![0u8; size];
    let mut next = vec![0u8; size];
    let mut current_len = fill(reader, &mut current)?;
    let mut counter: u32 = 0;
    let mut total: u64 = 0;
    loop {
        let next_len = if current_len == size {
            fill(reader, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        // Sealed in place with the tag apart: no copy of the chunk on the hot path.
        let tag = aead
            .seal_in_place_separate_tag(
                nonce(&prefix, counter, last),
                Aad::from(aad.as_slice()),
                &mut current[..current_len],
            )
            .map_err(|_| StreamError::Authentication)?;
        writer.write_all(&current[..current_len])?;
        writer.write_all(tag.as_ref())?;
        total += current_len as u64;
        if last {
            writer.flush()?;
            return Ok(total);
        }
        counter = counter.checked_add(1).ok_or(StreamError::TooLarge)?;
        std::mem::swap(&mut current, &mut next);
        current_len = next_len;
    }
}

/// The key that sealed a stream, read from its header, so the caller can fetch it.
pub fn stream_key_ref(header: &[u8]) -> Result<KeyRef, StreamError> {
    if header.len() < STREAM_HEADER_LEN || &header[..4] != MAGIC {
        return Err(StreamError::Malformed);
    }
    KeyRef::decode(&header[4..]).ok_or(StreamError::Malformed)
}

/// Decrypts a stream made by [`encrypt_stream`] with the same key and context.
pub fn decrypt_stream(
    key: &KeyBytes,
    context: &[&[u8]],
    reader: &mut impl Read,
    writer: &mut impl Write,
) -> Result<u64, StreamError> {
    let aead = aead_key(key)?;
    let mut header = [0u8; STREAM_HEADER_LEN];
    if fill(reader, &mut header)? < STREAM_HEADER_LEN {
        return Err(StreamError::Malformed);
    }
    stream_key_ref(&header)?;
    let mut prefix = [0u8; PREFIX_LEN];
    prefix.copy_from_slice(&header[24..31]);
    let chunk_size = u32::from_be_bytes([header[31], header[32], header[33], header[34]]);
    if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
        return Err(StreamError::Malformed);
    }
    let aad = chunk_aad(&header, context);
    let sealed = chunk_size as usize + TAG_LEN;
    let mut current = vec![0u8; sealed];
    let mut next = vec![0u8; sealed];
    let mut current_len = fill(reader, &mut current)?;
    let mut counter: u32 = 0;
    let mut total: u64 = 0;
    loop {
        if current_len < TAG_LEN {
            return Err(StreamError::Truncated);
        }
        // A full-size chunk is the last one only if nothing follows it.
        let next_len = if current_len == sealed {
            fill(reader, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        let opened = aead
            .open_in_place(
                nonce(&prefix, counter, last),
                Aad::from(aad.as_slice()),
                &mut current[..current_len],
            )
            .map(|plain| plain.len());
        match opened {
            Ok(plain_len) => {
                writer.write_all(&current[..plain_len])?;
                total += plain_len as u64;
                if last {
                    writer.flush()?;
                    return Ok(total);
                }
            }
            // The input ended, yet this chunk is not the one sealed as last.
            Err(_) if last => return Err(StreamError::Truncated),
            // Includes data appended after the real last chunk, which cannot open as a
            // middle chunk. (ring wipes a buffer that fails to open, so the two cases are
            // not told apart; both are refused.)
            Err(_) => return Err(StreamError::Authentication),
        }
        counter = counter.checked_add(1).ok_or(StreamError::TooLarge)?;
        std::mem::swap(&mut current, &mut next);
        current_len = next_len;
    }
}

fn chunk_aad(header: &[u8], context: &[&[u8]]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = vec![b"leadvault/file/v1", header];
    parts.extend_from_slice(context);
    length_prefixed(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    const REF: KeyRef = KeyRef {
        id: [9; 16],
        version: 1,
    };
    const CTX: &[&[u8]] = &[b"org-a", b"upload-17"];

    fn seal(key: &KeyBytes, data: &[u8], chunk: u32) -> Result<Vec<u8>, StreamError> {
        let mut out = Vec::new();
        encrypt_stream(key, REF, CTX, chunk, &mut &data[..], &mut out)?;
        Ok(out)
    }

    fn open(key: &KeyBytes, sealed: &[u8], ctx: &[&[u8]]) -> Result<Vec<u8>, StreamError> {
        let mut out = Vec::new();
        decrypt_stream(key, ctx, &mut &sealed[..], &mut out)?;
        Ok(out)
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn files_of_every_shape_round_trip() -> TestResult {
        let key = KeyBytes::generate()?;
        for len in [0, 1, 15, 16, 17, 32, 33, 100, 4096] {
            let plain = data(len);
            let sealed = seal(&key, &plain, 16)?;
            assert_eq!(stream_key_ref(&sealed)?, REF);
            // A full final chunk is flagged last itself; only an empty file has an empty chunk.
            let chunks = len.div_ceil(16).max(1);
            assert_eq!(
                sealed.len(),
                STREAM_HEADER_LEN + len + chunks * TAG_LEN,
                "len {len}"
            );
            assert_eq!(open(&key, &sealed, CTX)?, plain, "len {len}");
        }
        Ok(())
    }

    #[test]
    fn truncation_at_every_byte_boundary_is_detected() -> TestResult {
        let key = KeyBytes::generate()?;
        for len in [0, 16, 40] {
            let sealed = seal(&key, &data(len), 16)?;
            for cut in 0..sealed.len() {
                assert!(
                    open(&key, &sealed[..cut], CTX).is_err(),
                    "len {len}: cut at {cut} accepted"
                );
            }
        }
        // Cutting exactly at a chunk boundary is reported as truncation.
        let sealed = seal(&key, &data(40), 16)?;
        let boundary = STREAM_HEADER_LEN + 2 * (16 + TAG_LEN);
        assert!(matches!(
            open(&key, &sealed[..boundary], CTX),
            Err(StreamError::Truncated)
        ));
        Ok(())
    }

    #[test]
    fn reordered_swapped_or_appended_chunks_are_detected() -> TestResult {
        let key = KeyBytes::generate()?;
        let sealed = seal(&key, &data(48), 16)?;
        let chunk = 16 + TAG_LEN;
        let body = &sealed[STREAM_HEADER_LEN..];
        let c: Vec<&[u8]> = body.chunks(chunk).collect();
        assert_eq!(c.len(), 3, "three full chunks, the third flagged last");
        let reorder = |order: &[usize]| {
            let mut out = sealed[..STREAM_HEADER_LEN].to_vec();
            for &i in order {
                out.extend_from_slice(c[i]);
            }
            out
        };
        assert!(matches!(
            open(&key, &reorder(&[1, 0, 2]), CTX),
            Err(StreamError::Authentication)
        ));
        assert!(matches!(
            open(&key, &reorder(&[0, 1]), CTX),
            Err(StreamError::Truncated)
        ));
        assert!(matches!(
            open(&key, &reorder(&[0, 1, 2, 2]), CTX),
            Err(StreamError::Authentication)
        ));
        // A chunk from another file with the same key is refused too.
        let other = seal(&key, &data(48), 16)?;
        let mut spliced = sealed.clone();
        spliced[STREAM_HEADER_LEN..STREAM_HEADER_LEN + chunk]
            .copy_from_slice(&other[STREAM_HEADER_LEN..STREAM_HEADER_LEN + chunk]);
        assert!(open(&key, &spliced, CTX).is_err());
        Ok(())
    }

    #[test]
    fn a_flipped_bit_anywhere_wrong_context_or_key_fails() -> TestResult {
        let key = KeyBytes::generate()?;
        let sealed = seal(&key, &data(40), 16)?;
        for i in 0..sealed.len() {
            let mut bent = sealed.clone();
            bent[i] ^= 0x80;
            assert!(open(&key, &bent, CTX).is_err(), "flip at byte {i} accepted");
        }
        assert!(open(&key, &sealed, &[b"org-b", b"upload-17"]).is_err());
        assert!(open(&KeyBytes::generate()?, &sealed, CTX).is_err());
        Ok(())
    }

    #[test]
    fn memory_does_not_grow_with_file_size() -> TestResult {
        // A reader that yields 8 MiB without ever holding it; the writer only counts.
        struct Zeros(u64);
        impl Read for Zeros {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0 as usize);
                buf[..n].fill(0);
                self.0 -= n as u64;
                Ok(n)
            }
        }
        struct Count(u64, usize);
        impl Write for Count {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0 += buf.len() as u64;
                self.1 = self.1.max(buf.len());
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let key = KeyBytes::generate()?;
        let mut sink = Count(0, 0);
        let n = encrypt_stream(
            &key,
            REF,
            CTX,
            DEFAULT_CHUNK_SIZE,
            &mut Zeros(8 << 20),
            &mut sink,
        )?;
        assert_eq!(n, 8 << 20);
        assert!(
            sink.1 <= DEFAULT_CHUNK_SIZE as usize + TAG_LEN,
            "largest single write {}",
            sink.1
        );
        Ok(())
    }
}
