//! The chart of accounts: stable four-digit codes, each of one kind, some kept per member or
//! per asset (sub-ledgers).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainError, MemberNo};

/// A four-digit account code, `0000` to `9999`. Codes are stable: a report, an export and an
/// auditor's notes refer to the same account by the same code forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountCode(u16);

impl AccountCode {
    /// Parses four digits.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.parse().expect("four digits are a number")))
        } else {
            Err(DomainError::invalid(
                "account-code-malformed",
                "account",
                format!("{text:?} is not an account code: four digits, e.g. \"1200\""),
            ))
        }
    }

    /// The code as a number.
    pub const fn get(self) -> u16 {
        self.0
    }

    const fn of(code: u16) -> Self {
        Self(code)
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl TryFrom<String> for AccountCode {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).map_err(|e| e.message().to_owned())
    }
}

impl From<AccountCode> for String {
    fn from(code: AccountCode) -> String {
        code.to_string()
    }
}

/// Where an account stands in the balance sheet or the income statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountKind {
    /// What the cooperative has (debit balance).
    Asset,
    /// What it owes (credit balance).
    Liability,
    /// Its own capital: members' capital, reserves, results (credit balance).
    Equity,
    /// Income (credit balance), closed into the year's result.
    Income,
    /// Expenses (debit balance), closed into the year's result.
    Expense,
}

impl AccountKind {
    /// True for the income statement's accounts, which a year's closing empties.
    pub fn is_result(self) -> bool {
        matches!(self, AccountKind::Income | AccountKind::Expense)
    }

    /// The name as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }
}

/// Whether an account is kept as one, or per member, or per asset (a sub-ledger).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Per {
    /// One account.
    Whole,
    /// One sub-account per member (capital, receivables, loans from a member).
    Member,
    /// One sub-account per shared asset (a machine, a vehicle).
    Asset,
}

/// A shared asset's id in the sub-ledger of fixed assets: a lowercase letter, then up to 31
/// lowercase letters, digits and hyphens, e.g. `laser-cutter` (never all digits, so that
/// `0400/17` can only mean a member).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AssetId(String);

impl AssetId {
    /// Validates an asset id.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = text.len() <= 32
            && text.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "asset-id-malformed",
                "account",
                format!(
                    "{text:?} is not an asset id: a lowercase letter, then up to 31 lowercase letters, digits and hyphens"
                ),
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AssetId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).map_err(|e| e.message().to_owned())
    }
}

impl From<AssetId> for String {
    fn from(id: AssetId) -> String {
        id.0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The sub-account of an account kept per member or per asset.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sub {
    /// A member's sub-account.
    Member(MemberNo),
    /// An asset's sub-account.
    Asset(AssetId),
}

/// An account as postings name it: a code, and for a sub-ledger the member or asset, written
/// `1200`, `2000/17` (member 17) or `0400/laser-cutter`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountRef {
    /// The account.
    pub code: AccountCode,
    /// The sub-account, for a sub-ledger.
    pub sub: Option<Sub>,
}

impl AccountRef {
    /// A whole account.
    pub const fn whole(code: AccountCode) -> Self {
        Self { code, sub: None }
    }

    /// A member's sub-account.
    pub const fn member(code: AccountCode, member: MemberNo) -> Self {
        Self {
            code,
            sub: Some(Sub::Member(member)),
        }
    }

    /// Parses `1200`, `2000/17` or `0400/laser-cutter`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let (code, sub) = match text.split_once('/') {
            Some((code, sub)) => (code, Some(sub)),
            None => (text, None),
        };
        let code = AccountCode::parse(code)?;
        let sub = match sub {
            None => None,
            Some(sub) if !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_digit()) => Some(
                Sub::Member(MemberNo::parse(sub).map_err(|e| e.at("account"))?),
            ),
            Some(sub) => Some(Sub::Asset(AssetId::parse(sub)?)),
        };
        Ok(Self { code, sub })
    }

    /// The member of a member's sub-account.
    pub fn member_no(&self) -> Option<MemberNo> {
        match self.sub {
            Some(Sub::Member(member)) => Some(member),
            _ => None,
        }
    }
}

impl fmt::Display for AccountRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sub {
            None => write!(f, "{}", self.code),
            Some(Sub::Member(member)) => write!(f, "{}/{member}", self.code),
            Some(Sub::Asset(asset)) => write!(f, "{}/{asset}", self.code),
        }
    }
}

