//! Properties of the criteria, checked on seeded random instances: quickcheck draws the sizes
//! and a seed, ChaCha8 draws the matrices from the seed.

use crate::common::{assert_close, assert_critical_close, instance, random_hessians, Shape};
use quickcheck::{Gen, QuickCheck, TestResult};
use sgd_stability::criteria::{CriticalGamma, Verdict};
use sgd_stability::moments::Moments;
use sgd_stability::{linalg, Analysis, Sampling, Tolerances};

fn qc() -> QuickCheck {
    QuickCheck::new()
        .rng(Gen::from_size_and_seed(50, 0x5eed_2026))
        .tests(300)
}

fn analysis(rows: &[Vec<Vec<f64>>], gamma: f64, s: &Shape) -> Analysis {
    Analysis::of(
        &instance(rows, gamma, s.b, s.sampling),
        &Tolerances::default(),
    )
    .unwrap()
}

fn finite(g: CriticalGamma) -> Option<f64> {
    match g {
        CriticalGamma::Finite(x) => Some(x),
        _ => None,
    }
}

#[test]
fn d1_reduces_to_the_scalar_formula() {
    fn prop(mut s: Shape, gamma_tenths: u8) -> TestResult {
        s.d = 1;
        let rows = random_hessians(s.seed, s.n, 1, 1);
        let h: Vec<f64> = rows.iter().map(|m| m[0][0]).collect();
        let a = h.iter().sum::<f64>() / s.n as f64;
        if a == 0.0 {
            return TestResult::discard();
        }
        let sigma = h.iter().map(|x| x * x).sum::<f64>() / s.n as f64 - a * a;
        let c: f64 = sgd_stability::moments::batch_factor(s.n, s.b, s.sampling);
        let gamma = 0.05 + f64::from(gamma_tenths % 40) / 20.0 / a;
        let an = analysis(&rows, gamma, &s);
        // (27): (1 − γa)² + γ²c s², and γ* = 2a/(a² + c s²).
        let value = (1.0 - gamma * a).powi(2) + gamma * gamma * c * sigma;
        assert_close("Thm 3.3 value, d = 1", an.thm33.value, value, 1e-12, 1.0);
        let want = 2.0 * a / (a * a + c * sigma);
        assert_close(
            "γ*_3.3, d = 1",
            finite(an.thm33.critical_gamma).unwrap(),
            want,
            1e-12,
            0.0,
        );
        assert_close(
            "γ*_GD, d = 1",
            finite(an.gd.critical_gamma).unwrap(),
            2.0 / a,
            1e-14,
            0.0,
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape, u8) -> TestResult);
}

#[test]
fn full_batch_without_replacement_is_gd() {
    fn prop(mut s: Shape) -> TestResult {
        s.b = s.n;
        s.sampling = Sampling::WithoutReplacement;
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let an = analysis(&rows, 0.1, &s);
        if an.summary.c != 0.0 {
            return TestResult::error(format!("c = {} for B = N", an.summary.c));
        }
        assert_critical_close(
            "γ*_3.3 = γ*_GD at B = N",
            an.thm33.critical_gamma,
            an.gd.critical_gamma,
            1e-10,
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}

#[test]
fn scaling_the_hessians_scales_every_critical_gamma_inversely() {
    fn prop(s: Shape, k: u8) -> TestResult {
        let scale = 0.25 * f64::from(1 + k % 16);
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let scaled: Vec<Vec<Vec<f64>>> = rows
            .iter()
            .map(|m| {
                m.iter()
                    .map(|r| r.iter().map(|x| x * scale).collect())
                    .collect()
            })
            .collect();
        let (a, b) = (analysis(&rows, 0.1, &s), analysis(&scaled, 0.1 / scale, &s));
        for (what, x, y) in [
            ("GD", a.gd.critical_gamma, b.gd.critical_gamma),
            ("Thm 3.3", a.thm33.critical_gamma, b.thm33.critical_gamma),
            (
                "Thm 3.5",
                a.thm35.check.critical_gamma,
                b.thm35.check.critical_gamma,
            ),
        ] {
            assert_critical_close(what, y.scaled(scale), x, 1e-10);
        }
        assert_eq!(a.thm33.verdict, b.thm33.verdict);
        assert_eq!(a.gd.verdict, b.gd.verdict);
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape, u8) -> TestResult);
}

#[test]
fn each_verdict_flips_exactly_at_its_critical_gamma() {
    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let base = analysis(&rows, 0.1, &s);
        let tol = Tolerances::default().boundary.value();
        for which in 0..3 {
            let pick = |a: &Analysis| match which {
                0 => a.gd,
                1 => a.thm33,
                _ => a.thm35.check,
            };
            let Some(g) = finite(pick(&base).critical_gamma) else {
                continue;
            };
            let at = |gamma: f64| pick(&analysis(&rows, gamma, &s)).verdict;
            assert_eq!(at(g * (1.0 - 10.0 * tol)), Verdict::Holds, "just below γ*");
            assert_eq!(at(g), Verdict::Boundary, "at γ*");
            assert_eq!(at(g * (1.0 + 10.0 * tol)), Verdict::Fails, "just above γ*");
        }
        TestResult::passed()
    }
    qc().tests(100).quickcheck(prop as fn(Shape) -> TestResult);
}

