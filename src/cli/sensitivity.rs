//! `cxsim sensitivity FILE`: one-at-a-time sensitivity of a metric, as a sorted table (tornado).

use std::path::PathBuf;

use clap::Args;

use super::output::{OutputArgs, analysis_error, percent_done};
use super::{CliError, load_model, resolve_strategies};
use crate::analysis::sensitivity;
use crate::results::Metric;

/// "10%" → 0.1, "0.1" → 0.1; must lie strictly between 0 and 1.
fn parse_delta(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("\"{s}\" is not a number; write 10% or 0.1"))?;
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} is outside (0, 100%); write e.g. 10%"))
    }
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    /// The metric whose sensitivity is measured.
    #[arg(short, long, value_enum, default_value_t = Metric::Npv)]
    pub metric: Metric,
    /// Relative change of each parameter, down and up (10% or 0.1).
    #[arg(short, long, default_value = "10%", value_parser = parse_delta)]
    pub delta: f64,
    /// The strategy to analyse; default the first of the file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Simulated customers (the same customers for every variant).
    #[arg(short = 'n', long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub customers: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn cmd_sensitivity(args: &SensitivityArgs) -> Result<u8, CliError> {
    args.output.refuse_inputs(&[&args.file])?;
    let model = load_model(&args.file)?;
    let strategy = match &args.strategy {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => 0,
    };
    let out = &args.output;
    let s = out
        .with_spinner(
            percent_done("simulating the perturbed variants"),
            |progress| {
                sensitivity::sensitivity(
                    &model,
                    strategy,
                    args.metric,
                    args.delta,
                    args.customers,
                    out.seed,
                    None,
                    progress,
                )
            },
        )
        .map_err(analysis_error)?;
    out.write(&s)
}
