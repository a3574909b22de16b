//! The exact pencil `(W_C, W_D)` of an instance: the forms `⟨P, C(Q)⟩` and `⟨P, D(Q)⟩` of
//! `C(Q) = ½(HQ + QH)` and `D(Q) = (1 − c)HQH + c·mean H_iQH_i` on the rational basis
//! `{E_ii} ∪ {E_ij + E_ji : i < j}` of `Sym(d)` ([`ExactPencil::of`]), or, for `d >` [`MAX_D`],
//! on `Sym(r)` of the range of the `H_i` when its rank `r ≤` [`MAX_D`]
//! ([`ExactPencil::on_range`]).

use super::{refuse, unsupported, MAX_D, MAX_WORK};
use crate::enumerate::hessians_exact;
use crate::error::{Error, Result};
use crate::exact::integer;
use crate::exact::rational::determinant;
use crate::exact::Matrix;
use crate::instance::Instance;
use crate::moments::batch_factor;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// The exact pencil `(W_C, W_D)` of an instance in the rational basis of `Sym(d)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactPencil {
    d: usize,
    pairs: Vec<(usize, usize)>,
    w_c: Matrix<BigRational>,
    w_d: Matrix<BigRational>,
}

impl ExactPencil {
    /// The pencil of `instance` (its batch size and sampling fix `c`).
    ///
    /// # Errors
    /// [`Error::Input`] when `d >` [`MAX_D`] or `N·m² >` [`MAX_WORK`]: too large for exact
    /// arithmetic; on `sampling` under random reshuffling (the pencil is that of the i.i.d.
    /// operator `L_γ`).
    pub fn of(instance: &Instance) -> Result<Self> {
        Self::with_hessians(instance, None)
    }

    /// [`ExactPencil::of`] with the `H_i` given exactly (as written in the file: see
    /// [`crate::load::ExactInputs`]) instead of read back from the instance's `f64`s.
    ///
    /// # Errors
    /// As [`ExactPencil::of`]; [`Error::Input`] if `hessians` does not match the instance's `N`
    /// and `d`.
    pub fn with_hessians(
        instance: &Instance,
        hessians: Option<Vec<Matrix<BigRational>>>,
    ) -> Result<Self> {
        instance.require_iid(
            "certified (exact rational) mode, which decides the i.i.d. operator L_γ,",
        )?;
        let (n, d) = (instance.n(), instance.d());
        let m = d * (d + 1) / 2;
        if d > MAX_D {
            return Err(unsupported(format!(
                "certified (exact rational) mode supports d ≤ {MAX_D} (operator dimension d(d+1)/2 ≤ {}); d = {d} (dimension {m}) is too large for exact arithmetic",
                MAX_D * (MAX_D + 1) / 2
            )));
        }
        if n.saturating_mul(m * m) > MAX_WORK {
            return Err(refuse(format!(
                "certified (exact rational) mode: N·(d(d+1)/2)² = {n}·{m}² exceeds {MAX_WORK} exact operations; too large for exact arithmetic"
            )));
        }
        let hs = match hessians {
            Some(hs) if hs.len() == n && hs.iter().all(|h| h.dim() == d) => hs,
            Some(_) => {
                return Err(Error::invalid(
                    crate::error::ErrorKind::Shape,
                    "certified",
                    "the exact Hessians do not match the instance's N and d",
                ))
            }
            None => hessians_exact(instance.samples()),
        };
        let c: BigRational = batch_factor(n, instance.batch_size().get(), instance.sampling());
        Ok(Self::from_hessians(d, &hs, &c))
    }

