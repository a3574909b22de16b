//! The derivation checker: the lecture's proofs as chains of steps in `proofs/*.lecture`, each
//! decided symbolically where possible and always by exact evaluation or a counterexample
//! search on random rational instances.
//!
//! The language is documented in `proofs/README.md`. In short:
//!
//! ```text
//! proof "Theorem 3.3, eqs. (9)–(22)"
//! assume sampling without_replacement
//! step (16): E_B[(sum_{i in B} H_i)^2] = B/N*sum_i H_i^2 + 2*B*(B-1)/(N*(N-1))*sum_{i!=j} H_i*H_j  expect fails
//! step (16') correction of (16): E_B[(sum_{i in B} H_i)^2] = B/N*sum_i H_i^2 + B*(B-1)/(N*(N-1))*sum_{i!=j} H_i*H_j
//! note (3): g(x_k) is Gaussian by the central limit theorem (not checkable)
//! ```
//!
//! - [`parse_file`] reads a file into a [`ProofFile`]; errors carry line and column.
//! - [`check_file`] decides every step ([`check_step`]) into a [`FileReport`].
//!
//! How a step is decided ([`Verdict`], [`Method`]; the full account is `proofs/README.md`):
//! - **equalities**: both sides are reduced to normal forms — fractions of polynomials in
//!   non-commuting matrix letters with coefficients rational in `N`, `B`, `γ`, `d`, batch
//!   expectations `E_B[…]` replaced by their exact inclusion moments for both i.i.d. samplings.
//!   A zero difference is `proved (normal form)` for every `N`, `B`, `γ`, `d` where the claim is
//!   defined (the finitely many `N` where the checker's own denominators vanish are checked
//!   case by case). A non-zero difference is not yet a refutation: the claim is evaluated
//!   exactly on instances where the difference is non-zero, and a failing instance makes the
//!   step `fails` (shrunk and printed); otherwise it is `inconclusive`, never a pass. Outside the
//!   fragment an equality is `tested on k instances` — exact evaluation, not a proof.
//! - **inequalities, Loewner orders, implications**: manifest positivity, a spectral reduction
//!   to one eigenvalue decided exactly by Sturm sequences, or sign-equivalence of two relations
//!   prove a step; otherwise a counterexample search (random instances, then hill climbing),
//!   `no counterexample found (k instances)`, which is not a proof. A candidate counterexample
//!   counts only when confirmed in exact rational arithmetic or rigorous interval arithmetic.
//! - every resource is bounded ([`limits`]): a file beyond a limit is refused with its line and
//!   column, never run for minutes; each step runs under a limit of `exact`'s work meter.
//!
//! The exact arithmetic underneath — polynomials and Sturm sequences ([`crate::exact::poly`]),
//! characteristic polynomials and isolated eigenvalues ([`crate::exact::rational`]), the work
//! meter — is `exact`'s, shared with the certified route.
//!
//! ```
//! use sgd_stability::proof::{check_file, parse_file, VerifyParams, Verdict};
//!
//! let f = parse_file("proof \"demo\"\nstep (1): (I - gamma*H)^2 = I - 2*gamma*H + gamma^2*H^2\n")?;
//! let r = check_file("demo.lecture", &f, &VerifyParams::default());
//! assert!(matches!(r.steps().next().unwrap().verdict, Verdict::Proved { .. }));
//! # Ok::<(), sgd_stability::proof::ParseError>(())
//! ```

mod ast;
mod decide;
mod file;
mod instances;
mod interval;
mod lexer;
pub mod limits;
mod parser;
mod positivity;
mod print;
mod search;
mod spectral;
mod symbolic;
mod trial;
mod value;
mod verdict;

pub use ast::{
    Assumptions, BatchSize, Claim, Commuting, Dim, Expect, Expr, ExprKind, Factor, Family, Func,
    HessianClass, Item, MulOp, PairRule, ParseError, ProofFile, Rank, RelOp, Relation, Shape, Sign,
    Step, SumDomain, SumSpec, Sym,
};
pub use file::parse_file;
pub use parser::parse_claim;
pub use search::Counterexample;
use verdict::check_step_within;
pub use verdict::{check_step, sample, Class, Method, StepReport, Verdict, VerifyParams};

