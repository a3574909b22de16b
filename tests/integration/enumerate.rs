//! The enumeration engine against the closed forms: every minibatch (and every batch path)
//! visited with its exact probability, compared with `==` on rationals and within a tolerance
//! scaled to the problem on `f64`; the checkers' must-say-no cases; the visit limit; every shipped
//! fixture; and the lecture's eqs. (13), (16) and (17) as printed.

use crate::common::{fixture_files, instance, random_hessians};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use quickcheck::{QuickCheck, TestResult};
use sgd_stability::enumerate::{
    self, closed_form, expectations, path_second_moments, path_second_moments_closed_form,
    EnumerationParams, Expectations, Limit, MeanSquareMatrix, Problem, ReplacementRoute, Route,
};
use sgd_stability::exact::{rational_from_f64, ExactMoments, Matrix};
use sgd_stability::moments::{batch_factor, Moments};
use sgd_stability::{RelTol, Sampling, Tolerances};

/// Relative tolerance of the `f64` comparisons, times the scale of each quantity (see
/// [`scales`]): a few hundred roundings of numbers of that size.
const F64_REL_TOL: f64 = 1e-12;

fn q(n: i64, d: i64) -> BigRational {
    BigRational::new(BigInt::from(n), BigInt::from(d))
}

/// Rows of `f64` (small integers here) as exact rationals.
fn exact(rows: &[Vec<Vec<f64>>]) -> Vec<Matrix<BigRational>> {
    rows.iter()
        .map(|m| Matrix::from_fn(m.len(), m.len(), |i, j| rational_from_f64(m[i][j])))
        .collect()
}

fn sampling(with: bool) -> Sampling {
    if with {
        Sampling::WithReplacement
    } else {
        Sampling::WithoutReplacement
    }
}

fn tuples() -> EnumerationParams {
    EnumerationParams {
        replacement_route: ReplacementRoute::OrderedTuples,
        ..EnumerationParams::default()
    }
}

/// Assert `got == want` exactly, naming the first quantity and entry that differ.
#[track_caller]
fn assert_exact(what: &str, got: &Expectations<BigRational>, want: &Expectations<BigRational>) {
    if got == want {
        return;
    }
    for ((name, g), (_, w)) in got.named().into_iter().zip(want.named()) {
        let n = g.dim();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(
                    g.get(i, j),
                    w.get(i, j),
                    "{what}: {name}[{i}][{j}] enumerated ≠ closed form"
                );
            }
        }
    }
    unreachable!("{what}: the expectations differ, but no entry does");
}

/// The magnitudes of the four quantities, for `s = max |(H_i)_rc|` (at least 1) and
/// `g = |γ|`: `s`, `d s²`, and `(1 + g d s)²` for `(I − γH_B)²` and the operator.
pub(crate) fn scales(p: &Problem<f64>) -> [f64; 4] {
    let d = p.d();
    let s = p
        .hessians()
        .iter()
        .flat_map(|h| (0..d).flat_map(move |i| (0..d).map(move |j| h.get(i, j).abs())))
        .fold(1.0_f64, f64::max);
    let m = (1.0 + p.gamma().abs() * d as f64 * s).powi(2);
    [s, d as f64 * s * s, m, m]
}

/// Assert every entry of `got` is within `F64_REL_TOL` × its quantity's scale of `want`,
/// printing got, want, the error and the tolerance.
#[track_caller]
fn assert_expectations_close(
    what: &str,
    got: &Expectations<f64>,
    want: &Expectations<f64>,
    scales: [f64; 4],
) {
    for (((name, g), (_, w)), scale) in got.named().into_iter().zip(want.named()).zip(scales) {
        let tol = F64_REL_TOL * scale;
        let n = g.dim();
        for i in 0..n {
            for j in 0..n {
                let (a, b) = (*g.get(i, j), *w.get(i, j));
                let err = (a - b).abs();
                assert!(
                    err <= tol,
                    "{what}: {name}[{i}][{j}]: enumerated {a:e}, closed form {b:e}, error {err:e} > tolerance {tol:e}"
                );
            }
        }
    }
}

