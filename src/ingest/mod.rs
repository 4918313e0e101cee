//! Ingestion 数据接收与校验: schema check, row rules, duplicates, rejects and control totals.
//!
//! Each table is read one row group at a time; chunks are checked in parallel (rayon) and
//! merged in file order, so the result does not depend on the number of threads. A row ends
//! up accepted or rejected with a reason — never dropped — and the amounts read equal the
//! amounts accepted plus rejected, per table and money column.

pub mod cells;
pub(crate) mod copies;
pub mod files;
pub mod rules;
pub mod scan;
pub mod shuffle;
pub mod tables;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::{self, ColType, FileInfo};
use crate::error::{Error, Result};
use crate::model::money::MAX_DATASET;
use cells::{check_rows, Cells};
use files::TableFile;
pub use rules::{Ctx, Warnings};
use scan::{Consumer, Part};
pub use tables::{Kind, Table};

/// One input file after the schema check.
pub struct InputFile {
    pub file: TableFile,
    pub info: FileInfo,
    pub sha256: String,
    /// Rejected row numbers (0-based within the file), sorted: later stages skip them.
    pub rejected_rows: Vec<u64>,
}

/// Rows and amounts of one table: read = accepted + rejected.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Control {
    pub read: i128,
    pub accepted: i128,
    pub rejected: i128,
}

/// Rejected rows as the rejects file holds them: `source_file`, `source_row`, `reason`,
/// `message`, then the table's columns, typed (`engine::Typed`), in (file, row) order.
pub type RejectFrame = engine::DataFrame;

/// The table's columns and how each is typed in its rejects file.
fn reject_columns(table: Table) -> Vec<(&'static str, engine::Typed)> {
    table
        .columns()
        .iter()
        .map(|c| {
            let t = match c.kind {
                Kind::Utf8 => engine::Typed::Text,
                Kind::Int32 => engine::Typed::Int32,
                Kind::Date => engine::Typed::Date,
                Kind::Money => engine::Typed::Money,
            };
            (c.name, t)
        })
        .collect()
}

/// The few-valued columns of a table's rejects — `source_file`, `reason`, `message` — as
/// categories fixed for the whole file: written as dictionaries, no string built or hashed per
/// rejected row. The reasons are every code the table's rules can return (the codes of
/// `rules::RULES` for the table and for every table, the generic `<column>.null` and
/// `<column>.implausible` for each of its columns) and its duplicate key.
struct RejectCats {
    files: engine::build::Categories,
    reasons: Vec<String>,
    reason_cats: engine::build::Categories,
    /// Per reason, the index of its message in `message_cats` (codes may share a message).
    message_of: Vec<u32>,
    message_cats: engine::build::Categories,
}

impl RejectCats {
    fn new(table: Table, rels: &[&str]) -> RejectCats {
        let mut reasons: Vec<String> = rules::RULES
            .iter()
            .filter(|(t, code, _)| (*t == "*" || *t == table.name()) && !code.starts_with('<'))
            .map(|r| r.1.to_string())
            .collect();
        for c in table.columns() {
            reasons.extend(["null", "implausible"].map(|rule| format!("{}.{rule}", c.name)));
        }
        reasons.push(dup_reason(table).to_string());
        let mut seen = std::collections::HashSet::new();
        reasons.retain(|r| seen.insert(r.clone()));
        let mut messages: Vec<String> = Vec::new();
        let message_of = reasons
            .iter()
            .map(|r| {
                let m = rules::describe(r);
                let k = messages.iter().position(|x| *x == m).unwrap_or_else(|| {
                    messages.push(m);
                    messages.len() - 1
                });
                k as u32
            })
            .collect();
        RejectCats {
            files: engine::build::Categories::new(rels),
            reason_cats: engine::build::Categories::new(&reasons),
            reasons,
            message_of,
            message_cats: engine::build::Categories::new(&messages),
        }
    }

    /// The category of a reason code; a code the list misses is a bug (exit 3).
    fn reason(&self, code: &str) -> Result<u32> {
        self.reasons
            .iter()
            .position(|r| *r == code)
            .map(|k| k as u32)
            .ok_or_else(|| Error::Internal(format!("reject code {code} not in the rule tables")))
    }
}

