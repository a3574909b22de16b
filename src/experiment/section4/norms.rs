//! The quantities of Section 4 for `h(x; u) = Σ_j a_j σ(w_jᵀu)` ([`TwoLayer`], parameters
//! `x = θ = (a_1..a_m, w_1..w_m)`): the weighted norms (43), the path norm (46), the empirical
//! Fisher matrix `G = (1/n) Σ_i g_i g_iᵀ` (`g_i = ∇_θ h(θ; u_i)`, eq. (30)) through its trace and
//! its 2-norm, and the population values over `u ~ Unif(√d·S^{d−1})` where they have a closed
//! form.
//!
//! # Closed forms over the sphere (ReLU)
//! For `u` uniform on `√d·S^{d−1}`, `E[u uᵀ] = I`. A function `f(u)` positively homogeneous of
//! degree 2 (`f(tu) = t² f(u)`, `t > 0`) has the same expectation on `√d·S^{d−1}` as under
//! `N(0, I_d)`: `z = ‖z‖·(z/‖z‖)` with `‖z‖` independent of the direction and `E‖z‖² = d`. So
//! - `E[σ(wᵀu)²] = ½‖w‖²` (by the symmetry `u ↦ −u`: `σ(t)² + σ(−t)² = t²`);
//! - `E[σ'(wᵀu)²] = P(wᵀu > 0) = ½` (`w ≠ 0`);
//! - `E[σ(wᵀu) σ(vᵀu)] = ‖w‖‖v‖ (sin φ + (π − φ) cos φ)/(2π)`, `φ` the angle between `w` and `v`
//!   (the arc-cosine kernel of degree 1, Cho & Saul 2009), exact on the sphere by homogeneity;
//! - but `E[σ(wᵀu)] = ‖w‖ c_d`, `c_d = √d Γ(d/2)/(2√π Γ((d+1)/2))`, is of degree 1 and is *not*
//!   the Gaussian `‖w‖/√(2π)` (at `d = 2`, `c_2 = √2/π ≈ 0.450` against `0.399`).
//!
//! Hence, with `‖g‖² = Σ_j σ(w_jᵀu)² + ‖u‖² Σ_j a_j² σ'(w_jᵀu)²` and `‖u‖² = d`, the
//! population trace is exactly
//!
//! `tr E[g gᵀ] = Σ_j (½‖w_j‖² + ½ d a_j²) = ½ ‖x‖_{2,d}`,
//!
//! Theorem 4.1's (44) with the constant ½, for every network. For the 2-norm there is no such
//! identity; the population value obeys `‖G‖₂ ≤ ½ Σ_j ‖w_j‖² + Σ_j a_j² ≤ ‖x‖_{2,1}`
//! (`λ_max` of a PSD block matrix is at most the sum of its diagonal blocks' `λ_max`; the
//! `a`-block's is at most its trace `½Σ‖w_j‖²`; the `w`-block's is
//! `sup_{‖v‖=1} E(Σ_j a_j σ'_j v_jᵀu)² ≤ Σ a_j² · Σ_j E(v_jᵀu)² = Σ a_j²` by Cauchy–Schwarz).

use crate::error::{Error, Result};
use crate::mean_square::{largest_eigenvalue, LanczosParams};
use crate::model::{dot, Activation, ScalarModel, TwoLayer};
use crate::tolerance::RelTol;
use faer::Mat;
use serde::Serialize;

/// The norms of Section 4 at one `θ`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Norms {
    /// `Σ_j a_j²`.
    pub sum_a2: f64,
    /// `Σ_j ‖w_j‖²`.
    pub sum_w2: f64,
    /// The path norm `‖x‖_P = Σ_j |a_j| ‖w_j‖` (46).
    pub path: f64,
    /// `d`.
    pub d: usize,
}

impl Norms {
    /// The norms of `theta` for `net`.
    ///
    /// # Panics
    /// If `theta` does not have length `P`.
    #[must_use]
    pub fn of(net: &TwoLayer, theta: &[f64]) -> Self {
        assert_eq!(theta.len(), net.n_params(), "theta has length P");
        let (m, d) = (net.width(), net.input_dim());
        let (mut sum_a2, mut sum_w2, mut path) = (0.0, 0.0, 0.0);
        for j in 0..m {
            let a = theta[j];
            let w = &theta[m + j * d..m + (j + 1) * d];
            let w2 = dot(w, w);
            sum_a2 += a * a;
            sum_w2 += w2;
            path += a.abs() * w2.sqrt();
        }
        Self {
            sum_a2,
            sum_w2,
            path,
            d,
        }
    }

