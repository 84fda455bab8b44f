//! The commands of the application, each a thin shell around a domain decision.

use jiff::Timestamp;
use serde::Deserialize;
use verbund_domain::books::{AccountRef, Line};
use verbund_domain::moving_in::{MoveIn, OpenNotice, OpeningMember};
use verbund_domain::{
    Change, DomainError, Event, FoundCooperative, Founder, IssueToken, Member, MemberKind,
    MemberNo, Money, Officer, Person, PersonalRef, Principal, RecordId, Statute, Stream, TokenId,
    TokenPurpose,
};
use verbund_ledger::{LedgerError, LogId, PersonalRecord, Position};

use crate::app::App;
use crate::app::execute::{Command, ExecError, Executed, Reads, Request, State, execute};
use crate::app::tokens::{IssuedToken, TokenSecret, random_hex};

/// The founders and first officers of a cooperative, as a TOML file beside its statute:
///
/// ```toml
/// founded_on = "2026-11-24"
/// board = [{ member = 1, serving = "Josef Huber" }, 4]
/// supervisory_board = [2, 3, 5]
/// treasurer = 4
///
/// [[founders]]
/// name = "Schreinerei Huber GmbH"
/// address = "Hauptstraße 3, 12345 Musterdorf"
/// kind = { type = "firm", trade = "Schreinerei", region = "Musterdorf", employees = 6 }
/// shares = 2
/// listed = true
/// ```
///
/// Founders become members 1, 2, 3, … in the order of the file; officers are named by that
/// number, a firm with the natural person who serves for it (G9-24).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundingFile {
    /// The day of the founding assembly.
    pub founded_on: jiff::civil::Date,
    /// The founders.
    pub founders: Vec<FounderEntry>,
    /// The first board.
    pub board: Vec<OfficerEntry>,
    /// The first supervisory board.
    #[serde(default)]
    pub supervisory_board: Vec<OfficerEntry>,
    /// The treasurer.
    #[serde(default)]
    pub treasurer: Option<OfficerEntry>,
}

/// An officer in the founding file: a member number (a natural person serves themself), or a
/// table with the member and the person who serves for a firm.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum OfficerEntry {
    /// A member who is a natural person.
    Member(MemberNo),
    /// A member firm and the natural person who serves for it.
    Serving {
        /// The member.
        member: MemberNo,
        /// The person's name.
        serving: String,
    },
}

/// One founder in the founding file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FounderEntry {
    /// Name or firm.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// Consent to the public listing (name, trade, region).
    #[serde(default)]
    pub listed: bool,
}

/// Seals a person's data into a personal-data record with a fresh id and salt, and the
/// reference the events carry.
pub fn seal(person: &Person) -> Result<(PersonalRecord, PersonalRef), ExecError> {
    seal_json(person)
}

/// Seals data that stays beside the log (a person, a sealed vote, a statement) into a record
/// with a fresh id and salt, as JSON, and the reference — record id and commitment — the
/// events carry.
pub fn seal_json(
    value: &impl serde::Serialize,
) -> Result<(PersonalRecord, PersonalRef), ExecError> {
    let data = serde_json::to_string(value).expect("plain data serializes");
    seal_text(random_hex(16), data)
}

/// Seals `data` into the record `id` (32 random hex digits) with a fresh salt, and the
/// reference the events carry.
pub fn seal_text(id: String, data: String) -> Result<(PersonalRecord, PersonalRef), ExecError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).expect("the operating system's random generator works");
    let record = PersonalRecord::new(&id, data, salt)?;
    let reference = PersonalRef {
        record: RecordId::parse(record.id()).expect("32 hex digits are a record id"),
        commitment: record.commitment(),
    };
    Ok((record, reference))
}

/// Seals the name of the natural person who serves in office for a member firm (G9-24), if
/// one is given; `field` names it in a refusal.
pub fn seal_serving(
    name: Option<&str>,
    field: &str,
) -> Result<Option<(PersonalRecord, PersonalRef)>, ExecError> {
    name.map(|name| {
        let person = Person::named(name).map_err(|e| e.within(field))?;
        seal(&person)
    })
    .transpose()
}

impl FoundingFile {
    /// Parses the file.
    pub fn parse_toml(text: &str) -> Result<Self, DomainError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let message = match line {
                Some(line) => format!("founding file line {line}: {}", e.message()),
                None => format!("founding file: {}", e.message()),
            };
            DomainError::invalid("founding-malformed", "founding", message)
        })
    }
}

struct Found(FoundCooperative, Vec<PersonalRecord>);

impl Command for Found {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.coop()?.found(self.0.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.1.clone()
    }
}

