//! The pages' handlers. Each reads what the API reads and writes through the same commands:
//! a form's fields become the API's body (`dto::…`), and that body becomes the command by the
//! same `TryFrom` (`http::commands`), decided by the same `decide`. A refusal of a form is
//! shown on the form again, with what was typed and the rule that refused it.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use verbund_domain::governance::MotionId;
use verbund_domain::{Capacity, Event, MemberNo, Principal, TokenId, TokenPurpose};
use verbund_ledger::Position;

use super::{
    ACTING_COOKIE, LANG_COOKIE, Lang, Messages, SESSION_COOKIE, Transport, asset_url, set_cookie,
};
use crate::app::{self, App, TokenSecret};
use crate::http::auth::{Caller, Coop};
use crate::http::commands::Asked;
use crate::http::dto;
use crate::http::error::{ApiError, Problem};
use crate::http::governance::{self as gov, ChoiceDto, VoteBody};
use crate::http::kit::{not_founded, write_request};
use crate::http::members::{DirectoryQuery, directory_of, file_application, statement_of};

// ---------------------------------------------------------------------------------------------
// What every page shows around its content

/// One entry of the main navigation.
#[derive(Debug)]
pub struct NavItem {
    pub(super) href: String,
    pub(super) label: &'static str,
    pub(super) current: bool,
}

/// The frame of every page: language, the cooperative, the navigation, who is signed in.
#[derive(Debug)]
pub struct Chrome {
    pub(super) t: &'static Messages,
    pub(super) lang: Lang,
    pub(super) site: String,
    pub(super) home: String,
    pub(super) nav: Vec<NavItem>,
    pub(super) who: Option<String>,
    pub(super) path: String,
    pub(super) css: &'static str,
    pub(super) htmx: &'static str,
    pub(super) js: &'static str,
}

impl Chrome {
    /// The frame of a page of `coop` at `path`, as `caller` sees it.
    pub(super) async fn of(
        app: &App,
        lang: Lang,
        coop: &Coop,
        caller: &Caller,
        path: &str,
    ) -> Self {
        let mut chrome = Chrome::new(lang, Some((coop, caller)), path);
        if let Some(member) = caller.member() {
            let name = member_name(app, coop, member).await;
            chrome.who = Some(acting_label(
                chrome.t,
                member,
                name.as_deref(),
                caller.acting_for.map(|(_, c)| c),
            ));
        }
        chrome
    }

    /// The frame of a page without the names of people (which need a lookup).
    pub(super) fn new(lang: Lang, coop: Option<(&Coop, &Caller)>, path: &str) -> Self {
        let t = lang.messages();
        let (site, home, nav, who) = match coop {
            Some((coop, caller)) => {
                let site = coop
                    .runtime
                    .views()
                    .register
                    .read(|r| r.coop().map(|c| c.name.to_string()))
                    .unwrap_or_else(|| coop.log.to_string());
                let home = format!("/c/{}", coop.log);
                let mut nav = vec![(home.clone(), t.nav_home)];
                match (caller.member(), caller.principal) {
                    (Some(_), _) => nav.push((format!("{home}/me"), t.nav_mine)),
                    (None, None) => nav.push((format!("{home}/apply"), t.nav_join)),
                    (None, Some(_)) => {}
                }
                // The organs', the treasurer's and the auditors' pages, as the authorization
                // table lets this caller in.
                for (route, label) in [
                    ("/c/{coop}/assemblies", t.nav_assemblies),
                    ("/c/{coop}/board", t.nav_board),
                    ("/c/{coop}/members", t.nav_members),
                    ("/c/{coop}/books", t.nav_books),
                    ("/c/{coop}/audit", t.nav_audit),
                ] {
                    if caller.may_open(route) {
                        nav.push((route.replace("{coop}", coop.log.as_str()), label));
                    }
                }
                let nav = nav
                    .into_iter()
                    .map(|(href, label)| NavItem {
                        // A page under a section marks the section (the board's assembly,
                        // a member's record), the home page only itself.
                        current: href == path
                            || (href != home && path.starts_with(&format!("{href}/"))),
                        href,
                        label,
                    })
                    .collect();
                let who = caller
                    .member()
                    .map(|member| acting_label(t, member, None, caller.acting_for.map(|(_, c)| c)));
                (site, home, nav, who)
            }
            None => ("Verbund".to_owned(), "/".to_owned(), Vec::new(), None),
        };
        Chrome {
            t,
            lang,
            site,
            home,
            nav,
            who,
            path: path.to_owned(),
            css: asset_url("verbund.css"),
            htmx: asset_url("htmx-2.0.11.min.js"),
            js: asset_url("verbund.js"),
        }
    }

    /// A movement of a member's capital as the member reads it: what it was, the other member
    /// of a transfer, the bank reference of a payment.
    pub fn movement(&self, line: &dto::StatementLine) -> String {
        let t = self.t;
        let mut text = match line.kind.as_str() {
            "payment" => t.movement_payment.to_owned(),
            "transfer-in" => t.movement_transfer_in.to_owned(),
            "transfer-out" => t.movement_transfer_out.to_owned(),
            "settlement" => t.movement_settlement.to_owned(),
            "profit-credited" => t.movement_profit.to_owned(),
            other => other.to_owned(),
        };
        if let Some(other) = line.counterparty {
            text = format!("{text} {other}");
        }
        if let Some(reference) = &line.reference {
            text = format!("{text} · {reference}");
        }
        text
    }

    /// An account's name in the reader's language ([`Lang::account_name`]).
    pub fn account_name(&self, account: &str, name: &str) -> String {
        self.lang.account_name(account, name)
    }

    /// A balance beside its debit and credit columns, as a treasurer reads one: the amount and
    /// the side it stands on (`1.200,00 € H` in German, `€1,200.00 Cr` in English) instead of
    /// a sign; zero stands on neither side. `amount` is signed, debit positive, as the API
    /// gives it.
    pub fn balance(&self, amount: &str) -> String {
        match amount.strip_prefix('-') {
            Some(credit) => format!("{} {}", self.money(credit), self.t.side_credit),
            None if amount.trim_start_matches(['0', '.']).is_empty() => self.money(amount),
            None => format!("{} {}", self.money(amount), self.t.side_debit),
        }
    }

    /// An amount as the reader writes it: `1.234,50 €` in German, `€1,234.50` in English.
    pub fn money(&self, amount: &str) -> String {
        let (units, cents) = amount.split_once('.').unwrap_or((amount, "00"));
        let (sign, units) = match units.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", units),
        };
        let (group, decimal) = match self.lang {
            Lang::De => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, digit) in units.chars().enumerate() {
            if i > 0 && (units.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(digit);
        }
        match self.lang {
            Lang::De => format!("{sign}{grouped}{decimal}{cents:0<2} €"),
            Lang::En => format!("{sign}€{grouped}{decimal}{cents:0<2}"),
        }
    }

    /// A refusal's text for the reader: in their language where the catalog has its code.
    pub fn refusal(&self, problem: &Problem) -> String {
        problem_text(self.lang, problem)
    }

    /// A day as the reader writes it: `06.12.2026` in German, `6 December 2026` in English.
    pub fn date(&self, day: impl std::fmt::Display) -> String {
        let text = day.to_string();
        match text.parse::<jiff::civil::Date>() {
            Ok(date) => self.lang.date(date),
            Err(_) => text,
        }
    }
}

/// "Mitgliedsnummer 7 · Schreinerei Huber GmbH (als Geschäftsführung)".
pub(super) fn acting_label(
    t: &Messages,
    member: MemberNo,
    name: Option<&str>,
    capacity: Option<Capacity>,
) -> String {
    let capacity = capacity.map(|c| capacity_text(t, c));
    match (name, capacity) {
        (Some(name), Some(capacity)) => format!("{} {member} · {name} ({capacity})", t.member_no),
        (Some(name), None) => format!("{} {member} · {name}", t.member_no),
        (None, _) => format!("{} {member}", t.member_no),
    }
}

/// The capacity in which a person acts, for people.
pub(super) fn capacity_text(t: &Messages, capacity: Capacity) -> &'static str {
    match capacity {
        Capacity::Themself => t.capacity_themself,
        Capacity::ManagingDirector => t.capacity_managing_director,
        Capacity::AuthorisedSignatory => t.capacity_authorised_signatory,
        Capacity::Attorney => t.capacity_attorney,
    }
}

/// A member's name, from their personal record (none once it is erased, or if it cannot be
/// read: the pages then show the number alone, and the failure is logged).
pub(super) async fn member_name(app: &App, coop: &Coop, member: MemberNo) -> Option<String> {
    let person = coop
        .runtime
        .views()
        .register
        .read(|r| r.member(member)?.membership().person_present().cloned())?;
    match app.people(&coop.log, std::slice::from_ref(&person)).await {
        Ok(found) => found
            .get(person.record.as_str())
            .map(|p| p.name.to_string()),
        Err(e) => {
            tracing::warn!("a member's name for a page: {e}");
            None
        }
    }
}

/// A page answer: the rendered template, or a server error.
pub(super) fn render(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(format!("a page failed to render: {e}")).into_response(),
    }
}

/// A page that only shows a message.
#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct Message {
    pub(super) c: Chrome,
    pub(super) title: String,
    pub(super) lines: Vec<String>,
    pub(super) rule: Option<String>,
}

