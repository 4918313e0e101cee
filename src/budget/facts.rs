//! Base-year facts 基础资料 per fund, read from `persons`, `contributions` and `payouts`:
//! the members to project, and the figures the estimates in `basis.csv` are made from.
//! Persons that cannot be projected are counted with a reason, never dropped silently.

use std::collections::BTreeMap;

// Fast, seedless hashing for the per-row maps (keys are ids and codes, not attacker-chosen).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::mortality::Table as LifeTable;
use super::project::{Class, Member, State};
use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::{col, Cells, FundIndex};
use crate::ingest::rules::Amt;
use crate::ingest::scan::{part, Consumer, Part, Side};
use crate::ingest::Table;
use crate::model::catalog::benefit;
use crate::model::date::{months_between, period_of, year_of};
use crate::model::retirement::{retirement_period, Category};
use crate::model::FundId;

type Id = [u8; 18];

/// What the base year says about one fund.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// The rows behind this entry (persons, normal fees, recurring payments): a fund with none
    /// is not a fund of the base year (the partitioned run's take-back removes its entry).
    pub rows: u64,
    /// Members projected (alive, not transferred out, projectable).
    pub members: u64,
    /// Contributing on 31 December, and the sum of their December bases (fen).
    pub dec_contributors: u64,
    pub dec_base: i128,
    /// Receiving a pension on 31 December: heads, Σ monthly benefit, Σ contribution months.
    pub receivers: u64,
    pub receivers_benefit: i128,
    pub receivers_months: i128,
    /// Of those, retired during the base year.
    pub new_retirees: u64,
    pub new_benefit: i128,
    pub new_months: i128,
    /// Members who died during the year (status `deceased`).
    pub deaths: u64,
    /// Not paying on 31 December (suspended, or receiving 210/410 benefits below pension age)
    /// after paying a fee during the year, but not for December.
    pub newly_suspended: u64,
    /// Contributing on 31 December, enrolled during the year, no January fee; their bases.
    pub entrants: u64,
    pub entrant_base: i128,
    /// Normal fees on a base (employer + individual) and those bases.
    pub fees_on_base: i128,
    pub bases: i128,
    /// Normal flat premiums of residents (no base) and their payer-lines.
    pub flat_fees: i128,
    pub flat_payers: u64,
    /// Recurring benefit payments (not returned): benefit → (payment-months, amount).
    #[serde(with = "crate::ingest::scan::static_keys")]
    pub recurring: BTreeMap<&'static str, (u64, i128)>,
}

/// Everything read: members (fund = index into `funds`), facts, exclusions by reason.
pub struct Read {
    pub funds: Vec<FundId>,
    pub facts: Vec<Facts>,
    pub members: Vec<Member>,
    pub excluded: BTreeMap<&'static str, u64>,
    /// Person rows in the selection, and of those transferred out (no longer the fund's).
    pub rows: u64,
    pub transferred: u64,
}

impl Read {
    /// Every person row in the selection is projected, dead, transferred out or excluded.
    pub fn accounted(&self) -> bool {
        let deaths: u64 = self.facts.iter().map(|f| f.deaths).sum();
        let members: u64 = self.facts.iter().map(|f| f.members).sum();
        let excluded: u64 = self.excluded.values().sum();
        self.rows == members + deaths + self.transferred + excluded
            && members == self.members.len() as u64
    }
}

fn fen(a: Amt) -> Option<i64> {
    a.and_then(|r| r.ok())
}

fn fund_code(region: &str, scheme: &str) -> Option<u32> {
    let r: u32 = region.parse().ok()?;
    let s: u32 = scheme.parse().ok()?;
    (r < 1_000_000 && s < 1000).then_some(r * 1000 + s)
}

/// The fund code of rows in the selection, worked out once per fund of a slice.
#[derive(Default)]
struct Codes<'a> {
    index: FundIndex<'a>,
    codes: Vec<Option<u32>>,
}

impl<'a> Codes<'a> {
    fn of(&mut self, p: &Pipeline, r: &'a str, s: &'a str) -> Option<u32> {
        let k = self.index.of(r, s) as usize;
        if k == self.codes.len() {
            self.codes.push(fund_code(r, s).filter(|_| p.selects(r, s)));
        }
        self.codes[k]
    }
}

