//! Closed-form derivatives against central finite differences (argmin's pattern): the output
//! gradient against differences of `h`, the output Hessian against differences of the exact
//! gradient.
//!
//! Central differences with step `δ` have truncation error `O(δ²·|h'''|)` and rounding error
//! `O(ε·|h|/δ)`; with `δ = ε^{1/3}·max(1, |θ_j|)` both are about `ε^{2/3} ≈ 4e-11` relative
//! for smooth `h`. For ReLU the differences are exact (piecewise linear in `θ`) unless the step
//! crosses a kink `w_jᵀu = 0`, which [`super::TwoLayer::min_abs_preactivation`] lets a caller
//! rule out.

use super::ScalarModel;

/// The largest deviations found, relative to the size of the exact quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FdCheck {
    /// `max_j |∂h/∂θ_j − Δ_j h| / max(1, max_j |∂h/∂θ_j|)`.
    pub gradient: f64,
    /// `max_jk |∂²h/∂θ_j∂θ_k − Δ_k g_j| / max(1, max_jk |∂²h/∂θ_j∂θ_k|)`.
    pub hessian: f64,
}

/// The step for coordinate value `x`: `ε^{1/3}·max(1, |x|)`.
#[must_use]
pub fn step(x: f64) -> f64 {
    f64::EPSILON.cbrt() * x.abs().max(1.0)
}

/// Compare `model`'s gradient and Hessian at `(θ, u)` with central differences.
#[must_use]
pub fn check(model: &dyn ScalarModel, theta: &[f64], u: &[f64]) -> FdCheck {
    let p = model.n_params();
    let mut g = vec![0.0; p];
    model.output_gradient(theta, u, &mut g);
    let hess = model.output_hessian(theta, u);
    let mut t = theta.to_vec();
    let (mut gp, mut gm) = (vec![0.0; p], vec![0.0; p]);
    let mut grad_err = 0.0_f64;
    let mut hess_err = 0.0_f64;
    for k in 0..p {
        let dk = step(theta[k]);
        t[k] = theta[k] + dk;
        let hp = model.output_gradient(&t, u, &mut gp);
        t[k] = theta[k] - dk;
        let hm = model.output_gradient(&t, u, &mut gm);
        t[k] = theta[k];
        grad_err = grad_err.max((g[k] - (hp - hm) / (2.0 * dk)).abs());
        for j in 0..p {
            let fd = (gp[j] - gm[j]) / (2.0 * dk);
            hess_err = hess_err.max((hess[(j, k)] - fd).abs());
        }
    }
    let g_scale = g.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
    let mut h_scale = 1.0_f64;
    for k in 0..p {
        for j in 0..p {
            h_scale = h_scale.max(hess[(j, k)].abs());
        }
    }
    FdCheck {
        gradient: grad_err / g_scale,
        hessian: hess_err / h_scale,
    }
}
