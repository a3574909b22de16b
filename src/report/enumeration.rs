//! Renderers for the `enumerate` check: enumerated and closed-form quantities side by side.

use crate::enumerate::{Arithmetic, EnumerationCheck, QuantityCheck};
use crate::fmt::sig;
use serde::Serialize;
use std::fmt::Write as _;

/// Matrices up to this size are printed in full in text and Markdown; larger ones as a summary.
const PRINT_MAX_DIM: usize = 9;

fn verdict(q: &QuantityCheck, arithmetic: Arithmetic) -> String {
    match (arithmetic, q.agrees) {
        (Arithmetic::Exact, true) => "equal (exactly)".to_owned(),
        (Arithmetic::Exact, false) => format!(
            "DIFFERENT (max |difference| ≈ {})",
            sig(q.max_abs_difference)
        ),
        (Arithmetic::Float, true) => format!(
            "agree (max |difference| {} ≤ tolerance {})",
            sig(q.max_abs_difference),
            sig(q.tolerance)
        ),
        (Arithmetic::Float, false) => format!(
            "DISAGREE (max |difference| {} > tolerance {})",
            sig(q.max_abs_difference),
            sig(q.tolerance)
        ),
    }
}

fn header(c: &EnumerationCheck) -> String {
    format!(
        "N = {}, d = {}, B = {}, sampling: {}, γ = {}; {} {} visited; arithmetic: {}",
        c.n,
        c.d,
        c.batch_size,
        c.sampling,
        sig(c.gamma),
        c.visits,
        c.route,
        match c.arithmetic {
            Arithmetic::Float => "f64",
            Arithmetic::Exact => "exact rationals (inputs read as the decimals written)",
        }
    )
}

fn matrix_lines(q: &QuantityCheck) -> Vec<String> {
    let cells: Vec<Vec<String>> = match &q.enumerated_exact {
        Some(exact) => exact.clone(),
        None => q
            .enumerated
            .iter()
            .map(|r| r.iter().map(|x| sig(*x)).collect())
            .collect(),
    };
    let closed: Vec<Vec<String>> = match &q.closed_form_exact {
        Some(exact) => exact.clone(),
        None => q
            .closed_form
            .iter()
            .map(|r| r.iter().map(|x| sig(*x)).collect())
            .collect(),
    };
    let width = cells
        .iter()
        .chain(&closed)
        .flatten()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(1);
    let fmt_row = |r: &Vec<String>| {
        r.iter()
            .map(|s| format!("{}{s}", " ".repeat(width - s.chars().count())))
            .collect::<Vec<_>>()
            .join(" ")
    };
    cells
        .iter()
        .zip(&closed)
        .map(|(a, b)| format!("  [{}]   [{}]", fmt_row(a), fmt_row(b)))
        .collect()
}

/// The text report of `checks`.
#[must_use]
pub fn enumeration_text(checks: &[EnumerationCheck]) -> String {
    let mut out = String::new();
    for (k, c) in checks.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "== {} ==\n{}",
            crate::fmt::text_name(&c.name),
            header(c)
        );
        for q in &c.quantities {
            let _ = writeln!(out, "\n{}: {}", q.name, verdict(q, c.arithmetic));
            if q.enumerated.len() <= PRINT_MAX_DIM {
                let _ = writeln!(out, "  enumerated | closed form");
                for l in matrix_lines(q) {
                    let _ = writeln!(out, "{l}");
                }
            }
        }
        let _ = writeln!(
            out,
            "\nenumerated == closed form: {}",
            if c.agrees() {
                "yes, for every quantity"
            } else {
                "NO"
            }
        );
    }
    out
}

/// One quantity of an enumeration in JSON.
#[derive(Debug, Serialize)]
struct QuantityJson<'a> {
    name: &'static str,
    enumerated: &'a Vec<Vec<f64>>,
    enumerated_exact: &'a Option<Vec<Vec<String>>>,
    closed_form: &'a Vec<Vec<f64>>,
    closed_form_exact: &'a Option<Vec<Vec<String>>>,
    max_abs_difference: f64,
    tolerance: f64,
    agrees: bool,
}

/// One enumeration in JSON.
#[derive(Debug, Serialize)]
struct EnumerationJson<'a> {
    name: &'a str,
    n: usize,
    d: usize,
    batch_size: usize,
    sampling: crate::instance::Sampling,
    gamma: f64,
    route: &'static str,
    /// A string: the count may exceed what a JSON number holds exactly.
    visits: String,
    arithmetic: &'static str,
    agrees: bool,
    quantities: Vec<QuantityJson<'a>>,
}

impl<'a> EnumerationJson<'a> {
    fn of(c: &'a EnumerationCheck) -> Self {
        Self {
            name: &c.name,
            n: c.n,
            d: c.d,
            batch_size: c.batch_size,
            sampling: c.sampling,
            gamma: c.gamma,
            route: c.route.as_str(),
            visits: c.visits.to_string(),
            arithmetic: match c.arithmetic {
                Arithmetic::Float => "f64",
                Arithmetic::Exact => "exact",
            },
            agrees: c.agrees(),
            quantities: c
                .quantities
                .iter()
                .map(|q| QuantityJson {
                    name: q.name,
                    enumerated: &q.enumerated,
                    enumerated_exact: &q.enumerated_exact,
                    closed_form: &q.closed_form,
                    closed_form_exact: &q.closed_form_exact,
                    max_abs_difference: q.max_abs_difference,
                    tolerance: q.tolerance,
                    agrees: q.agrees,
                })
                .collect(),
        }
    }
}

/// The JSON report of `checks`: an array of objects.
#[must_use]
pub fn enumeration_json(checks: &[EnumerationCheck]) -> String {
    super::json::pretty(&checks.iter().map(EnumerationJson::of).collect::<Vec<_>>())
}

/// The Markdown report of `checks`: one summary table.
#[must_use]
pub fn enumeration_markdown(checks: &[EnumerationCheck]) -> String {
    let mut out = String::from(
        "| instance | N | d | B | sampling | γ | visits | arithmetic | E[H_B] | E[H_B²] | E[(I − γH_B)²] | E[M_B ⊗ M_B] |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in checks {
        let cell = |q: &QuantityCheck| verdict(q, c.arithmetic);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} {} | {} | {} |",
            crate::fmt::md_name(&c.name),
            c.n,
            c.d,
            c.batch_size,
            c.sampling,
            sig(c.gamma),
            c.visits,
            c.route,
            match c.arithmetic {
                Arithmetic::Float => "f64",
                Arithmetic::Exact => "exact",
            },
            c.quantities
                .iter()
                .map(cell)
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    out
}
