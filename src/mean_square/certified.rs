//! Certified answers for rational instances: "stable at this rational `γ`" decided exactly, and
//! `γ*` as an algebraic number (a defining polynomial with an isolating interval).
//!
//! Every `f64` input (the entries, `γ`) is read as the decimal it was written as
//! ([`crate::exact::rational_from_decimal_f64`]; gradients are multiplied out exactly), so the
//! answers are about the numbers in the file, in exact `BigRational` arithmetic.
//!
//! Stability `⇔ ρ(L_γ) ≤ 1 ⇔ λ_max(L_γ) ≤ 1` (`L_γ` is a positive map) `⇔ I − L_γ ⪰ 0`
//! `⇔ 2C − γD ⪰ 0` on `Sym(d)` (divide `2γC − γ²D` by `γ > 0`). In the rational,
//! non-orthonormal basis `B_p ∈ {E_ii} ∪ {E_ij + E_ji : i < j}` the bilinear form
//! `⟨P, (2C − γD)Q⟩_F` has the symmetric matrix `W = 2W_C − γW_D`,
//! `W_pq = ⟨B_p, (2C − γD)B_q⟩`; `W = Gᵀ T G` for the (invertible) change of basis `G` from the
//! orthonormal basis, so by Sylvester's law of inertia `W ⪰ 0 ⇔ 2C − γD ⪰ 0`. PSD is decided by
//! an exact `LDLᵀ` with symmetric pivoting ([`is_psd`]).
//!
//! `γ*`: for `H ≻ 0`, `W_C ≻ 0` and `2W_C − γW_D ≻ 0` on `[0, γ*)` (a convex combination of
//! `2W_C ≻ 0` and `2W_C − γ*W_D ⪰ 0`), singular at `γ*`: so `γ*` is the smallest positive root
//! of `q(γ) = det(2W_C − γW_D)`, a polynomial of degree `≤ m = d(d+1)/2` with rational
//! coefficients, found by evaluating the determinant at `γ = 0..=m` and interpolating. Its
//! square-free part's Sturm sequence isolates the root; bisection refines the interval.
//!
//! Exact arithmetic grows fast: instances with `d >` [`MAX_D`] or more than [`MAX_WORK`]
//! rational operations are refused with an error saying so.

use crate::enumerate::hessians_exact;
use crate::error::{Error, Result};
use crate::exact::poly::{Sturm, UPoly};
pub use crate::exact::rational::{determinant, is_psd, NotPsd, Psd};
use crate::exact::rational::{null_space, psd_pivots};
use crate::exact::work::bits;
use crate::exact::{rational_from_decimal_f64, Matrix};
use crate::instance::Instance;
use crate::moments::batch_factor;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// The largest `d` the certified mode accepts (`d(d+1)/2 ≤ 15`).
pub const MAX_D: usize = 5;

/// The largest `N · m²` (`m = d(d+1)/2`) the certified mode accepts when forming `W_D`.
pub const MAX_WORK: usize = 5_000_000;

/// The most bits (numerators and denominators, summed over the coefficients) that
/// `det(2W_C − γW_D)` may have before `γ*` is isolated: beyond it `γ*` is not given (the verdict
/// at `γ` still is). Decimals of 17 digits in `d = 3` give about 7,000 (its Sturm sequence about
/// 150,000, isolated and refined in about 3 seconds); entries of `1e-40` give 15,500 (more than
/// 30 seconds).
pub const MAX_POLY_BITS: u64 = 10_000;

/// The most work (bits of the Sturm sequence times bits of the point, summed over its
/// evaluations) the isolation and refinement of `γ*` may spend, about 20 seconds here: beyond
/// it `γ*` is not given (the verdict at `γ` still is). A second bound beside
/// [`MAX_POLY_BITS`], for roots that take many bisections.
pub const MAX_ROOT_WORK: u128 = 250_000_000_000;

/// The default relative width of the isolating interval of `γ*`: `10⁻³⁰`.
pub const DEFAULT_PRECISION_DIGITS: u32 = 30;

