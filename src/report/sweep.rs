//! The `sweep` report: every criterion's critical learning rate against the batch size, in
//! text, Markdown and JSON.

use super::{critical, json};
use crate::fmt::sig;
use crate::instance::Sampling;
use crate::mean_square::reshuffling::{EpochRoute, BISECTION_REL};
use crate::mean_square::{Reshuffling, Sweep, SweepRow};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

fn thm35_cell(r: &SweepRow) -> String {
    let g = critical(r.thm35);
    if r.thm35_applies {
        format!("{g}*")
    } else {
        g
    }
}

/// The i.i.d. row with batch size `b` and `sampling`.
fn iid(s: &Sweep, sampling: Sampling, b: usize) -> Option<&SweepRow> {
    s.rows
        .iter()
        .find(|r| r.sampling == sampling && r.batch_size == b)
}

fn iid_cells(s: &Sweep, r: &SweepRow) -> Vec<String> {
    vec![
        r.sampling.to_string(),
        r.batch_size.to_string(),
        sig(r.c),
        critical(s.gd),
        critical(r.thm33),
        critical(r.exact),
        thm35_cell(r),
        sig(r.exact_radius),
        r.exact_verdict.stability().to_owned(),
    ]
}

const IID_HEADER: [&str; 9] = [
    "sampling",
    "B",
    "c",
    "γ*_GD",
    "γ*_3.3",
    "γ*_exact",
    "γ*_3.5",
    "ρ(L_γ)",
    "exact at γ",
];

const RR_HEADER: [&str; 10] = [
    "B",
    "steps/epoch",
    "orderings",
    "ρ(L_epoch)",
    "ρ per step",
    "ρ(L_γ) w/o repl.",
    "ρ(L_γ) with repl.",
    "γ*_reshuffling",
    "γ*_exact w/o repl.",
    "reshuffling at γ",
];

fn rr_cells(s: &Sweep, r: &Reshuffling) -> Vec<String> {
    let w = iid(s, Sampling::WithoutReplacement, r.batch_size);
    let h = iid(s, Sampling::WithReplacement, r.batch_size);
    vec![
        r.batch_size.to_string(),
        r.steps_per_epoch.to_string(),
        r.orderings.to_string(),
        sig(r.epoch_radius),
        sig(r.per_step_radius),
        w.map_or_else(String::new, |x| sig(x.exact_radius)),
        h.map_or_else(String::new, |x| sig(x.exact_radius)),
        critical(r.critical_gamma),
        w.map_or_else(String::new, |x| critical(x.exact)),
        r.verdict.stability().to_owned(),
    ]
}

const RR_NOTE: &str = "random reshuffling: exact over every ordering of the samples into batches; ρ per step = ρ(L_epoch)^(1/steps); γ*_reshuffling = the end of the first stable interval (the stable set need not be an interval), by a grid scan for the first unstable γ and bisection on ρ(L_epoch) = 1";

/// The text report of one sweep.
#[must_use]
pub fn sweep_text(s: &Sweep) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {}: N = {} samples × d = {} parameters: critical learning rates against the batch size ==",
        crate::fmt::text_name(&s.name),
        s.n,
        s.d
    );
    let _ = writeln!(
        out,
        "N = {}, d = {}; ρ(L_γ) and verdicts at γ = {}",
        s.n,
        s.d,
        sig(s.gamma)
    );
    if let Some(line) = reduction_words(s) {
        let _ = writeln!(out, "{line}");
    }
    for line in unconverged(s) {
        let _ = writeln!(out, "warning: {line}");
    }
    let _ = writeln!(
        out,
        "γ*_GD = 2/λ_max(H) (Corollary 3.4) does not depend on B; γ*_3.3 is sufficient, γ*_exact necessary and sufficient (ρ(L_γ) ≤ 1);"
    );
    let _ = writeln!(
        out,
        "γ*_3.5 = 2/tr(H) is a necessary bound only where marked * (B = 1 and rank-one H_i), information elsewhere"
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = s.rows.iter().map(|r| iid_cells(s, r)).collect();
    crate::fmt::aligned_table(&mut out, &IID_HEADER, &rows);
    if !s.reshuffling.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{RR_NOTE} (relative accuracy {}), B dividing N:",
            sig(BISECTION_REL)
        );
        let rows: Vec<Vec<String>> = s.reshuffling.iter().map(|r| rr_cells(s, r)).collect();
        crate::fmt::aligned_table(&mut out, &RR_HEADER, &rows);
    }
    out
}

/// The reduction, in words (`None` when nothing was dropped).
fn reduction_words(s: &Sweep) -> Option<String> {
    let r = &s.reduction;
    (r.rank < r.d).then(|| {
        format!(
            "computed on the range of the H_i: r = {} of d = {} dimensions ({}); ρ(L_γ) = 1 exactly where γ < γ*_exact (the null directions' factor is 1)",
            r.rank,
            r.d,
            r.route.describe()
        )
    })
}

/// One line per row whose Lanczos run did not reach its tolerance.
fn unconverged(s: &Sweep) -> Vec<String> {
    let mut v = Vec::new();
    for r in &s.rows {
        for (what, c) in [
            ("γ*_exact", &r.exact_computed),
            ("ρ(L_γ)", &r.radius_computed),
        ] {
            if !c.converged() {
                v.push(format!(
                    "{} B = {}: {what}: {}",
                    r.sampling,
                    r.batch_size,
                    super::solve_words(c)
                ));
            }
        }
    }
    v
}

