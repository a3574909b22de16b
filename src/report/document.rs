//! The verification report: every check on a set of instances, gathered into one value and
//! rendered as Markdown ([`markdown`]), self-contained HTML with inline SVG ([`html`]) and JSON
//! ([`json`]).

use super::{critical, sgd_summary};
use crate::analysis::Analysis;
use crate::enumerate::EnumerationCheck;
use crate::error::Result;
use crate::figures::{self, BatchCurve, DiagramPoint};
use crate::fmt::{md_name, sig, text_name};
use crate::instance::Instance;
use crate::tolerance::Tolerances;
use crate::verification::{proof_name, SimulationPlan, Verification, SIMULATION};
use serde::Serialize;
use std::fmt::Write as _;

mod html;
mod json;
mod markdown;

use super::figure::Figure;
pub use crate::verification::Expectation;
pub use html::document_html;
pub use json::document_json;
pub use markdown::{document_markdown, document_summary};

/// Everything in a verification report.
#[derive(Debug, Clone)]
pub struct Document {
    /// The instances analyzed.
    pub analyses: Vec<Analysis>,
    /// Enumeration over every minibatch against the closed form, exact, per instance (`None`
    /// when above the limit).
    pub enumerations: Vec<Option<EnumerationCheck>>,
    /// Critical γ against B per instance (`3 ≤ N ≤ 64`).
    pub batch_curves: Vec<BatchCurve>,
    /// The figures.
    pub figures: Vec<Figure>,
    /// Monte Carlo against the exact curve, for a stable and an unstable instance.
    pub simulations: Vec<crate::simulate::Comparison>,
    /// The derivation checker's reports, one per proof file.
    pub proofs: Vec<crate::proof::FileReport>,
    /// The checks expected to hold.
    pub expectations: Vec<Expectation>,
    /// The experiments on trained models, when run ([`Document::with_experiments`]).
    pub experiments: Vec<super::experiments::Section>,
}

/// The longest instance-name part of a figure's file name, in bytes (file systems allow 255).
const FIGURE_NAME_MAX: usize = 80;

/// File names for figures named after instances. Names are data, not paths: every byte outside
/// `[A-Za-z0-9._-]` becomes `_` (so `/`, `..` components, control characters and the like cannot
/// reach the file system), the part from the name is capped at [`FIGURE_NAME_MAX`] bytes, and
/// a name that would repeat an earlier one (ignoring case, for case-insensitive file systems)
/// gets `-2`, `-3`, ….
#[derive(Debug, Default)]
struct FigureNames {
    used: std::collections::HashSet<String>,
}

impl FigureNames {
    fn file(&mut self, prefix: &str, name: &str) -> String {
        let mut safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(FIGURE_NAME_MAX)
            .collect();
        if safe.is_empty() {
            safe.push('_');
        }
        let mut k = 1;
        loop {
            let file = if k == 1 {
                format!("{prefix}-{safe}.svg")
            } else {
                format!("{prefix}-{safe}-{k}.svg")
            };
            if self.used.insert(file.to_ascii_lowercase()) {
                return file;
            }
            k += 1;
        }
    }
}

