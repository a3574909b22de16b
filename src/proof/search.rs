//! Looking for counterexamples: instances of shapes wide enough for the claim, exact
//! evaluation ([`super::trial::decide`]) to test or confirm, an `f64` score and hill climbing to
//! steer, greedy shrinking of what is found, and the counterexample as a person reads it.

use super::ast::{Assumptions, Claim, ExprKind, Family, Rank, Sym};
use super::instances::{reach, shapes, Genes, ShapeSpec};
use super::limits::{MAX_INSTANCE_ESTIMATE, MAX_INSTANCE_WORK};
use super::trial::{claim_cost, decide, score, Decided, Instance, PRECISIONS, QUICK};
use super::value::{Arith, EvalError, Truth};
use crate::exact::work::metered;
use num_rational::BigRational;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Candidates that looked violated in `f64` and are decided exactly, at most, per unit of
/// effort.
const CONFIRMATIONS: usize = 8;

/// Candidate simplifications tried while shrinking a counterexample.
const SHRINK_STEPS: usize = 120;

/// A counterexample, in numbers a person can check by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// `d = 2, N = 3, B = 2, without_replacement, γ = 1/2`.
    pub setting: String,
    /// The data: `H_1 = [[1, 0], [0, 0]]`, `A = …`, `i = 2`.
    pub values: Vec<(String, String)>,
    /// Both sides of each relation, e.g. `lhs = 3/4`, `rhs = 1`.
    pub sides: Vec<(String, String)>,
    /// `exact` (rational arithmetic) or `intervals` (rigorous rational bounds).
    pub arithmetic: String,
}

/// The symbols a claim mentions (for printing counterexamples).
#[derive(Debug, Default)]
pub(crate) struct Mentions {
    syms: Vec<Sym>,
    fams: Vec<Family>,
}

pub(crate) fn mentions(c: &Claim) -> Mentions {
    let mut m = Mentions::default();
    for e in c.sides() {
        e.walk(&mut |x| match &x.kind {
            ExprKind::Sym(s) if !m.syms.contains(s) => m.syms.push(*s),
            ExprKind::Family(f, _) if !m.fams.contains(f) => m.fams.push(*f),
            _ => {}
        });
    }
    m
}

/// The claim with what is needed to evaluate it, and the work spent.
pub(crate) struct Ctx<'a> {
    pub claim: &'a Claim,
    pub asm: &'a Assumptions,
    pub free: Vec<String>,
    /// Work units this step may spend on evaluations.
    pub budget: u64,
    /// Work units spent.
    pub used: u64,
    /// Evaluations stopped by a work limit.
    pub out_of_work: usize,
    /// Shapes skipped because one evaluation would cost too much.
    pub too_costly: usize,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(claim: &'a Claim, asm: &'a Assumptions, budget: u64) -> Self {
        Self {
            claim,
            asm,
            free: claim.free_indices(),
            budget,
            used: 0,
            out_of_work: 0,
            too_costly: 0,
        }
    }

    /// Whether the step's budget is spent.
    pub(crate) fn spent(&self) -> bool {
        self.used >= self.budget
    }

    /// The batch list of a shape if an evaluation there is not hopelessly expensive (by an
    /// estimate of its operation count).
    fn admit(&mut self, s: ShapeSpec) -> Option<Vec<(Vec<usize>, BigRational)>> {
        match claim_cost(self.claim, &self.free, s.d, s.n, s.b, s.sampling) {
            Some((c, b)) if c <= MAX_INSTANCE_ESTIMATE => Some(b),
            _ => {
                self.too_costly += 1;
                None
            }
        }
    }

    /// Run `f` under this step's remaining budget (at most one instance's worth).
    fn run<R>(&mut self, f: impl FnOnce() -> R) -> Option<R> {
        if self.spent() {
            return None;
        }
        let limit = MAX_INSTANCE_WORK.min(self.budget - self.used);
        let (r, used) = metered(limit, f);
        self.used = self.used.saturating_add(used);
        Some(r)
    }

    /// The exact truth on `genes`, if the budget allows.
    pub(crate) fn exact(&mut self, genes: &Genes) -> Option<Decided> {
        self.exact_at(genes, &PRECISIONS)
    }

    /// The exact truth with intervals of one precision only (a quick cross-check).
    pub(crate) fn quick(&mut self, genes: &Genes) -> Option<Decided> {
        self.exact_at(genes, &QUICK)
    }

    fn exact_at(&mut self, genes: &Genes, precisions: &[u32]) -> Option<Decided> {
        let batches = self.admit(genes.shape)?;
        let (claim, free, raw) = (self.claim, self.free.clone(), genes.build(self.asm));
        match self.run(|| decide(claim, &free, &raw, &batches, precisions))? {
            Instance::Decided(d) => Some(d),
            Instance::OutOfWork => {
                self.out_of_work += 1;
                None
            }
            Instance::Undefined => None,
        }
    }

    fn heuristic(&mut self, genes: &Genes) -> Option<Result<f64, EvalError>> {
        let batches = self.admit(genes.shape)?;
        let (claim, free, raw) = (self.claim, self.free.clone(), genes.build(self.asm));
        let r = self.run(|| score(claim, &free, &raw, &batches))?;
        if r == Err(EvalError::OutOfWork) {
            self.out_of_work += 1;
            return None;
        }
        Some(r)
    }
}

