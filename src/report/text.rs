//! The plain-text report, for people at a terminal.

use super::{exact_summary, rows, sgd_summary, Row};
use crate::analysis::{Analysis, Summary};
use crate::fmt::{sig, sig_rel};
use crate::instance::Sampling;
use std::fmt::Write as _;

/// The text report of `analyses`, one section per instance.
#[must_use]
pub fn text(analyses: &[Analysis]) -> String {
    let mut out = String::new();
    for (k, a) in analyses.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        section(&mut out, a);
    }
    out
}

/// The summary block of every scheme's section: the title, the line that names the instance,
/// the batch factor `c` (and, under random reshuffling, the epoch), `H`, `Σ`, whether it is a
/// minimum, and the warnings.
pub(crate) fn summary_lines(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "== {}: N = {} {} × d = {} parameters ==",
        crate::fmt::text_name(&s.name),
        s.n,
        if s.n == 1 { "sample" } else { "samples" },
        s.d
    );
    let form = if s.gradient_form {
        "gradients g_i (H_i = g_i g_iᵀ)"
    } else {
        "Hessians H_i"
    };
    let _ = writeln!(
        out,
        "N = {} {} ({form}), d = {}, B = {}, sampling: {}, γ = {}",
        s.n,
        if s.n == 1 { "sample" } else { "samples" },
        s.d,
        s.batch_size,
        s.sampling,
        sig(s.gamma)
    );
    if let Some(line) = super::reduction_line(s) {
        let _ = writeln!(out, "{line}");
    }
    match s.sampling {
        Sampling::WithoutReplacement => {
            let _ = writeln!(out, "batch factor c = (N − B)/(B(N − 1)) = {}", sig(s.c));
        }
        Sampling::WithReplacement => {
            let _ = writeln!(out, "batch factor c = 1/B = {}", sig(s.c));
        }
        Sampling::RandomReshuffling => {
            let _ = writeln!(
                out,
                "epoch: a uniformly random permutation of the N samples cut into E = N/B = {} consecutive batches",
                s.n / s.batch_size
            );
            let _ = writeln!(
                out,
                "one step: each batch is a uniform B-subset, so the one-step batch factor is c = (N − B)/(B(N − 1)) = {} (as without replacement)",
                sig(s.c)
            );
        }
    }
    let scale = s.sharpness.abs().max(s.lambda_min_h.abs());
    let _ = writeln!(
        out,
        "H: sharpness λ_max(H) = {}, λ_min(H) = {}, tr(H) = {}",
        sig(s.sharpness),
        sig_rel(s.lambda_min_h, scale),
        sig_rel(s.trace_h, scale)
    );
    if s.null_dim > 0 {
        let _ = writeln!(
            out,
            "   null space of H: dimension {} (over-parameterized directions; factor exactly 1 there, which is stable)",
            s.null_dim
        );
    }
    let _ = writeln!(
        out,
        "Σ: λ_max(Σ) = {}, non-uniformity s = √λ_max(Σ) = {}",
        sig_rel(s.sigma_norm, scale * scale),
        sig_rel(s.non_uniformity, scale)
    );
    let minimum = if s.is_minimum() {
        "yes: H ⪰ 0 and every H_i ⪰ 0"
    } else {
        "NO (see warnings)"
    };
    let _ = writeln!(out, "minimum: {minimum}");
    for w in s.warnings() {
        let _ = writeln!(out, "warning: {w}");
    }
}

/// The table of criteria of every scheme's section, set off by blank lines.
pub(crate) fn criteria_table(out: &mut String, rows: &[Row]) {
    const HEADER: [&str; 9] = [
        "criterion",
        "kind",
        "inequality",
        "value",
        "threshold",
        "margin",
        "critical γ",
        "γ/γ*",
        "check",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![r.label.to_owned(), r.kind.to_owned(), r.inequality.clone()];
            v.extend(r.cells.iter().cloned());
            v
        })
        .collect();
    out.push('\n');
    crate::fmt::aligned_table(out, &HEADER, &cells);
    out.push('\n');
}

/// One instance's section.
pub(crate) fn section(out: &mut String, a: &Analysis) {
    summary_lines(out, &a.summary);
    let rows = rows(a);
    criteria_table(out, &rows);
    for r in &rows {
        let _ = writeln!(out, "{}: {}", r.label, r.conclusion);
    }
    if a.summary.null_dim > 0 && a.thm33.verdict != crate::criteria::Verdict::Fails {
        let _ = writeln!(
            out,
            "   (λ_max{{…}} = 1 is attained on the null space of H, where the factor is exactly 1; on the range of H it is below 1 for γ < γ*)"
        );
    }
    for line in super::exact_detail_lines(a) {
        let _ = writeln!(out, "   {line}");
    }
    let _ = writeln!(out, "SGD, by the lecture's criteria: {}", sgd_summary(a));
    let _ = writeln!(out, "SGD, exactly (mean square): {}", exact_summary(a));
    for o in &a.orderings {
        let _ = writeln!(
            out,
            "   ordering {}: {} ({})",
            o.relation,
            if o.holds { "holds" } else { "VIOLATED" },
            o.reason
        );
    }
}
