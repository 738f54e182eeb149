//! The guard's detectors as properties: valid numbers of every kind, written the ways people
//! write them (random separators, group splits, connecting words, labels with typos, case,
//! sentences in English and Spanish around them), are always refused; so are document numbers
//! after their words, and every term of the health vocabulary is warned of. Look-alikes
//! written the same ways (phones, dates, ZIP+4, dockets, claims, amounts, IMEIs, EINs, masked
//! numbers, invalid SSNs, plates, trade licences) are always accepted.
//!
//! The case count is fixed so the suite runs in seconds in CI. A failure is shrunk and saved
//! by proptest under `proptest-regressions/`, which is committed: every saved case is tried
//! first on every later run.

use proptest::prelude::*;
use proptest::sample::select;

use super::{Finding, inspect};

const CASES: u32 = 400;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

/// The hard findings of `text` (health is a warning, and the sentences here say nothing of
/// health).
fn hard(text: &str) -> Vec<Finding> {
    inspect(text)
        .into_iter()
        .filter(|f| *f != Finding::Health)
        .collect()
}

// --- Numbers ------------------------------------------------------------------------------

fn digits(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, len)
        .prop_map(|d| d.iter().map(|d| char::from(b'0' + d)).collect())
}

/// The Luhn check digit that completes `body`.
fn luhn_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Issuer prefixes and the lengths each issues.
const BRANDS: &[(&str, &[usize], &str)] = &[
    ("4", &[13, 16, 19], "visa"),
    ("51", &[16], "mastercard"),
    ("55", &[16], "Mastercard"),
    ("2221", &[16], "master card"),
    ("2720", &[16], "MC"),
    ("34", &[15], "amex"),
    ("37", &[15], "American Express"),
    ("6011", &[16, 19], "discover"),
    ("65", &[16], "Discover"),
    ("644", &[16], "discover card"),
    ("36", &[14], "diners"),
    ("300", &[14], "Diners Club"),
    ("3528", &[16], "JCB"),
    ("3589", &[19], "jcb"),
    ("62", &[16, 19], "UnionPay"),
];

/// A valid card number and its brand's name.
fn card_number() -> impl Strategy<Value = (String, &'static str)> {
    select(BRANDS)
        .prop_flat_map(|(prefix, lengths, brand)| {
            (select(lengths.to_vec()), Just(prefix), Just(brand))
        })
        .prop_flat_map(|(len, prefix, brand)| {
            digits(len - prefix.len() - 1).prop_map(move |body| {
                let partial = format!("{prefix}{body}");
                let check = luhn_digit(&partial);
                (format!("{partial}{check}"), brand)
            })
        })
}

/// A valid SSN's three parts.
fn ssn_parts() -> impl Strategy<Value = (String, String, String)> {
    (
        (1u32..900).prop_filter("666 is never issued", |a| *a != 666),
        1u32..100,
        1u32..10000,
    )
        .prop_map(|(a, g, s)| (format!("{a:03}"), format!("{g:02}"), format!("{s:04}")))
}

/// A valid ABA routing number.
fn routing_number() -> impl Strategy<Value = String> {
    let prefixes: Vec<u32> = (1..=12).chain(21..=32).chain(61..=72).chain([80]).collect();
    (select(prefixes), digits(6)).prop_map(|(prefix, middle)| {
        let head = format!("{prefix:02}{middle}");
        let d: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
        let partial = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5];
        format!("{head}{}", (10 - partial % 10) % 10)
    })
}

/// Countries, their IBAN length, and whether the bank code has letters.
const IBAN_COUNTRIES: &[(&str, usize, usize)] = &[
    ("DE", 22, 0),
    ("GB", 22, 4),
    ("FR", 27, 0),
    ("ES", 24, 0),
    ("IT", 27, 1),
    ("NL", 18, 4),
    ("CH", 21, 0),
    ("BE", 16, 0),
    ("AT", 20, 0),
    ("PL", 28, 0),
    ("PT", 25, 0),
    ("IE", 22, 4),
    ("SE", 24, 0),
    ("NO", 15, 0),
];

fn iban_number() -> impl Strategy<Value = String> {
    select(IBAN_COUNTRIES).prop_flat_map(|(country, len, letters)| {
        (
            proptest::collection::vec(0u8..26, letters),
            digits(len - 4 - letters),
        )
            .prop_map(move |(letters, digits)| {
                let bank: String = letters.iter().map(|l| char::from(b'A' + l)).collect();
                let bban = format!("{bank}{digits}");
                let mut remainder = 0u32;
                for c in format!("{bban}{country}00").chars() {
                    for d in c.to_digit(36).unwrap_or(0).to_string().bytes() {
                        remainder = (remainder * 10 + u32::from(d - b'0')) % 97;
                    }
                }
                format!("{country}{:02}{bban}", 98 - remainder)
            })
    })
}

