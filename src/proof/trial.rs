//! A claim on one instance: its exact truth (rational arithmetic, else rigorous intervals at
//! increasing precision, else "unknown"), the `f64` violation score that guides the search,
//! and the estimated cost of evaluating it.

use super::ast::{Claim, Expr, ExprKind, Func, RelOp, Relation, SumDomain};
use super::interval::{with_precision, Iv};
use super::limits::MAX_INTERVAL_BITS;
use super::value::{
    batch_list, eval, relation_truth, Arith, Concrete, Env, EvalError, Field, FieldMatrix,
    RawInstance, Truth,
};
use crate::exact::Matrix;
use num_rational::BigRational;

/// The precisions (bits) tried in turn for intervals.
pub(crate) const PRECISIONS: [u32; 2] = [64, MAX_INTERVAL_BITS];

/// A quick check: one interval precision.
pub(crate) const QUICK: [u32; 1] = [64];

/// The claim's truth on one instance, at its worst assignment of the free indices.
#[derive(Debug, Clone)]
pub(crate) struct Decided {
    pub truth: Truth,
    /// Both sides of each relation at the reported assignment.
    pub sides: Vec<(String, String)>,
    /// How the values were computed.
    pub arith: Arith,
    /// The free indices at the reported assignment (0-based samples).
    pub assignment: Vec<(String, usize)>,
    /// For an equality that fails: `lhs ≤ rhs` (`⪯`) and `lhs ≥ rhs` (`⪰`) there, exactly.
    pub le: bool,
    pub ge: bool,
}

/// Every assignment of the free indices to samples `0..n` (at most `n^k`).
fn assignments(free: &[String], n: usize) -> Vec<Vec<(String, usize)>> {
    let mut out = vec![Vec::new()];
    for v in free {
        let mut next = Vec::new();
        for a in &out {
            for k in 0..n {
                let mut b = a.clone();
                b.push((v.clone(), k));
                next.push(b);
            }
        }
        out = next;
    }
    out
}

