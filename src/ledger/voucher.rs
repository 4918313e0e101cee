//! Summary vouchers 汇总记账凭证: what the books carry instead of one entry per source row.
//!
//! The business systems hand the finance system one voucher per fund, day, account, item and
//! reference, backed by its original records 原始凭证 (the input rows). A voucher's key is the
//! filter that finds those rows in the inputs (SPEC §5 `ledger/journal.parquet`):
//!
//! | origin | source table | rows summarised |
//! | --- | --- | --- |
//! | receipt 收款 | contributions | `kind` ∈ {normal, back_pay}, `received_on` = date, `account`, `receipt_ref` = reference (null = null) |
//! | refund 退费 | contributions | `kind` = refund, same key; the deposit line is a credit |
//! | payment 支付 | payouts | `paid_on` = date, `benefit` = the item of its expense line, `batch_id` = reference |
//! | returned 退回 | payouts | `returned_on` = date, same benefit and batch; the deposit line is a debit |
//! | flow | fund_flows | `flow_id` = reference (one row) |
//! | closing 结转 | — | the fund's year-end closing entry, no rows |
//!
//! `rows` counts the rows a voucher summarises. A payout returned in the year is summarised by
//! its payment voucher and again by its return voucher (the return is an event of its own); every
//! other row by exactly one voucher. Voucher ids number the vouchers in (region, scheme, date,
//! origin, account or item, reference) order, so they do not depend on file order or threads.

use rustc_hash::FxHashMap;

use super::chart;
use super::posting::{self, Lines};
use crate::model::catalog::{Account, Scheme, BENEFITS, FLOW_KINDS};
use crate::model::date::Day;
use crate::model::Fen;

/// What a voucher summarises (see the module table). The order is the order within a day.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Origin {
    Receipt,
    Refund,
    Payment,
    Returned,
    Flow,
    Closing,
}

impl Origin {
    /// The journal's `source_table`.
    pub fn source_table(self) -> &'static str {
        match self {
            Origin::Receipt | Origin::Refund => "contributions",
            Origin::Payment | Origin::Returned => "payouts",
            Origin::Flow => "fund_flows",
            Origin::Closing => "closing",
        }
    }
}

/// The parties a flow names (`fund_flows.from_account` / `to_account`), indexed for keys.
pub const PARTIES: [&str; 5] = ["income", "expense", "fiscal", "investment", "external"];

/// A voucher's key. `S` is `&str` while a slice is summed and `Box<str>` once merged.
/// `detail` is the deposit account (receipts, refunds: `Account as u16`), the benefit
/// (payments, returns: index in `BENEFITS`) or the flow's shape (kind, from, to).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Key<S> {
    pub region: S,
    pub scheme: S,
    pub date: Day,
    pub origin: Origin,
    pub detail: u16,
    pub reference: Option<S>,
}

impl Key<&str> {
    fn owned(&self) -> Key<Box<str>> {
        Key {
            region: self.region.into(),
            scheme: self.scheme.into(),
            date: self.date,
            origin: self.origin,
            detail: self.detail,
            reference: self.reference.map(Into::into),
        }
    }
}

/// The detail of a flow voucher: kind, from and to as indices.
pub fn flow_detail(kind: &str, from: &str, to: &str) -> u16 {
    let k = FLOW_KINDS
        .iter()
        .position(|x| *x == kind)
        .expect("kind checked at ingestion");
    let f = PARTIES
        .iter()
        .position(|x| *x == from)
        .expect("party checked at ingestion");
    let t = PARTIES
        .iter()
        .position(|x| *x == to)
        .expect("party checked at ingestion");
    ((k as u16) << 6) | ((f as u16) << 3) | t as u16
}

/// Is the flow voucher of this detail a transfer between the parts of a fund?
pub fn is_part_transfer(detail: u16) -> bool {
    crate::model::catalog::is_part_transfer(FLOW_KINDS[(detail >> 6) as usize])
}

/// The detail of a payment or return voucher: the benefit's index.
pub fn benefit_detail(benefit: &str) -> u16 {
    BENEFITS
        .iter()
        .position(|b| b.key == benefit)
        .expect("benefit checked at ingestion") as u16
}

/// What a voucher adds up: its rows and its amounts (fees and late fees for contributions,
/// the amount otherwise); `to_account`: the fees' share credited to 310's individual
/// accounts (`posting::account_share`), part of `amount`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sums {
    pub rows: u64,
    pub amount: i128,
    pub late_fee: i128,
    pub to_account: i128,
}

