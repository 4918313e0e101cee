//! The shared scan 一次读取: each input table decoded once, by ingestion, and its accepted rows
//! handed to every stage that reads it. A stage is a [`Consumer`]: it names the columns it reads per table,
//! maps a slice to a partial result (in parallel), and absorbs the partials in file order (so
//! what it builds does not depend on the number of threads); a finishing step of its own
//! turns the accumulator into its typed output.
//!
//! Tables are scanned in [`SCAN_ORDER`]: the small tables that others look things up in
//! (opening balances, persons, deaths) before the large ones.

use std::any::Any;

use super::cells::Cells;
use super::{ingest_table, Ctx, InputFile, RejectSink, Table, TableResult};
use crate::error::{Error, Result};

/// A slice's partial result, owned (the slice's cells are gone when it is absorbed).
pub type Part = Box<dyn Any + Send>;

/// A stage fed by the shared scan.
pub trait Consumer: Sync {
    /// The columns the stage reads from `table`; empty: it does not read the table.
    fn uses(&self, table: Table) -> &'static [&'static str];

    /// One slice of `table`: its decoded cells (columns outside this consumer's
    /// [`Consumer::uses`] are `Cells::Absent`: reading one is an internal error naming it), the
    /// file index, the slice's first row in the file and the accepted rows (slice-relative).
    fn map(&self, table: Table, cells: &[Cells], file: usize, first: u64, accepted: &[u32])
        -> Part;

    /// Takes a slice's partial, in file order.
    fn absorb(&mut self, table: Table, part: Part) -> Result<()>;
}

/// Where the partitioned run feeds a consumer the rows of a table with a person
/// (`has_person`). Work that only sums rows (vouchers, reconciliation items, fund-level fee
/// sums) is done by the map, on the rows that passed the row rules, so the map ships only the
/// columns the person-keyed work reads; work that needs a person's rows together (head
/// counts, budget members, the deaths check) is done by the reduce, duplicates settled. The
/// rows a reduce or the merge later rejects as repeating a key are taken back from the maps'
/// states by the merge ([`Fold::subtract`]). `sifund run` feeds everything (`Both`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    #[default]
    Both,
    /// The map: rows that passed the rules, before duplicate keys are settled.
    Rows,
    /// The reduce: a person's rows together, duplicates settled.
    Persons,
}

impl Side {
    /// Does a consumer fed on this side do the work on a person table that needs (`by_person`)
    /// or does not need a person's rows together?
    pub fn takes(self, by_person: bool) -> bool {
        match self {
            Side::Both => true,
            Side::Rows => !by_person,
            Side::Persons => by_person,
        }
    }
}

/// A consumer whose state folds (issue 13: partials of the partitioned run): two consumers
/// that absorbed disjoint sets of persons' rows, folded, hold what one consumer that absorbed
/// both would hold — in any order of folding, as far as any output can tell.
pub trait Fold: Sized {
    fn fold(&mut self, other: Self) -> Result<()>;

    /// Takes back what `other` absorbed from rows this consumer absorbed too (the rows the
    /// partitioned run rejects as repeating a key after a map fed them on [`Side::Rows`]): the
    /// state is then what it would be had those rows never been fed. `other` holds only
    /// [`Side::Rows`] work; anything else in it is an internal error.
    fn subtract(&mut self, other: Self) -> Result<()>;

    /// Which of its work on person tables the consumer does from now on ([`Side`]).
    fn set_side(&mut self, side: Side);

    /// Takes out the state built from persons' rows as partial bytes ([`encode`]; what came
    /// from hash maps sorted, so equal states give equal bytes). The consumer is left as new,
    /// but for what the merge reads itself (rows without a person).
    fn save(&mut self) -> Result<Vec<u8>>;

    /// Puts a [`Fold::save`]d state into a consumer that holds none of its own.
    fn load(&mut self, bytes: &[u8]) -> Result<()>;

    /// The consumer passed through the encoding of its partial and rebuilt.
    fn round_trip(mut self) -> Result<Self> {
        let bytes = self.save()?;
        self.load(&bytes)?;
        Ok(self)
    }
}

/// A consumer's state as partial bytes: bincode (standard configuration) of a serde value.
/// Callers sort what came from hash maps, so equal states give equal bytes.
pub fn encode<T: serde::Serialize>(state: &T) -> Result<Vec<u8>> {
    bincode::serde::encode_to_vec(state, bincode::config::standard())
        .map_err(|e| Error::Internal(format!("a partial state could not be encoded: {e}")))
}

