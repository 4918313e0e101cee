//! The synthetic world: pooling regions, wages, rates and policy parameters. Values are
//! illustrative, sized after DOMAIN.md §10 (rates [S]/[R]) — a dataset to exercise sifund,
//! not statistics of any real place.

use crate::model::Fen;

/// A pooling region 统筹地区 with insured persons.
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    /// Upper-level (province) fund that receives this city's remittances 上解.
    pub province: &'static str,
    /// Share of persons, per mille.
    pub share: u32,
    /// 全口径城镇单位就业人员月平均工资 (monthly average wage), fen.
    pub avg_wage: Fen,
    pub min_wage: Fen,
    /// Fees collected by the tax bureau straight into the fiscal account (no 收入户).
    pub tax_collected: bool,
    /// Maternity insurance kept as its own fund 510 (not merged into 310).
    pub maternity_separate: bool,
    /// Local top-up on the 143-yuan national minimum 基础养老金, fen/month.
    pub resident_top_up: Fen,
    /// Previous-year urban monthly per-capita disposable income (funeral/survivor base), fen.
    pub disposable_monthly: Fen,
    /// County prefix for the registering office of employers (USCC positions 3–8).
    pub county: u32,
}

pub const REGIONS: [Region; 4] = [
    Region {
        code: "440100",
        name: "广州市",
        province: "440000",
        share: 350,
        avg_wage: 1_150_000,
        min_wage: 250_000,
        tax_collected: true,
        maternity_separate: false,
        resident_top_up: 17_700,
        disposable_monthly: 672_000,
        county: 440106,
    },
    Region {
        code: "440300",
        name: "深圳市",
        province: "440000",
        share: 300,
        avg_wage: 1_290_000,
        min_wage: 252_000,
        tax_collected: false,
        maternity_separate: false,
        resident_top_up: 35_700,
        disposable_monthly: 680_000,
        county: 440305,
    },
    Region {
        code: "320100",
        name: "南京市",
        province: "320000",
        share: 150,
        avg_wage: 1_100_000,
        min_wage: 249_000,
        tax_collected: false,
        maternity_separate: false,
        resident_top_up: 45_700,
        disposable_monthly: 630_000,
        county: 320102,
    },
    Region {
        code: "320500",
        name: "苏州市",
        province: "320000",
        share: 200,
        avg_wage: 1_050_000,
        min_wage: 249_000,
        tax_collected: true,
        maternity_separate: true,
        resident_top_up: 35_700,
        disposable_monthly: 640_000,
        county: 320505,
    },
];

/// Province-level funds: they hold the 110 and 210 adjustment funds (上解/补助下级) only.
pub const PROVINCES: [(&str, &str); 2] = [("440000", "广东省"), ("320000", "江苏省")];
pub const PROVINCE_SCHEMES: [&str; 2] = ["110", "210"];

/// Contribution rates in basis points of the base (1 bp = 0.01 %), DOMAIN.md §10.1.
pub struct Rates {
    pub employer: u32,
    pub individual: u32,
}

pub fn rates(scheme: &str, maternity_separate: bool) -> Rates {
    match scheme {
        "110" | "120" => Rates {
            employer: 1600,
            individual: 800,
        }, // [S] S31
        "210" => Rates {
            employer: 50,
            individual: 50,
        }, // phased 1 % total [S]/[R]
        "310" if maternity_separate => Rates {
            employer: 600,
            individual: 200,
        }, // [R]
        "310" => Rates {
            employer: 700,
            individual: 200,
        }, // incl. merged maternity [R]
        "510" => Rates {
            employer: 80,
            individual: 0,
        }, // [R]
        _ => Rates {
            employer: 0,
            individual: 0,
        },
    }
}

/// Work-injury industry base rates by risk class, bp (人社部发〔2015〕71号, [C] S32).
pub const INJURY_RATES: [u32; 8] = [20, 40, 70, 90, 110, 130, 160, 190];

