//! The range reduction (`sgd_stability::reduction`) against the full operator: random
//! over-parameterized instances (gradients with `N < d`, low-rank and indefinite Hessians), both
//! i.i.d. samplings and random reshuffling; scale invariance over `1e-150 … 1e150`; the
//! tiny-scale regression; the PSD tolerance edge.

use crate::common::{assert_close, assert_critical_close};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::criteria::{self, CriticalGamma, HSpectrum, Verdict};
use sgd_stability::mean_square::{
    critical_gamma_exact, reshuffling, Computed, MeanSquareOperator, MeanSquareParams, Method,
};
use sgd_stability::moments::{batch_factor, Moments};
use sgd_stability::reduction::{Reduction, Route};
use sgd_stability::{
    linalg, Analysis, BatchSize, Instance, LearningRate, RelTol, ReshufflingAnalysis, Samples,
    Sampling, Tolerances,
};

fn tol() -> Tolerances {
    Tolerances::default()
}

fn qc(tests: u64) -> QuickCheck {
    QuickCheck::new()
        .rng(Gen::from_size_and_seed(50, 0x0e_d0ce))
        .tests(tests)
}

/// Which kind of over-parameterized samples to draw.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `N < d` gradients; some repeated up to sign, so `rank < N` too.
    Gradients,
    /// PSD Hessians `G_iG_iᵀ` of rank ≤ 2 living in a random subspace of dimension `< d`.
    LowRankHessians,
    /// Indefinite Hessians living in a random subspace of dimension `< d`.
    IndefiniteHessians,
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    kind: Kind,
    n: usize,
    d: usize,
    b: usize,
    sampling: Sampling,
    gamma_scale: f64,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let kind = *g
            .choose(&[
                Kind::Gradients,
                Kind::LowRankHessians,
                Kind::IndefiniteHessians,
            ])
            .unwrap();
        let n = 1 + usize::arbitrary(g) % 5;
        let d = n + 1 + usize::arbitrary(g) % 4;
        let sampling = if bool::arbitrary(g) {
            Sampling::WithoutReplacement
        } else {
            Sampling::WithReplacement
        };
        let b = 1 + usize::arbitrary(g) % n;
        Self {
            seed: u64::arbitrary(g),
            kind,
            n,
            d,
            b,
            sampling,
            gamma_scale: *g.choose(&[0.2, 0.6, 0.95, 1.05, 1.6, 3.0]).unwrap(),
        }
    }
}

/// Small integers in `[-k, k]`: the instances are exact in binary and as decimals, so the exact
/// rational route sees the same low-rank matrices.
fn int(rng: &mut ChaCha8Rng, k: i32) -> f64 {
    f64::from(rng.random_range(-k..=k))
}

fn samples(case: &Case) -> Samples {
    let mut rng = ChaCha8Rng::seed_from_u64(case.seed);
    let (n, d) = (case.n, case.d);
    match case.kind {
        Kind::Gradients => {
            let mut rows: Vec<Vec<f64>> = Vec::new();
            for i in 0..n {
                if i > 0 && rng.random_range(0..4) == 0 {
                    let j = rng.random_range(0..i);
                    let s = if rng.random() { -2.0 } else { 1.0 };
                    rows.push(rows[j].iter().map(|x| s * x).collect());
                } else {
                    rows.push((0..d).map(|_| int(&mut rng, 3)).collect());
                }
            }
            Samples::gradients_from_rows(&rows).unwrap()
        }
        Kind::LowRankHessians | Kind::IndefiniteHessians => {
            // H_i = V C_i S C_iᵀ Vᵀ: V is d×k (k < d), C_i is k×2, S = diag(1, ±1); integers.
            let k = 1 + rng.random_range(0..d - 1);
            let v: Vec<Vec<f64>> = (0..d)
                .map(|_| (0..k).map(|_| int(&mut rng, 2)).collect())
                .collect();
            let sign = [
                1.0,
                if matches!(case.kind, Kind::IndefiniteHessians) {
                    -1.0
                } else {
                    1.0
                },
            ];
            let rows: Vec<Vec<Vec<f64>>> = (0..n)
                .map(|_| {
                    let c: Vec<Vec<f64>> = (0..k)
                        .map(|_| (0..2).map(|_| int(&mut rng, 2)).collect())
                        .collect();
                    // W = V C_i (d×2); H_i = W S Wᵀ.
                    let w: Vec<Vec<f64>> = (0..d)
                        .map(|r| {
                            (0..2)
                                .map(|t| (0..k).map(|p| v[r][p] * c[p][t]).sum())
                                .collect()
                        })
                        .collect();
                    (0..d)
                        .map(|r| {
                            (0..d)
                                .map(|q| (0..2).map(|t| sign[t] * w[r][t] * w[q][t]).sum())
                                .collect()
                        })
                        .collect()
                })
                .collect();
            Samples::hessians_from_rows(&rows, RelTol::new(0.0).unwrap()).unwrap()
        }
    }
}

