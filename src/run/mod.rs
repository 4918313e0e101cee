//! The run 运行: stage order, the manifest and the atomic output folder.
//!
//! Stages (each also a command of its own): `validate` (ingestion) → `ledger` → `flows`
//! → later `reconcile`, `budget`, `disclose`. Every stage reads the accepted rows of ingestion.

pub mod manifest;
pub mod output;
pub mod partitioned;
pub mod storage;

use std::collections::BTreeMap;
use std::time::Instant;

use crate::config::Pipeline;
use crate::disclose::consolidate;
use crate::error::{Error, Result};
use crate::ingest::scan::{ingest_all, Consumer};
use crate::ingest::{self, Ctx, Table, TableResult};
use crate::ledger::statements::FundStatement;
use crate::model::money::yuan;
use crate::{ensure_invariant, flows, ledger, reconcile};
use manifest::{Invariant, Manifest, OutputEntry};
use output::OutputDir;

/// The stages of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Validate,
    Ledger,
    Flows,
    Reconcile,
    Budget,
    Disclose,
}

impl Stage {
    /// Every stage built so far, in order.
    pub const ALL: [Stage; 6] = [
        Stage::Validate,
        Stage::Ledger,
        Stage::Flows,
        Stage::Reconcile,
        Stage::Budget,
        Stage::Disclose,
    ];

    /// A stage with the stages it needs: every stage after validation needs the books (the
    /// fund statements), and nothing else — `sifund disclose` does not reconcile.
    pub fn with_needs(self) -> Vec<Stage> {
        let mut v = vec![Stage::Validate];
        if self != Stage::Validate {
            v.push(Stage::Ledger);
        }
        if !v.contains(&self) {
            v.push(self);
        }
        v
    }
}

/// What a finished run reports back to `main`.
pub struct RunOutcome {
    pub output: std::path::PathBuf,
    pub rows_read: i128,
    pub rows_rejected: i128,
    /// Findings the pipeline's `fail_on` asks to fail on (exit 1).
    pub failing_findings: Vec<String>,
    /// The budget, when the budget stage ran (for `--explain`).
    pub budget: Option<crate::budget::Budget>,
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
pub fn run(p: &Pipeline, stages: &[Stage]) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let mut timings = BTreeMap::new();
    let checked = ingest::check_schemas(&p.dataset_path, &Table::ALL)?;
    timings.insert(
        "schema_and_checksums".to_string(),
        t0.elapsed().as_millis() as u64,
    );
    // From here on everything is written into `.<output>.partial/`; only success renames it.
    let mut out = OutputDir::create(&p.output_path)?;
    let outcome = run_stages(p, stages, checked, &mut out, &mut timings, t0);
    let (output, outcome) = out.settle(outcome)?;
    Ok(RunOutcome { output, ..outcome })
}

type Checked = Vec<(Table, Vec<ingest::InputFile>, Vec<String>)>;

/// Validation, feeding the stages' consumers from the same scan.
fn validate_stage(
    p: &Pipeline,
    checked: Checked,
    consumers: &mut [&mut dyn Consumer],
    out: &mut OutputDir,
) -> Result<Vec<TableResult>> {
    let ctx = Ctx::new(p.year).with_max_reject_share(p.max_reject_share);
    let pb = progress_bar(ingest::total_rows(&checked));
    pb.set_message("scan");
    // Rejects go to `rejects/<table>.parquet` as they are found.
    let mut sinks = |t: Table| -> Result<Box<dyn ingest::RejectSink>> {
        let path = out.path(&format!("rejects/{}.parquet", t.name()))?;
        Ok(Box::new(crate::report::rejects::Writer::new(path)))
    };
    let tables = ingest_all(checked, &ctx, consumers, &mut sinks, &|n| pb.inc(n))?;
    pb.finish_and_clear();
    strict_check(p, &tables)?;
    Ok(tables)
}

