//! The catalogue: schemes 险种 (SPEC §1, AAE140 codes), accounts 账户, benefit items 待遇项目
//! and revenue/expenditure items 收支项目 (SPEC §4, 社会保险基金财务制度).

use serde::{Deserialize, Serialize};

/// Insurance scheme 险种, by its AAE140 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Scheme {
    /// 110 企业职工基本养老保险
    EnterprisePension,
    /// 120 机关事业单位基本养老保险
    PublicPension,
    /// 170 城乡居民基本养老保险
    ResidentPension,
    /// 210 失业保险
    Unemployment,
    /// 310 职工基本医疗保险
    EmployeeMedical,
    /// 390 城乡居民基本医疗保险
    ResidentMedical,
    /// 410 工伤保险
    WorkInjury,
    /// 510 生育保险
    Maternity,
}

impl Scheme {
    pub const ALL: [Scheme; 8] = [
        Scheme::EnterprisePension,
        Scheme::PublicPension,
        Scheme::ResidentPension,
        Scheme::Unemployment,
        Scheme::EmployeeMedical,
        Scheme::ResidentMedical,
        Scheme::WorkInjury,
        Scheme::Maternity,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Scheme::EnterprisePension => "110",
            Scheme::PublicPension => "120",
            Scheme::ResidentPension => "170",
            Scheme::Unemployment => "210",
            Scheme::EmployeeMedical => "310",
            Scheme::ResidentMedical => "390",
            Scheme::WorkInjury => "410",
            Scheme::Maternity => "510",
        }
    }

    pub fn from_code(code: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Scheme::EnterprisePension => "企业职工基本养老保险",
            Scheme::PublicPension => "机关事业单位基本养老保险",
            Scheme::ResidentPension => "城乡居民基本养老保险",
            Scheme::Unemployment => "失业保险",
            Scheme::EmployeeMedical => "职工基本医疗保险",
            Scheme::ResidentMedical => "城乡居民基本医疗保险",
            Scheme::WorkInjury => "工伤保险",
            Scheme::Maternity => "生育保险",
        }
    }

    /// Residents' schemes 城乡居民: flat premiums, no employer, no contribution base.
    pub fn is_resident(self) -> bool {
        matches!(self, Scheme::ResidentPension | Scheme::ResidentMedical)
    }

    /// The youngest a participant can be, in years. Residents' medical insurance 城乡居民基本
    /// 医疗保险 covers everyone outside the employee scheme from birth (社会保险法 art. 25;
    /// newborns, pupils and students included). Residents' pension 城乡居民基本养老保险 starts
    /// at 16, students excluded (国发〔2014〕8号 §三 参保范围). The employee schemes start at the
    /// minimum working age of 16 (劳动法 art. 15).
    pub fn min_age(self) -> i32 {
        match self {
            Scheme::ResidentMedical => 0,
            _ => 16,
        }
    }
}

/// A part of a fund 分账核算、统一管理 (SPEC §2 `sub_fund_balances`, DOMAIN §13): accounted
/// apart, managed together. Employee medical insurance keeps 统筹基金 and 个人账户, the
/// work-injury fund a reserve 储备金 beside its pool; every other fund has one part, `pooled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubFund {
    /// 统筹基金 (the whole fund where a fund has no parts)
    Pooled,
    /// 个人账户 of 310
    Account,
    /// 储备金 of 410
    Reserve,
}

impl SubFund {
    pub const ALL: [SubFund; 3] = [SubFund::Pooled, SubFund::Account, SubFund::Reserve];

    pub fn key(self) -> &'static str {
        match self {
            SubFund::Pooled => "pooled",
            SubFund::Account => "account",
            SubFund::Reserve => "reserve",
        }
    }

    pub fn from_key(k: &str) -> Option<SubFund> {
        SubFund::ALL.into_iter().find(|p| p.key() == k)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            SubFund::Pooled => "统筹基金",
            SubFund::Account => "个人账户",
            SubFund::Reserve => "储备金",
        }
    }

    /// The parts a scheme's fund is kept in: 310 统筹 + 个人账户, 410 统筹 + 储备金.
    pub fn of(scheme: Scheme) -> &'static [SubFund] {
        match scheme {
            Scheme::EmployeeMedical => &[SubFund::Pooled, SubFund::Account],
            Scheme::WorkInjury => &[SubFund::Pooled, SubFund::Reserve],
            _ => &[SubFund::Pooled],
        }
    }

    pub fn of_scheme(self, scheme: Scheme) -> bool {
        SubFund::of(scheme).contains(&self)
    }
}

/// The part a benefit is paid from (财社〔2017〕144号 art. 28): 个人账户待遇支出 from 310's
/// account part, everything else from the pool.
pub fn benefit_part(benefit: &str, scheme: Scheme) -> SubFund {
    if benefit == "account_medical" && scheme == Scheme::EmployeeMedical {
        SubFund::Account
    } else {
        SubFund::Pooled
    }
}

