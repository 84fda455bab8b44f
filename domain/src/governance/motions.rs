//! Motions and what each needs: the majority is derived from what the motion does, never
//! typed in (G16, G78, G43-2), with the weighting that goes with it (G43-3, G43-6).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::governance::electorate::{Regime, Weighting};
use crate::{Majority, MemberNo, Money, Office, Rule, Statute};

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
        /// The natural person who serves for a candidate that is not one (G9-24), a personal
        /// record stored with the motion.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serving: Option<crate::PersonalRef>,
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
    /// Who chairs the assembly (Versammlungsleitung): may be resolved without notice (G46).
    ChairAssembly {
        /// The member proposed as chair.
        member: MemberNo,
    },
    /// Convening an extraordinary assembly: may be resolved without notice (G46).
    ConveneExtraordinary {
        /// What it is to decide.
        purpose: String,
    },
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
    /// The rule that gives the majority of a motion of this kind: G16 for a statute
    /// amendment, G78 for the dissolution, G43a for a delegate election (none: the most votes
    /// win), none for a survey, G43-2 for any other resolution.
    pub fn majority_rule(&self) -> Option<Rule> {
        match self {
            MotionKind::StatuteAmendment { .. } => Some(Rule::G16),
            MotionKind::Dissolution => Some(Rule::G78),
            MotionKind::DelegateElection { .. } => Some(Rule::G43a),
            MotionKind::Survey { .. } => None,
            MotionKind::JointInvestment { .. }
            | MotionKind::AdmitInvestingMember { .. }
            | MotionKind::Exclusion { .. }
            | MotionKind::Election { .. }
            | MotionKind::Discharge { .. }
            | MotionKind::UseOfProfit { .. }
            | MotionKind::ChairAssembly { .. }
            | MotionKind::ConveneExtraordinary { .. }
            | MotionKind::General { .. } => Some(Rule::G43_2),
        }
    }

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
    /// The rule that gives the majority (G43-2, G16, G78); `None` for a survey.
    pub rule: Option<Rule>,
    /// The weighting of its ballot, apart from the one-vote rule, which depends on the regime
    /// ([`Requirement::weighting_in`]).
    pub weighting: Weighting,
    /// Outside an entrepreneurs' cooperative each member has one vote on it (G43-3): the law
    /// itself asks at least three quarters, or it abolishes or restricts multiple votes.
    pub one_vote_each_in_ordinary_regime: bool,
    /// Why the majority and the weighting are what they are, for the motion and the minutes.
    pub reasons: Vec<String>,
}

impl Requirement {
    /// The ballot's weighting under `regime` (G43-3).
    pub fn weighting_in(&self, regime: Regime) -> Weighting {
        let mut weighting = self.weighting.clone();
        if regime == Regime::Ordinary && self.one_vote_each_in_ordinary_regime {
            weighting.one_vote_each = true;
        }
        weighting
    }
}

