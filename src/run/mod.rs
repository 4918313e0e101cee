//! The run 运行: stage order, the manifest and the atomic output folder.
//!
//! Stages (each also a command of its own): `validate` (ingestion) → later `ledger`, `flows`,
//! `reconcile`, `budget`, `disclose`. Every stage reads the accepted rows of ingestion.

pub mod manifest;
pub mod output;

use std::collections::BTreeMap;
use std::time::Instant;

use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::ingest::{self, Ctx, Table};
use manifest::{Invariant, Manifest, OutputEntry};
use output::OutputDir;

/// Which stages a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Validate,
}

/// What a finished run reports back to `main`.
pub struct RunOutcome {
    pub output: std::path::PathBuf,
    pub rows_read: i128,
    pub rows_rejected: i128,
    /// Findings the pipeline's `fail_on` asks to fail on (exit 1).
    pub failing_findings: Vec<String>,
}

/// Progress on stderr, drawn only when stderr is a terminal.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>14} [{bar:40}] {human_pos}/{human_len} rows ({per_sec})",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    pb
}

/// Runs the pipeline's stages, writing everything into the output folder atomically.
pub fn run(p: &Pipeline, _stages: &[Stage]) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let mut timings = BTreeMap::new();

    let checked = ingest::check_schemas(&p.dataset_path, &Table::ALL)?;
    timings.insert(
        "schema_and_checksums".to_string(),
        t0.elapsed().as_millis() as u64,
    );
    // From here on everything is written into `.<output>.partial/`; only success renames it.
    let mut out = OutputDir::create(&p.output_path)?;
    let result = stages(p, checked, &mut out, &mut timings, t0);
    match result {
        Ok(outcome) => {
            let output = out.commit()?;
            Ok(RunOutcome { output, ..outcome })
        }
        Err(e) => {
            out.abandon();
            Err(e)
        }
    }
}

type Checked = Vec<(Table, Vec<ingest::InputFile>, Vec<String>)>;

fn stages(
    p: &Pipeline,
    checked: Checked,
    out: &mut OutputDir,
    timings: &mut BTreeMap<String, u64>,
    t0: Instant,
) -> Result<RunOutcome> {
    let ctx = Ctx::new(p.year);
    let pb = progress_bar(ingest::total_rows(&checked));
    pb.set_message("validate");
    let t1 = Instant::now();
    let tables = checked
        .into_iter()
        .map(|(table, files, ignored)| {
            ingest::ingest_table(table, files, ignored, &ctx, &|n| pb.inc(n))
        })
        .collect::<Result<Vec<_>>>()?;
    pb.finish_and_clear();
    timings.insert("validate".to_string(), t1.elapsed().as_millis() as u64);

    let rows_read: i128 = tables.iter().map(|t| t.rows.read).sum();
    let rows_rejected: i128 = tables.iter().map(|t| t.rows.rejected).sum();
    if p.strict && rows_rejected > 0 {
        let detail: Vec<String> = tables
            .iter()
            .filter(|t| t.rows.rejected > 0)
            .map(|t| {
                format!(
                    "{}: {} rejected ({:?})",
                    t.table.name(),
                    t.rows.rejected,
                    t.reasons
                )
            })
            .collect();
        return Err(Error::Strict(format!(
            "strict = true and rows were rejected: {}",
            detail.join("; ")
        )));
    }

    {
        let t2 = Instant::now();
        for t in &tables {
            let path = out.path(&format!("rejects/{}.parquet", t.table.name()))?;
            crate::report::rejects::write(&path, t)?;
        }
        timings.insert("write_outputs".to_string(), t2.elapsed().as_millis() as u64);
        let mut invariants = Vec::new();
        for t in &tables {
            invariants.push(Invariant {
                name: format!(
                    "{}: rows and amounts read = accepted + rejected",
                    t.table.name()
                ),
                holds: t.is_balanced(),
                detail: format!("{} rows read, {} rejected", t.rows.read, t.rows.rejected),
            });
        }
        let outputs = out
            .files()
            .into_iter()
            .map(|(rel, path)| {
                Ok(OutputEntry {
                    path: rel,
                    sha256: ingest::files::sha256(&path)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        timings.insert("total".to_string(), t0.elapsed().as_millis() as u64);
        let manifest = Manifest {
            sifund_version: env!("CARGO_PKG_VERSION"),
            year: p.year,
            config: p.clone(),
            inputs: manifest::inputs(&tables),
            tables: tables
                .iter()
                .map(|t| (t.table.name().to_string(), manifest::table_entry(t)))
                .collect(),
            invariants,
            outputs,
            timings_ms: timings.clone(),
        };
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
        out.write("manifest.json", &json)?;
    }
    Ok(RunOutcome {
        output: p.output_path.clone(),
        rows_read,
        rows_rejected,
        failing_findings: vec![],
    })
}