fn show<T: Field>(m: &Matrix<T>) -> String {
    if m.nrows() == 1 && m.ncols() == 1 {
        return m.entries()[0].show();
    }
    if m.ncols() == 1 {
        let v: Vec<String> = (0..m.nrows()).map(|i| m.get(i, 0).show()).collect();
        return format!("({})ᵀ", v.join(", "));
    }
    let rows: Vec<String> = (0..m.nrows())
        .map(|i| {
            let r: Vec<String> = (0..m.ncols()).map(|j| m.get(i, j).show()).collect();
            format!("[{}]", r.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

/// One relation's truth and both sides.
struct RelEval<T> {
    truth: Truth,
    lhs: Matrix<T>,
    rhs: Matrix<T>,
    /// The left side as text when it was compared without computing it (an extreme
    /// eigenvalue bounded by semidefiniteness tests).
    lhs_text: Option<String>,
}

fn eval_rel<T: Field>(
    r: &Relation,
    c: &Concrete<T>,
    env: &mut Env,
) -> Result<RelEval<T>, EvalError> {
    if let Some(fast) = spectral_fast(r, c, env)? {
        return Ok(fast);
    }
    let lhs = eval(&r.lhs, c, env)?;
    let rhs = eval(&r.rhs, c, env)?;
    Ok(RelEval {
        truth: relation_truth(r.op, &lhs, &rhs),
        lhs,
        rhs,
        lhs_text: None,
    })
}

/// `f(X) op r` for `f` one of `λ_max`, `λ_min`, `ρ`, `‖·‖₂` of a rational symmetric matrix `X`
/// and a rational `r`, decided by semidefiniteness tests (`λ_max(X) ≤ r ⟺ rI − X ⪰ 0`, …)
/// without computing eigenvalues. `None` when the relation is not of this form.
fn spectral_fast<T: Field>(
    r: &Relation,
    c: &Concrete<T>,
    env: &mut Env,
) -> Result<Option<RelEval<T>>, EvalError> {
    use super::value::psd_rational;
    let ExprKind::Call(f @ (Func::LambdaMax | Func::LambdaMin | Func::Rho | Func::Norm), args) =
        &r.lhs.kind
    else {
        return Ok(None);
    };
    if !matches!(r.op, RelOp::Le | RelOp::Lt | RelOp::Ge | RelOp::Gt) || args[0].shape.cols == 0 {
        return Ok(None);
    }
    let x = eval(&args[0], c, env)?;
    let rhs = eval(&r.rhs, c, env)?;
    let (Some(q), Some(xq)) = (
        rhs.as_scalar().rational(),
        x.entries()
            .iter()
            .map(Field::rational)
            .collect::<Option<Vec<_>>>(),
    ) else {
        return Ok(None);
    };
    let n = x.nrows();
    let at = |i: usize, j: usize| &xq[i * n + j];
    if (0..n).any(|i| (0..n).any(|j| at(i, j) != at(j, i))) {
        return Ok(None);
    }
    let zero = BigRational::from_integer(0.into());
    // s·I + k·X.
    let shifted = |s: &BigRational, k: &BigRational, m: &dyn Fn(usize, usize) -> BigRational| {
        Matrix::from_fn(n, n, |i, j| {
            let d = if i == j { s.clone() } else { zero.clone() };
            d + k * m(i, j)
        })
    };
    let one = BigRational::from_integer(1.into());
    let xm = |i: usize, j: usize| at(i, j).clone();
    // λ_max(M) ≤ q ⟺ qI − M ⪰ 0; < with ≻. λ_min(M) ≥ q ⟺ M − qI ⪰ 0.
    let max_le = |m: &dyn Fn(usize, usize) -> BigRational, q: &BigRational, strict: bool| {
        psd_rational(&shifted(q, &-one.clone(), m), strict)
    };
    let min_ge = |m: &dyn Fn(usize, usize) -> BigRational, q: &BigRational, strict: bool| {
        psd_rational(&shifted(&-q.clone(), &one, m), strict)
    };
    let strict = matches!(r.op, RelOp::Lt | RelOp::Gt);
    let upper = matches!(r.op, RelOp::Le | RelOp::Lt);
    let truth = match (f, upper) {
        (Func::LambdaMax, true) => max_le(&xm, &q, strict),
        // λ_max ≥ q ⟺ not (λ_max < q).
        (Func::LambdaMax, false) => max_le(&xm, &q, !strict).map(|b| !b),
        (Func::LambdaMin, false) => min_ge(&xm, &q, strict),
        (Func::LambdaMin, true) => min_ge(&xm, &q, !strict).map(|b| !b),
        (Func::Rho, _) => {
            // ρ ≤ q ⟺ −qI ⪯ X ⪯ qI.
            let le = |strict: bool| -> Option<bool> {
                Some(max_le(&xm, &q, strict)? && min_ge(&xm, &-q.clone(), strict)?)
            };
            if upper {
                le(strict)
            } else {
                le(!strict).map(|b| !b)
            }
        }
        _ => {
            // ‖X‖₂ ≤ q ⟺ q ≥ 0 and XᵀX ⪯ q²I.
            let xtx =
                |i: usize, j: usize| (0..n).fold(zero.clone(), |acc, k| acc + at(k, i) * at(k, j));
            let le = |strict: bool| -> Option<bool> {
                let ok_sign = if strict { q > zero } else { q >= zero };
                Some(ok_sign && max_le(&xtx, &(&q * &q), strict)?)
            };
            if upper {
                le(strict)
            } else {
                le(!strict).map(|b| !b)
            }
        }
    };
    let Some(truth) = truth else {
        return Err(EvalError::OutOfWork);
    };
    let approx = {
        let xf = x.to_f64();
        let vals = super::value::f64_eigen(&if *f == Func::Norm {
            xf.transpose().matmul(&xf)
        } else {
            xf
        })
        .map(|(v, _)| v)
        .unwrap_or_default();
        let (lo, hi) = (
            vals.first().copied().unwrap_or(f64::NAN),
            vals.last().copied().unwrap_or(f64::NAN),
        );
        let v = match f {
            Func::LambdaMax => hi,
            Func::LambdaMin => lo,
            Func::Rho => lo.abs().max(hi.abs()),
            _ => hi.max(0.0).sqrt(),
        };
        format!("≈{}", crate::fmt::sig(v))
    };
    Ok(Some(RelEval {
        truth: if truth { Truth::Holds } else { Truth::Fails },
        lhs: Matrix::scalar(T::nil()),
        rhs,
        lhs_text: Some(approx),
    }))
}

fn implication(p: Truth, q: Truth) -> Truth {
    match (p, q) {
        (Truth::Fails, _) | (_, Truth::Holds) => Truth::Holds,
        (Truth::Holds, Truth::Fails) => Truth::Fails,
        _ => Truth::Undecided,
    }
}

fn both(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::Fails, _) | (_, Truth::Fails) => Truth::Fails,
        (Truth::Holds, Truth::Holds) => Truth::Holds,
        _ => Truth::Undecided,
    }
}

/// The claim at one assignment, in field `T`.
/// The claim at one assignment: its truth, both sides as text, and (for a failing equality)
/// whether `≤` and `≥` held.
type AtAssignment = (Truth, Vec<(String, String)>, bool, bool);

fn at_assignment<T: Field>(
    claim: &Claim,
    c: &Concrete<T>,
    assignment: &[(String, usize)],
) -> Result<AtAssignment, EvalError> {
    let mut env = Env {
        idx: assignment.to_vec(),
        batch: None,
    };
    let side = |tag: &str, r: &Relation, v: &RelEval<T>| {
        vec![
            (
                format!("{tag}lhs"),
                v.lhs_text.clone().unwrap_or_else(|| show(&v.lhs)),
            ),
            (format!("{tag}rhs"), show(&v.rhs)),
            (
                format!("{tag}relation"),
                format!("lhs {} rhs", r.op.symbol()),
            ),
        ]
    };
    Ok(match claim {
        Claim::Rel(r) => {
            let v = eval_rel(r, c, &mut env)?;
            let (le, ge) = if r.op == RelOp::Eq && v.truth == Truth::Fails {
                let (l, g) = if r.lhs.shape.is_scalar() {
                    (RelOp::Le, RelOp::Ge)
                } else if r.lhs.shape.is_square() {
                    (RelOp::LoewnerLe, RelOp::LoewnerGe)
                } else {
                    return Ok((v.truth, side("", r, &v), false, false));
                };
                (
                    relation_truth(l, &v.lhs, &v.rhs) == Truth::Holds,
                    relation_truth(g, &v.lhs, &v.rhs) == Truth::Holds,
                )
            } else {
                (false, false)
            };
            (v.truth, side("", r, &v), le, ge)
        }
        Claim::Implies(p, q) => {
            let pv = eval_rel(p, c, &mut env)?;
            let qv = eval_rel(q, c, &mut env)?;
            let mut s = side("premise ", p, &pv);
            s.extend(side("conclusion ", q, &qv));
            (implication(pv.truth, qv.truth), s, false, false)
        }
        Claim::Iff(p, q) => {
            let pv = eval_rel(p, c, &mut env)?;
            let qv = eval_rel(q, c, &mut env)?;
            let t = both(
                implication(pv.truth, qv.truth),
                implication(qv.truth, pv.truth),
            );
            let mut s = side("first ", p, &pv);
            s.extend(side("second ", q, &qv));
            (t, s, false, false)
        }
    })
}

/// The outcome of deciding a claim on one instance.
#[derive(Debug, Clone)]
pub(crate) enum Instance {
    /// No assignment of the free indices is in the domain (each divides by zero).
    Undefined,
    /// The work limit was reached before the claim was decided.
    OutOfWork,
    /// Decided (or unknown with intervals).
    Decided(Decided),
}

/// The claim on `raw` at every assignment of the free indices, exactly when possible, else
/// with intervals.
pub(crate) fn decide(
    claim: &Claim,
    free: &[String],
    raw: &RawInstance,
    batches: &[(Vec<usize>, BigRational)],
    precisions: &[u32],
) -> Instance {
    let exact: Concrete<BigRational> = raw.concrete(batches);
    let mut worst: Option<Decided> = None;
    for assignment in assignments(free, raw.n) {
        let r = match at_assignment(claim, &exact, &assignment) {
            Ok(x) => Some((x, Arith::Exact)),
            Err(EvalError::OutOfWork) => return Instance::OutOfWork,
            Err(EvalError::NotExact) => {
                let mut found = None;
                for &bits in precisions {
                    let iv: Concrete<Iv> = raw.concrete(batches);
                    match with_precision(bits, || at_assignment(claim, &iv, &assignment)) {
                        Ok(x) if x.0 != Truth::Undecided => {
                            found = Some((x, Arith::Interval));
                            break;
                        }
                        Ok(x) => found = Some((x, Arith::Interval)),
                        Err(EvalError::Imprecise) => {
                            found = Some((
                                (Truth::Undecided, Vec::new(), false, false),
                                Arith::Interval,
                            ));
                        }
                        Err(EvalError::OutOfWork) => return Instance::OutOfWork,
                        Err(_) => {
                            found = None;
                            break;
                        }
                    }
                }
                found
            }
            Err(_) => None, // undefined at this assignment
        };
        let Some(((truth, sides, le, ge), arith)) = r else {
            continue;
        };
        let d = Decided {
            truth,
            sides,
            arith,
            assignment: assignment.clone(),
            le,
            ge,
        };
        let rank = |t: Truth| match t {
            Truth::Fails => 2,
            Truth::Undecided => 1,
            Truth::Holds => 0,
        };
        if worst
            .as_ref()
            .map_or(true, |w| rank(d.truth) > rank(w.truth))
        {
            worst = Some(d);
        }
    }
    if crate::exact::work::exhausted() {
        return Instance::OutOfWork;
    }
    worst.map_or(Instance::Undefined, Instance::Decided)
}

/// The violation of one relation in `f64`, relative to the sides' size: `> 0` looks false.
fn violation(r: &Relation, c: &Concrete<f64>, env: &mut Env) -> Result<f64, EvalError> {
    let lhs = eval(&r.lhs, c, env)?;
    let rhs = eval(&r.rhs, c, env)?;
    if !(super::value::finite_mat(&lhs) && super::value::finite_mat(&rhs)) {
        return Err(EvalError::Overflow);
    }
    let scale = 1.0 + lhs.max_abs_f64() + rhs.max_abs_f64();
    let diff = lhs.sub(&rhs);
    let v = match r.op {
        RelOp::Eq => diff.max_abs_f64(),
        RelOp::Le | RelOp::Lt => *diff.as_scalar(),
        RelOp::Ge | RelOp::Gt => -*diff.as_scalar(),
        RelOp::LoewnerLe | RelOp::LoewnerGe => {
            let d = if r.op == RelOp::LoewnerLe {
                diff
            } else {
                diff.map(|x| -x)
            };
            let n = d.nrows();
            let asym = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| (d.get(i, j) - d.get(j, i)).abs())
                .fold(0.0, f64::max);
            let (vals, _) = super::value::f64_eigen(&d)?;
            asym.max(vals.last().copied().unwrap_or(0.0))
        }
    };
    let v = v / scale;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(EvalError::Overflow)
    }
}

