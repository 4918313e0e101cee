//! A slice's passing rows written into their groups' blocks, column by column in row
//! order (the layout: [`super::super`]).

use super::*;

pub(super) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A group's place in the column being split: where the column's validity section starts
/// in the group's block, the group's rows, and the next row's index among them.
#[derive(Clone, Copy, Default)]
pub(super) struct At {
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
pub(in crate::ingest::shuffle) fn split_slice(
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
pub(super) fn split_coded(
    c: &Cells,
    pass: &[(u32, u16)],
    pos_of: &[Vec<u32>],
    bufs: &mut [Vec<u8>],
) {
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
pub(super) const NULL: u32 = u32::MAX;

/// Each passing row's code in the slice (`NULL` for a null cell) and the values in code order
/// (first met first). The last value met is compared first: rows of one region and scheme
/// come in runs.
pub(super) fn slice_codes<'a>(c: &'a Cells, pass: &[(u32, u16)]) -> (Vec<u32>, Vec<&'a str>) {
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
