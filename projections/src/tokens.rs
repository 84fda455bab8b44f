//! The API tokens of a cooperative, by the digest of their secret.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use verbund_domain::{Event, Principal, Token, TokenDigest, TokenId};
use verbund_ledger::{Position, StreamVersion};

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
}

/// One token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Its public id.
    pub token: TokenId,
    /// Whom it stands for.
    pub principal: Principal,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// The position of the issue.
    pub issued_position: Position,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// The write side's state of it, as its stream's events fold into it.
    aggregate: Token,
    /// The version of its stream.
    version: StreamVersion,
}

impl TokenRecord {
    /// True if the token works at `now`: not revoked, not expired.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

impl Projection for Tokens {
    const NAME: &'static str = "tokens";
    const VERSION: u32 = 2;

    fn apply(&mut self, envelope: &Envelope) {
        match &envelope.event {
            Event::TokenIssued(e) => {
                let mut aggregate = Token::default();
                aggregate.apply(&envelope.event);
                self.digests.insert(e.token.clone(), e.digest);
                self.by_digest.insert(
                    e.digest,
                    TokenRecord {
                        token: e.token.clone(),
                        principal: e.principal,
                        expires_at: e.expires_at,
                        issued_at: envelope.recorded_at,
                        issued_position: envelope.position,
                        revoked_at: None,
                        aggregate,
                        version: envelope.stream_version,
                    },
                );
            }
            Event::TokenRevoked(e) => {
                if let Some(record) = self
                    .digests
                    .get(&e.token)
                    .and_then(|digest| self.by_digest.get_mut(digest))
                {
                    record.revoked_at = Some(envelope.recorded_at);
                    record.aggregate.apply(&envelope.event);
                    record.version = envelope.stream_version;
                }
            }
            _ => {}
        }
    }
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
        self.by_id(token)
            .map_or_else(Versioned::default, |record| Versioned {
                state: record.aggregate.clone(),
                version: Some(record.version),
            })
    }

    /// Every token, by id.
    pub fn all(&self) -> impl Iterator<Item = &TokenRecord> {
        self.digests
            .values()
            .filter_map(|digest| self.by_digest.get(digest))
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
                    "expires_at": "2033-05-18T03:33:20Z",
                    "issued_at": "2026-11-24T10:00:00Z",
                    "issued_position": 7,
                    "revoked_at": null,
                    "aggregate": { "issued": true, "revoked": false },
                    "version": 1
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
}
