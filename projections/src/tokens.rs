//! The API tokens of a cooperative, by the digest of their secret.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use verbund_domain::{Event, Principal, Stream, Token, TokenDigest, TokenId, TokenPurpose};
use verbund_ledger::{Actor, Position};

use crate::{Envelope, Projection, Versioned};

/// Every token ever issued, revoked ones included (so a revoked token is known as such).
///
/// Also the write side's token aggregates (each token's state with its stream's version):
/// tokens are most of the events a busy cooperative has, and folding them once, here, rather
/// than again into [`crate::Aggregates`], is what a start or a rebuild saves most on.
///
/// Persistent maps: a snapshot's copy shares their structure and costs nothing, however many
/// tokens there are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// Looked up on every request: a hash map of the digests' bytes (keyed hashing, so that
    /// no log, however its digests were made, can crowd one slot).
    by_digest: imbl::HashMap<TokenDigest, TokenRecord>,
    /// For listing in order.
    digests: imbl::OrdMap<TokenId, TokenDigest>,
    /// The aggregates of token streams whose token was never issued: empty unless an import
    /// wrote to such a stream (the domain issues a token first), kept so that a command on
    /// it decides on that stream's true version.
    #[serde(default, skip_serializing_if = "imbl::HashMap::is_empty")]
    unissued: imbl::HashMap<TokenId, Versioned<Token>>,
}

/// One token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Its public id.
    pub token: TokenId,
    /// Whom it stands for.
    pub principal: Principal,
    /// What it is for: the API, a sign-in link, a session.
    pub purpose: TokenPurpose,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Who issued it: the actor of the issuing event (`cli`, `admin:9c1d…`).
    pub issued_by: Actor,
    /// The position of the issue.
    pub issued_position: Position,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// The write side's state of it: every event of its stream (`token-ID`) folded by the
    /// domain's `Token::apply`, with that stream's version.
    aggregate: Versioned<Token>,
}

impl TokenRecord {
    /// True if the token works at `now`: not revoked, not expired.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

impl Projection for Tokens {
    const NAME: &'static str = "tokens";
    const VERSION: u32 = 4;

    fn apply(&mut self, envelope: &Envelope) {
        // Whether the event is of the token's own stream, which its aggregate folds.
        let ours =
            |token: &TokenId| matches!(&envelope.stream, Some(Stream::Token(id)) if id == token);
        match &envelope.event {
            Event::TokenIssued(e) => {
                // What the token's stream held before: nothing, unless an import wrote to it
                // or issued the token once more.
                let mut aggregate = match self.digests.insert(e.token.clone(), e.digest) {
                    Some(before) => self
                        .by_digest
                        .get(&before)
                        .map(|record| record.aggregate.clone())
                        .unwrap_or_default(),
                    None => self.unissued.remove(&e.token).unwrap_or_default(),
                };
                let own = ours(&e.token);
                if own {
                    fold(&mut aggregate, envelope);
                }
                self.by_digest.insert(
                    e.digest,
                    TokenRecord {
                        token: e.token.clone(),
                        principal: e.principal,
                        purpose: e.purpose,
                        expires_at: e.expires_at,
                        issued_at: envelope.recorded_at,
                        issued_by: envelope.actor.clone(),
                        issued_position: envelope.position,
                        revoked_at: None,
                        aggregate,
                    },
                );
                if own {
                    return;
                }
            }
            Event::TokenRevoked(e) => {
                if let Some(record) = self
                    .digests
                    .get(&e.token)
                    .and_then(|digest| self.by_digest.get_mut(digest))
                {
                    record.revoked_at = Some(envelope.recorded_at);
                    if ours(&e.token) {
                        fold(&mut record.aggregate, envelope);
                        return;
                    }
                }
            }
            _ => {}
        }
        // Any other event of a token's stream.
        if let Some(Stream::Token(id)) = &envelope.stream {
            let aggregate = match self
                .digests
                .get(id)
                .and_then(|digest| self.by_digest.get_mut(digest))
            {
                Some(record) => &mut record.aggregate,
                None => self.unissued.entry(id.clone()).or_default(),
            };
            fold(aggregate, envelope);
        }
    }
}

/// Folds an event of a token's stream into its aggregate.
fn fold(aggregate: &mut Versioned<Token>, envelope: &Envelope) {
    aggregate.state.apply(&envelope.event);
    aggregate.version = Some(envelope.stream_version);
}

impl Tokens {
    /// The token whose secret has this digest.
    pub fn by_digest(&self, digest: &TokenDigest) -> Option<&TokenRecord> {
        self.by_digest.get(digest)
    }

