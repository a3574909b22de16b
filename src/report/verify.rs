//! Renderers of the derivation checker's reports (`sgd-stability verify`): text, Markdown, JSON.
//! Each ends with a summary by class (proved / tested / searched / refuted / inconclusive) and
//! the list of the lecture's errata, each with its correction's verdict next to it.

use crate::proof::{Class, Expect, FileReport, ItemReport, StepReport};
use crate::verdict::{ToTruth, Truth};
use std::fmt::Write as _;

fn expect_text(e: Expect) -> &'static str {
    match e {
        Expect::Holds => "holds",
        Expect::Fails => "fails",
        Expect::IllTyped => "ill_typed",
    }
}

fn status(s: &StepReport) -> &'static str {
    match (s.met, s.expect, s.verdict.truth()) {
        (true, Expect::Holds, _) => "ok",
        (true, _, _) => "ok (erratum as printed)",
        (false, _, Truth::Undecided) => "UNDECIDED",
        (false, Expect::Holds, _) => "UNEXPECTED FAILURE",
        (false, _, _) => "UNEXPECTED: expected to fail",
    }
}

const CLASSES: [Class; 5] = [
    Class::Proved,
    Class::Tested,
    Class::Searched,
    Class::Refuted,
    Class::Inconclusive,
];

/// The steps of every file.
fn all_steps(files: &[FileReport]) -> Vec<&StepReport> {
    files.iter().flat_map(FileReport::steps).collect()
}

/// `proved 49, tested 0, searched 21, refuted 19, inconclusive 0`.
fn class_counts(files: &[FileReport]) -> Vec<(Class, usize)> {
    let steps = all_steps(files);
    CLASSES
        .iter()
        .map(|&c| (c, steps.iter().filter(|s| s.verdict.class() == c).count()))
        .collect()
}

/// The steps that correct the step labelled `label` in the same file: `correction of (15)`
/// corrects `(15)` and `(15) ordered pairs`.
fn corrections<'a>(f: &'a FileReport, label: &str) -> Vec<&'a StepReport> {
    f.steps()
        .filter(|s| {
            s.correction_of.as_deref().is_some_and(|c| {
                // `correction of (27), s² = Σ`: the label is before the comma.
                let c = c.split(',').next().unwrap_or(c).trim();
                label == c
                    || label
                        .strip_prefix(c)
                        .is_some_and(|rest| rest.starts_with(' '))
            })
        })
        .collect()
}

