//! Random reshuffling — what a shuffled data loader does — for small `N`: the exact per-epoch
//! second-moment operator by enumerating every ordering of the samples into batches, its
//! spectral radius per step, and its critical learning rate (by bisection).
//!
//! An epoch draws a uniformly random permutation of the `N` samples and cuts it into
//! `E = N/B` consecutive disjoint batches `B_1, …, B_E`; with `M_t = I − γH_{B_t}` the iterate
//! after the epoch is `A x` with `A = M_E ⋯ M_1`, so the second moment evolves by
//! `P ↦ L_epoch(P) = E_π[A P Aᵀ]`. Only the ordered partition into batches matters, so the
//! expectation is a mean over the `N!/(B!)^E` ordered partitions, each equally likely.
//!
//! `L_epoch` maps the PSD cone into itself, and it is self-adjoint on `Sym(d)` (the reversed
//! ordering has `A` replaced by `Aᵀ`, the adjoint congruence, and is equally likely); so its
//! spectral radius is its largest eigenvalue and `E‖x‖²` stays bounded over epochs iff
//! `ρ(L_epoch) ≤ 1`. The per-step rate is `ρ(L_epoch)^{1/E}`, comparable with the i.i.d.
//! schemes' `ρ(L_γ)`. No closed form is known to us; neither the lecture nor Mulayoff &
//! Michaeli cover it. With `B = N` there is one ordering and this is GD: `A = I − γH`,
//! `ρ(L_epoch) = max_j (1 − γλ_j(H))²` and `γ* = 2/λ_max(H)`; above [`MAX_N`] that case is
//! computed in this closed form instead of being refused ([`EpochRoute::FullBatch`]).
//!
//! Whether the operator can be computed at all is [`feasibility`]: `B | N`, and either `B = N`
//! or `N ≤` [`MAX_N`] with the work within [`MAX_WORK`]. Larger instances are for Monte Carlo
//! (`sgd-stability simulate`).

use super::basis::SymBasis;
use crate::criteria::{CriticalGamma, HSpectrum, Verdict};
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::linalg;
use crate::moments::Moments;
use crate::tolerance::Tolerances;
use faer::{Mat, MatRef};

/// The largest `N` for which random reshuffling is enumerated (`8! = 40320` orderings).
pub const MAX_N: usize = 8;

/// The largest `(ordered partitions) · m²` (`m = d(d+1)/2`) one epoch operator may cost.
pub const MAX_WORK: u128 = 2_000_000_000;

/// `ρ(L_epoch) ≤ 1 + STABLE_SLACK` counts as stable
/// ([`crate::Tolerances::RESHUFFLING_STABLE_SLACK`]).
pub const STABLE_SLACK: f64 = crate::Tolerances::RESHUFFLING_STABLE_SLACK;

/// Points of the grid scanned for the first unstable `γ`.
pub const GRID: u32 = 32;

/// Bisection on `ρ(L_epoch) = 1` stops when the bracket is this narrow relative to its upper
/// end ([`crate::Tolerances::RESHUFFLING_BISECTION`]).
pub const BISECTION_REL: f64 = crate::Tolerances::RESHUFFLING_BISECTION;

/// How the epoch operator is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochRoute {
    /// By enumerating every ordered partition of the samples into batches (`N ≤` [`MAX_N`]);
    /// the critical `γ` by grid scan and bisection.
    Enumerated,
    /// `B = N` with `N >` [`MAX_N`]: one GD step per epoch, in closed form
    /// (`ρ = max_j (1 − γλ_j(H))²`, `γ* = 2/λ_max(H)`).
    FullBatch,
}

/// Why the exact epoch operator is not computed for an instance and batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infeasible {
    /// `B` does not divide `N`: an epoch is not a whole number of batches.
    NotDivisible {
        /// `N`.
        n: usize,
        /// `B`.
        b: usize,
    },
    /// `N >` [`MAX_N`] (and `B < N`): too many orderings to enumerate.
    TooManySamples {
        /// `N`.
        n: usize,
    },
    /// `orderings · m² >` [`MAX_WORK`].
    TooMuchWork {
        /// The ordered partitions `N!/(B!)^E`.
        orderings: u128,
        /// `d`.
        d: usize,
    },
}

