//! Exact mean-square stability of linearized SGD: the mean-square operator `L_γ`, its
//! spectral radius, and the exact critical learning rate `γ*` — the yardstick between
//! Theorem 3.3 (sufficient), Corollary 3.4 (GD) and Theorem 3.5 (necessary).
//!
//! With `M_B = I − γH_B`, the second moment `P_k = E[x_k x_kᵀ]` evolves by
//! `P_{k+1} = L_γ(P_k)`, where
//!
//! `L_γ(Q) = E[M_B Q M_B] = (I − γH)Q(I − γH) + γ²c·mean_i (H_i − H)Q(H_i − H)`
//!
//! (`c` the batch factor, [`crate::moments::batch_factor`]: the finite-population covariance of
//! `H_B` is `c` times that of one sample, for any bilinear function of `H_B`). So
//! `E‖x_k‖² = tr L_γ^k(x_0x_0ᵀ)` is bounded for every `x_0` iff `ρ(L_γ) ≤ 1` (Definition 3.2).
//! Writing `L_γ = I − 2γC + γ²D` with `C(Q) = ½(HQ + QH)` and
//! `D(Q) = (1 − c)HQH + c·mean_i H_iQH_i`:
//! - `L_γ`, `C`, `D` are self-adjoint on `Sym(d)` with `⟨P, Q⟩ = tr(PQ)`;
//! - `L_γ` is a mean of congruences, so it maps the PSD cone into itself — also when some
//!   `H_i` are indefinite — and its spectral radius is its largest eigenvalue;
//! - hence stability `⇔ λ_max(L_γ) ≤ 1 ⇔ γD ⪯ 2C`, an interval `(0, γ*]`
//!   ([`critical_gamma_exact`]).
//!
//! Theorem 3.3's matrix is `L_γ(I)`, and for a positive map `ρ(L) ≤ ‖L(I)‖₂`, so the exact
//! criterion is never stricter: `γ*_3.3 ≤ γ*_exact ≤ γ*_GD = 2/λ_max(H)`.
//!
//! | lecture / paper | code |
//! |---|---|
//! | `L_γ(Q) = E[(I − γH_B)Q(I − γH_B)]` | [`MeanSquareOperator`] |
//! | `ρ(L_γ)` | [`SpectralRadius`], `MeanSquare::check.value` |
//! | `γ* = 2/λ_max(C†D)` (Mulayoff & Michaeli, COLT 2024) | [`critical_gamma_exact`] |
//! | orthonormal basis of `Sym(d)` | [`SymBasis`] |
//! | every criterion's `γ*` against `B = 1..N`, both i.i.d. samplings | [`sweep()`], [`Sweep`] |
//! | "stable at rational `γ`" exactly; `γ*` as an algebraic number | [`certified`] |
//! | random reshuffling: `E_π[A P Aᵀ]`, `A = M_E ⋯ M_1`, per epoch | [`reshuffling`] |
//!
//! Everything above `reshuffling` assumes i.i.d. batches ([`crate::Sampling::is_iid`]); the functions
//! taking an [`Instance`] refuse random reshuffling with an error on `sampling` rather than
//! return the operator of independent batches for it.
//!
//! ```
//! use sgd_stability::mean_square::MeanSquare;
//! use sgd_stability::criteria::{CriticalGamma, Verdict};
//! use sgd_stability::{BatchSize, Instance, LearningRate, Samples, Sampling, Tolerances};
//!
//! // d = 1: γ* = 2a/(a² + c s²). H_i = 1, 2, 3, B = 1 (c = 1): a = 2, s² = 2/3, γ* = 6/7.
//! let samples = Samples::gradients_from_rows(&[vec![1.0], vec![2f64.sqrt()], vec![3f64.sqrt()]])?;
//! let inst = Instance::new("d1", samples, LearningRate::new(0.5)?, BatchSize::new(1)?,
//!     Sampling::WithoutReplacement)?;
//! let ms = MeanSquare::of(&inst, &Tolerances::default())?;
//! let CriticalGamma::Finite(g) = ms.check.critical_gamma else { unreachable!() };
//! assert!((g - 6.0 / 7.0).abs() < 1e-12);
//! assert_eq!(ms.check.verdict, Verdict::Holds);
//! assert!((ms.check.value - 1.0 / 6.0).abs() < 1e-12); // (1 − 1)² + ¼·⅔
//! # Ok::<(), sgd_stability::Error>(())
//! ```

