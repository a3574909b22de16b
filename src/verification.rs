//! The verification layer: every check the report shows, computed once per instance and
//! handed to the renderers as finished values ([`Verification::run`]). Nothing here draws or
//! formats a report; `report::Document` turns a [`Verification`] into figures and text.
//!
//! Per instance: its [`Analysis`], the exact enumeration over every minibatch against the
//! closed forms, and (for `3 ≤ N ≤` [`BATCH_CURVE_MAX_N`]) every criterion's critical `γ`
//! against `B`; Monte Carlo for the first stable and the first unstable instance; the
//! derivation checker on the proof files; and the list of checks expected to hold.

use crate::analysis::Analysis;
use crate::criteria::CriticalGamma;
use crate::enumerate::{Arithmetic, EnumerationCheck, EnumerationParams};
use crate::error::Result;
use crate::fmt::text_name;
use crate::instance::{Instance, Sampling};
use crate::mean_square::{self, BatchSizes};
use crate::tolerance::Tolerances;
use crate::verdict::{ToTruth, Truth};

/// Batch curves are computed for instances with `3 ≤ N ≤` this.
pub const BATCH_CURVE_MAX_N: usize = 64;

/// How the report's Monte Carlo runs: `K` steps, `R` trials, one seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulationPlan {
    /// `K`, the steps of every trial.
    pub steps: usize,
    /// `R`, the trials.
    pub trials: usize,
    /// The seed of every random stream.
    pub seed: u64,
}

/// The report's Monte Carlo plan.
pub const SIMULATION: SimulationPlan = SimulationPlan {
    steps: 30,
    trials: 4000,
    seed: 2026,
};

/// An instance counts as stable for the report's Monte Carlo when `ρ(L_γ) < 1 −` this
/// ([`Tolerances::SIMULATED_STABLE_MARGIN`]).
const SIMULATED_STABLE_MARGIN: f64 = Tolerances::SIMULATED_STABLE_MARGIN;

/// One check that is expected to hold; the main job fails if any does not.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub holds: bool,
}

/// Every criterion's critical `γ` at one batch size (`None` when unbounded or none accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPoint {
    /// `B`.
    pub batch_size: usize,
    /// `γ*_GD = 2/λ_max(H)` (does not depend on `B`).
    pub gd: Option<f64>,
    /// `γ*_3.3`.
    pub thm33: Option<f64>,
    /// `γ*_exact`.
    pub exact: Option<f64>,
    /// Theorem 3.5's `2/tr(H)`, with whether its hypotheses hold at this `B`.
    pub thm35: Option<Thm35Point>,
}

/// Theorem 3.5's critical `γ` at one batch size, with whether it applies there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thm35Point {
    /// `γ*_3.5 = 2/tr(H)`.
    pub critical_gamma: f64,
    /// Whether Theorem 3.5's hypotheses hold at this `B` (`B = 1`, rank-one `H_i`): only then
    /// is `γ*_3.5` a necessary bound.
    pub hypotheses_hold: bool,
}

/// One instance's critical `γ` against `B`, without replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCurve {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// The sampling scheme of the curve.
    pub sampling: Sampling,
    /// One point per `B = 1..N`.
    pub points: Vec<BatchPoint>,
}

/// Everything a verification report shows, computed.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The instances analyzed, in input order.
    pub analyses: Vec<Analysis>,
    /// Enumeration over every minibatch against the closed form, exact, per instance (`None`
    /// when above the limit).
    pub enumerations: Vec<Option<EnumerationCheck>>,
    /// Critical `γ` against `B` per instance with `3 ≤ N ≤` [`BATCH_CURVE_MAX_N`].
    pub batch_curves: Vec<BatchCurve>,
    /// Monte Carlo against the exact curve, for the first stable and the first unstable
    /// instance.
    pub simulations: Vec<crate::simulate::Comparison>,
    /// The derivation checker's reports, one per proof file.
    pub proofs: Vec<crate::proof::FileReport>,
    /// The checks expected to hold: per instance its orderings and its enumeration, then the
    /// simulations, then every proof step.
    pub expectations: Vec<Expectation>,
}

fn finite(g: CriticalGamma) -> Option<f64> {
    match g {
        CriticalGamma::Finite(x) => Some(x),
        _ => None,
    }
}

/// The batch curve of `instance`: one [`mean_square::sweep_one_scheme`] without replacement
/// over `B = 1..N` — the range reduction, the moments and the spectrum of `H` taken once, every
/// `γ*` the one [`Analysis::of`] gives at that `B`.
fn batch_curve(instance: &Instance, tol: &Tolerances) -> Result<Option<BatchCurve>> {
    let n = instance.n();
    if !(3..=BATCH_CURVE_MAX_N).contains(&n) {
        return Ok(None);
    }
    let sampling = Sampling::WithoutReplacement;
    let sweep = mean_square::sweep_one_scheme(instance, tol, sampling, &BatchSizes::Every)?;
    let points = sweep
        .rows
        .iter()
        .map(|r| BatchPoint {
            batch_size: r.batch_size,
            gd: finite(sweep.gd),
            thm33: finite(r.thm33),
            exact: finite(r.exact),
            thm35: finite(r.thm35).map(|g| Thm35Point {
                critical_gamma: g,
                hypotheses_hold: r.thm35_applies,
            }),
        })
        .collect();
    Ok(Some(BatchCurve {
        name: instance.name().to_owned(),
        n,
        sampling,
        points,
    }))
}

/// The name a proof file is shown under: its file stem.
#[must_use]
pub fn proof_name(f: &crate::proof::FileReport) -> String {
    std::path::Path::new(&f.path)
        .file_stem()
        .map_or_else(|| f.path.clone(), |s| s.to_string_lossy().into_owned())
}

