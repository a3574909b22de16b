//! The fast `f64` route over the `C(N,B)` subsets against the generic batch-by-batch route (its
//! oracle): agreement within a tolerance scaled to the problem on random instances and every
//! fixture, for both kernels and both instruction paths; the same bits for 1 and 2 threads; the
//! revolving-door order visits every subset once; and the comparison says no when it must.

use crate::common::{fixture_files, random_hessians};
use crate::enumerate::scales;
use quickcheck::{QuickCheck, TestResult};
use sgd_stability::enumerate::{
    expectations, subset_moments, unrank, Engine, Enumeration, EnumerationParams, Expectations,
    Problem, Quantities, RevolvingDoor, SimdDispatch, SubsetMoments, SUBSETS_PER_CHUNK,
};
use sgd_stability::exact::Matrix;
use sgd_stability::{RelTol, Sampling, Tolerances};
use std::collections::HashSet;

/// Relative tolerance of fast vs generic, times each quantity's scale (see [`scales`]): both
/// routes round differently (batched sums, linearity for `(I − γH_B)²`), by a few hundred units
/// in the last place of numbers of that size.
const REL_TOL: f64 = 1e-12;

fn problem(rows: &[Vec<Vec<f64>>], b: usize, gamma: f64) -> Problem<f64> {
    let hs = rows
        .iter()
        .map(|m| Matrix::from_fn(m.len(), m.len(), |i, j| m[i][j]))
        .collect();
    Problem::new(hs, b, Sampling::WithoutReplacement, gamma).unwrap()
}

/// The first entry where `got` and `want` differ by more than `REL_TOL` × its scale, as a
/// message with got, want, the error and the tolerance; `None` if they agree.
fn disagreement(
    got: &Expectations<f64>,
    want: &Expectations<f64>,
    scales: [f64; 4],
) -> Option<String> {
    for (((name, g), (_, w)), scale) in got.named().into_iter().zip(want.named()).zip(scales) {
        let tol = REL_TOL * scale;
        for i in 0..g.dim() {
            for j in 0..g.dim() {
                let (a, b) = (*g.get(i, j), *w.get(i, j));
                let err = (a - b).abs();
                if err > tol || err.is_nan() {
                    return Some(format!(
                        "{name}[{i}][{j}]: fast {a:e}, generic {b:e}, error {err:e} > tolerance {tol:e}"
                    ));
                }
            }
        }
    }
    None
}

fn generic(p: &Problem<f64>) -> Enumeration<f64> {
    expectations(
        p,
        &EnumerationParams::default().with_engine(Engine::Generic),
    )
    .unwrap()
}

fn fast(p: &Problem<f64>, q: Quantities, simd: SimdDispatch) -> SubsetMoments {
    subset_moments(
        p,
        q,
        &EnumerationParams {
            simd,
            ..EnumerationParams::default()
        },
    )
    .unwrap()
}

/// Compare every fast variant (both kernels, both instruction paths, and the default
/// [`expectations`] dispatch) with the generic route.
#[track_caller]
fn assert_fast_matches_generic(what: &str, p: &Problem<f64>) {
    let want = generic(p);
    let dispatched = expectations(p, &EnumerationParams::default()).unwrap();
    assert_eq!(dispatched.visits, want.visits);
    if let Some(e) = disagreement(&dispatched.expectations, &want.expectations, scales(p)) {
        panic!("{what}: expectations() (fast): {e}");
    }
    for simd in [SimdDispatch::Detect, SimdDispatch::Portable] {
        let full = fast(p, Quantities::WithOperator, simd).into_enumeration();
        if let Some(e) = disagreement(&full.expectations, &want.expectations, scales(p)) {
            panic!("{what}: WithOperator, {simd:?}: {e}");
        }
        let m = fast(p, Quantities::Moments, simd);
        assert!(m.operator.is_none());
        let got = Expectations {
            batch_hessian: m.batch_hessian,
            batch_hessian_sq: m.batch_hessian_sq,
            second_moment: m.second_moment,
            operator: want.expectations.operator.clone(),
        };
        if let Some(e) = disagreement(&got, &want.expectations, scales(p)) {
            panic!("{what}: Moments, {simd:?}: {e}");
        }
    }
}

#[test]
fn fast_route_matches_generic_on_random_instances() {
    fn prop(seed: u64, n: u8, d: u8, b: u8, g: u8) -> TestResult {
        let n = 1 + usize::from(n % 9);
        let d = 1 + usize::from(d % 5);
        let b = 1 + usize::from(b) % n;
        let gamma = f64::from(1 + g % 20) / 40.0;
        let rows = random_hessians(seed, n, d, 1 + (seed as usize) % d);
        let p = problem(&rows, b, gamma);
        assert_fast_matches_generic(&format!("seed {seed}, N = {n}, d = {d}, B = {b}"), &p);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(u64, u8, u8, u8, u8) -> TestResult);
}

/// Several chunks (`C(16,8) = 12,870 > SUBSETS_PER_CHUNK`), `d` past the fixed-size kernels
/// (`d = 17` takes the faer fallback).
#[test]
fn fast_route_matches_generic_across_chunks_and_large_d() {
    let rows = random_hessians(7, 16, 3, 2);
    let p = problem(&rows, 8, 0.1);
    const _: () = assert!(
        12_870 > SUBSETS_PER_CHUNK,
        "the instance must span several chunks"
    );
    assert_fast_matches_generic("N = 16, B = 8, d = 3", &p);
    let rows = random_hessians(8, 5, 17, 3);
    assert_fast_matches_generic("N = 5, B = 2, d = 17", &problem(&rows, 2, 0.01));
}

