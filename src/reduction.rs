//! Range reduction: an instance rewritten on the range of its Hessians, at a safe scale, so that
//! every quantity is computed in `r = rank` dimensions instead of `d` — exactly.
//!
//! # Why it is exact
//! Let `V ⊆ ℝ^d` be the sum of the ranges of the `H_i` (for PSD `H_i`, the range of `H`), with
//! an orthonormal basis `U` (`d×r`), and `W = V^⊥`. Every `H_i` vanishes on `W` and maps into
//! `V`, so `H_i = U Ã_i Uᵀ` with `Ã_i = Uᵀ H_i U` (`r×r`; gradients: `g̃_i = Uᵀ g_i`). Writing
//! `x = U y + z` with `z ∈ W`, linearized SGD is
//!
//! `y_{k+1} = (I − γÃ_{B_k}) y_k`, `z_{k+1} = z_k`,
//!
//! so `‖x_k‖² = ‖y_k‖² + ‖z_0‖²`: the null part never moves. On `Sym(d)` in the blocks of
//! `V ⊕ W`, the second-moment operator `L_γ(Q) = E[M_B Q M_B]` is
//! - `Q_VV ↦ L̃_γ(Q_VV)`, the reduced operator of the `Ã_i`;
//! - `Q_VW ↦ (I − γÃ) Q_VW` (the mean of `M_B` acts on one side only), eigenvalues `1 − γλ_j`;
//! - `Q_WW ↦ Q_WW`, eigenvalue exactly `1` (dimension `(d − r)(d − r + 1)/2`).
//!
//! `L_γ` maps the PSD cone into itself, so `ρ(L_γ)` is attained at a PSD eigenvector; a PSD
//! matrix with `Q_WW = 0` has `Q_VW = 0`, hence
//! `ρ(L_γ) = max(ρ(L̃_γ), 1)` when `r < d` and `ρ(L̃_γ)` when `r = d`. Stability
//! (`ρ ≤ 1`) is therefore decided on `V` alone, and `γ*_exact` is the reduced problem's. The
//! same block structure holds for Theorem 3.3's matrix `(I − γH)² + γ²cΣ = diag(reduced, I)`,
//! for `H = diag(H̃, 0)`, `Σ = diag(Σ̃, 0)`, and for random reshuffling's per-epoch operator
//! (a mean of congruences by block-diagonal products). The lifts are in [`Reduction`]'s methods.
//!
//! # Scale
//! The reduced instance is also rescaled by a power of two, `H_i ↦ 2^{-e} H_i`,
//! `γ ↦ 2^{e} γ` (`e` even, so gradients scale by `2^{-e/2}` exactly): `γH_B` and every verdict
//! are unchanged, every product is exact in binary floating point, and squares and fourth
//! powers of the entries (`H_i²`, `Σ`, `H_i ⊗ H_i`) neither underflow nor overflow. Critical
//! learning rates are multiplied back by `2^{-e}`, curvatures by `2^{e}`. Inputs whose largest
//! entry is already within `[2^-100, 2^100]` are used as they are (`e = 0`).
//!
//! # The basis
//! - Gradients with `N < d`: the Gram matrix `K = GGᵀ` (`N×N`) — `K = VΛVᵀ` gives the range
//!   of `H = GᵀG/N` with `g̃_i = (V_r Λ_r^{1/2})_i` (row `i`), so `H̃ = Λ_r/N` is diagonal and
//!   nothing of size `d×d` is ever formed (for `N = 1000`, `d = 10⁵`: an `N×N` product).
//! - Gradients with `N ≥ d`, and Hessians: the eigen-decomposition of `H` (of `mean_i |H_i|` if
//!   some `H_i` is indefinite: its range is the sum of the ranges of the `H_i`).
//!
//! Eigenvalues at most `null_space · λ_max` are dropped (the same tolerance that makes an
//! eigenvalue of `H` a null direction in the criteria); the rank `r`, the tolerance and the
//! route are reported. When nothing is dropped (`r = d`) the samples are used unrotated.

