//! taskdb: run the PostgreSQL database of an AI-driven CI/CD system and expose it through
//! Cloudflare. `main.rs` only calls [`main_entry`]; everything else is here so tests can use it.

// ARCHITECTURE.md: no function past ~80 lines (the threshold is in clippy.toml).
#![warn(clippy::too_many_lines)]

pub mod bench;
pub mod cli;
pub mod cloudflare;
pub mod commands;
pub mod conninfo;
pub mod context;
pub mod db;
pub mod exit;
pub mod health;
pub mod limits;
pub mod local;
pub mod mcp;
pub mod options;
pub mod output;
pub mod platform;
pub mod settings;
mod signals;
pub mod taskmaster;
pub mod units;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::Exit;

/// Parse arguments, run the command on a current-thread runtime, map errors to exit codes.
pub fn main_entry() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2;
            // for `health`, whose exit codes are Nagios states, 3 = UNKNOWN).
            let code = if !err.use_stderr() {
                Exit::SUCCESS
            } else if is_health_command() {
                Exit::NAGIOS_UNKNOWN
            } else {
                Exit::USAGE
            };
            let _ = err.print();
            return code.into();
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return Exit::FAILURE.into();
        }
    };
    let result = runtime.block_on(run(cli));
    // Do not wait for a blocking task a signal interrupted (a prompt still reading stdin).
    runtime.shutdown_background();
    match result {
        Ok(code) => code.into(),
        Err(err) => report(&err).into(),
    }
}

/// Whether the (unparseable) command line is a `taskdb health` one: clap, told to ignore
/// errors, still finds the subcommand.
fn is_health_command() -> bool {
    use clap::CommandFactory;
    Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(std::env::args_os())
        .ok()
        .is_some_and(|m| m.subcommand_name() == Some("health"))
}

/// Run a parsed command line. SIGINT (Ctrl-C) and SIGTERM cancel the statements in flight
/// and stop child tools before taskdb exits (130 / 143): closing the socket alone would leave
/// the server running them, holding their locks.
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    let health = matches!(cli.command, cli::Command::Health(_));
    let ctx = match context::Context::new(cli.global, cli.command.database_use()) {
        Ok(ctx) => ctx,
        // A bad config file is a usage error; for `health` that is UNKNOWN (3).
        Err(e) if health && exit::code_for(&e) == Exit::USAGE => {
            return Err(exit::Error::WithCode(Exit::NAGIOS_UNKNOWN, format!("{e:#}")).into())
        }
        Err(e) => return Err(e),
    };
    let explain = |e| db::explain_refusal(e, ctx.connected_role());
    if cli.command.handles_signals() {
        return cli.command.dispatch(&ctx).await.map_err(explain);
    }
    let caught = std::cell::Cell::new(None);
    // Cancels while the command is still alive (its connections registered, its children
    // unreaped); the command may then end first, with the cancel's error, which `caught` overrides.
    let interrupted = async {
        let signal = signals::wait().await;
        caught.set(Some(signal));
        let cancelled = db::cancel::cancel_all(std::time::Duration::from_secs(2)).await;
        (signal, cancelled)
    };
    tokio::pin!(interrupted);
    let result = tokio::select! {
        result = cli.command.dispatch(&ctx) => result,
        (signal, cancelled) = &mut interrupted => return Err(signals::interrupted(signal, cancelled)),
    };
    if caught.get().is_some() {
        let (signal, cancelled) = interrupted.await;
        return Err(signals::interrupted(signal, cancelled));
    }
    result.map_err(explain)
}

/// Print an error as one line on stderr and return its exit code.
fn report(err: &anyhow::Error) -> Exit {
    if exit::is_broken_pipe(err) {
        return Exit::SUCCESS;
    }
    let code = exit::code_for(err);
    if let Some(exit::Error::Silent(_)) = err.downcast_ref::<exit::Error>() {
        return code;
    }
    let text = db::error_line(err);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if !no_color && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("{} {text}", console::style("error:").red().bold());
    } else {
        eprintln!("error: {text}");
    }
    code
}
