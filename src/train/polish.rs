//! From a trained point to an exact interpolating minimum: Gauss–Newton steps onto the
//! zero-loss set `{θ : h(θ; u_i) = v_i for every i}`.
//!
//! A trainer stops at a small but non-zero loss; linear stability (Definition 3.1) is about a
//! point where every per-sample gradient vanishes. With `J` the `N×P` matrix of rows `g_iᵀ`
//! (full row rank when the model interpolates with `P ≥ N`), the minimum-norm step
//! `Δ = −Jᵀ(JJᵀ)⁺e` solves the linearized equations `e + JΔ = 0`; repeated, it converges
//! quadratically to a nearby point of the zero-loss set. The distance moved is reported, so a
//! reader can see that the polished point is the trained one up to that distance.

use super::objective::per_sample;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::linalg;
use crate::model::{dot, ScalarModel};
use crate::tolerance::Tolerances;
use faer::Mat;

/// What the projection did.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The polished point.
    pub theta: Vec<f64>,
    /// Gauss–Newton steps taken.
    pub iterations: usize,
    /// `max_i |e_i|` before.
    pub residual_before: f64,
    /// `max_i |e_i|` after.
    pub residual_after: f64,
    /// `‖θ_after − θ_before‖`.
    pub distance: f64,
}

/// The smallest damping factor tried before a step is taken anyway.
const MIN_DAMPING: f64 = 1e-6;

/// Most Gauss–Newton steps tried.
pub const MAX_STEPS: usize = 50;

fn max_abs(e: &[f64]) -> f64 {
    e.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// Project `theta` onto the zero-loss set of `data` (see the module docs): stop when
/// `max_i |e_i| ≤` [`Tolerances::INTERPOLATION_RESIDUAL`] `· max(1, max_i |v_i|)`.
///
/// # Errors
/// [`Error::Numerical`] if that is not reached within [`MAX_STEPS`] steps (e.g. `P < N`, or
/// `J` rank-deficient where the model cannot interpolate), naming the residual reached; a
/// failure of the eigenvalue computation.
pub fn project_to_interpolation(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
) -> Result<Projection> {
    let scale = data.targets().iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    let target = Tolerances::INTERPOLATION_RESIDUAL * scale;
    let mut t = theta.to_vec();
    let mut ps = per_sample(model, &t, data);
    let residual_before = max_abs(&ps.residuals);
    let mut iterations = 0;
    while max_abs(&ps.residuals) > target {
        if iterations == MAX_STEPS {
            return Err(Error::Numerical(format!(
                "Gauss–Newton projection onto the zero-loss set did not reach max |e_i| ≤ {target:e} in {MAX_STEPS} steps (reached {:e}, from {residual_before:e}); the model may not interpolate these {} samples",
                max_abs(&ps.residuals),
                data.n()
            )));
        }
        let n = data.n();
        let gram = Mat::from_fn(n, n, |i, j| dot(&ps.gradients[i], &ps.gradients[j]));
        let (lambda, u) = linalg::sym_eigen(gram.as_ref())?;
        let top = lambda.last().copied().unwrap_or(0.0);
        // (JJᵀ)⁺ e on the eigenvalues above the null-space tolerance.
        let mut y = vec![0.0; n];
        for (k, &l) in lambda.iter().enumerate() {
            if l > Tolerances::DEFAULT_NULL_SPACE * top {
                let c = (0..n).map(|i| u[(i, k)] * ps.residuals[i]).sum::<f64>() / l;
                for (i, yi) in y.iter_mut().enumerate() {
                    *yi += c * u[(i, k)];
                }
            }
        }
        // Damped: halve the step until the residual decreases (a full step almost always does).
        let before = max_abs(&ps.residuals);
        let mut alpha = 1.0;
        loop {
            let trial: Vec<f64> = (0..t.len())
                .map(|j| t[j] - alpha * (0..n).map(|i| ps.gradients[i][j] * y[i]).sum::<f64>())
                .collect();
            let next = per_sample(model, &trial, data);
            if max_abs(&next.residuals) < before || alpha < MIN_DAMPING {
                t = trial;
                ps = next;
                break;
            }
            alpha *= 0.5;
        }
        iterations += 1;
    }
    let distance = t
        .iter()
        .zip(theta)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    Ok(Projection {
        residual_after: max_abs(&ps.residuals),
        theta: t,
        iterations,
        residual_before,
        distance,
    })
}
