//! Keeping stdout for a protocol: a server that speaks a protocol on stdout (`taskdb mcp`)
//! must write nothing else there, yet libraries and child processes may print. This moves the
//! protocol to a duplicate of file descriptor 1 and points descriptor 1 at stderr, so whatever
//! else prints to stdout lands on stderr.

use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// The process's stdout as a file only the caller writes to; descriptor 1 is stderr from now on.
pub fn take_stdout() -> io::Result<File> {
    // SAFETY: dup(2) and dup2(2) on descriptors this process owns; the duplicate is owned by
    // the returned File from here on (close-on-exec, so no child inherits the protocol).
    unsafe {
        let protocol = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
        if protocol < 0 {
            return Err(io::Error::last_os_error());
        }
        let protocol = OwnedFd::from_raw_fd(protocol);
        if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(File::from(protocol))
    }
}
