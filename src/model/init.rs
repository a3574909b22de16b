//! Seeded standard normal draws (Box–Muller on ChaCha8), for initializations and synthetic data.

use rand::RngExt as _;
use rand_chacha::ChaCha8Rng;

/// `n` independent standard normal numbers from `rng` (Box–Muller: two per pair of uniforms).
pub fn standard_normals(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(n + 1);
    while v.len() < n {
        // u1 ∈ (0, 1], so ln u1 is finite.
        let u1 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        v.push(r * t.cos());
        v.push(r * t.sin());
    }
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn moments_are_standard() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let z = standard_normals(&mut rng, 200_001);
        assert_eq!(z.len(), 200_001);
        let n = z.len() as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        // Standard errors: 1/√n ≈ 2.2e-3 for the mean, √(2/n) ≈ 3.2e-3 for the variance.
        assert!(mean.abs() < 0.012, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "variance {var}");
    }
}