/// A random small integer instance: `N ∈ 1..=4`, `d ∈ 1..=3`, `B ∈ 1..=N` (`1..=3` with
/// replacement, where `B > N` is allowed), `γ = num/den` with `num ∈ 1..=3`, `den ∈ 1..=7`.
fn small_exact(seed: u64, n: u8, d: u8, b: u8, with: bool, g: (u8, u8)) -> Problem<BigRational> {
    let n = 1 + usize::from(n % 4);
    let d = 1 + usize::from(d % 3);
    let b = if with {
        1 + usize::from(b % 3)
    } else {
        1 + usize::from(b) % n
    };
    let gamma = q(1 + i64::from(g.0 % 3), 1 + i64::from(g.1 % 7));
    let rows = random_hessians(seed, n, d, 1 + (seed as usize) % d);
    Problem::new(exact(&rows), b, sampling(with), gamma).unwrap()
}

#[test]
fn enumerated_equals_closed_form_exactly() {
    fn prop(seed: u64, n: u8, d: u8, b: u8, with: bool, g: (u8, u8)) -> TestResult {
        let p = small_exact(seed, n, d, b, with, g);
        let e = expectations(&p, &EnumerationParams::default()).unwrap();
        assert_eq!(
            e.route,
            enumerate::route_for(p.sampling(), &EnumerationParams::default())
        );
        let what = format!(
            "N = {}, d = {}, B = {}, {}, γ = {}",
            p.n(),
            p.d(),
            p.batch_size(),
            p.sampling(),
            p.gamma()
        );
        assert_exact(&what, &e.expectations, &closed_form(&p));
        TestResult::passed()
    }
    QuickCheck::new()
        .rng(quickcheck::Gen::from_size_and_seed(50, 11))
        .tests(100)
        .quickcheck(prop as fn(u64, u8, u8, u8, bool, (u8, u8)) -> TestResult);
}

#[test]
fn with_replacement_multisets_equal_ordered_tuples_exactly() {
    fn prop(seed: u64, n: u8, d: u8, b: u8, g: (u8, u8)) -> TestResult {
        let p = small_exact(seed, n, d, b, true, g);
        let multisets = expectations(&p, &EnumerationParams::default()).unwrap();
        let ordered = expectations(&p, &tuples()).unwrap();
        assert_eq!(multisets.route, Route::Multisets);
        assert_eq!(ordered.route, Route::OrderedTuples);
        let (n, b) = (p.n() as u128, p.batch_size() as u32);
        assert_eq!(ordered.visits, n.pow(b));
        assert_eq!(
            multisets.visits,
            Route::Multisets.count(p.n(), p.batch_size()).unwrap()
        );
        assert_exact(
            "multisets vs ordered tuples",
            &multisets.expectations,
            &ordered.expectations,
        );
        TestResult::passed()
    }
    QuickCheck::new()
        .rng(quickcheck::Gen::from_size_and_seed(50, 12))
        .tests(60)
        .quickcheck(prop as fn(u64, u8, u8, u8, (u8, u8)) -> TestResult);
}

#[test]
fn enumerated_matches_closed_form_in_f64() {
    fn prop(seed: u64, n: u8, d: u8, b: u8, with: bool, scale: u8, g: u8) -> TestResult {
        let n = 1 + usize::from(n % 5);
        let d = 1 + usize::from(d % 4);
        let b = 1 + usize::from(b) % n;
        // Entries k·s with s = (1 + scale)/7: not exactly representable, as real data.
        let s = f64::from(1 + scale % 10) / 7.0;
        let rows: Vec<Vec<Vec<f64>>> = random_hessians(seed, n, d, d)
            .into_iter()
            .map(|m| {
                m.into_iter()
                    .map(|r| r.into_iter().map(|x| x * s).collect())
                    .collect()
            })
            .collect();
        let gamma = f64::from(1 + g % 50) / 97.0;
        let inst = instance(&rows, gamma, b, sampling(with));
        let p = Problem::from_instance(&inst);
        let e = expectations(&p, &EnumerationParams::default()).unwrap();
        let what = format!("seed {seed}, N = {n}, d = {d}, B = {b}, {}", p.sampling());
        assert_expectations_close(&what, &e.expectations, &closed_form(&p), scales(&p));
        TestResult::passed()
    }
    QuickCheck::new()
        .rng(quickcheck::Gen::from_size_and_seed(50, 13))
        .tests(200)
        .quickcheck(prop as fn(u64, u8, u8, u8, bool, u8, u8) -> TestResult);
}

