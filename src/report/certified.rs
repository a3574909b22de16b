//! The certified (exact rational) section of `analyze --certified`: the exact verdict at `γ` and
//! `γ*_exact` as an algebraic number, in text, Markdown and as JSON fields.

use crate::mean_square::certified::{AlgebraicGamma, Certified, CertifiedCritical};
use num_bigint::BigInt;
use num_traits::{Signed, Zero};
use serde_json::{json, Value};

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

fn algebraic_json(g: &AlgebraicGamma) -> Value {
    let (lo, hi) = g.decimal_interval(SHOWN_DIGITS);
    json!({
        "polynomial": g.polynomial.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "polynomial_order": "constant term first",
        "variable": "gamma",
        "root": "smallest positive",
        "interval": [lo, hi],
        "interval_exact": [g.lo.to_string(), g.hi.to_string()],
    })
}

/// The JSON fields `certified_stable`, `certified_gamma` and `critical_gamma_exact_certified`
/// (an object with the polynomial's coefficients as strings and the interval as decimal
/// strings; `null` when unbounded, `"none"` when no `γ` is stable, or a string saying why it is
/// not given).
#[must_use]
pub fn certified_json_fields(c: &Certified) -> Vec<(&'static str, Value)> {
    let critical = match &c.critical {
        Ok(CertifiedCritical::Root(g)) => algebraic_json(g),
        Ok(CertifiedCritical::Unbounded) => Value::Null,
        Ok(CertifiedCritical::NoneAccepted) => json!("none"),
        Err(why) => json!({ "not_given": why }),
    };
    vec![
        ("certified_stable", json!(c.verdict.stable)),
        ("certified_gamma", json!(c.verdict.gamma.to_string())),
        ("critical_gamma_exact_certified", critical),
        ("certified_range_rank", json!(c.range_rank)),
    ]
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
