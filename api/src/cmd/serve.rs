//! `verbund serve`: the HTTP server.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::app::{App, Config};
use crate::cmd::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub database: Database,
    /// The address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "VERBUND_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let app = App::open(Config {
        database_url: args.database.database_url.clone(),
        runtime: Default::default(),
    })
    .await?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    say!("verbund listening on http://{address}");
    serve(app, listener).await?;
    Ok(ExitCode::SUCCESS)
}

/// Serves until Ctrl-C or SIGTERM, then stops taking requests, finishes those under way, takes
/// last snapshots and closes the database.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let router = crate::http::router(app.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server failed")?;
    app.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
