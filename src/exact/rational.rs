//! Rational matrices ([`Matrix`]`<BigRational>`) decided exactly: whether a
//! symmetric one is PSD (`LDLᵀ` with symmetric pivoting, [`is_psd`], with the evidence when it is
//! not), its pivots, a null-space basis, the determinant; the characteristic polynomial
//! ([`charpoly`]) and the eigenvalues of a symmetric one isolated to any width
//! ([`sym_eigenvalues`]). The certified route ([`crate::mean_square::certified`]) decides
//! stability with them; the derivation checker (`proof`) its eigenvalue comparisons.

use super::poly::UPoly;
use super::work;
use super::Matrix;
use num_bigint::BigInt;
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
pub fn is_psd(mut a: Matrix<BigRational>) -> Psd {
    let m = a.nrows();
    assert_eq!(a.ncols(), m, "square matrix");
    let mut active: Vec<usize> = (0..m).collect();
    while !active.is_empty() {
        if let Some(&k) = active.iter().find(|&&k| a[(k, k)].is_negative()) {
            return Psd::No(NotPsd::NegativePivot { index: k });
        }
        let Some(pos) = active.iter().position(|&k| a[(k, k)].is_positive()) else {
            for &i in &active {
                if let Some(&j) = active.iter().find(|&&j| !a[(i, j)].is_zero()) {
                    return Psd::No(NotPsd::ZeroPivotNonZeroRow { index: i, other: j });
                }
            }
            return Psd::Yes;
        };
        let k = active.remove(pos);
        let pivot = a[(k, k)].clone();
        let row: Vec<BigRational> = active.iter().map(|&j| a[(k, j)].clone() / &pivot).collect();
        for &i in &active {
            if a[(i, k)].is_zero() {
                continue;
            }
            let aik = a[(i, k)].clone();
            for (jj, &j) in active.iter().enumerate() {
                let t = &aik * &row[jj];
                a[(i, j)] -= t;
            }
        }
    }
    Psd::Yes
}

/// The pivots `LDLᵀ` with symmetric pivoting eliminates from a PSD matrix: an index set `J` with
/// `a[J, J] ≻ 0` and `|J| = rank a`.
pub(crate) fn psd_pivots(mut a: Matrix<BigRational>) -> Vec<usize> {
    let mut active: Vec<usize> = (0..a.nrows()).collect();
    let mut pivots = Vec::new();
    while let Some(pos) = active.iter().position(|&k| a[(k, k)].is_positive()) {
        let k = active.remove(pos);
        pivots.push(k);
        let pivot = a[(k, k)].clone();
        let row: Vec<BigRational> = active.iter().map(|&j| a[(k, j)].clone() / &pivot).collect();
        for &i in &active {
            let aik = a[(i, k)].clone();
            if aik.is_zero() {
                continue;
            }
            for (jj, &j) in active.iter().enumerate() {
                let t = &aik * &row[jj];
                a[(i, j)] -= t;
            }
        }
    }
    pivots.sort_unstable();
    pivots
}

/// A basis of the null space of the square rational matrix `a` (reduced row echelon form).
pub(crate) fn null_space(mut a: Matrix<BigRational>) -> Vec<Vec<BigRational>> {
    let (rows, cols) = (a.nrows(), a.ncols());
    let mut pivot_cols = Vec::new();
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..rows).find(|&i| !a[(i, c)].is_zero()) else {
            continue;
        };
        a.swap_rows(p, r);
        let inv = BigRational::one() / &a[(r, c)];
        for x in a.row_mut(r) {
            *x *= &inv;
        }
        let pivot_row = a.row(r).to_vec();
        for i in 0..rows {
            if i != r && !a[(i, c)].is_zero() {
                let f = a[(i, c)].clone();
                for (x, p) in a.row_mut(i).iter_mut().zip(&pivot_row) {
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
                x[pc] = -a[(i, free)].clone();
            }
            x
        })
        .collect()
}

/// The determinant of a square rational matrix by Gaussian elimination.
///
/// # Panics
/// If `a` is not square.
#[must_use]
pub fn determinant(mut a: Matrix<BigRational>) -> BigRational {
    let m = a.nrows();
    assert_eq!(a.ncols(), m, "square matrix");
    let mut det = BigRational::one();
    for col in 0..m {
        let Some(piv) = (col..m).find(|&r| !a[(r, col)].is_zero()) else {
            return BigRational::zero();
        };
        if piv != col {
            a.swap_rows(piv, col);
            det = -det;
        }
        let p = a[(col, col)].clone();
        det *= &p;
        for r in col + 1..m {
            if a[(r, col)].is_zero() {
                continue;
            }
            let f = &a[(r, col)] / &p;
            let pivot_row = a.row(col).to_vec();
            for (x, q) in a.row_mut(r).iter_mut().zip(&pivot_row).skip(col) {
                *x -= &f * q;
            }
        }
    }
    det
}

