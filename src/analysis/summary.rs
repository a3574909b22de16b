//! [`Summary`]: what one instance is at `x*`, before any criterion — the setting (`N`, `d`,
//! `B`, `γ`, the sampling scheme, the batch factor `c`), the features the lecture reads off
//! `H = (1/N) Σ H_i` and `Σ = (1/N) Σ H_i² − H²` (the sharpness `λ_max(H)` and the
//! non-uniformity `s = √λ_max(Σ)`: in `d = 1`, the `a` and `s` of eq. (27)), and whether `x*`
//! is a minimum.
//! Shared by [`super::Analysis`] and [`super::ReshufflingAnalysis`].

use crate::criteria::{HSpectrum, SampleShapes};
use crate::error::Result;
use crate::instance::Sampling;
use crate::moments::{batch_factor, Moments};
use crate::reduction::{Reduction, ReductionInfo};
use crate::tolerance::Tolerances;

/// One instance at `x*`, described by its setting and by the moments `H`, `Σ` — the quantities
/// every report gives before the criteria, whatever the sampling scheme.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// `B` (under random reshuffling it divides `N`).
    pub batch_size: usize,
    /// `γ`.
    pub gamma: f64,
    /// The sampling scheme.
    pub sampling: Sampling,
    /// Whether the samples were given as gradients (`H_i = g_i g_iᵀ`).
    pub gradient_form: bool,
    /// The batch factor `c` of one step, the factor in `E[(H_B − H)²] = cΣ`:
    /// `(N − B)/(B(N − 1))` without replacement and for one batch of random reshuffling (a
    /// uniform `B`-subset), `1/B` with replacement.
    pub c: f64,
    /// `λ_max(H)`, the sharpness.
    pub sharpness: f64,
    /// `λ_min(H)`.
    pub lambda_min_h: f64,
    /// `tr(H)`.
    pub trace_h: f64,
    /// Dimension of the null space of `H` (over-parameterized directions).
    pub null_dim: usize,
    /// `λ_max(Σ)`.
    pub sigma_norm: f64,
    /// `s = √λ_max(Σ)`, the non-uniformity.
    pub non_uniformity: f64,
    /// Whether `H ⪰ 0` (a minimum, as the lecture's theorems assume).
    pub h_psd: bool,
    /// Per-sample shapes: non-PSD and rank-above-one samples.
    pub shapes: SampleShapes,
    /// The space every quantity was computed in: `r = rank` of the sum of the ranges of the
    /// `H_i`, the rank tolerance, the route and the scale ([`crate::reduction`]).
    pub reduction: ReductionInfo,
}

impl Summary {
    /// The summary of the instance behind `reduction`, at the input's scale and dimension,
    /// with the moments and the spectrum of `H` of the *reduced* instance
    /// ([`Reduction::instance`]) that the criteria are computed from.
    ///
    /// # Errors
    /// [`crate::Error::Input`] if the moments overflow the f64 range; a numerical failure of an
    /// eigenvalue computation.
    pub(crate) fn of(
        reduction: &Reduction<'_>,
        tolerances: &Tolerances,
    ) -> Result<(Self, Moments, HSpectrum)> {
        let instance = reduction.instance();
        let samples = instance.samples();
        crate::progress::phase(|| {
            format!("moments and spectra on the range (r = {})", instance.d())
        });
        let (n, b) = (instance.n(), instance.batch_size().get());
        let moments = Moments::of(samples);
        ensure_finite(&moments)?;
        let spec = HSpectrum::of(&moments.h, tolerances.null_space)?;
        let shapes = SampleShapes::of(samples, tolerances.null_space)?;
        // Σ = mean (H_i − H)² ⪰ 0: a negative λ_max is rounding.
        let sigma_norm = moments.sigma_norm()?.max(0.0);
        let info = reduction.info();
        // The dropped directions are null directions of H (eigenvalue exactly 0).
        let null = reduction.has_null_part();
        let with_zero = |x: f64, pick: fn(f64, f64) -> f64| if null { pick(x, 0.0) } else { x };
        let summary = Self {
            name: instance.name().to_owned(),
            n,
            d: info.d,
            batch_size: b,
            gamma: reduction.original().gamma().get(),
            sampling: instance.sampling(),
            gradient_form: samples.is_gradient_form(),
            c: batch_factor(n, b, instance.sampling()),
            sharpness: reduction.curvature(with_zero(spec.sharpness(), f64::max)),
            lambda_min_h: reduction.curvature(with_zero(spec.lambda_min(), f64::min)),
            trace_h: reduction.curvature(spec.trace()),
            null_dim: spec.null_dim() + info.dropped(),
            sigma_norm: reduction.curvature(reduction.curvature(sigma_norm)),
            non_uniformity: reduction.curvature(sigma_norm.sqrt()),
            h_psd: spec.is_psd(),
            shapes,
            reduction: info,
        };
        Ok((summary, moments, spec))
    }