// --- Writing ------------------------------------------------------------------------------

/// Sentences around a number, with `{}` where it goes: English and Spanish, typed on a phone
/// or written with care. None says anything of health, or holds a number.
const AROUND: &[&str] = &[
    "{}",
    "hi, {} thanks",
    "Please help me. {}",
    "{} — I need to know what to do next",
    "my landlord kept the deposit and now this {} is what they asked for",
    "i was fired last month and hr wants {} before they pay me",
    "Hola, necesito ayuda con mi caso de inmigración. {}",
    "{} gracias por su ayuda",
    "the collector called again they already had {} and i never gave it",
    "ok so here it is {} can someone call me back",
    "We need this served before the hearing. {} Thank you.",
    "mi esposo dice que {} pero no estoy segura",
];

fn around(inner: String) -> impl Strategy<Value = String> {
    (select(AROUND), any::<bool>()).prop_map(move |(frame, shout)| {
        let text = frame.replacen("{}", &inner, 1);
        if shout { text.to_uppercase() } else { text }
    })
}

/// Joins between an SSN's groups as people type them.
const SSN_JOINS: &[&str] = &[
    "-", " ", ".", "/", " - ", " / ", "- ", " -", "  ", " dash ", "\u{2013}",
];
/// What people call an SSN, spelt right and not.
const SSN_LABELS: &[&str] = &[
    "ssn",
    "SSN",
    "SSN#",
    "SNN",
    "ss#",
    "SS #",
    "social",
    "socail",
    "scoial",
    "social security number",
    "Social Security no",
    "soc sec",
    "seguro social",
    "número de seguro social",
];

fn ssn_text() -> impl Strategy<Value = String> {
    let grouped = (
        ssn_parts(),
        select(SSN_JOINS),
        select(SSN_JOINS),
        prop::option::of(select(SSN_LABELS)),
    )
        .prop_map(|((a, g, s), j1, j2, label)| match label {
            Some(label) => format!("my {label} is {a}{j1}{g}{j2}{s}"),
            None => format!("{a}{j1}{g}{j2}{s}"),
        });
    let labelled =
        (ssn_parts(), select(SSN_LABELS), 0..5usize).prop_map(|((a, g, s), label, how)| {
            let n = format!("{a}{g}{s}");
            match how {
                0 => format!("my {label} is {n}"),
                1 => format!("{label}: {n}"),
                2 => format!("{n} thats my {label}"),
                3 => format!("claimant id {n} … that's my {label}"),
                _ => format!("{label} {a} {g}{s}"),
            }
        });
    prop_oneof![grouped, labelled].prop_flat_map(around)
}

/// Joins between a card number's pieces.
const CARD_JOINS: &[&str] = &[
    " ", "-", " / ", "...", " and ", " then ", "\n", " - ", ", ", " y ",
];
/// Words a card number comes with.
const CARD_WORDS: &[&str] = &[
    "card",
    "exp 04/29",
    "cvv 318",
    "CVC 0412",
    "security code 771",
    "tarjeta",
    "credit card",
    "debit card number",
];

/// Splits `number` as a card is written: whole, in fours, 4-6-5 / 4-6-4, or two halves.
fn split(number: &str, how: usize) -> Vec<String> {
    let len = number.len();
    let cuts: Vec<usize> = match how {
        0 => vec![],
        1 if len == 15 || len == 14 => vec![4, 10],
        2 => vec![len / 2],
        _ => (4..len).step_by(4).collect(),
    };
    let mut pieces = Vec::new();
    let mut from = 0;
    for cut in cuts.into_iter().chain([len]) {
        pieces.push(number[from..cut].to_owned());
        from = cut;
    }
    pieces
}

fn card_text() -> impl Strategy<Value = String> {
    (
        card_number(),
        0..4usize,
        select(CARD_JOINS),
        select(CARD_WORDS),
        0..4usize,
        any::<bool>(),
    )
        .prop_map(|((number, brand), how, join, word, style, brand_first)| {
            let pieces = split(&number, how);
            let label = if brand_first { brand } else { word };
            match style {
                // One join throughout, the label before.
                0 => format!("{label} {}", pieces.join(join)),
                // The label after.
                1 => format!("{} {word}", pieces.join(join)),
                // The pieces apart, with words between them and the label near.
                2 if pieces.len() >= 2 => {
                    let half = pieces.len() / 2;
                    format!(
                        "my {brand} {} wait the rest {} {word}",
                        pieces[..half].join(" "),
                        pieces[half..].join(" ")
                    )
                }
                // No label at all: one join throughout.
                _ => pieces.join(if join.trim().is_empty() || join == "-" {
                    join
                } else {
                    " "
                }),
            }
        })
        .prop_flat_map(around)
}

