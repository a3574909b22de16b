//! The simulation against the exact prediction: per-step empirical Bernstein intervals, the
//! Bonferroni agreement test, growth rates, and the escape summary.

use super::{EscapeTimes, Lyapunov, Prediction, Simulation};
use crate::verdict::{ToTruth, Truth};
use serde::Serialize;

/// One recorded step, measured and predicted. Values are kept as natural logarithms (they may
/// exceed the range of `f64`); `−∞` stands for `0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepComparison {
    /// `k`.
    pub step: usize,
    /// `ln` of the sample mean of `‖x_k‖²`.
    pub ln_estimate: f64,
    /// `ln` of the lower end of the interval for `E‖x_k‖²`.
    pub ln_lower: f64,
    /// `ln` of the upper end.
    pub ln_upper: f64,
    /// `ln tr L^k(P_0)`; `None` where the prediction is not defined (under random reshuffling
    /// between the ends of epochs, or everywhere after step 0 when no prediction is available).
    pub ln_predicted: Option<f64>,
    /// `(Σ Y)²/Σ Y²` over trials: how many trials effectively carry the mean.
    pub effective_trials: f64,
    /// Mean over trials of `ln‖x_k‖²` (almost-sure behaviour).
    pub mean_ln_norm_sq: f64,
    /// Whether the interval's range term (its data-free part) is at most the prediction, so
    /// that "agrees" means something here. Decided before looking at the data.
    pub informative: bool,
    /// The verdict at this step.
    pub verdict: StepVerdict,
}

/// The verdict of the agreement test at one step (the claim: the exact prediction lies in the
/// step's interval). Its truth ([`ToTruth`]): agrees holds, disagrees fails, the others are
/// undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepVerdict {
    /// Step 0: `x_0` is known, nothing to test.
    Start,
    /// The prediction lies in the interval, and the interval's data-free part (its range term)
    /// is below the prediction, so it could have said otherwise.
    Agrees,
    /// The prediction lies outside the interval: rejected.
    Disagrees,
    /// The prediction lies in the interval, but the range term alone exceeds it: heavy tails
    /// make this step uninformative at this number of trials.
    Uninformative,
    /// No exact prediction at this step: measured, not tested.
    NotPredicted,
}

/// The verdict of the agreement test over every step (the claim: the simulation agrees with
/// the exact prediction). Its truth ([`ToTruth`]): consistent holds, rejected fails, untested
/// is undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestVerdict {
    /// No step disagrees and at least one was informative.
    Consistent,
    /// Some step disagrees: the prediction is rejected at family-wise level `α`.
    Rejected,
    /// No step disagrees, but none was informative (or no step had a prediction).
    Untested,
}

impl TestVerdict {
    /// The word in reports: `consistent`, `rejected`, `untested` (as serialized).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consistent => "consistent",
            Self::Rejected => "rejected",
            Self::Untested => "untested",
        }
    }
}

impl ToTruth for StepVerdict {
    fn truth(&self) -> Truth {
        match self {
            Self::Agrees => Truth::Holds,
            Self::Disagrees => Truth::Fails,
            Self::Start | Self::Uninformative | Self::NotPredicted => Truth::Undecided,
        }
    }
}

impl ToTruth for TestVerdict {
    fn truth(&self) -> Truth {
        match self {
            Self::Consistent => Truth::Holds,
            Self::Rejected => Truth::Fails,
            Self::Untested => Truth::Undecided,
        }
    }
}

/// The agreement test over every recorded step `k ≥ 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Agreement {
    /// The family-wise false-alarm rate: P(rejecting the exact prediction) `≤ α`.
    pub alpha: f64,
    /// `m`, the number of steps tested — the recorded steps `k ≥ 1` with a prediction
    /// (Bonferroni: each at `α/m`).
    pub candidates: usize,
    /// Steps whose range term is below the prediction.
    pub informative: usize,
    /// Steps where the prediction lies outside the interval.
    pub disagreements: usize,
    /// The first such step.
    pub first_disagreement: Option<usize>,
    /// The verdict.
    pub verdict: TestVerdict,
}

/// The steps `[k₁, k₂]` a slope is taken over. Serialized as the array `[k₁, k₂]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "(usize, usize)")]
pub struct StepWindow {
    /// `k₁`.
    pub first: usize,
    /// `k₂`.
    pub last: usize,
}

impl From<StepWindow> for (usize, usize) {
    fn from(w: StepWindow) -> Self {
        (w.first, w.last)
    }
}

