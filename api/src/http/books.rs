//! The books over HTTP: the treasurer's commands (payments, levies, manual entries, reversals,
//! accounts, the closing of a year, the use of a profit, member loans), the reports as of any
//! day (trial balance, balance sheet, income statement, an account's ledger, a member's
//! statement, open items) and the exports (hledger, Beancount, CSV, GoBD).
//!
//! The treasurer and the board keep the books; the organs, auditors and regulators read them;
//! a member reads their own statement.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use verbund_domain::books::{AccountCode, AccountKind, AccountRef, EntryId, LoanId};
use verbund_domain::governance::MotionId;
use verbund_domain::{MemberNo, Money};
use verbund_projections::{AccountTotal, Journal, JournalEntry};

use crate::app::{self, App, Executed};
use crate::http::auth::{Caller, Coop};
use crate::http::commands::{Asked, member_no};
use crate::http::dto;
use crate::http::error::{ApiError, ReadProblems, WriteProblems};
use crate::http::exports;
use crate::http::extract::{Body, Params};
use crate::http::kit::{ReadHeaders, WriteHeaders, execute, not_founded, with_position};
use crate::web::Lang;

// ---------------------------------------------------------------------------------------------
// Bodies

/// An amount of euros on the wire.
type Euros = Money;

/// Which way money moved.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DirectionDto {
    /// Money came in.
    In,
    /// Money went out.
    Out,
}

/// Recording a payment through the bank or the cash box.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// In or out.
    pub direction: DirectionDto,
    /// The amount, above zero, e.g. `"119.00"`.
    #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Euros,
    /// The other account: a code, or a code with a member or asset (`1420/7`, `0400/van`).
    #[schema(value_type = String, example = "6300")]
    pub account: AccountRef,
    /// The bank (`1200`, the default) or the cash box (`1000`).
    #[schema(value_type = Option<String>)]
    pub via: Option<AccountRef>,
    /// The value date (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_on: Option<Date>,
    /// What it was for.
    #[schema(min_length = 1, max_length = 200)]
    pub text: String,
    /// The bank reference or receipt number.
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
}

/// How a levy is split.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LevyKeyDto {
    /// Equal parts.
    Equal,
    /// By shares held.
    Shares,
    /// By firm size (people employed).
    FirmSize,
    /// By use, as `usage` states it per member.
    Usage,
}

/// Charging a levy to the members.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevyBody {
    /// What it pays for, e.g. "Regional marketing 2027".
    #[schema(min_length = 1, max_length = 200)]
    pub purpose: String,
    /// The key.
    pub key: LevyKeyDto,
    /// The whole amount.
    #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub total: Euros,
    /// The income account (default `4200`, levies).
    #[schema(value_type = Option<String>)]
    pub account: Option<AccountRef>,
    /// The day it is charged (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_on: Option<Date>,
    /// The day it is due.
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    /// For the usage key: each member's use, by member number.
    #[serde(default)]
    pub usage: BTreeMap<u32, u64>,
}

/// One line of a manual entry: an account and either a debit or a credit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    /// The account.
    #[schema(value_type = String)]
    pub account: AccountRef,
    /// A debit, e.g. `"12.50"`.
    #[schema(value_type = Option<String>)]
    pub debit: Option<Euros>,
    /// A credit.
    #[schema(value_type = Option<String>)]
    pub credit: Option<Euros>,
}

/// A manual journal entry with its receipt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// The value date (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_on: Option<Date>,
    /// What it records.
    #[schema(min_length = 1, max_length = 200)]
    pub text: String,
    /// The receipt (Beleg), e.g. "Bank statement 2027/03".
    #[schema(min_length = 1, max_length = 100)]
    pub receipt: String,
    /// The lines: debits and credits summing to the same amount.
    pub lines: Vec<LineBody>,
}

/// Reversing an entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalBody {
    /// Why.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// The value date of the reversal (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_on: Option<Date>,
}

/// Opening an account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    /// Four digits.
    #[schema(value_type = String, pattern = "^[0-9]{4}$")]
    pub code: AccountCode,
    /// The name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Its kind.
    #[schema(value_type = String)]
    pub kind: AccountKind,
    /// `whole`, `member` or `asset`.
    #[schema(value_type = String)]
    pub per: verbund_domain::books::Per,
}

/// Closing a year (no fields: the year is in the path).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosingBody {}

/// The use of a closed year's profit, as the assembly decided it (G19).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfitUseBody {
    /// The assembly's resolution (an adopted motion on the use of profit).
    pub motion: String,
    /// To the legal reserve (at least the statute's share).
    #[schema(value_type = String)]
    pub legal_reserve: Euros,
    /// To other reserves.
    #[schema(value_type = String)]
    pub other_reserves: Euros,
    /// Carried forward.
    #[schema(value_type = String)]
    pub carried_forward: Euros,
    /// The value date (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_on: Option<Date>,
}

/// A member loan (G21b).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoanBody {
    /// The lender's member number.
    #[schema(minimum = 1)]
    pub lender: u32,
    /// The approved investment (its motion) the loan is bound to.
    pub project: String,
    /// The shared asset it finances, if it has a sub-account.
    #[schema(value_type = Option<String>)]
    pub asset: Option<verbund_domain::books::AssetId>,
    /// The amount.
    #[schema(value_type = String)]
    pub amount: Euros,
    /// The yearly interest in percent, e.g. `"1.50"`.
    pub interest_percent: String,
    /// The day the money arrived (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<Date>,
}

