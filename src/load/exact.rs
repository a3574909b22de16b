//! The numbers of an instance exactly as written, for the exact rational modes
//! (`analyze --certified`, `enumerate --exact`): a JSON file's decimals read from its text, a
//! `.npy` file's entries as the binary fractions they are, `--gamma` as typed.

use super::input;
use crate::error::{Error, ErrorKind, Result};
use crate::instance::{Instance, Samples};

/// The numbers of an instance exactly as written, for the certified (exact rational) mode: the
/// samples and `γ`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactInputs {
    /// The Hessians, or the gradients (kept as vectors: `g_i g_iᵀ` is `d×d`, and `d` may be
    /// large when the certified mode works on the range of the `H_i`).
    pub samples: ExactSamples,
    /// `γ` as written (in the file, or on the command line).
    pub gamma: num_rational::BigRational,
}

/// The per-sample curvature in exact rationals.
#[derive(Debug, Clone, PartialEq)]
pub enum ExactSamples {
    /// `H_i`, symmetrized as `(H_i + H_iᵀ)/2` exactly.
    Hessians(Vec<crate::exact::Matrix<num_rational::BigRational>>),
    /// `g_i` (`H_i = g_i g_iᵀ`).
    Gradients(Vec<Vec<num_rational::BigRational>>),
}

impl ExactInputs {
    /// The Hessians `H_i` (gradients multiplied out): `N` rational `d×d` matrices, so only for
    /// small `d`.
    #[must_use]
    pub fn hessians(&self) -> Vec<crate::exact::Matrix<num_rational::BigRational>> {
        use crate::exact::Matrix;
        match &self.samples {
            ExactSamples::Hessians(hs) => hs.clone(),
            ExactSamples::Gradients(gs) => gs
                .iter()
                .map(|g| Matrix::from_fn(g.len(), g.len(), |r, c| &g[r] * &g[c]))
                .collect(),
        }
    }
}

/// The longest decimal significand (in digits) and the largest decimal exponent the certified
/// mode reads exactly: every finite `f64` is written within these, and anything longer would
/// only make rationals too large to work with.
pub const EXACT_MAX_DIGITS: usize = 800;
/// See [`EXACT_MAX_DIGITS`].
pub const EXACT_MAX_EXPONENT: i64 = 800;

/// A JSON number's text (`-12.5e-3`) as the rational it denotes, exactly.
///
/// # Errors
/// A message when the text is not a JSON number, or its significand is longer than
/// [`EXACT_MAX_DIGITS`] digits or its exponent beyond ±[`EXACT_MAX_EXPONENT`].
pub fn rational_from_decimal_text(
    text: &str,
) -> std::result::Result<num_rational::BigRational, String> {
    use num_bigint::BigInt;
    let t = text.trim();
    let (neg, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(k) => (&rest[..k], &rest[k + 1..]),
        None => (rest, "0"),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int_part}{frac_part}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not a decimal number"));
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > EXACT_MAX_DIGITS {
        return Err(format!(
            "{}… has {} significant digits, more than the {EXACT_MAX_DIGITS} the exact mode reads",
            &t[..20.min(t.len())],
            significant.len()
        ));
    }
    let exp: i64 = exp
        .parse()
        .ok()
        .filter(|e: &i64| e.abs() <= EXACT_MAX_EXPONENT)
        .ok_or_else(|| {
            format!("{t:?} has an exponent beyond ±{EXACT_MAX_EXPONENT}, which the exact mode does not read")
        })?;
    let shift = exp - i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    if shift.abs() > EXACT_MAX_EXPONENT + EXACT_MAX_DIGITS as i64 {
        return Err(format!("{t:?} is too long for the exact mode"));
    }
    let mut n: BigInt = if significant.is_empty() {
        BigInt::from(0)
    } else {
        significant
            .parse()
            .map_err(|_| format!("{t:?} is not a decimal number"))?
    };
    if neg {
        n = -n;
    }
    let pow = num_traits::pow(
        BigInt::from(10),
        usize::try_from(shift.unsigned_abs()).unwrap_or(0),
    );
    Ok(if shift >= 0 {
        num_rational::BigRational::from_integer(n * pow)
    } else {
        num_rational::BigRational::new(n, pow)
    })
}

