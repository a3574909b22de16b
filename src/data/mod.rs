//! Datasets `ξ_i = (u_i, v_i)` with scalar targets: the shipped handwritten digits
//! ([`digits`], a two-class task with `±1` targets) and the synthetic inputs of Section 4
//! ([`sphere`]: `u` uniform on the sphere of radius `√d`, targets from a teacher network).

pub mod digits;
pub mod sphere;

use crate::error::{Error, Result};

/// `N` samples `(u_i, v_i)`, `u_i ∈ ℝ^d`, `v_i ∈ ℝ`: validated once (at least one sample, equal
/// lengths, finite numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: String,
    d: usize,
    /// `u_i` as rows, `N×d`, row-major.
    inputs: Vec<f64>,
    targets: Vec<f64>,
}

impl Dataset {
    /// A dataset from rows `u_i` and targets `v_i`.
    ///
    /// # Errors
    /// [`Error::Input`] naming `inputs`, `inputs[i]`, `inputs[i][j]`, `targets` or `targets[i]`
    /// when there are no samples, an input is empty or of another length than the first, the
    /// counts differ, or a number is NaN or infinite.
    pub fn new(name: impl Into<String>, rows: &[Vec<f64>], targets: Vec<f64>) -> Result<Self> {
        let Some(first) = rows.first() else {
            return Err(Error::input("inputs", "no samples: N must be at least 1"));
        };
        let d = first.len();
        if d == 0 {
            return Err(Error::input(
                "inputs[0]",
                "empty input (d must be at least 1)",
            ));
        }
        if targets.len() != rows.len() {
            return Err(Error::input(
                "targets",
                format!(
                    "has {} entries for N = {} inputs",
                    targets.len(),
                    rows.len()
                ),
            ));
        }
        let mut inputs = Vec::with_capacity(rows.len() * d);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != d {
                return Err(Error::input(
                    format!("inputs[{i}]"),
                    format!("has length {}, but inputs[0] has length {d}", r.len()),
                ));
            }
            if let Some(j) = r.iter().position(|x| !x.is_finite()) {
                return Err(Error::input(
                    format!("inputs[{i}][{j}]"),
                    format!("is {}, inputs must be finite", r[j]),
                ));
            }
            inputs.extend_from_slice(r);
        }
        if let Some(i) = targets.iter().position(|x| !x.is_finite()) {
            return Err(Error::input(
                format!("targets[{i}]"),
                format!("is {}, targets must be finite", targets[i]),
            ));
        }
        Ok(Self {
            name: name.into(),
            d,
            inputs,
            targets,
        })
    }

    /// The dataset's name, for reports.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `N`, the number of samples.
    #[must_use]
    pub fn n(&self) -> usize {
        self.targets.len()
    }

    /// `d`, the input dimension.
    #[must_use]
    pub fn d(&self) -> usize {
        self.d
    }

    /// `u_i`.
    ///
    /// # Panics
    /// If `i ≥ N`.
    #[must_use]
    pub fn input(&self, i: usize) -> &[f64] {
        &self.inputs[i * self.d..(i + 1) * self.d]
    }

    /// `v_i`.
    ///
    /// # Panics
    /// If `i ≥ N`.
    #[must_use]
    pub fn target(&self, i: usize) -> f64 {
        self.targets[i]
    }

    /// Every `v_i`.
    #[must_use]
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }
}

/// A training set and a test set of the same task.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The `N` samples the trainers see.
    pub train: Dataset,
    /// Held-out samples, for test loss and accuracy.
    pub test: Dataset,
}