/// A repayment of a member loan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepaymentBody {
    /// The amount.
    #[schema(value_type = String)]
    pub amount: Euros,
    /// The day (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<Date>,
}

/// The answer to an entry that was made.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryMade {
    /// The entry's id (for a reversal).
    pub entry: String,
    /// The log position: pass it as `Verbund-Min-Position`.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

// ---------------------------------------------------------------------------------------------
// Reports

/// A day to report on.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The day (default: everything booked, today's books).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
}

/// An account's totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountTotalView {
    /// The account.
    pub account: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Sum of debits.
    pub debit: String,
    /// Sum of credits.
    pub credit: String,
    /// Debits minus credits.
    pub balance: String,
}

impl From<&AccountTotal> for AccountTotalView {
    fn from(t: &AccountTotal) -> Self {
        Self {
            account: t.account.to_string(),
            name: t.name.clone(),
            kind: t.kind.as_str().to_owned(),
            debit: dto::money(t.debit),
            credit: dto::money(t.credit),
            balance: dto::money(t.balance),
        }
    }
}

fn totals(totals: &[AccountTotal]) -> Vec<AccountTotalView> {
    totals.iter().map(AccountTotalView::from).collect()
}

/// The trial balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialBalanceView {
    /// The day (absent: everything booked).
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// Every account with lines.
    pub accounts: Vec<AccountTotalView>,
    /// The sum of all debits.
    pub debit: String,
    /// The sum of all credits: always the sum of debits.
    pub credit: String,
}

/// The balance sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceSheetView {
    /// The day.
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// Assets.
    pub assets: Vec<AccountTotalView>,
    /// Liabilities.
    pub liabilities: Vec<AccountTotalView>,
    /// Equity.
    pub equity: Vec<AccountTotalView>,
    /// The result of the open year (income minus expenses not yet closed).
    pub open_result: String,
    /// Total assets.
    pub total_assets: String,
    /// Total liabilities and equity (with the open result): equal to total assets.
    pub total_liabilities_and_equity: String,
    /// G33: a loss that half of the members' capital plus the reserves do not cover.
    pub loss_alarm: bool,
    /// The G33 alarms raised when years were closed.
    pub alarms: Vec<AlarmView>,
}

/// A G33 alarm.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlarmView {
    /// The last day of the year.
    #[schema(value_type = String, format = Date)]
    pub year_last_day: Date,
    /// The loss.
    pub loss: String,
    /// Members' capital and reserves.
    pub capital_and_reserves: String,
    /// The members' capital alone; the alarm's threshold is half of it plus the reserves.
    /// Absent for an alarm raised before Verbund followed § 33 (3) GenG exactly (at half of
    /// capital and reserves together).
    pub capital: Option<String>,
}

/// An income statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeStatementView {
    /// First day.
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    /// Last day.
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Income accounts.
    pub income: Vec<AccountTotalView>,
    /// Expense accounts.
    pub expenses: Vec<AccountTotalView>,
    /// Income minus expenses.
    pub result: String,
}

/// A period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// The first day (default: the start of the business year of `to`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// The last day (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
}

/// An account's ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// The account: a code (every sub-account of a sub-ledger), or one sub-account (`2000/7`).
    pub account: String,
    /// The day.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// Lines to skip: the journal only grows, so the lines up to a day never change and a
    /// page of them stays the same page.
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// At most this many lines (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// A member's accounts on a day, their lines paged.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberAccountsQuery {
    /// The day (default: everything booked, today's books).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// Lines to skip (as for an account's ledger: a page stays the same page).
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// At most this many lines (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The members who owe something on a day, a page of them.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpenItemsQuery {
    /// The day (default: everything booked, today's books).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// The members numbered after this one.
    #[param(minimum = 1)]
    pub after: Option<u32>,
    /// At most this many members (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// An entry of the journal.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// The journal number.
    pub number: u32,
    /// The position of the event it comes from.
    pub position: u64,
    /// The event's type.
    pub event_type: String,
    /// Who caused it.
    pub actor: String,
    /// When the log recorded it.
    pub recorded_at: String,
    /// The treasurer's entry id.
    pub entry: Option<String>,
    /// The value date.
    #[schema(value_type = String, format = Date)]
    pub booked_on: Date,
    /// What it records: the treasurer's text, or what its event booked (in English here;
    /// the pages and the exports give it in the reader's language).
    pub text: String,
    /// The reference.
    pub reference: String,
}

impl EntryView {
    /// `e` with its text in `lang`.
    pub(crate) fn of(e: &JournalEntry, lang: Lang) -> Self {
        Self {
            number: e.number,
            position: e.position.get(),
            event_type: e.event_type.clone(),
            actor: e.actor.to_string(),
            recorded_at: e.recorded_at.to_string(),
            entry: e.entry.as_ref().map(ToString::to_string),
            booked_on: e.booked_on,
            text: lang.narration(&e.narration),
            reference: e.reference.clone(),
        }
    }
}