impl TryFrom<String> for AccountRef {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).map_err(|e| e.message().to_owned())
    }
}

impl From<AccountRef> for String {
    fn from(account: AccountRef) -> String {
        account.to_string()
    }
}

/// An account of the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The code.
    pub code: AccountCode,
    /// The name, e.g. "Bank".
    pub name: String,
    /// Its kind.
    pub kind: AccountKind,
    /// Whether it is kept per member or per asset.
    pub per: Per,
}

/// The accounts every cooperative's books have, by code. The codes follow the classes of the
/// German charts (0 fixed assets, 1 current assets, 2 equity, 3 liabilities, 4 income, 6–7
/// expenses); the treasurer may open more (`AccountOpened`).
pub mod codes {
    use super::AccountCode;

    /// Shared assets (machines, vehicles), per asset.
    pub const SHARED_ASSETS: AccountCode = AccountCode::of(400);
    /// Cash.
    pub const CASH: AccountCode = AccountCode::of(1000);
    /// Bank.
    pub const BANK: AccountCode = AccountCode::of(1200);
    /// Receivables from members: subscribed shares not yet paid in, per member.
    pub const UNPAID_SHARES: AccountCode = AccountCode::of(1410);
    /// Receivables from members: levies and fees, per member.
    pub const MEMBER_RECEIVABLES: AccountCode = AccountCode::of(1420);
    /// Members' paid-in capital (Geschäftsguthaben), per member.
    pub const CAPITAL: AccountCode = AccountCode::of(2000);
    /// Subscribed capital not yet paid in, per member: the counterpart of 1410.
    pub const CAPITAL_UNPAID: AccountCode = AccountCode::of(2050);
    /// The legal reserve (gesetzliche Rücklage, G7).
    pub const LEGAL_RESERVE: AccountCode = AccountCode::of(2100);
    /// Other reserves (andere Ergebnisrücklagen).
    pub const OTHER_RESERVES: AccountCode = AccountCode::of(2110);
    /// Profit or loss carried forward, and a closed year's result until its use is decided.
    pub const CARRIED_FORWARD: AccountCode = AccountCode::of(2900);
    /// The result of the year, at its closing.
    pub const YEAR_RESULT: AccountCode = AccountCode::of(2970);
    /// Member loans (G21b), per lender.
    pub const MEMBER_LOANS: AccountCode = AccountCode::of(3100);
    /// Trade payables.
    pub const PAYABLES: AccountCode = AccountCode::of(3300);
    /// Shares of profit owed to members, per member.
    pub const PROFIT_PAYABLE: AccountCode = AccountCode::of(3600);
    /// Usage fees for shared machines and staff.
    pub const USAGE_FEES: AccountCode = AccountCode::of(4000);
    /// Commissions.
    pub const COMMISSIONS: AccountCode = AccountCode::of(4100);
    /// Levies (Umlagen) for joint costs.
    pub const LEVIES: AccountCode = AccountCode::of(4200);
    /// Other income.
    pub const OTHER_INCOME: AccountCode = AccountCode::of(4900);
    /// Marketing.
    pub const MARKETING: AccountCode = AccountCode::of(6600);
    /// Depreciation of shared assets.
    pub const DEPRECIATION: AccountCode = AccountCode::of(6200);
    /// Other operating expenses.
    pub const OPERATING: AccountCode = AccountCode::of(6300);
    /// Bank fees.
    pub const BANK_FEES: AccountCode = AccountCode::of(6855);
    /// Interest on member loans.
    pub const LOAN_INTEREST: AccountCode = AccountCode::of(7300);
}

