//! Budget 社会保险基金预算: next year's draft 预算草案 per fund, projected from the
//! population (not from the totals), the drivers 基础资料 it rests on, the execution of this
//! year's approved budget 预算执行, and a multi-year projection under assumption sets.
//!
//! Flow: `facts::Reader` (fed by the shared scan: persons → members, base-year facts) → `project::fast` (exposures per
//! fund and year) → `draft::year` (items per fund, year and scenario) → CSV / XLSX here.

pub mod draft;
pub mod facts;
pub mod parts;
pub use crate::model::mortality;
pub mod project;

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{Pipeline, Scenario};
use crate::csv::Csv;
use crate::error::Result;
use crate::ingest::cells::{col, Cells};
use crate::ingest::scan::{part, Consumer, Part};
use crate::ingest::Table;
use crate::ledger::statements::FundStatement;
use crate::model::catalog::{benefit, Direction};
use crate::model::money::yuan;
use crate::model::FundId;
use draft::{FundInput, Params, Year};
use facts::Facts;
use project::{Class, Measure, Setup, Shape};

/// The budget of one fund: the draft year (central assumptions) and, per scenario, the
/// projection years.
pub struct FundBudget {
    pub fund: FundId,
    pub base: FundStatement,
    pub draft: Year,
    pub basis: Vec<BasisRow>,
    /// (scenario, years) in the pipeline's scenario order.
    pub projection: Vec<(String, Vec<Year>)>,
    /// The draft per part 分账预算 of a fund kept in parts (310, 410); empty otherwise.
    pub parts: Vec<parts::PartDraft>,
}

/// One driver of `basis.csv`.
#[derive(Debug, Clone)]
pub struct BasisRow {
    pub driver: String,
    pub name: &'static str,
    pub actual: String,
    pub projected: String,
    pub unit: &'static str,
    pub used_for: Vec<String>,
    pub method: String,
}

/// Everything the budget stage produced.
pub struct Budget {
    pub year: i32,
    pub funds: Vec<FundBudget>,
    pub excluded: BTreeMap<&'static str, u64>,
    pub members: u64,
    pub mortality: String,
    /// Approved budget lines of the run's year: (fund, item) → amount.
    pub approved: BTreeMap<(FundId, String), i128>,
    /// Person rows in the selection, and whether each is projected, dead, transferred out
    /// or excluded with a reason.
    pub person_rows: u64,
    pub accounted: bool,
}

fn params(s: &Scenario) -> Params {
    Params {
        name: s.name.clone(),
        wage_growth: s.wage_growth,
        pension_adjustment: s.pension_adjustment,
        interest_rate: s.interest_rate,
        collection_rate: s.collection_rate,
    }
}

/// The projectors' setup: each fund's class and estimated suspension rate.
fn setup<'a>(
    p: &Pipeline,
    years: usize,
    life: &'a mortality::Table,
    read: &facts::Read,
) -> Setup<'a> {
    let a = &p.assumptions;
    Setup {
        base_year: p.year,
        years,
        table: life,
        funds: read
            .funds
            .iter()
            .zip(&read.facts)
            .map(|(f, x)| (Class::of(&f.1), FundInput::suspension_ppm(x)))
            .collect(),
        medical_min_months: [
            12 * a.medical_min_years_male as i32,
            12 * a.medical_min_years_female as i32,
        ],
    }
}

/// The budget stage fed by the shared scan: the base year's facts and the approved budget.
pub struct Drafting<'p> {
    p: &'p Pipeline,
    reader: facts::Reader<'p>,
    approved: BTreeMap<(FundId, String), i128>,
}

