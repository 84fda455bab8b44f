//! The books in the formats the tools of the field read: an hledger (and ledger) journal, a
//! Beancount file, CSV of every posting, and the GoBD export for tax auditors (GDPdU's
//! `index.xml` with its DTD and CSV data files, in a ZIP archive).
//!
//! Account names are the same in the journal formats: the root of the account's kind, then
//! its code and, for a sub-ledger, the member or asset (`Equity:2000-17`,
//! `Assets:0400-laser-cutter`), which both tools accept; the chart's name goes along as a
//! comment (hledger) or metadata (Beancount).
//!
//! The words a person reads — the chart's names, what each entry records — are in the
//! language asked ([`Lang`]), as on the pages: a German treasurer's or tax auditor's export
//! reads "Geschäftsguthaben der Mitglieder" and "Mitglied 7: Einzahlung auf
//! Geschäftsanteile". The CSV's column names are keys for programs and stay as they are; the
//! GoBD's are German by its standard.

use std::fmt::Write as _;

use jiff::civil::Date;
use verbund_domain::Money;
use verbund_domain::books::{AccountKind, AccountRef, Sub};
use verbund_projections::Journal;

use crate::http::docs::escape;
use crate::http::dto;
use crate::web::Lang;

/// The account's name in hledger and Beancount.
pub fn ledger_account(account: &AccountRef, kind: AccountKind) -> String {
    let root = match kind {
        AccountKind::Asset => "Assets",
        AccountKind::Liability => "Liabilities",
        AccountKind::Equity => "Equity",
        AccountKind::Income => "Income",
        AccountKind::Expense => "Expenses",
    };
    match &account.sub {
        None => format!("{root}:{}", account.code),
        Some(Sub::Member(member)) => format!("{root}:{}-{member}", account.code),
        Some(Sub::Asset(asset)) => format!("{root}:{}-{asset}", account.code),
    }
}

/// One line of text as a journal's description: no comment markers, no control characters.
fn description(text: &str) -> String {
    text.chars()
        .map(|c| if c == ';' || c.is_control() { ',' } else { c })
        .collect()
}

/// The books as an hledger journal (which ledger reads too), its words in `lang`.
pub fn hledger(journal: &Journal, title: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(journal.line_count() * 48 + 4096);
    let title = description(title);
    let _ = match lang {
        Lang::De => writeln!(out, "; Die Bücher von {title}, exportiert von Verbund"),
        Lang::En => writeln!(out, "; The books of {title}, exported by Verbund"),
    };
    let _ = writeln!(out, "commodity 1000.00 EUR\n");
    for (account, found) in journal.used_accounts() {
        let _ = writeln!(
            out,
            "account {}  ; {}",
            ledger_account(&account, found.kind),
            description(&lang.account_name(&account.to_string(), &found.name))
        );
    }
    let kinds = kinds(journal);
    for (entry, lines) in journal.entries() {
        let _ = writeln!(
            out,
            "\n{} * {}  ; entry:{} position:{}{}",
            entry.booked_on,
            description(&lang.narration(&entry.narration)),
            entry.number,
            entry.position,
            if entry.reference.is_empty() {
                String::new()
            } else {
                format!(
                    " reference:{}",
                    description(&entry.reference).replace(' ', "_")
                )
            }
        );
        for (account, money) in lines {
            let _ = writeln!(
                out,
                "    {:<32}  {:>16} EUR",
                ledger_account(account, kind_of(&kinds, account)),
                dto::money(money)
            );
        }
    }
    out
}

fn kinds(journal: &Journal) -> std::collections::HashMap<AccountRef, AccountKind> {
    journal
        .used_accounts()
        .into_iter()
        .map(|(account, found)| (account, found.kind))
        .collect()
}

fn kind_of(
    kinds: &std::collections::HashMap<AccountRef, AccountKind>,
    account: &AccountRef,
) -> AccountKind {
    kinds.get(account).copied().unwrap_or(AccountKind::Asset)
}

