//! A problem instance: the per-sample Hessians `H_i` (or gradients `g_i`), the learning rate `γ`,
//! the batch size `B` and the sampling scheme — validated once, at construction.

use crate::error::{Error, Result};
use crate::linalg;
use crate::tolerance::RelTol;
use faer::{Mat, MatRef};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The learning rate `γ`: finite and `> 0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct LearningRate(f64);

impl LearningRate {
    /// A learning rate.
    ///
    /// # Errors
    /// [`Error::Input`] on field `gamma` if `gamma` is NaN, infinite or `≤ 0`.
    pub fn new(gamma: f64) -> Result<Self> {
        if gamma.is_finite() && gamma > 0.0 {
            Ok(Self(gamma))
        } else {
            // NaN and ±∞ are not finite, whatever their sign; a finite γ ≤ 0 is out of range.
            let kind = if gamma.is_finite() {
                crate::error::ErrorKind::OutOfRange
            } else {
                crate::error::ErrorKind::NonFinite
            };
            Err(Error::invalid(
                kind,
                "gamma",
                format!("the learning rate must be a finite number > 0, got {gamma}"),
            ))
        }
    }

    /// `γ` as a number.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The batch size `B`: an integer `≥ 1` (and `≤ N` without replacement, a divisor of `N` under
/// random reshuffling, checked by [`Instance::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct BatchSize(usize);

impl BatchSize {
    /// A batch size.
    ///
    /// # Errors
    /// [`Error::Input`] on field `batch_size` if `b = 0`.
    pub fn new(b: usize) -> Result<Self> {
        if b >= 1 {
            Ok(Self(b))
        } else {
            Err(Error::invalid(
                crate::error::ErrorKind::OutOfRange,
                "batch_size",
                "the batch size must be at least 1, got 0",
            ))
        }
    }

    /// `B` as a number.
    #[must_use]
    pub fn get(self) -> usize {
        self.0
    }
}

/// How a minibatch `B_k` of size `B` is drawn from the `N` samples.
///
/// The first two schemes draw the batches of different steps independently (i.i.d.), which is
/// what the lecture's multi-step results assume: Theorem 3.3, Theorem 3.5 and the exact
/// second-moment operator `L_γ` with its `γ*_exact`. Random reshuffling does not: the batches of
/// one epoch are disjoint. One batch of it is still a uniform `B`-subset, so the one-step
/// quantities (`E[H_B]`, `E[H_B²]`, `E[(I − γH_B)²]`, the batch factor `c`) are those without
/// replacement; its mean-square stability is decided by the per-epoch operator of
/// [`crate::mean_square::reshuffling`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// A uniformly random `B`-subset, independently at every step (the lecture's setting).
    /// Batch factor `c = (N − B)/(B(N − 1))`.
    #[default]
    WithoutReplacement,
    /// `B` independent uniform draws, independently at every step. Batch factor `c = 1/B`.
    WithReplacement,
    /// Random reshuffling (a shuffled data loader): each epoch draws a fresh uniformly random
    /// permutation of the `N` samples and cuts it into `E = N/B` consecutive batches, used in
    /// order. `B` must divide `N` (no ragged or dropped last batch). Batches are not
    /// independent across steps.
    RandomReshuffling,
}

impl Sampling {
    /// The two i.i.d. schemes (batches independent across steps), in the order they are
    /// documented: the schemes the lecture's multi-step criteria and the operator `L_γ` cover.
    ///
    /// There is deliberately no `Sampling::ALL` meaning these two: code that iterates over
    /// "every scheme" for an i.i.d. computation says so by using this constant, and code written
    /// against the former two-scheme `ALL` fails to compile instead of silently including
    /// random reshuffling.
    pub const IID: [Sampling; 2] = [Sampling::WithoutReplacement, Sampling::WithReplacement];

    /// Every scheme, in the order they are documented.
    pub const EVERY: [Sampling; 3] = [
        Sampling::WithoutReplacement,
        Sampling::WithReplacement,
        Sampling::RandomReshuffling,
    ];

