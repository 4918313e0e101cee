//! Head counts 参保人数统计 per fund (SPEC §5 definitions): participants from `persons`,
//! distinct contributors from `contributions`, distinct recipients of recurring benefits for
//! December from `payouts`. The only place outside ingestion that looks at person ids: what
//! leaves it are numbers, so the disclosure cannot carry a person id (issue 6, point 4).

use std::collections::BTreeMap;

// Fast, seedless hashing for the per-row maps (keys are ids and codes, not attacker-chosen).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::config::Pipeline;
use crate::error::Result;
use crate::ingest::cells::{col, Cells, FundIndex};
use crate::ingest::scan::{part, Consumer, Part, Side};
use crate::ingest::Table;
use crate::model::catalog::benefit;
use crate::model::FundId;

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

/// Person ids per fund of one slice; or participants per fund.
enum CensusPart {
    Ids(Vec<((String, String), Vec<Id>)>),
    Participants(Vec<((String, String), u64)>),
}

/// The head counts fed by the shared scan: participants from `persons`, distinct contributors
/// (`normal` fees) and distinct recipients (recurring benefits for December, not returned).
pub struct Census<'p> {
    p: &'p Pipeline,
    participants: HashMap<(String, String), u64>,
    contributors: Distinct,
    recipients: Distinct,
    /// Distinct (contributors, recipients) per fund of partitions already counted: loaded
    /// from partials, whose persons are disjoint from every other partition's.
    counted: HashMap<(String, String), (u64, u64)>,
    side: Side,
}

impl Consumer for Census<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        if !self.side.takes(true) {
            return &[];
        }
        match table {
            Table::Persons => &["region", "scheme", "status"],
            Table::Contributions => &["region", "scheme", "person_id", "kind"],
            Table::Payouts => &[
                "region",
                "scheme",
                "person_id",
                "benefit",
                "period",
                "returned_on",
            ],
            _ => &[],
        }
    }

    fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        let c = |n: &str| col(table, cells, n);
        match table {
            Table::Persons => {
                let (reg, sch, st) = (c("region"), c("scheme"), c("status"));
                let mut n: HashMap<(&str, &str), u64> = HashMap::default();
                for &i in acc {
                    let i = i as usize;
                    if !matches!(st.s(i), Some("deceased" | "transferred_out")) {
                        *n.entry((reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default()))
                            .or_default() += 1;
                    }
                }
                Box::new(CensusPart::Participants(
                    n.into_iter()
                        .map(|((r, s), c)| ((r.to_string(), s.to_string()), c))
                        .collect(),
                ))
            }
            Table::Contributions => {
                let kind = c("kind");
                let rows = acc
                    .iter()
                    .copied()
                    .filter(|&i| kind.s(i as usize) == Some("normal"));
                Box::new(CensusPart::Ids(ids_by_fund(table, cells, rows)))
            }
            _ => {
                let december = self.p.year * 100 + 12;
                let (ben, per, ret) = (c("benefit"), c("period"), c("returned_on"));
                let rows = acc.iter().copied().filter(|&i| {
                    let i = i as usize;
                    ben.s(i).and_then(benefit).is_some_and(|b| b.recurring)
                        && per.n(i) == Some(december)
                        && ret.n(i).is_none()
                });
                Box::new(CensusPart::Ids(ids_by_fund(table, cells, rows)))
            }
        }
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        match (*part::<CensusPart>(p)?, table) {
            (CensusPart::Participants(v), _) => {
                for (k, c) in v {
                    *self.participants.entry(k).or_default() += c;
                }
            }
            (CensusPart::Ids(v), Table::Contributions) => merge(&mut self.contributors, v),
            (CensusPart::Ids(v), _) => merge(&mut self.recipients, v),
        }
        Ok(())
    }
}

