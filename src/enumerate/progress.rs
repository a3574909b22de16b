//! Whether and how a long enumeration shows its progress. The library prints nothing unless the
//! caller asks for [`Progress::Bar`]; the command line asks for it only when stderr is a
//! terminal. Without the `cli` feature nothing is drawn.

#[cfg(feature = "cli")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
#[cfg(feature = "cli")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How an enumeration reports its progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Progress {
    /// Nothing is drawn (the default: a library does not print).
    #[default]
    Hidden,
    /// An `indicatif` progress bar on stderr, drawn once the enumeration has run for
    /// [`Progress::DELAY`] (short enumerations draw nothing; without the `cli` feature, nothing).
    Bar,
}

impl Progress {
    /// How long an enumeration runs before its bar appears.
    pub const DELAY: Duration = Duration::from_millis(500);

    /// [`Progress::Bar`] if stderr is a terminal, else [`Progress::Hidden`] (quiet when piped or
    /// redirected).
    #[must_use]
    pub fn bar_if_terminal() -> Self {
        if std::io::stderr().is_terminal() {
            Self::Bar
        } else {
            Self::Hidden
        }
    }
}

/// The progress of one running enumeration: counts visits, and draws a bar on stderr when
/// asked to and the run is long. Shared by reference across threads.
pub(crate) struct Ticker {
    #[cfg(feature = "cli")]
    bar: Option<ProgressBar>,
    #[cfg(feature = "cli")]
    shown: AtomicBool,
}

/// Without the `cli` feature a ticker draws nothing.
#[cfg(not(feature = "cli"))]
impl Ticker {
    pub(crate) fn start(_progress: Progress, _total: u128, _what: &str) -> Self {
        Self {}
    }

    pub(crate) fn inc(&self, _visits: u64) {}

    pub(crate) fn finish(&self) {}
}

#[cfg(feature = "cli")]
impl Ticker {
    /// A ticker for `total` visits described by `what`.
    pub(crate) fn start(progress: Progress, total: u128, what: &str) -> Self {
        let bar = match progress {
            Progress::Hidden => None,
            Progress::Bar => {
                let len = u64::try_from(total).unwrap_or(u64::MAX);
                let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
                let style = ProgressStyle::with_template(
                    "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_message(what.to_owned());
                Some(bar)
            }
        };
        Self {
            bar,
            shown: AtomicBool::new(false),
        }
    }

    /// `visits` more visits done.
    pub(crate) fn inc(&self, visits: u64) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.load(Ordering::Relaxed) && bar.elapsed() >= Progress::DELAY {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.inc(visits);
    }

    /// The enumeration is over: clear the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
