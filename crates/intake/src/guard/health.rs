//! Health and biometric information: named conditions, medication, treatment, injuries and
//! hospital care, medical record numbers, and biometric identifiers. A softer finding than
//! the others: people describing an accident name their injuries, so by default the form asks
//! them to leave the details for the consultation, and the form's owner can make it blocking.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::words::{WordList, has_word};

/// The vocabulary (`data/health_terms.txt`): conditions, chronic conditions, mental-health
/// care and psychiatric stays, medications, procedures, injuries and care, end of life,
/// biometrics; in English and Spanish. One lower-case term or phrase a line, whole words;
/// `#` lines are headings. Chosen so that legal language does not trip it: "treatment" alone
/// is not there (employees are treated unfairly), "treated for" is.
const VOCABULARY: &str = include_str!("../../data/health_terms.txt");

pub(crate) fn vocabulary() -> impl Iterator<Item = &'static str> {
    VOCABULARY
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Endings that only medicine uses: an operation (appendectomy, tracheotomy, colostomy,
/// angioplasty) or an inflammation (appendicitis, meningitis).
const MEDICAL_ENDINGS: &[&str] = &["ectomy", "otomy", "ostomy", "plasty", "itis"];

fn medical_word(word: &str) -> bool {
    word.len() > 6 && MEDICAL_ENDINGS.iter().any(|e| word.ends_with(e))
}

/// Health words used as figures of speech, as the names of a practice area or a service, and a
/// doctor's office named as a party or a place: removed before the terms are looked for.
/// ("The rent increase gave me a heart attack" says nothing of anyone's heart; "a personal
/// injury lawyer" nothing of an injury.)
const FIGURATIVE: &[&str] = &[
    "gave me a heart attack",
    "give me a heart attack",
    "giving me a heart attack",
    "is a cancer on",
    "is a cancer to",
    "is a cancer in",
    "like a cancer",
    "fell on deaf ears",
    "falls on deaf ears",
    "falling on deaf ears",
    "stroke of luck",
    "stroke of genius",
    "rehab and flip",
    "rehab and resell",
    "doctor's office",
    "doctors office",
    "personal injury",
    "personal injuries",
    "lesiones personales",
    "injury lawyer",
    "injury lawyers",
    "injury attorney",
    "injury attorneys",
    "injury law",
    "wheelchair access",
    "wheelchair accessible",
    "wheelchair ramp",
];

/// A joint or a valve replaced is surgery, whatever else the sentence says.
const REPLACED: &[&str] = &[
    "knee", "hip", "shoulder", "joint", "valve", "elbow", "ankle",
];
/// A body part being scanned is biometric capture ("the gym scans our iris").
const SCANNED: &[&str] = &["iris", "irises", "retina", "face", "faces", "palm", "palms"];
const SCAN_WORDS: &[&str] = &["scan", "scans", "scanned", "scanning", "scanner"];

/// A joint or a valve, then "replacement".
fn replaced(words: &[&str]) -> bool {
    words
        .windows(2)
        .any(|pair| REPLACED.contains(&pair[0]) && pair[1] == "replacement")
}

/// `first` and then `second` within a few words of each other, in that order or the other.
fn near_words(words: &[&str], first: &[&str], second: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        first.contains(w)
            && words[i.saturating_sub(3)..(i + 4).min(words.len())]
                .iter()
                .any(|other| second.contains(other))
    })
}

/// A word of `first` and then, within three words, one of `second`.
fn followed_by(words: &[&str], first: &[&str], second: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        first.contains(w)
            && words
                .get(i + 1..(i + 4).min(words.len()))
                .is_some_and(|next| next.iter().any(|other| second.contains(other)))
    })
}

/// The vocabulary, looked for in one pass.
static HEALTH_WORDS: LazyLock<WordList> = LazyLock::new(|| WordList::new(vocabulary()));

/// Words of the vocabulary that speak of an injury or of seeing a doctor: said after a
/// negation ("nobody was injured", "I didn't go to the doctor"), they tell of no one's health.
const NEGATABLE: &[&str] = &[
    "injury",
    "injuries",
    "injured",
    "doctor",
    "the er",
    "to the hospital",
    "in the hospital",
    "at the hospital",
    "in hospital",
    "emergency room",
    "ambulance",
    "herido",
    "herida",
    "heridos",
    "heridas",
    "lesiones",
    "lesionado",
    "lesionada",
    "al hospital",
    "en el hospital",
    "al doctor",
    "médico",
    "medico",
];
const NEGATIONS: &[&str] = &[
    "no", "not", "nobody", "none", "never", "without", "wasn't", "weren't", "didn't", "don't",
    "doesn't", "wasnt", "werent", "didnt", "dont", "sin", "nadie", "ningún", "ningun", "ninguna",
    "ni", "nunca",
];
/// Places of care, which are also places of work ("I'm a janitor at the hospital", "ICU
/// nurse"): said next to work, they tell of a job, not of anyone's health.
const PLACES: &[&str] = &[
    "hospital",
    "in the hospital",
    "at the hospital",
    "in hospital",
    "to the hospital",
    "en el hospital",
    "al hospital",
    "icu",
    "the er",
    "emergency room",
    "physical therapy",
    "physiotherapy",
    "surgery",
    "therapy",
    "rehab",
    "clinic",
    "clínica",
    "clinica",
    "dialysis",
    "hospice",
    "pharmacy",
    "farmacia",
];
const WORK: &[&str] = &[
    "work",
    "works",
    "worked",
    "working",
    "job",
    "jobs",
    "employed",
    "employer",
    "employee",
    "janitor",
    "nurse",
    "nurses",
    "guard",
    "security",
    "shift",
    "shifts",
    "staff",
    "hired",
    "fired",
    "cleaner",
    "cook",
    "receptionist",
    "scheduler",
    "clerk",
    "technician",
    "manager",
    "supervisor",
    "assistant",
    "aide",
    "driver",
    "secretary",
    "coordinator",
    "biller",
    "desk",
    "trabajo",
    "trabaja",
    "trabajaba",
    "trabajé",
    "trabaje",
    "conserje",
    "enfermera",
    "enfermero",
    "empleado",
    "empleada",
    "limpieza",
];
/// The words before `at` in `lower`, at most `count`, nearest last.
fn words_before(lower: &str, at: usize, count: usize) -> Vec<&str> {
    let mut words: Vec<&str> = lower
        .get(..at)
        .unwrap_or_default()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .rev()
        .take(count)
        .collect();
    words.reverse();
    words
}