/// The part a fund flow with the outside is booked to: 310's transfers of insured persons in
/// and out 转移收入/转移支出 go with the person's individual account (art. 28); everything
/// else — interest, subsidies, transfers between levels — is the pool's.
pub fn flow_part(kind: &str, scheme: Scheme) -> SubFund {
    match (scheme, kind) {
        (Scheme::EmployeeMedical, "transfer_in" | "transfer_out") => SubFund::Account,
        _ => SubFund::Pooled,
    }
}

/// A transfer between the parts of a fund (SPEC §2): no money moves between accounts, so
/// `from_account` = `to_account`. Returns (from part, to part) for the scheme it belongs to.
pub fn part_transfer(kind: &str) -> Option<(SubFund, SubFund)> {
    match kind {
        "account_credit" => Some((SubFund::Pooled, SubFund::Account)),
        "reserve_set_aside" => Some((SubFund::Pooled, SubFund::Reserve)),
        "reserve_release" => Some((SubFund::Reserve, SubFund::Pooled)),
        _ => None,
    }
}

pub fn is_part_transfer(kind: &str) -> bool {
    part_transfer(kind).is_some()
}

/// A fund's bank accounts and its entrusted investment (SPEC §1 accounts table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// 收入户
    Income,
    /// 支出户
    Expense,
    /// 财政专户
    Fiscal,
    /// 委托投资
    Investment,
}

impl Account {
    pub const ALL: [Account; 4] = [
        Account::Income,
        Account::Expense,
        Account::Fiscal,
        Account::Investment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Account::Income => "income",
            Account::Expense => "expense",
            Account::Fiscal => "fiscal",
            Account::Investment => "investment",
        }
    }

    pub fn from_key(k: &str) -> Option<Account> {
        Account::ALL.into_iter().find(|a| a.key() == k)
    }

    /// Bank accounts have statements; the investment account does not.
    pub fn has_statement(self) -> bool {
        !matches!(self, Account::Investment)
    }
}

/// One row of the benefit catalogue (SPEC §4 table).
#[derive(Debug, Clone, Copy)]
pub struct Benefit {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub schemes: &'static [&'static str],
    /// Paid month by month to a living person (subject of `recipients` and `paid_after_death`).
    pub recurring: bool,
    /// Booked as its own expenditure item, outside 待遇支出 (job_retention, …).
    pub own_item: bool,
}

const fn b(
    key: &'static str,
    name_zh: &'static str,
    schemes: &'static [&'static str],
    recurring: bool,
) -> Benefit {
    Benefit {
        key,
        name_zh,
        schemes,
        recurring,
        own_item: false,
    }
}
const fn own(
    key: &'static str,
    name_zh: &'static str,
    schemes: &'static [&'static str],
) -> Benefit {
    Benefit {
        key,
        name_zh,
        schemes,
        recurring: false,
        own_item: true,
    }
}

/// SPEC §4 benefit items, in the order of the table; then the four items paid through
/// `payouts` but booked as their own expenditure items.
pub const BENEFITS: [Benefit; 22] = [
    b("basic_pension", "基本养老金", &["110", "120"], true),
    b("medical_subsidy", "医疗补助金", &["110"], false),
    b(
        "funeral_survivor",
        "丧葬补助金和抚恤金",
        &["110", "120", "210"],
        false,
    ),
    b("disability_allowance", "病残津贴", &["110", "120"], true),
    b("resident_basic_pension", "基础养老金", &["170"], true),
    b("resident_account_pension", "个人账户养老金", &["170"], true),
    b("funeral_grant", "丧葬补助金", &["170"], false),
    b("unemployment_benefit", "失业保险金", &["210"], true),
    b("medical_premium", "基本医疗保险费", &["210"], false),
    b(
        "training_subsidy",
        "职业培训和职业介绍补贴",
        &["210"],
        false,
    ),
    b("other_unemployment", "其他费用", &["210"], false),
    b("pooled_medical", "统筹基金待遇支出", &["310", "390"], false),
    b("account_medical", "个人账户待遇支出", &["310"], false),
    b("maternity_medical", "生育医疗费用", &["310", "510"], false),
    b("maternity_allowance", "生育津贴", &["310", "510"], false),
    b("injury_medical", "工伤医疗待遇", &["410"], false),
    b("disability_benefit", "伤残待遇", &["410"], true),
    b("death_benefit", "工亡待遇", &["410"], false),
    own("job_retention", "稳定岗位补贴支出", &["210"]),
    own("skill_upgrade", "技能提升补贴支出", &["210"]),
    own("assessment_fee", "劳动能力鉴定支出", &["410"]),
    own("prevention_fee", "工伤预防费用支出", &["410"]),
];

