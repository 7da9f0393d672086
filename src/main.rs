//! The `bakeoff` command line.

mod cli;

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bakeoff::orchestrator::{self, RunOptions};
use bakeoff::runners::RunnerKind;
use bakeoff::suite::Suite;
use bakeoff::workloads::{ParamSpec, Registry, Runs};
use bakeoff::{Plan, Sweep};
use bakeoff_reports::{format, summary};
use clap::Parser;

use cli::{Cli, Command, CompareArgs, CourseArgs, ReportArgs, RunArgs, ServeArgs};

fn main() {
    let registry = Registry::builtin();
    // A case child started by the orchestrator: run the case and exit.
    if let Some(code) = bakeoff::child_entry(&registry) {
        std::process::exit(code);
    }
    let cli = Cli::parse();
    let code = match real_main(cli, &registry) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                0
            } else {
                eprintln!("error: {e:#}");
                2
            }
        }
    };
    std::process::exit(code);
}

fn real_main(cli: Cli, registry: &Registry) -> Result<i32> {
    match cli.command_or_run() {
        Command::List => {
            list(registry)?;
            Ok(0)
        }
        Command::Case => Ok(bakeoff::child::run_from_stdin(registry)),
        Command::Schema => {
            print!("{}", bakeoff::reports::Results::json_schema());
            Ok(0)
        }
        Command::Run(args) => run(*args, registry),
        Command::Report(args) => report(&args),
        Command::Course(args) => course(&args, registry),
        Command::Compare(args) => compare(&args, registry),
        Command::Serve(args) => serve(&args),
    }
}

/// `bakeoff serve`: runs the server until SIGTERM, Ctrl-C or stdin's end.
fn serve(args: &ServeArgs) -> Result<i32> {
    bakeoff::serve::run(&args.config()?)?;
    Ok(0)
}

/// `bakeoff compare`: compares two results files, or runs two programs'
/// case children interleaved and compares what they measured; prints the
/// comparison and writes it as compare.md.
fn compare(args: &CompareArgs, registry: &Registry) -> Result<i32> {
    let (base, new, labels, md_path) = match (&args.base_program, &args.new_program) {
        (Some(base_program), Some(new_program)) => {
            let plan = plan_of(&args.run, registry)?;
            let mut opts = run_options(&args.run)?;
            // With --json, stdout is the JSON alone.
            opts.progress &= !args.json;
            if !args.run.quiet {
                eprintln!(
                    "bakeoff compare: {} — {} cases, each measured by {} and {} in turn",
                    plan.name,
                    plan.cases.len(),
                    base_program.display(),
                    new_program.display()
                );
            }
            let (b, n) =
                orchestrator::run_interleaved(&plan, registry, &opts, base_program, new_program)?;
            let root = b
                .dir
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            eprintln!("results: {}", b.dir.join("results.json").display());
            eprintln!("results: {}", n.dir.join("results.json").display());
            let labels = (
                base_program.display().to_string(),
                new_program.display().to_string(),
            );
            (b.results, n.results, labels, root.join("compare.md"))
        }
        _ => {
            let (Some(base_path), Some(new_path)) = (&args.base, &args.new) else {
                bail!("give two results files (BASE.json NEW.json), or two programs with --base BIN --new BIN");
            };
            let base = bakeoff::reports::Results::read(base_path)?;
            let new = bakeoff::reports::Results::read(new_path)?;
            let out = args.run.out.clone().unwrap_or_else(|| {
                new_path
                    .parent()
                    .map(|p| p.join("compare.md"))
                    .unwrap_or_else(|| "compare.md".into())
            });
            let labels = (
                base_path.display().to_string(),
                new_path.display().to_string(),
            );
            (base, new, labels, out)
        }
    };
    let cmp = bakeoff::reports::compare::compare(&base, &new);
    let md = cmp.to_markdown(&labels.0, &labels.1);
    let json = cmp.to_json(&labels.0, &labels.1);
    if args.json {
        print!("{json}");
    } else {
        print!("{md}");
    }
    // The JSON takes the markdown's name with `.json` (compare.json by
    // default), never the markdown's own path.
    let mut json_path = md_path.with_extension("json");
    if json_path == md_path {
        json_path.as_mut_os_string().push(".json");
    }
    bakeoff::reports::render::write_atomic(&md_path, md.as_bytes())?;
    bakeoff::reports::render::write_atomic(&json_path, json.as_bytes())?;
    if args.json {
        eprintln!("compare: {} {}", md_path.display(), json_path.display());
    } else {
        println!(
            "
compare: {} {}",
            md_path.display(),
            json_path.display()
        );
    }
    Ok(match orchestrator::interrupt_signal() {
        Some(sig) if base.interrupted || new.interrupted => 128 + sig,
        _ => 0,
    })
}