/// A line of a ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLineView {
    /// The entry.
    pub entry: EntryView,
    /// The account.
    pub account: String,
    /// Debit positive, credit negative.
    pub amount: String,
    /// The account's balance after the line.
    pub balance: String,
}

/// An account's ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    /// The account asked for.
    pub account: String,
    /// The lines, each with the running balance from the account's first line.
    pub lines: Vec<LedgerLineView>,
    /// More lines follow: pass this as `offset` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
}

/// A member's accounts with the cooperative.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberAccountsView {
    /// The member.
    pub member: u32,
    /// The day.
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// Their sub-accounts: paid-in capital (2000), unpaid shares (1410), levies and fees
    /// (1420), profit owed (3600), loans (3100).
    pub accounts: Vec<AccountTotalView>,
    /// The lines on them, a page (every account's totals above are whole).
    pub lines: Vec<LedgerLineView>,
    /// More lines follow: pass this as `offset` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
}

/// What members owe.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenItemsView {
    /// The day.
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// What all members owe together, on every page.
    pub total: String,
    /// How many members owe something, on every page.
    pub members_owing: usize,
    /// A page of them, by member number.
    pub members: Vec<MemberOpenItems>,
    /// More members follow: pass this as `after` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u32>,
}

/// What one member owes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOpenItems {
    /// The member.
    pub member: u32,
    /// The receivables with a balance.
    pub accounts: Vec<AccountTotalView>,
    /// Their total.
    pub total: String,
}

/// The chart of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartView {
    /// The accounts.
    pub accounts: Vec<ChartAccount>,
}

/// An account of the chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartAccount {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// `whole`, `member` or `asset`.
    pub per: String,
}

/// An export's format.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// An hledger (and ledger) journal.
    Hledger,
    /// A Beancount file.
    Beancount,
    /// CSV, one row per posting line.
    Csv,
    /// The GoBD export for tax auditors: a ZIP of `index.xml`, its DTD and CSV files.
    Gobd,
}

/// Which export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The format.
    #[param(inline)]
    pub format: ExportFormat,
    /// GoBD: the first day (default: the first entry).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// GoBD: the last day (default: the last entry).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
    /// The language of the texts and the chart's account names (default: the one
    /// `Accept-Language` asks, else German).
    #[param(inline)]
    pub lang: Option<Lang>,
}

// ---------------------------------------------------------------------------------------------
// Writes

fn new_entry() -> Result<EntryId, ApiError> {
    Ok(EntryId::parse(&app::random_hex(8))?)
}

/// The entry a repeated request made first, read from its first event.
async fn first_entry(app: &App, coop: &Coop, executed: Executed) -> Result<String, ApiError> {
    use verbund_domain::Event as E;
    Ok(
        match app::first_event(app, &coop.log, executed.first).await? {
            E::PaymentRecorded(e) => e.entry.to_string(),
            E::LevyCharged(e) => e.entry.to_string(),
            E::JournalEntryPosted(e) => e.entry.to_string(),
            E::EntryReversed(e) => e.entry.to_string(),
            E::FiscalYearClosed(e) => e.entry.to_string(),
            E::ProfitDistributed(e) => e.entry.to_string(),
            E::MemberLoanGranted(e) => e.loan.to_string(),
            E::MemberLoanRepaid(e) => e.loan.to_string(),
            E::AccountOpened(e) => e.account.code.to_string(),
            _ => return Err(ApiError::from(app::ExecError::KeyReused)),
        },
    )
}

async fn made(
    app: &App,
    coop: &Coop,
    executed: Executed,
    entry: String,
) -> Result<Response, ApiError> {
    let (status, entry) = if executed.replayed {
        (StatusCode::OK, first_entry(app, coop, executed).await?)
    } else {
        (StatusCode::CREATED, entry)
    };
    Ok(with_position(
        executed.last,
        (
            status,
            axum::Json(EntryMade {
                entry,
                position: executed.last.get(),
                replayed: executed.replayed,
            }),
        ),
    ))
}

