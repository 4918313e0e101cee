//! Items of the draft 预算草案 per fund and year: each revenue and expenditure item of SPEC §4
//! from the projected exposures and the base-year facts, by one documented rule per item, with
//! the computation kept as text for `sifund budget --explain`.
//!
//! Rules (D = this module's decision, [R] = practice, unconfirmed):
//! - `contribution` = Σ base × P(fee) × effective rate × (1+g)^t × 征缴率 + entrants + flat
//!   premiums of residents × payers + other fee lines (back pay, refunds, premiums paid by
//!   210 for its recipients) grown with wages (DOMAIN §6.2 formula, per person instead of per
//!   category).
//! - `benefits.basic_pension` = pensions in payment × (1+a)^t + new retirees' pensions:
//!   months at retirement × the base year's first pension per contribution month, grown with
//!   wages to the retirement year, then adjusted (DOMAIN §6.2, §10.6).
//! - residents' pensions (170): pensions in payment held (the national minimum is raised by
//!   separate decision [R]) + new pensioners × the base year's average first pension; split
//!   into 基础养老金 and 个人账户养老金 by the base year's shares.
//! - funeral and death items: projected deaths × the base year's amount per death × (1+g)^t.
//! - other recurring benefits (失业保险金, 病残津贴, 伤残待遇) and 210's medical premiums:
//!   average monthly recipients × average benefit × 12, indexed to wages [R].
//! - medical, maternity, injury, training items: base year × (projected members ÷ members)
//!   × (1+g)^t [R].
//! - `interest` = interest_rate × the average of the opening and closing balance, solved
//!   exactly for the closing balance it is part of.
//! - every other item (subsidies, transfers, remittances, investment income, other income
//!   and expense, the four own items of 210/410): held at the base year — they are set by
//!   policy decisions, not by the population (D).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::facts::Facts;
use super::project::{Measure, Shape};
use crate::ledger::statements::FundStatement;
use crate::model::catalog::{Direction, BENEFITS, ITEMS};
use crate::model::money::yuan;

/// Assumptions of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub name: String,
    pub wage_growth: Decimal,
    pub pension_adjustment: Decimal,
    pub interest_rate: Decimal,
    pub collection_rate: Decimal,
}

/// One line of a draft year: amount in fen, the rule's drivers and how it was computed.
#[derive(Debug, Clone)]
pub struct Line {
    pub key: String,
    pub name: String,
    pub direction: Direction,
    pub base: i128,
    pub amount: i128,
    pub drivers: Vec<&'static str>,
    pub how: String,
}

/// A fund's figures for one projection year.
#[derive(Debug, Clone)]
pub struct Year {
    pub year: i32,
    /// Items, benefit details (`benefits.<key>`) after `benefits`.
    pub lines: Vec<Line>,
    pub total_revenue: i128,
    pub total_expenditure: i128,
    pub opening: i128,
}

impl Year {
    pub fn surplus(&self) -> i128 {
        self.total_revenue - self.total_expenditure
    }
    pub fn closing(&self) -> i128 {
        self.opening + self.surplus()
    }
    pub fn amount(&self, key: &str) -> i128 {
        self.lines
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.amount)
            .unwrap_or(0)
    }
}

fn dec(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, 0)
}

/// Exposure (scaled 10⁻¹²) as an exact decimal.
fn expo(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, 12)
}

pub(crate) fn to_fen(d: Decimal) -> i128 {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i128()
        .expect("amounts fit i128")
}

fn pow(x: Decimal, n: u32) -> Decimal {
    (0..n).fold(Decimal::ONE, |acc, _| acc * x)
}

/// `a ÷ b`, or 0 when b is 0.
fn per(a: i128, b: i128) -> Decimal {
    if b == 0 {
        Decimal::ZERO
    } else {
        dec(a) / dec(b)
    }
}

fn y(d: Decimal) -> String {
    yuan(to_fen(d))
}

