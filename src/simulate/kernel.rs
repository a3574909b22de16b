//! One trajectory of linearized SGD: batch sampling, the dense and rank-one steps, and the
//! log-scale bookkeeping that keeps unstable runs finite.

use super::{SimParams, X0};
use crate::instance::{Gradients, Instance, Samples, Sampling};
use crate::linalg;
use faer::traits::pulp::{Arch, Simd as PulpSimd, WithSimd};
use rand::RngExt as _;
use rand_chacha::rand_core::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Relative slack added to the eigenvalue range behind [`step_norm_bound`]
/// ([`crate::Tolerances::STEP_NORM_BOUND_SLACK`]).
const BOUND_SLACK: f64 = crate::Tolerances::STEP_NORM_BOUND_SLACK;

/// `x` is renormalized when `‖x‖²` leaves `[2⁻¹⁰⁰⁰, 2¹⁰⁰⁰]`.
const RENORM_HI: f64 = 1.0e301;
const RENORM_LO: f64 = 1.0e-301;

/// `μ ≥ ‖I − γH_B‖₂` for every minibatch `B` the instance can draw.
///
/// Every eigenvalue of `H_B` lies in `[ℓ, u]`: without replacement `λ_max(H_B) ≤ (1/B)
/// Σ_{i∈B} λ_max(H_i)` is at most the mean of the `B` largest `λ_max(H_i)` (and symmetrically
/// for `λ_min`), and the same under random reshuffling, whose batches are `B`-subsets too; with
/// replacement a batch can repeat one sample, so `[ℓ, u]` is the range of the single-sample
/// eigenvalues. `I − γH_B` is symmetric, so its norm is
/// `max |1 − γλ| ≤ max(|1 − γℓ|, |1 − γu|) = μ`. For gradients `λ_max(g gᵀ) = ‖g‖²` and
/// `λ_min = 0` (if `d > 1`). In `d = 1` the bound is attained. A relative slack of `1e-12`
/// covers the eigenvalue solver's rounding.
#[must_use]
pub fn step_norm_bound(instance: &Instance) -> f64 {
    let samples = instance.samples();
    let d = samples.d();
    // Per sample, in parallel (N eigenvalue problems, or N norms of long rows: setup that
    // would otherwise run on one thread before the trials start).
    let (mut lo, mut hi): (Vec<f64>, Vec<f64>) = match samples {
        Samples::Gradients(g) => (0..samples.n())
            .into_par_iter()
            .map(|i| {
                let s = g.row(i).iter().fold(0.0, |s, v| s + v * v);
                (if d == 1 { s } else { 0.0 }, s)
            })
            .unzip(),
        Samples::Hessians(hs) => hs
            .par_iter()
            .map(|h| match linalg::sym_eigenvalues(h.as_ref()) {
                Ok(ev) => (ev[0], ev[ev.len() - 1]),
                Err(_) => gershgorin(h.as_ref()),
            })
            .unzip(),
    };
    lo.sort_by(f64::total_cmp);
    hi.sort_by(f64::total_cmp);
    let b = instance.batch_size().get();
    let (l, u) = match instance.sampling() {
        Sampling::WithReplacement => (lo[0], hi[hi.len() - 1]),
        // Under random reshuffling every batch is a B-subset too.
        Sampling::WithoutReplacement | Sampling::RandomReshuffling => (
            lo[..b].iter().sum::<f64>() / b as f64,
            hi[hi.len() - b..].iter().sum::<f64>() / b as f64,
        ),
    };
    let scale = l.abs().max(u.abs());
    let (l, u) = (l - BOUND_SLACK * scale, u + BOUND_SLACK * scale);
    let gamma = instance.gamma().get();
    (1.0 - gamma * l).abs().max((1.0 - gamma * u).abs())
}

fn gershgorin(h: faer::MatRef<'_, f64>) -> (f64, f64) {
    let d = h.nrows();
    (0..d).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
        let r: f64 = (0..d).filter(|&j| j != i).map(|j| h[(i, j)].abs()).sum();
        (lo.min(h[(i, i)] - r), hi.max(h[(i, i)] + r))
    })
}