/// Flexible workers pay 20 % to 110 on their own, and 310 at the employee total [S] S31 / [R].
pub const FLEXIBLE_110_BP: u32 = 2000;
pub const FLEXIBLE_310_BP: u32 = 800;

/// National minimum 基础养老金 for residents in 2025: 143 yuan/month [S] S30.
pub const RESIDENT_BASIC_MIN: Fen = 14_300;
/// Residents' pension yearly contribution grades (yuan) [R].
pub const RESIDENT_PENSION_GRADES: [Fen; 6] = [20_000, 30_000, 50_000, 100_000, 200_000, 300_000];
/// Residents' medical premium per year [R] (2025: 400 yuan) and government subsidy per head.
pub const RESIDENT_MEDICAL_PREMIUM: Fen = 40_000;
pub const RESIDENT_MEDICAL_SUBSIDY: Fen = 70_000;

/// Whether a resident is fully subsidised 特困 (pays a premium of 0), about 3 %: a property of
/// the person, the same in the base year and the following one.
pub fn subsidised(person: u64) -> bool {
    person % 33 == 7
}

/// Yearly interest rates on balances, bp: current deposits for the revenue and expenditure
/// accounts, a blended rate for the fiscal special account [R].
pub const CURRENT_RATE_BP: i64 = 35;
pub const FISCAL_RATE_BP: i64 = 150;

/// 310's individual account 个人账户 in the world (国办发〔2021〕14号): of a person's own
/// contribution (an employee's, a flexible worker's or a retiree paying on), the part up to 2 %
/// of the base, bp. The world's own constant — not the pipeline's `[sub_funds] account_rate`,
/// so a wrong rate in the ledger cannot pass a test by construction.
pub const ACCOUNT_SHARE_BP: u32 = 200;

/// The share of an average pension credited monthly from 统筹基金 to each retiree's account
/// 统筹基金划入退休人员个人账户, bp; the average pension taken as 45 % of the average wage.
pub const RETIREE_CREDIT_BP: u32 = 200;

/// A retiree's monthly account credit in a region, whole yuan (fen).
pub fn retiree_credit(r: &Region) -> Fen {
    bp(r.avg_wage * 45 / 100, RETIREE_CREDIT_BP) / 100 * 100
}

/// 310's account part of a contribution row (the world's rule): a person's own contribution
/// up to `ACCOUNT_SHARE_BP` of the base; nothing of an employer's or another fund's payment.
pub fn account_share(payer: &str, base: Option<Fen>, individual: Fen) -> Fen {
    match base {
        Some(b) if b > 0 && matches!(payer, "employee" | "flexible") => {
            individual.clamp(0, bp(b, ACCOUNT_SHARE_BP))
        }
        _ => 0,
    }
}

/// The opening split of the funds kept in parts 分账核算, per cent of the fund's opening
/// balance: 310's individual accounts hold about 40 %, 410's reserve 储备金 about 10 %.
pub const ACCOUNT_OPENING_PCT: i64 = 40;
pub const RESERVE_OPENING_PCT: i64 = 10;

/// 410's reserve: set aside at each quarter's last day, this share (per cent) of the quarter's
/// contribution revenue (local rules say 10–15 %); once a year, on 20 August, a fifth of the
/// reserve is released back to the pool (a large accident's claims).
pub const RESERVE_SHARE_PCT: i64 = 11;
/// The share of the fund that under-reserves where `--faults` plants `reserve_outside_policy`.
pub const RESERVE_SHARE_LOW_PCT: i64 = 5;

/// The following year of `next_year.csv`: wage growth and the pension adjustment, bp — the
/// pipeline defaults of SPEC §3, so a backtest with default assumptions measures the model.
pub const NEXT_WAGE_GROWTH_BP: i64 = 500;
pub const NEXT_PENSION_ADJUSTMENT_BP: i64 = 200;

