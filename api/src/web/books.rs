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
use crate::http::books::{self as api, BalanceSheetView, OpenItemsView, TrialBalanceView};
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
}

#[derive(Template)]
#[template(path = "books.html")]
struct BooksPage {
    c: Chrome,
    on: String,
    tb: Option<TrialBalanceView>,
    bs: Option<BalanceSheetView>,
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
    let (tb, bs, open, problem) = match day_field(&on, "on") {
        Ok(day) => {
            // A copy, reported on beside the projection (as the API's reports do).
            let folded = coop.runtime.views().journal.cloned();
            let open = api::OpenItemsQuery {
                as_of_date: day,
                after: None,
                limit: Some(crate::http::kit::PAGE_ITEMS_MAX),
            };
            (
                Some(api::trial_balance_of(&folded.state, day)?),
                Some(api::balance_sheet_of(&folded.state, day)),
                Some(api::open_items_of(&folded.state, &open)?),
                problem,
            )
        }
        Err(e) => (None, None, None, Some(e.problem())),
    };
    Ok(BooksPage {
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
