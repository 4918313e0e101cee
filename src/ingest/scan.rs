//! The shared scan 一次读取: each input table decoded once, by ingestion, and its accepted rows
//! handed to every stage that reads it. A stage is a [`Consumer`]: it names the columns it reads per table,
//! maps a slice to a partial result (in parallel), and absorbs the partials in file order (so
//! what it builds does not depend on the number of threads); a finishing step of its own
//! turns the accumulator into its typed output.
//!
//! Tables are scanned in [`SCAN_ORDER`]: the small tables that others look things up in
//! (opening balances, persons, deaths) before the large ones.

use std::any::Any;

use super::cells::Cells;
use super::{ingest_table, Ctx, InputFile, RejectSink, Table, TableResult};
use crate::error::{Error, Result};

/// A slice's partial result, owned (the slice's cells are gone when it is absorbed).
pub type Part = Box<dyn Any + Send>;

/// A stage fed by the shared scan.
pub trait Consumer: Sync {
    /// The columns the stage reads from `table`; empty: it does not read the table.
    fn uses(&self, table: Table) -> &'static [&'static str];

    /// One slice of `table`: its decoded cells (columns outside this consumer's
    /// [`Consumer::uses`] are `Cells::Absent`: reading one is an internal error naming it), the
    /// file index, the slice's first row in the file and the accepted rows (slice-relative).
    fn map(&self, table: Table, cells: &[Cells], file: usize, first: u64, accepted: &[u32])
        -> Part;

    /// Takes a slice's partial, in file order.
    fn absorb(&mut self, table: Table, part: Part) -> Result<()>;
}

/// Order of the shared scan: lookup tables first.
pub const SCAN_ORDER: [Table; 9] = [
    Table::OpeningBalances,
    Table::SubFundBalances,
    Table::Persons,
    Table::Deaths,
    Table::Budget,
    Table::Contributions,
    Table::Payouts,
    Table::FundFlows,
    Table::Statements,
];

/// A consumer's partial of its own type (a mismatch is a programming error).
pub fn part<T: 'static>(p: Part) -> Result<Box<T>> {
    p.downcast::<T>()
        .map_err(|_| Error::Internal("a scan partial of the wrong type".into()))
}

/// Ingests every checked table once, in [`SCAN_ORDER`], feeding each consumer the accepted
/// rows of the tables it reads; returns the tables in [`Table::ALL`] order.
pub fn ingest_all(
    checked: Vec<(Table, Vec<InputFile>, Vec<String>)>,
    ctx: &Ctx,
    consumers: &mut [&mut dyn Consumer],
    sinks: &mut dyn FnMut(Table) -> Result<Box<dyn RejectSink>>,
    progress: &dyn Fn(u64),
) -> Result<Vec<TableResult>> {
    let mut checked = checked;
    checked.sort_by_key(|(t, _, _)| SCAN_ORDER.iter().position(|x| x == t));
    let mut out = Vec::with_capacity(checked.len());
    let mut magnitude = 0i128;
    for (table, files, ignored) in checked {
        let mut sink = sinks(table)?;
        out.push(ingest_table(
            table,
            files,
            ignored,
            ctx,
            consumers,
            sink.as_mut(),
            &mut magnitude,
            progress,
        )?);
    }
    out.sort_by_key(|t| Table::ALL.iter().position(|x| *x == t.table));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cells::col;
    use crate::ingest::DiscardRejects;

    /// Declares `person_id` of `deaths` but reads `death_date` too.
    struct Undeclared;

    impl Consumer for Undeclared {
        fn uses(&self, table: Table) -> &'static [&'static str] {
            match table {
                Table::Deaths => &["person_id"],
                _ => &[],
            }
        }
        fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
            let n: i64 = acc
                .iter()
                .map(|&i| col(table, cells, "death_date").n(i as usize).unwrap_or(0) as i64)
                .sum();
            Box::new(n)
        }
        fn absorb(&mut self, _: Table, _: Part) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_column_read_without_being_declared_is_an_internal_error() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        let checked = crate::ingest::check_schemas(&demo, &[Table::Deaths]).unwrap();
        let err = ingest_all(
            checked,
            &Ctx::new(2025),
            &mut [&mut Undeclared],
            &mut |_| Ok(Box::new(DiscardRejects)),
            &|_| {},
        )
        .err()
        .expect("refused");
        assert_eq!(err.exit_code(), 3, "{err}");
        assert!(err.to_string().contains("death_date"), "{err}");
    }
}