/// The shapes to try for this claim whose estimated cost is within the limit, smallest first.
pub(crate) fn usable_shapes(ctx: &mut Ctx) -> Vec<ShapeSpec> {
    let all = shapes(ctx.asm, reach(ctx.claim));
    let n = all.len();
    let kept: Vec<ShapeSpec> = all
        .into_iter()
        .filter(|s| ctx.admit(*s).is_some())
        .collect();
    ctx.too_costly = n - kept.len();
    kept
}

/// `3 shapes with d ∈ {1,2}, N ∈ {2,3}, B ∈ {1}, sampling without_replacement`.
pub(crate) fn shapes_text(used: &[ShapeSpec]) -> String {
    let mut distinct: Vec<(usize, usize, usize)> = used.iter().map(|s| (s.d, s.n, s.b)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let set = |f: fn(&(usize, usize, usize)) -> usize| {
        let mut v: Vec<usize> = distinct.iter().map(f).collect();
        v.sort_unstable();
        v.dedup();
        compress(&v)
    };
    let mut samplings: Vec<&str> = used.iter().map(|s| s.sampling.as_str()).collect();
    samplings.sort_unstable();
    samplings.dedup();
    format!(
        "{} shapes, d ∈ {}, N ∈ {}, B ∈ {}, {}",
        distinct.len(),
        set(|s| s.0),
        set(|s| s.1),
        set(|s| s.2),
        samplings.join(" and ")
    )
}

/// `{1,2,3,5}` as `{1..3, 5}`.
fn compress(v: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j >= i + 2 {
            format!("{}..{}", v[i], v[j])
        } else if j == i + 1 {
            format!("{},{}", v[i], v[j])
        } else {
            v[i].to_string()
        });
        i = j + 1;
    }
    format!("{{{}}}", parts.join(","))
}

/// A confirmed counterexample: the genes and the exact outcome.
pub(crate) type Found = (Genes, Decided);

/// What testing an equality on instances found.
pub(crate) struct Tested {
    pub instances: usize,
    pub unknown: usize,
    pub used: Vec<ShapeSpec>,
    /// Failing instances (the first, shrunk, is reported).
    pub failures: Vec<Found>,
}

/// How hard an exact evaluation tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precision {
    /// Intervals up to the largest precision.
    Full,
    /// One interval precision (a cross-check).
    Quick,
}

/// Evaluate the claim exactly on random instances of every usable shape (smallest first, then
/// wider entries), or of `only` when given.
pub(crate) fn test_instances(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    count: usize,
    only: Option<&[ShapeSpec]>,
    precision: Precision,
) -> Tested {
    let shapes = match only {
        Some(s) => s.to_vec(),
        None => usable_shapes(ctx),
    };
    let mut t = Tested {
        instances: 0,
        unknown: 0,
        used: Vec::new(),
        failures: Vec::new(),
    };
    if shapes.is_empty() {
        return t;
    }
    let count = match precision {
        Precision::Full => count.max(shapes.len().min(60)),
        Precision::Quick => count,
    };
    for k in 0..count {
        let shape = shapes[k % shapes.len()];
        let range = if k < shapes.len() { 2 } else { 9 };
        let genes = Genes::random(rng, shape, range);
        let d = match precision {
            Precision::Full => ctx.exact(&genes),
            Precision::Quick => ctx.quick(&genes),
        };
        let Some(d) = d else {
            continue;
        };
        t.instances += 1;
        t.used.push(shape);
        match d.truth {
            Truth::Holds => {}
            Truth::Undecided => t.unknown += 1,
            Truth::Fails => {
                if t.failures.len() < 8 {
                    t.failures.push((genes, d));
                }
            }
        }
    }
    t
}

/// What a counterexample search found.
pub(crate) struct Searched {
    pub evaluated: usize,
    pub used: Vec<ShapeSpec>,
    pub found: Option<Found>,
    /// Instances that looked violated in `f64` but could not be decided exactly.
    pub unconfirmed: usize,
    /// Instances whose `f64` evaluation overflowed (then evaluated exactly).
    pub overflowed: usize,
    /// The largest `f64` score seen.
    pub worst: f64,
}

