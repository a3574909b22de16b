//! The three experiments on real minima (issue: GD, SGD and SAM on the shipped digits):
//! [`edge`] (GD's sharpness against `2/γ`), [`escape`] (Figures 1–2: SGD leaving GD's minimum,
//! and the linear threshold `γ*_exact` against real escapes), [`sam`] (minima found by SAM, and
//! SAM's own linear stability).
//!
//! Shared here: the [`Setup`] (data, network, initialization) and the analysis of a trained
//! point as a minimum ([`analyze_minimum`]): polished onto the zero-loss set
//! ([`crate::train::polish`]), its per-sample output gradients `g_i` (all `P` coordinates) made
//! an [`crate::Instance`] (`H_i = g_i g_iᵀ`) and analyzed by [`crate::Analysis::of`], which
//! works on the range of `H` itself ([`crate::reduction`]: `r ≤ N` coordinates, every criterion
//! unchanged). Starts next to a minimum are drawn in that range ([`start_in_range`]).

pub mod edge;
pub mod escape;
pub mod sam;
pub mod section4;

use crate::analysis::Analysis;
use crate::criteria::CriticalGamma;
use crate::data::digits::{Centering, Digits, DigitsParams, Resolution, Task};
use crate::data::Split;
use crate::error::{Error, Result};
use crate::instance::{BatchSize, Instance, LearningRate, Samples, Sampling};
use crate::model::{dot, standard_normals, Activation, ScalarModel, TwoLayer};
use crate::reduction::Reduction;
use crate::tolerance::Tolerances;
use crate::train::{objective, polish};
use crate::verdict::{ToTruth, Truth};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The data, the network and its initialization, shared by the experiments.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The shipped digits, which task, which features, how many samples.
    pub digits: DigitsParams,
    /// The width `m` of `h = Σ_j a_j σ(w_jᵀu)`.
    pub width: usize,
    /// `σ`.
    pub activation: Activation,
    /// Every initial parameter is [`TwoLayer::init`]'s times this.
    pub init_scale: f64,
}

impl Default for Setup {
    /// Even against odd digits (`02468:13579`) at 8×8 (centred, `d = 65`), `N = 256` training
    /// and all test images of the task, a tanh network of width 16 (`P = 1056`), initialization
    /// scaled by 0.3. (3 against 8 has only 100 training images in the shipped pool.)
    fn default() -> Self {
        Self {
            digits: DigitsParams {
                task: Task::new(&[0, 2, 4, 6, 8], &[1, 3, 5, 7, 9]).expect("a valid task"),
                resolution: Resolution::Full8x8,
                n_train: 256,
                n_test: None,
                centering: Centering::TrainingPoolMean,
            },
            width: 16,
            activation: Activation::Tanh,
            init_scale: 0.3,
        }
    }
}

/// The loaded data and the network of a [`Setup`].
#[derive(Debug, Clone)]
pub struct Problem {
    /// Train and test sets.
    pub split: Split,
    /// The network.
    pub model: TwoLayer,
    /// The setup it came from, for reports.
    pub setup: Setup,
}

impl Setup {
    /// Load the shipped digits and build the network.
    ///
    /// # Errors
    /// As [`Digits::shipped`] and [`Digits::split`]; [`Error::Input`] on `width` (0) or
    /// `init_scale` (not finite and `> 0`).
    pub fn problem(&self) -> Result<Problem> {
        if !(self.init_scale.is_finite() && self.init_scale > 0.0) {
            return Err(Error::input(
                "init_scale",
                format!("must be a finite number > 0, got {}", self.init_scale),
            ));
        }
        let split = Digits::shipped()?.split(&self.digits)?;
        let model = TwoLayer::new(split.train.d(), self.width, self.activation)?;
        objective::check_dense_hessian(&model).map_err(|e| match e {
            Error::Input { message, .. } => Error::input("width", message),
            other => other,
        })?;
        Ok(Problem {
            split,
            model,
            setup: self.clone(),
        })
    }

    /// One line for reports.
    #[must_use]
    pub fn describe(&self, model: &TwoLayer) -> String {
        format!(
            "digits {} ({} pixels{}, N = {} training images), two-layer {} network of width {} (P = {}), initialization scaled by {}",
            self.digits.task,
            self.digits.resolution,
            match self.digits.centering {
                Centering::TrainingPoolMean => ", centred",
                Centering::None => "",
            },
            self.digits.n_train,
            self.activation,
            self.width,
            model.n_params(),
            self.init_scale
        )
    }
}

impl Problem {
    /// The initial parameters for `seed`.
    #[must_use]
    pub fn init(&self, seed: u64) -> Vec<f64> {
        self.model
            .init(seed)
            .into_iter()
            .map(|x| x * self.setup.init_scale)
            .collect()
    }
}

