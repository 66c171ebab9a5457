//! Reading a tasks.json strictly: the same [`Value`] `serde_json::from_str` builds, or one line
//! naming what is wrong and where.
//!
//! Refused besides what serde_json refuses: a key that appears twice in one object (serde_json
//! keeps the last one silently), named with the object's path (`master.tasks[3]`) and the
//! key's line and column; a UTF-16 surrogate escape without its partner (`\ud800`), named as
//! such rather than serde_json's "unexpected end of hex escape"; nesting deeper than
//! [`MAX_DEPTH`] levels, said in those words.
//!
//! One pass over the text, each byte looked at a bounded number of times: time linear in the
//! size of the file, recursion bounded by [`MAX_DEPTH`]. Numbers are handed to serde_json one
//! literal at a time, so they come out exactly as in a whole-document parse (big integers as
//! floats included); the literals of those big integers (and of exponents) are remembered in
//! [`Spellings`] so that error messages can quote them as written.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Number, Value};

/// How deeply arrays and objects may nest (the top-level value is level 1). serde_json stops
/// at 128 with "recursion limit exceeded"; this says so in words instead.
pub const MAX_DEPTH: usize = 128;

/// A parsed document.
#[derive(Debug, Default)]
pub struct Document {
    pub value: Value,
    pub spellings: Spellings,
}

/// Number literals that a float's display would not show as written, by the float's bits:
/// integers beyond `u64`/`i64` (serde_json makes them floats: `99999999999999999999`, not
/// `1e20`) and literals with an exponent (`1e30`, not `1e+30`).
#[derive(Debug, Default, Clone)]
pub struct Spellings(HashMap<u64, String>);

impl Spellings {
    /// How `n` was written, when it is such a float (the first literal that became it).
    pub fn of(&self, n: &Number) -> Option<&str> {
        let f = n.as_f64().filter(|_| n.is_f64())?;
        self.0.get(&f.to_bits()).map(String::as_str)
    }
}

/// What kind of problem a refusal is (the message says it in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON at all: a syntax error, a bad escape, a control character in a string, …
    Syntax,
    DuplicateKey,
    LoneSurrogate,
    TooDeep,
}

/// A refusal: one line, with the line and column (1-based, in characters) where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub line: usize,
    pub column: usize,
    message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, column) = (self.line, self.column);
        match self.kind {
            ErrorKind::Syntax => write!(f, "the file is not valid JSON: ")?,
            ErrorKind::DuplicateKey | ErrorKind::LoneSurrogate | ErrorKind::TooDeep => {}
        }
        write!(f, "{} at line {line} column {column}", self.message)
    }
}

impl std::error::Error for Error {}

/// Parse `text` (without a byte order mark) into the value serde_json would build, refusing
/// duplicate keys, lone surrogates and nesting deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Document, Error> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        spellings: Spellings::default(),
    };
    p.skip_ws();
    let result = p.value(1).and_then(|value| {
        p.skip_ws();
        match p.peek() {
            None => Ok(value),
            Some(_) => Err(p.fail(
                ErrorKind::Syntax,
                format!(
                    "{} after the end of the document",
                    describe_char(p.char_at(p.pos))
                ),
            )),
        }
    });
    match result {
        Ok(value) => Ok(Document {
            value,
            spellings: p.spellings,
        }),
        Err(fail) => Err(fail.into_error(text)),
    }
}

/// A refusal on its way out: where it happened, and the path from the innermost container
/// outwards (pushed while unwinding, so the path costs nothing while parsing succeeds).
#[derive(Debug)]
struct Fail {
    kind: ErrorKind,
    offset: usize,
    message: String,
    /// Innermost first.
    path: Vec<Segment>,
    /// Whether the message has an `{in}` spot for the path of the value it is about.
    wants_path: bool,
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Index(usize),
}

/// The spot in a message where the path of the containing value goes.
const IN: &str = "{in}";

impl Fail {
    fn into_error(self, text: &str) -> Error {
        let offset = self.offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        let message = if self.wants_path {
            self.message.replace(IN, &display_path(&self.path))
        } else {
            self.message
        };
        Error {
            kind: self.kind,
            line,
            column,
            message,
        }
    }
}

