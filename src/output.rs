//! Writing a set of output files atomically: everything is written into a temporary folder
//! beside the destination first, then each file is renamed into place. A run interrupted while
//! writing leaves every file the user had untouched.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Files to write, as paths relative to the destination folder and their contents.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

fn io(path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Write `files` under `dir`, atomically per file and all-or-nothing for the writing phase.
///
/// `fail_after` is for tests: stop with an error after writing that many files to the temporary
/// folder, as an interrupted run would.
///
/// # Errors
/// [`Error::Io`] naming the path that could not be created, written or renamed.
pub fn write_atomically(dir: &Path, files: &Files, fail_after: Option<usize>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    let staging = dir.join(format!(".sgd-stability-tmp-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, &e))?;
    }
    let result = (|| {
        for (k, (rel, bytes)) in files.iter().enumerate() {
            if fail_after == Some(k) {
                return Err(Error::Io {
                    path: staging.display().to_string(),
                    message: "interrupted (test)".to_owned(),
                });
            }
            let p = staging.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
            }
            std::fs::write(&p, bytes).map_err(|e| io(&p, &e))?;
        }
        for (rel, _) in files {
            let (from, to) = (staging.join(rel), dir.join(rel));
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| io(&to, &e))?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sgd-stability-output-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn an_interrupted_write_leaves_the_old_files_intact() {
        let dir = tmp("interrupt");
        let old: Files = vec![
            ("a.txt".into(), b"old a".to_vec()),
            ("sub/b.txt".into(), b"old b".to_vec()),
        ];
        write_atomically(&dir, &old, None).unwrap();
        let new: Files = vec![
            ("a.txt".into(), b"new a".to_vec()),
            ("sub/b.txt".into(), b"new b".to_vec()),
        ];
        assert!(write_atomically(&dir, &new, Some(1)).is_err());
        assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"old a");
        assert_eq!(std::fs::read(dir.join("sub/b.txt")).unwrap(), b"old b");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            2,
            "no staging folder left behind"
        );
        write_atomically(&dir, &new, None).unwrap();
        assert_eq!(std::fs::read(dir.join("sub/b.txt")).unwrap(), b"new b");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
