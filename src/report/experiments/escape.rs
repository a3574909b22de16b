//! The escape experiment's section.

use super::{dashes, minimum_cells, opt, pct, plot, row, Block, Section, MINIMUM_HEADER};
use crate::experiment::escape::{EscapeResult, Fate, LinePoint, RunGamma};
use crate::figures::{charts_svg, Chart, Mark, Series};
use crate::report::figure::Figure;
use crate::report::sig;
use crate::train::Record;

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
            "GD's minimum: λ_max(H) = {}, tr H = {}, s = √λ_max(Σ) = {}, max_i ‖g_i‖²/mean ‖g_i‖² = {}, rank r = {}; test accuracy {}, test loss {}. The polish onto the zero-loss set moved θ by {} (‖θ‖ = {}); λ_max(∇²F) at GD's end point was {}. The analysis works on the range of H (r coordinates; exactly, see crate::reduction), so ρ(L_γ) of the P-parameter operator is exactly 1 below γ*_exact (its null directions never move).",
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
            "ρ(L_γ)",
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
                sig(2.0 * g[0].linearized.lyapunov),
                format!("{}/{}", g[0].linearized.escaped, g[0].linearized.trials),
            ]
        })
        .collect();
    blocks.push(Block::Table(
        row(&[
            "B",
            "run",
            "γ",
            "γ/γ*_exact",
            "ρ(L_γ) on range(H)",
            "predicted",
            "stayed",
            "escaped",
            "diverged",
            "median escape step",
            "mean-square prediction",
            "2λ₁ (linearized)",
            "linearized reached radius",
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
                    .any(|a| (p.alpha - a).abs() < 1e-9)
            })
            .collect();
        blocks.push(Block::Paragraph(format!(
            "Along θ(α) = (1 − α)θ_SGD + αθ_GD (B = {}, seed {}; α = 0 is SGD's minimum, α = 1 GD's):",
            line.batch_size, line.seed
        )));
        blocks.push(Block::Table(
            row(&["α", "training loss", "test loss", "test acc."]),
            pick.iter()
                .map(|p| {
                    vec![
                        sig(p.alpha),
                        sig(p.training_loss),
                        sig(p.test_loss),
                        pct(p.test_accuracy),
                    ]
                })
                .collect(),
        ));
    }
    blocks.push(Block::Claims(r.claims.clone()));
    let mut figures = Vec::new();
    let curves: Vec<_> = r.runs.iter().filter(|x| !x.curve.is_empty()).collect();
    if !curves.is_empty() {
        let series = |f: fn(&Record) -> f64| -> Vec<Series> {
            curves
                .iter()
                .enumerate()
                .map(|(k, x)| Series {
                    label: format!("B = {} (γ/γ* = {})", x.batch_size, sig(x.ratio)),
                    points: x.curve.iter().map(|c| (c.step as f64, f(c))).collect(),
                    colour: k,
                    mark: Mark::Line,
                })
                .collect()
        };
        figures.push(Figure {
            file: "experiment-escape.svg".into(),
            title: "SGD next to GD's minimum (Figure 1)".into(),
            caption: format!(
                "{}. SGD at GD's γ = {} from θ_GD + δ (‖δ‖ = perturbation, in the range of H, the span of the g_i), seed 0, one line per batch size B. Top: training loss. Bottom: distance from the start.",
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
                    series: series(|c| c.loss),
                },
                Chart {
                    title: "Distance from the start".into(),
                    x_desc: "SGD step k".into(),
                    y_desc: "‖θ_k − θ_0‖".into(),
                    log_x: false,
                    log_y: true,
                    series: series(|c| c.distance),
                },
            ]))?,
        });
    }
    if let Some(line) = &r.line {
        let s = |f: fn(&LinePoint) -> f64, label: &str, colour: usize| Series {
            label: label.to_owned(),
            points: line.points.iter().map(|p| (p.alpha, f(p))).collect(),
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
                    series: vec![
                        s(|p| p.training_loss, "training", 0),
                        s(|p| p.test_loss, "test", 1),
                    ],
                },
                Chart {
                    title: "Test accuracy along θ(α)".into(),
                    x_desc: "α".into(),
                    y_desc: "test accuracy".into(),
                    log_x: false,
                    log_y: false,
                    series: vec![s(|p| p.test_accuracy, "test accuracy", 2)],
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
