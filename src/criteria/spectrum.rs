//! Spectral facts about `H` and about each `H_i` that the criteria and the report need.

use crate::error::Result;
use crate::instance::Samples;
use crate::linalg;
use crate::tolerance::RelTol;
use faer::Mat;

/// The eigen-decomposition of `H` with its null space and sign, under a null-space tolerance.
#[derive(Debug, Clone)]
pub struct HSpectrum {
    /// Eigenvalues of `H`, ascending.
    pub eigenvalues: Vec<f64>,
    /// Orthonormal eigenvectors (columns), in the same order.
    pub eigenvectors: Mat<f64>,
    /// Eigenvalues with `|λ| ≤ zero_tol` count as exactly zero.
    pub zero_tol: f64,
}

impl HSpectrum {
    /// The spectrum of the symmetric matrix `h`.
    ///
    /// # Errors
    /// A numerical failure of the eigen-decomposition.
    pub fn of(h: &Mat<f64>, null_space: RelTol) -> Result<Self> {
        let (eigenvalues, eigenvectors) = linalg::sym_eigen(h.as_ref())?;
        let scale = eigenvalues.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        Ok(Self {
            eigenvalues,
            eigenvectors,
            zero_tol: null_space.at_scale(scale),
        })
    }

    /// `λ_max(H)`: the sharpness.
    #[must_use]
    pub fn sharpness(&self) -> f64 {
        *self.eigenvalues.last().expect("d ≥ 1")
    }

    /// `λ_min(H)`.
    #[must_use]
    pub fn lambda_min(&self) -> f64 {
        self.eigenvalues[0]
    }

    /// `tr(H)`, as the sum of the eigenvalues.
    #[must_use]
    pub fn trace(&self) -> f64 {
        self.eigenvalues.iter().sum()
    }

    /// Whether `H ⪰ 0` (no eigenvalue below `−zero_tol`).
    #[must_use]
    pub fn is_psd(&self) -> bool {
        self.lambda_min() >= -self.zero_tol
    }

    /// The dimension of the null space of `H` (eigenvalues with `|λ| ≤ zero_tol`).
    #[must_use]
    pub fn null_dim(&self) -> usize {
        self.eigenvalues
            .iter()
            .filter(|l| l.abs() <= self.zero_tol)
            .count()
    }

    /// Indices of the eigenvalues above `zero_tol` (the range of `H` when `H ⪰ 0`).
    #[must_use]
    pub fn positive_indices(&self) -> Vec<usize> {
        (0..self.eigenvalues.len())
            .filter(|&j| self.eigenvalues[j] > self.zero_tol)
            .collect()
    }

    /// Indices of the eigenvalues counted as zero.
    #[must_use]
    pub fn null_indices(&self) -> Vec<usize> {
        (0..self.eigenvalues.len())
            .filter(|&j| self.eigenvalues[j].abs() <= self.zero_tol)
            .collect()
    }
}

/// Per-sample shape facts: which `H_i` are not PSD and which have rank above one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SampleShapes {
    /// Indices `i` with a negative eigenvalue of `H_i` (beyond the null-space tolerance).
    pub not_psd: Vec<usize>,
    /// Indices `i` with more than one non-zero eigenvalue (rank above one).
    pub rank_above_one: Vec<usize>,
}

impl SampleShapes {
    /// The shapes of the samples; gradients are PSD and rank one by construction.
    ///
    /// # Errors
    /// A numerical failure of an eigenvalue computation.
    pub fn of(samples: &Samples, null_space: RelTol) -> Result<Self> {
        let mut out = Self::default();
        if let Samples::Hessians(hs) = samples {
            for (i, hi) in hs.iter().enumerate() {
                let w = linalg::sym_eigenvalues(hi.as_ref())?;
                let tol = null_space.at_scale(w.iter().fold(0.0_f64, |m, x| m.max(x.abs())));
                if w.iter().any(|&l| l < -tol) {
                    out.not_psd.push(i);
                }
                if w.iter().filter(|l| l.abs() > tol).count() > 1 {
                    out.rank_above_one.push(i);
                }
            }
        }
        Ok(out)
    }
}
