//! `cxsim calibrate FILE --data CSV --fit PATH`: fit parameters to the company's data, write the
//! calibrated journey (`--out`) and the fit report (docs/calibration.md).

use std::path::{Path, PathBuf};

use clap::Args;

use super::output::{ChartFormat, write_charts};
use super::{
    CliError, emit, exit, is_stdout, load_model, refuse_input_as_output, resolve_strategies,
};
use crate::analysis::calibrate::{CalibrateSpec, calibrate};
use crate::format::data::{Data, ExportOptions, Stamp, read_data};
use crate::format::parse::to_canonical_ron;
use crate::format::path::FieldPath;
use crate::report::AnalysisFormat;
use crate::report::calibrate as render;

fn parse_path(s: &str) -> Result<FieldPath, String> {
    FieldPath::parse(s).map_err(|e| e.to_string())
}

fn parse_stamp(s: &str) -> Result<Stamp, String> {
    Stamp::parse(s).ok_or_else(|| format!("\"{s}\" is not a date (2024-03-15) or a period number"))
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario file (.ron).
    pub file: PathBuf,
    /// A data file (CSV): cohort survival, a customer export or touchpoint rates. Repeatable.
    #[arg(long, required = true, value_name = "CSV")]
    pub data: Vec<PathBuf>,
    /// A parameter to fit, by field path: segments[ID].churn_propensity,
    /// touchpoints[ID].quality, touchpoints[ID].by_segment[SEGMENT].quality. Repeatable.
    #[arg(long, required = true, value_name = "PATH", value_parser = parse_path)]
    pub fit: Vec<FieldPath>,
    /// The strategy the data were collected under; default the first of the file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Fit on all but the last K periods and report the projection error on them.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub holdout: u32,
    /// The date (or period) a customer export was taken; default its latest date.
    #[arg(long, value_parser = parse_stamp)]
    pub as_of: Option<Stamp>,
    /// Customers traced for journeys whose churn depends on more than the propensity.
    #[arg(short = 'n', long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..=2_000_000))]
    pub customers: u64,
    /// Master seed of the traced customers.
    #[arg(short, long, default_value_t = 1)]
    pub seed: u64,
    /// Write the calibrated journey here (RON, replaced atomically; never an input).
    #[arg(short, long, value_name = "FILE.ron")]
    pub out: Option<PathBuf>,
    /// Format of the fit report.
    #[arg(short, long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Write the fit report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Also write the observed-vs-fitted chart into this directory.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// File format of `--charts`: svg, png (1280×720) or both.
    #[arg(long, value_enum, default_value_t = ChartFormat::Svg, requires = "charts")]
    pub chart_format: ChartFormat,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn cmd_calibrate(args: &CalibrateArgs) -> Result<u8, CliError> {
    let mut inputs: Vec<&Path> = vec![&args.file];
    inputs.extend(args.data.iter().map(PathBuf::as_path));
    refuse_input_as_output("--out", args.out.as_deref(), inputs.iter().copied())?;
    refuse_input_as_output("--report", args.report.as_deref(), inputs.iter().copied())?;
    let model = load_model(&args.file)?;
    let strategy = match &args.strategy {
        Some(name) => resolve_strategies(&model, std::slice::from_ref(name))?[0],
        None => 0,
    };
    let opts = ExportOptions {
        unit: model.scenario.period,
        as_of: args.as_of,
    };
    let mut data = Data::default();
    for f in &args.data {
        read_data(f, opts, &mut data)?;
    }
    let spec = CalibrateSpec {
        fit: args.fit.clone(),
        strategy,
        customers: args.customers,
        seed: args.seed,
        holdout: args.holdout,
        sources: args
            .data
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect(),
    };
    let c = calibrate(&model, &data, &spec).map_err(|e| CliError::Invalid(e.to_string()))?;
    if let Some(out) = &args.out {
        let text = to_canonical_ron(&c.calibrated);
        // The calibrated file must load as it is written (a defect here is ours, not the user's).
        if let Err(e) = crate::model::load::load_str(out, &text) {
            return Err(CliError::Io(format!(
                "internal error: the calibrated journey does not load back: {e}"
            )));
        }
        emit(&text, Some(out))?;
    }
    let text = match args.format {
        AnalysisFormat::Table => render::table(&c),
        AnalysisFormat::Json => render::json(&c),
        AnalysisFormat::Csv => render::csv(&c),
        AnalysisFormat::Md => render::doc(&c).markdown(),
        AnalysisFormat::Html => render::doc(&c).html(),
    };
    // With the journey on stdout, the report goes only where --report says.
    let journey_on_stdout = args.out.as_deref().is_some_and(is_stdout);
    if !journey_on_stdout || args.report.is_some() {
        emit(&text, args.report.as_deref())?;
    }
    if let Some(dir) = &args.charts {
        write_charts(dir, &render::charts(&c), args.chart_format, args.quiet)?;
    }
    Ok(exit::OK)
}
