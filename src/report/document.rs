//! The verification report: every check on a set of instances, gathered into one value and
//! rendered as Markdown, self-contained HTML (inline SVG) and JSON.

use super::{critical, sgd_summary};
use crate::analysis::Analysis;
use crate::enumerate::EnumerationCheck;
use crate::error::Result;
use crate::figures::{self, BatchCurve, DiagramPoint};
use crate::fmt::{md_name, sig, text_name};
use crate::instance::Instance;
use crate::tolerance::Tolerances;
use crate::verification::{proof_name, SimulationPlan, Verification, SIMULATION};
use serde::Serialize;
use std::fmt::Write as _;

pub use crate::verification::Expectation;

/// One figure: its file name, title, caption and SVG text.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name under `figures/`, e.g. `diagram.svg`.
    pub file: String,
    /// Title.
    pub title: String,
    /// Caption: what is plotted, with the parameters.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// Everything in a verification report.
#[derive(Debug, Clone)]
pub struct Document {
    /// The instances analyzed.
    pub analyses: Vec<Analysis>,
    /// Enumeration over every minibatch against the closed form, exact, per instance (`None`
    /// when above the limit).
    pub enumerations: Vec<Option<EnumerationCheck>>,
    /// Critical γ against B per instance (`3 ≤ N ≤ 64`).
    pub batch_curves: Vec<BatchCurve>,
    /// The figures.
    pub figures: Vec<Figure>,
    /// Monte Carlo against the exact curve, for a stable and an unstable instance.
    pub simulations: Vec<crate::simulate::Comparison>,
    /// The derivation checker's reports, one per proof file.
    pub proofs: Vec<crate::proof::FileReport>,
    /// The checks expected to hold.
    pub expectations: Vec<Expectation>,
    /// The experiments on trained models, when run ([`Document::with_experiments`]).
    pub experiments: Vec<super::experiments::Section>,
}

/// The longest instance-name part of a figure's file name, in bytes (file systems allow 255).
const FIGURE_NAME_MAX: usize = 80;

/// File names for figures named after instances. Names are data, not paths: every byte outside
/// `[A-Za-z0-9._-]` becomes `_` (so `/`, `..` components, control characters and the like cannot
/// reach the file system), the part from the name is capped at [`FIGURE_NAME_MAX`] bytes, and
/// a name that would repeat an earlier one (ignoring case, for case-insensitive file systems)
/// gets `-2`, `-3`, ….
#[derive(Debug, Default)]
struct FigureNames {
    used: std::collections::HashSet<String>,
}

impl FigureNames {
    fn file(&mut self, prefix: &str, name: &str) -> String {
        let mut safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(FIGURE_NAME_MAX)
            .collect();
        if safe.is_empty() {
            safe.push('_');
        }
        let mut k = 1;
        loop {
            let file = if k == 1 {
                format!("{prefix}-{safe}.svg")
            } else {
                format!("{prefix}-{safe}-{k}.svg")
            };
            if self.used.insert(file.to_ascii_lowercase()) {
                return file;
            }
            k += 1;
        }
    }
}