use crate::criteria::{CriterionResult, CriticalGamma};
use crate::error::{Error, Result};
use crate::instance::{Gradients, Instance, LearningRate, Samples};
use crate::linalg;
use crate::tolerance::Tolerances;
use faer::Mat;
use serde::Serialize;
use std::borrow::Cow;

/// How the basis of the reduced space was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Nothing was dropped (`r = d`): the samples are used in their own coordinates.
    Unreduced,
    /// Eigen-decomposition of the `N×N` Gram matrix `GGᵀ` of the gradients (`N < d`).
    GramOfGradients,
    /// Eigen-decomposition of `H` (`d×d`).
    EigenOfH,
    /// Eigen-decomposition of `mean_i |H_i|` (some `H_i` indefinite): the sum of their ranges.
    EigenOfMeanAbsH,
}

impl Route {
    /// The route in words.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unreduced => "none (H has full rank)",
            Self::GramOfGradients => "eigen-decomposition of the N×N Gram matrix GGᵀ",
            Self::EigenOfH => "eigen-decomposition of H",
            Self::EigenOfMeanAbsH => "eigen-decomposition of mean |H_i| (sum of the ranges)",
        }
    }
}

/// Whether an instance has directions on which every `H_i` vanishes (dropped by the
/// reduction), where the factor of `I − γH_B` is exactly 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullPart {
    /// `r = d`.
    Absent,
    /// `r < d`.
    Present,
}

/// What a report says about the reduction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReductionInfo {
    /// `d`, the parameter dimension of the input.
    pub d: usize,
    /// `r`, the dimension of the space every quantity was computed in (the sum of the ranges of
    /// the `H_i`).
    pub rank: usize,
    /// The relative rank tolerance: eigenvalues at most this times the largest were dropped.
    pub rank_tolerance: f64,
    /// How the basis was found.
    pub route: Route,
    /// `e`: the reduced instance is `2^{-e} H_i` with learning rate `2^{e} γ`.
    pub scale_exponent: i32,
}

impl ReductionInfo {
    /// `d − r`: the directions every `H_i` vanishes on, whose factor in `I − γH_B` is exactly 1.
    #[must_use]
    pub fn dropped(&self) -> usize {
        self.d - self.rank
    }
}

/// An instance rewritten on the range of its Hessians, at a power-of-two scale (see the module
/// docs): the reduced instance, and the lifts of its results back to the input.
#[derive(Debug, Clone)]
pub struct Reduction<'a> {
    original: &'a Instance,
    reduced: Cow<'a, Instance>,
    info: ReductionInfo,
    basis: Basis,
}

/// The data needed to map a vector `x ∈ ℝ^d` into the reduced coordinates.
#[derive(Debug, Clone)]
enum Basis {
    /// `y = x`.
    Identity,
    /// `U` (`d×r`), orthonormal: `y = Uᵀx`.
    Explicit(Mat<f64>),
    /// `U = Gᵀ V_r S_r^{-1}` (`G` the input gradients, `S_r = Λ_r^{1/2}` of `GGᵀ` at the input
    /// scale): `y = S_r^{-1} V_rᵀ (G x)`. Holds `V_r S_r^{-1}` (`N×r`).
    Gram(Mat<f64>),
}

/// Largest entries of the input (of `H_i`, or `g_ik²`) within `[2^-LIMIT, 2^LIMIT]` are used
/// unscaled.
const SAFE_EXPONENT: i32 = 100;

