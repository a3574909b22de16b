//! Rigorous interval arithmetic over the rationals: every value is an interval `[lo, hi]` with
//! rational ends that contains the true value. Square roots are bounded by integer square
//! roots, eigenvalues of a rational symmetric matrix by Sturm sequences of its characteristic
//! polynomial; the width of irrational values is set by the precision of the evaluation
//! ([`with_precision`]). A comparison is decided when the intervals separate (or are equal
//! points); otherwise it is unknown — never guessed.

use super::value::{f64_eigen, EResult, EvalError, Field, FieldMatrix};
use crate::exact::rational::{charpoly, sym_eigenvalues, IsolatedEigenvalue};
use crate::exact::Matrix;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cell::Cell;
use std::cmp::Ordering;

thread_local! {
    static BITS: Cell<u32> = const { Cell::new(64) };
}

/// Run `f` with irrational values bounded to width `2^-bits`.
pub(crate) fn with_precision<R>(bits: u32, f: impl FnOnce() -> R) -> R {
    let old = BITS.with(Cell::get);
    BITS.with(|b| b.set(bits));
    let r = f();
    BITS.with(|b| b.set(old));
    r
}

fn width() -> BigRational {
    let bits = BITS.with(Cell::get);
    BigRational::new(BigInt::one(), BigInt::one() << bits)
}

/// A closed interval with rational ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Iv {
    pub lo: BigRational,
    pub hi: BigRational,
}

impl Iv {
    pub(crate) fn point(q: BigRational) -> Self {
        Self {
            lo: q.clone(),
            hi: q,
        }
    }

    fn new(lo: BigRational, hi: BigRational) -> Self {
        debug_assert!(lo <= hi);
        Self { lo, hi }
    }

    pub(crate) fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    fn contains_zero(&self) -> bool {
        !self.lo.is_positive() && !self.hi.is_negative()
    }
}

/// `⌊√x⌋` and `⌈√x⌉` of a non-negative rational, to `2^-bits`.
fn sqrt_bounds(x: &BigRational, bits: u32) -> (BigRational, BigRational) {
    // √(a/b) = √(a b) / b; scale by 4^bits.
    let scale = BigInt::one() << (2 * bits);
    let ab = x.numer() * x.denom() * &scale;
    let r = ab.sqrt();
    let den = x.denom() * (BigInt::one() << bits);
    let lo = BigRational::new(r.clone(), den.clone());
    let hi = if &r * &r == ab {
        lo.clone()
    } else {
        BigRational::new(r + BigInt::one(), den)
    };
    (lo, hi)
}

/// Charge for one operation on two intervals (both ends, each reduced).
fn charge(a: &Iv, b: &Iv) {
    crate::exact::work::charge_reduced(&a.lo, &b.lo);
    crate::exact::work::charge_reduced(&a.hi, &b.hi);
}

/// The rational matrix if every entry is a point.
fn points(m: &Matrix<Iv>) -> Option<Matrix<BigRational>> {
    m.entries()
        .iter()
        .all(Iv::is_point)
        .then(|| m.map(|x| x.lo.clone()))
}

/// A rational close to `x` (for test vectors).
fn rational_near(x: f64) -> BigRational {
    BigRational::from_float(x).unwrap_or_else(<BigRational as Zero>::zero)
}

