//! A backup file as pg_restore reads it: a plain archive is named on pg_restore's command line;
//! an age-encrypted one is decrypted into pg_restore's stdin as it reads, so the plaintext is
//! never written to disk.

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt;
use tokio::process::{ChildStdin, Command};

use super::encryption::{self, Identities};
use super::verify::VerifyError;
use crate::db::pgtools::PgTools;

/// A backup file and, when it is encrypted, the identities that open it.
#[derive(Clone, Copy)]
pub struct Archive<'a> {
    pub path: &'a Path,
    /// The keys of an age-encrypted file; None for a plain archive.
    pub identities: Option<&'a Identities>,
}

impl<'a> Archive<'a> {
    pub fn plain(path: &'a Path) -> Self {
        Archive {
            path,
            identities: None,
        }
    }

    /// Point a pg_restore at the archive: as its last argument, or through its stdin (call it
    /// after the other arguments).
    pub fn attach(&self, cmd: &mut Command) {
        match self.identities {
            None => cmd.arg(self.path).stdin(Stdio::null()),
            Some(_) => cmd.stdin(Stdio::piped()),
        };
    }

    /// Decrypt the archive into a pg_restore's stdin (nothing to do for a plain archive). A
    /// pg_restore that stops reading (`--list` has what it needs) is not an error, its exit
    /// status says how it went; with `to_the_end` the rest is still decrypted, so that every
    /// chunk of the file is authenticated. Err: the file does not decrypt to its end.
    pub async fn feed(
        &self,
        stdin: Option<ChildStdin>,
        to_the_end: bool,
    ) -> Result<(), VerifyError> {
        let (Some(ids), Some(mut stdin)) = (self.identities, stdin) else {
            return Ok(());
        };
        let mut plaintext = encryption::open(self.path, ids)?;
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        let mut reader_gone = false;
        loop {
            let n = match plaintext.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(VerifyError::File(format!(
                        "{} does not decrypt after {done} bytes ({e}): modified or truncated",
                        self.path.display()
                    )))
                }
            };
            done += n as u64;
            if reader_gone {
                continue;
            }
            match stdin.write_all(&buf[..n]).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    if !to_the_end {
                        return Ok(());
                    }
                    reader_gone = true;
                }
                Err(e) => {
                    return Err(VerifyError::File(format!(
                        "cannot feed {} to pg_restore: {e}",
                        self.path.display()
                    )))
                }
            }
        }
        // Closing stdin tells pg_restore the archive ends here.
        let _ = stdin.shutdown().await;
        Ok(())
    }

    /// Run a pg_restore made with [`Self::attach`] to completion, feeding it the archive;
    /// stdout and stderr are captured. Err: it did not start, or the archive did not decrypt
    /// to its end (then pg_restore saw it end early).
    pub async fn run(&self, mut cmd: Command, to_the_end: bool) -> Result<Output, VerifyError> {
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let program = cmd.as_std().get_program().to_string_lossy().to_string();
        let mut child = cmd
            .spawn()
            .map_err(|e| VerifyError::File(format!("cannot run {program}: {e}")))?;
        let stdin = child.stdin.take();
        let (fed, output) = tokio::join!(self.feed(stdin, to_the_end), child.wait_with_output());
        fed?;
        output.map_err(|e| VerifyError::File(format!("cannot run {program}: {e}")))
    }

    /// `pg_restore --list`: the archive's table of contents (the caller looks at the status).
    pub async fn list(&self, tools: &PgTools) -> Result<Output, VerifyError> {
        let mut cmd = Command::new(&tools.pg_restore);
        cmd.arg("--list");
        self.attach(&mut cmd);
        self.run(cmd, false).await
    }
}