/// Mean-square and almost-sure growth per step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GrowthRates {
    /// The window `[k₁, k₂]` (second half of the run) of the mean-square slopes.
    pub window: StepWindow,
    /// `(ln Ȳ_{k₂} − ln Ȳ_{k₁})/(k₂ − k₁)` from the simulation.
    pub empirical_mean_square: f64,
    /// The same slope of the exact prediction (tends to `ln ρ` as the window moves out);
    /// `None` without a prediction at two steps.
    pub predicted_mean_square: Option<f64>,
    /// `ln ρ(L_γ)` per step, if known (under random reshuffling `ln ρ(L_epoch)/E`, `E = N/B`
    /// steps per epoch).
    pub ln_rho: Option<f64>,
    /// The top Lyapunov exponent, per step, of `‖x_k‖` (so `2×` it compares with the
    /// mean-square rates of `‖x_k‖²`).
    pub lyapunov: Lyapunov,
}

/// Escape times against what `ρ(L_γ)` and the Lyapunov exponent predict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escape {
    /// The escape radius `r`.
    pub radius: f64,
    /// Trials that reached `‖x_k‖ ≥ r` within `K` steps.
    pub escaped: usize,
    /// All trials.
    pub trials: usize,
    /// 10%, 50%, 90% quantiles of the escape time over all trials (`None`: among the trials
    /// that did not escape).
    pub quantiles: [Option<usize>; 3],
    /// The median escape time among the trials that escaped.
    pub escaped_median: Option<usize>,
    /// The first recorded step with a prediction at which the exact `E‖x_k‖²` reaches `r²`.
    pub mean_square_step: Option<usize>,
    /// `ln(r²/E‖x_0‖²)/ln ρ`: the same from the asymptotic rate alone (if `ρ > 1`).
    pub rho_step: Option<f64>,
    /// `ln(r/‖x_0‖)/λ`: when a typical trajectory reaches `r` (if the exponent `λ > 0`).
    pub lyapunov_step: Option<f64>,
}

/// Everything the `simulate` report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The measurements.
    pub simulation: Simulation,
    /// The exact curve they are compared with.
    pub prediction: Prediction,
    /// One row per recorded step.
    pub rows: Vec<StepComparison>,
    /// The agreement test.
    pub agreement: Agreement,
    /// Growth rates.
    pub growth: GrowthRates,
    /// Escape times, if the simulation recorded them.
    pub escape: Option<Escape>,
}

impl Comparison {
    /// Whether the run grew in mean square: the last estimate above the first.
    #[must_use]
    pub fn grew(&self) -> bool {
        match (self.rows.first(), self.rows.last()) {
            (Some(a), Some(b)) => b.ln_estimate > a.ln_estimate,
            _ => false,
        }
    }
}

/// The empirical Bernstein half-width (Maurer & Pontil 2009, Theorem 4, two-sided at
/// confidence `1 − δ`) of the mean of `trials` values in `[0, 1]` with sample variance `var`:
/// `(statistical part, range part)`.
#[must_use]
fn bernstein(var: f64, trials: usize, delta: f64) -> (f64, f64) {
    let l = (4.0 / delta).ln();
    let r = trials as f64;
    ((2.0 * var * l / r).sqrt(), 7.0 * l / (3.0 * (r - 1.0)))
}