impl<'a> Reduction<'a> {
    /// The reduction of `instance` under the null-space tolerance of `tol`.
    ///
    /// # Errors
    /// [`Error::Input`] on `gamma` if `γ` rescaled with the data (`2^{e}γ`) is not a positive
    /// normal f64 (`γ·‖H‖` beyond about `1e±300`); a numerical failure of an
    /// eigen-decomposition.
    pub fn of(instance: &'a Instance, tol: &Tolerances) -> Result<Self> {
        let d = instance.d();
        check_memory(instance)?;
        let e = scale_exponent(instance.samples());
        let gamma = rescaled_gamma(instance.gamma().get(), e)?;
        let scaled: Cow<'_, Samples> = if e == 0 {
            Cow::Borrowed(instance.samples())
        } else {
            Cow::Owned(scaled_samples(instance.samples(), e))
        };
        let (samples, route, basis) = reduce(&scaled, e, tol)?;
        let rank = samples.as_ref().map_or(d, Samples::d);
        let reduced = match samples {
            None if e == 0 => Cow::Borrowed(instance),
            None => Cow::Owned(rebuild(instance, scaled.into_owned(), gamma)?),
            Some(s) => Cow::Owned(rebuild(instance, s, gamma)?),
        };
        Ok(Self {
            original: instance,
            reduced,
            info: ReductionInfo {
                d,
                rank,
                rank_tolerance: tol.null_space.value(),
                route,
                scale_exponent: e,
            },
            basis,
        })
    }

    /// The reduced instance: `r`-dimensional samples at scale `2^{-e}`, learning rate `2^{e}γ`,
    /// the same `B`, sampling scheme and name.
    #[must_use]
    pub fn instance(&self) -> &Instance {
        &self.reduced
    }

    /// The input instance.
    #[must_use]
    pub fn original(&self) -> &'a Instance {
        self.original
    }

    /// The input at the working scale, in all `d` dimensions (`2^{-e} H_i`, `2^{e}γ`): borrowed
    /// when `e = 0`. For the small-`d` checks that enumerate `d×d` matrices.
    ///
    /// # Errors
    /// As [`Reduction::of`] (not expected: the same rescaling succeeded there).
    pub fn normalized(&self) -> Result<Cow<'a, Instance>> {
        let e = self.info.scale_exponent;
        if e == 0 {
            return Ok(Cow::Borrowed(self.original));
        }
        let gamma = rescaled_gamma(self.original.gamma().get(), e)?;
        Ok(Cow::Owned(rebuild(
            self.original,
            scaled_samples(self.original.samples(), e),
            gamma,
        )?))
    }

    /// What was reduced, how, and at which scale.
    #[must_use]
    pub fn info(&self) -> ReductionInfo {
        self.info
    }

    /// Whether directions were dropped (`r < d`), where the factor of `I − γH_B` is exactly 1.
    #[must_use]
    pub fn has_null_part(&self) -> bool {
        self.info.rank < self.info.d
    }

    /// [`NullPart::Present`] when directions were dropped.
    #[must_use]
    pub fn null_part(&self) -> NullPart {
        if self.has_null_part() {
            NullPart::Present
        } else {
            NullPart::Absent
        }
    }

    /// `2^{-e}`: a learning rate of the reduced instance times this is one of the input.
    fn gamma_factor(&self) -> f64 {
        pow2(-self.info.scale_exponent)
    }

    /// A learning rate of the reduced instance, at the input's scale.
    #[must_use]
    pub fn gamma(&self, reduced: f64) -> f64 {
        reduced * self.gamma_factor()
    }

    /// A critical learning rate of the reduced instance, at the input's scale.
    #[must_use]
    pub fn critical(&self, reduced: CriticalGamma) -> CriticalGamma {
        reduced.scaled(self.gamma_factor())
    }

    /// A curvature (eigenvalue of `H`, `tr H`, `√λ_max(Σ)`) of the reduced instance, at the
    /// input's scale.
    #[must_use]
    pub fn curvature(&self, reduced: f64) -> f64 {
        reduced * pow2(self.info.scale_exponent)
    }

    /// A spectral radius (or Theorem 3.3's `λ_max`) of the reduced operator, lifted to `ℝ^d`:
    /// `max(ρ̃, 1)` when directions were dropped (their factor is exactly 1).
    #[must_use]
    pub fn radius(&self, reduced: f64) -> f64 {
        if self.has_null_part() {
            reduced.max(1.0)
        } else {
            reduced
        }
    }

    /// A criterion whose value is a dimensionless factor compared with 1 (Theorem 3.3,
    /// `ρ(L_γ)`), lifted: value [`Reduction::radius`], critical `γ` rescaled.
    #[must_use]
    pub fn lift_factor_criterion(&self, c: CriterionResult) -> CriterionResult {
        let value = self.radius(c.value);
        CriterionResult {
            value,
            threshold: c.threshold,
            margin: c.threshold - value,
            critical_gamma: self.critical(c.critical_gamma),
            verdict: c.verdict,
        }
    }

    /// A criterion comparing a curvature with `2/γ` (GD, Theorem 3.5), lifted: `value` is the
    /// input-scale curvature, the threshold `2/γ` at the input's `γ`.
    #[must_use]
    pub fn lift_curvature_criterion(&self, c: CriterionResult, value: f64) -> CriterionResult {
        let threshold = 2.0 / self.original.gamma().get();
        CriterionResult {
            value,
            threshold,
            margin: threshold - value,
            critical_gamma: self.critical(c.critical_gamma),
            verdict: c.verdict,
        }
    }

    /// The reduced coordinates `y = Uᵀx` of a vector `x ∈ ℝ^d`, and `‖x − Uy‖²`, the squared
    /// norm of its part in the dropped directions (which linearized SGD never moves).
    ///
    /// # Panics
    /// If `x` does not have length `d`.
    #[must_use]
    pub fn split(&self, x: &[f64]) -> (Vec<f64>, f64) {
        assert_eq!(x.len(), self.info.d, "x must have length d");
        let col = |v: &[f64]| Mat::from_fn(v.len(), 1, |i, _| v[i]);
        let y: Vec<f64> = match &self.basis {
            Basis::Identity => return (x.to_vec(), 0.0),
            Basis::Explicit(u) => {
                let y = linalg::product(u.transpose(), col(x).as_ref(), 1.0);
                (0..y.nrows()).map(|i| y[(i, 0)]).collect()
            }
            Basis::Gram(vs) => {
                let Samples::Gradients(g) = self.original.samples() else {
                    unreachable!("the Gram route is taken for gradients only")
                };
                let gx = linalg::product(g.matrix(), col(x).as_ref(), 1.0);
                let y = linalg::product(vs.transpose(), gx.as_ref(), 1.0);
                (0..y.nrows()).map(|i| y[(i, 0)]).collect()
            }
        };
        let back = self.embed(&y);
        let rest = x.iter().zip(&back).map(|(a, b)| (a - b) * (a - b)).sum();
        (y, rest)
    }

    /// `U y ∈ ℝ^d` for reduced coordinates `y`.
    ///
    /// # Panics
    /// If `y` does not have length `r`.
    #[must_use]
    pub fn embed(&self, y: &[f64]) -> Vec<f64> {
        assert_eq!(y.len(), self.info.rank, "y must have length r");
        let col = |v: &[f64]| Mat::from_fn(v.len(), 1, |i, _| v[i]);
        let out = match &self.basis {
            Basis::Identity => return y.to_vec(),
            Basis::Explicit(u) => linalg::product(u.as_ref(), col(y).as_ref(), 1.0),
            Basis::Gram(vs) => {
                let Samples::Gradients(g) = self.original.samples() else {
                    unreachable!("the Gram route is taken for gradients only")
                };
                // U y = Gᵀ (V_r S_r^{-1} y).
                let w = linalg::product(vs.as_ref(), col(y).as_ref(), 1.0);
                linalg::product(g.matrix().transpose(), w.as_ref(), 1.0)
            }
        };
        (0..out.nrows()).map(|i| out[(i, 0)]).collect()
    }
}