/// The default chart.
pub fn default_accounts() -> Vec<Account> {
    use AccountKind::*;
    use codes::*;
    let account = |code, name: &str, kind, per| Account {
        code,
        name: name.to_owned(),
        kind,
        per,
    };
    vec![
        account(SHARED_ASSETS, "Shared assets", Asset, Per::Asset),
        account(CASH, "Cash", Asset, Per::Whole),
        account(BANK, "Bank", Asset, Per::Whole),
        account(
            UNPAID_SHARES,
            "Receivable: shares not yet paid in",
            Asset,
            Per::Member,
        ),
        account(
            MEMBER_RECEIVABLES,
            "Receivable: levies and fees",
            Asset,
            Per::Member,
        ),
        account(CAPITAL, "Members' paid-in capital", Equity, Per::Member),
        account(
            CAPITAL_UNPAID,
            "Subscribed capital not yet paid in",
            Equity,
            Per::Member,
        ),
        account(LEGAL_RESERVE, "Legal reserve", Equity, Per::Whole),
        account(OTHER_RESERVES, "Other reserves", Equity, Per::Whole),
        account(
            CARRIED_FORWARD,
            "Profit or loss carried forward",
            Equity,
            Per::Whole,
        ),
        account(YEAR_RESULT, "Result of the year", Equity, Per::Whole),
        account(MEMBER_LOANS, "Member loans", Liability, Per::Member),
        account(PAYABLES, "Trade payables", Liability, Per::Whole),
        account(
            PROFIT_PAYABLE,
            "Profit shares owed to members",
            Liability,
            Per::Member,
        ),
        account(USAGE_FEES, "Usage fees", Income, Per::Whole),
        account(COMMISSIONS, "Commissions", Income, Per::Whole),
        account(LEVIES, "Levies for joint costs", Income, Per::Whole),
        account(OTHER_INCOME, "Other income", Income, Per::Whole),
        account(DEPRECIATION, "Depreciation", Expense, Per::Whole),
        account(OPERATING, "Other operating expenses", Expense, Per::Whole),
        account(MARKETING, "Marketing", Expense, Per::Whole),
        account(BANK_FEES, "Bank fees", Expense, Per::Whole),
        account(
            LOAN_INTEREST,
            "Interest on member loans",
            Expense,
            Per::Whole,
        ),
    ]
}

/// The chart of a cooperative: the default accounts and those the treasurer opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    accounts: BTreeMap<AccountCode, Account>,
}

impl Default for Chart {
    fn default() -> Self {
        Self {
            accounts: default_accounts()
                .into_iter()
                .map(|account| (account.code, account))
                .collect(),
        }
    }
}

impl Chart {
    /// The account of a code.
    pub fn get(&self, code: AccountCode) -> Option<&Account> {
        self.accounts.get(&code)
    }

    /// Every account, by code.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// Adds an account (applying `AccountOpened`).
    pub fn open(&mut self, account: Account) {
        self.accounts.insert(account.code, account);
    }

    /// The account `account` names, checked: the code exists, and it names a sub-account
    /// exactly where the account is a sub-ledger. `field` is the input's path for the error.
    pub fn check(&self, account: &AccountRef, field: &str) -> Result<&Account, DomainError> {
        let found = self.get(account.code).ok_or_else(|| {
            DomainError::not_found(
                "account-unknown",
                format!("the chart has no account {}", account.code),
            )
            .at(field)
        })?;
        let fits = matches!(
            (found.per, &account.sub),
            (Per::Whole, None)
                | (Per::Member, Some(Sub::Member(_)))
                | (Per::Asset, Some(Sub::Asset(_)))
        );
        if !fits {
            let how = match found.per {
                Per::Whole => format!("is one account: write {}", found.code),
                Per::Member => format!("is kept per member: write {}/MEMBER", found.code),
                Per::Asset => format!("is kept per asset: write {}/ASSET", found.code),
            };
            return Err(DomainError::invalid(
                "account-sub-ledger",
                field,
                format!("account {} ({}) {how}", found.code, found.name),
            ));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_references_read_back() {
        for text in ["1200", "2000/17", "0400/laser-cutter"] {
            assert_eq!(AccountRef::parse(text).expect("valid").to_string(), text);
        }
        for bad in [
            "120",
            "12000",
            "abcd",
            "2000/",
            "2000/0",
            "0400/Laser",
            "0400/-x",
        ] {
            assert!(AccountRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_chart_checks_sub_ledgers() {
        let chart = Chart::default();
        let check = |text: &str| chart.check(&AccountRef::parse(text).expect("valid"), "account");
        assert!(check("1200").is_ok());
        assert!(check("2000/3").is_ok());
        assert!(check("0400/van").is_ok());
        assert_eq!(
            check("1200/3").expect_err("whole").code(),
            "account-sub-ledger"
        );
        assert_eq!(
            check("2000").expect_err("per member").code(),
            "account-sub-ledger"
        );
        assert_eq!(
            check("2000/van").expect_err("per member").code(),
            "account-sub-ledger"
        );
        assert_eq!(
            check("5555").expect_err("unknown").code(),
            "account-unknown"
        );
    }
}
