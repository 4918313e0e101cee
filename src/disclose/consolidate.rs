//! Consolidation across levels 汇总: regions roll up by their GB/T 2260 code (county → city →
//! province). A consolidated region shows gross sums and the totals with inter-level flows
//! eliminated — 上解上级支出 against 下级上解收入, 补助下级支出 against 上级补助收入 — pair by
//! pair (same scheme, the two regions naming each other, same date and amount). A flow without
//! its counterpart is listed as `unmatched`, never netted.

use std::collections::{BTreeMap, BTreeSet};

use crate::census::Counts;
use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::{col, Cells};
use crate::ingest::scan::{part, Consumer, Part};
use crate::ingest::Table;
use crate::model::date::{iso, Day};
use crate::model::ids::{level_of, Level};
use crate::model::money::yuan;
use crate::model::Fen;
use crate::model::FundId;

/// An inter-level flow as booked by one side.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InterLevel {
    pub scheme: String,
    pub region: String,
    pub counter_region: String,
    /// remit_to_upper, remit_from_lower, subsidy_to_lower or subsidy_from_upper
    pub kind: String,
    pub date: Day,
    pub amount: Fen,
    pub flow_id: String,
}

/// The inter-level flows of the selection, fed by the shared scan of `fund_flows`.
pub struct InterLevels<'p> {
    p: &'p Pipeline,
    pub flows: Vec<InterLevel>,
}

impl<'p> InterLevels<'p> {
    pub fn new(p: &'p Pipeline) -> Self {
        InterLevels {
            p,
            flows: Vec::new(),
        }
    }
}

impl Consumer for InterLevels<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        match table {
            Table::FundFlows => &[
                "flow_id",
                "region",
                "scheme",
                "date",
                "kind",
                "amount",
                "counter_region",
            ],
            _ => &[],
        }
    }

    fn map(&self, _: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        let c = |n: &str| col(Table::FundFlows, cells, n);
        let (id, reg, sch, date, kind, amt, cr) = (
            c("flow_id"),
            c("region"),
            c("scheme"),
            c("date"),
            c("kind"),
            c("amount"),
            c("counter_region"),
        );
        let mut v = Vec::new();
        for &i in acc {
            let i = i as usize;
            let k = kind.s(i).unwrap_or_default();
            let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
            let between_levels = PAIRS
                .iter()
                .any(|(_, lower, upper)| k == *lower || k == *upper);
            if !between_levels || !self.p.selects(r, s) {
                continue;
            }
            v.push(InterLevel {
                scheme: s.into(),
                region: r.into(),
                counter_region: cr.s(i).unwrap_or_default().into(),
                kind: k.into(),
                date: date.n(i).unwrap_or_default(),
                amount: amt.m(i).and_then(Result::ok).unwrap_or(0),
                flow_id: id.s(i).unwrap_or_default().into(),
            });
        }
        Box::new(v)
    }

    fn absorb(&mut self, _: Table, p: Part) -> Result<()> {
        self.flows.extend(*part::<Vec<InterLevel>>(p)?);
        Ok(())
    }
}

/// The two booking kinds of one movement between levels: (the lower's, the upper's).
pub const PAIRS: [(&str, &str, &str); 2] = [
    ("remit", "remit_to_upper", "remit_from_lower"),
    ("subsidy", "subsidy_from_upper", "subsidy_to_lower"),
];

/// One row of `eliminations.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Elimination {
    pub scheme: String,
    pub upper: String,
    pub lower: String,
    pub pair: &'static str,
    pub date: Day,
    pub amount: Fen,
    pub lower_flow: Option<String>,
    pub upper_flow: Option<String>,
}

impl Elimination {
    pub fn matched(&self) -> bool {
        self.lower_flow.is_some() && self.upper_flow.is_some()
    }
}

/// Pairs each lower-level booking with the upper level's booking of the same movement.
pub fn pair(flows: &[InterLevel]) -> Vec<Elimination> {
    let mut out = Vec::new();
    for (name, lower_kind, upper_kind) in PAIRS {
        // key: (scheme, upper, lower, date, amount) → flow ids on each side
        let mut sides: BTreeMap<(&str, &str, &str, Day, Fen), (Vec<&str>, Vec<&str>)> =
            BTreeMap::new();
        for f in flows {
            if f.kind == lower_kind {
                sides
                    .entry((&f.scheme, &f.counter_region, &f.region, f.date, f.amount))
                    .or_default()
                    .0
                    .push(&f.flow_id);
            } else if f.kind == upper_kind {
                sides
                    .entry((&f.scheme, &f.region, &f.counter_region, f.date, f.amount))
                    .or_default()
                    .1
                    .push(&f.flow_id);
            }
        }
        for ((scheme, upper, lower, date, amount), (lo, up)) in sides {
            for k in 0..lo.len().max(up.len()) {
                out.push(Elimination {
                    scheme: scheme.into(),
                    upper: upper.into(),
                    lower: lower.into(),
                    pair: name,
                    date,
                    amount,
                    lower_flow: lo.get(k).map(|s| s.to_string()),
                    upper_flow: up.get(k).map(|s| s.to_string()),
                });
            }
        }
    }
    out.sort();
    out
}

