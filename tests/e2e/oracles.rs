//! The exports checked by the tools of the field, as oracles: hledger's balances and
//! Beancount's (its loader, as `bean-check` runs it) must agree with Verbund's trial balance to
//! the cent, for a synthetic year of more than 10,000 postings.
//!
//! The tools come from Debian (`hledger`) and PyPI (`beancount`); `.ci/run` installs both and
//! sets `VERBUND_REQUIRE_ORACLES`, so that there a missing tool fails the test. Elsewhere the
//! test says on the terminal that it skipped a tool.

use std::collections::BTreeMap;
use std::process::Command;

use jiff::Timestamp;
use jiff::civil::{Date, date};
use serde_json::Value;
use verbund_api::http::exports;
use verbund_api::web::Lang;
use verbund_domain::books::{
    AccountRef, Direction, EntryId, EntryReversed, JournalEntryPosted, LevyCharged, LevyKey,
    LevyPart, Line, PaymentRecorded, allocate, codes,
};
use verbund_domain::{
    CooperativeFounded, Event, MemberAdmitted, MemberKind, MemberNo, Money, PaymentReceived,
    PersonalRef, RecordId, Statute,
};
use verbund_ledger::{Actor, Position, StreamVersion};
use verbund_projections::{Envelope, Journal, Projection};

/// A tool that reads an export.
#[derive(Clone, Copy, Debug)]
pub enum Tool {
    /// `hledger bal`.
    Hledger,
    /// Beancount's loader.
    Beancount,
}

/// The Python that loads a Beancount file (failing on any error `bean-check` would report)
/// and prints each account's balance.
const BEANCOUNT_BALANCES: &str = r#"
import sys
from collections import defaultdict
from decimal import Decimal
from beancount import loader
from beancount.core import data
from beancount.parser import printer
entries, errors, options = loader.load_file(sys.argv[1])
if errors:
    printer.print_errors(errors, file=sys.stderr)
    sys.exit(1)
balances = defaultdict(Decimal)
for entry in entries:
    if isinstance(entry, data.Transaction):
        for posting in entry.postings:
            assert posting.units.currency == "EUR", posting
            balances[posting.account] += posting.units.number
for account in sorted(balances):
    print(f"{account}\t{balances[account]:.2f}")
"#;

fn required() -> bool {
    std::env::var_os("VERBUND_REQUIRE_ORACLES").is_some()
}

/// The account reference of a tool's account name: `Equity:2000-7` is `2000/7`.
fn reference(name: &str) -> String {
    let path = name.split_once(':').map_or(name, |(_, rest)| rest);
    match path.split_once('-') {
        Some((code, sub)) => format!("{code}/{sub}"),
        None => path.to_owned(),
    }
}

/// Cents from `-1234.56` (or `0`).
fn cents(text: &str) -> i64 {
    let text = text.trim();
    let negative = text.starts_with('-');
    let digits = text.trim_start_matches('-');
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let fraction = format!("{fraction:0<2}");
    let value: i64 =
        whole.parse::<i64>().expect("digits") * 100 + fraction[..2].parse::<i64>().expect("digits");
    if negative { -value } else { value }
}

/// The balances `tool` computes from `export`, by account reference, in cents; `None` if the
/// tool is not installed (and not required).
fn balances(export: &str, tool: Tool) -> Option<BTreeMap<String, i64>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("books");
    std::fs::write(&file, export).expect("write the export");
    let output = match tool {
        Tool::Hledger => Command::new("hledger")
            .arg("-f")
            .arg(&file)
            .args(["bal", "--flat", "-E", "--layout=bare", "-N", "-O", "csv"])
            .output(),
        Tool::Beancount => Command::new("python3")
            .env("BEANCOUNT_DISABLE_LOAD_CACHE", "1")
            .args(["-c", BEANCOUNT_BALANCES])
            .arg(&file)
            .output(),
    };
    let missing = match &output {
        Err(_) => true,
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            matches!(tool, Tool::Beancount) && stderr.contains("No module named 'beancount'")
        }
    };
    if missing {
        assert!(
            !required(),
            "{tool:?} is required (VERBUND_REQUIRE_ORACLES) but not installed"
        );
        eprintln!("SKIPPED the {tool:?} oracle: the tool is not installed (.ci/run installs it)");
        return None;
    }
    let output = output.expect("ran");
    assert!(
        output.status.success(),
        "{tool:?} refused the export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let (name, amount) = match tool {
            Tool::Hledger => {
                let cells: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
                if cells.len() != 3 || cells[0] == "account" {
                    continue;
                }
                (cells[0].to_owned(), cents(cells[2]))
            }
            Tool::Beancount => {
                let (name, amount) = line.split_once('\t').expect("account and amount");
                (name.to_owned(), cents(amount))
            }
        };
        *found.entry(reference(&name)).or_default() += amount;
    }
    Some(found)
}

