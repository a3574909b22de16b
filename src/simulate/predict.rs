//! The exact mean-square prediction `E‖x_k‖² = tr L_γ^k(E[x_0x_0ᵀ])`, by iterating
//! [`MeanSquareOperator::apply`] (never a second copy of the operator) — or, under random
//! reshuffling, `tr L_epoch^{k/E}(E[x_0x_0ᵀ])` at the ends of epochs (`E = N/B` steps each),
//! or none.

use super::{Simulation, X0};
use crate::mean_square::{MeanSquareOperator, SymBasis};
use faer::{Mat, MatRef};
use serde::Serialize;

/// Which exact curve a [`Prediction`] is, and where it is defined.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PredictionKind {
    /// `tr L_γ^k(P_0)` of the i.i.d. operator `L_γ` ([`MeanSquareOperator`]), at every recorded
    /// step (`"second_moment_operator"` in JSON, as it has always been printed).
    #[serde(rename = "second_moment_operator")]
    MeanSquareOperator,
    /// Random reshuffling: `tr L_epoch^{k/E}(P_0)` of the exact per-epoch operator
    /// ([`crate::mean_square::reshuffling`]), only at the recorded steps that end an epoch
    /// (`k` a multiple of `E`); between them no exact value is known.
    EpochOperator {
        /// `E = N/B`, the steps per epoch.
        steps_per_epoch: usize,
    },
    /// No exact prediction is available (only `E‖x_0‖²`, at step 0).
    Unavailable {
        /// Why, in words.
        reason: String,
    },
}

/// `ln tr L^k(P_0)` at a list of steps, with `P_0 = x_0x_0ᵀ` for a given start and
/// `P_0 = E[x_0x_0ᵀ] = I/d` for a uniformly random unit start (`x_0` is drawn independently of
/// the batches, and `L` is linear).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The steps, increasing: every recorded step for the i.i.d. operator, the recorded ends of
    /// epochs under random reshuffling, only `0` when unavailable.
    pub steps: Vec<usize>,
    /// `ln E‖x_k‖²` at each step (`−∞` if `L^k(P_0) = 0`).
    pub ln_values: Vec<f64>,
    /// The batch factor `c` of the i.i.d. operator used (`None` for the other kinds).
    pub c: Option<f64>,
    /// Which curve this is.
    #[serde(flatten)]
    pub kind: PredictionKind,
}

/// `P_0 = E[x_0x_0ᵀ]`.
fn start(x0: &X0, d: usize) -> Mat<f64> {
    match x0 {
        X0::Given(v) => {
            assert_eq!(v.len(), d, "x0 must have length d");
            Mat::from_fn(d, d, |i, j| v[i] * v[j])
        }
        X0::RandomUnit => Mat::from_fn(d, d, |i, j| if i == j { 1.0 / d as f64 } else { 0.0 }),
    }
}

/// `ln tr` of the iterates of `apply` from `q` at `targets` (increasing, in units of one
/// application), renormalizing by the trace after every application so that nothing
/// overflows or underflows.
fn iterate(mut q: Mat<f64>, targets: &[usize], apply: impl Fn(&Mat<f64>) -> Mat<f64>) -> Vec<f64> {
    let d = q.nrows();
    let trace = |m: &Mat<f64>| (0..d).map(|i| m[(i, i)]).sum::<f64>();
    let mut ln_scale = 0.0;
    let mut k = 0;
    let mut ln_values = Vec::with_capacity(targets.len());
    for &target in targets {
        while k < target && ln_scale > f64::NEG_INFINITY {
            q = apply(&q);
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
    ln_values
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
        let ln_values = iterate(start(x0, d), steps, |q| op.apply(q.as_ref()));
        Self {
            steps: steps.to_vec(),
            ln_values,
            c: Some(op.c()),
            kind: PredictionKind::MeanSquareOperator,
        }
    }

    /// The prediction of `op` at the recorded steps of `sim`.
    #[must_use]
    pub fn for_simulation(op: &MeanSquareOperator<'_>, sim: &Simulation) -> Self {
        let steps: Vec<usize> = sim.rows.iter().map(|r| r.step).collect();
        Self::of(op, &sim.params.x0, sim.d, &steps)
    }

    /// Random reshuffling's prediction at the recorded steps of `sim` that end an epoch of
    /// `steps_per_epoch = E` steps: `tr L_epoch^{k/E}(P_0)`, with `epoch` the `m×m` matrix of
    /// `L_epoch` in [`SymBasis`] ([`crate::mean_square::reshuffling::epoch_operator`]).
    ///
    /// # Panics
    /// If `epoch` is not `m×m` for `m = d(d+1)/2`, or `steps_per_epoch = 0`.
    #[must_use]
    pub fn per_epoch(epoch: MatRef<'_, f64>, steps_per_epoch: usize, sim: &Simulation) -> Self {
        assert!(steps_per_epoch >= 1, "an epoch has at least one step");
        let basis = SymBasis::new(sim.d);
        assert!(
            epoch.nrows() == basis.dim() && epoch.ncols() == basis.dim(),
            "the epoch operator is m×m"
        );
        let steps: Vec<usize> = sim
            .rows
            .iter()
            .map(|r| r.step)
            .filter(|k| k % steps_per_epoch == 0)
            .collect();
        let epochs: Vec<usize> = steps.iter().map(|k| k / steps_per_epoch).collect();
        let apply = |q: &Mat<f64>| {
            let x = basis.coordinates(q.as_ref());
            let y: Vec<f64> = (0..basis.dim())
                .map(|p| (0..basis.dim()).map(|r| epoch[(p, r)] * x[r]).sum())
                .collect();
            basis.matrix(&y)
        };
        let ln_values = iterate(start(&sim.params.x0, sim.d), &epochs, apply);
        Self {
            steps,
            ln_values,
            c: None,
            kind: PredictionKind::EpochOperator { steps_per_epoch },
        }
    }

    /// No exact prediction, for `reason`: only `E‖x_0‖²` at step 0.
    #[must_use]
    pub fn unavailable(reason: String, sim: &Simulation) -> Self {
        let ln_values = iterate(start(&sim.params.x0, sim.d), &[0], |q| q.clone());
        Self {
            steps: vec![0],
            ln_values,
            c: None,
            kind: PredictionKind::Unavailable { reason },
        }
    }
}
