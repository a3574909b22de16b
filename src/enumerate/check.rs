//! The `enumerate` check: every minibatch enumerated against the closed form, quantity by
//! quantity, in floating point or in exact rationals.

use super::{closed_form, expectations, EnumerationParams, Problem, Route};
use crate::error::Result;
use crate::exact::{Matrix, Scalar};
use crate::instance::{Instance, Sampling};
use crate::tolerance::RelTol;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

/// The arithmetic of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arithmetic {
    /// `f64`: the routes must agree within a tolerance scaled to each quantity.
    Float,
    /// Exact rationals (each input read as the decimal it was written as): the routes must be
    /// equal.
    Exact,
}

/// One quantity, enumerated and in closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityCheck {
    /// `E[H_B]`, `E[H_B²]`, `E[(I − γH_B)²]` or `E[M_B ⊗ M_B]`.
    pub name: &'static str,
    /// The enumerated matrix (row-major rows; for exact checks, the nearest `f64`s).
    pub enumerated: Vec<Vec<f64>>,
    /// The closed form.
    pub closed_form: Vec<Vec<f64>>,
    /// For exact checks, the enumerated entries as rationals `p/q`.
    pub enumerated_exact: Option<Vec<Vec<String>>>,
    /// For exact checks, the closed-form entries as rationals `p/q`.
    pub closed_form_exact: Option<Vec<Vec<String>>>,
    /// `max |enumerated − closed form|` over the entries (for exact checks, of the exact
    /// difference, rounded to `f64` only for display).
    pub max_abs_difference: f64,
    /// The tolerance it was held to (0 for exact checks).
    pub tolerance: f64,
    /// Whether the routes agree: `==` for exact checks, within `tolerance` for floats.
    pub agrees: bool,
}

/// The whole check for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumerationCheck {
    /// The instance's name.
    pub name: String,
    /// `N`, `d`, `B`.
    pub n: usize,
    /// `d`.
    pub d: usize,
    /// `B`.
    pub batch_size: usize,
    /// The sampling scheme.
    pub sampling: Sampling,
    /// `γ`.
    pub gamma: f64,
    /// How the batches were visited.
    pub route: Route,
    /// How many batches were visited.
    pub visits: u128,
    /// Float or exact.
    pub arithmetic: Arithmetic,
    /// The four quantities.
    pub quantities: Vec<QuantityCheck>,
}

impl EnumerationCheck {
    /// Whether every quantity agrees.
    #[must_use]
    pub fn agrees(&self) -> bool {
        self.quantities.iter().all(|q| q.agrees)
    }

    /// Enumerate `instance` in `arithmetic` and compare with the closed form; floats are held to
    /// `agreement` relative to each quantity's largest entry.
    ///
    /// # Errors
    /// The enumeration is refused when its count exceeds `params`' limit (unless forced); on
    /// `sampling` under random reshuffling (see below).
    ///
    /// Random reshuffling is refused rather than enumerated as its one-step marginal: that
    /// marginal is sampling without replacement, whose check this would repeat under another
    /// name, while what distinguishes random reshuffling (its epochs) is not a one-step
    /// quantity.
    pub fn run(
        instance: &Instance,
        arithmetic: Arithmetic,
        params: &EnumerationParams,
        agreement: RelTol,
    ) -> Result<Self> {
        Self::run_as_written(instance, None, arithmetic, params, agreement)
    }

