//! The three experiments at tiny sizes: fixed-seed snapshots of their summaries, the structure of
//! their results, the command line (including bad input), and the report's experiment sections.

use sgd_stability::data::digits::{Resolution, Task};
use sgd_stability::experiment::{edge, escape, sam, Setup, Support};
use sgd_stability::report::experiments::{
    edge_section, escape_section, sam_section, section_json, section_markdown, section_text,
};
use sgd_stability::train::Stop;
use std::process::Command;

/// Digits 3:8 at 4×4, N = 12, 40 test images, width 4 (P = 68): seconds in a debug build.
fn tiny() -> Setup {
    let mut s = Setup::default();
    s.digits.task = Task::new(&[3], &[8]).unwrap();
    s.digits.resolution = Resolution::Pooled4x4;
    s.digits.n_train = 12;
    s.digits.n_test = Some(40);
    s.width = 4;
    s
}

const NONE: &(dyn Fn(usize, usize) + Sync) = &|_, _| {};

fn tiny_edge(gammas: &[f64], max_steps: usize) -> edge::EdgeResult {
    edge::run(
        &edge::EdgeParams {
            setup: tiny(),
            gammas: gammas.to_vec(),
            seeds: vec![1],
            stop: Stop {
                target_loss: 1e-6,
                max_steps,
            },
            schedule: sgd_stability::train::Schedule::Geometric(1.5),
            ..edge::EdgeParams::default()
        },
        NONE,
    )
    .unwrap()
}

fn tiny_escape() -> escape::EscapeResult {
    escape::run(
        &escape::EscapeParams {
            setup: tiny(),
            batch_sizes: vec![1, 4],
            seeds: 2,
            watch_steps: 500,
            settle: Stop {
                target_loss: 1e-6,
                max_steps: 10_000,
            },
            ..escape::EscapeParams::default()
        },
        NONE,
    )
    .unwrap()
}

fn tiny_sam() -> sam::SamResult {
    let mut p = sam::SamParams {
        setup: tiny(),
        init_seeds: vec![1],
        quadratics: 10,
        watch_steps: 500,
        ..sam::SamParams::default()
    };
    p.stop.max_steps = 3000;
    sam::run(&p, NONE).unwrap()
}

#[test]
fn edge_snapshot_and_structure() {
    let r = tiny_edge(&[0.2, 0.5], 2500);
    assert_eq!(r.runs.len(), 2);
    for run in &r.runs {
        assert!(!run.sharpness.is_empty() && run.sharpness[0].step == 0);
        assert_eq!(
            run.sharpness.last().unwrap().step,
            run.steps,
            "recorded at the last step"
        );
        assert!((run.two_over_gamma * run.gamma - 2.0).abs() < 1e-15);
    }
    let s = edge_section(&r).unwrap();
    assert_eq!(s.figures.len(), 1);
    assert!(s.figures[0].svg.starts_with("<svg") && s.figures[0].svg.contains("2/γ"));
    insta::assert_snapshot!("edge_tiny", section_text(&s));
}

#[test]
fn escape_snapshot_and_structure() {
    let r = tiny_escape();
    // Per B: GD's γ and the two threshold factors, 2 seeds each.
    assert_eq!(r.runs.len(), 2 * 3 * 2);
    for run in &r.runs {
        if let escape::RunGamma::Threshold(f) = run.which {
            assert!((run.ratio - f).abs() < 1e-12);
        }
        // The mean-square prediction exists exactly when ρ(L_γ) > 1, i.e. above γ*_exact.
        assert_eq!(run.predicted_step.is_some(), run.rho > 1.0, "{run:?}");
        assert_eq!(run.rho > 1.0, run.ratio > 1.0, "{run:?}");
    }
    // Below the threshold every run stays: the linear theory's prediction, on the network.
    assert!(r
        .runs
        .iter()
        .filter(|x| x.ratio < 1.0)
        .all(|x| x.fate == escape::Fate::Stayed));
    let s = escape_section(&r).unwrap();
    insta::assert_snapshot!("escape_tiny", section_text(&s));
    let j: serde_json::Value = serde_json::from_str(&section_json(&s)).unwrap();
    assert!(j["minima"][0]["minimum"]["gamma_exact"].as_f64().unwrap() > 0.0);
    assert!(j["claims"].as_array().unwrap().len() >= 5);
}

