//! The largest eigenvalue of a symmetric operator given only by its action: Lanczos with full
//! reorthogonalization, for the operators on `Sym(d)` too large to form densely.

use crate::linalg;
use crate::tolerance::RelTol;
use faer::Mat;
use std::fmt;

/// Stopping rule of [`largest_eigenvalue`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanczosParams {
    /// Stop when the residual `‖A y − θ y‖` of the top Ritz pair is at most
    /// `tolerance · max_k |θ_k|` (the largest Ritz value in magnitude estimates `‖A‖₂`).
    pub tolerance: RelTol,
    /// The largest Krylov dimension (operator applications) before giving up.
    pub max_iterations: usize,
}

impl LanczosParams {
    /// Default relative residual: `1e-11`. The Ritz value is then within `1e-11 ‖A‖` of an
    /// eigenvalue (in practice far closer: the eigenvalue error is about residual²/gap).
    pub const DEFAULT_TOLERANCE: f64 = 1e-11;
    /// Default iteration cap: 400.
    pub const DEFAULT_MAX_ITERATIONS: usize = 400;
}

impl Default for LanczosParams {
    fn default() -> Self {
        Self {
            tolerance: RelTol::new(Self::DEFAULT_TOLERANCE).expect("a valid tolerance"),
            max_iterations: Self::DEFAULT_MAX_ITERATIONS,
        }
    }
}

/// What a converged Lanczos run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// The largest Ritz value `θ`: an eigenvalue of the operator lies within `residual` of it.
    pub value: f64,
    /// `‖A y − θ y‖` for the unit Ritz vector `y`.
    pub residual: f64,
    /// Operator applications (the Krylov dimension reached).
    pub iterations: usize,
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

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The largest eigenvalue of the symmetric `dim×dim` operator `apply`, by Lanczos from `start`
/// with full reorthogonalization (two Gram–Schmidt passes per step).
///
/// `start` must not be orthogonal to the top eigenvector; for the cone-preserving operators of
/// this module the identity matrix is a safe start (the top eigenvector is positive
/// semidefinite and non-zero, so its trace is positive).
///
/// # Errors
/// [`NotConverged`], carrying the residual reached, if `params.max_iterations` applications
/// do not meet the tolerance. A Krylov space that becomes invariant (or reaches `dim`) stops
/// the iteration with an exact answer.
///
/// # Panics
/// If `start` does not have `dim` entries, is zero, or `apply` returns a vector of another
/// length.
pub fn largest_eigenvalue(
    dim: usize,
    mut apply: impl FnMut(&[f64]) -> Vec<f64>,
    start: &[f64],
    params: &LanczosParams,
) -> Result<Info, NotConverged> {
    assert_eq!(start.len(), dim, "start vector length");
    let s = norm(start);
    assert!(s > 0.0, "the start vector must be non-zero");
    let mut basis: Vec<Vec<f64>> = vec![start.iter().map(|x| x / s).collect()];
    let (mut alpha, mut beta): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let cap = params.max_iterations.max(1).min(dim.max(1));
    let mut last = None;
    for k in 1..=cap {
        let v = &basis[k - 1];
        let mut w = apply(v);
        assert_eq!(w.len(), dim, "operator output length");
        let a = dot(&w, v);
        alpha.push(a);
        for _ in 0..2 {
            for u in &basis {
                let c = dot(&w, u);
                w.iter_mut().zip(u).for_each(|(x, y)| *x -= c * y);
            }
        }
        let b = norm(&w);
        // The Ritz pair costs O(k³): look at it every step early on, then every 10 steps.
        // A small `b` (a nearly invariant Krylov space) is always looked at.
        let small = b <= f64::EPSILON.sqrt() * (a.abs() + beta.last().copied().unwrap_or(0.0));
        if k <= 10 || k % 10 == 0 || k == cap || small {
            let (theta, scale, tail) = ritz(&alpha, &beta)?;
            let residual = b * tail.abs();
            let required = params.tolerance.at_scale(scale);
            let invariant = b <= f64::EPSILON * scale.max(f64::MIN_POSITIVE);
            let info = Info {
                value: theta,
                residual,
                iterations: k,
            };
            if residual <= required || invariant || k == dim {
                return Ok(info);
            }
            last = Some((info, required));
        }
        beta.push(b);
        basis.push(w.iter().map(|x| x / b).collect());
    }
    let (info, required) = last.expect("at least one iteration");
    Err(NotConverged {
        estimate: info.value,
        residual: info.residual,
        required,
        iterations: info.iterations,
    })
}

/// The largest eigenvalue of the tridiagonal `T` (diagonal `alpha`, off-diagonal `beta`), the
/// largest magnitude among its eigenvalues, and the last component of the top eigenvector.
fn ritz(alpha: &[f64], beta: &[f64]) -> Result<(f64, f64, f64), NotConverged> {
    let k = alpha.len();
    let t = Mat::from_fn(k, k, |i, j| {
        if i == j {
            alpha[i]
        } else if i == j + 1 {
            beta[j]
        } else if j == i + 1 {
            beta[i]
        } else {
            0.0
        }
    });
    let (values, vectors) = linalg::sym_eigen(t.as_ref()).map_err(|_| NotConverged {
        estimate: f64::NAN,
        residual: f64::INFINITY,
        required: 0.0,
        iterations: k,
    })?;
    let theta = values[k - 1];
    let scale = values[0].abs().max(theta.abs());
    Ok((theta, scale, vectors[(k - 1, k - 1)]))
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
        )
        .unwrap();
        assert!((info.value - 16.9).abs() < 1e-9, "{info:?}");
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
        .unwrap_err();
        assert_eq!(e.iterations, 3);
        assert!(e.residual > e.required && e.estimate < 499.0);
        assert!(e.to_string().contains("residual"));
    }
}
