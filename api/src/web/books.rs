//! The treasurer's pages: the trial balance and the balance sheet as of any day, with the G33
//! alarm; recording a payment, charging a levy, closing a year; every export as a download.
//! The reports come from the functions the API's reports use; the forms go through the
//! functions its routes use.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use verbund_domain::Money;
use verbund_domain::books::AccountRef;

use super::Lang;
use super::pages::{
    Chrome, amount_field, answer, day_field, form, member_field, private, refused_at, render,
    required_day, see_other,
};
use crate::app::App;
use crate::http::auth::{Access, Caller, Coop, KEEP_ACCOUNTS};
use crate::http::books::{
    self as api, BalanceSheetView, IncomeStatementView, LedgerView, OpenItemsView, TrialBalanceView,
};
use crate::http::error::{ApiError, Problem};
use crate::http::kit::settle_write;

/// The forms as they were typed, for a form shown again with its refusal.
#[derive(Debug, Default, Deserialize)]
pub(super) struct BooksForm {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    via: String,
    #[serde(default)]
    booked_on: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    year_end: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    motion: String,
    #[serde(default)]
    legal_reserve: String,
    #[serde(default)]
    other_reserves: String,
    #[serde(default)]
    carried_forward: String,
    #[serde(default)]
    lender: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    interest: String,
    #[serde(default)]
    account_1: String,
    #[serde(default)]
    debit_1: String,
    #[serde(default)]
    credit_1: String,
    #[serde(default)]
    account_2: String,
    #[serde(default)]
    debit_2: String,
    #[serde(default)]
    credit_2: String,
    #[serde(default)]
    account_3: String,
    #[serde(default)]
    debit_3: String,
    #[serde(default)]
    credit_3: String,
}

impl BooksForm {
    /// The manual entry's lines as typed: (account, debit, credit), the empty rows left out.
    fn lines(&self) -> [(&str, &str, &str); 3] {
        [
            (&self.account_1, &self.debit_1, &self.credit_1),
            (&self.account_2, &self.debit_2, &self.credit_2),
            (&self.account_3, &self.debit_3, &self.credit_3),
        ]
        .map(|(a, d, c)| (a.as_str(), d.as_str(), c.as_str()))
    }
}

#[derive(Template)]
#[template(path = "books.html")]
struct BooksPage {
    c: Chrome,
    on: String,
    tb: Option<TrialBalanceView>,
    bs: Option<BalanceSheetView>,
    is: Option<IncomeStatementView>,
    open: Option<OpenItemsView>,
    /// The assembly's adopted resolutions on the use of a profit: (motion, title).
    profit_motions: Vec<(String, String)>,
    /// The approved joint investments a member loan may finance: (motion, asset).
    investments: Vec<(String, String)>,
    /// The member loans still owed: (loan, lender, amount, outstanding).
    loans: Vec<(String, u32, String, String)>,
    may_book: bool,
    /// Which form the refusal or the confirmation is about.
    about: &'static str,
    done: bool,
    typed: BooksForm,
    problem: Option<Problem>,
}

impl BooksPage {
    /// True if the refusal names the input `id` (`payment-amount`: the form, then the API's
    /// field).
    fn error_at(&self, id: &str) -> bool {
        refused_at(self.problem.as_ref(), id)
    }

    /// A problem shown at the form it is about.
    fn problem_at(&self, form: &str) -> Option<&Problem> {
        self.problem.as_ref().filter(|_| self.about == form)
    }
}

/// The day of the reports, and what a form just did.
#[derive(Debug, Default, Deserialize)]
pub(super) struct BooksQuery {
    on: Option<String>,
    done: Option<String>,
}

/// What the books show besides the reports: their day as typed, which form a confirmation or
/// refusal is about, what was typed.
#[derive(Debug, Default)]
struct BooksShown {
    on: String,
    about: &'static str,
    done: bool,
    typed: BooksForm,
    problem: Option<Problem>,
}

