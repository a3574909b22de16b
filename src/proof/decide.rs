//! Exact decision of `∀ t ∈ D: Φ(t)` for a boolean combination `Φ` of polynomial sign
//! conditions in one real variable `t` over `D = [0, ∞)` or `ℝ`.
//!
//! The signs of all the polynomials are constant between consecutive real roots, so `Φ` is
//! evaluated at every root and at one rational point in each open interval between roots (and
//! beyond the extreme ones). Roots are isolated by Sturm sequences; the sign of a polynomial at
//! an irrational root `r` of `q` is 0 if `gcd` shares `r`, otherwise the sign at a rational
//! point of an isolating interval of `r` refined until it contains no root of that polynomial.
//! No floating point is involved.

use super::limits::MAX_UNIVARIATE_DEGREE;
use crate::exact::integer;
use crate::exact::poly::UPoly;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::cmp::Ordering;

/// A comparison with zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

impl Cmp {
    fn holds(self, s: Ordering) -> bool {
        match self {
            Self::Le => s != Ordering::Greater,
            Self::Lt => s == Ordering::Less,
            Self::Ge => s != Ordering::Less,
            Self::Gt => s == Ordering::Greater,
            Self::Eq => s == Ordering::Equal,
        }
    }
}

/// A formula in `t`.
#[derive(Debug, Clone)]
pub(crate) enum Formula {
    /// `p(t) cmp 0`.
    Atom(UPoly, Cmp),
    /// Every one.
    And(Vec<Formula>),
    /// Some one.
    Or(Vec<Formula>),
    /// `a ⟹ b`.
    Implies(Box<Formula>, Box<Formula>),
    /// `a ⟺ b`.
    Iff(Box<Formula>, Box<Formula>),
}

/// The range of `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// `t ≥ 0`.
    NonNeg,
    /// Every real `t`.
    Real,
}

/// A point where the formula is evaluated.
#[derive(Debug, Clone)]
enum Point {
    Rational(BigRational),
    /// The only root of the square-free `poly` in `(lo, hi]` (not a rational that was found).
    Root {
        poly: UPoly,
        lo: BigRational,
        hi: BigRational,
    },
}

impl Point {
    fn approx(&self) -> BigRational {
        match self {
            Self::Rational(x) => x.clone(),
            Self::Root { lo, hi, .. } => (lo + hi) / integer(2),
        }
    }
}

fn sign_at(p: &UPoly, at: &Point) -> Ordering {
    match at {
        Point::Rational(x) => p.sign_at(x),
        Point::Root { poly, lo, hi } => {
            // r is the only root of `poly` in (lo, hi]. It is a root of p iff of gcd(poly, p),
            // whose roots are among poly's.
            let g = poly.gcd(p);
            if g.degree().unwrap_or(0) > 0 && g.count_roots(lo, hi) > 0 {
                return Ordering::Equal;
            }
            // Otherwise shrink (lo, hi] around r until p has no root in it.
            let ps = p.squarefree();
            let (mut a, mut b) = (lo.clone(), hi.clone());
            for _ in 0..2000 {
                if ps.count_roots(&a, &b) == 0 {
                    return p.sign_at(&b);
                }
                let mid = (&a + &b) / integer(2);
                if poly.eval(&mid).is_zero() {
                    return p.sign_at(&mid);
                }
                if poly.count_roots(&a, &mid) > 0 {
                    b = mid;
                } else {
                    a = mid;
                }
            }
            // Unreachable for p(r) ≠ 0: the roots of p are at a positive distance from r.
            p.sign_at(&b)
        }
    }
}

fn eval(f: &Formula, at: &Point) -> bool {
    match f {
        Formula::Atom(p, c) => c.holds(sign_at(p, at)),
        Formula::And(v) => v.iter().all(|g| eval(g, at)),
        Formula::Or(v) => v.iter().any(|g| eval(g, at)),
        Formula::Implies(a, b) => !eval(a, at) || eval(b, at),
        Formula::Iff(a, b) => eval(a, at) == eval(b, at),
    }
}

