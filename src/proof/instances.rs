//! Random instances for the checker: small integer "genes" (the entries a person would write),
//! turned into the lecture's objects under the step's hypotheses, and mutated by the search;
//! and the shapes `(d, N, B)` to try, from ranges wider than the claim's degree in each.

use super::ast::{
    Assumptions, BatchSize, Claim, Commuting, Dim, Expr, ExprKind, HessianClass, Rank, Sym,
};
use super::value::{FieldMatrix, RawInstance};
use crate::exact::Matrix;
use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use rand::RngExt as _;
use rand_chacha::ChaCha8Rng;

/// The shape of one instance: dimension, samples, batch size and sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShapeSpec {
    pub d: usize,
    pub n: usize,
    pub b: usize,
    pub sampling: Sampling,
}

/// How far the shapes reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    pub d: usize,
    pub n: usize,
    pub b: usize,
}

/// The degree of `e` in the symbol `s` (with `c` counting for `N` and `B`), saturating.
fn degree_in(e: &Expr, s: Sym) -> u32 {
    match &e.kind {
        ExprKind::Sym(x) if *x == s => 1,
        ExprKind::Sym(Sym::C) if matches!(s, Sym::N | Sym::B) => 1,
        ExprKind::Num(_) | ExprKind::Sym(_) | ExprKind::Family(..) => 0,
        ExprKind::Add(ts) => ts.iter().map(|(_, t)| degree_in(t, s)).max().unwrap_or(0),
        ExprKind::Mul(fs) => fs
            .iter()
            .map(|f| degree_in(&f.expr, s))
            .fold(0, u32::saturating_add),
        ExprKind::Call(_, args) => args
            .iter()
            .map(|a| degree_in(a, s))
            .fold(0, u32::saturating_add),
        ExprKind::Pow(a, k) => degree_in(a, s).saturating_mul(*k),
        _ => e
            .children()
            .iter()
            .map(|c| degree_in(c, s))
            .max()
            .unwrap_or(0),
    }
}

/// The number of matrix letters multiplied together (a bound on the degree of a matrix
/// polynomial identity the claim could be: it holds in `d×d` below that size only).
fn matrix_degree(e: &Expr) -> u32 {
    match &e.kind {
        ExprKind::Sym(Sym::H | Sym::Sigma | Sym::A | Sym::Q | Sym::HBatch)
        | ExprKind::Family(..) => {
            if e.shape.is_scalar() {
                0
            } else {
                u32::from(matches!(e.kind, ExprKind::Sym(Sym::Sigma))) + 1
            }
        }
        ExprKind::Num(_) | ExprKind::Sym(_) => 0,
        ExprKind::Add(ts) => ts.iter().map(|(_, t)| matrix_degree(t)).max().unwrap_or(0),
        ExprKind::Mul(fs) => fs
            .iter()
            .map(|f| matrix_degree(&f.expr))
            .fold(0, u32::saturating_add),
        ExprKind::Call(_, args) => args.iter().map(matrix_degree).fold(0, u32::saturating_add),
        ExprKind::Pow(a, k) => matrix_degree(a).saturating_mul(*k),
        _ => e
            .children()
            .iter()
            .map(|c| matrix_degree(c))
            .max()
            .unwrap_or(0),
    }
}

/// Shapes wide enough for the claim: `N` up to its degree in `N` plus two, `B` up to its degree
/// in `B` plus one, `d` up to one more than its degree in `d` and than the number of matrices
/// multiplied together (at least `d ≤ 3`, `N ≤ 4`, `B ≤ 3`).
pub(crate) fn reach(claim: &Claim) -> Reach {
    let sides = claim.sides();
    let deg = |s: Sym| sides.iter().map(|e| degree_in(e, s)).max().unwrap_or(0);
    let mat = sides.iter().map(|e| matrix_degree(e)).max().unwrap_or(0);
    let clamp = |x: u32, lo: usize, hi: usize| (x as usize).clamp(lo, hi);
    Reach {
        d: clamp(deg(Sym::D).max(mat).saturating_add(1), 3, 8),
        n: clamp(deg(Sym::N).saturating_add(2), 4, 12),
        b: clamp(deg(Sym::B).saturating_add(1), 3, 10),
    }
}