async fn books_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    shown: BooksShown,
) -> Result<BooksPage, ApiError> {
    let BooksShown {
        on,
        about,
        done,
        typed,
        problem,
    } = shown;
    let c = Chrome::of(app, lang, coop, caller, &format!("/c/{}/books", coop.log)).await;
    let (tb, bs, is, open, problem) = match day_field(&on, "on") {
        Ok(day) => {
            // A copy, reported on beside the projection (as the API's reports do).
            let folded = coop.runtime.views().journal.cloned();
            let open = api::OpenItemsQuery {
                as_of_date: day,
                after: None,
                limit: Some(crate::http::kit::PAGE_ITEMS_MAX),
            };
            let period = api::Period {
                from: None,
                to: day,
            };
            (
                Some(api::trial_balance_of(&folded.state, day)?),
                Some(api::balance_sheet_of(&folded.state, day)),
                Some(api::income_statement_of(coop, &period)?),
                Some(api::open_items_of(&folded.state, &open)?),
                problem,
            )
        }
        Err(e) => (None, None, None, None, Some(e.problem())),
    };
    let (profit_motions, investments) = coop.runtime.views().aggregates.read(|a| {
        use verbund_domain::governance::{MotionKind, Outcome};
        let motions = a
            .motions()
            .filter_map(|(id, motion)| {
                let put = motion.put()?;
                let adopted = matches!(put.proposal, MotionKind::UseOfProfit { .. })
                    && motion
                        .counted()
                        .is_some_and(|c| c.outcome == Outcome::Adopted);
                adopted.then(|| (id.to_string(), put.title.clone()))
            })
            .collect();
        let investments = a
            .investments()
            .map(|i| (i.motion.to_string(), i.asset.clone()))
            .collect();
        (motions, investments)
    });
    let loans = coop.runtime.views().aggregates.read(|a| {
        a.books()
            .state
            .loans()
            .filter(|(_, loan)| loan.outstanding() > Money::ZERO)
            .map(|(id, loan)| {
                (
                    id.to_string(),
                    loan.lender.get(),
                    loan.amount.to_string(),
                    loan.outstanding().to_string(),
                )
            })
            .collect()
    });
    Ok(BooksPage {
        loans,
        is,
        open,
        profit_motions,
        investments,
        may_book: caller.may(Access::Roles(KEEP_ACCOUNTS), None),
        c,
        on,
        tb,
        bs,
        about,
        done,
        typed,
        problem,
    })
}

/// `/c/{coop}/books`: the trial balance and the balance sheet as of a day, the forms and the
/// exports.
pub(super) async fn books(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<BooksQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let about = match q.done.as_deref() {
        Some("payment") => "payment",
        Some("levy") => "levy",
        Some("closing") => "closing",
        Some("entry") => "entry",
        Some("profit") => "profit",
        Some("loan") => "loan",
        Some("repayment") => "repayment",
        _ => "",
    };
    let shown = BooksShown {
        on: q.on.unwrap_or_default(),
        about,
        done: !about.is_empty(),
        ..BooksShown::default()
    };
    let page = books_page(&app, lang, &coop, &caller, shown);
    Ok(private(render(page.await?)))
}

fn account(text: &str, field: &str) -> Result<AccountRef, ApiError> {
    AccountRef::parse(text.trim()).map_err(|e| ApiError::from(e.at(field)))
}

/// A form of the books answered: back to the books with a confirmation, or the books again
/// with the refusal at the form's field.
async fn booked(
    app: &App,
    headers: &HeaderMap,
    coop: &Coop,
    caller: &Caller,
    about: &'static str,
    typed: BooksForm,
    done: Result<crate::app::Executed, ApiError>,
) -> Result<Response, ApiError> {
    let written = match done {
        Ok(executed) => {
            settle_write(coop, executed.last).await;
            Ok(see_other(&format!("/c/{}/books?done={about}", coop.log)))
        }
        Err(e) => Err(e),
    };
    answer(written, async |mut problem| {
        // The refusal names the API's field; the page's input is the form's (its link and its
        // mark land there).
        problem.field = problem.field.map(|field| input_id(about, &field));
        let shown = BooksShown {
            about,
            typed,
            problem: Some(problem),
            ..BooksShown::default()
        };
        books_page(app, Lang::of(headers), coop, caller, shown).await
    })
    .await
}

