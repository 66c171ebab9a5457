//! Running the real binary the way a user does, in the spirit of `just`'s `Test`: a fluent
//! builder ([`Taskdb`]) that ends in a run asserting its exit code, and what it printed
//! ([`Ran`]) with assertions that show the whole run (command line, exit status, stdout and
//! stderr) when they fail.
//!
//! ```ignore
//! let sb = Sandbox::on(&db);
//! let id = sb.taskdb(&["task", "create", "A task"]).ok().text();
//! let t = sb.taskdb(&["task", "show", &id]).ok_json();
//! sb.taskdb(&["task", "show", "abc"]).refused(2, "malformed task id");
//! sb.taskdb(&["task", "import", "-"]).stdin(doc).expect_exit(2).stderr_contains("-: ");
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Sandbox, TestDb};

/// One `taskdb` invocation being put together; nothing runs until a terminal method
/// ([`Taskdb::run`], [`Taskdb::ok`], [`Taskdb::expect_exit`], [`Taskdb::refused`],
/// [`Taskdb::ok_json`], [`Taskdb::spawn`]).
#[must_use = "nothing runs until .run(), .ok(), .expect_exit(…), .refused(…) or .spawn()"]
pub struct Taskdb {
    /// The sandbox's isolated environment (see [`Sandbox::std_cmd`]).
    base: std::process::Command,
    args: Vec<OsString>,
    /// Variables set (Some) or removed (None) on top of the sandbox's, in order.
    env: Vec<(OsString, Option<OsString>)>,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
}

impl Sandbox {
    /// `taskdb <args>` in this sandbox (with its database, see [`Sandbox::on`]).
    pub fn taskdb(&self, args: &[&str]) -> Taskdb {
        let t = Taskdb {
            base: self.std_cmd(),
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            timeout: None,
        };
        let t = match &self.database_url {
            Some(url) => t.url(url),
            None => t,
        };
        t.args(args)
    }
}

impl Taskdb {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Taskdb {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Taskdb
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// `--format json` in front of the other arguments.
    pub fn format_json(mut self) -> Taskdb {
        self.args.splice(0..0, ["--format".into(), "json".into()]);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Taskdb {
        self.env.push((
            key.as_ref().to_os_string(),
            Some(value.as_ref().to_os_string()),
        ));
        self
    }

    pub fn envs<I, K, V>(self, vars: I) -> Taskdb
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        vars.into_iter().fold(self, |t, (k, v)| t.env(k, v))
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Taskdb {
        self.env.push((key.as_ref().to_os_string(), None));
        self
    }

    /// `DATABASE_URL` = this test database.
    pub fn db(self, db: &TestDb) -> Taskdb {
        self.url(db.url())
    }

    /// `DATABASE_URL` = this connection string.
    pub fn url(self, url: impl AsRef<OsStr>) -> Taskdb {
        self.env("DATABASE_URL", url)
    }

    /// Bytes on standard input (otherwise it is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Taskdb {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kill the run after this long (a bound on a hang, never a timing assertion).
    pub fn timeout(mut self, timeout: Duration) -> Taskdb {
        self.timeout = Some(timeout);
        self
    }

    /// The command line as a user would type it, for failure messages.
    fn shown(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{}={}", k.to_string_lossy(), quote(v)),
                None => format!("-u {}", k.to_string_lossy()),
            })
            .collect();
        if !words.is_empty() {
            words.insert(0, "env".into());
        }
        words.push("taskdb".into());
        words.extend(self.args.iter().map(|a| quote(a)));
        words.join(" ")
    }

    fn into_std(self) -> (std::process::Command, String) {
        let shown = self.shown();
        let mut cmd = self.base;
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(&self.args);
        (cmd, shown)
    }

    /// Run to the end, whatever the exit code.
    pub fn run(mut self) -> Ran {
        let stdin = self.stdin.take();
        let timeout = self.timeout.take();
        let (cmd, shown) = self.into_std();
        let mut cmd = assert_cmd::Command::from_std(cmd);
        if let Some(bytes) = stdin {
            cmd.write_stdin(bytes);
        }
        if let Some(timeout) = timeout {
            cmd.timeout(timeout);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        Ran::new(shown, out)
    }

    /// Run; it must exit 0.
    #[track_caller]
    pub fn ok(self) -> Ran {
        let ran = self.run();
        ran.ok();
        ran
    }

    /// Run with `--format json`; it must exit 0 and print JSON, which is returned.
    #[track_caller]
    pub fn ok_json(self) -> Value {
        self.format_json().ok().json()
    }

    /// Run; it must exit with `code`.
    #[track_caller]
    pub fn expect_exit(self, code: i32) -> Ran {
        let ran = self.run();
        ran.expect_exit(code);
        ran
    }

    /// Run; it must be refused: see [`Ran::refused`].
    #[track_caller]
    pub fn refused(self, code: i32, needle: &str) -> Ran {
        let ran = self.run();
        ran.refused(code, needle);
        ran
    }

    /// Start it in the background with stdout and stderr captured (stdin empty), for tests
    /// that signal, kill or watch a running command.
    pub fn spawn(self) -> Spawned {
        self.spawn_with(Stdio::piped(), Stdio::piped())
    }

    /// [`Taskdb::spawn`] with other destinations for stdout and stderr.
    pub fn spawn_with(self, stdout: Stdio, stderr: Stdio) -> Spawned {
        let (mut cmd, shown) = self.into_std();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
        Spawned { child, shown }
    }
}

/// A word of a command line, single-quoted for a POSIX shell when it needs to be.
fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,#".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A `taskdb` started in the background by [`Taskdb::spawn`].
pub struct Spawned {
    pub child: Child,
    shown: String,
}

impl Spawned {
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("a pid fits in i32")
    }

