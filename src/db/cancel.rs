//! What a signal must stop before taskdb exits: the statements in flight on every open
//! connection (the protocol's cancel request; closing the socket alone leaves the server
//! running a statement that waits on a lock or never reads the socket) and child tools such
//! as pg_dump (SIGTERM, which makes them cancel their own statement and exit).
//!
//! Connections register in [`super::connect`] when they open and leave when their driver
//! task ends; children register while they run. [`cancel_all`] takes a snapshot and works
//! through it within a deadline.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio_postgres::{CancelToken, Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

enum Entry {
    /// A connection: its cancel key and the TLS it was opened with (the cancel request
    /// travels on a new connection that must negotiate the same way).
    Conn(CancelToken, Option<MakeRustlsConnect>),
    /// A running child process.
    Child(u32),
}

static OPEN: Mutex<BTreeMap<u64, Entry>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Membership in the registry; dropping it leaves.
pub struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut open) = OPEN.lock() {
            open.remove(&self.0);
        }
    }
}

fn register(entry: Entry) -> Registration {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut open) = OPEN.lock() {
        open.insert(id, entry);
    }
    Registration(id)
}

/// Register an open connection; keep the registration as long as its driver runs.
pub(super) fn register_connection(
    client: &Client,
    tls: Option<&MakeRustlsConnect>,
) -> Registration {
    register(Entry::Conn(client.cancel_token(), tls.cloned()))
}

/// Register a running child process (by pid) to be sent SIGTERM on a signal.
pub fn register_child(pid: Option<u32>) -> Option<Registration> {
    pid.map(|pid| register(Entry::Child(pid)))
}

/// Cancel every registered connection's statement and SIGTERM every registered child, then
/// wait (at most `deadline`) until the cancel requests are delivered and the children have
/// exited. The snapshot is taken before the first await, so connections closing meanwhile
/// are still cancelled. Returns how many statements were asked to stop.
pub async fn cancel_all(deadline: Duration) -> usize {
    let (conns, children): (Vec<_>, Vec<_>) = {
        let Ok(open) = OPEN.lock() else { return 0 };
        let mut conns = Vec::new();
        let mut children = Vec::new();
        for entry in open.values() {
            match entry {
                Entry::Conn(token, tls) => conns.push((token.clone(), tls.clone())),
                Entry::Child(pid) => children.push(*pid),
            }
        }
        (conns, children)
    };
    for pid in &children {
        if let Ok(pid) = libc::pid_t::try_from(*pid) {
            // SAFETY: plain kill(2) on a child we spawned and have not reaped (it is registered
            // only while its handle is alive).
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    }
    let sent = conns.len();
    let work = async {
        let cancels = conns.into_iter().map(|(token, tls)| async move {
            // A failed cancel (server gone, connection already idle) changes nothing.
            let _ = match tls {
                Some(tls) => token.cancel_query(tls).await,
                None => token.cancel_query(NoTls).await,
            };
        });
        futures_util::future::join_all(cancels).await;
        while children.iter().any(|pid| child_running(*pid)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let _ = tokio::time::timeout(deadline, work).await;
    sent
}

/// Whether a child has not exited yet, asked without reaping it (its owner reaps it).
fn child_running(pid: u32) -> bool {
    let id: libc::id_t = pid;
    // SAFETY: waitid with WNOWAIT only inspects the child's state; `info` is plain data.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(
            libc::P_PID,
            id,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        // rc -1: no such child (already reaped); si_pid 0: still running.
        rc == 0 && info.si_pid() == 0
    }
}
