//! # sgd-stability
//!
//! Verify the linear-stability theory of SGD at global minima (the lecture "SGD stability and
//! generalization"; the lecture itself is not shipped with the crate, its derivations are, as
//! printed, in `proofs/`), numerically and — where the input is rational — exactly.
//!
//! Linearized SGD at a global minimum `x*` is `x_{k+1} = (I − γ H_{B_k}) x_k`, with per-sample
//! Hessians `H_i` and `H_B` their mean over a minibatch `B_k` of size `B`. This crate computes,
//! for an instance (the `H_i` or gradients `g_i` with `H_i = g_i g_iᵀ`, `γ`, `B`, a sampling
//! scheme):
//! - the moments `H = mean H_i`, `Σ = mean H_i² − H²`, the batch factor `c`
//!   ([`moments`]);
//! - the lecture's criteria, each with its value, margin, critical learning rate and verdict
//!   ([`criteria`]): Theorem 3.3 (sufficient), Corollary 3.4 (GD), Theorem 3.5 (necessary, under
//!   its hypotheses).
//!
//! ## Sampling schemes
//! [`Sampling`]: `without_replacement` (a uniform `B`-subset at every step, the lecture's
//! setting) and `with_replacement` (`B` independent draws at every step) are the two i.i.d.
//! schemes ([`Sampling::IID`]) that the lecture's multi-step results — Theorems 3.3 and 3.5, the
//! exact operator `L_γ` and `γ*_exact` — assume. `random_reshuffling` (every epoch a fresh
//! uniformly random permutation cut into `E = N/B` consecutive batches; `B` must divide `N`) is
//! not i.i.d.: one batch is still a uniform `B`-subset, so one-step quantities (`c`,
//! `E[(I − γH_B)²]`) are those without replacement, but its mean-square stability is the
//! per-epoch operator of [`mean_square::reshuffling`] (exact for `N ≤ 8` or `B = N`), analyzed
//! by [`ReshufflingAnalysis`] and simulated by [`simulate`]. Everything that assumes
//! independent batches refuses it with an error on `sampling` ([`Instance::require_iid`]).
//!
//! ## Use as a correctness oracle
//!
//! ```
//! use sgd_stability::{Analysis, BatchSize, Instance, LearningRate, Samples, Sampling, Tolerances};
//! use sgd_stability::criteria::{CriticalGamma, Verdict};
//!
//! // d = 1, H_i = g_i² with g = (1, 2, 3): H = 14/3, Σ = mean g⁴ − H² = 98/3 − 196/9 = 98/9.
//! let samples = Samples::gradients_from_rows(&[vec![1.0], vec![2.0], vec![3.0]])?;
//! let instance = Instance::new(
//!     "scalar",
//!     samples,
//!     LearningRate::new(0.1)?,
//!     BatchSize::new(1)?,
//!     Sampling::WithoutReplacement,
//! )?;
//! let a = Analysis::of(&instance, &Tolerances::default())?;
//! // In d = 1 Theorem 3.3 is exact: γ* = 2a/(a² + cs²) with c = 1 for B = 1.
//! let (h, s2) = (14.0 / 3.0, 98.0 / 9.0);
//! let CriticalGamma::Finite(g) = a.thm33.critical_gamma else { unreachable!() };
//! assert!((g - 2.0 * h / (h * h + s2)).abs() < 1e-12);
//! assert_eq!(a.thm33.verdict, Verdict::Holds); // 0.1 < γ* ≈ 0.2857
//! assert_eq!(a.gd.verdict, Verdict::Holds);    // 0.1 < 2/H ≈ 0.4286
//! # Ok::<(), sgd_stability::Error>(())
//! ```
//!
//! ## Notation
//!
//! | lecture | code |
//! |---|---|
//! | `γ` | `gamma`, [`LearningRate`] |
//! | `B`, `N`, `d` | `batch_size` ([`BatchSize`]), `n`, `d` |
//! | `H_i`, `g_i` | [`Samples::Hessians`], [`Samples::Gradients`] |
//! | `H = (1/N) Σ H_i` | [`moments::Moments::h`] |
//! | `Σ = (1/N) Σ H_i² − H²` | [`moments::Moments::sigma`] |
//! | `(N − B)/(B(N − 1))`, `1/B` | `c`, [`moments::batch_factor`] |
//! | `L_γ(Q) = E[M_B Q M_B]`, `M_B = I − γH_B` (the mean-square operator) | [`mean_square::MeanSquareOperator`] (matrix-free on `Sym(d)`), [`enumerate::MeanSquareMatrix`] (its `d²×d²` matrix) |
//! | without / with replacement, random reshuffling | [`Sampling`] |
//! | the step `k`, the number of steps `K`; `E = N/B` steps per epoch (random reshuffling) | `step`, `steps` ([`simulate::SimParams`]); `steps_per_epoch` |
//! | `L_epoch(P) = E_π[A P Aᵀ]`, `A = M_E ⋯ M_1`, `ρ(L_epoch)^{1/E}` | [`mean_square::reshuffling`] |
//! | `λ_max(H)` (sharpness), `s = √λ_max(Σ)` (non-uniformity) | [`analysis::Summary`]: `sharpness`, `non_uniformity` |
//! | `λ_max{(I − γH)² + γ²cΣ}` (eq. 8) | `thm33.value` |
//! | largest `γ` a criterion accepts | `critical_gamma`, [`criteria::CriticalGamma`] |
//! | a criterion holds / fails / is tight at `γ` | [`criteria::Verdict`]: `Holds`, `Fails`, `Boundary`; every verdict's truth is a [`verdict::Truth`] |
//! | `h(x; u) = Σ_j a_j σ(w_jᵀu)` (Section 4), `θ = (a, w_1, …, w_m)` | [`model::TwoLayer`] |
//! | `F(x, ξ_i) = ½(h(x; u_i) − v_i)²` (eq. 28), `e_i`, `g_i = ∇h` | [`train::objective`] |
//! | `ρ`, `ε*(x)`, SAM eq. (56) / Foret / unnormalized | [`train::SamRadius`], [`train::SamAscent`] |
//! | `γλ(1 + ρλ) ≤ 2` (unnormalized SAM's stability, derived) | [`train::sam_stability`] |
//!
//! ## Modules
//! From the bottom up (`ARCHITECTURE.md` has the layers and the data flow; no module imports
//! from a layer above it, and `tests/integration/architecture.rs` checks that there is no import
//! cycle):
//! - [`fmt`], [`tolerance`], [`verdict`], [`progress`]: leaves. Number, name and path
//!   formatting for people; every tolerance, as values; the one verdict vocabulary (the truth of
//!   a claim: holds, fails or undecided, onto which every checker's verdict maps); the phase
//!   spinner of long computations (drawn only on a terminal, and only with the `cli` feature).
//! - [`error`]: the error type, its typed [`ErrorKind`] and exit codes.
//! - [`limits`]: the memory and work budgets checked before input-sized allocations, and the
//!   one budgeted reader of input files.
//! - [`linalg`]: the only module that calls faer's decompositions.
//! - [`instance`]: the validated problem (samples, `γ`, `B`, sampling scheme).
//! - [`exact`]: the dense [`exact::Matrix`] and scalar-generic arithmetic on it (f64 or exact
//!   rationals); polynomials over the rationals ([`exact::poly`]) and exact rational matrices
//!   ([`exact::rational`]) for the certified route and the derivation checker, with the work
//!   meter that bounds the checker.
//! - [`load`]: the only module that knows the file formats (JSON fixtures, `.npy`).
//! - [`moments`]: `H`, `Σ`, `c`.
//! - [`criteria`]: the lecture's criteria and their critical learning rates.
//! - [`reduction`]: an instance rewritten on the range of its Hessians, at a safe scale
//!   (exact; what makes over-parameterized minima, `P ≫ N`, fast).
//! - [`enumerate`]: exact expectations over every minibatch and batch path, and their closed forms.
//! - [`mean_square`]: exact mean-square stability: the mean-square operator `L_γ`, its spectral
//!   radius, and the exact critical learning rate; random reshuffling's per-epoch operator; the
//!   sweep over batch sizes; the certified (exact rational) route.
//! - [`analysis`]: one instance analyzed ([`Analysis`] under the i.i.d. schemes,
//!   [`ReshufflingAnalysis`] under random reshuffling, [`InstanceAnalysis`] for either).
//! - [`simulate`]: seeded Monte Carlo of linearized SGD against the exact mean-square
//!   prediction, with finite-sample intervals, growth rates and escape times.
//! - [`proof`]: the derivation checker: the lecture's proofs (`proofs/*.lecture`) as
//!   machine-checked step chains.
//! - [`model`]: models with a scalar output and their exact per-sample derivatives (linear,
//!   random features, the two-layer network of Section 4), checked against finite differences.
//! - [`data`]: datasets: the shipped handwritten digits (their file format) and Section 4's
//!   sphere inputs with a teacher.
//! - [`train`]: GD, SGD and SAM (eq. 56, Foret, unnormalized) on the squared loss; the polish
//!   onto the zero-loss set; SAM's linear stability.
//! - [`experiment`]: the experiments on trained models (GD at the edge, the escape of
//!   Figures 1–2, SAM, and Section 4: Theorems 4.1 and 4.2 and the chain (46)–(48) on two-layer
//!   ReLU networks over the sphere), each with the lecture's claims and what the runs say.
//! - [`verification`]: everything a verification report shows, computed once per instance
//!   (analyses, enumerations, batch curves, Monte Carlo, the derivation checker, the checks
//!   expected to hold).
//! - [`report`]: the renderers (text, Markdown, JSON) of analyses, enumerations, simulations,
//!   sweeps and proofs, pure functions of what they are given; and, with the `cli` feature, the
//!   verification report's `Document`, whose `Document::build` still runs the analyses,
//!   enumerations, simulations and proofs it shows (not pure: see `ARCHITECTURE.md`).
//! - `figures` (`cli` feature): the SVG figures (plotters).
//! - `output` (`cli` feature): the report folder written atomically.
//! - `cli` (`cli` feature): argument parsing, loading, dispatch, and the main job's summary.
//!
//! ## Features
//! `cli` (on by default) carries the command line, the figures, the report folder and the
//! progress bars (clap, plotters, indicatif, rustix). Without it (`default-features = false`)
//! the crate is the oracle library: everything above except `figures`, `output`, `cli` and
//! `report`'s `Document`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis;
#[cfg(feature = "cli")]
pub mod cli;
pub mod criteria;
pub mod data;
pub mod enumerate;
pub mod error;
pub mod exact;
pub mod experiment;
#[cfg(feature = "cli")]
pub mod figures;
pub mod fmt;
pub mod instance;
pub mod limits;
pub mod linalg;
pub mod load;
pub mod mean_square;
pub mod model;
pub mod moments;
#[cfg(feature = "cli")]
pub mod output;
pub mod progress;
pub mod proof;
pub mod reduction;
pub mod report;
pub mod simulate;
pub mod tolerance;
pub mod train;
pub mod verdict;
pub mod verification;

pub use analysis::{Analysis, InstanceAnalysis, ReshufflingAnalysis};
pub use error::{Error, ErrorKind, Result};
pub use instance::{BatchSize, Gradients, Instance, LearningRate, Samples, Sampling};
pub use tolerance::{RelTol, Tolerances};
