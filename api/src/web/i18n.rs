//! Every text a person reads on the pages, in German (the default) and in English: one
//! catalog per language, checked by the compiler to hold every message. The words are those
//! members know from their statute and the law (Geschäftsanteil, Geschäftsguthaben,
//! Generalversammlung, Vollmacht, Kündigung, Stichtag).

use axum::http::HeaderMap;

/// A language of the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// German, the default.
    De,
    /// English.
    En,
}

impl Lang {
    /// The language's tag, as in `lang="de"`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// Parses a tag's primary language.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for: the switch on the page (a cookie), else the first of
    /// `Accept-Language` we have, by its weight, else German.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) = super::cookie(headers, super::LANG_COOKIE).and_then(Lang::parse) {
            return lang;
        }
        let Some(accept) = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::De;
        };
        let mut best: Option<(u16, Lang)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::De, |(_, lang)| lang)
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// The catalog.
    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }
}

/// The catalog of one language.
#[derive(Debug)]
pub struct Messages {
    pub lang_name: &'static str,
    pub switch_to: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_join: &'static str,
    pub nav_mine: &'static str,
    pub nav_assemblies: &'static str,
    pub nav_sessions: &'static str,
    pub sign_out: &'static str,
    pub signed_in_for: &'static str,
    pub footer: &'static str,
    pub scroll_table: &'static str,
    // Landing
    pub members_now: &'static str,
    pub founded_on: &'static str,
    pub seat: &'static str,
    pub object: &'static str,
    pub firms_title: &'static str,
    pub firms_intro: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub trade_label: &'static str,
    pub all_trades: &'static str,
    pub search_button: &'static str,
    pub firm_name: &'static str,
    pub firm_trade: &'static str,
    pub firm_region: &'static str,
    pub no_firms: &'static str,
    pub join_title: &'static str,
    pub join_intro: &'static str,
    pub join_button: &'static str,
    pub coops_title: &'static str,
    // Application
    pub apply_title: &'static str,
    pub apply_intro: &'static str,
    pub statute_title: &'static str,
    pub statute_summary: &'static str,
    pub share_amount: &'static str,
    pub paid_in_minimum: &'static str,
    pub notice_period: &'static str,
    pub months: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub address_label: &'static str,
    pub address_hint: &'static str,
    pub kind_legend: &'static str,
    pub kind_person: &'static str,
    pub kind_firm: &'static str,
    pub kind_investing: &'static str,
    pub trade_field: &'static str,
    pub region_field: &'static str,
    pub employees_field: &'static str,
    pub firm_fields_hint: &'static str,
    pub shares_label: &'static str,
    pub shares_hint: &'static str,
    pub usage_label: &'static str,
    pub usage_hint: &'static str,
    pub listed_label: &'static str,
    pub acks_legend: &'static str,
    pub ack_pays: &'static str,
    pub ack_additional: &'static str,
    pub ack_notice: &'static str,
    pub text_form_note: &'static str,
    pub apply_button: &'static str,
    pub applied_title: &'static str,
    pub applied_text: &'static str,
    pub applied_reference: &'static str,
    pub errors_title: &'static str,
    pub rule_link: &'static str,
    // Sign-in
    pub sign_in_title: &'static str,
    pub sign_in_text: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_needed_title: &'static str,
    pub sign_in_needed_text: &'static str,
    pub choose_member: &'static str,
    pub switch_member: &'static str,
    // Overview
    pub overview_title: &'static str,
    pub member_no: &'static str,
    pub shares: &'static str,
    pub subscribed: &'static str,
    pub paid_in: &'static str,
    pub outstanding: &'static str,
    pub arrears: &'static str,
    pub dues_title: &'static str,
    pub due_on: &'static str,
    pub amount: &'static str,
    pub movements_title: &'static str,
    pub day: &'static str,
    pub what: &'static str,
    pub exit_on: &'static str,
    pub statement_as_of: &'static str,
    pub print: &'static str,
    pub no_movements: &'static str,
    pub capacity_themself: &'static str,
    pub capacity_managing_director: &'static str,
    pub capacity_authorised_signatory: &'static str,
    pub capacity_attorney: &'static str,
    // Assemblies and voting
    pub assemblies_title: &'static str,
    pub no_assemblies: &'static str,
    pub held_on: &'static str,
    pub place: &'static str,
    pub agenda: &'static str,
    pub motions: &'static str,
    pub stage_put: &'static str,
    pub stage_open: &'static str,
    pub stage_closed: &'static str,
    pub stage_counted: &'static str,
    pub to_ballot: &'static str,
    pub majority_needed: &'static str,
    pub majority_simple: &'static str,
    pub why: &'static str,
    pub your_choice: &'static str,
    pub choice_yes: &'static str,
    pub choice_no: &'static str,
    pub choice_abstain: &'static str,
    pub vote_for: &'static str,
    pub vote_own: &'static str,
    pub vote_as_proxy: &'static str,
    pub cast_button: &'static str,
    pub changeable: &'static str,
    pub not_changeable: &'static str,
    pub secret_ballot: &'static str,
    pub ballot_not_open: &'static str,
    pub receipt_title: &'static str,
    pub receipt_text: &'static str,
    pub receipt_position: &'static str,
    pub receipt_hash: &'static str,
    pub receipt_previous: &'static str,
    pub receipt_recorded_at: &'static str,
    pub back_to_ballot: &'static str,
    // Notice
    pub notice_title: &'static str,
    pub notice_intro: &'static str,
    pub notice_exit_on: &'static str,
    pub notice_confirm: &'static str,
    pub notice_button: &'static str,
    pub notice_done: &'static str,
    pub notice_given: &'static str,
    // Sessions
    pub sessions_title: &'static str,
    pub session_current: &'static str,
    pub session_started: &'static str,
    pub session_expires: &'static str,
    pub session_end: &'static str,
    // Errors
    pub error_title: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub not_found_title: &'static str,
    pub back_home: &'static str,
}

