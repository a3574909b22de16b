//! Polynomials with rational coefficients (constant term first): evaluation, interpolation,
//! division, gcd, the square-free part, Sturm sequences and root bounds — what the certified
//! route ([`crate::mean_square::certified`]) needs to isolate `γ*_exact` as an algebraic number.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// A polynomial with rational coefficients, constant term first; trailing zeros trimmed.
pub type Poly = Vec<BigRational>;

fn trim(mut p: Poly) -> Poly {
    while p.last().is_some_and(Zero::is_zero) {
        p.pop();
    }
    p
}

pub(crate) fn degree(p: &Poly) -> Option<usize> {
    p.iter().rposition(|c| !c.is_zero())
}

/// The value of `p` at `x` (Horner).
#[must_use]
pub fn eval(p: &[BigRational], x: &BigRational) -> BigRational {
    p.iter()
        .rev()
        .fold(BigRational::zero(), |acc, c| acc * x + c)
}

/// The polynomial of degree `< xs.len()` through `(xs[k], ys[k])` (Newton's divided
/// differences, expanded).
pub(crate) fn interpolate(xs: &[BigRational], ys: &[BigRational]) -> Poly {
    let n = xs.len();
    let mut coef = ys.to_vec();
    for j in 1..n {
        for i in (j..n).rev() {
            coef[i] = (&coef[i] - &coef[i - 1]) / (&xs[i] - &xs[i - j]);
        }
    }
    // Horner on the Newton form: p = coef[n−1]; p = p·(x − xs[i]) + coef[i].
    let mut p: Poly = vec![coef[n - 1].clone()];
    for i in (0..n - 1).rev() {
        let mut next = vec![BigRational::zero(); p.len() + 1];
        for (k, c) in p.iter().enumerate() {
            next[k + 1] += c;
            next[k] -= c * &xs[i];
        }
        next[0] += &coef[i];
        p = next;
    }
    trim(p)
}

fn derivative(p: &Poly) -> Poly {
    trim(
        p.iter()
            .enumerate()
            .skip(1)
            .map(|(k, c)| c * BigRational::from_integer(BigInt::from(k)))
            .collect(),
    )
}

/// The quotient and remainder of `a` divided by `b` (`b ≠ 0`).
fn div_rem(a: &Poly, b: &Poly) -> (Poly, Poly) {
    let db = degree(b).expect("non-zero divisor");
    let lead = b[db].clone();
    let mut r = trim(a.clone());
    let mut q = match degree(&r) {
        Some(da) if da >= db => vec![BigRational::zero(); da - db + 1],
        _ => Vec::new(),
    };
    while let Some(dr) = degree(&r) {
        if dr < db {
            break;
        }
        let f = &r[dr] / &lead;
        for k in 0..=db {
            let t = &f * &b[k];
            r[dr - db + k] -= t;
        }
        q[dr - db] = f;
        r = trim(r);
    }
    (trim(q), r)
}

/// The remainder of `a` divided by `b` (`b ≠ 0`).
fn rem(a: &Poly, b: &Poly) -> Poly {
    div_rem(a, b).1
}

/// The quotient of `a` by `b`, assuming exact division.
fn quotient(a: &Poly, b: &Poly) -> Poly {
    div_rem(a, b).0
}

fn gcd(a: &Poly, b: &Poly) -> Poly {
    let (mut a, mut b) = (trim(a.clone()), trim(b.clone()));
    while degree(&b).is_some() {
        let r = rem(&a, &b);
        a = b;
        b = r;
    }
    a
}

/// `p / gcd(p, p')`: the same roots, each simple.
pub(crate) fn square_free(p: &Poly) -> Poly {
    let g = gcd(p, &derivative(p));
    if degree(&g).unwrap_or(0) == 0 {
        return trim(p.clone());
    }
    quotient(p, &g)
}

/// The polynomial remainder of `a` by `b`: `a mod b`.
#[must_use]
pub fn poly_rem(a: &[BigRational], b: &[BigRational]) -> Vec<BigRational> {
    rem(&a.to_vec(), &b.to_vec())
}

pub(crate) fn sturm_sequence(f: &Poly) -> Vec<Poly> {
    let mut seq = vec![f.clone(), derivative(f)];
    while degree(seq.last().expect("non-empty")).is_some_and(|d| d > 0) {
        let n = seq.len();
        let r = rem(&seq[n - 2], &seq[n - 1]);
        if degree(&r).is_none() {
            break;
        }
        seq.push(r.into_iter().map(|c| -c).collect());
    }
    seq
}

/// Sign variations of the Sturm sequence at `x` (zeros skipped).
pub(crate) fn variations(seq: &[Poly], x: &BigRational) -> i64 {
    let mut last = 0i8;
    let mut v = 0;
    for p in seq {
        let s = eval(p, x);
        let sign = if s.is_positive() {
            1
        } else if s.is_negative() {
            -1
        } else {
            0
        };
        if sign != 0 {
            if last != 0 && sign != last {
                v += 1;
            }
            last = sign;
        }
    }
    v
}

/// `1 + max |a_k / a_n|`: every root has modulus below it.
pub(crate) fn cauchy_bound(p: &Poly) -> BigRational {
    let n = degree(p).expect("non-zero polynomial");
    let lead = p[n].abs();
    p[..n]
        .iter()
        .map(|c| c.abs() / &lead)
        .fold(BigRational::zero(), |m, x| if x > m { x } else { m })
        + BigRational::one()
}

/// The rational polynomial scaled to coprime integers with a positive leading coefficient.
pub(crate) fn primitive_integer(p: &Poly) -> Vec<BigInt> {
    let lcm = p.iter().fold(BigInt::one(), |l, c| {
        let g = int_gcd(&l, c.denom());
        &l / g * c.denom()
    });
    let ints: Vec<BigInt> = p
        .iter()
        .map(|c| (c * BigRational::from_integer(lcm.clone())).to_integer())
        .collect();
    let g = ints.iter().fold(BigInt::zero(), |g, c| int_gcd(&g, c));
    let sign = if ints.last().is_some_and(Signed::is_negative) {
        -BigInt::one()
    } else {
        BigInt::one()
    };
    ints.into_iter().map(|c| c / &g * &sign).collect()
}

/// The non-negative gcd of two integers (Euclid).
fn int_gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.abs(), b.abs());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(n))
    }

    #[test]
    fn interpolation_square_free_and_sturm() {
        // (x − 1)²(x − 3) = x³ − 5x² + 7x − 3.
        let p: Poly = vec![q(-3), q(7), q(-5), q(1)];
        let xs: Vec<BigRational> = (0..4).map(q).collect();
        let ys: Vec<BigRational> = xs.iter().map(|x| eval(&p, x)).collect();
        assert_eq!(interpolate(&xs, &ys), p);
        let f = square_free(&p);
        assert_eq!(
            primitive_integer(&f),
            vec![BigInt::from(3), BigInt::from(-4), BigInt::from(1)]
        );
        let s = sturm_sequence(&f);
        assert_eq!(variations(&s, &q(0)) - variations(&s, &q(4)), 2);
        assert_eq!(variations(&s, &q(0)) - variations(&s, &q(2)), 1);
    }
}
