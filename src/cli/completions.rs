//! `taskdb completions <shell>` and the hidden `taskdb generate-man <dir>`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::exit::Exit;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, Args)]
pub struct GenerateManArgs {
    /// Directory to write the man pages into
    dir: PathBuf,
}

pub fn run(args: CompletionsArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "taskdb", &mut out);
    Ok(Exit::SUCCESS)
}

pub fn generate_man(args: GenerateManArgs) -> Result<Exit> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (name, page) in man_pages()? {
        std::fs::write(args.dir.join(&name), page)
            .with_context(|| format!("cannot write {name}"))?;
    }
    Ok(Exit::SUCCESS)
}

/// Every completion script, as (file name, contents), for `completions/`.
pub fn completion_scripts() -> Vec<(String, Vec<u8>)> {
    let shells = [
        (Shell::Bash, "taskdb.bash"),
        (Shell::Zsh, "_taskdb"),
        (Shell::Fish, "taskdb.fish"),
        (Shell::Elvish, "taskdb.elv"),
        (Shell::PowerShell, "_taskdb.ps1"),
    ];
    shells
        .into_iter()
        .map(|(shell, file)| {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "taskdb", &mut buf);
            (file.to_string(), buf)
        })
        .collect()
}

/// One man page per (sub)command, as (file name, contents), for `man/`.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut pages = Vec::new();
    let mut cmd = Cli::command();
    cmd.build();
    collect_pages(&cmd, "taskdb", &mut pages)?;
    Ok(pages)
}

fn collect_pages(
    cmd: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> Result<()> {
    if cmd.is_hide_set() {
        return Ok(());
    }
    let mut buf = Vec::new();
    let page_cmd = cmd.clone().name(name.to_string());
    let man = clap_mangen::Man::new(page_cmd);
    man.render(&mut buf)?;
    if name == "taskdb" {
        buf.extend_from_slice(EXIT_STATUS_SECTION.as_bytes());
    }
    pages.push((format!("{name}.1"), buf));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// Exit codes for the main man page (the same table as src/exit.rs and the README).
const EXIT_STATUS_SECTION: &str = r#".SH "EXIT STATUS"
.TP
0
Success (health: OK).
.TP
1
The operation failed: database, Cloudflare API, I/O (health: WARNING); also a command that writes whose connection reached a standby.
.TP
2
Invalid usage or input; nothing was changed (health: CRITICAL); also a command that writes in read-only mode (--read-only), or with a target_session_attrs that seeks a standby.
.TP
3
health only: UNKNOWN, a probe could not run, or a health usage error.
.TP
4
Nothing to claim: task next --claim --wait waited and nothing arrived; worker --once found nothing.
.TP
5
Not permitted by the database's privileges: the connected role lacks a grant (SQLSTATE 42501), or role create/rotate/drop without CREATEROLE.
.TP
6
The database server could not be reached, or the connection was lost (a failover, a restart): safe to retry; a write whose connection broke during its COMMIT may have committed.
.TP
130
Interrupted by SIGINT.
.TP
143
Terminated by SIGTERM.
"#;