/// The exact pencil `(W_C, W_D)` of an instance in the rational basis of `Sym(d)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactPencil {
    d: usize,
    pairs: Vec<(usize, usize)>,
    w_c: Matrix<BigRational>,
    w_d: Matrix<BigRational>,
}

/// The certified verdict at one rational `γ`.
#[derive(Debug, Clone, PartialEq)]
pub struct CertifiedVerdict {
    /// `γ` as the rational it was written as.
    pub gamma: BigRational,
    /// Whether `2C − γD ⪰ 0`, i.e. `ρ(L_γ) ≤ 1`: decided exactly.
    pub stable: bool,
    /// The PSD decision, with the evidence when not.
    pub psd: Psd,
}

/// `γ*` as an algebraic number: the smallest positive root of [`AlgebraicGamma::polynomial`],
/// the only root in `[lo, hi]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlgebraicGamma {
    /// A defining polynomial of `γ*` with coprime integer coefficients, constant term first:
    /// the square-free part of `det(2W_C − γW_D)` (not necessarily irreducible).
    pub polynomial: Vec<BigInt>,
    /// Lower end of the isolating interval (exact).
    pub lo: BigRational,
    /// Upper end (exact); `γ* ∈ (lo, hi]`.
    pub hi: BigRational,
}

/// The certified critical learning rate.
#[derive(Debug, Clone, PartialEq)]
pub enum CertifiedCritical {
    /// `γ*` is a finite algebraic number.
    Root(AlgebraicGamma),
    /// Every `γ > 0` is stable (`D = 0`).
    Unbounded,
    /// No `γ > 0` is stable (`H` has a negative eigenvalue: `W_C` is not PSD).
    NoneAccepted,
}

/// Both certified answers for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Certified {
    /// The verdict at the instance's `γ`.
    pub verdict: CertifiedVerdict,
    /// `γ*` as an algebraic number, or why it is not given (singular `H`).
    pub critical: std::result::Result<CertifiedCritical, String>,
    /// `Some(r)` when `d >` [`MAX_D`] and the answers were computed exactly on the range of the
    /// `H_i`, of exact rank `r ≤` [`MAX_D`] ([`ExactPencil::on_range`]).
    pub range_rank: Option<usize>,
}

/// A refusal on `certified`: beyond what exact arithmetic supports or can afford.
fn refuse(message: String) -> Error {
    Error::invalid(crate::error::ErrorKind::TooLarge, "certified", message)
}

/// A refusal on `certified`: a dimension exact arithmetic does not support.
fn unsupported(message: String) -> Error {
    Error::invalid(crate::error::ErrorKind::Unsupported, "certified", message)
}

