//! Symbolic normal forms: deciding an equality for all `N`, `B`, `γ`, `d` (and every matrix),
//! and the sign relation between two scalar relations.
//!
//! Both sides are converted ([`convert`]) into fractions of polynomials whose monomials are
//! words in non-commuting letters (`H_i`, `A`, `Q`, `x`, `g_i`, …) with commuting scalar atoms
//! (`N`, `B`, `γ`, `d`, traces, scalar words, `a_i`, `abs`/`sqrt`/`norm` of normal forms) and
//! bound sample indices ([`term`]). Every rewrite is an identity wherever the claim is defined,
//! so a zero difference proves the equality at every point where no denominator vanishes. The
//! checker's own denominators (`N − k` from the batch moments, `N − 1` from `c`) vanish at
//! finitely many `N`; those `N` (with every allowed `B`) are checked again with `N` and `B`
//! numbers and every sum expanded over concrete samples ("case by case"). A non-zero difference
//! is returned with where it is non-zero, for the caller to turn into a concrete counterexample:
//! a difference of normal forms alone is not a refutation (the normal form may fail to see an
//! identity), only an instance is.

mod batch;
mod convert;
pub(crate) mod display;
mod eigen;
mod frac;
pub(crate) mod term;

use super::ast::{Assumptions, BatchSize, Expr, RelOp, Relation};
use crate::instance::Sampling;
use batch::Sizes;
use convert::{Converter, Setting};
pub(crate) use frac::Frac;
use frac::Origin;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use term::{Atom, Outside, Param, Poly};

/// Why there is no symbolic answer.
pub(crate) type Why = String;

/// Where two normal forms differ.
#[derive(Debug, Clone)]
pub(crate) struct Difference {
    /// The scheme.
    pub sampling: Sampling,
    /// `None`: for symbolic `N`, `B`; `Some((N, B))`: at these sizes (with the free indices
    /// at `free`).
    pub at: Option<(u32, u32)>,
    /// The free indices' values at `at`.
    pub free: Vec<(String, u32)>,
    /// `lhs − rhs`.
    pub diff: Frac,
}

impl Difference {
    /// The difference as text, cut after a few terms.
    pub(crate) fn text(&self) -> String {
        let at = match self.at {
            None => String::new(),
            Some((n, b)) => {
                let free: String = self
                    .free
                    .iter()
                    .map(|(v, k)| format!(", {v} = {k}"))
                    .collect();
                format!(" at N = {n}, B = {b}{free}")
            }
        };
        format!("lhs − rhs = {}{at}", display::frac(&self.diff, 4))
    }

    /// Whether the difference is non-zero at `N = n`, `B = b`, `d` (for a symbolic
    /// difference; `γ` stays a variable).
    pub(crate) fn nonzero_at(&self, n: u32, b: u32, d: u32, dim_one: bool) -> bool {
        if let Some(at) = self.at {
            return at == (n, b);
        }
        let q = |k: u32| BigRational::from_integer(k.into());
        let mut values = vec![(Param::N, q(n)), (Param::B, q(b))];
        if !dim_one {
            values.push((Param::D, q(d)));
        }
        let canon = term::Canon { commute: false };
        // A denominator factor that vanishes there: the point is outside the domain.
        for f in self.diff.den.keys() {
            if f.with_params(&values, canon).is_ok_and(|p| p.is_zero()) {
                return false;
            }
        }
        self.diff
            .num
            .with_params(&values, canon)
            .map_or(true, |p| !p.is_zero())
    }
}

/// The outcome of comparing the normal forms of two sides.
#[derive(Debug, Clone)]
pub(crate) enum Equality {
    /// Equal: the evidence.
    Proved(String),
    /// Different (see [`Difference`]).
    Differs(Box<Difference>),
    /// No normal form: why.
    Outside(Why),
}

fn generic_sizes(asm: &Assumptions) -> Sizes {
    match asm.batch {
        BatchSize::One => Sizes::BatchOne,
        BatchSize::Full => Sizes::BatchFull,
        BatchSize::Any | BatchSize::TwoOrMore => Sizes::Free,
    }
}

/// The batch sizes allowed with `N = n`.
fn batch_sizes(n: u32, asm: &Assumptions) -> Vec<u32> {
    match asm.batch {
        BatchSize::One => vec![1],
        BatchSize::Full => vec![n],
        BatchSize::Any => (1..=n).collect(),
        BatchSize::TwoOrMore => (2..=n).collect(),
    }
}

