//! NumPy `.npy` arrays: an instance from an `N×d×d` array of Hessians or an `N×d` array of
//! gradients, streamed from the file; a vector (a starting point) from a 1-D array.

use super::*;

/// Open the `.npy` file `path` for streaming: the preamble and header are read and checked, the
/// data is left in the file.
pub(super) fn open_npy_file(path: &Path) -> Result<Npy<std::io::BufReader<std::fs::File>>> {
    let origin = path.display().to_string();
    let (file, len) = crate::limits::open_file(path, crate::limits::FileKind::Npy)?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    open_npy_from(reader, len).map_err(|m| input(ErrorKind::Malformed, &origin, "array", m))
}

/// Parse an instance from the bytes of a `.npy` file: an `N×d×d` array of Hessians or an
/// `N×d` array of gradients; `γ` and `B` must come from `overrides` (sampling defaults to
/// without replacement).
///
/// # Errors
/// [`Error::Input`] naming `origin` and the array or the option.
pub fn instance_from_npy(
    bytes: &[u8],
    origin: &str,
    name: &str,
    overrides: &Overrides,
    symmetry: RelTol,
) -> Result<Instance> {
    let npy = open_npy(bytes).map_err(|m| input(ErrorKind::Malformed, origin, "array", m))?;
    instance_from_open_npy(npy, origin, name, overrides, symmetry)
}

pub(super) fn instance_from_open_npy<R: std::io::Read>(
    npy: Npy<R>,
    origin: &str,
    name: &str,
    overrides: &Overrides,
    symmetry: RelTol,
) -> Result<Instance> {
    let shape = npy.shape.clone();
    let samples = match shape.as_slice() {
        &[n, d, d2] => {
            let data = npy
                .into_c_order()
                .map_err(|m| input(ErrorKind::Malformed, origin, "array", m))?;
            if d != d2 {
                return Err(input(
                    ErrorKind::Shape,
                    origin,
                    "array",
                    format!(
                        "shape ({n}, {d}, {d2}): Hessians must be N×d×d with square d×d slices"
                    ),
                ));
            }
            let rows: Vec<Vec<Vec<f64>>> = (0..n)
                .map(|i| {
                    (0..d)
                        .map(|r| data[(i * d + r) * d..(i * d + r + 1) * d].to_vec())
                        .collect()
                })
                .collect();
            Samples::hessians_from_rows(&rows, symmetry)
        }
        &[n, d] => gradients_from_npy(npy, n, d),
        other => {
            return Err(input(
                ErrorKind::Shape,
                origin,
                "array",
                format!("shape {other:?}: expected N×d×d (Hessians) or N×d (gradients)"),
            ))
        }
    }
    .map_err(|e| e.in_file(origin))?;
    let gamma = overrides.gamma.ok_or_else(|| {
        input(
            ErrorKind::Missing,
            origin,
            "gamma",
            "missing: a .npy file holds only the arrays; give --gamma",
        )
    })?;
    let batch_size = overrides.batch_size.ok_or_else(|| {
        input(
            ErrorKind::Missing,
            origin,
            "batch_size",
            "missing: a .npy file holds only the arrays; give --batch-size",
        )
    })?;
    build(
        origin,
        name.to_owned(),
        samples,
        gamma,
        batch_size,
        overrides.sampling.unwrap_or_default(),
    )
}

/// A vector from a `.npy` file (shape `(d,)`, `(1, d)` or `(d, 1)`; float or int): a starting
/// point `x_0` for `simulate --x0-file`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Input`] naming the file for anything
/// malformed (another shape, NaN or infinite entries).
pub fn vector_from_npy(path: &Path) -> Result<Vec<f64>> {
    let origin = path.display().to_string();
    let npy = open_npy_file(path)?;
    let shape = npy.shape.clone();
    let ok = matches!(shape.as_slice(), [_] | [1, _] | [_, 1]);
    if !ok {
        return Err(input(
            ErrorKind::Shape,
            &origin,
            "array",
            format!("shape {shape:?}: expected a vector of shape (d,), (1, d) or (d, 1)"),
        ));
    }
    let v = npy
        .into_c_order()
        .map_err(|m| input(ErrorKind::Malformed, &origin, "array", m))?;
    if let Some(k) = v.iter().position(|x| !x.is_finite()) {
        return Err(input(
            ErrorKind::NonFinite,
            &origin,
            format!("x0[{k}]"),
            format!("is {}, entries must be finite", v[k]),
        ));
    }
    Ok(v)
}

/// A checked `.npy` array: its shape, memory order, and an entry reader.
pub(super) struct Npy<R: std::io::Read> {
    shape: Vec<usize>,
    order: npyz::Order,
    file: npyz::NpyFile<R>,
    kind: (npyz::TypeChar, usize),
}

