//! The `analyze` report of a random-reshuffling instance ([`ReshufflingAnalysis`]): text,
//! Markdown and JSON. The lecture's i.i.d. criteria are shown as not applicable, never as
//! numbers.

use super::{cells, json, markdown, text, Row};
use crate::analysis::{ReshufflingAnalysis, NOT_INDEPENDENT};
use crate::criteria::{CriterionResult, Verdict};
use crate::fmt::sig;
use crate::mean_square::reshuffling::{EpochRoute, BISECTION_REL};
use crate::verdict::ToTruth as _;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// The i.i.d. criteria that do not apply: (label, inequality).
const NOT_APPLICABLE: [(&str, &str); 3] = [
    ("exact, i.i.d. (M&M 2024)", "ρ(L_γ) ≤ 1"),
    ("Theorem 3.3", "λ_max{(I − γH)² + γ²cΣ} ≤ 1"),
    ("Theorem 3.5", "tr(H) ≤ 2/γ"),
];

/// The JSON fields of [`crate::report::json_value`] that are `null` here, because they
/// belong to the i.i.d. criteria.
const NULL_FIELDS: [&str; 16] = [
    "thm33_lambda_max",
    "thm33_stable",
    "thm33_verdict",
    "thm35_trace_ok",
    "thm35_verdict",
    "thm35_hypotheses_hold",
    "thm35_hypotheses",
    "critical_gamma_thm33",
    "critical_gamma_thm35",
    "ms_spectral_radius",
    "ms_stable",
    "ms_verdict",
    "critical_gamma_exact",
    "criteria.thm33",
    "criteria.thm35",
    "criteria.exact",
];

fn not_applicable_text() -> String {
    format!("not applicable ({NOT_INDEPENDENT})")
}

fn exact_label(a: &ReshufflingAnalysis) -> String {
    format!("ρ(L_epoch)^(1/E) ≤ 1, E = {}", a.steps_per_epoch())
}

fn exact_conclusion(a: &ReshufflingAnalysis) -> &'static str {
    match a.exact.verdict {
        Verdict::Holds | Verdict::Boundary => {
            "mean-square stable under random reshuffling: E‖x_k‖² stays bounded over epochs"
        }
        Verdict::Fails => {
            "mean-square unstable under random reshuffling: E‖x_k‖² grows over epochs"
        }
    }
}

fn gd_conclusion(a: &ReshufflingAnalysis) -> String {
    let gd = super::gd_verdict(a.gd.verdict);
    if a.summary.sgd_is_gd() {
        format!("{gd} (B = N: random reshuffling is GD)")
    } else {
        format!("{gd} (GD's own criterion, for comparison: random reshuffling's stable set can reach past γ*_GD)")
    }
}

/// How the epoch operator and its critical `γ` were obtained, in words.
fn method(a: &ReshufflingAnalysis) -> String {
    match a.exact.route {
        EpochRoute::Enumerated => format!(
            "L_epoch exact over all {} orderings of the samples into batches; γ*_reshuffling = the end of the first stable interval (0, γ*] (the stable set need not be an interval), by a grid scan for the first unstable γ and bisection on ρ(L_epoch) = 1 (relative accuracy {})",
            a.exact.orderings,
            sig(BISECTION_REL)
        ),
        EpochRoute::FullBatch => {
            "B = N: every epoch is one GD step, L_epoch(P) = (I − γH)P(I − γH); ρ(L_epoch) = max_j (1 − γλ_j(H))², γ*_reshuffling = 2/λ_max(H) in closed form".to_owned()
        }
    }
}

/// The exact verdict in one line.
#[must_use]
pub fn exact_summary(a: &ReshufflingAnalysis) -> String {
    let per_step = sig(a.exact.per_step_radius);
    let epoch = sig(a.exact.epoch_radius);
    match a.exact.verdict {
        Verdict::Holds | Verdict::Boundary => format!(
            "stable (random reshuffling, per epoch: ρ(L_epoch) = {epoch}, per step ρ(L_epoch)^(1/E) = {per_step})"
        ),
        Verdict::Fails => format!(
            "unstable (random reshuffling, per epoch: ρ(L_epoch) = {epoch}, per step ρ(L_epoch)^(1/E) = {per_step})"
        ),
    }
}

