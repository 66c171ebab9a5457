//! The session advisory lock every `migrate up|down` run holds (refused behind a
//! transaction-pooling proxy, where it would protect nothing), and the session settings of a run.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::db::{ConnSpec, Db};
use crate::exit::failed;
use crate::output::Output;

/// Key of the session advisory lock every `migrate up|down` run holds ("taskdbmg").
pub const LOCK_KEY: i64 = 0x7461_736b_6462_6d67;

/// Who holds the migration lock, for the waiting message.
async fn lock_holder(client: &Db) -> Result<Option<String>> {
    let classid = (LOCK_KEY >> 32) as u32;
    let objid = (LOCK_KEY & 0xffff_ffff) as u32;
    let row = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), \
                    coalesce(a.client_hostname, host(a.client_addr), 'local socket'), \
                    coalesce(a.usename::text, ''), a.backend_start \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::int8 = $1 AND l.objid::int8 = $2 AND l.objsubid = 1 \
             LIMIT 1",
            &[&i64::from(classid), &i64::from(objid)],
        )
        .await
        .map_err(|e| crate::db::db_error(e).context("cannot look up the migration lock holder"))?;
    Ok(row.map(|r| {
        let pid: i32 = r.get(0);
        let app: String = r.get(1);
        let host: String = r.get(2);
        let user: String = r.get(3);
        format!("pid {pid}, application {app:?}, user {user:?}, client {host}")
    }))
}

/// Take the session advisory lock, waiting up to `wait` for another run to finish.
pub async fn acquire_lock(client: &Db, wait: Duration, out: &Output) -> Result<()> {
    let started = Instant::now();
    let mut told = false;
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(|e| crate::db::db_error(e).context("cannot take the migration lock"))?
            .get(0);
        if got {
            ensure_lock_is_ours(client).await?;
            ensure_writable(client).await?;
            if told {
                out.note(format!(
                    "got the migration lock after {:.1}s",
                    started.elapsed().as_secs_f64()
                ));
            }
            return Ok(());
        }
        let holder = lock_holder(client)
            .await?
            .unwrap_or_else(|| "a session that just ended".into());
        if started.elapsed() >= wait {
            return Err(failed(format!(
                "another migration run holds the migration lock ({holder}); gave up after {}s (--lock-wait); nothing was changed",
                wait.as_secs()
            )));
        }
        if !told {
            out.note(format!(
                "waiting up to {}s for the migration lock held by {holder}",
                wait.as_secs()
            ));
            told = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The advisory lock and the migration's statements need one server session throughout:
/// refuse a connection that does not keep one (a transaction-pooling PgBouncer), told by a
/// notification from a second connection that never arrives ([`crate::db::listen`]). A quiet
/// pool usually hands a client the same server session again, so checking the lock from the
/// next statement ([`acquire_lock`] does that too) cannot be relied on to notice.
pub async fn ensure_own_session(spec: &ConnSpec, what: &str, out: &Output) -> Result<()> {
    match crate::db::listen::loses_sessions(spec, out).await {
        None => Ok(()),
        Some(why) => {
            out.debug(1, format!("session test: {why}"));
            Err(failed(format!(
                "{what} needs one server session throughout (its advisory lock), but the connection goes through a transaction-pooling proxy (e.g. PgBouncer pool_mode=transaction): a notification from a second connection never reached it; connect directly to the server (e.g. --database-url) or through session pooling; nothing was changed"
            )))
        }
    }
}

/// A session advisory lock only protects anything if the next statements run in the same
/// server session. Behind a transaction-pooling proxy (PgBouncer `pool_mode=transaction`) each
/// statement may land on another backend, and the lock silently protects nothing: refuse.
async fn ensure_lock_is_ours(client: &Db) -> Result<()> {
    let classid = (LOCK_KEY >> 32) as u32;
    let objid = (LOCK_KEY & 0xffff_ffff) as u32;
    let held: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
               AND pid = pg_backend_pid() AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 1)",
            &[&i64::from(classid), &i64::from(objid)],
        )
        .await
        .context("cannot check the migration lock")?
        .get(0);
    if !held {
        // Best effort: the statement may reach the backend that holds it.
        let _ = client
            .query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await;
        return Err(failed(
            "the migration lock was taken but this session does not hold it: the connection goes through a transaction-pooling proxy (e.g. PgBouncer pool_mode=transaction), where advisory locks protect nothing; connect directly or through session pooling; nothing was changed",
        ));
    }
    Ok(())
}

/// A standby grants advisory locks too (they are local to each server), where the lock would
/// protect nothing and no migration can run: the locking session must be on a writable primary
/// (with Patroni, the leader; `target_session_attrs=read-write` over every node finds it).
async fn ensure_writable(client: &Db) -> Result<()> {
    let row = client
        .query_one(
            "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
            &[],
        )
        .await
        .context("cannot check that the server is a primary")?;
    let (standby, read_only): (bool, bool) = (row.get(0), row.get(1));
    if !standby && !read_only {
        return Ok(());
    }
    let _ = release_lock(client).await;
    Err(failed(if standby {
        "the server this run reached is a standby (in recovery): migrations run on the primary; list every node with target_session_attrs=read-write (host=db1,db2,db3 …) so the primary is found; nothing was changed"
    } else {
        "the server's sessions are read-only (default_transaction_read_only=on): migrations need a writable primary (target_session_attrs=read-write skips read-only hosts); nothing was changed"
    }))
}

pub async fn release_lock(client: &Db) -> Result<()> {
    client
        .query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .context("cannot release the migration lock")?;
    Ok(())
}

/// Name this session so a waiting run can say who holds the lock.
pub async fn identify_session(client: &Db, what: &str) -> Result<()> {
    let mut name = format!(
        "taskdb {what} {}:{}",
        crate::platform::hostname(),
        std::process::id()
    );
    name.truncate(63);
    client
        .execute("SELECT set_config('application_name', $1, false)", &[&name])
        .await
        .context("cannot set application_name")?;
    Ok(())
}

/// DDL waits at most this long for a table lock (then fails and is retried).
pub async fn set_lock_timeout(client: &Db, timeout: Duration) -> Result<()> {
    let value = format!("{}ms", timeout.as_millis());
    client
        .execute("SELECT set_config('lock_timeout', $1, false)", &[&value])
        .await
        .context("cannot set lock_timeout")?;
    Ok(())
}
