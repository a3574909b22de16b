//! Resource limits on what user input can make the tool commit to: memory (a [`MemoryBudget`]
//! checked before every allocation whose size the input controls), work (a [`WorkBudget`] for
//! runs that would not finish), and the one budgeted reader of input files ([`read_file`]).
//!
//! A request over a limit is refused before anything is allocated or run, with a typed error
//! ([`crate::Error::Limit`], exit code 2) that names the file, the field, the size estimated and
//! the limit.

use crate::error::{Error, Location, Result, IN_MEMORY};
use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::error::{LimitExceeded, Resource};
pub use crate::fmt::bytes;
use crate::fmt::{duration, operations};

/// A product of counts and an element size in bytes, saturating at `u128::MAX` (a size that does
/// not fit is over every limit).
#[must_use]
pub fn product(factors: &[u128]) -> u128 {
    factors
        .iter()
        .try_fold(1u128, |acc, &f| acc.checked_mul(f))
        .unwrap_or(u128::MAX)
}

/// `count` values of type `T`, in bytes (saturating).
#[must_use]
pub fn bytes_of<T>(count: u128) -> u128 {
    product(&[count, std::mem::size_of::<T>() as u128])
}

/// The memory user input may make the tool allocate, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemoryBudget(u64);

static CURRENT_MEMORY: AtomicU64 = AtomicU64::new(MemoryBudget::DEFAULT.0);

impl MemoryBudget {
    /// The default: 4 GiB.
    pub const DEFAULT: MemoryBudget = MemoryBudget(4 << 30);
    /// The smallest budget accepted: 1 MiB.
    pub const MIN: u64 = 1 << 20;

    /// A budget of `bytes`.
    ///
    /// # Errors
    /// [`Error::Input`] on `memory-limit` below [`MemoryBudget::MIN`].
    pub fn new(bytes: u64) -> Result<Self> {
        if bytes < Self::MIN {
            return Err(Error::invalid(
                crate::error::ErrorKind::OutOfRange,
                "memory-limit",
                format!(
                    "{bytes} bytes is below the smallest budget, {} bytes (1 MiB)",
                    Self::MIN
                ),
            ));
        }
        Ok(Self(bytes))
    }

