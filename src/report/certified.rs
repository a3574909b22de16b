//! The certified (exact rational) section of `analyze --certified`: the exact verdict at `γ` and
//! `γ*_exact` as an algebraic number, in text, Markdown and as JSON fields ([`render`]).

use super::Format;
use crate::analysis::Analysis;
use crate::mean_square::certified::{AlgebraicGamma, Certified, CertifiedCritical};
use num_bigint::BigInt;
use num_traits::{Signed, Zero};
use serde::Serialize;

/// Significant digits of `γ*` shown in the isolating interval.
pub const SHOWN_DIGITS: u32 = 30;

/// `2γ² − 9γ + 8` from integer coefficients, constant term first.
fn polynomial(coefs: &[BigInt]) -> String {
    let mut out = String::new();
    for (k, c) in coefs.iter().enumerate().rev() {
        if c.is_zero() {
            continue;
        }
        let sign = if c.is_negative() { "−" } else { "+" };
        let abs = c.abs();
        let coef = if abs == BigInt::from(1) && k > 0 {
            String::new()
        } else {
            abs.to_string()
        };
        let power = match k {
            0 => String::new(),
            1 => "γ".to_owned(),
            _ => format!("γ^{k}"),
        };
        if out.is_empty() {
            if c.is_negative() {
                out.push('−');
            }
        } else {
            out.push_str(&format!(" {sign} "));
        }
        out.push_str(&coef);
        out.push_str(&power);
    }
    out
}

fn critical_words(c: &Result<CertifiedCritical, String>) -> String {
    match c {
        Ok(CertifiedCritical::Root(g)) => {
            let (lo, hi) = g.decimal_interval(SHOWN_DIGITS);
            format!(
                "the smallest positive root of {} = 0, in [{lo}, {hi}]",
                polynomial(&g.polynomial)
            )
        }
        Ok(CertifiedCritical::Unbounded) => "unbounded (every γ > 0 is stable)".to_owned(),
        Ok(CertifiedCritical::NoneAccepted) => "none (H is not PSD: no γ > 0 is stable)".to_owned(),
        Err(why) => format!("not given: {why}"),
    }
}

/// The certified lines for one instance (text).
#[must_use]
pub fn certified_text(name: &str, c: &Certified) -> String {
    let name = crate::fmt::text_name(name);
    format!(
        "certified ({name}, exact rationals, inputs read as the decimals written{}): stable at γ = {}: {}; γ*_exact = {}\n",
        range_words(c),
        c.verdict.gamma,
        if c.verdict.stable { "yes" } else { "no" },
        critical_words(&c.critical)
    )
}

/// `, on the range of the H_i (exact rank r)` when the certified answers were computed there.
fn range_words(c: &Certified) -> String {
    c.range_rank.map_or_else(String::new, |r| {
        format!(", on the range of the H_i (exact rank r = {r})")
    })
}

/// The certified lines for one instance (Markdown).
#[must_use]
pub fn certified_markdown(name: &str, c: &Certified) -> String {
    let name = crate::fmt::md_name(name);
    format!(
        "\n**Certified** ({name}, exact rationals{}): stable at γ = {}: **{}**; γ\\*_exact = {}\n",
        range_words(c),
        c.verdict.gamma,
        if c.verdict.stable { "yes" } else { "no" },
        critical_words(&c.critical)
    )
}

/// `γ*_exact` as an algebraic number in JSON: the defining polynomial's coefficients as strings
/// and the isolating interval as decimal strings.
#[derive(Debug, Serialize)]
struct AlgebraicJson {
    polynomial: Vec<String>,
    polynomial_order: &'static str,
    variable: &'static str,
    root: &'static str,
    interval: [String; 2],
    interval_exact: [String; 2],
}

impl AlgebraicJson {
    fn of(g: &AlgebraicGamma) -> Self {
        let (lo, hi) = g.decimal_interval(SHOWN_DIGITS);
        Self {
            polynomial: g.polynomial.iter().map(ToString::to_string).collect(),
            polynomial_order: "constant term first",
            variable: "gamma",
            root: "smallest positive",
            interval: [lo, hi],
            interval_exact: [g.lo.to_string(), g.hi.to_string()],
        }
    }
}

/// The certified `γ*_exact` in JSON: an [`AlgebraicJson`], `null` when unbounded, `"none"`
/// when no `γ` is stable, or `{"not_given": why}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum CriticalJson<'a> {
    Root(AlgebraicJson),
    Unbounded(()),
    NoneAccepted(&'static str),
    NotGiven { not_given: &'a str },
}

/// The certified fields `certified_stable`, `certified_gamma`, `critical_gamma_exact_certified`
/// and `certified_range_rank` of one instance, flattened into its `analyze` JSON object.
#[derive(Debug, Serialize)]
struct CertifiedJson<'a> {
    #[serde(flatten)]
    analysis: super::json::AnalysisJson<'a>,
    certified_stable: bool,
    certified_gamma: String,
    critical_gamma_exact_certified: CriticalJson<'a>,
    certified_range_rank: Option<usize>,
}

impl<'a> CertifiedJson<'a> {
    fn of(a: &'a Analysis, c: &'a Certified) -> Self {
        Self {
            analysis: super::json::AnalysisJson::of(a),
            certified_stable: c.verdict.stable,
            certified_gamma: c.verdict.gamma.to_string(),
            critical_gamma_exact_certified: match &c.critical {
                Ok(CertifiedCritical::Root(g)) => CriticalJson::Root(AlgebraicJson::of(g)),
                Ok(CertifiedCritical::Unbounded) => CriticalJson::Unbounded(()),
                Ok(CertifiedCritical::NoneAccepted) => CriticalJson::NoneAccepted("none"),
                Err(why) => CriticalJson::NotGiven { not_given: why },
            },
            certified_range_rank: c.range_rank,
        }
    }
}

/// The `analyze --certified` report: the usual report of `analyses` with the certified
/// (exact rational) answers `certs` added — a section per instance in text and Markdown, four
/// fields per object in JSON (`certified_stable`, `certified_gamma`,
/// `critical_gamma_exact_certified`, `certified_range_rank`).
///
/// # Panics
/// If `certs` does not have one entry per analysis.
#[must_use]
pub fn render(analyses: &[Analysis], certs: &[Certified], format: Format) -> String {
    assert_eq!(analyses.len(), certs.len(), "one certificate per analysis");
    match format {
        Format::Json => super::json::pretty(
            &analyses
                .iter()
                .zip(certs)
                .map(|(a, c)| CertifiedJson::of(a, c))
                .collect::<Vec<_>>(),
        ),
        Format::Text => {
            let mut s = super::text(analyses);
            s.push('\n');
            for (a, c) in analyses.iter().zip(certs) {
                s.push_str(&certified_text(&a.summary.name, c));
            }
            s
        }
        Format::Markdown => {
            let mut s = super::markdown(analyses);
            for (a, c) in analyses.iter().zip(certs) {
                s.push_str(&certified_markdown(&a.summary.name, c));
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_read_naturally() {
        let p = |v: &[i64]| polynomial(&v.iter().map(|&x| BigInt::from(x)).collect::<Vec<_>>());
        assert_eq!(p(&[8, -9, 2]), "2γ^2 − 9γ + 8");
        assert_eq!(p(&[0, 1]), "γ");
        assert_eq!(p(&[-3, 0, -1]), "−γ^2 − 3");
    }
}
