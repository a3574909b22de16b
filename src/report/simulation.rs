//! Renderers for `simulate`: the Monte Carlo estimate of `E‖x_k‖²` per step beside the exact
//! prediction, the agreement test, growth rates and escape times.

use crate::fmt::sig;
use crate::simulate::{Comparison, PredictionKind, StepComparison, StepVerdict, TestVerdict, X0};
use std::fmt::Write as _;

/// `e^ln` at six significant digits, also beyond the range of `f64` (`1.5e400`); `0` for `−∞`.
fn sig_exp(ln: f64) -> String {
    if ln.is_nan() {
        return crate::fmt::NOT_A_NUMBER.to_owned();
    }
    if ln == f64::NEG_INFINITY {
        return "0".to_owned();
    }
    if ln == f64::INFINITY {
        return "∞".to_owned();
    }
    if ln.abs() < 700.0 {
        return sig(ln.exp());
    }
    let log10 = ln / std::f64::consts::LN_10;
    let e = log10.floor();
    let mantissa = 10f64.powf(log10 - e);
    let m = sig(mantissa);
    // Rounding can give a mantissa of 10.
    if m == "10" {
        format!("1e{}", e + 1.0)
    } else {
        format!("{m}e{e}")
    }
}

fn verdict_word(v: StepVerdict) -> &'static str {
    match v {
        StepVerdict::Start => "start",
        StepVerdict::Agrees => "agrees",
        StepVerdict::Disagrees => "DISAGREES",
        StepVerdict::Uninformative => "uninformative",
        StepVerdict::NotPredicted => "not predicted",
    }
}

fn test_word(c: &Comparison) -> String {
    let a = &c.agreement;
    match a.verdict {
        TestVerdict::Consistent => format!(
            "consistent with the exact prediction: no step disagrees ({} of {} steps informative)",
            a.informative, a.candidates
        ),
        TestVerdict::Rejected => format!(
            "REJECTED: the prediction lies outside the interval at {} of {} steps (first: k = {})",
            a.disagreements,
            a.candidates,
            a.first_disagreement.unwrap_or(0)
        ),
        TestVerdict::Untested => match &c.prediction.kind {
            PredictionKind::Unavailable { .. } => {
                "untested: no exact prediction is available (see above); only the Monte Carlo estimates are shown".to_owned()
            }
            PredictionKind::EpochOperator { .. } if a.candidates == 0 => {
                "untested: no recorded step ends an epoch (run at least N/B steps)".to_owned()
            }
            _ => format!(
                "untested: no step disagrees, but none of the {} steps is informative (heavy tails: more trials or fewer steps)",
                a.candidates
            ),
        },
    }
}

/// What the exact column is, where it is not the i.i.d. operator at every step.
fn prediction_note(c: &Comparison) -> Option<String> {
    match &c.prediction.kind {
        PredictionKind::MeanSquareOperator => None,
        PredictionKind::EpochOperator { steps_per_epoch } => Some(format!(
            "exact prediction: random reshuffling's per-epoch operator, E‖x_k‖² = tr L_epoch^(k/E)(E[x0x0ᵀ]) at the ends of epochs, k a multiple of E = N/B = {steps_per_epoch}; between them no exact value is known and the steps are not tested (the i.i.d. operator L_γ does not apply: the batches of an epoch are not independent)"
        )),
        PredictionKind::Unavailable { reason } => Some(format!(
            "no exact prediction is available: {reason}; the Monte Carlo estimates and intervals are shown and nothing is tested"
        )),
    }
}

fn header(c: &Comparison) -> String {
    let s = &c.simulation;
    let x0 = match &s.params.x0 {
        X0::Given(v) => format!(
            "given, ‖x0‖ = {}",
            sig(v.iter().map(|x| x * x).sum::<f64>().sqrt())
        ),
        X0::RandomUnit => "uniform random unit vector per trial".to_owned(),
    };
    format!(
        "N = {}, d = {}, B = {}, sampling: {}, γ = {}; K = {} steps, R = {} trials, seed {}; x0: {}; kernel: {}",
        s.n,
        s.d,
        s.batch_size,
        s.sampling,
        sig(s.gamma),
        s.params.steps,
        s.params.trials,
        s.params.seed,
        x0,
        if s.rank_one { "rank-one (gradients)" } else { "dense (Hessians)" }
    )
}