/// A Beancount string literal.
fn quoted(text: &str) -> String {
    let escaped: String = text
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// The books as a Beancount file, its words in `lang`.
pub fn beancount(journal: &Journal, title: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(journal.line_count() * 48 + 4096);
    let _ = writeln!(out, "option \"title\" {}", quoted(title));
    let _ = writeln!(out, "option \"operating_currency\" \"EUR\"\n");
    let opened = journal
        .entries()
        .map(|(entry, _)| entry.booked_on)
        .min()
        .unwrap_or(jiff::civil::date(2000, 1, 1));
    for (account, found) in journal.used_accounts() {
        let _ = writeln!(
            out,
            "{opened} open {} EUR\n  name: {}",
            ledger_account(&account, found.kind),
            quoted(&lang.account_name(&account.to_string(), &found.name))
        );
    }
    let kinds = kinds(journal);
    for (entry, lines) in journal.entries() {
        let _ = writeln!(
            out,
            "\n{} * {}\n  entry: \"{}\"\n  position: \"{}\"",
            entry.booked_on,
            quoted(&lang.narration(&entry.narration)),
            entry.number,
            entry.position
        );
        if !entry.reference.is_empty() {
            let _ = writeln!(out, "  reference: {}", quoted(&entry.reference));
        }
        for (account, money) in lines {
            let _ = writeln!(
                out,
                "  {:<32}  {:>16} EUR",
                ledger_account(account, kind_of(&kinds, account)),
                dto::money(money)
            );
        }
    }
    out
}

/// Every posting as CSV: one row per line, debit and credit in columns of their own; the
/// account names and texts in `lang`.
pub fn csv(journal: &Journal, lang: Lang) -> String {
    let cell = crate::http::members::csv_cell;
    let mut out = String::with_capacity(journal.line_count() * 96 + 256);
    out.push_str("entry,position,booked_on,account,account_name,debit,credit,text,reference,actor,event_type,recorded_at\r\n");
    let names = names(journal, lang);
    for (entry, lines) in journal.entries() {
        for (account, money) in lines {
            let (debit, credit) = sides(money);
            let _ = write!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                entry.number,
                entry.position,
                entry.booked_on,
                cell(&account.to_string()),
                cell(names.get(account).map_or("", String::as_str)),
                debit,
                credit,
                cell(&lang.narration(&entry.narration)),
                cell(&entry.reference),
                cell(entry.actor.as_str()),
                entry.event_type,
                entry.recorded_at
            );
        }
    }
    out
}

/// The used accounts' names in `lang`.
fn names(journal: &Journal, lang: Lang) -> std::collections::HashMap<AccountRef, String> {
    journal
        .used_accounts()
        .into_iter()
        .map(|(account, found)| {
            let name = lang.account_name(&account.to_string(), &found.name);
            (account, name)
        })
        .collect()
}

/// Debit and credit of a line, each non-negative with two places.
fn sides(money: Money) -> (String, String) {
    let zero = dto::money(Money::ZERO);
    if money >= Money::ZERO {
        (dto::money(money), zero)
    } else {
        (zero, dto::money(-money))
    }
}