impl Infeasible {
    /// The input field at fault: `batch_size` for [`Infeasible::NotDivisible`], else the
    /// scheme itself, named `field_of_scheme` by the caller (`sampling` for an instance that
    /// asks for random reshuffling, `random_reshuffling` for `sweep --reshuffling`).
    #[must_use]
    pub fn field<'a>(&self, field_of_scheme: &'a str) -> &'a str {
        match self {
            Self::NotDivisible { .. } => "batch_size",
            Self::TooManySamples { .. } | Self::TooMuchWork { .. } => field_of_scheme,
        }
    }
}

impl std::fmt::Display for Infeasible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::NotDivisible { n, b } => write!(
                f,
                "random reshuffling needs B to divide N (got B = {b}, N = {n}); a ragged last batch is not supported"
            ),
            Self::TooManySamples { n } => write!(
                f,
                "random reshuffling is enumerated over every ordering of the samples, which is supported only for N ≤ {MAX_N} (N = {n} has {n}! orderings), or for B = N (GD); for larger N use `sgd-stability simulate` (Monte Carlo)"
            ),
            Self::TooMuchWork { orderings, d } => {
                let m = d * (d + 1) / 2;
                write!(
                    f,
                    "the epoch operator would cost {orderings} orderings × {m}² (d = {d}); above the limit of {MAX_WORK}; use `sgd-stability simulate` (Monte Carlo)"
                )
            }
        }
    }
}

/// Whether the exact epoch operator of `N = n` samples in dimension `d` at batch size `b` can be
/// computed, and how: the route and the number of ordered partitions (`1` for `B = N`).
///
/// # Errors
/// The [`Infeasible`] reason.
pub fn feasibility(
    n: usize,
    d: usize,
    b: usize,
) -> std::result::Result<(EpochRoute, u128), Infeasible> {
    if b == 0 || n % b != 0 {
        return Err(Infeasible::NotDivisible { n, b });
    }
    if n > MAX_N {
        return if b == n {
            Ok((EpochRoute::FullBatch, 1))
        } else {
            Err(Infeasible::TooManySamples { n })
        };
    }
    let orderings = ordering_count(n, b);
    let m = SymBasis::new(d).dim() as u128;
    if orderings * m * m > MAX_WORK {
        return Err(Infeasible::TooMuchWork { orderings, d });
    }
    Ok((EpochRoute::Enumerated, orderings))
}

/// Random reshuffling at one batch size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reshuffling {
    /// `B` (it divides `N`).
    pub batch_size: usize,
    /// `E = N/B` steps per epoch.
    pub steps_per_epoch: usize,
    /// The ordered partitions enumerated: `N!/(B!)^E`.
    pub orderings: u128,
    /// The learning rate the radii are given at.
    pub gamma: f64,
    /// `ρ(L_epoch)` at `gamma`.
    pub epoch_radius: f64,
    /// `ρ(L_epoch)^{1/E}`: the per-step rate, comparable with `ρ(L_γ)` of the i.i.d. schemes.
    pub per_step_radius: f64,
    /// The end of the first stable interval `(0, γ*]` of `ρ(L_epoch) ≤ 1`, by a grid scan for
    /// the first unstable `γ` and bisection below it (relative accuracy [`BISECTION_REL`]);
    /// `2/λ_max(H)` in closed form on [`EpochRoute::FullBatch`].
    ///
    /// Unlike the i.i.d. schemes, the stable set of random reshuffling need not be an interval:
    /// with `d = 1`, `h = (1, 10)`, `B = 1` the epoch factor is `((1 − γ)(1 − 10γ))²`, unstable
    /// on `((11 − √41)/20, (11 + √41)/20) ≈ (0.230, 0.870)` and stable again up to `1.1`; and it
    /// can exceed `γ*_GD` (`h = (1, 3)`: stable up to `4/3 > 1 = γ*_GD`). A gap narrower than
    /// the scan's grid ([`GRID`] points below the first unstable power-of-two multiple of
    /// `γ*_GD`) can be missed.
    pub critical_gamma: CriticalGamma,
    /// Stable at `gamma` (`ρ(L_epoch) ≤ 1 +` [`STABLE_SLACK`]).
    pub verdict: Verdict,
    /// How the operator and the critical `γ` were obtained.
    pub route: EpochRoute,
}

