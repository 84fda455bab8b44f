//! The pages in a real browser (Chromium over WebDriver), each journey from a fresh server on
//! the demo cooperative as `verbund demo` sets it up: a visitor finds a firm and declares
//! membership, the board admits them through the API and issues a sign-in link, the new
//! member signs in and votes; a proxy votes for their principal; a member gives notice and
//! sees the exit day first; the voting done with the keyboard alone; a form from another
//! origin refused; every page scanned by axe-core, at 360 px, in German and English.
//!
//! The pages run on SQLite here: they read and write through the same commands as the API,
//! whose tests cover both databases. Screenshots land in `target/screenshots`, and in
//! `docs/screenshots` (the README's) when `VERBUND_SCREENSHOTS` names that folder.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;
use verbund_tests::browser::{Browser, Screen};
use verbund_tests::{Client, Reply, Server, TestDb};

use crate::verbund;

pub(crate) const COOP: &str = "dorfhandwerk-eg";

/// The demo cooperative on a fresh database, served; its tokens per role and sign-in links
/// per person (by the person's first name).
pub(crate) struct Demo {
    pub(crate) client: Client,
    pub(crate) links: BTreeMap<String, String>,
    _db: TestDb,
}

impl Demo {
    pub(crate) fn start() -> Demo {
        Self::start_with(verbund())
    }

    /// The demo served by `serve` (`verbund` with the environment a test gives it).
    pub(crate) fn start_with(serve: std::process::Command) -> Demo {
        let db = TestDb::sqlite();
        let output = verbund()
            .args(["demo", "--no-serve", "--database-url", &db.url])
            .output()
            .expect("verbund demo runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "verbund demo: {text}");
        let server = Server::start(serve, &db.url, "warn");
        let mut tokens = BTreeMap::new();
        let mut links = BTreeMap::new();
        let mut previous = "";
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("vb1_") {
                let principal = previous.split_whitespace().next().unwrap_or_default();
                tokens.insert(principal.to_owned(), line.to_owned());
            }
            if let Some((_, path)) = line.split_once("://").and_then(|(_, r)| r.split_once('/'))
                && path.contains("/sign-in/")
            {
                let who = previous.split_whitespace().next().unwrap_or_default();
                links.insert(who.to_owned(), server.url(&format!("/{path}")));
            }
            previous = line;
        }
        assert!(
            tokens.contains_key("member:1") && links.contains_key("Bernd"),
            "{text}"
        );
        Demo {
            client: Client::new(COOP, server, &db.url, tokens),
            links,
            _db: db,
        }
    }

    /// The demo's database.
    pub(crate) fn database_url(&self) -> &str {
        &self._db.url
    }

    /// A page's URL.
    pub(crate) fn page(&self, path: &str) -> String {
        self.client.server.url(&format!("/c/{COOP}{path}"))
    }

    /// Signs `who` in with their link in `browser`.
    pub(crate) fn sign_in(&self, browser: &Browser, who: &str) {
        browser.goto(&self.links[who]);
        browser.click_to_load("main form button[type=submit]");
        // Signed in: the person's first page names in its header the member acted for
        // ("… 6 · Bernd Vogel").
        browser.wait_text("header .who", " · ");
    }
}

/// The `Set-Cookie` header of the session a sign-in started, with its attributes.
pub(crate) fn session_cookie(reply: &Reply) -> String {
    reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("verbund_session=") && !c.starts_with("verbund_session=;"))
        .unwrap_or_else(|| panic!("a session cookie: {:?}", reply.set_cookies))
        .clone()
}

/// Where screenshots go.
pub(crate) fn screenshot(browser: &Browser, name: &str) {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots")];
    if let Some(dir) = std::env::var_os("VERBUND_SCREENSHOTS") {
        dirs.push(PathBuf::from(dir));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).expect("a screenshot folder");
        browser.screenshot(&dir.join(format!("{name}.png")));
    }
}