fn r4(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Inputs for one fund.
pub struct FundInput<'a> {
    pub index: usize,
    pub scheme: &'a str,
    pub statement: &'a FundStatement,
    pub facts: &'a Facts,
    pub exposures: &'a [i128],
    pub shape: Shape,
}

impl FundInput<'_> {
    fn x(&self, j: usize, m: Measure) -> Decimal {
        expo(self.exposures[self.shape.at(self.index, j, m)])
    }
    /// Effective contribution rate of fees on a base.
    pub fn rate(&self) -> Decimal {
        per(self.facts.fees_on_base, self.facts.bases)
    }
    /// First pension per contribution month of the base year's new retirees (or of all
    /// pensioners when nobody retired).
    pub fn pension_per_month(&self) -> Decimal {
        let f = self.facts;
        if f.new_months > 0 {
            per(f.new_benefit, f.new_months)
        } else {
            per(f.receivers_benefit, f.receivers_months)
        }
    }
    /// Average first pension of the base year's new pensioners (residents).
    pub fn average_new_pension(&self) -> Decimal {
        let f = self.facts;
        if f.new_retirees > 0 {
            per(f.new_benefit, f.new_retirees as i128)
        } else {
            per(f.receivers_benefit, f.receivers as i128)
        }
    }
    pub fn suspension_ppm(facts: &Facts) -> i64 {
        let at_risk = facts.newly_suspended + facts.dec_contributors;
        if at_risk == 0 {
            0
        } else {
            (facts.newly_suspended as i128 * 1_000_000 / at_risk as i128) as i64
        }
    }
}

/// Items whose rule is "deaths × amount per death".
const DEATH_ITEMS: [&str; 3] = ["funeral_survivor", "funeral_grant", "death_benefit"];
/// Recurring benefits and 210's premiums for its recipients: recipients × average × 12.
const RECIPIENT_ITEMS: [&str; 4] = [
    "unemployment_benefit",
    "medical_premium",
    "disability_allowance",
    "disability_benefit",
];

/// Projected members at the end of year `j` ÷ the base year's members (1 without members).
pub fn members_ratio(input: &FundInput, j: usize) -> Decimal {
    if input.facts.members == 0 {
        Decimal::ONE
    } else {
        input.x(j, Measure::AliveEnd) / dec(input.facts.members as i128)
    }
}