/// A problem as a page: for a page's route whose handler or authorization refused.
pub(super) fn problem_page(lang: Lang, problem: &Problem) -> Response {
    let t = lang.messages();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = match status {
        StatusCode::UNAUTHORIZED => t.sign_in_needed_title,
        StatusCode::FORBIDDEN => t.forbidden_title,
        StatusCode::NOT_FOUND => t.not_found_title,
        _ => t.error_title,
    };
    let mut lines = Vec::new();
    match status {
        StatusCode::UNAUTHORIZED => lines.push(t.sign_in_needed_text.to_owned()),
        // The role's refusal says it all; its detail is the API's.
        StatusCode::FORBIDDEN if problem.code == "forbidden" => {
            lines.push(t.forbidden_text.to_owned());
        }
        _ => {}
    }
    if problem.code != "forbidden" {
        lines.push(problem_text(lang, problem));
    }
    let page = Message {
        c: Chrome::new(lang, None, ""),
        title: title.to_owned(),
        lines,
        rule: problem.rule.clone(),
    };
    (status, render(page)).into_response()
}

/// A problem's text for people: in German where the catalog has the code, else the domain's
/// own message (in English).
pub(super) fn problem_text(lang: Lang, problem: &Problem) -> String {
    if lang == Lang::De
        && let Some(text) = german_problem(&problem.code)
    {
        return citations_kept_whole(text);
    }
    problem.detail.clone()
}

/// A text whose citations of the law (`§ 65 Abs. 3 GenG`) a narrow screen does not break
/// between the sign and its number: the spaces after `§` and `Abs.` become non-breaking.
pub(super) fn citations_kept_whole(text: &str) -> String {
    text.replace("§ ", "§\u{a0}").replace("Abs. ", "Abs.\u{a0}")
}

