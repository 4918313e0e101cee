//! A block's bytes decoded onto a run's columns, every length, flag, code and character
//! boundary checked once (a damaged block is bad input).

use super::*;

/// Reads a block's bytes in order; running short is a truncated block.
pub(super) struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or("truncated")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(super) fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    pub(super) fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// `n` validity flags, each at most `max`, appended to `out`.
    pub(super) fn flags(
        &mut self,
        n: usize,
        max: u8,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), String> {
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
    pub(super) fn empty(table: Table, rows: usize) -> Block {
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
    pub(super) fn extend_from(
        &mut self,
        table: Table,
        bytes: &[u8],
    ) -> std::result::Result<(), String> {
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
pub(super) fn decode_block(table: Table, bytes: &[u8]) -> std::result::Result<Block, String> {
    let mut block = Block::empty(table, 0);
    block.extend_from(table, bytes)?;
    block.hashes = key_hashes(table, &block.cells(table), block.rows);
    Ok(block)
}
