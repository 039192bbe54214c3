//! `cxsim compare FILE`: paired differences of every metric against a baseline strategy.

use std::path::PathBuf;

use clap::Args;

use super::output::OutputArgs;
use super::{CliError, load_model, resolve_strategies, simulate_with_progress};
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
    /// Compare over this segment's customers only (a segment id); default all customers.
    #[arg(long)]
    pub segment: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn cmd_compare(args: &CompareArgs) -> Result<u8, CliError> {
    args.output.refuse_inputs(&[&args.file])?;
    let model = load_model(&args.file)?;
    let strategies = resolve_strategies(&model, &args.strategies)?;
    let baseline = match &args.baseline {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => strategies[0],
    };
    let spec = RunSpec {
        customers: args.customers,
        seed: args.output.seed,
        strategies: run_order(&strategies, baseline),
    };
    if spec.strategies.len() < 2 {
        return Err(CliError::Usage(format!(
            "error: nothing to compare: only strategy \"{}\" is selected\n  hint: name at least \
             two strategies with --strategies, or add a strategy to the file",
            model.scenario.strategies[baseline].name
        )));
    }
    let segment = match &args.segment {
        None => None,
        Some(id) => match model.scenario.segments.iter().position(|g| g.id == *id) {
            Some(g) => Some(g),
            None => {
                let known: Vec<&str> = model
                    .scenario
                    .segments
                    .iter()
                    .map(|g| g.id.as_str())
                    .collect();
                return Err(CliError::Usage(format!(
                    "error: unknown segment \"{}\"\n  hint: the scenario's segments: {}",
                    id.escape_debug(),
                    known.join(", ")
                )));
            }
        },
    };
    let results = simulate_with_progress(&model, &spec, args.output.quiet);
    args.output
        .write(&compare::from_results_in(results, 0, segment))
}
