//! Public disclosure 信息公开 (社会保险法 art. 70; 经办条例 art. 50; SPEC §5 `disclose/`):
//! participation and the funds' revenue, expenditure, balance and returns, per region and
//! scheme, and consolidated across levels with inter-level flows eliminated.
//!
//! This module receives aggregates only — fund statements and head counts — so no type in it
//! can hold a person id. Counts below the suppression threshold are withheld and marked.

pub mod consolidate;
pub mod html;
pub mod present;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::census::{Census, Counts};
use crate::config::Pipeline;
use crate::ledger::statements::FundStatement;
use crate::model::money::yuan;
use crate::model::FundId;
use crate::model::Scheme;

pub use crate::config::DEFAULT_MIN_PERSONS;

/// A head count as published: the number, or withheld because it is too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Count {
    Shown(u64),
    Suppressed(&'static str),
}

impl Count {
    pub fn of(n: u64, min: u64) -> Count {
        if n > 0 && n < min {
            Count::Suppressed("suppressed")
        } else {
            Count::Shown(n)
        }
    }
    pub fn text(self) -> String {
        match self {
            Count::Shown(n) => n.to_string(),
            Count::Suppressed(_) => "suppressed".into(),
        }
    }
}

/// The published measures of one fund. Amounts are fen.
#[derive(Debug, Clone)]
pub struct Measures {
    pub region: String,
    pub scheme: String,
    pub participants: Count,
    pub contributors: Count,
    pub recipients: Count,
    pub revenue: i128,
    pub expenditure: i128,
    pub opening_balance: i128,
    pub closing_balance: i128,
    pub returns: i128,
    /// returns ÷ mean of opening and closing balance, 4 decimals, half away from zero.
    pub return_rate: Option<Decimal>,
    /// closing ÷ (expenditure ÷ 12), 2 decimals, half away from zero.
    pub months_payable: Option<Decimal>,
    pub revenue_items: Vec<(String, i128)>,
    pub expenditure_items: Vec<(String, i128)>,
}

impl Measures {
    pub fn surplus(&self) -> i128 {
        self.revenue - self.expenditure
    }
}

pub use crate::model::money::{months_payable, return_rate};

/// The public figures of a run: measures per fund, the inter-level pairs and the
/// consolidated rows.
pub struct Publication {
    pub measures: Vec<Measures>,
    pub eliminations: Vec<consolidate::Elimination>,
    pub rows: Vec<consolidate::Row>,
}

/// Assembles the disclosure from the fund statements, the head counts and the inter-level
/// flows: measures with small counts withheld, and the roll-up by level with eliminations.
pub fn publish(
    p: &Pipeline,
    census: Census,
    levels: consolidate::InterLevels,
    statements: &[FundStatement],
) -> Publication {
    let counts = census.finish();
    let measures = all_measures(statements, &counts, p.disclose.min_persons);
    let books = statements.iter().map(|st| st.fund.clone()).collect();
    let eliminations = consolidate::pair(
        &levels.flows,
        &consolidate::Context {
            books: &books,
            window_days: p.consolidate.window_days,
            year: p.year,
        },
    );
    let figures = statements
        .iter()
        .map(|st| {
            let items = st
                .revenue
                .iter()
                .chain(&st.expenditure)
                .filter(|l| !l.key.starts_with("benefits."))
                .map(|l| (l.key.clone(), l.amount))
                .collect();
            let f = consolidate::FundFigures {
                revenue: st.total_revenue,
                expenditure: st.total_expenditure,
                closing_balance: st.closing_balance(),
                items,
                counts: counts.get(&st.fund).copied().unwrap_or_default(),
            };
            (st.fund.clone(), f)
        })
        .collect();
    let rows = consolidate::consolidate(&figures, &eliminations);
    Publication {
        measures,
        eliminations,
        rows,
    }
}

pub fn measures(st: &FundStatement, counts: Counts, min_persons: u64) -> Measures {
    let returns = st.amount("interest") + st.amount("investment_income");
    Measures {
        region: st.fund.0.clone(),
        scheme: st.fund.1.clone(),
        participants: Count::of(counts.participants, min_persons),
        contributors: Count::of(counts.contributors, min_persons),
        recipients: Count::of(counts.recipients, min_persons),
        revenue: st.total_revenue,
        expenditure: st.total_expenditure,
        opening_balance: st.opening_balance,
        closing_balance: st.closing_balance(),
        returns,
        return_rate: return_rate(returns, st.opening_balance, st.closing_balance()),
        months_payable: months_payable(st.closing_balance(), st.total_expenditure),
        revenue_items: st
            .revenue
            .iter()
            .map(|l| (l.key.clone(), l.amount))
            .collect(),
        expenditure_items: st
            .expenditure
            .iter()
            .filter(|l| !l.key.starts_with("benefits."))
            .map(|l| (l.key.clone(), l.amount))
            .collect(),
    }
}

pub fn all_measures(
    statements: &[FundStatement],
    counts: &BTreeMap<FundId, Counts>,
    min_persons: u64,
) -> Vec<Measures> {
    statements
        .iter()
        .map(|st| {
            measures(
                st,
                counts.get(&st.fund).copied().unwrap_or_default(),
                min_persons,
            )
        })
        .collect()
}