fn instance(samples: Samples, gamma: f64, b: usize, sampling: Sampling) -> Instance {
    Instance::new(
        "case",
        samples,
        LearningRate::new(gamma).unwrap(),
        BatchSize::new(b).unwrap(),
        sampling,
    )
    .unwrap()
}

/// The full (unreduced) route: the dense `d(d+1)/2` operator on the input and the
/// generalized eigenproblem on the input's own `H`.
struct Full {
    rho: f64,
    critical: CriticalGamma,
    thm33_value: f64,
    thm33_critical: CriticalGamma,
}

fn full(inst: &Instance) -> Full {
    let s = inst.samples();
    let c: f64 = batch_factor(inst.n(), inst.batch_size().get(), inst.sampling());
    let m = Moments::of(s);
    let spec = HSpectrum::of(&m.h, tol().null_space).unwrap();
    let dense = MeanSquareParams {
        method: Method::Dense,
        ..MeanSquareParams::default()
    };
    let rho = MeanSquareOperator::new(s, &m.h, c, inst.gamma().get())
        .spectral_radius(&dense)
        .unwrap()
        .value;
    let critical = critical_gamma_exact(s, &m, &spec, c, tol().null_space, &dense)
        .unwrap()
        .gamma;
    let thm33 = criteria::thm33(&m, &spec, c, inst.gamma().get(), &tol()).unwrap();
    Full {
        rho,
        critical,
        thm33_value: thm33.value,
        thm33_critical: thm33.critical_gamma,
    }
}

/// Every criterion of the reduced route equals the full operator's, on random
/// over-parameterized instances; where `ρ` is reported as exactly 1 (stable, null part) the
/// full operator's `ρ` is 1 too.
#[test]
fn reduced_route_agrees_with_the_full_operator() {
    fn prop(case: Case) -> TestResult {
        let s = samples(&case);
        let probe = instance(s.clone(), 1.0, case.b, case.sampling);
        let Ok(a) = Analysis::of(&probe, &tol()) else {
            return TestResult::error("analysis failed");
        };
        let gamma = match a.mean_square.check.critical_gamma {
            CriticalGamma::Finite(g) => g * case.gamma_scale,
            _ => 0.7 * case.gamma_scale,
        };
        let inst = instance(s, gamma, case.b, case.sampling);
        let a = Analysis::of(&inst, &tol()).unwrap();
        let f = full(&inst);
        let red = Reduction::of(&inst, &tol()).unwrap();
        if red.info().rank >= inst.d() {
            return TestResult::error(format!("not reduced: {:?} {case:?}", red.info()));
        }
        assert_critical_close(
            "γ*_exact: reduced vs full",
            a.mean_square.check.critical_gamma,
            f.critical,
            1e-9,
        );
        assert_critical_close(
            "γ*_3.3: reduced vs full",
            a.thm33.critical_gamma,
            f.thm33_critical,
            1e-9,
        );
        assert_close(
            "Theorem 3.3 value: reduced vs full",
            a.thm33.value,
            f.thm33_value,
            1e-9,
            1.0,
        );
        if a.mean_square.radius.computed == Computed::NullSpace {
            assert_eq!(a.mean_square.check.value, 1.0);
            assert_eq!(a.mean_square.check.verdict, Verdict::Holds);
            assert_close(
                "ρ = 1 at a stable over-parameterized minimum",
                f.rho,
                1.0,
                1e-9,
                1.0,
            );
        } else {
            assert_close(
                "ρ(L_γ): reduced vs full",
                a.mean_square.check.value,
                f.rho,
                1e-9,
                1.0,
            );
        }
        // The summary is the input's: d, the null space, the spectrum of H.
        let m = Moments::of(inst.samples());
        let spec = HSpectrum::of(&m.h, tol().null_space).unwrap();
        assert_eq!(a.summary.d, inst.d());
        assert_eq!(a.summary.null_dim, spec.null_dim(), "{:?}", red.info());
        assert_close(
            "λ_max(H)",
            a.summary.sharpness,
            spec.sharpness().max(0.0),
            1e-10,
            1.0,
        );
        assert_close("tr H", a.summary.trace_h, spec.trace(), 1e-10, 1.0);
        let sigma = linalg::sym_lambda_max(m.sigma.as_ref()).unwrap().unwrap();
        assert_close("λ_max(Σ)", a.summary.sigma_norm, sigma.max(0.0), 1e-9, 1.0);
        TestResult::passed()
    }
    qc(250).quickcheck(prop as fn(Case) -> TestResult);
}

