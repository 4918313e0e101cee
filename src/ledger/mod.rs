//! The fund books 基金账簿 (社会保险基金会计制度): every accepted contribution, payment and fund
//! flow summed into a balanced summary voucher 汇总记账凭证 of its own fund (region × scheme,
//! 分账核算, see [`voucher`]), the journal of those vouchers, and the per-fund totals the
//! statements need.
//!
//! A fund's entries never touch another fund: 210 paying 310's premium is a payout entry in 210
//! and a contribution entry in 310.

pub mod chart;
mod closing;
mod journal;
pub mod posting;
pub mod statements;
pub mod voucher;

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::ingest::cells::{col, Cells};
use crate::ingest::scan::{has_person, part, Consumer, Part, Side};
use crate::ingest::{Table, TableResult};
use crate::model::catalog::{Account, Scheme, SubFund, BENEFITS};
use crate::model::date::{year_bounds, Day};
use crate::model::Fen;
use chart::{Element, CHART};
use closing::closing_entries;
use journal::{write_journal, write_postings};
use posting::{ItemKey, Line};
use voucher::{Key, Origin, SliceVouchers, Vouchers};

pub use crate::model::FundId;

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
    /// The parts of the fund 分账核算 (index `SubFund as usize`): their opening balances (from
    /// `sub_fund_balances`, else everything in `pooled`), (debit, credit) per slot — the
    /// fund's `slots` are their sum, line by line —, what moved between parts (net into
    /// each), and the net change of each part's net assets per day.
    pub part_opening: [i128; 3],
    /// Whether the opening split came from `sub_fund_balances` (else it is all `pooled`).
    pub part_opening_given: bool,
    pub part_slots: [Vec<[i128; 2]>; 3],
    pub part_transfers: [i128; 3],
    /// Gross transfers into each part (the reserve set aside, the accounts credited).
    pub part_transfers_in: [i128; 3],
    pub part_daily: Vec<[i128; 3]>,
}

impl FundBook {
    fn new(days: usize) -> FundBook {
        FundBook {
            opening: [0; 4],
            opening_statement: [None; 4],
            has_account: [false; 4],
            slots: vec![[0, 0]; N_SLOTS],
            daily: vec![[0; 4]; days],
            part_opening: [0; 3],
            part_opening_given: false,
            part_slots: std::array::from_fn(|_| vec![[0, 0]; N_SLOTS]),
            part_transfers: [0; 3],
            part_transfers_in: [0; 3],
            part_daily: vec![[0; 3]; days],
        }
    }

    /// The fund's opening balance 年初滚存结余: the sum of its accounts' book balances.
    pub fn opening_balance(&self) -> i128 {
        self.opening.iter().map(|&b| b as i128).sum()
    }
}

/// Rows and amounts a stage took from an input table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Summary vouchers in the journal, closing entries included.
    pub vouchers: u64,
    pub journal_lines: u64,
    pub journal_debit: i128,
    pub journal_credit: i128,
    /// Vouchers whose debits differ from their credits (0 on every sound run).
    pub unbalanced_vouchers: u64,
    /// The vouchers that move a bank account in one sum — receipts, refunds, payments — for
    /// reconciliation against the statements.
    pub bank_vouchers: Vec<BankVoucher>,
}

/// A receipt, refund or payment voucher as the bank sees it.
#[derive(Debug, Clone)]
pub struct BankVoucher {
    pub fund: FundId,
    pub account: Account,
    pub origin: Origin,
    pub date: Day,
    /// Receipt reference or payment batch.
    pub reference: Option<Box<str>>,
    /// Fees and late fees, or the amount paid.
    pub amount: i128,
}

impl Books {
    fn new(year: i32) -> Books {
        Books {
            year,
            funds: BTreeMap::new(),
            taken: BTreeMap::new(),
            vouchers: 0,
            journal_lines: 0,
            journal_debit: 0,
            journal_credit: 0,
            unbalanced_vouchers: 0,
            bank_vouchers: Vec::new(),
        }
    }

