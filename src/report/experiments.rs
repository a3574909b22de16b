//! The experiments on trained models ([`crate::experiment`]) rendered: a [`Section`] per
//! experiment — paragraphs, tables, the claims with their verdicts, and figures — as text or
//! Markdown for the `experiment` command and as a section of the verification report. Pure
//! functions of the results.

use super::figure::Figure;
use super::format::aligned_table;
use super::sig;
use crate::experiment::edge::EdgeResult;
use crate::experiment::escape::Fate;
use crate::experiment::{Claim, MinimumReport};
use crate::figures::{charts_svg, Chart, Mark, Series};
use std::fmt::Write as _;

mod escape;
mod sam;
mod section4;
pub use escape::escape_section;
pub use sam::sam_section;
pub use section4::section4_section;

/// A piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Prose.
    Paragraph(String),
    /// A table: header and rows of cells.
    Table(Vec<String>, Vec<Vec<String>>),
    /// The claims and their verdicts.
    Claims(Vec<Claim>),
}

/// One experiment as a section of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Short identifier (`edge`, `escape`, `sam`): the key in JSON, the prefix of figure files.
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// Its content.
    pub blocks: Vec<Block>,
    /// Its figures.
    pub figures: Vec<Figure>,
    /// Every number, as JSON.
    pub json: serde_json::Value,
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

fn pct(x: f64) -> String {
    format!("{}%", sig(100.0 * x))
}

fn plot(r: std::result::Result<String, String>) -> crate::Result<String> {
    r.map_err(crate::Error::Numerical)
}

/// GD at the edge.
///
/// # Errors
/// A plotting failure ([`crate::Error::Numerical`]).
pub fn edge_section(r: &EdgeResult) -> crate::Result<Section> {
    let header = row(&[
        "γ",
        "seed",
        "2/γ",
        "λ_max(θ_0)",
        "lowest",
        "peak",
        "λ_max end",
        "end·γ/2",
        "crossed 2/γ",
        "loss rose",
        "steps",
        "outcome",
        "test acc.",
    ]);
    let rows = r
        .runs
        .iter()
        .map(|x| {
            vec![
                sig(x.gamma),
                x.seed.to_string(),
                sig(x.two_over_gamma),
                sig(x.sharpness_initial),
                sig(x.sharpness_trough),
                sig(x.sharpness_peak),
                sig(x.sharpness_final),
                sig(x.final_ratio),
                yes_no(x.crossed),
                yes_no(x.loss_rose),
                x.steps.to_string(),
                x.outcome.to_string(),
                pct(x.test_accuracy),
            ]
        })
        .collect();
    let first_seed = r.runs.first().map_or(0, |x| x.seed);
    let mine: Vec<_> = r.runs.iter().filter(|x| x.seed == first_seed).collect();
    let mut sharp = Vec::new();
    let mut loss = Vec::new();
    for (k, x) in mine.iter().enumerate() {
        let last = x.sharpness.last().map_or(1.0, |s| s.step as f64 + 1.0);
        sharp.push(Series {
            label: format!("γ = {}", sig(x.gamma)),
            points: x
                .sharpness
                .iter()
                .map(|s| (s.step as f64 + 1.0, s.value))
                .collect(),
            colour: k,
            mark: Mark::Line,
        });
        sharp.push(Series {
            label: String::new(),
            points: vec![(1.0, x.two_over_gamma), (last, x.two_over_gamma)],
            colour: k,
            mark: Mark::Dashed,
        });
        loss.push(Series {
            label: format!("γ = {}", sig(x.gamma)),
            points: x
                .loss
                .iter()
                .map(|s| (s.step as f64 + 1.0, s.value))
                .collect(),
            colour: k,
            mark: Mark::Line,
        });
    }
    let svg = plot(charts_svg(&[
        Chart {
            title: format!(
                "GD's sharpness λ_max(∇²F) along training (seed {first_seed}); dashed: 2/γ"
            ),
            x_desc: "step k + 1".into(),
            y_desc: "λ_max(∇²F(θ_k))".into(),
            log_x: true,
            log_y: true,
            series: sharp,
        },
        Chart {
            title: "Training loss".into(),
            x_desc: "step k + 1".into(),
            y_desc: "F(θ_k)".into(),
            log_x: true,
            log_y: true,
            series: loss,
        },
    ]))?;
    Ok(Section {
        id: "edge",
        title: "GD at the edge: sharpness against 2/γ".into(),
        blocks: vec![
            Block::Paragraph(format!(
                "{}. {}. The sharpness is λ_max of the full training-loss Hessian ∇²F(θ_k) (Gauss–Newton part and residual part), computed at geometrically spaced steps and at the last step (densely for P ≤ 300, else by Lanczos on Hessian–vector products); \"lowest\" and \"peak\": after step 0; \"crossed 2/γ\": some recorded step after 0 has λ_max > 2/γ; \"loss rose\": the recorded training loss increased between two records (every 100 steps).",
                r.setup, r.stop
            )),
            Block::Table(header, rows),
            Block::Claims(r.claims.clone()),
        ],
        figures: vec![Figure {
            file: "experiment-edge.svg".into(),
            title: "GD at the edge of stability".into(),
            caption: format!("{}. Top: λ_max(∇²F(θ_k)) against the step (log scale) for each γ, initialization seed {first_seed}; dashed, in the same colour: 2/γ. Bottom: the training loss.", r.setup),
            svg,
        }],
        json: serde_json::to_value(r).expect("results serialize"),
    })
}

