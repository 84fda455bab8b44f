//! The pages of the board, the treasurer and the auditors, on the demo cooperative as
//! `verbund demo` sets it up: the roles reach exactly the pages the authorization table lets
//! them (a member's session gets the 403 page); in Chromium, the board admits an applicant and
//! issues a sign-in link, convenes an assembly (G46), puts a statute amendment and sees the
//! three quarters it needs (G16), runs its ballot and prints the minutes (G47); the treasurer
//! records a payment, charges a levy and sees each member's part; an auditor browses the log,
//! opens an event and verifies the chain; every page scanned by axe-core at 360 px.

use serde_json::json;
use verbund_api::http::auth::{Access, ROUTES};
use verbund_domain::Role;
use verbund_tests::browser::{Browser, Screen};

use crate::pages::{COOP, Demo, check, jiff_day, screenshot};
use crate::verbund;

/// The demo's people, by the first word of their sign-in line, with the roles the founding
/// gives them.
const PEOPLE: &[(&str, &[Role])] = &[
    ("Josef", &[Role::Member, Role::Board]),
    ("Petra", &[Role::Member, Role::Board, Role::Treasurer]),
    ("Klaus", &[Role::Member, Role::SupervisoryBoard]),
    ("Bernd", &[Role::Member]),
    ("Prüfungsverband", &[Role::Auditor]),
];

/// The session cookie of `who`, signed in over HTTP as a browser would.
fn session(demo: &Demo, who: &str) -> String {
    let origin = demo.client.server.base.clone();
    let reply = demo.client.http.send(
        "POST",
        &demo.links[who],
        None,
        &[("origin", origin.as_str())],
        None,
    );
    assert_eq!(reply.status, 303, "{who} signs in: {}", reply.text);
    reply
        .cookies
        .iter()
        .find(|c| c.starts_with("verbund_session=") && c.len() > "verbund_session=".len())
        .unwrap_or_else(|| panic!("{who}'s session: {:?}", reply.cookies))
        .clone()
}

/// A pending application, filed as the public files one.
fn apply(demo: &Demo, name: &str) -> String {
    let applied = demo.client.ok(
        "/applications",
        "public",
        json!({"name": name, "address": "Am Bach 3, 12345 Musterdorf",
               "kind": {"type": "firm", "trade": "Zimmerei", "region": "Musterdorf", "employees": 4},
               "shares": 1,
               "acknowledged": {"pays_for_shares": true}}),
    );
    applied["application"]
        .as_str()
        .expect("an application")
        .to_owned()
}

/// Each role reaches exactly the pages of the organs, the treasurer and the auditors that the
/// authorization table lets it in to — the rest answer the 403 page, never a stack trace —
/// and the navigation offers exactly the sections it reaches.
#[test]
fn each_role_reaches_exactly_the_pages_the_authorization_table_lets_it() {
    let demo = Demo::start();
    let application = apply(&demo, "Zimmerei Probst");
    let mut compared = 0;
    for (who, roles) in PEOPLE {
        let cookie = session(&demo, who);
        let headers = [("cookie", cookie.as_str())];
        for (method, route, access) in ROUTES {
            let Access::Roles(allowed) = access else {
                continue;
            };
            if *method != axum::http::Method::GET || !route.starts_with("/c/") {
                continue;
            }
            let query = if route.ends_with("/export") {
                "?format=csv"
            } else {
                ""
            };
            let path = route
                .replace("{coop}", COOP)
                .replace("{assembly}", "demoassembly")
                .replace("{motion}", "lasercutter")
                .replace("{member}", "1")
                .replace("{application}", &application)
                .replace("{position}", "1");
            let reply = demo.client.http.send(
                "GET",
                &demo.client.server.url(&format!("{path}{query}")),
                None,
                &headers,
                None,
            );
            let admitted = allowed.iter().any(|role| roles.contains(role));
            let expected = if admitted { 200 } else { 403 };
            assert_eq!(reply.status, expected, "{who} GET {route}: {}", reply.text);
            if !admitted {
                assert!(
                    reply.text.contains("Kein Zugriff") && reply.text.contains("<html"),
                    "{who} GET {route}: the 403 page: {}",
                    reply.text
                );
            }
            compared += 1;
        }
        // The navigation: the sections this role reaches, and only those.
        let landing = demo
            .client
            .http
            .send("GET", &demo.page(""), None, &headers, None);
        let nav = landing
            .text
            .split("<nav class=\"main\"")
            .nth(1)
            .expect("a nav");
        let nav = &nav[..nav.find("</nav>").expect("its end")];
        for (section, access) in [
            ("/board", "/c/{coop}/board"),
            ("/members", "/c/{coop}/members"),
            ("/books", "/c/{coop}/books"),
            ("/audit", "/c/{coop}/audit"),
        ] {
            let reached = ROUTES.iter().any(|(m, r, a)| {
                *m == axum::http::Method::GET
                    && *r == access
                    && matches!(a, Access::Roles(allowed) if allowed.iter().any(|role| roles.contains(role)))
            });
            let offered = nav.contains(&format!("href=\"/c/{COOP}{section}\""));
            assert_eq!(offered, reached, "{who}: the navigation and {section}");
        }
    }
    assert!(compared > 40, "{compared} pages compared");
}

