//! Seeded Monte Carlo of linearized SGD, `x_{k+1} = (I − γH_{B_k}) x_k`, and its honest
//! comparison with the exact mean-square prediction `E‖x_k‖² = tr L_γ^k(E[x_0x_0ᵀ])`.
//!
//! # What is simulated
//! `R` independent trajectories of `K` steps ([`simulate`]). Each step draws a minibatch `B_k`
//! of size `B` — a uniform `B`-subset (partial Fisher–Yates) without replacement, `B` uniform
//! draws with replacement, and under random reshuffling the next block of `B` of the epoch's
//! uniformly random permutation (a fresh permutation every `N/B` steps, by continuing one
//! Fisher–Yates shuffle across the epoch) — and applies `I − γH_{B_k}`: dense (`O(B d²)` per
//! step) for Hessians, rank-one `H_Bx = (1/B) Σ g_i (g_iᵀx)` (`O(B d)`) for gradients.
//!
//! # Random reshuffling
//! Its batches are `B`-subsets, so the interval below holds as without replacement. Its exact
//! prediction is the per-epoch operator `L_epoch` of [`crate::mean_square::reshuffling`]:
//! `E‖x_k‖² = tr L_epoch^{k/E}(P_0)` at the ends of epochs only (`k` a multiple of
//! `E = N/B`, the steps per epoch), so only the recorded steps there are tested (the others
//! are [`StepVerdict::NotPredicted`]), and only when the operator can be computed (`N ≤ 8`,
//! or `B = N`); otherwise the simulation runs without a prediction and tests nothing
//! ([`PredictionKind::Unavailable`]). The i.i.d. operator `L_γ` is never used for it.
//!
//! # Reproducibility
//! Trial `r` draws everything (its random `x_0`, its batches) from its own stream:
//! `ChaCha8Rng::seed_from_u64(seed)` with `set_stream(r)`. Trials run in parallel (rayon) and
//! their results are reduced in trial order, so the output is bit-identical whatever the number
//! of threads.
//!
//! # Overflow
//! Trajectories are stored as a direction and a log-scale: `x` is renormalized whenever its norm
//! leaves `[2⁻⁵⁰⁰, 2⁵⁰⁰]` and `ln‖x_k‖²` is accumulated exactly. Nothing overflows, however
//! unstable the instance; every statistic below is computed from `ln‖x_k‖²`. A trajectory that
//! reaches exactly `0` (possible, e.g. `d = 1` with `γH_B = 1`) stays there with
//! `ln‖x_k‖² = −∞`, and is counted ([`Lyapunov::collapsed`]).
//!
//! # Statistics: a bounded-range interval, not a CLT
//! `Y_k = ‖x_k‖²` is heavy-tailed: its relative variance grows like `(ρ₄/ρ²)^k` (`ρ₄` the
//! spectral radius of the fourth-moment operator), so at long horizons the sample mean is
//! dominated by rare trajectories and sits *below* `E Y_k` most of the time, and a normal
//! interval with the sample variance under-covers. We avoid asymptotics altogether. For every
//! batch, `‖I − γH_B‖₂ ≤ μ` with `μ = max(|1 − γℓ|, |1 − γu|)`, where `[ℓ, u]` contains every
//! eigenvalue of every `H_B` (without replacement: `ℓ` = mean of the `B` smallest `λ_min(H_i)`,
//! `u` = mean of the `B` largest `λ_max(H_i)`; with replacement: the smallest and largest
//! single-sample eigenvalues) — see [`step_norm_bound`]. So `0 ≤ Y_k ≤ b_k = μ^{2k}‖x_0‖²`
//! (`‖x_0‖ = 1` for random starts) and the **empirical Bernstein bound** (Maurer & Pontil 2009,
//! Theorem 4) applies to `Z = Y_k/b_k ∈ [0, 1]`: with probability at least `1 − δ`,
//!
//! `|Z̄ − E Z| ≤ √(2 V ln(4/δ)/R) + 7 ln(4/δ)/(3(R − 1))`
//!
//! (`V` the unbiased sample variance; each side at `δ/2`). This holds for every `R ≥ 2`, with
//! no variance assumption, so the heavy tail cannot make it lie: it makes it *wide*, through
//! the range term `7 b_k ln(4/δ)/(3(R − 1))`.
//!
//! # The agreement test and its false-alarm rate
//! The candidate steps are the recorded steps `k ≥ 1` with a prediction (every step, or a 1-2-5
//! grid per decade for long runs; [`Record`]). Each gets the interval above at `δ = α/m` (`m`
//! candidates, Bonferroni), and a prediction is rejected if it lies outside any interval. Whatever the
//! instance, `R`, `K`: **P(rejecting the exact prediction) ≤ α** (default `α = 0.05`), a
//! finite-sample statement. A step whose range term alone exceeds the predicted value is marked
//! [`StepVerdict::Uninformative`] — decided from the prediction and `b_k` before looking at the
//! data — so a report never calls a step "agrees" when the interval could not have said
//! otherwise. That is where heavy tails show: beyond `k ≈ ln(R)/ln(μ²/ρ)` nothing is tested.
//! The test is not vacuous: it rejects the operator with the with-replacement `c = 1/B` on a
//! without-replacement instance at the same `R` (tests/integration/simulate.rs).
//!
//! # Growth rates
//! The mean-square growth rate per step (slope of `ln` of the estimate over the second half of
//! the run) beside `ln ρ(L_γ)`, and the top Lyapunov exponent `(1/K) ln(‖x_K‖/‖x_0‖)` averaged
//! over trials with a Student-t interval (`ln‖x_K‖` is light-tailed: it is a sum of `K` bounded
//! terms, `|ln‖M_B x‖/‖x‖| ≤ ln μ` above; below, it is unbounded only through exact zeros).
//! When the exponent is negative but `ρ > 1`, SGD converges almost surely while `E‖x_k‖²`
//! diverges.
//!
//! | lecture | code |
//! |---|---|
//! | `x_{k+1} = (I − γH_{B_k}) x_k` | [`simulate`] |
//! | `E‖x_k‖² = tr L_γ^k(x_0x_0ᵀ)` (random reshuffling: `tr L_epoch^{k/E}`, `E = N/B`) | [`Prediction`] |
//! | `ρ(L_γ)` | [`crate::mean_square::spectral_radius`] |
//! | `lim (1/k) ln‖x_k‖` (top Lyapunov exponent) | [`Lyapunov`] |