/// Records money that came in or went out through the bank or the cash box, against
/// another account (A1: never into a closed year; G22: never members' capital).
#[utoipa::path(post, path = "/v1/coops/{coop}/books/payments", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = PaymentBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn record_payment(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<PaymentBody>,
) -> Result<Response, ApiError> {
    let (entry, executed) = record_payment_of(&app, &coop, &caller, &headers, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Records a payment as the API's route and the treasurer's page take it.
pub(crate) async fn record_payment_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &PaymentBody,
) -> Result<(String, Executed), ApiError> {
    let entry = new_entry()?;
    let command = app::books::RecordPayment::try_from(Asked::new(caller, entry.clone(), body))?;
    let route = "books:record_payment";
    let executed = execute(app, coop, caller, headers, route, body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Charges a levy for joint costs to the members with rights on its day, split by the key
/// to the cent (largest remainder); each part is a receivable until paid.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/levies", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = LevyBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn charge_levy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<LevyBody>,
) -> Result<Response, ApiError> {
    let (entry, executed) = charge_levy_of(&app, &coop, &caller, &headers, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Charges a levy as the API's route and the treasurer's page take it.
pub(crate) async fn charge_levy_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &LevyBody,
) -> Result<(String, Executed), ApiError> {
    let entry = new_entry()?;
    let booked_on = body.booked_on.unwrap_or(app::today());
    let runtime = app::caught_up(app, &coop.log).await?;
    let members = runtime
        .views()
        .aggregates
        .read(|a| app::member_facts(a, booked_on));
    let about = (entry.clone(), members);
    let command = app::books::ChargeLevy::try_from(Asked::new(caller, about, body))?;
    let route = "books:charge_levy";
    let executed = execute(app, coop, caller, headers, route, body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Posts a manual entry with its receipt: lines that balance, on accounts of the chart (A1).
#[utoipa::path(post, path = "/v1/coops/{coop}/books/entries", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = EntryBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn post_entry(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<EntryBody>,
) -> Result<Response, ApiError> {
    let (entry, executed) = post_entry_of(&app, &coop, &caller, &headers, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Posts a manual entry as the API's route and the treasurer's page take it.
pub(crate) async fn post_entry_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &EntryBody,
) -> Result<(String, Executed), ApiError> {
    let entry = new_entry()?;
    let command = app::books::PostEntry::try_from(Asked::new(caller, entry.clone(), body))?;
    let route = "books:post_entry";
    let executed = execute(app, coop, caller, headers, route, body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Reverses an entry (Storno): a new entry with its lines turned; both remain (A1).
#[utoipa::path(post, path = "/v1/coops/{coop}/books/entries/{entry}/reversal", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ("entry" = String, Path, description = "The entry to reverse"), WriteHeaders),
    request_body = ReversalBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn reverse_entry(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, reversed)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<ReversalBody>,
) -> Result<Response, ApiError> {
    let reverses = EntryId::parse(&reversed).map_err(|e| ApiError::from(e.at("entry")))?;
    let (entry, executed) =
        reverse_entry_of(&app, &coop, &caller, &headers, reverses, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Reverses an entry as the API's route and the treasurer's page take it.
pub(crate) async fn reverse_entry_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    reverses: EntryId,
    body: &ReversalBody,
) -> Result<(String, Executed), ApiError> {
    let entry = new_entry()?;
    let route = format!("books:reverse_entry:{reverses}");
    let about = (entry.clone(), reverses);
    let command = app::books::Reverse::try_from(Asked::new(caller, about, body))?;
    let executed = execute(app, coop, caller, headers, &route, body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Opens an account of the chart.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/accounts", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = AccountBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn open_account(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<AccountBody>,
) -> Result<Response, ApiError> {
    let command = app::books::OpenAccount::try_from(Asked::new(&caller, (), &body))?;
    let entry = body.code.to_string();
    let route = "books:open_account";
    let executed = execute(&app, &coop, &caller, &headers, route, &body, command).await?;
    made(&app, &coop, executed, entry).await
}

/// Closes the business year that ends on `{year_end}`: its income and expenses into its
/// result, the result carried forward, the year sealed (A1), and the G33 alarm raised if
/// the loss exceeds half of the members' capital and reserves.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/years/{year_end}/closing", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ("year_end" = String, Path, description = "The year's last day, e.g. 2027-12-31"), WriteHeaders),
    request_body = ClosingBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn close_year(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, year_end)): Path<(String, String)>,
    headers: HeaderMap,
    // An empty body; anything in it is refused.
    Body(_): Body<ClosingBody>,
) -> Result<Response, ApiError> {
    let last_day = parse_day(&year_end, "year_end")?;
    let (entry, executed) = close_year_of(&app, &coop, &caller, &headers, last_day).await?;
    made(&app, &coop, executed, entry).await
}

/// Closes the year ending on `last_day` as the API's route and the treasurer's page take it.
pub(crate) async fn close_year_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    last_day: Date,
) -> Result<(String, Executed), ApiError> {
    let body = ClosingBody {};
    let entry = new_entry()?;
    let runtime = app::caught_up(app, &coop.log).await?;
    let balances = runtime
        .views()
        .journal
        .read(|journal| journal.balances_on(Some(last_day)));
    let about = (entry.clone(), last_day, balances);
    let command = app::books::CloseYear::try_from(Asked::new(caller, about, &body))?;
    let route = format!("books:close_year:{last_day}");
    let executed = execute(app, coop, caller, headers, &route, &body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Books the use of a closed year's profit as the assembly decided it (G19): reserves,
/// the members' shares by the statute's key (credited to unpaid shares first), and the
/// rest carried forward; the parts sum exactly to the profit.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/years/{year_end}/profit-use", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ("year_end" = String, Path, description = "The year's last day, e.g. 2027-12-31"), WriteHeaders),
    request_body = ProfitUseBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn use_profit(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, year_end)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<ProfitUseBody>,
) -> Result<Response, ApiError> {
    let last_day = parse_day(&year_end, "year_end")?;
    let (entry, executed) = use_profit_of(&app, &coop, &caller, &headers, last_day, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Books the use of a closed year's profit as the API's route and the treasurer's page take
/// it (G19).
pub(crate) async fn use_profit_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    last_day: Date,
    body: &ProfitUseBody,
) -> Result<(String, Executed), ApiError> {
    let motion = MotionId::parse(&body.motion).map_err(|e| ApiError::from(e.at("motion")))?;
    let entry = new_entry()?;
    let runtime = app::caught_up(app, &coop.log).await?;
    let facts = app::profit_facts(&runtime, &motion, last_day, app::today())?;
    let about = (entry.clone(), last_day, motion, facts);
    let command = app::books::DistributeProfit::try_from(Asked::new(caller, about, body))?;
    let route = format!("books:use_profit:{last_day}");
    let executed = execute(app, coop, caller, headers, &route, body, command).await?;
    Ok((entry.to_string(), executed))
}

/// Takes a member loan (G21b): bound to an approved investment, within the statute's
/// interest cap, at most 25,000 euros from a lender who is not an entrepreneur and 2.5
/// million euros per investment.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/loans", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = LoanBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn grant_loan(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<LoanBody>,
) -> Result<Response, ApiError> {
    let (entry, executed) = grant_loan_of(&app, &coop, &caller, &headers, &body).await?;
    made(&app, &coop, executed, entry).await
}

/// Takes a member loan as the API's route and the treasurer's page take it (G21b).
pub(crate) async fn grant_loan_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &LoanBody,
) -> Result<(String, Executed), ApiError> {
    let loan = LoanId::parse(&app::random_hex(8))?;
    let lender = member_no(body.lender, "lender")?;
    let project = MotionId::parse(&body.project).map_err(|e| ApiError::from(e.at("project")))?;
    let received_on = body.received_on.unwrap_or(app::today());
    let runtime = app::caught_up(app, &coop.log).await?;
    let (facts, approved) = runtime.views().aggregates.read(|a| {
        (
            app::member_facts(a, received_on)
                .into_iter()
                .find(|f| f.member == lender),
            a.investment_version(&project).is_some(),
        )
    });
    let lender = facts.unwrap_or(verbund_domain::books::MemberFacts {
        member: lender,
        has_rights: false,
        shares: 0,
        employees: 0,
        entrepreneur: false,
    });
    let about = (loan.clone(), lender, project, approved);
    let command = app::books::GrantLoan::try_from(Asked::new(caller, about, body))?;
    let entry = loan.to_string();
    let route = "books:grant_loan";
    let executed = execute(app, coop, caller, headers, route, body, command).await?;
    Ok((entry, executed))
}

/// Repays (part of) a member loan.
#[utoipa::path(post, path = "/v1/coops/{coop}/books/loans/{loan}/repayments", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ("loan" = String, Path, description = "The loan"), WriteHeaders),
    request_body = RepaymentBody,
    responses((status = 201, body = EntryMade),
        (status = 200, description = "A repeated request, answered with the original", body = EntryMade), WriteProblems),
    security(("bearer" = [])))]
pub async fn repay_loan(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, loan)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<RepaymentBody>,
) -> Result<Response, ApiError> {
    let id = LoanId::parse(&loan).map_err(|e| ApiError::from(e.at("loan")))?;
    let executed = repay_loan_of(&app, &coop, &caller, &headers, id, &body).await?;
    made(&app, &coop, executed, loan).await
}

/// Repays (part of) a member loan as the API's route and the treasurer's page take it.
pub(crate) async fn repay_loan_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    loan: LoanId,
    body: &RepaymentBody,
) -> Result<Executed, ApiError> {
    let route = format!("books:repay_loan:{loan}");
    let command = app::books::RepayLoan::try_from(Asked::new(caller, loan, body))?;
    execute(app, coop, caller, headers, &route, body, command).await
}

fn parse_day(text: &str, field: &str) -> Result<Date, ApiError> {
    text.parse::<Date>().map_err(|_| {
        ApiError::bad_request(
            "date-malformed",
            field,
            format!("{text:?} is not a day (YYYY-MM-DD)"),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Reads

/// A report of the journal, computed on a copy (persistent, so cheap to take), not under the
/// projection's lock: a report over a large journal must not hold back the events being
/// applied.
fn report<T: Serialize>(
    coop: &Coop,
    build: impl FnOnce(&Journal) -> Result<T, ApiError>,
) -> Result<Response, ApiError> {
    let folded = coop.runtime.views().journal.cloned();
    let answer = build(&folded.state)?;
    Ok(json(folded.position, answer))
}

fn json(position: verbund_ledger::Position, body: impl Serialize) -> Response {
    with_position(position, axum::Json(body))
}

/// The chart of accounts.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/accounts", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = ChartView), ReadProblems),
    security(("bearer" = [])))]
pub async fn chart(Extension(coop): Extension<Coop>) -> Result<Response, ApiError> {
    let view = coop.runtime.views().journal.read(|journal| ChartView {
        accounts: journal
            .chart()
            .accounts()
            .map(|a| ChartAccount {
                code: a.code.to_string(),
                name: a.name.clone(),
                kind: a.kind.as_str().to_owned(),
                per: match a.per {
                    verbund_domain::books::Per::Whole => "whole",
                    verbund_domain::books::Per::Member => "member",
                    verbund_domain::books::Per::Asset => "asset",
                }
                .to_owned(),
            })
            .collect(),
    });
    Ok(json(coop.runtime.position(), view))
}

/// The trial balance as of a day: every account's debits, credits and balance.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/trial-balance", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), AsOf, ReadHeaders),
    responses((status = 200, body = TrialBalanceView), ReadProblems),
    security(("bearer" = [])))]
pub async fn trial_balance(
    Extension(coop): Extension<Coop>,
    Params(q): Params<AsOf>,
) -> Result<Response, ApiError> {
    report(&coop, |journal| trial_balance_of(journal, q.as_of_date))
}

/// The trial balance as the API's route and the treasurer's page give it.
pub(crate) fn trial_balance_of(
    journal: &Journal,
    as_of_date: Option<Date>,
) -> Result<TrialBalanceView, ApiError> {
    let accounts = journal.trial_balance(as_of_date);
    let debit: i128 = accounts.iter().map(|t| i128::from(t.debit.cents())).sum();
    let credit: i128 = accounts.iter().map(|t| i128::from(t.credit.cents())).sum();
    Ok(TrialBalanceView {
        as_of_date,
        accounts: totals(&accounts),
        debit: money_of(debit)?,
        credit: money_of(credit)?,
    })
}

/// The balance sheet as of a day, with the open year's result and the G33 alarm.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/balance-sheet", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), AsOf, ReadHeaders),
    responses((status = 200, body = BalanceSheetView), ReadProblems),
    security(("bearer" = [])))]
