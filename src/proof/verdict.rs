//! Deciding a step: which route is tried in which order, and what the verdict and its
//! evidence say.
//!
//! - Equalities: symbolic normal forms ([`super::symbolic`]); a difference is refuted only by a
//!   concrete instance found where the difference is non-zero. Outside the symbolic fragment:
//!   exact evaluation on instances of shapes wider than the claim's degree (`tested`).
//! - Inequalities, Loewner orders, implications: manifest positivity, the spectral reduction,
//!   sign-equivalence of normal forms; otherwise a counterexample search (`no counterexample
//!   found` is not a proof).
//! - Every refutation is a concrete instance on which the claim is false in exact arithmetic
//!   (or with rigorous intervals); what cannot be decided is `inconclusive`.

use super::ast::{Assumptions, Claim, Expect, RelOp, Step};
use super::instances::ShapeSpec;
use super::search::{
    confirm, counterexample, mentions, scalar_instance, search, shapes_text, shrink,
    test_instances, Counterexample, Ctx, Found, Precision,
};
use super::symbolic::{self, Difference, Equality};
use super::{positivity, spectral};
use crate::verdict::{ToTruth, Truth};
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

/// How a proof was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Both sides have the same normal form.
    NormalForm,
    /// The normal form in an eigenbasis of `H` (claims about `H`, `lambda(H)`, `eigdiag`).
    Eigenbasis,
    /// A spectral reduction to one eigenvalue, decided exactly.
    Spectral,
    /// The two relations' differences are multiples of each other by a factor of known sign.
    Signs,
    /// The side is manifestly positive semidefinite (or non-negative).
    Positivity,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::NormalForm => "normal form",
            Self::Eigenbasis => "eigenbasis",
            Self::Spectral => "spectral",
            Self::Signs => "signs",
            Self::Positivity => "positivity",
        }
    }
}

/// The verdict on one step. Its truth ([`ToTruth`]): proved, tested and no counterexample
/// hold (how strongly is its [`Class`]); fails, holds only as an inequality and ill-typed fail;
/// inconclusive is undecided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Proved for every value of the free symbols where the claim is defined.
    Proved {
        /// How.
        method: Method,
    },
    /// An equality outside the symbolic fragment that held exactly on every instance tried.
    /// Not a proof.
    Tested {
        /// Instances tried.
        instances: usize,
    },
    /// An inequality or implication without a counterexample in this search. Not a proof.
    NoCounterexample {
        /// Instances evaluated (random and hill-climbing).
        instances: usize,
    },
    /// A counterexample: an instance on which the claim is false, decided exactly.
    Fails,
    /// An equality that is false, but whose inequality `relation` held on every failing
    /// instance found.
    HoldsOnlyAs {
        /// `≤`, `≥`, `⪯` or `⪰`.
        relation: String,
    },
    /// The claim as printed does not type-check.
    IllTyped {
        /// The shape checker's message.
        message: String,
    },
    /// Neither proved nor refuted nor searched to completion: why.
    Inconclusive {
        /// The reason.
        reason: String,
    },
}

/// The five classes of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Proved.
    Proved,
    /// Tested on instances (an equality), not proved.
    Tested,
    /// Searched for a counterexample, none found.
    Searched,
    /// Refuted (fails, holds only as an inequality, ill-typed).
    Refuted,
    /// Inconclusive.
    Inconclusive,
}

impl Class {
    /// The name in reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Proved => "proved",
            Self::Tested => "tested",
            Self::Searched => "searched",
            Self::Refuted => "refuted",
            Self::Inconclusive => "inconclusive",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Proved { method } => write!(f, "proved ({})", method.name()),
            Self::Tested { instances } => write!(f, "tested on {instances} instances"),
            Self::NoCounterexample { instances } => {
                write!(f, "no counterexample found ({instances} instances)")
            }
            Self::Fails => f.write_str("fails"),
            Self::HoldsOnlyAs { relation } => write!(f, "fails; holds only as {relation}"),
            Self::IllTyped { .. } => f.write_str("ill-typed as printed"),
            Self::Inconclusive { .. } => f.write_str("inconclusive"),
        }
    }
}

impl ToTruth for Verdict {
    fn truth(&self) -> Truth {
        match self {
            Self::Proved { .. } | Self::Tested { .. } | Self::NoCounterexample { .. } => {
                Truth::Holds
            }
            Self::Fails | Self::HoldsOnlyAs { .. } | Self::IllTyped { .. } => Truth::Fails,
            Self::Inconclusive { .. } => Truth::Undecided,
        }
    }
}

