//! Command-line arguments (clap derive), parsed into [`Sweep`]s and
//! options. Every flag can also come from a `BAKEOFF_*` variable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};

use bakeoff::reports::{Lang, RenderOptions, Style};
use bakeoff::serve::{self, ServeConfig, ServerKind};
use bakeoff::Sweep;

/// Run identical workloads under threads, process pools and async
/// runtimes; verify every model computed the same answer; report.
#[derive(Debug, Parser)]
#[command(name = "bakeoff", version, about)]
pub struct Cli {
    /// What to do (default: `run`, which runs the `quick` suite).
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The subcommand given, or `run` with no flags when there is none:
    /// parsed by clap like `bakeoff run`, so its defaults and `BAKEOFF_*`
    /// variables apply exactly as they do there (one source of defaults).
    pub fn command_or_run(self) -> Command {
        self.command.unwrap_or_else(|| {
            match Cli::try_parse_from(["bakeoff", "run"]) {
                Ok(Cli { command: Some(run) }) => run,
                Ok(Cli { command: None }) => unreachable!("`run` parses as the run subcommand"),
                // A bad BAKEOFF_* value: the same message `bakeoff run` prints.
                Err(e) => e.exit(),
            }
        })
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a suite or an ad-hoc sweep (the default).
    Run(Box<RunArgs>),
    /// List workloads and runners with their parameters.
    List,
    /// Render the HTML report, figures and summary.md from results files.
    Report(ReportArgs),
    /// Run the course suite and write the course deck: every claim of
    /// the course texts measured on this machine, with a verdict.
    Course(CourseArgs),
    /// Compare two runs case by case (throughput or CPU time, p99
    /// latency, peak memory), or run two builds interleaved and compare
    /// them (`--base BIN --new BIN`).
    Compare(Box<CompareArgs>),
    /// Run a TCP peer for IO workloads (echo or http) until SIGTERM, Ctrl-C
    /// or the end of stdin; prints one ready line with its address.
    Serve(ServeArgs),
    /// Run one case from JSON on stdin (what the orchestrator starts).
    #[command(hide = true)]
    Case,
    /// Print the JSON Schema of results.json.
    #[command(hide = true)]
    Schema,
}

/// `bakeoff run`. A comma list on any axis flag is a sweep axis.
///
/// It has no `Default`: Rust's would bypass clap's `default_value_t` and
/// the `BAKEOFF_*` variables. Bare `bakeoff` gets its arguments from
/// [`Cli::command_or_run`], which parses `run` with no flags.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Built-in suite (smoke, quick, standard, course, course-quick) or a suite file; default quick.
    #[arg(long, env = "BAKEOFF_SUITE", conflicts_with = "workload")]
    pub suite: Option<String>,
    /// Workload ids, comma-separated (an ad-hoc sweep instead of a suite).
    #[arg(long, short = 'w', env = "BAKEOFF_WORKLOAD")]
    pub workload: Option<String>,
    /// Runner ids, comma-separated, or `all`, `rust` (every Rust runner) or `cpython` (every py-* runner) (default: all).
    #[arg(long, short = 'r', env = "BAKEOFF_RUNNER")]
    pub runner: Option<String>,
    /// Worker counts, e.g. 1,2,4 (default: available cores).
    #[arg(long, env = "BAKEOFF_WORKERS")]
    pub workers: Option<String>,
    /// Tasks per batch, e.g. 100,1000 (default: the workload's).
    #[arg(long, env = "BAKEOFF_TASKS")]
    pub tasks: Option<String>,
    /// Tasks in flight at most, e.g. 1,100 (default: the whole batch).
    #[arg(long, env = "BAKEOFF_CONCURRENCY")]
    pub concurrency: Option<String>,
    /// A workload or runner parameter, `key=value` or `key=v1,v2` (repeatable;
    /// in the environment, separate several with spaces).
    #[arg(
        long = "set",
        value_name = "KEY=VALUE",
        env = "BAKEOFF_SET",
        value_delimiter = ' '
    )]
    pub set: Vec<String>,
    /// Process pools: times a task whose worker died is run again on a
    /// fresh worker (same as `--set retry=N`).
    #[arg(long, env = "BAKEOFF_RETRY")]
    pub retry: Option<usize>,
    /// Process pools: seconds a task may run before its worker is killed
    /// and replaced (same as `--set task_timeout=S`).
    #[arg(long, env = "BAKEOFF_TASK_TIMEOUT")]
    pub task_timeout: Option<f64>,
    /// IO workloads that talk to a server: send their requests to a
    /// `bakeoff serve` already running at HOST:PORT instead of the one the
    /// run starts (same as `--set target=HOST:PORT`).
    #[arg(long, env = "BAKEOFF_TARGET", value_name = "HOST:PORT")]
    pub target: Option<String>,
    /// Exactly this many measured repetitions per case, instead of
    /// repeating until the median is known to --precision (default: the
    /// suite's rule, else 6 to 30 repetitions to ±2 % within 3 s a case);
    /// each still lasts the suite's --rep-time (give --rep-time 0 for one
    /// batch each).
    #[arg(long, env = "BAKEOFF_REPS")]
    pub reps: Option<usize>,
    /// The time a repetition should last at least: each case runs as many
    /// batches per repetition as that takes, timed from its warm-up, e.g.
    /// 100ms (0: one batch per repetition; default: the suite's, else 100ms).
    #[arg(long, env = "BAKEOFF_REP_TIME", value_name = "DURATION")]
    pub rep_time: Option<String>,
    /// Repeat a case until the 95 % interval of its median throughput is
    /// this narrow, as a fraction of the median (0.02 = ±2 %).
    #[arg(long, env = "BAKEOFF_PRECISION")]
    pub precision: Option<f64>,
    /// Time a case's repetitions may take before repeating stops (after
    /// --min-reps), e.g. 3s.
    #[arg(long, env = "BAKEOFF_BUDGET", value_name = "DURATION")]
    pub budget: Option<String>,
    /// Fewest repetitions per case under the stopping rule (default 6).
    #[arg(long, env = "BAKEOFF_MIN_REPS")]
    pub min_reps: Option<usize>,
    /// Most repetitions per case under the stopping rule (default 30).
    #[arg(long, env = "BAKEOFF_MAX_REPS")]
    pub max_reps: Option<usize>,
    /// Times each case starts its runner (default: the suite's, else 1):
    /// the extra starts, each stopped again, come before the one that runs
    /// the batches, and every start-up is recorded, so start-up gets a
    /// median and its interval.
    #[arg(long, env = "BAKEOFF_STARTS")]
    pub starts: Option<usize>,
    /// Before each case, wait until the machine is quiet (other processes
    /// and the hypervisor take under 10 % and 2 % of the cores over half a
    /// second), for at most this many seconds; then run it anyway and say
    /// so.
    #[arg(long, env = "BAKEOFF_WAIT_QUIET", value_name = "SECONDS", num_args = 0..=1, default_missing_value = "60")]
    pub wait_quiet: Option<f64>,
    /// Warm-up batches per case (default: the suite's, else 1).
    #[arg(long, env = "BAKEOFF_WARMUP")]
    pub warmup: Option<usize>,
    /// Seed for task lists.
    #[arg(long, env = "BAKEOFF_SEED")]
    pub seed: Option<u64>,
    /// Output directory (default: target/bakeoff/runs/<timestamp>). One
    /// that already holds results is refused, unless --force.
    #[arg(long, env = "BAKEOFF_OUT")]
    pub out: Option<PathBuf>,
    /// Replace the run an --out directory already holds, whole: its
    /// results, report and figures are removed first (nothing else there).
    #[arg(long, env = "BAKEOFF_FORCE", value_parser = clap::builder::FalseyValueParser::new())]
    pub force: bool,
    /// Seconds a case may run before it is killed and recorded as failed.
    #[arg(long, env = "BAKEOFF_CASE_TIMEOUT", default_value_t = 600.0)]
    pub case_timeout: f64,
    /// No progress lines and no summary table.
    #[arg(long, short = 'q', env = "BAKEOFF_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
    /// Print the planned cases, one id per line, and the options they run
    /// with, and run nothing.
    #[arg(long, env = "BAKEOFF_PLAN", value_parser = clap::builder::FalseyValueParser::new())]
    pub plan: bool,
    /// How the report is drawn.
    #[command(flatten)]
    pub look: LookArgs,
}