/// The input of form `about` that the API's `field` is typed in: `payment-amount`, and for a
/// manual entry's lines `entry-account_2` for `lines[1].account`.
fn input_id(about: &str, field: &str) -> String {
    if let Some((index, name)) = field
        .strip_prefix("lines[")
        .and_then(|rest| rest.split_once("]."))
        && let Ok(index) = index.parse::<usize>()
    {
        return format!("{about}-{name}_{}", index + 1);
    }
    // The domain names the closed year `year`; the page's own check of the day, `year_end`.
    let field = if field == "year_end" { "year" } else { field };
    format!("{about}-{field}")
}

/// `POST /c/{coop}/books/payments`: records a payment as `POST …/books/payments` does.
pub(super) async fn record_payment(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let body = api::PaymentBody {
            direction: match typed.direction.as_str() {
                "out" => api::DirectionDto::Out,
                _ => api::DirectionDto::In,
            },
            amount: amount_field(&typed.amount, "amount")?,
            account: account(&typed.account, "account")?,
            via: match typed.via.as_str() {
                "" => None,
                via => Some(account(via, "via")?),
            },
            booked_on: day_field(&typed.booked_on, "booked_on")?,
            text: typed.text.trim().to_owned(),
            reference: typed.reference.trim().to_owned(),
        };
        let (_, executed) = api::record_payment_of(&app, &coop, &caller, &headers, &body).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "payment", typed, done).await
}

/// `POST /c/{coop}/books/levies`: charges a levy as `POST …/books/levies` does.
pub(super) async fn charge_levy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let body = api::LevyBody {
            purpose: typed.text.trim().to_owned(),
            key: match typed.key.as_str() {
                "shares" => api::LevyKeyDto::Shares,
                "firm-size" => api::LevyKeyDto::FirmSize,
                _ => api::LevyKeyDto::Equal,
            },
            total: amount_field(&typed.amount, "total")?,
            account: None,
            booked_on: day_field(&typed.booked_on, "booked_on")?,
            due_on: required_day(&typed.due_on, "due_on")?,
            usage: Default::default(),
        };
        let (_, executed) = api::charge_levy_of(&app, &coop, &caller, &headers, &body).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "levy", typed, done).await
}

/// `POST /c/{coop}/books/closing`: closes a business year as `POST …/years/{year_end}/closing`
/// does; the balance sheet then shows the G33 alarm where the loss calls for it.
pub(super) async fn close_year(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let last_day = required_day(&typed.year_end, "year_end")?;
        let (_, executed) = api::close_year_of(&app, &coop, &caller, &headers, last_day).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "closing", typed, done).await
}

/// `POST /c/{coop}/books/entries`: posts a manual entry with its receipt, as
/// `POST …/books/entries` does (A1: the lines balance, on accounts of the chart).
pub(super) async fn post_entry(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let mut lines = Vec::new();
        for (i, (account_text, debit, credit)) in typed.lines().into_iter().enumerate() {
            if account_text.trim().is_empty() && debit.trim().is_empty() && credit.trim().is_empty()
            {
                continue;
            }
            let field = |name: &str| format!("lines[{i}].{name}");
            let money = |text: &str, name: &str| match text.trim() {
                "" => Ok(None),
                text => amount_field(text, &field(name)).map(Some),
            };
            lines.push(api::LineBody {
                account: account(account_text, &field("account"))?,
                debit: money(debit, "debit")?,
                credit: money(credit, "credit")?,
            });
        }
        let body = api::EntryBody {
            booked_on: day_field(&typed.booked_on, "booked_on")?,
            text: typed.text.trim().to_owned(),
            receipt: typed.receipt.trim().to_owned(),
            lines,
        };
        let (_, executed) = api::post_entry_of(&app, &coop, &caller, &headers, &body).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "entry", typed, done).await
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    c: Chrome,
    account: String,
    on: String,
    offset: String,
    /// The entries on this page that can still be reversed (A1).
    reversible: std::collections::BTreeSet<String>,
    ledger: Option<LedgerView>,
    may_book: bool,
    done: bool,
    problem: Option<Problem>,
}