fn fund_of(code: u32) -> FundId {
    (format!("{:06}", code / 1000), format!("{:03}", code % 1000))
}

/// Why a person row cannot be projected, if it cannot.
#[allow(clippy::too_many_arguments)]
fn unprojectable(
    year: i32,
    table: &LifeTable,
    class: Class,
    cat: Option<Category>,
    male: Option<bool>,
    birth: i32,
    enrolled: Option<i32>,
    state: State,
    amount: Option<i64>,
    start: Option<i32>,
) -> Option<&'static str> {
    let (Some(_), Some(male)) = (cat, male) else {
        return Some("unknown_category_or_sex");
    };
    if birth > year * 100 + 12 {
        return Some("born_after_year_end");
    }
    if enrolled.is_some_and(|e| e < birth) {
        return Some("enrolled_before_birth");
    }
    if start.is_some_and(|s| s < birth || s > year * 100 + 12) {
        return Some("benefit_start_impossible");
    }
    if months_between(birth, year * 100 + 12) / 12 > table.last_age(male) {
        return Some("outside_mortality_table");
    }
    let employee = matches!(
        class,
        Class::EmployeePension | Class::EmployeeInsurance | Class::EmployeeMedical
    );
    let pension = matches!(class, Class::EmployeePension | Class::ResidentPension);
    match state {
        State::Contributing if employee && amount.is_none() => Some("contributing_without_base"),
        State::Receiving if pension && amount.is_none() => Some("receiving_without_benefit"),
        _ => None,
    }
}

#[derive(Default)]
struct PersonsPart {
    members: Vec<(u32, Member)>,
    facts: HashMap<u32, Facts>,
    excluded: BTreeMap<&'static str, u64>,
    suspended: Vec<(u32, Id)>,
    entrants: Vec<(u32, Id, i64)>,
    rows: u64,
    transferred: u64,
}

/// The base year fed by the shared scan: persons first (members, suspended, entrants), then
/// contributions (effective rates, who paid while suspended, entrants' January fees) and
/// payouts (recurring benefits). `life` decides who is outside the mortality table.
pub struct Reader<'p> {
    p: &'p Pipeline,
    pub life: LifeTable,
    facts: BTreeMap<u32, Facts>,
    members: Vec<(u32, Member)>,
    excluded: BTreeMap<&'static str, u64>,
    suspended: HashMap<u32, HashSet<Id>>,
    entrants: HashMap<u32, HashMap<Id, i64>>,
    rows: u64,
    transferred: u64,
    still_paying: HashSet<(u32, Id)>,
    stopped: HashMap<u32, HashSet<Id>>,
    paid_january: Vec<(u32, Id)>,
    side: Side,
}

/// Suspended persons per fund, and the year's entrants per fund with their bases.
type Suspended = HashMap<u32, HashSet<Id>>;
type Entrants = HashMap<u32, HashMap<Id, i64>>;

