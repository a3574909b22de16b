//! The escape experiment's claims, read off its runs.

use super::{EscapeParams, EscapeRun, Fate, Landing, MinimumAtBatch, RunGamma};
use crate::experiment::{median, num, Claim, MinimumReport, Support, Tally, SAME_WITHIN};

pub(super) fn claims(
    p: &EscapeParams,
    minima: &[MinimumAtBatch],
    runs: &[EscapeRun],
    landings: &[Landing],
) -> Vec<Claim> {
    let left = |r: &EscapeRun| r.fate != Fate::Stayed;
    let below: Vec<&EscapeRun> = runs.iter().filter(|r| r.ratio < 1.0).collect();
    let above: Vec<&EscapeRun> = runs.iter().filter(|r| r.ratio > 1.0).collect();
    let stayed_below = below.iter().filter(|r| !left(r)).count();
    let left_above = above.iter().filter(|r| left(r)).count();
    let diverged_above = above.iter().filter(|r| r.fate == Fate::Diverged).count();
    let mut out = vec![Claim {
        claim: "A minimum is linearly stable for SGD iff γ ≤ γ*_exact(B) (Definition 3.2, exactly: ρ(L_γ) ≤ 1); SGD started next to it stays for γ below and leaves for γ above".to_owned(),
        measured: format!(
            "γ < γ*_exact: {stayed_below} of {} runs stayed; γ > γ*_exact: {left_above} of {} left ({diverged_above} of them diverged rather than settling)",
            below.len(),
            above.len()
        ),
        support: Support::from_counts(stayed_below + left_above, below.len() + above.len()),
    }];
    out.push(almost_sure(p, &above));
    let at_gd: Vec<&EscapeRun> = runs
        .iter()
        .filter(|r| r.which == RunGamma::GdGamma)
        .collect();
    let unstable_b: Vec<usize> = minima
        .iter()
        .filter(|m| p.gamma > m.minimum.gamma_exact)
        .map(|m| m.batch_size)
        .collect();
    let stable_b: Vec<usize> = minima
        .iter()
        .filter(|m| p.gamma <= m.minimum.gamma_exact)
        .map(|m| m.batch_size)
        .collect();
    let escaped_at_gd = at_gd.iter().filter(|r| r.fate == Fate::Escaped).count();
    let left_at_gd = at_gd.iter().filter(|r| left(r)).count();
    let times: Vec<f64> = landings.iter().map(|l| l.escape_step as f64).collect();
    let settle: Vec<f64> = landings
        .iter()
        .filter_map(|l| l.interpolated_step.map(|k| k as f64))
        .collect();
    out.push(Claim {
        claim: "Switching from GD to SGD at the same γ near GD's minimum, SGD escapes it, in a time short compared with the time it then takes to converge (Section 1, Figure 1)".to_owned(),
        measured: format!(
            "GD's minimum at γ = {} is SGD-unstable for B ∈ {{{}}} and stable for B ∈ {{{}}}; {left_at_gd} of {} runs at GD's γ left it ({escaped_at_gd} escaped, {} diverged); median escape step {} against a median step {} at which the loss is back below the target",
            num(p.gamma),
            join(&unstable_b),
            join(&stable_b),
            at_gd.len(),
            left_at_gd - escaped_at_gd,
            num(median(times)),
            num(median(settle))
        ),
        support: if at_gd.is_empty() {
            Support::NotTested
        } else {
            Support::from_counts(left_at_gd, at_gd.len())
        },
    });
    // Flatter, and better: landing minimum against GD's at the same B.
    let pairs: Vec<(&MinimumReport, &MinimumReport)> = landings
        .iter()
        .filter_map(|l| {
            let gd = minima.iter().find(|m| m.batch_size == l.batch_size)?;
            Some((&gd.minimum, l.minimum.as_ref()?))
        })
        .collect();
    let tally = |f: fn(&MinimumReport) -> f64| {
        Tally::of(pairs.iter().map(|(a, b)| (f(a), f(b))), SAME_WITHIN)
    };
    let (sh, tr, nu, outlier) = (
        tally(|m| m.sharpness),
        tally(|m| m.trace_h),
        tally(|m| m.non_uniformity),
        tally(|m| m.max_sample_ratio),
    );
    let flat_all = pairs
        .iter()
        .filter(|(a, b)| {
            b.sharpness < a.sharpness
                && b.trace_h < a.trace_h
                && b.non_uniformity < a.non_uniformity
        })
        .count();
    out.push(Claim {
        claim: "SGD converges to a flatter minimum than the one it escaped (Section 1, Figure 2; Section 3: 'flatter' as sharpness λ_max(H) and non-uniformity s)".to_owned(),
        measured: format!(
            "of {} landings analyzed (of {} escapes): λ_max(H) lower in {}, higher in {}; tr H lower in {}, higher in {}; s lower in {}, higher in {}; all three lower in {flat_all}; max_i ‖g_i‖²/mean ‖g_i‖² lower in {}, higher in {}",
            pairs.len(),
            landings.len(),
            sh.lower,
            sh.higher,
            tr.lower,
            tr.higher,
            nu.lower,
            nu.higher,
            outlier.lower,
            outlier.higher
        ),
        support: Support::from_counts(flat_all, pairs.len()),
    });
    let acc = Tally::of(
        pairs
            .iter()
            .map(|(a, b)| (a.test_accuracy, b.test_accuracy)),
        0.0,
    );
    let test_loss = Tally::of(
        pairs.iter().map(|(a, b)| (a.test_loss, b.test_loss)),
        SAME_WITHIN,
    );
    let gd_acc = minima
        .first()
        .map_or("–".to_owned(), |m| num(m.minimum.test_accuracy));
    out.push(Claim {
        claim: "The minimum SGD finds generalizes better: a higher test accuracy (Figure 2)".to_owned(),
        measured: format!(
            "test accuracy higher in {}, equal in {}, lower in {} of {} landings (GD's minimum: {gd_acc}, {} test images)",
            acc.higher,
            acc.same,
            acc.lower,
            pairs.len(),
            p.setup.digits.n_test.map_or("all".to_owned(), |n| n.to_string())
        ),
        support: Support::from_counts(acc.higher, pairs.len()),
    });
    out.push(Claim {
        claim: "… and a lower test loss (the quantity Section 4's bounds are about)".to_owned(),
        measured: format!(
            "test loss mean ½(h − v)² lower in {}, within {}% in {}, higher in {} of {} landings",
            test_loss.lower,
            num(100.0 * SAME_WITHIN),
            test_loss.same,
            test_loss.higher,
            pairs.len()
        ),
        support: Support::from_counts(test_loss.lower, pairs.len()),
    });
    let stable_landings = pairs.iter().filter(|(_, b)| b.verdict == "stable").count();
    out.push(Claim {
        claim: "Where SGD settles is linearly stable for SGD at its γ and B (a minimum it can converge to)".to_owned(),
        measured: format!(
            "{stable_landings} of {} landing minima are mean-square stable at γ = {} and their B (γ/γ*_exact: {})",
            pairs.len(),
            num(p.gamma),
            pairs
                .iter()
                .map(|(_, b)| num(p.gamma / b.gamma_exact))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        support: Support::from_counts(stable_landings, pairs.len()),
    });
    if let Some(m1) = minima.iter().find(|m| m.batch_size == 1) {
        let m = &m1.minimum;
        out.push(Claim {
            claim: "Theorem 3.5: at B = 1, a minimum stable for SGD has tr H ≤ 2/γ, i.e. γ*_exact ≤ 2/tr H".to_owned(),
            measured: format!(
                "at GD's minimum, B = 1: γ*_exact = {}, 2/tr H = {} ({}× γ*_exact), 2/λ_max = {} ({}×), Theorem 3.3's γ* = {}",
                num(m.gamma_exact),
                num(m.gamma_trace),
                num(m.gamma_trace / m.gamma_exact),
                num(m.gamma_gd),
                num(m.gamma_gd / m.gamma_exact),
                num(m.gamma_thm33)
            ),
            support: Support::from_counts(
                usize::from(m.gamma_exact <= m.gamma_trace * (1.0 + SAME_WITHIN)),
                1,
            ),
        });
    }
    out
}

fn join(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Above `γ*_exact` the mean square grows, but a single run follows the almost-sure rate, the
/// top Lyapunov exponent `λ₁` of linearized SGD, which is smaller (by Jensen,
/// `2λ₁ ≤ ln ρ(L_γ)`) and can be negative. The linearized prediction of one run's fate in the
/// window: it leaves if the linearized trajectories reach the radius within the steps watched
/// in at least half of the trials, i.e. `λ₁·K ≳ ln(radius/‖δ‖)`.
fn almost_sure(p: &EscapeParams, above: &[&EscapeRun]) -> Claim {
    let predicts_leave = |r: &EscapeRun| 2 * r.linearized.escaped >= r.linearized.trials;
    let left = |r: &EscapeRun| r.fate != Fate::Stayed;
    let agree = above
        .iter()
        .filter(|r| predicts_leave(r) == left(r))
        .count();
    let stayed: Vec<&&EscapeRun> = above.iter().filter(|r| !left(r)).collect();
    let mut settings: Vec<String> = Vec::new();
    for r in &stayed {
        let l = &r.linearized;
        let s = format!(
            "B = {} at {}·γ*_exact: ln ρ(L_γ) = {}, 2λ₁ = {} [{}, {}], {} of {} linearized runs reached the radius in {} steps",
            r.batch_size,
            num(r.ratio),
            num(r.rho.ln()),
            num(2.0 * l.lyapunov),
            num(2.0 * l.lyapunov_interval.lower),
            num(2.0 * l.lyapunov_interval.upper),
            l.escaped,
            l.trials,
            p.watch_steps
        );
        if !settings.contains(&s) {
            settings.push(s);
        }
    }
    Claim {
        claim: "Mean-square instability is not almost-sure instability: above γ*_exact E‖x_k‖² grows like ρ(L_γ)^k, but one run grows at the top Lyapunov exponent λ₁ (2λ₁ ≤ ln ρ), so a run can stay for long, or for ever if λ₁ < 0; linearized SGD's λ₁ predicts which runs above the threshold leave within the steps watched".to_owned(),
        measured: format!(
            "the linearized prediction (leaves when at least half of {} linearized runs reach ‖x_k‖/‖x_0‖ = {} within {} steps) matches {agree} of {} real runs above γ*_exact; {} of them stayed{}",
            above.first().map_or(0, |r| r.linearized.trials),
            num(p.escape_radius / p.perturbation),
            p.watch_steps,
            above.len(),
            stayed.len(),
            if settings.is_empty() {
                String::new()
            } else {
                format!(" ({})", settings.join("; "))
            }
        ),
        support: if above.is_empty() {
            Support::NotTested
        } else {
            Support::from_counts(agree, above.len())
        },
    }
}