fn polys(f: &Formula, out: &mut Vec<UPoly>) {
    match f {
        Formula::Atom(p, _) => out.push(p.clone()),
        Formula::And(v) | Formula::Or(v) => v.iter().for_each(|g| polys(g, out)),
        Formula::Implies(a, b) | Formula::Iff(a, b) => {
            polys(a, out);
            polys(b, out);
        }
    }
}

/// Why `∀t Φ` failed: the point, as text.
#[derive(Debug, Clone)]
pub(crate) struct Witness {
    /// `t = 3/2`, or `t ≈ 1.414 (a root of t² − 2)`.
    pub text: String,
    /// The point, if rational.
    pub rational: Option<BigRational>,
}

/// The simplest fraction (smallest denominator, then numerator) in `(lo, hi]`, by continued
/// fractions.
fn simplest_in(lo: &BigRational, hi: &BigRational) -> BigRational {
    // The simplest rational in the closed interval [a, b] with 0 < a ≤ b.
    fn closed(a: &BigRational, b: &BigRational, depth: u32) -> BigRational {
        let fa = a.floor();
        if fa == *a || depth > 200 {
            return fa;
        }
        if fa.clone() + integer(1) <= *b {
            return fa + integer(1);
        }
        // Same integer part: recurse on the reciprocals of the fractional parts.
        let (ra, rb) = (a - &fa, b - &fa);
        fa + integer(1) / closed(&(integer(1) / rb), &(integer(1) / ra), depth + 1)
    }
    let a = lo + (hi - lo) / integer(1 << 20);
    if a.is_positive() {
        closed(&a, hi, 0)
    } else if !hi.is_positive() {
        -closed(&-hi.clone(), &-a, 0)
    } else {
        integer(0)
    }
}

/// Halve the isolating interval of the only root of the square-free `r` in `(lo, hi]`.
fn refine(r: &UPoly, pt: &mut Point) {
    if let Point::Root { lo, hi, .. } = pt {
        let mid = (&*lo + &*hi) / integer(2);
        if r.eval(&mid).is_zero() {
            *pt = Point::Rational(mid);
        } else if r.count_roots(lo, &mid) > 0 {
            *hi = mid;
        } else {
            *lo = mid;
        }
    }
}

fn lower(p: &Point) -> BigRational {
    match p {
        Point::Rational(x) => x.clone(),
        Point::Root { lo, .. } => lo.clone(),
    }
}

fn upper(p: &Point) -> BigRational {
    match p {
        Point::Rational(x) => x.clone(),
        Point::Root { hi, .. } => hi.clone(),
    }
}

