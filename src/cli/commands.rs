//! One function per command: load each input once, call the library, render in the asked
//! format, and return the text with the exit code. Argument definitions and dispatch are in
//! [`super`].

use super::{
    default_fixtures_dir, experiment, fixture_files, AnalyzeArgs, EnumerateArgs, OverrideArgs,
    ReportArgs, SimulateArgs, SweepArgs, VerifyArgs,
};
use crate::analysis::{Analysis, InstanceAnalysis};
use crate::error::{Error, Result};
use crate::instance::Sampling;
use crate::load::{load_path, Overrides};
use crate::report::{Format, Render as _};
use crate::tolerance::{RelTol, Tolerances};
use std::path::{Path, PathBuf};

fn analyze_files(
    files: &[PathBuf],
    overrides: &Overrides,
    tol: &Tolerances,
) -> Result<Vec<InstanceAnalysis>> {
    files
        .iter()
        .map(|f| {
            load_path(f, overrides, tol.symmetry).and_then(|inst| {
                InstanceAnalysis::of(&inst, tol).map_err(|e| e.in_file(&f.display().to_string()))
            })
        })
        .collect()
}

/// Refuse random reshuffling in `command`, which needs independent batches: an error on
/// `sampling` naming `origin`, saying what supports it instead.
fn refuse_reshuffling(inst: &crate::Instance, origin: &str, command: &str) -> Result<()> {
    if inst.sampling().is_iid() {
        return Ok(());
    }
    Err(Error::invalid(crate::error::ErrorKind::Unsupported,
        "sampling",
        format!(
            "{command} does not support {}: it needs batches drawn independently at every step, and the batches of a random-reshuffling epoch are disjoint; use `analyze` (without --certified) or `sweep` for its exact per-epoch operator (N ≤ 8, or B = N), or `simulate` for Monte Carlo",
            inst.sampling()
        ),
    )
    .in_file(origin))
}

pub(super) fn analyze(args: &AnalyzeArgs) -> Result<String> {
    let _spinner = crate::progress::Spinner::start();
    let overrides = args.overrides.to_overrides();
    let tol = args.tolerances.to_tolerances();
    if args.certified {
        use crate::mean_square::certified::{certified_exact, DEFAULT_PRECISION_DIGITS};
        let gamma_text = args.overrides.gamma.as_ref().map(|g| g.text.as_str());
        let (analyses, certs): (Vec<_>, Vec<_>) = args
            .files
            .iter()
            .map(|f| {
                let origin = f.display().to_string();
                // The numbers as written (decimals in JSON), read from the same bytes.
                let (inst, exact) =
                    crate::load::load_path_exact(f, &overrides, tol.symmetry, gamma_text)?;
                refuse_reshuffling(
                    &inst,
                    &origin,
                    "analyze --certified (exact rational arithmetic on the i.i.d. operator L_γ)",
                )?;
                let a = Analysis::of(&inst, &tol).map_err(|e| e.in_file(&origin))?;
                let c = certified_exact(&inst, Some(exact), DEFAULT_PRECISION_DIGITS)
                    .map_err(|e| e.in_file(&origin))?;
                Ok((a, c))
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        return Ok(crate::report::certified::render(
            &analyses,
            &certs,
            args.format,
        ));
    }
    let mut seconds = Vec::with_capacity(args.files.len());
    let mut analyses = Vec::with_capacity(args.files.len());
    for f in &args.files {
        let start = std::time::Instant::now();
        analyses.extend(analyze_files(std::slice::from_ref(f), &overrides, &tol)?);
        seconds.push(start.elapsed().as_secs_f64());
    }
    if args.format == Format::Json {
        // JSON: each object also carries the wall time of its load and analysis.
        return Ok(crate::report::json_timed(&analyses, &seconds));
    }
    Ok(analyses.render(args.format))
}

/// Enumerate and compare; exit code 1 when a quantity differs from its closed form.
pub(super) fn enumerate(args: &EnumerateArgs) -> Result<(String, u8)> {
    use crate::enumerate::{Arithmetic, EnumerationCheck, EnumerationParams, Limit, Progress};
    let overrides = args.overrides.to_overrides();
    let tol = args.tolerances.to_tolerances();
    // A progress bar on stderr for long enumerations, only when stderr is a terminal.
    let mut params = EnumerationParams::with_limit(Limit::new(u128::from(args.limit)))
        .with_progress(Progress::bar_if_terminal());
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
            // Exact: the numbers as written (decimals in JSON, --gamma as typed).
            let (inst, exact) = if args.exact {
                let gamma_text = args.overrides.gamma.as_ref().map(|g| g.text.as_str());
                let (inst, e) =
                    crate::load::load_path_exact(f, &overrides, tol.symmetry, gamma_text)?;
                (inst, Some(e))
            } else {
                (load_path(f, &overrides, tol.symmetry)?, None)
            };
            EnumerationCheck::run_as_written(&inst, exact, arithmetic, &params, tol.agreement)
                .map_err(|e| e.in_file(&origin))
        })
        .collect::<Result<Vec<_>>>()?;
    let report = checks.render(args.format);
    let code = if checks.iter().all(EnumerationCheck::agrees) {
        0
    } else {
        1
    };
    Ok((report, code))
}

