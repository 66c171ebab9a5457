//! SIGINT and SIGTERM: which one arrived, and the error (exit 130 / 143) that ends the command.

use crate::exit::{self, Exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// SIGINT and SIGTERM handlers installed once, for a command that reacts to more than one
/// signal (`taskdb worker`: the first stops it gracefully, the second at once). Creating it
/// takes the default action (ending the process) away from both signals, so none is lost
/// between two [`Listener::recv`] calls. If a handler cannot be installed, that signal keeps its
/// default action and only the other one is awaited.
pub struct Listener {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

impl Listener {
    pub fn new() -> Listener {
        use tokio::signal::unix::{signal, SignalKind};
        Listener {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    /// The next SIGINT or SIGTERM.
    pub async fn recv(&mut self) -> Signal {
        async fn next(s: Option<&mut tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(self.int.as_mut()) => Signal::Interrupt,
            _ = next(self.term.as_mut()) => Signal::Terminate,
        }
    }
}

impl Default for Listener {
    fn default() -> Self {
        Listener::new()
    }
}

/// Wait for SIGINT or SIGTERM. If a handler cannot be installed, that signal keeps its default
/// action (the process ends at once) and only the other one is awaited.
pub async fn wait() -> Signal {
    Listener::new().recv().await
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
