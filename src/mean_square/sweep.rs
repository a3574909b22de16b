//! Every criterion's critical learning rate against the batch size: the table behind the
//! `sweep` subcommand.
//!
//! For the batch sizes asked for ([`BatchSizes`]: every `B = 1..N` for small `N`, log-spaced
//! above) and both i.i.d. samplings, one
//! [`SweepRow`] holds `γ*_3.3`, `γ*_exact` and `γ*_3.5 = 2/tr(H)` (with whether Theorem 3.5's
//! hypotheses hold: `B = 1` and rank-one `H_i`); `γ*_GD = 2/λ_max(H)` does not depend on `B` and
//! is kept once in [`Sweep::gd`]. Only the batch factor `c` changes with `B` and the sampling,
//! so the moments and the spectrum of `H` are computed once.

use super::reshuffling::{self, Reshuffling};
use super::{mean_square_from, Computed, MeanSquareParams};
use crate::criteria::{thm33_critical_gamma, CriticalGamma, HSpectrum, SampleShapes, Verdict};
use crate::enumerate::Progress;
use crate::error::{Error, Result};
use crate::instance::{Instance, Sampling};
use crate::moments::{batch_factor, Moments};
use crate::reduction::{Reduction, ReductionInfo};
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
    /// How `γ*_exact` was computed (with a Lanczos run's residual).
    pub exact_computed: Computed,
    /// How `ρ(L_γ)` was computed.
    pub radius_computed: Computed,
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

/// Which batch sizes a [`Sweep`] tabulates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BatchSizes {
    /// [`BatchSizes::Every`] up to [`BatchSizes::EVERY_UP_TO`] samples, [`BatchSizes::LogSpaced`]
    /// above.
    #[default]
    Auto,
    /// `B = 1..N`.
    Every,
    /// `1, 2, 4, …` (powers of two below `N`) and `N`.
    LogSpaced,
    /// The given batch sizes (each `≥ 1`; above `N` only with replacement).
    List(Vec<usize>),
}

impl BatchSizes {
    /// Under [`BatchSizes::Auto`], every `B` is tabulated up to this `N`.
    pub const EVERY_UP_TO: usize = 64;

    /// The batch sizes for `n` samples, increasing and without repeats.
    #[must_use]
    pub fn for_n(&self, n: usize) -> Vec<usize> {
        let mut v = match self {
            Self::Auto if n <= Self::EVERY_UP_TO => (1..=n).collect(),
            Self::Every => (1..=n).collect(),
            Self::Auto | Self::LogSpaced => {
                let mut v: Vec<usize> = std::iter::successors(Some(1usize), |b| b.checked_mul(2))
                    .take_while(|&b| b < n)
                    .collect();
                v.push(n);
                v
            }
            Self::List(list) => list.clone(),
        };
        v.sort_unstable();
        v.dedup();
        v
    }
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
    /// Rows: without replacement, then with replacement, each over the batch sizes asked for
    /// (without replacement only `B ≤ N`).
    pub rows: Vec<SweepRow>,
    /// Random reshuffling for every `B` dividing `N`, when asked for.
    pub reshuffling: Vec<Reshuffling>,
    /// The space the sweep was computed in ([`crate::reduction`]).
    pub reduction: ReductionInfo,
}

/// Whether each batch size's `γ*` run starts from the last one's top eigenvector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WarmStart {
    /// Neighbouring batch sizes have nearby top eigenvectors: each Lanczos run starts from the
    /// last (the `sweep` command's route; a Lanczos result may then differ from a cold
    /// [`crate::analysis::Analysis::of`] within its tolerance).
    Chained,
    /// Every run starts cold, exactly as [`crate::analysis::Analysis::of`] does at that `B`: the
    /// curve passes through every analysis's own numbers, bit for bit.
    Cold,
}

/// The sweep of `instance` at its `γ`, over `batch_sizes` and both i.i.d. samplings. The range
/// reduction, the moments and the spectrum of `H` are computed once; only `c` changes with `B`.
///
/// # Errors
/// [`Error::Input`] on `batch_sizes` for a batch size of 0; a numerical failure of an eigenvalue
/// computation; with [`SweepReshuffling::On`], the errors of [`reshuffling::reshuffling`]
/// (`N` too large).
pub fn sweep(
    instance: &Instance,
    tol: &Tolerances,
    params: &MeanSquareParams,
    with_reshuffling: SweepReshuffling,
    batch_sizes: &BatchSizes,
    progress: Progress,
) -> Result<Sweep> {
    sweep_schemes(
        instance,
        tol,
        params,
        &Sampling::IID,
        WarmStart::Chained,
        with_reshuffling,
        batch_sizes,
        progress,
    )
}

