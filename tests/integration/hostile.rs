//! Hostile input, second round (issue 15): names that try to escape the output folder or fake
//! result lines, special files, write errors, a report killed while writing, inputs whose size
//! or running time would abort or never end. Each is refused with a message and exit code 2, or
//! handled; never a panic, an abort or a hang. Through the real binary.

use crate::common::root;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sgd-stability"));
    c.current_dir(root());
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch folder for test `name`.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// Exit code 2, a one-line-or-more message containing every word, no panic, nothing on stdout.
#[track_caller]
fn refused(o: &Output, words: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(o.stdout.is_empty(), "nothing on stdout");
    for w in words {
        assert!(err.contains(w), "message lacks {w:?}: {err}");
    }
}

const TWO_INSTANCES: [(&str, &str); 2] = [
    (
        "old.json",
        r#"{"name": "old-one", "hessians": [[[1]], [[3]], [[5]], [[7]]], "gamma": 0.3, "batch_size": 2}"#,
    ),
    (
        "new.json",
        r#"{"name": "new-one", "hessians": [[[1]], [[2]], [[3]]], "gamma": 0.6, "batch_size": 1}"#,
    ),
];

/// The folder holds exactly one complete report: report.md, .html and .json of the same run
/// (the one naming `name`), every figure report.json lists and no other file.
#[track_caller]
fn one_complete_report(dir: &Path, name: &str) {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["instances"][0]["name"], name, "report.json");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains(name) && md.contains("## Figures"), "report.md");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains(name) && html.trim_end().ends_with("</html>"),
        "report.html"
    );
    let mut listed: Vec<String> = json["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(dir.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(
        present, listed,
        "figures/ holds exactly the report's figures"
    );
    for f in &present {
        let svg = std::fs::read_to_string(dir.join("figures").join(f)).unwrap();
        assert!(svg.trim_end().ends_with("</svg>"), "{f} is complete");
    }
    let mut top: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["figures", "report.html", "report.json", "report.md"]);
}

/// Start `report NEW --out DIR` with the stall hook at `phase`, wait until it stalls there, and
/// kill it (SIGKILL).
fn kill_report_at(phase: &str, input: &Path, out: &Path) {
    let mut child = bin()
        .args(["report"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .env(sgd_stability::output::STALL_VAR, phase)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().expect("the run stalls").unwrap();
    assert_eq!(line, format!("stalled at {phase}"));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_report_killed_while_writing_leaves_one_complete_report() {
    let dir = scratch("kill");
    let old = write(&dir, TWO_INSTANCES[0].0, TWO_INSTANCES[0].1);
    let new = write(&dir, TWO_INSTANCES[1].0, TWO_INSTANCES[1].1);
    let out = dir.join("out");
    let o = bin()
        .arg("report")
        .arg(&old)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    one_complete_report(&out, "old-one");
    // Killed with half the new files staged: the old report stands.
    kill_report_at("staging", &new, &out);
    one_complete_report(&out, "old-one");
    // Killed right after the swap, before the old report is removed: the new one stands.
    kill_report_at("swapped", &new, &out);
    one_complete_report(&out, "new-one");
    // The second killed run removed the first one's staging folder (its process was gone); its
    // own is still there, holding the old report; the next run removes it.
    let leftovers = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("sgd-stability-tmp")
            })
            .count()
    };
    assert_eq!(leftovers(&dir), 1, "the last killed run's");
    let o = bin()
        .arg("report")
        .arg(&old)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    one_complete_report(&out, "old-one");
    assert_eq!(leftovers(&dir), 0, "stale staging folders removed");
    // Without the hook: kills at arbitrary moments of a run always leave one complete report.
    for k in 0..12u64 {
        let input = if k % 2 == 0 { &new } else { &old };
        let mut child = bin()
            .arg("report")
            .arg(input)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10 * k));
        let _ = child.kill();
        child.wait().unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        let name = json["instances"][0]["name"].as_str().unwrap().to_owned();
        one_complete_report(&out, &name);
    }
}

