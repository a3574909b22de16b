//! The shipped handwritten digits: a subset of the UCI optical-digits data (8×8 images, pixel
//! values 0..16; Alpaydin & Kaynak 1998, CC BY 4.0 — see `fixtures/README.md`), read from
//! `fixtures/digits/digits.txt`, and the two-class squared-loss task built from it.
//!
//! File format (this module is the only one that knows it): lines starting with `#` are
//! comments; every other line is `SPLIT LABEL PIXELS` with `SPLIT` `train` or `test`, `LABEL` a
//! digit `0..9`, and `PIXELS` 64 base-17 digits (`0-9a-g` for 0..16), row by row.
//!
//! Features ([`Resolution`], [`Centering`]): pixels divided by 16, optionally averaged over 2×2
//! blocks (8×8 → 4×4), by default centred by the mean image of the task's training pool, a
//! constant `1` appended (it plays the role of a bias in `h = Σ a_j σ(w_jᵀu)`, which
//! has none), and the vector scaled to norm `√d` (`d` counting the constant), as the inputs of
//! Section 4 lie on `√d·S^{d−1}`. Targets: `+1` for the task's positive digits, `−1` for its
//! negative ones.

use super::{Dataset, Split};
use crate::error::{Error, Result};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// Pixels per image.
pub const PIXELS: usize = 64;
const ALPHABET: &[u8] = b"0123456789abcdefg";

/// One image: its digit and its 64 pixels (0..16), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The digit `0..9`.
    pub label: u8,
    /// Pixel intensities `0..16`.
    pub pixels: [u8; PIXELS],
}

/// The images of the digits file, by split, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digits {
    /// The training pool.
    pub train: Vec<Image>,
    /// The test pool.
    pub test: Vec<Image>,
}

/// The input features of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// All 64 pixels (`d = 65` with the constant).
    Full8x8,
    /// 2×2 block averages, 16 values (`d = 17` with the constant).
    #[default]
    Pooled4x4,
}

impl Resolution {
    /// The input dimension `d`, the constant included.
    #[must_use]
    pub fn input_dim(self) -> usize {
        // The pixels plus the constant.
        match self {
            Self::Full8x8 => PIXELS + 1,
            Self::Pooled4x4 => 16 + 1,
        }
    }

    /// The name used on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full8x8 => "8x8",
            Self::Pooled4x4 => "4x4",
        }
    }

    /// The pixels of `image` divided by 16, at this resolution (no constant, not scaled).
    #[must_use]
    pub fn pixels(self, image: &Image) -> Vec<f64> {
        let px = |r: usize, c: usize| f64::from(image.pixels[8 * r + c]) / 16.0;
        match self {
            Self::Full8x8 => (0..PIXELS).map(|k| px(k / 8, k % 8)).collect(),
            Self::Pooled4x4 => (0..16)
                .map(|k| {
                    let (r, c) = (2 * (k / 4), 2 * (k % 4));
                    (px(r, c) + px(r, c + 1) + px(r + 1, c) + px(r + 1, c + 1)) / 4.0
                })
                .collect(),
        }
    }

    /// The input `u` of `image`: its [`Resolution::pixels`] minus `mean` (when centering), a
    /// constant `1` appended, scaled to norm `√d`.
    #[must_use]
    pub fn features(self, image: &Image, mean: Option<&[f64]>) -> Vec<f64> {
        let mut x = self.pixels(image);
        if let Some(m) = mean {
            x.iter_mut().zip(m).for_each(|(a, b)| *a -= b);
        }
        x.push(1.0);
        let norm = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        let scale = (x.len() as f64).sqrt() / norm;
        x.iter_mut().for_each(|a| *a *= scale);
        x
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Resolution {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "8x8" => Ok(Self::Full8x8),
            "4x4" => Ok(Self::Pooled4x4),
            _ => Err(format!(
                "unknown resolution {s:?}; expected \"8x8\" or \"4x4\""
            )),
        }
    }
}

/// A two-class task: the positive digits (target `+1`) against the negative ones (`−1`),
/// written `POS:NEG`, e.g. `3:8` or `02468:13579`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    positive: Vec<u8>,
    negative: Vec<u8>,
}

impl Task {
    /// A task; the two sets must be non-empty, disjoint, and hold digits `0..9`.
    ///
    /// # Errors
    /// [`Error::Input`] on `task`.
    pub fn new(positive: &[u8], negative: &[u8]) -> Result<Self> {
        let bad = |m: String| Error::input("task", m);
        if positive.is_empty() || negative.is_empty() {
            return Err(bad("both classes need at least one digit".to_owned()));
        }
        if let Some(x) = positive.iter().chain(negative).find(|&&x| x > 9) {
            return Err(bad(format!("{x} is not a digit 0..9")));
        }
        if let Some(x) = positive.iter().find(|x| negative.contains(x)) {
            return Err(bad(format!("digit {x} is in both classes")));
        }
        let mut positive = positive.to_vec();
        let mut negative = negative.to_vec();
        for v in [&mut positive, &mut negative] {
            v.sort_unstable();
            v.dedup();
        }
        Ok(Self { positive, negative })
    }

