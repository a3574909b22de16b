//! The plain-text report, for people at a terminal.

use super::{critical, exact_summary, ratio, rows, sgd_summary, sig, sig_rel};
use crate::analysis::Analysis;
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

fn section(out: &mut String, a: &Analysis) {
    let _ = writeln!(out, "== {} ==", a.name);
    let form = if a.gradient_form {
        "gradients g_i (H_i = g_i g_iᵀ)"
    } else {
        "Hessians H_i"
    };
    let _ = writeln!(
        out,
        "N = {} {} ({form}), d = {}, B = {}, sampling: {}, γ = {}",
        a.n,
        if a.n == 1 { "sample" } else { "samples" },
        a.d,
        a.batch_size,
        a.sampling,
        sig(a.gamma)
    );
    let c_formula = match a.sampling {
        crate::Sampling::WithoutReplacement => "(N − B)/(B(N − 1))",
        crate::Sampling::WithReplacement => "1/B",
    };
    let _ = writeln!(out, "batch factor c = {c_formula} = {}", sig(a.c_factor));
    let scale = a.sharpness.abs().max(a.lambda_min_h.abs());
    let _ = writeln!(
        out,
        "H: sharpness λ_max(H) = {}, λ_min(H) = {}, tr(H) = {}",
        sig(a.sharpness),
        sig_rel(a.lambda_min_h, scale),
        sig_rel(a.trace_h, scale)
    );
    if a.null_dim > 0 {
        let _ = writeln!(
            out,
            "   null space of H: dimension {} (over-parameterized directions; factor exactly 1 there, which is stable)",
            a.null_dim
        );
    }
    let _ = writeln!(
        out,
        "Σ: λ_max(Σ) = {}, non-uniformity s = √λ_max(Σ) = {}",
        sig_rel(a.sigma_norm, scale * scale),
        sig_rel(a.non_uniformity, scale)
    );
    let minimum = if a.is_minimum() {
        "yes: H ⪰ 0 and every H_i ⪰ 0".to_owned()
    } else {
        "NO (see warnings)".to_owned()
    };
    let _ = writeln!(out, "minimum: {minimum}");
    for w in a.warnings() {
        let _ = writeln!(out, "warning: {w}");
    }
    out.push('\n');
    let header = [
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
    let table: Vec<Vec<String>> = rows(a)
        .into_iter()
        .map(|r| {
            let res = r.result;
            vec![
                r.label.to_owned(),
                r.kind.to_owned(),
                r.inequality.to_owned(),
                sig(res.value),
                sig(res.threshold),
                sig_rel(res.margin, res.threshold),
                critical(res.critical_gamma),
                ratio(a.gamma, res.critical_gamma),
                res.verdict.to_string(),
            ]
        })
        .collect();
    super::format::aligned_table(out, &header, &table);
    out.push('\n');
    for r in rows(a) {
        let _ = writeln!(out, "{}: {}", r.label, r.conclusion);
    }
    if a.null_dim > 0 && a.thm33.verdict != crate::criteria::Verdict::Rejects {
        let _ = writeln!(
            out,
            "   (λ_max{{…}} = 1 is attained on the null space of H, where the factor is exactly 1; on the range of H it is below 1 for γ < γ*)"
        );
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
