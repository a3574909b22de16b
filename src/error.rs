//! The crate's error type and the exit codes it maps to.

use std::fmt;

/// Where a bad value came from: a file (or `<arrays>` for data built in memory) and the field
/// inside it, e.g. `fixtures/a.json` and `hessians[2][0][1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, or `<arrays>` when the instance was built from in-memory arrays.
    pub origin: String,
    /// The field or sample index inside it (`gamma`, `hessians[3]`, `gradients[1][4]`).
    pub field: String,
}

/// Everything that can go wrong.
///
/// # Exit codes
/// [`Error::exit_code`]: `2` for bad input (a malformed or inconsistent file, a bad option), for
/// files that cannot be read and for requests over a resource limit, `3` for an internal numerical failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value in the input is malformed, out of range or inconsistent. The origin is printed
    /// through [`crate::fmt::text_path`] (a path cannot fake a line of output).
    #[error("{}: {}: {message}", crate::fmt::text_path(&location.origin), location.field)]
    Input {
        /// Which file and field.
        location: Location,
        /// What is wrong, in words.
        message: String,
    },
    /// A file could not be read. The path is printed through [`crate::fmt::text_path`].
    #[error("{}: {message}", crate::fmt::text_path(path))]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A request over a resource limit (memory, file size, work), refused before anything was
    /// allocated or run.
    #[error("{0}")]
    Limit(Box<crate::limits::LimitExceeded>),
    /// A decomposition failed to converge (should not happen on finite input).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// The origin used for instances built from in-memory arrays.
pub const IN_MEMORY: &str = "<arrays>";

impl Error {
    /// A bad-input error for `field` of data built in memory (the loader names the file later).
    pub fn input(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Input {
            location: Location {
                origin: IN_MEMORY.to_owned(),
                field: field.into(),
            },
            message: message.to_string(),
        }
    }

    /// The same error, attributed to the file `origin`.
    #[must_use]
    pub fn in_file(self, origin: &str) -> Self {
        match self {
            Self::Input {
                mut location,
                message,
            } => {
                location.origin = origin.to_owned();
                Self::Input { location, message }
            }
            Self::Limit(mut l) => {
                l.location.origin = origin.to_owned();
                Self::Limit(l)
            }
            other => other,
        }
    }

    /// The process exit code for this error: 2 for bad input or unreadable files, 3 for internal
    /// numerical failures.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input { .. } | Self::Io { .. } | Self::Limit(_) => 2,
            Self::Numerical(_) => 3,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