/// The officers of a founding or opening file, the names of those serving for firms sealed
/// into `records`.
fn seal_officers(
    entries: Vec<OfficerEntry>,
    field: &str,
    records: &mut Vec<PersonalRecord>,
) -> Result<Vec<Officer>, ExecError> {
    entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| match entry {
            OfficerEntry::Member(member) => Ok(Officer::from(member)),
            OfficerEntry::Serving { member, serving } => {
                let field = format!("{field}[{index}].serving");
                let (record, reference) =
                    seal_serving(Some(&serving), &field)?.expect("a name was given");
                records.push(record);
                Ok(Officer {
                    member,
                    serving: Some(reference),
                })
            }
        })
        .collect()
}

/// Founds a cooperative: creates its log (if new) and records the founding.
pub async fn found_cooperative(
    app: &App,
    request: &Request,
    statute_text: &str,
    founding: FoundingFile,
) -> Result<Executed, ExecError> {
    let statute = Statute::parse_toml(statute_text)?;
    match app.ledger().create_log(&request.coop).await {
        Ok(()) | Err(LedgerError::LogExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut records = Vec::with_capacity(founding.founders.len());
    let mut founders = Vec::with_capacity(founding.founders.len());
    for (index, entry) in founding.founders.into_iter().enumerate() {
        let person = Person::parse(&entry.name, &entry.address)
            .map_err(|e| e.within(&format!("founders[{index}]")))?;
        let (record, reference) = seal(&person)?;
        records.push(record);
        founders.push(Founder {
            person: reference,
            kind: entry.kind,
            shares: entry.shares,
            listed: entry.listed,
        });
    }
    let board = seal_officers(founding.board, "board", &mut records)?;
    let supervisory_board = seal_officers(
        founding.supervisory_board,
        "supervisory_board",
        &mut records,
    )?;
    let treasurer = seal_officers(
        founding.treasurer.into_iter().collect(),
        "treasurer",
        &mut records,
    )?
    .into_iter()
    .next();
    let command = Found(
        FoundCooperative {
            statute,
            statute_text: statute_text.to_owned(),
            founded_on: founding.founded_on,
            founders,
            board,
            supervisory_board,
            treasurer,
        },
        records,
    );
    execute(app, request, &command).await
}

/// Issue a token; `acts_for` is, for a person, a member the register says they act for
/// (their member's stream decides it).
struct Issue(IssueToken, Option<MemberNo>);

impl Issue {
    /// The member the token is for, or its person acts for, if any.
    fn member(&self) -> Option<MemberNo> {
        match self.0.principal {
            Principal::Member { member } => Some(member),
            Principal::Person { .. } => self.1,
            _ => None,
        }
    }
}

impl Command for Issue {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Token(self.0.token.clone())])
            .and_all(self.member().map(Stream::Member))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = match self.member() {
            Some(member) => state.member(member)?,
            None => &Member::default(),
        };
        Ok(state
            .token(&self.0.token)?
            .issue(state.coop()?, member, self.0.clone())?)
    }
}

/// Issues a token for `principal`, valid until `expires_at`. The secret is in the answer and
/// nowhere else.
pub async fn issue_token(
    app: &App,
    request: &Request,
    principal: Principal,
    purpose: TokenPurpose,
    expires_at: Timestamp,
) -> Result<IssuedToken, ExecError> {
    let secret = TokenSecret::generate();
    let token = TokenId::parse(&random_hex(8)).expect("16 hex digits are a token id");
    let acts_for = person_member(app, request, principal).await?;
    let command = Issue(
        IssueToken {
            token: token.clone(),
            principal,
            digest: secret.digest(),
            expires_at,
            purpose,
            now: Timestamp::now(),
        },
        acts_for,
    );
    let executed = execute(app, request, &command).await?;
    if !executed.replayed {
        return Ok(IssuedToken {
            token,
            secret: Some(secret),
            principal,
            expires_at,
            position: executed.first,
        });
    }
    // A repeated request: report the token the first one issued, without its secret, which
    // was shown once and never stored.
    match first_event(app, &request.coop, executed.first).await? {
        Event::TokenIssued(issued) => Ok(IssuedToken {
            token: issued.token,
            secret: None,
            principal: issued.principal,
            expires_at: issued.expires_at,
            position: executed.first,
        }),
        _ => Err(ExecError::KeyReused),
    }
}

/// For a person, a member the register says they act for (whose stream then decides it).
async fn person_member(
    app: &App,
    request: &Request,
    principal: Principal,
) -> Result<Option<MemberNo>, ExecError> {
    let Principal::Person { person } = principal else {
        return Ok(None);
    };
    // Once the projections hold every write this process knows of (a representative
    // authorized a moment ago).
    let runtime = crate::app::caught_up(app, &request.coop).await?;
    Ok(runtime
        .views()
        .register
        .read(|register| register.acting_for(person).first().map(|(m, _)| *m)))
}

