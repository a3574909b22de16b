//! Models `h(θ; u)` with a scalar output and their exact per-sample derivatives, for the squared
//! loss `F(θ, ξ_i) = ½(h(θ; u_i) − v_i)²` of eq. (28).
//!
//! Every model gives its output `h`, the output gradient `g = ∇_θ h` and the output Hessian
//! `∇²_θ h` in closed form ([`ScalarModel`]); [`crate::train::objective`] builds from them the per-sample loss
//! gradient `e_i g_i` and Hessian
//!
//! `∇²F(θ, ξ_i) = g_i g_iᵀ + e_i ∇²h(θ; u_i)`,  `e_i = h(θ; u_i) − v_i`,
//!
//! so that at an interpolating minimum (`e_i = 0` for every `i`) `H_i = g_i g_iᵀ`, the
//! rank-one form [`crate::Samples::Gradients`] analyzes. [`finite_diff`] checks every closed
//! form against central differences (the tests run it as a quickcheck property).
//!
//! | model | `h(θ; u)` | parameters `θ`, in this order |
//! |---|---|---|
//! | [`Linear`] | `θᵀu` | `θ_1..θ_d` |
//! | [`RandomFeatures`] | `Σ_j θ_j σ(v_jᵀu)`, `v_j` fixed and random | `θ_1..θ_k` |
//! | [`TwoLayer`] (Section 4) | `Σ_j a_j σ(w_jᵀu)` | `a_1..a_m`, then `w_1` (`d` entries), …, `w_m` |
//!
//! `σ` is [`Activation::Relu`] (`max(t, 0)`, with `σ'(0) = 0`) or [`Activation::Tanh`].
//! The linear and random-features models are linear in `θ` (`∇²h = 0`: their loss is a
//! quadratic); the two-layer network is not, and its `∇²h` is not zero even for ReLU: the
//! `a_j`–`w_j` cross block is `σ'(w_jᵀu) u`.

mod activation;
pub mod finite_diff;
mod init;
mod two_layer;

pub use activation::Activation;
pub use init::standard_normals;
pub use two_layer::TwoLayer;

use crate::error::{Error, Result};
use faer::Mat;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A model with a scalar output `h(θ; u)`, `θ ∈ ℝ^P`, `u ∈ ℝ^d`, and its exact derivatives in
/// `θ`.
pub trait ScalarModel: Sync {
    /// `P`, the number of parameters.
    fn n_params(&self) -> usize;
    /// `d`, the input dimension.
    fn input_dim(&self) -> usize;
    /// `h(θ; u)`.
    fn output(&self, theta: &[f64], u: &[f64]) -> f64;
    /// `h(θ; u)`, with `g = ∇_θ h(θ; u)` written into `grad` (length `P`).
    fn output_gradient(&self, theta: &[f64], u: &[f64], grad: &mut [f64]) -> f64;
    /// `∇²_θ h(θ; u)`, `P×P` and symmetric.
    fn output_hessian(&self, theta: &[f64], u: &[f64]) -> Mat<f64>;
    /// `∇²_θ h(θ; u) v` written into `out` (length `P`). The default forms the dense Hessian;
    /// models with structure override it (the two-layer network: `O(md)`, no `P×P` matrix).
    fn output_hessian_vector(&self, theta: &[f64], u: &[f64], v: &[f64], out: &mut [f64]) {
        let h = self.output_hessian(theta, u);
        for (r, o) in out.iter_mut().enumerate() {
            *o = (0..v.len()).map(|c| h[(r, c)] * v[c]).sum();
        }
    }
    /// What the model is and how `θ` is ordered, for reports.
    fn describe(&self) -> String;
}

/// The linear model `h(θ; u) = θᵀu` (`P = d`): its loss is the quadratic `½ θᵀHθ − …` with
/// `H = mean u_i u_iᵀ`, the same at every `θ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linear {
    d: usize,
}

impl Linear {
    /// A linear model on `d ≥ 1` inputs.
    ///
    /// # Errors
    /// [`Error::Input`] on `input_dim` if `d = 0`.
    pub fn new(d: usize) -> Result<Self> {
        positive("input_dim", d)?;
        Ok(Self { d })
    }
}

