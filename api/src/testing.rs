//! A real cooperative of many members, made fast: for tests and benchmarks only (compiled for
//! the crate's tests and with the feature `testing`, never into the product).

use anyhow::Context as _;
use jiff::ToSpan as _;
use verbund_domain::{
    Capacity, Change, MemberAdmitted, MemberKind, MemberNo, Money, Person, PersonId, Principal,
    RepresentativeAuthorized, Stream, TokenId, TokenIssued,
};
use verbund_ledger::{Actor, CommandId, Commit, ExpectedVersion, LogId, NewEvent, StreamAppend};

use crate::app::{self, App, Config, FoundingFile, Request, TokenSecret};

/// The demo cooperative with many members, each holding a token.
#[derive(Debug)]
pub struct BulkCoop {
    /// The application over its database.
    pub app: App,
    /// Its log.
    pub log: LogId,
    /// Requests of the board (member 1).
    pub board: Request,
    /// Each member's token secret, by member number (index 0 is member 1).
    pub secrets: Vec<String>,
    /// With people ([`BulkCoop::create_with_people`]): each admitted member's session secret,
    /// of a person acting as the member themself (empty for the founders).
    pub sessions: Vec<String>,
}

/// Members (and their tokens) per commit: up to three streams each (the member, the token, a
/// person's session), within an append's 2,048 streams.
const MEMBERS_PER_COMMIT: u32 = 600;

impl BulkCoop {
    /// Founds the demo cooperative (two months ago) and admits members up to `members` in
    /// all, each with a token: admissions and tokens appended straight to the log in large
    /// commits, then folded by the projections like any events.
    pub async fn create(url: &str, members: u32) -> anyhow::Result<Self> {
        Self::create_with(Config::new(url), members).await
    }

    /// [`BulkCoop::create`] with the application's settings `config`.
    pub async fn create_with(config: Config, members: u32) -> anyhow::Result<Self> {
        Self::create_inner(config, members, false).await
    }

    /// [`BulkCoop::create_with`], and each admitted member acting through a person (the
    /// member themself) who holds a session of the pages.
    pub async fn create_with_people(config: Config, members: u32) -> anyhow::Result<Self> {
        Self::create_inner(config, members, true).await
    }

    async fn create_inner(config: Config, members: u32, people: bool) -> anyhow::Result<Self> {
        let app = App::open(config).await?;
        let log = LogId::parse("bench-eg")?;
        let cli = Request {
            coop: log.clone(),
            actor: Actor::parse("cli:bench")?,
            key: None,
            digest: [0; 32],
        };
        // Founded two months ago, so that its assembly, convened 20 days ago, lies within its
        // history (D1).
        let mut founding = FoundingFile::parse_toml(crate::cmd::demo::FOUNDING)?;
        founding.founded_on = app::today() - 60.days();
        let founders = u32::try_from(founding.founders.len()).context("a few founders")?;
        anyhow::ensure!(
            members >= founders,
            "the demo cooperative has {founders} founders: at least that many members"
        );
        app::found_cooperative(&app, &cli, crate::cmd::demo::STATUTE, founding).await?;

        let today = app::today();
        let mut secrets = Vec::with_capacity(members as usize);
        let mut sessions = Vec::new();
        let mut first = 1;
        while first <= members {
            let last = (first + MEMBERS_PER_COMMIT - 1).min(members);
            let mut streams = Vec::new();
            let mut records = Vec::new();
            for no in first..=last {
                let member = MemberNo::new(no).expect("numbers start at 1");
                let secret = TokenSecret::generate();
                let token = TokenId::parse(&format!("bench{no}")).expect("a token id");
                let mut changes = Vec::new();
                if no > founders {
                    // A real record, as verification holds every referenced one to its
                    // commitment.
                    let person = Person::parse(
                        &format!("Mitglied {no}"),
                        &format!("Dorfstraße {no}, 12345 Musterdorf"),
                    )?;
                    let (record, person) = app::seal(&person)?;
                    records.push(record);
                    changes.push(Change::new(
                        Stream::Member(member),
                        MemberAdmitted {
                            member,
                            person,
                            kind: MemberKind::NaturalPerson,
                            shares: 1,
                            mandatory_shares: 1,
                            admitted_on: today - 60.days(),
                            founder: false,
                            application: None,
                            listed: false,
                            paid_in_due: Money::ZERO,
                            paid_in_due_on: today - 60.days(),
                        },
                    ));
                }
                if people && no > founders {
                    let person = PersonId::from_bits(0xb000_0000_0000_0000 | u64::from(no));
                    changes.push(Change::new(
                        Stream::Member(member),
                        RepresentativeAuthorized {
                            member,
                            person,
                            capacity: Capacity::Themself,
                            effective_on: today - 60.days(),
                        },
                    ));
                    let session = TokenSecret::generate();
                    let id = TokenId::parse(&format!("session{no}")).expect("a token id");
                    changes.push(Change::new(
                        Stream::Token(id.clone()),
                        TokenIssued {
                            purpose: verbund_domain::TokenPurpose::Session,
                            token: id,
                            principal: Principal::Person { person },
                            digest: session.digest(),
                            expires_at: jiff::Timestamp::now() + verbund_domain::SESSION_LIFETIME,
                        },
                    ));
                    sessions.push(session.expose().to_owned());
                } else if people {
                    sessions.push(String::new());
                }
                changes.push(Change::new(
                    Stream::Token(token.clone()),
                    TokenIssued {
                        purpose: verbund_domain::TokenPurpose::Api,
                        token,
                        principal: Principal::Member { member },
                        digest: secret.digest(),
                        expires_at: jiff::Timestamp::now() + 24.hours(),
                    },
                ));
                secrets.push(secret.expose().to_owned());
                // One append per stream, with its events in order.
                let mut by_stream: Vec<(Stream, Vec<NewEvent>)> = Vec::new();
                for change in changes {
                    let event = NewEvent::json(
                        change.event.event_type(),
                        change.event.schema_version(),
                        &change.event.to_json(),
                    )?;
                    match by_stream.iter_mut().find(|(s, _)| *s == change.stream) {
                        Some((_, events)) => events.push(event),
                        None => by_stream.push((change.stream, vec![event])),
                    }
                }
                for (stream, events) in by_stream {
                    streams.push(StreamAppend::new(
                        app::stream_id(&stream),
                        ExpectedVersion::NoStream,
                        events,
                    ));
                }
            }
            let commit = Commit::new(
                CommandId::parse(format!("bench-members-{first}"))?,
                Actor::parse("cli:bench")?,
                None,
                streams,
            )?
            .with_records(records)?;
            app.ledger().append(&log, commit).await?;
            first = last + 1;
        }
        let board = Request {
            actor: Actor::parse("member:1")?,
            ..cli
        };
        Ok(Self {
            app,
            log,
            board,
            secrets,
            sessions,
        })
    }

    /// A member's token secret.
    pub fn secret(&self, member: MemberNo) -> &str {
        &self.secrets[member.get() as usize - 1]
    }
}
