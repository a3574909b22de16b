//! Trained minima of Section 4: ReLU networks trained by GD and by SGD (`B = 1`) at one `γ` on a
//! teacher task over the sphere, for a sweep over the width `m` (at fixed `d`) and over the
//! input dimension `d` (at fixed `m`), each polished onto the zero-loss set and measured: test
//! loss (Theorem 4.2), the path norm and weighted norms, `tr H` and `‖H‖₂` (the chain
//! (46)–(48)), and the linear-stability verdicts at `γ`.
//!
//! Initialization: [`TwoLayer::init`] with the `w_j` scaled by `1/√m` (so `Σ_j‖w_j‖² ≈ 1` and
//! `Σ_j a_j² ≈ 1` at every width: `‖x‖_{2,1} ≈ 2`, `‖x‖_{2,d} ≈ d + 1`), so that one `γ` is
//! meaningful across widths. Seeds: the teacher and the data from `seed`, the initialization
//! from `seed + 1000` (wrapping), SGD's batches from `seed`.

use super::norms::Norms;
use crate::analysis::Analysis;
use crate::data::sphere::{teacher_task, SphereParams};
use crate::error::{Error, Result};
use crate::experiment::ProgressCallback;
use crate::instance::{BatchSize, Instance, LearningRate, Samples, Sampling};
use crate::model::{Activation, TwoLayer};
use crate::tolerance::Tolerances;
use crate::train::{self, objective, polish, Method, Outcome, Stop, TrainParams};
use rayon::prelude::*;
use serde::Serialize;

/// The sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedParams {
    /// Widths of the width sweep, at `d = width_sweep_d`.
    pub widths: Vec<usize>,
    /// `d` of the width sweep.
    pub width_sweep_d: usize,
    /// Dimensions of the dimension sweep, at `m = dim_sweep_m`.
    pub dims: Vec<usize>,
    /// `m` of the dimension sweep.
    pub dim_sweep_m: usize,
    /// Further `(m, d)` pairs outside both sweeps (the corner of the widest and highest).
    pub extra: Vec<(usize, usize)>,
    /// `N`, training samples.
    pub n_train: usize,
    /// Test samples (fresh from the sphere).
    pub n_test: usize,
    /// The teacher's width.
    pub teacher_width: usize,
    /// `γ`, the same for GD and SGD.
    pub gamma: f64,
    /// SGD's batch size.
    pub batch_size: usize,
    /// Seeds (teacher, data and initialization).
    pub seeds: Vec<u64>,
    /// When GD stops (then the point is polished onto the zero-loss set).
    pub stop: Stop,
    /// SGD's step budget (its steps cost `B/N` of GD's).
    pub sgd_max_steps: usize,
}

impl Default for TrainedParams {
    /// Widths 30, 100, 300, 1000 at `d = 10`; dimensions 5, 10, 20, 50, 100 at `m = 100`; and
    /// `(m, d) = (1000, 100)`; `N = 128`, 2000 test points, a teacher of width 4; `γ = 0.05`,
    /// `B = 1`; seeds 1 and 2; GD to `F ≤ 10⁻⁵` or 50 000 steps, SGD up to 10⁶ steps.
    fn default() -> Self {
        Self {
            widths: vec![30, 100, 300, 1000],
            width_sweep_d: 10,
            dims: vec![5, 10, 20, 50, 100],
            dim_sweep_m: 100,
            extra: vec![(1000, 100)],
            n_train: 128,
            n_test: 2000,
            teacher_width: 4,
            gamma: 0.05,
            batch_size: 1,
            seeds: vec![1, 2],
            stop: Stop {
                target_loss: 1e-5,
                max_steps: 50_000,
            },
            sgd_max_steps: 1_000_000,
        }
    }
}

/// GD or SGD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trainer {
    /// Full-batch GD.
    Gd,
    /// SGD without replacement at the sweep's `B`.
    Sgd,
}

impl Trainer {
    /// For tables.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gd => "GD",
            Self::Sgd => "SGD",
        }
    }
}