/// `bakeoff report`: re-renders the report from results files alone.
fn report(args: &ReportArgs) -> Result<i32> {
    let sources = args
        .results
        .iter()
        .map(|p| bakeoff::reports::Source::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let primitives = match &args.criterion {
        Some(dir) => bakeoff::reports::criterion::read_dir(dir)?,
        None => Vec::new(),
    };
    let out = match (&args.out, args.results.first(), &args.criterion) {
        (Some(dir), _, _) => dir.clone(),
        (None, Some(first), _) => first.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
        (None, None, Some(dir)) => dir
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("bakeoff-primitives"),
        (None, None, None) => std::path::PathBuf::new(),
    };
    let out = if out.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        out
    };
    // A report beside another run's results would describe a run that is
    // not the one in its folder.
    if let Some(found) = bakeoff::existing_results(&out) {
        let reported = args.results.iter().any(|r| same_file(r, &found));
        if !reported {
            bakeoff::claim_dir(&out, args.force, "report --out")?;
        }
    }
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create output directory {}", out.display()))?;
    if args.course {
        let (source, rest) = match sources.split_first() {
            Some(split) => split,
            None => bail!("--course needs a results file: bakeoff report RESULTS.json --course"),
        };
        if !rest.is_empty() {
            bail!(
                "--course renders one run's deck, and {} results files were given: name one",
                sources.len()
            );
        }
        let report = out.join("report");
        let deck = bakeoff::reports::course::render_deck(
            &source.results,
            source.path.as_deref(),
            Some(&report),
            &out,
            args.look.lang,
        )?;
        println!("deck: {}", deck.index.display());
        if args.look.open {
            open(&deck.index);
        }
        return Ok(0);
    }
    let rendered =
        bakeoff::reports::render_report(&sources, &primitives, &out, args.look.options())?;
    println!("report: {}", rendered.index.display());
    if args.look.open {
        open(&rendered.index);
    }
    Ok(0)
}

/// `bakeoff course`: runs the course suite (or its quick form) like
/// `bakeoff run --suite course`, then writes the deck into the run's
/// folder and the full report of every case into its `report/`.
fn course(args: &CourseArgs, registry: &Registry) -> Result<i32> {
    let suite = if args.quick { "course-quick" } else { "course" };
    let mut argv: Vec<std::ffi::OsString> = vec![
        "bakeoff".into(),
        "run".into(),
        "--suite".into(),
        suite.into(),
    ];
    if let Some(out) = &args.out {
        argv.push("--out".into());
        argv.push(out.into());
    }
    if args.force {
        argv.push("--force".into());
    }
    if args.quiet {
        argv.push("--quiet".into());
    }
    let run_args = match Cli::try_parse_from(argv)?.command {
        Some(Command::Run(run)) => *run,
        _ => unreachable!("`run` parses as the run subcommand"),
    };
    let plan = plan_of(&run_args, registry)?;
    let opts = run_options(&run_args)?;
    if !args.quiet {
        println!("bakeoff course: {} — {} cases", plan.name, plan.cases.len());
    }
    let outcome = orchestrator::run(&plan, registry, &opts)?;
    if !args.quiet {
        println!("{}", summary::render(&outcome.results));
    }
    let results_file = outcome.dir.join("results.json");
    println!("results: {}", results_file.display());
    let options = bakeoff::reports::RenderOptions {
        lang: args.lang,
        ..Default::default()
    };
    let report = outcome.dir.join("report");
    if let Err(e) =
        bakeoff::reports::render(std::slice::from_ref(&outcome.results), &report, options)
    {
        eprintln!("warning: the full report was not written: {e}");
    }
    let deck = bakeoff::reports::course::render_deck(
        &outcome.results,
        Some(&results_file),
        Some(&report),
        &outcome.dir,
        args.lang,
    )?;
    for j in &deck.judgements {
        println!(
            "{} {:<12} {}",
            j.claim.id,
            j.outcome.word(args.lang),
            j.headline.replace('`', "")
        );
    }
    println!("deck: {}", deck.index.display());
    if args.open {
        open(&deck.index);
    }
    Ok(exit_code(&outcome))
}