/// `strict = true`: any rejected row stops the run (exit 2).
fn strict_check(p: &Pipeline, tables: &[TableResult]) -> Result<()> {
    let rejected: i128 = tables.iter().map(|t| t.rows.rejected).sum();
    if p.strict && rejected > 0 {
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
    Ok(())
}

fn timed<T>(
    timings: &mut BTreeMap<String, u64>,
    name: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let t = Instant::now();
    let r = f()?;
    timings.insert(name.to_string(), t.elapsed().as_millis() as u64);
    Ok(r)
}

/// `SIFUND_PARTITIONS=N` (a development check of issue 13, not a product setting): the scan's
/// consumers run as N in-process partitions by the person's virtual bucket, and are folded
/// before their stages finish (`ingest::scan::Partitioned`). The outputs must not change; a
/// test runs it. Unset: one consumer per stage.
fn partitions() -> Result<Option<usize>> {
    let Ok(v) = std::env::var("SIFUND_PARTITIONS") else {
        return Ok(None);
    };
    match v.parse::<usize>() {
        Ok(n) if (1..=4096).contains(&n) => Ok(Some(n)),
        _ => Err(Error::Config(format!(
            "SIFUND_PARTITIONS = {v:?}: a number of partitions from 1 to 4096"
        ))),
    }
}

/// A stage's consumer: one, or in-process partitions folded after the scan.
enum Split<C> {
    One(C),
    Parts(crate::ingest::scan::Partitioned<C>),
}

impl<C: Consumer + crate::ingest::scan::Fold> Split<C> {
    fn new(parts: Option<usize>, make: impl FnMut() -> C) -> Split<C> {
        let mut make = make;
        match parts {
            None => Split::One(make()),
            Some(n) => Split::Parts(crate::ingest::scan::Partitioned::new(n, make)),
        }
    }

    fn try_new(parts: Option<usize>, make: impl FnMut() -> Result<C>) -> Result<Split<C>> {
        let mut make = make;
        Ok(match parts {
            None => Split::One(make()?),
            Some(n) => Split::Parts(crate::ingest::scan::Partitioned::try_new(n, make)?),
        })
    }

    fn consumer(&mut self) -> &mut dyn Consumer {
        match self {
            Split::One(c) => c,
            Split::Parts(c) => c,
        }
    }

    fn folded(self) -> Result<C> {
        match self {
            Split::One(c) => Ok(c),
            Split::Parts(c) => c.into_folded(),
        }
    }
}

/// Every stage's consumer of the shared scan (`None`: the stage does not run), each one or
/// split into in-process partitions.
struct Scanners<'p> {
    posting: Option<Split<ledger::Posting<'p>>>,
    checks: Option<Split<flows::Checks<'p>>>,
    items: Option<Split<reconcile::Items<'p>>>,
    drafting: Option<Split<crate::budget::Drafting<'p>>>,
    census: Option<Split<crate::census::Census<'p>>>,
    levels: Option<Split<consolidate::InterLevels<'p>>>,
}

impl<'p> Scanners<'p> {
    fn new(p: &'p Pipeline, stages: &[Stage], parts: Option<usize>) -> Result<Scanners<'p>> {
        let has = |s: Stage| stages.contains(&s);
        Ok(Scanners {
            posting: has(Stage::Ledger).then(|| Split::new(parts, || ledger::Posting::new(p))),
            checks: has(Stage::Flows).then(|| Split::new(parts, || flows::Checks::new(p))),
            items: has(Stage::Reconcile).then(|| Split::new(parts, || reconcile::Items::new(p))),
            drafting: match has(Stage::Budget) {
                true => Some(Split::try_new(parts, || crate::budget::Drafting::new(p))?),
                false => None,
            },
            census: has(Stage::Disclose)
                .then(|| Split::new(parts, || crate::census::Census::new(p))),
            levels: has(Stage::Disclose)
                .then(|| Split::new(parts, || consolidate::InterLevels::new(p))),
        })
    }

    fn consumers(&mut self) -> Vec<&mut dyn Consumer> {
        let consumers: [Option<&mut dyn Consumer>; 6] = [
            self.posting.as_mut().map(Split::consumer),
            self.checks.as_mut().map(Split::consumer),
            self.items.as_mut().map(Split::consumer),
            self.drafting.as_mut().map(Split::consumer),
            self.census.as_mut().map(Split::consumer),
            self.levels.as_mut().map(Split::consumer),
        ];
        consumers.into_iter().flatten().collect()
    }

    fn folded(self) -> Result<Scanned<'p>> {
        Ok(Scanned {
            posting: self.posting.map(Split::folded).transpose()?,
            checks: self.checks.map(Split::folded).transpose()?,
            items: self.items.map(Split::folded).transpose()?,
            drafting: self.drafting.map(Split::folded).transpose()?,
            census: self.census.map(Split::folded).transpose()?,
            levels: self.levels.map(Split::folded).transpose()?,
        })
    }
}

