//! Head counts 参保人数统计 per fund (SPEC §5 definitions): participants from `persons`,
//! distinct contributors from `contributions`, distinct recipients of recurring benefits for
//! December from `payouts`. The only place outside ingestion that looks at person ids: what
//! leaves it are numbers, so the disclosure cannot carry a person id (issue 6, point 4).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::col;
use crate::ingest::{scan_accepted, Table, TableResult};
use crate::ledger::FundId;
use crate::model::catalog::benefit;

/// Columns this module reads (`scan_accepted` decodes no others).
const USES: &[&str] = &[
    "region",
    "scheme",
    "status",
    "person_id",
    "kind",
    "benefit",
    "period",
    "returned_on",
];

/// Counts of one fund. Nothing here can hold a person id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub participants: u64,
    pub contributors: u64,
    pub recipients: u64,
}

/// An 18-character citizen ID kept exactly (no hashing: counts are exact).
type Id = [u8; 18];

fn id_of(s: &str) -> Option<Id> {
    s.as_bytes().try_into().ok()
}

type Distinct = HashMap<(String, String), HashSet<Id>>;

fn merge(into: &mut Distinct, part: Vec<((String, String), Vec<Id>)>) {
    for (k, ids) in part {
        into.entry(k).or_default().extend(ids);
    }
}

pub fn count(p: &Pipeline, tables: &[TableResult]) -> Result<BTreeMap<FundId, Counts>> {
    let get = |t: Table| tables.iter().find(|r| r.table == t);
    let mut out: BTreeMap<FundId, Counts> = BTreeMap::new();
    if let Some(t) = get(Table::Persons) {
        scan_accepted(
            t,
            USES,
            |cells, _, _, acc| {
                let (reg, sch, st) = (
                    col(Table::Persons, cells, "region"),
                    col(Table::Persons, cells, "scheme"),
                    col(Table::Persons, cells, "status"),
                );
                let mut n: HashMap<(&str, &str), u64> = HashMap::new();
                for &i in acc {
                    let i = i as usize;
                    if !matches!(st.s(i), Some("deceased" | "transferred_out")) {
                        *n.entry((reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default()))
                            .or_default() += 1;
                    }
                }
                n.into_iter()
                    .map(|((r, s), c)| ((r.to_string(), s.to_string()), c))
                    .collect::<Vec<_>>()
            },
            |v| {
                for (k, c) in v {
                    out.entry(k).or_default().participants += c;
                }
                Ok(())
            },
        )?;
    }
    let mut contributors: Distinct = HashMap::new();
    if let Some(t) = get(Table::Contributions) {
        scan_accepted(
            t,
            USES,
            |cells, _, _, acc| {
                let c = |n: &str| col(Table::Contributions, cells, n);
                let (reg, sch, pid, kind) = (c("region"), c("scheme"), c("person_id"), c("kind"));
                let mut m: HashMap<(&str, &str), Vec<Id>> = HashMap::new();
                for &i in acc {
                    let i = i as usize;
                    if let (Some("normal"), Some(id)) = (kind.s(i), pid.s(i).and_then(id_of)) {
                        m.entry((reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default()))
                            .or_default()
                            .push(id);
                    }
                }
                m.into_iter()
                    .map(|((r, s), v)| ((r.to_string(), s.to_string()), v))
                    .collect::<Vec<_>>()
            },
            |v| {
                merge(&mut contributors, v);
                Ok(())
            },
        )?;
    }
    let mut recipients: Distinct = HashMap::new();
    let december = p.year * 100 + 12;
    if let Some(t) = get(Table::Payouts) {
        scan_accepted(
            t,
            USES,
            |cells, _, _, acc| {
                let c = |n: &str| col(Table::Payouts, cells, n);
                let (reg, sch, pid, ben, per, ret) = (
                    c("region"),
                    c("scheme"),
                    c("person_id"),
                    c("benefit"),
                    c("period"),
                    c("returned_on"),
                );
                let mut m: HashMap<(&str, &str), Vec<Id>> = HashMap::new();
                for &i in acc {
                    let i = i as usize;
                    let recurring = ben.s(i).and_then(benefit).is_some_and(|b| b.recurring);
                    if recurring && per.n(i) == Some(december) && ret.n(i).is_none() {
                        if let Some(id) = pid.s(i).and_then(id_of) {
                            m.entry((reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default()))
                                .or_default()
                                .push(id);
                        }
                    }
                }
                m.into_iter()
                    .map(|((r, s), v)| ((r.to_string(), s.to_string()), v))
                    .collect::<Vec<_>>()
            },
            |v| {
                merge(&mut recipients, v);
                Ok(())
            },
        )?;
    }
    for (k, ids) in contributors {
        out.entry(k).or_default().contributors = ids.len() as u64;
    }
    for (k, ids) in recipients {
        out.entry(k).or_default().recipients = ids.len() as u64;
    }
    out.retain(|(r, s), _| p.selects(r, s));
    Ok(out)
}