    /// Adds what a slice took from a table.
    fn take(&mut self, table: Table, s: Taken) {
        let t = self.taken.entry(table).or_default();
        t.rows += s.rows;
        t.amount += s.amount;
        t.skipped_rows += s.skipped_rows;
        t.skipped_amount += s.skipped_amount;
    }

    /// Books every voucher's lines into its fund's slots and daily account movements.
    fn add_vouchers(&mut self, v: &Vouchers, first_day: Day, days: usize) -> Result<()> {
        for (g, key) in v.keys.iter().enumerate() {
            let lines = v.lines(g as u32).map_err(Error::input)?;
            let fund = (key.region.to_string(), key.scheme.to_string());
            let book = self
                .funds
                .entry(fund)
                .or_insert_with(|| FundBook::new(days));
            let di = (key.date - first_day) as usize;
            let between_parts = key.origin == Origin::Flow && voucher::is_part_transfer(key.detail);
            for l in &lines {
                let s = slot(l);
                let (d, c, p) = (l.debit as i128, l.credit as i128, l.part as usize);
                book.slots[s][0] += d;
                book.slots[s][1] += c;
                book.part_slots[p][s][0] += d;
                book.part_slots[p][s][1] += c;
                if let Some(a) = chart::account_of(l.code) {
                    book.daily[di][a as usize] += d - c;
                }
                // Net assets of the part: assets less liabilities, both moved by debit − credit.
                if matches!(
                    chart::subject(l.code).element,
                    Element::Asset | Element::Liability
                ) {
                    book.part_daily[di][p] += d - c;
                    if between_parts {
                        book.part_transfers[p] += d - c;
                        book.part_transfers_in[p] += d;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a slice leaves behind once its borrowed cells are gone.
struct SliceOut {
    vouchers: voucher::Part,
    taken: Taken,
}

fn fen(c: &Cells, i: usize) -> Fen {
    c.m(i).and_then(Result::ok).unwrap_or(0)
}

/// The ledger stage fed by the shared scan: opening balances, then every accepted
/// contribution, payout and fund flow summed into summary vouchers.
pub struct Posting<'p> {
    p: &'p Pipeline,
    trace: bool,
    books: Books,
    vouchers: Vouchers,
    opening: Vec<OpeningRow>,
    parts: Vec<PartRow>,
    parts_given: std::collections::BTreeSet<FundId>,
    side: Side,
}

/// (fund, account, book balance, statement balance)
type OpeningRow = (FundId, Account, Fen, Option<Fen>);

/// (fund, part, opening balance) of `sub_fund_balances`
type PartRow = (FundId, SubFund, Fen);

impl Consumer for Posting<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        if has_person(table) && !self.side.takes(false) {
            return &[];
        }
        match table {
            Table::OpeningBalances => &["region", "scheme", "account", "book", "statement"],
            Table::SubFundBalances => &["region", "scheme", "sub_fund", "opening"],
            Table::Contributions => &[
                "region",
                "scheme",
                "account",
                "received_on",
                "receipt_ref",
                "employer_amount",
                "individual_amount",
                "late_fee",
                "kind",
                "payer_kind",
                "base",
            ],
            Table::Payouts => &[
                "region",
                "scheme",
                "benefit",
                "paid_on",
                "amount",
                "returned_on",
                "batch_id",
            ],
            Table::FundFlows => &[
                "flow_id",
                "region",
                "scheme",
                "date",
                "kind",
                "from_account",
                "to_account",
                "amount",
            ],
            _ => &[],
        }
    }

    fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        let (p, trace) = (self.p, self.trace);
        match table {
            Table::OpeningBalances => Box::new(opening_rows(cells, acc)),
            Table::SubFundBalances => Box::new(part_rows(cells, acc)),
            Table::Contributions => Box::new(post_contributions(p, cells, acc, trace)),
            Table::Payouts => Box::new(post_payouts(p, cells, acc, trace)),
            _ => Box::new(post_flows(p, cells, acc, trace)),
        }
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        if table == Table::OpeningBalances {
            self.opening.extend(*part::<Vec<OpeningRow>>(p)?);
            return Ok(());
        }
        if table == Table::SubFundBalances {
            self.parts.extend(*part::<Vec<PartRow>>(p)?);
            return Ok(());
        }
        let s = *part::<SliceOut>(p)?;
        self.books.take(table, s.taken);
        self.vouchers.absorb(table.name(), s.vouchers);
        Ok(())
    }
}

/// The ledger's part of a partial: what was taken per table, the vouchers summed so far
/// sorted by key, the opening rows of the accounts and the parts.
#[derive(serde::Serialize, serde::Deserialize)]
struct PostingState {
    taken: Vec<(Table, Taken)>,
    vouchers: Vec<(Key<Box<str>>, voucher::Sums)>,
    opening: Vec<OpeningRow>,
    parts: Vec<PartRow>,
}

impl crate::ingest::scan::Fold for Posting<'_> {
    /// Vouchers sum by key (ids number the sorted keys, so the order of folding does not
    /// show), what was taken adds, opening rows are keyed. The per-row trace follows file
    /// order across partitions and is not folded.
    fn fold(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(
            !self.trace,
            "[ledger] trace = true is not available in a partitioned scan"
        );
        for (t, taken) in other.books.taken {
            self.books.take(t, taken);
        }
        self.vouchers.fold(other.vouchers);
        self.opening.extend(other.opening);
        self.parts.extend(other.parts);
        Ok(())
    }

    /// Vouchers and what was taken, less `other`'s (rows of person tables only).
    fn subtract(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(
            other.opening.is_empty() && other.parts.is_empty(),
            "opening balances taken back: they have no person"
        );
        for (t, taken) in other.books.taken {
            let have = self.books.taken.entry(t).or_default();
            let (rows, skipped) = (
                have.rows.checked_sub(taken.rows),
                have.skipped_rows.checked_sub(taken.skipped_rows),
            );
            let (Some(rows), Some(skipped)) = (rows, skipped) else {
                return Err(Error::Internal(format!(
                    "{}: more rows taken back than posted",
                    t.name()
                )));
            };
            (have.rows, have.skipped_rows) = (rows, skipped);
            have.amount -= taken.amount;
            have.skipped_amount -= taken.skipped_amount;
        }
        self.vouchers
            .subtract(other.vouchers)
            .map_err(|e| Error::Internal(format!("ledger: {e}")))
    }

    /// Posting sums rows: on person tables it is the map's work.
    fn set_side(&mut self, side: Side) {
        self.side = side;
    }

    /// Through [`PostingState`]: what was taken, the vouchers by key, the opening rows.
    fn save(&mut self) -> Result<Vec<u8>> {
        use std::mem::take;
        crate::ensure_invariant!(!self.trace, "the per-row trace is not kept in a partial");
        let mut opening = take(&mut self.opening);
        let mut parts = take(&mut self.parts);
        opening.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        parts.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let books = std::mem::replace(&mut self.books, Books::new(self.p.year));
        let state = PostingState {
            taken: books.taken.into_iter().collect(),
            vouchers: take(&mut self.vouchers).into_sorted(),
            opening,
            parts,
        };
        crate::ingest::scan::encode(&state)
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        let state: PostingState = crate::ingest::scan::decode(bytes)?;
        self.books = Books::new(self.p.year);
        self.books.taken = state.taken.into_iter().collect();
        self.vouchers = Vouchers::from_sorted(state.vouchers);
        self.opening = state.opening;
        self.parts = state.parts;
        Ok(())
    }
}

impl<'p> Posting<'p> {
    pub fn new(p: &'p Pipeline) -> Self {
        Posting {
            p,
            trace: p.ledger.trace,
            books: Books::new(p.year),
            vouchers: Vouchers::default(),
            opening: Vec::new(),
            parts: Vec::new(),
            parts_given: Default::default(),
            side: Side::Both,
        }
    }