/// The consolidation nodes a region belongs to: itself, its city, its province.
pub fn ancestors(region: &str) -> Vec<String> {
    let mut v = vec![region.to_string()];
    if level_of(region) == Level::County {
        v.push(format!("{}00", &region[..4]));
    }
    if level_of(region) != Level::Province {
        v.push(format!("{}0000", &region[..2]));
    }
    v
}

/// Per fund, what consolidation needs: totals, the items eliminated, the closing balance, counts.
#[derive(Debug, Clone, Default)]
pub struct FundFigures {
    pub revenue: i128,
    pub expenditure: i128,
    pub closing_balance: i128,
    pub items: BTreeMap<String, i128>,
    pub counts: Counts,
}

/// One row of `consolidated.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub level: Level,
    pub region: String,
    pub scheme: String,
    pub measure: String,
    pub gross: i128,
    pub eliminated: i128,
}

pub fn consolidate(
    funds: &BTreeMap<FundId, FundFigures>,
    eliminations: &[Elimination],
) -> Vec<Row> {
    // node (region, scheme) → member regions
    let mut nodes: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (region, scheme) in funds.keys() {
        for a in ancestors(region) {
            nodes
                .entry((a, scheme.clone()))
                .or_default()
                .insert(region.clone());
        }
    }
    let mut rows = Vec::new();
    for ((node, scheme), members) in nodes {
        let figs: Vec<&FundFigures> = members
            .iter()
            .map(|r| &funds[&(r.clone(), scheme.clone())])
            .collect();
        // eliminated: matched pairs with both sides inside the node
        let (mut rev_elim, mut exp_elim) = (0i128, 0i128);
        let mut item_elim: BTreeMap<&str, i128> = BTreeMap::new();
        for e in eliminations.iter().filter(|e| {
            e.scheme == scheme
                && e.matched()
                && members.contains(&e.upper)
                && members.contains(&e.lower)
        }) {
            let a = e.amount as i128;
            rev_elim += a;
            exp_elim += a;
            let (rev_item, exp_item) = if e.pair == "remit" {
                ("remit_from_lower", "remit_to_upper")
            } else {
                ("subsidy_from_upper", "subsidy_to_lower")
            };
            *item_elim.entry(rev_item).or_default() += a;
            *item_elim.entry(exp_item).or_default() += a;
        }
        let sum = |f: &dyn Fn(&FundFigures) -> i128| figs.iter().map(|x| f(x)).sum::<i128>();
        let level = level_of(&node);
        let mut push = |measure: String, gross: i128, eliminated: i128| {
            rows.push(Row {
                level,
                region: node.clone(),
                scheme: scheme.clone(),
                measure,
                gross,
                eliminated,
            });
        };
        push(
            "participants".into(),
            sum(&|x| x.counts.participants as i128),
            0,
        );
        push(
            "contributors".into(),
            sum(&|x| x.counts.contributors as i128),
            0,
        );
        push(
            "recipients".into(),
            sum(&|x| x.counts.recipients as i128),
            0,
        );
        push("revenue".into(), sum(&|x| x.revenue), rev_elim);
        push("expenditure".into(), sum(&|x| x.expenditure), exp_elim);
        push(
            "surplus".into(),
            sum(&|x| x.revenue - x.expenditure),
            rev_elim - exp_elim,
        );
        push("closing_balance".into(), sum(&|x| x.closing_balance), 0);
        let keys: BTreeSet<&String> = figs.iter().flat_map(|x| x.items.keys()).collect();
        for k in keys {
            let gross = sum(&|x| x.items.get(k).copied().unwrap_or(0));
            push(
                format!("item.{k}"),
                gross,
                item_elim.get(k.as_str()).copied().unwrap_or(0),
            );
        }
    }
    rows
}

fn level_key(l: Level) -> &'static str {
    match l {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
    }
}

/// Head counts are persons (no decimals), withheld below `min`; amounts are yuan.
pub fn consolidated_csv(rows: &[Row], min: u64) -> Vec<u8> {
    let mut csv = crate::csv::Csv::new(&[
        "level",
        "region",
        "scheme",
        "measure",
        "gross",
        "eliminated",
        "net",
    ]);
    for r in rows {
        let count = matches!(
            r.measure.as_str(),
            "participants" | "contributors" | "recipients"
        );
        let show = |v: i128| {
            if count {
                super::Count::of(v as u64, min).text()
            } else {
                yuan(v)
            }
        };
        csv.row([
            level_key(r.level),
            &r.region,
            &r.scheme,
            &r.measure,
            &show(r.gross),
            &show(r.eliminated),
            &show(r.gross - r.eliminated),
        ]);
    }
    csv.into_bytes()
}

