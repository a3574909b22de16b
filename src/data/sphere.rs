//! The synthetic inputs of Section 4: `u` uniform on the sphere `√d·S^{d−1}` (normalized
//! Gaussians), seeded, with targets from a random two-layer ReLU teacher.

use super::{Dataset, Split};
use crate::error::{Error, Result};
use crate::model::{standard_normals, Activation, ScalarModel, TwoLayer};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A teacher–student task on the sphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SphereParams {
    /// `N`, training samples.
    pub n_train: usize,
    /// Test samples.
    pub n_test: usize,
    /// `d`, the input dimension (`≥ 2`).
    pub d: usize,
    /// The teacher's width `m*`.
    pub teacher_width: usize,
    /// Seed: the teacher is `TwoLayer::init(seed)`; training inputs are stream 1 and test
    /// inputs stream 2 of `ChaCha8Rng::seed_from_u64(seed)`.
    pub seed: u64,
}

/// `n` points uniform on the sphere of radius `√d` in `ℝ^d`: `√d·z/‖z‖`, `z ~ N(0, I)`.
///
/// # Panics
/// If `d = 0`.
pub fn sphere_inputs(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Vec<Vec<f64>> {
    assert!(d > 0, "the sphere needs d ≥ 1");
    let radius = (d as f64).sqrt();
    (0..n)
        .map(|_| loop {
            let z = standard_normals(rng, d);
            let norm = z.iter().map(|x| x * x).sum::<f64>().sqrt();
            // ‖z‖ = 0 has probability zero; draw again rather than divide by it.
            if norm > 0.0 {
                break z.into_iter().map(|x| radius * x / norm).collect();
            }
        })
        .collect()
}

/// The teacher `h*(u) = Σ_j a*_j relu(w*_jᵀu)` and its train and test sets: `v_i = h*(u_i)`.
///
/// # Errors
/// [`Error::Input`] on `d` (< 2), `n_train`, `n_test` or `teacher_width` (0).
pub fn teacher_task(p: &SphereParams) -> Result<Split> {
    if p.d < 2 {
        return Err(Error::input(
            "d",
            format!("must be at least 2, got {}", p.d),
        ));
    }
    for (field, v) in [("n_train", p.n_train), ("n_test", p.n_test)] {
        if v == 0 {
            return Err(Error::input(field, "must be at least 1, got 0"));
        }
    }
    let teacher = TwoLayer::new(p.d, p.teacher_width, Activation::Relu)
        .map_err(|_| Error::input("teacher_width", "must be at least 1, got 0"))?;
    let theta = teacher.init(p.seed);
    let make = |stream: u64, n: usize, name: &str| {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        rng.set_stream(stream);
        let u = sphere_inputs(&mut rng, n, p.d);
        let v = u.iter().map(|x| teacher.output(&theta, x)).collect();
        Dataset::new(name, &u, v)
    };
    Ok(Split {
        train: make(1, p.n_train, "sphere-teacher-train")?,
        test: make(2, p.n_test, "sphere-teacher-test")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_lie_on_the_sphere_and_are_centred() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let d = 5;
        let u = sphere_inputs(&mut rng, 20_000, d);
        for x in &u {
            let r2: f64 = x.iter().map(|a| a * a).sum();
            assert!((r2 - d as f64).abs() < 1e-12 * d as f64, "‖u‖² = {r2}");
        }
        // E[u] = 0 and E[u uᵀ] = I on √d·S^{d−1}; each coordinate has variance 1, so the mean
        // of 20 000 has standard error ≈ 0.007.
        for j in 0..d {
            let mean = u.iter().map(|x| x[j]).sum::<f64>() / u.len() as f64;
            let second = u.iter().map(|x| x[j] * x[j]).sum::<f64>() / u.len() as f64;
            assert!(mean.abs() < 0.04, "E[u_{j}] ≈ {mean}");
            assert!((second - 1.0).abs() < 0.04, "E[u_{j}²] ≈ {second}");
        }
    }

    #[test]
    fn teacher_task_is_seeded_and_checked() {
        let p = SphereParams {
            n_train: 8,
            n_test: 4,
            d: 3,
            teacher_width: 2,
            seed: 7,
        };
        let a = teacher_task(&p).unwrap();
        assert_eq!(a, teacher_task(&p).unwrap());
        assert_eq!((a.train.n(), a.test.n(), a.train.d()), (8, 4, 3));
        assert_ne!(a.train.input(0), a.test.input(0), "different streams");
        let e = teacher_task(&SphereParams { d: 1, ..p }).unwrap_err();
        assert!(e.to_string().contains(": d:"), "{e}");
        let e = teacher_task(&SphereParams {
            teacher_width: 0,
            ..p
        })
        .unwrap_err();
        assert!(e.to_string().contains("teacher_width"), "{e}");
    }
}