/// Whether `∀ t ∈ dom: f(t)`; `Err` with a point where it fails, or with `None` when a
/// polynomial's degree exceeds the limit.
pub(crate) fn valid(f: &Formula, dom: Domain) -> Result<(), Option<Witness>> {
    let mut ps = Vec::new();
    polys(f, &mut ps);
    if ps
        .iter()
        .any(|p| p.degree().unwrap_or(0) > MAX_UNIVARIATE_DEGREE)
    {
        return Err(None);
    }
    // The square-free product of every polynomial: its roots are all the roots, each once.
    let mut all = UPoly::constant(integer(1));
    for p in &ps {
        let s = p.squarefree();
        if s.degree().unwrap_or(0) > 0 {
            all = all.mul(&s);
        }
    }
    let r = all.squarefree();
    let mut roots: Vec<Point> = r
        .isolate(&integer(1))
        .into_iter()
        .map(|(lo, hi)| {
            if lo == hi {
                return Point::Rational(lo);
            }
            // A rational root is usually the simplest fraction of its interval.
            let s = simplest_in(&lo, &hi);
            if r.eval(&s).is_zero() {
                Point::Rational(s)
            } else {
                Point::Root {
                    poly: r.clone(),
                    lo,
                    hi,
                }
            }
        })
        .collect();
    if dom == Domain::NonNeg {
        // Keep the roots ≥ 0 and the point 0; decide whether an isolating interval
        // straddling 0 holds a positive root.
        let mut kept = Vec::new();
        for mut pt in roots {
            for _ in 0..4000 {
                if !lower(&pt).is_negative() || upper(&pt).is_negative() {
                    break;
                }
                if r.eval(&integer(0)).is_zero() && matches!(pt, Point::Root { .. }) {
                    // 0 is this root: record it exactly.
                    pt = Point::Rational(integer(0));
                    break;
                }
                refine(&r, &mut pt);
            }
            if !upper(&pt).is_negative()
                && (lower(&pt) >= integer(0) || matches!(pt, Point::Rational(_)))
            {
                kept.push(pt);
            }
        }
        if !kept
            .iter()
            .any(|p| matches!(p, Point::Rational(x) if x.is_zero()))
        {
            kept.insert(0, Point::Rational(integer(0)));
        }
        roots = kept;
    }
    // Separate neighbours strictly, so that a rational lies between each pair.
    for k in 1..roots.len() {
        for _ in 0..4000 {
            if upper(&roots[k - 1]) < lower(&roots[k]) {
                break;
            }
            let (a, b) = roots.split_at_mut(k);
            refine(&r, &mut a[k - 1]);
            refine(&r, &mut b[0]);
        }
    }
    let mut points: Vec<Point> = Vec::new();
    match roots.first() {
        None => points.push(Point::Rational(integer(0))),
        Some(first) if dom == Domain::Real => {
            points.push(Point::Rational(lower(first) - integer(1)))
        }
        Some(_) => {}
    }
    for (k, pt) in roots.iter().enumerate() {
        points.push(pt.clone());
        match roots.get(k + 1) {
            Some(next) => points.push(Point::Rational((upper(pt) + lower(next)) / integer(2))),
            None => points.push(Point::Rational(upper(pt) + integer(1))),
        }
    }
    // A failing point, rational ones first (a rational point gives a concrete instance).
    let failing: Vec<&Point> = points.iter().filter(|pt| !eval(f, pt)).collect();
    let first = failing
        .iter()
        .find(|p| matches!(p, Point::Rational(_)))
        .or(failing.first());
    if let Some(pt) = first {
        {
            return Err(Some(match pt {
                Point::Rational(x) => Witness {
                    text: super::print::rational(x),
                    rational: Some(x.clone()),
                },
                Point::Root { .. } => Witness {
                    text: format!("≈{}", super::print::rational(&pt.approx())),
                    rational: None,
                },
            }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: &[i64]) -> UPoly {
        UPoly::new(c.iter().map(|&x| integer(x)).collect())
    }

    #[test]
    fn gd_region_is_decided() {
        // (1 − t)² ≤ 1 ⟺ t ≤ 2 on t ≥ 0.
        let a = Formula::Atom(p(&[0, -2, 1]), Cmp::Le);
        let b = Formula::Atom(p(&[-2, 1]), Cmp::Le);
        assert!(valid(
            &Formula::Iff(Box::new(a.clone()), Box::new(b.clone())),
            Domain::NonNeg
        )
        .is_ok());
        // On all of ℝ it fails (t < 0: (1 − t)² > 1 but t ≤ 2).
        let e = valid(&Formula::Iff(Box::new(a), Box::new(b)), Domain::Real).unwrap_err();
        assert!(e.unwrap().rational.unwrap().is_negative());
    }

    #[test]
    fn irrational_boundaries() {
        // t² ≤ 2 ⟹ t ≤ 7/5 fails between 7/5 and √2 (on t ≥ 0)…
        let a = Formula::Atom(p(&[-2, 0, 1]), Cmp::Le);
        let b = Formula::Atom(p(&[-7, 5]), Cmp::Le);
        assert!(valid(
            &Formula::Implies(Box::new(a.clone()), Box::new(b)),
            Domain::NonNeg
        )
        .is_err());
        // …and t² ≤ 2 ⟹ t ≤ 1.4143 holds, t² < 2 ⟹ t < √2 is tight at the root.
        let c = Formula::Atom(p(&[-14143, 10000]), Cmp::Le);
        assert!(valid(&Formula::Implies(Box::new(a), Box::new(c)), Domain::NonNeg).is_ok());
    }
}
