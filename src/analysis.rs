//! One instance analyzed: its moments, whether it is a minimum, and every criterion's verdict —
//! [`Analysis`] under the two i.i.d. schemes, [`ReshufflingAnalysis`] under random reshuffling,
//! and [`InstanceAnalysis`] for either.

use crate::criteria::{self, CriterionResult, CriticalGamma, HSpectrum, SampleShapes, Thm35};
use crate::error::Result;
use crate::instance::{BatchSize, Instance, Sampling};
use crate::mean_square::reshuffling::{self, Reshuffling};
use crate::mean_square::{self, MeanSquare};
use crate::moments::{batch_factor, Moments};
use crate::tolerance::Tolerances;

/// Everything `analyze` reports about one instance under an i.i.d. sampling scheme (batches
/// drawn independently at every step), which the lecture's criteria and the exact operator
/// `L_γ` assume. Random reshuffling is [`ReshufflingAnalysis`].
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// `B`.
    pub batch_size: usize,
    /// `γ`.
    pub gamma: f64,
    /// The sampling scheme.
    pub sampling: Sampling,
    /// Whether the samples were given as gradients (`H_i = g_i g_iᵀ`).
    pub gradient_form: bool,
    /// The batch factor `c`.
    pub c_factor: f64,
    /// `λ_max(H)`.
    pub sharpness: f64,
    /// `λ_min(H)`.
    pub lambda_min_h: f64,
    /// `tr(H)`.
    pub trace_h: f64,
    /// Dimension of the null space of `H` (over-parameterized directions).
    pub null_dim: usize,
    /// `λ_max(Σ)`.
    pub sigma_norm: f64,
    /// `s = sqrt(λ_max(Σ))`, the non-uniformity.
    pub non_uniformity: f64,
    /// Whether `H ⪰ 0` (a minimum, as the lecture's theorems assume).
    pub h_psd: bool,
    /// Per-sample shapes: non-PSD and rank-above-one samples.
    pub shapes: SampleShapes,
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
    use crate::enumerate::{expectations, subset_moments, Limit, Params, Problem, Quantities};
    if instance.d() > SECOND_MOMENT_MAX_D {
        return None;
    }
    let problem = Problem::from_instance(instance);
    let params = Params::with_limit(Limit::new(SECOND_MOMENT_MAX_VISITS));
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
    let rows = |s: &crate::exact::Square<f64>| -> Vec<Vec<f64>> {
        (0..s.dim())
            .map(|i| (0..s.dim()).map(|j| *s.get(i, j)).collect())
            .collect()
    };
    Some(SecondMomentPair {
        enumerated: rows(&enumerated),
        closed_form: rows(&m),
    })
}

/// Entries near the top of the f64 range overflow in `H_i²`: refuse rather than report
/// verdicts computed from `∞` or `NaN`.
fn ensure_finite(m: &Moments) -> Result<()> {
    let bad =
        |a: &faer::Mat<f64>| (0..a.nrows()).any(|i| (0..a.ncols()).any(|j| !a[(i, j)].is_finite()));
    if bad(&m.h) || bad(&m.mean_h_sq) || bad(&m.sigma) {
        return Err(crate::Error::input(
            if bad(&m.h) { "H" } else { "Σ" },
            "computing the moments overflowed the f64 range (entries of H_i² beyond about 1e308): rescale the data (all verdicts scale: multiplying every H_i by s divides every critical γ by s)",
        ));
    }
    Ok(())
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
            return Err(crate::Error::input(
                "sampling",
                format!(
                    "Analysis covers the i.i.d. schemes: the lecture's criteria and the operator L_γ assume batches drawn independently at every step, which {} does not do; analyze it with ReshufflingAnalysis::of (or InstanceAnalysis::of)",
                    instance.sampling()
                ),
            ));
        }
        let samples = instance.samples();
        let (n, b, gamma) = (
            instance.n(),
            instance.batch_size().get(),
            instance.gamma().get(),
        );
        let c: f64 = batch_factor(n, b, instance.sampling());
        let moments = Moments::of(samples);
        ensure_finite(&moments)?;
        let spec = HSpectrum::of(&moments.h, tolerances.null_space)?;
        let shapes = SampleShapes::of(samples, tolerances.null_space)?;
        let sigma_norm = moments.sigma_norm()?;
        let mean_square = mean_square::mean_square(
            samples,
            &moments,
            &spec,
            c,
            gamma,
            tolerances,
            &mean_square::Params::default(),
        )?;
        let mut analysis = Self {
            name: instance.name().to_owned(),
            n,
            d: instance.d(),
            batch_size: b,
            gamma,
            sampling: instance.sampling(),
            gradient_form: samples.is_gradient_form(),
            c_factor: c,
            sharpness: spec.sharpness(),
            lambda_min_h: spec.lambda_min(),
            trace_h: spec.trace(),
            null_dim: spec.null_dim(),
            sigma_norm,
            non_uniformity: sigma_norm.max(0.0).sqrt(),
            h_psd: spec.is_psd(),
            thm33: criteria::thm33(&moments, &spec, c, gamma, tolerances)?,
            gd: criteria::gd(&spec, gamma, tolerances.boundary),
            thm35: criteria::thm35(&spec, &shapes, b, gamma, tolerances.boundary),
            shapes,
            second_moment: second_moment(instance),
            mean_square,
            orderings: Vec::new(),
            tolerances: *tolerances,
        };
        analysis.orderings = orderings(&analysis);
        Ok(analysis)
    }

    /// Whether the instance is a minimum as the lecture's theorems assume: `H ⪰ 0` and every
    /// `H_i ⪰ 0`.
    #[must_use]
    pub fn is_minimum(&self) -> bool {
        self.h_psd && self.shapes.not_psd.is_empty()
    }

    /// Warnings a reader must see: saddles, non-PSD samples.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        warnings(self.h_psd, self.lambda_min_h, &self.shapes, self.n)
    }
}

