//! Exact mean-square stability (`sgd_stability::mean_square`) against independent routes: the
//! enumeration engine's operator, bisection on `ρ(L_γ) = 1`, the dense vs the matrix-free
//! (Lanczos) route, scalar formulas in `d = 1`, and the lecture's criteria, whose orderings it
//! must respect. Seeded quickcheck draws sizes and a seed; ChaCha8 draws the matrices.

use crate::common::{
    assert_close, assert_critical_close, fixture_files, instance, random_hessians, root, Shape,
};
use quickcheck::{Gen, QuickCheck, TestResult};
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::criteria::{CriticalGamma, HSpectrum, Verdict};
use sgd_stability::enumerate::{self, Problem};
use sgd_stability::exact::Matrix;
use sgd_stability::mean_square::{
    self, critical_gamma_exact, MeanSquare, MeanSquareOperator, MeanSquareParams, Method,
};
use sgd_stability::moments::{batch_factor, Moments};
use sgd_stability::{
    linalg, Analysis, BatchSize, Instance, LearningRate, RelTol, Samples, Sampling, Tolerances,
};

fn qc() -> QuickCheck {
    QuickCheck::new()
        .rng(Gen::from_size_and_seed(50, 0x5eed_4004))
        .tests(200)
}

fn tol() -> Tolerances {
    Tolerances::default()
}

fn ms(inst: &Instance) -> MeanSquare {
    MeanSquare::of(inst, &tol()).unwrap()
}

fn rho(inst: &Instance, gamma: f64) -> f64 {
    let inst = inst.clone().with_gamma(LearningRate::new(gamma).unwrap());
    mean_square::spectral_radius(&inst).unwrap()
}

fn finite(g: CriticalGamma) -> Option<f64> {
    match g {
        CriticalGamma::Finite(x) => Some(x),
        _ => None,
    }
}

/// `γ*_exact` under explicit parameters.
fn critical(inst: &Instance, params: &MeanSquareParams) -> CriticalGamma {
    let c = batch_factor(inst.n(), inst.batch_size().get(), inst.sampling());
    let m = Moments::of(inst.samples());
    let spec = HSpectrum::of(&m.h, tol().null_space).unwrap();
    critical_gamma_exact(inst.samples(), &m, &spec, c, tol().null_space, params)
        .unwrap()
        .gamma
}

/// A random symmetric matrix with entries in `[-1, 1]`.
#[allow(clippy::needless_range_loop)] // (i, j) and (j, i) are written together
fn random_symmetric(rng: &mut ChaCha8Rng, d: usize) -> Vec<Vec<f64>> {
    let mut q = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let v = rng.random_range(-1.0..1.0);
            q[i][j] = v;
            q[j][i] = v;
        }
    }
    q
}

