//! Every shipped fixture: a snapshot of its text report, and its numbers against the independent
//! reference values in `fixtures/expected_values.json` (sympy, exact arithmetic).

use crate::common::{analyze_file, assert_close, assert_critical_close, fixture_files, root};
use serde_json::Value;
use sgd_stability::criteria::{CriticalGamma, Verdict};
use sgd_stability::{report, Analysis};

#[test]
fn text_report_snapshots() {
    insta::glob!("../../fixtures", "*.json", |path| {
        if path
            .file_name()
            .is_some_and(|n| n == "expected_values.json")
        {
            return;
        }
        let a = analyze_file(path);
        insta::assert_snapshot!(report::text(std::slice::from_ref(&a)));
    });
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(root().join("fixtures/expected_values.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_object().unwrap().clone()
}

/// A reference critical γ: `null` is unbounded, `0` is none accepted.
fn want_critical(v: &Value) -> CriticalGamma {
    match v.as_f64() {
        None => CriticalGamma::Unbounded,
        Some(0.0) => CriticalGamma::NoneAccepted,
        Some(x) => CriticalGamma::Finite(x),
    }
}

#[test]
fn every_fixture_has_reference_values() {
    let exp = expected();
    for f in fixture_files() {
        let key = f.file_name().unwrap().to_str().unwrap();
        assert!(
            exp.contains_key(key),
            "no reference values for {key}: rerun fixtures/derive_expected.py"
        );
    }
}

#[test]
fn numbers_match_the_exact_reference() {
    let exp = expected();
    for f in fixture_files() {
        let key = f.file_name().unwrap().to_str().unwrap().to_owned();
        let e = &exp[&key];
        let a = analyze_file(&f);
        let num = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("{key}: {k}"));
        assert_eq!(a.summary.n as u64, e["n"].as_u64().unwrap(), "{key}: n");
        assert_eq!(a.summary.d as u64, e["d"].as_u64().unwrap(), "{key}: d");
        assert_eq!(
            a.summary.batch_size as u64,
            e["batch_size"].as_u64().unwrap(),
            "{key}: B"
        );
        assert_eq!(
            a.summary.sampling.as_str(),
            e["sampling"].as_str().unwrap(),
            "{key}: sampling"
        );
        // Scale for absolute floors: the size of H (entries are O(1) in every fixture).
        let scale = a.summary.sharpness.abs().max(1.0);
        assert_close(
            &format!("{key}: c"),
            a.summary.c,
            num("c_factor"),
            1e-15,
            1e-15,
        );
        assert_close(
            &format!("{key}: sharpness"),
            a.summary.sharpness,
            num("sharpness"),
            1e-12,
            scale,
        );
        assert_close(
            &format!("{key}: tr(H)"),
            a.summary.trace_h,
            num("trace_h"),
            1e-12,
            scale,
        );
        assert_close(
            &format!("{key}: λ_max(Σ)"),
            a.summary.sigma_norm,
            num("sigma_norm"),
            1e-12,
            scale * scale,
        );
        assert_close(
            &format!("{key}: Thm 3.3 λ_max"),
            a.thm33.value,
            num("thm33_lambda_max"),
            1e-12,
            1.0,
        );
        assert_critical_close(
            &format!("{key}: γ*_GD"),
            a.gd.critical_gamma,
            want_critical(&e["critical_gamma_gd"]),
            1e-10,
        );
        assert_critical_close(
            &format!("{key}: γ*_3.3"),
            a.thm33.critical_gamma,
            want_critical(&e["critical_gamma_thm33"]),
            1e-10,
        );
        assert_critical_close(
            &format!("{key}: γ*_3.5"),
            a.thm35.check.critical_gamma,
            want_critical(&e["critical_gamma_thm35"]),
            1e-10,
        );
        assert_eq!(
            a.thm35.hypotheses.hold(),
            e["thm35_applicable"].as_bool().unwrap(),
            "{key}: Theorem 3.5 applicability"
        );
        assert_exact_mean_square_matches(&key, &a, e);
    }
}

/// The words of `fixtures/expected_values.json` for a verdict.
fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "stable",
        Verdict::Fails => "unstable",
        Verdict::Boundary => "boundary",
    }
}

/// The exact mean-square criterion of `a` against the reference `e`: `γ*_exact` within 1e-12
/// relative (`critical_gamma_exact`: sympy's exact pencil, checked by a 60-digit bisection on
/// `ρ(L_γ)`), the exact verdict at the fixture's `γ` (`verdict_exact`, decided exactly on
/// `2C − γD`), and `ρ(L_γ)` within 1e-12 (`ms_spectral_radius`).
#[track_caller]
fn assert_exact_mean_square_matches(key: &str, a: &Analysis, e: &Value) {
    let ms = &a.mean_square.check;
    assert_critical_close(
        &format!("{key}: γ*_exact"),
        ms.critical_gamma,
        want_critical(&e["critical_gamma_exact"]),
        1e-12,
    );
    assert_eq!(
        verdict_word(ms.verdict),
        e["verdict_exact"].as_str().unwrap(),
        "{key}: exact mean-square verdict"
    );
    assert_close(
        &format!("{key}: ρ(L_γ)"),
        ms.value,
        e["ms_spectral_radius"].as_f64().unwrap(),
        1e-12,
        1.0,
    );
}