/// Where the trajectories ran, when it was the range of the `H_i`.
fn space_note(c: &Comparison) -> Option<String> {
    let crate::simulate::SimSpace::Range {
        reduction,
        null_part_sq,
    } = c.simulation.space
    else {
        return None;
    };
    let start = match c.simulation.params.x0 {
        X0::RandomUnit => "the random start is a uniform unit vector in the range of H (a start spread over the null space would only dilute the growth and the Lyapunov estimates)".to_owned(),
        X0::Given(_) => format!(
            "the given x0 is split as x0 = U y0 + z0 with ‖z0‖² = {}, which never moves: ‖x_k‖² = ‖y_k‖² + ‖z0‖²",
            sig(null_part_sq)
        ),
    };
    Some(format!(
        "simulated in the range of the H_i: r = {} of d = {} dimensions ({}); every ‖x_k‖² below is the range part ‖y_k‖²; {start}",
        reduction.rank,
        reduction.d,
        reduction.route.describe()
    ))
}

fn method(c: &Comparison) -> String {
    format!(
        "intervals: empirical Bernstein on ‖x_k‖² ≤ μ^(2k)‖x0‖², μ = {} ≥ ‖I − γH_B‖ (finite-sample, no variance assumption); Bonferroni over m = {} steps: P(rejecting the exact curve) ≤ α = {}",
        sig(c.simulation.step_norm_bound),
        c.agreement.candidates,
        sig(c.agreement.alpha)
    )
}

struct Cells {
    k: String,
    est: String,
    interval: String,
    exact: String,
    ln_as: String,
    ess: String,
    verdict: String,
}

fn cells(r: &StepComparison) -> Cells {
    Cells {
        k: r.step.to_string(),
        est: sig_exp(r.ln_estimate),
        interval: format!("[{}, {}]", sig_exp(r.ln_lower), sig_exp(r.ln_upper)),
        exact: r.ln_predicted.map_or_else(|| "—".to_owned(), sig_exp),
        ln_as: sig(r.mean_ln_norm_sq),
        ess: sig(r.effective_trials.round()),
        verdict: verdict_word(r.verdict).to_owned(),
    }
}

fn growth_lines(c: &Comparison) -> Vec<String> {
    let g = &c.growth;
    let l = &g.lyapunov;
    let rho_name = match c.prediction.kind {
        PredictionKind::EpochOperator { .. } => "ln ρ(L_epoch)/(N/B)",
        PredictionKind::MeanSquareOperator | PredictionKind::Unavailable { .. } => "ln ρ(L_γ)",
    };
    let mut out = vec![format!(
        "mean-square growth per step over k = {}..{}: simulated {}, exact curve {}, {rho_name} = {}",
        g.window.first,
        g.window.last,
        sig(g.empirical_mean_square),
        g.predicted_mean_square
            .map_or_else(|| "unknown".to_owned(), sig),
        g.ln_rho.map_or_else(|| "unknown".to_owned(), sig)
    )];
    let collapsed = if l.collapsed > 0 {
        format!(
            "; {} of {} trajectories reached exactly 0 (exponent −∞) and are left out",
            l.collapsed, c.simulation.params.trials
        )
    } else {
        String::new()
    };
    out.push(format!(
        "top Lyapunov exponent (1/K) ln(‖x_K‖/‖x0‖): {} [{}, {}] ({}% t-interval over trials){collapsed}",
        sig(l.mean),
        sig(l.lower),
        sig(l.upper),
        sig(100.0 * l.level)
    ));
    let informative = |k: usize| c.rows.iter().any(|r| r.step == k && r.informative);
    if !(informative(g.window.first) && informative(g.window.last)) {
        out.push("  (the simulated mean-square slope uses steps beyond the informative horizon: there the sample mean is carried by a few trajectories and typically underestimates E‖x_k‖²)".to_owned());
    }
    if let Some(lr) = g.ln_rho {
        // ρ = 1 within the boundary tolerance (e.g. a null direction) is neither.
        let lr = if lr.abs() <= crate::Tolerances::DEFAULT_BOUNDARY {
            0.0
        } else {
            lr
        };
        let as_stable = l.upper < 0.0 || l.collapsed == c.simulation.params.trials;
        if as_stable && lr > 0.0 {
            out.push("⇒ almost surely stable (‖x_k‖ → 0 on typical trajectories) but mean-square unstable (ρ > 1: E‖x_k‖² → ∞, carried by rare trajectories)".to_owned());
        } else if as_stable && lr < 0.0 {
            out.push("⇒ stable both almost surely and in mean square".to_owned());
        } else if l.lower > 0.0 {
            out.push("⇒ unstable almost surely: typical trajectories grow".to_owned());
        }
    }
    out
}

