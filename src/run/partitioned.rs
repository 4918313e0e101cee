//! The partitioned run 分区运行: the same stages as `sifund run`, split by person over
//! many processes (Kubernetes Indexed Jobs), with the same output folder at the end.
//!
//! * `map` (index I of M) reads a share of the input slices of the tables with a person,
//!   applies the row rules, writes the failing rows to its rejects, feeds the passing rows to
//!   the stages' work that needs no person's rows together (`ingest::scan::Side::Rows`:
//!   vouchers, reconciliation items, fee sums, recurring payments; its states saved beside
//!   its manifest) and writes each passing row's other columns to its vbucket group's rows
//!   file (`model::vbucket`: 4096 buckets, 64 to a group, rows without a person in group 64;
//!   `ingest::shuffle`), with the row's origin (input file, row).
//! * `reduce` (index i of W) takes the groups `g ≡ i (mod W)`: duplicate keys within the group,
//!   and the stages' work by person (`Side::Persons`: head counts, budget members, the deaths
//!   check) fed the group's rows in file order; one partial per group, whatever W is.
//! * `merge` checks that every partial is there and was made from the same inputs, code and
//!   configuration; finds keys repeated across groups (the first accepted occurrence in file
//!   order wins; a group that lost one is reduced again here, with the key taken); reads the
//!   tables without persons itself; folds the partials and the maps' states
//!   (`ingest::scan::Fold`), takes back from them the rows rejected as duplicates (read again
//!   from the inputs, `Fold::subtract`) and finishes every stage exactly as `sifund run` does.
//!
//! Work folder layout (`--work DIR`):
//!
//! ```text
//! map/m0003.json                        map index 3 of M: totals, checksums, groups written
//! map/m0003.bin                         its states of the work without persons (bincode)
//! map/<table>/g07-m0003.rows            its rows of group 7 (`ingest::shuffle`)
//! map/<table>/rejects-m0003.parquet     its rows that failed a rule
//! reduce/g07.bin                        the partial of group 7 (bincode)
//! reduce/<table>/dups-g07.bin           origins of group 7's rows rejected as duplicates
//! reduce/<table>/keys-g07.bin           group 7's accepted keys (64-bit digests by top byte;
//!                                       contributions and payouts: other keys hold the person)
//! ```
//!
//! Every file is written under a temporary name and renamed into place, a manifest or partial
//! last: a rerun of an index writes the same bytes, a killed one leaves nothing half written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::storage::Work;
use super::{finish_stages, output::OutputDir, scanners, RunOutcome, Scanned, Stage};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::ingest::scan::{has_person, Side};
use crate::ingest::shuffle::{self, RowsFile, RowsWriter};
use crate::ingest::{self, Ctx, InputFile, Table, Totals};
use crate::model::vbucket;

/// Person groups (64 vbuckets each), plus one for rows without a person.
pub const GROUPS: usize = 65;
const PERSON_GROUPS: usize = 64;

/// The partial format; a partial of another format is refused.
const FORMAT: u32 = 4;

/// The tables whose rows carry a person, in scan order (persons and deaths before the rows
/// that look them up).
const PERSON_TABLES: [Table; 4] = [
    Table::Persons,
    Table::Deaths,
    Table::Contributions,
    Table::Payouts,
];

/// The group of a row: its person's vbucket ÷ 64, or the group of rows without a person.
pub fn group_of(person: Option<&str>) -> usize {
    match person {
        Some(id) => vbucket::of(id) as usize * PERSON_GROUPS / vbucket::VBUCKETS as usize,
        None => PERSON_GROUPS,
    }
}

fn rows_rel(t: Table, g: usize, m: usize) -> String {
    format!("map/{}/g{g:02}-m{m:04}.rows", t.name())
}
fn rejects_rel(t: Table, m: usize) -> String {
    format!("map/{}/rejects-m{m:04}.parquet", t.name())
}
fn map_rel(m: usize) -> String {
    format!("map/m{m:04}.json")
}
fn map_states_rel(m: usize) -> String {
    format!("map/m{m:04}.bin")
}
fn partial_rel(g: usize) -> String {
    format!("reduce/g{g:02}.bin")
}
fn dups_rel(t: Table, g: usize) -> String {
    format!("reduce/{}/dups-g{g:02}.bin", t.name())
}
fn keys_rel(t: Table, g: usize) -> String {
    format!("reduce/{}/keys-g{g:02}.bin", t.name())
}

/// A group's accepted keys: their digests (`shuffle::digest`) bucketed by their top byte, in
/// the reduce's order within a bucket. Digests are hashes, spread evenly, so the merge's check
/// across groups works bucket by bucket without any list being sorted. As a file: the 256
/// bucket sizes, then the digests, all u64 little-endian.
struct Digests {
    /// Bucket b is `all[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    all: Vec<u64>,
}