/// Simulate and compare with the exact prediction; exit code 1 when the agreement test rejects.
pub(super) fn simulate(args: &SimulateArgs) -> Result<(String, u8)> {
    use crate::simulate::{self, SimParams, TestVerdict, X0};
    use std::io::IsTerminal;
    let overrides = args.overrides.to_overrides();
    let symmetry = RelTol::new(Tolerances::DEFAULT_SYMMETRY).expect("a valid default");
    let origin = args.file.display().to_string();
    let inst = load_path(&args.file, &overrides, symmetry)?;
    let mut params = SimParams::new(
        usize::try_from(args.steps).unwrap_or(usize::MAX),
        usize::try_from(args.trials).unwrap_or(usize::MAX),
        args.seed,
    );
    params.alpha = args.alpha;
    params.escape_radius = args.escape;
    if let Some(x0) = &args.x0 {
        params.x0 = X0::Given(x0.clone());
    }
    if let Some(path) = &args.x0_file {
        params.x0 = X0::Given(crate::load::vector_from_npy(path)?);
    }
    let need = simulate::resources(&inst, &params);
    if need.work <= crate::limits::WorkBudget::default().get()
        && need.memory <= u128::from(crate::limits::MemoryBudget::current().get())
    {
        if let Some(note) = crate::limits::WorkBudget::announcement("simulate", need.work) {
            eprintln!("{note}; progress (per 512 trials) is shown on a terminal");
        }
    }
    let runs = if args.escape.is_some() { 2 } else { 1 };
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| indicatif::ProgressBar::new(params.trials as u64 * runs).with_message("trials"));
    let progress = |t: usize| {
        if let Some(b) = &bar {
            b.inc(t as u64);
        }
    };
    let sgd = simulate::run(&inst, &params, &progress).map_err(|e| e.in_file(&origin))?;
    let gd = if args.escape.is_some() {
        let gd = simulate::gradient_descent(&inst);
        Some(simulate::run(&gd, &params, &progress).map_err(|e| e.in_file(&origin))?)
    } else {
        None
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = crate::report::Simulated {
        sgd: &sgd,
        gd: gd.as_ref(),
    }
    .render(args.format);
    let code = u8::from(sgd.agreement.verdict == TestVerdict::Rejected);
    Ok((report, code))
}

/// The main job (no command): `report` on every shipped fixture and proof, with the experiments
/// in a release build (left out, and said so, in a debug build), written to `report/`.
pub(super) fn main_job() -> Result<(String, u8)> {
    report(&ReportArgs {
        files: Vec::new(),
        out: PathBuf::from("report"),
        overrides: OverrideArgs::default(),
        // The experiments train networks for about a minute in a release build; unoptimized
        // (`cargo run` without --release, or the debug test build) that becomes tens of
        // minutes, so a debug build leaves them out and says so.
        experiments: !cfg!(debug_assertions),
        experiments_skipped: cfg!(debug_assertions).then_some(
            "experiments on trained models: skipped in this debug build (minutes of training unoptimized); run `cargo run --release`, or `report --experiments`",
        ),
    })
}

