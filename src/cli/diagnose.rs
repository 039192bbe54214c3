//! `cxsim diagnose FILE`: churn and lost revenue by stage and touchpoint, by recorded root cause
//! and by removal effect; the weakest leg of the triad.

use std::path::PathBuf;

use clap::Args;

use super::output::{OutputArgs, analysis_error, percent_done};
use super::{CliError, load_model, resolve_strategies};
use crate::analysis::diagnose;

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    /// The strategy to diagnose; default the first of the file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Simulated customers (the same customers for every variant).
    #[arg(short = 'n', long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub customers: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn cmd_diagnose(args: &DiagnoseArgs) -> Result<u8, CliError> {
    args.output.refuse_inputs(&[&args.file])?;
    let model = load_model(&args.file)?;
    let strategy = match &args.strategy {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => 0,
    };
    let out = &args.output;
    let d = out
        .with_spinner(
            percent_done("simulating the perfected variants"),
            |progress| {
                diagnose::diagnose(&model, strategy, args.customers, out.seed, None, progress)
            },
        )
        .map_err(analysis_error)?;
    out.write(&d)
}