/// `(16') proved (normal form); (16'') …`, or `no correction in the file`.
fn corrections_text(f: &FileReport, label: &str) -> String {
    let c = corrections(f, label);
    if c.is_empty() {
        return "no correction in the file".to_owned();
    }
    c.iter()
        .map(|s| format!("{} {}", s.label, s.verdict))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The errata: every step expected to fail or to be ill-typed, with its corrections.
fn errata(files: &[FileReport]) -> Vec<(String, &StepReport, String)> {
    let mut out = Vec::new();
    for f in files {
        let stem = std::path::Path::new(&f.path)
            .file_stem()
            .map_or_else(|| f.path.clone(), |s| s.to_string_lossy().into_owned());
        for s in f.steps().filter(|s| s.expect != Expect::Holds) {
            out.push((stem.clone(), s, corrections_text(f, &s.label)));
        }
    }
    out
}

fn summary_line(files: &[FileReport]) -> String {
    let steps = all_steps(files);
    let parts: Vec<String> = class_counts(files)
        .iter()
        .map(|(c, n)| format!("{} {n}", c.name()))
        .collect();
    format!("{} steps: {}", steps.len(), parts.join(", "))
}

fn expected_line(files: &[FileReport]) -> String {
    let steps = all_steps(files);
    let met = steps.iter().filter(|s| s.met).count();
    let errata = steps
        .iter()
        .filter(|s| s.met && s.expect != Expect::Holds)
        .count();
    format!(
        "{met} of {} as expected ({errata} of them errata of the lecture as printed); {} not as expected",
        steps.len(),
        steps.len() - met
    )
}

fn text_step(s: &mut String, f: &FileReport, st: &StepReport) {
    let corr = st
        .correction_of
        .as_ref()
        .map(|c| format!(" [correction of {c}]"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "  step {}{corr} (line {}): {}",
        st.label, st.line, st.claim
    );
    let _ = writeln!(
        s,
        "    verdict: {} — expected {}: {}",
        st.verdict,
        expect_text(st.expect),
        status(st)
    );
    if st.expect != Expect::Holds {
        let _ = writeln!(s, "    corrected by: {}", corrections_text(f, &st.label));
    }
    let _ = writeln!(s, "    assuming: {}", st.assumptions.join("; "));
    if let crate::proof::Verdict::Inconclusive { reason } = &st.verdict {
        let _ = writeln!(s, "    why: {reason}");
    }
    let _ = writeln!(s, "    evidence: {}", st.evidence);
    if let Some(d) = &st.difference {
        let _ = writeln!(s, "    difference: {d}");
    }
    if let Some(cx) = &st.counterexample {
        let _ = writeln!(s, "    counterexample ({}): {}", cx.arithmetic, cx.setting);
        for (k, v) in &cx.values {
            let _ = writeln!(s, "      {k} = {v}");
        }
        for (k, v) in &cx.sides {
            let _ = writeln!(s, "      {k}: {v}");
        }
    }
}

/// A report for people.
#[must_use]
pub fn verify_text(files: &[FileReport]) -> String {
    let mut s = String::new();
    for f in files {
        let _ = writeln!(s, "== {} — {}", f.path, f.title);
        for item in &f.items {
            match item {
                ItemReport::Note { label, text, line } => {
                    let _ = writeln!(s, "  note {label} (line {line}): {text}");
                }
                ItemReport::Step(st) => text_step(&mut s, f, st),
            }
        }
        s.push('\n');
    }
    let _ = writeln!(s, "Summary: {}", summary_line(files));
    let errata = errata(files);
    if !errata.is_empty() {
        let _ = writeln!(
            s,
            "Errata of the lecture as printed, with their corrections:"
        );
        for (stem, st, corr) in &errata {
            let _ = writeln!(s, "  {stem} {}: {}  →  {corr}", st.label, st.verdict);
        }
    }
    let _ = writeln!(s, "{}", expected_line(files));
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown: one table per file, counterexamples below it, then the summary and the errata.
#[must_use]
pub fn verify_markdown(files: &[FileReport]) -> String {
    let mut s = String::new();
    for f in files {
        let _ = writeln!(s, "## {} (`{}`)\n", md_escape(&f.title), f.path);
        s.push_str(
            "| eq. | claim | verdict | expected | status | evidence |\n|---|---|---|---|---|---|\n",
        );
        let mut cxs = Vec::new();
        for item in &f.items {
            match item {
                ItemReport::Note { label, text, .. } => {
                    let _ = writeln!(
                        s,
                        "| {} | {} | note | | | |",
                        md_escape(label),
                        md_escape(text)
                    );
                }
                ItemReport::Step(st) => {
                    let label = match &st.correction_of {
                        Some(c) => format!("{} (corr. of {c})", st.label),
                        None => st.label.clone(),
                    };
                    let mut evidence = st.evidence.clone();
                    if st.expect != Expect::Holds {
                        evidence = format!(
                            "corrected by: {}; {evidence}",
                            corrections_text(f, &st.label)
                        );
                    }
                    if let Some(d) = &st.difference {
                        evidence = format!("{evidence}; {d}");
                    }
                    let _ = writeln!(
                        s,
                        "| {} | `{}` | {} | {} | {} | {} |",
                        md_escape(&label),
                        md_escape(&st.claim),
                        st.verdict,
                        expect_text(st.expect),
                        status(st),
                        md_escape(&evidence)
                    );
                    if let Some(cx) = &st.counterexample {
                        cxs.push((label, cx));
                    }
                }
            }
        }
        if !cxs.is_empty() {
            s.push_str("\nCounterexamples:\n\n");
            for (label, cx) in cxs {
                let vals: Vec<String> = cx
                    .values
                    .iter()
                    .chain(&cx.sides)
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "- **{}** ({}): {}; {}",
                    md_escape(&label),
                    cx.arithmetic,
                    cx.setting,
                    md_escape(&vals.join("; "))
                );
            }
        }
        s.push('\n');
    }
    s.push_str("## Summary\n\n| class | steps |\n|---|---|\n");
    for (c, n) in class_counts(files) {
        let _ = writeln!(s, "| {} | {n} |", c.name());
    }
    let errata = errata(files);
    if !errata.is_empty() {
        s.push_str("\n| erratum | as printed | correction |\n|---|---|---|\n");
        for (stem, st, corr) in &errata {
            let _ = writeln!(
                s,
                "| {stem} {} | {} | {} |",
                md_escape(&st.label),
                st.verdict,
                md_escape(corr)
            );
        }
    }
    let _ = writeln!(s, "\n**{}**", expected_line(files));
    s
}

/// The JSON of `verify`: the file reports, the step counts per class, and the errata.
#[derive(serde::Serialize)]
struct VerifyJson<'a> {
    files: &'a [FileReport],
    steps: usize,
    as_expected: usize,
    /// Steps per class (`proved`, `tested`, `searched`, `refuted`, `inconclusive`).
    classes: std::collections::BTreeMap<&'static str, usize>,
    errata: Vec<ErratumJson<'a>>,
}

/// One erratum of the lecture as printed, with the corrections beside it.
#[derive(serde::Serialize)]
struct ErratumJson<'a> {
    file: String,
    label: &'a str,
    verdict: String,
    corrections: String,
}

/// JSON: `{"files": [...], "steps": n, "as_expected": m, "classes": {...}, "errata": [...]}`.
#[must_use]
pub fn verify_json(files: &[FileReport]) -> String {
    let steps = all_steps(files);
    let v = VerifyJson {
        files,
        steps: steps.len(),
        as_expected: steps.iter().filter(|s| s.met).count(),
        classes: class_counts(files)
            .into_iter()
            .map(|(c, n)| (c.name(), n))
            .collect(),
        errata: errata(files)
            .into_iter()
            .map(|(file, st, corrections)| ErratumJson {
                file,
                label: &st.label,
                verdict: st.verdict.to_string(),
                corrections,
            })
            .collect(),
    };
    super::json::pretty(&v)
}
