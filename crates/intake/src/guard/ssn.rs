//! US Social Security numbers: `AAA-GG-SSSS` with hyphens, spaces or dots, valid by the
//! SSA's rules (area not 000, 666 or 900–999; group not 00; serial not 0000); or nine digits
//! in a row when the words around them say it is one (nine digits alone are as likely a claim
//! or order number).

use super::numbers::{Run, context};
use super::words::has_word;

const WORDS: &[&str] = &[
    "ssn",
    "ss#",
    "ss #",
    "ssn#",
    "social",
    "soc sec",
    "social security",
    "ss no",
    "taxpayer id",
    "tin",
    "itin",
];

pub(crate) fn is_valid(area: &str, group: &str, serial: &str) -> bool {
    let (Ok(a), Ok(g), Ok(s)) = (
        area.parse::<u32>(),
        group.parse::<u32>(),
        serial.parse::<u32>(),
    ) else {
        return false;
    };
    area.len() == 3
        && group.len() == 2
        && serial.len() == 4
        && a != 0
        && a != 666
        && a < 900
        && g != 0
        && s != 0
}

pub(crate) fn found(text: &str, runs: &[Run<'_>]) -> bool {
    runs.iter().any(|run| {
        let grouped = run.groups.windows(3).any(|w| match w {
            [a, g, s] => run.separator.is_some() && is_valid(a, g, s),
            _ => false,
        });
        let bare = run
            .groups
            .iter()
            .any(|g| g.len() == 9 && is_valid(&g[0..3], &g[3..5], &g[5..9]))
            && {
                let around = context(text, run.start, run.end, 40, 10);
                WORDS.iter().any(|w| has_word(&around, w))
            };
        grouped || bare
    })
}
