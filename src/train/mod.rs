//! Trainers for the squared loss on a [`Dataset`]: GD, SGD (without or with replacement, or
//! random reshuffling) and SAM in three variants, seeded, run until the training loss is below a
//! stated level or a step budget is spent, with the loss curve recorded.
//!
//! Every method is `θ_{k+1} = θ_k − γ·d_k` with `d_k` an average over the batch `B_k`
//! ([`Batches`]: all `N` samples for GD, a random minibatch for SGD):
//!
//! | [`Update`] | `d_k` |
//! |---|---|
//! | `Gradient` | `(1/B) Σ_{ξ∈B_k} ∇F(θ_k, ξ)` — GD / SGD, eq. (2) |
//! | `Sam(PerSampleNormalized)` | `(1/B) Σ_{ξ∈B_k} ∇F(θ_k + ε_ξ, ξ)`, `ε_ξ = ρ ∇F(θ_k, ξ)/‖∇F(θ_k, ξ)‖` — eq. (56) as printed |
//! | `Sam(BatchNormalized)` | `(1/B) Σ_{ξ∈B_k} ∇F(θ_k + ε, ξ)`, `ε = ρ g_B/‖g_B‖`, `g_B = (1/B) Σ ∇F(θ_k, ξ)` — Foret et al. (2021) |
//! | `Sam(Unnormalized)` | as above with `ε = ρ g_B` (no normalization) |
//!
//! A zero gradient gives `ε = 0` (the normalized ascent is undefined there). Randomness:
//! `ChaCha8Rng::seed_from_u64(seed)` draws the batches, nothing else is random.
//!
//! [`sam_stability`] derives the linear stability of unnormalized SAM on a quadratic.

pub mod objective;
pub mod polish;
pub mod sam_stability;
mod sampler;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::instance::{BatchSize, LearningRate, Sampling};
use crate::model::{check_theta, distance, norm, ScalarModel};
use objective::{batch_gradient, sample_gradient};
use sampler::BatchSampler;
use serde::Serialize;
use std::fmt;

/// Which samples each step averages over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batches {
    /// All `N` samples, every step (GD, full-batch SAM).
    Full,
    /// A random minibatch of `B` samples drawn by the sampling scheme, every step.
    Random(BatchSize, Sampling),
}

/// SAM's ascent step `ε` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SamAscent {
    /// Eq. (56) as printed: each sample's own normalized gradient, `ε_ξ = ρ ∇F(θ, ξ)/‖∇F(θ, ξ)‖`.
    PerSampleNormalized,
    /// Foret et al.: the batch gradient, normalized, `ε = ρ g_B/‖g_B‖`.
    BatchNormalized,
    /// Unnormalized: `ε = ρ g_B`.
    Unnormalized,
}

impl SamAscent {
    /// Short name for tables.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PerSampleNormalized => "SAM eq. (56)",
            Self::BatchNormalized => "SAM (Foret)",
            Self::Unnormalized => "SAM unnormalized",
        }
    }
}

/// SAM's radius `ρ`: finite and `> 0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct SamRadius(f64);

impl SamRadius {
    /// A radius.
    ///
    /// # Errors
    /// [`Error::Input`] on `rho` unless `rho` is finite and `> 0`.
    pub fn new(rho: f64) -> Result<Self> {
        if rho.is_finite() && rho > 0.0 {
            Ok(Self(rho))
        } else {
            Err(Error::input(
                "rho",
                format!("SAM's radius must be a finite number > 0, got {rho}"),
            ))
        }
    }

    /// `ρ`.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The update direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    /// The batch gradient (GD, SGD).
    Gradient,
    /// SAM's gradient at the ascended point.
    Sam(SamAscent, SamRadius),
}

/// A training method: its update and its batches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Method {
    /// The direction.
    pub update: Update,
    /// The batches.
    pub batches: Batches,
}