/// The smallest `N` from which no reduction denominator `N − k` vanishes.
fn generic_from(fracs: &[&Frac]) -> u32 {
    let mut n0 = 1;
    for f in fracs {
        for (factor, &(_, origin)) in &f.den {
            if origin != Origin::Reduction || factor.len() != 2 {
                continue;
            }
            let mut k = None;
            let mut has_n = false;
            for (m, c) in &factor.terms {
                match m.atoms.as_slice() {
                    [] if m.comps.is_empty() => k = Some(-c.clone()),
                    [Atom::Param(Param::N)] if m.comps.is_empty() => has_n = true,
                    _ => {}
                }
            }
            if let (true, Some(k)) = (has_n, k) {
                if k.is_integer() && k.is_positive() {
                    let k = k.to_integer();
                    if let Ok(k) = u32::try_from(k) {
                        n0 = n0.max(k.saturating_add(1));
                    }
                }
            }
        }
    }
    n0
}

/// Every assignment of `vars` to `1..=n`.
fn assignments(vars: &[String], n: u32) -> Vec<Vec<(String, u32)>> {
    let mut out = vec![Vec::new()];
    for v in vars {
        let mut next = Vec::new();
        for a in &out {
            for k in 1..=n {
                let mut b = a.clone();
                b.push((v.clone(), k));
                next.push(b);
            }
        }
        out = next;
    }
    out
}

fn convert_pair(lhs: &Expr, rhs: &Expr, conv: &mut Converter) -> Result<(Frac, Frac), Outside> {
    let l = conv.conv(lhs)?;
    let r = conv.conv(rhs)?;
    Ok((l, r))
}

/// Decide `lhs = rhs` by normal forms, for every scheme of `asm`.
pub(crate) fn equality(lhs: &Expr, rhs: &Expr, asm: &Assumptions) -> Equality {
    let free: Vec<String> = {
        let mut v = lhs.free_indices();
        for x in rhs.free_indices() {
            if !v.contains(&x) {
                v.push(x);
            }
        }
        v
    };
    let mut cases_note = String::new();
    for &sampling in &asm.sampling {
        let set = Setting {
            sampling,
            sizes: generic_sizes(asm),
            asm,
        };
        let canon = set.canon();
        let mut conv = Converter::new(set);
        let (l, r) = match convert_pair(lhs, rhs, &mut conv) {
            Ok(x) => x,
            Err(Outside::Undefined) => {
                return Equality::Outside("the claim divides by zero for every value".into())
            }
            Err(Outside::Fragment(why)) => return Equality::Outside(why),
        };
        let diff = match l.difference(&r, canon) {
            Ok(d) => d,
            Err(e) => return Equality::Outside(e.reason()),
        };
        if !diff.num.is_zero() {
            return Equality::Differs(Box::new(Difference {
                sampling,
                at: None,
                free: Vec::new(),
                diff,
            }));
        }
        let n0 = generic_from(&[&l, &r]);
        let mut checked = 0;
        for n in 1..n0 {
            for b in batch_sizes(n, asm) {
                for assignment in assignments(&free, n) {
                    let set = Setting {
                        sampling,
                        sizes: Sizes::Fixed { n, b },
                        asm,
                    };
                    let mut conv = Converter::new(set);
                    conv.free = assignment
                        .iter()
                        .map(|(v, k)| (v.clone(), term::Idx::Sample(*k)))
                        .collect();
                    let (l, r) = match convert_pair(lhs, rhs, &mut conv) {
                        Ok(x) => x,
                        Err(Outside::Undefined) => continue,
                        Err(Outside::Fragment(why)) => {
                            return Equality::Outside(format!(
                                "at N = {n}, B = {b}: {why} (the general case reduced to 0)"
                            ))
                        }
                    };
                    let diff = match l.difference(&r, canon) {
                        Ok(d) => d,
                        Err(e) => return Equality::Outside(e.reason()),
                    };
                    if !diff.num.is_zero() {
                        return Equality::Differs(Box::new(Difference {
                            sampling,
                            at: Some((n, b)),
                            free: assignment,
                            diff,
                        }));
                    }
                    checked += 1;
                }
            }
        }
        if n0 > 1 && checked > 0 {
            cases_note = format!("; N < {n0} checked case by case");
        }
    }
    let schemes = if asm.sampling.len() > 1 {
        " under both samplings"
    } else {
        ""
    };
    Equality::Proved(format!(
        "proved: lhs − rhs reduces to 0{schemes} (normal form in non-commuting letters, coefficients rational in N, B, γ, d), for all N, B, γ, d where defined{cases_note}"
    ))
}

