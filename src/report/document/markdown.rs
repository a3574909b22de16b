//! The report as Markdown, and its short summary for the terminal.

use super::*;

pub(super) fn instance_table(d: &Document) -> String {
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

pub(super) fn enumeration_table(d: &Document) -> String {
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

pub(super) fn summary_lines(d: &Document) -> String {
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
            crate::report::exact_summary_line(a)
        );
    }
    for e in &d.experiments {
        let _ = writeln!(
            s,
            "  experiment {:<29} {}",
            e.id,
            crate::report::experiments::claims_summary(e)
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

pub(super) const INTRO: &str = "This report checks the linear-stability theory of SGD at global minima (the lecture *SGD stability and generalization*) on the instances below. For each instance it gives the moments H = mean H_i and Σ = mean H_i² − H², and the lecture's criteria: Theorem 3.3 (sufficient), Corollary 3.4 (GD) and Theorem 3.5 (necessary, under its hypotheses). These are set beside the exact mean-square criterion ρ(L_γ) ≤ 1, where L_γ(Q) = E[(I − γH_B)Q(I − γH_B)] (Mulayoff & Michaeli, 2024). Every identity is also checked by enumerating every minibatch in exact rational arithmetic.";

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
        out.push_str(&crate::report::experiments::section_markdown(s));
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

pub(super) fn proof_table(d: &Document) -> String {
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