/// The exact numbers of a JSON instance file's text (`bytes` already parsed by
/// [`super::instance_from_json`], so the shape is known good), with `γ` from `gamma_text` when given
/// (the command line's `--gamma`, as written there).
///
/// # Errors
/// [`Error::Input`] naming `origin` and the field whose number cannot be read exactly
/// ([`rational_from_decimal_text`]).
pub fn exact_inputs_from_json(
    bytes: &[u8],
    origin: &str,
    gamma_text: Option<&str>,
) -> Result<ExactInputs> {
    use crate::exact::Matrix;
    use num_rational::BigRational;
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        hessians: Option<Vec<Vec<Vec<&'a RawValue>>>>,
        #[serde(borrow)]
        gradients: Option<Vec<Vec<&'a RawValue>>>,
        #[serde(borrow)]
        gamma: Option<&'a RawValue>,
    }
    let raw: Raw<'_> = serde_json::from_slice(bytes).map_err(|e| {
        input(
            ErrorKind::Malformed,
            origin,
            "(top level)",
            format!("reading the numbers exactly: {e}"),
        )
    })?;
    let exact = |field: &str, v: &RawValue| {
        rational_from_decimal_text(v.get())
            .map_err(|m| input(ErrorKind::Malformed, origin, field, m))
    };
    let half = BigRational::new(1.into(), 2.into());
    let samples = match (raw.hessians, raw.gradients) {
        (Some(hs), _) => ExactSamples::Hessians(
            hs.iter()
                .enumerate()
                .map(|(i, m)| {
                    let rows = m
                        .iter()
                        .enumerate()
                        .map(|(r, row)| {
                            row.iter()
                                .enumerate()
                                .map(|(c, v)| exact(&format!("hessians[{i}][{r}][{c}]"), v))
                                .collect::<Result<Vec<_>>>()
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(Matrix::from_fn(rows.len(), rows.len(), |r, c| {
                        (&rows[r][c] + &rows[c][r]) * &half
                    }))
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        (None, Some(gs)) => ExactSamples::Gradients(
            gs.iter()
                .enumerate()
                .map(|(i, g)| {
                    g.iter()
                        .enumerate()
                        .map(|(j, v)| exact(&format!("gradients[{i}][{j}]"), v))
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        (None, None) => {
            return Err(input(
                ErrorKind::Missing,
                origin,
                "hessians/gradients",
                "missing",
            ))
        }
    };
    let gamma = match (gamma_text, raw.gamma) {
        (Some(t), _) => rational_from_decimal_text(t)
            .map_err(|m| input(ErrorKind::Malformed, origin, "gamma", m))?,
        (None, Some(v)) => exact("gamma", v)?,
        (None, None) => return Err(input(ErrorKind::Missing, origin, "gamma", "missing")),
    };
    Ok(ExactInputs { samples, gamma })
}

/// The exact numbers of an instance loaded from a `.npy` file (or built in memory): the `f64`
/// entries are binary fractions, and each is read as the exact rational it is; `γ` from
/// `gamma_text` (as written on the command line) when given.
///
/// # Errors
/// [`Error::Input`] on `gamma` when `gamma_text` is not a decimal number.
pub fn exact_inputs_of_binary(
    instance: &Instance,
    gamma_text: Option<&str>,
) -> Result<ExactInputs> {
    use crate::exact::Matrix;
    use num_rational::BigRational;
    let exact = |x: f64| BigRational::from_float(x).expect("entries are finite");
    let d = instance.d();
    let samples = match instance.samples() {
        Samples::Hessians(hs) => ExactSamples::Hessians(
            hs.iter()
                .map(|h| Matrix::from_fn(d, d, |r, c| exact(h[(r, c)])))
                .collect(),
        ),
        Samples::Gradients(g) => ExactSamples::Gradients(
            (0..instance.n())
                .map(|i| g.row(i).iter().map(|&x| exact(x)).collect())
                .collect(),
        ),
    };
    let gamma = match gamma_text {
        Some(t) => rational_from_decimal_text(t)
            .map_err(|m| Error::invalid(crate::error::ErrorKind::Malformed, "gamma", m))?,
        None => exact(instance.gamma().get()),
    };
    Ok(ExactInputs { samples, gamma })
}