/// A code read back from a partial as the `&'static str` the code holds (rule names, table
/// names, severities): they are few, so each distinct one is kept once for the process.
pub fn intern(s: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<std::collections::BTreeSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .expect("not poisoned");
    if let Some(k) = seen.get(s) {
        return k;
    }
    let k: &'static str = Box::leak(s.to_string().into_boxed_str());
    seen.insert(k);
    k
}

/// Serde for a map keyed by the code's `&'static str` (benefit keys): written as pairs, read
/// back through [`intern`]. Use with `#[serde(with = "crate::ingest::scan::static_keys")]`.
pub mod static_keys {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<V: Serialize, S: Serializer>(
        m: &BTreeMap<&'static str, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<&'static str, V>, D::Error> {
        let pairs: Vec<(String, V)> = Vec::deserialize(d)?;
        Ok(pairs
            .into_iter()
            .map(|(k, v)| (super::intern(&k), v))
            .collect())
    }
}

/// The inverse of [`encode`]; bytes that do not decode (a corrupt or foreign partial) are
/// bad input.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let (v, used) = bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map_err(|e| Error::input(format!("a partial state does not decode: {e}")))?;
    if used != bytes.len() {
        return Err(Error::input("a partial state has trailing bytes"));
    }
    Ok(v)
}

/// The tables whose rows carry a person, and so are partitioned by the person's bucket.
pub fn has_person(table: Table) -> bool {
    matches!(
        table,
        Table::Contributions | Table::Payouts | Table::Persons | Table::Deaths
    )
}

/// A consumer run as `groups` in-process partitions by the person's virtual bucket
/// (`model::vbucket`, `bucket × groups ÷ 4096`), plus one partition for the rows without a
/// person (those the partitioned run's merge reads). Each slice's accepted rows are split by
/// partition and each partition absorbs its own; [`Partitioned::into_folded`] passes each
/// through its stored encoding ([`Fold::round_trip`]) and folds them. Its
/// outputs must be the plain consumer's to the byte: the in-process test of every consumer's
/// [`Fold`] before any partial is stored (`SIFUND_PARTITIONS`, see `run`).
pub struct Partitioned<C> {
    parts: Vec<C>,
    groups: usize,
}

/// `own` with `person_id` added (to route the rows), made once per distinct list.
fn with_person(own: &'static [&'static str]) -> &'static [&'static str] {
    use std::sync::{Mutex, OnceLock};
    static MADE: OnceLock<Mutex<Vec<(usize, &'static [&'static str])>>> = OnceLock::new();
    if own.contains(&"person_id") {
        return own;
    }
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .expect("not poisoned");
    let key = own.as_ptr() as usize;
    if let Some((_, l)) = made.iter().find(|(k, _)| *k == key) {
        return l;
    }
    let mut v = own.to_vec();
    v.push("person_id");
    let l: &'static [&'static str] = Box::leak(v.into_boxed_slice());
    made.push((key, l));
    l
}

impl<C: Consumer + Fold> Partitioned<C> {
    pub fn new(groups: usize, mut make: impl FnMut() -> C) -> Partitioned<C> {
        Self::try_new(groups, || Ok(make())).expect("infallible")
    }

    pub fn try_new(groups: usize, mut make: impl FnMut() -> Result<C>) -> Result<Partitioned<C>> {
        assert!((1..=crate::model::vbucket::VBUCKETS as usize).contains(&groups));
        let parts = (0..=groups).map(|_| make()).collect::<Result<Vec<C>>>()?;
        Ok(Partitioned { parts, groups })
    }

    fn partition(&self, person: Option<&str>) -> usize {
        match person {
            Some(id) => {
                let b = crate::model::vbucket::of(id) as usize;
                b * self.groups / crate::model::vbucket::VBUCKETS as usize
            }
            None => self.groups,
        }
    }

    /// The partitions folded into the first, in partition order.
    pub fn into_folded(self) -> Result<C> {
        let mut parts = self.parts.into_iter();
        let mut first = parts.next().expect("at least one partition").round_trip()?;
        for p in parts {
            first.fold(p.round_trip()?)?;
        }
        Ok(first)
    }
}

