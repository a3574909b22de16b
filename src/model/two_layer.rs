//! The two-layer network of Section 4, `h(θ; u) = Σ_j a_j σ(w_jᵀu)`, with its exact output
//! gradient and Hessian.

use super::{dot, positive, standard_normals, Activation, ScalarModel};
use crate::error::Result;
use faer::Mat;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `h(θ; u) = Σ_{j=1}^m a_j σ(w_jᵀu)`, `a_j ∈ ℝ`, `w_j ∈ ℝ^d` (Section 4; no biases — append a
/// constant input for one).
///
/// Parameter order: `θ = (a_1, …, a_m, w_1, …, w_m)`, each `w_j` its `d` entries in order, so
/// `a_j` is `θ[j]` and `w_{j,l}` is `θ[m + j·d + l]` (from 0); `P = m(d + 1)`.
///
/// With `z_j = w_jᵀu`:
/// - `∂h/∂a_j = σ(z_j)`, `∂h/∂w_j = a_j σ'(z_j) u`;
/// - `∂²h/∂a_j∂w_j = σ'(z_j) u` (the cross block — not zero for ReLU),
///   `∂²h/∂w_j∂w_jᵀ = a_j σ''(z_j) u uᵀ` (zero for ReLU away from the kink), and every other
///   block (`a`–`a`, different units) is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwoLayer {
    d: usize,
    m: usize,
    activation: Activation,
}

impl TwoLayer {
    /// A network of width `m ≥ 1` on `d ≥ 1` inputs.
    ///
    /// # Errors
    /// [`crate::Error::Input`] on `input_dim` or `width` if either is 0.
    pub fn new(d: usize, m: usize, activation: Activation) -> Result<Self> {
        positive("input_dim", d)?;
        positive("width", m)?;
        Ok(Self { d, m, activation })
    }

    /// The width `m`.
    #[must_use]
    pub fn width(&self) -> usize {
        self.m
    }

    /// The activation `σ`.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// A seeded initialization: `a_j ~ N(0, 1/m)`, `w_j ~ N(0, I/d)`, all from
    /// `ChaCha8Rng::seed_from_u64(seed)` (the `a_j` first, then the `w_j` in parameter order).
    #[must_use]
    pub fn init(&self, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let z = standard_normals(&mut rng, self.n_params());
        let (sa, sw) = (1.0 / (self.m as f64).sqrt(), 1.0 / (self.d as f64).sqrt());
        z.iter()
            .enumerate()
            .map(|(k, x)| if k < self.m { x * sa } else { x * sw })
            .collect()
    }

    /// `min_j |w_jᵀu|`: how far `(θ, u)` is from a kink of ReLU (finite differences with
    /// steps `δ` on `w_j` cross no kink when this exceeds `δ·max_l |u_l|`).
    #[must_use]
    pub fn min_abs_preactivation(&self, theta: &[f64], u: &[f64]) -> f64 {
        (0..self.m)
            .map(|j| dot(self.w(theta, j), u).abs())
            .fold(f64::INFINITY, f64::min)
    }

    fn w<'a>(&self, theta: &'a [f64], j: usize) -> &'a [f64] {
        &theta[self.m + j * self.d..self.m + (j + 1) * self.d]
    }
}

impl ScalarModel for TwoLayer {
    fn n_params(&self) -> usize {
        self.m * (self.d + 1)
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn output(&self, theta: &[f64], u: &[f64]) -> f64 {
        (0..self.m)
            .map(|j| theta[j] * self.activation.value(dot(self.w(theta, j), u)))
            .sum()
    }
    fn output_gradient(&self, theta: &[f64], u: &[f64], grad: &mut [f64]) -> f64 {
        let mut h = 0.0;
        for j in 0..self.m {
            let z = dot(self.w(theta, j), u);
            let s = self.activation.value(z);
            h += theta[j] * s;
            grad[j] = s;
            let c = theta[j] * self.activation.first(z);
            let base = self.m + j * self.d;
            for (g, x) in grad[base..base + self.d].iter_mut().zip(u) {
                *g = c * x;
            }
        }
        h
    }
    fn output_hessian(&self, theta: &[f64], u: &[f64]) -> Mat<f64> {
        let p = self.n_params();
        let mut hess = Mat::<f64>::zeros(p, p);
        for j in 0..self.m {
            let z = dot(self.w(theta, j), u);
            let (d1, d2) = (self.activation.first(z), self.activation.second(z));
            let base = self.m + j * self.d;
            for l in 0..self.d {
                hess[(j, base + l)] = d1 * u[l];
                hess[(base + l, j)] = d1 * u[l];
                if d2 != 0.0 {
                    for r in 0..self.d {
                        hess[(base + l, base + r)] = theta[j] * d2 * u[l] * u[r];
                    }
                }
            }
        }
        hess
    }
    fn output_hessian_vector(&self, theta: &[f64], u: &[f64], v: &[f64], out: &mut [f64]) {
        for j in 0..self.m {
            let z = dot(self.w(theta, j), u);
            let (d1, d2) = (self.activation.first(z), self.activation.second(z));
            let base = self.m + j * self.d;
            let uv = dot(u, &v[base..base + self.d]);
            // a_j row: σ'(z) uᵀv_{w_j}; w_j rows: σ'(z) v_{a_j} u + a_j σ''(z) (uᵀv_{w_j}) u.
            out[j] = d1 * uv;
            let c = d1 * v[j] + theta[j] * d2 * uv;
            for (o, x) in out[base..base + self.d].iter_mut().zip(u) {
                *o = c * x;
            }
        }
    }
    fn describe(&self) -> String {
        format!(
            "two-layer h = Σ_j a_j σ(w_jᵀu), σ = {}, d = {}, m = {}, P = m(d + 1) = {}; θ = (a_1..a_m, w_1..w_m)",
            self.activation,
            self.d,
            self.m,
            self.n_params()
        )
    }
}