mod basis;
pub mod certified;
mod critical;
mod eigenbasis;
mod lanczos;
mod operator;
pub mod reshuffling;
mod sweep;

pub use basis::SymBasis;
pub use critical::{critical_gamma_exact, CriticalSolve};
pub use lanczos::{largest_eigenpair, largest_eigenvalue, Info, LanczosParams, NotConverged};
pub use operator::{Computed, MeanSquareOperator, SpectralRadius};
pub use reshuffling::Reshuffling;
pub use sweep::{sweep, sweep_one_scheme, BatchSizes, Sweep, SweepReshuffling, SweepRow};

use crate::criteria::{CriterionResult, HSpectrum, Verdict};
use crate::error::Result;
use crate::instance::{Instance, Samples};
use crate::moments::{batch_factor, Moments};
use crate::reduction::NullPart;
use crate::tolerance::Tolerances;
use eigenbasis::InEigenbasis;
use faer::Mat;

/// Dense or matrix-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Dense up to [`MeanSquareParams::dense_max_d`], matrix-free (Lanczos) above.
    #[default]
    Auto,
    /// Always form the `d(d+1)/2` matrix.
    Dense,
    /// Always use Lanczos on the operator applied matrix-free.
    MatrixFree,
}

/// How the operators are represented and how accurately their top eigenvalue is found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSquareParams {
    /// Dense, matrix-free, or chosen by size.
    pub method: Method,
    /// Under [`Method::Auto`], the largest `d` (for `γ*`: the rank of `H`) whose
    /// `d(d+1)/2` matrix is formed.
    pub dense_max_d: usize,
    /// Stopping rule of the matrix-free route.
    pub lanczos: LanczosParams,
}

impl MeanSquareParams {
    /// Default [`MeanSquareParams::dense_max_d`]: 40 (an `820×820` symmetric eigenproblem).
    pub const DEFAULT_DENSE_MAX_D: usize = 40;
}

/// One sample's influence on `γ*_exact`: the derivative of `γ*_exact` with respect to the
/// sample's weight `w_i` in every mean ([`MeanSquare::most_influential`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SampleInfluence {
    /// `i`, the sample's index.
    pub sample: usize,
    /// `dγ*_exact/dw_i`.
    pub d_critical_gamma_d_weight: f64,
}

/// Exact mean-square stability at one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanSquare {
    /// Value `ρ(L_γ)`, threshold `1`, margin `1 − ρ`, `γ*_exact`, and the verdict from `γ/γ*`
    /// with the boundary tolerance, as for the other criteria (so null directions, whose
    /// factor is exactly 1, are stable below `γ*`).
    pub check: CriterionResult,
    /// How `ρ(L_γ)` was computed.
    pub radius: SpectralRadius,
    /// How `γ*_exact`'s eigenvalue was computed.
    pub critical: Computed,
    /// `dγ*_exact/dw_i`, sample `i`'s influence on `γ*_exact` through its weight in every
    /// mean ([`CriticalSolve::influence`]): which samples set the critical learning rate.
    pub influence: Option<Vec<f64>>,
}

impl MeanSquare {
    /// The `k` samples whose up-weighting lowers `γ*_exact` the most, most negative
    /// `dγ*/dw_i` first.
    #[must_use]
    pub fn most_influential(&self, k: usize) -> Vec<SampleInfluence> {
        let Some(inf) = &self.influence else {
            return Vec::new();
        };
        let mut v: Vec<SampleInfluence> = inf
            .iter()
            .enumerate()
            .map(|(sample, &d)| SampleInfluence {
                sample,
                d_critical_gamma_d_weight: d,
            })
            .collect();
        v.sort_by(|a, b| {
            a.d_critical_gamma_d_weight
                .total_cmp(&b.d_critical_gamma_d_weight)
                .then(a.sample.cmp(&b.sample))
        });
        v.truncate(k);
        v
    }