/// The stages' consumers after the scan, one each.
pub(crate) struct Scanned<'p> {
    posting: Option<ledger::Posting<'p>>,
    checks: Option<flows::Checks<'p>>,
    items: Option<reconcile::Items<'p>>,
    drafting: Option<crate::budget::Drafting<'p>>,
    census: Option<crate::census::Census<'p>>,
    levels: Option<consolidate::InterLevels<'p>>,
}

/// Calls `$f` on each present consumer of a [`Scanned`] (or of two, pairwise).
macro_rules! each {
    ($s:expr, |$c:ident, $name:ident| $body:expr) => {{
        each!(@one $s, posting, $c, $name, $body);
        each!(@one $s, checks, $c, $name, $body);
        each!(@one $s, items, $c, $name, $body);
        each!(@one $s, drafting, $c, $name, $body);
        each!(@one $s, census, $c, $name, $body);
        each!(@one $s, levels, $c, $name, $body);
    }};
    (@one $s:expr, $field:ident, $c:ident, $name:ident, $body:expr) => {
        if let Some($c) = $s.$field.as_mut() {
            let $name = stringify!($field);
            $body;
        }
    };
}

/// `Fold::$method` on each present consumer of a [`Scanned`] with the same consumer of another.
macro_rules! pairwise {
    ($s:expr, $other:expr, $method:ident) => {{
        use crate::ingest::scan::Fold;
        let mut other = $other;
        pairwise!(@each $s, other, $method, posting, checks, items, drafting, census, levels);
        Ok(())
    }};
    (@each $s:expr, $o:ident, $method:ident, $($field:ident),*) => {$(
        if let (Some(a), Some(b)) = ($s.$field.as_mut(), $o.$field.take()) {
            a.$method(b)?;
        }
    )*};
}

impl<'p> Scanned<'p> {
    /// Every consumer's saved state, by consumer name (`ingest::scan::Fold::save`).
    pub(crate) fn save(&mut self) -> Result<Vec<(String, Vec<u8>)>> {
        use crate::ingest::scan::Fold;
        let mut out = Vec::new();
        each!(self, |c, name| out.push((name.to_string(), c.save()?)));
        Ok(out)
    }

    /// Loads saved states (from [`Scanned::save`] of consumers of the same stages).
    pub(crate) fn load(&mut self, states: &[(String, Vec<u8>)]) -> Result<()> {
        use crate::ingest::scan::Fold;
        let mut given = states.iter();
        each!(self, |c, name| {
            match given.next() {
                Some((n, bytes)) if n == name => c.load(bytes)?,
                _ => {
                    return Err(Error::input(format!(
                        "a partial does not hold the state of `{name}`: written for other stages"
                    )))
                }
            }
        });
        match given.next() {
            None => Ok(()),
            Some((n, _)) => Err(Error::input(format!(
                "a partial holds a state of `{n}`, which this run does not have"
            ))),
        }
    }

    /// Folds `other`'s states (disjoint persons) into these.
    pub(crate) fn fold(&mut self, other: Scanned<'p>) -> Result<()> {
        pairwise!(self, other, fold)
    }

    /// Takes back `other`'s states: rows fed on `Side::Rows` that proved to repeat a key.
    pub(crate) fn subtract(&mut self, other: Scanned<'p>) -> Result<()> {
        pairwise!(self, other, subtract)
    }

    /// Which work on person tables every consumer does from now on (the partitioned run).
    pub(crate) fn set_side(&mut self, side: crate::ingest::scan::Side) {
        use crate::ingest::scan::Fold;
        each!(self, |c, _name| c.set_side(side));
    }
}

/// The stages' consumers, one each, for the given stages (the partitioned run's pieces).
pub(crate) fn scanners<'p>(p: &'p Pipeline, stages: &[Stage]) -> Result<Scanned<'p>> {
    Scanners::new(p, stages, None)?.folded()
}

