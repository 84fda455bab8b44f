//! Authentication (bearer tokens) and authorization (roles), all of it here: a middleware that
//! looks the matched route up in [`ROUTES`] before any handler runs (a route missing from the
//! table is answered as a server error, never served, so a new route cannot be open by
//! mistake), and the refinements that depend on what a request asks, not only on its route —
//! methods of [`Caller`] the handlers call with that request's facts: a member's own entry
//! ([`Caller::sees_entry_of`]), copies and past states of the member list
//! ([`Caller::check_member_list`]), the organ that records an admission
//! ([`Caller::check_records_for`]), the day of a member's own declaration
//! ([`Caller::own_day`]) and who votes ([`Caller::voting_member`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use verbund_domain::{Capacity, MemberNo, Organ, Principal, Role, TokenId, TokenPurpose};
use verbund_ledger::{Actor, LogId};
use verbund_projections::Runtime;

use crate::app::{App, TokenSecret};
use crate::http::error::ApiError;
use crate::http::extract::{READ_WAIT, min_position};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, with or without a token.
    Public,
    /// Any valid token of the cooperative.
    Authenticated,
    /// A token with one of these roles.
    Roles(&'static [Role]),
    /// The member named by the route's `{member}`, or a token with one of these roles.
    MemberSelfOr(&'static [Role]),
}

/// Roles that read the register: members and those who oversee the cooperative.
pub const READ_REGISTER: &[Role] = &[
    Role::Member,
    Role::Board,
    Role::SupervisoryBoard,
    Role::Treasurer,
    Role::Auditor,
    Role::Regulator,
];
/// Roles that read every member's full record.
pub const READ_MEMBERS: &[Role] = &[
    Role::Board,
    Role::SupervisoryBoard,
    Role::Treasurer,
    Role::Auditor,
    Role::Regulator,
];
/// Roles that read the whole log (which holds everyone's data) and verify it.
pub const READ_LOG: &[Role] = &[
    Role::Board,
    Role::SupervisoryBoard,
    Role::Auditor,
    Role::Regulator,
];
/// The organs that decide on membership and offices (each records its own decisions; the
/// board records the assembly's).
pub const DECIDE_MEMBERSHIP: &[Role] = &[Role::Board, Role::SupervisoryBoard];
/// The board, which manages the cooperative.
pub const BOARD: &[Role] = &[Role::Board];
/// Roles that record money received and paid: the treasurer and the board.
pub const KEEP_ACCOUNTS: &[Role] = &[Role::Treasurer, Role::Board];
/// Roles that read the books: the organs, the auditors and regulators.
pub const READ_BOOKS: &[Role] = &[
    Role::Board,
    Role::SupervisoryBoard,
    Role::Treasurer,
    Role::Auditor,
    Role::Regulator,
];
/// Members cast votes.
pub const VOTE: &[Role] = &[Role::Member];
/// Roles that read the approved investments: the register's readers and citizen investors.
pub const READ_INVESTMENTS: &[Role] = &[
    Role::Member,
    Role::Board,
    Role::SupervisoryBoard,
    Role::Treasurer,
    Role::Auditor,
    Role::Regulator,
    Role::CitizenInvestor,
];
/// Roles that run the installation: tokens, rebuilds.
pub const OPERATE: &[Role] = &[Role::Admin];

/// Every route and who may call it: the API's, then the pages'.
pub const ROUTES: &[(Method, &str, Access)] = &[
    (Method::GET, "/", Access::Public),
    (Method::GET, "/assets/{file}", Access::Public),
    (Method::GET, "/lang/{lang}", Access::Public),
    (Method::GET, "/rules/{rule}", Access::Public),
    (Method::GET, "/c/{coop}", Access::Public),
    (Method::GET, "/c/{coop}/apply", Access::Public),
    (Method::POST, "/c/{coop}/apply", Access::Public),
    (
        Method::GET,
        "/c/{coop}/applied/{application}",
        Access::Public,
    ),
    (Method::GET, "/c/{coop}/sign-in/{secret}", Access::Public),
    (Method::POST, "/c/{coop}/sign-in/{secret}", Access::Public),
    (Method::POST, "/c/{coop}/sign-out", Access::Authenticated),
    (Method::GET, "/c/{coop}/me", Access::Authenticated),
    (
        Method::POST,
        "/c/{coop}/me/acting-for",
        Access::Authenticated,
    ),
    (Method::GET, "/c/{coop}/me/notice", Access::Roles(VOTE)),
    (Method::POST, "/c/{coop}/me/notice", Access::Roles(VOTE)),
    (Method::GET, "/c/{coop}/me/proxy", Access::Roles(VOTE)),
    (Method::POST, "/c/{coop}/me/proxy", Access::Roles(VOTE)),
    (
        Method::POST,
        "/c/{coop}/me/proxy/revoke",
        Access::Roles(VOTE),
    ),
    (Method::GET, "/c/{coop}/me/transfer", Access::Roles(VOTE)),
    (Method::POST, "/c/{coop}/me/transfer", Access::Roles(VOTE)),
    (Method::GET, "/c/{coop}/me/sessions", Access::Authenticated),
    (
        Method::POST,
        "/c/{coop}/me/sessions/{token}/end",
        Access::Authenticated,
    ),
    (
        Method::GET,
        "/c/{coop}/assemblies",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::GET,
        "/c/{coop}/motions/{motion}",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::POST,
        "/c/{coop}/motions/{motion}/vote",
        Access::Roles(VOTE),
    ),
    (
        Method::GET,
        "/c/{coop}/receipts/{position}",
        Access::Authenticated,
    ),
    (
        Method::GET,
        "/c/{coop}/assemblies/{assembly}/minutes",
        Access::Roles(READ_REGISTER),
    ),
    // The organs' pages.
    (
        Method::GET,
        "/c/{coop}/board",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::GET,
        "/c/{coop}/board/applications/{application}",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/c/{coop}/board/applications/{application}/admit",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/c/{coop}/board/applications/{application}/reject",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (Method::GET, "/c/{coop}/board/convene", Access::Roles(BOARD)),
    (
        Method::POST,
        "/c/{coop}/board/convene",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/c/{coop}/board/assemblies/{assembly}",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/board/assemblies/{assembly}/motions",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/board/assemblies/{assembly}/majority",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/board/motions/{motion}/open",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/board/motions/{motion}/close",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/c/{coop}/members",
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::GET,
        "/c/{coop}/members/export",
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::GET,
        "/c/{coop}/members/{member}",
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/people",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/exclusion",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/death",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/settlement",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/offices",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/c/{coop}/members/{member}/dismissal",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    // The treasurer's pages.
    (Method::GET, "/c/{coop}/books", Access::Roles(READ_BOOKS)),
    (
        Method::POST,
        "/c/{coop}/books/payments",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/levies",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/closing",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::GET,
        "/c/{coop}/books/export",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/c/{coop}/books/ledger",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/entries",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/profit-use",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/loans",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/loans/{loan}/repayments",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/c/{coop}/books/entries/{entry}/reversal",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    // The auditors' pages.
    (Method::GET, "/c/{coop}/audit", Access::Roles(READ_LOG)),
    (
        Method::GET,
        "/c/{coop}/audit/events/{position}",
        Access::Roles(READ_LOG),
    ),
    (
        Method::GET,
        "/c/{coop}/audit/verify",
        Access::Roles(READ_LOG),
    ),
    (
        Method::POST,
        "/c/{coop}/audit/verify",
        Access::Roles(READ_LOG),
    ),
    (Method::GET, "/v1/coops", Access::Public),
    (Method::POST, "/v1/statutes/check", Access::Public),
    (Method::GET, "/v1/coops/{coop}", Access::Public),
    (Method::GET, "/v1/coops/{coop}/statute", Access::Public),
    (Method::GET, "/v1/coops/{coop}/me", Access::Authenticated),
    (
        Method::GET,
        "/v1/coops/{coop}/members",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/members/{member}",
        // A former member keeps their own entry (their token then carries no roles).
        Access::MemberSelfOr(READ_REGISTER),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/members/{member}/statement",
        Access::MemberSelfOr(READ_MEMBERS),
    ),
    (Method::GET, "/v1/coops/{coop}/directory", Access::Public),
    (
        Method::GET,
        "/v1/coops/{coop}/applications",
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/applications/{application}",
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/applications",
        Access::Public,
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/applications/{application}/admission",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/applications/{application}/rejection",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/subscriptions",
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/payments",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/resignation",
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/exclusion",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/death",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/transfers",
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/settlement",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/offices",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/offices/{office}/dismissal",
        Access::Roles(DECIDE_MEMBERSHIP),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/representatives",
        // The member (a person acting for them as its managing director, say) or the board.
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/voting-rights",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/assemblies",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/assemblies",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/assemblies/{assembly}",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/assemblies/{assembly}/items",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/assemblies/{assembly}/attendance",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/assemblies/{assembly}/minutes",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/motions",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/motions",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/motions/{motion}",
        Access::Roles(READ_REGISTER),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/motions/{motion}/ballot",
        Access::Roles(BOARD),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/motions/{motion}/ballot/close",
        Access::Roles(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/motions/{motion}/recount",
        // Those who may contest or must check a resolution: the organs, the auditor and the
        // regulator. It shows the tally, never a vote.
        Access::Roles(READ_LOG),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/motions/{motion}/votes",
        // Who voted how: the organs and auditors, never for a secret ballot.
        Access::Roles(READ_MEMBERS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/motions/{motion}/votes",
        Access::Roles(VOTE),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/members/{member}/votes",
        Access::MemberSelfOr(READ_MEMBERS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/members/{member}/proxies",
        Access::MemberSelfOr(READ_MEMBERS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/members/{member}/proxy",
        // The principal grants; the board records an authority handed in on paper.
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::DELETE,
        "/v1/coops/{coop}/members/{member}/proxy",
        Access::MemberSelfOr(BOARD),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/investments",
        Access::Roles(READ_INVESTMENTS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/accounts",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/accounts",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/payments",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/levies",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/entries",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/entries/{entry}/reversal",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/years/{year_end}/closing",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/years/{year_end}/profit-use",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/loans",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/books/loans/{loan}/repayments",
        Access::Roles(KEEP_ACCOUNTS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/trial-balance",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/balance-sheet",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/income-statement",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/ledger",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/members/{member}",
        Access::MemberSelfOr(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/open-items",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/books/export",
        Access::Roles(READ_BOOKS),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/events",
        Access::Roles(READ_LOG),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/events/stream",
        Access::Roles(READ_LOG),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/verify",
        Access::Roles(READ_LOG),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/tokens",
        Access::Roles(OPERATE),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/tokens",
        Access::Roles(OPERATE),
    ),
    (
        Method::DELETE,
        "/v1/coops/{coop}/tokens/{token}",
        Access::Roles(OPERATE),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/moving-in",
        Access::Roles(OPERATE),
    ),
    (
        Method::GET,
        "/v1/coops/{coop}/members/{member}/tokens",
        // A former member keeps seeing who could act in their name.
        Access::MemberSelfOr(OPERATE),
    ),
    (
        Method::POST,
        "/v1/coops/{coop}/projections/{projection}/rebuild",
        Access::Roles(OPERATE),
    ),
];

/// The access rule of a route, if it has one.
pub fn access_of(method: &Method, route: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, path, _)| m == method && *path == route)
        .map(|(_, _, access)| *access)
}

/// The caller of a request, as the middleware established it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Whom the token stands for; `None` without a token.
    pub principal: Option<Principal>,
    /// The token's id.
    pub token: Option<TokenId>,
    /// For a person: the member they act for in this request, and in which capacity.
    pub acting_for: Option<(MemberNo, Capacity)>,
    /// The roles: `{Public}` without a token.
    pub roles: BTreeSet<Role>,
}

impl Caller {
    fn public() -> Self {
        Self {
            principal: None,
            token: None,
            acting_for: None,
            roles: BTreeSet::from([Role::Public]),
        }
    }

    /// The actor recorded with the events this caller causes: the principal, for a person
    /// the member they acted for, and the id of the token that acted (`member:7:3f2a…`,
    /// `person:0c1f…:member:7:3f2a…`, `auditor:9c1d…`), never a name or a secret. The token
    /// id is what tells a member's own act from one under a token an admin issued for them:
    /// the member can list every token issued for them, and by whom.
    pub fn actor(&self) -> Actor {
        let mut text = match &self.principal {
            Some(principal) => principal.to_string(),
            None => "public".to_owned(),
        };
        if let Some((member, _)) = self.acting_for {
            text.push_str(&format!(":member:{member}"));
        }
        if let (Some(_), Some(token)) = (&self.principal, &self.token) {
            text.push_str(&format!(":{token}"));
        }
        Actor::parse(text).expect("principals and token ids are valid actors")
    }

    /// True if `access` lets this caller in, on a route about `member` (its `{member}`).
    pub fn may(&self, access: Access, member: Option<MemberNo>) -> bool {
        let has = |roles: &[Role]| roles.iter().any(|role| self.roles.contains(role));
        match access {
            Access::Public => true,
            Access::Authenticated => self.principal.is_some(),
            Access::Roles(roles) => has(roles),
            Access::MemberSelfOr(roles) => member.is_some_and(|m| self.is_member(m)) || has(roles),
        }
    }

    /// True if this caller may open the page `GET route` (a route of [`ROUTES`] without a
    /// `{member}`): what the pages' navigation offers is what the table lets in.
    pub fn may_open(&self, route: &str) -> bool {
        access_of(&Method::GET, route).is_some_and(|access| self.may(access, None))
    }

    /// The member the caller is, or acts for in this request.
    pub fn member(&self) -> Option<MemberNo> {
        match (self.principal, self.acting_for) {
            (Some(Principal::Member { member }), _) => Some(member),
            (_, Some((member, _))) => Some(member),
            _ => None,
        }
    }

    /// True if the caller is this member, or acts for them in this request.
    pub fn is_member(&self, member: MemberNo) -> bool {
        self.member() == Some(member)
    }

    /// True if the caller sees every member's full entry, with the address: the organs and
    /// auditors ([`READ_MEMBERS`]).
    pub fn sees_every_member(&self) -> bool {
        READ_MEMBERS.iter().any(|role| self.roles.contains(role))
    }

    /// True if the caller sees `member`'s full entry: the organs and auditors, and the member.
    pub fn sees_entry_of(&self, member: MemberNo) -> bool {
        self.sees_every_member() || self.is_member(member)
    }

    /// A member may inspect the current member list; copies (`csv`) and reconstructions of
    /// the past (`past`) are for the organs and auditors (and a past position costs a fold of
    /// the log).
    pub fn check_member_list(&self, csv: bool, past: bool) -> Result<(), ApiError> {
        if self.sees_every_member() || !(csv || past) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "members inspect the current list; exports and past positions are for the organs and auditors",
        ))
    }

    /// A decision of `organ` is recorded by its role; the board records the assembly's.
    pub fn check_records_for(&self, organ: Organ) -> Result<(), ApiError> {
        let role = match organ {
            Organ::Board | Organ::Assembly => Role::Board,
            Organ::SupervisoryBoard => Role::SupervisoryBoard,
        };
        if self.roles.contains(&role) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "organ-role-missing",
            format!(
                "a decision of the {} is recorded by the {}",
                organ.as_str().replace('-', " "),
                role.as_str().replace('-', " ")
            ),
        ))
    }

    /// The day of `member`'s declaration given as `field`: the board records declarations
    /// received earlier with their day; a member declaring for themself declares `today` (a
    /// backdated notice would shorten the notice period, G65).
    pub fn own_day(
        &self,
        member: MemberNo,
        day: Option<Date>,
        field: &str,
        today: Date,
    ) -> Result<Date, ApiError> {
        let day = day.unwrap_or(today);
        if self.is_member(member) && !self.roles.contains(&Role::Board) && day != today {
            return Err(ApiError::bad_request(
                "date-not-today",
                field,
                format!(
                    "a member's own declaration is dated the day it is made, {today}; the board records declarations received earlier"
                ),
            ));
        }
        Ok(day)
    }

    /// The member who casts a vote with this token: only members vote (for themself or as a
    /// proxy); an organ's or auditor's token casts none.
    pub fn voting_member(&self) -> Result<MemberNo, ApiError> {
        match self.member() {
            Some(member) => Ok(member),
            None => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not-a-member",
                "only members vote; an organ's or auditor's token casts no vote",
            )),
        }
    }
}

/// The cooperative a request is about, as the middleware found it.
#[derive(Clone, Debug)]
pub struct Coop {
    /// Its log.
    pub log: LogId,
    /// Its projections.
    pub runtime: Arc<Runtime>,
}

/// The middleware: resolves the cooperative and the token, checks the route's rule, and hands
/// [`Caller`] and [`Coop`] to the handler.
pub async fn authorize(
    State(app): State<App>,
    matched: MatchedPath,
    params: Result<RawPathParams, RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    // A path parameter that is not UTF-8 after percent-decoding: no identifier is.
    let params = match params {
        Ok(params) => params,
        Err(rejection) => {
            return ApiError::bad_request(
                "path-malformed",
                "path",
                format!("the path is malformed: {}", rejection.body_text()),
            )
            .into_response();
        }
    };
    match check(&app, &matched, &params, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn check(
    app: &App,
    matched: &MatchedPath,
    params: &RawPathParams,
    request: &mut Request,
) -> Result<(), ApiError> {
    // A HEAD request is answered by the GET route (without its body), under the GET's rule.
    let method = if request.method() == Method::HEAD {
        &Method::GET
    } else {
        request.method()
    };
    let Some(access) = access_of(method, matched.as_str()) else {
        return Err(ApiError::internal(format!(
            "route {} {} has no access rule",
            request.method(),
            matched.as_str()
        )));
    };
    let param = |name: &str| params.iter().find(|(key, _)| *key == name).map(|(_, v)| v);
    let coop = match param("coop") {
        Some(text) => {
            let not_found = || {
                ApiError::not_found(
                    "coop-not-found",
                    format!("there is no cooperative {text:?}"),
                )
            };
            let log = LogId::parse(text).map_err(|_| not_found())?;
            let runtime = app.coop(&log).await?.ok_or_else(not_found)?;
            Some(Coop { log, runtime })
        }
        None => None,
    };
    // A read-your-writes position applies to the token too: a token issued through another
    // server process is known here once the projections reached its position.
    if let Some(coop) = &coop
        && let Some(position) = min_position(request.headers())?
    {
        // A position the log has not reached is a client's mistake, not a lag to wait for.
        let head = app.ledger().head(&coop.log).await?.position;
        if position > head {
            return Err(ApiError::bad_request(
                "min-position-beyond-head",
                "Verbund-Min-Position",
                format!("the log ends at position {head}, before {position}"),
            ));
        }
        coop.runtime.wait_for(position, READ_WAIT).await?;
    }
    // A token belongs to one cooperative; on a route about none (the public list of
    // cooperatives) it has no meaning, and the caller is the public.
    // The API takes bearer tokens; the pages take a session's cookie, and forms only from
    // the pages themselves.
    let page = crate::web::is_page(matched.as_str());
    let credential = if page {
        crate::web::check_same_origin(request.method(), request.headers())?;
        crate::web::cookie(request.headers(), crate::web::SESSION_COOKIE)
            .map(|secret| (TokenSecret::presented(secret), TokenPurpose::Session))
    } else {
        bearer(request.headers())?.map(|secret| (secret, TokenPurpose::Api))
    };
    let caller = match (credential, &coop) {
        (Some((secret, purpose)), Some(coop)) => {
            let named = if page {
                crate::web::cookie(request.headers(), crate::web::ACTING_COOKIE)
                    .and_then(|text| MemberNo::parse(text).ok())
            } else {
                acting_for(request.headers())?
            };
            let choice = Choice {
                named,
                route: param("member").and_then(|text| MemberNo::parse(text).ok()),
            };
            match resolve(coop, &secret, purpose, choice).await {
                Ok(caller) => caller,
                // An ended session leaves its cookie behind: the pages then serve the public
                // (and ask a signed-in page's reader to sign in again).
                Err(e) if page && e.status() == StatusCode::UNAUTHORIZED => Caller::public(),
                Err(e) => return Err(e),
            }
        }
        (_, _) => Caller::public(),
    };
    let route_member = param("member").and_then(|text| MemberNo::parse(text).ok());
    if !caller.may(access, route_member) {
        return Err(if caller.principal.is_none() {
            unauthorized("this route needs a bearer token")
        } else {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the token's roles do not allow this route",
            )
        });
    }
    request.extensions_mut().insert(caller);
    if let Some(coop) = coop {
        request.extensions_mut().insert(coop);
    }
    Ok(())
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
}

/// The token of an `Authorization: Bearer …` header, if there is one.
fn bearer(headers: &HeaderMap) -> Result<Option<TokenSecret>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not text"))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(TokenSecret::presented(token.trim())))
        }
        _ => Err(unauthorized("use 'Authorization: Bearer TOKEN'")),
    }
}