/// Refuse, before allocating, a reduction whose matrices do not fit the memory budget
/// ([`crate::limits::MemoryBudget`]): the `N×N` Gram matrix with its eigen-decomposition (about
/// four `N×N` matrices) for gradients with `N < d`, else `H` with its eigen-decomposition (and
/// `mean |H_i|`: about five `d×d` matrices), plus a rescaled copy of the samples when their scale
/// needs it.
fn check_memory(instance: &Instance) -> Result<()> {
    let (n, d) = (instance.n() as u128, instance.d() as u128);
    let (what, matrices) = match instance.samples() {
        Samples::Gradients(_) if n < d => (
            format!("the range reduction (the {n}×{n} Gram matrix of the gradients and its eigen-decomposition)"),
            4 * n * n,
        ),
        _ => (
            format!("the range reduction (H, {d}×{d}, and its eigen-decomposition)"),
            5 * d * d,
        ),
    };
    let field = if instance.samples().is_gradient_form() {
        "gradients"
    } else {
        "hessians"
    };
    let copy = match instance.samples() {
        Samples::Gradients(_) => n * d,
        Samples::Hessians(_) => n * d * d,
    };
    let bytes = 8 * matrices.saturating_add(if scale_exponent(instance.samples()) == 0 {
        0
    } else {
        copy
    });
    crate::limits::MemoryBudget::current().check(field, what, bytes)
}

