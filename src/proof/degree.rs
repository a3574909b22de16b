//! Degree bounds for the coefficients of a symbolic normal form, as rational functions of the
//! scalar symbols `N`, `B`, `γ`, `d`.
//!
//! [`super::symbolic`] substitutes rational values for `N`, `B`, `γ`, `d` (and `c = c(N, B)`)
//! and compares the two sides' normal forms at those values. Every coefficient of a normal form
//! is a rational function of `(N, B, γ, d)`; this module bounds, from the expression alone, a
//! representation of all of them over one shared denominator: numerators of degree at most
//! [`Bound::num`] in each variable, the denominator a product of known factors (`N`, `B`,
//! `N − 1`, and the numerator of each scalar divisor). Two sides whose normal forms agree at
//! every point of a grid with more values of each variable than that degree agree as rational
//! functions (a polynomial of degree `≤ D_v` in each variable `v` that vanishes on a grid
//! `S_N × S_B × S_γ × S_d` with `|S_v| > D_v` is zero: Alon's Combinatorial Nullstellensatz, or
//! induction on the number of variables), wherever the shared denominator does not vanish.
//!
//! The rules mirror [`super::symbolic`]'s conversion: `H` is `(1/N) Σ_s H_s`, a sum over `k`
//! indices may multiply a coefficient by up to `N^k` (an index absent from a word), a mean over
//! samples divides by `N`, and `c` is `1/B` with replacement and `(N − B)/(B(N − 1))` without.

use super::syntax::{Expr, ExprKind, Sym};
use crate::instance::Sampling;
use std::collections::BTreeMap;

/// The variables, in this order: `N`, `B`, `γ`, `d`.
pub(super) const VARS: [&str; 4] = ["N", "B", "γ", "d"];

/// Degrees in `N`, `B`, `γ`, `d`.
pub(super) type Degrees = [u32; 4];

const N: usize = 0;
const B: usize = 1;
const GAMMA: usize = 2;
const D: usize = 3;

fn unit(v: usize) -> Degrees {
    let mut d = [0; 4];
    d[v] = 1;
    d
}

fn plus(a: Degrees, b: Degrees) -> Degrees {
    [0, 1, 2, 3].map(|v| a[v] + b[v])
}

/// A factor of the shared denominator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Factor {
    N,
    B,
    NMinusOne,
    /// The numerator of the `k`-th scalar divisor met, of the given degrees.
    Divisor(usize, Degrees),
}

impl Factor {
    fn degrees(&self) -> Degrees {
        match self {
            Self::N | Self::NMinusOne => unit(N),
            Self::B => unit(B),
            Self::Divisor(_, d) => *d,
        }
    }
}

/// Every coefficient is `P/Q` with `deg_v P ≤ num[v]` and `Q = Π f^m` over `den`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Bound {
    /// Numerator degrees.
    pub num: Degrees,
    den: BTreeMap<Factor, u32>,
}

impl Bound {
    fn var(v: usize) -> Self {
        Self {
            num: unit(v),
            den: BTreeMap::new(),
        }
    }

    fn over(num: Degrees, den: &[Factor]) -> Self {
        let mut b = Self {
            num,
            den: BTreeMap::new(),
        };
        for f in den {
            *b.den.entry(f.clone()).or_insert(0) += 1;
        }
        b
    }

    fn den_degrees(den: &BTreeMap<Factor, u32>) -> Degrees {
        den.iter()
            .fold([0; 4], |acc, (f, &m)| plus(acc, f.degrees().map(|x| x * m)))
    }

    /// A sum: over the least common multiple of the two denominators.
    pub(super) fn add(&self, other: &Self) -> Self {
        let mut den = self.den.clone();
        for (f, &m) in &other.den {
            let e = den.entry(f.clone()).or_insert(0);
            *e = (*e).max(m);
        }
        let lift = |b: &Self| {
            let mut missing = den.clone();
            for (f, &m) in &b.den {
                if let Some(e) = missing.get_mut(f) {
                    *e -= m;
                }
            }
            plus(b.num, Self::den_degrees(&missing))
        };
        let (a, b) = (lift(self), lift(other));
        Self {
            num: [0, 1, 2, 3].map(|v| a[v].max(b[v])),
            den,
        }
    }

