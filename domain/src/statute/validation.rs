//! A statute checked against the law when it is loaded, and again against the number of
//! members (G9-24).

use super::*;

impl Statute {
    /// Parses and validates a statute file. Errors name the clause (`shares.paid_in_minimum`)
    /// and, where the law sets the limit, the rule.
    pub fn parse_toml(text: &str) -> Result<Self, DomainError> {
        if text.len() > STATUTE_BYTES_MAX {
            return Err(DomainError::invalid(
                "statute-too-large",
                "statute",
                format!(
                    "the statute has {} bytes, at most {STATUTE_BYTES_MAX} are allowed",
                    text.len()
                ),
            ));
        }
        let mut statute: Statute = toml::from_str(text).map_err(|e| {
            // toml names the line and the key; keep its message, without the echoed source.
            let message = e.message().to_owned();
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let message = match line {
                Some(line) => format!("statute line {line}: {message}"),
                None => format!("statute: {message}"),
            };
            DomainError::invalid("statute-malformed", "statute", message)
        })?;
        // The texts a person reads, stored as checked: normalized (issue 23, point 9).
        let c = &mut statute.cooperative;
        c.name = Name::parse(c.name.as_str()).map_err(|e| e.within("statute.cooperative.name"))?;
        for (text, clause, max) in [
            (&mut c.seat, "cooperative.seat", 200),
            (&mut c.object, "cooperative.object", 2_000),
        ] {
            *text = short_text(text, max, clause)
                .map_err(|e| e.within(&format!("statute.{clause}")))?;
        }
        statute.validate()?;
        Ok(statute)
    }