const ROUTING_WORDS: &[&str] = &[
    "routing",
    "routing #",
    "ABA",
    "rounting",
    "routing number",
    "número de ruta",
    "RTN",
];
const ACCOUNT_WORDS: &[&str] = &[
    "account",
    "acct",
    "acct#",
    "checking",
    "acount",
    "cuenta",
    "savings account",
];

fn bank_text() -> impl Strategy<Value = String> {
    (
        routing_number(),
        digits(17),
        4..17usize,
        select(ROUTING_WORDS),
        select(ACCOUNT_WORDS),
        select(&[" ", "-", " - ", "."][..]),
        0..4usize,
    )
        .prop_map(|(routing, account, len, rword, aword, join, style)| {
            let account = &account[..len.min(account.len())];
            let routing = if style % 2 == 1 {
                format!(
                    "{}{join}{}{join}{}",
                    &routing[..3],
                    &routing[3..6],
                    &routing[6..]
                )
            } else {
                routing
            };
            match style {
                0 | 1 => format!("{rword} {routing} {aword} {account}"),
                2 => format!("{routing} / {account}"),
                _ => format!("{aword} {account}, {rword} {routing}"),
            }
        })
        .prop_flat_map(around)
}

fn iban_text() -> impl Strategy<Value = String> {
    (
        iban_number(),
        select(&["", " ", "-", "  "][..]),
        any::<bool>(),
        select(&["IBAN", "iban:", "ibna", "my bank account", "cuenta"][..]),
    )
        .prop_map(|(iban, join, lower, label)| {
            let grouped = if join.is_empty() {
                iban
            } else {
                iban.as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(join)
            };
            let iban = if lower {
                grouped.to_lowercase()
            } else {
                grouped
            };
            format!("{label} {iban}")
        })
        .prop_flat_map(around)
}

// --- Look-alikes --------------------------------------------------------------------------

fn phone() -> impl Strategy<Value = String> {
    (200u32..1000, 200u32..1000, 0u32..10000, 0..6usize).prop_map(|(a, x, n, how)| match how {
        0 => format!("({a}) {x}-{n:04}"),
        1 => format!("{a}-{x}-{n:04}"),
        2 => format!("{a}.{x}.{n:04}"),
        3 => format!("+1 {a} {x} {n:04}"),
        4 => format!("{a}{x}{n:04}"),
        _ => format!("1-{a}-{x}-{n:04}"),
    })
}

fn look_alike() -> impl Strategy<Value = String> {
    prop_oneof![
        phone().prop_map(|p| format!("call me at {p}")),
        (1u32..13, 1u32..29, 1990u32..2030, 0..3usize).prop_map(|(m, d, y, how)| match how {
            0 => format!("on {m:02}/{d:02}/{y}"),
            1 => format!("since {m}-{d}-{}", y % 100),
            _ => format!("hearing {y}-{m:02}-{d:02}"),
        }),
        (10000u32..99999, 0u32..10000).prop_map(|(z, p)| format!("zip {z}-{p:04}")),
        (1u32..10, 20u32..27, 100u32..99999)
            .prop_map(|(d, y, n)| format!("case {d}:{y}-cv-{n:05}")),
        (2000u32..2030, 100u32..999999).prop_map(|(y, n)| format!("docket CV-{y}-{n:06}")),
        (1_000_000u64..999_999_999_999).prop_map(|n| format!("claim # {n}")),
        (1u32..999, 0u32..1000, 0u32..100)
            .prop_map(|(a, b, c)| format!("they owe me ${a},{b:03}.{c:02}")),
        (select(&["35", "86", "01", "99"][..]), digits(12)).prop_map(|(tac, body)| {
            let partial = format!("{tac}{body}");
            let check = luhn_digit(&partial);
            format!("imei {partial}{check}")
        }),
        (10u32..99, 0u32..10_000_000).prop_map(|(a, b)| format!("our EIN is {a}-{b:07}")),
        (0u32..10000).prop_map(|n| format!("card ending in {n:04}")),
        (0u32..10000).prop_map(|n| format!("last 4 of my social {n:04}")),
        (0u32..10000).prop_map(|n| format!("ssn xxx-xx-{n:04}")),
        (0u32..10000).prop_map(|n| format!("**** **** **** {n:04}")),
        invalid_ssn().prop_map(|n| format!("my ssn is {n}")),
        (100u32..999, 100u32..999, 100u32..999)
            .prop_map(|(a, b, c)| format!("A-number A{a}-{b}-{c}")),
        (0u8..26, 1000u32..9999)
            .prop_map(|(l, n)| format!("license plate {}{n}", char::from(b'A' + l))),
        (100000u32..9999999).prop_map(|n| format!("contractor license {n}")),
    ]
}

