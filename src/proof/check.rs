//! Deciding a step: symbolic normal forms, exact evaluation on random rational instances
//! (Schwartz–Zippel) for equalities, and a counterexample search (random instances plus
//! hill climbing on the violation) for inequalities and implications.

use super::instances::{shapes, Genes, ShapeSpec};
use super::symbolic;
use super::syntax::{Assumptions, Claim, Expect, Expr, ExprKind, Func, RelOp, Relation, Step};
use super::value::{eval, Concrete, Env, EvalError, Field, Mat, RawInstance};
use crate::fmt::sig;
use num_rational::BigRational;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::fmt;

/// How hard to look. `effort` scales the number of instances and search iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyParams {
    /// `1` is the default; `k` tries about `k` times as many instances.
    pub effort: u32,
}

impl Default for VerifyParams {
    fn default() -> Self {
        Self { effort: 1 }
    }
}

/// Relative tolerance of a floating-point comparison: a side differing from the other by more
/// than this times `1 + |lhs| + |rhs|` is a violation. Used only when a claim needs `f64`
/// (eigenvalues, irrational square roots); exact claims are compared with `==`.
pub const F64_REL_TOL: f64 = 1e-9;

/// The verdict on one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The two sides have the same normal form (and agree on every instance tried).
    HoldsSymbolic,
    /// An equality that held on every instance tried.
    HoldsTested {
        /// Instances tried.
        instances: usize,
    },
    /// An inequality or implication without a counterexample in this search. Not a proof.
    NoCounterexample {
        /// Instances evaluated (random and hill-climbing).
        instances: usize,
    },
    /// A counterexample was found.
    Fails,
    /// An equality that is false, but whose inequality `relation` held on every instance tried.
    HoldsOnlyAs {
        /// `≤`, `≥`, `⪯` or `⪰`.
        relation: String,
    },
    /// The claim as printed does not type-check.
    IllTyped {
        /// The shape checker's message.
        message: String,
    },
    /// No instance was in the claim's domain (every one divided by zero).
    Undecided,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HoldsSymbolic => f.write_str("holds (symbolic)"),
            Self::HoldsTested { instances } => write!(f, "holds (tested on {instances} instances)"),
            Self::NoCounterexample { instances } => {
                write!(f, "no counterexample found ({instances} instances)")
            }
            Self::Fails => f.write_str("fails"),
            Self::HoldsOnlyAs { relation } => write!(f, "holds only as {relation}"),
            Self::IllTyped { .. } => f.write_str("ill-typed as printed"),
            Self::Undecided => f.write_str("undecided (no instance in the domain)"),
        }
    }
}

impl Verdict {
    /// Whether the verdict meets the expectation.
    #[must_use]
    pub fn meets(&self, expect: Expect) -> bool {
        match expect {
            Expect::Holds => matches!(
                self,
                Self::HoldsSymbolic | Self::HoldsTested { .. } | Self::NoCounterexample { .. }
            ),
            Expect::Fails => matches!(self, Self::Fails | Self::HoldsOnlyAs { .. }),
            Expect::IllTyped => matches!(self, Self::IllTyped { .. }),
        }
    }
}

/// A counterexample, in numbers a person can check by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// `d = 2, N = 3, B = 2, without_replacement, γ = 1/2`.
    pub setting: String,
    /// The data: `H_1 = [[1, 0], [0, 0]]`, `A = …`, `i = 2`.
    pub values: Vec<(String, String)>,
    /// Both sides of each relation, e.g. `lhs = 3/4`, `rhs = 1`.
    pub sides: Vec<(String, String)>,
    /// `exact` (rational arithmetic) or `f64`.
    pub arithmetic: String,
}

/// The check of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// The label (equation number).
    pub label: String,
    /// The step this one corrects.
    pub correction_of: Option<String>,
    /// 1-based line in the file.
    pub line: usize,
    /// The claim as written.
    pub claim: String,
    /// The hypotheses in force, in words.
    pub assumptions: Vec<String>,
    /// What the file expects.
    pub expect: Expect,
    /// The verdict.
    pub verdict: Verdict,
    /// What the verdict rests on.
    pub evidence: String,
    /// The smallest counterexample found.
    pub counterexample: Option<Counterexample>,
    /// Whether the verdict meets the expectation.
    pub met: bool,
}