#[test]
fn fast_route_matches_generic_on_every_fixture() {
    for path in fixture_files() {
        let inst = sgd_stability::load::load_path(
            &path,
            &sgd_stability::load::Overrides::default(),
            RelTol::new(Tolerances::DEFAULT_SYMMETRY).unwrap(),
        )
        .unwrap();
        for b in 1..=inst.n() {
            let inst = inst
                .clone()
                .with_batch(
                    sgd_stability::BatchSize::new(b).unwrap(),
                    Sampling::WithoutReplacement,
                )
                .unwrap();
            let p = Problem::from_instance(&inst);
            assert_fast_matches_generic(&format!("{} (B = {b})", path.display()), &p);
        }
    }
}

#[test]
fn one_and_two_threads_give_the_same_bits() {
    let rows = random_hessians(11, 18, 6, 6);
    let p = problem(&rows, 9, 0.07); // C(18,9) = 48,620 subsets: 12 chunks
    let on = |threads: usize, q: Quantities, simd: SimdDispatch| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fast(&p, q, simd))
    };
    let bits = |m: &Matrix<f64>| -> Vec<u64> {
        (0..m.dim())
            .flat_map(|i| (0..m.dim()).map(move |j| m.get(i, j).to_bits()))
            .collect()
    };
    for q in [Quantities::Moments, Quantities::WithOperator] {
        for simd in [SimdDispatch::Detect, SimdDispatch::Portable] {
            let (one, two) = (on(1, q, simd), on(2, q, simd));
            for (a, b) in [
                (&one.batch_hessian, &two.batch_hessian),
                (&one.batch_hessian_sq, &two.batch_hessian_sq),
                (&one.second_moment, &two.second_moment),
            ] {
                assert_eq!(bits(a), bits(b), "{q:?}, {simd:?}");
            }
            if let (Some(a), Some(b)) = (&one.operator, &two.operator) {
                assert_eq!(bits(a.matrix()), bits(b.matrix()), "{q:?}, {simd:?}");
            }
        }
    }
}

#[test]
fn revolving_door_visits_every_subset_once() {
    for (n, b) in [(1, 1), (5, 1), (5, 5), (6, 3), (9, 4), (12, 6), (13, 2)] {
        let count = (0..b).fold(1u128, |c, i| c * (n - i) as u128 / (i as u128 + 1));
        let mut door = RevolvingDoor::at_rank(n, b, 0);
        let mut seen = HashSet::new();
        let mut prev: Vec<usize> = door.subset().collect();
        seen.insert(prev.clone());
        for r in 1..count {
            let (out, inn) = door.advance();
            let now: Vec<usize> = door.subset().collect();
            assert_eq!(now, unrank(n, b, r), "N = {n}, B = {b}, rank {r}");
            assert!(now.windows(2).all(|w| w[0] < w[1]) && now.len() == b);
            // One out, one in: the batch sum moves by +H_in − H_out.
            let mut expect: Vec<usize> = prev.iter().copied().filter(|&x| x != out).collect();
            expect.push(inn);
            expect.sort_unstable();
            assert_eq!(
                now, expect,
                "N = {n}, B = {b}: step {r} is not (−{out}, +{inn})"
            );
            assert!(
                seen.insert(now.clone()),
                "N = {n}, B = {b}: {now:?} visited twice"
            );
            prev = now;
        }
        assert_eq!(seen.len() as u128, count, "N = {n}, B = {b}");
    }
}

/// The comparison must say no: a fast result with one entry of one quantity perturbed by a
/// hundred times the tolerance is caught, in each quantity.
#[test]
fn a_perturbed_fast_result_is_caught() {
    let rows = random_hessians(3, 7, 3, 2);
    let p = problem(&rows, 3, 0.2);
    let want = generic(&p);
    let got = expectations(&p, &EnumerationParams::default())
        .unwrap()
        .expectations;
    assert!(disagreement(&got, &want.expectations, scales(&p)).is_none());
    for (k, scale) in scales(&p).into_iter().enumerate() {
        let bump = |m: &Matrix<f64>| {
            Matrix::from_fn(m.dim(), m.dim(), |i, j| {
                m.get(i, j)
                    + if (i, j) == (1, 0) {
                        100.0 * REL_TOL * scale
                    } else {
                        0.0
                    }
            })
        };
        let mut bad = got.clone();
        match k {
            0 => bad.batch_hessian = bump(&bad.batch_hessian),
            1 => bad.batch_hessian_sq = bump(&bad.batch_hessian_sq),
            2 => bad.second_moment = bump(&bad.second_moment),
            _ => {
                bad.operator = sgd_stability::enumerate::MeanSquareMatrix::from_matrix(
                    3,
                    bump(bad.operator.matrix()),
                );
            }
        }
        let e = disagreement(&bad, &want.expectations, scales(&p));
        assert!(e.is_some(), "quantity {k}: a perturbation was not caught");
    }
}

#[test]
fn the_fast_route_refuses_with_replacement_and_over_the_limit() {
    let rows = random_hessians(5, 6, 2, 1);
    let hs: Vec<Matrix<f64>> = rows
        .iter()
        .map(|m| Matrix::from_fn(2, 2, |i, j| m[i][j]))
        .collect();
    let with = Problem::new(hs, 2, Sampling::WithReplacement, 0.1).unwrap();
    assert!(subset_moments(&with, Quantities::Moments, &EnumerationParams::default()).is_err());
    let p = problem(&rows, 3, 0.1);
    let small = EnumerationParams::with_limit(sgd_stability::enumerate::Limit::new(19));
    let e = subset_moments(&p, Quantities::Moments, &small)
        .unwrap_err()
        .to_string();
    assert!(e.contains("20 visits"), "{e}");
    assert!(subset_moments(&p, Quantities::Moments, &small.forced()).is_ok());
}
