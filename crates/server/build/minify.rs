//! Leadvault's JavaScript minifier, run at build time on the scripts other sites load: it
//! drops comments and the whitespace the language does not need, and changes nothing else.
//!
//! It knows strings and comments, not the whole grammar, so the scripts it takes keep two
//! rules: every statement ends with a semicolon (a line break it drops must not have been
//! ending one), and there is no regular-expression literal (whose `//` or quotes it would
//! misread). Template literals are copied as strings and must not nest `${`…`}` with
//! backticks inside.

/// The minified `source`, or why it could not be read.
pub fn minify(source: &str) -> Result<String, String> {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    // Whitespace (or a comment) since the last character written; whether it held a line
    // break.
    let mut gap: Option<bool> = None;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
                gap = Some(true);
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                let mut closed = false;
                let mut newline = false;
                for skipped in chars.by_ref() {
                    newline |= skipped == '\n';
                    if previous == '*' && skipped == '/' {
                        closed = true;
                        break;
                    }
                    previous = skipped;
                }
                if !closed {
                    return Err("a /* comment is not closed".to_owned());
                }
                gap = Some(gap.unwrap_or(false) || newline);
            }
            c if c.is_whitespace() => gap = Some(gap.unwrap_or(false) || c == '\n'),
            c => {
                if let Some(newline) = gap.take()
                    && let Some(last) = out.chars().last()
                    && needs_space(last, c)
                {
                    out.push(if newline { '\n' } else { ' ' });
                }
                out.push(c);
                if matches!(c, '"' | '\'' | '`') {
                    copy_string(c, &mut chars, &mut out)?;
                }
            }
        }
    }
    Ok(out)
}

/// Whether the two characters on either side of dropped whitespace would run together.
fn needs_space(before: char, after: char) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    (word(before) && word(after))
        || (before == '+' && after == '+')
        || (before == '-' && after == '-')
}

/// Copies a string literal opened by `quote` (already written) through its closing quote.
fn copy_string(
    quote: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) -> Result<(), String> {
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some(escaped) => out.push(escaped),
                None => break,
            }
        } else if c == quote {
            return Ok(());
        } else if c == '\n' && quote != '`' {
            return Err(format!("a {quote} string runs past the end of its line"));
        }
    }
    Err(format!("a {quote} string is not closed"))
}