/// `k` cells of `–`.
fn dashes(dash: String, k: usize) -> Vec<String> {
    vec![dash; k]
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn opt(x: Option<usize>) -> String {
    x.map_or("–".to_owned(), |k| k.to_string())
}

fn minimum_cells(m: &MinimumReport) -> Vec<String> {
    vec![
        sig(m.sharpness),
        sig(m.trace_h),
        sig(m.non_uniformity),
        sig(m.max_sample_ratio),
        sig(m.gamma_exact),
        pct(m.test_accuracy),
        sig(m.polish_distance),
    ]
}

const MINIMUM_HEADER: [&str; 7] = [
    "λ_max(H)",
    "tr H",
    "s",
    "max ‖g_i‖²/mean",
    "γ*_exact",
    "test acc.",
    "polish moved",
];

fn fate(f: Fate) -> String {
    match f {
        Fate::Stayed => "stayed",
        Fate::Escaped => "escaped",
        Fate::Diverged => "diverged",
    }
    .to_owned()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn md_table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(
        out,
        "| {} |",
        header
            .iter()
            .map(|h| md_cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
}

/// A block as Markdown (tables as Markdown tables).
#[must_use]
pub fn block_markdown(b: &Block) -> String {
    let mut out = String::new();
    match b {
        Block::Paragraph(p) => {
            let _ = writeln!(out, "{p}");
        }
        Block::Table(h, rows) => md_table(&mut out, h, rows),
        Block::Claims(claims) => md_table(
            &mut out,
            &row(&["claim", "measured", "verdict"]),
            &claims
                .iter()
                .map(|c| {
                    vec![
                        c.claim.clone(),
                        c.measured.clone(),
                        format!("**{}**", c.support.as_str()),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    }
    out
}

/// The section as Markdown, under a `##` heading; figures linked as `figures/<file>`.
#[must_use]
pub fn section_markdown(s: &Section) -> String {
    let mut out = format!("## {}\n\n", s.title);
    for b in &s.blocks {
        out.push_str(&block_markdown(b));
        out.push('\n');
    }
    for f in &s.figures {
        let _ = write!(
            out,
            "![{}](figures/{})\n\n{}\n\n",
            f.title, f.file, f.caption
        );
    }
    out
}

/// The section as plain text: aligned tables, the claims as a list.
#[must_use]
pub fn section_text(s: &Section) -> String {
    let mut out = format!("{}\n{}\n\n", s.title, "=".repeat(s.title.chars().count()));
    for b in &s.blocks {
        match b {
            Block::Paragraph(p) => {
                let _ = writeln!(out, "{p}\n");
            }
            Block::Table(h, rows) => {
                let h: Vec<&str> = h.iter().map(String::as_str).collect();
                aligned_table(&mut out, &h, rows);
                out.push('\n');
            }
            Block::Claims(claims) => {
                out.push_str("Claims:\n");
                for c in claims {
                    let _ = writeln!(
                        out,
                        "- [{}] {}\n    measured: {}",
                        c.support.as_str(),
                        c.claim,
                        c.measured
                    );
                }
                out.push('\n');
            }
        }
    }
    out
}

/// One line: how many claims of the section are supported, mixed, not supported.
#[must_use]
pub fn claims_summary(s: &Section) -> String {
    use crate::experiment::Support;
    let claims: Vec<&Claim> = s
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Claims(c) => Some(c),
            _ => None,
        })
        .flatten()
        .collect();
    let count = |k: Support| claims.iter().filter(|c| c.support == k).count();
    format!(
        "{} claims: {} supported, {} mixed, {} not supported, {} not tested",
        claims.len(),
        count(Support::Supported),
        count(Support::Mixed),
        count(Support::NotSupported),
        count(Support::NotTested)
    )
}

/// The result as pretty JSON.
#[must_use]
pub fn section_json(s: &Section) -> String {
    let mut out = serde_json::to_string_pretty(&s.json).expect("JSON values serialize");
    out.push('\n');
    out
}