mod compare;
mod kernel;
mod predict;
mod resources;
mod scalar;

pub use compare::{
    compare, Agreement, Comparison, Escape, GrowthRates, StepComparison, StepVerdict, TestVerdict,
};
pub use kernel::step_norm_bound;
pub use predict::{Prediction, PredictionKind};
pub use resources::{resources, Resources};
pub use scalar::{scalar_rates, ScalarRates};

use crate::instance::{BatchSize, Instance, Sampling};
use crate::mean_square::MeanSquareOperator;
use kernel::{Kernel, TrialRecord};
use rayon::prelude::*;
use serde::Serialize;

/// The starting point `x_0`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum X0 {
    /// The same `x_0` in every trial (length `d`, finite, nonzero).
    Given(Vec<f64>),
    /// A uniformly random unit vector, drawn per trial from the trial's stream (so `E[x_0x_0ᵀ]
    /// = I/d`).
    RandomUnit,
}

/// Which steps are recorded (the rows of the report and the candidate steps of the test).
///
/// Under random reshuffling the ends of epochs are where the exact prediction is defined, so a
/// sparse grid ([`Record::Decades`]) also records, after each of its steps `k`, the first end
/// of an epoch at or after `k` (up to `K`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// Every step if `K ≤` [`Record::AUTO_EVERY_MAX`], else [`Record::Decades`].
    #[default]
    Auto,
    /// Every step `0..=K`.
    EveryStep,
    /// `0`, then `1, 2, 5` times each power of ten below `K`, and `K`.
    Decades,
}

impl Record {
    /// Under [`Record::Auto`], runs of at most this many steps record every step.
    pub const AUTO_EVERY_MAX: usize = 100;