/// The words after `at + len` in `lower`, at most `count`.
fn words_after(lower: &str, end: usize, count: usize) -> Vec<&str> {
    lower
        .get(end..)
        .unwrap_or_default()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .take(count)
        .collect()
}

/// Animals: their health is not a person's ("our dog needed surgery after the attack").
const ANIMALS: &[&str] = &[
    "dog", "dog's", "dogs", "cat", "cat's", "cats", "pet", "pet's", "pets", "puppy", "horse",
    "vet", "perro", "perra", "gato", "gata", "mascota",
];

/// Whether the term found at `at` tells of a person's health: not negated, not an animal's,
/// and not a place named as a workplace.
fn counts(lower: &str, term: &'static str, at: usize) -> bool {
    let before = words_before(lower, at, 4);
    let of_an_animal = ANIMALS.iter().any(|animal| has_word(term, animal));
    if !of_an_animal && before.iter().any(|w| ANIMALS.contains(w)) {
        return false;
    }
    if NEGATABLE.contains(&term) && before.iter().any(|w| NEGATIONS.contains(w)) {
        return false;
    }
    if PLACES.contains(&term) {
        let before = words_before(lower, at, 6);
        let after = words_after(lower, at + term.len(), 2);
        if before.iter().chain(&after).any(|w| WORK.contains(w)) {
            return false;
        }
    }
    true
}

/// An injury done to a part of the body ("crushed 3 toes", "me rompí el brazo").
const INJURED: &[&str] = &[
    "broke",
    "broken",
    "crushed",
    "fractured",
    "sprained",
    "twisted",
    "dislocated",
    "severed",
    "burned",
    "burnt",
    "cut",
    "smashed",
    "tore",
    "torn",
    "rompí",
    "rompi",
    "rompió",
    "rompio",
    "fracturé",
    "fracture",
    "quebré",
    "quebre",
    "lastimé",
    "lastime",
    "torcí",
    "torci",
];
const BODY: &[&str] = &[
    "toe",
    "toes",
    "finger",
    "fingers",
    "thumb",
    "hand",
    "hands",
    "arm",
    "arms",
    "leg",
    "legs",
    "ankle",
    "ankles",
    "wrist",
    "wrists",
    "knee",
    "knees",
    "hip",
    "hips",
    "rib",
    "ribs",
    "neck",
    "shoulder",
    "shoulders",
    "skull",
    "jaw",
    "nose",
    "foot",
    "feet",
    "spine",
    "pelvis",
    "collarbone",
    "elbow",
    "tooth",
    "teeth",
    "dedo",
    "dedos",
    "mano",
    "manos",
    "brazo",
    "brazos",
    "pierna",
    "piernas",
    "tobillo",
    "muñeca",
    "rodilla",
    "cadera",
    "costilla",
    "costillas",
    "cuello",
    "hombro",
    "pie",
    "pies",
    "espalda",
    "columna",
    "nariz",
    "mandíbula",
    "diente",
    "dientes",
];

/// [`FIGURATIVE`], found in one pass.
static FIGURES: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(FIGURATIVE)
        .ok()
});

/// `lower` with the figures of speech blanked out.
fn literal(lower: String) -> String {
    match FIGURES.as_ref() {
        Some(figures) => figures.replace_all(&lower, &[" "; FIGURATIVE.len()]),
        None => FIGURATIVE
            .iter()
            .fold(lower, |text, phrase| text.replace(phrase, " ")),
    }
}

pub(crate) fn found(text: &str) -> bool {
    let lower = literal(text.to_lowercase().replace('’', "'"));
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    replaced(&words)
        || near_words(&words, SCAN_WORDS, SCANNED)
        || followed_by(&words, INJURED, BODY)
        || HEALTH_WORDS.any_where(&lower, |term, at| counts(&lower, term, at))
        || words.iter().any(|word| medical_word(word))
}