impl Digests {
    fn of(kept: &[u64]) -> Digests {
        let mut starts = vec![0usize; 257];
        for &d in kept {
            starts[(d >> 56) as usize + 1] += 1;
        }
        for b in 1..257 {
            starts[b] += starts[b - 1];
        }
        let mut next = starts.clone();
        let mut all = vec![0u64; kept.len()];
        for &d in kept {
            let b = (d >> 56) as usize;
            all[next[b]] = d;
            next[b] += 1;
        }
        Digests { starts, all }
    }

    fn bucket(&self, b: usize) -> &[u64] {
        &self.all[self.starts[b]..self.starts[b + 1]]
    }

    fn bytes(&self) -> Vec<u8> {
        let sizes = self.starts.windows(2).map(|w| (w[1] - w[0]) as u64);
        sizes
            .chain(self.all.iter().copied())
            .flat_map(u64::to_le_bytes)
            .collect()
    }

    /// A file of [`Digests::bytes`]; any other length, or a digest outside its bucket, is bad
    /// input.
    fn read(rel: &str, bytes: &[u8]) -> Result<Digests> {
        let bad = || Error::input(format!("{rel}: not a list of key digests by bucket"));
        if !bytes.len().is_multiple_of(8) || bytes.len() < 256 * 8 {
            return Err(bad());
        }
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let (sizes, all) = words.split_at(256);
        let mut starts = Vec::with_capacity(257);
        starts.push(0usize);
        for &n in sizes {
            let next = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(starts[starts.len() - 1]));
            starts.push(next.ok_or_else(bad)?);
        }
        let d = Digests {
            starts,
            all: all.to_vec(),
        };
        let fits = d.starts[256] == d.all.len()
            && (0..256).all(|b| d.bucket(b).iter().all(|&x| (x >> 56) as usize == b));
        match fits {
            true => Ok(d),
            false => Err(bad()),
        }
    }
}

/// A group's rows rejected as repeating a key, as a file: (input file u32, row u64) each,
/// little-endian, sorted.
fn dups_bytes(dups: &[(u32, u64)]) -> Vec<u8> {
    dups.iter()
        .flat_map(|(f, r)| f.to_le_bytes().into_iter().chain(r.to_le_bytes()))
        .collect()
}
fn dups_of(rel: &str, bytes: &[u8]) -> Result<Vec<(u32, u64)>> {
    sorted_records(rel, bytes, (12, "origins"), |b| {
        let f = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
        (f, u64::from_le_bytes(b[4..].try_into().expect("8 bytes")))
    })
}

/// A file of fixed-width records written sorted (`width` bytes each, of `what`), read back;
/// a file of another length or out of order is bad input.
fn sorted_records<T: Ord>(
    rel: &str,
    bytes: &[u8],
    (width, what): (usize, &str),
    parse: impl Fn(&[u8]) -> T,
) -> Result<Vec<T>> {
    if bytes.len() % width != 0 {
        return Err(Error::input(format!(
            "{rel}: not a list of {width}-byte {what}"
        )));
    }
    let v: Vec<T> = bytes.chunks_exact(width).map(parse).collect();
    match v.is_sorted() {
        true => Ok(v),
        false => Err(Error::input(format!("{rel}: {what} not sorted"))),
    }
}

/// A file the reduce writes beside a group's partial; missing is bad input.
fn beside_partial(work: &Work, rel: &str) -> Result<Vec<u8>> {
    work.get(rel)?.ok_or_else(|| {
        Error::input(format!(
            "{rel} missing beside its partial: run the reduce again"
        ))
    })
}

type Checked = Vec<(Table, Vec<InputFile>, Vec<String>)>;

/// What every piece of a run must agree on: the code, the configuration and the inputs (their
/// paths, sizes and row groups — the footers, not a checksum of every byte, which the maps
/// compute once for the manifest).
fn fingerprint(p: &Pipeline, checked: &Checked) -> Result<String> {
    let mut inputs = Vec::new();
    for (t, files, _) in checked {
        for f in files {
            let len = std::fs::metadata(&f.file.path)
                .map_err(Error::io(&f.file.path))?
                .len();
            inputs.push((t.name(), &f.file.rel, len, &f.info.row_groups));
        }
    }
    let v = serde_json::json!({
        "format": FORMAT,
        "code": env!("CARGO_PKG_VERSION"),
        "config": p,
        "inputs": inputs,
    });
    let bytes = serde_json::to_vec(&v).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(crate::ingest::files::sha256_bytes(&bytes))
}

