//! Amounts as Stripe counts them: whole minor units (cents) of a three-letter currency.
//! Parsed from what a person types ("125", "125.50") and shown back the same way; never a
//! float, so no amount is ever off by a rounding.

use std::fmt;

/// An ISO 4217 currency code, lower case as Stripe writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

/// Currencies Stripe counts in whole units (no cents).
const ZERO_DECIMAL: [&str; 16] = [
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

impl Currency {
    pub const USD: Currency = Currency(*b"usd");

    /// Three ASCII letters, either case.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes: [u8; 3] = text.trim().as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_alphabetic)
            .then(|| Self(bytes.map(|b| b.to_ascii_lowercase())))
    }

    pub fn code(&self) -> &str {
        // Three ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("usd")
    }

    /// How many digits follow the decimal point.
    pub fn decimals(self) -> u32 {
        if ZERO_DECIMAL.contains(&self.code()) {
            0
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code().to_ascii_uppercase())
    }
}

/// The most one price or payment may be (Stripe's own limit is 99,999,999 minor units).
pub const MAX_MINOR: i64 = 99_999_999;

/// An amount of a currency, in minor units; always positive and within Stripe's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why a typed amount was refused; the message is fit to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("an amount is a number such as 125 or 125.50")]
    NotANumber,
    #[error("{0} has at most {1} digits after the point")]
    TooPrecise(Currency, u32),
    #[error("an amount must be more than zero")]
    NotPositive,
    #[error("an amount must be at most 999,999.99")]
    TooLarge,
}

impl Money {
    /// `minor` units of `currency`, if positive and within the limit.
    pub fn new(minor: i64, currency: Currency) -> Result<Self, AmountError> {
        if minor <= 0 {
            return Err(AmountError::NotPositive);
        }
        if minor > MAX_MINOR {
            return Err(AmountError::TooLarge);
        }
        Ok(Self { minor, currency })
    }

    /// What a person typed: digits, at most one point and the currency's decimals; a
    /// thousands separator (",") is allowed and ignored.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, AmountError> {
        let text: String = text.trim().chars().filter(|c| *c != ',').collect();
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (text.as_str(), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(AmountError::NotANumber);
        }
        let decimals = currency.decimals();
        if fraction.len() > decimals as usize {
            return Err(AmountError::TooPrecise(currency, decimals));
        }
        let scale = 10_i64.pow(decimals);
        let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
        let mut cents: i64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| AmountError::NotANumber)?
        };
        for _ in fraction.len()..decimals as usize {
            cents *= 10;
        }
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(cents))
            .ok_or(AmountError::TooLarge)?;
        Self::new(minor, currency)
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// `self` plus `minor` units of its currency.
    pub fn plus(self, minor: i64) -> Result<Self, AmountError> {
        Self::new(self.minor.saturating_add(minor), self.currency)
    }

    /// The amount alone, as a person types it ("125.50"), for a form's field.
    pub fn amount_text(self) -> String {
        let decimals = self.currency.decimals();
        if decimals == 0 {
            return self.minor.to_string();
        }
        let scale = 10_i64.pow(decimals);
        format!(
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = decimals as usize
        )
    }
}

impl fmt::Display for Money {
    /// "USD 125.50".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<i64, AmountError> {
        Money::parse(text, Currency::USD).map(Money::minor)
    }

    #[test]
    fn typed_amounts_become_minor_units_exactly() {
        assert_eq!(usd("125"), Ok(12_500));
        assert_eq!(usd("125.5"), Ok(12_550));
        assert_eq!(usd(" 1,250.05 "), Ok(125_005));
        assert_eq!(usd("0.01"), Ok(1));
        assert_eq!(usd("0"), Err(AmountError::NotPositive));
        assert_eq!(usd("1.234"), Err(AmountError::TooPrecise(Currency::USD, 2)));
        assert_eq!(usd("1000000"), Err(AmountError::TooLarge));
        assert_eq!(usd("99999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(
            usd("12."),
            Ok(1_200),
            "a point with nothing after it is whole"
        );
        for bad in ["", "-5", "1e3", "abc", ".5", "1.2.3", "+4", "1 000"] {
            assert!(usd(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn zero_decimal_currencies_take_whole_units() {
        let yen = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("5000", yen).map(Money::minor), Ok(5000));
        assert!(Money::parse("50.5", yen).is_err());
        assert_eq!(Money::new(5000, yen).unwrap().to_string(), "JPY 5000");
    }

    #[test]
    fn amounts_show_as_typed() {
        let money = Money::parse("1250.5", Currency::USD).unwrap();
        assert_eq!(money.amount_text(), "1250.50");
        assert_eq!(money.to_string(), "USD 1250.50");
        assert_eq!(Currency::parse("eur").unwrap().code(), "eur");
        assert_eq!(Currency::parse("eu"), None);
        assert_eq!(Currency::parse("e1r"), None);
    }
}
