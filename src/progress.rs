//! What a long computation is doing, on a terminal: a spinner with the current phase (the range
//! reduction's Gram matrix, a Lanczos run's iteration and residual, …) for `analyze` on large
//! inputs. The library only reports phases; nothing is drawn unless the command line turned the
//! spinner on with [`Spinner::start`], which it does only when stderr is a terminal, and the
//! spinner appears only once a run has lasted [`DELAY`] (short runs draw nothing). Without the
//! `cli` feature nothing is ever drawn.

#[cfg(feature = "cli")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
#[cfg(feature = "cli")]
use std::io::IsTerminal;
#[cfg(feature = "cli")]
use std::sync::Mutex;
use std::time::Duration;
#[cfg(feature = "cli")]
use std::time::Instant;

/// How long a run lasts before the spinner is drawn.
pub const DELAY: Duration = Duration::from_millis(700);

#[cfg(feature = "cli")]
struct State {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
}

#[cfg(feature = "cli")]
static STATE: Mutex<Option<State>> = Mutex::new(None);

/// The spinner of one command; cleared when dropped.
#[must_use = "the spinner is cleared when this guard is dropped"]
pub struct Spinner(());

impl Spinner {
    /// Turn the spinner on if stderr is a terminal (and do nothing otherwise).
    #[cfg(not(feature = "cli"))]
    pub fn start() -> Self {
        Self(())
    }

    /// Turn the spinner on if stderr is a terminal (and do nothing otherwise).
    #[cfg(feature = "cli")]
    pub fn start() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            if let Ok(mut s) = STATE.lock() {
                *s = Some(State {
                    bar,
                    started: Instant::now(),
                    shown: false,
                });
            }
        }
        Self(())
    }
}

#[cfg(feature = "cli")]
impl Drop for Spinner {
    fn drop(&mut self) {
        if let Ok(mut s) = STATE.lock() {
            if let Some(state) = s.take() {
                state.bar.finish_and_clear();
            }
        }
    }
}

/// Report the current phase (a no-op unless a [`Spinner`] is on).
#[cfg(not(feature = "cli"))]
pub(crate) fn phase(_message: impl FnOnce() -> String) {}

/// Report the current phase (a no-op unless a [`Spinner`] is on).
#[cfg(feature = "cli")]
pub(crate) fn phase(message: impl FnOnce() -> String) {
    if std::env::var_os("SGD_STABILITY_TRACE").is_some() {
        static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        let t0 = T0.get_or_init(Instant::now); // the first phase: after loading
        eprintln!("trace {:9.3} s  {}", t0.elapsed().as_secs_f64(), message());
        return;
    }
    let Ok(mut s) = STATE.lock() else { return };
    let Some(state) = s.as_mut() else { return };
    if !state.shown && state.started.elapsed() >= DELAY {
        state.shown = true;
        state.bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    state.bar.set_message(message());
    state.bar.tick();
}