pub async fn balance_sheet(
    Extension(coop): Extension<Coop>,
    Params(q): Params<AsOf>,
) -> Result<Response, ApiError> {
    report(&coop, |journal| Ok(balance_sheet_of(journal, q.as_of_date)))
}

/// The balance sheet as the API's route and the treasurer's page give it.
pub(crate) fn balance_sheet_of(journal: &Journal, as_of_date: Option<Date>) -> BalanceSheetView {
    let sheet = journal.balance_sheet(as_of_date);
    BalanceSheetView {
        as_of_date,
        assets: totals(&sheet.assets),
        liabilities: totals(&sheet.liabilities),
        equity: totals(&sheet.equity),
        open_result: dto::money(sheet.open_result),
        total_assets: dto::money(sheet.total_assets),
        total_liabilities_and_equity: dto::money(sheet.total_liabilities_and_equity),
        loss_alarm: sheet.loss_alarm,
        alarms: journal
            .alarms()
            .map(|a| AlarmView {
                year_last_day: a.last_day,
                loss: dto::money(a.loss),
                capital_and_reserves: dto::money(a.capital_and_reserves),
                capital: a.capital.map(dto::money),
            })
            .collect(),
    }
}

/// The income statement of a period, without closing entries.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/income-statement", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), Period, ReadHeaders),
    responses((status = 200, body = IncomeStatementView), ReadProblems),
    security(("bearer" = [])))]
