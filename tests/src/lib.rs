//! Helpers for the end-to-end tests in `e2e/`: fresh databases, input for `verbund append`, and
//! reading the processes' acknowledgements.
//!
//! The tests themselves are the `e2e` test of the `verbund-api` package (see its manifest), so
//! that Cargo builds the `verbund` binary for them and passes its path.

use std::process::{Child, Command, Stdio};

/// Runs each named test function (`fn name(db: &TestDb)`) once on a fresh SQLite file and once
/// on a fresh PostgreSQL schema (skipped, with a message, without `VERBUND_TEST_PG_URL`).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&$crate::TestDb::sqlite()); } )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let Some(db) = $crate::TestDb::postgres(stringify!($name)) else { return };
                    super::$name(&db);
                }
            )*
        }
    };
}

use verbund_ledger::scratch::ScratchDatabase;

pub mod browser;

/// A fresh database: a SQLite file in a temporary directory or a PostgreSQL scratch schema,
/// removed when dropped.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    scratch: Option<ScratchDatabase>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        Self::from(ScratchDatabase::sqlite().expect("a temporary directory"))
    }

    /// `None`, with a message on the terminal, when no server is configured.
    pub fn postgres(test: &str) -> Option<Self> {
        block_on(ScratchDatabase::postgres_for_test(test, "e2e")).map(Self::from)
    }

    fn from(scratch: ScratchDatabase) -> Self {
        Self {
            url: scratch.url().to_owned(),
            scratch: Some(scratch),
        }
    }

    /// Opens the database on `rt`, which must outlive every use of the ledger (its writer task
    /// and pool live there).
    pub fn ledger(&self, rt: &tokio::runtime::Runtime) -> verbund_ledger::Ledger {
        rt.block_on(verbund_ledger::Ledger::open(
            &self.url,
            verbund_ledger::LedgerOptions::default(),
        ))
        .expect("the database opens")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(scratch) = self.scratch.take() {
            let _ = block_on(scratch.remove());
        }
    }
}

/// Reads a paged list to its end: `get` answers the page after a cursor (`None` for the
/// first), whose items are under `items` and whose cursor for the next page, if more follow,
/// under `next` (a string or a number). Every page holds at most `limit` items.
pub fn all_pages(
    limit: usize,
    items: &str,
    next: &str,
    mut get: impl FnMut(Option<&str>) -> serde_json::Value,
) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = get(cursor.as_deref());
        let listed = page[items].as_array().expect("a list of items");
        assert!(
            listed.len() <= limit,
            "{} items in a page of {limit}",
            listed.len()
        );
        // Only the first page may be empty: a cursor after the last item (on an exact
        // multiple of the limit, say) would lead to an empty page.
        assert!(
            cursor.is_none() || !listed.is_empty(),
            "an empty page after cursor {cursor:?}"
        );
        all.extend(listed.iter().cloned());
        cursor = match &page[next] {
            serde_json::Value::Null => return all,
            serde_json::Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        };
        // A page that says more follow is a full one.
        assert_eq!(
            listed.len(),
            limit,
            "a page of {} with a cursor, limit {limit}",
            listed.len()
        );
    }
}

/// A runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Runs a self-contained future (one that leaves no tasks behind) on a runtime of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// One line of input for `verbund append`: a commit of `events` events to `stream`.
pub fn commit_line(
    command_id: &str,
    stream: &str,
    expected: serde_json::Value,
    events: u64,
) -> String {
    let events: Vec<_> = (0..events)
        .map(|i| serde_json::json!({"type": "Recorded", "schema_version": 1, "payload": {"command": command_id, "i": i}}))
        .collect();
    serde_json::json!({
        "command_id": command_id,
        "actor": "test:e2e",
        "streams": [{"stream": stream, "expected": expected, "events": events}],
    })
    .to_string()
}

/// An acknowledgement or refusal printed by `verbund append`.
#[derive(Debug, Clone)]
pub struct Answer {
    pub command_id: String,
    pub positions: Result<(u64, u64), String>,
}

