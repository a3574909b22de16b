//! The largest eigenvalue of a symmetric operator given only by its action: restarted Lanczos
//! (Krylov–Schur, Stewart 2001) with full reorthogonalization, for the operators on `Sym(d)` too
//! large to form densely.
//!
//! The Krylov basis is bounded by [`LanczosParams::basis_size`] vectors: when it is full, the
//! [`LanczosParams::keep`] largest Ritz vectors are kept and the iteration continues from them
//! (a thick restart), so memory stays `O(basis_size · dim)` however many operator applications a
//! clustered spectrum needs. The run never fails: it returns the best Ritz pair with its
//! residual, and says whether the residual met the tolerance ([`Info::converged`]).

use crate::linalg;
use crate::tolerance::RelTol;
use faer::Mat;
use rayon::prelude::*;
use std::fmt;

/// Stopping rule and memory bound of [`largest_eigenvalue`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanczosParams {
    /// Stop when the residual `‖A y − θ y‖` of the top Ritz pair is at most
    /// `tolerance · max_k |θ_k|` (the largest Ritz value in magnitude estimates `‖A‖₂`).
    pub tolerance: RelTol,
    /// The largest number of operator applications before returning unconverged.
    pub max_iterations: usize,
    /// The most Krylov vectors held at once (memory: this many vectors of the operator's
    /// dimension).
    pub basis_size: usize,
    /// Ritz vectors kept at a restart (`< basis_size`).
    pub keep: usize,
}

impl LanczosParams {
    /// Default relative residual: [`crate::Tolerances::LANCZOS_RESIDUAL`] (`1e-11`).
    pub const DEFAULT_TOLERANCE: f64 = crate::Tolerances::LANCZOS_RESIDUAL;
    /// Default cap on operator applications: 2000.
    pub const DEFAULT_MAX_ITERATIONS: usize = 2000;
    /// Default basis size: 40 vectors.
    pub const DEFAULT_BASIS_SIZE: usize = 40;
    /// Default Ritz vectors kept at a restart: 12.
    pub const DEFAULT_KEEP: usize = 12;
}

impl Default for LanczosParams {
    fn default() -> Self {
        Self {
            tolerance: RelTol::new(Self::DEFAULT_TOLERANCE).expect("a valid tolerance"),
            max_iterations: Self::DEFAULT_MAX_ITERATIONS,
            basis_size: Self::DEFAULT_BASIS_SIZE,
            keep: Self::DEFAULT_KEEP,
        }
    }
}

/// What a Lanczos run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// The largest Ritz value `θ`: an eigenvalue of the operator lies within `residual` of it,
    /// and `θ ≤ λ_max` (a Rayleigh quotient).
    pub value: f64,
    /// `‖A y − θ y‖` for the unit Ritz vector `y`.
    pub residual: f64,
    /// The residual the tolerance asked for.
    pub required: f64,
    /// The scale the tolerance was relative to: the largest Ritz value in magnitude, an
    /// estimate of `‖A‖₂`.
    pub scale: f64,
    /// Operator applications.
    pub iterations: usize,
    /// Thick restarts made.
    pub restarts: usize,
    /// Whether `residual ≤ required` (or the Krylov space became invariant: exact).
    pub converged: bool,
}

impl Info {
    /// `self` if converged, else the [`NotConverged`] error with its residual.
    ///
    /// # Errors
    /// [`NotConverged`] when the residual did not meet the tolerance.
    pub fn require_converged(self) -> Result<Self, NotConverged> {
        if self.converged {
            Ok(self)
        } else {
            Err(NotConverged {
                estimate: self.value,
                residual: self.residual,
                required: self.required,
                iterations: self.iterations,
            })
        }
    }
}

/// Lanczos reached its iteration cap before the residual met the tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotConverged {
    /// The best estimate reached (the largest Ritz value).
    pub estimate: f64,
    /// Its residual `‖A y − θ y‖`.
    pub residual: f64,
    /// The absolute residual that was required.
    pub required: f64,
    /// Operator applications made.
    pub iterations: usize,
}

