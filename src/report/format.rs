//! Number formatting at fixed significant digits.

/// `x` at six significant digits, trailing zeros trimmed; scientific notation outside
/// `[1e-4, 1e6)`; `∞`, `−∞` and `NaN` spelled out.
#[must_use]
pub fn sig(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞" } else { "−∞" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let e = x.abs().log10().floor();
    if (-4.0..6.0).contains(&e) {
        // At most 9 decimals for e ≥ −4.
        let decimals = usize::try_from((5.0 - e) as i64).unwrap_or(0);
        let s = format!("{x:.decimals$}");
        let s = trim_zeros(&s);
        // Rounding can carry past the sixth digit (999999.5 → 1000000): fine, still 6 digits.
        if s == "-0" {
            "0".to_owned()
        } else {
            s
        }
    } else {
        let s = format!("{x:.5e}");
        let (mantissa, exp) = s
            .split_once('e')
            .expect("scientific format has an exponent");
        format!("{}e{exp}", trim_zeros(mantissa))
    }
}

/// `x` at six significant digits, or `0` when `|x| ≤ 1e-12 · |scale|` (rounding noise around a
/// quantity of size `scale`).
#[must_use]
pub fn sig_rel(x: f64, scale: f64) -> String {
    if x.abs() <= 1e-12 * scale.abs() {
        "0".to_owned()
    } else {
        sig(x)
    }
}

/// Append a plain-text table to `out`: columns padded to their widest cell, two spaces apart.
pub(crate) fn aligned_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    use std::fmt::Write as _;
    let widths: Vec<usize> = (0..header.len())
        .map(|j| {
            rows.iter()
                .map(|r| r[j].chars().count())
                .chain(std::iter::once(header[j].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(header.to_vec()));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_significant_digits() {
        assert_eq!(sig(0.612_244_897_959), "0.612245");
        assert_eq!(sig(2.5), "2.5");
        assert_eq!(sig(1.0), "1");
        assert_eq!(sig(0.999_999_999_9), "1");
        assert_eq!(sig(-3.0), "-3");
        assert_eq!(sig(1.234_567e-7), "1.23457e-7");
        assert_eq!(sig(12_345_678.0), "1.23457e7");
        assert_eq!(sig(f64::INFINITY), "∞");
        assert_eq!(sig(0.0), "0");
    }

    #[test]
    fn rounding_noise_prints_as_zero() {
        assert_eq!(sig_rel(3e-17, 2.0), "0");
        assert_eq!(sig_rel(3e-3, 2.0), "0.003");
    }
}