    /// Books the vouchers and the closing entries; writes `ledger/journal.parquet` (and, with
    /// `postings`, the per-row trace). Returns the books.
    pub fn finish(
        mut self,
        tables: &[TableResult],
        journal_path: &Path,
        postings: Option<&Path>,
    ) -> Result<Books> {
        let (first_day, last_day) = year_bounds(self.p.year);
        let days = (last_day - first_day + 1) as usize;
        let opening = std::mem::take(&mut self.opening);
        self.open(opening, days);
        let parts = std::mem::take(&mut self.parts);
        self.open_parts(parts)?;
        let (mut books, mut vouchers) = (self.books, self.vouchers);
        books.add_vouchers(&vouchers, first_day, days)?;
        // A fund whose parts were given (all zero) without opening balances appears only now.
        for fund in &self.parts_given {
            if let Some(fb) = books.funds.get_mut(fund) {
                fb.part_opening_given = true;
            }
        }
        for (day, c) in closing_entries(&books, last_day) {
            vouchers.add_closing(&c.fund, day, c.lines);
        }
        let ids = write_journal(&vouchers, journal_path, &mut books)?;
        if let Some(path) = postings {
            write_postings(tables, &vouchers, &ids, path)?;
        }
        books.bank_vouchers = bank_vouchers(&vouchers);
        Ok(books)
    }