/// A run's exit status: 128 + the signal that interrupted it, 1 when a
/// case failed, else 0.
fn exit_code(outcome: &orchestrator::RunOutcome) -> i32 {
    if outcome.results.interrupted {
        return 128 + orchestrator::interrupt_signal().unwrap_or(2);
    }
    let failed = outcome
        .results
        .cases
        .iter()
        .any(|c| c.status == bakeoff::reports::CaseStatus::Failed);
    i32::from(failed)
}

/// Whether `a` and `b` name the same file.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Opens `page` with the desktop's opener (`xdg-open`, or `open` on
/// macOS), waiting for the opener itself to return; says how to open it
/// by hand when there is none.
fn open(page: &std::path::Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener)
        .arg(page)
        .stdin(std::process::Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!(
            "warning: {opener} {} exited with {s}; open the file in a browser by hand",
            page.display()
        ),
        Err(e) => eprintln!(
            "warning: cannot run {opener} ({e}); open {} in a browser by hand",
            page.display()
        ),
    }
}

fn list(registry: &Registry) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "WORKLOADS")?;
    let one_at_a_time: Vec<&str> = RunnerKind::all()
        .filter(|k| k.one_task_at_a_time())
        .map(RunnerKind::id)
        .collect();
    for e in registry.iter() {
        let i = &e.info;
        writeln!(
            out,
            "  {:<14} {:<4} {}",
            i.id,
            i.kind.as_str(),
            i.description
        )?;
        let runs = match e.runs {
            Runs::Anywhere => String::new(),
            Runs::OneAtATime { why } => format!(
                "; one task at a time, under {} only: {why}",
                one_at_a_time.join(" or ")
            ),
        };
        writeln!(
            out,
            "  {:<14}      tasks = {} (default), available: yes{runs}",
            "", i.default_tasks
        )?;
        write_params(&mut out, 22, i.params)?;
    }
    writeln!(
        out,
        "\nRUNNERS (workers = available cores and concurrency = the whole batch unless set)"
    )?;
    for k in RunnerKind::all() {
        let i = k.info();
        let available = match k.available() {
            Ok(()) => "yes".to_string(),
            Err(why) => format!("no: {why}"),
        };
        writeln!(
            out,
            "  {:<16} {:<9} {}",
            i.id,
            i.family.as_str(),
            i.description
        )?;
        writeln!(
            out,
            "  {:<16}           available: {available}; {}",
            "", i.workers
        )?;
        write_params(&mut out, 29, i.params)?;
        if let Some(note) = i.note {
            writeln!(out, "  {:<16}           note: {note}", "")?;
        }
    }
    Ok(())
}

/// The plan the run options describe.
fn plan_of(args: &RunArgs, registry: &Registry) -> Result<Plan> {
    let settings = args.repeat_settings()?;
    let plan = match args.sweep()? {
        Some(sweep) => Plan::build("ad-hoc", registry, &[sweep], settings.resolve()?)?,
        None => {
            let suite = Suite::load(args.suite.as_deref().unwrap_or("quick"))?;
            // `--starts` speaks for every case, over a sweep's own.
            let cli_starts = settings.starts.is_some();
            let repeat = suite.repeat(settings)?;
            let file = args.suite.clone().unwrap_or_else(|| "quick".into());
            // Validate sweep by sweep so an error names its line.
            for (line, sweep) in &suite.sweeps {
                Plan::build(&suite.name, registry, std::slice::from_ref(sweep), repeat)
                    .with_context(|| format!("{file}:{line}: in this [[sweep]]"))?;
            }
            let sweeps: Vec<_> = suite
                .sweeps
                .iter()
                .map(|(_, s)| Sweep {
                    starts: s.starts.filter(|_| !cli_starts),
                    ..s.clone()
                })
                .collect();
            Plan::build(&suite.name, registry, &sweeps, repeat)?
        }
    };
    Ok(plan)
}

/// How the run options say to run.
fn run_options(args: &RunArgs) -> Result<RunOptions> {
    if !(args.case_timeout > 0.0 && args.case_timeout.is_finite()) {
        bail!(
            "--case-timeout {} is invalid: give a positive number of seconds, e.g. 600",
            args.case_timeout
        );
    }
    if let Some(dir) = &args.out {
        bakeoff::check_out_dir(dir, args.force)?;
    }
    Ok(RunOptions {
        out: args.out.clone(),
        case_timeout: Duration::from_secs_f64(args.case_timeout),
        progress: !args.quiet,
        force: args.force,
        wait_quiet: args.wait_quiet()?,
    })
}