impl Verdict {
    /// Whether the verdict meets the expectation. An inconclusive verdict meets none.
    #[must_use]
    pub fn meets(&self, expect: Expect) -> bool {
        match expect {
            Expect::Holds => self.truth() == Truth::Holds,
            Expect::Fails => matches!(self, Self::Fails | Self::HoldsOnlyAs { .. }),
            Expect::IllTyped => matches!(self, Self::IllTyped { .. }),
        }
    }

    /// The summary class.
    #[must_use]
    pub fn class(&self) -> Class {
        match self {
            Self::Proved { .. } => Class::Proved,
            Self::Tested { .. } => Class::Tested,
            Self::NoCounterexample { .. } => Class::Searched,
            Self::Fails | Self::HoldsOnlyAs { .. } | Self::IllTyped { .. } => Class::Refuted,
            Self::Inconclusive { .. } => Class::Inconclusive,
        }
    }
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
    /// For a refuted equality: `lhs − rhs` in normal form (where the symbolic route applies).
    pub difference: Option<String>,
    /// The smallest counterexample found.
    pub counterexample: Option<Counterexample>,
    /// Whether the verdict meets the expectation.
    pub met: bool,
    /// Work units spent ([`super::limits`]); deterministic.
    pub work: u64,
}

/// What a route concluded.
struct Decision {
    verdict: Verdict,
    evidence: String,
    difference: Option<String>,
    counterexample: Option<Counterexample>,
}

impl Decision {
    fn new(verdict: Verdict, evidence: impl Into<String>) -> Self {
        Self {
            verdict,
            evidence: evidence.into(),
            difference: None,
            counterexample: None,
        }
    }
}

/// Check one step. `seed` makes it reproducible.
#[must_use]
pub fn check_step(step: &Step, params: &VerifyParams, seed: u64) -> StepReport {
    check_step_within(step, params, seed, super::limits::MAX_STEP_WORK)
}

