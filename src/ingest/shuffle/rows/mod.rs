//! The rows files of the partitioned run (see [`super`] for the layout): blocks built from a
//! slice's cells (`split_slice`), compressed, written and read back, each checked once.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::super::cells::{self, Cells};
use super::super::rules::Amt;
use super::super::tables::{Kind, Table};
use crate::error::{Error, Result};

mod decode;
mod split;

#[cfg(test)]
use decode::decode_block;
pub(in crate::ingest::shuffle) use split::split_slice;

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
    use super::split::split_coded;
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
