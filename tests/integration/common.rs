//! Shared helpers: fixture paths, a self-explaining closeness assertion, random instances.

use rand::RngExt as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sgd_stability::criteria::CriticalGamma;
use sgd_stability::{
    Analysis, BatchSize, Instance, LearningRate, RelTol, Samples, Sampling, Tolerances,
};
use std::path::{Path, PathBuf};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped instance fixtures.
pub fn fixture_files() -> Vec<PathBuf> {
    sgd_stability::cli::fixture_files(&root().join("fixtures")).expect("fixtures/ is readable")
}

/// Load and analyze one file with default tolerances.
pub fn analyze_file(path: &Path) -> Analysis {
    let inst = sgd_stability::load::load_path(
        path,
        &Default::default(),
        RelTol::new(Tolerances::DEFAULT_SYMMETRY).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Analysis::of(&inst, &Tolerances::default()).expect("analysis succeeds")
}

/// Assert `|got − want| ≤ rel · max(|want|, floor)`, printing got, want, the error and the
/// tolerance when it fails.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64, floor: f64) {
    let tol = rel * want.abs().max(floor);
    let err = (got - want).abs();
    assert!(
        err <= tol,
        "{what}: got {got:e}, want {want:e}, error {err:e} > tolerance {tol:e}"
    );
}

/// Two critical learning rates agree: finite ones within `rel` of `want`, the others exactly
/// (unbounded, or none accepted).
#[track_caller]
pub fn assert_critical_close(what: &str, got: CriticalGamma, want: CriticalGamma, rel: f64) {
    match (got, want) {
        (CriticalGamma::Finite(g), CriticalGamma::Finite(w)) => assert_close(what, g, w, rel, 0.0),
        (g, w) => assert_eq!(g, w, "{what}"),
    }
}

/// A random symmetric PSD `d×d` matrix `G Gᵀ` with `G` of `rank` columns of small integers
/// (exactly representable, so the exact route can use the same numbers).
pub fn random_psd(rng: &mut ChaCha8Rng, d: usize, rank: usize) -> Vec<Vec<f64>> {
    let g: Vec<Vec<f64>> = (0..d)
        .map(|_| {
            (0..rank)
                .map(|_| f64::from(rng.random_range(-3i32..=3)))
                .collect()
        })
        .collect();
    (0..d)
        .map(|i| {
            (0..d)
                .map(|j| (0..rank).map(|k| g[i][k] * g[j][k]).sum())
                .collect()
        })
        .collect()
}

/// A seeded random Hessian instance with `n` samples of dimension `d` and rank up to `rank`.
pub fn random_hessians(seed: u64, n: usize, d: usize, rank: usize) -> Vec<Vec<Vec<f64>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| random_psd(&mut rng, d, rank)).collect()
}

/// A validated instance from rows.
pub fn instance(rows: &[Vec<Vec<f64>>], gamma: f64, b: usize, sampling: Sampling) -> Instance {
    let samples = Samples::hessians_from_rows(rows, RelTol::new(0.0).unwrap()).unwrap();
    Instance::new(
        "random",
        samples,
        LearningRate::new(gamma).unwrap(),
        BatchSize::new(b).unwrap(),
        sampling,
    )
    .unwrap()
}

/// Sizes and a seed for one random instance: quickcheck draws these, ChaCha8 draws the matrices
/// from the seed ([`random_hessians`]).
#[derive(Debug, Clone)]
pub struct Shape {
    pub seed: u64,
    pub n: usize,
    pub d: usize,
    pub b: usize,
    pub rank: usize,
    pub sampling: Sampling,
}

impl quickcheck::Arbitrary for Shape {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let n = 1 + usize::arbitrary(g) % 6;
        let d = 1 + usize::arbitrary(g) % 4;
        let sampling = if bool::arbitrary(g) {
            Sampling::WithoutReplacement
        } else {
            Sampling::WithReplacement
        };
        let b = match sampling {
            Sampling::WithoutReplacement => 1 + usize::arbitrary(g) % n,
            Sampling::WithReplacement => 1 + usize::arbitrary(g) % (n + 2),
            Sampling::RandomReshuffling => unreachable!("Shape draws the i.i.d. schemes only"),
        };
        Self {
            seed: u64::arbitrary(g),
            n,
            d,
            b,
            rank: 1 + usize::arbitrary(g) % d,
            sampling,
        }
    }
}
