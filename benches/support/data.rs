//! The benchmark instance, shared by the bench targets: `N = 20` random SPD `H_i` of size
//! `d = 10`, `B = 10` without replacement (`C(20,10) = 184,756` subsets), from a seeded
//! `ChaCha8Rng`, written as fixture-like JSON to `benches/data/` for the CLI and the NumPy
//! references.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sgd_stability::enumerate::Problem;
use sgd_stability::exact::Matrix;
use sgd_stability::Sampling;
use std::path::PathBuf;

pub const N: usize = 20;
pub const B: usize = 10;
pub const D: usize = 10;
pub const GAMMA: f64 = 0.05;
pub const SEED: u64 = 20;

/// `H_i = G_i G_iᵀ / d + I/10` with `G_i` uniform in `[−1, 1)`: symmetric positive definite.
pub fn hessians() -> Vec<Vec<Vec<f64>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..N)
        .map(|_| {
            let g: Vec<Vec<f64>> = (0..D)
                .map(|_| (0..D).map(|_| rng.random_range(-1.0..1.0)).collect())
                .collect();
            (0..D)
                .map(|r| {
                    (0..D)
                        .map(|c| {
                            let dot: f64 = (0..D).map(|k| g[r][k] * g[c][k]).sum();
                            dot / D as f64 + if r == c { 0.1 } else { 0.0 }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

pub fn problem() -> Problem<f64> {
    let hs = hessians()
        .iter()
        .map(|h| Matrix::from_fn(D, D, |i, j| h[i][j]))
        .collect();
    Problem::new(hs, B, Sampling::WithoutReplacement, GAMMA).expect("a valid problem")
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/data")
}

fn write_if_changed(path: &std::path::Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("benches/data is writable");
    }
}

/// Write the instance (fixture schema) and the fast path's `E[(I − γH_B)²]` to `benches/data/`.
pub fn write_data(second_moment: &Matrix<f64>) {
    let instance = serde_json::json!({
        "name": "bench_n20_b10_d10",
        "note": "Benchmark instance: H_i = G G^T/d + I/10, G uniform in [-1,1) from ChaCha8Rng seed 20 (benches/support/data.rs).",
        "hessians": hessians(),
        "gamma": GAMMA,
        "batch_size": B,
        "sampling": "without_replacement",
    });
    let dir = data_dir();
    let text = serde_json::to_string_pretty(&instance).unwrap() + "\n";
    write_if_changed(&dir.join("n20_b10_d10.json"), &text);
    let rows: Vec<Vec<f64>> = (0..D)
        .map(|i| (0..D).map(|j| *second_moment.get(i, j)).collect())
        .collect();
    let result = serde_json::json!({ "second_moment": rows });
    let text = serde_json::to_string_pretty(&result).unwrap() + "\n";
    write_if_changed(&dir.join("n20_b10_d10.second_moment.json"), &text);
}