    /// The mean-square prediction of how many steps `E‖x_k‖²` takes to grow by `factor`:
    /// `ln(factor)/ln ρ(L_γ)`, when `ρ > 1` (the asymptotic rate of the top eigenvector of
    /// `L_γ`; a single run escapes at its Lyapunov rate, usually later). `None` when stable.
    #[must_use]
    pub fn steps_to_grow(&self, factor: f64) -> Option<f64> {
        let rho = self.check.value;
        (rho > 1.0 && factor > 1.0).then(|| factor.ln() / rho.ln())
    }
}

impl MeanSquare {
    /// The exact mean-square check of `instance`, with default [`MeanSquareParams`].
    ///
    /// # Errors
    /// As [`mean_square`]; [`crate::Error::Input`] on `sampling` under random reshuffling,
    /// whose batches are not independent (see [`reshuffling`]).
    pub fn of(instance: &Instance, tol: &Tolerances) -> Result<Self> {
        instance.require_iid("the exact mean-square criterion ρ(L_γ) ≤ 1")?;
        let red = crate::reduction::Reduction::of(instance, tol)?;
        let reduced = red.instance();
        let c = batch_factor(reduced.n(), reduced.batch_size().get(), reduced.sampling());
        let moments = Moments::of(reduced.samples());
        let spec = HSpectrum::of(&moments.h, tol.null_space)?;
        Ok(mean_square(
            reduced.samples(),
            &moments,
            &spec,
            c,
            reduced.gamma().get(),
            tol,
            &MeanSquareParams::default(),
            red.null_part(),
        )?
        .lifted(&red))
    }

    /// The check of a reduced instance ([`crate::reduction`]) lifted to its input:
    /// `ρ(L_γ) = max(ρ̃, 1)` when directions were dropped, `γ*` at the input's scale.
    #[must_use]
    pub fn lifted(self, red: &crate::reduction::Reduction<'_>) -> Self {
        Self {
            check: red.lift_factor_criterion(self.check),
            radius: SpectralRadius {
                value: red.radius(self.radius.value),
                ..self.radius
            },
            critical: self.critical,
            influence: self
                .influence
                .map(|v| v.into_iter().map(|x| red.gamma(x)).collect()),
        }
    }
}

/// The exact mean-square check at learning rate `gamma` with batch factor `c`: `γ*`
/// ([`critical_gamma_exact`]) first, then `ρ(L_γ)`:
/// - `γ < γ*` (stable) and a null part — `null` is [`NullPart::Present`] (directions dropped
///   by the reduction) or `H` has null directions — gives `ρ = 1` exactly
///   ([`Computed::NullSpace`]): the null directions' factor is 1 and the range part is
///   `≤ 1`. This is the common case of an over-parameterized minimum, where the top of
///   `L_γ` is a huge eigenspace at 1 that no iterative solver resolves.
/// - `c = 0` (`B = N` without replacement): `L_γ = S(I − γH)`, `ρ = max_j (1 − γλ_j)²`.
/// - otherwise the dense operator (`d ≤` [`MeanSquareParams::dense_max_d`]) or restarted Lanczos in the
///   eigenbasis of `H`, with its residual.
///
/// # Errors
/// A numerical failure of a dense eigenvalue computation.
#[allow(clippy::too_many_arguments)]
pub fn mean_square(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    gamma: f64,
    tol: &Tolerances,
    params: &MeanSquareParams,
    null: NullPart,
) -> Result<MeanSquare> {
    Ok(mean_square_from(samples, moments, spec, c, gamma, tol, params, null, None)?.0)
}

/// [`mean_square`] with `γ*`'s Lanczos run warm-started from `warm`
/// ([`CriticalSolve::vector`] of a nearby problem); also returns this run's vector.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mean_square_from(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    gamma: f64,
    tol: &Tolerances,
    params: &MeanSquareParams,
    null: NullPart,
    warm: Option<&[f64]>,
) -> Result<(MeanSquare, Option<Vec<f64>>)> {
    let critical = critical::critical_gamma_exact_from(
        samples,
        moments,
        spec,
        c,
        tol.null_space,
        params,
        warm,
    )?;
    let verdict = critical.gamma.verdict_at(gamma, tol.boundary);
    let has_null = null == NullPart::Present || spec.null_dim() > 0;
    let radius = if verdict == Verdict::Holds && has_null {
        SpectralRadius {
            value: 1.0,
            computed: Computed::NullSpace,
        }
    } else {
        radius(samples, moments, spec, c, gamma, params)?
    };
    Ok((
        MeanSquare {
            check: CriterionResult {
                value: radius.value,
                threshold: 1.0,
                margin: 1.0 - radius.value,
                critical_gamma: critical.gamma,
                verdict,
            },
            radius,
            critical: critical.computed,
            influence: critical.influence,
        },
        critical.vector,
    ))
}

