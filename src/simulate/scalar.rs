//! `d = 1` in closed form: the mean-square rate `ln E(1 − γh_B)²` and the Lyapunov exponent
//! `E ln|1 − γh_B|`, by listing every minibatch — an oracle independent of both the simulation
//! and the operator `L_γ`.

use crate::instance::{Instance, Sampling};
use serde::Serialize;

/// The two growth rates of a scalar instance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScalarRates {
    /// `ln E(1 − γh_B)²`: `E x_k² = x_0² e^{k·rate}` exactly.
    pub mean_square: f64,
    /// `E ln|1 − γh_B|`: `(1/k) ln|x_k/x_0| →` this almost surely (law of large numbers; the
    /// batches are i.i.d. across steps). `−∞` if some batch has `γh_B = 1`.
    pub lyapunov: f64,
    /// How many (equally likely) minibatches were listed.
    pub batches: usize,
}

/// Refuse to list more minibatches than this.
const MAX_BATCHES: usize = 1_000_000;

/// The exact rates of a `d = 1` instance; `None` if `d ≠ 1` or there are more than a million
/// minibatches (`C(N, B)` without replacement, `N^B` ordered draws with replacement), and under
/// random reshuffling, whose steps are not independent (its mean-square rate is that of the
/// per-epoch operator, [`crate::mean_square::reshuffling`]).
#[must_use]
pub fn scalar_rates(instance: &Instance) -> Option<ScalarRates> {
    if instance.d() != 1 || !instance.sampling().is_iid() {
        return None;
    }
    let h: Vec<f64> = (0..instance.n())
        .map(|i| instance.samples().hessian(i)[(0, 0)])
        .collect();
    let (n, b, gamma) = (h.len(), instance.batch_size().get(), instance.gamma().get());
    let mut sq = 0.0;
    let mut ln = 0.0;
    let mut count = 0usize;
    let mut visit = |idx: &[usize]| {
        let hb = idx.iter().map(|&i| h[i]).sum::<f64>() / b as f64;
        let f = 1.0 - gamma * hb;
        sq += f * f;
        ln += f.abs().ln();
        count += 1;
    };
    let mut idx: Vec<usize> = vec![0; b];
    match instance.sampling() {
        Sampling::WithoutReplacement => {
            if binomial(n, b)? > MAX_BATCHES {
                return None;
            }
            (0..b).for_each(|j| idx[j] = j);
            loop {
                visit(&idx);
                // Next combination in lexicographic order.
                let Some(j) = (0..b).rev().find(|&j| idx[j] < n - b + j) else {
                    break;
                };
                idx[j] += 1;
                for t in j + 1..b {
                    idx[t] = idx[t - 1] + 1;
                }
            }
        }
        // Refused above.
        Sampling::RandomReshuffling => return None,
        Sampling::WithReplacement => {
            let total = u32::try_from(b).ok().and_then(|b| n.checked_pow(b))?;
            if total > MAX_BATCHES {
                return None;
            }
            loop {
                visit(&idx);
                let Some(j) = (0..b).rev().find(|&j| idx[j] + 1 < n) else {
                    break;
                };
                idx[j] += 1;
                idx[j + 1..].iter_mut().for_each(|v| *v = 0);
            }
        }
    }
    let c = count as f64;
    Some(ScalarRates {
        mean_square: (sq / c).ln(),
        lyapunov: ln / c,
        batches: count,
    })
}

fn binomial(n: usize, k: usize) -> Option<usize> {
    let mut r: usize = 1;
    for i in 0..k.min(n - k) {
        r = r.checked_mul(n - i)? / (i + 1);
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials() {
        assert_eq!(binomial(4, 2), Some(6));
        assert_eq!(binomial(10, 3), Some(120));
        assert_eq!(binomial(5, 5), Some(1));
    }
}