/// German texts of the problems the pages can meet: the members', the board's and the
/// treasurer's forms, and the pages' own. A text says what the rule asks in general; the
/// specifics of the case (the amounts, the days) stay in the domain's English message, which
/// the API gives.
fn german_problem(code: &str) -> Option<&'static str> {
    Some(match code {
        "unauthorized" => "Ihre Anmeldung ist abgelaufen oder beendet.",
        "cross-site-request" => "Dieses Formular darf nur von diesen Seiten aus gesendet werden.",
        "sign-in-link-unusable" => {
            "Der Anmeldelink ist unbekannt, schon benutzt oder abgelaufen. Bitte fragen Sie den Vorstand nach einem neuen."
        }
        "shares-out-of-range" => {
            "Die Zahl der Geschäftsanteile liegt außerhalb dessen, was die Satzung erlaubt."
        }
        "declaration-incomplete" => {
            "Bitte bestätigen Sie jede Verpflichtung, die der Beitritt mit sich bringt (§ 15a GenG)."
        }
        "kind-missing" => "Bitte wählen Sie, als wer Sie beitreten.",
        "number-malformed" | "member-malformed" => "Bitte geben Sie eine ganze Zahl ein.",
        "amount-malformed" | "money-malformed" => {
            "Bitte geben Sie einen Betrag in Euro ein, z. B. 250 oder 250,50."
        }
        "choice-missing" => "Bitte wählen Sie Ja, Nein oder Enthaltung.",
        "confirm-missing" => "Bitte bestätigen Sie Ihre Erklärung mit dem Häkchen.",
        "form-malformed" => {
            "Das Formular kam unvollständig an. Bitte versuchen Sie es noch einmal."
        }
        "proxy-full" => "Dieses Mitglied vertritt schon zwei Mitglieder (§ 43 Abs. 5 GenG).",
        "proxy-not-a-member" => "Bevollmächtigt werden kann hier nur ein Mitglied.",
        "proxy-is-principal" => "Sie können sich nicht selbst bevollmächtigen.",
        "proxy-chain" => {
            "Wer selbst vertreten wird, vertritt niemanden, und eine Vollmacht wird nicht weitergegeben."
        }
        "text-empty" | "text-too-long" => {
            "Bitte füllen Sie dieses Feld aus (höchstens so lang wie angegeben)."
        }
        "already-voted" => {
            "Ihre Stimme ist schon abgegeben und kann in dieser Abstimmung nicht geändert werden."
        }
        "ballot-not-open" => "Die Abstimmung ist nicht offen.",
        "not-in-electorate" => {
            "Sie gehören nicht zu den Stimmberechtigten dieser Abstimmung (Stichtag)."
        }
        "member-left" | "member-leaving" => "Die Mitgliedschaft ist schon gekündigt oder beendet.",
        "not-acting-for" => "Sie handeln nicht für dieses Mitglied.",
        "forbidden" => "Diese Seite ist für Ihre Rolle nicht freigegeben.",
        "motion-not-found" => "Diesen Antrag gibt es nicht.",
        "year-sealed" => {
            "Dieses Geschäftsjahr ist abgeschlossen; eine Korrektur wird im offenen Jahr gebucht (A1)."
        }
        "year-closed" => "Dieses Geschäftsjahr ist schon abgeschlossen.",
        "year-not-over" => {
            "Das Geschäftsjahr ist noch nicht zu Ende; abgeschlossen werden kann es ab dem Tag danach."
        }
        "notice-too-short" => {
            "Zwischen Einladung und Versammlung liegen mindestens zwei Wochen (§ 46 GenG); der früheste Tag steht oben."
        }
        "date-malformed" => "Bitte geben Sie einen Tag an, z. B. 31.12.2026.",
        "date-in-future" => "Dieser Tag liegt in der Zukunft; eingetragen wird, was geschehen ist.",
        "date-before-history" => {
            "Dieser Tag liegt vor der Gründung; davor führt Verbund keine Geschichte (D1)."
        }
        "capacity-missing" => "Bitte wählen Sie, in welcher Eigenschaft die Person handelt.",
        "officer-link-by-admin" => {
            "Die Anmeldelinks der Personen eines Mitglieds im Amt stellt die Administration aus."
        }
        "sign-in-link-shown" => {
            "Dieser Link wurde schon einmal angezeigt, als er ausgestellt wurde; stellen Sie bei Bedarf einen neuen aus."
        }
        "form-missing" => "Bitte wählen Sie die Form der Versammlung.",
        "anchor-malformed" => "Ein Anker wird als POSITION:HASH geschrieben (64 Hex-Ziffern).",
        "application-decided" => "Über diese Beitrittserklärung ist schon entschieden.",
        "route-not-found" | "coop-not-found" => "Diese Seite gibt es nicht.",
        "shares-zero" => "Bitte zeichnen Sie mindestens einen Geschäftsanteil.",
        "shares-above-maximum" => {
            "So viele Geschäftsanteile erlaubt die Satzung einem Mitglied nicht."
        }
        "shares-below-mandatory-holding" => {
            "Die Satzung verlangt von diesem Mitglied mehr Pflichtanteile."
        }
        "declared-usage-missing" => {
            "Die Satzung bemisst die Pflichtanteile nach der Nutzung der Einrichtungen: Bitte geben Sie die erwartete Nutzung an."
        }
        "application-exists" => "Diese Beitrittserklärung liegt schon vor.",
        "application-not-found" => "Diese Beitrittserklärung gibt es nicht.",
        "date-before-declaration" => "Die Aufnahme kann nicht vor der Beitrittserklärung liegen.",
        "investing-consent-missing" => {
            "Ein investierendes Mitglied wird nur mit Zustimmung des zuständigen Organs aufgenommen: Bitte nennen Sie dessen Beschluss."
        }
        "organs-too-small-for-members" => {
            "Mit dieser Zahl von Mitgliedern braucht das Organ mehr Personen: Bitte bestellen Sie zuerst weitere."
        }
        "admission-by-wrong-organ" => {
            "Über die Aufnahme entscheidet nach der Satzung ein anderes Organ."
        }
        "earlier-shares-not-paid" => {
            "Weitere Geschäftsanteile erst, wenn die früheren voll eingezahlt sind."
        }
        "payment-exceeds-subscribed" => {
            "Diese Zahlung ginge über die gezeichneten Geschäftsanteile hinaus."
        }
        "not-a-member-on-that-day" => {
            "An diesem Tag war die genannte Person (noch) kein Mitglied der Genossenschaft."
        }
        "person-id-malformed" => "Das ist keine gültige Personennummer.",
        "capacity-not-for-firm" => {
            "Für ein Unternehmen handelt eine Person als Geschäftsführer/in, Prokurist/in oder Bevollmächtigte/r."
        }
        "member-themself-known" => {
            "Eine andere Person ist schon als das Mitglied selbst eingetragen."
        }
        "representative-known" => {
            "Diese Person handelt schon in dieser Eigenschaft für das Mitglied."
        }
        "representative-not-found" => "Diese Person handelt nicht für dieses Mitglied.",
        "resignation-not-in-text-form" => {
            "Die Kündigung muss in Textform erklärt werden (Brief, E-Mail)."
        }
        "resignation-not-in-writing" => {
            "Die Satzung verlangt die Kündigung in Schriftform: ein eigenhändig unterschriebener Brief."
        }
        "hardship-exit-not-available" => {
            "Ein vorzeitiges Ausscheiden, weil das Bleiben unzumutbar ist (§ 65 Abs. 3 GenG), gibt es nur, wo die Kündigungsfrist der Satzung über zwei Jahre liegt."
        }
        "hardship-exit-too-early" => {
            "Ein vorzeitiges Ausscheiden wegen Unzumutbarkeit (§ 65 Abs. 3 GenG) setzt mindestens ein volles Geschäftsjahr Mitgliedschaft voraus."
        }
        "hardship-exit-not-earlier" => {
            "Das Mitglied scheidet ohnehin früher aus; eine Kündigung wegen Unzumutbarkeit brächte es nicht früher hinaus."
        }
        "transfer-to-self" => {
            "Ein Mitglied kann sein Geschäftsguthaben nicht an sich selbst übertragen."
        }
        "transfer-not-in-text-form" => {
            "Die Übertragung des Geschäftsguthabens braucht eine Vereinbarung in Textform."
        }
        "transfer-amount-out-of-range" => {
            "Der Betrag muss über 0 € liegen und darf das eingezahlte Geschäftsguthaben nicht übersteigen."
        }
        "transfer-exceeds-acquirer-shares" => {
            "Die Geschäftsanteile des Erwerbers fassen so viel nicht: Er muss zuerst weitere Anteile zeichnen."
        }
        "transfer-breaks-mandatory-holding" => {
            "Nach der Übertragung wären die Pflichtanteile nicht mehr eingezahlt."
        }
        "capital-locked-during-membership" => {
            "Während der Mitgliedschaft wird das Geschäftsguthaben nicht ausgezahlt."
        }
        "settlement-paid" => "Das Auseinandersetzungsguthaben ist schon ausgezahlt.",
        "nothing-to-settle" => "Es gibt kein Geschäftsguthaben auszuzahlen.",
        "settlement-amount-wrong" => {
            "Ausgezahlt wird genau das Geschäftsguthaben des ausgeschiedenen Mitglieds."
        }
        "exclusion-ground-not-in-statute" => {
            "Ausgeschlossen wird nur aus einem Grund, den die Satzung nennt."
        }
        "office-unknown" => "Die Ämter sind Vorstand, Aufsichtsrat und Kassenführung.",
        "proxies-not-allowed" => "Die Satzung lässt keine Vertretung durch Bevollmächtigte zu.",
        "principal-not-a-member" => "Dieses Mitglied hat keine Stimme zu vergeben.",
        "proxy-granted" => "Diese Vollmacht besteht schon.",
        "proxy-not-granted" => "Es gibt keine Vollmacht, die widerrufen werden könnte.",
        "ballot-closed" => "Die Abstimmung ist geschlossen; keine Stimme zählt mehr.",
        "own-discharge" => "Über die eigene Entlastung stimmt niemand mit ab.",
        "not-a-delegate" => "In der Vertreterversammlung stimmen nur die Vertreter.",
        "receipt-not-found" => "An dieser Stelle des Protokolls steht keine Stimme von Ihnen.",
        "session-not-found" => "Diese Sitzung gibt es nicht (mehr).",
        "assembly-not-found" => "Diese Generalversammlung gibt es nicht.",
        "assembly-exists" => "Diese Generalversammlung ist schon einberufen.",
        "agenda-size" => "Bitte nennen Sie die Tagesordnung: einen Punkt je Zeile.",
        "participation-missing" => {
            "Die Einladung zu einer virtuellen, hybriden oder zweistufigen Versammlung sagt, wie die Mitglieder teilnehmen und abstimmen."
        }
        "participation-unexpected" => {
            "Eine Präsenzversammlung findet im Saal statt: Bitte geben Sie keine Online-Teilnahme an."
        }
        "discussion-form-missing" => {
            "Die Einladung zu einer zweistufigen Versammlung nennt die Form der Erörterung."
        }
        "discussion-form" => "Die Erörterung findet in Präsenz, virtuell oder hybrid statt.",
        "assembly-form-not-in-statute" => "Diese Form der Versammlung sieht die Satzung nicht vor.",
        "motion-exists" => "Diesen Antrag gibt es schon.",
        "item-announced-too-late" => {
            "Der Gegenstand wurde weniger als eine Woche vor der Versammlung angekündigt; darüber kann sie nicht beschließen (§ 46 Abs. 2 GenG)."
        }
        "announced-after-assembly" => "Die Ankündigung kann nicht nach der Versammlung liegen.",
        "written-resolutions-not-in-statute" => {
            "Beschlüsse außerhalb einer Versammlung sieht die Satzung nicht vor: Bitte stellen Sie den Antrag einer Versammlung."
        }
        "delegate-election-not-secret" => {
            "Vertreter werden geheim gewählt: Bitte stellen Sie die Wahl als geheime Abstimmung."
        }
        "amount-not-positive" => "Bitte geben Sie einen Betrag über null an.",
        "exclusion-ground-unknown" => "Diesen Ausschließungsgrund nennt die Satzung nicht.",
        "discharge-without-officers" => {
            "Eine Entlastung nennt die Organmitglieder, die entlastet werden."
        }
        "survey-options" => "Eine Umfrage bietet mindestens zwei Möglichkeiten.",
        "ballot-opened" => "Die Abstimmung ist schon eröffnet.",
        "voting-window-missing" => "Eine schriftliche Abstimmung braucht das Ende ihrer Frist.",
        "voting-window-ended" => "Das Ende der Abstimmungsfrist muss in der Zukunft liegen.",
        "voting-window-open" => "Die Abstimmungsfrist läuft noch.",
        "ballot-not-closed" => "Die Abstimmung ist noch nicht geschlossen.",
        "ballot-counted" => "Die Abstimmung ist schon ausgezählt.",
        "contest-period-running" => {
            "Der Beschluss kann noch angefochten werden (ein Monat, § 51 GenG)."
        }
        "account-code-malformed" => {
            "Ein Konto hat vier Ziffern, z. B. 1200; ein Unterkonto dahinter die Mitgliedsnummer, z. B. 1410/7."
        }
        "account-unknown" => "Dieses Konto steht nicht im Kontenplan.",
        "account-exists" => "Dieses Konto gibt es schon.",
        "capital-account-managed" => {
            "Geschäftsguthaben bewegen sich nur über die Mitgliedschaft (Einzahlung, Übertragung, Auszahlung)."
        }
        "member-loans-managed" => {
            "Mitgliederdarlehen werden über ihr eigenes Formular gewährt und getilgt."
        }
        "payment-via" => "Eine Zahlung geht über die Bank (1200) oder die Kasse (1000).",
        "payment-to-itself" => {
            "Eine Zahlung bewegt Geld zwischen Bank oder Kasse und einem anderen Konto."
        }
        "due-before-charged" => "Eine Umlage wird frühestens am Tag ihrer Erhebung fällig.",
        "levy-account-not-income" => {
            "Eine Umlage ist ein Ertrag: Bitte wählen Sie ein Ertragskonto."
        }
        "levy-too-many-members" => {
            "Auf so viele Mitglieder auf einmal kann keine Umlage verteilt werden."
        }
        "allocation-without-weights" => {
            "Der Betrag hat niemanden, auf den er verteilt werden könnte."
        }
        "entry-lines" => "Eine Buchung hat mindestens zwei Zeilen.",
        "line-zero" => "Eine Zeile ohne Betrag bucht nichts.",
        "entry-unbalanced" => "Soll und Haben sind nicht gleich.",
        "entry-unknown" => "Diese Buchung gibt es nicht unter den Buchungen der Kassenführung.",
        "entry-reversed" => "Diese Buchung ist schon storniert.",
        "reversal-of-reversal" => "Ein Storno wird nicht storniert; buchen Sie den Vorgang neu.",
        "reversal-before-entry" => "Das Storno kann nicht vor der Buchung liegen.",
        "not-a-year-end" => "An diesem Tag endet kein Geschäftsjahr.",
        "later-year-closed" => "Ein späteres Geschäftsjahr ist schon abgeschlossen.",
        "earlier-year-open" => {
            "Ein früheres Geschäftsjahr ist noch offen: Schließen Sie die Jahre der Reihe nach ab."
        }
        "year-not-closed" => "Dieses Geschäftsjahr ist noch nicht abgeschlossen.",
        "profit-distributed" => "Der Gewinn dieses Jahres ist schon verwendet.",
        "use-of-profit-not-decided" => {
            "Über die Verwendung des Gewinns beschließt zuerst die Generalversammlung (§ 48 GenG)."
        }
        "no-profit" => "Das Jahr schloss ohne Gewinn; es gibt keinen zu verwenden.",
        "legal-reserve-too-small" => {
            "Die Satzung verlangt einen größeren Teil für die gesetzliche Rücklage."
        }
        "profit-overused" => "Rücklagen und Vortrag sind zusammen mehr als der Gewinn.",
        "no-basis" => {
            "Kein Mitglied hat ein Geschäftsguthaben, nach dem verteilt werden könnte: Tragen Sie den Gewinn vor oder stellen Sie ihn in die Rücklagen."
        }
        "loan-exists" => "Dieses Darlehen gibt es schon.",
        "member-loans-not-in-statute" => "Die Satzung sieht keine Mitgliederdarlehen vor.",
        "loan-interest-negative" => "Der Zins eines Mitgliederdarlehens ist null oder mehr.",
        "loan-interest-above-cap" => "Der Zins liegt über der Grenze der Satzung.",
        "loan-without-investment" => {
            "Ein Mitgliederdarlehen gehört zu einer beschlossenen Investition."
        }
        "lender-not-member" => {
            "Ein Mitgliederdarlehen kann nur ein Mitglied gewähren (§ 21b GenG)."
        }
        "loan-above-person-cap" => {
            "Ein Mitglied, das kein Unternehmer ist, darf höchstens 25.000 € als Darlehen geben (§ 21b Abs. 1 Nr. 2 GenG)."
        }
        "loan-above-project-cap" => {
            "Mitgliederdarlehen für eine Investition betragen höchstens 2.500.000 € (§ 21b GenG)."
        }
        "loan-unknown" => "Dieses Darlehen gibt es nicht.",
        "repayment-above-loan" => "Die Tilgung ist höher als das, was noch offen ist.",
        "books-range-exceeded" => "Beträge dieser Größe kann Verbund nicht buchen.",
        "query-malformed" => {
            "Die Adresse enthält eine ungültige Angabe, etwa einen Tag, der keiner ist (so geschrieben: 31.12.2026)."
        }
        "rule-not-found" => "Diese Regel gibt es nicht.",
        "language-not-found" => "Die Seiten gibt es auf Deutsch und Englisch.",
        "position-malformed" => "Positionen im Protokoll sind 1, 2, 3, …",
        "event-not-found" => "An dieser Stelle steht nichts im Protokoll.",
        _ => return None,
    })
}