impl Document {
    /// The [`Verification`] of `instances` and `proof_files` (computed once), with its figures
    /// drawn.
    ///
    /// # Errors
    /// As [`Verification::run`]; a plotting failure (reported as [`crate::Error::Numerical`]);
    /// [`crate::Error::Input`] on `sampling` for an instance under random reshuffling (every
    /// check here is of the i.i.d. schemes; see [`Analysis::of`]).
    pub fn build(
        instances: &[Instance],
        proof_files: &[std::path::PathBuf],
        tol: &Tolerances,
    ) -> Result<Self> {
        let Verification {
            analyses,
            enumerations,
            batch_curves,
            simulations,
            proofs,
            expectations,
        } = Verification::run(instances, proof_files, tol)?;
        let plot = |r: std::result::Result<String, String>| r.map_err(crate::Error::Numerical);
        let mut figures = vec![Figure {
            file: "diagram.svg".to_owned(),
            title: "The sharpness–non-uniformity diagram".to_owned(),
            caption: "Each instance i (numbered as in the instance table) at x = γ·λ_max(H), y = γ·√c·s with s = √λ_max(Σ), its own γ and batch factor c. In these coordinates Theorem 3.3's d = 1 condition (1 − γa)² + γ²c·s² ≤ 1 is the shaded half disk for every γ, N, B and sampling, and GD's condition a ≤ 2/γ is x ≤ 2. Markers show the exact mean-square verdict ρ(L_γ) ≤ 1; for d ≥ 2 the disk is only the lecture's d = 1 picture.".to_owned(),
            svg: plot(figures::diagram_svg(
                &analyses
                    .iter()
                    .enumerate()
                    .map(|(i, a)| DiagramPoint {
                        label: (i + 1).to_string(),
                        x: a.summary.gamma * a.summary.sharpness,
                        y: a.summary.gamma * a.summary.c.sqrt() * a.summary.non_uniformity,
                        verdict: a.mean_square.check.verdict,
                    })
                    .collect::<Vec<_>>(),
            ))?,
        }];
        let mut names = FigureNames::default();
        for c in &batch_curves {
            figures.push(Figure {
                file: names.file("critical-gamma-vs-batch", &c.name),
                title: format!("Critical learning rate against batch size: {}", md_name(&c.name)),
                caption: format!(
                    "{}: N = {}, B = 1..{} without replacement. Lines: GD's 2/λ_max(H), the exact γ* (ρ(L_γ) = 1), Theorem 3.3's γ*, and 2/tr(H) — a theorem (Theorem 3.5) only at the filled markers, where B = 1 and every H_i has rank one.",
                    md_name(&c.name), c.n, c.n
                ),
                svg: plot(figures::batch_curve_svg(c))?,
            });
        }
        for c in &simulations {
            let sim = &c.simulation;
            let points: Vec<figures::CurvePoint> = c
                .rows
                .iter()
                .map(|r| figures::CurvePoint {
                    step: r.step,
                    ln_estimate: r.ln_estimate,
                    ln_lower: r.ln_lower,
                    ln_upper: r.ln_upper,
                    ln_exact: r.ln_predicted,
                })
                .collect();
            let SimulationPlan {
                steps,
                trials,
                seed,
            } = SIMULATION;
            figures.push(Figure {
                file: names.file("mean-square", &sim.name),
                title: format!("E‖x_k‖² against k: {}", md_name(&sim.name)),
                caption: format!(
                    "{}: N = {}, d = {}, B = {}, {}, γ = {}; {trials} trials of {steps} steps from a random unit x₀, seed {seed}. Line: Monte Carlo estimate of E‖x_k‖² (natural log), band: its finite-sample (empirical Bernstein) interval at family-wise level α = {} over the steps tested; the exact curve is tr L_γ^k(x₀x₀ᵀ) averaged over x₀. Agreement test: {:?}.",
                    md_name(&sim.name), sim.n, sim.d, sim.batch_size, sim.sampling, sig(sim.gamma), c.agreement.alpha, c.agreement.verdict
                ),
                svg: plot(figures::moment_curve_svg(
                    &format!("E‖x_k‖² against k: {} (γ = {})", text_name(&sim.name), sig(sim.gamma)),
                    &points,
                ))?,
            });
        }
        let mut bars = Vec::new();
        for f in &proofs {
            let mut bar = figures::ProofBar {
                name: proof_name(f),
                proved: 0,
                tested: 0,
                searched: 0,
                errata: 0,
                unexpected: 0,
            };
            for item in &f.items {
                let crate::proof::ItemReport::Step(step) = item else {
                    continue;
                };
                use crate::proof::Class;
                // An inconclusive step meets no expectation: it counts as unexpected.
                let slot = match (step.met, step.verdict.class()) {
                    (true, Class::Proved) => &mut bar.proved,
                    (true, Class::Tested) => &mut bar.tested,
                    (true, Class::Searched) => &mut bar.searched,
                    (true, Class::Refuted) => &mut bar.errata,
                    (false, _) | (true, Class::Inconclusive) => &mut bar.unexpected,
                };
                *slot += 1;
            }
            bars.push(bar);
        }
        if !bars.is_empty() {
            figures.push(Figure {
                file: "proofs.svg".to_owned(),
                title: "The derivation checker's summary".to_owned(),
                caption: "Per proof file in proofs/, the lecture's steps as printed and their labelled corrections: proved for all values of their symbols (normal forms, spectral reduction decided exactly, signs, manifest positivity), equalities tested exactly on instances (not proved), inequalities for which the counterexample search found nothing (evidence, not proof), steps of the lecture that fail as printed (each with an exactly confirmed counterexample in the verify report), and any verdict that differs from the file's expectation or is inconclusive.".to_owned(),
                svg: plot(figures::proof_summary_svg(&bars))?,
            });
        }
        Ok(Self {
            analyses,
            enumerations,
            batch_curves,
            figures,
            simulations,
            proofs,
            expectations,
            experiments: Vec::new(),
        })
    }