    fn mul(&self, other: &Self) -> Self {
        let mut den = self.den.clone();
        for (f, &m) in &other.den {
            *den.entry(f.clone()).or_insert(0) += m;
        }
        Self {
            num: plus(self.num, other.num),
            den,
        }
    }

    fn times_n_power(mut self, k: u32) -> Self {
        self.num[N] += k;
        self
    }
}

/// Computes [`Bound`]s of expressions under one sampling scheme.
pub(super) struct Bounder {
    sampling: Sampling,
    divisors: usize,
}

impl Bounder {
    pub(super) fn new(sampling: Sampling) -> Self {
        Self {
            sampling,
            divisors: 0,
        }
    }

    /// `(1/N) Σ_s H_s`, or its square's mean.
    fn mean_h() -> Bound {
        Bound::over([0; 4], &[Factor::N])
    }

    /// `None` where [`super::symbolic`] has no normal form either.
    pub(super) fn bound(&mut self, e: &Expr) -> Option<Bound> {
        Some(match &e.kind {
            ExprKind::Num(_) | ExprKind::Fam(..) => Bound::default(),
            ExprKind::Sym(s) => match s {
                Sym::Gamma => Bound::var(GAMMA),
                Sym::N => Bound::var(N),
                Sym::B => Bound::var(B),
                Sym::D => Bound::var(D),
                Sym::C => match self.sampling {
                    Sampling::WithReplacement => Bound::over([0; 4], &[Factor::B]),
                    Sampling::WithoutReplacement | Sampling::RandomReshuffling => {
                        Bound::over(plus(unit(N), unit(B)), &[Factor::B, Factor::NMinusOne])
                    }
                },
                Sym::H => Self::mean_h(),
                // (1/N) Σ H_s² − ((1/N) Σ H_s)((1/N) Σ H_t).
                Sym::Sigma => Self::mean_h().add(&Self::mean_h().mul(&Self::mean_h())),
                Sym::I | Sym::A | Sym::Q | Sym::X | Sym::W | Sym::Ones => Bound::default(),
                Sym::HBatch => return None,
            },
            ExprKind::Neg(x) | ExprKind::Transpose(x) => self.bound(x)?,
            ExprKind::Add(x, y) | ExprKind::Sub(x, y) => self.bound(x)?.add(&self.bound(y)?),
            ExprKind::Mul(x, y) => self.bound(x)?.mul(&self.bound(y)?),
            ExprKind::Div(x, y) => {
                let (x, y) = (self.bound(x)?, self.bound(y)?);
                self.divisors += 1;
                // x / (P_y/Q_y) = x·Q_y / P_y.
                let q_y = Bound {
                    num: Bound::den_degrees(&y.den),
                    den: BTreeMap::new(),
                };
                x.mul(&q_y).mul(&Bound::over(
                    [0; 4],
                    &[Factor::Divisor(self.divisors, y.num)],
                ))
            }
            ExprKind::Pow(x, k) => {
                let x = self.bound(x)?;
                (0..*k).fold(Bound::default(), |acc, _| acc.mul(&x))
            }
            // Σ over k indices: an index absent from a word multiplies by N (at most N^k).
            ExprKind::Sum(spec, body) => {
                let k = u32::try_from(spec.vars.len()).ok()?;
                self.bound(body)?.times_n_power(k)
            }
            // (1/N) Σ_s body.
            ExprKind::SampleMean(_, body) => self
                .bound(body)?
                .times_n_power(1)
                .mul(&Bound::over([0; 4], &[Factor::N])),
            ExprKind::BatchMean(_) | ExprKind::Call(..) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_share_a_common_denominator() {
        // 1/N + 1/N²: over N², numerator degree 1 in N.
        let a = Bound::over([0; 4], &[Factor::N]);
        let b = Bound::over([0; 4], &[Factor::N, Factor::N]);
        let s = a.add(&b);
        assert_eq!(s.num, [1, 0, 0, 0]);
        assert_eq!(Bound::den_degrees(&s.den), [2, 0, 0, 0]);
        // γ/B + N/(N − 1): over B(N − 1), numerator degrees (1, 1, 1, 0).
        let x = Bound::var(GAMMA).mul(&Bound::over([0; 4], &[Factor::B]));
        let y = Bound::var(N).mul(&Bound::over([0; 4], &[Factor::NMinusOne]));
        assert_eq!(x.add(&y).num, [1, 1, 1, 0]);
    }
}
