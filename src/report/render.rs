//! One render path: the result of every command implements [`Render`], and the command line
//! calls [`Render::render`] with the format asked for. Each method is a pure function of the
//! value.

use super::Format;
use crate::analysis::InstanceAnalysis;
use crate::enumerate::EnumerationCheck;
use crate::mean_square::Sweep;
use crate::simulate::Comparison;

/// A value that renders as text, Markdown and JSON.
pub trait Render {
    /// The report for people.
    fn text(&self) -> String;
    /// Markdown tables.
    fn markdown(&self) -> String;
    /// JSON (pretty-printed, with a final newline).
    fn json(&self) -> String;
    /// The rendering in `format`.
    fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Json => self.json(),
            Format::Markdown => self.markdown(),
        }
    }
}

/// `analyze`: the instances, each under its own sampling scheme.
impl Render for [InstanceAnalysis] {
    fn text(&self) -> String {
        super::render(self, Format::Text)
    }
    fn markdown(&self) -> String {
        super::render(self, Format::Markdown)
    }
    fn json(&self) -> String {
        super::render(self, Format::Json)
    }
}

/// `enumerate`: every instance's enumeration against the closed forms.
impl Render for [EnumerationCheck] {
    fn text(&self) -> String {
        super::enumeration_text(self)
    }
    fn markdown(&self) -> String {
        super::enumeration_markdown(self)
    }
    fn json(&self) -> String {
        super::enumeration_json(self)
    }
}

/// `sweep`: every criterion's critical `γ` against `B`.
impl Render for Sweep {
    fn text(&self) -> String {
        super::sweep_text(self)
    }
    fn markdown(&self) -> String {
        super::sweep_markdown(self)
    }
    fn json(&self) -> String {
        super::sweep_json(self)
    }
}

/// `verify`: the derivation checker's reports, one per proof file.
impl Render for [crate::proof::FileReport] {
    fn text(&self) -> String {
        super::verify_text(self)
    }
    fn markdown(&self) -> String {
        super::verify_markdown(self)
    }
    fn json(&self) -> String {
        super::verify_json(self)
    }
}

/// `simulate`: SGD's Monte Carlo against the exact prediction, and GD's from the same starts
/// when escape times were asked for.
#[derive(Debug, Clone, Copy)]
pub struct Simulated<'a> {
    /// SGD's run.
    pub sgd: &'a Comparison,
    /// GD's run (`simulate --escape`).
    pub gd: Option<&'a Comparison>,
}

impl Render for Simulated<'_> {
    fn text(&self) -> String {
        super::simulation_text(self.sgd, self.gd)
    }
    fn markdown(&self) -> String {
        super::simulation_markdown(self.sgd, self.gd)
    }
    fn json(&self) -> String {
        super::simulation_json(self.sgd, self.gd)
    }
}

/// `experiment`: one experiment's section.
#[cfg(feature = "cli")]
impl Render for super::experiments::Section {
    fn text(&self) -> String {
        super::experiments::section_text(self)
    }
    fn markdown(&self) -> String {
        super::experiments::section_markdown(self)
    }
    fn json(&self) -> String {
        super::experiments::section_json(self)
    }
}