pub fn benefit(key: &str) -> Option<&'static Benefit> {
    BENEFITS.iter().find(|b| b.key == key)
}

/// Is `benefit` a valid `payouts.benefit` value for `scheme`?
pub fn benefit_valid_for(key: &str, scheme: &str) -> bool {
    benefit(key).is_some_and(|b| b.schemes.contains(&scheme))
}

/// Revenue 收入 or expenditure 支出.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Revenue,
    Expenditure,
}

/// One revenue or expenditure item of SPEC §4.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub direction: Direction,
}

const fn rev(key: &'static str, name_zh: &'static str) -> Item {
    Item {
        key,
        name_zh,
        direction: Direction::Revenue,
    }
}
const fn exp(key: &'static str, name_zh: &'static str) -> Item {
    Item {
        key,
        name_zh,
        direction: Direction::Expenditure,
    }
}

/// SPEC §4 items in statement order (收入 then 支出).
pub const ITEMS: [Item; 18] = [
    rev("contribution", "社会保险费收入"),
    rev("fiscal_subsidy", "财政补贴收入"),
    rev("collective_subsidy", "集体补助收入"),
    rev("interest", "利息收入"),
    rev("investment_income", "委托投资收益"),
    rev("transfer_in", "转移收入"),
    rev("subsidy_from_upper", "上级补助收入"),
    rev("remit_from_lower", "下级上解收入"),
    rev("other_income", "其他收入"),
    exp("benefits", "社会保险待遇支出"),
    exp("transfer_out", "转移支出"),
    exp("subsidy_to_lower", "补助下级支出"),
    exp("remit_to_upper", "上解上级支出"),
    exp("other_expense", "其他支出"),
    exp("job_retention", "稳定岗位补贴支出"),
    exp("skill_upgrade", "技能提升补贴支出"),
    exp("assessment_fee", "劳动能力鉴定支出"),
    exp("prevention_fee", "工伤预防费用支出"),
];

pub fn item(key: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.key == key)
}

/// Keys accepted in the `budget` table: items, `benefits.<key>`, and nothing else.
pub fn is_budget_item(key: &str) -> bool {
    item(key).is_some()
        || key
            .strip_prefix("benefits.")
            .is_some_and(|b| benefit(b).is_some_and(|b| !b.own_item))
}

/// `fund_flows.kind` values (SPEC §2).
pub const FLOW_KINDS: [&str; 21] = [
    "sweep",
    "allocation",
    "fiscal_subsidy",
    "collective_subsidy",
    "interest",
    "interest_remit",
    "investment_out",
    "investment_back",
    "investment_income",
    "transfer_in",
    "transfer_out",
    "subsidy_from_upper",
    "subsidy_to_lower",
    "remit_from_lower",
    "remit_to_upper",
    "returned_prior_year",
    "other_income",
    "other_expense",
    "account_credit",
    "reserve_set_aside",
    "reserve_release",
];

/// The schemes a flow kind belongs to, where it is not every scheme's: 集体补助 is a revenue of
/// the residents' pension alone (国发〔2014〕8号 §四 基金筹集, §五: it goes wholly into the
/// person's 个人账户 of 170). Crediting retirees' individual accounts belongs to 310
/// (国办发〔2021〕14号), the reserve to 410 (工伤保险条例 art. 17).
pub fn flow_kind_schemes(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "collective_subsidy" => Some(&["170"]),
        "account_credit" => Some(&["310"]),
        "reserve_set_aside" | "reserve_release" => Some(&["410"]),
        _ => None,
    }
}

/// `fund_flows.from_account` / `to_account` values: the four accounts and `external`.
pub fn is_flow_party(k: &str) -> bool {
    k == "external" || Account::from_key(k).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_round_trip() {
        for s in Scheme::ALL {
            assert_eq!(Scheme::from_code(s.code()), Some(s));
        }
        assert_eq!(Scheme::from_code("320"), None);
    }

    #[test]
    fn benefit_validity_by_scheme() {
        assert!(benefit_valid_for("basic_pension", "110"));
        assert!(!benefit_valid_for("basic_pension", "170"));
        assert!(benefit_valid_for("medical_premium", "210"));
        assert!(!benefit_valid_for("pooled_medical", "410"));
        assert!(benefit_valid_for("assessment_fee", "410"));
        assert!(!benefit_valid_for("nonsense", "110"));
    }

    #[test]
    fn budget_item_keys() {
        assert!(is_budget_item("contribution"));
        assert!(is_budget_item("benefits.basic_pension"));
        assert!(!is_budget_item("benefits.job_retention"));
        assert!(!is_budget_item("pension"));
    }
}
