//! `taskdb backup` encrypted with age: round trips with the identity, refusals without it or
//! with the wrong one, damage caught by `verify`, bad recipients and identity files, nothing
//! half-written, `migrate`'s backups, and agreement with the real `age` CLI.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use age::secrecy::ExposeSecret;
use serde_json::Value;

use crate::backup::{
    active_pg_dump_sessions, backup_blocked_by_a_lock, backup_dir, db_with_data, files_in,
    table_checksums, taskdb_files,
};
use crate::support::{wait_until, Sandbox, TestDb, TestPg};

/// A key pair made with the crate: the identity file (0600) and the recipient.
fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = age::x25519::Identity::generate();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "# created by a test\n# public key: {}\n{}\n",
            key.to_public(),
            key.to_string().expose_secret()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (path, key.to_public().to_string())
}

/// The secret key line of an identity file.
fn secret_of(identity: &Path) -> String {
    std::fs::read_to_string(identity)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_string()
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

fn database_exists(db: &TestDb, name: &str) -> bool {
    db.client()
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some()
}

/// `backup create --encrypt-to <to>` on `db`: its JSON report.
fn create_encrypted(sb: &Sandbox, db: &TestDb, reason: &str, to: &str) -> Value {
    sb.taskdb(&["backup", "create", "--reason", reason, "--encrypt-to", to])
        .db(db)
        .ok_json()
}

/// Flip one bit of the byte at `at`.
fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

/// `backup verify --identity KEY FILE`: it was decrypted and read to the end. Its JSON report.
fn verify_decrypted(sb: &Sandbox, key: &Path, file: impl AsRef<std::ffi::OsStr>) -> Value {
    let v = sb
        .taskdb(&["backup", "verify", "--identity"])
        .arg(key)
        .arg(file)
        .ok_json();
    assert_eq!(v["decrypted"], true, "{v}");
    assert!(v["toc_entries"].as_u64().unwrap() > 0, "{v}");
    v
}

/// `backup restore --into <db>_<suffix> --identity KEY FILE`: the new copy's table checksums.
fn restore_copy(
    sb: &Sandbox,
    db: &TestDb,
    key: &Path,
    file: &Path,
    suffix: &str,
) -> Vec<(String, i64, String)> {
    let name = format!("{}_{suffix}", db.name);
    sb.taskdb(&["backup", "restore", "--into", &name, "--identity"])
        .arg(key)
        .arg(file)
        .db(db)
        .ok();
    table_checksums(&TestDb { pg: db.pg, name })
}

/// Run a helper program (age, age-keygen, a shell pipeline) that must succeed: its stdout.
fn succeed(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether the `age` CLI (Debian package `age`) is installed; the tests that compare with it
/// need it, and CI installs it.
fn age_cli() -> &'static str {
    let found = Command::new("age").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "the age CLI is needed (Debian/Ubuntu: apt-get install age)"
    );
    "age"
}