impl Field for Iv {
    fn show(&self) -> String {
        if self.is_point() {
            return super::print::rational(&self.lo);
        }
        let mid = (&self.lo + &self.hi) / BigRational::from_integer(2.into());
        format!(
            "≈{}",
            crate::fmt::sig(ToPrimitive::to_f64(&mid).unwrap_or(f64::NAN))
        )
    }
    fn nil() -> Self {
        Self::point(<BigRational as Zero>::zero())
    }
    fn from_q(q: &BigRational) -> Self {
        Self::point(q.clone())
    }
    fn add(&self, o: &Self) -> Self {
        charge(self, o);
        Self::new(&self.lo + &o.lo, &self.hi + &o.hi)
    }
    fn sub(&self, o: &Self) -> Self {
        charge(self, o);
        Self::new(&self.lo - &o.hi, &self.hi - &o.lo)
    }
    fn mul(&self, o: &Self) -> Self {
        charge(self, o);
        if self.is_point() && o.is_point() {
            return Self::point(&self.lo * &o.lo);
        }
        charge(self, o);
        let c = [
            &self.lo * &o.lo,
            &self.lo * &o.hi,
            &self.hi * &o.lo,
            &self.hi * &o.hi,
        ];
        let lo = c
            .iter()
            .min()
            .cloned()
            .unwrap_or_else(<BigRational as Zero>::zero);
        let hi = c
            .iter()
            .max()
            .cloned()
            .unwrap_or_else(<BigRational as Zero>::zero);
        Self::new(lo, hi)
    }
    fn div(&self, o: &Self) -> EResult<Self> {
        if o.is_point() && o.lo.is_zero() {
            return Err(EvalError::DivByZero);
        }
        if o.contains_zero() {
            return Err(EvalError::Imprecise);
        }
        let inv = Self::new(BigRational::one() / &o.hi, BigRational::one() / &o.lo);
        Ok(self.mul(&inv))
    }
    fn neg(&self) -> Self {
        Self::new(-&self.hi, -&self.lo)
    }
    fn magnitude(&self) -> Self {
        if !self.lo.is_negative() {
            self.clone()
        } else if !self.hi.is_positive() {
            self.neg()
        } else {
            Self::new(
                <BigRational as Zero>::zero(),
                Ord::max(Signed::abs(&self.lo), self.hi.clone()),
            )
        }
    }
    fn larger(&self, o: &Self) -> Self {
        Self::new(
            Ord::max(self.lo.clone(), o.lo.clone()),
            Ord::max(self.hi.clone(), o.hi.clone()),
        )
    }
    fn sqrt(&self) -> EResult<Self> {
        if self.hi.is_negative() {
            return Err(EvalError::Undefined(
                "square root of a negative number".into(),
            ));
        }
        if self.lo.is_negative() {
            return Err(EvalError::Imprecise);
        }
        let bits = BITS.with(Cell::get);
        let (lo, _) = sqrt_bounds(&self.lo, bits);
        let (_, hi) = sqrt_bounds(&self.hi, bits);
        Ok(Self::new(lo, hi))
    }
    fn approx(&self) -> f64 {
        ToPrimitive::to_f64(&((&self.lo + &self.hi) / BigRational::from_integer(2.into())))
            .unwrap_or(f64::NAN)
    }
    fn sign(&self) -> Option<Ordering> {
        if self.lo.is_positive() {
            Some(Ordering::Greater)
        } else if self.hi.is_negative() {
            Some(Ordering::Less)
        } else if self.is_point() {
            Some(Ordering::Equal)
        } else {
            None
        }
    }
    fn sym_eigvals(m: &Matrix<Self>) -> EResult<Vec<Self>> {
        let rows = points(m).ok_or(EvalError::Imprecise)?;
        let vals = eigen_intervals(&rows);
        if crate::exact::work::exhausted() || vals.len() != m.nrows() {
            return Err(EvalError::OutOfWork);
        }
        Ok(vals.into_iter().map(|(lo, hi)| Self::new(lo, hi)).collect())
    }
    fn eigdiag(m: &Matrix<Self>, v: &Matrix<Self>) -> EResult<Matrix<Self>> {
        let rows = points(m).ok_or(EvalError::Imprecise)?;
        let vals = eigen_intervals(&rows);
        if crate::exact::work::exhausted() || vals.len() != m.nrows() {
            return Err(EvalError::OutOfWork);
        }
        let n = m.nrows();
        // Distinct eigenvalues: disjoint intervals.
        for w in vals.windows(2) {
            if w[0].1 >= w[1].0 {
                return Err(EvalError::Imprecise);
            }
        }
        let lam: Vec<Self> = vals.into_iter().map(|(lo, hi)| Self::new(lo, hi)).collect();
        // U diag(v) Uᵀ = Σ_j v_j P_j, P_j = Π_{k≠j} (M − λ_k I)/(λ_j − λ_k).
        let mut out: Matrix<Self> = FieldMatrix::zeros(n, n);
        for j in 0..n {
            let mut p: Matrix<Self> = FieldMatrix::identity(n);
            for k in 0..n {
                if k == j {
                    continue;
                }
                let shifted = Matrix::from_fn(n, n, |a, b| {
                    let base = m.get(a, b).clone();
                    if a == b {
                        base.sub(&lam[k])
                    } else {
                        base
                    }
                });
                let gap = lam[j].sub(&lam[k]);
                p = p.matmul(&shifted).scale(&Self::from_usize(1).div(&gap)?);
            }
            out = out.add(&p.scale(v.get(j, 0)));
        }
        Ok(out)
    }
    fn rational(&self) -> Option<BigRational> {
        self.is_point().then(|| self.lo.clone())
    }
    fn psd(m: &Matrix<Self>) -> Option<bool> {
        if let Some(rows) = points(m) {
            let p = charpoly(&rows);
            if crate::exact::work::exhausted() {
                return None;
            }
            return Some(p.real_rooted_nonnegative_roots());
        }
        // Refute with a rational test vector near the eigenvector of the least eigenvalue.
        let (_, u) = f64_eigen(&m.to_f64()).ok()?;
        let n = m.nrows();
        let v: Vec<Self> = (0..n)
            .map(|i| Self::point(rational_near(*u.get(i, 0))))
            .collect();
        let mut form = Self::nil();
        for i in 0..n {
            for j in 0..n {
                form = form.add(&v[i].mul(m.get(i, j)).mul(&v[j]));
            }
        }
        form.hi.is_negative().then_some(false)
    }
}

/// Eigenvalue intervals of a rational symmetric matrix at the current precision, refined until
/// the intervals of distinct eigenvalues are disjoint.
fn eigen_intervals(rows: &Matrix<BigRational>) -> Vec<(BigRational, BigRational)> {
    let mut w = width();
    let strip =
        |v: Vec<IsolatedEigenvalue>| v.into_iter().map(|e| (e.lo, e.hi)).collect::<Vec<_>>();
    for _ in 0..64 {
        let vals = sym_eigenvalues(rows, &w);
        let ok = vals
            .windows(2)
            .all(|p| p[0].root == p[1].root || p[0].hi < p[1].lo);
        if ok || crate::exact::work::exhausted() {
            return strip(vals);
        }
        w /= BigRational::from_integer(16.into());
    }
    strip(sym_eigenvalues(rows, &w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_two_is_not_a_decimal() {
        let two = Iv::from_q(&BigRational::from_integer(2.into()));
        let r = with_precision(64, || two.sqrt().unwrap());
        let approx = Iv::from_q(&BigRational::new(14_142_135.into(), 10_000_000.into()));
        assert_eq!(r.sub(&approx).sign(), Some(Ordering::Greater));
        // And √4 = 2 exactly.
        let four = Iv::from_q(&BigRational::from_integer(4.into()));
        assert!(four.sqrt().unwrap().is_point());
    }
}
