//! Head counts 参保人数统计 per fund (SPEC §5 definitions): participants from `persons`,
//! distinct contributors from `contributions`, distinct recipients of recurring benefits for
//! December from `payouts`. The only place outside ingestion that looks at person ids: what
//! leaves it are numbers, so the disclosure cannot carry a person id (issue 6, point 4).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::{col, Cells};
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

/// Distinct person ids per fund over the rows `select` keeps (it gets the accepted rows).
fn distinct(
    t: &TableResult,
    select: impl Fn(&[Cells], &[u32]) -> Vec<u32> + Sync,
) -> Result<Distinct> {
    let mut out: Distinct = HashMap::new();
    scan_accepted(
        t,
        USES,
        |cells, _, _, acc| {
            let c = |n: &str| col(t.table, cells, n);
            let (reg, sch, pid) = (c("region"), c("scheme"), c("person_id"));
            let mut m: HashMap<(&str, &str), Vec<Id>> = HashMap::new();
            for i in select(cells, acc) {
                let i = i as usize;
                if let Some(id) = pid.s(i).and_then(id_of) {
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
            merge(&mut out, v);
            Ok(())
        },
    )?;
    Ok(out)
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
    let contributors = match get(Table::Contributions) {
        Some(t) => distinct(t, |cells, acc| {
            let kind = col(Table::Contributions, cells, "kind");
            acc.iter()
                .copied()
                .filter(|&i| kind.s(i as usize) == Some("normal"))
                .collect()
        })?,
        None => HashMap::new(),
    };
    let december = p.year * 100 + 12;
    let recipients = match get(Table::Payouts) {
        Some(t) => distinct(t, |cells, acc| {
            let c = |n: &str| col(Table::Payouts, cells, n);
            let (ben, per, ret) = (c("benefit"), c("period"), c("returned_on"));
            acc.iter()
                .copied()
                .filter(|&i| {
                    let i = i as usize;
                    ben.s(i).and_then(benefit).is_some_and(|b| b.recurring)
                        && per.n(i) == Some(december)
                        && ret.n(i).is_none()
                })
                .collect()
        })?,
        None => HashMap::new(),
    };
    for (k, ids) in contributors {
        out.entry(k).or_default().contributors = ids.len() as u64;
    }
    for (k, ids) in recipients {
        out.entry(k).or_default().recipients = ids.len() as u64;
    }
    out.retain(|(r, s), _| p.selects(r, s));
    Ok(out)
}