    /// Opening balances 年初余额: book and statement per fund and account.
    fn open(&mut self, rows: Vec<OpeningRow>, days: usize) {
        let mut taken = Taken::default();
        for (fund, a, book, statement) in rows {
            if !self.p.selects(&fund.0, &fund.1) {
                taken.skipped_rows += 1;
                taken.skipped_amount += book as i128;
                continue;
            }
            taken.rows += 1;
            taken.amount += book as i128;
            let fb = self
                .books
                .funds
                .entry(fund)
                .or_insert_with(|| FundBook::new(days));
            fb.opening[a as usize] = book;
            fb.opening_statement[a as usize] = statement;
            fb.has_account[a as usize] = true;
        }
        self.books.take(Table::OpeningBalances, taken);
    }

    /// Opening balances of the parts (SPEC §2 `sub_fund_balances`): per fund they must add up
    /// to the fund's opening balance to the fen, else the run stops (exit 2); a fund without
    /// rows there starts with everything in `pooled`.
    fn open_parts(&mut self, rows: Vec<PartRow>) -> Result<()> {
        let mut given: BTreeMap<FundId, [i128; 3]> = BTreeMap::new();
        let mut taken = Taken::default();
        for (fund, part, v) in rows {
            if !self.p.selects(&fund.0, &fund.1) {
                taken.skipped_rows += 1;
                taken.skipped_amount += v as i128;
                continue;
            }
            taken.rows += 1;
            taken.amount += v as i128;
            given.entry(fund).or_default()[part as usize] += v as i128;
        }
        self.books.take(Table::SubFundBalances, taken);
        let mut errors = Vec::new();
        for (fund, parts) in &given {
            let fund_opening = self
                .books
                .funds
                .get(fund)
                .map_or(0, FundBook::opening_balance);
            let sum: i128 = parts.iter().sum();
            if sum != fund_opening {
                errors.push(format!(
                    "sub_fund_balances: the parts of fund {}/{} add up to {} but its opening balance (opening_balances.book) is {}",
                    fund.0,
                    fund.1,
                    crate::model::money::yuan(sum),
                    crate::model::money::yuan(fund_opening)
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        self.parts_given = given.keys().cloned().collect();
        for (fund, fb) in self.books.funds.iter_mut() {
            match given.get(fund) {
                Some(parts) => {
                    fb.part_opening = *parts;
                    fb.part_opening_given = true;
                }
                None => fb.part_opening[SubFund::Pooled as usize] = fb.opening_balance(),
            }
        }
        Ok(())
    }
}

impl Books {
    /// Funds kept in parts (310, 410) for which `sub_fund_balances` gave no opening split: their
    /// whole opening balance is taken as `pooled` (the manifest lists them).
    pub fn funds_without_opening_split(&self) -> Vec<&FundId> {
        self.funds
            .iter()
            .filter(|(f, fb)| {
                !fb.part_opening_given
                    && Scheme::from_code(&f.1).is_some_and(|s| SubFund::of(s).len() > 1)
            })
            .map(|(f, _)| f)
            .collect()
    }
}

fn bank_vouchers(v: &Vouchers) -> Vec<BankVoucher> {
    v.keys
        .iter()
        .zip(&v.sums)
        .filter_map(|(k, s)| {
            let account = match k.origin {
                Origin::Receipt | Origin::Refund => Account::ALL[k.detail as usize],
                Origin::Payment => Account::Expense,
                _ => return None,
            };
            Some(BankVoucher {
                fund: (k.region.to_string(), k.scheme.to_string()),
                account,
                origin: k.origin,
                date: k.date,
                reference: k.reference.clone(),
                amount: s.amount + s.late_fee,
            })
        })
        .collect()
}

fn opening_rows(cells: &[Cells], acc: &[u32]) -> Vec<OpeningRow> {
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
        .collect()
}

fn part_rows(cells: &[Cells], acc: &[u32]) -> Vec<PartRow> {
    let c = |n: &str| col(Table::SubFundBalances, cells, n);
    acc.iter()
        .map(|&i| {
            let i = i as usize;
            let fund = (
                c("region").s(i).unwrap_or_default().to_string(),
                c("scheme").s(i).unwrap_or_default().to_string(),
            );
            let part = SubFund::from_key(c("sub_fund").s(i).unwrap_or_default())
                .expect("checked at ingestion");
            (fund, part, fen(c("opening"), i))
        })
        .collect()
}

/// A row in the selection: summed into its voucher, traced, counted with its whole amount.
fn post_row<'a>(
    taken: &mut Taken,
    v: &mut SliceVouchers<'a>,
    key: Key<&'a str>,
    amount: Fen,
    late: Fen,
    to_account: Fen,
) {
    let local = v.add(key, amount, late, to_account);
    v.trace(local);
    taken.rows += 1;
    taken.amount += amount as i128 + late as i128;
}

/// A row outside the pipeline's selection: counted, not posted.
fn skip(taken: &mut Taken, v: &mut SliceVouchers, amount: i128) {
    taken.skipped_rows += 1;
    taken.skipped_amount += amount;
    v.trace(voucher::NO_VOUCHER);
}

fn post_contributions(p: &Pipeline, cells: &[Cells], acc: &[u32], trace: bool) -> SliceOut {
    let c = |n: &str| col(Table::Contributions, cells, n);
    let (reg, sch, acct, date, rref) = (
        c("region"),
        c("scheme"),
        c("account"),
        c("received_on"),
        c("receipt_ref"),
    );
    let (ea, ia, lf, kind, payer, base) = (
        c("employer_amount"),
        c("individual_amount"),
        c("late_fee"),
        c("kind"),
        c("payer_kind"),
        c("base"),
    );
    let rate = p.sub_funds.rate_ppm();
    let mut v = SliceVouchers::new(trace);
    let mut taken = Taken::default();
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let (fees, late) = (fen(ea, i) + fen(ia, i), fen(lf, i));
        let total = fees as i128 + late as i128;
        if !p.selects(r, s) {
            skip(&mut taken, &mut v, total);
            continue;
        }
        let account =
            Account::from_key(acct.s(i).unwrap_or_default()).expect("checked at ingestion");
        let origin = if kind.s(i) == Some("refund") {
            Origin::Refund
        } else {
            Origin::Receipt
        };
        let key = Key {
            region: r,
            scheme: s,
            date: date.n(i).expect("checked at ingestion"),
            origin,
            detail: account as u16,
            reference: rref.s(i),
        };
        let scheme = Scheme::from_code(s).expect("checked at ingestion");
        let to_account = posting::account_share(
            scheme,
            payer.s(i).unwrap_or_default(),
            base.m(i).and_then(Result::ok),
            fen(ia, i),
            rate,
        );
        post_row(&mut taken, &mut v, key, fees, late, to_account);
    }
    SliceOut {
        vouchers: v.finish(),
        taken,
    }
}

fn post_payouts(p: &Pipeline, cells: &[Cells], acc: &[u32], trace: bool) -> SliceOut {
    let c = |n: &str| col(Table::Payouts, cells, n);
    let (reg, sch, ben, paid, amt, ret, batch) = (
        c("region"),
        c("scheme"),
        c("benefit"),
        c("paid_on"),
        c("amount"),
        c("returned_on"),
        c("batch_id"),
    );
    let mut v = SliceVouchers::new(trace);
    let mut taken = Taken::default();
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let amount = fen(amt, i);
        if !p.selects(r, s) {
            skip(&mut taken, &mut v, amount as i128);
            continue;
        }
        let key = Key {
            region: r,
            scheme: s,
            date: paid.n(i).expect("checked at ingestion"),
            origin: Origin::Payment,
            detail: voucher::benefit_detail(ben.s(i).unwrap_or_default()),
            reference: batch.s(i),
        };
        if let Some(back) = ret.n(i) {
            let returned = Key {
                date: back,
                origin: Origin::Returned,
                ..key.clone()
            };
            v.add(returned, amount, 0, 0);
        }
        post_row(&mut taken, &mut v, key, amount, 0, 0);
    }
    SliceOut {
        vouchers: v.finish(),
        taken,
    }
}

fn post_flows(p: &Pipeline, cells: &[Cells], acc: &[u32], trace: bool) -> SliceOut {
    let c = |n: &str| col(Table::FundFlows, cells, n);
    let (id, reg, sch, date, kind) = (c("flow_id"), c("region"), c("scheme"), c("date"), c("kind"));
    let (from, to, amt) = (c("from_account"), c("to_account"), c("amount"));
    let mut v = SliceVouchers::new(trace);
    let mut taken = Taken::default();
    for &i in acc {
        let i = i as usize;
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        let amount = fen(amt, i);
        if !p.selects(r, s) {
            skip(&mut taken, &mut v, amount as i128);
            continue;
        }
        let key = Key {
            region: r,
            scheme: s,
            date: date.n(i).expect("checked at ingestion"),
            origin: Origin::Flow,
            detail: voucher::flow_detail(
                kind.s(i).unwrap_or_default(),
                from.s(i).unwrap_or_default(),
                to.s(i).unwrap_or_default(),
            ),
            reference: id.s(i),
        };
        post_row(&mut taken, &mut v, key, amount, 0, 0);
    }
    SliceOut {
        vouchers: v.finish(),
        taken,
    }
}

#[cfg(test)]
mod tests {
    use super::statements::{check, fund_statements};
    use super::*;
    use crate::model::catalog::{BENEFITS, FLOW_KINDS};
    use posting::Lines;
    use proptest::prelude::*;

