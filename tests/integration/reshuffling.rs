//! Random reshuffling as a sampling scheme (`"sampling": "random_reshuffling"`, `--sampling
//! random_reshuffling`): parsing and validation, `analyze` against `sweep --reshuffling` and the
//! `mean_square::reshuffling` module, an independent `d = 1` computation over every permutation,
//! the Monte Carlo (reproducible, agreeing at the ends of epochs, rejecting the i.i.d. operator),
//! and the commands that refuse it. The instance `tests/data/reshuffling_d2_n4_b2.json` is not a
//! fixture: its numbers are checked here against the module and a second route, not against
//! independent sympy values.

use crate::common::{assert_close, assert_critical_close, instance, root};
use sgd_stability::analysis::{InstanceAnalysis, ReshufflingAnalysis, NOT_INDEPENDENT};
use sgd_stability::criteria::{CriticalGamma, Verdict};
use sgd_stability::load::{load_path, Overrides};
use sgd_stability::mean_square::reshuffling::{self, EpochRoute};
use sgd_stability::mean_square::{MeanSquare, MeanSquareOperator};
use sgd_stability::moments::{batch_factor, Moments};
use sgd_stability::simulate::{
    self, compare, simulate, Prediction, PredictionKind, SimParams, Simulation, StepVerdict,
    TestVerdict, X0,
};
use sgd_stability::{Analysis, Instance, RelTol, Sampling, Tolerances};
use std::path::PathBuf;
use std::process::{Command, Output};

const DATA: &str = "tests/data/reshuffling_d2_n4_b2.json";

fn tol() -> Tolerances {
    Tolerances::default()
}

fn load(path: &str) -> Instance {
    load_path(
        &root().join(path),
        &Overrides::default(),
        RelTol::new(Tolerances::DEFAULT_SYMMETRY).unwrap(),
    )
    .unwrap()
}

/// `d = 1`, `H_i = h_i`.
fn scalar(h: &[f64], gamma: f64, b: usize, sampling: Sampling) -> Instance {
    let rows: Vec<Vec<Vec<f64>>> = h.iter().map(|&v| vec![vec![v]]).collect();
    instance(&rows, gamma, b, sampling)
}

