//! The account-use rules 账户管理 as an allow-list: for each account, direction, flow kind and
//! counterpart, whether money may move that way, with the article that says so. A flow side
//! not on the list is a breach; which rule reports it is decided in `flows::judge_flow`.

use crate::model::Account;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
}

/// The other side of a movement: one of the fund's accounts, or anyone outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Account(Account),
    External,
}

pub struct Allow {
    pub account: Account,
    pub dir: Dir,
    pub kind: &'static str,
    pub counterpart: Party,
    pub source: &'static str,
}

const fn a(
    account: Account,
    dir: Dir,
    kind: &'static str,
    counterpart: Party,
    source: &'static str,
) -> Allow {
    Allow {
        account,
        dir,
        kind,
        counterpart,
        source,
    }
}

use Account::*;
use Dir::*;
const EXT: Party = Party::External;
const FISCAL: Party = Party::Account(Fiscal);
const INCOME: Party = Party::Account(Income);
const EXPENSE: Party = Party::Account(Expense);
const INVEST: Party = Party::Account(Investment);

/// SPEC §1 accounts table; 财务制度 (财社〔2017〕144号) arts. 39–42; 经办条例 art. 40 (seed).
pub const ALLOW: &[Allow] = &[
    // 收入户 revenue account — may receive (财务制度 art. 40)
    a(Income, In, "transfer_in", EXT, "财务制度 art. 40: 转移收入"),
    a(
        Income,
        In,
        "collective_subsidy",
        EXT,
        "财务制度 art. 40: 社会保险费收入 — 集体补助 is collected like residents' contributions",
    ),
    a(
        Income,
        In,
        "interest",
        EXT,
        "财务制度 art. 40: 收入户存款利息",
    ),
    a(
        Income,
        In,
        "other_income",
        EXT,
        "财务制度 art. 40: 其他收入",
    ),
    a(
        Income,
        In,
        "subsidy_from_upper",
        EXT,
        "财务制度 art. 40: 上级经办机构下拨",
    ),
    a(
        Income,
        In,
        "remit_from_lower",
        EXT,
        "财务制度 art. 40: 下级经办机构上解",
    ),
    // 收入户 — may pay out only (财务制度 art. 40)
    a(
        Income,
        Out,
        "sweep",
        FISCAL,
        "财务制度 art. 40: 向财政专户划转基金",
    ),
    a(
        Income,
        Out,
        "interest_remit",
        FISCAL,
        "财务制度 art. 40: 向财政专户划转基金",
    ),
    a(
        Income,
        Out,
        "remit_to_upper",
        EXT,
        "财务制度 art. 40: 向上级经办机构缴拨基金",
    ),
    // 支出户 expenditure account — may receive only (经办条例 art. 40; 财务制度 art. 41)
    a(
        Expense,
        In,
        "allocation",
        FISCAL,
        "经办条例 art. 40: 财政专户拨入的资金",
    ),
    a(
        Expense,
        In,
        "subsidy_from_upper",
        EXT,
        "经办条例 art. 40: 上级经办机构拨付的资金",
    ),
    a(
        Expense,
        In,
        "interest",
        EXT,
        "经办条例 art. 40: 本账户的利息收入",
    ),
    a(
        Expense,
        In,
        "returned_prior_year",
        EXT,
        "经办条例 art. 40: 原渠道退回的支付资金",
    ),
    // 支出户 — pays benefits (payouts) and
    a(
        Expense,
        Out,
        "interest_remit",
        FISCAL,
        "财务制度 art. 41: 利息划入财政专户",
    ),
    a(
        Expense,
        Out,
        "transfer_out",
        EXT,
        "财务制度 art. 41: 转移支出",
    ),
    a(
        Expense,
        Out,
        "remit_to_upper",
        EXT,
        "财务制度 art. 41: 上解上级",
    ),
    a(
        Expense,
        Out,
        "subsidy_to_lower",
        EXT,
        "财务制度 art. 41: 补助下级",
    ),
    a(
        Expense,
        Out,
        "other_expense",
        EXT,
        "财务制度 art. 41: 其他支出",
    ),
    // 财政专户 fiscal special account — may receive (财务制度 art. 42)
    a(Fiscal, In, "sweep", INCOME, "财务制度 art. 42: 收入户划入"),
    a(
        Fiscal,
        In,
        "interest_remit",
        INCOME,
        "财务制度 art. 42: 收入户利息",
    ),
    a(
        Fiscal,
        In,
        "interest_remit",
        EXPENSE,
        "财务制度 art. 42: 支出户划入的利息",
    ),
    a(
        Fiscal,
        In,
        "fiscal_subsidy",
        EXT,
        "财务制度 art. 42: 财政补贴收入",
    ),
    a(
        Fiscal,
        In,
        "collective_subsidy",
        EXT,
        "财务制度 art. 42: 其他收入 (集体补助)",
    ),
    a(
        Fiscal,
        In,
        "interest",
        EXT,
        "财务制度 art. 42: 财政专户利息",
    ),
    a(
        Fiscal,
        In,
        "investment_back",
        INVEST,
        "财务制度 art. 42: 收回的投资",
    ),
    a(
        Fiscal,
        In,
        "investment_income",
        EXT,
        "财务制度 art. 42: 投资收益",
    ),
    a(Fiscal, In, "transfer_in", EXT, "财务制度 art. 42: 转移收入"),
    a(
        Fiscal,
        In,
        "subsidy_from_upper",
        EXT,
        "财务制度 art. 42: 上级财政专户划入",
    ),
    a(
        Fiscal,
        In,
        "remit_from_lower",
        EXT,
        "财务制度 art. 42: 下级财政专户上解",
    ),
    a(
        Fiscal,
        In,
        "other_income",
        EXT,
        "财务制度 art. 42: 其他收入",
    ),
    // 财政专户 — may pay out (财务制度 art. 42)
    a(
        Fiscal,
        Out,
        "allocation",
        EXPENSE,
        "财务制度 art. 42: 按用款计划拨付支出户",
    ),
    a(
        Fiscal,
        Out,
        "investment_out",
        INVEST,
        "财务制度 art. 42: 委托投资",
    ),
    a(
        Fiscal,
        Out,
        "remit_to_upper",
        EXT,
        "财务制度 art. 42: 上解上级财政专户",
    ),
    a(
        Fiscal,
        Out,
        "subsidy_to_lower",
        EXT,
        "财务制度 art. 42: 下拨下级财政专户",
    ),
    a(
        Fiscal,
        Out,
        "transfer_out",
        EXT,
        "财务制度 art. 42: 国家规定的其他支出 (跨地区结算)",
    ),
    // 委托投资 entrusted investment (an asset)
    a(
        Investment,
        In,
        "investment_out",
        FISCAL,
        "财务制度 art. 42: 委托投资",
    ),
    a(
        Investment,
        Out,
        "investment_back",
        FISCAL,
        "财务制度 art. 42: 收回投资",
    ),
];

pub fn party(key: &str) -> Party {
    Account::from_key(key)
        .map(Party::Account)
        .unwrap_or(Party::External)
}

/// Is this side of a flow on the allow-list?
pub fn allowed(
    account: Account,
    dir: Dir,
    kind: &str,
    counterpart: Party,
) -> Option<&'static Allow> {
    ALLOW.iter().find(|r| {
        r.account == account && r.dir == dir && r.kind == kind && r.counterpart == counterpart
    })
}

/// The one cross-scheme movement the rules allow: 210 paying 310 the medical premium of its
/// recipients (SPEC §6 `cross_scheme`): out of 210 towards 310, or into 310 from 210.
pub fn cross_scheme_allowed(scheme: &str, counter: &str, outflow: bool) -> bool {
    matches!(
        (scheme, counter, outflow),
        ("210", "310", true) | ("310", "210", false)
    )
}