/// `2^k`, exactly (for `|k| ≤ 1022`).
fn pow2(k: i32) -> f64 {
    2f64.powi(k)
}

/// The even exponent `e` with `2^{-e}·max` near 1, where `max` is the largest `|H_i|` entry
/// (`g_ik²` for gradients); `0` when `max` is already within `[2^-100, 2^100]` or zero.
fn scale_exponent(samples: &Samples) -> i32 {
    let max = match samples {
        Samples::Hessians(hs) => hs
            .iter()
            .map(|h| linalg::max_abs(h.as_ref()))
            .fold(0.0, f64::max),
        Samples::Gradients(g) => {
            // Contiguous rows g_i (the N×d view is strided).
            let m = (0..g.matrix().nrows())
                .map(|i| linalg::max_abs_slice(g.row(i)))
                .fold(0.0_f64, f64::max);
            // m² may overflow or underflow; its exponent is 2·exponent(m).
            return even_exponent_of_square(m);
        }
    };
    even_exponent(max)
}

fn even_exponent(max: f64) -> i32 {
    if max == 0.0 || !max.is_finite() {
        return 0;
    }
    let k = max.log2();
    if k.abs() <= f64::from(SAFE_EXPONENT) {
        return 0;
    }
    2 * (k / 2.0).round() as i32
}

fn even_exponent_of_square(m: f64) -> i32 {
    if m == 0.0 || !m.is_finite() {
        return 0;
    }
    let k = 2.0 * m.log2();
    if k.abs() <= f64::from(SAFE_EXPONENT) {
        return 0;
    }
    2 * (k / 2.0).round() as i32
}

/// `2^{e}γ`, refused unless it is a positive normal f64.
fn rescaled_gamma(gamma: f64, e: i32) -> Result<f64> {
    let g = gamma * pow2(e);
    if g.is_finite() && g >= f64::MIN_POSITIVE {
        return Ok(g);
    }
    let log10 = gamma.log10() + f64::from(e) * std::f64::consts::LOG10_2;
    Err(Error::input(
        "gamma",
        format!(
            "γ = {gamma:e} with Hessian entries of order 2^{e} gives γ·‖H‖ of order 1e{log10:.0}, outside the f64 range: no verdict can be computed (rescale γ or the data)"
        ),
    ))
}

