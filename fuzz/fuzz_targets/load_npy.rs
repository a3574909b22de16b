//! Fuzz the `.npy` instance loader, then analyze whatever it accepts (if small).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sgd_stability::load::{instance_from_npy, Overrides};
use sgd_stability::{Analysis, RelTol, Tolerances};

fuzz_target!(|data: &[u8]| {
    let symmetry = RelTol::new(1e-6).unwrap();
    // A .npy file carries only the arrays: γ and B must come from the overrides for a load to
    // succeed. B = 1 is valid for every N ≥ 1.
    let overrides = Overrides {
        gamma: Some(0.5),
        batch_size: Some(1),
        sampling: None,
    };
    // Errors are fine; a panic (or an abort, or a hang) is a bug.
    if let Ok(instance) = instance_from_npy(data, "fuzz.npy", "fuzz", &overrides, symmetry) {
        // Keep the fuzzer fast: eigen-decompositions of large instances are not the target.
        if instance.n() <= 64 && instance.d() <= 16 {
            let _ = Analysis::of(&instance, &Tolerances::default());
        }
    }
});
