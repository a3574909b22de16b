//! One instance analyzed: its [`Summary`] (the setting, the moments, whether it is a minimum)
//! and every criterion's verdict — [`Analysis`] under the two i.i.d. schemes,
//! [`ReshufflingAnalysis`] under random reshuffling, and [`InstanceAnalysis`] for either.

use crate::criteria::{self, CriterionResult, CriticalGamma, Thm35};
use crate::error::Result;
use crate::instance::{BatchSize, Instance, Sampling};
use crate::mean_square::reshuffling::{self, Reshuffling};
use crate::mean_square::{self, MeanSquare};
use crate::reduction::Reduction;
use crate::tolerance::Tolerances;

mod summary;
pub use summary::Summary;

/// Everything `analyze` reports about one instance under an i.i.d. sampling scheme (batches
/// drawn independently at every step), which the lecture's criteria and the exact operator
/// `L_γ` assume. Random reshuffling is [`ReshufflingAnalysis`].
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The instance at `x*`: `N`, `d`, `B`, `γ`, `c`, the spectrum of `H`, `λ_max(Σ)`, whether
    /// it is a minimum.
    pub summary: Summary,
    /// Theorem 3.3 (sufficient).
    pub thm33: CriterionResult,
    /// Corollary 3.4 (GD).
    pub gd: CriterionResult,
    /// Theorem 3.5 (necessary, under its hypotheses).
    pub thm35: Thm35,
    /// The exact mean-square criterion `ρ(L_γ) ≤ 1` (Mulayoff & Michaeli): value `ρ(L_γ)`,
    /// `γ*_exact`, verdict.
    pub mean_square: MeanSquare,
    /// The orderings the theory demands between the critical learning rates, each checked.
    pub orderings: Vec<Ordering>,
    /// `E[(I − γH_B)²]` by enumerating every minibatch, beside its closed form
    /// `(I − γH)² + γ²cΣ` (both `d×d`, row-major); `None` when the enumeration is above the
    /// default limit of [`crate::enumerate::Limit`].
    pub second_moment: Option<SecondMomentPair>,
    /// The tolerances used.
    pub tolerances: Tolerances,
}

/// One ordering between critical learning rates that must hold, e.g. `γ*_3.3 ≤ γ*_exact`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordering {
    /// The relation in words, e.g. `γ*_3.3 ≤ γ*_exact`.
    pub relation: &'static str,
    /// Why it must hold.
    pub reason: &'static str,
    /// Whether it holds (with the boundary tolerance as slack).
    pub holds: bool,
}

/// The orderings of `a`'s critical learning rates (see [`Analysis::orderings`]).
#[must_use]
pub fn orderings(a: &Analysis) -> Vec<Ordering> {
    let le = |x: CriticalGamma, y: CriticalGamma| {
        x.as_f64() <= y.as_f64() * (1.0 + a.tolerances.boundary.value())
    };
    let ms = a.mean_square.check.critical_gamma;
    let mut v = vec![
        Ordering {
            relation: "γ*_3.3 ≤ γ*_exact",
            reason: "Theorem 3.3 is sufficient: ρ(L_γ) ≤ λ_max{(I − γH)² + γ²cΣ}",
            holds: le(a.thm33.critical_gamma, ms),
        },
        Ordering {
            relation: "γ*_exact ≤ γ*_GD",
            reason: "SGD's mean-square stability implies GD's (E[M_B] = I − γH)",
            holds: le(ms, a.gd.critical_gamma),
        },
    ];
    if a.thm35.hypotheses.hold() {
        v.push(Ordering {
            relation: "γ*_exact ≤ γ*_3.5",
            reason: "Theorem 3.5 is necessary under its hypotheses (B = 1, rank-one H_i)",
            holds: le(ms, a.thm35.check.critical_gamma),
        });
    }
    v
}

