//! `verbund serve`: the HTTP server.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::app::App;
use crate::cmd::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub database: Database,
    /// The address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "VERBUND_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub metrics: MetricsBind,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key); without, plain HTTP for a
    /// reverse proxy in front (docs/operations.md).
    #[arg(long, env = "VERBUND_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "VERBUND_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// The pages are reached over HTTPS through a proxy that ends TLS in front of this server:
    /// their cookies are marked `Secure`, as they are when this server speaks TLS itself.
    #[arg(long, env = "VERBUND_BEHIND_TLS")]
    pub behind_tls: bool,
    #[command(flatten)]
    pub public: super::PublicUrl,
}

/// Where the operator's metrics are served: a listener of their own, on this machine only by
/// default, because they name the cooperatives and count the requests per route.
#[derive(Debug, clap::Args)]
pub struct MetricsBind {
    /// The address of the operator's `/metrics` (Prometheus); port 0 picks a free port
    /// (printed on start). Keep it off public networks.
    #[arg(
        long = "metrics-bind",
        env = "VERBUND_METRICS_BIND",
        default_value = "127.0.0.1:0"
    )]
    pub address: SocketAddr,
}

impl MetricsBind {
    /// Binds the metrics' listener and says where it is.
    pub async fn listen(&self) -> anyhow::Result<tokio::net::TcpListener> {
        let listener = tokio::net::TcpListener::bind(self.address)
            .await
            .with_context(|| format!("cannot listen on {} for the metrics", self.address))?;
        if !self.address.ip().is_loopback() {
            eprintln!(
                "note: the metrics are served on {}, beyond this machine; they name the cooperatives and count requests per route",
                self.address
            );
        }
        Ok(listener)
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Certificates first: a bad one is said before anything starts.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::http::tls::server_config(cert, key)?),
        _ => None,
    };
    let app = App::open(args.database.config()).await?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let metrics = args.metrics.listen().await?;
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    say!("verbund listening on {scheme}://{address}");
    say!(
        "metrics for the operator on http://{}/metrics",
        metrics.local_addr()?
    );
    let public_url = args.public.public_url;
    if let Some(url) = &public_url {
        // Logged, not printed: what a server prints is its two addresses, which scripts read.
        tracing::info!(public_url = %url, "the pages' links point to the public address");
    }
    match tls {
        Some(config) => {
            let listener = crate::http::tls::TlsListener::new(listener, config)?;
            let transport = crate::web::Transport::new(true, public_url);
            serve(app, listener, metrics, transport).await?;
        }
        None => {
            let transport = crate::web::Transport::new(args.behind_tls, public_url);
            serve(app, listener, metrics, transport).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How long a stopping server lets the requests under way finish before it stops anyway.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves the API on `listener` and the operator's metrics on `metrics` until Ctrl-C or
/// SIGTERM; then takes no new requests, ends its event streams, lets the requests under way
/// finish (for at most [`STOP_GRACE`]), commits and answers what was queued for the log, takes
/// last snapshots and closes the database. Nothing is acknowledged that is not durable: an
/// answer is sent only after its commit, and one cut off by the stop was never given.
/// `transport` says whether the pages are reached over TLS (`listener` speaks it, or a proxy in
/// front ends it; the pages' cookies are `Secure` then) and at which address.
pub async fn serve<L>(
    app: App,
    listener: L,
    metrics: tokio::net::TcpListener,
    transport: crate::web::Transport,
) -> anyhow::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    {
        let app = app.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            app.begin_stopping();
        });
    }
    let router = crate::http::router(app.clone()).layer(axum::Extension(transport));
    let operator = axum::serve(metrics, crate::http::operator_router(app.clone()))
        .with_graceful_shutdown(app.stopping());
    let api = axum::serve(listener, router).with_graceful_shutdown(app.stopping());
    let served = async { tokio::join!(api.into_future(), operator.into_future()) };
    let grace = {
        let stopping = app.stopping();
        async move {
            stopping.await;
            tokio::time::sleep(STOP_GRACE).await;
        }
    };
    tokio::select! {
        (api, operator) = served => {
            api.context("the server failed")?;
            operator.context("the metrics' server failed")?;
        }
        () = grace => {
            tracing::warn!("requests still under way {STOP_GRACE:?} after the stop began: stopping anyway");
        }
    }
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
