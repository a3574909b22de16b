//! The work meter of exact arithmetic: every operation on big numbers charges units (about one
//! 64-bit multiply each, so a product of two big numbers charges the product of their sizes in
//! words) to a per-thread meter. A computation runs under a limit ([`metered`]: the derivation
//! checker runs each step under one); once the meter passes it, [`exhausted`] is true and the
//! computation stops at its next check and reports that it ran out. The count depends only on
//! the numbers, never on the clock: reports stay reproducible. Outside [`metered`] there is no
//! limit, and charges cost a thread-local addition.

use num_rational::BigRational;
use std::cell::Cell;

thread_local! {
    static USED: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Charge `units`.
#[inline]
pub(crate) fn charge(units: u64) {
    USED.with(|u| u.set(u.get().saturating_add(units)));
}

/// Charge for one operation on numbers of `a` and `b` bits.
#[inline]
pub(crate) fn charge_bits(a: u64, b: u64) {
    charge((a / 64 + 1).saturating_mul(b / 64 + 1));
}

/// The size of a rational in bits (numerator and denominator).
pub(crate) fn bits(q: &BigRational) -> u64 {
    q.numer().bits() + q.denom().bits()
}

/// Charge for an operation on rationals that reduces its result: the binary gcd is quadratic
/// in the size.
pub(crate) fn charge_reduced(a: &BigRational, b: &BigRational) {
    let n = bits(a) + bits(b);
    charge_bits(n, n.saturating_mul(32));
}

/// Whether the current limit is used up.
#[inline]
pub(crate) fn exhausted() -> bool {
    USED.with(Cell::get) > LIMIT.with(Cell::get)
}

/// Run `f` with at most `limit` units; returns its result and the units it used. Nested calls
/// run under the smaller of the two limits and charge the outer meter too.
pub(crate) fn metered<R>(limit: u64, f: impl FnOnce() -> R) -> (R, u64) {
    let (used0, limit0) = (USED.with(Cell::get), LIMIT.with(Cell::get));
    let inner = used0.saturating_add(limit).min(limit0);
    LIMIT.with(|l| l.set(inner));
    let r = f();
    let used = USED.with(Cell::get).saturating_sub(used0);
    LIMIT.with(|l| l.set(limit0));
    (r, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_nest_and_charge_the_outer_meter() {
        let ((inner_ran_out, inner_used), outer_used) = metered(100, || {
            let r = metered(1000, || {
                charge(150);
                exhausted()
            });
            (r.0, r.1)
        });
        assert!(inner_ran_out, "the outer limit (100) applies inside");
        assert_eq!(inner_used, 150);
        assert_eq!(outer_used, 150);
        assert!(!exhausted());
    }
}