    /// The name used in files and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithoutReplacement => "without_replacement",
            Self::WithReplacement => "with_replacement",
            Self::RandomReshuffling => "random_reshuffling",
        }
    }

    /// Whether the batches of different steps are independent (the two i.i.d. schemes).
    #[must_use]
    pub fn is_iid(self) -> bool {
        match self {
            Self::WithoutReplacement | Self::WithReplacement => true,
            Self::RandomReshuffling => false,
        }
    }

    /// Whether one batch is a `B`-subset of distinct samples (so `B ≤ N`): without replacement
    /// and random reshuffling.
    #[must_use]
    pub fn batch_is_subset(self) -> bool {
        match self {
            Self::WithoutReplacement | Self::RandomReshuffling => true,
            Self::WithReplacement => false,
        }
    }
}

impl fmt::Display for Sampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sampling {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::EVERY
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown sampling scheme {s:?}; expected \"without_replacement\", \"with_replacement\" or \"random_reshuffling\"")
            })
    }
}

/// The per-sample curvature at the minimum: either the Hessians `H_i` themselves, or, for squared
/// loss with a scalar output, the model-output gradients `g_i` with `H_i = g_i g_iᵀ`.
#[derive(Debug, Clone)]
pub enum Samples {
    /// `N` symmetric `d×d` Hessians (stored exactly symmetric).
    Hessians(Vec<Mat<f64>>),
    /// The gradients `g_i` (`H_i = g_i g_iᵀ`).
    Gradients(Gradients),
}

/// `N` gradients `g_i ∈ ℝ^d`, stored as `Gᵀ` (`d×N`, column-major): each `g_i` is one
/// contiguous column, so a minibatch reads `B` contiguous rows of `G` (the Monte Carlo kernel
/// borrows them instead of copying `G`).
#[derive(Debug, Clone)]
pub struct Gradients {
    gt: Mat<f64>,
}

impl Gradients {
    /// From `Gᵀ`, the `d×N` matrix whose column `i` is `g_i`.
    #[must_use]
    pub fn from_transposed(gt: Mat<f64>) -> Self {
        Self { gt }
    }

    /// `G`, the `N×d` matrix whose row `i` is `g_iᵀ` (a view of the stored `Gᵀ`).
    #[must_use]
    pub fn matrix(&self) -> MatRef<'_, f64> {
        self.gt.transpose()
    }

    /// `g_i`, contiguous.
    ///
    /// # Panics
    /// If `i ≥ N`.
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        self.gt
            .col(i)
            .try_as_col_major()
            .expect("faer stores columns contiguously")
            .as_slice()
    }
}

impl Samples {
    /// Per-sample Hessians from nested rows, `hessians[i][r][c]`.
    ///
    /// # Errors
    /// [`Error::Input`] naming `hessians[i]`, `hessians[i][r]` or `hessians[i][r][c]` when there
    /// are no samples, a matrix is empty, ragged or not square, `d` differs between samples, an
    /// entry is NaN or infinite, or a matrix is not symmetric within `symmetry` (relative to its
    /// largest entry). Accepted matrices are stored as `(H_i + H_iᵀ)/2`.
    pub fn hessians_from_rows(rows: &[Vec<Vec<f64>>], symmetry: RelTol) -> Result<Self> {
        if rows.is_empty() {
            return Err(Error::invalid(
                crate::error::ErrorKind::Shape,
                "hessians",
                "no samples: N must be at least 1",
            ));
        }
        let d = rows[0].len();
        let mut out = Vec::with_capacity(rows.len());
        for (i, m) in rows.iter().enumerate() {
            if m.is_empty() {
                return Err(Error::invalid(
                    crate::error::ErrorKind::Shape,
                    format!("hessians[{i}]"),
                    "empty matrix (d must be at least 1)",
                ));
            }
            if m.len() != d {
                return Err(Error::invalid(crate::error::ErrorKind::Shape,
                    format!("hessians[{i}]"),
                    format!("has {} rows, but hessians[0] has {d}: every sample must be d×d with the same d", m.len()),
                ));
            }
            for (r, row) in m.iter().enumerate() {
                if row.len() != d {
                    return Err(Error::invalid(
                        crate::error::ErrorKind::Shape,
                        format!("hessians[{i}][{r}]"),
                        format!(
                            "has {} entries, expected {d}: the matrix must be square (d = {d})",
                            row.len()
                        ),
                    ));
                }
                if let Some(c) = row.iter().position(|x| !x.is_finite()) {
                    return Err(Error::invalid(
                        crate::error::ErrorKind::NonFinite,
                        format!("hessians[{i}][{r}][{c}]"),
                        format!("is {}, entries must be finite", row[c]),
                    ));
                }
            }
            let mat = Mat::from_fn(d, d, |r, c| m[r][c]);
            out.push(Self::check_symmetric(i, mat, symmetry)?);
        }
        Ok(Self::Hessians(out))
    }