#[test]
fn an_encrypted_backup_round_trips_with_the_identity_and_is_refused_without_it() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let (key, recipient) = keypair(sb.path(), "key.txt");
    let (other_key, _) = keypair(sb.path(), "other.txt");
    let original = table_checksums(&db);

    let created = create_encrypted(&sb, &db, "sealed", &recipient);
    let path = PathBuf::from(created["path"].as_str().unwrap());
    assert!(
        path.to_string_lossy().ends_with("_sealed.dump.age"),
        "{path:?}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !bytes.windows(5).any(|w| w == b"PGDMP"),
        "no archive in the clear"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The manifest: the recipients, and the sha256 and size of the ciphertext.
    let manifest_path = PathBuf::from(created["manifest_path"].as_str().unwrap());
    assert!(manifest_path.to_string_lossy().ends_with(".dump.age.json"));
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["encryption"]["method"], "age");
    assert_eq!(
        manifest["encryption"]["recipients"],
        serde_json::json!([recipient])
    );
    assert_eq!(manifest["sha256"], sha256_hex(&path));
    assert_eq!(manifest["size_bytes"], bytes.len() as u64);
    let list = sb.taskdb(&["backup", "list"]).db(&db).ok_json();
    assert_eq!(list[0]["encryption"]["recipients"][0], recipient.as_str());

    // verify without the identity: the ciphertext against the manifest, not decrypted.
    let r = sb
        .taskdb(&["backup", "verify"])
        .arg(&path)
        .format_json()
        .ok();
    let v = r.json();
    assert_eq!(
        (v["encrypted"].as_bool(), v["decrypted"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(v["toc_entries"].is_null());
    r.stderr_contains("not decrypted");
    // With it: decrypted and read to the end.
    verify_decrypted(&sb, &key, &path);

    // restore without --identity, or with a key it is not encrypted to: refused, untouched.
    let copy_name = format!("{}_sealed", db.name);
    sb.taskdb(&["backup", "restore", "--into", &copy_name])
        .arg(&path)
        .db(&db)
        .refused(2, "needs --identity");
    sb.taskdb(&["backup", "restore", "--into", &copy_name, "--identity"])
        .arg(&other_key)
        .arg(&path)
        .db(&db)
        .refused(2, "not encrypted to any identity in");
    assert!(!database_exists(&db, &copy_name));
    // With the identity: every row, into a new database.
    assert_eq!(restore_copy(&sb, &db, &key, &path, "sealed"), original);

    // Over the current database, with the setting on: the safety backup is encrypted too.
    db.client()
        .batch_execute("DELETE FROM bk_items WHERE id % 2 = 0; CREATE TABLE later (x int);")
        .unwrap();
    assert_ne!(table_checksums(&db), original);
    let before = files_in(&backup_dir(&sb));
    sb.taskdb(&["backup", "restore", "--yes"])
        .arg(&path)
        .db(&db)
        .env("TASKDB_BACKUP_ENCRYPT_TO", &recipient)
        .refused(2, "needs --identity");
    assert_eq!(
        files_in(&backup_dir(&sb)),
        before,
        "no safety backup for a refusal"
    );
    let restored = sb
        .taskdb(&["backup", "restore", "--yes", "--identity"])
        .arg(&key)
        .arg(&path)
        .db(&db)
        .env("TASKDB_BACKUP_ENCRYPT_TO", &recipient)
        .ok_json();
    assert_eq!(table_checksums(&db), original);
    let safety = PathBuf::from(restored["safety_backup"].as_str().unwrap());
    assert!(
        safety.to_string_lossy().ends_with(".dump.age"),
        "{safety:?}"
    );
    verify_decrypted(&sb, &key, &safety);
}

#[test]
fn a_flipped_byte_in_an_encrypted_backup_is_caught_by_verify() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let (key, recipient) = keypair(sb.path(), "key.txt");
    let created = create_encrypted(&sb, &db, "flip", &recipient);
    let good = PathBuf::from(created["path"].as_str().unwrap());
    let len = std::fs::metadata(&good).unwrap().len() as usize;
    let dir = sb.path().join("damaged");
    std::fs::create_dir_all(&dir).unwrap();
    let verify = |file: &Path, with_key: bool| {
        let t = sb.taskdb(&["backup", "verify"]).arg(file);
        if with_key {
            t.arg("--identity").arg(&key)
        } else {
            t
        }
    };
    verify(&good, true).ok();

    // Beside its manifest: the ciphertext's sha256 no longer matches, key or not.
    let with_manifest = dir.join("copy.dump.age");
    std::fs::copy(&good, &with_manifest).unwrap();
    let mut manifest = good.as_os_str().to_os_string();
    manifest.push(".json");
    std::fs::copy(&manifest, dir.join("copy.dump.age.json")).unwrap();
    verify(&with_manifest, false).ok();
    flip(&with_manifest, len / 2);
    for with_key in [false, true] {
        verify(&with_manifest, with_key).refused(1, "does not match its manifest");
    }

    // Without a manifest only decryption can tell: a flipped byte in the payload, or in the
    // header's MAC, fails it.
    let bytes = std::fs::read(&good).unwrap();
    let mac = bytes.windows(5).position(|w| w == b"\n--- ").unwrap() + 10;
    for (name, at, expect) in [
        ("payload.dump.age", len / 2, "does not decrypt after"),
        ("header.dump.age", mac, "its age header does not read"),
    ] {
        let lone = dir.join(name);
        std::fs::copy(&good, &lone).unwrap();
        verify(&lone, true).ok();
        flip(&lone, at);
        verify(&lone, true)
            .refused(1, "verification failed")
            .stderr_contains(expect);
        // No key and no manifest: nothing to check it against.
        verify(&lone, false).refused(2, "has no manifest");
        // And restore refuses it before touching anything.
        sb.taskdb(&["backup", "restore", "--yes", "--no-backup", "--identity"])
            .arg(&key)
            .arg(&lone)
            .db(&db)
            .refused(2, "refusing to restore");
    }
    // Truncated (the last chunk gone).
    let cut = dir.join("cut.dump.age");
    std::fs::write(&cut, &std::fs::read(&good).unwrap()[..len - 100]).unwrap();
    verify(&cut, true).refused(1, "does not decrypt");
}

#[test]
fn bad_recipients_and_identity_files_are_one_line_and_write_nothing() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let (key, recipient) = keypair(sb.path(), "key.txt");
    let secret = secret_of(&key);
    let dir = backup_dir(&sb);
    let nothing_written = || !dir.exists() || files_in(&dir).is_empty();

    // Recipients: on the command line, in the environment, in the config file.
    for (bad, expect) in [
        ("age1nope", "not a valid age X25519 recipient"),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
            "SSH keys are not supported",
        ),
        ("hello", "is not an age recipient"),
        (secret.as_str(), "secret key"),
    ] {
        let r = sb
            .taskdb(&["backup", "create", "--encrypt-to", bad])
            .db(&db)
            .refused(2, expect);
        r.lacks(&secret[16..]);
        let r = sb
            .taskdb(&["backup", "create"])
            .db(&db)
            .env("TASKDB_BACKUP_ENCRYPT_TO", format!("{recipient},{bad}"))
            .refused(2, "TASKDB_BACKUP_ENCRYPT_TO");
        r.lacks(&secret[16..]);
        let config = sb.path().join("taskdb.toml");
        std::fs::write(
            &config,
            format!("[backup]\nencrypt_to = [\"{recipient}\", \"{bad}\"]\n"),
        )
        .unwrap();
        let r = sb
            .taskdb(&["backup", "create"])
            .db(&db)
            .env("TASKDB_CONFIG", &config)
            .refused(2, "key `backup.encrypt_to`: item 2");
        r.lacks(&secret[16..]);
        std::fs::remove_file(&config).unwrap();
    }
    sb.taskdb(&["backup", "create"])
        .db(&db)
        .env("TASKDB_BACKUP_ENCRYPT_TO", " ")
        .refused(2, "is empty");
    assert!(nothing_written(), "{:?}", files_in(&dir));

    // `config show` names the recipients and where they came from.
    let shown = sb
        .taskdb(&["config", "show", "--format", "json"])
        .env("TASKDB_BACKUP_ENCRYPT_TO", &recipient)
        .ok_json();
    let row = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "backup.encrypt_to")
        .unwrap()
        .clone();
    assert_eq!(row["value"], recipient.as_str());
    assert!(row["source"]
        .as_str()
        .unwrap()
        .contains("TASKDB_BACKUP_ENCRYPT_TO"));

    // Identity files: missing, a directory, not an identity, a damaged key, an empty file.
    let created = create_encrypted(&sb, &db, "keys", &recipient);
    let path = PathBuf::from(created["path"].as_str().unwrap());
    let write = |name: &str, text: &str| {
        let p = sb.path().join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    };
    let damaged = format!("{}Q{}", &secret[..40], &secret[41..]);
    let damaged = if damaged == secret {
        format!("{}P{}", &secret[..40], &secret[41..])
    } else {
        damaged
    };
    for (identity, expect) in [
        (sb.path().join("missing.txt"), "cannot read it"),
        (sb.path().to_path_buf(), "not a file"),
        (
            write("pub.txt", &format!("{recipient}\n")),
            "line 1: not an age identity",
        ),
        (
            write("damaged.txt", &format!("# mine\n{damaged}\n")),
            "line 2: not a valid age secret key",
        ),
        (write("empty.txt", "# nothing\n"), "holds no age identity"),
    ] {
        for cmd in ["verify", "restore"] {
            let r = sb
                .taskdb(&["backup", cmd, "--identity"])
                .arg(&identity)
                .arg(&path)
                .db(&db)
                .refused(2, expect);
            r.lacks(&secret[16..]).lacks(&damaged[16..]);
        }
    }
    // A key others can read works, with a warning.
    let loose = write("loose.txt", &format!("{secret}\n"));
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    sb.taskdb(&["backup", "verify", "--identity"])
        .arg(&loose)
        .arg(&path)
        .ok()
        .stderr_contains("can be read by others (mode 644)")
        .lacks(&secret[16..]);
    // Only the one good backup was ever written.
    assert_eq!(files_in(&dir).len(), 2, "{:?}", files_in(&dir));
}

