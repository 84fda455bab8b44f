//! `verbund backup --to FILE` and `verbund restore --from FILE`: a SQLite database copied
//! consistently while servers keep taking writes, and put back in place of a damaged one. A
//! PostgreSQL database is backed up and restored with PostgreSQL's own tools (`pg_dump`,
//! `pg_restore`; docs/operations.md).
//!
//! Both check the copy before it takes its name: every log verifies intact. Exit code 0 done,
//! 2 could not run (a database or a copy that does not verify, a file in the way).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail, ensure};
use verbund_ledger::{Ledger, LedgerOptions, LogId};

use super::Database;
use crate::app;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    database: Database,
    /// The backup file to write; it must not exist.
    #[arg(long)]
    to: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    database: Database,
    /// The backup file to restore from (it is left as it is).
    #[arg(long)]
    from: PathBuf,
}

/// What PostgreSQL's operators do instead.
const POSTGRES: &str = "a PostgreSQL database is backed up and restored with PostgreSQL's own tools: pg_dump --format=custom, then pg_restore into a fresh database (docs/operations.md)";

pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let Some(_) = app::sqlite_file(&args.database.database_url) else {
        eprintln!("{POSTGRES}");
        return Ok(ExitCode::from(2));
    };
    ensure!(
        !args.to.exists(),
        "{} exists already: a backup is written to a new file",
        args.to.display()
    );
    let partial = partial(&args.to);
    remove_if_present(&partial)?;
    let ledger = args.database.open().await?;
    let copied = ledger.backup_into(&partial).await;
    ledger.close().await;
    copied.with_context(|| format!("cannot write the backup {}", partial.display()))?;
    let heads = checked(&partial).await?;
    put_in_place(&partial, &args.to)?;
    say!("backup written to {}", args.to.display());
    report(&heads);
    let keys = args.database.config().key_store;
    say!(
        "NOTE: the key store is not in this backup. Back up {} on its own, never beside this file: together they reveal the votes of ballots whose keys still exist, and without it those ballots cannot be counted.",
        keys.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let Some(target) = app::sqlite_file(&args.database.database_url) else {
        eprintln!("{POSTGRES}");
        return Ok(ExitCode::from(2));
    };
    ensure!(
        args.from.is_file(),
        "there is no backup file {}",
        args.from.display()
    );
    for path in [target.clone(), suffixed(&target, "-wal")] {
        ensure!(
            !path.exists(),
            "{} exists: stop every server of it and move it aside (keep it for the record) before restoring",
            path.display()
        );
    }
    let partial = partial(&target);
    remove_if_present(&partial)?;
    std::fs::copy(&args.from, &partial).with_context(|| {
        format!(
            "cannot copy {} to {}",
            args.from.display(),
            partial.display()
        )
    })?;
    std::fs::File::open(&partial)?.sync_all()?;
    let heads = checked(&partial).await?;
    // The projections' snapshot cache beside the database belongs to the database that was
    // there: a restored, older log must be folded afresh.
    for suffix in ["-shm", ".snapshots", ".snapshots-wal", ".snapshots-shm"] {
        remove_if_present(&suffixed(&target, suffix))?;
    }
    put_in_place(&partial, &target)?;
    say!("restored {} from {}", target.display(), args.from.display());
    report(&heads);
    say!(
        "compare each head with one you noted before the damage: verbund verify --log ID --anchor POSITION:HASH"
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens a copy, verifies every log in it and returns their heads; closes it again.
async fn checked(copy: &Path) -> anyhow::Result<Vec<(LogId, String)>> {
    let url = format!("sqlite:{}", copy.display());
    let ledger = Ledger::open(&url, LedgerOptions::default())
        .await
        .with_context(|| format!("{} is not a Verbund database", copy.display()))?;
    let result = async {
        let mut heads = Vec::new();
        for (log, head) in ledger.logs().await? {
            let report = ledger.verify(&log, None, &mut |_| {}).await?;
            if let Some(found) = report.first_break {
                bail!("the copy of log {log} does not verify: {found}");
            }
            heads.push((log, format!("{}:{}", head.position, head.hash)));
        }
        Ok(heads)
    }
    .await;
    ledger.close().await;
    result
}

fn report(heads: &[(LogId, String)]) {
    for (log, head) in heads {
        say!("{log}\tintact\thead {head}");
    }
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn partial(path: &Path) -> PathBuf {
    suffixed(path, ".partial")
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Gives the checked copy its name, durably.
fn put_in_place(partial: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::rename(partial, to)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), to.display()))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