/// What one trial leaves behind.
pub(super) struct TrialRecord {
    /// `ln‖x_k‖²` at each recorded step (`−∞` once the trajectory is exactly 0).
    pub ln_norm_sq: Vec<f64>,
    /// The first `k` with `‖x_k‖ ≥ r`, if an escape radius was given and reached.
    pub escape: Option<usize>,
}

/// The samples in the layout the step needs: contiguous rows.
pub(super) struct Kernel<'a> {
    d: usize,
    n: usize,
    b: usize,
    gamma: f64,
    sampling: Sampling,
    /// Dense: the `N` Hessians' upper triangles, packed column by column (`H_rc`, `r ≤ c`; they
    /// are symmetric), each zero-padded to [`Kernel::stride`] entries
    /// (empty for gradients).
    data: Vec<f64>,
    /// Entries per Hessian in `data`: `d(d+1)/2` rounded up to [`SUM_CHUNK`].
    stride: usize,
    /// Rank-one: the instance's gradients, borrowed (each `g_i` is contiguous).
    gradients: Option<&'a Gradients>,
}

impl<'a> Kernel<'a> {
    pub(super) fn new(instance: &'a Instance) -> Self {
        let (d, n) = (instance.d(), instance.n());
        let stride = padded(d * (d + 1) / 2);
        let (data, gradients) = match instance.samples() {
            Samples::Gradients(g) => (Vec::new(), Some(g)),
            Samples::Hessians(hs) => {
                let mut data = vec![0.0; n * stride];
                for (h, out) in hs.iter().zip(data.chunks_exact_mut(stride)) {
                    let upper = (0..d).flat_map(|c| (0..=c).map(move |r| h[(r, c)]));
                    for (o, v) in out.iter_mut().zip(upper) {
                        *o = v;
                    }
                }
                (data, None)
            }
        };
        Self {
            d,
            n,
            b: instance.batch_size().get(),
            gamma: instance.gamma().get(),
            sampling: instance.sampling(),
            data,
            stride,
            gradients,
        }
    }

    pub(super) fn is_rank_one(&self) -> bool {
        self.gradients.is_some()
    }

    /// Trial `trial`: its own stream `set_stream(trial)` of `ChaCha8Rng::seed_from_u64(seed)`.
    ///
    /// Runs inside `pulp`'s run-time dispatch (as faer's kernels do), so the loops below are
    /// compiled for the widest vector instructions the CPU has. Fused multiply-add is never
    /// used and every sum keeps its order, so the bits do not depend on the instruction set.
    pub(super) fn run_trial(
        &self,
        trial: u64,
        params: &SimParams,
        recorded: &[usize],
    ) -> TrialRecord {
        Arch::new().dispatch(Trial {
            kernel: self,
            trial,
            params,
            recorded,
        })
    }

