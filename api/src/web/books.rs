//! The treasurer's pages: the trial balance and the balance sheet as of any day, with the G33
//! alarm; recording a payment, charging a levy, closing a year; every export as a download.
//! The reports come from the functions the API's reports use; the forms go through the
//! functions its routes use.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use verbund_domain::Money;
use verbund_domain::books::AccountRef;

use super::Lang;
use super::board::day_field;
use super::pages::{Chrome, form, private, refused_at, render, see_other};
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
    may_book: bool,
    /// Which form the refusal or the confirmation is about.
    about: &'static str,
    done: bool,
    typed: BooksForm,
    problem: Option<Problem>,
}

impl BooksPage {
    fn error_at(&self, form: &str, field: &str) -> bool {
        self.about == form && refused_at(self.problem.as_ref(), field)
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
    Ok(BooksPage {
        is,
        open,
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

fn amount(text: &str, field: &str) -> Result<Money, ApiError> {
    Money::parse(&text.trim().replace(',', ".")).map_err(|e| ApiError::from(e.at(field)))
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
    match done {
        Ok(executed) => {
            settle_write(coop, executed.last).await;
            Ok(see_other(&format!("/c/{}/books?done={about}", coop.log)))
        }
        Err(e) if e.status().is_client_error() => {
            let status = e.status();
            let lang = Lang::of(headers);
            let shown = BooksShown {
                about,
                typed,
                problem: Some(e.problem()),
                ..BooksShown::default()
            };
            let page = books_page(app, lang, coop, caller, shown).await?;
            Ok((status, private(render(page))).into_response())
        }
        Err(e) => Err(e),
    }
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
            amount: amount(&typed.amount, "amount")?,
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
            total: amount(&typed.amount, "total")?,
            account: None,
            booked_on: day_field(&typed.booked_on, "booked_on")?,
            due_on: day_field(&typed.due_on, "due_on")?.ok_or_else(|| {
                ApiError::bad_request("date-malformed", "due_on", "a day is written 2026-12-31")
            })?,
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
        let last_day = day_field(&typed.year_end, "year_end")?.ok_or_else(|| {
            ApiError::bad_request("date-malformed", "year_end", "a day is written 2026-12-31")
        })?;
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
                text => amount(text, &field(name)).map(Some),
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
    offset: Option<usize>,
    done: Option<String>,
}

async fn ledger_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    asked: LedgerAsked,
    problem: Option<Problem>,
) -> Result<LedgerPage, ApiError> {
    let c = Chrome::of(app, lang, coop, caller, &format!("/c/{}/books", coop.log)).await;
    let on = asked.on.unwrap_or_default();
    let read = day_field(&on, "on").and_then(|day| {
        let q = api::LedgerQuery {
            account: asked.account.trim().to_owned(),
            as_of_date: day,
            offset: asked.offset,
            limit: Some(100),
        };
        let folded = coop.runtime.views().journal.cloned();
        api::ledger_of(&folded.state, &q)
    });
    let (ledger, problem) = match read {
        Ok(ledger) => (Some(ledger), problem),
        Err(e) if e.status().is_client_error() => (None, problem.or(Some(e.problem()))),
        Err(e) => return Err(e),
    };
    Ok(LedgerPage {
        may_book: caller.may(Access::Roles(KEEP_ACCOUNTS), None),
        c,
        account: asked.account,
        on,
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

/// The reversal as the form sends it, with the ledger to return to.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ReversalForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    account: String,
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
    match done.await {
        Ok(()) => Ok(see_other(&format!(
            "/c/{}/books/ledger?account={}&done=1",
            coop.log,
            serde_urlencoded::to_string([("", typed.account.as_str())])
                .map(|p| p.trim_start_matches('=').to_owned())
                .unwrap_or_default()
        ))),
        Err(e) if e.status().is_client_error() => {
            let status = e.status();
            let asked = LedgerAsked {
                account: typed.account,
                ..LedgerAsked::default()
            };
            let lang = Lang::of(&headers);
            let page = ledger_page(&app, lang, &coop, &caller, asked, Some(e.problem())).await?;
            Ok((status, private(render(page))).into_response())
        }
        Err(e) => Err(e),
    }
}
