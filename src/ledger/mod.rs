//! The fund books 基金账簿 (社会保险基金会计制度): every accepted contribution, payment and fund
//! flow posted as a balanced entry in the books of its own fund (region × scheme, 分账核算),
//! the journal written as it is produced, and the per-fund totals the statements need.
//!
//! A fund's entries never touch another fund: 210 paying 310's premium is a payout entry in 210
//! and a contribution entry in 310.

pub mod chart;
pub mod posting;
pub mod statements;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::config::Pipeline;
use crate::engine::build;
use crate::error::{Error, Result};
use crate::ingest::cells::{col, Cells};
use crate::ingest::{scan_accepted, Table, TableResult};
use crate::model::catalog::{Account, BENEFITS};
use crate::model::date::{year_bounds, Day};
use crate::model::Fen;
use chart::{Element, CHART};
use posting::{ItemKey, Line, Lines};

/// Columns this module reads (`scan_accepted` decodes no others).
const USES: &[&str] = &[
    "account",
    "amount",
    "benefit",
    "book",
    "date",
    "employer_amount",
    "flow_id",
    "from_account",
    "individual_amount",
    "kind",
    "late_fee",
    "paid_on",
    "payment_id",
    "received_on",
    "region",
    "returned_on",
    "scheme",
    "statement",
    "to_account",
    "txn_id",
];

/// (region, scheme): one accounting entity 会计主体.
pub type FundId = (String, String);

/// Aggregation slots: one per chart subject, then one per benefit detail of 5001.
pub const N_SLOTS: usize = CHART.len() + BENEFITS.len();

/// The slot of a posting line.
pub fn slot(l: &Line) -> usize {
    match l.item {
        Some(ItemKey::Benefit(b)) => {
            CHART.len() + BENEFITS.iter().position(|x| x.key == b).expect("benefit")
        }
        _ => CHART
            .iter()
            .position(|s| s.code == l.code)
            .expect("chart code"),
    }
}

/// One fund's books for the year.
#[derive(Debug, Clone)]
pub struct FundBook {
    /// Opening book balance 年初余额 per account (SPEC §2 opening_balances), and which exist.
    pub opening: [Fen; 4],
    pub opening_statement: [Option<Fen>; 4],
    pub has_account: [bool; 4],
    /// (debit, credit) per slot, closing entries 结转 excluded.
    pub slots: Vec<[i128; 2]>,
    /// Net movement per day of the year and account (index `Account as usize`).
    pub daily: Vec<[i128; 4]>,
}

impl FundBook {
    fn new(days: usize) -> FundBook {
        FundBook {
            opening: [0; 4],
            opening_statement: [None; 4],
            has_account: [false; 4],
            slots: vec![[0, 0]; N_SLOTS],
            daily: vec![[0; 4]; days],
        }
    }
}

/// Rows and amounts a stage took from an input table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub rows: u64,
    pub amount: i128,
    /// Accepted rows outside the pipeline's `regions` / `schemes`.
    pub skipped_rows: u64,
    pub skipped_amount: i128,
}

/// The books of every fund, and what posting took from each table.
pub struct Books {
    pub year: i32,
    pub funds: BTreeMap<FundId, FundBook>,
    pub taken: BTreeMap<Table, Taken>,
    pub journal_lines: u64,
    pub journal_debit: i128,
    pub journal_credit: i128,
}

impl Books {
    fn new(year: i32) -> Books {
        Books {
            year,
            funds: BTreeMap::new(),
            taken: BTreeMap::new(),
            journal_lines: 0,
            journal_debit: 0,
            journal_credit: 0,
        }
    }

    /// Adds a slice's sums (its journal frame is written by the caller).
    fn add(&mut self, table: Table, s: SliceOut) {
        let t = self.taken.entry(table).or_default();
        t.rows += s.taken.rows;
        t.amount += s.taken.amount;
        t.skipped_rows += s.taken.skipped_rows;
        t.skipped_amount += s.taken.skipped_amount;
        self.journal_lines += s.lines;
        self.journal_debit += s.debit;
        self.journal_credit += s.credit;
        for (id, fb) in s.funds {
            let days = fb.daily.len();
            let book = self.funds.entry(id).or_insert_with(|| FundBook::new(days));
            for (a, b) in book.slots.iter_mut().zip(&fb.slots) {
                a[0] += b[0];
                a[1] += b[1];
            }
            for (a, b) in book.daily.iter_mut().zip(&fb.daily) {
                for k in 0..4 {
                    a[k] += b[k];
                }
            }
        }
    }
}