/// German, the default.
pub static DE: Messages = Messages {
    lang_name: "Deutsch",
    switch_to: "English",
    skip_to_content: "Zum Inhalt springen",
    nav_label: "Hauptnavigation",
    nav_home: "Start",
    nav_join: "Mitglied werden",
    nav_mine: "Meine Mitgliedschaft",
    nav_assemblies: "Generalversammlungen",
    nav_sessions: "Meine Anmeldungen",
    sign_out: "Abmelden",
    signed_in_for: "Angemeldet für",
    scroll_table: "Tabelle, seitlich verschiebbar",
    footer: "Jede Entscheidung dieser Genossenschaft steht unveränderlich in einem hash-verketteten Protokoll.",
    members_now: "Mitglieder heute",
    founded_on: "Gegründet am",
    seat: "Sitz",
    object: "Gegenstand des Unternehmens",
    firms_title: "Unsere Mitgliedsbetriebe",
    firms_intro: "Finden Sie Betriebe aus der Region – als Kundin oder Kunde, oder wenn Sie Arbeit suchen.",
    search_label: "Suche",
    search_hint: "Name, Gewerk oder Ort",
    trade_label: "Gewerk",
    all_trades: "Alle Gewerke",
    search_button: "Suchen",
    firm_name: "Betrieb",
    firm_trade: "Gewerk",
    firm_region: "Region",
    no_firms: "Kein Betrieb passt zu dieser Suche.",
    join_title: "Mitglied werden",
    join_intro: "Die Beitrittserklärung geben Sie hier in Textform ab. Über die Aufnahme entscheidet der Vorstand.",
    join_button: "Beitrittserklärung ausfüllen",
    coops_title: "Genossenschaften",
    apply_title: "Beitrittserklärung",
    apply_intro: "Bitte lesen Sie die Satzung. Mit dem Absenden erklären Sie in Textform, der Genossenschaft beizutreten (§ 15 GenG).",
    statute_title: "Die Satzung",
    statute_summary: "Satzung lesen",
    share_amount: "Ein Geschäftsanteil",
    paid_in_minimum: "davon sofort einzuzahlen",
    notice_period: "Kündigungsfrist",
    months: "Monate zum Schluss des Geschäftsjahres",
    name_label: "Name oder Firma",
    name_hint: "So, wie er in die Mitgliederliste eingetragen werden soll.",
    address_label: "Anschrift",
    address_hint: "Straße, Hausnummer, Postleitzahl, Ort",
    kind_legend: "Sie treten bei als",
    kind_person: "Privatperson",
    kind_firm: "Betrieb (Unternehmen)",
    kind_investing: "investierendes Mitglied (nutzt die Einrichtungen nicht)",
    trade_field: "Gewerk",
    region_field: "Region",
    employees_field: "Beschäftigte",
    firm_fields_hint: "Nur für Betriebe.",
    shares_label: "Geschäftsanteile",
    shares_hint: "Wie viele Geschäftsanteile Sie übernehmen.",
    usage_label: "Erwartete Nutzung im Jahr (Euro)",
    usage_hint: "Nur wenn die Satzung die Pflichtbeteiligung nach der Nutzung bemisst.",
    listed_label: "Meinen Betrieb mit Name, Gewerk und Region öffentlich auf dieser Seite zeigen",
    acks_legend: "Was Sie mit dem Beitritt übernehmen (§ 15a GenG)",
    ack_pays: "Ich verpflichte mich, die nach Gesetz und Satzung geschuldeten Einzahlungen auf die Geschäftsanteile zu leisten.",
    ack_additional: "Ich verpflichte mich, die nach der Satzung im Insolvenzfall zu leistenden Nachschüsse zu tragen.",
    ack_notice: "Mir ist bekannt, dass die Kündigungsfrist nach der Satzung mehr als ein Jahr beträgt.",
    text_form_note: "Ihre Erklärung wird mit Datum im Protokoll der Genossenschaft festgehalten.",
    apply_button: "Beitritt erklären",
    applied_title: "Ihre Beitrittserklärung ist eingegangen",
    applied_text: "Der Vorstand entscheidet über Ihre Aufnahme und meldet sich bei Ihnen.",
    applied_reference: "Ihr Zeichen",
    errors_title: "Bitte prüfen Sie Ihre Angaben",
    rule_link: "Warum?",
    sign_in_title: "Anmelden",
    sign_in_text: "Mit diesem Link melden Sie sich einmal an. Er gilt danach nicht mehr.",
    sign_in_button: "Jetzt anmelden",
    sign_in_needed_title: "Bitte melden Sie sich an",
    sign_in_needed_text: "Diese Seite ist für Mitglieder. Den Anmeldelink erhalten Sie vom Vorstand.",
    choose_member: "Für wen handeln Sie?",
    switch_member: "Wechseln",
    overview_title: "Meine Mitgliedschaft",
    member_no: "Mitgliedsnummer",
    shares: "Geschäftsanteile",
    subscribed: "Übernommen (Haftsumme der Anteile)",
    paid_in: "Geschäftsguthaben (eingezahlt)",
    outstanding: "Noch einzuzahlen",
    arrears: "Davon fällig und offen",
    dues_title: "Fällige Mindesteinzahlungen",
    due_on: "Fällig am",
    amount: "Betrag",
    movements_title: "Bewegungen des Geschäftsguthabens",
    day: "Tag",
    what: "Vorgang",
    exit_on: "Ausscheiden zum",
    statement_as_of: "Stand",
    print: "Drucken",
    no_movements: "Noch keine Bewegungen.",
    capacity_themself: "selbst",
    capacity_managing_director: "als Geschäftsführung",
    capacity_authorised_signatory: "als Prokurist/in",
    capacity_attorney: "als Bevollmächtigte/r",
    assemblies_title: "Generalversammlungen",
    no_assemblies: "Es ist keine Generalversammlung einberufen.",
    held_on: "Am",
    place: "Ort",
    agenda: "Tagesordnung",
    motions: "Anträge",
    stage_put: "gestellt",
    stage_open: "Abstimmung offen",
    stage_closed: "Abstimmung geschlossen",
    stage_counted: "ausgezählt",
    to_ballot: "Zur Abstimmung",
    majority_needed: "Erforderliche Mehrheit",
    majority_simple: "einfache Mehrheit der abgegebenen Stimmen",
    why: "Warum",
    your_choice: "Ihre Stimme",
    choice_yes: "Ja",
    choice_no: "Nein",
    choice_abstain: "Enthaltung",
    vote_for: "Stimme für",
    vote_own: "mich selbst",
    vote_as_proxy: "als Vertreter/in von Mitglied",
    cast_button: "Stimme abgeben",
    changeable: "Sie können Ihre Stimme bis zum Schluss der Abstimmung ändern.",
    not_changeable: "Ihre Stimme kann nach der Abgabe nicht geändert werden.",
    secret_ballot: "Geheime Abstimmung: wie Sie stimmen, sieht niemand.",
    ballot_not_open: "Die Abstimmung ist nicht offen.",
    receipt_title: "Ihre Stimme ist gezählt",
    receipt_text: "Ihre Stimme steht unveränderlich im Protokoll. Mit diesen Angaben können Sie und jede Prüferin es nachprüfen.",
    receipt_position: "Position im Protokoll",
    receipt_hash: "Prüfsumme (Hash)",
    receipt_previous: "verkettet mit",
    receipt_recorded_at: "Festgehalten am",
    back_to_ballot: "Zurück zur Abstimmung",
    notice_title: "Kündigung der Mitgliedschaft",
    notice_intro: "Sie können Ihre Mitgliedschaft kündigen (§ 65 GenG). Sie scheiden zum Schluss des Geschäftsjahres nach Ablauf der Kündigungsfrist aus.",
    notice_exit_on: "Bei Kündigung heute scheiden Sie aus zum",
    notice_confirm: "Ich kündige meine Mitgliedschaft zu diesem Tag.",
    notice_button: "Kündigung erklären",
    notice_done: "Ihre Kündigung ist festgehalten.",
    notice_given: "Sie haben gekündigt. Sie scheiden aus zum",
    sessions_title: "Meine Anmeldungen",
    session_current: "diese Anmeldung",
    session_started: "Angemeldet seit",
    session_expires: "Gültig bis",
    session_end: "Beenden",
    error_title: "Das hat nicht geklappt",
    forbidden_title: "Kein Zugriff",
    forbidden_text: "Diese Seite ist für Ihre Rolle nicht freigegeben.",
    not_found_title: "Nicht gefunden",
    back_home: "Zur Startseite",
};

