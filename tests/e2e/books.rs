//! The books end to end over HTTP: a year of a network of 12 firms (shares paid, a marketing
//! levy by firm size, a machine bought, usage fees, a payment reversed, bank fees and
//! depreciation), the year closed and sealed, its profit used as the assembly decided, ending
//! in the balance sheet computed by hand here; bad input refused with nothing written; and the
//! exports checked by the tools of the field (hledger, Beancount) to the cent.

use std::collections::BTreeMap;

use jiff::ToSpan;
use serde_json::{Value, json};
use verbund_tests::*;

use crate::{examples, found_and_serve};

on_both_databases!(
    a_year_of_twelve_firms_ends_in_the_balance_sheet_computed_by_hand,
    the_income_statement_runs_from_the_start_of_the_business_year,
    payments_of_sixty_four_clients_at_once_never_fail_each_other,
    three_hundred_founders_found_a_cooperative_whose_entry_of_200_lines_books_whole,
);

const COOP: &str = "zwoelf-eg";
const FIRMS: u32 = 12;
const TREASURER: &str = "member:2";

fn today_plus(days: i64) -> String {
    jiff::ZonedDateTime::now()
        .date()
        .checked_add(days.days())
        .expect("a day")
        .to_string()
}

/// `firms` firms founded on 2025-01-10, each with 2 shares of 500 euros; firm n employs n
/// people.
fn founding(firms: u32) -> String {
    let mut text =
        "founded_on = \"2025-01-10\"\nboard = [{ member = 1, serving = \"Person 1\" }, { member = 2, serving = \"Person 2\" }]\nsupervisory_board = [{ member = 3, serving = \"Person 3\" }, { member = 4, serving = \"Person 4\" }, { member = 5, serving = \"Person 5\" }]\ntreasurer = { member = 2, serving = \"Person 2\" }\n"
            .to_owned();
    for n in 1..=firms {
        text.push_str(&format!(
            "\n[[founders]]\nname = \"Betrieb {n}\"\naddress = \"Werkstraße {n}, 12345 Musterdorf\"\nkind = {{ type = \"firm\", trade = \"Handwerk\", region = \"Musterdorf\", employees = {n} }}\nshares = 2\nlisted = true\n"
        ));
    }
    text
}

/// What these tests do in the books beyond the shared client.
trait Bookkeeping {
    /// Posts as the treasurer and expects a refusal with `status` and `code` (and `rule`),
    /// and nothing written.
    fn refused_unwritten(
        &self,
        rest: &str,
        body: Value,
        status: u16,
        code: &str,
        rule: Option<&str>,
    );
    /// Records a payment; its entry.
    fn pay(&self, direction: &str, amount: &str, account: &str, on: &str, text: &str) -> String;
}

impl Bookkeeping for Client {
    fn refused_unwritten(
        &self,
        rest: &str,
        body: Value,
        status: u16,
        code: &str,
        rule: Option<&str>,
    ) {
        let before = self.head();
        self.refused(rest, TREASURER, body.clone(), status, code, rule);
        assert_eq!(self.head(), before, "nothing written for {body}");
    }
    fn pay(&self, direction: &str, amount: &str, account: &str, on: &str, text: &str) -> String {
        let made = self.ok(
            "/books/payments",
            TREASURER,
            json!({"direction": direction, "amount": amount, "account": account,
                   "booked_on": on, "text": text, "reference": format!("BANK-{on}-{account}")}),
        );
        made["entry"].as_str().expect("an entry").to_owned()
    }
}

/// The balance of `account` on `side` of a balance sheet (0.00 if it is not there).
fn balance(sheet: &Value, side: &str, account: &str) -> String {
    sheet[side]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account"] == account)
        .map(|a| a["balance"].as_str().expect("a balance").to_owned())
        .unwrap_or_else(|| "0.00".into())
}

fn start(db: &TestDb) -> Client {
    start_with(db, &examples("statute.toml"), FIRMS)
}

/// Founds the cooperative of `firms` firms under the statute file `statute`, with a token for
/// the auditor and each of the first twelve members, and starts a server.
fn start_with(db: &TestDb, statute: &str, firms: u32) -> Client {
    let mut principals: Vec<String> = vec!["auditor".into()];
    principals.extend((1..=firms.min(FIRMS)).map(|n| format!("member:{n}")));
    found_and_serve(db, COOP, statute, &founding(firms), principals)
}

