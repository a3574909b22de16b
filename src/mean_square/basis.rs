//! The orthonormal basis of `Sym(d)` the dense operators are written in, and the matrices of
//! congruences `Q ↦ AQA` in it.
//!
//! With the Frobenius inner product `⟨P, Q⟩ = tr(PQ)`, the matrices `E_ii` and
//! `(E_ij + E_ji)/√2` (`i < j`) are orthonormal, so a self-adjoint map on `Sym(d)` becomes a
//! symmetric `m×m` matrix, `m = d(d+1)/2`. Coordinate `p` belongs to the pair `(i, j)`, `i ≤ j`,
//! ordered column by column of the upper triangle: `p = j(j+1)/2 + i`.

use crate::linalg;
use faer::{Mat, MatRef};
use std::f64::consts::SQRT_2;

/// The orthonormal basis `{E_ii} ∪ {(E_ij + E_ji)/√2 : i < j}` of the symmetric `d×d` matrices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymBasis {
    d: usize,
    pairs: Vec<(usize, usize)>,
}

impl SymBasis {
    /// The basis of `Sym(d)`.
    #[must_use]
    pub fn new(d: usize) -> Self {
        let pairs = (0..d).flat_map(|j| (0..=j).map(move |i| (i, j))).collect();
        Self { d, pairs }
    }

    /// The matrix size `d`.
    #[must_use]
    pub fn d(&self) -> usize {
        self.d
    }

