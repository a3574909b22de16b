//! The exact critical learning rate `γ* = 2/λ_max(C̃^{-1/2} D̃ C̃^{-1/2})` (Mulayoff & Michaeli's
//! `2/λ_max(C†D)`), computed in the eigenbasis of `H`.

use super::basis::{mirror_lower, SymBasis};
use super::eigenbasis::InEigenbasis;
use super::lanczos;
use super::operator::{dense_mean_congruence, Computed};
use super::MeanSquareParams;
use crate::criteria::{thm33_critical_gamma, CriticalGamma, HSpectrum};
use crate::error::Result;
use crate::instance::Samples;
use crate::linalg;
use crate::moments::Moments;
use crate::tolerance::RelTol;
use faer::Mat;

/// The largest `γ` with `ρ(L_γ) ≤ 1`: exact mean-square stability holds exactly on `(0, γ*]`.
///
/// Derivation. `L_γ = I − 2γC + γ²D` on `Sym(d)`, all three self-adjoint, and
/// `ρ(L_γ) = λ_max(L_γ)` (it preserves the PSD cone), so `ρ ≤ 1 ⇔ γD ⪯ 2C`. For fixed `Q`
/// the condition `γ⟨Q, DQ⟩ ≤ 2⟨Q, CQ⟩` holds on an interval `(0, ·]` when `C ⪰ 0`, so the
/// stable set is an interval. In the eigenbasis `H = UΛUᵀ`, `C` is diagonal: `(λ_i + λ_j)/2`
/// on the basis element of the pair `(i, j)`. Cases:
/// - `H` has a negative eigenvalue `λ`: with `Q = uuᵀ`, `⟨Q, CQ⟩ = λ < 0 ≤ E[(uᵀH_Bu)²]`, so
///   no `γ > 0` is stable.
/// - On the null-null pairs (`λ_i = λ_j = 0`) `C = 0`, so `D` must vanish on their rows
///   (`2C − γD ⪰ 0` with a zero diagonal block); this holds iff `c = 0` or every `H_i`
///   vanishes on `null(H)`, i.e. iff `U_0ᵀ(H² + cΣ)U_0 = c·mean (H_iU_0)ᵀ(H_iU_0) = 0` —
///   exactly Theorem 3.3's null-space test, which is reused (same tolerance), so the two
///   criteria agree on when no `γ` is accepted. Null directions then have factor exactly 1:
///   stable for every `γ`.
/// - The mixed pairs (range × null) then have `D = 0` and contribute nothing; what remains is
///   `Sym(r)` on the range of `H` (`r = rank H`), where `C̃ ≻ 0` and
///   `γ* = 2/λ_max(C̃^{-1/2} D̃ C̃^{-1/2})`, with `D̃(X) = (1 − c)ΛXΛ + c·mean_i H̃_i X H̃_i`,
///   `H̃_i = U_rᵀ H_i U_r` (gradients: `g̃_i = U_rᵀ g_i`). `λ_max > 0` there, since
///   `D̃ ⪰ λ_i²` on `E_ii`.
/// - `H = 0` and every `H_i` vanishes: every `γ` is stable.
/// - `c = 0` (`B = N` without replacement: GD): `D̃ = S(Λ)` is diagonal and `γ* = 2/λ_max(H)`.
///
/// A leak of the `H_i` into `null(H)` below the tolerance is treated as zero, as in
/// Theorem 3.3 (the cross terms it would add are dropped).
///
/// The dense route forms the `r(r+1)/2` matrix when `r ≤ params.dense_max_d`; above it,
/// Lanczos runs on `C̃^{-1/2} D̃ C̃^{-1/2}` applied matrix-free.
///
/// # Errors
/// A numerical failure of a dense eigenvalue computation. Lanczos does not fail: an unconverged
/// run is reported in [`CriticalSolve::computed`] with its residual.
pub fn critical_gamma_exact(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    null_space: RelTol,
    params: &MeanSquareParams,
) -> Result<CriticalSolve> {
    critical_gamma_exact_from(samples, moments, spec, c, null_space, params, None)
}

