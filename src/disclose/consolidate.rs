//! Consolidation across levels 汇总: regions roll up by their GB/T 2260 code (county → city →
//! province). A consolidated region shows gross sums and the totals with inter-level flows
//! eliminated — 上解上级支出 against 下级上解收入, 补助下级支出 against 上级补助收入 — pair by
//! pair, never by netting totals.
//!
//! Pairing ([`pair`]), within one scheme, the two regions naming each other, one direction
//! (`up`: the lower pays; `down`: the upper pays) and one amount:
//! 1. `reference` — the same non-null `ref` on both sides (several: paired in date order);
//! 2. `amount_date` — what is left, dated at most `[consolidate] window_days` apart, when each is
//!    the other's unique nearest. A flow with a candidate in the window that is not such a pair
//!    (a tie, or its nearest is nearer to another) is `ambiguous`: a person pairs it, not sifund.
//!
//! A flow left alone says why: `counterpart_outside_data` (the other fund has no books in the
//! run: always so for the national level 全国统筹, `100000`), `in_transit_year_end` /
//! `in_transit_year_start` (within the window of 31 December / 1 January: the other level books
//! it in the next / booked it in the previous year 在途), or `no_counterpart`. Groups are sorted
//! once and swept with binary searches: O(n log n).

use std::collections::{BTreeMap, BTreeSet};

use crate::census::Counts;
use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::{col, Cells};
use crate::ingest::scan::{part, Consumer, Part};
use crate::ingest::Table;
use crate::model::date::{iso, year_bounds, Day};
use crate::model::ids::{level_of, Level, NATIONAL};
use crate::model::money::yuan;
use crate::model::nearest;
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
    /// The voucher number `ref`: a remittance's reference, when both levels quote it.
    pub reference: Option<String>,
}

/// The inter-level flows of the selection, fed by the shared scan of `fund_flows`.
pub struct InterLevels<'p> {
    p: &'p Pipeline,
    pub flows: Vec<InterLevel>,
}

impl crate::ingest::scan::Fold for InterLevels<'_> {
    /// Inter-level flows have no person: one partition holds them all, in file order.
    fn fold(&mut self, other: Self) -> crate::error::Result<()> {
        self.flows.extend(other.flows);
        Ok(())
    }

    /// Nothing to take back: inter-level flows have no person.
    fn subtract(&mut self, other: Self) -> crate::error::Result<()> {
        crate::ensure_invariant!(other.flows.is_empty(), "inter-level flows taken back");
        Ok(())
    }

    /// Inter-level flows have no person: wherever the consumer is fed, it reads them all.
    fn set_side(&mut self, _: crate::ingest::scan::Side) {}

    /// Nothing: inter-level flows have no person, the merge reads them itself (they stay).
    fn save(&mut self) -> crate::error::Result<Vec<u8>> {
        Ok(Vec::new())
    }

    fn load(&mut self, bytes: &[u8]) -> crate::error::Result<()> {
        crate::ensure_invariant!(bytes.is_empty(), "inter-level flows in a partial");
        Ok(())
    }
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
                "ref",
            ],
            _ => &[],
        }
    }

    fn map(&self, _: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        let c = |n: &str| col(Table::FundFlows, cells, n);
        let (id, reg, sch, date, kind, amt, cr, rf) = (
            c("flow_id"),
            c("region"),
            c("scheme"),
            c("date"),
            c("kind"),
            c("amount"),
            c("counter_region"),
            c("ref"),
        );
        let mut v = Vec::new();
        for &i in acc {
            let i = i as usize;
            let k = kind.s(i).unwrap_or_default();
            let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
            if side_of(k).is_none() || !self.p.selects(r, s) {
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
                reference: rf.s(i).map(str::to_string),
            });
        }
        Box::new(v)
    }

    fn absorb(&mut self, _: Table, p: Part) -> Result<()> {
        self.flows.extend(*part::<Vec<InterLevel>>(p)?);
        Ok(())
    }
}

/// The two booking kinds of one movement between levels: (direction, the lower's, the upper's).
/// `up`: the lower level pays 上解; `down`: the upper level pays 补助 / 下拨.
pub const DIRECTIONS: [(&str, &str, &str); 2] = [
    ("up", "remit_to_upper", "remit_from_lower"),
    ("down", "subsidy_from_upper", "subsidy_to_lower"),
];