/// Evaluate a step's claim exactly on `count` random instances and nothing else (no symbolic
/// route, no search): the first counterexample among them, if any. An independent route for
/// tests of the checker's verdicts.
#[must_use]
pub fn sample(step: &Step, seed: u64, count: usize) -> Option<Counterexample> {
    let Ok(claim) = &step.claim else {
        return None;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ctx = Ctx::new(claim, &step.assumptions, super::limits::MAX_STEP_WORK);
    let t = test_instances(&mut ctx, &mut rng, count, None, Precision::Full);
    let found = t.failures.into_iter().next()?;
    Some(counterexample(&ctx, &found, &mentions(claim)))
}

/// Check one step with at most `budget` work units for its evaluations.
pub(crate) fn check_step_within(
    step: &Step,
    params: &VerifyParams,
    seed: u64,
    budget: u64,
) -> StepReport {
    let (d, work) = match &step.claim {
        Err(e) => (
            Decision::new(
                Verdict::IllTyped {
                    message: e.message.clone(),
                },
                format!("column {}: {}", e.col, e.message),
            ),
            0,
        ),
        Ok(claim) => decide(claim, &step.assumptions, params, seed, budget),
    };
    StepReport {
        label: step.label.clone(),
        correction_of: step.correction_of.clone(),
        line: step.line,
        claim: step.source.clone(),
        assumptions: step.assumptions.describe(),
        expect: step.expect,
        met: d.verdict.meets(step.expect),
        verdict: d.verdict,
        evidence: d.evidence,
        difference: d.difference,
        counterexample: d.counterexample,
        work,
    }
}

fn decide(
    claim: &Claim,
    a: &Assumptions,
    params: &VerifyParams,
    seed: u64,
    budget: u64,
) -> (Decision, u64) {
    let effort = params.effort.max(1) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ctx = Ctx::new(claim, a, budget);
    let mut d = match claim {
        Claim::Rel(r) if r.op == RelOp::Eq => equality(claim, &mut ctx, &mut rng, effort),
        _ => relation(claim, &mut ctx, &mut rng, effort),
    };
    if ctx.out_of_work > 0 || ctx.spent() {
        d.evidence.push_str(&format!(
            "; work limit: {} evaluations stopped{}",
            ctx.out_of_work,
            if ctx.spent() {
                ", step budget spent"
            } else {
                ""
            }
        ));
    }
    (d, ctx.used)
}

/// Run a symbolic route under its work limit (and the step's budget), charging the step;
/// `None` if the limit was reached (its answer is then not used).
fn symbolic_route<R>(ctx: &mut Ctx, f: impl FnOnce() -> R) -> Option<R> {
    let limit = super::limits::MAX_SYMBOLIC_WORK.min(ctx.budget.saturating_sub(ctx.used));
    let ((r, out), used) = crate::exact::work::metered(limit, || {
        let r = f();
        (r, crate::exact::work::exhausted())
    });
    ctx.used = ctx.used.saturating_add(used);
    (!out).then_some(r)
}

/// A confirmed counterexample as a decision: `fails`, or `holds only as` when the inequality
/// held on every failing instance.
fn refuted(ctx: &mut Ctx, failures: Vec<Found>, evidence: String) -> Decision {
    let claim = ctx.claim;
    let (all_le, all_ge) = failures
        .iter()
        .fold((true, true), |(l, g), (_, d)| (l && d.le, g && d.ge));
    let count = failures.len();
    let first = failures.into_iter().next().expect("a failure");
    let found = shrink(ctx, first);
    let cx = counterexample(ctx, &found, &mentions(claim));
    let square = match claim {
        Claim::Rel(r) => !r.lhs.shape.is_scalar(),
        _ => false,
    };
    let (le, ge) = if square {
        ("⪯", "⪰")
    } else {
        ("≤", "≥")
    };
    // "Holds only as" is a tested statement: it needs several failing instances.
    let equality = matches!(claim, Claim::Rel(r) if r.op == RelOp::Eq) && count >= 3;
    let verdict = if equality && all_le {
        Verdict::HoldsOnlyAs {
            relation: le.to_owned(),
        }
    } else if equality && all_ge {
        Verdict::HoldsOnlyAs {
            relation: ge.to_owned(),
        }
    } else {
        Verdict::Fails
    };
    let evidence = match &verdict {
        Verdict::HoldsOnlyAs { relation } => {
            format!("{evidence}; lhs {relation} rhs on all {count} failing instances found")
        }
        _ => evidence,
    };
    Decision {
        verdict,
        evidence,
        difference: None,
        counterexample: Some(cx),
    }
}

fn arith_text(found: &Found) -> &'static str {
    match found.1.arith {
        super::value::Arith::Exact => "exact rational arithmetic",
        _ => "rigorous interval arithmetic",
    }
}

fn equality(claim: &Claim, ctx: &mut Ctx, rng: &mut ChaCha8Rng, effort: usize) -> Decision {
    let Claim::Rel(r) = claim else {
        unreachable!("an equality")
    };
    let asm = ctx.asm;
    let why_not = match symbolic_route(ctx, || symbolic::equality(&r.lhs, &r.rhs, asm)) {
        Some(Equality::Proved(evidence)) => {
            return cross_checked(ctx, rng, evidence, Method::NormalForm)
        }
        Some(Equality::Differs(diff)) => return differs(ctx, rng, effort, &diff),
        Some(Equality::Outside(why)) => why,
        None => "the symbolic route reached its work limit".to_owned(),
    };
    if let Some(d) = eigenbasis(ctx, rng) {
        return d;
    }
    // Outside the symbolic fragment: test.
    let t = test_instances(ctx, rng, 24 * effort, None, Precision::Full);
    if t.instances == 0 {
        return Decision::new(
            Verdict::Inconclusive {
                reason: "no instance could be evaluated".into(),
            },
            no_instances_text(ctx),
        );
    }
    let shapes = shapes_text(&t.used);
    if !t.failures.is_empty() {
        let ev = format!(
            "counterexample in {} ({} tested instances, {shapes})",
            arith_text(&t.failures[0]),
            t.instances
        );
        return refuted(ctx, t.failures, ev);
    }
    let decided = t.instances - t.unknown;
    if decided == 0 {
        return Decision::new(
            Verdict::Inconclusive {
                reason: format!(
                    "equal within rigorous intervals on all {} instances, but equality of irrational values cannot be decided by intervals",
                    t.instances
                ),
            },
            format!("not symbolic ({why_not}); {} instances, {shapes}", t.instances),
        );
    }
    let unknown = if t.unknown > 0 {
        format!(
            " ({} more agree within 2^-{} but could not be decided)",
            t.unknown,
            super::limits::MAX_INTERVAL_BITS
        )
    } else {
        String::new()
    };
    Decision::new(
        Verdict::Tested { instances: decided },
        format!(
            "not a proof: equal in exact arithmetic on {decided} instances{unknown} ({shapes}); not symbolic: {why_not}"
        ),
    )
}

