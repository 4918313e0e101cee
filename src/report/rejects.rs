//! `rejects/<table>.parquet`: every rejected row with `source_file`, `source_row`, `reason`
//! (rule code) and `message`, then the row's cells typed as the input's (texts, `Int32`,
//! `Date`, money as `DECIMAL(38,2)` — wide enough for any input decimal of scale 0–2).
//!
//! Rows arrive from ingestion as they are found, in (file, row) order, taken column-wise from
//! the decoded slices, and are written a row group of [`GROUP_ROWS`] at a time: memory stays
//! bounded however many rows are rejected, and the row groups do not depend on the number of
//! threads (same bytes on every run).

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use crate::engine::{DataFrame, ParquetSink};
use crate::error::{Error, Result};
use crate::ingest::{RejectFrame, RejectSink};

/// Rows per row group of a rejects file.
pub const GROUP_ROWS: usize = 65_536;

/// Streams one table's rejects to its Parquet file. Row groups are encoded and written on a
/// thread of their own, so that writing overlaps the scan of the next rows; the channel holds
/// at most 16 groups (about a million rows), which bounds memory.
pub struct Writer {
    /// Written for sifund to read back (the partitioned run's work): see `ParquetSink::create_as`.
    scratch: bool,
    path: PathBuf,
    pending: Option<DataFrame>,
    to_writer: Option<SyncSender<DataFrame>>,
    writer: Option<JoinHandle<Result<()>>>,
}

impl Writer {
    pub fn new(path: PathBuf) -> Writer {
        Writer {
            scratch: false,
            path,
            pending: None,
            to_writer: None,
            writer: None,
        }
    }

    /// A writer of rows for the partitioned run's work folder (cheaper encoding, same rows).
    pub fn scratch(path: PathBuf) -> Writer {
        Writer {
            scratch: true,
            ..Writer::new(path)
        }
    }

    /// Starts the writing thread on the first frame (which gives the file its schema).
    fn start(&mut self, schema_of: &DataFrame) -> Result<()> {
        if self.to_writer.is_some() {
            return Ok(());
        }
        let mut sink =
            ParquetSink::create_as(&self.path, schema_of, self.scratch).map_err(Error::Internal)?;
        let (tx, rx) = sync_channel::<DataFrame>(16);
        self.to_writer = Some(tx);
        self.writer = Some(std::thread::spawn(move || {
            for group in rx {
                sink.write(group).map_err(Error::Internal)?;
            }
            sink.finish().map(|_| ()).map_err(Error::Internal)
        }));
        Ok(())
    }

    fn send(&mut self, group: DataFrame) -> Result<()> {
        let sent = self.to_writer.as_ref().expect("started").send(group);
        match sent {
            Ok(()) => Ok(()),
            // The thread stopped: its error says why.
            Err(_) => self
                .join()
                .and(Err(Error::Internal("rejects writer stopped".into()))),
        }
    }

    fn join(&mut self) -> Result<()> {
        self.to_writer = None;
        match self.writer.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(Error::Internal("rejects writer panicked".into())),
        }
    }
}

impl RejectSink for Writer {
    fn write(&mut self, rows: RejectFrame) -> Result<()> {
        self.start(&rows)?;
        let mut pending = match self.pending.take() {
            None => rows,
            Some(mut p) => {
                p.vstack_mut(&rows)
                    .map_err(|e| Error::Internal(format!("rejects: {e}")))?;
                p
            }
        };
        while pending.height() >= GROUP_ROWS {
            let group = pending.slice(0, GROUP_ROWS);
            pending = pending.slice(GROUP_ROWS as i64, usize::MAX);
            self.send(group)?;
        }
        self.pending = Some(pending);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(rest) = self.pending.take() {
            if rest.height() > 0 {
                self.send(rest)?;
            }
        }
        self.join()
    }
}