/// Every shape the assumptions allow within `reach`, smallest first.
pub(crate) fn shapes(a: &Assumptions, reach: Reach) -> Vec<ShapeSpec> {
    let mut out = Vec::new();
    for &sampling in &a.sampling {
        for d in 1..=reach.d {
            if a.dim == Dim::One && d != 1 || a.dim == Dim::TwoOrMore && d < 2 {
                continue;
            }
            for n in 1..=reach.n {
                for b in 1..=n.min(reach.b) {
                    let b = match a.batch {
                        BatchSize::One => 1,
                        BatchSize::Full => n,
                        BatchSize::TwoOrMore if b < 2 => continue,
                        _ => b,
                    };
                    let s = ShapeSpec { d, n, b, sampling };
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
    }
    out.sort_by_key(|s| {
        (
            s.d + s.n + s.b,
            s.d,
            s.n,
            s.b,
            s.sampling == Sampling::WithReplacement,
        )
    });
    out
}

/// The integers an instance is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Genes {
    pub shape: ShapeSpec,
    /// `γ = gamma.0 / gamma.1`.
    pub gamma: (i64, i64),
    /// Per sample, `d·d` integers (the factor `G_i` of `H_i = G_i G_iᵀ`, or `g_i`, or `S_i`).
    pub h: Vec<Vec<i64>>,
    /// Per sample, `d` integers: `g_i` when it is not tied to `H_i`.
    pub g: Vec<Vec<i64>>,
    /// `a_i`.
    pub a_fam: Vec<i64>,
    /// `w_i`, `d` integers each.
    pub w_fam: Vec<Vec<i64>>,
    /// The factors of `A = G_A G_Aᵀ` and `Q = G_Q G_Qᵀ`.
    pub a: Vec<i64>,
    /// See `a`.
    pub q: Vec<i64>,
    /// `x`.
    pub x: Vec<i64>,
    /// `w` (its absolute values are used: `w ≥ 0`).
    pub w: Vec<i64>,
}

/// The largest numerator / denominator of a random `γ`.
const GAMMA_NUM_MAX: i64 = 8;
const GAMMA_DEN_MAX: i64 = 64;

impl Genes {
    /// Random genes with entries in `−range..=range`.
    pub fn random(rng: &mut ChaCha8Rng, shape: ShapeSpec, range: i64) -> Self {
        let (d, n) = (shape.d, shape.n);
        let mut v = |len: usize| -> Vec<i64> {
            (0..len).map(|_| rng.random_range(-range..=range)).collect()
        };
        let h = (0..n).map(|_| v(d * d)).collect();
        let g = (0..n).map(|_| v(d)).collect();
        let a_fam = v(n);
        let w_fam = (0..n).map(|_| v(d)).collect();
        let (a, q, x, w) = (v(d * d), v(d * d), v(d), v(d));
        let gamma = (
            rng.random_range(1..=GAMMA_NUM_MAX),
            rng.random_range(1..=GAMMA_DEN_MAX),
        );
        Self {
            shape,
            gamma,
            h,
            g,
            a_fam,
            w_fam,
            a,
            q,
            x,
            w,
        }
    }

    /// Set `γ` to a fraction near `t/λ_max(H)` with `t` uniform in `(0.1, 2.5)`: the range where
    /// stability questions are decided (no-op if `H = 0`).
    pub fn calibrate_gamma(&mut self, a: &Assumptions, rng: &mut ChaCha8Rng) {
        let raw = self.build(a);
        let inv_n = 1.0 / raw.n as f64;
        let mut h = Matrix::<f64>::zeros(raw.d, raw.d);
        for hi in &raw.hs {
            h = h.add(&hi.to_f64());
        }
        let h = h.scale(&inv_n);
        let Ok((vals, _)) = super::value::f64_eigen(&h) else {
            return;
        };
        let top = vals.last().copied().unwrap_or(0.0);
        if !(top > 0.0 && top.is_finite()) {
            return;
        }
        let t: f64 = rng.random_range(0.1..2.5);
        let den: i64 = rng.random_range(1..=GAMMA_DEN_MAX);
        let num = ((t / top) * den as f64).round();
        if (1.0..1e12).contains(&num) {
            self.gamma = (num as i64, den);
        }
    }

    /// Every gene, mutably (γ's numerator and denominator first).
    fn slots(&mut self) -> Vec<&mut i64> {
        let mut out: Vec<&mut i64> = vec![&mut self.gamma.0, &mut self.gamma.1];
        for v in self
            .h
            .iter_mut()
            .chain(self.g.iter_mut())
            .chain(self.w_fam.iter_mut())
        {
            out.extend(v.iter_mut());
        }
        out.extend(self.a_fam.iter_mut());
        for v in [&mut self.a, &mut self.q, &mut self.x, &mut self.w] {
            out.extend(v.iter_mut());
        }
        out
    }

    /// Change one gene at random (by ±1, or to a fresh value in `−range..=range`).
    pub fn mutate(&mut self, rng: &mut ChaCha8Rng, range: i64) {
        let mut slots = self.slots();
        let k = rng.random_range(0..slots.len());
        let fresh = rng.random_bool(0.3);
        let slot = &mut slots[k];
        if k < 2 {
            let max = if k == 0 { GAMMA_NUM_MAX } else { GAMMA_DEN_MAX };
            **slot = if fresh {
                rng.random_range(1..=max)
            } else {
                (**slot + if rng.random_bool(0.5) { 1 } else { -1 }).clamp(1, 1 << 40)
            };
        } else if fresh {
            **slot = rng.random_range(-range..=range);
        } else {
            **slot = (**slot + if rng.random_bool(0.5) { 1 } else { -1 }).clamp(-1000, 1000);
        }
    }

    /// Simpler neighbours for shrinking a counterexample: one gene moved towards 0 (γ towards 1).
    pub fn simpler(&self) -> Vec<Genes> {
        let mut out = Vec::new();
        let len = self.clone().slots().len();
        for k in 0..len {
            let mut g = self.clone();
            let mut slots = g.slots();
            let v = *slots[k];
            let target = if k < 2 { 1 } else { 0 };
            if v == target {
                continue;
            }
            *slots[k] = target;
            out.push(g.clone());
            if (v - target).abs() > 1 {
                let mut g2 = self.clone();
                *g2.slots()[k] = v - (v - target).signum();
                out.push(g2);
            }
        }
        out
    }

    /// A complexity measure (smaller is simpler).
    pub fn size(&self) -> i64 {
        let s = self.shape;
        let mut c = self.clone();
        let total: i64 = c
            .slots()
            .iter()
            .map(|x| x.saturating_abs())
            .fold(0, i64::saturating_add);
        ((s.d * 1000 + s.n * 100 + s.b * 10) as i64)
            .saturating_mul(1000)
            .saturating_add(total)
    }

    /// The instance these genes stand for under `a`.
    pub fn build(&self, a: &Assumptions) -> RawInstance {
        let ShapeSpec { d, n, b, sampling } = self.shape;
        let int = |x: i64| BigRational::from_integer(BigInt::from(x));
        let col = |v: &[i64]| Matrix::from_fn(d, 1, |i, _| int(v[i]));
        let square = |v: &[i64]| Matrix::from_fn(d, d, |i, j| int(v[i * d + j]));
        let gram = |v: &[i64]| {
            let g = square(v);
            g.matmul(&g.transpose())
        };
        let rank_one = a.rank == Rank::One;
        let commute = a.commute == Commuting::Yes;
        let indefinite = a.hessians == HessianClass::Symmetric;
        let mut gs = Vec::with_capacity(n);
        let hs = self
            .h
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if rank_one {
                    let g = if commute {
                        let k = v[d * d - 1].unsigned_abs() as usize % d;
                        Matrix::from_fn(d, 1, |r, _| int(if r == k { v[0] } else { 0 }))
                    } else {
                        col(v)
                    };
                    let h = g.matmul(&g.transpose());
                    gs.push(g);
                    h
                } else {
                    gs.push(col(&self.g[i]));
                    if commute {
                        Matrix::from_fn(d, d, |r, c| {
                            let x = v[r];
                            int(if r != c {
                                0
                            } else if indefinite {
                                x
                            } else {
                                x.abs()
                            })
                        })
                    } else if indefinite {
                        let s = square(v);
                        s.add(&s.transpose())
                    } else {
                        gram(v)
                    }
                }
            })
            .collect();
        RawInstance {
            d,
            n,
            b,
            sampling,
            gamma: BigRational::new(self.gamma.0.into(), self.gamma.1.max(1).into()),
            hs,
            gs,
            a_fam: self.a_fam.iter().map(|&x| int(x)).collect(),
            w_fam: self.w_fam.iter().map(|v| col(v)).collect(),
            a: gram(&self.a),
            q: gram(&self.q),
            x: col(&self.x),
            w: Matrix::from_fn(d, 1, |i, _| int(self.w[i].abs())),
        }
    }
}
