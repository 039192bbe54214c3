//! `cxsim diagnose FILE`: churn and lost revenue by stage and touchpoint, by recorded root cause
//! and by removal effect; the weakest leg of the triad.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, emit, exit, load_model, resolve_strategies};
use crate::analysis::AnalysisFormat;
use crate::analysis::diagnose::{self, AnalysisError};

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
    /// Master seed.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Write to this file instead of stdout (atomically).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

pub fn cmd_diagnose(args: &DiagnoseArgs) -> Result<u8, CliError> {
    let model = load_model(&args.file)?;
    let strategy = match &args.strategy {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => 0,
    };
    let d = diagnose::diagnose(
        &model,
        strategy,
        args.customers,
        args.seed,
        None,
        &|_, _| {},
    )
    .map_err(|e| match e {
        AnalysisError::Cancelled => CliError::Io("cancelled".into()),
        AnalysisError::Invalid(m) => CliError::Usage(format!("error: {m}")),
    })?;
    let text = match args.format {
        AnalysisFormat::Table => diagnose::table(&d),
        AnalysisFormat::Json => diagnose::json(&d),
        AnalysisFormat::Csv => diagnose::csv(&d),
        AnalysisFormat::Md => crate::analysis::report::diagnose_doc(&d).markdown(),
        AnalysisFormat::Html => crate::analysis::report::diagnose_doc(&d).html(),
    };
    emit(&text, args.out.as_deref())?;
    Ok(exit::OK)
}
