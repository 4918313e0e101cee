//! Public disclosure 信息公开 (社会保险法 art. 70; 经办条例 art. 50; SPEC §5 `disclose/`):
//! participation and the funds' revenue, expenditure, balance and returns, per region and
//! scheme, and consolidated across levels with inter-level flows eliminated.
//!
//! This module receives aggregates only — fund statements and head counts — so no type in it
//! can hold a person id. Counts below the suppression threshold are withheld and marked.

pub mod consolidate;
pub mod html;
pub mod json;
pub mod plans;
pub mod present;
pub mod regions;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::census::{Census, Counts};
use crate::config::Pipeline;
use crate::ledger::statements::FundStatement;
use crate::model::money::yuan;
use crate::model::FundId;
use crate::model::Scheme;
use json::J;
use plans::Plans;

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
    /// The parts of a fund kept in parts 分账核算 (310 统筹基金 / 个人账户, 410 统筹基金 /
    /// 储备金); empty for a fund of one part.
    pub parts: Vec<PartFigures>,
}

/// A part of a fund as published: its own revenue, expenditure, what moved between it and
/// the fund's other parts (net in), and its closing balance. Amounts are fen; per fund the
/// parts add up to the fund's figures (and the transfers to zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartFigures {
    pub part: crate::model::catalog::SubFund,
    pub revenue: i128,
    pub expenditure: i128,
    pub transfers: i128,
    pub closing_balance: i128,
}

/// The published parts of a fund kept in parts, from the books; none when its opening split
/// was not given.
pub fn part_figures(books: &crate::ledger::Books, fund: &FundId) -> Vec<PartFigures> {
    // Without its opening split a fund's parts are not known (everything opened as pooled):
    // nothing is published for them (the manifest's `opening_all_pooled` lists the fund).
    let Some(fb) = books.funds.get(fund).filter(|fb| fb.part_opening_given) else {
        return Vec::new();
    };
    let parts = crate::ledger::statements::part_statements(fund, fb);
    if parts.len() < 2 {
        return Vec::new();
    }
    parts
        .iter()
        .map(|p| PartFigures {
            part: p.part,
            revenue: p.statement.total_revenue,
            expenditure: p.statement.total_expenditure,
            transfers: p.transfers,
            closing_balance: p.closing_balance(),
        })
        .collect()
}

/// A column of the parts tables (HTML, XLSX) and of the `sub_fund.<part>.*` measures.
pub type PartColumn = (&'static str, &'static str, fn(&PartFigures) -> i128);

/// The published figures of a part, in table order: (measure, 中文 heading, value).
pub const PART_COLUMNS: [PartColumn; 4] = [
    ("revenue", "收入", |p| p.revenue),
    ("expenditure", "支出", |p| p.expenditure),
    ("part_transfers", "分账间划转", |p| p.transfers),
    ("closing_balance", "年末滚存结余", |p| {
        p.closing_balance
    }),
];

