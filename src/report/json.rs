//! The JSON report: an array with one flat object per instance (keys documented in README.md).
//!
//! Every JSON report is a typed value (`#[derive(Serialize)]` structs here and beside each
//! renderer) printed by [`pretty`]. serde_json is built without `preserve_order`, so its objects
//! keep their keys sorted; [`pretty`] serializes through [`serde_json::Value`] so that every
//! object's keys come out sorted, whatever the order of a struct's fields (and of the fields a
//! `#[serde(flatten)]` merges in).

use super::{exact_summary, sgd_summary};
use crate::analysis::{Analysis, Summary};
use crate::criteria::{CriterionResult, CriticalGamma, Thm35Hypotheses};
use crate::instance::Sampling;
use crate::reduction::ReductionInfo;
use crate::tolerance::Tolerances;
use crate::verdict::ToTruth as _;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// `value` as a JSON value (every object's keys sorted).
pub(crate) fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("the report's JSON types always serialize")
}

/// `value` as pretty-printed JSON with sorted keys and a final newline.
pub(crate) fn pretty<T: Serialize>(value: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(&to_value(value)).expect("JSON values always serialize");
    s.push('\n');
    s
}

/// A critical learning rate in JSON: a number, `null` when unbounded, `0` when none is accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Critical(pub CriticalGamma);

impl Serialize for Critical {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            CriticalGamma::Finite(x) => s.serialize_f64(x),
            CriticalGamma::Unbounded => s.serialize_none(),
            CriticalGamma::NoneAccepted => s.serialize_f64(0.0),
        }
    }
}

/// One criterion in JSON: value, threshold, margin, critical γ, verdict.
#[derive(Debug, Serialize)]
pub(crate) struct Detail {
    value: f64,
    threshold: f64,
    margin: f64,
    critical_gamma: Critical,
    verdict: &'static str,
}

impl Detail {
    pub(crate) fn of(r: &CriterionResult) -> Self {
        Self {
            value: r.value,
            threshold: r.threshold,
            margin: r.margin,
            critical_gamma: Critical(r.critical_gamma),
            verdict: r.verdict.as_str(),
        }
    }
}

/// The keys of every scheme's JSON object that describe the instance ([`Summary`]); flattened
/// into [`AnalysisJson`] and [`super::reshuffling::ReshufflingJson`].
#[derive(Debug, Serialize)]
pub(crate) struct SummaryJson<'a> {
    name: &'a str,
    n: usize,
    d: usize,
    batch_size: usize,
    gamma: f64,
    sampling: Sampling,
    input_form: &'static str,
    c_factor: f64,
    sharpness: f64,
    lambda_min_h: f64,
    trace_h: f64,
    null_space_dim: usize,
    sigma_norm: f64,
    non_uniformity: f64,
    is_minimum: bool,
    non_psd_samples: &'a [usize],
    warnings: Vec<String>,
    reduced_dim: usize,
    reduction: ReductionInfo,
}

impl<'a> SummaryJson<'a> {
    pub(crate) fn of(s: &'a Summary) -> Self {
        Self {
            name: &s.name,
            n: s.n,
            d: s.d,
            batch_size: s.batch_size,
            gamma: s.gamma,
            sampling: s.sampling,
            input_form: if s.gradient_form {
                "gradients"
            } else {
                "hessians"
            },
            c_factor: s.c,
            sharpness: s.sharpness,
            lambda_min_h: s.lambda_min_h,
            trace_h: s.trace_h,
            null_space_dim: s.null_dim,
            sigma_norm: s.sigma_norm,
            non_uniformity: s.non_uniformity,
            is_minimum: s.is_minimum(),
            non_psd_samples: &s.shapes.not_psd,
            warnings: s.warnings(),
            reduced_dim: s.reduction.rank,
            reduction: s.reduction,
        }
    }
}

/// One ordering between critical learning rates.
#[derive(Debug, Serialize)]
pub(crate) struct OrderingJson {
    relation: &'static str,
    reason: &'static str,
    holds: bool,
}

/// The two eigenvalue solves of the exact criterion.
#[derive(Debug, Serialize)]
pub(crate) struct Solves {
    pub critical_gamma_exact: Solve,
    pub ms_spectral_radius: Solve,
}

/// The mean-square prediction of the steps for `E‖x_k‖²` to grow by `factor`.
#[derive(Debug, Serialize)]
struct Growth {
    factor: f64,
    steps: f64,
}

/// The four criteria in detail.
#[derive(Debug, Serialize)]
struct Criteria {
    thm33: Detail,
    gd: Detail,
    thm35: Detail,
    exact: Detail,
}

