//! `cxsim run` over many files, directories or glob patterns: every scenario is simulated (in
//! parallel) and reported as one compact JSON line, in the order the files were named.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::{CliError, RunArgs, emit, exit, resolve_strategies};
use crate::engine::RunSpec;
use crate::model::load::load_file;
use crate::report::Format;

/// The scenario files named by the arguments: files as given, directories as their `*.ron`
/// files (sidecars excluded, sorted), patterns with `*`, `?` or `[` expanded (sorted).
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for a in args {
        let s = a.to_string_lossy();
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(a)
                .map_err(|e| CliError::Io(format!("{}: cannot list directory: {e}", a.display())))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| is_scenario(p))
                .collect();
            found.sort();
            out.extend(found);
        } else if s.contains(['*', '?', '[']) && !a.exists() {
            let paths = glob::glob(&s)
                .map_err(|e| CliError::Usage(format!("error: bad pattern `{s}`: {e}")))?;
            let mut found: Vec<PathBuf> = paths
                .filter_map(Result::ok)
                .filter(|p| is_scenario(p))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(CliError::Usage(format!(
                    "error: no scenario file matches `{s}`"
                )));
            }
            out.extend(found);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

fn is_scenario(p: &Path) -> bool {
    p.is_file()
        && p.extension().is_some_and(|x| x == "ron")
        && !crate::analysis::check::is_sidecar(p)
}

/// Whether the arguments ask for a batch (more than one file, or a directory or pattern).
pub fn is_batch(files: &[PathBuf]) -> bool {
    files.len() > 1
        || files
            .iter()
            .any(|f| f.is_dir() || (f.to_string_lossy().contains(['*', '?', '[']) && !f.exists()))
}

#[derive(Serialize)]
struct ErrorLine {
    file: String,
    error: String,
}

/// Runs every file; returns the exit code (the worst: I/O 4 over invalid 3 over ok).
pub fn cmd_run_batch(args: &RunArgs, files: &[PathBuf]) -> Result<u8, CliError> {
    if args.shard.is_some() {
        return Err(CliError::Usage(
            "error: --shard takes one scenario file\n  hint: run the shards of each file separately"
                .into(),
        ));
    }
    if !args.variants.is_empty() {
        return Err(CliError::Usage(
            "error: --variant takes one scenario file\n  hint: run each file separately".into(),
        ));
    }
    if matches!(args.format, Some(f) if f != Format::Json) {
        return Err(CliError::Usage(
            "error: a run over several files writes JSON lines; drop --format or use --format json"
                .into(),
        ));
    }
    let files = expand(files)?;
    super::refuse_input_as_output(
        "--out",
        args.out.as_deref(),
        files.iter().map(PathBuf::as_path),
    )?;
    // Each scenario in parallel (and each one's work units in parallel within it); lines are
    // collected and written in the order the files were named, so the bytes do not depend on
    // scheduling.
    let lines: Vec<(String, u8)> = files
        .par_iter()
        .map(|f| {
            let name = f.display().to_string();
            let result = load_file(f).map_err(CliError::Load).and_then(|model| {
                let spec = RunSpec {
                    customers: args.sim.customers,
                    seed: args.sim.seed,
                    strategies: resolve_strategies(&model, &args.sim.strategies)?,
                };
                let r = crate::run::simulate(&model, &spec);
                crate::report::json_line(&r, &name)
                    .map_err(|e| CliError::Io(format!("{name}: cannot write JSON: {e}")))
            });
            match result {
                Ok(line) => (line, exit::OK),
                Err(e) => {
                    eprintln!("{e}");
                    let line = serde_json::to_string(&ErrorLine {
                        file: name,
                        error: e.to_string(),
                    })
                    .unwrap_or_default();
                    (line, e.exit_code())
                }
            }
        })
        .collect();
    let mut text = String::new();
    let mut worst = exit::OK;
    for (line, code) in lines {
        text.push_str(&line);
        text.push('\n');
        if worst == exit::OK || code == exit::IO {
            worst = code;
        }
    }
    emit(&text, args.out.as_deref())?;
    Ok(worst)
}