/// What the lecture's criteria allow one to conclude, in one line.
#[must_use]
pub fn sgd_summary(a: &ReshufflingAnalysis) -> String {
    if a.summary.batch_size == a.summary.n {
        return match a.gd.verdict {
            Verdict::Holds => "stable (B = N: random reshuffling is GD, Corollary 3.4 is exact)",
            Verdict::Fails => "unstable (B = N: random reshuffling is GD, Corollary 3.4 is exact)",
            Verdict::Boundary => "boundary (B = N: random reshuffling is GD, λ_max(H) = 2/γ)",
        }
        .to_owned();
    }
    not_applicable_text()
}

/// The exact per-epoch criterion `ρ(L_epoch)^{1/E} ≤ 1` as one of the table's.
fn per_step(a: &ReshufflingAnalysis) -> CriterionResult {
    let r = &a.exact;
    CriterionResult {
        value: r.per_step_radius,
        threshold: 1.0,
        margin: 1.0 - r.per_step_radius,
        critical_gamma: r.critical_gamma,
        verdict: r.verdict,
    }
}

fn table(a: &ReshufflingAnalysis) -> Vec<Row> {
    let gamma = a.summary.gamma;
    let mut v = vec![
        Row {
            label: "exact, random reshuffling",
            kind: "iff (per epoch)",
            inequality: exact_label(a),
            cells: cells(&per_step(a), gamma),
            conclusion: exact_conclusion(a).to_owned(),
        },
        Row {
            label: "Corollary 3.4",
            kind: "GD (B = N)",
            inequality: "λ_max(H) ≤ 2/γ".to_owned(),
            cells: cells(&a.gd, gamma),
            conclusion: gd_conclusion(a),
        },
    ];
    for (label, inequality) in NOT_APPLICABLE {
        v.push(Row {
            label,
            kind: "not applicable",
            inequality: inequality.to_owned(),
            cells: std::array::from_fn(|_| "n/a".to_owned()),
            conclusion: not_applicable_text(),
        });
    }
    v
}

/// The text section of one instance.
pub(crate) fn text_section(out: &mut String, a: &ReshufflingAnalysis) {
    text::summary_lines(out, &a.summary);
    let rows = table(a);
    text::criteria_table(out, &rows);
    let _ = writeln!(out, "{}: {}", rows[0].label, rows[0].conclusion);
    let _ = writeln!(
        out,
        "   ρ(L_epoch) = {} over one epoch; {}",
        sig(a.exact.epoch_radius),
        method(a)
    );
    let _ = writeln!(out, "{}: {}", rows[1].label, rows[1].conclusion);
    let _ = writeln!(
        out,
        "{}: {}",
        NOT_APPLICABLE.map(|(l, _)| l).join(", "),
        not_applicable_text()
    );
    let _ = writeln!(out, "SGD, by the lecture's criteria: {}", sgd_summary(a));
    let _ = writeln!(
        out,
        "SGD, exactly (mean square, per epoch): {}",
        exact_summary(a)
    );
}

/// The row of the Markdown table of instances.
pub(crate) fn markdown_summary_row(out: &mut String, a: &ReshufflingAnalysis) {
    markdown::summary_row(out, &a.summary, &sgd_summary(a), &exact_summary(a));
}

/// The Markdown section of one instance.
pub(crate) fn markdown_section(out: &mut String, a: &ReshufflingAnalysis) {
    let note = format!(
        "Random reshuffling, E = N/B = {} steps per epoch: ρ(L_epoch) = {}; {}. The one-step batch factor c is that of sampling without replacement.",
        a.steps_per_epoch(),
        sig(a.exact.epoch_radius),
        method(a)
    );
    markdown::criteria_section(out, &a.summary, &table(a), Some(&note));
}

