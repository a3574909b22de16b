//! Values and evaluation: dense matrices over exact rationals or `f64`, and the evaluation of an
//! expression on one concrete instance (batch expectations by visiting every minibatch).

use super::syntax::{Expr, ExprKind, Fam, Func, PairRule, Sym};
use crate::enumerate::{for_each_batch, route_for, Params};
use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::fmt::Debug;

/// Why an expression has no value on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EvalError {
    /// The value is irrational or needs an eigen-decomposition: evaluate in `f64`.
    NotExact,
    /// Division by zero (the instance is outside the claim's domain).
    DivByZero,
    /// Anything else that makes the instance unusable (e.g. a failed decomposition).
    Undefined(String),
}

type EResult<T> = Result<T, EvalError>;

/// A scalar field the evaluator runs on: exact rationals or `f64`.
pub(crate) trait Field: Clone + Debug + PartialOrd {
    /// Whether comparisons are exact.
    const EXACT: bool;
    /// The value as a person would write it (`3/4`, or six significant digits).
    fn show(&self) -> String;
    fn zero() -> Self;
    fn from_q(q: &BigRational) -> Self;
    fn from_usize(n: usize) -> Self {
        Self::from_q(&BigRational::from_integer(BigInt::from(n)))
    }
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    fn div(&self, o: &Self) -> EResult<Self>;
    fn neg(&self) -> Self;
    fn abs(&self) -> Self;
    fn sqrt(&self) -> EResult<Self>;
    fn to_f64(&self) -> f64;
    fn is_zero(&self) -> bool;
    /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.
    fn sym_eigen(m: &Mat<Self>) -> EResult<(Vec<Self>, Mat<Self>)>;
}

