//! The budget beside the outturn 预算执行 and next year's draft 下年预算, per fund, taken from
//! what the budget stage computed (`budget::Budget`: the approved `budget` lines of the year
//! and the draft of year + 1). Aggregates only.
//!
//! Approved totals: revenue = Σ approved revenue items; expenditure = Σ approved expenditure
//! items, 社会保险待遇支出 counted once — its own `benefits` line when the budget has one, else
//! the sum of its `benefits.<key>` details; surplus = revenue − expenditure. A fund without
//! approved lines has no approved budget (not a budget of 0). Execution 执行率 = actual ÷
//! approved × 100, 2 decimals, rounded half away from zero; none when the approved figure is 0.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::budget::Budget;
use crate::model::catalog::{item, Direction};
use crate::model::FundId;

/// This year's approved totals (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approved {
    pub revenue: i128,
    pub expenditure: i128,
}

impl Approved {
    pub fn surplus(&self) -> i128 {
        self.revenue - self.expenditure
    }
}

/// Next year's drafted totals (fen), central assumptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draft {
    pub year: i32,
    pub revenue: i128,
    pub expenditure: i128,
    pub closing_balance: i128,
}

impl Draft {
    pub fn surplus(&self) -> i128 {
        self.revenue - self.expenditure
    }
}

/// What the run knows of a fund's budgets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plans {
    pub approved: Option<Approved>,
    pub draft: Option<Draft>,
}

/// Per fund, from the budget stage's result.
pub fn plans(b: &Budget) -> BTreeMap<FundId, Plans> {
    let mut out: BTreeMap<FundId, Plans> = BTreeMap::new();
    // (revenue, expenditure without benefits, benefits line, Σ benefit details)
    let mut sums: BTreeMap<&FundId, (i128, i128, Option<i128>, i128)> = BTreeMap::new();
    for ((fund, key), &amount) in &b.approved {
        let s = sums.entry(fund).or_default();
        if key.starts_with("benefits.") {
            s.3 += amount;
        } else if key == "benefits" {
            s.2 = Some(s.2.unwrap_or(0) + amount);
        } else {
            match item(key).map(|i| i.direction) {
                Some(Direction::Revenue) => s.0 += amount,
                Some(Direction::Expenditure) => s.1 += amount,
                None => {} // not a budget item: refused by ingestion
            }
        }
    }
    for (fund, (rev, exp, benefits, details)) in sums {
        out.entry(fund.clone()).or_default().approved = Some(Approved {
            revenue: rev,
            expenditure: exp + benefits.unwrap_or(details),
        });
    }
    for f in &b.funds {
        out.entry(f.fund.clone()).or_default().draft = Some(Draft {
            year: f.draft.year,
            revenue: f.draft.total_revenue,
            expenditure: f.draft.total_expenditure,
            closing_balance: f.draft.closing(),
        });
    }
    out
}

/// actual ÷ approved × 100, 2 decimals, half away from zero; none when approved is 0.
pub fn execution_pct(actual: i128, approved: i128) -> Option<Decimal> {
    if approved == 0 {
        return None;
    }
    let q = Decimal::from_i128_with_scale(actual, 0) * Decimal::ONE_HUNDRED
        / Decimal::from_i128_with_scale(approved, 0);
    Some(q.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// A figure of a public table: exact fen, and hundredths of 万元 as shown (footed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub fen: i128,
    pub shown: i128,
}

/// Approved columns: (measure, which figure), in table order.
pub const APPROVED_COLUMNS: [&str; 6] = [
    "budget.revenue",
    "revenue",
    "budget.expenditure",
    "expenditure",
    "budget.surplus",
    "surplus",
];
pub const DRAFT_COLUMNS: [&str; 4] = [
    "next_year_budget.revenue",
    "next_year_budget.expenditure",
    "next_year_budget.surplus",
    "next_year_budget.closing_balance",
];

/// One fund's row of the budget table.
pub struct BudgetRow<'a> {
    pub region: &'a str,
    /// budget and actual of revenue, expenditure and surplus (`APPROVED_COLUMNS`)
    pub approved: Option<[Cell; 6]>,
    /// execution % of revenue, expenditure and surplus
    pub pct: [Option<Decimal>; 3],
    pub draft: Option<[Cell; 4]>,
}

/// A scheme's budget table 预算执行与下年预算: the funds with an approved or drafted budget;
/// each column footed by `present::foot` over the rows that have it.
pub struct BudgetTable<'a> {
    pub rows: Vec<BudgetRow<'a>>,
    pub has_approved: bool,
    pub has_draft: bool,
    pub next_year: Option<i32>,
    /// shown totals of `APPROVED_COLUMNS` and the execution % of the exact totals
    pub approved_totals: ([i128; 6], [Option<Decimal>; 3]),
    pub draft_totals: [i128; 4],
}

