//! [`Matrix`]: the one dense matrix of the exact layer, `rows×cols`, row-major, over any entry
//! type. Its arithmetic (`+`, `−`, `·`, [`Matrix::scaled`], [`Matrix::trace`]) is over the
//! [`Scalar`]s of num-traits (`f64`, `BigRational`); the derivation checker adds its own,
//! metered arithmetic over its fields (`proof::value::FieldMatrix`) on the same type.

use super::Scalar;
use std::ops::{Add, Index, IndexMut, Mul, Sub};

/// A dense `rows×cols` matrix, row-major. `H_i`, `H`, `Σ` and the operators of the exact
/// route are square ones ([`Matrix::dim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T> Matrix<T> {
    /// The matrix with entries `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self { rows, cols, data }
    }

    /// The matrix with the entries `data`, row by row.
    ///
    /// # Panics
    /// If `data` does not have `rows · cols` entries.
    #[must_use]
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<T>) -> Self {
        assert_eq!(data.len(), rows * cols, "rows · cols entries");
        Self { rows, cols, data }
    }

    /// The number of rows.
    #[must_use]
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    #[must_use]
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// The dimension `d` of a square `d×d` matrix.
    #[must_use]
    pub fn dim(&self) -> usize {
        debug_assert_eq!(self.rows, self.cols, "dim of a non-square matrix");
        self.rows
    }

    /// Entry `(i, j)`.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> &T {
        &self[(i, j)]
    }

    /// Row `i`.
    #[must_use]
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable.
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Every entry, row by row.
    #[must_use]
    pub fn entries(&self) -> &[T] {
        &self.data
    }

    /// Exchange rows `i` and `j`.
    pub fn swap_rows(&mut self, i: usize, j: usize) {
        if i != j {
            for k in 0..self.cols {
                self.data.swap(i * self.cols + k, j * self.cols + k);
            }
        }
    }

    /// The matrix of `f(a_ij)`.
    #[must_use]
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Matrix<U> {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(f).collect(),
        }
    }

    /// The matrix of `f(a_ij, b_ij)`, for `B` of the same shape (checked in debug builds;
    /// the arithmetic operators check it always).
    #[must_use]
    pub fn zip_map<U>(&self, o: &Self, f: impl FnMut(&T, &T) -> U) -> Matrix<U> {
        debug_assert_eq!((self.rows, self.cols), (o.rows, o.cols), "shape mismatch");
        let mut f = f;
        Matrix {
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
}

impl<T: Clone> Matrix<T> {
    /// `Aᵀ`.
    #[must_use]
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.cols, self.rows, |i, j| self[(j, i)].clone())
    }

    /// The submatrix `A[I, J]` on the rows `I` and the columns `J`, in their order.
    #[must_use]
    pub fn submatrix(&self, rows: &[usize], cols: &[usize]) -> Self {
        Self::from_fn(rows.len(), cols.len(), |i, j| {
            self[(rows[i], cols[j])].clone()
        })
    }
}

impl<T> Index<(usize, usize)> for Matrix<T> {
    type Output = T;
    fn index(&self, (i, j): (usize, usize)) -> &T {
        debug_assert!(i < self.rows && j < self.cols, "index out of bounds");
        &self.data[i * self.cols + j]
    }
}

impl<T> IndexMut<(usize, usize)> for Matrix<T> {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        debug_assert!(i < self.rows && j < self.cols, "index out of bounds");
        &mut self.data[i * self.cols + j]
    }
}

impl<T: Scalar> Matrix<T> {
    /// The zero matrix.
    #[must_use]
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::from_fn(rows, cols, |_, _| T::zero())
    }

    /// The `n×n` identity.
    #[must_use]
    pub fn identity(n: usize) -> Self {
        Self::from_fn(n, n, |i, j| if i == j { T::one() } else { T::zero() })
    }

    /// `s · A`.
    #[must_use]
    pub fn scaled(&self, s: &T) -> Self {
        self.map(|x| x.clone() * s.clone())
    }

    /// The trace `tr A = Σ a_ii`.
    #[must_use]
    pub fn trace(&self) -> T {
        (0..self.rows.min(self.cols)).fold(T::zero(), |acc, i| acc + self[(i, i)].clone())
    }
}

impl<T: Scalar> Add for &Matrix<T> {
    type Output = Matrix<T>;
    fn add(self, rhs: Self) -> Matrix<T> {
        assert_eq!(
            (self.rows, self.cols),
            (rhs.rows, rhs.cols),
            "dimension mismatch"
        );
        self.zip_map(rhs, |a, b| a.clone() + b.clone())
    }
}

impl<T: Scalar> Sub for &Matrix<T> {
    type Output = Matrix<T>;
    fn sub(self, rhs: Self) -> Matrix<T> {
        assert_eq!(
            (self.rows, self.cols),
            (rhs.rows, rhs.cols),
            "dimension mismatch"
        );
        self.zip_map(rhs, |a, b| a.clone() - b.clone())
    }
}

impl<T: Scalar> Mul for &Matrix<T> {
    type Output = Matrix<T>;
    /// The product `AB`.
    ///
    /// # Panics
    /// If `A` has not as many columns as `B` has rows.
    fn mul(self, rhs: Self) -> Matrix<T> {
        assert_eq!(self.cols, rhs.rows, "dimension mismatch");
        Matrix::from_fn(self.rows, rhs.cols, |i, j| {
            (0..self.cols).fold(T::zero(), |acc, k| {
                acc + self[(i, k)].clone() * rhs[(k, j)].clone()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::integer;
    use num_rational::BigRational;

    #[test]
    fn products_do_not_commute() {
        let a = Matrix::from_fn(2, 2, |i, j| integer([[1, 1], [0, 1]][i][j]));
        let b = Matrix::from_fn(2, 2, |i, j| integer([[1, 0], [1, 1]][i][j]));
        assert_ne!(&a * &b, &b * &a);
    }

    #[test]
    fn rectangular_shapes() {
        // A (2×3) times Aᵀ (3×2) is 2×2; its trace is ‖A‖²_F.
        let a = Matrix::from_fn(2, 3, |i, j| integer(i64::try_from(3 * i + j).unwrap()));
        let at = a.transpose();
        assert_eq!((at.nrows(), at.ncols()), (3, 2));
        let g = &a * &at;
        assert_eq!(g.dim(), 2);
        assert_eq!(
            g.trace(),
            (0..6).map(|k| integer(k * k)).sum::<BigRational>()
        );
        assert_eq!(a.row(1), &[integer(3), integer(4), integer(5)]);
        assert_eq!(
            a.submatrix(&[1], &[2, 0]).entries(),
            &[integer(5), integer(3)]
        );
        let mut s = a.clone();
        s.swap_rows(0, 1);
        assert_eq!(s.row(0), a.row(1));
        assert_eq!(&(&a - &a) + &Matrix::zeros(2, 3), Matrix::zeros(2, 3));
        assert_eq!(&Matrix::identity(2) * &a, a);
    }
}
