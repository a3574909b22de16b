//! `sgd-stability experiment edge|escape|sam`: parse the options into the experiment's
//! parameters, run it with a progress bar on a terminal, render.

use crate::data::digits::{Resolution, Task};
use crate::error::{Error, Result};
use crate::experiment::{self, edge, escape, sam, section4, Setup};
use crate::instance::Sampling;
use crate::model::Activation;
use crate::report::experiments::{self as render, Section};
use crate::report::{Format, Render as _};
use clap::{Args, Subcommand};
use std::io::IsTerminal as _;

/// Which experiment, with its options.
#[derive(Debug, Args)]
pub(super) struct ExperimentArgs {
    #[command(subcommand)]
    which: Which,
}

#[derive(Debug, Subcommand)]
enum Which {
    /// GD at the edge: GD's sharpness against 2/γ
    ///
    /// For several γ, GD's sharpness λ_max(∇²F) along training and at
    /// convergence against 2/γ (Corollary 3.4; Wu, Ma & E; Cohen et al.).
    Edge(EdgeArgs),
    /// The escape (Figures 1–2): SGD leaving GD's minimum
    ///
    /// GD to a minimum, every criterion at it, then SGD next to it at
    /// GD's γ and at 0.9/1.1·γ*_exact(B): stays or escapes, where it lands, and the line
    /// between the two minima.
    Escape(EscapeArgs),
    /// SAM: its minima and its linear stability
    ///
    /// The minima of GD, SGD and SAM (eq. 56, Foret, unnormalized) compared; SAM's linear
    /// stability γλ(1 + ρλ) ≤ 2 checked by simulation; normalized SAM near a minimum measured.
    Sam(SamArgs),
    /// Section 4: Theorem 4.1 (tr G against ‖x‖_{2,d}, ‖G‖₂ against ‖x‖_{2,1}) on random
    /// two-layer ReLU networks over the sphere, the chain (46)–(48) on GD and SGD minima, and
    /// Theorem 4.2's test loss over width m and dimension d.
    Section4(Section4Args),
}

/// Data, network and output options shared by the experiments.
#[derive(Debug, Args)]
struct SetupArgs {
    /// The two-class digits task POS:NEG (targets +1 and −1), e.g. 3:8 or 02468:13579.
    #[arg(long, default_value = "02468:13579", value_parser = |s: &str| s.parse::<Task>())]
    task: Task,
    /// Input features: 8x8 (all pixels) or 4x4 (2×2 block averages).
    #[arg(long, default_value = "8x8", value_parser = |s: &str| s.parse::<Resolution>())]
    resolution: Resolution,
    /// N, training images (the first N of the task in the shipped training pool).
    #[arg(long, value_name = "N", default_value_t = 256)]
    n_train: usize,
    /// Test images (default: all of the task's test images).
    #[arg(long, value_name = "N")]
    n_test: Option<usize>,
    /// Width m of the two-layer network.
    #[arg(long, value_name = "M", default_value_t = 16)]
    width: usize,
    /// Activation σ: tanh or relu.
    #[arg(long, default_value = "tanh", value_parser = |s: &str| s.parse::<Activation>())]
    activation: Activation,
    /// Scale of the initialization.
    #[arg(long, default_value_t = 0.3)]
    init_scale: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

impl SetupArgs {
    fn setup(&self) -> Setup {
        let mut s = Setup::default();
        s.digits.task = self.task.clone();
        s.digits.resolution = self.resolution;
        s.digits.n_train = self.n_train;
        s.digits.n_test = self.n_test;
        s.width = self.width;
        s.activation = self.activation;
        s.init_scale = self.init_scale;
        s
    }
}

#[derive(Debug, Args)]
struct EdgeArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// The learning rates γ, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = edge::EdgeParams::default().gammas)]
    gammas: Vec<f64>,
    /// Initialization seeds, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = edge::EdgeParams::default().seeds)]
    seeds: Vec<u64>,
    /// GD's step budget.
    #[arg(long, default_value_t = edge::EdgeParams::default().stop.max_steps)]
    max_steps: usize,
    /// GD stops once the training loss is at most this.
    #[arg(long, default_value_t = edge::EdgeParams::default().stop.target_loss)]
    target_loss: f64,
}

