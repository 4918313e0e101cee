//! The cells of one chunk, typed per the table spec, with the per-table row checks.

use super::rules::*;
use super::tables::{ColumnSpec, Kind, Table};
use crate::engine::{Chunk, FenCol, IntCol, StrCol};

/// The panic of reading a column outside a scan's projection: a programming error, told
/// apart from a decoder failure by its type (see `ingest::with_slice_of`).
#[derive(Debug)]
pub struct NotProjected(pub &'static str);

/// One column of a chunk, decoded (a view into the chunk's arrays: cheap to copy).
#[derive(Clone, Copy)]
pub enum Cells<'a> {
    Str(StrCol<'a>),
    Int(IntCol<'a>),
    Date(IntCol<'a>),
    Money(FenCol<'a>),
    /// A column of the partitioned run's rows files (`ingest::shuffle`), any kind.
    Shuffled(&'a super::shuffle::Col),
    /// Not decoded, or not declared by the consumer reading it (see `ingest::scan::Consumer`).
    Absent(&'static str),
}

impl<'a> Cells<'a> {
    pub fn read(chunk: &'a Chunk, spec: &ColumnSpec) -> Cells<'a> {
        match spec.kind {
            Kind::Utf8 => Cells::Str(chunk.strs(spec.name)),
            Kind::Int32 => Cells::Int(chunk.i32s(spec.name)),
            Kind::Date => Cells::Date(chunk.dates(spec.name)),
            Kind::Money => Cells::Money(chunk.fens(spec.name)),
        }
    }
    /// Every column of a decoded chunk of `table`, in the table's order.
    pub fn of_chunk(table: Table, chunk: &'a Chunk) -> Vec<Cells<'a>> {
        table
            .columns()
            .iter()
            .map(|c| Cells::read(chunk, c))
            .collect()
    }

    #[inline]
    pub fn s(&self, i: usize) -> Option<&'a str> {
        match self {
            Cells::Str(v) => v.get(i),
            Cells::Shuffled(c) => c.s(i),
            Cells::Absent(name) => std::panic::panic_any(NotProjected(name)),
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
    #[inline]
    pub fn n(&self, i: usize) -> Option<i32> {
        match self {
            Cells::Int(v) | Cells::Date(v) => v.get(i),
            Cells::Shuffled(c) => c.n(i),
            Cells::Absent(name) => std::panic::panic_any(NotProjected(name)),
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
    #[inline]
    pub fn m(&self, i: usize) -> Amt {
        match self {
            Cells::Money(v) => v.get(i),
            Cells::Shuffled(c) => c.m(i),
            Cells::Absent(name) => std::panic::panic_any(NotProjected(name)),
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
}

/// Looks a column up by name (once per chunk, never per row).
pub fn col<'c, 'a>(table: Table, cells: &'c [Cells<'a>], name: &str) -> &'c Cells<'a> {
    let i = table
        .columns()
        .iter()
        .position(|c| c.name == name)
        .expect("column of the table spec");
    &cells[i]
}

/// Runs the table's row rules over a chunk: `(row, failed rule)` for each failing row.
pub fn check_rows(
    table: Table,
    cells: &[Cells],
    n: usize,
    ctx: &Ctx,
    warn: &mut Warnings,
) -> Vec<(u32, Fail)> {
    check_rows_at(table, cells, 0..n, ctx, warn)
}

/// [`check_rows`] over some rows of a chunk only (ascending): the warnings of rows that passed
/// the rules but are rejected later, as repeating a key, are taken back this way.
pub fn check_rows_at<R: Iterator<Item = usize> + Clone>(
    table: Table,
    cells: &[Cells],
    rows: R,
    ctx: &Ctx,
    warn: &mut Warnings,
) -> Vec<(u32, Fail)> {
    let c = |name: &str| col(table, cells, name);
    let mut fails = Vec::new();
    let mut push = |i: usize, r: Result<(), Fail>| {
        if let Err(f) = r {
            fails.push((i as u32, f));
        }
    };
    // A row's warnings count only when the row is kept (an empty map allocates nothing).
    let mut warned = |check: &mut dyn FnMut(&mut Warnings) -> Result<(), Fail>| {
        let mut w = Warnings::default();
        let r = check(&mut w);
        if r.is_ok() && !w.counts.is_empty() {
            warn.merge(&w);
        }
        r
    };
    match table {
        Table::Contributions => {
            let (txn, reg, sch, pid, emp, payer) = (
                c("txn_id"),
                c("region"),
                c("scheme"),
                c("person_id"),
                c("employer_id"),
                c("payer_kind"),
            );
            let (per, rec, acc, rref, base) = (
                c("period"),
                c("received_on"),
                c("account"),
                c("receipt_ref"),
                c("base"),
            );
            let (ea, ia, lf, kind) = (
                c("employer_amount"),
                c("individual_amount"),
                c("late_fee"),
                c("kind"),
            );
            for i in rows.clone() {
                let row = Contribution {
                    txn_id: txn.s(i),
                    region: reg.s(i),
                    scheme: sch.s(i),
                    person_id: pid.s(i),
                    employer_id: emp.s(i),
                    payer_kind: payer.s(i),
                    period: per.n(i),
                    received_on: rec.n(i),
                    account: acc.s(i),
                    receipt_ref: rref.s(i),
                    base: base.m(i),
                    employer_amount: ea.m(i),
                    individual_amount: ia.m(i),
                    late_fee: lf.m(i),
                    kind: kind.s(i),
                };
                push(i, warned(&mut |w| check_contribution(&row, ctx, w)));
            }
        }
        Table::Payouts => {
            let (id, reg, sch, pid, payee, ben) = (
                c("payment_id"),
                c("region"),
                c("scheme"),
                c("person_id"),
                c("payee_kind"),
                c("benefit"),
            );
            let (per, paid, amt, batch, ret) = (
                c("period"),
                c("paid_on"),
                c("amount"),
                c("batch_id"),
                c("returned_on"),
            );
            for i in rows.clone() {
                let row = Payout {
                    payment_id: id.s(i),
                    region: reg.s(i),
                    scheme: sch.s(i),
                    person_id: pid.s(i),
                    payee_kind: payee.s(i),
                    benefit: ben.s(i),
                    period: per.n(i),
                    paid_on: paid.n(i),
                    amount: amt.m(i),
                    batch_id: batch.s(i),
                    returned_on: ret.n(i),
                };
                push(i, check_payout(&row, ctx));
            }
        }
        Table::FundFlows => {
            let (id, reg, sch, date, kind) =
                (c("flow_id"), c("region"), c("scheme"), c("date"), c("kind"));
            let (from, to, amt, cr, cs) = (
                c("from_account"),
                c("to_account"),
                c("amount"),
                c("counter_region"),
                c("counter_scheme"),
            );
            for i in rows.clone() {
                let row = FundFlow {
                    flow_id: id.s(i),
                    region: reg.s(i),
                    scheme: sch.s(i),
                    date: date.n(i),
                    kind: kind.s(i),
                    from_account: from.s(i),
                    to_account: to.s(i),
                    amount: amt.m(i),
                    counter_region: cr.s(i),
                    counter_scheme: cs.s(i),
                };
                push(i, check_fund_flow(&row, ctx));
            }
        }
        Table::Statements => {
            let (id, reg, sch, acc) = (c("line_id"), c("region"), c("scheme"), c("account"));
            let (date, dir, amt) = (c("date"), c("direction"), c("amount"));
            for i in rows.clone() {
                let row = StatementLine {
                    line_id: id.s(i),
                    region: reg.s(i),
                    scheme: sch.s(i),
                    account: acc.s(i),
                    date: date.n(i),
                    direction: dir.s(i),
                    amount: amt.m(i),
                };
                push(i, check_statement(&row, ctx));
            }
        }
        Table::OpeningBalances => {
            let (reg, sch, acc, book, st) = (
                c("region"),
                c("scheme"),
                c("account"),
                c("book"),
                c("statement"),
            );
            for i in rows.clone() {
                let row = OpeningBalance {
                    region: reg.s(i),
                    scheme: sch.s(i),
                    account: acc.s(i),
                    book: book.m(i),
                    statement: st.m(i),
                };
                push(i, check_opening_balance(&row));
            }
        }
        Table::SubFundBalances => {
            let (reg, sch, part, open) = (c("region"), c("scheme"), c("sub_fund"), c("opening"));
            for i in rows.clone() {
                let row = SubFundBalance {
                    region: reg.s(i),
                    scheme: sch.s(i),
                    sub_fund: part.s(i),
                    opening: open.m(i),
                };
                push(i, check_sub_fund_balance(&row));
            }
        }
        Table::Persons => {
            let (pid, reg, sch, sex, birth, cat) = (
                c("person_id"),
                c("region"),
                c("scheme"),
                c("sex"),
                c("birth_date"),
                c("category"),
            );
            let (st, enr, months, base) = (
                c("status"),
                c("enrolled_on"),
                c("contribution_months"),
                c("monthly_base"),
            );
            let (bstart, ben) = (c("benefit_start"), c("monthly_benefit"));
            for i in rows.clone() {
                let row = Person {
                    person_id: pid.s(i),
                    region: reg.s(i),
                    scheme: sch.s(i),
                    sex: sex.s(i),
                    birth_date: birth.n(i),
                    category: cat.s(i),
                    status: st.s(i),
                    enrolled_on: enr.n(i),
                    contribution_months: months.n(i),
                    monthly_base: base.m(i),
                    benefit_start: bstart.n(i),
                    monthly_benefit: ben.m(i),
                };
                push(i, warned(&mut |w| check_person(&row, ctx, w)));
            }
        }
        Table::Deaths => {
            let (pid, date, src) = (c("person_id"), c("death_date"), c("source"));
            for i in rows.clone() {
                let row = Death {
                    person_id: pid.s(i),
                    death_date: date.n(i),
                    source: src.s(i),
                };
                push(i, check_death(&row, ctx));
            }
        }
        Table::Budget => {
            let (reg, sch, item, amt) = (c("region"), c("scheme"), c("item"), c("amount"));
            for i in rows.clone() {
                let row = BudgetLine {
                    region: reg.s(i),
                    scheme: sch.s(i),
                    item: item.s(i),
                    amount: amt.m(i),
                };
                push(i, check_budget(&row));
            }
        }
    }
    fails
}

/// The key columns of a decoded chunk, hashing one row's key at a time ([`key_hash`]).
pub struct RowKeys<'c, 'a> {
    cols: Vec<&'c Cells<'a>>,
    parts: Vec<Option<&'a str>>,
}

impl<'c, 'a> RowKeys<'c, 'a> {
    pub fn of(table: Table, cells: &'c [Cells<'a>]) -> RowKeys<'c, 'a> {
        let cols: Vec<&Cells> = table.key().iter().map(|k| col(table, cells, k)).collect();
        let parts = Vec::with_capacity(cols.len());
        RowKeys { cols, parts }
    }

    /// Row `i`'s key hash.
    pub fn hash(&mut self, i: usize) -> u128 {
        self.parts.clear();
        self.parts.extend(self.cols.iter().map(|k| k.s(i)));
        key_hash(&self.parts)
    }
}

/// 128-bit hash of a row's key: two independent 64-bit hashes of the same bytes — FNV-1a with a
/// SplitMix64 finaliser, and SipHash-1-3 with fixed keys. Two different keys share both with a
/// probability of about 2⁻¹²⁸ per pair: below 10⁻¹⁸ for a table of 10¹⁰ rows, far below the
/// rate of undetected hardware errors. sifund treats equal 128-bit hashes as equal keys, so
/// duplicates are found in one pass with no second read (the decision is in docs/inputs.md).
pub fn key_hash(parts: &[Option<&str>]) -> u128 {
    use std::hash::Hasher;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut sip = std::hash::DefaultHasher::new();
    for p in parts {
        let bytes = p.unwrap_or("\u{0}").as_bytes();
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0x1f;
        h = h.wrapping_mul(0x0100_0000_01b3);
        sip.write(bytes);
        sip.write_u8(0x1f);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    let h = h ^ (h >> 31);
    ((sip.finish() as u128) << 64) | h as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_outside_the_projection_panics_with_its_own_type() {
        let payload = std::panic::catch_unwind(|| Cells::Absent("kind").s(0)).unwrap_err();
        let np = payload
            .downcast_ref::<NotProjected>()
            .expect("typed payload");
        assert_eq!(np.0, "kind");
    }
}

/// Dense indices of the funds (region, scheme) met in a slice, in order of first appearance,
/// found without hashing: a person's rows alternate between schemes, so the last fund of each
/// scheme is remembered and checked first.
#[derive(Default)]
pub struct FundIndex<'a> {
    funds: Vec<(&'a str, &'a str)>,
    last: [Option<u32>; 8],
}

impl<'a> FundIndex<'a> {
    /// The index of a fund, added on first sight.
    pub fn of(&mut self, region: &'a str, scheme: &'a str) -> u32 {
        let slot = crate::model::Scheme::from_code(scheme).map(|s| s as usize);
        if let Some(i) = slot.and_then(|k| self.last[k]) {
            if self.funds[i as usize] == (region, scheme) {
                return i;
            }
        }
        let i = match self.funds.iter().position(|f| *f == (region, scheme)) {
            Some(i) => i as u32,
            None => {
                self.funds.push((region, scheme));
                self.funds.len() as u32 - 1
            }
        };
        if let Some(k) = slot {
            self.last[k] = Some(i);
        }
        i
    }

    /// The funds met, by index.
    pub fn funds(&self) -> &[(&'a str, &'a str)] {
        &self.funds
    }
}

#[cfg(test)]
mod fund_index_tests {
    use super::FundIndex;

    #[test]
    fn indices_are_dense_and_stable() {
        let mut f = FundIndex::default();
        assert_eq!(f.of("440100", "110"), 0);
        assert_eq!(f.of("440100", "310"), 1);
        assert_eq!(f.of("440300", "110"), 2);
        assert_eq!(
            f.of("440100", "110"),
            0,
            "a region change of the same scheme is looked up"
        );
        assert_eq!(
            f.of("440100", "999"),
            3,
            "codes outside the catalogue still get an index"
        );
        assert_eq!(f.of("440100", "999"), 3);
        assert_eq!(f.funds().len(), 4);
    }
}
