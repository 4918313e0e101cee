//! `sifund generate`: a synthetic dataset that follows SPEC §2 exactly, deterministic from
//! `--seed`, sized by `--persons`, written block by block so memory stays bounded.
//!
//! Persons are simulated in parallel blocks (one random stream each) and written in order;
//! the money flows of every fund are then simulated day by day from the persons' totals, and
//! the statements mirror the books (some days' unreferenced credits one line per payer, as
//! many banks print them). `--faults` appends planted problems and lists them in
//! `faults.csv`.

pub mod accounts;
pub mod faults;
pub mod next_year;
pub mod people;
pub mod records;
mod residents;
pub mod rng;
pub mod workers;
pub mod world;

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::csv::Csv;
use crate::engine::ParquetSink;
use crate::error::{Error, Result};
use crate::model::Fen;
use crate::run::output::OutputDir;
use faults::Planted;
use people::{identity, Agg, Block, Identity};
use records::Frame;

#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Output dataset folder (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of insured persons (about 30 contribution rows each).
    #[arg(long, default_value_t = 2_000)]
    pub persons: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The year the dataset covers.
    #[arg(long, default_value_t = 2025)]
    pub year: i32,
    /// Plant known problems and list them in faults.csv.
    #[arg(long)]
    pub faults: bool,
}

const BLOCK: u64 = 4_096;
const ROW_GROUP: usize = 256 * 1024;

/// Buffers rows of one table and writes them as row groups of `ROW_GROUP` rows.
struct TableWriter<T: Frame + Clone> {
    path: PathBuf,
    sink: Option<ParquetSink>,
    buf: Vec<T>,
    rows: usize,
    first: Option<T>,
}

impl<T: Frame + Clone> TableWriter<T> {
    fn new(out: &mut OutputDir, name: &str) -> Result<Self> {
        Ok(TableWriter {
            path: out.path(&format!("{name}.parquet"))?,
            sink: None,
            buf: Vec::new(),
            rows: 0,
            first: None,
        })
    }

