//! The rows files of the partitioned run (see [`super`] for the layout): blocks built from a
//! slice's cells (`split_slice`), compressed, written and read back, each checked once.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::super::cells::{self, Cells};
use super::super::rules::Amt;
use super::super::tables::{Kind, Table};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SIFROWS2";

/// Columns the reduce does not read: the work on them that needs no person's rows together
/// (posting, reconciliation items, fee sums) is done by the map (`scan::Side::Rows`), control
/// totals of amounts by the maps and the merge. Key columns and `person_id` are carried (the
/// reduce settles keys by person). A stage of `Side::Persons` that starts reading one fails
/// the reduce with an internal error naming it (`reduce_table`).
pub(super) fn not_shipped(table: Table) -> &'static [&'static str] {
    match table {
        Table::Contributions => &[
            "employer_id",
            "payer_kind",
            "received_on",
            "account",
            "receipt_ref",
            "base",
            "employer_amount",
            "individual_amount",
            "late_fee",
        ],
        Table::Payouts => &["payee_kind", "batch_id"],
        Table::Deaths => &["source"],
        _ => &[],
    }
}

pub(super) fn shipped(table: Table, column: &str) -> bool {
    !not_shipped(table).contains(&column)
}

/// Text columns of few distinct values once the row rules have passed (division codes, the
/// catalogue's schemes and benefits, code lists): carried as a code per row and the values
/// the block's rows use, once each, not the text of every row. Codes are 2 bytes, or 4 in a
/// block of more than 65,536 values (any number of values is carried).
pub(super) fn coded(table: Table, column: &str) -> bool {
    match table {
        Table::Contributions => matches!(column, "region" | "scheme" | "kind"),
        Table::Payouts => matches!(column, "region" | "scheme" | "benefit"),
        Table::Persons => matches!(column, "region" | "scheme" | "sex" | "category" | "status"),
        _ => false,
    }
}

/// One column of a block, decoded; its contents are private so that the checks of
/// `Block::extend_from` hold for every value (see [`Col::s`]).
pub struct Col(Data);

enum Data {
    Str {
        valid: Vec<u8>,
        offsets: Vec<u32>,
        text: String,
    },
    Int {
        valid: Vec<u8>,
        v: Vec<i32>,
    },
    Money {
        valid: Vec<u8>,
        v: Vec<i64>,
    },
    /// A coded text column: each row's code into the values `text[offsets[c]..offsets[c + 1]]`;
    /// `find` gives a value's code (values met in a run's later blocks are added).
    Codes {
        valid: Vec<u8>,
        codes: Vec<u32>,
        offsets: Vec<u32>,
        text: String,
        find: rustc_hash::FxHashMap<Box<str>, u32>,
    },
}