/// The comparison says no: a reference `γ*_exact` off by 1e-10 relative, a flipped verdict, or
/// a `ρ(L_γ)` off by 1e-10 each make it fail.
#[test]
fn the_exact_mean_square_comparison_says_no_to_a_wrong_reference() {
    let key = "overparam_gradients_n3_d5_unstable.json";
    let a = analyze_file(&root().join("fixtures").join(key));
    let e = expected()[key].clone();
    assert_exact_mean_square_matches(key, &a, &e);
    let bump = |k: &str| {
        let x = e[k].as_f64().unwrap();
        Value::from(x * (1.0 + 1e-10))
    };
    let wrong: [(&str, Value); 3] = [
        ("critical_gamma_exact", bump("critical_gamma_exact")),
        ("verdict_exact", Value::from("stable")),
        ("ms_spectral_radius", bump("ms_spectral_radius")),
    ];
    for (k, v) in wrong {
        let mut bad = e.clone();
        bad[k] = v;
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_exact_mean_square_matches(key, &a, &bad);
        }));
        assert!(caught.is_err(), "a wrong {k} was accepted");
    }
}

#[test]
fn verdicts_match_the_exact_reference() {
    let exp = expected();
    let word = verdict_word;
    for f in fixture_files() {
        let key = f.file_name().unwrap().to_str().unwrap().to_owned();
        let e = &exp[&key];
        let a = analyze_file(&f);
        assert_eq!(
            word(a.thm33.verdict),
            e["verdict_thm33"].as_str().unwrap(),
            "{key}: Thm 3.3"
        );
        assert_eq!(
            word(a.gd.verdict),
            e["verdict_gd"].as_str().unwrap(),
            "{key}: GD"
        );
        let want35 = e["verdict_thm35"].as_str().unwrap();
        if want35 != "not_applicable" {
            assert_eq!(word(a.thm35.check.verdict), want35, "{key}: Thm 3.5");
        }
    }
}

#[test]
fn overparameterized_minimum_is_stable_not_boundary() {
    // λ_max{(I − γH)² + γ²cΣ} = 1 exactly (the null direction e3), yet γ = 0.5 < γ* = 3/4.
    let a = analyze_file(&root().join("fixtures/overparam_null_direction_d3.json"));
    assert_eq!(a.summary.null_dim, 1);
    assert_close("λ_max", a.thm33.value, 1.0, 1e-14, 1.0);
    assert_eq!(a.thm33.verdict, Verdict::Holds);
}

#[test]
fn json_report_has_the_documented_keys() {
    let a = analyze_file(&root().join("fixtures/d1_sgd_stable.json"));
    let v: Value = serde_json::from_str(&report::json(&[a])).unwrap();
    let obj = v[0].as_object().unwrap();
    for k in [
        "name",
        "n",
        "d",
        "batch_size",
        "gamma",
        "sampling",
        "c_factor",
        "sharpness",
        "trace_h",
        "sigma_norm",
        "thm33_lambda_max",
        "thm33_stable",
        "gd_stable",
        "thm35_trace_ok",
        "critical_gamma_gd",
        "critical_gamma_thm33",
        "critical_gamma_thm35",
    ] {
        assert!(obj.contains_key(k), "missing key {k}");
    }
    assert_eq!(obj["thm33_stable"], Value::Bool(true));
}

#[test]
fn json_marks_boundary_and_infinite_critical_gamma() {
    let a = analyze_file(&root().join("fixtures/d1_thm33_boundary.json"));
    let v = report::json_value(&a);
    assert_eq!(
        v["thm33_stable"],
        Value::Null,
        "boundary is neither true nor false"
    );
    assert_eq!(v["thm33_verdict"], "boundary");
    // H = 0: every γ is accepted, critical γ is infinite → null.
    let rows = vec![vec![vec![0.0, 0.0], vec![0.0, 0.0]]; 3];
    let inst = crate::common::instance(&rows, 0.3, 1, sgd_stability::Sampling::WithoutReplacement);
    let a = sgd_stability::Analysis::of(&inst, &Default::default()).unwrap();
    let v = report::json_value(&a);
    assert_eq!(v["critical_gamma_gd"], Value::Null);
    assert_eq!(v["critical_gamma_thm33"], Value::Null);
    assert_eq!(v["critical_gamma_thm35"], Value::Null);
    assert_eq!(v["gd_stable"], Value::Bool(true));
}

