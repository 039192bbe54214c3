//! `cxsim optimize FILE`: the emphasis split that maximises an objective at a budget.

use std::path::PathBuf;

use clap::Args;

use super::output::OutputArgs;
use super::{CliError, load_model};
use crate::analysis::optimize::{
    self, Objective, OptimizeError, OptimizeSpec, SearchConfig, default_budget,
};

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    /// What to maximise.
    #[arg(long, value_enum, default_value_t = Objective::Npv)]
    pub objective: Objective,
    /// Budget per active customer-period; default the largest budget of the file's strategies.
    #[arg(short, long)]
    pub budget: Option<f64>,
    /// Coarse grid: shares in steps of 1/RESOLUTION (10 = steps of 10 %).
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub resolution: u32,
    /// Refinement rounds near the best (each halves the step).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=4))]
    pub rounds: u32,
    /// Also find the best split at each of these budgets (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub sweep: Vec<f64>,
    /// Simulated customers per split (the same customers for every split).
    #[arg(short = 'n', long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub customers: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn check_budget(b: f64) -> Result<f64, CliError> {
    if b.is_finite() && b >= 0.0 {
        Ok(b)
    } else {
        Err(CliError::Usage(format!(
            "error: budget {b} is not a number ≥ 0\n  hint: the budget is extra spend per active \
             customer per period, e.g. --budget 6"
        )))
    }
}

pub fn cmd_optimize(args: &OptimizeArgs) -> Result<u8, CliError> {
    args.output.refuse_inputs(&[&args.file])?;
    let model = load_model(&args.file)?;
    let budget = check_budget(args.budget.unwrap_or_else(|| default_budget(&model)))?;
    let sweep = args
        .sweep
        .iter()
        .map(|&b| check_budget(b))
        .collect::<Result<Vec<_>, _>>()?;
    let out = &args.output;
    let spec = OptimizeSpec {
        objective: args.objective,
        budget,
        customers: args.customers,
        seed: out.seed,
        config: SearchConfig {
            resolution: args.resolution,
            rounds: args.rounds,
            ..SearchConfig::default()
        },
        sweep,
    };
    let label =
        |done: u64, _: u64| format!("searching the emphasis simplex: {done} splits simulated");
    let o = out
        .with_spinner(label, |progress| {
            optimize::optimize(&model, &spec, None, progress)
        })
        .map_err(|e| match e {
            OptimizeError::Cancelled => CliError::Io("cancelled".into()),
            OptimizeError::Invalid(m) => CliError::Usage(format!("error: {m}")),
        })?;
    out.write(&o)
}