pub async fn income_statement(
    Extension(coop): Extension<Coop>,
    Params(q): Params<Period>,
) -> Result<Response, ApiError> {
    let view = income_statement_of(&coop, &q)?;
    Ok(json(coop.runtime.position(), view))
}

/// The income statement of a period, as the API's route and the treasurer's page give it.
pub(crate) fn income_statement_of(
    coop: &Coop,
    q: &Period,
) -> Result<IncomeStatementView, ApiError> {
    let to = q.to.unwrap_or_else(app::today);
    let from = match q.from {
        Some(from) => from,
        None => coop
            .runtime
            .views()
            .aggregates
            .read(|a| a.coop().state.statute().map(|s| s.business_year()))
            .ok_or_else(not_founded)?
            .start_containing(to),
    };
    if from > to {
        return Err(ApiError::bad_request(
            "period-reversed",
            "from",
            "the period's first day is after its last",
        ));
    }
    let statement = coop
        .runtime
        .views()
        .journal
        .read(|journal| journal.income_statement(from, to));
    Ok(IncomeStatementView {
        from,
        to,
        income: totals(&statement.income),
        expenses: totals(&statement.expenses),
        result: dto::money(statement.result),
    })
}

/// A sum of amounts as money: beyond what an amount may hold it is an error, never a wrong
/// figure.
fn money_of(cents: i128) -> Result<String, ApiError> {
    i64::try_from(cents)
        .ok()
        .and_then(Money::from_cents)
        .map(dto::money)
        .ok_or_else(|| ApiError::internal(format!("a sum of {cents} cents is beyond any amount")))
}

/// The page of `items` from `offset` (default 0) of at most `limit` items, and the offset of the
/// next page if more follow.
fn offset_page<T>(
    items: Vec<T>,
    offset: Option<usize>,
    limit: Option<usize>,
) -> Result<(Vec<T>, Option<usize>), ApiError> {
    let limit = crate::http::kit::page_limit(limit)?;
    let offset = offset.unwrap_or(0);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = offset.saturating_add(page.len());
    Ok((page, (next < total).then_some(next)))
}

fn ledger_lines(lines: Vec<verbund_projections::LedgerLine>, lang: Lang) -> Vec<LedgerLineView> {
    lines
        .into_iter()
        .map(|l| LedgerLineView {
            entry: EntryView::of(&l.entry, lang),
            account: l.account.to_string(),
            amount: dto::money(l.amount),
            balance: dto::money(l.balance),
        })
        .collect()
}