    /// The dimension `m = d(d+1)/2` of `Sym(d)`.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.pairs.len()
    }

    /// The pair `(i, j)`, `i ≤ j`, of coordinate `p`.
    ///
    /// # Panics
    /// If `p ≥ m`.
    #[must_use]
    pub fn pair(&self, p: usize) -> (usize, usize) {
        self.pairs[p]
    }

    /// The coordinate of the pair `(i, j)` (in either order).
    #[must_use]
    pub fn index(&self, i: usize, j: usize) -> usize {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        j * (j + 1) / 2 + i
    }

    /// `w_p`: `1/√2` on the diagonal pairs and `1` off it, so that the matrix of `Q ↦ AQA` is
    /// `w_p w_q (A_ik A_jl + A_il A_jk)` for `p = (i, j)`, `q = (k, l)`.
    fn weight(&self, p: usize) -> f64 {
        let (i, j) = self.pairs[p];
        if i == j {
            std::f64::consts::FRAC_1_SQRT_2
        } else {
            1.0
        }
    }

    /// The coordinates `⟨e_p, Q⟩` of the symmetric matrix `q`: `Q_ii` on the diagonal pairs and
    /// `√2·Q_ij` off it (the two triangles are averaged, so rounding asymmetry is removed).
    ///
    /// # Panics
    /// If `q` is not `d×d`.
    #[must_use]
    pub fn coordinates(&self, q: MatRef<'_, f64>) -> Vec<f64> {
        assert!(q.nrows() == self.d && q.ncols() == self.d, "Q must be d×d");
        self.pairs
            .iter()
            .map(|&(i, j)| {
                if i == j {
                    q[(i, i)]
                } else {
                    SQRT_2 * 0.5 * (q[(i, j)] + q[(j, i)])
                }
            })
            .collect()
    }

    /// The symmetric matrix `Σ_p x_p e_p`.
    ///
    /// # Panics
    /// If `x` does not have `m` entries.
    #[must_use]
    pub fn matrix(&self, x: &[f64]) -> Mat<f64> {
        assert_eq!(x.len(), self.dim(), "x must have d(d+1)/2 coordinates");
        let mut q = Mat::<f64>::zeros(self.d, self.d);
        for (p, &(i, j)) in self.pairs.iter().enumerate() {
            if i == j {
                q[(i, i)] = x[p];
            } else {
                let v = x[p] / SQRT_2;
                q[(i, j)] = v;
                q[(j, i)] = v;
            }
        }
        q
    }

    /// The `m×m` matrix of the congruence `Q ↦ AQA` (`A` symmetric `d×d`).
    #[must_use]
    pub fn congruence(&self, a: MatRef<'_, f64>) -> Mat<f64> {
        let m = self.dim();
        let mut out = Mat::<f64>::zeros(m, m);
        self.add_congruence(&mut out, a, 1.0);
        mirror_lower(&mut out);
        out
    }

    /// `out += weight · S(A)` on and below the diagonal only (call [`mirror_lower`] once at the
    /// end): `S(A)_pq = w_p w_q (A_ik A_jl + A_il A_jk)`, `O(m²)`.
    pub(crate) fn add_congruence(&self, out: &mut Mat<f64>, a: MatRef<'_, f64>, weight: f64) {
        let m = self.dim();
        for q in 0..m {
            let (k, l) = self.pairs[q];
            let wq = weight * self.weight(q);
            for p in q..m {
                let (i, j) = self.pairs[p];
                let v = a[(i, k)] * a[(j, l)] + a[(i, l)] * a[(j, k)];
                out[(p, q)] += wq * self.weight(p) * v;
            }
        }
    }

    /// `weight · Σ_i S(H_i)` (full symmetric `m×m`) for symmetric `d×d` matrices `H_i`, by one
    /// product: with `V` the `N×d²` matrix of rows `vec(H_i)` and `G = VᵀV`,
    /// `Σ_i S(H_i)_pq = w_p w_q (G[ik, jl] + G[il, jk])` for `p = (i, j)`, `q = (k, l)`.
    /// `O(N d⁴)` flops at GEMM speed instead of a scalar
    /// `O(N m²)` loop, plus an `O(m²)` gather.
    ///
    /// # Panics
    /// If an `H_i` is not `d×d`.
    #[must_use]
    pub fn sum_congruences(&self, hs: &[Mat<f64>], weight: f64) -> Mat<f64> {
        let d = self.d;
        // G accumulated over blocks of samples, so that V never holds more than a block.
        const BLOCK: usize = 1024;
        let mut g = Mat::<f64>::zeros(d * d, d * d);
        for block in hs.chunks(BLOCK) {
            let v = Mat::from_fn(block.len(), d * d, |n, ab| block[n][(ab % d, ab / d)]);
            linalg::add_product(&mut g, v.transpose(), v.as_ref(), weight);
        }
        let m = self.dim();
        let at = |a: usize, b: usize, c: usize, e: usize| g[(a + b * d, c + e * d)];
        let mut out = Mat::<f64>::zeros(m, m);
        for q in 0..m {
            let (k, l) = self.pairs[q];
            let wq = self.weight(q);
            for p in q..m {
                let (i, j) = self.pairs[p];
                out[(p, q)] = wq * self.weight(p) * (at(i, k, j, l) + at(i, l, j, k));
            }
        }
        mirror_lower(&mut out);
        out
    }

    /// `weight · Σ_i S(g_i g_iᵀ) = weight · VᵀV` for the rows `g_iᵀ` of `g` (`N×d`), where row
    /// `i` of `V` is the coordinate vector of `g_i g_iᵀ`: one product, `O(N m²)`.
    #[must_use]
    pub fn rank_one_sum(&self, g: MatRef<'_, f64>, weight: f64) -> Mat<f64> {
        let v = Mat::from_fn(g.nrows(), self.dim(), |r, p| {
            let (i, j) = self.pairs[p];
            let x = g[(r, i)] * g[(r, j)];
            if i == j {
                x
            } else {
                SQRT_2 * x
            }
        });
        linalg::symmetrized(linalg::product(v.transpose(), v.as_ref(), weight).as_ref())
    }
}

