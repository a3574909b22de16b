//! One figure of a report: file name, title, caption and SVG text.

/// One figure: its file name, title, caption and SVG text.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name under `figures/`, e.g. `diagram.svg`.
    pub file: String,
    /// Title.
    pub title: String,
    /// Caption: what is plotted, with the parameters.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}
