//! The assembly of delegates (Vertreterversammlung, G43a): above 1,500 members the statute may
//! let at least 50 delegates take the general assembly's place.
//!
//! - The members elect the delegates generally (every member with their rights votes),
//!   directly (by themselves, never through a proxy, and never by the delegates), equally
//!   (one vote each, multiple votes do not count) and secretly (a sealed ballot): a motion of
//!   kind `delegate-election`. Each member marks up to as many candidates as there are seats;
//!   the candidates with the most votes are elected, a tie going to the earlier place on the
//!   list. The result replaces the delegates elected before (`DelegatesElected`).
//! - Candidates are members with their rights, on neither the board nor the supervisory board
//!   (§ 43a (2) GenG).
//! - An assembly convened as one of delegates needs the statute's clause, more members than
//!   it names, and at least 50 delegates in office; its ballots count the delegates only, one
//!   vote each, cast in person.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::governance::ids::MotionId;
use crate::statute::{DELEGATES_MIN, DelegateAssembly};
use crate::{Cooperative, DomainError, MemberNo, Membership, Office, Rule, Statute};

/// The most candidates one delegate election lists.
pub const CANDIDATES_MAX: usize = 2_000;

/// `DelegatesElected`: the members elected their delegates (G43a); they replace the delegates
/// elected before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegatesElected {
    /// The election's motion.
    pub motion: MotionId,
    /// The delegates, in the order of their votes (most first).
    pub delegates: Vec<MemberNo>,
    /// The day of the result.
    pub elected_on: Date,
}

/// The statute's assembly of delegates, or the refusal that it has none (G43a).
pub fn provided(statute: &Statute) -> Result<DelegateAssembly, DomainError> {
    statute.delegate_assembly().ok_or_else(|| {
        DomainError::rule(
            Rule::G43a,
            "delegates-not-in-statute",
            "the statute provides no assembly of delegates",
        )
    })
}

/// Checks the shape of a list of candidates: 1 to [`CANDIDATES_MAX`], each once.
pub fn check_list(candidates: &[MemberNo]) -> Result<(), DomainError> {
    if candidates.is_empty() || candidates.len() > CANDIDATES_MAX {
        return Err(DomainError::invalid(
            "candidates-count",
            "proposal.candidates",
            format!("a delegate election lists 1 to {CANDIDATES_MAX} candidates"),
        ));
    }
    let mut seen = BTreeSet::new();
    if let Some((i, candidate)) = candidates
        .iter()
        .enumerate()
        .find(|(_, c)| !seen.insert(**c))
    {
        return Err(DomainError::invalid(
            "candidate-repeated",
            format!("proposal.candidates[{i}]"),
            format!("member {candidate} is listed twice"),
        ));
    }
    Ok(())
}

/// Checks a list of candidates: [`check_list`], and each a member with their rights on `day`
/// who sits on neither the board nor the supervisory board (G43a).
pub fn check_candidates<'a>(
    coop: &Cooperative,
    candidates: &[MemberNo],
    membership: impl Fn(MemberNo) -> Option<&'a Membership>,
    day: Date,
) -> Result<(), DomainError> {
    check_list(candidates)?;
    for (i, candidate) in candidates.iter().enumerate() {
        let field = format!("proposal.candidates[{i}]");
        if !membership(*candidate).is_some_and(|m| m.has_rights_on(day)) {
            return Err(DomainError::rule(
                Rule::G43a,
                "candidate-not-member",
                format!("member {candidate} has no rights as a member: only members are elected delegates"),
            )
            .at(field));
        }
        if let Some(office) = coop
            .offices_of(*candidate, day)
            .find(|o| matches!(o, Office::Board | Office::SupervisoryBoard))
        {
            return Err(DomainError::rule(
                Rule::G43a,
                "candidate-holds-office",
                format!(
                    "member {candidate} sits on the {}: officers of the board and the supervisory board are not delegates",
                    office.as_str()
                ),
            )
            .at(field));
        }
    }
    Ok(())
}

/// The elected: the `seats` candidates with the most votes, each with at least one; a tie goes
/// to the earlier place on the list. `votes[i]` are candidate `i`'s votes.
pub fn elect(candidates: &[MemberNo], seats: u16, votes: &[u64]) -> Vec<MemberNo> {
    let mut ranked: Vec<(usize, u64)> = votes
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, v)| *v > 0 && *i < candidates.len())
        .collect();
    // A stable sort keeps the list's order among equal votes.
    ranked.sort_by_key(|&(_, votes)| std::cmp::Reverse(votes));
    ranked
        .into_iter()
        .take(usize::from(seats))
        .map(|(i, _)| candidates[i])
        .collect()
}

