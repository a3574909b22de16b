//! The revolving-door (Gray-code) order of the `B`-subsets of `{0, …, N−1}`: consecutive subsets
//! differ by one element out and one element in, so a batch sum `S_B = Σ_{ξ ∈ B} H_ξ` moves to
//! the next subset with one addition and one subtraction (`O(d²)`, not `O(B d²)`).
//!
//! The order is defined recursively (Kreher & Stinson, *Combinatorial Algorithms*, §2.3.3):
//! `R(N, B) = R(N−1, B)` followed by the reverse of `R(N−1, B−1)` with `N−1` added to each
//! subset; `R(N, 0) = [∅]`, `R(N, N) = [{0, …, N−1}]`. [`unrank`] reads the `r`-th subset off
//! that definition, so an enumeration can be cut into chunks by rank, each started on its own;
//! [`RevolvingDoor::advance`] steps to the next subset in `O(1)` amortized (Kreher & Stinson's
//! successor algorithm).

use super::count::binomial;

/// The subset of rank `rank` in the revolving-door order of the `b`-subsets of `0..n`,
/// increasing.
///
/// # Panics
/// If `b > n`, if `C(n, b)` overflows `u128`, or if `rank ≥ C(n, b)`.
#[must_use]
pub fn unrank(n: usize, b: usize, rank: u128) -> Vec<usize> {
    let c = |n, k| binomial(n, k).expect("C(n, b) fits in a u128");
    assert!(b <= n, "B = {b} > N = {n}");
    assert!(rank < c(n, b), "rank {rank} out of range for C({n},{b})");
    let (mut n, mut k, mut r) = (n, b, rank);
    let mut out = Vec::with_capacity(b);
    while k > 0 {
        if k == n {
            out.extend(0..n);
            break;
        }
        let first = c(n - 1, k);
        if r >= first {
            // In the reversed R(n−1, k−1) ⊕ {n−1}: position r − first from its end.
            r = c(n - 1, k - 1) - 1 - (r - first);
            out.push(n - 1);
            k -= 1;
        }
        n -= 1;
    }
    out.sort_unstable();
    out
}

/// A position in the revolving-door order of the `B`-subsets of `0..N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevolvingDoor {
    /// `t[1..=B]`: the subset, 1-based and increasing; `t[0]` is scratch and `t[B+1] = N + 1`
    /// a sentinel, as in Kreher & Stinson.
    t: Vec<usize>,
    n: usize,
}

impl RevolvingDoor {
    /// The subset of rank `rank` (see [`unrank`]).
    ///
    /// # Panics
    /// As [`unrank`].
    #[must_use]
    pub fn at_rank(n: usize, b: usize, rank: u128) -> Self {
        let mut t = Vec::with_capacity(b + 2);
        t.push(0);
        t.extend(unrank(n, b, rank).into_iter().map(|x| x + 1));
        t.push(n + 1);
        Self { t, n }
    }

    /// The current subset, increasing (0-based).
    pub fn subset(&self) -> impl Iterator<Item = usize> + '_ {
        self.t[1..self.t.len() - 1].iter().map(|&x| x - 1)
    }

    /// Step to the next subset and return `(removed, added)`: the one element that left and
    /// the one that entered (0-based).
    ///
    /// Must not be called on the last subset `{0, …, B−2, N−1}` (the order is cyclic, but the
    /// step after the last is not tracked here); with `B = 0` or `B = N` there is no next one.
    ///
    /// # Panics
    /// In debug builds, on the last subset or if `B ∈ {0, N}`.
    pub fn advance(&mut self) -> (usize, usize) {
        let k = self.t.len() - 2;
        debug_assert!(
            k > 0 && k < self.n,
            "no next subset for B = {k}, N = {}",
            self.n
        );
        let t = &mut self.t;
        let mut j = 1;
        while j <= k && t[j] == j {
            j += 1;
        }
        // Here t[i] = i for i < j and t[j] > j. Each branch names the one (1-based) element
        // that leaves and the one that enters.
        let (removed, added);
        if (k + j) % 2 == 1 {
            if j == 1 {
                removed = t[1];
                t[1] -= 1;
                added = t[1];
            } else {
                // j > 2: {…, j−2, j−1, t[j], …} becomes {…, j−1, j, t[j], …};
                // j = 2: {1, t[2], …} becomes {2, t[2], …}.
                t[j - 1] = j;
                if j > 2 {
                    t[j - 2] = j - 1;
                    removed = j - 2;
                } else {
                    removed = 1;
                }
                added = j;
            }
        } else if t[j + 1] != t[j] + 1 {
            removed = if j == 1 { t[1] } else { j - 1 };
            t[j - 1] = t[j];
            t[j] += 1;
            added = t[j];
        } else {
            debug_assert!(j < k, "advance() called on the last subset");
            removed = t[j + 1];
            t[j + 1] = t[j];
            t[j] = j;
            added = j;
        }
        // t[0] is scratch: the branches above may write it when j = 1.
        t[0] = 0;
        (removed - 1, added - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `R(n, b)` straight from the recursive definition.
    fn by_definition(n: usize, b: usize) -> Vec<Vec<usize>> {
        if b == 0 {
            return vec![vec![]];
        }
        if b == n {
            return vec![(0..n).collect()];
        }
        let mut out = by_definition(n - 1, b);
        let mut tail = by_definition(n - 1, b - 1);
        tail.reverse();
        out.extend(tail.into_iter().map(|mut s| {
            s.push(n - 1);
            s
        }));
        out
    }

    #[test]
    fn unrank_and_advance_follow_the_definition() {
        for n in 1..=9 {
            for b in 1..=n {
                let want = by_definition(n, b);
                assert_eq!(want.len() as u128, binomial(n, b).unwrap());
                for (r, s) in want.iter().enumerate() {
                    assert_eq!(&unrank(n, b, r as u128), s, "unrank({n},{b},{r})");
                }
                let mut door = RevolvingDoor::at_rank(n, b, 0);
                for pair in want.windows(2) {
                    let (out, inn) = door.advance();
                    let now: Vec<usize> = door.subset().collect();
                    assert_eq!(now, pair[1], "N = {n}, B = {b}");
                    assert!(pair[0].contains(&out) && !pair[1].contains(&out));
                    assert!(pair[1].contains(&inn) && !pair[0].contains(&inn));
                }
            }
        }
    }
}
