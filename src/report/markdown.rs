//! The Markdown report: one table of instances, then one table of criteria per instance.

use super::{critical, exact_summary, ratio, rows, sgd_summary, sig, sig_rel};
use crate::analysis::Analysis;
use std::fmt::Write as _;

/// The Markdown report of `analyses`.
#[must_use]
pub fn markdown(analyses: &[Analysis]) -> String {
    let mut out = String::new();
    out.push_str("| instance | N | d | B | sampling | γ | c | λ_max(H) | tr(H) | λ_max(Σ) | minimum | SGD, by the lecture's criteria | SGD, exactly |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for a in analyses {
        let scale = a.sharpness.abs().max(a.lambda_min_h.abs());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            a.name,
            a.n,
            a.d,
            a.batch_size,
            a.sampling,
            sig(a.gamma),
            sig(a.c_factor),
            sig(a.sharpness),
            sig_rel(a.trace_h, scale),
            sig_rel(a.sigma_norm, scale * scale),
            if a.is_minimum() { "yes" } else { "**no**" },
            sgd_summary(a),
            exact_summary(a)
        );
    }
    for a in analyses {
        let _ = writeln!(out, "\n### {}\n", a.name);
        out.push_str("| criterion | kind | inequality | value | threshold | margin | critical γ | γ/γ* | check | conclusion |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for r in rows(a) {
            let res = r.result;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.label,
                r.kind,
                r.inequality,
                sig(res.value),
                sig(res.threshold),
                sig_rel(res.margin, res.threshold),
                critical(res.critical_gamma),
                ratio(a.gamma, res.critical_gamma),
                res.verdict,
                r.conclusion
            );
        }
        for w in a.warnings() {
            let _ = writeln!(out, "\n> **Warning.** {w}");
        }
    }
    out
}