impl ScalarModel for Linear {
    fn n_params(&self) -> usize {
        self.d
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn output(&self, theta: &[f64], u: &[f64]) -> f64 {
        dot(theta, u)
    }
    fn output_gradient(&self, theta: &[f64], u: &[f64], grad: &mut [f64]) -> f64 {
        grad.copy_from_slice(u);
        dot(theta, u)
    }
    fn output_hessian(&self, _theta: &[f64], _u: &[f64]) -> Mat<f64> {
        Mat::zeros(self.d, self.d)
    }
    fn describe(&self) -> String {
        format!("linear h = θᵀu, d = P = {}", self.d)
    }
}

/// Random-features regression `h(θ; u) = Σ_j θ_j σ(v_jᵀu)`, `j = 1..k`: the first layer
/// `v_j ~ N(0, I/d)` is drawn once from a seed and fixed; only the output weights `θ` are
/// trained (`P = k`), so the loss is a quadratic in `θ`.
#[derive(Debug, Clone)]
pub struct RandomFeatures {
    activation: Activation,
    /// `v_j` as rows, `k×d`, row-major.
    features: Vec<f64>,
    d: usize,
    k: usize,
}

impl RandomFeatures {
    /// `k` random features of `d` inputs, first layer from `ChaCha8Rng::seed_from_u64(seed)`.
    ///
    /// # Errors
    /// [`Error::Input`] on `input_dim` or `features` if `d` or `k` is 0.
    pub fn new(d: usize, k: usize, activation: Activation, seed: u64) -> Result<Self> {
        positive("input_dim", d)?;
        positive("features", k)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let scale = 1.0 / (d as f64).sqrt();
        let features = standard_normals(&mut rng, k * d)
            .into_iter()
            .map(|z| z * scale)
            .collect();
        Ok(Self {
            activation,
            features,
            d,
            k,
        })
    }

    fn feature(&self, j: usize, u: &[f64]) -> f64 {
        self.activation
            .value(dot(&self.features[j * self.d..(j + 1) * self.d], u))
    }
}

impl ScalarModel for RandomFeatures {
    fn n_params(&self) -> usize {
        self.k
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn output(&self, theta: &[f64], u: &[f64]) -> f64 {
        (0..self.k).map(|j| theta[j] * self.feature(j, u)).sum()
    }
    fn output_gradient(&self, theta: &[f64], u: &[f64], grad: &mut [f64]) -> f64 {
        for (j, g) in grad.iter_mut().enumerate() {
            *g = self.feature(j, u);
        }
        dot(theta, grad)
    }
    fn output_hessian(&self, _theta: &[f64], _u: &[f64]) -> Mat<f64> {
        Mat::zeros(self.k, self.k)
    }
    fn describe(&self) -> String {
        format!(
            "random features h = Σ_j θ_j σ(v_jᵀu), σ = {}, d = {}, k = P = {}",
            self.activation, self.d, self.k
        )
    }
}

/// `Σ a_i b_i`.
#[must_use]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `‖a‖₂`, summed in order (as [`dot`]).
#[must_use]
pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `‖a − b‖₂`, summed in order.
#[must_use]
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn positive(field: &str, k: usize) -> Result<()> {
    if k == 0 {
        Err(Error::input(field, "must be at least 1, got 0"))
    } else {
        Ok(())
    }
}

/// Check that `theta` has length `P` and finite entries.
///
/// # Errors
/// [`Error::Input`] on `theta` or `theta[j]`.
pub fn check_theta(model: &dyn ScalarModel, theta: &[f64]) -> Result<()> {
    if theta.len() != model.n_params() {
        return Err(Error::input(
            "theta",
            format!(
                "has {} entries, the model has P = {} parameters ({})",
                theta.len(),
                model.n_params(),
                model.describe()
            ),
        ));
    }
    if let Some(j) = theta.iter().position(|x| !x.is_finite()) {
        return Err(Error::input(
            format!("theta[{j}]"),
            format!("is {}, parameters must be finite", theta[j]),
        ));
    }
    Ok(())
}