impl<R: std::io::Read> Npy<R> {
    /// Every entry as f64, in storage order (C or Fortran), passed to `f` with its storage
    /// index; no intermediate copy of the array.
    fn for_each(self, mut f: impl FnMut(usize, f64)) -> std::result::Result<(), String> {
        use npyz::TypeChar;
        let err = |e: std::io::Error| format!("reading the array data: {e}");
        let derr = |e: npyz::DTypeError| format!("reading the array data: {e}");
        match self.kind {
            (TypeChar::Float, 8) => {
                for (k, x) in self.file.data::<f64>().map_err(derr)?.enumerate() {
                    f(k, x.map_err(err)?);
                }
            }
            (TypeChar::Float, _) => {
                for (k, x) in self.file.data::<f32>().map_err(derr)?.enumerate() {
                    f(k, f64::from(x.map_err(err)?));
                }
            }
            // Integer entries convert exactly up to 2^53; larger ones round, as NumPy's
            // float64 cast.
            #[allow(clippy::cast_precision_loss)]
            (TypeChar::Int, 8) => {
                for (k, x) in self.file.data::<i64>().map_err(derr)?.enumerate() {
                    f(k, x.map_err(err)? as f64);
                }
            }
            _ => {
                for (k, x) in self.file.data::<i32>().map_err(derr)?.enumerate() {
                    f(k, f64::from(x.map_err(err)?));
                }
            }
        }
        Ok(())
    }

    /// The entries in C order (last index fastest).
    fn into_c_order(self) -> std::result::Result<Vec<f64>, String> {
        let count = self.shape.iter().product();
        let (order, shape) = (self.order, self.shape.clone());
        let mut flat = Vec::with_capacity(count);
        self.for_each(|_, x| flat.push(x))?;
        Ok(match order {
            npyz::Order::C => flat,
            npyz::Order::Fortran => fortran_to_c(&flat, &shape),
        })
    }
}

/// Open a numeric `.npy` array: check the preamble, the header, the dtype and the data length.
fn open_npy(bytes: &[u8]) -> std::result::Result<Npy<std::io::Cursor<&[u8]>>, String> {
    open_npy_from(std::io::Cursor::new(bytes), bytes.len() as u64)
}

/// [`open_npy`] on a reader holding `total` bytes: the preamble and the header are read (and
/// checked before npyz parses them), the data is left in `reader`.
fn open_npy_from<R: std::io::Read>(
    mut reader: R,
    total: u64,
) -> std::result::Result<Npy<R>, String> {
    use npyz::{DType, NpyFile, TypeChar};
    let prefix = read_npy_prefix(&mut reader, total)?;
    precheck_npy_header(&prefix)?;
    let mut cursor = std::io::Cursor::new(prefix.as_slice());
    let header = npyz::NpyHeader::from_reader(&mut cursor)
        .map_err(|e| format!("not a readable .npy file: {}", one_line(&e.to_string())))?;
    // The header ends where the preamble says (npyz reads exactly that much).
    let data_len = total - prefix.len() as u64;
    let file = NpyFile::with_header(header, reader);
    let shape: Vec<usize> = file
        .shape()
        .iter()
        .map(|&s| usize::try_from(s).map_err(|_| format!("dimension {s} is too large")))
        .collect::<std::result::Result<_, _>>()?;
    if let Some(k) = shape.iter().position(|&s| s == 0) {
        return Err(format!(
            "shape {shape:?} has a zero dimension (axis {k}): N and d must be at least 1"
        ));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &s| acc.checked_mul(s))
        .ok_or("the shape's element count overflows")?;
    let DType::Plain(ts) = file.dtype() else {
        return Err("structured arrays are not supported: expected a plain numeric array".into());
    };
    let width = ts.num_bytes().unwrap_or(0);
    let supported = matches!(
        (ts.type_char(), width),
        (TypeChar::Float, 4 | 8) | (TypeChar::Int, 4 | 8)
    );
    if !supported {
        return Err(format!(
            "dtype {ts} is not supported: expected float64, float32, int64 or int32"
        ));
    }
    let needed = (count as u64)
        .checked_mul(width as u64)
        .ok_or("size overflow")?;
    if needed != data_len {
        return Err(format!(
            "the header promises {count} entries of {width} bytes ({needed} bytes) but the file holds {data_len} data bytes"
        ));
    }
    // Gradients (N×d) are streamed straight into one f64 matrix; Hessians (N×d×d) pass through
    // the entries, their rows and the instance's matrices: three copies. The file is not held.
    let copies: u128 = if shape.len() == 2 { 1 } else { 3 };
    let memory = crate::limits::product(&[count as u128, 8 * copies]);
    let budget = crate::limits::MemoryBudget::current();
    if memory > u128::from(budget.get()) {
        return Err(format!(
            "{count} entries need {} of memory as f64, more than the limit of {}; raise --memory-limit if the machine has the memory",
            crate::limits::bytes(memory),
            crate::limits::bytes(u128::from(budget.get()))
        ));
    }
    Ok(Npy {
        shape,
        order: file.order(),
        kind: (ts.type_char(), width),
        file,
    })
}

