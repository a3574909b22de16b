//! Minibatches for the trainers, drawn from one seeded ChaCha8 stream.

use crate::instance::Sampling;
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Draws batches of `B` indices out of `0..N` by a [`Sampling`] scheme.
#[derive(Debug, Clone)]
pub(crate) struct BatchSampler {
    b: usize,
    sampling: Sampling,
    rng: ChaCha8Rng,
    /// A permutation of `0..N`: the pool for subsets and epochs.
    perm: Vec<usize>,
    /// Random reshuffling: the next position in the current epoch.
    pos: usize,
}

impl BatchSampler {
    /// A sampler (`B ≤ N` for subset schemes, `B | N` for random reshuffling: checked by the
    /// caller).
    pub(crate) fn new(n: usize, b: usize, sampling: Sampling, seed: u64) -> Self {
        Self {
            b,
            sampling,
            rng: ChaCha8Rng::seed_from_u64(seed),
            perm: (0..n).collect(),
            pos: n,
        }
    }

    /// The next batch, into `out`.
    pub(crate) fn next(&mut self, out: &mut Vec<usize>) {
        let n = self.perm.len();
        out.clear();
        match self.sampling {
            // A partial Fisher–Yates shuffle: the first B entries are a uniform B-subset (the
            // pool stays a permutation, so every step draws afresh from all N).
            Sampling::WithoutReplacement => {
                for i in 0..self.b {
                    let j = self.rng.random_range(i..n);
                    self.perm.swap(i, j);
                }
                out.extend_from_slice(&self.perm[..self.b]);
            }
            Sampling::WithReplacement => {
                for _ in 0..self.b {
                    out.push(self.rng.random_range(0..n));
                }
            }
            Sampling::RandomReshuffling => {
                if self.pos + self.b > n {
                    for i in (1..n).rev() {
                        let j = self.rng.random_range(0..=i);
                        self.perm.swap(i, j);
                    }
                    self.pos = 0;
                }
                out.extend_from_slice(&self.perm[self.pos..self.pos + self.b]);
                self.pos += self.b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_distinct_and_uniform() {
        let (n, b, steps) = (5, 2, 50_000);
        let mut s = BatchSampler::new(n, b, Sampling::WithoutReplacement, 1);
        let mut counts = [0usize; 5];
        let mut out = Vec::new();
        for _ in 0..steps {
            s.next(&mut out);
            assert_eq!(out.len(), b);
            assert_ne!(out[0], out[1]);
            out.iter().for_each(|&i| counts[i] += 1);
        }
        // Each index appears with probability B/N = 0.4 per step: 20 000 ± 110 (sd).
        for c in counts {
            assert!((c as f64 - 20_000.0).abs() < 700.0, "{counts:?}");
        }
    }

    #[test]
    fn reshuffling_visits_every_sample_once_per_epoch() {
        let (n, b) = (6, 2);
        let mut s = BatchSampler::new(n, b, Sampling::RandomReshuffling, 3);
        let mut out = Vec::new();
        let mut epochs = Vec::new();
        for _ in 0..4 {
            let mut seen = Vec::new();
            for _ in 0..n / b {
                s.next(&mut out);
                seen.extend_from_slice(&out);
            }
            epochs.push(seen.clone());
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
        assert!(epochs.windows(2).any(|w| w[0] != w[1]), "reshuffled");
    }

    #[test]
    fn with_replacement_can_repeat() {
        let mut s = BatchSampler::new(2, 3, Sampling::WithReplacement, 0);
        let mut out = Vec::new();
        s.next(&mut out);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|&i| i < 2));
    }
}