/// Recurring benefit payments of a slice: (fund, benefit) → (payment-months, amount).
type RecurringPart = HashMap<(u32, &'static str), (u64, i128)>;

impl Consumer for Reader<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        let (rows, persons) = (self.side.takes(false), self.side.takes(true));
        match table {
            Table::Persons if !persons => &[],
            Table::Payouts if !rows => &[],
            // The fund-level fee sums need no person; who paid while suspended, in December
            // or as an entrant in January does.
            Table::Contributions if !persons => &[
                "region",
                "scheme",
                "payer_kind",
                "base",
                "employer_amount",
                "individual_amount",
                "kind",
            ],
            Table::Contributions if !rows => &["region", "scheme", "person_id", "period", "kind"],
            Table::Persons => &[
                "person_id",
                "region",
                "scheme",
                "sex",
                "birth_date",
                "category",
                "status",
                "enrolled_on",
                "contribution_months",
                "monthly_base",
                "benefit_start",
                "monthly_benefit",
            ],
            Table::Contributions => &[
                "region",
                "scheme",
                "person_id",
                "payer_kind",
                "period",
                "base",
                "employer_amount",
                "individual_amount",
                "kind",
            ],
            Table::Payouts => &["region", "scheme", "benefit", "amount", "returned_on"],
            _ => &[],
        }
    }

    fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        match table {
            Table::Persons => Box::new(persons_part(self.p, &self.life, cells, acc)),
            Table::Contributions => Box::new(fees_part(
                self.p,
                (&self.suspended, &self.entrants),
                cells,
                acc,
                self.side,
            )),
            _ => Box::new(recurring_part(self.p, cells, acc)),
        }
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        match table {
            Table::Persons => {
                let part = *part::<PersonsPart>(p)?;
                self.members.extend(part.members);
                self.rows += part.rows;
                self.transferred += part.transferred;
                for (k, v) in part.facts {
                    merge_facts(self.facts.entry(k).or_default(), v);
                }
                for (k, n) in part.excluded {
                    *self.excluded.entry(k).or_default() += n;
                }
                for (code, id) in part.suspended {
                    self.suspended.entry(code).or_default().insert(id);
                }
                for (code, id, base) in part.entrants {
                    self.entrants.entry(code).or_default().insert(id, base);
                }
            }
            Table::Contributions => {
                let part = *part::<FeesPart>(p)?;
                for (k, v) in part.facts {
                    merge_facts(self.facts.entry(k).or_default(), v);
                }
                for (code, id) in part.paid_while_suspended {
                    self.stopped.entry(code).or_default().insert(id);
                }
                self.still_paying.extend(part.paid_december);
                self.paid_january.extend(part.paid_january);
            }
            _ => {
                for ((code, b), (n, v)) in *part::<RecurringPart>(p)? {
                    let f = self.facts.entry(code).or_default();
                    f.rows += n;
                    let e = f.recurring.entry(b).or_default();
                    e.0 += n;
                    e.1 += v;
                }
            }
        }
        Ok(())
    }
}

/// The budget facts' part of a partial (funds by their numeric code, persons by their id).
#[derive(serde::Serialize, serde::Deserialize)]
struct ReaderState {
    facts: Vec<(u32, Facts)>,
    members: Vec<(u32, Member)>,
    excluded: Vec<(String, u64)>,
    suspended: Vec<(u32, Vec<Id>)>,
    entrants: Vec<(u32, Vec<(Id, i64)>)>,
    rows: u64,
    transferred: u64,
    still_paying: Vec<(u32, Id)>,
    stopped: Vec<(u32, Vec<Id>)>,
    paid_january: Vec<(u32, Id)>,
}