/// Check one step. `seed` makes it reproducible.
#[must_use]
pub fn check_step(step: &Step, params: &VerifyParams, seed: u64) -> StepReport {
    let (verdict, evidence, counterexample) = match &step.claim {
        Err(e) => (
            Verdict::IllTyped {
                message: e.message.clone(),
            },
            format!("column {}: {}", e.col, e.message),
            None,
        ),
        Ok(claim) => decide(claim, &step.assumptions, params, seed),
    };
    StepReport {
        label: step.label.clone(),
        correction_of: step.correction_of.clone(),
        line: step.line,
        claim: step.source.clone(),
        assumptions: step.assumptions.describe(),
        expect: step.expect,
        met: verdict.meets(step.expect),
        verdict,
        evidence,
        counterexample,
    }
}

/// Whether an expression needs eigenvalues (never exact except on diagonal matrices).
fn needs_eigen(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let ExprKind::Call(f, _) = &x.kind {
            found |= matches!(
                f,
                Func::LambdaMax | Func::LambdaMin | Func::Rho | Func::Eigvals | Func::EigDiag
            );
        }
    });
    found
}

fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Num(_) | ExprKind::Sym(_) | ExprKind::Fam(..) => {}
        ExprKind::Neg(a)
        | ExprKind::Pow(a, _)
        | ExprKind::Transpose(a)
        | ExprKind::Sum(_, a)
        | ExprKind::BatchMean(a)
        | ExprKind::SampleMean(_, a) => walk(a, f),
        ExprKind::Add(a, b) | ExprKind::Sub(a, b) | ExprKind::Mul(a, b) | ExprKind::Div(a, b) => {
            walk(a, f);
            walk(b, f);
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| walk(a, f)),
    }
}

/// Index variables used but not bound: universally quantified over `1..=N`.
fn free_indices(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Fam(_, v) => {
            if !bound.contains(v) && !out.contains(v) {
                out.push(v.clone());
            }
        }
        ExprKind::Sum(spec, body) => {
            let n = bound.len();
            bound.extend(spec.vars.iter().cloned());
            free_indices(body, bound, out);
            bound.truncate(n);
        }
        ExprKind::SampleMean(v, body) => {
            bound.push(v.clone());
            free_indices(body, bound, out);
            bound.pop();
        }
        ExprKind::Num(_) | ExprKind::Sym(_) => {}
        ExprKind::Neg(a)
        | ExprKind::Pow(a, _)
        | ExprKind::Transpose(a)
        | ExprKind::BatchMean(a) => {
            free_indices(a, bound, out);
        }
        ExprKind::Add(a, b) | ExprKind::Sub(a, b) | ExprKind::Mul(a, b) | ExprKind::Div(a, b) => {
            free_indices(a, bound, out);
            free_indices(b, bound, out);
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| free_indices(a, bound, out)),
    }
}

fn relations(c: &Claim) -> Vec<&Relation> {
    match c {
        Claim::Rel(r) => vec![r],
        Claim::Implies(p, q) | Claim::Iff(p, q) => vec![p, q],
    }
}

/// The symbols a claim mentions (for printing counterexamples).
#[derive(Debug, Default)]
struct Mentions {
    syms: Vec<super::syntax::Sym>,
    fams: Vec<super::syntax::Fam>,
}

fn mentions(c: &Claim) -> Mentions {
    let mut m = Mentions::default();
    for r in relations(c) {
        for e in [&r.lhs, &r.rhs] {
            walk(e, &mut |x| match &x.kind {
                ExprKind::Sym(s) if !m.syms.contains(s) => m.syms.push(*s),
                ExprKind::Fam(f, _) if !m.fams.contains(f) => m.fams.push(*f),
                _ => {}
            });
        }
    }
    m
}

/// One relation evaluated on one instance.
#[derive(Debug, Clone)]
struct RelValue<T> {
    lhs: Mat<T>,
    rhs: Mat<T>,
    /// Violation over `1 + |lhs| + |rhs|`: `> 0` fails (for `=`: `|lhs − rhs|`).
    nviol: f64,
    /// Exact verdict when the arithmetic is exact.
    exact_holds: Option<bool>,
    /// `lhs ≤ rhs` (Loewner for matrices), `lhs ≥ rhs`: for "holds only as".
    le: bool,
    ge: bool,
}

