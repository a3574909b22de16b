//! The escape (Figures 1–2): GD to a minimum, the minimum analyzed by every criterion, then SGD
//! started next to it — at GD's own `γ` (the lecture's setting), and at `γ` just below and just
//! above the exact threshold `γ*_exact(B)` (the linear theory's prediction, tested on the real
//! network) — for several batch sizes and seeds.
//!
//! Each SGD run starts at `θ_GD + δ`, `‖δ‖` = `perturbation`, `δ` uniform on the sphere of the
//! span of the `g_i` (the directions where `H` acts; the others are flat and only move along the
//! zero-loss set), and is watched for `watch_steps` steps: it *escapes* at the first recorded
//! step with `‖θ_k − θ_0‖ ≥ escape_radius`. The mean-square prediction for that step, from
//! `E‖x_k‖² ≈ ρ(L_γ)^k ‖x_0‖²`, is `2 ln(radius/perturbation)/ln ρ(L_γ)` (for `ρ > 1`; it
//! describes the mean square, not each run). At GD's `γ`, escaped runs continue until they
//! interpolate again (or a step budget runs out), and the landing minimum is analyzed like
//! GD's; the loss and test accuracy along `θ(α) = (1 − α)θ_SGD + αθ_GD` are recorded for the
//! first of them.

use super::{
    analyze_minimum, linearized_on_range, linspace, num, rho_on_range, start_in_range, Claim,
    Linearized, MinimumReport, Problem, ProgressCallback, Setup,
};
use crate::error::{Error, Result};
use crate::instance::{BatchSize, Instance, LearningRate, Sampling};
use crate::model::distance;
use crate::train::{self, objective, Method, Outcome, Record, Stop, TrainParams};
use rayon::prelude::*;
use serde::Serialize;

mod claims;
use claims::claims;

/// The experiment's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeParams {
    /// Data, network and initialization.
    pub setup: Setup,
    /// The initialization seed of the GD run.
    pub init_seed: u64,
    /// GD's learning rate, also SGD's in the lecture's setting.
    pub gamma: f64,
    /// When GD stops.
    pub gd_stop: Stop,
    /// The SGD batch sizes.
    pub batch_sizes: Vec<usize>,
    /// SGD's sampling scheme (an i.i.d. one: the threshold is `L_γ`'s).
    pub sampling: Sampling,
    /// The threshold test runs SGD at `f·γ*_exact(B)` for each `f` here.
    pub threshold_factors: Vec<f64>,
    /// SGD seeds `0..seeds` per setting.
    pub seeds: u64,
    /// `‖δ‖`, the start's distance from the minimum.
    pub perturbation: f64,
    /// The escape radius.
    pub escape_radius: f64,
    /// Steps SGD is watched for an escape.
    pub watch_steps: usize,
    /// After an escape at GD's `γ`: SGD until this.
    pub settle: Stop,
    /// The `α` of the line `θ(α)`.
    pub alphas: Vec<f64>,
    /// Trajectories of linearized SGD per setting, for its Lyapunov exponent and its escapes
    /// (the almost-sure side of the threshold).
    pub linearized_trials: usize,
}

impl Default for EscapeParams {
    /// The default [`Setup`], GD at `γ = 0.5` to `F ≤ 10⁻⁶` (at this `γ` GD ends next to its own
    /// edge: `λ_max ≈ 0.98·2/γ`); SGD without replacement with `B = 1, 2, 4, 8, 16`, 4 seeds,
    /// at `γ = 0.5` and at `0.9` and `1.1` times `γ*_exact(B)`; `‖δ‖ = 10⁻³`, escape radius
    /// `10⁻²`, 3000 steps watched, then up to 100 000 steps to `F ≤ 10⁻⁶`; `α` from −0.5 to 1.5.
    fn default() -> Self {
        Self {
            setup: Setup::default(),
            init_seed: 1,
            gamma: 0.5,
            gd_stop: Stop {
                target_loss: 1e-6,
                max_steps: 100_000,
            },
            batch_sizes: vec![1, 2, 4, 8, 16],
            sampling: Sampling::WithoutReplacement,
            threshold_factors: vec![0.9, 1.1],
            seeds: 4,
            perturbation: 1e-3,
            escape_radius: 1e-2,
            watch_steps: 3000,
            settle: Stop {
                target_loss: 1e-6,
                max_steps: 100_000,
            },
            alphas: linspace(-0.5, 1.5, 41),
            linearized_trials: 64,
        }
    }
}

