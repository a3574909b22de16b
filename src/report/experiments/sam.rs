//! The SAM experiment's section.

use super::{dashes, fate, minimum_cells, plot, row, Block, Section, MINIMUM_HEADER};
use crate::experiment::sam::SamResult;
use crate::figures::{charts_svg, Chart, Mark, Series};
use crate::report::figure::Figure;
use crate::report::sig;

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
        "SAM's linear stability (derived in the crate docs, `train::sam_stability`): near a minimum, unnormalized full-batch SAM is x_(k+1) = (I − γH − γρH²)x_k, stable iff γλ(1 + ρλ) ≤ 2 for every eigenvalue λ of H. It is checked by running the trainer on random quadratics at γ*_SAM(1 ± ε) (the claims below give the counts, the second figure every run) and next to the network's GD minimum (the table below).{}",
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
                .map(|x| {
                    vec![
                        sig(x.gamma_ratio),
                        x.seed.to_string(),
                        fate(x.fate),
                        sig(x.max_distance),
                    ]
                })
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
    let (lo, hi) = (q.rho_lambda_range.lower, q.rho_lambda_range.upper);
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
                .filter(|p| p.bounded)
                .map(|p| (p.rho_lambda, p.gamma_lambda))
                .collect(),
            colour: 0,
            mark: Mark::Dots,
        },
        Series {
            label: "diverged".into(),
            points: q
                .points
                .iter()
                .filter(|p| !p.bounded)
                .map(|p| (p.rho_lambda, p.gamma_lambda))
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
