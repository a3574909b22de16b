//! Section 4's part of the report: Theorem 4.1 measured, the chain (46)–(48) on trained minima,
//! Theorem 4.2's test-loss claim.

use super::{plot, row, Block, Section};
use crate::experiment::section4::thm41::Thm41Network;
use crate::experiment::section4::trained::Trainer;
use crate::experiment::section4::Section4Result;
use crate::experiment::Spread;
use crate::figures::{charts_svg, Chart, Mark, Series};
use crate::report::figure::Figure;
use crate::report::sig;

fn spread(s: &Spread) -> String {
    format!("{} [{}, {}]", sig(s.median), sig(s.min), sig(s.max))
}

fn label(n: &Thm41Network) -> String {
    format!("m = {}, d = {}, s = {}", n.m, n.d, sig(n.shape))
}

/// Section 4.
///
/// # Errors
/// A plotting failure ([`crate::Error::Numerical`]).
pub fn section4_section(r: &Section4Result) -> crate::Result<Section> {
    let t41 = &r.thm41;
    let tr = &r.trained;
    let mut blocks = vec![Block::Paragraph(format!(
        "Two-layer ReLU networks h(x; u) = Σ_j a_j σ(w_jᵀu), inputs u uniform on √d·S^{{d−1}}; G = (1/n) Σ_i g_i g_iᵀ with g_i = ∇_x h(x; u_i) (eq. 30; H = G at an interpolating minimum). Theorem 4.1 on random networks (TwoLayer::init, reshaped by s: a_j → s·a_j, w_j → w_j/s, the same function): {} independent input draws per n, median [min, max]; the population tr G is exactly ½‖x‖_{{2,d}}, and ‖G‖₂ lies between c_d² max(Σ‖w_j‖², Σa_j²) and ½Σ‖w_j‖² + Σa_j² (experiment::section4::norms). 'Sets in': from this n on, every draw is within ±{}% of ½ (trace) or of the largest n's median (2-norm); N(d, δ) at δ = 1/draws = {}.",
        t41.draws,
        sig(100.0 * t41.band),
        sig(t41.delta)
    ))];
    blocks.push(Block::Table(
        row(&[
            "m",
            "d",
            "s",
            "Σa_j²",
            "Σ‖w_j‖²",
            "largest n",
            "tr G/‖x‖_{2,d}",
            "sets in at n",
            "N(d,δ)",
            "‖G‖₂/‖x‖_{2,1}",
            "population bounds",
            "settles at n",
            "d·N(d,δ)",
            "tr G/Σ(a²+d‖w‖²) (47)",
        ]),
        t41.networks
            .iter()
            .map(|n| {
                let last = n.rows.last().expect("at least one n");
                vec![
                    n.m.to_string(),
                    n.d.to_string(),
                    sig(n.shape),
                    sig(n.norms.sum_a2),
                    sig(n.norms.sum_w2),
                    last.n.to_string(),
                    spread(&last.trace_ratio),
                    n.trace_sets_in.map_or("–".to_owned(), |k| k.to_string()),
                    n.n_threshold.to_string(),
                    spread(&last.norm2_ratio),
                    format!(
                        "[{}, {}]",
                        sig(n.population_norm2_lower_ratio),
                        sig(n.population_norm2_bound_ratio)
                    ),
                    n.norm2_sets_in.map_or("–".to_owned(), |k| k.to_string()),
                    (n.d * n.n_threshold).to_string(),
                    sig(last.printed_ratio.median),
                ]
            })
            .collect(),
    ));
    blocks.push(Block::Paragraph(format!(
        "Trained minima: a ReLU teacher of width {} (TwoLayer::init) on the sphere, N = {} training and {} fresh test points; GD and SGD (B = {}, without replacement) at the same γ = {} from the same initialization (a_j ~ N(0, 1/m), w_j ~ N(0, I/(dm))), trained to F ≤ 10⁻⁵ and polished onto the zero-loss set; widths at d = {}, dimensions at m = {}. γ*_exact is at B = 1 (with replacement); the test loss is the generalization gap (training loss 0).{}",
        tr.teacher_width,
        tr.n_train,
        tr.n_test,
        tr.batch_size,
        sig(tr.gamma),
        tr.width_sweep_d,
        tr.dim_sweep_m,
        if tr.failures.is_empty() {
            String::new()
        } else {
            format!(" Runs without a minimum: {}.", tr.failures.join("; "))
        }
    )));
    blocks.push(Block::Table(
        row(&[
            "method",
            "m",
            "d",
            "seed",
            "steps",
            "polish moved",
            "test loss",
            "‖x‖_P",
            "‖x‖_{2,1}",
            "‖x‖_{2,d}",
            "Σ(a²+d‖w‖²)",
            "tr H",
            "‖H‖₂",
            "γ·tr H/2",
            "γ·‖H‖₂/2",
            "γ*_exact (B = 1)",
        ]),
        tr.minima
            .iter()
            .map(|x| {
                vec![
                    x.trainer.as_str().to_owned(),
                    x.m.to_string(),
                    x.d.to_string(),
                    x.seed.to_string(),
                    x.steps.to_string(),
                    sig(x.polish_distance),
                    sig(x.test_loss),
                    sig(x.norms.path),
                    sig(x.norms.weighted(1.0)),
                    sig(x.norms.weighted(x.d as f64)),
                    sig(x.norms.printed_47()),
                    sig(x.trace_h),
                    sig(x.norm2_h),
                    sig(tr.gamma * x.trace_h / 2.0),
                    sig(tr.gamma * x.norm2_h / 2.0),
                    sig(x.gamma_exact_b1),
                ]
            })
            .collect(),
    ));
    blocks.push(Block::Claims(r.claims.clone()));
    let ratio_chart =
        |title: &str, y: &str, f: fn(&crate::experiment::section4::thm41::Thm41Row) -> f64| Chart {
            title: title.to_owned(),
            x_desc: "n".into(),
            y_desc: y.to_owned(),
            log_x: true,
            log_y: true,
            series: t41
                .networks
                .iter()
                .enumerate()
                .map(|(k, n)| Series {
                    label: label(n),
                    points: n.rows.iter().map(|r| (r.n as f64, f(r))).collect(),
                    colour: k,
                    mark: Mark::Line,
                })
                .collect(),
        };
    let mut figures = vec![Figure {
        file: "experiment-section4-thm41.svg".into(),
        title: "Theorem 4.1: tr G and ‖G‖₂ against the weighted norms".into(),
        caption: "Median over input draws, one line per random network (width m, dimension d, shape s). Top: tr G/‖x‖_{2,d} (population value ½ exactly). Middle: ‖G‖₂/‖x‖_{2,1}. Bottom: tr G against the sum (47) prints, Σ_j(a_j² + d‖w_j‖²): its level depends on the shape and on d.".into(),
        svg: plot(charts_svg(&[
            ratio_chart("tr G/‖x‖_{2,d}", "ratio", |r| r.trace_ratio.median),
            ratio_chart("‖G‖₂/‖x‖_{2,1}", "ratio", |r| r.norm2_ratio.median),
            ratio_chart("tr G/Σ(a² + d‖w‖²), as (47) prints", "ratio", |r| r.printed_ratio.median),
        ]))?,
    }];
    let sweep = |x_of: fn(&crate::experiment::section4::trained::TrainedMinimum) -> usize,
                 keep: &dyn Fn(&crate::experiment::section4::trained::TrainedMinimum) -> bool|
     -> Vec<Series> {
        [Trainer::Sgd, Trainer::Gd]
            .iter()
            .enumerate()
            .map(|(k, &t)| Series {
                label: t.as_str().to_owned(),
                points: tr
                    .minima
                    .iter()
                    .filter(|x| x.trainer == t && keep(x))
                    .map(|x| (x_of(x) as f64, x.test_loss))
                    .collect(),
                colour: k,
                mark: Mark::Dots,
            })
            .collect()
    };
    let (dw, md) = (tr.width_sweep_d, tr.dim_sweep_m);
    figures.push(Figure {
        file: "experiment-section4-thm42.svg".into(),
        title: "Theorem 4.2: test loss of SGD's and GD's minima against width and dimension".into(),
        caption: format!(
            "Each dot a trained, polished minimum (one per seed). Top: width m at d = {dw}. Bottom: dimension d at m = {md}. Same γ = {} for both methods.",
            sig(tr.gamma)
        ),
        svg: plot(charts_svg(&[
            Chart {
                title: format!("test loss against m (d = {dw})"),
                x_desc: "width m".into(),
                y_desc: "test loss".into(),
                log_x: true,
                log_y: true,
                series: sweep(|x| x.m, &|x| x.d == dw),
            },
            Chart {
                title: format!("test loss against d (m = {md})"),
                x_desc: "input dimension d".into(),
                y_desc: "test loss".into(),
                log_x: true,
                log_y: true,
                series: sweep(|x| x.d, &|x| x.m == md),
            },
        ]))?,
    });
    Ok(Section {
        id: "section4",
        title: "Section 4: sharpness, norms and generalization of two-layer ReLU networks".into(),
        blocks,
        figures,
        json: serde_json::to_value(r).expect("results serialize"),
    })
}
