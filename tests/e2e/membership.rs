//! Membership end to end over HTTP: a cooperative of 12 craft firms and 30 citizens is founded
//! through the CLI, grows and loses members through the API, and its member list as of three
//! past days is what an independent recomputation says; bad input is refused with nothing
//! written.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use verbund_tests::*;

use crate::{examples, found_and_serve, verbund};

on_both_databases!(
    a_cooperative_of_firms_and_citizens_grows_and_shrinks_and_its_past_lists_are_right,
    bad_membership_input_is_a_clear_4xx_and_writes_nothing,
    personal_data_is_erased_after_the_retention_period_and_the_chain_stays_intact,
);

const COOP: &str = "handwerk-eg";

/// Three firms and two citizens found the cooperative on 2024-01-15; a person serves in
/// office for each firm (G9-24).
const FOUNDING: &str = r#"
founded_on = "2024-01-15"
board = [{ member = 1, serving = "Anton Eins" }, { member = 2, serving = "Berta Zwei" }]
supervisory_board = [{ member = 3, serving = "Carl Drei" }, 4, 5]
treasurer = { member = 2, serving = "Berta Zwei" }

[[founders]]
name = "Firma 1 Schreinerei"
address = "Hauptstraße 1, 12345 Musterdorf"
kind = { type = "firm", trade = "Schreinerei", region = "Musterdorf", employees = 6 }
shares = 2
listed = true

[[founders]]
name = "Firma 2 Elektro"
address = "Hauptstraße 2, 12345 Musterdorf"
kind = { type = "firm", trade = "Elektro", region = "Musterdorf", employees = 4 }
shares = 1
listed = true

[[founders]]
name = "Firma 3 Malerei"
address = "Hauptstraße 3, 12346 Nachbarort"
kind = { type = "firm", trade = "Malerei", region = "Nachbarort", employees = 3 }
shares = 1
listed = false

[[founders]]
name = "Bürgerin 1"
address = "Lindenweg 1, 12345 Musterdorf"
kind = { type = "natural-person" }
shares = 1

[[founders]]
name = "Bürger 2"
address = "Lindenweg 2, 12345 Musterdorf"
kind = { type = "natural-person" }
shares = 1
"#;

