//! The minutes of an assembly (G47): what they hold, and the readable document.

use super::*;

/// How a member took part in a resolution (G47: for virtual, hybrid and two-phase
/// assemblies, the members who took part and the way each cast their vote — not how they
/// voted).
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    /// The member.
    pub member: u32,
    /// How the vote was cast: `in-person`, `electronic`, `written`.
    pub channel: String,
    /// The proxy who cast it, if any (G43-5).
    pub by_proxy: Option<u32>,
}

/// A member present or represented, with their number of votes (G47, § 47 (3) GenG).
#[derive(Debug, Serialize, ToSchema)]
pub struct PresentMember {
    /// The member.
    pub member: u32,
    /// How they attended.
    pub presence: PresenceDto,
    /// Who represented them, if represented.
    pub proxy: Option<u32>,
    /// Their votes at the assembly: as granted, capped by the statute and the regime (G43-3).
    pub votes: u8,
}

/// One resolution in the minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resolution {
    /// The motion.
    pub motion: String,
    /// Its title.
    pub title: String,
    /// The kind of motion.
    pub kind: String,
    /// The majority it needed.
    pub majority: Option<String>,
    /// The rule that gave the majority.
    pub majority_rule: Option<String>,
    /// `put`, `open`, `closed` or `counted`.
    pub stage: String,
    /// A secret ballot.
    pub secret: bool,
    /// The kind of vote: `secret ballot`, `sealed ballot` (results hidden until the close)
    /// or `open ballot`.
    pub kind_of_vote: String,
    /// The result, once counted.
    pub result: Option<CountView>,
    /// The chair's declaration of what was resolved, once counted (G47).
    pub declaration: Option<String>,
    /// Who took part and how each cast their vote: for virtual, hybrid and two-phase
    /// assemblies (G47); absent for an assembly in person.
    pub participants: Option<Vec<Participant>>,
}

/// The minutes of an assembly (G47, § 47 GenG): place (the seat, for a virtual one) and date,
/// the form, the chair, the kind and result of each vote with the chair's declaration; for
/// virtual, hybrid and two-phase assemblies who took part in each resolution and how; where
/// the statute admits investing members or grants multiple votes, or an amendment § 47 (3)
/// names was resolved, the members present or represented with their votes; who signs, and
/// the convening it rests on.
#[derive(Debug, Serialize, ToSchema)]
pub struct Minutes {
    /// The cooperative.
    pub cooperative: String,
    /// The assembly.
    pub assembly: AssemblyView,
    /// The place the minutes give: the cooperative's seat for a virtual assembly or a
    /// two-phase one with a virtual discussion, else the assembly's place.
    pub place: String,
    /// Each resolution.
    pub resolutions: Vec<Resolution>,
    /// The members present or represented with their votes, where the law asks the list;
    /// absent otherwise.
    pub attendance_list: Option<Vec<PresentMember>>,
    /// Why the list is attached, if it is.
    pub attendance_list_reason: Option<String>,
    /// Who signs: the chair and at least one board member present (§ 47 (2) GenG).
    pub signatures: Vec<String>,
    /// The proof of convening the minutes rest on (attached as the invitations were sent).
    pub convening: String,
    /// The log position the minutes reflect.
    pub position: u64,
}

/// The query of the minutes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MinutesQuery {
    /// `json` (default) or `text`: a readable document.
    pub format: Option<String>,
}

/// The chair's declaration of a counted resolution (G47).
pub(super) fn declaration(
    chair: u32,
    title: &str,
    majority: Option<&str>,
    c: &CountView,
) -> String {
    let outcome = match c.outcome.as_str() {
        "adopted" => "adopted",
        "rejected" => "rejected",
        "no-quorum" => "not resolved: too few took part",
        _ => "counted without a decision",
    };
    let votes = match (&c.yes, &c.no) {
        (Some(yes), Some(no)) => {
            let unit = c
                .denominator
                .as_deref()
                .filter(|d| *d != "1")
                .map(|d| format!(" (in units of 1/{d})"))
                .unwrap_or_default();
            format!(
                " with {yes} yes against {no} no{unit}, {} abstentions and {} invalid votes not counted",
                c.abstentions.unwrap_or(0),
                c.invalid.unwrap_or(0)
            )
        }
        _ => String::new(),
    };
    let needed = majority
        .map(|m| format!("; it needed a majority of {m} of the votes cast"))
        .unwrap_or_default();
    format!("The chair, member {chair}, declared the motion \"{title}\" {outcome}{votes}{needed}.")
}

