//! The operators `L_γ` and `D` applied matrix-free in the eigenbasis of `H`, where `H = Λ` is
//! diagonal and every term but the mean of congruences is an entrywise product.
//!
//! With `H = UΛUᵀ` and the samples rotated, `H̃_i = UᵀH_iU` (gradients `g̃_i = Uᵀg_i`):
//! - `D(X) = (1 − c) ΛXΛ + c·mean_i H̃_i X H̃_i`, with `(ΛXΛ)_jk = λ_jλ_k X_jk`;
//! - `L_γ(X) = (I − γΛ)X(I − γΛ) + γ²c (mean_i H̃_i X H̃_i − ΛXΛ)`, the first and last terms
//!   entrywise: `(1 − γλ_j)(1 − γλ_k) X_jk` and `λ_jλ_k X_jk`.
//!
//! The mean of congruences is two products: for gradients `G̃XG̃ᵀ`'s diagonal
//! `w_i = g̃_iᵀXg̃_i` and `G̃ᵀ diag(w) G̃ / N` (`O(N r²)` each, spread over threads), for
//! Hessians `O(N r³)`.

use crate::criteria::HSpectrum;
use crate::instance::Samples;
use crate::linalg;
use crate::reduction::rotated;
use faer::{Mat, MatRef};

/// Samples in the eigenbasis of `H`, restricted to a set of its eigenvectors.
#[derive(Debug, Clone)]
pub(crate) struct InEigenbasis {
    /// The eigenvalues `λ_j` of the chosen eigenvectors.
    pub lambda: Vec<f64>,
    /// `UᵀH_iU` or `Uᵀg_i` for those eigenvectors `U`.
    pub samples: Samples,
}

impl InEigenbasis {
    /// The samples in the eigenvectors `indices` of `spec` (e.g. all, or those of the positive
    /// eigenvalues).
    pub fn of(samples: &Samples, spec: &HSpectrum, indices: &[usize]) -> Self {
        let d = samples.d();
        let u = Mat::from_fn(d, indices.len(), |i, k| spec.eigenvectors[(i, indices[k])]);
        Self {
            lambda: indices.iter().map(|&j| spec.eigenvalues[j]).collect(),
            samples: rotated_par(samples, &u),
        }
    }

    /// The dimension `r` of the basis.
    pub fn dim(&self) -> usize {
        self.lambda.len()
    }

    /// `D(X) = (1 − c) ΛXΛ + c·mean_i H̃_i X H̃_i`.
    pub fn apply_d(&self, x: MatRef<'_, f64>, c: f64) -> Mat<f64> {
        let r = self.dim();
        let mut y = if c == 0.0 {
            Mat::<f64>::zeros(r, r)
        } else {
            mean_congruence_par(&self.samples, x) * faer::Scale(c)
        };
        let l = &self.lambda;
        for k in 0..r {
            for j in 0..r {
                y[(j, k)] += (1.0 - c) * l[j] * l[k] * x[(j, k)];
            }
        }
        y
    }

    /// `L_γ(X) = (I − γΛ)X(I − γΛ) + γ²c (mean_i H̃_i X H̃_i − ΛXΛ)`.
    pub fn apply_l(&self, x: MatRef<'_, f64>, c: f64, gamma: f64) -> Mat<f64> {
        let r = self.dim();
        let g2c = gamma * gamma * c;
        let mut y = if g2c == 0.0 {
            Mat::<f64>::zeros(r, r)
        } else {
            mean_congruence_par(&self.samples, x) * faer::Scale(g2c)
        };
        let l = &self.lambda;
        for k in 0..r {
            for j in 0..r {
                let m = (1.0 - gamma * l[j]) * (1.0 - gamma * l[k]);
                y[(j, k)] += (m - g2c * l[j] * l[k]) * x[(j, k)];
            }
        }
        y
    }
}

/// The samples in the coordinates `u` (`d×r`, orthonormal columns), with the gradient
/// product spread over threads.
fn rotated_par(samples: &Samples, u: &Mat<f64>) -> Samples {
    match samples {
        Samples::Gradients(g) => Samples::Gradients(crate::Gradients::from_transposed(
            linalg::product_par(u.transpose(), g.matrix().transpose(), 1.0),
        )),
        Samples::Hessians(_) => rotated(samples, u),
    }
}

/// `mean_i H_i X H_i`, symmetric `X`: for gradients `Gᵀ diag(g_iᵀXg_i) G / N` by two products
/// spread over threads; for Hessians one congruence per sample.
pub(crate) fn mean_congruence_par(samples: &Samples, x: MatRef<'_, f64>) -> Mat<f64> {
    let n = samples.n() as f64;
    match samples {
        Samples::Hessians(_) => super::operator::mean_congruence(samples, x),
        Samples::Gradients(g) => {
            let gt = g.matrix().transpose(); // r×N, column i = g_i
                                             // X Gᵀ (r×N): column i is X g_i.
            let xg = linalg::product_par(x, gt, 1.0);
            let r = gt.nrows();
            let w: Vec<f64> = (0..gt.ncols())
                .map(|i| (0..r).map(|k| xg[(k, i)] * gt[(k, i)]).sum())
                .collect();
            let weighted = Mat::from_fn(gt.ncols(), r, |i, k| w[i] * gt[(k, i)]);
            linalg::symmetrized(linalg::product_par(gt, weighted.as_ref(), 1.0 / n).as_ref())
        }
    }
}