/// A tiny non-commuting instance: `N = 3`, `d = 2`.
fn tiny(b: usize, s: Sampling) -> Problem<BigRational> {
    let rows = vec![
        vec![vec![2.0, 1.0], vec![1.0, 1.0]],
        vec![vec![1.0, 0.0], vec![0.0, 3.0]],
        vec![vec![0.0, -1.0], vec![-1.0, 2.0]],
    ];
    Problem::new(exact(&rows), b, s, q(1, 3)).unwrap()
}

#[test]
fn path_second_moments_equal_closed_form_iteration_exactly() {
    let x0 = [q(1, 1), q(-2, 1)];
    for (b, s, params) in [
        (
            1,
            Sampling::WithoutReplacement,
            EnumerationParams::default(),
        ),
        (
            2,
            Sampling::WithoutReplacement,
            EnumerationParams::default(),
        ),
        (2, Sampling::WithReplacement, EnumerationParams::default()),
        (2, Sampling::WithReplacement, tuples()),
    ] {
        let p = tiny(b, s);
        let paths = path_second_moments(&p, &x0, 3, &params).unwrap();
        let closed = path_second_moments_closed_form(&p, &x0, 3).unwrap();
        assert_eq!(paths.mean_sq_norm, closed, "B = {b}, {s}, {}", paths.route);
        assert_eq!(paths.mean_sq_norm[0], q(5, 1), "E‖x_0‖² = ‖x_0‖²");
        // One step is eqs. (11)–(14): E‖x_1‖² = x_0ᵀ E[(I − γH_B)²] x_0.
        let m = closed_form(&p).second_moment;
        let one_step = (0..2).fold(BigRational::zero(), |acc, i| {
            (0..2).fold(acc, |acc, j| acc + &x0[i] * m.get(i, j) * &x0[j])
        });
        assert_eq!(paths.mean_sq_norm[1], one_step);
        let m = Route::ALL
            .into_iter()
            .find(|&r| r == paths.route)
            .and_then(|r| r.count(3, b))
            .unwrap();
        assert_eq!(paths.visits, m + m * m + m * m * m);
    }
}

/// In `d = 1`, eqs. (20)–(21): `E x_k² = [(1 − γa)² + γ²cΣ]^k x_0²` exactly.
#[test]
fn one_dimensional_paths_are_powers_of_the_thm33_value() {
    let hs: Vec<Matrix<BigRational>> = [1, 3, 5, 7]
        .iter()
        .map(|&v| Matrix::from_fn(1, 1, |_, _| q(v, 1)))
        .collect();
    for s in Sampling::IID {
        let p = Problem::new(hs.clone(), 2, s, q(12, 25)).unwrap();
        let lambda = ExactMoments::of(&hs, 2, s)
            .thm33_matrix(&q(12, 25))
            .get(0, 0)
            .clone();
        let x0 = [q(3, 1)];
        let paths = path_second_moments(&p, &x0, 4, &EnumerationParams::default()).unwrap();
        let mut want = q(9, 1);
        for (k, got) in paths.mean_sq_norm.iter().enumerate() {
            assert_eq!(got, &want, "{s}, k = {k}");
            want *= &lambda;
        }
    }
}

