//! The derivation checker: a snapshot of the `verify` report for every proof file, every step
//! meeting its expectation, the lecture read as printed with its errata flagged, mutated steps
//! that must fail (one per kind of check), parse errors that point to file, line and column, and
//! the exit codes of `sgd-stability verify`. Regressions of the checker's soundness are in
//! `proof_regressions.rs`, properties and mutations of the shipped proofs in
//! `proof_properties.rs`.

use crate::common::root;
use sgd_stability::proof::{
    check_file, load, parse_file, verify, Class, Expect, ItemReport, Method, Verdict, VerifyParams,
};
use std::path::{Path, PathBuf};

fn params() -> VerifyParams {
    VerifyParams::default()
}

/// Check a one-file proof written inline; returns the verdicts of its steps.
fn verdicts(text: &str) -> Vec<(String, Verdict, bool)> {
    let f = parse_file(text).unwrap_or_else(|e| panic!("parse error {e} in\n{text}"));
    let r = check_file("inline.lecture", &f, &params());
    r.steps()
        .map(|s| {
            (
                s.label.clone(),
                s.verdict.clone(),
                s.counterexample.is_some(),
            )
        })
        .collect()
}

#[test]
fn verify_report_snapshots() {
    insta::glob!("../../proofs", "*.lecture", |path| {
        let parsed = load(path).expect("every shipped proof parses");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = check_file(&format!("proofs/{name}"), &parsed, &params());
        insta::assert_snapshot!(sgd_stability::report::verify_text(&[report]));
    });
}

