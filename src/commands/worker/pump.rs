//! CMD's stdout and stderr, passed through to the worker's stderr (its stdout stays for
//! `--format json`), each line prefixed `[#42] ` when several tasks run at once; the end of
//! stderr is kept for the attempt's error context.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt as _};

/// Lines of stderr kept for the error context.
pub(super) const TAIL_LINES: usize = 20;
/// Bytes of stderr kept for the error context.
pub(super) const TAIL_BYTES: usize = 4096;
/// A line longer than this is passed on in pieces (a command printing without newlines must
/// not grow the worker's memory).
const MAX_LINE: usize = 8192;

/// The last [`TAIL_BYTES`] bytes a command wrote to stderr.
#[derive(Debug, Default)]
pub(super) struct Tail {
    buf: Vec<u8>,
}

impl Tail {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > 2 * TAIL_BYTES {
            self.buf.drain(..self.buf.len() - TAIL_BYTES);
        }
    }

    /// The last [`TAIL_LINES`] lines within the last [`TAIL_BYTES`] bytes, as text (invalid
    /// UTF-8 replaced; a character cut at the start dropped), without the final newline.
    pub fn text(&self) -> String {
        let mut start = self.buf.len().saturating_sub(TAIL_BYTES);
        // Not from the middle of a UTF-8 sequence.
        while start < self.buf.len() && (self.buf[start] & 0b1100_0000) == 0b1000_0000 {
            start += 1;
        }
        let text = String::from_utf8_lossy(&self.buf[start..]);
        let text = text.trim_end_matches(['\n', '\r']);
        let lines: Vec<&str> = text.split('\n').collect();
        lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
    }
}

/// Copies one pipe of CMD to the worker's stderr.
pub(super) struct Pump {
    prefix: Option<Vec<u8>>,
    tail: Option<Arc<Mutex<Tail>>>,
    /// The unfinished line (with a prefix only).
    line: Vec<u8>,
}

impl Pump {
    /// `prefix`: put before every line; `tail`: also keep the end of what passes.
    pub fn new(prefix: Option<String>, tail: Option<Arc<Mutex<Tail>>>) -> Pump {
        Pump {
            prefix: prefix.map(String::into_bytes),
            tail,
            line: Vec::new(),
        }
    }

    /// Copy until the end of `reader` (or a read error, which ends the copy).
    pub async fn run(mut self, mut reader: impl AsyncRead + Unpin) {
        let mut buf = vec![0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => self.take(&buf[..n]),
            }
        }
        if !self.line.is_empty() {
            self.write_line();
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        if let Some(tail) = &self.tail {
            if let Ok(mut tail) = tail.lock() {
                tail.push(bytes);
            }
        }
        if self.prefix.is_none() {
            write_stderr(&[bytes]);
            return;
        }
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..i]);
            self.write_line();
            rest = &rest[i + 1..];
        }
        self.line.extend_from_slice(rest);
        if self.line.len() >= MAX_LINE {
            self.write_line();
        }
    }

    /// Write the current line, prefixed, with a newline.
    fn write_line(&mut self) {
        if let Some(prefix) = &self.prefix {
            write_stderr(&[prefix, &self.line, b"\n"]);
        }
        self.line.clear();
    }
}

/// Write to the worker's stderr in one locked go; a closed stderr is not the task's problem.
fn write_stderr(parts: &[&[u8]]) {
    let mut err = std::io::stderr().lock();
    for part in parts {
        if err.write_all(part).is_err() {
            return;
        }
    }
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines_within_the_byte_limit() {
        let mut t = Tail::default();
        for i in 0..100 {
            t.push(format!("line {i}\n").as_bytes());
        }
        let text = t.text();
        assert_eq!(text.lines().count(), TAIL_LINES);
        assert!(text.starts_with("line 80\n"), "{text}");
        assert!(text.ends_with("line 99"), "{text}");

        let mut t = Tail::default();
        t.push(&vec![b'x'; 10 * TAIL_BYTES]);
        t.push("é\n".as_bytes());
        assert!(t.text().len() <= TAIL_BYTES);
        assert!(t.text().ends_with('é'));
    }

    #[test]
    fn the_tail_is_valid_text_whatever_was_written() {
        let mut t = Tail::default();
        // A three-byte character cut by the byte limit, and bytes that are not UTF-8.
        let mut bytes = "€".repeat(TAIL_BYTES);
        bytes.push_str("end");
        t.push(bytes.as_bytes());
        t.push(&[0xff, 0xfe, b'\n']);
        let text = t.text();
        assert!(text.starts_with('€'), "no replacement character at the cut");
        assert!(text.ends_with("end\u{fffd}\u{fffd}"), "{text:?}");
        assert_eq!(Tail::default().text(), "");
    }
}