    /// The document with the experiments' sections added (after the derivations); their
    /// figures are theirs (`Section::figures`), written beside the others.
    #[must_use]
    pub fn with_experiments(mut self, sections: Vec<super::experiments::Section>) -> Self {
        self.experiments.extend(sections);
        self
    }

    /// Whether every expected-to-hold check holds.
    #[must_use]
    pub fn all_hold(&self) -> bool {
        self.expectations.iter().all(|e| e.holds)
    }
}

fn instance_table(d: &Document) -> String {
    let mut out = String::from(
        "| # | instance | N | d | B | sampling | γ | λ_max(H) | tr(H) | λ_max(Σ) | ρ(L_γ) | γ*_exact | γ*_3.3 | γ*_GD | 2/tr(H) | SGD, exactly | by the lecture's criteria |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (i, a) in d.analyses.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} | {} | {} |",
            i + 1,
            md_name(&a.summary.name),
            a.summary.n,
            a.summary.d,
            a.summary.batch_size,
            a.summary.sampling,
            sig(a.summary.gamma),
            sig(a.summary.sharpness),
            sig(a.summary.trace_h),
            sig(a.summary.sigma_norm),
            sig(a.mean_square.check.value),
            critical(a.mean_square.check.critical_gamma),
            critical(a.thm33.critical_gamma),
            critical(a.gd.critical_gamma),
            critical(a.thm35.check.critical_gamma),
            if a.thm35.hypotheses.hold() { " (Thm 3.5)" } else { "" },
            a.mean_square.check.verdict.stability(),
            sgd_summary(a)
        );
    }
    out
}

fn enumeration_table(d: &Document) -> String {
    let mut out = String::from("| instance | minibatches visited | E[H_B] | E[H_B²] | E[(I − γH_B)²] | E[M_B ⊗ M_B] |\n|---|---|---|---|---|---|\n");
    for (a, e) in d.analyses.iter().zip(&d.enumerations) {
        match e {
            Some(e) => {
                let cells: Vec<&str> = e
                    .quantities
                    .iter()
                    .map(|q| {
                        if q.agrees {
                            "equal (exact)"
                        } else {
                            "**DIFFERENT**"
                        }
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} {} | {} |",
                    md_name(&a.summary.name),
                    e.visits,
                    e.route,
                    cells.join(" | ")
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | above the enumeration limit | – | – | – | – |",
                    md_name(&a.summary.name)
                );
            }
        }
    }
    out
}

fn summary_lines(d: &Document) -> String {
    let failed: Vec<&Expectation> = d.expectations.iter().filter(|e| !e.holds).collect();
    let mut s = format!(
        "{} instances; {} checks expected to hold, {} failed.\n",
        d.analyses.len(),
        d.expectations.len(),
        failed.len()
    );
    for f in failed {
        let _ = writeln!(s, "- FAILED: {}", f.what);
    }
    s
}

