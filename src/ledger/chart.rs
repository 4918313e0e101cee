//! The chart of accounts 会计科目 (社会保险基金会计制度, 财会〔2017〕28号), as DOMAIN.md §4.1
//! rebuilt it. Codes confirmed in a source are marked `Confirmed`; the rest follow the
//! chart's numbering pattern and must be checked against the 2017 text and its 2026
//! supplement before they are relied on outside sifund (DOMAIN.md §11 item 1).

use crate::model::Account;

/// How sure we are of a code (DOMAIN.md §0 tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// [C] read in a primary source.
    Confirmed,
    /// [R]/[U] inferred: verify before release.
    ToVerify,
}

/// Accounting element 会计要素; fixes the normal side of a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Element {
    Asset,
    Liability,
    NetAsset,
    Revenue,
    Expenditure,
}

impl Element {
    /// Debit-normal elements: balance = debits − credits.
    pub fn debit_normal(self) -> bool {
        matches!(self, Element::Asset | Element::Expenditure)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Subject {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub element: Element,
    pub confidence: Confidence,
    /// The SPEC §4 item key booked on this subject, if any.
    pub item: Option<&'static str>,
}

const fn s(
    code: &'static str,
    name_zh: &'static str,
    element: Element,
    confidence: Confidence,
    item: Option<&'static str>,
) -> Subject {
    Subject {
        code,
        name_zh,
        element,
        confidence,
        item,
    }
}

use Confidence::*;
use Element::*;

pub const INCOME_DEPOSIT: &str = "1002";
pub const FISCAL_DEPOSIT: &str = "1003";
pub const EXPENSE_DEPOSIT: &str = "1004";
pub const INVESTMENT: &str = "1201";
pub const ADVANCES: &str = "1101";
pub const SUSPENSE: &str = "2001";
pub const FUND_BALANCE: &str = "3001";
pub const BENEFITS: &str = "5001";

/// The chart, in statement order.
pub const CHART: [Subject; 26] = [
    s("1002", "收入户存款", Asset, ToVerify, None),
    s("1003", "财政专户存款", Asset, ToVerify, None),
    s("1004", "支出户存款", Asset, Confirmed, None), // DOMAIN §4.1, source S2
    s("1101", "暂付款", Asset, ToVerify, None),
    s("1201", "委托投资", Asset, ToVerify, None),
    s("2001", "暂收款", Liability, ToVerify, None),
    s("3001", "基金结余", NetAsset, ToVerify, None),
    s(
        "4001",
        "社会保险费收入",
        Revenue,
        ToVerify,
        Some("contribution"),
    ),
    s(
        "4002",
        "财政补贴收入",
        Revenue,
        ToVerify,
        Some("fiscal_subsidy"),
    ),
    s(
        "4003",
        "集体补助收入",
        Revenue,
        ToVerify,
        Some("collective_subsidy"),
    ),
    s("4004", "利息收入", Revenue, ToVerify, Some("interest")),
    s(
        "4005",
        "委托投资收益",
        Revenue,
        ToVerify,
        Some("investment_income"),
    ),
    s("4006", "转移收入", Revenue, ToVerify, Some("transfer_in")),
    s(
        "4007",
        "上级补助收入",
        Revenue,
        ToVerify,
        Some("subsidy_from_upper"),
    ),
    s(
        "4008",
        "下级上解收入",
        Revenue,
        ToVerify,
        Some("remit_from_lower"),
    ),
    s("4009", "其他收入", Revenue, ToVerify, Some("other_income")),
    s(
        "5001",
        "社会保险待遇支出",
        Expenditure,
        Confirmed,
        Some("benefits"),
    ), // DOMAIN §4.1, source S3
    s(
        "5002",
        "转移支出",
        Expenditure,
        ToVerify,
        Some("transfer_out"),
    ),
    s(
        "5003",
        "补助下级支出",
        Expenditure,
        ToVerify,
        Some("subsidy_to_lower"),
    ),
    s(
        "5004",
        "上解上级支出",
        Expenditure,
        ToVerify,
        Some("remit_to_upper"),
    ),
    s(
        "5005",
        "其他支出",
        Expenditure,
        ToVerify,
        Some("other_expense"),
    ),
    // Items the 财务制度 keeps outside 待遇支出; their subjects are unknown [U] (DOMAIN §4.2):
    // booked as details of 其他支出 until the 2017 chart is read.
    s(
        "500501",
        "其他支出—稳定岗位补贴支出",
        Expenditure,
        ToVerify,
        Some("job_retention"),
    ),
    s(
        "500502",
        "其他支出—技能提升补贴支出",
        Expenditure,
        ToVerify,
        Some("skill_upgrade"),
    ),
    s(
        "500503",
        "其他支出—劳动能力鉴定支出",
        Expenditure,
        ToVerify,
        Some("assessment_fee"),
    ),
    s(
        "500504",
        "其他支出—工伤预防费用支出",
        Expenditure,
        ToVerify,
        Some("prevention_fee"),
    ),
    s("1001", "库存现金", Asset, ToVerify, None),
];

pub fn subject(code: &str) -> &'static Subject {
    CHART
        .iter()
        .find(|s| s.code == code)
        .expect("codes come from the chart")
}

/// The subject of a SPEC §4 revenue or expenditure item.
pub fn subject_of_item(item: &str) -> &'static Subject {
    CHART
        .iter()
        .find(|s| s.item == Some(item))
        .expect("every SPEC §4 item has a subject")
}

/// The deposit subject of a fund account.
pub fn deposit(a: Account) -> &'static str {
    match a {
        Account::Income => INCOME_DEPOSIT,
        Account::Fiscal => FISCAL_DEPOSIT,
        Account::Expense => EXPENSE_DEPOSIT,
        Account::Investment => INVESTMENT,
    }
}

/// The fund account a deposit subject belongs to.
pub fn account_of(code: &str) -> Option<Account> {
    Account::ALL.into_iter().find(|a| deposit(*a) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_has_one_subject_and_codes_are_unique() {
        for i in crate::model::catalog::ITEMS {
            assert_eq!(
                CHART.iter().filter(|s| s.item == Some(i.key)).count(),
                1,
                "{}",
                i.key
            );
        }
        let mut codes: Vec<_> = CHART.iter().map(|s| s.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CHART.len());
        assert_eq!(subject("1004").confidence, Confidence::Confirmed);
        assert_eq!(subject("5001").confidence, Confidence::Confirmed);
    }
}