/// The vouchers of one slice, keyed by borrowed strings (no allocation per row).
pub struct SliceVouchers<'a> {
    index: FxHashMap<Key<&'a str>, u32>,
    pub vouchers: Vec<(Key<&'a str>, Sums)>,
    /// With `trace`: the local voucher of each accepted row in scan order (`u32::MAX`: the
    /// row is outside the pipeline's selection).
    pub trace: Option<Vec<u32>>,
}

/// Marks a row without a voucher in a trace (outside the selection).
pub const NO_VOUCHER: u32 = u32::MAX;

impl<'a> SliceVouchers<'a> {
    pub fn new(trace: bool) -> Self {
        SliceVouchers {
            index: FxHashMap::default(),
            vouchers: Vec::new(),
            trace: trace.then(Vec::new),
        }
    }

    /// Adds a row's amounts to its voucher; returns the voucher's slice-local index.
    pub fn add(&mut self, key: Key<&'a str>, amount: Fen, late_fee: Fen, to_account: Fen) -> u32 {
        let n = self.vouchers.len() as u32;
        let i = *self.index.entry(key.clone()).or_insert(n);
        if i == n {
            self.vouchers.push((key, Sums::default()));
        }
        let s = &mut self.vouchers[i as usize].1;
        s.rows += 1;
        s.amount += amount as i128;
        s.late_fee += late_fee as i128;
        s.to_account += to_account as i128;
        i
    }

    /// Records which voucher summarises the next accepted row (with `trace` only).
    pub fn trace(&mut self, local: u32) {
        if let Some(t) = self.trace.as_mut() {
            t.push(local);
        }
    }

    /// Leaves the slice: keys owned (done in parallel, once per voucher, not per row).
    pub fn finish(self) -> Part {
        Part {
            vouchers: self
                .vouchers
                .into_iter()
                .map(|(k, s)| (k.owned(), s))
                .collect(),
            trace: self.trace,
        }
    }
}

/// A slice's vouchers with owned keys, ready to merge.
pub struct Part {
    vouchers: Vec<(Key<Box<str>>, Sums)>,
    trace: Option<Vec<u32>>,
}

/// Every voucher of the run, merged from the slices in file order.
#[derive(Default)]
pub struct Vouchers {
    index: FxHashMap<Key<Box<str>>, u32>,
    pub keys: Vec<Key<Box<str>>>,
    pub sums: Vec<Sums>,
    /// The year-end closing entries, per voucher (only `Origin::Closing` keys).
    pub closing: FxHashMap<u32, Lines>,
    /// With `trace`: per source table, the merged voucher of each accepted row in scan order.
    pub trace: Vec<(&'static str, Vec<u32>)>,
}

impl Vouchers {
    /// Merges a slice; its trace is appended to `table`'s.
    pub fn absorb(&mut self, table: &'static str, s: Part) {
        let global: Vec<u32> = s
            .vouchers
            .into_iter()
            .map(|(k, sums)| {
                let g = self.intern(k);
                let t = &mut self.sums[g as usize];
                t.rows += sums.rows;
                t.amount += sums.amount;
                t.late_fee += sums.late_fee;
                t.to_account += sums.to_account;
                g
            })
            .collect();
        if let Some(local) = s.trace {
            if self.trace.last().map(|t| t.0) != Some(table) {
                self.trace.push((table, Vec::new()));
            }
            let t = &mut self.trace.last_mut().expect("pushed").1;
            t.extend(local.iter().map(|&l| match l {
                NO_VOUCHER => NO_VOUCHER,
                l => global[l as usize],
            }));
        }
    }

