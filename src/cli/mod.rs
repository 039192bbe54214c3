//! The command line: thin commands over the library. Results go to stdout (or --out), progress
//! and errors to stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

pub mod batch;
pub mod calibrate;
pub mod check;
pub mod diff;
pub mod merge;

use crate::engine::{Engine, RunSpec};
use crate::format::error::LoadError;
use crate::model::Model;
use crate::model::load::{load_file, load_str};
use crate::report::{Format, render};
use crate::results::RunResults;

pub mod compare;
pub mod diagnose;
pub mod optimize;
pub mod output;
pub mod review;
pub mod sensitivity;
pub mod values;
pub mod variants;

/// Documented exit codes.
pub mod exit {
    pub const OK: u8 = 0;
    /// Reserved for `cxsim check`: an expectation failed.
    pub const CHECK_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INVALID_SCENARIO: u8 = 3;
    pub const IO: u8 = 4;
    /// An internal error (a bug): please report it.
    pub const INTERNAL: u8 = 70;
}

#[derive(Debug, Parser)]
#[command(
    name = "cxsim",
    version,
    about = "Executable customer-journey maps: simulate retention and revenue under CX emphasis strategies",
    after_help = "Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 invalid scenario, 4 I/O error.\n\
                  With no command, opens the journey studio on the built-in example (or FILE, created\n\
                  from a template if missing) when stdin and stdout are terminals; otherwise runs it\n\
                  and prints the table."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A scenario file to run when no command is given.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report retention, revenue, NPV, CLV, cost and churn causes.
    Run(RunArgs),
    /// Check scenario files and report every problem, with its location and a hint.
    Validate {
        /// Scenario files (.ron).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Open the journey studio (terminal app) on FILE; a missing FILE is created from a template.
    Edit {
        /// Scenario file (.ron).
        file: PathBuf,
    },
    /// Measure engine throughput (customer-periods per second) and peak memory on a scenario.
    Bench(BenchArgs),
    /// Check scenarios against their expectations (NAME.expect.ron) and baselines
    /// (NAME.baseline.json); exit 1 if any fails.
    Check(check::CheckArgs),
    /// What changed between two versions of a journey, in business words, and what it does to
    /// the headline metrics (paired on common random numbers).
    Diff(diff::DiffArgs),
    /// Combine the part files of a sharded run (`run --shard K/N`) into the unsharded result.
    Merge(merge::MergeArgs),
    /// Compare strategies with a baseline: paired differences on common random numbers.
    Compare(compare::CompareArgs),
    /// Find the emphasis split that maximises NPV, revenue, retention or CLV at a budget.
    Optimize(optimize::OptimizeArgs),
    /// Where customers are lost: churn by root cause and by removal effect; the weakest leg.
    Diagnose(diagnose::DiagnoseArgs),
    /// One-at-a-time sensitivity of a metric to each touchpoint and key parameter (tornado).
    Sensitivity(sensitivity::SensitivityArgs),
    /// Fit churn propensities and touchpoint qualities to the company's data (cohort survival,
    /// a customer export, touchpoint rates); write the calibrated journey and the fit report.
    Calibrate(calibrate::CalibrateArgs),
    /// Internal management review of the advocacy programme: escalations, resolution, trials,
    /// cost and the revenue retained against the programme switched off (paired).
    Review(review::ReviewArgs),
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Number of simulated customers per strategy.
    #[arg(short = 'n', long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub customers: u64,
    /// Master seed: the same file and seed give the same output at any thread count.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Only these strategies (repeatable, or comma-separated); default all, in file order.
    #[arg(long = "strategy", value_delimiter = ',')]
    pub strategies: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (.ron); several files, directories or quoted glob patterns run a batch
    /// that writes one JSON line per scenario.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format (default table; a batch writes JSON lines).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
    /// Write results to this file instead of stdout (`-`: stdout; replaced atomically, never an
    /// input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no timing on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Simulate only shard K of N (1-based) and write a part file (JSON) for `cxsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::analysis::shard::Shard>,
    /// Also run each strategy with this touchpoint design variant (TOUCHPOINT=VARIANT,
    /// repeatable), on common random numbers with the original.
    #[arg(long = "variant", value_name = "TOUCHPOINT=VARIANT")]
    pub variants: Vec<String>,
    /// Also write the charts (retention, NPV, revenue) as standalone files into this
    /// directory (created if needed); one scenario only.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// File format of `--charts`: svg, png (1280×720) or both.
    #[arg(long, value_enum, default_value_t = output::ChartFormat::Svg, requires = "charts")]
    pub chart_format: output::ChartFormat,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    #[arg(short = 'n', long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub customers: u64,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(short, long)]
    pub threads: Option<usize>,
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Repetitions; the best is reported.
    #[arg(short, long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
}

