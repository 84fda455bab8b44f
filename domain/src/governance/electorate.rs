//! Who may vote on a motion, and with how many votes: fixed once, when a ballot opens, from
//! the members as they stand at its record day, under the statute in force.
//!
//! - Members with their rights on the record day vote (an excluded member lost them at the
//!   dispatch of the notice, G68); members admitted later do not.
//! - Multiple votes (G43-3): a member holds the votes granted to them, at most the statute's
//!   maximum (at most 3); in decisions that by law need three quarters, and in abolishing
//!   multiple votes, every member has one vote.
//! - Nobody votes on their own discharge or release (G43-6).
//! - At an assembly of delegates only the delegates vote, one vote each (G43a).
//! - Investing members are marked, so that the tally caps them (G8-2).

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::governance::tally::{Counting, Voter};
use crate::{Majority, MemberNo, Membership, Statute};

/// What a motion asks of the weighting.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighting {
    /// One vote each: a decision the law puts at three quarters, or abolishing multiple
    /// votes (G43-3).
    pub one_vote_each: bool,
    /// Members who may not vote on this motion: officers on their own discharge (G43-6).
    pub excluded: BTreeSet<MemberNo>,
    /// At an assembly of delegates, the delegates: only they vote (G43a). `None`: the members.
    #[serde(default)]
    pub delegates: Option<BTreeSet<MemberNo>>,
}

/// The voters of a ballot, by member number. `granted` gives the votes the statute's regime
/// granted a member (1 without a grant).
pub fn electorate<'a>(
    members: impl IntoIterator<Item = &'a Membership>,
    record_day: Date,
    statute: &Statute,
    weighting: &Weighting,
    granted: impl Fn(MemberNo) -> u8,
) -> Vec<Voter> {
    let most = if weighting.one_vote_each {
        1
    } else {
        statute.multiple_votes_max().clamp(1, 3)
    };
    let mut voters: Vec<Voter> = members
        .into_iter()
        .filter(|m| m.has_rights_on(record_day) && !weighting.excluded.contains(&m.member()))
        .filter(|m| {
            weighting
                .delegates
                .as_ref()
                .is_none_or(|delegates| delegates.contains(&m.member()))
        })
        .map(|m| Voter {
            member: m.member(),
            votes: granted(m.member()).clamp(1, most),
            investing: m.kind().is_investing(),
        })
        .collect();
    voters.sort_by_key(|v| v.member);
    voters
}

/// How a ballot for `majority` is counted under `statute` (G43-3, G8-2).
pub fn counting(statute: &Statute, majority: Majority) -> Counting {
    Counting {
        majority,
        multiple_votes_tenth_cap: statute.is_entrepreneurs_cooperative(),
        investing_share_max_percent: statute.investing_vote_share_max_percent().min(25),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::coop::tests_support::{World, world};
    use crate::statute::EXAMPLE_STATUTE;

    fn statute(multiple_votes_max: u8) -> Statute {
        let text = EXAMPLE_STATUTE.replace(
            "[assembly]",
            &format!("[voting]\nmultiple_votes_max = {multiple_votes_max}\n\n[assembly]"),
        );
        Statute::parse_toml(&text).expect("a valid statute")
    }

    fn memberships(world: &World, n: u32) -> Vec<Membership> {
        (1..=n)
            .filter_map(|i| world.member(i).membership().cloned())
            .collect()
    }

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    /// G43-3: multiple votes up to the statute's maximum; one vote each where the law asks
    /// three quarters.
    #[test]
    fn g43_3_multiple_votes_up_to_the_maximum_and_one_each_in_three_quarter_decisions() {
        let world = world(3);
        let members = memberships(&world, 3);
        let day = jiff::civil::date(2027, 3, 1);
        let grants = |m: MemberNo| if m == no(1) { 3 } else { 1 };
        let voters = electorate(&members, day, &statute(2), &Weighting::default(), grants);
        let votes: Vec<u8> = voters.iter().map(|v| v.votes).collect();
        assert_eq!(votes, [2, 1, 1], "the statute allows 2");
        let one_each = Weighting {
            one_vote_each: true,
            ..Weighting::default()
        };
        let voters = electorate(&members, day, &statute(3), &one_each, grants);
        assert!(voters.iter().all(|v| v.votes == 1));
    }

    /// G43-6: nobody votes on their own discharge.
    #[test]
    fn g43_6_officers_do_not_vote_on_their_own_discharge() {
        let world = world(3);
        let members = memberships(&world, 3);
        let discharge = Weighting {
            excluded: BTreeSet::from([no(1), no(2)]),
            ..Weighting::default()
        };
        let voters = electorate(
            &members,
            jiff::civil::date(2027, 3, 1),
            &statute(1),
            &discharge,
            |_| 1,
        );
        assert_eq!(voters.iter().map(|v| v.member).collect::<Vec<_>>(), [no(3)]);
    }

    /// G43a: at an assembly of delegates only the delegates with their rights vote.
    #[test]
    fn g43a_only_the_delegates_vote_at_their_assembly() {
        let world = world(3);
        let members = memberships(&world, 3);
        let delegates = Weighting {
            one_vote_each: true,
            delegates: Some(BTreeSet::from([no(2), no(3), no(9)])),
            ..Weighting::default()
        };
        let voters = electorate(
            &members,
            jiff::civil::date(2027, 3, 1),
            &statute(3),
            &delegates,
            |_| 3,
        );
        let voters: Vec<_> = voters.iter().map(|v| (v.member, v.votes)).collect();
        assert_eq!(voters, [(no(2), 1), (no(3), 1)], "member 9 is no member");
    }

    /// Members admitted after the record day do not vote.
    #[test]
    fn members_admitted_after_the_record_day_do_not_vote() {
        let world = world(3);
        let members = memberships(&world, 3);
        let founded = members[0].admitted_on();
        let before = founded.yesterday().expect("a day");
        let voters = electorate(&members, before, &statute(1), &Weighting::default(), |_| 1);
        assert!(voters.is_empty());
    }

    proptest! {
        /// No voter's weight exceeds what the regime allows.
        #[test]
        fn no_weight_exceeds_the_regime(
            max in 1u8..=3,
            one_each in any::<bool>(),
            grants in prop::collection::vec(0u8..=9, 3),
        ) {
            let world = world(3);
            let members = memberships(&world, 3);
            let weighting = Weighting { one_vote_each: one_each, ..Weighting::default() };
            let voters = electorate(
                &members,
                jiff::civil::date(2027, 3, 1),
                &statute(max),
                &weighting,
                |m| grants[m.get() as usize - 1],
            );
            let most = if one_each { 1 } else { max };
            for v in voters {
                prop_assert!((1..=most).contains(&v.votes), "{:?} above {}", v, most);
            }
        }
    }
}
