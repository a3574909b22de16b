//! The exact mean-square prediction `E‖x_k‖² = tr L_γ^k(E[x_0x_0ᵀ])`, by iterating
//! [`MeanSquareOperator::apply`] (never a second copy of the operator).

use super::{Simulation, X0};
use crate::mean_square::MeanSquareOperator;
use faer::Mat;
use serde::Serialize;

/// `ln tr L^k(P_0)` at a list of steps, with `P_0 = x_0x_0ᵀ` for a given start and
/// `P_0 = E[x_0x_0ᵀ] = I/d` for a uniformly random unit start (`x_0` is drawn independently of
/// the batches, and `L` is linear).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The steps, as given.
    pub steps: Vec<usize>,
    /// `ln E‖x_k‖²` at each step (`−∞` if `L^k(P_0) = 0`).
    pub ln_values: Vec<f64>,
    /// The batch factor `c` of the operator used.
    pub c: f64,
}

impl Prediction {
    /// The prediction of `op` at `steps` (increasing) from `x0` in dimension `d`. The iterate is
    /// renormalized by its trace at every step and the log-traces accumulated, so it neither
    /// overflows nor underflows.
    ///
    /// # Panics
    /// If a given `x0` does not have length `d`.
    #[must_use]
    pub fn of(op: &MeanSquareOperator<'_>, x0: &X0, d: usize, steps: &[usize]) -> Self {
        let mut q = match x0 {
            X0::Given(v) => {
                assert_eq!(v.len(), d, "x0 must have length d");
                Mat::from_fn(d, d, |i, j| v[i] * v[j])
            }
            X0::RandomUnit => Mat::from_fn(d, d, |i, j| if i == j { 1.0 / d as f64 } else { 0.0 }),
        };
        let trace = |m: &Mat<f64>| (0..d).map(|i| m[(i, i)]).sum::<f64>();
        let mut ln_scale = 0.0;
        let mut k = 0;
        let mut ln_values = Vec::with_capacity(steps.len());
        for &target in steps {
            while k < target && ln_scale > f64::NEG_INFINITY {
                q = op.apply(q.as_ref());
                k += 1;
                let t = trace(&q);
                if t > 0.0 {
                    ln_scale += t.ln();
                    q *= faer::Scale(1.0 / t);
                } else {
                    ln_scale = f64::NEG_INFINITY;
                }
            }
            ln_values.push(ln_scale + trace(&q).ln());
        }
        Self {
            steps: steps.to_vec(),
            ln_values,
            c: op.c(),
        }
    }

    /// The prediction of `op` at the recorded steps of `sim`.
    #[must_use]
    pub fn for_simulation(op: &MeanSquareOperator<'_>, sim: &Simulation) -> Self {
        let steps: Vec<usize> = sim.rows.iter().map(|r| r.step).collect();
        Self::of(op, &sim.params.x0, sim.d, &steps)
    }
}