/// An account's ledger: which account, as of which day, from which line.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LedgerAsked {
    #[serde(default)]
    account: String,
    on: Option<String>,
    /// As text: a malformed page is the first.
    offset: Option<String>,
    done: Option<String>,
}

impl LedgerAsked {
    /// This ledger's page as a path, for the language switch and the way back after a form.
    fn path(&self, log: &verbund_ledger::LogId) -> String {
        let query = serde_urlencoded::to_string([
            ("account", Some(self.account.as_str())),
            ("on", self.on.as_deref().filter(|d| !d.is_empty())),
            ("offset", self.offset.as_deref().filter(|o| !o.is_empty())),
        ])
        .unwrap_or_default();
        format!("/c/{log}/books/ledger?{query}")
    }
}

async fn ledger_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    asked: LedgerAsked,
    problem: Option<Problem>,
) -> Result<LedgerPage, ApiError> {
    let c = Chrome::of(app, lang, coop, caller, &asked.path(&coop.log)).await;
    let on = asked.on.unwrap_or_default();
    let read = day_field(&on, "on").and_then(|day| {
        let q = api::LedgerQuery {
            account: asked.account.trim().to_owned(),
            as_of_date: day,
            offset: asked.offset.as_deref().and_then(|o| o.trim().parse().ok()),
            limit: Some(100),
        };
        let folded = coop.runtime.views().journal.cloned();
        api::ledger_of(&folded.state, &q, c.lang)
    });
    let (ledger, problem) = match read {
        Ok(ledger) => (Some(ledger), problem),
        Err(e) if e.status().is_client_error() => (None, problem.or(Some(e.problem()))),
        Err(e) => return Err(e),
    };
    let reversible = match &ledger {
        Some(ledger) => coop.runtime.views().aggregates.read(|a| {
            let books = a.books().state;
            ledger
                .lines
                .iter()
                .filter_map(|l| l.entry.entry.clone())
                .filter(|id| {
                    verbund_domain::books::EntryId::parse(id)
                        .is_ok_and(|id| books.is_reversible(&id))
                })
                .collect()
        }),
        None => Default::default(),
    };
    Ok(LedgerPage {
        reversible,
        may_book: caller.may(Access::Roles(KEEP_ACCOUNTS), None),
        c,
        account: asked.account,
        on,
        offset: asked.offset.unwrap_or_default(),
        ledger,
        done: asked.done.is_some(),
        problem,
    })
}

/// `/c/{coop}/books/ledger?account=…`: an account's ledger as of a day, paged as the API pages
/// it, each treasurer's entry with its reversal.
pub(super) async fn ledger(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(asked): Query<LedgerAsked>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let page = ledger_page(&app, lang, &coop, &caller, asked, None).await?;
    Ok(private(render(page)))
}

/// The reversal as the form sends it, with the ledger's page to return to.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ReversalForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    account: String,
    on: Option<String>,
    offset: Option<String>,
}

