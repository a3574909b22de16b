//! Univariate polynomials over the rationals ([`UPoly`]): arithmetic, interpolation, division,
//! gcd, square-free parts and factorization, Sturm sequences ([`Sturm`]), root bounds and
//! real-root isolation to any width. The certified route
//! ([`crate::mean_square::certified`]) isolates `γ*_exact` with them; the derivation checker
//! (`proof`) decides eigenvalue comparisons and scalar signs.
//!
//! Division, isolation and the integer signs charge the work meter (`exact::work`), which
//! stops a metered computation (the checker's) at its limit and costs nothing elsewhere.

use super::work;
use crate::exact::integer;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::cmp::Ordering;

/// `p(t) = Σ c_k t^k` with rational coefficients, constant term first, no trailing zeros (the
/// zero polynomial has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UPoly {
    c: Vec<BigRational>,
}

impl UPoly {
    /// The polynomial with coefficients `c` (constant term first; trailing zeros dropped).
    #[must_use]
    pub fn new(mut c: Vec<BigRational>) -> Self {
        while c.last().is_some_and(Zero::is_zero) {
            c.pop();
        }
        Self { c }
    }

    /// The constant `x`.
    #[must_use]
    pub fn constant(x: BigRational) -> Self {
        Self::new(vec![x])
    }

    /// `t`.
    #[must_use]
    pub fn t() -> Self {
        Self::new(vec![integer(0), integer(1)])
    }

    /// The polynomial of degree `< xs.len()` through `(xs[k], ys[k])` (Newton's divided
    /// differences, expanded; the `xs` distinct).
    ///
    /// # Panics
    /// If `xs` is empty or shorter than `ys`.
    #[must_use]
    pub fn interpolate(xs: &[BigRational], ys: &[BigRational]) -> Self {
        let n = xs.len();
        let mut coef = ys.to_vec();
        for j in 1..n {
            for i in (j..n).rev() {
                coef[i] = (&coef[i] - &coef[i - 1]) / (&xs[i] - &xs[i - j]);
            }
        }
        // Horner on the Newton form: p = coef[n−1]; p = p·(t − xs[i]) + coef[i].
        let mut p = vec![coef[n - 1].clone()];
        for i in (0..n - 1).rev() {
            let mut next = vec![BigRational::zero(); p.len() + 1];
            for (k, c) in p.iter().enumerate() {
                next[k + 1] += c;
                next[k] -= c * &xs[i];
            }
            next[0] += &coef[i];
            p = next;
        }
        Self::new(p)
    }

    /// The coefficients, constant term first (empty for 0).
    #[must_use]
    pub fn coeffs(&self) -> &[BigRational] {
        &self.c
    }