    /// The recorded steps of a `steps`-step run, increasing, starting at `0` and ending at
    /// `steps`.
    #[must_use]
    pub fn steps(self, steps: usize) -> Vec<usize> {
        let every = match self {
            Self::EveryStep => true,
            Self::Decades => false,
            Self::Auto => steps <= Self::AUTO_EVERY_MAX,
        };
        if every {
            return (0..=steps).collect();
        }
        let mut out = vec![0];
        let mut p = 1usize;
        'outer: loop {
            for m in [1, 2, 5] {
                let k = m * p;
                if k >= steps {
                    break 'outer;
                }
                out.push(k);
            }
            match p.checked_mul(10) {
                Some(q) => p = q,
                None => break,
            }
        }
        out.push(steps);
        out
    }
}

/// What to simulate and how sure to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimParams {
    /// `K`, the number of steps (`≥ 1`).
    pub steps: usize,
    /// `R`, the number of independent trials (`≥ 2`, for a sample variance).
    pub trials: usize,
    /// The seed of every stream.
    pub seed: u64,
    /// The starting point.
    pub x0: X0,
    /// Which steps are recorded.
    pub record: Record,
    /// `α`: the family-wise false-alarm rate of the agreement test, and `1 − α` the level of
    /// the Lyapunov interval. In `(0, 1)`.
    pub alpha: f64,
    /// If set, the escape radius `r`: each trial's escape time is the first `k` with
    /// `‖x_k‖ ≥ r`.
    pub escape_radius: Option<f64>,
}

impl SimParams {
    /// Default `α`: `0.05`.
    pub const DEFAULT_ALPHA: f64 = 0.05;

    /// `steps` steps, `trials` trials, `seed`; a random unit `x_0`, [`Record::Auto`],
    /// `α = 0.05`, no escape radius.
    #[must_use]
    pub fn new(steps: usize, trials: usize, seed: u64) -> Self {
        Self {
            steps,
            trials,
            seed,
            x0: X0::RandomUnit,
            record: Record::Auto,
            alpha: Self::DEFAULT_ALPHA,
            escape_radius: None,
        }
    }
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// `K = 0`.
    #[error("the number of steps must be at least 1")]
    NoSteps,
    /// `R < 2`.
    #[error("at least 2 trials are needed for a sample variance, got {0}")]
    TooFewTrials(usize),
    /// `x_0` has the wrong length.
    #[error("x0 has length {got}, but the instance has dimension d = {expected}")]
    X0Dimension {
        /// `d`.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// `x_0` has a NaN or infinite entry, or is zero.
    #[error("x0 must be finite and nonzero")]
    X0Degenerate,
    /// `‖x_0‖²` overflows or underflows `f64` (`E‖x_k‖²` is proportional to `‖x_0‖²`, so a
    /// rescaled `x_0` loses nothing). Holds the largest `|x_0|` entry.
    #[error("x0's largest entry is {0:e}, so ‖x0‖² is beyond the f64 range (it must lie in [2.2e-308, 1.8e308]): rescale x0 (E‖x_k‖² is proportional to ‖x0‖², so nothing is lost)")]
    X0Scale(f64),
    /// The run would need more memory or work than its budget ([`resources`]).
    #[error("{message}")]
    Limit {
        /// The parameter that makes it large.
        field: &'static str,
        /// What, how much, and the limit.
        message: String,
    },
    /// `α` outside `(0, 1)`.
    #[error("alpha must lie in (0, 1), got {0}")]
    Alpha(f64),
    /// The escape radius is not finite and positive.
    #[error("the escape radius must be a finite number > 0, got {0}")]
    EscapeRadius(f64),
}

impl SimError {
    /// What kind of error this is.
    #[must_use]
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            Self::NoSteps
            | Self::TooFewTrials(_)
            | Self::X0Degenerate
            | Self::Alpha(_)
            | Self::EscapeRadius(_) => ErrorKind::OutOfRange,
            Self::X0Dimension { .. } => ErrorKind::Shape,
            Self::X0Scale(_) => ErrorKind::NonFinite,
            Self::Limit { .. } => ErrorKind::TooLarge,
        }
    }

    /// The parameter at fault, as named on the command line.
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoSteps => "steps",
            Self::TooFewTrials(_) => "trials",
            Self::X0Dimension { .. } | Self::X0Degenerate | Self::X0Scale(_) => "x0",
            Self::Limit { field, .. } => field,
            Self::Alpha(_) => "alpha",
            Self::EscapeRadius(_) => "escape",
        }
    }
}