/// The rejects of one slice, `rows` (chunk-relative, sorted) with their reasons.
fn reject_frame(
    table: Table,
    f: &InputFile,
    cats: &RejectCats,
    chunk: &engine::Chunk,
    at: Coords,
    rows: &[(u32, &'static str)],
) -> Result<RejectFrame> {
    use engine::build;
    let idx: Vec<u32> = rows.iter().map(|r| r.0).collect();
    // A slice's rejects share few reasons: the last one found is tried first.
    let mut last: Option<(&str, u32)> = None;
    let mut reasons = Vec::with_capacity(rows.len());
    for (_, code) in rows {
        let k = match last {
            Some((c, k)) if std::ptr::eq(c, *code) => k,
            _ => cats.reason(code)?,
        };
        last = Some((code, k));
        reasons.push(k);
    }
    let messages = reasons
        .iter()
        .map(|&k| cats.message_of[k as usize])
        .collect();
    let (files, source_rows) = rows.iter().map(|r| at.of(r.0)).unzip();
    let mut cols = vec![
        build::coded("source_file", files, &cats.files),
        build::u64("source_row", source_rows),
        build::coded("reason", reasons, &cats.reason_cats),
        build::coded("message", messages, &cats.message_cats),
    ];
    cols.extend(
        chunk
            .take_rows(&idx, &reject_columns(table))
            .map_err(|e| Error::Internal(format!("{}: rejects: {e}", f.file.path.display())))?,
    );
    Ok(build::frame(cols))
}

/// A rejects frame without rows: the file's schema when nothing is rejected.
fn empty_rejects(table: Table, cats: &RejectCats) -> RejectFrame {
    use engine::build;
    let mut cols = vec![
        build::coded_empty("source_file", &cats.files),
        build::u64("source_row", vec![]),
        build::coded_empty("reason", &cats.reason_cats),
        build::coded_empty("message", &cats.message_cats),
    ];
    cols.extend(
        reject_columns(table)
            .into_iter()
            .map(|(n, t)| build::empty(n, t)),
    );
    build::frame(cols)
}

/// The outcome of ingesting one table.
pub struct TableResult {
    pub table: Table,
    pub files: Vec<InputFile>,
    pub rows: Control,
    /// Per money column, in fen.
    pub amounts: BTreeMap<&'static str, Control>,
    pub reasons: BTreeMap<&'static str, u64>,
    pub warnings: Warnings,
    pub ignored_columns: Vec<String>,
}

/// Where rejected rows go as they are found (`report::rejects` writes them to Parquet a row
/// group at a time), so that memory does not grow with the number of rejects.
pub trait RejectSink {
    /// Rejected rows in (file, row) order, continuing the previous call's order. The first
    /// call of a table may hold no rows: it gives the file its schema.
    fn write(&mut self, rows: RejectFrame) -> Result<()>;
    /// The table is done.
    fn finish(&mut self) -> Result<()>;
}

/// A sink that keeps nothing, for callers that need only the consumers' results.
pub struct DiscardRejects;

impl RejectSink for DiscardRejects {
    fn write(&mut self, _: RejectFrame) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

impl TableResult {
    pub fn is_balanced(&self) -> bool {
        let ok = |c: &Control| c.read == c.accepted + c.rejected;
        ok(&self.rows) && self.amounts.values().all(ok)
    }
}

/// Checks every present table's files against SPEC §2 before any row is read. All problems are
/// reported at once; any problem stops the run (exit 2).
pub fn check_schemas(
    dataset: &Path,
    tables: &[Table],
) -> Result<Vec<(Table, Vec<InputFile>, Vec<String>)>> {
    let mut out = read_schemas(dataset, tables)?;
    // Checksums of every input, in parallel.
    out.par_iter_mut()
        .flat_map(|(_, inputs, _)| inputs.par_iter_mut())
        .try_for_each(|f| -> Result<()> {
            f.sha256 = files::sha256(&f.file.path)?;
            Ok(())
        })?;
    Ok(out)
}

/// [`check_schemas`] without the checksums (`sha256` left empty): the footers only.
pub fn read_schemas(
    dataset: &Path,
    tables: &[Table],
) -> Result<Vec<(Table, Vec<InputFile>, Vec<String>)>> {
    if !dataset.is_dir() {
        return Err(Error::input(format!(
            "{}: dataset folder not found",
            dataset.display()
        )));
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for &table in tables {
        let files = files::table_files(dataset, table.name())?;
        if files.is_empty() {
            if table.required() {
                problems.push(format!(
                    "{}: table `{}` missing (expected {0}/{1}.parquet or {0}/{1}/)",
                    dataset.display(),
                    table.name()
                ));
            }
            continue;
        }
        let mut inputs = Vec::new();
        let mut ignored = Vec::new();
        for file in files {
            // A footer the reader chokes on is the file's fault too (exit 2).
            let read = std::panic::catch_unwind(|| engine::file_info(&file.path));
            let info = match read.unwrap_or_else(|_| Err("the footer decoder failed".into())) {
                Ok(i) => i,
                Err(e) => {
                    problems.push(format!(
                        "{}: unreadable Parquet file, no column could be read ({e})",
                        file.path.display()
                    ));
                    continue;
                }
            };
            problems.extend(check_file_schema(table, &file, &info, &mut ignored));
            inputs.push(InputFile {
                file,
                info,
                sha256: String::new(),
                rejected_rows: Vec::new(),
            });
        }
        ignored.sort();
        ignored.dedup();
        out.push((table, inputs, ignored));
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    Ok(out)
}

fn check_file_schema(
    table: Table,
    file: &TableFile,
    info: &FileInfo,
    ignored: &mut Vec<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let at = |col: &str, msg: String| format!("{}: column `{col}`: {msg}", file.path.display());
    for spec in table.columns() {
        let found = info
            .columns
            .iter()
            .find(|(n, _)| n == spec.name)
            .map(|(_, t)| t);
        let Some(t) = found else {
            let from_hive =
                spec.kind == Kind::Utf8 && file.hive.iter().any(|(k, _)| k == spec.name);
            if !from_hive {
                problems.push(at(
                    spec.name,
                    format!("missing (required by table `{}`)", table.name()),
                ));
            }
            continue;
        };
        let ok = match (spec.kind, t) {
            (Kind::Utf8, ColType::Utf8)
            | (Kind::Int32, ColType::Int32)
            | (Kind::Date, ColType::Date) => true,
            (Kind::Money, ColType::Decimal { scale, .. }) => *scale <= 2,
            _ => false,
        };
        if !ok {
            let expected = match spec.kind {
                Kind::Utf8 => "Utf8",
                Kind::Int32 => "Int32",
                Kind::Date => "Date",
                Kind::Money => "Decimal with scale 0-2 (amounts are never floating point)",
            };
            problems.push(at(spec.name, format!("type {t}, expected {expected}")));
        }
    }
    for (name, _) in &info.columns {
        if !table.columns().iter().any(|c| c.name == name) {
            ignored.push(name.clone());
        }
    }
    problems
}

/// Hashing for keys that are already hashes (`cells::key_hash`): the low 64 bits pass through.
#[derive(Clone, Copy, Default)]
struct PassThrough;

impl std::hash::BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;
    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

struct PassThroughHasher(u64);

impl std::hash::Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64; // not used for u64 keys
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// Shards of the duplicate-key set (a power of two) and the shift that picks one from a hash.
/// The duplicate-key set: shards filled in parallel, each a table of hashes sized once so that
/// it never grows and is ~85 % full (hashbrown tables are powers of two at most 7/8 full; a
/// shard count that is not a power of two lets the whole come close to that). A shard is picked
/// from the hash's middle bits: hashbrown places keys by the low bits and tags them with the top
/// seven, which must stay varied within a shard.
struct KeySet {
    shards: Vec<HashSet<u128, PassThrough>>,
}

impl KeySet {
    fn for_rows(rows: usize) -> KeySet {
        // Buckets a shard needs for its share of the rows at 7/8 load, with 2 % for chance.
        let needed = (rows as u128 * 8 * 102 / (7 * 100)) as usize + 1;
        let buckets = (needed / 16).max(1024).next_power_of_two() / 2;
        let buckets = buckets.max(1024);
        let n = needed.div_ceil(buckets).max(1);
        let shards = (0..n)
            .map(|_| HashSet::with_capacity_and_hasher(buckets / 8 * 7, PassThrough))
            .collect();
        KeySet { shards }
    }

    fn shard(&self, h: u128) -> usize {
        ((((h as u64 >> 24) & 0xffff_ffff) * self.shards.len() as u64) >> 32) as usize
    }
}

/// A unit of parallel work: a row range of one file.
#[derive(Clone, Copy)]
struct Slice {
    file: usize,
    offset: usize,
    len: usize,
}

/// Where a slice's rows come from: an input file's rows `offset..`.
#[derive(Clone, Copy)]
struct Coords {
    file: usize,
    offset: usize,
}

impl Coords {
    /// (input file, row in the file) of the slice's row `i`.
    fn of(&self, i: u32) -> (u32, u64) {
        (self.file as u32, (self.offset + i as usize) as u64)
    }

    /// The position of an origin within the slice (it is one of the slice's rows).
    fn index(&self, at: (u32, u64)) -> u32 {
        (at.1 - self.offset as u64) as u32
    }

    /// The origins below the slice's first row, and below its end.
    fn bounds(&self, len: usize) -> ((u32, u64), (u32, u64)) {
        let f = self.file as u32;
        ((f, self.offset as u64), (f, (self.offset + len) as u64))
    }
}

/// Row groups above this size are read in slices, to keep memory bounded.
const MAX_SLICE: usize = 512 * 1024;

fn slices(files: &[InputFile]) -> Vec<Slice> {
    let mut out = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for &(start, len) in &f.info.row_groups {
            let mut off = 0;
            while off < len {
                let l = (len - off).min(MAX_SLICE);
                out.push(Slice {
                    file: fi,
                    offset: start + off,
                    len: l,
                });
                off += l;
            }
        }
    }
    out
}

/// What phase 1 learns from one slice.
struct SliceOut {
    fails: Vec<(u32, &'static str)>,
    /// Each row that passed the row rules, with its key hash (0 when `check_slice` was told
    /// not to hash: the partitioned run's map, whose reduce hashes the keys it settles).
    passed_keys: Vec<(u32, u128)>,
    /// Per money column: (read, failed, passed) sums in fen.
    sums: Vec<(i128, i128, i128)>,
    /// Σ |amount| over the money cells of the rows that passed (the dataset bound).
    magnitude: i128,
    warnings: Warnings,
}

impl SliceOut {
    fn coords(&self, s: Slice) -> Coords {
        Coords {
            file: s.file,
            offset: s.offset,
        }
    }
}

fn at(f: &InputFile, s: Slice) -> String {
    format!(
        "{}: rows {}..{}",
        f.file.path.display(),
        s.offset,
        s.offset + s.len
    )
}

/// Decodes one slice. Only the decoder is guarded as "the file's fault": a corrupt page or an
/// undecodable value is exit 2, not a crash.
fn decode(f: &InputFile, s: Slice, table: Table) -> Result<engine::Chunk> {
    decode_columns(f, s, &table.column_names())
}

/// Decodes `cols` of a slice; a decoder that fails or panics is bad input named by its place.
fn decode_columns(f: &InputFile, s: Slice, cols: &[&str]) -> Result<engine::Chunk> {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        engine::read_chunk(&f.file.path, &f.info, cols, &f.file.hive, s.offset, s.len)
    }));
    match read {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(Error::input(format!("{}: cannot decode ({e})", at(f, s)))),
        Err(_) => Err(Error::input(format!(
            "{}: corrupt data, the decoder failed",
            at(f, s)
        ))),
    }
}

/// Runs our own work on a decoded slice: a panic there is our fault (exit 3), named as such.
fn guarded<T>(f: &InputFile, s: Slice, body: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .map_err(|payload| Error::Internal(format!("{}: {}", at(f, s), panic_text(payload))))
}

/// What a caught panic of our own work says.
fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(cells::NotProjected(name)) = payload.downcast_ref() {
        format!("column {name} read but not declared by the stage reading it")
    } else if let Some(m) = payload.downcast_ref::<&str>() {
        m.to_string()
    } else if let Some(m) = payload.downcast_ref::<String>() {
        m.clone()
    } else {
        "a panic".to_string()
    }
}

/// The consumers of a table, and which of them read it.
struct Feed<'c, 'd> {
    consumers: &'c [&'d mut dyn Consumer],
    active: &'c [usize],
}

