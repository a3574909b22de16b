//! Renderers: pure functions from [`Analysis`] values to text, Markdown and JSON.
//!
//! Numbers are printed at six significant digits (JSON: full precision), so that snapshots are
//! stable; quantities that are zero up to rounding print as `0`.

mod analyze;
pub mod certified;
#[cfg(feature = "cli")]
mod document;
mod enumeration;
#[cfg(feature = "cli")]
pub mod experiments;
#[cfg(feature = "cli")]
mod figure;
mod format;
mod json;
mod markdown;
mod render;
pub mod reshuffling;
mod simulation;
mod sweep;
mod text;
mod verify;

pub use analyze::{json_timed, render};
#[cfg(feature = "cli")]
pub use document::{
    document_html, document_json, document_markdown, document_summary, Document, Expectation,
};
pub use enumeration::{enumeration_json, enumeration_markdown, enumeration_text};
#[cfg(feature = "cli")]
pub use figure::Figure;
pub use format::{md_name, sig, sig_rel, text_name};
pub use json::{json, json_value};
pub use markdown::markdown;
pub use render::{Render, Simulated};
pub use simulation::{simulation_json, simulation_markdown, simulation_text};
pub use sweep::{sweep_json, sweep_json_value, sweep_markdown, sweep_text};
pub use text::text;
pub use verify::{verify_json, verify_markdown, verify_text};

use crate::analysis::Analysis;
use crate::criteria::{CriterionResult, CriticalGamma, Verdict};

/// The output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// A report for people.
    #[default]
    Text,
    /// One JSON object per instance, in an array.
    Json,
    /// Markdown tables.
    Markdown,
}

/// One row of a table of criteria, as printed (text and Markdown, both schemes).
pub(crate) struct Row {
    pub label: &'static str,
    pub kind: &'static str,
    pub inequality: String,
    /// Value, threshold, margin, critical `γ`, `γ/γ*`, check: [`cells`], or `n/a`.
    pub cells: [String; 6],
    pub conclusion: String,
}

/// The cells of a table of criteria for `r` at the instance's `gamma`: value, threshold,
/// margin, critical `γ`, `γ/γ*`, check.
pub(crate) fn cells(r: &CriterionResult, gamma: f64) -> [String; 6] {
    [
        sig(r.value),
        sig(r.threshold),
        sig_rel(r.margin, r.threshold),
        critical(r.critical_gamma),
        ratio(gamma, r.critical_gamma),
        r.verdict.to_string(),
    ]
}

pub(crate) fn critical(g: CriticalGamma) -> String {
    match g {
        CriticalGamma::Finite(x) => sig(x),
        CriticalGamma::Unbounded => "∞".to_owned(),
        CriticalGamma::NoneAccepted => "none".to_owned(),
    }
}

pub(crate) fn ratio(gamma: f64, g: CriticalGamma) -> String {
    match g {
        CriticalGamma::Finite(x) => sig(gamma / x),
        CriticalGamma::Unbounded => "0".to_owned(),
        CriticalGamma::NoneAccepted => "∞".to_owned(),
    }
}

pub(crate) fn rows(a: &Analysis) -> [Row; 4] {
    let thm33 = match a.thm33.verdict {
        Verdict::Holds => "stable for SGD (Theorem 3.3 is sufficient)".to_owned(),
        Verdict::Fails => "not certified: Theorem 3.3 is only sufficient".to_owned(),
        Verdict::Boundary => {
            "at the boundary: λ_max = 1 within tolerance (the condition holds if γ = γ* exactly)"
                .to_owned()
        }
    };
    let s = &a.summary;
    let gd = gd_verdict(a.gd.verdict).to_owned()
        + if s.sgd_is_gd() {
            " (B = N: SGD is GD)"
        } else {
            ""
        };
    let holds = a.thm35.hypotheses.hold();
    let thm35 = match (holds, a.thm35.check.verdict) {
        (true, Verdict::Holds) => "not ruled out (the necessary condition is met)".to_owned(),
        (true, Verdict::Fails) => "unstable for SGD (Theorem 3.5)".to_owned(),
        (true, Verdict::Boundary) => "at the boundary of the necessary condition".to_owned(),
        (false, v) => format!(
            "trace check {v}; Theorem 3.5 does not apply ({}): information only",
            a.thm35.hypotheses.failures().join(", ")
        ),
    };
    let exact = match a.mean_square.check.verdict {
        Verdict::Holds => "mean-square stable for SGD",
        Verdict::Fails => "mean-square unstable for SGD: E‖x_k‖² grows",
        Verdict::Boundary => "at the mean-square boundary: ρ(L_γ) = 1 within tolerance (E‖x_k‖² stays bounded if γ = γ* exactly)",
    }
    .to_owned();
    [
        Row {
            label: "exact (M&M 2024)",
            kind: "iff",
            inequality: "ρ(L_γ) ≤ 1".to_owned(),
            cells: cells(&a.mean_square.check, s.gamma),
            conclusion: exact,
        },
        Row {
            label: "Theorem 3.3",
            kind: "sufficient",
            inequality: "λ_max{(I − γH)² + γ²cΣ} ≤ 1".to_owned(),
            cells: cells(&a.thm33, s.gamma),
            conclusion: thm33,
        },
        Row {
            label: "Corollary 3.4",
            kind: "GD (B = N)",
            inequality: "λ_max(H) ≤ 2/γ".to_owned(),
            cells: cells(&a.gd, s.gamma),
            conclusion: gd,
        },
        Row {
            label: "Theorem 3.5",
            kind: if holds { "necessary" } else { "not applicable" },
            inequality: "tr(H) ≤ 2/γ".to_owned(),
            cells: cells(&a.thm35.check, s.gamma),
            conclusion: thm35,
        },
    ]
}

