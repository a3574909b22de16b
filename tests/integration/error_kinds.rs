//! The typed error kind (`Error::kind`): a caller can match on what went wrong, and the kind
//! agrees with the message (the message is unchanged; only its classification is new).

use sgd_stability::load::{instance_from_json, load_path, Overrides};
use sgd_stability::{
    Analysis, BatchSize, ErrorKind, Instance, LearningRate, RelTol, Samples, Sampling, Tolerances,
};
use std::path::Path;

fn sym() -> RelTol {
    RelTol::new(Tolerances::DEFAULT_SYMMETRY).unwrap()
}

#[track_caller]
fn json_kind(text: &str) -> ErrorKind {
    instance_from_json(text.as_bytes(), "t.json", "t", &Overrides::default(), sym())
        .expect_err(text)
        .kind()
}

#[test]
fn each_bad_file_has_its_kind() {
    let h = r#""hessians": [[[1, 2], [2, 1]], [[1, 0], [0, 1]]]"#;
    let cases = [
        (r#"{"hessians": ["#.to_owned(), ErrorKind::Malformed),
        (
            format!(r#"{{{h}, "gamma": 0.1, "gamma": 0.2, "batch_size": 1}}"#),
            ErrorKind::Malformed,
        ),
        (
            format!(r#"{{{h}, "gamma": 0.1, "batch_size": 1, "sampling": "foo"}}"#),
            ErrorKind::Malformed,
        ),
        (format!(r#"{{{h}, "batch_size": 1}}"#), ErrorKind::Missing),
        (
            r#"{"hessians": [[[1, 2], [2]]], "gamma": 0.1, "batch_size": 1}"#.to_owned(),
            ErrorKind::Shape,
        ),
        (
            r#"{"hessians": [[[1, 2], [0, 1]]], "gamma": 0.1, "batch_size": 1}"#.to_owned(),
            ErrorKind::NonSymmetric,
        ),
        (
            r#"{"hessians": [[[1e400]]], "gamma": 0.1, "batch_size": 1}"#.to_owned(),
            ErrorKind::NonFinite,
        ),
        (
            format!(r#"{{{h}, "gamma": -0.1, "batch_size": 1}}"#),
            ErrorKind::OutOfRange,
        ),
        (
            format!(r#"{{{h}, "gamma": 0.1, "batch_size": 3}}"#),
            ErrorKind::OutOfRange,
        ),
    ];
    for (text, kind) in &cases {
        assert_eq!(json_kind(text), *kind, "{text}");
    }
    let e = load_path(
        Path::new("/nonexistent/x.json"),
        &Overrides::default(),
        sym(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn unsupported_sampling_and_limits_are_distinguished() {
    let samples = Samples::gradients_from_rows(&[vec![1.0], vec![2.0]]).unwrap();
    let rr = Instance::new(
        "rr",
        samples,
        LearningRate::new(0.1).unwrap(),
        BatchSize::new(1).unwrap(),
        Sampling::RandomReshuffling,
    )
    .unwrap();
    let e = Analysis::of(&rr, &Tolerances::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    // The message is the one it always was, now attributed and classified.
    assert!(
        e.to_string()
            .contains("sampling: Analysis covers the i.i.d. schemes"),
        "{e}"
    );
    // A valid input of the wrong kind is not "unsupported": B = 0 is out of range.
    assert_eq!(BatchSize::new(0).unwrap_err().kind(), ErrorKind::OutOfRange);
    // NaN is not finite (as a file's 1e400 is not): NonFinite, as the kind's doc says.
    assert_eq!(
        LearningRate::new(f64::NAN).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
    assert_eq!(
        LearningRate::new(0.0).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    let big = sgd_stability::limits::MemoryBudget::new(1 << 20)
        .unwrap()
        .check("x", "a test", u128::MAX);
    assert_eq!(big.unwrap_err().kind(), ErrorKind::TooLarge);
}