/// G15: the board sees the declaration, admits the applicant, records the person who acts
/// for the new member and hands over a sign-in link, with which the new member signs in.
#[test]
fn g15_the_board_admits_an_applicant_and_issues_a_sign_in_link() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    apply(&demo, "Zimmerei Probst GmbH");
    demo.sign_in(&browser, "Josef");
    browser.goto(&demo.page("/board"));
    browser.click_to_load("main table a");
    browser.wait_text("h1", "Zimmerei Probst GmbH");
    assert!(browser.text("main").contains("Am Bach 3"));
    screenshot(&browser, "board-application");
    browser.click_to_load("form[action$='/admit'] button[type=submit]");
    let record = browser.wait_text("main", "Wer für das Mitglied handelt");
    assert!(record.contains("Zimmerei Probst GmbH"), "{record}");
    let member = browser
        .url()
        .rsplit('/')
        .next()
        .expect("a number")
        .to_owned();
    browser.click("input[name=capacity][value=managing-director]");
    browser.click_to_load("form[action$='/people'] button[type=submit]");
    browser.wait_text("#link", "Anmeldelink");
    let link = browser.text("#link a");
    assert!(link.contains("/sign-in/vb1_"), "{link}");
    screenshot(&browser, "board-sign-in-link");
    // The new member's person signs in with it, in place of the board member.
    browser.click_to_load("header form button[type=submit]");
    browser.wait_text("header", "Mitglied werden");
    browser.goto(&link);
    browser.click_to_load("main form button[type=submit]");
    let overview = browser.wait_text("header", "Zimmerei Probst GmbH");
    assert!(overview.contains(&member), "{overview}");
    // A second use of the link opens nothing.
    let origin = demo.client.server.base.clone();
    let again = demo
        .client
        .http
        .send("POST", &link, None, &[("origin", origin.as_str())], None);
    assert_eq!(again.status, 404, "{}", again.text);
}