impl crate::ingest::scan::Fold for Reader<'_> {
    /// Facts and counts add; the sets of persons unite (a person's rows are in one partition,
    /// so the settlement in `finish` sees each person whole). Members are projected one by
    /// one and summed exactly, so their order does not show.
    fn fold(&mut self, other: Self) -> Result<()> {
        for (k, v) in other.facts {
            merge_facts(self.facts.entry(k).or_default(), v);
        }
        self.members.extend(other.members);
        for (k, n) in other.excluded {
            *self.excluded.entry(k).or_default() += n;
        }
        for (code, ids) in other.suspended {
            self.suspended.entry(code).or_default().extend(ids);
        }
        for (code, m) in other.entrants {
            self.entrants.entry(code).or_default().extend(m);
        }
        self.rows += other.rows;
        self.transferred += other.transferred;
        self.still_paying.extend(other.still_paying);
        for (code, ids) in other.stopped {
            self.stopped.entry(code).or_default().extend(ids);
        }
        self.paid_january.extend(other.paid_january);
        Ok(())
    }

    /// The fee sums and recurring payments of `other` (rows fed on [`Side::Rows`]) taken
    /// from the facts; an entry left without rows is dropped.
    fn subtract(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(
            other.members.is_empty()
                && other.excluded.is_empty()
                && other.suspended.is_empty()
                && other.entrants.is_empty()
                && other.rows == 0
                && other.transferred == 0
                && other.still_paying.is_empty()
                && other.stopped.is_empty()
                && other.paid_january.is_empty(),
            "budget facts of persons taken back: they are read by person"
        );
        for (code, f) in other.facts {
            let have = self.facts.get_mut(&code);
            let have = have.ok_or_else(|| {
                crate::error::Error::Internal(format!("fund {code}: facts taken back, never read"))
            })?;
            subtract_facts(have, f).map_err(|e| {
                crate::error::Error::Internal(format!("fund {code}: facts taken back: {e}"))
            })?;
            if have.rows == 0 {
                crate::ensure_invariant!(
                    *have == Facts::default(),
                    "fund {code}: facts of no rows left with figures"
                );
                self.facts.remove(&code);
            }
        }
        Ok(())
    }

    fn set_side(&mut self, side: Side) {
        self.side = side;
    }

    /// Through [`ReaderState`]: facts, members, exclusions and the sets of persons (sorted).
    fn save(&mut self) -> Result<Vec<u8>> {
        fn sorted<T: Ord>(v: impl IntoIterator<Item = T>) -> Vec<T> {
            let mut v: Vec<T> = v.into_iter().collect();
            v.sort_unstable();
            v
        }
        use std::mem::take;
        let state = ReaderState {
            facts: take(&mut self.facts).into_iter().collect(),
            members: take(&mut self.members),
            excluded: take(&mut self.excluded)
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect(),
            suspended: sorted(
                take(&mut self.suspended)
                    .into_iter()
                    .map(|(c, ids)| (c, sorted(ids))),
            ),
            entrants: sorted(
                take(&mut self.entrants)
                    .into_iter()
                    .map(|(c, m)| (c, sorted(m))),
            ),
            rows: take(&mut self.rows),
            transferred: take(&mut self.transferred),
            still_paying: sorted(take(&mut self.still_paying)),
            stopped: sorted(
                take(&mut self.stopped)
                    .into_iter()
                    .map(|(c, ids)| (c, sorted(ids))),
            ),
            paid_january: take(&mut self.paid_january),
        };
        crate::ingest::scan::encode(&state)
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        use crate::ingest::scan::intern;
        let st: ReaderState = crate::ingest::scan::decode(bytes)?;
        self.facts = st.facts.into_iter().collect();
        self.members = st.members;
        self.excluded = st.excluded.iter().map(|(k, n)| (intern(k), *n)).collect();
        self.suspended = st
            .suspended
            .into_iter()
            .map(|(c, ids)| (c, ids.into_iter().collect()))
            .collect();
        self.entrants = st
            .entrants
            .into_iter()
            .map(|(c, m)| (c, m.into_iter().collect()))
            .collect();
        self.rows = st.rows;
        self.transferred = st.transferred;
        self.still_paying = st.still_paying.into_iter().collect();
        self.stopped = st
            .stopped
            .into_iter()
            .map(|(c, ids)| (c, ids.into_iter().collect()))
            .collect();
        self.paid_january = st.paid_january;
        Ok(())
    }
}

impl<'p> Reader<'p> {
    pub fn new(p: &'p Pipeline, life: LifeTable) -> Self {
        Reader {
            p,
            life,
            facts: BTreeMap::new(),
            members: Vec::new(),
            excluded: BTreeMap::new(),
            suspended: HashMap::default(),
            entrants: HashMap::default(),
            rows: 0,
            transferred: 0,
            still_paying: HashSet::default(),
            stopped: HashMap::default(),
            paid_january: Vec::new(),
            side: Side::Both,
        }
    }

    /// Suspensions and entrants settled; members indexed by fund. Returns the life table too.
    pub fn finish(self) -> (Read, LifeTable) {
        let (mut facts, mut entrants) = (self.facts, self.entrants);
        for (code, id) in self.paid_january {
            if let Some(m) = entrants.get_mut(&code) {
                m.remove(&id);
            }
        }
        for (code, set) in self.stopped {
            let n = set
                .iter()
                .filter(|id| !self.still_paying.contains(&(code, **id)))
                .count();
            facts.entry(code).or_default().newly_suspended = n as u64;
        }
        for (code, m) in entrants.iter() {
            let f = facts.entry(*code).or_default();
            f.entrants = m.len() as u64;
            f.entrant_base = m.values().map(|b| *b as i128).sum();
        }
        // Dense fund indices in key order; members keep file order.
        let codes: Vec<u32> = facts.keys().copied().collect();
        let index: HashMap<u32, u32> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        let members = self
            .members
            .into_iter()
            .map(|(code, mut m)| {
                m.fund = index[&code];
                m
            })
            .collect();
        let read = Read {
            funds: codes.iter().map(|c| fund_of(*c)).collect(),
            facts: facts.into_values().collect(),
            members,
            excluded: self.excluded,
            rows: self.rows,
            transferred: self.transferred,
        };
        (read, self.life)
    }
}