    /// The vouchers summed so far, sorted by key (a partial's canonical form).
    pub fn into_sorted(self) -> Vec<(Key<Box<str>>, Sums)> {
        let mut v: Vec<_> = self.keys.into_iter().zip(self.sums).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Vouchers from a partial's sorted list.
    pub fn from_sorted(v: Vec<(Key<Box<str>>, Sums)>) -> Vouchers {
        let mut out = Vouchers::default();
        for (k, s) in v {
            let g = out.intern(k);
            out.sums[g as usize] = s;
        }
        out
    }

    /// Adds another set of vouchers (closing entries and traces are not folded: both come
    /// after the scan).
    pub fn fold(&mut self, other: Vouchers) {
        for (k, s) in other.keys.into_iter().zip(other.sums) {
            let g = self.intern(k);
            let t = &mut self.sums[g as usize];
            t.rows += s.rows;
            t.amount += s.amount;
            t.late_fee += s.late_fee;
            t.to_account += s.to_account;
        }
    }

    /// Takes back another set of vouchers summed from rows these summed too (the partitioned
    /// run's duplicates, `ingest::scan::Fold::subtract`). A voucher left with no rows is
    /// dropped: it must then sum to nothing, and a voucher of `other` that is not here, or
    /// has more rows, is an error.
    pub fn subtract(&mut self, other: Vouchers) -> Result<(), String> {
        for (k, s) in other.keys.into_iter().zip(other.sums) {
            let Some(&g) = self.index.get(&k) else {
                return Err(format!("voucher {k:?} taken back but never summed"));
            };
            let t = &mut self.sums[g as usize];
            t.rows = t
                .rows
                .checked_sub(s.rows)
                .ok_or("a voucher taken back below 0 rows")?;
            t.amount -= s.amount;
            t.late_fee -= s.late_fee;
            t.to_account -= s.to_account;
        }
        if self.sums.iter().all(|s| s.rows > 0) {
            return Ok(());
        }
        if let Some(s) = self
            .sums
            .iter()
            .find(|s| s.rows == 0 && **s != Sums::default())
        {
            return Err(format!("a voucher of no rows left with amounts: {s:?}"));
        }
        let kept: Vec<(Key<Box<str>>, Sums)> = std::mem::take(&mut self.keys)
            .into_iter()
            .zip(std::mem::take(&mut self.sums))
            .filter(|(_, s)| s.rows > 0)
            .collect();
        self.index.clear();
        for (k, s) in kept {
            let g = self.intern(k);
            self.sums[g as usize] = s;
        }
        Ok(())
    }

    fn intern(&mut self, key: Key<Box<str>>) -> u32 {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let n = self.keys.len() as u32;
        self.index.insert(key.clone(), n);
        self.keys.push(key);
        self.sums.push(Sums::default());
        n
    }

    /// Adds a fund's closing entry 结转 (no rows), dated `day`.
    pub fn add_closing(&mut self, fund: &(String, String), day: Day, lines: Lines) {
        if lines.is_empty() {
            return;
        }
        let g = self.intern(Key {
            region: fund.0.as_str().into(),
            scheme: fund.1.as_str().into(),
            date: day,
            origin: Origin::Closing,
            detail: 0,
            reference: None,
        });
        self.closing.insert(g, lines);
    }

    /// The vouchers in id order: `order[k]` is the merged index of voucher id `k + 1`.
    pub fn order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        order
    }

