//! Register-sized kernels for the fast route's `Σ_B S_B S_B`, for `d ≤ 16`: the batch sums of a
//! block of subsets are stacked and multiplied in output tiles of four columns that stay in
//! registers over the whole block. Compiled twice: with AVX2 + FMA (chosen at run time through
//! `pulp`'s safe dispatch, as faer does) and portable (plain `a·b + c`).

use super::limit::SimdDispatch;
use super::revolving_door::RevolvingDoor;
use faer::traits::pulp::{Arch, Simd as PulpSimd, WithSimd};

/// Subsets stacked per block.
const BLOCK: usize = 64;
/// Output columns per register tile.
const TILE: usize = 4;

/// `[Σ S_B S_B, Σ S_B]` (column-major `d×d` each) over the `len` subsets from `door`, with `s`
/// the batch sum of the current subset (column-major) and `packed` the `H_i` (column-major);
/// `None` if `d > 16`.
pub(crate) fn moments_chunk(
    d: usize,
    door: &mut RevolvingDoor,
    s: &mut [f64],
    len: usize,
    packed: &[Vec<f64>],
    simd: SimdDispatch,
) -> Option<Vec<f64>> {
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match d {
                $($n => Some(run::<$n>(door, s, len, packed, simd)),)*
                _ => None,
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

type M<const D: usize> = [[f64; D]; D];

fn to_array<const D: usize>(v: &[f64]) -> M<D> {
    std::array::from_fn(|j| std::array::from_fn(|i| v[i + j * D]))
}

fn run<const D: usize>(
    door: &mut RevolvingDoor,
    s: &[f64],
    len: usize,
    packed: &[Vec<f64>],
    simd: SimdDispatch,
) -> Vec<f64> {
    let h: Vec<M<D>> = packed.iter().map(|p| to_array(p)).collect();
    let op = Chunk::<D> {
        door,
        s: to_array(s),
        len,
        h: &h,
    };
    let (acc, sum) = match simd {
        SimdDispatch::Detect => Arch::new().dispatch(op),
        SimdDispatch::Portable => op.run::<false>(),
    };
    let mut out: Vec<f64> = acc.iter().flatten().copied().collect();
    out.extend(sum.iter().flatten());
    out
}

struct Chunk<'a, const D: usize> {
    door: &'a mut RevolvingDoor,
    s: M<D>,
    len: usize,
    h: &'a [M<D>],
}

impl<const D: usize> WithSimd for Chunk<'_, D> {
    type Output = (M<D>, M<D>);

    #[inline(always)]
    fn with_simd<S: PulpSimd>(self, _simd: S) -> Self::Output {
        // Inlined into pulp's `#[target_feature]` function: compiled with the features of `S`.
        // Fused multiply-add only where the hardware has it (else it is a slow libm call).
        if S::IS_SCALAR {
            self.run::<false>()
        } else {
            self.run::<true>()
        }
    }
}

impl<const D: usize> Chunk<'_, D> {
    #[inline(always)]
    fn run<const FUSED: bool>(self) -> (M<D>, M<D>) {
        let Self {
            door,
            mut s,
            len,
            h,
        } = self;
        let mut acc = [[0.0; D]; D];
        let mut sum = [[0.0; D]; D];
        let mut stack = vec![[[0.0; D]; D]; BLOCK.min(len)];
        let mut done = 0;
        while done < len {
            let m = BLOCK.min(len - done);
            for (b, slot) in stack[..m].iter_mut().enumerate() {
                *slot = s;
                for (t, c) in sum.iter_mut().zip(&s) {
                    for (t, x) in t.iter_mut().zip(c) {
                        *t += x;
                    }
                }
                if done + b + 1 < len {
                    let (out, inn) = door.advance();
                    let (ho, hi) = (&h[out], &h[inn]);
                    for j in 0..D {
                        for i in 0..D {
                            s[j][i] += hi[j][i] - ho[j][i];
                        }
                    }
                }
            }
            block_product::<D, FUSED>(&stack[..m], &mut acc);
            done += m;
        }
        (acc, sum)
    }
}

/// `acc += Σ_b S_b S_b` (column-major: `S[col][row]`; `S_b` symmetric, so row `k` of `S_b` is
/// its column `k`), four output columns at a time held in registers across the block.
#[inline(always)]
fn block_product<const D: usize, const FUSED: bool>(stack: &[M<D>], acc: &mut M<D>) {
    let fma = |a: f64, b: f64, c: f64| if FUSED { a.mul_add(b, c) } else { a * b + c };
    let mut j0 = 0;
    while j0 < D {
        let mut t = [[0.0; D]; TILE];
        for s in stack {
            for (k, col) in s.iter().enumerate() {
                for (jj, tj) in t.iter_mut().enumerate() {
                    if j0 + jj < D {
                        let x = s[j0 + jj][k];
                        for i in 0..D {
                            tj[i] = fma(col[i], x, tj[i]);
                        }
                    }
                }
            }
        }
        for (jj, tj) in t.iter().enumerate() {
            if j0 + jj < D {
                for i in 0..D {
                    acc[j0 + jj][i] += tj[i];
                }
            }
        }
        j0 += TILE;
    }
}