    /// (what, a, b, amount, day, kind, benefit, flag)
    type Event = (u8, usize, usize, i64, i32, usize, usize, bool);

    /// The event's fund, day, voucher key parts and its own posting lines (the oracle).
    /// Funds of three shapes: one part (110), 统筹 + 个人账户 (310), 统筹 + 储备金 (410).
    fn event(
        n: usize,
        e: &Event,
    ) -> (
        (&'static str, &'static str),
        Origin,
        u16,
        Fen,
        Fen,
        Fen,
        Lines,
    ) {
        let &(what, x, y, amount, _, kind, ben, flag) = e;
        let fund = match n % 3 {
            0 => ("440100", "110"),
            1 => ("440300", "310"),
            _ => ("440300", "410"),
        };
        let scheme = Scheme::from_code(fund.1).unwrap();
        let benefit = BENEFITS[ben].key;
        let account = if flag {
            Account::Income
        } else {
            Account::Fiscal
        };
        match what {
            0 => {
                let (fees, late) = (amount + amount / 3, amount % 7);
                let refund = x % 2 == 0;
                let origin = if refund {
                    Origin::Refund
                } else {
                    Origin::Receipt
                };
                let to_account = if fund.1 == "310" { amount / 5 } else { 0 };
                let lines = posting::contribution(account, fees, to_account, late, refund);
                (fund, origin, account as u16, fees, late, to_account, lines)
            }
            1 | 2 => {
                let (origin, lines) = if what == 1 {
                    (Origin::Payment, posting::payout(benefit, scheme, amount))
                } else {
                    (
                        Origin::Returned,
                        posting::payout_returned(benefit, scheme, amount),
                    )
                };
                (
                    fund,
                    origin,
                    voucher::benefit_detail(benefit),
                    amount,
                    0,
                    0,
                    lines,
                )
            }
            _ => {
                let (mut from, mut to) = (voucher::PARTIES[x], voucher::PARTIES[y]);
                let kind = FLOW_KINDS[kind];
                if crate::model::catalog::is_part_transfer(kind) {
                    // between the parts of a fund: one account, the one holding the money
                    from = if from == "external" { "fiscal" } else { from };
                    to = from;
                } else if from == to {
                    to = if from == "external" {
                        "fiscal"
                    } else {
                        "external"
                    };
                }
                let lines = posting::flow(kind, scheme, from, to, amount);
                (
                    fund,
                    Origin::Flow,
                    voucher::flow_detail(kind, from, to),
                    amount,
                    0,
                    0,
                    lines,
                )
            }
        }
    }