/// Random reshuffling's per-epoch operator on the reduced instance, lifted, equals the full
/// operator's.
#[test]
fn reduced_reshuffling_agrees_with_the_full_operator() {
    fn prop(mut case: Case) -> TestResult {
        case.n = 2 + case.n % 3;
        case.d = case.n + 1 + case.d % 2;
        let s = samples(&case);
        let b = [1, case.n][case.seed as usize % 2];
        let inst = instance(s, 0.3 * case.gamma_scale, b, Sampling::RandomReshuffling);
        let a = ReshufflingAnalysis::of(&inst, &tol()).unwrap();
        let full = reshuffling::reshuffling(&inst, b, inst.gamma().get(), &tol()).unwrap();
        assert_close(
            "ρ(L_epoch): reduced vs full",
            a.exact.epoch_radius,
            full.epoch_radius,
            1e-9,
            1.0,
        );
        assert_eq!(a.exact.verdict, full.verdict);
        assert_critical_close(
            "critical γ, random reshuffling",
            a.exact.critical_gamma,
            full.critical_gamma,
            1e-6,
        );
        TestResult::passed()
    }
    qc(60).quickcheck(prop as fn(Case) -> TestResult);
}

/// The exact rational route (d ≤ 5, on the unreduced input) decides stability as the reduced
/// floating-point route does.
#[test]
fn reduced_verdicts_agree_with_the_exact_rational_route() {
    fn prop(mut case: Case) -> TestResult {
        case.d = case.d.min(5).max(case.n + 1);
        if case.d > 5 {
            return TestResult::discard();
        }
        let s = samples(&case);
        let inst = instance(s, 0.37 * case.gamma_scale, case.b, case.sampling);
        let a = Analysis::of(&inst, &tol()).unwrap();
        if a.mean_square.check.verdict == Verdict::Boundary {
            return TestResult::discard();
        }
        let Ok(exact) = sgd_stability::mean_square::certified::certified(&inst, 20) else {
            return TestResult::discard();
        };
        assert_eq!(
            exact.verdict.stable,
            a.mean_square.check.verdict == Verdict::Holds,
            "{case:?}"
        );
        TestResult::passed()
    }
    qc(80).quickcheck(prop as fn(Case) -> TestResult);
}