/// Decide `lhs = rhs` in an eigenbasis of `H` ([`eigen`]): `None` outside that fragment,
/// `Some(Ok(evidence))` when the difference is 0, `Some(Err(difference))` otherwise.
pub(crate) fn eigenbasis_equality(
    lhs: &Expr,
    rhs: &Expr,
    asm: &Assumptions,
) -> Option<Result<String, String>> {
    let canon = Setting {
        sampling: Sampling::WithoutReplacement,
        sizes: Sizes::Free,
        asm,
    }
    .canon();
    let d = eigen::difference(lhs, rhs, asm, canon).ok()?;
    Some(if d.num.is_zero() {
        Ok("proved: in an eigenbasis of H (H = U diag(λ) Uᵀ, eigdiag(H, v) = U diag(v) Uᵀ), lhs − rhs reduces to 0 as a polynomial in the coordinates, for all H, v, d where defined".to_owned())
    } else {
        Err(display::frac(&d, 4))
    })
}

/// The sign class of a relation `D op 0`.
fn signs(op: RelOp) -> Option<[bool; 3]> {
    // [negative, zero, positive]
    Some(match op {
        RelOp::Le => [true, true, false],
        RelOp::Lt => [true, false, false],
        RelOp::Ge => [false, true, true],
        RelOp::Gt => [false, false, true],
        RelOp::Eq => [false, true, false],
        RelOp::LoewnerLe | RelOp::LoewnerGe => return None,
    })
}

/// Whether every factor of the denominator is positive wherever the claim is defined: a
/// reduction factor (positive for `N` beyond the cases checked one by one), a polynomial in
/// `γ`, `N`, `B`, `d` with positive coefficients, or a linear form in `N`, `B` that is `≥ 0` on
/// the domain `1 ≤ B ≤ N` (a divisor of the claim is non-zero where it is defined).
fn den_positive(f: &Frac, asm: &Assumptions) -> bool {
    f.den.iter().all(|(p, &(_, origin))| {
        origin == Origin::Reduction
            || p.terms.iter().all(|(m, c)| {
                c.is_positive()
                    && m.comps.is_empty()
                    && m.atoms.iter().all(|a| matches!(a, Atom::Param(_)))
            })
            || linear_nonneg(p, asm)
    })
}

/// `αN + βB + κ ≥ 0` for all `1 ≤ B ≤ N` allowed by `asm`.
fn linear_nonneg(p: &Poly, asm: &Assumptions) -> bool {
    let mut l = [
        BigRational::zero(),
        BigRational::zero(),
        BigRational::zero(),
    ];
    for (m, c) in &p.terms {
        if !m.comps.is_empty() || !m.slots.is_empty() {
            return false;
        }
        match m.atoms.as_slice() {
            [] => l[2] += c,
            [Atom::Param(Param::N)] => l[0] += c,
            [Atom::Param(Param::B)] => l[1] += c,
            _ => return false,
        }
    }
    let [alpha, beta, kappa] = &l;
    let zero = BigRational::zero();
    let b0 = BigRational::from_integer(
        if asm.batch == BatchSize::TwoOrMore {
            2
        } else {
            1
        }
        .into(),
    );
    match asm.batch {
        BatchSize::One => alpha >= &zero && alpha + beta + kappa >= zero,
        BatchSize::Full => alpha + beta >= zero && alpha + beta + kappa >= zero,
        BatchSize::Any | BatchSize::TwoOrMore => {
            alpha >= &zero && alpha + beta >= zero && (alpha + beta) * b0 + kappa >= zero
        }
    }
}

/// `n1 = k·n2` for `k` a positive or negative constant times a monomial in the parameters:
/// `Some(sign of k)`.
fn multiple(n1: &Poly, n2: &Poly, canon: term::Canon) -> Option<bool> {
    let (m1, c1) = n1.terms.iter().next_back()?;
    let split = |m: &term::Mono| {
        let mut params: Vec<Param> = Vec::new();
        let mut rest = m.clone();
        rest.atoms.retain(|a| match a {
            Atom::Param(p) => {
                params.push(*p);
                false
            }
            _ => true,
        });
        (params, rest)
    };
    let (p1, r1) = split(m1);
    for (m2, c2) in &n2.terms {
        let (p2, r2) = split(m2);
        if r1 != r2 {
            continue;
        }
        // p1 ⊇ p2 as multisets.
        let mut extra = p1.clone();
        let mut ok = true;
        for p in &p2 {
            match extra.iter().position(|q| q == p) {
                Some(j) => {
                    extra.remove(j);
                }
                None => ok = false,
            }
        }
        if !ok {
            continue;
        }
        let mut k = Poly::constant(c1 / c2);
        for p in &extra {
            k = k.mul(&Poly::atom(Atom::Param(*p)), canon).ok()?;
        }
        if k.mul(n2, canon).ok()? == *n1 {
            return Some((c1 / c2).is_positive());
        }
    }
    None
}

