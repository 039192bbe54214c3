//! Results → text for people (table) and machines (JSON, CSV). Nothing here depends on time or
//! on the machine, so the same results always give the same bytes.

pub mod accounts;
pub mod acquisition;
pub mod advocacy;
pub mod calibrate;
pub mod chart;
pub mod check;
pub mod compare;
pub mod diagnose;
pub mod diff;
pub mod document;
pub mod optimize;
pub mod org;
pub mod raster;
pub mod segment;
pub mod sensitivity;

use std::fmt::Write as _;

use serde::Serialize;

use crate::fmt::{csv_field, group_thousands};
use crate::results::{Estimate, Metric, RunResults, StrategyResult};

pub const RUN_SCHEMA: &str = "cxsim.run/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    /// A Markdown report with charts as inline SVG (docs/analysis.md).
    Md,
    /// A standalone HTML report with charts as inline SVG.
    Html,
}

pub fn render(results: &RunResults, format: Format) -> String {
    match format {
        Format::Table => table(results),
        Format::Json => json(results),
        Format::Csv => csv(results),
        Format::Md => crate::report::document::run_doc(results).markdown(),
        Format::Html => crate::report::document::run_doc(results).html(),
    }
}

/// The `cxsim.run/1` document: what `run --format json` writes (pretty) and what a batch writes
/// per scenario (one compact line, with `file` first). One type, so the two never drift.
#[derive(Serialize)]
pub struct RunDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub schema: &'static str,
    pub scenario: &'a str,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: &'a str,
    pub currency: &'a str,
    pub strategies: &'a [StrategyResult],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<&'a crate::results::acquisition::AcquisitionResults>,
}

impl<'a> RunDoc<'a> {
    pub fn new(r: &'a RunResults, file: Option<&'a str>) -> RunDoc<'a> {
        RunDoc {
            file,
            schema: RUN_SCHEMA,
            scenario: &r.scenario,
            customers: r.customers,
            seed: r.seed,
            horizon: r.horizon,
            period: &r.period,
            currency: &r.currency,
            strategies: &r.strategies,
            acquisition: r.acquisition.as_ref(),
        }
    }
}

/// The `cxsim.run/1` JSON document (documented in docs/format.md), with a trailing newline.
pub fn json(r: &RunResults) -> String {
    crate::fmt::to_json(&RunDoc::new(r, None))
}

/// One batch line: the run document of `file`, compact, without a newline.
pub fn json_line(r: &RunResults, file: &str) -> Result<String, serde_json::Error> {
    serde_json::to_string(&RunDoc::new(r, Some(file)))
}

/// One row per strategy and period.
pub fn csv(r: &RunResults) -> String {
    let mut out = String::from(
        "strategy,period,retention,retention_lo,retention_hi,satisfied,pleased,loyal,revenue_per_customer",
    );
    // Acquisition columns (issue 6) only when the scenario has an acquisition section.
    out.push_str(acquisition::csv_header(r));
    out.push_str(&accounts::csv_header(r));
    out.push_str(&segment::csv_header(r));
    out.push('\n');
    for (si, s) in r.strategies.iter().enumerate() {
        for (t, ret) in s.retention.iter().enumerate() {
            let tri = &s.triad[t];
            let rev = if t == 0 {
                0.0
            } else {
                s.revenue_by_period[t - 1]
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}{}{}{}",
                csv_field(&s.name),
                ret.period,
                ret.mean,
                ret.lo,
                ret.hi,
                tri.satisfied,
                tri.pleased,
                tri.loyal,
                rev,
                acquisition::csv_cells(r, si, t),
                accounts::csv_cells(r, si, t),
                segment::csv_cells(r, si, t)
            );
        }
    }
    out
}

