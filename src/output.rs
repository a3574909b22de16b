//! Writing a report folder atomically: the whole set of files is written into a staging folder
//! beside the destination (in the destination's parent, so on the same file system), then
//! swapped in with one rename. A run interrupted at any point, even killed, leaves the folder
//! holding one complete report: the old one or the new one, never a mix.
//!
//! - If the folder does not exist, one `rename` puts the staging folder in its place.
//! - If it exists, on Linux `renameat2(RENAME_EXCHANGE)` swaps the two folders in one step and
//!   the old report (now in the staging folder) is removed afterwards. Where the exchange is not
//!   available (other systems, some file systems), the old folder is first renamed aside; a kill
//!   between the two renames leaves no folder at the destination for that instant (the old
//!   report survives aside and is cleaned by the next run).
//! - Staging folders of earlier runs that died (their process is gone) are removed first; stale
//!   figures disappear with the old folder.
//! - A folder that holds anything besides a report (`report.md`, `report.html`, `report.json`,
//!   `figures/*.svg`) is never replaced: `--out .` or `--out ~` is refused, naming the entry.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Files to write, as paths relative to the destination folder and their contents.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// The environment variable of the kill test: `staging` stops (sleeps forever, after saying
/// `stalled at staging` on standard error) when half the files are written, `swapped` right
/// after the swap, before the old report is removed. For tests only.
pub const STALL_VAR: &str = "SGD_STABILITY_TEST_STALL";

/// The entries a report folder may hold at its top level.
const REPORT_FILES: [&str; 3] = ["report.md", "report.html", "report.json"];
/// The report's figure folder.
const FIGURES: &str = "figures";
/// The staging folder of `dest` for process `pid` is `.{name}{TMP_MARK}{pid}`.
const TMP_MARK: &str = ".sgd-stability-tmp-";

fn io(path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Write `files` as the complete contents of the folder `dir`, replacing what it held (see the
/// module docs).
///
/// `fail_after` is for tests: stop with an error after writing that many files to the staging
/// folder, as an interrupted run would.
///
/// # Errors
/// [`Error::Io`] naming the path that could not be created, written or renamed; naming `dir`
/// when it is not a folder, has no name of its own (`.`, `..`, `/`) or holds something that is
/// not part of a report.
pub fn write_atomically(dir: &Path, files: &Files, fail_after: Option<usize>) -> Result<()> {
    let refuse = |message: String| Error::Io {
        path: dir.display().to_string(),
        message,
    };
    let name = match dir.file_name() {
        Some(n) if !matches!(dir.components().next_back(), Some(std::path::Component::ParentDir)) => {
            n.to_string_lossy().into_owned()
        }
        _ => {
            return Err(refuse(
                "the output folder must have a name of its own (not ., .. or /): the report replaces the whole folder".to_owned(),
            ))
        }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(&parent, &e))?;
    let exists = match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {
            check_report_folder(dir)?;
            true
        }
        Ok(_) => {
            return Err(refuse(
                "exists and is not a folder (a file or a symbolic link): give --out a folder"
                    .to_owned(),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io(dir, &e)),
    };
    remove_stale_staging(&parent, &name);
    let staging = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
    if std::fs::symlink_metadata(&staging).is_ok() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, &e))?;
    }
    let written = write_staging(&staging, files, fail_after);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if !exists {
        return std::fs::rename(&staging, dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            io(dir, &e)
        });
    }
    swap(&staging, dir)?;
    stall_if_asked("swapped");
    // The staging path now holds the old report.
    let _ = std::fs::remove_dir_all(&staging);
    Ok(())
}

fn write_staging(staging: &Path, files: &Files, fail_after: Option<usize>) -> Result<()> {
    use std::io::Write as _;
    std::fs::create_dir(staging).map_err(|e| io(staging, &e))?;
    for (k, (rel, bytes)) in files.iter().enumerate() {
        if fail_after == Some(k) {
            return Err(Error::Io {
                path: staging.display().to_string(),
                message: "interrupted (test)".to_owned(),
            });
        }
        if k == files.len() / 2 {
            stall_if_asked("staging");
        }
        let p = staging.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
        }
        let mut f = std::fs::File::create(&p).map_err(|e| io(&p, &e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io(&p, &e))?;
    }
    Ok(())
}

/// Swap the folders `staging` and `dir` (both exist): afterwards `dir` holds the new report and
/// `staging` the old one.
fn swap(staging: &Path, dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Not supported by this kernel or file system: fall back to two renames.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(dir, &std::io::Error::from(e))),
        }
    }
    swap_by_renames(staging, dir)
}

/// [`swap`] where the exchange is not available: the old folder aside, the new one in, the old
/// one to `staging`. A kill between the first two renames leaves no folder at `dir` (the old
/// report survives as `staging-old`, removed by the next run).
fn swap_by_renames(staging: &Path, dir: &Path) -> Result<()> {
    let aside = PathBuf::from(format!("{}-old", staging.display()));
    std::fs::rename(dir, &aside).map_err(|e| io(dir, &e))?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&aside, dir);
        return Err(io(dir, &e));
    }
    std::fs::rename(&aside, staging).map_err(|e| io(&aside, &e))
}