impl Col {
    #[inline]
    pub fn s(&self, i: usize) -> Option<&str> {
        match &self.0 {
            Data::Str {
                valid,
                offsets,
                text,
            } => (valid[i] != 0).then(|| {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                debug_assert!(a <= b && text.is_char_boundary(a) && text.is_char_boundary(b));
                // SAFETY: the offsets are checked as each block is decoded onto the column
                // (`Block::extend_from`: ascending from 0 to the text's length, each on a
                // character boundary of the block's UTF-8 text); the fields are private.
                unsafe { text.get_unchecked(a..b) }
            }),
            Data::Codes {
                valid,
                codes,
                offsets,
                text,
                ..
            } => (valid[i] != 0).then(|| {
                let c = codes[i] as usize;
                let (a, b) = (offsets[c] as usize, offsets[c + 1] as usize);
                debug_assert!(a <= b && text.is_char_boundary(a) && text.is_char_boundary(b));
                // SAFETY: as above: a valid row's code is checked below the number of values
                // and the values' offsets are checked as each block's values are added
                // (`Block::extend_from`); the fields are private.
                unsafe { text.get_unchecked(a..b) }
            }),
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
    #[inline]
    pub fn n(&self, i: usize) -> Option<i32> {
        match &self.0 {
            Data::Int { valid, v } => (valid[i] != 0).then(|| v[i]),
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
    #[inline]
    pub fn m(&self, i: usize) -> Amt {
        match &self.0 {
            Data::Money { valid, v } => match valid[i] {
                0 => None,
                1 => Some(Ok(v[i])),
                _ => Some(Err(())),
            },
            _ => unreachable!("column kind fixed by the table spec"),
        }
    }
}

/// A decoded block: its columns in the table's order (`None`: not shipped), each row's key
/// hash and origin.
pub struct Block {
    pub(super) rows: usize,
    cols: Vec<Option<Col>>,
    pub(super) hashes: Vec<u128>,
    pub(super) origins: Vec<(u32, u64)>,
}

impl Block {
    pub(super) fn cells(&self, table: Table) -> Vec<Cells<'_>> {
        table
            .columns()
            .iter()
            .zip(&self.cols)
            .map(|(spec, c)| match c {
                Some(c) => Cells::Shuffled(c),
                None => Cells::Absent(spec.name),
            })
            .collect()
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A group's place in the column being split: where the column's validity section starts
/// in the group's block, the group's rows, and the next row's index among them.
#[derive(Clone, Copy, Default)]
struct At {
    base: usize,
    rows: usize,
    next: usize,
}

/// A slice's passing rows split by group (`pass`: slice row and its group, in row order),
/// each group's block written into `bufs[group]` (before compression; the buffers are the
/// caller's, kept from slice to slice); returns `(group, rows)` of the groups that have
/// rows. The slice is read column by column, in row order, each cell written to its group's
/// block where it belongs: the cells are read where they lie, not gathered per group, and
/// nothing is copied twice (a column's validity and lengths or values are laid out first,
/// then filled in; text is appended after them).
pub(super) fn split_slice(
    table: Table,
    cells: &[Cells],
    pass: &[(u32, u16)],
    groups: usize,
    (file, offset): (u32, u64),
    bufs: &mut Vec<Vec<u8>>,
) -> std::result::Result<Vec<(usize, u32)>, String> {
    // Per group: its rows, and their places in `pass`.
    let mut rows_of: Vec<Vec<u32>> = vec![Vec::new(); groups];
    let mut pos_of: Vec<Vec<u32>> = vec![Vec::new(); groups];
    for (p, &(r, g)) in pass.iter().enumerate() {
        rows_of[g as usize].push(r);
        pos_of[g as usize].push(p as u32);
    }
    bufs.resize_with(groups.max(bufs.len()), Vec::new);
    let mut at = vec![At::default(); groups];
    for ((out, rows), a) in bufs.iter_mut().zip(&rows_of).zip(&mut at) {
        out.clear();
        a.rows = rows.len();
        if rows.is_empty() {
            continue;
        }
        put_u32(out, rows.len() as u32);
        put_u32(out, 1);
        put_u32(out, file);
        out.extend_from_slice(&offset.to_le_bytes());
        put_u32(out, rows.len() as u32);
        // Rows as steps from the previous one (from 0 for the first): small, so they compress.
        let mut prev = 0;
        for &r in rows {
            put_u32(out, r - prev);
            prev = r;
        }
    }
    for (k, spec) in table.columns().iter().enumerate() {
        if !shipped(table, spec.name) {
            continue;
        }
        let c = &cells[k];
        if spec.kind == Kind::Utf8 && coded(table, spec.name) {
            split_coded(c, pass, &pos_of, bufs);
            continue;
        }
        // Per row: a validity byte, then 4 bytes of length (text, int, date) or 8 of fen.
        let width = match spec.kind {
            Kind::Money => 8,
            _ => 4,
        };
        for (out, a) in bufs.iter_mut().zip(&mut at) {
            if a.rows > 0 {
                (a.base, a.next) = (out.len(), 0);
                out.resize(a.base + a.rows * (1 + width), 0);
            }
        }
        match spec.kind {
            Kind::Utf8 => {
                let mut put = |g: u16, s: Option<&str>| {
                    let (out, a) = (&mut bufs[g as usize], &mut at[g as usize]);
                    let len = s.map_or(0, str::len);
                    out[a.base + a.next] = s.is_some() as u8;
                    // Past 4 GiB the block is refused below: a wrapped length is never read.
                    let l = a.base + a.rows + 4 * a.next;
                    out[l..l + 4].copy_from_slice(&(len as u32).to_le_bytes());
                    out.extend_from_slice(s.unwrap_or_default().as_bytes());
                    a.next += 1;
                };
                match c {
                    Cells::Str(col) => pass.iter().for_each(|&(r, g)| put(g, col.get(r as usize))),
                    c => pass.iter().for_each(|&(r, g)| put(g, c.s(r as usize))),
                }
            }
            Kind::Int32 | Kind::Date => {
                for &(r, g) in pass {
                    let (out, a) = (&mut bufs[g as usize], &mut at[g as usize]);
                    let x = c.n(r as usize);
                    out[a.base + a.next] = x.is_some() as u8;
                    let v = a.base + a.rows + 4 * a.next;
                    out[v..v + 4].copy_from_slice(&x.unwrap_or(0).to_le_bytes());
                    a.next += 1;
                }
            }
            Kind::Money => {
                for &(r, g) in pass {
                    let (out, a) = (&mut bufs[g as usize], &mut at[g as usize]);
                    let (flag, x) = match c.m(r as usize) {
                        None => (0, 0),
                        Some(Ok(x)) => (1, x),
                        Some(Err(())) => (2, 0),
                    };
                    out[a.base + a.next] = flag;
                    let v = a.base + a.rows + 8 * a.next;
                    out[v..v + 8].copy_from_slice(&x.to_le_bytes());
                    a.next += 1;
                }
            }
        }
        if spec.kind == Kind::Utf8 {
            for (out, a) in bufs.iter().zip(&at) {
                if a.rows > 0 && out.len() - (a.base + 5 * a.rows) > u32::MAX as usize {
                    return Err(format!("{}: a block's text beyond 4 GiB", spec.name));
                }
            }
        }
    }
    Ok(rows_of
        .iter()
        .enumerate()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(g, rows)| (g, rows.len() as u32))
        .collect())
}

/// A coded column of a slice appended to each group's block (`pos_of`: the group's places in
/// `pass`): validity flags, the code width (2 or 4), each row's code, then the values the
/// group's rows use, in order of first use.
fn split_coded(c: &Cells, pass: &[(u32, u16)], pos_of: &[Vec<u32>], bufs: &mut [Vec<u8>]) {
    let (codes, values) = slice_codes(c, pass);
    // A slice code's code in the group being written (NULL: not used yet), reset after it.
    let mut local = vec![NULL; values.len()];
    let (mut used, mut mine): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
    for (out, pos) in bufs.iter_mut().zip(pos_of) {
        if pos.is_empty() {
            continue;
        }
        mine.clear();
        for &p in pos {
            let sc = codes[p as usize];
            out.push((sc != NULL) as u8);
            mine.push(match sc {
                NULL => 0,
                sc => {
                    let l = &mut local[sc as usize];
                    if *l == NULL {
                        *l = used.len() as u32;
                        used.push(sc);
                    }
                    *l
                }
            });
        }
        if used.len() > 1 << 16 {
            out.push(4);
            mine.iter()
                .for_each(|m| out.extend_from_slice(&m.to_le_bytes()));
        } else {
            out.push(2);
            mine.iter()
                .for_each(|&m| out.extend_from_slice(&(m as u16).to_le_bytes()));
        }
        put_u32(out, used.len() as u32);
        for &sc in &used {
            let v = values[sc as usize];
            put_u32(out, v.len() as u32);
            out.extend_from_slice(v.as_bytes());
            local[sc as usize] = NULL;
        }
        used.clear();
    }
}

/// No code (a null cell, or a value not used yet).
const NULL: u32 = u32::MAX;

/// Each passing row's code in the slice (`NULL` for a null cell) and the values in code order
/// (first met first). The last value met is compared first: rows of one region and scheme
/// come in runs.
fn slice_codes<'a>(c: &'a Cells, pass: &[(u32, u16)]) -> (Vec<u32>, Vec<&'a str>) {
    let mut values: Vec<&str> = Vec::new();
    let mut find: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut last: Option<(&str, u32)> = None;
    let codes = pass
        .iter()
        .map(|&(r, _)| {
            let v = c.s(r as usize)?;
            match last {
                Some((l, code)) if l == v => Some(code),
                _ => {
                    let n = values.len() as u32;
                    let code = *find.entry(v).or_insert_with(|| {
                        values.push(v);
                        n
                    });
                    last = Some((v, code));
                    Some(code)
                }
            }
        })
        .map(|code| code.unwrap_or(NULL))
        .collect();
    (codes, values)
}

/// Reads a block's bytes in order; running short is a truncated block.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or("truncated")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// `n` validity flags, each at most `max`, appended to `out`.
    fn flags(&mut self, n: usize, max: u8, out: &mut Vec<u8>) -> std::result::Result<(), String> {
        let v = self.take(n)?;
        match v.iter().all(|&f| f <= max) {
            true => {
                out.extend_from_slice(v);
                Ok(())
            }
            false => Err("a validity flag out of range".into()),
        }
    }
}

/// `n` little-endian values of `$t` from the cursor, appended to the vector `$out`.
macro_rules! le_extend {
    ($cur:expr, $n:expr, $t:ty, $out:expr) => {{
        const W: usize = std::mem::size_of::<$t>();
        let bytes = $cur.take($n * W)?;
        $out.extend(
            bytes
                .chunks_exact(W)
                .map(|b| <$t>::from_le_bytes(b.try_into().expect("W bytes"))),
        );
    }};
}

impl Block {
    /// A block with no rows yet, its columns laid out for `table`, room made for `rows`.
    fn empty(table: Table, rows: usize) -> Block {
        let cols = table
            .columns()
            .iter()
            .map(|spec| {
                shipped(table, spec.name).then(|| {
                    let valid = Vec::with_capacity(rows);
                    Col(match spec.kind {
                        Kind::Utf8 if coded(table, spec.name) => Data::Codes {
                            valid,
                            codes: Vec::with_capacity(rows),
                            offsets: vec![0],
                            text: String::new(),
                            find: Default::default(),
                        },
                        Kind::Utf8 => {
                            let mut offsets = Vec::with_capacity(rows + 1);
                            offsets.push(0);
                            Data::Str {
                                valid,
                                offsets,
                                text: String::new(),
                            }
                        }
                        Kind::Int32 | Kind::Date => Data::Int {
                            valid,
                            v: Vec::with_capacity(rows),
                        },
                        Kind::Money => Data::Money {
                            valid,
                            v: Vec::with_capacity(rows),
                        },
                    })
                })
            })
            .collect();
        Block {
            rows: 0,
            cols,
            hashes: Vec::new(),
            origins: Vec::with_capacity(rows),
        }
    }

    /// Decodes a block's bytes onto the end of this one (the next block of the same file),
    /// checking them as it goes; after an error the block is half extended, to be dropped.
    /// Keys are hashed by the caller, once per run ([`RowsFile::read_run`]).
    fn extend_from(&mut self, table: Table, bytes: &[u8]) -> std::result::Result<(), String> {
        let mut cur = Cursor { b: bytes, at: 0 };
        let rows = cur.u32()? as usize;
        let pieces = cur.u32()? as usize;
        let mut heads = Vec::with_capacity(pieces.min(bytes.len()));
        for _ in 0..pieces {
            heads.push((cur.u32()?, cur.u64()?, cur.u32()? as usize));
        }
        if heads.iter().map(|h| h.2).sum::<usize>() != rows {
            return Err("pieces do not add up to the block's rows".into());
        }
        let mut steps = cur
            .take(rows * 4)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")));
        let first = self.origins.len();
        for (file, offset, n) in heads {
            let mut row = Some(offset);
            for step in steps.by_ref().take(n) {
                row = row.and_then(|r| r.checked_add(step as u64));
                self.origins.push((file, row.ok_or("a row beyond 2⁶⁴")?));
            }
        }
        // Strictly ascending, from the previous block's last row on.
        let new = &self.origins[first.saturating_sub(1)..];
        if !new.windows(2).all(|w| w[0] < w[1]) {
            return Err("rows out of file order".into());
        }
        for (spec, col) in table.columns().iter().zip(&mut self.cols) {
            let Some(Col(col)) = col else { continue };
            match col {
                Data::Str {
                    valid,
                    offsets,
                    text,
                } => {
                    cur.flags(rows, 1, valid)?;
                    let (base, at) = (text.len(), offsets.len());
                    let mut end = 0usize;
                    for b in cur.take(rows * 4)?.chunks_exact(4) {
                        end += u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
                        let o = u32::try_from(base + end)
                            .map_err(|_| format!("{}: text beyond 4 GiB", spec.name))?;
                        offsets.push(o);
                    }
                    let t = std::str::from_utf8(cur.take(end)?)
                        .map_err(|_| format!("{}: not UTF-8", spec.name))?;
                    let cut = |o: &u32| !t.is_char_boundary(*o as usize - base);
                    if offsets[at..].iter().any(cut) {
                        return Err(format!("{}: a value cut inside a character", spec.name));
                    }
                    text.push_str(t);
                }
                Data::Codes {
                    valid,
                    codes,
                    offsets,
                    text,
                    find,
                } => {
                    let at = valid.len();
                    cur.flags(rows, 1, valid)?;
                    let given: Vec<u32> = match cur.take(1)?[0] {
                        2 => cur
                            .take(rows * 2)?
                            .chunks_exact(2)
                            .map(|b| u16::from_le_bytes(b.try_into().expect("2 bytes")) as u32)
                            .collect(),
                        4 => cur
                            .take(rows * 4)?
                            .chunks_exact(4)
                            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                            .collect(),
                        w => return Err(format!("{}: codes of {w} bytes", spec.name)),
                    };
                    // The block's values, each mapped to the run's code for it.
                    let n = cur.u32()? as usize;
                    let mut remap: Vec<u32> = Vec::with_capacity(n.min(bytes.len() / 4));
                    for _ in 0..n {
                        let len = cur.u32()? as usize;
                        let v = std::str::from_utf8(cur.take(len)?)
                            .map_err(|_| format!("{}: not UTF-8", spec.name))?;
                        let code = match find.get(v) {
                            Some(&c) => c,
                            None => {
                                let c = u32::try_from(offsets.len() - 1)
                                    .map_err(|_| format!("{}: too many values", spec.name))?;
                                text.push_str(v);
                                let end = u32::try_from(text.len())
                                    .map_err(|_| format!("{}: text beyond 4 GiB", spec.name))?;
                                offsets.push(end);
                                find.insert(v.into(), c);
                                c
                            }
                        };
                        remap.push(code);
                    }
                    for (&c, &f) in given.iter().zip(&valid[at..]) {
                        match (remap.get(c as usize), f) {
                            (Some(&c), 1) => codes.push(c),
                            (_, 0) if c == 0 => codes.push(0),
                            _ => return Err(format!("{}: a code out of range", spec.name)),
                        }
                    }
                }
                Data::Int { valid, v } => {
                    cur.flags(rows, 1, valid)?;
                    le_extend!(cur, rows, i32, v);
                }
                Data::Money { valid, v } => {
                    cur.flags(rows, 2, valid)?;
                    le_extend!(cur, rows, i64, v);
                }
            }
        }
        if cur.at != bytes.len() {
            return Err("trailing bytes".into());
        }
        self.rows += rows;
        Ok(())
    }
}

/// One block's bytes decoded and checked, with its rows' key hashes.
#[cfg(test)]
fn decode_block(table: Table, bytes: &[u8]) -> std::result::Result<Block, String> {
    let mut block = Block::empty(table, 0);
    block.extend_from(table, bytes)?;
    block.hashes = key_hashes(table, &block.cells(table), block.rows);
    Ok(block)
}

/// Each row's key hash, as the scan computes it (`cells::RowKeys`).
fn key_hashes(table: Table, cells: &[Cells], rows: usize) -> Vec<u128> {
    let mut keys = cells::RowKeys::of(table, cells);
    (0..rows).map(|i| keys.hash(i)).collect()
}

/// A map's rows file being written (published by the caller once finished).
pub struct RowsWriter {
    out: BufWriter<std::fs::File>,
    path: PathBuf,
}

impl RowsWriter {
    pub fn create(path: &Path) -> Result<RowsWriter> {
        let file = std::fs::File::create(path).map_err(Error::io(path))?;
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC).map_err(Error::io(path))?;
        Ok(RowsWriter {
            out,
            path: path.to_path_buf(),
        })
    }

    pub fn write(&mut self, rows: u32, block: &[u8]) -> Result<()> {
        let len = u32::try_from(block.len())
            .map_err(|_| Error::Internal("a rows block beyond 4 GiB".into()))?;
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&rows.to_le_bytes());
        head[4..].copy_from_slice(&len.to_le_bytes());
        let w = self
            .out
            .write_all(&head)
            .and_then(|_| self.out.write_all(block));
        w.map_err(Error::io(&self.path))?;
        crate::fault::crash_point();
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let file = self
            .out
            .into_inner()
            .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
        file.sync_all().map_err(Error::io(&path))
    }
}

