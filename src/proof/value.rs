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

/// A scalar field the evaluator runs on.
pub(crate) trait Field: Clone + Debug {
    /// The value as a person would write it (`3/4`, or six significant digits).
    fn show(&self) -> String;
    fn nil() -> Self;
    fn from_q(q: &BigRational) -> Self;
    fn from_usize(n: usize) -> Self {
        Self::from_q(&BigRational::from_integer(BigInt::from(n)))
    }
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    fn div(&self, o: &Self) -> EResult<Self>;
    fn neg(&self) -> Self;
    fn magnitude(&self) -> Self;
    fn larger(&self, o: &Self) -> Self;
    fn sqrt(&self) -> EResult<Self>;
    fn approx(&self) -> f64;
    /// The sign if it is known (`f64`: always, heuristically).
    fn sign(&self) -> Option<Ordering>;
    /// Eigenvalues of a symmetric matrix, ascending with multiplicity.
    fn sym_eigvals(m: &Matrix<Self>) -> EResult<Vec<Self>>;
    /// `U diag(v) Uᵀ` for `M = U diag(lambda(M)) Uᵀ`.
    fn eigdiag(m: &Matrix<Self>, v: &Matrix<Self>) -> EResult<Matrix<Self>>;
    /// Whether a symmetric matrix is positive semidefinite, if that can be decided.
    fn psd(m: &Matrix<Self>) -> Option<bool>;
    /// The value as an exact rational, if it is one.
    fn rational(&self) -> Option<BigRational>;
}

/// Whether a rational symmetric matrix is positive semidefinite (`strict`: definite), from
/// the signs of its characteristic polynomial's coefficients (it has only real roots).
pub(crate) fn psd_rational(m: &Matrix<BigRational>, strict: bool) -> Option<bool> {
    let p = crate::exact::rational::charpoly(m);
    if work::exhausted() {
        return None;
    }
    let semi = p.real_rooted_nonnegative_roots();
    Some(semi && (!strict || p.coeffs().first().is_some_and(|c| !Zero::is_zero(c))))
}

fn is_diagonal<T: Field>(m: &Matrix<T>) -> bool {
    (0..m.nrows())
        .all(|i| (0..m.ncols()).all(|j| i == j || m.get(i, j).sign() == Some(Ordering::Equal)))
}

