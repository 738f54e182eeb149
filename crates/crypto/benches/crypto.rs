//! Prints throughput figures; asserts nothing about time. Run with `cargo bench -p
//! leadvault-crypto` (or `bench/crypto.sh`, which also runs the key hierarchy benchmarks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use leadvault_crypto::{
    DEFAULT_CHUNK_SIZE, FieldContext, KeyBytes, KeyRef, decrypt_field, encrypt_field,
    encrypt_stream,
};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

const KEY_REF: KeyRef = KeyRef {
    id: [3; 16],
    version: 1,
};
const CTX: FieldContext<'static> = FieldContext {
    org_id: "org",
    table: "leads",
    record_id: "r",
    field: "case_history",
};

/// Runs `op` repeatedly for about `for_at_least`; returns operations per second.
fn rate(for_at_least: Duration, mut op: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut done: u64 = 0;
    while started.elapsed() < for_at_least {
        for _ in 0..256 {
            op();
        }
        done += 256;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

struct Zeros(u64);
impl Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(usize::try_from(self.0).unwrap_or(usize::MAX));
        buf[..n].fill(0);
        self.0 -= n as u64;
        Ok(n)
    }
}

struct Sink;
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        black_box(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let key = KeyBytes::generate().unwrap();
    let value = [b'x'; 200];
    let field = rate(Duration::from_secs(3), || {
        let sealed = encrypt_field(&key, KEY_REF, CTX, black_box(&value)).unwrap();
        black_box(decrypt_field(&key, CTX, &sealed).unwrap());
    });
    println!("field encrypt+decrypt, 200-byte values, 1 thread: {field:>12.0} ops/s");

    const TOTAL: u64 = 512 * 1024 * 1024;
    let chunk = DEFAULT_CHUNK_SIZE as usize;
    // The same library's AES-256-GCM with nothing around it: one key, fresh nonce per chunk.
    let raw_key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
    let mut buffer = vec![0u8; chunk];
    let mut tag_sink = 0u8;
    let started = Instant::now();
    for counter in 0..(TOTAL / chunk as u64) {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&counter.to_be_bytes());
        let tag = raw_key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut buffer,
            )
            .unwrap();
        tag_sink ^= tag.as_ref()[0];
    }
    black_box(tag_sink);
    let raw = TOTAL as f64 / started.elapsed().as_secs_f64() / 1e6;

    let started = Instant::now();
    encrypt_stream(
        &key,
        KEY_REF,
        &[b"org", b"upload"],
        DEFAULT_CHUNK_SIZE,
        &mut Zeros(TOTAL),
        &mut Sink,
    )
    .unwrap();
    let stream = TOTAL as f64 / started.elapsed().as_secs_f64() / 1e6;
    println!("raw AES-256-GCM (ring), 64 KiB chunks:            {raw:>12.0} MB/s");
    println!(
        "streaming file encryption, 64 KiB chunks:         {stream:>12.0} MB/s ({:.0}% of raw)",
        100.0 * stream / raw
    );
}
