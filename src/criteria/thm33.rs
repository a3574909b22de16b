//! Theorem 3.3: SGD is mean-square stable if `λ_max{(I − γH)² + γ²cΣ} ≤ 1` (sufficient).

use super::{CriterionResult, CriticalGamma, HSpectrum};
use crate::error::Result;
use crate::linalg;
use crate::moments::Moments;
use crate::tolerance::{RelTol, Tolerances};
use faer::Mat;

/// The critical learning rate of Theorem 3.3: the largest `γ` with
/// `λ_max{(I − γH)² + γ²cΣ} ≤ 1`.
///
/// Closed form. The condition is `I − 2γH + γ²A ⪯ I` with `A = H² + cΣ ⪰ 0`, i.e.
/// `γA ⪯ 2H` (Loewner order), so the accepted set is an interval `(0, γ*]`:
/// - `H` has a negative eigenvalue: no `γ > 0` is accepted;
/// - `A` does not vanish on the null space of `H`: no `γ > 0` is accepted;
/// - otherwise, on the range of `H` (eigenvalues `λ_P > 0`, eigenvectors `U_P`):
///   `γ* = 2 / λ_max(Λ_P^{-1/2} U_Pᵀ A U_P Λ_P^{-1/2})`, and null directions (where every
///   `H_i` vanishes) have factor exactly 1 for every `γ`, which is stable.
///
/// # Errors
/// A numerical failure of an eigenvalue computation.
pub fn thm33_critical_gamma(
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    null_space: RelTol,
) -> Result<CriticalGamma> {
    if !spec.is_psd() {
        return Ok(CriticalGamma::NoneAccepted);
    }
    let a = moments.thm33_quadratic(c);
    let u = &spec.eigenvectors;
    let null = spec.null_indices();
    if !null.is_empty() {
        // The null-space test's scale (only needed here: an eigenvalue computation).
        let a_scale = linalg::sym_lambda_max(a.as_ref())?.unwrap_or(0.0).max(0.0);
        let u0 = Mat::from_fn(u.nrows(), null.len(), |i, k| u[(i, null[k])]);
        let a00 = linalg::product(
            linalg::product(u0.transpose(), a.as_ref(), 1.0).as_ref(),
            u0.as_ref(),
            1.0,
        );
        let worst =
            linalg::sym_lambda_max(linalg::symmetrized(a00.as_ref()).as_ref())?.unwrap_or(0.0);
        if worst > null_space.at_scale(a_scale) {
            return Ok(CriticalGamma::NoneAccepted);
        }
    }
    let pos = spec.positive_indices();
    if pos.is_empty() {
        return Ok(CriticalGamma::Unbounded);
    }
    let scaled = Mat::from_fn(u.nrows(), pos.len(), |i, k| {
        u[(i, pos[k])] / spec.eigenvalues[pos[k]].sqrt()
    });
    let k = linalg::product(
        linalg::product(scaled.transpose(), a.as_ref(), 1.0).as_ref(),
        scaled.as_ref(),
        1.0,
    );
    let k_max = linalg::sym_lambda_max(linalg::symmetrized(k.as_ref()).as_ref())?.unwrap_or(0.0);
    // A ⪰ H², so k_max ≥ λ_max(H) > 0 on the range of H.
    Ok(CriticalGamma::two_over(k_max, 0.0))
}

/// Theorem 3.3 at learning rate `gamma` with batch factor `c`: value
/// `λ_max{(I − γH)² + γ²cΣ}` (computed directly from that matrix), threshold `1`.
///
/// # Errors
/// A numerical failure of an eigenvalue computation.
pub fn thm33(
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    gamma: f64,
    tol: &Tolerances,
) -> Result<CriterionResult> {
    let m = moments.thm33_matrix(gamma, c);
    let value = linalg::sym_lambda_max(m.as_ref())?.expect("d ≥ 1");
    let critical = thm33_critical_gamma(moments, spec, c, tol.null_space)?;
    Ok(CriterionResult::new(
        value,
        1.0,
        critical,
        gamma,
        tol.boundary,
    ))
}