#[derive(Debug, Args)]
struct EscapeArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// GD's learning rate (also SGD's in the lecture's setting).
    #[arg(long, default_value_t = escape::EscapeParams::default().gamma)]
    gamma: f64,
    /// SGD batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = escape::EscapeParams::default().batch_sizes)]
    batch_sizes: Vec<usize>,
    /// SGD's sampling scheme: without_replacement or with_replacement.
    #[arg(long, default_value = "without_replacement")]
    sampling: Sampling,
    /// SGD seeds per setting (0..S).
    #[arg(long, value_name = "S", default_value_t = escape::EscapeParams::default().seeds)]
    seeds: u64,
    /// The threshold test's factors f (SGD at f·γ*_exact(B)), comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = escape::EscapeParams::default().threshold_factors)]
    factors: Vec<f64>,
    /// SGD steps watched for an escape.
    #[arg(long, default_value_t = escape::EscapeParams::default().watch_steps)]
    watch_steps: usize,
    /// The initialization seed of GD.
    #[arg(long, default_value_t = escape::EscapeParams::default().init_seed)]
    init_seed: u64,
}

#[derive(Debug, Args)]
struct SamArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// γ of every method.
    #[arg(long, default_value_t = sam::SamParams::default().gamma)]
    gamma: f64,
    /// SAM's radius ρ.
    #[arg(long, default_value_t = sam::SamParams::default().rho)]
    rho: f64,
    /// B of SGD and SAM.
    #[arg(long, default_value_t = sam::SamParams::default().batch_size)]
    batch_size: usize,
    /// Initialization seeds, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = sam::SamParams::default().init_seeds)]
    seeds: Vec<u64>,
    /// Training step budget.
    #[arg(long, default_value_t = sam::SamParams::default().stop.max_steps)]
    max_steps: usize,
    /// Random quadratics for the stability check.
    #[arg(long, default_value_t = sam::SamParams::default().quadratics)]
    quadratics: usize,
}

#[derive(Debug, Args)]
struct Section4Args {
    /// γ of GD and SGD on the trained networks.
    #[arg(long, default_value_t = section4::trained::TrainedParams::default().gamma)]
    gamma: f64,
    /// Seeds of the trained networks (teacher, data, initialization), comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = section4::trained::TrainedParams::default().seeds)]
    seeds: Vec<u64>,
    /// Widths m of the width sweep, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = section4::trained::TrainedParams::default().widths)]
    widths: Vec<usize>,
    /// Input dimensions d of the dimension sweep, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = section4::trained::TrainedParams::default().dims)]
    dims: Vec<usize>,
    /// Further (m, d) pairs trained outside both sweeps, as MxD, comma-separated; `none` for
    /// none.
    #[arg(long, value_delimiter = ',', default_value = "1000x100", value_parser = parse_pair)]
    extra: Vec<Option<(usize, usize)>>,
    /// N, training points of the trained networks.
    #[arg(long, value_name = "N", default_value_t = section4::trained::TrainedParams::default().n_train)]
    n_train: usize,
    /// Input draws per n in the Theorem 4.1 measurement.
    #[arg(long, default_value_t = section4::thm41::Thm41Params::default().draws)]
    draws: usize,
    /// The largest n of the Theorem 4.1 measurement.
    #[arg(long, value_name = "N", default_value_t = section4::thm41::Thm41Params::default().max_n)]
    max_n: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `MxD` as `(m, d)`; `none` as nothing.
fn parse_pair(s: &str) -> std::result::Result<Option<(usize, usize)>, String> {
    if s == "none" {
        return Ok(None);
    }
    let (m, d) = s
        .split_once('x')
        .ok_or_else(|| format!("expected MxD (e.g. 1000x100) or none, got {s:?}"))?;
    let num = |t: &str| {
        t.parse::<usize>()
            .map_err(|e| format!("{t:?} in {s:?} is not a count: {e}"))
    };
    Ok(Some((num(m)?, num(d)?)))
}

impl Section4Args {
    fn params(&self) -> section4::Section4Params {
        let mut p = section4::Section4Params::default();
        p.trained.gamma = self.gamma;
        p.trained.seeds = self.seeds.clone();
        p.trained.widths = self.widths.clone();
        p.trained.dims = self.dims.clone();
        p.trained.n_train = self.n_train;
        p.trained.extra = self.extra.iter().flatten().copied().collect();
        p.thm41.draws = self.draws;
        p.thm41.max_n = self.max_n;
        p
    }
}

fn with_bar<T>(
    name: &str,
    f: impl FnOnce(experiment::ProgressCallback<'_>) -> Result<T>,
) -> Result<T> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_message(name.to_owned());
        b
    });
    let progress = |done: usize, total: usize| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    };
    let out = f(&progress);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}

