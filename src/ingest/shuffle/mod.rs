//! The partitioned run's shuffle 分区交换 (issue 13): what a map writes of each passing row
//! and how a reduce reads it back, without Parquet in between.
//!
//! A map has decoded and checked its slices and done the work on them that needs no person's
//! rows together (`scan::Side::Rows`); the reduce needs the rows again, grouped by person, in
//! file order, for the rest — only the columns that work reads (`rows::not_shipped`). Written
//! as Parquet and decoded again, they cost more than the whole single run's scan (dictionary
//! estimates, gathers, string views built and concatenated per group). A **rows file** is
//! instead a plain sequence of blocks, one per input slice and group, each LZ4-compressed:
//!
//! ```text
//! file   := "SIFROWS2" frame*
//! frame  := rows: u32, bytes: u32, LZ4 block (uncompressed size prepended)
//! block  := rows: u32, pieces: u32, (input file: u32, first row: u64, rows: u32) × pieces,
//!           row steps: u32 × rows, column*
//! column := (every column of the table but those in `not_shipped`, in the table's order)
//!           text:   valid: u8 × rows, byte length: u32 × rows, UTF-8 bytes
//!           coded text (`rows::coded`): valid: u8 × rows, code width: u8 (2 or 4),
//!                   code: u16 or u32 × rows, values: u32, (byte length: u32, UTF-8 bytes) ×
//!                   values (those the block's rows use, in order of first use)
//!           int32 / date: valid: u8 × rows, i32 × rows
//!           money:  valid: u8 × rows (0 null, 1 a value, 2 beyond i64 fen), i64 fen × rows
//! ```
//!
//! All integers little-endian. A row's origin is its piece's first row plus the steps so
//! far; lengths and steps rather than offsets and row numbers, because LZ4 finds small
//! repeated values again (the work folder is 2.3 times smaller). The map splits a slice
//! column by column in row order, appending each cell to its group's block (`split_slice`):
//! the cells are read where they lie. A reduce checks a block once when it decodes it (flags,
//! lengths, codes, UTF-8, character boundaries, rows strictly in file order; a damaged block
//! is bad input naming file and block), then reads each column in place (`Cells::Shuffled`;
//! a coded column's codes mapped onto the values of the whole run of blocks), and
//! feeds runs of blocks up to `UNIT_ROWS` as one slice. It hashes the keys as the scan does;
//! a row repeating a key is reported by its origin (input file, row), and the merge reads
//! those rows again from the inputs for `rejects/`, with every cell.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::cells::{self, Cells};
use super::scan::{Consumer, Part};
use super::tables::Table;
use super::{
    check_slice, decode, dup_reason, empty_rejects, fen_value, guarded, money_cells, named,
    reject_frame, settle, slices, too_many_rejected, Control, Coords, Ctx, Feed, InputFile, KeySet,
    RejectCats, RejectFrame, RejectSink, Slice, TableResult, Tally, Totals, Warnings,
};
use crate::engine;
use crate::error::{Error, Result};

mod rows;
use rows::{compress, shipped, split_slice, units, Block};
pub use rows::{Col, RowsFile, RowsWriter};

