//! The pure rules of a cooperative (eingetragene Genossenschaft): identifiers, money, commands,
//! events, the statute and the decisions `decide(state, command) -> Result<Vec<Event>, DomainError>`
//! that apply the rules of `shared/domain-rules.md`.
//!
//! Architecture invariant: this crate knows nothing of storage, HTTP or time sources. No IO, no
//! async, no SQL; it depends on no other crate of the workspace.
//!
//! It holds no code yet: the first command (founding a cooperative) arrives with the application
//! spine, the statute's rules with membership.
