//! Who may use the API: principals, their roles, and the tokens bound to them.
//!
//! A token is a random secret that only its holder knows; the log keeps its digest (BLAKE3 of
//! the secret, which cannot be turned back into it), its principal and its expiry. Issuing and
//! revoking are events, so who had access when is part of the audited history, and every
//! server process on the database learns of a revocation by tailing the log.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::text_id;
use crate::{Change, Cooperative, DomainError, Event, Member, MemberNo, PersonId, Stream};

/// Whom a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Principal {
    /// A member; their roles follow from their offices.
    Member {
        /// The member.
        member: MemberNo,
    },
    /// A person who acts for one or more members (their owner, managing director,
    /// authorised signatory, attorney, or the member themself); their roles are those of the
    /// member they act for in a request.
    Person {
        /// The person.
        person: PersonId,
    },
    /// Operates the cooperative's installation: issues and revokes tokens.
    Admin,
    /// An auditor of the auditing association (Prüfungsverband): reads everything.
    Auditor,
    /// A regulator or tax auditor: reads everything.
    Regulator,
    /// A citizen who invests in the region's firms.
    CitizenInvestor,
}

impl Principal {
    /// Parses `member:7`, `person:` and 16 hex digits, `admin`, `auditor`, `regulator` or
    /// `citizen-investor`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "admin" => Ok(Principal::Admin),
            "auditor" => Ok(Principal::Auditor),
            "regulator" => Ok(Principal::Regulator),
            "citizen-investor" => Ok(Principal::CitizenInvestor),
            other => match (other.strip_prefix("member:"), other.strip_prefix("person:")) {
                (Some(no), _) => Ok(Principal::Member {
                    member: MemberNo::parse(no).map_err(|e| e.at("principal"))?,
                }),
                (_, Some(id)) => Ok(Principal::Person {
                    person: PersonId::parse(id).map_err(|e| e.at("principal"))?,
                }),
                (None, None) => Err(DomainError::invalid(
                    "principal-malformed",
                    "principal",
                    format!(
                        "{other:?} is not a principal: use member:NUMBER, person:ID, admin, auditor, regulator or citizen-investor"
                    ),
                )),
            },
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Member { member } => write!(f, "member:{member}"),
            Principal::Person { person } => write!(f, "person:{person}"),
            Principal::Admin => f.write_str("admin"),
            Principal::Auditor => f.write_str("auditor"),
            Principal::Regulator => f.write_str("regulator"),
            Principal::CitizenInvestor => f.write_str("citizen-investor"),
        }
    }
}

/// A role, the unit of authorization. A request holds a set of them: nothing but `Public`
/// without a token; a member's token gives `Member` plus one role per office held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Anyone, without a token.
    Public,
    /// A member of the cooperative.
    Member,
    /// A member of the board (Vorstand).
    Board,
    /// A member of the supervisory board (Aufsichtsrat).
    SupervisoryBoard,
    /// The treasurer.
    Treasurer,
    /// The auditing association: reads everything, changes nothing.
    Auditor,
    /// A regulator or tax auditor: reads everything, changes nothing.
    Regulator,
    /// A citizen investor.
    CitizenInvestor,
    /// The installation's administrator: tokens.
    Admin,
}

impl Role {
    /// The role's name on the wire, e.g. `supervisory-board`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Member => "member",
            Role::Board => "board",
            Role::SupervisoryBoard => "supervisory-board",
            Role::Treasurer => "treasurer",
            Role::Auditor => "auditor",
            Role::Regulator => "regulator",
            Role::CitizenInvestor => "citizen-investor",
            Role::Admin => "admin",
        }
    }

    /// Every role, in a fixed order.
    pub const ALL: [Role; 9] = [
        Role::Public,
        Role::Member,
        Role::Board,
        Role::SupervisoryBoard,
        Role::Treasurer,
        Role::Auditor,
        Role::Regulator,
        Role::CitizenInvestor,
        Role::Admin,
    ];
}

text_id! {
    /// The public id of a token (not its secret): 1 to 32 lowercase letters and digits. Used
    /// to list and revoke it, and as the actor of what an external principal does.
    TokenId, "token-id-malformed", "token", 32
}

