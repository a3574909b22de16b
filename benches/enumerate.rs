//! Criterion benchmarks of the fast enumeration: `E[(I − γH_B)²]` over all `C(20,10) = 184,756`
//! subsets at `d = 10` (random SPD `H_i`, seeded), on 1 and 2 threads; and with the operator, as
//! the `enumerate` command computes it. Also writes the instance and the result to
//! `benches/data/` for the NumPy references (see `benches/README.md`).

#[path = "support/data.rs"]
mod data;

use criterion::{criterion_group, criterion_main, Criterion};
use sgd_stability::enumerate::{subset_moments, EnumerationParams, Quantities};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let problem = data::problem();
    let params = EnumerationParams::default();
    let reference = subset_moments(&problem, Quantities::Moments, &params).unwrap();
    data::write_data(&reference.second_moment);

    let mut group = c.benchmark_group("enumerate C(20,10) d=10");
    group.sample_size(30);
    for (name, q) in [
        ("second_moment", Quantities::Moments),
        ("with_operator", Quantities::WithOperator),
    ] {
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            group.bench_function(format!("{name}/{threads} thread(s)"), |b| {
                b.iter(|| {
                    pool.install(|| black_box(subset_moments(&problem, q, &params).unwrap()))
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
