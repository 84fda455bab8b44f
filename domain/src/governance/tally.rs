//! Counting a ballot, exactly: the weight of each vote under the statute's regime, the caps the
//! law puts on multiple votes and on investing members, and the outcome against the majority.
//!
//! Every weight is a fraction; the tally keeps one common denominator and compares in integers
//! (`u128`), so no rounding ever decides a vote.
//!
//! - Abstentions and invalid votes do not count (G43-2): the weight *cast* is yes plus no.
//! - Multiple votes (G43-3): a voter has 1 to 3 votes as the electorate fixed them. In an
//!   entrepreneurs' cooperative the additional votes of all voters present together reach at
//!   most one tenth of the votes present; above that, each voter's additional votes are scaled
//!   down alike.
//! - Investing members (G8-2): their combined weight cast is at most the statute's share (at
//!   most one quarter) of the weight cast, i.e. at most `p / (100 - p)` of the other members'
//!   weight cast; above that, each investing vote is scaled down alike. With a share of 0 they
//!   do not count at all. So whenever all other voting members agree, the outcome follows them.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Majority, MemberNo};

/// How a voter voted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Choice {
    /// For the motion.
    Yes,
    /// Against it.
    No,
    /// Present, not taking a side: does not count (G43-2).
    Abstain,
    /// A vote that cannot be counted: does not count (G43-2).
    Invalid,
}

/// A voter as the electorate fixed them when the ballot opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    /// The member.
    pub member: MemberNo,
    /// Votes, 1 to 3 (G43-3).
    pub votes: u8,
    /// An investing member (G8-2).
    pub investing: bool,
}

/// The rules a ballot is counted under, from the statute in force when it opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counting {
    /// The majority the motion needs.
    pub majority: Majority,
    /// Multiple votes are capped at one tenth of the votes present (an entrepreneurs'
    /// cooperative, G43-3).
    pub multiple_votes_tenth_cap: bool,
    /// The investing members' largest share of the weight cast, in percent (0 to 25, G8-2).
    pub investing_share_max_percent: u8,
}

/// The result of counting. The weights are exact fractions over one denominator, written as
/// decimal strings in events (they may exceed what a JSON number holds exactly).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    /// Yes, in units of `1 / denominator`.
    #[serde(with = "u128_text")]
    pub yes: u128,
    /// No, in the same units.
    #[serde(with = "u128_text")]
    pub no: u128,
    /// The common denominator of `yes` and `no`.
    #[serde(with = "u128_text")]
    pub denominator: u128,
    /// Voters who voted yes, by head.
    pub yes_voters: u64,
    /// Voters who voted no, by head.
    pub no_voters: u64,
    /// Voters who abstained.
    pub abstentions: u64,
    /// Invalid votes.
    pub invalid: u64,
    /// True if the investing members' weight was scaled down (G8-2).
    pub investing_capped: bool,
    /// True if multiple votes were scaled down (G43-3).
    pub multiple_votes_capped: bool,
    /// True if yes reached the majority of the weight cast.
    pub adopted: bool,
}

mod u128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The most ballots one tally counts: far above any cooperative's membership, and low enough
/// that every product below fits in 128 bits.
pub const BALLOTS_MAX: usize = 10_000_000;

