//! Visiting every minibatch once, with its exact probability: the `C(N,B)` subsets, the `N^B`
//! ordered draws, or the multisets with their multinomial weights — and the overflow-checked
//! count of each, computed before anything is visited.

use super::count::{binomial, binomial_u128, multinomial, power};
use super::limit::{admit, EnumerationParams};
use crate::error::{Error, Result};
use crate::exact::Scalar;
use crate::instance::Sampling;

/// How the minibatches of a sampling scheme are visited.
///
/// | route | scheme | batches visited | probability of one |
/// |---|---|---|---|
/// | [`Route::Subsets`] | without replacement | `C(N,B)` subsets | `1/C(N,B)` |
/// | [`Route::OrderedTuples`] | with replacement | `N^B` ordered draws `(ξ_1, …, ξ_B)` | `1/N^B` |
/// | [`Route::Multisets`] | with replacement | `C(N+B−1, B)` multisets `{m_j}` | `B!/(∏_j m_j!) / N^B` |
///
/// The two with-replacement routes are independent ways to the same expectation; the tests check
/// that they agree exactly on rationals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Every `B`-subset of the `N` samples once.
    Subsets,
    /// Every ordered tuple of `B` draws once.
    OrderedTuples,
    /// Every multiset of `B` draws once, weighted by its number of orderings.
    Multisets,
}

impl Route {
    /// Every route, in the order they are documented.
    pub const ALL: [Route; 3] = [Route::Subsets, Route::OrderedTuples, Route::Multisets];