thread_local! {
    /// A map thread's block buffers, one per group (`rows::split_slice`).
    static SPLIT: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The share `index` of `of` of a table's slices, for the partitioned run's map: each slice
/// decoded and checked against the row rules; failing rows go to `rejects` (in file order),
/// passing rows to `consumers` (fed on `scan::Side::Rows`: the work that needs no person's
/// rows together, absorbed in file order) and to `route` as blocks `(group, rows, bytes)`,
/// one per group and slice, each group's rows in file order. `group_of` names a row's group
/// (below `groups`) from its person id. A file that is a byte-for-byte copy of an earlier one
/// (`copies::originals`: its checksum known) ships nothing: each of its rows fails the rule
/// its original's row failed or repeats a key the original claimed, so after the rules every
/// row is rejected here, as a duplicate, with its cells (as the single run's shortcut does;
/// a copy keeps no warnings). Returns the share's totals (accepted: passed the rules).
#[allow(clippy::too_many_arguments)]
pub fn shuffle_table(
    table: Table,
    files: &[InputFile],
    (index, of): (usize, usize),
    ctx: &Ctx,
    (rejects, consumers): (&mut dyn RejectSink, &mut [&mut dyn Consumer]),
    (groups, group_of): (usize, &(dyn Fn(Option<&str>) -> usize + Sync)),
    route: &mut dyn FnMut(Vec<(usize, u32, Vec<u8>)>) -> Result<()>,
) -> Result<Totals> {
    let active: Vec<usize> = (0..consumers.len())
        .filter(|&k| !consumers[k].uses(table).is_empty())
        .collect();
    crate::ensure_invariant!(groups <= 1 << 16, "{groups} groups: a row's group is a u16");
    let all = slices(files);
    let work = &all[index * all.len() / of..(index + 1) * all.len() / of];
    let rows_total: usize = files.iter().map(|f| f.info.rows).sum();
    let money_cols: Vec<&'static str> = table.money_columns().collect();
    let mut tally = Tally::new(money_cols.len(), 0);
    let rels: Vec<&str> = files.iter().map(|f| f.file.rel.as_str()).collect();
    let cats = RejectCats::new(table, &rels);
    rejects.write(empty_rejects(table, &cats))?;
    let has_person = table.columns().iter().any(|c| c.name == "person_id");
    let copy: Vec<bool> = super::copies::originals(files)
        .iter()
        .map(Option::is_some)
        .collect();
    let mut magnitude = 0i128;
    let window = rayon::current_num_threads().max(1) * 2;
    for batch in work.chunks(window) {
        // Per slice: its rejects, the consumers' partials and its passing rows' blocks, one
        // per group.
        type Split = (
            super::SliceOut,
            Option<RejectFrame>,
            Vec<Part>,
            Vec<(usize, u32, Vec<u8>)>,
        );
        let feed = Feed {
            consumers,
            active: &active,
        };
        let outs: Vec<Result<Split>> = batch
            .par_iter()
            .map(|&s| {
                // Keys are hashed by the reduce, which settles them (`hash: false`).
                let (chunk, mut out) = check_slice(table, files, s, ctx, false)?;
                let f = &files[s.file];
                if copy[s.file] {
                    as_copy(table, &mut out);
                }
                let frame = match out.fails.is_empty() {
                    true => None,
                    false => Some(reject_frame(
                        table,
                        f,
                        &cats,
                        &chunk,
                        out.coords(s),
                        &out.fails,
                    )?),
                };
                let (parts, packed) = guarded(f, s, || {
                    let cells = Cells::of_chunk(table, &chunk);
                    let passed: Vec<u32> = out.passed_keys.iter().map(|k| k.0).collect();
                    let parts = feed.map(table, &cells, s, &passed);
                    let person = has_person.then(|| cells::col(table, &cells, "person_id"));
                    let pass: Vec<(u32, u16)> = out
                        .passed_keys
                        .iter()
                        .map(|&(i, _)| {
                            let g = group_of(person.and_then(|p| p.s(i as usize)));
                            (i, g as u16)
                        })
                        .collect();
                    let at = (s.file as u32, s.offset as u64);
                    // The groups' block buffers stay with the thread, slice after slice.
                    let packed = SPLIT.with_borrow_mut(|bufs| {
                        let split = split_slice(table, &cells, &pass, groups, at, bufs);
                        let split = split.map_err(|e| {
                            Error::Internal(format!("{}: shuffle: {e}", super::at(f, s)))
                        })?;
                        split
                            .into_iter()
                            .map(|(g, n)| Ok((g, n, compress(&bufs[g])?)))
                            .collect::<Result<Vec<_>>>()
                    });
                    (parts, packed)
                })?;
                Ok((out, frame, parts, packed?))
            })
            .collect();
        for (s, r) in batch.iter().zip(outs) {
            let (out, frame, parts, blocks) = r?;
            for (&k, p) in active.iter().zip(parts) {
                consumers[k].absorb(table, p)?;
            }
            tally.count(s.len, &out);
            tally.warnings.merge(&out.warnings);
            magnitude += out.magnitude;
            if let Some(f) = frame {
                rejects.write(f)?;
            }
            route(blocks)?;
        }
        // The share alone already rejects more than the table may: stop here (exit 2).
        too_many_rejected(table, &tally, rows_total, ctx)?;
    }
    rejects.finish()?;
    tally.rows.accepted = tally.rows.read - tally.rows.rejected;
    Ok(tally.into_totals(&money_cols, magnitude))
}

/// A slice of a file delivered twice, as its rows' outcome: every row that passed the rules
/// repeats a key its original claimed, so it is rejected as a duplicate (its amounts move
/// to the rejected, its warnings do not count).
fn as_copy(table: Table, out: &mut super::SliceOut) {
    let rows = out.passed_keys.drain(..).map(|k| (k.0, dup_reason(table)));
    out.fails.extend(rows);
    out.fails.sort_unstable_by_key(|r| r.0);
    for s in &mut out.sums {
        (s.1, s.2) = (s.1 + s.2, 0);
    }
    out.magnitude = 0;
    out.warnings = Warnings::default();
}

/// What a reduce makes of a group's rows of one table.
pub struct Reduced {
    /// Read = the rows the maps passed; rejected = repeated keys.
    pub totals: Totals,
    /// Origins (input file, row) of the rows rejected as repeating a key, sorted.
    pub dups: Vec<(u32, u64)>,
    /// Digests of the accepted keys, in the order they were settled (for the merge's check
    /// across groups; none where keys cannot cross groups, [`keys_cross_groups`]).
    pub kept: Vec<u64>,
}

/// A vbucket group's rows of a table (its rows files, one per map index, in index order: so
/// in file order), through duplicate keys — `taken` are keys an earlier row of another group
/// holds — and every consumer that reads the table. `origin_files` is the table's number of
/// input files.
pub fn reduce_table(
    table: Table,
    files: &[RowsFile],
    origin_files: usize,
    taken: &[u128],
    consumers: &mut [&mut dyn Consumer],
) -> Result<Reduced> {
    let active: Vec<usize> = (0..consumers.len())
        .filter(|&k| !consumers[k].uses(table).is_empty())
        .collect();
    for &k in &active {
        if let Some(c) = consumers[k].uses(table).iter().find(|c| !shipped(table, c)) {
            return Err(Error::Internal(format!(
                "{}.{c} is read by a stage but not carried by the map (ingest::shuffle::not_shipped)",
                table.name()
            )));
        }
    }
    let work = units(files);
    let rows_total: usize = files.iter().map(RowsFile::rows).sum();
    // Amounts are not shipped: the maps counted the passed rows' amounts, and the merge
    // takes back those of the rows rejected here, read again from the inputs.
    let mut tally = Tally::new(0, origin_files);
    let mut seen = KeySet::for_rows(rows_total + taken.len());
    for &h in taken {
        let shard = seen.shard(h);
        seen.shards[shard].insert(h);
    }
    let mut window_keys: Vec<Vec<(usize, u64, u128)>> = vec![Vec::new(); seen.shards.len()];
    let (mut kept, mut dups) = (Vec::new(), Vec::new());
    // A key holding the person is settled here: its rows are all in this group.
    let across = keys_cross_groups(table);
    let window = rayon::current_num_threads().max(1) * 2;
    for batch in work.chunks(window) {
        let blocks: Vec<Block> = batch
            .par_iter()
            .map(|(f, run)| files[*f].read_run(table, run.clone()))
            .collect::<Result<_>>()?;
        for b in &blocks {
            tally.rows.read += b.rows as i128;
            for (h, &(file, row)) in b.hashes.iter().zip(&b.origins) {
                window_keys[seen.shard(*h)].push((file as usize, row, *h));
            }
        }
        let found = settle(&mut seen, &mut window_keys, across.then_some(&mut kept));
        let feed = Feed {
            consumers,
            active: &active,
        };
        type Fed = (Vec<Part>, (usize, usize));
        let fed: Vec<Result<Fed>> = blocks
            .par_iter()
            .zip(batch.par_iter())
            .map(|(b, (f, run))| {
                let (f, k) = (*f, run.start);
                let lo = found.partition_point(|x| (x.0 as u32, x.1) < b.origins[0]);
                let last = *b.origins.last().expect("a block has rows");
                let hi = found.partition_point(|x| (x.0 as u32, x.1) <= last);
                let repeated: Vec<u32> = found[lo..hi]
                    .iter()
                    .map(|x| {
                        let at = (x.0 as u32, x.1);
                        b.origins.binary_search(&at).expect("a row of the block") as u32
                    })
                    .collect();
                let s = Slice {
                    file: f,
                    offset: k,
                    len: b.rows,
                };
                let body = || {
                    let cells = b.cells(table);
                    let accepted = super::passed(b.rows, &[], &repeated);
                    feed.map(table, &cells, s, &accepted)
                };
                let parts =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).map_err(|p| {
                        let at = files[f].path.display();
                        Error::Internal(format!("{at}: blocks {run:?}: {}", super::panic_text(p)))
                    })?;
                Ok((parts, (lo, hi)))
            })
            .collect();
        drop(blocks);
        let mut parts_of = Vec::with_capacity(fed.len());
        for r in fed {
            let (parts, (lo, hi)) = r?;
            if lo < hi {
                tally.reject_repeats(table, &found[lo..hi], &[]);
            }
            parts_of.push(parts);
        }
        dups.extend(found.iter().map(|x| (x.0 as u32, x.1)));
        for parts in parts_of {
            for (&k, p) in active.iter().zip(parts) {
                consumers[k].absorb(table, p)?;
            }
        }
    }
    tally.rows.accepted = tally.rows.read - tally.rows.rejected;
    dups.sort_unstable();
    let totals = tally.into_totals(&[], 0);
    crate::ensure_invariant!(
        totals.rows.read == totals.rows.accepted + totals.rows.rejected,
        "{}: a group's rows do not balance",
        table.name()
    );
    Ok(Reduced { totals, dups, kept })
}