/// The characteristic polynomial `det(tI − M)` of an integer square matrix
/// (Faddeev–LeVerrier; every division is exact). Stops early (the caller checks the work
/// meter) once the meter is exhausted.
fn charpoly_int(m: &Matrix<BigInt>) -> Vec<BigInt> {
    let n = m.dim();
    let mut c = vec![BigInt::zero(); n + 1];
    c[n] = BigInt::one();
    // M_k = A M_{k−1} + c_{n−k+1} I, c_{n−k} = −tr(A M_k)/k.
    let mut mk: Matrix<BigInt> = Matrix::zeros(n, n);
    for k in 1..=n {
        if work::exhausted() {
            break;
        }
        let mut next = Matrix::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                let mut s = BigInt::zero();
                for l in 0..n {
                    if !mk[(l, j)].is_zero() && !m[(i, l)].is_zero() {
                        work::charge_bits(m[(i, l)].bits(), mk[(l, j)].bits());
                        s += &m[(i, l)] * &mk[(l, j)];
                    }
                }
                if i == j {
                    s += &c[n - k + 1];
                }
                next[(i, j)] = s;
            }
        }
        mk = next;
        let mut tr = BigInt::zero();
        for i in 0..n {
            for l in 0..n {
                work::charge_bits(m[(i, l)].bits(), mk[(l, i)].bits());
                tr += &m[(i, l)] * &mk[(l, i)];
            }
        }
        c[n - k] = -tr / BigInt::from(k);
    }
    c
}

/// The characteristic polynomial `p_M(t) = det(tI − M)` of a rational square matrix, through
/// the integer matrix `L·M` (`L` the common denominator): `p_M(t) = L^{-n} p_{LM}(L t)`.
#[must_use]
pub fn charpoly(m: &Matrix<BigRational>) -> UPoly {
    let n = m.dim();
    let mut l = BigInt::one();
    for x in m.entries() {
        l = num_integer::Integer::lcm(&l, x.denom());
    }
    let lq = BigRational::from_integer(l.clone());
    let scaled = m.map(|x| (x * &lq).to_integer());
    let ci = charpoly_int(&scaled);
    // Coefficient of t^k in p_M is c'_k L^k / L^n.
    let mut out = Vec::with_capacity(n + 1);
    let mut lk = BigRational::one();
    let ln = num_traits::pow(lq.clone(), n);
    for c in ci {
        out.push(BigRational::from_integer(c) * &lk / &ln);
        lk *= &lq;
    }
    UPoly::new(out)
}

/// One eigenvalue of a rational symmetric matrix, isolated: `λ ∈ (lo, hi]`, or `lo = hi = λ`
/// when it is rational.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsolatedEigenvalue {
    /// Lower end (exclusive unless `lo = hi`).
    pub lo: BigRational,
    /// Upper end.
    pub hi: BigRational,
    /// The number of the distinct eigenvalue this is a copy of (copies of a repeated
    /// eigenvalue share it).
    pub root: usize,
}

/// The eigenvalues of a rational symmetric matrix, ascending with multiplicity, each as an
/// interval of width at most `width` (a point for a rational eigenvalue). Intervals of distinct
/// roots (from different square-free factors) may overlap; the caller refines. Stops early
/// (the caller checks the work meter) once the meter is exhausted.
#[must_use]
pub fn sym_eigenvalues(m: &Matrix<BigRational>, width: &BigRational) -> Vec<IsolatedEigenvalue> {
    let p = charpoly(m);
    // Every eigenvalue lies in [−r, r] for r the largest absolute row sum (Gershgorin); −r − 1
    // is not a root.
    let r = (0..m.nrows())
        .map(|i| m.row(i).iter().map(Signed::abs).sum::<BigRational>())
        .max()
        .unwrap_or_else(BigRational::zero)
        + BigRational::one();
    let mut roots: Vec<(BigRational, BigRational, usize)> = Vec::new();
    for (f, k) in p.squarefree_factors() {
        for (lo, hi) in f.isolate_within(&-r.clone(), &r, width) {
            roots.push((lo, hi, k));
        }
    }
    roots.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Vec::new();
    for (root, (lo, hi, k)) in roots.into_iter().enumerate() {
        for _ in 0..k {
            out.push(IsolatedEigenvalue {
                lo: lo.clone(),
                hi: hi.clone(),
                root,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::integer;

    #[test]
    fn psd_decisions() {
        let m =
            |rows: &[&[i64]]| Matrix::from_fn(rows.len(), rows.len(), |i, j| integer(rows[i][j]));
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
        assert_eq!(determinant(m(&[&[0, 2], &[3, 1]])), integer(-6));
    }

    #[test]
    fn charpoly_and_multiplicities() {
        // diag(2, 2, 5): (t − 2)²(t − 5).
        let m = Matrix::from_fn(3, 3, |i, j| {
            if i == j {
                integer([2, 2, 5][i])
            } else {
                integer(0)
            }
        });
        let cp = charpoly(&m);
        assert_eq!(
            cp,
            UPoly::new([-20, 24, -9, 1].iter().map(|&x| integer(x)).collect())
        );
        let ev = sym_eigenvalues(&m, &BigRational::new(1.into(), 100.into()));
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].root, ev[1].root);
        assert!(ev[0].lo <= integer(2) && integer(2) <= ev[0].hi);
        assert!(ev[2].lo <= integer(5) && integer(5) <= ev[2].hi);
        assert!(cp.real_rooted_nonnegative_roots());
    }
}