/// Asserts that `tool`'s balances of `export` are those of `trial` (a trial balance as the
/// API answers it), account by account, to the cent.
pub fn agree_with(export: &str, trial: &Value, tool: Tool) {
    let Some(found) = balances(export, tool) else {
        return;
    };
    let expected: BTreeMap<String, i64> = trial["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["account"].as_str().expect("an account").to_owned(),
                cents(a["balance"].as_str().expect("a balance")),
            )
        })
        .collect();
    compare(&found, &expected, tool);
}

fn compare(found: &BTreeMap<String, i64>, expected: &BTreeMap<String, i64>, tool: Tool) {
    for (account, cents) in expected {
        assert_eq!(
            found.get(account).copied().unwrap_or(0),
            *cents,
            "{tool:?}: account {account}"
        );
    }
    for (account, cents) in found {
        assert_eq!(
            expected.get(account).copied().unwrap_or(0),
            *cents,
            "{tool:?} has account {account}, Verbund's trial balance has not"
        );
    }
}

fn envelope(position: u64, stream: &str, event: Event) -> Envelope {
    Envelope {
        position: Position::new(position),
        stream: Some(verbund_domain::Stream::parse(stream).expect("an aggregate's stream")),
        stream_version: StreamVersion::FIRST,
        recorded_at: Timestamp::UNIX_EPOCH,
        actor: Actor::parse("member:2").expect("valid"),
        event,
    }
}

fn money(cents: i64) -> Money {
    Money::from_cents(cents).expect("in range")
}

fn account(text: &str) -> AccountRef {
    AccountRef::parse(text).expect("valid")
}