/// A map index's manifest.
#[derive(Serialize, Deserialize)]
struct MapManifest {
    format: u32,
    /// `model::vbucket::VBUCKETS`, fixed for ever: written so that a reader can tell.
    vbuckets: u32,
    fingerprint: String,
    slices: usize,
    index: usize,
    tables: Vec<MapTable>,
    /// sha256 of the input files this index was given (`file number mod M = index`).
    sha256: Vec<(String, usize, String)>,
}

#[derive(Serialize, Deserialize)]
struct MapTable {
    table: String,
    /// Accepted = passed the row rules (duplicates are found by the reduce).
    totals: Totals,
    /// Groups this index wrote rows of.
    groups: Vec<usize>,
}

/// One group's partial: what its rows added to each table's counts, and every stage
/// consumer's state. Its accepted keys of contributions and payouts are a file of their own
/// beside it (`keys_rel`).
/// A map index's states have the same form (`group`: the map index, `of`: the number of map
/// indices, `tables` empty).
#[derive(Serialize, Deserialize)]
struct Partial {
    format: u32,
    vbuckets: u32,
    fingerprint: String,
    group: usize,
    /// `GROUPS`, or the map's `--slices`: a piece of another split is refused.
    of: usize,
    tables: Vec<(String, Totals)>,
    states: Vec<(String, Vec<u8>)>,
}

fn ctx(p: &Pipeline) -> Ctx {
    Ctx::new(p.year).with_max_reject_share(p.max_reject_share)
}

/// The pipeline settings the partitioned run cannot honour, refused before any work.
fn supported(p: &Pipeline) -> Result<()> {
    if p.ledger.trace {
        return Err(Error::Config(
            "[ledger] trace = true (the per-row trace follows file order across all persons) \
             is not available in the partitioned run: use `sifund run`"
                .into(),
        ));
    }
    Ok(())
}

/// `JOB_COMPLETION_INDEX` when `--index` is not given (Kubernetes Indexed Jobs).
pub fn index_from_env(given: Option<usize>) -> Result<usize> {
    if let Some(i) = given {
        return Ok(i);
    }
    let v = std::env::var("JOB_COMPLETION_INDEX")
        .map_err(|_| Error::Config("--index not given and JOB_COMPLETION_INDEX not set".into()))?;
    v.parse()
        .map_err(|_| Error::Config(format!("JOB_COMPLETION_INDEX = {v:?}: not an index")))
}

fn check_index(what: &str, index: usize, of: usize) -> Result<()> {
    if of == 0 || index >= of {
        return Err(Error::Config(format!(
            "{what}: index {index} of {of}: the index must be below the count"
        )));
    }
    Ok(())
}

/// What every step starts with: the work folder, the inputs' footers and their fingerprint.
fn open(p: &Pipeline, work: &str) -> Result<(Work, Checked, String)> {
    supported(p)?;
    let work = Work::open(work)?;
    let checked = ingest::read_schemas(&p.dataset_path, &Table::ALL)?;
    let fp = fingerprint(p, &checked)?;
    Ok((work, checked, fp))
}