/// The [`sweep`] of `instance` under the one i.i.d. scheme `sampling`, every `γ*` computed
/// exactly as [`crate::analysis::Analysis::of`] computes it at that `B` (no warm start): its
/// numbers are the analyses', bit for bit, with the moments and the spectrum of `H` taken once.
/// The report's batch curves.
///
/// # Errors
/// As [`sweep`]; [`Error::Input`] on `sampling` for random reshuffling.
pub fn sweep_one_scheme(
    instance: &Instance,
    tol: &Tolerances,
    sampling: Sampling,
    batch_sizes: &BatchSizes,
) -> Result<Sweep> {
    if !sampling.is_iid() {
        return Err(Error::invalid(
            crate::error::ErrorKind::Unsupported,
            "sampling",
            format!("a sweep of one scheme is of an i.i.d. scheme, not {sampling}"),
        ));
    }
    sweep_schemes(
        instance,
        tol,
        &MeanSquareParams::default(),
        &[sampling],
        WarmStart::Cold,
        SweepReshuffling::Off,
        batch_sizes,
        Progress::Hidden,
    )
}

#[allow(clippy::too_many_arguments)]
fn sweep_schemes(
    instance: &Instance,
    tol: &Tolerances,
    params: &MeanSquareParams,
    samplings: &[Sampling],
    warm_start: WarmStart,
    with_reshuffling: SweepReshuffling,
    batch_sizes: &BatchSizes,
    progress: Progress,
) -> Result<Sweep> {
    let n = instance.n();
    let sizes = batch_sizes.for_n(n);
    if sizes.first() == Some(&0) {
        return Err(Error::invalid(
            crate::error::ErrorKind::OutOfRange,
            "batch_sizes",
            "a batch size must be at least 1",
        ));
    }
    let red = Reduction::of(instance, tol)?;
    let reduced = red.instance();
    let samples = reduced.samples();
    let gamma = reduced.gamma().get();
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
    let jobs: Vec<(Sampling, usize)> = samplings
        .iter()
        .copied()
        .flat_map(|sampling| {
            sizes
                .iter()
                .filter(move |&&b| !(sampling.batch_is_subset() && b > n))
                .map(move |&b| (sampling, b))
        })
        .collect();
    let ticker =
        crate::enumerate::Ticker::start(progress, jobs.len() as u128, "sweep: batch sizes");
    let mut rows = Vec::with_capacity(jobs.len());
    // Neighbouring batch sizes have nearby top eigenvectors: each γ* run starts from the last.
    let mut warm: Option<Vec<f64>> = None;
    for (sampling, b) in jobs {
        let c = batch_factor(n, b, sampling);
        let (ms, vector) = mean_square_from(
            samples,
            &moments,
            &spec,
            c,
            gamma,
            tol,
            params,
            red.null_part(),
            warm.as_deref(),
        )?;
        if vector.is_some() && warm_start == WarmStart::Chained {
            warm = vector;
        }
        let ms = ms.lifted(&red);
        rows.push(SweepRow {
            sampling,
            batch_size: b,
            c,
            thm33: red.critical(thm33_critical_gamma(&moments, &spec, c, tol.null_space)?),
            exact: ms.check.critical_gamma,
            thm35: red.critical(thm35),
            thm35_applies: b == 1 && rank_one,
            exact_radius: ms.check.value,
            exact_verdict: ms.check.verdict,
            exact_computed: ms.critical,
            radius_computed: ms.radius.computed,
        });
        ticker.inc(1);
    }
    ticker.finish();
    let reshuffling = match with_reshuffling {
        SweepReshuffling::Off => Vec::new(),
        SweepReshuffling::On => (1..=n)
            .filter(|b| n % b == 0)
            .map(|b| reshuffling::reshuffling(reduced, b, gamma, tol).map(|r| r.lifted(&red)))
            .collect::<Result<_>>()?,
    };
    Ok(Sweep {
        name: instance.name().to_owned(),
        n,
        d: instance.d(),
        gamma: instance.gamma().get(),
        gd: red.critical(gd),
        rows,
        reshuffling,
        reduction: red.info(),
    })
}
