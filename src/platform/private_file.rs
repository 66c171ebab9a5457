//! Writing secrets (tokens, credentials, state) to files only their owner can read.
//!
//! Opening the target with `O_CREAT|O_TRUNC` would keep the mode of a file that is already there
//! (an 0644 file stays world-readable) and would follow a symlink to wherever it points. So the
//! contents go to a new file created 0600 next to the target, which is then renamed over it:
//! readers see the old or the new file, never a half-written one, and never a readable secret.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context as _, Result};

use crate::exit::usage;

/// Write `contents` to `path` with mode 0600 (creating parent directories), atomically. A symlink
/// or anything but a regular file at `path` is refused (exit 2) and left as it is.
pub fn write_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create directory {}", parent.display()))?;
            parent.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(usage(format!(
                "refusing to write {}: it is a symbolic link (a secret must not follow it; remove the link or name the real file)",
                path.display()
            )))
        }
        Ok(meta) if !meta.is_file() => {
            return Err(usage(format!(
                "refusing to write {}: it is not a regular file",
                path.display()
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
    let tmp = temp_name(&dir, path);
    let written = (|| -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    // The rename is durable once the directory is synced; failing that is not worth an error.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `.NAME.PID.N.tmp` beside the target: the same file system, so the rename is atomic.
fn temp_name(dir: &Path, path: &Path) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_existing_readable_file_becomes_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        write_private_file(&p, b"new").unwrap();
        assert_eq!(mode(&p), 0o600);
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let nested = dir.path().join("a/b/c");
        write_private_file(&nested, b"x").unwrap();
        assert_eq!(mode(&nested), 0o600);
    }

    #[test]
    fn symlinks_and_directories_are_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, "keep").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_private_file(&link, b"secret").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        // A dangling link is refused too (it would create a file wherever it points).
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(write_private_file(&dangling, b"secret").is_err());
        assert!(!dir.path().join("nowhere").exists());
        let e = write_private_file(dir.path(), b"secret").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