    /// Whether this is the zero polynomial.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.c.is_empty()
    }

    /// The degree (`None` for 0).
    #[must_use]
    pub fn degree(&self) -> Option<usize> {
        self.c.len().checked_sub(1)
    }

    /// The leading coefficient (0 for 0).
    #[must_use]
    pub fn lead(&self) -> BigRational {
        self.c.last().cloned().unwrap_or_else(BigRational::zero)
    }

    /// The value at `x` (Horner).
    #[must_use]
    pub fn eval(&self, x: &BigRational) -> BigRational {
        let mut acc = BigRational::zero();
        for c in self.c.iter().rev() {
            acc = acc * x + c;
        }
        acc
    }

    /// The sign at `x`.
    #[must_use]
    pub fn sign_at(&self, x: &BigRational) -> Ordering {
        self.eval(x).cmp(&BigRational::zero())
    }

    /// `p + o`.
    #[must_use]
    pub fn add(&self, o: &Self) -> Self {
        let n = self.c.len().max(o.c.len());
        Self::new(
            (0..n)
                .map(|k| {
                    self.c.get(k).cloned().unwrap_or_else(BigRational::zero)
                        + o.c.get(k).cloned().unwrap_or_else(BigRational::zero)
                })
                .collect(),
        )
    }

    /// `−p`.
    #[must_use]
    pub fn neg(&self) -> Self {
        Self::new(self.c.iter().map(|x| -x).collect())
    }

    /// `p − o`.
    #[must_use]
    pub fn sub(&self, o: &Self) -> Self {
        self.add(&o.neg())
    }

    /// `p · o`.
    #[must_use]
    pub fn mul(&self, o: &Self) -> Self {
        if self.is_zero() || o.is_zero() {
            return Self::new(Vec::new());
        }
        let mut c = vec![BigRational::zero(); self.c.len() + o.c.len() - 1];
        for (i, a) in self.c.iter().enumerate() {
            for (j, b) in o.c.iter().enumerate() {
                c[i + j] += a * b;
            }
        }
        Self::new(c)
    }

    /// `s · p`.
    #[must_use]
    pub fn scale(&self, s: &BigRational) -> Self {
        Self::new(self.c.iter().map(|x| x * s).collect())
    }

    /// `p'`.
    #[must_use]
    pub fn derivative(&self) -> Self {
        Self::new(
            self.c
                .iter()
                .enumerate()
                .skip(1)
                .map(|(k, x)| x * integer(i64::try_from(k).unwrap_or(i64::MAX)))
                .collect(),
        )
    }

    /// The quotient and the remainder of `p` divided by `d`.
    ///
    /// # Panics
    /// If `d` is the zero polynomial.
    #[must_use]
    pub fn divmod(&self, d: &Self) -> (Self, Self) {
        assert!(!d.is_zero(), "division by the zero polynomial");
        let mut r = self.clone();
        let dd = d.c.len() - 1;
        let mut qt = vec![BigRational::zero(); self.c.len().saturating_sub(dd)];
        let lead = d.lead();
        while let Some(rd) = r.degree() {
            if rd < dd {
                break;
            }
            let k = rd - dd;
            let f = r.lead() / &lead;
            for (j, x) in d.c.iter().enumerate() {
                work::charge_reduced(&f, x);
                r.c[k + j] -= &f * x;
            }
            qt[k] = f;
            r = Self::new(r.c);
        }
        (Self::new(qt), r)
    }

    /// Euclid's algorithm: the last non-zero remainder of `p` and `o`, a greatest common
    /// divisor up to a constant factor (0 when both are 0).
    #[must_use]
    pub fn euclid(&self, o: &Self) -> Self {
        let (mut a, mut b) = (self.clone(), o.clone());
        while !b.is_zero() {
            let (_, r) = a.divmod(&b);
            a = b;
            b = r;
        }
        a
    }

    /// The monic greatest common divisor (0 when both are 0).
    #[must_use]
    pub fn gcd(&self, o: &Self) -> Self {
        let a = self.euclid(o);
        if a.is_zero() {
            return a;
        }
        let l = a.lead();
        a.scale(&(BigRational::one() / l))
    }

    /// `p / gcd(p, p')` with the monic gcd: the same roots, each simple, and `p`'s leading
    /// coefficient.
    #[must_use]
    pub fn squarefree(&self) -> Self {
        if self.degree().unwrap_or(0) == 0 {
            return self.clone();
        }
        let g = self.gcd(&self.derivative());
        self.divmod(&g).0
    }

    /// `p / r` for `r` = [`UPoly::euclid`]`(p, p')` as Euclid leaves it (not monic), and `p`
    /// itself when `r` is a constant: [`UPoly::squarefree`] up to a constant factor. The
    /// certified route takes this one, whose Sturm sequence its work budget has always been
    /// counted on (`MAX_ROOT_WORK`).
    #[must_use]
    pub fn squarefree_euclid(&self) -> Self {
        let g = self.euclid(&self.derivative());
        if g.degree().unwrap_or(0) == 0 {
            return self.clone();
        }
        self.divmod(&g).0
    }

    /// Square-free factorization (Yun): `p = const · Π a_k^k`, returned as `(a_k, k)` for
    /// non-constant `a_k`.
    #[must_use]
    pub fn squarefree_factors(&self) -> Vec<(Self, usize)> {
        let mut out = Vec::new();
        if self.degree().unwrap_or(0) == 0 {
            return out;
        }
        let dp = self.derivative();
        let a = self.gcd(&dp);
        let mut b = self.divmod(&a).0;
        let mut c = dp.divmod(&a).0;
        let mut d = c.sub(&b.derivative());
        let mut k = 1;
        while b.degree().unwrap_or(0) > 0 {
            let g = b.gcd(&d);
            if g.degree().unwrap_or(0) > 0 {
                out.push((g.clone(), k));
            }
            b = b.divmod(&g).0;
            c = d.divmod(&g).0;
            d = c.sub(&b.derivative());
            k += 1;
        }
        out
    }

    /// The coefficients scaled to coprime integers with a positive leading coefficient.
    ///
    /// # Panics
    /// If `p` is the zero polynomial.
    #[must_use]
    pub fn primitive_integer(&self) -> Vec<BigInt> {
        let lcm = self.c.iter().fold(BigInt::one(), |l, c| l.lcm(c.denom()));
        let ints: Vec<BigInt> = self
            .c
            .iter()
            .map(|c| (c * BigRational::from_integer(lcm.clone())).to_integer())
            .collect();
        let g = ints.iter().fold(BigInt::zero(), |g, c| g.gcd(c));
        let sign = if ints.last().is_some_and(Signed::is_negative) {
            -BigInt::one()
        } else {
            BigInt::one()
        };
        ints.into_iter().map(|c| c / &g * &sign).collect()
    }

    /// Cauchy's bound `1 + max_{k<n} |c_k / c_n|`: every root has modulus below it.
    #[must_use]
    pub fn cauchy_bound(&self) -> BigRational {
        let lead = self.lead().abs();
        let m = self.c[..self.c.len().saturating_sub(1)]
            .iter()
            .map(|x| x.abs() / &lead)
            .max()
            .unwrap_or_else(BigRational::zero);
        m + integer(1)
    }

    /// Whether every root is `≥ 0`, for a polynomial known to have only real roots (the
    /// characteristic polynomial of a symmetric matrix): the coefficients alternate in sign
    /// (zeros allowed).
    #[must_use]
    pub fn real_rooted_nonnegative_roots(&self) -> bool {
        let n = self.c.len();
        if n == 0 {
            return true;
        }
        let lead_sign = self.lead().signum();
        self.c.iter().enumerate().all(|(k, c)| {
            let want = if (n - 1 - k) % 2 == 0 {
                lead_sign.clone()
            } else {
                -lead_sign.clone()
            };
            c.is_zero() || c.signum() == want
        })
    }

    /// The number of distinct real roots of a square-free polynomial in `(a, b]` (Sturm).
    #[must_use]
    pub fn count_roots(&self, a: &BigRational, b: &BigRational) -> usize {
        if self.degree().unwrap_or(0) == 0 || a >= b {
            return 0;
        }
        Sturm::of(self).count(a, b)
    }

    /// The real roots of a square-free polynomial, each in an interval `(lo, hi]` of width at
    /// most `width`, disjoint, ascending; a rational root is returned as `[r, r]`. The search
    /// starts from [`UPoly::cauchy_bound`].
    #[must_use]
    pub fn isolate(&self, width: &BigRational) -> Vec<(BigRational, BigRational)> {
        let b = self.cauchy_bound();
        self.isolate_within(&-b.clone(), &b, width)
    }

    /// As [`UPoly::isolate`], for the roots in `(lo, hi]` (`lo` not a root). Stops early, with
    /// the roots found so far, once the work meter is exhausted (the caller checks it).
    #[must_use]
    pub fn isolate_within(
        &self,
        lo: &BigRational,
        hi: &BigRational,
        width: &BigRational,
    ) -> Vec<(BigRational, BigRational)> {
        if self.degree().unwrap_or(0) == 0 {
            return Vec::new();
        }
        let seq = Sturm::of(self);
        let me = &seq.ints[0];
        let is_root = |x: &BigRational| me.sign_at(x) == Ordering::Equal;
        let mut out = Vec::new();
        let mut stack = vec![(lo.clone(), hi.clone())];
        while let Some((a, b)) = stack.pop() {
            if work::exhausted() {
                // The caller checks the meter and discards the result.
                break;
            }
            let k = seq.count(&a, &b);
            if k == 0 {
                continue;
            }
            if k == 1 && &b - &a <= *width {
                if is_root(&b) {
                    out.push((b.clone(), b));
                } else {
                    out.push((a, b));
                }
                continue;
            }
            work::charge_reduced(&a, &b);
            let mid = (&a + &b) / integer(2);
            if k == 1 && is_root(&mid) {
                out.push((mid.clone(), mid));
                continue;
            }
            stack.push((mid.clone(), b));
            stack.push((a, mid));
        }
        out.sort_by(|x, y| x.0.cmp(&y.0));
        out
    }
}