/// A slice's contribution to the books: lines for the journal and per-fund sums.
struct SliceBooks<'a> {
    entry_id: Vec<u64>,
    date: Vec<Option<Day>>,
    region: Vec<Option<&'a str>>,
    /// Indices into [`journal_categories`]' schemes, codes and items (see `journal_frame`).
    scheme: Vec<Option<u8>>,
    code: Vec<Option<u8>>,
    debit: Vec<Option<Fen>>,
    credit: Vec<Option<Fen>>,
    item: Vec<Option<u8>>,
    source_table: &'static str,
    source_id: Vec<Option<&'a str>>,
    funds: HashMap<(&'a str, &'a str), FundBook>,
    taken: Taken,
    first_day: Day,
    days: usize,
}

/// Entry ids say where an entry comes from: table (8 bits), file (12), row (43), second
/// entry of a row (1) — unique, ordered like the inputs, independent of threads.
pub fn entry_id(table: Table, file: usize, row: u64, second: bool) -> u64 {
    let t = Table::ALL.iter().position(|x| *x == table).expect("table") as u64 + 1;
    (t << 56) | ((file as u64 & 0xfff) << 44) | ((row & 0x7ff_ffff_ffff) << 1) | second as u64
}

impl<'a> SliceBooks<'a> {
    fn new(source_table: &'static str, year: i32) -> Self {
        let (first_day, last_day) = year_bounds(year);
        SliceBooks {
            entry_id: vec![],
            date: vec![],
            region: vec![],
            scheme: vec![],
            code: vec![],
            debit: vec![],
            credit: vec![],
            item: vec![],
            source_table,
            source_id: vec![],
            funds: HashMap::new(),
            taken: Taken::default(),
            first_day,
            days: (last_day - first_day + 1) as usize,
        }
    }

    fn post(
        &mut self,
        id: u64,
        date: Day,
        fund: (&'a str, &'a str),
        lines: &Lines,
        source_id: &'a str,
    ) {
        let days = self.days;
        let book = self
            .funds
            .entry(fund)
            .or_insert_with(|| FundBook::new(days));
        let di = (date - self.first_day) as usize;
        for l in lines {
            let s = slot(l);
            book.slots[s][0] += l.debit as i128;
            book.slots[s][1] += l.credit as i128;
            if let Some(a) = chart::account_of(l.code) {
                book.daily[di][a as usize] += (l.debit - l.credit) as i128;
            }
            self.entry_id.push(id);
            self.date.push(Some(date));
            self.region.push(Some(fund.0));
            self.scheme.push(scheme_index(fund.1));
            self.code.push(Some(code_index(l.code)));
            self.debit.push(Some(l.debit));
            self.credit.push(Some(l.credit));
            self.item.push(l.item.map(item_index));
            self.source_id.push(Some(source_id));
        }
    }

    /// Leaves the slice: the journal lines as a frame, the sums with owned keys.
    fn finish(self) -> SliceOut {
        let df = (!self.entry_id.is_empty()).then(|| journal_frame(&self));
        SliceOut {
            lines: self.entry_id.len() as u64,
            debit: self.debit.iter().flatten().map(|&d| d as i128).sum(),
            credit: self.credit.iter().flatten().map(|&c| c as i128).sum(),
            df,
            funds: self
                .funds
                .into_iter()
                .map(|((r, s), b)| ((r.to_string(), s.to_string()), b))
                .collect(),
            taken: self.taken,
        }
    }
}

/// What a slice leaves behind once its borrowed cells are gone.
struct SliceOut {
    df: Option<crate::engine::DataFrame>,
    funds: Vec<(FundId, FundBook)>,
    taken: Taken,
    lines: u64,
    debit: i128,
    credit: i128,
}

/// The values of the journal's low-cardinality columns: schemes, account codes, item keys,
/// source tables. Written as `Enum` columns (Parquet dictionaries built from these lists, not
/// by hashing 48 M values); readers see strings.
struct JournalCategories {
    schemes: Vec<&'static str>,
    codes: Vec<&'static str>,
    items: Vec<&'static str>,
}

const SOURCE_TABLES: [&str; 4] = ["contributions", "payouts", "fund_flows", "closing"];