/// The Markdown report of one sweep.
#[must_use]
pub fn sweep_markdown(s: &Sweep) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {} (N = {} × d = {}): critical learning rates against the batch size\n",
        crate::fmt::md_name(&s.name),
        s.n,
        s.d
    );
    if let Some(line) = reduction_words(s) {
        let _ = writeln!(out, "{line}.\n");
    }
    for line in unconverged(s) {
        let _ = writeln!(out, "> **Warning.** {line}\n");
    }
    let _ = writeln!(
        out,
        "N = {}, d = {}; ρ(L_γ) and verdicts at γ = {}. γ*_3.5 is a necessary bound only where marked \\* (B = 1, rank-one H_i).\n",
        s.n,
        s.d,
        sig(s.gamma)
    );
    let md = |out: &mut String, header: &[&str], rows: Vec<Vec<String>>| {
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for r in rows {
            let _ = writeln!(out, "| {} |", r.join(" | ").replace('*', "\\*"));
        }
    };
    md(
        &mut out,
        &IID_HEADER,
        s.rows.iter().map(|r| iid_cells(s, r)).collect(),
    );
    if !s.reshuffling.is_empty() {
        let _ = writeln!(
            out,
            "\n{RR_NOTE} (relative accuracy {}).\n",
            sig(BISECTION_REL)
        );
        md(
            &mut out,
            &RR_HEADER,
            s.reshuffling.iter().map(|r| rr_cells(s, r)).collect(),
        );
    }
    out
}

/// One batch size and scheme of a sweep in JSON.
#[derive(Debug, Serialize)]
struct RowJson {
    sampling: crate::instance::Sampling,
    batch_size: usize,
    c_factor: f64,
    critical_gamma_thm33: json::Critical,
    critical_gamma_exact: json::Critical,
    critical_gamma_thm35: json::Critical,
    thm35_hypotheses_hold: bool,
    ms_spectral_radius: f64,
    ms_verdict: &'static str,
    solves: json::Solves,
}

/// Random reshuffling at one batch size in JSON.
#[derive(Debug, Serialize)]
struct ReshufflingRowJson {
    batch_size: usize,
    steps_per_epoch: usize,
    orderings: String,
    epoch_spectral_radius: f64,
    per_step_spectral_radius: f64,
    critical_gamma: json::Critical,
    critical_gamma_method: &'static str,
    critical_gamma_relative_accuracy: f64,
    verdict: &'static str,
}

/// One sweep in JSON.
#[derive(Debug, Serialize)]
struct SweepJson<'a> {
    name: &'a str,
    n: usize,
    d: usize,
    gamma: f64,
    critical_gamma_gd: json::Critical,
    rows: Vec<RowJson>,
    reduced_dim: usize,
    reduction: crate::reduction::ReductionInfo,
    random_reshuffling: Vec<ReshufflingRowJson>,
}

impl<'a> SweepJson<'a> {
    fn of(s: &'a Sweep) -> Self {
        Self {
            name: &s.name,
            n: s.n,
            d: s.d,
            gamma: s.gamma,
            critical_gamma_gd: json::Critical(s.gd),
            rows: s
                .rows
                .iter()
                .map(|r| RowJson {
                    sampling: r.sampling,
                    batch_size: r.batch_size,
                    c_factor: r.c,
                    critical_gamma_thm33: json::Critical(r.thm33),
                    critical_gamma_exact: json::Critical(r.exact),
                    critical_gamma_thm35: json::Critical(r.thm35),
                    thm35_hypotheses_hold: r.thm35_applies,
                    ms_spectral_radius: r.exact_radius,
                    ms_verdict: r.exact_verdict.as_str(),
                    solves: json::Solves {
                        critical_gamma_exact: json::Solve::of(&r.exact_computed),
                        ms_spectral_radius: json::Solve::of(&r.radius_computed),
                    },
                })
                .collect(),
            reduced_dim: s.reduction.rank,
            reduction: s.reduction,
            random_reshuffling: s
                .reshuffling
                .iter()
                .map(|r| ReshufflingRowJson {
                    batch_size: r.batch_size,
                    steps_per_epoch: r.steps_per_epoch,
                    orderings: r.orderings.to_string(),
                    epoch_spectral_radius: r.epoch_radius,
                    per_step_spectral_radius: r.per_step_radius,
                    critical_gamma: json::Critical(r.critical_gamma),
                    critical_gamma_method: match r.route {
                        EpochRoute::Enumerated => "bisection",
                        EpochRoute::FullBatch => "closed_form",
                    },
                    critical_gamma_relative_accuracy: BISECTION_REL,
                    verdict: r.verdict.as_str(),
                })
                .collect(),
        }
    }
}

/// The JSON value of one sweep.
#[must_use]
pub fn sweep_json_value(s: &Sweep) -> Value {
    json::to_value(&SweepJson::of(s))
}

/// The JSON report of one sweep, pretty-printed.
#[must_use]
pub fn sweep_json(s: &Sweep) -> String {
    json::pretty(&SweepJson::of(s))
}