impl RunArgs {
    /// What the command line says about repetitions.
    pub fn repeat_settings(&self) -> Result<bakeoff::RepeatSettings> {
        let duration = |flag: &str, v: &Option<String>| -> Result<Option<std::time::Duration>> {
            match v {
                None => Ok(None),
                Some(v) => bakeoff::workloads::io::parse_duration(v)
                    .map(Some)
                    .map_err(|e| anyhow::anyhow!("--{flag} {v}: {e}")),
            }
        };
        Ok(bakeoff::RepeatSettings {
            reps: self.reps,
            warmup: self.warmup,
            seed: self.seed,
            target: duration("rep-time", &self.rep_time)?,
            precision: self.precision,
            budget: duration("budget", &self.budget)?,
            min_reps: self.min_reps,
            max_reps: self.max_reps,
            starts: self.starts,
        })
    }

    /// `--wait-quiet`'s longest wait, checked.
    pub fn wait_quiet(&self) -> Result<Option<std::time::Duration>> {
        match self.wait_quiet {
            None => Ok(None),
            Some(s) if s.is_finite() && s >= 0.0 => Ok(Some(std::time::Duration::from_secs_f64(s))),
            Some(s) => {
                bail!("--wait-quiet {s} is invalid: give the longest wait in seconds, e.g. 60")
            }
        }
    }
}