/// What the range reduction did, in one line (`None` when nothing was reduced or rescaled).
pub(crate) fn reduction_line(s: &crate::analysis::Summary) -> Option<String> {
    let r = &s.reduction;
    let mut parts = Vec::new();
    if r.rank < r.d {
        parts.push(format!(
            "computed on the range of the H_i: r = {} of d = {} dimensions ({}; eigenvalues at most {:e} × the largest count as zero); the other {} {} factor exactly 1",
            r.rank,
            r.d,
            r.route.describe(),
            r.rank_tolerance,
            r.dropped(),
            if r.dropped() == 1 { "direction has" } else { "directions have" }
        ));
    }
    if r.scale_exponent != 0 {
        parts.push(format!(
            "computed at the working scale H_i·2^{}, γ·2^{} (exact in binary floating point; every verdict and ratio is unchanged, and the numbers shown are the input's)",
            -r.scale_exponent, r.scale_exponent
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// How one eigenvalue problem was solved, in words.
pub(crate) fn solve_words(c: &crate::mean_square::Computed) -> String {
    use crate::mean_square::Computed;
    match c {
        Computed::Dense { dim } => format!("dense eigen-solve ({dim}×{dim})"),
        Computed::ClosedForm => "closed form from the eigenvalues of H".to_owned(),
        Computed::NullSpace => "exactly 1 on the null space of H (γ < γ*_exact, so the range part is below 1; not computed)".to_owned(),
        Computed::Lanczos(i) => {
            let rel = c.relative_residual().unwrap_or(0.0);
            if i.converged {
                format!(
                    "restarted Lanczos, {} operator applications, relative residual {rel:.1e}",
                    i.iterations
                )
            } else {
                format!(
                    "restarted Lanczos did NOT reach its tolerance in {} operator applications (relative residual {rel:.1e}): the value is a lower bound of the largest eigenvalue",
                    i.iterations
                )
            }
        }
    }
}

/// The lines under an i.i.d. analysis's criteria: how `γ*_exact` and `ρ` were computed, the
/// samples that set `γ*_exact`, and the mean-square growth prediction.
pub(crate) fn exact_detail_lines(a: &Analysis) -> Vec<String> {
    use crate::mean_square::Computed;
    let ms = &a.mean_square;
    let mut v = Vec::new();
    let informative = |c: &Computed| matches!(c, Computed::Lanczos(_) | Computed::NullSpace);
    if informative(&ms.critical) {
        v.push(format!("γ*_exact: {}", solve_words(&ms.critical)));
    }
    if informative(&ms.radius.computed) {
        v.push(format!("ρ(L_γ): {}", solve_words(&ms.radius.computed)));
    }
    if let (Computed::Lanczos(i), CriticalGamma::Finite(g)) =
        (&ms.critical, ms.check.critical_gamma)
    {
        if !i.converged {
            v.push(format!(
                "warning: γ*_exact ≤ {} is an upper bound only (Lanczos did not converge)",
                sig(g)
            ));
        }
    }
    let top: Vec<crate::mean_square::SampleInfluence> = ms
        .most_influential(3)
        .into_iter()
        .filter(|s| s.d_critical_gamma_d_weight < 0.0)
        .collect();
    if let (false, CriticalGamma::Finite(g)) = (top.is_empty(), ms.check.critical_gamma) {
        let list: Vec<String> = top
            .iter()
            .map(|s| {
                let (i, x) = (s.sample, s.d_critical_gamma_d_weight);
                format!(
                    "#{i} (dγ*/dw = {}, {}% of γ* per unit weight)",
                    sig(x),
                    three_digits(100.0 * x / g)
                )
            })
            .collect();
        v.push(format!(
            "samples that set γ*_exact (up-weighting them lowers it most; indices from 0): {}",
            list.join(", ")
        ));
    }
    if let Some(k) = ms.steps_to_grow(GROWTH_FACTOR) {
        v.push(format!(
            "mean-square prediction: E‖x_k‖² grows ×{GROWTH_FACTOR:e} in about {} steps (ln {GROWTH_FACTOR:e} / ln ρ); a single run escapes at its Lyapunov rate, usually later",
            sig(k.ceil())
        ));
    }
    v
}

/// The growth factor of `E‖x_k‖²` whose step count the reports predict.
pub const GROWTH_FACTOR: f64 = 1e6;

/// The exact verdict for SGD, in one line (for summaries outside this module).
#[must_use]
pub fn exact_summary_line(a: &Analysis) -> String {
    exact_summary(a)
}

/// The exact verdict for SGD, in one line.
pub(crate) fn exact_summary(a: &Analysis) -> String {
    let rho = sig(a.mean_square.check.value);
    match a.mean_square.check.verdict {
        Verdict::Holds => format!("stable (ρ(L_γ) = {rho}, γ < γ*_exact)"),
        Verdict::Fails => format!("unstable (ρ(L_γ) = {rho}, γ > γ*_exact)"),
        Verdict::Boundary => format!("boundary (γ = γ*_exact within tolerance, ρ(L_γ) = {rho})"),
    }
}

/// GD's verdict (Corollary 3.4) in words.
pub(crate) fn gd_verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "stable for GD",
        Verdict::Fails => "unstable for GD",
        Verdict::Boundary => "at the GD boundary (λ_max(H) = 2/γ): stable, |1 − γλ_max| = 1",
    }
}

/// The SGD conclusion the lecture's criteria allow, in one line.
pub(crate) fn sgd_summary(a: &Analysis) -> String {
    let s = &a.summary;
    if s.sgd_is_gd() {
        return match a.gd.verdict {
            Verdict::Holds => "stable (B = N: SGD is GD, Corollary 3.4 is exact)".to_owned(),
            Verdict::Fails => "unstable (B = N: SGD is GD, Corollary 3.4 is exact)".to_owned(),
            Verdict::Boundary => "boundary (B = N: SGD is GD, λ_max(H) = 2/γ)".to_owned(),
        };
    }
    if a.thm33.verdict == Verdict::Holds {
        return "stable (Theorem 3.3)".to_owned();
    }
    if a.thm35.hypotheses.hold() && a.thm35.check.verdict == Verdict::Fails {
        return "unstable (Theorem 3.5)".to_owned();
    }
    if s.d == 1 && a.thm33.verdict == Verdict::Fails {
        return "unstable (d = 1: Theorem 3.3 is necessary and sufficient)".to_owned();
    }
    if s.d == 1 && a.thm33.verdict == Verdict::Boundary {
        return "boundary (d = 1: Theorem 3.3 is exact and γ = γ* within tolerance; stable if exactly equal)".to_owned();
    }
    if !s.h_psd {
        return "unstable (H is not PSD: not a minimum)".to_owned();
    }
    if a.gd.verdict == Verdict::Fails {
        // E[x_k] = (I − γH)^k x_0 grows, and E‖x_k‖² ≥ ‖E x_k‖².
        return "unstable (GD's criterion fails: the mean E[x_k] = (I − γH)^k x_0 already grows, and E‖x_k‖² ≥ ‖E[x_k]‖²)".to_owned();
    }
    if s.reduction.rank == 1 && a.thm33.verdict == Verdict::Fails {
        return "unstable (the H_i share one direction, r = 1: Theorem 3.3 is exact there, as in d = 1)".to_owned();
    }
    "undecided by the lecture's criteria".to_owned()
}

/// `x` rounded to three significant digits (as [`sig`] prints it). A sample's share of `γ*`
/// at N in the thousands is a few hundredths of a percent, which a fixed one-decimal format
/// would print as `-0.0`.
fn three_digits(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return sig(x);
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    if scale.is_finite() && scale > 0.0 {
        sig((x * scale).round() / scale)
    } else {
        sig(x)
    }
}

#[cfg(test)]
mod tests {
    use super::three_digits;

    #[test]
    fn shares_keep_three_significant_digits() {
        assert_eq!(three_digits(-40.0), "-40");
        assert_eq!(three_digits(-9.3333), "-9.33");
        assert_eq!(three_digits(-0.945_12), "-0.945");
        // One sample of N = 2000: a fixed one-decimal format printed "-0.0".
        assert_eq!(three_digits(-0.041_024), "-0.041");
        assert_eq!(three_digits(-4.1e-7), "-4.1e-7");
        assert_eq!(three_digits(-1e-310), crate::fmt::sig(-1e-310));
        assert_eq!(three_digits(0.0), "0");
    }
}
