//! `cxsim review FILE`: the internal management review of the Customer Advocacy Framework —
//! escalations by root cause, resolution, recurrence, trials, cost, and the revenue the programme
//! retained against the same customers with the programme switched off.

use std::path::PathBuf;

use clap::Args;

use super::output::percent_done;
use super::{CliError, emit, exit, load_model, resolve_strategies};
use crate::analysis::review;
use crate::report::advocacy::{review_csv, review_json, review_table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Scenario file (.ron) with an advocacy section.
    pub file: PathBuf,
    /// Simulated customers (the same customers with and without the programme).
    #[arg(short = 'n', long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub customers: u64,
    /// Master seed: the same file and seed give the same output at any thread count.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Only these strategies (repeatable, or comma-separated); default all, in file order.
    #[arg(long = "strategy", value_delimiter = ',')]
    pub strategies: Vec<String>,
    #[arg(short, long, value_enum, default_value_t = ReviewFormat::Table)]
    pub format: ReviewFormat,
    /// Write to this file instead of stdout (`-`: stdout; replaced atomically, never an input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn cmd_review(args: &ReviewArgs) -> Result<u8, CliError> {
    super::refuse_input_as_output("--out", args.out.as_deref(), [args.file.as_path()])?;
    let model = load_model(&args.file)?;
    let strategies = resolve_strategies(&model, &args.strategies)?;
    let output = super::output::OutputArgs {
        seed: args.seed,
        format: crate::report::AnalysisFormat::Table,
        out: None,
        charts: None,
        chart_format: super::output::ChartFormat::Svg,
        quiet: args.quiet,
    };
    let review = output
        .with_spinner(
            percent_done("simulating with and without the programme"),
            |progress| review::review(&model, &strategies, args.customers, args.seed, progress),
        )
        .map_err(|m| CliError::Usage(format!("error: {m}")))?;
    let text = match args.format {
        ReviewFormat::Table => review_table(&review),
        ReviewFormat::Json => review_json(&review),
        ReviewFormat::Csv => review_csv(&review),
    };
    emit(&text, args.out.as_deref())?;
    Ok(exit::OK)
}
