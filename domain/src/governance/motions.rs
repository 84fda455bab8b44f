//! Motions and what each needs: the majority is derived from what the motion does, never
//! typed in (G16, G78, G43-2), with the weighting that goes with it (G43-3, G43-6).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::governance::electorate::Weighting;
use crate::{Majority, MemberNo, Money, Office, Statute};

/// What a motion asks the members to decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MotionKind {
    /// A joint investment: a laser cutter, a shared workshop.
    JointInvestment {
        /// What is bought.
        asset: String,
        /// How much.
        amount: Money,
        /// How it is paid for.
        funding_plan: String,
    },
    /// A new statute, as a whole file, validated when the motion is put.
    StatuteAmendment {
        /// The statute file.
        statute_text: String,
        /// The file parsed: what the majority is derived from (G16).
        statute: Box<Statute>,
    },
    /// The assembly's consent to admitting an investing member (G8-2).
    AdmitInvestingMember {
        /// The application.
        application: String,
    },
    /// Excluding a member on a statute ground (G68).
    Exclusion {
        /// The member.
        member: MemberNo,
        /// The statute's ground.
        ground: String,
    },
    /// Electing a member to an office.
    Election {
        /// The office.
        office: Office,
        /// The candidate.
        member: MemberNo,
    },
    /// Discharging officers for a business year (Entlastung).
    Discharge {
        /// The officers discharged; they do not vote on it (G43-6).
        officers: BTreeSet<MemberNo>,
        /// The business year, by the year it ends in.
        year: i16,
    },
    /// Using the year's profit.
    UseOfProfit {
        /// The proposal.
        proposal: String,
    },
    /// Dissolving the cooperative (G78).
    Dissolution,
    /// Any other resolution.
    General {
        /// The text.
        text: String,
    },
    /// Electing the delegates of an assembly of delegates (G43a): each member marks up to
    /// `seats` candidates; the most votes win.
    DelegateElection {
        /// The candidates, in the order of the list (a tie goes to the earlier place).
        candidates: Vec<MemberNo>,
        /// The seats: the statute's number of delegates, fixed when the motion is put.
        #[serde(default)]
        seats: u16,
    },
    /// A non-binding survey of what the members need: nothing is adopted.
    Survey {
        /// The options.
        options: Vec<String>,
        /// One option, several, or a ranking.
        mode: SurveyMode,
    },
}

impl MotionKind {
    /// The member an exclusion or election is about.
    pub fn member(&self) -> Option<MemberNo> {
        match self {
            MotionKind::Exclusion { member, .. } | MotionKind::Election { member, .. } => {
                Some(*member)
            }
            _ => None,
        }
    }
}

/// How a survey is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurveyMode {
    /// Exactly one option.
    Single,
    /// Any number of options, at least one.
    Multiple,
    /// Options ranked, best first.
    Ranking,
}

/// What a motion needs to pass, and how its ballot is weighted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The majority of the votes cast; `None` for a survey, which decides nothing.
    pub majority: Option<Majority>,
    /// The weighting of its ballot.
    pub weighting: Weighting,
    /// Why the majority is what it is, for the minutes.
    pub reasons: Vec<&'static str>,
}