/// The samples times `2^{-e}` (Hessians) or `2^{-e/2}` (gradients), `e` even.
fn scaled_samples(samples: &Samples, e: i32) -> Samples {
    match samples {
        Samples::Hessians(hs) => {
            let f = pow2(-e);
            Samples::Hessians(hs.iter().map(|h| h * faer::Scale(f)).collect())
        }
        Samples::Gradients(g) => {
            let f = pow2(-e / 2);
            let gt = g.matrix().transpose();
            Samples::Gradients(Gradients::from_transposed(Mat::from_fn(
                gt.nrows(),
                gt.ncols(),
                |i, j| gt[(i, j)] * f,
            )))
        }
    }
}

fn rebuild(instance: &Instance, samples: Samples, gamma: f64) -> Result<Instance> {
    Instance::new(
        instance.name(),
        samples,
        LearningRate::new(gamma)?,
        instance.batch_size(),
        instance.sampling(),
    )
}

/// The reduced samples (`None` when `r = d`), the route, and the basis map.
fn reduce(samples: &Samples, e: i32, tol: &Tolerances) -> Result<(Option<Samples>, Route, Basis)> {
    let (n, d) = (samples.n(), samples.d());
    match samples {
        Samples::Gradients(g) if n < d => {
            crate::progress::phase(|| {
                format!("range reduction: Gram matrix GGᵀ ({n}×{n}, length {d})")
            });
            // K = GGᵀ at the working scale; its eigenvalues are N times those of H.
            let g = g.matrix();
            let k = linalg::symmetrized(linalg::gram(g).as_ref());
            let (mu, v) = linalg::sym_eigen(k.as_ref())?;
            let keep = kept(&mu, tol);
            if keep.is_empty() {
                return Ok(zero_instance(samples, Route::GramOfGradients));
            }
            // g̃_i = (V_r S_r)_i with S_r = diag(√μ_j), ordered by decreasing μ.
            let r = keep.len();
            let s: Vec<f64> = keep.iter().map(|&j| mu[j].sqrt()).collect();
            let gt = Mat::from_fn(r, n, |k, i| v[(i, keep[k])] * s[k]);
            // The map into reduced coordinates uses the input's G: S_r at the input scale is
            // 2^{e/2} S_r at the working scale.
            let f = pow2(e / 2);
            let vs = Mat::from_fn(n, r, |i, k| v[(i, keep[k])] / (s[k] * f));
            Ok((
                Some(Samples::Gradients(Gradients::from_transposed(gt))),
                Route::GramOfGradients,
                Basis::Gram(vs),
            ))
        }
        _ => {
            crate::progress::phase(|| {
                format!("range reduction: eigen-decomposition of H ({d}×{d})")
            });
            let h = mean_h(samples);
            let (mu, u) = linalg::sym_eigen(h.as_ref())?;
            let keep = kept(&mu, tol);
            if keep.len() == d {
                return Ok((None, Route::Unreduced, Basis::Identity));
            }
            // H is rank-deficient. Its range holds every H_i's when they are PSD; otherwise
            // the sum of their ranges is the range of mean |H_i|.
            let (u, keep, route) = match mean_abs_if_indefinite(samples, tol)? {
                None => (u, keep, Route::EigenOfH),
                Some(abs) => {
                    let (mu, u) = linalg::sym_eigen(abs.as_ref())?;
                    let keep = kept(&mu, tol);
                    if keep.len() == d {
                        return Ok((None, Route::Unreduced, Basis::Identity));
                    }
                    (u, keep, Route::EigenOfMeanAbsH)
                }
            };
            if keep.is_empty() {
                return Ok(zero_instance(samples, route));
            }
            let ur = Mat::from_fn(d, keep.len(), |i, k| u[(i, keep[k])]);
            let reduced = rotated(samples, &ur);
            Ok((Some(reduced), route, Basis::Explicit(ur)))
        }
    }
}

