//! The Markdown report: one table of instances, then one table of criteria per instance.

use super::{exact_summary, rows, sgd_summary, sig, sig_rel};
use crate::analysis::Analysis;
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
        summary_row(&mut out, a);
    }
    for a in analyses {
        section(&mut out, a);
    }
    out
}

/// One row of the table of instances.
pub(crate) fn summary_row(out: &mut String, a: &Analysis) {
    let scale = a.summary.sharpness.abs().max(a.summary.lambda_min_h.abs());
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        a.summary.name,
        a.summary.n,
        a.summary.d,
        a.summary.batch_size,
        a.summary.sampling,
        sig(a.summary.gamma),
        sig(a.summary.c_factor),
        sig(a.summary.sharpness),
        sig_rel(a.summary.trace_h, scale),
        sig_rel(a.summary.sigma_norm, scale * scale),
        if a.summary.is_minimum() {
            "yes"
        } else {
            "**no**"
        },
        sgd_summary(a),
        exact_summary(a)
    );
}

/// One instance's table of criteria and its warnings.
pub(crate) fn section(out: &mut String, a: &Analysis) {
    let _ = writeln!(out, "\n### {}\n", a.summary.name);
    out.push_str(CRITERIA_HEADER);
    for r in rows(a) {
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
    for w in a.summary.warnings() {
        let _ = writeln!(out, "\n> **Warning.** {w}");
    }
}
