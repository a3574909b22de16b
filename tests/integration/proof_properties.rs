//! Properties of the derivation checker: random true identities are proved and random
//! perturbations of them refuted (quickcheck), and every mutation of the shipped proofs — a
//! changed coefficient, two factors swapped, a term dropped — is refuted.

use quickcheck::{QuickCheck, TestResult};
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::proof::{
    check_file, check_step, parse_file, sample, verify, Claim, Class, Expect, Expr, ExprKind,
    MulOp, Shape, Sign, Verdict, VerifyParams,
};

fn params() -> VerifyParams {
    VerifyParams::default()
}

/// A random `d×d` expression and an equivalent one, written differently: sums reordered,
/// products distributed, transposes of products reversed, `H` and `Σ` expanded into sums over
/// the samples, scalars moved, traces rotated, batch means of linear expressions.
struct Gen {
    rng: ChaCha8Rng,
    next_index: usize,
}

const INDICES: &[u8] = b"jklmnpqrstuvyz";

impl Gen {
    fn index(&mut self) -> char {
        let c = INDICES[self.next_index % INDICES.len()] as char;
        self.next_index += 1;
        c
    }

    fn scalar(&mut self) -> (String, String) {
        match self.rng.random_range(0..4) {
            0 => {
                let k = self.rng.random_range(1..=5);
                (k.to_string(), k.to_string())
            }
            1 => ("gamma".into(), "gamma".into()),
            2 => ("N".into(), "N".into()),
            _ => ("(N - B)".into(), "(N - B)".into()),
        }
    }

    fn leaf(&mut self) -> (String, String) {
        match self.rng.random_range(0..6) {
            0 => ("A".into(), "A'".into()),
            1 => ("Q".into(), "Q".into()),
            2 => {
                let j = self.index();
                ("H".into(), format!("1/N*sum_{j} H_{j}"))
            }
            3 => {
                let k = self.index();
                ("Sigma".into(), format!("(1/N*sum_{k} H_{k}^2 - H^2)"))
            }
            4 => ("I".into(), "I*I".into()),
            _ => ("E_B[H_B]".into(), "H".into()),
        }
    }

    fn pair(&mut self, depth: u32) -> (String, String) {
        if depth == 0 {
            return self.leaf();
        }
        let (a1, a2) = self.pair(depth - 1);
        let (b1, b2) = self.pair(depth - 1);
        match self.rng.random_range(0..7) {
            0 => (format!("({a1} + {b1})"), format!("({b2} + {a2})")),
            1 => (format!("({a1})*({b1})"), format!("({a2})*({b2})")),
            2 => (format!("(({a1})*({b1}))'"), format!("({b2})'*({a2})'")),
            3 => {
                let (c1, c2) = self.pair(depth - 1);
                (
                    format!("({a1})*(({b1}) + ({c1}))"),
                    format!("(({a2})*({b2}) + ({a2})*({c2}))"),
                )
            }
            4 => {
                let (s1, s2) = self.scalar();
                (format!("{s1}*({a1})"), format!("({a2})*{s2}"))
            }
            5 => (
                format!("tr(({a1})*({b1}))*I"),
                format!("I*tr(({b2})*({a2}))"),
            ),
            _ => (format!("({a1})^2"), format!("({a2})*({a2})")),
        }
    }
}