#[test]
fn sam_snapshot_and_structure() {
    let r = tiny_sam();
    assert_eq!(r.runs.len(), 5, "GD, SGD and three SAM variants");
    assert_eq!(r.quadratic.stable_as_predicted, 10);
    assert_eq!(r.quadratic.unstable_as_predicted, 10);
    assert_eq!(r.quadratic.points.len(), 20);
    let s = sam_section(&r).unwrap();
    assert_eq!(s.figures.len(), 2);
    insta::assert_snapshot!("sam_tiny", section_text(&s));
    let md = section_markdown(&s);
    assert!(md.starts_with("## SAM") && md.contains("| claim | measured | verdict |"));
}

#[test]
fn support_says_no_and_mixed() {
    assert_eq!(Support::from_counts(0, 4), Support::NotSupported);
    assert_eq!(Support::from_counts(2, 4), Support::Mixed);
    assert_eq!(Support::from_counts(4, 4), Support::Supported);
    assert_eq!(Support::from_counts(0, 0), Support::NotTested);
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sgd-stability"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn experiment_command_refuses_bad_input_with_exit_2() {
    let cases: [(&[&str], &str); 10] = [
        (
            &["experiment", "edge", "--width", "100000"],
            "experiment edge: width: P = 6600000",
        ),
        (
            &["experiment", "escape", "--init-scale", "1e200"],
            "experiment escape: init_scale",
        ),
        (
            &["experiment", "escape", "--seeds", "0"],
            "experiment escape: seeds",
        ),
        (&["experiment", "edge", "--n-train", "100000"], "n_train"),
        (&["experiment", "edge", "--gammas", "0.1,-1"], "gamma"),
        (&["experiment", "edge", "--task", "3:3"], "both classes"),
        (&["experiment", "edge", "--width", "0"], "width"),
        (&["experiment", "edge", "--init-scale", "nan"], "init_scale"),
        (
            &["experiment", "sam", "--rho", "0", "--n-train", "4"],
            "rho",
        ),
        (
            &[
                "experiment",
                "escape",
                "--sampling",
                "random_reshuffling",
                "--n-train",
                "4",
            ],
            "sampling",
        ),
    ];
    for (args, want) in cases {
        let o = cli(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {want:?} not in {err:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn experiment_command_runs_tiny_and_prints_json() {
    let o = cli(&[
        "experiment",
        "edge",
        "--resolution",
        "4x4",
        "--n-train",
        "8",
        "--n-test",
        "10",
        "--width",
        "3",
        "--gammas",
        "0.3",
        "--seeds",
        "1",
        "--max-steps",
        "300",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["runs"].as_array().unwrap().len(), 1);
    assert!(j["setup"].as_str().unwrap().contains("P = 54"));
}

#[test]
fn report_renders_experiment_sections() {
    use sgd_stability::report::{document_html, document_json, document_markdown, Document};
    let doc = Document::build(&[], &[], &sgd_stability::Tolerances::default())
        .unwrap()
        .with_experiments(vec![edge_section(&tiny_edge(&[0.5], 200)).unwrap()]);
    let md = document_markdown(&doc);
    assert!(md.contains("## GD at the edge") && md.contains("figures/experiment-edge.svg"));
    let html = document_html(&doc);
    assert!(
        html.contains("<h2>GD at the edge") && html.contains("<figure id=\"experiment-edge.svg\">")
    );
    assert!(!html.contains("**"), "Markdown emphasis left in HTML");
    let j: serde_json::Value = serde_json::from_str(&document_json(&doc)).unwrap();
    assert!(j["experiments"]["edge"]["runs"].is_array());
    // Without experiments the key is absent, as before.
    let plain = Document::build(&[], &[], &sgd_stability::Tolerances::default()).unwrap();
    let j: serde_json::Value = serde_json::from_str(&document_json(&plain)).unwrap();
    assert!(j.get("experiments").is_none());
}