/// Random instances (half with `γ` calibrated to `t/λ_max(H)`), then hill climbing on the
/// `f64` violation from the six worst; then the instances that looked most violated are decided
/// exactly, worst first, until one is a counterexample.
pub(crate) fn search(ctx: &mut Ctx, rng: &mut ChaCha8Rng, effort: usize) -> Searched {
    let shapes = usable_shapes(ctx);
    let mut s = Searched {
        evaluated: 0,
        used: Vec::new(),
        found: None,
        unconfirmed: 0,
        overflowed: 0,
        worst: f64::NEG_INFINITY,
    };
    if shapes.is_empty() {
        return s;
    }
    // Candidates: (score, genes), the most violated kept.
    let mut candidates: Vec<(f64, Genes)> = Vec::new();
    let keep = CONFIRMATIONS * effort;
    let mut note = |genes: &Genes, sc: Result<f64, EvalError>, s: &mut Searched| -> Option<f64> {
        let v = match sc {
            Ok(v) => v,
            Err(EvalError::Overflow) => {
                s.overflowed += 1;
                f64::INFINITY
            }
            Err(_) => return None,
        };
        s.evaluated += 1;
        s.used.push(genes.shape);
        if v.is_finite() {
            s.worst = s.worst.max(v);
        }
        if v > 0.0 && !candidates.iter().any(|(_, g)| g == genes) {
            candidates.push((v, genes.clone()));
            candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.size().cmp(&y.1.size())));
            candidates.truncate(keep);
        }
        Some(v)
    };
    let random = 120 * effort;
    let mut pool: Vec<(f64, Genes)> = Vec::new();
    for k in 0..random {
        let shape = shapes[k % shapes.len()];
        let range = [2, 3, 5][k / shapes.len() % 3];
        let mut genes = Genes::random(rng, shape, range);
        if k % 2 == 1 {
            genes.calibrate_gamma(ctx.asm, rng);
        }
        let Some(sc) = ctx.heuristic(&genes) else {
            continue;
        };
        if let Some(v) = note(&genes, sc, &mut s) {
            pool.push((v, genes));
        }
    }
    pool.sort_by(|x, y| y.0.total_cmp(&x.0));
    pool.truncate(6);
    for (mut current, mut genes) in pool {
        for _ in 0..50 * effort {
            let mut next = genes.clone();
            next.mutate(rng, 5);
            let Some(sc) = ctx.heuristic(&next) else {
                continue;
            };
            if let Some(v) = note(&next, sc, &mut s) {
                if v >= current {
                    current = v;
                    genes = next;
                }
            }
        }
    }
    // Decide the candidates exactly, most violated (then smallest) first.
    for (_, genes) in candidates {
        match ctx.exact(&genes) {
            Some(d) if d.truth == Truth::Fails => {
                s.found = Some((genes, d));
                break;
            }
            Some(d) if d.truth == Truth::Undecided => s.unconfirmed += 1,
            _ => {}
        }
    }
    s
}

/// A counterexample built from a point found by an exact decision procedure (for example
/// `H = λI` with `γλ = u`), confirmed by evaluation.
pub(crate) fn confirm(ctx: &mut Ctx, genes: &Genes) -> Option<Found> {
    let d = ctx.exact(genes)?;
    (d.truth == Truth::Fails).then(|| (genes.clone(), d))
}

/// Greedily simplify a counterexample while it stays one (exactly).
pub(crate) fn shrink(ctx: &mut Ctx, found: Found) -> Found {
    let (mut genes, mut d) = found;
    let mut budget = SHRINK_STEPS;
    'outer: while budget > 0 {
        for cand in genes.simpler() {
            budget -= 1;
            if budget == 0 {
                break 'outer;
            }
            if let Some(d2) = ctx.exact(&cand) {
                if d2.truth == Truth::Fails {
                    genes = cand;
                    d = d2;
                    continue 'outer;
                }
            }
        }
        break;
    }
    (genes, d)
}

