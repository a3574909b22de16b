//! The input of an enumeration: per-sample Hessians as [`Matrix`]es over a scalar `T`, with `B`,
//! the sampling scheme and `γ` — built from an [`Instance`] (in `f64` or exactly) or from
//! rationals directly.

use crate::error::{Error, Result};
use crate::exact::{rational_from_decimal_f64, Matrix, Scalar};
use crate::instance::{Instance, Samples, Sampling};
use num_rational::BigRational;

/// A validated problem over the scalar `T`: `N ≥ 1` symmetric `d×d` Hessians `H_i` (`d ≥ 1`),
/// the batch size `B ≥ 1` (`B ≤ N` without replacement; `B | N` under random reshuffling), the
/// sampling scheme and `γ`.
///
/// The expectations are over one minibatch; under random reshuffling that is its one-step
/// marginal, a uniform `B`-subset ([`super::route_for`]).
///
/// `γ` is not restricted: the identities checked here hold for every `γ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem<T> {
    hessians: Vec<Matrix<T>>,
    batch_size: usize,
    sampling: Sampling,
    gamma: T,
}

impl<T: Scalar> Problem<T> {
    /// A problem.
    ///
    /// # Errors
    /// [`Error::Input`] on `hessians` if there are none, on `hessians[i]` if a matrix is empty,
    /// has another `d` than `hessians[0]`, or is not exactly symmetric, and on `batch_size` if
    /// `B = 0`, `B > N` without replacement or under random reshuffling, or `B ∤ N` under
    /// random reshuffling.
    pub fn new(
        hessians: Vec<Matrix<T>>,
        batch_size: usize,
        sampling: Sampling,
        gamma: T,
    ) -> Result<Self> {
        let Some(first) = hessians.first() else {
            return Err(Error::invalid(
                crate::error::ErrorKind::Shape,
                "hessians",
                "no samples: N must be at least 1",
            ));
        };
        let d = first.dim();
        for (i, h) in hessians.iter().enumerate() {
            if h.dim() == 0 {
                return Err(Error::invalid(
                    crate::error::ErrorKind::Shape,
                    format!("hessians[{i}]"),
                    "empty matrix (d must be at least 1)",
                ));
            }
            if h.dim() != d {
                return Err(Error::invalid(
                    crate::error::ErrorKind::Shape,
                    format!("hessians[{i}]"),
                    format!("is {0}×{0}, but hessians[0] is {d}×{d}", h.dim()),
                ));
            }
            for r in 0..d {
                for c in r + 1..d {
                    if h.get(r, c) != h.get(c, r) {
                        return Err(Error::invalid(
                            crate::error::ErrorKind::NonSymmetric,
                            format!("hessians[{i}]"),
                            format!(
                                "is not symmetric: entry [{r}][{c}] = {:?} but [{c}][{r}] = {:?}",
                                h.get(r, c),
                                h.get(c, r)
                            ),
                        ));
                    }
                }
            }
        }
        let n = hessians.len();
        if batch_size == 0 {
            return Err(Error::invalid(
                crate::error::ErrorKind::OutOfRange,
                "batch_size",
                "the batch size must be at least 1, got 0",
            ));
        }
        if sampling.batch_is_subset() && batch_size > n {
            return Err(Error::invalid(crate::error::ErrorKind::OutOfRange,
                "batch_size",
                format!("B = {batch_size} exceeds the number of samples N = {n}; {sampling} draws a batch as a B-subset of the N samples"),
            ));
        }
        if sampling == Sampling::RandomReshuffling && n % batch_size != 0 {
            return Err(Error::invalid(crate::error::ErrorKind::OutOfRange,
                "batch_size",
                format!("B = {batch_size} does not divide N = {n}; random_reshuffling cuts each epoch into N/B whole batches"),
            ));
        }
        Ok(Self {
            hessians,
            batch_size,
            sampling,
            gamma,
        })
    }

    /// The Hessians `H_i`.
    #[must_use]
    pub fn hessians(&self) -> &[Matrix<T>] {
        &self.hessians
    }

    /// The number of samples `N`.
    #[must_use]
    pub fn n(&self) -> usize {
        self.hessians.len()
    }

    /// The dimension `d`.
    #[must_use]
    pub fn d(&self) -> usize {
        self.hessians[0].dim()
    }

    /// The batch size `B`.
    #[must_use]
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The sampling scheme.
    #[must_use]
    pub fn sampling(&self) -> Sampling {
        self.sampling
    }

    /// The learning rate `γ`.
    #[must_use]
    pub fn gamma(&self) -> &T {
        &self.gamma
    }

    /// The same Hessians and `γ` with another batch size and sampling scheme.
    ///
    /// # Errors
    /// As [`Problem::new`].
    pub fn with_batch(self, batch_size: usize, sampling: Sampling) -> Result<Self> {
        Self::new(self.hessians, batch_size, sampling, self.gamma)
    }

    /// The same problem with another `γ`.
    #[must_use]
    pub fn with_gamma(self, gamma: T) -> Self {
        Self { gamma, ..self }
    }
}

impl Problem<f64> {
    /// The instance's problem in `f64`, with `H_i` from [`Samples::hessian`].
    #[must_use]
    pub fn from_instance(instance: &Instance) -> Self {
        Self {
            hessians: hessians_f64(instance.samples()),
            batch_size: instance.batch_size().get(),
            sampling: instance.sampling(),
            gamma: instance.gamma().get(),
        }
    }
}

impl Problem<BigRational> {
    /// The instance's problem in exact rationals: every `f64` (the entries, `γ`) is converted to
    /// the decimal it was written as ([`rational_from_decimal_f64`]: the shortest decimal that rounds to
    /// it), and gradients are multiplied out
    /// exactly (`H_i = g_i g_iᵀ` in rationals, not in `f64`).
    ///
    /// A decimal such as `γ = 0.48` becomes `12/25`, the number in the file (the `f64` code sees
    /// the nearest binary fraction); the identities hold exactly for either.
    #[must_use]
    pub fn exact_from_instance(instance: &Instance) -> Self {
        Self {
            hessians: hessians_exact(instance.samples()),
            batch_size: instance.batch_size().get(),
            sampling: instance.sampling(),
            gamma: rational_from_decimal_f64(instance.gamma().get()),
        }
    }
}

/// The `H_i` of `samples` as [`Matrix<f64>`]s (gradients multiplied out by
/// [`Samples::hessian`]).
#[must_use]
pub fn hessians_f64(samples: &Samples) -> Vec<Matrix<f64>> {
    (0..samples.n())
        .map(|i| {
            let h = samples.hessian(i);
            Matrix::from_fn(samples.d(), samples.d(), |r, c| h[(r, c)])
        })
        .collect()
}

/// The `H_i` of `samples` as exact rationals: each `f64` entry as the decimal it was written as, and for
/// gradients `H_i = g_i g_iᵀ` multiplied out in rationals.
#[must_use]
pub fn hessians_exact(samples: &Samples) -> Vec<Matrix<BigRational>> {
    match samples {
        Samples::Hessians(hs) => hs
            .iter()
            .map(|h| {
                Matrix::from_fn(h.nrows(), h.nrows(), |r, c| {
                    rational_from_decimal_f64(h[(r, c)])
                })
            })
            .collect(),
        Samples::Gradients(g) => (0..samples.n())
            .map(|i| {
                let row: Vec<BigRational> = g
                    .row(i)
                    .iter()
                    .map(|&x| rational_from_decimal_f64(x))
                    .collect();
                Matrix::from_fn(row.len(), row.len(), |r, c| &row[r] * &row[c])
            })
            .collect(),
    }
}
