//! The exact route (rationals, scalar-generic code) against the floating-point route (faer).

use crate::common::{assert_close, instance, random_hessians};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;
use quickcheck::{QuickCheck, TestResult};
use sgd_stability::exact::{ExactMoments, Matrix};
use sgd_stability::moments::Moments;
use sgd_stability::Sampling;

fn to_exact(rows: &[Vec<Vec<f64>>]) -> Vec<Matrix<BigRational>> {
    rows.iter()
        .map(|m| {
            Matrix::from_fn(m.len(), m.len(), |i, j| {
                // Entries are small integers: exact as rationals.
                BigRational::from_integer(BigInt::from(m[i][j] as i64))
            })
        })
        .collect()
}

#[test]
fn exact_moments_match_faer_moments() {
    fn prop(seed: u64, n: u8, d: u8, b: u8, with: bool) -> TestResult {
        let (n, d) = (1 + usize::from(n % 5), 1 + usize::from(d % 4));
        let b = 1 + usize::from(b) % n;
        let sampling = if with {
            Sampling::WithReplacement
        } else {
            Sampling::WithoutReplacement
        };
        let rows = random_hessians(seed, n, d, d);
        let exact = ExactMoments::of(&to_exact(&rows), b, sampling);
        let inst = instance(&rows, 0.25, b, sampling);
        let float = Moments::of(inst.samples());
        let c: f64 = sgd_stability::moments::batch_factor(n, b, sampling);
        assert_close("c", c, exact.c.to_f64().unwrap(), 1e-15, 1e-15);
        let gamma = BigRational::new(1.into(), 4.into());
        let m_exact = exact.thm33_matrix(&gamma);
        let m_float = float.thm33_matrix(0.25, c);
        let scale = rows
            .iter()
            .flatten()
            .flatten()
            .fold(1.0_f64, |m, x| m.max(x.abs()));
        for i in 0..d {
            for j in 0..d {
                let w = |x: &BigRational| x.to_f64().unwrap();
                assert_close("H", float.h[(i, j)], w(exact.h.get(i, j)), 1e-14, scale);
                assert_close(
                    "Σ",
                    float.sigma[(i, j)],
                    w(exact.sigma.get(i, j)),
                    1e-13,
                    scale * scale,
                );
                assert_close(
                    "(I−γH)²+γ²cΣ",
                    m_float[(i, j)],
                    w(m_exact.get(i, j)),
                    1e-13,
                    scale * scale,
                );
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .rng(quickcheck::Gen::from_size_and_seed(50, 7))
        .tests(200)
        .quickcheck(prop as fn(u64, u8, u8, u8, bool) -> TestResult);
}

/// The closeness check itself must say no when the routes disagree.
#[test]
#[should_panic(expected = "error")]
fn a_perturbed_moment_is_caught() {
    let rows = random_hessians(3, 4, 3, 3);
    let exact = ExactMoments::of(&to_exact(&rows), 2, Sampling::WithoutReplacement);
    let inst = instance(&rows, 0.25, 2, Sampling::WithoutReplacement);
    let float = Moments::of(inst.samples());
    let perturbed = exact.sigma.get(0, 1).to_f64().unwrap() + 1e-9;
    assert_close("Σ_01", float.sigma[(0, 1)], perturbed, 1e-13, 1.0);
}
