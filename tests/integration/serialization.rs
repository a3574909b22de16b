//! Named result structs that serialize as the arrays their tuples were: the JSON bytes are
//! those of the tuple (`[k, value]`, `[lower, upper]`, `[min, median, max]`, `[k₁, k₂]`).

use serde::Serialize;
use sgd_stability::experiment::{Interval, Spread};
use sgd_stability::simulate::StepWindow;
use sgd_stability::train::StepValue;

/// Compact and pretty JSON of `named` equal those of `tuple`, and the literal `want`.
#[track_caller]
fn same_json(named: &impl Serialize, tuple: &impl Serialize, want: &str) {
    let got = serde_json::to_string(named).unwrap();
    assert_eq!(got, serde_json::to_string(tuple).unwrap());
    assert_eq!(got, want);
    assert_eq!(
        serde_json::to_string_pretty(&serde_json::to_value(named).unwrap()).unwrap(),
        serde_json::to_string_pretty(&serde_json::to_value(tuple).unwrap()).unwrap()
    );
}

#[test]
fn step_value_is_k_then_value() {
    let v = StepValue {
        step: 7,
        value: 0.25,
    };
    same_json(&v, &(7_usize, 0.25_f64), "[7,0.25]");
    same_json(
        &vec![v, v],
        &vec![(7_usize, 0.25_f64); 2],
        "[[7,0.25],[7,0.25]]",
    );
}

#[test]
fn interval_is_lower_then_upper() {
    let i = Interval {
        lower: -1.5,
        upper: 2.0,
    };
    same_json(&i, &(-1.5_f64, 2.0_f64), "[-1.5,2.0]");
    // Non-finite ends serialize as `null`, as the tuple's did.
    let empty = Interval {
        lower: f64::INFINITY,
        upper: f64::NEG_INFINITY,
    };
    same_json(&empty, &(f64::INFINITY, f64::NEG_INFINITY), "[null,null]");
}

/// SAM's reports write a spread as the array `[min, median, max]`.
#[derive(Serialize)]
struct AsArray(#[serde(serialize_with = "Spread::serialize_as_array")] Spread);

#[test]
fn spread_is_min_median_max() {
    // An even count: the median is the mean of the two middle values (2 and 3), not either.
    let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]);
    assert_eq!((s.min, s.median, s.max), (1.0, 2.5, 10.0));
    same_json(&AsArray(s), &(1.0_f64, 2.5_f64, 10.0_f64), "[1.0,2.5,10.0]");
    let odd = Spread::of(&[5.0, -1.0, 4.0]);
    assert_eq!((odd.min, odd.median, odd.max), (-1.0, 4.0, 5.0));
    let none = Spread::of(&[]);
    assert!(none.min.is_nan() && none.median.is_nan() && none.max.is_nan());
    same_json(
        &AsArray(none),
        &(f64::NAN, f64::NAN, f64::NAN),
        "[null,null,null]",
    );
    // Section 4's tables write it as an object.
    assert_eq!(
        serde_json::to_string(&odd).unwrap(),
        r#"{"min":-1.0,"median":4.0,"max":5.0}"#
    );
}

#[test]
fn step_window_is_first_then_last() {
    let w = StepWindow { first: 3, last: 6 };
    same_json(&w, &(3_usize, 6_usize), "[3,6]");
}
