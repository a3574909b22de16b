//! Certified answers for rational instances: "stable at this rational `γ`" decided exactly, and
//! `γ*` as an algebraic number (a defining polynomial with an isolating interval).
//!
//! Every `f64` input (the entries, `γ`) is read as the decimal it was written as
//! ([`crate::exact::rational_from_decimal_f64`]; gradients are multiplied out exactly), so the
//! answers are about the numbers in the file, in exact `BigRational` arithmetic.
//!
//! Stability `⇔ ρ(L_γ) ≤ 1 ⇔ λ_max(L_γ) ≤ 1` (`L_γ` is a positive map) `⇔ I − L_γ ⪰ 0`
//! `⇔ 2C − γD ⪰ 0` on `Sym(d)` (divide `2γC − γ²D` by `γ > 0`). In the rational,
//! non-orthonormal basis `B_p ∈ {E_ii} ∪ {E_ij + E_ji : i < j}` the bilinear form
//! `⟨P, (2C − γD)Q⟩_F` has the symmetric matrix `W = 2W_C − γW_D`,
//! `W_pq = ⟨B_p, (2C − γD)B_q⟩`; `W = Gᵀ T G` for the (invertible) change of basis `G` from the
//! orthonormal basis, so by Sylvester's law of inertia `W ⪰ 0 ⇔ 2C − γD ⪰ 0`. PSD is decided by
//! an exact `LDLᵀ` with symmetric pivoting ([`is_psd`]).
//!
//! `γ*`: for `H ≻ 0`, `W_C ≻ 0` and `2W_C − γW_D ≻ 0` on `[0, γ*)` (a convex combination of
//! `2W_C ≻ 0` and `2W_C − γ*W_D ⪰ 0`), singular at `γ*`: so `γ*` is the smallest positive root
//! of `integer(γ) = det(2W_C − γW_D)`, a polynomial of degree `≤ m = d(d+1)/2` with rational
//! coefficients, found by evaluating the determinant at `γ = 0..=m` and interpolating. Its
//! square-free part's Sturm sequence isolates the root; bisection refines the interval (the
//! polynomial arithmetic is [`crate::exact::poly`]'s, the matrix decisions
//! [`crate::exact::rational`]'s).
//!
//! [`ExactPencil`] (the `pencil` submodule) forms `(W_C, W_D)`, on `Sym(d)` or on the range of
//! the `H_i`; this module decides with it and prints the answers' intervals as decimals.
//!
//! Exact arithmetic grows fast: instances with `d >` [`MAX_D`] or more than [`MAX_WORK`]
//! rational operations are refused with an error saying so.

mod pencil;

pub use pencil::{ExactPencil, MAX_RANGE_WORK};

use crate::enumerate::hessians_exact;
use crate::error::{Error, Result};
use crate::exact::integer;
use crate::exact::poly::{Sturm, UPoly};
pub use crate::exact::rational::{determinant, is_psd, NotPsd, Psd};
use crate::exact::rational::{null_space, psd_pivots};
use crate::exact::rational_from_decimal_f64;
use crate::exact::work::bits;
use crate::instance::Instance;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// The largest `d` the certified mode accepts (`d(d+1)/2 ≤ 15`).
pub const MAX_D: usize = 5;

/// The largest `N · m²` (`m = d(d+1)/2`) the certified mode accepts when forming `W_D`.
pub const MAX_WORK: usize = 5_000_000;

/// The most bits (numerators and denominators, summed over the coefficients) that
/// `det(2W_C − γW_D)` may have before `γ*` is isolated: beyond it `γ*` is not given (the verdict
/// at `γ` still is). Decimals of 17 digits in `d = 3` give about 7,000 (its Sturm sequence about
/// 150,000, isolated and refined in about 3 seconds); entries of `1e-40` give 15,500 (more than
/// 30 seconds).
pub const MAX_POLY_BITS: u64 = 10_000;

/// The most work (bits of the Sturm sequence times bits of the point, summed over its
/// evaluations) the isolation and refinement of `γ*` may spend, about 20 seconds here: beyond
/// it `γ*` is not given (the verdict at `γ` still is). A second bound beside
/// [`MAX_POLY_BITS`], for roots that take many bisections.
pub const MAX_ROOT_WORK: u128 = 250_000_000_000;

/// The default relative width of the isolating interval of `γ*`: `10⁻³⁰`.
pub const DEFAULT_PRECISION_DIGITS: u32 = 30;