/// The exact checker must say no: one entry of the closed form moved by 10⁻³⁰.
#[test]
fn a_perturbed_closed_form_is_caught_exactly() {
    let p = tiny(2, Sampling::WithoutReplacement);
    let enumerated = expectations(&p, &EnumerationParams::default())
        .unwrap()
        .expectations;
    let closed = closed_form(&p);
    assert_eq!(enumerated, closed);
    let tiny_step = BigRational::new(BigInt::one(), BigInt::from(10).pow(30));
    let bump = |m: &Matrix<BigRational>, at: (usize, usize)| {
        Matrix::from_fn(m.dim(), m.dim(), |i, j| {
            m.get(i, j).clone()
                + if (i, j) == at {
                    tiny_step.clone()
                } else {
                    BigRational::zero()
                }
        })
    };
    for which in 0..4 {
        let mut wrong = closed.clone();
        match which {
            0 => wrong.batch_hessian = bump(&wrong.batch_hessian, (1, 0)),
            1 => wrong.batch_hessian_sq = bump(&wrong.batch_hessian_sq, (0, 1)),
            2 => wrong.second_moment = bump(&wrong.second_moment, (1, 1)),
            _ => {
                let d = wrong.operator.dim();
                wrong.operator =
                    MeanSquareMatrix::from_matrix(d, bump(wrong.operator.matrix(), (2, 1)));
            }
        }
        assert_ne!(enumerated, wrong, "perturbation {which} went unnoticed");
        let r = std::panic::catch_unwind(|| assert_exact("perturbed", &enumerated, &wrong));
        assert!(r.is_err(), "assert_exact accepted perturbation {which}");
    }
}

/// The with-replacement factor `c = 1/B` is wrong for a without-replacement enumeration (and
/// vice versa) whenever `B > 1` and `Σ ≠ 0`.
#[test]
fn the_wrong_batch_factor_is_caught() {
    let rows = random_hessians(5, 4, 2, 2);
    for (s, other) in [
        (Sampling::WithoutReplacement, Sampling::WithReplacement),
        (Sampling::WithReplacement, Sampling::WithoutReplacement),
    ] {
        let p = Problem::new(exact(&rows), 2, s, q(1, 5)).unwrap();
        let e = expectations(&p, &EnumerationParams::default())
            .unwrap()
            .expectations;
        assert_eq!(e, closed_form(&p));
        let wrong = closed_form(&p.clone().with_batch(2, other).unwrap());
        assert_eq!(
            wrong.batch_hessian, e.batch_hessian,
            "E[H_B] = H either way"
        );
        assert_ne!(
            wrong.batch_hessian_sq, e.batch_hessian_sq,
            "{s} with {other}'s c"
        );
        assert_ne!(wrong.second_moment, e.second_moment, "{s} with {other}'s c");
        assert_ne!(wrong.operator, e.operator, "{s} with {other}'s c");
    }
}

/// The `f64` checker must say no too.
#[test]
#[should_panic(expected = "tolerance")]
fn a_perturbed_closed_form_is_caught_in_f64() {
    let rows = random_hessians(3, 4, 3, 3);
    let inst = instance(&rows, 0.05, 2, Sampling::WithoutReplacement);
    let p = Problem::from_instance(&inst);
    let e = expectations(&p, &EnumerationParams::default())
        .unwrap()
        .expectations;
    let mut wrong = closed_form(&p);
    let s = &wrong.second_moment;
    wrong.second_moment =
        Matrix::from_fn(3, 3, |i, j| s.get(i, j) + if i == j { 1e-9 } else { 0.0 });
    assert_expectations_close("perturbed", &e, &wrong, scales(&p));
}

#[test]
fn too_large_enumerations_are_refused_with_their_count() {
    let hs: Vec<Matrix<f64>> = (1..=30)
        .map(|v| Matrix::from_fn(1, 1, |_, _| f64::from(v)))
        .collect();
    let p = Problem::new(hs, 15, Sampling::WithoutReplacement, 0.01).unwrap();
    let e = expectations(&p, &EnumerationParams::default())
        .unwrap_err()
        .to_string();
    for part in [
        "batch_size",
        "C(30,15) = 155117520",
        "5000000",
        "closed form",
        "Monte Carlo",
    ] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
    // With replacement: 30^30 ≈ 2·10⁴⁴ ordered draws overflow u128 even when forced, and the
    // multisets then cannot be weighted; 30^10 fits, and C(39,10) multisets exceed the limit.
    let p = p.with_batch(30, Sampling::WithReplacement).unwrap();
    for params in [tuples().forced(), EnumerationParams::default().forced()] {
        let e = expectations(&p, &params).unwrap_err().to_string();
        assert!(e.contains("30^30") && e.contains("2^128"), "{e}");
    }
    let p = p.with_batch(10, Sampling::WithReplacement).unwrap();
    let e = expectations(&p, &EnumerationParams::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("C(39,10) = 635745396 multisets"), "{e}");
}

