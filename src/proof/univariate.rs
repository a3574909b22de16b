//! Univariate polynomials over the rationals: arithmetic, square-free parts, Sturm sequences,
//! real-root isolation to any width, characteristic polynomials of rational matrices — the
//! exact core of eigenvalue comparisons and of the scalar sign decisions.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::cmp::Ordering;

/// `Σ c_k t^k`, `c[k]` the coefficient of `t^k`, no trailing zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UPoly {
    pub c: Vec<BigRational>,
}

fn q(k: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(k))
}

impl UPoly {
    pub(crate) fn new(mut c: Vec<BigRational>) -> Self {
        while c.last().is_some_and(Zero::is_zero) {
            c.pop();
        }
        Self { c }
    }

    pub(crate) fn constant(x: BigRational) -> Self {
        Self::new(vec![x])
    }

    /// `t`.
    pub(crate) fn t() -> Self {
        Self::new(vec![q(0), q(1)])
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.c.is_empty()
    }

    /// The degree (`None` for 0).
    pub(crate) fn degree(&self) -> Option<usize> {
        self.c.len().checked_sub(1)
    }

    fn lead(&self) -> BigRational {
        self.c.last().cloned().unwrap_or_else(BigRational::zero)
    }

    pub(crate) fn eval(&self, x: &BigRational) -> BigRational {
        let mut acc = BigRational::zero();
        for c in self.c.iter().rev() {
            acc = acc * x + c;
        }
        acc
    }

    pub(crate) fn add(&self, o: &Self) -> Self {
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

    pub(crate) fn neg(&self) -> Self {
        Self::new(self.c.iter().map(|x| -x).collect())
    }

    pub(crate) fn sub(&self, o: &Self) -> Self {
        self.add(&o.neg())
    }

    pub(crate) fn mul(&self, o: &Self) -> Self {
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

    pub(crate) fn scale(&self, s: &BigRational) -> Self {
        Self::new(self.c.iter().map(|x| x * s).collect())
    }

    pub(crate) fn derivative(&self) -> Self {
        Self::new(
            self.c
                .iter()
                .enumerate()
                .skip(1)
                .map(|(k, x)| x * q(i64::try_from(k).unwrap_or(i64::MAX)))
                .collect(),
        )
    }

    /// Quotient and remainder.
    pub(crate) fn divmod(&self, d: &Self) -> (Self, Self) {
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
                super::value::charge_reduced(&f, x);
                r.c[k + j] -= &f * x;
            }
            qt[k] = f;
            r = Self::new(r.c);
        }
        (Self::new(qt), r)
    }

    /// The monic greatest common divisor.
    pub(crate) fn gcd(&self, o: &Self) -> Self {
        let (mut a, mut b) = (self.clone(), o.clone());
        while !b.is_zero() {
            let (_, r) = a.divmod(&b);
            a = b;
            b = r;
        }
        if a.is_zero() {
            return a;
        }
        let l = a.lead();
        a.scale(&(BigRational::one() / l))
    }

    /// `p / gcd(p, p')`: the same roots, each simple.
    pub(crate) fn squarefree(&self) -> Self {
        if self.degree().unwrap_or(0) == 0 {
            return self.clone();
        }
        let g = self.gcd(&self.derivative());
        self.divmod(&g).0
    }

    /// The sign at `x`.
    pub(crate) fn sign_at(&self, x: &BigRational) -> Ordering {
        self.eval(x).cmp(&BigRational::zero())
    }

    /// The Sturm sequence of a square-free polynomial, each member as primitive integer
    /// coefficients (a positive multiple: the same signs).
    fn sturm(&self) -> Vec<IntPoly> {
        self.sturm_rational().iter().map(IntPoly::of).collect()
    }

    fn sturm_rational(&self) -> Vec<Self> {
        let mut s = vec![self.clone(), self.derivative()];
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
        s
    }

    fn variations(seq: &[IntPoly], x: &BigRational) -> usize {
        let signs: Vec<Ordering> = seq
            .iter()
            .map(|p| p.sign_at(x))
            .filter(|s| *s != Ordering::Equal)
            .collect();
        signs.windows(2).filter(|w| w[0] != w[1]).count()
    }

    /// The number of distinct real roots of a square-free polynomial in `(a, b]` (Sturm).
    pub(crate) fn count_roots(&self, a: &BigRational, b: &BigRational) -> usize {
        if self.degree().unwrap_or(0) == 0 || a >= b {
            return 0;
        }
        let seq = self.sturm();
        Self::variations(&seq, a).saturating_sub(Self::variations(&seq, b))
    }