    fn validate_books(&self) -> Result<(), DomainError> {
        let b = &self.books;
        if b.legal_reserve_percent > 100 {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-legal-reserve-percent",
                "the legal reserve takes a share of the profit from 0 to 100 percent",
            )
            .at("statute.books.legal_reserve_percent"));
        }
        if let Some(cap) = &b.member_loan_interest_max_percent {
            let valid = rust_decimal::Decimal::from_str_exact(cap)
                .ok()
                .filter(|cap| {
                    !cap.is_sign_negative()
                        && cap.scale() <= 2
                        && *cap <= rust_decimal::Decimal::from(LOAN_INTEREST_CAP_MAX_PERCENT)
                });
            if valid.is_none() {
                return Err(DomainError::rule(
                    Rule::G21b,
                    "statute-loan-interest-cap",
                    format!(
                        "the interest cap of member loans is a percentage from 0 to {LOAN_INTEREST_CAP_MAX_PERCENT} with at most two decimals, e.g. \"1.50\""
                    ),
                )
                .at("statute.books.member_loan_interest_max_percent"));
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), DomainError> {
        self.validate_books()?;
        let c = &self.cooperative;
        for (text, clause, max) in [
            (&c.seat, "cooperative.seat", 200),
            (&c.object, "cooperative.object", 2_000),
        ] {
            short_text(text, max, clause).map_err(|e| e.within(&format!("statute.{clause}")))?;
        }
        if !designates_cooperative(c.name.as_str()) {
            return Err(DomainError::invalid(
                "statute-name-without-eg",
                "statute.cooperative.name",
                format!(
                    "the name {:?} must carry the designation \"eingetragene Genossenschaft\" or \"eG\" (§ 3 GenG)",
                    c.name.as_str()
                ),
            ));
        }
        if !(1..=12).contains(&c.business_year_first_month) {
            return Err(DomainError::invalid(
                "statute-month-malformed",
                "statute.cooperative.business_year_first_month",
                "the business year starts in a month from 1 to 12",
            ));
        }

        let s = &self.shares;
        if !s.amount.is_positive() {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-share-amount-not-positive",
                "the share amount must be above zero",
            )
            .at("statute.shares.amount"));
        }
        // G7: at least one tenth of the share amount is to be paid in. Compared in cents:
        // 10 × minimum ≥ amount, so no division and no rounding.
        let tenth_ok = s
            .paid_in_minimum
            .checked_mul(10)
            .is_some_and(|ten_times| ten_times >= s.amount);
        if !tenth_ok {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-below-tenth",
                format!(
                    "the minimum paid-in part {} is below one tenth of the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.paid_in_minimum > s.amount {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-above-amount",
                format!(
                    "the minimum paid-in part {} exceeds the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.max_per_member == 0 {
            return Err(DomainError::rule(
                Rule::G7a,
                "statute-max-shares-zero",
                "a member must be allowed at least one share",
            )
            .at("statute.shares.max_per_member"));
        }
        if s.minimum_capital.is_some_and(|m| !m.is_positive()) {
            return Err(DomainError::invalid(
                "statute-minimum-capital-not-positive",
                "statute.shares.minimum_capital",
                "a minimum capital (§ 8a GenG) is an amount above zero; leave the clause out for none",
            ));
        }

        self.validate_notice()?;
        if self.organs.board_min == 0 {
            return Err(DomainError::rule(
                Rule::G9_24,
                "statute-board-empty",
                "the board has at least one person",
            )
            .at("statute.organs.board_min"));
        }
        self.validate_mandatory_holding()?;
        self.validate_membership()?;
        self.validate_voting()?;
        Ok(())
    }

    /// G65 (§ 65 (2) GenG): a notice period of 3 months to 5 years; up to 10 years only for
    /// the entrepreneur members of an entrepreneurs' cooperative, to secure the financing of
    /// its fixed assets.
    fn validate_notice(&self) -> Result<(), DomainError> {
        let notice = self.membership.notice_period_months;
        if !(3..=NOTICE_MONTHS_MAX).contains(&notice) {
            let longer = if self.cooperative.entrepreneurs_cooperative {
                " (a longer one, up to 10 years, only for the entrepreneur members and to secure the financing of fixed assets: [membership.entrepreneurs_notice])"
            } else {
                ""
            };
            return Err(DomainError::rule(
                Rule::G65,
                "statute-notice-period-out-of-range",
                format!(
                    "a notice period of {notice} months is outside the law's range of 3 to {NOTICE_MONTHS_MAX} months{longer}"
                ),
            )
            .at("statute.membership.notice_period_months"));
        }
        let Some(longer) = &self.membership.entrepreneurs_notice else {
            return Ok(());
        };
        let field = "statute.membership.entrepreneurs_notice";
        if !self.cooperative.entrepreneurs_cooperative {
            return Err(DomainError::rule(
                Rule::G65,
                "statute-entrepreneurs-notice-without-entrepreneurs",
                "a notice period for entrepreneur members is allowed only in a cooperative of more than three quarters entrepreneurs",
            )
            .at(field));
        }
        if !(notice + 1..=ENTREPRENEURS_NOTICE_MONTHS_MAX).contains(&longer.months) {
            return Err(DomainError::rule(
                Rule::G65,
                "statute-notice-period-out-of-range",
                format!(
                    "the entrepreneur members' notice period of {} months must lie above the general {notice} months and at most at {ENTREPRENEURS_NOTICE_MONTHS_MAX} months (10 years)",
                    longer.months
                ),
            )
            .at(format!("{field}.months")));
        }
        short_text(&longer.financing, 500, "financing").map_err(|e| {
            DomainError::rule(
                Rule::G65,
                "statute-entrepreneurs-notice-purpose",
                format!(
                    "the statute names how the longer notice secures the financing of the fixed assets (the only purpose the law allows): {}",
                    e.message()
                ),
            )
            .at(format!("{field}.financing"))
        })?;
        Ok(())
    }

    fn validate_mandatory_holding(&self) -> Result<(), DomainError> {
        let field = "statute.shares.mandatory";
        let max = self.shares.max_per_member;
        let minimum = match &self.shares.mandatory {
            None => return Ok(()),
            Some(MandatoryHolding::Equal { shares }) => *shares,
            Some(MandatoryHolding::Employees { per, minimum }) => {
                if *per == 0 {
                    return Err(DomainError::invalid(
                        "statute-mandatory-per-zero",
                        format!("{field}.per"),
                        "a mandatory holding by firm size needs at least one employee per share",
                    ));
                }
                *minimum
            }
            Some(MandatoryHolding::Usage { per, minimum }) => {
                if !per.is_positive() {
                    return Err(DomainError::invalid(
                        "statute-mandatory-per-zero",
                        format!("{field}.per"),
                        "a mandatory holding by usage needs a positive amount per share",
                    ));
                }
                *minimum
            }
        };
        if minimum == 0 || minimum > max {
            return Err(DomainError::rule(
                Rule::G7a,
                "statute-mandatory-holding-out-of-range",
                format!(
                    "a mandatory holding of {minimum} shares is outside 1 to the maximum of {max} shares per member"
                ),
            )
            .at(field));
        }
        Ok(())
    }

    fn validate_membership(&self) -> Result<(), DomainError> {
        if self.membership.admission_by == Organ::SupervisoryBoard && !self.organs.supervisory_board
        {
            return Err(DomainError::invalid(
                "statute-organ-missing",
                "statute.membership.admission_by",
                "admissions by the supervisory board need a supervisory board",
            ));
        }
        for (id, text) in &self.membership.exclusion_grounds {
            let field = format!("statute.membership.exclusion_grounds.{id}");
            let id_ok = !id.is_empty()
                && id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                return Err(DomainError::invalid(
                    "statute-ground-id-malformed",
                    field,
                    format!(
                        "the exclusion ground {id:?} needs an id of lowercase letters, digits and '-'"
                    ),
                ));
            }
            short_text(text, 500, "exclusion ground").map_err(|e| e.within(&field))?;
        }
        if let Some(investing) = &self.investing_members {
            let field = "statute.investing_members";
            if investing.vote_share_max_percent > INVESTING_VOTE_SHARE_MAX_PERCENT {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "statute-investing-vote-cap-too-high",
                    format!(
                        "investing members may weigh at most {INVESTING_VOTE_SHARE_MAX_PERCENT} % of the votes cast, so that they can never outvote the other members; the statute gives them {} %",
                        investing.vote_share_max_percent
                    ),
                )
                .at(format!("{field}.vote_share_max_percent")));
            }
            match investing.consent_by {
                Organ::Assembly => {}
                Organ::SupervisoryBoard if self.organs.supervisory_board => {}
                _ => {
                    return Err(DomainError::rule(
                        Rule::G8_2,
                        "statute-investing-consent-organ",
                        "investing members are admitted with the consent of the assembly or of the supervisory board",
                    )
                    .at(format!("{field}.consent_by")));
                }
            }
        }
        Ok(())
    }

    fn validate_voting(&self) -> Result<(), DomainError> {
        let v = &self.voting;
        // G43-3 (§ 43 (3) S. 3 GenG): at most 3 votes in the ordinary regime; in an
        // entrepreneurs' cooperative the law sets no maximum, each member's votes count up to
        // a tenth of the votes present instead.
        let votes_max = if self.cooperative.entrepreneurs_cooperative {
            u8::MAX
        } else {
            ORDINARY_VOTES_MAX
        };
        if !(1..=votes_max).contains(&v.multiple_votes_max) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "statute-multiple-votes-out-of-range",
                format!(
                    "a member has 1 vote, and outside an entrepreneurs' cooperative the statute may grant up to {ORDINARY_VOTES_MAX}; it says {}",
                    v.multiple_votes_max
                ),
            )
            .at("statute.voting.multiple_votes_max"));
        }
        if v.quorum_percent > 100 {
            return Err(DomainError::invalid(
                "statute-quorum-out-of-range",
                "statute.voting.quorum_percent",
                "a quorum is a share of the members from 0 to 100 %",
            ));
        }
        let law = Majorities::default();
        let m = &v.majorities;
        for (majority, minimum, rule, clause) in [
            (
                m.amendment_qualified,
                law.amendment_qualified,
                Rule::G16,
                "amendment_qualified",
            ),
            (m.duty_to_use, law.duty_to_use, Rule::G16, "duty_to_use"),
            (m.dissolution, law.dissolution, Rule::G78, "dissolution"),
        ] {
            if !majority.is_at_least(minimum) {
                return Err(DomainError::rule(
                    rule,
                    "statute-majority-below-law",
                    format!(
                        "the law asks a majority of at least {minimum} of the votes cast for {}; the statute says {majority}",
                        clause.replace('_', " ")
                    ),
                )
                .at(format!("statute.voting.majorities.{clause}")));
            }
        }
        let p = &self.proxies;
        if !(1..=2).contains(&p.principals_max) {
            return Err(DomainError::rule(
                Rule::G43_5,
                "statute-proxy-principals-out-of-range",
                format!(
                    "one proxy may represent at most 2 members (the statute may say 1); it says {}",
                    p.principals_max
                ),
            )
            .at("statute.proxies.principals_max"));
        }
        let forms = &self.assembly.forms;
        let mut unique = forms.clone();
        unique.sort();
        unique.dedup();
        if forms.is_empty() || unique.len() != forms.len() {
            return Err(DomainError::invalid(
                "statute-assembly-forms",
                "statute.assembly.forms",
                "name each form of assembly at least once and at most once",
            ));
        }
        if !(1..=10).contains(&self.assembly.minority_percent) {
            return Err(DomainError::rule(
                Rule::G45,
                "statute-minority-above-law",
                "a demand of at most 10 % of the members forces an assembly (G45); the statute may ask fewer, at least 1 %",
            )
            .at("statute.assembly.minority_percent"));
        }
        if let Some(delegates) = self.assembly.delegates {
            if delegates.above_members < DELEGATE_ASSEMBLY_MEMBERS_MIN {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "statute-delegates-below-law",
                    format!(
                        "delegates may replace the general assembly only above {DELEGATE_ASSEMBLY_MEMBERS_MIN} members; the statute says above {}",
                        delegates.above_members
                    ),
                )
                .at("statute.assembly.delegates.above_members"));
            }
            if !(DELEGATES_MIN..=DELEGATES_MAX).contains(&delegates.seats) {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "statute-delegate-seats-out-of-range",
                    format!(
                        "an assembly of delegates has at least {DELEGATES_MIN} delegates (at most {DELEGATES_MAX} here); the statute says {}",
                        delegates.seats
                    ),
                )
                .at("statute.assembly.delegates.seats"));
            }
        }
        Ok(())
    }

    /// G9-24 with the member count: above 20 members the board has at least 2 persons and the
    /// cooperative a supervisory board. Checked when the statute is amended and before an
    /// admission takes the cooperative above 20 members.
    pub fn check_for_members(&self, members: usize) -> Result<(), DomainError> {
        if members <= SMALL_COOPERATIVE_MEMBERS_MAX {
            return Ok(());
        }
        if self.organs.board_min < 2 {
            return Err(DomainError::rule(
                Rule::G9_24,
                "statute-board-too-small-for-members",
                format!(
                    "with {members} members the board needs at least 2 persons; the statute allows {}",
                    self.organs.board_min
                ),
            )
            .at("statute.organs.board_min"));
        }
        if !self.organs.supervisory_board {
            return Err(DomainError::rule(
                Rule::G9_24,
                "supervisory-board-required",
                format!(
                    "with {members} members the cooperative needs a supervisory board, but the statute omits it"
                ),
            )
            .at("statute.organs.supervisory_board"));
        }
        Ok(())
    }

    /// G9-24: the fewest holders `office` must have with `members` members: the board the
    /// statute's number, at least 2 (§ 24 (2) GenG; 1 where the statute says so and there are
    /// at most 20 members); the supervisory board 3 where the statute has one or above 20
    /// members (§ 36 (1) GenG; the statute may do without one up to 20 members, § 9 (1));
    /// the treasurer none.
    pub fn organ_minimum(&self, office: crate::Office, members: usize) -> usize {
        let small = members <= SMALL_COOPERATIVE_MEMBERS_MAX;
        match office {
            crate::Office::Board => {
                usize::from(self.organs.board_min).max(if small { 1 } else { 2 })
            }
            crate::Office::SupervisoryBoard if self.organs.supervisory_board || !small => {
                SUPERVISORY_BOARD_MIN
            }
            crate::Office::SupervisoryBoard | crate::Office::Treasurer => 0,
        }
    }
}

fn designates_cooperative(name: &str) -> bool {
    name.split_whitespace()
        .any(|word| word == "eG" || word == "eG.")
        || name.contains("eingetragene Genossenschaft")
}