/// The counterexample as a person reads it.
pub(crate) fn counterexample(ctx: &Ctx, found: &Found, m: &Mentions) -> Counterexample {
    use crate::exact::Matrix;
    let (genes, d) = found;
    let a = ctx.asm;
    let raw = genes.build(a);
    let s = genes.shape;
    let show = |m: &Matrix<BigRational>| {
        if m.nrows() == 1 && m.ncols() == 1 {
            return super::print::rational(m.get(0, 0));
        }
        if m.ncols() == 1 {
            let v: Vec<String> = (0..m.nrows())
                .map(|i| super::print::rational(m.get(i, 0)))
                .collect();
            return format!("({})ᵀ", v.join(", "));
        }
        let rows: Vec<String> = (0..m.nrows())
            .map(|i| {
                let r: Vec<String> = (0..m.ncols())
                    .map(|j| super::print::rational(m.get(i, j)))
                    .collect();
                format!("[{}]", r.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    };
    let setting = format!(
        "d = {}, N = {}, B = {}, {}, γ = {}",
        s.d,
        s.n,
        s.b,
        s.sampling,
        super::print::rational(&raw.gamma)
    );
    let mut values = Vec::new();
    let uses_h = m.fams.contains(&Family::H)
        || m.syms
            .iter()
            .any(|x| matches!(x, Sym::H | Sym::Sigma | Sym::HBatch | Sym::C));
    let uses_g = m.fams.contains(&Family::G);
    if a.rank == Rank::One && (uses_h || uses_g) {
        for (i, g) in raw.gs.iter().enumerate() {
            values.push((format!("g_{}", i + 1), show(g)));
        }
    } else {
        if uses_h {
            for (i, h) in raw.hs.iter().enumerate() {
                values.push((format!("H_{}", i + 1), show(h)));
            }
        }
        if uses_g {
            for (i, g) in raw.gs.iter().enumerate() {
                values.push((format!("g_{}", i + 1), show(g)));
            }
        }
    }
    if m.fams.contains(&Family::A) {
        let v: Vec<String> = raw.a_fam.iter().map(super::print::rational).collect();
        values.push(("a_i".into(), v.join(", ")));
    }
    if m.fams.contains(&Family::W) {
        for (i, w) in raw.w_fam.iter().enumerate() {
            values.push((format!("w_{}", i + 1), show(w)));
        }
    }
    for (sym, val) in [
        (Sym::A, &raw.a),
        (Sym::Q, &raw.q),
        (Sym::X, &raw.x),
        (Sym::W, &raw.w),
    ] {
        if m.syms.contains(&sym) {
            values.push((sym.name().to_owned(), show(val)));
        }
    }
    for (v, i) in &d.assignment {
        values.push((v.clone(), (i + 1).to_string()));
    }
    Counterexample {
        setting,
        values,
        sides: d.sides.clone(),
        arithmetic: match d.arith {
            Arith::Exact => "exact",
            Arith::Interval => "intervals",
        }
        .to_owned(),
    }
}

/// Genes for a one-eigenvalue instance `H_i = λ·I` with `γλ = u` (the spectral route's
/// witness), in the smallest shape the assumptions allow.
pub(crate) fn scalar_instance(
    a: &Assumptions,
    u: &BigRational,
    rng: &mut ChaCha8Rng,
) -> Option<Genes> {
    use super::ast::{BatchSize, Dim};
    let d = if a.dim == Dim::TwoOrMore { 2 } else { 1 };
    let (n, b) = match a.batch {
        BatchSize::TwoOrMore => (2, 2),
        _ => (1, 1),
    };
    let sampling = *a.sampling.first()?;
    let shape = ShapeSpec { d, n, b, sampling };
    let mut g = Genes::random(rng, shape, 1);
    let (num, den) = (u.numer(), u.denom());
    let to_i64 = |x: &num_bigint::BigInt| i64::try_from(x).ok();
    let (mut p, q) = (to_i64(num)?, to_i64(den)?);
    // H_i = sign·I (γ = |u|), or 0 with γ = 1.
    let sign = p.signum();
    if sign == 0 {
        p = 1;
    }
    g.gamma = (p.abs(), q);
    // The identity factor (H_i = G Gᵀ = I), or ones on the diagonal when the H_i are drawn
    // diagonal (commute).
    let commute = a.commute == super::ast::Commuting::Yes;
    let unit = |k: usize| {
        if commute {
            i64::from(k < d)
        } else {
            i64::from(k % (d + 1) == 0)
        }
    };
    for h in &mut g.h {
        for (k, x) in h.iter_mut().enumerate() {
            *x = if sign == 0 { 0 } else { unit(k) };
        }
    }
    if sign < 0 {
        if a.hessians != super::ast::HessianClass::Symmetric || a.rank == Rank::One {
            return None;
        }
        // Symmetric H_i = S + Sᵀ: S = −I/2 is not integral; use S = −I, H_i = −2I, γ = |u|/2
        // (drawn diagonal when the H_i commute: H_i = −I, γ = |u|).
        for h in &mut g.h {
            for x in h.iter_mut() {
                *x = -*x;
            }
        }
        if !commute {
            g.gamma = (p.abs(), q.checked_mul(2)?);
        }
    } else if a.hessians == super::ast::HessianClass::Symmetric && a.rank != Rank::One && !commute {
        // H_i = S + Sᵀ = 2I: halve γ.
        g.gamma = (p.abs(), q.checked_mul(2)?);
    }
    Some(g)
}
