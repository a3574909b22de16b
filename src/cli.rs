//! The command line: its arguments (clap), and [`run`], which parses them and dispatches to one
//! function per command (`commands`: load once, call the library, render).

use crate::error::Result;
use crate::instance::Sampling;
use crate::load::Overrides;
use crate::report::Format;
use crate::tolerance::{RelTol, Tolerances};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

mod commands;
mod experiment;

/// Verify the linear-stability theory of SGD at global minima, symbolically and numerically
///
/// With no command: the main job. Every shipped instance (`fixtures/*.json`) and derivation
/// (`proofs/*.lecture`) is verified, the experiments on trained models are run (release builds
/// only), and the report is written to `report/` — `report --experiments` on the shipped data.
#[derive(Debug, Parser)]
#[command(name = "sgd-stability", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The most memory that input may make a command allocate (`4G`, `512M`, bytes); requests above
    /// it are refused with their size, and input files are capped at a share of it.
    #[arg(long, global = true, value_name = "SIZE", default_value = "4G",
          value_parser = crate::limits::MemoryBudget::parse)]
    memory_limit: crate::limits::MemoryBudget,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze instances: every criterion's verdict, margin and critical learning rate
    ///
    /// For each instance: the moments H, Σ, c, and each of the lecture's criteria with its value,
    /// margin, critical learning rate and verdict, beside the exact mean-square criterion. Under
    /// random_reshuffling: the exact per-epoch operator (ρ per step, verdict, critical γ; N ≤ 8 or
    /// B = N), the i.i.d. criteria marked not applicable.
    Analyze(AnalyzeArgs),
    /// Enumerate every minibatch and compare the expectations with their closed forms
    ///
    /// Every B-subset without replacement; every multiset with its multinomial weight with
    /// replacement. Compares E[H_B], E[H_B²], E[(I − γH_B)²] and the second-moment operator
    /// E[M_B ⊗ M_B] with their closed forms. Exit 1 if any differs. Not for random_reshuffling (its one
    /// batch is the without_replacement one).
    Enumerate(EnumerateArgs),
    /// Monte Carlo of linearized SGD against the exact E‖x_k‖²
    ///
    /// Runs x_{k+1} = (I − γH_B)x_k (seeded, R trials of K steps) and compares the estimated
    /// E‖x_k‖² with the exact prediction tr L_γ^k(x0x0ᵀ), with finite-sample intervals; also growth
    /// rates and (with --escape) escape times beside GD. Under random_reshuffling the prediction is
    /// the per-epoch operator's, at the ends of epochs (k a multiple of N/B), and only for N ≤ 8 or
    /// B = N (otherwise none: nothing is tested). Exit 1 if the agreement test rejects the exact
    /// prediction.
    Simulate(SimulateArgs),
    /// Check the lecture's derivations step by step
    ///
    /// The derivations are `proofs/*.lecture`, or the given files. Per step the equation number,
    /// the claim, the verdict, the evidence and a counterexample. Exit 1 if a step fails that is
    /// expected to hold (or holds that is expected to fail), 2 on a parse error (reported as
    /// file:line:col).
    Verify(VerifyArgs),
    /// Tabulate every criterion's critical learning rate against the batch size
    ///
    /// The criteria: GD, Theorem 3.3, exact mean-square, and Theorem 3.5 (marked * where its
    /// hypotheses hold), against the batch size B = 1..N, for both i.i.d. samplings; with
    /// --reshuffling (or --sampling random_reshuffling, or a file that says so) also random
    /// reshuffling (N ≤ 8, B dividing N).
    Sweep(SweepArgs),
    /// Write the verification report (Markdown, HTML, JSON, figures) to a folder
    ///
    /// The report: report.md, a self-contained report.html (inline SVG), report.json and
    /// figures/*.svg, atomically. With no inputs: the shipped fixtures/. Exit 1 if a check expected
    /// to hold fails. Instances must use an i.i.d. sampling scheme.
    Report(ReportArgs),
    /// Experiments on a trained network: edge, escape, sam
    ///
    /// A real model on real data (the shipped digits, a two-layer network): `edge` (GD's sharpness
    /// against 2/γ), `escape` (SGD leaving GD's minimum, Figures 1–2), `sam` (SAM's minima and its
    /// linear stability). Each states the lecture's claims and whether the runs support them.
    Experiment(experiment::ExperimentArgs),
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Instance files (`.json`, or `.npy` with --gamma/--batch-size) and proof files (`.lecture`);
    /// default: fixtures/*.json and proofs/*.lecture.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The folder to write into (created if missing; existing report files are replaced only once
    /// every new file is written).
    #[arg(long, value_name = "DIR", default_value = "report")]
    out: PathBuf,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Also run the three experiments on trained models (`experiment edge|escape|sam`) at
    /// their default sizes and add their sections and figures (about a minute on 2 cores with
    /// a release build).
    #[arg(long)]
    experiments: bool,
    /// Why the experiments were left out, printed in the summary (the main job in a debug
    /// build).
    #[arg(skip)]
    experiments_skipped: Option<&'static str>,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// One instance file (`.json` or `.npy`, as for `analyze`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Learning rate γ > 0 at which ρ(L_γ) and the verdicts are given; replaces the file's value.
    #[arg(long, value_parser = parse_gamma)]
    gamma: Option<f64>,
    /// Also tabulate random reshuffling (each epoch a uniformly random permutation cut into
    /// N/B batches), enumerated exactly over every ordering: N ≤ 8 only. Implied when the file
    /// or --sampling says random_reshuffling.
    #[arg(long)]
    reshuffling: bool,
    /// random_reshuffling: the same as --reshuffling. The i.i.d. schemes (without_replacement,
    /// with_replacement) are always tabulated, so naming one of them changes nothing. The
    /// file's batch size is not used.
    #[arg(long, value_name = "S")]
    sampling: Option<Sampling>,
    /// The batch sizes to tabulate, comma-separated (e.g. `1,8,32`); default: every B = 1..N
    /// up to N = 64, and 1, 2, 4, …, N (powers of two, and N) above.
    #[arg(long, value_name = "B,...", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..))]
    batch_sizes: Option<Vec<u64>>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    tolerances: ToleranceArgs,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Proof files; all of `proofs/*.lecture` when none are given.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Search effort: scales the number of random instances and hill-climbing steps (about
    /// 0.6 s per unit on the shipped proofs; at most 10000).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    effort: u32,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// One instance file (`.json` or `.npy`, as for `analyze`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// K, the number of steps.
    #[arg(long, value_name = "K", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
    /// R, the number of independent trials.
    #[arg(long, value_name = "R", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(2..))]
    trials: u64,
    /// Seed of every random stream (trial r uses stream r).
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Family-wise false-alarm rate of the agreement test, in (0, 1).
    #[arg(long, default_value_t = crate::simulate::SimParams::DEFAULT_ALPHA)]
    alpha: f64,
    /// Starting point, comma-separated (length d); default: a random unit vector per trial.
    #[arg(
        long,
        value_name = "X0",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    x0: Option<Vec<f64>>,
    /// Starting point from a `.npy` file (a vector of length d, e.g. a direction out of a
    /// trained model's minimum); instead of --x0.
    #[arg(long, value_name = "FILE.npy", conflicts_with = "x0")]
    x0_file: Option<PathBuf>,
    /// Escape radius r: report the first k with ‖x_k‖ ≥ r, for SGD and for GD (B = N) from the
    /// same starts.
    #[arg(long, value_name = "R")]
    escape: Option<f64>,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct EnumerateArgs {
    /// Instance files, as for `analyze`.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Exact rational arithmetic (each f64 input is read as the rational it is): the comparison
    /// is `==`, the difference exactly zero.
    #[arg(long)]
    exact: bool,
    /// Refuse enumerations with more visits than this.
    #[arg(long, value_name = "VISITS", default_value_t = 5_000_000)]
    limit: u64,
    /// Enumerate even above --limit.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    tolerances: ToleranceArgs,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Instance files: `.json` (the fixture schema) or `.npy` (N×d×d Hessians or N×d
    /// gradients; then --gamma and --batch-size are required).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also decide stability at γ exactly in rational arithmetic (inputs read as the decimals
    /// written) and give γ*_exact as an algebraic number (defining polynomial and isolating
    /// interval); d ≤ 5 and the i.i.d. schemes only.
    #[arg(long)]
    certified: bool,
    #[command(flatten)]
    tolerances: ToleranceArgs,
}

/// `--gamma`, `--batch-size`, `--sampling`: values that replace the files' own.
#[derive(Debug, Args, Default)]
struct OverrideArgs {
    /// Learning rate γ > 0; replaces the file's value.
    #[arg(long, value_parser = parse_gamma_arg)]
    gamma: Option<GammaArg>,
    /// Batch size B ≥ 1; replaces the file's value.
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// Sampling scheme; replaces the file's value. without_replacement (a uniform B-subset at
    /// every step) or with_replacement (B independent draws at every step) — the two i.i.d.
    /// schemes — or random_reshuffling (every epoch a fresh uniformly random permutation cut
    /// into N/B consecutive batches; B must divide N, no ragged or dropped last batch):
    /// supported by analyze (exact per-epoch operator, N ≤ 8 or B = N), sweep and simulate;
    /// refused by enumerate, analyze --certified and report.
    #[arg(long, value_name = "S")]
    sampling: Option<Sampling>,
}

impl OverrideArgs {
    fn to_overrides(&self) -> Overrides {
        Overrides {
            gamma: self.gamma.as_ref().map(|g| g.value),
            batch_size: self
                .batch_size
                .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
            sampling: self.sampling,
        }
    }
}

#[derive(Debug, Args)]
struct ToleranceArgs {
    /// Largest accepted asymmetry |H_ij − H_ji| of a Hessian, relative to its largest entry.
    #[arg(long, value_name = "REL", default_value_t = Tolerances::DEFAULT_SYMMETRY, value_parser = parse_tol)]
    symmetry_tol: f64,
    /// Eigenvalues of H below this times ‖H‖₂ count as zero (null directions).
    #[arg(long, value_name = "REL", default_value_t = Tolerances::DEFAULT_NULL_SPACE, value_parser = parse_tol)]
    null_tol: f64,
    /// A verdict with |γ/γ* − 1| at most this is reported as `boundary`.
    #[arg(long, value_name = "REL", default_value_t = Tolerances::DEFAULT_BOUNDARY, value_parser = parse_tol)]
    boundary_tol: f64,
    /// Two floating-point routes agree if they differ by at most this times the quantity's
    /// largest entry (at least 1).
    #[arg(long, value_name = "REL", default_value_t = Tolerances::DEFAULT_AGREEMENT, value_parser = parse_tol)]
    agreement_tol: f64,
}

impl ToleranceArgs {
    fn to_tolerances(&self) -> Tolerances {
        let t = |x: f64| RelTol::new(x).expect("validated by the parser");
        Tolerances {
            symmetry: t(self.symmetry_tol),
            null_space: t(self.null_tol),
            boundary: t(self.boundary_tol),
            agreement: t(self.agreement_tol),
        }
    }
}

fn parse_gamma(s: &str) -> std::result::Result<f64, String> {
    let g: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if g.is_finite() && g > 0.0 {
        Ok(g)
    } else {
        Err(format!(
            "the learning rate must be a finite number > 0, got {s}"
        ))
    }
}

/// `--gamma` as a number and as typed (the certified mode reads the decimal exactly).
#[derive(Debug, Clone)]
struct GammaArg {
    value: f64,
    text: String,
}

fn parse_gamma_arg(s: &str) -> std::result::Result<GammaArg, String> {
    parse_gamma(s).map(|value| GammaArg {
        value,
        text: s.trim().to_owned(),
    })
}

fn parse_tol(s: &str) -> std::result::Result<f64, String> {
    let t: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    RelTol::new(t)
        .map(RelTol::value)
        .ok_or_else(|| format!("a tolerance must be a finite number ≥ 0, got {s}"))
}

/// The directory of shipped fixtures: `./fixtures` if it exists, else the crate's own.
#[must_use]
pub fn default_fixtures_dir() -> PathBuf {
    crate::load::shipped_dir("fixtures")
}

/// The `.json` instance files in `dir`, sorted by name.
///
/// # Errors
/// [`crate::Error::Io`] if the directory cannot be read.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>> {
    crate::load::files_with_extension(dir, "json", |p| !is_expected_values(p))
}