fn run(args: RunArgs, registry: &Registry) -> Result<i32> {
    let plan = plan_of(&args, registry)?;
    let estimate = plan.estimate();
    if estimate.is_large() {
        eprintln!("{}", large_plan_warning(&estimate));
    }
    if args.plan {
        for case in &plan.cases {
            println!("{}", case.id());
        }
        println!("{}", plan_options(&plan, &args));
        println!(
            "estimate: {} repetitions in all, results.json about {}, at least {} of the harness's own time; {} runner start-ups",
            estimate.repetitions,
            format::bytes(estimate.results_bytes as f64),
            format::duration(estimate.min_time.as_secs_f64()),
            estimate.startups
        );
        println!("{}: {} cases", plan.name, plan.cases.len());
        return Ok(0);
    }
    let opts = run_options(&args)?;
    if !args.quiet {
        println!("bakeoff: {} — {} cases", plan.name, plan.cases.len());
    }
    let outcome = orchestrator::run(&plan, registry, &opts)?;
    if !args.quiet {
        println!("{}", summary::render(&outcome.results));
    }
    println!("results: {}", outcome.dir.join("results.json").display());
    match bakeoff::write_report(&outcome, args.look.options()) {
        Ok(index) => {
            println!("report: {}", index.display());
            if args.look.open {
                open(&index);
            }
        }
        Err(e) => eprintln!("warning: the report was not written: {e}"),
    }
    if outcome.results.interrupted {
        eprintln!(
            "interrupted by {}: {} of {} cases finished and are saved",
            match orchestrator::interrupted_by() {
                Some("SIGINT") | None => "Ctrl-C (SIGINT)",
                Some(other) => other,
            },
            outcome.results.cases.len(),
            plan.cases.len()
        );
    }
    Ok(exit_code(&outcome))
}

/// The warning for a plan that runs long or writes a large file before it
/// has measured anything worth that.
fn large_plan_warning(e: &bakeoff::plan::Estimate) -> String {
    format!(
        "warning: this plan runs {} repetitions ({} batches with warm-ups): results.json will be about {} and the run takes at least {}; lower --reps (see --plan) unless you mean it",
        e.repetitions,
        e.batches,
        format::bytes(e.results_bytes as f64),
        format::duration(e.min_time.as_secs_f64())
    )
}

/// The options a plan runs with, in one line for `--plan`: what the case
/// ids do not show but a run depends on.
fn plan_options(plan: &Plan, args: &RunArgs) -> String {
    let distinct = |values: Vec<usize>| {
        let mut v = values;
        v.sort_unstable();
        v.dedup();
        v.iter().map(usize::to_string).collect::<Vec<_>>().join("/")
    };
    let reps = match plan.cases.first().and_then(|c| c.until.map(|u| (c, u))) {
        Some((c, u)) => format!(
            "{}–{} until the median is known to ±{} % or {} is spent, each of at least {}",
            u.min_reps,
            c.reps,
            u.precision * 100.0,
            format::duration(u.budget_ns as f64 / 1e9),
            format::duration(c.target_ns as f64 / 1e9)
        ),
        None => distinct(plan.cases.iter().map(|c| c.reps).collect()),
    };
    let warmup = distinct(plan.cases.iter().map(|c| c.warmup).collect());
    let starts = distinct(plan.cases.iter().map(|c| c.starts).collect());
    let seeds: std::collections::BTreeSet<u64> = plan.cases.iter().map(|c| c.seed).collect();
    let seeds: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let out = args.out.as_ref().map_or_else(
        || "target/bakeoff/runs/<timestamp>".to_string(),
        |d| d.display().to_string(),
    );
    let look = args.look.options();
    format!(
        "options: reps {reps}, warm-up {warmup}, starts {starts}, seed {}, case timeout {} s, out {out}, report {}/{}",
        seeds.join("/"),
        args.case_timeout,
        look.style,
        look.lang,
    )
}

/// One line per parameter, `name = default — help`, indented by `pad`.
fn write_params(out: &mut impl Write, pad: usize, params: &[ParamSpec]) -> std::io::Result<()> {
    for p in params {
        writeln!(out, "{:pad$}{} = {} — {}", "", p.name, p.default, p.help)?;
    }
    Ok(())
}
