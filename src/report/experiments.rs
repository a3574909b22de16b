//! The experiments on trained models ([`crate::experiment`]) rendered: a [`Section`] per
//! experiment — paragraphs, tables, the claims with their verdicts, and figures — as text or
//! Markdown for the `experiment` command and as a section of the verification report. Pure
//! functions of the results.

use super::document::Figure;
use super::format::aligned_table;
use super::sig;
use crate::experiment::edge::EdgeResult;
use crate::experiment::escape::{EscapeResult, Fate, RunGamma};
use crate::experiment::sam::SamResult;
use crate::experiment::{Claim, MinimumReport};
use crate::figures::{charts_svg, Chart, Mark, Series};
use std::fmt::Write as _;

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
        let last = x.sharpness.last().map_or(1.0, |s| s.0 as f64 + 1.0);
        sharp.push(Series {
            label: format!("γ = {}", sig(x.gamma)),
            points: x
                .sharpness
                .iter()
                .map(|&(s, l)| (s as f64 + 1.0, l))
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
            points: x.loss.iter().map(|&(s, l)| (s as f64 + 1.0, l)).collect(),
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
                "{}. {}. The sharpness is λ_max of the full training-loss Hessian ∇²F(θ_k) (Gauss–Newton part and residual part), computed densely at geometrically spaced steps and at the last step; \"lowest\" and \"peak\": after step 0; \"crossed 2/γ\": some recorded step after 0 has λ_max > 2/γ; \"loss rose\": the recorded training loss increased between two records (every 100 steps).",
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

/// The escape (Figures 1–2).
///
/// # Errors
/// A plotting failure ([`crate::Error::Numerical`]).
pub fn escape_section(r: &EscapeResult) -> crate::Result<Section> {
    let mut blocks = vec![Block::Paragraph(format!(
        "{}. {}. GD: {} steps, {}, F = {}.",
        r.setup,
        r.protocol,
        r.gd.steps,
        r.gd.outcome,
        sig(r.gd.final_loss)
    ))];
    if let Some(m) = r.minima.first() {
        let m = &m.minimum;
        blocks.push(Block::Paragraph(format!(
            "GD's minimum: λ_max(H) = {}, tr H = {}, s = √λ_max(Σ) = {}, max_i ‖g_i‖²/mean ‖g_i‖² = {}, rank r = {}; test accuracy {}, test loss {}. The polish onto the zero-loss set moved θ by {} (‖θ‖ = {}); λ_max(∇²F) at GD's end point was {}. The analysis uses the g_i in their span (r coordinates; every critical γ is that of the P-parameter problem).",
            sig(m.sharpness),
            sig(m.trace_h),
            sig(m.non_uniformity),
            sig(m.max_sample_ratio),
            m.rank,
            pct(m.test_accuracy),
            sig(m.test_loss),
            sig(m.polish_distance),
            sig(m.theta_norm),
            sig(m.sharpness_trained)
        )));
    }
    blocks.push(Block::Table(
        row(&[
            "B",
            "γ*_exact",
            "γ/γ*_exact",
            "ρ(L_γ) on the span",
            "exactly",
            "γ*_3.3",
            "2/λ_max(H)",
            "2/tr H",
        ]),
        r.minima
            .iter()
            .map(|m| {
                let x = &m.minimum;
                vec![
                    m.batch_size.to_string(),
                    sig(x.gamma_exact),
                    sig(r.gd.gamma / x.gamma_exact),
                    sig(x.rho),
                    x.verdict.clone(),
                    sig(x.gamma_thm33),
                    sig(x.gamma_gd),
                    sig(x.gamma_trace),
                ]
            })
            .collect(),
    ));
    // Runs grouped by (B, which γ).
    let mut groups: Vec<(usize, RunGamma)> = Vec::new();
    for x in &r.runs {
        if !groups.contains(&(x.batch_size, x.which)) {
            groups.push((x.batch_size, x.which));
        }
    }
    let rows = groups
        .iter()
        .map(|&(b, w)| {
            let g: Vec<_> = r
                .runs
                .iter()
                .filter(|x| x.batch_size == b && x.which == w)
                .collect();
            let count = |f: Fate| g.iter().filter(|x| x.fate == f).count().to_string();
            let mut steps: Vec<usize> = g.iter().filter_map(|x| x.escape_step).collect();
            steps.sort_unstable();
            vec![
                b.to_string(),
                match w {
                    RunGamma::GdGamma => "GD's γ".to_owned(),
                    RunGamma::Threshold(f) => format!("{}·γ*_exact", sig(f)),
                },
                sig(g[0].gamma),
                sig(g[0].ratio),
                sig(g[0].rho),
                if g[0].ratio > 1.0 { "leaves" } else { "stays" }.to_owned(),
                count(Fate::Stayed),
                count(Fate::Escaped),
                count(Fate::Diverged),
                steps
                    .get(steps.len() / 2)
                    .map_or("–".to_owned(), usize::to_string),
                g[0].predicted_step
                    .map_or("–".to_owned(), |k| sig(k.round())),
            ]
        })
        .collect();
    blocks.push(Block::Table(
        row(&[
            "B",
            "run",
            "γ",
            "γ/γ*_exact",
            "ρ(L_γ) on the span",
            "predicted",
            "stayed",
            "escaped",
            "diverged",
            "median escape step",
            "mean-square prediction",
        ]),
        rows,
    ));
    if !r.landings.is_empty() {
        let mut header = row(&["B", "seed", "escape step", "back below target at"]);
        header.extend(MINIMUM_HEADER.iter().map(|s| (*s).to_owned()));
        header.push("‖θ_SGD − θ_GD‖".into());
        header.push("note".into());
        let rows = r
            .landings
            .iter()
            .map(|l| {
                let mut c = vec![
                    l.batch_size.to_string(),
                    l.seed.to_string(),
                    l.escape_step.to_string(),
                    opt(l.interpolated_step),
                ];
                match &l.minimum {
                    Some(m) => c.extend(minimum_cells(m)),
                    None => c.extend(dashes("–".to_owned(), MINIMUM_HEADER.len())),
                }
                c.push(sig(l.distance_from_gd));
                c.push(l.note.clone().unwrap_or_default());
                c
            })
            .collect();
        blocks.push(Block::Paragraph(
            "Where the escaped runs at GD's γ landed (each minimum polished and analyzed at the same γ and B):".into(),
        ));
        blocks.push(Block::Table(header, rows));
    }
    if let Some(line) = &r.line {
        let pick: Vec<_> = line
            .points
            .iter()
            .filter(|p| {
                [-0.5, 0.0, 0.5, 1.0, 1.5]
                    .iter()
                    .any(|a| (p.0 - a).abs() < 1e-9)
            })
            .collect();
        blocks.push(Block::Paragraph(format!(
            "Along θ(α) = (1 − α)θ_SGD + αθ_GD (B = {}, seed {}; α = 0 is SGD's minimum, α = 1 GD's):",
            line.batch_size, line.seed
        )));
        blocks.push(Block::Table(
            row(&["α", "training loss", "test loss", "test acc."]),
            pick.iter()
                .map(|p| vec![sig(p.0), sig(p.1), sig(p.2), pct(p.3)])
                .collect(),
        ));
    }
    blocks.push(Block::Claims(r.claims.clone()));
    let mut figures = Vec::new();
    let curves: Vec<_> = r.runs.iter().filter(|x| !x.curve.is_empty()).collect();
    if !curves.is_empty() {
        let series = |f: fn(&(usize, f64, f64)) -> f64| -> Vec<Series> {
            curves
                .iter()
                .enumerate()
                .map(|(k, x)| Series {
                    label: format!("B = {} (γ/γ* = {})", x.batch_size, sig(x.ratio)),
                    points: x.curve.iter().map(|c| (c.0 as f64, f(c))).collect(),
                    colour: k,
                    mark: Mark::Line,
                })
                .collect()
        };
        figures.push(Figure {
            file: "experiment-escape.svg".into(),
            title: "SGD next to GD's minimum (Figure 1)".into(),
            caption: format!(
                "{}. SGD at GD's γ = {} from θ_GD + δ (‖δ‖ = perturbation, in the span of the g_i), seed 0, one line per batch size B. Top: training loss. Bottom: distance from the start.",
                r.setup,
                sig(r.gd.gamma)
            ),
            svg: plot(charts_svg(&[
                Chart {
                    title: format!("SGD at GD's γ = {} after GD converged", sig(r.gd.gamma)),
                    x_desc: "SGD step k".into(),
                    y_desc: "F(θ_k)".into(),
                    log_x: false,
                    log_y: true,
                    series: series(|c| c.1),
                },
                Chart {
                    title: "Distance from the start".into(),
                    x_desc: "SGD step k".into(),
                    y_desc: "‖θ_k − θ_0‖".into(),
                    log_x: false,
                    log_y: true,
                    series: series(|c| c.2),
                },
            ]))?,
        });
    }
    if let Some(line) = &r.line {
        let s = |f: fn(&(f64, f64, f64, f64)) -> f64, label: &str, colour: usize| Series {
            label: label.to_owned(),
            points: line.points.iter().map(|p| (p.0, f(p))).collect(),
            colour,
            mark: Mark::Line,
        };
        figures.push(Figure {
            file: "experiment-escape-line.svg".into(),
            title: "Between SGD's and GD's minima (Figure 2)".into(),
            caption: format!(
                "Loss and test accuracy at θ(α) = (1 − α)θ_SGD + αθ_GD: α = 0 is the minimum SGD landed in (B = {}, seed {}), α = 1 GD's minimum.",
                line.batch_size, line.seed
            ),
            svg: plot(charts_svg(&[
                Chart {
                    title: "Loss along θ(α)".into(),
                    x_desc: "α".into(),
                    y_desc: "loss".into(),
                    log_x: false,
                    log_y: true,
                    series: vec![s(|p| p.1, "training", 0), s(|p| p.2, "test", 1)],
                },
                Chart {
                    title: "Test accuracy along θ(α)".into(),
                    x_desc: "α".into(),
                    y_desc: "test accuracy".into(),
                    log_x: false,
                    log_y: false,
                    series: vec![s(|p| p.3, "test accuracy", 2)],
                },
            ]))?,
        });
    }
    Ok(Section {
        id: "escape",
        title: "The escape: SGD leaves GD's minimum (Figures 1–2)".into(),
        blocks,
        figures,
        json: serde_json::to_value(r).expect("results serialize"),
    })
}

/// SAM.
///
/// # Errors
/// A plotting failure ([`crate::Error::Numerical`]).
pub fn sam_section(r: &SamResult) -> crate::Result<Section> {
    let mut header = row(&[
        "method",
        "seed",
        "outcome",
        "steps",
        "F end",
        "λ_max(∇²F) end",
    ]);
    header.extend(MINIMUM_HEADER.iter().map(|s| (*s).to_owned()));
    let rows = r
        .runs
        .iter()
        .map(|x| {
            let mut c = vec![
                x.label.to_owned(),
                x.seed.to_string(),
                x.outcome.to_string(),
                x.steps.to_string(),
                sig(x.final_loss),
            ];
            match &x.minimum {
                Some(m) => {
                    c.push(sig(m.sharpness_trained));
                    c.extend(minimum_cells(m));
                }
                None => c.extend(dashes("–".to_owned(), MINIMUM_HEADER.len() + 1)),
            }
            c
        })
        .collect();
    let q = &r.quadratic;
    let mut paragraphs = vec![format!(
        "{}. {}. The methods (columns as for the escape): {}. \"polish moved\" is the distance from the end point to the interpolating minimum analyzed — large for the normalized variants, which do not converge to a minimum (below).",
        r.setup,
        r.protocol,
        r.runs
            .iter()
            .filter(|x| x.seed == r.runs[0].seed)
            .map(|x| format!("{} = {}", x.label, x.method))
            .collect::<Vec<_>>()
            .join("; ")
    )];
    paragraphs.push(format!(
        "SAM's linear stability (derived in the crate docs, `train::sam_stability`): near a minimum, unnormalized full-batch SAM is x_(k+1) = (I − γH − γρH²)x_k, stable iff γλ(1 + ρλ) ≤ 2 for every eigenvalue λ of H. Checked on {} random quadratics (d = 2..6, ρλ_max from {} to {}) by running the trainer for {} steps at γ*_SAM(1 − ε) and γ*_SAM(1 + ε), ε = {}: bounded in {} of {}, diverging in {} of {}.{}",
        q.count,
        sig(q.rho_lambda_range.0),
        sig(q.rho_lambda_range.1),
        q.steps,
        sig(q.eps),
        q.stable_as_predicted,
        q.count,
        q.unstable_as_predicted,
        q.count,
        if q.disagreements.is_empty() {
            String::new()
        } else {
            format!(" Disagreements: {}.", q.disagreements.join("; "))
        }
    ));
    let mut blocks: Vec<Block> = paragraphs.into_iter().map(Block::Paragraph).collect();
    blocks.insert(1, Block::Table(header, rows));
    if let Some(n) = &r.network {
        blocks.push(Block::Table(
            row(&["γ/γ*_SAM", "seed", "fate", "max ‖θ_k − θ_0‖"]),
            n.runs
                .iter()
                .map(|x| vec![sig(x.0), x.1.to_string(), fate(x.2), sig(x.3)])
                .collect(),
        ));
    }
    blocks.push(Block::Claims(r.claims.clone()));
    let labels: Vec<&str> = {
        let mut v = Vec::new();
        for x in &r.runs {
            if !v.contains(&x.label) {
                v.push(x.label);
            }
        }
        v
    };
    let scatter: Vec<Series> = labels
        .iter()
        .enumerate()
        .map(|(k, l)| Series {
            label: (*l).to_owned(),
            points: r
                .runs
                .iter()
                .filter(|x| x.label == *l)
                .filter_map(|x| x.minimum.as_ref().map(|m| (m.sharpness, m.trace_h)))
                .collect(),
            colour: k,
            mark: Mark::Dots,
        })
        .collect();
    let (lo, hi) = q.rho_lambda_range;
    let curve: Vec<(f64, f64)> = (0..=60)
        .map(|i| {
            let x = lo * (hi / lo).powf(f64::from(i) / 60.0);
            (x, 2.0 / (1.0 + x))
        })
        .collect();
    let map = vec![
        Series {
            label: "γλ(1 + ρλ) = 2".into(),
            points: curve,
            colour: 6,
            mark: Mark::Line,
        },
        Series {
            label: "bounded".into(),
            points: q
                .points
                .iter()
                .filter(|p| p.2)
                .map(|p| (p.0, p.1))
                .collect(),
            colour: 0,
            mark: Mark::Dots,
        },
        Series {
            label: "diverged".into(),
            points: q
                .points
                .iter()
                .filter(|p| !p.2)
                .map(|p| (p.0, p.1))
                .collect(),
            colour: 1,
            mark: Mark::Rings,
        },
    ];
    let figures = vec![
        Figure {
            file: "experiment-sam-minima.svg".into(),
            title: "Minima found by GD, SGD and SAM".into(),
            caption: format!(
                "{}. Each point is the interpolating minimum next to one run's end point: sharpness λ_max(H) against tr H, by method ({}).",
                r.setup, r.protocol
            ),
            svg: plot(charts_svg(&[Chart {
                title: "λ_max(H) and tr H of the minima found".into(),
                x_desc: "λ_max(H)".into(),
                y_desc: "tr H".into(),
                log_x: false,
                log_y: false,
                series: scatter,
            }]))?,
        },
        Figure {
            file: "experiment-sam-stability.svg".into(),
            title: "Unnormalized SAM's stability condition against simulation".into(),
            caption: format!(
                "Random quadratics, full-batch unnormalized SAM at γ*_SAM(1 ± ε), ε = {}, {} steps: each run at (ρλ_max, γλ_max), filled if ‖x_K‖ ≤ ‖x_0‖, ringed if it diverged; the line is the derived boundary γλ(1 + ρλ) = 2.",
                sig(q.eps),
                q.steps
            ),
            svg: plot(charts_svg(&[Chart {
                title: "Unnormalized SAM: stable below γλ(1 + ρλ) = 2".into(),
                x_desc: "ρλ_max".into(),
                y_desc: "γλ_max".into(),
                log_x: true,
                log_y: false,
                series: map,
            }]))?,
        },
    ];
    Ok(Section {
        id: "sam",
        title: "SAM: the minima it finds, and its linear stability".into(),
        blocks,
        figures,
        json: serde_json::to_value(r).expect("results serialize"),
    })
}

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