/// Per recorded step: the sufficient statistics of `Z = ‖x_k‖²/b_k` over trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepSample {
    /// `k`.
    pub step: usize,
    /// `ln b_k = 2k ln μ + ln‖x_0‖²`, the log of the bound on `‖x_k‖²` (`‖x_0‖ = 1` for random
    /// starts).
    pub ln_range: f64,
    /// `Z̄`, the mean of `‖x_k‖²/b_k ∈ [0, 1]`.
    pub mean_scaled: f64,
    /// The unbiased sample variance of `‖x_k‖²/b_k`.
    pub var_scaled: f64,
    /// The effective sample size `(Σ Y)²/Σ Y²` (`R` when all trials weigh the same, near `1`
    /// when one trajectory dominates the mean); `0` if every `Y = 0`.
    pub effective_trials: f64,
    /// The mean over trials of `ln‖x_k‖²` (the almost-sure curve); `−∞` if a trial reached 0.
    pub mean_ln_norm_sq: f64,
}

impl StepSample {
    /// `ln` of the sample mean of `‖x_k‖²`.
    #[must_use]
    pub fn ln_estimate(&self) -> f64 {
        self.ln_range + self.mean_scaled.ln()
    }
}

/// The top Lyapunov exponent estimate `(1/K) ln(‖x_K‖/‖x_0‖)`, averaged over trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lyapunov {
    /// The mean over the trials that did not reach exactly 0.
    pub mean: f64,
    /// Lower end of the Student-t interval at level `1 − α`.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// `1 − α`.
    pub level: f64,
    /// Trials whose trajectory reached exactly `0` (exponent `−∞`), left out of the mean.
    pub collapsed: usize,
}

/// The escape times of one simulation: first `k` with `‖x_k‖ ≥ r`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeTimes {
    /// `r`.
    pub radius: f64,
    /// Per trial, in trial order; `None` if the trial stayed below `r` for all `K` steps. Not
    /// serialized (it has `R` entries); reports carry the summary ([`Escape`]).
    #[serde(skip_serializing)]
    pub times: Vec<Option<usize>>,
}

impl EscapeTimes {
    /// How many trials escaped within `K` steps.
    #[must_use]
    pub fn escaped(&self) -> usize {
        self.times.iter().flatten().count()
    }

    /// The `q`-quantile (`0 ≤ q ≤ 1`) of the escape time over *all* trials, a non-escape counting
    /// as later than every escape: `None` if that quantile falls among the trials that did not
    /// escape.
    #[must_use]
    pub fn quantile(&self, q: f64) -> Option<usize> {
        let mut t: Vec<usize> = self.times.iter().flatten().copied().collect();
        t.sort_unstable();
        let n = self.times.len();
        if n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n);
        t.get(rank - 1).copied()
    }
}

/// What one simulation measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// `B`.
    pub batch_size: usize,
    /// The sampling scheme.
    pub sampling: Sampling,
    /// `γ`.
    pub gamma: f64,
    /// The parameters it ran with.
    pub params: SimParams,
    /// Whether the rank-one kernel was used.
    pub rank_one: bool,
    /// `μ ≥ ‖I − γH_B‖₂` for every batch ([`step_norm_bound`]).
    pub step_norm_bound: f64,
    /// One row per recorded step.
    pub rows: Vec<StepSample>,
    /// The top Lyapunov exponent over the whole run.
    pub lyapunov: Lyapunov,
    /// Escape times, if an escape radius was given.
    pub escape: Option<EscapeTimes>,
    /// Where the trajectories were run ([`run`]): in the range of the `H_i` (`r < d`, see
    /// [`crate::reduction`]) or in all of `ℝ^d`.
    pub space: SimSpace,
}