/// A flow kind's direction and whether the lower level books it.
fn side_of(kind: &str) -> Option<(&'static str, bool)> {
    DIRECTIONS.iter().find_map(|&(d, lower, upper)| {
        (kind == lower)
            .then_some((d, true))
            .or((kind == upper).then_some((d, false)))
    })
}

/// The pair's name: `national` when one side is the central adjustment fund 全国统筹 (its
/// 上解 and 下拨 use the remit and subsidy kinds with counter_region `100000`); else by
/// direction.
fn pair_name(direction: &str, upper: &str) -> &'static str {
    match (upper == NATIONAL, direction) {
        (true, _) => "national",
        (false, "up") => "remit",
        _ => "subsidy",
    }
}

/// How a pair was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    Reference,
    AmountDate,
}

/// Why a flow stands alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    InTransitYearEnd,
    InTransitYearStart,
    CounterpartOutsideData,
    Ambiguous,
    NoCounterpart,
}

impl Rule {
    pub fn key(self) -> &'static str {
        match self {
            Rule::Reference => "reference",
            Rule::AmountDate => "amount_date",
        }
    }
}

impl Reason {
    pub fn key(self) -> &'static str {
        match self {
            Reason::InTransitYearEnd => "in_transit_year_end",
            Reason::InTransitYearStart => "in_transit_year_start",
            Reason::CounterpartOutsideData => "counterpart_outside_data",
            Reason::Ambiguous => "ambiguous",
            Reason::NoCounterpart => "no_counterpart",
        }
    }
    pub fn in_transit(self) -> bool {
        matches!(self, Reason::InTransitYearEnd | Reason::InTransitYearStart)
    }
}

/// A pair's rule and date gap (upper's date − lower's), or a lone flow's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Paired(Rule, i32),
    Alone(Reason),
}

/// One row of `eliminations.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Elimination {
    pub scheme: String,
    pub upper: String,
    pub lower: String,
    pub pair: &'static str,
    /// The lower level's booking date (a lone upper flow's own date).
    pub date: Day,
    pub amount: Fen,
    pub lower_flow: Option<String>,
    pub upper_flow: Option<String>,
    pub direction: &'static str,
    pub outcome: Outcome,
}

impl Elimination {
    pub fn matched(&self) -> bool {
        matches!(self.outcome, Outcome::Paired(..))
    }
    pub fn reason(&self) -> Option<Reason> {
        match self.outcome {
            Outcome::Alone(r) => Some(r),
            Outcome::Paired(..) => None,
        }
    }
    /// The region that booked a lone flow (the lower one of a pair).
    pub fn booked_by(&self) -> &str {
        if self.lower_flow.is_some() {
            &self.lower
        } else {
            &self.upper
        }
    }
}

/// What pairing needs besides the flows: the funds with books in the run (a counterpart
/// without books is outside the data, not missing), the window and the year.
pub struct Context<'a> {
    pub books: &'a BTreeSet<FundId>,
    pub window_days: i32,
    pub year: i32,
}

/// The flows of one group: same scheme, regions, direction and amount, each side in date order.
type Group<'a> = (Vec<&'a InterLevel>, Vec<&'a InterLevel>);

