//! `verbund demo`: what a newcomer runs first. It founds a demo cooperative through the same
//! commands as real data (statute and founding file in `examples/`), issues a token for every
//! role and a sign-in link for a person of each role, convenes an assembly held today with a
//! ballot open, verifies the log, prints the links and copy-paste requests, and serves the
//! pages and the API.
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
    let base = match &listener {
        Some((listener, _)) => format!("http://{}", listener.local_addr()?),
        None => format!("http://{}", args.bind),
    };
    let result = set_up(&app, &log, &base).await;
    let (tokens, links) = match result {
        Ok(set) => set,
        Err(e) => {
            app.close().await;
            return Err(e);
        }
    };
    let Some((listener, metrics)) = listener else {
        say!("\nSign-in links for the pages, one per person (each opens once, within 72 hours):");
        for (who, link) in &links {
            say!("  {who}\n    {link}");
        }
        app.close().await;
        return Ok(ExitCode::SUCCESS);
    };
    let address = listener.local_addr()?;
    say!("\nThe pages, in German (English by the switch at the top): http://{address}/c/{log}");
    say!("Sign-in links for the pages, one per person (each opens once, within 72 hours):");
    for (who, link) in &links {
        say!("  {who}\n    {link}");
    }
    say!("A ballot is open: sign in as Bernd Vogel, open \"Generalversammlungen\" and vote.");
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
    super::serve::serve(app, listener, metrics, crate::web::Transport::default()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Founds the demo cooperative if needed, issues a token per role and a sign-in link per
/// person, convenes today's assembly with a ballot open, verifies the log. Returns the tokens'
/// secrets in the order of `ROLES`, and each person with their link.
async fn set_up(
    app: &App,
    log: &LogId,
    base: &str,
) -> anyhow::Result<(Vec<String>, Vec<(String, String)>)> {
    let request = Request {
        coop: log.clone(),
        actor: Actor::parse("cli:demo").expect("a valid actor"),
        key: Some("demo-founding".into()),
        digest: *blake3::hash(STATUTE.as_bytes()).as_bytes(),
    };
    let mut founding = FoundingFile::parse_toml(FOUNDING)?;
    // Founded on 1 October of last year: a business year lies behind the demo, for the
    // treasurer to close, and the running one before it.
    founding.founded_on = jiff::civil::date(app::today().year() - 1, 10, 1);
    let founded_on = founding.founded_on;
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
                reference: format!("Überweisung, Mitglied {member}"),
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
        text: "Notarrechnung zur Gründung".into(),
        reference: "Rechnung 2026-117".into(),
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
    let links = people_and_ballot(app, log, &request, base).await?;
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
    Ok((secrets, links))
}

/// The people who sign in to the pages, one per role: who they are and whom they act for.
const PEOPLE: &[(u32, &str, &str)] = &[
    (
        1,
        "managing-director",
        "Josef Huber, board (Schreinerei Huber GmbH)",
    ),
    (
        2,
        "managing-director",
        "Petra Maier, treasurer (Elektro Maier e.K.)",
    ),
    (
        3,
        "managing-director",
        "Klaus Schulz, supervisory board (Malerbetrieb Schulz)",
    ),
    (
        6,
        "themself",
        "Bernd Vogel, member without office, proxy of Anna Berger",
    ),
];

/// The demo's people with their sign-in links, and an assembly held today with the laser
/// cutter's ballot open and a proxy (member 4 to member 6): through the same commands as real
/// data, once (a second run finds them recorded and issues fresh links).
async fn people_and_ballot(
    app: &App,
    log: &LogId,
    request: &Request,
    base: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    use crate::http::commands::Asked;
    use crate::http::governance as gov;
    let keyed = |key: &str| Request {
        key: Some(key.to_owned()),
        digest: *blake3::hash(key.as_bytes()).as_bytes(),
        ..request.clone()
    };
    // The board's commands are mapped from their API bodies as a board member's would be.
    let board = crate::http::auth::Caller {
        principal: Some(Principal::Member {
            member: verbund_domain::MemberNo::FIRST,
        }),
        token: None,
        acting_for: None,
        roles: [verbund_domain::Role::Member, verbund_domain::Role::Board].into(),
    };
    let mapped = |e: crate::http::error::ApiError| anyhow::anyhow!("{}: {}", e.code(), e.detail());
    let today = app::today();
    let day = |offset: i64| today.checked_add(jiff::SignedDuration::from_hours(offset * 24));
    let mut links = Vec::new();
    for (member, capacity, who) in PEOPLE {
        let no = verbund_domain::MemberNo::new(*member).expect("not zero");
        let bits = blake3::hash(format!("demo-person-{member}").as_bytes());
        let person = verbund_domain::PersonId::from_bits(u64::from_le_bytes(
            bits.as_bytes()[..8].try_into().expect("8 bytes"),
        ));
        let body: crate::http::dto::AuthorizeRepresentative =
            serde_json::from_value(serde_json::json!({
                "person": person.to_string(),
                "capacity": capacity,
                "effective_on": today.to_string(),
            }))?;
        let command = app::membership::AuthorizeRepresentative::try_from(Asked::new(
            &board,
            (no, person),
            &body,
        ))
        .map_err(mapped)?;
        app::execute(app, &keyed(&format!("demo-person-{member}")), &command).await?;
        let link = super::token::sign_in_link(app, log, Principal::Person { person }).await?;
        let secret = link.secret.context("a new link has its secret")?;
        links.push((
            (*who).to_owned(),
            crate::web::sign_in_url(base, log, secret.expose()),
        ));
    }
    // The auditing association reads the log and verifies it on its pages.
    let link = super::token::sign_in_link(app, log, Principal::Auditor).await?;
    let secret = link.secret.context("a new link has its secret")?;
    links.push((
        "Prüfungsverband (auditor): the log, its verification, the member list".to_owned(),
        crate::web::sign_in_url(base, log, secret.expose()),
    ));
    // An assembly held today, convened with three weeks' notice (G46), and its motion.
    let assembly = verbund_domain::governance::AssemblyId::parse("demoassembly")?;
    let convene: gov::ConveneBody = serde_json::from_value(serde_json::json!({
        "form": "hybrid",
        "convened_on": day(-21)?.to_string(),
        "held_on": today.to_string(),
        "place": "Gasthaus zur Post, Musterdorf, und online",
        "participation": "Teilnahme mit dem Link der Einladung; Abstimmung im Mitgliederbereich",
        "chair": 3,
        "agenda": ["Gemeinsame Investition: ein Laserschneider", "Verschiedenes"],
    }))?;
    let command =
        app::governance::Convene::try_from(Asked::new(&board, assembly.clone(), &convene))
            .map_err(mapped)?;
    app::execute(app, &keyed("demo-assembly"), &command).await?;
    let motion = verbund_domain::governance::MotionId::parse("lasercutter")?;
    let put: gov::PutMotionBody = serde_json::from_value(serde_json::json!({
        "assembly": assembly.to_string(),
        "title": "Ein Laserschneider für den Verbund",
        "proposal": {
            "kind": "joint-investment",
            "asset": "CO2-Laserschneider, Arbeitsfläche 1300 × 900 mm",
            "amount": "48000.00",
            "funding_plan": "Mitgliederdarlehen 30.000 €, Bankdarlehen 18.000 €; die Nutzungsentgelte tilgen beide",
        },
        "votes_changeable": true,
        "announced_on": day(-21)?.to_string(),
    }))?;
    let command = app::governance::PutMotion::try_from(Asked::new(&board, motion.clone(), &put))
        .map_err(mapped)?;
    app::execute(app, &keyed("demo-motion"), &command).await?;
    let proxy: gov::GrantProxyBody = serde_json::from_value(serde_json::json!({
        "proxy": 6,
        "evidence": "Schriftliche Vollmacht vom Tag der Einladung",
        "granted_on": today.to_string(),
    }))?;
    let four = verbund_domain::MemberNo::new(4).expect("not zero");
    let command =
        app::governance::GrantProxy::try_from(Asked::new(&board, four, &proxy)).map_err(mapped)?;
    app::execute(app, &keyed("demo-proxy"), &command).await?;
    let open: gov::OpenBody = serde_json::from_value(serde_json::json!({}))?;
    let open =
        verbund_domain::governance::OpenBallot::try_from(Asked::new(&board, motion.clone(), &open))
            .map_err(mapped)?;
    app::open_ballot(app, &keyed("demo-open"), &motion, open).await?;
    Ok(links)
}