#[test]
fn every_shipped_step_meets_its_expectation() {
    let (reports, ok) = verify(&[], &params()).expect("proofs/ verifies");
    let bad: Vec<String> = reports
        .iter()
        .flat_map(|f| {
            f.steps()
                .filter(|s| !s.met)
                .map(move |s| format!("{}:{} {}: {}", f.path, s.line, s.label, s.verdict))
        })
        .collect();
    assert!(ok && bad.is_empty(), "steps not as expected: {bad:#?}");
    // Every file of the lecture's blocks is there.
    let names: Vec<String> = reports
        .iter()
        .map(|r| {
            Path::new(&r.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for want in [
        "section2.lecture",
        "thm33.lecture",
        "cor34.lecture",
        "eq27.lecture",
        "thm35.lecture",
        "sec4.lecture",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}: {names:?}");
    }
    // Expected failures carry an exactly confirmed counterexample; corrections are expected to
    // hold; nothing is inconclusive.
    for f in &reports {
        for s in f.steps() {
            if s.expect == Expect::Fails {
                let cx = s
                    .counterexample
                    .as_ref()
                    .unwrap_or_else(|| panic!("{} {} has no counterexample", f.path, s.label));
                assert!(
                    cx.arithmetic == "exact" || cx.arithmetic == "intervals",
                    "{} {}: {}",
                    f.path,
                    s.label,
                    cx.arithmetic
                );
            }
            if s.correction_of.is_some() {
                assert_eq!(s.expect, Expect::Holds, "{} {}", f.path, s.label);
            }
            assert_ne!(
                s.verdict.class(),
                Class::Inconclusive,
                "{} {}",
                f.path,
                s.label
            );
        }
    }
    // Notes are reported too.
    assert!(reports
        .iter()
        .any(|f| f.items.iter().any(|i| matches!(i, ItemReport::Note { .. }))));
}

/// The lecture's eqs. (16) and (17) as printed fail and their corrections are proved — the
/// findings of `enumerate.rs`'s `lecture_eqs_16_17_as_printed_against_enumeration`, by the
/// checker: symbolically for all N, B, d, with a symbolic difference and a concrete
/// counterexample for the errata.
#[test]
fn eqs_16_17_as_in_the_enumeration_tests() {
    let f = parse_file(
        "proof \"t\"\n\
         step (16): E_B[(sum_{i in B} H_i)^2] = B/N*sum_i H_i^2 + 2*B*(B-1)/(N*(N-1))*sum_{i!=j} H_i*H_j\n\
         step (16'): E_B[(sum_{i in B} H_i)^2] = B/N*sum_i H_i^2 + B*(B-1)/(N*(N-1))*sum_{i!=j} H_i*H_j\n\
         step (17): E_B[(sum_{i in B} H_i)^2] = B*(N-B)/(N*(N-1))*sum_i H_i^2 + B*(B-1)/(N*(N-1))*H^2\n\
         step (17'): E_B[(sum_{i in B} H_i)^2] = B*(N-B)/(N*(N-1))*sum_i H_i^2 + N*B*(B-1)/(N-1)*H^2\n",
    )
    .unwrap();
    let r = check_file("t.lecture", &f, &params());
    let s: Vec<_> = r.steps().collect();
    for k in [0, 2] {
        assert_eq!(s[k].verdict.class(), Class::Refuted, "{:?}", s[k]);
        assert!(
            s[k].counterexample.is_some() && s[k].difference.is_some(),
            "{:?}",
            s[k]
        );
    }
    for k in [1, 3] {
        assert_eq!(
            s[k].verdict,
            Verdict::Proved {
                method: Method::NormalForm
            },
            "{:?}",
            s[k]
        );
    }
}

/// Each kind of check says no to a mutated step: (original, mutant, kind).
const MUTANTS: &[(&str, &str, &str)] = &[
    (
        // swap a coefficient (exact evaluation with batch enumeration)
        "E_B[(sum_{i in B} H_i)^2] = B*(N-B)/(N*(N-1))*sum_i H_i^2 + N*B*(B-1)/(N-1)*H^2",
        "E_B[(sum_{i in B} H_i)^2] = N*B*(B-1)/(N-1)*sum_i H_i^2 + B*(N-B)/(N*(N-1))*H^2",
        "swap a coefficient",
    ),
    (
        // swap a coefficient (symbolic fragment)
        "I - 2*gamma*H + gamma^2/B^2*(B*(N-B)/(N*(N-1))*sum_i H_i^2 + N*B*(B-1)/(N-1)*H^2) = (I - gamma*H)^2 + gamma^2*(N-B)/(B*(N-1))*Sigma",
        "I - 2*gamma*H + gamma^2/B^2*(B*(N-B)/(N*(N-1))*sum_i H_i^2 + N*B*(B-1)/(N-1)*H^2) = (I - gamma*H)^2 + gamma^2*(N-B)/(N*(B-1))*Sigma",
        "swap a coefficient (symbolic)",
    ),
    (
        "(x*g_i')' = g_i*x'",
        "x*g_i' = g_i*x'",
        "drop a transpose",
    ),
    (
        "(A*Q)' = Q*A",
        "A*Q = Q*A",
        "drop a transpose / commute two matrices",
    ),
    (
        "E_i[(I - gamma*H_i)*Q*(I - gamma*H_i)] = Q - gamma*(Q*H + H*Q) + gamma^2*E_i[H_i*Q*H_i]",
        "E_i[(I - gamma*H_i)*Q*(I - gamma*H_i)] = Q - gamma*(Q*H + H*Q) + gamma^2*E_i[H_i*H_i*Q]",
        "commute two matrices",
    ),
    (
        "rho(E_B[kron(I - gamma*H_B, I - gamma*H_B)]) <= lambda_max((I - gamma*H)^2 + gamma^2*c*Sigma)",
        "rho(E_B[kron(I - gamma*H_B, I - gamma*H_B)]) >= lambda_max((I - gamma*H)^2 + gamma^2*c*Sigma)",
        "flip ≤ (search)",
    ),
    (
        "(I - gamma*H)^2 + gamma^2*c*Sigma >=_L 0",
        "(I - gamma*H)^2 + gamma^2*c*Sigma <=_L 0",
        "flip ⪰ (Loewner)",
    ),
    (
        "lambda_max((I - gamma*H)^2 + gamma^2*c*Sigma) <= 1 implies rho(E_B[kron(I - gamma*H_B, I - gamma*H_B)]) <= 1",
        "lambda_max((I - gamma*H)^2 + gamma^2*c*Sigma) <= 1 implies rho(E_B[kron(I - gamma*H_B, I - gamma*H_B)]) <= 1/2",
        "change a constant in an implication",
    ),
];

#[test]
fn mutated_steps_fail() {
    for (orig, mutant, kind) in MUTANTS {
        let text = format!("proof \"m\"\nstep (orig): {orig}\nstep (mutant): {mutant}\n");
        let v = verdicts(&text);
        assert!(
            Verdict::meets(&v[0].1, Expect::Holds),
            "{kind}: the original must hold, got {:?}",
            v[0].1
        );
        assert!(
            matches!(v[1].1, Verdict::Fails | Verdict::HoldsOnlyAs { .. }) && v[1].2,
            "{kind}: the mutant must fail with a counterexample, got {:?}",
            v[1].1
        );
    }
}

#[test]
fn flipped_inequality_in_theorem_35_fails() {
    let v = verdicts(
        "proof \"m\"\nassume rank_one H_i\nassume B = 1\n\
         step (40''): E_i[tr(A*H_i*A*H_i)] >= tr(H*A)^2\n\
         step flipped: E_i[tr(A*H_i*A*H_i)] <= tr(H*A)^2\n",
    );
    assert!(
        matches!(v[0].1, Verdict::NoCounterexample { .. }),
        "{:?}",
        v[0]
    );
    assert_eq!(v[1].1, Verdict::Fails);
}

#[test]
fn symbolic_verdicts_cover_traces_and_scalars() {
    let v = verdicts(
        "proof \"s\"\n\
         step a: (I - gamma*H)^2 = I - 2*gamma*H + gamma^2*H^2\n\
         step b: Sigma = 1/N*sum_i (H_i - H)^2\n\
         step c: sum_{i!=j} H_i*H_j = N^2*H^2 - sum_i H_i^2\n\
         step d: tr(A*H) = tr(H*A)\n\
         step e: tr(A*H)*x'*A*x = x'*A*x*tr(H*A)\n",
    );
    for (label, verdict, _) in &v {
        assert_eq!(
            *verdict,
            Verdict::Proved {
                method: Method::NormalForm
            },
            "{label}"
        );
    }
}

#[test]
fn an_equality_that_holds_only_as_an_inequality_says_so() {
    // Jensen: E_i[H_i²] ⪰ H², equality only when all H_i are equal.
    let v = verdicts("proof \"j\"\nstep j: E_i[H_i^2] = H^2\n");
    assert_eq!(
        v[0].1,
        Verdict::HoldsOnlyAs {
            relation: "⪰".into()
        }
    );
}

/// The text report ends with the summary by class and the errata with their corrections.
#[test]
fn the_summary_separates_the_classes_and_lists_the_errata() {
    let f = parse_file(
        "proof \"t\"\n\
         step (1): (I - gamma*H)^2 = I - 2*gamma*H + gamma^2*H^2\n\
         step (2): H^2 = H  expect fails\n\
         step (2') correction of (2): H*H = H^2\n\
         step (3): x'*H*x >= 0\n\
         step (4): lambda_max(H) <= norm2(H)\n",
    )
    .unwrap();
    let r = check_file("t.lecture", &f, &params());
    let text = sgd_stability::report::verify_text(std::slice::from_ref(&r));
    assert!(
        text.contains(
            "Summary: 5 steps: proved 4, tested 0, searched 1, refuted 1, inconclusive 0"
        ) || text.contains(
            "Summary: 5 steps: proved 3, tested 0, searched 1, refuted 1, inconclusive 0"
        ),
        "{text}"
    );
    assert!(
        text.contains("corrected by: (2') proved (normal form)"),
        "{text}"
    );
    assert!(text.contains("t (2): fails"), "{text}");
    let md = sgd_stability::report::verify_markdown(std::slice::from_ref(&r));
    assert!(
        md.contains("| proved |") && md.contains("| erratum | as printed | correction |"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&sgd_stability::report::verify_json(&[r])).unwrap();
    assert_eq!(json["classes"]["refuted"], 1);
    assert_eq!(json["errata"][0]["label"], "(2)");
}

// ---------------------------------------------------------------------------------------------
// Parse errors point to file, line and column.

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sgd-stability-proof-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// (file name, contents, line, column, words in the message)
const PARSE_ERRORS: &[(&str, &str, usize, usize, &str)] = &[
    (
        "unknown_symbol.lecture",
        "proof \"x\"\n# comment\nstep (10): E_B[x - gamma*H_B*x] = (I - eta*H)*x\n",
        3,
        40,
        "unknown symbol `eta`",
    ),
    (
        "unbalanced_paren.lecture",
        "proof \"x\"\nstep (1): (I - gamma*H = I\n",
        2,
        11,
        "unbalanced `(`",
    ),
    (
        "unbalanced_bracket.lecture",
        "proof \"x\"\nstep (1): E_B[(I - gamma*H_B)^2 = I\n",
        2,
        14,
        "unbalanced `[`",
    ),
    (
        "closing_bracket.lecture",
        "proof \"x\"\nstep (1): I - gamma*H) = I\n",
        2,
        22,
        "unbalanced bracket",
    ),
    (
        "dimension_mismatch.lecture",
        "proof \"x\"\n\nstep (13): 1 - 2*gamma*H = I\n",
        3,
        14,
        "dimension mismatch",
    ),
    (
        "product_mismatch.lecture",
        "proof \"x\"\nstep (p): x*A = A\n",
        2,
        12,
        "cannot multiply a vector (d×1) by a d×d matrix",
    ),
    (
        "relation_mismatch.lecture",
        "proof \"x\"\nstep (r): H <= 1\n",
        2,
        13,
        "`≤` compares scalars",
    ),
    (
        "batch_outside.lecture",
        "proof \"x\"\nstep (b): H_B = H\n",
        2,
        11,
        "only defined inside E_B",
    ),
    (
        "unknown_assumption.lecture",
        "proof \"x\"\nassume convex\n",
        2,
        8,
        "unknown assumption `convex`",
    ),
    (
        "reshuffling_assumption.lecture",
        "proof \"x\"\nassume sampling random_reshuffling\n",
        2,
        8,
        "assume sampling random_reshuffling is not supported",
    ),
];

#[test]
fn parse_errors_point_to_file_line_and_column() {
    for (name, text, line, col, words) in PARSE_ERRORS {
        let p = temp_file(name, text);
        let e = load(&p).expect_err(name).to_string();
        let want = format!("{}:{line}:{col}:", p.display());
        assert!(
            e.starts_with(&want),
            "{name}: got `{e}`, want prefix `{want}`"
        );
        assert!(e.contains(words), "{name}: `{e}` lacks `{words}`");
    }
}

#[test]
fn ill_typed_steps_are_verdicts_when_expected() {
    let v = verdicts("proof \"t\"\nstep (13): 1 - 2*gamma*H = I  expect ill_typed\n");
    assert!(
        matches!(&v[0].1, Verdict::IllTyped { message } if message.contains("dimension mismatch"))
    );
    // An unknown symbol stays a parse error even when a step expects ill_typed.
    assert!(parse_file("proof \"t\"\nstep (1): eta = 1  expect ill_typed\n").is_err());
}

// ---------------------------------------------------------------------------------------------
// The command line.

fn run(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["sgd-stability", "verify"];
    argv.extend_from_slice(args);
    let code = sgd_stability::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn verify_exit_codes() {
    let good = temp_file(
        "good.lecture",
        "proof \"g\"\nstep (1): (I - gamma*H)^2 = I - 2*gamma*H + gamma^2*H^2\nstep (2): H^2 = H  expect fails\n",
    );
    let (code, out, _) = run(&[good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("proved (normal form)") && out.contains("counterexample"),
        "{out}"
    );

    let unexpected_failure = temp_file("bad.lecture", "proof \"b\"\nstep (1): H^2 = H\n");
    let (code, out, _) = run(&[unexpected_failure.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNEXPECTED FAILURE"), "{out}");

    let unexpected_hold = temp_file(
        "hold.lecture",
        "proof \"h\"\nstep (1): H*I = H  expect fails\n",
    );
    let (code, out, _) = run(&[unexpected_hold.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNEXPECTED: expected to fail"), "{out}");

    let parse = temp_file("parse.lecture", "proof \"p\"\nstep (1): H = eta\n");
    let (code, out, err) = run(&[parse.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&format!("{}:2:15:", parse.display())), "{err}");

    for format in ["markdown", "json"] {
        let (code, out, _) = run(&[good.to_str().unwrap(), "--format", format]);
        assert_eq!(code, 0);
        assert!(
            out.contains("proved (normal form)") || out.contains("\"proved\""),
            "{out}"
        );
    }
    let (_, json, _) = run(&[good.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["steps"], 2);
    assert_eq!(v["as_expected"], 2);
}

#[test]
fn verify_defaults_to_the_shipped_proofs() {
    // The default directory resolves to the crate's proofs/ from any working directory.
    let dir = sgd_stability::proof::default_proofs_dir();
    assert!(dir.join("thm33.lecture").is_file() || root().join("proofs/thm33.lecture").is_file());
}
