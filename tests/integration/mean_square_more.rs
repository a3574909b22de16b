//! The rest of exact mean-square stability: the batch-size sweep, the certified (exact
//! rational) answers against the `f64` route, and random reshuffling against a second route
//! built from the enumeration engine's operators.

use crate::common::{assert_close, fixture_files, instance, random_hessians, root};
use num_bigint::BigInt;
use num_rational::BigRational;
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::criteria::{CriticalGamma, HSpectrum, Verdict};
use sgd_stability::enumerate::MeanSquareMatrix;
use sgd_stability::exact::poly::UPoly;
use sgd_stability::exact::{rational_from_decimal_f64, Matrix};
use sgd_stability::mean_square::certified::{self, CertifiedCritical, ExactPencil, NotPsd, Psd};
use sgd_stability::mean_square::reshuffling::{self, epoch_operator};
use sgd_stability::mean_square::{self, MeanSquare, MeanSquareParams, SweepReshuffling, SymBasis};
use sgd_stability::moments::Moments;
use sgd_stability::verdict::ToTruth as _;
use sgd_stability::{Instance, LearningRate, RelTol, Sampling, Tolerances};

fn tol() -> Tolerances {
    Tolerances::default()
}

fn load(name: &str) -> Instance {
    sgd_stability::load::load_path(
        &root().join("fixtures").join(name),
        &Default::default(),
        RelTol::new(1e-6).unwrap(),
    )
    .unwrap()
}

fn load_path(p: &std::path::Path) -> Instance {
    sgd_stability::load::load_path(p, &Default::default(), RelTol::new(1e-6).unwrap()).unwrap()
}

fn sweep(inst: &Instance, rr: SweepReshuffling) -> mean_square::Sweep {
    mean_square::sweep(
        inst,
        &tol(),
        &MeanSquareParams::default(),
        rr,
        &mean_square::BatchSizes::Every,
        sgd_stability::enumerate::Progress::Hidden,
    )
    .unwrap()
}