/// [`critical_gamma_exact`], with Lanczos started from `warm` (the eigenvector
/// [`CriticalSolve::vector`] of a nearby problem with the same samples, e.g. the previous batch
/// size of a sweep) mixed with the identity, which keeps the start from being orthogonal to the
/// top eigenvector. The answer does not depend on the start, only the iteration count does.
#[allow(clippy::too_many_arguments)]
pub(crate) fn critical_gamma_exact_from(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    null_space: RelTol,
    params: &MeanSquareParams,
    warm: Option<&[f64]>,
) -> Result<CriticalSolve> {
    let closed = |gamma| CriticalSolve {
        gamma,
        computed: Computed::ClosedForm,
        influence: None,
        vector: None,
    };
    if thm33_critical_gamma(moments, spec, c, null_space)? == CriticalGamma::NoneAccepted {
        // H not PSD, or the H_i do not vanish on null(H): no γ > 0 is stable (see above).
        return Ok(closed(CriticalGamma::NoneAccepted));
    }
    let pos = spec.positive_indices();
    if pos.is_empty() {
        return Ok(closed(CriticalGamma::Unbounded));
    }
    if c == 0.0 {
        // D̃ = S(Λ) is diagonal: λ_iλ_j · 2/(λ_i + λ_j) on (i, j), largest at i = j = max.
        return Ok(closed(CriticalGamma::two_over(spec.sharpness(), 0.0)));
    }
    let r = pos.len();
    let basis = SymBasis::new(r);
    if !params.dense_for(r) {
        super::check_lanczos_memory(samples, params)?;
    }
    let eig = InEigenbasis::of(samples, spec, &pos);
    let lambda = &eig.lambda;
    // s_p = C̃_pp^{-1/2} = (2/(λ_i + λ_j))^{1/2}.
    let s: Vec<f64> = (0..basis.dim())
        .map(|p| {
            let (i, j) = basis.pair(p);
            (2.0 / (lambda[i] + lambda[j])).sqrt()
        })
        .collect();
    if params.dense_for(r) {
        let mut k = dense_mean_congruence(&basis, &eig.samples, c);
        for p in 0..basis.dim() {
            let (i, j) = basis.pair(p);
            // (1 − c) S(Λ) is diagonal: λ_i λ_j on the pair (i, j).
            k[(p, p)] += (1.0 - c) * lambda[i] * lambda[j];
        }
        for q in 0..basis.dim() {
            for p in q..basis.dim() {
                k[(p, q)] *= s[p] * s[q];
            }
        }
        mirror_lower(&mut k);
        let (values, vectors) = linalg::sym_eigen(k.as_ref())?;
        let top = values.len() - 1;
        let k_max = values[top];
        let z: Vec<f64> = (0..basis.dim()).map(|p| vectors[(p, top)]).collect();
        return Ok(CriticalSolve {
            gamma: CriticalGamma::two_over(k_max, 0.0),
            computed: Computed::Dense { dim: basis.dim() },
            influence: Some(influence(&eig, &basis, &s, &z, k_max, c)),
            vector: None,
        });
    }
    let apply = |x: &[f64]| {
        let scaled: Vec<f64> = x.iter().zip(&s).map(|(a, b)| a * b).collect();
        let xm = basis.matrix(&scaled);
        let y = eig.apply_d(xm.as_ref(), c);
        let mut out = basis.coordinates(y.as_ref());
        out.iter_mut().zip(&s).for_each(|(a, b)| *a *= b);
        out
    };
    let mut start = basis.coordinates(Mat::<f64>::identity(r, r).as_ref());
    if let Some(w) = warm.filter(|w| w.len() == start.len()) {
        // The identity has norm √r; the warm vector, norm 1, dominates the mix.
        let f = 1e-3 / (r as f64).sqrt();
        start.iter_mut().zip(w).for_each(|(a, b)| *a = f * *a + b);
    }
    let (info, z) = lanczos::largest_eigenpair(basis.dim(), apply, &start, &params.lanczos);
    Ok(CriticalSolve {
        gamma: CriticalGamma::two_over(info.value, 0.0),
        computed: Computed::Lanczos(info),
        influence: Some(influence(&eig, &basis, &s, &z, info.value, c)),
        vector: Some(z),
    })
}