/// Scale invariance: `(tH_i, γ/t)` has the verdicts, `ρ` and Theorem 3.3 value of `(H_i, γ)`,
/// and critical learning rates `t` times smaller, for `t` from `1e-150` to `1e150`.
#[test]
fn every_verdict_is_scale_invariant() {
    fn prop(case: Case, exponent: i16) -> TestResult {
        let k = i32::from(exponent % 151);
        let t = 10f64.powi(k);
        let s = samples(&case);
        let gamma = 0.4 * case.gamma_scale;
        let base =
            Analysis::of(&instance(s.clone(), gamma, case.b, case.sampling), &tol()).unwrap();
        let scaled_samples = match &s {
            Samples::Gradients(g) => {
                let m = g.matrix();
                let rows: Vec<Vec<f64>> = (0..m.nrows())
                    .map(|i| (0..m.ncols()).map(|j| m[(i, j)] * t.sqrt()).collect())
                    .collect();
                Samples::gradients_from_rows(&rows).unwrap()
            }
            Samples::Hessians(hs) => Samples::hessians(
                hs.iter().map(|h| h * faer::Scale(t)).collect(),
                RelTol::new(1e-12).unwrap(),
            )
            .unwrap(),
        };
        let scaled = Analysis::of(
            &instance(scaled_samples, gamma / t, case.b, case.sampling),
            &tol(),
        )
        .unwrap();
        let pairs = [
            (&base.mean_square.check, &scaled.mean_square.check),
            (&base.thm33, &scaled.thm33),
            (&base.gd, &scaled.gd),
            (&base.thm35.check, &scaled.thm35.check),
        ];
        for (x, y) in pairs {
            if x.verdict != Verdict::Boundary && y.verdict != Verdict::Boundary {
                assert_eq!(x.verdict, y.verdict, "t = 1e{k}: {case:?}");
            }
            assert_critical_close(
                &format!("critical γ at t = 1e{k}"),
                y.critical_gamma,
                x.critical_gamma.scaled(1.0 / t),
                1e-10,
            );
        }
        assert_close(
            "ρ",
            scaled.mean_square.check.value,
            base.mean_square.check.value,
            1e-9,
            1.0,
        );
        assert_close(
            "Thm 3.3 value",
            scaled.thm33.value,
            base.thm33.value,
            1e-9,
            1.0,
        );
        // Eigenvalues of H are compared at the scale of ‖H‖ (a zero eigenvalue is rounding).
        let norm = base
            .summary
            .sharpness
            .abs()
            .max(base.summary.lambda_min_h.abs());
        assert_close(
            "λ_max(H)",
            scaled.summary.sharpness,
            base.summary.sharpness * t,
            1e-10,
            norm,
        );
        assert_close(
            "tr H",
            scaled.summary.trace_h,
            base.summary.trace_h * t,
            1e-10,
            norm * 10.0,
        );
        TestResult::passed()
    }
    qc(200).quickcheck(prop as fn(Case, i16) -> TestResult);
}

/// `d1_sgd_unstable` scaled by 1e-200 (and 1e-160, 1e150): ρ(L_γ) = 1.2304 and unstable, as at
/// scale 1 — it was "stable (Theorem 3.3)" with ρ = NaN when H_i² underflowed. At 1e200 its
/// λ_max(Σ) ≈ 5e400 is not an f64: refused with a message, not printed as ∞.
#[test]
fn tiny_scale_d1_sgd_unstable_is_unstable() {
    let at = |scale: f64, gamma: f64| {
        let rows: Vec<Vec<Vec<f64>>> = [1.0, 3.0, 5.0, 7.0]
            .iter()
            .map(|h| vec![vec![h * scale]])
            .collect();
        let s = Samples::hessians_from_rows(&rows, RelTol::new(0.0).unwrap()).unwrap();
        Analysis::of(&instance(s, gamma, 2, Sampling::WithoutReplacement), &tol())
    };
    let e = at(1e200, 4.8e-201).unwrap_err().to_string();
    assert!(e.contains("λ_max(Σ)") && e.contains("f64 range"), "{e}");
    for (scale, gamma) in [
        (1.0, 0.48),
        (1e-200, 4.8e199),
        (1e-160, 4.8e159),
        (1e150, 4.8e-151),
    ] {
        let a = at(scale, gamma).unwrap();
        assert_close("ρ", a.mean_square.check.value, 1.2304, 1e-12, 1.0);
        assert_eq!(
            a.mean_square.check.verdict,
            Verdict::Fails,
            "scale {scale:e}"
        );
        assert_eq!(a.thm33.verdict, Verdict::Fails, "scale {scale:e}");
        let CriticalGamma::Finite(g) = a.mean_square.check.critical_gamma else {
            panic!("finite γ*")
        };
        // d = 1: γ* = 2a/(a² + cs²) with a = 4, s² = 5, c = 1/3: 8/(16 + 5/3) = 24/53.
        assert_close("γ* · scale", g * scale, 24.0 / 53.0, 1e-13, 0.0);
    }
}