impl Reshuffling {
    /// The result for a reduced instance ([`crate::reduction`]) lifted to its input: the radii
    /// are at least 1 when directions were dropped (their factor is exactly 1, epoch after
    /// epoch), `γ` and `γ*` at the input's scale; the verdict is unchanged.
    #[must_use]
    pub fn lifted(self, red: &crate::reduction::Reduction<'_>) -> Self {
        Self {
            gamma: red.gamma(self.gamma),
            epoch_radius: red.radius(self.epoch_radius),
            per_step_radius: red.radius(self.per_step_radius),
            critical_gamma: red.critical(self.critical_gamma),
            ..self
        }
    }
}

/// Every ordered partition of `0..n` into consecutive batches of size `b` (`b | n`), as the
/// sequence of batches; calls `f` with a slice of `n/b` batches.
fn for_each_ordering(n: usize, b: usize, f: &mut impl FnMut(&[Vec<usize>])) {
    fn rec(
        remaining: &[usize],
        b: usize,
        prefix: &mut Vec<Vec<usize>>,
        f: &mut impl FnMut(&[Vec<usize>]),
    ) {
        if remaining.is_empty() {
            f(prefix);
            return;
        }
        // Every b-subset of `remaining` (as increasing index tuples) is the next batch.
        let r = remaining.len();
        let mut idx: Vec<usize> = (0..b).collect();
        loop {
            let batch: Vec<usize> = idx.iter().map(|&i| remaining[i]).collect();
            let rest: Vec<usize> = remaining
                .iter()
                .enumerate()
                .filter(|(i, _)| !idx.contains(i))
                .map(|(_, &v)| v)
                .collect();
            prefix.push(batch);
            rec(&rest, b, prefix, f);
            prefix.pop();
            // Next combination.
            let mut k = b;
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                if idx[k] < r - b + k {
                    break;
                }
                if k == 0 {
                    return;
                }
            }
            idx[k] += 1;
            for j in k + 1..b {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
    let all: Vec<usize> = (0..n).collect();
    rec(&all, b, &mut Vec::new(), f);
}

/// `N!/(B!)^{N/B}`.
fn ordering_count(n: usize, b: usize) -> u128 {
    let fact = |k: usize| (1..=k as u128).product::<u128>();
    fact(n) / fact(b).pow(u32::try_from(n / b).expect("small"))
}

/// [`feasibility`] as an [`Error::Input`]: on `batch_size` when `B ∤ N`, else on
/// `random_reshuffling` (the scheme asked for).
fn check_size(instance: &Instance, b: usize) -> Result<(EpochRoute, u128)> {
    feasibility(instance.n(), instance.d(), b).map_err(|why| {
        Error::invalid(
            crate::error::ErrorKind::Unsupported,
            why.field("random_reshuffling"),
            why,
        )
    })
}

/// `out += S(A)` for `Q ↦ A Q Aᵀ` in the orthonormal basis of `Sym(d)` (full `m×m`, `A` need
/// not be symmetric): `S_pq = w_p w_q (A_ik A_jl + A_il A_jk)`, `w = 1/√2` on diagonal pairs.
fn add_general_congruence(out: &mut Mat<f64>, basis: &SymBasis, a: MatRef<'_, f64>) {
    let m = basis.dim();
    let w = |p: usize| {
        let (i, j) = basis.pair(p);
        if i == j {
            std::f64::consts::FRAC_1_SQRT_2
        } else {
            1.0
        }
    };
    for q in 0..m {
        let (k, l) = basis.pair(q);
        let wq = w(q);
        for p in 0..m {
            let (i, j) = basis.pair(p);
            out[(p, q)] += wq * w(p) * (a[(i, k)] * a[(j, l)] + a[(i, l)] * a[(j, k)]);
        }
    }
}

/// The per-epoch second-moment operator `L_epoch(P) = E_π[A P Aᵀ]`, `A = M_E ⋯ M_1`, as a
/// symmetric `m×m` matrix in [`SymBasis`] (`m = d(d+1)/2`), by enumerating every ordered
/// partition of the samples into `E = N/B` batches of size `b`.
///
/// With `B = N` above [`MAX_N`] it is the congruence by `I − γH` ([`EpochRoute::FullBatch`]).
///
/// # Errors
/// [`Error::Input`] if `b` does not divide `N`, `N >` [`MAX_N`] with `b < N`, or the work
/// exceeds [`MAX_WORK`] ([`feasibility`]).
pub fn epoch_operator(instance: &Instance, b: usize, gamma: f64) -> Result<Mat<f64>> {
    match check_size(instance, b)? {
        (EpochRoute::Enumerated, orderings) => {
            Ok(epoch_operator_unchecked(instance, b, gamma, orderings))
        }
        (EpochRoute::FullBatch, _) => {
            let h = Moments::of(instance.samples()).h;
            let d = instance.d();
            let m = Mat::from_fn(d, d, |i, j| f64::from(u8::from(i == j)) - gamma * h[(i, j)]);
            Ok(SymBasis::new(d).congruence(m.as_ref()))
        }
    }
}

fn epoch_operator_unchecked(
    instance: &Instance,
    b: usize,
    gamma: f64,
    orderings: u128,
) -> Mat<f64> {
    let samples = instance.samples();
    let (n, d) = (instance.n(), instance.d());
    let hs: Vec<Mat<f64>> = (0..n).map(|i| samples.hessian(i)).collect();
    let basis = SymBasis::new(d);
    let mut out = Mat::<f64>::zeros(basis.dim(), basis.dim());
    let scale = gamma / b as f64;
    for_each_ordering(n, b, &mut |batches| {
        let mut a = Mat::<f64>::identity(d, d);
        for batch in batches {
            // M_t = I − (γ/B) Σ_{ξ ∈ B_t} H_ξ; A ← M_t A.
            let mut m = Mat::<f64>::identity(d, d);
            for &xi in batch {
                m -= &hs[xi] * faer::Scale(scale);
            }
            a = linalg::product(m.as_ref(), a.as_ref(), 1.0);
        }
        add_general_congruence(&mut out, &basis, a.as_ref());
    });
    let inv = 1.0 / orderings as f64;
    linalg::symmetrized((out * faer::Scale(inv)).as_ref())
}

/// `ρ(L_epoch)` at `gamma`.
fn epoch_radius(instance: &Instance, b: usize, gamma: f64, orderings: u128) -> Result<f64> {
    let op = epoch_operator_unchecked(instance, b, gamma, orderings);
    Ok(linalg::sym_lambda_max(op.as_ref())?.expect("d ≥ 1"))
}

/// Random reshuffling at batch size `b` and learning rate `gamma`: `ρ(L_epoch)`, the per-step
/// rate and the critical `γ`.
///
/// The critical `γ`: if `H` is not PSD, none (to first order in `γ` an epoch is
/// `I − γK·H + O(γ²)`). Otherwise upward from `γ*_GD = 2/λ_max(H)` by doubling until
/// `ρ(L_epoch) > 1` (unbounded after 30 doublings), a scan of [`GRID`] equally spaced points
/// below that for the first unstable one (halving below the first point if even that is unstable),
/// then bisection to [`BISECTION_REL`].
///
/// With `B = N` above [`MAX_N`] ([`EpochRoute::FullBatch`]): `ρ(L_epoch) = max_j (1 − γλ_j)²`
/// over the eigenvalues of `H`, and `γ* = 2/λ_max(H)` (none if `H` is not PSD, unbounded if
/// `H = 0`), as for GD.
///
/// # Errors
/// As [`epoch_operator`]; a numerical failure of an eigenvalue computation.
pub fn reshuffling(
    instance: &Instance,
    b: usize,
    gamma: f64,
    tol: &Tolerances,
) -> Result<Reshuffling> {
    let (route, orderings) = check_size(instance, b)?;
    let e = instance.n() / b;
    let (rho, critical) = match route {
        EpochRoute::Enumerated => (
            epoch_radius(instance, b, gamma, orderings)?,
            critical_gamma(instance, b, orderings, tol)?,
        ),
        EpochRoute::FullBatch => {
            let spec = HSpectrum::of(&Moments::of(instance.samples()).h, tol.null_space)?;
            let rho = spec
                .eigenvalues
                .iter()
                .map(|l| (1.0 - gamma * l).powi(2))
                .fold(0.0_f64, f64::max);
            let critical = if spec.is_psd() {
                CriticalGamma::two_over(spec.sharpness(), spec.zero_tol)
            } else {
                CriticalGamma::NoneAccepted
            };
            (rho, critical)
        }
    };
    let stable = rho <= 1.0 + STABLE_SLACK;
    Ok(Reshuffling {
        batch_size: b,
        steps_per_epoch: e,
        orderings,
        gamma,
        epoch_radius: rho,
        per_step_radius: rho.max(0.0).powf(1.0 / e as f64),
        critical_gamma: critical,
        verdict: if stable {
            Verdict::Holds
        } else {
            Verdict::Fails
        },
        route,
    })
}

fn critical_gamma(
    instance: &Instance,
    b: usize,
    orderings: u128,
    tol: &Tolerances,
) -> Result<CriticalGamma> {
    let moments = Moments::of(instance.samples());
    let spec = HSpectrum::of(&moments.h, tol.null_space)?;
    if !spec.is_psd() {
        return Ok(CriticalGamma::NoneAccepted);
    }
    let stable = |g: f64| -> Result<bool> {
        Ok(epoch_radius(instance, b, g, orderings)? <= 1.0 + STABLE_SLACK)
    };
    let sharp = spec.sharpness();
    let mut hi = if sharp > spec.zero_tol {
        2.0 / sharp
    } else {
        // H = 0: every H_i's scale sets γ's.
        let s = (0..instance.n())
            .map(|i| linalg::max_abs(instance.samples().hessian(i).as_ref()))
            .fold(0.0_f64, f64::max);
        if s == 0.0 {
            return Ok(CriticalGamma::Unbounded);
        }
        2.0 / s
    };
    let mut doublings = 0;
    while stable(hi)? {
        hi *= 2.0;
        doublings += 1;
        if doublings > 30 {
            return Ok(CriticalGamma::Unbounded);
        }
    }
    // The first unstable point of a GRID-point grid on (0, hi].
    let mut lo = 0.0;
    for j in 1..=GRID {
        let g = hi * f64::from(j) / f64::from(GRID);
        if stable(g)? {
            lo = g;
        } else {
            hi = g;
            break;
        }
    }
    if lo == 0.0 {
        let mut g = hi;
        for _ in 0..60 {
            g /= 2.0;
            if stable(g)? {
                lo = g;
                break;
            }
            hi = g;
        }
        if lo == 0.0 {
            return Ok(CriticalGamma::NoneAccepted);
        }
    }
    while hi - lo > BISECTION_REL * hi {
        let mid = 0.5 * (lo + hi);
        if stable(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(CriticalGamma::Finite(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orderings_are_every_ordered_partition_once() {
        for (n, b) in [(4, 1), (4, 2), (6, 2), (6, 3), (6, 6), (5, 1)] {
            let mut seen = std::collections::BTreeSet::new();
            let mut count = 0u128;
            for_each_ordering(n, b, &mut |batches| {
                count += 1;
                assert_eq!(batches.len(), n / b);
                let mut all: Vec<usize> = batches.iter().flatten().copied().collect();
                seen.insert(batches.to_vec());
                all.sort_unstable();
                assert_eq!(all, (0..n).collect::<Vec<_>>());
            });
            assert_eq!(count, ordering_count(n, b), "N = {n}, B = {b}");
            assert_eq!(seen.len() as u128, count);
        }
    }
}