    /// Each event posted on its own: the fund's slots and each part's.
    struct Oracle {
        fund: Vec<[i128; 2]>,
        parts: [Vec<[i128; 2]>; 3],
    }

    /// Books through summary vouchers (few references, so events share vouchers), the
    /// journal written to a scratch file; and the slots of posting each event on its own.
    fn books_of(events: &[Event], opening: [i64; 4]) -> (Books, BTreeMap<FundId, Oracle>) {
        let (first_day, last_day) = year_bounds(2025);
        let days = (last_day - first_day + 1) as usize;
        let refs = ["A", "B"];
        let mut v = SliceVouchers::new(false);
        let mut oracle: BTreeMap<FundId, Oracle> = BTreeMap::new();
        for (n, e) in events.iter().enumerate() {
            let (fund, origin, detail, amount, late, to_account, lines) = event(n, e);
            let reference = match origin {
                Origin::Flow => Some(["F1", "F2", "F3"][n % 3]),
                _ => (n % 5 != 0).then_some(refs[n % 2]),
            };
            let key = Key {
                region: fund.0,
                scheme: fund.1,
                date: first_day + e.4,
                origin,
                detail,
                reference,
            };
            v.add(key, amount, late, to_account);
            let o = oracle
                .entry((fund.0.to_string(), fund.1.to_string()))
                .or_insert_with(|| Oracle {
                    fund: vec![[0, 0]; N_SLOTS],
                    parts: std::array::from_fn(|_| vec![[0, 0]; N_SLOTS]),
                });
            for l in &lines {
                o.fund[slot(l)][0] += l.debit as i128;
                o.fund[slot(l)][1] += l.credit as i128;
                o.parts[l.part as usize][slot(l)][0] += l.debit as i128;
                o.parts[l.part as usize][slot(l)][1] += l.credit as i128;
            }
        }
        let mut vouchers = Vouchers::default();
        vouchers.absorb("contributions", v.finish());
        let mut books = Books::new(2025);
        books.add_vouchers(&vouchers, first_day, days).unwrap();
        for (day, c) in closing_entries(&books, last_day) {
            vouchers.add_closing(&c.fund, day, c.lines);
        }
        let scratch = std::env::temp_dir().join(format!(
            "sifund-ledger-test-{}-{:?}.parquet",
            std::process::id(),
            std::thread::current().id()
        ));
        write_journal(&vouchers, &scratch, &mut books).unwrap();
        let _ = std::fs::remove_file(&scratch);
        for fb in books.funds.values_mut() {
            fb.opening = opening;
            fb.has_account = [true; 4];
            fb.part_opening[0] = fb.opening_balance();
        }
        (books, oracle)
    }