    /// Send `signal` (e.g. `libc::SIGTERM`) to the process.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child, which has not been waited for yet.
        assert_eq!(
            unsafe { libc::kill(self.pid(), signal) },
            0,
            "kill {signal}"
        );
    }

    /// Wait for the end (at most `secs`: a bound on a hang, not a timing assertion; a process
    /// still running then is killed and the test fails) and collect what it printed.
    #[track_caller]
    pub fn wait(mut self, secs: u64) -> Ran {
        let start = Instant::now();
        while self.child.try_wait().expect("try_wait").is_none() {
            if start.elapsed() > Duration::from_secs(secs) {
                let _ = self.child.kill();
                let ran = Ran::new(self.shown, self.child.wait_with_output().expect("wait"));
                panic!("did not exit within {secs} s; killed\n{ran}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ran::new(self.shown, self.child.wait_with_output().expect("wait"))
    }
}

/// What a finished `taskdb` run left: its exit code and what it printed.
pub struct Ran {
    /// The command line, as shown in failure messages.
    pub command: String,
    pub status: ExitStatus,
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Ran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "{}", self.status)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}--- end ---", self.stderr)
    }
}

impl Ran {
    fn new(command: String, out: std::process::Output) -> Ran {
        Ran {
            command,
            status: out.status,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Fail the test with `what` and the whole run.
    #[track_caller]
    pub fn fail(&self, what: &str) -> ! {
        panic!("{what}\n{self}")
    }

    #[track_caller]
    fn check(&self, cond: bool, what: impl FnOnce() -> String) -> &Ran {
        if !cond {
            self.fail(&what());
        }
        self
    }

    /// It exited 0.
    #[track_caller]
    pub fn ok(&self) -> &Ran {
        self.check(self.status.success(), || "expected success".into())
    }

    /// It exited with `code`.
    #[track_caller]
    pub fn expect_exit(&self, code: i32) -> &Ran {
        self.check(self.code == code, || format!("expected exit code {code}"))
    }

    /// Refused as bad input or a failure is: exit `code`, exactly one line on stderr, starting
    /// with `error: ` and containing `needle`, nothing on stdout (and so no panic).
    #[track_caller]
    pub fn refused(&self, code: i32, needle: &str) -> &Ran {
        self.expect_exit(code);
        let line = self.stderr_line();
        self.check(line.starts_with("error: "), || {
            "stderr does not start with `error: `".into()
        })
        .check(line.contains(needle), || {
            format!("stderr does not contain {needle:?}")
        })
        .stdout_is("")
        .no_panic()
    }

    /// The one line on stderr (it must be exactly one).
    #[track_caller]
    pub fn stderr_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        if lines.len() != 1 {
            self.fail(&format!("expected one line on stderr, got {}", lines.len()));
        }
        lines[0]
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Ran {
        self.check(self.stdout.contains(needle), || {
            format!("stdout does not contain {needle:?}")
        })
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Ran {
        self.check(self.stderr.contains(needle), || {
            format!("stderr does not contain {needle:?}")
        })
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Ran {
        self.check(!self.stdout.contains(needle), || {
            format!("stdout contains {needle:?}")
        })
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Ran {
        self.check(!self.stderr.contains(needle), || {
            format!("stderr contains {needle:?}")
        })
    }

    /// Neither stdout nor stderr contains `needle` (a secret, say).
    #[track_caller]
    pub fn lacks(&self, needle: &str) -> &Ran {
        self.stdout_lacks(needle).stderr_lacks(needle)
    }

    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Ran {
        self.check(self.stdout == expected, || {
            format!("stdout is not {expected:?}")
        })
    }

    #[track_caller]
    pub fn stderr_is(&self, expected: &str) -> &Ran {
        self.check(self.stderr == expected, || {
            format!("stderr is not {expected:?}")
        })
    }

    /// No Rust panic message on stderr.
    #[track_caller]
    pub fn no_panic(&self) -> &Ran {
        self.stderr_lacks("panicked")
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| self.fail(&format!("stdout is not JSON: {e}")))
    }

    /// stdout without surrounding whitespace (an id, a URL, a table).
    pub fn text(&self) -> String {
        self.stdout.trim().to_string()
    }

    /// stdout then stderr, for checks on everything the user saw.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Poll `cond` every 50 ms for up to `secs` (a bound on a hang, not a timing assertion).
#[track_caller]
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