    /// The token with this id.
    pub fn by_id(&self, token: &TokenId) -> Option<&TokenRecord> {
        self.digests
            .get(token)
            .and_then(|digest| self.by_digest.get(digest))
    }

    /// A token's aggregate, as the write side decides on it (the empty state without a
    /// stream if it was never issued).
    pub fn aggregate(&self, token: &TokenId) -> Versioned<Token> {
        match self.by_id(token) {
            Some(record) => record.aggregate.clone(),
            None => self.unissued.get(token).cloned().unwrap_or_default(),
        }
    }

    /// Every token, by id.
    pub fn all(&self) -> impl Iterator<Item = &TokenRecord> {
        self.digests
            .values()
            .filter_map(|digest| self.by_digest.get(digest))
    }

    /// Every token ever issued for this principal, by id.
    pub fn of(&self, principal: Principal) -> impl Iterator<Item = &TokenRecord> {
        self.all()
            .filter(move |record| record.principal == principal)
    }

    /// The tokens whose ids sort after `after`, by id.
    pub fn after(&self, after: &TokenId) -> impl Iterator<Item = &TokenRecord> {
        use std::ops::Bound;
        self.digests
            .range::<_, TokenId>((Bound::Excluded(after), Bound::Unbounded::<&TokenId>))
            .filter_map(|(_, digest)| self.by_digest.get(digest))
    }
}

#[cfg(test)]
mod tests {
    use verbund_ledger::StreamVersion;

    use super::*;

    /// A snapshot keeps the tokens' digests as the 64 hex digits the log has, as map keys
    /// and values: it reads back and is written the same way.
    #[test]
    fn a_snapshot_holds_the_digests_as_hex_text() {
        let digest = "0123456789abcdef".repeat(4);
        let before = serde_json::json!({
            "by_digest": {
                digest.clone(): {
                    "token": "t1",
                    "principal": { "type": "auditor" },
                    "purpose": "api",
                    "expires_at": "2033-05-18T03:33:20Z",
                    "issued_at": "2026-11-24T10:00:00Z",
                    "issued_by": "cli",
                    "issued_position": 7,
                    "revoked_at": null,
                    "aggregate": {
                        "state": {
                            "issued": true,
                            "revoked": false,
                            "purpose": "api",
                            "principal": { "type": "auditor" },
                            "expires_at": "2033-05-18T03:33:20Z"
                        },
                        "version": 1
                    }
                }
            },
            "digests": { "t1": digest.clone() }
        });
        let tokens: Tokens = serde_json::from_value(before.clone()).expect("a snapshot reads");
        let parsed = TokenDigest::parse(&digest).expect("valid");
        let record = tokens.by_digest(&parsed).expect("found by its digest");
        assert_eq!(record.token.as_str(), "t1");
        assert_eq!(
            tokens
                .by_id(&TokenId::parse("t1").expect("valid"))
                .map(|r| r.issued_position),
            Some(Position::new(7))
        );
        assert_eq!(serde_json::to_value(&tokens).expect("writes"), before);
    }