/// G46, G16, G47: the board convenes an assembly (a day too early is refused at its field
/// with the rule, the earliest day shown); puts a statute amendment to today's assembly and
/// sees, before putting it, that it needs three quarters of the votes cast; opens the ballot;
/// members vote; the board closes and counts it and prints the minutes on A4.
#[test]
fn g46_g16_g47_the_board_convenes_puts_an_amendment_counts_it_and_prints_the_minutes() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    demo.sign_in(&browser, "Josef");
    browser.goto(&demo.page("/board/convene"));
    let earliest = browser.text("#earliest");
    browser.select("#form", "in-person");
    browser.execute(
        "document.querySelector('#held_on').value = arguments[0];",
        json!([jiff_day(13)]),
    );
    browser.fill("#place", "Gasthaus zur Post, Musterdorf");
    browser.fill("#agenda", "Jahresabschluss 2026\nWahlen zum Aufsichtsrat");
    browser.execute(
        "document.querySelector('#held_on').removeAttribute('min');",
        json!([]),
    );
    browser.click_to_load("main form.stack button[type=submit]");
    let problem = browser.wait_text("#problem", "G46");
    assert!(
        browser.property("#held_on", "ariaInvalid") == "true",
        "{problem}"
    );
    assert_eq!(
        browser.property("#place", "value"),
        "Gasthaus zur Post, Musterdorf"
    );
    screenshot(&browser, "board-convene-refused");
    browser.execute(
        "document.querySelector('#held_on').value = arguments[0];",
        json!([jiff_day(14)]),
    );
    browser.click_to_load("main form.stack button[type=submit]");
    let assembly = browser.wait_text("h1", "Generalversammlung");
    assert!(
        browser.text("main dl.facts").contains(&earliest),
        "{assembly}: held on the earliest day, {earliest}"
    );

    // The amendment, to today's assembly: a new object of the enterprise (§ 16 (2) no. 1
    // GenG: three quarters).
    browser.goto(&demo.page("/board/assemblies/demoassembly"));
    let statute = include_str!("../../examples/statute.toml").replace(
        "object = \"Gemeinsamer Einkauf,",
        "object = \"Gemeinsamer Einkauf, Energie aus eigener Erzeugung,",
    );
    browser.fill("#title", "Neuer Gegenstand: Energie aus eigener Erzeugung");
    browser.execute(
        "document.querySelector('#statute_text').value = arguments[0];",
        json!([statute]),
    );
    // With script: choosing what it decides shows the majority at once (htmx).
    browser.select("#kind", "amendment");
    let preview = browser.wait_text("#preview", "3/4");
    assert!(preview.contains("§ 16"), "{preview}");
    browser.fill("#announced_on", "");
    browser.execute(
        "document.querySelector('#announced_on').value = arguments[0];",
        json!([jiff_day(-21)]),
    );
    // Without script: the form's "show" button shows the majority on the page again.
    browser.execute(
        "document.querySelector('#preview').textContent = '';",
        json!([]),
    );
    browser.click_to_load("button[formaction$='/majority#put']");
    let preview = browser.wait_text("#preview", "3/4");
    assert!(preview.contains("Dieser Antrag braucht"), "{preview}");
    browser.execute(
        "document.querySelector('#preview').scrollIntoView({block: 'center'});",
        json!([]),
    );
    screenshot(&browser, "board-motion-majority");
    browser.click_to_load("form.stack button:not([formaction])");
    let motion = browser.wait_text("main", "Neuer Gegenstand");
    assert!(motion.contains("3/4"), "{motion}");
    browser.click_to_load("form[action$='/open'] button");
    browser.wait_text("main", "Abstimmung schließen");
    let motion_id = browser
        .property("form[action$='/close']", "action")
        .as_str()
        .expect("the close form")
        .rsplit('/')
        .nth(1)
        .expect("the motion")
        .to_owned();
    // The members vote through the API: four yes, one no — four fifths, above three quarters.
    for (member, choice) in [
        ("member:1", "yes"),
        ("member:2", "yes"),
        ("member:3", "yes"),
        ("member:6", "yes"),
    ] {
        demo.client.ok(
            &format!("/motions/{motion_id}/votes"),
            member,
            json!({"choice": choice}),
        );
    }
    browser.goto(&demo.page("/board/assemblies/demoassembly"));
    browser.click_to_load(&format!("form[action$='/{motion_id}/close'] button"));
    let counted = browser.wait_text("main", "angenommen");
    assert!(counted.contains("Ja-Stimmen"), "{counted}");
    browser.goto(&demo.page("/assemblies/demoassembly/minutes"));
    let minutes = browser.wait_text("main", "Niederschrift");
    assert!(minutes.contains("Neuer Gegenstand"), "{minutes}");
    assert!(minutes.contains("angenommen"), "{minutes}");
    assert!(minutes.contains("3/4"), "{minutes}");
    screenshot(&browser, "minutes");
    let pdf = browser.print_pdf_base64();
    // "%PDF" in base64.
    assert!(
        pdf.starts_with("JVBER"),
        "a PDF: {}",
        &pdf[..pdf.len().min(20)]
    );
    let axe = browser.accessibility_violations();
    assert!(axe.is_empty(), "the minutes: {axe:?}");
}