    /// A bound on the absolute value of every real root (Cauchy).
    pub(crate) fn root_bound(&self) -> BigRational {
        let lead = self.lead().abs();
        let m = self.c[..self.c.len().saturating_sub(1)]
            .iter()
            .map(|x| x.abs() / &lead)
            .max()
            .unwrap_or_else(BigRational::zero);
        m + q(1)
    }

    /// The real roots of a square-free polynomial, each in an interval `(lo, hi]` of width at
    /// most `width`, disjoint, ascending; a rational root is returned as `[r, r]`.
    pub(crate) fn isolate(&self, width: &BigRational) -> Vec<(BigRational, BigRational)> {
        let b = self.root_bound();
        self.isolate_within(&-b.clone(), &b, width)
    }

    /// As [`UPoly::isolate`], for the roots in `(lo, hi]` (`lo` not a root).
    pub(crate) fn isolate_within(
        &self,
        lo: &BigRational,
        hi: &BigRational,
        width: &BigRational,
    ) -> Vec<(BigRational, BigRational)> {
        let Some(deg) = self.degree() else {
            return Vec::new();
        };
        if deg == 0 {
            return Vec::new();
        }
        let seq = self.sturm();
        let me = &seq[0];
        let is_root = |x: &BigRational| me.sign_at(x) == Ordering::Equal;
        let count = |a: &BigRational, b: &BigRational| {
            Self::variations(&seq, a).saturating_sub(Self::variations(&seq, b))
        };
        let mut out = Vec::new();
        let mut stack = vec![(lo.clone(), hi.clone())];
        while let Some((a, b)) = stack.pop() {
            if super::work::exhausted() {
                // The caller checks the meter and discards the result.
                break;
            }
            let k = count(&a, &b);
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
            super::value::charge_reduced(&a, &b);
            let mid = (&a + &b) / q(2);
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

/// A polynomial with integer coefficients, for fast exact signs.
#[derive(Debug, Clone)]
pub(crate) struct IntPoly {
    c: Vec<BigInt>,
}

impl IntPoly {
    /// A positive integer multiple of `p`.
    fn of(p: &UPoly) -> Self {
        let mut l = BigInt::one();
        for x in &p.c {
            l = num_integer::Integer::lcm(&l, x.denom());
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
            super::work::charge_bits(acc.bits() + bpow.bits(), a.bits() + self.c[k].bits());
            bpow *= b;
            acc = acc * a + &self.c[k] * &bpow;
        }
        acc.sign_ordering()
    }
}

trait SignOrdering {
    fn sign_ordering(&self) -> Ordering;
}

impl SignOrdering for BigInt {
    fn sign_ordering(&self) -> Ordering {
        self.cmp(&BigInt::zero())
    }
}

/// Square-free factorization (Yun): `p = Π a_k^k`, returned as `(a_k, k)` for non-constant
/// `a_k`.
pub(crate) fn squarefree_factors(p: &UPoly) -> Vec<(UPoly, usize)> {
    let mut out = Vec::new();
    if p.degree().unwrap_or(0) == 0 {
        return out;
    }
    let dp = p.derivative();
    let a = p.gcd(&dp);
    let mut b = p.divmod(&a).0;
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

/// The characteristic polynomial `det(tI − M)` of an integer square matrix
/// (Faddeev–LeVerrier; every division is exact).
fn charpoly_int(m: &[Vec<BigInt>]) -> Vec<BigInt> {
    let n = m.len();
    let mut c = vec![BigInt::zero(); n + 1];
    c[n] = BigInt::one();
    // M_k = A M_{k−1} + c_{n−k+1} I, c_{n−k} = −tr(A M_k)/k.
    let mut mk: Vec<Vec<BigInt>> = vec![vec![BigInt::zero(); n]; n];
    for k in 1..=n {
        if super::work::exhausted() {
            break;
        }
        let mut next = vec![vec![BigInt::zero(); n]; n];
        for i in 0..n {
            for j in 0..n {
                let mut s = BigInt::zero();
                for l in 0..n {
                    if !mk[l][j].is_zero() && !m[i][l].is_zero() {
                        super::work::charge_bits(m[i][l].bits(), mk[l][j].bits());
                        s += &m[i][l] * &mk[l][j];
                    }
                }
                if i == j {
                    s += &c[n - k + 1];
                }
                next[i][j] = s;
            }
        }
        mk = next;
        let mut tr = BigInt::zero();
        for i in 0..n {
            for l in 0..n {
                super::work::charge_bits(m[i][l].bits(), mk[l][i].bits());
                tr += &m[i][l] * &mk[l][i];
            }
        }
        c[n - k] = -tr / BigInt::from(k);
    }
    c
}

/// The characteristic polynomial of a rational square matrix, through the integer matrix
/// `L·M` (`L` the common denominator): `p_M(t) = L^{-n} p_{LM}(L t)`.
pub(crate) fn charpoly(m: &[Vec<BigRational>]) -> UPoly {
    let n = m.len();
    let mut l = BigInt::one();
    for row in m {
        for x in row {
            l = num_integer::Integer::lcm(&l, x.denom());
        }
    }
    let lq = BigRational::from_integer(l.clone());
    let scaled: Vec<Vec<BigInt>> = m
        .iter()
        .map(|row| row.iter().map(|x| (x * &lq).to_integer()).collect())
        .collect();
    let ci = charpoly_int(&scaled);
    // Coefficient of t^k in p_M is c'_k L^k / L^n.
    let mut out = Vec::with_capacity(n + 1);
    let mut lk = BigRational::one();
    let ln = num_traits::pow(lq.clone(), n);
    for c in ci {
        out.push(BigRational::from_integer(c) * &lk / &ln);
        lk *= &lq;
    }
    UPoly::new(out)
}

/// The eigenvalues of a rational symmetric matrix, ascending with multiplicity, each as an
/// interval of width at most `width` (a point for a rational eigenvalue) with the number of the
/// distinct root it belongs to (copies of a repeated eigenvalue share it). Intervals of distinct
/// roots (from different square-free factors) may overlap; the caller refines.
pub(crate) fn sym_eigenvalues(
    m: &[Vec<BigRational>],
    width: &BigRational,
) -> Vec<(BigRational, BigRational, usize)> {
    let p = charpoly(m);
    // Every eigenvalue lies in [−r, r] for r the largest absolute row sum (Gershgorin); −r − 1
    // is not a root.
    let r = m
        .iter()
        .map(|row| row.iter().map(Signed::abs).sum::<BigRational>())
        .max()
        .unwrap_or_else(BigRational::zero)
        + q(1);
    let mut roots: Vec<(BigRational, BigRational, usize)> = Vec::new();
    for (f, k) in squarefree_factors(&p) {
        for (lo, hi) in f.isolate_within(&-r.clone(), &r, width) {
            roots.push((lo, hi, k));
        }
    }
    roots.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Vec::new();
    for (id, (lo, hi, k)) in roots.into_iter().enumerate() {
        for _ in 0..k {
            out.push((lo.clone(), hi.clone(), id));
        }
    }
    out
}

/// `p(t)` with every root `≥ 0`, for a polynomial known to have only real roots: the
/// coefficients alternate in sign (zeros allowed).
pub(crate) fn real_rooted_nonnegative_roots(p: &UPoly) -> bool {
    let n = p.c.len();
    if n == 0 {
        return true;
    }
    let lead_sign = p.lead().signum();
    p.c.iter().enumerate().all(|(k, c)| {
        let want = if (n - 1 - k) % 2 == 0 {
            lead_sign.clone()
        } else {
            -lead_sign.clone()
        };
        c.is_zero() || c.signum() == want
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: &[i64]) -> UPoly {
        UPoly::new(c.iter().map(|&x| q(x)).collect())
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
    fn charpoly_and_multiplicities() {
        // diag(2, 2, 5): (t − 2)²(t − 5).
        let m: Vec<Vec<BigRational>> = vec![
            vec![q(2), q(0), q(0)],
            vec![q(0), q(2), q(0)],
            vec![q(0), q(0), q(5)],
        ];
        let cp = charpoly(&m);
        assert_eq!(cp, p(&[-20, 24, -9, 1]));
        let ev = sym_eigenvalues(&m, &BigRational::new(1.into(), 100.into()));
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].2, ev[1].2);
        assert!(ev[0].0 <= q(2) && q(2) <= ev[0].1);
        assert!(ev[2].0 <= q(5) && q(5) <= ev[2].1);
        assert!(real_rooted_nonnegative_roots(&cp));
        assert!(!real_rooted_nonnegative_roots(&p(&[2, 1])));
    }
}