/// `sifund map`: index `index` of `slices`.
pub fn map(p: &Pipeline, work: &str, slices: usize, index: usize) -> Result<()> {
    check_index("map", index, slices)?;
    let (work, mut checked, fp) = open(p, work)?;
    // Files delivered twice are known before any row is read: their rows ship nothing.
    for (_, files, _) in checked.iter_mut().filter(|c| has_person(c.0)) {
        ingest::copies::checksum_twins(files)?;
    }
    let ctx = ctx(p);
    let mut tables = Vec::new();
    // The stages' work that needs no person's rows together, on the rows that passed.
    let mut rows_side = scanners(p, &Stage::ALL)?;
    rows_side.set_side(Side::Rows);
    for (table, files, _) in checked.iter().filter(|c| has_person(c.0)) {
        let table = *table;
        let rel = rejects_rel(table, index);
        let temp = work.temp(&rel)?;
        let mut rejects = crate::report::rejects::Writer::scratch(temp.clone());
        let mut writers: Vec<Option<(PathBuf, RowsWriter)>> = Vec::new();
        writers.resize_with(GROUPS, || None);
        let totals = shuffle::shuffle_table(
            table,
            files,
            (index, slices),
            &ctx,
            (&mut rejects, &mut super::consumers_of(&mut rows_side)),
            (GROUPS, &group_of),
            &mut |blocks| write_blocks(&work, table, index, &mut writers, blocks),
        )?;
        let mut groups = Vec::new();
        for (g, w) in writers.into_iter().enumerate() {
            if let Some((t, rows)) = w {
                rows.finish()?;
                work.commit(&t, &rows_rel(table, g, index))?;
                groups.push(g);
            }
        }
        work.commit(&temp, &rel)?;
        tables.push(MapTable {
            table: table.name().to_string(),
            totals,
            groups,
        });
    }
    let mut sha256 = Vec::new();
    let mut k = 0;
    for (table, files, _) in &checked {
        for (fi, f) in files.iter().enumerate() {
            if k % slices == index {
                let h = match f.sha256.is_empty() {
                    true => crate::ingest::files::sha256(&f.file.path)?,
                    false => f.sha256.clone(),
                };
                sha256.push((table.name().to_string(), fi, h));
            }
            k += 1;
        }
    }
    let states = Partial {
        format: FORMAT,
        vbuckets: vbucket::VBUCKETS,
        fingerprint: fp.clone(),
        group: index,
        of: slices,
        tables: Vec::new(),
        states: rows_side.save()?,
    };
    work.put(&map_states_rel(index), &ingest::scan::encode(&states)?)?;
    let manifest = MapManifest {
        format: FORMAT,
        vbuckets: vbucket::VBUCKETS,
        fingerprint: fp,
        slices,
        index,
        tables,
        sha256,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    work.put(&map_rel(index), &json)
}

/// A window of a map's slices: each group's rows, one block (`ingest::shuffle`) appended to
/// that group's rows file. Nothing is held beyond the window, so a map's memory does not
/// grow with the number of groups.
fn write_blocks(
    work: &Work,
    table: Table,
    index: usize,
    writers: &mut [Option<(PathBuf, RowsWriter)>],
    blocks: Vec<(usize, u32, Vec<u8>)>,
) -> Result<()> {
    for (g, rows, bytes) in blocks {
        if writers[g].is_none() {
            let t = work.temp(&rows_rel(table, g, index))?;
            let w = RowsWriter::create(&t)?;
            writers[g] = Some((t, w));
        }
        let (_, w) = writers[g].as_mut().expect("created above");
        w.write(rows, &bytes)?;
    }
    Ok(())
}

/// Every map index's manifest, checked against this run's fingerprint.
fn maps(work: &Work, fp: &str) -> Result<Vec<MapManifest>> {
    let first = read_map(work, 0)?
        .ok_or_else(|| Error::input("map index 0 has not finished (map/m0000.json missing)"))?;
    let m = first.slices;
    let mut out = vec![first];
    let mut missing = Vec::new();
    for i in 1..m {
        match read_map(work, i)? {
            Some(mm) if mm.slices == m => out.push(mm),
            Some(mm) => {
                return Err(Error::input(format!(
                    "map/m{i:04}.json was written by a map of {} slices, not {m}: run every \
                     map index of one --slices again",
                    mm.slices
                )))
            }
            None => missing.push(i.to_string()),
        }
    }
    if !missing.is_empty() {
        return Err(Error::input(format!(
            "map indices {} of {m} have not finished (map/m<index>.json missing): run them again",
            missing.join(", ")
        )));
    }
    for mm in &out {
        if mm.fingerprint != fp || mm.format != FORMAT || mm.vbuckets != vbucket::VBUCKETS {
            return Err(Error::input(format!(
                "map/m{:04}.json was made from other inputs, code or configuration: run the \
                 maps again",
                mm.index
            )));
        }
    }
    Ok(out)
}

fn read_map(work: &Work, i: usize) -> Result<Option<MapManifest>> {
    let Some(bytes) = work.get(&map_rel(i))? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::input(format!("map/m{i:04}.json does not read: {e}")))
}

/// `sifund reduce`: index `index` of `workers`, the groups `g ≡ index (mod workers)`.
pub fn reduce(p: &Pipeline, work: &str, workers: usize, index: usize) -> Result<()> {
    check_index("reduce", index, workers)?;
    let (work, checked, fp) = open(p, work)?;
    let maps = maps(&work, &fp)?;
    for g in (index..GROUPS).step_by(workers) {
        let (partial, dups, keys) =
            reduce_group(p, &work, &checked, &maps, &fp, g, &BTreeMap::new())?;
        for (t, d) in dups {
            work.put(&dups_rel(t, g), &dups_bytes(&d))?;
        }
        for (t, k) in keys.into_iter().filter(|k| shuffle::keys_cross_groups(k.0)) {
            work.put(&keys_rel(t, g), &Digests::of(&k).bytes())?;
        }
        work.put(&partial_rel(g), &ingest::scan::encode(&partial)?)?;
    }
    Ok(())
}

/// A group's rows rejected as repeating a key, per person table.
type Dups = Vec<(Table, Vec<(u32, u64)>)>;

