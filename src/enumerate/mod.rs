//! Exact expectations over every minibatch (and every path of minibatches), by brute-force
//! enumeration, generic over the scalar (`f64` or exact rationals) — and the closed forms they are
//! compared with.
//!
//! Linearized SGD is `x_{k+1} = M_{B_k} x_k` with `M_B = I − γH_B` and
//! `H_B = (1/B) Σ_{ξ ∈ B} H_ξ` (lecture eq. (9)). Theorem 3.3 rests on one identity,
//! eqs. (11)–(17): `E[(I − γH_B)²] = (I − γH)² + γ²cΣ`. This module computes such expectations
//! independently of any closed form, by visiting every minibatch with its exact probability:
//!
//! | sampling | [`Route`] | batches | probability |
//! |---|---|---|---|
//! | without replacement | [`Route::Subsets`] | `C(N,B)` | `1/C(N,B)` |
//! | with replacement | [`Route::OrderedTuples`] | `N^B` | `1/N^B` |
//! | with replacement | [`Route::Multisets`] | `C(N+B−1,B)` | `B!/(∏ m_j!)/N^B` |
//!
//! - [`expectations`]: `E[H_B]`, `E[H_B²]`, `E[(I − γH_B)²]` and the second-moment operator
//!   `Q ↦ E[M_B Q M_B]` ([`MeanSquareMatrix`], a `d²×d²` matrix on column-major `vec(Q)`).
//! - [`path_second_moments`]: `E‖x_k‖²` for `k = 0..=K`, over every path of `k` minibatches.
//! - [`closed_form`] and [`path_second_moments_closed_form`]: the same quantities from `H`, `Σ`
//!   and `c`.
//!
//! On `BigRational` the two routes are compared with `==`: the identity is checked exactly.
//!
//! Before visiting anything the count is computed with overflow-checked arithmetic; above
//! [`EnumerationParams::limit`] the enumeration is refused with an error stating the count, unless
//! [`EnumerationParams::over_limit`] is [`OverLimit::Proceed`].
//!
//! ```
//! use num_rational::BigRational;
//! use sgd_stability::enumerate::{self, EnumerationParams, Problem};
//! use sgd_stability::exact::Matrix;
//! use sgd_stability::Sampling;
//!
//! // d = 1, H_i = 1, 3, 5, 7, B = 2 without replacement, γ = 1/2.
//! let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
//! let hs = [1, 3, 5, 7].map(|v| Matrix::from_fn(1, 1, |_, _| q(v, 1))).to_vec();
//! let p = Problem::new(hs, 2, Sampling::WithoutReplacement, q(1, 2))?;
//! let e = enumerate::expectations(&p, &EnumerationParams::default())?;
//! assert_eq!(e.visits, 6); // C(4, 2) subsets
//! assert_eq!(e.expectations, enumerate::closed_form(&p));
//! // (1 − 4/2)² + ¼·⅓·5 = 17/12
//! assert_eq!(e.expectations.second_moment.get(0, 0), &q(17, 12));
//! # Ok::<(), sgd_stability::Error>(())
//! ```

mod batches;
mod check;
mod closed_form;
mod count;
mod expectations;
mod fast;
mod fixed;
mod limit;
mod operator;
mod paths;
mod problem;
mod progress;
mod revolving_door;

pub use batches::{for_each_batch, Batch, Route};
pub use check::{Arithmetic, EnumerationCheck, QuantityCheck};
pub use closed_form::closed_form;
pub use expectations::{expectations, route_for, Enumeration, Expectations};
pub use fast::{subset_moments, Quantities, SubsetMoments, SUBSETS_PER_BLOCK, SUBSETS_PER_CHUNK};
pub use limit::{Engine, EnumerationParams, Limit, OverLimit, ReplacementRoute, SimdDispatch};
pub use operator::MeanSquareMatrix;
pub use paths::{path_second_moments, path_second_moments_closed_form, PathMoments};
pub use problem::{hessians_exact, hessians_f64, Problem};
pub use progress::Progress;
pub(crate) use progress::Ticker;
pub use revolving_door::{unrank, RevolvingDoor};
