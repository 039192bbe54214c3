//! A calibration as a table, JSON (`cxsim.calibrate/1`), CSV and a report with the observed vs
//! fitted chart (docs/calibration.md).

use std::fmt::Write as _;

use crate::analysis::calibrate::{Calibration, Estimate, GoodnessOfFit};
use crate::fmt::{csv_field, to_json};
use crate::report::chart::{LineChart, Series};
use crate::report::document::{Block, Doc, NamedChart};

fn end(v: Option<f64>) -> String {
    v.map_or("unbounded".into(), |v| format!("{v:.4}"))
}

fn interval(e: &Estimate) -> String {
    format!("[{}, {}]", end(e.lo), end(e.hi))
}

fn gof_line(g: &GoodnessOfFit) -> String {
    match g.p_value {
        Some(p) => format!(
            "χ² = {:.2} on {} degrees of freedom, p = {p:.3}{}",
            g.statistic,
            g.df,
            if g.small_cells > 0 {
                format!(" ({} cells expect fewer than 5)", g.small_cells)
            } else {
                String::new()
            }
        ),
        None => format!(
            "χ² = {:.2}; no degrees of freedom left for a test",
            g.statistic
        ),
    }
}

fn estimate_rows(c: &Calibration) -> Vec<Vec<String>> {
    c.estimates
        .iter()
        .map(|e| {
            vec![
                e.path.clone(),
                format!("{:.4}", e.value),
                interval(e),
                format!("{:.4}", e.file_value),
                e.method.clone(),
            ]
        })
        .collect()
}

const ESTIMATE_HEAD: [&str; 5] = ["parameter", "estimate", "95% interval", "file", "method"];

fn curve_rows(c: &Calibration) -> Vec<Vec<String>> {
    c.curve
        .iter()
        .map(|p| {
            vec![
                p.group.clone(),
                p.period.to_string(),
                p.customers.to_string(),
                format!(
                    "{:.1}% [{:.1}, {:.1}]",
                    p.observed * 100.0,
                    p.observed_lo * 100.0,
                    p.observed_hi * 100.0
                ),
                format!(
                    "{:.1}% [{:.1}, {:.1}]",
                    p.fitted * 100.0,
                    p.fitted_lo * 100.0,
                    p.fitted_hi * 100.0
                ),
                if p.held_out { "projected" } else { "fitted" }.to_string(),
            ]
        })
        .collect()
}

const CURVE_HEAD: [&str; 6] = ["group", "period", "customers", "observed", "model", "use"];

fn grid(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (k, c) in r.iter().enumerate() {
            w[k] = w[k].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&w)
            .map(|(c, &n)| format!("{c}{}", " ".repeat(n - c.chars().count())))
            .collect();
        let _ = writeln!(out, "  {}", padded.join("  ").trim_end());
    };
    line(head.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// The terminal table.
pub fn table(c: &Calibration) -> String {
    let mut out = format!(
        "Calibration of {} (strategy {}) from {}\n\n",
        c.scenario,
        c.strategy,
        c.data.join(", ")
    );
    out.push_str(&grid(&ESTIMATE_HEAD, &estimate_rows(c)));
    if let Some(ll) = c.log_likelihood {
        let _ = writeln!(out, "\nlog-likelihood {ll:.3}");
    }
    if let Some(g) = &c.goodness_of_fit {
        let _ = writeln!(out, "goodness of fit: {}", gof_line(g));
    }
    if !c.curve.is_empty() {
        out.push_str("\nretention, observed (Wilson 95%) and model (95% band):\n");
        out.push_str(&grid(&CURVE_HEAD, &curve_rows(c)));
    }
    if let Some(h) = &c.holdout {
        let _ = writeln!(
            out,
            "\nhold-out: fitted through period {}, last {} projected: mean absolute error {:.2} \
             points, max {:.2}, mean absolute percentage error {:.1}%",
            h.fitted_through,
            h.periods,
            h.mean_abs_error * 100.0,
            h.max_abs_error * 100.0,
            h.mean_abs_percentage_error * 100.0
        );
    }
    for r in &c.rates {
        let _ = writeln!(
            out,
            "\n{}: {} of {} observed ({:.1}% [{:.1}, {:.1}]); investment response {:.3}{}",
            r.path,
            r.successes,
            r.trials,
            r.observed * 100.0,
            r.observed_lo * 100.0,
            r.observed_hi * 100.0,
            r.investment_response,
            r.homogeneity
                .as_ref()
                .map_or(String::new(), |g| format!("; rows alike: {}", gof_line(g)))
        );
    }
    for w in &c.warnings {
        let _ = writeln!(out, "\nwarning: {w}");
    }
    out
}

pub fn json(c: &Calibration) -> String {
    to_json(c)
}

/// One row per estimate, then one per curve point.
pub fn csv(c: &Calibration) -> String {
    let mut out = String::from("kind,parameter_or_group,period,value,lo,hi,file_value,observed\n");
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for e in &c.estimates {
        let _ = writeln!(
            out,
            "estimate,{},,{},{},{},{},",
            csv_field(&e.path),
            e.value,
            opt(e.lo),
            opt(e.hi),
            e.file_value
        );
    }
    for p in &c.curve {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},,{}",
            if p.held_out { "projected" } else { "fitted" },
            csv_field(&p.group),
            p.period,
            p.fitted,
            p.fitted_lo,
            p.fitted_hi,
            p.observed
        );
    }
    out
}