/// Counts `ballots` (each voter at most once; the caller guarantees it) under `counting`.
pub fn count(ballots: &[(Voter, Choice)], counting: Counting) -> Result<Tally, DomainError> {
    if ballots.len() > BALLOTS_MAX {
        return Err(DomainError::invalid(
            "ballot-too-large",
            "ballots",
            format!("a tally counts at most {BALLOTS_MAX} ballots"),
        ));
    }
    if counting.investing_share_max_percent > 25 {
        return Err(DomainError::invalid(
            "investing-share-above-law",
            "investing_share_max_percent",
            "investing members hold at most a quarter of the weight cast (G8-2)",
        ));
    }
    let by = |choice: Choice| ballots.iter().filter(move |(_, c)| *c == choice);
    let abstentions = by(Choice::Abstain).count() as u64;
    let invalid = by(Choice::Invalid).count() as u64;

    // G43-3: present are all who took part; their additional votes reach at most a tenth of
    // the votes present. With `extra` additional votes among `present` heads, the cap holds
    // while 10 * extra <= present + extra, i.e. 9 * extra <= present.
    let present = ballots.len() as u128;
    let extra: u128 = ballots
        .iter()
        .map(|(v, _)| u128::from(v.votes.clamp(1, 3) - 1))
        .sum();
    let multiple_votes_capped = counting.multiple_votes_tenth_cap && 9 * extra > present;
    // Each additional vote weighs `scale_n / scale_d`.
    let (scale_n, scale_d) = if multiple_votes_capped {
        (present, 9 * extra)
    } else {
        (1, 1)
    };
    let weight = |v: &Voter| scale_d + u128::from(v.votes.clamp(1, 3) - 1) * scale_n;
    let sum = |choice: Choice, investing: bool| -> u128 {
        by(choice)
            .filter(|(v, _)| v.investing == investing)
            .map(|(v, _)| weight(v))
            .sum()
    };
    let (yes_r, no_r) = (sum(Choice::Yes, false), sum(Choice::No, false));
    let (yes_i, no_i) = (sum(Choice::Yes, true), sum(Choice::No, true));

    // G8-2: investing weight cast at most p / (100 - p) of the others' weight cast.
    let p = u128::from(counting.investing_share_max_percent);
    let others = yes_r + no_r;
    let investing = yes_i + no_i;
    let investing_capped = investing > 0 && investing * (100 - p) > others * p;
    let (yes, no, denominator) = if investing_capped {
        // Each investing weight unit counts (others * p) / (investing * (100 - p)).
        let unit = investing * (100 - p);
        (
            yes_r * unit + yes_i * others * p,
            no_r * unit + no_i * others * p,
            scale_d * unit,
        )
    } else {
        (yes_r + yes_i, no_r + no_i, scale_d)
    };
    let adopted = counting.majority.is_reached(yes, yes + no);
    Ok(Tally {
        yes,
        no,
        denominator,
        yes_voters: by(Choice::Yes).count() as u64,
        no_voters: by(Choice::No).count() as u64,
        abstentions,
        invalid,
        investing_capped,
        multiple_votes_capped,
        adopted,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const THREE_QUARTERS: Majority = Majority::AtLeast {
        numerator: 3,
        denominator: 4,
    };

    fn voter(n: u32, votes: u8, investing: bool) -> Voter {
        Voter {
            member: MemberNo::new(n).expect("not zero"),
            votes,
            investing,
        }
    }

    fn counting(majority: Majority) -> Counting {
        Counting {
            majority,
            multiple_votes_tenth_cap: false,
            investing_share_max_percent: 25,
        }
    }

    /// G43-2: a simple majority of the votes cast; abstentions and invalid votes do not count.
    #[test]
    fn g43_2_abstentions_and_invalid_votes_do_not_count() {
        let ballots = [
            (voter(1, 1, false), Choice::Yes),
            (voter(2, 1, false), Choice::Abstain),
            (voter(3, 1, false), Choice::Abstain),
            (voter(4, 1, false), Choice::Invalid),
        ];
        let tally = count(&ballots, counting(Majority::Simple)).expect("counts");
        assert!(tally.adopted, "one yes, nothing against");
        assert_eq!((tally.abstentions, tally.invalid), (2, 1));
        let tie = [
            (voter(1, 1, false), Choice::Yes),
            (voter(2, 1, false), Choice::No),
        ];
        assert!(
            !count(&tie, counting(Majority::Simple))
                .expect("counts")
                .adopted
        );
        assert!(
            !count(&[], counting(Majority::Simple))
                .expect("counts")
                .adopted
        );
    }

    /// G8-2: however the investing members vote, they cannot outvote the others nor block a
    /// three-quarter decision the others agree on.
    #[test]
    fn g8_2_investing_members_never_outvote_the_others() {
        let mut ballots = vec![(voter(1, 1, false), Choice::Yes)];
        ballots.extend((2..=50).map(|n| (voter(n, 1, true), Choice::No)));
        let tally = count(&ballots, counting(THREE_QUARTERS)).expect("counts");
        assert!(tally.investing_capped && tally.adopted, "{tally:?}");
        // Exactly at the cap: one quarter of the weight cast.
        assert_eq!(tally.no * 4, (tally.yes + tally.no));
        let excluded = Counting {
            investing_share_max_percent: 0,
            ..counting(Majority::Simple)
        };
        let mut ballots = vec![(voter(1, 1, false), Choice::No)];
        ballots.extend((2..=50).map(|n| (voter(n, 1, true), Choice::Yes)));
        let tally = count(&ballots, excluded).expect("counts");
        assert!(!tally.adopted && tally.yes == 0, "{tally:?}");
    }

    /// G43-3: in an entrepreneurs' cooperative the additional votes of those present reach
    /// at most one tenth of the votes present.
    #[test]
    fn g43_3_multiple_votes_reach_at_most_a_tenth_of_the_votes_present() {
        // Two members with 3 votes against nine with 1: 4 additional votes of 15 present.
        let mut ballots = vec![
            (voter(1, 3, false), Choice::Yes),
            (voter(2, 3, false), Choice::Yes),
        ];
        ballots.extend((3..=11).map(|n| (voter(n, 1, false), Choice::No)));
        let uncapped = count(&ballots, counting(Majority::Simple)).expect("counts");
        assert!(!uncapped.multiple_votes_capped);
        assert_eq!((uncapped.yes, uncapped.no), (6, 9));
        let capped = count(
            &ballots,
            Counting {
                multiple_votes_tenth_cap: true,
                ..counting(Majority::Simple)
            },
        )
        .expect("counts");
        assert!(capped.multiple_votes_capped);
        // Additional votes 11/9 in all: one tenth of the 11 + 11/9 votes present.
        let extra = capped.yes - 2 * capped.denominator;
        assert_eq!(10 * extra, capped.yes + capped.no);
        assert!(!capped.adopted);
    }

    fn ballots() -> impl Strategy<Value = Vec<(Voter, Choice)>> {
        let choice = prop_oneof![
            Just(Choice::Yes),
            Just(Choice::No),
            Just(Choice::Abstain),
            Just(Choice::Invalid)
        ];
        prop::collection::vec((1u8..=3, any::<bool>(), choice), 0..60).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (votes, investing, choice))| {
                    (voter(i as u32 + 1, votes, investing), choice)
                })
                .collect()
        })
    }

    fn any_counting() -> impl Strategy<Value = Counting> {
        (
            prop_oneof![Just(Majority::Simple), Just(THREE_QUARTERS)],
            any::<bool>(),
            0u8..=25,
        )
            .prop_map(|(majority, tenth, percent)| Counting {
                majority,
                multiple_votes_tenth_cap: tenth,
                investing_share_max_percent: percent,
            })
    }

    /// A fraction in lowest terms, for the independent recomputation.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Fraction(u128, u128);

    impl Fraction {
        fn new(n: u128, d: u128) -> Self {
            let g = gcd(n, d).max(1);
            Fraction(n / g, d / g)
        }
        fn add(self, o: Fraction) -> Self {
            Fraction::new(self.0 * o.1 + o.0 * self.1, self.1 * o.1)
        }
        fn mul(self, o: Fraction) -> Self {
            Fraction::new(self.0 * o.0, self.1 * o.1)
        }
    }

    fn gcd(a: u128, b: u128) -> u128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    /// The tally recomputed voter by voter with fractions in lowest terms.
    fn recount(ballots: &[(Voter, Choice)], counting: Counting) -> (Fraction, Fraction) {
        let present = ballots.len() as u128;
        let extra: u128 = ballots.iter().map(|(v, _)| u128::from(v.votes - 1)).sum();
        let scale = if counting.multiple_votes_tenth_cap && 9 * extra > present {
            Fraction::new(present, 9 * extra)
        } else {
            Fraction(1, 1)
        };
        let zero = Fraction(0, 1);
        let mut sums = [[zero; 2]; 2]; // [investing][yes/no]
        for (v, c) in ballots {
            let side = match c {
                Choice::Yes => 0,
                Choice::No => 1,
                _ => continue,
            };
            let w = Fraction(1, 1).add(Fraction(u128::from(v.votes - 1), 1).mul(scale));
            sums[usize::from(v.investing)][side] = sums[usize::from(v.investing)][side].add(w);
        }
        let others = sums[0][0].add(sums[0][1]);
        let investing = sums[1][0].add(sums[1][1]);
        let p = u128::from(counting.investing_share_max_percent);
        let allowed = others.mul(Fraction::new(p, 100 - p));
        // investing > allowed?
        let factor = if investing.0 * allowed.1 > allowed.0 * investing.1 {
            Fraction::new(allowed.0 * investing.1, allowed.1 * investing.0)
        } else {
            Fraction(1, 1)
        };
        (
            sums[0][0].add(sums[1][0].mul(factor)),
            sums[0][1].add(sums[1][1].mul(factor)),
        )
    }

    proptest! {
        /// The tally equals a recomputation voter by voter, with fractions in lowest terms.
        #[test]
        fn the_tally_equals_an_independent_recount(ballots in ballots(), counting in any_counting()) {
            let tally = count(&ballots, counting).expect("counts");
            let (yes, no) = recount(&ballots, counting);
            prop_assert_eq!(Fraction::new(tally.yes, tally.denominator), yes);
            prop_assert_eq!(Fraction::new(tally.no, tally.denominator), no);
            prop_assert_eq!(
                tally.adopted,
                counting.majority.is_reached(yes.0 * no.1, yes.0 * no.1 + no.0 * yes.1)
            );
        }

        /// G8-2: whenever all other voting members agree, the outcome follows them, whatever
        /// the investing members vote, for simple and three-quarter motions.
        #[test]
        fn g8_2_the_others_decide_when_they_agree(
            ballots in ballots(),
            counting in any_counting(),
            agree_yes in any::<bool>(),
        ) {
            let side = if agree_yes { Choice::Yes } else { Choice::No };
            let ballots: Vec<_> = ballots
                .into_iter()
                .map(|(v, c)| match (v.investing, c) {
                    (false, Choice::Yes | Choice::No) => (v, side),
                    _ => (v, c),
                })
                .collect();
            prop_assume!(ballots.iter().any(|(v, c)| !v.investing && matches!(c, Choice::Yes | Choice::No)));
            // Multiple votes are the others' too: keep the comparison about investing members.
            let tally = count(&ballots, counting).expect("counts");
            prop_assert_eq!(tally.adopted, agree_yes, "{:?}", tally);
        }
    }
}
