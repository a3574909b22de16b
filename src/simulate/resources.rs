//! What a simulation needs — memory and work — estimated from its parameters before anything is
//! allocated, for the budgets of [`crate::limits`].

use super::{RecordGrid, SimParams, CHUNK};
use crate::instance::Instance;

/// What a simulation needs, estimated before anything is allocated ([`resources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resources {
    /// Bytes of memory at the peak (saturating).
    pub memory: u128,
    /// The parameter that contributes most to `memory` (`trials`, `steps` or `batch_size`).
    pub memory_field: &'static str,
    /// Multiply-adds of the trajectories and of the exact prediction (saturating).
    pub work: u128,
}

/// Estimate the memory and the work of [`super::run`] on `instance` with `params`: per thread one
/// trajectory's buffers (`B` batch indices and rows, the `N`-permutation, the recorded steps),
/// two chunks of trial records in flight, the escape times (one per trial), the packed Hessians;
/// per step `O(B·d)` (gradients) or `O(B·d²)` (Hessians) for each of `R` trials (twice with an
/// escape radius: SGD and GD), and the prediction's `K` applications of the operator.
#[must_use]
pub fn resources(instance: &Instance, params: &SimParams) -> Resources {
    use crate::limits::{bytes_of, product};
    let (n, d, b) = (
        instance.n() as u128,
        instance.d() as u128,
        instance.batch_size().get() as u128,
    );
    let (steps, trials) = (params.steps as u128, params.trials as u128);
    let recorded = match params.record {
        RecordGrid::EveryStep => steps + 1,
        RecordGrid::Auto if params.steps <= RecordGrid::AUTO_EVERY_MAX => steps + 1,
        // 1, 2, 5 per decade of a usize, twice under random reshuffling, and the ends.
        _ => 2 * 3 * 20 + 2,
    };
    let threads = rayon::current_num_threads() as u128;
    let rank_one = matches!(instance.samples(), crate::instance::Samples::Gradients(_));
    let per_sample = if rank_one { d } else { d * (d + 1) / 2 };
    let batch = product(&[threads, b, 24]);
    let per_thread = product(&[threads, bytes_of::<f64>(n + 4 * d + per_sample + recorded)]);
    let in_flight = product(&[2, CHUNK as u128, bytes_of::<f64>(2 * recorded)]);
    let escapes = if params.escape_radius.is_some() {
        bytes_of::<Option<usize>>(trials)
    } else {
        0
    };
    let records = bytes_of::<f64>(product(&[recorded, 8]));
    let data = if rank_one {
        0
    } else {
        bytes_of::<f64>(product(&[n, per_sample]))
    };
    let terms = [
        ("batch_size", batch),
        ("trials", escapes),
        ("steps", records),
        ("batch_size", per_thread),
        ("steps", in_flight),
        ("hessians", data),
    ];
    let memory = terms
        .iter()
        .fold(0u128, |acc, (_, t)| acc.saturating_add(*t));
    let memory_field = terms
        .iter()
        .max_by_key(|(_, t)| *t)
        .map_or("trials", |(f, _)| f);
    let runs = if params.escape_radius.is_some() { 2 } else { 1 };
    // Measured: about 60 ns per trial-step at d = 1 (drawing the batch, the renormalization,
    // the record), so each sample drawn counts 16 operations and each step 48 besides the
    // arithmetic.
    let per_step = product(&[b, per_sample + 16]).saturating_add(d * d + 48);
    let trajectories = product(&[runs, trials, steps, per_step]);
    let prediction = product(&[steps, n, d, d, d]);
    Resources {
        memory,
        memory_field,
        work: trajectories.saturating_add(prediction),
    }
}
