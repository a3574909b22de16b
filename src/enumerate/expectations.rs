//! The expectations over one minibatch — `E[H_B]`, `E[H_B²]`, `E[(I − γH_B)²]` and the
//! operator `Q ↦ E[M_B Q M_B]` — accumulated by visiting every minibatch.

use super::batches::{batch_counts, for_each_batch, from_u128, Route};
use super::fast::{subset_moments, Quantities, SubsetMoments};
use super::limit::{Engine, EnumerationParams, ReplacementRoute};
use super::operator::MeanSquareMatrix;
use super::problem::Problem;
use crate::error::Result;
use crate::exact::{Matrix, Scalar};
use crate::instance::Sampling;

/// The expectations over one minibatch `B_k`, with `M_B = I − γH_B`: produced by enumeration
/// ([`expectations`]) or by the closed forms ([`super::closed_form`]), so the two can be
/// compared field by field (`==` on rationals).
#[derive(Debug, Clone, PartialEq)]
pub struct Expectations<T> {
    /// `E[H_B]` (closed form: `H`).
    pub batch_hessian: Matrix<T>,
    /// `E[H_B²]` (closed form: `H² + cΣ`).
    pub batch_hessian_sq: Matrix<T>,
    /// `E[(I − γH_B)²]`, the matrix of eqs. (11)–(14) (closed form: `(I − γH)² + γ²cΣ`).
    pub second_moment: Matrix<T>,
    /// `Q ↦ E[M_B Q M_B]` (closed form: `(I − γH)Q(I − γH) + γ²c·mean_i (H_i − H)Q(H_i − H)`).
    pub operator: MeanSquareMatrix<T>,
}

impl<T: Scalar> Expectations<T> {
    /// The four quantities with their names, in a fixed order; the operator as its `d²×d²`
    /// matrix.
    #[must_use]
    pub fn named(&self) -> [(&'static str, &Matrix<T>); 4] {
        [
            ("E[H_B]", &self.batch_hessian),
            ("E[H_B²]", &self.batch_hessian_sq),
            ("E[(I − γH_B)²]", &self.second_moment),
            ("E[M_B ⊗ M_B]", self.operator.matrix()),
        ]
    }

    /// `self − other`, field by field (exactly zero when the routes agree, on rationals).
    ///
    /// # Panics
    /// If the dimensions differ.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            batch_hessian: &self.batch_hessian - &other.batch_hessian,
            batch_hessian_sq: &self.batch_hessian_sq - &other.batch_hessian_sq,
            second_moment: &self.second_moment - &other.second_moment,
            operator: MeanSquareMatrix::from_matrix(
                self.operator.dim(),
                self.operator.matrix() - other.operator.matrix(),
            ),
        }
    }
}

/// The result of an enumeration: the expectations and how they were obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct Enumeration<T> {
    /// The enumerated expectations.
    pub expectations: Expectations<T>,
    /// The route taken.
    pub route: Route,
    /// The number of minibatches visited.
    pub visits: u128,
}

impl SubsetMoments {
    /// As an [`Enumeration`] over [`Route::Subsets`] (here, beside the type it builds, so that
    /// the fast route does not depend on this module).
    ///
    /// # Panics
    /// If the operator was not computed ([`Quantities::Moments`]).
    #[must_use]
    pub fn into_enumeration(self) -> Enumeration<f64> {
        Enumeration {
            expectations: Expectations {
                batch_hessian: self.batch_hessian,
                batch_hessian_sq: self.batch_hessian_sq,
                second_moment: self.second_moment,
                operator: self
                    .operator
                    .expect("the operator is computed with Quantities::WithOperator"),
            },
            route: Route::Subsets,
            visits: self.visits,
        }
    }
}

/// The route [`expectations`] and [`super::path_second_moments`] take for `sampling`.
///
/// Random reshuffling takes [`Route::Subsets`]: one of its batches is a uniform `B`-subset, so
/// the one-step expectations are those of its marginal. Its steps are not independent, so the
/// multi-step path enumeration refuses it.
#[must_use]
pub fn route_for(sampling: Sampling, params: &EnumerationParams) -> Route {
    match (sampling, params.replacement_route) {
        (Sampling::WithoutReplacement | Sampling::RandomReshuffling, _) => Route::Subsets,
        (Sampling::WithReplacement, ReplacementRoute::Multisets) => Route::Multisets,
        (Sampling::WithReplacement, ReplacementRoute::OrderedTuples) => Route::OrderedTuples,
    }
}

/// `H_B = (1/B) Σ_{ξ ∈ indices} H_ξ`.
pub(crate) fn batch_hessian<T: Scalar>(hessians: &[Matrix<T>], indices: &[usize]) -> Matrix<T> {
    let d = hessians[0].dim();
    let inv_b = T::one() / T::from_usize(indices.len()).expect("B converts");
    let sum = indices
        .iter()
        .fold(Matrix::zeros(d, d), |acc, &i| &acc + &hessians[i]);
    sum.scaled(&inv_b)
}