    /// [`EnumerationCheck::run`], in exact arithmetic on the numbers as written (`exact`: a JSON
    /// file's decimals, `--gamma` as typed; see [`crate::load::load_path_exact`]) instead of the
    /// shortest decimals of the instance's `f64`s. `exact` is ignored in `f64`.
    ///
    /// # Errors
    /// As [`EnumerationCheck::run`].
    pub fn run_as_written(
        instance: &Instance,
        exact: Option<crate::load::ExactInputs>,
        arithmetic: Arithmetic,
        params: &EnumerationParams,
        agreement: RelTol,
    ) -> Result<Self> {
        if instance.sampling() == Sampling::RandomReshuffling {
            return Err(crate::Error::invalid(crate::error::ErrorKind::Unsupported,
                "sampling",
                "`enumerate` does not enumerate random_reshuffling: one of its batches is a uniform B-subset, so its one-step quantities are exactly those of without_replacement (run `enumerate` with --sampling without_replacement), and its multi-step behaviour is the per-epoch operator of `analyze` and `sweep` (small N) or the Monte Carlo of `simulate`",
            ));
        }
        match arithmetic {
            Arithmetic::Float => super::limit::check_memory::<f64>(instance.n(), instance.d()),
            Arithmetic::Exact => {
                super::limit::check_memory::<BigRational>(instance.n(), instance.d())
            }
        }?;
        let (route, visits, quantities) = match arithmetic {
            Arithmetic::Float => {
                let p = Problem::from_instance(instance);
                let e = expectations(&p, params)?;
                let c = closed_form(&p);
                // Each quantity's natural size, a floor for its tolerance: s = max |(H_i)_jk|
                // for E[H_B], s² for E[H_B²], and 1 (the identity in M_B = I − γH_B) for the
                // other two. A floor of 1 for all would make the check vacuous at small scales.
                let s = p
                    .hessians()
                    .iter()
                    .flat_map(|h| rows(h, |x| *x).into_iter().flatten())
                    .fold(0.0_f64, |m, x| m.max(x.abs()));
                let floors = [s, s * s, 1.0, 1.0];
                let q = e
                    .expectations
                    .named()
                    .into_iter()
                    .zip(c.named())
                    .zip(floors)
                    .map(|(((name, got), (_, want)), floor)| {
                        float_check(name, got, want, agreement, floor)
                    })
                    .collect::<Vec<_>>();
                refuse_non_finite(&q)?;
                (e.route, e.visits, q)
            }
            Arithmetic::Exact => {
                let p = match exact {
                    Some(e) => Problem::new(
                        e.hessians(),
                        instance.batch_size().get(),
                        instance.sampling(),
                        e.gamma,
                    )?,
                    None => Problem::<BigRational>::exact_from_instance(instance),
                };
                let e = expectations(&p, params)?;
                let c = closed_form(&p);
                let q = e
                    .expectations
                    .named()
                    .into_iter()
                    .zip(c.named())
                    .map(|((name, got), (_, want))| exact_check(name, got, want))
                    .collect();
                (e.route, e.visits, q)
            }
        };
        Ok(Self {
            name: instance.name().to_owned(),
            n: instance.n(),
            d: instance.d(),
            batch_size: instance.batch_size().get(),
            sampling: instance.sampling(),
            gamma: instance.gamma().get(),
            route,
            visits,
            arithmetic,
            quantities,
        })
    }
}

fn rows<T: Scalar>(m: &Matrix<T>, f: impl Fn(&T) -> f64) -> Vec<Vec<f64>> {
    (0..m.dim())
        .map(|i| (0..m.dim()).map(|j| f(m.get(i, j))).collect())
        .collect()
}