fn loewner_max(m: &Mat<f64>) -> Result<f64, EvalError> {
    let (vals, _) = f64::sym_eigen(m)?;
    Ok(vals[vals.len() - 1])
}

fn eval_rel<T: Field>(
    r: &Relation,
    c: &Concrete<T>,
    env: &mut Env,
) -> Result<RelValue<T>, EvalError> {
    let lhs = eval(&r.lhs, c, env)?;
    let rhs = eval(&r.rhs, c, env)?;
    let scale = 1.0 + lhs.max_abs_f64() + rhs.max_abs_f64();
    let diff = lhs.sub(&rhs);
    let exact = T::EXACT;
    let scalar = r.lhs.shape.is_scalar();
    let (dl, dg) = if scalar {
        let x = diff.as_scalar().to_f64();
        (x, -x)
    } else if r.lhs.shape.is_square() {
        let df = diff.to_f64();
        let n = df.rows;
        let asym = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| (df.get(i, j) - df.get(j, i)).abs())
            .fold(0.0, f64::max);
        if asym > F64_REL_TOL * scale {
            // A non-symmetric difference is in no Loewner order.
            (asym, asym)
        } else {
            (loewner_max(&df)?, loewner_max(&df.map(|x| -x))?)
        }
    } else {
        // Vectors have no order: "≤" only where they are equal.
        let m = diff.max_abs_f64();
        (m, m)
    };
    let tol = if exact { 0.0 } else { F64_REL_TOL * scale };
    let (le, ge) = if exact && scalar {
        let z = T::zero();
        (diff.as_scalar() <= &z, diff.as_scalar() >= &z)
    } else {
        (dl <= tol, dg <= tol)
    };
    let viol = match r.op {
        RelOp::Eq => diff.max_abs_f64(),
        RelOp::Le | RelOp::Lt | RelOp::LoewnerLe => dl,
        RelOp::Ge | RelOp::Gt | RelOp::LoewnerGe => dg,
    };
    let exact_holds = exact.then(|| match r.op {
        RelOp::Eq => diff.data.iter().all(Field::is_zero),
        RelOp::Le => le,
        RelOp::Ge => ge,
        RelOp::Lt => diff.as_scalar() < &T::zero(),
        RelOp::Gt => diff.as_scalar() > &T::zero(),
        // Loewner order tested in floating point with a tolerance.
        RelOp::LoewnerLe => dl <= F64_REL_TOL * scale,
        RelOp::LoewnerGe => dg <= F64_REL_TOL * scale,
    });
    Ok(RelValue {
        lhs,
        rhs,
        nviol: viol / scale,
        exact_holds,
        le,
        ge,
    })
}

fn rel_holds<T>(v: &RelValue<T>) -> bool {
    v.exact_holds.unwrap_or(v.nviol <= F64_REL_TOL)
}

/// The claim on one instance, worst over the free index assignments.
#[derive(Debug, Clone)]
struct Outcome {
    /// `> 0` is a counterexample; larger is worse (the search maximizes it).
    score: f64,
    counter: bool,
    /// For a single equality: `lhs ≤ rhs` / `lhs ≥ rhs` on every assignment.
    le: bool,
    ge: bool,
    exact: bool,
    sides: Vec<(String, String)>,
    assignment: Vec<(String, usize)>,
}

fn outcome_at<T: Field>(
    claim: &Claim,
    c: &Concrete<T>,
    free: &[String],
) -> Result<Outcome, EvalError> {
    let n = c.n;
    let total = n.pow(u32::try_from(free.len()).unwrap_or(0));
    let mut worst: Option<Outcome> = None;
    let (mut all_le, mut all_ge) = (true, true);
    let mut defined = 0;
    for code in 0..total {
        let mut env = Env::default();
        let mut k = code;
        for v in free {
            env.idx.push((v.clone(), k % n));
            k /= n;
        }
        let o = match outcome_once(claim, c, &mut env) {
            Ok(o) => o,
            Err(EvalError::DivByZero) => continue,
            Err(e) => return Err(e),
        };
        defined += 1;
        all_le &= o.le;
        all_ge &= o.ge;
        let better = worst
            .as_ref()
            .map_or(true, |w| (o.counter, o.score) > (w.counter, w.score));
        if better {
            worst = Some(Outcome {
                assignment: env.idx.clone(),
                ..o
            });
        }
    }
    if defined == 0 {
        return Err(EvalError::DivByZero);
    }
    let mut w = worst.expect("some assignment is defined");
    w.le = all_le;
    w.ge = all_ge;
    Ok(w)
}