/// Computes one year `j` (0-based) of a fund under `params`, from the opening balance.
pub fn year(input: &FundInput, params: &Params, j: usize, base_year: i32, opening: i128) -> Year {
    let st = input.statement;
    let t = j as u32 + 1;
    let one = Decimal::ONE;
    let gt = pow(one + params.wage_growth, t);
    let mut lines: Vec<Line> = Vec::new();
    let benefit_keys: Vec<&'static str> = BENEFITS
        .iter()
        .filter(|b| !b.own_item && b.schemes.contains(&input.scheme))
        .map(|b| b.key)
        .collect();
    let members_ratio = members_ratio(input, j);
    // Residents' pensions: one projected total, split by the base year's shares.
    let mut resident_split: BTreeMap<&str, (i128, String)> = BTreeMap::new();
    if input.scheme == "170" {
        let old = input.x(j, Measure::PensionInPayment);
        let mut new_heads = Decimal::ZERO;
        for k in 0..=j {
            new_heads += expo(input.exposures[input.shape.new_pension(input.index, j, k)]);
        }
        let avg = input.average_new_pension();
        let total = to_fen(old + new_heads * avg);
        let basic = st.amount("benefits.resident_basic_pension");
        let account = st.amount("benefits.resident_account_pension");
        let basic_part = if basic + account == 0 {
            total
        } else {
            to_fen(dec(total) * dec(basic) / dec(basic + account))
        };
        let how = format!(
            "pensions in payment {} (held) + new pensioners {} pension-months × average first pension {} = {}; split by the base year's shares 基础 {} : 个人账户 {}",
            y(old), r4(new_heads), y(avg), yuan(total), yuan(basic), yuan(account)
        );
        resident_split.insert("resident_basic_pension", (basic_part, how.clone()));
        resident_split.insert("resident_account_pension", (total - basic_part, how));
    }
    let mut push = |key: String,
                    name: &str,
                    dir: Direction,
                    amount: i128,
                    drivers: Vec<&'static str>,
                    how: String| {
        let base = st.amount(&key);
        lines.push(Line {
            key,
            name: name.to_string(),
            direction: dir,
            base,
            amount,
            drivers,
            how,
        });
    };
    for item in ITEMS.iter() {
        let key = item.key;
        let base = st.amount(key);
        if key == "interest" {
            push(
                key.into(),
                item.name_zh,
                item.direction,
                0,
                vec!["interest_rate"],
                String::new(),
            );
            continue;
        }
        if key == "benefits" {
            push(
                key.into(),
                item.name_zh,
                item.direction,
                0,
                vec![],
                "sum of the benefit items".into(),
            );
            for b in &benefit_keys {
                let bkey = format!("benefits.{b}");
                let bbase = st.amount(&bkey);
                let (amount, drivers, how) =
                    benefit_line(input, params, j, b, bbase, members_ratio, &resident_split);
                let name = BENEFITS
                    .iter()
                    .find(|x| x.key == *b)
                    .map(|x| x.name_zh)
                    .unwrap_or(b);
                push(bkey, name, Direction::Expenditure, amount, drivers, how);
            }
            continue;
        }
        let (amount, drivers, how) = if key == "contribution" {
            contribution(input, params, j, gt, base)
        } else {
            (
                base,
                vec!["held_items"],
                format!(
                    "held at the base year's {} (set by policy decisions, not by the population)",
                    yuan(base)
                ),
            )
        };
        push(
            key.into(),
            item.name_zh,
            item.direction,
            amount,
            drivers,
            how,
        );
    }
    // Benefits total, then interest solved on the average balance.
    let benefits: i128 = lines
        .iter()
        .filter(|l| l.key.starts_with("benefits."))
        .map(|l| l.amount)
        .sum();
    if let Some(l) = lines.iter_mut().find(|l| l.key == "benefits") {
        l.amount = benefits;
    }
    let rev_ex: i128 = lines
        .iter()
        .filter(|l| l.direction == Direction::Revenue && l.key != "interest")
        .map(|l| l.amount)
        .sum();
    let exp: i128 = lines
        .iter()
        .filter(|l| l.direction == Direction::Expenditure && !l.key.starts_with("benefits."))
        .map(|l| l.amount)
        .sum();
    let i = params.interest_rate;
    let before = opening + rev_ex - exp;
    // I = i × (opening + closing)/2 with closing = before + I  ⇒  I = i(opening + before)/(2 − i).
    let raw = i * dec(opening + before) / (Decimal::TWO - i);
    let interest = to_fen(raw).max(0);
    if let Some(l) = lines.iter_mut().find(|l| l.key == "interest") {
        l.amount = interest;
        l.how = format!(
            "interest_rate {} × (opening {} + closing {}) ÷ 2, solved for the closing balance it is part of: I = i·(opening + closing before interest {})/(2 − i) = {}{}",
            i, yuan(opening), yuan(before + interest), yuan(before), yuan(interest),
            if to_fen(raw) < 0 { " (a negative average balance earns nothing)" } else { "" }
        );
    }
    let total_revenue = rev_ex + interest;
    Year {
        year: base_year + t as i32,
        lines,
        total_revenue,
        total_expenditure: exp,
        opening,
    }
}