/// Start a session with a sign-in link.
struct StartSession {
    link: TokenId,
    issue: Issue,
}

impl Command for StartSession {
    fn reads(&self) -> Reads {
        self.issue.reads().and(Stream::Token(self.link.clone()))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = match self.issue.member() {
            Some(member) => state.member(member)?,
            None => &Member::default(),
        };
        Ok(state.token(&self.link)?.start_session(
            self.link.clone(),
            state.token(&self.issue.0.token)?,
            state.coop()?,
            member,
            self.issue.0.clone(),
        )?)
    }
}

/// Starts a session of `principal` (a person, an auditor or a regulator) with their sign-in
/// link `link`, used up by it; the session's secret is in the answer and nowhere else.
pub async fn start_session(
    app: &App,
    request: &Request,
    link: TokenId,
    principal: Principal,
) -> Result<IssuedToken, ExecError> {
    let secret = TokenSecret::generate();
    let token = TokenId::parse(&random_hex(8)).expect("16 hex digits are a token id");
    let now = Timestamp::now();
    let expires_at = now + verbund_domain::SESSION_LIFETIME;
    let command = StartSession {
        link,
        issue: Issue(
            IssueToken {
                token: token.clone(),
                principal,
                digest: secret.digest(),
                expires_at,
                purpose: TokenPurpose::Session,
                now,
            },
            person_member(app, request, principal).await?,
        ),
    };
    let executed = execute(app, request, &command).await?;
    Ok(IssuedToken {
        token,
        secret: Some(secret),
        principal,
        expires_at,
        position: executed.last,
    })
}

/// The event at `position`: what a command wrote, e.g. to answer a repeated request with what
/// the first one decided.
pub async fn first_event(app: &App, log: &LogId, position: Position) -> Result<Event, ExecError> {
    let recorded = app.ledger().read_log(log, position, 1).await?;
    let first = recorded.first().ok_or_else(|| {
        LedgerError::Corrupt(format!("position {position} of a command is missing"))
    })?;
    Ok(Event::decode(
        first.event_type.as_str(),
        first.schema_version,
        first.payload.as_str(),
    )?)
}

struct Revoke(TokenId);

impl Command for Revoke {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Token(self.0.clone())])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.token(&self.0)?.revoke(self.0.clone())?)
    }
}

/// Revokes a token.
pub async fn revoke_token(
    app: &App,
    request: &Request,
    token: TokenId,
) -> Result<Executed, ExecError> {
    execute(app, request, &Revoke(token)).await
}

/// The log of a cooperative id as given by a user.
pub fn parse_coop(text: &str) -> Result<LogId, DomainError> {
    LogId::parse(text).map_err(|e| DomainError::invalid("coop-id-malformed", "coop", e.to_string()))
}

/// The opening state of a cooperative that moves in (D1), as a treasurer fills it: this file
/// (TOML) and the member list beside it (CSV, [`OpeningMemberRow`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningFile {
    /// The day the cooperative was founded.
    pub founded_on: jiff::civil::Date,
    /// The day its history in Verbund begins.
    pub go_live_on: jiff::civil::Date,
    /// The board in office.
    pub board: Vec<OfficerEntry>,
    /// The supervisory board in office.
    #[serde(default)]
    pub supervisory_board: Vec<OfficerEntry>,
    /// The treasurer.
    #[serde(default)]
    pub treasurer: Option<OfficerEntry>,
    /// The balance of each account on the go-live day, debit positive, credit negative
    /// (`"1200" = "48210.55"`, `"2000" = "-24500.00"`). The members' capital may be given as
    /// a total: the member list splits it.
    pub balances: std::collections::BTreeMap<String, Money>,
}

impl OpeningFile {
    /// Parses the file.
    pub fn parse_toml(text: &str) -> Result<Self, DomainError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let message = match line {
                Some(line) => format!("opening file line {line}: {}", e.message()),
                None => format!("opening file: {}", e.message()),
            };
            DomainError::invalid("opening-malformed", "opening", message)
        })
    }
}