/// The requirement of `motion` under the statute in force.
pub fn requirement(statute: &Statute, motion: &MotionKind) -> Requirement {
    let majorities = statute.majorities();
    let mut weighting = Weighting::default();
    let (majority, reasons) = match motion {
        MotionKind::StatuteAmendment { statute: new, .. } => {
            let (majority, mut reasons) = statute.amendment_majority(new);
            // G43-3: one vote each where the law asks three quarters, and in abolishing
            // multiple votes.
            if !reasons.is_empty() {
                weighting.one_vote_each = true;
            }
            if statute.multiple_votes_max() > 1 && new.multiple_votes_max() == 1 {
                weighting.one_vote_each = true;
                reasons.push("multiple votes are abolished: one vote each");
            }
            (Some(majority), reasons)
        }
        MotionKind::Dissolution => {
            weighting.one_vote_each = true;
            (
                Some(majorities.dissolution),
                vec!["dissolution needs three quarters (G78)"],
            )
        }
        MotionKind::Discharge { officers, .. } => {
            weighting.excluded = officers.clone();
            (
                Some(majorities.ordinary),
                vec!["officers do not vote on their own discharge (G43-6)"],
            )
        }
        MotionKind::Survey { .. } => (None, vec!["a survey decides nothing"]),
        MotionKind::DelegateElection { .. } => {
            weighting.one_vote_each = true;
            (
                None,
                vec![
                    "delegates are elected generally, directly, equally and secretly: every member, one vote each, in person, sealed (G43a)",
                ],
            )
        }
        MotionKind::JointInvestment { .. }
        | MotionKind::AdmitInvestingMember { .. }
        | MotionKind::Exclusion { .. }
        | MotionKind::Election { .. }
        | MotionKind::UseOfProfit { .. }
        | MotionKind::General { .. } => (Some(majorities.ordinary), vec![]),
    };
    Requirement {
        majority,
        weighting,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn statute(text: &str) -> Statute {
        Statute::parse_toml(text).expect("valid")
    }

    const THREE_QUARTERS: Majority = Majority::AtLeast {
        numerator: 3,
        denominator: 4,
    };

    /// G16: an amendment is classified by the clauses it changes.
    #[test]
    fn g16_the_majority_of_an_amendment_follows_the_clauses_it_changes() {
        let old = statute(EXAMPLE_STATUTE);
        let amendment = |text: String| MotionKind::StatuteAmendment {
            statute: Box::new(statute(&text)),
            statute_text: text,
        };
        let seat =
            amendment(EXAMPLE_STATUTE.replace("seat = \"Musterdorf\"", "seat = \"Neudorf\""));
        let r = requirement(&old, &seat);
        assert_eq!(r.majority, Some(Majority::Simple));
        assert!(!r.weighting.one_vote_each);
        let dearer =
            amendment(EXAMPLE_STATUTE.replace("amount = \"500.00\"", "amount = \"600.00\""));
        let r = requirement(&old, &dearer);
        assert_eq!(r.majority, Some(THREE_QUARTERS));
        assert!(r.weighting.one_vote_each, "G43-3: one vote each");
        assert!(r.reasons.contains(&"the share amount rises"));
    }

    /// G43-3: abolishing multiple votes is decided with one vote each.
    #[test]
    fn g43_3_abolishing_multiple_votes_is_decided_one_vote_each() {
        let with_multiple = |max: u8| {
            EXAMPLE_STATUTE.replace(
                "[assembly]",
                &format!("[voting]\nmultiple_votes_max = {max}\n\n[assembly]"),
            )
        };
        let old = statute(&with_multiple(3));
        let abolish = MotionKind::StatuteAmendment {
            statute: Box::new(statute(&with_multiple(1))),
            statute_text: with_multiple(1),
        };
        let r = requirement(&old, &abolish);
        assert!(r.weighting.one_vote_each, "{r:?}");
        assert!(r.reasons.iter().any(|r| r.contains("abolished")));
    }

    /// G78: dissolution needs three quarters, one vote each.
    #[test]
    fn g78_dissolution_needs_three_quarters() {
        let r = requirement(&statute(EXAMPLE_STATUTE), &MotionKind::Dissolution);
        assert_eq!(r.majority, Some(THREE_QUARTERS));
        assert!(r.weighting.one_vote_each);
    }

    /// G43-2, G43-6: ordinary motions a simple majority; a discharge without the officers.
    #[test]
    fn g43_6_a_discharge_excludes_the_officers_it_discharges() {
        let officers = BTreeSet::from([MemberNo::new(1).expect("one")]);
        let r = requirement(
            &statute(EXAMPLE_STATUTE),
            &MotionKind::Discharge {
                officers: officers.clone(),
                year: 2026,
            },
        );
        assert_eq!(r.majority, Some(Majority::Simple));
        assert_eq!(r.weighting.excluded, officers);
        let survey = MotionKind::Survey {
            options: vec!["a laser cutter".into(), "a 3D printer".into()],
            mode: SurveyMode::Multiple,
        };
        assert_eq!(
            requirement(&statute(EXAMPLE_STATUTE), &survey).majority,
            None
        );
    }
}