/// The main job's summary on standard output: the counts, one line per instance with its exact
/// verdict, one per experiment with its claims, why the experiments were left out (if they
/// were), every failed check, and the path of `report.html` (`report_html`, shown through
/// [`crate::fmt::text_path`]).
#[must_use]
pub fn document_summary(
    d: &Document,
    experiments_skipped: Option<&str>,
    report_html: &str,
) -> String {
    let failed: Vec<&str> = d
        .expectations
        .iter()
        .filter(|e| !e.holds)
        .map(|e| e.what.as_str())
        .collect();
    let mut s = format!(
        "sgd-stability: verified {} instances ({} checks expected to hold, {} failed); {} figures\n",
        d.analyses.len(),
        d.expectations.len(),
        failed.len(),
        d.figures.len() + d.experiments.iter().map(|e| e.figures.len()).sum::<usize>()
    );
    for a in &d.analyses {
        let _ = writeln!(
            s,
            "  {:<40} SGD exactly: {}",
            text_name(&a.summary.name),
            super::exact_summary_line(a)
        );
    }
    for e in &d.experiments {
        let _ = writeln!(
            s,
            "  experiment {:<29} {}",
            e.id,
            super::experiments::claims_summary(e)
        );
    }
    if let Some(why) = experiments_skipped {
        let _ = writeln!(s, "  {why}");
    }
    for f in &failed {
        let _ = writeln!(s, "FAILED: {f}");
    }
    let _ = writeln!(s, "report: {}", crate::fmt::text_path(report_html));
    s
}

const INTRO: &str = "This report checks the linear-stability theory of SGD at global minima (the lecture *SGD stability and generalization*) on the instances below. For each instance it gives the moments H = mean H_i and Σ = mean H_i² − H², and the lecture's criteria: Theorem 3.3 (sufficient), Corollary 3.4 (GD) and Theorem 3.5 (necessary, under its hypotheses). These are set beside the exact mean-square criterion ρ(L_γ) ≤ 1, where L_γ(Q) = E[(I − γH_B)Q(I − γH_B)] (Mulayoff & Michaeli, 2024). Every identity is also checked by enumerating every minibatch in exact rational arithmetic.";

/// The report as Markdown; figures are linked as `figures/<file>`.
#[must_use]
pub fn document_markdown(d: &Document) -> String {
    let mut out = format!(
        "# sgd-stability verification report\n\n{INTRO}\n\n## Summary\n\n{}\n",
        summary_lines(d)
    );
    let _ = write!(out, "## Instances\n\n{}\n", instance_table(d));
    let _ = write!(
        out,
        "## Every minibatch against the closed form\n\n{}\n",
        enumeration_table(d)
    );
    if !d.proofs.is_empty() {
        let _ = write!(out, "## The lecture's derivations\n\n{}\n", proof_table(d));
    }
    for s in &d.experiments {
        out.push_str(&super::experiments::section_markdown(s));
    }
    out.push_str("## Figures\n\n");
    for f in &d.figures {
        let _ = write!(
            out,
            "### {}\n\n![{}](figures/{})\n\n{}\n\n",
            f.title, f.title, f.file, f.caption
        );
    }
    out
}

fn proof_table(d: &Document) -> String {
    let mut out =
        String::from("| proof | step | claim | verdict | as expected |\n|---|---|---|---|---|\n");
    for f in &d.proofs {
        for item in &f.items {
            let crate::proof::ItemReport::Step(s) = item else {
                continue;
            };
            let label = match &s.correction_of {
                Some(of) => format!("{} (correction of {of})", s.label),
                None => s.label.clone(),
            };
            let stem = std::path::Path::new(&f.path)
                .file_stem()
                .map_or_else(|| f.path.clone(), |s| s.to_string_lossy().into_owned());
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} |",
                stem,
                label,
                s.claim.replace('|', "\\|"),
                s.verdict.to_string().replace('|', "\\|"),
                if s.met { "yes" } else { "**NO**" }
            );
        }
    }
    out
}

