//! Trial-steps per second of `simulate` (linearized SGD Monte Carlo), on one and two threads:
//! dense Hessians `d = 10, N = 100, B = 10` and rank-one gradients `d = 1000, N = 10000,
//! B = 32`, both samplings. Compare with `benches/simulate_numpy.py` (same sizes); numbers in
//! `benches/README.md`.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::simulate::{simulate, SimParams};
use sgd_stability::{BatchSize, Instance, LearningRate, RelTol, Samples, Sampling};

fn dense(sampling: Sampling) -> Instance {
    let (n, d) = (100, 10);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let rows: Vec<Vec<Vec<f64>>> = (0..n)
        .map(|_| {
            let g: Vec<Vec<f64>> = (0..d)
                .map(|_| (0..3).map(|_| rng.random_range(-1.0..1.0)).collect())
                .collect();
            (0..d)
                .map(|i| {
                    (0..d)
                        .map(|j| (0..3).map(|k| g[i][k] * g[j][k]).sum())
                        .collect()
                })
                .collect()
        })
        .collect();
    let s = Samples::hessians_from_rows(&rows, RelTol::new(1e-12).unwrap()).unwrap();
    let b = BatchSize::new(10).unwrap();
    Instance::new("dense", s, LearningRate::new(0.1).unwrap(), b, sampling).unwrap()
}

fn rank_one(sampling: Sampling) -> Instance {
    let (n, d) = (10_000, 1000);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0) / 18.0).collect())
        .collect();
    let s = Samples::gradients_from_rows(&rows).unwrap();
    let b = BatchSize::new(32).unwrap();
    Instance::new("rank_one", s, LearningRate::new(0.5).unwrap(), b, sampling).unwrap()
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "dense_d10_n100_b10",
            dense as fn(Sampling) -> Instance,
            1000,
            100,
        ),
        (
            "rank_one_d1000_n10000_b32",
            rank_one as fn(Sampling) -> Instance,
            64,
            50,
        ),
    ];
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for (name, make, trials, steps) in cases {
        for sampling in Sampling::IID {
            let inst = make(sampling);
            let params = SimParams::new(steps, trials, 7);
            group.throughput(Throughput::Elements((trials * steps) as u64));
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                group.bench_function(format!("{name}/{sampling}/threads={threads}"), |b| {
                    b.iter(|| pool.install(|| simulate(&inst, &params).unwrap()))
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
