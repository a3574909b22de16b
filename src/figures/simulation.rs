//! `E‖x_k‖²` against `k`: Monte Carlo with its interval band against the exact curve.

use super::{err, style, SIZE};
use plotters::prelude::*;

/// One recorded step, in natural logarithms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// `k`.
    pub step: usize,
    /// `ln` of the Monte Carlo estimate of `E‖x_k‖²`.
    pub ln_estimate: f64,
    /// `ln` of the interval's lower end (`−∞` allowed).
    pub ln_lower: f64,
    /// `ln` of the interval's upper end.
    pub ln_upper: f64,
    /// `ln tr L_γ^k(x_0 x_0ᵀ)`, the exact prediction, where there is one.
    pub ln_exact: Option<f64>,
}

/// The figure as an SVG document; `title` names the instance and its parameters.
///
/// # Errors
/// A plotting failure, as text.
pub fn moment_curve_svg(title: &str, points: &[CurvePoint]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let finite = |x: f64| x.is_finite().then_some(x);
        let ys = points.iter().flat_map(|p| {
            [p.ln_estimate, p.ln_upper, p.ln_lower]
                .into_iter()
                .chain(p.ln_exact)
                .filter_map(finite)
        });
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        let (lo, hi) = if lo.is_finite() {
            (lo - 0.5, hi + 0.5)
        } else {
            (-1.0, 1.0)
        };
        let k_max = points.iter().map(|p| p.step).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..k_max, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step k")
            .y_desc("ln E‖x_k‖²")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // The band: upper edge forward, lower edge back (clipped to the plot where −∞).
        let mut band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.step as f64, p.ln_upper.min(hi)))
            .collect();
        band.extend(
            points
                .iter()
                .rev()
                .map(|p| (p.step as f64, p.ln_lower.max(lo))),
        );
        chart
            .draw_series(std::iter::once(Polygon::new(band, style::STABLE.mix(0.18))))
            .map_err(err)?
            .label("Monte Carlo interval (family-wise level, see report)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 16, y + 5)],
                    style::STABLE.mix(0.3).filled(),
                )
            });
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.step as f64, p.ln_estimate)),
                style::STABLE.stroke_width(2),
            ))
            .map_err(err)?
            .label("Monte Carlo estimate")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], style::STABLE.stroke_width(2))
            });
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| p.ln_exact.map(|e| (p.step as f64, e))),
                style::UNSTABLE.stroke_width(2),
            ))
            .map_err(err)?
            .label("exact: ln tr L_γ^k(x₀x₀ᵀ)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], style::UNSTABLE.stroke_width(2))
            });
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