fn journal_categories() -> &'static JournalCategories {
    static C: std::sync::OnceLock<JournalCategories> = std::sync::OnceLock::new();
    C.get_or_init(|| JournalCategories {
        schemes: crate::model::Scheme::ALL.iter().map(|s| s.code()).collect(),
        codes: CHART.iter().map(|s| s.code).collect(),
        items: crate::model::catalog::ITEMS
            .iter()
            .map(|i| ItemKey::Item(i.key).key())
            .chain(BENEFITS.iter().map(|b| ItemKey::Benefit(b.key).key()))
            .collect(),
    })
}

fn scheme_index(code: &str) -> Option<u8> {
    crate::model::Scheme::ALL
        .iter()
        .position(|s| s.code() == code)
        .map(|i| i as u8)
}

fn code_index(code: &str) -> u8 {
    CHART
        .iter()
        .position(|s| s.code == code)
        .expect("chart code") as u8
}

fn item_index(k: ItemKey) -> u8 {
    let n = crate::model::catalog::ITEMS.len();
    match k {
        ItemKey::Item(i) => crate::model::catalog::ITEMS
            .iter()
            .position(|x| x.key == i)
            .expect("an item of SPEC §4") as u8,
        ItemKey::Benefit(b) => {
            (n + BENEFITS.iter().position(|x| x.key == b).expect("benefit")) as u8
        }
    }
}

fn journal_frame(b: &SliceBooks) -> crate::engine::DataFrame {
    let n = b.entry_id.len();
    let c = journal_categories();
    let table = SOURCE_TABLES
        .iter()
        .position(|t| *t == b.source_table)
        .expect("a journal source table") as u8;
    build::frame(vec![
        build::u64("entry_id", b.entry_id.clone()),
        build::date("date", b.date.clone()),
        build::utf8("region", &b.region),
        build::enumerated("scheme", b.scheme.clone(), &c.schemes),
        build::enumerated("account_code", b.code.clone(), &c.codes),
        build::money("debit", b.debit.clone()),
        build::money("credit", b.credit.clone()),
        build::enumerated("item", b.item.clone(), &c.items),
        build::enumerated("source_table", vec![Some(table); n], &SOURCE_TABLES),
        build::utf8("source_id", &b.source_id),
    ])
}

/// Accumulates slices into the books and the journal file, in order.
struct Poster {
    books: Books,
    /// The journal, written on its own thread while the next slices are posted.
    journal: Option<crate::engine::BackgroundSink>,
}

impl Poster {
    fn absorb(&mut self, table: Table, mut s: SliceOut) -> Result<()> {
        if let Some(df) = s.df.take() {
            self.write(df)?;
        }
        self.books.add(table, s);
        Ok(())
    }

    fn write(&mut self, df: crate::engine::DataFrame) -> Result<()> {
        if self.journal.as_ref().expect("open until the end").send(df) {
            return Ok(());
        }
        // The writer stopped: its error is the one to report.
        match self.journal.take().expect("open").finish() {
            Err(e) => Err(Error::Internal(format!("journal: {e}"))),
            Ok(_) => Err(Error::Internal("journal writer stopped early".into())),
        }
    }
}

fn fen(c: &Cells, i: usize) -> Fen {
    c.m(i).and_then(Result::ok).unwrap_or(0)
}

/// Posts every accepted row; writes `ledger/journal.parquet`. Returns the books.
pub fn post(p: &Pipeline, tables: &[TableResult], journal_path: &Path) -> Result<Books> {
    let (first_day, last_day) = year_bounds(p.year);
    let days = (last_day - first_day + 1) as usize;
    let mut poster = Poster {
        books: Books::new(p.year),
        journal: Some(crate::engine::BackgroundSink::spawn(
            journal_path.to_path_buf(),
            1,
        )),
    };
    let get = |t: Table| tables.iter().find(|r| r.table == t);
    if let Some(t) = get(Table::OpeningBalances) {
        opening(p, t, &mut poster.books, days)?;
    }
    type PostSlice = fn(&Pipeline, &[Cells], usize, u64, &[u32]) -> SliceOut;
    let tables_in_order: [(Table, PostSlice); 3] = [
        (Table::Contributions, post_contributions),
        (Table::Payouts, post_payouts),
        (Table::FundFlows, post_flows),
    ];
    for (table, post_slice) in tables_in_order {
        if let Some(t) = get(table) {
            scan_accepted(
                t,
                USES,
                |cells, file, first, acc| post_slice(p, cells, file, first, acc),
                |s| poster.absorb(table, s),
            )?;
        }
    }
    let closing = closing_entries(&poster.books, last_day);
    poster.absorb_closing(closing)?;
    let written = poster
        .journal
        .take()
        .expect("open")
        .finish()
        .map_err(|e| Error::Internal(format!("journal: {e}")))?;
    if written == 0 {
        // No postings at all: an empty journal with the right columns.
        let empty = SliceBooks::new("closing", p.year);
        crate::engine::write_parquet(journal_path, journal_frame(&empty))
            .map_err(Error::Internal)?;
    }
    Ok(poster.books)
}