impl crate::ingest::scan::Fold for Drafting<'_> {
    fn fold(&mut self, other: Self) -> Result<()> {
        for (k, a) in other.approved {
            *self.approved.entry(k).or_default() += a;
        }
        self.reader.fold(other.reader)
    }

    fn subtract(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(other.approved.is_empty(), "approved lines taken back");
        self.reader.subtract(other.reader)
    }

    fn set_side(&mut self, side: crate::ingest::scan::Side) {
        self.reader.set_side(side);
    }

    /// The approved lines have no person (the merge reads them itself): the partial holds
    /// the facts only.
    fn save(&mut self) -> Result<Vec<u8>> {
        self.reader.save()
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        self.reader.load(bytes)
    }
}

impl Consumer for Drafting<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        match table {
            Table::Budget => &["region", "scheme", "item", "amount"],
            t => self.reader.uses(t),
        }
    }

    fn map(&self, table: Table, cells: &[Cells], file: usize, first: u64, acc: &[u32]) -> Part {
        match table {
            Table::Budget => Box::new(approved_lines(self.p, cells, acc)),
            t => self.reader.map(t, cells, file, first, acc),
        }
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        match table {
            Table::Budget => {
                for (k, a) in *part::<Vec<((FundId, String), i128)>>(p)? {
                    *self.approved.entry(k).or_default() += a;
                }
                Ok(())
            }
            t => self.reader.absorb(t, p),
        }
    }
}

impl<'p> Drafting<'p> {
    /// Loads the life table (a bad `mortality` file is a config error, before any scan).
    pub fn new(p: &'p Pipeline) -> Result<Self> {
        let life = mortality::Table::load(&p.assumptions.mortality, &p.base_path)?;
        Ok(Drafting {
            p,
            reader: facts::Reader::new(p, life),
            approved: BTreeMap::new(),
        })
    }

    /// Drafts the budget from the base year and the year's statements.
    pub fn finish(
        self,
        statements: &[FundStatement],
        books: &crate::ledger::Books,
    ) -> Result<Budget> {
        let (read, life) = self.reader.finish();
        draft_budget(self.p, read, life, self.approved, statements, books)
    }
}

/// Drafts the budget from the base year's facts and the year's statements.
fn draft_budget(
    p: &Pipeline,
    read: facts::Read,
    life: mortality::Table,
    approved: BTreeMap<(FundId, String), i128>,
    statements: &[FundStatement],
    books: &crate::ledger::Books,
) -> Result<Budget> {
    // Funds: those with books; a fund with persons but no money has nothing to budget.
    let index: BTreeMap<&FundId, usize> =
        read.funds.iter().enumerate().map(|(i, f)| (f, i)).collect();
    let years = (p.horizon as usize).max(1);
    let setup = setup(p, years, &life, &read);
    let exposures = project::fast(&setup, &read.members);
    let shape = Shape {
        funds: read.funds.len(),
        years,
    };
    let empty_facts = Facts::default();
    let zeros = vec![0i128; Shape { funds: 1, years }.len()];
    let central = params(&p.scenarios[0]);
    let mut funds = Vec::new();
    for st in statements {
        let (facts, exposures, shape, i) = match index.get(&st.fund) {
            Some(&i) => (&read.facts[i], exposures.as_slice(), shape, i),
            None => (&empty_facts, zeros.as_slice(), Shape { funds: 1, years }, 0),
        };
        let input = FundInput {
            index: i,
            scheme: &st.fund.1,
            statement: st,
            facts,
            exposures,
            shape,
        };
        let first = draft::year(&input, &central, 0, p.year, st.closing_balance());
        let basis = basis(&input, &central, &first, &life.source);
        let mut projection = Vec::new();
        if p.horizon > 0 {
            for s in &p.scenarios {
                let ps = params(s);
                let mut opening = st.closing_balance();
                let mut ys = Vec::new();
                for j in 0..years {
                    let yj = draft::year(&input, &ps, j, p.year, opening);
                    opening = yj.closing();
                    ys.push(yj);
                }
                projection.push((s.name.clone(), ys));
            }
        }
        let base_parts =
            crate::ledger::statements::part_statements(&st.fund, &books.funds[&st.fund]);
        // Parts are drafted only where this year's opening split is known.
        let known = books.funds[&st.fund].part_opening_given;
        let parts = match base_parts.len() > 1 && known {
            true => parts::split(&first, &base_parts, draft::members_ratio(&input, 0)),
            false => Vec::new(),
        };
        funds.push(FundBudget {
            fund: st.fund.clone(),
            base: st.clone(),
            draft: first,
            basis,
            projection,
            parts,
        });
    }
    let members = read.facts.iter().map(|f| f.members).sum();
    let accounted = read.accounted();
    Ok(Budget {
        year: p.year,
        funds,
        excluded: read.excluded,
        members,
        mortality: life.source,
        approved,
        person_rows: read.rows,
        accounted,
    })
}