#[test]
fn instance_names_cannot_escape_the_report_folder() {
    let dir = scratch("traversal");
    let a = write(
        &dir,
        "a.json",
        r#"{"name": "a/../../../../ESCAPED", "hessians": [[[1]], [[3]], [[5]], [[7]]], "gamma": 0.3, "batch_size": 2}"#,
    );
    // Sanitizes to the same file name as the first: must get its own.
    let b = write(
        &dir,
        "b.json",
        r#"{"name": "a_.._.._.._.._ESCAPED", "hessians": [[[1]], [[2]], [[3]]], "gamma": 0.6, "batch_size": 1}"#,
    );
    let out = dir.join("deep/out");
    let o = bin()
        .arg("report")
        .args([&a, &b])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Nothing but the report folder anywhere under the scratch folder.
    let mut all = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            all.push(p.strip_prefix(&dir).unwrap().display().to_string());
        }
    }
    all.sort();
    assert!(
        all.iter()
            .all(|p| p == "a.json" || p == "b.json" || p == "deep" || p.starts_with("deep/out")),
        "{all:?}"
    );
    let figures: Vec<String> = std::fs::read_dir(out.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        figures.len(),
        4,
        "diagram, two batch curves, one simulation: {figures:?}"
    );
    assert!(figures.iter().all(|f| !f.contains('/')));
    one_complete_report(&out, "a/../../../../ESCAPED");
    // `--out .` would replace the working folder: refused.
    let o = bin()
        .arg("report")
        .arg(&a)
        .args(["--out", "."])
        .output()
        .unwrap();
    refused(&o, &["name of its own"]);
    // A folder holding anything else is not replaced.
    std::fs::write(out.join("notes.txt"), b"mine").unwrap();
    let o = bin()
        .arg("report")
        .arg(&a)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    refused(&o, &["notes.txt", "not part of a report"]);
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn names_cannot_fake_result_lines() {
    let dir = scratch("names");
    let p = write(
        &dir,
        "fake.json",
        "{\"name\": \"x\\nSGD, exactly (mean square): stable | **y** \\u001b[32m\\u202e\", \"hessians\": [[[1]], [[3]], [[5]], [[7]]], \"gamma\": 0.3, \"batch_size\": 2}",
    );
    for fmt in ["text", "markdown"] {
        let o = bin()
            .arg("analyze")
            .arg(&p)
            .args(["--format", fmt])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(
            !out.lines()
                .any(|l| l.starts_with("SGD, exactly (mean square): stable |")),
            "{fmt}: the name starts no line of its own:\n{out}"
        );
        assert!(
            out.contains("x\\nSGD"),
            "{fmt}: the newline is shown escaped"
        );
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{fmt}"
        );
    }
    // JSON keeps the name exactly (it escapes by itself).
    let o = bin()
        .arg("analyze")
        .arg(&p)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v[0]["name"].as_str().unwrap().starts_with("x\nSGD"));
}

/// `stderr` of a refusal: exit code 2, no line of its own starting with the faked result, the
/// newline shown as `\n`.
#[track_caller]
fn path_escaped(o: &Output) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(
        !err.lines().any(|l| l.starts_with("== fake: stable")),
        "the path starts no line of its own:\n{err}"
    );
    assert!(
        err.contains("\\n== fake: stable"),
        "the newline is shown escaped: {err}"
    );
    assert!(!err.contains('\u{202e}'), "{err}");
}

