//! Backups encrypted with age (age-encryption.org/v1, X25519 recipients; the `age` crate).
//!
//! Writing: pg_dump's output goes through [`EncryptingWriter`] into the partial file, and the
//! sha256 of the ciphertext is computed as it is written. Reading: [`open`] decrypts a file as
//! it is read (every 64 KiB chunk is authenticated, so a changed byte is an error, not wrong
//! data). The identities (secret keys) come from identity files ([`Identities::load`]) or are
//! the one-time key `backup create` verifies a new backup with; they are never printed.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::Result;
use sha2::{Digest, Sha256};

use super::verify::VerifyError;
use crate::exit::usage;
use crate::output::Output;
pub use crate::settings::Recipient;

/// The first line of a (binary) age file.
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The first bytes of a pg_dump custom-format archive.
pub const PG_DUMP_MAGIC: &[u8] = b"PGDMP";
const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// What a backup file holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A pg_dump custom-format archive.
    Plain,
    /// An age-encrypted file (the archive inside).
    Age,
}

/// What a backup file holds, or why it is not one (the reason, one line).
pub fn kind(path: &Path) -> std::result::Result<Kind, String> {
    let mut head = Vec::with_capacity(ARMOR_MAGIC.len());
    File::open(path)
        .and_then(|f| f.take(ARMOR_MAGIC.len() as u64).read_to_end(&mut head))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if head.starts_with(PG_DUMP_MAGIC) {
        Ok(Kind::Plain)
    } else if head.starts_with(AGE_MAGIC) {
        Ok(Kind::Age)
    } else if head.starts_with(ARMOR_MAGIC) {
        Err(format!(
            "{} is an ASCII-armored age file; taskdb reads binary ones (`age -d` it first)",
            path.display()
        ))
    } else {
        Err(format!(
            "{} is not a pg_dump custom-format archive (pg_dump -Fc) nor an age-encrypted one",
            path.display()
        ))
    }
}

/// Secret keys that decrypt backups. Never printed (no Debug, no Display).
pub struct Identities {
    keys: Vec<age::x25519::Identity>,
    /// Where they came from, for messages: the files, or "the one-time key".
    from: String,
}

impl Identities {
    /// The identities in age identity files (`--identity`): `AGE-SECRET-KEY-1…` lines, `#`
    /// comments and blank lines. A file others may read is used, with a warning. Errors are one
    /// line, exit 2, and never quote the file's contents.
    pub fn load(paths: &[PathBuf], out: &Output) -> Result<Identities> {
        let mut keys = Vec::new();
        for path in paths {
            keys.extend(read_identity_file(path, out)?);
        }
        let from = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Identities { keys, from })
    }

    /// A key made for this process only (`backup create` adds its recipient so that it can
    /// decrypt and check what it wrote); it is never stored.
    pub fn one_time() -> (Identities, Recipient) {
        let key = age::x25519::Identity::generate();
        let recipient = key.to_public();
        let ids = Identities {
            keys: vec![key],
            from: "the one-time key".into(),
        };
        (ids, recipient)
    }
}