/// English.
pub static EN: Messages = Messages {
    lang_name: "English",
    switch_to: "Deutsch",
    skip_to_content: "Skip to content",
    nav_label: "Main navigation",
    nav_home: "Home",
    nav_join: "Become a member",
    nav_mine: "My membership",
    nav_assemblies: "General assemblies",
    nav_sessions: "My sign-ins",
    sign_out: "Sign out",
    signed_in_for: "Signed in for",
    scroll_table: "Table, scrolls sideways",
    footer: "Every decision of this cooperative stands unchangeable in a hash-chained log.",
    members_now: "Members today",
    founded_on: "Founded on",
    seat: "Seat",
    object: "Object of the enterprise",
    firms_title: "Our member firms",
    firms_intro: "Find firms of the region — as a customer, or when you look for work.",
    search_label: "Search",
    search_hint: "Name, trade or place",
    trade_label: "Trade",
    all_trades: "All trades",
    search_button: "Search",
    firm_name: "Firm",
    firm_trade: "Trade",
    firm_region: "Region",
    no_firms: "No firm matches this search.",
    join_title: "Become a member",
    join_intro: "You make the declaration of membership here, in text form. The board decides on the admission.",
    join_button: "Fill in the declaration",
    coops_title: "Cooperatives",
    apply_title: "Declaration of membership",
    apply_intro: "Please read the statute. By sending this form you declare in text form that you join the cooperative (§ 15 GenG).",
    statute_title: "The statute",
    statute_summary: "Read the statute",
    share_amount: "One share",
    paid_in_minimum: "of which to pay in at once",
    notice_period: "Notice period",
    months: "months to the end of the business year",
    name_label: "Name or firm",
    name_hint: "As it is to be entered in the member list.",
    address_label: "Address",
    address_hint: "Street, number, postcode, town",
    kind_legend: "You join as",
    kind_person: "a private person",
    kind_firm: "a firm (business)",
    kind_investing: "an investing member (not using the facilities)",
    trade_field: "Trade",
    region_field: "Region",
    employees_field: "Employees",
    firm_fields_hint: "Firms only.",
    shares_label: "Shares",
    shares_hint: "How many shares you subscribe.",
    usage_label: "Expected yearly use (euros)",
    usage_hint: "Only where the statute scales the mandatory holding by use.",
    listed_label: "Show my firm with name, trade and region publicly on this page",
    acks_legend: "What you take on by joining (§ 15a GenG)",
    ack_pays: "I undertake to make the payments on my shares that the law and the statute require.",
    ack_additional: "I undertake to make the additional contributions the statute requires in an insolvency.",
    ack_notice: "I know that the statute's notice period is longer than one year.",
    text_form_note: "Your declaration is recorded with its date in the cooperative's log.",
    apply_button: "Declare membership",
    applied_title: "Your declaration has arrived",
    applied_text: "The board decides on your admission and will contact you.",
    applied_reference: "Your reference",
    errors_title: "Please check your entries",
    rule_link: "Why?",
    sign_in_title: "Sign in",
    sign_in_text: "This link signs you in once. It does not work again afterwards.",
    sign_in_button: "Sign in now",
    sign_in_needed_title: "Please sign in",
    sign_in_needed_text: "This page is for members. The board gives you your sign-in link.",
    choose_member: "For whom do you act?",
    switch_member: "Switch",
    overview_title: "My membership",
    member_no: "Member number",
    shares: "Shares",
    subscribed: "Subscribed",
    paid_in: "Paid-in capital",
    outstanding: "Still to pay in",
    arrears: "Of which due and open",
    dues_title: "Minimum payments due",
    due_on: "Due on",
    amount: "Amount",
    movements_title: "Movements of the paid-in capital",
    day: "Day",
    what: "What",
    exit_on: "Leaving on",
    statement_as_of: "As of",
    print: "Print",
    no_movements: "No movements yet.",
    capacity_themself: "in person",
    capacity_managing_director: "as managing director",
    capacity_authorised_signatory: "as authorised signatory",
    capacity_attorney: "as attorney",
    assemblies_title: "General assemblies",
    no_assemblies: "No general assembly is convened.",
    held_on: "On",
    place: "Place",
    agenda: "Agenda",
    motions: "Motions",
    stage_put: "put",
    stage_open: "ballot open",
    stage_closed: "ballot closed",
    stage_counted: "counted",
    to_ballot: "To the ballot",
    majority_needed: "Majority needed",
    majority_simple: "simple majority of the votes cast",
    why: "Why",
    your_choice: "Your vote",
    choice_yes: "Yes",
    choice_no: "No",
    choice_abstain: "Abstain",
    vote_for: "Vote for",
    vote_own: "myself",
    vote_as_proxy: "as proxy of member",
    cast_button: "Cast vote",
    changeable: "You may change your vote until the ballot closes.",
    not_changeable: "Your vote cannot be changed once cast.",
    secret_ballot: "Secret ballot: nobody sees how you vote.",
    ballot_not_open: "The ballot is not open.",
    receipt_title: "Your vote is counted",
    receipt_text: "Your vote stands unchangeable in the log. With these figures you, and any auditor, can check it.",
    receipt_position: "Position in the log",
    receipt_hash: "Hash",
    receipt_previous: "chained to",
    receipt_recorded_at: "Recorded at",
    back_to_ballot: "Back to the ballot",
    notice_title: "Giving notice",
    notice_intro: "You may give notice of your membership (§ 65 GenG). You leave at the end of the business year after the notice period.",
    notice_exit_on: "Giving notice today, you leave on",
    notice_confirm: "I give notice of my membership to this day.",
    notice_button: "Give notice",
    notice_done: "Your notice is recorded.",
    notice_given: "You gave notice. You leave on",
    sessions_title: "My sign-ins",
    session_current: "this sign-in",
    session_started: "Signed in since",
    session_expires: "Valid until",
    session_end: "End",
    error_title: "That did not work",
    forbidden_title: "No access",
    forbidden_text: "This page is not open to your role.",
    not_found_title: "Not found",
    back_home: "To the home page",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn asking(accept: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(accept).expect("valid"),
        );
        Lang::of(&headers)
    }

    #[test]
    fn the_language_follows_accept_language_by_weight_and_defaults_to_german() {
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::De);
        assert_eq!(asking("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(asking("de-DE"), Lang::De);
        assert_eq!(asking("fr-FR, en;q=0.5, de;q=0.8"), Lang::De);
        assert_eq!(asking("fr-FR"), Lang::De);
        assert_eq!(asking("*"), Lang::De);
    }
}
