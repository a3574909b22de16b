//! Symbolic normal forms: an expression as a sum of words in non-commuting matrix and vector
//! letters (`H_i`, `A`, `Q`, `x`, `g_i`, their transposes), each summed over its bound sample
//! indices, with rational coefficients after substituting rational values for `N`, `B`, `γ`
//! (and `c`, `d`).
//!
//! `H` and `Σ` are expanded into sums over `H_i`, `H_i = g_i g_iᵀ` under `rank_one`, `sum_{i≠j}`
//! by inclusion–exclusion (`Σ_{i≠j} = Σ_{i,j} − Σ_{i=j}`), and a word's bound indices are renamed
//! canonically. Symmetric letters are their own transposes. Traces, eigenvalues, norms, batch
//! expectations and products of non-constant scalars are not handled: such claims are decided by
//! evaluation alone.

use super::syntax::{Assumptions, Expr, ExprKind, Fam, PairRule, Relation, Sym};
use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use rand::RngExt as _;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// A sample index inside a word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Idx {
    Free(String),
    Bound(usize),
}

/// One letter of a word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Letter {
    /// A symmetric matrix: `A`, `Q`, or `H_idx`.
    Sym(u8, Option<Idx>),
    /// A vector (`x`, `w`, `ones`, `g_idx`, `w_idx`), transposed or not.
    Vec(u8, Option<Idx>, bool),
}

impl Letter {
    fn transposed(&self) -> Self {
        match self {
            Self::Sym(..) => self.clone(),
            Self::Vec(n, i, t) => Self::Vec(*n, i.clone(), !t),
        }
    }
    fn idx_mut(&mut self) -> Option<&mut Idx> {
        match self {
            Self::Sym(_, i) | Self::Vec(_, i, _) => i.as_mut(),
        }
    }
    fn is_h(&self) -> bool {
        matches!(self, Self::Sym(2, Some(_)))
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Mono {
    coef: BigRational,
    word: Vec<Letter>,
    /// The bound slots this monomial sums over.
    bound: Vec<usize>,
}

type Poly = Vec<Mono>;

/// Values of the scalar symbols at one point.
struct Point {
    n: BigRational,
    b: BigRational,
    gamma: BigRational,
    c: BigRational,
    d: BigRational,
}

struct Conv<'a> {
    p: &'a Point,
    a: &'a Assumptions,
    next_slot: usize,
    scope: Vec<(String, usize)>,
}

fn constant(q: BigRational) -> Poly {
    vec![Mono {
        coef: q,
        word: Vec::new(),
        bound: Vec::new(),
    }]
}

fn q(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

fn is_constant(p: &Poly) -> Option<BigRational> {
    let mut c = BigRational::zero();
    for m in p {
        if !m.word.is_empty() {
            return None;
        }
        c += &m.coef;
    }
    Some(c)
}

impl Conv<'_> {
    fn fresh(&mut self) -> usize {
        self.next_slot += 1;
        self.next_slot
    }

    fn idx(&self, v: &str) -> Idx {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == v)
            .map_or_else(|| Idx::Free(v.to_owned()), |(_, s)| Idx::Bound(*s))
    }

    /// `(1/N) Σ_s letter(s)` words.
    fn mean_h(&mut self, power: usize) -> Poly {
        let s = self.fresh();
        let word = self.h_letters(Some(Idx::Bound(s)));
        let mut w = Vec::new();
        for _ in 0..power {
            w.extend(word.iter().cloned());
        }
        vec![Mono {
            coef: BigRational::one() / &self.p.n,
            word: w,
            bound: vec![s],
        }]
    }

    fn h_letters(&self, i: Option<Idx>) -> Vec<Letter> {
        if self.a.rank_one {
            vec![Letter::Vec(10, i.clone(), false), Letter::Vec(10, i, true)]
        } else {
            vec![Letter::Sym(2, i)]
        }
    }

