//! Figures as SVG strings (plotters): pure functions of analysis results, so they can be
//! snapshot- and structure-tested in process.
//!
//! Every figure carries its parameters in its caption (set by the report that embeds it); the
//! SVG itself has labelled axes and a legend.

mod batch;
mod diagram;
mod experiments;
mod proofs;
mod simulation;

pub use batch::{batch_curve_svg, BatchCurve, BatchPoint, Thm35Point};
pub use diagram::{diagram_svg, DiagramPoint};
pub use experiments::{charts_svg, Chart, Mark, Series};
pub use proofs::{proof_summary_svg, ProofBar};
pub use simulation::{moment_curve_svg, CurvePoint};

/// Width and height of every figure, in SVG pixels.
pub const SIZE: (u32, u32) = (720, 480);

/// The verdict colours (colour-blind safe: blue, vermillion, orange) and marker names.
pub(crate) mod style {
    use plotters::style::RGBColor;
    /// Stable.
    pub const STABLE: RGBColor = RGBColor(0, 114, 178);
    /// Unstable.
    pub const UNSTABLE: RGBColor = RGBColor(213, 94, 0);
    /// Boundary.
    pub const BOUNDARY: RGBColor = RGBColor(230, 159, 0);
    /// The colour of a verdict's truth: stable (holds), unstable (fails), boundary (undecided).
    pub fn of(truth: crate::verdict::Truth) -> RGBColor {
        match truth {
            crate::verdict::Truth::Holds => STABLE,
            crate::verdict::Truth::Fails => UNSTABLE,
            crate::verdict::Truth::Undecided => BOUNDARY,
        }
    }
    /// Grey for reference lines.
    pub const GREY: RGBColor = RGBColor(120, 120, 120);
    /// Green for a fourth series.
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
}

/// A plotters error as a string (the SVG backend writes into a `String` and cannot fail on I/O).
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}
