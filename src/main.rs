//! Command line: parse arguments, call a command, map the outcome to exit codes
//! 0 success · 1 findings asked to fail on · 2 bad input or config · 3 internal error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use sifund::config::Pipeline;
use sifund::error::{Error, Result};
use sifund::run::{self, partitioned, RunOutcome, Stage};

#[derive(Parser)]
#[command(
    name = "sifund",
    version,
    about = "Social insurance fund books, flow rules, reconciliation, budget and disclosure"
)]
struct Cli {
    /// Worker threads (default: all cores). Outputs do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every stage the pipeline file asks for.
    Run { pipeline: PathBuf },
    /// Check the dataset's schemas and rows; write rejects/ and manifest.json.
    Validate(StageArgs),
    /// Validate, then post the fund books: journal, trial balance, 收支表, balance sheet.
    Ledger(StageArgs),
    /// Ledger, then judge the account flows: violations and overpayments.
    Flows(StageArgs),
    /// Flows, then reconcile books with the fiscal and bank statements: 余额调节表.
    Reconcile(StageArgs),
    /// Reconcile, then next year's budget draft: draft, basis, execution, projection.
    Budget {
        #[command(flatten)]
        args: StageArgs,
        /// Print how one draft line was computed: REGION,SCHEME,ITEM (e.g. 440100,110,contribution).
        #[arg(long, value_name = "REGION,SCHEME,ITEM")]
        explain: Option<String>,
    },
    /// Ledger, then the public disclosure measures, consolidated across levels.
    Disclose(StageArgs),
    /// Write a synthetic dataset that follows SPEC §2.
    Generate(sifund::generate::GenerateArgs),
    /// Partitioned run, step 1 of 3: route a share of the input rows to their person groups.
    Map {
        pipeline: PathBuf,
        /// Work folder shared by every step (a path or file:// URL).
        #[arg(long)]
        work: String,
        /// How many map indices share the input (the Job's `completions`).
        #[arg(long)]
        slices: usize,
        /// This index, 0..slices (default: JOB_COMPLETION_INDEX).
        #[arg(long)]
        index: Option<usize>,
    },
    /// Partitioned run, step 2 of 3: the groups `g mod workers = index`, one partial each.
    Reduce {
        pipeline: PathBuf,
        #[arg(long)]
        work: String,
        /// How many reduce indices share the 65 groups (the Job's `completions`).
        #[arg(long)]
        workers: usize,
        /// This index, 0..workers (default: JOB_COMPLETION_INDEX).
        #[arg(long)]
        index: Option<usize>,
    },
    /// Partitioned run, step 3 of 3: fold every partial and write the pipeline's output.
    Merge {
        pipeline: PathBuf,
        #[arg(long)]
        work: String,
    },
}

/// A stage alone: from a pipeline file, or from --dataset/--year/--output.
#[derive(Args)]
struct StageArgs {
    pipeline: Option<PathBuf>,
    #[arg(long, conflicts_with = "pipeline", requires_all = ["year", "output"])]
    dataset: Option<PathBuf>,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    output: Option<PathBuf>,
}

impl StageArgs {
    fn pipeline(&self) -> Result<Pipeline> {
        match (&self.pipeline, &self.dataset, self.year, &self.output) {
            (Some(p), _, _, _) => Pipeline::load(p),
            (None, Some(d), Some(y), Some(o)) => Pipeline::from_args(d, y, o),
            _ => Err(Error::Config(
                "give a pipeline file, or --dataset, --year and --output".into(),
            )),
        }
    }
}

fn set_threads(n: Option<usize>) {
    if let Some(n) = n {
        // polars reads POLARS_MAX_THREADS when its pool starts; set it before any polars call.
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
}

fn stage(pipeline: Result<Pipeline>, stages: &[Stage]) -> Result<i32> {
    stage_explained(pipeline, stages, None)
}

/// The three parts of `--explain REGION,SCHEME,ITEM`.
fn explain_target(s: &str) -> Result<(String, String, String)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [r, sc, i] if !r.is_empty() && !sc.is_empty() && !i.is_empty() => {
            Ok((r.to_string(), sc.to_string(), i.to_string()))
        }
        _ => Err(Error::Config(format!(
            "--explain {s}: expected REGION,SCHEME,ITEM, e.g. 440100,110,contribution"
        ))),
    }
}