/// Starts `verbund append` on `input` (a file of JSON Lines); `verbund` is the binary.
pub fn spawn_append(
    mut verbund: Command,
    url: &str,
    log: &str,
    input: &std::path::Path,
    concurrency: u32,
) -> Child {
    verbund
        .args([
            "append",
            "--database-url",
            url,
            "--log",
            log,
            "--create",
            "--concurrency",
            &concurrency.to_string(),
        ])
        .stdin(std::fs::File::open(input).expect("the input file"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("verbund starts")
}

/// Reads the answers a process printed until its standard output closes. A line cut short by
/// a kill is not an answer, and is ignored.
pub fn read_answers(child: &mut Child) -> std::thread::JoinHandle<Vec<Answer>> {
    use std::io::BufRead as _;
    let stdout = child.stdout.take().expect("stdout is piped");
    std::thread::spawn(move || {
        let mut answers = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let command_id = value["command_id"].as_str().unwrap_or_default().to_owned();
            let positions = match (
                value["first_position"].as_u64(),
                value["last_position"].as_u64(),
            ) {
                (Some(first), Some(last)) => Ok((first, last)),
                _ => Err(value["error"]
                    .as_str()
                    .unwrap_or("no error given")
                    .to_owned()),
            };
            answers.push(Answer {
                command_id,
                positions,
            });
        }
        answers
    })
}

/// A small, seedable random source (xorshift), so a failing run can be repeated by its seed.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn from_time() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Self(nanos | 1)
    }
    pub fn seed(&self) -> u64 {
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A `verbund serve` process on port 0, stopped (SIGKILL) when dropped. Its log goes to a
/// file, so a test can read what the server wrote.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The operator's metrics, `http://127.0.0.1:PORT/metrics`: a listener of their own.
    pub metrics: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `verbund serve` (the binary `verbund`) on `url`, logging at `level`.
    pub fn start(mut verbund: Command, url: &str, level: &str) -> Self {
        use std::io::BufRead as _;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("server.log");
        let child = verbund
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
            .env("VERBUND_LOG", level)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("verbund serve starts");
        let mut server = Self {
            child,
            base: String::new(),
            metrics: String::new(),
            log,
            _dir: dir,
        };
        let stdout = server.child.stdout.take().expect("stdout is piped");
        let mut stdout = std::io::BufReader::new(stdout);
        let mut address = || {
            let mut line = String::new();
            stdout
                .read_line(&mut line)
                .expect("the server prints its addresses");
            line.trim()
                .rsplit(' ')
                .next()
                .filter(|address| address.starts_with("http://") || address.starts_with("https://"))
                .unwrap_or_else(|| panic!("no address in {line:?}; log: {}", server.log_text()))
                .to_owned()
        };
        let base = address();
        let metrics = address();
        server.base = base;
        server.metrics = metrics;
        server
    }

    /// What the server has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Asks the server to stop, as an init system does (SIGTERM), and waits for it to exit;
    /// fails the test if it is still running after `bound`.
    pub fn terminate(&mut self, bound: std::time::Duration) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was not sent");
        let deadline = std::time::Instant::now() + bound;
        loop {
            if let Some(status) = self.child.try_wait().expect("the server can be waited for") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server still runs {bound:?} after SIGTERM; log: {}",
                self.log_text()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status, headers of interest, body as JSON (or text).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub position: Option<u64>,
    /// The cookies the answer sets, each as `name=value`.
    pub cookies: Vec<String>,
    /// The answer's `Set-Cookie` headers whole, with their attributes (`HttpOnly`, …).
    pub set_cookies: Vec<String>,
    /// The body as text (lossy where it is not UTF-8).
    pub text: String,
    /// The body as sent.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// A small HTTP client that never treats a status as an error.
#[derive(Debug, Clone)]
pub struct Http {
    agent: ureq::Agent,
}

impl Default for Http {
    fn default() -> Self {
        // Redirects are answers to check (a form's 303), not to follow.
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        Self { agent }
    }
}

impl Http {
    /// Sends a request; `token` as bearer, `headers` as given, `body` as JSON.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        self.try_send(method, url, token, headers, body)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
    }

    /// Posts `body` as a page's form does (`application/x-www-form-urlencoded`), with
    /// `headers` (its cookie and origin).
    pub fn post_form(&self, url: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method("POST")
            .uri(url)
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body.to_owned()).expect("a valid request");
        let mut response = self
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Reply {
            status,
            content_type: String::new(),
            position: None,
            cookies: Vec::new(),
            set_cookies: Vec::new(),
            bytes: text.clone().into_bytes(),
            text,
        }
    }

    /// Sends a request as [`Http::send`] does; a connection that fails, or an answer cut off
    /// before its body ended, is an error.
    pub fn try_send(
        &self,
        method: &str,
        url: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Reply, String> {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = match body {
            Some(body) => {
                let request = request
                    .header("content-type", "application/json")
                    .body(body.to_owned())
                    .expect("a valid request");
                self.agent.run(request)
            }
            None => self.agent.run(request.body(()).expect("a valid request")),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let position = header("verbund-position").and_then(|p| p.parse().ok());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let cookies = set_cookies
            .iter()
            .filter_map(|v| v.split(';').next())
            .map(|v| v.trim().to_owned())
            .collect();
        let status = response.status().as_u16();
        // An event stream never ends: its head is the answer.
        let bytes = if content_type.starts_with("text/event-stream") {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(256 * 1024 * 1024)
                .read_to_vec()
                .map_err(|e| e.to_string())?
        };
        Ok(Reply {
            status,
            content_type,
            position,
            cookies,
            set_cookies,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        })
    }

    /// GET with an optional token.
    pub fn get(&self, url: &str, token: Option<&str>) -> Reply {
        self.send("GET", url, token, &[], None)
    }
}

/// The end-to-end tests' one client of a cooperative on a running server: a token per
/// principal, requests as any of them, and the checks every test makes of an answer.
#[derive(Debug)]
pub struct Client {
    /// The cooperative's id.
    pub coop: String,
    /// The server.
    pub server: Server,
    /// The HTTP client.
    pub http: Http,
    /// Each principal's token (`member:7`, `auditor`, …).
    pub tokens: std::collections::BTreeMap<String, String>,
    /// The database the server runs on.
    pub db_url: String,
}

impl Client {
    /// A client of `coop` on `server` (over `db_url`), with `tokens`.
    pub fn new(
        coop: &str,
        server: Server,
        db_url: &str,
        tokens: std::collections::BTreeMap<String, String>,
    ) -> Self {
        Self {
            coop: coop.to_owned(),
            server,
            http: Http::default(),
            tokens,
            db_url: db_url.to_owned(),
        }
    }

    /// The URL of `rest` below the cooperative (`/members/7`).
    pub fn url(&self, rest: &str) -> String {
        self.server.url(&format!("/v1/coops/{}{rest}", self.coop))
    }

    /// The token of `principal`, if it has one (`public` has none).
    pub fn token(&self, principal: &str) -> Option<&str> {
        self.tokens.get(principal).map(String::as_str)
    }

    /// Sends `method` to `rest` as `principal`, with `body` as JSON.
    pub fn send(
        &self,
        method: &str,
        rest: &str,
        principal: &str,
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let body = body.map(serde_json::Value::to_string);
        self.http.send(
            method,
            &self.url(rest),
            self.token(principal),
            &[],
            body.as_deref(),
        )
    }

    /// POSTs `body` to `rest` as `principal`.
    pub fn post(&self, rest: &str, principal: &str, body: serde_json::Value) -> Reply {
        self.send("POST", rest, principal, Some(&body))
    }

    /// GETs `rest` as `principal`, whatever the answer.
    pub fn fetch(&self, rest: &str, principal: &str) -> Reply {
        self.send("GET", rest, principal, None)
    }

    /// GETs `rest` as `principal` and expects 200; the answer's JSON.
    pub fn get(&self, rest: &str, principal: &str) -> serde_json::Value {
        let reply = self.fetch(rest, principal);
        assert_eq!(reply.status, 200, "GET {rest}: {}", reply.text);
        reply.json()
    }

    /// POSTs and expects success (200 or 201); the answer's JSON.
    pub fn ok(&self, rest: &str, principal: &str, body: serde_json::Value) -> serde_json::Value {
        let reply = self.post(rest, principal, body.clone());
        assert!(
            matches!(reply.status, 200 | 201),
            "POST {rest} {body} as {principal}: {} {}",
            reply.status,
            reply.text
        );
        reply.json()
    }

    /// POSTs and expects a refusal with `status`, `code` and (if given) `rule`; the problem.
    pub fn refused(
        &self,
        rest: &str,
        principal: &str,
        body: serde_json::Value,
        status: u16,
        code: &str,
        rule: Option<&str>,
    ) -> serde_json::Value {
        let reply = self.post(rest, principal, body.clone());
        assert_eq!(reply.status, status, "POST {rest} {body}: {}", reply.text);
        let problem = reply.json();
        assert_eq!(problem["code"], code, "{problem}");
        if let Some(rule) = rule {
            assert_eq!(problem["rule"], rule, "{problem}");
        }
        problem
    }

    /// The head of the log, as the auditor verifies it.
    pub fn head(&self) -> u64 {
        self.get("/verify", "auditor")["head_position"]
            .as_u64()
            .expect("a head")
    }

    /// GETs `rest` with `token` once this server reached the log's head: for reads after
    /// another process (the CLI) wrote.
    pub fn get_at_head(&self, rest: &str, token: Option<&str>) -> Reply {
        let head = self.head().to_string();
        self.http.send(
            "GET",
            &self.url(rest),
            token,
            &[("verbund-min-position", &head)],
            None,
        )
    }

    /// Issues a token for `principal` through the CLI `verbund` (another process), and waits
    /// until the server knows it.
    pub fn issue(&mut self, mut verbund: Command, principal: &str) {
        let output = verbund
            .args([
                "token",
                "issue",
                &self.coop,
                principal,
                "--database-url",
                &self.db_url,
            ])
            .output()
            .expect("verbund runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .expect("a token")
            .to_owned();
        let reply = self.get_at_head("/me", Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.tokens.insert(principal.to_owned(), token);
    }
}