/// `ρ(L_γ)` itself, whatever the verdict: in closed form when `c = 0` (`L_γ = S(I − γH)`,
/// `ρ = max_j (1 − γλ_j)²`), dense when `d ≤` [`MeanSquareParams::dense_max_d`], else restarted Lanczos
/// in the eigenbasis of `H` (an unconverged run is reported with its residual). On a
/// reduced instance this is the range part's radius `ρ̃`.
///
/// # Errors
/// A numerical failure of a dense eigenvalue computation.
pub fn radius(
    samples: &Samples,
    moments: &Moments,
    spec: &HSpectrum,
    c: f64,
    gamma: f64,
    params: &MeanSquareParams,
) -> Result<SpectralRadius> {
    if c == 0.0 {
        let value = spec
            .eigenvalues
            .iter()
            .map(|l| (1.0 - gamma * l) * (1.0 - gamma * l))
            .fold(0.0, f64::max);
        return Ok(SpectralRadius {
            value,
            computed: Computed::ClosedForm,
        });
    }
    if params.dense_for(samples.d()) {
        return MeanSquareOperator::new(samples, &moments.h, c, gamma).spectral_radius(params);
    }
    let all: Vec<usize> = (0..spec.eigenvalues.len()).collect();
    check_lanczos_memory(samples, params)?;
    let eig = InEigenbasis::of(samples, spec, &all);
    let basis = SymBasis::new(eig.dim());
    let apply = |x: &[f64]| {
        let y = eig.apply_l(basis.matrix(x).as_ref(), c, gamma);
        basis.coordinates(y.as_ref())
    };
    let start = basis.coordinates(Mat::<f64>::identity(eig.dim(), eig.dim()).as_ref());
    let info = largest_eigenvalue(basis.dim(), apply, &start, &params.lanczos);
    Ok(SpectralRadius {
        value: info.value,
        computed: Computed::Lanczos(info),
    })
}

/// Refuse, before allocating, a matrix-free run on `Sym(r)` (`r` = the samples' dimension) whose
/// Krylov basis and products do not fit the memory budget: `basis_size + 3` vectors of
/// `r(r+1)/2` entries, the rotated samples and two `r×N` products.
///
/// # Errors
/// [`crate::Error::Limit`] naming the sizes.
pub(crate) fn check_lanczos_memory(samples: &Samples, params: &MeanSquareParams) -> Result<()> {
    let (r, n) = (samples.d() as u128, samples.n() as u128);
    let m = r * (r + 1) / 2;
    let per_sample = if samples.is_gradient_form() { r } else { r * r };
    let bytes = 8 * ((params.lanczos.basis_size as u128 + 3) * m + 3 * n * per_sample + 4 * r * r);
    crate::limits::MemoryBudget::current().check(
        if samples.is_gradient_form() { "gradients" } else { "hessians" },
        format!("the matrix-free eigen-solve on the {m}-dimensional space Sym(r), r = {r} (the rank of the H_i)"),
        bytes,
    )
}

/// `ρ(L_γ)` at the instance's `γ`, `B` and sampling (default [`MeanSquareParams`]).
///
/// # Errors
/// As [`MeanSquareOperator::of`] (random reshuffling is refused) and
/// [`MeanSquareOperator::spectral_radius`].
pub fn spectral_radius(instance: &Instance) -> Result<f64> {
    instance.require_iid("the second-moment operator L_γ")?;
    let c = batch_factor(
        instance.n(),
        instance.batch_size().get(),
        instance.sampling(),
    );
    let moments = Moments::of(instance.samples());
    let spec = HSpectrum::of(&moments.h, Tolerances::default().null_space)?;
    Ok(radius(
        instance.samples(),
        &moments,
        &spec,
        c,
        instance.gamma().get(),
        &MeanSquareParams::default(),
    )?
    .value)
}
