//! The mean-square operator `L_γ(Q) = E[M_B Q M_B]`, `M_B = I − γH_B`, on symmetric
//! matrices: matrix-free application, its dense `d(d+1)/2` form, and its spectral radius.

use super::basis::{mirror_lower, SymBasis};
use super::lanczos::{self, Info, LanczosParams};
use super::{MeanSquareParams, Method};
use crate::error::Result;
use crate::instance::{Instance, Samples};
use crate::linalg;
use crate::moments::{batch_factor, Moments};
use faer::{Mat, MatRef};

/// `L_γ(Q) = (I − γH)Q(I − γH) + γ²c·mean_i (H_i − H)Q(H_i − H)` for one instance's samples,
/// batch factor `c` and learning rate `γ`.
///
/// Equivalently `L_γ = I − 2γC + γ²D` with `C(Q) = ½(HQ + QH)` and
/// `D(Q) = E[H_B Q H_B] = (1 − c)HQH + c·mean_i H_i Q H_i`. On `Sym(d)` with the Frobenius
/// inner product it is self-adjoint and, being a mean of congruences `Q ↦ M_B Q M_B`, it maps
/// the PSD cone into itself (whatever the signs of the `H_i`); so its spectral radius is its
/// largest eigenvalue (Perron–Frobenius for cones), and `E‖x_k‖² = tr L_γ^k(x_0 x_0ᵀ)` stays
/// bounded iff that eigenvalue is `≤ 1`.
#[derive(Debug, Clone)]
pub struct MeanSquareOperator<'a> {
    samples: &'a Samples,
    h: Mat<f64>,
    c: f64,
    gamma: f64,
    basis: SymBasis,
}

/// How a spectral radius (or a largest eigenvalue) was computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Computed {
    /// A dense symmetric eigenvalue solve of an `m×m` matrix.
    Dense {
        /// The matrix size `m`.
        dim: usize,
    },
    /// Lanczos on the matrix-free operator (restarted; its residual, and whether it met the
    /// tolerance).
    Lanczos(Info),
    /// In closed form from the eigenvalues of `H`: `c = 0` (`B = N` without replacement, where
    /// `L_γ = S(I − γH)`), or `H` not PSD / `H = 0` for `γ*`.
    ClosedForm,
    /// `ρ = 1` exactly: `γ < γ*` and `H` has null directions on which every `H_i` vanishes,
    /// whose factor is exactly 1, while the range part is `≤ 1` (stable); that part's own
    /// radius was not computed.
    NullSpace,
}

impl Computed {
    /// The route in a word: `dense`, `lanczos`, `closed_form`, `null_space`.
    #[must_use]
    pub fn method(&self) -> &'static str {
        match self {
            Self::Dense { .. } => "dense",
            Self::Lanczos(_) => "lanczos",
            Self::ClosedForm => "closed_form",
            Self::NullSpace => "null_space",
        }
    }

    /// The relative residual `‖Ay − θy‖ / ‖A‖` of a Lanczos run (`None` for the other
    /// routes, which are exact up to a dense solve's rounding).
    #[must_use]
    pub fn relative_residual(&self) -> Option<f64> {
        match self {
            Self::Lanczos(i) => Some(if i.scale > 0.0 {
                i.residual / i.scale
            } else {
                0.0
            }),
            _ => None,
        }
    }

    /// Whether the route reached its accuracy (always, except an unconverged Lanczos run).
    #[must_use]
    pub fn converged(&self) -> bool {
        match self {
            Self::Lanczos(i) => i.converged,
            _ => true,
        }
    }
}

/// `ρ(L_γ)` and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectralRadius {
    /// `ρ(L_γ) = λ_max(L_γ)`.
    pub value: f64,
    /// The route taken.
    pub computed: Computed,
}

impl<'a> MeanSquareOperator<'a> {
    /// The operator of `samples` with mean Hessian `h` (from [`Moments::of`]), batch factor `c`
    /// and learning rate `gamma`.
    ///
    /// # Panics
    /// If `h` is not `d×d`.
    #[must_use]
    pub fn new(samples: &'a Samples, h: &Mat<f64>, c: f64, gamma: f64) -> Self {
        let d = samples.d();
        assert!(h.nrows() == d && h.ncols() == d, "H must be d×d");
        Self {
            samples,
            h: h.clone(),
            c,
            gamma,
            basis: SymBasis::new(d),
        }
    }