fn q(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
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
    fn from_hessians(d: usize, hs: &[Matrix<BigRational>], c: &BigRational) -> Self {
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
                let wp = if i == j { q(1) } else { q(2) };
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
                let x = (hb(i, j) + hb(j, i)) / q(2);
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
                        q(1)
                    } else {
                        q(0)
                    }
                })
            })
            .collect();
        let tr = |a: &Matrix<BigRational>| (0..r).fold(q(0), |acc, k| acc + a.get(k, k));
        for (p, bp) in basis.iter().enumerate() {
            for (qi, bq) in basis.iter().enumerate() {
                let x = tr(&(&(&(bp * &h) * bq) * &w));
                let y = tr(&(&(&(bq * &h) * bp) * &w));
                pencil.w_c[(p, qi)] = (x + y) / q(2);
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
        self.w_c.zip_map(&self.w_d, |c, d| q(2) * c - gamma * d)
    }

    /// Whether `ρ(L_γ) ≤ 1` at the rational `gamma`, decided exactly.
    #[must_use]
    pub fn verdict(&self, gamma: &BigRational) -> CertifiedVerdict {
        let psd = is_psd(self.stability_matrix(gamma));
        CertifiedVerdict {
            gamma: gamma.clone(),
            stable: psd == Psd::Yes,
            psd,
        }
    }

    /// `γ*` as an algebraic number, its isolating interval refined until
    /// `hi − lo ≤ 10^{−digits} · hi`.
    ///
    /// For a singular `H ⪰ 0` the pencil is first restricted to a complement of `ker W_C`
    /// (null directions of `H`), after checking exactly that `W_D` vanishes there (otherwise no
    /// `γ > 0` is stable).
    ///
    /// # Errors
    /// None at present; the `Result` leaves room for refusals.
    pub fn critical_gamma(&self, digits: u32) -> Result<CertifiedCritical> {
        if let Psd::No(_) = is_psd(self.w_c.clone()) {
            return Ok(CertifiedCritical::NoneAccepted);
        }
        // Singular H: both forms must vanish on K = ker W_C (a PSD form that is zero at x has
        // x in its kernel), else no γ > 0 is stable; then they live on any complement of K, and
        // the pivots J of W_C's LDLᵀ index one (W_C[J, J] ≻ 0, |J| = rank).
        for x in null_space(self.w_c.clone()) {
            let leaks = (0..self.w_d.nrows()).any(|r| {
                !self
                    .w_d
                    .row(r)
                    .iter()
                    .zip(&x)
                    .fold(BigRational::zero(), |a, (w, v)| a + w * v)
                    .is_zero()
            });
            if leaks {
                return Ok(CertifiedCritical::NoneAccepted);
            }
        }
        let j = psd_pivots(self.w_c.clone());
        if j.is_empty() {
            return Ok(CertifiedCritical::Unbounded);
        }
        let reduced = Self {
            d: self.d,
            pairs: j.iter().map(|&p| self.pairs[p]).collect(),
            w_c: self.w_c.submatrix(&j, &j),
            w_d: self.w_d.submatrix(&j, &j),
        };
        reduced.critical_gamma_definite(digits)
    }

    /// [`ExactPencil::critical_gamma`] when `W_C ≻ 0`.
    fn critical_gamma_definite(&self, digits: u32) -> Result<CertifiedCritical> {
        let m = self.w_c.dim();
        // q(γ) = det(2W_C − γW_D) at γ = 0..=m, interpolated.
        let xs: Vec<BigRational> = (0..=m)
            .map(|k| q(i64::try_from(k).expect("small")))
            .collect();
        let ys: Vec<BigRational> = xs
            .iter()
            .map(|x| determinant(self.stability_matrix(x)))
            .collect();
        let poly = UPoly::interpolate(&xs, &ys);
        let poly_bits: u64 = poly.coeffs().iter().map(bits).sum();
        if poly_bits > MAX_POLY_BITS {
            return Err(refuse(format!(
                "its polynomial det(2W_C − γW_D) has coefficients of {poly_bits} bits in all, more than the limit of {MAX_POLY_BITS} (the inputs' decimals are too long or their exponents too large for exact root isolation)"
            )));
        }
        let f = poly.squarefree_euclid();
        if f.degree().unwrap_or(0) == 0 {
            return Ok(CertifiedCritical::Unbounded);
        }
        let sturm = Sturm::of(&f);
        let sturm_bits: u128 = sturm
            .members()
            .iter()
            .flat_map(UPoly::coeffs)
            .map(|c| u128::from(bits(c)))
            .sum();
        let spent = std::cell::Cell::new(0u128);
        let count = |a: &BigRational, b: &BigRational| -> Result<usize> {
            // Horner's rule on the sequence at a point of `bits(x)` bits.
            let cost = sturm_bits * u128::from(bits(a) + bits(b) + 64);
            spent.set(spent.get().saturating_add(cost));
            if spent.get() > MAX_ROOT_WORK {
                return Err(refuse(format!(
                    "isolating it exactly would take more than {MAX_ROOT_WORK} bit-operations (its Sturm sequence has {sturm_bits} bits); the inputs' decimals are too long or their exponents too large"
                )));
            }
            Ok(sturm.count(a, b))
        };

        let mut hi = f.cauchy_bound();
        let mut lo = BigRational::zero();
        if count(&lo, &hi)? == 0 {
            return Ok(CertifiedCritical::Unbounded);
        }
        // Isolate the smallest positive root in (lo, hi].
        while count(&lo, &hi)? > 1 {
            let mid = (&lo + &hi) / q(2);
            if count(&lo, &mid)? >= 1 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let rel = BigRational::new(
            BigInt::one(),
            num_traits::pow(BigInt::from(10), digits as usize),
        );
        while lo.is_zero() || &hi - &lo > &rel * &hi {
            let mid = (&lo + &hi) / q(2);
            if count(&lo, &mid)? == 1 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(CertifiedCritical::Root(AlgebraicGamma {
            polynomial: f.primitive_integer(),
            lo,
            hi,
        }))
    }
}

/// Both certified answers for `instance`: the verdict at its `γ` (as written) and `γ*` refined
/// to `digits` significant digits.
///
/// # Errors
/// As [`ExactPencil::of`] (too large for exact arithmetic; random reshuffling). A singular `H` is not an error: the
/// verdict is given and [`Certified::critical`] says why `γ*` is not.
pub fn certified(instance: &Instance, digits: u32) -> Result<Certified> {
    certified_exact(instance, None, digits)
}

/// [`certified`] on the numbers as written ([`crate::load::ExactInputs`]: the decimals of a JSON
/// file, `--gamma` as typed) rather than on the shortest decimals of the instance's `f64`s, which
/// can differ (`0.96000000000000000001` is the `f64` `0.96`). `None`: as [`certified`].
///
/// # Errors
/// As [`certified`].
pub fn certified_exact(
    instance: &Instance,
    exact: Option<crate::load::ExactInputs>,
    digits: u32,
) -> Result<Certified> {
    let (samples, gamma) = match exact {
        Some(e) => (e.samples, e.gamma),
        None => (
            decimal_samples(instance),
            rational_from_decimal_f64(instance.gamma().get()),
        ),
    };
    let d = instance.d();
    let (pencil, range_rank) = if d <= MAX_D {
        let hs = match samples {
            crate::load::ExactSamples::Hessians(hs) => hs,
            g @ crate::load::ExactSamples::Gradients(_) => crate::load::ExactInputs {
                samples: g,
                gamma: gamma.clone(),
            }
            .hessians(),
        };
        (ExactPencil::with_hessians(instance, Some(hs))?, None)
    } else {
        match ExactPencil::on_range(instance, &samples)? {
            Ok(p) => {
                let r = p.d();
                (p, Some(r))
            }
            Err(rank) => {
                return Err(unsupported(format!(
                    "certified (exact rational) mode supports d ≤ {MAX_D}, or a larger d whose H_i span a range of rank ≤ {MAX_D}; here d = {d} and the rank is at least {rank}"
                )))
            }
        }
    };
    let verdict = pencil.verdict(&gamma);
    let critical = match pencil.critical_gamma(digits) {
        Ok(c) => Ok(c),
        Err(Error::Input { message, .. }) => Err(message),
        Err(e) => return Err(e),
    };
    Ok(Certified {
        verdict,
        critical,
        range_rank,
    })
}

/// The samples read as the shortest decimals of their `f64`s (gradients kept as vectors).
fn decimal_samples(instance: &Instance) -> crate::load::ExactSamples {
    use crate::instance::Samples;
    match instance.samples() {
        Samples::Hessians(_) => {
            crate::load::ExactSamples::Hessians(hessians_exact(instance.samples()))
        }
        Samples::Gradients(g) => crate::load::ExactSamples::Gradients(
            (0..instance.n())
                .map(|i| {
                    g.row(i)
                        .iter()
                        .map(|&x| rational_from_decimal_f64(x))
                        .collect()
                })
                .collect(),
        ),
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
                    Matrix::from_fn(1, 1, |_, _| q(1)),
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
                    Matrix::from_fn(1, 1, |_, _| q(1)),
                    vec![Matrix::zeros(1, 1); hs.len()],
                )));
            }
            let r = t.len();
            let dot = |a: &[BigRational], b: &[BigRational]| {
                a.iter().zip(b).fold(q(0), |acc, (x, y)| acc + x * y)
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

/// `x` as a decimal string with `decimals` digits after the point, rounded down (`up = false`)
/// or up, so that an interval printed this way still contains what it contained.
#[must_use]
pub fn decimal(x: &BigRational, decimals: u32, up: bool) -> String {
    let scale = num_traits::pow(BigInt::from(10), decimals as usize);
    let scaled = x * BigRational::from_integer(scale);
    let int = if up { scaled.ceil() } else { scaled.floor() }.to_integer();
    let neg = int.is_negative();
    let digits = int.abs().to_string();
    let d = decimals as usize;
    let padded = if digits.len() <= d {
        format!("{}{digits}", "0".repeat(d + 1 - digits.len()))
    } else {
        digits
    };
    let (a, b) = padded.split_at(padded.len() - d);
    let sign = if neg { "-" } else { "" };
    if d == 0 {
        format!("{sign}{a}")
    } else {
        format!("{sign}{a}.{b}")
    }
}

impl AlgebraicGamma {
    /// The interval as decimal strings with enough digits to show `digits` significant digits
    /// of `γ*`, `lo` rounded down and `hi` rounded up (so it still contains `γ*`).
    #[must_use]
    pub fn decimal_interval(&self, digits: u32) -> (String, String) {
        // Digits after the point: `digits` significant digits of `hi`, plus two.
        let mut mag: i64 = 0;
        let ten = q(10);
        let mut x = self.hi.clone();
        while x >= ten {
            x /= &ten;
            mag += 1;
        }
        while x < BigRational::one() && mag > -400 {
            x *= &ten;
            mag -= 1;
        }
        let decimals = u32::try_from((i64::from(digits) + 2 - mag).max(0)).unwrap_or(0);
        (
            decimal(&self.lo, decimals, false),
            decimal(&self.hi, decimals, true),
        )
    }

    /// The midpoint of the interval as an `f64`.
    #[must_use]
    pub fn to_f64(&self) -> f64 {
        use num_traits::ToPrimitive;
        ((&self.lo + &self.hi) / q(2)).to_f64().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    /// A repeated root: every `H_i = I` (`d = 2`) gives `L_γ(Q) = (1 − γ)²Q`, so
    /// `det(2W_C − γW_D) = (2 − γ)³ det W_C` and its square-free part is `γ − 2`: `γ* = 2`,
    /// stable there (`ρ = 1`), and the verdict must say no just above it.
    #[test]
    fn a_repeated_root_gives_gamma_star_two_and_no_above_it() {
        let id = Matrix::identity(2);
        let pencil = ExactPencil::from_hessians(2, &[id.clone(), id], &r(1, 2));
        let CertifiedCritical::Root(g) = pencil.critical_gamma(30).unwrap() else {
            panic!("γ* = 2 expected");
        };
        assert_eq!(g.polynomial, vec![BigInt::from(-2), BigInt::from(1)]);
        assert!(g.lo < q(2) && q(2) <= g.hi, "({}, {}]", g.lo, g.hi);
        assert!(pencil.verdict(&q(2)).stable);
        let above = pencil.verdict(&(q(2) + r(1, 1_000_000)));
        assert!(!above.stable);
        assert!(matches!(above.psd, Psd::No(NotPsd::NegativePivot { .. })));
    }

    #[test]
    fn decimals_round_outward() {
        assert_eq!(decimal(&r(1, 3), 3, false), "0.333");
        assert_eq!(decimal(&r(1, 3), 3, true), "0.334");
        assert_eq!(decimal(&r(-5, 2), 0, true), "-2");
        assert_eq!(decimal(&r(1, 200), 2, true), "0.01");
    }
}
