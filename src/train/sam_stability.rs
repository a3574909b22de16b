//! SAM's linear stability at a minimum, derived on a quadratic.
//!
//! Near a minimum `x*` (take `x* = 0`) the loss is `F(x) ≈ ½ xᵀHx`, `H ⪰ 0`, and
//! `∇F(x) = Hx`.
//!
//! **Unnormalized SAM** (full batch), `x_{k+1} = x_k − γ∇F(x_k + ρ∇F(x_k))`, is then linear:
//!
//! `x_{k+1} = x_k − γH(x_k + ρHx_k) = p(H) x_k`,  `p(λ) = 1 − γλ(1 + ρλ)`.
//!
//! **Claim.** For `γ, ρ > 0`, `x* = 0` is stable (`‖x_k‖ ≤ C‖x_0‖` for every `x_0` and `k`)
//! iff `γλ(1 + ρλ) ≤ 2` for every eigenvalue `λ ≥ 0` of `H`; equivalently
//! `γ ≤ γ*_SAM = 2/(λ_max(1 + ρλ_max))`.
//!
//! *Proof.* Write `H = UΛUᵀ`. Then `p(H) = U p(Λ) Uᵀ`, so in the coordinates `c = Uᵀx` each
//! coordinate evolves on its own, `c_{k,i} = p(λ_i)^k c_{0,i}`, and `‖x_k‖² = Σ_i p(λ_i)^{2k}
//! c_{0,i}²`. This is bounded in `k` for every `x_0` iff `|p(λ_i)| ≤ 1` for every `i` (if some
//! `|p(λ_i)| > 1`, start on `u_i`). For `λ ≥ 0`, `γλ(1 + ρλ) ≥ 0`, so `p(λ) ≤ 1` always, and
//! `p(λ) ≥ −1 ⇔ γλ(1 + ρλ) ≤ 2`. Since `λ ↦ λ(1 + ρλ)` increases on `λ ≥ 0`, the condition for
//! every eigenvalue is the condition for `λ_max`. ∎
//!
//! At `ρ = 0` this is GD's `γ ≤ 2/λ_max` (Corollary 3.4); SAM's ascent multiplies the
//! curvature a step sees by `1 + ρλ`, so SAM is stable only at flatter minima than GD at the
//! same `γ`: `λ_max ≤ (√(1 + 8ρ/γ) − 1)/(2ρ) < 2/γ`. The claim is about full-batch SAM near
//! a minimum (its linearization); with minibatches the per-batch `H_B` enter as in
//! Theorem 3.3, which this does not cover.
//!
//! **Normalized SAM** (Foret et al.) does not linearize: `ε = ρ∇F/‖∇F‖` has length `ρ` however
//! close `x` is to the minimum, so the step `−γH(x + ρ Hx/‖Hx‖)` does not vanish at `x* `, and
//! `x*` is not a fixed point of the iteration in any neighbourhood. In `d = 1`
//! (`F = ½λx²`): `x_{k+1} = (1 − γλ)x_k − γλρ·sign(x_k)`, and for `0 < γλ < 2` every start
//! `x_0 ≠ 0` converges to the 2-cycle `±a`, `a = γλρ/(2 − γλ)` (the map `|x| ↦ |(1 − γλ)|x| −
//! γλρ|` is a contraction with slope `|1 − γλ|` on each piece, fixed point `a`, and the sign
//! alternates there), where the loss is `½λa²` — a floor, not zero.
//! [`normalized_cycle_amplitude`] gives `a`; in `d ≥ 2` the experiment measures how close the
//! iteration comes to this cycle along the top eigenvector of `H` (Bartlett, Long & Bousquet,
//! 2023, describe this "bouncing" regime).

use crate::criteria::CriticalGamma;

/// `p(λ) = 1 − γλ(1 + ρλ)`, unnormalized SAM's factor on an eigenvector of `H` with eigenvalue
/// `λ`.
#[must_use]
pub fn unnormalized_factor(gamma: f64, rho: f64, lambda: f64) -> f64 {
    1.0 - gamma * lambda * (1.0 + rho * lambda)
}

/// `γ*_SAM = 2/(λ_max(1 + ρλ_max))`: unnormalized full-batch SAM is linearly stable at a
/// minimum with sharpness `λ_max` iff `γ ≤ γ*_SAM` (unbounded when `λ_max ≤ 0`).
#[must_use]
pub fn unnormalized_critical_gamma(rho: f64, lambda_max: f64) -> CriticalGamma {
    CriticalGamma::two_over(lambda_max * (1.0 + rho * lambda_max), 0.0)
}

/// The largest sharpness unnormalized SAM with `γ`, `ρ` is stable at:
/// `(√(1 + 8ρ/γ) − 1)/(2ρ)`, the root of `γλ(1 + ρλ) = 2`.
#[must_use]
pub fn unnormalized_max_sharpness(gamma: f64, rho: f64) -> f64 {
    // 4/(γ(1 + √(1 + 8ρ/γ))) is the same root without cancellation for small ρ.
    4.0 / (gamma * (1.0 + (1.0 + 8.0 * rho / gamma).sqrt()))
}

/// `a = γλρ/(2 − γλ)`: the half-amplitude of the 2-cycle normalized full-batch SAM converges to
/// on `F = ½λx²` (`d = 1`), for `0 < γλ < 2`; `None` outside that range.
#[must_use]
pub fn normalized_cycle_amplitude(gamma: f64, rho: f64, lambda: f64) -> Option<f64> {
    let gl = gamma * lambda;
    (gl > 0.0 && gl < 2.0).then(|| gl * rho / (2.0 - gl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_sharpness_is_the_root_and_rho_zero_is_gd() {
        let (g, r) = (0.3, 0.05);
        let l = unnormalized_max_sharpness(g, r);
        assert!((g * l * (1.0 + r * l) - 2.0).abs() < 1e-14);
        let CriticalGamma::Finite(gs) = unnormalized_critical_gamma(r, l) else {
            panic!()
        };
        assert!((gs - g).abs() < 1e-14 * g);
        assert!((unnormalized_max_sharpness(g, 1e-300) - 2.0 / g).abs() < 1e-12);
    }

    #[test]
    fn the_one_dimensional_normalized_iteration_reaches_the_two_cycle() {
        for (g, l, r) in [(0.5, 1.0, 0.1), (0.9, 2.0, 0.03), (0.2, 0.5, 1.0)] {
            let a = normalized_cycle_amplitude(g, r, l).unwrap();
            let mut x: f64 = 3.7;
            for _ in 0..2000 {
                x = (1.0 - g * l) * x - g * l * r * x.signum();
            }
            assert!((x.abs() - a).abs() < 1e-12 * a.max(1.0), "{x} vs ±{a}");
            let next = (1.0 - g * l) * x - g * l * r * x.signum();
            assert!((next + x).abs() < 1e-12, "alternates: {x} → {next}");
        }
        assert!(normalized_cycle_amplitude(1.0, 0.1, 2.5).is_none());
    }
}