#[test]
fn paths_cannot_fake_result_lines() {
    let dir = scratch("paths").join("d\n== fake: stable\u{202e}");
    std::fs::create_dir_all(&dir).unwrap();
    // A bad field (Error::Input), a missing file (Error::Io), a file over the budget (Limit).
    let bad = write(
        &dir,
        "bad.json",
        r#"{"hessians": [[[1, 2], [0, 1]]], "gamma": 0.1, "batch_size": 1}"#,
    );
    let missing = dir.join("missing.json");
    let big = write(&dir, "big.json", &" ".repeat(40_000));
    for cmd in ["analyze", "enumerate", "sweep", "simulate"] {
        for p in [&bad, &missing] {
            path_escaped(&bin().arg(cmd).arg(p).output().unwrap());
        }
    }
    path_escaped(
        &bin()
            .args(["analyze", "--certified"])
            .arg(&bad)
            .output()
            .unwrap(),
    );
    path_escaped(
        &bin()
            .arg("report")
            .arg(&bad)
            .arg("--out")
            .arg(dir.join("r"))
            .output()
            .unwrap(),
    );
    path_escaped(
        &bin()
            .arg("verify")
            .arg(dir.join("missing.lecture"))
            .output()
            .unwrap(),
    );
    path_escaped(
        &bin()
            .args(["analyze", "--memory-limit", "1M"])
            .arg(&big)
            .output()
            .unwrap(),
    );
    // A foreign file in the report folder, named to fake a line.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    write(&out, "n\n== fake: stable", "mine");
    path_escaped(
        &bin()
            .args(["report", "fixtures/d1_sgd_stable.json", "--out"])
            .arg(&out)
            .output()
            .unwrap(),
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_without_blocking() {
    let dir = scratch("special");
    let fifo = dir.join("pipe.json");
    let ok = Command::new("mkfifo").arg(&fifo).status();
    let mut cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["analyze".into(), "/dev/zero".into()],
            "character device",
        ),
        (vec!["analyze".into(), "fixtures".into()], "directory"),
        (vec!["verify".into(), "proofs".into()], "directory"),
        (
            vec!["simulate".into(), "/dev/zero".into()],
            "character device",
        ),
    ];
    if ok.is_ok_and(|s| s.success()) {
        let f = fifo.display().to_string();
        for cmd in [
            "analyze",
            "enumerate",
            "sweep",
            "simulate",
            "verify",
            "report",
        ] {
            cases.push((vec![cmd.into(), f.clone()], "FIFO"));
        }
    }
    for (args, word) in cases {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A blocked open would never return: give it ten seconds.
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{args:?} blocks");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        refused(&o, &[word, "not a regular file"]);
    }
}

