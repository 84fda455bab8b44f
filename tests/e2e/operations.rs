//! Operations end to end (issue 24): a backup taken while a server keeps taking writes,
//! restored into a fresh database, verified and compared with the original — with Verbund's
//! own commands on SQLite and with PostgreSQL's own tools on PostgreSQL, as an operator would.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::{Value, json};
use verbund_tests::*;

use crate::{examples, verbund};

on_both_databases!(
    a_backup_taken_during_writes_restores_to_a_log_that_verifies_and_holds_them,
    a_server_stopped_while_writing_acknowledges_nothing_it_then_loses,
    d1_an_existing_cooperative_moves_in_and_its_history_begins_at_the_go_live,
    d1_an_administrator_moves_a_prepared_cooperative_in_through_the_api,
);

#[test]
fn https_is_served_from_certificate_files_and_logs_are_json_lines_on_request() {
    https_and_json_logs(&TestDb::sqlite());
}

const COOP: &str = "dorfhandwerk-eg";

fn cli(args: &[&str]) -> String {
    let output = verbund().args(args).output().expect("verbund runs");
    assert!(
        output.status.success(),
        "verbund {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run(program: &str, args: &[&str]) {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Today on this machine, as the server reads it.
fn today() -> String {
    jiff::tz::TimeZone::system()
        .to_datetime(jiff::Timestamp::now())
        .date()
        .to_string()
}

/// Where a restored copy of the database lives; dropped with the test.
enum Restored {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin: String,
        database: String,
        url: String,
    },
}

impl Restored {
    fn url(&self) -> &str {
        match self {
            Restored::Sqlite { url, .. } | Restored::Postgres { url, .. } => url,
        }
    }
}

impl Drop for Restored {
    fn drop(&mut self) {
        if let Restored::Postgres {
            admin, database, ..
        } = self
        {
            let _ = std::process::Command::new("psql")
                .args([
                    admin.as_str(),
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

/// Backs the database up while it is written to, and restores the backup into a fresh
/// database: `verbund backup` and `verbund restore` on SQLite; `pg_dump` of the test's schema
/// and `pg_restore` into a new database on PostgreSQL (docs/operations.md).
fn back_up_and_restore(url: &str, dir: &Path) -> Restored {
    if url.starts_with("sqlite:") {
        let backup = dir.join("backup.db");
        let said = cli(&[
            "backup",
            "--database-url",
            url,
            "--to",
            backup.to_str().expect("a path"),
        ]);
        assert!(
            said.contains("intact") && said.contains("key store"),
            "{said}"
        );
        let restored = tempfile::tempdir().expect("a directory");
        let restored_url = format!("sqlite:{}", restored.path().join("verbund.db").display());
        let said = cli(&[
            "restore",
            "--database-url",
            &restored_url,
            "--from",
            backup.to_str().expect("a path"),
        ]);
        assert!(said.contains("intact"), "{said}");
        return Restored::Sqlite {
            _dir: restored,
            url: restored_url,
        };
    }
    // postgres://…/test?options=-c%20search_path%3Dschema
    let (base, options) = url.split_once('?').expect("a scratch schema's options");
    let schema = options
        .rsplit("search_path%3D")
        .next()
        .expect("a schema")
        .split('&')
        .next()
        .expect("a schema")
        .to_owned();
    let dump = dir.join("backup.dump");
    run(
        "pg_dump",
        &[
            "--format=custom",
            &format!("--schema={schema}"),
            &format!("--file={}", dump.display()),
            base,
        ],
    );
    let database = format!("restored_{schema}");
    run(
        "psql",
        &[base, "-qc", &format!("CREATE DATABASE {database}")],
    );
    let (server, _) = base.rsplit_once('/').expect("a database name");
    let restored_base = format!("{server}/{database}");
    let restored = Restored::Postgres {
        admin: base.to_owned(),
        database,
        url: format!("{restored_base}?{options}"),
    };
    run(
        "pg_restore",
        &[
            &format!("--dbname={restored_base}"),
            "--no-owner",
            dump.to_str().expect("a path"),
        ],
    );
    restored
}

/// Issue 24, points 2 and 3: four clients admit members through a server as fast as they can;
/// meanwhile the database is backed up. The backup, restored into a fresh database, verifies,
/// holds every admission acknowledged before the backup began, and its member list is the
/// original's at the backup's head.
fn a_backup_taken_during_writes_restores_to_a_log_that_verifies_and_holds_them(db: &TestDb) {
    cli(&[
        "coop",
        "create",
        COOP,
        "--statute",
        &examples("statute.toml"),
        "--founding",
        &examples("founding.toml"),
        "--database-url",
        &db.url,
    ]);
    let token = |principal: &str| {
        cli(&["token", "issue", COOP, principal, "--database-url", &db.url])
            .lines()
            .last()
            .expect("a token")
            .to_owned()
    };
    let (board, auditor) = (token("member:1"), token("auditor"));
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let url = |server: &Server, rest: &str| server.url(&format!("/v1/coops/{COOP}{rest}"));

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let dir = tempfile::tempdir().expect("a directory");
    let restored = std::thread::scope(|scope| {
        for client in 0..4 {
            let (stop, acknowledged, http) = (&stop, &acknowledged, http.clone());
            let (server, board) = (&server, &board);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let name = format!("Mitglied {client}-{n}");
                    let applied = http.send(
                        "POST",
                        &url(server, "/applications"),
                        None,
                        &[],
                        Some(
                            &json!({"name": name, "address": "Dorfstraße 1, 12345 Musterdorf",
                                    "kind": {"type": "natural-person"}, "shares": 1,
                                    "declared_on": today(),
                                    "acknowledged": {"pays_for_shares": true}})
                            .to_string(),
                        ),
                    );
                    assert_eq!(applied.status, 201, "{}", applied.text);
                    let id = applied.json()["application"]
                        .as_str()
                        .expect("an id")
                        .to_owned();
                    let admitted = http.send(
                        "POST",
                        &url(server, &format!("/applications/{id}/admission")),
                        Some(board),
                        &[],
                        Some(&json!({"admitted_on": today()}).to_string()),
                    );
                    assert!(matches!(admitted.status, 200 | 201), "{}", admitted.text);
                    let position = admitted.position.expect("a position");
                    acknowledged.fetch_max(position, Ordering::SeqCst);
                }
            });
        }
        // Writes under way (some fifty admissions); everything acknowledged so far must be in
        // the backup.
        while acknowledged.load(Ordering::SeqCst) < 130 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let before_backup = acknowledged.load(Ordering::SeqCst);
        let restored = back_up_and_restore(&db.url, dir.path());
        let during = acknowledged.load(Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        assert!(
            during > before_backup,
            "the writes went on during the backup"
        );
        (restored, before_backup)
    });
    let (restored, before_backup) = restored;

    let verified = verbund()
        .args(["verify", "--quiet", "--database-url", restored.url()])
        .output()
        .expect("verbund runs");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let copy = Server::start(verbund(), restored.url(), "warn");
    let head = http.get(&url(&copy, "/verify"), Some(&auditor)).json();
    let head = head["head_position"].as_u64().expect("a head");
    assert!(
        head >= before_backup,
        "the backup ends at {head}, before position {before_backup} acknowledged earlier"
    );
    let members = |server: &Server, query: &str| -> Value {
        let reply = http.get(
            &url(server, &format!("/members?limit=1000{query}")),
            Some(&auditor),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["members"].clone()
    };
    let original = members(&server, &format!("&at_position={head}"));
    assert_eq!(members(&copy, ""), original);
    assert!(original.as_array().expect("members").len() > 6);
}

/// Issue 24, point 6: eight clients issue tokens as fast as they can and an event stream is
/// open when the server is told to stop (SIGTERM). It exits by itself, within its grace
/// period, event stream and all; every token whose issue it acknowledged is there after the
/// restart — a write is acknowledged and kept, or not acknowledged at all.
fn a_server_stopped_while_writing_acknowledges_nothing_it_then_loses(db: &TestDb) {
    let admin = cli(&[
        "coop",
        "create",
        COOP,
        "--statute",
        &examples("statute.toml"),
        "--founding",
        &examples("founding.toml"),
        "--database-url",
        &db.url,
    ])
    .lines()
    .last()
    .expect("the admin's token")
    .to_owned();
    let auditor = cli(&["token", "issue", COOP, "auditor", "--database-url", &db.url])
        .lines()
        .last()
        .expect("a token")
        .to_owned();
    let mut server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let url = |server: &Server, rest: &str| server.url(&format!("/v1/coops/{COOP}{rest}"));

    // An event stream held open by a client that reads until the server closes it.
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    std::io::Write::write_all(
        &mut stream,
        format!(
            "GET /v1/coops/{COOP}/events/stream HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {auditor}\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("sent");
    let reader = std::thread::spawn(move || {
        let mut head = [0u8; 12];
        std::io::Read::read_exact(&mut stream, &mut head).expect("an answer");
        assert_eq!(&head, b"HTTP/1.1 200", "{}", String::from_utf8_lossy(&head));
        std::io::copy(&mut stream, &mut std::io::sink()).ok();
    });

    let issue_url = url(&server, "/tokens");
    let list_url = url(&server, "/tokens?limit=1000");
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (http, issue_url, admin) = (http.clone(), &issue_url, &admin);
                scope.spawn(move || {
                    let mut issued = Vec::new();
                    loop {
                        let reply = http.try_send(
                            "POST",
                            issue_url,
                            Some(admin),
                            &[],
                            Some(r#"{"principal": "auditor", "expires_in_days": 1}"#),
                        );
                        match reply {
                            Ok(reply) if reply.status == 201 => {
                                issued.push(
                                    reply.json()["token"].as_str().expect("an id").to_owned(),
                                );
                            }
                            // Refused, or cut off before an answer: not acknowledged.
                            _ => return issued,
                        }
                    }
                })
            })
            .collect();
        while http.get(&list_url, Some(&admin)).json()["tokens"]
            .as_array()
            .map_or(0, Vec::len)
            < 60
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let status = server.terminate(std::time::Duration::from_secs(60));
        assert!(status.success(), "{status}; log: {}", server.log_text());
        writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer"))
            .collect()
    });
    reader.join().expect("the stream ended with the server");
    assert!(acknowledged.len() >= 50, "{}", acknowledged.len());

    let restarted = Server::start(verbund(), &db.url, "warn");
    let listed = all_pages(1000, "tokens", "next_after", |after| {
        let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
        http.get(
            &url(&restarted, &format!("/tokens?limit=1000{after}")),
            Some(&admin),
        )
        .json()
    });
    let kept: std::collections::BTreeSet<&str> =
        listed.iter().filter_map(|t| t["token"].as_str()).collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !kept.contains(id.as_str()))
        .collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
}

/// A GET over TLS that trusts only `cert` (PEM): the status line and the body.
fn get_over_tls(address: &str, path: &str, cert: &Path) -> Result<String, String> {
    use rustls::pki_types::pem::PemObject as _;
    let rt = verbund_tests::runtime();
    rt.block_on(async {
        let mut roots = rustls::RootCertStore::empty();
        for cert in
            rustls::pki_types::CertificateDer::pem_file_iter(cert).map_err(|e| e.to_string())?
        {
            roots
                .add(cert.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from("localhost")
            .map_err(|e| e.to_string())?
            .to_owned();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        tls.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        tls.read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    })
}

/// Issue 24, point 7: `verbund serve --tls-cert --tls-key` answers HTTPS with the given
/// certificate (a client that trusts it gets its answer; plain HTTP to the port gets none,
/// and the server goes on), and with `VERBUND_LOG_FORMAT=json` every line it logs is a JSON
/// object.
fn https_and_json_logs(db: &TestDb) {
    cli(&[
        "coop",
        "create",
        COOP,
        "--statute",
        &examples("statute.toml"),
        "--founding",
        &examples("founding.toml"),
        "--database-url",
        &db.url,
    ]);
    let dir = tempfile::tempdir().expect("a directory");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
            "-keyout",
            key.to_str().expect("a path"),
            "-out",
            cert.to_str().expect("a path"),
        ],
    );
    let mut command = verbund();
    command
        .env("VERBUND_TLS_CERT", &cert)
        .env("VERBUND_TLS_KEY", &key)
        .env("VERBUND_LOG_FORMAT", "json");
    let mut server = Server::start(command, &db.url, "debug");
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let address = server.base.trim_start_matches("https://").to_owned();

    let answer = get_over_tls(&address, "/healthz", &cert).expect("an answer over TLS");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    // Plain HTTP to the TLS port: no answer, and the server goes on.
    let plain =
        Http::default().try_send("GET", &format!("http://{address}/healthz"), None, &[], None);
    assert!(
        plain.is_err() || plain.as_ref().is_ok_and(|r| r.status != 200),
        "{plain:?}"
    );
    let again = get_over_tls(&address, &format!("/v1/coops/{COOP}"), &cert).expect("an answer");
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");

    let status = server.terminate(std::time::Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let log = server.log_text();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().any(|l| l.contains("TLS handshake failed")),
        "the plain request is logged: {log}"
    );
    for line in lines {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(
            parsed
                .as_ref()
                .is_ok_and(|v| v["level"].is_string() && v["timestamp"].is_string()),
            "not a JSON log line: {line}"
        );
    }
}

/// Issue 24, point 1 (D1): the example cooperative of 1987 moves in from its opening state
/// (`examples/moving-in`: a TOML file and a member list in CSV) on 2026-07-01. Its member list
/// as of 2000 holds the members admitted by then; a member's statement shows the paid-in
/// capital and what is unpaid; the opening balance sheet balances with each member's capital;
/// nothing is booked or closed before the go-live; and a faulty opening state writes nothing.
fn d1_an_existing_cooperative_moves_in_and_its_history_begins_at_the_go_live(db: &TestDb) {
    let example = |file: &str| examples(&format!("moving-in/{file}"));
    let import = |members: &str| {
        verbund()
            .args([
                "coop",
                "import",
                COOP,
                "--statute",
                &examples("statute.toml"),
                "--opening",
                &example("opening.toml"),
                "--members",
                members,
                "--database-url",
                &db.url,
            ])
            .output()
            .expect("verbund runs")
    };
    // A member list whose capital does not add up to the books': refused, nothing written.
    let dir = tempfile::tempdir().expect("a directory");
    let wrong = dir.path().join("members.csv");
    let list = std::fs::read_to_string(example("members.csv")).expect("the example");
    std::fs::write(&wrong, list.replace(",4,2000.00,", ",4,1900.00,")).expect("written");
    let refused = import(wrong.to_str().expect("a path"));
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("2000") && said.contains("14600.00"), "{said}");
    let logs = cli(&["logs", "--database-url", &db.url]);
    assert!(
        logs.contains("dorfhandwerk-eg\t0 events"),
        "nothing written: {logs}"
    );

    let done = import(&example("members.csv"));
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(said.contains("moved dorfhandwerk-eg in"), "{said}");
    let token = |principal: &str| {
        cli(&["token", "issue", COOP, principal, "--database-url", &db.url])
            .lines()
            .last()
            .expect("a token")
            .to_owned()
    };
    let (auditor, treasurer) = (token("auditor"), token("member:3"));
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let url = |rest: &str| server.url(&format!("/v1/coops/{COOP}{rest}"));
    let get = |rest: &str| {
        let reply = http.get(&url(rest), Some(&auditor));
        assert_eq!(reply.status, 200, "GET {rest}: {}", reply.text);
        reply.json()
    };
    let numbers = |list: &Value| -> Vec<u64> {
        list["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["member"].as_u64().expect("a number"))
            .collect()
    };
    assert_eq!(
        numbers(&get("/members?as_of_date=2000-01-01")),
        [1, 2, 3, 4]
    );
    assert_eq!(
        numbers(&get("/members")),
        [1, 2, 3, 4, 5, 6, 8, 9, 11, 14, 15, 17],
        "the old list's numbers, gaps and all"
    );
    let coop = get("");
    assert_eq!(coop["founded_on"], "1987-03-14");
    let statement = get("/members/9/statement");
    assert_eq!(
        (&statement["paid_in"], &statement["outstanding"]),
        (&json!("1200.00"), &json!("300.00")),
        "{statement}"
    );
    let reiter = get("/members/8");
    assert_eq!(reiter["exit_on"], "2026-12-31", "the open notice: {reiter}");
    let trial = get("/books/trial-balance?as_of_date=2026-07-01");
    let balance = |account: &str| {
        trial["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["account"] == account)
            .map(|a| a["balance"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(balance("1200"), "23750.00");
    assert_eq!(balance("2000/1"), "-2000.00");
    assert_eq!(balance("2000/17"), "-5000.00");
    assert_eq!(balance("1410/9"), "300.00");
    let total: i64 = trial["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            let text = a["balance"].as_str().expect("a balance").replace('.', "");
            text.parse::<i64>().expect("cents")
        })
        .sum();
    assert_eq!(total, 0, "the opening balance sheet balances");

    // Nothing before the go-live.
    let payment = http.send(
        "POST",
        &url("/books/payments"),
        Some(&treasurer),
        &[],
        Some(
            &json!({"direction": "in", "amount": "10.00", "account": "4000",
                    "booked_on": "2026-06-30", "text": "Late", "reference": "x"})
            .to_string(),
        ),
    );
    assert_eq!(payment.status, 422, "{}", payment.text);
    assert_eq!(payment.json()["rule"], "D1");
    let closing = http.send(
        "POST",
        &url("/books/years/2025-12-31/closing"),
        Some(&treasurer),
        &[],
        Some("{}"),
    );
    assert_eq!(closing.status, 422, "{}", closing.text);
    assert_eq!(get("/verify")["intact"], true);
}

/// Issue 24, point 1 (D1), through the API: `verbund coop prepare` creates the log and an
/// administrator token; the administrator posts the same files the command line takes. A
/// repeated request answers the original; a second opening state is refused; a body above
/// the moving-in's 2 MiB is refused at once.
fn d1_an_administrator_moves_a_prepared_cooperative_in_through_the_api(db: &TestDb) {
    let admin = cli(&["coop", "prepare", COOP, "--database-url", &db.url])
        .lines()
        .last()
        .expect("the admin's token")
        .to_owned();
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let url = server.url(&format!("/v1/coops/{COOP}/moving-in"));
    let read = |file: &str| std::fs::read_to_string(examples(file)).expect("the example");
    let body = json!({
        "statute": read("statute.toml"),
        "opening": read("moving-in/opening.toml"),
        "members": read("moving-in/members.csv"),
    })
    .to_string();
    let post = |key: &str, body: &str| {
        http.send(
            "POST",
            &url,
            Some(&admin),
            &[("idempotency-key", key)],
            Some(body),
        )
    };
    let moved = post("move-in-1", &body);
    assert_eq!(moved.status, 201, "{}", moved.text);
    let again = post("move-in-1", &body);
    assert_eq!(
        (again.status, again.json()["replayed"].clone()),
        (200, json!(true))
    );
    let second = post("move-in-2", &body);
    assert_eq!(second.status, 409, "{}", second.text);
    assert_eq!(second.json()["code"], "coop-already-founded");
    let huge = json!({"statute": "x".repeat(2 * 1024 * 1024), "opening": "", "members": ""});
    let refused = http.try_send("POST", &url, Some(&admin), &[], Some(&huge.to_string()));
    assert!(
        refused.as_ref().map_or(true, |r| r.status == 413),
        "{refused:?}"
    );

    let auditor = cli(&["token", "issue", COOP, "auditor", "--database-url", &db.url])
        .lines()
        .last()
        .expect("a token")
        .to_owned();
    let members = http
        .send(
            "GET",
            &server.url(&format!("/v1/coops/{COOP}/members")),
            Some(&auditor),
            // The auditor's token, issued by another process, is the event after the moving-in.
            &[(
                "verbund-min-position",
                &(moved.position.expect("a position") + 1).to_string(),
            )],
            None,
        )
        .json();
    assert_eq!(
        members["members"].as_array().map(Vec::len),
        Some(12),
        "{members}"
    );
}