fn outcome_once<T: Field>(
    claim: &Claim,
    c: &Concrete<T>,
    env: &mut Env,
) -> Result<Outcome, EvalError> {
    let exact = T::EXACT;
    let show = |name: &str, v: &RelValue<T>, r: &Relation| {
        vec![
            (format!("{name}lhs"), fmt_mat(&v.lhs)),
            (format!("{name}rhs"), fmt_mat(&v.rhs)),
            (
                format!("{name}relation"),
                format!("lhs {} rhs", r.op.symbol()),
            ),
        ]
    };
    let implication =
        |p: &Relation, q: &Relation, env: &mut Env, tag: &str| -> Result<Outcome, EvalError> {
            let pv = eval_rel(p, c, env)?;
            let qv = eval_rel(q, c, env)?;
            let p_holds = rel_holds(&pv);
            let counter = p_holds && !rel_holds(&qv) && (exact || qv.nviol > 100.0 * F64_REL_TOL);
            let score = (-pv.nviol).min(qv.nviol);
            let mut sides = show(&format!("{tag}premise "), &pv, p);
            sides.extend(show(&format!("{tag}conclusion "), &qv, q));
            Ok(Outcome {
                score,
                counter,
                le: true,
                ge: true,
                exact,
                sides,
                assignment: Vec::new(),
            })
        };
    match claim {
        Claim::Rel(r) => {
            let v = eval_rel(r, c, env)?;
            let counter = !rel_holds(&v) && (exact || v.nviol > 100.0 * F64_REL_TOL);
            Ok(Outcome {
                score: v.nviol,
                counter,
                le: v.le,
                ge: v.ge,
                exact,
                sides: show("", &v, r),
                assignment: Vec::new(),
            })
        }
        Claim::Implies(p, q) => implication(p, q, env, ""),
        Claim::Iff(p, q) => {
            let a = implication(p, q, env, "⇒ ")?;
            let b = implication(q, p, env, "⇐ ")?;
            Ok(if (b.counter, b.score) > (a.counter, a.score) {
                b
            } else {
                a
            })
        }
    }
}

/// Evaluate exactly when possible, else in `f64`.
fn outcome(
    claim: &Claim,
    raw: &RawInstance,
    free: &[String],
    try_exact: bool,
) -> Result<Outcome, EvalError> {
    if try_exact {
        match outcome_at(claim, &raw.concrete::<BigRational>(), free) {
            Err(EvalError::NotExact) => {}
            other => return other,
        }
    }
    outcome_at(claim, &raw.concrete::<f64>(), free)
}

fn outcome_f64(claim: &Claim, raw: &RawInstance, free: &[String]) -> Result<Outcome, EvalError> {
    outcome_at(claim, &raw.concrete::<f64>(), free)
}

fn decide(
    claim: &Claim,
    a: &Assumptions,
    params: &VerifyParams,
    seed: u64,
) -> (Verdict, String, Option<Counterexample>) {
    let mut free = Vec::new();
    for r in relations(claim) {
        free_indices(&r.lhs, &mut Vec::new(), &mut free);
        free_indices(&r.rhs, &mut Vec::new(), &mut free);
    }
    let eigen = relations(claim)
        .iter()
        .any(|r| needs_eigen(&r.lhs) || needs_eigen(&r.rhs));
    let try_exact = !eigen || a.commute || a.dim_one;
    let shapes = shapes(a);
    let effort = params.effort.max(1) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mentioned = mentions(claim);
    match claim {
        Claim::Rel(r) if r.op == RelOp::Eq => equality(
            claim, r, a, &shapes, effort, &mut rng, &free, try_exact, &mentioned,
        ),
        _ => search(
            claim, a, &shapes, effort, &mut rng, &free, try_exact, &mentioned,
        ),
    }
}

