//! Over-parameterized inputs end to end (P ≫ N, gradients in `.npy`): both sides of `γ*` are
//! decided (this input used to end in exit 3 on the stable side), float32 and float64 files
//! agree, `simulate` runs in the range of `H` and agrees with the full-space simulation, and
//! `--x0-file` reads a start.

use crate::common::{assert_close, root};
use npyz::WriterBuilder;
use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::simulate::{self, SimParams, X0};
use sgd_stability::{BatchSize, Instance, LearningRate, Samples, Sampling};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sgd-stability"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Per-sample output gradients of a two-layer tanh network `Σ_j a_j tanh(w_jᵀu)` (`m` units,
/// `d_in` inputs, `P = m(1 + d_in)`) at random inputs: a small version of
/// `examples/two_layer_gradients.rs`.
fn two_layer_gradients(n: usize, d_in: usize, m: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let a: Vec<f64> = (0..m).map(|_| rng.random_range(-1.0..1.0)).collect();
    let w: Vec<Vec<f64>> = (0..m)
        .map(|_| (0..d_in).map(|_| rng.random_range(-0.5..0.5)).collect())
        .collect();
    (0..n)
        .map(|_| {
            let u: Vec<f64> = (0..d_in).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut g = vec![0.0; m * (1 + d_in)];
            for j in 0..m {
                let t = w[j].iter().zip(&u).map(|(x, y)| x * y).sum::<f64>().tanh();
                g[j] = t;
                for k in 0..d_in {
                    g[m + j * d_in + k] = a[j] * (1.0 - t * t) * u[k];
                }
            }
            g
        })
        .collect()
}

fn write_npy<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    name: &str,
    rows: &[Vec<T>],
) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real_scale");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let file = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows.len() as u64, rows[0].len() as u64])
        .writer(file)
        .begin_nd()
        .unwrap();
    for r in rows {
        w.extend(r.iter().copied()).unwrap();
    }
    w.finish().unwrap();
    p
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn analyze(path: &Path, gamma: f64, b: usize) -> serde_json::Value {
    let (g, b) = (gamma.to_string(), b.to_string());
    let o = bin(&[
        "analyze",
        path.to_str().unwrap(),
        "--gamma",
        &g,
        "--batch-size",
        &b,
        "--format",
        "json",
    ]);
    json(&o)[0].clone()
}

/// `N = 60`, `P = 400` (a regression for exit 3 on the stable side): stable below `γ*` with
/// `ρ = 1` exactly (the null space), unstable above with `ρ > 1`; the reduction, the solves and
/// the wall time are in the JSON; `B = N` is GD in closed form.
#[test]
fn overparameterized_gradients_are_decided_on_both_sides() {
    let rows = two_layer_gradients(60, 19, 20, 3);
    let p = write_npy("g60x400.npy", &rows);
    let probe = analyze(&p, 1.0, 4);
    assert_eq!(probe["d"], 400);
    assert_eq!(probe["reduced_dim"], 60);
    assert_eq!(probe["reduction"]["route"], "gram_of_gradients");
    let g = probe["critical_gamma_exact"].as_f64().unwrap();
    let stable = analyze(&p, 0.5 * g, 4);
    assert_eq!(stable["ms_verdict"], "holds");
    assert_eq!(stable["ms_spectral_radius"], 1.0);
    assert_eq!(
        stable["solves"]["ms_spectral_radius"]["method"],
        "null_space"
    );
    assert!(stable["wall_time_seconds"].as_f64().unwrap() >= 0.0);
    assert_close(
        "γ* does not depend on γ",
        stable["critical_gamma_exact"].as_f64().unwrap(),
        g,
        1e-12,
        0.0,
    );
    let unstable = analyze(&p, 1.5 * g, 4);
    assert_eq!(unstable["ms_verdict"], "fails");
    assert!(unstable["ms_spectral_radius"].as_f64().unwrap() > 1.0);
    assert!(unstable["mean_square_growth"]["steps"].as_f64().unwrap() > 0.0);
    assert_eq!(
        unstable["sgd_exact_summary"].as_str().unwrap()[..8],
        *"unstable"
    );
    let gd = analyze(&p, 0.5 * g, 60);
    assert_eq!(
        gd["solves"]["critical_gamma_exact"]["method"],
        "closed_form"
    );
    assert_eq!(gd["critical_gamma_exact"], gd["critical_gamma_gd"]);
}