    /// The pencil of the rational `H_i` (all `d×d`) with batch factor `c`, in the Frobenius
    /// metric of `Sym(d)`.
    pub(super) fn from_hessians(d: usize, hs: &[Matrix<BigRational>], c: &BigRational) -> Self {
        let n = hs.len();
        let m = d * (d + 1) / 2;
        let inv_n = BigRational::new(BigInt::one(), BigInt::from(n));
        let mut h = Matrix::zeros(d, d);
        for hi in hs {
            h = &h + hi;
        }
        let h = h.scaled(&inv_n);
        let pairs: Vec<(usize, usize)> =
            (0..d).flat_map(|j| (0..=j).map(move |i| (i, j))).collect();
        let (mut w_c, mut w_d) = (Matrix::zeros(m, m), Matrix::zeros(m, m));
        let one_minus_c = BigRational::one() - c;
        let weight_i = c * &inv_n;
        for (qi, &(k, l)) in pairs.iter().enumerate() {
            for (pi, &(i, j)) in pairs.iter().enumerate() {
                // ⟨B_p, X⟩ = X_ii, or 2X_ij off the diagonal.
                let wp = if i == j { integer(1) } else { integer(2) };
                // C(B_q) = ½(H B_q + B_q H); (H B_q)_ij = H_ik δ_jl + H_il δ_jk (k ≠ l).
                let hb = |r: usize, s: usize| -> BigRational {
                    let mut v = BigRational::zero();
                    if s == l {
                        v += h.get(r, k);
                    }
                    if k != l && s == k {
                        v += h.get(r, l);
                    }
                    v
                };
                let x = (hb(i, j) + hb(j, i)) / integer(2);
                w_c[(pi, qi)] = &wp * x;
                // D(B_q) = (1 − c) H B_q H + c·mean H_i B_q H_i.
                let cong = |a: &Matrix<BigRational>| -> BigRational {
                    if k == l {
                        a.get(i, k) * a.get(j, k)
                    } else {
                        a.get(i, k) * a.get(j, l) + a.get(i, l) * a.get(j, k)
                    }
                };
                let mut v = &one_minus_c * cong(&h);
                if !c.is_zero() {
                    let mut s = BigRational::zero();
                    for hi in hs {
                        s += cong(hi);
                    }
                    v += &weight_i * s;
                }
                w_d[(pi, qi)] = &wp * v;
            }
        }
        Self { d, pairs, w_c, w_d }
    }

    /// The pencil of an instance with `d >` [`MAX_D`] on the range `V` of its `H_i`, exactly,
    /// when that range has rank `r ≤` [`MAX_D`]; `None` (with the rank found so far) when it
    /// is larger.
    ///
    /// Derivation. Let the columns of `T` (`d×r`, rational, not orthonormal) span `V`, and
    /// `W = TᵀT`. Every symmetric `Q` with range in `V` is `TYTᵀ` for one `Y ∈ Sym(r)`, and there
    /// `⟨Q, C(Q)⟩ = tr(QHQ) = tr(Y Ĥ Y W)` and
    /// `⟨Q, D(Q)⟩ = (1 − c) tr(YĤYĤ) + c·mean tr(YĤ_iYĤ_i)` with `Ĥ_i = TᵀH_iT`, `Ĥ = TᵀHT`:
    /// rational forms. The rest of `Sym(d)` adds `2 tr(Q_WV H Q_VW) ≥ 0` to the `C` form and
    /// nothing to `D` (every `H_i` vanishes on `V^⊥`), so `2C − γD ⪰ 0` on `Sym(d)` iff the
    /// reduced forms satisfy it on `Sym(r)` (for `H ⪰ 0`; otherwise `W_C` is not PSD on the
    /// reduced space already). The forms' matrices on the basis `{E_ii} ∪ {E_ij + E_ji}` are the
    /// pencil; Sylvester's law of inertia makes the basis (and `T`) irrelevant.
    ///
    /// Gradients: `T` is a maximal independent set of the `g_i` (chosen on their exact Gram
    /// matrix `K = [g_iᵀg_j]`), `W = K[S, S]` and `Tᵀg_i = K[S, i]`: only `N²` inner products of
    /// length `d`, in integers. Hessians: `T` is a maximal independent set of the columns of the
    /// `H_i`, by exact elimination.
    ///
    /// # Errors
    /// [`Error::Input`] on `certified` when the inner products or the elimination exceed the
    /// exact-work limit.
    pub fn on_range(
        instance: &Instance,
        samples: &crate::load::ExactSamples,
    ) -> Result<std::result::Result<Self, usize>> {
        instance.require_iid(
            "certified (exact rational) mode, which decides the i.i.d. operator L_γ,",
        )?;
        let n = instance.n();
        let c: BigRational = batch_factor(n, instance.batch_size().get(), instance.sampling());
        let (w, hs_hat) = match range_basis(samples)? {
            Ok(x) => x,
            Err(rank) => return Ok(Err(rank)),
        };
        let r = w.dim();
        let m = r * (r + 1) / 2;
        if n.saturating_mul(m * m) > MAX_WORK {
            return Err(refuse(format!(
                "certified (exact rational) mode on the range of the H_i (rank r = {r}): N·(r(r+1)/2)² = {n}·{m}² exceeds {MAX_WORK} exact operations; too large for exact arithmetic"
            )));
        }
        let mut pencil = Self::from_hessians(r, &hs_hat, &c);
        // The C form in the metric W: ½[tr(B_p Ĥ B_q W) + tr(B_q Ĥ B_p W)].
        let inv_n = BigRational::new(BigInt::one(), BigInt::from(n));
        let mut h = Matrix::zeros(r, r);
        for hi in &hs_hat {
            h = &h + hi;
        }
        let h = h.scaled(&inv_n);
        let basis: Vec<Matrix<BigRational>> = pencil
            .pairs
            .iter()
            .map(|&(i, j)| {
                Matrix::from_fn(r, r, |a, b| {
                    if (a, b) == (i, j) || (a, b) == (j, i) {
                        integer(1)
                    } else {
                        integer(0)
                    }
                })
            })
            .collect();
        let tr = |a: &Matrix<BigRational>| (0..r).fold(integer(0), |acc, k| acc + a.get(k, k));
        for (p, bp) in basis.iter().enumerate() {
            for (qi, bq) in basis.iter().enumerate() {
                let x = tr(&(&(&(bp * &h) * bq) * &w));
                let y = tr(&(&(&(bq * &h) * bp) * &w));
                pencil.w_c[(p, qi)] = (x + y) / integer(2);
            }
        }
        Ok(Ok(pencil))
    }

