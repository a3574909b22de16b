//! The oracle as a dependent crate uses it: only the lean library (`--no-default-features`, no
//! clap, plotters, indicatif), its public API, and numbers checked against closed forms worked
//! out by hand here rather than against the crate itself.
//!
//! CI runs this crate under `cargo test --no-default-features`; the CLI-level tests live in
//! `tests/integration` (which needs the `cli` feature).

use sgd_stability::criteria::{CriticalGamma, Verdict};
use sgd_stability::enumerate::{Arithmetic, EnumerationCheck, EnumerationParams};
use sgd_stability::verdict::{ToTruth as _, Truth};
use sgd_stability::{
    Analysis, BatchSize, ErrorKind, Instance, LearningRate, RelTol, Samples, Sampling, Tolerances,
};

/// One-dimensional samples `H_i = h_i` (gradients `g_i = √h_i`): every operator is a number.
fn scalar_instance(h: &[f64], gamma: f64, b: usize) -> Instance {
    let rows: Vec<Vec<f64>> = h.iter().map(|x| vec![x.sqrt()]).collect();
    Instance::new(
        "scalar",
        Samples::gradients_from_rows(&rows).unwrap(),
        LearningRate::new(gamma).unwrap(),
        BatchSize::new(b).unwrap(),
        Sampling::WithoutReplacement,
    )
    .unwrap()
}

fn finite(g: CriticalGamma) -> f64 {
    match g {
        CriticalGamma::Finite(x) => x,
        other => panic!("expected a finite critical γ, got {other:?}"),
    }
}

/// In one dimension `L_γ = (1 − γH)² + γ²cΣ`, so `ρ(L_γ) = 1` at `γ* = 2H/(H² + cΣ)` with
/// `c = (N − B)/(B(N − 1))`, and GD's is `2/H`. For `h = (1, 2, 4)`: `H = 7/3`, `Σ = 14/9`.
#[test]
fn critical_learning_rates_match_the_scalar_closed_form() {
    let h = [1.0, 2.0, 4.0];
    let (mean, sigma) = (7.0 / 3.0, 14.0 / 9.0);
    for b in 1..=3usize {
        let c = (3.0 - b as f64) / (b as f64 * 2.0);
        let expected = 2.0 * mean / (mean * mean + c * sigma);
        let a = Analysis::of(&scalar_instance(&h, 0.1, b), &Tolerances::default()).unwrap();
        let exact = finite(a.mean_square.check.critical_gamma);
        let thm33 = finite(a.thm33.critical_gamma);
        let gd = finite(a.gd.critical_gamma);
        assert!(
            (exact - expected).abs() <= 1e-13 * expected,
            "B = {b}: {exact} vs {expected}"
        );
        // In one dimension Theorem 3.3's matrix is L_γ itself: the sufficient condition is exact.
        assert!(
            (thm33 - expected).abs() <= 1e-13 * expected,
            "B = {b}: {thm33}"
        );
        assert!((gd - 6.0 / 7.0).abs() <= 1e-15, "B = {b}: {gd}");
    }
    // B = 1, c = 1: γ* = 2H/mean(h²) = 2/3, strictly below GD's 6/7.
    let a = Analysis::of(&scalar_instance(&h, 0.1, 1), &Tolerances::default()).unwrap();
    assert!((finite(a.mean_square.check.critical_gamma) - 2.0 / 3.0).abs() < 1e-15);
}

/// The oracle must say "unstable" just above `γ*` and "stable" just below, where GD alone would
/// call both stable.
#[test]
fn the_verdict_flips_at_the_critical_learning_rate() {
    let h = [1.0, 2.0, 4.0];
    let below = Analysis::of(&scalar_instance(&h, 0.66, 1), &Tolerances::default()).unwrap();
    let above = Analysis::of(&scalar_instance(&h, 0.68, 1), &Tolerances::default()).unwrap();
    assert_eq!(below.mean_square.check.verdict, Verdict::Holds);
    assert_eq!(above.mean_square.check.verdict, Verdict::Fails);
    assert_eq!(above.gd.verdict, Verdict::Holds, "0.68 < 2/H = 6/7");
    // The one vocabulary: a criterion's verdict read as the truth of its inequality.
    assert_eq!(above.mean_square.check.verdict.truth(), Truth::Fails);
}

/// Enumerating every minibatch agrees with the closed forms, in floats and in exact rationals.
#[test]
fn enumeration_agrees_with_the_closed_forms() {
    let inst = scalar_instance(&[1.0, 2.0, 4.0, 0.5], 0.3, 2);
    let agreement = RelTol::new(Tolerances::DEFAULT_AGREEMENT).unwrap();
    for arithmetic in [Arithmetic::Float, Arithmetic::Exact] {
        let check =
            EnumerationCheck::run(&inst, arithmetic, &EnumerationParams::default(), agreement)
                .unwrap();
        assert!(check.agrees(), "{arithmetic:?}");
    }
}

/// A caller can match on what went wrong without reading messages.
#[test]
fn errors_have_kinds_a_caller_can_match() {
    let samples = Samples::gradients_from_rows(&[vec![1.0], vec![2.0]]).unwrap();
    let too_big = Instance::new(
        "x",
        samples,
        LearningRate::new(0.1).unwrap(),
        BatchSize::new(3).unwrap(),
        Sampling::WithoutReplacement,
    )
    .unwrap_err();
    assert_eq!(too_big.kind(), ErrorKind::OutOfRange);
    assert_eq!(
        LearningRate::new(f64::NAN).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
    assert_eq!(
        LearningRate::new(f64::NEG_INFINITY).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
    assert_eq!(
        LearningRate::new(-0.5).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    assert_eq!(
        Samples::gradients_from_rows(&[vec![1.0], vec![1.0, 2.0]])
            .unwrap_err()
            .kind(),
        ErrorKind::Shape
    );
}