fn step_report(claim: &str) -> sgd_stability::proof::StepReport {
    let text = format!("proof \"p\"\nstep p: {claim}\n");
    let f = parse_file(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    check_file("p.lecture", &f, &params())
        .steps()
        .next()
        .expect("a step")
        .clone()
}

#[test]
fn random_identities_are_proved_and_perturbations_refuted() {
    fn prop(seed: u64) -> TestResult {
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_index: 0,
        };
        let depth = 1 + (seed % 2) as u32;
        let (lhs, rhs) = g.pair(depth);
        let proved = step_report(&format!("{lhs} = {rhs}"));
        if !matches!(proved.verdict, Verdict::Proved { .. }) {
            return TestResult::error(format!("{lhs} = {rhs}: {:#?}", proved));
        }
        // A perturbation: a term that is not zero for d ≥ 2 (AQ − QA ≠ 0, A Q ≠ 0).
        let extra = ["A*Q", "2*A", "Q*A - A*Q", "H*A"][(seed % 4) as usize];
        let refuted = step_report(&format!("{lhs} = {rhs} + {extra}"));
        if refuted.verdict.class() != Class::Refuted || refuted.counterexample.is_none() {
            return TestResult::error(format!("{lhs} = {rhs} + {extra}: {refuted:#?}"));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(30)
        .quickcheck(prop as fn(u64) -> TestResult);
}

// ---------------------------------------------------------------------------------------------
// Mutations of the shipped proofs.

/// Where a mutation applies: the k-th candidate node (pre-order) of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    /// A number literal `q` becomes `q + 1`.
    Coefficient(usize),
    /// Two adjacent d×d factors of a product change places.
    Swap(usize),
    /// A term of a sum is dropped.
    Drop(usize),
}

/// Apply `m` to `e` (counting candidates in `seen`); whether it applied.
fn mutate(e: &mut Expr, m: Mutation, seen: &mut usize) -> bool {
    match (&mut e.kind, m) {
        (ExprKind::Num(q), Mutation::Coefficient(k)) => {
            if *seen == k {
                *q += num_rational::BigRational::from_integer(1.into());
                return true;
            }
            *seen += 1;
        }
        (ExprKind::Mul(fs), Mutation::Swap(k)) => {
            for i in 0..fs.len().saturating_sub(1) {
                let (a, b) = (&fs[i], &fs[i + 1]);
                let both_square = a.expr.shape == Shape::MATRIX && b.expr.shape == Shape::MATRIX;
                if both_square
                    && a.op == MulOp::Times
                    && b.op == MulOp::Times
                    && a.expr.to_string() != b.expr.to_string()
                {
                    if *seen == k {
                        fs.swap(i, i + 1);
                        return true;
                    }
                    *seen += 1;
                }
            }
        }
        (ExprKind::Add(ts), Mutation::Drop(k)) => {
            for i in 0..ts.len() {
                if *seen == k {
                    ts.remove(i);
                    if ts[0].0 == Sign::Minus {
                        let (_, t) = ts.remove(0);
                        let col = t.col;
                        let shape = t.shape;
                        ts.insert(
                            0,
                            (
                                Sign::Plus,
                                Expr {
                                    kind: ExprKind::Neg(Box::new(t)),
                                    col,
                                    shape,
                                },
                            ),
                        );
                    }
                    if ts.len() == 1 {
                        let (_, only) = ts.remove(0);
                        *e = only;
                    }
                    return true;
                }
                *seen += 1;
            }
        }
        _ => {}
    }
    let kids = e.children_mut();
    for c in kids {
        if mutate(c, m, seen) {
            return true;
        }
    }
    false
}

fn mutate_claim(c: &Claim, m: Mutation) -> Option<Claim> {
    let mut c = c.clone();
    let mut seen = 0;
    let applied = {
        let rels = match &mut c {
            Claim::Rel(r) => vec![r],
            Claim::Implies(p, q) | Claim::Iff(p, q) => vec![p, q],
        };
        rels.into_iter()
            .any(|r| mutate(&mut r.lhs, m, &mut seen) || mutate(&mut r.rhs, m, &mut seen))
    };
    applied.then_some(c)
}

/// Every proved step of the shipped proofs, mutated in each way (at most three places per
/// kind). A mutant that exact evaluation on random instances refutes (an independent route)
/// must be refuted by the checker with a counterexample; a mutant the checker proves must
/// survive that evaluation (it is an equivalent mutant: a swap inside a trace, a coefficient of
/// a term that is zero); every refutation carries an exact counterexample.
#[test]
fn mutations_of_the_shipped_proofs_are_refuted() {
    let (reports, _) = verify(&[], &params()).unwrap();
    let files =
        sgd_stability::proof::proof_files(&sgd_stability::proof::default_proofs_dir()).unwrap();
    let (mut refuted, mut equivalent, mut tried) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (path, report) in files.iter().zip(&reports) {
        let parsed = sgd_stability::proof::load(path).unwrap();
        for (step, r) in parsed.steps().zip(report.steps()) {
            if step.expect != Expect::Holds || !matches!(r.verdict, Verdict::Proved { .. }) {
                continue;
            }
            let Ok(claim) = &step.claim else { continue };
            for k in 0..3 {
                for m in [
                    Mutation::Coefficient(k),
                    Mutation::Swap(k),
                    Mutation::Drop(k),
                ] {
                    let Some(mutant) = mutate_claim(claim, m) else {
                        continue;
                    };
                    let mut s = step.clone();
                    s.source = mutant.to_string();
                    s.claim = Ok(mutant);
                    tried += 1;
                    let out = check_step(&s, &params(), 7 + k as u64);
                    let by_sampling = sample(&s, 11 + k as u64, 12);
                    let class = out.verdict.class();
                    let what = format!(
                        "{} {} {m:?}: `{}` → {}",
                        report.path, step.label, s.source, out.verdict
                    );
                    match (class, by_sampling.is_some()) {
                        (Class::Refuted, _) => {
                            if out.counterexample.is_none() {
                                wrong.push(format!("{what}: no counterexample"));
                            }
                            refuted += 1;
                        }
                        (_, true) => wrong.push(format!("{what}: sampling refutes it")),
                        (Class::Proved, false) => equivalent += 1,
                        (_, false) => {}
                    }
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} mutants");
    assert!(
        wrong.is_empty(),
        "{} of {tried} mutants misjudged:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    println!("mutants: {tried} tried, {refuted} refuted, {equivalent} proved equivalent");
    // Most mutants change the claim's value.
    assert!(
        refuted * 4 > tried * 3,
        "{refuted} refuted, {equivalent} equivalent of {tried}"
    );
}