fn is_expected_values(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "expected_values.json")
}

/// Run the command line `args` (including the program name), writing the report to `out` and
/// diagnostics to `err`. Returns the process exit code: 0 ok, 2 bad input or usage, 3 internal.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(2);
            // Colours only for a person at a terminal; plain text when piped or captured.
            use std::io::IsTerminal as _;
            let text = if e.use_stderr() && std::io::stderr().is_terminal() {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let _ = if e.use_stderr() {
                write!(err, "{text}")
            } else {
                write!(out, "{text}")
            };
            return code;
        }
    };
    cli.memory_limit.make_current();
    let result = match cli.command {
        Some(Command::Analyze(args)) => commands::analyze(&args).map(|r| (r, 0)),
        Some(Command::Enumerate(args)) => commands::enumerate(&args),
        Some(Command::Simulate(args)) => commands::simulate(&args),
        Some(Command::Verify(args)) => commands::verify(&args),
        Some(Command::Sweep(args)) => commands::sweep(&args).map(|r| (r, 0)),
        Some(Command::Report(args)) => commands::report(&args),
        Some(Command::Experiment(args)) => experiment::command(&args).map(|r| (r, 0)),
        None => commands::main_job(),
    };
    match result {
        Ok((report, code)) => match out.write_all(report.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => code,
            // A closed pipe (`| head`) is not an error worth reporting.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
            // A full disk or a failing device: the report was not delivered.
            Err(e) => {
                let _ = writeln!(err, "error: writing the report to standard output: {e}");
                2
            }
        },
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            e.exit_code()
        }
    }
}
