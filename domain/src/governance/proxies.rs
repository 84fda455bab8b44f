//! Proxies (G43-5): a member may vote through another member with written authority; one
//! proxy represents at most two members (or fewer, as the statute says); no chains.
//!
//! "No chains" is kept by the structure: a member who has given their vote to a proxy holds
//! no proxies, and a proxy who holds principals gives their own vote to nobody. So a proxy
//! always acts for its own principals, never for principals of principals. The delegation
//! history is kept for the principal to see.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::short_text;
use crate::{DomainError, MemberNo, Rule, Statute};

/// `ProxyGranted`: a member gave their vote to another member, with written authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyGranted {
    /// Who gives their vote.
    pub principal: MemberNo,
    /// Who casts it.
    pub proxy: MemberNo,
    /// The evidence of the written authority, e.g. "signed form of 2027-03-01, file 17".
    pub evidence: String,
    /// The day of the authority.
    pub granted_on: Date,
}

/// `ProxyRevoked`: a principal took their vote back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyRevoked {
    /// The principal.
    pub principal: MemberNo,
    /// The proxy they had.
    pub proxy: MemberNo,
    /// The day.
    pub revoked_on: Date,
}

/// One entry of a principal's delegation history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// The proxy.
    pub proxy: MemberNo,
    /// The evidence of the authority.
    pub evidence: String,
    /// Since when.
    pub granted_on: Date,
    /// Until when, once revoked.
    pub revoked_on: Option<Date>,
}

/// Every proxy of the cooperative, as their events tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxies {
    /// The current proxy of each principal.
    current: BTreeMap<MemberNo, MemberNo>,
    /// Every delegation, by principal, oldest first.
    history: BTreeMap<MemberNo, Vec<Delegation>>,
}

/// Grant a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantProxy {
    /// Who gives their vote.
    pub principal: MemberNo,
    /// Who casts it.
    pub proxy: MemberNo,
    /// The evidence of the written authority.
    pub evidence: String,
    /// The day of the authority.
    pub granted_on: Date,
}

/// What a grant needs to know of the two members on the day of the authority: facts the
/// application takes from their streams and passes beside the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyFacts {
    /// The principal is a member with rights on that day.
    pub principal_has_rights: bool,
    /// The proxy is a member with rights on that day.
    pub proxy_has_rights: bool,
}

impl Proxies {
    /// Folds a `ProxyGranted` or `ProxyRevoked` in.
    pub fn apply_granted(&mut self, e: &ProxyGranted) {
        self.current.insert(e.principal, e.proxy);
        self.history
            .entry(e.principal)
            .or_default()
            .push(Delegation {
                proxy: e.proxy,
                evidence: e.evidence.clone(),
                granted_on: e.granted_on,
                revoked_on: None,
            });
    }

    /// Folds a `ProxyRevoked` in.
    pub fn apply_revoked(&mut self, e: &ProxyRevoked) {
        self.current.remove(&e.principal);
        if let Some(last) = self
            .history
            .get_mut(&e.principal)
            .and_then(|h| h.last_mut())
            .filter(|d| d.revoked_on.is_none())
        {
            last.revoked_on = Some(e.revoked_on);
        }
    }

    /// The current proxy of `principal`.
    pub fn proxy_of(&self, principal: MemberNo) -> Option<MemberNo> {
        self.current.get(&principal).copied()
    }

    /// The principals `proxy` acts for now, by number.
    pub fn principals_of(&self, proxy: MemberNo) -> Vec<MemberNo> {
        self.current
            .iter()
            .filter(|(_, p)| **p == proxy)
            .map(|(principal, _)| *principal)
            .collect()
    }

    /// Every delegation of `principal`, oldest first.
    pub fn history(&self, principal: MemberNo) -> &[Delegation] {
        self.history.get(&principal).map_or(&[], Vec::as_slice)
    }