/// The `budget` table's lines of a slice, in the selection.
fn approved_lines(p: &Pipeline, cells: &[Cells], acc: &[u32]) -> Vec<((FundId, String), i128)> {
    let c = |n: &str| col(Table::Budget, cells, n);
    let (reg, sch, item, amount) = (c("region"), c("scheme"), c("item"), c("amount"));
    acc.iter()
        .filter_map(|&i| {
            let i = i as usize;
            let (r, s, it) = (reg.s(i)?, sch.s(i)?, item.s(i)?);
            let a = amount.m(i)?.ok()?;
            p.selects(r, s)
                .then(|| (((r.to_string(), s.to_string()), it.to_string()), a as i128))
        })
        .collect()
}

fn fixed(d: Decimal, dp: u32) -> String {
    let r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    format!("{r:.*}", dp as usize)
}

fn expo(input: &FundInput, m: Measure) -> Decimal {
    Decimal::from_i128_with_scale(input.exposures[input.shape.at(input.index, 0, m)], 12)
}

fn per(a: i128, b: i128) -> Decimal {
    if b == 0 {
        Decimal::ZERO
    } else {
        Decimal::from_i128_with_scale(a, 0) / Decimal::from_i128_with_scale(b, 0)
    }
}

/// Fen (as a decimal) → yuan text, rounded half away from zero.
fn money(fen: Decimal) -> String {
    yuan(draft::to_fen(fen))
}

