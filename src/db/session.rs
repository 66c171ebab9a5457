//! What the server says about the current session: its version, database, user, whether it is
//! a standby, and the session's TLS as the server sees it (`pg_stat_ssl`). `config check`
//! reports it.

use anyhow::{Context as _, Result};

use crate::db::Db;

/// The server's view of this session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub server_version: String,
    pub database: String,
    pub user: String,
    pub in_recovery: bool,
    pub tls: bool,
    pub tls_version: Option<String>,
    pub tls_cipher: Option<String>,
}

/// One query for all of [`SessionInfo`].
pub async fn session_info(client: &Db) -> Result<SessionInfo> {
    // pg_stat_ssl is the server's own view of this session's TLS.
    let row = client
        .query_one(
            "SELECT current_setting('server_version'), current_database(), current_user::text, \
                    pg_is_in_recovery(), coalesce(s.ssl, false), s.version, s.cipher \
             FROM (SELECT pg_backend_pid() AS pid) me \
             LEFT JOIN pg_stat_ssl s ON s.pid = me.pid",
            &[],
        )
        .await
        .context("cannot query the server")?;
    Ok(SessionInfo {
        server_version: row.get(0),
        database: row.get(1),
        user: row.get(2),
        in_recovery: row.get(3),
        tls: row.get(4),
        tls_version: row.get(5),
        tls_cipher: row.get(6),
    })
}
