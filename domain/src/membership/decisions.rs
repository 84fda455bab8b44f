//! The member's decisions: shares and payments, the ways out and the settlement, offices'
//! and votes' grants, and the transfer of capital between two members.

use super::*;

impl Member {
    /// Folds one event of the member's stream in. Never fails: the log is the truth.
    pub fn apply(&mut self, event: &Event) {
        if let Event::MemberAdmitted(e) = event {
            self.admitted = Some(Membership {
                member: e.member,
                person: e.person.clone(),
                kind: e.kind.clone(),
                admitted_on: e.admitted_on,
                founder: e.founder,
                listed: e.listed,
                shares: e.shares,
                mandatory_shares: e.mandatory_shares,
                paid_in: Money::ZERO,
                dues: vec![(e.paid_in_due_on, e.paid_in_due)],
                exit: None,
                rights_lost_on: None,
                settlement: None,
                record_erased_on: None,
                votes: 1,
                hardship_statement: None,
                representatives: BTreeMap::new(),
            });
            return;
        }
        if let Event::MemberMovedIn(e) = event {
            self.admitted = Some(Membership {
                member: e.member,
                person: e.person.clone(),
                kind: e.kind.clone(),
                admitted_on: e.admitted_on,
                founder: false,
                listed: e.listed,
                shares: e.shares,
                mandatory_shares: e.mandatory_shares,
                paid_in: e.paid_in,
                // What was due before the go-live was settled in the books kept so far.
                dues: Vec::new(),
                exit: e.notice.map(|notice| Exit {
                    cause: ExitCause::Resignation,
                    declared_on: notice.declared_on,
                    effective_on: notice.effective_on,
                }),
                rights_lost_on: None,
                settlement: None,
                record_erased_on: None,
                votes: 1,
                hardship_statement: None,
                representatives: BTreeMap::new(),
            });
            return;
        }
        let Some(m) = &mut self.admitted else {
            return;
        };
        match event {
            Event::SharesSubscribed(e) => {
                m.shares = e.total;
                m.dues.push((e.paid_in_due_on, e.paid_in_due));
            }
            Event::PaymentReceived(e) => {
                m.paid_in = m.paid_in.checked_add(e.amount).unwrap_or(m.paid_in);
            }
            Event::VotesGranted(e) => m.votes = e.votes,
            Event::RepresentativeAuthorized(e) => {
                m.representatives.insert(e.person, e.capacity);
            }
            Event::RepresentativeWithdrawn(e) => {
                m.representatives.remove(&e.person);
            }
            Event::ResignationDeclared(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Resignation,
                    declared_on: e.declared_on,
                    effective_on: e.effective_on,
                });
                if e.hardship.is_some() {
                    m.hardship_statement = e.hardship.clone();
                }
            }
            Event::MemberExcluded(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Exclusion {
                        ground: e.ground.clone(),
                    },
                    declared_on: e.dispatched_on,
                    effective_on: e.effective_on,
                });
                m.rights_lost_on = Some(e.dispatched_on);
            }
            Event::MemberDied(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Death,
                    declared_on: e.died_on,
                    effective_on: e.effective_on,
                });
                // An exclusion took the rights earlier: a later death does not give them back.
                m.rights_lost_on = Some(m.rights_lost_on.map_or(e.died_on, |d| d.min(e.died_on)));
            }
            Event::CapitalTransferred(e) if e.from == m.member => {
                m.paid_in = m.paid_in.checked_sub(e.amount).unwrap_or(m.paid_in);
                if e.from_exits {
                    m.exit = Some(Exit {
                        cause: ExitCause::Transfer { to: e.to },
                        declared_on: e.agreed_on,
                        effective_on: e.agreed_on,
                    });
                    // The membership ends that day: no right is exercised after it (G76).
                    m.rights_lost_on =
                        Some(m.rights_lost_on.map_or(e.agreed_on, |d| d.min(e.agreed_on)));
                }
            }
            Event::CapitalTransferred(e) if e.to == m.member => {
                m.paid_in = m.paid_in.checked_add(e.amount).unwrap_or(m.paid_in);
            }
            Event::SettlementPaid(e) => m.settlement = Some((e.paid_on, e.amount)),
            // A share of profit credited to unpaid shares (G19) is paid-in capital. (The
            // event is on the books' stream; whoever folds members hands it to each member
            // it credits.)
            Event::ProfitDistributed(e) => {
                if let Some(part) = e.parts.iter().find(|p| p.member == m.member) {
                    m.paid_in = m.paid_in.checked_add(part.credited).unwrap_or(m.paid_in);
                }
            }
            Event::MemberRecordErased(e) => m.record_erased_on = Some(e.erased_on),
            _ => {}
        }
    }

    /// The membership, once admitted.
    pub fn membership(&self) -> Option<&Membership> {
        self.admitted.as_ref()
    }

    pub(super) fn admitted(&self) -> Result<&Membership, DomainError> {
        self.admitted
            .as_ref()
            .ok_or_else(|| DomainError::not_found("member-not-found", "there is no such member"))
    }

    /// A member on `day` with no exit recorded: who may subscribe, resign, be excluded.
    fn staying_on(&self, day: Date, field: &str) -> Result<&Membership, DomainError> {
        let m = self.admitted()?;
        if day < m.admitted_on {
            return Err(DomainError::invalid(
                "date-before-admission",
                field,
                format!("member {} was admitted on {}", m.member, m.admitted_on),
            ));
        }
        if let Some(exit) = &m.exit {
            return Err(DomainError::conflict(
                "member-leaving",
                format!(
                    "member {} leaves on {} ({}); nothing more can be decided about staying",
                    m.member,
                    exit.effective_on,
                    exit.cause.as_str()
                ),
            ));
        }
        Ok(m)
    }

    /// Decides subscribing further shares: at most the statute's maximum in all (G7a), and only
    /// when all earlier shares are fully paid except the newest and the mandatory ones (G15b).
    /// The money paid in counts toward the voluntary shares first.
    pub fn subscribe(
        &self,
        coop: &Cooperative,
        command: Subscribe,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.subscribed_on, command.today, "subscribed_on")?;
        let m = self.staying_on(command.subscribed_on, "subscribed_on")?;
        if command.shares == 0 {
            return Err(DomainError::invalid(
                "shares-zero",
                "shares",
                "subscribe at least one share",
            ));
        }
        let total = m.shares.saturating_add(command.shares);
        if total > statute.max_shares_per_member() {
            return Err(DomainError::rule(
                Rule::G7a,
                "shares-above-maximum",
                format!(
                    "a member holds at most {} shares; member {} holds {} and asks for {} more",
                    statute.max_shares_per_member(),
                    m.member,
                    m.shares,
                    command.shares
                ),
            )
            .at("shares"));
        }
        let must_be_full = m
            .shares
            .saturating_sub(m.mandatory_shares)
            .saturating_sub(1);
        let required = statute
            .share_amount()
            .checked_mul(must_be_full)
            .ok_or_else(overflow)?;
        if m.paid_in < required {
            return Err(DomainError::rule(
                Rule::G15b,
                "earlier-shares-not-paid",
                format!(
                    "further shares only when the earlier ones are fully paid (but the newest and the mandatory ones): {required} are to be paid in, {} are",
                    m.paid_in
                ),
            )
            .at("shares"));
        }
        let (paid_in_due, paid_in_due_on) =
            minimum_due(statute, command.shares, command.subscribed_on)?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            SharesSubscribed {
                member: m.member,
                shares: command.shares,
                total,
                subscribed_on: command.subscribed_on,
                paid_in_due,
                paid_in_due_on,
            },
        )])
    }

    /// Decides recording a payment: positive, by a member who has not left, and never more
    /// than the subscribed shares are worth.
    pub fn record_payment(
        &self,
        coop: &Cooperative,
        command: RecordPayment,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.received_on, command.today, "received_on")?;
        let m = self.admitted()?;
        if !m.is_member_on(command.received_on) {
            return Err(DomainError::conflict(
                "not-a-member-on-that-day",
                format!(
                    "member {} was not a member on {}",
                    m.member, command.received_on
                ),
            )
            .at("received_on"));
        }
        if !command.amount.is_positive() {
            return Err(DomainError::invalid(
                "amount-not-positive",
                "amount",
                "a payment is above zero",
            ));
        }
        let reference =
            short_text(&command.reference, 140, "reference").map_err(|e| e.within("reference"))?;
        let subscribed = statute
            .share_amount()
            .checked_mul(m.shares)
            .ok_or_else(overflow)?;
        let after = m.paid_in.checked_add(command.amount).ok_or_else(overflow)?;
        if after > subscribed {
            return Err(DomainError::conflict(
                "payment-exceeds-subscribed",
                format!(
                    "member {} subscribed {} shares worth {subscribed} and paid in {}; {} more would exceed them",
                    m.member, m.shares, m.paid_in, command.amount
                ),
            )
            .at("amount"));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            PaymentReceived {
                member: m.member,
                amount: command.amount,
                received_on: command.received_on,
                reference,
            },
        )])
    }

    /// Decides a resignation (G65, § 65 GenG): in text form, or in writing where the statute
    /// asks it, to the end of the first business year that the member's notice period
    /// reaches — the entrepreneur members' longer one where the statute sets it. Where that
    /// period is above two years, a member of at least one full business year may leave
    /// early in hardship, with three months' notice to the end of a business year; such a
    /// notice may come after an ordinary one and bring its exit forward.
    pub fn resign(&self, coop: &Cooperative, command: Resign) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.declared_on, command.today, "declared_on")?;
        let m = match (
            &command.hardship,
            self.staying_on(command.declared_on, "declared_on"),
        ) {
            (_, Ok(m)) => m,
            // A hardship exit may overtake an ordinary notice still running.
            (Some(_), Err(_))
                if self.admitted().is_ok_and(|m| {
                    m.exit.as_ref().is_some_and(|exit| {
                        exit.cause == ExitCause::Resignation
                            && exit.effective_on > command.declared_on
                    }) && m.admitted_on <= command.declared_on
                }) =>
            {
                self.admitted()?
            }
            (_, Err(e)) => return Err(e),
        };
        if !command.in_text_form && !command.in_writing {
            return Err(DomainError::rule(
                Rule::G65,
                "resignation-not-in-text-form",
                "a resignation must be declared in text form (a letter, an e-mail)",
            )
            .at("in_text_form"));
        }
        if statute.resignation_in_writing() && !command.in_writing {
            return Err(DomainError::rule(
                Rule::G65,
                "resignation-not-in-writing",
                "the statute asks a resignation in written form: a letter signed by hand",
            )
            .at("in_writing"));
        }
        let year = statute.business_year();
        let notice = statute.notice_period_months_for(m.kind.is_entrepreneur());
        let effective_on = match &command.hardship {
            None => year.resignation_effective(command.declared_on, notice)?,
            Some(_) => {
                if notice <= crate::statute::HARDSHIP_NOTICE_MONTHS_ABOVE {
                    return Err(DomainError::rule(
                        Rule::G65,
                        "hardship-exit-not-available",
                        format!(
                            "an early exit in hardship is open only where the statute's notice period is above two years; member {}'s is {notice} months",
                            m.member
                        ),
                    )
                    .at("hardship"));
                }
                // At least one full business year: the one before the declaration's began on
                // or after the admission.
                let full_year_from = year
                    .start_containing(command.declared_on)
                    .checked_sub(jiff::ToSpan::year(1))
                    .map_err(|_| {
                        DomainError::invalid(
                            "date-out-of-range",
                            "declared_on",
                            "before the dates this system keeps",
                        )
                    })?;
                if m.admitted_on > full_year_from {
                    return Err(DomainError::rule(
                        Rule::G65,
                        "hardship-exit-too-early",
                        format!(
                            "an early exit in hardship needs a membership of at least one full business year; member {} was admitted on {}",
                            m.member, m.admitted_on
                        ),
                    )
                    .at("hardship"));
                }
                let early = year.resignation_effective(command.declared_on, 3)?;
                let ordinary = year.resignation_effective(command.declared_on, notice)?;
                let running = m
                    .exit
                    .as_ref()
                    .map_or(ordinary, |exit| exit.effective_on.min(ordinary));
                if early >= running {
                    return Err(DomainError::conflict(
                        "hardship-exit-not-earlier",
                        format!(
                            "member {} leaves on {running} already; an exit in hardship would not come earlier",
                            m.member
                        ),
                    ));
                }
                early
            }
        };
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            ResignationDeclared {
                member: m.member,
                declared_on: command.declared_on,
                effective_on,
                hardship: command.hardship,
            },
        )];
        // Officers are members (G9-24): the offices end with the membership.
        let first_day_out = effective_on.tomorrow().map_err(|_| {
            DomainError::invalid(
                "date-out-of-range",
                "declared_on",
                "the exit lies beyond the calendar",
            )
        })?;
        changes.extend(coop.vacate(m.member, first_day_out, "resigned (G65)"));
        Ok(changes)
    }

    /// Decides an exclusion (G68): only on a ground the statute names, to the end of the
    /// business year; the member loses their offices from the dispatch of the notice.
    pub fn exclude(
        &self,
        coop: &Cooperative,
        command: Exclude,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.dispatched_on, command.today, "dispatched_on")?;
        let m = self.staying_on(command.dispatched_on, "dispatched_on")?;
        if statute.exclusion_ground(&command.ground).is_none() {
            return Err(DomainError::rule(
                Rule::G68,
                "exclusion-ground-not-in-statute",
                format!(
                    "the statute names no exclusion ground {:?}; a member is excluded only on a ground of the statute",
                    command.ground
                ),
            )
            .at("ground"));
        }
        let reason =
            short_text(&command.reason, 1_000, "reason").map_err(|e| e.within("reason"))?;
        let effective_on = statute
            .business_year()
            .end_containing(command.dispatched_on)?;
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            MemberExcluded {
                member: m.member,
                ground: command.ground,
                reason,
                dispatched_on: command.dispatched_on,
                effective_on,
            },
        )];
        changes.extend(coop.vacate(m.member, command.dispatched_on, "excluded (G68)"));
        Ok(changes)
    }

    /// Records a death: the heirs continue the membership to the end of the business year
    /// (§ 77 GenG); the offices end at once.
    pub fn record_death(
        &self,
        coop: &Cooperative,
        command: RecordDeath,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.died_on, command.today, "died_on")?;
        let m = self.admitted()?;
        if !m.is_member_on(command.died_on) {
            return Err(DomainError::conflict(
                "not-a-member-on-that-day",
                format!(
                    "member {} was not a member on {}",
                    m.member, command.died_on
                ),
            )
            .at("died_on"));
        }
        if matches!(
            m.exit.as_ref().map(|e| &e.cause),
            Some(ExitCause::Death | ExitCause::Transfer { .. })
        ) {
            return Err(DomainError::conflict(
                "member-leaving",
                format!("member {} has left already", m.member),
            ));
        }
        // A death before a resignation's or exclusion's day ends the membership no later.
        let year_end = statute.business_year().end_containing(command.died_on)?;
        let effective_on = m
            .exit
            .as_ref()
            .map_or(year_end, |e| e.effective_on.min(year_end));
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            MemberDied {
                member: m.member,
                died_on: command.died_on,
                effective_on,
            },
        )];
        changes.extend(coop.vacate(m.member, command.died_on, "died"));
        Ok(changes)
    }

    /// Decides the payout of an exited member's capital (G73): after the exit, the whole
    /// capital, once. (The share of a loss the balance sheet may deduct comes with the books.)
    pub fn pay_settlement(&self, command: PaySettlement) -> Result<Vec<Change>, DomainError> {
        // After the exit, and so within the cooperative's history (D1).
        crate::calendar::check_day(None, command.paid_on, command.today, "paid_on")?;
        let m = self.admitted()?;
        let Some(exit) = &m.exit else {
            return Err(DomainError::rule(
                Rule::G22,
                "capital-locked-during-membership",
                format!(
                    "member {} has not left: the paid-in capital is not paid out during membership",
                    m.member
                ),
            ));
        };
        if command.paid_on <= exit.effective_on {
            return Err(DomainError::rule(
                Rule::G22,
                "capital-locked-during-membership",
                format!(
                    "member {} is a member until {}: the settlement is paid after the exit",
                    m.member, exit.effective_on
                ),
            )
            .at("paid_on"));
        }
        if m.settlement.is_some() {
            return Err(DomainError::conflict(
                "settlement-paid",
                format!("the settlement of member {} was paid already", m.member),
            ));
        }
        if !m.paid_in.is_positive() {
            return Err(DomainError::conflict(
                "nothing-to-settle",
                format!("member {} has no capital to pay out", m.member),
            ));
        }
        if command.amount != m.paid_in {
            return Err(DomainError::rule(
                Rule::G73,
                "settlement-amount-wrong",
                format!(
                    "the settlement of member {} is their capital of {}, not {}",
                    m.member, m.paid_in, command.amount
                ),
            )
            .at("amount"));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            SettlementPaid {
                member: m.member,
                amount: command.amount,
                paid_on: command.paid_on,
            },
        )])
    }
}