/// The certified verdict at one rational `γ`.
#[derive(Debug, Clone, PartialEq)]
pub struct CertifiedVerdict {
    /// `γ` as the rational it was written as.
    pub gamma: BigRational,
    /// Whether `2C − γD ⪰ 0`, i.e. `ρ(L_γ) ≤ 1`: decided exactly.
    pub stable: bool,
    /// The PSD decision, with the evidence when not.
    pub psd: Psd,
}

/// `γ*` as an algebraic number: the smallest positive root of [`AlgebraicGamma::polynomial`],
/// the only root in `[lo, hi]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlgebraicGamma {
    /// A defining polynomial of `γ*` with coprime integer coefficients, constant term first:
    /// the square-free part of `det(2W_C − γW_D)` (not necessarily irreducible).
    pub polynomial: Vec<BigInt>,
    /// Lower end of the isolating interval (exact).
    pub lo: BigRational,
    /// Upper end (exact); `γ* ∈ (lo, hi]`.
    pub hi: BigRational,
}

/// The certified critical learning rate.
#[derive(Debug, Clone, PartialEq)]
pub enum CertifiedCritical {
    /// `γ*` is a finite algebraic number.
    Root(AlgebraicGamma),
    /// Every `γ > 0` is stable (`D = 0`).
    Unbounded,
    /// No `γ > 0` is stable (`H` has a negative eigenvalue: `W_C` is not PSD).
    NoneAccepted,
}

/// Both certified answers for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Certified {
    /// The verdict at the instance's `γ`.
    pub verdict: CertifiedVerdict,
    /// `γ*` as an algebraic number, or why it is not given (singular `H`).
    pub critical: std::result::Result<CertifiedCritical, String>,
    /// `Some(r)` when `d >` [`MAX_D`] and the answers were computed exactly on the range of the
    /// `H_i`, of exact rank `r ≤` [`MAX_D`] ([`ExactPencil::on_range`]).
    pub range_rank: Option<usize>,
}

/// A refusal on `certified`: beyond what exact arithmetic supports or can afford.
fn refuse(message: String) -> Error {
    Error::invalid(crate::error::ErrorKind::TooLarge, "certified", message)
}

/// A refusal on `certified`: a dimension exact arithmetic does not support.
fn unsupported(message: String) -> Error {
    Error::invalid(crate::error::ErrorKind::Unsupported, "certified", message)
}

impl ExactPencil {
    /// Whether `ρ(L_γ) ≤ 1` at the rational `gamma`, decided exactly.
    #[must_use]
    pub fn verdict(&self, gamma: &BigRational) -> CertifiedVerdict {
        let psd = is_psd(self.stability_matrix(gamma));
        CertifiedVerdict {
            gamma: gamma.clone(),
            stable: psd == Psd::Yes,
            psd,
        }
    }

    /// `γ*` as an algebraic number, its isolating interval refined until
    /// `hi − lo ≤ 10^{−digits} · hi`.
    ///
    /// For a singular `H ⪰ 0` the pencil is first restricted to a complement of `ker W_C`
    /// (null directions of `H`), after checking exactly that `W_D` vanishes there (otherwise no
    /// `γ > 0` is stable).
    ///
    /// # Errors
    /// None at present; the `Result` leaves room for refusals.
    pub fn critical_gamma(&self, digits: u32) -> Result<CertifiedCritical> {
        if let Psd::No(_) = is_psd(self.w_c().clone()) {
            return Ok(CertifiedCritical::NoneAccepted);
        }
        // Singular H: both forms must vanish on K = ker W_C (a PSD form that is zero at x has
        // x in its kernel), else no γ > 0 is stable; then they live on any complement of K, and
        // the pivots J of W_C's LDLᵀ index one (W_C[J, J] ≻ 0, |J| = rank).
        for x in null_space(self.w_c().clone()) {
            let leaks = (0..self.w_d().nrows()).any(|r| {
                !self
                    .w_d()
                    .row(r)
                    .iter()
                    .zip(&x)
                    .fold(BigRational::zero(), |a, (w, v)| a + w * v)
                    .is_zero()
            });
            if leaks {
                return Ok(CertifiedCritical::NoneAccepted);
            }
        }
        let j = psd_pivots(self.w_c().clone());
        if j.is_empty() {
            return Ok(CertifiedCritical::Unbounded);
        }
        self.restricted(&j).critical_gamma_definite(digits)
    }

