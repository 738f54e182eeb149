//! The prohibited-data guard: public forms must not collect Social Security numbers, payment
//! card numbers, bank account numbers, identity document numbers, or health and biometric
//! information. Every text answer is inspected before anything is stored; a finding names
//! what was found, never where or what it was, so the rejected value cannot leak through it
//! into a log, an error or a page.
//!
//! Quality is measured against a labelled corpus (`data/guard_corpus.jsonl`): the test
//! `guard_corpus` prints precision and recall per detector.

mod bank;
mod card;
#[cfg(test)]
mod corpus;
mod health;
mod iban;
mod identity;
mod numbers;
#[cfg(test)]
mod properties;
mod ssn;
mod words;

use std::fmt;

/// Something a public form must not collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    Ssn,
    Card,
    BankAccount,
    Iban,
    Passport,
    DriversLicense,
    /// Softer: a warning unless the form's owner makes it blocking.
    Health,
}

impl Finding {
    pub const ALL: [Finding; 7] = [
        Self::Ssn,
        Self::Card,
        Self::BankAccount,
        Self::Iban,
        Self::Passport,
        Self::DriversLicense,
        Self::Health,
    ];

    /// A stable name (the corpus labels, the audit log).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssn => "ssn",
            Self::Card => "card",
            Self::BankAccount => "bank_account",
            Self::Iban => "iban",
            Self::Passport => "passport",
            Self::DriversLicense => "drivers_license",
            Self::Health => "health",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What to tell the person, on the field labelled `field`: what kind of thing to take out
    /// of which answer, and why. Never the value itself.
    pub fn message(self, field: &str) -> String {
        let field = field.trim();
        match self {
            Self::Ssn => format!(
                "Please remove the Social Security number from \u{201c}{field}\u{201d}. This form never needs it, and sending it over a website form puts you at risk of identity theft."
            ),
            Self::Card => format!(
                "Please remove the card number from \u{201c}{field}\u{201d}. We never take payment details through this form; the firm will tell you how to pay safely if needed."
            ),
            Self::BankAccount | Self::Iban => format!(
                "Please remove the bank account details from \u{201c}{field}\u{201d}. This form never needs them, and they could be misused if they were exposed."
            ),
            Self::Passport => format!(
                "Please remove the passport number from \u{201c}{field}\u{201d}. Bring identity documents to your consultation instead; this form never needs them."
            ),
            Self::DriversLicense => format!(
                "Please remove the driver's licence or ID number from \u{201c}{field}\u{201d}. Bring identity documents to your consultation instead; this form never needs them."
            ),
            Self::Health => format!(
                "Please leave medical details (conditions, injuries, treatment, medication) out of \u{201c}{field}\u{201d} for now. Describe what happened in general terms; you can discuss your health confidentially with the lawyer."
            ),
        }
    }

    /// Whether this finding stops a submission by itself (health only when the form's owner
    /// chose so).
    pub fn blocks(self, health_blocks: bool) -> bool {
        !matches!(self, Self::Health) || health_blocks
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything prohibited in `text`, each kind once, in [`Finding::ALL`] order.
pub fn inspect(text: &str) -> Vec<Finding> {
    let groups = numbers::groups(text);
    let mut found = Vec::new();
    let checks: [(Finding, bool); 7] = [
        (Finding::Ssn, ssn::found(text, &groups)),
        (Finding::Card, card::found(text, &groups)),
        (Finding::BankAccount, bank::found(text, &groups)),
        (Finding::Iban, iban::found(text)),
        (
            Finding::Passport,
            identity::found(text, &identity::PASSPORT),
        ),
        (
            Finding::DriversLicense,
            identity::found(text, &identity::DRIVERS_LICENSE),
        ),
        (Finding::Health, health::found(text)),
    ];
    for (finding, present) in checks {
        if present {
            found.push(finding);
        }
    }
    found
}