/// Opening balances: book and statement per fund and account.
fn opening(p: &Pipeline, t: &TableResult, books: &mut Books, days: usize) -> Result<()> {
    let mut rows = Vec::new();
    scan_accepted(
        t,
        USES,
        |cells, _, _, acc| {
            let c = |n: &str| col(Table::OpeningBalances, cells, n);
            acc.iter()
                .map(|&i| {
                    let i = i as usize;
                    let account = Account::from_key(c("account").s(i).unwrap_or_default())
                        .expect("checked at ingestion");
                    let fund = (
                        c("region").s(i).unwrap_or_default().to_string(),
                        c("scheme").s(i).unwrap_or_default().to_string(),
                    );
                    (
                        fund,
                        account,
                        fen(c("book"), i),
                        c("statement").m(i).and_then(Result::ok),
                    )
                })
                .collect::<Vec<_>>()
        },
        |v| {
            rows.extend(v);
            Ok(())
        },
    )?;
    let mut taken = Taken::default();
    for (fund, a, book, statement) in rows {
        if !p.selects(&fund.0, &fund.1) {
            taken.skipped_rows += 1;
            taken.skipped_amount += book as i128;
            continue;
        }
        taken.rows += 1;
        taken.amount += book as i128;
        let fb = books
            .funds
            .entry(fund)
            .or_insert_with(|| FundBook::new(days));
        fb.opening[a as usize] = book;
        fb.opening_statement[a as usize] = statement;
        fb.has_account[a as usize] = true;
    }
    books.taken.insert(Table::OpeningBalances, taken);
    Ok(())
}

fn post_contributions(
    p: &Pipeline,
    cells: &[Cells],
    file: usize,
    first: u64,
    acc: &[u32],
) -> SliceOut {
    let c = |n: &str| col(Table::Contributions, cells, n);
    let (id, reg, sch, acct, date) = (
        c("txn_id"),
        c("region"),
        c("scheme"),
        c("account"),
        c("received_on"),
    );
    let (ea, ia, lf, kind) = (
        c("employer_amount"),
        c("individual_amount"),
        c("late_fee"),
        c("kind"),
    );
    let mut b = SliceBooks::new("contributions", p.year);
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let (e, ind, late) = (fen(ea, i), fen(ia, i), fen(lf, i));
        let total = (e + ind + late) as i128;
        if !p.selects(r, s) {
            b.taken.skipped_rows += 1;
            b.taken.skipped_amount += total;
            continue;
        }
        let account =
            Account::from_key(acct.s(i).unwrap_or_default()).expect("checked at ingestion");
        let lines = posting::contribution(account, e, ind, late, kind.s(i) == Some("refund"));
        let eid = entry_id(Table::Contributions, file, first + i as u64, false);
        b.post(
            eid,
            date.n(i).expect("checked at ingestion"),
            (r, s),
            &lines,
            id.s(i).unwrap_or_default(),
        );
        b.taken.rows += 1;
        b.taken.amount += total;
    }
    b.finish()
}