/// A 303 to `to`: what a form's post answers, so that reloading does not post again.
pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Parses a form's fields; a malformed form is the client's mistake.
pub(super) fn form<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        ApiError::bad_request(
            "form-malformed",
            "form",
            format!("the form is malformed: {e}"),
        )
    })
}

/// A day typed in a form (`2026-12-31`, as a date field sends it); empty is none.
pub(super) fn day_field(text: &str, field: &str) -> Result<Option<Date>, ApiError> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse::<Date>().map(Some).map_err(|_| {
            ApiError::bad_request("date-malformed", field, "a day is written 2026-12-31")
        }),
    }
}

/// A member number typed in a form.
pub(super) fn member_field(text: &str, field: &str) -> Result<u32, ApiError> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::bad_request("member-malformed", field, "a member number is 1, 2, 3, …")
        })
}

/// A day a form requires: refused if empty or malformed.
pub(super) fn required_day(text: &str, field: &str) -> Result<Date, ApiError> {
    day_field(text, field)?.ok_or_else(|| {
        ApiError::bad_request("date-malformed", field, "a day is written 2026-12-31")
    })
}

/// An amount in euros as people type it, with a decimal comma or point (`250,50`).
pub(super) fn amount_field(text: &str, field: &str) -> Result<verbund_domain::Money, ApiError> {
    verbund_domain::Money::parse(&text.trim().replace(',', "."))
        .map_err(|e| ApiError::from(e.at(field)))
}

/// Whether pages are served over TLS, for the cookies' `Secure`.
pub(super) fn secure(transport: Option<Extension<Transport>>) -> bool {
    transport.is_some_and(|Extension(t)| t.tls)
}

// ---------------------------------------------------------------------------------------------
// Public pages

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Chrome,
    coops: Vec<(String, String)>,
}

/// `/`: the cooperatives served here; the only one's page directly.
pub(super) async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    let coops: Vec<(String, String)> = app
        .coops()
        .await
        .into_iter()
        .filter_map(|(log, runtime)| {
            let name = runtime
                .views()
                .register
                .read(|r| r.coop().map(|c| c.name.to_string()))?;
            Some((log.to_string(), name))
        })
        .collect();
    if let [(only, _)] = coops.as_slice() {
        return see_other(&format!("/c/{only}"));
    }
    render(Home {
        c: Chrome::new(Lang::of(&headers), None, "/"),
        coops,
    })
}

/// Where the language switch returns to.
#[derive(Debug, Deserialize)]
pub(super) struct Back {
    back: Option<String>,
}

/// `/lang/{lang}`: remembers the reader's language and returns to the page they were on.
pub(super) async fn switch_language(
    Path(lang): Path<String>,
    Query(back): Query<Back>,
    transport: Option<Extension<Transport>>,
) -> Result<Response, ApiError> {
    let lang = Lang::parse(&lang)
        .ok_or_else(|| ApiError::not_found("language-not-found", "the pages speak de and en"))?;
    let back = back_to(back.back);
    let mut response = see_other(&back);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.tag(),
            Some(365 * 24 * 3600),
            secure(transport),
        ),
    );
    Ok(response)
}

/// Where the language switch returns: a path of this site only — never a redirect elsewhere,
/// nor anything that is not a plain path (a header value must not carry it).
fn back_to(back: Option<String>) -> String {
    back.filter(|b| {
        b.starts_with('/')
            && !b.starts_with("//")
            && b.bytes().all(|c| c.is_ascii_graphic() && c != b'\\')
    })
    .unwrap_or_else(|| "/".to_owned())
}

/// The explanation of every rule, in our words: in English, and in German for German readers.
const RULES: &str = include_str!("../../../docs/rules.md");
const REGELN: &str = include_str!("../../../docs/regeln.md");

/// The explanations in `lang`.
fn rules_in(lang: Lang) -> &'static str {
    match lang {
        Lang::De => REGELN,
        Lang::En => RULES,
    }
}

/// The title and the meaning of `rule` in `explanations` (the paragraphs before the section's
/// list of where Verbund applies it), if it is there.
fn explanation(explanations: &str, rule: &str) -> Option<(String, Vec<String>)> {
    let heading = format!("### {rule} ");
    let start = explanations.find(&heading)?;
    let section = &explanations[start + 4..];
    let section = &section[..section.find("\n#").unwrap_or(section.len())];
    let mut lines = section.lines();
    let title = lines.next().unwrap_or_default().to_owned();
    let meaning: String = lines
        .take_while(|line| !line.starts_with("- "))
        .collect::<Vec<_>>()
        .join(" ");
    let paragraphs = meaning
        .split("  ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(citations_kept_whole)
        .collect();
    Some((title, paragraphs))
}

/// `/rules/{rule}`: a rule's explanation, where a refusal links to it, in the reader's
/// language.
pub(super) async fn rule(
    Path(rule): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let (title, lines) = explanation(rules_in(lang), &rule)
        .ok_or_else(|| ApiError::not_found("rule-not-found", format!("there is no rule {rule}")))?;
    Ok(render(Message {
        c: Chrome::new(lang, None, &format!("/rules/{rule}")),
        title,
        lines,
        rule: None,
    }))
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    c: Chrome,
    object: String,
    seat: String,
    founded_on: String,
    members: u64,
    q: String,
    trade: String,
    trades: Vec<String>,
    region: String,
    regions: Vec<String>,
    firms: Vec<dto::ListedFirm>,
}

/// The landing page's search.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Search {
    q: Option<String>,
    trade: Option<String>,
    region: Option<String>,
}

/// `/c/{coop}`: who the cooperative is, its member firms with a search, how to join.
pub(super) async fn landing(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(search): Query<Search>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let today = app::today();
    let (object, seat, founded_on, members, mut trades, mut regions) = coop
        .runtime
        .views()
        .register
        .read(|r| {
            let c = r.coop()?;
            let (trades, regions): (Vec<String>, Vec<String>) = r
                .members_after(None)
                .filter_map(|record| match record.membership().kind() {
                    verbund_domain::MemberKind::Firm { trade, region, .. }
                        if record.membership().is_listed()
                            && record.membership().has_rights_on(today) =>
                    {
                        Some((trade.clone(), region.clone()))
                    }
                    _ => None,
                })
                .unzip();
            Some((
                c.statute.object().to_owned(),
                c.statute.seat().to_owned(),
                c.founded_on,
                r.members_on(today) as u64,
                trades,
                regions,
            ))
        })
        .ok_or_else(not_founded)?;
    for list in [&mut trades, &mut regions] {
        list.sort_unstable();
        list.dedup();
    }
    let trade = search.trade.filter(|t| !t.trim().is_empty());
    let region = search.region.filter(|t| !t.trim().is_empty());
    let q = search.q.filter(|q| !q.trim().is_empty());
    let directory = directory_of(
        &app,
        &coop,
        &DirectoryQuery {
            after: None,
            limit: Some(crate::http::kit::PAGE_ITEMS_MAX),
            q: q.clone(),
            trade: trade.clone(),
            region: region.clone(),
        },
    )
    .await?;
    let lang = Lang::of(&headers);
    let c = Chrome::of(&app, lang, &coop, &caller, &format!("/c/{}", coop.log)).await;
    let founded_on = c.date(founded_on);
    Ok(render(Landing {
        c,
        object,
        seat,
        founded_on,
        members,
        q: q.unwrap_or_default(),
        trade: trade.unwrap_or_default(),
        trades,
        region: region.unwrap_or_default(),
        regions,
        firms: directory.firms,
    }))
}

/// The declaration's fields as the form sends them (a checkbox is `on` or absent).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ApplyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    trade: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    employees: String,
    #[serde(default)]
    shares: String,
    #[serde(default)]
    declared_usage: String,
    #[serde(default, deserialize_with = "checkbox")]
    listed: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pays_for_shares: bool,
    #[serde(default, deserialize_with = "checkbox")]
    additional_contributions: bool,
    #[serde(default, deserialize_with = "checkbox")]
    notice_period: bool,
}

/// A checkbox: present (`on`) or absent.
pub(super) fn checkbox<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<bool, D::Error> {
    let value = String::deserialize(deserializer)?;
    Ok(!value.is_empty())
}