/// One trained, polished minimum and its measurements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainedMinimum {
    /// Which trainer.
    pub trainer: Trainer,
    /// `m`.
    pub m: usize,
    /// `d`.
    pub d: usize,
    /// The seed.
    pub seed: u64,
    /// How training ended.
    pub outcome: Outcome,
    /// Steps taken.
    pub steps: usize,
    /// `‖θ_polished − θ_trained‖`.
    pub polish_distance: f64,
    /// The norms at the polished minimum.
    pub norms: Norms,
    /// `tr H` (`= tr G` at a minimum).
    pub trace_h: f64,
    /// `‖H‖₂`.
    pub norm2_h: f64,
    /// `γ*_exact` at `B = 1` (with replacement: one sample per step).
    pub gamma_exact_b1: f64,
    /// `γ*_exact` at the sweep's `B` (without replacement).
    pub gamma_exact: f64,
    /// Test loss `mean ½(h − f*)²` on the fresh test points.
    pub test_loss: f64,
    /// `max_i |h(u_i) − v_i|` on the training set after the polish.
    pub residual: f64,
}

/// The sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainedResult {
    /// One per (trainer, config, seed) that could be polished.
    pub minima: Vec<TrainedMinimum>,
    /// Runs that failed (diverged, or could not be polished), in words.
    pub failures: Vec<String>,
    /// `γ`.
    pub gamma: f64,
    /// `B`.
    pub batch_size: usize,
    /// `N`.
    pub n_train: usize,
    /// Test points.
    pub n_test: usize,
    /// The width sweep's `d`.
    pub width_sweep_d: usize,
    /// The dimension sweep's `m`.
    pub dim_sweep_m: usize,
    /// The teacher's width.
    pub teacher_width: usize,
}

/// The most parameters `P = m(d + 1)` of a trained network.
pub const MAX_PARAMS: usize = 200_000;

/// The most entries `N·P` of the per-sample gradients of a trained network.
pub const MAX_GRADIENT_ENTRIES: usize = 50_000_000;

/// The `(m, d)` pairs of the sweep, without repeats.
#[must_use]
pub fn configs(p: &TrainedParams) -> Vec<(usize, usize)> {
    let mut c: Vec<(usize, usize)> = p.widths.iter().map(|&m| (m, p.width_sweep_d)).collect();
    for &d in &p.dims {
        if !c.contains(&(p.dim_sweep_m, d)) {
            c.push((p.dim_sweep_m, d));
        }
    }
    for &x in &p.extra {
        if !c.contains(&x) {
            c.push(x);
        }
    }
    c
}

/// Check the parameters before any work.
///
/// # Errors
/// [`Error::Input`] naming the parameter.
pub fn check(p: &TrainedParams) -> Result<()> {
    LearningRate::new(p.gamma)?;
    BatchSize::new(p.batch_size)?;
    if p.seeds.is_empty() || configs(p).is_empty() {
        return Err(Error::input(
            "seeds",
            "at least one seed and one width or dimension are needed",
        ));
    }
    for (field, v) in [
        ("n_train", p.n_train),
        ("n_test", p.n_test),
        ("teacher_width", p.teacher_width),
    ] {
        if v == 0 {
            return Err(Error::input(field, "must be at least 1, got 0"));
        }
    }
    if p.batch_size > p.n_train {
        return Err(Error::input(
            "batch_size",
            format!("B = {} exceeds N = {}", p.batch_size, p.n_train),
        ));
    }
    for (m, d) in configs(p) {
        if m == 0 {
            return Err(Error::input("widths", "a width must be at least 1, got 0"));
        }
        if d < 2 {
            return Err(Error::input(
                "dims",
                format!("an input dimension must be at least 2 (the sphere), got {d}"),
            ));
        }
        let params = m.saturating_mul(d.saturating_add(1));
        if params > MAX_PARAMS {
            return Err(Error::input(
                "widths",
                format!("m = {m}, d = {d} gives P = {params} parameters; at most {MAX_PARAMS} are supported (N×P gradients are held for the analysis)"),
            ));
        }
        if params.saturating_mul(p.n_train) > MAX_GRADIENT_ENTRIES {
            return Err(Error::input(
                "n_train",
                format!("N = {} samples × P = {params} parameters (m = {m}, d = {d}) exceeds the {MAX_GRADIENT_ENTRIES} gradient entries held for an analysis", p.n_train),
            ));
        }
    }
    Ok(())
}

