//! Exact arithmetic, and scalar-generic dense arithmetic: the same code runs on `f64` and on
//! exact rationals (`num_rational::BigRational`), where faer cannot go.
//!
//! faer does every floating-point decomposition in the toolkit; this module exists for
//! arithmetic that must be exact (rational fixtures, the certified route, the derivation
//! checker) and serves as an independent second route in tests. [`Matrix`]: the one dense
//! matrix (rectangular, row-major, any entry type; `+`, `−`, `·` over the [`Scalar`]s);
//! [`ExactMoments`]: `H`, `Σ` and `c` of Theorem 3.3 on it; [`poly`]: univariate polynomials
//! over the rationals ([`poly::UPoly`]: gcd, square-free parts, Sturm sequences, root
//! isolation); [`rational`]: exact PSD decisions, null spaces, determinants, characteristic
//! polynomials and isolated eigenvalues of rational matrices. Polynomials and rational matrices
//! charge a per-thread work meter (`work`), so the derivation checker can bound what a step
//! spends; elsewhere it has no limit.

mod matrix;
pub mod poly;
pub mod rational;
pub(crate) mod work;

pub use matrix::Matrix;

use crate::instance::Sampling;
use crate::moments::batch_factor;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{FromPrimitive, Num};

/// The scalars the exact route accepts: a field with conversion from integers.
pub trait Scalar: Num + FromPrimitive + Clone + std::fmt::Debug {}
impl<T: Num + FromPrimitive + Clone + std::fmt::Debug> Scalar for T {}

/// `H`, `Σ` and `c` of Theorem 3.3 in exact arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactMoments<T> {
    /// `H = mean H_i`.
    pub h: Matrix<T>,
    /// `Σ = mean H_i² − H²`.
    pub sigma: Matrix<T>,
    /// The batch factor `c`.
    pub c: T,
}

impl<T: Scalar> ExactMoments<T> {
    /// The moments of `hessians` for batch size `b` and `sampling`.
    ///
    /// # Panics
    /// If `hessians` is empty or the dimensions differ (validate with [`crate::Instance`] first).
    #[must_use]
    pub fn of(hessians: &[Matrix<T>], b: usize, sampling: Sampling) -> Self {
        let n = hessians.len();
        let d = hessians[0].dim();
        let inv_n = T::one() / T::from_usize(n).expect("N converts");
        let mut h = Matrix::zeros(d, d);
        let mut sq = Matrix::zeros(d, d);
        for hi in hessians {
            h = &h + hi;
            sq = &sq + &(hi * hi);
        }
        let h = h.scaled(&inv_n);
        let sigma = &sq.scaled(&inv_n) - &(&h * &h);
        Self {
            h,
            sigma,
            c: batch_factor(n, b, sampling),
        }
    }

    /// `(I − γH)² + γ²cΣ`.
    #[must_use]
    pub fn thm33_matrix(&self, gamma: &T) -> Matrix<T> {
        let d = self.h.dim();
        let m = &Matrix::identity(d) - &self.h.scaled(gamma);
        let g2c = gamma.clone() * gamma.clone() * self.c.clone();
        &(&m * &m) + &self.sigma.scaled(&g2c)
    }
}

/// The exact rational closest to an `f64` (every finite `f64` is a rational).
///
/// # Panics
/// If `x` is not finite.
#[must_use]
pub fn rational_from_f64(x: f64) -> BigRational {
    BigRational::from_float(x).expect("finite f64")
}

/// The integer `k` as an exact rational.
#[must_use]
pub fn integer(k: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(k))
}

/// The rational a person wrote: the shortest decimal that rounds to `x` (Rust's round-trip
/// formatting), read exactly. `0.45` gives `9/20`, where [`rational_from_f64`] gives the binary
/// fraction `0.450000000000000011102…`. For numbers written with at most 15 significant digits
/// this is the number as written in the file.
///
/// # Panics
/// If `x` is not finite.
#[must_use]
pub fn rational_from_decimal_f64(x: f64) -> BigRational {
    assert!(x.is_finite(), "finite f64");
    let s = format!("{x:e}"); // shortest round-trip: "-4.5e-1"
    let (mantissa, exp) = s.split_once('e').expect("scientific format");
    let exp: i32 = exp.parse().expect("integer exponent");
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: BigInt = format!("{int_part}{frac_part}")
        .parse()
        .expect("decimal digits");
    let shift = exp - i32::try_from(frac_part.len()).expect("short mantissa");
    let ten = BigInt::from(10);
    let pow = |k: i32| {
        num_traits::pow(
            ten.clone(),
            usize::try_from(k.unsigned_abs()).expect("small"),
        )
    };
    if shift >= 0 {
        BigRational::from_integer(digits * pow(shift))
    } else {
        BigRational::new(digits, pow(shift))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn one_dimensional_sigma_is_variance() {
        // H_i = 1, 2, 3, 6: mean 3, mean of squares 50/4, Σ = 12.5 − 9 = 7/2.
        let hs: Vec<Matrix<BigRational>> = [1, 2, 3, 6]
            .iter()
            .map(|&v| Matrix::from_fn(1, 1, |_, _| q(v, 1)))
            .collect();
        let m = ExactMoments::of(&hs, 2, Sampling::WithoutReplacement);
        assert_eq!(m.h.get(0, 0), &q(3, 1));
        assert_eq!(m.sigma.get(0, 0), &q(7, 2));
        assert_eq!(m.c, q(1, 3));
    }

    #[test]
    fn decimals_are_read_as_written() {
        assert_eq!(rational_from_decimal_f64(0.45), q(9, 20));
        assert_eq!(rational_from_decimal_f64(-0.48), q(-12, 25));
        assert_eq!(rational_from_decimal_f64(1200.0), q(1200, 1));
        assert_eq!(rational_from_decimal_f64(0.0), q(0, 1));
        assert_eq!(rational_from_decimal_f64(3e-7), q(3, 10_000_000));
        assert_ne!(rational_from_f64(0.45), q(9, 20));
    }
}
