//! The HTTP API end to end: a real `verbund serve` on port 0 over a fresh SQLite file or
//! PostgreSQL schema, a cooperative founded through the CLI, and plain HTTP requests.

use std::collections::BTreeMap;
use std::io::BufRead as _;

use verbund_tests::*;

use crate::{examples, verbund};

on_both_databases!(
    a_newcomer_reads_the_cooperative_and_its_register,
    every_route_answers_every_principal_as_the_matrix_says,
    a_revoked_or_expired_token_is_refused_at_once,
    tokens_never_appear_in_the_servers_log,
    errors_are_problem_json_with_stable_codes,
    a_repeated_write_answers_the_original_and_a_reused_key_is_refused,
    a_read_with_a_writes_position_sees_the_write,
    the_event_feed_streams_the_log_with_positions_as_ids,
    an_event_stream_ends_once_its_token_is_revoked,
    a_cooperative_whose_projections_cannot_start_leaves_the_others_served,
    the_member_list_as_of_a_past_position_is_the_list_then,
    concurrent_commands_on_one_stream_are_decided_again_on_the_new_state,
    an_act_under_a_token_an_admin_issued_for_a_member_names_that_token,
    a_retry_under_another_token_of_the_same_principal_is_the_same_request,
);

/// An idempotency key belongs to the principal, whichever of its tokens acted: a request
/// retried under another administrator token is answered as the original, never done twice;
/// the same key with another body is still refused.
fn a_retry_under_another_token_of_the_same_principal_is_the_same_request(db: &TestDb) {
    let tokens = found(db);
    let second = cli(&["token", "issue", COOP, "admin", "--database-url", &db.url])
        .lines()
        .last()
        .expect("a token")
        .to_owned();
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let body = r#"{"principal": "auditor", "expires_in_days": 1}"#;
    let issue = |token: &str, body: &str| {
        http.send(
            "POST",
            &coop_url(&server, "/tokens"),
            Some(token),
            &[("idempotency-key", "auditor-for-the-audit")],
            Some(body),
        )
    };
    let first = issue(&tokens["admin"], body);
    assert_eq!(first.status, 201, "{}", first.text);
    let again = issue(&second, body);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(again.json()["token"], first.json()["token"]);
    let other = issue(
        &second,
        r#"{"principal": "regulator", "expires_in_days": 1}"#,
    );
    assert_eq!(other.status, 422, "{}", other.text);
    assert_eq!(other.json()["code"], "idempotency-key-reused");
}