/// The PSD tolerance edge: `H = diag(1, −ε)` from one sample is a minimum (the `−ε` direction
/// is a null direction) for ε just inside the null-space tolerance, and a saddle just outside.
#[test]
fn psd_tolerance_edge_pins_the_saddle_verdict() {
    let t = Tolerances::DEFAULT_NULL_SPACE;
    for (eps, saddle) in [
        (0.5 * t, false),
        (0.99 * t, false),
        (1.01 * t, true),
        (2.0 * t, true),
    ] {
        let rows = vec![vec![vec![1.0, 0.0], vec![0.0, -eps]]];
        let s = Samples::hessians_from_rows(&rows, RelTol::new(0.0).unwrap()).unwrap();
        let a = Analysis::of(&instance(s, 0.5, 1, Sampling::WithoutReplacement), &tol()).unwrap();
        assert_eq!(!a.summary.is_minimum(), saddle, "ε = {eps:e}");
        let want = if saddle {
            CriticalGamma::NoneAccepted
        } else {
            CriticalGamma::Finite(2.0)
        };
        assert_critical_close("γ*_exact", a.mean_square.check.critical_gamma, want, 1e-14);
        assert_critical_close("γ*_GD", a.gd.critical_gamma, want, 1e-14);
        let v = if saddle {
            Verdict::Fails
        } else {
            Verdict::Holds
        };
        assert_eq!(a.mean_square.check.verdict, v, "ε = {eps:e}");
    }
}

/// Gradients with `N < d` take the Gram route and never form a `d×d` matrix; the reduced
/// coordinates reproduce the input: `‖x‖² = ‖Uᵀx‖² + ‖x − UUᵀx‖²` and `U(Uᵀg_i) = g_i`.
#[test]
fn gram_route_maps_vectors_exactly() {
    let case = Case {
        seed: 11,
        kind: Kind::Gradients,
        n: 4,
        d: 9,
        b: 1,
        sampling: Sampling::WithoutReplacement,
        gamma_scale: 1.0,
    };
    let inst = instance(samples(&case), 0.3, 1, Sampling::WithoutReplacement);
    let red = Reduction::of(&inst, &tol()).unwrap();
    assert_eq!(red.info().route, Route::GramOfGradients);
    let Samples::Gradients(g) = inst.samples() else {
        unreachable!()
    };
    for i in 0..4 {
        let (y, rest) = red.split(g.row(i));
        assert!(rest < 1e-24, "g_{i} lies in the range: {rest:e}");
        let back = red.embed(&y);
        for (a, b) in back.iter().zip(g.row(i)) {
            assert_close("U Uᵀ g_i", *a, *b, 1e-12, 1.0);
        }
    }
    let x: Vec<f64> = (0..9).map(|k| (k as f64).sin()).collect();
    let (y, rest) = red.split(&x);
    let norm2: f64 = x.iter().map(|v| v * v).sum();
    let y2: f64 = y.iter().map(|v| v * v).sum();
    assert_close("‖x‖² = ‖y‖² + ‖z‖²", y2 + rest, norm2, 1e-12, 1.0);
    assert!(rest > 0.1, "a generic x has a null part");
}

/// Above the dense limit (`r = 42 > 40`) the reduced route runs restarted Lanczos in the
/// eigenbasis of `H`; it agrees with the dense operator on the full `d = 50` space, for `ρ` at an
/// unstable `γ` and for `γ*_exact`.
#[test]
fn reduced_lanczos_agrees_with_the_full_dense_operator() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let rows: Vec<Vec<f64>> = (0..42)
        .map(|_| (0..50).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let s = Samples::gradients_from_rows(&rows).unwrap();
    for (b, sampling) in [
        (1, Sampling::WithoutReplacement),
        (4, Sampling::WithReplacement),
    ] {
        let probe = Analysis::of(&instance(s.clone(), 1.0, b, sampling), &tol()).unwrap();
        let CriticalGamma::Finite(g) = probe.mean_square.check.critical_gamma else {
            panic!("finite γ*")
        };
        let inst = instance(s.clone(), 1.3 * g, b, sampling);
        let a = Analysis::of(&inst, &tol()).unwrap();
        assert!(
            matches!(a.mean_square.critical, Computed::Lanczos(i) if i.converged),
            "{:?}",
            a.mean_square.critical
        );
        assert!(matches!(a.mean_square.radius.computed, Computed::Lanczos(i) if i.converged));
        let f = full(&inst);
        assert_close(
            "ρ: Lanczos (reduced) vs dense (full)",
            a.mean_square.check.value,
            f.rho,
            1e-9,
            1.0,
        );
        assert_critical_close(
            "γ*: Lanczos vs dense",
            a.mean_square.check.critical_gamma,
            f.critical,
            1e-9,
        );
        assert_eq!(a.mean_square.check.verdict, Verdict::Fails);
    }
}

