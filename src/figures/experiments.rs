//! Line and scatter charts for the experiments on trained models: one generic chart (series
//! of lines or markers, optional log₁₀ axes drawn as `10^x` labels), stacked vertically when a
//! figure has several panels.

use super::{err, style, SIZE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A solid line.
    Line,
    /// A dashed line (reference levels such as `2/γ`).
    Dashed,
    /// Filled circles.
    Dots,
    /// Hollow circles.
    Rings,
}

/// One series: its legend label, its points, its colour (an index into the palette) and how it
/// is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (empty: no legend entry).
    pub label: String,
    /// `(x, y)` in data units (before any log).
    pub points: Vec<(f64, f64)>,
    /// Palette index.
    pub colour: usize,
    /// Line, dashes or markers.
    pub mark: Mark,
}

/// One panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_desc: String,
    /// y-axis label.
    pub y_desc: String,
    /// Plot log₁₀ x (points with `x ≤ 0` are dropped).
    pub log_x: bool,
    /// Plot log₁₀ y (points with `y ≤ 0` are dropped).
    pub log_y: bool,
    /// The series.
    pub series: Vec<Series>,
}

/// The palette: the verdict colours, then further colour-blind-safe ones.
fn colour(k: usize) -> RGBColor {
    const MORE: [RGBColor; 4] = [
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(0, 0, 0),
        RGBColor(240, 228, 66),
    ];
    match k % 8 {
        0 => style::STABLE,
        1 => style::UNSTABLE,
        2 => style::GREEN,
        3 => style::BOUNDARY,
        i => MORE[i - 4],
    }
}

fn transform(c: &Chart, (x, y): (f64, f64)) -> Option<(f64, f64)> {
    let tx = if c.log_x {
        (x > 0.0).then(|| x.log10())?
    } else {
        x
    };
    let ty = if c.log_y {
        (y > 0.0).then(|| y.log10())?
    } else {
        y
    };
    (tx.is_finite() && ty.is_finite()).then_some((tx, ty))
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
    (lo - pad, hi + pad)
}

fn draw(area: &DrawingArea<SVGBackend<'_>, Shift>, c: &Chart) -> Result<(), String> {
    let pts: Vec<Vec<(f64, f64)>> = c
        .series
        .iter()
        .map(|s| s.points.iter().filter_map(|&p| transform(c, p)).collect())
        .collect();
    let (x0, x1) = range(pts.iter().flatten().map(|p| p.0));
    let (y0, y1) = range(pts.iter().flatten().map(|p| p.1));
    let fmt_x = |v: &f64| axis_label(*v, c.log_x);
    let fmt_y = |v: &f64| axis_label(*v, c.log_y);
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    for (s, p) in c.series.iter().zip(pts) {
        let col = colour(s.colour);
        let anno = match s.mark {
            Mark::Line => chart
                .draw_series(LineSeries::new(p, col.stroke_width(2)))
                .map_err(err)?,
            Mark::Dashed => chart
                .draw_series(DashedLineSeries::new(p, 6, 4, col.stroke_width(1)))
                .map_err(err)?,
            Mark::Dots => chart
                .draw_series(p.into_iter().map(|q| Circle::new(q, 3, col.filled())))
                .map_err(err)?,
            Mark::Rings => chart
                .draw_series(
                    p.into_iter()
                        .map(|q| Circle::new(q, 4, col.stroke_width(1))),
                )
                .map_err(err)?,
        };
        if !s.label.is_empty() {
            // Markers show as a short thick stroke in the legend, lines as a line.
            let width = match s.mark {
                Mark::Dots | Mark::Rings => 6,
                Mark::Line | Mark::Dashed => 2,
            };
            anno.label(s.label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], col.stroke_width(width))
            });
        }
    }
    if c.series.iter().any(|s| !s.label.is_empty()) {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 11))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn axis_label(v: f64, log: bool) -> String {
    let x = if log { 10f64.powf(v) } else { v };
    if x.abs() < 1e-12 {
        // Rounding noise at a tick meant to be zero.
        "0".to_owned()
    } else if x.abs() >= 1e4 || x.abs() < 1e-2 {
        format!("{x:.0e}")
    } else {
        // Log axes tick at irregular values: three significant digits; linear ones at four
        // decimals.
        let decimals = if log {
            usize::try_from((2.0 - x.abs().log10().floor()) as i64).unwrap_or(0)
        } else {
            4
        };
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
}

/// The panels stacked vertically in one SVG (each panel `SIZE.1` high when there is one,
/// shared otherwise).
///
/// # Errors
/// A plotting failure, as text.
pub fn charts_svg(charts: &[Chart]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let h = if charts.len() > 1 {
            SIZE.1 * 3 / 4
        } else {
            SIZE.1
        };
        let total = u32::try_from(charts.len().max(1)).unwrap_or(1) * h;
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, total)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((charts.len().max(1), 1));
        for (a, c) in areas.iter().zip(charts) {
            draw(a, c)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}