#[test]
fn a_failed_or_interrupted_encrypted_backup_leaves_nothing_half_written() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let (_, recipient) = keypair(sb.path(), "key.txt");
    let dir = backup_dir(&sb);

    // pg_dump writes part of the archive, then fails: no partial, no manifest.
    let bin = sb.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for entry in std::fs::read_dir(&db.pg.bindir).unwrap().flatten() {
        std::os::unix::fs::symlink(entry.path(), bin.join(entry.file_name())).unwrap();
    }
    std::fs::remove_file(bin.join("pg_dump")).unwrap();
    let real = db.pg.bindir.join("pg_dump");
    std::fs::write(
        bin.join("pg_dump"),
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then exec '{0}' --version; fi\n\
             '{0}' \"$@\" | head -c 20000\necho 'pg_dump: error: stand-in failure' >&2\nexit 1\n",
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("pg_dump"), std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.taskdb(&["backup", "create", "--encrypt-to", &recipient])
        .db(&db)
        .env("TASKDB_PG_BINDIR", &bin)
        .refused(1, "stand-in failure");
    assert_eq!(files_in(&dir), Vec::<String>::new());

    // SIGTERM while pg_dump waits for a lock: pg_dump stops, nothing is left.
    let mut locker = db.client();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE bk_items IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let child = backup_blocked_by_a_lock(&sb, &db, &["--encrypt-to", &recipient]);
    let partial = taskdb_files(&dir);
    assert_eq!(partial.len(), 1, "{partial:?}");
    assert!(partial[0].ends_with(".dump.age.partial"), "{partial:?}");
    child.signal(libc::SIGTERM);
    child.wait(60).expect_exit(143).stderr_line();
    wait_until(30, "pg_dump's statement to stop", || {
        active_pg_dump_sessions(&db) == 0
    });
    assert_eq!(taskdb_files(&dir), Vec::<String>::new());

    // kill -9: the partial file stays, listed as incomplete and pruned.
    let mut child = backup_blocked_by_a_lock(&sb, &db, &["--encrypt-to", &recipient]);
    child.child.kill().unwrap();
    child.child.wait().unwrap();
    // pg_dump died with taskdb and cancelled its statement.
    wait_until(30, "pg_dump's statement to stop", || {
        active_pg_dump_sessions(&db) == 0
    });
    tx.rollback().unwrap();
    let list = sb.taskdb(&["backup", "list"]).format_json().ok().json();
    assert_eq!(list[0]["status"], "incomplete", "{list}");
    sb.taskdb(&["backup", "prune", "--keep", "1"]).ok();
    assert_eq!(files_in(&dir), Vec::<String>::new());
}