    fn push(&mut self, rows: Vec<T>) -> Result<()> {
        if self.first.is_none() {
            self.first = rows.first().cloned();
        }
        self.rows += rows.len();
        self.buf.extend(rows);
        if self.buf.len() >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let df = T::frame(&self.buf);
        if self.sink.is_none() {
            self.sink = Some(ParquetSink::create(&self.path, &df).map_err(Error::Internal)?);
        }
        self.sink
            .as_mut()
            .expect("created")
            .write(df)
            .map_err(Error::Internal)?;
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<usize> {
        self.flush()?;
        self.sink
            .take()
            .expect("created by flush")
            .finish()
            .map_err(Error::Internal)?;
        Ok(self.rows)
    }
}

/// Makes citizen IDs unique: a sequential pass over identities assigns the 3-digit sequence
/// per (address, birth date, sex), moving the birth date a day on in the rare full cell.
fn id_sequences(seed: u64, n: u64, year: i32) -> Vec<(u16, u8)> {
    let mut counters: HashMap<(u32, i32, bool), u16> = HashMap::new();
    (0..n)
        .map(|idx| {
            let id = identity(seed, idx, year);
            for shift in 0..=255u8 {
                let c = counters
                    .entry((id.addr, id.birth + shift as i32, id.male))
                    .or_insert(0);
                if *c < 499 {
                    *c += 1;
                    // odd sequence numbers for men, even for women (GB 11643)
                    let seq = if id.male { 2 * *c - 1 } else { 2 * *c };
                    return (seq, shift);
                }
            }
            unreachable!("256 days of one address and sex are never all full")
        })
        .collect()
}

/// One row of `faults.csv`.
struct FaultRow {
    kind: &'static str,
    table: &'static str,
    id: String,
    /// Row number in the table's file (`usize::MAX`: not a row of its own).
    row: usize,
    expected: String,
    amount: Option<i64>,
}

/// Appends planted rows (with fresh ids unless the id itself is the fault) and a duplicate of
/// the table's first clean row; with `other_person`, a second copy of that row under another
/// person (the same key in two persons' rows: a duplicate across the partitioned run's
/// buckets).
#[allow(clippy::too_many_arguments)]
fn plant<T: Frame + Clone>(
    w: &mut TableWriter<T>,
    table: &'static str,
    planted: Vec<Planted<T>>,
    set_id: fn(&mut T, String),
    get_id: fn(&T) -> String,
    (id_null, dup_reason): (&'static str, &'static str),
    other_person: Option<fn(&mut T)>,
    log: &mut Vec<FaultRow>,
) -> Result<()> {
    let mut rows = Vec::new();
    for (k, mut p) in planted.into_iter().enumerate() {
        if p.expected != faults::Expect::Reject(id_null) {
            set_id(&mut p.row, format!("X{table}{k:03}"));
        }
        let (kind, expected) = match p.expected {
            faults::Expect::Reject(e) => ("bad_row", e.to_string()),
            faults::Expect::Warning(w) => ("warning", w.to_string()),
        };
        log.push(FaultRow {
            kind,
            table,
            id: get_id(&p.row),
            row: w.rows + rows.len(),
            expected,
            amount: None,
        });
        rows.push(p.row);
    }
    if let Some(first) = w.first.clone() {
        log.push(FaultRow {
            kind: "bad_row",
            table,
            id: get_id(&first),
            row: w.rows + rows.len(),
            expected: dup_reason.into(),
            amount: None,
        });
        rows.push(first.clone());
        if let Some(move_to) = other_person {
            let mut copy = first;
            move_to(&mut copy);
            log.push(FaultRow {
                kind: "bad_row",
                table,
                id: get_id(&copy),
                row: w.rows + rows.len(),
                expected: dup_reason.into(),
                amount: None,
            });
            rows.push(copy);
        }
    }
    w.push(rows)
}

/// A person of no other row: the owner of the planted cross-person duplicates.
fn stranger() -> Option<String> {
    Some(crate::model::ids::make_citizen_id(440_305, 1977, 7, 7, 991))
}

/// Plants account-rule breaches (valid flows) and deaths the benefit roll missed; logs the
/// findings sifund must report: `violation` (rule, source id, amount) and `overpayment`.
fn plant_breaches(
    year: i32,
    flows: &mut TableWriter<records::FundFlow>,
    statements: &mut TableWriter<records::StatementLine>,
    deaths: &mut TableWriter<records::Death>,
    pensioners: &[people::Pensioner],
    log: &mut Vec<FaultRow>,
) -> Result<()> {
    let b = faults::breaches(year);
    for (rule, table, id, amount) in b.expected {
        log.push(FaultRow {
            kind: "violation",
            table,
            id,
            row: usize::MAX,
            expected: rule.into(),
            amount,
        });
    }
    // The banks print the planted flows like any other; then the planted differences.
    let mirror = faults::mirror(&b.flows);
    let returned = pensioners.first().and_then(|p| {
        p.payments
            .last()
            .map(|x| (p.region, p.scheme, x.0.as_str(), x.2))
    });
    let d = faults::differences(year, returned, &mirror);
    for (side, id, reason, amount) in &d.expected {
        log.push(FaultRow {
            kind: "unmatched",
            table: side,
            id: id.clone(),
            row: usize::MAX,
            expected: reason.to_string(),
            amount: Some(*amount),
        });
    }
    statements.push(mirror)?;
    statements.push(d.lines)?;
    flows.push(d.flows)?;
    flows.push(b.flows)?;
    let mut dead = Vec::new();
    for p in pensioners {
        dead.push(faults::missed_death(year, &p.person_id));
        let after: Vec<_> = p.payments.iter().filter(|x| x.1 > year * 100 + 9).collect();
        for (payment_id, _, amount, _) in &after {
            log.push(FaultRow {
                kind: "violation",
                table: "payouts",
                id: payment_id.clone(),
                row: usize::MAX,
                expected: "paid_after_death".into(),
                amount: Some(*amount),
            });
        }
        let total: i64 = after.iter().map(|x| x.2).sum();
        log.push(FaultRow {
            kind: "overpayment",
            table: p.scheme,
            id: p.person_id.clone(),
            row: usize::MAX,
            expected: format!("basic_pension:{}", after.len()),
            amount: Some(total),
        });
    }
    deaths.push(dead)
}

/// `sub_funds.csv`: the world's parts of every fund kept in parts (310 and 410 of the cities),
/// the truth `ledger/sub_funds.csv` must show — planted part transfers included (not an input
/// table). Item keys as in `ledger/sub_funds.csv` where the ledger has the figure (the account
/// part's `contribution`, `transfer_in`, `transfer_out`, `benefits.account_medical`; every
/// part's `part_transfers`, `opening_balance`, `closing_balance`); the gross transfers between
/// parts as `account_credit`, `reserve_set_aside`, `reserve_release`.
fn parts_truth(parts: &std::collections::BTreeMap<people::FundKey, accounts::Parts>) -> Vec<u8> {
    let mut csv = Csv::new(&["region", "scheme", "sub_fund", "item", "amount"]);
    for (&(region, scheme), p) in parts {
        let (part, held, transfers, gross): (&str, Fen, Fen, Vec<(&str, Fen)>) = if scheme == "310"
        {
            let gross = vec![
                ("contribution", p.account_contribution),
                ("transfer_in", p.transfer_in),
                ("transfer_out", p.transfer_out),
                ("benefits.account_medical", p.account_medical),
                ("account_credit", p.credited),
            ];
            ("account", p.account, p.credited, gross)
        } else {
            let gross = vec![
                ("reserve_set_aside", p.set_aside),
                ("reserve_release", p.released),
            ];
            ("reserve", p.reserve, p.set_aside - p.released, gross)
        };
        let opening = p.opening[if scheme == "310" { 1 } else { 2 }];
        let rows = [
            ("pooled", "opening_balance", p.opening[0]),
            ("pooled", "part_transfers", -transfers),
            ("pooled", "closing_balance", p.total - held),
        ];
        for (sub, item, v) in rows {
            csv.row([
                region,
                scheme,
                sub,
                item,
                &crate::model::money::yuan(v as i128),
            ]);
        }
        for (item, v) in gross.into_iter().chain([
            ("opening_balance", opening),
            ("part_transfers", transfers),
            ("closing_balance", held),
        ]) {
            csv.row([
                region,
                scheme,
                part,
                item,
                &crate::model::money::yuan(v as i128),
            ]);
        }
    }
    csv.into_bytes()
}

/// Writes the dataset; returns the number of contribution rows.
pub fn generate(a: &GenerateArgs) -> Result<usize> {
    if a.persons == 0 {
        return Err(Error::Config("--persons must be at least 1".into()));
    }
    let seqs = id_sequences(a.seed, a.persons, a.year);
    let ctx = people::Ctx {
        seed: a.seed,
        year: a.year,
        persons: a.persons,
    };
    let mut out = OutputDir::create(&a.out)?;
    let result = (|| -> Result<usize> {
        let mut contributions =
            TableWriter::<records::Contribution>::new(&mut out, "contributions")?;
        let mut payouts = TableWriter::<records::Payout>::new(&mut out, "payouts")?;
        let mut persons = TableWriter::<records::Person>::new(&mut out, "persons")?;
        let mut deaths = TableWriter::<records::Death>::new(&mut out, "deaths")?;
        let mut agg = Agg::default();
        let mut next: std::collections::BTreeMap<(people::FundKey, &'static str), i64> =
            Default::default();
        let mut pensioners: Vec<people::Pensioner> = Vec::new();
        let blocks: Vec<u64> = (0..a.persons.div_ceil(BLOCK)).collect();
        let window = rayon::current_num_threads().max(1) * 2;
        for win in blocks.chunks(window) {
            let done: Vec<Block> = win
                .par_iter()
                .map(|&bi| {
                    let mut b = Block::default();
                    for idx in bi * BLOCK..((bi + 1) * BLOCK).min(a.persons) {
                        let (seq, shift) = seqs[idx as usize];
                        let drawn = identity(a.seed, idx, a.year);
                        let id = Identity {
                            birth: drawn.birth + shift as i32,
                            ..drawn
                        };
                        people::simulate(&ctx, idx, &id, seq as u32, &mut b);
                    }
                    b
                })
                .collect();
            for b in done {
                contributions.push(b.contributions)?;
                payouts.push(b.payouts)?;
                persons.push(b.persons)?;
                deaths.push(b.deaths)?;
                agg.merge(b.agg);
                for (k, v) in b.next {
                    *next.entry(k).or_default() += v;
                }
                if pensioners.len() < 2 {
                    pensioners.extend(b.pensioners);
                }
            }
        }
        payouts.push(accounts::institution_payouts(a.year, &mut agg, a.seed))?;
        let mut money = accounts::simulate(a.year, &agg, a.seed, a.faults);
        let mut flows = TableWriter::<records::FundFlow>::new(&mut out, "fund_flows")?;
        flows.push(money.flows)?;
        let mut statements = TableWriter::<records::StatementLine>::new(&mut out, "statements")?;
        statements.push(money.statements)?;
        let mut opening =
            TableWriter::<records::OpeningBalance>::new(&mut out, "opening_balances")?;
        let mut log = Vec::new();
        let mut opening_rows = money.opening;
        if a.faults {
            // The bank's opening balance of one account is 0.50 above the books: the year-end
            // 余额调节表 of that account cannot come out even (`unreconciled`).
            if let Some(o) = opening_rows.iter_mut().find(|o| {
                (
                    o.region.as_deref(),
                    o.scheme.as_deref(),
                    o.account.as_deref(),
                ) == (Some("440300"), Some("210"), Some("expense"))
            }) {
                o.statement = o.statement.map(|v| v + 50);
                log.push(FaultRow {
                    kind: "unreconciled",
                    table: "opening_balances",
                    id: "440300/210/expense".into(),
                    row: usize::MAX,
                    expected: "difference".into(),
                    amount: Some(-50),
                });
            }
        }
        opening.push(opening_rows)?;
        let mut budget = TableWriter::<records::BudgetLine>::new(&mut out, "budget")?;
        budget.push(std::mem::take(&mut money.budget))?;
        let mut sub_funds =
            TableWriter::<records::SubFundBalance>::new(&mut out, "sub_fund_balances")?;
        sub_funds.push(std::mem::take(&mut money.sub_funds))?;

        if a.faults {
            let y = a.year;
            plant(
                &mut contributions,
                "contributions",
                faults::contributions(y),
                |r, id| r.txn_id = Some(id),
                |r| r.txn_id.clone().unwrap_or_default(),
                ("txn_id.null", "txn_id.duplicate"),
                Some(|r| r.person_id = stranger()),
                &mut log,
            )?;
            plant(
                &mut payouts,
                "payouts",
                faults::payouts(y),
                |r, id| r.payment_id = Some(id),
                |r| r.payment_id.clone().unwrap_or_default(),
                ("payment_id.null", "payment_id.duplicate"),
                Some(|r| r.person_id = stranger()),
                &mut log,
            )?;
            plant(
                &mut flows,
                "fund_flows",
                faults::fund_flows(y),
                |r, id| r.flow_id = Some(id),
                |r| r.flow_id.clone().unwrap_or_default(),
                ("flow_id.null", "flow_id.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut statements,
                "statements",
                faults::statements(y),
                |r, id| r.line_id = Some(id),
                |r| r.line_id.clone().unwrap_or_default(),
                ("line_id.null", "line_id.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut opening,
                "opening_balances",
                faults::opening_balances(),
                |_, _| {},
                |r| {
                    format!(
                        "{}/{}/{}",
                        r.region.clone().unwrap_or_default(),
                        r.scheme.clone().unwrap_or_default(),
                        r.account.clone().unwrap_or_default()
                    )
                },
                ("", "key.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut sub_funds,
                "sub_fund_balances",
                faults::sub_fund_balances(),
                |_, _| {},
                |r| {
                    format!(
                        "{}/{}/{}",
                        r.region.clone().unwrap_or_default(),
                        r.scheme.clone().unwrap_or_default(),
                        r.sub_fund.clone().unwrap_or_default()
                    )
                },
                ("", "key.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut persons,
                "persons",
                faults::persons(y),
                |_, _| {},
                |r| r.person_id.clone().unwrap_or_default(),
                ("person_id.null", "person_id.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut deaths,
                "deaths",
                faults::deaths(y),
                |_, _| {},
                |r| r.person_id.clone().unwrap_or_default(),
                ("person_id.null", "person_id.duplicate"),
                None,
                &mut log,
            )?;
            plant(
                &mut budget,
                "budget",
                faults::budget(),
                |_, _| {},
                |r| {
                    format!(
                        "{}/{}/{}",
                        r.region.clone().unwrap_or_default(),
                        r.scheme.clone().unwrap_or_default(),
                        r.item.clone().unwrap_or_default()
                    )
                },
                ("", "key.duplicate"),
                None,
                &mut log,
            )?;
        }
        if a.faults {
            plant_breaches(
                a.year,
                &mut flows,
                &mut statements,
                &mut deaths,
                &pensioners,
                &mut log,
            )?;
            let b = faults::part_breaches(a.year, &mut money.parts);
            for (rule, table, id, amount) in b.expected {
                log.push(FaultRow {
                    kind: "violation",
                    table,
                    id,
                    row: usize::MAX,
                    expected: rule.into(),
                    amount,
                });
            }
            statements.push(faults::mirror(&b.flows))?;
            flows.push(b.flows)?;
        }
        let n_contrib = contributions.finish()?;
        let mut counts = vec![("contributions", n_contrib)];
        counts.push(("payouts", payouts.finish()?));
        counts.push(("fund_flows", flows.finish()?));
        counts.push(("statements", statements.finish()?));
        counts.push(("opening_balances", opening.finish()?));
        counts.push(("persons", persons.finish()?));
        counts.push(("deaths", deaths.finish()?));
        counts.push(("budget", budget.finish()?));
        counts.push(("sub_fund_balances", sub_funds.finish()?));
        if a.faults {
            let mut csv = Csv::new(&["kind", "table", "id", "row", "expected", "amount"]);
            for f in &log {
                let amount = f
                    .amount
                    .map(|a| crate::model::money::yuan(a as i128))
                    .unwrap_or_default();
                let row = if f.row == usize::MAX {
                    String::new()
                } else {
                    f.row.to_string()
                };
                csv.row([
                    f.kind,
                    f.table,
                    f.id.as_str(),
                    &row,
                    f.expected.as_str(),
                    &amount,
                ]);
            }
            out.write("faults.csv", &csv.into_bytes())?;
        }
        // The following year's truth, for budget backtests (not an input table).
        let mut csv = Csv::new(&["region", "scheme", "item", "amount"]);
        for (((region, scheme), item), v) in &next {
            csv.row([
                *region,
                *scheme,
                *item,
                &crate::model::money::yuan(*v as i128),
            ]);
        }
        out.write("next_year.csv", &csv.into_bytes())?;
        out.write("sub_funds.csv", &parts_truth(&money.parts))?;
        let summary = serde_json::json!({
            "generator": format!("sifund {}", env!("CARGO_PKG_VERSION")),
            "seed": a.seed, "persons": a.persons, "year": a.year, "faults": a.faults,
            "rows": counts.iter().map(|(t, n)| (t.to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
        });
        out.write(
            "generated.json",
            &serde_json::to_vec_pretty(&summary).expect("json"),
        )?;
        Ok(n_contrib)
    })();
    match result {
        Ok(n) => {
            out.commit()?;
            Ok(n)
        }
        Err(e) => {
            out.abandon();
            Err(e)
        }
    }
}
