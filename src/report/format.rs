//! The formatters of [`crate::fmt`] under their old path in `report` (kept for the modules that
//! import them from here).

#[cfg(feature = "cli")]
pub(crate) use crate::fmt::aligned_table;
pub use crate::fmt::{md_name, sig, sig_rel, text_name};