/// Observed retention (with its interval as a band) and the model's curve, per group.
pub fn fit_chart(c: &Calibration) -> LineChart {
    let mut groups: Vec<&str> = Vec::new();
    for p in &c.curve {
        if !groups.contains(&p.group.as_str()) {
            groups.push(&p.group);
        }
    }
    let mut series = Vec::new();
    for g in groups {
        let pts: Vec<_> = c.curve.iter().filter(|p| p.group == g).collect();
        series.push(Series {
            name: format!("{g}: observed"),
            points: pts
                .iter()
                .map(|p| {
                    (
                        f64::from(p.period),
                        p.observed * 100.0,
                        p.observed_lo * 100.0,
                        p.observed_hi * 100.0,
                    )
                })
                .collect(),
        });
        series.push(Series {
            name: format!("{g}: model"),
            points: pts
                .iter()
                .map(|p| {
                    (
                        f64::from(p.period),
                        p.fitted * 100.0,
                        p.fitted_lo * 100.0,
                        p.fitted_hi * 100.0,
                    )
                })
                .collect(),
        });
    }
    LineChart {
        title: format!("Observed vs calibrated retention — {}", c.scenario),
        x_label: "period".into(),
        y_label: "customers retained (%)".into(),
        series,
    }
}

pub fn charts(c: &Calibration) -> Vec<NamedChart> {
    if c.curve.is_empty() {
        return Vec::new();
    }
    vec![NamedChart {
        name: "calibration",
        svg: fit_chart(c).svg(),
    }]
}

pub fn doc(c: &Calibration) -> Doc {
    let mut blocks = vec![
        Block::Para(format!(
            "Strategy the data were collected under: {}. Data: {}.",
            c.strategy,
            c.data.join(", ")
        )),
        Block::Heading("Estimates".into()),
        Block::Table {
            head: ESTIMATE_HEAD.iter().map(|s| s.to_string()).collect(),
            rows: estimate_rows(c),
        },
    ];
    if let Some(g) = &c.goodness_of_fit {
        blocks.push(Block::Para(format!("Goodness of fit: {}.", gof_line(g))));
    }
    if !c.curve.is_empty() {
        blocks.push(Block::Heading("Observed and fitted retention".into()));
        blocks.push(Block::Svg(fit_chart(c).svg()));
        blocks.push(Block::Table {
            head: CURVE_HEAD.iter().map(|s| s.to_string()).collect(),
            rows: curve_rows(c),
        });
    }
    if let Some(h) = &c.holdout {
        blocks.push(Block::Para(format!(
            "Hold-out: fitted through period {}; the last {} periods projected with mean \
             absolute error {:.2} points (max {:.2}, {:.1}% of the observed).",
            h.fitted_through,
            h.periods,
            h.mean_abs_error * 100.0,
            h.max_abs_error * 100.0,
            h.mean_abs_percentage_error * 100.0
        )));
    }
    if !c.warnings.is_empty() {
        blocks.push(Block::Heading("Warnings".into()));
        for w in &c.warnings {
            blocks.push(Block::Para(w.clone()));
        }
    }
    Doc {
        title: format!("Calibration — {}", c.scenario),
        blocks,
    }
}