/// One identity file's keys.
fn read_identity_file(path: &Path, out: &Output) -> Result<Vec<age::x25519::Identity>> {
    let bad = |why: String| usage(format!("identity file {}: {why}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(bad("not a file".into()));
    }
    let bytes = crate::limits::read(path, crate::limits::SMALL_FILE, "age identity files")
        .map_err(|e| bad(format!("cannot read it: {e}")))?;
    // Held as a secret: wiped from memory when dropped.
    let text = SecretString::from(
        String::from_utf8(bytes).map_err(|_| bad("not an age identity file (not text)".into()))?,
    );
    let mut keys = Vec::new();
    for (i, line) in text.expose_secret().lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = parse_identity_line(line).map_err(|why| bad(format!("line {}: {why}", i + 1)))?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(bad(
            "holds no age identity (AGE-SECRET-KEY-1… lines, as age-keygen writes them)".into(),
        ));
    }
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        out.warn(format!(
            "identity file {} can be read by others (mode {:o}): `chmod 600` it",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(keys)
}

/// One non-comment line of an identity file. The error never contains the line.
fn parse_identity_line(line: &str) -> std::result::Result<age::x25519::Identity, String> {
    if line.starts_with("AGE-SECRET-KEY-1") {
        return line
            .parse()
            .map_err(|why| format!("not a valid age secret key ({why})"));
    }
    Err(if line.starts_with("AGE-PLUGIN-") {
        "plugin identities are not supported".into()
    } else if line.starts_with("-----BEGIN") || line.starts_with("ssh-") {
        "SSH keys are not supported; use an age identity (AGE-SECRET-KEY-1…, from age-keygen)"
            .into()
    } else if line.as_bytes() == &AGE_MAGIC[..AGE_MAGIC.len() - 1] {
        "passphrase-protected identity files are not supported (`age -d` it first)".into()
    } else {
        "not an age identity (AGE-SECRET-KEY-1…, as age-keygen writes it)".into()
    })
}

/// The plaintext of the age file at `path`, decrypted as it is read. Errors: the file's
/// header is damaged ([`VerifyError::File`]) or none of the identities opens it
/// ([`VerifyError::Key`]). Reading fails (`InvalidData`) at a changed or missing chunk.
pub fn open(path: &Path, ids: &Identities) -> std::result::Result<impl Read, VerifyError> {
    let file = File::open(path)
        .map_err(|e| VerifyError::File(format!("cannot read {}: {e}", path.display())))?;
    let damaged = |e: &dyn std::fmt::Display| {
        VerifyError::File(format!(
            "{}: its age header does not read ({e}): modified or not written by age",
            path.display()
        ))
    };
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| damaged(&e))?;
    decryptor
        .decrypt(ids.keys.iter().map(|k| k as &dyn age::Identity))
        .map_err(|e| match e {
            // age cannot tell a key it was not encrypted to from a damaged recipient stanza.
            age::DecryptError::NoMatchingKeys => VerifyError::Key(format!(
                "{} is not encrypted to any identity in {} (or its header is damaged)",
                path.display(),
                ids.from
            )),
            e => damaged(&e),
        })
}

/// Writes an age file encrypted to the recipients, and the sha256 and size of what it writes.
pub struct EncryptingWriter<'f> {
    stream: age::stream::StreamWriter<Hashing<io::BufWriter<&'f File>>>,
}