fn shapes_text(used: &[ShapeSpec]) -> String {
    let mut distinct: Vec<(usize, usize, usize)> = used.iter().map(|s| (s.d, s.n, s.b)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let set = |f: fn(&(usize, usize, usize)) -> usize| {
        let mut v: Vec<usize> = distinct.iter().map(f).collect();
        v.sort_unstable();
        v.dedup();
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut samplings: Vec<&str> = used.iter().map(|s| s.sampling.as_str()).collect();
    samplings.sort_unstable();
    samplings.dedup();
    format!(
        "{} shapes with d ∈ {{{}}}, N ∈ {{{}}}, B ∈ {{{}}}, sampling {}",
        distinct.len(),
        set(|s| s.0),
        set(|s| s.1),
        set(|s| s.2),
        samplings.join(" and ")
    )
}

#[allow(clippy::too_many_arguments)]
fn equality(
    claim: &Claim,
    r: &Relation,
    a: &Assumptions,
    shapes: &[ShapeSpec],
    effort: usize,
    rng: &mut ChaCha8Rng,
    free: &[String],
    try_exact: bool,
    m: &Mentions,
) -> (Verdict, String, Option<Counterexample>) {
    let count = (12 * effort).max(shapes.len());
    let mut used = Vec::new();
    let mut tested = 0;
    let mut undefined = 0;
    let mut first_fail: Option<(Genes, Outcome)> = None;
    let (mut all_le, mut all_ge) = (true, true);
    let mut any_f64 = false;
    for k in 0..count {
        let shape = shapes[k % shapes.len()];
        let range = if k < shapes.len() { 2 } else { 9 };
        let genes = Genes::random(rng, shape, range);
        let raw = genes.build(a);
        match outcome(claim, &raw, free, try_exact) {
            Ok(o) => {
                tested += 1;
                used.push(shape);
                any_f64 |= !o.exact;
                if o.counter {
                    all_le &= o.le;
                    all_ge &= o.ge;
                    if first_fail.is_none() {
                        first_fail = Some((genes, o));
                    }
                }
            }
            Err(_) => undefined += 1,
        }
    }
    let arith = if any_f64 {
        format!("floating point (relative tolerance {F64_REL_TOL:e}) where eigenvalues or roots are needed, else exact rationals")
    } else {
        "exact rational arithmetic".to_owned()
    };
    let undefined_text = if undefined > 0 {
        format!("; {undefined} instances outside the domain (division by zero) skipped")
    } else {
        String::new()
    };
    let batch = if relations(claim)
        .iter()
        .any(|r| contains_batch_mean(&r.lhs) || contains_batch_mean(&r.rhs))
    {
        ", E_B[…] by visiting every minibatch with its probability"
    } else {
        ""
    };
    if tested == 0 {
        return (
            Verdict::Undecided,
            format!("all {count} instances were outside the domain"),
            None,
        );
    }
    if let Some((genes, o)) = first_fail {
        let (genes, o) = shrink(claim, a, genes, o, free, try_exact);
        let cx = counterexample(&genes, a, &o, m);
        let square = r.lhs.shape.is_square() && !r.lhs.shape.is_scalar();
        let (le_sym, ge_sym) = if square {
            ("⪯", "⪰")
        } else {
            ("≤", "≥")
        };
        let evidence = format!(
            "{tested} instances, {}, {arith}{batch}{undefined_text}",
            shapes_text(&used)
        );
        let verdict = if all_le {
            Verdict::HoldsOnlyAs {
                relation: le_sym.to_owned(),
            }
        } else if all_ge {
            Verdict::HoldsOnlyAs {
                relation: ge_sym.to_owned(),
            }
        } else {
            Verdict::Fails
        };
        let evidence = match &verdict {
            Verdict::HoldsOnlyAs { relation } => format!(
                "the equality fails, but lhs {relation} rhs held on every failing instance; {evidence}"
            ),
            _ => evidence,
        };
        return (verdict, evidence, Some(cx));
    }
    let evidence = format!(
        "{tested} instances, {}, {arith}{batch}{undefined_text}",
        shapes_text(&used)
    );
    match symbolic::equal(r, a, rng) {
        Some(symbolic::Identity::Proved(how)) => (
            Verdict::HoldsSymbolic,
            format!("{how}; also {evidence}"),
            None,
        ),
        Some(symbolic::Identity::AtRandomPoints(how)) => (
            Verdict::HoldsTested { instances: tested },
            format!("Schwartz–Zippel: {evidence}; {how}"),
            None,
        ),
        None => (
            Verdict::HoldsTested { instances: tested },
            format!("Schwartz–Zippel: {evidence}"),
            None,
        ),
    }
}

fn contains_batch_mean(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        found |= matches!(x.kind, ExprKind::BatchMean(_))
    });
    found
}