    fn conv(&mut self, e: &Expr) -> Option<Poly> {
        Some(match &e.kind {
            ExprKind::Num(x) => constant(x.clone()),
            ExprKind::Sym(s) => match s {
                Sym::Gamma => constant(self.p.gamma.clone()),
                Sym::N => constant(self.p.n.clone()),
                Sym::B => constant(self.p.b.clone()),
                Sym::C => constant(self.p.c.clone()),
                Sym::D => constant(self.p.d.clone()),
                Sym::I => constant(BigRational::one()),
                Sym::H => self.mean_h(1),
                Sym::Sigma => {
                    let sq = self.mean_h(2);
                    let h1 = self.mean_h(1);
                    let h2 = self.mean_h(1);
                    let hh = self.mul(&h1, &h2);
                    let mut out = sq;
                    out.extend(neg(hh));
                    out
                }
                Sym::A => vec![letter(Letter::Sym(0, None))],
                Sym::Q => vec![letter(Letter::Sym(1, None))],
                Sym::X => vec![letter(Letter::Vec(20, None, false))],
                Sym::W => vec![letter(Letter::Vec(21, None, false))],
                Sym::Ones => vec![letter(Letter::Vec(22, None, false))],
                Sym::HBatch => return None,
            },
            ExprKind::Fam(f, v) => {
                let i = Some(self.idx(v));
                match f {
                    Fam::H => vec![Mono {
                        coef: BigRational::one(),
                        word: self.h_letters(i),
                        bound: Vec::new(),
                    }],
                    Fam::G => vec![letter(Letter::Vec(10, i, false))],
                    Fam::W => vec![letter(Letter::Vec(11, i, false))],
                    Fam::A => return None,
                }
            }
            ExprKind::Neg(a) => neg(self.conv(a)?),
            ExprKind::Add(a, b) => {
                let mut x = self.conv(a)?;
                x.extend(self.conv(b)?);
                x
            }
            ExprKind::Sub(a, b) => {
                let mut x = self.conv(a)?;
                x.extend(neg(self.conv(b)?));
                x
            }
            ExprKind::Mul(a, b) => {
                let (x, y) = (self.conv(a)?, self.conv(b)?);
                let scalar_word =
                    |s: &Expr, p: &Poly| s.shape.is_scalar() && is_constant(p).is_none();
                if scalar_word(a, &x) || scalar_word(b, &y) {
                    // A non-constant scalar commutes; words would not.
                    return None;
                }
                self.mul(&x, &y)
            }
            ExprKind::Div(a, b) => {
                let x = self.conv(a)?;
                let c = is_constant(&self.conv(b)?)?;
                if c.is_zero() {
                    return None;
                }
                scale(x, &(BigRational::one() / c))
            }
            ExprKind::Pow(a, k) => {
                let base = self.conv(a)?;
                if a.shape.is_scalar() && is_constant(&base).is_none() {
                    return None;
                }
                let mut r = constant(BigRational::one());
                for _ in 0..*k {
                    r = self.mul(&r, &base);
                }
                r
            }
            ExprKind::Transpose(a) => self
                .conv(a)?
                .into_iter()
                .map(|m| Mono {
                    word: m.word.iter().rev().map(Letter::transposed).collect(),
                    ..m
                })
                .collect(),
            ExprKind::Sum(spec, body) => {
                if spec.in_batch || spec.rule == PairRule::Ordered {
                    return None;
                }
                let slots: Vec<usize> = spec.vars.iter().map(|_| self.fresh()).collect();
                let n = self.scope.len();
                for (v, s) in spec.vars.iter().zip(&slots) {
                    self.scope.push((v.clone(), *s));
                }
                let body = self.conv(body);
                self.scope.truncate(n);
                let body = body?;
                let mut out = self.close(body.clone(), &slots);
                if spec.rule == PairRule::Distinct {
                    let merged: Poly = body
                        .into_iter()
                        .map(|mut m| {
                            for l in &mut m.word {
                                if let Some(i) = l.idx_mut() {
                                    if *i == Idx::Bound(slots[1]) {
                                        *i = Idx::Bound(slots[0]);
                                    }
                                }
                            }
                            m
                        })
                        .collect();
                    out.extend(neg(self.close(merged, &slots[..1])));
                }
                out
            }
            ExprKind::SampleMean(v, body) => {
                let s = self.fresh();
                self.scope.push((v.clone(), s));
                let body = self.conv(body);
                self.scope.pop();
                scale(self.close(body?, &[s]), &(BigRational::one() / &self.p.n))
            }
            ExprKind::BatchMean(_) | ExprKind::Call(..) => return None,
        })
    }