/// Feeds `scanned`'s consumers from one scan (the partitioned run's use of the scan).
pub(crate) fn consumers_of<'a>(s: &'a mut Scanned<'_>) -> Vec<&'a mut dyn Consumer> {
    let consumers: [Option<&mut dyn Consumer>; 6] = [
        s.posting.as_mut().map(|c| c as &mut dyn Consumer),
        s.checks.as_mut().map(|c| c as &mut dyn Consumer),
        s.items.as_mut().map(|c| c as &mut dyn Consumer),
        s.drafting.as_mut().map(|c| c as &mut dyn Consumer),
        s.census.as_mut().map(|c| c as &mut dyn Consumer),
        s.levels.as_mut().map(|c| c as &mut dyn Consumer),
    ];
    consumers.into_iter().flatten().collect()
}

fn run_stages(
    p: &Pipeline,
    stages: &[Stage],
    checked: Checked,
    out: &mut OutputDir,
    timings: &mut BTreeMap<String, u64>,
    t0: Instant,
) -> Result<RunOutcome> {
    // One scan of every table: validation, and every stage that reads the table.
    let mut scanners = Scanners::new(p, stages, partitions()?)?;
    let tables = timed(timings, "scan", || {
        validate_stage(p, checked, &mut scanners.consumers(), out)
    })?;
    finish_stages(p, scanners.folded()?, tables, out, timings, t0)
}