/// The header naming the member a person acts for in a request.
pub const ACTING_FOR: &str = "verbund-acting-for";

/// The member named by the `Verbund-Acting-For` header, if there is one.
fn acting_for(headers: &HeaderMap) -> Result<Option<MemberNo>, ApiError> {
    let Some(value) = headers.get(ACTING_FOR) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| MemberNo::parse(text.trim()).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "acting-for-malformed",
                "Verbund-Acting-For",
                "Verbund-Acting-For names a member by number",
            )
        })
}

/// What a request says about the member a person acts for.
#[derive(Clone, Copy, Debug, Default)]
struct Choice {
    /// Named by the `Verbund-Acting-For` header (or a page's session).
    named: Option<MemberNo>,
    /// The route's `{member}`.
    route: Option<MemberNo>,
}

impl Choice {
    /// The member a person acting for `members` acts for: the one named, which must be one of
    /// theirs; else the route's member if theirs; else their only one.
    fn pick(self, members: &[(MemberNo, Capacity)]) -> Result<(MemberNo, Capacity), ApiError> {
        let find = |no: MemberNo| members.iter().find(|(m, _)| *m == no).copied();
        if let Some(named) = self.named {
            return find(named).ok_or_else(|| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "not-acting-for",
                    format!("the person does not act for member {named}"),
                )
            });
        }
        if let Some(chosen) = self.route.and_then(find) {
            return Ok(chosen);
        }
        match members {
            [] => Err(unauthorized("the token's person acts for no member")),
            [only] => Ok(*only),
            _ => Err(ApiError::bad_request(
                "acting-for-missing",
                "Verbund-Acting-For",
                "the person acts for several members: name one in Verbund-Acting-For",
            )),
        }
    }
}