fn random_instances() -> Vec<Instance> {
    (0..12u64)
        .map(|seed| {
            let n = 1 + (seed as usize % 5);
            let d = 1 + (seed as usize % 3);
            let rank = 1 + (seed as usize / 3) % d;
            instance(
                &random_hessians(seed, n, d, rank),
                0.1,
                1,
                Sampling::WithoutReplacement,
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// sweep

/// `L_γ = S(I − γH) + γ²c·V` with `V(Q) = mean (H_i − H)Q(H_i − H)` a positive map, so `L_γ`
/// decreases in the cone order as `c` does, and so does its spectral radius (Perron–Frobenius
/// for cones): as `c = (N − B)/(B(N − 1))` (or `1/B`) falls with `B`, `γ*_exact` never decreases.
#[test]
fn sweep_critical_gamma_never_decreases_with_the_batch_size_without_replacement() {
    let mut insts: Vec<Instance> = fixture_files().iter().map(|f| load_path(f)).collect();
    insts.extend(random_instances());
    for inst in &insts {
        let s = sweep(inst, SweepReshuffling::Off);
        assert_eq!(s.rows.len(), 2 * inst.n());
        let w: Vec<f64> = s
            .rows
            .iter()
            .filter(|r| r.sampling == Sampling::WithoutReplacement)
            .map(|r| r.exact.as_f64())
            .collect();
        for k in 1..w.len() {
            assert!(
                w[k] >= w[k - 1] * (1.0 - 1e-10),
                "{}: γ*_exact(B = {}) = {} < γ*_exact(B = {}) = {}",
                inst.name(),
                k + 1,
                w[k],
                k,
                w[k - 1]
            );
        }
        // With replacement as well (c = 1/B decreases).
        let h: Vec<f64> = s
            .rows
            .iter()
            .filter(|r| r.sampling == Sampling::WithReplacement)
            .map(|r| r.exact.as_f64())
            .collect();
        for k in 1..h.len() {
            assert!(h[k] >= h[k - 1] * (1.0 - 1e-10), "{}", inst.name());
        }
    }
}

/// `B = N` without replacement is GD: `γ*_exact = 2/λ_max(H)`; and every row respects
/// `γ*_3.3 ≤ γ*_exact ≤ γ*_GD`.
#[test]
fn sweep_full_batch_without_replacement_is_gd() {
    let mut insts: Vec<Instance> = fixture_files().iter().map(|f| load_path(f)).collect();
    insts.extend(random_instances());
    for inst in &insts {
        let s = sweep(inst, SweepReshuffling::Off);
        let full = s
            .rows
            .iter()
            .find(|r| r.sampling == Sampling::WithoutReplacement && r.batch_size == inst.n())
            .unwrap();
        assert_eq!(full.c, 0.0);
        let spec = HSpectrum::of(&Moments::of(inst.samples()).h, tol().null_space).unwrap();
        match (full.exact, s.gd) {
            (CriticalGamma::Finite(a), CriticalGamma::Finite(b)) => {
                assert_close(inst.name(), a, b, 1e-12, 0.0);
                assert_close(inst.name(), b, 2.0 / spec.sharpness(), 1e-14, 0.0);
            }
            // Saddles and leaks: both reject every γ (or both accept every γ).
            (a, b) => assert_eq!(a, b, "{}", inst.name()),
        }
        for r in &s.rows {
            let (g33, gex, ggd) = (r.thm33.as_f64(), r.exact.as_f64(), s.gd.as_f64());
            assert!(
                g33 <= gex * (1.0 + 1e-10),
                "{}: B = {}",
                inst.name(),
                r.batch_size
            );
            assert!(
                gex <= ggd * (1.0 + 1e-10),
                "{}: B = {}",
                inst.name(),
                r.batch_size
            );
            assert_eq!(r.thm35_applies, r.batch_size == 1 && r.thm35_applies);
        }
    }
}

/// The sweep's rows agree with `analyze` run at each `(B, sampling)`.
#[test]
fn sweep_rows_agree_with_the_single_instance_analysis() {
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let s = sweep(&inst, SweepReshuffling::Off);
    for r in &s.rows {
        let i = inst
            .clone()
            .with_batch(
                sgd_stability::BatchSize::new(r.batch_size).unwrap(),
                r.sampling,
            )
            .unwrap();
        let m = MeanSquare::of(&i, &tol()).unwrap();
        assert_eq!(m.check.critical_gamma, r.exact);
        assert_close("ρ", r.exact_radius, m.check.value, 1e-14, 1.0);
        assert_eq!(m.check.verdict, r.exact_verdict);
    }
    // Theorem 3.5 applies exactly at B = 1 (rank-one gradients).
    assert!(s
        .rows
        .iter()
        .all(|r| r.thm35_applies == (r.batch_size == 1)));
}

#[test]
fn sweep_text_snapshot() {
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let s = sweep(&inst, SweepReshuffling::On);
    insta::assert_snapshot!(sgd_stability::report::sweep_text(&s));
}

#[test]
fn sweep_command_line() {
    let file = root().join("fixtures/d2_thm33_rejects_mean_square_stable.json");
    let run = |extra: &[&str]| {
        let mut args = vec!["sgd-stability", "sweep", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = sgd_stability::cli::run(args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    };
    let (code, out, _) = run(&["--format", "json", "--gamma", "1.3"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gamma"], 1.3);
    assert_eq!(v["rows"].as_array().unwrap().len(), 6);
    assert_eq!(v["rows"][0]["ms_verdict"], "fails"); // 1.3 > (9 − √17)/4
    assert_eq!(v["rows"][1]["ms_verdict"], "holds");
    let (code, out, _) = run(&["--format", "markdown", "--reshuffling"]);
    assert_eq!(code, 0);
    assert!(out.contains("| without_replacement | 1 |"), "{out}");
    assert!(out.contains("random reshuffling"));
    // N > 8 with --reshuffling is refused clearly.
    let big = std::env::temp_dir().join("sgd_stability_sweep_n9.json");
    std::fs::write(
        &big,
        r#"{"name": "n9", "gradients": [[1],[2],[1],[2],[1],[2],[1],[2],[1]], "gamma": 0.1, "batch_size": 1, "sampling": "without_replacement"}"#,
    )
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sgd_stability::cli::run(
        [
            "sgd-stability",
            "sweep",
            big.to_str().unwrap(),
            "--reshuffling",
        ],
        &mut out,
        &mut err,
    );
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("N ≤ 8"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// certified

fn certified_root(inst: &Instance) -> certified::AlgebraicGamma {
    match ExactPencil::of(inst)
        .unwrap()
        .critical_gamma(certified::DEFAULT_PRECISION_DIGITS)
        .unwrap()
    {
        CertifiedCritical::Root(g) => g,
        other => panic!("{}: {other:?}", inst.name()),
    }
}

fn contains(g: &certified::AlgebraicGamma, x: f64, rel: f64) -> bool {
    let lo = rational_from_decimal_f64(x * (1.0 + rel));
    let hi = rational_from_decimal_f64(x * (1.0 - rel));
    g.lo <= lo && g.hi >= hi
}

/// `x` rounded to 10 significant digits (a short decimal, read exactly as written).
fn short(x: f64) -> f64 {
    format!("{x:.9e}").parse().unwrap()
}

/// Every fixture with `d ≤ 5`: the certified `γ*` matches the `f64` `γ*_exact` to 1e-12, its
/// interval contains it, and the exact verdict at `γ*(1 ∓ 1e-6)` (a short decimal) is stable /
/// unstable as the `f64` route says.
#[test]
fn certified_gamma_matches_the_float_route_on_every_fixture() {
    for f in fixture_files() {
        let inst = load_path(&f);
        let name = inst.name().to_owned();
        let m = MeanSquare::of(&inst, &tol()).unwrap();
        let pencil = ExactPencil::of(&inst).unwrap();
        let c = pencil
            .critical_gamma(certified::DEFAULT_PRECISION_DIGITS)
            .unwrap();
        match (c, m.check.critical_gamma) {
            (CertifiedCritical::Root(g), CriticalGamma::Finite(x)) => {
                assert_close(&name, g.to_f64(), x, 1e-12, 0.0);
                assert!(contains(&g, x, 1e-12), "{name}: [{}, {}] ∌ {x}", g.lo, g.hi);
                // The interval is as narrow as asked.
                let width = &g.hi - &g.lo;
                let rel = BigRational::new(BigInt::from(1), num_traits::pow(BigInt::from(10), 30));
                assert!(width <= rel * &g.hi, "{name}");
                for (factor, stable) in [(1.0 - 1e-6, true), (1.0 + 1e-6, false)] {
                    let gamma = short(x * factor);
                    let i = inst.clone().with_gamma(LearningRate::new(gamma).unwrap());
                    let fv = MeanSquare::of(&i, &tol()).unwrap().check.verdict;
                    let cv = pencil.verdict(&rational_from_decimal_f64(gamma));
                    assert_eq!(
                        fv,
                        if stable {
                            Verdict::Holds
                        } else {
                            Verdict::Fails
                        }
                    );
                    assert_eq!(cv.stable, stable, "{name}: γ = {gamma}: {:?}", cv.psd);
                }
            }
            (CertifiedCritical::NoneAccepted, CriticalGamma::NoneAccepted)
            | (CertifiedCritical::Unbounded, CriticalGamma::Unbounded) => {}
            (c, x) => panic!("{name}: certified {c:?}, f64 {x:?}"),
        }
        // The verdict at the file's γ agrees wherever the f64 verdict is not a boundary.
        let v = pencil.verdict(&rational_from_decimal_f64(inst.gamma().get()));
        if let Some(h) = m.check.verdict.truth().holds() {
            assert_eq!(v.stable, h, "{name}");
        }
    }
}

/// `d2_thm33_rejects_mean_square_stable`: `γ* = (9 − √17)/4`, a root of `2γ² − 9γ + 8`
/// (`γ = 2/μ` with `4μ² − 9μ + 4 = 0`, as in the fixture's note; the roots are
/// `(9 ± √17)/4 ≈ 1.2192, 3.2808`, and γ* is the smaller).
#[test]
fn certified_gamma_of_the_thm33_rejects_fixture_is_nine_minus_root_17_over_4() {
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let g = certified_root(&inst);
    let q = |n: i64| BigRational::from_integer(BigInt::from(n));
    let p = UPoly::new(
        g.polynomial
            .iter()
            .map(|c| BigRational::from_integer(c.clone()))
            .collect(),
    );
    let factor = UPoly::new(vec![q(8), q(-9), q(2)]);
    assert!(
        p.divmod(&factor).1.is_zero(),
        "{:?} is not a multiple of 2γ² − 9γ + 8",
        g.polynomial
    );
    let want = (9.0 - 17f64.sqrt()) / 4.0;
    assert!(contains(&g, want, 1e-14));
    // Exactly: γ* > lo ⇔ (9 − 4 lo)² > 17 with 9 − 4lo > 0, and likewise for hi.
    let nine_minus = |x: &BigRational| q(9) - q(4) * x;
    let (a, b) = (nine_minus(&g.lo), nine_minus(&g.hi));
    assert!(&a * &a > q(17) && &b * &b <= q(17));
    // The printed interval contains the exact one and shows 30+ digits.
    let (lo, hi) = g.decimal_interval(30);
    assert!(lo.starts_with("1.219223593595584862544647536"), "{lo}");
    assert!(hi.starts_with("1.219223593595584862544647536"), "{hi}");
}

/// Must say no: just above `γ*` the matrix `2W_C − γW_D` is not PSD, with the evidence; and the
/// random rational instances agree with the `f64` route.
#[test]
fn certified_verdict_says_no_above_the_critical_gamma() {
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let pencil = ExactPencil::of(&inst).unwrap();
    let above = rational_from_decimal_f64(1.2193);
    let below = rational_from_decimal_f64(1.2192);
    let v = pencil.verdict(&above);
    assert!(!v.stable);
    assert!(matches!(
        v.psd,
        Psd::No(NotPsd::NegativePivot { .. } | NotPsd::ZeroPivotNonZeroRow { .. })
    ));
    assert!(pencil.verdict(&below).stable);
    // At γ* itself (irrational) no rational is exactly on it; at the GD boundary of B = N the
    // exact verdict is stable (ρ = 1 exactly).
    let gd = load("d2_gd_full_batch_boundary.json");
    let p = ExactPencil::of(&gd).unwrap();
    let g = rational_from_decimal_f64(gd.gamma().get());
    assert!(p.verdict(&g).stable);
    assert!(
        !p.verdict(&(g * BigRational::new(BigInt::from(1_000_001), BigInt::from(1_000_000))))
            .stable
    );
    for seed in 0..8u64 {
        let d = 1 + (seed as usize % 3);
        let inst = instance(
            &random_hessians(100 + seed, 3, d, d),
            0.1,
            1 + (seed as usize % 3),
            Sampling::WithoutReplacement,
        );
        let m = MeanSquare::of(&inst, &tol()).unwrap();
        let CriticalGamma::Finite(x) = m.check.critical_gamma else {
            continue;
        };
        let spec = HSpectrum::of(&Moments::of(inst.samples()).h, tol().null_space).unwrap();
        let g = certified_root(&inst);
        assert!(
            contains(&g, x, 1e-11),
            "seed {seed} (null dim {}): [{}, {}] ∌ {x}",
            spec.null_dim(),
            g.to_f64(),
            g.to_f64()
        );
    }
}

/// Singular `H`: the over-parameterized fixture's `γ*` on the range of `H`; the leaking one has
/// none; `d = 6` is refused as too large for exact arithmetic.
#[test]
fn certified_mode_handles_null_spaces_and_refuses_large_instances() {
    let over = load("overparam_null_direction_d3.json");
    let m = MeanSquare::of(&over, &tol()).unwrap();
    let g = certified_root(&over);
    assert!(contains(&g, m.check.critical_gamma.as_f64(), 1e-12));
    let leak = load("indefinite_null_leak.json");
    assert_eq!(
        ExactPencil::of(&leak).unwrap().critical_gamma(30).unwrap(),
        CertifiedCritical::NoneAccepted
    );
    let big = instance(
        &random_hessians(7, 2, 6, 2),
        0.1,
        1,
        Sampling::WithoutReplacement,
    );
    let e = ExactPencil::of(&big).unwrap_err().to_string();
    assert!(
        e.contains("too large for exact arithmetic") && e.contains("d ≤ 5"),
        "{e}"
    );
}

#[test]
fn analyze_certified_command_line() {
    let file = root().join("fixtures/d2_thm33_rejects_mean_square_stable.json");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sgd_stability::cli::run(
        [
            "sgd-stability",
            "analyze",
            "--certified",
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let o = &v[0];
    assert_eq!(o["certified_stable"], true);
    assert_eq!(o["certified_gamma"], "11/10");
    let c = &o["critical_gamma_exact_certified"];
    assert_eq!(c["polynomial"], serde_json::json!(["8", "-9", "2"]));
    let lo: f64 = c["interval"][0].as_str().unwrap().parse().unwrap();
    assert_close("interval", lo, (9.0 - 17f64.sqrt()) / 4.0, 1e-15, 0.0);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sgd_stability::cli::run(
        [
            "sgd-stability",
            "analyze",
            "--certified",
            file.to_str().unwrap(),
        ],
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("stable at γ = 11/10: yes"), "{text}");
    assert!(text.contains("2γ^2 − 9γ + 8 = 0"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// random reshuffling

/// `B = N`: one ordering, the epoch is one GD step: `ρ = max_i (1 − γλ_i)²`, `γ* = 2/λ_max(H)`.
#[test]
fn reshuffling_with_full_batch_is_gd() {
    for inst in random_instances()
        .into_iter()
        .chain([load("d2_thm33_rejects_mean_square_stable.json")])
    {
        let n = inst.n();
        let spec = HSpectrum::of(&Moments::of(inst.samples()).h, tol().null_space).unwrap();
        let gamma = 0.7 * 2.0 / spec.sharpness().max(1e-300);
        let r = reshuffling::reshuffling(&inst, n, gamma, &tol()).unwrap();
        assert_eq!((r.orderings, r.steps_per_epoch), (1, 1));
        let want = spec
            .eigenvalues
            .iter()
            .map(|l| (1.0 - gamma * l).powi(2))
            .fold(0.0_f64, f64::max);
        assert_close(inst.name(), r.epoch_radius, want, 1e-12, 1.0);
        if spec.sharpness() > spec.zero_tol {
            assert_close(
                inst.name(),
                r.critical_gamma.as_f64(),
                2.0 / spec.sharpness(),
                1e-9,
                0.0,
            );
        }
    }
}

/// A second route: the `d²×d²` operators `M_t ⊗ M_t` of the enumeration engine, multiplied in
/// the order of each of the `N!` permutations (not just the ordered partitions) and averaged,
/// applied to random symmetric `Q`, against the `Sym(d)` epoch operator.
#[test]
fn reshuffling_epoch_operator_equals_the_averaged_products_of_batch_operators() {
    let mut rng = ChaCha8Rng::seed_from_u64(44);
    for (n, b, d, seed) in [(3, 1, 2, 1u64), (4, 2, 2, 2), (4, 1, 3, 3), (3, 3, 2, 4)] {
        let rows = random_hessians(seed, n, d, d);
        let gamma = 0.05;
        let inst = instance(&rows, gamma, b, Sampling::WithoutReplacement);
        let epoch = epoch_operator(&inst, b, gamma).unwrap();
        let basis = SymBasis::new(d);
        let hs: Vec<Matrix<f64>> = rows
            .iter()
            .map(|h| Matrix::from_fn(d, d, |i, j| h[i][j]))
            .collect();
        // Every permutation of 0..n (Heap-free: by recursion).
        fn perms(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
            if prefix.len() == n {
                out.push(prefix.clone());
                return;
            }
            for i in 0..n {
                if !prefix.contains(&i) {
                    prefix.push(i);
                    perms(prefix, n, out);
                    prefix.pop();
                }
            }
        }
        let mut all = Vec::new();
        perms(&mut Vec::new(), n, &mut all);
        let mut sum = Matrix::<f64>::zeros(d * d, d * d);
        for p in &all {
            let mut total = Matrix::<f64>::identity(d * d);
            for batch in p.chunks(b) {
                let m = Matrix::from_fn(d, d, |i, j| {
                    let h: f64 = batch.iter().map(|&x| *hs[x].get(i, j)).sum::<f64>() / b as f64;
                    f64::from(u8::from(i == j)) - gamma * h
                });
                let op = MeanSquareMatrix::from_fn(d, |i, j, k, l| m.get(i, k) * m.get(l, j));
                total = op.matrix() * &total;
            }
            sum = &sum + &total;
        }
        let avg = MeanSquareMatrix::from_matrix(d, sum.scaled(&(1.0 / all.len() as f64)));
        for _ in 0..3 {
            let vals: Vec<f64> = (0..d * d).map(|_| rng.random_range(-1.0..1.0)).collect();
            let q = Matrix::from_fn(d, d, |i, j| vals[i.min(j) * d + i.max(j)]);
            let want = avg.apply(&q);
            let qm = faer::Mat::from_fn(d, d, |i, j| *q.get(i, j));
            let x = basis.coordinates(qm.as_ref());
            let y: Vec<f64> = (0..basis.dim())
                .map(|p| (0..basis.dim()).map(|r| epoch[(p, r)] * x[r]).sum())
                .collect();
            let got = basis.matrix(&y);
            for i in 0..d {
                for j in 0..d {
                    assert_close(
                        &format!("N = {n}, B = {b}, ({i}, {j})"),
                        got[(i, j)],
                        *want.get(i, j),
                        1e-12,
                        1.0,
                    );
                }
            }
        }
    }
}

/// `d = 1`, `B = 1`: the epoch multiplies `∏(1 − γh_i)²` whatever the order, so the per-step rate
/// is the geometric mean of `(1 − γh_i)²`, below the arithmetic mean `ρ(L_γ)` of sampling with
/// replacement (AM–GM); the fixture table compares the schemes.
#[test]
fn reshuffling_per_step_rate_against_the_iid_schemes() {
    let hs = [1.0, 2.0, 3.0, 0.5];
    let rows: Vec<Vec<Vec<f64>>> = hs.iter().map(|&h| vec![vec![h]]).collect();
    let gamma = 0.6;
    let inst = instance(&rows, gamma, 1, Sampling::WithReplacement);
    let r = reshuffling::reshuffling(&inst, 1, gamma, &tol()).unwrap();
    let prod: f64 = hs.iter().map(|h| (1.0 - gamma * h).powi(2)).product();
    assert_close("ρ_epoch", r.epoch_radius, prod, 1e-12, 0.0);
    let am: f64 = hs.iter().map(|h| (1.0 - gamma * h).powi(2)).sum::<f64>() / 4.0;
    let with = MeanSquare::of(&inst, &tol()).unwrap().check.value;
    assert_close("ρ with replacement", with, am, 1e-12, 0.0);
    assert!(r.per_step_radius <= with + 1e-15);
    // Fixture: the sweep shows reshuffling beside the i.i.d. schemes at B = 1 and B = N.
    let inst = load("d2_thm33_rejects_mean_square_stable.json");
    let s = sweep(&inst, SweepReshuffling::On);
    assert_eq!(
        s.reshuffling
            .iter()
            .map(|r| r.batch_size)
            .collect::<Vec<_>>(),
        vec![1, 3]
    );
    let rr1 = &s.reshuffling[0];
    // B = 1 with N = 3: 3! orderings; here reshuffling is the most stable of the three.
    assert_eq!(rr1.orderings, 6);
    let iid1 = s.rows.iter().find(|r| r.batch_size == 1).unwrap();
    assert!(rr1.per_step_radius < iid1.exact_radius);
    assert!(rr1.critical_gamma.as_f64() > iid1.exact.as_f64());
    // The bisection's γ* is where ρ_epoch crosses 1.
    let g = rr1.critical_gamma.as_f64();
    let below = reshuffling::reshuffling(&inst, 1, g * (1.0 - 1e-8), &tol()).unwrap();
    let above = reshuffling::reshuffling(&inst, 1, g * (1.0 + 1e-8), &tol()).unwrap();
    assert!(
        below.epoch_radius <= 1.0 + 1e-9 && above.epoch_radius > 1.0,
        "{below:?} {above:?}"
    );
}

/// The stable set of random reshuffling need not be an interval, and can reach past `γ*_GD`:
/// `d = 1`, `h = (1, 10)`, `B = 1`: `ρ_epoch = ((1 − γ)(1 − 10γ))²` (either order), so
/// `(1 − γ)(1 − 10γ) = −1` at `γ = (11 ∓ √41)/20`: unstable on `(0.2298, 0.8702)`, stable again
/// on `[0.8702, 1.1]` (`ρ_epoch = 0` at `γ = 1`); `γ*_GD = 2/5.5`. With `h = (1, 3)`,
/// `(1 − γ)(1 − 3γ) ≥ −1` always and `≤ 1` up to `γ = 4/3 > γ*_GD = 1`.
#[test]
fn reshuffling_stable_set_need_not_be_an_interval() {
    let inst = instance(
        &[vec![vec![1.0]], vec![vec![10.0]]],
        0.1,
        1,
        Sampling::WithoutReplacement,
    );
    let r = reshuffling::reshuffling(&inst, 1, 1.0, &tol()).unwrap();
    assert!(r.epoch_radius < 1e-12, "{r:?}");
    assert_eq!(r.verdict, Verdict::Holds);
    let first_gap = (11.0 - 41f64.sqrt()) / 20.0;
    assert_close("γ*_RR", r.critical_gamma.as_f64(), first_gap, 1e-9, 0.0);
    let mid = reshuffling::reshuffling(&inst, 1, 0.5, &tol()).unwrap();
    assert_eq!(mid.verdict, Verdict::Fails);
    assert_close("ρ at 0.5", mid.epoch_radius, 4.0, 1e-12, 0.0);
    // Past GD.
    let inst = instance(
        &[vec![vec![1.0]], vec![vec![3.0]]],
        0.1,
        1,
        Sampling::WithoutReplacement,
    );
    let r = reshuffling::reshuffling(&inst, 1, 1.2, &tol()).unwrap();
    assert_close("γ*_RR", r.critical_gamma.as_f64(), 4.0 / 3.0, 1e-9, 0.0);
    assert_eq!(r.verdict, Verdict::Holds); // γ = 1.2 > γ*_GD = 1
    assert_close(
        "ρ at 1.2",
        r.epoch_radius,
        (0.2f64 * 2.6).powi(2),
        1e-12,
        0.0,
    );
}

#[test]
fn reshuffling_refuses_what_it_cannot_do() {
    let rows = random_hessians(3, 9, 1, 1);
    let inst = instance(&rows, 0.1, 1, Sampling::WithoutReplacement);
    let e = reshuffling::reshuffling(&inst, 1, 0.1, &tol())
        .unwrap_err()
        .to_string();
    assert!(e.contains("N ≤ 8"), "{e}");
    let inst = instance(
        &random_hessians(3, 4, 1, 1),
        0.1,
        1,
        Sampling::WithoutReplacement,
    );
    let e = reshuffling::reshuffling(&inst, 3, 0.1, &tol())
        .unwrap_err()
        .to_string();
    assert!(e.contains("divide"), "{e}");
}
