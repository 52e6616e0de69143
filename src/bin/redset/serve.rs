//! The HTTP servers of `metrics` and `dashboard`: axum on a listening socket, each
//! request told its peer's address, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use crate::exit::Failure;

/// Listens on `address` (port 0: any free port); gives the listener and the address it
/// got.
pub async fn listen(address: SocketAddr) -> Result<(TcpListener, SocketAddr), Failure> {
    let listener = TcpListener::bind(address).await.map_err(|err| {
        Failure::Io(std::io::Error::new(
            err.kind(),
            format!("cannot listen on {address}: {err}"),
        ))
    })?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM; its handlers may extract
/// `ConnectInfo<SocketAddr>`, the peer's address.
pub async fn until_stopped(listener: TcpListener, app: Router) -> Result<(), Failure> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped())
    .await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM as a service manager sends it.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