    /// Per-sample Hessians from faer matrices; validated like [`Samples::hessians_from_rows`].
    ///
    /// # Errors
    /// As [`Samples::hessians_from_rows`].
    pub fn hessians(mats: Vec<Mat<f64>>, symmetry: RelTol) -> Result<Self> {
        let rows: Vec<Vec<Vec<f64>>> = mats
            .iter()
            .map(|m| {
                (0..m.nrows())
                    .map(|r| (0..m.ncols()).map(|c| m[(r, c)]).collect())
                    .collect()
            })
            .collect();
        Self::hessians_from_rows(&rows, symmetry)
    }

    /// Per-sample gradients from rows, `gradients[i][j]` (then `H_i = g_i g_iᵀ`).
    ///
    /// # Errors
    /// [`Error::Input`] naming `gradients[i]` or `gradients[i][j]` when there are no samples, a
    /// gradient is empty, lengths differ, or an entry is NaN or infinite.
    pub fn gradients_from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        if rows.is_empty() {
            return Err(Error::invalid(
                crate::error::ErrorKind::Shape,
                "gradients",
                "no samples: N must be at least 1",
            ));
        }
        let d = rows[0].len();
        for (i, g) in rows.iter().enumerate() {
            if g.is_empty() {
                return Err(Error::invalid(
                    crate::error::ErrorKind::Shape,
                    format!("gradients[{i}]"),
                    "empty gradient (d must be at least 1)",
                ));
            }
            if g.len() != d {
                return Err(Error::invalid(crate::error::ErrorKind::Shape,
                    format!("gradients[{i}]"),
                    format!("has length {}, but gradients[0] has length {d}: every gradient must have the same length d", g.len()),
                ));
            }
            if let Some(j) = g.iter().position(|x| !x.is_finite()) {
                return Err(Error::invalid(
                    crate::error::ErrorKind::NonFinite,
                    format!("gradients[{i}][{j}]"),
                    format!("is {}, entries must be finite", g[j]),
                ));
            }
        }
        Ok(Self::Gradients(Gradients::from_transposed(Mat::from_fn(
            d,
            rows.len(),
            |j, i| rows[i][j],
        ))))
    }

    fn check_symmetric(i: usize, m: Mat<f64>, symmetry: RelTol) -> Result<Mat<f64>> {
        let tol = symmetry.at_scale(linalg::max_abs(m.as_ref()));
        let d = m.nrows();
        for r in 0..d {
            for c in (r + 1)..d {
                let gap = (m[(r, c)] - m[(c, r)]).abs();
                if gap > tol {
                    return Err(Error::invalid(crate::error::ErrorKind::NonSymmetric,
                        format!("hessians[{i}]"),
                        format!(
                            "is not symmetric: entry [{r}][{c}] = {} but [{c}][{r}] = {} (difference {gap:.3e} exceeds the tolerance {tol:.3e} = {:e} × largest entry)",
                            m[(r, c)],
                            m[(c, r)],
                            symmetry.value()
                        ),
                    ));
                }
            }
        }
        Ok(linalg::symmetrized(m.as_ref()))
    }

    /// The number of samples `N`.
    #[must_use]
    pub fn n(&self) -> usize {
        match self {
            Self::Hessians(h) => h.len(),
            Self::Gradients(g) => g.matrix().nrows(),
        }
    }

    /// The dimension `d` of the parameter space.
    #[must_use]
    pub fn d(&self) -> usize {
        match self {
            Self::Hessians(h) => h[0].nrows(),
            Self::Gradients(g) => g.matrix().ncols(),
        }
    }

    /// The Hessian `H_i` (formed as `g_i g_iᵀ` for gradients).
    ///
    /// # Panics
    /// If `i ≥ N`.
    #[must_use]
    pub fn hessian(&self, i: usize) -> Mat<f64> {
        match self {
            Self::Hessians(h) => h[i].clone(),
            Self::Gradients(g) => {
                let row = g.row(i);
                Mat::from_fn(row.len(), row.len(), |r, c| row[r] * row[c])
            }
        }
    }

    /// Whether the samples were given in rank-one form `H_i = g_i g_iᵀ`.
    #[must_use]
    pub fn is_gradient_form(&self) -> bool {
        matches!(self, Self::Gradients(_))
    }
}