/// A trained point read as a minimum: the numbers every experiment reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimumReport {
    /// `F` at the trained point.
    pub train_loss: f64,
    /// Test accuracy of `sign h` at the trained point.
    pub test_accuracy: f64,
    /// Test loss `mean ½(h − v)²` at the trained point.
    pub test_loss: f64,
    /// `λ_max(∇²F)` at the trained point (full Hessian).
    pub sharpness_trained: f64,
    /// How far the polish moved it: `‖θ_min − θ_trained‖`.
    pub polish_distance: f64,
    /// `‖θ_trained‖`, the scale of that distance.
    pub theta_norm: f64,
    /// `max_i |e_i|` at the polished point.
    pub residual: f64,
    /// `r`, the dimension of the span of the `g_i` (the rank of `H`, as the analysis found it).
    pub rank: usize,
    /// `λ_max(H)` at the polished minimum.
    pub sharpness: f64,
    /// `tr H`.
    pub trace_h: f64,
    /// `s = √λ_max(Σ)`.
    pub non_uniformity: f64,
    /// `max_i ‖g_i‖² / mean_i ‖g_i‖²`: how much one sample stands out.
    pub max_sample_ratio: f64,
    /// `γ*_exact` at the analysis' `B` and sampling.
    pub gamma_exact: f64,
    /// `2/λ_max(H)`.
    pub gamma_gd: f64,
    /// Theorem 3.3's `γ*`.
    pub gamma_thm33: f64,
    /// `2/tr H`.
    pub gamma_trace: f64,
    /// `ρ(L_γ)` of the `P`-parameter operator at the analysis' `γ`: exactly 1 below `γ*_exact`
    /// (the null directions of `H`), `ρ > 1` above it.
    pub rho: f64,
    /// The exact mean-square verdict at `γ`: `stable`, `unstable` or `boundary`.
    pub verdict: String,
}

/// `γ*` as a number (`∞` unbounded, `0` none accepted).
fn gamma(c: CriticalGamma) -> f64 {
    c.as_f64()
}

/// A trained point polished onto the zero-loss set and analyzed.
#[derive(Debug, Clone)]
pub struct AnalyzedMinimum {
    /// The numbers every experiment reports.
    pub report: MinimumReport,
    /// The polished point `θ*`.
    pub theta: Vec<f64>,
    /// Its instance: the `N` per-sample output gradients `g_i` in all `P` coordinates
    /// (`H_i = g_i g_iᵀ`), at the analysis' `γ`, `B` and sampling.
    pub instance: Instance,
}

/// The minimum near `theta` and its analysis at `γ`, `B`, `sampling`.
///
/// # Errors
/// As [`polish::project_to_interpolation`] (the point cannot be polished), [`Instance::new`]
/// and [`Analysis::of`].
pub fn analyze_minimum(
    problem: &Problem,
    theta: &[f64],
    gamma_at: LearningRate,
    batch: BatchSize,
    sampling: Sampling,
) -> Result<AnalyzedMinimum> {
    let (model, train, test) = (&problem.model, &problem.split.train, &problem.split.test);
    let projection = polish::project_to_interpolation(model, theta, train)?;
    let ps = objective::per_sample(model, &projection.theta, train);
    let samples = Samples::gradients_from_rows(&ps.gradients)?;
    let instance = Instance::new("trained minimum", samples, gamma_at, batch, sampling)?;
    let a = Analysis::of(&instance, &Tolerances::default())?;
    let norms: Vec<f64> = ps.gradients.iter().map(|g| dot(g, g)).collect();
    let mean = norms.iter().sum::<f64>() / norms.len() as f64;
    let report = MinimumReport {
        train_loss: objective::loss(model, theta, train),
        test_accuracy: objective::accuracy(model, theta, test),
        test_loss: objective::loss(model, theta, test),
        sharpness_trained: objective::sharpness(model, theta, train)?,
        polish_distance: projection.distance,
        theta_norm: dot(theta, theta).sqrt(),
        residual: projection.residual_after,
        rank: a.summary.reduction.rank,
        sharpness: a.summary.sharpness,
        trace_h: a.summary.trace_h,
        non_uniformity: a.summary.non_uniformity,
        max_sample_ratio: norms.iter().fold(0.0_f64, |m, x| m.max(*x)) / mean,
        gamma_exact: gamma(a.mean_square.check.critical_gamma),
        gamma_gd: gamma(a.gd.critical_gamma),
        gamma_thm33: gamma(a.thm33.critical_gamma),
        gamma_trace: gamma(a.thm35.check.critical_gamma),
        rho: a.mean_square.check.value,
        verdict: a.mean_square.check.verdict.stability().to_owned(),
    };
    Ok(AnalyzedMinimum {
        report,
        theta: projection.theta,
        instance,
    })
}

