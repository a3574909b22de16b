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

/// What kind of thing went wrong, for callers that act on it (match on [`Error::kind`]); the
/// message says the rest in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not what the format says: malformed JSON or `.npy`, a value of the wrong type, an unknown
    /// name (of a sampling scheme), a duplicate key, a decimal that cannot be read.
    Malformed,
    /// A required value is absent (`gamma` in a `.npy` without `--gamma`).
    Missing,
    /// Sizes that do not fit together: ragged rows, a non-square matrix, `N = 0`, `d = 0`, an
    /// `x0` of the wrong length.
    Shape,
    /// A Hessian that is not symmetric within the tolerance.
    NonSymmetric,
    /// A value that is NaN or infinite, or a result beyond the f64 range at this scale.
    NonFinite,
    /// A value outside its allowed range: `γ ≤ 0`, `B = 0`, `B > N` without replacement, `B`
    /// not dividing `N` under random reshuffling, a tolerance or limit out of bounds.
    OutOfRange,
    /// A valid request this operation does not support: random reshuffling where batches must
    /// be independent, exact arithmetic beyond `d ≤ 5`.
    Unsupported,
    /// A request over a limit: an enumeration above `--limit`, counts beyond 2^128, exact
    /// arithmetic over its budget, and every [`Error::Limit`] (memory, file size, work).
    TooLarge,
    /// Invalid input not classified further (errors built with [`Error::input`]).
    Invalid,
    /// A file could not be read or written ([`Error::Io`]).
    Io,
    /// An internal numerical failure ([`Error::Numerical`]).
    Numerical,
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
        /// What kind of problem.
        kind: ErrorKind,
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
    Limit(Box<LimitExceeded>),
    /// A decomposition failed to converge (should not happen on finite input).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// The origin used for instances built from in-memory arrays.
pub const IN_MEMORY: &str = "<arrays>";

impl Error {
    /// A bad-input error of `kind` for `field` of data built in memory (the loader names the
    /// file later).
    pub fn invalid(kind: ErrorKind, field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Input {
            kind,
            location: Location {
                origin: IN_MEMORY.to_owned(),
                field: field.into(),
            },
            message: message.to_string(),
        }
    }

    /// [`Error::invalid`] of kind [`ErrorKind::Invalid`] (not classified further).
    pub fn input(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::invalid(ErrorKind::Invalid, field, message)
    }

    /// What kind of error this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Input { kind, .. } => *kind,
            Self::Io { .. } => ErrorKind::Io,
            Self::Limit(_) => ErrorKind::TooLarge,
            Self::Numerical(_) => ErrorKind::Numerical,
        }
    }

    /// The same error, attributed to the file `origin`.
    #[must_use]
    pub fn in_file(self, origin: &str) -> Self {
        match self {
            Self::Input {
                kind,
                mut location,
                message,
            } => {
                location.origin = origin.to_owned();
                Self::Input {
                    kind,
                    location,
                    message,
                }
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

/// What a limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Bytes of memory (`--memory-limit`).
    Memory,
    /// Bytes of one input file.
    FileSize,
    /// Elementary operations (multiply-adds, or steps of a search), a proxy for running time.
    Work,
}

/// A request over a limit: what needed how much, and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// Which file (or `<arrays>`) and which field or option asked for it.
    pub location: Location,
    /// What would have been allocated or run, in words.
    pub what: String,
    /// The size estimated (bytes, or operations for [`Resource::Work`]); saturates at
    /// `u128::MAX`.
    pub needed: u128,
    /// The limit in force.
    pub limit: u128,
    /// What is bounded.
    pub resource: Resource,
    /// What to do instead.
    pub hint: String,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (needed, limit, how) = match self.resource {
            Resource::Memory => (
                crate::fmt::bytes(self.needed),
                crate::fmt::bytes(self.limit),
                " of memory, more than the limit of",
            ),
            Resource::FileSize => (
                crate::fmt::bytes(self.needed),
                crate::fmt::bytes(self.limit),
                " to read, more than the limit of",
            ),
            Resource::Work => (
                crate::fmt::operations(self.needed),
                crate::fmt::operations(self.limit),
                ", more than the limit of",
            ),
        };
        write!(
            f,
            "{}: {}: {} needs {needed}{how} {limit}",
            crate::fmt::text_path(&self.location.origin),
            self.location.field,
            self.what
        )?;
        if self.resource == Resource::Work && self.needed < u128::MAX {
            write!(
                f,
                " (about {} at 10⁹ per second)",
                crate::fmt::duration(self.needed)
            )?;
        }
        if !self.hint.is_empty() {
            write!(f, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
