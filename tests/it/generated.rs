//! `completions/` and `man/` are generated from the clap definition and committed; this test
//! fails when they drift. Regenerate with `TASKDB_UPDATE_GENERATED=1 cargo test --test it generated`.

use std::path::Path;

use taskdb::cli::completions::{completion_scripts, man_pages};

fn check_dir(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let update = std::env::var_os("TASKDB_UPDATE_GENERATED").is_some();
    if update {
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
    }
    let mut expected_names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    for (name, contents) in files {
        let path = root.join(&name);
        if update {
            std::fs::write(&path, &contents).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_else(|_| {
            panic!("{dir}/{name} is missing; run TASKDB_UPDATE_GENERATED=1 cargo test --test it generated")
        });
        assert!(
            committed == contents,
            "{dir}/{name} is out of date; run TASKDB_UPDATE_GENERATED=1 cargo test --test it generated"
        );
    }
    let mut present: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    expected_names.sort();
    assert_eq!(present, expected_names, "{dir}/ has stale or missing files");
}

#[test]
fn completions_are_up_to_date() {
    check_dir("completions", completion_scripts());
}

#[test]
fn man_pages_are_up_to_date() {
    check_dir("man", man_pages().unwrap());
}