/// `master.tasks[3]`, `["a b"].tasks[0]`, or `the top-level value`. Keys are shortened.
fn display_path(innermost_first: &[Segment]) -> String {
    if innermost_first.is_empty() {
        return "the top-level value".into();
    }
    let mut out = String::new();
    for seg in innermost_first.iter().rev() {
        match seg {
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Key(k) if is_plain_key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Key(k) => out.push_str(&format!("[{}]", quote_short(k))),
        }
    }
    out
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// A key quoted for a message, cut to 60 characters (a hostile key may be huge).
fn quote_short(s: &str) -> String {
    let (head, cut) = cut(s);
    format!("{head:?}{}", if cut { "…" } else { "" })
}

/// The first 60 characters of `s`, and whether there were more.
fn cut(s: &str) -> (&str, bool) {
    match s.char_indices().nth(60) {
        None => (s, false),
        Some((at, _)) => (&s[..at], true),
    }
}

/// Source text quoted as it is (a number, an escape), cut to 60 characters.
fn as_written(s: &str) -> String {
    let (head, cut) = cut(s);
    format!("{head}{}", if cut { "…" } else { "" })
}

fn describe_char(c: Option<char>) -> String {
    // Characters that show as nothing (or move text around) are named by code point.
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    match c {
        None => "the end of the file".into(),
        Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
        Some(c) if invisible(c) => format!("invisible character U+{:04X}", c as u32),
        Some(c) => format!("`{c}`"),
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    spellings: Spellings,
}

type R<T> = Result<T, Box<Fail>>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..).and_then(|s| s.chars().next())
    }

    fn fail(&self, kind: ErrorKind, message: String) -> Box<Fail> {
        self.fail_at(self.pos, kind, message)
    }

    fn fail_at(&self, offset: usize, kind: ErrorKind, message: String) -> Box<Fail> {
        Box::new(Fail {
            kind,
            offset,
            message,
            path: Vec::new(),
            wants_path: false,
        })
    }

    /// A syntax error: `expected …, found …` at the current position.
    fn expected(&self, what: &str) -> Box<Fail> {
        let found = describe_char(self.char_at(self.pos));
        self.fail(ErrorKind::Syntax, format!("expected {what}, found {found}"))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// A value whose containers (if any) are at nesting level `level`.
    fn value(&mut self, level: usize) -> R<Value> {
        match self.peek() {
            Some(b'{') => self.object(level),
            Some(b'[') => self.array(level),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.expected("a value")),
        }
    }

    fn enter(&self, level: usize) -> R<()> {
        if level > MAX_DEPTH {
            return Err(self.fail(
                ErrorKind::TooDeep,
                format!("arrays and objects nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn literal(&mut self, word: &str, value: Value) -> R<Value> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.expected("a value"))
        }
    }

    /// Past the opening bracket of a container at `level`; whether it closes at once (`[]`).
    fn open(&mut self, level: usize, close: u8) -> R<bool> {
        self.enter(level)?;
        self.pos += 1;
        self.skip_ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.pos += 1;
        }
        Ok(empty)
    }

    /// After a member or an element: a `,` (more follow, `false`) or the closing bracket (`true`).
    fn comma_or_close(&mut self, close: u8, expected: &str) -> R<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(false)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.expected(expected)),
        }
    }

    fn object(&mut self, level: usize) -> R<Value> {
        let mut map = Map::new();
        if self.open(level, b'}')? {
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.expected("a key in double quotes"));
            }
            let key_at = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.expected("`:` after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = match self.value(level + 1) {
                Ok(v) => v,
                Err(mut fail) => {
                    fail.path.push(Segment::Key(key));
                    return Err(fail);
                }
            };
            match map.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(old) => {
                    let mut fail = self.fail_at(
                        key_at,
                        ErrorKind::DuplicateKey,
                        format!("duplicate key {} in {IN}", quote_short(old.key())),
                    );
                    fail.wants_path = true;
                    return Err(fail);
                }
            }
            if self.comma_or_close(b'}', "`,` or `}` after an object member")? {
                return Ok(Value::Object(map));
            }
        }
    }

    fn array(&mut self, level: usize) -> R<Value> {
        let mut items = Vec::new();
        if self.open(level, b']')? {
            return Ok(Value::Array(items));
        }
        loop {
            match self.value(level + 1) {
                Ok(v) => items.push(v),
                Err(mut fail) => {
                    fail.path.push(Segment::Index(items.len()));
                    return Err(fail);
                }
            }
            if self.comma_or_close(b']', "`,` or `]` after an array element")? {
                return Ok(Value::Array(items));
            }
        }
    }

    /// A number literal: the longest run of number characters, read by serde_json (plain
    /// non-negative integers that surely fit a `u64` are read here, the common case).
    fn number(&mut self) -> R<Value> {
        let start = self.pos;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
            self.pos += 1;
        }
        let literal = &self.text[start..self.pos];
        let digits_only = literal.bytes().all(|b| b.is_ascii_digit());
        if digits_only && literal.len() <= 19 && (literal.len() == 1 || !literal.starts_with('0')) {
            if let Ok(n) = literal.parse::<u64>() {
                return Ok(Value::Number(n.into()));
            }
        }
        match serde_json::from_str::<Value>(literal) {
            Ok(Value::Number(n)) => {
                // Remembered where the float's own display would not show the literal: an
                // integer too large for u64/i64, or an exponent (`1e30` displays as `1e+30`).
                let integer = literal.strip_prefix('-').unwrap_or(literal);
                let integer = !integer.is_empty() && integer.bytes().all(|b| b.is_ascii_digit());
                if n.is_f64() && (integer || literal.contains(['e', 'E'])) {
                    if let Some(f) = n.as_f64() {
                        self.spellings
                            .0
                            .entry(f.to_bits())
                            .or_insert_with(|| literal.to_string());
                    }
                }
                Ok(Value::Number(n))
            }
            Ok(_) | Err(_) => {
                let why = match serde_json::from_str::<Value>(literal) {
                    Err(e) if e.to_string().starts_with("number out of range") => "out of range",
                    _ => "not a valid number",
                };
                Err(self.fail_at(
                    start,
                    ErrorKind::Syntax,
                    format!("{} is {why}", as_written(literal)),
                ))
            }
        }
    }

    /// A string starting at the current `"`.
    fn string(&mut self) -> R<String> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, the text is copied as it is.
        loop {
            match self.peek() {
                Some(b'"') => {
                    let s = self.text[start..self.pos].to_string();
                    self.pos += 1;
                    return Ok(s);
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => return Err(self.control_in_string()),
                Some(_) => self.pos += 1,
                None => return Err(self.unterminated(open)),
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.control_in_string()),
                None => return Err(self.unterminated(open)),
            }
        }
    }

    /// The file ended inside a string: point at where the string began, which is what needs
    /// fixing.
    fn unterminated(&self, open: usize) -> Box<Fail> {
        self.fail_at(
            open,
            ErrorKind::Syntax,
            "a string that is never closed starts".into(),
        )
    }

    fn control_in_string(&self) -> Box<Fail> {
        let c = self.bytes[self.pos];
        self.fail(
            ErrorKind::Syntax,
            format!("control character U+{c:04X} inside a string (write it as \\u{c:04x})"),
        )
    }

    /// One escape sequence at the current `\`, appended to `out`.
    fn escape(&mut self, out: &mut String) -> R<()> {
        let at = self.pos;
        let c = match self.bytes.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(out),
            _ => {
                let shown: String = self.text[at..].chars().take(2).collect();
                return Err(self.fail(ErrorKind::Syntax, format!("invalid escape {shown}")));
            }
        };
        out.push(c);
        self.pos += 2;
        Ok(())
    }

    /// The four hex digits of `\uXXXX` at `at`.
    fn hex4(&self, at: usize) -> R<u16> {
        let digits = self.bytes.get(at + 2..at + 6);
        let value = digits
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u16::from_str_radix(d, 16).ok());
        value.ok_or_else(|| {
            let shown: String = self.text[at..].chars().take(6).collect();
            self.fail_at(
                at,
                ErrorKind::Syntax,
                format!("invalid escape {shown} (\\u takes four hex digits)"),
            )
        })
    }

    fn unicode_escape(&mut self, out: &mut String) -> R<()> {
        let at = self.pos;
        let first = self.hex4(at)?;
        let lone = |p: &Self, at: usize, unit: u16| {
            p.fail_at(
                at,
                ErrorKind::LoneSurrogate,
                format!("lone surrogate \\u{unit:04x}"),
            )
        };
        match first {
            0xDC00..=0xDFFF => Err(lone(self, at, first)),
            0xD800..=0xDBFF => {
                let next = at + 6;
                if self.bytes.get(next..next + 2) != Some(b"\\u") {
                    return Err(lone(self, at, first));
                }
                let second = self.hex4(next)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(lone(self, at, first));
                }
                let code =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                // Always a valid scalar value: a high and a low surrogate combine to one.
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                self.pos = next + 6;
                Ok(())
            }
            _ => {
                // Not a surrogate: a valid scalar value.
                out.push(char::from_u32(u32::from(first)).unwrap_or(char::REPLACEMENT_CHARACTER));
                self.pos = at + 6;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