/// The JSON object of one analysis (keys documented in README.md).
#[derive(Debug, Serialize)]
pub(crate) struct AnalysisJson<'a> {
    #[serde(flatten)]
    summary: SummaryJson<'a>,
    thm33_lambda_max: f64,
    thm33_stable: Option<bool>,
    thm33_verdict: &'static str,
    gd_stable: Option<bool>,
    gd_verdict: &'static str,
    thm35_trace_ok: Option<bool>,
    thm35_verdict: &'static str,
    thm35_hypotheses_hold: bool,
    thm35_hypotheses: &'a Thm35Hypotheses,
    critical_gamma_gd: Critical,
    critical_gamma_thm33: Critical,
    critical_gamma_thm35: Critical,
    ms_spectral_radius: f64,
    ms_stable: Option<bool>,
    ms_verdict: &'static str,
    critical_gamma_exact: Critical,
    solves: Solves,
    critical_gamma_influence: Vec<crate::mean_square::SampleInfluence>,
    mean_square_growth: Option<Growth>,
    orderings: Vec<OrderingJson>,
    sgd_summary: String,
    sgd_exact_summary: String,
    criteria: Criteria,
    second_moment_enumerated: Option<&'a Vec<Vec<f64>>>,
    second_moment_closed_form: Option<&'a Vec<Vec<f64>>>,
    tolerances: Tolerances,
}

impl<'a> AnalysisJson<'a> {
    pub(crate) fn of(a: &'a Analysis) -> Self {
        Self {
            summary: SummaryJson::of(&a.summary),
            thm33_lambda_max: a.thm33.value,
            thm33_stable: a.thm33.verdict.truth().holds(),
            thm33_verdict: a.thm33.verdict.as_str(),
            gd_stable: a.gd.verdict.truth().holds(),
            gd_verdict: a.gd.verdict.as_str(),
            thm35_trace_ok: a.thm35.check.verdict.truth().holds(),
            thm35_verdict: a.thm35.check.verdict.as_str(),
            thm35_hypotheses_hold: a.thm35.hypotheses.hold(),
            thm35_hypotheses: &a.thm35.hypotheses,
            critical_gamma_gd: Critical(a.gd.critical_gamma),
            critical_gamma_thm33: Critical(a.thm33.critical_gamma),
            critical_gamma_thm35: Critical(a.thm35.check.critical_gamma),
            ms_spectral_radius: a.mean_square.check.value,
            ms_stable: a.mean_square.check.verdict.truth().holds(),
            ms_verdict: a.mean_square.check.verdict.as_str(),
            critical_gamma_exact: Critical(a.mean_square.check.critical_gamma),
            solves: Solves {
                critical_gamma_exact: Solve::of(&a.mean_square.critical),
                ms_spectral_radius: Solve::of(&a.mean_square.radius.computed),
            },
            critical_gamma_influence: a.mean_square.most_influential(INFLUENCE_TOP),
            mean_square_growth: a
                .mean_square
                .steps_to_grow(super::GROWTH_FACTOR)
                .map(|steps| Growth {
                    factor: super::GROWTH_FACTOR,
                    steps,
                }),
            orderings: a
                .orderings
                .iter()
                .map(|o| OrderingJson {
                    relation: o.relation,
                    reason: o.reason,
                    holds: o.holds,
                })
                .collect(),
            sgd_summary: sgd_summary(a),
            sgd_exact_summary: exact_summary(a),
            criteria: Criteria {
                thm33: Detail::of(&a.thm33),
                gd: Detail::of(&a.gd),
                thm35: Detail::of(&a.thm35.check),
                exact: Detail::of(&a.mean_square.check),
            },
            second_moment_enumerated: a.second_moment.as_ref().map(|p| &p.enumerated),
            second_moment_closed_form: a.second_moment.as_ref().map(|p| &p.closed_form),
            tolerances: a.tolerances,
        }
    }
}

/// The JSON object for one analysis.
#[must_use]
pub fn json_value(a: &Analysis) -> Value {
    to_value(&AnalysisJson::of(a))
}

/// How many samples `critical_gamma_influence` lists.
pub const INFLUENCE_TOP: usize = 10;

/// One eigenvalue solve in JSON: its method, and for Lanczos the residual, the relative
/// residual, the operator applications, the restarts and whether it converged.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Solve {
    /// A Lanczos run.
    Lanczos {
        method: &'static str,
        residual: f64,
        relative_residual: Option<f64>,
        iterations: usize,
        restarts: usize,
        converged: bool,
    },
    /// A dense eigensolve of a `dim × dim` matrix.
    Dense {
        method: &'static str,
        dim: usize,
        converged: bool,
    },
    /// A closed form or the null space.
    Other {
        method: &'static str,
        converged: bool,
    },
}

impl Solve {
    pub(crate) fn of(c: &crate::mean_square::Computed) -> Self {
        use crate::mean_square::Computed;
        match c {
            Computed::Lanczos(i) => Self::Lanczos {
                method: c.method(),
                residual: i.residual,
                relative_residual: c.relative_residual(),
                iterations: i.iterations,
                restarts: i.restarts,
                converged: i.converged,
            },
            Computed::Dense { dim } => Self::Dense {
                method: c.method(),
                dim: *dim,
                converged: true,
            },
            _ => Self::Other {
                method: c.method(),
                converged: true,
            },
        }
    }
}

/// The JSON report: an array of [`json_value`] objects, pretty-printed.
#[must_use]
pub fn json(analyses: &[Analysis]) -> String {
    pretty(&analyses.iter().map(AnalysisJson::of).collect::<Vec<_>>())
}