/// `I − γA`.
pub(crate) fn identity_minus<T: Scalar>(gamma: &T, a: &Matrix<T>) -> Matrix<T> {
    &Matrix::identity(a.dim()) - &a.scaled(gamma)
}

/// A running sum `Σ w·X` of `n×n` matrices, row-major.
struct Sum<T>(Vec<T>);

impl<T: Scalar> Sum<T> {
    fn new(len: usize) -> Self {
        Self(vec![T::zero(); len])
    }

    /// Add `w · f(k)` to entry `k` for every `k` (`w = None` means `1`, saving a product).
    fn add(&mut self, w: Option<&T>, mut f: impl FnMut(usize) -> T) {
        for (k, slot) in self.0.iter_mut().enumerate() {
            let x = f(k);
            let x = match w {
                Some(w) => x * w.clone(),
                None => x,
            };
            *slot = slot.clone() + x;
        }
    }

    /// The `n×n` matrix `scale · Σ`.
    fn finish(self, n: usize, scale: &T) -> Matrix<T> {
        Matrix::from_fn(n, n, |i, j| self.0[i * n + j].clone() * scale.clone())
    }
}

/// Visit every minibatch of `problem` and return `E[H_B]`, `E[H_B²]`, `E[(I − γH_B)²]` and the
/// operator `Q ↦ E[M_B Q M_B]`, computed batch by batch from `H_B` — no closed form is used.
///
/// Without replacement the route is [`Route::Subsets`]; with replacement it is chosen by
/// `params.replacement_route`. Each visit costs `O(B d² + d⁴)` (the operator dominates).
///
/// For `T = f64` without replacement and `params.engine` = [`Engine::Fast`] (the default), the
/// work is done by [`subset_moments`] (revolving-door order, batched products, parallel, same
/// bits for any thread count) instead; the batch-by-batch loop above remains for rationals, for
/// sampling with replacement, and under [`Engine::Generic`] as its reference.
///
/// # Errors
/// [`crate::Error::Input`] on field `batch_size` if the number of minibatches exceeds
/// `params.limit` (and `params.over_limit` is [`super::OverLimit::Refuse`]) or overflows `u128`;
/// the message states the count; [`crate::Error::Limit`] when the quantities would not fit the
/// current [`crate::limits::MemoryBudget`] (the `d²×d²` operator at large `d`).
///
/// # Panics
/// If `T` cannot represent the integer counts (`f64` and `BigRational` always can).
pub fn expectations<T: Scalar + 'static>(
    problem: &Problem<T>,
    params: &EnumerationParams,
) -> Result<Enumeration<T>> {
    super::limit::check_memory::<T>(problem.n(), problem.d())?;
    let route = route_for(problem.sampling(), params);
    if route == Route::Subsets && params.engine == Engine::Fast {
        // Specialization by type: the fast route exists for f64 only.
        let any: &dyn std::any::Any = problem;
        if let Some(p) = any.downcast_ref::<Problem<f64>>() {
            let e = subset_moments(p, Quantities::WithOperator, params)?.into_enumeration();
            let boxed: Box<dyn std::any::Any> = Box::new(e);
            return Ok(*boxed.downcast::<Enumeration<T>>().expect("T is f64 here"));
        }
    }
    let (n, b, d) = (problem.n(), problem.batch_size(), problem.d());
    let gamma = problem.gamma();
    let mut h = Sum::new(d * d);
    let mut h_sq = Sum::new(d * d);
    let mut m_sq = Sum::new(d * d);
    let mut op = Sum::new(d * d * d * d);
    let (_, out_of) = batch_counts(n, b, route)?;
    let visits = for_each_batch(n, b, route, params, |batch| {
        let weight = (batch.multiplicity != 1).then(|| from_u128::<T>(batch.multiplicity));
        let w = weight.as_ref();
        let hb = batch_hessian(problem.hessians(), batch.indices);
        let m = identity_minus(gamma, &hb);
        let hb_sq = &hb * &hb;
        let m_m = &m * &m;
        h.add(w, |k| hb.get(k / d, k % d).clone());
        h_sq.add(w, |k| hb_sq.get(k / d, k % d).clone());
        m_sq.add(w, |k| m_m.get(k / d, k % d).clone());
        // Row p = i + j·d, column q = k + l·d of the d²×d² matrix: (M_B)_ik (M_B)_lj.
        op.add(w, |idx| {
            let (p, q) = (idx / (d * d), idx % (d * d));
            let (i, j, k, l) = (p % d, p / d, q % d, q / d);
            m.get(i, k).clone() * m.get(l, j).clone()
        });
    })?;
    let scale = T::one() / from_u128::<T>(out_of);
    Ok(Enumeration {
        expectations: Expectations {
            batch_hessian: h.finish(d, &scale),
            batch_hessian_sq: h_sq.finish(d, &scale),
            second_moment: m_sq.finish(d, &scale),
            operator: MeanSquareMatrix::from_matrix(d, op.finish(d * d, &scale)),
        },
        route,
        visits,
    })
}
