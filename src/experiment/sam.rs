//! SAM (Section 5): the minima SAM finds against GD's and SGD's, and SAM's own linear
//! stability — derived in [`crate::train::sam_stability`], checked here by simulation on random
//! quadratics (including `γ*_SAM(1 ± ε)`) and on the trained network, with the normalized
//! variants' behaviour near a minimum measured.

use super::{
    analyze_minimum, escape::Fate, num, start_in_range, Claim, Interval, MinimumReport, Problem,
    ProgressCallback, Setup, Spread,
};
use crate::criteria::CriticalGamma;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::instance::{BatchSize, LearningRate, Sampling};
use crate::linalg;
use crate::model::{dot, norm, standard_normals, Linear};
use crate::train::sam_stability::{
    normalized_cycle_amplitude, unnormalized_critical_gamma, unnormalized_factor,
};
use crate::train::{self, Batches, Method, Outcome, SamAscent, SamRadius, Stop, TrainParams};
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

mod claims;
use claims::claims;

/// The experiment's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SamParams {
    /// Data, network and initialization.
    pub setup: Setup,
    /// One training run per method and initialization seed.
    pub init_seeds: Vec<u64>,
    /// `γ` of every method.
    pub gamma: f64,
    /// SAM's `ρ`.
    pub rho: f64,
    /// `B` of SGD and SAM.
    pub batch_size: usize,
    /// Their sampling scheme.
    pub sampling: Sampling,
    /// When training stops.
    pub stop: Stop,
    /// Random quadratics for the stability check.
    pub quadratics: usize,
    /// Their seed.
    pub quadratic_seed: u64,
    /// The check runs at `γ*_SAM(1 − ε)` and `γ*_SAM(1 + ε)`.
    pub boundary_eps: f64,
    /// Steps per quadratic run.
    pub quadratic_steps: usize,
    /// `‖δ‖` of the starts next to the network's minimum.
    pub perturbation: f64,
    /// Steps the network runs are watched; a run escapes when `‖θ_k − θ_0‖ ≥ 10‖δ‖`.
    pub watch_steps: usize,
}

impl Default for SamParams {
    /// The default [`Setup`]; seeds 1, 2, 3; `γ = 0.3`, `ρ = 0.02`, `B = 4` without
    /// replacement; training to `F ≤ 10⁻⁶` or 20 000 steps; 200 random quadratics (seed 7),
    /// `ε = 10⁻²`, 2000 steps each; `‖δ‖ = 10⁻³` and 2000 watched steps on the network.
    fn default() -> Self {
        Self {
            setup: Setup::default(),
            init_seeds: vec![1, 2, 3],
            gamma: 0.3,
            rho: 0.02,
            batch_size: 4,
            sampling: Sampling::WithoutReplacement,
            stop: Stop {
                target_loss: 1e-6,
                max_steps: 20_000,
            },
            quadratics: 200,
            quadratic_seed: 7,
            boundary_eps: 1e-2,
            quadratic_steps: 2000,
            perturbation: 1e-3,
            watch_steps: 2000,
        }
    }
}

/// One training run and the minimum next to its end point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamRun {
    /// The method, in words.
    pub method: String,
    /// Its short label (`GD`, `SGD`, `SAM (56)`, `SAM Foret`, `SAM unnorm.`).
    pub label: &'static str,
    /// The initialization seed.
    pub seed: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Steps.
    pub steps: usize,
    /// `F` at the end.
    pub final_loss: f64,
    /// The minimum next to the end point, analyzed at `γ`, `B` (`None`: see `note`).
    pub minimum: Option<MinimumReport>,
    /// Why there is no analysis.
    pub note: Option<String>,
}

/// Unnormalized full-batch SAM on random quadratics at `γ*_SAM(1 ± ε)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuadraticCheck {
    /// Quadratics tried.
    pub count: usize,
    /// `ε`.
    pub eps: f64,
    /// Steps per run.
    pub steps: usize,
    /// At `γ*(1 − ε)`: runs with `‖x_K‖ ≤ ‖x_0‖` (as predicted).
    pub stable_as_predicted: usize,
    /// At `γ*(1 + ε)`: runs that diverged (as predicted).
    pub unstable_as_predicted: usize,
    /// The range of `ρλ_max` covered.
    pub rho_lambda_range: Interval,
    /// The first few disagreements, described.
    pub disagreements: Vec<String>,
    /// Every run.
    pub points: Vec<QuadraticRun>,
}