fn nonempty<T>(field: &str, v: &[T]) -> Result<()> {
    if v.is_empty() {
        Err(Error::invalid(
            crate::error::ErrorKind::OutOfRange,
            field,
            "needs at least one value",
        ))
    } else {
        Ok(())
    }
}

/// The section of one experiment, run with the given options.
pub(super) fn run(args: &ExperimentArgs) -> Result<(Section, Format)> {
    match &args.which {
        Which::Edge(a) => {
            nonempty("gammas", &a.gammas)?;
            nonempty("seeds", &a.seeds)?;
            let mut p = edge::EdgeParams {
                setup: a.setup.setup(),
                gammas: a.gammas.clone(),
                seeds: a.seeds.clone(),
                ..edge::EdgeParams::default()
            };
            p.stop.max_steps = a.max_steps;
            p.stop.target_loss = a.target_loss;
            let r = with_bar("GD runs", |pr| edge::run(&p, pr))?;
            Ok((render::edge_section(&r)?, a.setup.format))
        }
        Which::Escape(a) => {
            let p = escape::EscapeParams {
                setup: a.setup.setup(),
                gamma: a.gamma,
                batch_sizes: a.batch_sizes.clone(),
                sampling: a.sampling,
                seeds: a.seeds,
                threshold_factors: a.factors.clone(),
                watch_steps: a.watch_steps,
                init_seed: a.init_seed,
                ..escape::EscapeParams::default()
            };
            let r = with_bar("SGD runs", |pr| escape::run(&p, pr))?;
            Ok((render::escape_section(&r)?, a.setup.format))
        }
        Which::Sam(a) => {
            nonempty("seeds", &a.seeds)?;
            let mut p = sam::SamParams {
                setup: a.setup.setup(),
                gamma: a.gamma,
                rho: a.rho,
                batch_size: a.batch_size,
                init_seeds: a.seeds.clone(),
                quadratics: a.quadratics,
                ..sam::SamParams::default()
            };
            p.stop.max_steps = a.max_steps;
            let r = with_bar("training runs", |pr| sam::run(&p, pr))?;
            Ok((render::sam_section(&r)?, a.setup.format))
        }
        Which::Section4(a) => {
            let r = with_bar("networks", |pr| section4::run(&a.params(), pr))?;
            Ok((render::section4_section(&r)?, a.format))
        }
    }
}

/// The `experiment` command: the section rendered in the chosen format. Errors in options are
/// attributed to `experiment NAME` (errors in the data file keep the file's name).
pub(super) fn command(args: &ExperimentArgs) -> Result<String> {
    let origin = match args.which {
        Which::Edge(_) => "experiment edge",
        Which::Escape(_) => "experiment escape",
        Which::Sam(_) => "experiment sam",
        Which::Section4(_) => "experiment section4",
    };
    let (s, format) = run(args).map_err(|e| match e {
        Error::Input { ref location, .. } if location.origin == crate::error::IN_MEMORY => {
            e.in_file(origin)
        }
        other => other,
    })?;
    Ok(s.render(format))
}

/// The experiments (edge, escape, sam, Section 4) at their default parameters, for the report.
/// They are independent, so they run concurrently (each is partly serial: a GD run, a
/// landing's SGD run); every result is seeded, so the order of execution changes nothing.
pub(super) fn default_sections() -> Result<Vec<Section>> {
    let none = |_: usize, _: usize| {};
    let ((edge, escape), (sam, sec4)) = rayon::join(
        || {
            rayon::join(
                || edge::run(&edge::EdgeParams::default(), &none),
                || escape::run(&escape::EscapeParams::default(), &none),
            )
        },
        || {
            rayon::join(
                || sam::run(&sam::SamParams::default(), &none),
                || section4::run(&section4::Section4Params::default(), &none),
            )
        },
    );
    Ok(vec![
        render::edge_section(&edge?)?,
        render::escape_section(&escape?)?,
        render::sam_section(&sam?)?,
        render::section4_section(&sec4?)?,
    ])
}
