//! The closed forms that the enumeration is compared with (lecture eqs. (11)–(17) and their
//! operator version), from `H`, `Σ` and the batch factor `c`.

use super::expectations::{identity_minus, Expectations};
use super::operator::MeanSquareMatrix;
use super::problem::Problem;
use crate::exact::{ExactMoments, Matrix, Scalar};

/// The closed forms of the [`Expectations`], with `H = mean H_i`, `Σ = mean H_i² − H²` and
/// `c` = [`crate::moments::batch_factor`]:
/// - `E[H_B] = H`;
/// - `E[H_B²] = H² + cΣ`;
/// - `E[(I − γH_B)²] = (I − γH)² + γ²cΣ` (eq. (14));
/// - `E[M_B Q M_B] = (I − γH)Q(I − γH) + γ²c · mean_i (H_i − H)Q(H_i − H)`.
///
/// The last holds for both schemes with their own `c` because `H_B − H` has mean zero and
/// `E[(H_B − H) ⊗ (H_B − H)] = c · mean_i (H_i − H) ⊗ (H_i − H)`: `B` independent draws give
/// `c = 1/B`; a uniform `B`-subset of a finite population gives the finite-population
/// correction `c = (N − B)/(B(N − 1))`.
///
/// # Panics
/// If `T` cannot represent `N` and `B` (`f64` and `BigRational` always can).
#[must_use]
pub fn closed_form<T: Scalar>(problem: &Problem<T>) -> Expectations<T> {
    let moments = ExactMoments::of(problem.hessians(), problem.batch_size(), problem.sampling());
    let batch_hessian_sq = &(&moments.h * &moments.h) + &moments.sigma.scaled(&moments.c);
    Expectations {
        operator: closed_form_operator(problem, &moments),
        second_moment: moments.thm33_matrix(problem.gamma()),
        batch_hessian_sq,
        batch_hessian: moments.h,
    }
}

/// `L(Q) = (I − γH)Q(I − γH) + γ²c · mean_i (H_i − H)Q(H_i − H)` as a `d²×d²` matrix.
fn closed_form_operator<T: Scalar>(
    problem: &Problem<T>,
    moments: &ExactMoments<T>,
) -> MeanSquareMatrix<T> {
    let d = problem.d();
    let gamma = problem.gamma();
    let m = identity_minus(gamma, &moments.h);
    let deviations: Vec<Matrix<T>> = problem
        .hessians()
        .iter()
        .map(|hi| hi - &moments.h)
        .collect();
    let n = T::from_usize(problem.n()).expect("N converts");
    let noise = gamma.clone() * gamma.clone() * moments.c.clone() / n;
    MeanSquareMatrix::from_fn(d, |i, j, k, l| {
        let spread = deviations.iter().fold(T::zero(), |acc, dev| {
            acc + dev.get(i, k).clone() * dev.get(l, j).clone()
        });
        m.get(i, k).clone() * m.get(l, j).clone() + noise.clone() * spread
    })
}
