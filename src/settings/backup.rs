//! `[backup]`'s encryption: the age recipients every backup is encrypted to
//! (`[backup] encrypt_to`, `TASKDB_BACKUP_ENCRYPT_TO`; `backup create --encrypt-to` overrides
//! both), and the one check of a recipient's text that the flag, the variable and the file use.
//! Only X25519 recipients (`age1…`, as `age-keygen` prints them) are taken. A secret key given
//! where a recipient belongs is refused without being echoed.

use anyhow::Result;

use super::{FileConfig, Source, Sourced};
use crate::exit::usage;
use crate::platform::Env;

/// An age recipient (a public key): files encrypted to it open with its identity.
pub type Recipient = age::x25519::Recipient;

const ENV_VAR: &str = "TASKDB_BACKUP_ENCRYPT_TO";

/// One recipient, `age1…`. The error is the reason alone (callers say where the value came
/// from); it never repeats a secret key, and at most 80 characters of anything else.
pub fn parse_recipient(text: &str) -> std::result::Result<Recipient, String> {
    let t = text.trim();
    if t.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
        return Err(
            "that is an age secret key (an identity), not a recipient: give its public key \
             (`age-keygen -y KEYFILE` prints it); keep the secret key off command lines and \
             config files"
                .into(),
        );
    }
    let shown: String = if t.chars().count() > 80 {
        t.chars().take(80).chain("…".chars()).collect()
    } else {
        t.to_string()
    };
    if t.starts_with("ssh-") || t.starts_with("ecdsa-") {
        return Err(format!(
            "{shown:?}: SSH keys are not supported as recipients; use an age recipient (age1…, from age-keygen)"
        ));
    }
    if !t.to_ascii_lowercase().starts_with("age1") {
        return Err(format!(
            "{shown:?} is not an age recipient (age1…, as age-keygen prints it)"
        ));
    }
    t.parse::<Recipient>().map_err(|why| {
        format!(
            "{shown:?} is not a valid age X25519 recipient ({why}; age1…, as age-keygen prints it)"
        )
    })
}

/// Recipients separated by commas and/or whitespace (the environment variable's form).
pub fn parse_recipient_list(text: &str) -> std::result::Result<Vec<Recipient>, String> {
    let items: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return Err(
            "is empty: name at least one recipient (age1…), or unset it for unencrypted backups"
                .into(),
        );
    }
    items.into_iter().map(parse_recipient).collect()
}

/// `TASKDB_BACKUP_ENCRYPT_TO`, `[backup] encrypt_to` (checked when the file is read), else none
/// (backups are not encrypted).
pub(super) fn encrypt_to(
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Result<Sourced<Vec<Recipient>>> {
    if let Some(v) = env.get(ENV_VAR) {
        let r = parse_recipient_list(&v).map_err(|e| usage(format!("{ENV_VAR}: {e}")))?;
        return Ok(Sourced::new(r, Source::Env(ENV_VAR.into())));
    }
    match &file.backup.encrypt_to {
        Some(list) => {
            let r = list
                .iter()
                .map(|t| parse_recipient(t))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| usage(format!("config [backup] encrypt_to: {e}")))?;
            Ok(Sourced::new(r, file_src()))
        }
        None => Ok(Sourced::new(Vec::new(), Source::Default)),
    }
}

/// For `config show`: the recipients, or that backups are not encrypted.
pub fn show_recipients(r: &[Recipient]) -> String {
    if r.is_empty() {
        "(none: backups are not encrypted)".into()
    } else {
        r.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R1: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn recipients_parse_and_bad_ones_say_why() {
        assert_eq!(parse_recipient(R1).unwrap().to_string(), R1);
        assert_eq!(
            parse_recipient(&format!("  {R1}\n")).unwrap().to_string(),
            R1
        );
        let two = parse_recipient_list(&format!("{R1}, {R1}\n{R1}")).unwrap();
        assert_eq!(two.len(), 3);
        for (bad, expect) in [
            ("age1nope", "not a valid age X25519 recipient"),
            (&R1[..R1.len() - 1], "not a valid age X25519 recipient"),
            ("ssh-ed25519 AAAAC3Nz", "SSH keys are not supported"),
            ("hello", "is not an age recipient"),
            ("", "is not an age recipient"),
        ] {
            let e = parse_recipient(bad).unwrap_err();
            assert!(e.contains(expect), "{bad:?}: {e}");
        }
        assert!(parse_recipient_list(" , ")
            .unwrap_err()
            .contains("is empty"));
        assert!(parse_recipient(&"a".repeat(500)).unwrap_err().len() < 200);
    }

    #[test]
    fn a_secret_key_given_as_a_recipient_is_refused_without_being_echoed() {
        let secret = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
        for text in [secret.to_string(), secret.to_lowercase()] {
            let e = parse_recipient(&text).unwrap_err();
            assert!(e.contains("secret key"), "{e}");
            assert!(!e.to_uppercase().contains("GFPYYSJZ"), "{e}");
            let e = parse_recipient_list(&format!("{R1},{text}")).unwrap_err();
            assert!(!e.to_uppercase().contains("GFPYYSJZ"), "{e}");
        }
    }
}