/// One problem: samples, `γ`, `B`, sampling scheme, and a name for reports.
#[derive(Debug, Clone)]
pub struct Instance {
    name: String,
    samples: Samples,
    gamma: LearningRate,
    batch_size: BatchSize,
    sampling: Sampling,
}

impl Instance {
    /// An instance.
    ///
    /// # Errors
    /// [`Error::Input`] on field `batch_size` if `B > N` without replacement or under random
    /// reshuffling (a `B`-subset of `N` samples does not exist), or if `B` does not divide `N`
    /// under random reshuffling (an epoch is cut into `N/B` whole batches; a ragged or dropped
    /// last batch is not supported). With replacement any `B ≥ 1` is allowed.
    pub fn new(
        name: impl Into<String>,
        samples: Samples,
        gamma: LearningRate,
        batch_size: BatchSize,
        sampling: Sampling,
    ) -> Result<Self> {
        let n = samples.n();
        let b = batch_size.get();
        if sampling.batch_is_subset() && b > n {
            return Err(Error::invalid(crate::error::ErrorKind::OutOfRange,
                "batch_size",
                format!(
                    "B = {b} exceeds the number of samples N = {n}; {sampling} draws a batch as a B-subset of the N samples (use with_replacement, or B ≤ N)"
                ),
            ));
        }
        if sampling == Sampling::RandomReshuffling && n % b != 0 {
            return Err(Error::invalid(crate::error::ErrorKind::OutOfRange,
                "batch_size",
                format!(
                    "B = {b} does not divide N = {n}; random_reshuffling cuts each epoch's permutation into N/B whole batches, and a ragged or dropped last batch is not supported (choose B among the divisors of N)"
                ),
            ));
        }
        Ok(Self {
            name: name.into(),
            samples,
            gamma,
            batch_size,
            sampling,
        })
    }

    /// The instance's name (from the file, or its stem).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The per-sample data.
    #[must_use]
    pub fn samples(&self) -> &Samples {
        &self.samples
    }

    /// The learning rate `γ`.
    #[must_use]
    pub fn gamma(&self) -> LearningRate {
        self.gamma
    }

    /// The batch size `B`.
    #[must_use]
    pub fn batch_size(&self) -> BatchSize {
        self.batch_size
    }

    /// The sampling scheme.
    #[must_use]
    pub fn sampling(&self) -> Sampling {
        self.sampling
    }

    /// `Ok` under the two i.i.d. schemes; under random reshuffling, an [`Error::Input`] on
    /// field `sampling` saying that `what` assumes independent batches and where random
    /// reshuffling is supported instead.
    ///
    /// # Errors
    /// As above.
    pub fn require_iid(&self, what: &str) -> Result<()> {
        if self.sampling.is_iid() {
            return Ok(());
        }
        Err(Error::invalid(crate::error::ErrorKind::Unsupported,
            "sampling",
            format!(
                "{what} assumes batches drawn independently at every step, which {} does not do (the batches of one epoch are disjoint); for random reshuffling use `sgd-stability analyze` or `sweep` (the exact per-epoch operator, small N) or `simulate` (Monte Carlo)",
                self.sampling
            ),
        ))
    }

    /// The number of samples `N`.
    #[must_use]
    pub fn n(&self) -> usize {
        self.samples.n()
    }

    /// The dimension `d`.
    #[must_use]
    pub fn d(&self) -> usize {
        self.samples.d()
    }

    /// The same instance with another learning rate.
    #[must_use]
    pub fn with_gamma(mut self, gamma: LearningRate) -> Self {
        self.gamma = gamma;
        self
    }