/// The members and facts of a slice of `persons`.
fn persons_part(p: &Pipeline, life: &LifeTable, cells: &[Cells], acc: &[u32]) -> PersonsPart {
    let y = p.year;
    let c = |n: &str| col(Table::Persons, cells, n);
    let (pid, reg, sch, sex, birth, cat, status) = (
        c("person_id"),
        c("region"),
        c("scheme"),
        c("sex"),
        c("birth_date"),
        c("category"),
        c("status"),
    );
    let (enrolled, months, base, start, benefit) = (
        c("enrolled_on"),
        c("contribution_months"),
        c("monthly_base"),
        c("benefit_start"),
        c("monthly_benefit"),
    );
    let mut part = PersonsPart::default();
    for &i in acc {
        let i = i as usize;
        let (Some(r), Some(s)) = (reg.s(i), sch.s(i)) else {
            continue;
        };
        if !p.selects(r, s) {
            continue;
        }
        part.rows += 1;
        let Some(code) = fund_code(r, s) else {
            *part.excluded.entry("fund_code_not_numeric").or_default() += 1;
            continue;
        };
        let f = part.facts.entry(code).or_default();
        f.rows += 1;
        let state = match status.s(i) {
            Some("contributing") => State::Contributing,
            Some("suspended") => State::Suspended,
            Some("receiving") => State::Receiving,
            Some("deceased") => {
                f.deaths += 1;
                continue;
            }
            _ => {
                part.transferred += 1; // no longer the fund's
                continue;
            }
        };
        let class = Class::of(s);
        let Some(b) = birth.n(i) else {
            *part.excluded.entry("no_birth_date").or_default() += 1;
            continue;
        };
        let birth_p = period_of(b);
        let category = cat.s(i).and_then(Category::from_key);
        let male = match sex.s(i) {
            Some("M") => Some(true),
            Some("F") => Some(false),
            _ => None,
        };
        let amount = match state {
            State::Contributing => fen(base.m(i)),
            State::Receiving => fen(benefit.m(i)),
            State::Suspended => None,
        };
        let enrolled_p = enrolled.n(i).map(period_of);
        if let Some(why) = unprojectable(
            y,
            life,
            class,
            category,
            male,
            birth_p,
            enrolled_p,
            state,
            amount,
            start.n(i),
        ) {
            *part.excluded.entry(why).or_default() += 1;
            continue;
        }
        let (cat, male) = (category.expect("checked"), male.expect("checked"));
        let m = months.n(i).unwrap_or(0).max(0);
        let amount = amount.unwrap_or(0);
        let f = part.facts.entry(code).or_default();
        f.members += 1;
        let id: Option<Id> = pid.s(i).and_then(|s| s.as_bytes().try_into().ok());
        match state {
            State::Contributing => {
                f.dec_contributors += 1;
                f.dec_base += amount as i128;
                let new = enrolled.n(i).is_some_and(|e| year_of(e) == y);
                if let (true, Some(id)) = (new, id) {
                    part.entrants.push((code, id, amount));
                }
            }
            State::Receiving => {
                // Receiving in 210/410… while below pension age (unemployment
                // benefit, injury allowance): may have stopped paying this year.
                let young = retirement_period(cat, birth_p) > y * 100 + 12;
                let insurance = matches!(class, Class::EmployeeInsurance | Class::EmployeeMedical);
                if let (true, true, Some(id)) = (insurance, young, id) {
                    part.suspended.push((code, id));
                }
                f.receivers += 1;
                f.receivers_benefit += amount as i128;
                f.receivers_months += m as i128;
                if start.n(i).is_some_and(|s| s / 100 == y) {
                    f.new_retirees += 1;
                    f.new_benefit += amount as i128;
                    f.new_months += m as i128;
                }
            }
            State::Suspended => {
                if let Some(id) = id {
                    part.suspended.push((code, id));
                }
            }
        }
        part.members.push((
            code,
            Member {
                fund: 0,
                male,
                state,
                birth: birth_p,
                retire: retirement_period(cat, birth_p),
                months: m,
                amount,
            },
        ));
    }
    part
}

