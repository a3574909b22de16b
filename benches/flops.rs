//! The machine's floating-point limit (a large faer GEMM on 1 and 2 threads) beside the fast
//! enumeration of `C(20,10)` subsets at `d = 10`, with the fraction of the limit it reaches.
//! Plain timing (medians of several rounds), no criterion: `cargo bench --bench flops`.

#[path = "support/data.rs"]
#[allow(dead_code)] // shared with the enumerate bench, which writes the data files
mod data;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use sgd_stability::enumerate::{subset_moments, EnumerationParams, Quantities};
use std::time::Instant;

/// Median wall time of `rounds` runs of `f`, in seconds.
fn median(rounds: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm up
    let mut t: Vec<f64> = (0..rounds)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let n = 1024;
    let a = Mat::<f64>::from_fn(n, n, |i, j| ((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.5);
    let b = Mat::<f64>::from_fn(n, n, |i, j| ((i * 5 + j * 3) % 19) as f64 / 19.0 - 0.5);
    let gemm_flops = 2.0 * (n as f64).powi(3);
    // faer is built without its rayon feature (sequential, deterministic), so the two-thread
    // limit is two independent sequential GEMMs at once — the same shape of work as the
    // enumeration's chunks.
    let mut peak = [0.0; 2];
    for (k, threads) in [1usize, 2].into_iter().enumerate() {
        let mut cs: Vec<Mat<f64>> = (0..threads).map(|_| Mat::zeros(n, n)).collect();
        let t = pool(threads).install(|| {
            median(15, || {
                use rayon::prelude::*;
                cs.par_iter_mut().for_each(|c| {
                    matmul(
                        c.as_mut(),
                        Accum::Replace,
                        a.as_ref(),
                        b.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                });
            })
        });
        peak[k] = threads as f64 * gemm_flops / t / 1e9;
        println!(
            "faer GEMM n = {n}, {threads} thread(s) ({threads} product(s) at once): {:.2} ms, {:.1} GFLOP/s",
            t * 1e3,
            peak[k]
        );
    }

    let problem = data::problem();
    let params = EnumerationParams::default();
    let subsets = 184_756.0;
    let d = data::D as f64;
    // The flops that cannot be avoided: one d×d product S_B·S_B per subset.
    let needed = 2.0 * d * d * d * subsets;
    for (label, q, done) in [
        (
            "E[(I − γH_B)²] (Quantities::Moments)",
            Quantities::Moments,
            2.0 * d * d * d,
        ),
        (
            "with the operator (Quantities::WithOperator)",
            Quantities::WithOperator,
            {
                let w = d * (d + 1.0) / 2.0 + 1.0;
                2.0 * w * w
            },
        ),
    ] {
        for (k, threads) in [1usize, 2].into_iter().enumerate() {
            let t = pool(threads).install(|| {
                median(21, || {
                    std::hint::black_box(subset_moments(&problem, q, &params).unwrap());
                })
            });
            println!(
                "{label}, {threads} thread(s): {:.2} ms; {:.1} GFLOP/s of the unavoidable 2d³ per subset \
                 ({:.0}% of the GEMM peak); {:.1} GFLOP/s executed",
                t * 1e3,
                needed / t / 1e9,
                100.0 * needed / t / 1e9 / peak[k],
                done * subsets / t / 1e9,
            );
        }
    }
}
