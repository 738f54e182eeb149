//! The prohibited-data guard on 2 KB answers: answers per second and megabytes per second on
//! one thread, for answers with nothing to find, answers full of look-alike numbers (the
//! guard's worst case: every window of digit groups is tried), and answers with something
//! to refuse. Prints figures; asserts nothing about time. Run with
//! `cargo bench -p leadvault-intake --bench guard`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use leadvault_intake::guard::inspect;

/// Sentences repeated until the answer is 2 KB.
const PLAIN: &str = "My landlord kept the whole deposit after I moved out in March even though the \
apartment was clean and I have photos of every room. He says the carpet needs replacing but it \
was already old when I moved in, and the lease says normal wear is not my responsibility. I sent \
him a letter asking for it back and he never answered. ";

const NUMBERS: &str = "Case no. 2:23-cv-01234 was filed on 03/14/2024 and the hearing is 2024-06-02 \
at 9:30; call me at (415) 555-0132 or 415.555.0199, zip 94110-1234, claim # 0012345678 and \
policy 88-1234567, they owe me $12,500.00 and then 1 500 dollars, imei 356938035643809, card \
ending in 4242, A-number A123-456-789, EIN 12-3456789, last 4 of my social 8876. ";

const SPANISH: &str = "Hola buenas tardes mi esposo trabaja en construccion desde el 2019 y el \
patron no le paga las horas extra desde enero, tenemos los recibos y mensajes de texto, le \
dijeron que si se queja lo van a despedir y no sabemos que hacer por favor ayudenos. ";

const REFUSED: &str = "they already had my socail 512 - 43 8876 and my visa 4532 0151 / 1283 \
0366 exp 04/29, routing 021 000 021 acct 4455667788. ";

fn answer(sentences: &[&str]) -> String {
    let mut text = String::new();
    while text.len() < 2048 {
        for sentence in sentences {
            text.push_str(sentence);
        }
    }
    text.truncate(text.floor_char_boundary(2048));
    text
}

/// Runs `op` for about `for_at_least`; returns operations per second.
fn rate(for_at_least: Duration, mut op: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut done: u64 = 0;
    while started.elapsed() < for_at_least {
        for _ in 0..64 {
            op();
        }
        done += 64;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let cases = [
        ("plain story", answer(&[PLAIN])),
        ("look-alike numbers", answer(&[NUMBERS])),
        ("Spanish story", answer(&[SPANISH])),
        (
            "mixed, with an SSN+card+bank",
            answer(&[PLAIN, NUMBERS, REFUSED]),
        ),
    ];
    println!("prohibited-data guard, 2 KB answers, 1 thread");
    for (name, text) in &cases {
        let per_second = rate(Duration::from_secs(2), || {
            black_box(inspect(black_box(text)));
        });
        println!(
            "{name:<30} {:>5} B {per_second:>10.0} answers/s {:>8.1} MB/s  {:?}",
            text.len(),
            per_second * text.len() as f64 / 1e6,
            inspect(text)
        );
    }
}