    proptest! {
        /// Debits = credits; 收支表 foots; opening + revenue − expenditure = closing net assets;
        /// assets = liabilities + fund balance — for any mix of postings.
        #[test]
        fn ledger_invariants_hold_for_any_postings(
            events in prop::collection::vec((0u8..4, 0usize..5, 0usize..5, 1i64..50_000_000_000, 0i32..365, 0usize..FLOW_KINDS.len(), 0usize..BENEFITS.len(), any::<bool>()), 1..300),
            opening in prop::array::uniform4(-1_000_000_000i64..1_000_000_000_000),
        ) {
            let (books, oracle) = books_of(&events, opening);
            for (fund, o) in &oracle {
                prop_assert_eq!(&books.funds[fund].slots, &o.fund, "vouchers change no total of {:?}", fund);
                prop_assert_eq!(&books.funds[fund].part_slots, &o.parts, "nor of a part of {:?}", fund);
            }
            prop_assert_eq!(books.unbalanced_vouchers, 0);
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
        let (mut books, _) = books_of(&[(0, 0, 0, 100, 3, 0, 0, true)], [0; 4]);
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

    /// A year of one fund: contributions, a payment with a returned part, flows.
    fn a_year() -> (Books, Vec<statements::FundStatement>) {
        let events: Vec<Event> = vec![
            (0, 1, 0, 50_000, 3, 0, 0, true),
            (0, 1, 0, 70_000, 40, 0, 0, false),
            (1, 0, 0, 30_000, 60, 0, 0, true),
            (1, 0, 1, 9_000, 61, 0, 1, true),
            (2, 0, 0, 1_000, 90, 0, 0, true),
            (3, 0, 1, 20_000, 100, 0, 0, true),
        ];
        // Every event in fund 440100/110 (n % 3 == 0 in `event`): pad with other funds' rows.
        let mut all = Vec::new();
        for e in events {
            all.push(e);
            all.push((0, 1, 0, 10, 5, 0, 0, true));
            all.push((0, 1, 0, 10, 5, 0, 0, true));
        }
        let (books, _) = books_of(&all, [100_000, 5_000, 20_000, 0]);
        let statements = fund_statements(&books);
        (books, statements)
    }

    fn failing(books: &Books, st: &[statements::FundStatement]) -> Vec<&'static str> {
        check(books, st)
            .into_iter()
            .filter(|c| !c.failures.is_empty())
            .map(|c| c.name)
            .collect()
    }

    /// Mutation check: each invariant of the books is broken by a mutation of the kind a bug
    /// would make — a sign flipped, a row dropped, two items swapped — and the check names it.
    #[test]
    fn every_ledger_invariant_catches_its_mutation() {
        let (books, st) = a_year();
        assert!(failing(&books, &st).is_empty(), "the unmutated year passes");
        assert!(st[0].total_revenue > 0 && st[0].amount("benefits") > 0);
        let caught = |books: &Books, st: &[statements::FundStatement], name: &str| {
            let f = failing(books, st);
            assert!(
                f.iter().any(|n| n.contains(name)),
                "{name} not caught: {f:?}"
            );
        };
        // A sign flipped: an expenditure total of the wrong sign.
        let mut m = st.clone();
        m[0].total_expenditure = -m[0].total_expenditure;
        caught(&books, &m, "收支表 foots");
        // A row dropped: one benefit detail line missing from the 收支表.
        let mut m = st.clone();
        let k = m[0]
            .expenditure
            .iter()
            .position(|l| l.key.starts_with("benefits.") && l.amount != 0)
            .unwrap();
        m[0].expenditure.remove(k);
        caught(&books, &m, "收支表 foots");
        // A row dropped from the books: one side of an entry lost.
        let (mut b, _) = a_year();
        let fb = b.funds.values_mut().next().unwrap();
        let s = fb.slots.iter().position(|x| x[0] != 0).unwrap();
        fb.slots[s][0] = 0;
        caught(&b, &st, "debits = credits");
        // Two items swapped: revenue booked as expenditure, totals carried over unchanged.
        let (mut b, _) = a_year();
        let fb = b.funds.values_mut().next().unwrap();
        let rev = CHART
            .iter()
            .position(|c| c.element == Element::Revenue)
            .unwrap();
        let exp = CHART
            .iter()
            .position(|c| c.element == Element::Expenditure)
            .unwrap();
        fb.slots.swap(rev, exp);
        caught(&b, &st, "收支表 foots");
        // The opening balance carried wrong: the roll-forward no longer meets the accounts.
        let mut m = st.clone();
        m[0].opening_balance += 1;
        caught(&books, &m, "opening + revenue - expenditure = closing");
        // An asset with its sign flipped: the balance sheet no longer balances.
        let (mut b, _) = a_year();
        let fb = b.funds.values_mut().next().unwrap();
        fb.opening[0] = -fb.opening[0];
        caught(&b, &st, "assets = liabilities");
    }
}