/// Reduces group `g`: its rows of each person table, from every map index in order (so in
/// file order), through duplicates (`taken`: keys held by an earlier row of another group)
/// and every stage's consumer. Returns the partial, the rows rejected as duplicates and the
/// accepted keys of each table.
fn reduce_group(
    p: &Pipeline,
    work: &Work,
    checked: &Checked,
    maps: &[MapManifest],
    fp: &str,
    g: usize,
    taken: &BTreeMap<Table, Vec<u128>>,
) -> Result<(Partial, Dups, Vec<(Table, Vec<u64>)>)> {
    let mut scanned = scanners(p, &Stage::ALL)?;
    scanned.set_side(Side::Persons);
    let mut tables = Vec::new();
    let mut dups = Vec::new();
    let mut keys = Vec::new();
    for &table in &PERSON_TABLES {
        let Some((_, files, _)) = checked.iter().find(|c| c.0 == table) else {
            continue;
        };
        let rows = group_files(work, maps, table, g)?;
        let none = Vec::new();
        let r = shuffle::reduce_table(
            table,
            &rows,
            files.len(),
            taken.get(&table).unwrap_or(&none),
            &mut super::consumers_of(&mut scanned),
        )?;
        tables.push((table.name().to_string(), r.totals));
        keys.push((table, r.kept));
        dups.push((table, r.dups));
    }
    let states = scanned.save()?;
    let partial = Partial {
        format: FORMAT,
        vbuckets: vbucket::VBUCKETS,
        fingerprint: fp.to_string(),
        group: g,
        of: GROUPS,
        tables,
        states,
    };
    Ok((partial, dups, keys))
}

/// Group `g`'s rows files of a table, one per map index that wrote rows of it, in index
/// order (so in file order).
fn group_files(work: &Work, maps: &[MapManifest], table: Table, g: usize) -> Result<Vec<RowsFile>> {
    let mut rows = Vec::new();
    for m in maps {
        let wrote = m
            .tables
            .iter()
            .any(|t| t.table == table.name() && t.groups.contains(&g));
        if wrote {
            rows.push(RowsFile::open(work.fetch(&rows_rel(table, g, m.index))?)?);
        }
    }
    Ok(rows)
}

/// A partial (a group's, or a map index's states: `index` of `of`) read and checked against
/// this run's fingerprint; `None`: not there.
fn read_partial(
    work: &Work,
    rel: &str,
    fp: &str,
    (index, of): (usize, usize),
) -> Result<Option<Partial>> {
    let Some(bytes) = work.get(rel)? else {
        return Ok(None);
    };
    let part: Partial =
        ingest::scan::decode(&bytes).map_err(|e| Error::input(format!("{rel}: {e}")))?;
    let ours = part.format == FORMAT && part.vbuckets == vbucket::VBUCKETS;
    if !ours || part.fingerprint != fp || (part.group, part.of) != (index, of) {
        return Err(Error::input(format!(
            "{rel} was made from other inputs, code or configuration: run the maps and \
             reduces again"
        )));
    }
    Ok(Some(part))
}

/// Every map index's states (the work on its rows that needs no person).
fn map_states(work: &Work, fp: &str, maps: &[MapManifest]) -> Result<Vec<Partial>> {
    maps.iter()
        .map(|m| {
            let rel = map_states_rel(m.index);
            read_partial(work, &rel, fp, (m.index, m.slices))?.ok_or_else(|| {
                Error::input(format!(
                    "{rel} missing beside its manifest: run map index {} again",
                    m.index
                ))
            })
        })
        .collect()
}

/// Every group's partial; a missing or foreign one is bad input naming the group.
fn partials(work: &Work, fp: &str) -> Result<Vec<Partial>> {
    let mut out = Vec::with_capacity(GROUPS);
    let mut missing = Vec::new();
    for g in 0..GROUPS {
        match read_partial(work, &partial_rel(g), fp, (g, GROUPS))? {
            Some(part) => out.push(part),
            None => missing.push(g),
        }
    }
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|g| format!("g{g:02}")).collect();
        return Err(Error::input(format!(
            "partials missing: {} of {GROUPS} groups ({}); group g is written by reduce \
             index g mod W: run those indices again",
            missing.len(),
            names.join(", ")
        )));
    }
    Ok(out)
}

/// Every group's accepted keys of each person table (index = group).
fn group_keys(work: &Work, checked: &Checked) -> Result<BTreeMap<Table, Vec<Digests>>> {
    let mut out = BTreeMap::new();
    for &table in PERSON_TABLES
        .iter()
        .filter(|t| checked.iter().any(|c| c.0 == **t) && shuffle::keys_cross_groups(**t))
    {
        let mut lists = Vec::with_capacity(GROUPS);
        for g in 0..GROUPS {
            let rel = keys_rel(table, g);
            lists.push(Digests::read(&rel, &beside_partial(work, &rel)?)?);
        }
        out.insert(table, lists);
    }
    Ok(out)
}