impl fmt::Display for NotConverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lanczos did not converge in {} iterations: largest Ritz value {:e} with residual {:e} > required {:e}",
            self.iterations, self.estimate, self.residual, self.required
        )
    }
}

impl std::error::Error for NotConverged {}

impl From<NotConverged> for crate::Error {
    fn from(e: NotConverged) -> Self {
        crate::Error::Numerical(e.to_string())
    }
}

/// Rows per block of the blocked, parallel vector kernels below (32 KiB of `f64`): a block of
/// `w` stays in cache while every basis vector streams past it. Blocks do not depend on the
/// thread count, and partial sums are added in block order, so neither do the results.
const BLOCK: usize = 4096;

/// `Σ a_k b_k` with eight accumulators (vectorizable).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f64>() + tail
}

fn norm(a: &[f64]) -> f64 {
    let nblocks = a.len().div_ceil(BLOCK);
    let parts: Vec<f64> = (0..nblocks)
        .into_par_iter()
        .map(|b| {
            let r = b * BLOCK..((b + 1) * BLOCK).min(a.len());
            dot(&a[r.clone()], &a[r])
        })
        .collect();
    parts.iter().sum::<f64>().sqrt()
}

/// `Vᵀw`: every basis vector's inner product with `w`.
fn project(v: &[Vec<f64>], w: &[f64]) -> Vec<f64> {
    let nblocks = w.len().div_ceil(BLOCK);
    let parts: Vec<Vec<f64>> = (0..nblocks)
        .into_par_iter()
        .map(|b| {
            let r = b * BLOCK..((b + 1) * BLOCK).min(w.len());
            v.iter()
                .map(|u| dot(&u[r.clone()], &w[r.clone()]))
                .collect()
        })
        .collect();
    let mut h = vec![0.0; v.len()];
    for p in parts {
        h.iter_mut().zip(p).for_each(|(a, b)| *a += b);
    }
    h
}

/// `w += Σ_i c_i v_i`.
fn combine_into(w: &mut [f64], v: &[Vec<f64>], c: &[f64]) {
    w.par_chunks_mut(BLOCK).enumerate().for_each(|(b, wc)| {
        let start = b * BLOCK;
        for (u, &ci) in v.iter().zip(c) {
            let uc = &u[start..start + wc.len()];
            wc.iter_mut().zip(uc).for_each(|(x, y)| *x += ci * y);
        }
    });
}

/// The largest eigenvalue of the symmetric `dim×dim` operator `apply`, by thick-restarted
/// Lanczos from `start` with full reorthogonalization (classical Gram–Schmidt, repeated when
/// it cancels much: DGKS).
///
/// `start` must not be orthogonal to the top eigenvector; for the cone-preserving operators of
/// this module the identity matrix is a safe start (the top eigenvector is positive
/// semidefinite and non-zero, so its trace is positive).
///
/// Returns the best Ritz pair's value and residual when the tolerance is met, the Krylov space
/// becomes invariant (or reaches `dim`: exact), or `params.max_iterations` applications are
/// spent ([`Info::converged`] says which).
///
/// # Panics
/// If `start` does not have `dim` entries, is zero, or `apply` returns a vector of another
/// length.
pub fn largest_eigenvalue(
    dim: usize,
    apply: impl FnMut(&[f64]) -> Vec<f64>,
    start: &[f64],
    params: &LanczosParams,
) -> Info {
    largest_eigenpair(dim, apply, start, params).0
}