/// In `f64`, a quantity with a NaN or infinite entry cannot be compared: say so (an error on
/// the input's scale) instead of reporting agreement or a difference.
fn refuse_non_finite(checks: &[QuantityCheck]) -> Result<()> {
    for q in checks {
        for (side, m) in [
            ("enumerated", &q.enumerated),
            ("closed form", &q.closed_form),
        ] {
            for (i, row) in m.iter().enumerate() {
                if let Some(j) = row.iter().position(|x| !x.is_finite()) {
                    return Err(crate::Error::invalid(crate::error::ErrorKind::NonFinite,
                        "hessians",
                        format!(
                            "{} ({side}) has entry [{i}][{j}] = {} in f64: the data's scale is beyond the f64 range for this quantity, so f64 cannot decide whether the routes agree; use --exact, or rescale the data (multiplying every H_i by s and γ by 1/s changes no verdict)",
                            q.name, row[j]
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn float_check(
    name: &'static str,
    got: &Matrix<f64>,
    want: &Matrix<f64>,
    agreement: RelTol,
    floor: f64,
) -> QuantityCheck {
    let (enumerated, closed_form) = (rows(got, |x| *x), rows(want, |x| *x));
    let scale = closed_form
        .iter()
        .flatten()
        .fold(0.0_f64, |m, x| m.max(x.abs()));
    let diff = max_abs_diff(&enumerated, &closed_form);
    // The floor (the quantity's natural size from the inputs) keeps an all-zero quantity from
    // demanding exact zeros of rounded sums.
    let tolerance = agreement.at_scale(scale.max(floor));
    QuantityCheck {
        name,
        enumerated,
        closed_form,
        enumerated_exact: None,
        closed_form_exact: None,
        max_abs_difference: diff,
        tolerance,
        // NaN never agrees: a NaN difference (or tolerance) fails this comparison.
        agrees: diff <= tolerance,
    }
}

fn exact_check(
    name: &'static str,
    got: &Matrix<BigRational>,
    want: &Matrix<BigRational>,
) -> QuantityCheck {
    let to_f = |x: &BigRational| x.to_f64().unwrap_or(f64::NAN);
    let diff = got - want;
    let d = diff.dim();
    let mut worst = BigRational::zero();
    for i in 0..d {
        for j in 0..d {
            let a = diff.get(i, j).abs();
            if a > worst {
                worst = a;
            }
        }
    }
    let strings = |m: &Matrix<BigRational>| {
        (0..m.dim())
            .map(|i| (0..m.dim()).map(|j| m.get(i, j).to_string()).collect())
            .collect()
    };
    QuantityCheck {
        name,
        enumerated: rows(got, to_f),
        closed_form: rows(want, to_f),
        enumerated_exact: Some(strings(got)),
        closed_form_exact: Some(strings(want)),
        max_abs_difference: to_f(&worst),
        tolerance: 0.0,
        agrees: worst.is_zero(),
    }
}

/// The largest `|a − b|`, or NaN when any entry of either side is not finite (`f64::max`
/// would skip a NaN, and `∞ − ∞` is NaN: neither may read as agreement).
fn max_abs_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    if !a.iter().chain(b).flatten().all(|x| x.is_finite()) {
        return f64::NAN;
    }
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn float_check_says_no_beyond_tolerance() {
        let a = Matrix::from_fn(2, 2, |i, j| if i == j { 2.0 } else { 0.5 });
        let mut b = a.clone();
        assert!(float_check("x", &a, &b, RelTol::new(1e-10).unwrap(), 1.0).agrees);
        b = &b + &Matrix::from_fn(2, 2, |i, j| if (i, j) == (0, 1) { 1e-8 } else { 0.0 });
        let c = float_check("x", &a, &b, RelTol::new(1e-10).unwrap(), 1.0);
        assert!(
            !c.agrees,
            "a 1e-8 perturbation of a quantity of size 2 must be caught"
        );
    }

    #[test]
    fn small_quantities_are_not_compared_against_a_floor_of_one() {
        // Entries of size 1e-200 that differ by 25%: the floor is their own size, not 1.
        let a = Matrix::from_fn(1, 1, |_, _| 4e-200);
        let b = Matrix::from_fn(1, 1, |_, _| 5e-200);
        assert!(!float_check("x", &a, &b, RelTol::new(1e-10).unwrap(), 7e-200).agrees);
        assert!(float_check("x", &a, &a.clone(), RelTol::new(1e-10).unwrap(), 7e-200).agrees);
    }

    #[test]
    fn nan_and_infinity_never_agree() {
        let a = Matrix::from_fn(1, 1, |_, _| f64::NAN);
        let c = float_check("x", &a, &a.clone(), RelTol::new(1e-10).unwrap(), 1.0);
        assert!(!c.agrees, "NaN against NaN");
        assert!(c.max_abs_difference.is_nan());
        let inf = Matrix::from_fn(1, 1, |_, _| f64::INFINITY);
        assert!(!float_check("x", &inf, &inf.clone(), RelTol::new(1e-10).unwrap(), 1.0).agrees);
        let one = Matrix::from_fn(1, 1, |_, _| 1.0);
        assert!(!float_check("x", &one, &a, RelTol::new(1e-10).unwrap(), 1.0).agrees);
        assert!(
            refuse_non_finite(&[float_check("x", &one, &inf, RelTol::new(0.0).unwrap(), 1.0)])
                .is_err()
        );
    }

    #[test]
    fn exact_check_says_no_to_any_difference() {
        let a = Matrix::from_fn(2, 2, |i, j| q(i64::try_from(i + j).unwrap(), 3));
        assert!(exact_check("x", &a, &a.clone()).agrees);
        let tiny = Matrix::from_fn(2, 2, |i, j| {
            if (i, j) == (1, 1) {
                q(1, 1_000_000_000_000)
            } else {
                q(0, 1)
            }
        });
        let c = exact_check("x", &a, &(&a + &tiny));
        assert!(!c.agrees);
        assert!(c.max_abs_difference > 0.0);
    }
}