/// The drivers behind a fund's draft, actual and projected, and the lines that use them.
fn basis(input: &FundInput, params: &Params, year: &Year, mortality: &str) -> Vec<BasisRow> {
    let f = input.facts;
    let g = Decimal::ONE + params.wage_growth;
    let mut rows: Vec<BasisRow> = Vec::new();
    let mut row = |driver: String,
                   name: &'static str,
                   actual: String,
                   projected: String,
                   unit: &'static str,
                   method: String| {
        rows.push(BasisRow {
            driver,
            name,
            actual,
            projected,
            unit,
            used_for: Vec::new(),
            method,
        });
    };
    row("participants".into(), "参保人数", f.members.to_string(), fixed(expo(input, Measure::AliveEnd), 2), "persons",
        "members projected (persons not deceased or transferred out, less exclusions); projected: expected alive on 31 December".into());
    let avg_contributors = expo(input, Measure::FeeMonths) / Decimal::from(12);
    row("contributors".into(), "缴费人数", f.dec_contributors.to_string(), fixed(avg_contributors, 2), "persons",
        "actual: contributing on 31 December; projected: monthly average of Σ P(alive and working), deaths by the life table, suspensions at suspension_rate, retirement at the statutory month once the minimum months are met".into());
    row(
        "average_base".into(),
        "月平均缴费基数",
        money(per(f.dec_base, f.dec_contributors as i128)),
        money(per(f.dec_base, f.dec_contributors as i128) * g),
        "yuan/month",
        "December bases of contributors ÷ contributors; projected × (1 + wage_growth)".into(),
    );
    row(
        "effective_rate".into(),
        "综合费率",
        fixed(input.rate(), 4),
        fixed(input.rate(), 4),
        "rate",
        format!(
            "normal fees on a base {} ÷ those bases {}",
            yuan(f.fees_on_base),
            yuan(f.bases)
        ),
    );
    let s = FundInput::suspension_ppm(f);
    row("suspension_rate".into(), "中断缴费率", fixed(Decimal::new(s, 6), 4), fixed(Decimal::new(s, 6), 4), "rate",
        format!("not paying on 31 December (suspended, or drawing 210/410 benefits below pension age) after paying during the year but not for December ({}) ÷ (those + contributing on 31 December {}); suspensions spread evenly over the year", f.newly_suspended, f.dec_contributors));
    row("entrants".into(), "新参保缴费人数", f.entrants.to_string(), f.entrants.to_string(), "persons",
        format!("contributing on 31 December, enrolled during the year, no January fee; assumed to repeat, entering evenly (6.5 months of fees), average base {}", money(per(f.entrant_base, f.entrants as i128))));
    if f.flat_payers > 0 {
        let prem = per(f.flat_fees, f.flat_payers as i128);
        row(
            "premium".into(),
            "人均缴费",
            money(prem),
            money(prem),
            "yuan/year",
            format!(
                "flat premiums {} ÷ payer-lines {}; held (premium levels are set by policy)",
                yuan(f.flat_fees),
                f.flat_payers
            ),
        );
        row(
            "premium_payers".into(),
            "缴费人次",
            f.flat_payers.to_string(),
            fixed(expo(input, Measure::PremiumPayers), 2),
            "persons",
            "projected: members below pension age alive at the collection month".into(),
        );
    }
    for b in crate::model::catalog::BENEFITS
        .iter()
        .filter(|b| b.recurring && b.schemes.contains(&input.scheme))
    {
        let (n, amount) = f.recurring.get(b.key).copied().unwrap_or_default();
        let line = year.amount(&format!("benefits.{}", b.key));
        let pension = matches!(
            b.key,
            "basic_pension" | "resident_basic_pension" | "resident_account_pension"
        );
        let months = if pension {
            expo(input, Measure::PensionMonths)
        } else {
            Decimal::from(n)
        };
        row(
            format!("recipients.{}", b.key),
            "领取待遇人数",
            fixed(Decimal::from(n) / Decimal::from(12), 2),
            fixed(months / Decimal::from(12), 2),
            "persons",
            if pension {
                "average monthly recipients: payment-months ÷ 12; projected: Σ P(alive) over pensioners in payment and new retirees ÷ 12".into()
            } else {
                "average monthly recipients: payment-months ÷ 12; held".into()
            },
        );
        row(
            format!("average_benefit.{}", b.key),
            "月人均待遇",
            money(per(amount, n as i128)),
            if months.is_zero() {
                String::new()
            } else {
                money(Decimal::from_i128_with_scale(line, 0) / months)
            },
            "yuan/month",
            "amount ÷ payment-months; projected: the draft line ÷ projected payment-months".into(),
        );
    }
    if matches!(
        Class::of(input.scheme),
        Class::EmployeePension | Class::ResidentPension
    ) {
        row("new_retirees".into(), "新增退休人数", f.new_retirees.to_string(), fixed(expo(input, Measure::NewRetirees), 2), "persons",
            "actual: receiving with a first benefit month in the year; projected: reaching the statutory month (2025 reform table) with the minimum contribution months, alive".into());
    }
    if Class::of(input.scheme) == Class::EmployeePension {
        let pm = input.pension_per_month();
        row("pension_per_month".into(), "每缴费月首月养老金", fixed(pm / Decimal::ONE_HUNDRED, 4), fixed(pm * g / Decimal::ONE_HUNDRED, 4), "yuan/month per contribution month",
            format!("first pensions of the year's new retirees {} ÷ their contribution months {}; grown with wages to the retirement year", yuan(f.new_benefit), f.new_months));
    }
    row(
        "deaths".into(),
        "死亡人数",
        f.deaths.to_string(),
        fixed(expo(input, Measure::Deaths), 2),
        "persons",
        "actual: members with status deceased; projected: Σ P(alive on 1 January) × qx".into(),
    );
    row(
        "mortality".into(),
        "生命表",
        String::new(),
        mortality.to_string(),
        "table",
        "one-year death probabilities by age reached and sex; deaths spread evenly over the year"
            .into(),
    );
    for (k, name, v) in [
        ("wage_growth", "工资增长率", params.wage_growth),
        (
            "pension_adjustment",
            "基本养老金调整比例",
            params.pension_adjustment,
        ),
        ("interest_rate", "利率", params.interest_rate),
        ("collection_rate", "征缴率", params.collection_rate),
    ] {
        row(
            k.into(),
            name,
            String::new(),
            fixed(v, 4),
            "rate",
            "pipeline [assumptions]".into(),
        );
    }
    let held: i128 = year
        .lines
        .iter()
        .filter(|l| l.drivers == ["held_items"])
        .map(|l| l.base)
        .sum();
    row("held_items".into(), "按上年执行数安排的项目", yuan(held), yuan(held), "yuan",
        "policy-set items (subsidies, transfers, remittances, investment income, other items) held at the base year".into());
    // Which draft lines each driver feeds.
    for l in &year.lines {
        let bkey = l.key.strip_prefix("benefits.");
        for d in &l.drivers {
            let name = match (*d, bkey) {
                ("recipients" | "average_benefit", Some(b))
                    if benefit(b).is_some_and(|b| b.recurring) =>
                {
                    format!("{d}.{b}")
                }
                _ => d.to_string(),
            };
            if let Some(r) = rows.iter_mut().find(|r| r.driver == name) {
                r.used_for.push(l.key.clone());
            }
        }
    }
    rows
}

