//! Governance: how members decide together.
//!
//! - `assembly`: the `Assembly` aggregate: forms (G43b), notice (G46), a minority's demand
//!   (G45).
//! - `ballot`: the `Motion` aggregate: put, open (the electorate fixed), votes (one stream per
//!   voter), close, count with the result's effects; sealed votes for secret and hidden
//!   ballots.
//! - `ids`: `AssemblyId`, `MotionId`, `BallotKeyId`.
//! - `delegates`: the assembly of delegates above 1,500 members and the election of its
//!   delegates (G43a).
//! - `motions`: what a motion decides and the majority it needs, derived (G16, G78, G43-2,
//!   G43-6).
//! - `electorate`: who votes with how many votes, fixed at a ballot's record day (G43-3,
//!   G43-6, G8-2).
//! - `proxies`: who votes for whom (G43-5): at most two principals per proxy, no chains, a
//!   history per principal.
//! - `tally`: counting a ballot exactly under the statute's regime: abstentions (G43-2),
//!   multiple votes and their cap (G43-3), the investing members' cap (G8-2), the majority.

pub mod assembly;
pub mod ballot;
pub mod delegates;
pub mod electorate;
pub mod ids;
pub mod motions;
pub mod proxies;
pub mod tally;

pub use assembly::{
    AddItem, AgendaItemAdded, Assembly, AssemblyConvened, AttendanceFacts, AttendanceRecorded,
    ChairChosen, Convene, MemberCounts, Presence, RecordAttendance,
};
pub use ballot::{
    BallotClosed, BallotCounted, BallotKeyDestroyed, BallotKeyDisclosed, BallotOpened, CastVote,
    Channel, DestroyBallotKey, InvestmentApproved, Mark, Motion, MotionPut, OpenBallot,
    OpeningFacts, Outcome, PutMotion, Stage, VoteCast, VoterState,
};
pub use delegates::DelegatesElected;
pub use electorate::{Regime, Weighting, counting, electorate};
pub use ids::{AssemblyId, BallotKeyId, MotionId};
pub use motions::{MotionKind, Requirement, SurveyMode, requirement};
pub use proxies::{Delegation, GrantProxy, Proxies, ProxyFacts, ProxyGranted, ProxyRevoked};
pub use tally::{Choice, Counting, Tally, Voter};
