//! How much enumeration is allowed: the visit [`Limit`], what to do above it ([`OverLimit`]), and
//! which with-replacement route to take ([`ReplacementRoute`]), gathered in [`EnumerationParams`].

use super::progress::Progress;
use crate::error::{Error, Result};
use crate::limits::{product, MemoryBudget};

/// The largest number of visits (minibatches, or nodes of the tree of batch paths) an
/// enumeration makes without being forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Limit(u128);

impl Limit {
    /// The default: 5,000,000 visits (a few seconds at `d ≤ 10` in `f64`).
    pub const DEFAULT: Limit = Limit(5_000_000);

    /// A limit of `max_visits` (`0` refuses every enumeration unless forced).
    #[must_use]
    pub const fn new(max_visits: u128) -> Self {
        Self(max_visits)
    }

    /// The number of visits allowed.
    #[must_use]
    pub const fn get(self) -> u128 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What an enumeration does when its count exceeds the [`Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OverLimit {
    /// Return an error that states the count (the default).
    #[default]
    Refuse,
    /// Enumerate anyway (the user forced it). A count that overflows `u128` is still refused.
    Proceed,
}

/// Which of the two independent with-replacement routes to take (without replacement there is
/// only one: the subsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReplacementRoute {
    /// The `C(N+B−1, B)` multisets with multinomial weights (the default: fewer visits).
    #[default]
    Multisets,
    /// The `N^B` ordered draws, each with probability `1/N^B`.
    OrderedTuples,
}

/// The parameters of an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EnumerationParams {
    /// The most visits allowed unless forced.
    pub limit: Limit,
    /// Refuse or proceed above the limit.
    pub over_limit: OverLimit,
    /// The route for with-replacement sampling.
    pub replacement_route: ReplacementRoute,
    /// Which implementation computes `f64` expectations without replacement.
    pub engine: Engine,
    /// Whether a long enumeration draws a progress bar (never, by default).
    pub progress: Progress,
    /// Which instructions the fast route's kernels may use (detected at run time, by default).
    pub simd: SimdDispatch,
}

/// Which implementation [`super::expectations`] uses for `f64` problems without replacement
/// (rationals, and sampling with replacement, always take the generic route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// The fast path ([`super::subset_moments`]): revolving-door order, batched products, split
    /// across the rayon pool with a result independent of the thread count (the default).
    #[default]
    Fast,
    /// The generic batch-by-batch route, the same code as for rationals: the reference the fast
    /// path is tested against.
    Generic,
}

impl EnumerationParams {
    /// The default parameters with another limit.
    #[must_use]
    pub fn with_limit(limit: Limit) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// The same parameters, forced past the limit ([`OverLimit::Proceed`]).
    #[must_use]
    pub fn forced(self) -> Self {
        Self {
            over_limit: OverLimit::Proceed,
            ..self
        }
    }

    /// The same parameters with another [`Progress`].
    #[must_use]
    pub fn with_progress(self, progress: Progress) -> Self {
        Self { progress, ..self }
    }

    /// The same parameters with another [`Engine`].
    #[must_use]
    pub fn with_engine(self, engine: Engine) -> Self {
        Self { engine, ..self }
    }
}

/// Admit an enumeration of `count` visits (`None`: more than `u128::MAX`) described by `what`, or
/// explain on `field` why not.
pub(crate) fn admit(
    count: Option<u128>,
    what: &str,
    field: &str,
    params: &EnumerationParams,
) -> Result<u128> {
    let alternatives = "use the closed form instead (`sgd-stability analyze`, or \
                        `enumerate::closed_form`), or a Monte Carlo estimate";
    let Some(count) = count else {
        return Err(Error::invalid(crate::error::ErrorKind::TooLarge,
            field,
            format!("enumerating {what} means more than 2^128 visits, which cannot be done even when forced; {alternatives}"),
        ));
    };
    if count > params.limit.get() && params.over_limit == OverLimit::Refuse {
        return Err(Error::invalid(crate::error::ErrorKind::TooLarge,
            field,
            format!(
                "enumerating {what} means {count} visits, above the limit of {} visits; {alternatives}, or raise the limit or force the enumeration (OverLimit::Proceed)",
                params.limit.get()
            ),
        ));
    }
    Ok(count)
}

/// Check that an enumeration of `n` samples in dimension `d` with entries of type `T` fits the
/// current [`MemoryBudget`], before anything is allocated.
///
/// The estimate: the `N` Hessians (`N·d²`), and the four quantities (`3d² + d⁴` entries, the
/// operator `E[M_B ⊗ M_B]` being `d²×d²`) held about `threads + 5` times (the enumerated and
/// the closed-form copies, one accumulator per thread, the closed form's temporaries, the
/// report's `f64` copies); a type larger than `f64` (a rational) counts twice its size for its
/// heap digits.
///
/// # Errors
/// [`crate::Error::Limit`] on `hessians` naming the size and the limit.
pub fn check_memory<T>(n: usize, d: usize) -> Result<()> {
    let (n, d) = (n as u128, d as u128);
    let size = std::mem::size_of::<T>() as u128;
    let per_entry = if size > 8 { 2 * size } else { size };
    let d2 = product(&[d, d]);
    let quantities = product(&[d2, d2]).saturating_add(product(&[3, d2]));
    let copies = rayon::current_num_threads() as u128 + 5;
    let entries = product(&[n, d2]).saturating_add(product(&[copies, quantities]));
    MemoryBudget::current().check(
        "hessians",
        format!(
            "enumerating the second-moment operator E[M_B ⊗ M_B] (d² × d² = {d2} × {d2}) in {}",
            if size > 8 { "exact rationals" } else { "f64" }
        ),
        product(&[per_entry, entries]),
    )
}

/// Which instructions the fast route's fixed-size kernels may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SimdDispatch {
    /// Detect at run time: AVX2 with fused multiply-add where the CPU has them, else portable
    /// (the default).
    #[default]
    Detect,
    /// Portable code only (no fused multiply-add): the fallback, forced (tests use it).
    Portable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_inclusive_and_forcing_proceeds() {
        let p = EnumerationParams::with_limit(Limit::new(10));
        assert_eq!(admit(Some(10), "x", "f", &p).unwrap(), 10);
        let e = admit(Some(11), "x", "f", &p).unwrap_err().to_string();
        assert!(e.contains("11 visits") && e.contains("closed form"), "{e}");
        assert_eq!(admit(Some(11), "x", "f", &p.forced()).unwrap(), 11);
        assert!(admit(None, "x", "f", &p.forced()).is_err());
    }
}