    /// Sum each monomial over `slots` (a slot absent from the word contributes a factor `N`).
    fn close(&self, p: Poly, slots: &[usize]) -> Poly {
        p.into_iter()
            .map(|mut m| {
                for &s in slots {
                    let used = m
                        .word
                        .iter()
                        .any(|l| matches!(l, Letter::Sym(_, Some(Idx::Bound(x))) | Letter::Vec(_, Some(Idx::Bound(x)), _) if *x == s));
                    if used {
                        m.bound.push(s);
                    } else {
                        m.coef *= &self.p.n;
                    }
                }
                m
            })
            .collect()
    }

    fn mul(&mut self, x: &Poly, y: &Poly) -> Poly {
        let mut out = Vec::with_capacity(x.len() * y.len());
        for a in x {
            for b in y {
                // Fresh names for b's bound slots, so that a square of a sum is a double sum.
                let map: Vec<(usize, usize)> = b.bound.iter().map(|&s| (s, self.fresh())).collect();
                let mut word = a.word.clone();
                word.extend(b.word.iter().map(|l| {
                    let mut l = l.clone();
                    if let Some(Idx::Bound(s)) = l.idx_mut() {
                        if let Some((_, t)) = map.iter().find(|(f, _)| f == s) {
                            *s = *t;
                        }
                    }
                    l
                }));
                let mut bound = a.bound.clone();
                bound.extend(map.iter().map(|(_, t)| *t));
                out.push(Mono {
                    coef: &a.coef * &b.coef,
                    word,
                    bound,
                });
            }
        }
        out
    }
}

fn letter(l: Letter) -> Mono {
    Mono {
        coef: BigRational::one(),
        word: vec![l],
        bound: Vec::new(),
    }
}

fn neg(p: Poly) -> Poly {
    scale(p, &q(-1))
}

fn scale(p: Poly, s: &BigRational) -> Poly {
    p.into_iter()
        .map(|m| Mono {
            coef: m.coef * s,
            ..m
        })
        .collect()
}

fn permutations(k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for p in permutations(k - 1) {
        for pos in 0..=p.len() {
            let mut v = p.clone();
            v.insert(pos, k - 1);
            out.push(v);
        }
    }
    out
}

/// The canonical key of a word: bound slots renamed `0, 1, …` (minimal over renamings), runs
/// of `H` letters sorted when the `H_i` commute, everything sorted in `d = 1`.
fn canonical(m: &Mono, a: &Assumptions) -> Vec<Letter> {
    let slots = &m.bound;
    let perms = if a.commute || a.dim_one {
        permutations(slots.len())
    } else {
        // First-occurrence renaming is canonical for non-commuting words.
        let mut order: Vec<usize> = Vec::new();
        for l in &m.word {
            if let Letter::Sym(_, Some(Idx::Bound(s))) | Letter::Vec(_, Some(Idx::Bound(s)), _) = l
            {
                if !order.contains(s) {
                    order.push(*s);
                }
            }
        }
        let perm: Vec<usize> = slots
            .iter()
            .map(|s| order.iter().position(|o| o == s).unwrap_or(0))
            .collect();
        vec![perm]
    };
    let mut best: Option<Vec<Letter>> = None;
    for perm in perms {
        let mut w: Vec<Letter> = m
            .word
            .iter()
            .map(|l| {
                let mut l = l.clone();
                if let Some(Idx::Bound(s)) = l.idx_mut() {
                    let k = slots.iter().position(|x| x == s).unwrap_or(0);
                    *s = perm[k];
                }
                l
            })
            .collect();
        if a.dim_one {
            w = w
                .into_iter()
                .map(|l| match l {
                    Letter::Vec(n, i, _) => Letter::Vec(n, i, false),
                    other => other,
                })
                .collect();
            w.sort();
        } else if a.commute {
            let mut start = 0;
            while start < w.len() {
                let mut end = start;
                while end < w.len() && w[end].is_h() {
                    end += 1;
                }
                w[start..end].sort();
                start = end + 1;
            }
        }
        if best.as_ref().map_or(true, |b| w < *b) {
            best = Some(w);
        }
    }
    best.unwrap_or_default()
}