    /// The sampling scheme whose minibatches this route visits.
    #[must_use]
    pub fn sampling(self) -> Sampling {
        match self {
            Self::Subsets => Sampling::WithoutReplacement,
            Self::OrderedTuples | Self::Multisets => Sampling::WithReplacement,
        }
    }

    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subsets => "subsets",
            Self::OrderedTuples => "ordered_tuples",
            Self::Multisets => "multisets",
        }
    }

    /// The number of batches this route visits for `N = n`, `B = b`: `C(N,B)` (`0` if `B > N`),
    /// `N^B` or `C(N+B−1, B)`. `None` if it does not fit in a `u128`.
    #[must_use]
    pub fn count(self, n: usize, b: usize) -> Option<u128> {
        match self {
            Self::Subsets => binomial(n, b),
            Self::OrderedTuples => power(n, b),
            // N + B − 1 in u128: B may be as large as usize::MAX with replacement.
            Self::Multisets => binomial_u128(n as u128 + b as u128 - 1, b as u128),
        }
    }

    /// The common denominator of the probabilities: `C(N,B)` for subsets, `N^B` with
    /// replacement. `None` if it does not fit in a `u128`.
    #[must_use]
    pub fn denominator(self, n: usize, b: usize) -> Option<u128> {
        match self {
            Self::Subsets => binomial(n, b),
            Self::OrderedTuples | Self::Multisets => power(n, b),
        }
    }

    /// What one batch is called in messages, with the count formula: `C(N,B) subsets`.
    fn describe(self, n: usize, b: usize) -> String {
        match self {
            Self::Subsets => format!("C({n},{b})"),
            Self::OrderedTuples => format!("{n}^{b}"),
            Self::Multisets => format!("C({},{b})", n as u128 + b as u128 - 1),
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One visited minibatch and its probability `multiplicity / out_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch<'a> {
    /// The sample indices `ξ ∈ B_k`, with repetition for the with-replacement routes: increasing
    /// for subsets, non-decreasing for multisets, in draw order for ordered tuples.
    /// `H_B = (1/B) Σ_{ξ ∈ indices} H_ξ`.
    pub indices: &'a [usize],
    /// How many equally likely outcomes this batch stands for: `1` for subsets and ordered
    /// tuples, `B!/∏_j m_j!` for a multiset with multiplicities `m_j`.
    pub multiplicity: u128,
    /// The number of equally likely outcomes: `C(N,B)` or `N^B`.
    pub out_of: u128,
}

impl Batch<'_> {
    /// The probability `multiplicity / out_of` in the scalar `T` (exact for rationals).
    ///
    /// # Panics
    /// If the integers do not convert to `T` (they do for `f64` and `BigRational`).
    #[must_use]
    pub fn probability<T: Scalar>(&self) -> T {
        from_u128::<T>(self.multiplicity) / from_u128::<T>(self.out_of)
    }
}

/// `x` as a `T`.
///
/// # Panics
/// If `T` cannot represent `x` (`f64` and `BigRational` always can).
pub(crate) fn from_u128<T: Scalar>(x: u128) -> T {
    T::from_u128(x).expect("an integer count converts to the scalar type")
}

/// Visit every minibatch of `route` for `N = n`, `B = b`, calling `visit` once per batch, and
/// return the number of batches visited (`route.count(n, b)`).
///
/// The probabilities of the visited batches sum to exactly 1.
///
/// # Errors
/// [`Error::Input`] on field `batch_size` if `B = 0` or `N = 0`, if `B > N` for
/// [`Route::Subsets`], if a count overflows `u128`, or if the count exceeds `params.limit` and
/// `params.over_limit` is [`super::OverLimit::Refuse`]; the message states the count and points
/// to the closed form or Monte Carlo.
///
/// # Panics
/// Never: a multiset's multinomial weight is at most `N^B`, which was checked to fit.
pub fn for_each_batch(
    n: usize,
    b: usize,
    route: Route,
    params: &EnumerationParams,
    mut visit: impl FnMut(&Batch<'_>),
) -> Result<u128> {
    let (count, out_of) = batch_counts(n, b, route)?;
    admit(
        Some(count),
        &format!(
            "every minibatch ({} = {count} {route})",
            route.describe(n, b)
        ),
        "batch_size",
        params,
    )?;
    let mut idx: Vec<usize> = match route {
        Route::Subsets => (0..b).collect(),
        Route::OrderedTuples | Route::Multisets => vec![0; b],
    };
    let ticker = super::progress::Ticker::start(
        params.progress,
        count,
        &format!("{} {route}", route.describe(n, b)),
    );
    let mut visited: u128 = 0;
    loop {
        let multiplicity = match route {
            Route::Multisets => multinomial(&idx).expect("a multinomial coefficient ≤ N^B fits"),
            Route::Subsets | Route::OrderedTuples => 1,
        };
        visit(&Batch {
            indices: &idx,
            multiplicity,
            out_of,
        });
        visited += 1;
        if visited % 1024 == 0 {
            ticker.inc(1024);
        }
        let advanced = match route {
            Route::Subsets => next_subset(&mut idx, n),
            Route::OrderedTuples => next_tuple(&mut idx, n),
            Route::Multisets => next_multiset(&mut idx, n),
        };
        if !advanced {
            break;
        }
    }
    ticker.finish();
    debug_assert_eq!(visited, count);
    Ok(visited)
}

/// `(count, out_of)` of `route`, validated.
pub(crate) fn batch_counts(n: usize, b: usize, route: Route) -> Result<(u128, u128)> {
    if n == 0 || b == 0 {
        return Err(Error::invalid(
            crate::error::ErrorKind::OutOfRange,
            "batch_size",
            format!("cannot enumerate minibatches with N = {n}, B = {b}: both must be at least 1"),
        ));
    }
    if route == Route::Subsets && b > n {
        return Err(Error::invalid(
            crate::error::ErrorKind::OutOfRange,
            "batch_size",
            format!(
                "B = {b} exceeds N = {n}: there is no B-subset to enumerate without replacement"
            ),
        ));
    }
    let alternatives = "use the closed form (`sgd-stability analyze`) or Monte Carlo";
    let count = route.count(n, b).ok_or_else(|| {
        Error::invalid(crate::error::ErrorKind::TooLarge,
            "batch_size",
            format!(
                "the number of minibatches ({} {route}) exceeds 2^128 and cannot be enumerated; {alternatives}",
                route.describe(n, b)
            ),
        )
    })?;
    let out_of = route.denominator(n, b).ok_or_else(|| {
        Error::invalid(crate::error::ErrorKind::TooLarge,
            "batch_size",
            format!(
                "the {count} {route} stand for {n}^{b} equally likely ordered draws, more than 2^128, and cannot be weighted exactly; {alternatives}"
            ),
        )
    })?;
    Ok((count, out_of))
}

/// The next `B`-subset of `0..n` in lexicographic order; `false` after the last.
fn next_subset(idx: &mut [usize], n: usize) -> bool {
    let b = idx.len();
    let Some(i) = (0..b).rev().find(|&i| idx[i] < n - b + i) else {
        return false;
    };
    idx[i] += 1;
    for j in i + 1..b {
        idx[j] = idx[j - 1] + 1;
    }
    true
}

/// The next tuple in `0..n` (odometer, last position fastest); `false` after the last.
fn next_tuple(idx: &mut [usize], n: usize) -> bool {
    for slot in idx.iter_mut().rev() {
        if *slot + 1 < n {
            *slot += 1;
            return true;
        }
        *slot = 0;
    }
    false
}

/// The next non-decreasing tuple in `0..n` (lexicographic); `false` after the last.
fn next_multiset(idx: &mut [usize], n: usize) -> bool {
    let Some(i) = (0..idx.len()).rev().find(|&i| idx[i] + 1 < n) else {
        return false;
    };
    let v = idx[i] + 1;
    for slot in &mut idx[i..] {
        *slot = v;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(n: usize, b: usize, route: Route) -> Vec<(Vec<usize>, u128, u128)> {
        let mut out = Vec::new();
        for_each_batch(n, b, route, &EnumerationParams::default(), |batch| {
            out.push((batch.indices.to_vec(), batch.multiplicity, batch.out_of));
        })
        .unwrap();
        out
    }

    #[test]
    fn counts_match_formulas() {
        assert_eq!(binomial(20, 10), Some(184_756));
        assert_eq!(binomial(3, 5), Some(0));
        assert_eq!(binomial(0, 0), Some(1));
        assert_eq!(power(3, 4), Some(81));
        assert_eq!(Route::Multisets.count(3, 2), Some(6));
        // C(130, 65) ≈ 9.5e37 fits in a u128; C(140, 70) ≈ 9.4e40 does not.
        assert!(binomial(130, 65).is_some());
        assert_eq!(binomial(140, 70), None);
        assert_eq!(power(10, 39), None);
        // B = usize::MAX with replacement: C(N + B − 1, B) without overflowing usize.
        assert_eq!(
            Route::Multisets.count(2, usize::MAX),
            Some(u128::from(u64::MAX) + 1)
        );
        assert!(
            Route::Multisets.count(3, usize::MAX).is_some(),
            "C(2^64 + 1, 2) < 2^128"
        );
        assert_eq!(Route::Multisets.count(4, usize::MAX), None);
    }

    #[test]
    fn subsets_are_increasing_and_all_distinct() {
        let v = collect(5, 3, Route::Subsets);
        assert_eq!(v.len(), 10);
        assert!(v
            .iter()
            .all(|(s, m, o)| s.windows(2).all(|w| w[0] < w[1]) && *m == 1 && *o == 10));
        let mut sets: Vec<_> = v.into_iter().map(|x| x.0).collect();
        sets.dedup();
        assert_eq!(sets.len(), 10);
    }

    #[test]
    fn multiset_multiplicities_sum_to_n_pow_b() {
        for (n, b) in [(1, 1), (2, 3), (3, 2), (4, 4), (5, 1)] {
            let v = collect(n, b, Route::Multisets);
            assert_eq!(v.len() as u128, Route::Multisets.count(n, b).unwrap());
            let total: u128 = v.iter().map(|x| x.1).sum();
            assert_eq!(total, power(n, b).unwrap(), "n = {n}, b = {b}");
        }
        // {0, 0, 1} of 3 draws: 3!/(2!·1!) = 3 orderings.
        assert_eq!(multinomial(&[0, 0, 1]), Some(3));
    }

    #[test]
    fn tuples_visit_n_pow_b() {
        let v = collect(3, 3, Route::OrderedTuples);
        assert_eq!(v.len(), 27);
        assert_eq!(v[1].0, vec![0, 0, 1]);
    }

    #[test]
    fn invalid_shapes_are_refused() {
        let p = EnumerationParams::default();
        assert!(for_each_batch(3, 4, Route::Subsets, &p, |_| {}).is_err());
        assert!(for_each_batch(0, 1, Route::Multisets, &p, |_| {}).is_err());
        let e = for_each_batch(200, 100, Route::Subsets, &p, |_| {}).unwrap_err();
        assert!(e.to_string().contains("2^128"), "{e}");
    }
}
