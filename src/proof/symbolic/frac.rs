//! Fractions of normal forms: a numerator polynomial over a product of scalar denominator
//! factors. Division by a non-constant scalar adds its numerator as a factor; sums bring the
//! factors to their least common multiple (by identity of factors).
//!
//! A fraction's value equals the value of the expression it came from at every point where no
//! denominator factor vanishes. The factors come from two places, recorded as their
//! [`Origin`]: the claim's own divisors (at a point where one vanishes the claim is undefined),
//! and the checker's reductions (`N`, `B` and `N − k` from means and batch moments), whose zeros
//! are the finitely many small `N` that the caller checks case by case.

use super::term::{outside, Canon, Poly, SResult};
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::collections::BTreeMap;

/// Where a denominator factor came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Origin {
    /// A divisor written in the claim.
    Divisor,
    /// A reduction of the checker (`1/N`, `1/B`, batch moments `1/(N − k)`, the batch factor).
    Reduction,
}

/// `num / Π factor^mult`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Frac {
    pub num: Poly,
    pub den: BTreeMap<Poly, (u32, Origin)>,
}

impl Frac {
    pub(crate) fn poly(num: Poly) -> Self {
        Self {
            num,
            den: BTreeMap::new(),
        }
    }

    /// `num / factor` for a non-zero scalar polynomial `factor` of the given origin.
    pub(crate) fn over(num: Poly, factor: Poly, origin: Origin) -> SResult<Self> {
        let mut f = Self::poly(num);
        f.divide_by_factor(factor, origin)?;
        Ok(f)
    }

    fn divide_by_factor(&mut self, factor: Poly, origin: Origin) -> SResult<()> {
        // A monomial in the parameters: one factor per parameter (N² is N·N).
        if factor.len() == 1 {
            let (m, c) = factor.terms.iter().next().expect("one term");
            if m.comps.is_empty()
                && m.slots.is_empty()
                && m.atoms.len() > 1
                && m.atoms
                    .iter()
                    .all(|a| matches!(a, super::term::Atom::Param(_)))
            {
                let c = c.clone();
                for a in m.atoms.clone() {
                    self.divide_by_factor(Poly::atom(a), origin)?;
                }
                self.num = std::mem::take(&mut self.num).scaled(&(BigRational::one() / c));
                return Ok(());
            }
        }
        if let Some(c) = factor.as_constant() {
            if c.is_zero() {
                return Err(super::term::Outside::Undefined);
            }
            self.num = std::mem::take(&mut self.num).scaled(&(BigRational::one() / c));
            return Ok(());
        }
        // Normalize: the last monomial's coefficient is 1.
        let lead = factor
            .terms
            .values()
            .next_back()
            .cloned()
            .unwrap_or_else(BigRational::one);
        let factor = factor.scaled(&(BigRational::one() / &lead));
        self.num = std::mem::take(&mut self.num).scaled(&(BigRational::one() / lead));
        let e = self.den.entry(factor).or_insert((0, origin));
        e.0 += 1;
        e.1 = e.1.max(origin);
        Ok(())
    }

    /// The product of `factors` with multiplicities `mult` (as a polynomial).
    fn expand(factors: impl Iterator<Item = (Poly, u32)>, canon: Canon) -> SResult<Poly> {
        let mut p = Poly::one();
        for (f, m) in factors {
            for _ in 0..m {
                p = p.mul(&f, canon)?;
            }
        }
        Ok(p)
    }

    pub(crate) fn add(&self, other: &Frac, canon: Canon) -> SResult<Frac> {
        let mut den = self.den.clone();
        for (f, &(m, o)) in &other.den {
            let e = den.entry(f.clone()).or_insert((0, o));
            e.0 = e.0.max(m);
            e.1 = e.1.max(o);
        }
        let lift = |x: &Frac| -> SResult<Poly> {
            let missing = den.iter().map(|(f, &(m, _))| {
                let have = x.den.get(f).map_or(0, |e| e.0);
                (f.clone(), m - have)
            });
            x.num.mul(&Self::expand(missing, canon)?, canon)
        };
        let mut num = lift(self)?;
        num.add(lift(other)?);
        Ok(Frac { num, den })
    }

    pub(crate) fn neg(self) -> Frac {
        Frac {
            num: self.num.neg(),
            den: self.den,
        }
    }

    pub(crate) fn scaled(self, s: &BigRational) -> Frac {
        Frac {
            num: self.num.scaled(s),
            den: self.den,
        }
    }

    fn merge_den(&self, other: &Frac) -> BTreeMap<Poly, (u32, Origin)> {
        let mut den = self.den.clone();
        for (f, &(m, o)) in &other.den {
            let e = den.entry(f.clone()).or_insert((0, o));
            e.0 += m;
            e.1 = e.1.max(o);
        }
        den
    }

    pub(crate) fn mul(&self, other: &Frac, canon: Canon) -> SResult<Frac> {
        Ok(Frac {
            num: self.num.mul(&other.num, canon)?,
            den: self.merge_den(other),
        })
    }

    pub(crate) fn kron(&self, other: &Frac, canon: Canon) -> SResult<Frac> {
        Ok(Frac {
            num: self.num.kron(&other.num, canon)?,
            den: self.merge_den(other),
        })
    }

    /// `self / divisor` for a scalar `divisor` written in the claim.
    pub(crate) fn div(&self, divisor: &Frac, canon: Canon) -> SResult<Frac> {
        if !divisor.num.is_scalar() {
            return outside("division by a non-scalar");
        }
        let lifted = Self::expand(divisor.den.iter().map(|(f, &(m, _))| (f.clone(), m)), canon)?;
        let mut out = Frac {
            num: self.num.mul(&lifted, canon)?,
            den: self.den.clone(),
        };
        out.divide_by_factor(divisor.num.clone(), Origin::Divisor)?;
        Ok(out)
    }

    pub(crate) fn transposed(&self, canon: Canon) -> SResult<Frac> {
        Ok(Frac {
            num: self.num.transposed(canon)?,
            den: self.den.clone(),
        })
    }

    pub(crate) fn trace(&self, canon: Canon) -> SResult<Frac> {
        Ok(Frac {
            num: self.num.trace(canon)?,
            den: self.den.clone(),
        })
    }

    /// `self − other` has a zero numerator.
    pub(crate) fn difference(&self, other: &Frac, canon: Canon) -> SResult<Frac> {
        self.add(&other.clone().neg(), canon)
    }

    /// The denominator as one polynomial.
    pub(crate) fn den_poly(&self, canon: Canon) -> SResult<Poly> {
        Self::expand(self.den.iter().map(|(f, &(m, _))| (f.clone(), m)), canon)
    }
}
