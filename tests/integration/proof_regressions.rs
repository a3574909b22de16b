//! Regressions of the derivation checker's soundness and resource bounds (issue #12): each of
//! these claims was once reported as holding, or crashed, hung or allocated without bound.

use sgd_stability::proof::{
    check_file, limits, parse_file, Class, Method, StepReport, Verdict, VerifyParams,
};

fn params() -> VerifyParams {
    VerifyParams::default()
}

/// The reports of a one-file proof written inline (each line a step, with `assume` lines
/// allowed).
fn check(lines: &[&str]) -> Vec<StepReport> {
    let text = format!("proof \"regression\"\n{}\n", lines.join("\n"));
    let f = parse_file(&text).unwrap_or_else(|e| panic!("parse error {e} in\n{text}"));
    check_file("regression.lecture", &f, &params())
        .steps()
        .cloned()
        .collect()
}

fn one(line: &str) -> StepReport {
    check(&[line]).pop().expect("one step")
}

/// A refutation: `fails` (or `holds only as`), with a counterexample decided exactly.
#[track_caller]
fn assert_refuted(r: &StepReport) {
    assert_eq!(r.verdict.class(), Class::Refuted, "{r:#?}");
    let cx = r.counterexample.as_ref().expect("a counterexample");
    assert!(
        cx.arithmetic == "exact" || cx.arithmetic == "intervals",
        "{r:#?}"
    );
}

/// The error of a file that must be refused.
fn refused(text: &str) -> String {
    parse_file(text).expect_err("must be refused").to_string()
}

// ---------------------------------------------------------------------------------------------
// Soundness.

/// Degrees wrapped around in the old degree bound, so that a false identity in N was "proved".
/// The exponents of the original reproducer are now refused; the same trick within the limits
/// is refuted at an N where the difference is non-zero.
#[test]
fn wrapped_degree_in_n_is_refused_or_refuted() {
    let e = refused("proof \"x\"\nstep x: (N-2)*(N-3)*(N-4)*(N-5)*((N/N)^65535)^65537*A*H = (N-2)*(N-3)*(N-4)*(N-5)*((N/N)^65535)^65537*H*A\n");
    assert!(e.starts_with("2:") && e.contains("limit"), "{e}");
    let r = one(
        "step x: (N-2)*(N-3)*(N-4)*(N-5)*((N/N)^4)^4*A*H = (N-2)*(N-3)*(N-4)*(N-5)*((N/N)^4)^4*H*A",
    );
    assert_refuted(&r);
    assert!(r.difference.is_some(), "{r:#?}");
}

#[test]
fn wrapped_degree_in_d_and_c_is_refused_or_refuted() {
    let e = refused("proof \"x\"\nstep x: ((d/d)^65535)^65537*A*H = ((d/d)^65535)^65537*H*A\n");
    assert!(e.contains("limit"), "{e}");
    let e = refused("proof \"x\"\nstep x: ((c/c)^65535)^65537*A*H = ((c/c)^65535)^65537*H*A\n");
    assert!(e.contains("limit"), "{e}");
    // (d − 1)(d − 2)(d − 3)(AH − HA) vanishes for d ≤ 3 only: the counterexample has d = 4.
    let r = one("step x: (d-1)*(d-2)*(d-3)*(A*H - H*A) = 0*A");
    assert_refuted(&r);
    assert!(
        r.counterexample
            .as_ref()
            .unwrap()
            .setting
            .starts_with("d = 4"),
        "{r:#?}"
    );
    // A false identity in c.
    let r = one("step x: (c*B*(N-1) - N + B + 1)*(A*H - H*A) = 0*A");
    assert_refuted(&r);
    let r = one("step x: (c*B*(N-1) - N + B)*(A*H - H*A) = 0*A");
    assert!(matches!(r.verdict, Verdict::Proved { .. }), "{r:#?}");
}

