//! How many minibatches: binomial and multinomial coefficients and powers, in `u128` with
//! overflow checked (`None` when a count does not fit).

/// `C(n, k)` with overflow-checked arithmetic (`0` if `k > n`).
pub(crate) fn binomial(n: usize, k: usize) -> Option<u128> {
    binomial_u128(n as u128, k as u128)
}

/// [`binomial`] of `u128` arguments (`N + B − 1` may exceed `usize`).
pub(crate) fn binomial_u128(n: u128, k: u128) -> Option<u128> {
    if k > n {
        return Some(0);
    }
    let k = k.min(n - k);
    let mut r: u128 = 1;
    for i in 1..=k {
        // r = C(n − k + i − 1, i − 1), so r·m is divisible by i for m = n − k + i. With
        // g = gcd(r, i), i/g divides m, and r/g · m/(i/g) overflows only if the result does.
        let m = n - k + i;
        let g = gcd(r, i);
        r = (r / g).checked_mul(m / (i / g))?;
    }
    Some(r)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `n^b`, overflow-checked.
pub(crate) fn power(n: usize, b: usize) -> Option<u128> {
    (n as u128).checked_pow(u32::try_from(b).ok()?)
}

/// `B!/∏_j m_j!` for a non-decreasing index list (the `m_j` are its run lengths), as a product of
/// binomials `∏ C(m_1 + … + m_j, m_j)`, overflow-checked.
pub(crate) fn multinomial(sorted: &[usize]) -> Option<u128> {
    let mut r: u128 = 1;
    let mut total = 0;
    let mut start = 0;
    while start < sorted.len() {
        let run = sorted[start..]
            .iter()
            .take_while(|&&x| x == sorted[start])
            .count();
        total += run;
        r = r.checked_mul(binomial(total, run)?)?;
        start += run;
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials_satisfy_pascals_rule_up_to_the_u128_edge() {
        for n in 1..=130 {
            for k in 1..n {
                let (a, b, c) = (binomial(n - 1, k - 1), binomial(n - 1, k), binomial(n, k));
                assert_eq!(
                    c,
                    a.zip(b).and_then(|(a, b)| a.checked_add(b)),
                    "C({n},{k})"
                );
            }
        }
    }
}
