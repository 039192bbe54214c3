//! What the analysis commands share: `--seed`, `--format`, `--out`, `--charts` and `--quiet`
//! (one clap struct flattened into each), the write of the chosen format, the standalone chart
//! files and the progress spinner.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, emit, exit};
use crate::analysis::compare::Comparison;
use crate::analysis::diagnose::{AnalysisError, Diagnosis};
use crate::analysis::optimize::Optimization;
use crate::analysis::sensitivity::Sensitivity;
use crate::report::AnalysisFormat;
use crate::report::document::{self as report, Doc, NamedChart};
use crate::report::{compare, diagnose, optimize, sensitivity};

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Master seed: the same file and seed give the same output at any thread count.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Output format (md/html: a report with the charts as inline SVG).
    #[arg(short, long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Write to this file instead of stdout (`-`: stdout; replaced atomically, never an input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Also write each chart as a standalone file into this directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// File format of `--charts`: svg, png (1280×720) or both.
    #[arg(long, value_enum, default_value_t = ChartFormat::Svg, requires = "charts")]
    pub chart_format: ChartFormat,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// An analysis result in every output format.
pub trait Rendered {
    fn table(&self) -> String;
    fn json(&self) -> String;
    fn csv(&self) -> String;
    fn doc(&self) -> Doc;
    fn charts(&self) -> Vec<NamedChart>;
}

impl OutputArgs {
    /// Writes `r` in the chosen format (stdout or `--out`) and its charts (`--charts`).
    pub fn write(&self, r: &dyn Rendered) -> Result<u8, CliError> {
        let text = match self.format {
            AnalysisFormat::Table => r.table(),
            AnalysisFormat::Json => r.json(),
            AnalysisFormat::Csv => r.csv(),
            AnalysisFormat::Md => r.doc().markdown(),
            AnalysisFormat::Html => r.doc().html(),
        };
        emit(&text, self.out.as_deref())?;
        if let Some(dir) = &self.charts {
            write_charts(dir, &r.charts(), self.chart_format, self.quiet)?;
        }
        Ok(exit::OK)
    }

    /// Refuses `--out` when it names one of the command's input files (before any work).
    pub fn refuse_inputs(&self, inputs: &[&Path]) -> Result<(), CliError> {
        super::refuse_input_as_output("--out", self.out.as_deref(), inputs.iter().copied())
    }

    /// Runs `f` with a progress callback that drives a spinner on an interactive stderr;
    /// `label` turns (done, total) into its message.
    pub fn with_spinner<T>(
        &self,
        label: impl Fn(u64, u64) -> String + Sync,
        f: impl FnOnce(&(dyn Fn(u64, u64) + Sync)) -> T,
    ) -> T {
        let show = !self.quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_message(label(0, 0));
            b
        });
        let progress = |done: u64, total: u64| {
            if let Some(b) = &bar {
                b.set_message(label(done, total));
                b.tick();
            }
        };
        let out = f(&progress);
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        out
    }
}

/// A spinner label "WHAT: 40%" from (done, total).
pub fn percent_done(what: &'static str) -> impl Fn(u64, u64) -> String + Sync {
    move |done, total| {
        if total == 0 {
            what.to_string()
        } else {
            format!("{what}: {:.0}%", done as f64 / total as f64 * 100.0)
        }
    }
}

/// An analysis error as a CLI error (an invalid variant is a usage problem).
pub fn analysis_error(e: AnalysisError) -> CliError {
    match e {
        AnalysisError::Cancelled => CliError::Io("cancelled".into()),
        AnalysisError::Invalid(m) => CliError::Usage(format!("error: {m}")),
    }
}

/// The file format of `--charts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartFormat {
    Svg,
    Png,
    Both,
}

/// Writes each chart as `DIR/NAME.svg` and/or `DIR/NAME.png` (atomically), creating DIR if
/// needed.
pub fn write_charts(
    dir: &Path,
    charts: &[NamedChart],
    format: ChartFormat,
    quiet: bool,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::Io(format!(
            "{}: cannot create the chart directory: {e}",
            dir.display()
        ))
    })?;
    let write = |name: String, bytes: &[u8]| {
        let path = dir.join(name);
        crate::fsutil::write_atomic(&path, bytes)
            .map_err(|e| CliError::Io(format!("{}: cannot write: {e}", path.display())))
    };
    let mut files = 0;
    for c in charts {
        if format != ChartFormat::Png {
            write(format!("{}.svg", c.name), c.svg.as_bytes())?;
            files += 1;
        }
        if format != ChartFormat::Svg {
            // The SVG is ours, so a failure here is a bug, reported as such rather than a panic.
            let png = crate::report::raster::svg_to_png(&c.svg, crate::report::raster::PNG_SCALE)
                .map_err(|e| {
                CliError::Io(format!(
                    "{}: cannot render {}.png: {e}",
                    dir.display(),
                    c.name
                ))
            })?;
            write(format!("{}.png", c.name), &png)?;
            files += 1;
        }
    }
    if !quiet && std::io::stderr().is_terminal() {
        eprintln!("wrote {files} chart file(s) to {}", dir.display());
    }
    Ok(())
}

macro_rules! rendered {
    ($t:ty, $module:ident, $doc:ident, $charts:ident) => {
        impl Rendered for $t {
            fn table(&self) -> String {
                $module::table(self)
            }
            fn json(&self) -> String {
                $module::json(self)
            }
            fn csv(&self) -> String {
                $module::csv(self)
            }
            fn doc(&self) -> Doc {
                report::$doc(self)
            }
            fn charts(&self) -> Vec<NamedChart> {
                report::$charts(self)
            }
        }
    };
}

rendered!(Comparison, compare, compare_doc, compare_charts);
rendered!(Optimization, optimize, optimize_doc, optimize_charts);
rendered!(Diagnosis, diagnose, diagnose_doc, diagnose_charts);
rendered!(
    Sensitivity,
    sensitivity,
    sensitivity_doc,
    sensitivity_charts
);
