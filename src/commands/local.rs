//! `taskdb local start|stop|status|url|destroy`: the managed local PostgreSQL cluster.

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::context::Context;
use crate::exit::{failed, Exit};
use crate::local::Cluster;

#[derive(Debug, Args)]
pub struct LocalArgs {
    #[command(subcommand)]
    cmd: LocalCmd,
}

#[derive(Debug, Subcommand)]
enum LocalCmd {
    /// Create (first time) and start the local cluster; does nothing if it is running
    Start,
    /// Stop the local cluster
    Stop,
    /// Show whether the local cluster runs, its pid, port, version and data directory
    Status,
    /// Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)
    Url,
    /// Stop the local cluster and delete its data (asks first; --yes to skip)
    Destroy,
}

pub async fn run(args: LocalArgs, ctx: &Context) -> Result<Exit> {
    let cluster = Cluster::new(&ctx.settings.local_data_dir.value);
    match args.cmd {
        LocalCmd::Start => {
            let started = cluster.start_off_runtime(&ctx.out).await?;
            let port = cluster.record().map(|r| r.port).unwrap_or_default();
            crate::local::ensure_database(&cluster, port).await?;
            if started {
                ctx.out.note(format!(
                    "local cluster started: {} (port {port})",
                    cluster.root.display()
                ));
            } else {
                ctx.out.note("local cluster already running");
            }
            Ok(Exit::SUCCESS)
        }
        LocalCmd::Stop => {
            if cluster.stop()? {
                ctx.out.note("local cluster stopped");
            } else {
                ctx.out.note("local cluster was not running");
            }
            Ok(Exit::SUCCESS)
        }
        LocalCmd::Status => {
            let s = cluster.status();
            let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            ctx.out.record(
                &s,
                &[
                    ("running", s.running.to_string()),
                    ("initialized", s.initialized.to_string()),
                    ("pid", opt(s.pid.map(|p| p.to_string()))),
                    ("port", opt(s.port.map(|p| p.to_string()))),
                    ("version", opt(s.version.clone())),
                    ("data_dir", s.data_dir.display().to_string()),
                    ("socket_dir", s.socket_dir.display().to_string()),
                ],
            )?;
            Ok(Exit::SUCCESS)
        }
        LocalCmd::Url => {
            let record = cluster.record().ok_or_else(|| {
                failed("the local cluster has not been created yet; run `taskdb local start`")
            })?;
            ctx.out.line(cluster.url(record.port))?;
            Ok(Exit::SUCCESS)
        }
        LocalCmd::Destroy => {
            if !cluster.root.exists() {
                ctx.out.note("nothing to destroy: no local cluster");
                return Ok(Exit::SUCCESS);
            }
            ctx.out
                .confirm(&format!(
                    "delete the local cluster and all its data in {}?",
                    cluster.root.display()
                ))
                .await?;
            cluster.destroy()?;
            ctx.out.note("local cluster destroyed");
            Ok(Exit::SUCCESS)
        }
    }
}
