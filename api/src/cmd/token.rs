//! `verbund token issue|revoke`: tokens from the command line (the first one, or when no
//! administrator token is at hand).

use std::process::ExitCode;

use anyhow::Context as _;
use verbund_domain::{Principal, SIGN_IN_LINK_LIFETIME, TokenId, TokenPurpose};
use verbund_ledger::{Actor, LogId};

use crate::app::{self, App, IssuedToken, Request};
use crate::cmd::Database;

#[derive(Debug, clap::Subcommand)]
pub enum Token {
    /// Issue a token and print its secret, once.
    Issue(IssueArgs),
    /// Revoke a token by its id.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative.
    pub coop: String,
    /// `member:NUMBER`, `person:ID`, `admin`, `auditor`, `regulator` or `citizen-investor`.
    pub principal: String,
    /// Days until it expires (1 to 366).
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Issue a sign-in link for the pages instead (a person, `auditor` or `regulator`; used
    /// once, valid 72 hours) and print it.
    #[arg(long)]
    pub link: bool,
    /// Where the pages are reached, for the link (`--base-url` is its older name). Default:
    /// the server's default address, `http://127.0.0.1:8080`.
    #[arg(long, alias = "base-url", env = "VERBUND_PUBLIC_URL", value_parser = crate::web::public_url)]
    pub public_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative.
    pub coop: String,
    /// The token's id.
    pub token: String,
}

pub async fn run(command: Token) -> anyhow::Result<ExitCode> {
    let database = match &command {
        Token::Issue(args) => &args.database,
        Token::Revoke(args) => &args.database,
    };
    let app = App::open(database.config()).await?;
    let result = match command {
        Token::Issue(args) => {
            async {
                let log = app::parse_coop(&args.coop)?;
                let principal = Principal::parse(&args.principal)?;
                if args.link {
                    let link = sign_in_link(&app, &log, principal).await?;
                    say!(
                        "sign-in link for {principal} until {}, to be opened once:",
                        link.expires_at
                    );
                    let secret = link.secret.as_ref().map(|s| s.expose()).unwrap_or_default();
                    let base = args
                        .public_url
                        .as_deref()
                        .unwrap_or("http://127.0.0.1:8080");
                    say!("{}", crate::web::sign_in_url(base, &log, secret));
                    return anyhow::Ok(());
                }
                let token = issue(&app, &log, principal, args.days).await?;
                say!(
                    "token {} for {} until {}",
                    token.token,
                    token.principal,
                    token.expires_at
                );
                say!(
                    "{}",
                    token
                        .secret
                        .as_ref()
                        .map(|s| s.expose())
                        .unwrap_or_default()
                );
                anyhow::Ok(())
            }
            .await
        }
        Token::Revoke(args) => {
            async {
                let log = app::parse_coop(&args.coop)?;
                let token = TokenId::parse(&args.token)?;
                let executed =
                    app::revoke_token(&app, &cli_request(&log, token.as_str()), token).await?;
                say!("revoked at position {}", executed.last);
                anyhow::Ok(())
            }
            .await
        }
    };
    app.close().await;
    result.map(|()| ExitCode::SUCCESS)
}

fn cli_request(log: &LogId, what: &str) -> Request {
    Request {
        coop: log.clone(),
        actor: Actor::parse("cli").expect("a valid actor"),
        key: None,
        digest: *blake3::hash(what.as_bytes()).as_bytes(),
    }
}

/// Issues a token from the command line.
pub async fn issue(
    app: &App,
    log: &LogId,
    principal: Principal,
    days: u32,
) -> anyhow::Result<IssuedToken> {
    anyhow::ensure!((1..=366).contains(&days), "a token lives 1 to 366 days");
    let expires_at =
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(i64::from(days) * 24);
    app::issue_token(
        app,
        &cli_request(log, &principal.to_string()),
        principal,
        TokenPurpose::Api,
        expires_at,
    )
    .await
    .with_context(|| format!("cannot issue a token for {principal} in {log}"))
}

/// Issues a sign-in link (a person, an auditor, a regulator) from the command line.
pub async fn sign_in_link(
    app: &App,
    log: &LogId,
    principal: Principal,
) -> anyhow::Result<IssuedToken> {
    app::issue_token(
        app,
        &cli_request(log, &format!("link:{principal}:{}", app::random_hex(8))),
        principal,
        TokenPurpose::SignInLink,
        jiff::Timestamp::now() + SIGN_IN_LINK_LIFETIME,
    )
    .await
    .with_context(|| format!("cannot issue a sign-in link for {principal} in {log}"))
}
