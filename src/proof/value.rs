//! Values and evaluation: `exact`'s dense [`Matrix`] over a [`Field`] — exact rationals,
//! rigorous rational intervals, or `f64` (the search's heuristic only) — with the field's
//! metered arithmetic ([`FieldMatrix`]), and the evaluation of an expression on one concrete
//! instance (batch expectations by visiting every minibatch).

use super::ast::{Expr, ExprKind, Family, Func, MulOp, PairRule, Sign, SumDomain, Sym};
use super::limits::MAX_BATCHES;
use crate::enumerate::{for_each_batch, route_for, EnumerationParams};
use crate::exact::work::{self, bits, charge_reduced};
use crate::exact::Matrix;
use crate::instance::Sampling;
pub(crate) use crate::verdict::Truth;

mod field;

pub(crate) use field::{f64_eigen, psd_rational, Field, FieldMatrix};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt::Debug;

/// Why an expression has no value on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EvalError {
    /// The value is irrational or needs an eigen-decomposition: evaluate with intervals.
    NotExact,
    /// Intervals could not decide something the value needs (a divisor or a square root's
    /// argument whose interval contains 0, eigenvalues of an irrational matrix).
    Imprecise,
    /// Division by zero: the instance is outside the claim's domain.
    DivByZero,
    /// A square root of a negative number, or `eigdiag` of a matrix with a repeated eigenvalue
    /// (the basis is not determined): outside the claim's domain.
    Undefined(String),
    /// A floating-point value overflowed (only in `f64`, the search's heuristic).
    Overflow,
    /// The work limit of this evaluation was reached (`exact::work`).
    OutOfWork,
}

pub(crate) type EResult<T> = Result<T, EvalError>;

/// How a decided value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    /// Exact rational arithmetic.
    Exact,
    /// Rigorous rational intervals.
    Interval,
}

/// One concrete instance: every symbol's value.
#[derive(Debug, Clone)]
pub(crate) struct Concrete<T> {
    pub d: usize,
    pub n: usize,
    pub b: usize,
    pub gamma: T,
    pub c: T,
    pub hs: Vec<Matrix<T>>,
    pub gs: Vec<Matrix<T>>,
    pub a_fam: Vec<T>,
    pub w_fam: Vec<Matrix<T>>,
    pub h: Matrix<T>,
    pub sigma: Matrix<T>,
    pub a: Matrix<T>,
    pub q: Matrix<T>,
    pub x: Matrix<T>,
    pub w: Matrix<T>,
    /// Every batch (as sample indices, with repetition) and its probability.
    pub batches: Vec<(Vec<usize>, T)>,
}

/// The raw rational data of an instance, from which every evaluator is built.
#[derive(Debug, Clone)]
pub(crate) struct RawInstance {
    pub d: usize,
    pub n: usize,
    pub b: usize,
    pub sampling: Sampling,
    pub gamma: BigRational,
    pub hs: Vec<Matrix<BigRational>>,
    pub gs: Vec<Matrix<BigRational>>,
    pub a_fam: Vec<BigRational>,
    pub w_fam: Vec<Matrix<BigRational>>,
    pub a: Matrix<BigRational>,
    pub q: Matrix<BigRational>,
    pub x: Matrix<BigRational>,
    pub w: Matrix<BigRational>,
}

/// Every batch (its sample indices) with its exact probability.
pub(crate) type BatchList = Vec<(Vec<usize>, BigRational)>;

/// Every batch of `(N, B)` under `sampling` with its exact probability, or `None` when there
/// are more than [`MAX_BATCHES`].
pub(crate) fn batch_list(
    n: usize,
    b: usize,
    sampling: Sampling,
) -> Option<Vec<(Vec<usize>, BigRational)>> {
    let route = route_for(sampling, &EnumerationParams::default());
    let count = route.count(n, b)?;
    if count > MAX_BATCHES {
        return None;
    }
    let mut batches = Vec::new();
    for_each_batch(n, b, route, &EnumerationParams::default(), |batch| {
        batches.push((batch.indices.to_vec(), batch.probability::<BigRational>()));
    })
    .ok()?;
    Some(batches)
}

