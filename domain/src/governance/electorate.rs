//! Who may vote on a motion, and with how many votes: fixed once, when a ballot opens, from
//! the members as they stand at its record day, under the statute in force.
//!
//! - Members with their rights on the record day vote (an excluded member lost them at the
//!   dispatch of the notice, G68); members admitted later do not.
//! - Multiple votes (G43-3): a member holds the votes granted to them, at most the statute's
//!   maximum. In the ordinary regime at most 3, and one vote each in decisions that by law
//!   need three quarters or more and in abolishing or restricting multiple votes; in a
//!   cooperative of more than three quarters entrepreneurs neither, but each member's votes
//!   count up to a tenth of the votes present (the tally caps them).
//! - Nobody votes on their own discharge or release (G43-6).
//! - At an assembly of delegates only the delegates vote, one vote each (G43a).
//! - Investing members are marked, so that the tally caps them (G8-2).

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::governance::tally::{Counting, Voter};
use crate::statute::{INVESTING_VOTE_SHARE_MAX_PERCENT, ORDINARY_VOTES_MAX};
use crate::{Majority, MemberNo, Membership, Statute};

/// Which rules on multiple votes apply (G43-3, § 43 (3) S. 3 GenG): a fact of the members,
/// not a clause of the statute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// At most 3 votes; one vote each where the law asks three quarters or more, and in
    /// abolishing or restricting multiple votes.
    Ordinary,
    /// More than three quarters of the members are entrepreneurs: no 3-vote limit and no
    /// one-vote rule; each member's votes count up to a tenth of the votes present.
    Entrepreneurs,
}

impl Regime {
    /// The regime of a cooperative with `members` members of whom `entrepreneurs` are
    /// entrepreneurs (§ 14 BGB): entrepreneurs' if more than three quarters are.
    pub fn of(members: usize, entrepreneurs: usize) -> Regime {
        if members > 0 && entrepreneurs as u128 * 4 > members as u128 * 3 {
            Regime::Entrepreneurs
        } else {
            Regime::Ordinary
        }
    }

    /// The regime a ballot was opened under, as its counting records it.
    pub fn of_counting(counting: Option<&Counting>) -> Regime {
        if counting.is_some_and(|c| c.multiple_votes_tenth_cap) {
            Regime::Entrepreneurs
        } else {
            Regime::Ordinary
        }
    }

    /// The most votes a member has in a ballot under `statute`.
    pub fn votes_max(self, statute: &Statute) -> u8 {
        match self {
            Regime::Ordinary => statute.multiple_votes_max().clamp(1, ORDINARY_VOTES_MAX),
            Regime::Entrepreneurs => statute.multiple_votes_max().max(1),
        }
    }
}

/// What a motion asks of the weighting.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighting {
    /// One vote each: in the ordinary regime a decision the law puts at three quarters or
    /// more, or abolishing or restricting multiple votes (G43-3); an election of delegates or
    /// a ballot of delegates (G43a).
    pub one_vote_each: bool,
    /// Members who may not vote on this motion: officers on their own discharge (G43-6).
    pub excluded: BTreeSet<MemberNo>,
    /// At an assembly of delegates, the delegates: only they vote (G43a). `None`: the members.
    #[serde(default)]
    pub delegates: Option<BTreeSet<MemberNo>>,
}