/// An inner `sum_{j != i}` rebound `i`: now a parse error; the pair sum is the way to write it,
/// and is decided correctly either way round.
/// `sum_{j!=i}` inside `sum_i` used to re-bind `i` silently, "proving" a false claim and
/// refuting a true one. An index that is bound cannot be bound again; `sum_{j!=i}` over an
/// outer `i` binds only `j` and means the sum over `j ≠ i`.
#[test]
fn an_inner_sum_cannot_rebind_an_index() {
    let r = check(&[
        "step true: sum_i H_i*sum_{j!=i} H_j = N^2*H^2 - sum_i H_i^2",
        "step false: sum_i H_i*sum_{j!=i} H_j = (N-1)*N^2*H^2",
        "step batch: E_B[sum_{i in B} H_i*sum_{j!=i in B} H_j] = E_B[(sum_{i in B} H_i)^2 - sum_{i in B} H_i^2]",
        "step batch false: E_B[sum_{i in B} H_i*sum_{j!=i in B} H_j] = E_B[(sum_{i in B} H_i)^2]",
    ]);
    for k in [0, 2] {
        assert!(
            matches!(r[k].verdict, Verdict::Proved { .. }),
            "{:#?}",
            r[k]
        );
    }
    assert_refuted(&r[1]);
    assert_refuted(&r[3]);
    for claim in [
        "sum_i H_i*sum_{i,j} H_j = N^2*H^2",
        "sum_i H_i*sum_{i<j} H_j = N^2*H^2",
    ] {
        let e = refused(&format!("proof \"x\"\nstep x: {claim}\n"));
        assert!(e.starts_with("2:19:") && e.contains("already bound"), "{e}");
    }
    let r = check(&[
        "step true: sum_{i!=j} H_i*H_j = N^2*H^2 - sum_i H_i^2",
        "step false: sum_{i!=j} H_i*H_j = (N-1)*N^2*H^2",
    ]);
    assert!(
        matches!(r[0].verdict, Verdict::Proved { .. }),
        "{:#?}",
        r[0]
    );
    assert_refuted(&r[1]);
}

/// A grid that showed the normal forms differ used to end in "holds (tested)"; a difference is
/// now turned into a concrete instance at an N, B, d where it is non-zero.
#[test]
fn a_difference_of_normal_forms_is_a_refutation_with_an_instance() {
    let r = one("step x: (N-2)*(N-3)*(N-4)*H = 0*H");
    assert_refuted(&r);
    assert!(r.difference.as_ref().unwrap().contains("N"), "{r:#?}");
    let setting = &r.counterexample.as_ref().unwrap().setting;
    assert!(
        !["N = 2,", "N = 3,", "N = 4,"]
            .iter()
            .any(|n| setting.contains(n)),
        "{setting}"
    );
}

/// The 3×3 Cayley–Hamilton identity holds for d ≤ 3 only.
#[test]
fn cayley_hamilton_of_3x3_matrices_fails_for_d_4() {
    let r = one("step x: H^3 - tr(H)*H^2 + (tr(H)^2 - tr(H^2))/2*H - (tr(H)^3 - 3*tr(H)*tr(H^2) + 2*tr(H^3))/6*I = 0*H");
    assert_refuted(&r);
    assert!(
        r.counterexample
            .as_ref()
            .unwrap()
            .setting
            .starts_with("d = 4"),
        "{r:#?}"
    );
}

/// Floating-point bands accepted √2 = 1.4142135 and −I/10¹⁰ ⪰ 0.
#[test]
fn numeric_comparisons_are_exact() {
    let r = check(&[
        "step s: sqrt(2) = 1.4142135",
        "step l: -I/10000000000 >=_L 0",
        "step t: sqrt(2) <= 1.4142135",
        "step u: sqrt(8) = 2*sqrt(2)",
    ]);
    assert_refuted(&r[0]);
    assert_eq!(
        r[0].counterexample.as_ref().unwrap().arithmetic,
        "intervals"
    );
    assert_refuted(&r[1]);
    assert_eq!(r[1].counterexample.as_ref().unwrap().arithmetic, "exact");
    assert_refuted(&r[2]);
    // An irrational equality is not decidable by intervals: proved symbolically or inconclusive,
    // never "tested".
    assert!(
        matches!(
            r[3].verdict,
            Verdict::Proved { .. } | Verdict::Inconclusive { .. }
        ),
        "{:#?}",
        r[3]
    );
}

/// Instances whose f64 evaluation overflows used to be skipped as "outside the domain",
/// leaving only d = 1, where the claim holds.
#[test]
fn overflow_is_not_a_domain_exclusion() {
    let r = one("step x: tr(((10^20)^2*(A*Q - Q*A))^8) <= 0");
    assert_refuted(&r);
    assert!(!r
        .counterexample
        .as_ref()
        .unwrap()
        .setting
        .starts_with("d = 1"));
    let r = one("step x: (100000*H)^40*A = A*(100000*H)^40");
    assert_refuted(&r);
}