/// Independent route for γ*_3.3: bisection on `λ_max{(I − γH)² + γ²cΣ} ≤ 1` evaluated directly,
/// on full-rank instances (no null space, so λ_max < 1 strictly below γ*).
#[test]
fn thm33_critical_gamma_matches_bisection() {
    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.d);
        let an = analysis(&rows, 0.1, &s);
        if an.summary.null_dim > 0 {
            return TestResult::discard();
        }
        let inst = instance(&rows, 0.1, s.b, s.sampling);
        let m = Moments::of(inst.samples());
        let lam = |g: f64| {
            linalg::sym_lambda_max(m.thm33_matrix(g, an.summary.c).as_ref())
                .unwrap()
                .unwrap()
        };
        let (mut lo, mut hi) = (0.0, 2.0 / an.summary.sharpness * 1.000_001);
        // λ ≤ 1 on (0, γ*], and γ* ≤ 2/λ_max(H).
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if lam(mid) <= 1.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let closed = finite(an.thm33.critical_gamma).unwrap();
        // The bisection's own accuracy is limited by λ near 1: |λ'(γ*)| ~ λ_min(H), so a
        // rounding error ε in λ moves the crossing by ε/λ_min(H).
        let lam_min = an.summary.lambda_min_h;
        let rel = 1e-9_f64.max(64.0 * f64::EPSILON * an.summary.sharpness / lam_min);
        assert_close("γ*_3.3 closed form vs bisection", closed, lo, rel, 0.0);
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}

