//! Governance: how members decide together (issue 6, under way).
//!
//! - `assembly`: forms (G43b), notice (G46), a minority's demand (G45).
//! - `motions`: what a motion decides and the majority it needs, derived (G16, G78, G43-2,
//!   G43-6).
//! - `electorate`: who votes with how many votes, fixed at a ballot's record day (G43-3,
//!   G43-6, G8-2).
//! - `proxies`: who votes for whom (G43-5): at most two principals per proxy, no chains, a
//!   history per principal.
//! - `tally`: counting a ballot exactly under the statute's regime: abstentions (G43-2),
//!   multiple votes and their cap (G43-3), the investing members' cap (G8-2), the majority.

pub mod assembly;
pub mod electorate;
pub mod motions;
pub mod proxies;
pub mod tally;

pub use electorate::{Weighting, counting, electorate};
pub use motions::{MotionKind, Requirement, requirement};
pub use proxies::{Delegation, GrantProxy, Proxies, ProxyGranted, ProxyRevoked};
pub use tally::{Choice, Counting, Tally, Voter};