/// `γ*` of the weighted means `H = (1/N) Σ w_i H_i`, `D(Q) = (1 − c) HQH + (c/N) Σ w_i H_iQH_i`,
/// `C(Q) = ½(HQ + QH)`, built entry by entry on an orthonormal basis of `Sym(d)` (naive loops,
/// nothing from the crate's operators): `2/λ_max(C^{-1/2} D C^{-1/2})`, for `H ≻ 0`.
fn weighted_critical(hs: &[Vec<Vec<f64>>], w: &[f64], c: f64) -> f64 {
    let d = hs[0].len();
    let n = hs.len() as f64;
    let mul = |a: &Vec<Vec<f64>>, b: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| (0..d).map(|k| a[i][k] * b[k][j]).sum())
                    .collect()
            })
            .collect()
    };
    let mut h = vec![vec![0.0; d]; d];
    for (hi, wi) in hs.iter().zip(w) {
        for i in 0..d {
            for j in 0..d {
                h[i][j] += wi * hi[i][j] / n;
            }
        }
    }
    let mut basis: Vec<Vec<Vec<f64>>> = Vec::new();
    for i in 0..d {
        for j in i..d {
            let mut e = vec![vec![0.0; d]; d];
            let v = if i == j {
                1.0
            } else {
                std::f64::consts::FRAC_1_SQRT_2
            };
            e[i][j] = v;
            e[j][i] = v;
            basis.push(e);
        }
    }
    let inner = |a: &Vec<Vec<f64>>, b: &Vec<Vec<f64>>| -> f64 {
        (0..d)
            .map(|i| (0..d).map(|j| a[i][j] * b[i][j]).sum::<f64>())
            .sum()
    };
    let dop = |q: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        let hqh = mul(&mul(&h, q), &h);
        let mut out: Vec<Vec<f64>> = hqh
            .iter()
            .map(|r| r.iter().map(|x| (1.0 - c) * x).collect())
            .collect();
        for (hi, wi) in hs.iter().zip(w) {
            let t = mul(&mul(hi, q), hi);
            for i in 0..d {
                for j in 0..d {
                    out[i][j] += c * wi * t[i][j] / n;
                }
            }
        }
        out
    };
    let cop = |q: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        let (a, b) = (mul(&h, q), mul(q, &h));
        (0..d)
            .map(|i| (0..d).map(|j| 0.5 * (a[i][j] + b[i][j])).collect())
            .collect()
    };
    let m = basis.len();
    let dm = faer::Mat::from_fn(m, m, |p, q| inner(&basis[p], &dop(&basis[q])));
    let cm = faer::Mat::from_fn(m, m, |p, q| inner(&basis[p], &cop(&basis[q])));
    // C^{-1/2} by its eigen-decomposition.
    let (cw, cu) = linalg::sym_eigen(cm.as_ref()).unwrap();
    let s = faer::Mat::from_fn(m, m, |p, q| {
        (0..m)
            .map(|k| cu[(p, k)] * cu[(q, k)] / cw[k].sqrt())
            .sum::<f64>()
    });
    let t = linalg::product(
        linalg::product(s.as_ref(), dm.as_ref(), 1.0).as_ref(),
        s.as_ref(),
        1.0,
    );
    let t = faer::Mat::from_fn(m, m, |p, q| 0.5 * (t[(p, q)] + t[(q, p)]));
    2.0 / linalg::sym_lambda_max(t.as_ref()).unwrap().unwrap()
}

