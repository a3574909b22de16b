//! The fast `f64` route over the `C(N,B)` subsets (sampling without replacement): batch sums
//! updated in revolving-door order, many batches folded into one large matrix product, the work
//! split across the rayon pool in chunks fixed by rank so that the result is bit-for-bit the same
//! for any number of threads.
//!
//! With `S_B = Σ_{ξ ∈ B} H_ξ = B·H_B`, everything is a linear function of two enumerated sums:
//!
//! - `E[H_B] = Σ_B S_B / (B·C(N,B))`;
//! - `E[H_B²] = Σ_B S_B S_B / (B²·C(N,B))`;
//! - `E[(I − γH_B)²] = I − 2γE[H_B] + γ²E[H_B²]` (expanding the square: linearity of `E`);
//! - the operator `L[i + j·d, k + l·d] = E[(M_B)_ik (M_B)_lj]` with `M_B = I − (γ/B)S_B`, which
//!   needs the second moments `E[(S_B)_ik (S_B)_lj]` of the entries of `S_B`.
//!
//! **Order.** The subsets are visited in the revolving-door order ([`super::RevolvingDoor`]), so
//! `S_B` moves to the next subset by `+H_in − H_out`: `O(d²)` per subset instead of `O(B d²)`.
//!
//! **Blocking.** `d×d` products are far too small to run a CPU near its floating-point limit.
//! The batch sums of [`SUBSETS_PER_BLOCK`] consecutive subsets are stacked and folded into one
//! product:
//! - [`Quantities::Moments`]: `Σ_b S_b S_b = A Aᵀ` with `A = [S_1 … S_m]` (`d × md`; `S_b` is
//!   symmetric), a `d×d` product with inner dimension `md`;
//! - [`Quantities::WithOperator`]: the Gram matrix `Σ_b v_b v_bᵀ` of `v_b = (the upper triangle
//!   of S_b, 1)`, `w = d(d+1)/2 + 1` entries: the lower triangle of one `w×w` product with inner
//!   dimension `m` (by column panels, [`lower_gram_update`]), whose entries are `Σ S_ij S_kl`,
//!   `Σ S_ij` and the count. `Σ S_B S_B` is read off it too.
//!
//! **Threads and reproducibility.** The ranks `0..C(N,B)` are cut into chunks of
//! [`SUBSETS_PER_CHUNK`] (a constant, not a function of the thread count). Each chunk starts from
//! its first subset ([`super::unrank`]) with `S_B` summed from scratch — so rounding drift of the
//! updates cannot grow past one chunk — and accumulates its own partial sums sequentially.
//! The chunks run in parallel; their partial sums are added in chunk order. Every floating-point
//! operation, and its order, is thus fixed by the problem alone: 1 or 64 threads give the same
//! bits.

use super::batches::batch_counts;
use super::fixed;
use super::limit::{admit, EnumerationParams, SimdDispatch};
use super::operator::MeanSquareMatrix;
use super::problem::Problem;
use super::progress::Ticker;
use super::revolving_door::RevolvingDoor;
use super::Route;
use crate::error::{Error, Result};
use crate::exact::Matrix;
use crate::instance::Sampling;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use pulp::{Arch, WithSimd};
use rayon::prelude::*;

/// Subsets per chunk: the unit of parallel work and of drift control (`S_B` is recomputed from
/// scratch at the start of each chunk). Fixed, so the result does not depend on the thread
/// count.
pub const SUBSETS_PER_CHUNK: u128 = 4096;

/// Subsets whose batch sums are stacked into one matrix product.
pub const SUBSETS_PER_BLOCK: usize = 256;

/// Which sums the fast route accumulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantities {
    /// `E[H_B]`, `E[H_B²]` and `E[(I − γH_B)²]`: one `d×d` product per subset (`2d³` flops).
    Moments,
    /// The same and the operator `Q ↦ E[M_B Q M_B]`: one rank-one update of a
    /// `(d(d+1)/2 + 1)`-square Gram matrix per subset (about `d⁴/2` flops).
    WithOperator,
}

/// The expectations over every `B`-subset, from the fast route.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsetMoments {
    /// `E[H_B]`.
    pub batch_hessian: Matrix<f64>,
    /// `E[H_B²]`.
    pub batch_hessian_sq: Matrix<f64>,
    /// `E[(I − γH_B)²]`.
    pub second_moment: Matrix<f64>,
    /// `Q ↦ E[M_B Q M_B]`, with [`Quantities::WithOperator`].
    pub operator: Option<MeanSquareMatrix<f64>>,
    /// The number of subsets visited, `C(N,B)`.
    pub visits: u128,
}