fn dec(d: Option<Decimal>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// `disclosure.csv`: one row per region, scheme and measure (amounts in yuan, 2 decimals).
pub fn disclosure_csv(m: &[Measures]) -> Vec<u8> {
    let mut csv = crate::csv::Csv::new(&["region", "scheme", "measure", "value"]);
    for x in m {
        let mut row = |k: &str, v: String| csv.row([x.region.as_str(), &x.scheme, k, &v]);
        row("participants", x.participants.text());
        row("contributors", x.contributors.text());
        row("recipients", x.recipients.text());
        row("revenue", yuan(x.revenue));
        row("expenditure", yuan(x.expenditure));
        row("surplus", yuan(x.surplus()));
        row("closing_balance", yuan(x.closing_balance));
        row("returns", yuan(x.returns));
        row("return_rate", dec(x.return_rate));
        row("months_payable", dec(x.months_payable));
        for (k, v) in &x.revenue_items {
            row(&format!("revenue.{k}"), yuan(*v));
        }
        for (k, v) in &x.expenditure_items {
            row(&format!("expenditure.{k}"), yuan(*v));
        }
    }
    csv.into_bytes()
}

/// `disclosure.json`: the same measures, grouped per fund, with units stated.
pub fn disclosure_json(year: i32, min_persons: u64, m: &[Measures]) -> serde_json::Value {
    let funds: Vec<serde_json::Value> = m
        .iter()
        .map(|x| {
            let items = |v: &[(String, i128)]| v.iter().map(|(k, a)| (k.clone(), serde_json::Value::String(yuan(*a)))).collect::<serde_json::Map<_, _>>();
            serde_json::json!({
                "region": x.region,
                "scheme": x.scheme,
                "scheme_name": Scheme::from_code(&x.scheme).map(|s| s.name_zh()).unwrap_or_default(),
                "participants": x.participants,
                "contributors": x.contributors,
                "recipients": x.recipients,
                "revenue": yuan(x.revenue),
                "expenditure": yuan(x.expenditure),
                "surplus": yuan(x.surplus()),
                "closing_balance": yuan(x.closing_balance),
                "returns": yuan(x.returns),
                "return_rate": dec(x.return_rate),
                "months_payable": dec(x.months_payable),
                "revenue_items": items(&x.revenue_items),
                "expenditure_items": items(&x.expenditure_items),
            })
        })
        .collect();
    serde_json::json!({
        "year": year,
        "currency": "CNY",
        "unit": "yuan, 2 decimals; counts in persons",
        "suppression": if min_persons > 1 { format!("head counts from 1 to {} are withheld and shown as \"suppressed\"", min_persons - 1) } else { "none".to_string() },
        "definitions": "docs/outputs.md: participants = persons not deceased or transferred out; contributors = distinct persons with a normal contribution in the year; recipients = distinct persons paid a recurring benefit for December (not returned); returns = interest + investment income; return_rate = returns / mean(opening, closing balance); months_payable = closing balance / (expenditure / 12)",
        "funds": funds,
    })
}

/// `datapackage.json`: a Fiscal Data Package descriptor of `disclosure.csv`.
pub fn datapackage(year: i32) -> serde_json::Value {
    serde_json::json!({
        "profile": "fiscal-data-package",
        "name": format!("social-insurance-funds-{year}"),
        "title": format!("社会保险基金收支情况 {year}"),
        "countryCode": "CN",
        "fiscalPeriod": {"start": format!("{year}-01-01"), "end": format!("{year}-12-31")},
        "resources": [{
            "name": "disclosure",
            "path": "disclosure.csv",
            "format": "csv",
            "encoding": "utf-8",
            "schema": {"fields": [
                {"name": "region", "type": "string", "title": "统筹地区 (GB/T 2260)"},
                {"name": "scheme", "type": "string", "title": "险种 (AAE140)"},
                {"name": "measure", "type": "string", "title": "measure: revenue.<item> / expenditure.<item> / totals / counts"},
                {"name": "value", "type": "string", "title": "yuan with 2 decimals for amounts, persons for counts, ratios with 4 (return_rate) or 2 (months_payable) decimals"}
            ]}
        }],
        "model": {
            "measures": {"value": {"source": "value", "currency": "CNY"}},
            "dimensions": {
                "administrative-classification": {"attributes": {"region": {"source": "region"}}, "dimensionType": "administrative-classification"},
                "functional-classification": {"attributes": {"scheme": {"source": "scheme"}}, "dimensionType": "functional-classification"},
                "economic-classification": {"attributes": {"measure": {"source": "measure"}}, "dimensionType": "classification",
                    "classificationType": "items of docs/accounting.md: revenue.* are direction revenue, expenditure.* direction expenditure"}
            }
        },
        "direction": ["revenue", "expenditure"],
        "phase": "executed"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_half_away_from_zero() {
        // 150 of returns on a mean balance of 10,000: 1.5 %
        assert_eq!(return_rate(150, 9_000, 11_000), Some(Decimal::new(150, 4)));
        // 1/3 → 0.3333; 2/3 → 0.6667
        assert_eq!(return_rate(1, 3, 3), Some(Decimal::new(3333, 4)));
        assert_eq!(return_rate(2, 3, 3), Some(Decimal::new(6667, 4)));
        // 18 months of payments: closing 1,500, expenditure 1,000 a year
        assert_eq!(months_payable(1_500, 1_000), Some(Decimal::new(1800, 2)));
        assert_eq!(months_payable(5, 0), None);
        // 0.125 → 0.13 (banker's rounding would give 0.12)
        assert_eq!(months_payable(125, 12_000), Some(Decimal::new(13, 2)));
    }

    #[test]
    fn small_counts_are_withheld() {
        assert_eq!(Count::of(9, 10), Count::Suppressed("suppressed"));
        assert_eq!(Count::of(10, 10), Count::Shown(10));
        assert_eq!(Count::of(0, 10), Count::Shown(0));
    }
}
