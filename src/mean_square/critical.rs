//! The exact critical learning rate `γ* = 2/λ_max(C̃^{-1/2} D̃ C̃^{-1/2})` (Mulayoff & Michaeli's
//! `2/λ_max(C†D)`), computed in the eigenbasis of `H`.

use super::basis::{mirror_lower, SymBasis};
use super::lanczos;
use super::operator::{dense_mean_congruence, mean_congruence};
use super::Params;
use crate::criteria::{thm33_critical_gamma, CriticalGamma, HSpectrum};
use crate::error::Result;
use crate::instance::{Gradients, Samples};
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
///
/// A leak of the `H_i` into `null(H)` below the tolerance is treated as zero, as in
/// Theorem 3.3 (the cross terms it would add are dropped).
///
/// The dense route forms the `r(r+1)/2` matrix when `r ≤ params.dense_max_d`; above it,
/// Lanczos runs on `C̃^{-1/2} D̃ C̃^{-1/2}` applied matrix-free.
///
/// # Errors
/// A numerical failure of an eigenvalue computation, or Lanczos not converging (the error
/// states the residual reached).
pub fn critical_gamma_exact(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    null_space: RelTol,
    params: &Params,
) -> Result<CriticalGamma> {
    if thm33_critical_gamma(moments, spec, c, null_space)? == CriticalGamma::NoneAccepted {
        // H not PSD, or the H_i do not vanish on null(H): no γ > 0 is stable (see above).
        return Ok(CriticalGamma::NoneAccepted);
    }
    let pos = spec.positive_indices();
    if pos.is_empty() {
        return Ok(CriticalGamma::Unbounded);
    }
    let d = samples.d();
    let u = Mat::from_fn(d, pos.len(), |i, k| spec.eigenvectors[(i, pos[k])]);
    let lambda: Vec<f64> = pos.iter().map(|&j| spec.eigenvalues[j]).collect();
    let reduced = rotated(samples, &u);
    let basis = SymBasis::new(pos.len());
    // s_p = C̃_pp^{-1/2} = (2/(λ_i + λ_j))^{1/2}.
    let s: Vec<f64> = (0..basis.dim())
        .map(|p| {
            let (i, j) = basis.pair(p);
            (2.0 / (lambda[i] + lambda[j])).sqrt()
        })
        .collect();
    let k_max = if params.dense_for(pos.len()) {
        let mut k = dense_mean_congruence(&basis, &reduced, c);
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
        linalg::sym_lambda_max(k.as_ref())?.expect("r ≥ 1")
    } else {
        let r = pos.len();
        let apply = |x: &[f64]| {
            let scaled: Vec<f64> = x.iter().zip(&s).map(|(a, b)| a * b).collect();
            let xm = basis.matrix(&scaled);
            let mut y = mean_congruence(&reduced, xm.as_ref()) * faer::Scale(c);
            for i in 0..r {
                for j in 0..r {
                    y[(i, j)] += (1.0 - c) * lambda[i] * xm[(i, j)] * lambda[j];
                }
            }
            let mut out = basis.coordinates(y.as_ref());
            out.iter_mut().zip(&s).for_each(|(a, b)| *a *= b);
            out
        };
        let start = basis.coordinates(Mat::<f64>::identity(r, r).as_ref());
        lanczos::largest_eigenvalue(basis.dim(), apply, &start, &params.lanczos)?.value
    };
    Ok(CriticalGamma::two_over(k_max, 0.0))
}

/// The samples in the coordinates `u` (`d×r`, orthonormal columns): `UᵀH_iU`, or rows
/// `g_iᵀU`.
fn rotated(samples: &Samples, u: &Mat<f64>) -> Samples {
    match samples {
        Samples::Hessians(hs) => Samples::Hessians(
            hs.iter()
                .map(|h| {
                    let t = linalg::product(u.transpose(), h.as_ref(), 1.0);
                    linalg::symmetrized(linalg::product(t.as_ref(), u.as_ref(), 1.0).as_ref())
                })
                .collect(),
        ),
        // (G U)ᵀ = Uᵀ Gᵀ: the reduced gradients U ᵀg_i, stored transposed.
        Samples::Gradients(g) => Samples::Gradients(Gradients::from_transposed(linalg::product(
            u.transpose(),
            g.matrix().transpose(),
            1.0,
        ))),
    }
}