impl Analysis {
    /// Refuse an analysis with a number beyond the f64 range (e.g. `ρ(L_γ) ≈ (γλ_max)²` for
    /// `γλ_max ≈ 1e200`) rather than print `∞` or `null` for it.
    fn ensure_representable(&self) -> Result<()> {
        let critical_gammas = || {
            let g = |c: CriticalGamma| match c {
                CriticalGamma::Finite(x) => format!("{x:e}"),
                CriticalGamma::Unbounded => "unbounded".to_owned(),
                CriticalGamma::NoneAccepted => "none".to_owned(),
            };
            format!(
                "γ*_exact = {}, γ*_3.3 = {}, γ*_GD = {}, γ*_3.5 = {}",
                g(self.mean_square.check.critical_gamma),
                g(self.thm33.critical_gamma),
                g(self.gd.critical_gamma),
                g(self.thm35.check.critical_gamma)
            )
        };
        self.summary.ensure_representable().map_err(|e| match e {
            crate::Error::Input {
                kind,
                location,
                message,
            } => crate::Error::Input {
                kind,
                location,
                message: format!(
                    "{message}. The critical learning rates (which do not depend on γ): {}",
                    critical_gammas()
                ),
            },
            other => other,
        })?;
        let criteria = [
            ("Theorem 3.3's λ_max{(I − γH)² + γ²cΣ}", &self.thm33),
            ("ρ(L_γ)", &self.mean_square.check),
            ("λ_max(H)", &self.gd),
            ("tr(H)", &self.thm35.check),
        ];
        for (what, c) in criteria {
            let critical_ok = match c.critical_gamma {
                CriticalGamma::Finite(g) => g.is_finite() && g > 0.0,
                _ => true,
            };
            let finite = c.value.is_finite() && c.threshold.is_finite() && c.margin.is_finite();
            if !(finite && critical_ok) {
                // The critical learning rates do not depend on γ: they are given even here.
                return Err(crate::Error::invalid(crate::error::ErrorKind::NonFinite,
                    "gamma",
                    format!(
                        "{what} is beyond the f64 range at γ = {:e}: γ·λ_max(H) = {:e} is too far from 1 for the criteria's values at this γ to be represented; refusing rather than printing ∞. The critical learning rates, which do not depend on γ: {}",
                        self.summary.gamma,
                        self.summary.gamma * self.summary.sharpness,
                        critical_gammas()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `E[(I − γH_B)²]` enumerated and in closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondMomentPair {
    /// By enumeration over every minibatch.
    pub enumerated: Vec<Vec<f64>>,
    /// `(I − γH)² + γ²cΣ`.
    pub closed_form: Vec<Vec<f64>>,
}

/// `analyze` enumerates `E[(I − γH_B)²]` only for `d` up to this (the enumeration also builds
/// the `d²×d²` operator) …
pub const SECOND_MOMENT_MAX_D: usize = 8;
/// … and only up to this many minibatches (the `enumerate` command goes further).
pub const SECOND_MOMENT_MAX_VISITS: u128 = 200_000;

fn second_moment(instance: &Instance) -> Option<SecondMomentPair> {
    use crate::enumerate::{
        expectations, subset_moments, EnumerationParams, Limit, Problem, Quantities,
    };
    if instance.d() > SECOND_MOMENT_MAX_D {
        return None;
    }
    let problem = Problem::from_instance(instance);
    let params = EnumerationParams::with_limit(Limit::new(SECOND_MOMENT_MAX_VISITS));
    // Without replacement only the moments are needed, not the d²×d² operator: the fast route.
    let enumerated = if instance.sampling() == crate::Sampling::WithoutReplacement {
        subset_moments(&problem, Quantities::Moments, &params)
            .ok()?
            .second_moment
    } else {
        expectations(&problem, &params)
            .ok()?
            .expectations
            .second_moment
    };
    let m = crate::enumerate::closed_form(&problem).second_moment;
    let rows = |s: &crate::exact::Matrix<f64>| -> Vec<Vec<f64>> {
        (0..s.dim())
            .map(|i| (0..s.dim()).map(|j| *s.get(i, j)).collect())
            .collect()
    };
    Some(SecondMomentPair {
        enumerated: rows(&enumerated),
        closed_form: rows(&m),
    })
}

impl Analysis {
    /// Analyze `instance` under `tolerances`.
    ///
    /// # Errors
    /// A numerical failure of an eigenvalue computation (not expected on validated input);
    /// [`crate::Error::Input`] on `sampling` under random reshuffling, whose batches are not
    /// independent ([`ReshufflingAnalysis::of`] or [`InstanceAnalysis::of`] analyze it).
    pub fn of(instance: &Instance, tolerances: &Tolerances) -> Result<Self> {
        if !instance.sampling().is_iid() {
            return Err(crate::Error::invalid(crate::error::ErrorKind::Unsupported,
                "sampling",
                format!(
                    "Analysis covers the i.i.d. schemes: the lecture's criteria and the operator L_γ assume batches drawn independently at every step, which {} does not do; analyze it with ReshufflingAnalysis::of (or InstanceAnalysis::of)",
                    instance.sampling()
                ),
            ));
        }
        // Every criterion is computed on the range of the H_i at a safe scale, then lifted
        // back (crate::reduction): exact, and r-dimensional instead of d-dimensional.
        let red = Reduction::of(instance, tolerances)?;
        let reduced = red.instance();
        let (summary, moments, spec) = Summary::of(&red, tolerances)?;
        let (b, c) = (summary.batch_size, summary.c);
        let gamma = reduced.gamma().get();
        let mean_square = mean_square::mean_square(
            reduced.samples(),
            &moments,
            &spec,
            c,
            gamma,
            tolerances,
            &mean_square::MeanSquareParams::default(),
            red.null_part(),
        )?
        .lifted(&red);
        let thm33 = criteria::thm33(&moments, &spec, c, gamma, tolerances)?;
        let gd = criteria::gd(&spec, gamma, tolerances.boundary);
        let mut thm35 = criteria::thm35(&spec, &summary.shapes, b, gamma, tolerances.boundary);
        thm35.check = red.lift_curvature_criterion(thm35.check, summary.trace_h);
        let mut analysis = Self {
            thm33: red.lift_factor_criterion(thm33),
            gd: red.lift_curvature_criterion(gd, summary.sharpness),
            thm35,
            second_moment: second_moment(red.normalized()?.as_ref()),
            summary,
            mean_square,
            orderings: Vec::new(),
            tolerances: *tolerances,
        };
        analysis.orderings = orderings(&analysis);
        analysis.ensure_representable()?;
        Ok(analysis)
    }
}

/// Why the lecture's multi-step criteria say nothing under random reshuffling.
pub const NOT_INDEPENDENT: &str = "batches are not independent under random reshuffling";

/// Everything `analyze` reports about one instance under random reshuffling.
///
/// One batch is a uniform `B`-subset, so the one-step quantities — the moments, the batch
/// factor `c`, `E[(I − γH_B)²]` — are those without replacement. The batches of an epoch are
/// not independent, so Theorem 3.3, Theorem 3.5 and the exact i.i.d. operator `L_γ` (with
/// `γ*_exact`) do not apply and are not computed ([`NOT_INDEPENDENT`]). Mean-square stability
/// is decided exactly by the per-epoch operator `L_epoch` ([`crate::mean_square::reshuffling`]):
/// its spectral radius per step `ρ(L_epoch)^{1/E}`, its verdict and its critical `γ`.
/// Corollary 3.4 is GD's own criterion, given for comparison (with `B = N`, random reshuffling
/// is GD).
#[derive(Debug, Clone)]
pub struct ReshufflingAnalysis {
    /// The instance at `x*`, as for [`Analysis::summary`]; `c` is the one-step batch factor
    /// `(N − B)/(B(N − 1))` of one batch (as without replacement).
    pub summary: Summary,
    /// Corollary 3.4 (GD's criterion; random reshuffling's own when `B = N`).
    pub gd: CriterionResult,
    /// The exact per-epoch mean-square stability: `ρ(L_epoch)`, `ρ(L_epoch)^{1/E}`, the
    /// critical `γ` and the verdict.
    pub exact: Reshuffling,
    /// `E[(I − γH_B)²]` over one batch (a uniform `B`-subset) by enumeration, beside
    /// `(I − γH)² + γ²cΣ`; `None` above the limits of [`Analysis::second_moment`].
    pub second_moment: Option<SecondMomentPair>,
    /// The tolerances used.
    pub tolerances: Tolerances,
}

impl ReshufflingAnalysis {
    /// Analyze `instance`, which samples by random reshuffling, under `tolerances`.
    ///
    /// # Errors
    /// [`crate::Error::Input`] on `sampling` if `instance` does not sample by random
    /// reshuffling, or if its epoch operator is too large to compute
    /// ([`reshuffling::feasibility`]: `N >` [`reshuffling::MAX_N`] with `B < N`, or more work
    /// than [`reshuffling::MAX_WORK`]) — the message points to Monte Carlo (`simulate`); a
    /// numerical failure of an eigenvalue computation.
    pub fn of(instance: &Instance, tolerances: &Tolerances) -> Result<Self> {
        if instance.sampling() != Sampling::RandomReshuffling {
            return Err(crate::Error::invalid(crate::error::ErrorKind::Unsupported,
                "sampling",
                format!(
                    "ReshufflingAnalysis is for random_reshuffling, not {}; use Analysis::of (or InstanceAnalysis::of)",
                    instance.sampling()
                ),
            ));
        }
        let (n, b) = (instance.n(), instance.batch_size().get());
        let red = Reduction::of(instance, tolerances)?;
        // The epoch operator acts on Sym(r) of the reduced instance (crate::reduction).
        reshuffling::feasibility(n, red.instance().d(), b).map_err(|why| {
            crate::Error::invalid(
                crate::error::ErrorKind::Unsupported,
                why.field("sampling"),
                format!("random_reshuffling cannot be analyzed exactly here: {why}"),
            )
        })?;
        let (summary, _, spec) = Summary::of(&red, tolerances)?;
        let reduced_gamma = red.instance().gamma().get();
        let exact =
            reshuffling::reshuffling(red.instance(), b, reduced_gamma, tolerances)?.lifted(&red);
        // One batch of random reshuffling is a uniform B-subset: its one-step second moment is
        // the one without replacement.
        let one_step = red
            .normalized()?
            .into_owned()
            .with_batch(BatchSize::new(b)?, Sampling::WithoutReplacement)?;
        Ok(Self {
            gd: red.lift_curvature_criterion(
                criteria::gd(&spec, reduced_gamma, tolerances.boundary),
                summary.sharpness,
            ),
            summary,
            exact,
            second_moment: second_moment(&one_step),
            tolerances: *tolerances,
        })
    }

    /// `E = N/B`, the steps per epoch.
    #[must_use]
    pub fn steps_per_epoch(&self) -> usize {
        self.exact.steps_per_epoch
    }
}

/// One instance analyzed under its own sampling scheme.
// Both variants are a few hundred bytes, held one per instance: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum InstanceAnalysis {
    /// Without or with replacement: the lecture's criteria and the exact operator `L_γ`.
    Iid(Analysis),
    /// Random reshuffling: the exact per-epoch operator; the i.i.d. criteria do not apply.
    RandomReshuffling(ReshufflingAnalysis),
}

impl InstanceAnalysis {
    /// Analyze `instance` under `tolerances`, by its sampling scheme.
    ///
    /// # Errors
    /// As [`Analysis::of`] or [`ReshufflingAnalysis::of`].
    pub fn of(instance: &Instance, tolerances: &Tolerances) -> Result<Self> {
        match instance.sampling() {
            Sampling::WithoutReplacement | Sampling::WithReplacement => {
                Analysis::of(instance, tolerances).map(Self::Iid)
            }
            Sampling::RandomReshuffling => {
                ReshufflingAnalysis::of(instance, tolerances).map(Self::RandomReshuffling)
            }
        }
    }

    /// The instance's name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Iid(a) => &a.summary.name,
            Self::RandomReshuffling(r) => &r.summary.name,
        }
    }
}