impl<'f> EncryptingWriter<'f> {
    /// Start the file (writes its header).
    pub fn new(file: &'f File, recipients: &[&Recipient]) -> io::Result<Self> {
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| *r as &dyn age::Recipient))
                .map_err(io::Error::other)?;
        let sink = Hashing {
            inner: io::BufWriter::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        Ok(EncryptingWriter {
            stream: encryptor.wrap_output(sink)?,
        })
    }

    pub fn write_all(&mut self, plaintext: &[u8]) -> io::Result<()> {
        self.stream.write_all(plaintext)
    }

    /// Write the last chunk, flush and fsync the file. Returns the ciphertext's sha256 (hex)
    /// and size.
    pub fn finish(self) -> io::Result<(String, u64)> {
        let mut sink = self.stream.finish()?;
        sink.inner.flush()?;
        sink.inner.get_ref().sync_all()?;
        Ok((hex::encode(sink.hasher.finalize()), sink.bytes))
    }
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output() -> Output {
        Output::new(&crate::settings::test_global_opts())
    }

    fn encrypt(dir: &Path, plaintext: &[u8], to: &[&Recipient]) -> (PathBuf, String, u64) {
        let path = dir.join("x.age");
        let file = File::create(&path).unwrap();
        let mut w = EncryptingWriter::new(&file, to).unwrap();
        for chunk in plaintext.chunks(7000) {
            w.write_all(chunk).unwrap();
        }
        let (sha, size) = w.finish().unwrap();
        (path, sha, size)
    }

    fn decrypt(path: &Path, ids: &Identities) -> std::result::Result<Vec<u8>, String> {
        let mut r = open(path, ids).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn round_trip_hashes_the_ciphertext_and_catches_a_flipped_byte() {
        let dir = tempfile::tempdir().unwrap();
        let plaintext: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (ids, me) = Identities::one_time();
        let (other_ids, other) = Identities::one_time();
        let (path, sha, size) = encrypt(dir.path(), &plaintext, &[&me, &other]);
        let on_disk = std::fs::read(&path).unwrap();
        assert!(on_disk.starts_with(AGE_MAGIC));
        assert_eq!(size, on_disk.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&on_disk)));
        assert_eq!(kind(&path), Ok(Kind::Age));
        // Either recipient's identity opens it.
        assert_eq!(decrypt(&path, &ids).unwrap(), plaintext);
        assert_eq!(decrypt(&path, &other_ids).unwrap(), plaintext);
        // A stranger's does not.
        let (stranger, _) = Identities::one_time();
        let e = decrypt(&path, &stranger).unwrap_err();
        assert!(
            e.contains("not encrypted to any identity in the one-time key"),
            "{e}"
        );
        // A byte flipped in the payload: reading fails, it never yields changed data.
        let mut flipped = on_disk.clone();
        let at = flipped.len() - 1000;
        flipped[at] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(decrypt(&path, &ids).is_err());
        // Truncated: the last chunk is missing.
        std::fs::write(&path, &on_disk[..on_disk.len() - 70_000]).unwrap();
        assert!(decrypt(&path, &ids).is_err());
    }

    #[test]
    fn identity_files_are_read_and_bad_ones_refused_without_quoting_them() {
        let dir = tempfile::tempdir().unwrap();
        let key = age::x25519::Identity::generate();
        let secret = key.to_string().expose_secret().to_string();
        let good = dir.path().join("key.txt");
        std::fs::write(
            &good,
            format!(
                "# created: now\n# public key: {}\n\n{secret}\n",
                key.to_public()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o600)).unwrap();
        let ids = Identities::load(std::slice::from_ref(&good), &output()).unwrap();
        assert_eq!(ids.keys.len(), 1);
        assert_eq!(ids.keys[0].to_public(), key.to_public());

        let damaged = format!("{}X{}", &secret[..30], &secret[31..]);
        for (text, expect) in [
            (format!("{damaged}\n"), "line 1: not a valid age secret key"),
            (
                format!("# c\n{}\n", key.to_public()),
                "line 2: not an age identity",
            ),
            ("# only comments\n\n".to_string(), "holds no age identity"),
            ("AGE-PLUGIN-YUBIKEY-1QQQ\n".to_string(), "plugin identities"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\n".to_string(),
                "SSH keys",
            ),
            (
                "age-encryption.org/v1\n-> scrypt x\n".to_string(),
                "passphrase-protected",
            ),
        ] {
            let path = dir.path().join("bad.txt");
            std::fs::write(&path, &text).unwrap();
            let e = Identities::load(&[path], &output())
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(expect), "{text:?}: {e}");
            assert!(!e.contains(&secret[20..40]), "{e}");
            assert!(!e.contains(&damaged[20..40]), "{e}");
        }
        let e = Identities::load(&[dir.path().join("missing")], &output())
            .err()
            .unwrap();
        assert!(e.to_string().contains("cannot read it"), "{e}");
        let e = Identities::load(&[dir.path().to_path_buf()], &output())
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a file"), "{e}");
    }

    #[test]
    fn files_are_told_apart_by_their_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        for (bytes, expect) in [
            (&b"PGDMP\x01\x0e"[..], Ok(Kind::Plain)),
            (AGE_MAGIC, Ok(Kind::Age)),
            (
                b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl",
                Err("ASCII-armored"),
            ),
            (b"hello", Err("not a pg_dump custom-format archive")),
            (b"", Err("not a pg_dump custom-format archive")),
        ] {
            std::fs::write(&p, bytes).unwrap();
            match (kind(&p), expect) {
                (Ok(k), Ok(e)) => assert_eq!(k, e),
                (Err(why), Err(e)) => assert!(why.contains(e), "{why}"),
                (got, _) => panic!("{bytes:?}: {got:?}"),
            }
        }
    }
}