/// The influence `dγ*/dw_i` reported for each sample equals a central finite difference of
/// `γ*` in that sample's weight, computed independently ([`weighted_critical`]); for
/// Hessians and for gradients, both samplings.
#[test]
fn influence_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for (gradients, b, sampling) in [
        (true, 1, Sampling::WithoutReplacement),
        (false, 2, Sampling::WithReplacement),
        (true, 3, Sampling::WithoutReplacement),
    ] {
        let (n, d) = (6, 3);
        let hs: Vec<Vec<Vec<f64>>> = if gradients {
            (0..n)
                .map(|_| {
                    let g: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
                    (0..d)
                        .map(|i| (0..d).map(|j| g[i] * g[j]).collect())
                        .collect()
                })
                .collect()
        } else {
            crate::common::random_hessians(rng.random(), n, d, 2)
        };
        let samples = Samples::hessians_from_rows(&hs, RelTol::new(1e-12).unwrap()).unwrap();
        let inst = instance(samples, 0.1, b, sampling);
        let a = Analysis::of(&inst, &tol()).unwrap();
        let c: f64 = batch_factor(n, b, sampling);
        let inf = a
            .mean_square
            .influence
            .clone()
            .expect("influence at finite γ*");
        let g0 = weighted_critical(&hs, &vec![1.0; n], c);
        assert_close(
            "γ* (independent)",
            a.mean_square.check.critical_gamma.as_f64(),
            g0,
            1e-10,
            0.0,
        );
        let h = 1e-5;
        for i in 0..n {
            let mut wp = vec![1.0; n];
            let mut wm = vec![1.0; n];
            wp[i] += h;
            wm[i] -= h;
            let fd = (weighted_critical(&hs, &wp, c) - weighted_critical(&hs, &wm, c)) / (2.0 * h);
            assert_close(&format!("dγ*/dw_{i}"), inf[i], fd, 1e-6, g0);
        }
        // It says "no": a wrong sign or a dropped term would not match.
        assert!(inf.iter().any(|x| x.abs() > 1e-4 * g0), "{inf:?}");
    }
}

/// On the Lanczos route (`r = 42`) the influence equals the dense route's.
#[test]
fn influence_on_the_lanczos_route_matches_the_dense_route() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let rows: Vec<Vec<f64>> = (0..42)
        .map(|_| (0..60).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let inst = instance(
        Samples::gradients_from_rows(&rows).unwrap(),
        0.01,
        1,
        Sampling::WithoutReplacement,
    );
    let red = Reduction::of(&inst, &tol()).unwrap();
    let r = red.instance();
    let m = Moments::of(r.samples());
    let spec = HSpectrum::of(&m.h, tol().null_space).unwrap();
    let c = 1.0;
    let dense = MeanSquareParams {
        method: Method::Dense,
        ..MeanSquareParams::default()
    };
    let x = critical_gamma_exact(
        r.samples(),
        &m,
        &spec,
        c,
        tol().null_space,
        &MeanSquareParams::default(),
    )
    .unwrap();
    let y = critical_gamma_exact(r.samples(), &m, &spec, c, tol().null_space, &dense).unwrap();
    assert!(matches!(x.computed, Computed::Lanczos(_)));
    let (xi, yi) = (x.influence.unwrap(), y.influence.unwrap());
    let scale = yi.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (p, q) in xi.iter().zip(&yi) {
        assert_close("influence, Lanczos vs dense", *p, *q, 1e-7, scale);
    }
}