    /// Whether the instance is a minimum as the lecture's theorems assume: `H ⪰ 0` and every
    /// `H_i ⪰ 0`.
    #[must_use]
    pub fn is_minimum(&self) -> bool {
        self.h_psd && self.shapes.not_psd.is_empty()
    }

    /// Refuse a summary whose numbers are beyond the f64 range at the input's scale (the
    /// reduced instance is computed at a safe scale, but `λ_max(H)`, `tr H` or `λ_max(Σ)` of
    /// the input itself may not be representable), rather than print `∞`.
    ///
    /// # Errors
    /// [`crate::Error::Input`] on the samples' field, naming the quantity.
    pub(crate) fn ensure_representable(&self) -> Result<()> {
        let field = if self.gradient_form {
            "gradients"
        } else {
            "hessians"
        };
        for (what, x) in [
            ("the sharpness λ_max(H)", self.sharpness),
            ("λ_min(H)", self.lambda_min_h),
            ("tr(H)", self.trace_h),
            ("λ_max(Σ)", self.sigma_norm),
        ] {
            if !x.is_finite() {
                return Err(crate::Error::invalid(crate::error::ErrorKind::NonFinite,
                    field,
                    format!("{what} overflows the f64 range (beyond about 1.8e308) at the scale of these entries: rescale the data (every critical γ scales inversely)"),
                ));
            }
        }
        Ok(())
    }

    /// Whether every minibatch is the whole sample set (`B = N` under a scheme whose batches
    /// are `B`-subsets), so that SGD is GD.
    #[must_use]
    pub fn sgd_is_gd(&self) -> bool {
        self.sampling.batch_is_subset() && self.batch_size == self.n
    }

    /// Warnings a reader must see: saddles, non-PSD samples.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if !self.h_psd {
            w.push(format!(
                "H is not positive semidefinite (λ_min(H) = {}): this is not a minimum; I − γH has the eigenvalue 1 − γλ_min > 1 for every γ > 0, so every criterion rejects every γ. The lecture's theorems assume a minimum.",
                crate::fmt::sig(self.lambda_min_h)
            ));
        }
        if !self.shapes.not_psd.is_empty() {
            w.push(format!(
                "{} of the N = {} per-sample Hessians are not positive semidefinite (first: sample index {}, counting from 0 as in the file); the lecture's theorems assume a global minimum where every H_i ⪰ 0.",
                self.shapes.not_psd.len(),
                self.n,
                self.shapes.not_psd[0]
            ));
        }
        w
    }
}

/// Entries near the top of the f64 range overflow in `H_i²`: refuse rather than report
/// verdicts computed from `∞` or `NaN`.
fn ensure_finite(m: &Moments) -> Result<()> {
    let bad =
        |a: &faer::Mat<f64>| (0..a.nrows()).any(|i| (0..a.ncols()).any(|j| !a[(i, j)].is_finite()));
    if bad(&m.h) || bad(&m.mean_h_sq) || bad(&m.sigma) {
        return Err(crate::Error::invalid(crate::error::ErrorKind::NonFinite,
            if bad(&m.h) { "H" } else { "Σ" },
            "computing the moments overflowed the f64 range (entries of H_i² beyond about 1e308): rescale the data (all verdicts scale: multiplying every H_i by s divides every critical γ by s)",
        ));
    }
    Ok(())
}