fn pct(num: i128, den: i128) -> String {
    if den == 0 {
        String::new()
    } else {
        fixed(per(num * 100, den), 2)
    }
}

/// `budget/draft.csv`: every item, the totals, surplus and balances.
pub fn draft_csv(b: &Budget) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "item",
        "name",
        "base_year_actual",
        "budget",
        "change",
        "change_pct",
    ]);
    for f in &b.funds {
        for (key, name, base, budget) in draft_rows(f) {
            csv.row([
                f.fund.0.clone(),
                f.fund.1.clone(),
                key,
                name,
                yuan(base),
                yuan(budget),
                yuan(budget - base),
                pct(budget - base, base),
            ]);
        }
    }
    csv.into_bytes()
}

/// The draft's rows: (key, name, base-year actual, budget).
pub fn draft_rows(f: &FundBudget) -> Vec<(String, String, i128, i128)> {
    let d = &f.draft;
    let mut rows: Vec<(String, String, i128, i128)> = Vec::new();
    for dir in [Direction::Revenue, Direction::Expenditure] {
        for l in d.lines.iter().filter(|l| l.direction == dir) {
            rows.push((l.key.clone(), l.name.clone(), l.base, l.amount));
        }
        if dir == Direction::Revenue {
            rows.push((
                "total_revenue".into(),
                "收入合计".into(),
                f.base.total_revenue,
                d.total_revenue,
            ));
        } else {
            rows.push((
                "total_expenditure".into(),
                "支出合计".into(),
                f.base.total_expenditure,
                d.total_expenditure,
            ));
        }
    }
    rows.push((
        "surplus".into(),
        "本年收支结余".into(),
        f.base.surplus(),
        d.surplus(),
    ));
    rows.push((
        "opening_balance".into(),
        "年初滚存结余".into(),
        f.base.opening_balance,
        d.opening,
    ));
    rows.push((
        "closing_balance".into(),
        "年末滚存结余".into(),
        f.base.closing_balance(),
        d.closing(),
    ));
    rows
}

