//! Size limits for every file taskdb reads, so that `/dev/zero`, a FIFO or a huge file given
//! by mistake (or on purpose) ends in one line and exit 2 instead of eating the memory.
//!
//! Reads stop after `limit + 1` bytes; a file that has them is refused without reading more.
//! tasks.json for `task import` has its own limit, `--max-size` (default 256 MiB).

use std::io::{self, Read};
use std::path::Path;

pub use crate::exit::TooLarge;

pub const MIB: u64 = 1024 * 1024;
/// Config files, API/tunnel token files, WAF policy files, certificates and keys, the password
/// file, backup manifests and taskdb's own state files (cluster.json and the like).
pub const SMALL_FILE: u64 = MIB;

/// The [`TooLarge`] inside an I/O error, if that is what it is.
pub fn too_large(e: &io::Error) -> Option<&TooLarge> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<TooLarge>())
}

/// Like `std::fs::read`, at most `limit` bytes of `what` (e.g. "config files").
pub fn read(path: impl AsRef<Path>, limit: u64, what: &'static str) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // A regular file says its size up front; devices, pipes and /proc files are read to see.
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limit)
    {
        return Err(io::Error::other(TooLarge { limit, what }));
    }
    read_from(file, limit, what)
}

/// Like `std::fs::read_to_string`, at most `limit` bytes.
pub fn read_to_string(
    path: impl AsRef<Path>,
    limit: u64,
    what: &'static str,
) -> io::Result<String> {
    String::from_utf8(read(path, limit, what)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// At most `limit` bytes from a reader (stdin).
pub fn read_from(reader: impl Read, limit: u64, what: &'static str) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(io::Error::other(TooLarge { limit, what }));
    }
    Ok(buf)
}

/// For call sites whose read errors are operation failures (exit 1): a file over its limit
/// is still bad input (exit 2); both with the site's message.
pub fn usage_if_too_large(
    e: io::Error,
    message: impl FnOnce(&io::Error) -> String,
) -> anyhow::Error {
    if too_large(&e).is_some() {
        crate::exit::usage(message(&e))
    } else {
        crate::exit::failed(message(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        assert_eq!(read_from(&b"abcd"[..], 4, "tests").unwrap(), b"abcd");
        let e = read_from(&b"abcde"[..], 4, "tests").unwrap_err();
        assert_eq!(e.to_string(), "larger than the 4 bytes limit for tests");
        assert!(too_large(&e).is_some());
        let e = read("/dev/zero", MIB, "config files").unwrap_err();
        assert_eq!(
            e.to_string(),
            "larger than the 1 MiB limit for config files"
        );
    }
}