/// Can rows of `table` that share a key be in two groups? Not when the key holds the person
/// (persons, deaths): a group holds every row of its persons. Otherwise (a `txn_id` or
/// `payment_id` repeated under two persons) the merge compares the groups' keys.
pub fn keys_cross_groups(table: Table) -> bool {
    !table.key().contains(&"person_id")
}

/// Does the map carry `table.column` to the reduce (`rows::not_shipped`)?
pub fn ships(table: Table, column: &str) -> bool {
    rows::shipped(table, column)
}

/// A key hash's digest: its high 64 bits (what a group's partial lists of its accepted keys).
pub fn digest(h: u128) -> u64 {
    (h >> 64) as u64
}

/// The keys of a group's rows files (in file order) whose digest is `wanted`: for each full
/// key hash, its first row, (hash, input file, row) — the row the group accepted.
pub fn shuffled_keys(
    table: Table,
    files: &[RowsFile],
    wanted: &HashSet<u64>,
) -> Result<Vec<(u128, u32, u64)>> {
    let work: Vec<(usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(f, rf)| (0..rf.blocks.len()).map(move |b| (f, b)))
        .collect();
    let found: Vec<Result<Vec<(u128, u32, u64)>>> = work
        .into_par_iter()
        .map(|(f, k)| {
            let b = files[f].read_run(table, k..k + 1)?;
            Ok(b.hashes
                .iter()
                .zip(&b.origins)
                .filter(|(h, _)| wanted.contains(&digest(**h)))
                .map(|(h, o)| (*h, o.0, o.1))
                .collect())
        })
        .collect();
    let mut all = Vec::new();
    for f in found {
        all.extend(f?);
    }
    all.sort_unstable();
    all.dedup_by_key(|k| k.0);
    Ok(all)
}

