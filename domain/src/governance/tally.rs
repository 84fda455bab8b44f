//! Counting a ballot, exactly: the weight of each vote under the statute's regime, the caps the
//! law puts on multiple votes and on investing members, and the outcome against the majority.
//!
//! Every weight is a fraction; the tally keeps one common denominator and compares in integers
//! (`u128`), so no rounding ever decides a vote.
//!
//! - Abstentions and invalid votes do not count (G43-2): the weight *cast* is yes plus no.
//! - Multiple votes (G43-3): a voter has the votes the electorate fixed for them. In an
//!   entrepreneurs' cooperative each member exercises them only up to one tenth of the votes
//!   present (§ 43 (3) S. 3 no. 2 GenG), never fewer than their one vote: a voter's weight is
//!   `min(votes, max(1, present / 10))`, where the votes present are those of everybody who
//!   took part in the ballot (yes, no, abstention or invalid).
//! - Investing members (G8-2): their combined weight cast is at most a share `c` of the weight
//!   cast, where `c` is the smaller of the statute's share (below one half) and one minus the
//!   majority the ballot needs; above that, each investing vote is scaled down alike. With a
//!   share of 0, or a unanimous ballot, they do not count at all. So whenever all other voting
//!   members agree, the outcome follows them, whatever the majority (§ 8 (2) S. 2 GenG).

use serde::{Deserialize, Serialize};

use crate::statute::INVESTING_VOTE_SHARE_MAX_PERCENT;
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
    /// Votes, at least 1 (G43-3).
    pub votes: u8,
    /// An investing member (G8-2).
    pub investing: bool,
}

/// The rules a ballot is counted under, from the statute in force when it opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counting {
    /// The majority the motion needs.
    pub majority: Majority,
    /// Each member's votes count up to one tenth of the votes present (an entrepreneurs'
    /// cooperative, G43-3): the entrepreneurs' regime.
    pub multiple_votes_tenth_cap: bool,
    /// The statute's largest share of the weight cast for investing members, in percent
    /// (below 50, G8-2); the ballot's majority may cap them lower.
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
    /// True if a member's multiple votes were capped at a tenth of the votes present (G43-3).
    pub multiple_votes_capped: bool,
    /// True if yes reached the majority of the weight cast.
    pub adopted: bool,
}