fn normal_form(p: Poly, a: &Assumptions) -> BTreeMap<Vec<Letter>, BigRational> {
    let mut map: BTreeMap<Vec<Letter>, BigRational> = BTreeMap::new();
    for m in p {
        let key = canonical(&m, a);
        *map.entry(key).or_insert_with(BigRational::zero) += m.coef;
    }
    map.retain(|_, c| !c.is_zero());
    map
}

/// Largest grid [`equal`] evaluates for an exact answer; beyond it, random points only.
const MAX_GRID: usize = 4096;

/// How the two sides of an equality were found to have the same normal form.
pub(super) enum Identity {
    /// As rational functions of `(N, B, γ, d)`: a proof. The text says how.
    Proved(String),
    /// At three random points `(N, B, γ)` per scheme only: evidence. The text says where.
    AtRandomPoints(String),
}

/// Whether `r` (an equality) holds as an identity of normal forms, and how that was
/// established; `None` when the claim is outside the symbolic fragment or the normal forms
/// differ.
///
/// First as rational functions of `(N, B, γ, d)`, for each sampling scheme: the normal forms
/// are compared on a grid with more values of each variable than the degree bound of
/// [`super::degree`], which decides the identity for every value of the variables (where no
/// denominator vanishes). When the grid would exceed [`MAX_GRID`] points or meets a pole,
/// three random points `(N, B, γ)` per scheme, which is evidence, not proof.
pub(super) fn equal(r: &Relation, a: &Assumptions, rng: &mut ChaCha8Rng) -> Option<Identity> {
    let mut proofs = Vec::new();
    for &sampling in &a.sampling {
        match on_grid(r, a, sampling) {
            Grid::Agree(text) => proofs.push(text),
            Grid::Differ => return None,
            Grid::Unavailable => return at_random_points(r, a, rng).map(Identity::AtRandomPoints),
        }
    }
    Some(Identity::Proved(proofs.join("; ")))
}

enum Grid {
    Agree(String),
    Differ,
    Unavailable,
}

/// The normal forms of `r`'s sides at one point: `Some(equal?)`, `None` outside the fragment
/// (or at a pole).
fn agree_at(
    r: &Relation,
    a: &Assumptions,
    sampling: Sampling,
    (n, b, gamma, d): (i64, i64, &BigRational, i64),
) -> Option<bool> {
    let c = crate::moments::batch_factor::<BigRational>(
        usize::try_from(n).ok()?,
        usize::try_from(b).ok()?,
        sampling,
    );
    let p = Point {
        n: q(n),
        b: q(b),
        gamma: gamma.clone(),
        c,
        d: q(d),
    };
    let mut conv = Conv {
        p: &p,
        a,
        next_slot: 0,
        scope: Vec::new(),
    };
    let mut diff = conv.conv(&r.lhs)?;
    diff.extend(neg(conv.conv(&r.rhs)?));
    Some(normal_form(diff, a).is_empty())
}

fn on_grid(r: &Relation, a: &Assumptions, sampling: Sampling) -> Grid {
    let mut bounder = super::degree::Bounder::new(sampling);
    let (Some(lhs), Some(rhs)) = (bounder.bound(&r.lhs), bounder.bound(&r.rhs)) else {
        return Grid::Unavailable;
    };
    let grid = GridSpec::new(lhs.add(&rhs).num, a);
    if grid.len() > MAX_GRID {
        return Grid::Unavailable;
    }
    for point in grid.points() {
        match agree_at(r, a, sampling, point) {
            Some(true) => {}
            Some(false) => return Grid::Differ,
            None => return Grid::Unavailable,
        }
    }
    let scheme = if a.sampling.len() > 1 {
        format!(" ({})", sampling.as_str())
    } else {
        String::new()
    };
    Grid::Agree(format!(
        "normal forms equal as polynomials in non-commuting matrix symbols, with coefficients equal as rational functions of (N, B, γ, d){scheme}: numerator degree ≤ {}, equal at all {} points of the grid {}, hence for all N, B, γ, d where defined (Combinatorial Nullstellensatz)",
        grid.degrees_text(),
        grid.len(),
        grid.values_text()
    ))
}

