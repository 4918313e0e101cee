//! The shared scan 一次读取: each input table decoded once, its accepted rows handed to every
//! stage that reads it. A stage is a [`Consumer`]: it names the columns it reads per table,
//! maps a slice to a partial result (in parallel), and absorbs the partials in file order (so
//! what it builds does not depend on the number of threads); a finishing step of its own
//! turns the accumulator into its typed output.
//!
//! Tables are scanned in [`SCAN_ORDER`]: the small tables that others look things up in
//! (opening balances, persons, deaths) before the large ones.

use std::any::Any;

use rayon::prelude::*;

use super::cells::Cells;
use super::{accepted_in, slices, with_slice_of, Table, TableResult};
use crate::error::{Error, Result};

/// A slice's partial result, owned (the slice's cells are gone when it is absorbed).
pub type Part = Box<dyn Any + Send>;

/// A stage fed by the shared scan.
pub trait Consumer: Sync {
    /// The columns the stage reads from `table`; empty: it does not read the table.
    fn uses(&self, table: Table) -> &'static [&'static str];

    /// One slice of `table`: its decoded cells (columns outside [`Consumer::uses`] of every
    /// consumer are `Cells::Absent`), the file index, the slice's first row in the file and
    /// the accepted rows (slice-relative).
    fn map(&self, table: Table, cells: &[Cells], file: usize, first: u64, accepted: &[u32])
        -> Part;

    /// Takes a slice's partial, in file order.
    fn absorb(&mut self, table: Table, part: Part) -> Result<()>;
}

/// Order of the shared scan: lookup tables first.
pub const SCAN_ORDER: [Table; 8] = [
    Table::OpeningBalances,
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

/// Scans every table once, in [`SCAN_ORDER`], feeding each consumer the tables it reads.
pub fn scan_all(tables: &[TableResult], consumers: &mut [&mut dyn Consumer]) -> Result<()> {
    for table in SCAN_ORDER {
        let Some(t) = tables.iter().find(|r| r.table == table) else {
            continue;
        };
        let active: Vec<usize> = (0..consumers.len())
            .filter(|&k| !consumers[k].uses(table).is_empty())
            .collect();
        if active.is_empty() {
            continue;
        }
        let cols: Vec<&str> = table
            .column_names()
            .into_iter()
            .filter(|c| active.iter().any(|&k| consumers[k].uses(table).contains(c)))
            .collect();
        let work = slices(&t.files);
        let window = rayon::current_num_threads().max(1) * 2;
        for batch in work.chunks(window) {
            let shared: &[&mut dyn Consumer] = consumers;
            let outs: Vec<Result<Vec<Part>>> = batch
                .par_iter()
                .map(|&s| {
                    let f = &t.files[s.file];
                    with_slice_of(f, s, &cols, |chunk| {
                        let cells = super::project(table, chunk, &cols);
                        let accepted = accepted_in(f, s, chunk.height());
                        active
                            .iter()
                            .map(|&k| shared[k].map(table, &cells, s.file, s.offset as u64, &accepted))
                            .collect()
                    })
                })
                .collect();
            for parts in outs {
                for (&k, p) in active.iter().zip(parts?) {
                    consumers[k].absorb(table, p)?;
                }
            }
        }
    }
    Ok(())
}