/// The treasurer records a payment and sees the trial balance change, charges a levy and
/// sees each member's part among the open items, and is told why the running year cannot be
/// closed yet (A1).
#[test]
fn the_treasurer_records_a_payment_charges_a_levy_and_sees_each_members_part() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    demo.sign_in(&browser, "Petra");
    // Her own capital's movements, in words: her founding payment and its bank reference.
    browser.goto(&demo.page("/me"));
    let mine = browser.text("main");
    assert!(
        mine.contains("Einzahlung · Überweisung, Mitglied 2") && !mine.contains("payment"),
        "{mine}"
    );
    browser.goto(&demo.page("/books"));
    let before = browser.text("#trial-balance + .table-wrap tfoot");
    browser.fill("#payment-amount", "119,00");
    browser.fill("#payment-account", "6300");
    browser.fill("#payment-text", "Druck der Flyer");
    browser.fill("#payment-reference", "RE-2026-117");
    browser.click("#direction-out");
    browser.click_to_load("form[action$='/payments'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    let after = browser.text("#trial-balance + .table-wrap tfoot");
    assert_ne!(before, after, "the trial balance changed");
    let table = browser.text("#trial-balance + .table-wrap");
    assert!(table.contains("6300"), "{table}");
    // The chart's accounts in the reader's language.
    assert!(
        table.contains("6300 Sonstige betriebliche Aufwendungen")
            && table.contains("2000/1 Geschäftsguthaben der Mitglieder")
            && !table.contains("Other operating expenses"),
        "{table}"
    );
    // A balance names its side (Soll, Haben) instead of a sign: the members' capital stands
    // on the credit side.
    assert!(
        table.contains("Geschäftsguthaben der Mitglieder 0,00 € 200,00 € 200,00 € H"),
        "{table}"
    );
    assert!(
        !table.split_whitespace().any(
            |word| word.starts_with('-') && word[1..].starts_with(|c: char| c.is_ascii_digit())
        ),
        "no signed balance: {table}"
    );

    browser.goto(&demo.page("/books"));
    browser.fill("#levy-purpose", "Regionalmarketing 2027");
    browser.fill("#levy-total", "600");
    browser.execute(
        "document.querySelector('#levy-due_on').value = arguments[0];",
        json!([jiff_day(30)]),
    );
    browser.click_to_load("form[action$='/levies'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    let open = browser.text("#open-items + .table-wrap");
    assert!(
        open.contains("600,00"),
        "the levy's total among the open items: {open}"
    );
    screenshot(&browser, "books");
    // Each member's part, on the member's accounts in the books.
    browser.click_to_load("#open-items + .table-wrap tbody tr:first-child a");
    let accounts = browser.wait_text("main", "Konten des Mitglieds");
    assert!(accounts.contains("1420/"), "{accounts}");
    // What each line records, in German: the levy, and the shares the demo's members
    // subscribed when they were admitted.
    assert!(
        accounts.contains("Umlage: Regionalmarketing 2027")
            && accounts.contains("bei der Aufnahme gezeichnet")
            && !accounts.contains("subscribed"),
        "{accounts}"
    );

    // A manual entry with its receipt, then its reversal from the account's ledger (A1).
    browser.goto(&demo.page("/books"));
    browser.fill("#entry-text", "Porto für die Einladungen");
    browser.fill("#entry-receipt", "Kasse 2026/41");
    browser.fill("#entry-account_1", "6300");
    browser.fill("#entry-debit_1", "12,50");
    browser.fill("#entry-account_2", "1000");
    browser.fill("#entry-credit_2", "12,50");
    browser.click_to_load("form[action$='/entries'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    browser.goto(&demo.page("/books/ledger?account=6300"));
    let ledger = browser.wait_text("main table", "Porto für die Einladungen");
    assert!(ledger.contains("12,50"), "{ledger}");
    let lines = browser.count("main table tbody tr");
    let reversible = browser.count("form[action$='/reversal']");
    browser.fill(
        "main table tbody tr:last-child input[name=reason]",
        "Doppelt erfasst",
    );
    browser.click_to_load("main table tbody tr:last-child button[type=submit]");
    browser.wait_text("main", "Gebucht");
    assert_eq!(
        browser.count("main table tbody tr"),
        lines + 1,
        "the reversal's line"
    );
    // Neither the reversed entry nor its reversal can be reversed (again).
    assert_eq!(browser.count("form[action$='/reversal']"), reversible - 1);
    screenshot(&browser, "books-ledger");
    browser.goto(&demo.page("/books"));

    // The running year ends on 31 December: it cannot be closed before.
    browser.execute(
        "document.querySelector('#closing-year').value = arguments[0];",
        json!([format!("{}-12-31", &jiff_day(0)[..4])]),
    );
    browser.click_to_load("form[action$='/closing'] button[type=submit]");
    let refused = browser.wait_text("section[aria-labelledby=closing] .alert", "Tag danach");
    assert!(refused.contains("Geschäftsjahr"), "{refused}");
    // Last year, the demo's first, is over. A costly repair booked into it leaves a loss above
    // half of the members' capital: the closing raises the G33 alarm; the year is sealed
    // against entries (A1).
    let last_year = format!(
        "{}-12-31",
        jiff_day(0)[..4].parse::<i32>().expect("a year") - 1
    );
    browser.goto(&demo.page("/books"));
    browser.fill("#payment-amount", "2000");
    browser.fill("#payment-account", "6300");
    browser.fill("#payment-text", "Reparatur der Hebebühne");
    browser.fill("#payment-reference", "RE-HB");
    browser.click("#direction-out");
    browser.execute(
        "document.querySelector('#payment-booked_on').value = arguments[0];",
        json!([last_year.replace("-31", "-20")]),
    );
    browser.click_to_load("form[action$='/payments'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    browser.execute(
        "document.querySelector('#closing-year').value = arguments[0];",
        json!([last_year]),
    );
    browser.click_to_load("form[action$='/closing'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    let alarm = browser.wait_text("main", "§ 33");
    assert!(alarm.contains("Generalversammlung"), "{alarm}");
    screenshot(&browser, "books-g33-alarm");
    browser.goto(&demo.page("/books"));
    browser.fill("#payment-amount", "5");
    browser.fill("#payment-account", "6300");
    browser.fill("#payment-text", "Nachzügler");
    browser.fill("#payment-reference", "RE-alt");
    browser.execute(
        "document.querySelector('#payment-booked_on').value = arguments[0];",
        json!([last_year]),
    );
    browser.click_to_load("form[action$='/payments'] button[type=submit]");
    let sealed = browser.wait_text("section[aria-labelledby=payment] .alert", "A1");
    assert!(sealed.contains("abgeschlossen"), "{sealed}");
    assert_eq!(browser.property("#payment-text", "value"), "Nachzügler");
}

/// An auditor browses the log by type, opens an event with its hash and the one it links
/// to, follows the link, and verifies the chain: intact, with the head to note; verified
/// again against that anchor, intact still.
#[test]
fn an_auditor_browses_the_log_opens_an_event_and_verifies_the_chain() {
    let Some(browser) = Browser::start("en", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    browser.goto(&demo.links["Prüfungsverband"]);
    browser.click_to_load("main form button[type=submit]");
    browser.wait_text("h1", "Audit the log");
    browser.select("#type", "MemberAdmitted");
    browser.click_to_load("main form.search button[type=submit]");
    browser.wait_text_without("main table", "MemberAdmitted", "TokenIssued");
    screenshot(&browser, "audit-log");
    browser.click_to_load("main table tbody tr:nth-child(2) td a");
    let event = browser.wait_text("main", "Previous hash");
    let hash = browser.text("#hash");
    assert_eq!(hash.len(), 64, "{event}");
    let previous = browser.text("#prev-hash a");
    browser.click_to_load("#prev-hash a");
    browser.wait_text("main", "Previous hash");
    assert_eq!(browser.text("#hash"), previous, "the event linked to");
    screenshot(&browser, "audit-event");

    browser.goto(&demo.page("/audit/verify"));
    browser.click_to_load("main form button[type=submit]");
    browser.wait_text("#result", "Intact");
    let anchor = browser.text("#head");
    assert!(anchor.contains(':'), "{anchor}");
    screenshot(&browser, "audit-verify");
    browser.fill("#anchor", &anchor);
    browser.click_to_load("main form button[type=submit]");
    browser.wait_text("#result", "Intact");
    // An anchor the log does not hold.
    let (position, _) = anchor.split_once(':').expect("position:hash");
    browser.fill("#anchor", &format!("{position}:{}", "0".repeat(64)));
    browser.click_to_load("main form button[type=submit]");
    browser.wait_text("#result", "BROKEN");
}

/// Every page of the organs, the treasurer and the auditors: no serious or critical axe
/// violation, no sideways scrolling at 360 px, German with `de` and English with `en`.
#[test]
fn every_organ_page_is_accessible_fits_a_phone_and_speaks_german_and_english() {
    let Some(german) = Browser::start("de", Screen::PHONE) else {
        return;
    };
    let english = Browser::start("en", Screen::PHONE).expect("a second browser");
    let demo = Demo::start();
    let application = apply(&demo, "Zimmerei Probst");
    let mut failures = Vec::new();
    for (browser, lang, who) in [(&german, "de", "Petra"), (&english, "en", "Josef")] {
        demo.sign_in(browser, who);
        for page in [
            "/board".to_owned(),
            format!("/board/applications/{application}"),
            "/board/convene".to_owned(),
            "/board/assemblies/demoassembly".to_owned(),
            "/assemblies/demoassembly/minutes".to_owned(),
            "/members".to_owned(),
            format!("/members?on={}", jiff_day(0)),
            "/members/1".to_owned(),
            "/books".to_owned(),
            "/books/ledger?account=1200".to_owned(),
            "/audit".to_owned(),
            "/audit?type=VoteCast".to_owned(),
            "/audit?stream=member-1".to_owned(),
            "/audit/events/1".to_owned(),
            "/audit/verify".to_owned(),
        ] {
            browser.goto(&demo.page(&page));
            failures.extend(check(browser, lang, &page));
        }
        browser.goto(&demo.page("/audit/verify"));
        browser.click_to_load("main form button[type=submit]");
        failures.extend(check(browser, lang, "/audit/verify (result)"));
    }
    // A member's session on an organ's page: the 403 page, accessible too.
    demo.sign_in(&german, "Bernd");
    german.goto(&demo.page("/board"));
    assert!(german.text("h1").contains("Kein Zugriff"));
    failures.extend(check(&german, "de", "/board (403)"));
    assert!(failures.is_empty(), "{failures:#?}");
}

/// On members' records the board records a death (the membership ends with the business
/// year, § 77 GenG, and the record then offers the settlement), appoints to an office, is
/// told why a dismissal would leave an organ too small (G9-24), and excludes a member on a
/// ground of the statute (G68).
#[test]
fn g9_24_g68_the_board_records_a_death_an_office_and_an_exclusion_on_members_records() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    demo.sign_in(&browser, "Josef");
    browser.goto(&demo.page("/members/4"));
    // A day of death still to come is refused at its field.
    browser.execute(
        "document.querySelector('#died_on').value = arguments[0];",
        json!([jiff_day(3)]),
    );
    browser.click_to_load("form[action$='/death'] button[type=submit]");
    browser.wait_text("section[aria-labelledby=death] .alert", "Zukunft");
    browser.execute(
        "document.querySelector('#died_on').value = arguments[0];",
        json!([jiff_day(-2)]),
    );
    browser.click_to_load("form[action$='/death'] button[type=submit]");
    let record = browser.wait_text("main", "Eingetragen");
    let year_end = format!("31.12.{}", &jiff_day(0)[..4]);
    assert!(
        record.contains(&year_end),
        "the exit at the year's end: {record}"
    );
    assert!(
        browser.count("form[action$='/settlement']") == 1,
        "{record}"
    );
    screenshot(&browser, "board-member-death");

    // Offices: member 6 appointed to the supervisory board, then dismissed (G9-24).
    browser.goto(&demo.page("/members/6"));
    browser.select("#office", "supervisory-board");
    browser.click_to_load("form[action$='/offices'] button[type=submit]");
    let appointed = browser.wait_text("main", "Eingetragen");
    assert!(appointed.contains("Aufsichtsrat"), "{appointed}");
    // A member in office gets no sign-in link from a board member's page.
    assert_eq!(browser.count("form[action$='/people']"), 0, "{appointed}");
    // Member 4 died: dismissing member 6 would leave the supervisory board below the law's
    // three — refused, with the rule, at the dismissal, keeping the reason typed.
    browser.goto(&demo.page("/members/6"));
    browser.fill("#dismiss-supervisory-board", "Auf eigenen Wunsch");
    browser.click_to_load("form[action$='/dismissal'] button[type=submit]");
    let refused = browser.wait_text("section[aria-labelledby=offices] .alert", "G9-24");
    assert!(refused.contains('3'), "{refused}");
    assert_eq!(
        browser.property("#dismiss-supervisory-board", "value"),
        "Auf eigenen Wunsch",
        "the reason kept"
    );

    // An exclusion on a ground of the statute (G68), of a member without office: without a
    // reason it is refused at its field, keeping the ground chosen; with one, the record
    // shows the exit.
    let application = apply(&demo, "Zimmerei Probst GmbH");
    let admitted = demo.client.ok(
        &format!("/applications/{application}/admission"),
        "member:1",
        json!({}),
    );
    let member = admitted["member"].as_u64().expect("a member number");
    browser.goto(&demo.page(&format!("/members/{member}")));
    browser.click("input[name=ground][value=arrears]");
    browser.execute(
        "document.querySelector('#reason').removeAttribute('required');",
        json!([]),
    );
    browser.click_to_load("form[action$='/exclusion'] button[type=submit]");
    browser.wait_text("section[aria-labelledby=exclusion] .alert", "Bitte füllen");
    assert_eq!(
        browser.property("input[name=ground][value=arrears]", "checked"),
        true,
        "the ground kept"
    );
    browser.fill(
        "#reason",
        "Zwei Mahnungen ohne Zahlung auf die Geschäftsanteile",
    );
    browser.click_to_load("form[action$='/exclusion'] button[type=submit]");
    let excluded = browser.wait_text("main", "Eingetragen");
    assert!(excluded.contains("Ausscheiden zum"), "{excluded}");
}

/// G21b, G19: the assembly approves the laser cutter and resolves how last year's profit is
/// used; the treasurer takes a member's loan for the laser cutter, books income into last
/// year, closes it, and books the profit's use as resolved.
#[test]
fn g21b_g19_the_treasurer_takes_a_member_loan_and_uses_a_profit_as_resolved() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    // The assembly, through the API: the laser cutter approved, the use of the profit resolved.
    let profit = demo.client.ok(
        "/motions",
        "member:1",
        json!({"assembly": "demoassembly", "title": "Verwendung des Jahresüberschusses",
               "proposal": {"kind": "use-of-profit", "proposal": "100 € in die gesetzliche Rücklage, der Rest an die Mitglieder"},
               "announced_on": jiff_day(-21)}),
    );
    let profit = profit["id"].as_str().expect("a motion").to_owned();
    // The demo's statute takes no member loans: the assembly sets their interest cap.
    let statute = format!(
        "{}\n[books]\nmember_loan_interest_max_percent = \"3.00\"\n",
        include_str!("../../examples/statute.toml")
    );
    let loans = demo.client.ok(
        "/motions",
        "member:1",
        json!({"assembly": "demoassembly", "title": "Mitgliederdarlehen bis 3 % Zins",
               "proposal": {"kind": "statute-amendment", "statute_text": statute},
               "announced_on": jiff_day(-21)}),
    );
    let loans = loans["id"].as_str().expect("a motion").to_owned();
    for motion in [&profit, &loans] {
        demo.client
            .ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));
    }
    for member in ["member:1", "member:2", "member:3", "member:6"] {
        for motion in ["lasercutter", profit.as_str(), loans.as_str()] {
            demo.client.ok(
                &format!("/motions/{motion}/votes"),
                member,
                json!({"choice": "yes"}),
            );
        }
    }
    for motion in ["lasercutter", profit.as_str(), loans.as_str()] {
        demo.client.ok(
            &format!("/motions/{motion}/ballot/close"),
            "member:1",
            json!({}),
        );
    }

    demo.sign_in(&browser, "Petra");
    let last_year = jiff_day(0)[..4].parse::<i32>().expect("a year") - 1;
    // A member's loan for the approved laser cutter (G21b).
    browser.goto(&demo.page("/books"));
    browser.fill("#loan-lender", "6");
    browser.fill("#loan-amount", "5000");
    browser.fill("#loan-interest_percent", "1,5");
    browser.click_to_load("form[action$='/loans'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    let tb = browser.text("#trial-balance + .table-wrap");
    assert!(tb.contains("3100"), "the loan's account: {tb}");
    // A part repaid; the rest still owed.
    browser.fill("#repayment-amount-1", "1000");
    browser.click_to_load("form[action$='/repayments'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    let owed = browser.text("section[aria-labelledby=repayment] table");
    assert!(owed.contains("4.000,00"), "{owed}");
    // Income in last year, then last year closed with a profit.
    browser.goto(&demo.page("/books"));
    browser.fill("#payment-amount", "1000");
    browser.fill("#payment-account", "4000");
    browser.fill("#payment-text", "Maschinennutzung Dezember");
    browser.fill("#payment-reference", "RE-DEZ");
    browser.execute(
        "document.querySelector('#payment-booked_on').value = arguments[0];",
        json!([format!("{last_year}-12-15")]),
    );
    browser.click_to_load("form[action$='/payments'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    browser.goto(&demo.page("/books"));
    browser.execute(
        "document.querySelector('#closing-year').value = arguments[0];",
        json!([format!("{last_year}-12-31")]),
    );
    browser.click_to_load("form[action$='/closing'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    // The profit used as resolved (G19): 100 € to the legal reserve, the rest to the members.
    browser.goto(&demo.page("/books"));
    browser.execute(
        "document.querySelector('#profit-year').value = arguments[0];",
        json!([format!("{last_year}-12-31")]),
    );
    browser.fill("#profit-legal_reserve", "100");
    browser.click_to_load("form[action$='/profit-use'] button[type=submit]");
    browser.wait_text("main", "Gebucht");
    screenshot(&browser, "books-profit");
    let sheet = browser.text("#balance-sheet + .table-wrap");
    assert!(sheet.contains("100,00"), "the legal reserve: {sheet}");
}

/// The board's page lists the pending applications a hundred at a time, oldest first, with a
/// link to the next hundred and one back to the start; every pending application is on one
/// page, none on two.
#[test]
fn the_board_pages_through_the_pending_applications() {
    let demo = Demo::start();
    for n in 0..101 {
        apply(&demo, &format!("Zimmerei Nummer {n}"));
    }
    let pending = demo.client.get("/applications?limit=1000", "member:1")["applications"]
        .as_array()
        .expect("applications")
        .len();
    assert!(pending > 100, "{pending}");
    let cookie = session(&demo, "Josef");
    let get = |path: &str| {
        let reply = demo.client.http.send(
            "GET",
            &demo.page(path),
            None,
            &[("cookie", cookie.as_str())],
            None,
        );
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.text
    };
    let listed = |text: &str| -> Vec<String> {
        text.split("/board/applications/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    };
    let first = get("/board");
    assert_eq!(listed(&first).len(), 100);
    assert!(!first.contains("Zum Anfang der Liste"), "{first}");
    let after = first
        .split("/board?after=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the next page");
    let second = get(&format!("/board?after={after}"));
    assert_eq!(listed(&second).len(), pending - 100);
    assert!(second.contains("Zum Anfang der Liste"), "{second}");
    assert!(!second.contains("/board?after="), "the last page: {second}");
    let mut all = listed(&first);
    all.extend(listed(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), pending, "each pending application once");
}

/// Behind a proxy the request's address is the proxy's own: the link the board hands over
/// points to the address the operator gave (`--public-url`), as the command line's does.
#[test]
fn a_sign_in_link_points_to_the_public_address() {
    let public = "https://verbund.example.org";
    let mut serve = verbund();
    serve.env("VERBUND_PUBLIC_URL", public);
    let demo = Demo::start_with(serve);
    let cookie = session(&demo, "Josef");
    let origin = demo.client.server.base.clone();
    // Reached by HTTPS (a proxy ends TLS), the session's cookie goes over HTTPS only.
    let signed_in = demo.client.http.send(
        "POST",
        &demo.links["Bernd"],
        None,
        &[("origin", origin.as_str())],
        None,
    );
    let secure = crate::pages::session_cookie(&signed_in);
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(secure.contains(attribute), "{attribute}: {secure}");
    }
    let headers = [("cookie", cookie.as_str()), ("origin", origin.as_str())];
    let linked = demo.client.http.post_form(
        &demo.page("/members/6/people"),
        &headers,
        "key=k6&capacity=attorney",
    );
    assert_eq!(linked.status, 200, "{}", linked.text);
    assert!(
        linked
            .text
            .contains(&format!("{public}/c/{COOP}/sign-in/vb1_")),
        "{}",
        linked.text
    );
    assert!(
        !linked.text.contains(&format!("{origin}/c/")),
        "{}",
        linked.text
    );

    let printed = verbund()
        .args([
            "token",
            "issue",
            COOP,
            "auditor",
            "--link",
            "--database-url",
        ])
        .arg(demo.database_url())
        .env("VERBUND_PUBLIC_URL", format!("{public}/"))
        .output()
        .expect("verbund token issue runs");
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(printed.status.success(), "{text}");
    assert!(
        text.contains(&format!("{public}/c/{COOP}/sign-in/vb1_")),
        "{text}"
    );
    let refused = verbund()
        .args([
            "serve",
            "--public-url",
            "verbund.example.org",
            "--database-url",
        ])
        .arg(demo.database_url())
        .output()
        .expect("verbund serve runs");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("names no scheme"), "{said}");
}

/// A people form sent again (a reload) records no second person and shows no second link;
/// the people of a member in office get their links from the administrator, never from one
/// board member for another organ.
#[test]
fn a_repeated_people_form_records_one_person_and_an_officers_people_get_no_link() {
    let demo = Demo::start();
    let cookie = session(&demo, "Josef");
    let origin = demo.client.server.base.clone();
    let headers = [("cookie", cookie.as_str()), ("origin", origin.as_str())];
    let record = |member: u32| {
        demo.client.http.send(
            "GET",
            &demo.page(&format!("/members/{member}")),
            None,
            &headers[..1],
            None,
        )
    };
    let people = |text: &str| text.matches("<td class=\"hash\">").count();
    // Member 6 holds no office.
    let page = record(6);
    assert_eq!(page.status, 200, "{}", page.text);
    let before = people(&page.text);
    let key = page
        .text
        .split("name=\"key\" value=\"")
        .last()
        .and_then(|rest| rest.split('"').next())
        .expect("the form's key")
        .to_owned();
    let form = format!("key={key}&capacity=attorney");
    let url = demo.page("/members/6/people");
    let first = demo.client.http.post_form(&url, &headers, &form);
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.text.contains("/sign-in/vb1_"), "{}", first.text);
    let again = demo.client.http.post_form(&url, &headers, &form);
    assert_eq!(again.status, 409, "{}", again.text);
    assert!(
        again.text.contains("schon einmal angezeigt"),
        "{}",
        again.text
    );
    assert!(!again.text.contains("/sign-in/vb1_"), "{}", again.text);
    assert_eq!(people(&record(6).text), before + 1, "one person recorded");

    // Member 1 is on the board: no link from a board member's page.
    let officer = demo.client.http.post_form(
        &demo.page("/members/1/people"),
        &headers,
        "key=k1&capacity=attorney",
    );
    assert_eq!(officer.status, 403, "{}", officer.text);
    assert!(officer.text.contains("Administration"), "{}", officer.text);
    assert!(!officer.text.contains("/sign-in/vb1_"), "{}", officer.text);
}

/// A refusal on a form reads in German: a member transferring capital to themself (G76) and
/// the treasurer's entry whose debits and credits differ are told what the rule asks, not the
/// domain's English message; nothing is written.
#[test]
fn a_refusal_on_a_form_reads_in_german() {
    let demo = Demo::start();
    let origin = demo.client.server.base.clone();
    let (bernd, petra) = (session(&demo, "Bernd"), session(&demo, "Petra"));
    let head = demo.client.head();
    for (cookie, page, form, german, english) in [
        (
            &bernd,
            "/me/transfer",
            "to=6&amount=10&confirm=on",
            "nicht an sich selbst übertragen",
            "cannot transfer",
        ),
        (
            &petra,
            "/books/entries",
            "key=k1&text=Porto&receipt=K1&booked_on=&account_1=6300&debit_1=10%2C00&credit_1=&account_2=1000&debit_2=&credit_2=9%2C00",
            "Soll und Haben sind nicht gleich",
            "do not sum to zero",
        ),
    ] {
        let headers = [
            ("cookie", cookie.as_str()),
            ("origin", origin.as_str()),
            ("accept-language", "de"),
        ];
        let refused = demo.client.http.post_form(&demo.page(page), &headers, form);
        assert!(
            (400..500).contains(&refused.status),
            "{page}: {} {}",
            refused.status,
            refused.text
        );
        assert!(
            refused.text.contains(german) && !refused.text.contains(english),
            "{page}: {}",
            refused.text
        );
    }
    assert_eq!(demo.client.head(), head, "nothing was written");
}