/// G15, G15a: a visitor finds a roofer by trade, declares membership (a missing
/// acknowledgement is refused at its field, keeping what was typed), the board admits them
/// through the API, authorizes them as themself and issues a sign-in link; the new member
/// signs in, votes on a motion put after the admission and sees the receipt with the log
/// position and hash.
#[test]
fn a_visitor_finds_a_firm_applies_is_admitted_signs_in_and_votes() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    browser.goto(&demo.page(""));
    assert_eq!(browser.page_language(), "de");
    assert!(browser.text("h2#firms").contains("Mitgliedsbetriebe"));
    browser.select("#trade", "Dachdeckerei");
    browser.click("form[role=search] button[type=submit]");
    // The list is swapped in by htmx: read once it shows the roofer alone (an element read
    // before the swap would be gone).
    browser.wait_text_without("#firm-list", "Dachdeckerei Wolf", "Schreinerei Huber");
    // By region: the painter of the next village, the only firm there.
    browser.select("#trade", "");
    browser.select("#region", "Nachbarort");
    browser.click("form[role=search] button[type=submit]");
    browser.wait_text_without("#firm-list", "Malerbetrieb Schulz", "Dachdeckerei Wolf");
    browser.goto(&demo.page("?trade=Dachdeckerei"));
    screenshot(&browser, "landing");

    browser.click_to_load("a.button[href$='/apply']");
    browser.fill("#name", "Zimmerei Lang GmbH");
    browser.fill("#address", "Waldweg 9, 12345 Musterdorf");
    browser.fill("#trade", "Zimmerei");
    browser.fill("#region", "Musterdorf");
    browser.fill("#employees", "5");
    browser.fill("#shares", "2");
    browser.click("input[name=listed]");
    browser.click_to_load("form.stack button[type=submit]");
    // G15a: without the duty to pay acknowledged the declaration is refused, at its field,
    // with the rule, and what was typed is still there.
    let problem = browser.text("#problem");
    assert!(problem.contains("G15a"), "{problem}");
    assert_eq!(browser.property("#name", "value"), "Zimmerei Lang GmbH");
    screenshot(&browser, "declaration-refused");
    browser.click("input[name=pays_for_shares]");
    assert_eq!(
        browser.property("input[name=pays_for_shares]", "checked"),
        true,
        "the acknowledgement is ticked"
    );
    browser.click_to_load("form.stack button[type=submit]");
    browser.wait_text("main", "eingegangen");
    let applied = browser.accessibility_violations();
    assert!(applied.is_empty(), "the confirmation: {applied:?}");
    let application = browser.text("main code");

    // The board, through the API: admits, authorizes the owner, issues a sign-in link.
    let admitted = demo.client.ok(
        &format!("/applications/{application}/admission"),
        "member:1",
        json!({}),
    );
    let member = admitted["member"].as_u64().expect("a member number");
    let person = demo.client.ok(
        &format!("/members/{member}/representatives"),
        "member:1",
        json!({"capacity": "managing-director"}),
    );
    let person = person["person"].as_str().expect("a person").to_owned();
    let link = demo.client.ok(
        "/tokens",
        "admin",
        json!({"principal": format!("person:{person}"), "purpose": "sign-in-link"}),
    );
    let link = demo
        .client
        .server
        .url(link["link"].as_str().expect("a link"));
    // A motion put to today's assembly after the admission, so the new member votes on it.
    let motion = demo.client.ok(
        "/motions",
        "member:1",
        json!({"assembly": "demoassembly", "title": "Gemeinsamer Messestand 2027",
               "proposal": {"kind": "general", "text": "Der Verbund mietet einen gemeinsamen Stand auf der Regionalmesse 2027."},
               "announced_on": jiff_day(-21)}),
    );
    let motion = motion["id"].as_str().expect("a motion").to_owned();
    demo.client
        .ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));

    browser.goto(&link);
    browser.click_to_load("main form button[type=submit]");
    browser.wait_text("header", "Zimmerei Lang GmbH");
    browser.goto(&demo.page(&format!("/motions/{motion}")));
    assert!(browser.text("#majority").contains("einfache Mehrheit"));
    browser.click("input[name=choice][value=yes]");
    browser.click_to_load("form.stack button[type=submit]");
    browser.wait_text("main", "Ihre Stimme ist gezählt");
    let position: u64 = browser
        .text("dl.facts dd")
        .parse()
        .expect("the receipt's position");
    let vote = demo.client.get_at_head(
        &format!("/events?from={position}&limit=1"),
        demo.client.token("auditor"),
    );
    assert!(vote.text.contains("VoteCast"), "{}", vote.text);
    screenshot(&browser, "receipt");
}

/// The day `offset` days from today.
pub(crate) fn jiff_day(offset: i64) -> String {
    use jiff::ToSpan;
    jiff::ZonedDateTime::now()
        .date()
        .checked_add(offset.days())
        .expect("a day")
        .to_string()
}