    #[inline(always)]
    fn trial(&self, trial: u64, params: &SimParams, recorded: &[usize]) -> TrialRecord {
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        rng.set_stream(trial);
        let d = self.d;
        let mut x = match &params.x0 {
            X0::Given(v) => v.clone(),
            X0::RandomUnit => random_unit(&mut rng, d),
        };
        let mut y = vec![0.0; d];
        // Dense: the batch sum S_B = Σ_{i∈B} H_i, column-major (H_i is symmetric).
        let mut s_b = vec![0.0; if self.is_rank_one() { 0 } else { self.stride }];
        let mut rows = Vec::with_capacity(self.b);
        let mut perm: Vec<usize> = (0..self.n).collect();
        let mut batch = vec![0usize; self.b];
        let full_batch = self.sampling.batch_is_subset() && self.b == self.n;
        // Random reshuffling: the position of the next batch in the current epoch's permutation.
        let mut epoch_pos = 0usize;
        if full_batch {
            batch.copy_from_slice(&perm);
        }
        // True iterate = exp(scale) · x.
        let mut scale = 0.0f64;
        let mut norm_sq: f64 = sum_sq(&x);
        let ln_r_sq = params.escape_radius.map(|r| 2.0 * r.ln());
        let escape_at = |scale: f64| ln_r_sq.map_or(f64::INFINITY, |l| (l - 2.0 * scale).exp());
        let mut escape_threshold = escape_at(scale);
        let mut escape = None;
        let mut ln_norm_sq = Vec::with_capacity(recorded.len());
        let mut next = 0;
        if recorded.first() == Some(&0) {
            ln_norm_sq.push(norm_sq.ln());
            next = 1;
        }
        if norm_sq >= escape_threshold {
            escape = Some(0);
        }
        let step_factor = self.gamma / self.b as f64;
        for k in 1..=params.steps {
            if !full_batch {
                self.draw(&mut rng, &mut perm, &mut batch, &mut epoch_pos);
            }
            if let Some(g) = self.gradients {
                // y = Σ_{i∈B} g_i (g_iᵀx): O(B·d). Two rows at a time, so that two streams
                // from memory are in flight (the rows are far apart in a large G).
                y.fill(0.0);
                let row = |i: usize| g.row(i);
                let mut pairs = batch.chunks_exact(2);
                for pair in &mut pairs {
                    let (ga, gb) = (row(pair[0]), row(pair[1]));
                    let (da, db) = dot2(ga, gb, &x);
                    for ((yj, a), b) in y.iter_mut().zip(ga).zip(gb) {
                        *yj = (*yj + a * da) + b * db;
                    }
                }
                if let [i] = *pairs.remainder() {
                    let g = row(i);
                    let dot = dot(g, &x);
                    y.iter_mut().zip(g).for_each(|(yj, gj)| *yj += gj * dot);
                }
            } else {
                // y = S_B x, S_B summed first (its packed upper triangle: contiguous,
                // vectorized additions of half the matrix), then column by column:
                // y[..c] += S[..c, c]·x_c and y_c += S_cc·x_c + S[..c, c]ᵀx[..c].
                self.batch_sum(&batch, &mut rows, &mut s_b);
                y.fill(0.0);
                let mut start = 0;
                for c in 0..d {
                    let col = &s_b[start..=start + c];
                    let (above, diag) = (&col[..c], col[c]);
                    let xc = x[c];
                    let mut cross = 0.0;
                    for ((yr, v), xr) in y[..c].iter_mut().zip(above).zip(&x[..c]) {
                        *yr += v * xc;
                        cross += v * xr;
                    }
                    y[c] += diag * xc + cross;
                    start += c + 1;
                }
            }
            x.iter_mut()
                .zip(&y)
                .for_each(|(xj, yj)| *xj -= step_factor * yj);
            norm_sq = sum_sq(&x);
            if norm_sq == 0.0 {
                // Exactly zero: it stays zero.
                ln_norm_sq.resize(recorded.len(), f64::NEG_INFINITY);
                return TrialRecord { ln_norm_sq, escape };
            }
            if !(RENORM_LO..=RENORM_HI).contains(&norm_sq) {
                let norm = norm_sq.sqrt();
                scale += norm.ln();
                x.iter_mut().for_each(|v| *v /= norm);
                norm_sq = 1.0;
                escape_threshold = escape_at(scale);
            }
            if escape.is_none() && norm_sq >= escape_threshold {
                escape = Some(k);
            }
            if recorded.get(next) == Some(&k) {
                ln_norm_sq.push(2.0 * scale + norm_sq.ln());
                next += 1;
            }
        }
        TrialRecord { ln_norm_sq, escape }
    }