/// The requirement of `motion` under the statute in force.
pub fn requirement(statute: &Statute, motion: &MotionKind) -> Requirement {
    let majorities = statute.majorities();
    let mut weighting = Weighting::default();
    let mut one_vote = false;
    let rule = motion.majority_rule();
    let (majority, reasons) = match motion {
        MotionKind::StatuteAmendment { statute: new, .. } => {
            let needed = statute.amendment_majority(new);
            let mut reasons: Vec<String> = needed.reasons.iter().map(ToString::to_string).collect();
            if needed.law_mandates_three_quarters() {
                one_vote = true;
                reasons.push(
                    "G43-3: the law asks at least three quarters: one vote each, except in an entrepreneurs' cooperative (§ 43 (3) S. 3 no. 1 GenG)".into(),
                );
            }
            if needed.restricts_multiple_votes {
                one_vote = true;
                reasons.push(
                    "G43-3: multiple votes are abolished or restricted: one vote each, except in an entrepreneurs' cooperative (§ 43 (3) S. 3 no. 1 GenG)".into(),
                );
            }
            (Some(needed.majority), reasons)
        }
        MotionKind::Dissolution => {
            one_vote = true;
            (
                Some(majorities.dissolution),
                vec![
                    "G78: dissolution needs at least three quarters of the votes cast (§ 78 (1) GenG)".into(),
                    "G43-3: the law asks at least three quarters: one vote each, except in an entrepreneurs' cooperative (§ 43 (3) S. 3 no. 1 GenG)".into(),
                ],
            )
        }
        MotionKind::Discharge { officers, .. } => {
            weighting.excluded = officers.clone();
            (
                Some(majorities.ordinary),
                vec!["G43-6: officers do not vote on their own discharge (§ 43 (6) GenG)".into()],
            )
        }
        MotionKind::Survey { .. } => (None, vec!["a survey decides nothing".into()]),
        MotionKind::DelegateElection { .. } => {
            weighting.one_vote_each = true;
            (
                None,
                vec![
                    "G43a: delegates are elected generally, directly, equally and secretly: every member, one vote each, in person, sealed".into(),
                ],
            )
        }
        MotionKind::JointInvestment { .. }
        | MotionKind::AdmitInvestingMember { .. }
        | MotionKind::Exclusion { .. }
        | MotionKind::Election { .. }
        | MotionKind::UseOfProfit { .. }
        | MotionKind::ChairAssembly { .. }
        | MotionKind::ConveneExtraordinary { .. }
        | MotionKind::General { .. } => {
            let why = if majorities.ordinary == Majority::Simple {
                "G43-2: a simple majority of the votes cast (§ 43 (2) GenG)"
            } else {
                "G43-2: the majority the statute sets for resolutions"
            };
            (Some(majorities.ordinary), vec![why.into()])
        }
    };
    Requirement {
        majority,
        rule,
        weighting,
        one_vote_each_in_ordinary_regime: one_vote,
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

    fn amendment(text: String) -> MotionKind {
        MotionKind::StatuteAmendment {
            statute: Box::new(statute(&text)),
            statute_text: text,
        }
    }

    const NINE_TENTHS: Majority = Majority::AtLeast {
        numerator: 9,
        denominator: 10,
    };

    /// G16 (§ 16 (4) GenG): given the example statute, which sets no majority for other
    /// amendments, when the seat moves, then three quarters are needed — not a simple
    /// majority — and, not being mandatory by law, without the one-vote rule.
    #[test]
    fn g16_other_amendments_need_three_quarters_unless_the_statute_says_otherwise() {
        let old = statute(EXAMPLE_STATUTE);
        let seat = EXAMPLE_STATUTE.replace("seat = \"Musterdorf\"", "seat = \"Neudorf\"");
        let r = requirement(&old, &amendment(seat.clone()));
        assert_eq!(r.majority, Some(THREE_QUARTERS));
        assert_eq!(r.rule, Some(Rule::G16));
        assert!(
            !r.one_vote_each_in_ordinary_regime,
            "§ 16 (4) is not mandatory"
        );
        assert!(
            r.reasons.iter().any(|w| w.contains("§ 16 (4) GenG")),
            "{r:?}"
        );
        // The statute may set less (here: a simple majority) or more.
        for (set, expected) in [
            ("simple", Majority::Simple),
            ("4/5", Majority::parse("4/5").expect("valid")),
        ] {
            let lenient = statute(&EXAMPLE_STATUTE.replace(
                "[assembly]",
                &format!("[voting.majorities]\namendment = \"{set}\"\n\n[assembly]"),
            ));
            assert_eq!(
                requirement(&lenient, &amendment(seat.clone())).majority,
                Some(expected)
            );
        }
    }

    /// G16 (§ 16 (2) and (3) GenG): each listed change needs three quarters, a duty to use or
    /// to deliver nine tenths, and says which paragraph gave it.
    #[test]
    fn g16_each_listed_change_needs_its_majority() {
        let old = statute(EXAMPLE_STATUTE);
        let cases: Vec<(&str, String, Majority)> = vec![
            (
                "no. 1",
                EXAMPLE_STATUTE.replace("object = \"Joint purchasing", "object = \"Joint selling"),
                THREE_QUARTERS,
            ),
            (
                "no. 2",
                EXAMPLE_STATUTE.replace("amount = \"500.00\"", "amount = \"600.00\""),
                THREE_QUARTERS,
            ),
            (
                "no. 3",
                EXAMPLE_STATUTE.replace(
                    "max_per_member = 20",
                    "max_per_member = 20\nmandatory = { basis = \"equal\", shares = 2 }",
                ),
                THREE_QUARTERS,
            ),
            (
                "no. 4",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nadditional_contributions = true",
                ),
                THREE_QUARTERS,
            ),
            (
                "no. 5",
                EXAMPLE_STATUTE.replace("notice_period_months = 12", "notice_period_months = 36"),
                THREE_QUARTERS,
            ),
            (
                "no. 6",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nresult_reserve_share = true",
                ),
                THREE_QUARTERS,
            ),
            (
                "no. 7",
                EXAMPLE_STATUTE.replace(
                    "[assembly]",
                    "[voting]\nmultiple_votes_max = 2\n\n[assembly]",
                ),
                THREE_QUARTERS,
            ),
            (
                "no. 8",
                EXAMPLE_STATUTE
                    .replace("amount = \"500.00\"", "amount = \"250.00\"")
                    .replace(
                        "paid_in_minimum = \"100.00\"",
                        "paid_in_minimum = \"50.00\"",
                    ),
                THREE_QUARTERS,
            ),
            (
                "no. 9",
                EXAMPLE_STATUTE.replace(
                    "max_per_member = 20",
                    "max_per_member = 20\nminimum_capital = \"20000.00\"",
                ),
                THREE_QUARTERS,
            ),
            (
                "no. 10",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nsettlement_payout_restricted = true",
                ),
                THREE_QUARTERS,
            ),
            (
                "(3) S. 2",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nrecurring_fees = true",
                ),
                THREE_QUARTERS,
            ),
            (
                "(3) S. 1",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nduty_to_use = true",
                ),
                NINE_TENTHS,
            ),
            (
                "(3) S. 1",
                EXAMPLE_STATUTE.replace(
                    "notice_period_months = 12",
                    "notice_period_months = 12\nduty_to_deliver = true",
                ),
                NINE_TENTHS,
            ),
        ];
        for (paragraph, text, majority) in cases {
            let r = requirement(&old, &amendment(text));
            assert_eq!(r.majority, Some(majority), "{paragraph}: {r:?}");
            assert!(
                r.reasons
                    .iter()
                    .any(|w| w.contains(paragraph) && w.starts_with("G16")),
                "{paragraph}: {r:?}"
            );
            assert!(
                r.one_vote_each_in_ordinary_regime,
                "{paragraph}: mandatory by law (G43-3)"
            );
        }
        // No. 11: admitting investing members, from a statute without them.
        let without = EXAMPLE_STATUTE.replace(
            "[investing_members]\nconsent_by = \"supervisory-board\"\nvote_share_max_percent = 25\n",
            "",
        );
        let r = requirement(&statute(&without), &amendment(EXAMPLE_STATUTE.to_owned()));
        assert_eq!(r.majority, Some(THREE_QUARTERS));
        assert!(r.reasons.iter().any(|w| w.contains("no. 11")), "{r:?}");
        // Shortening the notice or lowering the object's reach is no listed case.
        let shorter =
            EXAMPLE_STATUTE.replace("notice_period_months = 12", "notice_period_months = 6");
        let r = requirement(&old, &amendment(shorter));
        assert!(!r.one_vote_each_in_ordinary_regime, "{r:?}");
    }

    /// G16: a statute may ask more than the law for the listed changes, never less.
    #[test]
    fn g16_the_statute_may_ask_more_for_listed_changes() {
        let strict = statute(&EXAMPLE_STATUTE.replace(
            "[assembly]",
            "[voting.majorities]\namendment_qualified = \"4/5\"\n\n[assembly]",
        ));
        let dearer = EXAMPLE_STATUTE.replace("amount = \"500.00\"", "amount = \"600.00\"");
        assert_eq!(
            requirement(&strict, &amendment(dearer)).majority,
            Some(Majority::parse("4/5").expect("valid"))
        );
    }

    /// G43-3: abolishing or restricting multiple votes is decided one vote each in the
    /// ordinary regime, and weighted as granted in the entrepreneurs' regime.
    #[test]
    fn g43_3_abolishing_or_restricting_multiple_votes_is_decided_one_vote_each() {
        let with_multiple = |max: u8| {
            EXAMPLE_STATUTE.replace(
                "[assembly]",
                &format!("[voting]\nmultiple_votes_max = {max}\n\n[assembly]"),
            )
        };
        let old = statute(&with_multiple(3));
        for new in [1, 2] {
            let r = requirement(&old, &amendment(with_multiple(new)));
            assert!(r.one_vote_each_in_ordinary_regime, "{new}: {r:?}");
            assert!(r.weighting_in(Regime::Ordinary).one_vote_each);
            assert!(!r.weighting_in(Regime::Entrepreneurs).one_vote_each);
            assert!(r.reasons.iter().any(|w| w.contains("restricted")));
        }
    }

    /// G78, G43-3: dissolution needs three quarters, one vote each in the ordinary regime
    /// only.
    #[test]
    fn g78_dissolution_needs_three_quarters() {
        let r = requirement(&statute(EXAMPLE_STATUTE), &MotionKind::Dissolution);
        assert_eq!(r.majority, Some(THREE_QUARTERS));
        assert_eq!(r.rule, Some(Rule::G78));
        assert!(r.weighting_in(Regime::Ordinary).one_vote_each);
        assert!(!r.weighting_in(Regime::Entrepreneurs).one_vote_each);
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