fn escape_lines(c: &Comparison, gd: Option<&Comparison>) -> Vec<String> {
    let Some(e) = &c.escape else {
        return Vec::new();
    };
    let q = |x: Option<usize>| {
        x.map_or_else(
            || format!("> {}", c.simulation.params.steps),
            |k| k.to_string(),
        )
    };
    let mut out = vec![format!(
        "escape (first k with ‖x_k‖ ≥ {}): SGD {} of {} trials escaped within K = {}; escape time quantiles over all trials 10% {}, 50% {}, 90% {}; median among those that escaped: {}",
        sig(e.radius),
        e.escaped,
        e.trials,
        c.simulation.params.steps,
        q(e.quantiles[0]),
        q(e.quantiles[1]),
        q(e.quantiles[2]),
        e.escaped_median.map_or_else(|| "none escaped".to_owned(), |k| k.to_string())
    )];
    if let Some(g) = gd.and_then(|g| g.escape.as_ref()) {
        out.push(format!(
            "  GD (B = N) from the same x0: {} of {} escaped (max ‖x_k‖² ratio to start: {})",
            g.escaped,
            g.trials,
            gd.map_or_else(String::new, |g| {
                let m = g
                    .rows
                    .iter()
                    .map(|r| r.ln_estimate - g.rows[0].ln_estimate)
                    .fold(f64::NEG_INFINITY, f64::max);
                sig_exp(m)
            })
        ));
    }
    out.push(format!(
        "  predicted: E‖x_k‖² reaches r² at k = {} (exact curve), ≈ {} from ln(r²/‖x0‖²)/ln ρ; typical trajectory: {}",
        match (&c.prediction.kind, e.mean_square_step) {
            (PredictionKind::Unavailable { .. }, _) => "unknown (no exact prediction)".to_owned(),
            (_, Some(k)) => k.to_string(),
            (_, None) => format!("> {}", c.simulation.params.steps),
        },
        e.rho_step.map_or_else(|| "never (ρ ≤ 1)".to_owned(), sig),
        e.lyapunov_step.map_or_else(
            || "never (Lyapunov exponent ≤ 0: almost every trajectory decays; the mean-square escape is carried by rare trajectories)".to_owned(),
            |k| format!("k ≈ {} from ln(r/‖x0‖)/λ", sig(k))
        )
    ));
    out
}

