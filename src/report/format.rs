//! Number formatting at fixed significant digits.

/// How a NaN is shown: in words, so that it never reads as a number in a table.
pub const NOT_A_NUMBER: &str = "undefined (NaN)";

/// `x` at six significant digits, trailing zeros trimmed; scientific notation outside
/// `[1e-4, 1e6)`; `∞` and `−∞` spelled out, NaN as `undefined (NaN)`.
#[must_use]
pub fn sig(x: f64) -> String {
    if x.is_nan() {
        return NOT_A_NUMBER.to_owned();
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

/// Whether `c` must not appear raw in a line of a report: a control character, a line or
/// paragraph separator, or a bidirectional-formatting character (which reorders what follows it
/// on screen).
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A name from an input file, made safe for one line of a text report: unprintable characters
/// ([`char::is_control`], line and paragraph separators, bidirectional formatting) become
/// escapes (`\n`, `\t`, `\r`, `\u{202e}`) and a backslash is doubled, so a name cannot start a
/// line of its own (faking a result) or reorder the text after it. Other names are unchanged.
#[must_use]
pub fn text_name(name: &str) -> String {
    if !name.chars().any(|c| c == '\\' || is_unprintable(c)) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unprintable(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// [`text_name`] for Markdown: also backslash-escapes the characters that would end a table
/// cell or start markup (`|`, `*`, `` ` ``, `<`, `>`, `[`, `]`).
#[must_use]
pub fn md_name(name: &str) -> String {
    let t = text_name(name);
    if !t.contains(['|', '*', '`', '<', '>', '[', ']']) {
        return t;
    }
    let mut out = String::with_capacity(t.len() + 8);
    for c in t.chars() {
        if matches!(c, '|' | '*' | '`' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
        assert_eq!(sig(f64::NAN), "undefined (NaN)");
        assert_eq!(sig(0.0), "0");
    }

    #[test]
    fn names_cannot_fake_lines() {
        assert_eq!(text_name("d1_sgd_stable"), "d1_sgd_stable");
        assert_eq!(
            text_name("x\nSGD exactly: stable"),
            "x\\nSGD exactly: stable"
        );
        assert_eq!(
            text_name("a\\nb"),
            "a\\\\nb",
            "a literal backslash-n stays distinct"
        );
        assert_eq!(text_name("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(text_name("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(text_name("a\u{2028}b\rc"), "a\\u{2028}b\\rc");
        assert!(!text_name("\u{7f}\u{85}").chars().any(char::is_control));
        assert_eq!(md_name("a | b"), "a \\| b");
        assert_eq!(md_name("**x**"), "\\*\\*x\\*\\*");
        assert_eq!(md_name("<b>\n"), "\\<b\\>\\n");
    }

    #[test]
    fn rounding_noise_prints_as_zero() {
        assert_eq!(sig_rel(3e-17, 2.0), "0");
        assert_eq!(sig_rel(3e-3, 2.0), "0.003");
    }
}
