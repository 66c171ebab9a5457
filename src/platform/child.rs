//! Running a command taskdb supervises (`taskdb worker`'s CMD): in a process group of its own, so
//! that a signal reaches everything it started and a Ctrl-C in the terminal reaches taskdb only
//! (which decides when the command must stop); dying with taskdb, even on `kill -9`; and its end
//! described the way a shell would.

use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;

/// Start the command in a new process group (its pid is the group id) that gets SIGTERM when
/// taskdb's thread exits for any reason, `kill -9` included (`PR_SET_PDEATHSIG`, Linux). The
/// death signal reaches the command itself, not what it started: a command that starts others
/// should pass SIGTERM on (or `exec` the last one).
pub fn own_group_dying_with_parent(cmd: &mut tokio::process::Command) {
    cmd.process_group(0);
    dying_with_parent(cmd);
}

/// Make a child die with taskdb: SIGTERM when taskdb's thread exits for any reason, `kill -9`
/// included (`PR_SET_PDEATHSIG`, Linux); the child fails to start if taskdb is already gone.
/// Child tools (pg_dump, on SIGTERM, cancels its statement on the server and exits) and
/// `worker` commands both use it.
pub fn dying_with_parent(cmd: &mut tokio::process::Command) {
    // SAFETY: getpid before the fork; in the child only async-signal-safe calls (prctl,
    // getppid) run.
    let parent = unsafe { libc::getpid() };
    unsafe {
        cmd.pre_exec(move || {
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // taskdb died before the prctl took effect: nothing would stop the child.
                if libc::getppid() != parent {
                    return Err(std::io::Error::other(
                        "taskdb exited while starting a child",
                    ));
                }
            }
            let _ = parent;
            Ok(())
        });
    }
}

/// Send `signal` to the process group `pgid` (a command started by
/// [`own_group_dying_with_parent`]: its pid). False when no process of the group is left.
pub fn signal_group(pgid: u32, signal: libc::c_int) -> bool {
    match libc::pid_t::try_from(pgid) {
        // SAFETY: killpg(2) on a group we created; a pid of 0 or 1 would mean something else,
        // and a group id is never either.
        Ok(pgid) if pgid > 1 => unsafe { libc::killpg(pgid, signal) == 0 },
        _ => false,
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// Its exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that killed it, when one did.
    pub signal: Option<i32>,
}

impl Ended {
    pub fn from_status(status: ExitStatus) -> Ended {
        Ended {
            code: status.code(),
            signal: status.signal(),
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// `exit status 3`, `killed by signal 9 (SIGKILL)`.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(sig)) => match signal_name(sig) {
                Some(name) => format!("killed by signal {sig} ({name})"),
                None => format!("killed by signal {sig}"),
            },
            (None, None) => "ended without an exit status".to_string(),
        }
    }
}

/// The name of a common signal.
pub fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_are_described_as_a_shell_would() {
        let exit3 = Ended::from_status(ExitStatus::from_raw(3 << 8));
        assert_eq!(exit3.code, Some(3));
        assert_eq!(exit3.signal, None);
        assert!(!exit3.success());
        assert_eq!(exit3.describe(), "exit status 3");
        let killed = Ended::from_status(ExitStatus::from_raw(libc::SIGKILL));
        assert_eq!(killed.code, None);
        assert_eq!(killed.signal, Some(9));
        assert_eq!(killed.describe(), "killed by signal 9 (SIGKILL)");
        assert!(Ended::from_status(ExitStatus::from_raw(0)).success());
        assert_eq!(
            Ended {
                code: None,
                signal: Some(40)
            }
            .describe(),
            "killed by signal 40"
        );
    }

    #[test]
    fn no_group_is_signalled_for_pids_that_name_other_things() {
        assert!(!signal_group(0, 0));
        assert!(!signal_group(1, 0));
        assert!(!signal_group(u32::MAX, 0));
    }
}