#[test]
fn markdown_report_has_one_section_per_fixture() {
    let all: Vec<_> = fixture_files().iter().map(|f| analyze_file(f)).collect();
    let md = report::markdown(&all);
    for a in &all {
        assert!(
            md.contains(&format!("### {}", a.summary.name)),
            "{}",
            a.summary.name
        );
    }
}

#[test]
fn enumerate_report_snapshots_exact() {
    use sgd_stability::enumerate::{Arithmetic, EnumerationCheck, EnumerationParams};
    insta::glob!("../../fixtures", "*.json", |path| {
        if path
            .file_name()
            .is_some_and(|n| n == "expected_values.json")
        {
            return;
        }
        let inst = sgd_stability::load::load_path(
            path,
            &Default::default(),
            sgd_stability::Tolerances::default().symmetry,
        )
        .unwrap();
        let check = EnumerationCheck::run(
            &inst,
            Arithmetic::Exact,
            &EnumerationParams::default(),
            sgd_stability::Tolerances::default().agreement,
        )
        .unwrap();
        assert!(
            check.agrees(),
            "{}: enumerated ≠ closed form",
            path.display()
        );
        insta::assert_snapshot!(report::enumeration_text(std::slice::from_ref(&check)));
    });
}

#[test]
fn analyze_json_carries_the_enumerated_second_moment() {
    let a = analyze_file(&root().join("fixtures/d2_with_replacement.json"));
    let v = report::json_value(&a);
    let got = &v["second_moment_enumerated"];
    let want = &v["second_moment_closed_form"];
    for i in 0..2 {
        for j in 0..2 {
            assert_close(
                "E[(I − γH_B)²]",
                got[i][j].as_f64().unwrap(),
                want[i][j].as_f64().unwrap(),
                1e-14,
                1.0,
            );
        }
    }
}

#[test]
fn every_fixture_satisfies_the_orderings_of_critical_gammas() {
    for f in fixture_files() {
        let a = analyze_file(&f);
        assert!(a.orderings.len() >= 2);
        for o in &a.orderings {
            assert!(o.holds, "{}: {} violated", f.display(), o.relation);
        }
    }
}

#[test]
fn the_ordering_check_says_no_when_an_ordering_is_broken() {
    let mut a = analyze_file(&root().join("fixtures/d1_sgd_stable.json"));
    let CriticalGamma::Finite(gd) = a.gd.critical_gamma else {
        unreachable!()
    };
    a.mean_square.check.critical_gamma = CriticalGamma::Finite(gd * 1.01);
    let o = sgd_stability::analysis::orderings(&a);
    let broken: Vec<_> = o.iter().filter(|o| !o.holds).map(|o| o.relation).collect();
    assert!(broken.contains(&"γ*_exact ≤ γ*_GD"), "{broken:?}");
    assert!(broken.contains(&"γ*_exact ≤ γ*_3.5"), "{broken:?}");
}

#[test]
fn exact_verdicts_of_the_fixtures_cited_in_fixtures_readme() {
    // Theorem 3.3 rejects, yet the minimum is mean-square stable (Theorem 3.3 is not necessary).
    let a = analyze_file(&root().join("fixtures/d2_thm33_rejects_mean_square_stable.json"));
    assert_eq!(a.thm33.verdict, Verdict::Fails);
    assert_eq!(a.mean_square.check.verdict, Verdict::Holds);
    // γ*_exact = (9 − √17)/4 (sympy, see the fixture's note).
    let CriticalGamma::Finite(g) = a.mean_square.check.critical_gamma else {
        unreachable!()
    };
    assert_close("γ*_exact", g, (9.0 - 17f64.sqrt()) / 4.0, 1e-10, 0.0);
    // The trace check fails without Theorem 3.5's hypotheses, yet the minimum is stable.
    let a = analyze_file(&root().join("fixtures/d2_trace_fails_rank_two_stable.json"));
    assert_eq!(a.thm35.check.verdict, Verdict::Fails);
    assert!(!a.thm35.hypotheses.hold());
    assert_eq!(a.mean_square.check.verdict, Verdict::Holds);
    // d = 1 unstable fixture: the exact verdict agrees with Theorem 3.3 (exact in d = 1).
    let a = analyze_file(&root().join("fixtures/d1_sgd_unstable.json"));
    assert_eq!(a.mean_square.check.verdict, Verdict::Fails);
    assert_close(
        "γ*_exact = γ*_3.3 in d = 1",
        a.mean_square.check.critical_gamma.as_f64(),
        a.thm33.critical_gamma.as_f64(),
        1e-12,
        0.0,
    );
}
