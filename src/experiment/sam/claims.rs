//! The SAM experiment's claims, read off its runs and checks.

use super::{NetworkCheck, NormalizedCheck, QuadraticCheck, SamParams, SamRun};
use crate::experiment::escape::Fate;
use crate::experiment::Spread;
use crate::experiment::{num, Claim, MinimumReport, Support, Tally, SAME_WITHIN};
use crate::train::Outcome;

pub(super) fn claims(
    p: &SamParams,
    runs: &[SamRun],
    q: &QuadraticCheck,
    net: Option<&NetworkCheck>,
    n: &NormalizedCheck,
) -> Vec<Claim> {
    let mut out = Vec::new();
    let sam_labels = ["SAM (56)", "SAM Foret", "SAM unnorm."];
    let mut flatter = Vec::new();
    let mut better = Vec::new();
    let (mut flat_n, mut flat_all, mut acc_n, mut acc_up) = (0, 0, 0, 0);
    for base in ["GD", "SGD"] {
        let pairs: Vec<(&MinimumReport, &MinimumReport)> = runs
            .iter()
            .filter(|r| sam_labels.contains(&r.label))
            .filter_map(|r| {
                let b = runs.iter().find(|x| x.label == base && x.seed == r.seed)?;
                Some((b.minimum.as_ref()?, r.minimum.as_ref()?))
            })
            .collect();
        let t = |f: fn(&MinimumReport) -> f64| {
            Tally::of(pairs.iter().map(|(a, b)| (f(a), f(b))), SAME_WITHIN)
        };
        let (sh, tr, nu) = (
            t(|m| m.sharpness),
            t(|m| m.trace_h),
            t(|m| m.non_uniformity),
        );
        let acc = Tally::of(
            pairs
                .iter()
                .map(|(a, b)| (a.test_accuracy, b.test_accuracy)),
            0.0,
        );
        flat_n += pairs.len();
        flat_all += sh.lower;
        acc_n += pairs.len();
        acc_up += acc.higher;
        flatter.push(format!(
            "against {base} ({} pairs): λ_max(H) lower in {}, higher in {}; tr H lower in {}, higher in {}; s lower in {}, higher in {}",
            pairs.len(), sh.lower, sh.higher, tr.lower, tr.higher, nu.lower, nu.higher
        ));
        better.push(format!(
            "against {base}: higher in {}, equal in {}, lower in {}",
            acc.higher, acc.same, acc.lower
        ));
    }
    out.push(Claim {
        claim: "SAM finds flatter minima (Section 5: it seeks parameters whose whole neighbourhood has low loss)".to_owned(),
        measured: format!(
            "the minima next to SAM's end points (all three variants), from the same initializations: {}",
            flatter.join("; ")
        ),
        support: Support::from_counts(flat_all, flat_n),
    });
    out.push(Claim {
        claim: "… which generalize better (Section 5, Foret et al.)".to_owned(),
        measured: format!("test accuracy of SAM's end points {}", better.join("; ")),
        support: Support::from_counts(acc_up, acc_n),
    });
    let agree = q.stable_as_predicted + q.unstable_as_predicted;
    out.push(Claim {
        claim: "Derived (crate::train::sam_stability): unnormalized full-batch SAM with step γ and radius ρ is linearly stable at a minimum iff γλ(1 + ρλ) ≤ 2 for every eigenvalue λ of H".to_owned(),
        measured: format!(
            "{} random quadratics, ρλ_max from {} to {}, {} steps: stable at γ*(1 − {}) in {} of {}, diverging at γ*(1 + {}) in {} of {}{}",
            q.count,
            num(q.rho_lambda_range.lower),
            num(q.rho_lambda_range.upper),
            q.steps,
            num(q.eps),
            q.stable_as_predicted,
            q.count,
            num(q.eps),
            q.unstable_as_predicted,
            q.count,
            net.map_or(String::new(), |n| {
                let stays = n.runs.iter().filter(|r| (r.gamma_ratio < 1.0) == (r.fate == Fate::Stayed)).count();
                format!(
                    "; on the network's GD minimum (λ_max = {}, γ*_SAM = {} against GD's 2/λ_max = {}), {} of {} runs at 0.9 and 1.1·γ*_SAM stayed or left as predicted",
                    num(n.sharpness), num(n.gamma_sam), num(n.gamma_gd), stays, n.runs.len()
                )
            })
        ),
        support: Support::from_counts(agree, 2 * q.count),
    });
    let Spread {
        min: lo,
        median: med,
        max: hi,
    } = n.amplitude_ratio;
    out.push(Claim {
        claim: "Normalized SAM near a minimum (ε = ρ∇F/‖∇F‖, eq. 53; full batch): it does not converge to the point; in d = 1 it converges to the 2-cycle ±γλρ/(2 − γλ)".to_owned(),
        measured: format!(
            "{} random quadratics, {} steps, γλ_max in (0.2, 1.8): converged to the minimum in {} (Foret) and {} (eq. 56, per-sample normalized); Foret's last iterate: ‖x_K‖/a from {} to {} (median {}), |cos(x_K, u_max)| ≥ {}, x_K ≈ −x_(K−1) in {}; eq. (56): ‖x_K‖/ρ from {} to {} (median {})",
            n.count,
            n.steps,
            n.converged,
            n.per_sample_converged,
            num(lo),
            num(hi),
            num(med),
            num(n.alignment_min),
            n.alternating,
            num(n.per_sample_distance_over_rho.min),
            num(n.per_sample_distance_over_rho.max),
            num(n.per_sample_distance_over_rho.median),
        ),
        support: Support::from_counts(n.count - n.converged, n.count),
    });
    let normalized: Vec<&SamRun> = runs
        .iter()
        .filter(|r| r.label == "SAM Foret" || r.label == "SAM (56)")
        .collect();
    let floors: Vec<String> = normalized
        .iter()
        .map(|r| {
            format!(
                "{} seed {}: {} ({})",
                r.label,
                r.seed,
                num(r.final_loss),
                r.outcome
            )
        })
        .collect();
    // Diverged runs say nothing about a floor near a minimum.
    let tested: Vec<&&SamRun> = normalized
        .iter()
        .filter(|r| r.outcome != Outcome::Diverged)
        .collect();
    let stuck = tested
        .iter()
        .filter(|r| r.outcome == Outcome::BudgetSpent)
        .count();
    out.push(Claim {
        claim: format!("On the network the normalized variants keep a loss floor instead of interpolating (ρ = {})", num(p.rho)),
        measured: format!(
            "{stuck} of {} normalized-SAM runs that did not diverge stayed above F = {} for the whole budget; final losses: {}",
            tested.len(),
            num(p.stop.target_loss),
            floors.join(", ")
        ),
        support: Support::from_counts(stuck, tested.len()),
    });
    out
}