/// Why the i.i.d. criteria's fields are `null`.
#[derive(Debug, Serialize)]
struct NotApplicable {
    reason: &'static str,
    detail: &'static str,
    fields: [&'static str; 16],
}

/// The criteria in detail: the i.i.d. ones `null`.
#[derive(Debug, Serialize)]
struct Criteria {
    thm33: Null,
    gd: json::Detail,
    thm35: Null,
    exact: Null,
    random_reshuffling: json::Detail,
}

/// The exact per-epoch result.
#[derive(Debug, Serialize)]
struct Epoch {
    steps_per_epoch: usize,
    orderings: String,
    epoch_spectral_radius: f64,
    per_step_spectral_radius: f64,
    stable: Option<bool>,
    verdict: &'static str,
    critical_gamma: json::Critical,
    critical_gamma_method: &'static str,
    critical_gamma_relative_accuracy: Option<f64>,
}

/// A field that is `null` because its criterion does not apply ([`NULL_FIELDS`]).
type Null = ();

/// The JSON object of one instance: the keys of [`crate::report::json_value`], with the
/// i.i.d. criteria `null` (explained under `not_applicable`), and the exact per-epoch
/// result under `random_reshuffling`.
#[derive(Debug, Serialize)]
pub(crate) struct ReshufflingJson<'a> {
    #[serde(flatten)]
    summary: json::SummaryJson<'a>,
    thm33_lambda_max: Null,
    thm33_stable: Null,
    thm33_verdict: Null,
    gd_stable: Option<bool>,
    gd_verdict: &'static str,
    thm35_trace_ok: Null,
    thm35_verdict: Null,
    thm35_hypotheses_hold: Null,
    thm35_hypotheses: Null,
    critical_gamma_gd: json::Critical,
    critical_gamma_thm33: Null,
    critical_gamma_thm35: Null,
    ms_spectral_radius: Null,
    ms_stable: Null,
    ms_verdict: Null,
    critical_gamma_exact: Null,
    not_applicable: NotApplicable,
    /// Always empty: the orderings are between the i.i.d. criteria.
    orderings: Vec<json::OrderingJson>,
    sgd_summary: String,
    sgd_exact_summary: String,
    criteria: Criteria,
    random_reshuffling: Epoch,
    second_moment_enumerated: Option<&'a Vec<Vec<f64>>>,
    second_moment_closed_form: Option<&'a Vec<Vec<f64>>>,
    tolerances: crate::tolerance::Tolerances,
}

impl<'a> ReshufflingJson<'a> {
    pub(crate) fn of(a: &'a ReshufflingAnalysis) -> Self {
        let r = &a.exact;
        Self {
            summary: json::SummaryJson::of(&a.summary),
            thm33_lambda_max: (),
            thm33_stable: (),
            thm33_verdict: (),
            gd_stable: a.gd.verdict.truth().holds(),
            gd_verdict: a.gd.verdict.as_str(),
            thm35_trace_ok: (),
            thm35_verdict: (),
            thm35_hypotheses_hold: (),
            thm35_hypotheses: (),
            critical_gamma_gd: json::Critical(a.gd.critical_gamma),
            critical_gamma_thm33: (),
            critical_gamma_thm35: (),
            ms_spectral_radius: (),
            ms_stable: (),
            ms_verdict: (),
            critical_gamma_exact: (),
            not_applicable: NotApplicable {
                reason: NOT_INDEPENDENT,
                detail: "Theorem 3.3, Theorem 3.5 and the exact i.i.d. operator L_γ (ρ(L_γ), γ*_exact) assume batches drawn independently at every step; under random reshuffling the batches of an epoch are disjoint. Their fields are null (not 'unbounded' or 'boundary'); the exact answer is under random_reshuffling.",
                fields: NULL_FIELDS,
            },
            orderings: Vec::new(),
            sgd_summary: sgd_summary(a),
            sgd_exact_summary: exact_summary(a),
            criteria: Criteria {
                thm33: (),
                gd: json::Detail::of(&a.gd),
                thm35: (),
                exact: (),
                random_reshuffling: json::Detail::of(&per_step(a)),
            },
            random_reshuffling: Epoch {
                steps_per_epoch: r.steps_per_epoch,
                orderings: r.orderings.to_string(),
                epoch_spectral_radius: r.epoch_radius,
                per_step_spectral_radius: r.per_step_radius,
                stable: r.verdict.truth().holds(),
                verdict: r.verdict.as_str(),
                critical_gamma: json::Critical(r.critical_gamma),
                critical_gamma_method: match r.route {
                    EpochRoute::Enumerated => "bisection",
                    EpochRoute::FullBatch => "closed_form",
                },
                critical_gamma_relative_accuracy: match r.route {
                    EpochRoute::Enumerated => Some(BISECTION_REL),
                    EpochRoute::FullBatch => None,
                },
            },
            second_moment_enumerated: a.second_moment.as_ref().map(|p| &p.enumerated),
            second_moment_closed_form: a.second_moment.as_ref().map(|p| &p.closed_form),
            tolerances: a.tolerances,
        }
    }
}

/// The JSON object of one instance: the keys of [`crate::report::json_value`], the i.i.d. criteria
/// `null` (explained under `not_applicable`), the exact per-epoch result under
/// `random_reshuffling`.
#[must_use]
pub fn json_value(a: &ReshufflingAnalysis) -> Value {
    json::to_value(&ReshufflingJson::of(a))
}