/// `POST /c/{coop}/books/entries/{entry}/reversal`: reverses an entry (Storno), as
/// `POST …/entries/{entry}/reversal` does (A1: both remain).
pub(super) async fn reverse_entry(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    axum::extract::Path((_, entry)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: ReversalForm = form(&body)?;
    let done = async {
        let reverses = verbund_domain::books::EntryId::parse(&entry)
            .map_err(|e| ApiError::from(e.at("entry")))?;
        let body = api::ReversalBody {
            reason: typed.reason.trim().to_owned(),
            booked_on: None,
        };
        let (_, executed) =
            api::reverse_entry_of(&app, &coop, &caller, &headers, reverses, &body).await?;
        settle_write(&coop, executed.last).await;
        Ok::<(), ApiError>(())
    };
    let asked = LedgerAsked {
        account: typed.account,
        on: typed.on,
        offset: typed.offset,
        done: None,
    };
    let written = done
        .await
        .map(|()| see_other(&format!("{}&done=1", asked.path(&coop.log))));
    answer(written, async |problem| {
        ledger_page(
            &app,
            Lang::of(&headers),
            &coop,
            &caller,
            asked,
            Some(problem),
        )
        .await
    })
    .await
}

/// `POST /c/{coop}/books/profit-use`: books the use of a closed year's profit as the assembly
/// resolved it, as `POST …/years/{year_end}/profit-use` does (G19).
pub(super) async fn use_profit(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let last_day = required_day(&typed.year_end, "year_end")?;
        let money = |text: &str, field: &str| match text.trim() {
            "" => Ok(Money::ZERO),
            text => amount_field(text, field),
        };
        let body = api::ProfitUseBody {
            motion: typed.motion.clone(),
            legal_reserve: money(&typed.legal_reserve, "legal_reserve")?,
            other_reserves: money(&typed.other_reserves, "other_reserves")?,
            carried_forward: money(&typed.carried_forward, "carried_forward")?,
            booked_on: day_field(&typed.booked_on, "booked_on")?,
        };
        let (_, executed) =
            api::use_profit_of(&app, &coop, &caller, &headers, last_day, &body).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "profit", typed, done).await
}

/// `POST /c/{coop}/books/loans`: takes a member loan bound to an approved investment, as
/// `POST …/books/loans` does (G21b).
pub(super) async fn grant_loan(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let lender = member_field(&typed.lender, "lender")?;
        let body = api::LoanBody {
            lender,
            project: typed.project.clone(),
            asset: None,
            amount: amount_field(&typed.amount, "amount")?,
            interest_percent: typed.interest.trim().replace(',', "."),
            received_on: day_field(&typed.booked_on, "received_on")?,
        };
        let (_, executed) = api::grant_loan_of(&app, &coop, &caller, &headers, &body).await?;
        Ok(executed)
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "loan", typed, done).await
}

/// `POST /c/{coop}/books/loans/{loan}/repayments`: repays (part of) a member loan, as
/// `POST …/books/loans/{loan}/repayments` does.
pub(super) async fn repay_loan(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    axum::extract::Path((_, loan)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: BooksForm = form(&body)?;
    let done = async {
        let loan = verbund_domain::books::LoanId::parse(&loan)
            .map_err(|e| ApiError::from(e.at("loan")))?;
        let body = api::RepaymentBody {
            amount: amount_field(&typed.amount, "amount")?,
            paid_on: day_field(&typed.booked_on, "paid_on")?,
        };
        api::repay_loan_of(&app, &coop, &caller, &headers, loan, &body).await
    };
    let done = done.await;
    booked(&app, &headers, &coop, &caller, "repayment", typed, done).await
}

#[cfg(test)]
mod tests {
    use super::input_id;

    /// A refusal lands at the input it is about: the form's prefix and the API's field, a
    /// manual entry's line by its number on the page.
    #[test]
    fn a_refusal_names_the_input_of_its_form() {
        assert_eq!(input_id("payment", "amount"), "payment-amount");
        assert_eq!(input_id("levy", "total"), "levy-total");
        assert_eq!(input_id("entry", "lines[1].account"), "entry-account_2");
        assert_eq!(input_id("entry", "lines[0].debit"), "entry-debit_1");
        assert_eq!(input_id("entry", "lines"), "entry-lines");
        assert_eq!(input_id("closing", "year_end"), "closing-year");
        assert_eq!(input_id("profit", "year"), "profit-year");
    }
}
