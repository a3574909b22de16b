//! The one verdict vocabulary: the truth of a claim — [`Truth::Holds`], [`Truth::Fails`] or
//! [`Truth::Undecided`] — onto which every checker's verdict maps through one method,
//! [`ToTruth::truth`].
//!
//! A *verdict* is a checker's answer about a claim, and keeps its domain's detail in its own
//! enum; the truth is what every verdict has in common, and what reports turn into words,
//! marks and colours:
//!
//! | verdict | claim | holds | fails | undecided |
//! |---|---|---|---|---|
//! | `criteria::Verdict` | a criterion's inequality at `γ` | `Holds` | `Fails` | `Boundary` |
//! | `proof::Verdict` | a derivation step | `Proved`, `Tested`, `NoCounterexample` | `Fails`, `HoldsOnlyAs`, `IllTyped` | `Inconclusive` |
//! | `simulate::StepVerdict` | the prediction lies in the step's interval | `Agrees` | `Disagrees` | `Start`, `Uninformative`, `NotPredicted` |
//! | `simulate::TestVerdict` | the simulation agrees with the exact prediction | `Consistent` | `Rejected` | `Untested` |
//! | `experiment::Support` | a claim of the lecture, against trained runs | `Supported` | `NotSupported` | `Mixed`, `NotTested` |
//!
//! How strong a "holds" is (a proof, or no counterexample in a search) stays in the domain enum
//! (`proof::Class`). What happened in a training run is not a verdict on a claim: it is
//! `train::Outcome` (interpolated, budget spent, diverged), and has no truth.
//!
//! A leaf: it imports nothing from the crate.

use std::fmt;

/// The truth of a claim, as a checker decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    /// The claim holds (or, for a search or a test, nothing was found against it).
    Holds,
    /// The claim fails: a counterexample, an inequality violated beyond the tolerance, a
    /// rejected test.
    Fails,
    /// Neither: at a boundary within the tolerance, inconclusive, or untested.
    Undecided,
}

impl Truth {
    /// `Some(true)` when it holds, `Some(false)` when it fails, `None` when undecided (JSON's
    /// `true` / `false` / `null`).
    #[must_use]
    pub fn holds(self) -> Option<bool> {
        match self {
            Self::Holds => Some(true),
            Self::Fails => Some(false),
            Self::Undecided => None,
        }
    }

    /// The word printed for it: `holds`, `fails`, `undecided`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::Fails => "fails",
            Self::Undecided => "undecided",
        }
    }
}

impl fmt::Display for Truth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verdict on a claim: every checker's verdict type implements it, so that the truth of any
/// verdict is read one way.
pub trait ToTruth {
    /// Whether the claim holds, fails, or is undecided.
    fn truth(&self) -> Truth;
}

impl ToTruth for Truth {
    fn truth(&self) -> Truth {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_options() {
        assert_eq!(Truth::Holds.as_str(), "holds");
        assert_eq!(Truth::Fails.to_string(), "fails");
        assert_eq!(Truth::Undecided.as_str(), "undecided");
        assert_eq!(Truth::Holds.holds(), Some(true));
        assert_eq!(Truth::Fails.holds(), Some(false));
        assert_eq!(Truth::Undecided.holds(), None);
        assert_eq!(Truth::Fails.truth(), Truth::Fails);
    }
}