/// The BLAKE3 digest of a token's secret: 32 bytes, written as 64 lowercase hex digits.
///
/// Held as bytes: the token projection keys every token by it and every request looks one up.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Validates a digest written as hex.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        fn nibble(b: u8) -> Option<u8> {
            match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            }
        }
        let malformed = || {
            DomainError::invalid(
                "token-digest-malformed",
                "digest",
                "a token digest is 64 lowercase hex digits",
            )
        };
        let text = text.as_bytes();
        if text.len() != 64 {
            return Err(malformed());
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let (high, low) = nibble(pair[0]).zip(nibble(pair[1])).ok_or_else(malformed)?;
            *byte = high << 4 | low;
        }
        Ok(TokenDigest(bytes))
    }

    /// The digest of these bytes (a BLAKE3 output).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenDigest(bytes)
    }

    /// Writes the digest as 64 lowercase hex digits into `buffer`, without allocating.
    fn write_hex<'b>(&self, buffer: &'b mut [u8; 64]) -> &'b str {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, byte) in buffer.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xf)];
        }
        std::str::from_utf8(buffer).expect("hex digits are ASCII")
    }
}

impl fmt::Display for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.write_hex(&mut [0; 64]))
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenDigest({self})")
    }
}

impl Serialize for TokenDigest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.write_hex(&mut [0; 64]))
    }
}

impl<'de> Deserialize<'de> for TokenDigest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::ids::deserialize_text(
            deserializer,
            "a token digest: 64 lowercase hex digits",
            TokenDigest::parse,
        )
    }
}

/// The longest a token lives: a year and a day. Longer-lived secrets leak; a new token is one
/// command away.
pub const TOKEN_LIFETIME_MAX: SignedDuration = SignedDuration::from_hours(366 * 24);

/// `TokenIssued`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIssued {
    /// The token's public id.
    pub token: TokenId,
    /// Whom it stands for.
    pub principal: Principal,
    /// The digest of its secret.
    pub digest: TokenDigest,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// What it is for. Absent in schema version 1, whose tokens are API tokens.
    #[serde(default)]
    pub purpose: TokenPurpose,
}

/// What a token is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenPurpose {
    /// A bearer token for the API.
    #[default]
    Api,
    /// A sign-in link for a person: used once, to start a session; it opens nothing else.
    SignInLink,
    /// A person's session on the pages, carried in a cookie; started by a sign-in link.
    Session,
}

impl TokenPurpose {
    /// The purpose's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Api => "api",
            TokenPurpose::SignInLink => "sign-in-link",
            TokenPurpose::Session => "session",
        }
    }
}

/// The longest a sign-in link lives: three days, to reach its person by letter or mail.
pub const SIGN_IN_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(72);

/// The longest a session lives: twelve hours, a working day.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

/// `TokenRevoked`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoked {
    /// The token.
    pub token: TokenId,
}

/// Issue a token for a principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueToken {
    /// Its public id (random, chosen by the caller).
    pub token: TokenId,
    /// Whom it stands for.
    pub principal: Principal,
    /// The digest of its secret.
    pub digest: TokenDigest,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// The current time.
    pub now: Timestamp,
}

/// One token as its own stream (`token-ID`) tells it. A stream per token: issuing never
/// contends with other issues, and the log itself refuses a second token with the same id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    issued: bool,
    revoked: bool,
    /// What the token is for, whom it stands for and until when: what a sign-in link's use
    /// checks.
    #[serde(default)]
    purpose: TokenPurpose,
    #[serde(default)]
    principal: Option<Principal>,
    #[serde(default)]
    expires_at: Option<Timestamp>,
}