/// Pairs each lower-level booking with the upper level's booking of the same movement.
pub fn pair(flows: &[InterLevel], cx: &Context) -> Vec<Elimination> {
    // (scheme, upper, lower, direction, amount) → (the lower's flows, the upper's flows)
    let mut groups: BTreeMap<(&str, &str, &str, &str, Fen), Group> = BTreeMap::new();
    for f in flows {
        let Some((direction, lower_side)) = side_of(&f.kind) else {
            continue;
        };
        let (upper, lower) = if lower_side {
            (&f.counter_region, &f.region)
        } else {
            (&f.region, &f.counter_region)
        };
        let g = groups
            .entry((&f.scheme, upper, lower, direction, f.amount))
            .or_default();
        if lower_side { &mut g.0 } else { &mut g.1 }.push(f);
    }
    let mut out = Vec::new();
    for ((scheme, upper, lower, direction, amount), (mut lo, mut up)) in groups {
        lo.sort_by(|a, b| (a.date, &a.flow_id).cmp(&(b.date, &b.flow_id)));
        up.sort_by(|a, b| (a.date, &a.flow_id).cmp(&(b.date, &b.flow_id)));
        let row =
            |date, lower_flow: Option<&InterLevel>, upper_flow: Option<&InterLevel>, outcome| {
                Elimination {
                    scheme: scheme.into(),
                    upper: upper.into(),
                    lower: lower.into(),
                    pair: pair_name(direction, upper),
                    date,
                    amount,
                    lower_flow: lower_flow.map(|f| f.flow_id.clone()),
                    upper_flow: upper_flow.map(|f| f.flow_id.clone()),
                    direction,
                    outcome,
                }
            };
        let (pairs, lo_left, up_left) = pair_group(&lo, &up, cx.window_days);
        for (i, j, rule) in pairs {
            let gap = up[j].date - lo[i].date;
            out.push(row(
                lo[i].date,
                Some(lo[i]),
                Some(up[j]),
                Outcome::Paired(rule, gap),
            ));
        }
        for (i, ambiguous) in lo_left {
            let r = alone_reason(lo[i], ambiguous, cx);
            out.push(row(lo[i].date, Some(lo[i]), None, Outcome::Alone(r)));
        }
        for (j, ambiguous) in up_left {
            let r = alone_reason(up[j], ambiguous, cx);
            out.push(row(up[j].date, None, Some(up[j]), Outcome::Alone(r)));
        }
    }
    out.sort();
    out
}

/// Pairs within one group (both sides sorted by date): (lower index, upper index, rule), and
/// the flows left on each side with whether a candidate lay within the window (ambiguous).
#[allow(clippy::type_complexity)]
fn pair_group(
    lo: &[&InterLevel],
    up: &[&InterLevel],
    window: i32,
) -> (
    Vec<(usize, usize, Rule)>,
    Vec<(usize, bool)>,
    Vec<(usize, bool)>,
) {
    let mut pairs = Vec::new();
    let (mut lo_used, mut up_used) = (vec![false; lo.len()], vec![false; up.len()]);
    // 1. reference: same ref, in date order (the sides are sorted already)
    let mut by_ref: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, f) in lo.iter().enumerate() {
        if let Some(r) = &f.reference {
            by_ref.entry(r).or_default().0.push(i);
        }
    }
    for (j, f) in up.iter().enumerate() {
        if let Some(r) = &f.reference {
            by_ref.entry(r).or_default().1.push(j);
        }
    }
    for (is, js) in by_ref.values() {
        for (&i, &j) in is.iter().zip(js) {
            lo_used[i] = true;
            up_used[j] = true;
            pairs.push((i, j, Rule::Reference));
        }
    }
    // 2. amount and date: unique mutual nearest among what is left
    let lo_rest: Vec<usize> = (0..lo.len()).filter(|&i| !lo_used[i]).collect();
    let up_rest: Vec<usize> = (0..up.len()).filter(|&j| !up_used[j]).collect();
    let lo_days: Vec<Day> = lo_rest.iter().map(|&i| lo[i].date).collect();
    let up_days: Vec<Day> = up_rest.iter().map(|&j| up[j].date).collect();
    let n = nearest::mutual(&lo_days, &up_days, window);
    for &(a, b) in &n.pairs {
        up_used[up_rest[b]] = true;
        lo_used[lo_rest[a]] = true;
        pairs.push((lo_rest[a], up_rest[b], Rule::AmountDate));
    }
    // Alone, and ambiguous when a candidate lay within the window: a person pairs it.
    let left = |rest: &[usize], used: &[bool], near: &[bool]| -> Vec<(usize, bool)> {
        rest.iter()
            .zip(near)
            .filter(|(&i, _)| !used[i])
            .map(|(&i, &near)| (i, near))
            .collect()
    };
    let lo_left = left(&lo_rest, &lo_used, &n.book_near);
    let up_left = left(&up_rest, &up_used, &n.st_near);
    pairs.sort();
    (pairs, lo_left, up_left)
}