/// The search's score of the claim on `raw` (worst assignment): `> 0` looks like a
/// counterexample; larger is worse.
pub(crate) fn score(
    claim: &Claim,
    free: &[String],
    raw: &RawInstance,
    batches: &[(Vec<usize>, BigRational)],
) -> Result<f64, EvalError> {
    let c: Concrete<f64> = raw.concrete(batches);
    let mut best: Option<f64> = None;
    let mut overflow = false;
    for assignment in assignments(free, raw.n) {
        let mut env = Env {
            idx: assignment,
            batch: None,
        };
        let s = match claim {
            Claim::Rel(r) => violation(r, &c, &mut env),
            Claim::Implies(p, q) => {
                violation(p, &c, &mut env).and_then(|a| Ok((-a).min(violation(q, &c, &mut env)?)))
            }
            Claim::Iff(p, q) => violation(p, &c, &mut env).and_then(|a| {
                let b = violation(q, &c, &mut env)?;
                Ok((-a).min(b).max((-b).min(a)))
            }),
        };
        match s {
            Ok(s) => best = Some(best.map_or(s, |b: f64| b.max(s))),
            Err(EvalError::Overflow) => overflow = true,
            Err(EvalError::OutOfWork) => return Err(EvalError::OutOfWork),
            Err(_) => {}
        }
    }
    match (best, overflow) {
        (_, true) => Err(EvalError::Overflow),
        (Some(s), false) => Ok(s),
        (None, false) => Err(EvalError::DivByZero),
    }
}