    /// The operator of an instance: its samples, `H`, `c` from its batch size and sampling, `γ`.
    ///
    /// # Errors
    /// [`crate::Error::Input`] on `sampling` under random reshuffling: `L_γ` is the one-step
    /// operator of i.i.d. batches, not the mean-square operator of random reshuffling (see
    /// [`super::reshuffling`]).
    pub fn of(instance: &'a Instance) -> Result<Self> {
        instance.require_iid("the second-moment operator L_γ")?;
        let c = batch_factor(
            instance.n(),
            instance.batch_size().get(),
            instance.sampling(),
        );
        let h = Moments::of(instance.samples()).h;
        Ok(Self::new(instance.samples(), &h, c, instance.gamma().get()))
    }

    /// The basis of `Sym(d)` the dense form is written in.
    #[must_use]
    pub fn basis(&self) -> &SymBasis {
        &self.basis
    }

    /// `γ`.
    #[must_use]
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// The batch factor `c`.
    #[must_use]
    pub fn c(&self) -> f64 {
        self.c
    }

    /// `M = I − γH`.
    fn m(&self) -> Mat<f64> {
        let d = self.h.nrows();
        Mat::from_fn(d, d, |i, j| {
            f64::from(u8::from(i == j)) - self.gamma * self.h[(i, j)]
        })
    }

    /// `L_γ(Q)` for a symmetric `d×d` matrix `q`, matrix-free:
    /// `(I − γH)Q(I − γH) + γ²c(mean_i H_iQH_i − HQH)`, `O(N d³)` for Hessians and `O(N d²)`
    /// for gradients (`H_iQH_i = (g_iᵀQg_i) g_i g_iᵀ`). The result is symmetrized.
    ///
    /// # Panics
    /// If `q` is not `d×d`.
    #[must_use]
    pub fn apply(&self, q: MatRef<'_, f64>) -> Mat<f64> {
        let m = self.m();
        let mq = linalg::product(m.as_ref(), q, 1.0);
        let mut out = linalg::product(mq.as_ref(), m.as_ref(), 1.0);
        let g2c = self.gamma * self.gamma * self.c;
        if g2c != 0.0 {
            let hq = linalg::product(self.h.as_ref(), q, 1.0);
            linalg::add_product(&mut out, hq.as_ref(), self.h.as_ref(), -g2c);
            out += mean_congruence(self.samples, q) * faer::Scale(g2c);
        }
        linalg::symmetrized(out.as_ref())
    }

    /// `L_γ` as a symmetric `m×m` matrix in [`SymBasis`] (`m = d(d+1)/2`):
    /// `S(I − γH) + γ²c(mean_i S(H_i) − S(H))`, with `S(A)` the matrix of `Q ↦ AQA`. Costs
    /// `O(N m²)` (gradients: one `m×N` by `N×m` product); meant for `d ≲ 40`.
    #[must_use]
    pub fn dense(&self) -> Mat<f64> {
        let b = &self.basis;
        let g2c = self.gamma * self.gamma * self.c;
        let mut out = Mat::<f64>::zeros(b.dim(), b.dim());
        b.add_congruence(&mut out, self.m().as_ref(), 1.0);
        if g2c != 0.0 {
            b.add_congruence(&mut out, self.h.as_ref(), -g2c);
        }
        mirror_lower(&mut out);
        if g2c != 0.0 {
            out += dense_mean_congruence(b, self.samples, g2c);
        }
        out
    }