impl ApplyForm {
    /// The API's body, or the field that cannot be one.
    fn body(&self) -> Result<dto::Apply, ApiError> {
        let number = |text: &str, field: &str| {
            text.trim().parse::<u32>().map_err(|_| {
                ApiError::bad_request("number-malformed", field, "please enter a whole number")
            })
        };
        let kind = match self.kind.as_str() {
            "person" => dto::MemberKind::NaturalPerson,
            "investing" => dto::MemberKind::Investing,
            "firm" => dto::MemberKind::Firm {
                trade: self.trade.clone(),
                region: self.region.clone(),
                employees: if self.employees.trim().is_empty() {
                    0
                } else {
                    number(&self.employees, "employees")?
                },
            },
            _ => {
                return Err(ApiError::bad_request(
                    "kind-missing",
                    "kind",
                    "please choose how you join",
                ));
            }
        };
        let declared_usage = match self.declared_usage.trim() {
            "" => None,
            text => Some(
                verbund_domain::Money::parse(&text.replace(',', ".")).map_err(|_| {
                    ApiError::bad_request(
                        "amount-malformed",
                        "declared_usage",
                        "please enter an amount in euros, e.g. 1200 or 1200,50",
                    )
                })?,
            ),
        };
        Ok(dto::Apply {
            name: self.name.clone(),
            address: self.address.clone(),
            kind,
            shares: number(&self.shares, "shares")?,
            declared_usage,
            declared_on: None,
            acknowledged: dto::Acknowledgements {
                pays_for_shares: self.pays_for_shares,
                additional_contributions: self.additional_contributions,
                notice_period: self.notice_period,
            },
            listed: self.listed && self.kind == "firm",
        })
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    c: Chrome,
    form: ApplyForm,
    problem: Option<Problem>,
    share_amount: String,
    paid_in_minimum: String,
    notice_months: u16,
    statute_text: String,
    usage_asked: bool,
    additional_contributions: bool,
    long_notice: bool,
}

impl ApplyPage {
    /// True if the problem names `field`.
    fn error_at(&self, field: &str) -> bool {
        refused_at(self.problem.as_ref(), field)
    }

    /// True if the problem names a field under `prefix`.
    fn error_at_prefix(&self, prefix: &str) -> bool {
        self.problem
            .as_ref()
            .and_then(|p| p.field.as_deref())
            .is_some_and(|f| f.starts_with(prefix))
    }

    /// The problem's text.
    fn error_text(&self) -> String {
        self.problem
            .as_ref()
            .map(|p| problem_text(self.c.lang, p))
            .unwrap_or_default()
    }
}

/// The form of the declaration with the statute's facts beside it.
async fn apply_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    form: ApplyForm,
    problem: Option<Problem>,
) -> Result<ApplyPage, ApiError> {
    let c = Chrome::of(app, lang, coop, caller, &format!("/c/{}/apply", coop.log)).await;
    let facts = coop.runtime.views().register.read(|r| {
        let s = &r.coop()?.statute;
        Some((
            s.share_amount(),
            s.paid_in_minimum(),
            s.notice_period_months(),
            s.mandatory_holding().is_some(),
            s.has_additional_contributions(),
        ))
    });
    let (share, minimum, notice_months, usage_asked, additional) = facts.ok_or_else(not_founded)?;
    let statute_text = crate::http::routes::statute_of(app, coop).await?.text;
    Ok(ApplyPage {
        share_amount: c.money(&share.to_string()),
        paid_in_minimum: c.money(&minimum.to_string()),
        c,
        form,
        problem,
        notice_months,
        statute_text,
        usage_asked,
        additional_contributions: additional,
        long_notice: notice_months > 12,
    })
}

/// `/c/{coop}/apply`: the declaration of membership (G15, G15a).
pub(super) async fn apply_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = ApplyForm {
        kind: "firm".to_owned(),
        shares: "1".to_owned(),
        ..ApplyForm::default()
    };
    Ok(render(
        apply_page(&app, Lang::of(&headers), &coop, &caller, form, None).await?,
    ))
}

/// `POST /c/{coop}/apply`: files the declaration as `POST /v1/coops/{coop}/applications` does;
/// a refusal shows the form again with what was typed.
pub(super) async fn apply(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let form: ApplyForm = self::form(&body)?;
    let filed = match form.body() {
        Ok(body) => file_application(&app, &coop, &caller, &headers, &body).await,
        Err(e) => Err(e),
    };
    let written =
        filed.map(|(application, _)| see_other(&format!("/c/{}/applied/{application}", coop.log)));
    answer(written, async |problem| {
        apply_page(
            &app,
            Lang::of(&headers),
            &coop,
            &caller,
            form,
            Some(problem),
        )
        .await
    })
    .await
}

#[derive(Template)]
#[template(path = "applied.html")]
struct Applied {
    c: Chrome,
    application: String,
}