/// GD's run to the minimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GdRun {
    /// `γ`.
    pub gamma: f64,
    /// Steps.
    pub steps: usize,
    /// How it ended.
    pub outcome: Outcome,
    /// `F` at the end.
    pub final_loss: f64,
}

/// GD's minimum analyzed for SGD with batch size `B`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimumAtBatch {
    /// `B`.
    pub batch_size: usize,
    /// Every criterion at GD's `γ`.
    pub minimum: MinimumReport,
}

/// Which `γ` a run used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunGamma {
    /// GD's own `γ` (the lecture's setting).
    GdGamma,
    /// `f·γ*_exact(B)` (the threshold test).
    Threshold(f64),
}

/// What one SGD run did next to the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Never reached the escape radius in the steps watched.
    Stayed,
    /// Reached it.
    Escaped,
    /// Left the floating-point range.
    Diverged,
}

/// One SGD run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeRun {
    /// `B`.
    pub batch_size: usize,
    /// Which `γ`.
    pub which: RunGamma,
    /// `γ`.
    pub gamma: f64,
    /// `γ/γ*_exact(B)`.
    pub ratio: f64,
    /// `ρ(L_γ)` at this `γ` on the range of `H` ([`super::rho_on_range`]; the `P`-parameter
    /// operator's is `max(ρ, 1)`).
    pub rho: f64,
    /// The SGD seed.
    pub seed: u64,
    /// What it did.
    pub fate: Fate,
    /// The escape step (first record at or beyond the radius).
    pub escape_step: Option<usize>,
    /// After an escape, the first recorded step (while watched) with `F ≤` the settle target.
    pub reinterpolated_step: Option<usize>,
    /// The mean-square prediction of that step (`ρ > 1`).
    pub predicted_step: Option<f64>,
    /// Linearized SGD at this setting, on the range of `H`, watched as long as the real run
    /// with the same relative escape radius (the same for every seed of a setting).
    pub linearized: Linearized,
    /// The largest `‖θ_k − θ_0‖` seen while watched.
    pub max_distance: f64,
    /// The run's records (`k`, `F(θ_k)`, `‖θ_k − θ_0‖`) every 10 steps while watched: kept
    /// for seed 0 at GD's `γ` (the figure), empty otherwise. Serialized as arrays
    /// `[k, F, distance]`.
    #[serde(serialize_with = "records_as_arrays")]
    pub curve: Vec<Record>,
}

/// `[k, F, distance]` for each record: the escape curve's JSON.
fn records_as_arrays<S: serde::Serializer>(
    curve: &[Record],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(curve.iter().map(|r| (r.step, r.loss, r.distance)))
}

/// Where an escaped run at GD's `γ` landed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Landing {
    /// `B`.
    pub batch_size: usize,
    /// The SGD seed.
    pub seed: u64,
    /// The escape step.
    pub escape_step: usize,
    /// The step (counted from the switch to SGD) at which `F` is back below the settle target
    /// (`None` if it never is).
    pub interpolated_step: Option<usize>,
    /// How the settling ended.
    pub outcome: Outcome,
    /// The landing point analyzed (`None` if it did not interpolate, or could not be polished:
    /// see `note`).
    pub minimum: Option<MinimumReport>,
    /// Why there is no analysis, if there is none.
    pub note: Option<String>,
    /// `‖θ_SGD − θ_GD‖` (polished points).
    pub distance_from_gd: f64,
}

/// The loss and accuracy along `θ(α) = (1 − α)θ_SGD + αθ_GD`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// `B` of the SGD run.
    pub batch_size: usize,
    /// Its seed.
    pub seed: u64,
    /// One point per `α`.
    pub points: Vec<LinePoint>,
}

/// One point of a [`Line`]. In JSON the array `[α, training loss, test loss, test accuracy]`, as
/// it has always been printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "(f64, f64, f64, f64)")]
pub struct LinePoint {
    /// `α`: `0` is SGD's minimum, `1` GD's.
    pub alpha: f64,
    /// The training loss at `θ(α)`.
    pub training_loss: f64,
    /// The test loss at `θ(α)`.
    pub test_loss: f64,
    /// The test accuracy at `θ(α)`.
    pub test_accuracy: f64,
}

impl From<LinePoint> for (f64, f64, f64, f64) {
    fn from(p: LinePoint) -> Self {
        (p.alpha, p.training_loss, p.test_loss, p.test_accuracy)
    }
}

