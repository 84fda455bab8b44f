//! Token secrets: random, 256 bits, shown once, stored only as a digest.

use std::fmt;

use verbund_domain::TokenDigest;

/// The prefix of every token, so that a leaked one is recognizable (secret scanners).
pub const TOKEN_PREFIX: &str = "vb1_";

/// A token's secret as its holder uses it: `vb1_` and 64 hex digits (256 random bits).
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// A new random secret from the operating system's generator.
    pub fn generate() -> Self {
        Self(format!("{TOKEN_PREFIX}{}", random_hex(32)))
    }

    /// Wraps a secret presented by a client.
    pub fn presented(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// The digest the log keeps.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::from_bytes(*blake3::hash(self.0.as_bytes()).as_bytes())
    }

    /// The secret, to hand to its holder once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(***)")
    }
}

/// A freshly issued token: its id, its secret (shown once) and where it was recorded.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// Public id.
    pub token: verbund_domain::TokenId,
    /// The secret; `None` when a repeated request is answered (the secret is never stored).
    pub secret: Option<TokenSecret>,
    /// Whom it stands for.
    pub principal: verbund_domain::Principal,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
    /// The log position of the issue.
    pub position: verbund_ledger::Position,
}

/// `bytes` random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system's random generator works");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new person's id, drawn from the operating system's generator.
pub fn new_person() -> verbund_domain::PersonId {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random generator works");
    verbund_domain::PersonId::from_bits(u64::from_le_bytes(bytes))
}
