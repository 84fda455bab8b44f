//! What an amendment of the statute needs (G16), and how an old statute reads as decided.

use super::*;

impl Statute {
    /// G16: the majority of votes cast an amendment from this statute to `new` needs, decided
    /// under this (the old) statute, with the reasons. The cases § 16 (2) GenG lists and new
    /// recurring fees need three quarters, a new duty to use the facilities or to deliver nine
    /// tenths — each raised where this statute asks more —, anything else three quarters
    /// unless this statute sets another majority (§ 16 (4) GenG).
    pub fn amendment_majority(&self, new: &Statute) -> AmendmentMajority {
        let m = &self.voting.majorities;
        let (old_m, new_m) = (&self.membership, &new.membership);
        let mut listed: Vec<&'static str> = Vec::new();
        if self.cooperative.object != new.cooperative.object {
            listed.push("the object of the enterprise changes (§ 16 (2) no. 1 GenG)");
        }
        if new.shares.amount > self.shares.amount {
            listed.push("the share amount rises (§ 16 (2) no. 2 GenG)");
        }
        if new.shares.mandatory.is_some()
            && new.shares.mandatory != self.shares.mandatory
            && new.shares.mandatory != Some(MandatoryHolding::Equal { shares: 1 })
        {
            listed.push(
                "a mandatory holding of several shares is introduced or changed (§ 16 (2) no. 3 GenG)",
            );
        }
        if new_m.additional_contributions && !old_m.additional_contributions {
            listed.push("additional contributions are introduced (§ 16 (2) no. 4 GenG)");
        }
        let longest = |m: &MembershipClauses| {
            m.entrepreneurs_notice
                .as_ref()
                .map_or(m.notice_period_months, |e| e.months)
        };
        let lengthened = |old: u16, new: u16| new > old && new > HARDSHIP_NOTICE_MONTHS_ABOVE;
        if lengthened(old_m.notice_period_months, new_m.notice_period_months)
            || lengthened(longest(old_m), longest(new_m))
        {
            listed.push("the notice period is lengthened beyond two years (§ 16 (2) no. 5 GenG)");
        }
        if new_m.result_reserve_share && !old_m.result_reserve_share {
            listed.push("leaving members get a share of the result reserve (§ 16 (2) no. 6 GenG)");
        }
        if new.voting.multiple_votes_max > self.voting.multiple_votes_max {
            listed.push("multiple votes are introduced or extended (§ 16 (2) no. 7 GenG)");
        }
        if new.shares.amount < self.shares.amount {
            listed.push("the shares are split into smaller ones (§ 16 (2) no. 8 GenG)");
        }
        let minimum = |s: &Statute| s.shares.minimum_capital.unwrap_or(Money::ZERO);
        if minimum(new) > minimum(self) {
            listed.push("a minimum capital is introduced or raised (§ 16 (2) no. 9 GenG)");
        }
        if new_m.settlement_payout_restricted && !old_m.settlement_payout_restricted {
            listed.push("the payout of settlements is restricted (§ 16 (2) no. 10 GenG)");
        }
        if new.investing_members.is_some() && self.investing_members.is_none() {
            listed.push("investing members may be admitted (§ 16 (2) no. 11 GenG)");
        }
        if new_m.recurring_fees && !old_m.recurring_fees {
            listed.push(
                "recurring fees for the cooperative's services are introduced (§ 16 (3) S. 2 GenG)",
            );
        }
        let mut duties: Vec<&'static str> = Vec::new();
        if new_m.duty_to_use && !old_m.duty_to_use {
            duties.push("a duty to use the facilities is introduced (§ 16 (3) S. 1 GenG)");
        }
        if new_m.duty_to_deliver && !old_m.duty_to_deliver {
            duties.push("a duty to deliver goods or services is introduced (§ 16 (3) S. 1 GenG)");
        }

        let mandatory = |case| MajorityReason {
            rule: Rule::G16,
            case,
            law_mandates_three_quarters: true,
        };
        let mut reasons: Vec<MajorityReason> = listed.iter().copied().map(mandatory).collect();
        reasons.extend(duties.iter().copied().map(mandatory));
        let mut majority = if listed.is_empty() && duties.is_empty() {
            reasons.push(MajorityReason {
                rule: Rule::G16,
                case: match m.amendment {
                    None => "other amendments need three quarters unless the statute sets otherwise (§ 16 (4) GenG)",
                    Some(_) => "other amendments need the majority the statute sets (§ 16 (4) GenG)",
                },
                law_mandates_three_quarters: false,
            });
            m.other_amendment()
        } else {
            m.other_amendment().max(m.amendment_qualified)
        };
        if !duties.is_empty() {
            majority = majority.max(m.duty_to_use);
        }
        let restricts_multiple_votes =
            new.voting.multiple_votes_max < self.voting.multiple_votes_max;
        AmendmentMajority {
            majority,
            reasons,
            restricts_multiple_votes,
        }
    }

    /// The majority each kind of decision needs under this statute, with the rule that gives
    /// it and whether the law or the statute set it.
    pub fn majority_rules(&self) -> Vec<MajorityRule> {
        let m = &self.voting.majorities;
        let law = Majorities::default();
        let rule = |decision, majority: Majority, law_majority: Majority, rule| MajorityRule {
            decision,
            majority,
            rule,
            set_by_statute: majority != law_majority,
        };
        vec![
            rule("ordinary", m.ordinary, law.ordinary, Rule::G43_2),
            MajorityRule {
                decision: "amendment",
                majority: m.other_amendment(),
                rule: Rule::G16,
                set_by_statute: m.amendment.is_some(),
            },
            rule(
                "amendment-qualified",
                m.other_amendment().max(m.amendment_qualified),
                law.amendment_qualified,
                Rule::G16,
            ),
            rule(
                "duty-to-use",
                m.other_amendment()
                    .max(m.amendment_qualified)
                    .max(m.duty_to_use),
                law.duty_to_use,
                Rule::G16,
            ),
            rule("dissolution", m.dissolution, law.dissolution, Rule::G78),
        ]
    }

    /// This statute as its text decided it. Before Verbund followed § 16 (4) GenG, a statute
    /// silent on other amendments was recorded with a simple majority for them, the wrong
    /// default; the text it was parsed from tells whether the clause was written (then it
    /// stands) or not (then the law's three quarters apply). Anything else is kept as
    /// recorded, valid or not under today's rules: history is read as it was decided.
    pub fn as_decided(mut self, text: &str) -> Statute {
        if self.voting.majorities.amendment.is_some() {
            let written = text.parse::<toml::Table>().ok().is_some_and(|table| {
                table
                    .get("voting")
                    .and_then(|v| v.get("majorities"))
                    .and_then(|m| m.get("amendment"))
                    .is_some()
            });
            if !written {
                self.voting.majorities.amendment = None;
            }
        }
        self
    }
}
