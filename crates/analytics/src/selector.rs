//! CSS selectors an experiment may name, in a small grammar checked here rather than
//! anything a browser would take: what a marketer writes to pick an element (`h1`,
//! `#hero .title`, `main > p:nth-child(2)`, `a[href="/contact"]`), and nothing that could
//! smuggle markup or script into the configuration sent to visitors' browsers.
//!
//! Grammar: compound selectors joined by a space (descendant) or `>` (child). A compound is
//! an optional tag name or `*`, then any of `#id`, `.class`, `[attr]`, `[attr="value"]`,
//! `:first-child`, `:last-child`, `:nth-child(N)`. Names are letters, digits, `-` and `_`,
//! not starting with a digit; attribute values are quoted with `"` and hold no `"`, `\`,
//! `<`, `>` or control character.

use std::fmt;

/// A checked selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector(String);

/// The longest selector, and the most compounds in one.
const MAX_LEN: usize = 300;
const MAX_COMPOUNDS: usize = 10;

/// Why a selector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{shown}` is not a selector we take: {reason} (tags, #id, .class, [attr], [attr=\"value\"], :first-child, :last-child, :nth-child(N), joined by spaces or >)"
)]
pub struct SelectorRefused {
    shown: String,
    reason: &'static str,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Self, SelectorRefused> {
        let text = text.trim();
        let refuse = |reason| SelectorRefused {
            shown: text.chars().take(60).collect(),
            reason,
        };
        if text.is_empty() {
            return Err(refuse("it is empty"));
        }
        if text.len() > MAX_LEN {
            return Err(refuse("it is too long"));
        }
        let mut chars = text.chars().peekable();
        let mut compounds = 0;
        loop {
            compound(&mut chars).map_err(refuse)?;
            compounds += 1;
            if compounds > MAX_COMPOUNDS {
                return Err(refuse("it has too many parts"));
            }
            // A combinator: spaces, `>`, or the end.
            let mut spaced = false;
            while chars.peek() == Some(&' ') {
                chars.next();
                spaced = true;
            }
            match chars.peek() {
                None => break,
                Some('>') => {
                    chars.next();
                    while chars.peek() == Some(&' ') {
                        chars.next();
                    }
                }
                Some(_) if spaced => {}
                Some(_) => return Err(refuse("a character is out of place")),
            }
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A name: letters, digits, `-`, `_`, not starting with a digit.
fn name(chars: &mut Chars<'_>) -> Result<String, &'static str> {
    let mut out = String::new();
    while let Some(&c) = chars.peek() {
        if !name_char(c) {
            break;
        }
        out.push(c);
        chars.next();
    }
    match out.chars().next() {
        None => Err("a name is missing"),
        Some(first) if first.is_ascii_digit() => Err("a name starts with a digit"),
        Some(_) => Ok(out),
    }
}

fn compound(chars: &mut Chars<'_>) -> Result<(), &'static str> {
    let mut parts = 0;
    match chars.peek() {
        Some('*') => {
            chars.next();
            parts += 1;
        }
        Some(c) if c.is_ascii_alphabetic() => {
            name(chars)?;
            parts += 1;
        }
        _ => {}
    }
    while let Some(&c) = chars.peek() {
        match c {
            '#' | '.' => {
                chars.next();
                name(chars)?;
            }
            '[' => {
                chars.next();
                name(chars)?;
                match chars.next() {
                    Some(']') => {}
                    Some('=') => {
                        if chars.next() != Some('"') {
                            return Err("an attribute's value is not in double quotes");
                        }
                        loop {
                            match chars.next() {
                                Some('"') => break,
                                Some(c) if c == '\\' || c == '<' || c == '>' || c.is_control() => {
                                    return Err("an attribute's value holds a character we refuse");
                                }
                                Some(_) => {}
                                None => return Err("an attribute's value is not closed"),
                            }
                        }
                        if chars.next() != Some(']') {
                            return Err("an attribute is not closed with ]");
                        }
                    }
                    _ => return Err("an attribute is not closed with ]"),
                }
            }
            ':' => {
                chars.next();
                let pseudo = name(chars)?;
                match pseudo.as_str() {
                    "first-child" | "last-child" => {}
                    "nth-child" => {
                        if chars.next() != Some('(') {
                            return Err(":nth-child needs a number in brackets");
                        }
                        let mut digits = 0;
                        while chars.peek().is_some_and(char::is_ascii_digit) {
                            chars.next();
                            digits += 1;
                        }
                        if digits == 0 || digits > 4 || chars.next() != Some(')') {
                            return Err(":nth-child needs a number in brackets");
                        }
                    }
                    _ => return Err("only :first-child, :last-child and :nth-child(N) are taken"),
                }
            }
            _ => break,
        }
        parts += 1;
    }
    if parts == 0 {
        return Err("a part of it names nothing");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_marketer_writes_is_taken() {
        for good in [
            "h1",
            "#hero",
            ".cta.primary",
            "#hero .title",
            "main > p:nth-child(2)",
            "a[href=\"/contact\"]",
            "ul li:first-child",
            "div>span",
            "*[data-test]",
            "button[type=\"submit\"]",
        ] {
            assert!(
                Selector::parse(good).is_ok(),
                "{good}: {:?}",
                Selector::parse(good)
            );
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        for bad in [
            "",
            "h1 <script>",
            "a[href=javascript:alert(1)]",
            "a[onclick=\"x\"",
            "#1st",
            "div:hover",
            "p::before",
            "a[href=\"x\\\"\"]",
            "h1, h2",
            "div + p",
            "p:nth-child(n+1)",
            ".",
            "h1 }",
        ] {
            let refused = Selector::parse(bad);
            assert!(refused.is_err(), "{bad} was taken");
        }
        let too_long = "div ".repeat(80);
        assert!(Selector::parse(&too_long).is_err());
        let reason = Selector::parse("div:hover").unwrap_err().to_string();
        assert!(reason.contains("only :first-child"), "{reason}");
    }
}