/// How a report looks, for `run` and `report`.
#[derive(Debug, clap::Args)]
pub struct LookArgs {
    /// Figures for the screen (960×540) or for slides (`course`: 1920×1080,
    /// large type, thick lines, titles that state the finding).
    #[arg(
        long,
        env = "BAKEOFF_STYLE",
        default_value_t,
        value_name = "screen|course"
    )]
    pub style: Style,
    /// Language of titles, axes, legends, captions and headings.
    #[arg(long, env = "BAKEOFF_LANG", default_value_t, value_name = "en|ru")]
    pub lang: Lang,
    /// Open index.html in the desktop's browser when it is written.
    #[arg(long)]
    pub open: bool,
}

impl LookArgs {
    /// The reports crate's options.
    pub fn options(&self) -> RenderOptions {
        RenderOptions {
            style: self.style,
            lang: self.lang,
        }
    }
}

/// `bakeoff report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Results files; runs from several machines merge into one report,
    /// grouped by machine.
    #[arg(required_unless_present = "criterion", value_name = "RESULTS.json")]
    pub results: Vec<PathBuf>,
    /// Add a "Primitives" section from criterion's saved estimates
    /// (`cargo bench` writes them to target/criterion).
    #[arg(long, env = "BAKEOFF_CRITERION", value_name = "DIR")]
    pub criterion: Option<PathBuf>,
    /// Output directory (default: the directory of the first results
    /// file; with only --criterion, `bakeoff-primitives` beside DIR). One
    /// that holds another run's results is refused, unless --force.
    #[arg(long, env = "BAKEOFF_REPORT_OUT")]
    pub out: Option<PathBuf>,
    /// Write the report into --out even though it holds the results of a
    /// run that is not being reported (they are removed first).
    #[arg(long, env = "BAKEOFF_FORCE", value_parser = clap::builder::FalseyValueParser::new())]
    pub force: bool,
    /// Render the course deck (index.html, slides/, verdicts.json) from
    /// the first results file instead of the report; `--lang` applies,
    /// `--style` does not (slides are always 1920×1080).
    #[arg(long, conflicts_with = "criterion")]
    pub course: bool,
    /// How the report is drawn.
    #[command(flatten)]
    pub look: LookArgs,
}

