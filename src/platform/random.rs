//! Secrets made up on this machine: random bytes from the kernel's CSPRNG.

use std::io::Read as _;

use anyhow::{Context as _, Result};

/// `bytes` random bytes from `/dev/urandom` as lowercase hex (2 × `bytes` characters): safe in
/// connection strings, URLs and shell words without quoting.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("cannot read random bytes from /dev/urandom")?;
    Ok(hex::encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_is_hex_of_the_length_asked_and_differs() {
        let a = random_hex(32).unwrap();
        let b = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