impl Feed<'_, '_> {
    /// Every active consumer's partial of a slice, for the given accepted rows. Each consumer
    /// sees the columns it declared (`Consumer::uses`); reading another is a programming error
    /// that names the column (exit 3), so the declarations stay true.
    fn map(&self, table: Table, cells: &[Cells], s: Slice, accepted: &[u32]) -> Vec<Part> {
        self.active
            .iter()
            .map(|&k| {
                let c = &self.consumers[k];
                let uses = c.uses(table);
                let view: Vec<Cells> = table
                    .columns()
                    .iter()
                    .zip(cells)
                    .map(|(spec, cell)| match uses.contains(&spec.name) {
                        true => *cell,
                        false => Cells::Absent(spec.name),
                    })
                    .collect();
                c.map(table, &view, s.file, s.offset as u64, accepted)
            })
            .collect()
    }
}

/// The rows of a slice that passed the row rules (slice-relative), less `drop` (sorted).
fn passed(n: usize, fails: &[(u32, &'static str)], drop: &[u32]) -> Vec<u32> {
    let (mut f, mut d) = (fails.iter().peekable(), drop.iter().peekable());
    (0..n as u32)
        .filter(|&i| {
            let failed = f.next_if(|x| x.0 == i).is_some();
            let dropped = d.next_if(|x| **x == i).is_some();
            !failed && !dropped
        })
        .collect()
}

/// Decodes a slice once and applies the row rules: failures with their cells as text, the
/// rows that passed (with their key hashes if `hash`), control sums. The decoded slice is kept
/// for [`feed_slice`].
fn check_slice(
    table: Table,
    files: &[InputFile],
    s: Slice,
    ctx: &Ctx,
    hash: bool,
) -> Result<(engine::Chunk, SliceOut)> {
    let f = &files[s.file];
    let chunk = decode(f, s, table)?;
    let out = guarded(f, s, || {
        let cells = Cells::of_chunk(table, &chunk);
        let n = chunk.height();
        let mut warnings = Warnings::default();
        let fails = check_rows(table, &cells, n, ctx, &mut warnings);
        let mut keys = cells::RowKeys::of(table, &cells);
        let money = money_cells(table, &cells);
        let mut sums = vec![(0i128, 0i128, 0i128); money.len()];
        let mut magnitude = 0i128;
        let mut passed_keys = Vec::with_capacity(n - fails.len());
        let mut next_fail = fails.iter().peekable();
        for i in 0..n {
            let failed = next_fail.next_if(|(r, _)| *r as usize == i).is_some();
            for (m, sum) in money.iter().zip(sums.iter_mut()) {
                let v = fen_value(m.m(i));
                sum.0 += v;
                if failed {
                    sum.1 += v
                } else {
                    sum.2 += v;
                    magnitude += v.abs();
                }
            }
            if !failed {
                let h = if hash { keys.hash(i) } else { 0 };
                passed_keys.push((i as u32, h));
            }
        }
        SliceOut {
            fails,
            passed_keys,
            sums,
            magnitude,
            warnings,
        }
    })?;
    Ok((chunk, out))
}

/// What [`feed_slice`] returns for a slice.
type Fed = (Vec<Part>, Vec<Vec<i128>>, Option<RejectFrame>, Warnings);

/// Every consumer's partial of a decoded slice over its accepted rows — those that passed the
/// rules, less the `repeated` keys found in file order —, each repeated row's money values,
/// the slice's rejects (rule failures and repeated keys) for `rejects/`, and the warnings the
/// repeated rows gave when their rules passed (a rejected row's warnings do not count).
#[allow(clippy::too_many_arguments)]
fn feed_slice(
    table: Table,
    f: &InputFile,
    cats: &RejectCats,
    (s, at): (Slice, Coords),
    chunk: &engine::Chunk,
    fails: &[(u32, &'static str)],
    repeated: &[u32],
    (feed, ctx): (&Feed, &Ctx),
) -> Result<Fed> {
    guarded(f, s, || {
        let cells = Cells::of_chunk(table, chunk);
        let fed = feed.map(table, &cells, s, &passed(chunk.height(), fails, repeated));
        let money = money_cells(table, &cells);
        let repeated_money = repeated
            .iter()
            .map(|&i| money.iter().map(|m| fen_value(m.m(i as usize))).collect())
            .collect();
        let mut warned = Warnings::default();
        if !repeated.is_empty() {
            let rows = repeated.iter().map(|&r| r as usize);
            cells::check_rows_at(table, &cells, rows, ctx, &mut warned);
        }
        (fed, repeated_money, warned)
    })
    .and_then(|(fed, money, warned)| {
        let mut rows: Vec<(u32, &'static str)> = fails.to_vec();
        rows.extend(repeated.iter().map(|&r| (r, dup_reason(table))));
        rows.sort_unstable_by_key(|r| r.0);
        let frame = match rows.is_empty() {
            true => None,
            false => Some(reject_frame(table, f, cats, chunk, at, &rows)?),
        };
        Ok((fed, money, frame, warned))
    })
}

/// A decoded slice's money columns, in `Table::money_columns` order.
fn money_cells<'a>(table: Table, cells: &'a [Cells<'a>]) -> Vec<&'a Cells<'a>> {
    table
        .money_columns()
        .map(|m| cells::col(table, cells, m))
        .collect()
}

/// A cell's value for control totals: null counts 0, an unrepresentable value counts 0 on
/// both sides (it is rejected as `implausible`, and its row is counted).
fn fen_value(a: rules::Amt) -> i128 {
    match a {
        Some(Ok(v)) => v as i128,
        _ => 0,
    }
}

/// What ingestion accumulates over a table's slices.
struct Tally {
    amounts: Vec<(i128, i128, i128)>,
    rows: Control,
    reasons: BTreeMap<&'static str, u64>,
    warnings: Warnings,
    /// Rejects of the current window, one frame per slice, in (file, row) order.
    rejects: Vec<RejectFrame>,
    rejected: Vec<Vec<u64>>,
}

impl Tally {
    fn new(money_columns: usize, files: usize) -> Tally {
        Tally {
            amounts: vec![(0, 0, 0); money_columns],
            rows: Control::default(),
            reasons: BTreeMap::new(),
            warnings: Warnings::default(),
            rejects: Vec::new(),
            rejected: vec![Vec::new(); files],
        }
    }

    /// A checked slice of `len` rows: read, rule rejects and their reasons, money sums.
    fn count(&mut self, len: usize, out: &SliceOut) {
        self.rows.read += len as i128;
        self.rows.rejected += out.fails.len() as i128;
        for (a, b) in self.amounts.iter_mut().zip(&out.sums) {
            a.0 += b.0;
            a.1 += b.1;
            a.2 += b.2;
        }
        for (_, reason) in &out.fails {
            *self.reasons.entry(reason).or_default() += 1;
        }
    }

    /// Rows that passed the rules but repeat a key: moved from accepted to rejected.
    fn reject_repeats(&mut self, table: Table, rows: &[(usize, u64, u128)], money: &[Vec<i128>]) {
        for m in money {
            for (a, v) in self.amounts.iter_mut().zip(m) {
                a.1 += v;
                a.2 -= v;
            }
        }
        self.rows.rejected += rows.len() as i128;
        *self.reasons.entry(dup_reason(table)).or_default() += rows.len() as u64;
        for r in rows {
            self.rejected[r.0].push(r.1);
        }
    }
}

/// A window's passing keys (input file, row, hash), sharded as `seen` is, inserted in file
/// order: the first accepted occurrence of a key wins. Returns the rows that repeat a key,
/// sorted by (file, row); with `kept`, adds the digest of every key inserted (a partitioned
/// run's group keeps them for the merge's check across groups).
fn settle(
    seen: &mut KeySet,
    window_keys: &mut [Vec<(usize, u64, u128)>],
    kept: Option<&mut Vec<u64>>,
) -> Vec<(usize, u64, u128)> {
    let keep = kept.is_some();
    let split: Vec<(Vec<(usize, u64, u128)>, Vec<u64>)> = seen
        .shards
        .par_iter_mut()
        .zip(window_keys.par_iter_mut())
        .map(|(set, keys)| {
            let (mut dups, mut inserted) = (Vec::new(), Vec::new());
            for k in keys.drain(..) {
                match set.insert(k.2) {
                    false => dups.push(k),
                    true if keep => inserted.push(shuffle::digest(k.2)),
                    true => {}
                }
            }
            (dups, inserted)
        })
        .collect();
    let mut found = Vec::new();
    let mut kept = kept;
    for (dups, inserted) in split {
        found.extend(dups);
        if let Some(k) = kept.as_mut() {
            k.extend(inserted);
        }
    }
    found.par_sort_unstable_by_key(|x| (x.0, x.1));
    found
}

/// Ingests one table in one pass: row rules in parallel, duplicate keys in file order,
/// control totals — and every consumer that reads the table fed from the same decoded cells.
#[allow(clippy::too_many_arguments)]
pub fn ingest_table(
    table: Table,
    mut files: Vec<InputFile>,
    ignored_columns: Vec<String>,
    ctx: &Ctx,
    consumers: &mut [&mut dyn Consumer],
    sink: &mut dyn RejectSink,
    magnitude: &mut i128,
    progress: &dyn Fn(u64),
) -> Result<TableResult> {
    let work = slices(&files);
    let money_cols: Vec<&'static str> = table.money_columns().collect();
    let mut tally = Tally::new(money_cols.len(), files.len());
    let active: Vec<usize> = (0..consumers.len())
        .filter(|&k| !consumers[k].uses(table).is_empty())
        .collect();
    // Keys arrive already hashed: an identity hasher, and room for every row up front.
    // Sharded so that a window's keys are inserted in parallel; within a shard keys arrive in
    // file order, so "first occurrence wins" is kept per key.
    let rows_total: usize = files.iter().map(|f| f.info.rows).sum();
    let mut seen = KeySet::for_rows(rows_total);
    let rels: Vec<&str> = files.iter().map(|f| f.file.rel.as_str()).collect();
    let cats = RejectCats::new(table, &rels);
    sink.write(empty_rejects(table, &cats))?;

    // Files delivered twice: a copy's outcome is its original's (see `copies`).
    let originals = copies::originals(&files);
    let mut has_copy = vec![false; files.len()];
    for &o in originals.iter().flatten() {
        has_copy[o] = true;
    }
    let mut outcomes = copies::Outcomes::default();

    let window = rayon::current_num_threads().max(1) * 2;
    let failed_early = AtomicBool::new(false);
    let mut window_keys: Vec<Vec<(usize, u64, u128)>> = vec![Vec::new(); seen.shards.len()];
    for batch in work.chunks(window) {
        let feed = Feed {
            consumers,
            active: &active,
        };
        // A slice skipped because another failed is `None`: the error reported is a real one.
        let outs: Vec<Option<Result<(engine::Chunk, SliceOut)>>> = batch
            .par_iter()
            .map(|&s| {
                if failed_early.load(Ordering::Relaxed) {
                    return None;
                }
                let original = originals[s.file].and_then(|o| outcomes.of(o, s));
                let r = match original {
                    Some(o) => copies::copy_slice(table, &files, s, o),
                    None => check_slice(table, &files, s, ctx, true),
                };
                if r.is_err() {
                    failed_early.store(true, Ordering::Relaxed);
                }
                Some(r)
            })
            .collect();
        if failed_early.load(Ordering::Relaxed) {
            let first = outs.into_iter().flatten().find_map(Result::err);
            return Err(first.expect("a slice failed"));
        }
        let mut chunks = Vec::with_capacity(batch.len());
        let mut fails = Vec::with_capacity(batch.len());
        let mut batch_magnitude = 0i128;
        for (s, out) in batch.iter().zip(outs.into_iter().flatten()) {
            let (chunk, out) = out?;
            if has_copy[s.file] {
                outcomes.keep(*s, &out);
            }
            tally.count(s.len, &out);
            tally.rejected[s.file].extend(
                out.fails
                    .iter()
                    .map(|(r, _)| (s.offset + *r as usize) as u64),
            );
            tally.warnings.merge(&out.warnings);
            batch_magnitude += out.magnitude;
            let at = out.coords(*s);
            for &(r, h) in &out.passed_keys {
                let (file, row) = at.of(r);
                window_keys[seen.shard(h)].push((file as usize, row, h));
            }
            progress(s.len as u64);
            chunks.push(chunk);
            fails.push(out.fails);
        }
        let found = settle(&mut seen, &mut window_keys, None);
        // The consumers see each slice's accepted rows, from the cells decoded above.
        let coords_of = |k: usize| Coords {
            file: batch[k].file,
            offset: batch[k].offset,
        };
        let ranges: Vec<(usize, usize)> = (0..batch.len())
            .map(|k| {
                let (lo, hi) = coords_of(k).bounds(batch[k].len);
                let key = |x: &(usize, u64, u128)| (x.0 as u32, x.1);
                (
                    found.partition_point(|x| key(x) < lo),
                    found.partition_point(|x| key(x) < hi),
                )
            })
            .collect();
        let fed: Vec<Result<Fed>> = (0..batch.len())
            .into_par_iter()
            .map(|k| {
                let s = batch[k];
                let (lo, hi) = ranges[k];
                let at = coords_of(k);
                let rows: Vec<u32> = found[lo..hi]
                    .iter()
                    .map(|x| at.index((x.0 as u32, x.1)))
                    .collect();
                feed_slice(
                    table,
                    &files[s.file],
                    &cats,
                    (s, at),
                    &chunks[k],
                    &fails[k],
                    &rows,
                    (&feed, ctx),
                )
            })
            .collect();
        drop(chunks);
        let mut parts_of = Vec::with_capacity(batch.len());
        for (k, r) in fed.into_iter().enumerate() {
            let (parts, moneys, frame, warned) = r?;
            tally.warnings.remove(&warned).map_err(Error::Internal)?;
            parts_of.push(parts);
            tally.rejects.extend(frame);
            let (lo, hi) = ranges[k];
            batch_magnitude -= moneys.iter().flatten().map(|v| v.abs()).sum::<i128>();
            if lo < hi {
                tally.reject_repeats(table, &found[lo..hi], &moneys);
            }
        }
        // Checked before any consumer sees the window: no sum downstream can overflow.
        *magnitude += batch_magnitude;
        if *magnitude > MAX_DATASET {
            return Err(Error::input(format!(
                "{}: the accepted amounts of the dataset add up to more than {} yuan in \
                 absolute value (after {} rows of this table), beyond any real fund: the \
                 amounts are not in yuan, or the data is corrupt",
                table.name(),
                crate::model::money::yuan(MAX_DATASET),
                tally.rows.read
            )));
        }
        for parts in parts_of {
            for (&k, p) in active.iter().zip(parts) {
                consumers[k].absorb(table, p)?;
            }
        }
        too_many_rejected(table, &tally, rows_total, ctx)?;
        for frame in std::mem::take(&mut tally.rejects) {
            sink.write(frame)?;
        }
    }
    drop(seen);

    let Tally {
        amounts,
        mut rows,
        reasons,
        warnings,
        rejects: _,
        rejected,
    } = tally;
    sink.finish()?;
    rows.accepted = rows.read - rows.rejected;
    for (f, mut r) in files.iter_mut().zip(rejected) {
        r.sort_unstable();
        f.rejected_rows = r;
    }
    let amounts = money_cols
        .into_iter()
        .zip(amounts)
        .map(|(name, (read, rej, acc))| {
            (
                name,
                Control {
                    read,
                    accepted: acc,
                    rejected: rej,
                },
            )
        })
        .collect();
    let result = TableResult {
        table,
        files,
        rows,
        amounts,
        reasons,
        warnings,
        ignored_columns,
    };
    crate::ensure_invariant!(
        result.is_balanced(),
        "control totals of `{}` do not balance: rows {:?}, amounts {:?}",
        table.name(),
        result.rows,
        result.amounts
    );
    Ok(result)
}

/// Stops as soon as more than `max_reject_share` of the table's rows are rejected: a wrong year
/// or a broken extract is a configuration error, not a set of bad rows — and the rejects are
/// not kept in memory beyond that share.
fn too_many_rejected(table: Table, tally: &Tally, rows_total: usize, ctx: &Ctx) -> Result<()> {
    let limit = rows_total as u128 * ctx.max_reject_ppm as u128 / 1_000_000;
    let rejected = tally.rows.rejected as u128;
    if rejected <= limit {
        return Ok(());
    }
    let mut reasons: Vec<(&&str, &u64)> = tally.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = reasons
        .iter()
        .take(3)
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    Err(Error::input(format!(
        "{}: {rejected} of its {rows_total} rows rejected after {} read, more than \
         max_reject_share = {} (mostly {}): a wrong year or a broken extract?",
        table.name(),
        tally.rows.read,
        ctx.max_reject_ppm as f64 / 1e6,
        top.join(", ")
    )))
}

fn dup_reason(table: Table) -> &'static str {
    match table.key()[0] {
        "txn_id" => "txn_id.duplicate",
        "payment_id" => "payment_id.duplicate",
        "flow_id" => "flow_id.duplicate",
        "line_id" => "line_id.duplicate",
        "person_id" => "person_id.duplicate",
        _ => "key.duplicate",
    }
}

/// Total rows of the checked tables (for progress bars).
pub fn total_rows(results: &[(Table, Vec<InputFile>, Vec<String>)]) -> u64 {
    results
        .iter()
        .flat_map(|(_, f, _)| f.iter())
        .map(|f| f.info.rows as u64)
        .sum()
}

/// A share of a table's rows as the partitioned run's stages count them (`run::partitioned`):
/// rows and amounts read, accepted and rejected, reject reasons, warnings, and Σ |amount| of
/// the accepted money cells (the dataset bound, `model::money::MAX_DATASET`).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub rows: Control,
    pub amounts: Vec<(String, Control)>,
    pub reasons: Vec<(String, u64)>,
    pub warnings: Vec<(String, u64)>,
    pub magnitude: i128,
}

impl Totals {
    /// Adds `other` (a share of the same table).
    pub fn add(&mut self, other: &Totals) {
        fn add_control(a: &mut Control, b: &Control) {
            a.read += b.read;
            a.accepted += b.accepted;
            a.rejected += b.rejected;
        }
        add_control(&mut self.rows, &other.rows);
        for (name, c) in &other.amounts {
            match self.amounts.iter_mut().find(|(n, _)| n == name) {
                Some((_, a)) => add_control(a, c),
                None => self.amounts.push((name.clone(), c.clone())),
            }
        }
        let add_counts = |into: &mut Vec<(String, u64)>, from: &[(String, u64)]| {
            let mut m: BTreeMap<String, u64> = std::mem::take(into).into_iter().collect();
            for (k, n) in from {
                *m.entry(k.clone()).or_default() += n;
            }
            *into = m.into_iter().collect();
        };
        add_counts(&mut self.reasons, &other.reasons);
        add_counts(&mut self.warnings, &other.warnings);
        self.magnitude += other.magnitude;
    }

    /// A table's result from its totals, in the form the one-machine scan returns.
    pub fn into_result(
        self,
        table: Table,
        files: Vec<InputFile>,
        ignored_columns: Vec<String>,
    ) -> TableResult {
        let mut warnings = Warnings::default();
        for (k, n) in &self.warnings {
            *warnings.counts.entry(scan::intern(k)).or_default() += n;
        }
        TableResult {
            table,
            files,
            rows: self.rows,
            amounts: self
                .amounts
                .into_iter()
                .map(|(k, c)| (scan::intern(&k), c))
                .collect(),
            reasons: self
                .reasons
                .into_iter()
                .map(|(k, n)| (scan::intern(&k), n))
                .collect(),
            warnings,
            ignored_columns,
        }
    }
}

/// Counts by code, the codes as owned strings (for a stored [`Totals`]).
fn named(counts: &BTreeMap<&'static str, u64>) -> Vec<(String, u64)> {
    counts.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}