/// The values of `B` on the grid.
enum BatchValues {
    /// `B` is a variable: `2, 3, …` (all below every `N` of the grid).
    Free(Vec<i64>),
    /// `assume B = 1`.
    One,
    /// `assume B = N`: no variable of its own (the degree in `N` absorbs the degree in `B`).
    EqualsN,
}

/// A grid `S_N × S_B × S_γ × S_d` with one more value of each variable than the degree bound
/// (a fixed variable takes its one value).
struct GridSpec {
    /// The numerator degree bound in `N`, `B`, `γ`, `d` (in `N` including `B`'s if `B = N`).
    degrees: [i64; 4],
    ns: Vec<i64>,
    bs: BatchValues,
    gammas: Vec<BigRational>,
    ds: Vec<i64>,
}

impl GridSpec {
    fn new(degrees: super::degree::Degrees, a: &Assumptions) -> Self {
        let [deg_n, deg_b, deg_g, deg_d] = degrees.map(i64::from);
        let (bs, n_lo, deg_n) = if a.batch_one {
            (BatchValues::One, 2, deg_n)
        } else if a.batch_full {
            (BatchValues::EqualsN, 2, deg_n + deg_b)
        } else {
            (
                BatchValues::Free((2..=2 + deg_b).collect()),
                3 + deg_b,
                deg_n,
            )
        };
        Self {
            degrees: [deg_n, deg_b, deg_g, deg_d],
            ns: (n_lo..=n_lo + deg_n).collect(),
            bs,
            gammas: (0..=deg_g)
                .map(|k| BigRational::new((2 * k + 1).into(), 13.into()))
                .collect(),
            ds: if a.dim_one {
                vec![1]
            } else {
                (2..=2 + deg_d).collect()
            },
        }
    }

    fn b_values(&self, n: i64) -> Vec<i64> {
        match &self.bs {
            BatchValues::Free(bs) => bs.clone(),
            BatchValues::One => vec![1],
            BatchValues::EqualsN => vec![n],
        }
    }

    fn len(&self) -> usize {
        let b = match &self.bs {
            BatchValues::Free(bs) => bs.len(),
            BatchValues::One | BatchValues::EqualsN => 1,
        };
        self.ns.len() * b * self.gammas.len() * self.ds.len()
    }

