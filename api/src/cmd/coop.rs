//! `verbund coop create`: found a cooperative from its statute and founding file; `verbund coop
//! import`: move an existing one in from its opening state (D1). Each prints the first
//! administrator token, once.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use verbund_domain::Principal;
use verbund_ledger::Actor;

use crate::app::{self, App, FoundingFile, Request};
use crate::cmd::Database;

#[derive(Debug, clap::Subcommand)]
pub enum Coop {
    /// Found a cooperative: record its statute, founders and first officers, and issue the
    /// first administrator token.
    Create(CreateArgs),
    /// Move an existing cooperative in: record its opening state on its go-live day (its
    /// members, officers and opening balances), and issue the first administrator token.
    Import(ImportArgs),
    /// Prepare a cooperative to move in through the API: create its log and issue an
    /// administrator token, who then posts the opening state (`POST …/moving-in`).
    Prepare(PrepareArgs),
}

#[derive(Debug, clap::Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative's id: lowercase letters, digits and '-', e.g. dorfhandwerk-eg.
    pub id: String,
    /// Days until the administrator token expires (1 to 366).
    #[arg(long, default_value_t = 90)]
    pub token_days: u32,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative's id: lowercase letters, digits and '-', e.g. dorfhandwerk-eg.
    pub id: String,
    /// The statute in force on the go-live day (TOML).
    #[arg(long)]
    pub statute: PathBuf,
    /// The opening state: founding and go-live days, officers, opening balances (TOML).
    #[arg(long)]
    pub opening: PathBuf,
    /// The member list on the go-live day (CSV with a header row; see examples/moving-in).
    #[arg(long)]
    pub members: PathBuf,
    /// Days until the administrator token expires (1 to 366).
    #[arg(long, default_value_t = 90)]
    pub token_days: u32,
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative's id: lowercase letters, digits and '-', e.g. dorfhandwerk-eg.
    pub id: String,
    /// The statute (TOML).
    #[arg(long)]
    pub statute: PathBuf,
    /// The founders and first officers (TOML).
    #[arg(long)]
    pub founding: PathBuf,
    /// Days until the administrator token expires (1 to 366).
    #[arg(long, default_value_t = 90)]
    pub token_days: u32,
}

pub async fn run(command: Coop) -> anyhow::Result<ExitCode> {
    match command {
        Coop::Create(args) => create(args).await,
        Coop::Import(args) => import(args).await,
        Coop::Prepare(args) => prepare(args).await,
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let statute = std::fs::read_to_string(&args.statute)
        .with_context(|| format!("cannot read the statute {}", args.statute.display()))?;
    let founding = std::fs::read_to_string(&args.founding)
        .with_context(|| format!("cannot read the founding file {}", args.founding.display()))?;
    let founding = FoundingFile::parse_toml(&founding)?;
    let log = app::parse_coop(&args.id)?;
    let app = App::open(args.database.config()).await?;
    let result = async {
        let request = Request {
            coop: log.clone(),
            actor: Actor::parse("cli").expect("a valid actor"),
            key: Some(format!("found-{log}")),
            digest: *blake3::hash(statute.as_bytes()).as_bytes(),
        };
        let founded = app::found_cooperative(&app, &request, &statute, founding).await?;
        let token = create_admin_token(&app, &log, args.token_days).await?;
        anyhow::Ok((founded, token))
    }
    .await;
    app.close().await;
    let (founded, token) = result?;
    say!(
        "founded {log}: events {} to {}",
        founded.first,
        founded.last
    );
    say!("administrator token (shown once, keep it safe):");
    say!(
        "{}",
        token
            .secret
            .as_ref()
            .map(|s| s.expose())
            .unwrap_or("(already issued)")
    );
    Ok(ExitCode::SUCCESS)
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let read = |path: &PathBuf, what: &str| {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} {}", path.display()))
    };
    let statute = read(&args.statute, "statute")?;
    let opening = app::OpeningFile::parse_toml(&read(&args.opening, "opening file")?)?;
    let members = app::parse_opening_members(&read(&args.members, "member list")?)?;
    let log = app::parse_coop(&args.id)?;
    let app = App::open(args.database.config()).await?;
    let result = async {
        let request = Request {
            coop: log.clone(),
            actor: Actor::parse("cli").expect("a valid actor"),
            key: Some(format!("move-in-{log}")),
            digest: *blake3::hash(statute.as_bytes()).as_bytes(),
        };
        let moved = app::move_in_cooperative(&app, &request, &statute, opening, members).await?;
        let token = create_admin_token(&app, &log, args.token_days).await?;
        anyhow::Ok((moved, token))
    }
    .await;
    app.close().await;
    let (moved, token) = result?;
    say!("moved {log} in: events {} to {}", moved.first, moved.last);
    say!("administrator token (shown once, keep it safe):");
    say!(
        "{}",
        token
            .secret
            .as_ref()
            .map(|s| s.expose())
            .unwrap_or("(already issued)")
    );
    Ok(ExitCode::SUCCESS)
}

async fn prepare(args: PrepareArgs) -> anyhow::Result<ExitCode> {
    let log = app::parse_coop(&args.id)?;
    let app = App::open(args.database.config()).await?;
    let result = async {
        match app.ledger().create_log(&log).await {
            Ok(()) | Err(verbund_ledger::LedgerError::LogExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
        app.discover().await?;
        create_admin_token(&app, &log, args.token_days).await
    }
    .await;
    app.close().await;
    let token = result?;
    say!("prepared {log}: post its opening state to /v1/coops/{log}/moving-in");
    say!("administrator token (shown once, keep it safe):");
    say!(
        "{}",
        token
            .secret
            .as_ref()
            .map(|s| s.expose())
            .unwrap_or("(already issued)")
    );
    Ok(ExitCode::SUCCESS)
}

/// Issues an administrator token for `log` from the command line.
pub async fn create_admin_token(
    app: &App,
    log: &verbund_ledger::LogId,
    days: u32,
) -> anyhow::Result<app::IssuedToken> {
    crate::cmd::token::issue(app, log, Principal::Admin, days).await
}
