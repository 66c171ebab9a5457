//! Everything that reaches the terminal goes through here: data on stdout (table, JSON, CSV),
//! people-talk on stderr (notes, warnings, progress), and confirmations.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use console::Style;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::exit::usage;
use crate::options::{ColorChoice, Format, GlobalOpts};

/// A type that can be shown as one row of a table or CSV file.
pub trait Row: Serialize {
    /// Column headers for tables and CSV.
    fn columns() -> &'static [&'static str];
    /// The cells of this row, in `columns()` order.
    fn cells(&self) -> Vec<String>;
}

/// Output settings and helpers, built once per process from the global options.
#[derive(Debug, Clone)]
pub struct Output {
    format: Format,
    /// Format chosen explicitly by the user (vs. the default).
    explicit_format: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub yes: bool,
    color_stdout: bool,
    color_stderr: bool,
    stderr_tty: bool,
    stdin_tty: bool,
}

impl Output {
    pub fn new(global: &GlobalOpts) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let (color_stdout, color_stderr) = match global.color {
            ColorChoice::Always => (true, true),
            ColorChoice::Never => (false, false),
            ColorChoice::Auto => (!no_color && stdout_tty, !no_color && stderr_tty),
        };
        Output {
            format: global.format.unwrap_or(Format::Table),
            explicit_format: global.format.is_some(),
            quiet: global.quiet,
            verbose: global.verbose,
            yes: global.yes,
            color_stdout,
            color_stderr,
            stderr_tty,
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the user chose `--format` (commands whose default differs, like `health`, ask).
    pub fn format_is_explicit(&self) -> bool {
        self.explicit_format
    }

    /// Refuse formats a command does not support, with one clear line (exit 2).
    pub fn require_format(&self, supported: &[Format]) -> Result<Format> {
        if supported.contains(&self.format) {
            Ok(self.format)
        } else {
            let names: Vec<_> = supported.iter().map(|f| f.name()).collect();
            Err(usage(format!(
                "--format {} is not supported here (use one of: {})",
                self.format.name(),
                names.join(", ")
            )))
        }
    }

    /// True when stdout data is machine-readable (no decoration, no progress).
    pub fn is_machine(&self) -> bool {
        !matches!(self.format, Format::Table)
    }

    pub fn stdin_is_terminal(&self) -> bool {
        self.stdin_tty
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }

    pub fn color_stdout(&self) -> bool {
        self.color_stdout
    }

    // ---- stdout: data -------------------------------------------------------------------

    /// Write one raw line to stdout.
    pub fn line(&self, text: impl AsRef<str>) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_ref().as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// Write raw text (no newline added) to stdout.
    pub fn raw(&self, text: impl AsRef<str>) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_ref().as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// One JSON document on stdout (pretty-printed, stable key order from the struct).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// A list of rows in the chosen format: table, JSON array, or CSV with a header.
    pub fn list<T: Row>(&self, items: &[T]) -> Result<()> {
        match self.require_format(&[Format::Table, Format::Json, Format::Csv])? {
            Format::Json => self.json(items),
            Format::Csv => {
                let rows: Vec<Vec<String>> = items.iter().map(Row::cells).collect();
                self.raw(csv(T::columns(), &rows))
            }
            _ => {
                let rows: Vec<Vec<String>> = items.iter().map(Row::cells).collect();
                self.raw(self.table(T::columns(), &rows))
            }
        }
    }

    /// One record: a JSON object, a two-column field/value table, or a one-row CSV.
    pub fn record<T: Serialize>(&self, value: &T, fields: &[(&str, String)]) -> Result<()> {
        match self.require_format(&[Format::Table, Format::Json, Format::Csv])? {
            Format::Json => self.json(value),
            Format::Csv => {
                let headers: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
                let row: Vec<String> = fields.iter().map(|(_, v)| v.clone()).collect();
                self.raw(csv(&headers, &[row]))
            }
            _ => {
                let rows: Vec<Vec<String>> = fields
                    .iter()
                    .map(|(k, v)| vec![k.to_string(), v.clone()])
                    .collect();
                self.raw(self.table(&["field", "value"], &rows))
            }
        }
    }

    /// Render a table as text (ends with a newline).
    pub fn table(&self, headers: &[&str], rows: &[Vec<String>]) -> String {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS);
        if std::io::stdout().is_terminal() {
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
        if !self.color_stdout {
            table.force_no_tty();
        }
        table.set_header(headers.iter().map(|h| escape_controls(h)));
        for row in rows {
            table.add_row(row.iter().map(|c| escape_controls(c)));
        }
        format!("{table}\n")
    }

    // ---- stderr: people-talk (control characters escaped: messages quote data) ---------

    /// A note for people (suppressed by --quiet).
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", escape_controls(msg.as_ref()));
        }
    }

    /// A warning (shown even with --quiet).
    pub fn warn(&self, msg: impl AsRef<str>) {
        let label = self.paint_stderr("warning:", &Style::new().yellow().bold());
        eprintln!("{label} {}", escape_controls(msg.as_ref()));
    }

    /// Detail shown with -v (level 1) or -vv (level 2).
    pub fn debug(&self, level: u8, msg: impl AsRef<str>) {
        if self.verbose >= level {
            let msg = escape_controls(msg.as_ref());
            eprintln!("{}", self.paint_stderr(&msg, &Style::new().dim()));
        }
    }

    /// Colour text for stderr if colour is on there.
    pub fn paint_stderr(&self, text: &str, style: &Style) -> String {
        if self.color_stderr {
            style.clone().force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// Colour text for stdout if colour is on there.
    pub fn paint(&self, text: &str, style: &Style) -> String {
        if self.color_stdout {
            style.clone().force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// Whether progress bars may be drawn: stderr is a terminal, not quiet, not machine output.
    pub fn progress_allowed(&self) -> bool {
        self.stderr_tty && !self.quiet && !self.is_machine()
    }

    /// A spinner on stderr, or a hidden one where progress is not allowed.
    pub fn spinner(&self, msg: impl Into<String>) -> ProgressBar {
        if !self.progress_allowed() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(msg.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    /// A progress bar of `len` steps on stderr, or a hidden one.
    pub fn progress(&self, len: u64, msg: impl Into<String>) -> ProgressBar {
        if !self.progress_allowed() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(msg.into());
        bar
    }

    /// Ask for confirmation before something destructive.
    ///
    /// `--yes` answers yes. Without a terminal and without `--yes` this is a usage error
    /// (exit 2) — never a hang. Declining is an operation failure ("aborted").
    pub async fn confirm(&self, prompt: &str) -> Result<()> {
        if self.yes {
            return Ok(());
        }
        if !self.stdin_tty || !self.stderr_tty {
            return Err(usage(format!(
                "{prompt}: refusing without confirmation (no terminal); pass --yes to proceed"
            )));
        }
        let prompt = prompt.to_string();
        let answer = tokio::task::spawn_blocking(move || {
            dialoguer::Confirm::new()
                .with_prompt(prompt)
                .default(false)
                .interact()
        })
        .await??;
        if answer {
            Ok(())
        } else {
            Err(crate::exit::failed("aborted: not confirmed"))
        }
    }
}

/// CSV text with a header row (RFC 4180 quoting).
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut first = true;
        for cell in cells {
            if !first {
                out.push(',');
            }
            first = false;
            let cell = escape_controls(cell);
            if cell.contains([',', '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&cell);
            }
        }
        out.push('\n');
    };
    line(&mut headers.iter().copied(), &mut out);
    for row in rows {
        line(&mut row.iter().map(String::as_str), &mut out);
    }
    out
}

/// Text from the database (any client may have written it) made safe for a terminal: C0
/// controls but newline, DEL, C1 controls and the bidi overrides/isolates become visible
/// escapes (`\x1b`, `\u{202e}`), so data cannot move the cursor, retitle the window or
/// reorder what is shown. Table cells, CSV cells and tree lines go through here; JSON stays
/// exact. Newlines stay: table cells and quoted CSV fields hold several lines.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Format an optional timestamp for tables (RFC 3339, seconds precision) or an empty cell.
pub fn ts(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            escape_controls("a\x1b]0;pwned\x07b\x1b[2J\u{9b}\u{7f}\t\r\u{202e}x\u{2069}\nok"),
            "a\\x1b]0;pwned\\x07b\\x1b[2J\\x9b\\x7f\\t\\r\\u{202e}x\\u{2069}\nok"
        );
        assert!(matches!(
            escape_controls("plain – ünïcode"),
            Cow::Borrowed(_)
        ));
        let text = csv(&["t"], &[vec!["\x1b[2J".into()]]);
        assert_eq!(text, "t\n\\x1b[2J\n");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let text = csv(
            &["a", "b"],
            &[vec!["plain".into(), "has,comma \"q\"".into()]],
        );
        assert_eq!(text, "a,b\nplain,\"has,comma \"\"q\"\"\"\n");
    }
}