#[test]
fn forcing_proceeds_past_a_tiny_limit() {
    let p = tiny(2, Sampling::WithoutReplacement);
    let limited = EnumerationParams::with_limit(Limit::new(2));
    let e = expectations(&p, &limited).unwrap_err().to_string();
    assert!(
        e.contains("C(3,2) = 3 subsets") && e.contains("3 visits"),
        "{e}"
    );
    let forced = expectations(&p, &limited.forced()).unwrap();
    assert_eq!(forced.visits, 3);
    assert_exact("forced", &forced.expectations, &closed_form(&p));
    // At the limit exactly is allowed.
    assert!(expectations(&p, &EnumerationParams::with_limit(Limit::new(3))).is_ok());

    // Paths: 3 + 9 + 27 = 39 tree nodes for 3 steps.
    let x0 = [q(1, 1), q(0, 1)];
    let limited = EnumerationParams::with_limit(Limit::new(38));
    let e = path_second_moments(&p, &x0, 3, &limited)
        .unwrap_err()
        .to_string();
    assert!(e.contains("steps") && e.contains("39 visits"), "{e}");
    let forced = path_second_moments(&p, &x0, 3, &limited.forced()).unwrap();
    assert_eq!(forced.visits, 39);
    assert!(path_second_moments(&p, &x0[..1], 3, &EnumerationParams::default()).is_err());
}

/// Every shipped fixture, in its own sampling scheme and the other one (where `B ≤ N` allows):
/// the `f64` enumeration agrees with the closed form (and with faer's `(I − γH)² + γ²cΣ`) within
/// tolerance, and the exact enumeration of the same numbers agrees with `==`.
#[test]
fn every_fixture_enumerates_to_its_closed_form() {
    let files = fixture_files();
    assert!(files.len() >= 10, "fixtures found: {files:?}");
    for path in files {
        let inst = sgd_stability::load::load_path(
            &path,
            &sgd_stability::load::Overrides::default(),
            RelTol::new(Tolerances::DEFAULT_SYMMETRY).unwrap(),
        )
        .unwrap();
        let b = inst.batch_size();
        for s in Sampling::IID {
            if s == Sampling::WithoutReplacement && b.get() > inst.n() {
                continue;
            }
            let inst = inst.clone().with_batch(b, s).unwrap();
            let what = format!("{} ({s})", path.display());
            let p = Problem::from_instance(&inst);
            let e = expectations(&p, &EnumerationParams::default()).unwrap();
            assert_expectations_close(&what, &e.expectations, &closed_form(&p), scales(&p));
            let c: f64 = batch_factor(inst.n(), b.get(), s);
            let faer = Moments::of(inst.samples()).thm33_matrix(inst.gamma().get(), c);
            let got = Expectations {
                second_moment: Matrix::from_fn(inst.d(), inst.d(), |i, j| faer[(i, j)]),
                ..e.expectations.clone()
            };
            assert_expectations_close(
                &format!("{what} vs faer"),
                &got,
                &e.expectations,
                scales(&p),
            );

            let p = Problem::exact_from_instance(&inst);
            let e = expectations(&p, &EnumerationParams::default()).unwrap();
            assert_exact(&what, &e.expectations, &closed_form(&p));
        }
    }
}

