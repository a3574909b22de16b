//! The activations `σ` of the models, with `σ'` and `σ''` in closed form.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// `σ` of a hidden unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `σ(t) = max(t, 0)` (Section 4), `σ'(t) = 1` for `t > 0` and `0` for `t ≤ 0` (the
    /// convention at the kink `t = 0`), `σ'' = 0` away from it.
    Relu,
    /// `σ(t) = tanh t`, `σ' = 1 − tanh²`, `σ'' = −2 tanh (1 − tanh²)`: the smooth variant.
    Tanh,
}

impl Activation {
    /// `σ(t)`.
    #[must_use]
    pub fn value(self, t: f64) -> f64 {
        match self {
            Self::Relu => t.max(0.0),
            Self::Tanh => t.tanh(),
        }
    }

    /// `σ'(t)`.
    #[must_use]
    pub fn first(self, t: f64) -> f64 {
        match self {
            Self::Relu => {
                if t > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Tanh => {
                let s = t.tanh();
                1.0 - s * s
            }
        }
    }

    /// `σ''(t)` (`0` for ReLU, whose second derivative is a point mass at the kink).
    #[must_use]
    pub fn second(self, t: f64) -> f64 {
        match self {
            Self::Relu => 0.0,
            Self::Tanh => {
                let s = t.tanh();
                -2.0 * s * (1.0 - s * s)
            }
        }
    }

    /// The name used on the command line and in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::Tanh => "tanh",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "relu" => Ok(Self::Relu),
            "tanh" => Ok(Self::Tanh),
            _ => Err(format!(
                "unknown activation {s:?}; expected \"relu\" or \"tanh\""
            )),
        }
    }
}