fn contribution(
    input: &FundInput,
    params: &Params,
    j: usize,
    gt: Decimal,
    base: i128,
) -> (i128, Vec<&'static str>, String) {
    let f = input.facts;
    let c = params.collection_rate;
    let rate = input.rate();
    let base_months = input.x(j, Measure::FeeBase);
    let persons = base_months * rate * gt * c;
    let entrant_months = Decimal::new(65, 1) + dec(12 * j as i128);
    let avg_entrant = per(f.entrant_base, f.entrants as i128);
    let entrants = dec(f.entrants as i128) * avg_entrant * entrant_months * rate * gt * c;
    let premium = per(f.flat_fees, f.flat_payers as i128);
    let payers = input.x(j, Measure::PremiumPayers);
    let flat = payers * premium * c;
    let other = base - f.fees_on_base - f.flat_fees;
    let other_grown = dec(other) * gt;
    let total = to_fen(persons + entrants + flat + other_grown);
    let how = format!(
        "Σ base × P(fee) {} yuan-months × effective rate {} (normal fees {} ÷ bases {}) × wage growth {} × collection_rate {} = {}; + entrants {} × average base {} × {} months × rate × growth × collection = {}; + flat premiums: payers {} × average premium {} × collection = {}; + other fee lines (back pay, refunds, premiums paid by funds) {} × wage growth = {}; total {}",
        y(base_months), r4(rate), yuan(f.fees_on_base), yuan(f.bases), r4(gt), c, y(persons),
        f.entrants, y(avg_entrant), entrant_months, y(entrants),
        r4(payers), y(premium), y(flat), yuan(other), y(other_grown), yuan(total)
    );
    (
        total,
        vec![
            "contributors",
            "average_base",
            "effective_rate",
            "suspension_rate",
            "entrants",
            "premium",
            "collection_rate",
            "wage_growth",
            "mortality",
        ],
        how,
    )
}