impl RawInstance {
    /// The instance in the field `T`, with `H`, `Σ`, `c` and the batch list (`batches` from
    /// [`batch_list`]).
    pub fn concrete<T: Field>(&self, batches: &[(Vec<usize>, BigRational)]) -> Concrete<T> {
        let conv = |m: &Matrix<BigRational>| m.map(T::from_q);
        // H and Σ exactly, then converted.
        let inv_n = BigRational::new(1.into(), BigInt::from(self.n));
        let mut h = Matrix::<BigRational>::zeros(self.d, self.d);
        let mut sq = Matrix::<BigRational>::zeros(self.d, self.d);
        for hi in &self.hs {
            h = h.add(hi);
            sq = sq.add(&hi.matmul(hi));
        }
        let h = h.scale(&inv_n);
        let sigma = sq.scale(&inv_n).sub(&h.matmul(&h));
        let c: BigRational = crate::moments::batch_factor(self.n, self.b, self.sampling);
        Concrete {
            d: self.d,
            n: self.n,
            b: self.b,
            gamma: T::from_q(&self.gamma),
            c: T::from_q(&c),
            hs: self.hs.iter().map(conv).collect(),
            gs: self.gs.iter().map(conv).collect(),
            a_fam: self.a_fam.iter().map(T::from_q).collect(),
            w_fam: self.w_fam.iter().map(conv).collect(),
            h: conv(&h),
            sigma: conv(&sigma),
            a: conv(&self.a),
            q: conv(&self.q),
            x: conv(&self.x),
            w: conv(&self.w),
            batches: batches
                .iter()
                .map(|(ix, p)| (ix.clone(), T::from_q(p)))
                .collect(),
        }
    }
}

/// Index bindings and the current batch during evaluation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub idx: Vec<(String, usize)>,
    pub batch: Option<usize>,
}

impl Env {
    fn lookup(&self, v: &str) -> EResult<usize> {
        self.idx
            .iter()
            .rev()
            .find(|(n, _)| n == v)
            .map(|(_, i)| *i)
            .ok_or_else(|| EvalError::Undefined(format!("index `{v}` is not bound")))
    }
}

fn sym_value<T: Field>(c: &Concrete<T>, s: Sym, env: &Env) -> EResult<Matrix<T>> {
    Ok(match s {
        Sym::Gamma => Matrix::scalar(c.gamma.clone()),
        Sym::N => Matrix::scalar(T::from_usize(c.n)),
        Sym::B => Matrix::scalar(T::from_usize(c.b)),
        Sym::C => Matrix::scalar(c.c.clone()),
        Sym::D => Matrix::scalar(T::from_usize(c.d)),
        Sym::H => c.h.clone(),
        Sym::Sigma => c.sigma.clone(),
        Sym::I => FieldMatrix::identity(c.d),
        Sym::A => c.a.clone(),
        Sym::Q => c.q.clone(),
        Sym::X => c.x.clone(),
        Sym::W => c.w.clone(),
        Sym::Ones => Matrix::from_fn(c.d, 1, |_, _| T::from_usize(1)),
        Sym::HBatch => {
            let k = env
                .batch
                .ok_or_else(|| EvalError::Undefined("H_B outside E_B".into()))?;
            let ix = &c.batches[k].0;
            let mut s: Matrix<T> = FieldMatrix::zeros(c.d, c.d);
            for &i in ix {
                s = s.add(&c.hs[i]);
            }
            s.scale(&T::from_usize(1).div(&T::from_usize(ix.len()))?)
        }
    })
}

fn accumulate<T: Field>(acc: &mut Option<Matrix<T>>, v: Matrix<T>) {
    *acc = Some(match acc.take() {
        None => v,
        Some(a) => a.add(&v),
    });
}

/// Evaluate `e` on `c`; stops with [`EvalError::OutOfWork`] once the work limit is reached.
pub(crate) fn eval<T: Field>(e: &Expr, c: &Concrete<T>, env: &mut Env) -> EResult<Matrix<T>> {
    if work::exhausted() {
        return Err(EvalError::OutOfWork);
    }
    let v = eval_node(e, c, env)?;
    if work::exhausted() {
        return Err(EvalError::OutOfWork);
    }
    Ok(v)
}

