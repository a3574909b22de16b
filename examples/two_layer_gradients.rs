//! Per-sample output gradients of a two-layer tanh network, written as an `N×P` `.npy` — the
//! input of the real-scale benchmarks (`benches/README.md`, "Over-parameterized minima").
//!
//! `h(θ; u) = Σ_j a_j tanh(w_jᵀu)` with `m` hidden units and `d_in` inputs, so
//! `P = m(1 + d_in)`; parameters ordered `a_1..a_m, w_1, …, w_m`. The gradient of sample `i` is
//! `∂h/∂a_j = tanh(w_jᵀu_i)`, `∂h/∂w_j = a_j (1 − tanh²(w_jᵀu_i)) u_i`. Inputs `u_i` are
//! uniform on the sphere of radius `√d_in`, `w_j ~ N(0, I/d_in)`, `a_j ~ N(0, 1/m)`, all from
//! one `ChaCha8Rng` seed, so the file is the same on every machine.
//!
//! ```sh
//! cargo run --release --example two_layer_gradients -- N D_IN M SEED f32|f64 OUT.npy
//! cargo run --release --example two_layer_gradients -- 1000 99 1000 7 f32 /tmp/g1000x100000.npy
//! cargo run --release --example two_layer_gradients -- 256 64 16 7 f64 /tmp/g256x1040.npy
//! ```

use npyz::WriterBuilder;
use rand::distr::Distribution as _;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::Normal;
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, d_in, m, seed, dtype, out] = args.as_slice() else {
        return Err("usage: two_layer_gradients N D_IN M SEED f32|f64 OUT.npy".into());
    };
    let (n, d_in, m, seed): (usize, usize, usize, u64) =
        (n.parse()?, d_in.parse()?, m.parse()?, seed.parse()?);
    let p = m * (1 + d_in);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let std_normal = Normal::new(0.0, 1.0)?;
    let mut normal = |s: f64| s * std_normal.sample(&mut rng);
    let a: Vec<f64> = (0..m).map(|_| normal((1.0 / m as f64).sqrt())).collect();
    let w: Vec<Vec<f64>> = (0..m)
        .map(|_| {
            (0..d_in)
                .map(|_| normal((1.0 / d_in as f64).sqrt()))
                .collect()
        })
        .collect();
    let inputs: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            let v: Vec<f64> = (0..d_in).map(|_| normal(1.0)).collect();
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.iter().map(|x| x / norm * (d_in as f64).sqrt()).collect()
        })
        .collect();
    let tmp = format!("{out}.tmp");
    let file = BufWriter::new(std::fs::File::create(&tmp)?);
    let row = |u: &[f64]| -> Vec<f64> {
        let mut g = vec![0.0; p];
        for j in 0..m {
            let t = w[j].iter().zip(u).map(|(a, b)| a * b).sum::<f64>().tanh();
            g[j] = t;
            let s = a[j] * (1.0 - t * t);
            for (k, x) in u.iter().enumerate() {
                g[m + j * d_in + k] = s * x;
            }
        }
        g
    };
    match dtype.as_str() {
        "f32" => {
            let mut wr = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[n as u64, p as u64])
                .writer(file)
                .begin_nd()?;
            for u in &inputs {
                wr.extend(row(u).into_iter().map(|x| x as f32))?;
            }
            wr.finish()?;
        }
        "f64" => {
            let mut wr = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[n as u64, p as u64])
                .writer(file)
                .begin_nd()?;
            for u in &inputs {
                wr.extend(row(u))?;
            }
            wr.finish()?;
        }
        other => return Err(format!("dtype must be f32 or f64, not {other}").into()),
    }
    std::fs::rename(&tmp, out)?;
    eprintln!("wrote {out}: {n} × {p} ({dtype}), two-layer tanh network, d_in = {d_in}, m = {m}, seed {seed}");
    Ok(())
}