#[test]
fn files_beyond_the_memory_budget_are_refused_before_reading() {
    let dir = scratch("big");
    // A valid instance padded past a 1 MiB budget's JSON share (1 MiB / 32).
    let pad = " ".repeat(40_000);
    let p = write(
        &dir,
        "padded.json",
        &format!(r#"{{"hessians": [[[1]]], "gamma": 0.5, "batch_size": 1}}{pad}"#),
    );
    let o = bin().arg("analyze").arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "within the default budget");
    let o = bin()
        .args(["--memory-limit", "1M", "analyze"])
        .arg(&p)
        .output()
        .unwrap();
    refused(&o, &["padded.json", "32.0 KiB", "--memory-limit"]);
    let o = bin()
        .args(["--memory-limit", "1K", "analyze"])
        .arg(&p)
        .output()
        .unwrap();
    refused(&o, &["memory-limit", "1 MiB"]);
    // A float32 .npy of Hessians within the file cap (1/4 of 1 MiB) whose entries, as f64 and
    // copied into the instance (three copies for Hessians), are not. (Gradients are read
    // straight into one f64 matrix: within the file cap they always fit.)
    let n = 60_000usize;
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, 1, 1), }}");
    let mut header = dict.into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    npy.extend_from_slice(&header);
    npy.extend((0..n).flat_map(|_| 1.0f32.to_le_bytes()));
    let f = dir.join("wide.npy");
    std::fs::write(&f, &npy).unwrap();
    let o = bin()
        .args([
            "--memory-limit",
            "1M",
            "analyze",
            "--gamma",
            "0.1",
            "--batch-size",
            "1",
        ])
        .arg(&f)
        .output()
        .unwrap();
    refused(&o, &["wide.npy", "60000 entries", "limit of 1.0 MiB"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_stdout_is_an_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        println!("SKIPPED: no /dev/full");
        return;
    };
    let o = bin()
        .args(["analyze", "fixtures/d1_sgd_stable.json"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("standard output"), "{}", stderr(&o));
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

#[test]
fn sizes_that_do_not_fit_are_refused_with_size_and_limit() {
    let dir = scratch("sizes");
    write(
        &dir,
        "bmax.json",
        r#"{"gradients": [[1, 2], [3, 4]], "gamma": 0.1, "batch_size": 18446744073709551615, "sampling": "with_replacement"}"#,
    );
    // d = 200: the d²×d² operator alone is 12.8 GB.
    let g: Vec<String> = (0..2)
        .map(|i| format!("[{}]", vec![format!("{}", i + 1); 200].join(",")))
        .collect();
    write(
        &dir,
        "d200.json",
        &format!(
            r#"{{"gradients": [{}], "gamma": 0.001, "batch_size": 1}}"#,
            g.join(",")
        ),
    );
    let fixture = root().join("fixtures/d1_sgd_unstable.json");
    let fx = fixture.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (
            vec!["simulate", "bmax.json"],
            &["batch_size", "of memory", "limit of 4.0 GiB"],
        ),
        (vec!["enumerate", "bmax.json"], &["batch_size", "2^128"]),
        (
            vec!["simulate", fx, "--trials", "1000000000000", "--escape", "2"],
            &["trials", "of memory", "4294967296 bytes"],
        ),
        (
            vec!["simulate", fx, "--steps", "1000000000000"],
            &["steps/trials", "operations", "years"],
        ),
        (
            vec![
                "simulate",
                fx,
                "--steps",
                "18446744073709551615",
                "--trials",
                "18446744073709551615",
            ],
            &["more than 2^128 operations"],
        ),
        (
            vec!["enumerate", "d200.json"],
            &["d200.json", "hessians", "40000 × 40000", "of memory"],
        ),
        (
            vec!["enumerate", "d200.json", "--exact"],
            &["exact rationals", "of memory"],
        ),
        (
            vec!["verify", "--effort", "4294967295"],
            &["effort", "years", "10000"],
        ),
    ];
    for (args, words) in cases {
        let o = run_in(&dir, &args);
        refused(&o, words);
    }
    // With a larger budget the same enumeration is only refused further on (here: still too
    // large for 64 GiB, and the message follows the new limit).
    let o = run_in(&dir, &["--memory-limit", "64G", "enumerate", "d200.json"]);
    refused(&o, &["limit of 64.0 GiB"]);
    // Within the budget and the work limit: runs.
    let o = run_in(&dir, &["simulate", fx, "--trials", "100", "--steps", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn enumerate_in_f64_never_agrees_on_nan() {
    let dir = scratch("nan");
    write(
        &dir,
        "nan.json",
        r#"{"hessians": [[[1e200]], [[3e100]]], "gamma": 1e-200, "batch_size": 1}"#,
    );
    let o = run_in(&dir, &["enumerate", "nan.json"]);
    refused(&o, &["nan.json", "E[H_B²]", "f64 cannot decide", "--exact"]);
    // The exact route decides it.
    let o = run_in(&dir, &["enumerate", "nan.json", "--exact"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("yes, for every quantity"));
    // At a small scale the tolerance follows the quantity's size (not a floor of 1, which would
    // accept anything below 1e-10).
    write(
        &dir,
        "small.json",
        r#"{"hessians": [[[1e-100]], [[3e-100]], [[5e-100]], [[7e-100]]], "gamma": 4.8e99, "batch_size": 2}"#,
    );
    let o = run_in(&dir, &["enumerate", "small.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let q = &v[0]["quantities"];
    assert_eq!(q[0]["name"], "E[H_B]");
    assert!(q[0]["tolerance"].as_f64().unwrap() < 1e-100, "{}", q[0]);
    assert!(q[1]["tolerance"].as_f64().unwrap() < 1e-200, "{}", q[1]);
    assert_eq!(v[0]["agrees"], true);
}

#[test]
fn x0_beyond_the_f64_range_is_refused_and_within_it_scale_free() {
    let fixture = root().join("fixtures/d2_with_replacement.json");
    let fx = fixture.to_str().unwrap();
    for x0 in ["1e200,1", "1e-200,0", "1e-160,1e-160"] {
        let o = bin().args(["simulate", fx, "--x0", x0]).output().unwrap();
        refused(&o, &["x0", "beyond the f64 range", "rescale"]);
    }
    // E‖x_k‖² is proportional to ‖x0‖²: the verdicts and the growth of the estimate do not
    // depend on the scale.
    let summary = |x0: &str| {
        let o = bin()
            .args([
                "simulate", fx, "--steps", "20", "--trials", "500", "--format", "json", "--x0", x0,
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{x0}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let rows = v["sgd"]["rows"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 21, "{x0}");
        let verdicts: Vec<serde_json::Value> = rows.iter().map(|r| r["verdict"].clone()).collect();
        let ln0 = rows[0]["ln_estimate"].as_f64().unwrap();
        let growth: Vec<f64> = rows
            .iter()
            .map(|r| r["ln_estimate"].as_f64().unwrap() - ln0)
            .collect();
        (v["sgd"]["agreement"].clone(), verdicts, growth)
    };
    let one = summary("1,1");
    assert_eq!(one.0["verdict"], "consistent");
    for x0 in ["1e150,1e150", "1e-150,1e-150"] {
        let other = summary(x0);
        assert_eq!((&other.0, &other.1), (&one.0, &one.1), "{x0}");
        for (a, b) in other.2.iter().zip(&one.2) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{x0}: {a} vs {b}");
        }
    }
}

#[test]
fn certified_reads_the_decimal_as_written() {
    let dir = scratch("certified");
    let text = std::fs::read_to_string(root().join("fixtures/d1_thm33_boundary.json")).unwrap();
    assert!(text.contains("\"gamma\": 0.96,"));
    // γ just above γ* = 24/25, written with more digits than an f64 holds (the f64 is 0.96).
    write(
        &dir,
        "above.json",
        &text.replace("\"gamma\": 0.96,", "\"gamma\": 0.96000000000000000001,"),
    );
    write(
        &dir,
        "below.json",
        &text.replace("\"gamma\": 0.96,", "\"gamma\": 0.95999999999999999999,"),
    );
    write(&dir, "at.json", &text);
    let stable = |file: &str, extra: &[&str]| {
        let mut args = vec!["analyze", "--certified", "--format", "json", file];
        args.extend_from_slice(extra);
        let o = run_in(&dir, &args);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v[0]["certified_stable"].as_bool().unwrap()
    };
    assert!(stable("at.json", &[]), "γ = γ* is stable");
    assert!(!stable("above.json", &[]), "the γ written is above γ*: no");
    assert!(stable("below.json", &[]));
    // --gamma as typed, too.
    assert!(!stable("at.json", &["--gamma", "0.96000000000000000001"]));
    assert!(stable("at.json", &["--gamma", "0.96"]));
    // enumerate --exact reads them as written too: at γ* the second moment is exactly 1, just
    // above it exactly 1 + 1/24·10⁻¹⁸ (for d = 1, E[(1 − γH_B)²] is the Theorem 3.3 value).
    let second_moment = |file: &str| {
        let o = run_in(&dir, &["enumerate", "--exact", "--format", "json", file]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v[0]["quantities"][2]["name"], "E[(I − γH_B)²]");
        v[0]["quantities"][2]["closed_form_exact"][0][0].clone()
    };
    assert_eq!(second_moment("at.json"), "1");
    assert_eq!(
        second_moment("above.json"),
        "2400000000000000000096000000000000000001/2400000000000000000000000000000000000000"
    );
    // Every other output is the f64 one: the same for all three files.
    // (Apart from the wall time of each run.)
    let plain = |file: &str| {
        let o = run_in(&dir, &["analyze", "--format", "json", file]).stdout;
        let mut v: serde_json::Value = serde_json::from_slice(&o).unwrap();
        v[0].as_object_mut().unwrap().remove("wall_time_seconds");
        v
    };
    assert_eq!(plain("above.json"), plain("at.json"));
}

#[test]
fn certified_with_huge_exponents_answers_promptly() {
    let dir = scratch("certified-huge");
    write(
        &dir,
        "huge.json",
        r#"{"hessians": [[[5e-324, 0, 0], [0, 1e-310, 0], [0, 0, 1]], [[1, 0, 0], [0, 2, 0], [0, 0, 1e-310]]], "gamma": 0.1, "batch_size": 1}"#,
    );
    write(
        &dir,
        "far.json",
        r#"{"hessians": [[[1e-99999]]], "gamma": 0.5, "batch_size": 1}"#,
    );
    let start = std::time::Instant::now();
    let o = run_in(&dir, &["analyze", "--certified", "huge.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("stable at γ = 1/10: yes"),
        "the verdict is still decided: {out}"
    );
    assert!(
        out.contains("not given") && out.contains("more than the limit"),
        "{out}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let o = run_in(&dir, &["analyze", "--certified", "far.json"]);
    refused(&o, &["far.json", "hessians[0][0][0]", "exponent beyond"]);
}

#[test]
fn duplicate_keys_are_refused() {
    let dir = scratch("dup");
    for (name, body, key) in [
        (
            "top.json",
            r#"{"gamma": 0.1, "hessians": [[[1]]], "batch_size": 1, "gamma": 5}"#,
            "\"gamma\"",
        ),
        (
            "nested.json",
            r#"{"hessians": [[[1]]], "batch_size": 1, "gamma": 5, "note": {"a": 1, "a": 2}}"#,
            "\"a\"",
        ),
    ] {
        write(&dir, name, body);
        let o = run_in(&dir, &["analyze", name]);
        refused(&o, &[name, "duplicate key", key, "line 1"]);
    }
}