/// Keys accepted in more than one group: per group and table, the keys that group must treat
/// as taken (another group holds the first accepted occurrence in file order). A digest
/// found twice is only a candidate (two keys may share their high 64 bits): the groups that
/// hold it are read again for its full hashes and rows ([`shuffle::shuffled_keys`]), and the
/// winner of each full hash is its first row. Digests are compared per bucket of their top
/// byte, in parallel.
fn taken_across(
    work: &Work,
    maps: &[MapManifest],
    keys: &BTreeMap<Table, Vec<Digests>>,
) -> Result<BTreeMap<usize, BTreeMap<Table, Vec<u128>>>> {
    let mut out: BTreeMap<usize, BTreeMap<Table, Vec<u128>>> = BTreeMap::new();
    for (&table, lists) in keys {
        let candidates = repeated_digests(lists);
        if candidates.is_empty() {
            continue;
        }
        let wanted: std::collections::HashSet<u64> = candidates.iter().copied().collect();
        let mut records: Vec<(u128, u32, u64, usize)> = Vec::new();
        for (g, list) in lists.iter().enumerate() {
            if !list.all.iter().any(|d| wanted.contains(d)) {
                continue;
            }
            let files = group_files(work, maps, table, g)?;
            let found = shuffle::shuffled_keys(table, &files, &wanted)?;
            records.extend(found.into_iter().map(|(h, f, r)| (h, f, r, g)));
        }
        for (g, h) in losers(records) {
            out.entry(g).or_default().entry(table).or_default().push(h);
        }
    }
    Ok(out)
}

/// The digests found more than once (in two groups, or twice in one: two keys of a group may
/// share a digest), sorted; each bucket of the top byte through a hash set of its own, in
/// parallel.
fn repeated_digests(lists: &[Digests]) -> Vec<u64> {
    use rayon::prelude::*;
    (0..256usize)
        .into_par_iter()
        .flat_map_iter(|b| {
            let n = lists.iter().map(|l| l.bucket(b).len()).sum();
            let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(n, Default::default());
            let mut twice: Vec<u64> = Vec::new();
            for list in lists {
                twice.extend(list.bucket(b).iter().filter(|d| !seen.insert(**d)));
            }
            twice.sort_unstable();
            twice.dedup();
            twice
        })
        .collect()
}

/// Of accepted keys (full hash, input file, row, group), the ones that lose to an earlier
/// row of the same full hash: (group, hash) to be taken from that group.
fn losers(mut records: Vec<(u128, u32, u64, usize)>) -> Vec<(usize, u128)> {
    records.sort_unstable();
    // Sorted by (hash, file, row): the first of a hash is the winner.
    records
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|run| run[1..].iter().map(|k| (k.3, k.0)))
        .collect()
}

/// `sifund merge`: writes the pipeline's output folder from the partials.
pub fn merge(p: &Pipeline, work: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let (work, mut checked, fp) = open(p, work)?;
    let maps = maps(&work, &fp)?;
    let mut partials = partials(&work, &fp)?;
    partials.extend(map_states(&work, &fp, &maps)?);
    for m in &maps {
        for (t, fi, h) in &m.sha256 {
            let f = checked
                .iter_mut()
                .find(|c| c.0.name() == t)
                .and_then(|c| c.1.get_mut(*fi))
                .ok_or_else(|| Error::Internal(format!("checksum of an unknown input {t}")))?;
            f.sha256 = h.clone();
        }
    }
    // Groups that lost a key to another group: reduced again, here, with the key taken.
    let mut redone: BTreeMap<usize, Dups> = BTreeMap::new();
    let keys = group_keys(&work, &checked)?;
    let across = taken_across(&work, &maps, &keys)?;
    drop(keys);
    if !across.is_empty() {
        let keys: usize = across.values().flat_map(|t| t.values()).map(Vec::len).sum();
        eprintln!(
            "sifund: merge: {keys} keys accepted under persons of two groups; {} groups \
             reduced again with those keys taken",
            across.len()
        );
    }
    for (g, taken) in across {
        let (part, dups, _) = reduce_group(p, &work, &checked, &maps, &fp, g, &taken)?;
        partials[g] = part;
        redone.insert(g, dups);
    }
    let mut out = OutputDir::create(&p.output_path)?;
    let result = merge_into(p, &work, checked, &maps, partials, &redone, &mut out, t0);
    let (output, outcome) = out.settle(result)?;
    Ok(RunOutcome { output, ..outcome })
}