/// One row of the member list of a cooperative moving in: its columns, by name.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningMemberRow {
    /// The member's number in the list kept so far.
    pub member: MemberNo,
    /// Name or firm.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// `firm`, `natural-person` or `investing`.
    pub kind: String,
    /// A firm's trade.
    #[serde(default)]
    pub trade: String,
    /// A firm's region.
    #[serde(default)]
    pub region: String,
    /// A firm's employees.
    #[serde(default)]
    pub employees: Option<u32>,
    /// The day of the admission.
    pub admitted_on: jiff::civil::Date,
    /// Shares held.
    pub shares: u32,
    /// Paid-in capital.
    pub paid_in: Money,
    /// `yes` to be listed publicly.
    #[serde(default)]
    pub listed: String,
    /// The day an open notice was received.
    #[serde(default)]
    pub notice_received_on: Option<jiff::civil::Date>,
    /// The last day of the membership it ends.
    #[serde(default)]
    pub exit_on: Option<jiff::civil::Date>,
}

/// Reads the member list (CSV with a header row), each row's errors named by its line.
pub fn parse_opening_members(text: &str) -> Result<Vec<OpeningMemberRow>, DomainError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(index, row)| {
            row.map_err(|e| {
                DomainError::invalid(
                    "members-malformed",
                    format!("members[{index}]"),
                    format!("member list line {}: {e}", index + 2),
                )
            })
        })
        .collect()
}

impl OpeningMemberRow {
    fn kind(&self, field: &str) -> Result<MemberKind, DomainError> {
        match self.kind.as_str() {
            "firm" => Ok(MemberKind::Firm {
                trade: self.trade.clone(),
                region: self.region.clone(),
                employees: self.employees.ok_or_else(|| {
                    DomainError::invalid(
                        "employees-missing",
                        format!("{field}.employees"),
                        "a firm's row gives its employees",
                    )
                })?,
            }),
            "natural-person" => Ok(MemberKind::NaturalPerson),
            "investing" => Ok(MemberKind::Investing),
            other => Err(DomainError::invalid(
                "kind-unknown",
                format!("{field}.kind"),
                format!("{other:?} is no kind of member: firm, natural-person or investing"),
            )),
        }
    }
}

struct MoveInCommand(MoveIn, Vec<PersonalRecord>);

impl Command for MoveInCommand {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.coop()?.move_in(self.0.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.1.clone()
    }
}

/// Moves an existing cooperative in (D1): creates its log (if new) and records the opening
/// state, all in one commit.
pub async fn move_in_cooperative(
    app: &App,
    request: &Request,
    statute_text: &str,
    opening: OpeningFile,
    members: Vec<OpeningMemberRow>,
) -> Result<Executed, ExecError> {
    let statute = Statute::parse_toml(statute_text)?;
    let mut records = Vec::with_capacity(members.len());
    let mut opening_members = Vec::with_capacity(members.len());
    for (index, row) in members.into_iter().enumerate() {
        let field = format!("members[{index}]");
        let person = Person::parse(&row.name, &row.address).map_err(|e| e.within(&field))?;
        let (record, reference) = seal(&person)?;
        records.push(record);
        let notice = match (row.notice_received_on, row.exit_on) {
            (Some(declared_on), Some(effective_on)) => Some(OpenNotice {
                declared_on,
                effective_on,
            }),
            (None, None) => None,
            _ => {
                return Err(DomainError::invalid(
                    "notice-incomplete",
                    format!("{field}.exit_on"),
                    "an open notice gives both the day it was received and the exit day",
                )
                .into());
            }
        };
        opening_members.push(OpeningMember {
            member: row.member,
            person: reference,
            kind: row.kind(&field)?,
            listed: matches!(
                row.listed.to_lowercase().as_str(),
                "yes" | "ja" | "true" | "1"
            ),
            admitted_on: row.admitted_on,
            shares: row.shares,
            paid_in: row.paid_in,
            notice,
        });
    }
    let board = seal_officers(opening.board, "board", &mut records)?;
    let supervisory_board =
        seal_officers(opening.supervisory_board, "supervisory_board", &mut records)?;
    let treasurer = seal_officers(
        opening.treasurer.into_iter().collect(),
        "treasurer",
        &mut records,
    )?
    .into_iter()
    .next();
    let balances = opening
        .balances
        .iter()
        .map(|(account, amount)| {
            AccountRef::parse(account)
                .map(|account| Line::debit(account, *amount))
                .map_err(|e| e.within(&format!("balances.{account}")))
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    match app.ledger().create_log(&request.coop).await {
        Ok(()) | Err(LedgerError::LogExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let command = MoveInCommand(
        MoveIn {
            statute,
            statute_text: statute_text.to_owned(),
            founded_on: opening.founded_on,
            go_live_on: opening.go_live_on,
            members: opening_members,
            board,
            supervisory_board,
            treasurer,
            balances,
            today: crate::app::today(),
        },
        records,
    );
    execute(app, request, &command).await
}