/// The checker: does the dense operator (in `SymBasis`) and the matrix-free one act on `q` as
/// the enumerated `d²×d²` operator does, within `rel` times the scale of the problem? Returns
/// the worst discrepancy found.
fn operators_agree(
    op: &MeanSquareOperator<'_>,
    enumerated: &enumerate::MeanSquareMatrix<f64>,
    qs: &[Vec<Vec<f64>>],
    scale: f64,
    rel: f64,
) -> Result<(), String> {
    let b = op.basis();
    let dense = op.dense();
    let d = b.d();
    for q in qs {
        let qm = faer::Mat::from_fn(d, d, |i, j| q[i][j]);
        let x = b.coordinates(qm.as_ref());
        let y: Vec<f64> = (0..b.dim())
            .map(|p| (0..b.dim()).map(|r| dense[(p, r)] * x[r]).sum())
            .collect();
        let from_dense = b.matrix(&y);
        let from_apply = op.apply(qm.as_ref());
        let want = enumerated.apply(&Matrix::from_fn(d, d, |i, j| q[i][j]));
        for i in 0..d {
            for j in 0..d {
                for (what, got) in [
                    ("dense", from_dense[(i, j)]),
                    ("matrix-free", from_apply[(i, j)]),
                ] {
                    let err = (got - want.get(i, j)).abs();
                    if err > rel * scale {
                        return Err(format!(
                            "{what} L(Q)[{i}][{j}] = {got:e}, enumerated {:e}, error {err:e} > {:e}",
                            want.get(i, j),
                            rel * scale
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `(1 + γ d s)²` for `s = max |(H_i)_rc|` (at least 1): the size of `M_B ⊗ M_B`.
fn operator_scale(rows: &[Vec<Vec<f64>>], gamma: f64) -> f64 {
    let d = rows[0].len();
    let s = rows
        .iter()
        .flatten()
        .flatten()
        .fold(1.0_f64, |m, x| m.max(x.abs()));
    (1.0 + gamma * d as f64 * s).powi(2) * d as f64
}

#[test]
fn dense_operator_equals_the_enumerated_operator() {
    fn prop(mut s: Shape) -> TestResult {
        s.n = s.n.min(5);
        s.b = s.b.min(s.n + 1);
        if s.sampling == Sampling::WithoutReplacement {
            s.b = s.b.min(s.n);
        }
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let gamma = 0.05 + (s.seed % 7) as f64 * 0.03;
        let inst = instance(&rows, gamma, s.b, s.sampling);
        let e = enumerate::expectations(
            &Problem::from_instance(&inst),
            &enumerate::EnumerationParams::default(),
        )
        .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed ^ 0xabc);
        let qs: Vec<_> = (0..3).map(|_| random_symmetric(&mut rng, s.d)).collect();
        let op = MeanSquareOperator::of(&inst).unwrap();
        if let Err(e) = operators_agree(
            &op,
            &e.expectations.operator,
            &qs,
            operator_scale(&rows, gamma),
            1e-12,
        ) {
            return TestResult::error(format!("{s:?}: {e}"));
        }
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}

/// The checker must say no: the operator built with the other scheme's batch factor (or a
/// perturbed one) differs from the enumeration.
#[test]
fn operator_with_a_wrong_batch_factor_is_caught() {
    let rows = random_hessians(11, 4, 3, 2);
    let inst = instance(&rows, 0.2, 2, Sampling::WithoutReplacement);
    let e = enumerate::expectations(
        &Problem::from_instance(&inst),
        &enumerate::EnumerationParams::default(),
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let qs: Vec<_> = (0..3).map(|_| random_symmetric(&mut rng, 3)).collect();
    let h = Moments::of(inst.samples()).h;
    let scale = operator_scale(&rows, 0.2);
    let right: f64 = batch_factor(4, 2, Sampling::WithoutReplacement); // 1/3
    let good = MeanSquareOperator::new(inst.samples(), &h, right, 0.2);
    operators_agree(&good, &e.expectations.operator, &qs, scale, 1e-12).unwrap();
    for wrong in [
        batch_factor(4, 2, Sampling::WithReplacement), // 1/2
        right * (1.0 + 1e-6),
        0.0,
    ] {
        let bad = MeanSquareOperator::new(inst.samples(), &h, wrong, 0.2);
        let err = operators_agree(&bad, &e.expectations.operator, &qs, scale, 1e-12);
        assert!(err.is_err(), "c = {wrong} was not caught");
    }
    // A perturbed γ is caught too.
    let bad = MeanSquareOperator::new(inst.samples(), &h, right, 0.2 * (1.0 + 1e-7));
    assert!(operators_agree(&bad, &e.expectations.operator, &qs, scale, 1e-12).is_err());
}

/// Independent route for `γ*_exact`: bisection on `ρ(L_γ) ≤ 1` on full-rank instances (no
/// null space, so `ρ < 1` strictly below `γ*`).
#[test]
fn critical_gamma_matches_bisection_on_the_spectral_radius() {
    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.d);
        let inst = instance(&rows, 0.1, s.b, s.sampling);
        let an = Analysis::of(&inst, &tol()).unwrap();
        if an.summary.null_dim > 0 {
            return TestResult::discard();
        }
        let closed = finite(ms(&inst).check.critical_gamma).unwrap();
        let (mut lo, mut hi) = (0.0, 2.0 / an.summary.sharpness * 1.000_001);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if rho(&inst, mid) <= 1.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // dρ/dγ at γ* is 2⟨Q*, C Q*⟩ ≥ λ_min(H)-ish, so an eigenvalue error ε moves the
        // crossing by about ε/λ_min(H).
        let rel =
            1e-9_f64.max(256.0 * f64::EPSILON * an.summary.sharpness / an.summary.lambda_min_h);
        assert_close("γ*_exact closed form vs bisection", closed, lo, rel, 0.0);
        TestResult::passed()
    }
    qc().tests(100).quickcheck(prop as fn(Shape) -> TestResult);
}

/// `ρ(L_γ) ≤ λ_max{(I − γH)² + γ²cΣ}` (Theorem 3.3's matrix is `L_γ(I)`), hence
/// `γ*_3.3 ≤ γ*_exact ≤ γ*_GD`, and `γ*_exact ≤ 2/tr(H)` under Theorem 3.5's hypotheses.
#[test]
fn exact_criterion_sits_between_the_lectures_criteria() {
    fn prop(mut s: Shape, rank_one: bool, gamma_tenths: u8) -> TestResult {
        if rank_one {
            s.rank = 1;
            s.b = 1;
        }
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let probe = instance(&rows, 0.1, s.b, s.sampling);
        let an0 = Analysis::of(&probe, &tol()).unwrap();
        let ggd = an0.gd.critical_gamma.as_f64();
        let gamma = if ggd.is_finite() {
            ggd * (0.05 + f64::from(gamma_tenths % 30) / 20.0)
        } else {
            0.1
        };
        let inst = instance(&rows, gamma, s.b, s.sampling);
        let an = Analysis::of(&inst, &tol()).unwrap();
        let m = ms(&inst);
        let rho = m.check.value;
        assert!(
            rho <= an.thm33.value + 1e-12 * an.thm33.value.max(1.0),
            "ρ = {rho} > Thm 3.3's λ_max = {}",
            an.thm33.value
        );
        // ρ is the largest eigenvalue and the spectral radius: λ_min ≥ −λ_max.
        let dense = MeanSquareOperator::of(&inst).unwrap().dense();
        let w = linalg::sym_eigenvalues(dense.as_ref()).unwrap();
        assert!(
            w[0] >= -rho * (1.0 + 1e-12) - 1e-12,
            "λ_min = {} < −ρ = {}",
            w[0],
            -rho
        );
        let (g33, gex) = (
            an.thm33.critical_gamma.as_f64(),
            m.check.critical_gamma.as_f64(),
        );
        let slack = 1.0 + 1e-10;
        assert!(g33 <= gex * slack, "γ*_3.3 = {g33} > γ*_exact = {gex}");
        assert!(gex <= ggd * slack, "γ*_exact = {gex} > γ*_GD = {ggd}");
        if an.thm35.hypotheses.hold() {
            let g35 = an.thm35.check.critical_gamma.as_f64();
            assert!(gex <= g35 * slack, "γ*_exact = {gex} > 2/tr(H) = {g35}");
        }
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape, bool, u8) -> TestResult);
}

/// Stable just below `γ*`, unstable just above; the verdict flips there; and on a grid the
/// stable set is an interval that agrees with `γ ≤ γ*`.
#[test]
fn stable_set_is_the_interval_up_to_the_critical_gamma() {
    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let inst = instance(&rows, 0.1, s.b, s.sampling);
        let Some(g) = finite(ms(&inst).check.critical_gamma) else {
            return TestResult::discard();
        };
        let one = 1.0 + 1e-12;
        assert!(
            rho(&inst, g * (1.0 - 1e-6)) <= one,
            "unstable just below γ*"
        );
        assert!(rho(&inst, g * (1.0 + 1e-6)) > 1.0, "stable just above γ*");
        let b = tol().boundary.value();
        let verdict = |x: f64| {
            ms(&inst.clone().with_gamma(LearningRate::new(x).unwrap()))
                .check
                .verdict
        };
        assert_eq!(verdict(g * (1.0 - 10.0 * b)), Verdict::Holds);
        assert_eq!(verdict(g), Verdict::Boundary);
        assert_eq!(verdict(g * (1.0 + 10.0 * b)), Verdict::Fails);
        let mut left_stable_set = false;
        for k in 1..=40 {
            let x = g * f64::from(k) / 20.0; // (0, 2γ*]
            let stable = rho(&inst, x) <= one;
            if (x / g - 1.0).abs() > 1e-6 {
                assert_eq!(stable, x < g, "γ = {x}, γ* = {g}");
            }
            assert!(!(stable && left_stable_set), "stable again at γ = {x}");
            left_stable_set |= !stable;
        }
        TestResult::passed()
    }
    qc().tests(60).quickcheck(prop as fn(Shape) -> TestResult);
}

#[test]
fn full_batch_without_replacement_is_gd() {
    fn prop(mut s: Shape) -> TestResult {
        s.b = s.n;
        s.sampling = Sampling::WithoutReplacement;
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let inst = instance(&rows, 0.1, s.b, s.sampling);
        let an = Analysis::of(&inst, &tol()).unwrap();
        assert_critical_close(
            "γ*_exact = 2/λ_max(H) at B = N",
            ms(&inst).check.critical_gamma,
            an.gd.critical_gamma,
            1e-10,
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}

#[test]
fn critical_gamma_never_decreases_with_the_batch_size() {
    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let mut prev = 0.0_f64;
        for b in 1..=s.n {
            let g = ms(&instance(&rows, 0.1, b, Sampling::WithoutReplacement))
                .check
                .critical_gamma
                .as_f64();
            assert!(
                g >= prev * (1.0 - 1e-10),
                "γ*(B = {b}) = {g} < γ*(B = {}) = {prev}",
                b - 1
            );
            prev = g;
        }
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
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
        let c: f64 = batch_factor(s.n, s.b, s.sampling);
        let gamma = 0.05 + f64::from(gamma_tenths % 40) / 20.0 / a;
        let m = ms(&instance(&rows, gamma, s.b, s.sampling));
        let value = (1.0 - gamma * a).powi(2) + gamma * gamma * c * sigma;
        assert_close("ρ(L_γ), d = 1", m.check.value, value, 1e-12, 1.0);
        let want = 2.0 * a / (a * a + c * sigma);
        assert_close(
            "γ*_exact, d = 1",
            finite(m.check.critical_gamma).unwrap(),
            want,
            1e-12,
            0.0,
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape, u8) -> TestResult);
}

/// Common null directions: `ρ = 1` exactly (the factor of a null direction), yet the verdict is
/// stable below `γ*`; and embedding + rotating an instance keeps `γ*_exact`.
#[test]
fn over_parameterized_minimum_is_stable_at_rho_one() {
    let path = root().join("fixtures/overparam_null_direction_d3.json");
    let inst =
        sgd_stability::load::load_path(&path, &Default::default(), RelTol::new(1e-6).unwrap())
            .unwrap();
    let m = ms(&inst);
    assert_close(
        "ρ at a common null direction",
        m.check.value,
        1.0,
        1e-14,
        1.0,
    );
    assert_eq!(m.check.verdict, Verdict::Holds);
    assert!(finite(m.check.critical_gamma).unwrap() > inst.gamma().get());

    fn prop(s: Shape) -> TestResult {
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let big = s.d + 1;
        let v: Vec<f64> = (0..big).map(|i| 1.0 + i as f64).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let q = |i: usize, j: usize| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / vv;
        let embedded: Vec<Vec<Vec<f64>>> = rows
            .iter()
            .map(|m| {
                let at = |i: usize, j: usize| if i < s.d && j < s.d { m[i][j] } else { 0.0 };
                let full: Vec<Vec<f64>> = (0..big)
                    .map(|i| {
                        (0..big)
                            .map(|j| {
                                (0..s.d)
                                    .flat_map(|k| (0..s.d).map(move |l| (k, l)))
                                    .map(|(k, l)| q(i, k) * at(k, l) * q(l, j))
                                    .sum()
                            })
                            .collect()
                    })
                    .collect();
                (0..big)
                    .map(|i| (0..big).map(|j| 0.5 * (full[i][j] + full[j][i])).collect())
                    .collect()
            })
            .collect();
        let a = instance(&rows, 0.1, s.b, s.sampling);
        if Analysis::of(&a, &tol()).unwrap().summary.null_dim > 0 {
            return TestResult::discard();
        }
        let b = instance(&embedded, 0.1, s.b, s.sampling);
        let (ma, mb) = (ms(&a), ms(&b));
        assert_critical_close(
            "γ*_exact embedded",
            mb.check.critical_gamma,
            ma.check.critical_gamma,
            1e-9,
        );
        assert!(
            mb.check.value >= 1.0 - 1e-12,
            "the null direction has factor 1"
        );
        assert_eq!(ma.check.verdict, mb.check.verdict);
        TestResult::passed()
    }
    qc().tests(100).quickcheck(prop as fn(Shape) -> TestResult);
}

/// The matrix-free routes (Lanczos) agree with the dense ones.
#[test]
fn lanczos_agrees_with_the_dense_route() {
    fn prop(mut s: Shape) -> TestResult {
        s.d += 4; // 5..8
        let rows = random_hessians(s.seed, s.n, s.d, s.rank);
        let inst = instance(&rows, 0.07, s.b, s.sampling);
        let dense = MeanSquareParams {
            method: Method::Dense,
            ..MeanSquareParams::default()
        };
        let free = MeanSquareParams {
            method: Method::MatrixFree,
            ..MeanSquareParams::default()
        };
        let op = MeanSquareOperator::of(&inst).unwrap();
        let (a, b) = (
            op.spectral_radius(&dense).unwrap(),
            op.spectral_radius(&free).unwrap(),
        );
        assert_close("ρ Lanczos vs dense", b.value, a.value, 1e-9, 1.0);
        assert_critical_close(
            "γ* Lanczos vs dense",
            critical(&inst, &free),
            critical(&inst, &dense),
            1e-9,
        );
        TestResult::passed()
    }
    qc().tests(40).quickcheck(prop as fn(Shape) -> TestResult);
}

fn gradient_instance(
    seed: u64,
    n: usize,
    d: usize,
    gamma: f64,
    b: usize,
) -> (Instance, Vec<Vec<f64>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let g: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            (0..d)
                .map(|_| f64::from(rng.random_range(-3i32..=3)))
                .collect()
        })
        .collect();
    let inst = Instance::new(
        "g",
        Samples::gradients_from_rows(&g).unwrap(),
        LearningRate::new(gamma).unwrap(),
        BatchSize::new(b).unwrap(),
        Sampling::WithoutReplacement,
    )
    .unwrap();
    (inst, g)
}

/// The rank-one fast paths (`H_iQH_i = (g_iᵀQg_i) g_ig_iᵀ`, `VᵀV`) agree with the Hessian form.
#[test]
fn gradient_form_equals_hessian_form() {
    fn prop(s: Shape) -> TestResult {
        let b = s.b.min(s.n);
        let (from_g, g) = gradient_instance(s.seed, s.n, s.d, 0.05, b);
        let h: Vec<Vec<Vec<f64>>> = g
            .iter()
            .map(|gi| {
                gi.iter()
                    .map(|a| gi.iter().map(|b| a * b).collect())
                    .collect()
            })
            .collect();
        let from_h = instance(&h, 0.05, b, Sampling::WithoutReplacement);
        let (a, b) = (ms(&from_g), ms(&from_h));
        assert_close("ρ", a.check.value, b.check.value, 1e-11, 1.0);
        assert_critical_close(
            "γ*_exact",
            a.check.critical_gamma,
            b.check.critical_gamma,
            1e-9,
        );
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(Shape) -> TestResult);
}

/// `Method::Auto` switches to Lanczos above `dense_max_d` (here lowered to 8, at `d = 12` with
/// rank-one samples: the gradient fast paths), and agrees with the dense route forced.
#[test]
fn auto_switches_to_the_matrix_free_route_above_the_dense_limit() {
    let (inst, _) = gradient_instance(48, 40, 12, 0.02, 1);
    let auto = MeanSquareParams {
        dense_max_d: 8,
        ..MeanSquareParams::default()
    };
    let dense = MeanSquareParams {
        method: Method::Dense,
        ..MeanSquareParams::default()
    };
    let op = MeanSquareOperator::of(&inst).unwrap();
    let radius = op.spectral_radius(&auto).unwrap();
    let mean_square::Computed::Lanczos(info) = radius.computed else {
        panic!("expected Lanczos, got {:?}", radius.computed)
    };
    assert!(info.residual <= 1e-10 * radius.value.max(1.0), "{info:?}");
    let want = op.spectral_radius(&dense).unwrap();
    assert!(matches!(
        want.computed,
        mean_square::Computed::Dense { dim: 78 }
    ));
    assert_close("ρ at d = 12", radius.value, want.value, 1e-10, 1.0);
    let (x, y) = (critical(&inst, &auto), critical(&inst, &dense));
    assert_close("γ* at d = 12", x.as_f64(), y.as_f64(), 1e-9, 0.0);
}

/// The same beyond the default dense limit (`d = 48`, `N = 120`): the matrix-free (Lanczos)
/// route against the dense one. (The test profile builds this crate at opt-level 1, so this
/// takes about a second.)
#[test]
fn matrix_free_route_at_d48() {
    let (inst, _) = gradient_instance(48, 120, 48, 0.01, 1);
    let radius = MeanSquareOperator::of(&inst)
        .unwrap()
        .spectral_radius(&MeanSquareParams::default())
        .unwrap();
    assert!(matches!(radius.computed, mean_square::Computed::Lanczos(_)));
    let dense = MeanSquareParams {
        method: Method::Dense,
        ..MeanSquareParams::default()
    };
    let want = MeanSquareOperator::of(&inst)
        .unwrap()
        .spectral_radius(&dense)
        .unwrap();
    assert_close("ρ at d = 48", radius.value, want.value, 1e-10, 1.0);
    let (x, y) = (
        critical(&inst, &MeanSquareParams::default()),
        critical(&inst, &dense),
    );
    assert_close("γ* at d = 48", x.as_f64(), y.as_f64(), 1e-9, 0.0);
}

/// Saddles and degenerate instances.
#[test]
fn saddle_zero_and_leaking_instances() {
    let one = |rows: Vec<Vec<Vec<f64>>>| ms(&instance(&rows, 0.5, 1, Sampling::WithoutReplacement));
    // H indefinite: nothing is stable (ρ ≥ (1 − γλ_min)² > 1).
    let saddle = one(vec![vec![vec![2.0, 1.0], vec![1.0, -1.0]]]);
    assert_eq!(saddle.check.critical_gamma, CriticalGamma::NoneAccepted);
    assert!(saddle.check.value > 1.0);
    assert_eq!(saddle.check.verdict, Verdict::Fails);
    // Every H_i = 0: every γ is stable, ρ = 1.
    let zero = one(vec![vec![vec![0.0, 0.0], vec![0.0, 0.0]]; 2]);
    assert_eq!(zero.check.critical_gamma, CriticalGamma::Unbounded);
    assert_close("ρ at H_i = 0", zero.check.value, 1.0, 1e-15, 1.0);
    // H = 0 from indefinite H_i = ±diag(1, −1): they do not vanish on null(H) = R².
    let cancel = one(vec![
        vec![vec![1.0, 0.0], vec![0.0, -1.0]],
        vec![vec![-1.0, 0.0], vec![0.0, 1.0]],
    ]);
    assert_eq!(cancel.check.critical_gamma, CriticalGamma::NoneAccepted);
    assert!(cancel.check.value > 1.0);
    // The shipped null-leak fixture: H PSD but the H_i leak into null(H).
    let path = root().join("fixtures/indefinite_null_leak.json");
    let inst =
        sgd_stability::load::load_path(&path, &Default::default(), RelTol::new(1e-6).unwrap())
            .unwrap();
    let m = ms(&inst);
    assert_eq!(m.check.critical_gamma, CriticalGamma::NoneAccepted);
    assert!(m.check.value > 1.0);
    for g in [0.01, 0.1, 1.0] {
        assert!(rho(&inst, g) > 1.0, "stable at γ = {g} despite the leak");
    }
}

fn load(name: &str) -> Instance {
    sgd_stability::load::load_path(
        &root().join("fixtures").join(name),
        &Default::default(),
        RelTol::new(1e-6).unwrap(),
    )
    .unwrap()
}

/// `d2_thm33_rejects_mean_square_stable.json`: γ*_3.3 = 1 < γ = 1.1 < γ*_exact = (9 − √17)/4.
#[test]
fn fixture_where_thm33_rejects_a_stable_gamma() {
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let an = Analysis::of(&inst, &tol()).unwrap();
    let m = ms(&inst);
    assert_eq!(an.thm33.verdict, Verdict::Fails);
    assert!(an.thm35.hypotheses.hold());
    assert_eq!(m.check.verdict, Verdict::Holds);
    assert!(m.check.value < 1.0);
    assert_close("γ*_3.3", an.thm33.critical_gamma.as_f64(), 1.0, 1e-12, 0.0);
    // (9 − √17)/4: 2 over the largest root of 4x² − 9x + 4 (sympy, /tmp derivation in the note).
    let want = (9.0 - 17f64.sqrt()) / 4.0;
    assert_close(
        "γ*_exact",
        m.check.critical_gamma.as_f64(),
        want,
        1e-12,
        0.0,
    );
}

/// `d2_trace_fails_rank_two_stable.json`: tr(H) > 2/γ, Thm 3.3 rejects, yet stable (H_1 has
/// rank 2, so Theorem 3.5 does not apply).
#[test]
fn fixture_where_the_trace_condition_fails_but_sgd_is_stable() {
    let inst = load("d2_trace_fails_rank_two_stable.json");
    let an = Analysis::of(&inst, &tol()).unwrap();
    let m = ms(&inst);
    assert_eq!(an.thm35.check.verdict, Verdict::Fails);
    assert!(!an.thm35.hypotheses.hold());
    assert_eq!(an.thm33.verdict, Verdict::Fails);
    assert_eq!(m.check.verdict, Verdict::Holds);
    // γ* = 2/μ, μ the largest root of 25x³ − 103x² + 133x − 52: check μ is a root.
    let mu = 2.0 / m.check.critical_gamma.as_f64();
    let p = ((25.0 * mu - 103.0) * mu + 133.0) * mu - 52.0;
    let dp = (75.0 * mu - 206.0) * mu + 133.0;
    assert!((p / dp).abs() < 1e-12 * mu, "μ = {mu}: p(μ) = {p}");
    assert!(mu > 1.8 && mu < 1.9);
}

/// Every shipped fixture, three ways: the enumerated operator, bisection where `H ≻ 0`, and the
/// lecture's orderings. Prints the table of critical γ.
#[test]
fn every_fixture_is_cross_checked() {
    println!("| fixture | γ | γ*_3.3 | γ*_exact | γ*_GD | 2/tr(H) | ρ(L_γ) | verdict |");
    for f in fixture_files() {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        let inst =
            sgd_stability::load::load_path(&f, &Default::default(), RelTol::new(1e-6).unwrap())
                .unwrap();
        let an = Analysis::of(&inst, &tol()).unwrap();
        let m = ms(&inst);
        let e = enumerate::expectations(
            &Problem::from_instance(&inst),
            &enumerate::EnumerationParams::default(),
        )
        .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let qs: Vec<_> = (0..3)
            .map(|_| random_symmetric(&mut rng, inst.d()))
            .collect();
        let rows: Vec<Vec<Vec<f64>>> = (0..inst.n())
            .map(|i| {
                let h = inst.samples().hessian(i);
                (0..inst.d())
                    .map(|r| (0..inst.d()).map(|c| h[(r, c)]).collect())
                    .collect()
            })
            .collect();
        operators_agree(
            &MeanSquareOperator::of(&inst).unwrap(),
            &e.expectations.operator,
            &qs,
            operator_scale(&rows, inst.gamma().get()),
            1e-12,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (g33, gex, ggd) = (
            an.thm33.critical_gamma.as_f64(),
            m.check.critical_gamma.as_f64(),
            an.gd.critical_gamma.as_f64(),
        );
        assert!(
            g33 <= gex * (1.0 + 1e-10) && gex <= ggd * (1.0 + 1e-10),
            "{name}"
        );
        assert!(m.check.value <= an.thm33.value + 1e-12, "{name}");
        if let (Some(g), true) = (
            finite(m.check.critical_gamma),
            an.summary.null_dim == 0 && an.summary.h_psd,
        ) {
            let (mut lo, mut hi) = (0.0, ggd * 1.000_001);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if rho(&inst, mid) <= 1.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            assert_close(&format!("{name}: bisection"), g, lo, 1e-9, 0.0);
        }
        println!(
            "| {name} | {} | {g33:.6} | {gex:.10} | {ggd:.6} | {:.6} | {:.6} | {} |",
            inst.gamma().get(),
            an.thm35.check.critical_gamma.as_f64(),
            m.check.value,
            m.check.verdict
        );
    }
}