/// Finds the token among the cooperative's and derives the roles of its principal.
async fn resolve(
    coop: &Coop,
    secret: &TokenSecret,
    purpose: TokenPurpose,
    choice: Choice,
) -> Result<Caller, ApiError> {
    let digest = secret.digest();
    let now = jiff::Timestamp::now();
    let record = coop
        .runtime
        .views()
        .tokens
        .read(|tokens| tokens.by_digest(&digest).cloned());
    // One answer for unknown, revoked and expired tokens: which one it is helps only an
    // attacker; the holder learns it from the administrator.
    // A sign-in link opens nothing but its session; a session's cookie, only the pages.
    let record = record
        .filter(|record| record.is_valid_at(now) && record.purpose == purpose)
        .ok_or_else(|| unauthorized("the token is unknown, expired or revoked"))?;
    // The projections of a page may be folded at once, tokens' before the register's: a
    // member's token is looked up in the register once the runtime holds the whole page.
    if matches!(
        record.principal,
        Principal::Member { .. } | Principal::Person { .. }
    ) && coop.runtime.position() < record.issued_position
    {
        coop.runtime
            .wait_for(record.issued_position, READ_WAIT)
            .await?;
    }
    let mut acting_for = None;
    let roles_of_member = |member: MemberNo| {
        coop.runtime
            .views()
            .register
            .read(|register| {
                let roles = register.roles_of(member, crate::app::today());
                let former = register
                    .member(member)
                    .is_some_and(|r| r.membership().record_erased_on().is_none());
                (!roles.is_empty() || former).then_some(roles)
            })
            .ok_or_else(|| {
                unauthorized("the token's member is unknown, or left and their data was erased")
            })
    };
    let roles = match record.principal {
        // A former member keeps their token, without roles, for what is theirs (their entry,
        // their statement: the settlement comes after the exit), until their data is erased.
        Principal::Member { member } => roles_of_member(member)?,
        // A person has the roles of the member they act for in this request.
        Principal::Person { person } => {
            let members = coop
                .runtime
                .views()
                .register
                .read(|register| register.acting_for(person));
            let (member, capacity) = choice.pick(&members)?;
            acting_for = Some((member, capacity));
            roles_of_member(member)?
        }
        Principal::Admin => BTreeSet::from([Role::Admin]),
        Principal::Auditor => BTreeSet::from([Role::Auditor]),
        Principal::Regulator => BTreeSet::from([Role::Regulator]),
        Principal::CitizenInvestor => BTreeSet::from([Role::CitizenInvestor]),
    };
    Ok(Caller {
        principal: Some(record.principal),
        token: Some(record.token),
        acting_for,
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(n: u32, roles: &[Role]) -> Caller {
        Caller {
            principal: Some(Principal::Member {
                member: MemberNo::new(n).expect("not zero"),
            }),
            token: None,
            acting_for: None,
            roles: roles.iter().copied().collect(),
        }
    }

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    /// A person acting for member 7 is member 7 for what a request asks, and every act they
    /// cause records the person, the member and the token.
    #[test]
    fn a_person_acts_as_the_member_they_act_for_and_the_actor_names_both() {
        let person = verbund_domain::PersonId::parse("00000000000000ab").expect("valid");
        let caller = Caller {
            principal: Some(Principal::Person { person }),
            token: Some(TokenId::parse("t1").expect("valid")),
            acting_for: Some((no(7), Capacity::ManagingDirector)),
            roles: BTreeSet::from([Role::Member]),
        };
        assert!(caller.is_member(no(7)) && !caller.is_member(no(8)));
        assert_eq!(caller.voting_member().expect("votes"), no(7));
        assert_eq!(
            caller.actor().as_str(),
            "person:00000000000000ab:member:7:t1"
        );
    }

    /// Which member a person acts for: the one named (theirs, or refused), else the route's
    /// if theirs, else their only one; with several and none named, they must name one.
    #[test]
    fn a_person_acts_for_the_member_named_the_routes_or_their_only_one() {
        let mine = [(no(3), Capacity::Themself), (no(9), Capacity::Attorney)];
        let pick = |named: Option<u32>, route: Option<u32>, members: &[(MemberNo, Capacity)]| {
            Choice {
                named: named.map(no),
                route: route.map(no),
            }
            .pick(members)
        };
        assert_eq!(pick(Some(9), Some(3), &mine).expect("named").0, no(9));
        assert_eq!(
            pick(Some(4), None, &mine).expect_err("not theirs").code(),
            "not-acting-for"
        );
        assert_eq!(pick(None, Some(3), &mine).expect("route").0, no(3));
        assert_eq!(
            pick(None, Some(4), &mine).expect_err("ambiguous").code(),
            "acting-for-missing"
        );
        assert_eq!(pick(None, None, &mine[..1]).expect("only").0, no(3));
        assert_eq!(
            pick(None, None, &[]).expect_err("none").code(),
            "unauthorized"
        );
    }

    /// The refinements by what a request asks live here, beside the route table: a member
    /// sees their own entry and the current list, the organs everything; the organ's role
    /// records its decisions; a member's own declaration is dated today; only members vote.
    #[test]
    fn what_a_request_asks_is_authorized_by_the_callers_roles() {
        let seven = member(7, &[Role::Member]);
        let board = member(1, &[Role::Member, Role::Board]);
        let auditor = Caller {
            principal: Some(Principal::Auditor),
            token: None,
            acting_for: None,
            roles: BTreeSet::from([Role::Auditor]),
        };
        assert!(seven.sees_entry_of(no(7)) && !seven.sees_entry_of(no(8)));
        assert!(board.sees_entry_of(no(8)) && auditor.sees_every_member());
        assert!(seven.check_member_list(false, false).is_ok());
        assert!(seven.check_member_list(true, false).is_err());
        assert!(seven.check_member_list(false, true).is_err());
        assert!(auditor.check_member_list(true, true).is_ok());

        assert!(board.check_records_for(Organ::Assembly).is_ok());
        assert!(board.check_records_for(Organ::SupervisoryBoard).is_err());
        assert!(seven.check_records_for(Organ::Board).is_err());

        let today = jiff::civil::date(2027, 3, 1);
        let earlier = Some(jiff::civil::date(2027, 2, 1));
        let refused = seven
            .own_day(no(7), earlier, "declared_on", today)
            .expect_err("backdated by the member");
        assert_eq!(refused.code(), "date-not-today");
        assert_eq!(
            board.own_day(no(7), earlier, "declared_on", today).ok(),
            earlier
        );
        assert_eq!(
            seven.own_day(no(7), None, "declared_on", today).ok(),
            Some(today)
        );

        assert_eq!(seven.voting_member().ok(), Some(no(7)));
        assert_eq!(
            auditor.voting_member().map_err(|e| e.code().to_owned()),
            Err("not-a-member".to_owned())
        );
    }
}
