//! Every tolerance the toolkit uses, as values in one place.
//!
//! Tolerances are relative: each is multiplied by a scale taken from the problem (the largest
//! entry of a matrix, its spectral norm, a critical learning rate), never used as a bare absolute
//! number in the middle of the code.

use serde::Serialize;

/// A relative tolerance: a non-negative, finite number that multiplies a problem scale.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct RelTol(f64);

impl RelTol {
    /// A relative tolerance; `None` unless `value` is finite and `≥ 0`.
    #[must_use]
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && value >= 0.0).then_some(Self(value))
    }

    /// The raw value.
    #[must_use]
    pub fn value(self) -> f64 {
        self.0
    }

    /// The absolute tolerance for a quantity of magnitude `scale`.
    #[must_use]
    pub fn at_scale(self, scale: f64) -> f64 {
        self.0 * scale.abs()
    }
}

/// The tolerances of one analysis.
///
/// | field | what it decides | scale |
/// |---|---|---|
/// | `symmetry` | a Hessian with `|H_ij − H_ji|` above it is rejected as non-symmetric | `max |H_ij|` of that sample |
/// | `null_space` | an eigenvalue of `H` (or of one `H_i`) with magnitude below it counts as zero: a null direction, or a rank deficiency | `‖H‖₂` (`‖H_i‖₂`) |
/// | `boundary` | a verdict with `|γ/γ* − 1|` below it is reported as `boundary` | `1` (already relative) |
/// | `agreement` | two floating-point routes (enumeration, closed form) agree within it | the quantity's largest entry, at least 1 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerances {
    /// Largest accepted asymmetry of a Hessian, relative to its largest entry.
    pub symmetry: RelTol,
    /// Eigenvalues below this (relative to the spectral norm) are treated as exactly zero.
    pub null_space: RelTol,
    /// Relative distance of `γ` to a critical learning rate below which a verdict is `boundary`.
    pub boundary: RelTol,
    /// Largest accepted `|enumerated − closed form|` of a floating-point check, relative to the
    /// quantity's largest entry (at least 1).
    pub agreement: RelTol,
}

impl Tolerances {
    /// Default symmetry tolerance: `1e-6`, loose enough for Hessians computed in `float32`
    /// (e.g. `torch.func.hessian`), tight enough to catch a transposed or mistyped entry.
    pub const DEFAULT_SYMMETRY: f64 = 1e-6;
    /// Default null-space tolerance: `1e-10 · ‖H‖₂`.
    pub const DEFAULT_NULL_SPACE: f64 = 1e-10;
    /// Default boundary tolerance: `|γ/γ* − 1| ≤ 1e-9`.
    pub const DEFAULT_BOUNDARY: f64 = 1e-9;
    /// Default agreement tolerance of floating-point route comparisons: `1e-10`, far above the
    /// rounding of sums over millions of minibatches (about `1e-13` relative), far below any
    /// real discrepancy of an identity.
    pub const DEFAULT_AGREEMENT: f64 = 1e-10;
    /// A trained model interpolates its data when `max_i |h(θ; u_i) − v_i|` is at most this
    /// times `max(1, max_i |v_i|)`: the target of [`crate::train::polish`], where the
    /// per-sample Hessians are `g_i g_iᵀ` up to rounding.
    pub const INTERPOLATION_RESIDUAL: f64 = 1e-12;
    /// Random reshuffling: `ρ(L_epoch) ≤ 1 + this` counts as stable. Null directions of `H`
    /// that every `H_i` annihilates have `ρ = 1` exactly, which rounding moves by about `1e-15`.
    pub const RESHUFFLING_STABLE_SLACK: f64 = 1e-9;
    /// Random reshuffling: the bisection on `ρ(L_epoch) = 1` stops when the bracket is this
    /// narrow relative to its upper end.
    pub const RESHUFFLING_BISECTION: f64 = 1e-10;
    /// `simulate`: relative slack added to the eigenvalue range behind the bound on
    /// `‖I − γH_B‖`, covering the rounding of the symmetric eigenvalue solver (about
    /// `d·ε·‖H_i‖`).
    pub const STEP_NORM_BOUND_SLACK: f64 = 1e-12;
    /// Restarted Lanczos: the default relative residual `‖Av − θv‖ ≤ this · ‖A‖` at which a
    /// Ritz pair counts as converged. The Ritz value is then within `1e-11 ‖A‖` of an
    /// eigenvalue (in practice far closer: the eigenvalue error is about residual²/gap).
    pub const LANCZOS_RESIDUAL: f64 = 1e-11;
    /// The report's Monte Carlo: an instance counts as stable when `ρ(L_γ) < 1 −` this,
    /// clearly inside, so that the simulated curve decays visibly.
    pub const SIMULATED_STABLE_MARGIN: f64 = 1e-6;
    /// The SAM experiment: on the stable side `‖x_K‖ ≤ ‖x_0‖(1 + this)` (rounding only: every
    /// factor has `|p| < 1`).
    pub const SAM_STABLE_SLACK: f64 = 1e-9;
    /// The experiments' tallies: two numbers are "the same" when within this relative margin
    /// (0.1%).
    pub const EXPERIMENT_SAME_WITHIN: f64 = 1e-3;
    /// Section 4's claims: two quantities agree to rounding when their relative difference is
    /// at most this.
    pub const SECTION4_ROUNDING: f64 = 1e-12;
}

impl Default for Tolerances {
    fn default() -> Self {
        Self {
            symmetry: RelTol(Self::DEFAULT_SYMMETRY),
            null_space: RelTol(Self::DEFAULT_NULL_SPACE),
            boundary: RelTol(Self::DEFAULT_BOUNDARY),
            agreement: RelTol(Self::DEFAULT_AGREEMENT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_tol_rejects_negative_and_nan() {
        assert!(RelTol::new(-1e-3).is_none());
        assert!(RelTol::new(f64::NAN).is_none());
        assert!(RelTol::new(f64::INFINITY).is_none());
        assert_eq!(RelTol::new(0.0).map(RelTol::value), Some(0.0));
    }

    #[test]
    fn at_scale_uses_magnitude() {
        let t = RelTol::new(1e-3).unwrap();
        assert!((t.at_scale(-2.0) - 2e-3).abs() < 1e-18);
    }
}