fn post_payouts(p: &Pipeline, cells: &[Cells], file: usize, first: u64, acc: &[u32]) -> SliceOut {
    let c = |n: &str| col(Table::Payouts, cells, n);
    let (id, reg, sch, ben, paid, amt, ret) = (
        c("payment_id"),
        c("region"),
        c("scheme"),
        c("benefit"),
        c("paid_on"),
        c("amount"),
        c("returned_on"),
    );
    let mut b = SliceBooks::new("payouts", p.year);
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let amount = fen(amt, i);
        if !p.selects(r, s) {
            b.taken.skipped_rows += 1;
            b.taken.skipped_amount += amount as i128;
            continue;
        }
        let benefit = ben.s(i).unwrap_or_default();
        let source = id.s(i).unwrap_or_default();
        let row = first + i as u64;
        b.post(
            entry_id(Table::Payouts, file, row, false),
            paid.n(i).expect("checked"),
            (r, s),
            &posting::payout(benefit, amount),
            source,
        );
        if let Some(back) = ret.n(i) {
            b.post(
                entry_id(Table::Payouts, file, row, true),
                back,
                (r, s),
                &posting::payout_returned(benefit, amount),
                source,
            );
        }
        b.taken.rows += 1;
        b.taken.amount += amount as i128;
    }
    b.finish()
}

fn post_flows(p: &Pipeline, cells: &[Cells], file: usize, first: u64, acc: &[u32]) -> SliceOut {
    let c = |n: &str| col(Table::FundFlows, cells, n);
    let (id, reg, sch, date, kind) = (c("flow_id"), c("region"), c("scheme"), c("date"), c("kind"));
    let (from, to, amt) = (c("from_account"), c("to_account"), c("amount"));
    let mut b = SliceBooks::new("fund_flows", p.year);
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let amount = fen(amt, i);
        if !p.selects(r, s) {
            b.taken.skipped_rows += 1;
            b.taken.skipped_amount += amount as i128;
            continue;
        }
        let lines = posting::flow(
            kind.s(i).unwrap_or_default(),
            from.s(i).unwrap_or_default(),
            to.s(i).unwrap_or_default(),
            amount,
        );
        b.post(
            entry_id(Table::FundFlows, file, first + i as u64, false),
            date.n(i).expect("checked"),
            (r, s),
            &lines,
            id.s(i).unwrap_or_default(),
        );
        b.taken.rows += 1;
        b.taken.amount += amount as i128;
    }
    b.finish()
}

/// Year-end closing 年终结转 (entry 23): each revenue subject's credit balance to 基金结余,
/// 基金结余 to each expenditure subject. One entry per fund, dated 31 December.
struct Closing {
    fund: FundId,
    lines: Lines,
}

fn closing_entries(books: &Books, last_day: Day) -> Vec<(Day, Closing)> {
    let mut out = Vec::new();
    for (fund, fb) in &books.funds {
        let mut lines = Lines::new();
        for (k, s) in CHART.iter().enumerate() {
            let net = match s.element {
                Element::Revenue => fb.slots[k][1] - fb.slots[k][0],
                Element::Expenditure => {
                    let details: i128 = if s.code == chart::BENEFITS {
                        (0..BENEFITS.len())
                            .map(|b| fb.slots[CHART.len() + b][0] - fb.slots[CHART.len() + b][1])
                            .sum()
                    } else {
                        0
                    };
                    fb.slots[k][0] - fb.slots[k][1] + details
                }
                _ => continue,
            };
            if net == 0 {
                continue;
            }
            let net = Fen::try_from(net).expect("a subject total fits in i64 fen");
            let code = s.code;
            if s.element == Element::Revenue {
                lines.push(Line {
                    code,
                    debit: net,
                    credit: 0,
                    item: None,
                });
                lines.push(Line {
                    code: chart::FUND_BALANCE,
                    debit: 0,
                    credit: net,
                    item: None,
                });
            } else {
                lines.push(Line {
                    code: chart::FUND_BALANCE,
                    debit: net,
                    credit: 0,
                    item: None,
                });
                lines.push(Line {
                    code,
                    debit: 0,
                    credit: net,
                    item: None,
                });
            }
        }
        out.push((
            last_day,
            Closing {
                fund: fund.clone(),
                lines,
            },
        ));
    }
    out
}

