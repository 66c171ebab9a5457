//! `taskdb tunnel deploy|status|token|delete`: the database behind a remotely-managed Cloudflare
//! Tunnel, a proxied DNS record and (by default) a Cloudflare Access application.
//!
//! `deploy` first reads everything and builds a plan (no writes), so conflicts are reported before
//! anything changes; then it applies only the steps that differ. Running it twice changes nothing
//! the second time, and a run that died half-way is completed by the next one.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::cloudflare::names::{validate_hostname, validate_service, validate_tunnel_name};
use crate::cloudflare::tunnel_plan::DNS_COMMENT;
use crate::cloudflare::tunnel_state::{
    default_service_token_path, default_token_path, read_state, state_path, write_state,
    LocalState, DEFAULT_TUNNEL_NAME,
};
use crate::context::Context;
use crate::exit::{usage, Exit};
use crate::options::ApiTokenOpt;

mod delete;
mod deploy;
mod status;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  taskdb tunnel deploy --hostname db.example.com --access-allow-email-domain example.com
  taskdb tunnel deploy --hostname db.example.com --access-service-token ci --dry-run
  taskdb tunnel status
  taskdb tunnel token --token-file /etc/cloudflared/taskdb.token
  taskdb tunnel delete --yes")]
pub struct TunnelArgs {
    #[command(subcommand)]
    cmd: TunnelCmd,
}

#[derive(Debug, Subcommand)]
enum TunnelCmd {
    /// Create or update the tunnel, its ingress, DNS record and Access application (idempotent)
    #[command(
        after_help = "Steps (each one only if it differs from what is deployed):
  1. find or create the remotely-managed tunnel NAME
  2. put its configuration: HOSTNAME -> SERVICE (tcp://), then the catch-all http_status:404
  3. the Access application for HOSTNAME and its policies (unless --no-access)
  4. the proxied CNAME HOSTNAME -> <tunnel-id>.cfargotunnel.com
  5. write the connector token to a 0600 file
Access comes before DNS so the hostname is never reachable unprotected.

Examples:
  taskdb tunnel deploy --hostname db.example.com --access-allow-email ops@example.com
  taskdb tunnel deploy --hostname db.example.com --access-service-token ci --dry-run"
    )]
    Deploy(DeployArgs),
    /// Show the tunnel's status, connections, ingress, DNS record and Access application
    Status(LookupArgs),
    /// Write the connector token to a 0600 file (or print it with --stdout)
    Token(TokenArgs),
    /// Delete the DNS record, Access application, configuration, connections and tunnel
    #[command(
        after_help = "Deletes in this order: DNS record, Access application (and the \
service token taskdb created), configuration (reduced to the catch-all), connections, tunnel. \
Stop the connector (cloudflared) first. Asks for confirmation (--yes to skip); deleting what is \
already gone succeeds."
    )]
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
struct DeployArgs {
    /// Public hostname of the database, in a zone of your account (e.g. db.example.com)
    #[arg(long, value_name = "HOST")]
    hostname: String,
    /// Tunnel name (unique in the account)
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TUNNEL_NAME)]
    name: String,
    /// Where the connector reaches PostgreSQL (tcp://HOST:PORT)
    #[arg(long, value_name = "URL", default_value = "tcp://127.0.0.1:5432")]
    service: String,
    /// Seconds the connector waits to connect to PostgreSQL
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    connect_timeout: u64,
    /// Allow this email through Access (repeatable)
    #[arg(long = "access-allow-email", value_name = "EMAIL")]
    emails: Vec<String>,
    /// Allow every email of this domain through Access (repeatable)
    #[arg(long = "access-allow-email-domain", value_name = "DOMAIN")]
    email_domains: Vec<String>,
    /// Allow an Access service token (created if missing; its secret goes to a 0600 file once)
    #[arg(long = "access-service-token", value_name = "NAME")]
    service_token: Option<String>,
    /// Where a new service token's client id and secret are written [default: state dir]
    #[arg(long, value_name = "PATH", requires = "service_token")]
    service_token_file: Option<PathBuf>,
    /// No Access application (anyone who can reach the hostname reaches PostgreSQL's login)
    #[arg(long, conflicts_with_all = ["emails", "email_domains", "service_token"])]
    no_access: bool,
    /// Where to write the connector token [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// Replace a DNS record or Access application for HOSTNAME that taskdb did not create
    #[arg(long)]
    force: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    api: ApiTokenOpt,
}

#[derive(Debug, Args)]
struct LookupArgs {
    /// Tunnel name
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TUNNEL_NAME)]
    name: String,
    /// The tunnel's hostname (only needed when taskdb cannot find it: no state, no ingress)
    #[arg(long, value_name = "HOST")]
    hostname: Option<String>,
    #[command(flatten)]
    api: ApiTokenOpt,
}

#[derive(Debug, Args)]
struct TokenArgs {
    #[command(flatten)]
    lookup: LookupArgs,
    /// Write the token here [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]
    #[arg(long, value_name = "PATH", conflicts_with = "stdout")]
    token_file: Option<PathBuf>,
    /// Print the token on stdout instead (it is a secret: pipe it, don't show it)
    #[arg(long)]
    stdout: bool,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    #[command(flatten)]
    lookup: LookupArgs,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: TunnelArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        TunnelCmd::Deploy(a) => deploy::run(a, ctx).await,
        TunnelCmd::Status(a) => status::status(a, ctx).await,
        TunnelCmd::Token(a) => status::token(a, ctx).await,
        TunnelCmd::Delete(a) => delete::run(a, ctx).await,
    }
}

// ---- input validation ---------------------------------------------------------------------------

fn validate_deploy(a: &DeployArgs) -> Result<(String, String)> {
    let host = validate_hostname(&a.hostname)?;
    let service = validate_service(&a.service)?;
    validate_tunnel_name(&a.name)?;
    if a.connect_timeout == 0 || a.connect_timeout > 3600 {
        return Err(usage("--connect-timeout must be 1-3600 seconds"));
    }
    for e in &a.emails {
        let ok = e.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !e.contains(char::is_whitespace)
        });
        if !ok {
            return Err(usage(format!(
                "--access-allow-email {e:?} is not an email address"
            )));
        }
    }
    for d in &a.email_domains {
        validate_hostname(d)
            .map_err(|_| usage(format!("--access-allow-email-domain {d:?} is not a domain")))?;
    }
    if let Some(t) = &a.service_token {
        let ok = !t.is_empty()
            && t.len() <= 100
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            && !t.starts_with('.');
        if !ok {
            return Err(usage(
                "--access-service-token NAME: 1-100 letters, digits, '-', '_' or '.'",
            ));
        }
    }
    if !a.no_access
        && a.emails.is_empty()
        && a.email_domains.is_empty()
        && a.service_token.is_none()
    {
        return Err(usage(
            "say who may connect: --access-allow-email, --access-allow-email-domain, \
             --access-service-token, or --no-access",
        ));
    }
    Ok((host, service))
}