/// Issue 23, point 13: 64 clients of the treasurer record 4 payments each at once, to the
/// levy accounts of different members. Every payment is booked: none fails another with a
/// contention error, and the log holds each once.
fn payments_of_sixty_four_clients_at_once_never_fail_each_other(db: &TestDb) {
    let books = start(db);
    let before = books.head();
    let today = today_plus(0);
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..64u32)
            .map(|client| {
                let (books, today) = (&books, &today);
                scope.spawn(move || {
                    (0..4u32)
                        .map(|i| {
                            let member = (client * 4 + i) % FIRMS + 1;
                            let reply = books.post(
                                "/books/payments",
                                TREASURER,
                                json!({"direction": "in", "amount": "1.00",
                                       "account": format!("1420/{member}"), "booked_on": today,
                                       "text": "Levy paid", "reference": format!("C{client}-{i}")}),
                            );
                            (reply.status, reply.text)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a client"))
            .collect()
    });
    let failed: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != 201)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 256 failed: {failed:?}",
        failed.len()
    );
    assert_eq!(books.head(), before + 256, "each payment booked once");
}

/// Issue 23, point 12: a cooperative founded by 300 founders in one commit, whose treasurer
/// posts a manual entry of 200 lines on 199 members' accounts: each all or nothing, on both
/// databases.
fn three_hundred_founders_found_a_cooperative_whose_entry_of_200_lines_books_whole(db: &TestDb) {
    let books = start_with(db, &examples("statute.toml"), 300);
    let members = all_pages(100, "members", "next_after", |after| {
        books.get(
            &format!(
                "/members?limit=100{}",
                after.map(|a| format!("&after={a}")).unwrap_or_default()
            ),
            "auditor",
        )
    });
    assert_eq!(members.len(), 300);
    let before = books.head();
    let mut lines: Vec<Value> = (1..=199)
        .map(|n| json!({"account": format!("1420/{n}"), "debit": "1.00"}))
        .collect();
    lines.push(json!({"account": "4000", "credit": "199.00"}));
    let posted = books.ok(
        "/books/entries",
        TREASURER,
        json!({"booked_on": today_plus(0), "text": "Regional fair, stands of 199 members",
               "receipt": "Fair invoice 2026-17", "lines": lines}),
    );
    assert_eq!(books.head(), before + 1, "{posted}");
    let income = books.get("/books/ledger?account=4000", "auditor");
    let income = income["lines"].as_array().expect("lines");
    assert_eq!(income.len(), 1, "{income:?}");
    assert_eq!(income[0]["amount"], "-199.00");
    let receivables = books.get("/books/ledger?account=1420&limit=1000", "auditor");
    assert_eq!(
        receivables["lines"].as_array().expect("lines").len(),
        199,
        "one line on each member's account"
    );
}

fn a_year_of_twelve_firms_ends_in_the_balance_sheet_computed_by_hand(db: &TestDb) {
    let books = start(db);

    // A repeated request (the same Idempotency-Key) is answered with the original entry; an
    // account opened is answered with its code.
    let body = json!({"code": "6950", "name": "Vehicle costs", "kind": "expense", "per": "whole"})
        .to_string();
    let send = || {
        books.http.send(
            "POST",
            &books.url("/books/accounts"),
            books.tokens.get(TREASURER).map(String::as_str),
            &[("idempotency-key", "open-6950")],
            Some(&body),
        )
    };
    let (first, again) = (send(), send());
    assert_eq!((first.status, again.status), (201, 200), "{}", again.text);
    assert_eq!(again.json()["entry"], "6950");
    assert_eq!(again.json()["replayed"], true);

    // Shares: firms 1–6 pay their 1,000 euros in full, firms 7–12 half.
    for n in 1..=FIRMS {
        let amount = if n <= 6 { "1000.00" } else { "500.00" };
        books.ok(
            &format!("/members/{n}/payments"),
            TREASURER,
            json!({"amount": amount, "received_on": "2025-02-01", "reference": format!("SEPA-{n}")}),
        );
    }
    // A marketing levy of 1,200 euros by firm size (1 + 2 + … + 12 = 78 people).
    books.ok(
        "/books/levies",
        TREASURER,
        json!({"purpose": "Regional marketing 2025", "key": "firm-size", "total": "1200.00",
               "booked_on": "2025-03-01", "due_on": "2025-03-31"}),
    );
    let open = books.get("/books/open-items?as_of_date=2025-03-15", "auditor");
    // Paged by member number: the same members, and on every page what all of them owe.
    let whole = open["members"].as_array().expect("members").clone();
    assert_eq!(open["members_owing"], whole.len(), "{open}");
    assert!(open.get("next_after").is_none(), "{open}");
    let cents = |amount: &Value| -> i64 {
        (amount
            .as_str()
            .expect("an amount")
            .parse::<f64>()
            .expect("a number")
            * 100.0)
            .round() as i64
    };
    assert_eq!(
        cents(&open["total"]),
        whole.iter().map(|m| cents(&m["total"])).sum::<i64>(),
        "{open}"
    );
    // Pages of 5 end on a short page, pages of 4 and 6 on a full one (12 members owe).
    assert_eq!(whole.len(), 12, "{open}");
    for limit in [4, 5, 6] {
        let paged = all_pages(limit, "members", "next_after", |after| {
            let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
            let page = books.get(
                &format!("/books/open-items?as_of_date=2025-03-15&limit={limit}{after}"),
                "auditor",
            );
            assert_eq!(
                (&page["total"], &page["members_owing"]),
                (&open["total"], &open["members_owing"])
            );
            page
        });
        assert_eq!(paged, whole, "pages of {limit}");
    }
    for bad in ["after=0", "limit=0", "limit=1001"] {
        let reply = books.http.get(
            &books.url(&format!("/books/open-items?{bad}")),
            Some(&books.tokens["auditor"]),
        );
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        let field = bad.split('=').next().expect("a name");
        assert!(reply.text.contains(field), "{bad}: {}", reply.text);
    }
    let mut levy_parts = BTreeMap::new();
    for member in open["members"].as_array().expect("members") {
        for account in member["accounts"].as_array().expect("accounts") {
            let name = account["account"].as_str().expect("an account");
            if name.starts_with("1420/") {
                levy_parts.insert(
                    member["member"].as_u64().expect("a number"),
                    account["balance"].as_str().expect("an amount").to_owned(),
                );
            }
        }
    }
    assert_eq!(levy_parts.len(), 12);
    // 1200 × 12 / 78 = 184.615…: the largest remainder keeps the cents whole.
    assert_eq!(levy_parts[&12], "184.62");
    assert_eq!(levy_parts[&1], "15.38");
    let cents: i64 = levy_parts
        .values()
        .map(|v| (v.parse::<f64>().expect("a number") * 100.0).round() as i64)
        .sum();
    assert_eq!(cents, 120_000, "the parts sum to the levy");
    for (member, part) in &levy_parts {
        books.pay(
            "in",
            part,
            &format!("1420/{member}"),
            "2025-03-20",
            "Levy paid",
        );
    }
    // The laser cutter, its usage fees, the agency's invoice, a payment made by mistake and
    // reversed, bank fees and a year's depreciation.
    books.pay(
        "out",
        "6000.00",
        "0400/laser-cutter",
        "2025-04-01",
        "Laser cutter",
    );
    for month in ["05", "07", "09"] {
        books.pay(
            "in",
            "1000.00",
            "4000",
            &format!("2025-{month}-30"),
            "Usage fees",
        );
    }
    books.pay(
        "out",
        "1200.00",
        "6600",
        "2025-06-15",
        "Marketing agency invoice 17",
    );
    let mistaken = books.pay("out", "500.00", "6300", "2025-08-01", "Paid twice");
    books.ok(
        &format!("/books/entries/{mistaken}/reversal"),
        TREASURER,
        json!({"reason": "The invoice was paid twice", "booked_on": "2025-08-02"}),
    );
    let reply = books.post(
        &format!("/books/entries/{mistaken}/reversal"),
        TREASURER,
        json!({"reason": "again", "booked_on": "2025-08-03"}),
    );
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (409, json!("entry-reversed"))
    );
    books.ok(
        "/books/entries",
        TREASURER,
        json!({"booked_on": "2025-12-31", "text": "Bank fees 2025", "receipt": "Statement 12/2025",
               "lines": [{"account": "6855", "debit": "30.00"}, {"account": "1200", "credit": "30.00"}]}),
    );
    books.ok(
        "/books/entries",
        TREASURER,
        json!({"booked_on": "2025-12-31", "text": "Depreciation of the laser cutter", "receipt": "Asset register 2025",
               "lines": [{"account": "6200", "debit": "600.00"}, {"account": "0400/laser-cutter", "credit": "600.00"}]}),
    );

    // Bad input: each a clear error, nothing written.
    let payment = |amount: &str, account: &str, on: &str| {
        json!({"direction": "in", "amount": amount, "account": account, "booked_on": on,
               "text": "x", "reference": "y"})
    };
    books.refused_unwritten(
        "/books/payments",
        payment("10.005", "4000", "2025-06-01"),
        400,
        "body-malformed",
        None,
    );
    books.refused_unwritten(
        "/books/payments",
        payment("-10.00", "4000", "2025-06-01"),
        400,
        "amount-not-positive",
        None,
    );
    books.refused_unwritten(
        "/books/payments",
        payment("0.00", "4000", "2025-06-01"),
        400,
        "amount-not-positive",
        None,
    );
    books.refused_unwritten(
        "/books/payments",
        payment("10.00", "5555", "2025-06-01"),
        404,
        "account-unknown",
        None,
    );
    books.refused_unwritten(
        "/books/payments",
        payment("10.00", "2000/3", "2025-06-01"),
        422,
        "capital-account-managed",
        Some("G22"),
    );
    // Issue 23, point 1 (A1): a valid amount that would carry the books' sums out of the
    // range an amount holds is refused before it is written; the books answer as before.
    for _ in 0..3 {
        books.refused_unwritten(
            "/books/payments",
            payment("999999999999.99", "4000", "2025-06-01"),
            422,
            "books-range-exceeded",
            Some("A1"),
        );
    }
    assert_eq!(
        books
            .http
            .get(
                &books.url("/books/trial-balance"),
                Some(&books.tokens["auditor"])
            )
            .status,
        200
    );
    // D1: nothing is booked before the cooperative's history begins.
    books.refused_unwritten(
        "/books/payments",
        payment("10.00", "4000", "1900-01-01"),
        422,
        "date-before-history",
        Some("D1"),
    );
    books.refused_unwritten(
        "/books/entries",
        json!({"text": "x", "receipt": "y", "booked_on": "2025-06-01",
               "lines": [{"account": "6300", "debit": "10.00"}, {"account": "1200", "credit": "9.99"}]}),
        422,
        "entry-unbalanced",
        Some("A1"),
    );

    // The year 2025, and its closing.
    let statement = books.get(
        "/books/income-statement?from=2025-01-01&to=2025-12-31",
        "auditor",
    );
    assert_eq!(statement["result"], "2370.00", "{statement}");
    books.ok("/books/years/2025-12-31/closing", TREASURER, json!({}));
    books.refused_unwritten(
        "/books/payments",
        payment("10.00", "4000", "2025-06-01"),
        422,
        "year-sealed",
        Some("A1"),
    );
    let late_share_payment = books.post(
        "/members/8/payments",
        TREASURER,
        json!({"amount": "10.00", "received_on": "2025-12-01", "reference": "late"}),
    );
    assert_eq!(
        (
            late_share_payment.status,
            late_share_payment.json()["rule"].clone()
        ),
        (422, json!("A1")),
        "a membership payment into the sealed year is refused too"
    );
    let closed = books.get("/books/balance-sheet?as_of_date=2025-12-31", "auditor");
    assert_eq!(closed["total_assets"], "14370.00", "{closed}");
    assert_eq!(closed["as_of_date"], "2025-12-31");
    // Issue 23, point 16: a day is `as_of_date` across the API; `as_of` names a moment (the
    // member list's), and a day under that name is refused, not ignored.
    let moment_name = books.http.get(
        &books.url("/books/balance-sheet?as_of=2025-12-31"),
        Some(&books.tokens["auditor"]),
    );
    assert_eq!(moment_name.status, 400, "{}", moment_name.text);
    assert_eq!(closed["total_liabilities_and_equity"], "14370.00");
    assert_eq!(balance(&closed, "assets", "1200"), "5970.00");
    assert_eq!(balance(&closed, "assets", "0400/laser-cutter"), "5400.00");
    assert_eq!(closed["open_result"], "0.00");
    assert_eq!(balance(&closed, "equity", "2970"), "-2370.00");

    // The assembly decides the use of the profit; the treasurer books it (G19): 300 to the
    // legal reserve (at least a tenth), 70 to other reserves, 2,000 to the members by what
    // they paid in the first year, credited to unpaid shares first.
    let assembly = books.ok(
        "/assemblies",
        "member:1",
        json!({"form": "hybrid", "convened_on": today_plus(-20), "held_on": today_plus(0),
               "place": "Gasthaus zur Post", "chair": 3, "agenda": ["Use of the profit of 2025"],
               "participation": "Online with the link in the invitation; votes in the members' area"}),
    )["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let motion = books.ok(
        "/motions",
        "member:1",
        json!({"assembly": assembly, "title": "Use of the profit of 2025", "announced_on": today_plus(-20),
               "proposal": {"kind": "use-of-profit", "proposal": "300.00 to the legal reserve, 70.00 to other reserves, 2000.00 to the members"}}),
    )["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    books.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));
    for n in 1..=FIRMS {
        books.ok(
            &format!("/motions/{motion}/votes"),
            &format!("member:{n}"),
            json!({"choice": "yes"}),
        );
    }
    books.ok(
        &format!("/motions/{motion}/ballot/close"),
        "member:1",
        json!({}),
    );
    books.refused_unwritten(
        "/books/years/2025-12-31/profit-use",
        json!({"motion": motion, "legal_reserve": "200.00", "other_reserves": "170.00", "carried_forward": "0.00"}),
        422,
        "legal-reserve-too-small",
        Some("G7"),
    );
    books.ok(
        "/books/years/2025-12-31/profit-use",
        TREASURER,
        json!({"motion": motion, "legal_reserve": "300.00", "other_reserves": "70.00", "carried_forward": "0.00"}),
    );

    // The balance sheet by hand: bank 5,970.00; laser cutter 5,400.00; unpaid shares 3,000.00
    // less 6 × 111.11 credited = 2,333.34; profit owed to firms 1–6: 2 × 222.23 + 4 × 222.22
    // = 1,333.34; capital 9,000.00 + 666.66 = 9,666.66; reserves 300.00 and 70.00.
    let sheet = books.get("/books/balance-sheet", "auditor");
    assert_eq!(sheet["total_assets"], "13703.34", "{sheet}");
    assert_eq!(sheet["total_liabilities_and_equity"], "13703.34");
    assert_eq!(balance(&sheet, "assets", "1200"), "5970.00");
    assert_eq!(balance(&sheet, "assets", "1410/7"), "388.89");
    assert_eq!(balance(&sheet, "liabilities", "3600/1"), "-222.23");
    assert_eq!(balance(&sheet, "liabilities", "3600/3"), "-222.22");
    assert_eq!(balance(&sheet, "equity", "2000/7"), "-611.11");
    assert_eq!(balance(&sheet, "equity", "2100"), "-300.00");
    assert_eq!(balance(&sheet, "equity", "2110"), "-70.00");
    assert_eq!(balance(&sheet, "equity", "2900"), "0.00");
    let trial = books.get("/books/trial-balance", "auditor");
    assert_eq!(trial["debit"], trial["credit"]);

    // A member reads their own accounts; the member list agrees on the paid-in capital.
    let own = books.get("/books/members/7", "member:7");
    let capital = own["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account"] == "2000/7")
        .expect("capital")
        .clone();
    assert_eq!(capital["balance"], "-611.11");
    // Their lines in pages of two: the same lines, with every account's totals on each page.
    let lines = own["lines"].as_array().expect("lines").clone();
    assert!(lines.len() > 2, "{own}");
    assert!(own.get("next_offset").is_none(), "{own}");
    for limit in [1, 2, lines.len() - 1, lines.len()] {
        let paged = all_pages(limit, "lines", "next_offset", |offset| {
            let page = books.get(
                &format!(
                    "/books/members/7?limit={limit}&offset={}",
                    offset.unwrap_or("0")
                ),
                "member:7",
            );
            assert_eq!(page["accounts"], own["accounts"]);
            page
        });
        assert_eq!(paged, lines, "pages of {limit}");
    }
    let statement = books.get("/members/7/statement", "auditor");
    assert_eq!(statement["paid_in"], "611.11", "{statement}");
    let credited = statement["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["kind"] == "profit-credited")
        .expect("the credit")
        .clone();
    assert_eq!(credited["amount"], "111.11");
    let other = books.http.get(
        &books.url("/books/members/7"),
        Some(&books.tokens["member:8"]),
    );
    assert_eq!(other.status, 403);

    // The account ledger traces every line to its event.
    let ledger = books.get("/books/ledger?account=0400", "auditor");
    let lines = ledger["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert!(ledger.get("next_offset").is_none());
    // The bank account's lines in pages of three: the same lines, the same running balances.
    let whole = books.get("/books/ledger?account=1200", "auditor");
    let whole = whole["lines"].as_array().expect("lines").clone();
    assert!(whole.len() > 3, "{whole:?}");
    let paged = all_pages(3, "lines", "next_offset", |offset| {
        books.get(
            &format!(
                "/books/ledger?account=1200&limit=3&offset={}",
                offset.unwrap_or("0")
            ),
            "auditor",
        )
    });
    assert_eq!(paged, whole);
    assert!(lines.iter().all(|l| {
        l["entry"]["position"].as_u64().is_some()
            && l["entry"]["actor"]
                .as_str()
                .is_some_and(|a| a.starts_with("member:2:"))
    }));

    // The exports read by the tools agree with the trial balance (when the tools are here).
    let journal = books.http.get(
        &books.url("/books/export?format=hledger"),
        Some(&books.tokens["auditor"]),
    );
    assert_eq!(journal.status, 200);
    assert!(journal.text.contains("Assets:1200"), "{}", journal.text);
    crate::oracles::agree_with(
        &journal.text,
        &books.get("/books/trial-balance", "auditor"),
        crate::oracles::Tool::Hledger,
    );
    let beancount = books.http.get(
        &books.url("/books/export?format=beancount"),
        Some(&books.tokens["auditor"]),
    );
    crate::oracles::agree_with(
        &beancount.text,
        &books.get("/books/trial-balance", "auditor"),
        crate::oracles::Tool::Beancount,
    );
    let gobd = books.http.get(
        &books.url("/books/export?format=gobd&from=2025-01-01&to=2025-12-31"),
        Some(&books.tokens["auditor"]),
    );
    assert_eq!(
        (gobd.status, gobd.content_type.as_str()),
        (200, "application/zip")
    );
    crate::oracles::check_gobd_archive(&gobd.bytes, 2025);
    for (query, code, field) in [
        ("from=2025-12-31&to=2025-01-01", "period-reversed", "from"),
        ("from=0999-01-01&to=2025-12-31", "date-out-of-range", "from"),
        (
            "from=2025-01-01&to=-000001-01-01",
            "date-out-of-range",
            "to",
        ),
    ] {
        let refused = books.http.get(
            &books.url(&format!("/books/export?format=gobd&{query}")),
            Some(&books.tokens["auditor"]),
        );
        assert_eq!(refused.status, 400, "{query}: {}", refused.text);
        let problem = refused.json();
        assert_eq!(problem["code"], code, "{query}: {problem}");
        assert_eq!(problem["field"], field, "{query}: {problem}");
    }
    let csv = books.http.get(
        &books.url("/books/export?format=csv"),
        Some(&books.tokens["auditor"]),
    );
    assert!(
        csv.text.starts_with("entry,position,booked_on,account"),
        "{}",
        csv.text
    );
    // The exports' words are the reader's, as on the pages: German unless English is asked,
    // by `lang` or by `Accept-Language` — the chart's names and what each booking records.
    for (german, english) in [
        (
            "Geschäftsguthaben der Mitglieder",
            "Members' paid-in capital",
        ),
        ("Einzahlung auf Geschäftsanteile", "payment on shares"),
        ("bei der Aufnahme gezeichnet", "subscribed at admission"),
    ] {
        assert!(
            csv.text.contains(german) && !csv.text.contains(english),
            "{german}: {}",
            csv.text
        );
        for english_asked in [
            books.http.get(
                &books.url("/books/export?format=csv&lang=en"),
                Some(&books.tokens["auditor"]),
            ),
            books.http.send(
                "GET",
                &books.url("/books/export?format=hledger"),
                Some(&books.tokens["auditor"]),
                &[("Accept-Language", "en-GB,en;q=0.9,de;q=0.5")],
                None,
            ),
        ] {
            assert!(
                english_asked.text.contains(english) && !english_asked.text.contains(german),
                "{english}: {}",
                english_asked.text
            );
        }
    }
    let refused = books.http.get(
        &books.url("/books/export?format=csv&lang=fr"),
        Some(&books.tokens["auditor"]),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(books.get("/verify", "auditor")["intact"], true);
}

/// Without `from`, the income statement runs from the first day of the business year that
/// holds `to` (here July to June), not from the first of January.
fn the_income_statement_runs_from_the_start_of_the_business_year(db: &TestDb) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let statute = std::fs::read_to_string(examples("statute.toml")).expect("the example");
    let january = "business_year_first_month = 1";
    assert!(statute.contains(january));
    let file = dir.path().join("statute.toml");
    std::fs::write(
        &file,
        statute.replace(january, "business_year_first_month = 7"),
    )
    .expect("write the statute");
    let books = start_with(db, file.to_str().expect("a path"), FIRMS);
    let statement = books.get("/books/income-statement?to=2026-03-31", "auditor");
    assert_eq!(statement["from"], "2025-07-01", "{statement}");
    assert_eq!(statement["to"], "2026-03-31");
}