/// [`largest_eigenvalue`] with its unit Ritz vector `y` (`‖Ay − θy‖ = Info::residual`).
///
/// # Panics
/// As [`largest_eigenvalue`].
pub fn largest_eigenpair(
    dim: usize,
    mut apply: impl FnMut(&[f64]) -> Vec<f64>,
    start: &[f64],
    params: &LanczosParams,
) -> (Info, Vec<f64>) {
    assert_eq!(start.len(), dim, "start vector length");
    let s = norm(start);
    assert!(s > 0.0, "the start vector must be non-zero");
    let size = params.basis_size.clamp(3, dim.max(3));
    let keep = params.keep.clamp(1, size - 2);
    let cap = params.max_iterations.max(1);
    // V: orthonormal Krylov–Schur basis; t: the projected matrix Vᵀ A V of its first
    // `t.len()` vectors (the last vector of `v` is the next one to expand).
    let mut v: Vec<Vec<f64>> = vec![start.iter().map(|x| x / s).collect()];
    let mut t: Vec<Vec<f64>> = Vec::new();
    let (mut iterations, mut restarts) = (0, 0);
    loop {
        let j = v.len() - 1;
        let mut w = apply(&v[j]);
        assert_eq!(w.len(), dim, "operator output length");
        iterations += 1;
        // Classical Gram–Schmidt against the whole basis, repeated once when it cancelled
        // more than 1 − 1/√2 of w (the DGKS criterion): orthogonal to working precision.
        let mut h = vec![0.0; j + 1];
        let before = norm(&w);
        for pass in 0..2 {
            let c = project(&v, &w);
            let neg: Vec<f64> = c.iter().map(|x| -x).collect();
            combine_into(&mut w, &v, &neg);
            h.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
            if pass == 0 && norm(&w) > std::f64::consts::FRAC_1_SQRT_2 * before {
                break;
            }
        }
        for row in &mut t {
            row.push(0.0);
        }
        t.push(vec![0.0; j + 1]);
        for i in 0..=j {
            t[i][j] = h[i];
            t[j][i] = h[i];
        }
        let beta = norm(&w);
        let (theta, vectors, values) = ritz(&t);
        let top = theta.len() - 1;
        let scale = values.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let residual = beta * vectors[(j, top)].abs();
        let required = params.tolerance.at_scale(scale);
        let invariant = beta <= f64::EPSILON * scale.max(f64::MIN_POSITIVE);
        crate::progress::phase(|| {
            format!(
                "Lanczos (dim {dim}): step {iterations}, θ = {:.6e}, residual {:.1e}",
                theta[top],
                residual / scale.max(f64::MIN_POSITIVE)
            )
        });
        let info = Info {
            value: theta[top],
            residual,
            required,
            scale,
            iterations,
            restarts,
            converged: residual <= required || invariant || v.len() >= dim,
        };
        if info.converged || iterations >= cap {
            let mut y = vec![0.0; dim];
            let c: Vec<f64> = (0..v.len()).map(|i| vectors[(i, top)]).collect();
            combine_into(&mut y, &v, &c);
            return (info, y);
        }
        v.push(w.iter().map(|x| x / beta).collect());
        if v.len() > size {
            // Thick restart: keep the `keep` largest Ritz vectors y = V s and the next vector;
            // the projected matrix becomes diag(θ), and the next column of t (the arrow
            // βs_last) is refilled by the orthogonalization.
            let next = v.pop().expect("the next vector");
            let m = t.len();
            let kept: Vec<usize> = (m - keep..m).collect();
            let mut y = vec![vec![0.0; dim]; keep];
            for (k, &col) in kept.iter().enumerate() {
                let c: Vec<f64> = (0..v.len()).map(|i| vectors[(i, col)]).collect();
                combine_into(&mut y[k], &v, &c);
            }
            v = y;
            v.push(next);
            t = (0..keep)
                .map(|a| {
                    (0..keep)
                        .map(|b| if a == b { theta[kept[a]] } else { 0.0 })
                        .collect()
                })
                .collect();
            restarts += 1;
        }
    }
}