/// The expectations over every `B`-subset of `problem` (sampling without replacement), by the
/// fast route (revolving-door order, fixed chunks reduced in order; see the source module docs).
///
/// Agrees with the generic [`super::expectations`] up to rounding (a few units in the last place
/// of each quantity's largest entry, times a factor that grows slowly with `C(N,B)`), and does
/// not depend on the size of the rayon pool it runs in.
///
/// # Errors
/// [`Error::Input`] on `sampling` if the problem samples with replacement; on `batch_size` if
/// the count `C(N,B)` exceeds `params.limit` (unless forced), as [`super::for_each_batch`].
pub fn subset_moments(
    problem: &Problem<f64>,
    quantities: Quantities,
    params: &EnumerationParams,
) -> Result<SubsetMoments> {
    if problem.sampling() != Sampling::WithoutReplacement {
        return Err(Error::invalid(
            crate::error::ErrorKind::Unsupported,
            "sampling",
            "the fast route enumerates B-subsets: sampling without replacement only",
        ));
    }
    let (n, b) = (problem.n(), problem.batch_size());
    let (count, _) = batch_counts(n, b, Route::Subsets)?;
    let what = format!("every minibatch (C({n},{b}) = {count} subsets)");
    admit(Some(count), &what, "batch_size", params)?;
    let kernel = Kernel::new(problem, quantities, params.simd);
    let ticker = Ticker::start(params.progress, count, &what);
    let chunks = count.div_ceil(SUBSETS_PER_CHUNK);
    // Chunks in flight at once: enough for any pool, bounded memory for the partial sums.
    let group = u128::try_from((1usize << 23) / kernel.partial_len().max(1))
        .unwrap_or(u128::MAX)
        .clamp(4, 256);
    let mut total = vec![0.0; kernel.partial_len()];
    let mut first = 0u128;
    while first < chunks {
        let last = (first + group).min(chunks);
        let width = u64::try_from(last - first).expect("a group is small");
        let partials: Vec<Vec<f64>> = (0..width)
            .into_par_iter()
            .map(|i| {
                let start = (first + u128::from(i)) * SUBSETS_PER_CHUNK;
                let len = (count - start).min(SUBSETS_PER_CHUNK);
                let len = usize::try_from(len).expect("a chunk is small");
                let partial = Arch::new().dispatch(ChunkOp {
                    kernel: &kernel,
                    start,
                    len,
                });
                ticker.inc(len as u64);
                partial
            })
            .collect();
        for p in &partials {
            for (t, x) in total.iter_mut().zip(p) {
                *t += x;
            }
        }
        first = last;
    }
    ticker.finish();
    Ok(kernel.finish(&total, count, problem.gamma()))
}

/// The per-chunk accumulation and the final assembly of one [`Quantities`].
struct Kernel {
    quantities: Quantities,
    n: usize,
    b: usize,
    d: usize,
    /// The `H_i`, each as the `len` numbers the kernel stacks: column-major `d×d` for
    /// [`Quantities::Moments`], the packed upper triangle for [`Quantities::WithOperator`].
    packed: Vec<Vec<f64>>,
    simd: SimdDispatch,
}

impl Kernel {
    fn new(problem: &Problem<f64>, quantities: Quantities, simd: SimdDispatch) -> Self {
        let d = problem.d();
        let packed = problem
            .hessians()
            .iter()
            .map(|h| match quantities {
                Quantities::Moments => (0..d * d).map(|k| *h.get(k % d, k / d)).collect(),
                Quantities::WithOperator => (0..d)
                    .flat_map(|j| (0..=j).map(move |i| (i, j)))
                    .map(|(i, j)| *h.get(i, j))
                    .collect(),
            })
            .collect();
        Self {
            quantities,
            n: problem.n(),
            b: problem.batch_size(),
            d,
            packed,
            simd,
        }
    }

    /// The length of one stacked batch sum.
    fn len(&self) -> usize {
        self.packed[0].len()
    }

    /// The length of a chunk's partial sums: `[Σ S_B S_B (d×d), Σ S_B (d×d)]` for
    /// [`Quantities::Moments`], the `w×w` Gram matrix for [`Quantities::WithOperator`].
    fn partial_len(&self) -> usize {
        match self.quantities {
            Quantities::Moments => 2 * self.d * self.d,
            Quantities::WithOperator => (self.len() + 1) * (self.len() + 1),
        }
    }

