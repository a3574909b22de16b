//! The Markdown report: one table of instances, then one table of criteria per instance.

use super::{exact_summary, rows, sgd_summary, Row};
use crate::analysis::{Analysis, Summary};
use crate::fmt::{sig, sig_rel};
use std::fmt::Write as _;

/// The header of the table of instances.
pub(crate) const SUMMARY_HEADER: &str = "| instance | N | d | B | sampling | γ | c | λ_max(H) | tr(H) | λ_max(Σ) | minimum | SGD, by the lecture's criteria | SGD, exactly |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

/// The header of a table of criteria.
pub(crate) const CRITERIA_HEADER: &str = "| criterion | kind | inequality | value | threshold | margin | critical γ | γ/γ* | check | conclusion |\n|---|---|---|---|---|---|---|---|---|---|\n";

/// The Markdown report of `analyses`.
#[must_use]
pub fn markdown(analyses: &[Analysis]) -> String {
    let mut out = String::from(SUMMARY_HEADER);
    for a in analyses {
        summary_row(&mut out, &a.summary, &sgd_summary(a), &exact_summary(a));
    }
    for a in analyses {
        let note = iid_note(a);
        criteria_section(&mut out, &a.summary, &rows(a), note.as_deref());
    }
    out
}

/// The paragraph under an i.i.d. instance's criteria: the reduction, the solves, the samples
/// that set `γ*_exact`, the growth prediction.
pub(crate) fn iid_note(a: &Analysis) -> Option<String> {
    let mut lines: Vec<String> = super::reduction_line(&a.summary).into_iter().collect();
    lines.extend(super::exact_detail_lines(a));
    (!lines.is_empty()).then(|| {
        lines
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// One row of the table of instances: the summary `s`, then `sgd` and `exact` (the
/// conclusions by the lecture's criteria and exactly).
pub(crate) fn summary_row(out: &mut String, s: &Summary, sgd: &str, exact: &str) {
    let scale = s.sharpness.abs().max(s.lambda_min_h.abs());
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        crate::fmt::md_name(&s.name),
        s.n,
        s.d,
        s.batch_size,
        s.sampling,
        sig(s.gamma),
        sig(s.c),
        sig(s.sharpness),
        sig_rel(s.trace_h, scale),
        sig_rel(s.sigma_norm, scale * scale),
        if s.is_minimum() { "yes" } else { "**no**" },
        sgd,
        exact
    );
}

/// One instance's section under any scheme: its table of criteria, the paragraph `note` if
/// any, and the warnings.
pub(crate) fn criteria_section(out: &mut String, s: &Summary, rows: &[Row], note: Option<&str>) {
    let _ = writeln!(
        out,
        "\n### {} (N = {} × d = {})\n",
        crate::fmt::md_name(&s.name),
        s.n,
        s.d
    );
    out.push_str(CRITERIA_HEADER);
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.label,
            r.kind,
            r.inequality,
            r.cells.join(" | "),
            r.conclusion
        );
    }
    if let Some(note) = note {
        let _ = writeln!(out, "\n{note}");
    }
    for w in s.warnings() {
        let _ = writeln!(out, "\n> **Warning.** {w}");
    }
}