/// Why a flow has no counterpart: a tie first (a person must choose), then a counterpart
/// without books in the run, then the year's ends (in transit), else none found.
fn alone_reason(f: &InterLevel, ambiguous: bool, cx: &Context) -> Reason {
    let (first, last) = year_bounds(cx.year);
    let counterpart = (f.counter_region.clone(), f.scheme.clone());
    if ambiguous {
        Reason::Ambiguous
    } else if !cx.books.contains(&counterpart) {
        Reason::CounterpartOutsideData
    } else if f.date >= last - cx.window_days {
        Reason::InTransitYearEnd
    } else if f.date <= first + cx.window_days {
        Reason::InTransitYearStart
    } else {
        Reason::NoCounterpart
    }
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
            let (rev_item, exp_item) = if e.direction == "up" {
                ("remit_from_lower", "remit_to_upper")
            } else {
                ("subsidy_from_upper", "subsidy_to_lower")
            };
            *item_elim.entry(rev_item).or_default() += a;
            *item_elim.entry(exp_item).or_default() += a;
        }
        // in transit 在途: lone flows booked by the node's regions near the year's ends, shown
        // beside the figures (they stay in gross and net alike)
        let in_transit: i128 = eliminations
            .iter()
            .filter(|e| {
                e.scheme == scheme
                    && e.reason().is_some_and(Reason::in_transit)
                    && members.contains(e.booked_by())
            })
            .map(|e| e.amount as i128)
            .sum();
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
        push("in_transit".into(), in_transit, 0);
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
        "region_name",
        "scheme",
        "measure",
        "gross",
        "eliminated",
        "net",
        "unit",
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
            super::regions::name(&r.region).unwrap_or(""),
            &r.scheme,
            &r.measure,
            &show(r.gross),
            &show(r.eliminated),
            &show(r.gross - r.eliminated),
            if count { "persons" } else { "yuan" },
        ]);
    }
    csv.into_bytes()
}

