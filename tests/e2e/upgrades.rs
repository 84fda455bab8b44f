//! Upgrades (issue 24, point 5): databases written by earlier builds open with today's build.
//!
//! Each directory of `tests/fixtures/` holds a small but real cooperative written by the build
//! of the commit it is named after (`tests/fixtures/make.py`): a SQLite database with its
//! snapshot cache, a PostgreSQL dump, and the key store of its ballots where the build had
//! one. Today's build must migrate each, verify its chain, and serve the same projections
//! before and after a rebuild from position 1.

use std::path::{Path, PathBuf};

use serde_json::Value;
use verbund_tests::*;

use crate::verbund;

const COOP: &str = "fixture-eg";

/// Every fixture, by name.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "the fixtures are there: {dirs:?}");
    dirs
}

fn cli(args: &[&str], keys: &Path) -> String {
    let output = verbund()
        .args(args)
        .env("VERBUND_KEY_STORE", keys)
        .output()
        .expect("verbund runs");
    assert!(
        output.status.success(),
        "verbund {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Copies a directory's files (one level of subdirectories) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
        }
    }
}

/// What the projections say of the fixture's cooperative, through the API.
fn views(url: &str, keys: &Path, auditor: &str) -> Vec<(String, Value)> {
    let mut command = verbund();
    command.env("VERBUND_KEY_STORE", keys);
    let server = Server::start(command, url, "warn");
    let http = Http::default();
    let get = |rest: &str| -> Value {
        let reply = http.get(
            &server.url(&format!("/v1/coops/{COOP}{rest}")),
            Some(auditor),
        );
        assert_eq!(reply.status, 200, "GET {rest}: {}", reply.text);
        reply.json()
    };
    let mut seen = Vec::new();
    for rest in [
        "",
        "/members?limit=1000",
        "/books/trial-balance?as_of_date=2025-12-31",
        "/books/balance-sheet?as_of_date=2025-12-31",
        "/motions",
        "/verify",
    ] {
        seen.push((rest.to_owned(), get(rest)));
    }
    let motions = get("/motions");
    let motions: Vec<String> = motions["motions"]
        .as_array()
        .expect("motions")
        .iter()
        .map(|m| m["id"].as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(motions.len(), 2, "the fixture's two ballots");
    for motion in motions {
        let view = get(&format!("/motions/{motion}"));
        assert!(view["result"]["outcome"].is_string(), "counted: {view}");
        let recount = get(&format!("/motions/{motion}/recount"));
        assert_eq!(recount["matches"], true, "{recount}");
        seen.push((format!("/motions/{motion}"), view));
    }
    seen
}

/// Opens the database at `url` (a fixture's copy) with today's build: migrated on opening, its
/// chain intact, and the same views before and after a rebuild.
fn upgrade(fixture: &Path, url: &str, keys: &Path) {
    let name = fixture.display();
    let verified = verbund()
        .args(["verify", "--quiet", "--database-url", url])
        .output()
        .expect("verbund runs");
    assert!(
        verified.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let auditor = cli(
        &["token", "issue", COOP, "auditor", "--database-url", url],
        keys,
    )
    .lines()
    .last()
    .expect("a token")
    .to_owned();
    let before = views(url, keys, &auditor);
    cli(&["rebuild", "--database-url", url], keys);
    let after = views(url, keys, &auditor);
    for ((what, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{name}: {what} differs after a rebuild");
    }
}

/// Each fixture's SQLite database, copied with its snapshot cache and key store.
#[test]
fn a_sqlite_database_of_each_earlier_build_migrates_verifies_and_folds_as_a_rebuild() {
    for fixture in fixtures() {
        let dir = tempfile::tempdir().expect("a directory");
        for file in ["verbund.db", "verbund.db.snapshots"] {
            let from = fixture.join("sqlite").join(file);
            if from.exists() {
                std::fs::copy(&from, dir.path().join(file)).expect("copied");
            }
        }
        let keys = dir.path().join("keys");
        if fixture.join("sqlite/keys").exists() {
            copy_tree(&fixture.join("sqlite/keys"), &keys);
        }
        let url = format!("sqlite:{}", dir.path().join("verbund.db").display());
        upgrade(&fixture, &url, &keys);
    }
}

/// Each fixture's PostgreSQL dump, restored into a fresh database with `psql`.
#[test]
fn a_postgres_database_of_each_earlier_build_migrates_verifies_and_folds_as_a_rebuild() {
    let Ok(base) = std::env::var("VERBUND_TEST_PG_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "VERBUND_TEST_PG_URL must be set in CI"
        );
        eprintln!(
            "SKIPPED on PostgreSQL: a_postgres_database_of_each_earlier_build_migrates_verifies_and_folds_as_a_rebuild (VERBUND_TEST_PG_URL is not set)"
        );
        return;
    };
    let (server, _) = base.rsplit_once('/').expect("a database name");
    for (n, fixture) in fixtures().into_iter().enumerate() {
        let database = format!("upgrade_{}_{n}", std::process::id());
        let psql = |url: &str, args: &[&str]| {
            let output = std::process::Command::new("psql")
                .arg(url)
                .args(["-q", "-v", "ON_ERROR_STOP=1"])
                .args(args)
                .output()
                .expect("psql runs");
            assert!(
                output.status.success(),
                "psql {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        psql(&base, &["-c", &format!("CREATE DATABASE {database}")]);
        let url = format!("{server}/{database}");
        let dump = fixture.join("postgres/postgres.sql");
        psql(&url, &["-f", dump.to_str().expect("a path")]);
        let dir = tempfile::tempdir().expect("a directory");
        let keys = dir.path().join("keys");
        if fixture.join("postgres/keys").exists() {
            copy_tree(&fixture.join("postgres/keys"), &keys);
        }
        upgrade(&fixture, &url, &keys);
        psql(
            &base,
            &["-c", &format!("DROP DATABASE {database} WITH (FORCE)")],
        );
    }
}
