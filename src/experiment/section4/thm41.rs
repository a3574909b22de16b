//! Theorem 4.1 measured: `tr G` against `‖x‖_{2,d}` and `‖G‖₂` against `‖x‖_{2,1}` for random
//! ReLU networks of several widths `m`, input dimensions `d` and shapes, over `n` inputs drawn
//! uniformly from `√d·S^{d−1}`, with the spread over independent draws and the `n` from which
//! the ratio stays within a stated band.
//!
//! A *shape* `s` rescales a network without changing the function it computes (ReLU is
//! positively homogeneous): `a_j → s·a_j`, `w_j → w_j/s`. The norms move (`Σa²` by `s²`,
//! `Σ‖w‖²` by `1/s²`), so a claimed equivalence `tr G ~ ‖·‖` with constants independent of the
//! network must hold across shapes: this is what separates `‖x‖_{2,d}` from the sum that (47)
//! prints.

use super::norms::{fisher, n_threshold, population_norm2_bound, population_norm2_lower, Norms};
use crate::data::sphere::sphere_inputs;
use crate::error::{Error, Result};
use crate::experiment::{ProgressCallback, Spread};
use crate::model::{Activation, TwoLayer};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// What to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Thm41Params {
    /// `(m, d)` pairs.
    pub configs: Vec<(usize, usize)>,
    /// Shapes `s` (`a → s a`, `w → w/s`).
    pub shapes: Vec<f64>,
    /// `n = ⌈k·d⌉` for each `k` here, kept if `n ≤ max_n`.
    pub n_per_d: Vec<f64>,
    /// The largest `n` measured.
    pub max_n: usize,
    /// Independent input draws per `n`.
    pub draws: usize,
    /// The band: the regime has set in at `n` when every draw at `n` and every larger `n` of the
    /// grid is within a relative `band` of the reference.
    pub band: f64,
    /// Seed of the networks and the inputs.
    pub seed: u64,
}

impl Default for Thm41Params {
    /// `(m, d)` ∈ {(10, 10), (100, 10), (1000, 10), (100, 100), (1000, 100)}, shapes ⅛, 1, 8,
    /// `n/d` ∈ {½, 1, 2, 4, 8, 16, 32, 64} up to `n = 1600`, 16 draws, band ±10%.
    fn default() -> Self {
        Self {
            configs: vec![(10, 10), (100, 10), (1000, 10), (100, 100), (1000, 100)],
            shapes: vec![0.125, 1.0, 8.0],
            n_per_d: vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
            max_n: 1600,
            draws: 16,
            band: 0.1,
            seed: 41,
        }
    }
}

/// The largest `n` accepted (the `n×n` Gram matrices: four of 200 MB at this size).
pub const MAX_N: usize = 5000;

/// The most input draws per `n` accepted.
pub const MAX_DRAWS: usize = 1000;

/// One `n` of one network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thm41Row {
    /// `n`.
    pub n: usize,
    /// `tr G/‖x‖_{2,d}` over the draws.
    pub trace_ratio: Spread,
    /// `‖G‖₂/‖x‖_{2,1}` over the draws.
    pub norm2_ratio: Spread,
    /// `tr G/Σ_j(a_j² + d‖w_j‖²)`, the sum (47) prints, over the draws.
    pub printed_ratio: Spread,
}