/// `N×d` gradients read straight into `Gᵀ` (`d×N`, each `g_i` a contiguous column): one copy of
/// `G` in memory, whatever the file's dtype and order.
fn gradients_from_npy<R: std::io::Read>(npy: Npy<R>, n: usize, d: usize) -> Result<Samples> {
    let fortran = npy.order == npyz::Order::Fortran;
    let mut gt = faer::Mat::<f64>::zeros(d, n);
    let mut bad: Option<(usize, usize, f64)> = None;
    npy.for_each(|k, x| {
        // C order: entry k is (i, j) = (k / d, k % d); Fortran: (k % n, k / n).
        let (i, j) = if fortran {
            (k % n, k / n)
        } else {
            (k / d, k % d)
        };
        let earlier = match bad {
            None => true,
            Some((bi, bj, _)) => (i, j) < (bi, bj),
        };
        if !x.is_finite() && earlier {
            bad = Some((i, j, x));
        }
        gt[(j, i)] = x;
    })
    .map_err(|m| Error::invalid(crate::error::ErrorKind::Malformed, "array", m))?;
    if let Some((i, j, x)) = bad {
        return Err(Error::invalid(
            crate::error::ErrorKind::NonFinite,
            format!("gradients[{i}][{j}]"),
            format!("is {x}, entries must be finite"),
        ));
    }
    Ok(Samples::Gradients(
        crate::instance::Gradients::from_transposed(gt),
    ))
}

/// The preamble and header of a `.npy` stream of `total` bytes: the magic string and version,
/// the header length, and the header itself — exactly the bytes before the data. A header length
/// beyond the stream is left to [`precheck_npy_header`] to report (nothing more is read).
fn read_npy_prefix<R: std::io::Read>(
    reader: &mut R,
    total: u64,
) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read as _;
    let err = |e: std::io::Error| format!("not a readable .npy file: {e}");
    let mut prefix = Vec::new();
    reader
        .by_ref()
        .take(10)
        .read_to_end(&mut prefix)
        .map_err(err)?;
    if prefix.len() < 10 || !prefix.starts_with(b"\x93NUMPY") {
        return Ok(prefix);
    }
    let (len_bytes, start) = match prefix[6] {
        1 => (2usize, 10u64),
        2 | 3 => (4, 12),
        _ => return Ok(prefix),
    };
    if start > 10 {
        reader
            .by_ref()
            .take(start - 10)
            .read_to_end(&mut prefix)
            .map_err(err)?;
        if (prefix.len() as u64) < start {
            return Ok(prefix);
        }
    }
    let header_len = prefix[8..8 + len_bytes]
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    // Never more than the stream holds (a header length of 4 GB in a 100-byte file).
    let want = header_len.min(total.saturating_sub(start));
    reader
        .by_ref()
        .take(want)
        .read_to_end(&mut prefix)
        .map_err(err)?;
    Ok(prefix)
}

/// The deepest bracket nesting a real `.npy` header needs: the dict, and the shape tuple in it.
const NPY_MAX_NESTING: usize = 4;

/// Check the `.npy` preamble before handing the header to npyz: the magic string, a header
/// length that fits in the file, and shallow bracket nesting (npyz's header parser takes time
/// exponential in the nesting depth, so a few dozen bytes of `{{{{…` would hang it).
fn precheck_npy_header(bytes: &[u8]) -> std::result::Result<(), String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(
            "not a readable .npy file: it does not start with the NumPy magic string".into(),
        );
    }
    let (len_bytes, start) = match bytes[6] {
        1 => (2, 10),
        2 | 3 => (4, 12),
        v => {
            return Err(format!(
                "not a readable .npy file: unknown format version {v}"
            ))
        }
    };
    if bytes.len() < start {
        return Err("not a readable .npy file: truncated preamble".into());
    }
    let header_len = bytes[8..8 + len_bytes]
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .ok_or_else(|| format!("not a readable .npy file: the header claims {header_len} bytes but the file is shorter"))?;
    let mut depth = 0usize;
    for &b in header {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > NPY_MAX_NESTING {
                    return Err(format!(
                        "not a readable .npy file: the header nests brackets deeper than {NPY_MAX_NESTING}"
                    ));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Collapse a multi-line message (a parser's report) into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reorder a Fortran-order (first index fastest) array into C order (last index fastest).
fn fortran_to_c(data: &[f64], shape: &[usize]) -> Vec<f64> {
    let count = data.len();
    let mut out = vec![0.0; count];
    let mut idx = vec![0usize; shape.len()];
    for slot in out.iter_mut() {
        // C-order position `slot` has multi-index `idx`; its Fortran offset is Σ idx_k · Π_{j<k} shape_j.
        let mut off = 0;
        let mut stride = 1;
        for (k, &i) in idx.iter().enumerate() {
            off += i * stride;
            stride *= shape[k];
        }
        *slot = data[off];
        for k in (0..shape.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_reorders_a_2x3() {
        // C order [[0,1,2],[3,4,5]] is stored in Fortran order as 0,3,1,4,2,5.
        let f = [0.0, 3.0, 1.0, 4.0, 2.0, 5.0];
        assert_eq!(
            fortran_to_c(&f, &[2, 3]),
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        );
    }
}
