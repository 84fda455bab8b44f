//! Governance end to end over HTTP: a joint investment in a laser cutter is convened, put,
//! voted with proxies and investing members, adopted and shows as an approved investment; a
//! statute amendment raising the share amount fails at 70 % and passes at 76 %; a hidden
//! ballot's votes appear in no response and no event before the close.

use std::collections::BTreeMap;

use jiff::ToSpan;
use serde_json::{Value, json};
use verbund_tests::*;

use crate::{examples, found_and_serve, verbund};

/// Members voting at once in the concurrency test.
const CROWD: u32 = 1_000;

#[test]
fn a_thousand_members_vote_at_once_through_two_servers_and_each_vote_counts_once() {
    let Some(db) = TestDb::postgres(
        "a_thousand_members_vote_at_once_through_two_servers_and_each_vote_counts_once",
    ) else {
        return;
    };
    thousand_members_vote_through_two_servers(&db);
}

on_both_databases!(
    a_laser_cutter_is_convened_voted_with_proxies_and_investing_members_and_approved,
    an_amendment_raising_the_share_amount_fails_at_70_and_passes_at_76_percent,
    a_hidden_ballot_shows_no_vote_before_the_close,
    w1_no_table_holds_a_secret_vote_and_its_key_is_destroyed_once_the_resolution_stands,
    a_start_without_the_key_store_fails_and_a_destroyed_key_stays_destroyed,
    g43a_above_1500_members_the_members_elect_delegates_who_alone_vote_at_their_assembly,
    a_cooperative_founded_under_the_old_rules_keeps_working_and_its_next_amendment_meets_the_law,
);

const COOP: &str = "werkstatt-eg";
/// Regular members founding the cooperative.
const FOUNDERS: u32 = 20;
/// Investing members admitted later (G8-2).
const INVESTING: u32 = 5;

fn day(offset_days: i64) -> String {
    let today = jiff::ZonedDateTime::now().date();
    today
        .checked_add(offset_days.days())
        .expect("a day")
        .to_string()
}

fn founding() -> String {
    let mut text = format!(
        "founded_on = \"{}\"\nboard = [{{ member = 1, serving = \"Person 1\" }}, {{ member = 2, serving = \"Person 2\" }}]\nsupervisory_board = [{{ member = 3, serving = \"Person 3\" }}, {{ member = 4, serving = \"Person 4\" }}, {{ member = 5, serving = \"Person 5\" }}]\ntreasurer = {{ member = 2, serving = \"Person 2\" }}\n",
        day(-60)
    );
    for n in 1..=FOUNDERS {
        text.push_str(&format!(
            "\n[[founders]]\nname = \"Betrieb {n}\"\naddress = \"Werkstraße {n}, 12345 Musterdorf\"\nkind = {{ type = \"firm\", trade = \"Handwerk\", region = \"Musterdorf\", employees = 3 }}\nshares = 1\nlisted = true\n"
        ));
    }
    text
}

/// What these tests do in an assembly beyond the shared client.
trait Assembly {
    /// Files an application and has the board admit it 40 days ago; the member number.
    fn join(&self, name: &str, kind: Value, consent: Option<&str>) -> u64;
    /// Casts a vote on `motion` as `principal`.
    fn vote(&self, motion: &str, principal: &str, body: Value) -> Reply;
    /// Casts a vote and expects it counted.
    fn vote_ok(&self, motion: &str, principal: &str, body: Value);
    /// Convenes an assembly held today, convened 20 days ago; its id.
    fn convene(&self, agenda: &[&str]) -> String;
    /// Puts a motion announced with the convening; its id.
    fn put(&self, assembly: &str, title: &str, proposal: Value, extra: Value) -> String;
}

