//! The `analyze` report: every instance under its own sampling scheme — the i.i.d. renderers
//! ([`super::text`], [`super::markdown`], [`super::json`]) or random reshuffling's
//! ([`super::reshuffling`]) — in one text, Markdown or JSON document.

use super::json::{pretty, AnalysisJson};
use super::{exact_summary, rows, sgd_summary, Format};
use crate::analysis::InstanceAnalysis;
use serde::Serialize;

/// Render `analyses` — each under its own sampling scheme — in `format` (the `analyze` report).
/// For i.i.d. instances alone this is [`text`](fn@super::text), [`json`](fn@super::json) or
/// [`markdown`](fn@super::markdown).
#[must_use]
pub fn render(analyses: &[InstanceAnalysis], format: Format) -> String {
    match format {
        Format::Text => {
            let mut out = String::new();
            for (k, a) in analyses.iter().enumerate() {
                if k > 0 {
                    out.push('\n');
                }
                match a {
                    InstanceAnalysis::Iid(a) => super::text::section(&mut out, a),
                    InstanceAnalysis::RandomReshuffling(r) => {
                        super::reshuffling::text_section(&mut out, r)
                    }
                }
            }
            out
        }
        Format::Json => pretty(&analyses.iter().map(InstanceJson::of).collect::<Vec<_>>()),
        Format::Markdown => {
            let mut out = String::from(super::markdown::SUMMARY_HEADER);
            for a in analyses {
                match a {
                    InstanceAnalysis::Iid(a) => super::markdown::summary_row(
                        &mut out,
                        &a.summary,
                        &sgd_summary(a),
                        &exact_summary(a),
                    ),
                    InstanceAnalysis::RandomReshuffling(r) => {
                        super::reshuffling::markdown_summary_row(&mut out, r);
                    }
                }
            }
            for a in analyses {
                match a {
                    InstanceAnalysis::Iid(a) => {
                        let note = super::markdown::iid_note(a);
                        super::markdown::criteria_section(
                            &mut out,
                            &a.summary,
                            &rows(a),
                            note.as_deref(),
                        );
                    }
                    InstanceAnalysis::RandomReshuffling(r) => {
                        super::reshuffling::markdown_section(&mut out, r);
                    }
                }
            }
            out
        }
    }
}

/// One instance's JSON object under its own scheme.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum InstanceJson<'a> {
    /// An i.i.d. scheme.
    Iid(AnalysisJson<'a>),
    /// Random reshuffling.
    RandomReshuffling(super::reshuffling::ReshufflingJson<'a>),
}

impl<'a> InstanceJson<'a> {
    pub(crate) fn of(a: &'a crate::analysis::InstanceAnalysis) -> Self {
        match a {
            crate::analysis::InstanceAnalysis::Iid(a) => Self::Iid(AnalysisJson::of(a)),
            crate::analysis::InstanceAnalysis::RandomReshuffling(r) => {
                Self::RandomReshuffling(super::reshuffling::ReshufflingJson::of(r))
            }
        }
    }
}

/// A JSON object with the wall time its computation took added.
#[derive(Debug, Serialize)]
pub(crate) struct Timed<T> {
    #[serde(flatten)]
    pub value: T,
    /// Seconds of wall time.
    pub wall_time_seconds: f64,
}

/// The `analyze --format json` report of `analyses`, each object with the wall time of its
/// load and analysis (`seconds`, in the same order) as `wall_time_seconds`.
///
/// # Panics
/// If `seconds` does not have one entry per analysis.
#[must_use]
pub fn json_timed(analyses: &[crate::analysis::InstanceAnalysis], seconds: &[f64]) -> String {
    assert_eq!(analyses.len(), seconds.len(), "one wall time per analysis");
    pretty(
        &analyses
            .iter()
            .zip(seconds)
            .map(|(a, &t)| Timed {
                value: InstanceJson::of(a),
                wall_time_seconds: t,
            })
            .collect::<Vec<_>>(),
    )
}
