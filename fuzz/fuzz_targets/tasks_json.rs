//! The tasks.json parser on arbitrary bytes: it must answer (a file or one refusal), never
//! panic, and its JSON reader must build exactly what serde_json builds, refusing besides only
//! duplicate keys.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use taskdb::taskmaster::{self, strict_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = taskmaster::parse(data) {
        let _ = taskmaster::to_import_rows(file, &[]);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let theirs = serde_json::from_str::<Value>(text);
    match (strict_json::parse(text), theirs) {
        (Ok(doc), Ok(value)) => assert_eq!(doc.value, value),
        // serde_json stops at 128 levels, one before the strict reader does.
        (Ok(_), Err(e)) => assert!(
            e.to_string().starts_with("recursion limit exceeded"),
            "the strict reader accepts what serde_json refuses: {e}"
        ),
        (Err(e), Ok(_)) => assert_eq!(
            e.kind,
            strict_json::ErrorKind::DuplicateKey,
            "the strict reader refuses what serde_json accepts: {e}"
        ),
        (Err(_), Err(_)) => {}
    }
});