    /// `d`.
    #[must_use]
    pub fn d(&self) -> usize {
        self.d
    }

    /// The pair `(i, j)`, `i ≤ j`, of basis element `p` (`E_ii` or `E_ij + E_ji`).
    #[must_use]
    pub fn pair(&self, p: usize) -> (usize, usize) {
        self.pairs[p]
    }

    /// `W_C`, the Gram-weighted matrix of `C(Q) = ½(HQ + QH)`.
    #[must_use]
    pub fn w_c(&self) -> &Matrix<BigRational> {
        &self.w_c
    }

    /// `W_D`, the Gram-weighted matrix of `D(Q) = (1 − c)HQH + c·mean H_iQH_i`.
    #[must_use]
    pub fn w_d(&self) -> &Matrix<BigRational> {
        &self.w_d
    }

    /// `2W_C − γW_D`.
    #[must_use]
    pub fn stability_matrix(&self, gamma: &BigRational) -> Matrix<BigRational> {
        self.w_c
            .zip_map(&self.w_d, |c, d| integer(2) * c - gamma * d)
    }

    /// The pencil on the basis elements `j` only: `(W_C[J, J], W_D[J, J])`.
    pub(super) fn restricted(&self, j: &[usize]) -> Self {
        Self {
            d: self.d,
            pairs: j.iter().map(|&p| self.pairs[p]).collect(),
            w_c: self.w_c.submatrix(j, j),
            w_d: self.w_d.submatrix(j, j),
        }
    }
}

/// The largest number of exact multiplications the range basis may take (inner products of the
/// gradients, or the elimination on the Hessians' columns).
pub const MAX_RANGE_WORK: u128 = 200_000_000;