/// The voters of a ballot, by member number. `granted` gives the votes granted to a member
/// (1 without a grant); `regime` is the one the ballot opened under.
pub fn electorate<'a>(
    members: impl IntoIterator<Item = &'a Membership>,
    record_day: Date,
    statute: &Statute,
    weighting: &Weighting,
    regime: Regime,
    granted: impl Fn(MemberNo) -> u8,
) -> Vec<Voter> {
    let most = if weighting.one_vote_each {
        1
    } else {
        regime.votes_max(statute)
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

/// How a ballot for `majority` is counted under `statute` in `regime` (G43-3, G8-2).
pub fn counting(statute: &Statute, majority: Majority, regime: Regime) -> Counting {
    Counting {
        majority,
        multiple_votes_tenth_cap: regime == Regime::Entrepreneurs,
        investing_share_max_percent: statute
            .investing_vote_share_max_percent()
            .min(INVESTING_VOTE_SHARE_MAX_PERCENT),
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

    /// G43-3 (ordinary regime): multiple votes up to the statute's maximum, at most 3; one
    /// vote each where the weighting asks it.
    #[test]
    fn g43_3_multiple_votes_up_to_the_maximum_and_one_each_in_three_quarter_decisions() {
        let world = world(3);
        let members = memberships(&world, 3);
        let day = jiff::civil::date(2027, 3, 1);
        let grants = |m: MemberNo| if m == no(1) { 3 } else { 1 };
        let ordinary = Regime::Ordinary;
        let voters = electorate(
            &members,
            day,
            &statute(2),
            &Weighting::default(),
            ordinary,
            grants,
        );
        let votes: Vec<u8> = voters.iter().map(|v| v.votes).collect();
        assert_eq!(votes, [2, 1, 1], "the statute allows 2");
        let one_each = Weighting {
            one_vote_each: true,
            ..Weighting::default()
        };
        let voters = electorate(&members, day, &statute(3), &one_each, ordinary, grants);
        assert!(voters.iter().all(|v| v.votes == 1));
    }

    /// G43-3: given a statute granting up to 8 votes in an entrepreneurs' cooperative, a member
    /// granted 8 holds 8 in the entrepreneurs' regime (no 3-vote limit) and 3 in the ordinary
    /// one, should the entrepreneurs be three quarters or fewer on the record day.
    #[test]
    fn g43_3_the_entrepreneurs_regime_has_no_three_vote_limit() {
        let world = world(3);
        let members = memberships(&world, 3);
        let day = jiff::civil::date(2027, 3, 1);
        let eight = statute(8);
        let grants = |m: MemberNo| if m == no(1) { 8 } else { 1 };
        let votes = |regime| {
            electorate(&members, day, &eight, &Weighting::default(), regime, grants)
                .iter()
                .map(|v| v.votes)
                .collect::<Vec<u8>>()
        };
        assert_eq!(votes(Regime::Entrepreneurs), [8, 1, 1]);
        assert_eq!(votes(Regime::Ordinary), [3, 1, 1]);
        let error = Statute::parse_toml(
            &EXAMPLE_STATUTE
                .replace(
                    "entrepreneurs_cooperative = true",
                    "entrepreneurs_cooperative = false",
                )
                .replace(
                    "[assembly]",
                    "[voting]\nmultiple_votes_max = 4\n\n[assembly]",
                ),
        )
        .expect_err("4 votes outside an entrepreneurs' cooperative");
        assert_eq!(error.rule_id(), Some(crate::Rule::G43_3));
    }

    /// G43-3: the entrepreneurs' regime needs more than three quarters entrepreneurs.
    #[test]
    fn g43_3_more_than_three_quarters_entrepreneurs_make_the_entrepreneurs_regime() {
        assert_eq!(Regime::of(4, 3), Regime::Ordinary, "exactly three quarters");
        assert_eq!(Regime::of(5, 4), Regime::Entrepreneurs);
        assert_eq!(Regime::of(100, 76), Regime::Entrepreneurs);
        assert_eq!(Regime::of(100, 75), Regime::Ordinary);
        assert_eq!(Regime::of(0, 0), Regime::Ordinary);
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
            Regime::Ordinary,
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
            Regime::Ordinary,
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
        let voters = electorate(
            &members,
            before,
            &statute(1),
            &Weighting::default(),
            Regime::Ordinary,
            |_| 1,
        );
        assert!(voters.is_empty());
    }

    proptest! {
        /// G43-3: no voter's votes exceed what the regime allows: one where the weighting
        /// asks it, else the grant up to the statute's maximum, and at most 3 in the
        /// ordinary regime.
        #[test]
        fn no_weight_exceeds_the_regime(
            max in 1u8..=12,
            one_each in any::<bool>(),
            entrepreneurs in any::<bool>(),
            grants in prop::collection::vec(0u8..=20, 3),
        ) {
            let world = world(3);
            let members = memberships(&world, 3);
            let weighting = Weighting { one_vote_each: one_each, ..Weighting::default() };
            let regime = if entrepreneurs { Regime::Entrepreneurs } else { Regime::Ordinary };
            let voters = electorate(
                &members,
                jiff::civil::date(2027, 3, 1),
                &statute(max),
                &weighting,
                regime,
                |m: MemberNo| grants[m.get() as usize - 1],
            );
            let most = match (one_each, regime) {
                (true, _) => 1,
                (false, Regime::Ordinary) => max.min(3),
                (false, Regime::Entrepreneurs) => max,
            };
            for v in voters {
                prop_assert!((1..=most).contains(&v.votes), "{:?} above {}", v, most);
            }
        }
    }
}
