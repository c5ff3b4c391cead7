//! Stop signals: SIGINT (Ctrl-C) and SIGTERM as one future a command selects on, and the exit
//! code each ends it with (130, 143). What is cut short is the command's to say: its reports
//! are written, marked partial.

use crate::exit::Exit;

/// Waits for SIGINT or SIGTERM; returns the exit code the command then ends with.
pub async fn requested() -> Exit {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            Ok(()) = tokio::signal::ctrl_c() => return Exit::Interrupted,
            _ = term.recv() => return Exit::Terminated,
        }
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => Exit::Interrupted,
        // No way to hear Ctrl-C: wait for nothing rather than stop at once.
        Err(_) => std::future::pending().await,
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