/// `max_reject_share` over a whole table's result (the partitioned run's merge; the scan
/// checks as it goes).
pub fn check_reject_share(t: &TableResult, ctx: &Ctx) -> Result<()> {
    let tally = Tally {
        amounts: Vec::new(),
        rows: t.rows.clone(),
        reasons: t.reasons.clone(),
        warnings: Warnings::default(),
        rejects: Vec::new(),
        rejected: Vec::new(),
    };
    too_many_rejected(t.table, &tally, t.rows.read as usize, ctx)
}

/// What the merge takes back of the rows the reduces rejected as repeating a key, which the
/// maps counted as passed and fed to the consumers of `scan::Side::Rows`.
#[derive(Default)]
pub struct TakenBack {
    /// The warnings those rows gave in the maps (a rejected row's warnings do not count).
    pub warned: Warnings,
    /// Their amounts, per money column (`Table::money_columns`), and Σ |amount|.
    pub amounts: Vec<(&'static str, i128)>,
    pub magnitude: i128,
}

/// A slice's rejected duplicates: their reject frame, the consumers' partials of them,
/// their warnings, amounts and Σ |amount|.
type DupSlice = (RejectFrame, Vec<Part>, Warnings, Vec<i128>, i128);

/// One slice's rows the reduces rejected as duplicates (`rows`: origins within it), read again
/// from its input file with every cell: their reject frame, and `feed`'s consumers' partials
/// of them (so that the merge can take them back), their warnings, amounts and Σ |amount|.
fn dup_slice(
    table: Table,
    files: &[InputFile],
    (cats, ctx): (&RejectCats, &Ctx),
    (s, rows): (Slice, &[(u32, u64)]),
    feed: &Feed,
) -> Result<DupSlice> {
    let f = &files[s.file];
    let chunk = decode(f, s, table)?;
    let rows: Vec<(u32, &'static str)> = rows
        .iter()
        .map(|d| ((d.1 - s.offset as u64) as u32, dup_reason(table)))
        .collect();
    let (parts, warned, amounts, magnitude) = guarded(f, s, || {
        let cells = Cells::of_chunk(table, &chunk);
        let at: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let parts = feed.map(table, &cells, s, &at);
        let mut warned = Warnings::default();
        let at_rows = at.iter().map(|&r| r as usize);
        cells::check_rows_at(table, &cells, at_rows, ctx, &mut warned);
        let money = money_cells(table, &cells);
        let (mut amounts, mut magnitude) = (vec![0i128; money.len()], 0i128);
        for (m, sum) in money.iter().zip(amounts.iter_mut()) {
            for &r in &at {
                let v = fen_value(m.m(r as usize));
                *sum += v;
                magnitude += v.abs();
            }
        }
        (parts, warned, amounts, magnitude)
    })?;
    let at = Coords {
        file: s.file,
        offset: s.offset,
    };
    let frame = reject_frame(table, f, cats, &chunk, at, &rows)?;
    Ok((frame, parts, warned, amounts, magnitude))
}

/// The maps' rule rejects, read back a window of rows at a time. Map index I's share of the
/// slices precedes index I + 1's, and each map writes its rejects in (file, row) order, so
/// its files one after the other are in (file, row) order.
struct MapRejects<'a> {
    /// Each file and its number of rows.
    pieces: Vec<(&'a PathBuf, usize)>,
    rels: &'a [&'a str],
    /// The next row to read: (file, row).
    at: (usize, usize),
    /// Rows read at a time.
    window: usize,
    /// Rows read and not yet handed on, with their origins.
    held: Option<(engine::DataFrame, Vec<(u32, u64)>)>,
}

/// Rows of a maps' rejects file read at a time.
const REJECTS_WINDOW: usize = 65_536;

fn unreadable(p: &Path, e: String) -> Error {
    Error::input(format!("{}: does not read ({e})", p.display()))
}

impl<'a> MapRejects<'a> {
    fn new(pieces: &'a [PathBuf], rels: &'a [&'a str], window: usize) -> Result<MapRejects<'a>> {
        let pieces = pieces
            .iter()
            .map(|p| Ok((p, engine::file_info(p).map_err(|e| unreadable(p, e))?.rows)))
            .collect::<Result<_>>()?;
        Ok(MapRejects {
            pieces,
            rels,
            at: (0, 0),
            window,
            held: None,
        })
    }

    /// The rows before `end` (file, row), in order; nothing when none is left before it.
    fn until(&mut self, end: (u32, u64)) -> Result<Vec<engine::DataFrame>> {
        let mut out = Vec::new();
        loop {
            if self.held.is_none() && !self.read()? {
                return Ok(out);
            }
            let (df, keys) = self.held.take().expect("read above");
            let cut = keys.partition_point(|k| *k < end);
            if cut < keys.len() {
                if cut > 0 {
                    out.push(df.slice(0, cut));
                }
                let rest = (df.slice(cut as i64, keys.len() - cut), keys[cut..].to_vec());
                self.held = Some(rest);
                return Ok(out);
            }
            out.push(df);
        }
    }

    /// The next window of rows into `held`; false when every file is read.
    fn read(&mut self) -> Result<bool> {
        let (mut k, mut next) = self.at;
        while self.pieces.get(k).is_some_and(|p| next >= p.1) {
            (k, next) = (k + 1, 0);
        }
        let Some(&(path, rows)) = self.pieces.get(k) else {
            return Ok(false);
        };
        let len = self.window.min(rows - next);
        let df = engine::read_rows(path, next, len).map_err(|e| unreadable(path, e))?;
        let keys = engine::reject_origins(&df, self.rels).map_err(|e| unreadable(path, e))?;
        if !keys.is_sorted() {
            return Err(unreadable(path, "rejects out of (file, row) order".into()));
        }
        self.at = (k, next + len);
        self.held = Some((df, keys));
        Ok(true)
    }
}

/// Writes a table's rejects to `sink` in (file, row) order, input slice by input slice: the
/// maps' rule rejects (`pieces`, in map index order) and the rows the reduces found
/// repeating a key (`dups`), read again from the inputs and fed to `back`'s consumers, a
/// window of slices at a time (memory holds a window, not the table's rejects). Returns what
/// the maps counted of those rows, to be taken back.
pub fn merge_rejects(
    table: Table,
    files: &[InputFile],
    pieces: &[PathBuf],
    (dups, ctx): (&[(u32, u64)], &Ctx),
    (sink, back): (&mut dyn RejectSink, &mut [&mut dyn Consumer]),
) -> Result<TakenBack> {
    let rels: Vec<&str> = files.iter().map(|f| f.file.rel.as_str()).collect();
    let cats = RejectCats::new(table, &rels);
    sink.write(empty_rejects(table, &cats))?;
    let active: Vec<usize> = (0..back.len())
        .filter(|&k| !back[k].uses(table).is_empty())
        .collect();
    let mut taken = TakenBack {
        amounts: table.money_columns().map(|m| (m, 0)).collect(),
        ..TakenBack::default()
    };
    let mut maps = MapRejects::new(pieces, &rels, REJECTS_WINDOW)?;
    let all = slices(files);
    let window = rayon::current_num_threads().max(1) * 2;
    for batch in all.chunks(window) {
        let within = |s: &Slice| {
            let lo = dups.partition_point(|d| *d < (s.file as u32, s.offset as u64));
            let hi = dups.partition_point(|d| *d < (s.file as u32, (s.offset + s.len) as u64));
            &dups[lo..hi]
        };
        let feed = Feed {
            consumers: back,
            active: &active,
        };
        let found: Vec<Option<Result<DupSlice>>> = batch
            .par_iter()
            .map(|&s| {
                let rows = within(&s);
                (!rows.is_empty()).then(|| dup_slice(table, files, (&cats, ctx), (s, rows), &feed))
            })
            .collect();
        for (s, d) in batch.iter().zip(found) {
            let end = (s.file as u32, (s.offset + s.len) as u64);
            let mut frames = maps.until(end)?;
            if let Some(d) = d {
                let (frame, parts, warned, amounts, magnitude) = d?;
                frames.push(engine::categories_as_strings(frame));
                for (&k, p) in active.iter().zip(parts) {
                    back[k].absorb(table, p)?;
                }
                taken.warned.merge(&warned);
                for (a, v) in taken.amounts.iter_mut().zip(amounts) {
                    a.1 += v;
                }
                taken.magnitude += magnitude;
            }
            let merged = engine::sorted_rejects(frames, &rels, |df| {
                engine::build::recode(df, "source_file", &cats.files)?;
                engine::build::recode(df, "reason", &cats.reason_cats)?;
                engine::build::recode(df, "message", &cats.message_cats)
            })
            .map_err(|e| Error::Internal(format!("{}: rejects merge: {e}", table.name())))?;
            if let Some(df) = merged {
                sink.write(df)?;
            }
        }
    }
    if !maps.until((u32::MAX, u64::MAX))?.is_empty() {
        return Err(Error::input(format!(
            "{}: the maps' rejects name rows outside the input files: run the maps again",
            table.name()
        )));
    }
    sink.finish()?;
    Ok(taken)
}

impl Tally {
    /// The tally's counts as a share's [`Totals`].
    fn into_totals(self, money_cols: &[&'static str], magnitude: i128) -> Totals {
        Totals {
            rows: self.rows,
            amounts: money_cols
                .iter()
                .zip(self.amounts)
                .map(|(name, (read, rej, acc))| {
                    let c = Control {
                        read,
                        accepted: acc,
                        rejected: rej,
                    };
                    (name.to_string(), c)
                })
                .collect(),
            reasons: named(&self.reasons),
            warnings: named(&self.warnings.counts),
            magnitude,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rows::not_shipped;
    use super::*;

    #[test]
    fn the_maps_rejects_come_back_in_order_cut_at_each_slice_end() {
        use engine::build;
        let dir = std::env::temp_dir().join(format!("sifund-map-rejects-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rels = ["a.parquet", "b.parquet"];
        // Two maps' files: (a, 1), (a, 5), (b, 0) and then (b, 7), (b, 9); an empty third.
        let piece = |name: &str, rows: &[(&str, u64)]| {
            let files: Vec<Option<&str>> = rows.iter().map(|r| Some(r.0)).collect();
            let df = build::frame(vec![
                build::utf8("source_file", &files),
                build::u64("source_row", rows.iter().map(|r| r.1).collect()),
            ]);
            let path = dir.join(name);
            engine::write_parquet(&path, df).unwrap();
            path
        };
        let pieces = [
            piece(
                "m0.parquet",
                &[("a.parquet", 1), ("a.parquet", 5), ("b.parquet", 0)],
            ),
            piece("m1.parquet", &[("b.parquet", 7), ("b.parquet", 9)]),
            piece("m2.parquet", &[]),
        ];
        let mut maps = MapRejects::new(&pieces, &rels, 2).unwrap();
        let mut got = |end| -> Vec<(u32, u64)> {
            let frames = maps.until(end).unwrap();
            frames
                .iter()
                .flat_map(|f| engine::reject_origins(f, &rels).unwrap())
                .collect()
        };
        assert_eq!(got((0, 5)), [(0, 1)]);
        assert_eq!(got((1, 8)), [(0, 5), (1, 0), (1, 7)]);
        assert_eq!(got((1, 8)), []);
        assert_eq!(got((u32::MAX, u64::MAX)), [(1, 9)]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn what_the_map_leaves_behind_is_no_key_nor_person_and_a_stage_reading_it_is_refused() {
        for t in Table::ALL {
            for c in not_shipped(t) {
                assert!(
                    t.columns().iter().any(|x| x.name == *c),
                    "{c}: not a column"
                );
                assert!(*c != "person_id" && !t.key().contains(c), "{c}");
            }
        }
        struct Reads;
        impl Consumer for Reads {
            fn uses(&self, t: Table) -> &'static [&'static str] {
                match t {
                    Table::Contributions => &["region", "employer_id"],
                    _ => &[],
                }
            }
            fn map(&self, _: Table, _: &[Cells], _: usize, _: u64, _: &[u32]) -> Part {
                Box::new(())
            }
            fn absorb(&mut self, _: Table, _: Part) -> Result<()> {
                Ok(())
            }
        }
        let e = reduce_table(Table::Contributions, &[], 1, &[], &mut [&mut Reads])
            .err()
            .expect("refused");
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("contributions.employer_id"), "{e}");
    }
}