/// The experiment's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeResult {
    /// The setup, in words.
    pub setup: String,
    /// The protocol, in words.
    pub protocol: String,
    /// GD's run.
    pub gd: GdRun,
    /// GD's minimum, per `B`.
    pub minima: Vec<MinimumAtBatch>,
    /// Every SGD run.
    pub runs: Vec<EscapeRun>,
    /// Landings of the escaped runs at GD's `γ`.
    pub landings: Vec<Landing>,
    /// The line for the first landing.
    pub line: Option<Line>,
    /// The claims.
    pub claims: Vec<Claim>,
}

fn check(p: &EscapeParams) -> Result<()> {
    let positive = |field: &str, x: f64| {
        if x.is_finite() && x > 0.0 {
            Ok(())
        } else {
            Err(Error::input(
                field,
                format!("must be a finite number > 0, got {x}"),
            ))
        }
    };
    positive("perturbation", p.perturbation)?;
    positive("escape_radius", p.escape_radius)?;
    if p.escape_radius <= p.perturbation {
        return Err(Error::input(
            "escape_radius",
            format!(
                "must exceed the perturbation {} (got {})",
                p.perturbation, p.escape_radius
            ),
        ));
    }
    for &f in &p.threshold_factors {
        positive("threshold_factors", f)?;
    }
    if !p.sampling.is_iid() {
        return Err(Error::input(
            "sampling",
            "the threshold γ*_exact is the i.i.d. operator's; use without_replacement or with_replacement",
        ));
    }
    if p.batch_sizes.is_empty() {
        return Err(Error::input(
            "batch_sizes",
            "at least one batch size is needed",
        ));
    }
    if p.seeds == 0 {
        return Err(Error::input("seeds", "at least one seed is needed"));
    }
    if p.linearized_trials < 2 {
        return Err(Error::input(
            "linearized_trials",
            format!(
                "at least 2 trajectories are needed for the Lyapunov interval, got {}",
                p.linearized_trials
            ),
        ));
    }
    Ok(())
}