/// An account's ledger: every line with its entry (event position, actor, date, text,
/// reference) and the running balance. A code alone covers all its sub-accounts.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/ledger", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), LedgerQuery, ReadHeaders),
    responses((status = 200, body = LedgerView), ReadProblems),
    security(("bearer" = [])))]
pub async fn account_ledger(
    Extension(coop): Extension<Coop>,
    Params(q): Params<LedgerQuery>,
) -> Result<Response, ApiError> {
    report(&coop, |journal| ledger_of(journal, &q, Lang::En))
}

/// A page of an account's ledger, as the API's route and the treasurer's page give it, its
/// texts in `lang`.
pub(crate) fn ledger_of(
    journal: &Journal,
    q: &LedgerQuery,
    lang: Lang,
) -> Result<LedgerView, ApiError> {
    {
        let lines = if q.account.contains('/') {
            let account =
                AccountRef::parse(&q.account).map_err(|e| ApiError::from(e.at("account")))?;
            journal.ledger(|a| *a == account, q.as_of_date)
        } else {
            let code =
                AccountCode::parse(&q.account).map_err(|e| ApiError::from(e.at("account")))?;
            journal.ledger(|a| a.code == code, q.as_of_date)
        };
        let (page, next_offset) = offset_page(lines, q.offset, q.limit)?;
        Ok(LedgerView {
            account: q.account.clone(),
            lines: ledger_lines(page, lang),
            next_offset,
        })
    }
}

/// A member's accounts with the cooperative, each with its totals, and a page of the lines on
/// them (`offset`, `limit`; `next_offset` while more follow) — for the member themself, the
/// organs, auditors.
#[utoipa::path(get, path = "/v1/coops/{coop}/books/members/{member}", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), MemberAccountsQuery,
        ReadHeaders),
    responses((status = 200, body = MemberAccountsView), ReadProblems),
    security(("bearer" = [])))]
pub async fn member_accounts(
    Extension(coop): Extension<Coop>,
    Path((_, member)): Path<(String, String)>,
    Params(q): Params<MemberAccountsQuery>,
) -> Result<Response, ApiError> {
    let member = member
        .parse::<u32>()
        .ok()
        .and_then(MemberNo::new)
        .ok_or_else(|| {
            ApiError::bad_request("member-malformed", "member", "a member number from 1")
        })?;
    let folded = coop.runtime.views().journal.cloned();
    let view = member_accounts_of(&folded.state, member, &q, Lang::En)?;
    Ok(json(folded.position, view))
}

/// A member's accounts and a page of their lines, as the API's route and the member's record
/// page give them, the lines' texts in `lang`.
pub(crate) fn member_accounts_of(
    journal: &Journal,
    member: MemberNo,
    q: &MemberAccountsQuery,
    lang: Lang,
) -> Result<MemberAccountsView, ApiError> {
    let (lines, next_offset) = offset_page(
        journal.ledger(|a| a.member_no() == Some(member), q.as_of_date),
        q.offset,
        q.limit,
    )?;
    Ok(MemberAccountsView {
        member: member.get(),
        as_of_date: q.as_of_date,
        accounts: totals(&journal.member_accounts(member, q.as_of_date)),
        lines: ledger_lines(lines, lang),
        next_offset,
    })
}

/// What the members owe on a day: unpaid shares (1410), levies and fees (1420).
#[utoipa::path(get, path = "/v1/coops/{coop}/books/open-items", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), OpenItemsQuery, ReadHeaders),
    responses((status = 200, body = OpenItemsView), ReadProblems),
    security(("bearer" = [])))]
pub async fn open_items(
    Extension(coop): Extension<Coop>,
    Params(q): Params<OpenItemsQuery>,
) -> Result<Response, ApiError> {
    report(&coop, |journal| open_items_of(journal, &q))
}

