//! Pure formatters of numbers, names and paths for people: the leaf every renderer and error
//! message uses (it imports nothing from the crate).
//!
//! - numbers at six significant digits ([`sig`], [`sig_rel`]; NaN in words, [`NOT_A_NUMBER`]);
//! - sizes and amounts of work ([`bytes`], [`operations`], [`duration`]);
//! - names and file paths from input made safe for one line of text or Markdown ([`text_name`],
//!   [`md_name`], [`text_path`]): a name or path cannot start a line of its own (faking a result)
//!   or reorder the text after it;
//! - plain-text tables ([`aligned_table`]).

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
    escape(name, Backslash::Double)
}

/// What [`escape`] does with a backslash.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backslash {
    /// `\` becomes `\\`: the escaping is injective (names).
    Double,
    /// Left as it is (paths: the folder separator on Windows).
    Keep,
}

/// `s` with every unprintable character escaped (`\n`, `\t`, `\r`, `\u{…}`).
fn escape(s: &str, backslash: Backslash) -> String {
    let doubled = |c: char| c == '\\' && backslash == Backslash::Double;
    if !s.chars().any(|c| doubled(c) || is_unprintable(c)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if doubled(c) => out.push_str("\\\\"),
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

/// A file path, made safe for one line of a message or report: unprintable characters become
/// escapes as in [`text_name`] (`\n`, `\u{202e}`), so a path such as `"dir\n== fake: stable"`
/// cannot start a line of its own. Unlike [`text_name`], a backslash is left as it is (it
/// separates folders on Windows), so two paths may print alike when one holds a literal `\n`.
/// Paths that are not UTF-8 are shown lossily, as [`std::path::Path::display`] does.
#[must_use]
pub fn text_path(path: &str) -> String {
    escape(path, Backslash::Keep)
}

/// A byte count in words: `3.2 GiB (3435973837 bytes)`.
#[must_use]
pub fn bytes(n: u128) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n == u128::MAX {
        return "more than 2^128 bytes".to_owned();
    }
    if n < 1024 {
        return format!("{n} bytes");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut x = n as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if x < 1024.0 {
            break;
        }
        x /= 1024.0;
        unit = u;
    }
    format!("{x:.1} {unit} ({n} bytes)")
}

/// `n` operations in scientific notation: `6.00e13 operations`.
#[must_use]
pub fn operations(n: u128) -> String {
    if n == u128::MAX {
        return "more than 2^128 operations".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64;
    format!("{x:.2e} operations")
}

/// `n` operations at 10⁹ per second, in the largest sensible unit.
#[must_use]
pub fn duration(n: u128) -> String {
    #[allow(clippy::cast_precision_loss)]
    let s = n as f64 / 1e9;
    let (v, unit) = if s < 120.0 {
        (s, "seconds")
    } else if s < 7200.0 {
        (s / 60.0, "minutes")
    } else if s < 172_800.0 {
        (s / 3600.0, "hours")
    } else if s < 3.0 * 31_557_600.0 {
        (s / 86_400.0, "days")
    } else {
        (s / 31_557_600.0, "years")
    };
    format!("{v:.1} {unit}")
}

/// Append a plain-text table to `out`: columns padded to their widest cell, two spaces apart.
/// Every row has as many cells as `header`.
pub fn aligned_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
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
    fn paths_cannot_fake_lines() {
        assert_eq!(text_path("fixtures/a.json"), "fixtures/a.json");
        let p = text_path("dir\n== fake: stable/x.json");
        assert_eq!(p, "dir\\n== fake: stable/x.json");
        assert!(!p.contains('\n'));
        assert_eq!(text_path("a\u{202e}b\r"), "a\\u{202e}b\\r");
        assert_eq!(
            text_path(r"C:\data\a.json"),
            r"C:\data\a.json",
            "Windows separators stay"
        );
    }

    #[test]
    fn sizes_and_work_in_words() {
        assert_eq!(bytes(1000), "1000 bytes");
        assert_eq!(bytes(3 << 30), "3.0 GiB (3221225472 bytes)");
        assert_eq!(bytes(u128::MAX), "more than 2^128 bytes");
        assert_eq!(operations(6 * 10u128.pow(13)), "6.00e13 operations");
        assert_eq!(duration(6 * 10u128.pow(13)), "16.7 hours");
    }

    #[test]
    fn rounding_noise_prints_as_zero() {
        assert_eq!(sig_rel(3e-17, 2.0), "0");
        assert_eq!(sig_rel(3e-3, 2.0), "0.003");
    }
}