/// Local minimum years of employee medical insurance in the generated cities (men 25, women
/// 20 years, as months): a retiree short of them keeps paying 310 fees month by month until
/// they are met; one who has them pays none. A local rule [R], the same in every city here.
pub const MEDICAL_MIN_MONTHS: [i32; 2] = [300, 240];

/// The world's own month-by-month search (it shares no code with the budget's projector):
/// the first month from `from` up to `last` at which a person holding `months` at the start
/// of month `first`, one more for every month paid since, holds at least `need(year)`.
pub fn first_month_holding(
    held: (i32, i32),
    span: (i32, i32),
    need: impl Fn(i32) -> i32,
) -> Option<i32> {
    // `held`: (months, at the start of this month); `span`: (from, last) months searched.
    let ((months, first), (from, last)) = (held, span);
    let mut t = from.max(first);
    while t <= last {
        let held = months + crate::model::date::months_between(first, t);
        if held >= need(t / 100) {
            return Some(t);
        }
        t = crate::model::date::add_months(t, 1);
    }
    None
}

/// An employee's monthly fee to a scheme on `base`: the employer's and his own share.
pub fn month_fee(scheme: &str, base: Fen, maternity_separate: bool) -> Fen {
    let r = rates(scheme, maternity_separate);
    bp(base, r.employer) + bp(base, r.individual)
}

/// `amount × bp / 10000`, half away from zero (四舍五入), in fen.
pub fn bp(amount: Fen, bp: u32) -> Fen {
    let p = amount as i128 * bp as i128;
    let q = (p.abs() + 5_000) / 10_000;
    (if p < 0 { -q } else { q }) as Fen
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked cases of the retirement rule (the law's minimum months, DOMAIN §10.2): the
    /// same cases the budget's projector is tested on, reached by the world's own search.
    #[test]
    fn first_month_holding_the_minimum() {
        let min = crate::model::retirement::min_contribution_months;
        assert_eq!(
            first_month_holding((300, 202601), (202605, 203012), min),
            Some(202605)
        );
        assert_eq!(
            first_month_holding((170, 202601), (202605, 203012), min),
            Some(202611)
        );
        assert_eq!(
            first_month_holding((178, 202601), (202601, 203012), min),
            Some(202603)
        );
        assert_eq!(
            first_month_holding((132, 202601), (202601, 203512), min),
            Some(203007)
        );
        assert_eq!(
            first_month_holding((10, 202601), (202601, 202712), min),
            None
        );
        let med = |_| MEDICAL_MIN_MONTHS[0];
        assert_eq!(
            first_month_holding((290, 202601), (202605, 202612), med),
            Some(202611)
        );
    }

    /// The world's account share: a person's own fee up to 2 % of the base (the employee's
    /// 2 % in full; a flexible worker's 8 % in part); nothing of an employer's or a fund's.
    #[test]
    fn account_share_and_retiree_credit() {
        assert_eq!(account_share("employee", Some(800_000), 16_000), 16_000);
        assert_eq!(account_share("flexible", Some(800_000), 64_000), 16_000);
        assert_eq!(account_share("employee", Some(333_333), 99_999), 6_667);
        assert_eq!(account_share("fund", Some(800_000), 16_000), 0);
        assert_eq!(account_share("employee", None, 16_000), 0);
        // 广州: 2 % of 45 % of 11,500 yuan = 103.50, in whole yuan
        assert_eq!(retiree_credit(&REGIONS[0]), 10_300);
    }

    #[test]
    fn bp_rounds_half_away_from_zero() {
        assert_eq!(bp(1_000_000, 1600), 160_000);
        assert_eq!(bp(5, 10_000 / 2), 3); // 2.5 fen → 3
        assert_eq!(bp(-5, 5_000), -3);
        assert_eq!(REGIONS.iter().map(|r| r.share).sum::<u32>(), 1000);
    }
}