/// The same (float32-representable) gradients as float32 and as float64 give the same answer.
#[test]
fn float32_and_float64_files_agree() {
    let rows = two_layer_gradients(30, 9, 10, 4);
    let r32: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| r.iter().map(|&x| x as f32).collect())
        .collect();
    let r64: Vec<Vec<f64>> = r32
        .iter()
        .map(|r| r.iter().map(|&x| f64::from(x)).collect())
        .collect();
    let (a, b) = (
        analyze(&write_npy("g32.npy", &r32), 0.05, 2),
        analyze(&write_npy("g64.npy", &r64), 0.05, 2),
    );
    for key in [
        "critical_gamma_exact",
        "critical_gamma_thm33",
        "critical_gamma_gd",
        "ms_spectral_radius",
        "sharpness",
        "reduced_dim",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

fn instance(rows: &[Vec<f64>], gamma: f64, b: usize) -> Instance {
    Instance::new(
        "sim",
        Samples::gradients_from_rows(rows).unwrap(),
        LearningRate::new(gamma).unwrap(),
        BatchSize::new(b).unwrap(),
        Sampling::WithoutReplacement,
    )
    .unwrap()
}

/// `simulate` runs in the range of `H` (`r = 4` of `d = 10`): from a given start its
/// `‖x_k‖²` is the full-space simulation's minus the constant null part, trial by trial (the
/// batches are the same draws); a start in the null space is refused.
#[test]
fn reduced_simulation_matches_the_full_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let rows: Vec<Vec<f64>> = (0..4)
        .map(|_| (0..10).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let inst = instance(&rows, 0.3, 1);
    let x0: Vec<f64> = (0..10).map(|k| (k as f64 + 1.0).sin()).collect();
    let mut params = SimParams::new(30, 200, 7);
    params.x0 = X0::Given(x0.clone());
    let reduced = simulate::run(&inst, &params, &|_| {}).unwrap();
    let full = simulate::simulate(&inst, &params).unwrap();
    let simulate::SimSpace::Range {
        reduction,
        null_part_sq,
    } = reduced.simulation.space
    else {
        panic!("simulated in the range")
    };
    assert_eq!((reduction.rank, reduction.d), (4, 10));
    assert!(null_part_sq > 0.1);
    for (r, f) in reduced.simulation.rows.iter().zip(&full.rows) {
        let (yr, xf) = (r.ln_estimate().exp(), f.ln_estimate().exp());
        assert_close(
            &format!("mean ‖x_k‖² at k = {}", r.step),
            yr + null_part_sq,
            xf,
            1e-9,
            1.0,
        );
    }
    // A start in the null space of every H_i never moves: refused.
    let red = sgd_stability::reduction::Reduction::of(&inst, &Default::default()).unwrap();
    let (y, _) = red.split(&x0);
    let back = red.embed(&y);
    let null: Vec<f64> = x0.iter().zip(&back).map(|(a, b)| a - b).collect();
    params.x0 = X0::Given(null);
    let e = simulate::run(&inst, &params, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("x0") && e.contains("null space"), "{e}");
}

/// `simulate --x0-file` reads a start of length `d` from a `.npy` vector; a wrong length is
/// refused with exit 2.
#[test]
fn simulate_reads_x0_from_npy() {
    let rows = two_layer_gradients(20, 4, 5, 6);
    let g = write_npy("g20x25.npy", &rows);
    let x: Vec<Vec<f64>> = vec![(0..25).map(|k| f64::from(k).cos()).collect()];
    let x0 = write_npy("x0.npy", &x);
    let o = bin(&[
        "simulate",
        g.to_str().unwrap(),
        "--gamma",
        "0.05",
        "--batch-size",
        "2",
        "--steps",
        "5",
        "--trials",
        "50",
        "--x0-file",
        x0.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("the given x0 is split"), "{text}");
    let short = write_npy("x0short.npy", &[vec![1.0, 2.0]]);
    let o = bin(&[
        "simulate",
        g.to_str().unwrap(),
        "--gamma",
        "0.05",
        "--batch-size",
        "2",
        "--x0-file",
        short.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("x0"));
}

/// `sweep` takes `.npy` input and a chosen list of batch sizes.
#[test]
fn sweep_takes_npy_and_a_list_of_batch_sizes() {
    let rows = two_layer_gradients(24, 5, 6, 8);
    let g = write_npy("g24x36.npy", &rows);
    let o = bin(&[
        "sweep",
        g.to_str().unwrap(),
        "--gamma",
        "0.05",
        "--batch-sizes",
        "1,8,24",
        "--format",
        "json",
    ]);
    let v = json(&o);
    let bs: Vec<u64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["batch_size"].as_u64().unwrap())
        .collect();
    assert_eq!(bs, vec![1, 8, 24, 1, 8, 24]);
    assert_eq!(v["reduced_dim"], 24);
}

/// One gradient of length 30,000 (a 60 KB file) used to ask for a 7.2 GB `d×d` matrix: it is a
/// rank-one instance, analyzed on its one-dimensional range.
#[test]
fn a_single_long_gradient_is_analyzed_on_its_range() {
    let g: Vec<Vec<f32>> = vec![(0..30_000)
        .map(|k| ((k % 7) as f32 - 3.0) / 100.0)
        .collect()];
    let p = write_npy("long.npy", &g);
    let v = analyze(&p, 0.01, 1);
    assert_eq!(v["d"], 30_000);
    assert_eq!(v["reduced_dim"], 1);
    // H = g gᵀ: λ_max = ‖g‖², and GD's γ* = 2/‖g‖².
    let norm2: f64 = g[0].iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    assert_close(
        "λ_max(H) = ‖g‖²",
        v["sharpness"].as_f64().unwrap(),
        norm2,
        1e-12,
        0.0,
    );
    assert_close(
        "γ*_GD",
        v["critical_gamma_gd"].as_f64().unwrap(),
        2.0 / norm2,
        1e-12,
        0.0,
    );
}

/// A range reduction beyond the memory budget is refused before allocating, naming the Gram
/// matrix, the size and the limit (exit 2).
#[test]
fn a_reduction_beyond_the_memory_budget_is_refused() {
    let rows: Vec<Vec<f32>> = (0..200)
        .map(|i| {
            (0..300)
                .map(|k| ((i * 31 + k * 7) % 11) as f32 / 10.0)
                .collect()
        })
        .collect();
    let p = write_npy("g200x300.npy", &rows);
    let o = bin(&[
        "--memory-limit",
        "1M",
        "analyze",
        p.to_str().unwrap(),
        "--gamma",
        "0.01",
        "--batch-size",
        "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("g200x300.npy") && err.contains("Gram") && err.contains("1.0 MiB"),
        "{err}"
    );
    // With the default budget it runs.
    let v = analyze(&p, 0.01, 1);
    assert_eq!(v["n"], 200);
}

/// A `.npy` file is streamed from disk into the instance (never held whole beside it): the
/// instance read from the file equals the one read from its bytes, for float32/float64/int
/// entries, C and Fortran order, gradients and Hessians.
#[test]
fn a_streamed_npy_file_reads_as_its_bytes() {
    use sgd_stability::load::{instance_from_npy, load_path, Overrides};
    use sgd_stability::tolerance::RelTol;
    let overrides = Overrides {
        gamma: Some(0.01),
        batch_size: Some(2),
        sampling: None,
    };
    let sym = RelTol::new(1e-9).unwrap();
    let rows64 = two_layer_gradients(5, 3, 4, 11);
    let rows32: Vec<Vec<f32>> = rows64
        .iter()
        .map(|r| r.iter().map(|&x| x as f32).collect())
        .collect();
    let rows_int: Vec<Vec<i32>> = (0..4)
        .map(|i| (0..7).map(|k| (i * 7 + k) % 5 - 2).collect())
        .collect();
    let mut files = vec![
        write_npy("stream64.npy", &rows64),
        write_npy("stream32.npy", &rows32),
        write_npy("stream_int.npy", &rows_int),
    ];
    // Fortran order, and a 2×2×2 stack of symmetric Hessians (version 1 headers).
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real_scale");
    for (name, bytes) in [
        (
            "stream_fortran.npy",
            crate::cli::npy(
                "<f8",
                true,
                &[2, 3],
                &f64_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
            ),
        ),
        (
            "stream_hessians.npy",
            crate::cli::npy(
                "<f8",
                false,
                &[2, 2, 2],
                &f64_bytes(&[2.0, 1.0, 1.0, 3.0, 1.0, 0.0, 0.0, 0.5]),
            ),
        ),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    }
    for p in &files {
        let streamed = load_path(p, &overrides, sym).unwrap();
        let bytes = std::fs::read(p).unwrap();
        let whole = instance_from_npy(&bytes, "x.npy", "x", &overrides, sym).unwrap();
        assert_eq!(streamed.n(), whole.n(), "{}", p.display());
        assert_eq!(streamed.d(), whole.d(), "{}", p.display());
        for i in 0..whole.n() {
            assert_eq!(
                streamed.samples().hessian(i),
                whole.samples().hessian(i),
                "{} sample {i}",
                p.display()
            );
        }
    }
}

fn f64_bytes(x: &[f64]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Streaming also means a header cannot make the reader allocate what the file does not hold: a
/// version-2 header claiming 4 GB in a 20-byte file, and a file cut inside its data, are
/// refused with exit 2 naming the file.
#[test]
fn a_lying_npy_header_is_refused_without_allocating() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real_scale");
    std::fs::create_dir_all(&dir).unwrap();
    let mut huge = b"\x93NUMPY\x02\x00".to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(b"{'descr'");
    let cut = {
        let mut b = crate::cli::npy("<f8", false, &[2, 3], &f64_bytes(&[1.0; 6]));
        b.truncate(b.len() - 5);
        b
    };
    for (name, bytes) in [("lying_header.npy", huge), ("cut_data.npy", cut)] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = bin(&[
            "analyze",
            p.to_str().unwrap(),
            "--gamma",
            "0.1",
            "--batch-size",
            "1",
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{err}");
    }
}

/// The f64 entries of a float32 file fit the budget although the file and its f64 copy together
/// would not (the file is streamed, not held): 8 gradients of length 14,000 are 0.43 MiB on disk
/// and 0.85 MiB as f64, read under a 1 MiB budget.
#[test]
fn a_float32_file_is_not_held_beside_its_f64_copy() {
    let rows: Vec<Vec<f32>> = (0..8)
        .map(|i| {
            (0..14_000)
                .map(|k| ((i * 13 + k * 7) % 17) as f32 / 17.0)
                .collect()
        })
        .collect();
    let p = write_npy("stream_budget.npy", &rows);
    let o = bin(&[
        "--memory-limit",
        "1M",
        "analyze",
        p.to_str().unwrap(),
        "--gamma",
        "0.001",
        "--batch-size",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(json(&o)[0]["reduced_dim"], 8);
}