/// The minutes as a readable document.
pub(super) fn minutes_text(m: &Minutes) -> String {
    use std::fmt::Write as _;
    let a = &m.assembly;
    let form = |form: AssemblyForm| match form {
        AssemblyForm::InPerson => "in person",
        AssemblyForm::Virtual => "virtual",
        AssemblyForm::Hybrid => "hybrid",
        AssemblyForm::TwoPhase => "in two phases",
    };
    let mut out = String::new();
    let organ = if a.delegates {
        "assembly of delegates"
    } else {
        "general assembly"
    };
    let _ = writeln!(out, "Minutes of the {organ} of {}", m.cooperative);
    let _ = writeln!(out);
    let _ = writeln!(out, "Date: {}", a.held_on);
    let _ = writeln!(out, "Place: {}", m.place);
    match a.discussion {
        Some(discussion) => {
            let _ = writeln!(
                out,
                "Form: {}, the discussion phase {}",
                form(a.form),
                form(discussion)
            );
        }
        None => {
            let _ = writeln!(out, "Form: {}", form(a.form));
        }
    }
    if let Some(participation) = &a.participation {
        let _ = writeln!(out, "Taking part online: {participation}");
    }
    let _ = writeln!(out, "Chair: member {}", a.chair);
    let _ = writeln!(out, "Convening: {}", m.convening);
    if !a.demanded_by.is_empty() {
        let _ = writeln!(out, "Convened on the demand of members {:?}", a.demanded_by);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Agenda");
    for (i, item) in a.agenda.iter().enumerate() {
        let _ = writeln!(out, "  {}. {item}", i + 1);
    }
    for item in &a.added_items {
        let _ = writeln!(
            out,
            "  +  {} (announced {}{})",
            item.title,
            item.announced_on,
            if item.resolvable {
                ""
            } else {
                "; less than a week ahead"
            }
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Resolutions");
    for r in &m.resolutions {
        let _ = writeln!(
            out,
            "  {} ({}, {}, majority {}{})",
            r.title,
            r.kind,
            r.kind_of_vote,
            r.majority.as_deref().unwrap_or("none"),
            r.majority_rule
                .as_deref()
                .map(|rule| format!(" by {rule}"))
                .unwrap_or_default()
        );
        match &r.result {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "    result: {}; electorate {}, took part {}; yes {} no {} (voters {} / {}), abstentions {}, invalid {}",
                    c.outcome,
                    c.electorate,
                    c.participants,
                    c.yes.as_deref().unwrap_or("-"),
                    c.no.as_deref().unwrap_or("-"),
                    c.yes_voters.unwrap_or(0),
                    c.no_voters.unwrap_or(0),
                    c.abstentions.unwrap_or(0),
                    c.invalid.unwrap_or(0)
                );
                if let Some(d) = &c.denominator
                    && d != "1"
                {
                    let _ = writeln!(out, "    weights in units of 1/{d}");
                }
                if !c.survey.is_empty() {
                    let _ = writeln!(out, "    answers per option: {:?}", c.survey);
                }
            }
            None => {
                let _ = writeln!(out, "    not yet counted ({})", r.stage);
            }
        }
        if let Some(declaration) = &r.declaration {
            let _ = writeln!(out, "    declaration: {declaration}");
        }
        if let Some(participants) = &r.participants {
            let _ = writeln!(out, "    took part ({}):", participants.len());
            for p in participants {
                let proxy = p
                    .by_proxy
                    .map(|x| format!(", by proxy member {x}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "      member {}: {}{proxy}", p.member, p.channel);
            }
        }
    }
    if let (Some(list), Some(reason)) = (&m.attendance_list, &m.attendance_list_reason) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Members present or represented, with their votes ({reason})"
        );
        for p in list {
            let how = match (p.presence, p.proxy) {
                (PresenceDto::Represented, Some(proxy)) => format!("represented by member {proxy}"),
                (PresenceDto::Electronic, _) => "online".to_owned(),
                _ => "in person".to_owned(),
            };
            let _ = writeln!(out, "  member {}: {how}, {} vote(s)", p.member, p.votes);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Signed");
    for who in &m.signatures {
        let _ = writeln!(out, "  ______________________  {who}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Generated from the log at position {}.", m.position);
    out
}
