//! The lecture's moments of the per-sample Hessians: `H = mean H_i`, `Σ = mean H_i² − H²`, and
//! the batch factor `c` that scales `Σ` in Theorem 3.3.

use crate::error::Result;
use crate::instance::{Samples, Sampling};
use crate::linalg;
use faer::Mat;
use num_traits::{FromPrimitive, Num};

/// `H`, `mean H_i²` and `Σ = mean H_i² − H²` of a set of samples (all `d×d`, symmetric).
#[derive(Debug, Clone)]
pub struct Moments {
    /// `H = (1/N) Σ_i H_i`.
    pub h: Mat<f64>,
    /// `(1/N) Σ_i H_i²`.
    pub mean_h_sq: Mat<f64>,
    /// `Σ = (1/N) Σ_i H_i² − H²`, positive semidefinite (it equals `mean (H_i − H)²`).
    pub sigma: Mat<f64>,
}

impl Moments {
    /// The moments of `samples`, with every product done by faer.
    ///
    /// For gradients (`H_i = g_i g_iᵀ`, `G` the `N×d` matrix of rows `g_iᵀ`) this uses
    /// `H = GᵀG/N` and `mean H_i² = Gᵀ diag(‖g_i‖²) G / N`, never forming the `H_i`.
    #[must_use]
    pub fn of(samples: &Samples) -> Self {
        let n = samples.n() as f64;
        let (h, mean_h_sq) = match samples {
            Samples::Hessians(hs) => {
                let d = samples.d();
                let mut h = Mat::<f64>::zeros(d, d);
                let mut sq = Mat::<f64>::zeros(d, d);
                for hi in hs {
                    h += hi;
                    linalg::add_product(&mut sq, hi.as_ref(), hi.as_ref(), 1.0 / n);
                }
                (h * faer::Scale(1.0 / n), sq)
            }
            Samples::Gradients(g) => {
                let g = g.matrix();
                let h = linalg::product(g.transpose(), g, 1.0 / n);
                let norms_sq: Vec<f64> = (0..g.nrows())
                    .map(|i| (0..g.ncols()).map(|k| g[(i, k)] * g[(i, k)]).sum())
                    .collect();
                let weighted = Mat::from_fn(g.nrows(), g.ncols(), |i, j| norms_sq[i] * g[(i, j)]);
                let sq = linalg::product(g.transpose(), weighted.as_ref(), 1.0 / n);
                (h, sq)
            }
        };
        let h = linalg::symmetrized(h.as_ref());
        let mean_h_sq = linalg::symmetrized(mean_h_sq.as_ref());
        let h_sq = linalg::product(h.as_ref(), h.as_ref(), 1.0);
        let sigma = linalg::symmetrized((&mean_h_sq - &h_sq).as_ref());
        Self {
            h,
            mean_h_sq,
            sigma,
        }
    }

    /// The Theorem 3.3 matrix `(I − γH)² + γ²cΣ`.
    #[must_use]
    pub fn thm33_matrix(&self, gamma: f64, c: f64) -> Mat<f64> {
        let d = self.h.nrows();
        let m = Mat::from_fn(d, d, |i, j| {
            let id = if i == j { 1.0 } else { 0.0 };
            id - gamma * self.h[(i, j)]
        });
        let mut out = linalg::product(m.as_ref(), m.as_ref(), 1.0);
        out += &self.sigma * faer::Scale(gamma * gamma * c);
        linalg::symmetrized(out.as_ref())
    }

    /// `A = H² + cΣ`: Theorem 3.3's condition is `γA ⪯ 2H`.
    #[must_use]
    pub fn thm33_quadratic(&self, c: f64) -> Mat<f64> {
        let mut a = linalg::product(self.h.as_ref(), self.h.as_ref(), 1.0);
        a += &self.sigma * faer::Scale(c);
        linalg::symmetrized(a.as_ref())
    }

