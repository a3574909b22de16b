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
//! grid per decade for long runs; [`RecordGrid`]). Each gets the interval above at `δ = α/m` (`m`
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

mod accumulate;
mod compare;
mod kernel;
mod params;
mod predict;
mod resources;
mod scalar;

pub use compare::{
    compare, Agreement, Comparison, Escape, GrowthRates, StepComparison, StepVerdict, StepWindow,
    TestVerdict,
};
pub use kernel::step_norm_bound;
pub use params::{RecordGrid, SimError, SimParams, X0};
pub use predict::{Prediction, PredictionKind};
pub use resources::{resources, Resources};
pub use scalar::{scalar_rates, ScalarRates};

use crate::instance::{BatchSize, Instance, Sampling};
use crate::mean_square::MeanSquareOperator;
use accumulate::{Accumulator, Trial};
use kernel::Kernel;
use params::{recorded_steps, validate};
use rayon::prelude::*;
use serde::Serialize;

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

#[cfg(test)]
mod tests {
    use super::*;

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
