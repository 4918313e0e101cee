//! The journal of summary vouchers 汇总记账凭证 (`ledger/journal.parquet`) and the optional
//! per-row trace (`ledger/postings.parquet`): the vouchers written in id order, a row group of
//! lines at a time.

use std::path::Path;

use super::chart::CHART;
use super::posting::ItemKey;
use super::posting::Line;
use super::voucher::{self, Key, Vouchers};
use super::Books;
use crate::engine::build;
use crate::error::{Error, Result};
use crate::ingest::TableResult;
use crate::model::catalog::{SubFund, BENEFITS};
use crate::model::date::Day;
use crate::model::Fen;

/// The values of the journal's low-cardinality columns: schemes, sub-funds, account codes,
/// item keys, source tables. Written as `Enum` columns (Parquet dictionaries built from these
/// lists, not by hashing each value); readers see strings.
struct JournalCategories {
    schemes: Vec<&'static str>,
    codes: Vec<&'static str>,
    items: Vec<&'static str>,
}

const SOURCE_TABLES: [&str; 4] = ["contributions", "payouts", "fund_flows", "closing"];

/// Parts of a fund 分账核算 (SPEC §2 `sub_fund_balances`), in `SubFund` order.
const SUB_FUNDS: [&str; 3] = ["pooled", "account", "reserve"];
const _: () = assert!(SubFund::Account as usize == 1 && SubFund::Reserve as usize == 2);

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

/// Journal columns of a batch of voucher lines (SPEC §5).
#[derive(Default)]
struct JournalBatch<'v> {
    voucher_id: Vec<u64>,
    date: Vec<Option<Day>>,
    region: Vec<Option<&'v str>>,
    scheme: Vec<Option<u8>>,
    code: Vec<Option<u8>>,
    debit: Vec<Option<Fen>>,
    credit: Vec<Option<Fen>>,
    item: Vec<Option<u8>>,
    part: Vec<Option<u8>>,
    table: Vec<Option<u8>>,
    reference: Vec<Option<&'v str>>,
    rows: Vec<u64>,
}

impl<'v> JournalBatch<'v> {
    fn push(&mut self, id: u64, key: &'v Key<Box<str>>, rows: u64, l: &Line) {
        let table = SOURCE_TABLES
            .iter()
            .position(|t| *t == key.origin.source_table())
            .expect("a journal source table") as u8;
        self.voucher_id.push(id);
        self.date.push(Some(key.date));
        self.region.push(Some(&key.region));
        self.scheme.push(scheme_index(&key.scheme));
        self.code.push(Some(code_index(l.code)));
        self.debit.push(Some(l.debit));
        self.credit.push(Some(l.credit));
        self.item.push(l.item.map(item_index));
        self.part.push(Some(l.part as u8));
        self.table.push(Some(table));
        self.reference.push(key.reference.as_deref());
        self.rows.push(rows);
    }

    fn frame(self) -> crate::engine::DataFrame {
        let c = journal_categories();
        build::frame(vec![
            build::u64("voucher_id", self.voucher_id),
            build::date("date", self.date),
            build::utf8("region", &self.region),
            build::enumerated("scheme", self.scheme, &c.schemes),
            build::enumerated("sub_fund", self.part, &SUB_FUNDS),
            build::enumerated("account_code", self.code, &c.codes),
            build::money("debit", self.debit),
            build::money("credit", self.credit),
            build::enumerated("item", self.item, &c.items),
            build::enumerated("source_table", self.table, &SOURCE_TABLES),
            build::utf8("reference", &self.reference),
            build::u64("rows", self.rows),
        ])
    }
}

/// Lines per row group of the journal.
const JOURNAL_BATCH: usize = 256 * 1024;