/// The estimated work (scalar multiply–adds) of evaluating `e` once on a `(d, N, B)` instance
/// with `batches` batches; saturating.
pub(crate) fn cost(e: &Expr, d: u64, n: u64, b: u64, batches: u64) -> u64 {
    let dim = |k: u8| d.saturating_pow(u32::from(k));
    let size = dim(e.shape.rows).saturating_mul(dim(e.shape.cols)).max(1);
    let kids = |e: &Expr| -> u64 {
        e.children()
            .iter()
            .map(|c| cost(c, d, n, b, batches))
            .fold(0, u64::saturating_add)
    };
    let own = match &e.kind {
        ExprKind::Mul(fs) => {
            let mut acc = 0u64;
            let mut shape = fs[0].expr.shape;
            for f in &fs[1..] {
                let s = f.expr.shape;
                acc = acc.saturating_add(if shape.is_scalar() || s.is_scalar() {
                    size
                } else {
                    dim(shape.rows)
                        .saturating_mul(dim(shape.cols))
                        .saturating_mul(dim(s.cols))
                });
                if !s.is_scalar() {
                    shape = if shape.is_scalar() {
                        s
                    } else {
                        super::ast::Shape {
                            rows: shape.rows,
                            cols: s.cols,
                        }
                    };
                }
            }
            acc
        }
        ExprKind::Pow(a, k) => dim(a.shape.rows)
            .saturating_pow(3)
            .saturating_mul(u64::from(*k)),
        ExprKind::Call(f, args) => {
            let m = dim(args[0].shape.rows);
            match f {
                Func::LambdaMax | Func::LambdaMin | Func::Rho | Func::Eigvals | Func::Norm => {
                    m.saturating_pow(4).saturating_mul(16)
                }
                Func::EigDiag => m.saturating_pow(5).saturating_mul(16),
                _ => size,
            }
        }
        _ => size,
    };
    let body = kids(e).saturating_add(own);
    match &e.kind {
        ExprKind::Sum(spec, _) => {
            let range = if spec.domain == SumDomain::Batch {
                b
            } else {
                n
            };
            body.saturating_mul(range.saturating_pow(u32::try_from(spec.vars.len()).unwrap_or(2)))
        }
        ExprKind::BatchMean(_) => body.saturating_mul(batches.max(1)),
        ExprKind::SampleMean(..) => body.saturating_mul(n),
        _ => body,
    }
}

/// The cost of a claim on a shape (all sides, all assignments of the free indices), and the
/// batch list, if the shape can be evaluated at all.
pub(crate) fn claim_cost(
    claim: &Claim,
    free: &[String],
    d: usize,
    n: usize,
    b: usize,
    sampling: crate::instance::Sampling,
) -> Option<(u64, super::value::BatchList)> {
    let uses_batches = claim
        .sides()
        .iter()
        .any(|e| e.any(&|x| matches!(x.kind, ExprKind::BatchMean(_))));
    let batches = if uses_batches {
        batch_list(n, b, sampling)?
    } else {
        Vec::new()
    };
    let per = claim
        .sides()
        .iter()
        .map(|e| cost(e, d as u64, n as u64, b as u64, batches.len() as u64))
        .fold(0u64, u64::saturating_add);
    let assignments = (n as u64).saturating_pow(u32::try_from(free.len()).unwrap_or(u32::MAX));
    Some((per.saturating_mul(assignments.max(1)), batches))
}