    /// The target of a label: `Some(±1)`, or `None` if the digit is in neither class.
    #[must_use]
    pub fn target(&self, label: u8) -> Option<f64> {
        if self.positive.contains(&label) {
            Some(1.0)
        } else if self.negative.contains(&label) {
            Some(-1.0)
        } else {
            None
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |v: &[u8]| v.iter().map(u8::to_string).collect::<String>();
        write!(f, "{}:{}", s(&self.positive), s(&self.negative))
    }
}

impl FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (p, n) = s
            .split_once(':')
            .ok_or_else(|| format!("task {s:?} is not POS:NEG, e.g. 3:8"))?;
        let digits = |t: &str| -> std::result::Result<Vec<u8>, String> {
            t.chars()
                .map(|c| {
                    c.to_digit(10)
                        .and_then(|x| u8::try_from(x).ok())
                        .ok_or_else(|| format!("task {s:?}: {c:?} is not a digit"))
                })
                .collect()
        };
        Task::new(&digits(p)?, &digits(n)?).map_err(|e| match e {
            Error::Input { message, .. } => format!("task {s:?}: {message}"),
            other => other.to_string(),
        })
    }
}

/// Which samples, and how they are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitsParams {
    /// The two classes.
    pub task: Task,
    /// The features.
    pub resolution: Resolution,
    /// `N`: the first `N` images of the task in the training pool (the file interleaves the
    /// classes, so this is balanced up to one image per class).
    pub n_train: usize,
    /// The test set: the first this many images of the task in the test pool, or all.
    pub n_test: Option<usize>,
    /// Whether the pixels are centred before the constant is appended.
    pub centering: Centering,
}

/// Centring of the pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Centering {
    /// Subtract the mean image of the task's whole training pool (the same for train and test,
    /// and for every `N`): it removes the direction all images share, which otherwise makes the
    /// model's Gram matrix `JJᵀ` badly conditioned (about 10⁴ at initialization on `3:8`
    /// against 6·10² centred) and slows GD's convergence to an interpolating point.
    #[default]
    TrainingPoolMean,
    /// Raw pixels.
    None,
}

impl Digits {
    /// Parse the digits file's text; `origin` names it in errors.
    ///
    /// # Errors
    /// [`Error::Input`] on `line K` (with what is wrong: the split, the label, a pixel, the
    /// count) attributed to `origin`; also if either split is empty.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut out = Self {
            train: Vec::new(),
            test: Vec::new(),
        };
        for (k, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |what: &str, m: String| Error::input(format!("line {}: {what}", k + 1), m);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [split, label, pixels] = fields[..] else {
                return Err(at(
                    "fields",
                    format!(
                        "expected 3 fields (split label pixels), found {}",
                        fields.len()
                    ),
                )
                .in_file(origin));
            };
            let label = match label.as_bytes() {
                [c @ b'0'..=b'9'] => c - b'0',
                _ => {
                    return Err(
                        at("label", format!("{label:?} is not a digit 0..9")).in_file(origin)
                    )
                }
            };
            if pixels.len() != PIXELS {
                return Err(at(
                    "pixels",
                    format!("has {} characters, expected {PIXELS}", pixels.len()),
                )
                .in_file(origin));
            }
            let mut px = [0u8; PIXELS];
            for (j, c) in pixels.bytes().enumerate() {
                px[j] = ALPHABET
                    .iter()
                    .position(|&a| a == c)
                    .and_then(|v| u8::try_from(v).ok())
                    .ok_or_else(|| {
                        at(
                            &format!("pixels[{j}]"),
                            format!("{:?} is not a base-17 digit 0-9a-g", char::from(c)),
                        )
                        .in_file(origin)
                    })?;
            }
            let image = Image { label, pixels: px };
            match split {
                "train" => out.train.push(image),
                "test" => out.test.push(image),
                other => {
                    return Err(at(
                        "split",
                        format!("{other:?} is neither \"train\" nor \"test\""),
                    )
                    .in_file(origin))
                }
            }
        }
        for (name, v) in [("train", &out.train), ("test", &out.test)] {
            if v.is_empty() {
                return Err(Error::input(name, "no images in this split").in_file(origin));
            }
        }
        Ok(out)
    }

    /// Read and parse a digits file.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read; as [`Digits::parse`].
    pub fn load(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: origin.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &origin)
    }

    /// The shipped file, `fixtures/digits/digits.txt`.
    ///
    /// # Errors
    /// As [`Digits::load`].
    pub fn shipped() -> Result<Self> {
        Self::load(&shipped_path())
    }

    /// The train and test sets of a task.
    ///
    /// # Errors
    /// [`Error::Input`] on `n_train` if it is 0 or more than the task's training images, on
    /// `n_test` if it is 0 or more than its test images.
    pub fn split(&self, p: &DigitsParams) -> Result<Split> {
        let name = format!("digits {} {}", p.task, p.resolution);
        let mean = match p.centering {
            Centering::None => None,
            Centering::TrainingPoolMean => {
                let pool: Vec<Vec<f64>> = self
                    .train
                    .iter()
                    .filter(|im| p.task.target(im.label).is_some())
                    .map(|im| p.resolution.pixels(im))
                    .collect();
                let k = pool.len().max(1) as f64;
                let dim = p.resolution.input_dim() - 1;
                Some(
                    (0..dim)
                        .map(|j| pool.iter().map(|x| x[j]).sum::<f64>() / k)
                        .collect::<Vec<f64>>(),
                )
            }
        };
        let take = |pool: &[Image], n: Option<usize>, field: &str, what: &str| {
            let all: Vec<&Image> = pool
                .iter()
                .filter(|im| p.task.target(im.label).is_some())
                .collect();
            let n = n.unwrap_or(all.len());
            if n == 0 || n > all.len() {
                return Err(Error::input(
                    field,
                    format!(
                        "asks for {n} images; the task {} has {} {what} images (between 1 and {} can be used)",
                        p.task,
                        all.len(),
                        all.len()
                    ),
                ));
            }
            let rows: Vec<Vec<f64>> = all[..n]
                .iter()
                .map(|im| p.resolution.features(im, mean.as_deref()))
                .collect();
            let v: Vec<f64> = all[..n]
                .iter()
                .filter_map(|im| p.task.target(im.label))
                .collect();
            Dataset::new(format!("{name} {what}"), &rows, v)
        };
        Ok(Split {
            train: take(&self.train, Some(p.n_train), "n_train", "training")?,
            test: take(&self.test, p.n_test, "n_test", "test")?,
        })
    }
}

