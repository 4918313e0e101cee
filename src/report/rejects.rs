//! `rejects/<table>.parquet`: every rejected row, its cells as text (types as read may differ
//! between files), with `source_file`, `source_row`, `reason` (rule code) and `message`.

use std::path::Path;

use crate::engine::{self, build};
use crate::error::{Error, Result};
use crate::ingest::rules::describe;
use crate::ingest::TableResult;

pub fn write(path: &Path, t: &TableResult) -> Result<()> {
    let specs = t.table.columns();
    let file: Vec<Option<&str>> = t
        .rejects
        .iter()
        .map(|r| Some(t.files[r.file].file.rel.as_str()))
        .collect();
    let mut cols = vec![
        build::utf8("source_file", &file),
        build::u64("source_row", t.rejects.iter().map(|r| r.row).collect()),
        build::utf8(
            "reason",
            &t.rejects.iter().map(|r| Some(r.reason)).collect::<Vec<_>>(),
        ),
        build::utf8(
            "message",
            &t.rejects
                .iter()
                .map(|r| Some(describe(r.reason)))
                .collect::<Vec<_>>(),
        ),
    ];
    for (ci, spec) in specs.iter().enumerate() {
        let v: Vec<Option<&str>> = t.rejects.iter().map(|r| r.cells[ci].as_deref()).collect();
        cols.push(build::utf8(spec.name, &v));
    }
    engine::write_parquet(path, build::frame(cols)).map_err(Error::Internal)
}
