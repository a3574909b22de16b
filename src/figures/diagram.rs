//! The sharpness–non-uniformity diagram (lecture Figure 3), in the coordinates in which it is the
//! same picture for every `γ` and `c`.
//!
//! In `d = 1` Theorem 3.3 reads `(1 − γa)² + γ²c s² ≤ 1`. With `x = γa` and `y = γ√c · s` this is
//! the disk `(1 − x)² + y² ≤ 1`, and GD's condition `a ≤ 2/γ` is `x ≤ 2`. Plotting every instance
//! at `(γ λ_max(H), γ √c s)` puts instances with different `γ`, `N`, `B` and sampling on one
//! diagram. In `d ≥ 2` the disk is only the lecture's picture: a point's exact verdict (its
//! marker) comes from `ρ(L_γ)`, not from its position.

use super::{err, style, SIZE};
use crate::criteria::Verdict;
use crate::verdict::ToTruth as _;
use plotters::prelude::*;

/// One instance on the diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramPoint {
    /// A short label (the instance's number in the report's table).
    pub label: String,
    /// `γ · λ_max(H)`.
    pub x: f64,
    /// `γ · √c · s`, with `s = √λ_max(Σ)`.
    pub y: f64,
    /// The exact mean-square verdict.
    pub verdict: Verdict,
}

/// The diagram as an SVG document.
///
/// # Errors
/// A plotting failure, as text (not expected: the backend writes into memory).
pub fn diagram_svg(points: &[DiagramPoint]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let x_max = points.iter().map(|p| p.x).fold(2.4_f64, f64::max) * 1.05;
        // Head room above the points for the legend.
        let y_max = points.iter().map(|p| p.y).fold(1.2_f64, f64::max) * 1.6;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Sharpness–non-uniformity diagram (normalized)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("γ · a   (a = λ_max(H), the sharpness)")
            .y_desc("γ · √c · s   (s = √λ_max(Σ), the non-uniformity)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // Theorem 3.3's region in d = 1: the half disk (1 − x)² + y² ≤ 1.
        let disk: Vec<(f64, f64)> = (0..=200)
            .map(|k| {
                let t = std::f64::consts::PI * f64::from(k) / 200.0;
                (1.0 - t.cos(), t.sin())
            })
            .collect();
        chart
            .draw_series(AreaSeries::new(disk.clone(), 0.0, style::STABLE.mix(0.12)))
            .map_err(err)?
            .label("Theorem 3.3 region: (1 − γa)² + γ²c s² ≤ 1 (exact in d = 1)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 16, y + 5)],
                    style::STABLE.mix(0.25).filled(),
                )
            });
        chart
            .draw_series(LineSeries::new(disk, style::STABLE.stroke_width(2)))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                vec![(2.0, 0.0), (2.0, y_max)],
                style::GREY.stroke_width(2),
            ))
            .map_err(err)?
            .label("GD boundary a = 2/γ")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], style::GREY.stroke_width(2))
            });
        for (verdict, name) in [
            (Verdict::Holds, "instance: SGD mean-square stable"),
            (Verdict::Fails, "instance: SGD mean-square unstable"),
            (Verdict::Boundary, "instance: at the boundary (ρ = 1)"),
        ] {
            let colour = style::of(verdict.truth());
            let these: Vec<&DiagramPoint> =
                points.iter().filter(|p| p.verdict == verdict).collect();
            if these.is_empty() {
                continue;
            }
            chart
                .draw_series(these.iter().map(|p| {
                    EmptyElement::at((p.x, p.y))
                        + Circle::new((0, 0), 5, colour.filled())
                        + Text::new(p.label.clone(), (7, -14), ("sans-serif", 13))
                }))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