/// Build the verification report, write it atomically, and summarize it.
pub(super) fn report(args: &ReportArgs) -> Result<(String, u8)> {
    use crate::report::{document_html, document_json, document_markdown, Document};
    let is_proof = |p: &PathBuf| p.extension().is_some_and(|e| e == "lecture");
    let (files, proofs): (Vec<PathBuf>, Vec<PathBuf>) = if args.files.is_empty() {
        (
            fixture_files(&default_fixtures_dir())?,
            crate::proof::proof_files(&crate::proof::default_proofs_dir())?,
        )
    } else {
        args.files.iter().cloned().partition(|p| !is_proof(p))
    };
    let overrides = args.overrides.to_overrides();
    let tol = Tolerances::default();
    let instances = files
        .iter()
        .map(|f| {
            let inst = load_path(f, &overrides, tol.symmetry)?;
            refuse_reshuffling(
                &inst,
                &f.display().to_string(),
                "`report` (the lecture's i.i.d. criteria, their enumeration, and Monte Carlo against L_γ)",
            )?;
            Ok(inst)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut doc = Document::build(&instances, &proofs, &tol)?;
    if args.experiments {
        doc = doc.with_experiments(experiment::default_sections()?);
    }
    let mut out: crate::output::Files = vec![
        (
            PathBuf::from("report.md"),
            document_markdown(&doc).into_bytes(),
        ),
        (
            PathBuf::from("report.html"),
            document_html(&doc).into_bytes(),
        ),
        (
            PathBuf::from("report.json"),
            document_json(&doc).into_bytes(),
        ),
    ];
    for f in doc
        .figures
        .iter()
        .chain(doc.experiments.iter().flat_map(|s| &s.figures))
    {
        out.push((
            Path::new("figures").join(&f.file),
            f.svg.clone().into_bytes(),
        ));
    }
    crate::output::write_atomically(&args.out, &out, None)?;
    let summary = crate::report::document_summary(
        &doc,
        args.experiments_skipped,
        &args.out.join("report.html").display().to_string(),
    );
    Ok((summary, u8::from(!doc.all_hold())))
}

/// Check the proof files; exit code 1 when a step does not meet its expectation.
pub(super) fn verify(args: &VerifyArgs) -> Result<(String, u8)> {
    // Measured on the shipped proofs (94 steps): about 0.6 s of one core per unit of effort.
    const OPS_PER_EFFORT: u128 = 600_000_000;
    // verify shows no progress, so runs beyond about 1.7 hours are refused.
    const MAX_EFFORT: u128 = 10_000;
    let need = u128::from(args.effort) * OPS_PER_EFFORT;
    crate::limits::WorkBudget::new(MAX_EFFORT * OPS_PER_EFFORT).check(
        "effort",
        format!("verify --effort {} (about 0.6 s per unit on the shipped proofs)", args.effort),
        need,
        "give --effort 10000 or less (it scales the random instances and search steps linearly)",
    )
    .map_err(|e| e.in_file("command line"))?;
    if let Some(note) = crate::limits::WorkBudget::announcement("verify", need) {
        eprintln!("{note}");
    }
    let params = crate::proof::VerifyParams {
        effort: args.effort,
    };
    let (reports, ok) = crate::proof::verify(&args.files, &params)?;
    let report = reports.render(args.format);
    Ok((report, u8::from(!ok)))
}

/// Tabulate every criterion's critical γ against the batch size.
pub(super) fn sweep(args: &SweepArgs) -> Result<String> {
    use crate::mean_square::{self, BatchSizes, SweepReshuffling};
    // The file's batch size is not used (a .npy file has none): every B asked for is tabulated.
    let overrides = Overrides {
        gamma: args.gamma,
        batch_size: Some(1),
        ..Overrides::default()
    };
    let tol = args.tolerances.to_tolerances();
    let origin = args.file.display().to_string();
    let inst = load_path(&args.file, &overrides, tol.symmetry)?;
    let asked = args.reshuffling
        || args.sampling == Some(Sampling::RandomReshuffling)
        || inst.sampling() == Sampling::RandomReshuffling;
    let with = if asked {
        SweepReshuffling::On
    } else {
        SweepReshuffling::Off
    };
    let sizes = match &args.batch_sizes {
        None => BatchSizes::Auto,
        Some(list) => BatchSizes::List(
            list.iter()
                .map(|&b| usize::try_from(b).unwrap_or(usize::MAX))
                .collect(),
        ),
    };
    let s = mean_square::sweep(
        &inst,
        &tol,
        &mean_square::MeanSquareParams::default(),
        with,
        &sizes,
        crate::enumerate::Progress::bar_if_terminal(),
    )
    .map_err(|e| e.in_file(&origin))?;
    Ok(s.render(args.format))
}