/// Undo [`md_name`]'s backslash escapes for HTML (a doubled backslash stays one backslash).
fn md_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n)) if matches!(n, '|' | '*' | '`' | '<' | '>' | '[' | ']' | '\\') => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown tables (as produced above) to HTML tables; other lines become paragraphs.
fn md_table_to_html(md: &str) -> String {
    let mut out = String::from("<table>\n");
    for (k, line) in md.lines().enumerate() {
        if k == 1 {
            continue; // the |---| separator
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        let tag = if k == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for c in cells {
            let c = html_escape(&md_unescape(&c.trim().replace("**", "")));
            let _ = write!(out, "<{tag}>{c}</{tag}>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// An experiment's section as HTML: paragraphs, tables, figures inline.
fn section_html(s: &super::experiments::Section) -> String {
    use super::experiments::{block_markdown, Block};
    let mut out = format!("<h2>{}</h2>\n", html_escape(&s.title));
    for b in &s.blocks {
        match b {
            Block::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", html_escape(p));
            }
            Block::Table(..) | Block::Claims(_) => {
                out.push_str(&md_table_to_html(&block_markdown(b)));
            }
        }
    }
    for f in &s.figures {
        let _ = write!(
            out,
            "<figure id=\"{}\">\n<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            html_escape(&f.file),
            html_escape(&f.title),
            f.svg,
            html_escape(&f.caption)
        );
    }
    out
}

/// The report as one self-contained HTML page (inline SVG, no network).
#[must_use]
pub fn document_html(d: &Document) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sgd-stability verification report</title>\n<style>\nbody { font-family: sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #111; }\ntable { border-collapse: collapse; font-size: 13px; margin: 1em 0; }\nth, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; }\nth { background: #eee; }\nfigure { margin: 2em 0; page-break-inside: avoid; }\nfigcaption { font-size: 14px; color: #333; max-width: 720px; }\n.failed { color: #b00; font-weight: bold; }\n@media print { body { max-width: none; } }\n</style>\n</head>\n<body>\n<h1>sgd-stability verification report</h1>\n");
    let _ = writeln!(out, "<p>{}</p>", html_escape(&INTRO.replace('*', "")));
    out.push_str("<h2>Summary</h2>\n");
    for line in summary_lines(d).lines() {
        let class = if line.starts_with("- FAILED") {
            " class=\"failed\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<p{class}>{}</p>",
            html_escape(line.trim_start_matches("- "))
        );
    }
    out.push_str("<h2>Instances</h2>\n");
    out.push_str(&md_table_to_html(&instance_table(d)));
    out.push_str("<h2>Every minibatch against the closed form</h2>\n");
    out.push_str(&md_table_to_html(&enumeration_table(d)));
    if !d.proofs.is_empty() {
        out.push_str("<h2>The lecture's derivations</h2>\n");
        out.push_str(&md_table_to_html(&proof_table(d)));
    }
    for s in &d.experiments {
        out.push_str(&section_html(s));
    }
    out.push_str("<h2>Figures</h2>\n");
    for f in &d.figures {
        let _ = write!(
            out,
            "<figure id=\"{}\">\n<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            html_escape(&f.file),
            html_escape(&md_unescape(&f.title)),
            f.svg,
            html_escape(&md_unescape(&f.caption))
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// One instance's enumeration in the report's JSON.
#[derive(Debug, Serialize)]
struct EnumerationJson<'a> {
    name: &'a str,
    enumerated: bool,
    visits: Option<String>,
    agrees: Option<bool>,
}

/// One point of a batch curve in JSON.
#[derive(Debug, Serialize)]
struct BatchPointJson {
    batch_size: usize,
    critical_gamma_gd: Option<f64>,
    critical_gamma_thm33: Option<f64>,
    critical_gamma_exact: Option<f64>,
    critical_gamma_thm35: Option<f64>,
    thm35_hypotheses_hold: Option<bool>,
}

/// One batch curve in JSON.
#[derive(Debug, Serialize)]
struct BatchCurveJson<'a> {
    name: &'a str,
    sampling: crate::instance::Sampling,
    points: Vec<BatchPointJson>,
}

/// One figure in JSON (without its SVG).
#[derive(Debug, Serialize)]
struct FigureJson<'a> {
    file: &'a str,
    title: &'a str,
    caption: &'a str,
}

/// One derivation step in JSON.
#[derive(Debug, Serialize)]
struct StepJson<'a> {
    label: &'a str,
    claim: &'a str,
    verdict: String,
    met: bool,
}

/// One proof file in JSON.
#[derive(Debug, Serialize)]
struct ProofJson<'a> {
    path: &'a str,
    title: &'a str,
    steps: Vec<StepJson<'a>>,
}

/// One check expected to hold in JSON.
#[derive(Debug, Serialize)]
struct ExpectationJson<'a> {
    what: &'a str,
    holds: bool,
}

/// The report's JSON.
#[derive(Debug, Serialize)]
struct DocumentJson<'a> {
    instances: Vec<super::json::AnalysisJson<'a>>,
    enumerations: Vec<EnumerationJson<'a>>,
    batch_curves: Vec<BatchCurveJson<'a>>,
    figures: Vec<FigureJson<'a>>,
    proofs: Vec<ProofJson<'a>>,
    expectations: Vec<ExpectationJson<'a>>,
    all_hold: bool,
    /// Each experiment's own JSON by its id; absent when the experiments were not run.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    experiments: std::collections::BTreeMap<&'a str, &'a serde_json::Value>,
}