pub fn eliminations_csv(e: &[Elimination]) -> Vec<u8> {
    let mut csv = crate::csv::Csv::new(&[
        "scheme",
        "upper_region",
        "lower_region",
        "pair",
        "date",
        "amount",
        "lower_flow_id",
        "upper_flow_id",
        "status",
    ]);
    for x in e {
        let status = if x.matched() {
            "eliminated"
        } else {
            "unmatched"
        };
        csv.row([
            x.scheme.as_str(),
            &x.upper,
            &x.lower,
            x.pair,
            &iso(x.date),
            &yuan(x.amount as i128),
            x.lower_flow.as_deref().unwrap_or(""),
            x.upper_flow.as_deref().unwrap_or(""),
            status,
        ]);
    }
    csv.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day;

    fn il(region: &str, counter: &str, kind: &str, m: u32, amount: Fen, id: &str) -> InterLevel {
        InterLevel {
            scheme: "110".into(),
            region: region.into(),
            counter_region: counter.into(),
            kind: kind.into(),
            date: day(2025, m, 28),
            amount,
            flow_id: id.into(),
        }
    }

    fn figures(
        revenue: i128,
        expenditure: i128,
        closing: i128,
        items: &[(&str, i128)],
        participants: u64,
    ) -> FundFigures {
        FundFigures {
            revenue,
            expenditure,
            closing_balance: closing,
            items: items.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            counts: Counts {
                participants,
                contributors: 0,
                recipients: 0,
            },
        }
    }

    /// A province 440000 over two cities. 440100 remits 30 up (booked by both), 440300 gets a
    /// subsidy of 20 (booked by both), and 440300 also remits 7 that the province never booked.
    #[test]
    fn two_levels_with_elimination_by_hand() {
        let flows = [
            il("440100", "440000", "remit_to_upper", 3, 3_000, "a"),
            il("440000", "440100", "remit_from_lower", 3, 3_000, "b"),
            il("440000", "440300", "subsidy_to_lower", 5, 2_000, "c"),
            il("440300", "440000", "subsidy_from_upper", 5, 2_000, "d"),
            il("440300", "440000", "remit_to_upper", 6, 700, "e"),
        ];
        let e = pair(&flows);
        assert_eq!(e.len(), 3);
        assert_eq!(e.iter().filter(|x| x.matched()).count(), 2);
        let lone = e.iter().find(|x| !x.matched()).unwrap();
        assert_eq!(
            (
                lone.lower.as_str(),
                lone.lower_flow.as_deref(),
                lone.upper_flow.as_deref()
            ),
            ("440300", Some("e"), None)
        );

        let mut funds = BTreeMap::new();
        // 440100: revenue 10,000; expenditure 6,000 incl. remit 3,000
        funds.insert(
            ("440100".into(), "110".into()),
            figures(
                10_000,
                6_000,
                50_000,
                &[("contribution", 10_000), ("remit_to_upper", 3_000)],
                100,
            ),
        );
        // 440300: revenue 8,000 incl. subsidy 2,000; expenditure 9,000 incl. remit 700
        funds.insert(
            ("440300".into(), "110".into()),
            figures(
                8_000,
                9_000,
                40_000,
                &[
                    ("contribution", 6_000),
                    ("subsidy_from_upper", 2_000),
                    ("remit_to_upper", 700),
                ],
                80,
            ),
        );
        // 440000: revenue 3,000 (remit from lower); expenditure 2,000 (subsidy)
        funds.insert(
            ("440000".into(), "110".into()),
            figures(
                3_000,
                2_000,
                90_000,
                &[("remit_from_lower", 3_000), ("subsidy_to_lower", 2_000)],
                0,
            ),
        );
        let rows = consolidate(&funds, &e);
        let get = |region: &str, m: &str| {
            rows.iter()
                .find(|r| r.region == region && r.measure == m)
                .map(|r| (r.gross, r.eliminated))
                .unwrap()
        };
        // province: gross revenue 21,000, of which 3,000 + 2,000 between its own levels
        assert_eq!(get("440000", "revenue"), (21_000, 5_000));
        assert_eq!(get("440000", "expenditure"), (17_000, 5_000));
        assert_eq!(get("440000", "surplus"), (4_000, 0));
        assert_eq!(get("440000", "closing_balance"), (180_000, 0));
        assert_eq!(get("440000", "participants"), (180, 0));
        // the unmatched 700 stays in the net
        assert_eq!(get("440000", "item.remit_to_upper"), (3_700, 3_000));
        assert_eq!(get("440000", "item.subsidy_from_upper"), (2_000, 2_000));
        // a city alone eliminates nothing
        assert_eq!(get("440100", "revenue"), (10_000, 0));
        assert_eq!(ancestors("440106"), ["440106", "440100", "440000"]);
    }
}
