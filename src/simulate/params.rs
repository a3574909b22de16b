//! What a simulation is asked to do: the start [`X0`], the recorded steps [`RecordGrid`], the
//! parameters [`SimParams`] and the errors [`SimError`] that name a bad one; their validation.

use super::resources;
use crate::instance::{Instance, Sampling};
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
/// sparse grid ([`RecordGrid::Decades`]) also records, after each of its steps `k`, the first end
/// of an epoch at or after `k` (up to `K`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordGrid {
    /// Every step if `K ≤` [`RecordGrid::AUTO_EVERY_MAX`], else [`RecordGrid::Decades`].
    #[default]
    Auto,
    /// Every step `0..=K`.
    EveryStep,
    /// `0`, then `1, 2, 5` times each power of ten below `K`, and `K`.
    Decades,
}

impl RecordGrid {
    /// Under [`RecordGrid::Auto`], runs of at most this many steps record every step.
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
    pub record: RecordGrid,
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

    /// `steps` steps, `trials` trials, `seed`; a random unit `x_0`, [`RecordGrid::Auto`],
    /// `α = 0.05`, no escape radius.
    #[must_use]
    pub fn new(steps: usize, trials: usize, seed: u64) -> Self {
        Self {
            steps,
            trials,
            seed,
            x0: X0::RandomUnit,
            record: RecordGrid::Auto,
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

/// The recorded steps of `params` for `instance` ([`RecordGrid`]): under random reshuffling with
/// more than one step per epoch, the grid plus the first end of an epoch at or after each of
/// its steps.
pub(super) fn recorded_steps(instance: &Instance, params: &SimParams) -> Vec<usize> {
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

/// Refuse bad parameters and runs over the memory budget, naming the parameter.
pub(super) fn validate(instance: &Instance, params: &SimParams) -> Result<(), SimError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decade_grid() {
        assert_eq!(
            RecordGrid::Decades.steps(1000),
            vec![0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        );
        assert_eq!(RecordGrid::Decades.steps(7), vec![0, 1, 2, 5, 7]);
        assert_eq!(RecordGrid::Auto.steps(3), vec![0, 1, 2, 3]);
        assert_eq!(RecordGrid::Decades.steps(1), vec![0, 1]);
    }
}
