//! The one module that knows the input file formats: the JSON fixture schema and NumPy `.npy`
//! arrays.
//!
//! JSON: `{"name": "...", "hessians": [[[..]..]..]` *or* `"gradients": [[..]..]`,
//! `"gamma": 0.5, "batch_size": 2, "sampling": "without_replacement"}`; other keys (such as
//! `"note"`) are ignored; a key repeated in one object is refused. `.npy`: an `N×d×d` array of Hessians or an `N×d` array of gradients
//! (float64, float32, int32 or int64; C or Fortran order), with `γ` and `B` from [`Overrides`].

use crate::error::{Error, ErrorKind, Result};
use crate::instance::{BatchSize, Instance, LearningRate, Samples, Sampling};
use crate::tolerance::RelTol;
use serde_json::Value;
use std::path::Path;

mod exact;
mod json;
mod npy;
mod unique_keys;

pub use exact::{
    exact_inputs_from_json, exact_inputs_of_binary, rational_from_decimal_text, ExactInputs,
    ExactSamples, EXACT_MAX_DIGITS, EXACT_MAX_EXPONENT,
};
pub use json::instance_from_json;
pub use npy::{instance_from_npy, vector_from_npy};
use npy::{instance_from_open_npy, open_npy_file};
use unique_keys::{parse_json, DUPLICATE_KEY};

/// A folder shipped with the crate (`fixtures`, `proofs`): `./NAME` if it exists, else the
/// crate's own.
#[must_use]
pub fn shipped_dir(name: &str) -> std::path::PathBuf {
    let local = std::path::PathBuf::from(name);
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }
}

/// The files in `dir` whose extension is `ext` (and that `keep` accepts), sorted by name.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be read.
pub fn files_with_extension(
    dir: &Path,
    ext: &str,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<std::path::PathBuf>> {
    let io = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext) && keep(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Values given on the command line; each replaces the file's value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Overrides {
    /// `--gamma`.
    pub gamma: Option<f64>,
    /// `--batch-size`.
    pub batch_size: Option<usize>,
    /// `--sampling`.
    pub sampling: Option<Sampling>,
}

/// Load an instance from `path`, by its extension (`.json` or `.npy`).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, is not a regular file or has another extension;
/// [`Error::Limit`] if it is larger than the memory budget allows
/// ([`crate::limits::read_file`]); [`Error::Input`] naming the file and field for anything
/// malformed.
pub fn load_path(path: &Path, overrides: &Overrides, symmetry: RelTol) -> Result<Instance> {
    load_path_with_bytes(path, overrides, symmetry).map(|(inst, _)| inst)
}

/// [`load_path`], and the instance's numbers exactly as written ([`ExactInputs`]: a JSON file's
/// decimals, a `.npy` file's binary values), read from the same bytes; `γ` from `gamma_text`
/// (the command line's `--gamma` as typed) when given.
///
/// # Errors
/// As [`load_path`]; [`Error::Input`] naming the field of a number the exact mode cannot read
/// ([`rational_from_decimal_text`]).
pub fn load_path_exact(
    path: &Path,
    overrides: &Overrides,
    symmetry: RelTol,
    gamma_text: Option<&str>,
) -> Result<(Instance, ExactInputs)> {
    let origin = path.display().to_string();
    let (inst, bytes) = load_path_with_bytes(path, overrides, symmetry)?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let exact = if is_json {
        exact_inputs_from_json(&bytes, &origin, gamma_text)?
    } else {
        exact_inputs_of_binary(&inst, gamma_text).map_err(|e| e.in_file(&origin))?
    };
    Ok((inst, exact))
}

fn load_path_with_bytes(
    path: &Path,
    overrides: &Overrides,
    symmetry: RelTol,
) -> Result<(Instance, Vec<u8>)> {
    let origin = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match ext.as_deref() {
        Some("npy") => crate::limits::FileKind::Npy,
        _ => crate::limits::FileKind::Json,
    };
    let stem = path
        .file_stem()
        .map_or_else(|| origin.clone(), |s| s.to_string_lossy().into_owned());
    if kind == crate::limits::FileKind::Npy {
        // Streamed: the array goes from the file into the instance, never held whole.
        let npy = open_npy_file(path)?;
        let inst = instance_from_open_npy(npy, &origin, &stem, overrides, symmetry)?;
        return Ok((inst, Vec::new()));
    }
    let bytes = crate::limits::read_file(path, kind)?;
    let inst = match ext.as_deref() {
        Some("json") => instance_from_json(&bytes, &origin, &stem, overrides, symmetry),
        _ => Err(Error::Io {
            path: origin,
            message: "unknown file type: expected a .json instance or a .npy array".to_owned(),
        }),
    }?;
    Ok((inst, bytes))
}

fn input(
    kind: ErrorKind,
    origin: &str,
    field: impl Into<String>,
    message: impl std::fmt::Display,
) -> Error {
    Error::invalid(kind, field, message).in_file(origin)
}

fn build(
    origin: &str,
    name: String,
    samples: Samples,
    gamma: f64,
    batch_size: usize,
    sampling: Sampling,
) -> Result<Instance> {
    let attach = |e: Error| e.in_file(origin);
    Instance::new(
        name,
        samples,
        LearningRate::new(gamma).map_err(attach)?,
        BatchSize::new(batch_size).map_err(attach)?,
        sampling,
    )
    .map_err(attach)
}