/// One network (width, dimension, shape) over the grid of `n`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thm41Network {
    /// `m`.
    pub m: usize,
    /// `d`.
    pub d: usize,
    /// The shape `s`.
    pub shape: f64,
    /// Its norms.
    pub norms: Norms,
    /// The population `tr G/‖x‖_{2,d}`: exactly ½ for ReLU.
    pub population_trace_ratio: f64,
    /// The population upper bound on `‖G‖₂/‖x‖_{2,1}`: `(½Σ‖w‖² + Σa²)/‖x‖_{2,1}`.
    pub population_norm2_bound_ratio: f64,
    /// The population lower bound on `‖G‖₂/‖x‖_{2,1}`: `c_d² max(Σ‖w‖², Σa²)/‖x‖_{2,1}`.
    pub population_norm2_lower_ratio: f64,
    /// `N(d, δ)` at `δ = 1/draws`.
    pub n_threshold: usize,
    /// The rows, by increasing `n`.
    pub rows: Vec<Thm41Row>,
    /// The first `n` from which every draw of `tr G/‖x‖_{2,d}` is within the band of ½.
    pub trace_sets_in: Option<usize>,
    /// The first `n` from which every draw of `‖G‖₂/‖x‖_{2,1}` is within the band of the
    /// median at the largest `n` (no closed form: the reference is itself measured, so the
    /// largest `n` alone does not count: `None` unless it holds from an earlier `n`).
    pub norm2_sets_in: Option<usize>,
}

/// The measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thm41Result {
    /// The networks.
    pub networks: Vec<Thm41Network>,
    /// The band.
    pub band: f64,
    /// Draws per `n`.
    pub draws: usize,
    /// `δ = 1/draws`, the failure probability the draws resolve.
    pub delta: f64,
}

/// A random ReLU network of width `m` on `d` inputs ([`TwoLayer::init`]) reshaped by `s`.
///
/// # Errors
/// [`Error::Input`] on `width` or `input_dim` (0) or `shape` (not finite and `> 0`).
pub fn shaped_network(m: usize, d: usize, shape: f64, seed: u64) -> Result<(TwoLayer, Vec<f64>)> {
    if !(shape.is_finite() && shape > 0.0) {
        return Err(Error::input(
            "shape",
            format!("must be a finite number > 0, got {shape}"),
        ));
    }
    let net = TwoLayer::new(d, m, Activation::Relu)?;
    let theta = net
        .init(seed)
        .into_iter()
        .enumerate()
        .map(|(k, x)| if k < m { x * shape } else { x / shape })
        .collect();
    Ok((net, theta))
}

/// The `n` of the grid for dimension `d`: `⌈k·d⌉` for `k` in `n_per_d` (non-finite or
/// non-positive `k` give nothing), at most `max_n`, increasing.
fn grid(p: &Thm41Params, d: usize) -> Vec<usize> {
    let mut ns: Vec<usize> = p
        .n_per_d
        .iter()
        .filter(|k| k.is_finite() && **k > 0.0)
        .map(|k| (k * d as f64).ceil().max(1.0))
        .filter(|&n| n <= p.max_n as f64)
        .map(|n| n as usize)
        .collect();
    ns.sort_unstable();
    ns.dedup();
    ns
}

/// The first `n` of `rows` from which `ok` holds for every later row too.
fn sets_in(rows: &[Thm41Row], ok: impl Fn(&Thm41Row) -> bool) -> Option<usize> {
    let mut first = None;
    for r in rows.iter().rev() {
        if ok(r) {
            first = Some(r.n);
        } else {
            break;
        }
    }
    first
}

