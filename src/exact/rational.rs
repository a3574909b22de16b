//! Dense matrices of rationals (`Vec<Vec<BigRational>>`, row-major), decided exactly: whether a
//! symmetric one is PSD (`LDLᵀ` with symmetric pivoting, [`is_psd`], with the evidence when it is
//! not), its pivots, a null-space basis, the determinant. The certified route
//! ([`crate::mean_square::certified`]) decides stability with them.

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// Why a symmetric rational matrix is not PSD: the evidence found by [`is_psd`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotPsd {
    /// A pivot (a diagonal entry of the Schur complement) is negative.
    NegativePivot {
        /// The row of the original matrix.
        index: usize,
    },
    /// A zero diagonal entry of the Schur complement with a non-zero entry in its row (the
    /// `2×2` minor is negative).
    ZeroPivotNonZeroRow {
        /// The row of the original matrix.
        index: usize,
        /// The column of the non-zero entry.
        other: usize,
    },
}

/// An exact PSD decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Psd {
    /// The matrix is positive semidefinite.
    Yes,
    /// It is not, with the evidence.
    No(NotPsd),
}

/// Whether the symmetric rational matrix `a` is PSD: `LDLᵀ` with symmetric pivoting. A positive
/// diagonal entry of the current Schur complement is eliminated; a negative one disproves PSD;
/// when every remaining diagonal entry is zero, PSD requires the remaining block to vanish.
///
/// # Panics
/// If `a` is not square.
#[must_use]
pub fn is_psd(mut a: Vec<Vec<BigRational>>) -> Psd {
    let m = a.len();
    assert!(a.iter().all(|r| r.len() == m), "square matrix");
    let mut active: Vec<usize> = (0..m).collect();
    while !active.is_empty() {
        if let Some(&k) = active.iter().find(|&&k| a[k][k].is_negative()) {
            return Psd::No(NotPsd::NegativePivot { index: k });
        }
        let Some(pos) = active.iter().position(|&k| a[k][k].is_positive()) else {
            for &i in &active {
                if let Some(&j) = active.iter().find(|&&j| !a[i][j].is_zero()) {
                    return Psd::No(NotPsd::ZeroPivotNonZeroRow { index: i, other: j });
                }
            }
            return Psd::Yes;
        };
        let k = active.remove(pos);
        let pivot = a[k][k].clone();
        let row: Vec<BigRational> = active.iter().map(|&j| a[k][j].clone() / &pivot).collect();
        for &i in &active {
            if a[i][k].is_zero() {
                continue;
            }
            let aik = a[i][k].clone();
            for (jj, &j) in active.iter().enumerate() {
                let t = &aik * &row[jj];
                a[i][j] -= t;
            }
        }
    }
    Psd::Yes
}

/// The pivots `LDLᵀ` with symmetric pivoting eliminates from a PSD matrix: an index set `J` with
/// `a[J, J] ≻ 0` and `|J| = rank a`.
pub(crate) fn psd_pivots(mut a: Vec<Vec<BigRational>>) -> Vec<usize> {
    let mut active: Vec<usize> = (0..a.len()).collect();
    let mut pivots = Vec::new();
    while let Some(pos) = active.iter().position(|&k| a[k][k].is_positive()) {
        let k = active.remove(pos);
        pivots.push(k);
        let pivot = a[k][k].clone();
        let row: Vec<BigRational> = active.iter().map(|&j| a[k][j].clone() / &pivot).collect();
        for &i in &active {
            let aik = a[i][k].clone();
            if aik.is_zero() {
                continue;
            }
            for (jj, &j) in active.iter().enumerate() {
                let t = &aik * &row[jj];
                a[i][j] -= t;
            }
        }
    }
    pivots.sort_unstable();
    pivots
}

/// A basis of the null space of the square rational matrix `a` (reduced row echelon form).
pub(crate) fn null_space(mut a: Vec<Vec<BigRational>>) -> Vec<Vec<BigRational>> {
    let (rows, cols) = (a.len(), a.first().map_or(0, Vec::len));
    let mut pivot_cols = Vec::new();
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..rows).find(|&i| !a[i][c].is_zero()) else {
            continue;
        };
        a.swap(p, r);
        let inv = BigRational::one() / &a[r][c];
        for x in &mut a[r] {
            *x *= &inv;
        }
        let pivot_row = a[r].clone();
        for (i, row) in a.iter_mut().enumerate() {
            if i != r && !row[c].is_zero() {
                let f = row[c].clone();
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= &f * p;
                }
            }
        }
        pivot_cols.push(c);
        r += 1;
        if r == rows {
            break;
        }
    }
    (0..cols)
        .filter(|c| !pivot_cols.contains(c))
        .map(|free| {
            let mut x = vec![BigRational::zero(); cols];
            x[free] = BigRational::one();
            for (i, &pc) in pivot_cols.iter().enumerate() {
                x[pc] = -a[i][free].clone();
            }
            x
        })
        .collect()
}

/// The determinant of a square rational matrix by Gaussian elimination.
#[must_use]
pub fn determinant(mut a: Vec<Vec<BigRational>>) -> BigRational {
    let m = a.len();
    let mut det = BigRational::one();
    for col in 0..m {
        let Some(piv) = (col..m).find(|&r| !a[r][col].is_zero()) else {
            return BigRational::zero();
        };
        if piv != col {
            a.swap(piv, col);
            det = -det;
        }
        let p = a[col][col].clone();
        det *= &p;
        for r in col + 1..m {
            if a[r][col].is_zero() {
                continue;
            }
            let f = &a[r][col] / &p;
            let pivot_row = a[col].clone();
            for (x, q) in a[r].iter_mut().zip(&pivot_row).skip(col) {
                *x -= &f * q;
            }
        }
    }
    det
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    fn q(n: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(n))
    }

    #[test]
    fn psd_decisions() {
        let m = |rows: &[&[i64]]| -> Vec<Vec<BigRational>> {
            rows.iter()
                .map(|r| r.iter().map(|&v| q(v)).collect())
                .collect()
        };
        assert_eq!(is_psd(m(&[&[2, 1], &[1, 2]])), Psd::Yes);
        assert_eq!(is_psd(m(&[&[1, 1], &[1, 1]])), Psd::Yes);
        assert_eq!(is_psd(m(&[&[0, 0], &[0, 3]])), Psd::Yes);
        assert!(matches!(is_psd(m(&[&[1, 2], &[2, 1]])), Psd::No(_)));
        assert_eq!(
            is_psd(m(&[&[0, 1], &[1, 0]])),
            Psd::No(NotPsd::ZeroPivotNonZeroRow { index: 0, other: 1 })
        );
        assert!(matches!(
            is_psd(m(&[&[1, 0], &[0, -1]])),
            Psd::No(NotPsd::NegativePivot { index: 1 })
        ));
        assert_eq!(determinant(m(&[&[0, 2], &[3, 1]])), q(-6));
    }
}