use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One reported line of a proof file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemReport {
    /// A checked step.
    Step(Box<StepReport>),
    /// A statement recorded without a check.
    Note {
        /// The label.
        label: String,
        /// The text.
        text: String,
        /// 1-based line.
        line: usize,
    },
}

/// The checked file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// The title.
    pub title: String,
    /// Steps and notes in order.
    pub items: Vec<ItemReport>,
}

impl FileReport {
    /// The checked steps.
    pub fn steps(&self) -> impl Iterator<Item = &StepReport> {
        self.items.iter().filter_map(|i| match i {
            ItemReport::Step(s) => Some(&**s),
            ItemReport::Note { .. } => None,
        })
    }

    /// Whether every step meets its expectation.
    #[must_use]
    pub fn all_met(&self) -> bool {
        self.steps().all(|s| s.met)
    }
}

/// A seed from the file name and the step's label and line, so that a step's instances do not
/// change when other steps are added.
fn seed_for(path: &str, step: &Step) -> u64 {
    let name = Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name
        .bytes()
        .chain(step.label.bytes())
        .chain(step.source.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Check every step of `file` (steps in parallel; the result does not depend on the thread
/// count).
#[must_use]
pub fn check_file(path: &str, file: &ProofFile, params: &VerifyParams) -> FileReport {
    use rayon::prelude::*;
    let steps = file.steps().count().max(1) as u64;
    let budget = limits::MAX_STEP_WORK.min(limits::MAX_FILE_WORK / steps);
    let items = file
        .items
        .par_iter()
        .map(|item| match item {
            Item::Step(step) => ItemReport::Step(Box::new(check_step_within(
                step,
                params,
                seed_for(path, step),
                budget,
            ))),
            Item::Note { label, text, line } => ItemReport::Note {
                label: label.clone(),
                text: text.clone(),
                line: *line,
            },
        })
        .collect();
    FileReport {
        path: path.to_owned(),
        title: file.title.clone(),
        items,
    }
}

/// Read and parse `path`.
///
/// # Errors
/// [`Error::Io`] if it cannot be read; [`Error::Input`] with origin `path:line:col` on a parse
/// or shape error.
pub fn load(path: &Path) -> Result<ProofFile> {
    let shown = path.display().to_string();
    let text = crate::limits::read_text_file(path, crate::limits::FileKind::Proof)?;
    parse_file(&text).map_err(|e| located(&shown, &e))
}

/// A parse error as an [`Error::Input`] whose message starts with `file:line:col`.
#[must_use]
pub fn located(path: &str, e: &ParseError) -> Error {
    Error::Input {
        kind: crate::error::ErrorKind::Malformed,
        location: crate::error::Location {
            origin: format!("{path}:{}:{}", e.line, e.col),
            field: "proof".to_owned(),
        },
        message: e.message.clone(),
    }
}

/// The directory of shipped proofs: `./proofs` if it exists, else the crate's own.
#[must_use]
pub fn default_proofs_dir() -> PathBuf {
    crate::load::shipped_dir("proofs")
}

/// The `.lecture` files in `dir`, sorted by name.
///
/// # Errors
/// [`crate::Error::Io`] if the directory cannot be read.
pub fn proof_files(dir: &Path) -> Result<Vec<PathBuf>> {
    crate::load::files_with_extension(dir, "lecture", |_| true)
}

/// Parse and check `files` (all of [`default_proofs_dir`] when empty). Returns the reports and
/// whether every step met its expectation.
///
/// # Errors
/// The first unreadable or unparsable file.
pub fn verify(files: &[PathBuf], params: &VerifyParams) -> Result<(Vec<FileReport>, bool)> {
    let files = if files.is_empty() {
        proof_files(&default_proofs_dir())?
    } else {
        files.to_vec()
    };
    let parsed = files
        .iter()
        .map(|f| load(f).map(|p| (f.display().to_string(), p)))
        .collect::<Result<Vec<_>>>()?;
    let reports: Vec<FileReport> = parsed
        .iter()
        .map(|(path, p)| check_file(path, p, params))
        .collect();
    let ok = reports.iter().all(FileReport::all_met);
    Ok((reports, ok))
}