impl<'a> DocumentJson<'a> {
    fn of(d: &'a Document) -> Self {
        Self {
            instances: d
                .analyses
                .iter()
                .map(super::json::AnalysisJson::of)
                .collect(),
            enumerations: d
                .enumerations
                .iter()
                .zip(&d.analyses)
                .map(|(e, a)| EnumerationJson {
                    name: &a.summary.name,
                    enumerated: e.is_some(),
                    visits: e.as_ref().map(|e| e.visits.to_string()),
                    agrees: e.as_ref().map(EnumerationCheck::agrees),
                })
                .collect(),
            batch_curves: d
                .batch_curves
                .iter()
                .map(|c| BatchCurveJson {
                    name: &c.name,
                    sampling: c.sampling,
                    points: c
                        .points
                        .iter()
                        .map(|p| BatchPointJson {
                            batch_size: p.batch_size,
                            critical_gamma_gd: p.gd,
                            critical_gamma_thm33: p.thm33,
                            critical_gamma_exact: p.exact,
                            critical_gamma_thm35: p.thm35.map(|t| t.critical_gamma),
                            thm35_hypotheses_hold: p.thm35.map(|t| t.hypotheses_hold),
                        })
                        .collect(),
                })
                .collect(),
            figures: d
                .figures
                .iter()
                .map(|f| FigureJson {
                    file: &f.file,
                    title: &f.title,
                    caption: &f.caption,
                })
                .collect(),
            proofs: d
                .proofs
                .iter()
                .map(|f| ProofJson {
                    path: &f.path,
                    title: &f.title,
                    steps: f
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            crate::proof::ItemReport::Step(s) => Some(StepJson {
                                label: &s.label,
                                claim: &s.claim,
                                verdict: s.verdict.to_string(),
                                met: s.met,
                            }),
                            crate::proof::ItemReport::Note { .. } => None,
                        })
                        .collect(),
                })
                .collect(),
            expectations: d
                .expectations
                .iter()
                .map(|e| ExpectationJson {
                    what: &e.what,
                    holds: e.holds,
                })
                .collect(),
            all_hold: d.all_hold(),
            experiments: d.experiments.iter().map(|s| (s.id, &s.json)).collect(),
        }
    }
}

/// The report as JSON: every number (instances as in `analyze --format json`).
#[must_use]
pub fn document_json(d: &Document) -> String {
    super::json::pretty(&DocumentJson::of(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_names_are_safe_and_unique() {
        let mut n = FigureNames::default();
        let a = n.file("mean-square", "a/../../../../ESCAPED");
        assert_eq!(a, "mean-square-a_.._.._.._.._ESCAPED.svg");
        assert!(!a.contains('/') && !a.contains('\\'));
        assert_eq!(n.file("mean-square", "x"), "mean-square-x.svg");
        assert_eq!(n.file("mean-square", "x"), "mean-square-x-2.svg");
        assert_eq!(n.file("mean-square", "X"), "mean-square-X-3.svg");
        assert_eq!(n.file("mean-square", ".."), "mean-square-...svg");
        assert_eq!(n.file("mean-square", ""), "mean-square-_.svg");
        let long = n.file("mean-square", &"é".repeat(500));
        assert!(long.len() < 120, "{}", long.len());
        let ctl = n.file("mean-square", "a\nb\u{202e}c");
        assert_eq!(ctl, "mean-square-a_b_c.svg");
    }
}
