//! Fuzz the derivation-file parser (`proofs/*.lecture`): any text must parse or give a
//! located error, never panic or hang. Files that parse are also checked, when small.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sgd_stability::proof::{check_file, parse_file, VerifyParams};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(file) = parse_file(text) {
        // Checking is the expensive part (random instances); keep only small files.
        if text.len() <= 400 {
            let _ = check_file("fuzz.lecture", &file, &VerifyParams { effort: 1 });
        }
    }
});