/// `/c/{coop}/applied/{application}`: the confirmation of a declaration.
pub(super) async fn applied(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let application = verbund_domain::ApplicationId::parse(&application)?;
    // Only a declaration filed is confirmed.
    let filed = coop
        .runtime
        .views()
        .aggregates
        .read(|a| a.application(&application).state.applied().is_some());
    if !filed {
        return Err(ApiError::not_found(
            "application-not-found",
            format!("there is no application {application}"),
        ));
    }
    Ok(render(Applied {
        c: Chrome::of(&app, Lang::of(&headers), &coop, &caller, "").await,
        application: application.to_string(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Signing in and out

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    c: Chrome,
    action: String,
}

/// `/c/{coop}/sign-in/{secret}`: the page a sign-in link opens. Opening it changes nothing
/// (a mail program that fetches links ahead would otherwise use it up); its button does.
pub(super) async fn sign_in_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, secret)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut response = render(SignIn {
        c: Chrome::of(&app, Lang::of(&headers), &coop, &caller, "").await,
        action: super::sign_in_url("", &coop.log, &secret),
    });
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /c/{coop}/sign-in/{secret}`: uses the link up and starts the person's session.
pub(super) async fn sign_in(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, secret)): Path<(String, String)>,
    transport: Option<Extension<Transport>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let unusable = || {
        ApiError::not_found(
            "sign-in-link-unusable",
            "the sign-in link is unknown, used or expired; ask the board for a new one",
        )
    };
    let link = TokenSecret::presented(&secret);
    let record = coop
        .runtime
        .views()
        .tokens
        .read(|tokens| tokens.by_digest(&link.digest()).cloned())
        .filter(|r| r.purpose == TokenPurpose::SignInLink)
        .ok_or_else(unusable)?;
    let request = write_request(&coop, &caller, &headers, "sign-in", secret.as_bytes())?;
    let session = app::start_session(&app, &request, record.token, record.principal).await?;
    crate::http::kit::settle_write(&coop, session.position).await;
    let secret = session.secret.expect("a new session has its secret");
    // A person starts on their member's overview; an auditor or regulator on the log.
    let start = match record.principal {
        Principal::Person { .. } => "me",
        _ => "audit",
    };
    let mut response = see_other(&format!("/c/{}/{start}", coop.log));
    let lifetime = verbund_domain::SESSION_LIFETIME.as_secs();
    let tls = secure(transport);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, secret.expose(), Some(lifetime), tls),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(ACTING_COOKIE, "", Some(0), tls),
    );
    Ok(response)
}

/// `POST /c/{coop}/sign-out`: ends this session (revoked in the log) and forgets its cookie.
pub(super) async fn sign_out(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    transport: Option<Extension<Transport>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = &caller.token {
        let request = write_request(
            &coop,
            &caller,
            &headers,
            "sign-out",
            token.as_str().as_bytes(),
        )?;
        let executed = app::revoke_token(&app, &request, token.clone()).await?;
        crate::http::kit::settle_write(&coop, executed.last).await;
    }
    let tls = secure(transport);
    let mut response = see_other(&format!("/c/{}", coop.log));
    for name in [SESSION_COOKIE, ACTING_COOKIE] {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(name, "", Some(0), tls));
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// The member's pages

/// The member the signed-in person acts for, or the page's refusal.
fn member_of(caller: &Caller) -> Result<MemberNo, ApiError> {
    caller.member().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "these pages are for people who act for a member",
        )
    })
}

/// A page of private data: never kept by a cache.
/// A page's answer to a form: a redirect after a write, or the form again with its refusal
/// (the status of the refusal, what was typed kept). A server error stays one.
pub(super) async fn answer<P, F>(
    written: Result<Response, ApiError>,
    page: F,
) -> Result<Response, ApiError>
where
    P: Template,
    F: AsyncFnOnce(Problem) -> Result<P, ApiError>,
{
    match written {
        Ok(response) => Ok(response),
        Err(e) if e.status().is_client_error() => {
            let status = e.status();
            let page = page(e.problem()).await?;
            Ok((status, private(render(page))).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) fn private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    c: Chrome,
    s: dto::Statement,
    acting: Vec<(u32, String)>,
}

/// The day of the statement shown.
#[derive(Debug, Default, Deserialize)]
pub(super) struct StatementDay {
    on: Option<String>,
}

/// `/c/{coop}/me`: the member's statement (shares, capital, what is owed) as of today or a
/// day chosen, printable.
pub(super) async fn overview(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(day): Query<StatementDay>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let on = match day.on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<jiff::civil::Date>().map_err(|_| {
            ApiError::bad_request("query-malformed", "on", "a day is written 2026-12-31")
        })?),
    };
    let statement = statement_of(&app, &coop, member, on).await?;
    let lang = Lang::of(&headers);
    let t = lang.messages();
    let mut acting = Vec::new();
    if let Some(Principal::Person { person }) = caller.principal {
        let members = coop.runtime.views().register.read(|r| r.acting_for(person));
        for (no, capacity) in members {
            let name = member_name(&app, &coop, no).await;
            acting.push((
                no.get(),
                acting_label(t, no, name.as_deref(), Some(capacity)),
            ));
        }
    }
    Ok(private(render(Overview {
        c: Chrome::of(&app, lang, &coop, &caller, &format!("/c/{}/me", coop.log)).await,
        s: statement,
        acting,
    })))
}

/// The member chosen on the overview.
#[derive(Debug, Deserialize)]
pub(super) struct ActFor {
    member: u32,
}

/// `POST /c/{coop}/me/acting-for`: the member a person acts for from now on.
pub(super) async fn act_for(
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    transport: Option<Extension<Transport>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let choice: ActFor = form(&body)?;
    let member = MemberNo::new(choice.member).ok_or_else(|| {
        ApiError::bad_request("member-malformed", "member", "member numbers start at 1")
    })?;
    let Some(Principal::Person { person }) = caller.principal else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only a person who acts for members chooses whom they act for",
        ));
    };
    let acts = coop
        .runtime
        .views()
        .register
        .read(|r| r.acting_for(person).iter().any(|(m, _)| *m == member));
    if !acts {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not-acting-for",
            format!("the person does not act for member {member}"),
        ));
    }
    let mut response = see_other(&format!("/c/{}/me", coop.log));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(ACTING_COOKIE, &member.to_string(), None, secure(transport)),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Assemblies and voting

/// A motion as the assemblies page lists it.
#[derive(Debug)]
struct MotionLine {
    id: String,
    title: String,
    stage: &'static str,
}

/// An assembly as its page shows it.
#[derive(Debug)]
struct AssemblyLine {
    id: String,
    held_on: String,
    place: String,
    agenda: Vec<String>,
    motions: Vec<MotionLine>,
}

#[derive(Template)]
#[template(path = "assemblies.html")]
struct Assemblies {
    c: Chrome,
    assemblies: Vec<AssemblyLine>,
}

/// A majority for people ("3/4 der abgegebenen Stimmen"), and why, where the catalog words
/// the rule that gives it.
pub(super) fn majority_texts(
    t: &'static Messages,
    majority: Option<&str>,
    rule: Option<&str>,
) -> (String, Option<&'static str>) {
    let majority = match majority {
        Some("simple") => t.majority_simple.to_owned(),
        Some(fraction) => format!("{fraction} {}", t.of_votes_cast),
        None => "–".to_owned(),
    };
    let why = match rule {
        Some("G43-2") => Some(t.why_g43_2),
        Some("G16") => Some(t.why_g16),
        Some("G78") => Some(t.why_g78),
        Some("G43a") => Some(t.why_g43a),
        _ => None,
    };
    (majority, why)
}

/// The stage's name for people.
pub(super) fn stage_text(t: &Messages, stage: &str) -> &'static str {
    match stage {
        "open" => t.stage_open,
        "closed" => t.stage_closed,
        "counted" => t.stage_counted,
        _ => t.stage_put,
    }
}

/// `/c/{coop}/assemblies`: the assemblies with their agenda and motions.
pub(super) async fn assemblies(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let t = lang.messages();
    let mut assemblies = coop.runtime.views().aggregates.read(|a| {
        a.assemblies()
            .filter_map(|(id, assembly)| {
                let view = gov::assembly_view(id, assembly, a)?;
                let motions = view
                    .motions
                    .iter()
                    .filter_map(|m| {
                        let motion_id = MotionId::parse(m).ok()?;
                        let mv = gov::motion_view(
                            &motion_id,
                            &a.motion(&motion_id).state,
                            a.ballot(&motion_id),
                        )?;
                        Some(MotionLine {
                            id: mv.id,
                            title: mv.title,
                            stage: stage_text(t, &mv.stage),
                        })
                    })
                    .collect();
                Some(AssemblyLine {
                    id: view.id,
                    held_on: view.held_on.to_string(),
                    place: view.place,
                    agenda: view.agenda,
                    motions,
                })
            })
            .collect::<Vec<_>>()
    });
    assemblies.sort_by(|a, b| (&a.held_on, &a.id).cmp(&(&b.held_on, &b.id)));
    Ok(private(render(Assemblies {
        c: Chrome::of(
            &app,
            lang,
            &coop,
            &caller,
            &format!("/c/{}/assemblies", coop.log),
        )
        .await,
        assemblies,
    })))
}

#[derive(Template)]
#[template(path = "ballot.html")]
struct BallotPage {
    c: Chrome,
    m: gov::MotionView,
    stage: &'static str,
    majority: String,
    /// Why, in the reader's language, where the catalog words the rule; the domain's reasons
    /// (in English) follow in full.
    why: Option<&'static str>,
    /// The votes cast so far for whom this member votes: (for whom, what).
    cast: Vec<(String, String)>,
    open: bool,
    voters: Vec<(u32, String)>,
    problem: Option<Problem>,
}

/// The ballot's page, with a refusal of the vote if there was one.
async fn ballot_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    id: &MotionId,
    problem: Option<Problem>,
) -> Result<BallotPage, ApiError> {
    let t = lang.messages();
    let member = caller.member();
    let (view, principals, cast) = coop.runtime.views().aggregates.read(|a| {
        let view = gov::motion_view(id, &a.motion(id).state, a.ballot(id));
        // The members whose vote this member casts as proxy (G43-5).
        let principals: Vec<MemberNo> = match member {
            Some(member) => a.proxies().state.principals_of(member),
            None => Vec::new(),
        };
        // The votes cast so far for the member and their principals: the choice where the
        // ballot is open, that a vote was cast where it is sealed.
        let cast: Vec<(MemberNo, Option<verbund_domain::governance::Mark>)> = member
            .into_iter()
            .chain(principals.iter().copied())
            .filter_map(|voter| {
                let vote = a.ballot(id)?.vote(voter).state?;
                Some((voter, vote.mark))
            })
            .collect();
        (view, principals, cast)
    });
    let m = view.ok_or_else(|| {
        ApiError::not_found("motion-not-found", format!("there is no motion {id}"))
    })?;
    let (majority, why) = majority_texts(t, m.majority.as_deref(), m.majority_rule.as_deref());
    let choice_text = |mark: &Option<verbund_domain::governance::Mark>| match mark {
        Some(verbund_domain::governance::Mark::Choice(choice)) => match choice {
            verbund_domain::governance::Choice::Yes => t.choice_yes,
            verbund_domain::governance::Choice::No => t.choice_no,
            verbund_domain::governance::Choice::Abstain => t.choice_abstain,
            verbund_domain::governance::Choice::Invalid => t.choice_invalid,
        },
        _ => t.vote_sealed,
    };
    let cast = cast
        .iter()
        .map(|(voter, mark)| {
            let whose = if Some(*voter) == member {
                t.vote_own.to_owned()
            } else {
                format!("{} {voter}", t.vote_as_proxy)
            };
            (whose, choice_text(mark).to_owned())
        })
        .collect();
    let mut voters = Vec::new();
    if let Some(member) = member {
        voters.push((member.get(), t.vote_own.to_owned()));
        for principal in principals {
            voters.push((principal.get(), format!("{} {principal}", t.vote_as_proxy)));
        }
    }
    Ok(BallotPage {
        why,
        cast,
        c: Chrome::of(
            app,
            lang,
            coop,
            caller,
            &format!("/c/{}/motions/{id}", coop.log),
        )
        .await,
        stage: stage_text(t, &m.stage),
        open: m.stage == "open" && member.is_some(),
        majority,
        m,
        voters,
        problem,
    })
}

/// `/c/{coop}/motions/{motion}`: a motion, the majority it needs and why, and the vote.
pub(super) async fn ballot(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = gov::parse_motion(&motion)?;
    Ok(private(render(
        ballot_page(&app, Lang::of(&headers), &coop, &caller, &id, None).await?,
    )))
}

/// The vote as the form sends it.
#[derive(Debug, Deserialize)]
pub(super) struct VoteForm {
    choice: Option<String>,
    voter: Option<u32>,
}

/// `POST /c/{coop}/motions/{motion}/vote`: casts the vote as `POST …/votes` does, then shows
/// its receipt.
pub(super) async fn vote(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = gov::parse_motion(&motion)?;
    let vote: VoteForm = form(&body)?;
    let choice = match vote.choice.as_deref() {
        Some("yes") => Ok(ChoiceDto::Yes),
        Some("no") => Ok(ChoiceDto::No),
        Some("abstain") => Ok(ChoiceDto::Abstain),
        _ => Err(ApiError::bad_request(
            "choice-missing",
            "choice",
            "please choose yes, no or abstain",
        )),
    };
    let cast = match choice {
        Ok(choice) => {
            let body = VoteBody {
                voter: vote.voter,
                choice: Some(choice),
                options: None,
                channel: None,
            };
            gov::cast_vote(&app, &coop, &caller, &headers, id.clone(), &body).await
        }
        Err(e) => Err(e),
    };
    let written =
        cast.map(|executed| see_other(&format!("/c/{}/receipts/{}", coop.log, executed.last)));
    answer(written, async |problem| {
        ballot_page(&app, Lang::of(&headers), &coop, &caller, &id, Some(problem)).await
    })
    .await
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct Receipt {
    c: Chrome,
    motion: String,
    position: u64,
    hash: String,
    previous: String,
    recorded_at: String,
}

/// `/c/{coop}/receipts/{position}`: the receipt of a vote the member cast: its log position,
/// its hash and the hash it links to.
pub(super) async fn receipt(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, position)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let not_found = || {
        ApiError::not_found(
            "receipt-not-found",
            "there is no vote of yours at this position",
        )
    };
    let position: u64 = position.parse().map_err(|_| not_found())?;
    // Right after the vote, from the writer's memory of what it wrote.
    let event = app
        .ledger()
        .read_event(&coop.log, Position::new(position))
        .await
        .map_err(ApiError::from)?
        .ok_or_else(not_found)?;
    let decoded = Event::decode(
        event.event_type.as_str(),
        event.schema_version,
        event.payload.as_str(),
    )
    .map_err(ApiError::internal)?;
    // Only the member who cast it (for themself or as proxy) sees its receipt here.
    let Event::VoteCast(cast) = decoded else {
        return Err(not_found());
    };
    if cast.cast_by != member && cast.voter != member {
        return Err(not_found());
    }
    let lang = Lang::of(&headers);
    let recorded_at = event.metadata.recorded_at();
    let recorded_at = match lang {
        Lang::De => recorded_at.strftime("%d.%m.%Y %H:%M:%S UTC").to_string(),
        Lang::En => recorded_at.strftime("%-d %B %Y %H:%M:%S UTC").to_string(),
    };
    Ok(private(render(Receipt {
        c: Chrome::of(&app, lang, &coop, &caller, "").await,
        motion: cast.motion.to_string(),
        position,
        hash: event.hash.to_string(),
        previous: event.prev_hash.to_string(),
        recorded_at,
    })))
}

// ---------------------------------------------------------------------------------------------
// Notice

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice {
    c: Chrome,
    exit_on: Option<String>,
    given: Option<String>,
    problem: Option<Problem>,
}

/// The notice as the API takes it from the member themself: today, in text form.
fn notice_body() -> dto::Resign {
    dto::Resign {
        declared_on: None,
        in_text_form: true,
        in_writing: false,
        hardship: None,
    }
}

/// The exit a notice given today would have: the command's own decision on today's state,
/// not written — so the page shows the day the log would record (G65).
fn exit_if_given_today(coop: &Coop, caller: &Caller, member: MemberNo) -> Result<String, ApiError> {
    let body = notice_body();
    let command = app::membership::RecordResignation::try_from(Asked::new(caller, member, &body))?;
    let changes = coop.runtime.views().aggregates.read(|a| {
        a.member(member)
            .state
            .resign(&a.coop().state, command.resign.clone())
    })?;
    changes
        .iter()
        .find_map(|change| match &change.event {
            Event::ResignationDeclared(e) => Some(e.effective_on.to_string()),
            _ => None,
        })
        .ok_or_else(|| ApiError::internal("a resignation decided no exit"))
}

/// The exit already declared, if the member gave notice.
fn exit_given(coop: &Coop, member: MemberNo) -> Option<String> {
    coop.runtime.views().register.read(|r| {
        r.member(member)?
            .membership()
            .exit()
            .map(|e| e.effective_on.to_string())
    })
}

/// The notice page of the member `caller` acts for, with a refusal of the notice if there
/// was one.
async fn notice_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    refused: Option<Problem>,
) -> Result<Notice, ApiError> {
    let member = member_of(caller)?;
    let path = format!("/c/{}/me/notice", coop.log);
    let c = Chrome::of(app, lang, coop, caller, &path).await;
    let (exit_on, given, problem) = match exit_given(coop, member) {
        Some(day) => (None, Some(day), refused),
        None => match exit_if_given_today(coop, caller, member) {
            Ok(day) => (Some(day), None, refused),
            Err(e) => (None, None, Some(e.problem())),
        },
    };
    Ok(Notice {
        c,
        exit_on,
        given,
        problem,
    })
}

/// `/c/{coop}/me/notice`: giving notice, with the exit's day shown before confirming (G65).
pub(super) async fn notice_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let page = notice_page(&app, Lang::of(&headers), &coop, &caller, None).await?;
    Ok(private(render(page)))
}

/// The confirmation of a notice.
#[derive(Debug, Deserialize)]
pub(super) struct NoticeForm {
    #[serde(default, deserialize_with = "checkbox")]
    confirm: bool,
    exit_on: Option<String>,
}

/// `POST /c/{coop}/me/notice`: gives notice as `POST …/resignation` does, if the exit shown
/// is still the one it would have.
pub(super) async fn give_notice(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let notice: NoticeForm = form(&body)?;
    let given = async {
        if !notice.confirm {
            return Err(ApiError::bad_request(
                "confirm-missing",
                "confirm",
                "please confirm the notice",
            ));
        }
        // The day shown was decided on another day: show the new one before anything is
        // given.
        if notice.exit_on != Some(exit_if_given_today(&coop, &caller, member)?) {
            return Ok(());
        }
        let body = notice_body();
        let command =
            app::membership::RecordResignation::try_from(Asked::new(&caller, member, &body))?;
        let route = format!("resign:{member}");
        let executed =
            crate::http::kit::execute(&app, &coop, &caller, &headers, &route, &body, command)
                .await?;
        crate::http::kit::settle_write(&coop, executed.last).await;
        Ok(())
    };
    let written = given
        .await
        .map(|()| see_other(&format!("/c/{}/me/notice", coop.log)));
    answer(written, async |problem| {
        notice_page(&app, Lang::of(&headers), &coop, &caller, Some(problem)).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// One session as the list shows it.
#[derive(Debug)]
struct SessionLine {
    token: String,
    started: String,
    expires: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct Sessions {
    c: Chrome,
    sessions: Vec<SessionLine>,
    tokens: Vec<SessionLine>,
}

/// `/c/{coop}/me/sessions`: the person's open sessions, each to end.
pub(super) async fn sessions(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let now = jiff::Timestamp::now();
    let at = |t: jiff::Timestamp| match lang {
        Lang::De => t.strftime("%d.%m.%Y %H:%M UTC").to_string(),
        Lang::En => t.strftime("%-d %B %Y %H:%M UTC").to_string(),
    };
    let member = caller.member().map(|member| Principal::Member { member });
    let (sessions, tokens) = coop.runtime.views().tokens.read(|tokens| {
        let line = |r: &verbund_projections::TokenRecord| SessionLine {
            token: r.token.to_string(),
            started: at(r.issued_at),
            expires: at(r.expires_at),
            current: Some(&r.token) == caller.token.as_ref(),
        };
        let sessions = tokens
            .all()
            .filter(|r| {
                Some(r.principal) == caller.principal
                    && r.purpose == TokenPurpose::Session
                    && r.is_valid_at(now)
            })
            .map(line)
            .collect();
        // The API tokens issued for the member the person acts for (the board or an
        // administrator revokes them).
        let api = tokens
            .all()
            .filter(|r| Some(r.principal) == member && r.is_valid_at(now))
            .map(line)
            .collect();
        (sessions, api)
    });
    Ok(private(render(Sessions {
        c: Chrome::of(
            &app,
            lang,
            &coop,
            &caller,
            &format!("/c/{}/me/sessions", coop.log),
        )
        .await,
        sessions,
        tokens,
    })))
}

/// `POST /c/{coop}/me/sessions/{token}/end`: ends one of the person's sessions.
pub(super) async fn end_session(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, token)): Path<(String, String)>,
    transport: Option<Extension<Transport>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = TokenId::parse(&token)?;
    let theirs = coop.runtime.views().tokens.read(|tokens| {
        tokens.all().any(|r| {
            r.token == token
                && Some(r.principal) == caller.principal
                && r.purpose == TokenPurpose::Session
        })
    });
    if !theirs {
        return Err(ApiError::not_found(
            "session-not-found",
            "there is no such session of yours",
        ));
    }
    let request = write_request(
        &coop,
        &caller,
        &headers,
        "end-session",
        token.as_str().as_bytes(),
    )?;
    let executed = app::revoke_token(&app, &request, token.clone()).await?;
    crate::http::kit::settle_write(&coop, executed.last).await;
    if Some(&token) == caller.token.as_ref() {
        let mut response = see_other(&format!("/c/{}", coop.log));
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), secure(transport)),
        );
        return Ok(response);
    }
    Ok(see_other(&format!("/c/{}/me/sessions", coop.log)))
}

// ---------------------------------------------------------------------------------------------
// Proxy and transfer

/// True if `problem` names `field`.
pub(super) fn refused_at(problem: Option<&Problem>, field: &str) -> bool {
    problem.and_then(|p| p.field.as_deref()) == Some(field)
}

#[derive(Template)]
#[template(path = "proxy.html")]
struct ProxyPage {
    c: Chrome,
    holder: Option<u32>,
    principals: Vec<u32>,
    proxy_typed: String,
    problem: Option<Problem>,
}

/// The proxy page of `member`.
async fn proxy_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    member: MemberNo,
    proxy_typed: String,
    problem: Option<Problem>,
) -> ProxyPage {
    let (holder, principals) = coop.runtime.views().aggregates.read(|a| {
        let proxies = &a.proxies().state;
        (
            proxies.proxy_of(member).map(MemberNo::get),
            proxies
                .principals_of(member)
                .into_iter()
                .map(MemberNo::get)
                .collect(),
        )
    });
    ProxyPage {
        c: Chrome::of(
            app,
            lang,
            coop,
            caller,
            &format!("/c/{}/me/proxy", coop.log),
        )
        .await,
        holder,
        principals,
        proxy_typed,
        problem,
    }
}

/// `/c/{coop}/me/proxy`: who holds the member's vote, for whom they vote, granting and
/// revoking (G43-5).
pub(super) async fn proxy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let page = proxy_page(
        &app,
        Lang::of(&headers),
        &coop,
        &caller,
        member,
        String::new(),
        None,
    );
    Ok(private(render(page.await)))
}

/// The grant as the form sends it.
#[derive(Debug, Deserialize)]
pub(super) struct ProxyForm {
    #[serde(default)]
    proxy: String,
    #[serde(default, deserialize_with = "checkbox")]
    confirm: bool,
}

/// `POST /c/{coop}/me/proxy`: grants the proxy as `POST …/members/{member}/proxy` does, the
/// member's own declaration in text form being its evidence.
pub(super) async fn grant_proxy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let grant: ProxyForm = form(&body)?;
    let lang = Lang::of(&headers);
    let granted = async {
        if !grant.confirm {
            return Err(ApiError::bad_request(
                "confirm-missing",
                "confirm",
                "please confirm the authority",
            ));
        }
        let proxy = grant.proxy.trim().parse::<u32>().map_err(|_| {
            ApiError::bad_request("member-malformed", "proxy", "a member number is 1, 2, 3, …")
        })?;
        let body = gov::GrantProxyBody {
            proxy,
            evidence: format!("{} ({})", lang.messages().proxy_evidence, caller.actor()),
            granted_on: None,
        };
        let command = app::governance::GrantProxy::try_from(Asked::new(&caller, member, &body))?;
        let route = format!("grant_proxy:{member}");
        let executed =
            crate::http::kit::execute(&app, &coop, &caller, &headers, &route, &body, command)
                .await?;
        crate::http::kit::settle_write(&coop, executed.last).await;
        Ok(())
    };
    let written = granted
        .await
        .map(|()| see_other(&format!("/c/{}/me/proxy", coop.log)));
    answer(written, async |problem| {
        Ok(proxy_page(
            &app,
            lang,
            &coop,
            &caller,
            member,
            grant.proxy,
            Some(problem),
        )
        .await)
    })
    .await
}

/// `POST /c/{coop}/me/proxy/revoke`: takes the vote back, as `DELETE …/proxy` does.
pub(super) async fn revoke_proxy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let principal = member_of(&caller)?;
    let executed = gov::take_vote_back(&app, &coop, &caller, &headers, principal).await?;
    crate::http::kit::settle_write(&coop, executed.last).await;
    Ok(see_other(&format!("/c/{}/me/proxy", coop.log)))
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage {
    c: Chrome,
    paid_in: String,
    to: String,
    amount: String,
    done: Option<&'static str>,
    problem: Option<Problem>,
}

impl TransferPage {
    fn error_at(&self, field: &str) -> bool {
        refused_at(self.problem.as_ref(), field)
    }
}

/// The transfer as the form sends it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TransferForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    amount: String,
    #[serde(default, deserialize_with = "checkbox")]
    confirm: bool,
}

/// The transfer page of `member`.
async fn transfer_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    typed: TransferForm,
    done: bool,
    problem: Option<Problem>,
) -> Result<TransferPage, ApiError> {
    let member = member_of(caller)?;
    let c = Chrome::of(
        app,
        lang,
        coop,
        caller,
        &format!("/c/{}/me/transfer", coop.log),
    )
    .await;
    let paid_in = coop
        .runtime
        .views()
        .register
        .read(|r| {
            r.member(member)
                .map(|m| m.membership().paid_in().to_string())
        })
        .unwrap_or_default();
    Ok(TransferPage {
        paid_in: c.money(&paid_in),
        done: done.then_some(c.t.transfer_done),
        c,
        to: typed.to,
        amount: typed.amount,
        problem,
    })
}

/// `/c/{coop}/me/transfer`: transferring paid-in capital to another member (G76).
pub(super) async fn transfer_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(done): Query<Done>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let fresh = TransferForm::default();
    let page = transfer_page(&app, lang, &coop, &caller, fresh, done.done.is_some(), None);
    Ok(private(render(page.await?)))
}

/// Whether a form's write just succeeded (`?done=1` after its redirect).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

/// `POST /c/{coop}/me/transfer`: transfers as `POST …/members/{member}/transfers` does.
pub(super) async fn transfer(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = member_of(&caller)?;
    let typed: TransferForm = form(&body)?;
    let lang = Lang::of(&headers);
    let moved = async {
        let to = typed.to.trim().parse::<u32>().map_err(|_| {
            ApiError::bad_request("member-malformed", "to", "a member number is 1, 2, 3, …")
        })?;
        let amount = amount_field(&typed.amount, "amount")?;
        let body = dto::Transfer {
            to,
            amount,
            agreed_on: None,
            in_text_form: typed.confirm,
        };
        let command =
            app::membership::TransferCapital::try_from(Asked::new(&caller, member, &body))?;
        let route = format!("transfer:{member}");
        let executed =
            crate::http::kit::execute(&app, &coop, &caller, &headers, &route, &body, command)
                .await?;
        crate::http::kit::settle_write(&coop, executed.last).await;
        Ok::<(), ApiError>(())
    };
    let written = moved
        .await
        .map(|()| see_other(&format!("/c/{}/me/transfer?done=1", coop.log)));
    answer(written, async |problem| {
        transfer_page(&app, lang, &coop, &caller, typed, false, Some(problem)).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A balance shows its side, not a sign: debit (`S`, `Dr`), credit (`H`, `Cr`), zero
    /// neither.
    #[test]
    fn a_balance_names_its_side() {
        let de = Chrome::new(Lang::De, None, "/");
        assert_eq!(de.balance("562.00"), "562,00 € S");
        assert_eq!(de.balance("-1200.00"), "1.200,00 € H");
        assert_eq!(de.balance("0.00"), "0,00 €");
        let en = Chrome::new(Lang::En, None, "/");
        assert_eq!(en.balance("-1200.00"), "€1,200.00 Cr");
        assert_eq!(en.balance("562.00"), "€562.00 Dr");
    }

    /// Every rule is explained in both languages: the German explanations hold the same rules
    /// as the English ones, each with a title and a meaning of its own words.
    #[test]
    fn every_rule_is_explained_in_german_and_in_english() {
        let ids = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.strip_prefix("### "))
                .filter_map(|l| l.split(' ').next())
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(ids(REGELN), ids(RULES));
        assert!(ids(RULES).len() > 40);
        for id in ids(RULES) {
            let (title_en, meaning_en) = explanation(RULES, &id).expect("in English");
            let (title_de, meaning_de) = explanation(REGELN, &id).expect("in German");
            assert!(!meaning_en.is_empty() && !meaning_de.is_empty(), "{id}");
            assert_ne!(title_de, title_en, "{id}");
            assert_ne!(meaning_de, meaning_en, "{id}");
        }
        let (title, meaning) = explanation(REGELN, "G76").expect("G76");
        assert_eq!(title, "G76 — Geschäftsguthaben übertragen");
        assert!(meaning[0].contains("Textform"), "{meaning:?}");
        // A citation stays on one line at 360 px.
        let (_, meaning) = explanation(REGELN, "G65").expect("G65");
        assert!(
            meaning[0].contains("(§\u{a0}65 Abs.\u{a0}3)"),
            "{meaning:?}"
        );
        assert!(!meaning[0].contains("§ "), "{meaning:?}");
    }

    /// Every kind of movement of a member's capital reads as words in both languages, never as
    /// the API's code, with the other member of a transfer and a payment's reference.
    #[test]
    fn a_movement_of_the_capital_is_told_in_words() {
        let line = |kind: &str, counterparty, reference: Option<&str>| dto::StatementLine {
            position: 1,
            on: "2026-12-07".into(),
            kind: kind.into(),
            amount: "100.00".into(),
            reference: reference.map(str::to_owned),
            counterparty,
        };
        for lang in [Lang::De, Lang::En] {
            let c = Chrome::new(lang, None, "/");
            for kind in verbund_projections::CapitalMove::KINDS {
                let told = c.movement(&line(kind, None, None));
                assert!(
                    !told.is_empty() && !told.contains(kind),
                    "{lang:?} {kind}: {told}"
                );
            }
        }
        let de = Chrome::new(Lang::De, None, "/");
        assert_eq!(
            de.movement(&line("transfer-out", Some(4), None)),
            "Übertragung an Mitglied 4"
        );
        assert_eq!(
            de.movement(&line("payment", None, Some("Überweisung 17"))),
            "Einzahlung · Überweisung 17"
        );
    }

    /// Each code the German catalog words is one some refusal gives: a code renamed elsewhere
    /// would otherwise leave its German text behind unnoticed.
    #[test]
    fn every_code_with_a_german_text_is_given_by_some_refusal() {
        let catalog = include_str!("pages.rs");
        let start = catalog.find("fn german_problem").expect("the catalog");
        let end = start + catalog[start..].find("_ => return None").expect("its end");
        // Every source of the domain and the application, this file without its catalog.
        let mut sources: String = ["../domain/src", "src"]
            .iter()
            .flat_map(|dir| files(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)))
            .filter(|path| !path.ends_with("web/pages.rs"))
            .map(|path| std::fs::read_to_string(path).expect("a source file"))
            .collect();
        sources.push_str(&catalog[..start]);
        sources.push_str(&catalog[end..]);
        let codes = catalog[start..end]
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        for code in codes {
            assert!(
                sources.contains(&format!("\"{code}\"")),
                "no refusal gives {code:?}"
            );
        }
    }

    fn files(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                found.extend(files(path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
        found
    }

    /// The switch returns to a path of this site, and to the home page for anything else: another
    /// site, a protocol-relative address, a backslash, control characters or spaces.
    #[test]
    fn the_language_switch_returns_only_to_a_path_of_this_site() {
        let back = |text: &str| back_to(Some(text.to_owned()));
        assert_eq!(back("/c/dorfhandwerk-eg/me"), "/c/dorfhandwerk-eg/me");
        for foreign in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/c/x\r\nSet-Cookie: a=b",
            "/c/x y",
            "",
        ] {
            assert_eq!(back(foreign), "/", "{foreign:?}");
        }
        assert_eq!(back_to(None), "/");
    }
}