/// Check the parameters before any work.
///
/// # Errors
/// [`Error::Input`] on `configs` (empty, `m = 0` or `d < 2`), `shapes`, `n_per_d` (empty),
/// `draws` (< 2 or > [`MAX_DRAWS`]), `max_n` (> [`MAX_N`], or no `n` of the grid within it for
/// some `d`) or `band` (not in `(0, 1)`).
pub fn check(p: &Thm41Params) -> Result<()> {
    for (field, empty) in [
        ("configs", p.configs.is_empty()),
        ("shapes", p.shapes.is_empty()),
        ("n_per_d", p.n_per_d.is_empty()),
    ] {
        if empty {
            return Err(Error::input(field, "needs at least one value"));
        }
    }
    if p.draws < 2 {
        return Err(Error::input(
            "draws",
            format!("at least 2 draws are needed for a spread, got {}", p.draws),
        ));
    }
    if p.max_n > MAX_N {
        return Err(Error::input(
            "max_n",
            format!(
                "n = {} would need an n×n Gram matrix of {:.1} GB; at most n = {MAX_N} is supported",
                p.max_n,
                (p.max_n as f64).powi(2) * 8.0 * 4.0 / 1e9
            ),
        ));
    }
    if p.draws > MAX_DRAWS {
        return Err(Error::input(
            "draws",
            format!("at most {MAX_DRAWS} draws per n, got {}", p.draws),
        ));
    }
    if !(p.band > 0.0 && p.band < 1.0) {
        return Err(Error::input(
            "band",
            format!("must lie in (0, 1), got {}", p.band),
        ));
    }
    for &(m, d) in &p.configs {
        if d < 2 || m == 0 {
            return Err(Error::input(
                "configs",
                format!("needs m ≥ 1 and d ≥ 2, got m = {m}, d = {d}"),
            ));
        }
        if grid(p, d).is_empty() {
            return Err(Error::input(
                "max_n",
                format!(
                    "no n = ⌈k·d⌉ (k in n_per_d) is at most max_n = {} for d = {d}",
                    p.max_n
                ),
            ));
        }
    }
    for &s in &p.shapes {
        if !(s.is_finite() && s > 0.0) {
            return Err(Error::input(
                "shapes",
                format!("must be finite and > 0, got {s}"),
            ));
        }
    }
    Ok(())
}

/// Run the measurement.
///
/// # Errors
/// As [`check`] and [`fisher`].
pub fn run(p: &Thm41Params, progress: ProgressCallback<'_>) -> Result<Thm41Result> {
    check(p)?;
    let delta = 1.0 / p.draws as f64;
    let jobs: Vec<(usize, usize, f64)> = p
        .configs
        .iter()
        .flat_map(|&(m, d)| p.shapes.iter().map(move |&s| (m, d, s)))
        .collect();
    let mut networks = Vec::new();
    for (done, &(m, d, shape)) in jobs.iter().enumerate() {
        if d < 2 {
            return Err(Error::input(
                "configs",
                format!("d must be at least 2, got {d}"),
            ));
        }
        let (net, theta) = shaped_network(m, d, shape, p.seed)?;
        let norms = Norms::of(&net, &theta);
        let ns = grid(p, d);
        let rows = ns
            .iter()
            .map(|&n| {
                let f = (0..p.draws)
                    .into_par_iter()
                    .map(|r| {
                        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
                        rng.set_stream(((n as u64) << 20) + r as u64);
                        fisher(&net, &theta, &sphere_inputs(&mut rng, n, d))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let ratio = |g: &dyn Fn(&super::norms::Fisher) -> f64, norm: f64| {
                    Spread::of(&f.iter().map(|x| g(x) / norm).collect::<Vec<_>>())
                };
                Ok(Thm41Row {
                    n,
                    trace_ratio: ratio(&|x| x.trace, norms.weighted(d as f64)),
                    norm2_ratio: ratio(&|x| x.norm2, norms.weighted(1.0)),
                    printed_ratio: ratio(&|x| x.trace, norms.printed_47()),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let reference = rows.last().map_or(f64::NAN, |r| r.norm2_ratio.median);
        networks.push(Thm41Network {
            m,
            d,
            shape,
            norms,
            population_trace_ratio: 0.5,
            population_norm2_bound_ratio: population_norm2_bound(&net, &theta)
                .expect("a ReLU network")
                / norms.weighted(1.0),
            n_threshold: n_threshold(d, delta),
            trace_sets_in: sets_in(&rows, |r| r.trace_ratio.within(0.5, p.band)),
            norm2_sets_in: sets_in(&rows, |r| r.norm2_ratio.within(reference, p.band))
                .filter(|&n| Some(n) != rows.last().map(|r| r.n)),
            population_norm2_lower_ratio: population_norm2_lower(&net, &theta)
                .expect("a ReLU network")
                / norms.weighted(1.0),
            rows,
        });
        progress(done + 1, jobs.len());
    }
    Ok(Thm41Result {
        networks,
        band: p.band,
        draws: p.draws,
        delta,
    })
}