/// The funds of a scheme kept in parts, and each part's columns rounded to 万元 over them,
/// footed by the largest-remainder rule: `footed[part][column]` = (shown per fund, shown
/// total). Empty when no fund publishes parts.
pub fn footed_parts<'m>(
    funds: &[&'m Measures],
) -> (Vec<&'m Measures>, Vec<Vec<(Vec<i128>, i128)>>) {
    let with: Vec<&Measures> = funds
        .iter()
        .copied()
        .filter(|m| !m.parts.is_empty())
        .collect();
    let n = with.first().map_or(0, |m| m.parts.len());
    let footed = (0..n)
        .map(|k| {
            PART_COLUMNS
                .iter()
                .map(|(_, _, f)| {
                    present::foot(&with.iter().map(|m| f(&m.parts[k])).collect::<Vec<_>>())
                })
                .collect()
        })
        .collect();
    (with, footed)
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

impl Publication {
    /// The region codes of the published files that the division table does not name.
    pub fn unnamed_regions(&self) -> Vec<String> {
        regions::unnamed(
            self.measures
                .iter()
                .map(|m| m.region.as_str())
                .chain(self.rows.iter().map(|r| r.region.as_str()))
                .chain(
                    self.eliminations
                        .iter()
                        .flat_map(|e| [e.upper.as_str(), e.lower.as_str()]),
                ),
        )
    }
}

/// Assembles the disclosure from the fund statements, the head counts and the inter-level
/// flows: measures with small counts withheld, and the roll-up by level with eliminations.
pub fn publish(
    p: &Pipeline,
    census: Census,
    levels: consolidate::InterLevels,
    statements: &[FundStatement],
    books: &crate::ledger::Books,
) -> Publication {
    let counts = census.finish();
    let mut measures = all_measures(statements, &counts, p.disclose.min_persons);
    for m in measures.iter_mut() {
        m.parts = part_figures(books, &(m.region.clone(), m.scheme.clone()));
    }
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
        parts: Vec::new(),
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

fn count_text(c: Count) -> String {
    c.text()
}

/// The rows of `disclosure.csv` for one fund: (measure, value, unit).
fn fund_rows(x: &Measures, plans: Option<&Plans>) -> Vec<(String, String, &'static str)> {
    let mut rows: Vec<(String, String, &'static str)> = vec![
        ("participants".into(), count_text(x.participants), "persons"),
        ("contributors".into(), count_text(x.contributors), "persons"),
        ("recipients".into(), count_text(x.recipients), "persons"),
        ("revenue".into(), yuan(x.revenue), "yuan"),
        ("expenditure".into(), yuan(x.expenditure), "yuan"),
        ("surplus".into(), yuan(x.surplus()), "yuan"),
        ("closing_balance".into(), yuan(x.closing_balance), "yuan"),
        ("returns".into(), yuan(x.returns), "yuan"),
        ("return_rate".into(), dec(x.return_rate), "ratio"),
        ("months_payable".into(), dec(x.months_payable), "months"),
    ];
    for (k, v) in &x.revenue_items {
        rows.push((format!("revenue.{k}"), yuan(*v), "yuan"));
    }
    for (k, v) in &x.expenditure_items {
        rows.push((format!("expenditure.{k}"), yuan(*v), "yuan"));
    }
    for p in &x.parts {
        for (m, _, v) in PART_COLUMNS {
            rows.push((format!("sub_fund.{}.{m}", p.part.key()), yuan(v(p)), "yuan"));
        }
    }
    if let Some(a) = plans.and_then(|p| p.approved) {
        for (k, budget, actual) in [
            ("revenue", a.revenue, x.revenue),
            ("expenditure", a.expenditure, x.expenditure),
            ("surplus", a.surplus(), x.surplus()),
        ] {
            rows.push((format!("budget.{k}"), yuan(budget), "yuan"));
            rows.push((
                format!("execution_pct.{k}"),
                dec(plans::execution_pct(actual, budget)),
                "percent",
            ));
        }
    }
    if let Some(d) = plans.and_then(|p| p.draft) {
        for (k, v) in [
            ("revenue", d.revenue),
            ("expenditure", d.expenditure),
            ("surplus", d.surplus()),
            ("closing_balance", d.closing_balance),
        ] {
            rows.push((format!("next_year_budget.{k}"), yuan(v), "yuan"));
        }
    }
    rows
}

/// `disclosure.csv`: one row per region, scheme and measure (amounts in yuan, 2 decimals;
/// `unit` says what `value` counts; withheld counts are `suppressed`, undefined ratios empty).
pub fn disclosure_csv(m: &[Measures], plans: &BTreeMap<FundId, Plans>) -> Vec<u8> {
    let mut csv = crate::csv::Csv::new(&[
        "region",
        "region_name",
        "scheme",
        "measure",
        "value",
        "unit",
    ]);
    for x in m {
        let name = regions::name(&x.region).unwrap_or("");
        let fund = (x.region.clone(), x.scheme.clone());
        for (k, v, unit) in fund_rows(x, plans.get(&fund)) {
            csv.row([x.region.as_str(), name, &x.scheme, &k, &v, unit]);
        }
    }
    csv.into_bytes()
}

/// The parts of a fund in `disclosure.json`: `null` for a fund of one part.
fn sub_funds_json(parts: &[PartFigures]) -> J {
    if parts.is_empty() {
        return J::Null;
    }
    J::Arr(
        parts
            .iter()
            .map(|p| {
                J::obj([
                    ("sub_fund", J::str(p.part.key())),
                    ("name", J::str(p.part.name_zh())),
                    ("revenue", J::money(p.revenue)),
                    ("expenditure", J::money(p.expenditure)),
                    ("part_transfers", J::money(p.transfers)),
                    ("closing_balance", J::money(p.closing_balance)),
                ])
            })
            .collect(),
    )
}

fn count_json(c: Count) -> J {
    match c {
        Count::Shown(n) => J::int(n),
        Count::Suppressed(_) => J::Null,
    }
}

/// `disclosure.json`: the same measures, grouped per fund, with units stated. Amounts are
/// numbers in yuan with 2 decimals; a withheld count, an undefined ratio and a missing name
/// are `null`.
pub fn disclosure_json(
    year: i32,
    min_persons: u64,
    m: &[Measures],
    plans: &BTreeMap<FundId, Plans>,
) -> String {
    let items = |v: &[(String, i128)]| J::obj(v.iter().map(|(k, a)| (k.clone(), J::money(*a))));
    let funds: Vec<J> = m
        .iter()
        .map(|x| {
            let p = plans.get(&(x.region.clone(), x.scheme.clone()));
            let approved = p.and_then(|p| p.approved).map_or(J::Null, |a| {
                let pct = |actual, budget| J::dec(plans::execution_pct(actual, budget));
                J::obj([
                    ("year", J::int(year)),
                    ("revenue", J::money(a.revenue)),
                    ("expenditure", J::money(a.expenditure)),
                    ("surplus", J::money(a.surplus())),
                    (
                        "execution_pct",
                        J::obj([
                            ("revenue", pct(x.revenue, a.revenue)),
                            ("expenditure", pct(x.expenditure, a.expenditure)),
                            ("surplus", pct(x.surplus(), a.surplus())),
                        ]),
                    ),
                ])
            });
            let draft = p.and_then(|p| p.draft).map_or(J::Null, |d| {
                J::obj([
                    ("year", J::int(d.year)),
                    ("revenue", J::money(d.revenue)),
                    ("expenditure", J::money(d.expenditure)),
                    ("surplus", J::money(d.surplus())),
                    ("closing_balance", J::money(d.closing_balance)),
                ])
            });
            J::obj([
                ("region", J::str(&x.region)),
                ("region_name", J::opt_str(regions::name(&x.region))),
                ("scheme", J::str(&x.scheme)),
                (
                    "scheme_name",
                    J::str(
                        Scheme::from_code(&x.scheme)
                            .map(|s| s.name_zh())
                            .unwrap_or_default(),
                    ),
                ),
                ("participants", count_json(x.participants)),
                ("contributors", count_json(x.contributors)),
                ("recipients", count_json(x.recipients)),
                ("revenue", J::money(x.revenue)),
                ("expenditure", J::money(x.expenditure)),
                ("surplus", J::money(x.surplus())),
                ("closing_balance", J::money(x.closing_balance)),
                ("returns", J::money(x.returns)),
                ("return_rate", J::dec(x.return_rate)),
                ("months_payable", J::dec(x.months_payable)),
                ("revenue_items", items(&x.revenue_items)),
                ("expenditure_items", items(&x.expenditure_items)),
                ("sub_funds", sub_funds_json(&x.parts)),
                ("budget", approved),
                ("next_year_budget", draft),
            ])
        })
        .collect();
    let suppression = if min_persons > 1 {
        format!(
            "head counts from 1 to {} are withheld: null here, \"suppressed\" in the CSV files",
            min_persons - 1
        )
    } else {
        "none".to_string()
    };
    J::obj([
        ("year", J::int(year)),
        ("currency", J::str("CNY")),
        ("unit", J::str("amounts in yuan (numbers with 2 decimals); counts in persons; return_rate a ratio (4 decimals); months_payable in months (2 decimals); execution_pct in percent (2 decimals)")),
        ("suppression", J::str(suppression)),
        ("missing_values", J::str("null: a withheld count, a ratio whose divisor is 0, a region code without a name in the division table, or a budget the run does not have")),
        ("region_names", J::str(regions::SOURCE)),
        ("definitions", J::str("docs/outputs.md: participants = persons not deceased or transferred out; contributors = distinct persons with a normal contribution in the year; recipients = distinct persons paid a recurring benefit for December (not returned); returns = interest + investment income; return_rate = returns / mean(opening, closing balance); months_payable = closing balance / (expenditure / 12); sub_funds = the parts of a fund kept in parts 分账核算 (310 pooled/account, 410 pooled/reserve): revenue, expenditure, part_transfers (net moved into the part from the other part), closing_balance, adding up to the fund's figures; budget = the year's approved budget (items summed, benefits once); execution_pct = actual / budget x 100; next_year_budget = the draft of year + 1 (central assumptions)")),
        ("funds", J::Arr(funds)),
    ])
    .pretty()
}

fn field(name: &str, ty: &str, title: &str, description: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "type": ty, "title": title, "description": description})
}

