//! Section 4 measured on two-layer ReLU networks `h(x; u) = Σ_j a_j σ(w_jᵀu)` with inputs
//! uniform on `√d·S^{d−1}`:
//!
//! - [`norms`]: the weighted norms (43), the path norm (46), the empirical Fisher matrix's
//!   trace and 2-norm, and their population values over the sphere where a closed form exists
//!   (`tr E[ggᵀ] = ½‖x‖_{2,d}` exactly; `‖E[ggᵀ]‖₂` between two derived bounds);
//! - [`thm41`]: Theorem 4.1 on random networks of widths up to 1000 and dimensions up to 100,
//!   with spreads over input draws and the `n` from which the ratio settles;
//! - [`trained`]: GD and SGD minima at one `γ` over widths and dimensions: the chain (46)–(48)
//!   evaluated term by term, and Theorem 4.2's test-loss claim.
//!
//! The claims, as the lecture prints them, and what the runs say are in [`claims`].

pub mod claims;
pub mod norms;
pub mod thm41;
pub mod trained;

use super::{Claim, ProgressCallback};
use crate::error::Result;
use serde::Serialize;

/// Both parts' parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section4Params {
    /// Theorem 4.1 on random networks.
    pub thm41: thm41::Thm41Params,
    /// Trained minima.
    pub trained: trained::TrainedParams,
}

/// Both parts' results and the claims read off them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section4Result {
    /// Theorem 4.1.
    pub thm41: thm41::Thm41Result,
    /// Trained minima.
    pub trained: trained::TrainedResult,
    /// The claims and verdicts.
    pub claims: Vec<Claim>,
}

/// Run both parts (progress: the Theorem 4.1 networks, then the training runs).
///
/// # Errors
/// As [`thm41::run`] and [`trained::run`].
pub fn run(p: &Section4Params, progress: ProgressCallback<'_>) -> Result<Section4Result> {
    thm41::check(&p.thm41)?;
    trained::check(&p.trained)?;
    let t41 = thm41::run(&p.thm41, progress)?;
    let tr = trained::run(&p.trained, progress)?;
    let claims = claims::claims(&t41, &tr);
    Ok(Section4Result {
        thm41: t41,
        trained: tr,
        claims,
    })
}
