//! The report as JSON: typed views of the document, serialized by serde.

use super::*;

/// One instance's enumeration in the report's JSON.
#[derive(Debug, Serialize)]
struct EnumerationJson<'a> {
    name: &'a str,
    enumerated: bool,
    visits: Option<String>,
    agrees: Option<bool>,
}

/// One point of a batch curve in JSON.
#[derive(Debug, Serialize)]
struct BatchPointJson {
    batch_size: usize,
    critical_gamma_gd: Option<f64>,
    critical_gamma_thm33: Option<f64>,
    critical_gamma_exact: Option<f64>,
    critical_gamma_thm35: Option<f64>,
    thm35_hypotheses_hold: Option<bool>,
}

/// One batch curve in JSON.
#[derive(Debug, Serialize)]
struct BatchCurveJson<'a> {
    name: &'a str,
    sampling: crate::instance::Sampling,
    points: Vec<BatchPointJson>,
}

/// One figure in JSON (without its SVG).
#[derive(Debug, Serialize)]
struct FigureJson<'a> {
    file: &'a str,
    title: &'a str,
    caption: &'a str,
}

/// One derivation step in JSON.
#[derive(Debug, Serialize)]
struct StepJson<'a> {
    label: &'a str,
    claim: &'a str,
    verdict: String,
    met: bool,
}

/// One proof file in JSON.
#[derive(Debug, Serialize)]
struct ProofJson<'a> {
    path: &'a str,
    title: &'a str,
    steps: Vec<StepJson<'a>>,
}

/// One check expected to hold in JSON.
#[derive(Debug, Serialize)]
struct ExpectationJson<'a> {
    what: &'a str,
    holds: bool,
}

/// The report's JSON.
#[derive(Debug, Serialize)]
struct DocumentJson<'a> {
    instances: Vec<crate::report::json::AnalysisJson<'a>>,
    enumerations: Vec<EnumerationJson<'a>>,
    batch_curves: Vec<BatchCurveJson<'a>>,
    figures: Vec<FigureJson<'a>>,
    proofs: Vec<ProofJson<'a>>,
    expectations: Vec<ExpectationJson<'a>>,
    all_hold: bool,
    /// Each experiment's own JSON by its id; absent when the experiments were not run.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    experiments: std::collections::BTreeMap<&'a str, &'a serde_json::Value>,
}

impl<'a> DocumentJson<'a> {
    fn of(d: &'a Document) -> Self {
        Self {
            instances: d
                .analyses
                .iter()
                .map(crate::report::json::AnalysisJson::of)
                .collect(),
            enumerations: d
                .enumerations
                .iter()
                .zip(&d.analyses)
                .map(|(e, a)| EnumerationJson {
                    name: &a.summary.name,
                    enumerated: e.is_some(),
                    visits: e.as_ref().map(|e| e.visits.to_string()),
                    agrees: e.as_ref().map(EnumerationCheck::agrees),
                })
                .collect(),
            batch_curves: d
                .batch_curves
                .iter()
                .map(|c| BatchCurveJson {
                    name: &c.name,
                    sampling: c.sampling,
                    points: c
                        .points
                        .iter()
                        .map(|p| BatchPointJson {
                            batch_size: p.batch_size,
                            critical_gamma_gd: p.gd,
                            critical_gamma_thm33: p.thm33,
                            critical_gamma_exact: p.exact,
                            critical_gamma_thm35: p.thm35.map(|t| t.critical_gamma),
                            thm35_hypotheses_hold: p.thm35.map(|t| t.hypotheses_hold),
                        })
                        .collect(),
                })
                .collect(),
            figures: d
                .figures
                .iter()
                .map(|f| FigureJson {
                    file: &f.file,
                    title: &f.title,
                    caption: &f.caption,
                })
                .collect(),
            proofs: d
                .proofs
                .iter()
                .map(|f| ProofJson {
                    path: &f.path,
                    title: &f.title,
                    steps: f
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            crate::proof::ItemReport::Step(s) => Some(StepJson {
                                label: &s.label,
                                claim: &s.claim,
                                verdict: s.verdict.to_string(),
                                met: s.met,
                            }),
                            crate::proof::ItemReport::Note { .. } => None,
                        })
                        .collect(),
                })
                .collect(),
            expectations: d
                .expectations
                .iter()
                .map(|e| ExpectationJson {
                    what: &e.what,
                    holds: e.holds,
                })
                .collect(),
            all_hold: d.all_hold(),
            experiments: d.experiments.iter().map(|s| (s.id, &s.json)).collect(),
        }
    }
}

/// The report as JSON: every number (instances as in `analyze --format json`).
#[must_use]
pub fn document_json(d: &Document) -> String {
    crate::report::json::pretty(&DocumentJson::of(d))
}
