//! Reports people share: Markdown and standalone HTML with tables and inline SVG charts
//! (`crate::report::chart`), for a run and for each analysis. No dates, no paths, no randomness: the
//! same inputs give the same bytes.

use std::fmt::Write as _;

use super::{fmt_interval, fmt_value};
use crate::analysis::compare::Comparison;
use crate::analysis::diagnose::Diagnosis;
use crate::analysis::optimize::Optimization;
use crate::analysis::sensitivity::Sensitivity;
use crate::fmt::group_thousands;
use crate::report::chart::{self, escape};
use crate::report::compare::fmt_ratio;
use crate::results::Metric;
use crate::results::RunResults;

/// A block of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Para(String),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// An SVG document (inlined).
    Svg(String),
}

/// A report: a title and blocks, rendered as Markdown or HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Doc {
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for b in &self.blocks {
            out.push('\n');
            match b {
                Block::Heading(h) => {
                    let _ = writeln!(out, "## {h}");
                }
                Block::Para(p) => {
                    let _ = writeln!(out, "{p}");
                }
                Block::Table { head, rows } => {
                    let h: Vec<String> = head.iter().map(|c| md_cell(c)).collect();
                    let _ = writeln!(out, "| {} |", h.join(" | "));
                    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                    for r in rows {
                        let c: Vec<String> = r.iter().map(|c| md_cell(c)).collect();
                        let _ = writeln!(out, "| {} |", c.join(" | "));
                    }
                }
                Block::Svg(svg) => {
                    let _ = writeln!(out, "<div>\n{}</div>", svg);
                }
            }
        }
        out
    }

    pub fn html(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
             <style>body{{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em}}\
             table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;\
             text-align:right}}td:first-child,th:first-child{{text-align:left}}</style>\n</head>\n<body>\n<h1>{}</h1>",
            escape(&self.title),
            escape(&self.title)
        );
        for b in &self.blocks {
            match b {
                Block::Heading(h) => {
                    let _ = writeln!(out, "<h2>{}</h2>", escape(h));
                }
                Block::Para(p) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(p));
                }
                Block::Table { head, rows } => {
                    out.push_str("<table>\n<tr>");
                    for c in head {
                        let _ = write!(out, "<th>{}</th>", escape(c));
                    }
                    out.push_str("</tr>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for c in r {
                            let _ = write!(out, "<td>{}</td>", escape(c));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
                Block::Svg(svg) => {
                    let _ = writeln!(out, "<figure>\n{}</figure>", svg);
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// A chart and the name it is written under (`--charts DIR` writes `DIR/NAME.svg`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedChart {
    pub name: &'static str,
    pub svg: String,
}

fn named(name: &'static str, svg: String) -> NamedChart {
    NamedChart { name, svg }
}

/// The charts of a run (and of a comparison): retention with bands, NPV and revenue bars.
pub fn run_charts(r: &RunResults) -> Vec<NamedChart> {
    vec![
        named("retention", chart::retention_chart(r).svg()),
        named("npv", chart::metric_bars(r, Metric::Npv).svg()),
        named("revenue", chart::metric_bars(r, Metric::Revenue).svg()),
    ]
}

/// The charts of a comparison: those of its run.
pub fn compare_charts(c: &Comparison) -> Vec<NamedChart> {
    run_charts(&c.results)
}

/// The ternary map of an optimisation.
pub fn optimize_charts(o: &Optimization) -> Vec<NamedChart> {
    let title = format!("{} over the emphasis simplex", o.objective.metric().label());
    vec![named("ternary", chart::ternary(&title, &o.search).svg())]
}

/// Removal effects and revenue lost by root cause.
pub fn diagnose_charts(d: &Diagnosis) -> Vec<NamedChart> {
    vec![
        named("removal", chart::removal_bars(d).svg()),
        named("lost-revenue", chart::lost_revenue_bars(d).svg()),
    ]
}

/// The tornado of a sensitivity analysis.
pub fn sensitivity_charts(v: &Sensitivity) -> Vec<NamedChart> {
    vec![named("tornado", chart::tornado(v).svg())]
}

fn svgs(charts: Vec<NamedChart>) -> impl Iterator<Item = Block> {
    charts.into_iter().map(|c| Block::Svg(c.svg))
}

/// A run: retention, metrics per strategy, charts.
pub fn run_doc(r: &RunResults) -> Doc {
    let mut blocks = vec![Block::Para(format!(
        "{} customers, seed {}, horizon {} {}s, amounts in {}. Intervals are 95 %.",
        group_thousands(r.customers),
        r.seed,
        r.horizon,
        r.period,
        r.currency
    ))];
    let mut head = vec![s("metric")];
    head.extend(r.strategies.iter().map(|st| st.name.clone()));
    // One row per metric, one cell per strategy: the estimate `get(strategy, metric)` gives.
    let table = |get: &dyn Fn(usize, Metric) -> Option<crate::results::Estimate>| Block::Table {
        head: head.clone(),
        rows: Metric::ALL
            .iter()
            .map(|&m| {
                let mut row = vec![s(m.label())];
                row.extend((0..r.strategies.len()).map(|i| {
                    get(i, m).map_or(String::new(), |e| {
                        format!(
                            "{} [{}, {}]",
                            fmt_value(m, e.mean),
                            fmt_value(m, e.lo),
                            fmt_value(m, e.hi)
                        )
                    })
                }));
                row
            })
            .collect(),
    };
    blocks.push(Block::Heading(s("Per initial customer")));
    blocks.push(table(&|i, m| crate::analysis::estimate(r, i, m)));
    // The same figures per segment, from the same run (docs/model.md §15).
    for (g, seg) in r
        .strategies
        .first()
        .map_or(&[][..], |st| st.segments.as_slice())
        .iter()
        .enumerate()
    {
        blocks.push(Block::Heading(format!("Segment {}", seg.id)));
        blocks.push(Block::Para(format!(
            "{} of the simulated customers{}; per initial customer of the segment.",
            group_thousands(seg.customers),
            if seg.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", seg.name)
            }
        )));
        blocks.push(table(&|i, m| crate::analysis::estimate_in(r, g, i, m)));
    }
    blocks.push(Block::Heading(s("Charts")));
    blocks.extend(svgs(run_charts(r)));
    Doc {
        title: format!("{} — simulation report", r.scenario),
        blocks,
    }
}

/// A comparison: differences per strategy and metric, charts of the run.
pub fn compare_doc(c: &Comparison) -> Doc {
    let mut blocks = vec![Block::Para(format!(
        "Each strategy minus \"{}\", {} customers on common random numbers, seed {}, horizon {} \
         {}s, amounts in {}. * = the 95 % interval excludes 0. CRN gain = SE of independent runs / \
         paired SE.",
        c.baseline,
        group_thousands(c.customers),
        c.seed,
        c.horizon,
        c.period,
        c.currency
    ))];
    for sc in &c.comparisons {
        blocks.push(Block::Heading(format!("{} vs {}", sc.strategy, c.baseline)));
        let rows = sc
            .metrics
            .iter()
            .map(|p| {
                vec![
                    s(p.metric.label()),
                    fmt_value(p.metric, p.base.mean),
                    fmt_value(p.metric, p.other.mean),
                    fmt_interval(p.metric, &p.difference),
                    s(if p.significant { "*" } else { "" }),
                    fmt_ratio(p.se_ratio),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            head: [
                "metric",
                "baseline",
                "strategy",
                "difference [95%]",
                "sig.",
                "CRN gain",
            ]
            .map(s)
            .to_vec(),
            rows,
        });
    }
    blocks.push(Block::Heading(s("Charts")));
    blocks.extend(svgs(compare_charts(c)));
    Doc {
        title: format!("{} — strategy comparison", c.scenario),
        blocks,
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// An optimisation: best split, ternary map, indistinguishable splits, sweep.
pub fn optimize_doc(o: &Optimization) -> Doc {
    let m = o.objective.metric();
    let b = &o.search.best;
    let mut blocks = vec![Block::Para(format!(
        "Best split for {} at budget {} {} per customer-period: purchase {}, exception {}, \
         relationship {} — {} [{}, {}]. {} customers, seed {}; grid 1/{} refined to 1/{}. {} \
         split(s) are statistically indistinguishable from the best (paired 95 % interval of the \
         difference contains 0){}.",
        m.label(),
        o.budget,
        o.currency,
        pct(b.purchase),
        pct(b.exception),
        pct(b.relationship),
        fmt_value(m, b.value.mean),
        fmt_value(m, b.value.lo),
        fmt_value(m, b.value.hi),
        group_thousands(o.customers),
        o.seed,
        o.search.resolution,
        o.search.finest_resolution,
        o.search.indistinguishable,
        if o.search.capped {
            "; the final run was capped, some judged on conservative intervals"
        } else {
            ""
        }
    ))];
    blocks.extend(svgs(optimize_charts(o)));
    let mut close: Vec<_> = o
        .search
        .surface
        .iter()
        .filter(|p| p.indistinguishable)
        .collect();
    close.sort_by(|a, b| b.value.mean.total_cmp(&a.value.mean));
    blocks.push(Block::Heading(s("Splits indistinguishable from the best")));
    blocks.push(Block::Table {
        head: [
            "purchase",
            "exception",
            "relationship",
            "value",
            "difference to best [95%]",
        ]
        .map(s)
        .to_vec(),
        rows: close
            .iter()
            .map(|p| {
                vec![
                    pct(p.purchase),
                    pct(p.exception),
                    pct(p.relationship),
                    fmt_value(m, p.value.mean),
                    fmt_interval(m, &p.difference_to_best),
                ]
            })
            .collect(),
    });
    if !o.sweep.is_empty() {
        blocks.push(Block::Heading(s("Budget sweep")));
        blocks.push(Block::Table {
            head: [
                "budget",
                "purchase",
                "exception",
                "relationship",
                "value",
                "indistinguishable",
            ]
            .map(s)
            .to_vec(),
            rows: o
                .sweep
                .iter()
                .map(|w| {
                    vec![
                        format!("{}", w.budget),
                        pct(w.best.purchase),
                        pct(w.best.exception),
                        pct(w.best.relationship),
                        fmt_value(m, w.best.value.mean),
                        w.indistinguishable.to_string(),
                    ]
                })
                .collect(),
        });
    }
    Doc {
        title: format!("{} — emphasis optimisation", o.scenario),
        blocks,
    }
}

/// A diagnosis: weakest leg, removal effects, root causes.
pub fn diagnose_doc(d: &Diagnosis) -> Doc {
    let mut blocks = vec![Block::Para(format!(
        "Strategy \"{}\", {} customers, seed {}, horizon {} {}s. Lost within the horizon: {} \
         [{}, {}] of customers, {} {} of revenue per initial customer (run-rate at churn × \
         periods left). Weakest leg of the triad (largest removal effect on retention): \
         {}. Most blamed by recorded root cause: {}.",
        d.strategy,
        group_thousands(d.customers),
        d.seed,
        d.horizon,
        d.period,
        pct(d.churn.mean),
        pct(d.churn.lo),
        pct(d.churn.hi),
        crate::report::diagnose::fmt_money(&d.lost_revenue),
        d.currency,
        d.weakest_stage,
        d.most_blamed_stage
    ))];
    blocks.extend(svgs(diagnose_charts(d)));
    blocks.push(Block::Heading(s("Removal effect (perfect − as is)")));
    blocks.push(Block::Table {
        head: ["stage / touchpoint", "stage", "retention", "revenue", "NPV"]
            .map(s)
            .to_vec(),
        rows: d
            .removal_by_stage
            .iter()
            .chain(&d.removal_by_touchpoint)
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.stage.clone(),
                    fmt_interval(Metric::Retention, &r.retention.difference),
                    fmt_interval(Metric::Revenue, &r.revenue.difference),
                    fmt_interval(Metric::Npv, &r.npv.difference),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading(s("Recorded root cause")));
    blocks.push(Block::Table {
        head: [
            "cause",
            "stage",
            "share of churners [95%]",
            "share of customers [95%]",
            "lost revenue per customer [95%]",
        ]
        .map(s)
        .to_vec(),
        rows: d
            .cause_by_stage
            .iter()
            .chain(&d.cause_by_touchpoint)
            .map(|c| {
                let e = |x: &crate::results::Estimate| {
                    format!("{} [{}, {}]", pct(x.mean), pct(x.lo), pct(x.hi))
                };
                vec![
                    c.touchpoint.clone().unwrap_or_else(|| c.stage.clone()),
                    c.stage.clone(),
                    e(&c.share_of_churners),
                    e(&c.share_of_customers),
                    crate::report::diagnose::fmt_money(&c.lost_revenue),
                ]
            })
            .collect(),
    });
    Doc {
        title: format!("{} — churn diagnosis", d.scenario),
        blocks,
    }
}

/// A sensitivity analysis: tornado and table.
pub fn sensitivity_doc(v: &Sensitivity) -> Doc {
    let m = v.metric;
    let mut blocks = vec![Block::Para(format!(
        "Strategy \"{}\", {} customers, seed {}. As is: {} [{}, {}]. Each parameter moved by \
         ±{}% (clamped to its range), all variants on common random numbers.",
        v.strategy,
        group_thousands(v.customers),
        v.seed,
        fmt_value(m, v.base.mean),
        fmt_value(m, v.base.lo),
        fmt_value(m, v.base.hi),
        v.delta * 100.0
    ))];
    blocks.extend(svgs(sensitivity_charts(v)));
    blocks.push(Block::Table {
        head: [
            "parameter",
            "value",
            "−delta [95%]",
            "+delta [95%]",
            "swing",
        ]
        .map(s)
        .to_vec(),
        rows: v
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.parameter.clone(),
                    format!("{:.4}", r.value),
                    fmt_interval(m, &r.low.difference),
                    fmt_interval(m, &r.high.difference),
                    super::fmt_diff(m, r.swing),
                ]
            })
            .collect(),
    });
    Doc {
        title: format!("{} — sensitivity of {}", v.scenario, m.label()),
        blocks,
    }
}