/// A page of the open items, as the API's route and the treasurer's page give it.
pub(crate) fn open_items_of(
    journal: &Journal,
    q: &OpenItemsQuery,
) -> Result<OpenItemsView, ApiError> {
    let limit = crate::http::kit::page_limit(q.limit)?;
    let after = crate::http::kit::after_member(q.after)?;
    let open = journal.open_items(q.as_of_date);
    let owed = |accounts: &[AccountTotal]| -> i128 {
        accounts.iter().map(|t| i128::from(t.balance.cents())).sum()
    };
    let total = open.values().map(|accounts| owed(accounts)).sum::<i128>();
    let from = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut page: Vec<_> = open
        .range((from, Bound::Unbounded))
        .take(limit + 1)
        .collect();
    let next_after = (page.len() > limit).then(|| page[limit - 1].0.get());
    page.truncate(limit);
    Ok(OpenItemsView {
        as_of_date: q.as_of_date,
        total: money_of(total)?,
        members_owing: open.len(),
        members: page
            .into_iter()
            .map(|(member, accounts)| {
                Ok(MemberOpenItems {
                    member: member.get(),
                    accounts: totals(accounts),
                    total: money_of(owed(accounts))?,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_after,
    })
}

/// The books in the tools' formats: an hledger journal, a Beancount file, CSV of every
/// posting, or the GoBD export for tax auditors (a ZIP archive).
#[utoipa::path(get, path = "/v1/coops/{coop}/books/export", tag = "books",
    params(("coop" = String, Path, description = "The cooperative's id"), ExportQuery, ReadHeaders),
    responses((status = 200, description = "The export",
            content((String = "text/plain"), (String = "text/csv"), (Vec<u8> = "application/zip"))), ReadProblems),
    security(("bearer" = [])))]
pub async fn export(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    headers: HeaderMap,
    Params(q): Params<ExportQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang.unwrap_or_else(|| Lang::of(&headers));
    if let ExportFormat::Gobd = q.format {
        // The GoBD index writes days as DD.MM.YYYY: four-digit years only.
        for (field, day) in [("from", q.from), ("to", q.to)] {
            if let Some(day) = day
                && !(1000..=9999).contains(&day.year())
            {
                return Err(ApiError::bad_request(
                    "date-out-of-range",
                    field,
                    format!("{field} must be a day of the years 1000 to 9999"),
                ));
            }
        }
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from > to
        {
            return Err(ApiError::bad_request(
                "period-reversed",
                "from",
                "the period's first day is after its last",
            ));
        }
    }
    let permit = Arc::clone(app.exports()).try_acquire_owned().map_err(|_| {
        ApiError::unavailable(
            "too-many-exports",
            "the server writes as many exports as it allows at once; try again shortly",
            5,
        )
    })?;
    let (title, seat) = coop.runtime.views().register.read(|register| {
        register
            .coop()
            .map(|c| (c.name.to_string(), c.statute.seat().to_owned()))
            .unwrap_or_default()
    });
    // A copy (its vectors are persistent: cheap), formatted beside the runtime, so that a file
    // of a hundred megabytes holds up neither the projections nor the server's workers.
    let folded = coop.runtime.views().journal.cloned();
    let (position, journal) = (folded.position, folded.state);
    let (bytes, content_type, extension) = tokio::task::spawn_blocking(move || {
        // Held until the file is written, even if the request timed out meanwhile.
        let _permit = permit;
        let journal = &journal;
        match q.format {
            ExportFormat::Hledger => (
                exports::hledger(journal, &title, lang).into_bytes(),
                "text/plain; charset=utf-8",
                "journal",
            ),
            ExportFormat::Beancount => (
                exports::beancount(journal, &title, lang).into_bytes(),
                "text/plain; charset=utf-8",
                "beancount",
            ),
            ExportFormat::Csv => (
                exports::csv(journal, lang).into_bytes(),
                "text/csv; charset=utf-8",
                "csv",
            ),
            ExportFormat::Gobd => {
                let days = journal.entries().map(|(e, _)| e.booked_on);
                let (first, last) =
                    days.fold((None, None), |(lo, hi): (Option<Date>, Option<Date>), d| {
                        (
                            Some(lo.map_or(d, |l| l.min(d))),
                            Some(hi.map_or(d, |h| h.max(d))),
                        )
                    });
                let today = app::today();
                let from = q.from.or(first).unwrap_or(today);
                let to = q.to.or(last).unwrap_or(today);
                let files = exports::gobd(journal, &title, &seat, from, to, lang);
                (exports::zip(&files), "application/zip", "zip")
            }
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"books-{}.{extension}\"",
        coop.log
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(with_position(position, response))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use verbund_domain::MemberNo;
    use verbund_tests::{Http, TestDb};

    use crate::app::EXPORTS_MAX;
    use crate::testing::BulkCoop;

    /// At most [`EXPORTS_MAX`] exports are written at once: with that many under way (their
    /// permits held here, as a running export holds one), the next is refused with a 503 that
    /// says why, and once one of them ends an export is written again.
    #[test]
    fn an_export_beyond_the_cap_is_refused_until_one_ends() {
        let db = TestDb::sqlite();
        verbund_tests::runtime().block_on(async {
            let coop = BulkCoop::create(&db.url, 6).await.expect("a cooperative");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            let address = listener.local_addr().expect("bound");
            let router = crate::http::router(coop.app.clone());
            let served = tokio::spawn(async move { axum::serve(listener, router).await });
            let treasurer = coop.secret(MemberNo::new(2).expect("not zero")).to_owned();
            let export = move || {
                let (url, token) = (
                    format!("http://{address}/v1/coops/bench-eg/books/export?format=hledger"),
                    treasurer.clone(),
                );
                tokio::task::spawn_blocking(move || Http::default().get(&url, Some(&token)))
            };

            let mut under_way: Vec<_> = (0..EXPORTS_MAX)
                .map(|_| {
                    Arc::clone(coop.app.exports())
                        .try_acquire_owned()
                        .expect("no export under way yet")
                })
                .collect();
            let refused = export().await.expect("answered");
            assert_eq!(refused.status, 503, "{}", refused.text);
            assert_eq!(refused.json()["type"], "/problems/too-many-exports");

            under_way.pop();
            let written = export().await.expect("answered");
            assert_eq!(written.status, 200, "{}", written.text);
            assert!(written.content_type.starts_with("text/plain"));
            assert_eq!(
                coop.app.exports().available_permits(),
                1,
                "the written export gave its permit back"
            );

            served.abort();
            coop.app.close().await;
        });
    }
}