impl Document {
    /// The [`Verification`] of `instances` and `proof_files` (computed once), with its figures
    /// drawn.
    ///
    /// # Errors
    /// As [`Verification::run`]; a plotting failure (reported as [`crate::Error::Numerical`]);
    /// [`crate::Error::Input`] on `sampling` for an instance under random reshuffling (every
    /// check here is of the i.i.d. schemes; see [`Analysis::of`]).
    pub fn build(
        instances: &[Instance],
        proof_files: &[std::path::PathBuf],
        tol: &Tolerances,
    ) -> Result<Self> {
        let Verification {
            analyses,
            enumerations,
            batch_curves,
            simulations,
            proofs,
            expectations,
        } = Verification::run(instances, proof_files, tol)?;
        let plot = |r: std::result::Result<String, String>| r.map_err(crate::Error::Numerical);
        let mut figures = vec![Figure {
            file: "diagram.svg".to_owned(),
            title: "The sharpness–non-uniformity diagram".to_owned(),
            caption: "Each instance i (numbered as in the instance table) at x = γ·λ_max(H), y = γ·√c·s with s = √λ_max(Σ), its own γ and batch factor c. In these coordinates Theorem 3.3's d = 1 condition (1 − γa)² + γ²c·s² ≤ 1 is the shaded half disk for every γ, N, B and sampling, and GD's condition a ≤ 2/γ is x ≤ 2. Markers show the exact mean-square verdict ρ(L_γ) ≤ 1; for d ≥ 2 the disk is only the lecture's d = 1 picture.".to_owned(),
            svg: plot(figures::diagram_svg(
                &analyses
                    .iter()
                    .enumerate()
                    .map(|(i, a)| DiagramPoint {
                        label: (i + 1).to_string(),
                        x: a.summary.gamma * a.summary.sharpness,
                        y: a.summary.gamma * a.summary.c.sqrt() * a.summary.non_uniformity,
                        verdict: a.mean_square.check.verdict,
                    })
                    .collect::<Vec<_>>(),
            ))?,
        }];
        let mut names = FigureNames::default();
        for c in &batch_curves {
            figures.push(Figure {
                file: names.file("critical-gamma-vs-batch", &c.name),
                title: format!("Critical learning rate against batch size: {}", md_name(&c.name)),
                caption: format!(
                    "{}: N = {}, B = 1..{} without replacement. Lines: GD's 2/λ_max(H), the exact γ* (ρ(L_γ) = 1), Theorem 3.3's γ*, and 2/tr(H) — a theorem (Theorem 3.5) only at the filled markers, where B = 1 and every H_i has rank one.",
                    md_name(&c.name), c.n, c.n
                ),
                svg: plot(figures::batch_curve_svg(c))?,
            });
        }
        for c in &simulations {
            let sim = &c.simulation;
            let points: Vec<figures::CurvePoint> = c
                .rows
                .iter()
                .map(|r| figures::CurvePoint {
                    step: r.step,
                    ln_estimate: r.ln_estimate,
                    ln_lower: r.ln_lower,
                    ln_upper: r.ln_upper,
                    ln_exact: r.ln_predicted,
                })
                .collect();
            let SimulationPlan {
                steps,
                trials,
                seed,
            } = SIMULATION;
            figures.push(Figure {
                file: names.file("mean-square", &sim.name),
                title: format!("E‖x_k‖² against k: {}", md_name(&sim.name)),
                caption: format!(
                    "{}: N = {}, d = {}, B = {}, {}, γ = {}; {trials} trials of {steps} steps from a random unit x₀, seed {seed}. Line: Monte Carlo estimate of E‖x_k‖² (natural log), band: its finite-sample (empirical Bernstein) interval at family-wise level α = {} over the steps tested; the exact curve is tr L_γ^k(x₀x₀ᵀ) averaged over x₀. Agreement test: {}.",
                    md_name(&sim.name), sim.n, sim.d, sim.batch_size, sim.sampling, sig(sim.gamma), c.agreement.alpha, c.agreement.verdict.as_str()
                ),
                svg: plot(figures::moment_curve_svg(
                    &format!("E‖x_k‖² against k: {} (γ = {})", text_name(&sim.name), sig(sim.gamma)),
                    &points,
                ))?,
            });
        }
        let mut bars = Vec::new();
        for f in &proofs {
            let mut bar = figures::ProofBar {
                name: proof_name(f),
                proved: 0,
                tested: 0,
                searched: 0,
                errata: 0,
                unexpected: 0,
            };
            for item in &f.items {
                let crate::proof::ItemReport::Step(step) = item else {
                    continue;
                };
                use crate::proof::Class;
                // An inconclusive step meets no expectation: it counts as unexpected.
                let slot = match (step.met, step.verdict.class()) {
                    (true, Class::Proved) => &mut bar.proved,
                    (true, Class::Tested) => &mut bar.tested,
                    (true, Class::Searched) => &mut bar.searched,
                    (true, Class::Refuted) => &mut bar.errata,
                    (false, _) | (true, Class::Inconclusive) => &mut bar.unexpected,
                };
                *slot += 1;
            }
            bars.push(bar);
        }
        if !bars.is_empty() {
            figures.push(Figure {
                file: "proofs.svg".to_owned(),
                title: "The derivation checker's summary".to_owned(),
                caption: "Per proof file in proofs/, the lecture's steps as printed and their labelled corrections: proved for all values of their symbols (normal forms, spectral reduction decided exactly, signs, manifest positivity), equalities tested exactly on instances (not proved), inequalities for which the counterexample search found nothing (evidence, not proof), steps of the lecture that fail as printed (each with an exactly confirmed counterexample in the verify report), and any verdict that differs from the file's expectation or is inconclusive.".to_owned(),
                svg: plot(figures::proof_summary_svg(&bars))?,
            });
        }
        Ok(Self {
            analyses,
            enumerations,
            batch_curves,
            figures,
            simulations,
            proofs,
            expectations,
            experiments: Vec::new(),
        })
    }

    /// The document with the experiments' sections added (after the derivations); their
    /// figures are theirs (`Section::figures`), written beside the others.
    #[must_use]
    pub fn with_experiments(mut self, sections: Vec<super::experiments::Section>) -> Self {
        self.experiments.extend(sections);
        self
    }

    /// Whether every expected-to-hold check holds.
    #[must_use]
    pub fn all_hold(&self) -> bool {
        self.expectations.iter().all(|e| e.holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_names_are_safe_and_unique() {
        let mut n = FigureNames::default();
        let a = n.file("mean-square", "a/../../../../ESCAPED");
        assert_eq!(a, "mean-square-a_.._.._.._.._ESCAPED.svg");
        assert!(!a.contains('/') && !a.contains('\\'));
        assert_eq!(n.file("mean-square", "x"), "mean-square-x.svg");
        assert_eq!(n.file("mean-square", "x"), "mean-square-x-2.svg");
        assert_eq!(n.file("mean-square", "X"), "mean-square-X-3.svg");
        assert_eq!(n.file("mean-square", ".."), "mean-square-...svg");
        assert_eq!(n.file("mean-square", ""), "mean-square-_.svg");
        let long = n.file("mean-square", &"é".repeat(500));
        assert!(long.len() < 120, "{}", long.len());
        let ctl = n.file("mean-square", "a\nb\u{202e}c");
        assert_eq!(ctl, "mean-square-a_b_c.svg");
    }
}
