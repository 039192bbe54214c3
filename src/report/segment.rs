//! Per-segment figures in the run's table and CSV (the JSON carries them as
//! `strategies[].segments`).

use std::fmt::Write;

use crate::fmt::{csv_field, group_thousands};
use crate::results::RunResults;
use crate::results::segment::SegmentResult;

/// A row of the per-segment table: label, how to read the cell.
type SegmentRow = (&'static str, fn(&SegmentResult) -> String);

fn pm(mean: f64, hi: f64, decimals: usize) -> String {
    format!("{mean:.decimals$} ±{:.decimals$}", hi - mean)
}

/// The "By segment" section of the table, one block per segment; empty for a one-segment
/// scenario.
pub fn table_lines(r: &RunResults, label_w: usize, col_w: usize) -> String {
    let mut out = String::new();
    let Some(first) = r.strategies.first() else {
        return out;
    };
    let rows: [SegmentRow; 10] = [
        ("retention at horizon", |g| {
            g.retention.last().map_or("n/a".into(), |p| {
                format!(
                    "{:.1}% [{:.1}, {:.1}]",
                    p.mean * 100.0,
                    p.lo * 100.0,
                    p.hi * 100.0
                )
            })
        }),
        ("revenue", |g| {
            pm(g.revenue_per_customer.mean, g.revenue_per_customer.hi, 1)
        }),
        ("NPV", |g| {
            pm(g.npv_per_customer.mean, g.npv_per_customer.hi, 1)
        }),
        ("CLV", |g| {
            pm(g.clv_per_customer.mean, g.clv_per_customer.hi, 1)
        }),
        ("service cost", |g| {
            pm(g.cost_per_customer.mean, g.cost_per_customer.hi, 1)
        }),
        ("escalations", |g| {
            pm(
                g.escalations_per_customer.mean,
                g.escalations_per_customer.hi,
                3,
            )
        }),
        ("churn: Purchase", |g| {
            format!("{:.1}%", g.churn_by_stage.purchase * 100.0)
        }),
        ("churn: Exception", |g| {
            format!("{:.1}%", g.churn_by_stage.exception * 100.0)
        }),
        ("churn: Relationship", |g| {
            format!("{:.1}%", g.churn_by_stage.relationship * 100.0)
        }),
        ("churn: none", |g| {
            format!("{:.1}%", g.churn_by_stage.none * 100.0)
        }),
    ];
    for (k, seg) in first.segments.iter().enumerate() {
        let title = format!("Segment {}", seg.id);
        let _ = write!(out, "\n{:<label_w$}", cut(&title, label_w));
        for s in &r.strategies {
            let _ = write!(out, "  {:>col_w$}", s.name);
        }
        out.push('\n');
        // The same customers under every strategy (common random numbers).
        let _ = writeln!(
            out,
            "{:<label_w$}  {:>col_w$}",
            "  customers simulated",
            group_thousands(seg.customers)
        );
        for (label, cell) in rows {
            let _ = write!(out, "{:<label_w$}", format!("  {label}"));
            for s in &r.strategies {
                let c = s.segments.get(k).map_or("n/a".to_string(), cell);
                let _ = write!(out, "  {c:>col_w$}");
            }
            out.push('\n');
        }
    }
    out
}

/// A label cut to `w` characters with an ellipsis, so the columns stay aligned.
fn cut(label: &str, w: usize) -> String {
    if label.chars().count() <= w {
        return label.to_string();
    }
    let mut c: String = label.chars().take(w.saturating_sub(1)).collect();
    c.push('…');
    c
}

/// The segment columns of the CSV header (with a leading comma): each segment's retention
/// and its interval, named `retention[ID]`, `retention_lo[ID]`, `retention_hi[ID]`.
pub fn csv_header(r: &RunResults) -> String {
    let mut out = String::new();
    if let Some(first) = r.strategies.first() {
        for g in &first.segments {
            for col in ["retention", "retention_lo", "retention_hi"] {
                let _ = write!(out, ",{}", csv_field(&format!("{col}[{}]", g.id)));
            }
        }
    }
    out
}

/// Strategy `si`'s segment cells for period `t` (with a leading comma).
pub fn csv_cells(r: &RunResults, si: usize, t: usize) -> String {
    let mut out = String::new();
    let width = r.strategies.first().map_or(0, |s| s.segments.len());
    let segs = r
        .strategies
        .get(si)
        .map_or(&[][..], |s| s.segments.as_slice());
    for k in 0..width {
        match segs.get(k).and_then(|g| g.retention.get(t)) {
            Some(p) => {
                let _ = write!(out, ",{},{},{}", p.mean, p.lo, p.hi);
            }
            None => out.push_str(",,,"),
        }
    }
    out
}