/// A proof, checked against a few exact instances (an independent route); a disagreement is a
/// defect of the checker and is reported as inconclusive.
fn cross_checked(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    evidence: String,
    method: Method,
) -> Decision {
    let small: Vec<ShapeSpec> = super::search::usable_shapes(ctx)
        .into_iter()
        .filter(|s| s.d <= 3 && s.n <= 4)
        .collect();
    let t = test_instances(ctx, rng, 3, Some(&small), Precision::Quick);
    if let Some((_, d)) = t.failures.first() {
        return Decision::new(
            Verdict::Inconclusive {
                reason:
                    "the symbolic route and exact evaluation disagree (a defect of the checker)"
                        .into(),
            },
            format!(
                "{evidence}; but an instance is a counterexample: {:?}",
                d.sides
            ),
        );
    }
    Decision::new(Verdict::Proved { method }, evidence)
}

fn no_instances_text(ctx: &Ctx) -> String {
    if ctx.too_costly > 0 {
        format!(
            "every shape is outside the domain or over the evaluation limit ({} over the limit)",
            ctx.too_costly
        )
    } else {
        "every instance is outside the claim's domain (division by zero)".to_owned()
    }
}

/// The normal forms differ: look for an instance where the difference is non-zero.
fn differs(ctx: &mut Ctx, rng: &mut ChaCha8Rng, effort: usize, diff: &Difference) -> Decision {
    let d1 = ctx.asm.dim_one();
    let mut targeted: Vec<ShapeSpec> = super::search::usable_shapes(ctx)
        .into_iter()
        .filter(|s| {
            s.sampling == diff.sampling && diff.nonzero_at(s.n as u32, s.b as u32, s.d as u32, d1)
        })
        .collect();
    if let Some((n, b)) = diff.at {
        targeted.retain(|s| (s.n as u32, s.b as u32) == (n, b));
    }
    let text = diff.text();
    let t = if targeted.is_empty() {
        None
    } else {
        Some(test_instances(
            ctx,
            rng,
            24 * effort,
            Some(&targeted),
            Precision::Full,
        ))
    };
    match t {
        Some(t) if !t.failures.is_empty() => {
            let ev = format!(
                "normal forms differ; counterexample in {} ({} instances where the difference is non-zero, {})",
                arith_text(&t.failures[0]),
                t.instances,
                shapes_text(&t.used)
            );
            let mut d = refuted(ctx, t.failures, ev);
            d.difference = Some(text);
            d
        }
        t => {
            let tried = t.map_or(0, |t| t.instances);
            Decision {
                verdict: Verdict::Inconclusive {
                    reason: "the normal forms differ but no instance shows it".into(),
                },
                evidence: format!(
                    "{} instances where the difference is non-zero agree exactly; the normal form may miss an identity",
                    tried
                ),
                difference: Some(text),
                counterexample: None,
            }
        }
    }
}

/// Claims about `H` in its eigenbasis (`lambda(H)`, `eigdiag(H, v)`).
fn eigenbasis(ctx: &mut Ctx, rng: &mut ChaCha8Rng) -> Option<Decision> {
    let Claim::Rel(r) = ctx.claim else {
        return None;
    };
    let asm = ctx.asm;
    match symbolic_route(ctx, || symbolic::eigenbasis_equality(&r.lhs, &r.rhs, asm)) {
        Some(Some(Ok(evidence))) => Some(cross_checked(ctx, rng, evidence, Method::Eigenbasis)),
        _ => None,
    }
}