/// The Sturm sequence `f_0 = f, f_1 = f', f_{k+1} = −rem(f_{k−1}, f_k)` of a square-free `f`:
/// with `V(x)` the number of sign changes along the sequence at `x` (zeros skipped), `f` has
/// exactly `V(a) − V(b)` distinct real roots in `(a, b]`.
#[derive(Debug, Clone)]
pub struct Sturm {
    /// The members, as computed.
    members: Vec<UPoly>,
    /// Each member as a positive integer multiple, for fast exact signs.
    ints: Vec<IntPoly>,
}

impl Sturm {
    /// The Sturm sequence of the square-free `f`.
    #[must_use]
    pub fn of(f: &UPoly) -> Self {
        let mut s = vec![f.clone(), f.derivative()];
        while let Some(last) = s.last() {
            if last.is_zero() {
                s.pop();
                break;
            }
            let (_, r) = s[s.len() - 2].divmod(last);
            if r.is_zero() {
                break;
            }
            s.push(r.neg());
        }
        let ints = s.iter().map(IntPoly::of).collect();
        Self { members: s, ints }
    }

    /// The members `f_0, f_1, …`.
    #[must_use]
    pub fn members(&self) -> &[UPoly] {
        &self.members
    }

    /// `V(x)`: the sign changes along the sequence at `x`, zeros skipped.
    #[must_use]
    pub fn variations(&self, x: &BigRational) -> usize {
        let signs: Vec<Ordering> = self
            .ints
            .iter()
            .map(|p| p.sign_at(x))
            .filter(|s| *s != Ordering::Equal)
            .collect();
        signs.windows(2).filter(|w| w[0] != w[1]).count()
    }