/// The lecture's eqs. (13), (16) and (17) for `S_B = Σ_{ξ∈B} H_ξ = B·H_B` without replacement,
/// checked exactly against the enumerated `E[S_B²] = B²·E[H_B²]`:
/// - (17) as printed, `B(N−B)/(N(N−1)) Σ_i H_i² + B(B−1)/(N(N−1)) H²` with `H` the mean, is
///   wrong for `B ≥ 2`; the correct last term is `B(B−1)/(N(N−1)) (Σ_i H_i)²
///   = N B(B−1)/(N−1) H²` — which is what eq. (13) uses;
/// - (16) as printed, `(B/N) Σ_i H_i² + 2B(B−1)/(N(N−1)) Σ_{i≠j} H_i H_j`, double counts the
///   pairs: over ordered pairs `i ≠ j` the coefficient is `B(B−1)/(N(N−1))` (no 2), and
///   `2 Σ_{i<j} H_i H_j` differs from it when the `H_i` do not commute.
#[test]
fn lecture_eqs_16_17_as_printed_against_enumeration() {
    for seed in 0..20 {
        let rows = random_hessians(100 + seed, 4, 2, 2);
        let hs = exact(&rows);
        let (n, b) = (4_i64, 2_i64);
        let gamma = q(1, 7);
        let p = Problem::new(hs.clone(), 2, Sampling::WithoutReplacement, gamma.clone()).unwrap();
        let e = expectations(&p, &EnumerationParams::default())
            .unwrap()
            .expectations;
        let s_sq = e.batch_hessian_sq.scaled(&q(b * b, 1)); // E[S_B²]

        let sum = |ms: &mut dyn Iterator<Item = Matrix<BigRational>>| {
            ms.fold(Matrix::zeros(2, 2), |acc, m| &acc + &m)
        };
        let sum_sq = sum(&mut hs.iter().map(|h| h * h));
        let total = sum(&mut hs.iter().cloned());
        let h = total.scaled(&q(1, n));
        let ordered_pairs = &(&total * &total) - &sum_sq; // Σ_{i≠j} H_i H_j
        let upper_pairs = sum(&mut (0..4)
            .flat_map(|i| (i + 1..4).map(move |j| (i, j)))
            .map(|(i, j)| &hs[i] * &hs[j]));

        let pair = q(b * (b - 1), n * (n - 1));
        let eq16_corrected = &sum_sq.scaled(&q(b, n)) + &ordered_pairs.scaled(&pair);
        assert_eq!(
            s_sq, eq16_corrected,
            "seed {seed}: (16) with coefficient B(B−1)/(N(N−1))"
        );
        let eq16_printed = &sum_sq.scaled(&q(b, n)) + &ordered_pairs.scaled(&(q(2, 1) * &pair));
        assert_ne!(s_sq, eq16_printed, "seed {seed}: (16) as printed");
        let eq16_upper = &sum_sq.scaled(&q(b, n)) + &upper_pairs.scaled(&(q(2, 1) * &pair));
        let commute = hs.iter().all(|a| hs.iter().all(|c| a * c == c * a));
        assert_eq!(
            s_sq == eq16_upper,
            commute,
            "seed {seed}: (16) read as 2Σ_{{i<j}}"
        );

        let first = sum_sq.scaled(&q(b * (n - b), n * (n - 1)));
        let eq17_printed = &first + &(&h * &h).scaled(&pair);
        let eq17_corrected = &first + &(&h * &h).scaled(&q(n * b * (b - 1), n - 1));
        assert_eq!(
            s_sq, eq17_corrected,
            "seed {seed}: (17) with N B(B−1)/(N−1) H²"
        );
        if h != Matrix::zeros(2, 2) {
            assert_ne!(s_sq, eq17_printed, "seed {seed}: (17) as printed");
        }

        // Eq. (13): E[(I − γH_B)²] = I − 2γH + γ²/B² (E[S_B²] in the corrected form).
        let eq13 = &(&Matrix::identity(2) - &h.scaled(&(q(2, 1) * &gamma)))
            + &eq17_corrected.scaled(&(gamma.clone() * gamma.clone() / q(b * b, 1)));
        assert_eq!(e.second_moment, eq13, "seed {seed}: eq. (13)");
    }
}
