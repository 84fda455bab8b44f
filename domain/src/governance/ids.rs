//! The ids of governance's streams and keys, apart from the aggregates so that every module
//! of governance can name them without importing another's.

use crate::ids::text_id;

text_id! {
    /// An assembly's id, chosen at random when it is convened.
    AssemblyId, "assembly-id-malformed", "assembly", 32
}

text_id! {
    /// A motion's id, chosen at random when it is put.
    MotionId, "motion-id-malformed", "motion", 32
}

text_id! {
    /// The id of the key that seals a ballot's votes (W1): drawn at random when the ballot
    /// opens, it names the key outside the database, never the key itself.
    BallotKeyId, "ballot-key-id-malformed", "ballot key", 32
}
