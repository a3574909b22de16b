//! Fuzz the JSON instance loader, then analyze whatever it accepts (if small).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sgd_stability::load::{exact_inputs_from_json, instance_from_json, Overrides};
use sgd_stability::{Analysis, RelTol, Tolerances};

fuzz_target!(|data: &[u8]| {
    let symmetry = RelTol::new(1e-6).unwrap();
    let overrides = Overrides::default();
    // Errors are fine; a panic (or an abort, or a hang) is a bug.
    if let Ok(instance) = instance_from_json(data, "fuzz.json", "fuzz", &overrides, symmetry) {
        // The certified mode's exact reading of the same text (decimals as written).
        let _ = exact_inputs_from_json(data, "fuzz.json", None);
        // Keep the fuzzer fast: eigen-decompositions of large instances are not the target.
        if instance.n() <= 64 && instance.d() <= 16 {
            let _ = Analysis::of(&instance, &Tolerances::default());
        }
    }
});