impl Field for BigRational {
    const EXACT: bool = true;
    fn show(&self) -> String {
        if self.is_integer() {
            self.numer().to_string()
        } else {
            format!("{}/{}", self.numer(), self.denom())
        }
    }
    fn zero() -> Self {
        Zero::zero()
    }
    fn from_q(q: &BigRational) -> Self {
        q.clone()
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> EResult<Self> {
        if Zero::is_zero(o) {
            Err(EvalError::DivByZero)
        } else {
            Ok(self / o)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn abs(&self) -> Self {
        Signed::abs(self)
    }
    fn sqrt(&self) -> EResult<Self> {
        if self.is_negative() {
            return Err(EvalError::Undefined(
                "square root of a negative number".into(),
            ));
        }
        let (n, d) = (self.numer().sqrt(), self.denom().sqrt());
        if &(&n * &n) == self.numer() && &(&d * &d) == self.denom() {
            Ok(BigRational::new(n, d))
        } else {
            Err(EvalError::NotExact)
        }
    }
    fn to_f64(&self) -> f64 {
        ToPrimitive::to_f64(self).unwrap_or(f64::NAN)
    }
    fn is_zero(&self) -> bool {
        Zero::is_zero(self)
    }
    fn sym_eigen(m: &Mat<Self>) -> EResult<(Vec<Self>, Mat<Self>)> {
        // Exact only for diagonal matrices.
        let n = m.rows;
        for i in 0..n {
            for j in 0..n {
                if i != j && !Zero::is_zero(m.get(i, j)) {
                    return Err(EvalError::NotExact);
                }
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| m.get(a, a).cmp(m.get(b, b)));
        let values = order.iter().map(|&k| m.get(k, k).clone()).collect();
        let vecs = Mat::from_fn(n, n, |i, j| {
            if order[j] == i {
                BigRational::from_integer(1.into())
            } else {
                Zero::zero()
            }
        });
        Ok((values, vecs))
    }
}

impl Field for f64 {
    const EXACT: bool = false;
    fn show(&self) -> String {
        if f64::abs(*self) < 1e-12 {
            "0".to_owned()
        } else {
            crate::fmt::sig(*self)
        }
    }
    fn zero() -> Self {
        0.0
    }
    fn from_q(q: &BigRational) -> Self {
        ToPrimitive::to_f64(q).unwrap_or(f64::NAN)
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> EResult<Self> {
        if *o == 0.0 {
            Err(EvalError::DivByZero)
        } else {
            Ok(self / o)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn abs(&self) -> Self {
        f64::abs(*self)
    }
    fn sqrt(&self) -> EResult<Self> {
        // Rounding can leave a true zero slightly negative.
        Ok(self.max(0.0).sqrt())
    }
    fn to_f64(&self) -> f64 {
        *self
    }
    fn is_zero(&self) -> bool {
        *self == 0.0
    }
    fn sym_eigen(m: &Mat<Self>) -> EResult<(Vec<Self>, Mat<Self>)> {
        let n = m.rows;
        let fm = faer::Mat::from_fn(n, n, |i, j| 0.5 * (m.get(i, j) + m.get(j, i)));
        if !fm.as_ref().is_all_finite() {
            return Err(EvalError::Undefined("non-finite matrix".into()));
        }
        let (values, u) = crate::linalg::sym_eigen(fm.as_ref())
            .map_err(|e| EvalError::Undefined(e.to_string()))?;
        Ok((values, Mat::from_fn(n, n, |i, j| u[(i, j)])))
    }
}

/// A dense `rows×cols` matrix; scalars are `1×1`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mat<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

impl<T: Field> Mat<T> {
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self { rows, cols, data }
    }
    pub fn scalar(x: T) -> Self {
        Self {
            rows: 1,
            cols: 1,
            data: vec![x],
        }
    }
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::from_fn(rows, cols, |_, _| T::zero())
    }
    pub fn identity(n: usize) -> Self {
        let one = T::from_usize(1);
        Self::from_fn(n, n, |i, j| if i == j { one.clone() } else { T::zero() })
    }
    pub fn get(&self, i: usize, j: usize) -> &T {
        &self.data[i * self.cols + j]
    }
    pub fn as_scalar(&self) -> &T {
        &self.data[0]
    }
    fn zip(&self, o: &Self, f: impl Fn(&T, &T) -> T) -> Self {
        debug_assert_eq!((self.rows, self.cols), (o.rows, o.cols));
        Self {
            rows: self.rows,
            cols: self.cols,
            data: self
                .data
                .iter()
                .zip(&o.data)
                .map(|(a, b)| f(a, b))
                .collect(),
        }
    }
    pub fn add(&self, o: &Self) -> Self {
        self.zip(o, T::add)
    }
    pub fn sub(&self, o: &Self) -> Self {
        self.zip(o, T::sub)
    }
    pub fn map(&self, f: impl Fn(&T) -> T) -> Self {
        Self {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(f).collect(),
        }
    }
    pub fn scale(&self, s: &T) -> Self {
        self.map(|x| x.mul(s))
    }
    pub fn matmul(&self, o: &Self) -> Self {
        debug_assert_eq!(self.cols, o.rows);
        Self::from_fn(self.rows, o.cols, |i, j| {
            (0..self.cols).fold(T::zero(), |acc, k| {
                acc.add(&self.get(i, k).mul(o.get(k, j)))
            })
        })
    }
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.cols, self.rows, |i, j| self.get(j, i).clone())
    }
    pub fn trace(&self) -> T {
        (0..self.rows.min(self.cols)).fold(T::zero(), |acc, i| acc.add(self.get(i, i)))
    }
    pub fn kron(&self, o: &Self) -> Self {
        Self::from_fn(self.rows * o.rows, self.cols * o.cols, |i, j| {
            self.get(i / o.rows, j / o.cols)
                .mul(o.get(i % o.rows, j % o.cols))
        })
    }
    pub fn max_abs_f64(&self) -> f64 {
        self.data
            .iter()
            .map(|x| x.to_f64().abs())
            .fold(0.0, f64::max)
    }
    pub fn to_f64(&self) -> Mat<f64> {
        Mat {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(Field::to_f64).collect(),
        }
    }
}

/// One concrete instance: every symbol's value.
#[derive(Debug, Clone)]
pub(crate) struct Concrete<T> {
    pub d: usize,
    pub n: usize,
    pub b: usize,
    pub gamma: T,
    pub c: T,
    pub hs: Vec<Mat<T>>,
    pub gs: Vec<Mat<T>>,
    pub a_fam: Vec<T>,
    pub w_fam: Vec<Mat<T>>,
    pub h: Mat<T>,
    pub sigma: Mat<T>,
    pub a: Mat<T>,
    pub q: Mat<T>,
    pub x: Mat<T>,
    pub w: Mat<T>,
    /// Every batch (as sample indices, with repetition) and its probability.
    pub batches: Vec<(Vec<usize>, T)>,
}

/// The raw rational data of an instance, from which both evaluators are built.
#[derive(Debug, Clone)]
pub(crate) struct RawInstance {
    pub d: usize,
    pub n: usize,
    pub b: usize,
    pub sampling: Sampling,
    pub gamma: BigRational,
    pub hs: Vec<Mat<BigRational>>,
    pub gs: Vec<Mat<BigRational>>,
    pub a_fam: Vec<BigRational>,
    pub w_fam: Vec<Mat<BigRational>>,
    pub a: Mat<BigRational>,
    pub q: Mat<BigRational>,
    pub x: Mat<BigRational>,
    pub w: Mat<BigRational>,
}

impl RawInstance {
    /// The instance in the field `T`, with `H`, `Σ`, `c` and the batch list.
    pub fn concrete<T: Field>(&self) -> Concrete<T> {
        let conv = |m: &Mat<BigRational>| Mat {
            rows: m.rows,
            cols: m.cols,
            data: m.data.iter().map(T::from_q).collect(),
        };
        let hs: Vec<Mat<T>> = self.hs.iter().map(conv).collect();
        let inv_n = T::from_usize(1).div(&T::from_usize(self.n)).expect("N ≥ 1");
        let mut h = Mat::zeros(self.d, self.d);
        let mut sq = Mat::zeros(self.d, self.d);
        for hi in &hs {
            h = h.add(hi);
            sq = sq.add(&hi.matmul(hi));
        }
        let h = h.scale(&inv_n);
        let sigma = sq.scale(&inv_n).sub(&h.matmul(&h));
        let c: BigRational = crate::moments::batch_factor(self.n, self.b, self.sampling);
        let mut batches = Vec::new();
        let route = route_for(self.sampling, &Params::default());
        for_each_batch(self.n, self.b, route, &Params::default(), |batch| {
            batches.push((batch.indices.to_vec(), batch.probability::<BigRational>()));
        })
        .expect("small shapes enumerate");
        Concrete {
            d: self.d,
            n: self.n,
            b: self.b,
            gamma: T::from_q(&self.gamma),
            c: T::from_q(&c),
            hs,
            gs: self.gs.iter().map(conv).collect(),
            a_fam: self.a_fam.iter().map(T::from_q).collect(),
            w_fam: self.w_fam.iter().map(conv).collect(),
            h,
            sigma,
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

fn sym_value<T: Field>(c: &Concrete<T>, s: Sym, env: &Env) -> EResult<Mat<T>> {
    Ok(match s {
        Sym::Gamma => Mat::scalar(c.gamma.clone()),
        Sym::N => Mat::scalar(T::from_usize(c.n)),
        Sym::B => Mat::scalar(T::from_usize(c.b)),
        Sym::C => Mat::scalar(c.c.clone()),
        Sym::D => Mat::scalar(T::from_usize(c.d)),
        Sym::H => c.h.clone(),
        Sym::Sigma => c.sigma.clone(),
        Sym::I => Mat::identity(c.d),
        Sym::A => c.a.clone(),
        Sym::Q => c.q.clone(),
        Sym::X => c.x.clone(),
        Sym::W => c.w.clone(),
        Sym::Ones => Mat::from_fn(c.d, 1, |_, _| T::from_usize(1)),
        Sym::HBatch => {
            let k = env
                .batch
                .ok_or_else(|| EvalError::Undefined("H_B outside E_B".into()))?;
            let ix = &c.batches[k].0;
            let mut s = Mat::zeros(c.d, c.d);
            for &i in ix {
                s = s.add(&c.hs[i]);
            }
            s.scale(&T::from_usize(1).div(&T::from_usize(ix.len()))?)
        }
    })
}

/// Evaluate `e` on `c`.
pub(crate) fn eval<T: Field>(e: &Expr, c: &Concrete<T>, env: &mut Env) -> EResult<Mat<T>> {
    Ok(match &e.kind {
        ExprKind::Num(q) => Mat::scalar(T::from_q(q)),
        ExprKind::Sym(s) => sym_value(c, *s, env)?,
        ExprKind::Fam(f, v) => {
            let i = env.lookup(v)?;
            match f {
                Fam::H => c.hs[i].clone(),
                Fam::G => c.gs[i].clone(),
                Fam::A => Mat::scalar(c.a_fam[i].clone()),
                Fam::W => c.w_fam[i].clone(),
            }
        }
        ExprKind::Neg(a) => eval(a, c, env)?.map(T::neg),
        ExprKind::Add(a, b) => eval(a, c, env)?.add(&eval(b, c, env)?),
        ExprKind::Sub(a, b) => eval(a, c, env)?.sub(&eval(b, c, env)?),
        ExprKind::Mul(a, b) => {
            let (x, y) = (eval(a, c, env)?, eval(b, c, env)?);
            if a.shape.is_scalar() {
                y.scale(x.as_scalar())
            } else if b.shape.is_scalar() {
                x.scale(y.as_scalar())
            } else {
                x.matmul(&y)
            }
        }
        ExprKind::Div(a, b) => {
            let (x, y) = (eval(a, c, env)?, eval(b, c, env)?);
            let inv = T::from_usize(1).div(y.as_scalar())?;
            x.scale(&inv)
        }
        ExprKind::Pow(a, k) => {
            let x = eval(a, c, env)?;
            let mut r = Mat::identity(x.rows);
            for _ in 0..*k {
                r = r.matmul(&x);
            }
            r
        }
        ExprKind::Transpose(a) => eval(a, c, env)?.transpose(),
        ExprKind::Call(f, args) => call(*f, args, c, env)?,
        ExprKind::Sum(spec, body) => {
            let positions: Vec<usize> = if spec.in_batch {
                let k = env
                    .batch
                    .ok_or_else(|| EvalError::Undefined("sum over B outside E_B".into()))?;
                c.batches[k].0.clone()
            } else {
                (0..c.n).collect()
            };
            let m = positions.len();
            let mut acc: Option<Mat<T>> = None;
            let visit = |env: &mut Env, acc: &mut Option<Mat<T>>| -> EResult<()> {
                let v = eval(body, c, env)?;
                *acc = Some(match acc.take() {
                    None => v,
                    Some(a) => a.add(&v),
                });
                Ok(())
            };
            if spec.vars.len() == 1 {
                for &p in &positions {
                    env.idx.push((spec.vars[0].clone(), p));
                    let r = visit(env, &mut acc);
                    env.idx.pop();
                    r?;
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
                        let r = visit(env, &mut acc);
                        env.idx.truncate(env.idx.len() - 2);
                        r?;
                    }
                }
            }
            match acc {
                Some(a) => a,
                None => zeros_of(e, c),
            }
        }
        ExprKind::BatchMean(body) => {
            let mut acc: Option<Mat<T>> = None;
            let saved = env.batch;
            for k in 0..c.batches.len() {
                env.batch = Some(k);
                let v = eval(body, c, env);
                env.batch = saved;
                let v = v?.scale(&c.batches[k].1);
                acc = Some(match acc {
                    None => v,
                    Some(a) => a.add(&v),
                });
            }
            acc.unwrap_or_else(|| zeros_of(e, c))
        }
        ExprKind::SampleMean(v, body) => {
            let mut acc: Option<Mat<T>> = None;
            for i in 0..c.n {
                env.idx.push((v.clone(), i));
                let r = eval(body, c, env);
                env.idx.pop();
                let r = r?;
                acc = Some(match acc {
                    None => r,
                    Some(a) => a.add(&r),
                });
            }
            let inv = T::from_usize(1).div(&T::from_usize(c.n))?;
            acc.unwrap_or_else(|| zeros_of(e, c)).scale(&inv)
        }
    })
}

fn zeros_of<T: Field>(e: &Expr, c: &Concrete<T>) -> Mat<T> {
    let size = |k: u8| c.d.pow(u32::from(k));
    Mat::zeros(size(e.shape.rows), size(e.shape.cols))
}

fn call<T: Field>(f: Func, args: &[Expr], c: &Concrete<T>, env: &mut Env) -> EResult<Mat<T>> {
    let x = eval(&args[0], c, env)?;
    Ok(match f {
        Func::Trace => Mat::scalar(x.trace()),
        Func::LambdaMax | Func::LambdaMin | Func::Rho => {
            let (vals, _) = T::sym_eigen(&x)?;
            let (lo, hi) = (vals[0].clone(), vals[vals.len() - 1].clone());
            Mat::scalar(match f {
                Func::LambdaMax => hi,
                Func::LambdaMin => lo,
                _ => {
                    let (a, b) = (lo.abs(), hi.abs());
                    if a > b {
                        a
                    } else {
                        b
                    }
                }
            })
        }
        Func::Norm => {
            if args[0].shape.is_scalar() {
                Mat::scalar(x.as_scalar().abs())
            } else if args[0].shape.cols == 0 {
                Mat::scalar(x.transpose().matmul(&x).as_scalar().sqrt()?)
            } else {
                let (vals, _) = T::sym_eigen(&x.transpose().matmul(&x))?;
                Mat::scalar(vals[vals.len() - 1].sqrt()?)
            }
        }
        Func::Abs => Mat::scalar(x.as_scalar().abs()),
        Func::Sqrt => Mat::scalar(x.as_scalar().sqrt()?),
        Func::Kron => x.kron(&eval(&args[1], c, env)?),
        Func::Diag => Mat::from_fn(x.rows, x.rows, |i, j| {
            if i == j {
                x.get(i, 0).clone()
            } else {
                T::zero()
            }
        }),
        Func::Eigvals => {
            let (vals, _) = T::sym_eigen(&x)?;
            Mat::from_fn(vals.len(), 1, |i, _| vals[i].clone())
        }
        Func::EigDiag => {
            let v = eval(&args[1], c, env)?;
            let (_, u) = T::sym_eigen(&x)?;
            let n = x.rows;
            let dv = Mat::from_fn(n, n, |i, j| {
                if i == j {
                    v.get(i, 0).clone()
                } else {
                    T::zero()
                }
            });
            u.matmul(&dv).matmul(&u.transpose())
        }
    })
}