/// `budget/draft_sub_funds.csv`: the draft per part of every fund kept in parts — its items,
/// totals, the transfers between parts, opening and closing balances (`budget::parts`).
pub fn draft_sub_funds_csv(b: &Budget) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "sub_fund",
        "item",
        "name",
        "base_year_actual",
        "budget",
    ]);
    for f in b.funds.iter().filter(|f| !f.parts.is_empty()) {
        let (r, s) = (&f.fund.0, &f.fund.1);
        for d in &f.parts {
            let (k, b) = (d.part.key(), d.base);
            for (key, name, base, amount) in &d.lines {
                csv.row([r, s, k, key, name, &yuan(*base), &yuan(*amount)]);
            }
            for (key, name, base, amount) in [
                ("total_revenue", "收入合计", b.0, d.total_revenue),
                ("total_expenditure", "支出合计", b.1, d.total_expenditure),
                (
                    "part_transfers",
                    "分账间划转（净划入）",
                    d.transfers.0,
                    d.transfers.1,
                ),
                ("opening_balance", "年初滚存结余", b.2, d.opening),
                ("closing_balance", "年末滚存结余", d.opening, d.closing()),
            ] {
                csv.row([r.as_str(), s, k, key, name, &yuan(base), &yuan(amount)]);
            }
        }
    }
    csv.into_bytes()
}

/// `budget/basis.csv`.
pub fn basis_csv(b: &Budget) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "driver",
        "name",
        "actual",
        "projected",
        "unit",
        "used_for",
        "method",
    ]);
    for f in &b.funds {
        for r in &f.basis {
            csv.row([
                f.fund.0.as_str(),
                &f.fund.1,
                &r.driver,
                r.name,
                &r.actual,
                &r.projected,
                r.unit,
                &r.used_for.join(" "),
                &r.method,
            ]);
        }
    }
    csv.into_bytes()
}

/// The year the balance first turns negative, if it does.
pub fn runs_out(years: &[Year]) -> Option<i32> {
    years.iter().find(|y| y.closing() < 0).map(|y| y.year)
}

/// `budget/projection.csv`: per fund, scenario and year.
pub fn projection_csv(b: &Budget) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "scenario",
        "year",
        "revenue",
        "expenditure",
        "surplus",
        "closing_balance",
        "months_payable",
        "balance_runs_out",
    ]);
    for f in &b.funds {
        for (name, years) in &f.projection {
            let out = runs_out(years).map(|y| y.to_string()).unwrap_or_default();
            for y in years {
                let mp = crate::model::money::months_payable(y.closing(), y.total_expenditure)
                    .map(|d| fixed(d, 2))
                    .unwrap_or_default();
                csv.row([
                    f.fund.0.clone(),
                    f.fund.1.clone(),
                    name.clone(),
                    y.year.to_string(),
                    yuan(y.total_revenue),
                    yuan(y.total_expenditure),
                    yuan(y.surplus()),
                    yuan(y.closing()),
                    mp,
                    out.clone(),
                ]);
            }
        }
    }
    csv.into_bytes()
}

/// Actual of a budget line key in a 收支表 (items, `benefits.<key>`, totals).
fn actual(st: &FundStatement, key: &str) -> i128 {
    match key {
        "total_revenue" => st.total_revenue,
        "total_expenditure" => st.total_expenditure,
        "surplus" => st.surplus(),
        _ => st.amount(key),
    }
}

/// `budget/execution.csv` 预算执行: the approved budget against the year's books.
pub fn execution_csv(b: &Budget, statements: &[FundStatement]) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "item",
        "budget",
        "actual",
        "progress_pct",
    ]);
    for ((fund, item), budget) in &b.approved {
        let a = statements
            .iter()
            .find(|s| &s.fund == fund)
            .map(|s| actual(s, item))
            .unwrap_or(0);
        csv.row([
            fund.0.clone(),
            fund.1.clone(),
            item.clone(),
            yuan(*budget),
            yuan(a),
            pct(a, *budget),
        ]);
    }
    csv.into_bytes()
}

