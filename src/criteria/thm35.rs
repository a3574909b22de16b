//! Theorem 3.5: for squared loss, batch size 1 and rank-one `H_i = g_i g_iᵀ`, linear stability
//! implies `tr(H) ≤ 2/γ` (a necessary condition).

use super::{CriterionResult, CriticalGamma, HSpectrum, SampleShapes};
use crate::tolerance::RelTol;
use serde::Serialize;

/// Whether Theorem 3.5's hypotheses hold for an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thm35Hypotheses {
    /// `B = 1`.
    pub batch_size_one: bool,
    /// Every `H_i` is PSD of rank at most one (`H_i = g_i g_iᵀ`, the squared-loss form at a
    /// global minimum with a scalar output).
    pub rank_one: bool,
}

impl Thm35Hypotheses {
    /// Both hypotheses hold, so the trace check is the theorem's necessary condition.
    #[must_use]
    pub fn hold(&self) -> bool {
        self.batch_size_one && self.rank_one
    }

    /// The hypotheses that fail, in words.
    #[must_use]
    pub fn failures(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if !self.batch_size_one {
            v.push("B ≠ 1");
        }
        if !self.rank_one {
            v.push("some H_i is not PSD of rank one");
        }
        v
    }
}

/// Theorem 3.5 at one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Thm35 {
    /// `tr(H) ≤ 2/γ`: value `tr(H)`, threshold `2/γ`, `γ*_3.5 = 2/tr(H)`.
    pub check: CriterionResult,
    /// Whether the theorem applies; when it does not, the check is information, not a theorem.
    pub hypotheses: Thm35Hypotheses,
}

/// Theorem 3.5's trace check at `gamma`, with its hypotheses evaluated for batch size
/// `batch_size` and the per-sample shapes `shapes`.
#[must_use]
pub fn thm35(
    spec: &HSpectrum,
    shapes: &SampleShapes,
    batch_size: usize,
    gamma: f64,
    boundary: RelTol,
) -> Thm35 {
    let trace = spec.trace();
    let critical = CriticalGamma::two_over(trace, spec.zero_tol);
    Thm35 {
        check: CriterionResult::new(trace, 2.0 / gamma, critical, gamma, boundary),
        hypotheses: Thm35Hypotheses {
            batch_size_one: batch_size == 1,
            rank_one: shapes.not_psd.is_empty() && shapes.rank_above_one.is_empty(),
        },
    }
}