impl Assembly for Client {
    /// Files an application and has the board admit it 40 days ago; the member number.
    fn join(&self, name: &str, kind: Value, consent: Option<&str>) -> u64 {
        let applied = self.ok(
            "/applications",
            "public",
            json!({
                "name": name,
                "address": format!("{name}weg 1, 12345 Musterdorf"),
                "kind": kind,
                "shares": 1,
                "declared_on": day(-45),
                "acknowledged": {"pays_for_shares": true},
            }),
        );
        let id = applied["application"].as_str().expect("an id");
        let admitted = self.ok(
            &format!("/applications/{id}/admission"),
            "member:1",
            json!({"admitted_on": day(-40), "investing_consent": consent}),
        );
        admitted["member"].as_u64().expect("a member number")
    }
    fn vote(&self, motion: &str, principal: &str, body: Value) -> Reply {
        self.post(&format!("/motions/{motion}/votes"), principal, body)
    }
    fn vote_ok(&self, motion: &str, principal: &str, body: Value) {
        let reply = self.vote(motion, principal, body.clone());
        assert_eq!(
            reply.status, 200,
            "vote {body} as {principal}: {}",
            reply.text
        );
    }
    /// Convenes an assembly held today, convened 20 days ago; its id.
    fn convene(&self, agenda: &[&str]) -> String {
        let convened = self.ok(
            "/assemblies",
            "member:1",
            json!({
                "form": "hybrid",
                "convened_on": day(-20),
                "held_on": day(0),
                "place": "Gasthaus zur Post, Musterdorf, and online",
                "participation": "Join with the link in the invitation and vote in the members' area",
                "chair": 3,
                "agenda": agenda,
            }),
        );
        convened["id"].as_str().expect("an id").to_owned()
    }
    /// Puts a motion announced with the convening; its id.
    fn put(&self, assembly: &str, title: &str, proposal: Value, extra: Value) -> String {
        let mut body = json!({
            "assembly": assembly,
            "title": title,
            "proposal": proposal,
            "announced_on": day(-20),
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let put = self.ok("/motions", "member:1", body);
        put["id"].as_str().expect("an id").to_owned()
    }
}

/// Founds the cooperative (20 firms), admits 5 investing members, issues tokens to every
/// member, the auditor and the admin.
fn start(db: &TestDb) -> Client {
    let mut coop = found(db, &examples("statute.toml"));
    for n in 1..=INVESTING {
        let member = coop.join(
            &format!("Investorin {n}"),
            json!({"type": "investing"}),
            Some("Supervisory board resolution of 2026-09-01"),
        );
        assert_eq!(member, u64::from(FOUNDERS + n));
        coop.issue(verbund(), &format!("member:{member}"));
    }
    coop
}

/// Founds the cooperative (20 firms) under the statute file `statute`, issues tokens to every
/// member and the auditor, and starts a server.
fn found(db: &TestDb, statute: &str) -> Client {
    let mut principals: Vec<String> = vec!["auditor".into()];
    principals.extend((1..=FOUNDERS).map(|n| format!("member:{n}")));
    found_and_serve(db, COOP, statute, &founding(), principals)
}

/// G46, G43-5, G8-2, G47: a hybrid assembly is convened with how to take part, the laser
/// cutter is voted with proxies and investing members (capped) and approved; the board records
/// who attended; the minutes give each resolution with the chair's declaration, who took part
/// in it and how each cast their vote (never what), and, as the statute admits investing
/// members, the members present or represented with their votes.
fn a_laser_cutter_is_convened_voted_with_proxies_and_investing_members_and_approved(db: &TestDb) {
    let mut coop = start(db);
    let assembly = coop.convene(&["Joint investment: a laser cutter", "Any other business"]);

    // G46: a notice shorter than two weeks is refused.
    coop.refused(
        "/assemblies",
        "member:1",
        json!({"form": "in-person", "convened_on": day(-13), "held_on": day(0),
               "place": "Gasthaus", "chair": 3, "agenda": ["x"]}),
        422,
        "notice-too-short",
        Some("G46"),
    );
    // G43b: only forms the statute provides.
    coop.refused(
        "/assemblies",
        "member:1",
        json!({"form": "virtual", "convened_on": day(-20), "held_on": day(0),
               "place": "online", "chair": 3, "agenda": ["x"]}),
        422,
        "assembly-form-not-in-statute",
        Some("G43b"),
    );
    // Members do not convene.
    let reply = coop.post(
        "/assemblies",
        "member:9",
        json!({"form": "in-person", "held_on": day(20), "place": "x", "chair": 3, "agenda": ["x"]}),
    );
    assert_eq!(reply.status, 403, "{}", reply.text);

    let motion = coop.put(
        &assembly,
        "A laser cutter for the network",
        json!({
            "kind": "joint-investment",
            "asset": "CO2 laser cutter, 1300 x 900 mm bed",
            "amount": "48000.00",
            "funding_plan": "Member loans of 30,000, a bank loan of 18,000; usage fees repay both",
        }),
        json!({}),
    );
    let put = coop.get(&format!("/motions/{motion}"), "member:9");
    assert_eq!(put["majority"], "simple", "{put}");
    assert_eq!(put["stage"], "put");

    // G43-5: proxies with written authority; at most two principals; no chains.
    for principal in [10, 11] {
        coop.ok(
            &format!("/members/{principal}/proxy"),
            &format!("member:{principal}"),
            json!({"proxy": 5, "evidence": format!("signed authority of member {principal}")}),
        );
    }
    coop.refused(
        "/members/12/proxy",
        "member:12",
        json!({"proxy": 5, "evidence": "signed authority"}),
        422,
        "proxy-full",
        Some("G43-5"),
    );
    coop.refused(
        "/members/6/proxy",
        "member:6",
        json!({"proxy": 10, "evidence": "signed authority"}),
        422,
        "proxy-chain",
        Some("G43-5"),
    );
    let reply = coop.post(
        "/members/12/proxy",
        "member:13",
        json!({"proxy": 13, "evidence": "forged"}),
    );
    assert_eq!(reply.status, 403, "only the principal or the board grants");
    let proxies = coop.get("/members/10/proxies", "member:10");
    assert_eq!(proxies["proxy"], 5);
    assert_eq!(
        proxies["history"][0]["evidence"],
        "signed authority of member 10"
    );
    assert_eq!(
        coop.get("/members/5/proxies", "member:5")["principals"],
        json!([10, 11])
    );

    // G43-3: this statute grants nobody multiple votes.
    coop.refused(
        "/members/5/voting-rights",
        "member:1",
        json!({"votes": 2, "reason": "runs the shared workshop"}),
        422,
        "votes-above-statute",
        Some("G43-3"),
    );

    // Voting before the ballot opens is refused.
    let reply = coop.vote(&motion, "member:1", json!({"choice": "yes"}));
    assert_eq!(reply.status, 409, "{}", reply.text);

    coop.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));

    // A member admitted after the record position has no vote (G43-3).
    let late = coop.join("Spätkommer", json!({"type": "natural-person"}), None);
    coop.issue(verbund(), &format!("member:{late}"));

    for n in 1..=9 {
        coop.vote_ok(
            &motion,
            &format!("member:{n}"),
            json!({"choice": "yes", "channel": "in-person"}),
        );
    }
    coop.vote_ok(&motion, "member:5", json!({"voter": 10, "choice": "yes"}));
    coop.vote_ok(&motion, "member:5", json!({"voter": 11, "choice": "no"}));
    for n in [13, 14, 15] {
        coop.vote_ok(&motion, &format!("member:{n}"), json!({"choice": "no"}));
    }
    coop.vote_ok(&motion, "member:16", json!({"choice": "abstain"}));
    for n in FOUNDERS + 1..=FOUNDERS + INVESTING {
        coop.vote_ok(&motion, &format!("member:{n}"), json!({"choice": "no"}));
    }
    let refusals = [
        // A second vote, also through the proxy.
        (
            "member:1",
            json!({"choice": "no"}),
            422,
            "already-voted",
            "G43-3",
        ),
        (
            "member:10",
            json!({"choice": "no"}),
            422,
            "already-voted",
            "G43-3",
        ),
        // Not the proxy of member 12.
        (
            "member:5",
            json!({"voter": 12, "choice": "yes"}),
            422,
            "not-the-proxy",
            "G43-5",
        ),
        // Joined after the record position.
        (
            &*format!("member:{late}"),
            json!({"choice": "yes"}),
            422,
            "not-in-electorate",
            "G43-3",
        ),
    ];
    for (principal, body, status, code, rule) in refusals {
        let reply = coop.vote(&motion, principal, body.clone());
        assert_eq!(reply.status, status, "{principal} {body}: {}", reply.text);
        assert_eq!(reply.json()["code"], code);
        assert_eq!(reply.json()["rule"], rule);
    }
    let reply = coop.vote(&motion, "auditor", json!({"choice": "yes"}));
    assert_eq!(reply.status, 403, "the auditor casts no vote");

    // The results are not hidden: the running count is shown.
    let open = coop.get(&format!("/motions/{motion}"), "member:20");
    assert_eq!(open["electorate"], FOUNDERS + INVESTING, "{open}");
    assert_eq!(open["participants"], 20);
    assert_eq!(open["running"]["yes_voters"], 10);