    /// `s_b = Σ_{i∈B} H_i` (padded to [`Kernel::stride`]), summed in batch order: the sum is
    /// cut into [`SUM_CHUNK`]-long pieces that stay in registers while every `H_i` of the
    /// batch is added, so each entry is loaded once per `H_i` and stored once.
    #[inline(always)]
    fn batch_sum<'s>(&'s self, batch: &[usize], rows: &mut Vec<&'s [f64]>, s_b: &mut [f64]) {
        let stride = self.stride;
        rows.clear();
        rows.extend(
            batch
                .iter()
                .map(|&i| &self.data[i * stride..(i + 1) * stride]),
        );
        let (first, rest) = rows.split_first().expect("B ≥ 1");
        for (c, out) in s_b.chunks_exact_mut(SUM_CHUNK).enumerate() {
            let off = c * SUM_CHUNK;
            let mut acc: [f64; SUM_CHUNK] = first[off..off + SUM_CHUNK]
                .try_into()
                .expect("SUM_CHUNK entries");
            for h in rest {
                let h: &[f64; SUM_CHUNK] = h[off..off + SUM_CHUNK]
                    .try_into()
                    .expect("SUM_CHUNK entries");
                for t in 0..SUM_CHUNK {
                    acc[t] += h[t];
                }
            }
            out.copy_from_slice(&acc);
        }
    }

    /// A minibatch into `batch`: a uniform `B`-subset by partial Fisher–Yates on `perm` (any
    /// arrangement of `perm` gives a uniform subset), or `B` uniform draws.
    ///
    /// Random reshuffling continues one Fisher–Yates shuffle of `perm` across the epoch: the
    /// batch at `epoch_pos` fixes positions `epoch_pos..epoch_pos + B` (each drawn uniformly
    /// from the positions not yet fixed this epoch), so the `N/B` batches of an epoch are
    /// the consecutive blocks of one uniformly random permutation, and the next epoch starts a
    /// fresh shuffle (`B | N` is validated by [`Instance::new`]).
    fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        perm: &mut [usize],
        batch: &mut [usize],
        epoch_pos: &mut usize,
    ) {
        match self.sampling {
            Sampling::WithoutReplacement => {
                for j in 0..self.b {
                    let t = j + below(rng, self.n - j);
                    perm.swap(j, t);
                }
                batch.copy_from_slice(&perm[..self.b]);
            }
            Sampling::RandomReshuffling => {
                let start = *epoch_pos;
                let end = start + self.b;
                for j in start..end {
                    let t = j + below(rng, self.n - j);
                    perm.swap(j, t);
                }
                batch.copy_from_slice(&perm[start..end]);
                *epoch_pos = if end == self.n { 0 } else { end };
            }
            Sampling::WithReplacement => {
                for slot in batch.iter_mut() {
                    *slot = below(rng, self.n);
                }
            }
        }
    }
}

/// A uniform draw from `0..n` (`n ≥ 1`): Lemire's multiply-shift with rejection ("Fast
/// random integer generation in an interval", 2019), exactly unbiased, one `next_u32` per draw;
/// the modulo that sets the rejection zone is computed only in the rare case (probability
/// `< n/2³²`) that it can matter. (`n ≥ 2³²`, more samples than fit in memory, goes to
/// `rand`'s `random_range`.)
#[inline(always)]
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let Ok(n32) = u32::try_from(n) else {
        return rng.random_range(0..n);
    };
    let mut m = u64::from(rng.next_u32()) * u64::from(n32);
    if (m as u32) < n32 {
        let zone = n32.wrapping_neg() % n32;
        while (m as u32) < zone {
            m = u64::from(rng.next_u32()) * u64::from(n32);
        }
    }
    (m >> 32) as usize
}

/// Entries of the dense batch sum held in registers at a time (two AVX-512 or four AVX2
/// registers).
const SUM_CHUNK: usize = 16;

/// `len` rounded up to a multiple of [`SUM_CHUNK`].
fn padded(len: usize) -> usize {
    len.div_ceil(SUM_CHUNK) * SUM_CHUNK
}

/// One trial inside `pulp`'s dispatch: [`Kernel::trial`] compiled with the features of `S`.
struct Trial<'a> {
    kernel: &'a Kernel<'a>,
    trial: u64,
    params: &'a SimParams,
    recorded: &'a [usize],
}