impl Token {
    /// Folds one event of the token's stream in.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::TokenIssued(e) => {
                self.issued = true;
                self.purpose = e.purpose;
                self.principal = Some(e.principal);
                self.expires_at = Some(e.expires_at);
            }
            Event::TokenRevoked(_) => self.revoked = true,
            _ => {}
        }
    }

    /// Decides starting a session with this sign-in link: the link, unused and unexpired, is
    /// used up (revoked) in the same write that issues the session (`session`, a new token of
    /// the link's person), so a link starts one session at most.
    pub fn start_session(
        &self,
        link: TokenId,
        session: &Token,
        coop: &Cooperative,
        member: &Member,
        command: IssueToken,
    ) -> Result<Vec<Change>, DomainError> {
        let usable = self.issued
            && !self.revoked
            && self.purpose == TokenPurpose::SignInLink
            && self.expires_at.is_some_and(|at| command.now < at);
        if !usable {
            // One answer for unknown, used and expired links: which one it is helps only an
            // attacker.
            return Err(DomainError::not_found(
                "sign-in-link-unusable",
                "the sign-in link is unknown, used or expired; ask the board for a new one",
            ));
        }
        if command.purpose != TokenPurpose::Session || self.principal != Some(command.principal) {
            return Err(DomainError::invalid(
                "session-mismatch",
                "principal",
                "a sign-in link starts a session of its own person",
            ));
        }
        let mut changes = vec![Change::new(
            Stream::Token(link.clone()),
            TokenRevoked { token: link },
        )];
        changes.extend(session.issue(coop, member, command)?);
        Ok(changes)
    }

    /// Decides issuing the token. The cooperative must be founded — only an administrator's
    /// token may come first, to move an existing cooperative in —, a member principal must be
    /// a member, and the expiry must lie in the future, at most [`TOKEN_LIFETIME_MAX`] ahead.
    /// `member` is the member aggregate of a member principal, and for a person one member
    /// they act for.
    pub fn issue(
        &self,
        coop: &Cooperative,
        member: &Member,
        command: IssueToken,
    ) -> Result<Vec<Change>, DomainError> {
        if !coop.is_founded() && command.principal != Principal::Admin {
            return Err(DomainError::not_found(
                "coop-not-found",
                "the cooperative has not been founded",
            ));
        }
        if let Principal::Member { member: no } = command.principal
            && member.membership().is_none_or(|m| m.member() != no)
        {
            return Err(DomainError::not_found(
                "member-not-found",
                format!("there is no member {no}"),
            )
            .at("principal"));
        }
        if let Principal::Person { person } = command.principal
            && member
                .membership()
                .and_then(|m| m.acts_for(person))
                .is_none()
        {
            return Err(DomainError::not_found(
                "person-not-found",
                format!("person {person} acts for no member"),
            )
            .at("principal"));
        }
        if command.expires_at <= command.now {
            return Err(DomainError::invalid(
                "token-expiry-past",
                "expires_at",
                "a token's expiry must lie in the future",
            ));
        }
        if command.now.duration_until(command.expires_at) > TOKEN_LIFETIME_MAX {
            return Err(DomainError::invalid(
                "token-lifetime-too-long",
                "expires_at",
                "a token lives at most 366 days",
            ));
        }
        let longest = match command.purpose {
            TokenPurpose::Api => TOKEN_LIFETIME_MAX,
            TokenPurpose::SignInLink => SIGN_IN_LINK_LIFETIME,
            TokenPurpose::Session => SESSION_LIFETIME,
        };
        if command.purpose != TokenPurpose::Api {
            // People sign in to the pages, and so do the auditors and regulators, who read
            // them as the API lets them; the administrator and citizen investors use tokens.
            if !matches!(
                command.principal,
                Principal::Person { .. } | Principal::Auditor | Principal::Regulator
            ) {
                return Err(DomainError::invalid(
                    "sign-in-not-for-principal",
                    "principal",
                    "sign-in links and sessions are for people, auditors and regulators; \
                     other principals use API tokens",
                ));
            }
            if command.now.duration_until(command.expires_at) > longest {
                return Err(DomainError::invalid(
                    "token-lifetime-too-long",
                    "expires_at",
                    format!(
                        "a {} lives at most {} hours",
                        command.purpose.as_str().replace('-', " "),
                        longest.as_hours()
                    ),
                ));
            }
        }
        if self.issued {
            return Err(DomainError::conflict(
                "token-exists",
                format!("a token {} exists already", command.token),
            ));
        }
        Ok(vec![Change::new(
            Stream::Token(command.token.clone()),
            TokenIssued {
                token: command.token,
                principal: command.principal,
                digest: command.digest,
                expires_at: command.expires_at,
                purpose: command.purpose,
            },
        )])
    }

    /// Decides revoking the token.
    pub fn revoke(&self, token: TokenId) -> Result<Vec<Change>, DomainError> {
        if !self.issued {
            return Err(DomainError::not_found(
                "token-not-found",
                format!("there is no token {token}"),
            ));
        }
        if self.revoked {
            return Err(DomainError::conflict(
                "token-already-revoked",
                format!("token {token} is revoked already"),
            ));
        }
        Ok(vec![Change::new(
            Stream::Token(token.clone()),
            TokenRevoked { token },
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coop::tests_support::{founded, world};

    fn command(principal: Principal, lifetime_hours: i64) -> IssueToken {
        let now = Timestamp::from_second(1_800_000_000).expect("valid");
        IssueToken {
            token: TokenId::parse("t1").expect("valid"),
            principal,
            digest: TokenDigest::parse(&"ab".repeat(32)).expect("valid"),
            expires_at: now + SignedDuration::from_hours(lifetime_hours),
            purpose: TokenPurpose::Api,
            now,
        }
    }

    #[test]
    fn a_digest_is_64_lowercase_hex_digits_and_nothing_else() {
        for bad in [
            "",
            &"a".repeat(63),
            &"a".repeat(65),
            &"A".repeat(64),
            &"g".repeat(64),
            &format!("{}é", "a".repeat(62)),
        ] {
            let refused = TokenDigest::parse(bad).expect_err("malformed");
            assert_eq!(refused.code(), "token-digest-malformed", "{bad:?}");
            assert!(serde_json::from_value::<TokenDigest>(serde_json::json!(bad)).is_err());
        }
        let text = "00ff10ab".repeat(8);
        let digest = TokenDigest::parse(&text).expect("valid");
        let bytes: Vec<u8> = [0x00, 0xff, 0x10, 0xab].repeat(8);
        assert_eq!(
            digest,
            TokenDigest::from_bytes(bytes.try_into().expect("32 bytes"))
        );
        assert_eq!(digest.to_string(), text);
    }

    proptest::proptest! {
        /// The bytes and the text are one digest: written and read back it is the same, and
        /// the text is what the log has always held (64 lowercase hex digits).
        #[test]
        fn a_digest_reads_back_from_its_text(bytes in proptest::array::uniform32(0u8..)) {
            let digest = TokenDigest::from_bytes(bytes);
            let json = serde_json::to_string(&digest).expect("serializes");
            let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            proptest::prop_assert_eq!(&json, &format!("\"{expected}\""));
            proptest::prop_assert_eq!(serde_json::from_str::<TokenDigest>(&json).expect("reads"), digest);
            proptest::prop_assert_eq!(TokenDigest::parse(&expected).expect("parses"), digest);
        }
    }

    #[test]
    fn role_names_match_their_serialized_form() {
        for role in Role::ALL {
            assert_eq!(
                serde_json::to_value(role).expect("serializes"),
                role.as_str()
            );
        }
    }

    /// A sign-in link starts one session of its own person, unused and unexpired: used up
    /// in the same write, so a second use finds it revoked; an API token starts none.
    #[test]
    fn a_sign_in_link_starts_one_session_of_its_person() {
        let world =
            crate::coop::tests_support::world_of(crate::statute::EXAMPLE_STATUTE, 5, |n| n == 1);
        let person = crate::PersonId::from_bits(7);
        let mut member = world.members[&MemberNo::FIRST].clone();
        let authorized = member
            .authorize_representative(
                &world.coop,
                crate::AuthorizeRepresentative {
                    person,
                    capacity: crate::Capacity::ManagingDirector,
                    effective_on: jiff::civil::date(2026, 12, 1),
                    today: jiff::civil::date(2026, 12, 1),
                },
            )
            .expect("authorized");
        for change in authorized {
            member.apply(&change.event);
        }
        let principal = Principal::Person { person };
        let issue = |token: &str, purpose: TokenPurpose, hours: i64| IssueToken {
            token: TokenId::parse(token).expect("valid"),
            purpose,
            ..command(principal, hours)
        };
        let mut link = Token::default();
        for change in link
            .issue(
                &world.coop,
                &member,
                issue("l1", TokenPurpose::SignInLink, 72),
            )
            .expect("a link")
        {
            link.apply(&change.event);
        }
        let too_long = Token::default()
            .issue(
                &world.coop,
                &member,
                issue("l2", TokenPurpose::SignInLink, 73),
            )
            .expect_err("a link lives three days");
        assert_eq!(too_long.code(), "token-lifetime-too-long");
        let not_a_person = Token::default()
            .issue(
                &world.coop,
                &member,
                IssueToken {
                    purpose: TokenPurpose::SignInLink,
                    ..command(Principal::Admin, 24)
                },
            )
            .expect_err("the administrator uses tokens");
        assert_eq!(not_a_person.code(), "sign-in-not-for-principal");
        Token::default()
            .issue(
                &world.coop,
                &member,
                IssueToken {
                    purpose: TokenPurpose::SignInLink,
                    ..command(Principal::Auditor, 24)
                },
            )
            .expect("an auditor signs in to the pages");

        let session = issue("s1", TokenPurpose::Session, 12);
        let start = |link: &Token| {
            link.start_session(
                TokenId::parse("l1").expect("valid"),
                &Token::default(),
                &world.coop,
                &member,
                session.clone(),
            )
        };
        let changes = start(&link).expect("a session");
        assert!(
            matches!(changes[0].event, Event::TokenRevoked(_)),
            "used up"
        );
        assert!(
            matches!(changes[1].event, Event::TokenIssued(ref e) if e.purpose == TokenPurpose::Session)
        );
        for change in &changes[..1] {
            link.apply(&change.event);
        }
        assert_eq!(
            start(&link).expect_err("used").code(),
            "sign-in-link-unusable"
        );

        let mut api = Token::default();
        for change in api
            .issue(&world.coop, &member, issue("l1", TokenPurpose::Api, 24))
            .expect("an API token")
        {
            api.apply(&change.event);
        }
        assert_eq!(
            start(&api).expect_err("no link").code(),
            "sign-in-link-unusable"
        );
    }

    #[test]
    fn principals_print_and_parse_alike() {
        for text in [
            "member:3",
            "person:00000000000000ff",
            "admin",
            "auditor",
            "regulator",
            "citizen-investor",
        ] {
            assert_eq!(Principal::parse(text).expect("valid").to_string(), text);
        }
        assert!(Principal::parse("member:0").is_err());
        assert!(Principal::parse("root").is_err());
    }

    #[test]
    fn tokens_expire_within_a_year_and_a_day() {
        let coop = founded(3);
        let access = Token::default();
        access
            .issue(&coop, &Member::default(), command(Principal::Auditor, 24))
            .expect("a day");
        let error = access
            .issue(
                &coop,
                &Member::default(),
                command(Principal::Auditor, 367 * 24),
            )
            .expect_err("too long");
        assert_eq!(error.code(), "token-lifetime-too-long");
        let error = access
            .issue(&coop, &Member::default(), command(Principal::Auditor, 0))
            .expect_err("past");
        assert_eq!(error.code(), "token-expiry-past");
    }

    /// D1: before a cooperative's history begins only an administrator's token is issued —
    /// the one who moves an existing cooperative in; every other principal waits for the
    /// founding or the moving-in.
    #[test]
    fn d1_before_the_history_begins_only_an_administrator_gets_a_token() {
        let coop = Cooperative::default();
        Token::default()
            .issue(&coop, &Member::default(), command(Principal::Admin, 24))
            .expect("the administrator who moves it in");
        let error = Token::default()
            .issue(&coop, &Member::default(), command(Principal::Auditor, 24))
            .expect_err("nothing to audit yet");
        assert_eq!(error.code(), "coop-not-found");
    }

    #[test]
    fn a_member_token_needs_a_member() {
        let world = world(3);
        let member = |n| Principal::Member {
            member: MemberNo::new(n).expect("non-zero"),
        };
        Token::default()
            .issue(&world.coop, &world.member(3), command(member(3), 24))
            .expect("member 3");
        let error = Token::default()
            .issue(&world.coop, &world.member(4), command(member(4), 24))
            .expect_err("no member 4");
        assert_eq!(error.code(), "member-not-found");
    }

    #[test]
    fn a_token_is_revoked_once() {
        let coop = founded(3);
        let mut state = Token::default();
        let token = TokenId::parse("t1").expect("valid");
        let error = state.revoke(token.clone()).expect_err("not issued");
        assert_eq!(error.code(), "token-not-found");
        for change in state
            .issue(&coop, &Member::default(), command(Principal::Admin, 24))
            .expect("valid")
        {
            assert_eq!(change.stream, Stream::Token(token.clone()));
            state.apply(&change.event);
        }
        let error = state
            .issue(&coop, &Member::default(), command(Principal::Admin, 24))
            .expect_err("exists");
        assert_eq!(error.code(), "token-exists");
        for change in state.revoke(token.clone()).expect("revocable") {
            state.apply(&change.event);
        }
        let error = state.revoke(token).expect_err("twice");
        assert_eq!(error.code(), "token-already-revoked");
    }
}