/// The evidence states what was shown, in the checker's own words.
#[test]
fn no_borrowed_theorem_names() {
    let (reports, _) = sgd_stability::proof::verify(&[], &params()).unwrap();
    for f in &reports {
        for s in f.steps() {
            for name in ["Schwartz", "Zippel", "Nullstellensatz"] {
                assert!(!s.evidence.contains(name), "{}: {}", s.label, s.evidence);
            }
        }
    }
}

/// A difference of normal forms that is not a refutation (the normal form does not know
/// `|a|³ = |a³|`) is inconclusive, never "holds".
#[test]
fn a_difference_without_an_instance_is_inconclusive() {
    let r = one("step x: abs(a_i)*abs(a_i)*abs(a_i) = abs(a_i^3)");
    assert!(
        matches!(
            r.verdict,
            Verdict::Inconclusive { .. } | Verdict::Tested { .. }
        ),
        "{r:#?}"
    );
    assert_ne!(r.verdict.class(), Class::Proved);
}

// ---------------------------------------------------------------------------------------------
// Resources: every file is decided or refused, with file:line:col and the limit.

#[test]
fn deep_nesting_and_long_sums_are_refused() {
    // 5,000 nested parentheses: a line too long; 100: nested too deep.
    let deep = format!(
        "proof \"x\"\nstep x: {}H{} = H\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert!(refused(&deep).contains("limit"));
    let deep = format!(
        "proof \"x\"\nstep x: {}H{} = H\n",
        "(".repeat(100),
        ")".repeat(100)
    );
    let e = refused(&deep);
    assert!(e.contains("nesting") && e.contains("limit"), "{e}");
    let long = format!(
        "proof \"x\"\nstep x: {} = 20000*H\n",
        vec!["H"; 20_000].join(" + ")
    );
    let e = refused(&long);
    assert!(e.contains("limit"), "{e}");
    let minus = format!("proof \"x\"\nstep x: {}H = H\n", "-".repeat(500));
    assert!(refused(&minus).contains("nesting"));
}

#[test]
fn huge_exponents_are_refused_before_any_work() {
    let e = refused("proof \"x\"\nstep x: H^100000 = H\n");
    assert!(e.starts_with("2:10:") && e.contains("exponent"), "{e}");
    let e = refused("proof \"x\"\nstep x: ((H^64)^64)^64 = H\n");
    assert!(e.contains("exponent"), "{e}");
}

/// `(I − γH)^14` merged its constant monomials only at the end (words grew as 2^k).
#[test]
fn powers_of_sums_merge_as_they_go() {
    let r = one("step x: (I - gamma*H)^14 = (I - gamma*H)^14");
    assert_eq!(
        r.verdict,
        Verdict::Proved {
            method: Method::NormalForm
        }
    );
    // A few hundred thousand work units (deterministic), not billions.
    assert!(r.work < 2_000_000, "{}", r.work);
}

#[test]
fn empty_files_and_files_without_steps_are_errors() {
    assert!(refused("").contains("empty"));
    assert!(
        refused("# only a comment\n").contains("empty")
            || refused("# only a comment\n").contains("no `step`")
    );
    assert!(refused("proof \"t\"\nnote (1): text\n").contains("no `step`"));
}

#[test]
fn too_many_steps_are_refused() {
    let mut text = String::from("proof \"t\"\n");
    for k in 0..=limits::MAX_STEPS {
        text.push_str(&format!("step ({k}): H = H\n"));
    }
    assert!(refused(&text).contains("limit"));
}

/// Work beyond a step's budget stops the route that needs it; the verdict says so and is not
/// a proof.
#[test]
fn an_expensive_step_stops_at_its_budget() {
    let r = one("step x: (A + Q + H + I)^12 = (A + Q + H + I)^12");
    assert!(r.work <= limits::MAX_STEP_WORK, "{}", r.work);
    assert!(
        !matches!(r.verdict, Verdict::Fails | Verdict::HoldsOnlyAs { .. }),
        "{r:#?}"
    );
    let r = one("step x: E_B[(sum_{i in B} H_i)^8] = E_B[(sum_{i in B} H_i)^8]");
    assert!(r.work <= limits::MAX_STEP_WORK, "{}", r.work);
}
