//! Read models folded from the event log (member register, voting rights, tallies, books,
//! investments), rebuildable from position 1 and computable as of any past position.
//!
//! Architecture invariant: a projection is a pure fold of events; it may lag the log, never
//! contradict it. It depends on `verbund-domain` for the events and on `verbund-ledger` for
//! reading them.
//!
//! It holds no code yet: the projections runtime arrives with the application spine.