    /// `V(a) − V(b)`: the number of distinct real roots in `(a, b]` (`a < b`).
    #[must_use]
    pub fn count(&self, a: &BigRational, b: &BigRational) -> usize {
        self.variations(a).saturating_sub(self.variations(b))
    }
}

/// A polynomial with integer coefficients, for fast exact signs.
#[derive(Debug, Clone)]
struct IntPoly {
    c: Vec<BigInt>,
}

impl IntPoly {
    /// A positive integer multiple of `p` (by the lcm of its denominators).
    fn of(p: &UPoly) -> Self {
        let mut l = BigInt::one();
        for x in &p.c {
            l = l.lcm(x.denom());
        }
        Self {
            c: p.c
                .iter()
                .map(|x| (x * BigRational::from_integer(l.clone())).to_integer())
                .collect(),
        }
    }

    /// The sign at `x = a/b` (`b > 0`): the sign of `Σ c_k a^k b^(n−k)`.
    fn sign_at(&self, x: &BigRational) -> Ordering {
        let (a, b) = (x.numer(), x.denom());
        let n = self.c.len();
        if n == 0 {
            return Ordering::Equal;
        }
        let mut acc = self.c[n - 1].clone();
        let mut bpow = BigInt::one();
        for k in (0..n - 1).rev() {
            work::charge_bits(acc.bits() + bpow.bits(), a.bits() + self.c[k].bits());
            bpow *= b;
            acc = acc * a + &self.c[k] * &bpow;
        }
        acc.cmp(&BigInt::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: &[i64]) -> UPoly {
        UPoly::new(c.iter().map(|&x| integer(x)).collect())
    }

    #[test]
    fn interpolation_square_free_and_sturm() {
        // (t − 1)²(t − 3) = t³ − 5t² + 7t − 3.
        let f = p(&[-3, 7, -5, 1]);
        let xs: Vec<BigRational> = (0..4).map(integer).collect();
        let ys: Vec<BigRational> = xs.iter().map(|x| f.eval(x)).collect();
        assert_eq!(UPoly::interpolate(&xs, &ys), f);
        for s in [f.squarefree(), f.squarefree_euclid()] {
            assert_eq!(
                s.primitive_integer(),
                vec![BigInt::from(3), BigInt::from(-4), BigInt::from(1)]
            );
            let seq = Sturm::of(&s);
            assert_eq!(seq.count(&integer(0), &integer(4)), 2);
            assert_eq!(seq.count(&integer(0), &integer(2)), 1);
            // (a, b]: a root at b counts, a root at a does not.
            assert_eq!(seq.count(&integer(0), &integer(1)), 1);
            assert_eq!(seq.count(&integer(1), &integer(2)), 0);
        }
        // The monic gcd keeps p's leading coefficient; Euclid's remainder scales it.
        assert_eq!(f.squarefree(), p(&[3, -4, 1]));
        assert_ne!(f.squarefree_euclid(), f.squarefree());
        assert_eq!(
            f.squarefree_euclid()
                .scale(&f.euclid(&f.derivative()).lead()),
            f.squarefree()
        );
        // Coprime p and p': both are p.
        let g = p(&[3, -4, 1]);
        assert_eq!(g.squarefree(), g);
        assert_eq!(g.squarefree_euclid(), g);
    }

    #[test]
    fn isolates_irrational_and_rational_roots() {
        // t² − 2: ±√2.
        let w = BigRational::new(1.into(), 1000.into());
        let r = p(&[-2, 0, 1]).isolate(&w);
        assert_eq!(r.len(), 2);
        assert!(r[1].0 < BigRational::new(1_415_000.into(), 1_000_000.into()));
        assert!(r[1].1 > BigRational::new(1_414_000.into(), 1_000_000.into()));
        // (t − 1)(t − 3).
        let r = p(&[3, -4, 1]).isolate(&w);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn factors_bounds_and_signs() {
        // (t − 2)²(t − 5).
        let f = p(&[-20, 24, -9, 1]);
        assert_eq!(
            f.squarefree_factors(),
            vec![(p(&[-5, 1]), 1), (p(&[-2, 1]), 2)]
        );
        // 1 + 24/1.
        assert_eq!(f.cauchy_bound(), integer(25));
        assert!(f.real_rooted_nonnegative_roots());
        assert!(!p(&[2, 1]).real_rooted_nonnegative_roots());
        assert_eq!(f.sign_at(&integer(3)), Ordering::Less);
        assert_eq!(f.sign_at(&integer(6)), Ordering::Greater);
        assert_eq!(f.sign_at(&integer(2)), Ordering::Equal);
        // Must say no: −t² − 1 has no real root, and neither does it after scaling.
        let none = p(&[-1, 0, -1]);
        assert_eq!(
            none.count_roots(&-none.cauchy_bound(), &none.cauchy_bound()),
            0
        );
        assert!(none.isolate(&integer(1)).is_empty());
        assert_eq!(
            none.primitive_integer(),
            vec![BigInt::from(1), BigInt::from(0), BigInt::from(1)]
        );
    }
}