    /// `ρ(L_γ) = λ_max(L_γ)`: a dense eigenvalue solve when `d ≤ params.dense_max_d` (or when
    /// forced), otherwise Lanczos on [`MeanSquareOperator::apply`] started at `I/√d`.
    ///
    /// # Errors
    /// A numerical failure of the dense solve. Lanczos does not fail: an unconverged run is
    /// reported with its residual in [`SpectralRadius::computed`].
    pub fn spectral_radius(&self, params: &MeanSquareParams) -> Result<SpectralRadius> {
        let d = self.basis.d();
        if params.dense_for(d) {
            let dense = self.dense();
            let value = linalg::sym_lambda_max(dense.as_ref())?.expect("d ≥ 1");
            return Ok(SpectralRadius {
                value,
                computed: Computed::Dense {
                    dim: self.basis.dim(),
                },
            });
        }
        let b = &self.basis;
        let identity = Mat::<f64>::identity(d, d);
        let start = b.coordinates(identity.as_ref());
        let info = lanczos::largest_eigenvalue(
            b.dim(),
            |x| b.coordinates(self.apply(b.matrix(x).as_ref()).as_ref()),
            &start,
            &params.lanczos,
        );
        Ok(SpectralRadius {
            value: info.value,
            computed: Computed::Lanczos(info),
        })
    }
}

/// `mean_i H_i Q H_i`: `O(N d³)` for Hessians; for gradients
/// `mean_i (g_iᵀQg_i) g_i g_iᵀ = Gᵀ diag(g_iᵀQg_i) G / N`, `O(N d²)`.
pub(super) fn mean_congruence(samples: &Samples, q: MatRef<'_, f64>) -> Mat<f64> {
    let d = samples.d();
    let n = samples.n() as f64;
    match samples {
        Samples::Hessians(hs) => {
            let mut out = Mat::<f64>::zeros(d, d);
            for hi in hs {
                let t = linalg::product(hi.as_ref(), q, 1.0);
                linalg::add_product(&mut out, t.as_ref(), hi.as_ref(), 1.0 / n);
            }
            out
        }
        Samples::Gradients(g) => {
            let g = g.matrix();
            let gq = linalg::product(g, q, 1.0);
            let weighted = Mat::from_fn(g.nrows(), d, |i, j| {
                let qi: f64 = (0..d).map(|k| gq[(i, k)] * g[(i, k)]).sum();
                qi * g[(i, j)]
            });
            linalg::product(g.transpose(), weighted.as_ref(), 1.0 / n)
        }
    }
}

/// `weight · mean_i S(H_i)` in `basis` (full symmetric `m×m`): one product
/// ([`SymBasis::sum_congruences`], [`SymBasis::rank_one_sum`]).
pub(super) fn dense_mean_congruence(basis: &SymBasis, samples: &Samples, weight: f64) -> Mat<f64> {
    let n = samples.n() as f64;
    match samples {
        Samples::Hessians(hs) => basis.sum_congruences(hs, weight / n),
        Samples::Gradients(g) => basis.rank_one_sum(g.matrix(), weight / n),
    }
}

impl MeanSquareParams {
    /// Whether an operator on `Sym(d)` is formed densely under these parameters.
    #[must_use]
    pub fn dense_for(&self, d: usize) -> bool {
        match self.method {
            Method::Dense => true,
            Method::MatrixFree => false,
            Method::Auto => d <= self.dense_max_d,
        }
    }
}

impl Default for MeanSquareParams {
    fn default() -> Self {
        Self {
            method: Method::Auto,
            dense_max_d: MeanSquareParams::DEFAULT_DENSE_MAX_D,
            lanczos: LanczosParams::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_form_matches_apply() {
        let rows = vec![
            vec![
                vec![2.0, 1.0, 0.0],
                vec![1.0, 1.0, 0.5],
                vec![0.0, 0.5, 3.0],
            ],
            vec![
                vec![1.0, 0.0, -1.0],
                vec![0.0, 2.0, 0.0],
                vec![-1.0, 0.0, 1.0],
            ],
        ];
        let s = Samples::hessians_from_rows(&rows, crate::RelTol::new(0.0).unwrap()).unwrap();
        let h = Moments::of(&s).h;
        let op = MeanSquareOperator::new(&s, &h, 0.5, 0.3);
        let dense = op.dense();
        let b = op.basis();
        for p in 0..b.dim() {
            let mut e = vec![0.0; b.dim()];
            e[p] = 1.0;
            let col = b.coordinates(op.apply(b.matrix(&e).as_ref()).as_ref());
            for (r, v) in col.iter().enumerate() {
                assert!((dense[(r, p)] - v).abs() < 1e-13, "({r}, {p})");
            }
        }
    }
}
