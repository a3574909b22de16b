//! The mean-square operator `L_γ: Q ↦ E[M_B Q M_B]` with `M_B = I − γH_B`, stored as a dense
//! `d²×d²` matrix acting on `vec(Q)` ([`MeanSquareMatrix`]; [`crate::mean_square`] applies the same
//! `L_γ` matrix-free on `Sym(d)` as [`crate::mean_square::MeanSquareOperator`]).

use crate::exact::{Matrix, Scalar};

/// A linear map on `d×d` matrices, stored as the `d²×d²` matrix `L` with
/// `vec(L(Q)) = L · vec(Q)`, where `vec` stacks the columns (column-major):
/// `vec(Q)[i + j·d] = Q_ij`.
///
/// For the mean-square operator `L_γ(Q) = E[M_B Q M_B]`,
/// `L[i + j·d, k + l·d] = E[(M_B)_ik (M_B)_lj]`, i.e. `L = E[M_Bᵀ ⊗ M_B]` (`= E[M_B ⊗ M_B]`, as
/// `M_B` is symmetric). It maps symmetric matrices to symmetric matrices; the full `d²×d²` form
/// is kept (rather than the `d(d+1)/2` symmetric basis) because it is the simplest to read
/// beside the lecture and `d` is small here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeanSquareMatrix<T> {
    d: usize,
    matrix: Matrix<T>,
}

impl<T: Scalar> MeanSquareMatrix<T> {
    /// The operator on `d×d` matrices whose `d²×d²` matrix has entries
    /// `f(i, j, k, l) = L[i + j·d, k + l·d]`: the coefficient of `Q_kl` in `L(Q)_ij`.
    pub fn from_fn(d: usize, mut f: impl FnMut(usize, usize, usize, usize) -> T) -> Self {
        let matrix = Matrix::from_fn(d * d, d * d, |p, q| f(p % d, p / d, q % d, q / d));
        Self { d, matrix }
    }

    /// The operator whose `d²×d²` matrix (in the column-major `vec` basis) is `matrix`.
    ///
    /// # Panics
    /// If `matrix` is not `d²×d²`.
    #[must_use]
    pub fn from_matrix(d: usize, matrix: Matrix<T>) -> Self {
        assert_eq!(matrix.dim(), d * d, "the operator matrix must be d²×d²");
        Self { d, matrix }
    }

    /// The dimension `d` of the matrices it acts on.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The `d²×d²` matrix in the column-major `vec` basis.
    #[must_use]
    pub fn matrix(&self) -> &Matrix<T> {
        &self.matrix
    }

    /// The position of `Q_ij` in `vec(Q)`: `i + j·d`.
    #[must_use]
    pub fn vec_index(&self, i: usize, j: usize) -> usize {
        i + j * self.d
    }

    /// `L(Q)`.
    ///
    /// # Panics
    /// If `q` is not `d×d`.
    #[must_use]
    pub fn apply(&self, q: &Matrix<T>) -> Matrix<T> {
        let d = self.d;
        assert_eq!(q.dim(), d, "dimension mismatch");
        Matrix::from_fn(d, d, |i, j| {
            let row = self.vec_index(i, j);
            (0..d * d).fold(T::zero(), |acc, col| {
                acc + self.matrix.get(row, col).clone() * q.get(col % d, col / d).clone()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronecker_form_applies_m_q_m() {
        // L(Q) = M Q M for one fixed symmetric M: L[i + j d, k + l d] = M_ik M_lj.
        let m = Matrix::from_fn(2, 2, |i, j| [[2_i64, 1], [1, 3]][i][j]);
        let q = Matrix::from_fn(2, 2, |i, j| [[1_i64, -1], [-1, 4]][i][j]);
        let op = MeanSquareMatrix::from_fn(2, |i, j, k, l| m.get(i, k) * m.get(l, j));
        assert_eq!(op.apply(&q), &(&m * &q) * &m);
        assert_eq!(op.vec_index(1, 0), 1);
        assert_eq!(op.vec_index(0, 1), 2);
    }
}
