//! One module per subcommand.

/// Prints a line to standard output, like `println!`, but a closed pipe (`verbund logs | head`)
/// ends the program quietly, as Unix tools do, instead of panicking.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cmd::say_line(format_args!($($arg)*))
    };
}

pub fn say_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(line).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

pub mod append;
pub mod backup;
pub mod coop;
pub mod demo;
pub mod export;
pub mod logs;
pub mod rebuild;
pub mod resume;
pub mod retention;
pub mod serve;
pub mod token;
pub mod verify;

use clap::Args;

/// The address people reach the pages at, shared by the server and `token issue --link`.
#[derive(Debug, Clone, Args)]
pub struct PublicUrl {
    /// The address people reach the pages at (`https://verbund.example.org`), for the sign-in
    /// links handed over to them. Without it the server builds a link from the request's
    /// address, which a proxy in front may have replaced with its own.
    #[arg(long, env = "VERBUND_PUBLIC_URL", value_parser = crate::web::public_url)]
    pub public_url: Option<String>,
}

/// The database option shared by the subcommands.
#[derive(Debug, Clone, Args)]
pub struct Database {
    /// `sqlite:PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "VERBUND_DATABASE_URL", default_value = crate::DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// The key store: the secrets Verbund keeps apart from the database and its backups (the
    /// keys of secret and hidden ballots). Default: beside a SQLite file (`FILE.keys`), for
    /// PostgreSQL `verbund-keys` in the user's data directory.
    #[arg(long, env = "VERBUND_KEY_STORE")]
    pub key_store: Option<std::path::PathBuf>,
}

impl Database {
    /// The application's settings for this database.
    pub fn config(&self) -> crate::app::Config {
        let mut config = crate::app::Config::new(&self.database_url);
        if let Some(dir) = &self.key_store {
            config.key_store = dir.clone();
        }
        config
    }

    pub async fn open(&self) -> anyhow::Result<verbund_ledger::Ledger> {
        use anyhow::Context as _;
        verbund_ledger::Ledger::open(&self.database_url, verbund_ledger::LedgerOptions::default())
            .await
            .with_context(|| format!("cannot open the database {}", redact(&self.database_url)))
    }
}

/// The log named on the command line, or every log of the database.
pub async fn logs_or_all(
    ledger: &verbund_ledger::Ledger,
    named: Option<&str>,
) -> anyhow::Result<Vec<verbund_ledger::LogId>> {
    Ok(match named {
        Some(log) => vec![verbund_ledger::LogId::parse(log)?],
        None => ledger
            .logs()
            .await?
            .into_iter()
            .map(|(log, _)| log)
            .collect(),
    })
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Transparent huge pages off for this process, before the runtime's threads allocate; for the
/// processes that only fold whole logs (the offline rebuild and its benchmark). The allocator
/// hands memory back to the kernel when it lies free and takes it again later; with huge pages,
/// every such first touch makes the kernel zero 2 MiB at once, which a rebuild's pages of
/// decoded events, made on one thread and freed on another, pay for again and again; a server's
/// reads are a little faster with them (`docs/performance.md`, "Second paths kept for speed"),
/// so `serve` keeps them. Best effort: where the kernel refuses, nothing is lost but that speed.
pub fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("note: transparent huge pages stay on: {error}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db/verbund"),
            "postgres://app:***@db/verbund"
        );
        assert_eq!(
            super::redact("postgres://app@db/verbund"),
            "postgres://app@db/verbund"
        );
        assert_eq!(super::redact("sqlite:verbund.db"), "sqlite:verbund.db");
    }
}