/// Run the experiment.
///
/// # Errors
/// As [`Setup::problem`]; [`Error::Input`] on a parameter out of range (named); GD diverging,
/// or its end point not polishable onto the zero-loss set ([`Error::Numerical`]); as
/// [`crate::Analysis::of`].
pub fn run(p: &EscapeParams, progress: ProgressCallback<'_>) -> Result<EscapeResult> {
    check(p)?;
    let problem = p.setup.problem()?;
    let gamma = LearningRate::new(p.gamma)?;
    let batches = p
        .batch_sizes
        .iter()
        .map(|&b| BatchSize::new(b))
        .collect::<Result<Vec<_>>>()?;
    let (model, train_set) = (&problem.model, &problem.split.train);
    let gd = train::train(
        model,
        &problem.init(p.init_seed),
        train_set,
        &TrainParams {
            gamma,
            method: Method::gd(),
            stop: p.gd_stop,
            seed: 0,
            record_every: 1000,
            sharpness: None,
        },
    )?;
    if gd.info.outcome == Outcome::Diverged && gd.info.steps == 0 {
        return Err(Error::input(
            "init_scale",
            format!(
                "the training loss at the initialization is {} (beyond the floating-point range, or NaN): choose a smaller init_scale (now {:e})",
                gd.info.final_loss, p.setup.init_scale
            ),
        ));
    }
    if gd.info.outcome == Outcome::Diverged {
        return Err(Error::input(
            "gamma",
            format!(
                "GD diverged at γ = {} (step {}): choose a smaller γ",
                p.gamma, gd.info.steps
            ),
        ));
    }
    let mut minima = Vec::new();
    let mut polished = None;
    for &b in &batches {
        let m = analyze_minimum(&problem, &gd.theta, gamma, b, p.sampling)?;
        minima.push(MinimumAtBatch {
            batch_size: b.get(),
            minimum: m.report,
        });
        polished.get_or_insert((m.theta, m.instance));
    }
    let (theta_gd, instance) = polished.expect("at least one batch size");
    // The starts θ_GD + δ, one per seed, shared by every setting.
    let starts = (0..p.seeds)
        .map(|seed| start_in_range(&theta_gd, &instance, p.perturbation, seed, 1))
        .collect::<Result<Vec<_>>>()?;
    // ρ(L_γ) at each run's γ, on the range of H.
    let samples = instance.samples();
    let mut settings = Vec::new();
    for (m, &b) in minima.iter().zip(&batches) {
        let g_star = m.minimum.gamma_exact;
        let mut gammas = vec![(RunGamma::GdGamma, p.gamma)];
        if g_star.is_finite() && g_star > 0.0 {
            gammas.extend(
                p.threshold_factors
                    .iter()
                    .map(|&f| (RunGamma::Threshold(f), f * g_star)),
            );
        }
        for (which, g) in gammas {
            let inst = Instance::new("rho", samples.clone(), LearningRate::new(g)?, b, p.sampling)?;
            let rho = rho_on_range(&inst)?;
            let lin = linearized_on_range(
                &inst,
                p.watch_steps,
                p.linearized_trials,
                p.escape_radius / p.perturbation,
                LINEARIZED_SEED,
            )?;
            settings.push((b, which, g, g / g_star, rho, lin));
        }
    }
    let jobs: Vec<_> = settings
        .iter()
        .flat_map(|s| (0..p.seeds).map(move |seed| (*s, seed)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = jobs
        .par_iter()
        .map(|&((b, which, g, ratio, rho, lin), seed)| {
            let start = &starts[usize::try_from(seed).expect("seeds fit in memory")];
            let r = watch(&problem, p, start, b, which, g, ratio, (rho, lin), seed);
            let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(k, jobs.len());
            r
        })
        .collect::<Result<Vec<_>>>()?;
    let (runs, ends): (Vec<EscapeRun>, Vec<Vec<f64>>) = outcomes.into_iter().unzip();
    let landed = runs
        .par_iter()
        .zip(&ends)
        .filter(|(r, _)| r.which == RunGamma::GdGamma && r.fate == Fate::Escaped)
        .map(|(r, end)| land(&problem, p, &theta_gd, r, end))
        .collect::<Result<Vec<_>>>()?;
    let line = landed.iter().find_map(|(l, theta)| {
        theta
            .as_ref()
            .map(|t| line(&problem, &p.alphas, &theta_gd, t, l))
    });
    let landings: Vec<Landing> = landed.into_iter().map(|(l, _)| l).collect();
    let claims = claims(p, &minima, &runs, &landings);
    Ok(EscapeResult {
        setup: problem.setup.describe(model),
        protocol: format!(
            "GD at γ = {} from initialization seed {} until F ≤ {} or {} steps, then polished onto the zero-loss set; SGD ({}) from θ_GD + δ, ‖δ‖ = {} in the span of the g_i, {} seeds per setting, watched {} steps for ‖θ_k − θ_0‖ ≥ {} (recorded every 10 steps); escaped runs at GD's γ then continue until F ≤ {} or {} more steps",
            num(p.gamma),
            p.init_seed,
            num(p.gd_stop.target_loss),
            p.gd_stop.max_steps,
            p.sampling,
            num(p.perturbation),
            p.seeds,
            p.watch_steps,
            num(p.escape_radius),
            num(p.settle.target_loss),
            p.settle.max_steps
        ),
        gd: GdRun {
            gamma: p.gamma,
            steps: gd.info.steps,
            outcome: gd.info.outcome,
            final_loss: gd.info.final_loss,
        },
        minima,
        runs,
        landings,
        line,
        claims,
    })
}

#[allow(clippy::too_many_arguments)]
fn watch(
    problem: &Problem,
    p: &EscapeParams,
    theta0: &[f64],
    b: BatchSize,
    which: RunGamma,
    gamma: f64,
    ratio: f64,
    (rho, linearized): (f64, Linearized),
    seed: u64,
) -> Result<(EscapeRun, Vec<f64>)> {
    let t = train::train(
        &problem.model,
        theta0,
        &problem.split.train,
        &TrainParams {
            gamma: LearningRate::new(gamma)?,
            method: Method::sgd(b, p.sampling),
            stop: Stop {
                target_loss: 0.0,
                max_steps: p.watch_steps,
            },
            seed,
            record_every: 10,
            sharpness: None,
        },
    )?;
    let escape_step = t
        .info
        .curve
        .iter()
        .find(|r| r.distance >= p.escape_radius)
        .map(|r| r.step);
    let reinterpolated_step = escape_step.and_then(|e| {
        t.info
            .curve
            .iter()
            .find(|r| r.step > e && r.loss <= p.settle.target_loss)
            .map(|r| r.step)
    });
    let fate = match (t.info.outcome, escape_step) {
        (Outcome::Diverged, _) => Fate::Diverged,
        (_, Some(_)) => Fate::Escaped,
        (_, None) => Fate::Stayed,
    };
    let predicted_step =
        (rho > 1.0).then(|| 2.0 * (p.escape_radius / p.perturbation).ln() / rho.ln());
    Ok((
        EscapeRun {
            batch_size: b.get(),
            which,
            gamma,
            ratio,
            rho,
            seed,
            fate,
            escape_step,
            reinterpolated_step,
            predicted_step,
            linearized,
            max_distance: t.info.curve.iter().map(|r| r.distance).fold(0.0, f64::max),
            curve: if seed == 0 && which == RunGamma::GdGamma {
                t.info.curve.clone()
            } else {
                Vec::new()
            },
        },
        t.theta,
    ))
}

fn land(
    problem: &Problem,
    p: &EscapeParams,
    theta_gd: &[f64],
    r: &EscapeRun,
    end: &[f64],
) -> Result<(Landing, Option<Vec<f64>>)> {
    let b = BatchSize::new(r.batch_size)?;
    let gamma = LearningRate::new(p.gamma)?;
    let t = train::train(
        &problem.model,
        end,
        &problem.split.train,
        &TrainParams {
            gamma,
            method: Method::sgd(b, p.sampling),
            stop: p.settle,
            // A stream of its own, after the watched steps.
            seed: r.seed + SETTLE_SEED_OFFSET,
            record_every: 100,
            sharpness: None,
        },
    )?;
    let mut landing = Landing {
        batch_size: r.batch_size,
        seed: r.seed,
        escape_step: r.escape_step.unwrap_or(0),
        interpolated_step: r
            .reinterpolated_step
            .or((t.info.outcome == Outcome::Interpolated).then_some(p.watch_steps + t.info.steps)),
        outcome: t.info.outcome,
        minimum: None,
        note: None,
        distance_from_gd: f64::NAN,
    };
    if t.info.outcome != Outcome::Interpolated {
        landing.note = Some(format!(
            "did not interpolate again ({}, F = {})",
            t.info.outcome,
            num(t.info.final_loss)
        ));
        return Ok((landing, None));
    }
    match analyze_minimum(problem, &t.theta, gamma, b, p.sampling) {
        Ok(m) => {
            landing.distance_from_gd = distance(&m.theta, theta_gd);
            landing.minimum = Some(m.report);
            Ok((landing, Some(m.theta)))
        }
        Err(e @ Error::Numerical(_)) => {
            landing.note = Some(e.to_string());
            Ok((landing, None))
        }
        Err(e) => Err(e),
    }
}

/// The settling phase of seed `s` uses the sampler seed `s +` this.
pub const SETTLE_SEED_OFFSET: u64 = 1 << 32;

/// The seed of the linearized simulations ([`Linearized`]).
pub const LINEARIZED_SEED: u64 = 1 << 33;

fn line(
    problem: &Problem,
    alphas: &[f64],
    theta_gd: &[f64],
    theta_sgd: &[f64],
    l: &Landing,
) -> Line {
    let points = alphas
        .iter()
        .map(|&a| {
            let th: Vec<f64> = theta_sgd
                .iter()
                .zip(theta_gd)
                .map(|(s, g)| (1.0 - a) * s + a * g)
                .collect();
            LinePoint {
                alpha: a,
                training_loss: objective::loss(&problem.model, &th, &problem.split.train),
                test_loss: objective::loss(&problem.model, &th, &problem.split.test),
                test_accuracy: objective::accuracy(&problem.model, &th, &problem.split.test),
            }
        })
        .collect();
    Line {
        batch_size: l.batch_size,
        seed: l.seed,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Curve {
        #[serde(serialize_with = "records_as_arrays")]
        curve: Vec<Record>,
    }

    /// The escape curve serializes as the `(k, F, distance)` tuples it was.
    #[test]
    fn curve_is_arrays_of_k_loss_distance() {
        let curve = vec![
            Record {
                step: 0,
                loss: 0.5,
                distance: 0.0,
            },
            Record {
                step: 10,
                loss: 0.25,
                distance: 1.5,
            },
        ];
        let tuples: Vec<(usize, f64, f64)> = vec![(0, 0.5, 0.0), (10, 0.25, 1.5)];
        let got = serde_json::to_string(&Curve { curve }).unwrap();
        assert_eq!(
            got,
            format!("{{\"curve\":{}}}", serde_json::to_string(&tuples).unwrap())
        );
        assert_eq!(got, r#"{"curve":[[0,0.5,0.0],[10,0.25,1.5]]}"#);
    }
}