/// A failure of a command, mapped to an exit code at the edge.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(String),
    /// Invalid input other than a scenario file (a part file, an expectations file).
    #[error("{0}")]
    Invalid(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Load(e) if e.is_io() => exit::IO,
            CliError::Load(_) => exit::INVALID_SCENARIO,
            CliError::Usage(_) => exit::USAGE,
            CliError::Io(_) => exit::IO,
            CliError::Invalid(_) => exit::INVALID_SCENARIO,
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn main_with(cli: Cli) -> u8 {
    let result = match cli.command {
        Some(Command::Run(args)) => cmd_run(&args),
        Some(Command::Validate { files }) => cmd_validate(&files),
        Some(Command::Bench(args)) => cmd_bench(&args),
        Some(Command::Compare(args)) => compare::cmd_compare(&args),
        Some(Command::Optimize(args)) => optimize::cmd_optimize(&args),
        Some(Command::Diagnose(args)) => diagnose::cmd_diagnose(&args),
        Some(Command::Sensitivity(args)) => sensitivity::cmd_sensitivity(&args),
        Some(Command::Calibrate(args)) => calibrate::cmd_calibrate(&args),
        Some(Command::Edit { file }) => cmd_edit(Some(&file)),
        Some(Command::Merge(args)) => merge::cmd_merge(&args),
        Some(Command::Check(args)) => check::cmd_check(&args),
        Some(Command::Diff(args)) => diff::cmd_diff(&args),
        Some(Command::Review(args)) => review::cmd_review(&args),
        None if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => {
            cmd_edit(cli.file.as_deref())
        }
        None => cmd_default(cli.file.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

fn load_model(file: &Path) -> Result<Model, CliError> {
    Ok(load_file(file)?)
}

fn resolve_strategies(model: &Model, names: &[String]) -> Result<Vec<usize>, CliError> {
    if names.is_empty() {
        return Ok((0..model.scenario.strategies.len()).collect());
    }
    names
        .iter()
        .map(|n| {
            model.strategy_index(n).ok_or_else(|| {
                let known: Vec<&str> = model
                    .scenario
                    .strategies
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                CliError::Usage(format!(
                    "error: unknown strategy \"{n}\"\n  hint: the scenario has: {}",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// Simulates with a progress bar on stderr when it is a terminal and `quiet` is off.
fn simulate_with_progress(model: &Model, spec: &RunSpec, quiet: bool) -> RunResults {
    let engine = Engine::new(model, spec.clone());
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = if show {
        let b = indicatif::ProgressBar::new(spec.customers);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating {pos}/{len} customers [{bar:30}] {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(b)
    } else {
        None
    };
    let progress = |done: u64, _total: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let acc = match engine.run(None, &progress) {
        Ok(acc) => acc,
        Err(_) => crate::engine::Acc::new(
            model.horizon(),
            model.scenario.touchpoints.len(),
            spec.strategies.len(),
        ),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut results = RunResults::from_acc(model, spec, acc);
    // Without a cancel flag the acquisition runs cannot be cancelled.
    let _ = crate::run::acquisition::attach(model, spec, &mut results, None);
    results
}

fn cmd_run(args: &RunArgs) -> Result<u8, CliError> {
    if args.charts.is_some() && (batch::is_batch(&args.files) || args.shard.is_some()) {
        return Err(CliError::Usage(
            "error: --charts needs a single scenario run (not a batch or a shard)".into(),
        ));
    }
    if batch::is_batch(&args.files) {
        return batch::cmd_run_batch(args, &args.files);
    }
    let file = &args.files[0];
    refuse_input_as_output("--out", args.out.as_deref(), [file.as_path()])?;
    if let Some(shard) = args.shard {
        if !args.variants.is_empty() {
            return Err(CliError::Usage(
                "error: --shard cannot be combined with --variant".into(),
            ));
        }
        return merge::cmd_run_shard(args, file, shard);
    }
    let model = load_model(file)?;
    let mut strategies = resolve_strategies(&model, &args.sim.strategies)?;
    // `--variant tp=name`: each strategy is paired with a copy that selects the variants.
    let model = if args.variants.is_empty() {
        model
    } else {
        let choices = args
            .variants
            .iter()
            .map(|a| crate::cli::variants::parse_variant_arg(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::Usage)?;
        let (m, order) = crate::model::org::with_variant_strategies(&model, &strategies, &choices)
            .map_err(|problems| {
                let text: Vec<String> = problems.iter().map(|p| format!("error: {p}")).collect();
                CliError::Usage(text.join("\n"))
            })?;
        strategies = order;
        m
    };
    let spec = RunSpec {
        customers: args.sim.customers,
        seed: args.sim.seed,
        strategies,
    };
    let start = Instant::now();
    let results = simulate_with_progress(&model, &spec, args.quiet);
    let elapsed = start.elapsed();
    let text = render(&results, args.format.unwrap_or(Format::Table));
    emit(&text, args.out.as_deref())?;
    if let Some(dir) = &args.charts {
        output::write_charts(
            dir,
            &crate::report::document::run_charts(&results),
            args.chart_format,
            args.quiet,
        )?;
    }
    if !args.quiet && std::io::stderr().is_terminal() {
        let cps: u64 = results.strategies.iter().map(|s| s.customer_periods).sum();
        eprintln!(
            "simulated {} customer-periods in {:.2} s ({:.1} M/s)",
            cps,
            elapsed.as_secs_f64(),
            cps as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
        );
    }
    Ok(exit::OK)
}

/// Whether `--out PATH` means this process's stdout: `-`, or `/dev/stdout` (written through our
/// own handle, so the shell's redirection, appending included, is honoured).
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-") || path == Path::new("/dev/stdout")
}

/// Writes a command's results to `--out` (see [`crate::fsutil::write_atomic`]: regular files are
/// replaced atomically, devices and FIFOs written through) or to stdout.
fn emit(text: &str, out: Option<&Path>) -> Result<(), CliError> {
    match out {
        Some(path) if !is_stdout(path) => crate::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| CliError::Io(format!("{}: cannot write: {e}", path.display()))),
        _ => print(text),
    }
}

/// Set once stdout turned out to be a closed pipe: later results are dropped without trying.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The one writer of results to stdout (never `println!`, which panics when stdout fails).
///
/// A closed pipe (`cxsim … | head`) is the reader's choice, not an error: the text is dropped
/// and the command carries on to its own exit code (a check still fails with 1 if an
/// expectation fails). Any other failure (a full disk, `/dev/full`) is an I/O error, exit 4.
pub fn print(text: &str) -> Result<(), CliError> {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(CliError::Io(format!("cannot write to stdout: {e}"))),
    }
}

/// Refuses an output path that is one of the command's inputs (the same file after symlinks,
/// by device and inode): writing the results would destroy the input. Checked before any work,
/// so nothing is touched. Outputs to stdout, devices and FIFOs destroy nothing and pass.
pub fn refuse_input_as_output<'a>(
    option: &str,
    out: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), CliError> {
    let Some(out) = out else {
        return Ok(());
    };
    if is_stdout(out) || !std::fs::metadata(out).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    for input in inputs {
        if crate::fsutil::same_file(out, input) {
            return Err(CliError::Usage(format!(
                "error: {option} {} is an input of this command ({}); refusing to overwrite it\n  \
                 hint: write the output to another file",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

fn cmd_validate(files: &[PathBuf]) -> Result<u8, CliError> {
    let mut worst = exit::OK;
    for f in files {
        // `validate scenarios/*.ron` also meets expectation sidecars: check them as such.
        if crate::analysis::check::is_sidecar(f) {
            let code = check::validate_sidecar(f)?;
            if worst == exit::OK || code == exit::IO {
                worst = code;
            }
            continue;
        }
        match load_file(f) {
            Ok(model) => {
                print(&format!(
                    "{}: ok ({} segments, {} touchpoints, {} strategies)\n",
                    f.display(),
                    model.scenario.segments.len(),
                    model.scenario.touchpoints.len(),
                    model.scenario.strategies.len()
                ))?;
            }
            Err(e) => {
                eprintln!("{e}");
                let code = CliError::Load(e).exit_code();
                // I/O problems outrank invalid content in the exit status.
                if worst == exit::OK || code == exit::IO {
                    worst = code;
                }
            }
        }
    }
    Ok(worst)
}

/// The journey studio; syntax errors in the file are reported like `validate` does.
fn cmd_edit(file: Option<&Path>) -> Result<u8, CliError> {
    match crate::tui::run(file) {
        Ok(()) => Ok(exit::OK),
        Err(crate::tui::StudioError::Invalid(m)) => {
            eprintln!("{m}");
            Ok(exit::INVALID_SCENARIO)
        }
        Err(crate::tui::StudioError::Io(m)) => Err(CliError::Io(m)),
    }
}

fn cmd_default(file: Option<&Path>) -> Result<u8, CliError> {
    let model = match file {
        Some(f) => load_model(f)?,
        None => load_str(
            Path::new(crate::BUILTIN_EXAMPLE_NAME),
            crate::BUILTIN_EXAMPLE,
        )?,
    };
    let spec = RunSpec::all_strategies(&model, 100_000, 1);
    let results = simulate_with_progress(&model, &spec, false);
    emit(&render(&results, Format::Table), None)?;
    Ok(exit::OK)
}

/// Peak resident set size of this process in bytes (Linux; `None` elsewhere).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn cmd_bench(args: &BenchArgs) -> Result<u8, CliError> {
    let model = load_model(&args.file)?;
    let spec = RunSpec::all_strategies(&model, args.customers, args.seed);
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| {
        CliError::Usage(format!(
            "error: cannot start {:?} threads: {e}",
            args.threads
        ))
    })?;
    let compile_start = Instant::now();
    let engine = Engine::new(&model, spec.clone());
    let compile = compile_start.elapsed();
    let mut best = f64::INFINITY;
    let mut cps = 0;
    // Contact-periods of accounts (docs/model.md §12); 0 without accounts.
    let mut contact_periods = 0;
    let mut evaluations = 0;
    for _ in 0..args.repeat {
        let start = Instant::now();
        let acc = pool.install(|| engine.run(None, &|_, _| {}));
        let secs = start.elapsed().as_secs_f64();
        if let Ok(acc) = acc {
            cps = acc.customer_periods();
            evaluations = crate::results::touchpoint_evaluations(&acc);
            contact_periods = acc
                .strategies
                .iter()
                .filter_map(|s| s.accounts.as_ref())
                .map(|a| a.contact_periods)
                .sum::<u64>();
        }
        best = best.min(secs);
    }
    let rss = peak_rss_bytes().map_or("n/a".to_string(), |b| {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    });
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "scenario           {}", model.scenario.name);
    let _ = writeln!(out, "customers          {}", args.customers);
    let _ = writeln!(out, "strategies         {}", spec.strategies.len());
    let _ = writeln!(out, "threads            {}", pool.current_num_threads());
    let _ = writeln!(out, "customer-periods   {cps}");
    let _ = writeln!(
        out,
        "compile            {:.3} ms",
        compile.as_secs_f64() * 1e3
    );
    let _ = writeln!(out, "best of {:<10} {:.4} s", args.repeat, best);
    let _ = writeln!(
        out,
        "throughput         {:.1} M customer-periods/s",
        cps as f64 / best.max(1e-12) / 1e6
    );
    let _ = writeln!(out, "touchpoint evals   {evaluations}");
    let _ = writeln!(
        out,
        "evaluation rate    {:.1} M touchpoint evaluations/s",
        evaluations as f64 / best.max(1e-12) / 1e6
    );
    if contact_periods > 0 {
        let _ = writeln!(out, "contact-periods    {contact_periods}");
        let _ = writeln!(
            out,
            "contact throughput {:.1} M contact-periods/s",
            contact_periods as f64 / best.max(1e-12) / 1e6
        );
    }
    let _ = writeln!(out, "peak RSS           {rss}");
    print(&out)?;
    Ok(exit::OK)
}
