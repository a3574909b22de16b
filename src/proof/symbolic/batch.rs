//! `E_B[…]` of a polynomial in batch sums, reduced to sums over the samples by inclusion
//! moments.
//!
//! A monomial inside `E_B` is summed over `k` batch positions `p₁…p_k ∈ {1..B}` (from `H_B` and
//! `sum_{i in B}`). Group the position tuples by which positions coincide (a set partition `π`
//! with `m` blocks): there are `(B)_m = B(B−1)⋯(B−m+1)` tuples of distinct positions for the
//! blocks, and the batch members at distinct positions are
//! - without replacement: a uniformly random ordered `m`-tuple of distinct samples, so
//!   `E Σ_{distinct positions} W = (B)_m/(N)_m Σ_{distinct s₁…s_m} W(s)` (inclusion probability
//!   `P(i₁,…,i_m ∈ B) = (B)_m/(N)_m`), and the sum over distinct samples is written with
//!   unrestricted sums by Möbius inversion over the set partitions `σ` of the blocks,
//!   `μ(σ) = Π_blocks (−1)^{|b|−1}(|b|−1)!`;
//! - with replacement: `m` independent uniform samples, `(B)_m/N^m Σ_{s₁…s_m} W(s)`.
//!
//! The sum over position tuples is over all tuples, so it does not depend on how positions are
//! ordered (an ordered pair sum `sum_{i<j in B}` is handled by the caller only when its body is
//! symmetric).

use super::super::limits::MAX_BATCH_POSITIONS;
use super::frac::{Frac, Origin};
use super::term::{outside, Atom, Canon, Param, Poly, SResult, SlotKind};
use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::One;
use std::collections::BTreeMap;

/// The set partitions of `{0..k}` as block labels (restricted growth strings).
pub(crate) fn set_partitions(k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut a = vec![0usize; k];
    loop {
        out.push(a.clone());
        // Next restricted growth string.
        let mut i = k;
        loop {
            if i <= 1 {
                return out;
            }
            i -= 1;
            let max_prev = a[..i].iter().copied().max().unwrap_or(0);
            if a[i] <= max_prev {
                a[i] += 1;
                for x in &mut a[i + 1..] {
                    *x = 0;
                }
                break;
            }
        }
    }
}

fn blocks(p: &[usize]) -> usize {
    p.iter().copied().max().map_or(0, |m| m + 1)
}

/// `μ(σ) = Π_blocks (−1)^{|b|−1} (|b|−1)!`.
fn mobius(p: &[usize]) -> BigInt {
    let mut sizes = vec![0usize; blocks(p)];
    for &b in p {
        sizes[b] += 1;
    }
    let mut mu = BigInt::one();
    for s in sizes {
        for j in 1..s {
            mu *= BigInt::from(j);
        }
        if s % 2 == 0 {
            mu = -mu;
        }
    }
    mu
}

/// How `N` and `B` enter the inclusion moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sizes {
    /// Both symbolic.
    Free,
    /// `B = 1`, `N` symbolic.
    BatchOne,
    /// `B = N`, `N` symbolic.
    BatchFull,
    /// Both numbers.
    Fixed { n: u32, b: u32 },
}

fn int(k: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(k))
}

/// `(B)_m / (N)_m` (without replacement) or `(B)_m / N^m` (with), as a fraction.
fn weight(m: usize, sampling: Sampling, sizes: Sizes, canon: Canon) -> SResult<Frac> {
    let with = sampling == Sampling::WithReplacement;
    let param = |p: Param| Poly::atom(Atom::Param(p));
    let linear = |p: Param, k: usize| {
        let mut x = param(p);
        x.add(Poly::constant(int(-i64::try_from(k).unwrap_or(i64::MAX))));
        x
    };
    match sizes {
        Sizes::Fixed { n, b } => {
            let (n, b) = (u64::from(n), u64::from(b));
            let mut w = BigRational::one();
            for j in 0..m as u64 {
                if j >= b {
                    return Ok(Frac::poly(Poly::zero()));
                }
                let den = if with { n } else { n - j };
                w *= BigRational::new(BigInt::from(b - j), BigInt::from(den));
            }
            Ok(Frac::poly(Poly::constant(w)))
        }
        Sizes::BatchFull if !with => Ok(Frac::poly(Poly::one())),
        Sizes::BatchOne if m >= 2 => Ok(Frac::poly(Poly::zero())),
        _ => {
            let mut num = Poly::one();
            for j in 0..m {
                let factor = match sizes {
                    Sizes::BatchOne => Poly::one(),
                    Sizes::BatchFull => linear(Param::N, j),
                    _ => linear(Param::B, j),
                };
                num = num.mul(&factor, canon)?;
            }
            let mut f = Frac::poly(num);
            for j in 0..m {
                let den = if with {
                    param(Param::N)
                } else {
                    linear(Param::N, j)
                };
                f = Frac::over(f.num, den, Origin::Reduction)?.mul(
                    &Frac {
                        num: Poly::one(),
                        den: f.den,
                    },
                    canon,
                )?;
            }
            Ok(f)
        }
    }
}