/// The text report of one simulation (and, for the escape picture, the GD run from the same
/// starts).
#[must_use]
pub fn simulation_text(c: &Comparison, gd: Option<&Comparison>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {}: N = {} samples × d = {} parameters ==\n{}",
        crate::fmt::text_name(&c.simulation.name),
        c.simulation.n,
        c.simulation.d,
        header(c)
    );
    if let Some(note) = space_note(c) {
        let _ = writeln!(out, "{note}");
    }
    if let Some(note) = prediction_note(c) {
        let _ = writeln!(out, "{note}");
    }
    let _ = writeln!(out, "{}\n", method(c));
    let head = Cells {
        k: "k".into(),
        est: "mean ‖x_k‖²".into(),
        interval: "interval for E‖x_k‖²".into(),
        exact: "exact E‖x_k‖²".into(),
        ln_as: "mean ln‖x_k‖²".into(),
        ess: "eff. trials".into(),
        verdict: "verdict".into(),
    };
    let body: Vec<Cells> = c.rows.iter().map(cells).collect();
    let w = |f: &dyn Fn(&Cells) -> &String| {
        std::iter::once(&head)
            .chain(&body)
            .map(|c| f(c).chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [
        w(&|c| &c.k),
        w(&|c| &c.est),
        w(&|c| &c.interval),
        w(&|c| &c.exact),
        w(&|c| &c.ln_as),
        w(&|c| &c.ess),
    ];
    let pad = |s: &str, n: usize| format!("{}{s}", " ".repeat(n - s.chars().count()));
    let padl = |s: &str, n: usize| format!("{s}{}", " ".repeat(n - s.chars().count()));
    for c in std::iter::once(&head).chain(&body) {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}  {}  {}",
            pad(&c.k, widths[0]),
            pad(&c.est, widths[1]),
            padl(&c.interval, widths[2]),
            pad(&c.exact, widths[3]),
            pad(&c.ln_as, widths[4]),
            pad(&c.ess, widths[5]),
            c.verdict
        );
    }
    let _ = writeln!(out, "\nagreement: {}", test_word(c));
    for l in growth_lines(c) {
        let _ = writeln!(out, "{l}");
    }
    for l in escape_lines(c, gd) {
        let _ = writeln!(out, "{l}");
    }
    out
}

/// The Markdown report of one simulation.
#[must_use]
pub fn simulation_markdown(c: &Comparison, gd: Option<&Comparison>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        crate::fmt::md_name(&c.simulation.name),
        header(c)
    );
    if let Some(note) = space_note(c) {
        let _ = writeln!(out, "{note}\n");
    }
    if let Some(note) = prediction_note(c) {
        let _ = writeln!(out, "{note}\n");
    }
    let _ = writeln!(out, "{}\n", method(c));
    let _ = writeln!(
        out,
        "| k | mean ‖x_k‖² | interval for E‖x_k‖² | exact E‖x_k‖² | mean ln‖x_k‖² | eff. trials | verdict |\n|---:|---:|---|---:|---:|---:|---|"
    );
    for r in &c.rows {
        let x = cells(r);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            x.k, x.est, x.interval, x.exact, x.ln_as, x.ess, x.verdict
        );
    }
    let _ = writeln!(out, "\n**agreement:** {}\n", test_word(c));
    for l in growth_lines(c).into_iter().chain(escape_lines(c, gd)) {
        let _ = writeln!(out, "- {}", l.trim_start());
    }
    out
}

/// The JSON report: `{"sgd": …, "gd": … | null}` with every measured and predicted value
/// (logarithms as `ln_*`; `−∞` and `∞` as `null`).
#[must_use]
pub fn simulation_json(c: &Comparison, gd: Option<&Comparison>) -> String {
    /// SGD's comparison, and GD's from the same starts when asked for.
    #[derive(serde::Serialize)]
    struct SimulationJson<'a> {
        sgd: &'a Comparison,
        gd: Option<&'a Comparison>,
    }
    super::json::pretty(&SimulationJson { sgd: c, gd })
}

#[cfg(test)]
mod tests {
    use super::sig_exp;

    #[test]
    fn huge_and_tiny_values_print() {
        assert_eq!(sig_exp(0.0), "1");
        assert_eq!(sig_exp(f64::NEG_INFINITY), "0");
        assert_eq!(sig_exp(f64::INFINITY), "∞", "never NaNeinf");
        assert_eq!(sig_exp(f64::NAN), "undefined (NaN)");
        assert_eq!(sig_exp(1000.0 * std::f64::consts::LN_10), "1e1000");
        assert_eq!(
            sig_exp(-1000.0 * std::f64::consts::LN_10 + 2f64.ln()),
            "2e-1000"
        );
    }
}