/// `bakeoff course`.
#[derive(Debug, clap::Args)]
pub struct CourseArgs {
    /// The reduced course suite (`course-quick`: at most 3 minutes on 2
    /// cores) instead of the full one (`course`: at most 20).
    #[arg(long, env = "BAKEOFF_COURSE_QUICK", value_parser = clap::builder::FalseyValueParser::new())]
    pub quick: bool,
    /// Language of the deck: every word, number and unit.
    #[arg(long, env = "BAKEOFF_LANG", default_value_t, value_name = "en|ru")]
    pub lang: Lang,
    /// Output directory (default: a new target/bakeoff/runs/<timestamp>/);
    /// one that holds another run's results is refused, unless --force.
    #[arg(long, env = "BAKEOFF_OUT")]
    pub out: Option<PathBuf>,
    /// Write into --out even though it holds another run's results.
    #[arg(long, env = "BAKEOFF_FORCE", value_parser = clap::builder::FalseyValueParser::new())]
    pub force: bool,
    /// No progress bar and no summary table.
    #[arg(long, short = 'q', env = "BAKEOFF_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
    /// Open the deck's index.html in the desktop's browser when written.
    #[arg(long)]
    pub open: bool,
}

/// `bakeoff compare`: two results files, or two programs run interleaved.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The baseline results file (without --base/--new).
    #[arg(value_name = "BASE.json", required_unless_present = "base_program")]
    pub base: Option<PathBuf>,
    /// The results file to compare with it.
    #[arg(value_name = "NEW.json", required_unless_present = "base_program")]
    pub new: Option<PathBuf>,
    /// Instead of two results files: the baseline program (a bakeoff
    /// binary, or a program that embeds bakeoff), whose case children
    /// measure every case of the run options below, their repetitions
    /// alternating with --new's (ABAB) on the same machine at the same time.
    #[arg(
        long = "base",
        value_name = "BIN",
        requires = "new_program",
        conflicts_with_all = ["base", "new"]
    )]
    pub base_program: Option<PathBuf>,
    /// The program to compare with --base.
    #[arg(long = "new", value_name = "BIN", requires = "base_program")]
    pub new_program: Option<PathBuf>,
    /// The run options (suite, workloads, runners, repetitions…) for
    /// --base/--new. Its --out is the run's directory (base/ and new/
    /// results, compare.md, compare.json); with two results files, --out
    /// is where compare.md is written (default: beside NEW.json), with
    /// compare.json beside it.
    #[command(flatten)]
    pub run: RunArgs,
    /// Print the comparison as JSON on stdout (for scripts and CI) instead
    /// of the markdown; progress and paths go to stderr.
    #[arg(long)]
    pub json: bool,
}

/// `bakeoff serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The protocol: `echo` (4-byte little-endian length, then the bytes,
    /// echoed back) or `http` (GET /words/{k}?n={bytes}; see docs/SERVE.md).
    #[arg(value_name = "KIND", value_parser = server_kind())]
    pub kind: ServerKind,
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, env = "BAKEOFF_SERVE_ADDR", default_value = serve::DEFAULT_ADDR)]
    pub addr: String,
    /// How long each reply is held back, standing in for a remote peer:
    /// e.g. 5ms, 250us, 1s, or 0.
    #[arg(long, env = "BAKEOFF_SERVE_DELAY", default_value = serve::DEFAULT_DELAY)]
    pub delay: String,
    /// Each reply waits delay ± jitter, uniformly (capped at the delay).
    #[arg(long, env = "BAKEOFF_SERVE_JITTER", default_value = serve::DEFAULT_JITTER)]
    pub jitter: String,
    /// Tokio worker threads.
    #[arg(long, env = "BAKEOFF_SERVE_THREADS", default_value_t = serve::DEFAULT_THREADS)]
    pub threads: usize,
}

/// The parser of `bakeoff serve KIND`: one of [`ServerKind::ALL`], listed
/// in `--help`.
fn server_kind() -> impl clap::builder::TypedValueParser<Value = ServerKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(ServerKind::ALL.map(ServerKind::as_str))
        .map(|raw| raw.parse::<ServerKind>().expect("a possible value parses"))
}

