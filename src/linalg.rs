//! The one module that calls faer's decompositions and products.

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par, Side};

/// Eigenvalues of the symmetric matrix `a` (its lower triangle is read), ascending.
///
/// # Errors
/// [`Error::Numerical`] if the eigenvalue iteration does not converge.
pub fn sym_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    if a.nrows() == 0 {
        return Ok(Vec::new());
    }
    a.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::Numerical(format!("symmetric eigenvalues: {e:?}")))
}

/// Eigen-decomposition `a = U diag(λ) Uᵀ` of the symmetric matrix `a`, eigenvalues ascending.
///
/// # Errors
/// [`Error::Numerical`] if the eigenvalue iteration does not converge.
pub fn sym_eigen(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    let evd = a
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Numerical(format!("symmetric eigen-decomposition: {e:?}")))?;
    let s = evd.S();
    let values = (0..s.dim()).map(|i| s[i]).collect();
    Ok((values, evd.U().to_owned()))
}

/// The largest eigenvalue of the symmetric matrix `a` (`None` for a 0×0 matrix).
///
/// # Errors
/// [`Error::Numerical`] if the eigenvalue iteration does not converge.
pub fn sym_lambda_max(a: MatRef<'_, f64>) -> Result<Option<f64>> {
    Ok(sym_eigenvalues(a)?.last().copied())
}

/// `alpha · a · b`, sequential (the matrices here are small; faer does not fall back to serial
/// for small sizes by itself).
#[must_use]
pub fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>, alpha: f64) -> Mat<f64> {
    let mut c = Mat::<f64>::zeros(a.nrows(), b.ncols());
    matmul(c.as_mut(), Accum::Replace, a, b, alpha, Par::Seq);
    c
}

/// `c += alpha · a · b`, sequential.
pub fn add_product(c: &mut Mat<f64>, a: MatRef<'_, f64>, b: MatRef<'_, f64>, alpha: f64) {
    matmul(c.as_mut(), Accum::Add, a, b, alpha, Par::Seq);
}

/// `alpha · a · b` with the columns of the result spread over rayon's threads in eight fixed
/// chunks (at least 64 columns each), each a sequential faer product: for the large products of
/// the matrix-free operators. The chunks do not depend on the thread count, so neither does the
/// result.
#[must_use]
pub fn product_par(a: MatRef<'_, f64>, b: MatRef<'_, f64>, alpha: f64) -> Mat<f64> {
    use rayon::prelude::*;
    let (m, n) = (a.nrows(), b.ncols());
    let chunk = n.div_ceil(8).max(64);
    if n <= chunk || (m as u128) * (n as u128) * (a.ncols() as u128) < 1 << 20 {
        return product(a, b, alpha);
    }
    let mut c = Mat::<f64>::zeros(m, n);
    let mut chunks: Vec<(usize, faer::MatMut<'_, f64>)> = Vec::new();
    let mut rest = c.as_mut();
    let mut start = 0;
    while start < n {
        let w = chunk.min(n - start);
        let (left, right) = rest.split_at_col_mut(w);
        chunks.push((start, left));
        rest = right;
        start += w;
    }
    chunks.into_par_iter().for_each(|(j0, out)| {
        let w = out.ncols();
        matmul(out, Accum::Replace, a, b.subcols(j0, w), alpha, Par::Seq);
    });
    c
}

/// The Gram matrix `a aᵀ` (`n×n` for `a` of `n` rows), formed block by block: the lower
/// triangle of `128×128` blocks, each a sequential faer product, spread over rayon's threads,
/// then mirrored. Every block is computed the same way whatever the thread count, so the result
/// does not depend on it.
#[must_use]
pub fn gram(a: MatRef<'_, f64>) -> Mat<f64> {
    use rayon::prelude::*;
    const BLOCK: usize = 128;
    let n = a.nrows();
    let blocks = n.div_ceil(BLOCK);
    let pairs: Vec<(usize, usize)> = (0..blocks)
        .flat_map(|i| (0..=i).map(move |j| (i, j)))
        .collect();
    let range = |b: usize| (b * BLOCK, ((b + 1) * BLOCK).min(n));
    let products: Vec<Mat<f64>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (i0, i1) = range(i);
            let (j0, j1) = range(j);
            product(
                a.subrows(i0, i1 - i0),
                a.subrows(j0, j1 - j0).transpose(),
                1.0,
            )
        })
        .collect();
    let mut out = Mat::<f64>::zeros(n, n);
    for (&(i, j), p) in pairs.iter().zip(&products) {
        let (i0, _) = range(i);
        let (j0, _) = range(j);
        for c in 0..p.ncols() {
            for r in 0..p.nrows() {
                out[(i0 + r, j0 + c)] = p[(r, c)];
                out[(j0 + c, i0 + r)] = p[(r, c)];
            }
        }
    }
    out
}