    /// The partial sums over the `len` subsets of ranks `start..start + len`.
    #[inline(always)]
    fn chunk(&self, start: u128, len: usize) -> Vec<f64> {
        let (d, p) = (self.d, self.len());
        let mut door = RevolvingDoor::at_rank(self.n, self.b, start);
        let mut s = vec![0.0; p];
        for i in door.subset() {
            for (x, h) in s.iter_mut().zip(&self.packed[i]) {
                *x += h;
            }
        }
        let m = SUBSETS_PER_BLOCK.min(len);
        match self.quantities {
            Quantities::Moments => {
                if let Some(out) =
                    fixed::moments_chunk(d, &mut door, &mut s, len, &self.packed, self.simd)
                {
                    return out;
                }
                // A = [S_1 … S_m], d × md column-major; acc += A Aᵀ; sum += Σ S_b.
                let mut stack = Mat::<f64>::zeros(d, m * d);
                let mut acc = Mat::<f64>::zeros(d, d);
                let mut sum = vec![0.0; p];
                let mut col = 0;
                for step in 0..len {
                    for (k, &x) in s.iter().enumerate() {
                        stack[(k % d, col * d + k / d)] = x;
                    }
                    for (t, x) in sum.iter_mut().zip(&s) {
                        *t += x;
                    }
                    col += 1;
                    if col == m || step + 1 == len {
                        let a = stack.get(.., ..col * d);
                        matmul(acc.as_mut(), Accum::Add, a, a.transpose(), 1.0, Par::Seq);
                        col = 0;
                    }
                    if step + 1 < len {
                        self.step(&mut door, &mut s);
                    }
                }
                let mut out: Vec<f64> = (0..d * d).map(|k| acc[(k % d, k / d)]).collect();
                out.extend(sum);
                out
            }
            Quantities::WithOperator => {
                // V = [v_1 … v_m], w × m column-major; gram += V Vᵀ. Each column is written
                // once, from the one before it: v_next = v + (h_in − h_out) (the constant
                // last entry 1 is carried along).
                let w = p + 1;
                let mut stack = vec![0.0; w * m];
                let mut gram = Mat::<f64>::zeros(w, w);
                stack[..p].copy_from_slice(&s);
                stack[p] = 1.0;
                let mut col = 0;
                for step in 0..len {
                    let last = step + 1 == len;
                    let full = col + 1 == m;
                    if full || last {
                        let a =
                            MatRef::from_column_major_slice(&stack[..(col + 1) * w], w, col + 1);
                        lower_gram_update(gram.as_mut(), a);
                    }
                    if last {
                        break;
                    }
                    let (out, inn) = door.advance();
                    let (h_out, h_in) = (&self.packed[out], &self.packed[inn]);
                    let next = if full { 0 } else { col + 1 };
                    if next == col {
                        // One subset per block (m = 1): update in place.
                        for ((x, a), r) in stack[..p].iter_mut().zip(h_in).zip(h_out) {
                            *x += a - r;
                        }
                    } else {
                        let (lo, hi) = stack.split_at_mut(col.max(next) * w);
                        let (cur, dst) = if next > col {
                            (&lo[col * w..col * w + w], &mut hi[..w])
                        } else {
                            (&hi[..w], &mut lo[next * w..next * w + w])
                        };
                        for (((y, x), a), r) in dst.iter_mut().zip(cur).zip(h_in).zip(h_out) {
                            *y = x + (a - r);
                        }
                        dst[p] = 1.0;
                    }
                    col = next;
                }
                // Only the lower triangle was formed: read it for both.
                (0..w * w)
                    .map(|k| {
                        let (i, j) = (k % w, k / w);
                        gram[(i.max(j), i.min(j))]
                    })
                    .collect()
            }
        }
    }

    /// Move `door` to the next subset and `s` with it: `s += H_in − H_out`.
    #[inline(always)]
    fn step(&self, door: &mut RevolvingDoor, s: &mut [f64]) {
        let (out, inn) = door.advance();
        let (h_out, h_in) = (&self.packed[out], &self.packed[inn]);
        for ((x, a), r) in s.iter_mut().zip(h_in).zip(h_out) {
            *x += a - r;
        }
    }