/// Run the sweep.
///
/// # Errors
/// As [`check`]; an analysis failure. A run that diverges or cannot be polished is recorded in
/// `failures`, not an error.
pub fn run(p: &TrainedParams, progress: ProgressCallback<'_>) -> Result<TrainedResult> {
    check(p)?;
    let gamma = LearningRate::new(p.gamma)?;
    let batch = BatchSize::new(p.batch_size)?;
    let jobs: Vec<(Trainer, (usize, usize), u64)> = configs(p)
        .into_iter()
        .flat_map(|c| {
            p.seeds
                .iter()
                .flat_map(move |&s| [Trainer::Gd, Trainer::Sgd].map(|t| (t, c, s)))
        })
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let out = jobs
        .par_iter()
        .map(|&(trainer, (m, d), seed)| {
            let r = one(p, gamma, batch, trainer, m, d, seed);
            let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(k, jobs.len());
            r.map(|x| {
                x.map_err(|why| {
                    format!("{} m = {m}, d = {d}, seed {seed}: {why}", trainer.as_str())
                })
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (mut minima, mut failures) = (Vec::new(), Vec::new());
    for x in out {
        match x {
            Ok(m) => minima.push(m),
            Err(f) => failures.push(f),
        }
    }
    Ok(TrainedResult {
        minima,
        failures,
        gamma: p.gamma,
        batch_size: p.batch_size,
        n_train: p.n_train,
        n_test: p.n_test,
        width_sweep_d: p.width_sweep_d,
        dim_sweep_m: p.dim_sweep_m,
        teacher_width: p.teacher_width,
    })
}

/// One run: `Ok(Ok(minimum))`, `Ok(Err(why it has none))`, or an error of the parameters.
fn one(
    p: &TrainedParams,
    gamma: LearningRate,
    batch: BatchSize,
    trainer: Trainer,
    m: usize,
    d: usize,
    seed: u64,
) -> Result<std::result::Result<TrainedMinimum, String>> {
    let split = teacher_task(&SphereParams {
        n_train: p.n_train,
        n_test: p.n_test,
        d,
        teacher_width: p.teacher_width,
        seed,
    })?;
    let net = TwoLayer::new(d, m, Activation::Relu)?;
    let scale_w = 1.0 / (m as f64).sqrt();
    let theta0: Vec<f64> = net
        .init(seed.wrapping_add(1000))
        .into_iter()
        .enumerate()
        .map(|(k, x)| if k < m { x } else { x * scale_w })
        .collect();
    let method = match trainer {
        Trainer::Gd => Method::gd(),
        Trainer::Sgd => Method::sgd(batch, Sampling::WithoutReplacement),
    };
    let t = train::train(
        &net,
        &theta0,
        &split.train,
        &TrainParams {
            gamma,
            method,
            stop: match trainer {
                Trainer::Gd => p.stop,
                Trainer::Sgd => Stop {
                    max_steps: p.sgd_max_steps,
                    ..p.stop
                },
            },
            seed,
            record_every: 1000,
            sharpness: None,
        },
    )?;
    if t.info.outcome == Outcome::Diverged {
        return Ok(Err(format!("diverged at step {}", t.info.steps)));
    }
    let proj = match polish::project_to_interpolation(&net, &t.theta, &split.train) {
        Ok(x) => x,
        Err(e) => return Ok(Err(format!("not polished ({e})"))),
    };
    let ps = objective::per_sample(&net, &proj.theta, &split.train);
    let samples = Samples::gradients_from_rows(&ps.gradients)?;
    let tol = Tolerances::default();
    let at = |b: BatchSize, s: Sampling| -> Result<Analysis> {
        let inst = Instance::new("section 4 minimum", samples.clone(), gamma, b, s)?;
        Analysis::of(&inst, &tol)
    };
    let a = at(batch, Sampling::WithoutReplacement)?;
    let a1 = at(BatchSize::new(1)?, Sampling::WithReplacement)?;
    Ok(Ok(TrainedMinimum {
        trainer,
        m,
        d,
        seed,
        outcome: t.info.outcome,
        steps: t.info.steps,
        polish_distance: proj.distance,
        norms: Norms::of(&net, &proj.theta),
        trace_h: a.summary.trace_h,
        norm2_h: a.summary.sharpness,
        gamma_exact_b1: a1.mean_square.check.critical_gamma.as_f64(),
        gamma_exact: a.mean_square.check.critical_gamma.as_f64(),
        test_loss: objective::loss(&net, &proj.theta, &split.test),
        residual: proj.residual_after,
    }))
}