/// Null directions shared by every `H_i` change nothing: embedding an instance in a larger space
/// (zero rows and columns) and rotating it keeps every critical γ.
#[test]
fn common_null_directions_do_not_change_critical_gammas() {
    fn prop(s: Shape, extra: u8) -> TestResult {
        let extra = 1 + usize::from(extra % 2);
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let big_d = s.d + extra;
        // A fixed rotation mixing every coordinate: a Householder reflection I − 2vvᵀ/‖v‖².
        let v: Vec<f64> = (0..big_d).map(|i| 1.0 + i as f64).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let q = |i: usize, j: usize| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / vv;
        let embedded: Vec<Vec<Vec<f64>>> = rows
            .iter()
            .map(|m| {
                let at = |i: usize, j: usize| if i < s.d && j < s.d { m[i][j] } else { 0.0 };
                (0..big_d)
                    .map(|i| {
                        (0..big_d)
                            .map(|j| {
                                let mut acc = 0.0;
                                for k in 0..s.d {
                                    for l in 0..s.d {
                                        acc += q(i, k) * at(k, l) * q(l, j);
                                    }
                                }
                                acc
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        // Rotation leaves tiny rounding asymmetry: symmetrize exactly.
        let embedded: Vec<Vec<Vec<f64>>> = embedded
            .iter()
            .map(|m| {
                (0..big_d)
                    .map(|i| (0..big_d).map(|j| 0.5 * (m[i][j] + m[j][i])).collect())
                    .collect()
            })
            .collect();
        let (a, b) = (analysis(&rows, 0.1, &s), analysis(&embedded, 0.1, &s));
        if a.summary.null_dim > 0 {
            return TestResult::discard(); // keep the reference instance free of its own null space
        }
        assert_eq!(b.summary.null_dim, extra);
        for (what, x, y) in [
            ("GD", a.gd.critical_gamma, b.gd.critical_gamma),
            ("Thm 3.3", a.thm33.critical_gamma, b.thm33.critical_gamma),
        ] {
            assert_critical_close(what, y, x, 1e-9);
        }
        assert_eq!(
            a.thm33.verdict, b.thm33.verdict,
            "null directions are stable"
        );
        TestResult::passed()
    }
    qc().tests(150)
        .quickcheck(prop as fn(Shape, u8) -> TestResult);
}

/// The lecture's orderings: Theorem 3.3 is never looser than GD (`A = H² + cΣ ⪰ H²`), and under
/// Theorem 3.5's hypotheses a sufficient condition cannot accept what a necessary one rejects.
#[test]
fn critical_gammas_are_ordered() {
    fn prop(mut s: Shape, rank_one: bool) -> TestResult {
        if rank_one {
            s.rank = 1;
            s.b = 1;
        }
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let an = analysis(&rows, 0.1, &s);
        let (g33, ggd, g35) = (
            an.thm33.critical_gamma.as_f64(),
            an.gd.critical_gamma.as_f64(),
            an.thm35.check.critical_gamma.as_f64(),
        );
        let slack = 1.0 + 1e-10;
        assert!(g33 <= ggd * slack, "γ*_3.3 = {g33} > γ*_GD = {ggd}");
        if an.thm35.hypotheses.hold() {
            assert!(
                g33 <= g35 * slack,
                "γ*_3.3 = {g33} > γ*_3.5 = {g35} under Thm 3.5's hypotheses"
            );
        }
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape, bool) -> TestResult);
}

/// Gradients and the Hessians `g_i g_iᵀ` they stand for give the same analysis.
#[test]
fn gradient_form_equals_hessian_form() {
    fn prop(s: Shape) -> TestResult {
        use rand::RngExt as _;
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(s.seed);
        let g: Vec<Vec<f64>> = (0..s.n)
            .map(|_| {
                (0..s.d)
                    .map(|_| f64::from(rng.random_range(-3i32..=3)))
                    .collect()
            })
            .collect();
        let h: Vec<Vec<Vec<f64>>> = g
            .iter()
            .map(|gi| {
                gi.iter()
                    .map(|a| gi.iter().map(|b| a * b).collect())
                    .collect()
            })
            .collect();
        let from_h = analysis(&h, 0.1, &s);
        let samples = sgd_stability::Samples::gradients_from_rows(&g).unwrap();
        let inst = sgd_stability::Instance::new(
            "g",
            samples,
            sgd_stability::LearningRate::new(0.1).unwrap(),
            sgd_stability::BatchSize::new(s.b).unwrap(),
            s.sampling,
        )
        .unwrap();
        let from_g = Analysis::of(&inst, &Tolerances::default()).unwrap();
        let scale = from_h.summary.sharpness.max(1.0);
        assert_close(
            "sharpness",
            from_g.summary.sharpness,
            from_h.summary.sharpness,
            1e-12,
            scale,
        );
        assert_close(
            "λ_max(Σ)",
            from_g.summary.sigma_norm,
            from_h.summary.sigma_norm,
            1e-11,
            scale * scale,
        );
        assert_close(
            "Thm 3.3 value",
            from_g.thm33.value,
            from_h.thm33.value,
            1e-11,
            1.0,
        );
        assert_eq!(
            from_g.thm35.hypotheses.rank_one,
            from_h.thm35.hypotheses.rank_one
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}