#[allow(clippy::too_many_arguments)]
fn merge_into(
    p: &Pipeline,
    work: &Work,
    checked: Checked,
    maps: &[MapManifest],
    partials: Vec<Partial>,
    redone: &BTreeMap<usize, Dups>,
    out: &mut OutputDir,
    t0: Instant,
) -> Result<RunOutcome> {
    let mut timings = BTreeMap::new();
    let ctx = ctx(p);
    // The person tables' counts: the maps' rules, then the groups' duplicates.
    let mut person_results = Vec::new();
    let mut magnitude = 0i128;
    let (person, rest): (Checked, Checked) = checked.into_iter().partition(|c| has_person(c.0));
    // The rows found repeating a key, fed again to the maps' work, to be taken back from it.
    let mut back = scanners(p, &Stage::ALL)?;
    back.set_side(Side::Rows);
    for (table, files, ignored) in person {
        let name = table.name();
        let mut ruled = Totals::default();
        for m in maps {
            if let Some(t) = m.tables.iter().find(|t| t.table == name) {
                ruled.add(&t.totals);
            }
        }
        let mut grouped = Totals::default();
        for part in &partials {
            if let Some((_, t)) = part.tables.iter().find(|t| t.0 == name) {
                grouped.add(t);
            }
        }
        // Rejects: the maps' (in file order, index after index) and the groups' duplicates.
        let pieces: Vec<PathBuf> = (0..maps.len())
            .map(|m| work.fetch(&rejects_rel(table, m)))
            .collect::<Result<_>>()?;
        let mut dups = Vec::new();
        for g in 0..GROUPS {
            match redone.get(&g).and_then(|d| d.iter().find(|x| x.0 == table)) {
                Some((_, d)) => dups.extend_from_slice(d),
                None => {
                    let rel = dups_rel(table, g);
                    dups.extend(dups_of(&rel, &beside_partial(work, &rel)?)?);
                }
            }
        }
        dups.sort_unstable();
        let mut sink =
            crate::report::rejects::Writer::new(out.path(&format!("rejects/{name}.parquet"))?);
        let taken = shuffle::merge_rejects(
            table,
            &files,
            &pieces,
            (&dups, &ctx),
            (&mut sink, &mut super::consumers_of(&mut back)),
        )?;
        let totals = combine(table, &ruled, &grouped, &taken)?;
        magnitude += totals.magnitude;
        let mut result = totals.into_result(table, files, ignored);
        result
            .warnings
            .remove(&taken.warned)
            .map_err(Error::Internal)?;
        shuffle::check_reject_share(&result, &ctx)?;
        person_results.push(result);
    }
    // The tables without persons, read here, into consumers of their own.
    let mut own = scanners(p, &Stage::ALL)?;
    let mut sinks = |t: Table| -> Result<Box<dyn ingest::RejectSink>> {
        let path = out.path(&format!("rejects/{}.parquet", t.name()))?;
        Ok(Box::new(crate::report::rejects::Writer::new(path)))
    };
    let mut tables = ingest::scan::ingest_all_from(
        rest,
        &ctx,
        &mut super::consumers_of(&mut own),
        &mut sinks,
        &|_| {},
        magnitude,
    )?;
    tables.extend(person_results);
    tables.sort_by_key(|t| Table::ALL.iter().position(|x| *x == t.table));
    super::strict_check(p, &tables)?;
    timings.insert("merge_scan".to_string(), t0.elapsed().as_millis() as u64);
    // The groups' states, folded in group order, the maps' in index order, then the
    // merge's own; the duplicates' share of the maps' states taken back.
    let mut folded: Option<Scanned> = None;
    for part in &partials {
        let mut s = scanners(p, &Stage::ALL)?;
        s.load(&part.states)?;
        match folded.as_mut() {
            None => folded = Some(s),
            Some(f) => f.fold(s)?,
        }
    }
    let mut folded = folded.expect("GROUPS > 0");
    folded.fold(own)?;
    folded.subtract(back)?;
    finish_stages(p, folded, tables, out, &mut timings, t0)
}