    /// Decides a grant (G43-5): allowed by the statute, between two members with rights, to a
    /// proxy with room for another principal, and never making a chain. A new grant replaces
    /// the principal's current proxy (the old one is revoked in the same decision).
    pub fn grant(
        &self,
        statute: &Statute,
        facts: ProxyFacts,
        command: GrantProxy,
    ) -> Result<(Option<ProxyRevoked>, ProxyGranted), DomainError> {
        let (allowed, principals_max, _members_only) = statute.proxies();
        if !allowed {
            return Err(DomainError::rule(
                Rule::G43_5,
                "proxies-not-allowed",
                "the statute does not allow voting by proxy",
            ));
        }
        if !facts.principal_has_rights {
            return Err(DomainError::rule(
                Rule::G43_5,
                "principal-not-a-member",
                format!("member {} has no vote to give", command.principal),
            )
            .at("principal"));
        }
        // Proxies who are not members would need their personal data kept; the statute's
        // `members_only = false` is not supported yet, so every proxy is a member.
        if !facts.proxy_has_rights {
            return Err(DomainError::rule(
                Rule::G43_5,
                "proxy-not-a-member",
                format!(
                    "member {} cannot act as a proxy: not a member with rights",
                    command.proxy
                ),
            )
            .at("proxy"));
        }
        if command.principal == command.proxy {
            return Err(DomainError::invalid(
                "proxy-is-principal",
                "proxy",
                "a member cannot be their own proxy",
            ));
        }
        let evidence =
            short_text(&command.evidence, 500, "evidence").map_err(|e| e.within("evidence"))?;
        if self.proxy_of(command.principal) == Some(command.proxy) {
            return Err(DomainError::conflict(
                "proxy-granted",
                format!(
                    "member {} is member {}'s proxy already",
                    command.proxy, command.principal
                ),
            ));
        }
        if !self.principals_of(command.principal).is_empty() {
            return Err(DomainError::rule(
                Rule::G43_5,
                "proxy-chain",
                format!(
                    "member {} acts as a proxy; a proxy cannot pass votes on (no chains)",
                    command.principal
                ),
            )
            .at("principal"));
        }
        if self.proxy_of(command.proxy).is_some() {
            return Err(DomainError::rule(
                Rule::G43_5,
                "proxy-chain",
                format!(
                    "member {} gave their own vote to a proxy and cannot act as one (no chains)",
                    command.proxy
                ),
            )
            .at("proxy"));
        }
        let held = self.principals_of(command.proxy).len();
        if held >= usize::from(principals_max) {
            return Err(DomainError::rule(
                Rule::G43_5,
                "proxy-full",
                format!(
                    "member {} represents {held} members already, the most one proxy may",
                    command.proxy
                ),
            )
            .at("proxy"));
        }
        let revoked = self
            .proxy_of(command.principal)
            .map(|previous| ProxyRevoked {
                principal: command.principal,
                proxy: previous,
                revoked_on: command.granted_on,
            });
        Ok((
            revoked,
            ProxyGranted {
                principal: command.principal,
                proxy: command.proxy,
                evidence,
                granted_on: command.granted_on,
            },
        ))
    }

    /// Decides a revocation by the principal.
    pub fn revoke(&self, principal: MemberNo, on: Date) -> Result<ProxyRevoked, DomainError> {
        let proxy = self.proxy_of(principal).ok_or_else(|| {
            DomainError::not_found(
                "proxy-not-granted",
                format!("member {principal} has no proxy to revoke"),
            )
        })?;
        Ok(ProxyRevoked {
            principal,
            proxy,
            revoked_on: on,
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    fn statute() -> Statute {
        Statute::parse_toml(EXAMPLE_STATUTE).expect("valid")
    }

    fn grant(principal: u32, proxy: u32) -> GrantProxy {
        GrantProxy {
            principal: no(principal),
            proxy: no(proxy),
            evidence: "signed form".into(),
            granted_on: date(2027, 3, 1),
        }
    }

    const MEMBERS: ProxyFacts = ProxyFacts {
        principal_has_rights: true,
        proxy_has_rights: true,
    };

    fn record(proxies: &mut Proxies, decided: (Option<ProxyRevoked>, ProxyGranted)) {
        if let Some(revoked) = &decided.0 {
            proxies.apply_revoked(revoked);
        }
        proxies.apply_granted(&decided.1);
    }

    /// G43-5: one proxy represents at most two members.
    #[test]
    fn g43_5_a_proxy_represents_at_most_two_members() {
        let mut proxies = Proxies::default();
        for principal in [1, 2] {
            let decided = proxies
                .grant(&statute(), MEMBERS, grant(principal, 9))
                .expect("room");
            record(&mut proxies, decided);
        }
        let error = proxies
            .grant(&statute(), MEMBERS, grant(3, 9))
            .expect_err("full");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G43_5), "proxy-full")
        );
        assert_eq!(proxies.principals_of(no(9)), [no(1), no(2)]);
    }

