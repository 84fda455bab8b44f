//! Governance: how members decide together (issue 6, under way).
//!
//! - `tally`: counting a ballot exactly under the statute's regime: abstentions (G43-2),
//!   multiple votes and their cap (G43-3), the investing members' cap (G8-2), the majority.

pub mod tally;

pub use tally::{Choice, Counting, Tally, Voter};