/// Every stage after the scan, from the folded consumers and the tables' results; writes
/// the outputs and the manifest (the one-machine run and the partitioned run's merge).
pub(crate) fn finish_stages(
    p: &Pipeline,
    scanned: Scanned,
    tables: Vec<TableResult>,
    out: &mut OutputDir,
    timings: &mut BTreeMap<String, u64>,
    t0: Instant,
) -> Result<RunOutcome> {
    let Scanned {
        posting,
        checks,
        items,
        drafting,
        census,
        levels,
    } = scanned;
    let mut invariants: Vec<Invariant> = tables
        .iter()
        .map(|t| Invariant {
            name: format!(
                "{}: rows and amounts read = accepted + rejected",
                t.table.name()
            ),
            holds: t.is_balanced(),
            detail: format!("{} rows read, {} rejected", t.rows.read, t.rows.rejected),
        })
        .collect();
    let mut reports = BTreeMap::new();
    let mut failing = Vec::new();
    let mut budget = None;
    if let Some(posting) = posting {
        let (books, statements, report) = timed(timings, "ledger", || {
            ledger_stage(p, posting, &tables, out, &mut invariants)
        })?;
        reports.insert("ledger".to_string(), report);
        if let Some(checks) = checks {
            let (report, errors) = timed(timings, "flows", || flows_stage(checks, &books, out))?;
            reports.insert("flows".to_string(), report);
            if errors > 0 && p.fail_on.iter().any(|f| f == "violations") {
                failing.push(format!(
                    "{errors} account-rule violations of severity error (flows/violations.csv)"
                ));
            }
        }
        if let Some(items) = items {
            let (report, unreconciled) = timed(timings, "reconcile", || {
                reconcile_stage(p, items, &books, out, &mut invariants)
            })?;
            reports.insert("reconcile".to_string(), report);
            if !unreconciled.is_empty() && p.fail_on.iter().any(|f| f == "unreconciled") {
                failing.push(format!(
                    "unreconciled accounts (reconcile/adjustment.csv): {}",
                    unreconciled.join(", ")
                ));
            }
        }
        if let Some(drafting) = drafting {
            let b = timed(timings, "budget", || {
                budget_stage(p, drafting, &statements, &books, out, &mut invariants)
            })?;
            reports.insert("budget".to_string(), crate::budget::summary(&b));
            budget = Some(b);
        }
        // After the budget: the public report shows its approved and drafted totals.
        if let (Some(census), Some(levels)) = (census, levels) {
            let plans = budget
                .as_ref()
                .map(crate::disclose::plans::plans)
                .unwrap_or_default();
            let report = timed(timings, "disclose", || {
                disclose_stage(p, census, levels, &statements, &books, &plans, out)
            })?;
            reports.insert("disclose".to_string(), report);
        }
    }
    let broken: Vec<String> = invariants
        .iter()
        .filter(|i| !i.holds)
        .map(|i| format!("{}: {}", i.name, i.detail))
        .collect();
    ensure_invariant!(
        broken.is_empty(),
        "invariants broken: {}",
        broken.join(" | ")
    );

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
        stages: reports,
        outputs,
        timings_ms: timings.clone(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    out.write("manifest.json", &json)?;
    Ok(RunOutcome {
        output: p.output_path.clone(),
        rows_read: tables.iter().map(|t| t.rows.read).sum(),
        rows_rejected: tables.iter().map(|t| t.rows.rejected).sum(),
        failing_findings: failing,
        budget,
    })
}

/// Posts the books, writes `ledger/`, checks the books' invariants and that every accepted
/// row was posted (or left out by the pipeline's selection) once, with its full amount.
fn ledger_stage(
    p: &Pipeline,
    posting: ledger::Posting,
    tables: &[TableResult],
    out: &mut OutputDir,
    invariants: &mut Vec<Invariant>,
) -> Result<(ledger::Books, Vec<FundStatement>, serde_json::Value)> {
    use crate::ledger::statements as st;
    let postings = match p.ledger.trace {
        true => Some(out.path("ledger/postings.parquet")?),
        false => None,
    };
    let books = posting.finish(
        tables,
        &out.path("ledger/journal.parquet")?,
        postings.as_deref(),
    )?;
    let statements = st::fund_statements(&books);
    out.write("ledger/trial_balance.csv", &st::trial_balance_csv(&books))?;
    out.write(
        "ledger/fund_statement.csv",
        &st::fund_statement_csv(&statements),
    )?;
    out.write("ledger/sub_funds.csv", &st::sub_funds_csv(&books))?;
    out.write("ledger/balances.csv", &st::balances_csv(&books))?;
    out.write(
        "ledger/balance_sheet.csv",
        &st::balance_sheet_csv(&books, &statements),
    )?;
    crate::report::xlsx::fund_statement(
        &out.path("ledger/fund_statement.xlsx")?,
        p.year,
        &statements,
        &books,
    )?;
    for c in st::check(&books, &statements) {
        let detail = if c.failures.is_empty() {
            format!("{} funds", books.funds.len())
        } else {
            c.failures.join("; ")
        };
        invariants.push(Invariant {
            name: c.name.to_string(),
            holds: c.failures.is_empty(),
            detail,
        });
    }
    let mut posted = serde_json::Map::new();
    for t in tables {
        let Some(taken) = books.taken.get(&t.table) else {
            continue;
        };
        let accepted: i128 = match t.table {
            Table::Contributions => ["employer_amount", "individual_amount", "late_fee"]
                .iter()
                .map(|c| t.amounts[c].accepted)
                .sum(),
            Table::OpeningBalances => t.amounts["book"].accepted,
            Table::SubFundBalances => t.amounts["opening"].accepted,
            _ => t.amounts["amount"].accepted,
        };
        let rows_ok = (taken.rows + taken.skipped_rows) as i128 == t.rows.accepted;
        let amount_ok = taken.amount + taken.skipped_amount == accepted;
        invariants.push(Invariant {
            name: format!(
                "ledger: every accepted {} row posted once, with its amount",
                t.table.name()
            ),
            holds: rows_ok && amount_ok,
            detail: format!(
                "{} rows posted + {} outside the selection = {} accepted; {} + {} = {}",
                taken.rows,
                taken.skipped_rows,
                t.rows.accepted,
                yuan(taken.amount),
                yuan(taken.skipped_amount),
                yuan(accepted)
            ),
        });
        posted.insert(
            t.table.name().to_string(),
            serde_json::json!({
                "rows": taken.rows, "amount": yuan(taken.amount),
                "outside_selection_rows": taken.skipped_rows, "outside_selection_amount": yuan(taken.skipped_amount),
            }),
        );
    }
    let report = serde_json::json!({
        "funds": books.funds.len(),
        "vouchers": books.vouchers,
        "journal_lines": books.journal_lines,
        "journal_debit": yuan(books.journal_debit),
        "journal_credit": yuan(books.journal_credit),
        "posted": posted,
        // Funds kept in parts whose opening split `sub_fund_balances` does not give: their
        // whole opening balance was taken as 统筹基金 `pooled` (SPEC §2).
        "opening_all_pooled": books
            .funds_without_opening_split()
            .iter()
            .map(|f| format!("{}/{}", f.0, f.1))
            .collect::<Vec<_>>(),
    });
    Ok((books, statements, report))
}

/// Matches books to statements; writes `reconcile/`. Returns the report and the accounts whose
/// adjusted balances differ.
fn reconcile_stage(
    p: &Pipeline,
    items: reconcile::Items,
    books: &ledger::Books,
    out: &mut OutputDir,
    invariants: &mut Vec<Invariant>,
) -> Result<(serde_json::Value, Vec<String>)> {
    let r = reconcile::run(p, items, books, p.reconcile.window_days)?;
    out.write("reconcile/unmatched.csv", &reconcile::unmatched_csv(&r))?;
    crate::engine::write_parquet(
        &out.path("reconcile/matches.parquet")?,
        reconcile::matches_frame(&r),
    )
    .map_err(Error::Internal)?;
    out.write("reconcile/monthly.csv", &reconcile::monthly_csv(&r))?;
    out.write("reconcile/adjustment.csv", &reconcile::adjustment_csv(&r))?;
    crate::report::xlsx::reconcile(&out.path("reconcile/reconcile.xlsx")?, p.year, &r)?;
    let disagree: Vec<String> = r
        .accounts
        .iter()
        .filter(|a| !a.book_items_agree)
        .map(|a| format!("{}/{}/{}", a.key.0, a.key.1, a.key.2.key()))
        .collect();
    invariants.push(Invariant {
        name: "reconcile: book items of each account sum to the ledger's movement of that account"
            .into(),
        holds: disagree.is_empty(),
        detail: if disagree.is_empty() {
            format!("{} accounts", r.accounts.len())
        } else {
            disagree.join(", ")
        },
    });
    let unreconciled = reconcile::unreconciled(&r)
        .iter()
        .map(|a| format!("{}/{}/{}", a.key.0, a.key.1, a.key.2.key()))
        .collect();
    Ok((reconcile::summary(&r), unreconciled))
}

/// Drafts next year's budget; writes `budget/`.
fn budget_stage(
    p: &Pipeline,
    drafting: crate::budget::Drafting,
    statements: &[FundStatement],
    books: &ledger::Books,
    out: &mut OutputDir,
    invariants: &mut Vec<Invariant>,
) -> Result<crate::budget::Budget> {
    use crate::budget;
    let b = drafting.finish(statements, books)?;
    out.write("budget/draft.csv", &budget::draft_csv(&b))?;
    out.write(
        "budget/draft_sub_funds.csv",
        &budget::draft_sub_funds_csv(&b),
    )?;
    out.write("budget/basis.csv", &budget::basis_csv(&b))?;
    if p.horizon > 0 {
        out.write("budget/projection.csv", &budget::projection_csv(&b))?;
    }
    if !b.approved.is_empty() {
        out.write(
            "budget/execution.csv",
            &budget::execution_csv(&b, statements),
        )?;
    }
    crate::report::xlsx::budget(&out.path("budget/draft.xlsx")?, &b)?;
    invariants.push(Invariant {
        name: "budget: every person row projected, deceased, transferred out or excluded with a reason".into(),
        holds: b.accounted,
        detail: format!(
            "{} rows: {} projected, excluded {:?}",
            b.person_rows, b.members, b.excluded
        ),
    });
    let unfooted: Vec<String> = b
        .funds
        .iter()
        .filter(|f| !budget::foots(&f.draft))
        .map(|f| format!("{}/{}", f.fund.0, f.fund.1))
        .collect();
    let unsplit: Vec<String> = b
        .funds
        .iter()
        .filter(|f| !budget::parts::foot(&f.draft, &f.parts))
        .map(|f| format!("{}/{}", f.fund.0, f.fund.1))
        .collect();
    invariants.push(Invariant {
        name: "budget: the parts of a fund's draft add up to the draft, item by item and in the balances (分账预算)".into(),
        holds: unsplit.is_empty(),
        detail: if unsplit.is_empty() {
            format!("{} funds kept in parts", b.funds.iter().filter(|f| !f.parts.is_empty()).count())
        } else {
            unsplit.join(", ")
        },
    });
    invariants.push(Invariant {
        name: "budget: items sum to the totals and opening + surplus = closing, to the fen".into(),
        holds: unfooted.is_empty(),
        detail: if unfooted.is_empty() {
            format!("{} funds", b.funds.len())
        } else {
            unfooted.join(", ")
        },
    });
    Ok(b)
}

/// Publishes the disclosure measures, consolidated across levels; writes `disclose/`.
fn disclose_stage(
    p: &Pipeline,
    census: crate::census::Census,
    levels: consolidate::InterLevels,
    statements: &[FundStatement],
    books: &ledger::Books,
    plans: &BTreeMap<crate::model::FundId, crate::disclose::plans::Plans>,
    out: &mut OutputDir,
) -> Result<serde_json::Value> {
    use crate::disclose;
    let min = p.disclose.min_persons;
    let publication = disclose::publish(p, census, levels, statements, books);
    let unnamed = publication.unnamed_regions();
    let disclose::Publication {
        measures,
        eliminations,
        rows,
    } = publication;
    let json = disclose::disclosure_json(p.year, min, &measures, plans);
    out.write("disclose/disclosure.json", json.as_bytes())?;
    out.write(
        "disclose/disclosure.csv",
        &disclose::disclosure_csv(&measures, plans),
    )?;
    let dp = serde_json::to_vec_pretty(&disclose::datapackage(p.year))
        .map_err(|e| Error::Internal(e.to_string()))?;
    out.write("disclose/datapackage.json", &dp)?;
    out.write(
        "disclose/disclosure.html",
        disclose::html::report(p.year, min, &measures, &rows, plans).as_bytes(),
    )?;
    crate::report::xlsx::disclosure(
        &out.path("disclose/disclosure.xlsx")?,
        p.year,
        min,
        &measures,
        &rows,
        plans,
    )?;
    out.write(
        "disclose/consolidated.csv",
        &consolidate::consolidated_csv(&rows, min),
    )?;
    out.write(
        "disclose/eliminations.csv",
        &consolidate::eliminations_csv(&eliminations),
    )?;
    let unmatched = eliminations.iter().filter(|e| !e.matched()).count();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    let mut in_transit = 0i128;
    for e in &eliminations {
        let Some(reason) = e.reason() else { continue };
        *by_reason.entry(reason.key()).or_default() += 1;
        if reason.in_transit() {
            in_transit += e.amount as i128;
        }
    }
    Ok(serde_json::json!({
        "funds": measures.len(),
        "inter_level_window_days": p.consolidate.window_days,
        "inter_level_pairs_eliminated": eliminations.len() - unmatched,
        "inter_level_unmatched": unmatched,
        "inter_level_unmatched_by_reason": by_reason,
        "inter_level_in_transit_amount": yuan(in_transit),
        "suppression_min_persons": min,
        "funds_with_approved_budget": plans.values().filter(|x| x.approved.is_some()).count(),
        "funds_with_next_year_budget": plans.values().filter(|x| x.draft.is_some()).count(),
        "region_names": disclose::regions::SOURCE,
        // warning: these codes are published without a name (not in data/regions/gbt2260.csv)
        "regions_without_name": unnamed,
    }))
}

/// Judges the account flows; writes `flows/`. Returns the report and the number of errors.
fn flows_stage(
    checks: flows::Checks,
    books: &ledger::Books,
    out: &mut OutputDir,
) -> Result<(serde_json::Value, usize)> {
    let findings = checks.finish(books);
    out.write(
        "flows/violations.csv",
        &flows::violations_csv(&findings.violations),
    )?;
    out.write(
        "flows/overpayments.csv",
        &flows::overpayments_csv(&findings.overpayments),
    )?;
    let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
    for v in &findings.violations {
        *by_rule.entry(v.rule.to_string()).or_default() += 1;
    }
    let errors = findings
        .violations
        .iter()
        .filter(|v| v.severity == "error")
        .count();
    let overpaid: i128 = findings.overpayments.iter().map(|o| o.amount as i128).sum();
    let report = serde_json::json!({
        "violations_by_rule": by_rule,
        "errors": errors,
        "overpayments": findings.overpayments.len(),
        "overpaid_amount": yuan(overpaid),
    });
    Ok((report, errors))
}
