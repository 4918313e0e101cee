//! Files delivered twice 重复报送的文件: a file whose bytes are those of an earlier file of the
//! same table (same sha256, same Hive folder values) is not checked again row by row.
//!
//! The row rules are functions of a row's cells, its Hive values and the tables scanned before
//! it; none reads the file's name or position. So each row of the copy fails the rule its
//! original failed, and every other row repeats a key the original already holds (its own
//! first occurrence, or the one that made it a duplicate): `<key>.duplicate`. The copy's
//! outcome is therefore the original's, read off instead of recomputed: the copy is decoded
//! (its rows go to `rejects/` with their cells, and its amounts to the control totals), but
//! neither its rules nor its keys are evaluated. The result is the row-by-row result, byte for
//! byte (`tests/validate.rs` checks it against a copy re-encoded so its bytes differ).
//!
//! A copy whose original's slice is in the same window of work is checked row by row (its
//! original's outcome is not known yet): the result is the same.

use std::collections::HashMap;

use super::{
    decode, dup_reason, fen_value, guarded, money_cells, InputFile, Slice, SliceOut, Table,
};
use crate::error::Result;
use crate::ingest::cells::Cells;
use crate::ingest::Warnings;

/// For each file, the earlier file of the table it is a byte-for-byte copy of (the first
/// such), if any. Files without a checksum (the partitioned map reads none) are no copies.
pub(crate) fn originals(files: &[InputFile]) -> Vec<Option<usize>> {
    let mut first: HashMap<(&str, &[(String, String)]), usize> = HashMap::new();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if f.sha256.is_empty() {
                return None;
            }
            let key = (f.sha256.as_str(), f.file.hive.as_slice());
            match first.get(&key) {
                Some(&o) if files[o].info.row_groups == f.info.row_groups => Some(o),
                Some(_) => None,
                None => {
                    first.insert(key, i);
                    None
                }
            }
        })
        .collect()
}

/// Checksums the files that may be copies of one another (same size, row groups and Hive
/// folder), leaving the others without one: a process that reads only a share of the rows
/// (the partitioned run's map) finds the copies without reading every file whole.
pub(crate) fn checksum_twins(files: &mut [InputFile]) -> Result<()> {
    use rayon::prelude::*;
    type Twin<'a> = (u64, &'a [(String, String)], &'a [(usize, usize)]);
    let mut seen: HashMap<Twin, usize> = HashMap::new();
    let mut sizes = Vec::with_capacity(files.len());
    for f in files.iter() {
        let len = std::fs::metadata(&f.file.path)
            .map_err(crate::error::Error::io(&f.file.path))?
            .len();
        sizes.push(len);
    }
    for (f, &len) in files.iter().zip(&sizes) {
        *seen
            .entry((len, f.file.hive.as_slice(), f.info.row_groups.as_slice()))
            .or_default() += 1;
    }
    let twin: Vec<bool> = files
        .iter()
        .zip(&sizes)
        .map(|(f, &len)| seen[&(len, f.file.hive.as_slice(), f.info.row_groups.as_slice())] > 1)
        .collect();
    drop(seen);
    files
        .par_iter_mut()
        .zip(twin)
        .filter(|(f, twin)| *twin && f.sha256.is_empty())
        .try_for_each(|(f, _)| {
            f.sha256 = super::files::sha256(&f.file.path)?;
            Ok(())
        })
}

/// What the row rules found in one slice of an original: the failing rows with their codes
/// (sorted). A copy keeps no row, so none of its rows' warnings count.
pub(super) struct Outcome {
    fails: Vec<(u32, &'static str)>,
}

/// The outcomes of the originals' slices, by (file, first row), kept while the table is read.
#[derive(Default)]
pub(super) struct Outcomes {
    kept: HashMap<(usize, usize), Outcome>,
}

impl Outcomes {
    /// Keeps a checked slice's outcome if its file has a copy.
    pub(super) fn keep(&mut self, s: Slice, out: &SliceOut) {
        self.kept.insert(
            (s.file, s.offset),
            Outcome {
                fails: out.fails.clone(),
            },
        );
    }

    /// The outcome of the original's slice a copy's slice repeats, once it is known (the same
    /// row groups, checked in [`originals`], give the same slices).
    pub(super) fn of(&self, original: usize, s: Slice) -> Option<&Outcome> {
        self.kept.get(&(original, s.offset))
    }
}

/// A copy's slice: decoded, every row rejected with its original's reason or as a duplicate,
/// every amount counted as read and rejected. No key is hashed: the original holds them all.
pub(super) fn copy_slice(
    table: Table,
    files: &[InputFile],
    s: Slice,
    original: &Outcome,
) -> Result<(crate::engine::Chunk, SliceOut)> {
    let f = &files[s.file];
    let chunk = decode(f, s, table)?;
    let out = guarded(f, s, || {
        let all = Cells::of_chunk(table, &chunk);
        let money = money_cells(table, &all);
        let n = chunk.height();
        let mut sums = vec![(0i128, 0i128, 0i128); money.len()];
        for (m, sum) in money.iter().zip(sums.iter_mut()) {
            for i in 0..n {
                let v = fen_value(m.m(i));
                sum.0 += v;
                sum.1 += v;
            }
        }
        let mut failed = original.fails.iter().peekable();
        let fails = (0..n as u32)
            .map(|i| match failed.next_if(|x| x.0 == i) {
                Some(&(_, code)) => (i, code),
                None => (i, dup_reason(table)),
            })
            .collect();
        SliceOut {
            fails,
            passed_keys: Vec::new(),
            sums,
            magnitude: 0,
            warnings: Warnings::default(),
        }
    })?;
    Ok((chunk, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's contributions delivered as: the file, a copy of it, the same rows in
    /// another order (other bytes), and a copy under another Hive folder.
    #[test]
    fn only_a_byte_for_byte_copy_in_the_same_folder_is_taken_for_its_original() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        let dir = std::env::temp_dir().join(format!("sifund-copies-{}", std::process::id()));
        let t = dir.join("contributions");
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["kind=a", "kind=b"] {
            std::fs::create_dir_all(t.join(sub)).unwrap();
        }
        let src = demo.join("contributions.parquet");
        for to in ["kind=a/0.parquet", "kind=a/1.parquet", "kind=b/0.parquet"] {
            std::fs::copy(&src, t.join(to)).unwrap();
        }
        let df = crate::engine::read_all(&src).unwrap();
        let reversed: Vec<u32> = (0..df.height() as u32).rev().collect();
        let df = crate::engine::reorder(&df, &reversed).unwrap();
        crate::engine::write_parquet(&t.join("kind=a/2.parquet"), df).unwrap();
        let checked = crate::ingest::check_schemas(&dir, &[Table::Contributions]).unwrap();
        let files = &checked[0].1;
        let rels: Vec<&str> = files.iter().map(|f| f.file.rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "contributions/kind=a/0.parquet",
                "contributions/kind=a/1.parquet",
                "contributions/kind=a/2.parquet",
                "contributions/kind=b/0.parquet",
            ]
        );
        assert_ne!(
            files[2].sha256, files[0].sha256,
            "written again: other bytes"
        );
        assert_eq!(originals(files), [None, Some(0), None, None]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