/// `Ok` if `dir` holds only a report's files (or nothing).
fn check_report_folder(dir: &Path) -> Result<()> {
    let foreign = |p: &Path| {
        Error::Io {
        path: dir.display().to_string(),
        message: format!(
            "holds {}, which is not part of a report: the report replaces the whole folder, so give --out a new folder or one that holds only a report",
            crate::fmt::text_path(&p.display().to_string())
        ),
    }
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, &e))? {
        let entry = entry.map_err(|e| io(dir, &e))?;
        let (path, name) = (entry.path(), entry.file_name());
        let kind = entry.file_type().map_err(|e| io(&path, &e))?;
        let name = name.to_string_lossy();
        let ok = if REPORT_FILES.contains(&name.as_ref()) {
            kind.is_file()
        } else if name == FIGURES {
            kind.is_dir() && figures_only(&path)?
        } else {
            // The staging folder of the former writer, which staged inside the folder.
            kind.is_dir() && name.starts_with(".sgd-stability-tmp-")
        };
        if !ok {
            return Err(foreign(&path));
        }
    }
    Ok(())
}

fn figures_only(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, &e))? {
        let entry = entry.map_err(|e| io(dir, &e))?;
        let is_file = entry.file_type().map_err(|e| io(dir, &e))?.is_file();
        if !(is_file && entry.path().extension().is_some_and(|e| e == "svg")) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Remove the staging folders of `name` in `parent` left by runs whose process is gone.
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}{TMP_MARK}");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.strip_suffix("-old").unwrap_or(rest);
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` may still be running (where that cannot be told, it may).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

/// The kill test's hook ([`STALL_VAR`]).
fn stall_if_asked(phase: &str) {
    if std::env::var(STALL_VAR).is_ok_and(|v| v == phase) {
        eprintln!("stalled at {phase}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
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

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_interrupted_write_leaves_the_old_report_intact() {
        let root = tmp("interrupt");
        let dir = root.join("out");
        let old: Files = vec![
            ("report.md".into(), b"old a".to_vec()),
            ("figures/b.svg".into(), b"old b".to_vec()),
            ("figures/stale.svg".into(), b"stale".to_vec()),
        ];
        write_atomically(&dir, &old, None).unwrap();
        let new: Files = vec![
            ("report.md".into(), b"new a".to_vec()),
            ("figures/b.svg".into(), b"new b".to_vec()),
        ];
        assert!(write_atomically(&dir, &new, Some(1)).is_err());
        assert_eq!(std::fs::read(dir.join("report.md")).unwrap(), b"old a");
        assert_eq!(std::fs::read(dir.join("figures/b.svg")).unwrap(), b"old b");
        assert_eq!(listing(&root), ["out"], "no staging folder left behind");
        write_atomically(&dir, &new, None).unwrap();
        assert_eq!(std::fs::read(dir.join("figures/b.svg")).unwrap(), b"new b");
        assert_eq!(
            listing(&dir.join("figures")),
            ["b.svg"],
            "the stale figure went with the old report"
        );
        assert_eq!(listing(&root), ["out"]);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_folder_with_other_files_is_never_replaced() {
        let root = tmp("foreign");
        let dir = root.join("out");
        std::fs::create_dir_all(dir.join("figures")).unwrap();
        std::fs::write(dir.join("thesis.tex"), b"precious").unwrap();
        let files: Files = vec![("report.md".into(), b"new".to_vec())];
        let e = write_atomically(&dir, &files, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("thesis.tex") && e.contains("not part of a report"),
            "{e}"
        );
        assert_eq!(std::fs::read(dir.join("thesis.tex")).unwrap(), b"precious");
        std::fs::remove_file(dir.join("thesis.tex")).unwrap();
        std::fs::write(dir.join("figures/notes.txt"), b"x").unwrap();
        assert!(
            write_atomically(&dir, &files, None).is_err(),
            "figures/ holds only SVGs"
        );
        for bad in [".", "..", "/", "a/.."] {
            assert!(
                write_atomically(Path::new(bad), &files, None).is_err(),
                "{bad}"
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_fallback_swap_leaves_the_new_folder_in_place_and_the_old_aside() {
        let root = tmp("fallback");
        let (staging, dir) = (root.join(".out.sgd-stability-tmp-1"), root.join("out"));
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(staging.join("report.md"), b"new").unwrap();
        std::fs::write(dir.join("report.md"), b"old").unwrap();
        swap_by_renames(&staging, &dir).unwrap();
        assert_eq!(std::fs::read(dir.join("report.md")).unwrap(), b"new");
        assert_eq!(std::fs::read(staging.join("report.md")).unwrap(), b"old");
        assert_eq!(listing(&root), [".out.sgd-stability-tmp-1", "out"]);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn stale_staging_folders_of_dead_runs_are_removed() {
        let root = tmp("stale");
        let dir = root.join("out");
        // A pid above Linux's maximum (2^22) is never alive.
        let dead = root.join(format!(".out{TMP_MARK}{}", 1u32 << 30));
        std::fs::create_dir_all(dead.join("figures")).unwrap();
        std::fs::write(dead.join("report.md"), b"trunc").unwrap();
        let other = root.join(".other.sgd-stability-tmp-x");
        std::fs::create_dir_all(&other).unwrap();
        write_atomically(&dir, &vec![("report.md".into(), b"new".to_vec())], None).unwrap();
        assert_eq!(listing(&root), [".other.sgd-stability-tmp-x", "out"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