impl WithSimd for Trial<'_> {
    type Output = TrialRecord;

    #[inline(always)]
    fn with_simd<S: PulpSimd>(self, _simd: S) -> TrialRecord {
        self.kernel.trial(self.trial, self.params, self.recorded)
    }
}

/// Independent partial sums in [`dot`] and [`sum_sq`]: one vector register's worth.
const LANES: usize = 8;

/// `aᵀb` with [`LANES`] independent partial sums (so the compiler can vectorize it); the order
/// of operations is fixed, so results stay bit-identical across runs, thread counts and
/// instruction sets.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for t in 0..LANES {
            acc[t] += x[t] * y[t];
        }
    }
    finish(acc, ra, rb)
}

/// The end of [`dot`] and [`dot2`], shared so that both add in the same order: the partial
/// sums in a fixed tree, then the tail `Σ a_i b_i` of the last `len % LANES` entries.
#[inline(always)]
fn finish(acc: [f64; LANES], a_rest: &[f64], b_rest: &[f64]) -> f64 {
    let tail: f64 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// `(aᵀx, bᵀx)`, each bit-identical to [`dot`], in one pass.
#[inline(always)]
fn dot2(a: &[f64], b: &[f64], x: &[f64]) -> (f64, f64) {
    let mut acc_a = [0.0f64; LANES];
    let mut acc_b = [0.0f64; LANES];
    let (ca, cb, cx) = (
        a.chunks_exact(LANES),
        b.chunks_exact(LANES),
        x.chunks_exact(LANES),
    );
    let (ra, rb, rx) = (ca.remainder(), cb.remainder(), cx.remainder());
    for ((p, q), v) in ca.zip(cb).zip(cx) {
        for t in 0..LANES {
            acc_a[t] += p[t] * v[t];
            acc_b[t] += q[t] * v[t];
        }
    }
    (finish(acc_a, ra, rx), finish(acc_b, rb, rx))
}

/// `‖a‖²`, as [`dot`]`(a, a)`.
#[inline(always)]
fn sum_sq(a: &[f64]) -> f64 {
    dot(a, a)
}

/// A uniform unit vector: normalized standard normals (Box–Muller).
fn random_unit(rng: &mut ChaCha8Rng, d: usize) -> Vec<f64> {
    loop {
        let mut v = Vec::with_capacity(d);
        while v.len() < d {
            // u1 ∈ (0, 1] so that ln u1 is finite.
            let u1 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random();
            let r = (-2.0 * u1.ln()).sqrt();
            let t = std::f64::consts::TAU * u2;
            v.push(r * t.cos());
            if v.len() < d {
                v.push(r * t.sin());
            }
        }
        let n: f64 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if n > 0.0 {
            v.iter_mut().for_each(|x| *x /= n);
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BatchSize, LearningRate};

    fn d1(h: &[f64], gamma: f64, b: usize, sampling: Sampling) -> Instance {
        let rows: Vec<Vec<Vec<f64>>> = h.iter().map(|&v| vec![vec![v]]).collect();
        Instance::new(
            "t",
            Samples::hessians_from_rows(&rows, crate::RelTol::new(0.0).unwrap()).unwrap(),
            LearningRate::new(gamma).unwrap(),
            BatchSize::new(b).unwrap(),
            sampling,
        )
        .unwrap()
    }

    #[test]
    fn step_bound_is_attained_in_d1() {
        // H_B ∈ {2, 3, 4, 5, 6}: |1 − 0.48·6| = 1.88.
        let inst = d1(&[1.0, 3.0, 5.0, 7.0], 0.48, 2, Sampling::WithoutReplacement);
        assert!((step_norm_bound(&inst) - 1.88).abs() < 1e-9);
        // With replacement a batch can be {7, 7}: |1 − 0.48·7| = 2.36.
        let inst = d1(&[1.0, 3.0, 5.0, 7.0], 0.48, 2, Sampling::WithReplacement);
        assert!((step_norm_bound(&inst) - 2.36).abs() < 1e-9);
    }

    /// The dispatched kernel (AVX-512 or AVX2 where the CPU has them) and the scalar one give
    /// the same bits: no fused multiply-add, the same order of every sum.
    #[test]
    fn instruction_set_does_not_change_the_bits() {
        use pulp::Simd as _;
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let dense: Vec<Vec<Vec<f64>>> = (0..6)
            .map(|_| {
                let g: Vec<f64> = (0..5).map(|_| rng.random_range(-1.0..1.0)).collect();
                (0..5)
                    .map(|i| {
                        (0..5)
                            .map(|j| g[i] * g[j] + f64::from(u8::from(i == j)))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let grads: Vec<Vec<f64>> = (0..8)
            .map(|_| (0..37).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let tol = crate::RelTol::new(1e-12).unwrap();
        let cases = [
            (Samples::hessians_from_rows(&dense, tol).unwrap(), 0.3, 3),
            (Samples::gradients_from_rows(&grads).unwrap(), 0.05, 4),
        ];
        for (samples, gamma, b) in cases {
            for sampling in Sampling::EVERY {
                let inst = Instance::new(
                    "t",
                    samples.clone(),
                    LearningRate::new(gamma).unwrap(),
                    BatchSize::new(b).unwrap(),
                    sampling,
                )
                .unwrap();
                let kernel = Kernel::new(&inst);
                let params = SimParams::new(40, 3, 11);
                let recorded: Vec<usize> = (0..=40).collect();
                for trial in 0..3 {
                    let op = |kernel| Trial {
                        kernel,
                        trial,
                        params: &params,
                        recorded: &recorded,
                    };
                    let fast = Arch::new().dispatch(op(&kernel)).ln_norm_sq;
                    let scalar = pulp::Scalar::new().vectorize(op(&kernel)).ln_norm_sq;
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&fast), bits(&scalar), "{sampling}, trial {trial}");
                }
            }
        }
    }

    /// `below` is the map `rand`'s `random_range(0..n)` uses (the high half of `u32 · n`) for
    /// every draw outside the rejection zone, so on these streams the two agree draw for draw.
    #[test]
    fn below_matches_rand_outside_the_rejection_zone() {
        for n in [1usize, 2, 7, 100, 10_000, 1 << 31] {
            let mut a = ChaCha8Rng::seed_from_u64(5);
            let mut b = ChaCha8Rng::seed_from_u64(5);
            for _ in 0..20_000 {
                assert_eq!(below(&mut a, n), b.random_range(0..n), "n = {n}");
            }
        }
    }

    /// Pearson's χ² over the thirds of `0..n` for `n = 3·2³⁰`, where a quarter of the `u32`
    /// draws fall in the rejection zone: `below` passes, and `x mod n` (which puts half of its
    /// mass on the first third) fails at the same sample size.
    #[test]
    fn below_is_uniform_where_rejection_matters() {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let n = 3usize << 30;
        let p_value = |draw: &mut dyn FnMut() -> usize| {
            let draws = 30_000;
            let mut counts = [0f64; 3];
            for _ in 0..draws {
                let v = draw();
                assert!(v < n);
                counts[v / (1 << 30)] += 1.0;
            }
            let expected = f64::from(draws) / 3.0;
            let chi2: f64 = counts
                .iter()
                .map(|c| (c - expected).powi(2) / expected)
                .sum();
            1.0 - ChiSquared::new(2.0).unwrap().cdf(chi2)
        };
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        assert!(p_value(&mut || below(&mut rng, n)) > 0.01);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        assert!(p_value(&mut || rng.next_u32() as usize % n) < 1e-6);
    }

    #[test]
    fn random_unit_has_unit_norm() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for d in [1, 2, 5] {
            let v = random_unit(&mut rng, d);
            let n: f64 = v.iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-14);
        }
    }
}