/// What the test knows of a member, to recompute the list independently.
#[derive(Clone, Debug)]
struct Known {
    name: String,
    firm: bool,
    listed: bool,
    admitted_on: &'static str,
    /// The last day of membership.
    exit_on: Option<&'static str>,
    /// Shares subscribed, with the day each holding took effect.
    shares: Vec<(&'static str, u64)>,
}

impl Known {
    fn is_member_on(&self, day: &str) -> bool {
        self.admitted_on <= day && self.exit_on.is_none_or(|exit| day <= exit)
    }
    fn shares_on(&self, day: &str) -> u64 {
        self.shares
            .iter()
            .filter(|(from, _)| *from <= day)
            .map(|(_, n)| *n)
            .next_back()
            .unwrap_or(0)
    }
}

/// What these tests do in the register beyond the shared client.
trait Register {
    /// Files an application and admits it; the new member's number.
    fn join(&self, name: &str, kind: Value, declared_on: &str, admitted_on: &str) -> u64;
}

impl Register for Client {
    /// Files an application and admits it; the new member's number.
    fn join(&self, name: &str, kind: Value, declared_on: &str, admitted_on: &str) -> u64 {
        let applied = self.ok(
            "/applications",
            "public",
            json!({
                "name": name,
                "address": format!("{name}straße 1, 12345 Musterdorf"),
                "kind": kind,
                "shares": 1,
                "declared_on": declared_on,
                "acknowledged": {"pays_for_shares": true},
                "listed": true,
            }),
        );
        let id = applied["application"].as_str().expect("an id");
        let admitted = self.ok(
            &format!("/applications/{id}/admission"),
            "member:1",
            json!({"admitted_on": admitted_on}),
        );
        admitted["member"].as_u64().expect("a member number")
    }
}

/// Founds the cooperative through the CLI (on `founded_on`), starts a server and issues tokens.
fn start(db: &TestDb, extra_principals: &[String], founded_on: &str) -> Client {
    let mut principals: Vec<String> = ["member:1", "member:2", "member:3", "auditor"]
        .map(str::to_owned)
        .to_vec();
    principals.extend_from_slice(extra_principals);
    let founding = FOUNDING.replace("2024-01-15", founded_on);
    found_and_serve(db, COOP, &examples("statute.toml"), &founding, principals)
}

fn numbers(page: &Value) -> Vec<u64> {
    page["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["member"].as_u64().expect("a number"))
        .collect()
}

/// G15, G30, G65, G68, G73, G76: founded with 3 firms and 2 citizens; 9 firms and 28
/// citizens join; a firm subscribes more shares; one applicant is rejected; a citizen resigns, a firm
/// is excluded, a citizen dies, a citizen transfers everything and leaves. The list as of
/// three past days matches a recomputation from what the test did.
fn a_cooperative_of_firms_and_citizens_grows_and_shrinks_and_its_past_lists_are_right(db: &TestDb) {
    let coop = start(db, &[], "2024-01-15");
    let mut known: BTreeMap<u64, Known> = BTreeMap::new();
    for (no, name, firm, listed) in [
        (1, "Firma 1 Schreinerei", true, true),
        (2, "Firma 2 Elektro", true, true),
        (3, "Firma 3 Malerei", true, false),
        (4, "Bürgerin 1", false, false),
        (5, "Bürger 2", false, false),
    ] {
        known.insert(
            no,
            Known {
                name: name.to_owned(),
                firm,
                listed,
                admitted_on: "2024-01-15",
                exit_on: None,
                shares: vec![("2024-01-15", if no == 1 { 2 } else { 1 })],
            },
        );
    }
    let mut join = |name: String, firm: bool, admitted_on: &'static str| {
        let kind = if firm {
            json!({"type": "firm", "trade": "Zimmerei", "region": "Musterdorf", "employees": 5})
        } else {
            json!({"type": "natural-person"})
        };
        let no = coop.join(&name, kind, "2024-02-01", admitted_on);
        known.insert(
            no,
            Known {
                name,
                firm,
                listed: true,
                admitted_on,
                exit_on: None,
                shares: vec![(admitted_on, 1)],
            },
        );
        no
    };
    let firms: Vec<u64> = (4..=12)
        .map(|i| join(format!("Firma {i}"), true, "2024-02-15"))
        .collect();
    let early: Vec<u64> = (3..=16)
        .map(|i| join(format!("Bürger {i}"), false, "2024-04-01"))
        .collect();
    let late: Vec<u64> = (17..=30)
        .map(|i| join(format!("Bürger {i}"), false, "2025-02-01"))
        .collect();
    let firm_count = known.values().filter(|k| k.firm).count();
    assert_eq!((firm_count, known.len() - firm_count), (12, 30));
    assert_eq!(firms[0], 6, "numbers follow the founders");

    // A rejection erases the applicant's data (G15).
    let rejected = coop.ok(
        "/applications",
        "public",
        json!({"name": "Abgelehnt GmbH", "address": "Irgendwo 1", "kind": {"type": "natural-person"},
               "shares": 1, "declared_on": "2024-03-01", "acknowledged": {"pays_for_shares": true}}),
    );
    let rejected = rejected["application"].as_str().expect("an id").to_owned();
    let pending = coop.fetch("/applications", "member:1").json();
    assert_eq!(pending["applications"][0]["name"], "Abgelehnt GmbH");
    let told = coop.ok(
        &format!("/applications/{rejected}/rejection"),
        "member:1",
        json!({"reason": "Not from the region", "rejected_on": "2024-03-10"}),
    );
    assert_eq!(
        told["notify"],
        json!({"name": "Abgelehnt GmbH", "address": "Irgendwo 1"}),
        "whom to tell, once"
    );
    let after = coop
        .fetch(&format!("/applications/{rejected}"), "member:3")
        .json();
    assert_eq!(
        (after["status"].clone(), after["name"].clone()),
        (json!("rejected"), Value::Null),
        "{after}"
    );
    assert_eq!(
        coop.fetch("/applications", "auditor").json()["applications"],
        json!([])
    );
    // Every application, in pages of two, each after the last id of the one before: the same
    // list in the same order as in one page.
    let ids = |list: &Value| -> Vec<String> {
        list["applications"]
            .as_array()
            .expect("applications")
            .iter()
            .map(|a| a["application"].as_str().expect("an id").to_owned())
            .collect()
    };
    let whole = coop.fetch("/applications?status=all", "auditor").json();
    assert!(whole.get("next_after").is_none());
    let all = ids(&whole);
    assert!(all.len() > 2, "{all:?}");
    let paged = all_pages(2, "applications", "next_after", |after| {
        let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
        coop.fetch(
            &format!("/applications?status=all&limit=2{after}"),
            "auditor",
        )
        .json()
    });
    let paged = ids(&json!({ "applications": paged }));
    assert_eq!(paged, all);
    assert_eq!(
        coop.fetch("/applications?after=nosuch", "auditor").status,
        400
    );

    // Payments, then further shares for a firm that paid (G15b).
    let (subscriber, excluded) = (firms[1], firms[2]);
    let (resigner, deceased, giver, acquirer) = (early[0], early[1], early[2], early[3]);
    for member in [subscriber, resigner, giver] {
        coop.ok(
            &format!("/members/{member}/payments"),
            "member:2",
            json!({"amount": "100.00", "received_on": "2024-04-05", "reference": format!("M{member}")}),
        );
    }
    coop.ok(
        &format!("/members/{subscriber}/subscriptions"),
        "member:1",
        json!({"shares": 2, "subscribed_on": "2024-06-01"}),
    );
    known
        .get_mut(&subscriber)
        .expect("known")
        .shares
        .push(("2024-06-01", 3));

    // The ways out.
    coop.ok(
        &format!("/members/{resigner}/resignation"),
        "member:1",
        json!({"declared_on": "2024-05-10", "in_text_form": true}),
    );
    known.get_mut(&resigner).expect("known").exit_on = Some("2025-12-31");
    coop.ok(
        &format!("/members/{excluded}/exclusion"),
        "member:1",
        json!({"ground": "arrears", "reason": "Two reminders unanswered", "dispatched_on": "2024-09-01"}),
    );
    known.get_mut(&excluded).expect("known").exit_on = Some("2024-12-31");
    coop.ok(
        &format!("/members/{deceased}/death"),
        "member:1",
        json!({"died_on": "2025-03-03"}),
    );
    known.get_mut(&deceased).expect("known").exit_on = Some("2025-12-31");
    coop.ok(
        &format!("/members/{giver}/transfers"),
        "member:1",
        json!({"to": acquirer, "amount": "100.00", "agreed_on": "2025-04-01", "in_text_form": true}),
    );
    known.get_mut(&giver).expect("known").exit_on = Some("2025-04-01");
    // The resigner's capital is paid out after the exit (G73).
    coop.ok(
        &format!("/members/{resigner}/settlement"),
        "member:2",
        json!({"amount": "100.00", "paid_on": "2026-01-10"}),
    );

    // The list as of three past days (G30), against the recomputation.
    for (day, expected_count) in [("2024-03-15", 14), ("2025-01-01", 27), ("2026-01-01", 38)] {
        let expected: Vec<u64> = known
            .iter()
            .filter(|(_, k)| k.is_member_on(day))
            .map(|(no, _)| *no)
            .collect();
        assert_eq!(expected.len(), expected_count, "the model on {day}");
        let page = coop
            .fetch(&format!("/members?as_of_date={day}&limit=1000"), "auditor")
            .json();
        assert_eq!(numbers(&page), expected, "the list as of {day}");
        for entry in page["members"].as_array().expect("members") {
            let no = entry["member"].as_u64().expect("a number");
            let k = &known[&no];
            assert_eq!(entry["name"], k.name.as_str(), "{day}");
            assert_eq!(entry["shares"], k.shares_on(day), "member {no} on {day}");
        }
        // Paged the same, and as CSV.
        let first = coop
            .fetch(&format!("/members?as_of_date={day}&limit=10"), "auditor")
            .json();
        let next = first["next_after"].as_u64().expect("more than a page");
        let second = coop
            .fetch(
                &format!("/members?as_of_date={day}&limit=10&after={next}"),
                "auditor",
            )
            .json();
        assert_eq!(
            [numbers(&first), numbers(&second)].concat(),
            expected[..expected.len().min(20)]
        );
        let csv = coop.fetch(&format!("/members?as_of_date={day}&format=csv"), "auditor");
        assert!(
            csv.content_type.starts_with("text/csv"),
            "{}",
            csv.content_type
        );
        let rows: Vec<&str> = csv.text.lines().collect();
        assert!(
            rows[0].starts_with("member,name,address,kind"),
            "{}",
            rows[0]
        );
        assert_eq!(rows.len() - 1, expected_count, "{}", csv.text);
        assert!(rows[1].starts_with("1,Firma 1 Schreinerei,"), "{}", rows[1]);
    }
    // Filters: the firms of the first day, and who had left by the last.
    let firms_then = coop
        .fetch("/members?as_of_date=2024-03-15&kind=firm", "auditor")
        .json();
    assert_eq!(numbers(&firms_then).len(), 12);
    let exited = coop
        .fetch("/members?as_of_date=2026-01-01&status=exited", "auditor")
        .json();
    let mut gone = vec![resigner, excluded, deceased, giver];
    gone.sort_unstable();
    assert_eq!(numbers(&exited), gone);

    // Statements: the transfer on both sides, the settlement and its deadline (G73, G76).
    let giver_statement = coop
        .fetch(&format!("/members/{giver}/statement"), "auditor")
        .json();
    assert_eq!(giver_statement["paid_in"], "0.00");
    assert_eq!(giver_statement["exit_cause"], "transfer");
    assert_eq!(giver_statement["settlement_due_on"], Value::Null);
    let out = &giver_statement["lines"][1];
    assert_eq!(
        (
            out["kind"].clone(),
            out["amount"].clone(),
            out["counterparty"].clone()
        ),
        (json!("transfer-out"), json!("-100.00"), json!(acquirer))
    );
    let acquirer_statement = coop
        .fetch(&format!("/members/{acquirer}/statement"), "auditor")
        .json();
    assert_eq!(acquirer_statement["paid_in"], "100.00");
    assert_eq!(acquirer_statement["lines"][0]["kind"], "transfer-in");
    assert_eq!(acquirer_statement["lines"][0]["counterparty"], giver);
    let resigner_statement = coop
        .fetch(&format!("/members/{resigner}/statement"), "member:2")
        .json();
    assert_eq!(resigner_statement["exit_on"], "2025-12-31");
    assert_eq!(resigner_statement["settlement_due_on"], "2026-06-30");
    assert_eq!(resigner_statement["settlement_paid_on"], "2026-01-10");
    let kinds: Vec<(Value, Value)> = resigner_statement["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["kind"].clone(), l["amount"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("payment"), json!("100.00")),
            (json!("settlement"), json!("-100.00"))
        ]
    );
    assert_eq!(resigner_statement["retained_until"], "2028-12-31");
    // A statement as the register stood at the end of a day: today's is the one above, and
    // yesterday, before this test recorded anything, the register had no such member; a day
    // to come is refused.
    let today = jiff::ZonedDateTime::now().date();
    let day = |offset: i64| {
        use jiff::ToSpan as _;
        today.checked_add(offset.days()).expect("a day").to_string()
    };
    let on = |offset: i64| {
        coop.fetch(
            &format!("/members/{resigner}/statement?on={}", day(offset)),
            "member:2",
        )
    };
    assert_eq!(on(0).json()["lines"], resigner_statement["lines"]);
    assert_eq!(on(0).json()["as_of_date"], day(0).as_str());
    let before = on(-1);
    assert_eq!(before.status, 404, "{}", before.text);
    let ahead = on(1);
    assert_eq!(ahead.status, 400, "{}", ahead.text);
    // A member admitted in 2025 who never paid is in arrears with the minimum part.
    let late_statement = coop
        .fetch(&format!("/members/{}/statement", late[0]), "auditor")
        .json();
    assert_eq!(late_statement["arrears"], "100.00");
    assert_eq!(late_statement["dues"][0]["due_on"], "2025-03-03");