/// Every `H_i` vanishes (within the tolerance): one direction is kept, on which every sample is
/// zero, so that the reduced instance is a valid `1`-dimensional one (`H = 0`: every `γ` is
/// stable; the other `d − 1` directions are lifted as null directions).
fn zero_instance(samples: &Samples, route: Route) -> (Option<Samples>, Route, Basis) {
    let (n, d) = (samples.n(), samples.d());
    let reduced = match samples {
        Samples::Gradients(_) => {
            Samples::Gradients(Gradients::from_transposed(Mat::<f64>::zeros(1, n)))
        }
        Samples::Hessians(_) => Samples::Hessians(vec![Mat::<f64>::zeros(1, 1); n]),
    };
    let e1 = Mat::from_fn(d, 1, |i, _| if i == 0 { 1.0 } else { 0.0 });
    (Some(reduced), route, Basis::Explicit(e1))
}

/// Indices of the eigenvalues with `|μ|` above `null_space · max|μ|` (the range, of either
/// sign), from the largest `μ` down.
fn kept(mu: &[f64], tol: &Tolerances) -> Vec<usize> {
    let scale = mu.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let cut = tol.null_space.at_scale(scale);
    (0..mu.len()).rev().filter(|&j| mu[j].abs() > cut).collect()
}

/// `H = mean_i H_i` (`GᵀG/N` for gradients).
fn mean_h(samples: &Samples) -> Mat<f64> {
    let n = samples.n() as f64;
    match samples {
        Samples::Gradients(g) => {
            let g = g.matrix();
            linalg::symmetrized(linalg::product(g.transpose(), g, 1.0 / n).as_ref())
        }
        Samples::Hessians(hs) => {
            let d = samples.d();
            let mut h = Mat::<f64>::zeros(d, d);
            for hi in hs {
                h += hi;
            }
            linalg::symmetrized((h * faer::Scale(1.0 / n)).as_ref())
        }
    }
}

/// `mean_i |H_i|` (`|H_i| = U_i|Λ_i|U_iᵀ`) if some `H_i` has a negative eigenvalue beyond the
/// null-space tolerance (relative to `‖H_i‖₂`); `None` if every `H_i` is PSD (then the range of
/// `H` is the sum of their ranges). Gradients are PSD.
fn mean_abs_if_indefinite(samples: &Samples, tol: &Tolerances) -> Result<Option<Mat<f64>>> {
    let Samples::Hessians(hs) = samples else {
        return Ok(None);
    };
    let (n, d) = (samples.n() as f64, samples.d());
    let mut abs = Mat::<f64>::zeros(d, d);
    let mut indefinite = false;
    for h in hs {
        let (w, u) = linalg::sym_eigen(h.as_ref())?;
        let scale = w.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        indefinite |= w.iter().any(|&l| l < -tol.null_space.at_scale(scale));
        let ua = Mat::from_fn(d, d, |i, k| u[(i, k)] * w[k].abs() / n);
        linalg::add_product(&mut abs, ua.as_ref(), u.transpose(), 1.0);
    }
    Ok(indefinite.then(|| linalg::symmetrized(abs.as_ref())))
}

/// The samples in the coordinates `u` (`d×r`, orthonormal columns): `UᵀH_iU`, or `Uᵀg_i`.
pub(crate) fn rotated(samples: &Samples, u: &Mat<f64>) -> Samples {
    match samples {
        Samples::Hessians(hs) => Samples::Hessians(
            hs.iter()
                .map(|h| {
                    let t = linalg::product(u.transpose(), h.as_ref(), 1.0);
                    linalg::symmetrized(linalg::product(t.as_ref(), u.as_ref(), 1.0).as_ref())
                })
                .collect(),
        ),
        Samples::Gradients(g) => Samples::Gradients(Gradients::from_transposed(linalg::product(
            u.transpose(),
            g.matrix().transpose(),
            1.0,
        ))),
    }
}