    /// The write side's token aggregate, kept here: the token's stream folded by the
    /// domain's own `Token::apply`, with the stream's version; the empty state without a
    /// version for a token never issued.
    #[test]
    fn a_tokens_aggregate_is_its_stream_folded_with_its_version() {
        use verbund_domain::{TokenIssued, TokenRevoked};
        let id = TokenId::parse("t1").expect("valid");
        let events = [
            Event::TokenIssued(TokenIssued {
                purpose: TokenPurpose::Api,
                token: id.clone(),
                principal: Principal::Auditor,
                digest: TokenDigest::parse(&"ab".repeat(32)).expect("valid"),
                expires_at: Timestamp::from_second(1_900_000_000).expect("valid"),
            }),
            Event::TokenRevoked(TokenRevoked { token: id.clone() }),
        ];
        let mut tokens = Tokens::default();
        assert_eq!(tokens.aggregate(&id), Versioned::default());
        let mut expected = Token::default();
        for (version, event) in (1..).zip(events) {
            expected.apply(&event);
            tokens.apply(&Envelope {
                position: Position::new(version + 10),
                stream: Some(verbund_domain::Stream::Token(id.clone())),
                stream_version: StreamVersion::new(version).expect("positive"),
                recorded_at: Timestamp::UNIX_EPOCH,
                actor: verbund_ledger::Actor::parse("test").expect("valid"),
                event,
            });
            assert_eq!(
                tokens.aggregate(&id),
                Versioned {
                    state: expected.clone(),
                    version: Some(StreamVersion::new(version).expect("positive")),
                }
            );
        }
        assert_ne!(expected, Token::default());
        let other = TokenId::parse("t2").expect("valid");
        assert_eq!(tokens.aggregate(&other), Versioned::default());
    }

    /// Every token's aggregate is its own stream folded by the domain's `Token::apply`, with
    /// that stream's version, whatever an import wrote where: token events on other streams
    /// (another token's, the cooperative's), other events on token streams, a revocation
    /// before the issue, a token issued twice.
    mod any_log {
        use proptest::prelude::*;

        use super::*;

        #[derive(Clone, Debug)]
        enum Kind {
            Issued,
            Revoked,
            Other,
        }

        fn op() -> impl Strategy<Value = (Kind, usize, Option<usize>)> {
            (
                prop_oneof![Just(Kind::Issued), Just(Kind::Revoked), Just(Kind::Other)],
                0..3usize,
                // The stream: token 0, 1 or 2's, or (None) the cooperative's.
                prop_oneof![3 => (0..3usize).prop_map(Some), 1 => Just(None)],
            )
        }

        proptest! {
            #[test]
            fn a_tokens_aggregate_is_its_own_stream_folded(ops in prop::collection::vec(op(), 0..40)) {
                use verbund_domain::governance::{BallotClosed, MotionId};
                use verbund_domain::{TokenIssued, TokenRevoked};
                let id = |k: usize| TokenId::parse(&format!("t{k}")).expect("valid");
                let mut tokens = Tokens::default();
                let mut expected = vec![Versioned::<Token>::default(); 3];
                let mut versions = [0u64; 4];
                for (n, (kind, token, stream)) in ops.into_iter().enumerate() {
                    let event = match kind {
                        Kind::Issued => Event::TokenIssued(TokenIssued {
                purpose: TokenPurpose::Api,
                            token: id(token),
                            principal: Principal::Auditor,
                            digest: TokenDigest::parse(&format!("{n:064x}")).expect("valid"),
                            expires_at: Timestamp::from_second(1_900_000_000).expect("valid"),
                        }),
                        Kind::Revoked => Event::TokenRevoked(TokenRevoked { token: id(token) }),
                        Kind::Other => Event::BallotClosed(BallotClosed {
                            motion: MotionId::parse("m1").expect("valid"),
                            closed_at: Timestamp::UNIX_EPOCH,
                        }),
                    };
                    let slot = stream.unwrap_or(3);
                    versions[slot] += 1;
                    let version = verbund_ledger::StreamVersion::new(versions[slot]).expect("positive");
                    if let Some(k) = stream {
                        expected[k].state.apply(&event);
                        expected[k].version = Some(version);
                    }
                    tokens.apply(&Envelope {
                        position: Position::new(n as u64 + 1),
                        stream: Some(stream.map_or(Stream::Coop, |k| Stream::Token(id(k)))),
                        stream_version: version,
                        recorded_at: Timestamp::UNIX_EPOCH,
                        actor: verbund_ledger::Actor::parse("import").expect("valid"),
                        event,
                    });
                    for (k, expected) in expected.iter().enumerate() {
                        prop_assert_eq!(&tokens.aggregate(&id(k)), expected, "token {} after event {}", k, n + 1);
                    }
                }
            }
        }
    }
}