    /// The same samples with another batch size and sampling scheme.
    ///
    /// # Errors
    /// As [`Instance::new`].
    pub fn with_batch(self, batch_size: BatchSize, sampling: Sampling) -> Result<Self> {
        Self::new(self.name, self.samples, self.gamma, batch_size, sampling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol() -> RelTol {
        RelTol::new(1e-6).unwrap()
    }

    #[test]
    fn learning_rate_boundaries() {
        assert!(LearningRate::new(0.0).is_err());
        assert!(LearningRate::new(-1.0).is_err());
        assert!(LearningRate::new(f64::NAN).is_err());
        assert!(LearningRate::new(f64::INFINITY).is_err());
        assert!(LearningRate::new(f64::MIN_POSITIVE).is_ok());
    }

    #[test]
    fn batch_size_zero_rejected() {
        assert!(BatchSize::new(0).is_err());
        assert!(BatchSize::new(1).is_ok());
    }

    #[test]
    fn sampling_round_trips() {
        for s in Sampling::EVERY {
            assert_eq!(s.as_str().parse::<Sampling>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(
            "random_reshuffling".parse::<Sampling>().unwrap(),
            Sampling::RandomReshuffling
        );
        let e = "random".parse::<Sampling>().unwrap_err();
        assert!(e.contains("random_reshuffling"), "{e}");
        assert!(Sampling::IID.iter().all(|s| s.is_iid()));
        assert!(!Sampling::RandomReshuffling.is_iid());
    }

    #[test]
    fn random_reshuffling_needs_b_dividing_n_and_at_most_n() {
        let s =
            Samples::gradients_from_rows(&[vec![1.0], vec![2.0], vec![3.0], vec![4.0]]).unwrap();
        let g = LearningRate::new(0.1).unwrap();
        let rr = Sampling::RandomReshuffling;
        for b in [1, 2, 4] {
            assert!(Instance::new("x", s.clone(), g, BatchSize::new(b).unwrap(), rr).is_ok());
        }
        for b in [3, 5, 8] {
            let e = Instance::new("x", s.clone(), g, BatchSize::new(b).unwrap(), rr)
                .unwrap_err()
                .to_string();
            assert!(e.contains("batch_size"), "{e}");
        }
        let e = Instance::new("x", s, g, BatchSize::new(3).unwrap(), rr)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not divide"), "{e}");
    }

    #[test]
    fn asymmetry_beyond_tolerance_is_rejected_with_index() {
        let rows = vec![
            vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            vec![vec![1.0, 2.0], vec![0.0, 1.0]],
        ];
        let err = Samples::hessians_from_rows(&rows, tol())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("hessians[1]") && err.contains("not symmetric"),
            "{err}"
        );
    }

    #[test]
    fn asymmetry_within_tolerance_is_symmetrized() {
        let rows = vec![vec![vec![1.0, 0.5 + 1e-9], vec![0.5, 1.0]]];
        let Samples::Hessians(h) = Samples::hessians_from_rows(&rows, tol()).unwrap() else {
            unreachable!()
        };
        assert_eq!(h[0][(0, 1)].to_bits(), h[0][(1, 0)].to_bits());
    }

    #[test]
    fn ragged_and_mismatched_shapes_are_named() {
        let ragged = vec![vec![vec![1.0, 0.0], vec![0.0]]];
        let e = Samples::hessians_from_rows(&ragged, tol())
            .unwrap_err()
            .to_string();
        assert!(e.contains("hessians[0][1]"), "{e}");
        let mismatched = vec![vec![vec![1.0]], vec![vec![1.0, 0.0], vec![0.0, 1.0]]];
        let e = Samples::hessians_from_rows(&mismatched, tol())
            .unwrap_err()
            .to_string();
        assert!(e.contains("hessians[1]"), "{e}");
        let grads = vec![vec![1.0, 2.0], vec![1.0]];
        let e = Samples::gradients_from_rows(&grads)
            .unwrap_err()
            .to_string();
        assert!(e.contains("gradients[1]"), "{e}");
    }

    #[test]
    fn batch_larger_than_n_only_with_replacement() {
        let s = Samples::gradients_from_rows(&[vec![1.0], vec![2.0]]).unwrap();
        let g = LearningRate::new(0.1).unwrap();
        let b = BatchSize::new(3).unwrap();
        let e = Instance::new("x", s.clone(), g, b, Sampling::WithoutReplacement).unwrap_err();
        assert!(e.to_string().contains("batch_size"));
        assert!(Instance::new("x", s, g, b, Sampling::WithReplacement).is_ok());
    }
}
