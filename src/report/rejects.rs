//! `rejects/<table>.parquet`: every rejected row, its cells as text (types as read may differ
//! between files), with `source_file`, `source_row`, `reason` (rule code) and `message`.
//!
//! Rows arrive from ingestion as they are found, in (file, row) order, and are written a row
//! group of [`GROUP_ROWS`] at a time: memory stays bounded however many rows are rejected, and
//! the row groups do not depend on the number of threads (same bytes on every run).

use std::path::PathBuf;

use crate::engine::{build, DataFrame, ParquetSink};
use crate::error::{Error, Result};
use crate::ingest::rules::describe;
use crate::ingest::{InputFile, RejectRow, RejectSink, Table};

/// Rows per row group of a rejects file.
pub const GROUP_ROWS: usize = 65_536;

/// Streams one table's rejects to its Parquet file.
pub struct Writer {
    path: PathBuf,
    table: Table,
    pending: Vec<RejectRow>,
    sink: Option<ParquetSink>,
}

impl Writer {
    pub fn new(path: PathBuf, table: Table) -> Writer {
        Writer {
            path,
            table,
            pending: Vec::new(),
            sink: None,
        }
    }

    /// Writes `pending[from..to]` as one row group.
    fn flush(&mut self, files: &[InputFile], from: usize, to: usize) -> Result<()> {
        let df = frame(self.table, files, &self.pending[from..to]);
        let sink = match &mut self.sink {
            Some(s) => s,
            None => self
                .sink
                .insert(ParquetSink::create(&self.path, &df).map_err(Error::Internal)?),
        };
        sink.write(df).map_err(Error::Internal)
    }
}

impl RejectSink for Writer {
    fn write(&mut self, files: &[InputFile], rows: Vec<RejectRow>) -> Result<()> {
        debug_assert!(rows
            .windows(2)
            .all(|w| (w[0].file, w[0].row) < (w[1].file, w[1].row)));
        self.pending.extend(rows);
        let mut done = 0;
        while self.pending.len() - done >= GROUP_ROWS {
            self.flush(files, done, done + GROUP_ROWS)?;
            done += GROUP_ROWS;
        }
        self.pending.drain(..done);
        Ok(())
    }

    fn finish(&mut self, files: &[InputFile]) -> Result<()> {
        if !self.pending.is_empty() || self.sink.is_none() {
            // The last short group; a table without rejects still gets its (empty) file.
            self.flush(files, 0, self.pending.len())?;
            self.pending.clear();
        }
        if let Some(sink) = self.sink.take() {
            sink.finish().map_err(Error::Internal)?;
        }
        Ok(())
    }
}

/// The rows as a frame of the rejects file's columns.
fn frame(table: Table, files: &[InputFile], rows: &[RejectRow]) -> DataFrame {
    let file: Vec<Option<&str>> = rows
        .iter()
        .map(|r| Some(files[r.file].file.rel.as_str()))
        .collect();
    let mut cols = vec![
        build::utf8("source_file", &file),
        build::u64("source_row", rows.iter().map(|r| r.row).collect()),
        build::utf8(
            "reason",
            &rows.iter().map(|r| Some(r.reason)).collect::<Vec<_>>(),
        ),
        build::utf8(
            "message",
            &rows
                .iter()
                .map(|r| Some(describe(r.reason)))
                .collect::<Vec<_>>(),
        ),
    ];
    for (ci, spec) in table.columns().iter().enumerate() {
        let v: Vec<Option<&str>> = rows.iter().map(|r| r.cells[ci].as_deref()).collect();
        cols.push(build::utf8(spec.name, &v));
    }
    build::frame(cols)
}