/// `θ* + δ` with `‖δ‖ = size` and `δ` uniform on the unit sphere of the range of `H` (the span
/// of the `g_i` of `instance`: the directions where `H` acts; the others are flat and only move
/// along the zero-loss set), from `ChaCha8Rng::seed_from_u64(seed)` on `stream`. The range and
/// its orthonormal basis are the core's ([`Reduction`]).
///
/// # Errors
/// As [`Reduction::of`].
///
/// # Panics
/// If `theta` does not have length `P = instance.d()`.
pub fn start_in_range(
    theta: &[f64],
    instance: &Instance,
    size: f64,
    seed: u64,
    stream: u64,
) -> Result<Vec<f64>> {
    let red = Reduction::of(instance, &Tolerances::default())?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let z = standard_normals(&mut rng, red.info().rank);
    let delta = red.embed(&z);
    let norm = dot(&delta, &delta).sqrt();
    Ok(theta
        .iter()
        .zip(&delta)
        .map(|(t, e)| t + size * e / norm)
        .collect())
}

/// `ρ(L_γ)` of `instance` on the range of its `H` (the reduced operator of
/// [`crate::reduction`]): below `γ*_exact` it says how fast the range contracts, where the full
/// operator's `max(ρ, 1) = 1` only says that the null directions never move.
///
/// # Errors
/// As [`Reduction::of`] and [`crate::mean_square::spectral_radius`].
pub fn rho_on_range(instance: &Instance) -> Result<f64> {
    let red = Reduction::of(instance, &Tolerances::default())?;
    crate::mean_square::spectral_radius(red.instance())
}

/// A closed interval `[lower, upper]` of measured values (a confidence interval, the range a
/// sample covered). Serialized as the array `[lower, upper]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "(f64, f64)")]
pub struct Interval {
    /// The lower end.
    pub lower: f64,
    /// The upper end.
    pub upper: f64,
}

impl From<Interval> for (f64, f64) {
    fn from(i: Interval) -> Self {
        (i.lower, i.upper)
    }
}

/// Linearized SGD on the range of `H` at one setting: the almost-sure side of the mean-square
/// threshold (the top Lyapunov exponent, [`crate::simulate::Lyapunov`]), and how many linearized
/// trajectories reach a relative radius within the steps watched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Linearized {
    /// The top Lyapunov exponent per step, `(1/K) ln(‖x_K‖/‖x_0‖)` averaged over the trials.
    pub lyapunov: f64,
    /// Its Student-t interval (level `1 − α`, `α = 0.05`).
    pub lyapunov_interval: Interval,
    /// Trials whose `‖x_k‖/‖x_0‖` reached the radius within `K` steps.
    pub escaped: usize,
    /// Trials simulated.
    pub trials: usize,
}

/// [`Linearized`] of `instance` (its `γ`, `B`, sampling) on the range of its `H`: `trials`
/// trajectories of `x_{k+1} = (I − γH_{B_k})x_k` from uniformly random unit starts in the range,
/// `steps` steps, escape at `‖x_k‖ ≥ radius` (relative to `‖x_0‖ = 1`), seeded by `seed`.
///
/// # Errors
/// As [`Reduction::of`]; [`Error::Input`] naming the simulation's field if it refuses the
/// parameters (e.g. `trials < 2`).
pub fn linearized_on_range(
    instance: &Instance,
    steps: usize,
    trials: usize,
    radius: f64,
    seed: u64,
) -> Result<Linearized> {
    use crate::simulate::{simulate, RecordGrid, SimParams};
    let red = Reduction::of(instance, &Tolerances::default())?;
    let params = SimParams {
        record: RecordGrid::Decades,
        escape_radius: Some(radius),
        ..SimParams::new(steps, trials, seed)
    };
    let sim =
        simulate(red.instance(), &params).map_err(|e| Error::input(e.field(), e.to_string()))?;
    Ok(Linearized {
        lyapunov: sim.lyapunov.mean,
        lyapunov_interval: Interval {
            lower: sim.lyapunov.lower,
            upper: sim.lyapunov.upper,
        },
        escaped: sim.escape.as_ref().map_or(0, |e| e.escaped()),
        trials,
    })
}

/// Counts of a comparison over runs: how many times a quantity went down, stayed, went up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Tally {
    /// Smaller after than before (beyond the relative margin).
    pub lower: usize,
    /// Within the margin.
    pub same: usize,
    /// Larger.
    pub higher: usize,
}

impl Tally {
    /// Count `after` against `before` with relative margin `rel`.
    #[must_use]
    pub fn of(pairs: impl IntoIterator<Item = (f64, f64)>, rel: f64) -> Self {
        let mut t = Self::default();
        for (before, after) in pairs {
            let m = rel * before.abs().max(after.abs());
            if after < before - m {
                t.lower += 1;
            } else if after > before + m {
                t.higher += 1;
            } else {
                t.same += 1;
            }
        }
        t
    }

