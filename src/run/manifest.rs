//! `manifest.json`: what a run read, rejected, checked and wrote. Everything in it is
//! deterministic except `timings_ms`, kept last so a diff shows it apart.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Pipeline;
use crate::ingest::{Control, TableResult};
use crate::model::money::yuan;

#[derive(Serialize)]
pub struct Manifest {
    pub sifund_version: &'static str,
    pub year: i32,
    pub config: Pipeline,
    pub inputs: Vec<InputEntry>,
    pub tables: BTreeMap<String, TableEntry>,
    pub invariants: Vec<Invariant>,
    /// What each stage did: rows posted, findings by rule, …
    pub stages: BTreeMap<String, serde_json::Value>,
    pub outputs: Vec<OutputEntry>,
    pub timings_ms: BTreeMap<String, u64>,
}

#[derive(Serialize)]
pub struct InputEntry {
    pub table: String,
    pub path: String,
    pub rows: u64,
    pub sha256: String,
    /// The earlier file of the table this one is a byte-for-byte copy of (same sha256 and Hive
    /// folder): its rows took that file's outcome, every row it did not reject as a duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<String>,
}

#[derive(Serialize)]
pub struct Totals {
    pub read: String,
    pub accepted: String,
    pub rejected: String,
}

impl Totals {
    fn rows(c: &Control) -> Totals {
        Totals {
            read: c.read.to_string(),
            accepted: c.accepted.to_string(),
            rejected: c.rejected.to_string(),
        }
    }
    fn money(c: &Control) -> Totals {
        Totals {
            read: yuan(c.read),
            accepted: yuan(c.accepted),
            rejected: yuan(c.rejected),
        }
    }
}

#[derive(Serialize)]
pub struct TableEntry {
    pub rows: Totals,
    /// Per money column, in yuan.
    pub amounts: BTreeMap<String, Totals>,
    pub balanced: bool,
    pub rejects_by_reason: BTreeMap<String, u64>,
    pub warnings: BTreeMap<String, u64>,
    pub ignored_columns: Vec<String>,
}

#[derive(Serialize)]
pub struct Invariant {
    pub name: String,
    pub holds: bool,
    pub detail: String,
}

#[derive(Serialize)]
pub struct OutputEntry {
    pub path: String,
    pub sha256: String,
}

pub fn inputs(tables: &[TableResult]) -> Vec<InputEntry> {
    tables
        .iter()
        .flat_map(|t| {
            let originals = crate::ingest::copies::originals(&t.files);
            t.files.iter().zip(originals).map(|(f, o)| InputEntry {
                table: t.table.name().to_string(),
                path: f.file.rel.clone(),
                rows: f.info.rows as u64,
                sha256: f.sha256.clone(),
                copy_of: o.map(|o| t.files[o].file.rel.clone()),
            })
        })
        .collect()
}

pub fn table_entry(t: &TableResult) -> TableEntry {
    let warnings: BTreeMap<String, u64> = t
        .warnings
        .counts
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    TableEntry {
        rows: Totals::rows(&t.rows),
        amounts: t
            .amounts
            .iter()
            .map(|(k, v)| (k.to_string(), Totals::money(v)))
            .collect(),
        balanced: t.is_balanced(),
        rejects_by_reason: t.reasons.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        warnings,
        ignored_columns: t.ignored_columns.clone(),
    }
}