    /// Every `(N, B, γ, d)` of the grid.
    fn points(&self) -> impl Iterator<Item = (i64, i64, &BigRational, i64)> + '_ {
        self.ns.iter().flat_map(move |&n| {
            self.b_values(n).into_iter().flat_map(move |b| {
                self.gammas
                    .iter()
                    .flat_map(move |g| self.ds.iter().map(move |&d| (n, b, g, d)))
            })
        })
    }

    /// `4 in N, 2 in γ`: the non-zero degree bounds.
    fn degrees_text(&self) -> String {
        let free_b = matches!(self.bs, BatchValues::Free(_));
        let parts: Vec<String> = super::degree::VARS
            .iter()
            .zip(self.degrees)
            .filter(|&(v, k)| k > 0 && (*v != "B" || free_b))
            .map(|(v, k)| format!("{k} in {v}"))
            .collect();
        if parts.is_empty() {
            "0".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// `N ∈ 2..6, B = N, γ ∈ {1/13, 3/13}, d = 2`.
    fn values_text(&self) -> String {
        let range = |name: &str, v: &[i64]| match v {
            [x] => format!("{name} = {x}"),
            _ => format!("{name} ∈ {}..{}", v[0], v[v.len() - 1]),
        };
        let b = match &self.bs {
            BatchValues::Free(bs) => range("B", bs),
            BatchValues::One => "B = 1".to_owned(),
            BatchValues::EqualsN => "B = N".to_owned(),
        };
        let g = match self.gammas.as_slice() {
            [g] => format!("γ = {g}"),
            gs => format!(
                "γ ∈ {{{}}}",
                gs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        [range("N", &self.ns), b, g, range("d", &self.ds)].join(", ")
    }
}

/// Three random rational points `(N, B, γ)` (and `d`) per sampling scheme.
fn at_random_points(r: &Relation, a: &Assumptions, rng: &mut ChaCha8Rng) -> Option<String> {
    let mut pts = Vec::new();
    for &sampling in &a.sampling {
        for _ in 0..3 {
            let n: i64 = rng.random_range(5..=40);
            let b: i64 = if a.batch_one {
                1
            } else if a.batch_full {
                n
            } else {
                rng.random_range(2..n)
            };
            let gamma = BigRational::new(
                rng.random_range(1..=50).into(),
                rng.random_range(1..=50).into(),
            );
            let d = if a.dim_one {
                1
            } else {
                rng.random_range(2..=9)
            };
            if !agree_at(r, a, sampling, (n, b, &gamma, d))? {
                return None;
            }
            let g = if gamma.is_integer() {
                gamma.numer().to_string()
            } else {
                format!("{}/{}", gamma.numer(), gamma.denom())
            };
            let scheme = if a.sampling.len() > 1 {
                format!(" {}", sampling.as_str())
            } else {
                String::new()
            };
            pts.push(format!("({n}, {b}, {g}){scheme}"));
        }
    }
    Some(format!(
        "normal forms equal as polynomials in non-commuting matrix symbols at the random points (N, B, γ) = {} only (the grid that would decide the identity was too large or met a pole)",
        pts.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::syntax::{parse_file, Claim, Item};

    /// The first step's relation and assumptions.
    fn relation(text: &str) -> (Relation, Assumptions) {
        let f = parse_file(text).unwrap();
        let Some(Item::Step(s)) = f.items.into_iter().find(|i| matches!(i, Item::Step(_))) else {
            panic!("no step")
        };
        let Ok(Claim::Rel(r)) = s.claim else {
            panic!("not a relation")
        };
        (r, s.assumptions)
    }

    #[test]
    fn grid_proves_an_identity_in_n_b_gamma() {
        let (r, a) = relation(
            "proof \"t\"\nstep (1): (I - gamma*H)^2 + gamma^2*c*Sigma = I - 2*gamma*H + gamma^2*H^2 + gamma^2*(N-B)/(B*(N-1))*Sigma\n",
        );
        let Grid::Agree(text) = on_grid(&r, &a, Sampling::WithoutReplacement) else {
            panic!("not proved")
        };
        assert!(text.contains("hence for all N, B, γ, d"), "{text}");
    }

    /// A grid that meets a pole (`N = 3` in `1/(N − 3)`) proves nothing; the random points that
    /// replace it are labelled as such, so the step is not reported as proved.
    #[test]
    fn a_pole_on_the_grid_leaves_only_random_points() {
        use rand_chacha::rand_core::SeedableRng;
        let (r, a) = relation("proof \"t\"\nassume B = 1\nstep (1): H/(N-3) = H/(N-3)\n");
        assert!(matches!(
            on_grid(&r, &a, Sampling::WithoutReplacement),
            Grid::Unavailable
        ));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(matches!(
            equal(&r, &a, &mut rng),
            Some(Identity::AtRandomPoints(_))
        ));
    }

    /// `(N − 2)(N − 3)(N − 4)·H = 0`: zero at N = 2, 3, 4 but not as a function of N. The
    /// coefficient `(N − 2)(N − 3)(N − 4)/N` has degree 3, so the grid takes four values of N
    /// and must find the one where it is not zero; a bound that forgot a factor would take
    /// three and call the identity proved.
    #[test]
    fn grid_refutes_an_identity_that_holds_at_fewer_points_than_its_degree() {
        let (r, a) = relation("proof \"t\"\nassume B = 1\nstep (1): (N-2)*(N-3)*(N-4)*H = 0*H\n");
        for n in [2, 3, 4] {
            let g = BigRational::new(1.into(), 13.into());
            assert_eq!(
                agree_at(&r, &a, Sampling::WithoutReplacement, (n, 1, &g, 2)),
                Some(true)
            );
        }
        assert!(matches!(
            on_grid(&r, &a, Sampling::WithoutReplacement),
            Grid::Differ
        ));
    }
}