/// One run of unnormalized SAM on a random quadratic. In JSON the array
/// `[ρλ_max, γλ_max, stayed bounded]`, as it has always been printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "(f64, f64, bool)")]
pub struct QuadraticRun {
    /// `ρλ_max`.
    pub rho_lambda: f64,
    /// `γλ_max`.
    pub gamma_lambda: f64,
    /// Whether the run stayed bounded (`‖x_K‖ ≤ ‖x_0‖(1 +` [`STABLE_SLACK`]`)`).
    pub bounded: bool,
}

impl From<QuadraticRun> for (f64, f64, bool) {
    fn from(r: QuadraticRun) -> Self {
        (r.rho_lambda, r.gamma_lambda, r.bounded)
    }
}

/// Unnormalized full-batch SAM next to the network's GD minimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkCheck {
    /// `λ_max(H)` of the minimum.
    pub sharpness: f64,
    /// `γ*_SAM = 2/(λ_max(1 + ρλ_max))`.
    pub gamma_sam: f64,
    /// `2/λ_max`, GD's threshold, for comparison.
    pub gamma_gd: f64,
    /// Every run, at `0.9` and `1.1 · γ*_SAM`.
    pub runs: Vec<NetworkRun>,
}

/// One run of unnormalized full-batch SAM from a start next to the network's GD minimum. In
/// JSON the array `[γ/γ*_SAM, seed, fate, max ‖θ_k − θ_0‖]`, as it has always been printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "(f64, u64, Fate, f64)")]
pub struct NetworkRun {
    /// `γ/γ*_SAM`.
    pub gamma_ratio: f64,
    /// The seed of the start.
    pub seed: u64,
    /// Stayed, escaped or diverged.
    pub fate: Fate,
    /// `max_k ‖θ_k − θ_0‖`.
    pub max_distance: f64,
}

impl From<NetworkRun> for (f64, u64, Fate, f64) {
    fn from(r: NetworkRun) -> Self {
        (r.gamma_ratio, r.seed, r.fate, r.max_distance)
    }
}

/// The normalized variants on random quadratics: what they do next to the minimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedCheck {
    /// Quadratics tried.
    pub count: usize,
    /// Steps per run.
    pub steps: usize,
    /// Foret: `‖x_K‖/a` (`a = γλ_maxρ/(2 − γλ_max)`, the `d = 1` cycle): min, median, max.
    #[serde(serialize_with = "Spread::serialize_as_array")]
    pub amplitude_ratio: Spread,
    /// Foret: `|cos(x_K, u_max)|`, the smallest.
    pub alignment_min: f64,
    /// Foret: runs whose last two iterates are (nearly) opposite, `x_K ≈ −x_{K−1}`.
    pub alternating: usize,
    /// Foret: runs that converged to the minimum (`‖x_K‖ ≤ 10⁻⁶ a`).
    pub converged: usize,
    /// Eq. (56): `‖x_K‖/ρ`: min, median, max.
    #[serde(serialize_with = "Spread::serialize_as_array")]
    pub per_sample_distance_over_rho: Spread,
    /// Eq. (56): runs that converged to the minimum (`‖x_K‖ ≤ 10⁻⁶ ρ`).
    pub per_sample_converged: usize,
}

/// The experiment's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamResult {
    /// The setup, in words.
    pub setup: String,
    /// The protocol, in words.
    pub protocol: String,
    /// Every training run.
    pub runs: Vec<SamRun>,
    /// The derived condition against simulation on quadratics.
    pub quadratic: QuadraticCheck,
    /// The derived condition on the network.
    pub network: Option<NetworkCheck>,
    /// Normalized SAM next to a minimum.
    pub normalized: NormalizedCheck,
    /// The claims.
    pub claims: Vec<Claim>,
}

/// The methods compared, with their labels.
fn methods(p: &SamParams) -> Result<Vec<(&'static str, Method)>> {
    let b = BatchSize::new(p.batch_size)?;
    let rho = SamRadius::new(p.rho)?;
    let batches = Batches::Random(b, p.sampling);
    Ok(vec![
        ("GD", Method::gd()),
        ("SGD", Method::sgd(b, p.sampling)),
        (
            "SAM (56)",
            Method::sam(SamAscent::PerSampleNormalized, rho, batches),
        ),
        (
            "SAM Foret",
            Method::sam(SamAscent::BatchNormalized, rho, batches),
        ),
        (
            "SAM unnorm.",
            Method::sam(SamAscent::Unnormalized, rho, batches),
        ),
    ])
}