    /// Runs counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.lower + self.same + self.higher
    }
}

/// The verdict on a claim of the lecture (or of the literature it cites): how the trained runs
/// stand against it. Its truth ([`ToTruth`]): supported holds, not supported fails, mixed and
/// not tested are undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Every run tested agrees.
    Supported,
    /// Some runs agree, some do not.
    Mixed,
    /// No run agrees.
    NotSupported,
    /// No run could test it (e.g. nothing converged).
    NotTested,
}

impl Support {
    /// From `agree` out of `tested` runs.
    #[must_use]
    pub fn from_counts(agree: usize, tested: usize) -> Self {
        if tested == 0 {
            Self::NotTested
        } else if agree == tested {
            Self::Supported
        } else if agree == 0 {
            Self::NotSupported
        } else {
            Self::Mixed
        }
    }

    /// Words for reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Mixed => "mixed",
            Self::NotSupported => "not supported",
            Self::NotTested => "not tested",
        }
    }
}

impl ToTruth for Support {
    fn truth(&self) -> Truth {
        match self {
            Self::Supported => Truth::Holds,
            Self::NotSupported => Truth::Fails,
            Self::Mixed | Self::NotTested => Truth::Undecided,
        }
    }
}

/// One claim, what was measured, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The claim as the lecture (or the cited paper) makes it.
    pub claim: String,
    /// What the runs measured, with the numbers.
    pub measured: String,
    /// How the measurement stands against the claim.
    pub support: Support,
}

/// Two numbers are "the same" in a [`Tally`] when within this relative margin (0.1%;
/// [`crate::Tolerances::EXPERIMENT_SAME_WITHIN`]).
pub const SAME_WITHIN: f64 = crate::Tolerances::EXPERIMENT_SAME_WITHIN;

/// A progress callback: `(done, total)` units of work.
pub type ProgressCallback<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// The smallest, the median ([`median`]) and the largest of some values; `NaN` throughout for
/// none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// The smallest.
    pub min: f64,
    /// The median (for an even count, the mean of the two middle values).
    pub median: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `x`.
    #[must_use]
    pub fn of(x: &[f64]) -> Self {
        if x.is_empty() {
            return Self {
                min: f64::NAN,
                median: f64::NAN,
                max: f64::NAN,
            };
        }
        Self {
            min: x.iter().copied().fold(f64::INFINITY, f64::min),
            median: median(x.to_vec()),
            max: x.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Every value within a relative `band` of `reference`.
    #[must_use]
    pub fn within(&self, reference: f64, band: f64) -> bool {
        self.min >= reference * (1.0 - band) && self.max <= reference * (1.0 + band)
    }

    /// Serialize as the array `[min, median, max]` (for `#[serde(serialize_with)]`, where a
    /// report has always written it so).
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize_as_array<S: serde::Serializer>(
        spread: &Self,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        (spread.min, spread.median, spread.max).serialize(s)
    }
}

/// The median (`NaN` for no values; the mean of the two middle ones for an even count).
#[must_use]
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = v.len();
    if k % 2 == 1 {
        v[k / 2]
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2])
    }
}

/// `k` evenly spaced numbers from `a` to `b` (both included).
#[must_use]
pub fn linspace(a: f64, b: f64, k: usize) -> Vec<f64> {
    match k {
        0 => Vec::new(),
        1 => vec![a],
        _ => (0..k)
            .map(|i| a + (b - a) * i as f64 / (k - 1) as f64)
            .collect(),
    }
}

/// A local number formatter for the claims' sentences: six significant digits, trailing zeros
/// trimmed, scientific outside `[1e-3, 1e5)` (the renderers in [`crate::report`] format the
/// tables; lower modules do not import them).
#[must_use]
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    let e = x.abs().log10().floor();
    if (-3.0..5.0).contains(&e) {
        let decimals = usize::try_from((5.0 - e) as i64).unwrap_or(0);
        trim(&format!("{x:.decimals$}"))
    } else {
        let s = format!("{x:.5e}");
        let (m, e) = s
            .split_once('e')
            .expect("scientific format has an exponent");
        format!("{}e{e}", trim(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_keeps_six_digits() {
        assert_eq!(num(1.000_234_5), "1.00023");
        assert_eq!(num(1e-6), "1e-6");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(123_456.7), "1.23457e5");
        assert_eq!(num(f64::INFINITY), "∞");
    }

    #[test]
    fn tally_counts_with_a_margin() {
        let t = Tally::of([(1.0, 0.5), (1.0, 1.0005), (1.0, 2.0)], 1e-3);
        assert_eq!((t.lower, t.same, t.higher, t.total()), (1, 1, 1, 3));
    }
}
