//! The JSON report: an array with one flat object per instance (keys documented in README.md).

use super::{exact_summary, sgd_summary};
use crate::analysis::{Analysis, Summary};
use crate::criteria::{CriterionResult, CriticalGamma, Verdict};
use serde_json::{json, Value};

/// A critical learning rate in JSON: a number, `null` when unbounded, `0` when none is accepted.
pub(super) fn critical(g: CriticalGamma) -> Value {
    match g {
        CriticalGamma::Finite(x) => json!(x),
        CriticalGamma::Unbounded => Value::Null,
        CriticalGamma::NoneAccepted => json!(0.0),
    }
}

/// A verdict in JSON: `"holds"`, `"fails"` or `"boundary"`.
pub(super) fn verdict(v: Verdict) -> Value {
    json!(match v {
        Verdict::Accepts => "holds",
        Verdict::Rejects => "fails",
        Verdict::Boundary => "boundary",
    })
}

/// One criterion in JSON: value, threshold, margin, critical γ, verdict.
pub(super) fn detail(r: &CriterionResult) -> Value {
    json!({
        "value": r.value,
        "threshold": r.threshold,
        "margin": r.margin,
        "critical_gamma": critical(r.critical_gamma),
        "verdict": verdict(r.verdict),
    })
}

/// The keys of every scheme's JSON object that describe the instance ([`Summary`]), merged
/// with the object `rest` (the criteria).
pub(super) fn with_summary(s: &Summary, rest: Value) -> Value {
    let mut v = json!({
        "name": s.name,
        "n": s.n,
        "d": s.d,
        "batch_size": s.batch_size,
        "gamma": s.gamma,
        "sampling": s.sampling,
        "input_form": if s.gradient_form { "gradients" } else { "hessians" },
        "c_factor": s.c,
        "sharpness": s.sharpness,
        "lambda_min_h": s.lambda_min_h,
        "trace_h": s.trace_h,
        "null_space_dim": s.null_dim,
        "sigma_norm": s.sigma_norm,
        "non_uniformity": s.non_uniformity,
        "is_minimum": s.is_minimum(),
        "non_psd_samples": s.shapes.not_psd,
        "warnings": s.warnings(),
        "reduced_dim": s.reduction.rank,
        "reduction": s.reduction,
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), rest) {
        obj.extend(more);
    }
    v
}

/// The JSON object for one analysis.
#[must_use]
pub fn json_value(a: &Analysis) -> Value {
    with_summary(
        &a.summary,
        json!({
            "thm33_lambda_max": a.thm33.value,
            "thm33_stable": a.thm33.verdict.holds(),
            "thm33_verdict": verdict(a.thm33.verdict),
            "gd_stable": a.gd.verdict.holds(),
            "gd_verdict": verdict(a.gd.verdict),
            "thm35_trace_ok": a.thm35.check.verdict.holds(),
            "thm35_verdict": verdict(a.thm35.check.verdict),
            "thm35_hypotheses_hold": a.thm35.hypotheses.hold(),
            "thm35_hypotheses": a.thm35.hypotheses,
            "critical_gamma_gd": critical(a.gd.critical_gamma),
            "critical_gamma_thm33": critical(a.thm33.critical_gamma),
            "critical_gamma_thm35": critical(a.thm35.check.critical_gamma),
            "ms_spectral_radius": a.mean_square.check.value,
            "ms_stable": a.mean_square.check.verdict.holds(),
            "ms_verdict": verdict(a.mean_square.check.verdict),
            "critical_gamma_exact": critical(a.mean_square.check.critical_gamma),
            "solves": {
                "critical_gamma_exact": solve(&a.mean_square.critical),
                "ms_spectral_radius": solve(&a.mean_square.radius.computed),
            },
            "critical_gamma_influence": a.mean_square.most_influential(INFLUENCE_TOP).iter().map(|(i, x)| json!({
                "sample": i,
                "d_critical_gamma_d_weight": x,
            })).collect::<Vec<_>>(),
            "mean_square_growth": a.mean_square.steps_to_grow(super::GROWTH_FACTOR).map(|k| json!({
                "factor": super::GROWTH_FACTOR,
                "steps": k,
            })),
            "orderings": a.orderings.iter().map(|o| json!({
                "relation": o.relation,
                "reason": o.reason,
                "holds": o.holds,
            })).collect::<Vec<_>>(),
            "sgd_summary": sgd_summary(a),
            "sgd_exact_summary": exact_summary(a),
            "criteria": {
                "thm33": detail(&a.thm33),
                "gd": detail(&a.gd),
                "thm35": detail(&a.thm35.check),
                "exact": detail(&a.mean_square.check),
            },
            "second_moment_enumerated": a.second_moment.as_ref().map(|p| &p.enumerated),
            "second_moment_closed_form": a.second_moment.as_ref().map(|p| &p.closed_form),
            "tolerances": a.tolerances,
        }),
    )
}

/// How many samples `critical_gamma_influence` lists.
pub const INFLUENCE_TOP: usize = 10;

/// One eigenvalue solve in JSON: its method, and for Lanczos the residual, the relative
/// residual, the operator applications, the restarts and whether it converged.
pub(super) fn solve(c: &crate::mean_square::Computed) -> Value {
    use crate::mean_square::Computed;
    match c {
        Computed::Lanczos(i) => json!({
            "method": c.method(),
            "residual": i.residual,
            "relative_residual": c.relative_residual(),
            "iterations": i.iterations,
            "restarts": i.restarts,
            "converged": i.converged,
        }),
        Computed::Dense { dim } => json!({"method": c.method(), "dim": dim, "converged": true}),
        _ => json!({"method": c.method(), "converged": true}),
    }
}

/// The JSON report: an array of [`json_value`] objects, pretty-printed.
#[must_use]
pub fn json(analyses: &[Analysis]) -> String {
    json_array(analyses.iter().map(json_value))
}

/// An array of objects, pretty-printed, with a final newline.
pub(crate) fn json_array(values: impl Iterator<Item = Value>) -> String {
    let v = Value::Array(values.collect());
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values always serialize");
    s.push('\n');
    s
}