/// A year of a cooperative of 300 members, folded into the books: admissions, payments on
/// shares, levies by shares, usage fees, invoices, bank fees as manual entries and reversals;
/// more than 10,000 posting lines.
fn synthetic_year() -> Journal {
    const MEMBERS: u32 = 300;
    let mut journal = Journal::default();
    let mut position = 0u64;
    let mut push = |journal: &mut Journal, stream: &str, event: Event| {
        position += 1;
        journal.apply(&envelope(position, stream, event));
    };
    let statute = Statute::parse_toml(verbund_domain::statute::EXAMPLE_STATUTE).expect("valid");
    push(
        &mut journal,
        "coop",
        Event::CooperativeFounded(CooperativeFounded {
            name: statute.name().clone(),
            founded_on: date(2025, 1, 2),
            statute: Box::new(statute),
            statute_text: String::new(),
            founders: 0,
        }),
    );
    let day = |n: u32| {
        date(2025, 1, 2)
            .checked_add(jiff::Span::new().days(i64::from(n % 360)))
            .expect("in 2025")
    };
    let no = |n: u32| MemberNo::new(n).expect("not zero");
    for n in 1..=MEMBERS {
        push(
            &mut journal,
            &format!("member-{n}"),
            Event::MemberAdmitted(MemberAdmitted {
                member: no(n),
                person: PersonalRef {
                    record: RecordId::parse(&format!("p{n}")).expect("valid"),
                    commitment: "0".repeat(64),
                },
                kind: MemberKind::NaturalPerson,
                shares: 1 + n % 3,
                mandatory_shares: 1,
                admitted_on: date(2025, 1, 2),
                founder: false,
                application: None,
                listed: false,
                paid_in_due: Money::ZERO,
                paid_in_due_on: date(2025, 2, 2),
            }),
        );
        push(
            &mut journal,
            &format!("member-{n}"),
            Event::PaymentReceived(PaymentReceived {
                member: no(n),
                amount: money(10_000 + i64::from(n) * 137 % 40_000),
                received_on: day(n),
                reference: format!("SEPA \"{n}\"; share"),
            }),
        );
    }
    let entry = |n: u32| EntryId::parse(&format!("e{n}")).expect("valid");
    let mut next = 0u32;
    for month in 1..=12i8 {
        next += 1;
        let weights: Vec<u64> = (1..=MEMBERS).map(|n| u64::from(1 + n % 3)).collect();
        let total = money(150_000 + i64::from(month) * 1_111);
        let parts = allocate(total, &weights)
            .expect("allocated")
            .into_iter()
            .enumerate()
            .map(|(i, amount)| LevyPart {
                member: no(i as u32 + 1),
                weight: weights[i],
                amount,
            })
            .collect();
        push(
            &mut journal,
            "books",
            Event::LevyCharged(LevyCharged {
                entry: entry(next),
                purpose: format!("Marketing, month {month}"),
                key: LevyKey::Shares,
                account: AccountRef::whole(codes::LEVIES),
                total,
                booked_on: date(2025, month, 5),
                due_on: date(2025, month, 28),
                parts,
            }),
        );
    }
    for i in 0..4_000u32 {
        next += 1;
        let (direction, other) = match i % 4 {
            0 => (Direction::In, "4000".to_owned()),
            1 => (Direction::Out, "6300".to_owned()),
            2 => (Direction::In, format!("1420/{}", 1 + i % MEMBERS)),
            _ => (Direction::Out, "0400/van".to_owned()),
        };
        push(
            &mut journal,
            "books",
            Event::PaymentRecorded(PaymentRecorded {
                entry: entry(next),
                direction,
                amount: money(1 + i64::from(i) * 7_919 % 250_000),
                via: AccountRef::whole(if i % 10 == 0 {
                    codes::CASH
                } else {
                    codes::BANK
                }),
                account: account(&other),
                booked_on: day(i),
                text: format!("Invoice {i}; ÄÖÜ \"quoted\" \\ back"),
                reference: format!("R-{i}"),
            }),
        );
    }
    for i in 0..300u32 {
        next += 1;
        let lines = vec![
            Line::debit(account("6855"), money(100 + i64::from(i))),
            Line::debit(account("6200"), money(2_500)),
            Line::credit(account("1200"), money(100 + i64::from(i))),
            Line::credit(account("0400/van"), money(2_500)),
        ];
        push(
            &mut journal,
            "books",
            Event::JournalEntryPosted(JournalEntryPosted {
                entry: entry(next),
                booked_on: day(i * 7),
                text: format!("Fees and depreciation {i}"),
                receipt: format!("Statement {i}"),
                lines: lines.clone(),
            }),
        );
        if i % 10 == 0 {
            next += 1;
            push(
                &mut journal,
                "books",
                Event::EntryReversed(EntryReversed {
                    entry: entry(next),
                    reverses: entry(next - 1),
                    booked_on: day(i * 7 + 1),
                    reason: "booked twice".into(),
                    lines: lines
                        .iter()
                        .map(|l| Line::credit(l.account.clone(), l.amount))
                        .collect(),
                }),
            );
        }
    }
    journal
}

/// Both tools read the synthetic year's exports and come to Verbund's trial balance, account
/// by account, to the cent.
#[test]
fn hledger_and_beancount_agree_with_the_trial_balance_of_a_year_of_ten_thousand_postings() {
    let journal = synthetic_year();
    assert!(
        journal.line_count() >= 10_000,
        "{} lines",
        journal.line_count()
    );
    let expected: BTreeMap<String, i64> = journal
        .trial_balance(None)
        .into_iter()
        .map(|t| (t.account.to_string(), t.balance.cents()))
        .collect();
    assert_eq!(
        expected.values().sum::<i64>(),
        0,
        "the trial balance balances"
    );
    let ledger = exports::hledger(&journal, "Synthetic \"Test\" eG; 2025", Lang::De);
    if let Some(found) = balances(&ledger, Tool::Hledger) {
        compare(&found, &expected, Tool::Hledger);
    }
    let beancount = exports::beancount(&journal, "Synthetic \"Test\" eG; 2025", Lang::De);
    if let Some(found) = balances(&beancount, Tool::Beancount) {
        compare(&found, &expected, Tool::Beancount);
    }
    // As of a day within the year too (hledger's end date is exclusive).
    let mid: Date = date(2025, 7, 1);
    let expected_mid: BTreeMap<String, i64> = journal
        .trial_balance(Some(mid))
        .into_iter()
        .map(|t| (t.account.to_string(), t.balance.cents()))
        .collect();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("books.journal");
    std::fs::write(&file, &ledger).expect("write");
    if let Ok(output) = Command::new("hledger")
        .arg("-f")
        .arg(&file)
        .args([
            "bal",
            "--flat",
            "-E",
            "--layout=bare",
            "-N",
            "-O",
            "csv",
            "-e",
            "2025-07-02",
        ])
        .output()
    {
        let text = String::from_utf8_lossy(&output.stdout);
        let mut found: BTreeMap<String, i64> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
            *found.entry(reference(cells[0])).or_default() += cents(cells[2]);
        }
        compare(&found, &expected_mid, Tool::Hledger);
    }
}