impl Field for BigRational {
    fn show(&self) -> String {
        super::print::rational(self)
    }
    fn nil() -> Self {
        <BigRational as Zero>::zero()
    }
    fn from_q(q: &BigRational) -> Self {
        q.clone()
    }
    fn add(&self, o: &Self) -> Self {
        if self.is_integer() && o.is_integer() {
            work::charge_bits(bits(self), bits(o));
            return BigRational::from_integer(self.numer() + o.numer());
        }
        charge_reduced(self, o);
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        if self.is_integer() && o.is_integer() {
            work::charge_bits(bits(self), bits(o));
            return BigRational::from_integer(self.numer() - o.numer());
        }
        charge_reduced(self, o);
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        if self.is_integer() && o.is_integer() {
            work::charge_bits(bits(self), bits(o));
            return BigRational::from_integer(self.numer() * o.numer());
        }
        charge_reduced(self, o);
        self * o
    }
    fn div(&self, o: &Self) -> EResult<Self> {
        charge_reduced(self, o);
        if Zero::is_zero(o) {
            Err(EvalError::DivByZero)
        } else {
            Ok(self / o)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn magnitude(&self) -> Self {
        Signed::abs(self)
    }
    fn larger(&self, o: &Self) -> Self {
        if self >= o {
            self.clone()
        } else {
            o.clone()
        }
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
    fn approx(&self) -> f64 {
        ToPrimitive::to_f64(self).unwrap_or(f64::NAN)
    }
    fn sign(&self) -> Option<Ordering> {
        Some(self.cmp(&<BigRational as Zero>::zero()))
    }
    fn sym_eigvals(m: &Matrix<Self>) -> EResult<Vec<Self>> {
        if !is_diagonal(m) {
            // Exact when every eigenvalue is rational.
            let p = crate::exact::rational::charpoly(m);
            if work::exhausted() {
                return Err(EvalError::OutOfWork);
            }
            let mut vals = Vec::new();
            for (f, k) in p.squarefree_factors() {
                if f.degree() != Some(1) {
                    return Err(EvalError::NotExact);
                }
                let root = -f.coeffs()[0].clone() / f.coeffs()[1].clone();
                vals.extend(std::iter::repeat(root).take(k));
            }
            vals.sort();
            return Ok(vals);
        }
        let mut v: Vec<Self> = (0..m.nrows()).map(|i| m.get(i, i).clone()).collect();
        v.sort();
        Ok(v)
    }
    fn eigdiag(m: &Matrix<Self>, v: &Matrix<Self>) -> EResult<Matrix<Self>> {
        if !is_diagonal(m) {
            return Err(EvalError::NotExact);
        }
        let n = m.nrows();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| m.get(a, a).cmp(m.get(b, b)));
        // Repeated eigenvalues: defined only if v is constant on each eigenspace.
        for a in 0..n {
            for b in a + 1..n {
                let (ia, ib) = (order[a], order[b]);
                if m.get(ia, ia) == m.get(ib, ib) && v.get(a, 0) != v.get(b, 0) {
                    return Err(EvalError::Undefined(
                        "eigdiag of a matrix with a repeated eigenvalue".into(),
                    ));
                }
            }
        }
        Ok(Matrix::from_fn(n, n, |i, j| {
            if i == j {
                let k = order.iter().position(|&o| o == i).unwrap_or(0);
                v.get(k, 0).clone()
            } else {
                <BigRational as Zero>::zero()
            }
        }))
    }
    fn psd(m: &Matrix<Self>) -> Option<bool> {
        psd_rational(m, false)
    }
    fn rational(&self) -> Option<BigRational> {
        Some(self.clone())
    }
}

impl Field for f64 {
    fn show(&self) -> String {
        if f64::abs(*self) < 1e-12 {
            "0".to_owned()
        } else {
            crate::fmt::sig(*self)
        }
    }
    fn nil() -> Self {
        0.0
    }
    fn from_q(q: &BigRational) -> Self {
        ToPrimitive::to_f64(q).unwrap_or(f64::NAN)
    }
    fn add(&self, o: &Self) -> Self {
        work::charge(1);
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        work::charge(1);
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        work::charge(1);
        self * o
    }
    fn div(&self, o: &Self) -> EResult<Self> {
        work::charge(1);
        if *o == 0.0 {
            Err(EvalError::DivByZero)
        } else {
            Ok(self / o)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn magnitude(&self) -> Self {
        f64::abs(*self)
    }
    fn larger(&self, o: &Self) -> Self {
        f64::max(*self, *o)
    }
    fn sqrt(&self) -> EResult<Self> {
        // Rounding can leave a true zero slightly negative.
        Ok(f64::max(*self, 0.0).sqrt())
    }
    fn approx(&self) -> f64 {
        *self
    }
    fn sign(&self) -> Option<Ordering> {
        self.partial_cmp(&0.0)
    }
    fn sym_eigvals(m: &Matrix<Self>) -> EResult<Vec<Self>> {
        Ok(f64_eigen(m)?.0)
    }
    fn eigdiag(m: &Matrix<Self>, v: &Matrix<Self>) -> EResult<Matrix<Self>> {
        let (_, u) = f64_eigen(m)?;
        let n = m.nrows();
        let dv = Matrix::from_fn(n, n, |i, j| if i == j { *v.get(i, 0) } else { 0.0 });
        Ok(u.matmul(&dv).matmul(&u.transpose()))
    }
    fn psd(m: &Matrix<Self>) -> Option<bool> {
        let (vals, _) = f64_eigen(m).ok()?;
        Some(vals.first().map_or(true, |&v| v >= 0.0))
    }
    fn rational(&self) -> Option<BigRational> {
        None
    }
}

/// Eigenvalues (ascending) and eigenvectors (columns) in `f64`.
pub(crate) fn f64_eigen(m: &Matrix<f64>) -> EResult<(Vec<f64>, Matrix<f64>)> {
    let n = m.nrows();
    let fm = faer::Mat::from_fn(n, n, |i, j| 0.5 * (m.get(i, j) + m.get(j, i)));
    if !fm.as_ref().is_all_finite() {
        return Err(EvalError::Overflow);
    }
    let (values, u) =
        crate::linalg::sym_eigen(fm.as_ref()).map_err(|e| EvalError::Undefined(e.to_string()))?;
    Ok((values, Matrix::from_fn(n, n, |i, j| u[(i, j)])))
}

/// The evaluator's matrix arithmetic over a [`Field`], on `exact`'s [`Matrix`] (scalars are
/// `1×1`): every entry operation goes through the field, so it charges the work meter and stays
/// rigorous on intervals, where `Matrix`'s own operators are num-traits arithmetic.
pub(crate) trait FieldMatrix<T: Field>: Sized {
    /// `x` as a `1×1` matrix.
    fn scalar(x: T) -> Self;
    /// The entry of a `1×1` matrix.
    fn as_scalar(&self) -> &T;
    /// The zero matrix.
    fn zeros(rows: usize, cols: usize) -> Self;
    /// The `n×n` identity.
    fn identity(n: usize) -> Self;
    /// `A + B`.
    fn add(&self, o: &Self) -> Self;
    /// `A − B`.
    fn sub(&self, o: &Self) -> Self;
    /// `s · A`.
    fn scale(&self, s: &T) -> Self;
    /// The product; once the work limit is reached the remaining entries are left 0 (the
    /// caller checks [`work::exhausted`] and discards the value).
    fn matmul(&self, o: &Self) -> Self;
    /// `tr A`.
    fn trace(&self) -> T;
    /// `A ⊗ B`.
    fn kron(&self, o: &Self) -> Self;
    /// `max |a_ij|` in `f64`.
    fn max_abs_f64(&self) -> f64;
    /// The matrix in `f64`.
    fn to_f64(&self) -> Matrix<f64>;
}

impl<T: Field> FieldMatrix<T> for Matrix<T> {
    fn scalar(x: T) -> Self {
        Matrix::from_row_major(1, 1, vec![x])
    }
    fn as_scalar(&self) -> &T {
        &self.entries()[0]
    }
    fn zeros(rows: usize, cols: usize) -> Self {
        Matrix::from_fn(rows, cols, |_, _| T::nil())
    }
    fn identity(n: usize) -> Self {
        let one = T::from_usize(1);
        Matrix::from_fn(n, n, |i, j| if i == j { one.clone() } else { T::nil() })
    }
    fn add(&self, o: &Self) -> Self {
        self.zip_map(o, T::add)
    }
    fn sub(&self, o: &Self) -> Self {
        self.zip_map(o, T::sub)
    }
    fn scale(&self, s: &T) -> Self {
        self.map(|x| x.mul(s))
    }
    fn matmul(&self, o: &Self) -> Self {
        debug_assert_eq!(self.ncols(), o.nrows());
        Matrix::from_fn(self.nrows(), o.ncols(), |i, j| {
            if work::exhausted() {
                return T::nil();
            }
            (0..self.ncols()).fold(T::nil(), |acc, k| acc.add(&self.get(i, k).mul(o.get(k, j))))
        })
    }
    fn trace(&self) -> T {
        (0..self.nrows().min(self.ncols())).fold(T::nil(), |acc, i| acc.add(self.get(i, i)))
    }
    fn kron(&self, o: &Self) -> Self {
        let (r, c) = (o.nrows(), o.ncols());
        Matrix::from_fn(self.nrows() * r, self.ncols() * c, |i, j| {
            self.get(i / r, j / c).mul(o.get(i % r, j % c))
        })
    }
    fn max_abs_f64(&self) -> f64 {
        self.entries()
            .iter()
            .map(|x| x.approx().abs())
            .fold(0.0, f64::max)
    }
    fn to_f64(&self) -> Matrix<f64> {
        self.map(Field::approx)
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