impl Method {
    /// Full-batch gradient descent.
    #[must_use]
    pub fn gd() -> Self {
        Self {
            update: Update::Gradient,
            batches: Batches::Full,
        }
    }

    /// Minibatch SGD.
    #[must_use]
    pub fn sgd(batch: BatchSize, sampling: Sampling) -> Self {
        Self {
            update: Update::Gradient,
            batches: Batches::Random(batch, sampling),
        }
    }

    /// SAM with the given ascent, radius and batches.
    #[must_use]
    pub fn sam(ascent: SamAscent, rho: SamRadius, batches: Batches) -> Self {
        Self {
            update: Update::Sam(ascent, rho),
            batches,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let batch = match self.batches {
            Batches::Full => "full batch".to_owned(),
            Batches::Random(b, s) => format!("B = {}, {s}", b.get()),
        };
        match (self.update, self.batches) {
            (Update::Gradient, Batches::Full) => f.write_str("GD"),
            (Update::Gradient, _) => write!(f, "SGD ({batch})"),
            (Update::Sam(a, rho), _) => write!(f, "{} (ρ = {}, {batch})", a.as_str(), rho.get()),
        }
    }
}

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    /// Stop once the training loss `F(θ_k)` is at most this (`0`: never early). Checked every
    /// step for full batches, at the recorded steps otherwise.
    pub target_loss: f64,
    /// Stop after this many steps.
    pub max_steps: usize,
}

/// Everything a training run needs besides the model, the start and the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainParams {
    /// `γ`.
    pub gamma: LearningRate,
    /// GD, SGD or SAM.
    pub method: Method,
    /// When to stop.
    pub stop: Stop,
    /// The seed of the batch sampler.
    pub seed: u64,
    /// Record the training loss (and the distance from the start) every this many steps (and at
    /// the first and last step).
    pub record_every: usize,
    /// Also record the sharpness `λ_max(∇²F(θ_k))` on this schedule, and at the last step (a
    /// `P×P` eigenvalue problem each time).
    pub sharpness: Option<Schedule>,
}

/// When to record something costly along a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// At every `k` that is a multiple of this (`≥ 1`).
    Every(usize),
    /// At `k = 0`, then at the first `k ≥ ratio·k_prev` (and `≥ k_prev + 1`): about
    /// `ln(K)/ln(ratio)` records over `K` steps, dense early, where things change fastest.
    Geometric(f64),
}

impl Schedule {
    /// The first recorded step after `k`.
    fn next_after(self, k: usize) -> usize {
        match self {
            Self::Every(e) => (k / e + 1) * e,
            Self::Geometric(r) => ((k as f64 * r).ceil() as usize).max(k + 1),
        }
    }

    fn valid(self) -> bool {
        match self {
            Self::Every(e) => e >= 1,
            Self::Geometric(r) => r.is_finite() && r > 1.0,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The training loss reached the target.
    Interpolated,
    /// The step budget ran out first.
    BudgetSpent,
    /// The loss or the parameters left the floating-point range, or the loss exceeded
    /// [`DIVERGED_FACTOR`] times its starting value.
    Diverged,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Interpolated => "interpolated",
            Self::BudgetSpent => "budget spent",
            Self::Diverged => "diverged",
        })
    }
}

/// A run is called diverged once its loss exceeds this times `max(1, F(θ_0))`.
pub const DIVERGED_FACTOR: f64 = 1e12;

/// One recorded step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Record {
    /// `k`.
    pub step: usize,
    /// `F(θ_k)` over the whole training set.
    pub loss: f64,
    /// `‖θ_k − θ_0‖`.
    pub distance: f64,
}

/// A quantity recorded at step `k` of a run (the sharpness `λ_max(∇²F(θ_k))`, a loss).
/// Serialized as the array `[k, value]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "(usize, f64)")]
pub struct StepValue {
    /// `k`.
    pub step: usize,
    /// The quantity at step `k`.
    pub value: f64,
}