#[allow(clippy::too_many_arguments)]
fn search(
    claim: &Claim,
    a: &Assumptions,
    shapes: &[ShapeSpec],
    effort: usize,
    rng: &mut ChaCha8Rng,
    free: &[String],
    try_exact: bool,
    m: &Mentions,
) -> (Verdict, String, Option<Counterexample>) {
    let random = 120 * effort;
    let climbs = 6;
    let steps = 50 * effort;
    let mut evaluated = 0;
    let mut undefined = 0;
    let mut pool: Vec<(f64, Genes)> = Vec::new();
    let mut best_counter: Option<(Genes, Outcome)> = None;
    let mut used = Vec::new();
    let consider = |genes: &Genes, o: &Outcome, best: &mut Option<(Genes, Outcome)>| {
        if o.counter && best.as_ref().map_or(true, |(g, _)| genes.size() < g.size()) {
            *best = Some((genes.clone(), o.clone()));
        }
    };
    for k in 0..random {
        let shape = shapes[k % shapes.len()];
        let range = [2, 3, 5][k / shapes.len() % 3];
        let mut genes = Genes::random(rng, shape, range);
        if k % 2 == 1 {
            genes.calibrate_gamma(a, rng);
        }
        match outcome_f64(claim, &genes.build(a), free) {
            Ok(o) => {
                evaluated += 1;
                used.push(shape);
                consider(&genes, &o, &mut best_counter);
                pool.push((o.score, genes));
            }
            Err(_) => undefined += 1,
        }
    }
    pool.sort_by(|x, y| y.0.total_cmp(&x.0));
    pool.truncate(climbs);
    let mut worst = pool.first().map_or(f64::NEG_INFINITY, |p| p.0);
    for (mut score, mut genes) in pool {
        for _ in 0..steps {
            let mut next = genes.clone();
            next.mutate(rng, 5);
            if let Ok(o) = outcome_f64(claim, &next.build(a), free) {
                evaluated += 1;
                consider(&next, &o, &mut best_counter);
                if o.score >= score {
                    score = o.score;
                    genes = next;
                }
            } else {
                undefined += 1;
            }
        }
        worst = worst.max(score);
    }
    let undefined_text = if undefined > 0 {
        format!("; {undefined} instances outside the domain skipped")
    } else {
        String::new()
    };
    if evaluated == 0 {
        return (Verdict::Undecided, "no instance in the domain".into(), None);
    }
    // Confirm exactly when possible, then shrink.
    if let Some((genes, o)) = best_counter {
        let confirmed = outcome(claim, &genes.build(a), free, try_exact);
        if let Ok(o2) = confirmed.clone().filter_counter() {
            let (genes, o) = shrink(claim, a, genes, o2, free, try_exact);
            let cx = counterexample(&genes, a, &o, m);
            return (
                Verdict::Fails,
                format!(
                    "counterexample found among {evaluated} instances ({} random, then hill climbing on the violation), {}; confirmed in {} arithmetic{undefined_text}",
                    random,
                    shapes_text(&used),
                    if o.exact { "exact rational" } else { "floating-point" }
                ),
                Some(cx),
            );
        }
        let _ = o;
    }
    let worst_text = match claim {
        Claim::Rel(_) if worst > 0.0 => format!(
            "largest relative violation {} (within tolerance)",
            sig(worst)
        ),
        Claim::Rel(_) => format!("smallest relative margin {}", sig(-worst)),
        _ => format!(
            "best search score {} (a counterexample needs the premise to hold and the conclusion to fail: score > 0)",
            sig(worst)
        ),
    };
    (
        Verdict::NoCounterexample {
            instances: evaluated,
        },
        format!(
            "not a proof: {random} random instances and {climbs} hill climbs of {steps} steps on the violation, {}; {worst_text}{undefined_text}",
            shapes_text(&used)
        ),
        None,
    )
}