/// G43-5: Bernd Vogel holds Anna Berger's proxy and casts her vote as well as his own; each
/// receipt is his to see. The whole vote is done with the keyboard alone.
#[test]
fn a_proxy_votes_for_their_principal_with_the_keyboard_alone() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    browser.goto(&demo.links["Bernd"]);
    browser.tab_to("Jetzt anmelden");
    browser.press_to_load("\u{E007}");
    browser.wait_text("main", "Mitgliedsnummer");
    screenshot(&browser, "overview");
    browser.tab_to("Generalversammlungen");
    browser.press_to_load("\u{E007}");
    browser.find("main section.card");
    screenshot(&browser, "assemblies");
    browser.tab_to("Ein Laserschneider");
    browser.press_to_load("\u{E007}");
    browser.find("#majority");
    screenshot(&browser, "ballot");
    for voter in ["mich selbst", "Mitglied 4"] {
        if voter != "mich selbst" {
            browser.goto(&demo.page("/motions/lasercutter"));
        }
        browser.tab_to("Stimme für");
        // The select: choose by typing, as a keyboard user does.
        if voter == "Mitglied 4" {
            browser.press("\u{E015}");
        }
        browser.tab_to("Ja");
        browser.press("\u{E00D}");
        browser.tab_to("Stimme abgeben");
        browser.press_to_load("\u{E007}");
        browser.wait_text("main", "Ihre Stimme ist gezählt");
    }
    let votes = demo.client.get("/motions/lasercutter/votes", "auditor");
    let voters: Vec<u64> = votes["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .filter_map(|v| v["voter"].as_u64())
        .collect();
    assert!(voters.contains(&6) && voters.contains(&4), "{votes}");
    // The ballot shows what was cast, for him and for his principal.
    browser.goto(&demo.page("/motions/lasercutter"));
    let cast = browser.text("section[aria-labelledby=cast]");
    assert!(
        cast.contains("mich selbst") && cast.contains("Mitglied 4"),
        "{cast}"
    );
    // Who holds whose vote, as the proxy page tells it.
    browser.goto(&demo.page("/me/proxy"));
    assert!(browser.text("#holder").contains("Niemand"));
    let holding = browser.text("section[aria-labelledby=holding]");
    assert!(holding.contains("Mitgliedsnummer 4"), "{holding}");
}

/// G65: a member sees the day they would leave before giving notice, and after it.
#[test]
fn g65_a_member_gives_notice_and_sees_the_exit_day_before_and_after() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    demo.sign_in(&browser, "Bernd");
    browser.goto(&demo.page("/me/notice"));
    let shown = browser.text("#exit-date");
    // Twelve months' notice to the end of a business year of the calendar (the demo statute).
    let expected = format!("31.12.{}", jiff::ZonedDateTime::now().date().year() + 1);
    assert_eq!(shown, expected);
    screenshot(&browser, "notice");
    // Sent without the confirmation (the browser's own check set aside): refused on the
    // page itself, the day still shown, nothing given.
    browser.execute(
        "document.getElementById('confirm').required = false;",
        json!([]),
    );
    browser.click_to_load("form.stack button[type=submit]");
    browser.wait_text("#problem", "Häkchen");
    assert_eq!(browser.text("#exit-date"), expected);
    assert_eq!(
        demo.client.get("/members/6/statement", "member:1")["exit_on"],
        serde_json::Value::Null
    );
    browser.click("#confirm");
    browser.click_to_load("form.stack button[type=submit]");
    browser.wait_text("main", "Sie haben gekündigt");
    assert_eq!(browser.text("#exit-date"), expected);
    let statement = demo.client.get("/members/6/statement", "member:1");
    let day = format!("{}-12-31", jiff::ZonedDateTime::now().date().year() + 1);
    assert_eq!(statement["exit_on"], day.as_str(), "{statement}");
}

/// A form posted from another origin is refused before anything is decided, and the session
/// cookie does not travel with it.
#[test]
fn a_form_posted_from_another_origin_is_refused() {
    let Some(browser) = Browser::start("de", Screen::DESKTOP) else {
        return;
    };
    let demo = Demo::start();
    demo.sign_in(&browser, "Bernd");
    let head = demo.client.head();
    let target = demo.page("/motions/lasercutter/vote");
    browser.goto(&format!(
        "data:text/html,<form method=post action='{target}'><input name=choice value=yes></form>"
    ));
    browser.execute("document.forms[0].submit();", json!([]));
    let refused = browser.text("main");
    assert!(
        refused.contains("Dieses Formular darf nur von diesen Seiten"),
        "{refused}"
    );
    assert_eq!(demo.client.head(), head, "nothing was written");
}