impl From<StepValue> for (usize, f64) {
    fn from(v: StepValue) -> Self {
        (v.step, v.value)
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainInfo {
    /// Steps taken.
    pub steps: usize,
    /// `F` at the end.
    pub final_loss: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// The loss curve.
    pub curve: Vec<Record>,
    /// `λ_max(∇²F(θ_k))` at the steps `k` of the schedule, when asked for.
    pub sharpness: Vec<StepValue>,
}

/// The end point and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// `θ` at the end.
    pub theta: Vec<f64>,
    /// The run.
    pub info: TrainInfo,
}

fn validate(model: &dyn ScalarModel, theta: &[f64], data: &Dataset, p: &TrainParams) -> Result<()> {
    check_theta(model, theta)?;
    if data.d() != model.input_dim() {
        return Err(Error::input(
            "inputs",
            format!(
                "the data has d = {} inputs, the model expects {}",
                data.d(),
                model.input_dim()
            ),
        ));
    }
    if !(p.stop.target_loss >= 0.0 && p.stop.target_loss.is_finite()) {
        return Err(Error::input(
            "target_loss",
            format!("must be a finite number ≥ 0, got {}", p.stop.target_loss),
        ));
    }
    if p.record_every == 0 {
        return Err(Error::input(
            "record_every",
            "the recording interval must be at least 1 step",
        ));
    }
    if p.sharpness.is_some_and(|s| !s.valid()) {
        return Err(Error::input(
            "sharpness",
            "a schedule records every k ≥ 1 steps, or geometrically with a ratio > 1",
        ));
    }
    if let Batches::Random(b, s) = p.method.batches {
        let (n, b) = (data.n(), b.get());
        if s.batch_is_subset() && b > n {
            return Err(Error::input(
                "batch_size",
                format!("B = {b} exceeds N = {n}; {s} draws a B-subset"),
            ));
        }
        if s == Sampling::RandomReshuffling && n % b != 0 {
            return Err(Error::input(
                "batch_size",
                format!("B = {b} does not divide N = {n}, as random_reshuffling requires"),
            ));
        }
    }
    Ok(())
}

/// Train `model` from `theta0` on `data`.
///
/// # Errors
/// [`Error::Input`] on `theta` (wrong length, non-finite), `inputs` (dimension), `target_loss`,
/// `record_every` or `batch_size` (larger than `N` for a subset scheme, not dividing `N` for
/// random reshuffling); a numerical failure of a sharpness computation.
pub fn train(
    model: &dyn ScalarModel,
    theta0: &[f64],
    data: &Dataset,
    params: &TrainParams,
) -> Result<Trained> {
    validate(model, theta0, data, params)?;
    let p = model.n_params();
    let gamma = params.gamma.get();
    let all: Vec<usize> = (0..data.n()).collect();
    let mut sampler = match params.method.batches {
        Batches::Full => None,
        Batches::Random(b, s) => Some(BatchSampler::new(data.n(), b.get(), s, params.seed)),
    };
    let mut theta = theta0.to_vec();
    let (mut dir, mut scratch, mut ascended, mut g_batch) =
        (vec![0.0; p], vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    let mut batch: Vec<usize> = Vec::new();
    let cap = DIVERGED_FACTOR * objective::loss(model, &theta, data).max(1.0);
    let full_gradient = params.method.update == Update::Gradient && sampler.is_none();
    let (every, max_steps) = (params.record_every, params.stop.max_steps);
    let mut info = TrainInfo {
        steps: 0,
        final_loss: f64::NAN,
        outcome: Outcome::BudgetSpent,
        curve: Vec::new(),
        sharpness: Vec::new(),
    };
    let mut next_sharpness = 0;
    let mut k = 0;
    loop {
        // F(θ_k): with the gradient for GD (every step), else at the recorded steps.
        let loss_k = if full_gradient {
            Some(batch_gradient(
                model,
                &theta,
                data,
                &all,
                &mut dir,
                &mut scratch,
            ))
        } else if k % every == 0 || k == max_steps {
            Some(objective::loss(model, &theta, data))
        } else {
            None
        };
        let stop = loss_k
            .and_then(|l| {
                if !l.is_finite() || l > cap || theta.iter().any(|x| !x.is_finite()) {
                    Some(Outcome::Diverged)
                } else if l <= params.stop.target_loss {
                    Some(Outcome::Interpolated)
                } else {
                    None
                }
            })
            .or((k == max_steps).then_some(Outcome::BudgetSpent));
        if let Some(l) = loss_k {
            if k % every == 0 || stop.is_some() {
                info.curve.push(Record {
                    step: k,
                    loss: l,
                    distance: distance(&theta, theta0),
                });
            }
        }
        if let Some(s) = params.sharpness {
            if (k == next_sharpness || stop.is_some()) && stop != Some(Outcome::Diverged) {
                info.sharpness.push(StepValue {
                    step: k,
                    value: objective::sharpness(model, &theta, data)?,
                });
                next_sharpness = s.next_after(k);
            }
        }
        if let Some(o) = stop {
            info.outcome = o;
            break;
        }
        if !full_gradient {
            let b: &[usize] = match sampler.as_mut() {
                None => &all,
                Some(s) => {
                    s.next(&mut batch);
                    &batch
                }
            };
            match params.method.update {
                Update::Gradient => {
                    batch_gradient(model, &theta, data, b, &mut dir, &mut scratch);
                }
                Update::Sam(ascent, rho) => sam_direction(
                    model,
                    &theta,
                    data,
                    b,
                    ascent,
                    rho.get(),
                    [&mut dir, &mut scratch, &mut ascended, &mut g_batch],
                ),
            }
        }
        theta
            .iter_mut()
            .zip(&dir)
            .for_each(|(t, d)| *t -= gamma * d);
        k += 1;
    }
    info.steps = k;
    info.final_loss = info.curve.last().map_or(f64::NAN, |r| r.loss);
    Ok(Trained { theta, info })
}

/// SAM's direction `d_k` into `bufs[0]` (the others are scratch).
fn sam_direction(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
    batch: &[usize],
    ascent: SamAscent,
    rho: f64,
    bufs: [&mut Vec<f64>; 4],
) {
    let [dir, scratch, ascended, g_batch] = bufs;
    let inv = 1.0 / batch.len() as f64;
    let add_at = |point: &[f64], i: usize, dir: &mut Vec<f64>, scratch: &mut Vec<f64>| {
        sample_gradient(model, point, data, i, scratch);
        dir.iter_mut()
            .zip(scratch.iter())
            .for_each(|(d, s)| *d += inv * s);
    };
    dir.iter_mut().for_each(|x| *x = 0.0);
    match ascent {
        SamAscent::PerSampleNormalized => {
            for &i in batch {
                sample_gradient(model, theta, data, i, g_batch);
                let n = norm(g_batch);
                let s = if n > 0.0 { rho / n } else { 0.0 };
                for ((a, t), g) in ascended.iter_mut().zip(theta).zip(g_batch.iter()) {
                    *a = t + s * g;
                }
                add_at(ascended, i, dir, scratch);
            }
        }
        SamAscent::BatchNormalized | SamAscent::Unnormalized => {
            batch_gradient(model, theta, data, batch, g_batch, scratch);
            let s = match ascent {
                SamAscent::Unnormalized => rho,
                _ => {
                    let n = norm(g_batch);
                    if n > 0.0 {
                        rho / n
                    } else {
                        0.0
                    }
                }
            };
            for ((a, t), g) in ascended.iter_mut().zip(theta).zip(g_batch.iter()) {
                *a = t + s * g;
            }
            for &i in batch {
                add_at(ascended, i, dir, scratch);
            }
        }
    }
}
