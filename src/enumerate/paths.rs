//! `E‖x_k‖²` for `k = 0..=K` steps of linearized SGD `x_{k+1} = (I − γH_{B_k}) x_k`, by
//! enumerating every path of minibatches `(B_1, …, B_k)` — the tree whose level `k` has
//! `(#batches)^k` nodes — and, for comparison, by iterating the closed-form operator.

use super::batches::{batch_counts, for_each_batch, from_u128, Route};
use super::closed_form::closed_form;
use super::expectations::{batch_hessian, identity_minus, route_for};
use super::limit::{admit, EnumerationParams};
use super::problem::Problem;
use crate::error::{Error, Result};
use crate::exact::{Matrix, Scalar};

/// `E‖x_k‖²` along every batch path, and how it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct PathMoments<T> {
    /// `E‖x_k‖²` for `k = 0, 1, …, K` (entry 0 is `‖x_0‖²`).
    pub mean_sq_norm: Vec<T>,
    /// The route by which each step's minibatch was enumerated.
    pub route: Route,
    /// The number of tree nodes visited: `Σ_{k=1..K} m^k` for `m` minibatches per step.
    pub visits: u128,
}

/// `E‖x_k‖²` for `k = 0..=steps` from `x_0 = x0`, by visiting every path of minibatches: each
/// node at depth `k` carries `x_k = M_{B_k} ⋯ M_{B_1} x_0` and the product of its batches'
/// probabilities. The expectations are taken over the paths themselves, not through a
/// recursion on second-moment matrices.
///
/// # Errors
/// [`Error::Input`] on `sampling` under random reshuffling (its steps are not independent);
/// on `x0` if its length is not `d`; on `batch_size` as
/// [`super::expectations`]; and on `steps` if the number of tree nodes exceeds `params.limit`
/// (and `params.over_limit` is [`super::OverLimit::Refuse`]) or overflows `u128` — the message
/// states the count.
///
/// # Panics
/// If `T` cannot represent the integer counts (`f64` and `BigRational` always can).
pub fn path_second_moments<T: Scalar>(
    problem: &Problem<T>,
    x0: &[T],
    steps: usize,
    params: &EnumerationParams,
) -> Result<PathMoments<T>> {
    check_x0(problem, x0)?;
    check_independent(problem)?;
    let route = route_for(problem.sampling(), params);
    let (n, b) = (problem.n(), problem.batch_size());
    let (per_step, out_of) = batch_counts(n, b, route)?;
    let nodes = tree_nodes(per_step, steps);
    let visits = admit(
        nodes,
        &format!("every path of {steps} steps ({per_step} minibatches per step, Σ_{{k=1..{steps}}} {per_step}^k tree nodes)"),
        "steps",
        params,
    )?;
    // The per-step maps M_B = I − γH_B with their multiplicities (out of `out_of`).
    let mut maps: Vec<(Matrix<T>, T)> = Vec::new();
    if steps > 0 {
        for_each_batch(n, b, route, &params.forced(), |batch| {
            let hb = batch_hessian(problem.hessians(), batch.indices);
            maps.push((
                identity_minus(problem.gamma(), &hb),
                from_u128(batch.multiplicity),
            ));
        })?;
    }
    let mut sums = vec![T::zero(); steps + 1];
    descend(&maps, x0, &T::one(), 0, &mut sums);
    // Level k holds Σ_paths (∏ multiplicities)·‖x_k‖²; the paths of length k are out_of^k equally
    // likely outcomes.
    let out_of = from_u128::<T>(out_of);
    let mut denominator = T::one();
    let mean_sq_norm = sums
        .into_iter()
        .enumerate()
        .map(|(k, s)| {
            if k > 0 {
                denominator = denominator.clone() * out_of.clone();
            }
            s / denominator.clone()
        })
        .collect();
    Ok(PathMoments {
        mean_sq_norm,
        route,
        visits,
    })
}

/// Add `weight·‖x‖²` at `depth`, then recurse into every minibatch.
fn descend<T: Scalar>(maps: &[(Matrix<T>, T)], x: &[T], weight: &T, depth: usize, sums: &mut [T]) {
    let sq = x
        .iter()
        .fold(T::zero(), |acc, v| acc + v.clone() * v.clone());
    sums[depth] = sums[depth].clone() + weight.clone() * sq;
    if depth + 1 == sums.len() {
        return;
    }
    for (m, mult) in maps {
        let next: Vec<T> = (0..x.len())
            .map(|i| {
                (0..x.len()).fold(T::zero(), |acc, j| acc + m.get(i, j).clone() * x[j].clone())
            })
            .collect();
        descend(
            maps,
            &next,
            &(weight.clone() * mult.clone()),
            depth + 1,
            sums,
        );
    }
}

/// `E‖x_k‖²` for `k = 0..=steps` by the closed form: `Q_0 = x_0 x_0ᵀ`, `Q_{k+1} = L(Q_k)` with
/// the closed-form operator `L` of [`closed_form`], and `E‖x_k‖² = tr Q_k`.
///
/// # Errors
/// [`Error::Input`] on `x0` if its length is not `d`; on `sampling` under random reshuffling
/// (`L` is the operator of independent steps).
pub fn path_second_moments_closed_form<T: Scalar>(
    problem: &Problem<T>,
    x0: &[T],
    steps: usize,
) -> Result<Vec<T>> {
    check_x0(problem, x0)?;
    check_independent(problem)?;
    let op = closed_form(problem).operator;
    let mut q = Matrix::from_fn(x0.len(), x0.len(), |i, j| x0[i].clone() * x0[j].clone());
    let mut out = Vec::with_capacity(steps + 1);
    out.push(q.trace());
    for _ in 0..steps {
        q = op.apply(&q);
        out.push(q.trace());
    }
    Ok(out)
}

/// Paths of several steps are paths of independent minibatches: refuse random reshuffling,
/// whose batches within an epoch are disjoint.
fn check_independent<T: Scalar>(problem: &Problem<T>) -> Result<()> {
    if problem.sampling().is_iid() {
        Ok(())
    } else {
        Err(Error::invalid(crate::error::ErrorKind::Unsupported,
            "sampling",
            format!(
                "paths of several steps are enumerated with every step's minibatch drawn independently; {}'s batches within an epoch are disjoint, so its paths are not these (see mean_square::reshuffling for its per-epoch operator)",
                problem.sampling()
            ),
        ))
    }
}

fn check_x0<T: Scalar>(problem: &Problem<T>, x0: &[T]) -> Result<()> {
    if x0.len() == problem.d() {
        Ok(())
    } else {
        Err(Error::invalid(
            crate::error::ErrorKind::Shape,
            "x0",
            format!(
                "has length {}, but the Hessians are {d}×{d}: x_0 must have length d = {d}",
                x0.len(),
                d = problem.d()
            ),
        ))
    }
}

/// `Σ_{k=1..steps} m^k`, overflow-checked.
fn tree_nodes(m: u128, steps: usize) -> Option<u128> {
    let mut level: u128 = 1;
    let mut total: u128 = 0;
    for _ in 0..steps {
        level = level.checked_mul(m)?;
        total = total.checked_add(level)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_node_counts() {
        assert_eq!(tree_nodes(3, 0), Some(0));
        assert_eq!(tree_nodes(3, 2), Some(12));
        assert_eq!(tree_nodes(1, 5), Some(5));
        assert_eq!(tree_nodes(10, 39), None);
    }
}
