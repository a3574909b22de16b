//! Command-line parsing and dispatch only: parse, load, analyze, pick a renderer.

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::instance::Sampling;
use crate::load::{load_path, Overrides};
use crate::report::{render, Format};
use crate::tolerance::{RelTol, Tolerances};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Verify the linear-stability theory of SGD at global minima.
///
/// With no subcommand, analyzes every instance shipped in `fixtures/`.
#[derive(Debug, Parser)]
#[command(name = "sgd-stability", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze instances: moments, and every criterion of the lecture with its verdict,
    /// margin and critical learning rate.
    Analyze(AnalyzeArgs),
    /// Enumerate every minibatch (every B-subset without replacement; every multiset with its
    /// multinomial weight with replacement) and compare E[H_B], E[H_B²], E[(I − γH_B)²] and the
    /// second-moment operator E[M_B ⊗ M_B] with their closed forms. Exit 1 if any differs.
    Enumerate(EnumerateArgs),
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
    /// Learning rate γ > 0; replaces the file's value.
    #[arg(long, value_parser = parse_gamma)]
    gamma: Option<f64>,
    /// Batch size B ≥ 1; replaces the file's value.
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// Sampling scheme; replaces the file's value.
    #[arg(long, value_name = "S")]
    sampling: Option<Sampling>,
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
    /// Learning rate γ > 0; replaces the file's value.
    #[arg(long, value_parser = parse_gamma)]
    gamma: Option<f64>,
    /// Batch size B ≥ 1; replaces the file's value.
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// Sampling scheme: without_replacement or with_replacement; replaces the file's value.
    #[arg(long, value_name = "S")]
    sampling: Option<Sampling>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    tolerances: ToleranceArgs,
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

fn parse_tol(s: &str) -> std::result::Result<f64, String> {
    let t: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    RelTol::new(t)
        .map(RelTol::value)
        .ok_or_else(|| format!("a tolerance must be a finite number ≥ 0, got {s}"))
}

/// The directory of shipped fixtures: `./fixtures` if it exists, else the crate's own.
#[must_use]
pub fn default_fixtures_dir() -> PathBuf {
    let local = PathBuf::from("fixtures");
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
    }
}

/// The `.json` instance files in `dir`, sorted by name.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be read.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !is_expected_values(p))
        .collect();
    files.sort();
    Ok(files)
}

fn is_expected_values(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "expected_values.json")
}

fn analyze_files(
    files: &[PathBuf],
    overrides: &Overrides,
    tol: &Tolerances,
) -> Result<Vec<Analysis>> {
    files
        .iter()
        .map(|f| load_path(f, overrides, tol.symmetry).and_then(|inst| Analysis::of(&inst, tol)))
        .collect()
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
            let text = if e.use_stderr() {
                e.render().ansi().to_string()
            } else {
                e.to_string()
            };
            let _ = if e.use_stderr() {
                write!(err, "{text}")
            } else {
                write!(out, "{text}")
            };
            return code;
        }
    };
    let result = match cli.command {
        Some(Command::Analyze(args)) => analyze(&args).map(|r| (r, 0)),
        Some(Command::Enumerate(args)) => enumerate(&args),
        None => main_job().map(|r| (r, 0)),
    };
    match result {
        Ok((report, code)) => {
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(report.as_bytes());
            code
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            e.exit_code()
        }
    }
}

fn analyze(args: &AnalyzeArgs) -> Result<String> {
    let overrides = Overrides {
        gamma: args.gamma,
        batch_size: args
            .batch_size
            .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
        sampling: args.sampling,
    };
    let tol = args.tolerances.to_tolerances();
    let analyses = analyze_files(&args.files, &overrides, &tol)?;
    Ok(render(&analyses, args.format))
}

/// Enumerate and compare; exit code 1 when a quantity differs from its closed form.
fn enumerate(args: &EnumerateArgs) -> Result<(String, u8)> {
    use crate::enumerate::{Arithmetic, EnumerationCheck, Limit, Params};
    let overrides = Overrides {
        gamma: args.gamma,
        batch_size: args
            .batch_size
            .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
        sampling: args.sampling,
    };
    let tol = args.tolerances.to_tolerances();
    let mut params = Params::with_limit(Limit::new(u128::from(args.limit)));
    if args.force {
        params = params.forced();
    }
    let arithmetic = if args.exact {
        Arithmetic::Exact
    } else {
        Arithmetic::Float
    };
    let checks = args
        .files
        .iter()
        .map(|f| {
            let origin = f.display().to_string();
            let inst = load_path(f, &overrides, tol.symmetry)?;
            EnumerationCheck::run(&inst, arithmetic, &params, tol.agreement)
                .map_err(|e| e.in_file(&origin))
        })
        .collect::<Result<Vec<_>>>()?;
    let report = match args.format {
        Format::Text => crate::report::enumeration_text(&checks),
        Format::Json => crate::report::enumeration_json(&checks),
        Format::Markdown => crate::report::enumeration_markdown(&checks),
    };
    let code = if checks.iter().all(EnumerationCheck::agrees) {
        0
    } else {
        1
    };
    Ok((report, code))
}

/// The default job: analyze every shipped fixture.
fn main_job() -> Result<String> {
    let dir = default_fixtures_dir();
    let files = fixture_files(&dir)?;
    let analyses = analyze_files(&files, &Overrides::default(), &Tolerances::default())?;
    let mut s = format!(
        "sgd-stability: the lecture's criteria on the {} shipped instances in {}\n\n",
        analyses.len(),
        dir.display()
    );
    s.push_str(&render(&analyses, Format::Text));
    Ok(s)
}