fn merge_facts(a: &mut Facts, b: Facts) {
    a.rows += b.rows;
    a.members += b.members;
    a.dec_contributors += b.dec_contributors;
    a.dec_base += b.dec_base;
    a.receivers += b.receivers;
    a.receivers_benefit += b.receivers_benefit;
    a.receivers_months += b.receivers_months;
    a.new_retirees += b.new_retirees;
    a.new_benefit += b.new_benefit;
    a.new_months += b.new_months;
    a.deaths += b.deaths;
    a.newly_suspended += b.newly_suspended;
    a.entrants += b.entrants;
    a.entrant_base += b.entrant_base;
    a.fees_on_base += b.fees_on_base;
    a.bases += b.bases;
    a.flat_fees += b.flat_fees;
    a.flat_payers += b.flat_payers;
    for (k, (n, v)) in b.recurring {
        let e = a.recurring.entry(k).or_default();
        e.0 += n;
        e.1 += v;
    }
}

/// `b` taken from `a`, field by field (counts may not go below zero); a recurring benefit
/// left without payment-months is dropped.
fn subtract_facts(a: &mut Facts, b: Facts) -> std::result::Result<(), String> {
    fn less(a: &mut u64, b: u64) -> std::result::Result<(), String> {
        *a = a.checked_sub(b).ok_or("a count below zero")?;
        Ok(())
    }
    less(&mut a.rows, b.rows)?;
    less(&mut a.members, b.members)?;
    less(&mut a.dec_contributors, b.dec_contributors)?;
    less(&mut a.receivers, b.receivers)?;
    less(&mut a.new_retirees, b.new_retirees)?;
    less(&mut a.deaths, b.deaths)?;
    less(&mut a.newly_suspended, b.newly_suspended)?;
    less(&mut a.entrants, b.entrants)?;
    less(&mut a.flat_payers, b.flat_payers)?;
    a.dec_base -= b.dec_base;
    a.receivers_benefit -= b.receivers_benefit;
    a.receivers_months -= b.receivers_months;
    a.new_benefit -= b.new_benefit;
    a.new_months -= b.new_months;
    a.entrant_base -= b.entrant_base;
    a.fees_on_base -= b.fees_on_base;
    a.bases -= b.bases;
    a.flat_fees -= b.flat_fees;
    for (k, (n, v)) in b.recurring {
        let e = a
            .recurring
            .get_mut(k)
            .ok_or("a benefit taken back, never paid")?;
        less(&mut e.0, n)?;
        e.1 -= v;
        if e.0 == 0 {
            if e.1 != 0 {
                return Err(format!("{k}: no payment-months left, but an amount"));
            }
            a.recurring.remove(k);
        }
    }
    Ok(())
}

/// Effective rates, flat premiums; which suspended persons paid during the year and which
/// of the year's enrolled paid in January (then they are not entrants).
#[derive(Default)]
struct FeesPart {
    facts: HashMap<u32, Facts>,
    paid_while_suspended: Vec<(u32, Id)>,
    paid_december: Vec<(u32, Id)>,
    paid_january: Vec<(u32, Id)>,
}

