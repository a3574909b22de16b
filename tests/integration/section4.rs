//! Section 4 measured: closed forms over the sphere against Monte Carlo, the norms and the
//! Fisher matrix on networks small enough to compute by hand, `N(d, δ)` against a scan, a
//! seeded snapshot of a tiny run, claims that must say "no", and bad input.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::data::sphere::sphere_inputs;
use sgd_stability::experiment::section4::norms::{
    fisher, n_threshold, population_norm2_bound, population_norm2_lower, population_trace,
    relu_kernel, sphere_relu_mean, Norms,
};
use sgd_stability::experiment::section4::{self, thm41, trained, Section4Params};
use sgd_stability::experiment::Support;
use sgd_stability::model::{Activation, ScalarModel, TwoLayer};
use sgd_stability::report::experiments::{section4_section, section_text};
use sgd_stability::train::Stop;

const NONE: &(dyn Fn(usize, usize) + Sync) = &|_, _| {};

/// Mean and standard error of `f` over `u`.
fn mc(u: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> (f64, f64) {
    let v: Vec<f64> = u.iter().map(|x| f(x)).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn relu(t: f64) -> f64 {
    t.max(0.0)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Monte Carlo over `√d·S^{d−1}` (100 000 points) against every closed form, within 5
/// standard errors; and the Gaussian value of the degree-1 mean `E[σ(u_1)]`, which differs on
/// the sphere at small `d`, must be rejected by the same test.
#[test]
fn sphere_expectations_match_closed_forms_and_reject_the_gaussian_one() {
    for d in [2usize, 3, 7] {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + d as u64);
        let u = sphere_inputs(&mut rng, 100_000, d);
        let w: Vec<f64> = (0..d).map(|k| 0.7 - 0.3 * k as f64).collect();
        let v: Vec<f64> = (0..d).map(|k| 0.2 + 0.5 * (k % 2) as f64).collect();
        let checks: Vec<(&str, (f64, f64), f64)> = vec![
            (
                "E σ(wᵀu)²",
                mc(&u, |x| relu(dot(&w, x)).powi(2)),
                0.5 * dot(&w, &w),
            ),
            ("E σ'(wᵀu)", mc(&u, |x| f64::from(dot(&w, x) > 0.0)), 0.5),
            (
                "E σ(wᵀu)σ(vᵀu)",
                mc(&u, |x| relu(dot(&w, x)) * relu(dot(&v, x))),
                relu_kernel(&w, &v),
            ),
            ("E σ(u_1)", mc(&u, |x| relu(x[0])), sphere_relu_mean(d)),
        ];
        for (what, (mean, se), exact) in checks {
            assert!(
                (mean - exact).abs() <= 5.0 * se,
                "d = {d}: {what}: Monte Carlo {mean} ± {se}, closed form {exact}"
            );
        }
        if d == 2 {
            let (mean, se) = mc(&u, |x| relu(x[0]));
            let gaussian = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
            assert!(
                (mean - gaussian).abs() > 5.0 * se,
                "the Gaussian E[max(z, 0)] = {gaussian} must be rejected on the sphere at d = 2 ({mean} ± {se})"
            );
        }
    }
    // c_d by hand: c_2 = √2/π, c_3 = √3/4 (u_1 uniform on [−√3, √3]), c_d → 1/√(2π).
    assert!((sphere_relu_mean(2) - 2f64.sqrt() / std::f64::consts::PI).abs() < 1e-14);
    assert!((sphere_relu_mean(3) - 3f64.sqrt() / 4.0).abs() < 1e-14);
    assert!((sphere_relu_mean(4000) - 1.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-4);
    // The kernel at φ = 0 is E σ(wᵀu)² = ½‖w‖², at φ = π it is 0.
    assert!((relu_kernel(&[2.0, 0.0], &[3.0, 0.0]) - 3.0).abs() < 1e-14);
    assert!(relu_kernel(&[1.0, 0.0], &[-1.0, 0.0]).abs() < 1e-15);
}

/// The population trace `½‖x‖_{2,d}` and the 2-norm bounds against a large empirical `G` of a
/// random network, and the empirical trace against a second route (`ScalarModel` gradients).
#[test]
fn population_values_bound_the_empirical_fisher_matrix() {
    let (d, m) = (5, 7);
    let net = TwoLayer::new(d, m, Activation::Relu).unwrap();
    let theta = net.init(3);
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let u = sphere_inputs(&mut rng, 1500, d);
    let f = fisher(&net, &theta, &u).unwrap();
    let (mean, se) = mc(&u, |x| {
        let mut g = vec![0.0; net.n_params()];
        net.output_gradient(&theta, x, &mut g);
        dot(&g, &g)
    });
    assert!(
        (f.trace - mean).abs() <= 1e-10 * mean,
        "{} vs {mean}",
        f.trace
    );
    let pop = population_trace(&net, &theta).unwrap();
    assert!(
        (mean - pop).abs() <= 5.0 * se,
        "tr G {mean} ± {se}, ½‖x‖_(2,d) = {pop}"
    );
    let (lo, hi) = (
        population_norm2_lower(&net, &theta).unwrap(),
        population_norm2_bound(&net, &theta).unwrap(),
    );
    assert!(lo < hi);
    assert!(
        f.norm2 >= 0.9 * lo && f.norm2 <= 1.1 * hi,
        "{lo} ≤ {} ≤ {hi}",
        f.norm2
    );
    // No closed forms for tanh.
    let tanh = TwoLayer::new(d, m, Activation::Tanh).unwrap();
    assert_eq!(population_trace(&tanh, &theta), None);
}

/// Networks small enough to do by hand.
#[test]
fn norms_and_fisher_on_hand_computable_networks() {
    // m = 1, d = 2: a = 2, w = (1, 0). On u = (√2, 0): g = (√2, 2√2, 0), ‖g‖² = 10; on (0, √2)
    // and (−√2, 0) the unit is off (σ'(0) = 0): g = 0. So G = g gᵀ/3: tr G = ‖G‖₂ = 10/3.
    let net = TwoLayer::new(2, 1, Activation::Relu).unwrap();
    let theta = [2.0, 1.0, 0.0];
    let r2 = 2f64.sqrt();
    let u = vec![vec![r2, 0.0], vec![0.0, r2], vec![-r2, 0.0]];
    let f = fisher(&net, &theta, &u).unwrap();
    assert!(
        (f.trace - 10.0 / 3.0).abs() < 1e-14 && (f.norm2 - 10.0 / 3.0).abs() < 1e-12,
        "{f:?}"
    );
    let n = Norms::of(&net, &theta);
    assert_eq!((n.sum_a2, n.sum_w2, n.path), (4.0, 1.0, 2.0));
    assert_eq!(
        (n.weighted(1.0), n.weighted(2.0), n.printed_47()),
        (5.0, 9.0, 6.0)
    );
    assert_eq!(population_trace(&net, &theta), Some(4.5));
    assert_eq!(population_norm2_bound(&net, &theta), Some(4.5));
    let c2 = 2f64.sqrt() / std::f64::consts::PI;
    assert!((population_norm2_lower(&net, &theta).unwrap() - c2 * c2 * 4.0).abs() < 1e-14);
    // m = 2, d = 2: a = (1, −1), w_1 = (1, 0), w_2 = (0, 1); u = (1, 1): g = (1, 1, 1, 1, −1, −1),
    // ‖g‖² = 6; v = (2, 0): g = (2, 0, 2, 0, 0, 0), ‖g‖² = 8; gᵤᵀg_v = 4. Gram/2 =
    // [[3, 2], [2, 4]]: tr G = 7, ‖G‖₂ = (7 + √17)/2.
    let net = TwoLayer::new(2, 2, Activation::Relu).unwrap();
    let theta = [1.0, -1.0, 1.0, 0.0, 0.0, 1.0];
    let f = fisher(&net, &theta, &[vec![1.0, 1.0], vec![2.0, 0.0]]).unwrap();
    assert!((f.trace - 7.0).abs() < 1e-14, "{f:?}");
    assert!(
        (f.norm2 - (7.0 + 17f64.sqrt()) / 2.0).abs() < 1e-12,
        "{f:?}"
    );
    // Bad input names the field.
    let e = fisher(&net, &theta, &[vec![1.0, 1.0], vec![2.0]]).unwrap_err();
    assert!(e.to_string().contains("inputs[1]"), "{e}");
    assert!(fisher(&net, &theta, &[]).is_err());
}

/// `N(d, δ)` against a linear scan of its definition.
#[test]
fn n_threshold_is_the_first_n_of_its_definition() {
    for (d, delta) in [(1, 0.5), (2, 0.1), (10, 0.0625), (100, 0.05), (37, 0.3)] {
        let first = (1..100_000usize)
            .find(|&n| d as f64 * (n as f64 / delta).ln() <= n as f64)
            .unwrap();
        assert_eq!(n_threshold(d, delta), first, "d = {d}, δ = {delta}");
    }
}

fn tiny() -> Section4Params {
    Section4Params {
        thm41: thm41::Thm41Params {
            configs: vec![(4, 3), (6, 12)],
            shapes: vec![0.125, 8.0],
            n_per_d: vec![1.0, 4.0],
            max_n: 48,
            draws: 4,
            band: 0.1,
            seed: 41,
        },
        trained: trained::TrainedParams {
            widths: vec![16, 32],
            width_sweep_d: 3,
            dims: vec![2, 4],
            dim_sweep_m: 16,
            extra: Vec::new(),
            n_train: 8,
            n_test: 50,
            teacher_width: 2,
            gamma: 0.05,
            batch_size: 1,
            seeds: vec![1],
            stop: Stop {
                target_loss: 1e-5,
                max_steps: 3000,
            },
            sgd_max_steps: 20_000,
        },
    }
}

/// A seeded run at tiny sizes: the summary tables and claims as a snapshot.
#[test]
fn section4_tiny_snapshot() {
    let r = section4::run(&tiny(), NONE).unwrap();
    assert_eq!(r.thm41.networks.len(), 4);
    let s = section4_section(&r).unwrap();
    assert_eq!(s.figures.len(), 2);
    insta::assert_snapshot!("section4_tiny", section_text(&s));
}

/// The checks say "no" where they should: the sum (47) prints is not equivalent to tr G with
/// dimension-free constants (reshaped networks of d = 3 and d = 30), while ‖x‖_{2,d} is.
#[test]
fn the_printed_47_norm_must_fail_and_the_corrected_one_hold() {
    let p = thm41::Thm41Params {
        configs: vec![(30, 3), (30, 30)],
        shapes: vec![0.125, 8.0],
        n_per_d: vec![16.0],
        max_n: 480,
        draws: 2,
        band: 0.1,
        seed: 5,
    };
    let t41 = thm41::run(&p, NONE).unwrap();
    let tr = trained::TrainedResult {
        minima: Vec::new(),
        failures: Vec::new(),
        gamma: 0.1,
        batch_size: 1,
        n_train: 10,
        n_test: 10,
        width_sweep_d: 3,
        dim_sweep_m: 30,
        teacher_width: 2,
    };
    let claims = section4::claims::claims(&t41, &tr);
    let find = |prefix: &str| {
        claims
            .iter()
            .find(|c| c.claim.starts_with(prefix))
            .unwrap_or_else(|| panic!("no claim {prefix}"))
    };
    assert_eq!(find("(47) as printed").support, Support::NotSupported);
    assert_eq!(find("(44) with dimension-free").support, Support::Supported);
    // With no trained minima, the trained claims are not tested (never "supported").
    for c in claims.iter().filter(|c| c.claim.starts_with("Theorem 4.2")) {
        assert_eq!(c.support, Support::NotTested, "{}", c.claim);
    }
}

#[test]
fn section4_command_refuses_bad_input_with_exit_2() {
    for (args, want) in [
        (&["--draws", "1"][..], "draws"),
        (&["--max-n", "100000"][..], "max_n"),
        (&["--widths", "1000000"][..], "widths"),
        (&["--gamma=-1"][..], "gamma"),
        (&["--dims", "1"][..], "dims"),
        (&["--n-train", "0"][..], "n_train"),
        (&["--max-n", "20"][..], "max_n: no n"),
        (&["--extra", "1000by100"][..], "MxD"),
        (&["--extra", "0x10"][..], "widths"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_sgd-stability"))
            .args(["experiment", "section4"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {want:?} not in {err:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
