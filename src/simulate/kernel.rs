//! One trajectory of linearized SGD: batch sampling, the dense and rank-one steps, and the
//! log-scale bookkeeping that keeps unstable runs finite.

use super::{SimParams, X0};
use crate::instance::{Instance, Samples, Sampling};
use crate::linalg;
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Relative slack added to the eigenvalue range behind [`step_norm_bound`], covering the
/// rounding of the symmetric eigenvalue solver (about `d·ε·‖H_i‖`).
const BOUND_SLACK: f64 = 1e-12;

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
    let (mut lo, mut hi): (Vec<f64>, Vec<f64>) = match samples {
        Samples::Gradients(g) => {
            // Column by column: faer stores G column-major.
            let mut norms = vec![0.0; g.nrows()];
            for j in 0..d {
                for (s, v) in norms.iter_mut().zip(g.col(j).iter()) {
                    *s += v * v;
                }
            }
            norms
                .into_iter()
                .map(|s| (if d == 1 { s } else { 0.0 }, s))
                .unzip()
        }
        Samples::Hessians(hs) => hs
            .iter()
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
pub(super) struct Kernel {
    d: usize,
    n: usize,
    b: usize,
    gamma: f64,
    sampling: Sampling,
    /// Rank-one: `N×d` row-major gradients; dense: `N` row-major `d×d` Hessians.
    data: Vec<f64>,
    rank_one: bool,
}

impl Kernel {
    pub(super) fn new(instance: &Instance) -> Self {
        let (d, n) = (instance.d(), instance.n());
        let (data, rank_one) = match instance.samples() {
            Samples::Gradients(g) => {
                // Blocked transpose of the column-major N×d matrix into row-major rows.
                const BLOCK: usize = 64;
                let mut data = vec![0.0; n * d];
                for i0 in (0..n).step_by(BLOCK) {
                    let i1 = (i0 + BLOCK).min(n);
                    for j in 0..d {
                        for i in i0..i1 {
                            data[i * d + j] = g[(i, j)];
                        }
                    }
                }
                (data, true)
            }
            Samples::Hessians(hs) => (
                hs.iter()
                    .flat_map(|h| (0..d).flat_map(move |r| (0..d).map(move |c| h[(r, c)])))
                    .collect(),
                false,
            ),
        };
        Self {
            d,
            n,
            b: instance.batch_size().get(),
            gamma: instance.gamma().get(),
            sampling: instance.sampling(),
            data,
            rank_one,
        }
    }

    pub(super) fn is_rank_one(&self) -> bool {
        self.rank_one
    }

    /// Trial `trial`: its own stream `set_stream(trial)` of `ChaCha8Rng::seed_from_u64(seed)`.
    pub(super) fn run_trial(
        &self,
        trial: u64,
        params: &SimParams,
        recorded: &[usize],
    ) -> TrialRecord {
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        rng.set_stream(trial);
        let d = self.d;
        let mut x = match &params.x0 {
            X0::Given(v) => v.clone(),
            X0::RandomUnit => random_unit(&mut rng, d),
        };
        let mut y = vec![0.0; d];
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
        let mut norm_sq: f64 = x.iter().map(|v| v * v).sum();
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
            y.iter_mut().for_each(|v| *v = 0.0);
            if self.rank_one {
                for &i in &batch {
                    let g = &self.data[i * d..(i + 1) * d];
                    let dot = dot(g, &x);
                    y.iter_mut().zip(g).for_each(|(yj, gj)| *yj += gj * dot);
                }
            } else {
                let dd = d * d;
                for &i in &batch {
                    let h = &self.data[i * dd..(i + 1) * dd];
                    for (yr, row) in y.iter_mut().zip(h.chunks_exact(d)) {
                        *yr += dot(row, &x);
                    }
                }
            }
            x.iter_mut()
                .zip(&y)
                .for_each(|(xj, yj)| *xj -= step_factor * yj);
            norm_sq = x.iter().map(|v| v * v).sum();
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
                    let t = rng.random_range(j..self.n);
                    perm.swap(j, t);
                }
                batch.copy_from_slice(&perm[..self.b]);
            }
            Sampling::RandomReshuffling => {
                let start = *epoch_pos;
                let end = start + self.b;
                for j in start..end {
                    let t = rng.random_range(j..self.n);
                    perm.swap(j, t);
                }
                batch.copy_from_slice(&perm[start..end]);
                *epoch_pos = if end == self.n { 0 } else { end };
            }
            Sampling::WithReplacement => {
                for slot in batch.iter_mut() {
                    *slot = rng.random_range(0..self.n);
                }
            }
        }
    }
}

/// `aᵀb` with four independent partial sums (so the compiler can vectorize it); the order of
/// operations is fixed, so results stay bit-identical across runs and thread counts.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for t in 0..4 {
            acc[t] += x[t] * y[t];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
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
