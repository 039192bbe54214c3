//! `cxsim run FILE --shard K/N` and `cxsim merge PARTS…`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, RunArgs, emit, exit, resolve_strategies};
use crate::analysis::shard::{MergeError, merge, part_json, read_part, run_shard};
use crate::engine::RunSpec;
use crate::format::parse::read_text;
use crate::model::load::load_str;
use crate::report::{Format, render};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `cxsim run FILE --shard K/N --out PART`, in any order.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write results to this file instead of stdout (`-`: stdout; replaced atomically, never an
    /// input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

impl From<MergeError> for CliError {
    fn from(e: MergeError) -> CliError {
        match e {
            MergeError::Scenario(l) => CliError::Load(l),
            e if e.is_io() => CliError::Io(e.to_string()),
            e => CliError::Invalid(e.to_string()),
        }
    }
}

/// One shard of a run: writes the part file (JSON, whatever `--format` says).
pub fn cmd_run_shard(
    args: &RunArgs,
    file: &std::path::Path,
    shard: crate::analysis::shard::Shard,
) -> Result<u8, CliError> {
    let text = read_text(file)?;
    let model = load_str(file, &text)?;
    let spec = RunSpec {
        customers: args.sim.customers,
        seed: args.sim.seed,
        strategies: resolve_strategies(&model, &args.sim.strategies)?,
    };
    let part = run_shard(&model, file, &text, &spec, shard, &|_, _| {});
    emit(&part_json(&part), args.out.as_deref())?;
    if !args.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "shard {shard}: units {}..{} of {}",
            part.units[0], part.units[1], part.total_units
        );
    }
    Ok(exit::OK)
}

pub fn cmd_merge(args: &MergeArgs) -> Result<u8, CliError> {
    super::refuse_input_as_output(
        "--out",
        args.out.as_deref(),
        args.parts.iter().map(PathBuf::as_path),
    )?;
    let mut parts = Vec::with_capacity(args.parts.len());
    for p in &args.parts {
        parts.push((p.clone(), read_part(p)?));
    }
    let (_, _, results) = merge(&parts)?;
    emit(&render(&results, args.format), args.out.as_deref())?;
    Ok(exit::OK)
}