/// The DTD of GDPdU's description standard (version of 2004-09-01), which an export carries
/// beside its `index.xml`: the declarations, as the standard defines them.
const GDPDU_DTD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!ELEMENT Version (#PCDATA)>
<!ELEMENT Location (#PCDATA)>
<!ELEMENT Comment (#PCDATA)>
<!ELEMENT Length (#PCDATA)>
<!ELEMENT References (#PCDATA)>
<!ELEMENT From (#PCDATA)>
<!ELEMENT To (#PCDATA)>
<!ELEMENT AcceptNoTables (#PCDATA)>
<!ELEMENT Alias (From, To)>
<!ELEMENT MaxLength (#PCDATA)>
<!ELEMENT TextEncapsulator (#PCDATA)>
<!ELEMENT Accuracy (#PCDATA)>
<!ELEMENT ImpliedAccuracy (#PCDATA)>
<!ELEMENT Format (#PCDATA)>
<!ELEMENT DecimalSymbol (#PCDATA)>
<!ELEMENT DigitGroupingSymbol (#PCDATA)>
<!ELEMENT Command (#PCDATA)>
<!ELEMENT URL (#PCDATA)>
<!ELEMENT Description (#PCDATA)>
<!ELEMENT Name (#PCDATA)>
<!ELEMENT Epoch (#PCDATA)>
<!ELEMENT ColumnDelimiter (#PCDATA)>
<!ELEMENT RecordDelimiter (#PCDATA)>
<!ELEMENT SkipNumBytes (#PCDATA)>
<!ELEMENT Extension (Name, URL)>
<!ELEMENT Range (From, (To | Length)?)>
<!ELEMENT FixedRange (From, (To | Length))>
<!ELEMENT DataSet (Extension*, Version, DataSupplier?, Command*, Media+, Command*)>
<!ELEMENT AlphaNumeric EMPTY>
<!ELEMENT Date (Format?)>
<!ELEMENT Numeric ((ImpliedAccuracy | Accuracy)?)>
<!ELEMENT ANSI EMPTY>
<!ELEMENT Macintosh EMPTY>
<!ELEMENT OEM EMPTY>
<!ELEMENT UTF16 EMPTY>
<!ELEMENT UTF7 EMPTY>
<!ELEMENT UTF8 EMPTY>
<!ELEMENT FixedLength ((Length | RecordDelimiter)?, ((FixedPrimaryKey+, FixedColumn*) | (FixedColumn+)), ForeignKey*)>
<!ELEMENT FixedColumn (Name, Description?, (Numeric | AlphaNumeric | Date), Map*, FixedRange)>
<!ELEMENT FixedPrimaryKey (Name, Description?, (Numeric | AlphaNumeric | Date), Map*, FixedRange)>
<!ELEMENT VariableLength (ColumnDelimiter?, RecordDelimiter?, TextEncapsulator?, ((VariablePrimaryKey+, VariableColumn*) | (VariableColumn+)), ForeignKey*)>
<!ELEMENT VariableColumn (Name, Description?, (Numeric | (AlphaNumeric, MaxLength?) | Date), Map*)>
<!ELEMENT VariablePrimaryKey (Name, Description?, (Numeric | (AlphaNumeric, MaxLength?) | Date), Map*)>
<!ELEMENT DataSupplier (Name, Location, Comment)>
<!ELEMENT Media (Name, Command*, Table*, Command*, AcceptNoTables?)>
<!ELEMENT Table (URL, Name?, Description?, Validity?, (ANSI | Macintosh | OEM | UTF16 | UTF7 | UTF8)?, (DecimalSymbol, DigitGroupingSymbol)?, SkipNumBytes?, Range?, Epoch?, (VariableLength | FixedLength))>
<!ELEMENT ForeignKey (Name+, References, Alias*)>
<!ELEMENT Map (Description?, From, To)>
<!ELEMENT Validity (Range, Format?)>
"#;

/// A text cell of the GoBD CSV: quoted, quotes doubled, line breaks as spaces.
fn gobd_text(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A non-negative amount in cents with a decimal comma and no grouping, as `index.xml`
/// declares.
fn gobd_amount(cents: i64) -> String {
    debug_assert!(cents >= 0, "debit and credit columns are never negative");
    format!("{},{:02}", cents / 100, cents % 100)
}

fn gobd_date(day: Date) -> String {
    format!("{:02}.{:02}.{:04}", day.day(), day.month(), day.year())
}

/// The GoBD export of the entries booked from `from` to `to`: the files of the archive,
/// `index.xml`, its DTD, the chart (`kontenplan.csv`) and the journal (`buchungen.csv`), one
/// row per line with debit and credit in columns of their own; the data's words (account
/// names and kinds, texts) in `lang`, German by default for the tax auditor.
pub fn gobd(
    journal: &Journal,
    supplier: &str,
    location: &str,
    from: Date,
    to: Date,
    lang: Lang,
) -> Vec<(String, Vec<u8>)> {
    let mut chart = String::from("Konto;Kontobezeichnung;Kontoart\r\n");
    for (account, found) in journal.used_accounts() {
        let _ = write!(
            chart,
            "{};{};{}\r\n",
            gobd_text(&account.to_string()),
            gobd_text(&lang.account_name(&account.to_string(), &found.name)),
            gobd_text(lang.account_kind(found.kind))
        );
    }
    let names = names(journal, lang);
    let mut lines = String::from(
        "Buchungsnummer;Zeile;Buchungsdatum;Konto;Kontobezeichnung;Soll;Haben;Buchungstext;Belegnummer;Logposition;Erfasst\r\n",
    );
    for (entry, entry_lines) in journal
        .entries()
        .filter(|(entry, _)| entry.booked_on >= from && entry.booked_on <= to)
    {
        for (i, (account, money)) in entry_lines.into_iter().enumerate() {
            let cents = money.cents();
            let _ = write!(
                lines,
                "{};{};{};{};{};{};{};{};{};{};{}\r\n",
                gobd_text(&entry.number.to_string()),
                i + 1,
                gobd_date(entry.booked_on),
                gobd_text(&account.to_string()),
                gobd_text(names.get(account).map_or("", String::as_str)),
                gobd_amount(cents.max(0)),
                gobd_amount((-cents).max(0)),
                gobd_text(&lang.narration(&entry.narration)),
                gobd_text(&entry.reference),
                entry.position,
                gobd_text(&entry.recorded_at.to_string()),
            );
        }
    }
    let index = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE DataSet SYSTEM "gdpdu-01-09-2004.dtd">
<DataSet>
  <Version>1.0</Version>
  <DataSupplier>
    <Name>{supplier}</Name>
    <Location>{location}</Location>
    <Comment>Datentraegerueberlassung nach GoBD: Buchungen vom {from_de} bis {to_de}, aus dem Ereignisprotokoll von Verbund</Comment>
  </DataSupplier>
  <Media>
    <Name>Buchhaltung</Name>
    <Table>
      <URL>kontenplan.csv</URL>
      <Name>Kontenplan</Name>
      <Description>Konten mit Buchungen</Description>
      <UTF8/>
      <DecimalSymbol>,</DecimalSymbol>
      <DigitGroupingSymbol>.</DigitGroupingSymbol>
      <Range><From>2</From></Range>
      <VariableLength>
        <ColumnDelimiter>;</ColumnDelimiter>
        <RecordDelimiter>&#13;&#10;</RecordDelimiter>
        <TextEncapsulator>"</TextEncapsulator>
        <VariablePrimaryKey><Name>Konto</Name><Description>Kontonummer, bei Unterkonten mit Mitglied oder Anlage</Description><AlphaNumeric/></VariablePrimaryKey>
        <VariableColumn><Name>Kontobezeichnung</Name><AlphaNumeric/><MaxLength>100</MaxLength></VariableColumn>
        <VariableColumn><Name>Kontoart</Name><AlphaNumeric/></VariableColumn>
      </VariableLength>
    </Table>
    <Table>
      <URL>buchungen.csv</URL>
      <Name>Buchungsjournal</Name>
      <Description>Buchungen, je Zeile eine Soll- oder Habenbuchung</Description>
      <Validity>
        <Range><From>{from_de}</From><To>{to_de}</To></Range>
        <Format>DD.MM.YYYY</Format>
      </Validity>
      <UTF8/>
      <DecimalSymbol>,</DecimalSymbol>
      <DigitGroupingSymbol>.</DigitGroupingSymbol>
      <Range><From>2</From></Range>
      <VariableLength>
        <ColumnDelimiter>;</ColumnDelimiter>
        <RecordDelimiter>&#13;&#10;</RecordDelimiter>
        <TextEncapsulator>"</TextEncapsulator>
        <VariablePrimaryKey><Name>Buchungsnummer</Name><AlphaNumeric/></VariablePrimaryKey>
        <VariablePrimaryKey><Name>Zeile</Name><Numeric/></VariablePrimaryKey>
        <VariableColumn><Name>Buchungsdatum</Name><Date><Format>DD.MM.YYYY</Format></Date></VariableColumn>
        <VariableColumn><Name>Konto</Name><AlphaNumeric/></VariableColumn>
        <VariableColumn><Name>Kontobezeichnung</Name><AlphaNumeric/></VariableColumn>
        <VariableColumn><Name>Soll</Name><Description>Sollbetrag in EUR</Description><Numeric><Accuracy>2</Accuracy></Numeric></VariableColumn>
        <VariableColumn><Name>Haben</Name><Description>Habenbetrag in EUR</Description><Numeric><Accuracy>2</Accuracy></Numeric></VariableColumn>
        <VariableColumn><Name>Buchungstext</Name><AlphaNumeric/></VariableColumn>
        <VariableColumn><Name>Belegnummer</Name><AlphaNumeric/></VariableColumn>
        <VariableColumn><Name>Logposition</Name><Description>Position des Ereignisses im Hash-verketteten Protokoll</Description><Numeric/></VariableColumn>
        <VariableColumn><Name>Erfasst</Name><Description>Zeitpunkt der Erfassung im Protokoll (UTC)</Description><AlphaNumeric/></VariableColumn>
        <ForeignKey><Name>Konto</Name><References>Kontenplan</References></ForeignKey>
      </VariableLength>
    </Table>
  </Media>
</DataSet>
"#,
        supplier = escape(supplier),
        location = escape(location),
        from_de = gobd_date(from),
        to_de = gobd_date(to),
    );
    vec![
        ("index.xml".to_owned(), index.into_bytes()),
        (
            "gdpdu-01-09-2004.dtd".to_owned(),
            GDPDU_DTD.as_bytes().to_vec(),
        ),
        ("kontenplan.csv".to_owned(), chart.into_bytes()),
        ("buchungen.csv".to_owned(), lines.into_bytes()),
    ]
}

/// A ZIP archive of `files`, stored without compression (every reader opens it; the files
/// are text an archive tool compresses if it wants).
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    // 1980-01-01 00:00 in DOS time and date: the archive's content, not its timestamps, is
    // what an auditor checks.
    let (dos_time, dos_date) = (0u16, (1u16 << 5) | 1);
    for (name, data) in files {
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).expect("an export file is below 4 GiB");
        let offset = u32::try_from(out.len()).expect("an export is below 4 GiB");
        let name_len = u16::try_from(name.len()).expect("short file names");
        let header = |signature: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&signature.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: names are UTF-8
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&dos_time.to_le_bytes());
            h.extend_from_slice(&dos_date.to_le_bytes());
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&name_len.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        directory.extend(header(0x0201_4b50, true));
    }
    let count = u16::try_from(files.len()).expect("few files");
    let directory_offset = u32::try_from(out.len()).expect("an export is below 4 GiB");
    let directory_size = u32::try_from(directory.len()).expect("small");
    out.extend(directory);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&directory_size.to_le_bytes());
    out.extend_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