    /// A budget from its command-line text: a byte count with an optional binary suffix
    /// (`K`, `M`, `G`, `T`, optionally followed by `iB` or `B`): `4G`, `512MiB`, `1000000`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let (num, unit) = t.split_at(digits);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a size: expected e.g. 4G, 512M or 1000000"))?;
        let shift = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 0,
            "K" | "KB" | "KIB" => 10,
            "M" | "MB" | "MIB" => 20,
            "G" | "GB" | "GIB" => 30,
            "T" | "TB" | "TIB" => 40,
            other => return Err(format!("unknown size unit {other:?}: use K, M, G or T")),
        };
        let bytes = n
            .checked_mul(1u64 << shift)
            .ok_or_else(|| format!("{s:?} does not fit in 64 bits"))?;
        Self::new(bytes).map_err(|e| match e {
            Error::Input { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// The number of bytes.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }

    /// The budget in force for this process ([`MemoryBudget::DEFAULT`] unless
    /// [`MemoryBudget::make_current`] was called, as `--memory-limit` does).
    #[must_use]
    pub fn current() -> Self {
        Self(CURRENT_MEMORY.load(Ordering::Relaxed))
    }

    /// Make this the budget in force for the rest of the process.
    pub fn make_current(self) {
        CURRENT_MEMORY.store(self.0, Ordering::Relaxed);
    }

    /// `Ok` if `needed` bytes fit, else an error on `field` saying what, how much and the limit.
    ///
    /// # Errors
    /// [`Error::Limit`] when `needed` exceeds the budget.
    pub fn check(self, field: &str, what: impl fmt::Display, needed: u128) -> Result<()> {
        if needed <= u128::from(self.0) {
            return Ok(());
        }
        Err(Error::Limit(Box::new(LimitExceeded {
            location: Location {
                origin: IN_MEMORY.to_owned(),
                field: field.to_owned(),
            },
            what: what.to_string(),
            needed,
            limit: u128::from(self.0),
            resource: Resource::Memory,
            hint: "raise --memory-limit if the machine has the memory".to_owned(),
        })))
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How many elementary operations a run may take before it is refused as one that would not
/// finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkBudget(u128);

impl WorkBudget {
    /// The default: 10¹⁵ operations, about twelve days at 10⁹ per second.
    pub const DEFAULT: WorkBudget = WorkBudget(1_000_000_000_000_000);
    /// Runs above this many operations (about a minute at 10⁹ per second) are announced on
    /// standard error with their estimate before they start.
    pub const ANNOUNCE: u128 = 60_000_000_000;

    /// A budget of `operations`.
    #[must_use]
    pub const fn new(operations: u128) -> Self {
        Self(operations)
    }

    /// The number of operations.
    #[must_use]
    pub const fn get(self) -> u128 {
        self.0
    }

    /// `Ok` if `needed` operations fit, else an error on `field`.
    ///
    /// # Errors
    /// [`Error::Limit`] when `needed` exceeds the budget.
    pub fn check(
        self,
        field: &str,
        what: impl fmt::Display,
        needed: u128,
        hint: &str,
    ) -> Result<()> {
        if needed <= self.0 {
            return Ok(());
        }
        Err(Error::Limit(Box::new(LimitExceeded {
            location: Location {
                origin: IN_MEMORY.to_owned(),
                field: field.to_owned(),
            },
            what: what.to_string(),
            needed,
            limit: self.0,
            resource: Resource::Work,
            hint: hint.to_owned(),
        })))
    }

    /// A line for standard error announcing a long run (`None` below [`WorkBudget::ANNOUNCE`]).
    #[must_use]
    pub fn announcement(what: &str, needed: u128) -> Option<String> {
        (needed > Self::ANNOUNCE).then(|| {
            format!(
                "note: {what}: about {} ({} at 10⁹ per second)",
                operations(needed),
                duration(needed)
            )
        })
    }
}

impl Default for WorkBudget {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How large an input file may be: a JSON or proof file's bytes are held in memory at once (and
/// parsing needs more), so the cap is a share of the [`MemoryBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A JSON instance: a parsed JSON number takes up to 32 times its text, so at most
    /// budget/32 bytes.
    Json,
    /// A `.npy` array: streamed from the file into the instance, never held whole; what counts
    /// is its entries as `f64` (checked against the budget from the header before reading), so
    /// the file itself is at most the budget.
    Npy,
    /// A derivation file (`.lecture`): text of at most 1 MiB (the shipped ones are a few KiB).
    Proof,
}

impl FileKind {
    /// The cap in bytes under `budget`.
    #[must_use]
    pub fn cap(self, budget: MemoryBudget) -> u64 {
        match self {
            Self::Json => budget.get() / 32,
            Self::Npy => budget.get(),
            Self::Proof => 1 << 20,
        }
    }
}

/// Read the input file `path`: a regular file (not a FIFO, a device or a directory, which would
/// block or never end) of at most `kind`'s cap under the current [`MemoryBudget`].
///
/// # Errors
/// [`Error::Io`] naming `path` if it is missing, unreadable or not a regular file;
/// [`Error::Limit`] naming `path` if it is larger than the cap.
pub fn read_file(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    let (file, len) = open_file(path, kind)?;
    let cap = kind.cap(MemoryBudget::current());
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > cap {
        // It grew while being read.
        return Err(too_large(path, kind, bytes.len() as u128));
    }
    Ok(bytes)
}

/// Open the input file `path` for reading: a regular file (checked before opening, and again on
/// the open handle) of at most `kind`'s cap under the current [`MemoryBudget`]; returns the
/// handle and the file's length. For readers that stream the file instead of holding it.
///
/// # Errors
/// As [`read_file`].
pub fn open_file(path: &Path, kind: FileKind) -> Result<(std::fs::File, u64)> {
    let shown = path.display().to_string();
    let io = |message: String| Error::Io {
        path: shown.clone(),
        message,
    };
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    let meta = std::fs::metadata(path).map_err(|e| io(e.to_string()))?;
    if !meta.is_file() {
        return Err(io(format!(
            "not a regular file ({}): give a .json, .npy or .lecture file",
            file_type_name(&meta.file_type())
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
    // The file may have been replaced between the two looks: check the open handle too.
    let meta = file.metadata().map_err(|e| io(e.to_string()))?;
    if !meta.is_file() {
        return Err(io(format!(
            "not a regular file ({})",
            file_type_name(&meta.file_type())
        )));
    }
    if meta.len() > kind.cap(MemoryBudget::current()) {
        return Err(too_large(path, kind, u128::from(meta.len())));
    }
    Ok((file, meta.len()))
}

fn too_large(path: &Path, kind: FileKind, size: u128) -> Error {
    Error::Limit(Box::new(LimitExceeded {
        location: Location {
            origin: path.display().to_string(),
            field: "(file)".to_owned(),
        },
        what: "reading the file".to_owned(),
        needed: size,
        limit: u128::from(kind.cap(MemoryBudget::current())),
        resource: Resource::FileSize,
        hint: match kind {
            FileKind::Proof => String::new(),
            _ => "raise --memory-limit if the machine has the memory".to_owned(),
        },
    }))
}

/// [`read_file`] as UTF-8 text.
///
/// # Errors
/// As [`read_file`]; [`Error::Io`] if the bytes are not UTF-8.
pub fn read_text_file(path: &Path, kind: FileKind) -> Result<String> {
    let bytes = read_file(path, kind)?;
    String::from_utf8(bytes).map_err(|_| Error::Io {
        path: path.display().to_string(),
        message: "stream did not contain valid UTF-8".to_owned(),
    })
}

fn file_type_name(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(MemoryBudget::parse("4G").unwrap().get(), 4 << 30);
        assert_eq!(MemoryBudget::parse("512MiB").unwrap().get(), 512 << 20);
        assert_eq!(MemoryBudget::parse("2000000").unwrap().get(), 2_000_000);
        assert!(MemoryBudget::parse("1K").is_err(), "below 1 MiB");
        assert!(MemoryBudget::parse("lots").is_err());
        assert!(MemoryBudget::parse("4X").is_err());
        assert!(MemoryBudget::parse("99999999999T").is_err(), "overflows");
    }

    #[test]
    fn a_check_says_no_above_the_budget_and_names_both_sizes() {
        let b = MemoryBudget::new(1 << 20).unwrap();
        assert!(b.check("x", "a thing", 1 << 20).is_ok());
        let e = b.check("x", "a thing", (1 << 20) + 1).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("1048577 bytes") && s.contains("1048576"), "{s}");
        assert_eq!(e.exit_code(), 2);
        assert!(b.check("x", "y", u128::MAX).is_err());
        assert_eq!(product(&[u128::MAX, 2]), u128::MAX);
    }

    #[test]
    fn work_over_the_budget_says_how_long() {
        let e = WorkBudget::new(10)
            .check("steps", "simulating", 1_000_000_000_000_000_000, "fewer")
            .unwrap_err()
            .to_string();
        assert!(e.contains("years") && e.contains("1.00e18"), "{e}");
        assert!(WorkBudget::announcement("x", 10).is_none());
        assert!(WorkBudget::announcement("x", WorkBudget::ANNOUNCE * 10)
            .unwrap()
            .contains("10.0 minutes"));
    }
}