    /// The weighted norm (43), `‖x‖_{2,q} = Σ_j (‖w_j‖² + q a_j²)` (a squared norm).
    #[must_use]
    pub fn weighted(&self, q: f64) -> f64 {
        self.sum_w2 + q * self.sum_a2
    }

    /// `Σ_j (|a_j|² + d‖w_j‖²)`: the sum (47) prints, with `d` on the other term than in
    /// `‖x‖_{2,d}`.
    #[must_use]
    pub fn printed_47(&self) -> f64 {
        self.sum_a2 + self.d as f64 * self.sum_w2
    }
}

/// `tr G` and `‖G‖₂` of the empirical Fisher matrix `G = (1/n) Σ_i g_i g_iᵀ` over inputs `u_i`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fisher {
    /// `tr G = (1/n) Σ_i ‖g_i‖²`.
    pub trace: f64,
    /// `‖G‖₂ = λ_max(G)`, the top eigenvalue of the `n×n` Gram matrix `(1/n) g_iᵀg_k`.
    pub norm2: f64,
}

/// `G`'s trace and 2-norm at `theta` over the inputs `u_i` (rows of `inputs`, `n×d`), computed
/// through the `n×n` Gram matrix `K = (1/n)(ΦΦᵀ + (ΨΨᵀ)∘(UUᵀ))`, `Φ_ij = σ(w_jᵀu_i)`,
/// `Ψ_ij = a_j σ'(w_jᵀu_i)` (so `K_ik = g_iᵀg_k/n`; `G` and `K` share their non-zero
/// eigenvalues), `λ_max(K)` by Lanczos.
///
/// # Errors
/// [`Error::Input`] on `inputs` (empty, or rows of another length than `d`);
/// [`Error::Numerical`] if Lanczos does not converge.
pub fn fisher(net: &TwoLayer, theta: &[f64], inputs: &[Vec<f64>]) -> Result<Fisher> {
    let (m, d, n) = (net.width(), net.input_dim(), inputs.len());
    if n == 0 {
        return Err(Error::input("inputs", "no inputs: n must be at least 1"));
    }
    if let Some(i) = inputs.iter().position(|u| u.len() != d) {
        return Err(Error::input(
            format!("inputs[{i}]"),
            format!("has length {}, the network has d = {d}", inputs[i].len()),
        ));
    }
    let u = Mat::from_fn(n, d, |i, l| inputs[i][l]);
    let w = Mat::from_fn(m, d, |j, l| theta[m + j * d + l]);
    let z = crate::linalg::product_par(u.as_ref(), w.transpose(), 1.0);
    let act = net.activation();
    let phi = Mat::from_fn(n, m, |i, j| act.value(z[(i, j)]));
    let psi = Mat::from_fn(n, m, |i, j| theta[j] * act.first(z[(i, j)]));
    let inv = 1.0 / n as f64;
    let trace = inv
        * (0..n)
            .map(|i| {
                let uu = dot(&inputs[i], &inputs[i]);
                (0..m)
                    .map(|j| phi[(i, j)].powi(2) + uu * psi[(i, j)].powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>();
    let pp = crate::linalg::product_par(phi.as_ref(), phi.transpose(), inv);
    let ss = crate::linalg::product_par(psi.as_ref(), psi.transpose(), inv);
    let uu = crate::linalg::product_par(u.as_ref(), u.transpose(), 1.0);
    let k = Mat::from_fn(n, n, |i, l| pp[(i, l)] + ss[(i, l)] * uu[(i, l)]);
    let norm2 = if n == 1 {
        k[(0, 0)]
    } else {
        let params = LanczosParams {
            tolerance: RelTol::new(1e-10).expect("a valid tolerance"),
            ..LanczosParams::default()
        };
        let start: Vec<f64> = (0..n)
            .map(|i| 1.0 + 0.5 * ((i as f64) * 0.618_034).sin())
            .collect();
        let info = largest_eigenvalue(
            n,
            |v| {
                (0..n)
                    .map(|i| (0..n).map(|l| k[(i, l)] * v[l]).sum())
                    .collect()
            },
            &start,
            &params,
        );
        if !info.converged {
            return Err(Error::Numerical(format!(
                "Lanczos on the Fisher Gram matrix (n = {n}) did not converge (residual {:e})",
                info.residual
            )));
        }
        info.value
    };
    Ok(Fisher { trace, norm2 })
}

/// The population trace `tr E[g gᵀ]` over `u ~ Unif(√d·S^{d−1})`: `½‖x‖_{2,d}` for ReLU (see
/// the module docs); `None` for other activations (no closed form here).
#[must_use]
pub fn population_trace(net: &TwoLayer, theta: &[f64]) -> Option<f64> {
    (net.activation() == Activation::Relu)
        .then(|| 0.5 * Norms::of(net, theta).weighted(net.input_dim() as f64))
}

/// The population upper bound `½ Σ_j ‖w_j‖² + Σ_j a_j²` on `‖E[g gᵀ]‖₂` for ReLU (module
/// docs); `None` for other activations.
#[must_use]
pub fn population_norm2_bound(net: &TwoLayer, theta: &[f64]) -> Option<f64> {
    (net.activation() == Activation::Relu).then(|| {
        let n = Norms::of(net, theta);
        0.5 * n.sum_w2 + n.sum_a2
    })
}

/// The population lower bound `c_d² max(Σ_j ‖w_j‖², Σ_{j: w_j ≠ 0} a_j²)` on `‖E[g gᵀ]‖₂`
/// for ReLU, `c_d` = [`sphere_relu_mean`]: `λ_max(G) ≥ E[(vᵀg)²] ≥ (E vᵀg)²` with `v` the unit
/// vector `(‖w_j‖)_j` on the `a`-block (`E vᵀg = c_d (Σ‖w_j‖²)^{1/2}`), or `(a_j ŵ_j)_j` on the
/// `w`-block (`E vᵀg = c_d (Σa_j²)^{1/2}`, as `E[σ'(wᵀu) ŵᵀu] = E[max(ŵᵀu, 0)] = c_d`). `None`
/// for other activations.
#[must_use]
pub fn population_norm2_lower(net: &TwoLayer, theta: &[f64]) -> Option<f64> {
    (net.activation() == Activation::Relu).then(|| {
        let (m, d) = (net.width(), net.input_dim());
        let (mut w2, mut a2) = (0.0, 0.0);
        for j in 0..m {
            let w = &theta[m + j * d..m + (j + 1) * d];
            let nw = dot(w, w);
            w2 += nw;
            if nw > 0.0 {
                a2 += theta[j] * theta[j];
            }
        }
        sphere_relu_mean(d).powi(2) * w2.max(a2)
    })
}

/// `E[σ(wᵀu)σ(vᵀu)]` for ReLU over `u ~ Unif(√d·S^{d−1})` (equal to the Gaussian value by
/// homogeneity): `‖w‖‖v‖ (sin φ + (π − φ) cos φ)/(2π)`.
#[must_use]
pub fn relu_kernel(w: &[f64], v: &[f64]) -> f64 {
    let (nw, nv) = (dot(w, w).sqrt(), dot(v, v).sqrt());
    if nw == 0.0 || nv == 0.0 {
        return 0.0;
    }
    let c = (dot(w, v) / (nw * nv)).clamp(-1.0, 1.0);
    let phi = c.acos();
    nw * nv * (phi.sin() + (std::f64::consts::PI - phi) * c) / (2.0 * std::f64::consts::PI)
}

/// `E[max(u_1, 0)]` for `u ~ Unif(√d·S^{d−1})`: `√d Γ(d/2)/(2√π Γ((d+1)/2))` (`d ≥ 1`).
#[must_use]
pub fn sphere_relu_mean(d: usize) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let x = d as f64;
    0.5 * x.sqrt() * (ln_gamma(x / 2.0) - ln_gamma((x + 1.0) / 2.0)).exp()
        / std::f64::consts::PI.sqrt()
}

/// `N(d, δ) = inf{n ∈ ℕ : d log(n/δ)/n ≤ 1}` of Theorem 4.1 (natural log).
///
/// # Panics
/// If `δ ∉ (0, 1)` or `d = 0`.
#[must_use]
pub fn n_threshold(d: usize, delta: f64) -> usize {
    assert!(delta > 0.0 && delta < 1.0 && d > 0, "δ in (0, 1), d ≥ 1");
    let ok = |n: usize| d as f64 * (n as f64 / delta).ln() <= n as f64;
    // d log(n/δ)/n decreases for n ≥ δe, so the first n that satisfies it is found by
    // doubling then bisection.
    let mut hi = 1usize;
    while !ok(hi) {
        hi *= 2;
    }
    if hi == 1 {
        return 1;
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}