/// The eigenvalues (ascending) and eigenvectors of the small symmetric projected matrix `t`,
/// and its eigenvalues again for the scale.
fn ritz(t: &[Vec<f64>]) -> (Vec<f64>, Mat<f64>, Vec<f64>) {
    let k = t.len();
    let m = Mat::from_fn(k, k, |i, j| 0.5 * (t[i][j] + t[j][i]));
    match linalg::sym_eigen(m.as_ref()) {
        Ok((values, vectors)) => (values.clone(), vectors, values),
        // A k×k symmetric eigenproblem of finite numbers does not fail; if it ever did, the
        // diagonal is a safe (pessimistic) answer: the residual reported is then large.
        Err(_) => {
            let values: Vec<f64> = (0..k).map(|i| t[i][i]).collect();
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            let sorted: Vec<f64> = order.iter().map(|&i| values[i]).collect();
            let vectors = Mat::from_fn(k, k, |i, j| if order[j] == i { 1.0 } else { f64::NAN });
            (sorted.clone(), vectors, sorted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_top_of_a_diagonal_operator() {
        let diag: Vec<f64> = (0..200).map(|i| f64::from(i) / 10.0 - 3.0).collect();
        let start = vec![1.0; 200];
        let info = largest_eigenvalue(
            200,
            |x| x.iter().zip(&diag).map(|(a, b)| a * b).collect(),
            &start,
            &LanczosParams::default(),
        );
        assert!(
            info.converged && (info.value - 16.9).abs() < 1e-9,
            "{info:?}"
        );
    }

    #[test]
    fn reports_the_residual_when_capped() {
        let diag: Vec<f64> = (0..500).map(f64::from).collect();
        let start = vec![1.0; 500];
        let params = LanczosParams {
            max_iterations: 3,
            ..LanczosParams::default()
        };
        let e = largest_eigenvalue(
            500,
            |x| x.iter().zip(&diag).map(|(a, b)| a * b).collect(),
            &start,
            &params,
        )
        .require_converged()
        .unwrap_err();
        assert_eq!(e.iterations, 3);
        assert!(e.residual > e.required && e.estimate < 499.0);
        assert!(e.to_string().contains("residual"));
    }

    /// A clustered top (eigenvalues 1 − k/10⁶ near 1 and one at 1.001) in dimension 20,000 with
    /// a basis of 20 vectors: the thick restarts reach the tolerance with bounded memory.
    #[test]
    fn restarts_converge_on_a_clustered_top() {
        let n = 20_000;
        let diag: Vec<f64> = (0..n)
            .map(|i| {
                if i == 7 {
                    1.001
                } else {
                    1.0 - (i as f64) * 1e-6
                }
            })
            .collect();
        let start = vec![1.0; n];
        let params = LanczosParams {
            basis_size: 20,
            keep: 6,
            tolerance: RelTol::new(1e-10).unwrap(),
            max_iterations: 5000,
        };
        let info = largest_eigenvalue(
            n,
            |x| x.iter().zip(&diag).map(|(a, b)| a * b).collect(),
            &start,
            &params,
        );
        assert!(info.converged, "{info:?}");
        assert!(info.restarts > 0, "the basis of 20 was restarted: {info:?}");
        assert!((info.value - 1.001).abs() < 1e-9, "{info:?}");
    }

    /// A random symmetric 300×300 matrix: the restarted run agrees with the dense solve.
    #[test]
    fn agrees_with_a_dense_solve() {
        use rand::{RngExt, SeedableRng};
        let n = 300;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let b = Mat::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        let a = Mat::from_fn(n, n, |i, j| b[(i, j)] + b[(j, i)]);
        let dense = crate::linalg::sym_lambda_max(a.as_ref()).unwrap().unwrap();
        let params = LanczosParams {
            basis_size: 15,
            keep: 5,
            ..LanczosParams::default()
        };
        let info = largest_eigenvalue(
            n,
            |x| {
                (0..n)
                    .map(|i| (0..n).map(|j| a[(i, j)] * x[j]).sum())
                    .collect()
            },
            &vec![1.0; n],
            &params,
        );
        assert!(info.converged, "{info:?}");
        assert!(
            (info.value - dense).abs() < 1e-9 * dense.abs(),
            "{info:?} vs {dense}"
        );
    }
}
