//! The training objective of eq. (1) with the squared loss (28),
//! `F(θ) = (1/N) Σ_i ½(h(θ; u_i) − v_i)²`, and what is read off it: residuals, per-sample
//! gradients and Hessians, the sharpness `λ_max(∇²F)`, the accuracy of `sign h`.

use crate::data::Dataset;
use crate::error::Result;
use crate::linalg;
use crate::model::{check_theta, ScalarModel};
use faer::Mat;

/// `e_i = h(θ; u_i) − v_i` for every sample.
#[must_use]
pub fn residuals(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> Vec<f64> {
    (0..data.n())
        .map(|i| model.output(theta, data.input(i)) - data.target(i))
        .collect()
}

/// `F(θ) = mean_i ½ e_i²`.
#[must_use]
pub fn loss(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> f64 {
    mean_half_square(&residuals(model, theta, data))
}

/// `mean ½ e_i²`.
#[must_use]
pub fn mean_half_square(e: &[f64]) -> f64 {
    0.5 * e.iter().map(|x| x * x).sum::<f64>() / e.len() as f64
}

/// The fraction of samples with `sign h(θ; u_i) = sign v_i` (`h = 0` counts as wrong): the
/// accuracy of the two-class task with `±1` targets.
#[must_use]
pub fn accuracy(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> f64 {
    let right = (0..data.n())
        .filter(|&i| model.output(theta, data.input(i)) * data.target(i) > 0.0)
        .count();
    right as f64 / data.n() as f64
}

/// `∇F(θ, ξ_i) = e_i g_i` written into `out`; returns `e_i`.
pub fn sample_gradient(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
    i: usize,
    out: &mut [f64],
) -> f64 {
    let e = model.output_gradient(theta, data.input(i), out) - data.target(i);
    out.iter_mut().for_each(|x| *x *= e);
    e
}

/// `mean_{i ∈ batch} ∇F(θ, ξ_i)` into `out` (`scratch`: length `P`); returns
/// `mean_{i ∈ batch} ½ e_i²`, the batch loss.
pub fn batch_gradient(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
    batch: &[usize],
    out: &mut [f64],
    scratch: &mut [f64],
) -> f64 {
    out.iter_mut().for_each(|x| *x = 0.0);
    let mut half_sq = 0.0;
    for &i in batch {
        let e = sample_gradient(model, theta, data, i, scratch);
        half_sq += 0.5 * e * e;
        out.iter_mut()
            .zip(scratch.iter())
            .for_each(|(o, s)| *o += s);
    }
    let inv = 1.0 / batch.len() as f64;
    out.iter_mut().for_each(|x| *x *= inv);
    half_sq * inv
}

/// The per-sample output gradients `g_i = ∇_θ h(θ; u_i)` (rows) and residuals `e_i`.
#[derive(Debug, Clone, PartialEq)]
pub struct PerSample {
    /// `e_i = h(θ; u_i) − v_i`.
    pub residuals: Vec<f64>,
    /// `g_i`, one row per sample (`N×P`).
    pub gradients: Vec<Vec<f64>>,
}

/// `e_i` and `g_i` at `θ` for every sample.
#[must_use]
pub fn per_sample(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> PerSample {
    let p = model.n_params();
    let mut residuals = Vec::with_capacity(data.n());
    let mut gradients = Vec::with_capacity(data.n());
    for i in 0..data.n() {
        let mut g = vec![0.0; p];
        residuals.push(model.output_gradient(theta, data.input(i), &mut g) - data.target(i));
        gradients.push(g);
    }
    PerSample {
        residuals,
        gradients,
    }
}

/// The full per-sample loss Hessian `∇²F(θ, ξ_i) = g_i g_iᵀ + e_i ∇²h(θ; u_i)`.
#[must_use]
pub fn sample_loss_hessian(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
    i: usize,
) -> Mat<f64> {
    let p = model.n_params();
    let mut g = vec![0.0; p];
    let e = model.output_gradient(theta, data.input(i), &mut g) - data.target(i);
    let mut h = model.output_hessian(theta, data.input(i));
    for c in 0..p {
        for r in 0..p {
            h[(r, c)] = e * h[(r, c)] + g[r] * g[c];
        }
    }
    h
}

/// The two parts of `∇²F(θ) = G + R`: the Gauss–Newton part `G = mean g_i g_iᵀ` (which is `H`
/// at an interpolating minimum) and the residual part `R = mean e_i ∇²h(θ; u_i)`.
#[derive(Debug, Clone)]
pub struct HessianParts {
    /// `mean g_i g_iᵀ`.
    pub gauss_newton: Mat<f64>,
    /// `mean e_i ∇²h(θ; u_i)`.
    pub residual: Mat<f64>,
}

/// The largest `P` whose dense `P×P` Hessians are formed (two of them: 2·P²·8 bytes, 268 MB
/// at this size).
pub const DENSE_HESSIAN_MAX_P: usize = 4096;

/// `Ok` if `model`'s dense `P×P` Hessians fit ([`DENSE_HESSIAN_MAX_P`]).
///
/// # Errors
/// [`crate::Error::Input`] on `n_params`, naming `P` and the memory it would take.
pub fn check_dense_hessian(model: &dyn ScalarModel) -> Result<()> {
    let p = model.n_params();
    if p > DENSE_HESSIAN_MAX_P {
        return Err(crate::Error::input(
            "n_params",
            format!(
                "P = {p} parameters ({}): the dense P×P Hessians would take {:.1} GB; at most P = {DENSE_HESSIAN_MAX_P} is supported (choose a smaller width)",
                model.describe(),
                2.0 * (p as f64).powi(2) * 8.0 / 1e9
            ),
        ));
    }
    Ok(())
}

impl HessianParts {
    /// Both parts at `θ`.
    ///
    /// # Errors
    /// As [`check_dense_hessian`].
    pub fn of(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> Result<Self> {
        check_dense_hessian(model)?;
        let p = model.n_params();
        let ps = per_sample(model, theta, data);
        let inv = 1.0 / data.n() as f64;
        let mut gauss_newton = Mat::<f64>::zeros(p, p);
        let mut residual = Mat::<f64>::zeros(p, p);
        for (i, (e, g)) in ps.residuals.iter().zip(&ps.gradients).enumerate() {
            for c in 0..p {
                for r in 0..p {
                    gauss_newton[(r, c)] += inv * g[r] * g[c];
                }
            }
            if *e != 0.0 {
                let h = model.output_hessian(theta, data.input(i));
                for c in 0..p {
                    for r in 0..p {
                        residual[(r, c)] += inv * e * h[(r, c)];
                    }
                }
            }
        }
        Ok(Self {
            gauss_newton,
            residual,
        })
    }

    /// `∇²F(θ) = G + R`.
    #[must_use]
    pub fn total(&self) -> Mat<f64> {
        &self.gauss_newton + &self.residual
    }
}

/// `∇²F(θ) v = (1/N) Σ_i (g_i (g_iᵀv) + e_i ∇²h(θ; u_i) v)`, matrix-free.
///
/// # Panics
/// If `v` does not have length `P`.
#[must_use]
pub fn hessian_vector(
    model: &dyn ScalarModel,
    theta: &[f64],
    data: &Dataset,
    v: &[f64],
) -> Vec<f64> {
    let p = model.n_params();
    assert_eq!(v.len(), p, "v has length P");
    let (mut g, mut hv, mut out) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    for i in 0..data.n() {
        let u = data.input(i);
        let e = model.output_gradient(theta, u, &mut g) - data.target(i);
        let gv = crate::model::dot(&g, v);
        model.output_hessian_vector(theta, u, v, &mut hv);
        out.iter_mut()
            .zip(g.iter().zip(&hv))
            .for_each(|(o, (gr, h))| *o += gr * gv + e * h);
    }
    let inv = 1.0 / data.n() as f64;
    out.iter_mut().for_each(|x| *x *= inv);
    out
}

/// Above this many parameters [`sharpness`] runs Lanczos on [`hessian_vector`] instead of
/// forming the dense Hessian.
pub const DENSE_SHARPNESS_MAX_P: usize = 300;

/// The sharpness `λ_max(∇²F(θ))` of the training loss (the full Hessian, residual part
/// included: what GD's stability at `θ` depends on): the dense eigenvalues for `P ≤`
/// [`DENSE_SHARPNESS_MAX_P`], else thick-restarted Lanczos on Hessian–vector products
/// ([`crate::mean_square::largest_eigenvalue`], relative residual `1e-10`).
///
/// # Errors
/// As [`check_dense_hessian`]; a numerical failure of the eigenvalue computation;
/// [`crate::Error::Numerical`] if Lanczos does not converge.
pub fn sharpness(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> Result<f64> {
    if model.n_params() <= DENSE_SHARPNESS_MAX_P {
        sharpness_dense(model, theta, data)
    } else {
        sharpness_lanczos(model, theta, data)
    }
}

/// [`sharpness`] from the dense Hessian.
///
/// # Errors
/// As [`sharpness`].
pub fn sharpness_dense(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> Result<f64> {
    let h = HessianParts::of(model, theta, data)?.total();
    Ok(linalg::sym_lambda_max(h.as_ref())?.unwrap_or(0.0))
}

/// [`sharpness`] by Lanczos on [`hessian_vector`] (from the all-ones start).
///
/// # Errors
/// [`crate::Error::Numerical`] if Lanczos does not converge.
pub fn sharpness_lanczos(model: &dyn ScalarModel, theta: &[f64], data: &Dataset) -> Result<f64> {
    use crate::mean_square::{largest_eigenvalue, LanczosParams};
    check_theta(model, theta)?;
    let p = model.n_params();
    let params = LanczosParams {
        tolerance: crate::tolerance::RelTol::new(1e-10).expect("a valid tolerance"),
        ..LanczosParams::default()
    };
    // A deterministic start with a component on every coordinate.
    let start: Vec<f64> = (0..p)
        .map(|k| 1.0 + 0.5 * ((k as f64) * 0.618_034).sin())
        .collect();
    let info = largest_eigenvalue(
        p,
        |v| hessian_vector(model, theta, data, v),
        &start,
        &params,
    );
    if !info.converged {
        return Err(crate::Error::Numerical(format!(
            "Lanczos on the Hessian of the training loss did not converge for λ_max (residual {:e} after {} products, {} needed)",
            info.residual, info.iterations, info.required
        )));
    }
    Ok(info.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::sphere::{teacher_task, SphereParams};
    use crate::model::{Activation, TwoLayer};

    /// The structured `∇²h v` and the matrix-free `∇²F v` against the dense Hessians, and
    /// Lanczos's `λ_max` against the dense one, away from a minimum (residual part non-zero).
    #[test]
    fn matrix_free_hessian_agrees_with_the_dense_one() {
        let data = teacher_task(&SphereParams {
            n_train: 7,
            n_test: 1,
            d: 4,
            teacher_width: 3,
            seed: 5,
        })
        .unwrap()
        .train;
        for act in [Activation::Tanh, Activation::Relu] {
            let net = TwoLayer::new(4, 5, act).unwrap();
            let theta = net.init(9);
            let p = net.n_params();
            let v: Vec<f64> = (0..p).map(|k| ((k * 7 + 3) % 11) as f64 - 5.0).collect();
            let dense = HessianParts::of(&net, &theta, &data).unwrap().total();
            let hv = hessian_vector(&net, &theta, &data, &v);
            for (r, x) in hv.iter().enumerate() {
                let want: f64 = (0..p).map(|c| dense[(r, c)] * v[c]).sum();
                assert!(
                    (x - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "{act}: row {r}: {x} vs {want}"
                );
            }
            let (a, b) = (
                sharpness_dense(&net, &theta, &data).unwrap(),
                sharpness_lanczos(&net, &theta, &data).unwrap(),
            );
            assert!(
                (a - b).abs() <= 1e-8 * a.abs(),
                "{act}: dense {a}, Lanczos {b}"
            );
        }
    }
}