fn relation(claim: &Claim, ctx: &mut Ctx, rng: &mut ChaCha8Rng, effort: usize) -> Decision {
    let a = ctx.asm;
    let mut notes: Vec<String> = Vec::new();
    // 1. Manifest positivity of X ⪰ 0 or s ≥ 0.
    if let Claim::Rel(r) = claim {
        if let Some(ev) = manifest(r, a) {
            return Decision::new(
                Verdict::Proved {
                    method: Method::Positivity,
                },
                ev,
            );
        }
    }
    // 2. The spectral reduction.
    match symbolic_route(ctx, || spectral::decide(claim, a)).unwrap_or(Err(String::new())) {
        Ok(spectral::Spectral::Proved(ev)) => {
            return Decision::new(
                Verdict::Proved {
                    method: Method::Spectral,
                },
                ev,
            )
        }
        Ok(spectral::Spectral::FailsAt(w)) => {
            let built = w
                .rational
                .as_ref()
                .and_then(|u| scalar_instance(a, u, rng))
                .and_then(|g| confirm(ctx, &g));
            if let Some(found) = built {
                let ev = format!(
                    "the spectral reduction fails at γλ = {}; counterexample H = λI there, in {}",
                    w.text,
                    arith_text(&found)
                );
                return refuted(ctx, vec![found], ev);
            }
            notes.push(format!("the spectral reduction fails at γλ = {}", w.text));
        }
        Err(_) => {}
    }
    // 3. Two relations whose differences are multiples of each other.
    if let Claim::Implies(p, q) | Claim::Iff(p, q) = claim {
        if let Some(Ok(ev)) = symbolic_route(ctx, || {
            symbolic::sign_related(p, q, matches!(claim, Claim::Iff(..)), a)
        }) {
            return Decision::new(
                Verdict::Proved {
                    method: Method::Signs,
                },
                ev,
            );
        }
    }
    // A scalar or Loewner relation whose sides have equal normal forms holds with equality.
    if let Claim::Rel(r) = claim {
        if matches!(
            r.op,
            RelOp::Le | RelOp::Ge | RelOp::LoewnerLe | RelOp::LoewnerGe
        ) {
            if let Some(Equality::Proved(ev)) =
                symbolic_route(ctx, || symbolic::equality(&r.lhs, &r.rhs, a))
            {
                return Decision::new(
                    Verdict::Proved {
                        method: Method::NormalForm,
                    },
                    format!("{ev} (the sides are equal)"),
                );
            }
        }
    }
    // 4. Search.
    let s = search(ctx, rng, effort);
    if let Some(found) = s.found {
        let ev = format!(
            "counterexample found among {} instances (random, then hill climbing), confirmed in {}",
            s.evaluated,
            arith_text(&found)
        );
        return refuted(ctx, vec![found], ev);
    }
    if s.evaluated == 0 {
        return Decision::new(
            Verdict::Inconclusive {
                reason: "no instance could be evaluated".into(),
            },
            no_instances_text(ctx),
        );
    }
    let mut ev = format!(
        "not a proof: {} instances (random, then hill climbing), {}",
        s.evaluated,
        shapes_text(&s.used)
    );
    if s.unconfirmed > 0 {
        ev.push_str(&format!(
            "; {} that looked violated in f64 agree within 2^-{} (undecided)",
            s.unconfirmed,
            super::limits::MAX_INTERVAL_BITS
        ));
    }
    if s.overflowed > 0 {
        ev.push_str(&format!(
            "; {} overflowed in f64 and were evaluated exactly",
            s.overflowed
        ));
    }
    for n in notes {
        ev.push_str("; ");
        ev.push_str(&n);
    }
    Decision::new(
        Verdict::NoCounterexample {
            instances: s.evaluated,
        },
        ev,
    )
}

/// `X ⪰ 0`, `0 ⪯ X`, `s ≥ 0`, `0 ≤ s` with the side manifestly so.
fn manifest(r: &super::ast::Relation, a: &Assumptions) -> Option<String> {
    use super::ast::ExprKind;
    let zero = |e: &super::ast::Expr| match &e.kind {
        ExprKind::Num(q) => num_traits::Zero::is_zero(q),
        ExprKind::Mul(fs) => fs
            .iter()
            .any(|f| matches!(&f.expr.kind, ExprKind::Num(q) if num_traits::Zero::is_zero(q))),
        _ => false,
    };
    let side = match r.op {
        RelOp::LoewnerGe | RelOp::Ge if zero(&r.rhs) => &r.lhs,
        RelOp::LoewnerLe | RelOp::Le if zero(&r.lhs) => &r.rhs,
        _ => return None,
    };
    let ok = if side.shape.is_scalar() {
        positivity::nonneg(side, a)
    } else {
        positivity::psd(side, a)
    };
    ok.then(|| {
        "proved: the side is manifestly ⪰ 0 (squares, congruences and PSD terms with non-negative coefficients), where defined".to_owned()
    })
}