impl Verification {
    /// Analyze, enumerate, simulate and check everything for `instances` and `proof_files`.
    ///
    /// # Errors
    /// A numerical failure; [`crate::Error::Input`] on `sampling` for an instance under random
    /// reshuffling (every check here is of the i.i.d. schemes; see [`Analysis::of`]); as
    /// [`crate::proof::verify`] for the proof files.
    pub fn run(
        instances: &[Instance],
        proof_files: &[std::path::PathBuf],
        tol: &Tolerances,
    ) -> Result<Self> {
        let mut analyses = Vec::new();
        let mut enumerations = Vec::new();
        let mut batch_curves = Vec::new();
        let mut expectations = Vec::new();
        for inst in instances {
            let a = Analysis::of(inst, tol)?;
            for o in &a.orderings {
                expectations.push(Expectation {
                    what: format!("{}: {}", text_name(&a.summary.name), o.relation),
                    holds: o.holds,
                });
            }
            let e = EnumerationCheck::run(
                inst,
                Arithmetic::Exact,
                &EnumerationParams::default(),
                tol.agreement,
            )
            .ok();
            if let Some(e) = &e {
                expectations.push(Expectation {
                    what: format!(
                        "{}: every-minibatch enumeration == closed form (exact)",
                        text_name(&a.summary.name)
                    ),
                    holds: e.agrees(),
                });
            }
            enumerations.push(e);
            if let Some(c) = batch_curve(inst, tol)? {
                batch_curves.push(c);
            }
            analyses.push(a);
        }
        // One stable (ρ < 1) and one unstable instance, the first of each in input order.
        let mut simulations = Vec::new();
        let stable = analyses.iter().position(|a| {
            a.mean_square.check.verdict == crate::criteria::Verdict::Holds
                && a.mean_square.check.value < 1.0 - SIMULATED_STABLE_MARGIN
        });
        let unstable = analyses
            .iter()
            .position(|a| a.mean_square.check.verdict == crate::criteria::Verdict::Fails);
        for k in [stable, unstable].into_iter().flatten() {
            let params = crate::simulate::SimParams::new(
                SIMULATION.steps,
                SIMULATION.trials,
                SIMULATION.seed,
            );
            let c = crate::simulate::run(&instances[k], &params, &|_| {})?;
            expectations.push(Expectation {
                what: format!(
                    "{}: Monte Carlo E‖x_k‖² agrees with the exact tr L_γ^k (family-wise α = {})",
                    text_name(&analyses[k].summary.name),
                    c.agreement.alpha
                ),
                holds: c.agreement.verdict.truth() != Truth::Fails,
            });
            simulations.push(c);
        }
        let proofs = if proof_files.is_empty() {
            Vec::new()
        } else {
            crate::proof::verify(proof_files, &crate::proof::VerifyParams::default())?.0
        };
        for f in &proofs {
            let name = proof_name(f);
            for item in &f.items {
                let crate::proof::ItemReport::Step(step) = item else {
                    continue;
                };
                expectations.push(Expectation {
                    what: format!(
                        "{}: step {} meets its expectation ({})",
                        text_name(&name),
                        step.label,
                        step.verdict
                    ),
                    holds: step.met,
                });
            }
        }
        Ok(Self {
            analyses,
            enumerations,
            batch_curves,
            simulations,
            proofs,
            expectations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::BatchSize;

    /// The old route: a full analysis per batch size.
    fn batch_curve_by_analyses(instance: &Instance, tol: &Tolerances) -> Option<Vec<BatchPoint>> {
        let n = instance.n();
        if !(3..=BATCH_CURVE_MAX_N).contains(&n) {
            return None;
        }
        let mut points = Vec::with_capacity(n);
        for b in 1..=n {
            let inst = instance
                .clone()
                .with_batch(BatchSize::new(b).unwrap(), Sampling::WithoutReplacement)
                .unwrap();
            let a = Analysis::of(&inst, tol).unwrap();
            points.push(BatchPoint {
                batch_size: b,
                gd: finite(a.gd.critical_gamma),
                thm33: finite(a.thm33.critical_gamma),
                exact: finite(a.mean_square.check.critical_gamma),
                thm35: finite(a.thm35.check.critical_gamma).map(|g| Thm35Point {
                    critical_gamma: g,
                    hypotheses_hold: a.thm35.hypotheses.hold(),
                }),
            });
        }
        Some(points)
    }

    #[test]
    fn batch_curves_are_the_analyses_bit_for_bit() {
        let tol = Tolerances::default();
        let dir = crate::load::shipped_dir("fixtures");
        let files = crate::load::files_with_extension(&dir, "json", |p| {
            p.file_name().is_some_and(|n| n != "expected_values.json")
        })
        .unwrap();
        let mut compared = 0;
        for f in files {
            let inst = crate::load::load_path(&f, &crate::load::Overrides::default(), tol.symmetry)
                .unwrap();
            if !inst.sampling().is_iid() {
                continue;
            }
            let old = batch_curve_by_analyses(&inst, &tol);
            let new = batch_curve(&inst, &tol).unwrap().map(|c| c.points);
            let bits = |p: &Option<Vec<BatchPoint>>| {
                p.as_ref().map(|v| {
                    v.iter()
                        .map(|p| {
                            (
                                p.batch_size,
                                p.gd.map(f64::to_bits),
                                p.thm33.map(f64::to_bits),
                                p.exact.map(f64::to_bits),
                                p.thm35
                                    .map(|t| (t.critical_gamma.to_bits(), t.hypotheses_hold)),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(bits(&old), bits(&new), "{}", f.display());
            compared += usize::from(old.is_some());
        }
        assert!(compared >= 3, "{compared}");
    }
}