trait FilterCounter {
    fn filter_counter(self) -> Result<Outcome, ()>;
}

impl FilterCounter for Result<Outcome, EvalError> {
    fn filter_counter(self) -> Result<Outcome, ()> {
        match self {
            Ok(o) if o.counter => Ok(o),
            _ => Err(()),
        }
    }
}

/// Greedily simplify a counterexample while it stays one.
fn shrink(
    claim: &Claim,
    a: &Assumptions,
    mut genes: Genes,
    mut o: Outcome,
    free: &[String],
    try_exact: bool,
) -> (Genes, Outcome) {
    let mut budget = 300;
    'outer: while budget > 0 {
        for cand in genes.simpler() {
            budget -= 1;
            if budget == 0 {
                break 'outer;
            }
            if let Ok(o2) = outcome(claim, &cand.build(a), free, try_exact).filter_counter() {
                genes = cand;
                o = o2;
                continue 'outer;
            }
        }
        break;
    }
    (genes, o)
}

fn fmt_q(q: &BigRational) -> String {
    if q.is_integer() {
        q.numer().to_string()
    } else {
        format!("{}/{}", q.numer(), q.denom())
    }
}

fn fmt_mat<T: Field>(m: &Mat<T>) -> String {
    if m.rows == 1 && m.cols == 1 {
        return m.data[0].show();
    }
    if m.cols == 1 {
        let v: Vec<String> = (0..m.rows).map(|i| m.get(i, 0).show()).collect();
        return format!("({})ᵀ", v.join(", "));
    }
    let rows: Vec<String> = (0..m.rows)
        .map(|i| {
            let r: Vec<String> = (0..m.cols).map(|j| m.get(i, j).show()).collect();
            format!("[{}]", r.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

fn counterexample(genes: &Genes, a: &Assumptions, o: &Outcome, m: &Mentions) -> Counterexample {
    use super::syntax::{Fam, Sym};
    let raw = genes.build(a);
    let s = genes.shape;
    let setting = format!(
        "d = {}, N = {}, B = {}, {}, γ = {}",
        s.d,
        s.n,
        s.b,
        s.sampling,
        fmt_q(&raw.gamma)
    );
    let mut values = Vec::new();
    let uses_h = m.fams.contains(&Fam::H)
        || m.syms
            .iter()
            .any(|x| matches!(x, Sym::H | Sym::Sigma | Sym::HBatch | Sym::C));
    let uses_g = m.fams.contains(&Fam::G);
    if a.rank_one && (uses_h || uses_g) {
        for (i, g) in raw.gs.iter().enumerate() {
            values.push((format!("g_{}", i + 1), fmt_mat(g)));
        }
    } else {
        if uses_h {
            for (i, h) in raw.hs.iter().enumerate() {
                values.push((format!("H_{}", i + 1), fmt_mat(h)));
            }
        }
        if uses_g {
            for (i, g) in raw.gs.iter().enumerate() {
                values.push((format!("g_{}", i + 1), fmt_mat(g)));
            }
        }
    }
    if m.fams.contains(&Fam::A) {
        let v: Vec<String> = raw.a_fam.iter().map(fmt_q).collect();
        values.push(("a_i".into(), v.join(", ")));
    }
    if m.fams.contains(&Fam::W) {
        for (i, w) in raw.w_fam.iter().enumerate() {
            values.push((format!("w_{}", i + 1), fmt_mat(w)));
        }
    }
    for (sym, val) in [
        (Sym::A, &raw.a),
        (Sym::Q, &raw.q),
        (Sym::X, &raw.x),
        (Sym::W, &raw.w),
    ] {
        if m.syms.contains(&sym) {
            values.push((sym.name().to_owned(), fmt_mat(val)));
        }
    }
    for (v, i) in &o.assignment {
        values.push((v.clone(), (i + 1).to_string()));
    }
    Counterexample {
        setting,
        values,
        sides: o.sides.clone(),
        arithmetic: if o.exact { "exact" } else { "f64" }.to_owned(),
    }
}
