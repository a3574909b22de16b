//! Time to the exact critical learning rate `γ*_exact` (`mean_square::critical_gamma_exact`,
//! from the samples: moments, spectrum of `H`, the reduced pencil, its top eigenvalue), against
//! `benches/mean_square_scipy.py` on the same numbers:
//! - rank-one `H_i = g_i g_iᵀ`, `d = 50`, `N = 1000`;
//! - dense `H_i = G_i G_iᵀ/3` (rank 3), `d = 30`, `N = 200`;
//!
//! both without replacement, `B = 4`, each by the default route and with the dense and the
//! matrix-free (Lanczos) routes forced. `γ*` is printed for comparison with the reference.
//!
//! `MEAN_SQUARE_D200=1 cargo bench --bench mean_square` instead times one matrix-free run at
//! `d = 200`, `N = 1000` (operator dimension 20,100), where the dense reference needs
//! `40,000 × 40,000` matrices. Numbers in `benches/README.md` (## mean_square).
use criterion::{criterion_group, Criterion};
use sgd_stability::criteria::{CriticalGamma, HSpectrum};
use sgd_stability::mean_square::{
    critical_gamma_exact, MeanSquareOperator, MeanSquareParams, Method,
};
use sgd_stability::moments::{batch_factor, Moments};
use sgd_stability::{RelTol, Samples, Sampling, Tolerances};
use std::time::Instant;

const B: usize = 4;

/// `g_i[j]`, the same integer formula as `mean_square_scipy.py`.
fn grad(i: usize, d: usize) -> Vec<f64> {
    (0..d)
        .map(|j| (((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0 - 0.5) / (d as f64).sqrt())
        .collect()
}

fn rank_one(n: usize, d: usize) -> Samples {
    let rows: Vec<Vec<f64>> = (0..n).map(|i| grad(i, d)).collect();
    Samples::gradients_from_rows(&rows).unwrap()
}

fn dense(n: usize, d: usize) -> Samples {
    let rows: Vec<Vec<Vec<f64>>> = (0..n)
        .map(|i| {
            let g: Vec<Vec<f64>> = (0..3).map(|k| grad(i * 3 + k, d)).collect();
            (0..d)
                .map(|r| {
                    (0..d)
                        .map(|c| (0..3).map(|k| g[k][r] * g[k][c]).sum::<f64>() / 3.0)
                        .collect()
                })
                .collect()
        })
        .collect();
    Samples::hessians_from_rows(&rows, RelTol::new(1e-12).unwrap()).unwrap()
}

/// `γ*_exact` from the samples, every step included.
fn gamma_star(samples: &Samples, method: Method) -> f64 {
    let tol = Tolerances::default();
    let c = batch_factor(samples.n(), B, Sampling::WithoutReplacement);
    let moments = Moments::of(samples);
    let spec = HSpectrum::of(&moments.h, tol.null_space).unwrap();
    let params = MeanSquareParams {
        method,
        ..MeanSquareParams::default()
    };
    match critical_gamma_exact(samples, &moments, &spec, c, tol.null_space, &params)
        .unwrap()
        .gamma
    {
        CriticalGamma::Finite(g) => g,
        other => panic!("{other:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("rank_one_d50_n1000_b4", rank_one(1000, 50)),
        ("dense_d30_n200_b4", dense(200, 30)),
    ];
    let mut group = c.benchmark_group("mean_square");
    group.sample_size(10);
    for (name, samples) in &cases {
        for (label, method) in [
            ("auto", Method::Auto),
            ("dense", Method::Dense),
            ("matrix_free", Method::MatrixFree),
        ] {
            println!("{name}/{label}: γ* = {:.15}", gamma_star(samples, method));
            group.bench_function(format!("{name}/{label}"), |b| {
                b.iter(|| gamma_star(samples, method))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("MEAN_SQUARE_D200").is_some() {
        let samples = rank_one(1000, 200);
        let mut g = 0.0;
        for round in 0..3 {
            let t = Instant::now();
            g = gamma_star(&samples, Method::MatrixFree);
            println!(
                "rank_one_d200_n1000_b4/matrix_free (operator dimension 20100), round {round}: γ* = {g:.15} in {:.2} s",
                t.elapsed().as_secs_f64()
            );
        }
        // A second route: ρ(L_γ) of the full operator (not the pencil), matrix-free, on either
        // side of γ*.
        let h = Moments::of(&samples).h;
        let c = batch_factor(samples.n(), B, Sampling::WithoutReplacement);
        let params = MeanSquareParams {
            method: Method::MatrixFree,
            ..MeanSquareParams::default()
        };
        for f in [1.0 - 1e-4, 1.0 + 1e-4] {
            let t = Instant::now();
            let rho = MeanSquareOperator::new(&samples, &h, c, g * f)
                .spectral_radius(&params)
                .unwrap();
            println!(
                "ρ(L_γ) at γ = γ*·{f}: {:.12} ({:?}) in {:.2} s",
                rho.value,
                rho.computed,
                t.elapsed().as_secs_f64()
            );
        }
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