impl Member {
    /// Decides a grant of multiple votes (G43-3): up to the statute's maximum, to a member with
    /// their rights, for a stated reason; 1 ends a grant.
    pub fn grant_votes(
        &self,
        coop: &Cooperative,
        command: GrantVotes,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.granted_on, command.today, "granted_on")?;
        let m = self.admitted()?;
        if !m.has_rights_on(command.granted_on) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "member-without-rights",
                format!(
                    "member {} has no rights on {} and cannot hold votes",
                    m.member, command.granted_on
                ),
            ));
        }
        let most = statute.multiple_votes_max();
        if !(1..=most).contains(&command.votes) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "votes-above-statute",
                format!(
                    "the statute grants a member 1 to {most} votes; {} were asked",
                    command.votes
                ),
            )
            .at("votes"));
        }
        if command.votes == m.votes {
            return Err(DomainError::conflict(
                "votes-unchanged",
                format!("member {} holds {} votes already", m.member, m.votes),
            ));
        }
        let reason = short_text(&command.reason, 500, "reason").map_err(|e| e.at("reason"))?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            VotesGranted {
                member: m.member,
                votes: command.votes,
                reason,
                granted_on: command.granted_on,
            },
        )])
    }

    /// Decides erasing an exited member's personal data (G30): only after the end of the third
    /// year after the exit, and never while a settlement is owed to them (G73).
    pub fn erase_record(&self, command: EraseRecord) -> Result<Vec<Change>, DomainError> {
        let m = self.admitted()?;
        m.erasure_on(command.today)?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            MemberRecordErased {
                member: m.member,
                erased_on: command.today,
                erased_records: std::iter::once(m.person.record.clone())
                    .chain(m.hardship_statement.as_ref().map(|h| h.record.clone()))
                    .collect(),
            },
        )])
    }
}