/// A table row: label, how to read the value from a strategy, decimals.
type MetricRow = (&'static str, fn(&StrategyResult) -> Estimate, usize);
/// A churn-cause row: label and how to read the share.
type CauseRow = (&'static str, fn(&StrategyResult) -> f64);

fn pm(e: &Estimate, decimals: usize) -> String {
    format!("{:.*} ±{:.*}", decimals, e.mean, decimals, e.hi - e.mean)
}

/// The human-readable table: strategies as columns.
pub fn table(r: &RunResults) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} customers, seed {}, horizon {} {}s, amounts in {}",
        r.scenario,
        group_thousands(r.customers),
        r.seed,
        r.horizon,
        r.period,
        r.currency
    );
    let label_w = 26;
    let col_w = r
        .strategies
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    let header = |out: &mut String, title: &str| {
        let _ = write!(out, "\n{title:<label_w$}");
        for s in &r.strategies {
            let _ = write!(out, "  {:>col_w$}", s.name);
        }
        out.push('\n');
    };
    let row = |out: &mut String, label: &str, cells: Vec<String>| {
        let _ = write!(out, "{label:<label_w$}");
        for c in cells {
            let _ = write!(out, "  {c:>col_w$}");
        }
        out.push('\n');
    };

    header(&mut out, "Retention (95% interval)");
    let step = r.report_every.max(1) as usize;
    let mut periods: Vec<usize> = (step..=r.horizon as usize).step_by(step).collect();
    if periods.last() != Some(&(r.horizon as usize)) {
        periods.push(r.horizon as usize);
    }
    for t in periods {
        let cells = r
            .strategies
            .iter()
            .map(|s| {
                let p = &s.retention[t];
                format!(
                    "{:.1}% [{:.1}, {:.1}]",
                    p.mean * 100.0,
                    p.lo * 100.0,
                    p.hi * 100.0
                )
            })
            .collect();
        row(&mut out, &format!("  after {} {t}", r.period), cells);
    }

    header(&mut out, "Per initial customer (±95%)");
    let metrics: [MetricRow; 8] = [
        ("  revenue", |s| s.revenue_per_customer, 1),
        ("  NPV", |s| s.npv_per_customer, 1),
        ("  CLV", |s| s.clv_per_customer, 1),
        ("  service cost", |s| s.cost_per_customer, 1),
        ("  programme spend", |s| s.programme_per_customer, 1),
        ("  incidents", |s| s.incidents_per_customer, 3),
        ("  escalations", |s| s.escalations_per_customer, 3),
        ("  active periods", |s| s.lifetime_periods, 2),
    ];
    for (label, get, dec) in metrics {
        let cells = r.strategies.iter().map(|s| pm(&get(s), dec)).collect();
        row(&mut out, label, cells);
    }

    header(&mut out, "Churn by root cause");
    let causes: [CauseRow; 4] = [
        ("  Purchase", |s| s.churn_by_stage.purchase),
        ("  Exception", |s| s.churn_by_stage.exception),
        ("  Relationship", |s| s.churn_by_stage.relationship),
        ("  none (baseline churn)", |s| s.churn_by_stage.none),
    ];
    for (label, get) in causes {
        let cells = r
            .strategies
            .iter()
            .map(|s| format!("{:.1}%", get(s) * 100.0))
            .collect();
        row(&mut out, label, cells);
    }

    if r.strategies.iter().any(|s| s.organisation.is_some()) {
        header(&mut out, "Organisation");
        crate::report::org::table_rows(r, &mut |label, cells| row(&mut out, label, cells));
    }
    if r.strategies.iter().any(|s| s.advocacy.is_some()) {
        header(&mut out, "Advocacy (escalations)");
        crate::report::advocacy::table_rows(r, &mut |label, cells| row(&mut out, label, cells));
    }
    out.push_str(&acquisition::table_lines(r, label_w, col_w));
    out.push_str(&accounts::table_lines(r, label_w, col_w));
    out.push_str(&segment::table_lines(r, label_w, col_w));
    out
}

/// Output formats of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisFormat {
    Table,
    Json,
    Csv,
    /// A Markdown report with the charts as inline SVG.
    Md,
    /// A standalone HTML page with the charts as inline SVG.
    Html,
}

/// A value of a metric for people: retention in percent, money and counts with decimals.
pub fn fmt_value(m: Metric, v: f64) -> String {
    if m.is_share() {
        format!("{:.2}%", v * 100.0)
    } else {
        match m {
            Metric::Incidents | Metric::Escalations => format!("{v:.4}"),
            _ => format!("{v:.2}"),
        }
    }
}

/// A signed difference for people (retention in percentage points).
pub fn fmt_diff(m: Metric, v: f64) -> String {
    if m.is_share() {
        format!("{:+.2} pp", v * 100.0)
    } else {
        match m {
            Metric::Incidents | Metric::Escalations => format!("{v:+.4}"),
            _ => format!("{v:+.2}"),
        }
    }
}

/// "+1.20 [+0.80, +1.60]" for a difference and its 95 % interval.
pub fn fmt_interval(m: Metric, e: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        fmt_diff(m, e.mean),
        fmt_diff(m, e.lo),
        fmt_diff(m, e.hi)
    )
}