/// A rows file to read: where each block is.
pub struct RowsFile {
    pub(super) path: PathBuf,
    /// (byte offset of the compressed block, its length, its rows)
    pub(super) blocks: Vec<(u64, u32, u32)>,
}

impl RowsFile {
    /// Lists the file's blocks (their headers only); a file that is not one is bad input.
    pub fn open(path: PathBuf) -> Result<RowsFile> {
        let bad = |why: &str| Error::input(format!("{}: not a rows file ({why})", path.display()));
        let mut f = std::fs::File::open(&path).map_err(Error::io(&path))?;
        let size = f.metadata().map_err(Error::io(&path))?.len();
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic).map_err(|_| bad("too short"))?;
        if &magic != MAGIC {
            return Err(bad("no magic"));
        }
        let (mut at, mut blocks) = (8u64, Vec::new());
        while at < size {
            let mut head = [0u8; 8];
            f.read_exact(&mut head)
                .map_err(|_| bad("truncated header"))?;
            let rows = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
            let len = u32::from_le_bytes(head[4..].try_into().expect("4 bytes"));
            at += 8;
            if at + len as u64 > size {
                return Err(bad("truncated block"));
            }
            if rows == 0 {
                return Err(bad("a block of no rows"));
            }
            blocks.push((at, len, rows));
            at += len as u64;
            f.seek(SeekFrom::Start(at)).map_err(Error::io(&path))?;
        }
        Ok(RowsFile { path, blocks })
    }

    pub(super) fn rows(&self) -> usize {
        self.blocks.iter().map(|b| b.2 as usize).sum()
    }
}

