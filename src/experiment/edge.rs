//! GD at the edge: for several learning rates `γ`, GD's sharpness `λ_max(∇²F)` along training
//! and at convergence, against `2/γ`.
//!
//! Claims tested: Corollary 3.4 — a minimum GD converges to is linearly stable for GD, so its
//! sharpness is at most `2/γ` (Wu, Ma & E 2018 measured this on FashionMNIST, their Table 1);
//! and Cohen et al. (2021) — with full-batch GD the sharpness rises to about `2/γ` and hovers
//! there ("the edge of stability").

use super::{num, Claim, Problem, ProgressCallback, Setup, Support};
use crate::error::Result;
use crate::instance::LearningRate;
use crate::train::{self, objective, Method, Outcome, Schedule, StepValue, Stop, TrainParams};
use rayon::prelude::*;
use serde::Serialize;

/// The runs of the experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeParams {
    /// Data, network and initialization.
    pub setup: Setup,
    /// The learning rates `γ`.
    pub gammas: Vec<f64>,
    /// Initialization seeds (one run per `γ` and seed).
    pub seeds: Vec<u64>,
    /// When GD stops.
    pub stop: Stop,
    /// When the sharpness is recorded.
    pub schedule: Schedule,
    /// "At the edge" means a final sharpness of at least this fraction of `2/γ`.
    pub edge_fraction: f64,
}

impl Default for EdgeParams {
    /// The default [`Setup`]; `γ` = 0.1, 0.2, 0.3, 0.5; seeds 1 and 2; GD to `F ≤ 10⁻⁶` or 40 000
    /// steps; the sharpness at geometrically spaced steps (ratio 1.25); the edge at 90% of `2/γ`.
    fn default() -> Self {
        Self {
            setup: Setup::default(),
            gammas: vec![0.1, 0.2, 0.3, 0.5],
            seeds: vec![1, 2],
            stop: Stop {
                target_loss: 1e-6,
                max_steps: 40_000,
            },
            schedule: Schedule::Geometric(1.25),
            edge_fraction: 0.9,
        }
    }
}

/// One GD run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeRun {
    /// `γ`.
    pub gamma: f64,
    /// The initialization seed.
    pub seed: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Steps taken.
    pub steps: usize,
    /// `F` at the end.
    pub final_loss: f64,
    /// `2/γ`.
    pub two_over_gamma: f64,
    /// `λ_max(∇²F(θ_0))`.
    pub sharpness_initial: f64,
    /// The largest recorded sharpness after step 0.
    pub sharpness_peak: f64,
    /// The smallest recorded sharpness after step 0.
    pub sharpness_trough: f64,
    /// At the last step.
    pub sharpness_final: f64,
    /// `λ_final / (2/γ)`.
    pub final_ratio: f64,
    /// Whether the recorded sharpness exceeded `2/γ` at some step after 0.
    pub crossed: bool,
    /// Whether the recorded training loss ever increased from one record to the next.
    pub loss_rose: bool,
    /// Test accuracy at the end.
    pub test_accuracy: f64,
    /// `λ_max` along the run (serialized `[k, λ_max]`).
    pub sharpness: Vec<StepValue>,
    /// The training loss `F` along the run (serialized `[k, F]`).
    pub loss: Vec<StepValue>,
}

/// The experiment's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeResult {
    /// The setup, in words.
    pub setup: String,
    /// The stop rule, in words.
    pub stop: String,
    /// Every run, by `γ` then seed.
    pub runs: Vec<EdgeRun>,
    /// The claims and what the runs say about them.
    pub claims: Vec<Claim>,
}