fn eval_node<T: Field>(e: &Expr, c: &Concrete<T>, env: &mut Env) -> EResult<Matrix<T>> {
    Ok(match &e.kind {
        ExprKind::Num(q) => Matrix::scalar(T::from_q(q)),
        ExprKind::Sym(s) => sym_value(c, *s, env)?,
        ExprKind::Family(f, v) => {
            let i = env.lookup(v)?;
            match f {
                Family::H => c.hs[i].clone(),
                Family::G => c.gs[i].clone(),
                Family::A => Matrix::scalar(c.a_fam[i].clone()),
                Family::W => c.w_fam[i].clone(),
            }
        }
        ExprKind::Neg(a) => eval(a, c, env)?.map(T::neg),
        ExprKind::Add(ts) => {
            let mut acc: Option<Matrix<T>> = None;
            for (s, t) in ts {
                let v = eval(t, c, env)?;
                let v = if *s == Sign::Minus { v.map(T::neg) } else { v };
                accumulate(&mut acc, v);
            }
            acc.unwrap_or_else(|| zeros_of(e, c))
        }
        ExprKind::Mul(fs) => {
            // The accumulated value and its shape (by the claim's shapes, not by the size: in
            // d = 1 a matrix is 1×1 too).
            let mut acc: Option<(Matrix<T>, super::ast::Shape)> = None;
            for f in fs {
                let y = eval(&f.expr, c, env)?;
                let ys = f.expr.shape;
                acc = Some(match (acc, f.op) {
                    (None, _) => (y, ys),
                    (Some((x, xs)), MulOp::Divide) => {
                        let inv = T::from_usize(1).div(y.as_scalar())?;
                        (x.scale(&inv), xs)
                    }
                    (Some((x, xs)), MulOp::Times) if xs.is_scalar() => (y.scale(x.as_scalar()), ys),
                    (Some((x, xs)), MulOp::Times) if ys.is_scalar() => (x.scale(y.as_scalar()), xs),
                    (Some((x, xs)), MulOp::Times) => (
                        x.matmul(&y),
                        super::ast::Shape {
                            rows: xs.rows,
                            cols: ys.cols,
                        },
                    ),
                });
            }
            acc.map_or_else(|| zeros_of(e, c), |(m, _)| m)
        }
        ExprKind::Pow(a, k) => {
            let x = eval(a, c, env)?;
            let mut r: Matrix<T> = FieldMatrix::identity(x.nrows());
            for _ in 0..*k {
                if work::exhausted() {
                    return Err(EvalError::OutOfWork);
                }
                r = r.matmul(&x);
            }
            r
        }
        ExprKind::Transpose(a) => eval(a, c, env)?.transpose(),
        ExprKind::Call(f, args) => call(*f, args, c, env)?,
        ExprKind::Sum(spec, body) => {
            let positions: Vec<usize> = if spec.domain == SumDomain::Batch {
                let k = env
                    .batch
                    .ok_or_else(|| EvalError::Undefined("sum over B outside E_B".into()))?;
                c.batches[k].0.clone()
            } else {
                (0..c.n).collect()
            };
            let m = positions.len();
            let mut acc: Option<Matrix<T>> = None;
            if spec.vars.len() == 1 {
                for &p in &positions {
                    env.idx.push((spec.vars[0].clone(), p));
                    let r = eval(body, c, env);
                    env.idx.pop();
                    accumulate(&mut acc, r?);
                }
            } else {
                for p in 0..m {
                    for q in 0..m {
                        let keep = match spec.rule {
                            PairRule::All => true,
                            PairRule::Distinct => p != q,
                            PairRule::Ordered => p < q,
                        };
                        if !keep {
                            continue;
                        }
                        env.idx.push((spec.vars[0].clone(), positions[p]));
                        env.idx.push((spec.vars[1].clone(), positions[q]));
                        let r = eval(body, c, env);
                        env.idx.truncate(env.idx.len() - 2);
                        accumulate(&mut acc, r?);
                    }
                }
            }
            acc.unwrap_or_else(|| zeros_of(e, c))
        }
        ExprKind::BatchMean(body) => {
            let mut acc: Option<Matrix<T>> = None;
            let saved = env.batch;
            for k in 0..c.batches.len() {
                env.batch = Some(k);
                let v = eval(body, c, env);
                env.batch = saved;
                accumulate(&mut acc, v?.scale(&c.batches[k].1));
            }
            acc.unwrap_or_else(|| zeros_of(e, c))
        }
        ExprKind::SampleMean(v, body) => {
            let mut acc: Option<Matrix<T>> = None;
            for i in 0..c.n {
                env.idx.push((v.clone(), i));
                let r = eval(body, c, env);
                env.idx.pop();
                accumulate(&mut acc, r?);
            }
            let inv = T::from_usize(1).div(&T::from_usize(c.n))?;
            acc.unwrap_or_else(|| zeros_of(e, c)).scale(&inv)
        }
    })
}

