//! Restoring an archive: into a new database (`pg_restore --single-transaction`), or over an
//! existing one in ONE transaction (drop every user schema, then the archive's script through
//! psql). Also the statements around it: whether a database exists, creating and dropping one.
//! An encrypted archive is decrypted into pg_restore's stdin as it reads ([`Archive`]).

use std::process::Stdio;

use anyhow::{Context as _, Result};
use postgres_protocol::escape::escape_identifier;

use super::archive::Archive;
use super::connected_tool;
use crate::db::pgtools::{stderr_excerpt, PgTools};
use crate::db::Db;
use crate::exit::failed;
use crate::output::Output;

/// Whether a database of that name exists on the server.
pub async fn database_exists(client: &Db, name: &str) -> Result<bool> {
    Ok(client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .context("cannot list databases")?
        .is_some())
}

/// `CREATE DATABASE` (needs CREATEDB).
pub async fn create_database(client: &Db, name: &str) -> Result<()> {
    client
        .utility(&format!("CREATE DATABASE {}", escape_identifier(name)))
        .await
        .with_context(|| format!("cannot create database {name} (needs CREATEDB)"))
}

/// `DROP DATABASE IF EXISTS … WITH (FORCE)`, best effort (undoing a failed restore).
pub async fn drop_database(client: &Db, name: &str) {
    let _ = client
        .utility(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            escape_identifier(name)
        ))
        .await;
}

/// A conninfo naming only the database; host, user and password come from the environment.
fn dbname_conninfo(dbname: &str) -> String {
    format!(
        "dbname='{}'",
        dbname.replace('\\', "\\\\").replace('\'', "\\'")
    )
}

/// Restore into a new, empty database with pg_restore, in one transaction.
pub async fn restore_into_new(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    dbname: &str,
    archive: &Archive<'_>,
    out: &Output,
) -> Result<()> {
    let mut cmd = connected_tool(&tools.pg_restore, config);
    cmd.args(["--no-password", "--single-transaction", "--exit-on-error"])
        .arg("--dbname")
        .arg(dbname_conninfo(dbname));
    archive.attach(&mut cmd);
    let spinner = out.spinner(format!("pg_restore into {dbname}"));
    let result = archive.run(cmd, true).await;
    spinner.finish_and_clear();
    let result = result.map_err(|e| {
        failed(format!(
            "pg_restore into {dbname} failed (nothing was committed): {e}"
        ))
    })?;
    if !result.status.success() {
        return Err(failed(format!(
            "pg_restore into {dbname} failed and was rolled back: {}",
            stderr_excerpt(&result.stderr)
        )));
    }
    Ok(())
}

/// Drops every non-system schema (and so every object in it); names come from the catalog.
const DROP_USER_SCHEMAS: &str = "DO $taskdb$ DECLARE s name; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $taskdb$;
";

/// Replace everything in an existing database with the archive, in ONE transaction: drop every
/// user schema, then run the archive's script (pg_restore --single-transaction | psql). A
/// failure anywhere rolls the whole thing back. (`pg_restore --clean` cannot do this: it trips
/// over partition constraints and leaves objects the archive does not know about.)
pub async fn restore_over(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    dbname: &str,
    archive: &Archive<'_>,
    out: &Output,
) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let prelude = prelude(tools, archive).await?;
    let (mut script, mut psql) = script_and_psql(tools, config, dbname, archive);
    let spinner = out.spinner(format!("restoring into {dbname}"));
    let mut psql = psql
        .spawn()
        .with_context(|| format!("cannot run {}", tools.psql.display()))?;
    let mut script = script
        .spawn()
        .with_context(|| format!("cannot run {}", tools.pg_restore.display()))?;
    let mut psql_in = psql
        .stdin
        .take()
        .ok_or_else(|| failed("psql has no stdin"))?;
    let mut script_out = script
        .stdout
        .take()
        .ok_or_else(|| failed("pg_restore has no stdout"))?;
    let script_in = script.stdin.take();
    let feed = async {
        psql_in.write_all(prelude.as_bytes()).await?;
        tokio::io::copy(&mut script_out, &mut psql_in).await?;
        psql_in.shutdown().await?;
        drop(psql_in);
        Ok::<_, std::io::Error>(())
    };
    // psql stops reading at the first error (broken pipe here); its own message says why.
    let (archive_fed, fed) = tokio::join!(archive.feed(script_in, true), feed);
    let script_result = script.wait_with_output().await?;
    let psql_result = psql.wait_with_output().await?;
    spinner.finish_and_clear();
    if !psql_result.status.success() {
        return Err(failed(format!(
            "restoring into {dbname} failed and was rolled back: {}",
            stderr_excerpt(&psql_result.stderr)
        )));
    }
    if let Err(e) = archive_fed {
        // pg_restore saw the archive end early, so no COMMIT reached psql.
        return Err(failed(format!(
            "restoring into {dbname} failed and was rolled back: {e}"
        )));
    }
    if !script_result.status.success() {
        // No COMMIT reached psql, so the session ended with the transaction rolled back.
        return Err(failed(format!(
            "pg_restore could not read the whole archive (rolled back): {}",
            stderr_excerpt(&script_result.stderr)
        )));
    }
    fed.with_context(|| format!("cannot feed the archive to psql for {dbname}"))?;
    Ok(())
}

/// What psql runs before the archive's script. Our BEGIN opens the transaction; the script's
/// own BEGIN (--single-transaction) is then a harmless warning, and its COMMIT at the very end
/// — written only when pg_restore got through the whole archive — commits everything. Anything
/// less ends in a rollback.
async fn prelude(tools: &PgTools, archive: &Archive<'_>) -> Result<String> {
    // pg_dump does not emit CREATE SCHEMA public (it assumes it exists); recreate it unless
    // the archive does.
    let list = archive
        .list(tools)
        .await
        .map_err(|e| failed(format!("cannot list the archive's contents: {e}")))?;
    let creates_public = String::from_utf8_lossy(&list.stdout)
        .lines()
        .any(|l| !l.starts_with(';') && l.contains(" SCHEMA - public "));
    let mut prelude = String::from("BEGIN;\n");
    prelude.push_str(DROP_USER_SCHEMAS);
    if !creates_public {
        prelude.push_str("CREATE SCHEMA public;\n");
    }
    Ok(prelude)
}

/// `pg_restore --file=-` writing the archive's script, and the psql that runs it (stopping at
/// the first error), both dying with taskdb.
fn script_and_psql(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    dbname: &str,
    archive: &Archive<'_>,
) -> (tokio::process::Command, tokio::process::Command) {
    let mut script = tokio::process::Command::new(&tools.pg_restore);
    script.args(["--file=-", "--exit-on-error", "--single-transaction"]);
    archive.attach(&mut script);
    script
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::platform::child::dying_with_parent(&mut script);
    let mut psql = connected_tool(&tools.psql, config);
    psql.args([
        "-X",
        "-q",
        "--no-password",
        "-v",
        "ON_ERROR_STOP=1",
        "--file=-",
        "--dbname",
    ])
    .arg(dbname_conninfo(dbname))
    .stdin(Stdio::piped());
    (script, psql)
}