    /// The expectations from the summed partials.
    fn finish(&self, total: &[f64], count: u128, gamma: &f64) -> SubsetMoments {
        let (d, b, gamma) = (self.d, self.b as f64, *gamma);
        #[allow(clippy::cast_precision_loss)] // C(N,B) ≤ 2^53 for anything enumerable
        let c = count as f64;
        // Σ S_ij and Σ S_ik S_kj, as functions of (i, j).
        let (sum_s, sum_s_sq): (Matrix<f64>, Matrix<f64>) = match self.quantities {
            Quantities::Moments => (
                Matrix::from_fn(d, d, |i, j| total[d * d + i + j * d]),
                Matrix::from_fn(d, d, |i, j| total[i + j * d]),
            ),
            Quantities::WithOperator => {
                let g = self.gram(total);
                (
                    Matrix::from_fn(d, d, |i, j| g.sum(i, j)),
                    Matrix::from_fn(d, d, |i, j| (0..d).map(|k| g.cross(i, k, k, j)).sum()),
                )
            }
        };
        let batch_hessian = Matrix::from_fn(d, d, |i, j| sum_s.get(i, j) / (b * c));
        let batch_hessian_sq = Matrix::from_fn(d, d, |i, j| sum_s_sq.get(i, j) / (b * b * c));
        let delta = |i: usize, j: usize| if i == j { 1.0 } else { 0.0 };
        let second_moment = Matrix::from_fn(d, d, |i, j| {
            delta(i, j) - 2.0 * gamma * batch_hessian.get(i, j)
                + gamma * gamma * batch_hessian_sq.get(i, j)
        });
        let operator = (self.quantities == Quantities::WithOperator).then(|| {
            let g = self.gram(total);
            let a = gamma / b;
            let es = |i, j| sum_s.get(i, j) / c;
            MeanSquareMatrix::from_fn(d, |i, j, k, l| {
                delta(i, k) * delta(l, j) - a * (delta(i, k) * es(l, j) + delta(l, j) * es(i, k))
                    + a * a * g.cross(i, k, l, j) / c
            })
        });
        SubsetMoments {
            batch_hessian,
            batch_hessian_sq,
            second_moment,
            operator,
            visits: count,
        }
    }

    fn gram<'a>(&self, total: &'a [f64]) -> Gram<'a> {
        Gram {
            g: total,
            d: self.d,
            w: self.len() + 1,
        }
    }
}

/// Columns of the Gram matrix per product in [`lower_gram_update`].
const GRAM_PANEL: usize = 8;

/// `G += A Aᵀ` on the lower triangle of `G` (and the diagonal blocks whole): for each panel of
/// [`GRAM_PANEL`] columns `c0..c1`, `G[c0.., c0..c1] += A[c0..] A[c0..c1]ᵀ`. About half the
/// flops of the full product, in products whose long side stays long (faer's fast kernels).
fn lower_gram_update(mut gram: faer::MatMut<'_, f64>, a: MatRef<'_, f64>) {
    let w = a.nrows();
    for c0 in (0..w).step_by(GRAM_PANEL) {
        let cols = GRAM_PANEL.min(w - c0);
        matmul(
            gram.as_mut().submatrix_mut(c0, c0, w - c0, cols),
            Accum::Add,
            a.subrows(c0, w - c0),
            a.subrows(c0, cols).transpose(),
            1.0,
            Par::Seq,
        );
    }
}

/// [`Kernel::chunk`] inside `pulp`'s run-time dispatch, so that its loops are compiled for the
/// widest vector instructions the CPU has (no fused multiply-add, the same order of every sum:
/// the bits do not depend on the instruction set).
struct ChunkOp<'a> {
    kernel: &'a Kernel,
    start: u128,
    len: usize,
}

impl WithSimd for ChunkOp<'_> {
    type Output = Vec<f64>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f64> {
        self.kernel.chunk(self.start, self.len)
    }
}

/// The summed Gram matrix of `(upper triangle of S_B, 1)`, read by matrix entries.
struct Gram<'a> {
    g: &'a [f64],
    d: usize,
    w: usize,
}

impl Gram<'_> {
    /// The position of `S_ij` in the packed upper triangle (column by column).
    fn at(&self, i: usize, j: usize) -> usize {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        debug_assert!(j < self.d);
        j * (j + 1) / 2 + i
    }

    /// `Σ_B (S_B)_ij`.
    fn sum(&self, i: usize, j: usize) -> f64 {
        self.g[self.at(i, j) + (self.w - 1) * self.w]
    }

    /// `Σ_B (S_B)_ij (S_B)_kl`.
    fn cross(&self, i: usize, j: usize, k: usize, l: usize) -> f64 {
        self.g[self.at(i, j) + self.at(k, l) * self.w]
    }
}
