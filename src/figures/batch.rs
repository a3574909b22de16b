//! Critical learning rate against batch size, for every criterion.

use super::{err, style, SIZE};
use plotters::prelude::*;

pub use crate::verification::{BatchCurve, BatchPoint, Thm35Point};

/// Reads one criterion's critical γ off a point.
type Getter = fn(&BatchPoint) -> Option<f64>;

/// The critical-γ-against-B figure as an SVG document.
///
/// # Errors
/// A plotting failure, as text.
pub fn batch_curve_svg(curve: &BatchCurve) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let all = curve.points.iter().flat_map(|p| {
            [p.gd, p.thm33, p.exact, p.thm35.map(|t| t.critical_gamma)]
                .into_iter()
                .flatten()
        });
        let y_max = all.fold(0.0_f64, f64::max).max(1e-12) * 1.1;
        let n = curve.n as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Critical learning rate vs batch size: {} ({})",
                    curve.name, curve.sampling
                ),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.5..n + 0.5, 0.0..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("batch size B")
            .y_desc("critical learning rate γ*")
            .x_labels(curve.n.min(12))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        let series: [(&str, RGBColor, Getter); 4] = [
            ("GD: 2/λ_max(H)", style::GREY, |p| p.gd),
            ("exact: ρ(L_γ) = 1", style::STABLE, |p| p.exact),
            ("Theorem 3.3", style::GREEN, |p| p.thm33),
            (
                "2/tr(H) (Theorem 3.5 where it applies: filled)",
                style::UNSTABLE,
                |p| p.thm35.map(|t| t.critical_gamma),
            ),
        ];
        for (name, colour, get) in series {
            let pts: Vec<(f64, f64)> = curve
                .points
                .iter()
                .filter_map(|p| get(p).map(|g| (p.batch_size as f64, g)))
                .collect();
            if pts.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    pts.iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, colour.filled())),
                )
                .map_err(err)?;
        }
        // Hollow markers where Theorem 3.5's hypotheses fail.
        let hollow: Vec<(f64, f64)> = curve
            .points
            .iter()
            .filter_map(|p| match p.thm35 {
                Some(t) if !t.hypotheses_hold => Some((p.batch_size as f64, t.critical_gamma)),
                _ => None,
            })
            .collect();
        chart
            .draw_series(hollow.iter().map(|&c| Circle::new(c, 5, WHITE.filled())))
            .map_err(err)?;
        chart
            .draw_series(
                hollow
                    .iter()
                    .map(|&c| Circle::new(c, 5, style::UNSTABLE.stroke_width(2))),
            )
            .map_err(err)?;
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
