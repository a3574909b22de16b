//! A proof file's structure: its assumptions (sampling, batch size, Hessian class, …), its
//! steps with their expectations, and the parsed file.

use super::*;

/// What the file expects of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The step must hold (the default).
    Holds,
    /// The step must fail, with a counterexample (a lecture error recorded as printed).
    Fails,
    /// The step must be rejected by the shape checker (ill-typed as printed).
    IllTyped,
}

/// The per-sample Hessians' class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HessianClass {
    /// `H_i = G_i G_iᵀ` (positive semidefinite; the default).
    #[default]
    Psd,
    /// Symmetric, possibly indefinite.
    Symmetric,
}

/// Whether the per-sample Hessians are rank one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// Any rank.
    #[default]
    Any,
    /// `H_i = g_i g_iᵀ`.
    One,
}

/// Whether the per-sample Hessians commute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Commuting {
    /// No assumption.
    #[default]
    No,
    /// The `H_i` commute pairwise.
    Yes,
}

/// A restriction on the batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchSize {
    /// Any `1 ≤ B` (`≤ N` without replacement).
    #[default]
    Any,
    /// `B = 1`.
    One,
    /// `B = N`.
    Full,
    /// `B ≥ 2`.
    TwoOrMore,
}

/// A restriction on the dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Any `d ≥ 1`.
    #[default]
    Any,
    /// `d = 1`.
    One,
    /// `d ≥ 2`.
    TwoOrMore,
}

/// The hypotheses in force for a step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assumptions {
    /// The sampling schemes to check under (one or both).
    pub sampling: Vec<Sampling>,
    /// PSD or symmetric `H_i`.
    pub hessians: HessianClass,
    /// Rank one or any.
    pub rank: Rank,
    /// Whether the `H_i` commute (they are drawn diagonal).
    pub commute: Commuting,
    /// The batch size.
    pub batch: BatchSize,
    /// The dimension.
    pub dim: Dim,
}

impl Default for Assumptions {
    fn default() -> Self {
        Self {
            sampling: vec![Sampling::WithoutReplacement],
            hessians: HessianClass::Psd,
            rank: Rank::Any,
            commute: Commuting::No,
            batch: BatchSize::Any,
            dim: Dim::Any,
        }
    }
}

impl Assumptions {
    /// Whether the `H_i` (and so `H`, `H_B`) are positive semidefinite.
    #[must_use]
    pub fn psd(&self) -> bool {
        self.hessians == HessianClass::Psd
    }

    /// `d = 1`.
    #[must_use]
    pub fn dim_one(&self) -> bool {
        self.dim == Dim::One
    }

    /// The assumptions in words, for reports.
    #[must_use]
    pub fn describe(&self) -> Vec<String> {
        let mut v = vec![format!(
            "sampling {}",
            self.sampling
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        )];
        if self.rank == Rank::One {
            v.push("H_i = g_i g_iᵀ (rank one)".to_owned());
        }
        if self.hessians == HessianClass::Symmetric {
            v.push("H_i symmetric, possibly indefinite".to_owned());
        }
        if self.commute == Commuting::Yes {
            v.push("H_i commute".to_owned());
        }
        match self.batch {
            BatchSize::Any => {}
            BatchSize::One => v.push("B = 1".to_owned()),
            BatchSize::Full => v.push("B = N".to_owned()),
            BatchSize::TwoOrMore => v.push("B ≥ 2".to_owned()),
        }
        match self.dim {
            Dim::Any => {}
            Dim::One => v.push("d = 1".to_owned()),
            Dim::TwoOrMore => v.push("d ≥ 2".to_owned()),
        }
        v
    }
}

/// One checked step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The label, e.g. `(16)` or `(16')`.
    pub label: String,
    /// The label of the step this one corrects.
    pub correction_of: Option<String>,
    /// The claim as written.
    pub source: String,
    /// The parsed claim (`Err` with the shape error for an `expect ill_typed` step).
    pub claim: Result<Claim, ParseError>,
    /// What the file expects.
    pub expect: Expect,
    /// The hypotheses in force.
    pub assumptions: Assumptions,
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the claim's first character.
    pub col: usize,
}

/// A line of a proof file that is reported.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A checked step.
    Step(Box<Step>),
    /// A statement recorded but not checked (a definition, an approximation, a citation).
    Note {
        /// The label.
        label: String,
        /// The text.
        text: String,
        /// 1-based line.
        line: usize,
    },
}

/// A parsed proof file.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofFile {
    /// The title from `proof "…"`.
    pub title: String,
    /// Steps and notes in file order.
    pub items: Vec<Item>,
}

impl ProofFile {
    /// The steps.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|i| match i {
            Item::Step(s) => Some(&**s),
            Item::Note { .. } => None,
        })
    }
}
