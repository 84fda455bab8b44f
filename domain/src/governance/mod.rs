//! Governance: how members decide together (issue 6, under way).
//!
//! - `electorate`: who votes with how many votes, fixed at a ballot's record day (G43-3,
//!   G43-6, G8-2).
//! - `tally`: counting a ballot exactly under the statute's regime: abstentions (G43-2),
//!   multiple votes and their cap (G43-3), the investing members' cap (G8-2), the majority.

pub mod electorate;
pub mod tally;

pub use electorate::{Weighting, counting, electorate};
pub use tally::{Choice, Counting, Tally, Voter};