/// Where the shipped digits file is: `fixtures/digits/digits.txt` under
/// [`crate::load::shipped_dir`].
#[must_use]
pub fn shipped_path() -> std::path::PathBuf {
    crate::load::shipped_dir("fixtures")
        .join("digits")
        .join("digits.txt")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(split: &str, label: u8, px: &str) -> String {
        format!("{split} {label} {px}\n")
    }

    #[test]
    fn features_are_on_the_sphere_and_pooled_by_blocks() {
        let mut pixels = [0u8; PIXELS];
        pixels[0] = 16; // top-left 2×2 block: mean 4/16 = 0.25
        pixels[9] = 16;
        pixels[63] = 8;
        let im = Image { label: 3, pixels };
        for r in [Resolution::Full8x8, Resolution::Pooled4x4] {
            let x = r.features(&im, None);
            assert_eq!(x.len(), r.input_dim());
            let n2: f64 = x.iter().map(|a| a * a).sum();
            assert!((n2 - x.len() as f64).abs() < 1e-12, "{r}: ‖u‖² = {n2}");
        }
        let x = Resolution::Pooled4x4.features(&im, None);
        // Before scaling: block 0 = (1 + 1)/4 = 0.5, block 15 = 0.5/4 = 0.125, constant 1.
        let ratio = x[0] / x[16];
        assert!((ratio - 0.5).abs() < 1e-15, "{ratio}");
        assert!((x[15] / x[16] - 0.125).abs() < 1e-15);
        assert!(x[1..15].iter().all(|&a| a == 0.0));
    }

    #[test]
    fn parse_errors_name_the_line_and_field() {
        let good = "0".repeat(64);
        let ok = format!("# c\n{}{}", line("train", 1, &good), line("test", 2, &good));
        assert_eq!(Digits::parse(&ok, "f").unwrap().train.len(), 1);
        let cases = [
            (
                format!("{}{}", line("train", 1, &good), "test 2\n"),
                "line 2: fields",
            ),
            (line("valid", 1, &good), "line 1: split"),
            ("train x ".to_owned() + &good, "line 1: label"),
            (line("train", 1, &"0".repeat(63)), "line 1: pixels"),
            (
                line("train", 1, &format!("{}h", "0".repeat(63))),
                "line 1: pixels[63]",
            ),
            (line("train", 1, &good), "f: test"),
        ];
        for (text, want) in cases {
            let e = Digits::parse(&text, "f").unwrap_err().to_string();
            assert!(e.contains(want), "{want:?} not in {e:?}");
            assert!(e.starts_with("f: "), "{e}");
        }
    }

    #[test]
    fn task_parsing_and_validation() {
        let t: Task = "3:8".parse().unwrap();
        assert_eq!(
            (t.target(3), t.target(8), t.target(1)),
            (Some(1.0), Some(-1.0), None)
        );
        assert_eq!(
            "02468:13579".parse::<Task>().unwrap().to_string(),
            "02468:13579"
        );
        for bad in ["38", "3:3", ":8", "3:x", "3:8:1"] {
            assert!(bad.parse::<Task>().is_err(), "{bad}");
        }
    }
}