/// Where a simulation ran.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SimSpace {
    /// All `d` coordinates.
    Full,
    /// The range of the `H_i` (`r < d`): `x = Uy + z` with `z` in the null directions, which
    /// linearized SGD never moves, so `‖x_k‖² = ‖y_k‖² + ‖z_0‖²`. Every number of the report is
    /// of the range part `y_k`; the random start is a uniform unit vector *in the range*
    /// (`z_0 = 0`), a given start is split.
    Range {
        /// The reduction.
        reduction: crate::reduction::ReductionInfo,
        /// `‖z_0‖²`, the constant part of `‖x_k‖²` in the null directions.
        null_part_sq: f64,
    },
}

/// Simulate `params.trials` trajectories of linearized SGD on `instance` for `params.steps`
/// steps. See the [module documentation](self) for the method.
///
/// # Errors
/// A [`SimError`] naming the bad parameter.
pub fn simulate(instance: &Instance, params: &SimParams) -> Result<Simulation, SimError> {
    simulate_with_progress(instance, params, &|_| {})
}

/// Trials are simulated in chunks of this many.
pub(super) const CHUNK: usize = 512;

/// [`simulate`], calling `progress(t)` after each chunk of `t` finished trials (for a progress
/// bar; it does not affect the result).
///
/// # Errors
/// As [`simulate`].
pub fn simulate_with_progress(
    instance: &Instance,
    params: &SimParams,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Simulation, SimError> {
    validate(instance, params)?;
    let kernel = Kernel::new(instance);
    let recorded = recorded_steps(instance, params);
    let mu = step_norm_bound(instance);
    let ln_x0_sq = match &params.x0 {
        X0::Given(v) => v.iter().map(|x| x * x).sum::<f64>().ln(),
        X0::RandomUnit => 0.0,
    };
    let ln_range: Vec<f64> = recorded
        .iter()
        .map(|&k| {
            if k == 0 {
                ln_x0_sq
            } else {
                2.0 * k as f64 * mu.ln() + ln_x0_sq
            }
        })
        .collect();
    let mut acc = Accumulator::new(recorded.len());
    let mut escapes = Vec::with_capacity(if params.escape_radius.is_some() {
        params.trials
    } else {
        0
    });
    // Chunk c + 1 is simulated while chunk c is folded into the accumulators (in trial
    // order, so the result does not depend on the thread count).
    let mut fold = |trials: Vec<Trial>| {
        for t in &trials {
            acc.add(t, params.steps);
            if params.escape_radius.is_some() {
                escapes.push(t.record.escape);
            }
        }
    };
    let mut pending: Option<Vec<Trial>> = None;
    let mut start = 0;
    while start < params.trials {
        let end = (start + CHUNK).min(params.trials);
        let (records, ()) = rayon::join(
            || {
                (start..end)
                    .into_par_iter()
                    .map(|r| Trial::new(kernel.run_trial(r as u64, params, &recorded), &ln_range))
                    .collect::<Vec<_>>()
            },
            || {
                if let Some(done) = pending.take() {
                    fold(done);
                }
            },
        );
        pending = Some(records);
        progress(end - start);
        start = end;
    }
    if let Some(done) = pending {
        fold(done);
    }
    let rows = recorded
        .iter()
        .enumerate()
        .map(|(j, &k)| acc.row(j, k, ln_range[j]))
        .collect();
    let lyapunov = acc.lyapunov(params.alpha);
    Ok(Simulation {
        name: instance.name().to_owned(),
        n: instance.n(),
        d: instance.d(),
        batch_size: instance.batch_size().get(),
        sampling: instance.sampling(),
        gamma: instance.gamma().get(),
        params: params.clone(),
        rank_one: kernel.is_rank_one(),
        step_norm_bound: mu,
        rows,
        lyapunov,
        escape: params.escape_radius.map(|radius| EscapeTimes {
            radius,
            times: escapes,
        }),
        space: SimSpace::Full,
    })
}

/// Simulate `instance`, predict with its own exact operator at the recorded steps, and compare
/// ([`compare`]), with `ρ` per step for the growth rates.
///
/// The operator: under the i.i.d. schemes `L_γ` ([`MeanSquareOperator::of`]) at every recorded
/// step. Under random reshuffling the per-epoch operator
/// ([`crate::mean_square::reshuffling::epoch_operator`]) at the recorded steps that end an
/// epoch (`k` a multiple of `E = N/B`), with `ρ(L_epoch)^{1/E}` per step, when
/// [`crate::mean_square::reshuffling::feasibility`] allows it; otherwise no prediction
/// ([`PredictionKind::Unavailable`], saying why): the simulation runs and nothing is tested.
///
/// # Errors
/// [`crate::Error::Input`] naming the bad parameter ([`SimError::field`]);
/// [`crate::Error::Limit`] when the run needs more memory than the current
/// [`crate::limits::MemoryBudget`] or more work than [`crate::limits::WorkBudget::DEFAULT`]
/// ([`resources`]); a numerical failure of the spectral radius.
pub fn run(
    instance: &Instance,
    params: &SimParams,
    progress: &(dyn Fn(usize) + Sync),
) -> crate::Result<Comparison> {
    let fail = |e: SimError| crate::Error::invalid(e.kind(), e.field(), &e);
    validate(instance, params).map_err(fail)?;
    // The trajectories run on the range of the H_i, at a safe scale (crate::reduction): the
    // null directions never move, and γH_B is unchanged by the rescaling.
    let red = crate::reduction::Reduction::of(instance, &crate::Tolerances::default())?;
    let reduced = red.instance();
    let mut sub = params.clone();
    let mut null_part_sq = 0.0;
    if red.has_null_part() {
        if let X0::Given(x) = &params.x0 {
            let (y, z2) = red.split(x);
            let (y2, x2): (f64, f64) =
                (y.iter().map(|v| v * v).sum(), x.iter().map(|v| v * v).sum());
            let tol = crate::Tolerances::default().null_space;
            if y2.sqrt() <= tol.at_scale(x2.sqrt()) {
                return Err(crate::Error::invalid(crate::error::ErrorKind::OutOfRange,
                    "x0",
                    format!(
                        "x0 lies in the null space of every H_i (its part in their range is {:.1e} of its norm, at most the null-space tolerance {:e}): linearized SGD never moves it (‖x_k‖ = ‖x_0‖ for every k), so there is nothing to simulate",
                        (y2 / x2).sqrt(),
                        tol.value()
                    ),
                ));
            }
            null_part_sq = z2;
            sub.x0 = X0::Given(y);
            // ‖x_k‖ ≥ r ⇔ ‖y_k‖² ≥ r² − ‖z_0‖².
            sub.escape_radius = params
                .escape_radius
                .map(|r| (r * r - z2).max(0.0).sqrt().max(f64::MIN_POSITIVE));
        }
    }
    // The budgets are those of the simulation that runs: the reduced one.
    let need = resources(reduced, &sub);
    crate::limits::MemoryBudget::current().check(need.memory_field, "simulating", need.memory)?;
    crate::limits::WorkBudget::default().check(
        "steps/trials",
        format!(
            "simulating {} trials of {} steps (B = {}, in r = {} of d = {} dimensions)",
            params.trials,
            params.steps,
            instance.batch_size().get(),
            reduced.d(),
            instance.d()
        ),
        need.work,
        "ask for fewer trials or steps",
    )?;
    let sim = simulate_with_progress(reduced, &sub, progress).map_err(fail)?;
    let mut c = match reduced.sampling() {
        Sampling::WithoutReplacement | Sampling::WithReplacement => {
            let op = MeanSquareOperator::of(reduced)?;
            let prediction = Prediction::for_simulation(&op, &sim);
            let rho = crate::mean_square::spectral_radius(reduced)?;
            compare(sim, prediction, Some(rho.ln()))
        }
        Sampling::RandomReshuffling => {
            use crate::mean_square::reshuffling;
            let (n, b) = (reduced.n(), reduced.batch_size().get());
            match reshuffling::feasibility(n, reduced.d(), b) {
                Ok(_) => {
                    let k = n / b;
                    let epoch = reshuffling::epoch_operator(reduced, b, reduced.gamma().get())?;
                    let rho = crate::linalg::sym_lambda_max(epoch.as_ref())?.unwrap_or(0.0);
                    let prediction = Prediction::per_epoch(epoch.as_ref(), k, &sim);
                    compare(sim, prediction, Some(rho.ln() / k as f64))
                }
                Err(why) => {
                    let prediction = Prediction::unavailable(why.to_string(), &sim);
                    compare(sim, prediction, None)
                }
            }
        }
    };
    // Report the input's setting: its γ, d, start and escape radius.
    let s = &mut c.simulation;
    s.gamma = instance.gamma().get();
    s.d = instance.d();
    if red.has_null_part() {
        s.space = SimSpace::Range {
            reduction: red.info(),
            null_part_sq,
        };
        s.params.x0 = params.x0.clone();
        if let (Some(e), Some(r)) = (&mut s.escape, params.escape_radius) {
            e.radius = r;
        }
        s.params.escape_radius = params.escape_radius;
    }
    Ok(c)
}

/// The same samples and `γ` under full-batch gradient descent (`B = N`, without replacement:
/// every step applies `I − γH`), for the escape picture.
#[must_use]
pub fn gradient_descent(instance: &Instance) -> Instance {
    let n = BatchSize::new(instance.n()).expect("N ≥ 1");
    instance
        .clone()
        .with_batch(n, Sampling::WithoutReplacement)
        .expect("B = N is a valid batch size")
}

/// The recorded steps of `params` for `instance` ([`Record`]): under random reshuffling with
/// more than one step per epoch, the grid plus the first end of an epoch at or after each of
/// its steps.
fn recorded_steps(instance: &Instance, params: &SimParams) -> Vec<usize> {
    let mut steps = params.record.steps(params.steps);
    let per_epoch = instance.n() / instance.batch_size().get();
    if instance.sampling() == Sampling::RandomReshuffling && per_epoch > 1 {
        let ends: Vec<usize> = steps
            .iter()
            .map(|&k| k.div_ceil(per_epoch) * per_epoch)
            .filter(|&k| k <= params.steps)
            .collect();
        steps.extend(ends);
        steps.sort_unstable();
        steps.dedup();
    }
    steps
}

fn validate(instance: &Instance, params: &SimParams) -> Result<(), SimError> {
    if params.steps == 0 {
        return Err(SimError::NoSteps);
    }
    if params.trials < 2 {
        return Err(SimError::TooFewTrials(params.trials));
    }
    if let X0::Given(v) = &params.x0 {
        if v.len() != instance.d() {
            return Err(SimError::X0Dimension {
                expected: instance.d(),
                got: v.len(),
            });
        }
        if v.iter().any(|x| !x.is_finite()) || v.iter().all(|&x| x == 0.0) {
            return Err(SimError::X0Degenerate);
        }
        let norm_sq = v.iter().map(|x| x * x).sum::<f64>();
        if !(norm_sq.is_finite() && norm_sq >= f64::MIN_POSITIVE) {
            return Err(SimError::X0Scale(
                v.iter().fold(0.0_f64, |m, x| m.max(x.abs())),
            ));
        }
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(SimError::Alpha(params.alpha));
    }
    if let Some(r) = params.escape_radius {
        if !(r.is_finite() && r > 0.0) {
            return Err(SimError::EscapeRadius(r));
        }
    }
    let need = resources(instance, params);
    let limit = crate::limits::MemoryBudget::current().get();
    if need.memory > u128::from(limit) {
        return Err(SimError::Limit {
            field: need.memory_field,
            message: format!(
                "simulating needs {} of memory, more than the limit of {}",
                crate::limits::bytes(need.memory),
                crate::limits::bytes(u128::from(limit))
            ),
        });
    }
    Ok(())
}

/// One trial's record with `Z = ‖x_k‖²/b_k ∈ [0, 1]` at each recorded step (`b_k` the bound
/// `μ^(2k)‖x_0‖²`), computed in the parallel part: one `exp` per trial-step that the in-order
/// fold no longer pays.
struct Trial {
    record: TrialRecord,
    scaled: Vec<f64>,
}

impl Trial {
    fn new(record: TrialRecord, ln_range: &[f64]) -> Self {
        let scaled = record
            .ln_norm_sq
            .iter()
            .zip(ln_range)
            .map(|(&l, &lb)| {
                // Clamp the rounding of ‖x‖ ≤ μ^k‖x_0‖.
                if l == f64::NEG_INFINITY {
                    0.0
                } else {
                    (l - lb).exp().min(1.0)
                }
            })
            .collect();
        Self { record, scaled }
    }
}

/// Welford accumulators over trials, fed in trial order.
struct Accumulator {
    count: usize,
    /// Per recorded step: mean and sum of squared deviations of `Z`, sum of `Z²`, sum of
    /// `ln‖x‖²`.
    mean: Vec<f64>,
    m2: Vec<f64>,
    sum_sq: Vec<f64>,
    sum_ln: Vec<f64>,
    lyap_count: usize,
    lyap_mean: f64,
    lyap_m2: f64,
    collapsed: usize,
}

impl Accumulator {
    fn new(m: usize) -> Self {
        Self {
            count: 0,
            mean: vec![0.0; m],
            m2: vec![0.0; m],
            sum_sq: vec![0.0; m],
            sum_ln: vec![0.0; m],
            lyap_count: 0,
            lyap_mean: 0.0,
            lyap_m2: 0.0,
            collapsed: 0,
        }
    }

    fn add(&mut self, trial: &Trial, steps: usize) {
        let rec = &trial.record;
        self.count += 1;
        let n = self.count as f64;
        for (j, (&l, &z)) in rec.ln_norm_sq.iter().zip(&trial.scaled).enumerate() {
            let delta = z - self.mean[j];
            self.mean[j] += delta / n;
            self.m2[j] += delta * (z - self.mean[j]);
            self.sum_sq[j] += z * z;
            self.sum_ln[j] += l;
        }
        let (first, last) = (rec.ln_norm_sq[0], rec.ln_norm_sq[rec.ln_norm_sq.len() - 1]);
        if last == f64::NEG_INFINITY {
            self.collapsed += 1;
        } else {
            let e = (last - first) / (2.0 * steps as f64);
            self.lyap_count += 1;
            let delta = e - self.lyap_mean;
            self.lyap_mean += delta / self.lyap_count as f64;
            self.lyap_m2 += delta * (e - self.lyap_mean);
        }
    }

    fn row(&self, j: usize, step: usize, ln_range: f64) -> StepSample {
        let n = self.count as f64;
        let sum = self.mean[j] * n;
        StepSample {
            step,
            ln_range,
            mean_scaled: self.mean[j],
            var_scaled: (self.m2[j] / (n - 1.0)).max(0.0),
            effective_trials: if self.sum_sq[j] > 0.0 {
                sum * sum / self.sum_sq[j]
            } else {
                0.0
            },
            mean_ln_norm_sq: self.sum_ln[j] / n,
        }
    }

    fn lyapunov(&self, alpha: f64) -> Lyapunov {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let n = self.lyap_count;
        let (lower, upper) = if n >= 2 {
            let se = (self.lyap_m2 / (n as f64 - 1.0) / n as f64).max(0.0).sqrt();
            let t = StudentsT::new(0.0, 1.0, n as f64 - 1.0)
                .expect("n − 1 ≥ 1 degrees of freedom")
                .inverse_cdf(1.0 - alpha / 2.0);
            (self.lyap_mean - t * se, self.lyap_mean + t * se)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        Lyapunov {
            mean: if n == 0 {
                f64::NEG_INFINITY
            } else {
                self.lyap_mean
            },
            lower,
            upper,
            level: 1.0 - alpha,
            collapsed: self.collapsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decade_grid() {
        assert_eq!(
            Record::Decades.steps(1000),
            vec![0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        );
        assert_eq!(Record::Decades.steps(7), vec![0, 1, 2, 5, 7]);
        assert_eq!(Record::Auto.steps(3), vec![0, 1, 2, 3]);
        assert_eq!(Record::Decades.steps(1), vec![0, 1]);
    }

    #[test]
    fn escape_quantiles_count_non_escapes_as_late() {
        let e = EscapeTimes {
            radius: 1.0,
            times: vec![Some(3), None, Some(1), None],
        };
        assert_eq!(e.escaped(), 2);
        assert_eq!(e.quantile(0.5), Some(3));
        assert_eq!(e.quantile(0.75), None);
        assert_eq!(e.quantile(0.25), Some(1));
    }
}