/// Rows the reduce feeds its consumers as one slice, at most (but one block at least): the
/// map's blocks (a group's rows of one input slice) are small, and a consumer's partial has a
/// cost per slice.
const UNIT_ROWS: usize = 128 * 1024;

/// The rows files' blocks as units of work: runs of consecutive blocks of one file.
pub(super) fn units(files: &[RowsFile]) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for (f, rf) in files.iter().enumerate() {
        let (mut start, mut rows) = (0, 0);
        for (k, b) in rf.blocks.iter().enumerate() {
            if k > start && rows + b.2 as usize > UNIT_ROWS {
                out.push((f, start..k));
                (start, rows) = (k, 0);
            }
            rows += b.2 as usize;
        }
        if start < rf.blocks.len() {
            out.push((f, start..rf.blocks.len()));
        }
    }
    out
}

impl RowsFile {
    /// Consecutive blocks read as one: their frames read at once, each block decompressed
    /// into one reused buffer and decoded onto the run's columns; then every key hashed.
    pub(super) fn read_run(&self, table: Table, run: std::ops::Range<usize>) -> Result<Block> {
        let blocks = &self.blocks[run.clone()];
        let (start, end) = match (blocks.first(), blocks.last()) {
            (Some(a), Some(z)) => (a.0, z.0 + z.1 as u64),
            _ => return Err(Error::Internal("an empty run of blocks".into())),
        };
        let mut f = std::fs::File::open(&self.path).map_err(Error::io(&self.path))?;
        f.seek(SeekFrom::Start(start))
            .map_err(Error::io(&self.path))?;
        let mut packed = vec![0u8; (end - start) as usize];
        f.read_exact(&mut packed).map_err(Error::io(&self.path))?;
        let mut out = Block::empty(table, blocks.iter().map(|b| b.2 as usize).sum());
        let mut bytes = Vec::new();
        for (k, &(at, len, rows)) in run.zip(blocks) {
            let bad =
                |why: String| Error::input(format!("{}: block {k}: {why}", self.path.display()));
            let src = &packed[(at - start) as usize..][..len as usize];
            let size = match src.get(..4) {
                Some(b) => u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize,
                None => return Err(bad("truncated".into())),
            };
            // LZ4 expands a byte to 255 at most: a larger size is a damaged header.
            if size > src.len().saturating_mul(255) {
                return Err(bad(format!("an uncompressed size of {size} bytes")));
            }
            bytes.resize(size, 0);
            let n = lz4::block::decompress_to_buffer(src, None, &mut bytes)
                .map_err(|e| bad(e.to_string()))?;
            let before = out.rows;
            out.extend_from(table, &bytes[..n]).map_err(bad)?;
            if out.rows - before != rows as usize {
                let got = out.rows - before;
                return Err(bad(format!("{got} rows, its header says {rows}")));
            }
        }
        out.hashes = key_hashes(table, &out.cells(table), out.rows);
        Ok(out)
    }
}

