//! Read-only mode (`--read-only`, `TASKDB_READ_ONLY`, `[database] read_only`): reads prefer a
//! standby (`target_session_attrs=prefer-standby`) and commands that write are refused before
//! connecting. `db::route` does the routing; `Context` decides what a command may do.

use anyhow::Result;

use super::{FileConfig, Source, Sourced};
use crate::exit::usage;
use crate::options::GlobalOpts;
use crate::platform::Env;

/// The variable that turns read-only mode on (or off, over the file).
pub const READ_ONLY_VAR: &str = "TASKDB_READ_ONLY";

/// `--read-only`, then `TASKDB_READ_ONLY`, then `[database] read_only`, else off.
pub(super) fn read_only(
    global: &GlobalOpts,
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Result<Sourced<bool>> {
    if global.read_only {
        return Ok(Sourced::new(true, Source::Flag("--read-only".into())));
    }
    if let Some(v) = env.get(READ_ONLY_VAR) {
        let on = parse_switch(&v).ok_or_else(|| {
            usage(format!(
                "{READ_ONLY_VAR} must be 1, true, yes or on (or 0, false, no, off), got {v:?}"
            ))
        })?;
        return Ok(Sourced::new(on, Source::Env(READ_ONLY_VAR.into())));
    }
    Ok(match file.database.read_only {
        Some(on) => Sourced::new(on, file_src()),
        None => Sourced::new(false, Source::Default),
    })
}

/// An on/off switch in an environment variable; empty is off.
fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "" | "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::MapEnv;
    use std::collections::HashMap;

    #[test]
    fn flag_then_environment_then_file() {
        let mut global = crate::settings::test_global_opts();
        let mut file = FileConfig::default();
        file.database.read_only = Some(true);
        let from_file = || Source::File("f.toml".into());
        let none = MapEnv(HashMap::new());
        let off = MapEnv(HashMap::from([(READ_ONLY_VAR, "0")]));
        let got = read_only(&global, &none, &file, &from_file).unwrap();
        assert_eq!((got.value, got.source), (true, from_file()));
        // The environment turns the file's setting off; the flag wins over both.
        assert!(!read_only(&global, &off, &file, &from_file).unwrap().value);
        global.read_only = true;
        let got = read_only(&global, &off, &file, &from_file).unwrap();
        assert_eq!(got.source, Source::Flag("--read-only".into()));
        assert!(got.value);
    }

    #[test]
    fn switch_values() {
        for on in ["1", "true", "YES", " on "] {
            assert_eq!(parse_switch(on), Some(true), "{on:?}");
        }
        for off in ["", "0", "false", "No", "OFF"] {
            assert_eq!(parse_switch(off), Some(false), "{off:?}");
        }
        let global = crate::settings::test_global_opts();
        let bad = MapEnv(HashMap::from([(READ_ONLY_VAR, "maybe")]));
        let err = read_only(&global, &bad, &FileConfig::default(), &|| Source::Default)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("TASKDB_READ_ONLY must be 1, true"), "{err}");
    }
}