fn zeros_of<T: Field>(e: &Expr, c: &Concrete<T>) -> Matrix<T> {
    let size = |k: u8| c.d.pow(u32::from(k));
    FieldMatrix::zeros(size(e.shape.rows), size(e.shape.cols))
}

fn call<T: Field>(f: Func, args: &[Expr], c: &Concrete<T>, env: &mut Env) -> EResult<Matrix<T>> {
    let x = eval(&args[0], c, env)?;
    Ok(match f {
        Func::Trace => Matrix::scalar(FieldMatrix::trace(&x)),
        Func::LambdaMax | Func::LambdaMin | Func::Rho => {
            let vals = T::sym_eigvals(&x)?;
            let (lo, hi) = (vals[0].clone(), vals[vals.len() - 1].clone());
            Matrix::scalar(match f {
                Func::LambdaMax => hi,
                Func::LambdaMin => lo,
                _ => lo.magnitude().larger(&hi.magnitude()),
            })
        }
        Func::Norm => {
            if args[0].shape.is_scalar() {
                Matrix::scalar(x.as_scalar().magnitude())
            } else if args[0].shape.cols == 0 {
                Matrix::scalar(x.transpose().matmul(&x).as_scalar().sqrt()?)
            } else {
                let vals = T::sym_eigvals(&x.transpose().matmul(&x))?;
                Matrix::scalar(vals[vals.len() - 1].sqrt()?)
            }
        }
        Func::Abs => Matrix::scalar(x.as_scalar().magnitude()),
        Func::Sqrt => Matrix::scalar(x.as_scalar().sqrt()?),
        Func::Kron => x.kron(&eval(&args[1], c, env)?),
        Func::Diag => Matrix::from_fn(x.nrows(), x.nrows(), |i, j| {
            if i == j {
                x.get(i, 0).clone()
            } else {
                T::nil()
            }
        }),
        Func::Eigvals => {
            let vals = T::sym_eigvals(&x)?;
            Matrix::from_fn(vals.len(), 1, |i, _| vals[i].clone())
        }
        Func::EigDiag => {
            let v = eval(&args[1], c, env)?;
            T::eigdiag(&x, &v)?
        }
    })
}

/// The truth of `lhs op rhs` on one instance, from the two values: `Undecided` when this field
/// cannot decide it (an interval straddling zero).
pub(crate) fn relation_truth<T: Field>(
    op: super::ast::RelOp,
    lhs: &Matrix<T>,
    rhs: &Matrix<T>,
) -> Truth {
    use super::ast::RelOp;
    let from = |b: bool| if b { Truth::Holds } else { Truth::Fails };
    let diff = lhs.sub(rhs);
    match op {
        RelOp::Eq => {
            let mut all_zero = true;
            for x in diff.entries() {
                match x.sign() {
                    Some(Ordering::Equal) => {}
                    Some(_) => return Truth::Fails,
                    None => all_zero = false,
                }
            }
            if all_zero {
                Truth::Holds
            } else {
                Truth::Undecided
            }
        }
        RelOp::Le | RelOp::Lt | RelOp::Ge | RelOp::Gt => match diff.as_scalar().sign() {
            None => Truth::Undecided,
            Some(s) => from(match op {
                RelOp::Le => s != Ordering::Greater,
                RelOp::Lt => s == Ordering::Less,
                RelOp::Ge => s != Ordering::Less,
                _ => s == Ordering::Greater,
            }),
        },
        RelOp::LoewnerLe | RelOp::LoewnerGe => {
            // rhs − lhs ⪰ 0 (or lhs − rhs).
            let d = if op == RelOp::LoewnerLe {
                diff.map(T::neg)
            } else {
                diff
            };
            let n = d.nrows();
            let mut unknown = false;
            for i in 0..n {
                for j in i + 1..n {
                    match d.get(i, j).sub(d.get(j, i)).sign() {
                        Some(Ordering::Equal) => {}
                        Some(_) => return Truth::Fails, // not symmetric: in no Loewner order
                        None => unknown = true,
                    }
                }
            }
            if unknown {
                return Truth::Undecided;
            }
            match T::psd(&d) {
                Some(b) => from(b),
                None => Truth::Undecided,
            }
        }
    }
}

/// `|x| > 0` in `f64`, ignoring tiny values.
#[must_use]
pub(crate) fn finite_mat(m: &Matrix<f64>) -> bool {
    m.entries().iter().all(|x| x.is_finite())
}
