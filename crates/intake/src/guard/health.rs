//! Health and biometric information: named conditions, medication, treatment, injuries and
//! hospital care, medical record numbers, and biometric identifiers. A softer finding than
//! the others: people describing an accident name their injuries, so by default the form asks
//! them to leave the details for the consultation, and the form's owner can make it blocking.

use std::sync::LazyLock;

use super::words::{WordList, has_word};

/// Whole words and phrases, lower case. Chosen so that legal language does not trip them:
/// "treatment" alone is not here (employees are treated unfairly), "treated for" is.
const TERMS: &[&str] = &[
    // conditions
    "diagnosed",
    "diagnosis",
    "diabetes",
    "diabetic",
    "hiv",
    "aids",
    "cancer",
    "tumor",
    "tumour",
    "chemotherapy",
    "chemo",
    "leukemia",
    "depression",
    "depressed",
    "anxiety disorder",
    "ptsd",
    "bipolar",
    "schizophrenia",
    "adhd",
    "autism",
    "epilepsy",
    "seizure",
    "seizures",
    "dementia",
    "alzheimer",
    "alzheimer's",
    "parkinson",
    "parkinson's",
    "multiple sclerosis",
    "asthma",
    "hepatitis",
    "stroke",
    "heart attack",
    "heart condition",
    "high blood pressure",
    "hypertension",
    "pregnant",
    "pregnancy",
    "miscarriage",
    "disability",
    "was in a coma",
    "induced coma",
    "asbestosis",
    "mesothelioma",
    "autistic",
    "cerebral palsy",
    "lupus",
    "alcoholic",
    "sober",
    "deaf",
    "hearing impaired",
    "asl interpreter",
    "bedsore",
    "bedsores",
    "pressure ulcer",
    "std",
    "covid",
    "long covid",
    "arthritis",
    "fibromyalgia",
    "chronic pain",
    "migraine",
    "migraines",
    "eating disorder",
    "anorexia",
    "addiction",
    "alcoholism",
    "substance abuse",
    "rehab",
    "overdose",
    "suicidal",
    "panic attacks",
    "insomnia",
    "herniated",
    "paralyzed",
    "paralysis",
    "amputation",
    "amputated",
    "dialysis",
    "transplant",
    // injuries and care
    "injury",
    "injuries",
    "injured",
    "broken leg",
    "broken arm",
    "broken wrist",
    "broke my",
    "fractured",
    "fracture",
    "whiplash",
    "concussion",
    "tbi",
    "brain injury",
    "spinal",
    "surgery",
    "surgeries",
    "operation on",
    "in the hospital",
    "in hospital",
    "to the hospital",
    "at the hospital",
    "hospital stay",
    "hospital bill",
    "hospital bills",
    "burned on",
    "hospitalized",
    "hospitalised",
    "er visit",
    "emergency room",
    "icu",
    "physical therapy",
    "physiotherapy",
    "chiropractor",
    "black eye",
    "split lip",
    "the er",
    "lost two fingers",
    "lost a finger",
    "lost fingers",
    "wheelchair",
    "rotator cuff",
    "torn ligament",
    "acl tear",
    "torn acl",
    "femur",
    "burns",
    "second-degree",
    "third-degree",
    "burned my hand",
    "burned my arm",
    "burned my leg",
    "stitches",
    "mri",
    "ct scan",
    "x-ray",
    "xray",
    "doctor",
    "physician",
    "neurologist",
    "psychiatrist",
    "psychologist",
    "therapist",
    "therapy",
    "counseling for",
    "treated for",
    "medical record",
    "medical records",
    "mrn",
    "patient id",
    "health insurance id",
    // medication
    "medication",
    "medications",
    "prescription",
    "prescribed",
    "mg",
    "insulin",
    "antidepressant",
    "antidepressants",
    "opioid",
    "opioids",
    "oxycodone",
    "xanax",
    "prozac",
    "zoloft",
    "adderall",
    "lithium",
    "methadone",
    "ibuprofen",
    "painkillers",
    "suboxone",
    "buprenorphine",
    // biometrics
    "fingerprint",
    "fingerprints",
    "retina",
    "retinas",
    "retina scan",
    "retina scans",
    "retinal",
    "iris scan",
    "voiceprints",
    "face scan",
    "facial scan",
    "facial recognition",
    "dna",
    "voiceprint",
    "biometric",
    "biometrics",
    "genetic",
    "blood type",
];

/// The same in Spanish, which many US intake forms receive.
const SPANISH: &[&str] = &[
    "diagnosticado",
    "diagnosticada",
    "diabetes",
    "cáncer",
    "cancer",
    "autismo",
    "autista",
    "depresión",
    "embarazada",
    "embarazo",
    "medicamento",
    "medicamentos",
    "terapia",
    "hospitalizado",
    "hospitalizada",
    "en el hospital",
    "cirugía",
    "cirugia",
    "lesión",
    "lesiones",
    "herido",
    "herida",
    "fractura",
    "discapacidad",
    "huellas dactilares",
];

/// Endings that only medicine uses: an operation (appendectomy, tracheotomy, colostomy,
/// angioplasty) or an inflammation (appendicitis, meningitis).
const MEDICAL_ENDINGS: &[&str] = &["ectomy", "otomy", "ostomy", "plasty", "itis"];
const TUMOURS: &[&str] = &["melanoma", "carcinoma", "lymphoma", "hematoma", "glaucoma"];

fn medical_word(lower: &str) -> bool {
    lower
        .split(|c: char| !c.is_alphabetic())
        .any(|word| word.len() > 6 && MEDICAL_ENDINGS.iter().any(|e| word.ends_with(e)))
}

/// Health words used as figures of speech, and a doctor's office named as a party or a
/// place: removed before the terms are looked for. ("The rent increase gave me a heart
/// attack" says nothing of anyone's heart.)
const FIGURATIVE: &[&str] = &[
    "gave me a heart attack",
    "give me a heart attack",
    "giving me a heart attack",
    "is a cancer on",
    "is a cancer to",
    "is a cancer in",
    "like a cancer",
    "doctor's office",
    "doctors office",
];

/// A joint or a valve replaced is surgery, whatever else the sentence says.
const REPLACED: &[&str] = &[
    "knee", "hip", "shoulder", "joint", "valve", "elbow", "ankle",
];
/// A body part being scanned is biometric capture ("the gym scans our iris").
const SCANNED: &[&str] = &["iris", "irises", "retina", "face", "faces", "palm", "palms"];
const SCAN_WORDS: &[&str] = &["scan", "scans", "scanned", "scanning", "scanner"];

/// `first` and then `second` within a few words of each other, in that order or the other.
fn near_words(lower: &str, first: &[&str], second: &[&str]) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        first.contains(w)
            && words[i.saturating_sub(3)..(i + 4).min(words.len())]
                .iter()
                .any(|other| second.contains(other))
    })
}

/// [`TERMS`], [`SPANISH`] and [`TUMOURS`], looked for together.
static HEALTH_WORDS: LazyLock<WordList> =
    LazyLock::new(|| WordList::new(TERMS.iter().chain(SPANISH).chain(TUMOURS).copied()));

pub(crate) fn found(text: &str) -> bool {
    let mut lower = text.to_lowercase().replace('’', "'");
    for phrase in FIGURATIVE {
        lower = lower.replace(phrase, " ");
    }
    REPLACED
        .iter()
        .any(|part| has_word(&lower, &format!("{part} replacement")))
        || near_words(&lower, SCAN_WORDS, SCANNED)
        || HEALTH_WORDS.any_in(&lower)
        || medical_word(&lower)
}