    // The public directory: listed firms with rights today, by name, trade and region.
    let directory = coop.fetch("/directory", "public").json();
    let listed: Vec<u64> = directory["firms"]
        .as_array()
        .expect("firms")
        .iter()
        .map(|f| f["member"].as_u64().expect("a number"))
        .collect();
    let expected: Vec<u64> = known
        .iter()
        .filter(|(_, k)| k.firm && k.listed && k.exit_on.is_none())
        .map(|(no, _)| *no)
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(directory["firms"][0]["name"], "Firma 1 Schreinerei");
    assert_eq!(directory["firms"][0]["trade"], "Schreinerei");
    // Paged, by trade ignoring case; the pages add up to the whole list.
    let mut carpenters = Vec::new();
    let mut page = coop
        .fetch("/directory?trade=ZIMMEREI&limit=3", "public")
        .json();
    loop {
        let firms = page["firms"].as_array().expect("firms");
        assert!(firms.len() <= 3);
        carpenters.extend(
            firms
                .iter()
                .map(|f| f["member"].as_u64().expect("a number")),
        );
        let Some(next) = page["next_after"].as_u64() else {
            break;
        };
        page = coop
            .fetch(
                &format!("/directory?trade=zimmerei&limit=3&after={next}"),
                "public",
            )
            .json();
    }
    let expected: Vec<u64> = known
        .iter()
        .filter(|(no, k)| k.firm && k.listed && k.exit_on.is_none() && **no > 4)
        .map(|(no, _)| *no)
        .collect();
    assert_eq!(carpenters, expected);