/// `datapackage.json`: a (Fiscal) Data Package describing every CSV under `disclose/`, each
/// a tabular resource with typed fields, its missing values and primary key.
pub fn datapackage(year: i32) -> serde_json::Value {
    let region = |name: &str, what: &str| {
        field(
            name,
            "string",
            "行政区划代码 (GB/T 2260)",
            &format!("{what}: six-digit division code (100000 = the national level)"),
        )
    };
    let region_name = |name: &str, what: &str| {
        field(
            name,
            "string",
            "行政区划名称",
            &format!(
                "{what}: its name in {} (missing when the table lacks the code)",
                regions::SOURCE
            ),
        )
    };
    let scheme = field("scheme", "string", "险种 (AAE140)", "scheme code: 110 企业职工基本养老保险, 120 机关事业单位基本养老保险, 170 城乡居民基本养老保险, 210 失业保险, 310 职工基本医疗保险, 390 城乡居民基本医疗保险, 410 工伤保险, 510 生育保险");
    let unit = field(
        "unit",
        "string",
        "unit",
        "what value counts: yuan, persons, ratio, months or percent",
    );
    let disclosure = serde_json::json!({
        "name": "disclosure",
        "path": "disclosure.csv",
        "profile": "tabular-data-resource",
        "title": "per region and scheme: the published measures",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                region("region", "pooling region 统筹地区"),
                region_name("region_name", "pooling region"),
                scheme,
                field("measure", "string", "measure", "participants, contributors, recipients, revenue, expenditure, surplus, closing_balance, returns, return_rate, months_payable, revenue.<item>, expenditure.<item>; for a fund kept in parts (310, 410) sub_fund.<part>.{revenue,expenditure,part_transfers,closing_balance} with part pooled 统筹基金, account 个人账户 or reserve 储备金; with the budget stage: budget.{revenue,expenditure,surplus}, execution_pct.{revenue,expenditure,surplus}, next_year_budget.{revenue,expenditure,surplus,closing_balance}"),
                field("value", "number", "value", "in the row's unit: yuan with 2 decimals, persons, a ratio with 4 decimals (return_rate), months or percent with 2 decimals; missing when withheld (suppressed) or undefined (empty)"),
                unit.clone(),
            ],
            "missingValues": ["", "suppressed"],
            "primaryKey": ["region", "scheme", "measure"]
        }
    });
    let consolidated = serde_json::json!({
        "name": "consolidated",
        "path": "consolidated.csv",
        "profile": "tabular-data-resource",
        "title": "regions rolled up county → city → province, inter-level flows eliminated",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                {"name": "level", "type": "string", "title": "级次", "description": "county, city or province, by the GB/T 2260 code", "constraints": {"enum": ["county", "city", "province"]}},
                region("region", "the region or the city or province above the regions"),
                region_name("region_name", "that region"),
                field("scheme", "string", "险种 (AAE140)", "scheme code"),
                field("measure", "string", "measure", "participants, contributors, recipients, revenue, expenditure, surplus, closing_balance, in_transit, item.<item>"),
                field("gross", "number", "汇总", "sum over the regions below"),
                field("eliminated", "number", "抵消", "the matched inter-level pairs with both sides inside"),
                field("net", "number", "抵消后", "gross − eliminated"),
                unit,
            ],
            "missingValues": ["", "suppressed"],
            "primaryKey": ["level", "region", "scheme", "measure"]
        }
    });
    let eliminations = serde_json::json!({
        "name": "eliminations",
        "path": "eliminations.csv",
        "profile": "tabular-data-resource",
        "title": "inter-level flows: eliminated pairs and flows left alone, with the reason",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                field("scheme", "string", "险种 (AAE140)", "scheme code"),
                region("upper_region", "the upper level"),
                region_name("upper_region_name", "the upper level"),
                region("lower_region", "the lower level"),
                region_name("lower_region_name", "the lower level"),
                {"name": "pair", "type": "string", "title": "pair", "description": "remit 上解, subsidy 补助 or national 全国统筹", "constraints": {"enum": ["remit", "subsidy", "national"]}},
                field("date", "date", "date", "the lower level's booking date (a flow left alone: its own)"),
                field("amount", "number", "amount", "yuan, 2 decimals"),
                field("lower_flow_id", "string", "lower flow", "the lower level's flow id (missing when only the upper's flow is in the data)"),
                field("upper_flow_id", "string", "upper flow", "the upper level's flow id (missing when only the lower's flow is in the data)"),
                {"name": "status", "type": "string", "title": "status", "constraints": {"enum": ["eliminated", "unmatched"]}},
                {"name": "direction", "type": "string", "title": "direction", "description": "up: the lower pays; down: the upper pays", "constraints": {"enum": ["up", "down"]}},
                field("rule", "string", "rule", "reference or amount_date (eliminated rows)"),
                field("reason", "string", "reason", "why a flow was left alone: ambiguous, counterpart_outside_data, in_transit_year_end, in_transit_year_start, no_counterpart"),
                field("date_gap_days", "integer", "date gap", "the upper's booking date − the lower's, in days (eliminated rows)"),
            ],
            "missingValues": [""],
            "primaryKey": ["lower_flow_id", "upper_flow_id"]
        }
    });
    serde_json::json!({
        "profile": "tabular-data-package",
        "name": format!("social-insurance-funds-{year}"),
        "title": format!("社会保险基金收支情况 {year}"),
        "description": "Aggregates of the year's social insurance funds per pooling region and scheme, as published in disclosure.html; no personal data. Columns and rules: docs/outputs.md.",
        "countryCode": "CN",
        "fiscalPeriod": {"start": format!("{year}-01-01"), "end": format!("{year}-12-31")},
        "resources": [disclosure, consolidated, eliminations],
        "model": {
            "measures": {"value": {"source": "value", "currency": "CNY", "description": "only the rows whose unit is yuan are money"}},
            "dimensions": {
                "administrative-classification": {"attributes": {"region": {"source": "region"}, "region_name": {"source": "region_name"}}, "dimensionType": "administrative-classification", "primaryKey": "region"},
                "functional-classification": {"attributes": {"scheme": {"source": "scheme"}}, "dimensionType": "functional-classification", "primaryKey": "scheme"},
                "economic-classification": {"attributes": {"measure": {"source": "measure"}}, "dimensionType": "classification", "primaryKey": "measure",
                    "classificationType": "items of docs/accounting.md: revenue.* are direction revenue, expenditure.* direction expenditure"}
            }
        },
        "direction": ["revenue", "expenditure"],
        // Most rows are the year's outturn; budget.* are approved and next_year_budget.* drafted
        // (proposed) figures, so the package names every phase its rows hold.
        "phase": ["executed", "approved", "proposed"]
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
    fn codes_without_a_name_are_listed_once() {
        let m = |region: &str| Measures {
            region: region.into(),
            scheme: "110".into(),
            participants: Count::Shown(0),
            contributors: Count::Shown(0),
            recipients: Count::Shown(0),
            revenue: 0,
            expenditure: 0,
            opening_balance: 0,
            closing_balance: 0,
            returns: 0,
            return_rate: None,
            months_payable: None,
            revenue_items: vec![],
            expenditure_items: vec![],
            parts: vec![],
        };
        let row = |region: &str| consolidate::Row {
            level: crate::model::ids::level_of(region),
            region: region.into(),
            scheme: "110".into(),
            measure: "revenue".into(),
            gross: 0,
            eliminated: 0,
        };
        let p = Publication {
            measures: vec![m("440100"), m("449901"), m("449901")],
            eliminations: vec![],
            rows: vec![row("440100"), row("449901"), row("440000"), row("449900")],
        };
        assert_eq!(p.unnamed_regions(), ["449900", "449901"]);
        // and in the files: the name field empty, the code alone on the page
        let csv = String::from_utf8(disclosure_csv(&p.measures[1..2], &BTreeMap::new())).unwrap();
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("449901,,110,participants,0,persons"));
        let json = disclosure_json(2025, 10, &p.measures[..2], &BTreeMap::new());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["funds"][0]["region_name"], "广州市");
        assert!(v["funds"][1]["region_name"].is_null());
    }

    #[test]
    fn small_counts_are_withheld() {
        assert_eq!(Count::of(9, 10), Count::Suppressed("suppressed"));
        assert_eq!(Count::of(10, 10), Count::Shown(10));
        assert_eq!(Count::of(0, 10), Count::Shown(0));
    }
}
