//! Use sgd-stability as a correctness oracle for your own code.
//!
//! Suppose your optimizer picks a learning rate for a model and you want to know, at a global
//! minimum you found, which learning rates keep linearized SGD stable. Build an instance from the
//! per-sample gradients of the model output (squared loss, scalar output: `H_i = g_i g_iᵀ`), ask
//! for each criterion's critical learning rate, and check your choice against them.
//!
//! Run with `cargo run --example oracle`.

use sgd_stability::criteria::{CriticalGamma, Verdict};
use sgd_stability::{Analysis, BatchSize, Instance, LearningRate, Samples, Sampling, Tolerances};

fn main() -> Result<(), sgd_stability::Error> {
    // Per-sample gradients of a linear model y = wᵀu at an interpolating minimum: g_i = u_i.
    let inputs = vec![
        vec![1.0, 0.5, 0.0],
        vec![0.0, 1.0, -1.0],
        vec![2.0, 0.0, 1.0],
        vec![0.5, 0.5, 0.5],
    ];
    let my_learning_rate = 0.3;
    for batch in 1..=inputs.len() {
        let samples = Samples::gradients_from_rows(&inputs)?;
        let instance = Instance::new(
            "linear-model",
            samples,
            LearningRate::new(my_learning_rate)?,
            BatchSize::new(batch)?,
            Sampling::WithoutReplacement,
        )?;
        let a = Analysis::of(&instance, &Tolerances::default())?;
        let show = |g: CriticalGamma| match g {
            CriticalGamma::Finite(x) => format!("{x:.4}"),
            CriticalGamma::Unbounded => "∞".into(),
            CriticalGamma::NoneAccepted => "none".into(),
        };
        println!(
            "B = {batch}: γ*_GD = {}, γ*_Thm3.3 = {}, 2/tr(H) = {}{}; at γ = {my_learning_rate}: Theorem 3.3 {}",
            show(a.gd.critical_gamma),
            show(a.thm33.critical_gamma),
            show(a.thm35.check.critical_gamma),
            if a.thm35.hypotheses.hold() { " (Theorem 3.5 applies)" } else { "" },
            a.thm33.verdict,
        );
        // The oracle: a learning rate Theorem 3.3 certifies must also pass GD's exact test.
        if a.thm33.verdict == Verdict::Holds {
            assert_eq!(a.gd.verdict, Verdict::Holds);
        }
    }
    Ok(())
}