/// The command line in process: (exit code, stdout, stderr).
fn cli(args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["sgd-stability"];
    argv.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sgd_stability::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// The real binary, from the crate root.
fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sgd-stability"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sgd-stability-reshuffling-tests-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

#[test]
fn random_reshuffling_parses_from_files_and_the_command_line() {
    let inst = load(DATA);
    assert_eq!(inst.sampling(), Sampling::RandomReshuffling);
    assert_eq!((inst.n(), inst.batch_size().get()), (4, 2));
    // --sampling on a file that says without_replacement (N = 3, B = 1).
    let (code, out, err) = cli(&[
        "analyze",
        "fixtures/d1_sgd_stable.json",
        "--sampling",
        "random_reshuffling",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["sampling"], "random_reshuffling");
    assert_eq!(v[0]["random_reshuffling"]["steps_per_epoch"], 3);
    // B ∤ N is refused on batch_size, by the loader as by the library.
    let (code, _, err) = cli(&[
        "analyze",
        "fixtures/d1_sgd_stable.json",
        "--sampling",
        "random_reshuffling",
        "--batch-size",
        "2",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("d1_sgd_stable.json") && err.contains("batch_size"),
        "{err}"
    );
    assert!(err.contains("does not divide"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// analyze

#[test]
fn analyze_reports_the_epoch_operator_like_sweep_and_the_module() {
    let inst = load(DATA);
    let (b, gamma) = (inst.batch_size().get(), inst.gamma().get());
    let module = reshuffling::reshuffling(&inst, b, gamma, &tol()).unwrap();
    assert_eq!(module.route, EpochRoute::Enumerated);
    assert_eq!((module.orderings, module.steps_per_epoch), (6, 2));
    let InstanceAnalysis::RandomReshuffling(a) = InstanceAnalysis::of(&inst, &tol()).unwrap()
    else {
        panic!("a random-reshuffling instance is analyzed as one")
    };
    assert_eq!(a.exact, module);
    // The one-step quantities are those without replacement.
    let wor = inst
        .clone()
        .with_batch(inst.batch_size(), Sampling::WithoutReplacement)
        .unwrap();
    let iid = Analysis::of(&wor, &tol()).unwrap();
    assert_eq!(a.summary.c.to_bits(), iid.summary.c.to_bits());
    assert_eq!(
        a.second_moment.as_ref().unwrap(),
        iid.second_moment.as_ref().unwrap()
    );
    // ... and the exact per-epoch answer is not the i.i.d. one (here: far more stable).
    assert!(module.per_step_radius < iid.mean_square.check.value - 0.05);

    // sweep --reshuffling, the same file: the B = 2 row.
    let (code, out, err) = cli(&["sweep", DATA, "--reshuffling", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let sw: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = sw["random_reshuffling"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["batch_size"] == 2)
        .unwrap()
        .clone();

    // analyze --format json.
    let (code, out, err) = cli(&["analyze", DATA, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let o = &v[0];
    let rr = &o["random_reshuffling"];
    for key in [
        "per_step_spectral_radius",
        "epoch_spectral_radius",
        "critical_gamma",
    ] {
        assert_eq!(rr[key], row[key], "{key}: analyze and sweep agree");
    }
    assert_eq!(rr["per_step_spectral_radius"], module.per_step_radius);
    assert_eq!(rr["epoch_spectral_radius"], module.epoch_radius);
    let CriticalGamma::Finite(g) = module.critical_gamma else {
        panic!("{module:?}")
    };
    assert_eq!(rr["critical_gamma"], g);
    assert_eq!(rr["verdict"], "holds");
    assert_eq!(rr["steps_per_epoch"], 2);
    assert_eq!(rr["orderings"], "6");
    assert_eq!(rr["critical_gamma_method"], "bisection");
    assert_eq!(
        o["criteria"]["random_reshuffling"]["value"],
        module.per_step_radius
    );
    // The i.i.d. criteria: null, and why; never numbers that look like verdicts.
    for key in [
        "thm33_lambda_max",
        "thm33_stable",
        "thm33_verdict",
        "thm35_trace_ok",
        "thm35_verdict",
        "thm35_hypotheses_hold",
        "critical_gamma_thm33",
        "critical_gamma_thm35",
        "ms_spectral_radius",
        "ms_stable",
        "ms_verdict",
        "critical_gamma_exact",
    ] {
        assert!(o[key].is_null(), "{key} = {}", o[key]);
        let listed = o["not_applicable"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == key);
        assert!(listed, "{key} is listed as not applicable");
    }
    for key in ["thm33", "thm35", "exact"] {
        assert!(o["criteria"][key].is_null(), "criteria.{key}");
    }
    assert_eq!(o["not_applicable"]["reason"], NOT_INDEPENDENT);
    assert_eq!(o["orderings"].as_array().unwrap().len(), 0);
    // One-step and GD fields as for any instance.
    assert_eq!(o["c_factor"], iid.summary.c);
    assert_eq!(o["critical_gamma_gd"], iid.gd.critical_gamma.as_f64());
    assert_eq!(o["gd_verdict"], "holds");
    assert!(o["second_moment_enumerated"].is_array());
    assert!(o["sgd_exact_summary"]
        .as_str()
        .unwrap()
        .starts_with("stable (random reshuffling"));

    // Text and Markdown: the i.i.d. criteria are marked, the exact row is there.
    let (code, text, _) = cli(&["analyze", DATA]);
    assert_eq!(code, 0);
    let na = format!("not applicable ({NOT_INDEPENDENT})");
    assert!(text.contains(&format!("Theorem 3.5: {na}")), "{text}");
    assert!(
        text.contains(&format!("SGD, by the lecture's criteria: {na}")),
        "{text}"
    );
    assert!(
        text.contains("exact, random reshuffling  iff (per epoch)"),
        "{text}"
    );
    assert!(!text.contains("γ*_exact"), "no i.i.d. γ*_exact: {text}");
    let (code, md, _) = cli(&["analyze", DATA, "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(md.contains("| Theorem 3.3 | not applicable |"), "{md}");
    assert!(
        md.contains("| reshuffling_d2_n4_b2 | 4 | 2 | 2 | random_reshuffling |"),
        "{md}"
    );
}

#[test]
fn analyze_mixes_schemes_in_one_report() {
    let (code, out, err) = cli(&[
        "analyze",
        "fixtures/d1_sgd_unstable.json",
        DATA,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["sampling"], "without_replacement");
    assert!(v[0]["ms_spectral_radius"].is_number());
    assert!(v[0].get("random_reshuffling").is_none());
    assert_eq!(v[1]["sampling"], "random_reshuffling");
    assert!(v[1]["ms_spectral_radius"].is_null());
    let (code, text, _) = cli(&["analyze", "fixtures/d1_sgd_unstable.json", DATA]);
    assert_eq!(code, 0);
    assert!(text.contains("== d1_sgd_unstable:") && text.contains("== reshuffling_d2_n4_b2:"));
}

/// `d = 1`, `N = 4`, `B = 2`, by hand: every one of the `4! = 24` permutations cut into two
/// pairs (3 unordered partitions, each in 2 orders, each from 4 permutations), and the epoch
/// factor `(1 − γh_{B_1})²(1 − γh_{B_2})²` averaged; its first crossing of 1 by a scan and
/// bisection of that polynomial. Independent of the module's enumeration and bisection.
#[test]
fn d1_epoch_factor_by_hand_over_every_permutation() {
    let h = [1.0, 2.0, 4.0, 7.0];
    let factor = |gamma: f64| -> f64 {
        let mut sum = 0.0;
        let mut count = 0;
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    for d in 0..4 {
                        let p = [a, b, c, d];
                        let distinct = (0..4).all(|i| (0..i).all(|j| p[i] != p[j]));
                        if !distinct {
                            continue;
                        }
                        let m1 = 1.0 - gamma * (h[a] + h[b]) / 2.0;
                        let m2 = 1.0 - gamma * (h[c] + h[d]) / 2.0;
                        sum += (m1 * m2).powi(2);
                        count += 1;
                    }
                }
            }
        }
        assert_eq!(count, 24);
        sum / 24.0
    };
    // The three unordered partitions, written out: the same number.
    let by_partition = |gamma: f64| -> f64 {
        let f = |x: f64, y: f64| (1.0 - gamma * (x + y) / 2.0).powi(2);
        (f(1.0, 2.0) * f(4.0, 7.0) + f(1.0, 4.0) * f(2.0, 7.0) + f(1.0, 7.0) * f(2.0, 4.0)) / 3.0
    };
    for gamma in [0.05, 0.2, 0.35, 0.5] {
        let inst = scalar(&h, gamma, 2, Sampling::RandomReshuffling);
        let want = factor(gamma);
        assert_close("by partition", by_partition(gamma), want, 1e-14, 0.0);
        let r = reshuffling::reshuffling(&inst, 2, gamma, &tol()).unwrap();
        assert_close(
            &format!("ρ_epoch at {gamma}"),
            r.epoch_radius,
            want,
            1e-12,
            0.0,
        );
        assert_close("per step", r.per_step_radius, want.sqrt(), 1e-12, 0.0);
        let op = reshuffling::epoch_operator(&inst, 2, gamma).unwrap();
        assert_eq!((op.nrows(), op.ncols()), (1, 1));
        assert_close("L_epoch", op[(0, 0)], want, 1e-12, 0.0);
        let a = ReshufflingAnalysis::of(&inst, &tol()).unwrap();
        assert_eq!(a.exact, r);
        assert_eq!(
            a.exact.verdict,
            if want <= 1.0 {
                Verdict::Holds
            } else {
                Verdict::Fails
            }
        );
    }
    // The first unstable γ: scan up from 0 in steps of 1e-3, then bisect.
    let mut lo = 0.0;
    let mut hi = 0.0;
    for j in 1..=5000 {
        let g = f64::from(j) * 1e-3;
        if factor(g) > 1.0 {
            hi = g;
            break;
        }
        lo = g;
    }
    assert!(hi > 0.0, "an unstable γ below 5");
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if factor(mid) > 1.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let inst = scalar(&h, 0.1, 2, Sampling::RandomReshuffling);
    let r = reshuffling::reshuffling(&inst, 2, 0.1, &tol()).unwrap();
    assert_critical_close("γ*_RR", r.critical_gamma, CriticalGamma::Finite(lo), 1e-8);
}

/// `B = N`: random reshuffling is GD, also above `MAX_N` (closed form); below `B = N` a large
/// `N` is refused on `sampling`, pointing to Monte Carlo.
#[test]
fn full_batch_is_gd_and_large_n_points_to_simulate() {
    let n = reshuffling::MAX_N + 4;
    let rows: Vec<Vec<Vec<f64>>> = (0..n)
        .map(|i| {
            let x = 1.0 + (i % 3) as f64;
            vec![vec![x, 0.5], vec![0.5, 1.0 + (i % 2) as f64]]
        })
        .collect();
    let gamma = 0.4;
    let inst = instance(&rows, gamma, n, Sampling::RandomReshuffling);
    let a = ReshufflingAnalysis::of(&inst, &tol()).unwrap();
    assert_eq!(a.exact.route, EpochRoute::FullBatch);
    assert_eq!((a.exact.orderings, a.exact.steps_per_epoch), (1, 1));
    let h = Moments::of(inst.samples()).h;
    let ev = sgd_stability::linalg::sym_eigenvalues(h.as_ref()).unwrap();
    let want = ev
        .iter()
        .map(|l| (1.0 - gamma * l).powi(2))
        .fold(0.0, f64::max);
    assert_close("ρ, B = N", a.exact.epoch_radius, want, 1e-12, 0.0);
    assert_eq!(a.exact.critical_gamma, a.gd.critical_gamma);
    assert!(
        sgd_stability::report::reshuffling::sgd_summary(&a).contains("random reshuffling is GD")
    );
    // The JSON says how γ* was obtained.
    let v = sgd_stability::report::reshuffling::json_value(&a);
    assert_eq!(
        v["random_reshuffling"]["critical_gamma_method"],
        "closed_form"
    );

    let inst = instance(&rows, gamma, n / 2, Sampling::RandomReshuffling);
    let e = ReshufflingAnalysis::of(&inst, &tol())
        .unwrap_err()
        .to_string();
    assert!(e.contains("sampling"), "{e}");
    assert!(e.contains("N ≤ 8") && e.contains("simulate"), "{e}");
}

#[test]
fn iid_routes_refuse_random_reshuffling_in_the_library() {
    let inst = load(DATA);
    let msgs = [
        Analysis::of(&inst, &tol()).unwrap_err().to_string(),
        MeanSquare::of(&inst, &tol()).unwrap_err().to_string(),
        MeanSquareOperator::of(&inst).unwrap_err().to_string(),
        sgd_stability::mean_square::spectral_radius(&inst)
            .unwrap_err()
            .to_string(),
        sgd_stability::mean_square::certified::certified(&inst, 10)
            .unwrap_err()
            .to_string(),
        sgd_stability::enumerate::EnumerationCheck::run(
            &inst,
            sgd_stability::enumerate::Arithmetic::Float,
            &sgd_stability::enumerate::EnumerationParams::default(),
            tol().agreement,
        )
        .unwrap_err()
        .to_string(),
        sgd_stability::enumerate::path_second_moments(
            &sgd_stability::enumerate::Problem::from_instance(&inst),
            &[1.0, 0.0],
            2,
            &sgd_stability::enumerate::EnumerationParams::default(),
        )
        .unwrap_err()
        .to_string(),
        sgd_stability::enumerate::path_second_moments_closed_form(
            &sgd_stability::enumerate::Problem::from_instance(&inst),
            &[1.0, 0.0],
            2,
        )
        .unwrap_err()
        .to_string(),
    ];
    for m in msgs {
        assert!(m.contains("sampling"), "{m}");
        assert!(m.contains("random_reshuffling"), "{m}");
    }
    assert!(
        simulate::scalar_rates(&scalar(&[1.0, 2.0], 0.1, 1, Sampling::RandomReshuffling)).is_none()
    );
}

// ---------------------------------------------------------------------------------------------
// sweep

#[test]
fn sweep_shows_reshuffling_when_the_file_or_sampling_asks() {
    for args in [
        &["sweep", DATA][..],
        &[
            "sweep",
            "fixtures/d1_sgd_unstable.json",
            "--sampling",
            "random_reshuffling",
        ],
        &["sweep", "fixtures/d1_sgd_unstable.json", "--reshuffling"],
    ] {
        let (code, out, err) = cli(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("random reshuffling: exact"), "{args:?}: {out}");
    }
    let (code, out, _) = cli(&["sweep", "fixtures/d1_sgd_unstable.json"]);
    assert_eq!(code, 0);
    assert!(!out.contains("random reshuffling"));
    let (code, out, _) = cli(&[
        "sweep",
        "fixtures/d1_sgd_unstable.json",
        "--sampling",
        "with_replacement",
    ]);
    assert_eq!(code, 0);
    assert!(!out.contains("random reshuffling"));
}

// ---------------------------------------------------------------------------------------------
// simulate

fn bits(s: &Simulation) -> Vec<u64> {
    s.rows
        .iter()
        .flat_map(|r| [r.mean_scaled, r.var_scaled, r.mean_ln_norm_sq])
        .chain([s.lyapunov.mean])
        .map(f64::to_bits)
        .collect()
}

#[test]
fn same_seed_same_output_with_one_and_two_threads() {
    let inst = load(DATA);
    let params = SimParams::new(20, 1300, 17);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate(&inst, &params).unwrap())
    };
    let (a, b) = (on(1), on(2));
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(bits(&a), bits(&simulate(&inst, &params).unwrap()));
    let mut other = params.clone();
    other.seed = 18;
    assert_ne!(bits(&a), bits(&simulate(&inst, &other).unwrap()));
}

/// `d = 1`, `h = (1, 10)`, `B = 1`: an epoch uses both samples once, whatever the order, so
/// `x_{2e}² = ((1 − γ)(1 − 10γ))^{2e} x_0²` on every trajectory — an i.i.d. draw would sometimes
/// take the same sample twice.
#[test]
fn every_epoch_uses_every_sample_once() {
    let gamma = 0.15;
    let inst = scalar(&[1.0, 10.0], gamma, 1, Sampling::RandomReshuffling);
    let mut params = SimParams::new(10, 500, 3);
    params.x0 = X0::Given(vec![1.0]);
    let sim = simulate(&inst, &params).unwrap();
    let per_epoch = ((1.0 - gamma) * (1.0 - 10.0 * gamma)).powi(2).ln();
    for r in &sim.rows {
        if r.step % 2 == 0 {
            let want = (r.step / 2) as f64 * per_epoch;
            assert_close(
                &format!("k = {}", r.step),
                r.mean_ln_norm_sq,
                want,
                1e-12,
                1.0,
            );
            assert!(r.var_scaled < 1e-20, "k = {}: no spread, {r:?}", r.step);
        } else {
            assert!(
                r.var_scaled > 1e-6,
                "k = {}: the first batch is random",
                r.step
            );
        }
    }
}

#[test]
fn a_stable_instance_decays_and_agrees_at_the_ends_of_epochs() {
    let inst = load(DATA);
    let c = simulate::run(&inst, &SimParams::new(12, 4000, 5), &|_| {}).unwrap();
    assert_eq!(
        c.prediction.kind,
        PredictionKind::EpochOperator { steps_per_epoch: 2 }
    );
    assert_eq!(c.prediction.steps, vec![0, 2, 4, 6, 8, 10, 12]);
    assert!(!c.grew());
    assert_eq!(c.agreement.verdict, TestVerdict::Consistent);
    assert_eq!(c.agreement.candidates, 6);
    for r in &c.rows {
        match (r.step, r.step % 2) {
            (0, _) => assert_eq!(r.verdict, StepVerdict::Start),
            (_, 1) => {
                assert_eq!(r.verdict, StepVerdict::NotPredicted);
                assert!(r.ln_predicted.is_none());
            }
            _ => assert!(r.ln_predicted.is_some()),
        }
    }
    assert_eq!(c.rows[2].verdict, StepVerdict::Agrees);
    // The per-step rate is the epoch's.
    let module = reshuffling::reshuffling(&inst, 2, inst.gamma().get(), &tol()).unwrap();
    assert_close(
        "ln ρ per step",
        c.growth.ln_rho.unwrap(),
        module.per_step_radius.ln(),
        1e-10,
        1.0,
    );
    let text = sgd_stability::report::simulation_text(&c, None);
    assert!(text.contains("per-epoch operator"), "{text}");
    assert!(text.contains("not predicted"), "{text}");
}

/// The test has power: on the same runs, the prediction of the i.i.d. operator without
/// replacement (the one-step marginal, applied as if batches were independent) is rejected, and
/// random reshuffling's own is not.
#[test]
fn the_agreement_test_rejects_the_iid_operator() {
    let cases = [
        (load(DATA), 12),
        (
            scalar(&[1.0, 10.0], 0.15, 1, Sampling::RandomReshuffling),
            8,
        ),
    ];
    for (inst, steps) in cases {
        let name = inst.name().to_owned();
        let sim = simulate(&inst, &SimParams::new(steps, 4000, 11)).unwrap();
        let b = inst.batch_size().get();
        let k = inst.n() / b;
        let epoch = reshuffling::epoch_operator(&inst, b, inst.gamma().get()).unwrap();
        let right = compare(
            sim.clone(),
            Prediction::per_epoch(epoch.as_ref(), k, &sim),
            None,
        );
        assert_eq!(right.agreement.verdict, TestVerdict::Consistent, "{name}");
        let c: f64 = batch_factor(inst.n(), b, Sampling::WithoutReplacement);
        let h = Moments::of(inst.samples()).h;
        let iid = MeanSquareOperator::new(inst.samples(), &h, c, inst.gamma().get());
        let wrong = compare(sim.clone(), Prediction::for_simulation(&iid, &sim), None);
        assert_eq!(wrong.agreement.verdict, TestVerdict::Rejected, "{name}");
    }
}

/// A long run records a 1-2-5 grid per decade; under random reshuffling it also records the
/// first end of an epoch after each grid step, so that the prediction has steps to be tested at.
#[test]
fn long_runs_record_ends_of_epochs() {
    let inst = scalar(&[1.0, 2.0, 3.0], 0.3, 1, Sampling::RandomReshuffling);
    let c = simulate::run(&inst, &SimParams::new(200, 300, 4), &|_| {}).unwrap();
    let recorded: Vec<usize> = c.rows.iter().map(|r| r.step).collect();
    assert_eq!(
        recorded,
        vec![0, 1, 2, 3, 5, 6, 10, 12, 20, 21, 50, 51, 100, 102, 200]
    );
    assert_eq!(c.prediction.steps, vec![0, 3, 6, 12, 21, 51, 102]);
    assert_eq!(c.agreement.candidates, 6);
    assert_ne!(c.agreement.verdict, TestVerdict::Rejected);
    // In d = 1 the epoch factor does not depend on the order: ∏(1 − γh_i)².
    let per_epoch: f64 = [1.0, 2.0, 3.0]
        .iter()
        .map(|h: &f64| (1.0 - 0.3 * h).powi(2))
        .product();
    for (&k, &ln) in c.prediction.steps.iter().zip(&c.prediction.ln_values) {
        assert_close(
            &format!("k = {k}"),
            ln,
            (k / 3) as f64 * per_epoch.ln(),
            1e-10,
            1.0,
        );
    }
}

#[test]
fn without_an_exact_prediction_it_simulates_and_tests_nothing() {
    let h: Vec<f64> = (0..12).map(|i| 1.0 + f64::from(i % 4)).collect();
    let inst = scalar(&h, 0.2, 3, Sampling::RandomReshuffling);
    let c = simulate::run(&inst, &SimParams::new(8, 300, 1), &|_| {}).unwrap();
    let PredictionKind::Unavailable { reason } = &c.prediction.kind else {
        panic!("{:?}", c.prediction.kind)
    };
    assert!(reason.contains("N ≤ 8"), "{reason}");
    assert_eq!(c.agreement.verdict, TestVerdict::Untested);
    assert_eq!(c.agreement.candidates, 0);
    assert!(c.growth.ln_rho.is_none() && c.growth.predicted_mean_square.is_none());
    assert!(c.rows[1..]
        .iter()
        .all(|r| r.verdict == StepVerdict::NotPredicted && r.ln_predicted.is_none()));
    let text = sgd_stability::report::simulation_text(&c, None);
    assert!(text.contains("no exact prediction is available"), "{text}");
    // The command line: exit 0 (nothing rejected), and the JSON says why.
    let f = temp_file(
        "rr_n12.json",
        &format!(
            r#"{{"gradients": {:?}, "gamma": 0.2, "batch_size": 3, "sampling": "random_reshuffling"}}"#,
            h.iter().map(|x| vec![x.sqrt()]).collect::<Vec<_>>()
        ),
    );
    let (code, out, err) = cli(&[
        "simulate",
        f.to_str().unwrap(),
        "--steps",
        "6",
        "--trials",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sgd"]["prediction"]["kind"], "unavailable");
    assert_eq!(v["sgd"]["agreement"]["verdict"], "untested");
}

#[test]
fn cli_simulate_reports_the_epoch_prediction() {
    let (code, out, err) = cli(&[
        "simulate", DATA, "--steps", "6", "--trials", "500", "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["sgd"]["prediction"];
    assert_eq!(p["kind"], "epoch_operator");
    assert_eq!(p["steps_per_epoch"], 2);
    assert_eq!(p["steps"], serde_json::json!([0, 2, 4, 6]));
    assert!(p["c"].is_null());
    assert_eq!(v["sgd"]["simulation"]["sampling"], "random_reshuffling");
    assert_eq!(v["sgd"]["rows"][1]["verdict"], "not_predicted");
    // --escape runs GD (B = N) from the same starts.
    let (code, _, err) = cli(&[
        "simulate", DATA, "--steps", "6", "--trials", "100", "--escape", "2",
    ]);
    assert_eq!(code, 0, "{err}");
}

// ---------------------------------------------------------------------------------------------
// The commands that refuse it: exit code 2, the file and the field `sampling` named.

#[test]
fn enumerate_certified_report_and_verify_refuse_it() {
    let out_dir = std::env::temp_dir().join(format!("sgd-rr-report-{}", std::process::id()));
    let lecture = temp_file(
        "rr.lecture",
        "proof \"rr\"\nassume sampling random_reshuffling\nstep (1): H = H\n",
    );
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["enumerate", DATA], "without_replacement"),
        (vec!["analyze", DATA, "--certified"], "--certified"),
        (
            vec!["report", DATA, "--out", out_dir.to_str().unwrap()],
            "`report`",
        ),
        (vec!["verify", lecture.to_str().unwrap()], "not supported"),
    ];
    for (args, word) in cases {
        let o = bin(&args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("sampling"), "{args:?}: names the field: {err}");
        assert!(err.contains(word), "{args:?}: lacks {word:?}: {err}");
        let file = if args[0] == "verify" {
            lecture.to_str().unwrap()
        } else {
            DATA
        };
        assert!(err.contains(file), "{args:?}: names the file: {err}");
    }
    assert!(!out_dir.join("report.html").exists(), "no report written");
    // With the one-step marginal, enumerate works: the refusal says so.
    let o = bin(&["enumerate", DATA, "--sampling", "without_replacement"]);
    assert_eq!(o.status.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the reports (the numbers are checked above, not here).

#[test]
fn analyze_text_snapshot() {
    let inst = load(DATA);
    let a = InstanceAnalysis::of(&inst, &tol()).unwrap();
    insta::assert_snapshot!(sgd_stability::report::render(
        std::slice::from_ref(&a),
        sgd_stability::report::Format::Text
    ));
}

#[test]
fn simulate_text_snapshot() {
    // A given x0: the snapshot depends on no transcendental function of the platform's libm.
    let inst = load(DATA);
    let mut params = SimParams::new(6, 3000, 7);
    params.x0 = X0::Given(vec![1.0, 1.0]);
    let c = simulate::run(&inst, &params, &|_| {}).unwrap();
    insta::assert_snapshot!(sgd_stability::report::simulation_text(&c, None));
}
