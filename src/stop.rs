//! Stop signals: SIGINT (Ctrl-C) and SIGTERM, listened for from the moment a command asks, as
//! one future it selects on, and the exit code each ends it with (130, 143). What is cut short
//! is the command's to say: its reports are written, marked partial.

use crate::exit::Exit;

/// SIGINT and SIGTERM, listened for from the moment this is made (a signal that comes before
/// the command first waits is not lost, and does not kill the process outright).
pub struct StopSignals {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    /// Starts listening now.
    pub fn listen() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            StopSignals { signals: signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok()) }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    /// Waits for the next one; returns the exit code the command then ends with.
    pub async fn next(&mut self) -> Exit {
        #[cfg(unix)]
        if let Some((int, term)) = self.signals.as_mut() {
            tokio::select! {
                _ = int.recv() => return Exit::Interrupted,
                _ = term.recv() => return Exit::Terminated,
            }
        }
        match tokio::signal::ctrl_c().await {
            Ok(()) => Exit::Interrupted,
            // No way to hear Ctrl-C: wait for nothing rather than stop at once.
            Err(_) => std::future::pending().await,
        }
    }
}

/// Waits for SIGTERM alone (where another handler owns SIGINT, as goose does during a load).
pub async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        term.recv().await;
        return;
    }
    std::future::pending::<()>().await
}
