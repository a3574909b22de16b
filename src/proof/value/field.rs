//! The fields the evaluator runs on — exact rationals, rigorous rational intervals (through
//! [`super::super::interval`]), `f64` for the search's heuristic — and its metered matrix
//! arithmetic over them ([`FieldMatrix`]).

use super::*;

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
        crate::proof::print::rational(self)
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