    // The chain is intact after all of it.
    let verified = coop.fetch("/verify", "auditor").json();
    assert_eq!(verified["intact"], true, "{verified}");
}

/// G7, G15a, G65, G7a, G8-2, G43-3, G16: every refusal is a 4xx naming the problem, and the
/// log's head does not move.
fn bad_membership_input_is_a_clear_4xx_and_writes_nothing(db: &TestDb) {
    let coop = start(db, &["member:4".to_owned()], "2024-01-15");
    let citizen = coop.join(
        "Bürger 2",
        json!({"type": "natural-person"}),
        "2024-02-01",
        "2024-02-15",
    );
    let applied = coop.ok(
        "/applications",
        "public",
        json!({"name": "Bürger 3", "address": "Weg 3", "kind": {"type": "natural-person"},
               "shares": 1, "acknowledged": {"pays_for_shares": true}}),
    );
    let pending = applied["application"].as_str().expect("an id").to_owned();
    let head = coop.head();
    let refused = |reply: Reply, status: u16, code: &str, rule: Option<&str>| {
        assert_eq!(reply.status, status, "{code}: {}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        let problem = reply.json();
        assert_eq!(problem["code"], code, "{problem}");
        if let Some(rule) = rule {
            assert_eq!(problem["rule"], rule, "{problem}");
        }
        assert!(!problem["detail"].as_str().unwrap_or("").is_empty());
        assert_eq!(coop.head(), head, "{code}: nothing is written");
        problem
    };

    // Issue 23, point 9: texts a person reads show what they say — a name of zero-width
    // spaces, a right-to-left override in a name, a trade without a letter are refused.
    for (body, code, field) in [
        (
            json!({"name": "\u{200B}\u{200B}", "address": "Weg 3", "kind": {"type": "natural-person"},
                   "shares": 1, "acknowledged": {"pays_for_shares": true}, "listed": true}),
            "text-invisible-character",
            "name",
        ),
        (
            json!({"name": "Huber \u{202E}HbmG", "address": "Weg 3", "kind": {"type": "natural-person"},
                   "shares": 1, "acknowledged": {"pays_for_shares": true}, "listed": true}),
            "text-invisible-character",
            "name",
        ),
        (
            json!({"name": "Huber GmbH", "address": "Weg 3",
                   "kind": {"type": "firm", "trade": "...", "region": "Musterdorf", "employees": 2},
                   "shares": 1, "acknowledged": {"pays_for_shares": true}, "listed": true}),
            "text-without-letters",
            "kind.trade",
        ),
    ] {
        let problem = refused(coop.post("/applications", "public", body), 400, code, None);
        assert_eq!(problem["field"], field, "{problem}");
    }

    // An unknown member, and an unknown application.
    refused(
        coop.post(
            "/members/999/payments",
            "member:2",
            json!({"amount": "10.00", "reference": "x"}),
        ),
        404,
        "member-not-found",
        None,
    );
    refused(
        coop.post("/applications/nosuch/admission", "member:1", json!({})),
        404,
        "application-not-found",
        None,
    );
    // A double admission: the first application of the test was admitted already.
    let decided = coop
        .fetch("/applications?status=admitted", "auditor")
        .json();
    let admitted = decided["applications"][0]["application"]
        .as_str()
        .expect("an admitted application")
        .to_owned();
    refused(
        coop.post(
            &format!("/applications/{admitted}/admission"),
            "member:1",
            json!({}),
        ),
        409,
        "application-decided",
        None,
    );
    // Paying more than the subscribed shares are worth (one share of 500.00).
    let problem = refused(
        coop.post(
            &format!("/members/{citizen}/payments"),
            "member:2",
            json!({"amount": "500.01", "reference": "too much"}),
        ),
        409,
        "payment-exceeds-subscribed",
        None,
    );
    assert_eq!(problem["field"], "amount");
    // A resignation without text form (G65).
    refused(
        coop.post(
            &format!("/members/{citizen}/resignation"),
            "member:1",
            json!({"in_text_form": false}),
        ),
        422,
        "resignation-not-in-text-form",
        Some("G65"),
    );
    // An exclusion on a ground the statute does not name (G68).
    refused(
        coop.post(
            &format!("/members/{citizen}/exclusion"),
            "member:1",
            json!({"ground": "rudeness", "reason": "was rude"}),
        ),
        422,
        "exclusion-ground-not-in-statute",
        Some("G68"),
    );
    // A declaration without the acknowledgement G15a asks, and above the maximum (G7a).
    let declaration = |shares: u32, pays: bool| {
        json!({"name": "X", "address": "Y", "kind": {"type": "natural-person"}, "shares": shares,
               "acknowledged": {"pays_for_shares": pays}})
    };
    refused(
        coop.post("/applications", "public", declaration(1, false)),
        422,
        "declaration-incomplete",
        Some("G15a"),
    );
    refused(
        coop.post("/applications", "public", declaration(21, true)),
        422,
        "shares-out-of-range",
        Some("G7a"),
    );
    // Malformed input: a float amount, a date that is not one, an unknown field, a future day.
    for body in [
        json!({"amount": 10.5, "reference": "x"}),
        json!({"amount": "10.005", "reference": "x"}),
        json!({"amount": "10.00", "reference": "x", "received_on": "2024-02-30"}),
        json!({"amount": "10.00", "reference": "x", "colour": "blue"}),
    ] {
        refused(
            coop.post(&format!("/members/{citizen}/payments"), "member:2", body),
            400,
            "body-malformed",
            None,
        );
    }
    refused(
        coop.post(
            &format!("/members/{citizen}/payments"),
            "member:2",
            json!({"amount": "10.00", "reference": "x", "received_on": "2999-01-01"}),
        ),
        400,
        "date-in-future",
        None,
    );
    // A member may not decide on their own admission, nor record their own payment, nor
    // backdate their own notice (G65).
    for (rest, body) in [
        (format!("/applications/{pending}/admission"), json!({})),
        (
            "/members/4/payments".to_owned(),
            json!({"amount": "10.00", "reference": "x"}),
        ),
    ] {
        let forbidden = coop.post(&rest, "member:4", body);
        assert_eq!(forbidden.status, 403, "{rest}: {}", forbidden.text);
    }
    refused(
        coop.post(
            "/members/4/resignation",
            "member:4",
            json!({"declared_on": "2024-06-01", "in_text_form": true}),
        ),
        400,
        "date-not-today",
        None,
    );
    // A member sees the public part of others, all of their own; no copies of the list.
    let mut coop = coop;
    let plain = format!("member:{citizen}");
    coop.issue(verbund(), &plain);
    let plain = plain.as_str();
    let other = coop.fetch("/members/1", plain).json();
    assert_eq!(other["name"], "Firma 1 Schreinerei");
    assert!(
        other["address"].is_null() && other.get("history").is_none(),
        "{other}"
    );
    let own = coop.fetch(&format!("/members/{citizen}"), plain).json();
    assert_eq!(own["address"], "Bürger 2straße 1, 12345 Musterdorf");
    assert!(own["history"].is_array(), "{own}");
    for rest in [
        "/members/1/statement",
        "/members?format=csv",
        "/members?at_position=3",
    ] {
        let reply = coop.fetch(rest, plain);
        assert_eq!(reply.status, 403, "{rest}: {}", reply.text);
    }
    let statement = coop.fetch(&format!("/members/{citizen}/statement"), plain);
    assert_eq!(statement.status, 200, "{}", statement.text);

    // A statute with each kind of error, checked without founding anything.
    let head = coop.head();
    let statute = std::fs::read_to_string(examples("statute.toml")).expect("the example statute");
    let check = |from: &str, to: &str| {
        assert!(statute.contains(from), "{from}");
        coop.http.send(
            "POST",
            &coop.server.url("/v1/statutes/check"),
            None,
            &[],
            Some(&json!({"text": statute.replace(from, to)}).to_string()),
        )
    };
    let ok = check("", "");
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["clauses"]["shares"]["amount"], "500.00");
    for (from, to, status, code, rule, field) in [
        (
            "max_per_member = 20",
            "max_per_member = 20\nmax_per_membr = 3",
            400,
            "statute-malformed",
            None,
            Some("statute"),
        ),
        (
            "paid_in_minimum = \"100.00\"",
            "paid_in_minimum = \"49.99\"",
            422,
            "statute-paid-in-below-tenth",
            Some("G7"),
            Some("statute.shares.paid_in_minimum"),
        ),
        (
            "notice_period_months = 12",
            "notice_period_months = 121",
            422,
            "statute-notice-period-out-of-range",
            Some("G65"),
            Some("statute.membership.notice_period_months"),
        ),
        // G65: ten years only for entrepreneur members, in a clause of its own.
        (
            "notice_period_months = 12",
            "notice_period_months = 120",
            422,
            "statute-notice-period-out-of-range",
            Some("G65"),
            Some("statute.membership.notice_period_months"),
        ),
        (
            "vote_share_max_percent = 25",
            "vote_share_max_percent = 50",
            422,
            "",
            Some("G8-2"),
            Some("statute.investing_members.vote_share_max_percent"),
        ),
        (
            "[assembly]",
            "[voting]\nmultiple_votes_max = 0\n\n[assembly]",
            422,
            "",
            Some("G43-3"),
            Some("statute.voting.multiple_votes_max"),
        ),
        (
            "[assembly]",
            "[voting.majorities]\namendment_qualified = \"2/3\"\n\n[assembly]",
            422,
            "",
            Some("G16"),
            Some("statute.voting.majorities.amendment_qualified"),
        ),
        (
            "max_per_member = 20",
            "max_per_member = 20\nmandatory = { basis = \"equal\", shares = 21 }",
            422,
            "",
            Some("G7a"),
            Some("statute.shares.mandatory"),
        ),
    ] {
        let reply = check(from, to);
        assert_eq!(reply.status, status, "{to}: {}", reply.text);
        let problem = reply.json();
        if !code.is_empty() {
            assert_eq!(problem["code"], code, "{problem}");
        }
        assert_eq!(problem["rule"].as_str(), rule, "{problem}");
        assert_eq!(problem["field"].as_str(), field, "{problem}");
    }
    assert_eq!(coop.head(), head, "checking statutes writes nothing");
}