/// A slice of `contributions`: the fee sums behind effective rates and flat premiums (when
/// `side` takes the work that needs no person), and which suspended persons paid during the
/// year or in December and which of the year's enrolled paid in January, then not entrants
/// (when `side` takes the work by person).
fn fees_part(
    p: &Pipeline,
    (suspended, entrants): (&Suspended, &Entrants),
    cells: &[Cells],
    acc: &[u32],
    side: Side,
) -> FeesPart {
    let (sums, persons) = (side.takes(false), side.takes(true));
    let january = p.year * 100 + 1;
    let december = p.year * 100 + 12;
    let c = |n: &str| col(Table::Contributions, cells, n);
    let (reg, sch, pid, payer, period, base, emp, ind, kind) = (
        c("region"),
        c("scheme"),
        c("person_id"),
        c("payer_kind"),
        c("period"),
        c("base"),
        c("employer_amount"),
        c("individual_amount"),
        c("kind"),
    );
    let mut part = FeesPart::default();
    let mut codes = Codes::default();
    for &i in acc {
        let i = i as usize;
        if kind.s(i) != Some("normal") {
            continue;
        }
        let (Some(r), Some(s)) = (reg.s(i), sch.s(i)) else {
            continue;
        };
        let Some(code) = codes.of(p, r, s) else {
            continue;
        };
        if sums {
            let fee = fen(emp.m(i)).unwrap_or(0) as i128 + fen(ind.m(i)).unwrap_or(0) as i128;
            let f = part.facts.entry(code).or_default();
            f.rows += 1;
            match (fen(base.m(i)), payer.s(i)) {
                (Some(b), _) => {
                    f.fees_on_base += fee;
                    f.bases += b as i128;
                }
                (None, Some("resident")) => {
                    f.flat_fees += fee;
                    f.flat_payers += 1;
                }
                _ => {}
            }
        }
        if !persons {
            continue;
        }
        let Some(id) = pid.s(i).and_then(|s| s.as_bytes().try_into().ok()) else {
            continue;
        };
        let id: Id = id;
        if suspended.get(&code).is_some_and(|set| set.contains(&id)) {
            part.paid_while_suspended.push((code, id));
            if period.n(i) == Some(december) {
                part.paid_december.push((code, id));
            }
        }
        if period.n(i) == Some(january) && entrants.get(&code).is_some_and(|m| m.contains_key(&id))
        {
            part.paid_january.push((code, id));
        }
    }
    part
}

/// Payment-months and amounts of recurring benefits (not returned) of a slice of `payouts`.
fn recurring_part(p: &Pipeline, cells: &[Cells], acc: &[u32]) -> RecurringPart {
    let c = |n: &str| col(Table::Payouts, cells, n);
    let (reg, sch, ben, amount, ret) = (
        c("region"),
        c("scheme"),
        c("benefit"),
        c("amount"),
        c("returned_on"),
    );
    let mut part: HashMap<(u32, &'static str), (u64, i128)> = HashMap::default();
    let mut codes = Codes::default();
    for &i in acc {
        let i = i as usize;
        let Some(b) = ben.s(i).and_then(benefit).filter(|b| b.recurring) else {
            continue;
        };
        if ret.n(i).is_some() {
            continue;
        }
        let (Some(r), Some(s)) = (reg.s(i), sch.s(i)) else {
            continue;
        };
        let Some(code) = codes.of(p, r, s) else {
            continue;
        };
        let e = part.entry((code, b.key)).or_default();
        e.0 += 1;
        e.1 += fen(amount.m(i)).unwrap_or(0) as i128;
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_taken_back_leave_the_rest_and_drop_a_benefit_left_unpaid() {
        let mut a = Facts {
            rows: 3,
            fees_on_base: 100,
            bases: 1_000,
            flat_payers: 1,
            recurring: [("basic_pension", (2, 50))].into_iter().collect(),
            ..Facts::default()
        };
        let b = Facts {
            rows: 2,
            fees_on_base: 40,
            bases: 400,
            recurring: [("basic_pension", (2, 50))].into_iter().collect(),
            ..Facts::default()
        };
        subtract_facts(&mut a, b).unwrap();
        let want = Facts {
            rows: 1,
            fees_on_base: 60,
            bases: 600,
            flat_payers: 1,
            ..Facts::default()
        };
        assert_eq!(a, want);
        let too_many = Facts {
            flat_payers: 2,
            ..Facts::default()
        };
        assert!(subtract_facts(&mut a, too_many).is_err());
    }
}