/// Copy the lower triangle of the square matrix `a` onto its upper triangle.
pub(crate) fn mirror_lower(a: &mut Mat<f64>) {
    for q in 0..a.ncols() {
        for p in q + 1..a.nrows() {
            a[(q, p)] = a[(p, q)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-product sum of congruences equals the sum of the entrywise ones.
    #[test]
    fn sum_congruences_matches_the_entrywise_sum() {
        let d = 4;
        let hs: Vec<Mat<f64>> = (0..5)
            .map(|n| {
                let a = Mat::from_fn(d, d, |i, j| ((3 * i + 5 * j + 7 * n) % 11) as f64 - 5.0);
                linalg::symmetrized(a.as_ref())
            })
            .collect();
        let b = SymBasis::new(d);
        let mut want = Mat::<f64>::zeros(b.dim(), b.dim());
        for h in &hs {
            b.add_congruence(&mut want, h.as_ref(), 0.25);
        }
        mirror_lower(&mut want);
        let got = b.sum_congruences(&hs, 0.25);
        let scale = linalg::max_abs(want.as_ref());
        for p in 0..b.dim() {
            for q in 0..b.dim() {
                assert!(
                    (got[(p, q)] - want[(p, q)]).abs() <= 1e-13 * scale,
                    "({p}, {q}): {} vs {}",
                    got[(p, q)],
                    want[(p, q)]
                );
            }
        }
        // More samples than one block of the accumulation.
        let many: Vec<Mat<f64>> = (0..2100)
            .map(|n| {
                let a = Mat::from_fn(2, 2, |i, j| ((n * (i + 2 * j + 1)) % 7) as f64 - 3.0);
                linalg::symmetrized(a.as_ref())
            })
            .collect();
        let b2 = SymBasis::new(2);
        let mut want2 = Mat::<f64>::zeros(3, 3);
        for h in &many {
            b2.add_congruence(&mut want2, h.as_ref(), 1.0);
        }
        mirror_lower(&mut want2);
        let got2 = b2.sum_congruences(&many, 1.0);
        for p in 0..3 {
            for q in 0..3 {
                assert!(
                    (got2[(p, q)] - want2[(p, q)]).abs() <= 1e-9 * linalg::max_abs(want2.as_ref())
                );
            }
        }
        // And it must notice a difference: one Hessian changed.
        let mut other = hs.clone();
        other[2][(0, 1)] += 1.0;
        other[2][(1, 0)] += 1.0;
        let moved = b.sum_congruences(&other, 0.25);
        assert!(
            (0..b.dim()).any(|p| (0..b.dim()).any(|q| (moved[(p, q)] - want[(p, q)]).abs() > 1e-3))
        );
    }

    #[test]
    fn coordinates_round_trip_and_preserve_the_inner_product() {
        let b = SymBasis::new(3);
        assert_eq!(b.dim(), 6);
        for p in 0..b.dim() {
            let (i, j) = b.pair(p);
            assert_eq!(b.index(i, j), p);
            assert_eq!(b.index(j, i), p);
        }
        let q = Mat::from_fn(3, 3, |i, j| {
            [[1.0, 2.0, -1.0], [2.0, 0.5, 3.0], [-1.0, 3.0, 4.0]][i][j]
        });
        let x = b.coordinates(q.as_ref());
        let back = b.matrix(&x);
        assert!(linalg::max_abs((&back - &q).as_ref()) < 1e-15);
        // ⟨Q, Q⟩_F = Σ Q_ij² = ‖x‖².
        let frob: f64 = (0..3)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .map(|(i, j)| q[(i, j)] * q[(i, j)])
            .sum();
        let norm: f64 = x.iter().map(|v| v * v).sum();
        assert!((frob - norm).abs() < 1e-13);
    }

    #[test]
    fn congruence_matrix_applies_a_q_a() {
        let b = SymBasis::new(3);
        let a = Mat::from_fn(3, 3, |i, j| {
            [[2.0, 1.0, 0.0], [1.0, -1.0, 0.5], [0.0, 0.5, 3.0]][i][j]
        });
        let q = Mat::from_fn(3, 3, |i, j| {
            [[1.0, -2.0, 1.0], [-2.0, 0.0, 1.5], [1.0, 1.5, 2.0]][i][j]
        });
        let s = b.congruence(a.as_ref());
        let x = b.coordinates(q.as_ref());
        let y: Vec<f64> = (0..b.dim())
            .map(|p| (0..b.dim()).map(|r| s[(p, r)] * x[r]).sum())
            .collect();
        let want = linalg::product(
            linalg::product(a.as_ref(), q.as_ref(), 1.0).as_ref(),
            a.as_ref(),
            1.0,
        );
        assert!(linalg::max_abs((&b.matrix(&y) - &want).as_ref()) < 1e-12);
        // rank one: S(g gᵀ) from the Gram form agrees.
        let g = Mat::from_fn(1, 3, |_, j| [1.0, -2.0, 0.5][j]);
        let gg = linalg::product(g.transpose(), g.as_ref(), 1.0);
        let diff = &b.rank_one_sum(g.as_ref(), 1.0) - &b.congruence(gg.as_ref());
        assert!(linalg::max_abs(diff.as_ref()) < 1e-13);
    }
}
