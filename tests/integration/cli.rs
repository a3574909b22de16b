//! The real binary on good and bad input: messages that name the file and the field, exit codes.

use crate::common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sgd-stability"));
    c.current_dir(root());
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bad(name: &str) -> String {
    format!("tests/data/bad/{name}")
}

/// Every bad input: (file, words the message must contain). Exit code 2, no panic, nothing on
/// stdout.
const BAD: &[(&str, &[&str])] = &[
    (
        "malformed.json",
        &["malformed.json", "line 1", "malformed JSON"],
    ),
    (
        "missing_gamma.json",
        &["missing_gamma.json", "gamma", "missing"],
    ),
    (
        "gamma_string.json",
        &["gamma", "expected a number, found a string"],
    ),
    ("gamma_negative.json", &["gamma", "> 0", "-0.5"]),
    ("gamma_zero.json", &["gamma", "> 0"]),
    (
        "ragged.json",
        &["hessians[0][1]", "has 1 entries, expected 2"],
    ),
    ("non_square.json", &["hessians[0][0]", "must be square"]),
    ("mismatched_d.json", &["hessians[1]", "same d"]),
    (
        "asymmetric.json",
        &["hessians[0]", "not symmetric", "[0][1] = 2", "[1][0] = 0"],
    ),
    ("nan_literal.json", &["nan_literal.json", "malformed JSON"]),
    (
        "overflow.json",
        &["overflow.json", "line 1", "beyond the f64 range"],
    ),
    ("no_samples.json", &["hessians", "N must be at least 1"]),
    ("batch_zero.json", &["batch_size", "at least 1"]),
    (
        "batch_exceeds_n.json",
        &["batch_size", "B = 3 exceeds", "N = 2"],
    ),
    ("batch_fraction.json", &["batch_size", "integer", "2.5"]),
    (
        "unknown_sampling.json",
        &[
            "sampling",
            "\"shuffled\"",
            "without_replacement",
            "random_reshuffling",
        ],
    ),
    (
        "reshuffling_b_not_dividing_n.json",
        &[
            "batch_size",
            "B = 2 does not divide N = 3",
            "random_reshuffling",
        ],
    ),
    (
        "reshuffling_too_large.json",
        &["sampling", "N ≤ 8", "simulate"],
    ),
    ("both_forms.json", &["hessians/gradients", "not both"]),
    ("no_data.json", &["hessians/gradients", "missing"]),
    (
        "top_level_array.json",
        &["(top level)", "expected a JSON object, found an array"],
    ),
    (
        "entry_string.json",
        &["hessians[0][0][1]", "expected a number, found a string"],
    ),
    ("gradients_ragged.json", &["gradients[1]", "has length 1"]),
    (
        "wrong_extension.txt",
        &["wrong_extension.txt", "unknown file type"],
    ),
    ("does_not_exist.json", &["does_not_exist.json"]),
];

