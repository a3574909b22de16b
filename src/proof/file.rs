//! Proof files: the line-oriented directives `proof`, `assume`, `step`, `note` around the claim
//! parser of [`super::parser`].

use super::ast::{
    Assumptions, BatchSize, Commuting, Dim, Expect, HessianClass, Item, ParseError, ProofFile,
    Rank, Step,
};
use super::limits::{MAX_LINE_CHARS, MAX_STEPS};
use super::parser::parse_claim;
use crate::instance::Sampling;

/// Strip a `#` comment (outside double quotes).
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

fn char_col(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// Parse a whole proof file.
///
/// # Errors
/// The first [`ParseError`], with its line and column: a syntax or shape error, a limit of
/// [`super::limits`] (too many steps, a line too long, …), or a file without any `step`.
pub fn parse_file(text: &str) -> Result<ProofFile, ParseError> {
    let mut title = None;
    let mut items = Vec::new();
    let mut steps = 0usize;
    let mut assumptions = Assumptions::default();
    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        if raw.chars().count() > MAX_LINE_CHARS {
            return Err(ParseError {
                line: line_no,
                col: MAX_LINE_CHARS + 1,
                message: format!("line longer than {MAX_LINE_CHARS} characters (limit)"),
            });
        }
        let line = strip_comment(raw);
        let trimmed = line.trim_start();
        if trimmed.trim().is_empty() {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let (word, rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        let rest_byte = indent + word.len() + (trimmed.len() - word.len() - rest.len());
        let at = |byte: usize, message: String| ParseError {
            line: line_no,
            col: char_col(line, byte),
            message,
        };
        match word {
            "proof" => {
                let t = rest.trim();
                if !(t.len() >= 2 && t.starts_with('"') && t.ends_with('"')) {
                    return Err(at(rest_byte, "expected proof \"title\"".into()));
                }
                title = Some(t[1..t.len() - 1].to_owned());
            }
            "assume" => parse_assume(rest, &mut assumptions).map_err(|m| at(rest_byte, m))?,
            "note" => {
                let (label, text) = rest.split_once(':').unwrap_or(("", rest));
                items.push(Item::Note {
                    label: label.trim().to_owned(),
                    text: text.trim().to_owned(),
                    line: line_no,
                });
            }
            "step" => {
                steps += 1;
                if steps > MAX_STEPS {
                    return Err(at(
                        indent,
                        format!("more than {MAX_STEPS} steps in one file (limit)"),
                    ));
                }
                let step = parse_step(line, rest, rest_byte, line_no, &assumptions)?;
                items.push(Item::Step(Box::new(step)));
            }
            other => {
                return Err(at(
                    indent,
                    format!("unknown directive `{other}`: expected proof, assume, step or note"),
                ))
            }
        }
    }
    if steps == 0 {
        return Err(ParseError {
            line: 1,
            col: 1,
            message: if text.trim().is_empty() {
                "empty proof file: expected `proof \"title\"` and at least one `step`".to_owned()
            } else {
                "no `step` in this proof file: nothing to check".to_owned()
            },
        });
    }
    Ok(ProofFile {
        title: title.unwrap_or_else(|| "(untitled)".to_owned()),
        items,
    })
}

fn parse_step(
    line: &str,
    rest: &str,
    rest_byte: usize,
    line_no: usize,
    assumptions: &Assumptions,
) -> Result<Step, ParseError> {
    let at = |byte: usize, message: String| ParseError {
        line: line_no,
        col: char_col(line, byte),
        message,
    };
    let Some(colon) = rest.find(':') else {
        return Err(at(
            rest_byte,
            "expected `step LABEL: CLAIM` (no `:` found)".into(),
        ));
    };
    let header = rest[..colon].trim();
    let (label, correction_of) = match header.split_once("correction of") {
        Some((l, c)) => (l.trim().to_owned(), Some(c.trim().to_owned())),
        None => (header.to_owned(), None),
    };
    if label.is_empty() {
        return Err(at(rest_byte, "a step needs a label before `:`".into()));
    }
    let body_byte = rest_byte + colon + 1;
    let mut body = &line[body_byte..];
    let mut expect = Expect::Holds;
    if let Some(k) = body.rfind(" expect ") {
        let what = body[k + 8..].trim();
        expect = match what {
            "holds" => Expect::Holds,
            "fails" => Expect::Fails,
            "ill_typed" => Expect::IllTyped,
            other => {
                return Err(at(
                    body_byte + k + 8,
                    format!("unknown expectation `{other}`: holds, fails or ill_typed"),
                ))
            }
        };
        body = &body[..k];
    }
    let offset = char_col(line, body_byte) - 1;
    let claim = parse_claim(body, line_no, offset);
    match (&claim, expect) {
        (Err(e), Expect::IllTyped) if e.message.starts_with("dimension mismatch") => {}
        (Err(e), _) => return Err(e.clone()),
        (Ok(_), _) => {}
    }
    let lead = body.len() - body.trim_start().len();
    Ok(Step {
        label,
        correction_of,
        source: body.trim().to_owned(),
        claim,
        expect,
        assumptions: assumptions.clone(),
        line: line_no,
        col: char_col(line, body_byte + lead),
    })
}

fn parse_assume(rest: &str, a: &mut Assumptions) -> Result<(), String> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let joined = words.join(" ");
    match words.as_slice() {
        ["none"] => *a = Assumptions::default(),
        ["sampling", "without_replacement"] => a.sampling = vec![Sampling::WithoutReplacement],
        ["sampling", "with_replacement"] => a.sampling = vec![Sampling::WithReplacement],
        ["sampling", "both"] => a.sampling = Sampling::IID.to_vec(),
        ["sampling", "random_reshuffling"] => {
            return Err("assume sampling random_reshuffling is not supported: the derivation checker evaluates the lecture's steps with expectations over i.i.d. minibatches (sampling without_replacement, with_replacement or both), and random reshuffling's batches are not independent across steps; its exact per-epoch operator is in `sgd-stability analyze` and `sweep`".into())
        }
        ["psd", "H_i"] => a.hessians = HessianClass::Psd,
        ["symmetric", "H_i"] => a.hessians = HessianClass::Symmetric,
        ["rank_one", "H_i"] => a.rank = Rank::One,
        ["commute"] => a.commute = Commuting::Yes,
        _ => {
            let (batch, dim) = match joined.replace(' ', "").as_str() {
                "B=1" => (Some(BatchSize::One), None),
                "B=N" => (Some(BatchSize::Full), None),
                "B>=2" | "B≥2" => (Some(BatchSize::TwoOrMore), None),
                "d=1" => (None, Some(Dim::One)),
                "d>=2" | "d≥2" => (None, Some(Dim::TwoOrMore)),
                _ => {
                    return Err(format!(
                        "unknown assumption `{joined}`: expected none, sampling …, psd H_i, symmetric H_i, rank_one H_i, commute, B = 1, B = N, B >= 2, d = 1 or d >= 2"
                    ))
                }
            };
            if let Some(b) = batch {
                if a.batch != BatchSize::Any && a.batch != b {
                    return Err(format!(
                        "contradictory assumptions: `{joined}` after another batch-size assumption (use `assume none` first)"
                    ));
                }
                a.batch = b;
            }
            if let Some(d) = dim {
                if a.dim != Dim::Any && a.dim != d {
                    return Err(format!(
                        "contradictory assumptions: `{joined}` after another dimension assumption (use `assume none` first)"
                    ));
                }
                a.dim = d;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_steps_is_an_error() {
        assert!(parse_file("").unwrap_err().message.contains("empty"));
        assert!(parse_file("proof \"t\"\nnote (1): x\n")
            .unwrap_err()
            .message
            .contains("no `step`"));
    }

    #[test]
    fn too_many_steps_are_refused() {
        let mut text = String::from("proof \"t\"\n");
        for k in 0..=MAX_STEPS {
            text.push_str(&format!("step ({k}): H = H\n"));
        }
        let e = parse_file(&text).unwrap_err();
        assert_eq!(e.line, MAX_STEPS + 2);
        assert!(e.message.contains("limit"), "{e}");
    }

    #[test]
    fn the_claim_column_is_recorded() {
        let f = parse_file("proof \"t\"\nstep (1):   H = H\n").unwrap();
        assert_eq!(f.steps().next().unwrap().col, 13);
    }
}