/// Compare `sim` with `prediction` (computed at its recorded steps, e.g. by
/// [`Prediction::for_simulation`], or at some of them, e.g. by [`Prediction::per_epoch`]);
/// `ln_rho` is `ln ρ` per step, if known. Steps without a prediction are reported
/// ([`StepVerdict::NotPredicted`]) but not tested, and do not count towards Bonferroni's `m`.
///
/// # Panics
/// If `prediction` has a step that the simulation did not record.
#[must_use]
pub fn compare(sim: Simulation, prediction: Prediction, ln_rho: Option<f64>) -> Comparison {
    let steps: Vec<usize> = sim.rows.iter().map(|r| r.step).collect();
    assert!(
        prediction.steps.iter().all(|k| steps.contains(k)),
        "prediction at recorded steps only"
    );
    let predicted_at = |k: usize| {
        prediction
            .steps
            .iter()
            .position(|&p| p == k)
            .map(|j| prediction.ln_values[j])
    };
    let alpha = sim.params.alpha;
    let trials = sim.params.trials;
    let tested = steps
        .iter()
        .filter(|&&k| k >= 1 && predicted_at(k).is_some())
        .count();
    let m = tested.max(1);
    let delta = alpha / m as f64;
    let rows: Vec<StepComparison> = sim
        .rows
        .iter()
        .map(|s| {
            let ln_pred = predicted_at(s.step);
            let (stat, range) = bernstein(s.var_scaled, trials, delta);
            let half = stat + range;
            let lower = (s.mean_scaled - half).max(0.0);
            let upper = (s.mean_scaled + half).min(1.0);
            let (ln_lower, ln_upper) = (s.ln_range + lower.ln(), s.ln_range + upper.ln());
            let informative = ln_pred.is_some_and(|p| s.ln_range + range.ln() <= p);
            let inside = ln_pred.map(|p| ln_lower <= p && p <= ln_upper);
            let verdict = match (s.step, inside, informative) {
                (0, _, _) => StepVerdict::Start,
                (_, None, _) => StepVerdict::NotPredicted,
                (_, Some(false), _) => StepVerdict::Disagrees,
                (_, Some(true), true) => StepVerdict::Agrees,
                (_, Some(true), false) => StepVerdict::Uninformative,
            };
            StepComparison {
                step: s.step,
                ln_estimate: s.ln_estimate(),
                ln_lower,
                ln_upper,
                ln_predicted: ln_pred,
                effective_trials: s.effective_trials,
                mean_ln_norm_sq: s.mean_ln_norm_sq,
                informative,
                verdict,
            }
        })
        .collect();
    let count = |v: StepVerdict| rows.iter().filter(|r| r.verdict == v).count();
    let disagreements = count(StepVerdict::Disagrees);
    let informative = rows.iter().filter(|r| r.step >= 1 && r.informative).count();
    let agreement = Agreement {
        alpha,
        candidates: tested,
        informative,
        disagreements,
        first_disagreement: rows
            .iter()
            .find(|r| r.verdict == StepVerdict::Disagrees)
            .map(|r| r.step),
        verdict: if disagreements > 0 {
            TestVerdict::Rejected
        } else if informative > 0 {
            TestVerdict::Consistent
        } else {
            TestVerdict::Untested
        },
    };
    let growth = growth(&sim, &rows, ln_rho);
    let escape = sim.escape.as_ref().map(|e| escape(e, &sim, &rows, ln_rho));
    Comparison {
        simulation: sim,
        prediction,
        rows,
        agreement,
        growth,
        escape,
    }
}

/// The slopes over the second half of the run: over the rows with a prediction when there are
/// at least two (so the simulated and the exact slope share a window), else over all rows.
fn growth(sim: &Simulation, rows: &[StepComparison], ln_rho: Option<f64>) -> GrowthRates {
    let predicted: Vec<&StepComparison> =
        rows.iter().filter(|r| r.ln_predicted.is_some()).collect();
    let window: Vec<&StepComparison> =
        if predicted.len() >= 2 && predicted[0].step < predicted[predicted.len() - 1].step {
            predicted
        } else {
            rows.iter().collect()
        };
    let last = window.len() - 1;
    let half = window[last].step / 2;
    let first = window
        .iter()
        .rposition(|r| r.step <= half && r.step < window[last].step)
        .unwrap_or(0);
    let (a, b) = (window[first], window[last]);
    let dk = (b.step - a.step).max(1) as f64;
    GrowthRates {
        window: StepWindow {
            first: a.step,
            last: b.step,
        },
        empirical_mean_square: (b.ln_estimate - a.ln_estimate) / dk,
        predicted_mean_square: a
            .ln_predicted
            .zip(b.ln_predicted)
            .filter(|_| b.step > a.step)
            .map(|(pa, pb)| (pb - pa) / dk),
        ln_rho,
        lyapunov: sim.lyapunov,
    }
}

fn escape(
    e: &EscapeTimes,
    sim: &Simulation,
    rows: &[StepComparison],
    ln_rho: Option<f64>,
) -> Escape {
    let ln_r = e.radius.ln();
    // Step 0 always has its prediction, E‖x_0‖²; the sample mean there is the same number.
    let ln_x0_sq = rows[0].ln_predicted.unwrap_or(rows[0].ln_estimate);
    let lyap = sim.lyapunov.mean;
    Escape {
        radius: e.radius,
        escaped: e.escaped(),
        trials: e.times.len(),
        quantiles: [e.quantile(0.1), e.quantile(0.5), e.quantile(0.9)],
        escaped_median: {
            let mut t: Vec<usize> = e.times.iter().flatten().copied().collect();
            t.sort_unstable();
            t.get(t.len().saturating_sub(1) / 2).copied()
        },
        mean_square_step: rows
            .iter()
            .find(|r| r.ln_predicted.is_some_and(|p| p >= 2.0 * ln_r))
            .map(|r| r.step),
        rho_step: ln_rho
            .filter(|&l| l > 0.0)
            .map(|l| ((2.0 * ln_r - ln_x0_sq) / l).max(0.0)),
        lyapunov_step: (lyap > 0.0).then(|| ((ln_r - 0.5 * ln_x0_sq) / lyap).max(0.0)),
    }
}