#[test]
fn every_bad_input_is_named_with_exit_code_2() {
    for (file, words) in BAD {
        let o = run(&["analyze", &bad(file)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: exit code; stderr: {err}");
        assert!(o.stdout.is_empty(), "{file}: nothing on stdout");
        assert!(!err.contains("panicked"), "{file}: panic: {err}");
        assert!(
            err.contains(&bad(file)) || err.contains(file),
            "{file}: the file is named: {err}"
        );
        for w in *words {
            assert!(err.contains(w), "{file}: message lacks {w:?}: {err}");
        }
    }
}

#[test]
fn a_good_file_after_a_bad_one_still_fails_as_a_whole() {
    let o = run(&[
        "analyze",
        "fixtures/d1_sgd_stable.json",
        &bad("ragged.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no partial report");
}

#[test]
fn bad_options_exit_2() {
    for args in [
        &["analyze", "fixtures/d1_sgd_stable.json", "--gamma", "0"][..],
        &["analyze", "fixtures/d1_sgd_stable.json", "--gamma", "-1"],
        &["analyze", "fixtures/d1_sgd_stable.json", "--gamma", "nan"],
        &["analyze", "fixtures/d1_sgd_stable.json", "--gamma", "inf"],
        &[
            "analyze",
            "fixtures/d1_sgd_stable.json",
            "--batch-size",
            "0",
        ],
        &[
            "analyze",
            "fixtures/d1_sgd_stable.json",
            "--sampling",
            "shuffled",
        ],
        // N = 3: B = 2 does not divide it.
        &[
            "analyze",
            "fixtures/d1_sgd_stable.json",
            "--sampling",
            "random_reshuffling",
            "--batch-size",
            "2",
        ],
        &["analyze", "fixtures/d1_sgd_stable.json", "--format", "pdf"],
        &[
            "analyze",
            "fixtures/d1_sgd_stable.json",
            "--symmetry-tol",
            "-1",
        ],
        &["analyze"],
        &["frobnicate"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?}: says why");
        assert!(
            !stderr(&o).contains('\u{1b}'),
            "{args:?}: no colour codes when captured"
        );
    }
}

#[test]
fn overrides_apply_on_top_of_the_file() {
    // B = 4 > N = 3 without replacement is refused, with replacement accepted.
    let o = run(&[
        "analyze",
        "fixtures/d1_sgd_stable.json",
        "--batch-size",
        "4",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("batch_size"));
    let o = run(&[
        "analyze",
        "fixtures/d1_sgd_stable.json",
        "--batch-size",
        "4",
        "--sampling",
        "with_replacement",
        "--gamma",
        "0.25",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["batch_size"], 4);
    assert_eq!(v[0]["gamma"], 0.25);
    assert_eq!(v[0]["sampling"], "with_replacement");
    assert_eq!(v[0]["c_factor"], 0.25);
}

#[test]
fn main_job_and_every_format_succeed() {
    // The main job writes ./report; run it in a scratch folder so the checkout stays clean.
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("main-job");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sgd-stability"))
        .current_dir(&scratch)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("0 failed") && out.contains("report: report/report.html"),
        "{out}"
    );
    assert!(scratch.join("report/report.html").is_file());
    // The experiments on trained models run in a release build, and are announced as skipped
    // in a debug one (this test's usual build).
    assert!(
        out.contains("experiment edge") != cfg!(debug_assertions)
            && out.contains("skipped in this debug build") == cfg!(debug_assertions),
        "{out}"
    );
    for fmt in ["text", "json", "markdown"] {
        let o = run(&["analyze", "fixtures/d1_sgd_stable.json", "--format", fmt]);
        assert_eq!(o.status.code(), Some(0), "{fmt}: {}", stderr(&o));
    }
    for sub in [&["--help"][..], &["analyze", "--help"], &["--version"]] {
        let o = run(sub);
        assert_eq!(o.status.code(), Some(0), "{sub:?}");
        assert!(!o.stdout.is_empty());
    }
}

/// A `.npy` file as NumPy writes it (version 1.0, C order unless `fortran`).
pub(crate) fn npy(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_s = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_s}, }}",
        if fortran { "True" } else { "False" }
    );
    let mut header = dict.into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

fn f64s(xs: &[f64]) -> Vec<u8> {
    xs.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn write_tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npy");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn npy_gradients_and_hessians_load_like_json() {
    // The same data as fixtures/d1_sgd_stable.json: H_i = 1, 2, 3 (1×1), γ = 0.5, B = 1.
    let h = write_tmp(
        "h.npy",
        &npy("<f8", false, &[3, 1, 1], &f64s(&[1.0, 2.0, 3.0])),
    );
    let o = bin()
        .args([
            "analyze",
            "--gamma",
            "0.5",
            "--batch-size",
            "1",
            "--format",
            "json",
        ])
        .arg(&h)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let j = run(&["analyze", "fixtures/d1_sgd_stable.json", "--format", "json"]);
    let w: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    for k in [
        "sharpness",
        "sigma_norm",
        "critical_gamma_thm33",
        "thm33_lambda_max",
    ] {
        assert_eq!(v[0][k], w[0][k], "{k}");
    }
    assert_eq!(v[0]["name"], "h", "named after the file stem");
    // Fortran order: a 2×3 gradient array [[1,2,3],[4,5,6]] stored column by column.
    let g = write_tmp(
        "g.npy",
        &npy("<f8", true, &[2, 3], &f64s(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0])),
    );
    let c = write_tmp(
        "gc.npy",
        &npy(
            "<f8",
            false,
            &[2, 3],
            &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ),
    );
    let out = |p: &Path| {
        let o = bin()
            .args([
                "analyze",
                "--gamma",
                "0.01",
                "--batch-size",
                "1",
                "--format",
                "json",
            ])
            .arg(p)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (v[0]["sharpness"].clone(), v[0]["input_form"].clone())
    };
    assert_eq!(out(&g), out(&c));
    assert_eq!(out(&g).1, "gradients");
    // float32 is accepted.
    let f32s: Vec<u8> = [1.0f32, 2.0, 3.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = write_tmp("f32.npy", &npy("<f4", false, &[3, 1], &f32s));
    assert_eq!(
        bin()
            .args(["analyze", "--gamma", "0.1", "--batch-size", "1"])
            .arg(&p)
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn bad_npy_files_are_named_with_exit_code_2() {
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "nan.npy",
            npy("<f8", false, &[2, 1], &f64s(&[1.0, f64::NAN])),
            &["gradients[1][0]", "finite"],
        ),
        (
            "ndim1.npy",
            npy("<f8", false, &[3], &f64s(&[1.0, 2.0, 3.0])),
            &["array", "shape"],
        ),
        (
            "nonsquare.npy",
            npy("<f8", false, &[1, 2, 3], &f64s(&[0.0; 6])),
            &["array", "square"],
        ),
        (
            "truncated.npy",
            npy("<f8", false, &[2, 2], &f64s(&[1.0, 2.0, 3.0])),
            &["array", "bytes"],
        ),
        (
            "complex.npy",
            npy("<c16", false, &[1, 1], &[0u8; 16]),
            &["array", "not supported"],
        ),
        (
            "garbage.npy",
            b"not an npy file at all".to_vec(),
            &["array", "not a readable .npy"],
        ),
        (
            "asym.npy",
            npy("<f8", false, &[1, 2, 2], &f64s(&[1.0, 5.0, 0.0, 1.0])),
            &["hessians[0]", "not symmetric"],
        ),
    ];
    for (name, bytes, words) in cases {
        let p = write_tmp(name, &bytes);
        let o = bin()
            .args(["analyze", "--gamma", "0.5", "--batch-size", "1"])
            .arg(&p)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: names the file: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        for w in words {
            assert!(err.contains(w), "{name}: lacks {w:?}: {err}");
        }
    }
    // γ and B are required for .npy.
    let p = write_tmp("ok.npy", &npy("<f8", false, &[2, 1], &f64s(&[1.0, 2.0])));
    let o = bin().args(["analyze"]).arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--gamma"), "{}", stderr(&o));
}

#[test]
fn enumerate_agrees_on_every_fixture_in_both_arithmetics() {
    for f in crate::common::fixture_files() {
        let f = f.to_str().unwrap().to_owned();
        for extra in [&[][..], &["--exact"]] {
            let mut args = vec!["enumerate", f.as_str()];
            args.extend_from_slice(extra);
            let o = run(&args);
            assert_eq!(o.status.code(), Some(0), "{f} {extra:?}: {}", stderr(&o));
            let out = String::from_utf8(o.stdout).unwrap();
            assert!(out.contains("yes, for every quantity"), "{f}: {out}");
        }
    }
}

#[test]
fn enumerate_refuses_above_the_limit_unless_forced() {
    // C(4, 2) = 6 subsets.
    let o = run(&["enumerate", "fixtures/d1_sgd_unstable.json", "--limit", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("d1_sgd_unstable.json") && err.contains('6'),
        "{err}"
    );
    assert!(
        err.contains("closed form"),
        "points to the closed form: {err}"
    );
    let o = run(&[
        "enumerate",
        "fixtures/d1_sgd_unstable.json",
        "--limit",
        "5",
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&[
        "enumerate",
        "fixtures/d1_sgd_unstable.json",
        "--format",
        "json",
        "--exact",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["agrees"], true);
    assert_eq!(v[0]["visits"], "6");
}

/// Inputs the fuzzer (or a reading of the loader it prompted) found: each must be refused with
/// an error, promptly, and without a panic or an abort. See fuzz/README.md.
#[test]
fn fuzz_regressions_are_refused() {
    let dir = root().join("fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.starts_with("load_npy") {
            continue;
        }
        seen += 1;
        let copy = write_tmp(&format!("{name}.npy"), &std::fs::read(&path).unwrap());
        let o = bin()
            .args(["analyze", "--gamma", "0.5", "--batch-size", "1"])
            .arg(&copy)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: a one-line message: {err}");
    }
    assert!(seen >= 3, "the regression inputs are present");
}

#[test]
fn overflowing_moments_are_an_error_not_a_verdict() {
    for (name, body) in [
        (
            "grad_overflow.json",
            r#"{"gradients": [[1e160], [1]], "gamma": 1e-200, "batch_size": 1}"#,
        ),
        (
            "hess_overflow.json",
            r#"{"hessians": [[[1e300]]], "gamma": 0.5, "batch_size": 1}"#,
        ),
    ] {
        let p = write_tmp(name, body.as_bytes());
        let o = bin().arg("analyze").arg(&p).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("overflow"),
            "{name}: {err}"
        );
    }
}

/// `--help` lists one short line per command; a command's `--help` adds the details below its
/// summary, and `-h` shows the summary only.
#[test]
fn help_is_a_summary_per_command_with_details_below() {
    let o = run(&["--help"]);
    let out = String::from_utf8(o.stdout).unwrap();
    let commands: Vec<&str> = out
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 8, "{out}");
    for l in &commands {
        assert!(l.chars().count() <= 100, "a wall in the command list: {l}");
    }
    assert!(out.contains("the main job"), "{out}");
    for cmd in [
        "analyze",
        "enumerate",
        "simulate",
        "verify",
        "sweep",
        "report",
        "experiment",
    ] {
        let long = String::from_utf8(run(&[cmd, "--help"]).stdout).unwrap();
        let short = String::from_utf8(run(&[cmd, "-h"]).stdout).unwrap();
        let summary = short.lines().next().unwrap();
        assert!(summary.chars().count() <= 100, "{cmd}: {summary}");
        assert_eq!(long.lines().next(), Some(summary), "{cmd}");
        assert_eq!(
            long.lines().nth(1),
            Some(""),
            "{cmd}: details below a blank line"
        );
        assert!(long.len() > short.len(), "{cmd}: --help adds the details");
    }
}