impl crate::ingest::scan::Fold for Census<'_> {
    /// Head counts need a person's rows together: nothing is counted on [`Side::Rows`], so
    /// nothing is taken back.
    fn subtract(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(
            other.participants.is_empty()
                && other.contributors.is_empty()
                && other.recipients.is_empty()
                && other.counted.is_empty(),
            "head counts taken back: they are counted by person"
        );
        Ok(())
    }

    fn set_side(&mut self, side: Side) {
        self.side = side;
    }

    /// Participants add; the distinct ids of disjoint persons unite (a person is in one
    /// partition, so the counts add too).
    fn fold(&mut self, other: Self) -> Result<()> {
        for (k, n) in other.participants {
            *self.participants.entry(k).or_default() += n;
        }
        for (k, (c, r)) in other.counted {
            let into = self.counted.entry(k).or_default();
            into.0 += c;
            into.1 += r;
        }
        for (into, from) in [
            (&mut self.contributors, other.contributors),
            (&mut self.recipients, other.recipients),
        ] {
            for (k, ids) in from {
                into.entry(k).or_default().extend(ids);
            }
        }
        Ok(())
    }

    /// Through [`CensusState`]: the participants and each fund's distinct counts. Counts,
    /// not ids, because a partition's persons are in no other partition (they are split by
    /// their vbucket), so distinct counts of partitions add exactly.
    fn save(&mut self) -> Result<Vec<u8>> {
        let mut counted = std::mem::take(&mut self.counted);
        for (k, ids) in std::mem::take(&mut self.contributors) {
            counted.entry(k).or_default().0 += ids.len() as u64;
        }
        for (k, ids) in std::mem::take(&mut self.recipients) {
            counted.entry(k).or_default().1 += ids.len() as u64;
        }
        let mut participants: Vec<_> = std::mem::take(&mut self.participants).into_iter().collect();
        participants.sort_unstable();
        let mut counted: Vec<_> = counted.into_iter().collect();
        counted.sort_unstable();
        crate::ingest::scan::encode(&CensusState {
            participants,
            counted,
        })
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        let state: CensusState = crate::ingest::scan::decode(bytes)?;
        self.participants = state.participants.into_iter().collect();
        self.contributors = HashMap::default();
        self.recipients = HashMap::default();
        self.counted = state.counted.into_iter().collect();
        Ok(())
    }
}

/// The head counts' part of a partial: participants per fund, and the distinct contributors
/// and recipients of each fund (a person is in one partition only, but the same person may
/// pay in two funds: counted once in each), all sorted.
#[derive(serde::Serialize, serde::Deserialize)]
struct CensusState {
    participants: Vec<((String, String), u64)>,
    counted: Vec<((String, String), (u64, u64))>,
}

fn merge(into: &mut Distinct, part: Vec<((String, String), Vec<Id>)>) {
    for (k, ids) in part {
        into.entry(k).or_default().extend(ids);
    }
}

/// The person ids of `rows`, per fund (rows without a well-formed id are not persons), each
/// once. A person's rows come together: a repeat of a fund's last id is skipped before the
/// exact sort and deduplication.
fn ids_by_fund(
    table: Table,
    cells: &[Cells],
    rows: impl Iterator<Item = u32>,
) -> Vec<((String, String), Vec<Id>)> {
    let c = |n: &str| col(table, cells, n);
    let (reg, sch, pid) = (c("region"), c("scheme"), c("person_id"));
    let mut index = FundIndex::default();
    let mut ids: Vec<Vec<Id>> = Vec::new();
    for i in rows {
        let i = i as usize;
        let Some(id) = pid.s(i).and_then(id_of) else {
            continue;
        };
        let k = index.of(reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default()) as usize;
        if k == ids.len() {
            ids.push(Vec::new());
        }
        if ids[k].last() != Some(&id) {
            ids[k].push(id);
        }
    }
    index
        .funds()
        .iter()
        .zip(ids)
        .map(|((r, s), mut v)| {
            v.sort_unstable();
            v.dedup();
            ((r.to_string(), s.to_string()), v)
        })
        .collect()
}

impl<'p> Census<'p> {
    pub fn new(p: &'p Pipeline) -> Self {
        Census {
            p,
            participants: HashMap::default(),
            contributors: HashMap::default(),
            recipients: HashMap::default(),
            counted: HashMap::default(),
            side: Side::Both,
        }
    }

    /// The counts per fund of the selection.
    pub fn finish(self) -> BTreeMap<FundId, Counts> {
        let mut out: BTreeMap<FundId, Counts> = BTreeMap::new();
        for (k, n) in self.participants {
            out.entry(k).or_default().participants = n;
        }
        for (k, ids) in self.contributors {
            out.entry(k).or_default().contributors = ids.len() as u64;
        }
        for (k, ids) in self.recipients {
            out.entry(k).or_default().recipients = ids.len() as u64;
        }
        for (k, (c, r)) in self.counted {
            let n = out.entry(k).or_default();
            n.contributors += c;
            n.recipients += r;
        }
        out.retain(|(r, s), _| self.p.selects(r, s));
        out
    }
}