pub fn budget_table<'a>(
    funds: &[&'a super::Measures],
    plans: &BTreeMap<FundId, Plans>,
) -> Option<BudgetTable<'a>> {
    let with: Vec<(&super::Measures, Plans)> = funds
        .iter()
        .filter_map(|m| {
            let p = plans.get(&(m.region.clone(), m.scheme.clone()))?;
            (p.approved.is_some() || p.draft.is_some()).then_some((*m, *p))
        })
        .collect();
    if with.is_empty() {
        return None;
    }
    let approved: Vec<Option<[i128; 6]>> = with
        .iter()
        .map(|(m, p)| {
            p.approved.map(|a| {
                [
                    a.revenue,
                    m.revenue,
                    a.expenditure,
                    m.expenditure,
                    a.surplus(),
                    m.surplus(),
                ]
            })
        })
        .collect();
    let draft: Vec<Option<[i128; 4]>> = with
        .iter()
        .map(|(_, p)| {
            p.draft
                .map(|d| [d.revenue, d.expenditure, d.surplus(), d.closing_balance])
        })
        .collect();
    // column k footed over the rows that have the group
    fn footed<const N: usize>(
        v: &[Option<[i128; N]>],
    ) -> (Vec<Option<[Cell; N]>>, [i128; N], [i128; N]) {
        let mut out: Vec<Option<[Cell; N]>> = v
            .iter()
            .map(|x| x.map(|a| a.map(|fen| Cell { fen, shown: 0 })))
            .collect();
        let (mut shown_totals, mut exact) = ([0i128; N], [0i128; N]);
        for k in 0..N {
            let present: Vec<i128> = v.iter().flatten().map(|a| a[k]).collect();
            let (r, t) = super::present::foot(&present);
            shown_totals[k] = t;
            exact[k] = present.iter().sum();
            let mut it = r.into_iter();
            for c in out.iter_mut().flatten() {
                c[k].shown = it.next().expect("one rounded figure per row");
            }
        }
        (out, shown_totals, exact)
    }
    let (a_cells, a_shown, a_exact) = footed(&approved);
    let (d_cells, d_shown, _) = footed(&draft);
    let pct3 = |x: &[i128; 6]| {
        [
            execution_pct(x[1], x[0]),
            execution_pct(x[3], x[2]),
            execution_pct(x[5], x[4]),
        ]
    };
    let rows = with
        .iter()
        .zip(a_cells.into_iter().zip(d_cells))
        .zip(&approved)
        .map(|(((m, _), (a, d)), raw)| BudgetRow {
            region: m.region.as_str(),
            approved: a,
            pct: raw.as_ref().map(pct3).unwrap_or([None; 3]),
            draft: d,
        })
        .collect();
    Some(BudgetTable {
        rows,
        has_approved: approved.iter().any(Option::is_some),
        has_draft: draft.iter().any(Option::is_some),
        next_year: with.iter().find_map(|(_, p)| p.draft.map(|d| d.year)),
        approved_totals: (a_shown, pct3(&a_exact)),
        draft_totals: d_shown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_rounds_half_away_from_zero() {
        assert_eq!(execution_pct(1, 8), Some(Decimal::new(1250, 2))); // 12.5 exactly
        assert_eq!(execution_pct(1, 800), Some(Decimal::new(13, 2))); // 0.125 → 0.13
        assert_eq!(execution_pct(-1, 800), Some(Decimal::new(-13, 2)));
        assert_eq!(execution_pct(2, 3), Some(Decimal::new(6667, 2)));
        assert_eq!(execution_pct(5, 0), None);
        assert_eq!(
            execution_pct(102_77, 100_00).map(|d| d.to_string()),
            Some("102.77".into())
        );
    }

    #[test]
    fn approved_totals_count_benefits_once() {
        let fund: FundId = ("440100".into(), "110".into());
        let mut approved = BTreeMap::new();
        for (k, v) in [
            ("contribution", 1_000),
            ("interest", 10),
            ("benefits.basic_pension", 700),
            ("benefits.funeral_survivor", 50),
            ("other_expense", 5),
        ] {
            approved.insert((fund.clone(), k.to_string()), v);
        }
        let b = Budget {
            year: 2025,
            funds: vec![],
            excluded: BTreeMap::new(),
            members: 0,
            mortality: String::new(),
            approved: approved.clone(),
            person_rows: 0,
            accounted: true,
        };
        let a = plans(&b)[&fund].approved.unwrap();
        assert_eq!((a.revenue, a.expenditure, a.surplus()), (1_010, 755, 255));
        // with its own `benefits` line, the details are not added again
        approved.insert((fund.clone(), "benefits".into()), 800);
        let b = Budget { approved, ..b };
        assert_eq!(plans(&b)[&fund].approved.unwrap().expenditure, 805);
        assert!(plans(&b)[&fund].draft.is_none());
    }
}