fn benefit_line(
    input: &FundInput,
    params: &Params,
    j: usize,
    b: &str,
    base: i128,
    members_ratio: Decimal,
    resident: &BTreeMap<&str, (i128, String)>,
) -> (i128, Vec<&'static str>, String) {
    let f = input.facts;
    let one = Decimal::ONE;
    let g = one + params.wage_growth;
    let a = one + params.pension_adjustment;
    let t = j as u32 + 1;
    let gt = pow(g, t);
    if let Some((amount, how)) = resident.get(b) {
        return (
            *amount,
            vec!["recipients", "average_benefit", "new_retirees", "mortality"],
            how.clone(),
        );
    }
    if b == "basic_pension" {
        let old = input.x(j, Measure::PensionInPayment) * pow(a, t);
        let per_month = input.pension_per_month();
        let mut new = Decimal::ZERO;
        let mut weights = Decimal::ZERO;
        for k in 0..=j {
            let w = expo(input.exposures[input.shape.new_pension(input.index, j, k)]);
            weights += w;
            new += w * per_month * pow(g, k as u32 + 1) * pow(a, (j - k) as u32);
        }
        let total = to_fen(old + new);
        let how = format!(
            "pensions in payment Σ December pension × P(alive) {} × (1 + pension_adjustment {})^{} = {}; + new retirees: Σ months at retirement × P(alive) {} × first pension per contribution month {} × wage growth to the retirement year × later adjustments = {}; total {}",
            y(input.x(j, Measure::PensionInPayment)), params.pension_adjustment, t, y(old),
            r4(weights), r4(per_month), y(new), yuan(total)
        );
        return (
            total,
            vec![
                "recipients",
                "average_benefit",
                "new_retirees",
                "pension_per_month",
                "mortality",
                "pension_adjustment",
                "wage_growth",
            ],
            how,
        );
    }
    if DEATH_ITEMS.contains(&b) && f.deaths > 0 {
        let deaths = input.x(j, Measure::Deaths);
        let per_death = per(base, f.deaths as i128);
        let total = to_fen(deaths * per_death * gt);
        let how = format!(
            "projected deaths {} × base-year amount per death {} (= {} ÷ {} deaths) × wage growth {} = {}",
            r4(deaths), y(per_death), yuan(base), f.deaths, r4(gt), yuan(total)
        );
        return (total, vec!["deaths", "mortality", "wage_growth"], how);
    }
    if RECIPIENT_ITEMS.contains(&b) {
        let total = to_fen(dec(base) * gt);
        let (n, _) = f.recurring.get(b).copied().unwrap_or_default();
        let how = format!(
            "average monthly recipients {} × average benefit {} × 12 = base year {}; × wage growth {} = {}",
            r4(dec(n as i128) / Decimal::from(12)), y(per(base, n as i128)), yuan(base), r4(gt), yuan(total)
        );
        return (
            total,
            vec!["recipients", "average_benefit", "wage_growth"],
            how,
        );
    }
    let total = to_fen(dec(base) * members_ratio * gt);
    let how = format!(
        "base year {} × projected members ÷ members {} × wage growth {} = {}",
        yuan(base),
        r4(members_ratio),
        r4(gt),
        yuan(total)
    );
    (total, vec!["participants", "wage_growth"], how)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::project::P1;
    use crate::ledger::statements::StatementLine;

    fn line(key: &str, amount: i128) -> StatementLine {
        StatementLine {
            key: key.into(),
            name_zh: String::new(),
            amount,
        }
    }

    /// A 210 fund worked by hand: fees of 1,000.00 on bases of 10,000.00 (rate 10 %), one
    /// contributor at 100.00 a month all next year, 200.00 of unemployment benefit, 2 % interest.
    #[test]
    fn a_fund_worked_by_hand() {
        let st = FundStatement {
            fund: ("440100".into(), "210".into()),
            revenue: vec![line("contribution", 100_000)],
            expenditure: vec![
                line("benefits", 20_000),
                line("benefits.unemployment_benefit", 20_000),
            ],
            total_revenue: 100_000,
            total_expenditure: 20_000,
            opening_balance: 0,
        };
        let facts = Facts {
            members: 1,
            fees_on_base: 100_000,
            bases: 1_000_000,
            ..Facts::default()
        };
        let shape = Shape { funds: 1, years: 1 };
        let mut exposures = vec![0i128; shape.len()];
        exposures[shape.at(0, 0, Measure::FeeBase)] = 12 * 10_000 * P1;
        exposures[shape.at(0, 0, Measure::AliveEnd)] = P1;
        let input = FundInput {
            index: 0,
            scheme: "210",
            statement: &st,
            facts: &facts,
            exposures: &exposures,
            shape,
        };
        let params = Params {
            name: "central".into(),
            wage_growth: Decimal::new(5, 2),
            pension_adjustment: Decimal::new(2, 2),
            interest_rate: Decimal::new(2, 2),
            collection_rate: Decimal::ONE,
        };
        let y = year(&input, &params, 0, 2025, st.closing_balance());
        assert_eq!(y.year, 2026);
        // 120,000 fen-months × 10 % × 1.05
        assert_eq!(y.amount("contribution"), 12_600);
        assert_eq!(y.amount("benefits.unemployment_benefit"), 21_000);
        assert_eq!(y.amount("benefits"), 21_000);
        // I = 0.02 × (80,000 + 71,600) ÷ 1.98 = 1,531.31… fen → 1,531; then the average of
        // opening and closing earns exactly that.
        assert_eq!(y.amount("interest"), 1_531);
        assert_eq!(y.closing(), 80_000 + 12_600 + 1_531 - 21_000);
        let avg = Decimal::from(y.opening + y.closing()) / Decimal::TWO * params.interest_rate;
        assert_eq!(to_fen(avg), 1_531);
        assert!(crate::budget::foots(&y));
        // Policy items are held; nothing is invented for items the fund never had.
        assert_eq!(y.amount("fiscal_subsidy"), 0);
    }
}