    let result = coop.ok(
        &format!("/motions/{motion}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["outcome"], "adopted", "{result}");
    assert_eq!(result["yes_voters"], 10);
    assert_eq!(
        result["no_voters"], 9,
        "four members and five investing members"
    );
    assert_eq!(result["abstentions"], 1);
    assert_eq!(result["investing_capped"], true, "{result}");
    let closed_at = result["closed_at_position"].as_u64().expect("the close");
    // Like every write, the answer carries the position a reader on any server waits for.
    let position = result["position"].as_u64().expect("a position");
    assert!(
        position > closed_at,
        "the count comes after the close: {result}"
    );
    assert_eq!(result["replayed"], false);

    // G43-2: a vote after the close is refused.
    let reply = coop.vote(&motion, "member:17", json!({"choice": "yes"}));
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.json()["rule"], "G43-2");

    // The investment is approved, ready for funding.
    let investments = coop.get("/investments", "member:20");
    assert_eq!(investments["investments"][0]["id"], motion.as_str());
    assert_eq!(investments["investments"][0]["amount"], "48000.00");

    // Who voted how: the ballot was open, the auditor sees it; a member sees their own.
    let votes = coop.get(&format!("/motions/{motion}/votes"), "auditor");
    let by_voter: BTreeMap<u64, &Value> = votes["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .map(|v| (v["voter"].as_u64().expect("a voter"), v))
        .collect();
    assert_eq!(by_voter[&10]["cast_by"], 5);
    assert_eq!(by_voter[&11]["choice"], "no");
    assert!(votes.get("next_after").is_none(), "one page holds them all");
    // Paged: two at a time, after the last voter of the page before, the same votes in order.
    let paged: Vec<u64> = all_pages(2, "votes", "next_after", |after| {
        let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
        coop.get(
            &format!("/motions/{motion}/votes?limit=2{after}"),
            "auditor",
        )
    })
    .iter()
    .map(|v| v["voter"].as_u64().expect("a voter"))
    .collect();
    assert_eq!(paged, by_voter.keys().copied().collect::<Vec<_>>());
    let own = coop.get("/members/10/votes", "member:10");
    assert_eq!(own["votes"][0]["choice"], "yes");

    // Who attended (G46, G47): the board records it; member 10 through their proxy.
    coop.ok(
        &format!("/assemblies/{assembly}/attendance"),
        "member:1",
        json!({"member": 3, "presence": "in-person"}),
    );
    coop.ok(
        &format!("/assemblies/{assembly}/attendance"),
        "member:1",
        json!({"member": 10, "presence": "represented", "proxy": 5}),
    );
    coop.refused(
        &format!("/assemblies/{assembly}/attendance"),
        "member:1",
        json!({"member": 12, "presence": "represented", "proxy": 5}),
        422,
        "not-the-proxy",
        Some("G43-5"),
    );

    // The minutes (G47): place, date, form, chair, each vote with the chair's declaration; a
    // hybrid assembly lists who took part in each resolution and how each cast their vote
    // (not how they voted); with investing members, those present or represented with their
    // votes.
    let minutes = coop.get(&format!("/assemblies/{assembly}/minutes"), "member:20");
    assert_eq!(minutes["assembly"]["chair"], 3);
    let resolution = &minutes["resolutions"][0];
    assert_eq!(resolution["result"]["outcome"], "adopted");
    assert_eq!(resolution["majority_rule"], "G43-2");
    let declaration = resolution["declaration"].as_str().expect("declared");
    assert!(
        declaration.starts_with("The chair, member 3, declared the motion")
            && declaration.contains("adopted"),
        "{declaration}"
    );
    let participants = resolution["participants"]
        .as_array()
        .expect("hybrid: listed");
    assert_eq!(participants.len(), 20);
    let eleven = participants
        .iter()
        .find(|p| p["member"] == 11)
        .expect("member 11");
    assert_eq!(eleven["by_proxy"], 5);
    assert!(eleven.get("choice").is_none(), "how, not what: {eleven}");
    let list = minutes["attendance_list"]
        .as_array()
        .expect("the statute admits investing members");
    assert_eq!(
        list.iter()
            .map(|p| (
                p["member"].clone(),
                p["presence"].clone(),
                p["proxy"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (json!(3), json!("in-person"), Value::Null),
            (json!(10), json!("represented"), json!(5))
        ]
    );
    assert_eq!(list[0]["votes"], 1);
    assert!(
        minutes["signatures"]
            .as_array()
            .is_some_and(|s| s.len() == 2)
    );
    let text = coop.fetch(
        &format!("/assemblies/{assembly}/minutes?format=text"),
        "auditor",
    );
    assert_eq!(text.status, 200);
    assert!(
        text.text.contains("A laser cutter for the network"),
        "{}",
        text.text
    );
    assert!(text.text.contains("result: adopted"), "{}", text.text);
    assert!(text.text.contains("Chair: member 3"), "{}", text.text);

    // The chain still verifies.
    assert_eq!(coop.get("/verify", "auditor")["intact"], true);
}

fn an_amendment_raising_the_share_amount_fails_at_70_and_passes_at_76_percent(db: &TestDb) {
    let coop = start(db);
    let assembly = coop.convene(&["Statute: share amount 600 euros"]);
    let statute = std::fs::read_to_string(examples("statute.toml")).expect("the statute");
    let dearer = statute.replace("amount = \"500.00\"", "amount = \"600.00\"");
    assert_ne!(
        dearer, statute,
        "the example statute names its share amount"
    );
    let amendment = json!({"kind": "statute-amendment", "statute_text": dearer});
    let first = coop.put(
        &assembly,
        "Share amount 600 euros",
        amendment.clone(),
        json!({}),
    );
    let second = coop.put(
        &assembly,
        "Share amount 600 euros, again",
        amendment,
        json!({}),
    );
    let put = coop.get(&format!("/motions/{first}"), "member:1");
    assert_eq!(put["majority"], "3/4", "G16: {put}");
    for motion in [&first, &second] {
        coop.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));
    }
    let opened = coop.get(&format!("/motions/{first}"), "member:1");
    assert_eq!(opened["majority_rule"], "G16");
    // 20 firms of 25 members: more than three quarters are entrepreneurs, so the one-vote rule
    // of the ordinary regime does not apply (G43-3).
    assert_eq!(opened["one_vote_each"], false, "G43-3");

    // 70 %: 7 yes, 3 no.
    for n in 1..=10 {
        let choice = if n <= 7 { "yes" } else { "no" };
        coop.vote_ok(&first, &format!("member:{n}"), json!({"choice": choice}));
    }
    let result = coop.ok(
        &format!("/motions/{first}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["outcome"], "rejected", "70 % < 75 %: {result}");
    let statute_now = coop.get("/statute", "member:1");
    assert_eq!(
        statute_now["clauses"]["shares"]["amount"], "500.00",
        "{statute_now}"
    );

    // 76 %: 19 yes, 6 no (one member and the five investing members).
    for n in 1..=FOUNDERS + INVESTING {
        let choice = if n <= 19 { "yes" } else { "no" };
        coop.vote_ok(&second, &format!("member:{n}"), json!({"choice": choice}));
    }
    let result = coop.ok(
        &format!("/motions/{second}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["outcome"], "adopted", "76 % >= 75 %: {result}");
    let statute_now = coop.get("/statute", "member:1");
    assert_eq!(
        statute_now["clauses"]["shares"]["amount"], "600.00",
        "{statute_now}"
    );
    assert!(
        statute_now["text"]
            .as_str()
            .expect("the text")
            .contains("amount = \"600.00\"")
    );
}

/// Convenes an assembly, puts a survey whose results stay hidden and a secret election of
/// member 6 to the supervisory board, and opens both ballots: their ids.
fn hidden_and_secret(coop: &Client) -> (String, String) {
    let assembly = coop.convene(&["Survey: what should we share next?", "Election"]);
    let hidden = coop.put(
        &assembly,
        "What should we share next?",
        json!({"kind": "survey", "options": ["3D printer", "Van", "Staff pool"], "mode": "ranking"}),
        json!({"results_hidden": true}),
    );
    let secret = coop.put(
        &assembly,
        "Member 6 to the supervisory board",
        json!({"kind": "election", "office": "supervisory-board", "member": 6, "serving": "Frieda Sechs"}),
        json!({"secret": true}),
    );
    for motion in [&hidden, &secret] {
        coop.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));
    }
    (hidden, secret)
}

fn a_hidden_ballot_shows_no_vote_before_the_close(db: &TestDb) {
    let coop = start(db);
    let (hidden, secret) = hidden_and_secret(&coop);
    for n in 1..=6 {
        coop.vote_ok(&hidden, &format!("member:{n}"), json!({"options": [1, 0]}));
        coop.vote_ok(&secret, &format!("member:{n}"), json!({"choice": "yes"}));
    }
    coop.vote_ok(&secret, "member:7", json!({"choice": "no"}));

    // Before the close: no running count, no vote in any answer, the log or its feed.
    for motion in [&hidden, &secret] {
        let view = coop.get(&format!("/motions/{motion}"), "auditor");
        assert_eq!(view["running"], Value::Null, "{view}");
        assert_eq!(view["result"], Value::Null, "{view}");
        let votes = coop.get(&format!("/motions/{motion}/votes"), "auditor");
        for vote in votes["votes"].as_array().expect("votes") {
            assert_eq!(vote["sealed"], true, "{vote}");
            assert_eq!(vote["choice"], Value::Null);
            assert_eq!(vote["options"], Value::Null);
        }
    }
    let own = coop.get("/members/1/votes", "member:1");
    assert!(
        own["votes"]
            .as_array()
            .expect("votes")
            .iter()
            .all(|v| v["sealed"] == true)
    );
    let events = coop.get("/events?limit=1000", "auditor");
    let mut cast = 0;
    for event in events["events"].as_array().expect("events") {
        if event["type"] == "VoteCast" {
            cast += 1;
            let payload = &event["payload"];
            assert_eq!(payload["mark"], Value::Null, "{event}");
            assert!(payload["sealed"]["commitment"].is_string(), "{event}");
        }
    }
    assert_eq!(cast, 13);

    // After the close: the results; the hidden (not secret) ballot's votes for the auditor;
    // the secret ballot's never.
    let survey = coop.ok(
        &format!("/motions/{hidden}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(survey["outcome"], "surveyed");
    assert_eq!(
        survey["survey"],
        json!([12, 18, 0]),
        "ranking points: {survey}"
    );
    let election = coop.ok(
        &format!("/motions/{secret}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(election["outcome"], "adopted", "{election}");
    assert_eq!(election["yes_voters"], 6);
    let votes = coop.get(&format!("/motions/{hidden}/votes"), "auditor");
    assert_eq!(votes["votes"][0]["options"], json!([1, 0]), "{votes}");
    let votes = coop.get(&format!("/motions/{secret}/votes"), "auditor");
    assert!(
        votes["votes"]
            .as_array()
            .expect("votes")
            .iter()
            .all(|v| v["sealed"] == true),
        "{votes}"
    );
    // The election took effect: member 6 holds the office.
    let member = coop.get("/members/6", "auditor");
    assert!(member.to_string().contains("supervisory-board"), "{member}");
    assert_eq!(coop.get("/verify", "auditor")["intact"], true);
}

/// Every personal-data record of `log`, read from the table itself: id and stored data (none
/// once erased).
fn stored_records(db_url: &str, log: &str) -> Vec<(String, Option<String>)> {
    let rt = verbund_tests::runtime();
    rt.block_on(async {
        let query = "SELECT record_id, data FROM ledger_personal_records WHERE log_id = $1 ORDER BY record_id";
        if db_url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(db_url).await.expect("the database");
            sqlx::query_as(query)
                .bind(log)
                .fetch_all(&pool)
                .await
                .expect("the records")
        } else {
            let pool = sqlx::PgPool::connect(db_url).await.expect("the database");
            sqlx::query_as(query)
                .bind(log)
                .fetch_all(&pool)
                .await
                .expect("the records")
        }
    })
}

/// W1: a hidden survey and a secret election are voted on. No table holds a readable vote:
/// each stored mark is ciphertext of one length, its key lives outside the database, and
/// `verify` checks the chain and every record without it. At the count the hidden ballot's
/// key is disclosed (its votes read as an open ballot's) and its file removed; the secret
/// ballot's key stays for a recount while the resolution can be contested — `verbund
/// retention` says until when — and is destroyed, with an event, the day after. Afterwards
/// nothing reveals a vote, and the tally stands.
fn w1_no_table_holds_a_secret_vote_and_its_key_is_destroyed_once_the_resolution_stands(
    db: &TestDb,
) {
    let coop = start(db);
    let (hidden, secret) = hidden_and_secret(&coop);
    for n in 1..=4 {
        coop.vote_ok(
            &hidden,
            &format!("member:{n}"),
            json!({"options": [2, 1, 0]}),
        );
        coop.vote_ok(&secret, &format!("member:{n}"), json!({"choice": "yes"}));
    }
    coop.vote_ok(&secret, "member:7", json!({"choice": "no"}));
    coop.vote_ok(&secret, "member:8", json!({"choice": "abstain"}));

    // The keys: one per ballot, named by its opening, in files outside the database.
    let events = coop.get("/events?limit=1000", "auditor");
    let events = events["events"].as_array().expect("events").clone();
    let keys = verbund_api::app::default_key_store(&db.url).join("ballots");
    let key_file = |motion: &str| keys.join(format!("{}.key", ballot_key_id(&coop, motion)));
    let secret_key = std::fs::read_to_string(key_file(&secret)).expect("the secret ballot's key");
    let secret_key = secret_key.trim().to_owned();
    let hidden_key = std::fs::read_to_string(key_file(&hidden)).expect("the hidden ballot's key");
    let hidden_key = hidden_key.trim().to_owned();
    assert_eq!(secret_key.len(), 64);

    // The tables themselves: every sealed vote is hex ciphertext of one length, and neither
    // key is anywhere in the database.
    let sealed: Vec<String> = events
        .iter()
        .filter(|e| e["type"] == "VoteCast")
        .map(|e| {
            e["payload"]["sealed"]["record"]
                .as_str()
                .expect("a sealed vote")
                .to_owned()
        })
        .collect();
    assert_eq!(sealed.len(), 10);
    let stored = stored_records(&db.url, COOP);
    let marks: Vec<&String> = stored
        .iter()
        .filter(|(id, _)| sealed.contains(id))
        .map(|(_, data)| data.as_ref().expect("stored"))
        .collect();
    assert_eq!(marks.len(), 10);
    for mark in &marks {
        assert!(
            mark.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "ciphertext as hex: {mark}"
        );
        assert_eq!(mark.len(), marks[0].len(), "one length for every choice");
    }
    for (_, data) in &stored {
        let data = data.as_deref().unwrap_or_default();
        assert!(!data.contains(&secret_key) && !data.contains(&hidden_key));
    }
    assert!(
        events
            .iter()
            .all(|e| !e.to_string().contains(&secret_key) && !e.to_string().contains(&hidden_key))
    );
    // Verification needs no key: the command line with an empty key directory.
    let empty = tempfile::tempdir().expect("a directory");
    let verified = verbund()
        .args(["verify", "--database-url", &db.url])
        .env("VERBUND_KEY_STORE", empty.path())
        .output()
        .expect("verbund runs");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // The count: the hidden ballot's key is disclosed and its file removed; its votes read
    // as an open ballot's. The secret ballot's key stays, for a recount.
    let survey = coop.ok(
        &format!("/motions/{hidden}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(survey["survey"], json!([4, 8, 12]), "{survey}");
    let election = coop.ok(
        &format!("/motions/{secret}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(
        (&election["yes_voters"], &election["no_voters"]),
        (&json!(4), &json!(1)),
        "{election}"
    );
    let votes = coop.get(&format!("/motions/{hidden}/votes"), "auditor");
    assert_eq!(votes["votes"][0]["options"], json!([2, 1, 0]), "{votes}");
    assert!(!key_file(&hidden).exists(), "disclosed: its file is gone");
    assert!(key_file(&secret).exists(), "kept for a recount");
    let events = coop.get("/events?limit=1000", "auditor");
    let disclosed = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "BallotKeyDisclosed")
        .expect("the hidden ballot's key disclosed");
    assert_eq!(disclosed["payload"]["motion"], hidden.as_str());
    assert_eq!(disclosed["payload"]["disclosed"], hidden_key.as_str());
    for motion in [&hidden, &secret] {
        let recount = coop.get(&format!("/motions/{motion}/recount"), "auditor");
        assert_eq!(recount["matches"], true, "{recount}");
    }
    let votes = coop.get(&format!("/motions/{secret}/votes"), "auditor");
    assert!(
        votes["votes"]
            .as_array()
            .expect("votes")
            .iter()
            .all(|v| v["sealed"] == true && v["choice"].is_null()),
        "{votes}"
    );

    // Today the resolution can still be contested: `verbund retention` keeps the key and
    // says until when.
    let retention = verbund()
        .args(["retention", COOP, "--database-url", &db.url])
        .output()
        .expect("verbund runs");
    let said = String::from_utf8_lossy(&retention.stdout);
    assert!(retention.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "kept the key of the secret ballot on motion {secret}"
        )),
        "{said}"
    );
    assert!(key_file(&secret).exists());

    // A month later (the run a daily retention makes then, with its day given).
    let rt = verbund_tests::runtime();
    let position = rt.block_on(async {
        let app = verbund_api::app::App::open(verbund_api::app::Config::new(&db.url))
            .await
            .expect("the application");
        let request = verbund_api::app::Request {
            coop: verbund_api::app::parse_coop(COOP).expect("a coop id"),
            actor: verbund_ledger::Actor::parse("cli:retention").expect("an actor"),
            key: None,
            digest: [0; 32],
        };
        let today = verbund_api::app::today();
        let until = verbund_domain::governance::Motion::contestable_until(today);
        let kept = verbund_api::app::destroy_expired_ballot_keys(&app, &request, until)
            .await
            .expect("runs");
        assert!(kept.destroyed.is_empty(), "{kept:?}");
        let after = until.tomorrow().expect("a day");
        let done = verbund_api::app::destroy_expired_ballot_keys(&app, &request, after)
            .await
            .expect("runs");
        assert_eq!(
            done.destroyed
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec![secret.clone()]
        );
        let head = app
            .ledger()
            .known_head(&request.coop)
            .expect("a head")
            .get();
        app.close().await;
        head
    });
    assert!(!key_file(&secret).exists(), "destroyed");
    let reply = coop.http.send(
        "GET",
        &coop.url(&format!("/motions/{secret}/recount")),
        Some(&coop.tokens["auditor"]),
        &[("verbund-min-position", &position.to_string())],
        None,
    );
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.json()["code"], "ballot-key-destroyed");
    assert_eq!(reply.json()["rule"], "W1");
    let events = coop.get("/events?limit=1000", "auditor");
    let destroyed = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "BallotKeyDestroyed")
        .expect("the destruction is recorded");
    assert_eq!(destroyed["payload"]["motion"], secret.as_str());
    // The tally stands; the stored ciphertext stays and still verifies, and the key is
    // nowhere.
    let view = coop.get(&format!("/motions/{secret}"), "auditor");
    assert_eq!(view["result"]["yes_voters"], 4, "{view}");
    assert_eq!(coop.get("/verify", "auditor")["intact"], true);
    for (_, data) in stored_records(&db.url, COOP) {
        assert!(!data.unwrap_or_default().contains(&secret_key));
    }
}

/// The id of the key that seals the votes of `motion`, as its opening names it.
fn ballot_key_id(coop: &Client, motion: &str) -> String {
    let events = coop.get("/events?limit=1000", "auditor");
    events["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "BallotOpened" && e["payload"]["motion"] == motion)
        .and_then(|e| e["payload"]["key"].as_str())
        .unwrap_or_else(|| panic!("the opening of {motion} names its key"))
        .to_owned()
}

/// Copies the files of directory `from` into a new directory `to`.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
    }
}

/// Issue 24, point 4: a server started without the key store its database needs (a ballot
/// still to be counted, a secret one still to be recounted) does not run blind: it exits,
/// naming the store and the ballots. And a key destroyed by design stays destroyed: a key
/// store restored from a backup taken before the destruction has the key deleted again at
/// the next start.
fn a_start_without_the_key_store_fails_and_a_destroyed_key_stays_destroyed(db: &TestDb) {
    let coop = start(db);
    let (hidden, secret) = hidden_and_secret(&coop);
    coop.vote_ok(&secret, "member:1", json!({"choice": "yes"}));
    coop.ok(
        &format!("/motions/{secret}/ballot/close"),
        "member:1",
        json!({}),
    );
    let store = verbund_api::app::default_key_store(&db.url);
    let before = tempfile::tempdir().expect("a directory");
    let old_store = before.path().join("keys");
    copy_dir(&store.join("ballots"), &old_store.join("ballots"));
    let old_key = |motion: &str| {
        old_store
            .join("ballots")
            .join(format!("{}.key", ballot_key_id(&coop, motion)))
    };

    // Without its key store, a server does not start.
    let empty = tempfile::tempdir().expect("a directory");
    let mut server = verbund()
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &db.url])
        .env("VERBUND_KEY_STORE", empty.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("verbund runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = server.try_wait().expect("waits") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = server.kill();
            panic!("a server without its key store kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut said = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().expect("stderr"), &mut said)
        .expect("readable");
    assert!(!status.success(), "{said}");
    assert!(said.contains("lacks the keys of 2 ballots"), "{said}");
    assert!(said.contains(&hidden) && said.contains(&secret), "{said}");

    // The secret ballot's key is destroyed a month on; then the key store is restored from
    // the backup taken before, key included. The next start deletes it again.
    let rt = verbund_tests::runtime();
    rt.block_on(async {
        let config = verbund_api::app::Config::new(&db.url);
        let app = verbund_api::app::App::open(config.clone())
            .await
            .expect("the application");
        let request = verbund_api::app::Request {
            coop: verbund_api::app::parse_coop(COOP).expect("a coop id"),
            actor: verbund_ledger::Actor::parse("cli:retention").expect("an actor"),
            key: None,
            digest: [0; 32],
        };
        let later =
            verbund_domain::governance::Motion::contestable_until(verbund_api::app::today())
                .tomorrow()
                .expect("a day");
        let done = verbund_api::app::destroy_expired_ballot_keys(&app, &request, later)
            .await
            .expect("runs");
        assert_eq!(done.destroyed.len(), 1);
        app.close().await;

        let restored = verbund_api::app::Config {
            key_store: old_store.clone(),
            ..config
        };
        assert!(old_key(&secret).exists() && old_key(&hidden).exists());
        let app = verbund_api::app::App::open(restored)
            .await
            .expect("starts: the hidden ballot's key is there");
        assert!(
            !old_key(&secret).exists(),
            "the destroyed key is deleted again"
        );
        assert!(old_key(&hidden).exists(), "a key still needed stays");
        app.close().await;
    });
}

/// 1,000 members vote at the same time through two server processes on one PostgreSQL
/// database; half of them try twice, once through each server, with opposite choices. Exactly
/// one vote per member is accepted, and the result counts exactly the accepted votes.
fn thousand_members_vote_through_two_servers(db: &TestDb) {
    let mut coop = start(db);
    coop.issue(verbund(), "admin");
    // Members 26 to 1,000 join through the API. (One at a time: each admission takes the next
    // member number, so admissions are serialized by the log anyway.)
    let first = FOUNDERS + INVESTING + 1;
    let joined: Vec<u64> = (first..=CROWD)
        .map(|n| {
            coop.join(
                &format!("Mitglied {n}"),
                json!({"type": "natural-person"}),
                None,
            )
        })
        .collect();
    assert_eq!(joined.len() as u32, CROWD - first + 1);
    let tokens: BTreeMap<u64, String> = std::thread::scope(|scope| {
        let coop = &coop;
        let workers: Vec<_> = (0..8u64)
            .map(|w| {
                scope.spawn(move || {
                    (1..=u64::from(CROWD))
                        .filter(|n| n % 8 == w)
                        .map(|n| {
                            let issued = coop.ok(
                                "/tokens",
                                "admin",
                                json!({"principal": format!("member:{n}"), "expires_in_days": 1}),
                            );
                            (n, issued["secret"].as_str().expect("a secret").to_owned())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker"))
            .collect()
    });
    let assembly = coop.convene(&["Joint marketing budget"]);
    let motion = coop.put(
        &assembly,
        "Joint marketing for the region",
        json!({"kind": "general", "text": "The network spends 12,000 euros on joint marketing in 2027"}),
        json!({}),
    );
    coop.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));

    // The second server starts after every token exists.
    let other = Server::start(verbund(), &coop.db_url, "warn");
    let servers = [&coop.server, &other];
    let url = |server: &Server| server.url(&format!("/v1/coops/{COOP}/motions/{motion}/votes"));
    let accepted: Vec<(u64, &str)> = std::thread::scope(|scope| {
        let tokens = &tokens;
        let url = &url;
        let workers: Vec<_> = (0..16u64)
            .map(|w| {
                scope.spawn(move || {
                    let http = Http::default();
                    let mut accepted = Vec::new();
                    for n in (1..=u64::from(CROWD)).filter(|n| n % 16 == w) {
                        let first = if n % 3 == 0 { "no" } else { "yes" };
                        let mut attempts = vec![(servers[(n % 2) as usize], first)];
                        if n % 2 == 0 {
                            let second = if first == "yes" { "no" } else { "yes" };
                            attempts.push((servers[((n + 1) % 2) as usize], second));
                        }
                        for (server, choice) in attempts {
                            let body = json!({"choice": choice}).to_string();
                            let reply = http.send(
                                "POST",
                                &url(server),
                                Some(&tokens[&n]),
                                &[],
                                Some(&body),
                            );
                            match reply.status {
                                200 => accepted.push((n, choice)),
                                422 => assert_eq!(
                                    reply.json()["code"],
                                    "already-voted",
                                    "{}",
                                    reply.text
                                ),
                                other => panic!("member {n}: {other} {}", reply.text),
                            }
                        }
                    }
                    accepted
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker"))
            .collect()
    });
    let mut per_member: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    for (n, choice) in &accepted {
        per_member.entry(*n).or_default().push(choice);
    }
    assert_eq!(
        per_member.len() as u32,
        CROWD,
        "every member's vote was taken"
    );
    assert!(
        per_member.values().all(|v| v.len() == 1),
        "no member voted twice"
    );
    let yes = per_member.values().filter(|v| v[0] == "yes").count() as u64;

    let result = coop.ok(
        &format!("/motions/{motion}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["participants"], CROWD, "{result}");
    assert_eq!(result["yes_voters"], yes, "{result}");
    assert_eq!(result["no_voters"], u64::from(CROWD) - yes, "{result}");
    assert_eq!(coop.get("/verify", "auditor")["intact"], true);
}

/// G43a: above 1,500 members the statute lets delegates replace the general assembly. The
/// members elect 50 delegates in a secret ballot, marking up to 50 candidates each; the
/// board convenes the assembly of delegates (refused while the cooperative has 1,500 members
/// or fewer); there only the delegates vote, one vote each.
fn g43a_above_1500_members_the_members_elect_delegates_who_alone_vote_at_their_assembly(
    db: &TestDb,
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let statute = std::fs::read_to_string(examples("statute.toml")).expect("the example");
    let forms = "forms = [\"in-person\", \"hybrid\"]";
    assert!(statute.contains(forms));
    let statute = statute.replace(forms, &format!("{forms}\ndelegates = {{ seats = 50 }}"));
    let statute_file = dir.path().join("statute.toml");
    std::fs::write(&statute_file, statute).expect("write the statute");
    let mut coop = found(db, statute_file.to_str().expect("a path"));
    let delegates_assembly = json!({
        "form": "in-person", "convened_on": day(-20), "held_on": day(0),
        "place": "Stadthalle Musterdorf", "chair": 1, "agenda": ["Joint purchasing"],
        "delegates": true,
    });
    coop.refused(
        "/assemblies",
        "member:1",
        delegates_assembly.clone(),
        422,
        "too-few-members-for-delegates",
        Some("G43a"),
    );

    // 1,510 more members, imported into the log (as a data migration would), while no server
    // runs.
    drop(coop.server);
    let last = 1_530u32;
    let mut input = String::new();
    // Each member's name and address as a personal record beside the log, with the
    // commitment its admission carries (verify holds them together).
    let record = |n: u32| {
        let data = json!({"name": format!("Mitglied {n}"), "address": format!("Weg {n}, 12345 Musterdorf")})
            .to_string();
        let salt = [u8::try_from(n % 251).expect("small"); 32];
        let stored = verbund_ledger::PersonalRecord::new(&format!("import{n}"), data.clone(), salt)
            .expect("a record");
        let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
        (
            json!({"id": format!("import{n}"), "data": data, "salt": salt}),
            json!({"record": format!("import{n}"), "commitment": stored.commitment()}),
        )
    };
    for first in (FOUNDERS + 1..=last).step_by(16) {
        let members: Vec<u32> = (first..=(first + 15).min(last)).collect();
        let streams: Vec<Value> = members
            .iter()
            .map(|&n| {
                json!({"stream": format!("member-{n}"), "expected": "no_stream", "events": [{
                "type": "MemberAdmitted", "schema_version": 2, "payload": {
                    "admitted_on": day(-40), "application": null, "founder": false,
                    "kind": {"type": "natural-person"}, "listed": false,
                    "mandatory_shares": 1, "member": n, "paid_in_due": "0.00",
                    "paid_in_due_on": day(-40), "shares": 1,
                    "person": record(n).1,
                }}]})
            })
            .collect();
        let records: Vec<Value> = members.iter().map(|&n| record(n).0).collect();
        let commit = json!({"command_id": format!("import-{first}"), "actor": "import:members",
            "streams": streams, "records": records});
        input.push_str(&commit.to_string());
        input.push('\n');
    }
    let input_file = dir.path().join("members.jsonl");
    std::fs::write(&input_file, input).expect("write the import");
    let status = crate::spawn_append(&db.url, COOP, &input_file, 4)
        .wait()
        .expect("append runs");
    assert!(status.success(), "the import");
    coop.server = Server::start(verbund(), &db.url, "warn");
    coop.issue(verbund(), "admin");
    let summary = coop.get("", "auditor");
    assert_eq!(summary["members"], u64::from(last), "{summary}");
    assert_eq!(summary["delegates"], json!([]));

    // Without delegates in office the assembly of delegates cannot be convened.
    coop.refused(
        "/assemblies",
        "member:1",
        delegates_assembly.clone(),
        422,
        "too-few-delegates",
        Some("G43a"),
    );

    // The election, at a general assembly: 60 candidates, members 21 to 80; an officer is
    // no candidate, and an open ballot is refused.
    let general = coop.convene(&["Election of the delegates"]);
    let candidates: Vec<u32> = (21..=80).collect();
    coop.refused(
        "/motions",
        "member:1",
        json!({"assembly": general, "title": "Delegates", "announced_on": day(-20),
               "proposal": {"kind": "delegate-election", "candidates": [21, 3]}, "secret": true}),
        422,
        "candidate-holds-office",
        Some("G43a"),
    );
    coop.refused(
        "/motions",
        "member:1",
        json!({"assembly": general, "title": "Delegates", "announced_on": day(-20),
               "proposal": {"kind": "delegate-election", "candidates": candidates}}),
        422,
        "delegate-election-not-secret",
        Some("G43a"),
    );
    let election = coop.put(
        &general,
        "Election of the delegates 2027-2031",
        json!({"kind": "delegate-election", "candidates": candidates}),
        json!({"secret": true}),
    );
    let view = coop.get(&format!("/motions/{election}"), "auditor");
    assert_eq!(view["proposal"]["seats"], 50, "{view}");
    coop.ok(
        &format!("/motions/{election}/ballot"),
        "member:1",
        json!({}),
    );
    // Members 5 to 20 mark the first 50 candidates, member 4 the last ten.
    for n in 5..=20 {
        coop.vote_ok(
            &election,
            &format!("member:{n}"),
            json!({"options": (0..50).collect::<Vec<u16>>()}),
        );
    }
    coop.vote_ok(
        &election,
        "member:4",
        json!({"options": (50..60).collect::<Vec<u16>>()}),
    );
    let reply = coop.vote(
        &election,
        "member:3",
        json!({"options": (0..51).collect::<Vec<u16>>()}),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        reply.json()["code"],
        "vote-malformed",
        "51 marks for 50 seats"
    );
    let result = coop.ok(
        &format!("/motions/{election}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["outcome"], "adopted", "{result}");
    assert_eq!(
        result["electorate"],
        u64::from(last),
        "generally: every member"
    );
    let summary = coop.get("", "auditor");
    let elected: Vec<u32> = (21..=70).collect();
    assert_eq!(summary["delegates"], json!(elected), "{summary}");

    // The assembly of delegates; only they vote there, one vote each.
    let convened = coop.ok("/assemblies", "member:1", delegates_assembly);
    let assembly = convened["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        coop.get(&format!("/assemblies/{assembly}"), "auditor")["delegates"],
        true
    );
    let motion = coop.put(
        &assembly,
        "Joint purchasing of timber",
        json!({"kind": "general", "text": "The network buys timber jointly from 2027"}),
        json!({}),
    );
    coop.ok(&format!("/motions/{motion}/ballot"), "member:1", json!({}));
    let reply = coop.vote(&motion, "member:5", json!({"choice": "yes"}));
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.json()["code"], "not-a-delegate");
    assert_eq!(reply.json()["rule"], "G43a");
    for (n, choice) in [(21, "yes"), (22, "yes"), (23, "no")] {
        let principal = format!("member:{n}");
        coop.issue(verbund(), &principal);
        coop.vote_ok(&motion, &principal, json!({"choice": choice}));
    }
    let result = coop.ok(
        &format!("/motions/{motion}/ballot/close"),
        "member:1",
        json!({}),
    );
    assert_eq!(result["electorate"], 50, "the delegates: {result}");
    assert_eq!(result["outcome"], "adopted", "{result}");
    let minutes = coop.fetch(
        &format!("/assemblies/{assembly}/minutes?format=text"),
        "auditor",
    );
    assert!(
        minutes
            .text
            .contains("Minutes of the assembly of delegates"),
        "{}",
        minutes.text
    );
    assert_eq!(coop.get("/verify", "auditor")["intact"], true);
}

/// G16, G65, G9-24: a cooperative founded before Verbund followed the law's current text —
/// ten years' notice for every member, other amendments recorded at a simple majority though
/// its statute said nothing of them, a firm on the board with nobody named to serve for it, a
/// supervisory board of one — is imported as its log was written. It keeps working: its
/// statute is read as it was decided (a member's notice is the ten years it says, and so a
/// member in hardship may leave early), the officers stay in office. Its next amendment must meet the law: the same clause is refused
/// (G65), and an amendment of the seat needs the three quarters the law asks where the
/// statute is silent (§ 16 (4) GenG).
fn a_cooperative_founded_under_the_old_rules_keeps_working_and_its_next_amendment_meets_the_law(
    db: &TestDb,
) {
    let example = std::fs::read_to_string(examples("statute.toml")).expect("the example");
    let old_text = example.replace("notice_period_months = 12", "notice_period_months = 120");
    let mut statute = serde_json::to_value(
        verbund_domain::Statute::parse_toml(&example).expect("the example is valid"),
    )
    .expect("serializes");
    statute["membership"]["notice_period_months"] = json!(120);
    statute["voting"]["majorities"]["amendment"] = json!("simple");
    let founded_on = day(-800);
    let person = |n: u32| json!({"record": format!("old{n}"), "commitment": format!("{n:064x}")});
    let mut streams = vec![
        json!({"stream": "coop", "expected": "no_stream", "events": [
            {"type": "CooperativeFounded", "schema_version": 1, "payload": {
                "name": "Dorfhandwerk Musterdorf eG", "founded_on": founded_on, "statute": statute,
                "statute_text": old_text, "founders": 3}},
            {"type": "OfficerAppointed", "schema_version": 1, "payload":
                {"member": 1, "office": "board", "effective_on": founded_on}},
            {"type": "OfficerAppointed", "schema_version": 1, "payload":
                {"member": 2, "office": "board", "effective_on": founded_on}},
            {"type": "OfficerAppointed", "schema_version": 1, "payload":
                {"member": 3, "office": "supervisory-board", "effective_on": founded_on}},
        ]}),
    ];
    for n in 1..=3u32 {
        streams.push(json!({"stream": format!("member-{n}"), "expected": "no_stream", "events": [{
            "type": "MemberAdmitted", "schema_version": 2, "payload": {
                "admitted_on": founded_on, "application": null, "founder": true,
                "kind": {"type": "firm", "trade": "Handwerk", "region": "Musterdorf", "employees": 3},
                "listed": false, "mandatory_shares": 1, "member": n, "paid_in_due": "0.00",
                "paid_in_due_on": founded_on, "shares": 1, "person": person(n)}}]}));
    }
    let commit = json!({"command_id": "old-founding", "actor": "import:old", "streams": streams});
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("old.jsonl");
    std::fs::write(&input, format!("{commit}\n")).expect("write the import");
    let status = crate::spawn_append(&db.url, COOP, &input, 1)
        .wait()
        .expect("append runs");
    assert!(status.success(), "the import");
    let run = |args: &[&str]| {
        let output = verbund().args(args).output().expect("verbund runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .expect("a token")
            .to_owned()
    };
    let tokens = ["member:1", "member:3", "auditor"]
        .map(|p| {
            (
                p.to_owned(),
                run(&["token", "issue", COOP, p, "--database-url", &db.url]),
            )
        })
        .into_iter()
        .collect();
    let coop = Client::new(
        COOP,
        Server::start(verbund(), &db.url, "warn"),
        &db.url,
        tokens,
    );

    // It keeps working: the officers as appointed, the statute as decided.
    let summary = coop.get("", "auditor");
    assert_eq!(summary["members"], 3, "{summary}");
    assert_eq!(summary["officers"].as_array().map(Vec::len), Some(3));
    let resigned = coop.ok(
        "/members/3/resignation",
        "member:3",
        json!({"declared_on": day(0), "in_text_form": true}),
    );
    assert!(resigned["position"].as_u64().is_some());
    let ten_years = jiff::ZonedDateTime::now()
        .date()
        .checked_add(120.months())
        .expect("a day");
    let statement = coop.get("/members/3/statement", "member:3");
    assert_eq!(
        statement["exit_on"],
        format!("{}-12-31", ten_years.year()),
        "G65: the notice the statute was decided with"
    );
    // A notice above two years: a member of a full business year may leave early in hardship
    // (§ 65 (3) GenG), with three months' notice to the end of a business year.
    coop.ok(
        "/members/3/resignation",
        "member:3",
        json!({"declared_on": day(0), "in_text_form": true,
               "hardship": "The workshop burnt down; the firm closes this year."}),
    );
    let three_months = jiff::ZonedDateTime::now()
        .date()
        .checked_add(3.months())
        .expect("a day");
    let statement = coop.get("/members/3/statement", "member:3");
    assert_eq!(
        statement["exit_on"],
        format!("{}-12-31", three_months.year()),
        "G65: the hardship exit"
    );

    // Its next amendment must meet the law.
    let assembly = coop.ok(
        "/assemblies",
        "member:1",
        json!({"form": "in-person", "convened_on": day(-20), "held_on": day(0),
               "place": "Gasthaus zur Post", "chair": 1, "agenda": ["The statute"]}),
    )["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let amendment = |text: String| {
        json!({"assembly": assembly, "title": "The seat moves", "announced_on": day(-20),
               "proposal": {"kind": "statute-amendment", "statute_text": text}})
    };
    let moved = |text: &str| text.replace("seat = \"Musterdorf\"", "seat = \"Neudorf\"");
    coop.refused(
        "/motions",
        "member:1",
        amendment(moved(&old_text)),
        422,
        "statute-notice-period-out-of-range",
        Some("G65"),
    );
    let put = coop.ok("/motions", "member:1", amendment(moved(&example)));
    let motion = coop.get(
        &format!("/motions/{}", put["id"].as_str().expect("an id")),
        "member:1",
    );
    assert_eq!(motion["majority"], "3/4", "{motion}");
    assert_eq!(motion["majority_rule"], "G16");
    assert!(
        motion["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("§ 16 (4) GenG"))),
        "{motion}"
    );
}
