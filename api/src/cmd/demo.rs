//! `verbund demo`: what a newcomer runs first. It founds a demo cooperative through the same
//! commands as real data (statute and founding file in `examples/`), issues a token for every
//! role, verifies the log, prints copy-paste requests, and serves the API.
//!
//! Running it again founds nothing anew (the founding carries an idempotency key) and issues
//! fresh tokens.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use verbund_domain::Principal;
use verbund_ledger::{Actor, LogId};

use super::Database;
use crate::app::{self, App, FoundingFile, Request};

/// The demo cooperative's statute.
pub const STATUTE: &str = include_str!("../../../examples/statute.toml");
/// Its founders and first officers.
pub const FOUNDING: &str = include_str!("../../../examples/founding.toml");

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// The demo cooperative's id.
    #[arg(long, default_value = "dorfhandwerk-eg")]
    coop: String,
    /// The address to serve on.
    #[arg(long, env = "VERBUND_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Set up, print the tokens, and exit instead of serving.
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    metrics: super::serve::MetricsBind,
}

/// The tokens the demo hands out: one per role.
const ROLES: &[(&str, &str)] = &[
    ("admin", "administrator: tokens, rebuilds"),
    ("member:1", "board member (Schreinerei Huber GmbH)"),
    (
        "member:2",
        "treasurer and board member (Elektro Maier e.K.)",
    ),
    ("member:3", "supervisory board member (Malerbetrieb Schulz)"),
    ("member:6", "member without office (Bernd Vogel)"),
    ("auditor", "auditing association: reads everything"),
    ("regulator", "regulator: reads everything"),
    ("citizen-investor", "citizen investor"),
];

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let log = app::parse_coop(&args.coop)?;
    let app = App::open(args.database.config()).await?;
    let listener = if args.no_serve {
        None
    } else {
        Some((
            tokio::net::TcpListener::bind(args.bind)
                .await
                .with_context(|| format!("cannot listen on {}", args.bind))?,
            args.metrics.listen().await?,
        ))
    };
    let result = set_up(&app, &log).await;
    let tokens = match result {
        Ok(tokens) => tokens,
        Err(e) => {
            app.close().await;
            return Err(e);
        }
    };
    let Some((listener, metrics)) = listener else {
        app.close().await;
        return Ok(ExitCode::SUCCESS);
    };
    let address = listener.local_addr()?;
    let board = &tokens[1];
    let auditor = &tokens[5];
    say!("\nServing the API on http://{address} (Ctrl-C stops). Try:");
    say!("  curl http://{address}/v1/coops/{log}");
    say!("  curl -H 'Authorization: Bearer {board}' http://{address}/v1/coops/{log}/members");
    say!("  curl -H 'Authorization: Bearer {auditor}' http://{address}/v1/coops/{log}/verify");
    say!(
        "  curl -H 'Authorization: Bearer {auditor}' http://{address}/v1/coops/{log}/books/balance-sheet"
    );
    say!("The API described: http://{address}/docs (OpenAPI: /openapi.json)");
    say!(
        "Metrics for the operator, on this machine only: http://{}/metrics",
        metrics.local_addr()?
    );
    super::serve::serve(app, listener, metrics).await?;
    Ok(ExitCode::SUCCESS)
}

/// Founds the demo cooperative if needed, issues a token per role, verifies the log. Returns
/// the tokens' secrets in the order of `ROLES`.
async fn set_up(app: &App, log: &LogId) -> anyhow::Result<Vec<String>> {
    let request = Request {
        coop: log.clone(),
        actor: Actor::parse("cli:demo").expect("a valid actor"),
        key: Some("demo-founding".into()),
        digest: *blake3::hash(STATUTE.as_bytes()).as_bytes(),
    };
    let founding = FoundingFile::parse_toml(FOUNDING)?;
    let founded = app::found_cooperative(app, &request, STATUTE, founding).await?;
    if founded.replayed {
        say!(
            "The demo cooperative {log} was founded before (events {} to {}).",
            founded.first,
            founded.last
        );
    } else {
        say!(
            "Founded the demo cooperative {log}: statute, 5 founders, board, supervisory board and treasurer as events {} to {}.",
            founded.first,
            founded.last
        );
    }
    // The first money: each founder pays the minimum on their shares, the cooperative pays
    // its first invoice; through the same commands as real data, once.
    let founded_on = jiff::civil::date(2026, 11, 24);
    let treasurer = Request {
        actor: Actor::parse("member:2").expect("a valid actor"),
        ..request.clone()
    };
    let mut money = Vec::new();
    for (member, amount) in [
        (1u32, "200.00"),
        (2, "100.00"),
        (3, "100.00"),
        (4, "100.00"),
        (5, "300.00"),
    ] {
        let member = verbund_domain::MemberNo::new(member).expect("not zero");
        let command = app::membership::RecordSharePayment {
            member,
            payment: verbund_domain::RecordPayment {
                amount: verbund_domain::Money::parse(amount)?,
                received_on: founded_on,
                reference: format!("Founding payment, member {member}"),
                today: app::today(),
            },
        };
        let keyed = Request {
            key: Some(format!("demo-payment-{member}")),
            digest: *blake3::hash(format!("demo-payment-{member}-{amount}").as_bytes()).as_bytes(),
            ..treasurer.clone()
        };
        money.push(app::execute(app, &keyed, &command).await?);
    }
    let invoice = app::books::RecordPayment(verbund_domain::books::RecordPayment {
        entry: verbund_domain::books::EntryId::parse("demoinvoice1")?,
        direction: verbund_domain::books::Direction::Out,
        amount: verbund_domain::Money::parse("119.00")?,
        via: verbund_domain::books::AccountRef::whole(verbund_domain::books::codes::BANK),
        account: verbund_domain::books::AccountRef::whole(verbund_domain::books::codes::OPERATING),
        booked_on: founded_on,
        text: "Notary's invoice for the founding".into(),
        reference: "Invoice 2026-117".into(),
        today: app::today(),
    });
    let keyed = Request {
        key: Some("demo-invoice-1".into()),
        digest: *blake3::hash(b"demo-invoice-1").as_bytes(),
        ..treasurer.clone()
    };
    money.push(app::execute(app, &keyed, &invoice).await?);
    if money.iter().any(|m| !m.replayed) {
        say!(
            "Booked the founders' first payments on their shares and the founding's first invoice."
        );
    }
    say!("\nTokens, one per role (valid 30 days, shown once):");
    let mut secrets = Vec::new();
    for (principal, role) in ROLES {
        let principal = Principal::parse(principal)?;
        let token = super::token::issue(app, log, principal, 30).await?;
        let secret = token
            .secret
            .map(|s| s.expose().to_owned())
            .context("a new token has its secret")?;
        say!(
            "  {:<18} {role}\n  {:<18} {secret}",
            principal.to_string(),
            ""
        );
        secrets.push(secret);
    }
    let report = app.ledger().verify(log, None, &mut |_| {}).await?;
    match &report.first_break {
        None => say!(
            "\nVerified: {} events, chain intact. Head {}:{}",
            report.events_checked,
            report.head.position,
            report.head.hash.to_hex()
        ),
        Some(found) => say!("\nVerification FAILED: {found}"),
    }
    Ok(secrets)
}