/// Run the experiment.
///
/// # Errors
/// As [`Setup::problem`]; [`crate::Error::Input`] on `gamma` for a `γ` that is not finite and
/// `> 0`, on `edge_fraction` outside `(0, 1]`; as [`train::train`].
pub fn run(p: &EdgeParams, progress: ProgressCallback<'_>) -> Result<EdgeResult> {
    let problem = p.setup.problem()?;
    let gammas = p
        .gammas
        .iter()
        .map(|&g| LearningRate::new(g))
        .collect::<Result<Vec<_>>>()?;
    if !(p.edge_fraction > 0.0 && p.edge_fraction <= 1.0) {
        return Err(crate::Error::input(
            "edge_fraction",
            format!("must be in (0, 1], got {}", p.edge_fraction),
        ));
    }
    let jobs: Vec<(LearningRate, u64)> = gammas
        .iter()
        .flat_map(|&g| p.seeds.iter().map(move |&s| (g, s)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let runs = jobs
        .par_iter()
        .map(|&(g, s)| {
            let r = one_run(&problem, p, g, s);
            let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(k, jobs.len());
            r
        })
        .collect::<Result<Vec<_>>>()?;
    let claims = claims(&runs, p.edge_fraction);
    Ok(EdgeResult {
        setup: p.setup.describe(&problem.model),
        stop: format!(
            "GD until F ≤ {} or {} steps",
            num(p.stop.target_loss),
            p.stop.max_steps
        ),
        runs,
        claims,
    })
}

fn one_run(problem: &Problem, p: &EdgeParams, gamma: LearningRate, seed: u64) -> Result<EdgeRun> {
    let theta0 = problem.init(seed);
    let params = TrainParams {
        gamma,
        method: Method::gd(),
        stop: p.stop,
        seed: 0,
        record_every: 100,
        sharpness: Some(p.schedule),
    };
    let t = train::train(&problem.model, &theta0, &problem.split.train, &params)?;
    let info = t.info;
    let two = 2.0 / gamma.get();
    let first = info.sharpness.first().map_or(f64::NAN, |s| s.value);
    let last = info.sharpness.last().map_or(f64::NAN, |s| s.value);
    let peak = info
        .sharpness
        .iter()
        .skip(1)
        .map(|s| s.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let trough = info
        .sharpness
        .iter()
        .skip(1)
        .map(|s| s.value)
        .fold(f64::INFINITY, f64::min);
    Ok(EdgeRun {
        gamma: gamma.get(),
        sharpness_trough: trough,
        seed,
        outcome: info.outcome,
        steps: info.steps,
        final_loss: info.final_loss,
        two_over_gamma: two,
        sharpness_initial: first,
        sharpness_peak: peak,
        sharpness_final: last,
        final_ratio: last / two,
        crossed: info.sharpness.iter().skip(1).any(|s| s.value > two),
        loss_rose: info.curve.windows(2).any(|w| w[1].loss > w[0].loss),
        test_accuracy: objective::accuracy(&problem.model, &t.theta, &problem.split.test),
        sharpness: info.sharpness,
        loss: info
            .curve
            .iter()
            .map(|r| StepValue {
                step: r.step,
                value: r.loss,
            })
            .collect(),
    })
}

/// A rise of the sharpness by at least this fraction (from its lowest recorded value to the
/// end) counts as sharpening.
pub const SHARPENING: f64 = 0.05;

fn claims(runs: &[EdgeRun], edge: f64) -> Vec<Claim> {
    let converged: Vec<&EdgeRun> = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Interpolated)
        .collect();
    let below = converged.iter().filter(|r| r.final_ratio <= 1.0).count();
    let above: Vec<String> = converged
        .iter()
        .filter(|r| r.final_ratio > 1.0)
        .map(|r| {
            format!(
                "γ = {} seed {}: {}",
                num(r.gamma),
                r.seed,
                num(r.final_ratio)
            )
        })
        .collect();
    let diverged = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Diverged)
        .count();
    // Progressive sharpening can only be seen where GD starts below its edge.
    let below_edge: Vec<&&EdgeRun> = converged
        .iter()
        .filter(|r| r.sharpness_initial < r.two_over_gamma)
        .collect();
    let rises: Vec<f64> = below_edge
        .iter()
        .map(|r| r.sharpness_final / r.sharpness_trough)
        .collect();
    let rose = rises.iter().filter(|&&x| x >= 1.0 + SHARPENING).count();
    let rose_to_edge = below_edge
        .iter()
        .zip(&rises)
        .filter(|(r, &x)| x >= 1.0 + SHARPENING && r.final_ratio >= edge)
        .count();
    let largest_rise = rises.iter().copied().fold(f64::NAN, f64::max);
    let reached: Vec<&&EdgeRun> = converged
        .iter()
        .filter(|r| r.sharpness_initial >= r.two_over_gamma || r.crossed)
        .collect();
    let hovered = reached.iter().filter(|r| r.final_ratio >= edge).count();
    let ratios = |v: &[&&EdgeRun]| {
        v.iter()
            .map(|r| format!("{} (γ = {})", num(r.final_ratio), num(r.gamma)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        Claim {
            claim: "GD converges only to minima with sharpness λ_max ≤ 2/γ (Corollary 3.4; Wu, Ma & E 2018, Table 1)".to_owned(),
            measured: format!(
                "{below} of {} runs that reached the loss target end with λ_max(∇²F) ≤ 2/γ{}; {diverged} of {} runs diverged",
                converged.len(),
                if above.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; above it (λ_max·γ/2): {} — runs still at the edge when the loss target was reached, not at a minimum in the linear-stability sense",
                        above.join(", ")
                    )
                },
                runs.len()
            ),
            support: Support::from_counts(below, converged.len()),
        },
        Claim {
            claim: "Progressive sharpening: during full-batch GD the sharpness rises toward 2/γ (Cohen et al. 2021)".to_owned(),
            measured: format!(
                "of {} converged runs that start below their edge (λ_max(θ_0) < 2/γ), the sharpness rises from its lowest recorded value to the end by ≥ {}% in {rose} (the largest rise ×{}), and both rises and ends at ≥ {}% of 2/γ in {rose_to_edge}; final λ_max·γ/2: {}",
                below_edge.len(),
                num(100.0 * SHARPENING),
                num(largest_rise),
                num(100.0 * edge),
                ratios(&below_edge)
            ),
            support: Support::from_counts(rose_to_edge, below_edge.len()),
        },
        Claim {
            claim: "Edge of stability: once at 2/γ, GD's sharpness hovers there while the loss keeps decreasing (Cohen et al. 2021)".to_owned(),
            measured: format!(
                "of {} converged runs that started above 2/γ or crossed it, {hovered} end with λ_max ≥ {}% of 2/γ; final λ_max·γ/2: {}",
                reached.len(),
                num(100.0 * edge),
                ratios(&reached)
            ),
            support: Support::from_counts(hovered, reached.len()),
        },
    ]
}
