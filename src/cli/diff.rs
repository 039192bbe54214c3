//! `cxsim diff OLD NEW`, `cxsim diff REV [FILE…]` (inside a git repository).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use clap::{Args, ValueEnum};

use super::{CliError, emit, exit};
use crate::analysis::diff::diff;
use crate::format::parse::read_text;
use crate::model::load::load_str;
use crate::report::diff::{render_json, render_markdown, render_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Plain text for the terminal.
    Text,
    /// Markdown, fit for a pull-request comment.
    Md,
    /// JSON (`cxsim.diff/1`).
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD and NEW scenario files; or a git revision, optionally followed by files (default:
    /// every scenario file that changed since that revision).
    #[arg(required = true, num_args = 1..)]
    pub args: Vec<String>,
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Customers simulated (per strategy and version) for the metric effects.
    #[arg(short = 'n', long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub customers: u64,
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Write to this file instead of stdout (`-`: stdout; replaced atomically, never an input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

fn git(args: &[&str]) -> Result<Vec<u8>, CliError> {
    let out = Process::new("git")
        .args(args)
        .output()
        .map_err(|e| CliError::Usage(format!("error: cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(CliError::Usage(format!(
            "error: git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// One comparison: names for the report and the two texts.
struct Pair {
    old_name: String,
    old_text: String,
    new_path: PathBuf,
    new_text: String,
}

fn pairs(args: &DiffArgs) -> Result<Vec<Pair>, CliError> {
    let first = Path::new(&args.args[0]);
    if args.args.len() == 2 && first.is_file() {
        let new_path = PathBuf::from(&args.args[1]);
        return Ok(vec![Pair {
            old_name: args.args[0].clone(),
            old_text: read_text(first)?,
            new_text: read_text(&new_path)?,
            new_path,
        }]);
    }
    if args.args.len() == 1 && first.is_file() {
        return Err(CliError::Usage(format!(
            "error: `{}` is a file: give two files (cxsim diff OLD NEW) or a git revision (cxsim diff HEAD~1 [FILE…])",
            args.args[0]
        )));
    }
    let rev = &args.args[0];
    let files: Vec<String> = if args.args.len() > 1 {
        args.args[1..].to_vec()
    } else {
        let list = git(&["diff", "--name-only", "--relative", rev, "--", "*.ron"])?;
        String::from_utf8_lossy(&list)
            .lines()
            .filter(|f| !f.ends_with(".expect.ron") && Path::new(f).is_file())
            .map(str::to_string)
            .collect()
    };
    if files.is_empty() {
        return Err(CliError::Usage(format!(
            "error: no scenario file changed since {rev}\n  hint: name files: cxsim diff {rev} FILE…"
        )));
    }
    files
        .iter()
        .map(|f| {
            let spec = format!("{rev}:./{f}");
            let old = git(&["show", &spec])?;
            let old_text = String::from_utf8(old)
                .map_err(|_| CliError::Invalid(format!("{f} at {rev}: error: not UTF-8 text")))?;
            let new_path = PathBuf::from(f);
            Ok(Pair {
                old_name: format!("{f}@{rev}"),
                old_text,
                new_text: read_text(&new_path)?,
                new_path,
            })
        })
        .collect()
}

pub fn cmd_diff(args: &DiffArgs) -> Result<u8, CliError> {
    let pairs = pairs(args)?;
    // In `diff OLD NEW` the first argument is a file too.
    let old_file = Path::new(&args.args[0]);
    super::refuse_input_as_output(
        "--out",
        args.out.as_deref(),
        pairs
            .iter()
            .map(|p| p.new_path.as_path())
            .chain(old_file.is_file().then_some(old_file)),
    )?;
    let mut out = String::new();
    for p in pairs {
        let old = load_str(Path::new(&p.old_name), &p.old_text)?;
        let new = load_str(&p.new_path, &p.new_text)?;
        let d = diff(
            &p.old_name,
            &old,
            &p.new_path.display().to_string(),
            &new,
            args.customers,
            args.seed,
        );
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&match args.format {
            DiffFormat::Text => render_text(&d),
            DiffFormat::Md => render_markdown(&d),
            DiffFormat::Json => render_json(&d),
        });
    }
    emit(&out, args.out.as_deref())?;
    Ok(exit::OK)
}
