//! `cxsim compare FILE`: paired differences of every metric against a baseline strategy.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, emit, exit, load_model, resolve_strategies, simulate_with_progress};
use crate::analysis::AnalysisFormat;
use crate::analysis::compare::{self, run_order};
use crate::engine::RunSpec;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    /// Strategies to compare (comma-separated or repeated); default all, in file order.
    #[arg(long = "strategies", alias = "strategy", value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// The reference strategy; default the first of --strategies (or of the file).
    #[arg(short, long)]
    pub baseline: Option<String>,
    /// Number of simulated customers (the same customers for every strategy).
    #[arg(short = 'n', long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub customers: u64,
    /// Master seed.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Write to this file instead of stdout (atomically).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress bar on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn cmd_compare(args: &CompareArgs) -> Result<u8, CliError> {
    let model = load_model(&args.file)?;
    let strategies = resolve_strategies(&model, &args.strategies)?;
    let baseline = match &args.baseline {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => strategies[0],
    };
    let spec = RunSpec {
        customers: args.customers,
        seed: args.seed,
        strategies: run_order(&strategies, baseline),
    };
    if spec.strategies.len() < 2 {
        return Err(CliError::Usage(format!(
            "error: nothing to compare: only strategy \"{}\" is selected\n  hint: name at least \
             two strategies with --strategies, or add a strategy to the file",
            model.scenario.strategies[baseline].name
        )));
    }
    let results = simulate_with_progress(&model, &spec, args.quiet);
    let c = compare::from_results(results, 0);
    let text = match args.format {
        AnalysisFormat::Table => compare::table(&c),
        AnalysisFormat::Json => compare::json(&c),
        AnalysisFormat::Csv => compare::csv(&c),
        AnalysisFormat::Md => crate::analysis::report::compare_doc(&c).markdown(),
        AnalysisFormat::Html => crate::analysis::report::compare_doc(&c).html(),
    };
    emit(&text, args.out.as_deref())?;
    Ok(exit::OK)
}