/// Decides a transfer of paid-in capital from one member to another (G76): in text form, to a
/// member whose shares can take it; a partial transfer must leave the mandatory holding's
/// minimum paid in; a transfer of all the capital makes the giver leave that day.
pub fn transfer_capital(
    coop: &Cooperative,
    from: &Member,
    to: &Member,
    command: Transfer,
) -> Result<Vec<Change>, DomainError> {
    let statute = founded(coop)?;
    coop.check_day(command.agreed_on, command.today, "agreed_on")?;
    let giver = from.admitted()?;
    let acquirer = to.admitted().map_err(|e| e.at("to"))?;
    if giver.member == acquirer.member {
        return Err(DomainError::invalid(
            "transfer-to-self",
            "to",
            "a member cannot transfer capital to themselves",
        ));
    }
    if !command.in_text_form {
        return Err(DomainError::rule(
            Rule::G76,
            "transfer-not-in-text-form",
            "a transfer of capital needs an agreement in text form",
        )
        .at("in_text_form"));
    }
    if !giver.is_member_on(command.agreed_on)
        || giver
            .exit
            .as_ref()
            .is_some_and(|e| !matches!(e.cause, ExitCause::Resignation))
    {
        return Err(DomainError::conflict(
            "not-a-member-on-that-day",
            format!(
                "member {} cannot transfer capital on {}",
                giver.member, command.agreed_on
            ),
        ));
    }
    let acquirer = to
        .staying_on(command.agreed_on, "agreed_on")
        .map_err(|e| e.at("to"))?;
    if !command.amount.is_positive() || command.amount > giver.paid_in {
        return Err(DomainError::invalid(
            "transfer-amount-out-of-range",
            "amount",
            format!(
                "member {} can transfer above 0 and up to their capital of {}",
                giver.member, giver.paid_in
            ),
        ));
    }
    let room = statute
        .share_amount()
        .checked_mul(acquirer.shares)
        .and_then(|worth| worth.checked_sub(acquirer.paid_in))
        .ok_or_else(overflow)?;
    if command.amount > room {
        return Err(DomainError::rule(
            Rule::G76,
            "transfer-exceeds-acquirer-shares",
            format!(
                "member {}'s shares can take {room} more; subscribe further shares first",
                acquirer.member
            ),
        )
        .at("amount"));
    }
    let from_exits = command.amount == giver.paid_in;
    if !from_exits {
        let keep = statute
            .paid_in_minimum()
            .checked_mul(giver.mandatory_shares)
            .ok_or_else(overflow)?;
        let left = giver
            .paid_in
            .checked_sub(command.amount)
            .ok_or_else(overflow)?;
        if left < keep {
            return Err(DomainError::rule(
                Rule::G76,
                "transfer-breaks-mandatory-holding",
                format!(
                    "member {} must keep {keep} paid in for the mandatory holding; the transfer would leave {left}",
                    giver.member
                ),
            )
            .at("amount"));
        }
    }
    let event = CapitalTransferred {
        from: giver.member,
        to: acquirer.member,
        amount: command.amount,
        agreed_on: command.agreed_on,
        from_exits,
    };
    let mut changes = vec![
        Change::new(Stream::Member(giver.member), event.clone()),
        Change::new(Stream::Member(acquirer.member), event),
    ];
    if from_exits {
        changes.extend(coop.vacate(giver.member, command.agreed_on, "left by transfer (G76)"));
    }
    Ok(changes)
}