    /// G43-5: no chains, in either direction.
    #[test]
    fn g43_5_no_chains() {
        let mut proxies = Proxies::default();
        let decided = proxies
            .grant(&statute(), MEMBERS, grant(1, 2))
            .expect("valid");
        record(&mut proxies, decided);
        let error = proxies
            .grant(&statute(), MEMBERS, grant(2, 3))
            .expect_err("2 holds 1's vote");
        assert_eq!(error.code(), "proxy-chain");
        let error = proxies
            .grant(&statute(), MEMBERS, grant(4, 1))
            .expect_err("1 gave their vote");
        assert_eq!(error.code(), "proxy-chain");
    }

    /// A new grant replaces the old one; the history keeps both, and a revocation ends it.
    #[test]
    fn a_new_grant_replaces_the_old_and_the_history_keeps_both() {
        let mut proxies = Proxies::default();
        let first = proxies
            .grant(&statute(), MEMBERS, grant(1, 2))
            .expect("valid");
        record(&mut proxies, first);
        let second = proxies
            .grant(&statute(), MEMBERS, grant(1, 3))
            .expect("valid");
        assert_eq!(second.0.as_ref().map(|r| r.proxy), Some(no(2)));
        record(&mut proxies, second);
        assert_eq!(proxies.proxy_of(no(1)), Some(no(3)));
        let revoked = proxies.revoke(no(1), date(2027, 4, 1)).expect("a proxy");
        proxies.apply_revoked(&revoked);
        let history: Vec<_> = proxies
            .history(no(1))
            .iter()
            .map(|d| (d.proxy, d.revoked_on))
            .collect();
        assert_eq!(
            history,
            [
                (no(2), Some(date(2027, 3, 1))),
                (no(3), Some(date(2027, 4, 1)))
            ]
        );
        assert_eq!(
            proxies
                .revoke(no(1), date(2027, 4, 2))
                .map_err(|e| e.code().to_owned()),
            Err("proxy-not-granted".to_owned())
        );
    }

    /// G43-5: where the statute allows no proxies, there are none; proxies are members.
    #[test]
    fn g43_5_proxies_only_where_the_statute_allows_and_between_members() {
        let closed = Statute::parse_toml(
            &EXAMPLE_STATUTE.replace("[assembly]", "[proxies]\nallowed = false\n\n[assembly]"),
        )
        .expect("valid");
        let error = Proxies::default()
            .grant(&closed, MEMBERS, grant(1, 2))
            .expect_err("not allowed");
        assert_eq!(error.code(), "proxies-not-allowed");
        let outsider = ProxyFacts {
            proxy_has_rights: false,
            ..MEMBERS
        };
        let error = Proxies::default()
            .grant(&statute(), outsider, grant(1, 2))
            .expect_err("not a member");
        assert_eq!(error.code(), "proxy-not-a-member");
    }

    proptest! {
        /// G43-5: whatever members grant and revoke, no proxy holds more than two principals
        /// and no vote passes through two hands.
        #[test]
        fn g43_5_proxies_never_exceed_two_principals_and_never_chain(
            steps in prop::collection::vec((1u32..=8, 1u32..=8, any::<bool>()), 0..80),
        ) {
            let mut proxies = Proxies::default();
            for (principal, proxy, revoke) in steps {
                if revoke {
                    if let Ok(revoked) = proxies.revoke(no(principal), date(2027, 3, 1)) {
                        proxies.apply_revoked(&revoked);
                    }
                } else if let Ok(decided) = proxies.grant(&statute(), MEMBERS, grant(principal, proxy)) {
                    record(&mut proxies, decided);
                }
                for member in 1..=8 {
                    let held = proxies.principals_of(no(member));
                    prop_assert!(held.len() <= 2);
                    if !held.is_empty() {
                        prop_assert_eq!(proxies.proxy_of(no(member)), None);
                    }
                }
            }
        }
    }
}
