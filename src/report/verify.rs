//! Renderers of the derivation checker's reports (`sgd-stability verify`): text, Markdown, JSON.

use crate::proof::{Expect, FileReport, ItemReport, StepReport};

fn expect_text(e: Expect) -> &'static str {
    match e {
        Expect::Holds => "holds",
        Expect::Fails => "fails",
        Expect::IllTyped => "ill_typed",
    }
}

fn status(s: &StepReport) -> &'static str {
    match (s.met, s.expect) {
        (true, Expect::Holds) => "ok",
        (true, _) => "ok (expected)",
        (false, Expect::Holds) => "UNEXPECTED FAILURE",
        (false, _) => "UNEXPECTED: expected to fail",
    }
}

fn counts(files: &[FileReport]) -> (usize, usize, usize) {
    let steps: Vec<&StepReport> = files.iter().flat_map(FileReport::steps).collect();
    let met = steps.iter().filter(|s| s.met).count();
    let expected_failures = steps
        .iter()
        .filter(|s| s.met && s.expect != Expect::Holds)
        .count();
    (steps.len(), met, expected_failures)
}

/// A report for people.
#[must_use]
pub fn verify_text(files: &[FileReport]) -> String {
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("== {} — {}\n", f.path, f.title));
        for item in &f.items {
            match item {
                ItemReport::Note { label, text, line } => {
                    s.push_str(&format!("  note {label} (line {line}): {text}\n"));
                }
                ItemReport::Step(st) => {
                    let corr = st
                        .correction_of
                        .as_ref()
                        .map(|c| format!(" [correction of {c}]"))
                        .unwrap_or_default();
                    s.push_str(&format!(
                        "  step {}{corr} (line {}): {}\n",
                        st.label, st.line, st.claim
                    ));
                    s.push_str(&format!(
                        "    verdict: {} — expected {}: {}\n",
                        st.verdict,
                        expect_text(st.expect),
                        status(st)
                    ));
                    s.push_str(&format!("    assuming: {}\n", st.assumptions.join("; ")));
                    s.push_str(&format!("    evidence: {}\n", st.evidence));
                    if let Some(cx) = &st.counterexample {
                        s.push_str(&format!(
                            "    counterexample ({}): {}\n",
                            cx.arithmetic, cx.setting
                        ));
                        for (k, v) in &cx.values {
                            s.push_str(&format!("      {k} = {v}\n"));
                        }
                        for (k, v) in &cx.sides {
                            s.push_str(&format!("      {k}: {v}\n"));
                        }
                    }
                }
            }
        }
        s.push('\n');
    }
    let (n, met, xf) = counts(files);
    s.push_str(&format!(
        "{met} of {n} steps as expected ({xf} of them expected failures of the lecture as printed); {} unexpected\n",
        n - met
    ));
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown: one table per file, counterexamples below it.
#[must_use]
pub fn verify_markdown(files: &[FileReport]) -> String {
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("## {} (`{}`)\n\n", md_escape(&f.title), f.path));
        s.push_str(
            "| eq. | claim | verdict | expected | status | evidence |\n|---|---|---|---|---|---|\n",
        );
        let mut cxs = Vec::new();
        for item in &f.items {
            match item {
                ItemReport::Note { label, text, .. } => {
                    s.push_str(&format!(
                        "| {} | {} | note | | | |\n",
                        md_escape(label),
                        md_escape(text)
                    ));
                }
                ItemReport::Step(st) => {
                    let label = match &st.correction_of {
                        Some(c) => format!("{} (corr. of {c})", st.label),
                        None => st.label.clone(),
                    };
                    s.push_str(&format!(
                        "| {} | `{}` | {} | {} | {} | {} |\n",
                        md_escape(&label),
                        md_escape(&st.claim),
                        st.verdict,
                        expect_text(st.expect),
                        status(st),
                        md_escape(&st.evidence)
                    ));
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
                s.push_str(&format!(
                    "- **{}** ({}): {}; {}\n",
                    md_escape(&label),
                    cx.arithmetic,
                    cx.setting,
                    md_escape(&vals.join("; "))
                ));
            }
        }
        s.push('\n');
    }
    let (n, met, xf) = counts(files);
    s.push_str(&format!(
        "**{met} of {n} steps as expected** ({xf} expected failures); {} unexpected.\n",
        n - met
    ));
    s
}

/// JSON: `{"files": [...], "steps": n, "as_expected": m}`.
#[must_use]
pub fn verify_json(files: &[FileReport]) -> String {
    let (n, met, _) = counts(files);
    let v = serde_json::json!({
        "files": files,
        "steps": n,
        "as_expected": met,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("reports serialize");
    s.push('\n');
    s
}