/// The certified (exact rational) route on the range of the H_i: forced on a d = 5 fixture it
/// gives the direct route's verdicts and γ*; beyond d = 5 it agrees with the floating-point
/// route; a range of rank above 5 is refused.
#[test]
fn certified_route_on_the_range() {
    use sgd_stability::exact::rational_from_decimal_f64;
    use sgd_stability::load::ExactSamples;
    use sgd_stability::mean_square::certified::{certified, CertifiedCritical, ExactPencil};
    let f = crate::common::root().join("fixtures/overparam_gradients_n3_d5_stable.json");
    let inst = sgd_stability::load::load_path(&f, &Default::default(), RelTol::new(1e-6).unwrap())
        .unwrap();
    let Samples::Gradients(g) = inst.samples() else {
        panic!("a gradient fixture")
    };
    let exact = ExactSamples::Gradients(
        (0..inst.n())
            .map(|i| {
                g.row(i)
                    .iter()
                    .map(|&x| rational_from_decimal_f64(x))
                    .collect()
            })
            .collect(),
    );
    let direct = ExactPencil::of(&inst).unwrap();
    let reduced = ExactPencil::on_range(&inst, &exact).unwrap().unwrap();
    assert!(reduced.d() < direct.d(), "reduced to the rank");
    for gamma in ["0.3", "0.63", "0.6427", "0.6428", "0.9"] {
        let gq: num_rational::BigRational =
            gamma.parse::<f64>().map(rational_from_decimal_f64).unwrap();
        assert_eq!(
            direct.verdict(&gq).stable,
            reduced.verdict(&gq).stable,
            "γ = {gamma}"
        );
    }
    let (CertifiedCritical::Root(a), CertifiedCritical::Root(b)) = (
        direct.critical_gamma(25).unwrap(),
        reduced.critical_gamma(25).unwrap(),
    ) else {
        panic!("finite γ*")
    };
    assert!(
        a.lo <= b.hi && b.lo <= a.hi,
        "the isolating intervals overlap"
    );

    // d = 40, rank 3: the exact answers agree with the floating-point route.
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let rows: Vec<Vec<f64>> = (0..3)
        .map(|_| {
            (0..40)
                .map(|_| f64::from(rng.random_range(-9i32..=9)) / 4.0)
                .collect()
        })
        .collect();
    for gamma in [0.002, 0.004, 0.006] {
        let inst = instance(
            Samples::gradients_from_rows(&rows).unwrap(),
            gamma,
            1,
            Sampling::WithoutReplacement,
        );
        let a = Analysis::of(&inst, &tol()).unwrap();
        let c = certified(&inst, 25).unwrap();
        assert_eq!(c.range_rank, Some(3));
        assert_eq!(
            c.verdict.stable,
            a.mean_square.check.verdict == Verdict::Holds,
            "γ = {gamma}"
        );
        let CertifiedCritical::Root(root) = c.critical.unwrap() else {
            panic!("finite γ*")
        };
        assert_close(
            "certified γ* vs f64",
            root.to_f64(),
            a.mean_square.check.critical_gamma.as_f64(),
            1e-12,
            0.0,
        );
    }

    // Hessians with a proper range in d = 7 (rank 2).
    let h = |v: [f64; 7], w: [f64; 7]| -> Vec<Vec<f64>> {
        (0..7)
            .map(|i| (0..7).map(|j| v[i] * v[j] + w[i] * w[j]).collect())
            .collect()
    };
    let hs = vec![
        h([1., 0., 1., 0., 0., 1., 0.], [0., 1., 0., 0., 1., 0., 0.]),
        h([2., 1., 2., 0., 1., 2., 0.], [1., -1., 1., 0., -1., 1., 0.]),
    ];
    let inst = instance(
        Samples::hessians_from_rows(&hs, RelTol::new(0.0).unwrap()).unwrap(),
        0.01,
        1,
        Sampling::WithoutReplacement,
    );
    let c = certified(&inst, 20).unwrap();
    assert_eq!(c.range_rank, Some(2));
    let a = Analysis::of(&inst, &tol()).unwrap();
    assert_eq!(
        c.verdict.stable,
        a.mean_square.check.verdict == Verdict::Holds
    );

    // Rank 6 in d = 8: refused, saying why.
    let rows: Vec<Vec<f64>> = (0..6)
        .map(|i| (0..8).map(|j| if i == j { 1.0 } else { 0.5 }).collect())
        .collect();
    let inst = instance(
        Samples::gradients_from_rows(&rows).unwrap(),
        0.1,
        1,
        Sampling::WithoutReplacement,
    );
    let e = certified(&inst, 20).unwrap_err().to_string();
    assert!(e.contains("rank is at least 6"), "{e}");
}