/// `E_B[p]` for a polynomial `p` whose batch positions are slots of kind
/// [`SlotKind::Position`].
pub(crate) fn expectation(
    p: &Poly,
    sampling: Sampling,
    sizes: Sizes,
    canon: Canon,
) -> SResult<Frac> {
    // Accumulate by the number m of distinct positions.
    let mut by_m: BTreeMap<usize, Poly> = BTreeMap::new();
    for (mono, c) in &p.terms {
        let positions: Vec<usize> = (0..mono.slots.len())
            .filter(|&s| mono.slots[s] == SlotKind::Position)
            .collect();
        let others: Vec<usize> = (0..mono.slots.len())
            .filter(|&s| mono.slots[s] != SlotKind::Position)
            .collect();
        let k = positions.len();
        if k > MAX_BATCH_POSITIONS {
            return outside(format!(
                "E_B[…] of a product of {k} batch sums, more than {MAX_BATCH_POSITIONS} (limit)"
            ));
        }
        for pi in set_partitions(k) {
            if crate::exact::work::exhausted() {
                return outside("the symbolic route reached its work limit");
            }
            let m = blocks(&pi);
            let merges: Vec<(Vec<usize>, BigInt)> = if sampling == Sampling::WithReplacement {
                vec![((0..m).collect(), BigInt::one())]
            } else {
                set_partitions(m)
                    .into_iter()
                    .map(|s| {
                        let mu = mobius(&s);
                        (s, mu)
                    })
                    .collect()
            };
            for (sigma, mu) in merges {
                let t = blocks(&sigma);
                let mut map = vec![0u8; mono.slots.len()];
                let mut kinds = Vec::with_capacity(others.len() + t);
                for (new, &old) in others.iter().enumerate() {
                    map[old] = u8::try_from(new).unwrap_or(u8::MAX);
                    kinds.push(mono.slots[old]);
                }
                for (i, &pos) in positions.iter().enumerate() {
                    map[pos] = u8::try_from(others.len() + sigma[pi[i]]).unwrap_or(u8::MAX);
                }
                kinds.extend(std::iter::repeat(SlotKind::Sample).take(t));
                let mut nm = mono.clone();
                nm.rename_slots(&map, kinds);
                let coef = c * BigRational::from_integer(mu);
                by_m.entry(m)
                    .or_default()
                    .add(Poly::mono(nm).scaled(&coef).renormalized(canon)?);
            }
        }
    }
    let mut out = Frac::poly(Poly::zero());
    for (m, poly) in by_m {
        if poly.is_zero() {
            continue;
        }
        let w = weight(m, sampling, sizes, canon)?;
        if w.num.is_zero() {
            continue;
        }
        out = out.add(&w.mul(&Frac::poly(poly), canon)?, canon)?;
    }
    if out.num.is_zero() {
        out.den.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bell_numbers() {
        let counts: Vec<usize> = (0..=6).map(|k| set_partitions(k).len()).collect();
        assert_eq!(counts, vec![1, 1, 2, 5, 15, 52, 203]);
    }

    #[test]
    fn mobius_of_partitions() {
        // Σ_σ μ(σ) over the partitions of a 3-set is 0 (the Möbius function sums to 0).
        let total: BigInt = set_partitions(3).iter().map(|p| mobius(p)).sum();
        assert_eq!(total, BigInt::from(0));
        assert_eq!(mobius(&[0, 0, 0]), BigInt::from(2));
        assert_eq!(mobius(&[0, 0, 1]), BigInt::from(-1));
    }
}