#[test]
fn migrate_backups_honour_the_setting() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let (key, recipient) = keypair(sb.path(), "key.txt");
    db.client()
        .batch_execute("CREATE TABLE precious (x int); INSERT INTO precious VALUES (1);")
        .unwrap();
    let config = sb.path().join("taskdb.toml");
    std::fs::write(&config, format!("[backup]\nencrypt_to = \"{recipient}\"\n")).unwrap();
    sb.taskdb(&["migrate", "up"])
        .db(&db)
        .env("TASKDB_CONFIG", &config)
        .ok();
    assert!(!db.migration_history().is_empty());
    let list = sb.taskdb(&["backup", "list"]).format_json().ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["encryption"]["recipients"][0], recipient.as_str());
    let path = list[0]["path"].as_str().unwrap();
    assert!(path.ends_with(".dump.age"), "{path}");
    verify_decrypted(&sb, &key, path);
}

#[test]
fn the_age_cli_and_taskdb_read_each_others_files() {
    let age = age_cli();
    let db = db_with_data();
    let sb = Sandbox::new();
    let key = sb.path().join("cli-key.txt");
    succeed(Command::new("age-keygen").arg("-o").arg(&key));
    let recipient = succeed(Command::new("age-keygen").arg("-y").arg(&key))
        .trim()
        .to_string();

    // taskdb encrypts, age -d decrypts: a pg_dump archive pg_restore reads.
    let created = create_encrypted(&sb, &db, "cli", &recipient);
    let sealed = created["path"].as_str().unwrap();
    let plain = sb.path().join("opened.dump");
    succeed(
        Command::new(age)
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg("-o")
            .arg(&plain)
            .arg(sealed),
    );
    let v = sb.taskdb(&["backup", "verify"]).arg(&plain).ok_json();
    assert_eq!(v["encrypted"], false);
    assert!(v["toc_entries"].as_u64().unwrap() > 10, "{v}");

    // pg_dump | age -r: taskdb verifies and restores it with the age-keygen key.
    let by_cli = sb.path().join("by-cli.dump.age");
    let script = format!(
        "set -e; '{}' -Fc -d '{}' | {age} -r {recipient} -o '{}'",
        db.pg.bindir.join("pg_dump").display(),
        db.url(),
        by_cli.display()
    );
    succeed(Command::new("sh").arg("-c").arg(&script));
    let v = verify_decrypted(&sb, &key, &by_cli);
    assert!(v["manifest"].is_null());
    assert_eq!(
        restore_copy(&sb, &db, &key, &by_cli, "cli"),
        table_checksums(&db)
    );
}