/// How a draft line was computed, for `sifund budget --explain REGION,SCHEME,ITEM`.
pub fn explain(b: &Budget, region: &str, scheme: &str, item: &str) -> Option<String> {
    let f = b
        .funds
        .iter()
        .find(|f| f.fund.0 == region && f.fund.1 == scheme)?;
    let d = &f.draft;
    let text = match d.lines.iter().find(|l| l.key == item) {
        Some(l) => {
            let drivers: Vec<String> = f
                .basis
                .iter()
                .filter(|r| r.used_for.iter().any(|k| k == item))
                .map(|r| {
                    format!(
                        "  {} {} — actual {} / projected {} {} — {}",
                        r.driver, r.name, r.actual, r.projected, r.unit, r.method
                    )
                })
                .collect();
            format!(
                "{region} {scheme} {item} {} — budget {} {} (base year {} {})\n{}\ndrivers (budget/basis.csv):\n{}",
                l.name, d.year, yuan(l.amount), b.year, yuan(l.base), l.how, drivers.join("\n")
            )
        }
        None => {
            let row = draft_rows(f).into_iter().find(|r| r.0 == item)?;
            let how = match item {
                "total_revenue" => "sum of the revenue items".to_string(),
                "total_expenditure" => {
                    "sum of the expenditure items (benefits counted once, as `benefits`)".into()
                }
                "surplus" => "total_revenue − total_expenditure".into(),
                "opening_balance" => format!(
                    "the base year's closing balance {}",
                    yuan(f.base.closing_balance())
                ),
                _ => "opening_balance + surplus".into(),
            };
            format!(
                "{region} {scheme} {item} {} — budget {} {} (base year {} {})\n{how}",
                row.1,
                d.year,
                yuan(row.3),
                b.year,
                yuan(row.2)
            )
        }
    };
    Some(text)
}

/// Summary for the manifest.
pub fn summary(b: &Budget) -> serde_json::Value {
    serde_json::json!({
        "funds": b.funds.len(),
        "members_projected": b.members,
        "persons_not_projected": b.excluded,
        "mortality": b.mortality,
        "approved_budget_lines": b.approved.len(),
    })
}

/// The draft year foots: benefit details sum to `benefits`, items to the totals.
pub fn foots(y: &Year) -> bool {
    let sum = |f: &dyn Fn(&draft::Line) -> bool| -> i128 {
        y.lines.iter().filter(|l| f(l)).map(|l| l.amount).sum()
    };
    let details = sum(&|l| l.key.starts_with("benefits."));
    let revenue = sum(&|l| l.direction == Direction::Revenue);
    let expenditure =
        sum(&|l| l.direction == Direction::Expenditure && !l.key.starts_with("benefits."));
    details == y.amount("benefits")
        && revenue == y.total_revenue
        && expenditure == y.total_expenditure
        && y.closing() == y.opening + revenue - expenditure
}

/// Reads `persons` and `contributions` of a pipeline's dataset and projects them with both
/// projectors; returns (members, years, whether the exposures agree exactly). For tests and
/// audits of the fast projector on real data.
pub fn projectors_agree(p: &Pipeline) -> Result<(usize, usize, bool)> {
    let checked =
        crate::ingest::check_schemas(&p.dataset_path, &[Table::Persons, Table::Contributions])?;
    let ctx = crate::ingest::Ctx::new(p.year);
    let life = mortality::Table::load(&p.assumptions.mortality, &p.base_path)?;
    let mut reader = facts::Reader::new(p, life);
    crate::ingest::scan::ingest_all(
        checked,
        &ctx,
        &mut [&mut reader],
        &mut |_| Ok(Box::new(crate::ingest::DiscardRejects)),
        &|_| {},
    )?;
    let (read, life) = reader.finish();
    let years = (p.horizon as usize).max(1);
    let setup = setup(p, years, &life, &read);
    let fast = project::fast(&setup, &read.members);
    let slow = project::slow(&setup, &read.members);
    Ok((
        read.members.len(),
        years,
        fast == slow && fast.iter().any(|v| *v != 0),
    ))
}