    /// `λ_max(Σ)` (0 for `d = 0`).
    ///
    /// # Errors
    /// A numerical failure of the eigenvalue solver.
    pub fn sigma_norm(&self) -> Result<f64> {
        Ok(linalg::sym_lambda_max(self.sigma.as_ref())?.unwrap_or(0.0))
    }
}

/// The batch factor `c` of Theorem 3.3, generic over the scalar (f64, or exact rationals):
/// `c = (N − B)/(B(N − 1))` without replacement (`0` when `B = N`, including `N = 1`), and
/// `c = 1/B` with replacement. It is the factor in `E[(H_B − H)²] = c Σ` for one batch.
///
/// Under random reshuffling one batch is a uniform `B`-subset, so its one-step factor is the
/// one without replacement. That is all it is: the batches of an epoch are not independent, so
/// `c` does not make `L_γ` (or Theorem 3.3, or `γ*_exact`) the mean-square operator of random
/// reshuffling; that is [`crate::mean_square::reshuffling`]'s per-epoch operator.
///
/// # Panics
/// If `B = 0`, or `B > N` without replacement or under random reshuffling, or the integers do
/// not convert to `T` (validated [`crate::Instance`]s never do this).
#[must_use]
pub fn batch_factor<T: Num + FromPrimitive>(n: usize, b: usize, sampling: Sampling) -> T {
    assert!(b >= 1, "batch size must be at least 1");
    let conv = |x: usize| T::from_usize(x).expect("a batch size converts to the scalar type");
    match sampling {
        Sampling::WithReplacement => T::one() / conv(b),
        Sampling::WithoutReplacement | Sampling::RandomReshuffling => {
            assert!(b <= n, "B ≤ N for a batch of distinct samples");
            if b == n {
                T::zero()
            } else {
                conv(n - b) / (conv(b) * conv(n - 1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    #[test]
    fn batch_factor_known_values() {
        let c: f64 = batch_factor(4, 2, Sampling::WithoutReplacement);
        assert!((c - 1.0 / 3.0).abs() < 1e-15);
        let c: f64 = batch_factor(4, 4, Sampling::WithoutReplacement);
        assert_eq!(c.to_bits(), 0.0_f64.to_bits());
        let c: f64 = batch_factor(1, 1, Sampling::WithoutReplacement);
        assert_eq!(c.to_bits(), 0.0_f64.to_bits());
        let c: BigRational = batch_factor(10, 3, Sampling::WithoutReplacement);
        assert_eq!(c, BigRational::new(7.into(), 27.into()));
        let c: BigRational = batch_factor(10, 3, Sampling::WithReplacement);
        assert_eq!(c, BigRational::new(1.into(), 3.into()));
    }

    #[test]
    fn batch_factor_one_sample_equals_replacement() {
        // B = 1: drawing one sample is the same with or without replacement, c = 1.
        let a: BigRational = batch_factor(7, 1, Sampling::WithoutReplacement);
        let b: BigRational = batch_factor(7, 1, Sampling::WithReplacement);
        assert_eq!(a, b);
    }

    #[test]
    fn gradient_and_hessian_forms_agree() {
        let g = vec![
            vec![1.0, 2.0, 0.0],
            vec![0.5, -1.0, 3.0],
            vec![2.0, 0.0, 1.0],
        ];
        let grads = Samples::gradients_from_rows(&g).unwrap();
        let hess: Vec<Vec<Vec<f64>>> = g
            .iter()
            .map(|gi| {
                gi.iter()
                    .map(|a| gi.iter().map(|b| a * b).collect())
                    .collect()
            })
            .collect();
        let hess = Samples::hessians_from_rows(&hess, crate::tolerance::RelTol::new(0.0).unwrap())
            .unwrap();
        let (a, b) = (Moments::of(&grads), Moments::of(&hess));
        for i in 0..3 {
            for j in 0..3 {
                assert!((a.h[(i, j)] - b.h[(i, j)]).abs() < 1e-13);
                assert!((a.sigma[(i, j)] - b.sigma[(i, j)]).abs() < 1e-12);
            }
        }
    }
}