    /// The lines of voucher `g` (merged index). A voucher whose amounts are all zero keeps
    /// one zero line on its deposit account, so its rows are still in the journal.
    pub fn lines(&self, g: u32) -> Result<Lines, String> {
        let key = &self.keys[g as usize];
        let s = &self.sums[g as usize];
        let fen = |v: i128| {
            Fen::try_from(v).map_err(|_| {
                format!(
                    "voucher {}/{} {} {:?}: total {} fen exceeds the books' range",
                    key.region,
                    key.scheme,
                    crate::model::date::iso(key.date),
                    key.reference,
                    v
                )
            })
        };
        let (a, late, to_account) = (fen(s.amount)?, fen(s.late_fee)?, fen(s.to_account)?);
        let scheme = Scheme::from_code(&key.scheme).expect("scheme checked at ingestion");
        let benefit = || BENEFITS[key.detail as usize].key;
        let (lines, deposit) = match key.origin {
            Origin::Receipt | Origin::Refund => {
                let acct = Account::ALL[key.detail as usize];
                let refund = key.origin == Origin::Refund;
                (
                    posting::contribution(acct, a, to_account, late, refund),
                    chart::deposit(acct),
                )
            }
            Origin::Payment => (
                posting::payout(benefit(), scheme, a),
                chart::EXPENSE_DEPOSIT,
            ),
            Origin::Returned => (
                posting::payout_returned(benefit(), scheme, a),
                chart::EXPENSE_DEPOSIT,
            ),
            Origin::Flow => {
                let d = key.detail as usize;
                let (kind, from, to) = (FLOW_KINDS[d >> 6], PARTIES[(d >> 3) & 7], PARTIES[d & 7]);
                let lines = posting::flow(kind, scheme, from, to, a);
                (lines, chart::FISCAL_DEPOSIT)
            }
            Origin::Closing => return Ok(self.closing[&g].clone()),
        };
        if lines.is_empty() {
            return Ok(vec![posting::dr(deposit, 0, None)]);
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(reference: Option<&'a str>, date: Day) -> Key<&'a str> {
        Key {
            region: "440100",
            scheme: "110",
            date,
            origin: Origin::Receipt,
            detail: Account::Income as u16,
            reference,
        }
    }

    #[test]
    fn rows_of_one_key_share_a_voucher_and_slices_merge() {
        let mut a = SliceVouchers::new(true);
        assert_eq!(a.add(key(Some("R1"), 10), 100, 0, 0), 0);
        assert_eq!(a.add(key(None, 10), 50, 5, 0), 1);
        assert_eq!(a.add(key(Some("R1"), 10), 200, 1, 0), 0);
        a.trace(0);
        a.trace(NO_VOUCHER);
        let mut b = SliceVouchers::new(true);
        b.add(key(None, 11), 7, 0, 0);
        b.add(key(Some("R1"), 10), 1, 0, 0);
        b.trace(1);
        let mut v = Vouchers::default();
        v.absorb("contributions", a.finish());
        v.absorb("contributions", b.finish());
        assert_eq!(v.keys.len(), 3);
        assert_eq!(
            v.sums[0],
            Sums {
                rows: 3,
                amount: 301,
                late_fee: 1,
                to_account: 0
            }
        );
        assert_eq!(v.trace, vec![("contributions", vec![0, NO_VOUCHER, 0])]);
        // Ids follow the key order: the null reference of day 10 first, then R1, then day 11.
        assert_eq!(v.order(), vec![1, 0, 2]);
        let l = v.lines(0).unwrap();
        assert_eq!((l[0].code, l[0].debit), ("1002", 302));
        assert_eq!((l[1].code, l[1].credit), ("4001", 301));
        assert_eq!((l[2].code, l[2].credit), ("4009", 1));
    }

    fn vouchers(rows: &[(Option<&str>, Day, Fen)]) -> Vouchers {
        let mut a = SliceVouchers::new(false);
        for &(r, d, amount) in rows {
            a.add(key(r, d), amount, 0, amount / 10);
        }
        let mut v = Vouchers::default();
        v.absorb("contributions", a.finish());
        v
    }

    #[test]
    fn rows_taken_back_leave_the_vouchers_of_the_other_rows() {
        let kept = [(Some("R1"), 10, 100), (None, 11, 30)];
        let dups = [(Some("R1"), 10, 70), (Some("R2"), 12, 5)];
        let mut all = vouchers(&kept);
        all.fold(vouchers(&dups));
        assert_eq!(all.keys.len(), 3);
        all.subtract(vouchers(&dups)).unwrap();
        // R2 existed only through a taken-back row: gone, as if never fed.
        assert_eq!(all.into_sorted(), vouchers(&kept).into_sorted());
    }

    #[test]
    fn taking_back_what_was_never_summed_or_leaving_money_without_rows_is_refused() {
        let mut v = vouchers(&[(Some("R1"), 10, 100)]);
        let e = v.subtract(vouchers(&[(Some("R9"), 10, 100)]));
        assert!(e.unwrap_err().contains("never summed"));
        let mut v = vouchers(&[(Some("R1"), 10, 100)]);
        let e = v.subtract(vouchers(&[(Some("R1"), 10, 100), (Some("R1"), 10, 1)]));
        assert!(e.unwrap_err().contains("below 0 rows"));
        let mut v = vouchers(&[(Some("R1"), 10, 100)]);
        let e = v.subtract(vouchers(&[(Some("R1"), 10, 99)]));
        assert!(e.unwrap_err().contains("no rows left with amounts"));
    }

    #[test]
    fn a_zero_voucher_keeps_one_line_and_flows_round_trip() {
        let mut a = SliceVouchers::new(false);
        a.add(key(Some("Z"), 3), 0, 0, 0);
        let flow = Key {
            origin: Origin::Flow,
            detail: flow_detail("remit_to_upper", "fiscal", "external"),
            reference: Some("F1"),
            ..key(None, 3)
        };
        a.add(flow, 900, 0, 0);
        let mut v = Vouchers::default();
        v.absorb("contributions", a.finish());
        assert_eq!(v.lines(0).unwrap().len(), 1);
        let f = v.lines(1).unwrap();
        assert_eq!((f[0].code, f[0].debit), ("5004", 900));
        assert_eq!((f[1].code, f[1].credit), ("1003", 900));
    }
}
