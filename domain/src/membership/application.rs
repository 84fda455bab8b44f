//! The application aggregate (`application-ID`): from the declaration to its admission or
//! rejection (G15).

use super::*;

/// An application as its stream tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    filed: Option<Filed>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Filed {
    applied: MembershipApplied,
    decided: Option<Decided>,
}

/// How an application was decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Decided {
    /// Admitted as this member.
    Admitted {
        /// The member number.
        member: MemberNo,
        /// The day.
        on: Date,
    },
    /// Rejected.
    Rejected {
        /// The day.
        on: Date,
    },
}

impl Application {
    /// Folds one event of the application's stream in.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::MembershipApplied(e) => {
                self.filed = Some(Filed {
                    applied: e.clone(),
                    decided: None,
                });
            }
            Event::ApplicationAccepted(e) => {
                if let Some(filed) = &mut self.filed {
                    filed.decided = Some(Decided::Admitted {
                        member: e.member,
                        on: e.accepted_on,
                    });
                }
            }
            Event::ApplicationRejected(e) => {
                if let Some(filed) = &mut self.filed {
                    filed.decided = Some(Decided::Rejected { on: e.rejected_on });
                }
            }
            _ => {}
        }
    }

    /// The declaration, once filed.
    pub fn applied(&self) -> Option<&MembershipApplied> {
        self.filed.as_ref().map(|f| &f.applied)
    }

    /// Where the applicant's personal data is, unless the rejection erased it (G15).
    pub fn person_present(&self) -> Option<&PersonalRef> {
        let filed = self.filed.as_ref()?;
        (!matches!(filed.decided, Some(Decided::Rejected { .. }))).then_some(&filed.applied.person)
    }

    /// The decision, once taken.
    pub fn decided(&self) -> Option<&Decided> {
        self.filed.as_ref().and_then(|f| f.decided.as_ref())
    }

    /// Decides filing the application: the declaration must acknowledge what G15a asks, and
    /// the shares must lie between the mandatory holding and the maximum (G7a).
    pub fn file(&self, coop: &Cooperative, command: Apply) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        if self.filed.is_some() {
            return Err(DomainError::conflict(
                "application-exists",
                format!("an application {} exists already", command.application),
            ));
        }
        coop.check_day(command.declared_on, command.today, "declared_on")?;
        let kind = command.kind.clone().validated()?;
        let ack = command.acknowledged;
        if !ack.pays_for_shares {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                "the declaration must acknowledge the duty to pay for the subscribed shares",
            )
            .at("acknowledged.pays_for_shares"));
        }
        if statute.has_additional_contributions() && !ack.additional_contributions {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                "the statute provides additional contributions (Nachschüsse); the declaration must acknowledge them explicitly",
            )
            .at("acknowledged.additional_contributions"));
        }
        if statute.notice_period_months() > 12 && !ack.notice_period {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                format!(
                    "the statute's notice period is {} months, more than one year; the declaration must acknowledge it explicitly",
                    statute.notice_period_months()
                ),
            )
            .at("acknowledged.notice_period"));
        }
        if kind.is_investing() && statute.investing_consent_by().is_none() {
            return Err(DomainError::rule(
                Rule::G8_2,
                "investing-members-not-admitted",
                "the statute does not admit investing members",
            )
            .at("kind"));
        }
        if matches!(
            statute.mandatory_holding(),
            Some(crate::MandatoryHolding::Usage { .. })
        ) && command.declared_usage.is_none()
        {
            return Err(DomainError::invalid(
                "declared-usage-missing",
                "declared_usage",
                "the statute scales the mandatory holding by use of the facilities: declare the expected yearly use",
            ));
        }
        check_shares(
            statute,
            command.shares,
            mandatory_shares(statute, &kind, command.declared_usage),
        )?;
        Ok(vec![Change::new(
            Stream::Application(command.application.clone()),
            MembershipApplied {
                application: command.application,
                person: command.person,
                kind,
                shares: command.shares,
                declared_usage: command.declared_usage,
                declared_on: command.declared_on,
                acknowledged: ack,
                listed: command.listed,
            },
        )])
    }

    /// Decides the admission by the organ the statute names (G15). `members` is the number of
    /// members before it: above 20, the organs must have the size G9-24 asks.
    pub fn admit(
        &self,
        coop: &Cooperative,
        members: usize,
        command: Admit,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        let applied = self.undecided()?;
        check_organ(statute, command.by)?;
        coop.check_day(command.admitted_on, command.today, "admitted_on")?;
        if command.admitted_on < applied.declared_on {
            return Err(DomainError::invalid(
                "date-before-declaration",
                "admitted_on",
                "an admission cannot precede the declaration",
            ));
        }
        if applied.kind.is_investing() {
            let Some(consent_by) = statute.investing_consent_by() else {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-members-not-admitted",
                    "the statute does not admit investing members",
                ));
            };
            let consent = command.investing_consent.as_deref().unwrap_or("");
            if consent.trim().is_empty() {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-consent-missing",
                    format!(
                        "an investing member is admitted only with the consent of the {}; name its resolution",
                        consent_by.as_str().replace('-', " ")
                    ),
                )
                .at("investing_consent"));
            }
        }
        let after = members.saturating_add(1);
        statute.check_for_members(after)?;
        if after > crate::statute::SMALL_COOPERATIVE_MEMBERS_MAX {
            for office in [Office::Board, Office::SupervisoryBoard] {
                let minimum = statute.organ_minimum(office, after);
                let staying = coop.staying(office).count();
                if staying < minimum {
                    return Err(DomainError::rule(
                        Rule::G9_24,
                        "organs-too-small-for-members",
                        format!(
                            "with {after} members the {} needs at least {minimum} persons and has {staying}; appoint them before admitting",
                            office.as_str().replace('-', " ")
                        ),
                    ));
                }
            }
        }
        let mandatory = mandatory_shares(statute, &applied.kind, applied.declared_usage);
        check_shares(statute, applied.shares, mandatory)?;
        let (paid_in_due, paid_in_due_on) =
            minimum_due(statute, applied.shares, command.admitted_on)?;
        let consent = command
            .investing_consent
            .filter(|_| applied.kind.is_investing())
            .map(|text| {
                short_text(&text, 500, "consent").map_err(|e| e.within("investing_consent"))
            })
            .transpose()?;
        Ok(vec![
            Change::new(
                Stream::Application(applied.application.clone()),
                ApplicationAccepted {
                    application: applied.application.clone(),
                    member: command.member,
                    by: command.by,
                    accepted_on: command.admitted_on,
                    investing_consent: consent,
                },
            ),
            Change::new(
                Stream::Member(command.member),
                MemberAdmitted {
                    member: command.member,
                    person: applied.person.clone(),
                    kind: applied.kind.clone(),
                    shares: applied.shares,
                    mandatory_shares: mandatory,
                    admitted_on: command.admitted_on,
                    founder: false,
                    application: Some(applied.application.clone()),
                    listed: applied.listed,
                    paid_in_due,
                    paid_in_due_on,
                },
            ),
        ])
    }

    /// Decides the rejection (G15). The caller erases the application's personal data in the
    /// same commit.
    pub fn reject(&self, coop: &Cooperative, command: Reject) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        let applied = self.undecided()?;
        check_organ(statute, command.by)?;
        coop.check_day(command.rejected_on, command.today, "rejected_on")?;
        let reason =
            short_text(&command.reason, 1_000, "reason").map_err(|e| e.within("reason"))?;
        Ok(vec![Change::new(
            Stream::Application(applied.application.clone()),
            ApplicationRejected {
                application: applied.application.clone(),
                by: command.by,
                reason,
                rejected_on: command.rejected_on,
                erased_records: vec![applied.person.record.clone()],
            },
        )])
    }

    fn undecided(&self) -> Result<&MembershipApplied, DomainError> {
        let Some(filed) = &self.filed else {
            return Err(DomainError::not_found(
                "application-not-found",
                "there is no such application",
            ));
        };
        match filed.decided {
            None => Ok(&filed.applied),
            Some(Decided::Admitted { member, .. }) => Err(DomainError::conflict(
                "application-decided",
                format!("the application was admitted already, as member {member}"),
            )),
            Some(Decided::Rejected { .. }) => Err(DomainError::conflict(
                "application-decided",
                "the application was rejected already",
            )),
        }
    }
}
