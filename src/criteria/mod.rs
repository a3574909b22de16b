//! The lecture's stability criteria — Corollary 3.4 (GD), Theorem 3.3 (sufficient) and
//! Theorem 3.5 (necessary) — each as a verdict with its number, its margin and its critical
//! learning rate.
//!
//! Every criterion here accepts a set of learning rates of the form `(0, γ*]` (an interval
//! starting at 0), so its verdict at `γ` is decided by comparing `γ` with its critical learning
//! rate `γ*`: this is exact where `λ_max` would hover at 1 because of null directions of `H`
//! (over-parameterized minima, where the factor is exactly 1 and the minimum is stable).

mod gd;
mod spectrum;
mod thm33;
mod thm35;

pub use gd::gd;
pub use spectrum::{HSpectrum, SampleShapes};
pub use thm33::{thm33, thm33_critical_gamma};
pub use thm35::{thm35, Thm35, Thm35Hypotheses};

use crate::tolerance::RelTol;
use crate::verdict::{ToTruth, Truth};
use serde::Serialize;
use std::fmt;

/// The verdict on a criterion's inequality at one `γ`. Its truth ([`ToTruth`]): `Holds`
/// holds, `Fails` fails, `Boundary` is undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The inequality holds with room to spare (`γ < γ*` beyond the boundary tolerance).
    Holds,
    /// The inequality fails (`γ > γ*` beyond the boundary tolerance).
    Fails,
    /// `γ` is within the boundary tolerance of `γ*`: the inequality is tight, and which side
    /// holds is beyond the accuracy of the computation.
    Boundary,
}

impl Verdict {
    /// The word printed for it (and its JSON string): `holds`, `fails`, `boundary`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::Fails => "fails",
            Self::Boundary => "boundary",
        }
    }

    /// The word for a criterion whose inequality *is* stability (the exact mean-square
    /// criterion `ρ ≤ 1`, or GD's): `stable`, `unstable`, `boundary`.
    #[must_use]
    pub fn stability(self) -> &'static str {
        match self.truth() {
            Truth::Holds => "stable",
            Truth::Fails => "unstable",
            Truth::Undecided => "boundary",
        }
    }
}

impl ToTruth for Verdict {
    fn truth(&self) -> Truth {
        match self {
            Self::Holds => Truth::Holds,
            Self::Fails => Truth::Fails,
            Self::Boundary => Truth::Undecided,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest learning rate a criterion accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CriticalGamma {
    /// Every `γ ∈ (0, γ*]` is accepted and every larger one rejected.
    Finite(f64),
    /// Every `γ > 0` is accepted (e.g. `H = 0`).
    Unbounded,
    /// No `γ > 0` is accepted (e.g. `H` has a negative eigenvalue: a saddle, not a minimum).
    NoneAccepted,
}

impl CriticalGamma {
    /// `2/x` for a positive curvature-like quantity `x`; unbounded when `x ≤ zero_tol`.
    #[must_use]
    pub fn two_over(x: f64, zero_tol: f64) -> Self {
        if x > zero_tol {
            Self::Finite(2.0 / x)
        } else {
            Self::Unbounded
        }
    }

    /// `γ*` as a number: `+∞` when unbounded, `0` when no `γ` is accepted.
    #[must_use]
    pub fn as_f64(self) -> f64 {
        match self {
            Self::Finite(g) => g,
            Self::Unbounded => f64::INFINITY,
            Self::NoneAccepted => 0.0,
        }
    }

    /// `γ*` scaled by `s` (used when all `H_i` are scaled by `1/s`).
    #[must_use]
    pub fn scaled(self, s: f64) -> Self {
        match self {
            Self::Finite(g) => Self::Finite(g * s),
            other => other,
        }
    }

    /// The verdict of a criterion with this critical learning rate at `gamma`.
    #[must_use]
    pub fn verdict_at(self, gamma: f64, boundary: RelTol) -> Verdict {
        match self {
            Self::Unbounded => Verdict::Holds,
            Self::NoneAccepted => Verdict::Fails,
            Self::Finite(g_star) => {
                let ratio = gamma / g_star;
                if (ratio - 1.0).abs() <= boundary.value() {
                    Verdict::Boundary
                } else if ratio < 1.0 {
                    Verdict::Holds
                } else {
                    Verdict::Fails
                }
            }
        }
    }
}

/// One criterion evaluated at one instance: `value ≤ threshold` is the criterion's inequality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CriterionResult {
    /// The criterion's quantity (`λ_max{…}`, `λ_max(H)` or `tr(H)`).
    pub value: f64,
    /// The right-hand side (`1` or `2/γ`).
    pub threshold: f64,
    /// `threshold − value`, in the criterion's own units: positive when the inequality holds.
    pub margin: f64,
    /// The largest learning rate the criterion accepts.
    pub critical_gamma: CriticalGamma,
    /// The verdict at the instance's `γ`, decided from `γ/γ*` with the boundary tolerance.
    pub verdict: Verdict,
}

impl CriterionResult {
    fn new(
        value: f64,
        threshold: f64,
        critical_gamma: CriticalGamma,
        gamma: f64,
        boundary: RelTol,
    ) -> Self {
        Self {
            value,
            threshold,
            margin: threshold - value,
            critical_gamma,
            verdict: critical_gamma.verdict_at(gamma, boundary),
        }
    }
}