/// `(W, [Ĥ_i])` of [`ExactPencil::on_range`] (`Err(r)` when the rank exceeds [`MAX_D`]: `r` is
/// the rank reached, `MAX_D + 1`).
#[allow(clippy::type_complexity)]
fn range_basis(
    samples: &crate::load::ExactSamples,
) -> Result<std::result::Result<(Matrix<BigRational>, Vec<Matrix<BigRational>>), usize>> {
    use crate::load::ExactSamples;
    match samples {
        ExactSamples::Gradients(gs) => {
            let (n, d) = (gs.len() as u128, gs.first().map_or(0, Vec::len) as u128);
            let work = n * (MAX_D as u128 + 1) * d;
            if work > MAX_RANGE_WORK {
                return Err(refuse(format!(
                    "certified mode on the range: the exact inner products of N = {n} gradients of length d = {d} with a basis of up to {} of them need about {work} exact multiplications, more than {MAX_RANGE_WORK}",
                    MAX_D + 1
                )));
            }
            // Inner products on demand: only those with the chosen basis are ever needed.
            let gram = ExactGram::new(gs);
            let mut chosen: Vec<usize> = Vec::new();
            for i in 0..gs.len() {
                let mut trial = chosen.clone();
                trial.push(i);
                let sub = Matrix::from_fn(trial.len(), trial.len(), |a, b| {
                    gram.get(trial[a], trial[b])
                });
                if !determinant(sub).is_zero() {
                    chosen = trial;
                    if chosen.len() > MAX_D {
                        return Ok(Err(chosen.len()));
                    }
                }
            }
            if chosen.is_empty() {
                // Every g_i = 0: one direction, on which every sample vanishes.
                return Ok(Ok((
                    Matrix::from_fn(1, 1, |_, _| integer(1)),
                    vec![Matrix::zeros(1, 1); gs.len()],
                )));
            }
            let r = chosen.len();
            let w = Matrix::from_fn(r, r, |a, b| gram.get(chosen[a], chosen[b]));
            let hs = (0..gs.len())
                .map(|i| {
                    let u: Vec<BigRational> = chosen.iter().map(|&a| gram.get(a, i)).collect();
                    Matrix::from_fn(r, r, |a, b| &u[a] * &u[b])
                })
                .collect();
            Ok(Ok((w, hs)))
        }
        ExactSamples::Hessians(hs) => {
            let d = hs.first().map_or(0, Matrix::dim);
            let (n, du) = (hs.len() as u128, d as u128);
            if n * du * du * (MAX_D as u128 + 1) > MAX_RANGE_WORK {
                return Err(refuse(format!(
                    "certified mode on the range: eliminating the {} columns of the Hessians (d = {d}) exceeds {MAX_RANGE_WORK} exact operations",
                    n * du
                )));
            }
            // A maximal independent set of the columns, by elimination against an echelon basis.
            let mut echelon: Vec<(usize, Vec<BigRational>)> = Vec::new();
            let mut t: Vec<Vec<BigRational>> = Vec::new();
            for h in hs {
                for col in 0..d {
                    let orig: Vec<BigRational> = (0..d).map(|r| h.get(r, col).clone()).collect();
                    let mut v = orig.clone();
                    for (piv, e) in &echelon {
                        if !v[*piv].is_zero() {
                            let f = &v[*piv] / &e[*piv];
                            for (x, y) in v.iter_mut().zip(e) {
                                *x -= &f * y;
                            }
                        }
                    }
                    if let Some(piv) = v.iter().position(|x| !x.is_zero()) {
                        echelon.push((piv, v));
                        t.push(orig);
                        if t.len() > MAX_D {
                            return Ok(Err(t.len()));
                        }
                    }
                }
            }
            if t.is_empty() {
                return Ok(Ok((
                    Matrix::from_fn(1, 1, |_, _| integer(1)),
                    vec![Matrix::zeros(1, 1); hs.len()],
                )));
            }
            let r = t.len();
            let dot = |a: &[BigRational], b: &[BigRational]| {
                a.iter().zip(b).fold(integer(0), |acc, (x, y)| acc + x * y)
            };
            let w = Matrix::from_fn(r, r, |a, b| dot(&t[a], &t[b]));
            let hs_hat = hs
                .iter()
                .map(|h| {
                    // (TᵀH_iT)_ab = t_aᵀ H_i t_b.
                    let ht: Vec<Vec<BigRational>> = t
                        .iter()
                        .map(|tb| {
                            (0..d)
                                .map(|row| {
                                    dot(
                                        &(0..d).map(|k| h.get(row, k).clone()).collect::<Vec<_>>(),
                                        tb,
                                    )
                                })
                                .collect()
                        })
                        .collect();
                    Matrix::from_fn(r, r, |a, b| dot(&t[a], &ht[b]))
                })
                .collect();
            Ok(Ok((w, hs_hat)))
        }
    }
}

/// Exact inner products `g_iᵀg_j` on demand: every gradient is scaled once to integers by the
/// lcm of its denominators, so an inner product is an integer sum and one division.
struct ExactGram {
    scaled: Vec<(BigInt, Vec<BigInt>)>,
}

impl ExactGram {
    fn new(gs: &[Vec<BigRational>]) -> Self {
        use num_integer::Integer;
        let scaled = gs
            .iter()
            .map(|g| {
                let l = g.iter().fold(BigInt::one(), |acc, x| acc.lcm(x.denom()));
                let z = g.iter().map(|x| x.numer() * (&l / x.denom())).collect();
                (l, z)
            })
            .collect();
        Self { scaled }
    }

    fn get(&self, a: usize, b: usize) -> BigRational {
        let (za, zb) = (&self.scaled[a], &self.scaled[b]);
        let s =
            za.1.iter()
                .zip(&zb.1)
                .fold(BigInt::zero(), |acc, (x, y)| acc + x * y);
        BigRational::new(s, &za.0 * &zb.0)
    }
}