fn warnings(h_psd: bool, lambda_min_h: f64, shapes: &SampleShapes, n: usize) -> Vec<String> {
    let mut w = Vec::new();
    if !h_psd {
        w.push(format!(
            "H is not positive semidefinite (λ_min(H) = {}): this is not a minimum; I − γH has the eigenvalue 1 − γλ_min > 1 for every γ > 0, so every criterion rejects every γ. The lecture's theorems assume a minimum.",
            crate::report::sig(lambda_min_h)
        ));
    }
    if !shapes.not_psd.is_empty() {
        w.push(format!(
            "{} of the N = {} per-sample Hessians are not positive semidefinite (first: sample index {}, counting from 0 as in the file); the lecture's theorems assume a global minimum where every H_i ⪰ 0.",
            shapes.not_psd.len(),
            n,
            shapes.not_psd[0]
        ));
    }
    w
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
/// its spectral radius per step `ρ(L_epoch)^{1/K}`, its verdict and its critical `γ`.
/// Corollary 3.4 is GD's own criterion, given for comparison (with `B = N`, random reshuffling
/// is GD).
#[derive(Debug, Clone)]
pub struct ReshufflingAnalysis {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// `B` (it divides `N`).
    pub batch_size: usize,
    /// `γ`.
    pub gamma: f64,
    /// Whether the samples were given as gradients (`H_i = g_i g_iᵀ`).
    pub gradient_form: bool,
    /// The one-step batch factor `c = (N − B)/(B(N − 1))`: the factor in `E[(H_B − H)²] = cΣ`
    /// for one batch (as without replacement).
    pub c_factor: f64,
    /// `λ_max(H)`.
    pub sharpness: f64,
    /// `λ_min(H)`.
    pub lambda_min_h: f64,
    /// `tr(H)`.
    pub trace_h: f64,
    /// Dimension of the null space of `H`.
    pub null_dim: usize,
    /// `λ_max(Σ)`.
    pub sigma_norm: f64,
    /// `s = sqrt(λ_max(Σ))`.
    pub non_uniformity: f64,
    /// Whether `H ⪰ 0`.
    pub h_psd: bool,
    /// Per-sample shapes: non-PSD and rank-above-one samples.
    pub shapes: SampleShapes,
    /// Corollary 3.4 (GD's criterion; random reshuffling's own when `B = N`).
    pub gd: CriterionResult,
    /// The exact per-epoch mean-square stability: `ρ(L_epoch)`, `ρ(L_epoch)^{1/K}`, the
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
            return Err(crate::Error::input(
                "sampling",
                format!(
                    "ReshufflingAnalysis is for random_reshuffling, not {}; use Analysis::of (or InstanceAnalysis::of)",
                    instance.sampling()
                ),
            ));
        }
        let samples = instance.samples();
        let (n, b, gamma) = (
            instance.n(),
            instance.batch_size().get(),
            instance.gamma().get(),
        );
        reshuffling::feasibility(n, instance.d(), b).map_err(|why| {
            crate::Error::input(
                why.field("sampling"),
                format!("random_reshuffling cannot be analyzed exactly here: {why}"),
            )
        })?;
        let c: f64 = batch_factor(n, b, instance.sampling());
        let moments = Moments::of(samples);
        ensure_finite(&moments)?;
        let spec = HSpectrum::of(&moments.h, tolerances.null_space)?;
        let shapes = SampleShapes::of(samples, tolerances.null_space)?;
        let sigma_norm = moments.sigma_norm()?;
        let exact = reshuffling::reshuffling(instance, b, gamma, tolerances)?;
        // One batch of random reshuffling is a uniform B-subset: its one-step second moment is
        // the one without replacement.
        let one_step = instance
            .clone()
            .with_batch(BatchSize::new(b)?, Sampling::WithoutReplacement)?;
        Ok(Self {
            name: instance.name().to_owned(),
            n,
            d: instance.d(),
            batch_size: b,
            gamma,
            gradient_form: samples.is_gradient_form(),
            c_factor: c,
            sharpness: spec.sharpness(),
            lambda_min_h: spec.lambda_min(),
            trace_h: spec.trace(),
            null_dim: spec.null_dim(),
            sigma_norm,
            non_uniformity: sigma_norm.max(0.0).sqrt(),
            h_psd: spec.is_psd(),
            gd: criteria::gd(&spec, gamma, tolerances.boundary),
            shapes,
            exact,
            second_moment: second_moment(&one_step),
            tolerances: *tolerances,
        })
    }

    /// Whether the instance is a minimum: `H ⪰ 0` and every `H_i ⪰ 0`.
    #[must_use]
    pub fn is_minimum(&self) -> bool {
        self.h_psd && self.shapes.not_psd.is_empty()
    }

    /// Warnings a reader must see: saddles, non-PSD samples.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        warnings(self.h_psd, self.lambda_min_h, &self.shapes, self.n)
    }

    /// `K = N/B`, the steps per epoch.
    #[must_use]
    pub fn steps_per_epoch(&self) -> usize {
        self.exact.steps_per_epoch
    }
}

/// One instance analyzed under its own sampling scheme.
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
            Self::Iid(a) => &a.name,
            Self::RandomReshuffling(r) => &r.name,
        }
    }
}