/// A block compressed (its size prepended), through a buffer kept by the thread.
pub(super) fn compress(bytes: &[u8]) -> Result<Vec<u8>> {
    thread_local! {
        static PACKED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let lz4 = |e: std::io::Error| Error::Internal(format!("rows block: lz4: {e}"));
    let bound = 4 + lz4::block::compress_bound(bytes.len()).map_err(lz4)?;
    PACKED.with_borrow_mut(|packed| {
        if packed.len() < bound {
            packed.resize(bound, 0);
        }
        let n = lz4::block::compress_to_buffer(bytes, None, true, packed).map_err(lz4)?;
        Ok(packed[..n].to_vec())
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    /// Cells of every kind for `n` rows: every third cell null, money beyond i64 fen on
    /// another third, text of one to three bytes a character.
    fn cols(table: Table, n: usize) -> Vec<Col> {
        table
            .columns()
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let valid: Vec<u8> = (0..n).map(|i| ((i + k) % 3 != 0) as u8).collect();
                Col(match c.kind {
                    Kind::Utf8 => {
                        let mut offsets = vec![0u32];
                        let mut text = String::new();
                        for i in 0..n {
                            if valid[i] == 1 {
                                text.push_str(&format!("{}é值{k}-{i}", c.name));
                            }
                            offsets.push(text.len() as u32);
                        }
                        Data::Str {
                            valid,
                            offsets,
                            text,
                        }
                    }
                    Kind::Int32 | Kind::Date => Data::Int {
                        v: (0..n).map(|i| i as i32 * 37 - k as i32).collect(),
                        valid,
                    },
                    Kind::Money => Data::Money {
                        valid: (0..n).map(|i| ((i + k) % 3) as u8).collect(),
                        v: (0..n).map(|i| -(i as i64) * 1_000_003).collect(),
                    },
                })
            })
            .collect()
    }

    fn block_of(table: Table, cols: &[Col], pass: &[(u32, u16)]) -> Vec<(usize, u32, Vec<u8>)> {
        let cells: Vec<Cells> = cols.iter().map(Cells::Shuffled).collect();
        let mut bufs = Vec::new();
        let groups = split_slice(table, &cells, pass, 3, (2, 1000), &mut bufs).expect("encodes");
        groups
            .into_iter()
            .map(|(g, rows)| (g, rows, bufs[g].clone()))
            .collect()
    }

    #[test]
    fn every_cell_a_group_was_given_reads_back_from_its_block() {
        let table = Table::Contributions;
        let source = cols(table, 12);
        let cells: Vec<Cells> = source.iter().map(Cells::Shuffled).collect();
        let pass: Vec<(u32, u16)> = [0u32, 1, 2, 4, 5, 7, 8, 11]
            .iter()
            .map(|&r| (r, (r % 3 == 1) as u16 * 2))
            .collect();
        let blocks = block_of(table, &source, &pass);
        assert_eq!(
            blocks.iter().map(|b| (b.0, b.1)).collect::<Vec<_>>(),
            [(0, 5), (2, 3)]
        );
        for (g, rows, bytes) in blocks {
            let block = decode_block(table, &bytes).expect("decodes");
            let want: Vec<u32> = pass
                .iter()
                .filter(|p| p.1 as usize == g)
                .map(|p| p.0)
                .collect();
            assert_eq!(block.rows, rows as usize);
            let origins: Vec<(u32, u64)> = want.iter().map(|&r| (2, 1000 + r as u64)).collect();
            assert_eq!(block.origins, origins);
            let got = block.cells(table);
            for (k, spec) in table.columns().iter().enumerate() {
                if !shipped(table, spec.name) {
                    assert!(matches!(got[k], Cells::Absent(_)), "{}", spec.name);
                    continue;
                }
                for (j, &r) in want.iter().enumerate() {
                    let (a, b) = (&got[k], &cells[k]);
                    match spec.kind {
                        Kind::Utf8 => assert_eq!(a.s(j), b.s(r as usize), "{}", spec.name),
                        Kind::Int32 | Kind::Date => assert_eq!(a.n(j), b.n(r as usize)),
                        Kind::Money => assert_eq!(a.m(j), b.m(r as usize), "{}", spec.name),
                    }
                }
            }
            let hashes: Vec<u128> = want
                .iter()
                .map(|&r| super::cells::key_hash(&[cells[0].s(r as usize)]))
                .collect();
            assert_eq!(block.hashes, hashes, "the key hash of the scan");
        }
    }

    #[test]
    fn a_coded_column_of_few_values_reads_back_and_a_code_out_of_range_is_refused() {
        let table = Table::Contributions;
        let n = 40;
        let mut source = cols(table, n);
        let k = table
            .columns()
            .iter()
            .position(|c| c.name == "region")
            .unwrap();
        // Three values in runs and some nulls: what a coded column holds.
        let valid: Vec<u8> = (0..n).map(|i| (i % 7 != 3) as u8).collect();
        let (mut offsets, mut text) = (vec![0u32], String::new());
        for (i, v) in valid.iter().enumerate() {
            if *v == 1 {
                text.push_str(["440100", "440103", "北京市"][i / 14]);
            }
            offsets.push(text.len() as u32);
        }
        source[k] = Col(Data::Str {
            valid,
            offsets,
            text,
        });
        let cells: Vec<Cells> = source.iter().map(Cells::Shuffled).collect();
        let pass: Vec<(u32, u16)> = (0..n as u32).map(|r| (r, (r % 2) as u16)).collect();
        let blocks = block_of(table, &source, &pass);
        assert_eq!(blocks.len(), 2);
        for (g, _, bytes) in &blocks {
            let block = decode_block(table, bytes).expect("decodes");
            let got = block.cells(table);
            let rows = pass.iter().filter(|p| p.1 as usize == *g).map(|p| p.0);
            for (j, r) in rows.enumerate() {
                assert_eq!(got[k].s(j), cells[k].s(r as usize), "row {r}");
            }
        }
        // Group 0's block: header, steps, txn_id (flags, lengths, text), then region's flags,
        // code width and codes; its first row (row 0) has the code of the first value, 0.
        let (_, rows, bytes) = &blocks[0];
        let rows = *rows as usize;
        let txn: usize = (0..n)
            .step_by(2)
            .map(|r| cells[0].s(r).map_or(0, str::len))
            .sum();
        let width = 4 + 4 + 16 + 4 * rows + 5 * rows + txn + rows;
        assert_eq!(bytes[width], 2);
        assert_eq!(&bytes[width + 1..width + 3], &[0, 0]);
        let mut bad = bytes.clone();
        bad[width + 1] = 3; // the block holds three values: codes 0 to 2
        let e = decode_block(table, &bad).err().expect("refused");
        assert!(e.contains("region: a code out of range"), "{e}");
        let mut bad = bytes.clone();
        bad[width] = 3;
        let e = decode_block(table, &bad).err().expect("refused");
        assert!(e.contains("region: codes of 3 bytes"), "{e}");
    }

    #[test]
    fn a_block_of_more_values_than_two_byte_codes_hold_reads_back() {
        // Every text cell distinct and a third null: region takes 73,333 values in one
        // group's block, written with 4-byte codes after the rows' flags.
        let table = Table::Contributions;
        let n = 110_000;
        let source = cols(table, n);
        let cells: Vec<Cells> = source.iter().map(Cells::Shuffled).collect();
        let pass: Vec<(u32, u16)> = (0..n as u32).map(|r| (r, 0)).collect();
        let k = table
            .columns()
            .iter()
            .position(|c| c.name == "region")
            .unwrap();
        let mut one = vec![Vec::new()];
        split_coded(&cells[k], &pass, &[(0..n as u32).collect()], &mut one);
        assert_eq!(one[0][n], 4, "code width");
        let (_, _, bytes) = block_of(table, &source, &pass).remove(0);
        let block = decode_block(table, &bytes).expect("decodes");
        let got = block.cells(table);
        assert!((0..n).all(|i| got[k].s(i) == cells[k].s(i)));
    }

    #[test]
    fn a_run_of_blocks_reads_as_the_blocks_one_after_the_other() {
        let table = Table::Payouts;
        let source = cols(table, 9);
        let one = block_of(table, &source, &[(0, 1), (3, 1), (4, 1)]);
        let two = block_of(table, &source, &[(5, 1), (8, 1)]);
        let dir = std::env::temp_dir().join(format!("sifund-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g01.rows");
        let mut w = RowsWriter::create(&path).unwrap();
        for (_, rows, bytes) in [&one[0], &two[0], &one[0]] {
            w.write(*rows, &compress(bytes).unwrap()).unwrap();
        }
        w.finish().unwrap();
        let f = RowsFile::open(path).unwrap();
        let a = f.read_run(table, 0..2).expect("reads");
        // The same rows again after the run's last: out of file order.
        let e = f.read_run(table, 1..3).err().expect("refused").to_string();
        assert!(e.contains("block 2: rows out of file order"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
        let all = block_of(table, &source, &[(0, 1), (3, 1), (4, 1), (5, 1), (8, 1)]);
        let b = decode_block(table, &all[0].2).expect("decodes");
        assert_eq!(
            (a.rows, &a.origins, &a.hashes),
            (b.rows, &b.origins, &b.hashes)
        );
        let (x, y) = (a.cells(table), b.cells(table));
        for (k, spec) in table.columns().iter().enumerate() {
            for i in 0..b.rows {
                match (spec.kind, shipped(table, spec.name)) {
                    (_, false) => {}
                    (Kind::Utf8, _) => assert_eq!(x[k].s(i), y[k].s(i)),
                    (Kind::Money, _) => assert_eq!(x[k].m(i), y[k].m(i)),
                    _ => assert_eq!(x[k].n(i), y[k].n(i)),
                }
            }
        }
    }

    #[test]
    fn a_damaged_block_is_refused_with_a_reason() {
        let table = Table::Persons;
        let source = cols(table, 6);
        let bytes = block_of(table, &source, &[(0, 0), (2, 0), (5, 0)])
            .remove(0)
            .2;
        assert!(decode_block(table, &bytes).is_ok());
        for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
            let e = decode_block(table, &bytes[..cut]).err().expect("refused");
            assert_eq!(e, "truncated", "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode_block(table, &longer).err().as_deref(),
            Some("trailing bytes")
        );
        // The header: rows, pieces, (file, offset, rows), 3 row steps; then person_id's flags.
        let flags = 4 + 4 + 16 + 12;
        let mut bad = bytes.clone();
        bad[flags] = 7;
        assert!(decode_block(table, &bad)
            .err()
            .expect("refused")
            .contains("flag"));
        let mut unsorted = bytes.clone();
        unsorted[24 + 4..24 + 8].copy_from_slice(&0u32.to_le_bytes());
        let e = decode_block(table, &unsorted).err().expect("refused");
        assert!(e.contains("order"), "{e}");
    }

    #[test]
    fn a_rows_file_lists_its_blocks_and_a_foreign_or_cut_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("sifund-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let table = Table::Deaths;
        let source = cols(table, 8);
        let path = dir.join("g00.rows");
        let mut w = RowsWriter::create(&path).unwrap();
        for pass in [&[(1u32, 0u16), (2, 0)][..], &[(6, 0)][..]] {
            let (_, rows, bytes) = block_of(table, &source, pass).remove(0);
            w.write(rows, &compress(&bytes).unwrap()).unwrap();
        }
        w.finish().unwrap();
        let f = RowsFile::open(path.clone()).unwrap();
        assert_eq!((f.blocks.len(), f.rows()), (2, 3));
        let run = f.read_run(table, 0..2).unwrap();
        assert_eq!(run.origins, [(2, 1001), (2, 1002), (2, 1006)]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let e = RowsFile::open(path.clone())
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains("truncated block"), "{e}");
        // A frame of no rows (a run of such frames would have no first row to place).
        let mut empty = bytes[..8].to_vec();
        empty.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 0]);
        std::fs::write(&path, &empty).unwrap();
        let e = RowsFile::open(path.clone())
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains("a block of no rows"), "{e}");
        std::fs::write(&path, b"PAR1 and more").unwrap();
        let e = RowsFile::open(path).err().expect("refused").to_string();
        assert!(e.contains("no magic"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
