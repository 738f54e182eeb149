//! Bridges between the blocking world of `tar` and `age` (which read and write `std::io`)
//! and the async world of object storage, through bounded channels: at most a few chunks are
//! in flight, so a backup of any size needs a few megabytes of memory.

use std::io::{self, Read, Write};

use bytes::Bytes;
use ring::digest;
use tokio::sync::mpsc;

/// How much is gathered before it is handed over.
pub(crate) const CHUNK: usize = 1 << 20;
/// How many chunks may wait between the two sides.
pub(crate) const IN_FLIGHT: usize = 4;

/// Writes into a channel, a chunk at a time. The receiver going away (an upload that failed)
/// is a broken pipe to the writer, which stops.
pub(crate) struct ChannelWriter {
    sender: mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    pub(crate) fn new(sender: mpsc::Sender<Bytes>) -> Self {
        Self {
            sender,
            buffer: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(chunk)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload stopped"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let n = data.len().min(room);
        self.buffer.extend_from_slice(&data[..n]);
        if self.buffer.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Reads from a channel of chunks; an error sent down it (a download that failed) is
/// returned to the reader.
pub(crate) struct ChannelReader {
    receiver: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl ChannelReader {
    pub(crate) fn new(receiver: mpsc::Receiver<io::Result<Bytes>>) -> Self {
        Self {
            receiver,
            current: Bytes::new(),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                None => return Ok(0),
                Some(chunk) => self.current = chunk?,
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// SHA-256 and length of what passes through, either way.
pub(crate) struct Hashing<T> {
    inner: T,
    context: digest::Context,
    bytes: u64,
}

impl<T> Hashing<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            context: digest::Context::new(&digest::SHA256),
            bytes: 0,
        }
    }

    /// The hash (hexadecimal) and length so far, and what was wrapped.
    pub(crate) fn finish(self) -> (String, u64, T) {
        (hex(self.context.finish().as_ref()), self.bytes, self.inner)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.context.update(&data[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.context.update(&out[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_passes_everything_through_and_counts_it() {
        let mut writer = Hashing::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (hash, bytes, inner) = writer.finish();
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!((bytes, inner.as_slice()), (3, &b"abc"[..]));
    }
}
