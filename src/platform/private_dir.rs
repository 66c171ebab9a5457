//! A directory only its owner can enter, for files a child process reads (`taskdb worker`'s
//! task files): created new (never one that was already there, so no one else's directory or
//! symlink is used), 0700, its files 0600, removed with everything in it when dropped.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// A new directory `<prefix><pid>-<random>` in the system's temporary directory (`TMPDIR`,
    /// else /tmp).
    pub fn create(prefix: &str) -> Result<PrivateDir> {
        PrivateDir::create_in(&std::env::temp_dir(), prefix)
    }

    /// [`PrivateDir::create`] in `base`.
    pub fn create_in(base: &Path, prefix: &str) -> Result<PrivateDir> {
        let mut last = None;
        for _ in 0..16 {
            let random = uuid::Uuid::new_v4().simple().to_string();
            let path = base.join(format!("{prefix}{}-{}", std::process::id(), &random[..12]));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot create a private directory in {}", base.display())
                    })
                }
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free name")))
            .with_context(|| format!("cannot create a private directory in {}", base.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write a new file `name` (mode 0600; an existing file of that name is refused).
    pub fn write_new(&self, name: &str, contents: &[u8]) -> Result<PathBuf> {
        let path = self.path.join(name);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        if let Err(e) = f.write_all(contents) {
            let _ = fs::remove_file(&path);
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
        Ok(path)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn files_are_private_and_go_with_the_directory() {
        let base = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create_in(base.path(), "t-").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        let file = dir.write_new("a.json", b"{}").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(fs::read(&file).unwrap(), b"{}");
        assert!(
            dir.write_new("a.json", b"again").is_err(),
            "an existing file is refused"
        );
        assert_eq!(fs::read(&file).unwrap(), b"{}", "and left as it was");
        let other = PrivateDir::create_in(base.path(), "t-").unwrap();
        assert_ne!(other.path(), dir.path());
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }
}