/// G30, G73: `verbund retention` erases the names and addresses of members who left more than
/// three years before the end of the year, except while a settlement is owed; the entries and
/// the chain stay.
fn personal_data_is_erased_after_the_retention_period_and_the_chain_stays_intact(db: &TestDb) {
    let coop = start(db, &["member:3".to_owned()], "2019-01-15");
    let (resigner, excluded) = (3, 4);
    for member in [resigner, excluded] {
        coop.ok(
            &format!("/members/{member}/payments"),
            "member:2",
            json!({"amount": "100.00", "received_on": "2019-02-01", "reference": "first part"}),
        );
    }
    // Notice on 2019-03-01 with 12 months: out on 2020-12-31, kept until 2023-12-31.
    coop.ok(
        &format!("/members/{resigner}/resignation"),
        "member:1",
        json!({"declared_on": "2019-03-01", "in_text_form": true}),
    );
    coop.ok(
        &format!("/members/{resigner}/settlement"),
        "member:2",
        json!({"amount": "100.00", "paid_on": "2021-03-01"}),
    );
    // Excluded in 2019, out on 2019-12-31, kept until 2022-12-31; the settlement is owed.
    coop.ok(
        &format!("/members/{excluded}/exclusion"),
        "member:1",
        json!({"ground": "harm", "reason": "Damaged the shared machine on purpose", "dispatched_on": "2019-06-01"}),
    );
    let retention = |today: &str| {
        let output = verbund()
            .args([
                "retention",
                COOP,
                "--today",
                today,
                "--database-url",
                &coop.db_url,
            ])
            .output()
            .expect("verbund runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // The former member's token still shows them what is theirs, and nothing else.
    let statement = coop.fetch(&format!("/members/{resigner}/statement"), "member:3");
    assert_eq!(statement.status, 200, "{}", statement.text);
    let own = coop.fetch(&format!("/members/{resigner}"), "member:3");
    assert_eq!(own.status, 200, "{}", own.text);
    assert!(
        own.json()["address"].is_string(),
        "their own entry, in full"
    );
    assert_eq!(statement.json()["settlement_paid_on"], "2021-03-01");
    assert_eq!(coop.fetch("/members", "member:3").status, 403);
    let early = retention("2023-12-31");
    assert!(
        early.contains("erased the personal data of 0 former members"),
        "{early}"
    );
    assert!(
        early.contains("kept 1 past the retention period"),
        "{early}"
    );
    let head = coop.head();
    let out = retention("2024-01-01");
    assert!(
        out.contains(&format!(
            "erased the personal data of 1 former members: {resigner}"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("(G73): {excluded}")), "{out}");
    assert_eq!(coop.head(), head + 1, "one event for one erasure");
    // The erasures are written by another process: read once this server reached them.
    let read = |member: u64| coop.get_at_head(&format!("/members/{member}"), coop.token("auditor"));
    let gone = read(resigner).json();
    assert_eq!(
        (gone["name"].clone(), gone["address"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(gone["exit_cause"], "resignation", "the entry stays");
    // Erased, the former member is unknown to the API (once this server read the erasure,
    // which another process wrote).
    let reply = coop.get_at_head(
        &format!("/members/{resigner}/statement"),
        coop.token("member:3"),
    );
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(read(excluded).json()["name"], "Bürgerin 1");
    // Again: nothing more to do until the settlement is paid.
    assert!(retention("2024-01-01").contains("of 0 former members"));
    coop.ok(
        &format!("/members/{excluded}/settlement"),
        "member:2",
        json!({"amount": "100.00", "paid_on": "2020-05-01"}),
    );
    let out = retention("2024-01-01");
    assert!(
        out.contains(&format!("of 1 former members: {excluded}")),
        "{out}"
    );
    assert_eq!(read(excluded).json()["name"], Value::Null);
    // The erasures were written by another process: read once this server reached them.
    let events = coop
        .get_at_head("/events?from=1&limit=1000", coop.token("auditor"))
        .json();
    let erased = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "MemberRecordErased")
        .count();
    assert_eq!(erased, 2);
    assert_eq!(coop.fetch("/verify", "auditor").json()["intact"], true);
}