impl ServeArgs {
    /// The server these flags describe; errors name the flag and value.
    pub fn config(&self) -> Result<ServeConfig> {
        let Ok(addr) = self.addr.trim().parse() else {
            bail!(
                "--addr `{}` is not an IP address with a port: write e.g. 127.0.0.1:0 (any free port) or 127.0.0.1:8080",
                self.addr
            );
        };
        let duration = |flag: &str, raw: &str| {
            serve::parse_duration(raw).map_err(|e| anyhow::anyhow!("--{flag} {e}"))
        };
        Ok(ServeConfig {
            kind: self.kind,
            addr,
            delay: duration("delay", &self.delay)?,
            jitter: duration("jitter", &self.jitter)?,
            threads: self.threads,
        })
    }
}

fn list<T: std::str::FromStr>(flag: &str, raw: &str, what: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for part in raw.split(',') {
        let part = part.trim();
        if part.is_empty() {
            bail!("--{flag} `{raw}`: empty item in the list; write values separated by single commas, e.g. 1,2");
        }
        match part.parse() {
            Ok(v) => out.push(v),
            Err(_) => bail!("--{flag} `{raw}`: `{part}` is not {what}; write e.g. 1,2"),
        }
    }
    Ok(out)
}

fn words(flag: &str, raw: &str) -> Result<Vec<String>> {
    list::<String>(flag, raw, "a name")
}

impl RunArgs {
    /// The ad-hoc sweep these flags describe (None when a suite runs).
    pub fn sweep(&self) -> Result<Option<Sweep>> {
        let Some(workload) = &self.workload else {
            for (flag, given) in [
                ("runner", &self.runner),
                ("workers", &self.workers),
                ("tasks", &self.tasks),
                ("concurrency", &self.concurrency),
            ] {
                if given.is_some() {
                    bail!("--{flag} needs --workload: name the workload to sweep (or put the sweep in a suite file)");
                }
            }
            if !self.set.is_empty()
                || self.retry.is_some()
                || self.task_timeout.is_some()
                || self.target.is_some()
            {
                bail!("--set, --retry, --task-timeout and --target need --workload: name the workload to sweep (or put the parameter in a suite file)");
            }
            return Ok(None);
        };
        let mut set: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for kv in &self.set {
            let Some((k, v)) = kv.split_once('=') else {
                bail!("--set `{kv}`: expected KEY=VALUE, e.g. --set cpu=offload");
            };
            set.entry(k.trim().to_string())
                .or_default()
                .extend(words("set", v)?);
        }
        if let Some(n) = self.retry {
            set.insert("retry".into(), vec![n.to_string()]);
        }
        if let Some(t) = &self.target {
            t.parse::<std::net::SocketAddr>().map_err(|e| {
                anyhow::anyhow!(
                    "--target `{t}`: {e}; write HOST:PORT with a numeric host, e.g. 127.0.0.1:8080"
                )
            })?;
            set.insert("target".into(), vec![t.clone()]);
        }
        if let Some(s) = self.task_timeout {
            set.insert("task_timeout".into(), vec![s.to_string()]);
        }
        Ok(Some(Sweep {
            workloads: words("workload", workload)?,
            runners: self
                .runner
                .as_deref()
                .map(|r| words("runner", r))
                .transpose()?
                .unwrap_or_default(),
            workers: self
                .workers
                .as_deref()
                .map(|r| list("workers", r, "a whole number"))
                .transpose()?
                .unwrap_or_default(),
            tasks: self
                .tasks
                .as_deref()
                .map(|r| list("tasks", r, "a whole number"))
                .transpose()?
                .unwrap_or_default(),
            concurrency: self
                .concurrency
                .as_deref()
                .map(|r| list("concurrency", r, "a whole number"))
                .transpose()?
                .unwrap_or_default(),
            set,
            starts: None,
        }))
    }
}
