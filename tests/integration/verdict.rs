//! The one verdict vocabulary (`sgd_stability::verdict`): every checker's verdict maps onto
//! the truth of its claim — holds, fails or undecided — and the words printed for a criterion's
//! verdict are its variant names.

use sgd_stability::criteria;
use sgd_stability::experiment::Support;
use sgd_stability::proof::{self, Method};
use sgd_stability::simulate::{StepVerdict, TestVerdict};
use sgd_stability::verdict::{ToTruth, Truth};

#[test]
fn criteria_verdicts() {
    use criteria::Verdict;
    for (v, truth, word, stability) in [
        (Verdict::Holds, Truth::Holds, "holds", "stable"),
        (Verdict::Fails, Truth::Fails, "fails", "unstable"),
        (Verdict::Boundary, Truth::Undecided, "boundary", "boundary"),
    ] {
        assert_eq!(v.truth(), truth, "{v:?}");
        assert_eq!(v.as_str(), word);
        assert_eq!(v.to_string(), word);
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{word}\""));
        assert_eq!(v.stability(), stability);
    }
    assert_eq!(Verdict::Holds.truth().holds(), Some(true));
    assert_eq!(Verdict::Fails.truth().holds(), Some(false));
    assert_eq!(Verdict::Boundary.truth().holds(), None);
}

#[test]
fn proof_verdicts() {
    use proof::Verdict;
    let cases = [
        (
            Verdict::Proved {
                method: Method::NormalForm,
            },
            Truth::Holds,
        ),
        (Verdict::Tested { instances: 3 }, Truth::Holds),
        (Verdict::NoCounterexample { instances: 3 }, Truth::Holds),
        (Verdict::Fails, Truth::Fails),
        (
            Verdict::HoldsOnlyAs {
                relation: "≤".to_owned(),
            },
            Truth::Fails,
        ),
        (
            Verdict::IllTyped {
                message: "shapes".to_owned(),
            },
            Truth::Fails,
        ),
        (
            Verdict::Inconclusive {
                reason: "budget".to_owned(),
            },
            Truth::Undecided,
        ),
    ];
    for (v, truth) in cases {
        assert_eq!(v.truth(), truth, "{v:?}");
    }
}

#[test]
fn simulation_verdicts() {
    for (v, truth) in [
        (StepVerdict::Start, Truth::Undecided),
        (StepVerdict::Agrees, Truth::Holds),
        (StepVerdict::Disagrees, Truth::Fails),
        (StepVerdict::Uninformative, Truth::Undecided),
        (StepVerdict::NotPredicted, Truth::Undecided),
    ] {
        assert_eq!(v.truth(), truth, "{v:?}");
    }
    for (v, truth) in [
        (TestVerdict::Consistent, Truth::Holds),
        (TestVerdict::Rejected, Truth::Fails),
        (TestVerdict::Untested, Truth::Undecided),
    ] {
        assert_eq!(v.truth(), truth, "{v:?}");
        // The printed word is the serialized one.
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!("\"{}\"", v.as_str())
        );
    }
}

#[test]
fn experiment_support() {
    for (v, truth) in [
        (Support::Supported, Truth::Holds),
        (Support::Mixed, Truth::Undecided),
        (Support::NotSupported, Truth::Fails),
        (Support::NotTested, Truth::Undecided),
    ] {
        assert_eq!(v.truth(), truth, "{v:?}");
    }
}