/// An administrator issues a token for member 6 and acts with it. The log names the token
/// that acted, not only the member, and member 6 sees every token issued for them and who
/// issued it — their own from the command line as well as the administrator's (issue 23,
/// point 6).
fn an_act_under_a_token_an_admin_issued_for_a_member_names_that_token(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let issued = http.send(
        "POST",
        &coop_url(&server, "/tokens"),
        Some(&tokens["admin"]),
        &[],
        Some(r#"{"principal": "member:6", "expires_in_days": 1}"#),
    );
    assert_eq!(issued.status, 201, "{}", issued.text);
    let issued = issued.json();
    let (id, secret) = (
        issued["token"].as_str().expect("an id"),
        issued["secret"].as_str().expect("a secret"),
    );

    // A member's own declaration is dated today, in the server's zone: this machine's.
    let today = jiff::tz::TimeZone::system()
        .to_datetime(jiff::Timestamp::now())
        .date()
        .to_string();
    let resigned = http.send(
        "POST",
        &coop_url(&server, "/members/6/resignation"),
        Some(secret),
        &[],
        Some(&format!(
            r#"{{"declared_on": "{today}", "in_text_form": true}}"#
        )),
    );
    assert_eq!(resigned.status, 200, "{}", resigned.text);
    let position = resigned.position.expect("a position");
    let events = http
        .send(
            "GET",
            &coop_url(&server, &format!("/events?from={position}&limit=1")),
            Some(&tokens["auditor"]),
            &[],
            None,
        )
        .json();
    let event = &events["events"][0];
    assert_eq!(event["position"], position, "{events}");
    assert_eq!(event["actor"], format!("member:6:{id}"), "{event}");

    // The member's list: the command line's token and the administrator's, each with its
    // issuer; the administrator's issuer is the administrator's own token.
    let own = http
        .send(
            "GET",
            &coop_url(&server, "/members/6/tokens"),
            Some(&tokens["member:6"]),
            &[],
            None,
        )
        .json();
    let listed = own["tokens"].as_array().expect("tokens");
    assert_eq!(listed.len(), 2, "{own}");
    assert!(listed.iter().all(|t| t["principal"] == "member:6"), "{own}");
    let by_admin = listed
        .iter()
        .find(|t| t["token"] == id)
        .unwrap_or_else(|| panic!("the admin's token is listed: {own}"));
    let issuer = by_admin["issued_by"].as_str().expect("an issuer");
    assert!(issuer.starts_with("admin:"), "{by_admin}");
    assert!(
        listed
            .iter()
            .any(|t| t["token"] != id && t["issued_by"] == "cli"),
        "{own}"
    );
    // Another member's list is not member 6's to read.
    let other = http.send(
        "GET",
        &coop_url(&server, "/members/1/tokens"),
        Some(&tokens["member:6"]),
        &[],
        None,
    );
    assert_eq!(other.status, 403, "{}", other.text);
    let nobody = http.send(
        "GET",
        &coop_url(&server, "/members/999/tokens"),
        Some(&tokens["admin"]),
        &[],
        None,
    );
    assert_eq!(nobody.status, 404, "{}", nobody.text);
}

/// Eight administrators revoke the same token at once. The appends conflict on the token's
/// stream; each loser decides again on the new state and is told the rule, not a conflict.
fn concurrent_commands_on_one_stream_are_decided_again_on_the_new_state(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = tokens["admin"].clone();
    for round in 0..5 {
        let issued = http
            .send(
                "POST",
                &coop_url(&server, "/tokens"),
                Some(&admin),
                &[],
                Some(r#"{"principal": "auditor"}"#),
            )
            .json();
        let url = coop_url(
            &server,
            &format!("/tokens/{}", issued["token"].as_str().expect("id")),
        );
        let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (http, url, admin) = (http.clone(), url.clone(), admin.clone());
                    scope.spawn(move || {
                        let reply = http.send("DELETE", &url, Some(&admin), &[], None);
                        let code = reply.json()["code"].as_str().unwrap_or("ok").to_owned();
                        (reply.status, code)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a request"))
                .collect()
        });
        let ok = answers.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(ok, 1, "round {round}: exactly one revocation: {answers:?}");
        assert!(
            answers.iter().all(|(status, code)| *status == 200
                || (*status == 409 && code == "token-already-revoked")),
            "round {round}: {answers:?}"
        );
    }
}

const COOP: &str = "dorfhandwerk-eg";

/// The principals of the example founding (examples/founding.toml) that tests hold tokens for.
const PRINCIPALS: &[&str] = &[
    "member:6", // a member without office
    "member:1", // board
    "member:2", // board and treasurer
    "member:3", // supervisory board
    "auditor",
    "regulator",
    "citizen-investor",
    "admin",
];

fn cli(args: &[&str]) -> String {
    let output = verbund().args(args).output().expect("verbund runs");
    assert!(
        output.status.success(),
        "verbund {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Founds a cooperative `id` from the example statute and founding through the CLI; returns
/// what the CLI printed (the admin token last).
fn create_coop(db: &TestDb, id: &str) -> String {
    cli(&[
        "coop",
        "create",
        id,
        "--statute",
        &examples("statute.toml"),
        "--founding",
        &examples("founding.toml"),
        "--database-url",
        &db.url,
    ])
}

/// Founds the example cooperative through the CLI and issues a token per principal.
fn found(db: &TestDb) -> BTreeMap<&'static str, String> {
    let created = create_coop(db, COOP);
    let admin_from_create = created.lines().last().expect("the admin token").to_owned();
    assert!(admin_from_create.starts_with("vb1_"), "{created}");
    PRINCIPALS
        .iter()
        .map(|&principal| {
            let out = cli(&["token", "issue", COOP, principal, "--database-url", &db.url]);
            (principal, out.lines().last().expect("a token").to_owned())
        })
        .collect()
}

/// Issues an auditor's token for a week through the API, as the administrator.
fn issue_auditor_token(http: &Http, server: &Server, admin: &str) -> Reply {
    let issued = http.send(
        "POST",
        &coop_url(server, "/tokens"),
        Some(admin),
        &[],
        Some(r#"{"principal": "auditor", "expires_in_days": 7}"#),
    );
    assert_eq!(issued.status, 201, "{}", issued.text);
    issued
}

fn coop_url(server: &Server, rest: &str) -> String {
    server.url(&format!("/v1/coops/{COOP}{rest}"))
}

fn a_newcomer_reads_the_cooperative_and_its_register(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "info");
    let http = Http::default();

    let coops = http.get(&server.url("/v1/coops"), None).json();
    assert_eq!(coops["coops"][0]["id"], COOP);
    assert_eq!(coops["coops"][0]["name"], "Dorfhandwerk Musterdorf eG");

    let coop = http.get(&coop_url(&server, ""), None);
    assert_eq!(coop.status, 200);
    let coop = coop.json();
    assert_eq!(coop["members"], 6);
    let board: Vec<u64> = coop["officers"]
        .as_array()
        .expect("officers")
        .iter()
        .filter(|o| o["office"] == "board")
        .map(|o| o["member"].as_u64().expect("a number"))
        .collect();
    assert_eq!(board, [1, 2]);
    // Names come from the personal-data records beside the log, with the person who serves
    // for a firm (G9-24).
    assert_eq!(coop["officers"][0]["name"], "Schreinerei Huber GmbH");
    assert_eq!(coop["officers"][0]["serving"], "Josef Huber");

    let statute = http.get(&coop_url(&server, "/statute"), None).json();
    assert!(
        statute["text"]
            .as_str()
            .expect("text")
            .contains("notice_period_months = 12")
    );
    assert_eq!(statute["clauses"]["shares"]["amount"], "500.00");

    let me = http
        .get(&coop_url(&server, "/me"), Some(&tokens["member:2"]))
        .json();
    assert_eq!(me["principal"], "member:2");
    assert_eq!(
        me["roles"],
        serde_json::json!(["member", "board", "treasurer"])
    );

    let page = http
        .get(
            &coop_url(&server, "/members?limit=2"),
            Some(&tokens["member:6"]),
        )
        .json();
    assert_eq!(page["members"].as_array().expect("members").len(), 2);
    assert_eq!(page["next_after"], 2);
    let rest = http
        .get(
            &coop_url(&server, "/members?after=2"),
            Some(&tokens["member:6"]),
        )
        .json();
    let numbers: Vec<u64> = rest["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["member"].as_u64().expect("a number"))
        .collect();
    assert_eq!(numbers, [3, 4, 5, 6]);
    assert!(rest["next_after"].is_null());
    assert_eq!(rest["members"][2]["name"], "Dachdeckerei Wolf");
    let first = http
        .get(&coop_url(&server, "/members/1"), Some(&tokens["auditor"]))
        .json();
    assert_eq!(first["name"], "Schreinerei Huber GmbH");

    let verified = http
        .get(&coop_url(&server, "/verify"), Some(&tokens["auditor"]))
        .json();
    assert_eq!(verified["intact"], true);
    assert_eq!(verified["events_checked"], verified["head_position"]);
}

/// Who may call what. `true`: the route answers (whatever it answers); `false`: 401 without a
/// token, 403 with one. Written out by hand, independently of the server's table, and checked
/// against the OpenAPI document so that no route is left out.
fn every_route_answers_every_principal_as_the_matrix_says(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    // Columns: public, member:6, member:1 (board), member:2 (board, treasurer), member:3
    // (supervisory), auditor, regulator, citizen-investor, admin.
    let who = [
        "public",
        "member:6",
        "member:1",
        "member:2",
        "member:3",
        "auditor",
        "regulator",
        "citizen-investor",
        "admin",
    ];
    let matrix: &[(&str, &str, &str, [bool; 9])] = &[
        ("GET", "/v1/coops", "/v1/coops", [true; 9]),
        ("GET", "/v1/coops/{coop}", "", [true; 9]),
        ("GET", "/v1/coops/{coop}/statute", "/statute", [true; 9]),
        (
            "GET",
            "/v1/coops/{coop}/me",
            "/me",
            [false, true, true, true, true, true, true, true, true],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members",
            "/members",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}",
            "/members/6",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}",
            "/members/1",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/statement",
            "/members/6/statement",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/statement",
            "/members/1/statement",
            [false, false, true, true, true, true, true, false, false],
        ),
        ("GET", "/v1/coops/{coop}/directory", "/directory", [true; 9]),
        (
            "POST",
            "/v1/statutes/check",
            "/v1/statutes/check",
            [true; 9],
        ),
        (
            "GET",
            "/v1/coops/{coop}/applications",
            "/applications",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/applications/{application}",
            "/applications/nosuch",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/applications",
            "/applications",
            [true; 9],
        ),
        (
            "POST",
            "/v1/coops/{coop}/applications/{application}/admission",
            "/applications/nosuch/admission",
            // The supervisory board may hold the route, but this statute has the board admit.
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/applications/{application}/rejection",
            "/applications/nosuch/rejection",
            // The supervisory board may hold the route, but this statute has the board admit.
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/subscriptions",
            "/members/6/subscriptions",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/subscriptions",
            "/members/4/subscriptions",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/payments",
            "/members/6/payments",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/resignation",
            "/members/6/resignation",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/exclusion",
            "/members/6/exclusion",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/death",
            "/members/6/death",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/transfers",
            "/members/6/transfers",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/settlement",
            "/members/6/settlement",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/offices",
            "/members/6/offices",
            [false, false, true, true, true, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/offices/{office}/dismissal",
            "/members/6/offices/board/dismissal",
            [false, false, true, true, true, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/representatives",
            "/members/6/representatives",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/voting-rights",
            "/members/6/voting-rights",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/assemblies",
            "/assemblies",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/assemblies",
            "/assemblies",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/assemblies/{assembly}",
            "/assemblies/nosuch",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/assemblies/{assembly}/items",
            "/assemblies/nosuch/items",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/assemblies/{assembly}/attendance",
            "/assemblies/nosuch/attendance",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/assemblies/{assembly}/minutes",
            "/assemblies/nosuch/minutes",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/motions",
            "/motions",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/motions",
            "/motions",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/motions/{motion}",
            "/motions/nosuch",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/motions/{motion}/ballot",
            "/motions/nosuch/ballot",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/motions/{motion}/ballot/close",
            "/motions/nosuch/ballot/close",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/motions/{motion}/recount",
            "/motions/nosuch/recount",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/motions/{motion}/votes",
            "/motions/nosuch/votes",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/motions/{motion}/votes",
            "/motions/nosuch/votes",
            [false, true, true, true, true, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/votes",
            "/members/6/votes",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/votes",
            "/members/1/votes",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/proxies",
            "/members/6/proxies",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/proxies",
            "/members/1/proxies",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/proxy",
            "/members/6/proxy",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/members/{member}/proxy",
            "/members/4/proxy",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "DELETE",
            "/v1/coops/{coop}/members/{member}/proxy",
            "/members/6/proxy",
            [false, true, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/investments",
            "/investments",
            [false, true, true, true, true, true, true, true, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/accounts",
            "/books/accounts",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/accounts",
            "/books/accounts",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/payments",
            "/books/payments",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/levies",
            "/books/levies",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/entries",
            "/books/entries",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/entries/{entry}/reversal",
            "/books/entries/nosuchentry/reversal",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/years/{year_end}/closing",
            "/books/years/2099-12-31/closing",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/years/{year_end}/profit-use",
            "/books/years/2099-12-31/profit-use",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/loans",
            "/books/loans",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "POST",
            "/v1/coops/{coop}/books/loans/{loan}/repayments",
            "/books/loans/nosuchloan/repayments",
            [false, false, true, true, false, false, false, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/trial-balance",
            "/books/trial-balance",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/balance-sheet",
            "/books/balance-sheet",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/income-statement",
            "/books/income-statement",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/ledger",
            "/books/ledger?account=1200",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/members/{member}",
            "/books/members/6",
            [false, true, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/open-items",
            "/books/open-items",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/books/export",
            "/books/export?format=csv",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/events",
            "/events",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/events/stream",
            "/events/stream",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/verify",
            "/verify",
            [false, false, true, true, true, true, true, false, false],
        ),
        (
            "GET",
            "/v1/coops/{coop}/tokens",
            "/tokens",
            [false, false, false, false, false, false, false, false, true],
        ),
        (
            "POST",
            "/v1/coops/{coop}/tokens",
            "/tokens",
            [false, false, false, false, false, false, false, false, true],
        ),
        (
            "DELETE",
            "/v1/coops/{coop}/tokens/{token}",
            "/tokens/nosuchtoken",
            [false, false, false, false, false, false, false, false, true],
        ),
        (
            "POST",
            "/v1/coops/{coop}/moving-in",
            "/moving-in",
            [false, false, false, false, false, false, false, false, true],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/tokens",
            "/members/6/tokens",
            [false, true, false, false, false, false, false, false, true],
        ),
        (
            "GET",
            "/v1/coops/{coop}/members/{member}/tokens",
            "/members/1/tokens",
            [false, false, true, false, false, false, false, false, true],
        ),
        (
            "POST",
            "/v1/coops/{coop}/projections/{projection}/rebuild",
            "/projections/register/rebuild",
            [false, false, false, false, false, false, false, false, true],
        ),
    ];

    let openapi = http.get(&server.url("/openapi.json"), None).json();
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let method = method.to_uppercase();
            assert!(
                matrix.iter().any(|(m, p, _, _)| *m == method && p == path),
                "{method} {path} is in the API but not in this matrix"
            );
        }
    }

    for (method, template, path, allowed) in matrix {
        let url = if path.starts_with('/') && path.starts_with("/v1") {
            server.url(path)
        } else {
            coop_url(&server, path)
        };
        for (column, principal) in who.iter().enumerate() {
            let token = tokens.get(principal).map(String::as_str);
            // A body the server reads in full (an unread one may close the connection under
            // the client) and that writes nothing: an auditor's token, or an incomplete body.
            let body = match *method {
                "POST" if template.ends_with("/tokens") => {
                    Some(r#"{"principal": "auditor", "expires_in_days": 1}"#)
                }
                "POST" if !template.ends_with("/rebuild") => Some("{}"),
                _ => None,
            };
            let reply = http.send(method, &url, token, &[], body);
            let refused = matches!(reply.status, 401 | 403);
            assert_eq!(
                !refused, allowed[column],
                "{method} {path} as {principal}: {} {}",
                reply.status, reply.text
            );
            if refused {
                let expected = if token.is_none() { 401 } else { 403 };
                assert_eq!(reply.status, expected, "{method} {path} as {principal}");
                assert_eq!(reply.content_type, "application/problem+json");
            }
        }
    }
}

fn a_revoked_or_expired_token_is_refused_at_once(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = tokens["admin"].as_str();

    let issued = issue_auditor_token(&http, &server, admin).json();
    let secret = issued["secret"].as_str().expect("a secret").to_owned();
    let id = issued["token"].as_str().expect("an id").to_owned();
    assert_eq!(
        http.get(&coop_url(&server, "/events"), Some(&secret))
            .status,
        200
    );

    let revoked = http.send(
        "DELETE",
        &coop_url(&server, &format!("/tokens/{id}")),
        Some(admin),
        &[],
        None,
    );
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    // At once: the answer came after this server's projections took the revocation in.
    let refused = http.get(&coop_url(&server, "/events"), Some(&secret));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["code"], "unauthorized");
    let again = http.send(
        "DELETE",
        &coop_url(&server, &format!("/tokens/{id}")),
        Some(admin),
        &[],
        None,
    );
    assert_eq!(
        (again.status, again.json()["code"].clone()),
        (409, "token-already-revoked".into())
    );

    // An expired token: written as the log would hold it once its day has passed.
    let rt = runtime();
    let ledger = db.ledger(&rt);
    let secret = "vb1_expired-token-for-the-test";
    let digest = blake3::hash(secret.as_bytes()).to_hex().to_string();
    let expired = serde_json::json!({
        "token": "expired1",
        "principal": {"type": "auditor"},
        "digest": digest,
        "expires_at": "2020-01-01T00:00:00Z",
    });
    let log = verbund_ledger::LogId::parse(COOP).expect("valid");
    let commit = verbund_ledger::Commit::new(
        verbund_ledger::CommandId::parse("test-expired").expect("valid"),
        verbund_ledger::Actor::parse("test").expect("valid"),
        None,
        vec![verbund_ledger::StreamAppend::new(
            verbund_ledger::StreamId::parse("token-expired1").expect("valid"),
            verbund_ledger::ExpectedVersion::Any,
            vec![verbund_ledger::NewEvent::json("TokenIssued", 1, &expired).expect("valid")],
        )],
    )
    .expect("valid");
    let position = rt
        .block_on(ledger.append(&log, commit))
        .expect("append")
        .last_position;
    rt.block_on(ledger.close());
    let listed = http.send(
        "GET",
        &coop_url(&server, "/tokens"),
        Some(admin),
        &[("verbund-min-position", &position.to_string())],
        None,
    );
    let listed = listed.json();
    let entry = listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["token"] == "expired1")
        .expect("the expired token is listed")
        .clone();
    assert_eq!(entry["valid"], false);
    assert_eq!(
        http.get(&coop_url(&server, "/events"), Some(secret)).status,
        401
    );

    // The list in pages of three, each after the last id of the one before: the same tokens.
    let ids = |list: &serde_json::Value| -> Vec<String> {
        list["tokens"]
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| t["token"].as_str().expect("an id").to_owned())
            .collect()
    };
    let all = ids(&listed);
    assert!(
        listed.get("next_after").is_none(),
        "one page holds them all"
    );
    assert!(all.len() > 3, "{all:?}");
    let paged = all_pages(3, "tokens", "next_after", |after| {
        let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
        http.get(
            &coop_url(&server, &format!("/tokens?limit=3{after}")),
            Some(admin),
        )
        .json()
    });
    let paged = ids(&serde_json::json!({ "tokens": paged }));
    assert_eq!(paged, all);
}

fn tokens_never_appear_in_the_servers_log(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "trace");
    let http = Http::default();
    for token in tokens.values() {
        http.get(&coop_url(&server, "/me"), Some(token));
        http.get(&coop_url(&server, "/events"), Some(token));
    }
    let issued = http
        .send(
            "POST",
            &coop_url(&server, "/tokens"),
            Some(&tokens["admin"]),
            &[],
            Some(r#"{"principal": "regulator"}"#),
        )
        .json();
    let fresh = issued["secret"].as_str().expect("a secret");
    http.get(&coop_url(&server, "/me"), Some(fresh));
    let log = server.log_text();
    assert!(
        log.contains("request_id"),
        "the server logged its requests at trace level"
    );
    for token in tokens.values().map(String::as_str).chain([fresh]) {
        assert!(!log.contains(token), "a token is in the log");
        // Not even the part after the prefix.
        assert!(
            !log.contains(&token[4..20]),
            "part of a token is in the log"
        );
    }
    for name in ["Schreinerei Huber", "Anna Berger"] {
        assert!(!log.contains(name), "personal data ({name}) is in the log");
    }
}

fn errors_are_problem_json_with_stable_codes(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = Some(tokens["admin"].as_str());
    let check = |reply: Reply, status: u16, code: &str| {
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        let problem = reply.json();
        assert_eq!(problem["code"], code, "{problem}");
        assert_eq!(problem["type"], format!("/problems/{code}"));
        assert_eq!(problem["status"], status);
        problem
    };
    check(
        http.get(&server.url("/v1/coops/nosuch-eg"), None),
        404,
        "coop-not-found",
    );
    check(
        http.get(&server.url("/v1/coops/NOT%20VALID"), None),
        404,
        "coop-not-found",
    );
    check(
        http.get(&server.url("/nowhere"), None),
        404,
        "route-not-found",
    );
    check(
        http.get(&coop_url(&server, "/events"), Some("vb1_0000")),
        401,
        "unauthorized",
    );
    check(
        http.send(
            "GET",
            &coop_url(&server, "/events"),
            None,
            &[("authorization", "Basic abc")],
            None,
        ),
        401,
        "unauthorized",
    );
    let tokens_url = coop_url(&server, "/tokens");
    let problem = check(
        http.send("POST", &tokens_url, admin, &[], Some(r#"{"principal": 7}"#)),
        400,
        "body-malformed",
    );
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("principal"),
        "{problem}"
    );
    assert_eq!(problem["field"], "principal", "{problem}");
    let missing = check(
        http.send("POST", &tokens_url, admin, &[], Some("{}")),
        400,
        "body-malformed",
    );
    assert_eq!(missing["field"], "principal", "{missing}");
    let trailing = check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[],
            Some(r#"{"principal": "auditor"} {}"#),
        ),
        400,
        "body-malformed",
    );
    assert_eq!(trailing["field"], "body", "{trailing}");
    check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[],
            Some(r#"{"principal": "auditor", "colour": 1}"#),
        ),
        400,
        "body-malformed",
    );
    check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[],
            Some(r#"{"principal": "member:99"}"#),
        ),
        404,
        "member-not-found",
    );
    check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[],
            Some(r#"{"principal": "root"}"#),
        ),
        400,
        "principal-malformed",
    );
    check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[],
            Some(r#"{"principal": "auditor", "expires_in_days": 400}"#),
        ),
        400,
        "expiry-out-of-range",
    );
    let big = format!(r#"{{"principal": "{}"}}"#, "x".repeat(70 * 1024));
    check(
        http.send("POST", &tokens_url, admin, &[], Some(&big)),
        413,
        "body-too-large",
    );
    check(
        http.send(
            "POST",
            &tokens_url,
            admin,
            &[("content-type", "text/plain")],
            None,
        ),
        415,
        "content-type-unsupported",
    );
    check(
        http.send(
            "GET",
            &coop_url(&server, "/members?limit=0"),
            Some(tokens["auditor"].as_str()),
            &[],
            None,
        ),
        400,
        "query-malformed",
    );
    let problem = check(
        http.send(
            "GET",
            &coop_url(&server, "/members?limit=abc"),
            Some(&tokens["auditor"]),
            &[],
            None,
        ),
        400,
        "query-malformed",
    );
    assert_eq!(problem["field"], "limit", "{problem}");
    check(
        http.get(&coop_url(&server, "/members/99"), Some(&tokens["auditor"])),
        404,
        "member-not-found",
    );
    check(
        http.send(
            "GET",
            &coop_url(&server, ""),
            None,
            &[("verbund-min-position", "soon")],
            None,
        ),
        400,
        "min-position-malformed",
    );
    let beyond = check(
        http.send(
            "GET",
            &coop_url(&server, ""),
            None,
            &[("verbund-min-position", "999999")],
            None,
        ),
        400,
        "min-position-beyond-head",
    );
    assert!(
        beyond["detail"]
            .as_str()
            .expect("detail")
            .contains("999999")
    );
    check(
        http.send(
            "POST",
            &coop_url(&server, "/projections/nosuch/rebuild"),
            admin,
            &[],
            None,
        ),
        404,
        "projection-not-found",
    );
    check(
        http.send("PUT", &coop_url(&server, ""), None, &[], None),
        405,
        "method-not-allowed",
    );
    // A path parameter that is not UTF-8 once decoded.
    let problem = check(
        http.get(&server.url("/v1/coops/%FF/members"), None),
        400,
        "path-malformed",
    );
    assert_eq!(problem["field"], "path", "{problem}");
    // A feed resumed after a position that is not one, or after the last possible one.
    let auditor = Some(tokens["auditor"].as_str());
    for last in ["abc", "-1", "18446744073709551615"] {
        let problem = check(
            http.send(
                "GET",
                &coop_url(&server, "/events/stream"),
                auditor,
                &[("last-event-id", last)],
                None,
            ),
            400,
            "last-event-id-malformed",
        );
        assert_eq!(problem["field"], "Last-Event-ID", "{problem}");
    }
    // HEAD is answered as GET without a body, under the GET route's rule.
    let head = http.send("HEAD", &server.url("/v1/coops"), None, &[], None);
    assert_eq!(head.status, 200, "{}", head.text);
    assert!(head.bytes.is_empty());
    let head = http.send("HEAD", &coop_url(&server, "/events"), None, &[], None);
    assert_eq!(head.status, 401, "{}", head.text);
    assert_eq!(head.content_type, "application/problem+json");
    let head = http.send("HEAD", &coop_url(&server, "/members"), auditor, &[], None);
    assert_eq!(head.status, 200, "{}", head.text);
}

fn a_repeated_write_answers_the_original_and_a_reused_key_is_refused(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = Some(tokens["admin"].as_str());
    let url = coop_url(&server, "/tokens");
    let key = [("idempotency-key", "issue-auditor-1")];
    let body = r#"{"principal": "auditor", "expires_in_days": 3}"#;
    let first = http.send("POST", &url, admin, &key, Some(body));
    assert_eq!(first.status, 201, "{}", first.text);
    let second = http.send("POST", &url, admin, &key, Some(body));
    assert_eq!(second.status, 200, "{}", second.text);
    let (first, second) = (first.json(), second.json());
    assert_eq!(first["token"], second["token"]);
    assert_eq!(first["position"], second["position"]);
    assert_eq!(second["replayed"], true);
    assert!(second["secret"].is_null(), "a secret is shown once");

    let other = http.send(
        "POST",
        &url,
        admin,
        &key,
        Some(r#"{"principal": "regulator"}"#),
    );
    assert_eq!(
        (other.status, other.json()["code"].clone()),
        (422, "idempotency-key-reused".into())
    );
    let bad = http.send(
        "POST",
        &url,
        admin,
        &[("idempotency-key", "no spaces")],
        Some(body),
    );
    assert_eq!(
        (bad.status, bad.json()["code"].clone()),
        (400, "idempotency-key-malformed".into())
    );
    let listed = http.get(&url, admin).json();
    let auditors = listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter(|t| t["token"] == first["token"])
        .count();
    assert_eq!(auditors, 1, "the repeated request issued nothing");
}

fn a_read_with_a_writes_position_sees_the_write(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = Some(tokens["admin"].as_str());
    for _ in 0..20 {
        let issued = http.send(
            "POST",
            &coop_url(&server, "/tokens"),
            admin,
            &[],
            Some(r#"{"principal": "regulator"}"#),
        );
        assert_eq!(issued.status, 201, "{}", issued.text);
        let position = issued.position.expect("a write answers with its position");
        assert_eq!(issued.json()["position"], position);
        let id = issued.json()["token"].clone();
        let listed = http.send(
            "GET",
            &coop_url(&server, "/tokens"),
            admin,
            &[("verbund-min-position", &position.to_string())],
            None,
        );
        assert!(listed.position.expect("a read answers with its position") >= position);
        assert!(
            listed.json()["tokens"]
                .as_array()
                .expect("tokens")
                .iter()
                .any(|t| t["token"] == id)
        );
    }
}

/// Appends to `coop`'s log, as another process would, an event of a type this build does not
/// know (as a newer build would write it).
fn append_unreadable_event(db: &TestDb, rt: &tokio::runtime::Runtime, coop: &str, command: &str) {
    let ledger = db.ledger(rt);
    let commit = verbund_ledger::Commit::new(
        verbund_ledger::CommandId::parse(command).expect("valid"),
        verbund_ledger::Actor::parse("test").expect("valid"),
        None,
        vec![verbund_ledger::StreamAppend::new(
            verbund_ledger::StreamId::parse("coop").expect("valid"),
            verbund_ledger::ExpectedVersion::Any,
            vec![
                verbund_ledger::NewEvent::json(
                    "SomethingNewer",
                    1,
                    &serde_json::json!({"what": "a newer build wrote this"}),
                )
                .expect("valid"),
            ],
        )],
    )
    .expect("valid");
    let log = verbund_ledger::LogId::parse(coop).expect("valid");
    rt.block_on(ledger.append(&log, commit)).expect("append");
    rt.block_on(ledger.close());
}

/// A cooperative whose log holds an event this build cannot read (written by a newer one)
/// does not keep the server from starting or from serving the other cooperatives: its
/// requests fail, and `/readyz` says the server is not ready.
fn a_cooperative_whose_projections_cannot_start_leaves_the_others_served(db: &TestDb) {
    let tokens = found(db);
    create_coop(db, "broken-eg");
    let rt = runtime();
    append_unreadable_event(db, &rt, "broken-eg", "from-the-future");

    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let served = http.get(&coop_url(&server, ""), None);
    assert_eq!(served.status, 200, "{}", served.text);
    let members = http.get(&coop_url(&server, "/members"), Some(&tokens["auditor"]));
    assert_eq!(members.status, 200, "{}", members.text);
    let refused = http.get(&server.url("/v1/coops/broken-eg"), None);
    assert_eq!(refused.status, 500, "{}", refused.text);
    assert_eq!(refused.json()["code"], "internal");
    assert!(!refused.text.contains("SomethingNewer"), "{}", refused.text);
    let listed = http.get(&server.url("/v1/coops"), None);
    assert_eq!(listed.status, 200, "{}", listed.text);
    let listed = listed.json();
    let ids: Vec<&str> = listed["coops"]
        .as_array()
        .expect("coops")
        .iter()
        .map(|c| c["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(ids, [COOP], "the broken cooperative is not listed");
    assert_eq!(http.get(&server.url("/readyz"), None).status, 503);

    // The same event reaches a cooperative that is being served: its projections stop there,
    // and its states, standing still, are no longer served (a token revoked after that event
    // would still be accepted).
    append_unreadable_event(db, &rt, COOP, "from-the-future-too");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let members = http.get(&coop_url(&server, "/members"), Some(&tokens["auditor"]));
        if members.status == 500 {
            assert_eq!(members.json()["code"], "internal");
            break;
        }
        assert_eq!(members.status, 200, "{}", members.text);
        assert!(
            std::time::Instant::now() < deadline,
            "the failed projections are still served"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        http.get(&coop_url(&server, "/members"), Some(&tokens["auditor"]))
            .status,
        500,
        "not started again at once"
    );
}

/// An auditor's event stream stays open for as long as the connection lives; once its
/// token is revoked, it sends nothing more and ends.
fn an_event_stream_ends_once_its_token_is_revoked(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = tokens["admin"].as_str();
    let issued = issue_auditor_token(&http, &server, admin).json();
    let secret = issued["secret"].as_str().expect("a secret").to_owned();
    let id = issued["token"].as_str().expect("an id").to_owned();

    let mut stream =
        std::net::TcpStream::connect(server.base.trim_start_matches("http://")).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("a timeout");
    use std::io::Write as _;
    write!(
        stream,
        "GET /v1/coops/{COOP}/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut reader = std::io::BufReader::new(stream);
    let mut line = String::new();
    let mut last_id = 0u64;
    let read_id = |reader: &mut std::io::BufReader<std::net::TcpStream>, line: &mut String| {
        line.clear();
        let n = reader.read_line(line).expect("the stream answers or ends");
        if let Some(id) = line.trim().strip_prefix("id:") {
            return Some(Some(id.trim().parse::<u64>().expect("a position")));
        }
        (n > 0).then_some(None)
    };
    while last_id == 0 {
        if let Some(Some(id)) = read_id(&mut reader, &mut line) {
            last_id = id;
        }
    }

    let revoked = http.send(
        "DELETE",
        &coop_url(&server, &format!("/tokens/{id}")),
        Some(admin),
        &[],
        None,
    );
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    let after = issue_auditor_token(&http, &server, admin)
        .position
        .expect("a write's position");
    // The stream ends (the server closes the connection) without the event written after.
    while let Some(read) = read_id(&mut reader, &mut line) {
        if let Some(id) = read {
            assert!(id < after, "event {id} went out under a revoked token");
        }
    }
}

fn the_event_feed_streams_the_log_with_positions_as_ids(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let mut stream =
        std::net::TcpStream::connect(server.base.trim_start_matches("http://")).expect("connect");
    use std::io::Write as _;
    write!(
        stream,
        "GET /v1/coops/{COOP}/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nLast-Event-ID: 3\r\n\r\n",
        tokens["auditor"]
    )
    .expect("send");
    let mut reader = std::io::BufReader::new(stream);
    let mut ids = Vec::new();
    let mut line = String::new();
    while ids.len() < 5 {
        line.clear();
        reader.read_line(&mut line).expect("read");
        if let Some(id) = line
            .trim()
            .strip_prefix("id: ")
            .or(line.trim().strip_prefix("id:"))
        {
            ids.push(id.trim().parse::<u64>().expect("a position"));
        }
        if let Some(data) = line
            .trim()
            .strip_prefix("data: ")
            .or(line.trim().strip_prefix("data:"))
        {
            let event: serde_json::Value = serde_json::from_str(data).expect("JSON data");
            assert_eq!(event["position"], *ids.last().expect("id before data"));
            assert_eq!(event["hash"].as_str().expect("hash").len(), 64);
        }
    }
    assert_eq!(
        ids,
        [4, 5, 6, 7, 8],
        "resumed after Last-Event-ID, in order, without gaps"
    );
}

fn the_member_list_as_of_a_past_position_is_the_list_then(db: &TestDb) {
    let tokens = found(db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let auditor = Some(tokens["auditor"].as_str());
    // The founding: the coop event, 6 appointments (board 2, supervisory board 3, treasurer),
    // then one admission per founder at positions 8 to 13.
    let at = |position: u64| {
        http.get(
            &coop_url(&server, &format!("/members?at_position={position}")),
            auditor,
        )
        .json()
    };
    let count = |page: &serde_json::Value| page["members"].as_array().expect("members").len();
    assert_eq!(count(&at(7)), 0);
    assert_eq!(count(&at(9)), 2);
    assert_eq!(at(9)["position"], 9);
    assert_eq!(count(&at(1000)), 6);
    let past = http
        .get(
            &coop_url(&server, "/members?as_of=2000-01-01T00:00:00Z"),
            auditor,
        )
        .json();
    assert_eq!((count(&past), past["position"].clone()), (0, 0.into()));
    let now = http
        .get(
            &coop_url(&server, "/members?as_of=2999-01-01T00:00:00Z"),
            auditor,
        )
        .json();
    assert_eq!(count(&now), 6);
    let both = http.get(
        &coop_url(&server, "/members?as_of=2999-01-01T00:00:00Z&at_position=3"),
        auditor,
    );
    assert_eq!(both.status, 400);
}

#[test]
fn the_openapi_document_is_3_1_and_the_docs_page_lists_every_route() {
    let db = TestDb::sqlite();
    let tokens = found(&db);
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let openapi = http.get(&server.url("/openapi.json"), None).json();
    assert_eq!(openapi["openapi"], "3.1.0");
    // Every schema the document refers to is in it (a dangling reference leaves a parameter
    // unchecked by clients and fuzzers).
    let text = openapi.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("a name");
        assert!(
            openapi["components"]["schemas"].get(name).is_some(),
            "#/components/schemas/{name} is referred to but missing"
        );
    }
    // A route that reads a header or query parameter answers a malformed or impossible one
    // with 400, so its document must say so (a fuzzer sends e.g. a position past the head).
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let checked = parameters
                .iter()
                .any(|p| p["in"] == "header" || p["in"] == "query");
            if checked {
                assert!(
                    operation["responses"].get("400").is_some(),
                    "{method} {path} reads headers or a query but does not document 400"
                );
            }
        }
    }
    let docs = http.get(&server.url("/docs"), None);
    assert!(docs.content_type.starts_with("text/html"));
    for path in openapi["paths"].as_object().expect("paths").keys() {
        assert!(
            docs.text.contains(path.as_str()),
            "{path} missing from /docs"
        );
    }
    let health = http.get(&server.url("/healthz"), None);
    assert_eq!((health.status, health.text.as_str()), (200, "ok"));
    assert_eq!(http.get(&server.url("/readyz"), None).status, 200);
    // The metrics name the cooperatives and count requests per route: never beside the API
    // (issue 23, point 7), only on the operator's listener, on this machine by default.
    let public = http.get(&server.url("/metrics"), None);
    assert_eq!(public.status, 404, "{}", public.text);
    assert!(!public.text.contains(COOP) && !public.text.contains("verbund_"));
    assert!(
        server.metrics.starts_with("http://127.0.0.1:"),
        "{}",
        server.metrics
    );
    let metrics = http.get(&server.metrics, None).text;
    for name in [
        "verbund_http_request_duration_seconds",
        "verbund_ledger_batch_appends",
        "verbund_projection_lag_events",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    // A write goes through the group commit, whose batch is counted.
    let issued = http.send(
        "POST",
        &coop_url(&server, "/tokens"),
        Some(&tokens["admin"]),
        &[],
        Some(r#"{"principal": "auditor"}"#),
    );
    assert_eq!(issued.status, 201, "{}", issued.text);
    let metrics = http.get(&server.metrics, None).text;
    let batches = metrics
        .lines()
        .find_map(|line| line.strip_prefix("verbund_ledger_batch_appends_count "))
        .and_then(|n| n.trim().parse::<u64>().ok());
    assert_eq!(batches, Some(1), "{metrics}");
    let position = format!("verbund_projection_position{{coop=\"{COOP}\"}}");
    assert!(metrics.contains(&position), "{metrics}");
}

/// Two server processes on one PostgreSQL database: a write through one is visible through the
/// other with its position, and a token issued through one works on the other.
#[test]
fn two_servers_on_one_postgres_database_serve_consistent_data() {
    let Some(db) = TestDb::postgres("two_servers") else {
        return;
    };
    let tokens = found(&db);
    let a = Server::start(verbund(), &db.url, "warn");
    let b = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let admin = Some(tokens["admin"].as_str());
    for round in 0..10 {
        let (write, read) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let issued = http.send(
            "POST",
            &coop_url(write, "/tokens"),
            admin,
            &[],
            Some(r#"{"principal": "auditor"}"#),
        );
        assert_eq!(issued.status, 201, "{}", issued.text);
        let position = issued.position.expect("a position");
        let issued = issued.json();
        let listed = http.send(
            "GET",
            &coop_url(read, "/tokens"),
            admin,
            &[("verbund-min-position", &position.to_string())],
            None,
        );
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert!(
            listed.json()["tokens"]
                .as_array()
                .expect("tokens")
                .iter()
                .any(|t| t["token"] == issued["token"])
        );
        let secret = issued["secret"].as_str().expect("a secret");
        assert_eq!(http.get(&coop_url(read, "/me"), Some(secret)).status, 200);
    }
}

/// A request refused before any handler reads its body (here a 401) leaves its connection
/// usable: the body arrives after the headers, and the next request on the same connection
/// is answered. (Unread, the body made the server close the connection under a client that
/// pools connections.) A body over the limit is a 413 that closes the connection.
#[test]
fn a_refused_request_keeps_its_connection_and_an_oversized_body_closes_it() {
    use std::io::{Read as _, Write as _};
    let db = TestDb::sqlite();
    found(&db);
    let server = Server::start(verbund(), &db.url, "warn");
    let address = server.base.trim_start_matches("http://").to_owned();
    let path = format!("/v1/coops/{COOP}/applications/nosuch/admission");
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("a timeout");
    let body = "{}";
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("headers");
    stream.flush().expect("flush");
    // The body comes late, as it does from clients that write headers and body apart.
    std::thread::sleep(std::time::Duration::from_millis(300));
    write!(
        stream,
        "{body}GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("the body and a second request on the same connection");
    let mut answers = String::new();
    stream.read_to_string(&mut answers).expect("both answers");
    // The second status line follows the first body directly (no line break after JSON).
    let statuses: Vec<&str> = answers
        .match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| answers[at..].split("\r\n").next())
        .collect();
    assert_eq!(
        statuses,
        ["HTTP/1.1 401 Unauthorized", "HTTP/1.1 200 OK"],
        "{answers}"
    );

    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("a timeout");
    let big = 64 * 1024 + 1;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {big}\r\n\r\n{}",
        "x".repeat(big)
    )
    .expect("a large request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    // Issue 23, point 8: a declared length of 10^12 with no body behind it is refused at once
    // (no waiting for bytes that never come), and nothing of it is a server error in the log.
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("a timeout");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n"
    )
    .expect("headers only");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        !server.log_text().contains("ERROR"),
        "{}",
        server.log_text()
    );
}
