//! The in-order fold over trials: each trial's scaled record ([`Trial`]) and the Welford
//! accumulators ([`Accumulator`]) that give the per-step statistics and the Lyapunov exponent.

use super::kernel::TrialRecord;
use super::{Lyapunov, StepSample};

/// One trial's record with `Z = ‖x_k‖²/b_k ∈ [0, 1]` at each recorded step (`b_k` the bound
/// `μ^(2k)‖x_0‖²`), computed in the parallel part: one `exp` per trial-step that the in-order
/// fold no longer pays.
pub(super) struct Trial {
    pub(super) record: TrialRecord,
    pub(super) scaled: Vec<f64>,
}

impl Trial {
    pub(super) fn new(record: TrialRecord, ln_range: &[f64]) -> Self {
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
pub(super) struct Accumulator {
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
    pub(super) fn new(m: usize) -> Self {
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

    pub(super) fn add(&mut self, trial: &Trial, steps: usize) {
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

    pub(super) fn row(&self, j: usize, step: usize, ln_range: f64) -> StepSample {
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

    pub(super) fn lyapunov(&self, alpha: f64) -> Lyapunov {
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