/// Run the experiment.
///
/// # Errors
/// As [`Setup::problem`]; [`Error::Input`] on a parameter out of range (named); as
/// [`train::train`] and [`crate::Analysis::of`].
pub fn run(p: &SamParams, progress: ProgressCallback<'_>) -> Result<SamResult> {
    let gamma = LearningRate::new(p.gamma)?;
    let methods = methods(p)?;
    if !(p.boundary_eps > 0.0 && p.boundary_eps < 1.0) {
        return Err(Error::input(
            "boundary_eps",
            format!("must be in (0, 1), got {}", p.boundary_eps),
        ));
    }
    if !(p.perturbation.is_finite() && p.perturbation > 0.0) {
        return Err(Error::input(
            "perturbation",
            format!("must be a finite number > 0, got {}", p.perturbation),
        ));
    }
    let problem = p.setup.problem()?;
    let b = BatchSize::new(p.batch_size)?;
    let jobs: Vec<(u64, &'static str, Method)> = p
        .init_seeds
        .iter()
        .flat_map(|&s| methods.iter().map(move |&(l, m)| (s, l, m)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = jobs.len() + 2;
    let runs = jobs
        .par_iter()
        .map(|&(seed, label, method)| {
            let r = one_run(&problem, p, gamma, b, seed, label, method);
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
            r
        })
        .collect::<Result<Vec<_>>>()?;
    let quadratic = quadratic_check(p)?;
    progress(total - 1, total);
    let network = network_check(&problem, p, &runs)?;
    let normalized = normalized_check(p)?;
    progress(total, total);
    let claims = claims(p, &runs, &quadratic, network.as_ref(), &normalized);
    Ok(SamResult {
        setup: problem.setup.describe(&problem.model),
        protocol: format!(
            "γ = {}, ρ = {}, B = {} ({}), from initialization seeds {:?}, until F ≤ {} or {} steps; each end point polished onto the zero-loss set and analyzed at γ, B",
            num(p.gamma),
            num(p.rho),
            p.batch_size,
            p.sampling,
            p.init_seeds,
            num(p.stop.target_loss),
            p.stop.max_steps
        ),
        runs,
        quadratic,
        network,
        normalized,
        claims,
    })
}

fn one_run(
    problem: &Problem,
    p: &SamParams,
    gamma: LearningRate,
    b: BatchSize,
    seed: u64,
    label: &'static str,
    method: Method,
) -> Result<SamRun> {
    let t = train::train(
        &problem.model,
        &problem.init(seed),
        &problem.split.train,
        &TrainParams {
            gamma,
            method,
            stop: p.stop,
            seed,
            record_every: 100,
            sharpness: None,
        },
    )?;
    let mut run = SamRun {
        method: method.to_string(),
        label,
        seed,
        outcome: t.info.outcome,
        steps: t.info.steps,
        final_loss: t.info.final_loss,
        minimum: None,
        note: None,
    };
    if t.info.outcome == Outcome::Diverged {
        run.note = Some("diverged".to_owned());
        return Ok(run);
    }
    match analyze_minimum(problem, &t.theta, gamma, b, p.sampling) {
        Ok(m) => run.minimum = Some(m.report),
        Err(e @ Error::Numerical(_)) => run.note = Some(e.to_string()),
        Err(e) => return Err(e),
    }
    Ok(run)
}

/// A random quadratic `F(x) = ½ xᵀHx` as linear least squares with zero targets:
/// `H = mean u_i u_iᵀ`, `n = d + 2` inputs `u_i ~ N(0, s²I)`, `s = 10^U(−1, 1)`, `d ∈ 2..=6`.
fn random_quadratic(rng: &mut ChaCha8Rng) -> Result<(Dataset, f64, Vec<f64>)> {
    let d = rng.random_range(2..=6usize);
    let n = d + 2;
    let s = 10f64.powf(rng.random_range(-1.0..1.0));
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            standard_normals(rng, d)
                .into_iter()
                .map(|z| s * z)
                .collect()
        })
        .collect();
    let h = faer::Mat::from_fn(d, d, |a, c| {
        rows.iter().map(|u| u[a] * u[c]).sum::<f64>() / n as f64
    });
    let (lambda, u) = linalg::sym_eigen(h.as_ref())?;
    let top = d - 1;
    let data = Dataset::new("quadratic", &rows, vec![0.0; n])?;
    Ok((data, lambda[top], (0..d).map(|i| u[(i, top)]).collect()))
}

fn full_batch(gamma: f64, method: Method, steps: usize) -> Result<TrainParams> {
    Ok(TrainParams {
        gamma: LearningRate::new(gamma)?,
        method,
        stop: Stop {
            target_loss: 0.0,
            max_steps: steps,
        },
        seed: 0,
        record_every: steps.max(1),
        sharpness: None,
    })
}

/// Unnormalized SAM at `γ*_SAM(1 ± ε)` on `p.quadratics` random quadratics.
///
/// # Errors
/// As [`train::train`].
pub fn quadratic_check(p: &SamParams) -> Result<QuadraticCheck> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.quadratic_seed);
    let mut out = QuadraticCheck {
        count: p.quadratics,
        eps: p.boundary_eps,
        steps: p.quadratic_steps,
        stable_as_predicted: 0,
        unstable_as_predicted: 0,
        rho_lambda_range: Interval {
            lower: f64::INFINITY,
            upper: f64::NEG_INFINITY,
        },
        disagreements: Vec::new(),
        points: Vec::new(),
    };
    for q in 0..p.quadratics {
        let (data, lambda, _) = random_quadratic(&mut rng)?;
        let rho_lambda = 10f64.powf(rng.random_range(-2.0..0.5));
        let rho = rho_lambda / lambda;
        out.rho_lambda_range.lower = out.rho_lambda_range.lower.min(rho_lambda);
        out.rho_lambda_range.upper = out.rho_lambda_range.upper.max(rho_lambda);
        let CriticalGamma::Finite(g_star) = unnormalized_critical_gamma(rho, lambda) else {
            continue;
        };
        let x0 = standard_normals(&mut rng, data.d());
        let model = Linear::new(data.d())?;
        let method = Method::sam(SamAscent::Unnormalized, SamRadius::new(rho)?, Batches::Full);
        for (side, factor) in [(0, 1.0 - p.boundary_eps), (1, 1.0 + p.boundary_eps)] {
            let t = train::train(
                &model,
                &x0,
                &data,
                &full_batch(g_star * factor, method, p.quadratic_steps)?,
            )?;
            let grew =
                t.info.outcome == Outcome::Diverged || norm(&t.theta) > UNSTABLE_GROWTH * norm(&x0);
            let bounded = t.info.outcome != Outcome::Diverged
                && norm(&t.theta) <= norm(&x0) * (1.0 + STABLE_SLACK);
            out.points.push(QuadraticRun {
                rho_lambda,
                gamma_lambda: g_star * factor * lambda,
                bounded,
            });
            let ok = if side == 0 { bounded } else { grew };
            if ok && side == 0 {
                out.stable_as_predicted += 1;
            } else if ok {
                out.unstable_as_predicted += 1;
            } else if out.disagreements.len() < 5 {
                out.disagreements.push(format!(
                    "quadratic {q}: d = {}, λ_max = {}, ρλ_max = {}, γ = {}·γ*: ‖x_K‖/‖x_0‖ = {} ({}), factor p(λ_max) = {}",
                    data.d(),
                    num(lambda),
                    num(rho_lambda),
                    num(factor),
                    num(norm(&t.theta) / norm(&x0)),
                    t.info.outcome,
                    num(unnormalized_factor(g_star * factor, rho, lambda))
                ));
            }
        }
    }
    Ok(out)
}

