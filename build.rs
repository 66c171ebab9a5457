//! Embeds the down scripts (`migrations/V<n>__<name>.down.sql`, a name refinery ignores) as a
//! table the binary can use, and rebuilds when anything under migrations/ changes (which also
//! makes `refinery::embed_migrations!` pick up new or edited up scripts).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("migrations");
    let mut downs: Vec<(u32, String, PathBuf)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            let Some(stem) = file.strip_suffix(".down.sql") else {
                continue;
            };
            // V<version>__<name>, the same grammar as the up scripts.
            let Some((version, name)) = stem.strip_prefix('V').and_then(|s| s.split_once("__"))
            else {
                panic!(
                    "migrations/{file}: a down script must be named V<version>__<name>.down.sql"
                );
            };
            let version: u32 = version
                .parse()
                .unwrap_or_else(|_| panic!("migrations/{file}: version is not a whole number"));
            downs.push((version, name.to_string(), entry.path()));
        }
    }
    downs.sort();
    let mut code = String::from(
        "/// (version, name, down SQL) for every `migrations/V<n>__<name>.down.sql`, by version.\n\
         pub const DOWN_SCRIPTS: &[(u32, &str, &str)] = &[\n",
    );
    for (version, name, path) in &downs {
        let _ = writeln!(
            code,
            "    ({version}, {name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("down_scripts.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
