//! The input tables of SPEC §2 as data: columns, Arrow types, nullability, the key that must be
//! unique, and the money columns whose control totals are kept.

/// Arrow type a column must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Utf8,
    Int32,
    Date,
    /// Parquet DECIMAL with scale 0..=2 (SPEC §1 "amount").
    Money,
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

const fn c(name: &'static str, kind: Kind, nullable: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        nullable,
    }
}

use Kind::*;

const CONTRIBUTIONS_COLUMNS: &[ColumnSpec] = &[
    c("txn_id", Utf8, false),
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("person_id", Utf8, true),
    c("employer_id", Utf8, true),
    c("payer_kind", Utf8, false),
    c("period", Int32, false),
    c("received_on", Date, false),
    c("account", Utf8, false),
    c("receipt_ref", Utf8, true),
    c("base", Money, true),
    c("employer_amount", Money, false),
    c("individual_amount", Money, false),
    c("late_fee", Money, false),
    c("kind", Utf8, false),
];

const PAYOUTS_COLUMNS: &[ColumnSpec] = &[
    c("payment_id", Utf8, false),
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("person_id", Utf8, true),
    c("payee_kind", Utf8, false),
    c("benefit", Utf8, false),
    c("period", Int32, false),
    c("paid_on", Date, false),
    c("amount", Money, false),
    c("batch_id", Utf8, false),
    c("returned_on", Date, true),
];

const FUND_FLOWS_COLUMNS: &[ColumnSpec] = &[
    c("flow_id", Utf8, false),
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("date", Date, false),
    c("kind", Utf8, false),
    c("from_account", Utf8, false),
    c("to_account", Utf8, false),
    c("amount", Money, false),
    c("counter_region", Utf8, true),
    c("counter_scheme", Utf8, true),
    c("ref", Utf8, true),
];

const STATEMENTS_COLUMNS: &[ColumnSpec] = &[
    c("line_id", Utf8, false),
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("account", Utf8, false),
    c("date", Date, false),
    c("direction", Utf8, false),
    c("amount", Money, false),
    c("ref", Utf8, true),
    c("memo", Utf8, true),
];

const OPENING_BALANCES_COLUMNS: &[ColumnSpec] = &[
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("account", Utf8, false),
    c("book", Money, false),
    c("statement", Money, true),
];

/// SPEC §2 `sub_fund_balances` (optional): opening balance of each part of a fund 分账核算.
const SUB_FUND_BALANCES_COLUMNS: &[ColumnSpec] = &[
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("sub_fund", Utf8, false),
    c("opening", Money, false),
];

const PERSONS_COLUMNS: &[ColumnSpec] = &[
    c("person_id", Utf8, false),
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("sex", Utf8, false),
    c("birth_date", Date, false),
    c("category", Utf8, false),
    c("status", Utf8, false),
    c("enrolled_on", Date, false),
    c("contribution_months", Int32, false),
    c("monthly_base", Money, true),
    c("benefit_start", Int32, true),
    c("monthly_benefit", Money, true),
];

const DEATHS_COLUMNS: &[ColumnSpec] = &[
    c("person_id", Utf8, false),
    c("death_date", Date, false),
    c("source", Utf8, false),
];

const BUDGET_COLUMNS: &[ColumnSpec] = &[
    c("region", Utf8, false),
    c("scheme", Utf8, false),
    c("item", Utf8, false),
    c("amount", Money, false),
];

/// An input table of SPEC §2.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Table {
    Contributions,
    Payouts,
    FundFlows,
    Statements,
    OpeningBalances,
    SubFundBalances,
    Persons,
    Deaths,
    Budget,
}

impl Table {
    /// Order of ingestion (and of the manifest).
    pub const ALL: [Table; 9] = [
        Table::Contributions,
        Table::Payouts,
        Table::FundFlows,
        Table::Statements,
        Table::OpeningBalances,
        Table::SubFundBalances,
        Table::Persons,
        Table::Deaths,
        Table::Budget,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Contributions => "contributions",
            Table::Payouts => "payouts",
            Table::FundFlows => "fund_flows",
            Table::Statements => "statements",
            Table::OpeningBalances => "opening_balances",
            Table::SubFundBalances => "sub_fund_balances",
            Table::Persons => "persons",
            Table::Deaths => "deaths",
            Table::Budget => "budget",
        }
    }

    pub fn from_name(n: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == n)
    }

    /// Only the approved budget and the parts' opening balances are optional (SPEC §2).
    pub fn required(self) -> bool {
        !matches!(self, Table::Budget | Table::SubFundBalances)
    }

    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Table::Contributions => CONTRIBUTIONS_COLUMNS,
            Table::Payouts => PAYOUTS_COLUMNS,
            Table::FundFlows => FUND_FLOWS_COLUMNS,
            Table::Statements => STATEMENTS_COLUMNS,
            Table::OpeningBalances => OPENING_BALANCES_COLUMNS,
            Table::SubFundBalances => SUB_FUND_BALANCES_COLUMNS,
            Table::Persons => PERSONS_COLUMNS,
            Table::Deaths => DEATHS_COLUMNS,
            Table::Budget => BUDGET_COLUMNS,
        }
    }

    /// Columns whose values together must be unique; the first is the row's id in reports.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Table::Contributions => &["txn_id"],
            Table::Payouts => &["payment_id"],
            Table::FundFlows => &["flow_id"],
            Table::Statements => &["line_id"],
            Table::OpeningBalances => &["region", "scheme", "account"],
            Table::SubFundBalances => &["region", "scheme", "sub_fund"],
            // A person who moved between two regions of the dataset has a row in each.
            Table::Persons => &["person_id", "region", "scheme"],
            Table::Deaths => &["person_id"],
            Table::Budget => &["region", "scheme", "item"],
        }
    }

    pub fn money_columns(self) -> impl Iterator<Item = &'static str> {
        self.columns()
            .iter()
            .filter(|c| c.kind == Money)
            .map(|c| c.name)
    }

    pub fn column_names(self) -> Vec<&'static str> {
        self.columns().iter().map(|c| c.name).collect()
    }
}