fn stage_explained(
    pipeline: Result<Pipeline>,
    stages: &[Stage],
    explain: Option<&str>,
) -> Result<i32> {
    let target = explain.map(explain_target).transpose()?;
    let p = pipeline?;
    let outcome = run::run(&p, stages)?;
    if let (Some((r, s, i)), Some(b)) = (&target, &outcome.budget) {
        match sifund::budget::explain(b, r, s, i) {
            Some(text) => println!("{text}"),
            None => {
                return Err(Error::Config(format!(
                    "--explain: no draft line {i} for region {r}, scheme {s} (see budget/draft.csv)"
                )))
            }
        }
    }
    Ok(report(outcome))
}

/// Prints a finished run's line and findings; its exit code (0, or 1 with failing findings).
fn report(outcome: RunOutcome) -> i32 {
    eprintln!(
        "sifund: {} rows read, {} rejected; outputs in {}",
        outcome.rows_read,
        outcome.rows_rejected,
        outcome.output.display()
    );
    if outcome.failing_findings.is_empty() {
        0
    } else {
        for f in &outcome.failing_findings {
            eprintln!("sifund: finding: {f}");
        }
        1
    }
}

/// glibc's malloc hands every block above its mmap threshold (128 KiB, raised on the fly) back
/// to the kernel when it is freed, and trims its heaps above 128 KiB free: the next column
/// buffer of the same size is then faulted in and zeroed again, page by page. A scan allocates
/// and frees such buffers for every slice; on the benchmark that zeroing was 40 % of the
/// partitioned run's map CPU and 1 s of the single run's. Fixed thresholds (32 MiB, the
/// largest glibc allows for mmap; 2 GiB for trimming) keep freed memory for reuse; the peak
/// resident size is unchanged, being reached anyway. Set before any thread starts.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before any other thread
    // exists, and a refused value (return 0) leaves glibc's defaults, which are correct too.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    set_threads(cli.threads);
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Run { pipeline } => stage(Pipeline::load(&pipeline), &Stage::ALL),
        Command::Validate(a) => stage(a.pipeline(), &Stage::Validate.with_needs()),
        Command::Ledger(a) => stage(a.pipeline(), &Stage::Ledger.with_needs()),
        Command::Flows(a) => stage(a.pipeline(), &Stage::Flows.with_needs()),
        Command::Reconcile(a) => stage(a.pipeline(), &Stage::Reconcile.with_needs()),
        Command::Budget { args, explain } => stage_explained(
            args.pipeline(),
            &Stage::Budget.with_needs(),
            explain.as_deref(),
        ),
        Command::Disclose(a) => stage(a.pipeline(), &Stage::Disclose.with_needs()),
        Command::Generate(a) => sifund::generate::generate(&a).map(|_| 0),
        Command::Map {
            pipeline,
            work,
            slices,
            index,
        } => partitioned::index_from_env(index).and_then(|i| {
            partitioned::map(&Pipeline::load(&pipeline)?, &work, slices, i).map(|_| 0)
        }),
        Command::Reduce {
            pipeline,
            work,
            workers,
            index,
        } => partitioned::index_from_env(index).and_then(|i| {
            partitioned::reduce(&Pipeline::load(&pipeline)?, &work, workers, i).map(|_| 0)
        }),
        Command::Merge { pipeline, work } => Pipeline::load(&pipeline)
            .and_then(|p| partitioned::merge(&p, &work))
            .map(report),
    });
    let code = match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("sifund: error: {e}");
            e.exit_code()
        }
        Err(_) => {
            eprintln!("sifund: internal error (panic); nothing was written");
            3
        }
    };
    ExitCode::from(code as u8)
}
