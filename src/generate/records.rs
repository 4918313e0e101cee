//! Rows of the synthetic dataset, one struct per SPEC §2 table, and their Arrow form.
//! `Option` everywhere a column is nullable — and where a planted fault needs a null.

use crate::engine::{build, DataFrame};
use crate::model::date::Day;
use crate::model::Fen;

#[derive(Debug, Clone, Default)]
pub struct Contribution {
    pub txn_id: Option<String>,
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub person_id: Option<String>,
    pub employer_id: Option<String>,
    pub payer_kind: Option<String>,
    pub period: Option<i32>,
    pub received_on: Option<Day>,
    pub account: Option<String>,
    pub receipt_ref: Option<String>,
    pub base: Option<Fen>,
    pub employer_amount: Option<Fen>,
    pub individual_amount: Option<Fen>,
    pub late_fee: Option<Fen>,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Payout {
    pub payment_id: Option<String>,
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub person_id: Option<String>,
    pub payee_kind: Option<String>,
    pub benefit: Option<String>,
    pub period: Option<i32>,
    pub paid_on: Option<Day>,
    pub amount: Option<Fen>,
    pub batch_id: Option<String>,
    pub returned_on: Option<Day>,
}

#[derive(Debug, Clone, Default)]
pub struct FundFlow {
    pub flow_id: Option<String>,
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub date: Option<Day>,
    pub kind: Option<String>,
    pub from_account: Option<String>,
    pub to_account: Option<String>,
    pub amount: Option<Fen>,
    pub counter_region: Option<String>,
    pub counter_scheme: Option<String>,
    pub r#ref: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct StatementLine {
    pub line_id: Option<String>,
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub account: Option<String>,
    pub date: Option<Day>,
    pub direction: Option<String>,
    pub amount: Option<Fen>,
    pub r#ref: Option<String>,
    pub memo: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct OpeningBalance {
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub account: Option<String>,
    pub book: Option<Fen>,
    pub statement: Option<Fen>,
}

/// SPEC §2 `sub_fund_balances` (optional): the opening balance of a part of a fund.
#[derive(Debug, Clone, Default)]
pub struct SubFundBalance {
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub sub_fund: Option<String>,
    pub opening: Option<Fen>,
}

#[derive(Debug, Clone, Default)]
pub struct Person {
    pub person_id: Option<String>,
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<Day>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub enrolled_on: Option<Day>,
    pub contribution_months: Option<i32>,
    pub monthly_base: Option<Fen>,
    pub benefit_start: Option<i32>,
    pub monthly_benefit: Option<Fen>,
}

#[derive(Debug, Clone, Default)]
pub struct Death {
    pub person_id: Option<String>,
    pub death_date: Option<Day>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BudgetLine {
    pub region: Option<String>,
    pub scheme: Option<String>,
    pub item: Option<String>,
    pub amount: Option<Fen>,
}

/// Conversion of a batch of rows to a frame with SPEC §2 names and types.
pub trait Frame: Sized {
    fn frame(rows: &[Self]) -> DataFrame;
}

macro_rules! s {
    ($rows:ident, $f:ident) => {
        build::utf8(
            stringify!($f),
            &$rows.iter().map(|r| r.$f.as_deref()).collect::<Vec<_>>(),
        )
    };
    ($rows:ident, $f:ident, $name:literal) => {
        build::utf8(
            $name,
            &$rows.iter().map(|r| r.$f.as_deref()).collect::<Vec<_>>(),
        )
    };
}
macro_rules! m {
    ($rows:ident, $f:ident) => {
        build::money(stringify!($f), $rows.iter().map(|r| r.$f).collect())
    };
}
macro_rules! d {
    ($rows:ident, $f:ident) => {
        build::date(stringify!($f), $rows.iter().map(|r| r.$f).collect())
    };
}
macro_rules! i {
    ($rows:ident, $f:ident) => {
        build::i32(stringify!($f), $rows.iter().map(|r| r.$f).collect())
    };
}

impl Frame for Contribution {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, txn_id),
            s!(r, region),
            s!(r, scheme),
            s!(r, person_id),
            s!(r, employer_id),
            s!(r, payer_kind),
            i!(r, period),
            d!(r, received_on),
            s!(r, account),
            s!(r, receipt_ref),
            m!(r, base),
            m!(r, employer_amount),
            m!(r, individual_amount),
            m!(r, late_fee),
            s!(r, kind),
        ])
    }
}

impl Frame for Payout {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, payment_id),
            s!(r, region),
            s!(r, scheme),
            s!(r, person_id),
            s!(r, payee_kind),
            s!(r, benefit),
            i!(r, period),
            d!(r, paid_on),
            m!(r, amount),
            s!(r, batch_id),
            d!(r, returned_on),
        ])
    }
}

impl Frame for FundFlow {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, flow_id),
            s!(r, region),
            s!(r, scheme),
            d!(r, date),
            s!(r, kind),
            s!(r, from_account),
            s!(r, to_account),
            m!(r, amount),
            s!(r, counter_region),
            s!(r, counter_scheme),
            s!(r, r#ref, "ref"),
        ])
    }
}

impl Frame for StatementLine {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, line_id),
            s!(r, region),
            s!(r, scheme),
            s!(r, account),
            d!(r, date),
            s!(r, direction),
            m!(r, amount),
            s!(r, r#ref, "ref"),
            s!(r, memo),
        ])
    }
}

impl Frame for OpeningBalance {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, region),
            s!(r, scheme),
            s!(r, account),
            m!(r, book),
            m!(r, statement),
        ])
    }
}

impl Frame for SubFundBalance {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, region),
            s!(r, scheme),
            s!(r, sub_fund),
            m!(r, opening),
        ])
    }
}

impl Frame for Person {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, person_id),
            s!(r, region),
            s!(r, scheme),
            s!(r, sex),
            d!(r, birth_date),
            s!(r, category),
            s!(r, status),
            d!(r, enrolled_on),
            i!(r, contribution_months),
            m!(r, monthly_base),
            i!(r, benefit_start),
            m!(r, monthly_benefit),
        ])
    }
}

impl Frame for Death {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![s!(r, person_id), d!(r, death_date), s!(r, source)])
    }
}

impl Frame for BudgetLine {
    fn frame(r: &[Self]) -> DataFrame {
        build::frame(vec![
            s!(r, region),
            s!(r, scheme),
            s!(r, item),
            m!(r, amount),
        ])
    }
}