/// On the stable side `‖x_K‖ ≤ ‖x_0‖(1 + this)`: rounding only (every factor has `|p| < 1`);
/// [`crate::Tolerances::SAM_STABLE_SLACK`].
pub const STABLE_SLACK: f64 = crate::Tolerances::SAM_STABLE_SLACK;
/// On the unstable side, growth beyond this factor (or divergence) counts as unstable.
pub const UNSTABLE_GROWTH: f64 = 1e3;

fn network_check(
    problem: &Problem,
    p: &SamParams,
    runs: &[SamRun],
) -> Result<Option<NetworkCheck>> {
    // The GD run of the first seed, retrained (deterministic) to get its end point.
    let Some(gd) = runs.iter().find(|r| r.label == "GD" && r.minimum.is_some()) else {
        return Ok(None);
    };
    let t = train::train(
        &problem.model,
        &problem.init(gd.seed),
        &problem.split.train,
        &full_batch(p.gamma, Method::gd(), p.stop.max_steps).map(|mut tp| {
            tp.stop = p.stop;
            tp
        })?,
    )?;
    let minimum = analyze_minimum(
        problem,
        &t.theta,
        LearningRate::new(p.gamma)?,
        BatchSize::new(p.batch_size)?,
        p.sampling,
    )?;
    let lambda = gd.minimum.as_ref().map_or(f64::NAN, |m| m.sharpness);
    let CriticalGamma::Finite(g_star) = unnormalized_critical_gamma(p.rho, lambda) else {
        return Ok(None);
    };
    let method = Method::sam(
        SamAscent::Unnormalized,
        SamRadius::new(p.rho)?,
        Batches::Full,
    );
    let mut out = Vec::new();
    for factor in [0.9, 1.1] {
        for seed in 0..2u64 {
            let start = start_in_range(&minimum.theta, &minimum.instance, p.perturbation, seed, 0)?;
            let mut params = full_batch(factor * g_star, method, p.watch_steps)?;
            params.record_every = 10;
            let r = train::train(&problem.model, &start, &problem.split.train, &params)?;
            let max_d = r.info.curve.iter().map(|c| c.distance).fold(0.0, f64::max);
            let fate = if r.info.outcome == Outcome::Diverged {
                Fate::Diverged
            } else if max_d >= 10.0 * p.perturbation {
                Fate::Escaped
            } else {
                Fate::Stayed
            };
            out.push(NetworkRun {
                gamma_ratio: factor,
                seed,
                fate,
                max_distance: max_d,
            });
        }
    }
    Ok(Some(NetworkCheck {
        sharpness: lambda,
        gamma_sam: g_star,
        gamma_gd: 2.0 / lambda,
        runs: out,
    }))
}