    /// [`ExactPencil::critical_gamma`] when `W_C ≻ 0`.
    fn critical_gamma_definite(&self, digits: u32) -> Result<CertifiedCritical> {
        let m = self.w_c().dim();
        // integer(γ) = det(2W_C − γW_D) at γ = 0..=m, interpolated.
        let xs: Vec<BigRational> = (0..=m)
            .map(|k| integer(i64::try_from(k).expect("small")))
            .collect();
        let ys: Vec<BigRational> = xs
            .iter()
            .map(|x| determinant(self.stability_matrix(x)))
            .collect();
        let poly = UPoly::interpolate(&xs, &ys);
        let poly_bits: u64 = poly.coeffs().iter().map(bits).sum();
        if poly_bits > MAX_POLY_BITS {
            return Err(refuse(format!(
                "its polynomial det(2W_C − γW_D) has coefficients of {poly_bits} bits in all, more than the limit of {MAX_POLY_BITS} (the inputs' decimals are too long or their exponents too large for exact root isolation)"
            )));
        }
        let f = poly.squarefree_euclid();
        if f.degree().unwrap_or(0) == 0 {
            return Ok(CertifiedCritical::Unbounded);
        }
        let sturm = Sturm::of(&f);
        let sturm_bits: u128 = sturm
            .members()
            .iter()
            .flat_map(UPoly::coeffs)
            .map(|c| u128::from(bits(c)))
            .sum();
        let spent = std::cell::Cell::new(0u128);
        let count = |a: &BigRational, b: &BigRational| -> Result<usize> {
            // Horner's rule on the sequence at a point of `bits(x)` bits.
            let cost = sturm_bits * u128::from(bits(a) + bits(b) + 64);
            spent.set(spent.get().saturating_add(cost));
            if spent.get() > MAX_ROOT_WORK {
                return Err(refuse(format!(
                    "isolating it exactly would take more than {MAX_ROOT_WORK} bit-operations (its Sturm sequence has {sturm_bits} bits); the inputs' decimals are too long or their exponents too large"
                )));
            }
            Ok(sturm.count(a, b))
        };

        let mut hi = f.cauchy_bound();
        let mut lo = BigRational::zero();
        if count(&lo, &hi)? == 0 {
            return Ok(CertifiedCritical::Unbounded);
        }
        // Isolate the smallest positive root in (lo, hi].
        while count(&lo, &hi)? > 1 {
            let mid = (&lo + &hi) / integer(2);
            if count(&lo, &mid)? >= 1 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let rel = BigRational::new(
            BigInt::one(),
            num_traits::pow(BigInt::from(10), digits as usize),
        );
        while lo.is_zero() || &hi - &lo > &rel * &hi {
            let mid = (&lo + &hi) / integer(2);
            if count(&lo, &mid)? == 1 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(CertifiedCritical::Root(AlgebraicGamma {
            polynomial: f.primitive_integer(),
            lo,
            hi,
        }))
    }
}

/// Both certified answers for `instance`: the verdict at its `γ` (as written) and `γ*` refined
/// to `digits` significant digits.
///
/// # Errors
/// As [`ExactPencil::of`] (too large for exact arithmetic; random reshuffling). A singular `H` is not an error: the
/// verdict is given and [`Certified::critical`] says why `γ*` is not.
pub fn certified(instance: &Instance, digits: u32) -> Result<Certified> {
    certified_exact(instance, None, digits)
}

/// [`certified`] on the numbers as written ([`crate::load::ExactInputs`]: the decimals of a JSON
/// file, `--gamma` as typed) rather than on the shortest decimals of the instance's `f64`s, which
/// can differ (`0.96000000000000000001` is the `f64` `0.96`). `None`: as [`certified`].
///
/// # Errors
/// As [`certified`].
pub fn certified_exact(
    instance: &Instance,
    exact: Option<crate::load::ExactInputs>,
    digits: u32,
) -> Result<Certified> {
    let (samples, gamma) = match exact {
        Some(e) => (e.samples, e.gamma),
        None => (
            decimal_samples(instance),
            rational_from_decimal_f64(instance.gamma().get()),
        ),
    };
    let d = instance.d();
    let (pencil, range_rank) = if d <= MAX_D {
        let hs = match samples {
            crate::load::ExactSamples::Hessians(hs) => hs,
            g @ crate::load::ExactSamples::Gradients(_) => crate::load::ExactInputs {
                samples: g,
                gamma: gamma.clone(),
            }
            .hessians(),
        };
        (ExactPencil::with_hessians(instance, Some(hs))?, None)
    } else {
        match ExactPencil::on_range(instance, &samples)? {
            Ok(p) => {
                let r = p.d();
                (p, Some(r))
            }
            Err(rank) => {
                return Err(unsupported(format!(
                    "certified (exact rational) mode supports d ≤ {MAX_D}, or a larger d whose H_i span a range of rank ≤ {MAX_D}; here d = {d} and the rank is at least {rank}"
                )))
            }
        }
    };
    let verdict = pencil.verdict(&gamma);
    let critical = match pencil.critical_gamma(digits) {
        Ok(c) => Ok(c),
        Err(Error::Input { message, .. }) => Err(message),
        Err(e) => return Err(e),
    };
    Ok(Certified {
        verdict,
        critical,
        range_rank,
    })
}

/// The samples read as the shortest decimals of their `f64`s (gradients kept as vectors).
fn decimal_samples(instance: &Instance) -> crate::load::ExactSamples {
    use crate::instance::Samples;
    match instance.samples() {
        Samples::Hessians(_) => {
            crate::load::ExactSamples::Hessians(hessians_exact(instance.samples()))
        }
        Samples::Gradients(g) => crate::load::ExactSamples::Gradients(
            (0..instance.n())
                .map(|i| {
                    g.row(i)
                        .iter()
                        .map(|&x| rational_from_decimal_f64(x))
                        .collect()
                })
                .collect(),
        ),
    }
}

/// `x` as a decimal string with `decimals` digits after the point, rounded down (`up = false`)
/// or up, so that an interval printed this way still contains what it contained.
#[must_use]
pub fn decimal(x: &BigRational, decimals: u32, up: bool) -> String {
    let scale = num_traits::pow(BigInt::from(10), decimals as usize);
    let scaled = x * BigRational::from_integer(scale);
    let int = if up { scaled.ceil() } else { scaled.floor() }.to_integer();
    let neg = int.is_negative();
    let digits = int.abs().to_string();
    let d = decimals as usize;
    let padded = if digits.len() <= d {
        format!("{}{digits}", "0".repeat(d + 1 - digits.len()))
    } else {
        digits
    };
    let (a, b) = padded.split_at(padded.len() - d);
    let sign = if neg { "-" } else { "" };
    if d == 0 {
        format!("{sign}{a}")
    } else {
        format!("{sign}{a}.{b}")
    }
}

impl AlgebraicGamma {
    /// The interval as decimal strings with enough digits to show `digits` significant digits
    /// of `γ*`, `lo` rounded down and `hi` rounded up (so it still contains `γ*`).
    #[must_use]
    pub fn decimal_interval(&self, digits: u32) -> (String, String) {
        // Digits after the point: `digits` significant digits of `hi`, plus two.
        let mut mag: i64 = 0;
        let ten = integer(10);
        let mut x = self.hi.clone();
        while x >= ten {
            x /= &ten;
            mag += 1;
        }
        while x < BigRational::one() && mag > -400 {
            x *= &ten;
            mag -= 1;
        }
        let decimals = u32::try_from((i64::from(digits) + 2 - mag).max(0)).unwrap_or(0);
        (
            decimal(&self.lo, decimals, false),
            decimal(&self.hi, decimals, true),
        )
    }

    /// The midpoint of the interval as an `f64`.
    #[must_use]
    pub fn to_f64(&self) -> f64 {
        use num_traits::ToPrimitive;
        ((&self.lo + &self.hi) / integer(2))
            .to_f64()
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::Matrix;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    /// A repeated root: every `H_i = I` (`d = 2`) gives `L_γ(Q) = (1 − γ)²Q`, so
    /// `det(2W_C − γW_D) = (2 − γ)³ det W_C` and its square-free part is `γ − 2`: `γ* = 2`,
    /// stable there (`ρ = 1`), and the verdict must say no just above it.
    #[test]
    fn a_repeated_root_gives_gamma_star_two_and_no_above_it() {
        let id = Matrix::identity(2);
        let pencil = ExactPencil::from_hessians(2, &[id.clone(), id], &r(1, 2));
        let CertifiedCritical::Root(g) = pencil.critical_gamma(30).unwrap() else {
            panic!("γ* = 2 expected");
        };
        assert_eq!(g.polynomial, vec![BigInt::from(-2), BigInt::from(1)]);
        assert!(
            g.lo < integer(2) && integer(2) <= g.hi,
            "({}, {}]",
            g.lo,
            g.hi
        );
        assert!(pencil.verdict(&integer(2)).stable);
        let above = pencil.verdict(&(integer(2) + r(1, 1_000_000)));
        assert!(!above.stable);
        assert!(matches!(above.psd, Psd::No(NotPsd::NegativePivot { .. })));
    }

    #[test]
    fn decimals_round_outward() {
        assert_eq!(decimal(&r(1, 3), 3, false), "0.333");
        assert_eq!(decimal(&r(1, 3), 3, true), "0.334");
        assert_eq!(decimal(&r(-5, 2), 0, true), "-2");
        assert_eq!(decimal(&r(1, 200), 2, true), "0.01");
    }
}