/// The Python that opens a ZIP archive, checks every file's CRC and extracts it.
const UNZIP: &str = r#"
import sys, zipfile
archive = zipfile.ZipFile(sys.argv[1])
bad = archive.testzip()
if bad is not None:
    sys.exit(f"bad file {bad}")
archive.extractall(sys.argv[2])
print("\n".join(sorted(archive.namelist())))
"#;

/// Checks a GoBD archive: Python's zipfile opens it (every CRC right) with `index.xml`, the
/// DTD and the two CSV files; `xmllint` validates `index.xml` against the DTD; and the
/// journal's rows fall into `year` with debits equal to credits.
pub fn check_gobd_archive(bytes: &[u8], year: i16) {
    assert!(bytes.starts_with(b"PK\x03\x04"), "a ZIP archive");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let archive = dir.path().join("gobd.zip");
    std::fs::write(&archive, bytes).expect("write");
    let out = dir.path().join("out");
    let Ok(unzipped) = Command::new("python3")
        .args(["-c", UNZIP])
        .arg(&archive)
        .arg(&out)
        .output()
    else {
        assert!(
            !required(),
            "python3 is required (VERBUND_REQUIRE_ORACLES) but not installed"
        );
        eprintln!("SKIPPED the GoBD archive check: python3 is not installed");
        return;
    };
    assert!(
        unzipped.status.success(),
        "{}",
        String::from_utf8_lossy(&unzipped.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&unzipped.stdout)
            .lines()
            .collect::<Vec<_>>(),
        [
            "buchungen.csv",
            "gdpdu-01-09-2004.dtd",
            "index.xml",
            "kontenplan.csv"
        ]
    );
    match Command::new("xmllint")
        .arg("--noout")
        .arg("--dtdvalid")
        .arg(out.join("gdpdu-01-09-2004.dtd"))
        .arg(out.join("index.xml"))
        .output()
    {
        // The official DTD's Media model is not deterministic; libxml2 says so on every run
        // and validates all the same: the exit code is the verdict.
        Ok(valid) => assert!(
            valid.status.success(),
            "{}",
            String::from_utf8_lossy(&valid.stderr)
        ),
        Err(_) => {
            assert!(
                !required(),
                "xmllint is required (VERBUND_REQUIRE_ORACLES) but not installed"
            );
            eprintln!(
                "SKIPPED validating index.xml: xmllint is not installed (.ci/run installs it)"
            );
        }
    }
    let journal = std::fs::read_to_string(out.join("buchungen.csv")).expect("the journal");
    let (mut debit, mut credit) = (0i64, 0i64);
    let amount = |cell: &str| cents(&cell.replace(',', "."));
    for row in journal.split("\r\n").skip(1).filter(|r| !r.is_empty()) {
        let cells: Vec<&str> = row.split(';').collect();
        assert!(cells[2].ends_with(&format!(".{year}")), "{row}");
        debit += amount(cells[5]);
        credit += amount(cells[6]);
    }
    assert!(debit > 0);
    assert_eq!(debit, credit, "the journal's debits equal its credits");
}

#[test]
fn tool_names_read_back_to_account_references() {
    assert_eq!(reference("Equity:2000-7"), "2000/7");
    assert_eq!(reference("Assets:0400-laser-cutter"), "0400/laser-cutter");
    assert_eq!(reference("Assets:1200"), "1200");
    assert_eq!(cents("-1234.5"), -123_450);
    assert_eq!(cents("0"), 0);
}