impl Poster {
    /// Closing entries go to the journal (source_table `closing`) but not into the slots:
    /// the statements are built from the year's movements; the closing balance of 基金结余
    /// is derived and checked against them.
    fn absorb_closing(&mut self, entries: Vec<(Day, Closing)>) -> Result<()> {
        let year = self.books.year;
        let funds: Vec<FundId> = entries.iter().map(|(_, c)| c.fund.clone()).collect();
        let mut b = SliceBooks::new("closing", year);
        for (k, (day, c)) in entries.iter().enumerate() {
            let id = (0xffu64 << 56) | k as u64;
            let f = &funds[k];
            for l in &c.lines {
                b.entry_id.push(id);
                b.date.push(Some(*day));
                b.region.push(Some(f.0.as_str()));
                b.scheme.push(scheme_index(&f.1));
                b.code.push(Some(code_index(l.code)));
                b.debit.push(Some(l.debit));
                b.credit.push(Some(l.credit));
                b.item.push(None);
                b.source_id.push(Some("year_end_closing"));
            }
        }
        let lines = b.entry_id.len() as u64;
        let debit: i128 = b.debit.iter().flatten().map(|&d| d as i128).sum();
        let credit: i128 = b.credit.iter().flatten().map(|&c| c as i128).sum();
        let df = (lines > 0).then(|| journal_frame(&b));
        self.books.journal_lines += lines;
        self.books.journal_debit += debit;
        self.books.journal_credit += credit;
        if let Some(df) = df {
            self.write(df)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::statements::{check, fund_statements};
    use super::*;
    use crate::model::catalog::{BENEFITS, FLOW_KINDS};
    use proptest::prelude::*;

    const PARTIES: [&str; 5] = ["income", "expense", "fiscal", "investment", "external"];

    /// (what, a, b, amount, day, kind, benefit, flag)
    type Event = (u8, usize, usize, i64, i32, usize, usize, bool);

    fn books_of(events: &[Event], opening: [i64; 4]) -> Books {
        let mut b = SliceBooks::new("contributions", 2025);
        for (n, &(what, x, y, amount, day, kind, ben, flag)) in events.iter().enumerate() {
            let date = b.first_day + day;
            let fund = if n % 3 == 0 {
                ("440100", "110")
            } else {
                ("440300", "210")
            };
            let benefit = BENEFITS[ben].key;
            let lines = match what {
                0 => posting::contribution(
                    if flag {
                        Account::Income
                    } else {
                        Account::Fiscal
                    },
                    amount,
                    amount / 3,
                    amount % 7,
                    x % 2 == 0,
                ),
                1 => posting::payout(benefit, amount),
                2 => posting::payout_returned(benefit, amount),
                _ => {
                    let (from, mut to) = (PARTIES[x], PARTIES[y]);
                    if from == to {
                        to = if from == "external" {
                            "fiscal"
                        } else {
                            "external"
                        };
                    }
                    posting::flow(FLOW_KINDS[kind], from, to, amount)
                }
            };
            b.post(n as u64, date, fund, &lines, "src");
        }
        let mut books = Books::new(2025);
        books.add(Table::FundFlows, b.finish());
        for fb in books.funds.values_mut() {
            fb.opening = opening;
            fb.has_account = [true; 4];
        }
        books
    }

    proptest! {
        /// Debits = credits; 收支表 foots; opening + revenue − expenditure = closing net assets;
        /// assets = liabilities + fund balance — for any mix of postings.
        #[test]
        fn ledger_invariants_hold_for_any_postings(
            events in prop::collection::vec((0u8..4, 0usize..5, 0usize..5, 1i64..50_000_000_000, 0i32..365, 0usize..FLOW_KINDS.len(), 0usize..BENEFITS.len(), any::<bool>()), 1..300),
            opening in prop::array::uniform4(-1_000_000_000i64..1_000_000_000_000),
        ) {
            let books = books_of(&events, opening);
            let statements = fund_statements(&books);
            for c in check(&books, &statements) {
                prop_assert!(c.failures.is_empty(), "{}: {:?}", c.name, c.failures);
            }
            prop_assert_eq!(books.journal_debit, books.journal_credit);
            for st in &statements {
                prop_assert_eq!(st.closing_balance(), st.opening_balance + st.total_revenue - st.total_expenditure);
            }
        }
    }

    #[test]
    fn a_broken_entry_is_caught() {
        let mut books = books_of(&[(0, 0, 0, 100, 3, 0, 0, true)], [0; 4]);
        let fb = books.funds.values_mut().next().unwrap();
        fb.slots[0][0] += 1; // one fen debited without its credit
        let statements = fund_statements(&books);
        let failed: Vec<&str> = check(&books, &statements)
            .iter()
            .filter(|c| !c.failures.is_empty())
            .map(|c| c.name)
            .collect();
        assert!(
            failed.iter().any(|n| n.contains("debits = credits")),
            "{failed:?}"
        );
    }
}