/// The normalized variants on random quadratics (full batch), from a random unit start.
///
/// # Errors
/// As [`train::train`].
pub fn normalized_check(p: &SamParams) -> Result<NormalizedCheck> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.quadratic_seed ^ 0x5a5a);
    let count = p.quadratics.min(50);
    let steps = p.quadratic_steps;
    let (mut ratios, mut aligns, mut per_sample) = (Vec::new(), Vec::new(), Vec::new());
    let (mut alternating, mut converged, mut ps_converged) = (0, 0, 0);
    for _ in 0..count {
        let (data, lambda, top) = random_quadratic(&mut rng)?;
        let gamma = rng.random_range(0.2..1.8) / lambda;
        let rho = 10f64.powf(rng.random_range(-2.0..0.0)) / lambda.sqrt();
        let model = Linear::new(data.d())?;
        let x0: Vec<f64> = {
            let z = standard_normals(&mut rng, data.d());
            let n = norm(&z);
            z.into_iter().map(|x| x / n).collect()
        };
        let a = normalized_cycle_amplitude(gamma, rho, lambda).unwrap_or(f64::NAN);
        let foret = Method::sam(
            SamAscent::BatchNormalized,
            SamRadius::new(rho)?,
            Batches::Full,
        );
        let last = train::train(&model, &x0, &data, &full_batch(gamma, foret, steps)?)?.theta;
        let prev = train::train(&model, &x0, &data, &full_batch(gamma, foret, steps - 1)?)?.theta;
        ratios.push(norm(&last) / a);
        aligns.push(dot(&last, &top).abs() / norm(&last).max(f64::MIN_POSITIVE));
        let sum: Vec<f64> = last.iter().zip(&prev).map(|(x, y)| x + y).collect();
        if norm(&sum) <= 1e-6 * norm(&last) {
            alternating += 1;
        }
        if norm(&last) <= 1e-6 * a {
            converged += 1;
        }
        let eq56 = Method::sam(
            SamAscent::PerSampleNormalized,
            SamRadius::new(rho)?,
            Batches::Full,
        );
        let end = train::train(&model, &x0, &data, &full_batch(gamma, eq56, steps)?)?.theta;
        per_sample.push(norm(&end) / rho);
        if norm(&end) <= 1e-6 * rho {
            ps_converged += 1;
        }
    }
    Ok(NormalizedCheck {
        count,
        steps,
        amplitude_ratio: Spread::of(&ratios),
        alignment_min: aligns.iter().copied().fold(f64::INFINITY, f64::min),
        alternating,
        converged,
        per_sample_distance_over_rho: Spread::of(&per_sample),
        per_sample_converged: ps_converged,
    })
}
