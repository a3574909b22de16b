//! The derivation checker's summary: per proof file, how many steps are proved, tested,
//! searched without a counterexample, errata of the lecture (refuted as the file expects), or
//! not as expected.

use super::{err, style, SIZE};
use plotters::prelude::*;

/// One proof file's step counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBar {
    /// A short name (the file stem).
    pub name: String,
    /// Steps proved for every value of their symbols.
    pub proved: usize,
    /// Equalities that held exactly on every instance tried (not proofs).
    pub tested: usize,
    /// Inequalities with no counterexample found (not proofs).
    pub searched: usize,
    /// Steps of the lecture as printed that fail (or are ill-typed, or hold only as an
    /// inequality), as the file expects.
    pub errata: usize,
    /// Steps whose verdict differs from the file's expectation (inconclusive ones included).
    pub unexpected: usize,
}

/// Reads one segment's length off a bar.
type Count = fn(&ProofBar) -> usize;

/// The summary as a stacked horizontal bar chart (SVG).
///
/// # Errors
/// A plotting failure, as text.
pub fn proof_summary_svg(bars: &[ProofBar]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let total = |b: &ProofBar| b.proved + b.tested + b.searched + b.errata + b.unexpected;
        let x_max = bars.iter().map(total).max().unwrap_or(1) as f64 * 1.45;
        let rows = bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "The lecture's derivations, step by step",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(16)
            .build_cartesian_2d(0.0..x_max, 0.0..rows as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_desc("number of steps")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // Each bar is named at its end (file stem and step count).
        chart
            .draw_series(bars.iter().enumerate().map(|(k, b)| {
                Text::new(
                    format!("{} ({})", b.name, total(b)),
                    (total(b) as f64 + 0.3, k as f64 + 0.62),
                    ("sans-serif", 14),
                )
            }))
            .map_err(err)?;
        let parts: [(&str, RGBColor, Count); 5] = [
            ("proved", style::STABLE, |b| b.proved),
            (
                "tested (exact on every instance, not proved)",
                style::GREY,
                |b| b.tested,
            ),
            (
                "no counterexample found (searched, not proved)",
                style::GREEN,
                |b| b.searched,
            ),
            (
                "fails as printed (recorded lecture slip)",
                style::UNSTABLE,
                |b| b.errata,
            ),
            ("not as expected (or inconclusive)", style::BOUNDARY, |b| {
                b.unexpected
            }),
        ];
        for (idx, &(name, colour, get)) in parts.iter().enumerate() {
            let rects: Vec<Rectangle<(f64, f64)>> = bars
                .iter()
                .enumerate()
                .filter(|(_, b)| get(b) > 0)
                .map(|(k, b)| {
                    let start: usize = parts[..idx].iter().map(|p| (p.2)(b)).sum();
                    let (y0, y1) = (k as f64 + 0.15, k as f64 + 0.85);
                    Rectangle::new(
                        [(start as f64, y0), ((start + get(b)) as f64, y1)],
                        colour.filled(),
                    )
                })
                .collect();
            chart
                .draw_series(rects)
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
