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

/// The facts shared by every scheme's section: what the instance is, `H`, `Σ`, minimum.
pub(crate) struct Basics<'a> {
    pub name: &'a str,
    pub n: usize,
    pub d: usize,
    pub batch_size: usize,
    pub sampling: crate::Sampling,
    pub gamma: f64,
    pub gradient_form: bool,
    pub sharpness: f64,
    pub lambda_min_h: f64,
    pub trace_h: f64,
    pub null_dim: usize,
    pub sigma_norm: f64,
    pub non_uniformity: f64,
    pub is_minimum: bool,
    pub warnings: Vec<String>,
}

impl<'a> From<&'a Analysis> for Basics<'a> {
    fn from(a: &'a Analysis) -> Self {
        Self {
            name: &a.summary.name,
            n: a.summary.n,
            d: a.summary.d,
            batch_size: a.summary.batch_size,
            sampling: a.summary.sampling,
            gamma: a.summary.gamma,
            gradient_form: a.summary.gradient_form,
            sharpness: a.summary.sharpness,
            lambda_min_h: a.summary.lambda_min_h,
            trace_h: a.summary.trace_h,
            null_dim: a.summary.null_dim,
            sigma_norm: a.summary.sigma_norm,
            non_uniformity: a.summary.non_uniformity,
            is_minimum: a.summary.is_minimum(),
            warnings: a.summary.warnings(),
        }
    }
}

/// The title and the line that names the instance.
pub(crate) fn title_lines(out: &mut String, b: &Basics<'_>) {
    let _ = writeln!(out, "== {} ==", b.name);
    let form = if b.gradient_form {
        "gradients g_i (H_i = g_i g_iᵀ)"
    } else {
        "Hessians H_i"
    };
    let _ = writeln!(
        out,
        "N = {} {} ({form}), d = {}, B = {}, sampling: {}, γ = {}",
        b.n,
        if b.n == 1 { "sample" } else { "samples" },
        b.d,
        b.batch_size,
        b.sampling,
        sig(b.gamma)
    );
}

/// `H`, `Σ`, whether it is a minimum, and the warnings.
pub(crate) fn moment_lines(out: &mut String, b: &Basics<'_>) {
    let scale = b.sharpness.abs().max(b.lambda_min_h.abs());
    let _ = writeln!(
        out,
        "H: sharpness λ_max(H) = {}, λ_min(H) = {}, tr(H) = {}",
        sig(b.sharpness),
        sig_rel(b.lambda_min_h, scale),
        sig_rel(b.trace_h, scale)
    );
    if b.null_dim > 0 {
        let _ = writeln!(
            out,
            "   null space of H: dimension {} (over-parameterized directions; factor exactly 1 there, which is stable)",
            b.null_dim
        );
    }
    let _ = writeln!(
        out,
        "Σ: λ_max(Σ) = {}, non-uniformity s = √λ_max(Σ) = {}",
        sig_rel(b.sigma_norm, scale * scale),
        sig_rel(b.non_uniformity, scale)
    );
    let minimum = if b.is_minimum {
        "yes: H ⪰ 0 and every H_i ⪰ 0".to_owned()
    } else {
        "NO (see warnings)".to_owned()
    };
    let _ = writeln!(out, "minimum: {minimum}");
    for w in &b.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
}

/// One instance's section.
pub(crate) fn section(out: &mut String, a: &Analysis) {
    let basics = Basics::from(a);
    title_lines(out, &basics);
    let c_formula = match a.summary.sampling {
        crate::Sampling::WithoutReplacement | crate::Sampling::RandomReshuffling => {
            "(N − B)/(B(N − 1))"
        }
        crate::Sampling::WithReplacement => "1/B",
    };
    let _ = writeln!(
        out,
        "batch factor c = {c_formula} = {}",
        sig(a.summary.c_factor)
    );
    moment_lines(out, &basics);
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
                ratio(a.summary.gamma, res.critical_gamma),
                res.verdict.to_string(),
            ]
        })
        .collect();
    super::format::aligned_table(out, &header, &table);
    out.push('\n');
    for r in rows(a) {
        let _ = writeln!(out, "{}: {}", r.label, r.conclusion);
    }
    if a.summary.null_dim > 0 && a.thm33.verdict != crate::criteria::Verdict::Rejects {
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