/// Every page: no serious or critical axe-core violation, no sideways scrolling at 360 px,
/// German with `Accept-Language: de` and English with `en`.
#[test]
fn every_page_is_accessible_fits_a_phone_and_speaks_german_and_english() {
    let Some(german) = Browser::start("de", Screen::PHONE) else {
        return;
    };
    let english = Browser::start("en", Screen::PHONE).expect("a second browser");
    let demo = Demo::start();
    for (browser, lang, who) in [(&german, "de", "Bernd"), (&english, "en", "Petra")] {
        let pages = [
            "".to_owned(),
            "/apply".to_owned(),
            "?trade=Schreinerei".to_owned(),
        ];
        let mut visited = Vec::new();
        for page in &pages {
            browser.goto(&demo.page(page));
            visited.push(check(browser, lang, page));
        }
        browser.goto(&demo.links[who]);
        visited.push(check(browser, lang, "sign-in"));
        browser.click_to_load("main form button[type=submit]");
        browser.wait_text(
            "header",
            if lang == "de" {
                "Angemeldet"
            } else {
                "Signed in"
            },
        );
        let statement_of_today = format!("/me?on={}", jiff_day(0));
        for page in [
            "/me",
            &statement_of_today,
            "/assemblies",
            "/motions/lasercutter",
            "/me/proxy",
            "/me/transfer",
            "/me/notice",
            "/me/sessions",
        ] {
            browser.goto(&demo.page(page));
            visited.push(check(browser, lang, page));
        }
        browser.goto(&demo.client.server.url("/rules/G65"));
        visited.push(check(browser, lang, "rule"));
        // The rule's explanation itself is in the reader's language.
        let explained = browser.text("main");
        let words = if lang == "de" {
            "Geschäftsjahres"
        } else {
            "business year"
        };
        if !explained.contains(words) {
            visited.push(vec![format!("rule: not in {lang}: {explained}")]);
        }
        browser.goto(&demo.page("/motions/nosuchmotion"));
        visited.push(check(browser, lang, "not found"));
        let failures: Vec<String> = visited.into_iter().flatten().collect();
        assert!(failures.is_empty(), "{lang}: {failures:#?}");
        if lang == "de" {
            browser.goto(&demo.page("/me"));
            screenshot(browser, "overview-phone");
        }
    }
}

/// What is wrong with the page shown, if anything; its screenshot at phone width goes to
/// `target/screenshots/phone/`, to be looked at.
pub(crate) fn check(browser: &Browser, lang: &str, page: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots/phone");
    std::fs::create_dir_all(&dir).expect("a screenshot folder");
    let name: String = format!("{lang}{page}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    browser.screenshot(&dir.join(format!("{name}.png")));
    let mut wrong = Vec::new();
    if browser.page_language() != lang {
        wrong.push(format!("{page}: lang {:?}", browser.page_language()));
    }
    let word = if lang == "de" {
        "Genossenschaft"
    } else {
        "cooperative"
    };
    if !browser.text("footer").contains(word) {
        wrong.push(format!("{page}: the footer is not in {lang}"));
    }
    let overflow = browser.overflow_x();
    if overflow > 0 {
        wrong.push(format!("{page}: {overflow} px wider than a 360 px screen"));
    }
    for violation in browser.accessibility_violations() {
        wrong.push(format!("{page}: {violation}"));
    }
    wrong
}

/// A sign-in link opens one session and nothing else: it is no bearer token, its second use
/// is refused, the session's cookie is no bearer token either, and a signed-out session's
/// cookie serves only the public pages. No browser needed: the requests a browser sends.
#[test]
fn a_sign_in_link_opens_one_session_and_nothing_else() {
    let demo = Demo::start();
    let http = &demo.client.http;
    let link = &demo.links["Bernd"];
    let secret = link.rsplit('/').next().expect("a secret").to_owned();
    let origin = demo.client.server.base.clone();
    let same = [("origin", origin.as_str())];
    // Not a bearer token.
    let me = http.get(&demo.client.url("/me"), Some(&secret));
    assert_eq!(me.status, 401, "{}", me.text);
    // Opening the link changes nothing; its button starts the session.
    assert_eq!(http.get(link, None).status, 200);
    let signed_in = http.send("POST", link, None, &same, None);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text);
    // The session's cookie: out of the page's scripts' reach, never sent along from another
    // site, and — served over plain HTTP here — not marked for HTTPS only.
    let cookie = session_cookie(&signed_in);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let reply = http.send("POST", link, None, &same, None);
    assert_eq!(reply.status, 404, "a second use: {}", reply.text);
    assert!(reply.text.contains("Anmeldelink"), "{}", reply.text);
    // The session, from the log: Bernd's person holds one, and its cookie works on the pages
    // only.
    let tokens = demo.client.get("/tokens", "admin");
    let sessions: Vec<&serde_json::Value> = tokens["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter(|t| t["purpose"] == "session")
        .collect();
    assert_eq!(sessions.len(), 1, "{tokens}");
    assert!(
        sessions[0]["principal"]
            .as_str()
            .is_some_and(|p| p.starts_with("person:")),
        "{tokens}"
    );
}