/// Writes the journal in voucher-id order; returns each merged voucher's id.
pub(super) fn write_journal(
    vouchers: &Vouchers,
    path: &Path,
    books: &mut Books,
) -> Result<Vec<u64>> {
    let order = vouchers.order();
    let mut ids = vec![0u64; order.len()];
    let mut sink: Option<crate::engine::ParquetSink> = None;
    let mut batch = JournalBatch::default();
    let mut flush = |batch: JournalBatch, last: bool| -> Result<()> {
        let df = batch.frame();
        if sink.is_none() {
            sink = Some(crate::engine::ParquetSink::create(path, &df).map_err(Error::Internal)?);
        }
        let s = sink.as_mut().expect("created");
        s.write(df).map_err(Error::Internal)?;
        if last {
            sink.take()
                .expect("open")
                .finish()
                .map_err(Error::Internal)?;
        }
        Ok(())
    };
    for (k, &g) in order.iter().enumerate() {
        let id = k as u64 + 1;
        ids[g as usize] = id;
        let key = &vouchers.keys[g as usize];
        let lines = vouchers.lines(g).map_err(Error::input)?;
        let (d, c) = lines.iter().fold((0i128, 0i128), |(d, c), l| {
            (d + l.debit as i128, c + l.credit as i128)
        });
        if d != c {
            books.unbalanced_vouchers += 1;
        }
        books.journal_debit += d;
        books.journal_credit += c;
        books.journal_lines += lines.len() as u64;
        for l in &lines {
            batch.push(id, key, vouchers.sums[g as usize].rows, l);
        }
        if batch.voucher_id.len() >= JOURNAL_BATCH {
            flush(std::mem::take(&mut batch), false)?;
        }
    }
    books.vouchers = order.len() as u64;
    flush(batch, true)?;
    Ok(ids)
}

/// `ledger/postings.parquet` (`[ledger] trace = true`): every accepted row of the posted tables
/// with the voucher that summarises it, in file and row order.
pub(super) fn write_postings(
    tables: &[TableResult],
    vouchers: &Vouchers,
    ids: &[u64],
    path: &Path,
) -> Result<()> {
    let mut sink: Option<crate::engine::ParquetSink> = None;
    let mut cols: (Vec<Option<&str>>, Vec<Option<&str>>, Vec<u64>, Vec<u64>) = Default::default();
    let mut flush = |cols: &mut (Vec<Option<&str>>, Vec<Option<&str>>, Vec<u64>, Vec<u64>)| {
        let df = build::frame(vec![
            build::utf8("source_table", &cols.0),
            build::utf8("source_file", &cols.1),
            build::u64("source_row", std::mem::take(&mut cols.2)),
            build::u64("voucher_id", std::mem::take(&mut cols.3)),
        ]);
        cols.0.clear();
        cols.1.clear();
        if sink.is_none() {
            sink = Some(crate::engine::ParquetSink::create(path, &df).map_err(Error::Internal)?);
        }
        sink.as_mut()
            .expect("created")
            .write(df)
            .map_err(Error::Internal)
    };
    for (table, trace) in &vouchers.trace {
        let t = tables
            .iter()
            .find(|t| t.table.name() == *table)
            .expect("traced tables were scanned");
        let mut next = trace.iter();
        for f in &t.files {
            let mut rejected = f.rejected_rows.iter().peekable();
            for row in 0..f.info.rows as u64 {
                if rejected.peek() == Some(&&row) {
                    rejected.next();
                    continue;
                }
                let g = *next.next().ok_or_else(|| {
                    Error::Internal(format!("trace of {table} shorter than its accepted rows"))
                })?;
                if g == voucher::NO_VOUCHER {
                    continue;
                }
                cols.0.push(Some(table));
                cols.1.push(Some(&f.file.rel));
                cols.2.push(row);
                cols.3.push(ids[g as usize]);
                if cols.2.len() >= JOURNAL_BATCH * 4 {
                    flush(&mut cols)?;
                }
            }
        }
        crate::ensure_invariant!(
            next.next().is_none(),
            "trace of {table} longer than its accepted rows"
        );
    }
    flush(&mut cols)?;
    sink.take()
        .expect("created")
        .finish()
        .map_err(Error::Internal)?;
    Ok(())
}
