//! Corollary 3.4: GD (`B = N`) is linearly stable iff `‖H‖₂ ≤ 2/γ` (for `H ⪰ 0`).

use super::{CriterionResult, CriticalGamma, HSpectrum};
use crate::tolerance::RelTol;

/// The GD criterion at learning rate `gamma`: value `λ_max(H)`, threshold `2/γ`,
/// `γ*_GD = 2/λ_max(H)`.
///
/// The exact GD condition is `max_j |1 − γλ_j(H)| ≤ 1`, i.e. `0 ≤ γλ_j ≤ 2` for every
/// eigenvalue; for `H ⪰ 0` it is the lecture's `‖H‖₂ ≤ 2/γ`. If `H` has a negative eigenvalue
/// (a saddle) then `1 − γλ_min > 1` for every `γ > 0` and no learning rate is accepted.
#[must_use]
pub fn gd(spec: &HSpectrum, gamma: f64, boundary: RelTol) -> CriterionResult {
    let sharpness = spec.sharpness();
    let critical = if spec.is_psd() {
        CriticalGamma::two_over(sharpness, spec.zero_tol)
    } else {
        CriticalGamma::NoneAccepted
    };
    CriterionResult::new(sharpness, 2.0 / gamma, critical, gamma, boundary)
}