/// SSN-shaped numbers the SSA never issues: area 000, 666 or 9xx, group 00, serial 0000.
fn invalid_ssn() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(0u32), Just(666), 900u32..1000],
        0u32..100,
        0u32..10000,
        select(SSN_JOINS),
        0..3usize,
    )
        .prop_map(|(area, g, s, join, broken)| match broken {
            0 => format!("{area:03}{join}{g:02}{join}{s:04}"),
            1 => format!("{:03}{join}00{join}{s:04}", (area % 600) + 100),
            _ => format!("{:03}{join}{g:02}{join}0000", (area % 600) + 100),
        })
}

fn look_alikes_text() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(look_alike(), 1..4),
        select(&[". ", " and ", ", ", "\n", " / "][..]),
    )
        .prop_map(|(parts, join)| parts.join(join))
        .prop_flat_map(around)
}

// --- Identity documents and health --------------------------------------------------------

const PASSPORT_WORDS: &[&str] = &[
    "passport",
    "passport no",
    "passport #",
    "my passport number is",
    "Passport No.",
    "pasport",
    "passprot",
    "pasaporte",
    "número de pasaporte",
];
const LICENCE_WORDS: &[&str] = &[
    "driver's license",
    "drivers license #",
    "DL#",
    "DL",
    "license number",
    "drivers lic",
    "CDL",
    "state ID",
    "licencia de conducir",
    "numero de licencia",
];

/// A document number as issued: a letter or two and digits, or digits alone.
fn document_number() -> impl Strategy<Value = String> {
    (0u8..26, 0u8..26, 0..3usize, digits(12), 7..10usize).prop_map(|(a, b, how, digits, len)| {
        let (a, b) = (char::from(b'A' + a), char::from(b'A' + b));
        match how {
            0 => format!("{a}{}", &digits[..len - 1]),
            1 => format!("{a}{b}{}", &digits[..len - 2]),
            _ => digits[..len].to_owned(),
        }
    })
}

fn document_text(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    (select(words), document_number(), any::<bool>())
        .prop_map(|(word, number, after)| {
            if after && !word.contains(' ') {
                format!("{number} is my {word}")
            } else {
                format!("{word}: {number}")
            }
        })
        .prop_flat_map(around)
}

/// Sentences that tell of someone's health, with `{}` where the term goes.
const HEALTH_FRAMES: &[&str] = &[
    "{}",
    "my mom has {} and the home wont let me see her",
    "I was told it was {} after the crash.",
    "mi esposo tiene {} y lo despidieron",
    "since the {} my husband changed",
    "they knew about the {} and still fired me",
];

fn health_text() -> impl Strategy<Value = String> {
    let terms: Vec<&'static str> = super::health::vocabulary().collect();
    (select(terms), select(HEALTH_FRAMES), any::<bool>()).prop_map(|(term, frame, shout)| {
        let text = frame.replacen("{}", term, 1);
        if shout { text.to_uppercase() } else { text }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_valid_ssn_is_refused(text in ssn_text()) {
        prop_assert!(inspect(&text).contains(&Finding::Ssn), "{text:?}");
    }

    #[test]
    fn every_valid_card_number_is_refused(text in card_text()) {
        prop_assert!(inspect(&text).contains(&Finding::Card), "{text:?}");
    }

    #[test]
    fn every_routing_and_account_pair_is_refused(text in bank_text()) {
        prop_assert!(inspect(&text).contains(&Finding::BankAccount), "{text:?}");
    }

    #[test]
    fn every_valid_iban_is_refused(text in iban_text()) {
        prop_assert!(inspect(&text).contains(&Finding::Iban), "{text:?}");
    }

    #[test]
    fn look_alikes_are_accepted(text in look_alikes_text()) {
        prop_assert_eq!(hard(&text), Vec::<Finding>::new(), "{:?}", text);
    }

    #[test]
    fn every_passport_number_after_its_words_is_refused(text in document_text(PASSPORT_WORDS)) {
        prop_assert!(inspect(&text).contains(&Finding::Passport), "{text:?}");
    }

    #[test]
    fn every_licence_number_after_its_words_is_refused(text in document_text(LICENCE_WORDS)) {
        prop_assert!(inspect(&text).contains(&Finding::DriversLicense), "{text:?}");
    }

    #[test]
    fn every_term_of_the_health_vocabulary_is_warned_of(text in health_text()) {
        prop_assert!(inspect(&text).contains(&Finding::Health), "{text:?}");
    }
}
