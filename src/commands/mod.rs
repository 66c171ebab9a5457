//! One module per noun. Each owns its clap `Args` and a `run` function.

pub mod backup;
pub mod bench;
pub mod completions;
pub mod config;
pub mod health;
pub mod local;
pub mod maintain;
pub mod metrics;
pub mod migrate;
pub mod task;
pub mod tunnel;
pub mod waf;
pub mod workflow;

use anyhow::Result;

use crate::cli::Command;
use crate::context::Context;
use crate::exit::Exit;

/// Dispatch a parsed command.
pub async fn dispatch(command: Command, ctx: &Context) -> Result<Exit> {
    match command {
        Command::Local(args) => local::run(args, ctx).await,
        Command::Migrate(args) => migrate::run(args, ctx).await,
        Command::Backup(args) => backup::run(args, ctx).await,
        Command::Bench(args) => bench::run(args, ctx).await,
        Command::Config(args) => config::run(args, ctx).await,
        Command::Health(args) => health::run(args, ctx).await,
        Command::Metrics(args) => metrics::run(args, ctx).await,
        Command::Maintain(args) => maintain::run(args, ctx).await,
        Command::Task(args) => task::run(*args, ctx).await,
        Command::Workflow(args) => workflow::run(args, ctx).await,
        Command::Tunnel(args) => tunnel::run(args, ctx).await,
        Command::Waf(args) => waf::run(args, ctx).await,
        Command::Completions(args) => completions::run(args),
        Command::GenerateMan(args) => completions::generate_man(args),
    }
}