/// A person table's counts: read and rule rejects from the maps, duplicates from the groups
/// (their amounts `taken` back by the merge). The rows the maps passed must be the rows the
/// groups read.
fn combine(
    table: Table,
    ruled: &Totals,
    grouped: &Totals,
    taken: &shuffle::TakenBack,
) -> Result<Totals> {
    let passed_rows = ruled.rows.accepted;
    crate::ensure_invariant!(
        grouped.rows.read == passed_rows,
        "{}: the groups read {} rows, the maps passed {passed_rows}",
        table.name(),
        grouped.rows.read
    );
    let ruled_names = ruled.amounts.iter().map(|a| a.0.as_str());
    if !ruled_names.eq(taken.amounts.iter().map(|a| a.0)) {
        return Err(Error::input(format!(
            "{}: the maps' manifests name other money columns than the table has: run the \
             maps again",
            table.name()
        )));
    }
    let amounts = ruled
        .amounts
        .iter()
        .zip(&taken.amounts)
        .map(|((name, r), (_, dup))| {
            let c = ingest::Control {
                read: r.read,
                accepted: r.accepted - dup,
                rejected: r.rejected + dup,
            };
            (name.clone(), c)
        })
        .collect();
    let mut totals = Totals {
        rows: ingest::Control {
            read: ruled.rows.read,
            accepted: grouped.rows.accepted,
            rejected: ruled.rows.rejected + grouped.rows.rejected,
        },
        amounts,
        reasons: ruled.reasons.clone(),
        warnings: ruled.warnings.clone(),
        magnitude: ruled.magnitude - taken.magnitude,
    };
    let dups = Totals {
        reasons: grouped.reasons.clone(),
        ..Totals::default()
    };
    totals.add(&dups);
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_by_person_reads_only_what_the_map_ships() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        let p = Pipeline::from_args(&demo, 2025, std::path::Path::new("unused")).unwrap();
        let mut persons = scanners(&p, &Stage::ALL).unwrap();
        persons.set_side(Side::Persons);
        // Deaths first: the deaths check reads payouts only once it has some.
        let checked = ingest::check_schemas(&demo, &[Table::Deaths]).unwrap();
        ingest::scan::ingest_all(
            checked,
            &Ctx::new(2025),
            &mut crate::run::consumers_of(&mut persons),
            &mut |_| Ok(Box::new(ingest::DiscardRejects)),
            &|_| {},
        )
        .unwrap();
        let consumers = crate::run::consumers_of(&mut persons);
        for table in PERSON_TABLES {
            for c in &consumers {
                for column in c.uses(table) {
                    assert!(shuffle::ships(table, column), "{}.{column}", table.name());
                }
            }
        }
        let reads = |t: Table, column: &str| consumers.iter().any(|c| c.uses(t).contains(&column));
        assert!(
            reads(Table::Payouts, "paid_on"),
            "the deaths check reads the payouts"
        );
        assert!(
            !reads(Table::Contributions, "receipt_ref"),
            "posting is the map's"
        );
    }

    #[test]
    fn a_digest_in_two_groups_or_twice_in_one_is_a_candidate() {
        let of = |v: &[u64]| Digests::of(v);
        let a = of(&[u64::MAX, 9, 5, 1]);
        let b = of(&[7 << 56, 5, 2, 7 << 56]);
        let c = of(&[u64::MAX]);
        assert_eq!(repeated_digests(&[a, b, c]), vec![5, 7 << 56, u64::MAX]);
        assert!(repeated_digests(&[of(&[1, 2]), of(&[3])]).is_empty());
    }

    #[test]
    fn digests_read_back_as_written_and_a_damaged_file_is_refused() {
        let d = Digests::of(&[3 << 56 | 9, 1, 3 << 56 | 2, u64::MAX]);
        assert_eq!(d.bucket(3), &[3 << 56 | 9, 3 << 56 | 2]);
        let bytes = d.bytes();
        let back = Digests::read("k", &bytes).unwrap();
        assert_eq!((back.starts, back.all), (d.starts.clone(), d.all.clone()));
        let mut moved = bytes.clone();
        moved[0] = 0; // bucket 0 said empty, bucket 1 said to hold digest 1: out of place
        moved[8] = 1;
        assert!(Digests::read("k", &moved).is_err());
        let mut more = bytes.clone();
        more[0] = 2; // sizes that do not add up to the digests given
        assert!(Digests::read("k", &more).is_err());
        assert!(Digests::read("k", &bytes[..bytes.len() - 8]).is_err());
        assert!(Digests::read("k", &bytes[..100]).is_err());
    }

    #[test]
    fn the_first_row_of_a_full_hash_wins_and_a_shared_digest_alone_takes_nothing() {
        let h = 7u128 << 64;
        let records = vec![
            (h | 1, 0, 40, 3), // a later row of the hash in group 3: loses
            (h | 1, 0, 12, 9), // the first row: group 9 keeps it
            (h | 1, 1, 0, 5),  // a later file: loses
            (h | 2, 0, 1, 3),  // the same digest, another key: no loss
        ];
        assert_eq!(losers(records), vec![(3, h | 1), (5, h | 1)]);
    }
}