/// Checks convening an assembly of delegates with `members` members and `delegates` of them
/// delegates with their rights (G43a).
pub fn check_convening(
    statute: &Statute,
    members: usize,
    delegates: usize,
) -> Result<(), DomainError> {
    let clause = provided(statute).map_err(|e| e.at("delegates"))?;
    if members as u64 <= u64::from(clause.above_members) {
        return Err(DomainError::rule(
            Rule::G43a,
            "too-few-members-for-delegates",
            format!(
                "delegates replace the general assembly above {} members; the cooperative has {members}",
                clause.above_members
            ),
        )
        .at("delegates"));
    }
    if delegates < usize::from(DELEGATES_MIN) {
        return Err(DomainError::rule(
            Rule::G43a,
            "too-few-delegates",
            format!(
                "an assembly of delegates has at least {DELEGATES_MIN} delegates; {delegates} are in office: elect them first"
            ),
        )
        .at("delegates"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    fn statute(clause: &str) -> Statute {
        let forms = "forms = [\"in-person\", \"hybrid\"]";
        Statute::parse_toml(&EXAMPLE_STATUTE.replace(forms, &format!("{forms}\n{clause}")))
            .expect("valid")
    }

    /// G43a: delegates above the statute's number of members (at least 1,500), and only with
    /// 50 delegates in office.
    #[test]
    fn g43a_an_assembly_of_delegates_needs_the_clause_the_members_and_50_delegates() {
        let with = statute("delegates = { seats = 60 }");
        check_convening(&with, 1501, 50).expect("above 1,500 members, 50 delegates");
        for (statute, members, delegates, code) in [
            (&with, 1500, 60, "too-few-members-for-delegates"),
            (&with, 5000, 49, "too-few-delegates"),
            (&statute(""), 5000, 60, "delegates-not-in-statute"),
        ] {
            let error = check_convening(statute, members, delegates).expect_err(code);
            assert_eq!((error.rule_id(), error.code()), (Some(Rule::G43a), code));
        }
    }

    /// A list of candidates names each once, at most `CANDIDATES_MAX` of them.
    #[test]
    fn a_list_names_each_candidate_once() {
        check_list(&[no(5), no(6)]).expect("two candidates");
        assert_eq!(
            check_list(&[]).expect_err("empty").code(),
            "candidates-count"
        );
        let many: Vec<MemberNo> = (1..=CANDIDATES_MAX as u32 + 1).map(no).collect();
        assert_eq!(
            check_list(&many).expect_err("too many").code(),
            "candidates-count"
        );
        let error = check_list(&[no(5), no(6), no(5)]).expect_err("twice");
        assert_eq!(
            (error.code(), error.field()),
            ("candidate-repeated", Some("proposal.candidates[2]"))
        );
    }

    /// G43a: the most votes win the seats; a tie goes to the earlier place on the list; a
    /// candidate without a vote is not elected.
    #[test]
    fn g43a_the_most_votes_win_the_seats() {
        let candidates = [no(7), no(3), no(9), no(4)];
        assert_eq!(elect(&candidates, 2, &[5, 8, 5, 1]), [no(3), no(7)]);
        assert_eq!(elect(&candidates, 3, &[0, 2, 0, 0]), [no(3)]);
        assert_eq!(elect(&candidates, 9, &[1, 1, 1, 1]), candidates);
    }

    proptest! {
        /// The elected are at most the seats, distinct, each with at least as many votes as
        /// any candidate left out.
        #[test]
        fn the_elected_outvote_everyone_left_out(
            votes in prop::collection::vec(0u64..20, 1..60),
            seats in 1u16..40,
        ) {
            let candidates: Vec<MemberNo> = (1..=votes.len() as u32).map(no).collect();
            let elected = elect(&candidates, seats, &votes);
            prop_assert!(elected.len() <= usize::from(seats));
            let distinct: BTreeSet<_> = elected.iter().collect();
            prop_assert_eq!(distinct.len(), elected.len());
            let votes_of = |m: MemberNo| votes[m.get() as usize - 1];
            let least = elected.iter().map(|m| votes_of(*m)).min().unwrap_or(u64::MAX);
            for candidate in &candidates {
                if !elected.contains(candidate) {
                    let v = votes_of(*candidate);
                    prop_assert!(v == 0 || elected.len() == usize::from(seats));
                    prop_assert!(v <= least, "{} left out with {} votes", candidate, v);
                }
            }
        }
    }
}