pub fn eliminations_csv(e: &[Elimination]) -> Vec<u8> {
    let mut csv = crate::csv::Csv::new(&[
        "scheme",
        "upper_region",
        "upper_region_name",
        "lower_region",
        "lower_region_name",
        "pair",
        "date",
        "amount",
        "lower_flow_id",
        "upper_flow_id",
        "status",
        "direction",
        "rule",
        "reason",
        "date_gap_days",
    ]);
    for x in e {
        let (status, rule, reason, gap) = match x.outcome {
            Outcome::Paired(rule, gap) => ("eliminated", rule.key(), "", gap.to_string()),
            Outcome::Alone(r) => ("unmatched", "", r.key(), String::new()),
        };
        csv.row([
            x.scheme.as_str(),
            &x.upper,
            super::regions::name(&x.upper).unwrap_or(""),
            &x.lower,
            super::regions::name(&x.lower).unwrap_or(""),
            x.pair,
            &iso(x.date),
            &yuan(x.amount as i128),
            x.lower_flow.as_deref().unwrap_or(""),
            x.upper_flow.as_deref().unwrap_or(""),
            status,
            x.direction,
            rule,
            reason,
            &gap,
        ]);
    }
    csv.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day;

    fn il(region: &str, counter: &str, kind: &str, m: u32, amount: Fen, id: &str) -> InterLevel {
        fl(region, counter, kind, day(2025, m, 28), amount, id, None)
    }

    fn fl(
        region: &str,
        counter: &str,
        kind: &str,
        date: Day,
        amount: Fen,
        id: &str,
        reference: Option<&str>,
    ) -> InterLevel {
        InterLevel {
            scheme: "110".into(),
            region: region.into(),
            counter_region: counter.into(),
            kind: kind.into(),
            date,
            amount,
            flow_id: id.into(),
            reference: reference.map(Into::into),
        }
    }

    /// Books of a province over two cities, 2025, window 15.
    fn run(flows: &[InterLevel]) -> Vec<Elimination> {
        run_with(flows, 15)
    }

    fn run_with(flows: &[InterLevel], window_days: i32) -> Vec<Elimination> {
        let books: BTreeSet<FundId> = ["440000", "440100", "440300"]
            .iter()
            .map(|r| (r.to_string(), "110".to_string()))
            .collect();
        pair(
            flows,
            &Context {
                books: &books,
                window_days,
                year: 2025,
            },
        )
    }

    /// (lower flow, upper flow, outcome) of every row.
    fn outcomes(e: &[Elimination]) -> Vec<(Option<&str>, Option<&str>, Outcome)> {
        e.iter()
            .map(|x| (x.lower_flow.as_deref(), x.upper_flow.as_deref(), x.outcome))
            .collect()
    }

    const UP: &str = "remit_to_upper";
    const UP_IN: &str = "remit_from_lower";

    /// 广州 remits on 28 December; 广东 books it in January, outside this year's data: in
    /// transit at year end, not eliminated, shown as `in_transit` of the province.
    #[test]
    fn a_year_end_remittance_booked_by_the_city_only_is_in_transit() {
        let flows = [
            fl(
                "440100",
                "440000",
                UP,
                day(2025, 12, 28),
                5_000,
                "c",
                Some("SJ4"),
            ),
            // the province's January booking of the city's remittance of last December
            fl("440000", "440300", UP_IN, day(2025, 1, 4), 7_000, "p", None),
            // mid-year, nobody on the other side
            fl("440300", "440000", UP, day(2025, 6, 28), 9_000, "m", None),
        ];
        let e = run(&flows);
        assert_eq!(
            outcomes(&e),
            [
                (Some("c"), None, Outcome::Alone(Reason::InTransitYearEnd)),
                (None, Some("p"), Outcome::Alone(Reason::InTransitYearStart)),
                (Some("m"), None, Outcome::Alone(Reason::NoCounterpart)),
            ]
        );
        let mut funds = BTreeMap::new();
        for (r, exp, rev) in [
            ("440100", 5_000, 0),
            ("440300", 9_000, 0),
            ("440000", 0, 7_000),
        ] {
            funds.insert(
                (r.to_string(), "110".to_string()),
                figures(rev, exp, 0, &[], 0),
            );
        }
        let rows = consolidate(&funds, &e);
        let get = |region: &str, m: &str| {
            rows.iter()
                .find(|r| r.region == region && r.measure == m)
                .map(|r| (r.gross, r.eliminated))
                .unwrap()
        };
        assert_eq!(get("440000", "expenditure"), (14_000, 0));
        assert_eq!(get("440000", "in_transit"), (12_000, 0)); // 5,000 + 7,000, not the 9,000
        assert_eq!(get("440100", "in_transit"), (5_000, 0));
        assert_eq!(get("440300", "in_transit"), (0, 0));
    }

    /// 上解 booked by the city on 24 December and by the province on 29 December, no shared
    /// reference: paired on amount, five days apart; a window of 4 would leave both alone.
    #[test]
    fn booked_five_days_apart_pairs_on_amount_within_the_window() {
        let flows = [
            fl(
                "440100",
                "440000",
                UP,
                day(2025, 12, 24),
                5_000,
                "c",
                Some("V1"),
            ),
            fl(
                "440000",
                "440100",
                UP_IN,
                day(2025, 12, 29),
                5_000,
                "p",
                Some("V2"),
            ),
        ];
        assert_eq!(
            outcomes(&run(&flows)),
            [(Some("c"), Some("p"), Outcome::Paired(Rule::AmountDate, 5))]
        );
        assert_eq!(
            outcomes(&run_with(&flows, 4)),
            [
                (Some("c"), None, Outcome::Alone(Reason::NoCounterpart)),
                (None, Some("p"), Outcome::Alone(Reason::InTransitYearEnd)),
            ]
        );
    }

    /// The same voucher number on both sides pairs flows 71 days apart; without it they stay
    /// alone. A different amount under the same reference is not a pair.
    #[test]
    fn a_shared_reference_pairs_far_apart_dates() {
        let flows = [
            fl(
                "440100",
                "440000",
                UP,
                day(2025, 3, 10),
                5_000,
                "c",
                Some("SJ1"),
            ),
            fl(
                "440000",
                "440100",
                UP_IN,
                day(2025, 5, 20),
                5_000,
                "p",
                Some("SJ1"),
            ),
            fl("440300", "440000", UP, day(2025, 3, 10), 6_000, "c2", None),
            fl(
                "440000",
                "440300",
                UP_IN,
                day(2025, 5, 20),
                6_000,
                "p2",
                None,
            ),
            fl(
                "440300",
                "440000",
                UP,
                day(2025, 8, 10),
                100,
                "c3",
                Some("SJ3"),
            ),
            fl(
                "440000",
                "440300",
                UP_IN,
                day(2025, 8, 10),
                101,
                "p3",
                Some("SJ3"),
            ),
        ];
        let e = run(&flows);
        assert_eq!(
            outcomes(&e),
            [
                (Some("c"), Some("p"), Outcome::Paired(Rule::Reference, 71)),
                (Some("c2"), None, Outcome::Alone(Reason::NoCounterpart)),
                (None, Some("p2"), Outcome::Alone(Reason::NoCounterpart)),
                (Some("c3"), None, Outcome::Alone(Reason::NoCounterpart)),
                (None, Some("p3"), Outcome::Alone(Reason::NoCounterpart)),
            ]
        );
    }

    /// Two equal remittances two days apart on each side pair with their nearest; an upper
    /// booking equally near two lower ones (or the reverse) is left alone, ambiguous.
    #[test]
    fn nearest_pairs_and_an_equal_tie_is_left_ambiguous() {
        let flows = [
            fl("440100", "440000", UP, day(2025, 6, 2), 5_000, "c1", None),
            fl("440100", "440000", UP, day(2025, 6, 4), 5_000, "c2", None),
            fl(
                "440000",
                "440100",
                UP_IN,
                day(2025, 6, 2),
                5_000,
                "p1",
                None,
            ),
            fl(
                "440000",
                "440100",
                UP_IN,
                day(2025, 6, 5),
                5_000,
                "p2",
                None,
            ),
            // a tie: one city booking on the 10th, province bookings on the 8th and the 12th
            fl("440300", "440000", UP, day(2025, 9, 10), 3_000, "t", None),
            fl(
                "440000",
                "440300",
                UP_IN,
                day(2025, 9, 8),
                3_000,
                "t1",
                None,
            ),
            fl(
                "440000",
                "440300",
                UP_IN,
                day(2025, 9, 12),
                3_000,
                "t2",
                None,
            ),
        ];
        let e = run(&flows);
        let a = Outcome::Alone(Reason::Ambiguous);
        assert_eq!(
            outcomes(&e),
            [
                (Some("c1"), Some("p1"), Outcome::Paired(Rule::AmountDate, 0)),
                (Some("c2"), Some("p2"), Outcome::Paired(Rule::AmountDate, 1)),
                (None, Some("t1"), a),
                (Some("t"), None, a),
                (None, Some("t2"), a),
            ]
        );
    }

    /// 广东 remits 上解 to the central adjustment fund and receives its 下拨; the national
    /// level's books are not in a province's data: listed, outside the data, not eliminated.
    #[test]
    fn national_pooling_without_national_books() {
        let flows = [
            fl("440000", NATIONAL, UP, day(2025, 3, 20), 80_000, "n1", None),
            fl(
                "440000",
                NATIONAL,
                "subsidy_from_upper",
                day(2025, 5, 25),
                50_000,
                "n2",
                None,
            ),
            fl(
                "440000",
                NATIONAL,
                UP,
                day(2025, 12, 29),
                80_000,
                "n3",
                None,
            ),
        ];
        let e = run(&flows);
        assert!(e
            .iter()
            .all(|x| x.pair == "national" && x.upper == NATIONAL));
        assert_eq!(
            e.iter()
                .map(|x| (x.direction, x.lower_flow.as_deref(), x.reason()))
                .collect::<Vec<_>>(),
            [
                ("up", Some("n1"), Some(Reason::CounterpartOutsideData)),
                ("down", Some("n2"), Some(Reason::CounterpartOutsideData)),
                ("up", Some("n3"), Some(Reason::CounterpartOutsideData)),
            ]
        );
        let csv = String::from_utf8(eliminations_csv(&e)).unwrap();
        assert_eq!(
            csv.lines().take(2).collect::<Vec<_>>(),
            [
                "scheme,upper_region,upper_region_name,lower_region,lower_region_name,pair,date,amount,lower_flow_id,upper_flow_id,status,direction,rule,reason,date_gap_days",
                "110,100000,全国,440000,广东省,national,2025-03-20,800.00,n1,,unmatched,up,,counterpart_outside_data,",
            ]
        );
        let mut funds = BTreeMap::new();
        funds.insert(
            ("440000".to_string(), "110".to_string()),
            figures(50_000, 160_000, 0, &[("remit_to_upper", 160_000)], 0),
        );
        let rows = consolidate(&funds, &e);
        let exp = rows.iter().find(|r| r.measure == "expenditure").unwrap();
        assert_eq!((exp.gross, exp.eliminated), (160_000, 0));
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
        let e = run(&flows);
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
