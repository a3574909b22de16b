//! Every criterion's critical learning rate against the batch size: the table behind the
//! `sweep` subcommand.
//!
//! For `B = 1..N` and both i.i.d. samplings (with replacement `B = 1..N` as well), one
//! [`SweepRow`] holds `γ*_3.3`, `γ*_exact` and `γ*_3.5 = 2/tr(H)` (with whether Theorem 3.5's
//! hypotheses hold: `B = 1` and rank-one `H_i`); `γ*_GD = 2/λ_max(H)` does not depend on `B` and
//! is kept once in [`Sweep::gd`]. Only the batch factor `c` changes with `B` and the sampling,
//! so the moments and the spectrum of `H` are computed once.

use super::reshuffling::{self, Reshuffling};
use super::{critical_gamma_exact, MeanSquareOperator, Params};
use crate::criteria::{thm33_critical_gamma, CriticalGamma, HSpectrum, SampleShapes, Verdict};
use crate::error::Result;
use crate::instance::{Instance, Sampling};
use crate::moments::{batch_factor, Moments};
use crate::tolerance::Tolerances;

/// One batch size and sampling scheme of a [`Sweep`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepRow {
    /// The sampling scheme.
    pub sampling: Sampling,
    /// `B`.
    pub batch_size: usize,
    /// The batch factor `c` ([`batch_factor`]).
    pub c: f64,
    /// `γ*_3.3` (sufficient).
    pub thm33: CriticalGamma,
    /// `γ*_exact` (mean-square stability, necessary and sufficient).
    pub exact: CriticalGamma,
    /// `γ*_3.5 = 2/tr(H)`: a necessary bound only when [`SweepRow::thm35_applies`].
    pub thm35: CriticalGamma,
    /// Whether Theorem 3.5's hypotheses hold (`B = 1` and every `H_i` PSD of rank ≤ 1).
    pub thm35_applies: bool,
    /// `ρ(L_γ)` at [`Sweep::gamma`].
    pub exact_radius: f64,
    /// The exact verdict at [`Sweep::gamma`] (from `γ/γ*_exact` and the boundary tolerance).
    pub exact_verdict: Verdict,
}

/// What to tabulate besides the two i.i.d. schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SweepReshuffling {
    /// Only the i.i.d. schemes.
    #[default]
    Off,
    /// Also random reshuffling, for every `B` dividing `N` (small `N` only:
    /// [`reshuffling::MAX_N`]).
    On,
}

/// Every criterion's critical `γ` against `B`, for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The instance's name.
    pub name: String,
    /// `N`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// The learning rate the verdicts are given at.
    pub gamma: f64,
    /// `γ*_GD = 2/λ_max(H)` (Corollary 3.4), the same for every `B`.
    pub gd: CriticalGamma,
    /// Rows: without replacement `B = 1..N`, then with replacement `B = 1..N`.
    pub rows: Vec<SweepRow>,
    /// Random reshuffling for every `B` dividing `N`, when asked for.
    pub reshuffling: Vec<Reshuffling>,
}

/// The sweep of `instance` at its `γ`, for `B = 1..N` and both samplings.
///
/// # Errors
/// A numerical failure of an eigenvalue computation; with [`SweepReshuffling::On`], the errors
/// of [`reshuffling::reshuffling`] (`N` too large).
pub fn sweep(
    instance: &Instance,
    tol: &Tolerances,
    params: &Params,
    with_reshuffling: SweepReshuffling,
) -> Result<Sweep> {
    let samples = instance.samples();
    let n = instance.n();
    let gamma = instance.gamma().get();
    let moments = Moments::of(samples);
    let spec = HSpectrum::of(&moments.h, tol.null_space)?;
    let shapes = SampleShapes::of(samples, tol.null_space)?;
    let rank_one = shapes.not_psd.is_empty() && shapes.rank_above_one.is_empty();
    let gd = if spec.is_psd() {
        CriticalGamma::two_over(spec.sharpness(), spec.zero_tol)
    } else {
        CriticalGamma::NoneAccepted
    };
    let thm35 = CriticalGamma::two_over(spec.trace(), spec.zero_tol);
    let mut rows = Vec::with_capacity(2 * n);
    for sampling in Sampling::IID {
        for b in 1..=n {
            let c = batch_factor(n, b, sampling);
            let exact = critical_gamma_exact(samples, &moments, &spec, c, tol.null_space, params)?;
            let radius =
                MeanSquareOperator::new(samples, &moments.h, c, gamma).spectral_radius(params)?;
            rows.push(SweepRow {
                sampling,
                batch_size: b,
                c,
                thm33: thm33_critical_gamma(&moments, &spec, c, tol.null_space)?,
                exact,
                thm35,
                thm35_applies: b == 1 && rank_one,
                exact_radius: radius.value,
                exact_verdict: exact.verdict_at(gamma, tol.boundary),
            });
        }
    }
    let reshuffling = match with_reshuffling {
        SweepReshuffling::Off => Vec::new(),
        SweepReshuffling::On => (1..=n)
            .filter(|b| n % b == 0)
            .map(|b| reshuffling::reshuffling(instance, b, gamma, tol))
            .collect::<Result<_>>()?,
    };
    Ok(Sweep {
        name: instance.name().to_owned(),
        n,
        d: instance.d(),
        gamma,
        gd,
        rows,
        reshuffling,
    })
}
