//! What taskdb needs from the operating system, behind small functions: the environment (as a
//! seam for tests), the XDG directories, the user and host, files only their owner can read,
//! supervised child processes (`child`), and stdout kept for a protocol (`take_stdout`).

use std::path::PathBuf;

pub mod child;
mod private_dir;
mod private_file;
mod protocol_stdout;
mod random;

pub use private_dir::PrivateDir;
pub use private_file::write_private_file;
pub use protocol_stdout::take_stdout;
pub use random::random_hex;

/// Environment access behind a seam so the merge logic is unit-testable.
pub trait Env {
    fn get(&self, key: &str) -> Option<String>;
}

/// The real process environment (empty values count as unset).
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

// XDG base directories (empty variables count as unset, as the spec says).

pub fn home(env: &dyn Env) -> PathBuf {
    env.get("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

pub fn config_home(env: &dyn Env) -> PathBuf {
    env.get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home(env).join(".config"))
}

pub fn data_home(env: &dyn Env) -> PathBuf {
    env.get("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home(env).join(".local").join("share"))
}

pub fn state_home(env: &dyn Env) -> PathBuf {
    env.get("XDG_STATE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home(env).join(".local").join("state"))
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// This machine's host name (`localhost` when it cannot be read).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