/// Whether `p ⟹ q` (and, when `both`, `q ⟹ p`) holds because `lhs − rhs` of one is a
/// positive (or negative) multiple of the other's, for every `N`, `B`, `γ`, `d` where both are
/// defined. `Ok(evidence)` on success.
pub(crate) fn sign_related(
    p: &Relation,
    q: &Relation,
    both: bool,
    asm: &Assumptions,
) -> Result<String, Why> {
    let (Some(sp), Some(sq)) = (signs(p.op), signs(q.op)) else {
        return Err("a Loewner relation".into());
    };
    if !p.lhs.shape.is_scalar() {
        return Err("not a scalar relation".into());
    }
    let related = |sizes: Sizes, sampling: Sampling| -> Result<Option<bool>, Why> {
        let set = Setting {
            sampling,
            sizes,
            asm,
        };
        let canon = set.canon();
        let mut conv = Converter::new(set);
        let mut diff = |r: &Relation| -> Result<Frac, Outside> {
            let (l, r) = convert_pair(&r.lhs, &r.rhs, &mut conv)?;
            l.difference(&r, canon)
        };
        let (d1, d2) = match (diff(p), diff(q)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(Outside::Undefined), _) | (_, Err(Outside::Undefined)) => return Ok(None),
            (Err(e), _) | (_, Err(e)) => return Err(e.reason()),
        };
        if !(den_positive(&d1, asm) && den_positive(&d2, asm)) {
            return Err("a denominator of unknown sign".into());
        }
        if d1.num.is_zero() && d2.num.is_zero() {
            return Ok(Some(true));
        }
        // d1 = n1/q1, d2 = n2/q2 with q1, q2 > 0: compare n1·q2 with n2·q1.
        let cross = |n: &Poly, q: &Frac| -> Result<Poly, Why> {
            q.den_poly(canon)
                .and_then(|p| n.mul(&p, canon))
                .map_err(|e| e.reason())
        };
        let (n1, n2) = (cross(&d1.num, &d2)?, cross(&d2.num, &d1)?);
        match multiple(&n1, &n2, canon) {
            Some(pos) => Ok(Some(pos)),
            None => Err("the two differences are not multiples of each other".into()),
        }
    };
    let implied = |from: [bool; 3], to: [bool; 3], pos: bool| {
        let to = if pos { to } else { [to[2], to[1], to[0]] };
        (0..3).all(|k| !from[k] || to[k])
    };
    for &sampling in &asm.sampling {
        let pos = related(generic_sizes(asm), sampling)?.unwrap_or(true);
        let ok = implied(sp, sq, pos) && (!both || implied(sq, sp, pos));
        if !ok {
            return Err("the sign classes of the relations do not match".into());
        }
        // The sizes where a reduction denominator vanishes.
        let set = Setting {
            sampling,
            sizes: generic_sizes(asm),
            asm,
        };
        let mut conv = Converter::new(set);
        let mut fr = Vec::new();
        for r in [p, q] {
            for e in [&r.lhs, &r.rhs] {
                if let Ok(f) = conv.conv(e) {
                    fr.push(f);
                }
            }
        }
        let n0 = generic_from(&fr.iter().collect::<Vec<_>>());
        for n in 1..n0 {
            for b in batch_sizes(n, asm) {
                if let Some(pos) = related(Sizes::Fixed { n, b }, sampling)? {
                    if !(implied(sp, sq, pos) && (!both || implied(sq, sp, pos))) {
                        return Err(format!("at N = {n}, B = {b} the signs do not match"));
                    }
                }
            }
        }
    }
    let _ = BigRational::zero();
    Ok(format!(
        "proved: lhs − rhs of the {} is a {} multiple of the {}'s (normal forms), so their signs agree wherever defined",
        if both { "first relation" } else { "premise" },
        "constant-sign",
        if both { "second" } else { "conclusion" },
    ))
}