/// `(a + aᵀ)/2`: removes rounding asymmetry from a product that is symmetric in exact arithmetic.
#[must_use]
pub fn symmetrized(a: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| 0.5 * (a[(i, j)] + a[(j, i)]))
}

/// The largest absolute entry of `a` (0 for an empty matrix).
#[must_use]
pub fn max_abs(a: MatRef<'_, f64>) -> f64 {
    let mut m = 0.0_f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max(a[(i, j)].abs());
        }
    }
    m
}

/// The largest `|x_k|` of finite entries (0 for an empty slice), in eight independent lanes
/// written as `if v > m { v } else { m }` so that the compiler vectorizes it (a 100-million-entry
/// gradient array is scanned in a few hundredths of a second instead of a fifth).
#[must_use]
pub fn max_abs_slice(x: &[f64]) -> f64 {
    let mut lanes = [0.0_f64; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (m, v) in lanes.iter_mut().zip(c) {
            let v = v.abs();
            *m = if v > *m { v } else { *m };
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    lanes.iter().fold(tail, |m, &v| m.max(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_abs_slice_agrees_with_a_plain_fold() {
        for len in [0usize, 1, 7, 8, 9, 17, 100] {
            let x: Vec<f64> = (0..len)
                .map(|k| ((k * 37 % 11) as f64 - 5.0) * 10f64.powi((k % 7) as i32 - 3))
                .collect();
            let plain = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            assert_eq!(max_abs_slice(&x), plain, "len {len}");
        }
        assert_eq!(max_abs_slice(&[-1e-300, 5e-324, -2e300]), 2e300);
    }

    #[test]
    fn eigenvalues_of_diagonal_are_sorted() {
        let a = Mat::from_fn(3, 3, |i, j| if i == j { [3.0, -1.0, 2.0][i] } else { 0.0 });
        let w = sym_eigenvalues(a.as_ref()).unwrap();
        assert_eq!(w.len(), 3);
        assert!((w[0] + 1.0).abs() < 1e-14 && (w[2] - 3.0).abs() < 1e-14);
    }

    /// The chunked parallel product gives the sequential product's bits, whatever the thread
    /// count.
    #[test]
    fn parallel_product_matches_sequential_bits() {
        let a = Mat::from_fn(150, 200, |i, j| {
            ((i * 31 + j * 17) % 97) as f64 / 97.0 - 0.4
        });
        let b = Mat::from_fn(200, 300, |i, j| ((i * 13 + j * 7) % 89) as f64 / 89.0 - 0.6);
        let seq = product(a.as_ref(), b.as_ref(), 0.7);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| product_par(a.as_ref(), b.as_ref(), 0.7));
            for j in 0..300 {
                for i in 0..150 {
                    assert_eq!(par[(i, j)].to_bits(), seq[(i, j)].to_bits(), "({i}, {j})");
                }
            }
        }
        let g = gram(a.as_ref());
        let want = product(a.as_ref(), a.transpose(), 1.0);
        for j in 0..150 {
            for i in 0..150 {
                assert!((g[(i, j)] - want[(i, j)]).abs() <= 1e-13, "({i}, {j})");
                assert_eq!(g[(i, j)].to_bits(), g[(j, i)].to_bits());
            }
        }
    }

    #[test]
    fn eigen_reconstructs() {
        let a = Mat::from_fn(2, 2, |i, j| [[2.0, 1.0], [1.0, 3.0]][i][j]);
        let (w, u) = sym_eigen(a.as_ref()).unwrap();
        let d = Mat::from_fn(2, 2, |i, j| if i == j { w[i] } else { 0.0 });
        let back = product(
            product(u.as_ref(), d.as_ref(), 1.0).as_ref(),
            u.transpose(),
            1.0,
        );
        for i in 0..2 {
            for j in 0..2 {
                assert!((back[(i, j)] - a[(i, j)]).abs() < 1e-13);
            }
        }
    }
}