/// `dγ*/dw_i` for every sample: the derivative of `γ* = 2/μ` with respect to sample `i`'s weight
/// in every mean (`H = (1/N) Σ w_i H_i`, `mean H_iXH_i = (1/N) Σ w_i H_iXH_i`), at `w = 1`.
///
/// With the top generalized eigenvector `Y` of `DY = μCY` normalized by `⟨Y, CY⟩ = 1`
/// (`Y = C̃^{-1/2}z` for the unit eigenvector `z` of `C̃^{-1/2}D̃C̃^{-1/2}`), first-order
/// perturbation theory gives `dμ/dw_i = ⟨Y, (∂D/∂w_i − μ ∂C/∂w_i) Y⟩` with
/// `⟨Y, ∂C/∂w_i Y⟩ = tr(H_iY²)/N` and
/// `⟨Y, ∂D/∂w_i Y⟩ = (2(1 − c) tr(H_iYHY) + c tr(H_iYH_iY))/N`; then
/// `dγ*/dw_i = −(2/μ²) dμ/dw_i`. Negative: up-weighting sample `i` lowers `γ*`. (Valid when `μ`
/// is a simple eigenvalue.)
fn influence(
    eig: &InEigenbasis,
    basis: &SymBasis,
    s: &[f64],
    z: &[f64],
    mu: f64,
    c: f64,
) -> Vec<f64> {
    let scaled: Vec<f64> = z.iter().zip(s).map(|(a, b)| a * b).collect();
    let y = basis.matrix(&scaled);
    let (r, lambda) = (eig.dim(), &eig.lambda);
    let n = eig.samples.n() as f64;
    let per_sample = |t_hyhy: f64, t_hiy_sq: f64, t_hy2: f64| {
        let dmu = (2.0 * (1.0 - c) * t_hyhy + c * t_hiy_sq - mu * t_hy2) / n;
        -2.0 / (mu * mu) * dmu
    };
    match &eig.samples {
        Samples::Gradients(g) => {
            let gt = g.matrix().transpose(); // r×N
            let yg = linalg::product_par(y.as_ref(), gt, 1.0); // column i: Y g_i
            (0..gt.ncols())
                .map(|i| {
                    let (mut hyhy, mut giy, mut y2) = (0.0, 0.0, 0.0);
                    for j in 0..r {
                        let v = yg[(j, i)];
                        hyhy += lambda[j] * v * v;
                        giy += gt[(j, i)] * v;
                        y2 += v * v;
                    }
                    per_sample(hyhy, giy * giy, y2)
                })
                .collect()
        }
        Samples::Hessians(hs) => hs
            .iter()
            .map(|h| {
                let m = linalg::product(h.as_ref(), y.as_ref(), 1.0); // H_i Y
                let (mut hyhy, mut sq, mut y2) = (0.0, 0.0, 0.0);
                for j in 0..r {
                    for k in 0..r {
                        hyhy += m[(j, k)] * lambda[k] * y[(k, j)];
                        sq += m[(j, k)] * m[(k, j)];
                        y2 += m[(j, k)] * y[(k, j)];
                    }
                }
                per_sample(hyhy, sq, y2)
            })
            .collect(),
    }
}

/// `γ*_exact` and how its eigenvalue was found.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalSolve {
    /// `γ*_exact`. From an unconverged Lanczos run ([`Computed::Lanczos`] with
    /// `converged = false`) it is an upper bound: the Ritz value is at most `λ_max`.
    pub gamma: CriticalGamma,
    /// The route: closed form (`H` not PSD, `H = 0`, or `c = 0`), dense, or Lanczos with its
    /// residual.
    pub computed: Computed,
    /// `dγ*/dw_i` for every sample `i` (see [`critical_gamma_exact`]'s eigenvector): which
    /// samples set `γ*`. `None` in closed form (`c = 0`: `γ* = 2/λ_max(H)`; `H` not PSD; `H = 0`).
    pub influence: Option<Vec<f64>>,
    /// The unit top eigenvector of `C̃^{-1/2}D̃C̃^{-1/2}` from the Lanczos route (`None` on the
    /// others): a warm start for a nearby problem.
    pub vector: Option<Vec<f64>>,
}