impl<C: Consumer + Fold> Consumer for Partitioned<C> {
    /// A consumer's columns may depend on what it has absorbed (the flows read payouts only
    /// when there are deaths): the partitions' lists, the first that reads the table.
    fn uses(&self, table: Table) -> &'static [&'static str] {
        let own = self
            .parts
            .iter()
            .map(|c| c.uses(table))
            .find(|u| !u.is_empty())
            .unwrap_or(&[]);
        if own.is_empty() || !has_person(table) {
            return own;
        }
        with_person(own)
    }

    fn map(&self, table: Table, cells: &[Cells], file: usize, first: u64, acc: &[u32]) -> Part {
        let mut by: Vec<Vec<u32>> = vec![Vec::new(); self.groups + 1];
        if has_person(table) && !self.uses(table).is_empty() {
            let person = super::cells::col(table, cells, "person_id");
            for &i in acc {
                by[self.partition(person.s(i as usize))].push(i);
            }
        } else {
            by[self.groups] = acc.to_vec();
        }
        let pieces: Vec<(usize, Part)> = by
            .iter()
            .enumerate()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(g, rows)| (g, self.parts[g].map(table, cells, file, first, rows)))
            .collect();
        Box::new(pieces)
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        for (g, piece) in *part::<Vec<(usize, Part)>>(p)? {
            self.parts[g].absorb(table, piece)?;
        }
        Ok(())
    }
}

/// Order of the shared scan: lookup tables first.
pub const SCAN_ORDER: [Table; 9] = [
    Table::OpeningBalances,
    Table::SubFundBalances,
    Table::Persons,
    Table::Deaths,
    Table::Budget,
    Table::Contributions,
    Table::Payouts,
    Table::FundFlows,
    Table::Statements,
];

/// A consumer's partial of its own type (a mismatch is a programming error).
pub fn part<T: 'static>(p: Part) -> Result<Box<T>> {
    p.downcast::<T>()
        .map_err(|_| Error::Internal("a scan partial of the wrong type".into()))
}

/// Ingests every checked table once, in [`SCAN_ORDER`], feeding each consumer the accepted
/// rows of the tables it reads; returns the tables in [`Table::ALL`] order.
pub fn ingest_all(
    checked: Vec<(Table, Vec<InputFile>, Vec<String>)>,
    ctx: &Ctx,
    consumers: &mut [&mut dyn Consumer],
    sinks: &mut dyn FnMut(Table) -> Result<Box<dyn RejectSink>>,
    progress: &dyn Fn(u64),
) -> Result<Vec<TableResult>> {
    ingest_all_from(checked, ctx, consumers, sinks, progress, 0)
}

/// [`ingest_all`], the dataset bound counting from `magnitude` (the accepted amounts of
/// tables read elsewhere: the partitioned run's merge).
pub fn ingest_all_from(
    checked: Vec<(Table, Vec<InputFile>, Vec<String>)>,
    ctx: &Ctx,
    consumers: &mut [&mut dyn Consumer],
    sinks: &mut dyn FnMut(Table) -> Result<Box<dyn RejectSink>>,
    progress: &dyn Fn(u64),
    magnitude: i128,
) -> Result<Vec<TableResult>> {
    let mut checked = checked;
    checked.sort_by_key(|(t, _, _)| SCAN_ORDER.iter().position(|x| x == t));
    let mut out = Vec::with_capacity(checked.len());
    let mut magnitude = magnitude;
    if magnitude > crate::model::money::MAX_DATASET {
        return Err(Error::input(format!(
            "the accepted amounts of the dataset add up to more than {} yuan in absolute \
             value, beyond any real fund: the amounts are not in yuan, or the data is corrupt",
            crate::model::money::yuan(crate::model::money::MAX_DATASET)
        )));
    }
    for (table, files, ignored) in checked {
        let mut sink = sinks(table)?;
        out.push(ingest_table(
            table,
            files,
            ignored,
            ctx,
            consumers,
            sink.as_mut(),
            &mut magnitude,
            progress,
        )?);
    }
    out.sort_by_key(|t| Table::ALL.iter().position(|x| *x == t.table));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cells::col;
    use crate::ingest::DiscardRejects;

    /// Declares `person_id` of `deaths` but reads `death_date` too.
    struct Undeclared;

    impl Consumer for Undeclared {
        fn uses(&self, table: Table) -> &'static [&'static str] {
            match table {
                Table::Deaths => &["person_id"],
                _ => &[],
            }
        }
        fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
            let n: i64 = acc
                .iter()
                .map(|&i| col(table, cells, "death_date").n(i as usize).unwrap_or(0) as i64)
                .sum();
            Box::new(n)
        }
        fn absorb(&mut self, _: Table, _: Part) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_column_read_without_being_declared_is_an_internal_error() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        let checked = crate::ingest::check_schemas(&demo, &[Table::Deaths]).unwrap();
        let err = ingest_all(
            checked,
            &Ctx::new(2025),
            &mut [&mut Undeclared],
            &mut |_| Ok(Box::new(DiscardRejects)),
            &|_| {},
        )
        .err()
        .expect("refused");
        assert_eq!(err.exit_code(), 3, "{err}");
        assert!(err.to_string().contains("death_date"), "{err}");
    }
}
