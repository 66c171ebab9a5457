//! SIGINT and SIGTERM: which one arrived, and the error (exit 130 / 143) that ends the command.

use crate::exit::{self, Exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// Wait for SIGINT or SIGTERM. If a handler cannot be installed, that signal keeps its default
/// action (the process ends at once) and only the other one is awaited.
pub async fn wait() -> Signal {
    use tokio::signal::unix::{signal, SignalKind};
    async fn next(s: Option<&mut tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        _ = next(int.as_mut()) => Signal::Interrupt,
        _ = next(term.as_mut()) => Signal::Terminate,
    }
}

/// The one-line error a signal ends the command with: 128 + the signal number, as shells do.
pub fn interrupted(signal: Signal, cancelled: usize) -> anyhow::Error {
    // A prompt (dialoguer) may have hidden the cursor; give it back, but write escape codes
    // only to a terminal.
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let _ = console::Term::stderr().show_cursor();
    }
    let (code, name) = match signal {
        Signal::Interrupt => (Exit::INTERRUPTED, "SIGINT"),
        Signal::Terminate => (Exit::TERMINATED, "SIGTERM"),
    };
    let what = match cancelled {
        0 => String::new(),
        1 => "; asked the server to cancel the statement on its connection".into(),
        n => format!("; asked the server to cancel the statements on its {n} connections"),
    };
    exit::Error::WithCode(code, format!("interrupted by {name}{what}")).into()
}