impl Tally {
    /// True if `other` says the same: the same weights as fractions (whatever their common
    /// denominator), the same heads, caps and outcome. A tally recorded by an earlier build
    /// may be written in other units than today's count of the same votes.
    pub fn says_the_same_as(&self, other: &Tally) -> bool {
        let same_fraction = |a: u128, b: u128| {
            a.checked_mul(other.denominator) == b.checked_mul(self.denominator)
                && a.checked_mul(other.denominator).is_some()
        };
        same_fraction(self.yes, other.yes)
            && same_fraction(self.no, other.no)
            && (
                self.yes_voters,
                self.no_voters,
                self.abstentions,
                self.invalid,
            ) == (
                other.yes_voters,
                other.no_voters,
                other.abstentions,
                other.invalid,
            )
            && (
                self.investing_capped,
                self.multiple_votes_capped,
                self.adopted,
            ) == (
                other.investing_capped,
                other.multiple_votes_capped,
                other.adopted,
            )
    }
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

/// The largest share of the weight cast investing members hold in a ballot needing
/// `majority`, as a fraction: the smaller of the statute's `percent` and one minus the
/// majority (G8-2). For a simple majority one minus it is one half, which the statute's share
/// (below one half) never reaches.
pub fn investing_cap(percent: u8, majority: Majority) -> (u128, u128) {
    let statute = (u128::from(percent), 100);
    let (n, d) = match majority {
        Majority::Simple => return statute,
        Majority::AtLeast {
            numerator,
            denominator,
        } => (u128::from(numerator), u128::from(denominator)),
    };
    let complement = (d - n.min(d), d);
    // percent / 100 ≤ (d − n) / d ?
    if statute.0 * complement.1 <= complement.0 * statute.1 {
        statute
    } else {
        complement
    }
}

/// Counts `ballots` (each voter at most once; the caller guarantees it) under `counting`.
pub fn count(ballots: &[(Voter, Choice)], counting: Counting) -> Result<Tally, DomainError> {
    if ballots.len() > BALLOTS_MAX {
        return Err(DomainError::invalid(
            "ballot-too-large",
            "ballots",
            format!("a tally counts at most {BALLOTS_MAX} ballots"),
        ));
    }
    if counting.investing_share_max_percent > INVESTING_VOTE_SHARE_MAX_PERCENT {
        return Err(DomainError::invalid(
            "investing-share-above-law",
            "investing_share_max_percent",
            "investing members hold less than half of the weight cast (G8-2)",
        ));
    }
    let by = |choice: Choice| ballots.iter().filter(move |(_, c)| *c == choice);
    let abstentions = by(Choice::Abstain).count() as u64;
    let invalid = by(Choice::Invalid).count() as u64;

    // G43-3: in the entrepreneurs' regime a voter exercises at most a tenth of the votes
    // present, never fewer than one. In tenths of a vote: min(10 × votes, max(10, present)).
    let present: u128 = ballots
        .iter()
        .map(|(v, _)| u128::from(v.votes.max(1)))
        .sum();
    let (unit, cap) = if counting.multiple_votes_tenth_cap {
        (10, Some(present.max(10)))
    } else {
        (1, None)
    };
    let weight = |v: &Voter| {
        let full = u128::from(v.votes.max(1)) * unit;
        cap.map_or(full, |cap| full.min(cap))
    };
    let multiple_votes_capped = ballots
        .iter()
        .any(|(v, _)| cap.is_some_and(|_| weight(v) < u128::from(v.votes.max(1)) * unit));
    let sum = |choice: Choice, investing: bool| -> u128 {
        by(choice)
            .filter(|(v, _)| v.investing == investing)
            .map(|(v, _)| weight(v))
            .sum()
    };
    let (yes_r, no_r) = (sum(Choice::Yes, false), sum(Choice::No, false));
    let (yes_i, no_i) = (sum(Choice::Yes, true), sum(Choice::No, true));

    // G8-2: the investing weight cast is at most cn / cd of all weight cast, i.e. at most
    // others × cn / (cd − cn).
    let (cn, cd) = investing_cap(counting.investing_share_max_percent, counting.majority);
    let others = yes_r + no_r;
    let investing = yes_i + no_i;
    let investing_capped = investing > 0 && investing * (cd - cn) > others * cn;
    let (yes, no, denominator) = if investing_capped {
        // Each investing weight unit counts (others × cn) / (investing × (cd − cn)).
        let scale = investing * (cd - cn);
        (
            yes_r * scale + yes_i * others * cn,
            no_r * scale + no_i * others * cn,
            unit * scale,
        )
    } else {
        (yes_r + yes_i, no_r + no_i, unit)
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

    /// G43-3 (entrepreneurs' regime): given two members with 3 votes and nine with 1 — 15
    /// votes present —, each exercises at most 1.5 of them; when the two vote yes and the
    /// nine no, yes weighs 3 and no 9.
    #[test]
    fn g43_3_each_members_votes_count_up_to_a_tenth_of_the_votes_present() {
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
        assert_eq!(
            (capped.yes, capped.no, capped.denominator),
            (30, 90, 10),
            "1.5 + 1.5 against 9, in tenths"
        );
        assert!(!capped.adopted);
    }

    /// G43-3 (entrepreneurs' regime): a member with more votes than a tenth of those present
    /// still has their one vote; with 40 present, a member's 4 votes count whole.
    #[test]
    fn g43_3_the_tenth_never_takes_a_members_one_vote() {
        let few = [
            (voter(1, 5, false), Choice::Yes),
            (voter(2, 1, false), Choice::No),
        ];
        let tally = count(
            &few,
            Counting {
                multiple_votes_tenth_cap: true,
                ..counting(Majority::Simple)
            },
        )
        .expect("counts");
        assert_eq!((tally.yes, tally.no), (10, 10), "6 present: each 1 vote");
        let mut many = vec![(voter(1, 4, false), Choice::Yes)];
        many.extend((2..=37).map(|n| (voter(n, 1, false), Choice::Abstain)));
        many.push((voter(38, 1, false), Choice::No));
        let tally = count(
            &many,
            Counting {
                multiple_votes_tenth_cap: true,
                ..counting(Majority::Simple)
            },
        )
        .expect("counts");
        assert_eq!(
            (tally.yes, tally.no),
            (40, 10),
            "41 present: 4 votes are within a tenth"
        );
        assert!(!tally.multiple_votes_capped);
    }

    /// G8-2: given investing members whose statute share is 25 %, when a ballot needs nine
    /// tenths and every other member votes yes, the investing members' no weighs at most a
    /// tenth of the weight cast and the motion passes.
    #[test]
    fn g8_2_investing_members_cannot_block_a_nine_tenths_resolution() {
        let nine_tenths = Majority::AtLeast {
            numerator: 9,
            denominator: 10,
        };
        let mut ballots: Vec<_> = (1..=9).map(|n| (voter(n, 1, false), Choice::Yes)).collect();
        ballots.extend((10..=14).map(|n| (voter(n, 1, true), Choice::No)));
        let tally = count(&ballots, counting(nine_tenths)).expect("counts");
        assert!(tally.investing_capped && tally.adopted, "{tally:?}");
        assert_eq!(tally.no * 10, tally.yes + tally.no, "exactly a tenth");
        assert_eq!(investing_cap(25, nine_tenths), (1, 10));
        assert_eq!(investing_cap(25, THREE_QUARTERS), (25, 100));
        assert_eq!(investing_cap(49, Majority::Simple), (49, 100));
        let unanimous = Majority::AtLeast {
            numerator: 1,
            denominator: 1,
        };
        assert_eq!(investing_cap(25, unanimous).0, 0, "never against unanimity");
    }

    fn ballots() -> impl Strategy<Value = Vec<(Voter, Choice)>> {
        let choice = prop_oneof![
            Just(Choice::Yes),
            Just(Choice::No),
            Just(Choice::Abstain),
            Just(Choice::Invalid)
        ];
        let votes = prop_oneof![3 => 1u8..=3, 1 => 1u8..=40];
        prop::collection::vec((votes, any::<bool>(), choice), 0..60).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (votes, investing, choice))| {
                    (voter(i as u32 + 1, votes, investing), choice)
                })
                .collect()
        })
    }

    /// Every majority the law knows (simple, 3/4, 9/10) and any a statute may set.
    fn any_majority() -> impl Strategy<Value = Majority> {
        prop_oneof![
            Just(Majority::Simple),
            Just(THREE_QUARTERS),
            Just(Majority::AtLeast {
                numerator: 9,
                denominator: 10
            }),
            (1u8..=20)
                .prop_flat_map(|d| (d / 2 + 1..=d, Just(d)))
                .prop_map(|(numerator, denominator)| Majority::AtLeast {
                    numerator,
                    denominator
                }),
        ]
    }

    fn any_counting() -> impl Strategy<Value = Counting> {
        (
            any_majority(),
            any::<bool>(),
            0u8..=INVESTING_VOTE_SHARE_MAX_PERCENT,
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
        let present: u128 = ballots.iter().map(|(v, _)| u128::from(v.votes)).sum();
        // A tenth of the votes present, at least one vote.
        let tenth = if present >= 10 {
            Fraction::new(present, 10)
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
            let votes = Fraction(u128::from(v.votes), 1);
            let w = if counting.multiple_votes_tenth_cap && votes.0 * tenth.1 > tenth.0 {
                tenth
            } else {
                votes
            };
            sums[usize::from(v.investing)][side] = sums[usize::from(v.investing)][side].add(w);
        }
        let others = sums[0][0].add(sums[0][1]);
        let investing = sums[1][0].add(sums[1][1]);
        // The cap c: the smaller of the statute's share and one minus the majority.
        let statute = Fraction::new(u128::from(counting.investing_share_max_percent), 100);
        let c = match counting.majority {
            Majority::Simple => statute,
            Majority::AtLeast {
                numerator,
                denominator,
            } => {
                let complement =
                    Fraction::new(u128::from(denominator - numerator), u128::from(denominator));
                if statute.0 * complement.1 <= complement.0 * statute.1 {
                    statute
                } else {
                    complement
                }
            }
        };
        // Investing weight allowed: others × c / (1 − c).
        let allowed = if c.0 == 0 {
            zero
        } else {
            others.mul(Fraction::new(c.0, c.1 - c.0))
        };
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
        /// A tally written in other units says the same (a result recorded by an earlier
        /// build against today's recount), and one with other weights does not.
        #[test]
        fn a_tally_in_other_units_says_the_same(
            yes in 0u128..1_000_000,
            no in 0u128..1_000_000,
            denominator in 1u128..1_000,
            scale in 1u128..1_000,
        ) {
            let tally = Tally {
                yes,
                no,
                denominator,
                yes_voters: 3,
                no_voters: 2,
                abstentions: 1,
                invalid: 0,
                investing_capped: false,
                multiple_votes_capped: false,
                adopted: yes > no,
            };
            let scaled = Tally {
                yes: yes * scale,
                no: no * scale,
                denominator: denominator * scale,
                ..tally.clone()
            };
            prop_assert!(tally.says_the_same_as(&scaled) && scaled.says_the_same_as(&tally));
            let other = Tally { yes: yes + 1, ..tally.clone() };
            prop_assert!(!tally.says_the_same_as(&other));
        }
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
        /// the investing members vote, for every majority (simple, 3/4, 9/10 and any a
        /// statute sets) and either regime of multiple votes.
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

        /// G43-3: in the entrepreneurs' regime no voter weighs more than a tenth of the votes
        /// present, unless that is below their one vote, and never less than one vote; in the
        /// ordinary regime votes count whole. A voter's weight is read off a ballot in which
        /// they alone vote yes and everybody else abstains (so all stay present).
        #[test]
        fn g43_3_no_voter_exceeds_a_tenth_of_the_votes_present(ballots in ballots()) {
            let ballots: Vec<_> = ballots.into_iter().filter(|(v, _)| !v.investing).collect();
            let present: u128 = ballots.iter().map(|(v, _)| u128::from(v.votes)).sum();
            for tenth in [true, false] {
                let counting = Counting {
                    multiple_votes_tenth_cap: tenth,
                    ..counting(Majority::Simple)
                };
                for (voter, _) in &ballots {
                    let alone: Vec<_> = ballots
                        .iter()
                        .map(|(v, _)| (*v, if v == voter { Choice::Yes } else { Choice::Abstain }))
                        .collect();
                    let tally = count(&alone, counting).expect("counts");
                    let (weight, unit) = (tally.yes, tally.denominator);
                    let votes = u128::from(voter.votes);
                    prop_assert!(weight >= unit, "one vote at least");
                    prop_assert!(weight <= votes * unit, "never more than their votes");
                    if tenth {
                        prop_assert!(
                            weight * 10 <= present.max(10) * unit,
                            "{:?} weighs {}/{} of {} present", voter, weight, unit, present
                        );
                    } else {
                        prop_assert_eq!(weight, votes * unit);
                    }
                }
            }
        }
    }
}
