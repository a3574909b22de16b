//! The lexer of the derivation language: a claim's characters into tokens with their columns.

use super::ast::{ParseError, RelOp};
use super::limits::{MAX_LITERAL_CHARS, MAX_TOKENS};
use num_bigint::BigInt;
use num_rational::BigRational;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(BigRational),
    /// An identifier with an optional subscript (`H_i` → ("H", Some("i")), `sum_{i!=j}`).
    Ident(String, Option<String>),
    Op(char),
    Rel(RelOp),
}

/// A token and the 1-based column of its first character.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    pub col: usize,
}

/// Words that are whole identifiers even though they contain `_`.
const WHOLE_WORDS: [&str; 2] = ["lambda_max", "lambda_min"];

/// The tokens of `chars`, which start at column `offset + 1` of `line`.
pub(super) fn lex(chars: &[char], offset: usize, line: usize) -> Result<Vec<Token>, ParseError> {
    let err = |i: usize, message: String| ParseError {
        line,
        col: offset + i + 1,
        message,
    };
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if out.len() > MAX_TOKENS {
            return Err(err(
                i,
                format!("claim too long: more than {MAX_TOKENS} tokens (limit)"),
            ));
        }
        let ch = chars[i];
        let col = offset + i + 1;
        let push = |out: &mut Vec<Token>, tok: Tok| out.push(Token { tok, col });
        match ch {
            c if c.is_whitespace() => i += 1,
            '0'..='9' | '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                if i - start > MAX_LITERAL_CHARS {
                    return Err(err(
                        start,
                        format!(
                            "number literal longer than {MAX_LITERAL_CHARS} characters (limit)"
                        ),
                    ));
                }
                let text: String = chars[start..i].iter().collect();
                let q = parse_decimal(&text)
                    .ok_or_else(|| err(start, format!("malformed number `{text}`")))?;
                push(&mut out, Tok::Num(q));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let mut name: String = chars[start..i].iter().collect();
                if name.ends_with('_') && i < chars.len() && chars[i] == '{' {
                    let open = i;
                    let Some(close) = chars[open..].iter().position(|&c| c == '}') else {
                        return Err(err(open, "unbalanced `{`: no matching `}`".to_owned()));
                    };
                    let j = open + close;
                    if chars[open + 1..j].contains(&'{') {
                        return Err(err(open, "`{` inside a subscript".to_owned()));
                    }
                    let sub: String = chars[open + 1..j].iter().collect();
                    name.pop();
                    i = j + 1;
                    push(&mut out, Tok::Ident(name, Some(sub)));
                } else if WHOLE_WORDS.contains(&name.as_str()) {
                    push(&mut out, Tok::Ident(name, None));
                } else if let Some((base, sub)) = name.split_once('_') {
                    if sub.is_empty() || base.is_empty() {
                        return Err(err(start, format!("malformed subscript in `{name}`")));
                    }
                    push(&mut out, Tok::Ident(base.to_owned(), Some(sub.to_owned())));
                } else {
                    push(&mut out, Tok::Ident(name, None));
                }
            }
            'γ' => {
                push(&mut out, Tok::Ident("gamma".into(), None));
                i += 1;
            }
            'Σ' => {
                push(&mut out, Tok::Ident("Sigma".into(), None));
                i += 1;
            }
            '+' | '*' | '/' | '^' | '\'' | '(' | ')' | '[' | ']' | ',' => {
                push(&mut out, Tok::Op(ch));
                i += 1;
            }
            '-' | '−' => {
                push(&mut out, Tok::Op('-'));
                i += 1;
            }
            '·' | '×' => {
                push(&mut out, Tok::Op('*'));
                i += 1;
            }
            'ᵀ' => {
                push(&mut out, Tok::Op('\''));
                i += 1;
            }
            '²' => {
                push(&mut out, Tok::Op('^'));
                push(&mut out, Tok::Num(BigRational::from_integer(2.into())));
                i += 1;
            }
            '≤' => {
                push(&mut out, Tok::Rel(RelOp::Le));
                i += 1;
            }
            '≥' => {
                push(&mut out, Tok::Rel(RelOp::Ge));
                i += 1;
            }
            '⪯' | '≼' => {
                push(&mut out, Tok::Rel(RelOp::LoewnerLe));
                i += 1;
            }
            '⪰' | '≽' => {
                push(&mut out, Tok::Rel(RelOp::LoewnerGe));
                i += 1;
            }
            '=' => {
                push(&mut out, Tok::Rel(RelOp::Eq));
                i += 1;
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                i += if eq { 2 } else { 1 };
                let loewner = eq && chars.get(i) == Some(&'_') && chars.get(i + 1) == Some(&'L');
                if loewner {
                    i += 2;
                }
                let op = match (ch, eq, loewner) {
                    ('<', true, true) => RelOp::LoewnerLe,
                    ('>', true, true) => RelOp::LoewnerGe,
                    ('<', true, false) => RelOp::Le,
                    ('>', true, false) => RelOp::Ge,
                    ('<', false, _) => RelOp::Lt,
                    _ => RelOp::Gt,
                };
                push(&mut out, Tok::Rel(op));
            }
            other => return Err(err(i, format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

/// `12`, `0.25`, `.5` as an exact rational.
fn parse_decimal(s: &str) -> Option<BigRational> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return None;
    }
    let digits: BigInt = format!("{int}{frac}").parse().ok()?;
    let den = num_traits::pow(BigInt::from(10), frac.len());
    Some(BigRational::new(digits, den))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(
            parse_decimal("1.4142135"),
            Some(BigRational::new(14_142_135.into(), 10_000_000.into()))
        );
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("1.2.3"), None);
    }

    #[test]
    fn a_long_literal_is_refused() {
        let s: Vec<char> = "1".repeat(100).chars().collect();
        let e = lex(&s, 0, 1).unwrap_err();
        assert!(e.message.contains("limit"), "{e}");
    }
}
