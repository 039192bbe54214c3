//! The acquisition's part of the run table and CSV (docs/format.md): the open population's
//! figures per strategy, with their batch-means intervals where there are some.

use std::fmt::Write as _;

use crate::results::acquisition::StrategyAcquisition;
use crate::results::acquisition::intervals::Intervals;
use crate::results::{Estimate, RunResults};

// ---------------------------------------------------------------------------------------------
// Table lines (appended to the run table by `report::table`).

/// " ±x" from one of the strategy's intervals (empty without one).
fn ci(
    s: &StrategyAcquisition,
    get: fn(&Intervals) -> Option<&Estimate>,
    decimals: usize,
) -> String {
    plus_minus(s.intervals.as_ref().and_then(get), decimals)
}

/// The acquisition block of the run table; empty without an acquisition section.
pub fn table_lines(r: &RunResults, label_w: usize, col_w: usize) -> String {
    let Some(a) = &r.acquisition else {
        return String::new();
    };
    let mut out = String::new();
    let _ = write!(out, "\n{:<label_w$}", "Acquisition (open population)");
    for s in &a.strategies {
        let _ = write!(out, "  {:>col_w$}", s.name);
    }
    out.push('\n');
    let h = r.horizon as usize;
    type Cell = fn(&StrategyAcquisition, usize) -> String;
    // "±x": the half-width of the batch-means 95 % interval (§14), where there is one.
    let rows: [(&str, Cell); 10] = [
        ("  new customers", |s, _| {
            format!("{:.0}", s.total_new_customers)
        }),
        ("  CAC", |s, _| {
            s.cac.map_or("n/a".to_string(), |c| {
                format!("{c:.1}{}", ci(s, |i| i.cac.as_ref(), 1))
            })
        }),
        ("  payback periods", |s, _| {
            s.payback_periods.map_or("not in horizon".to_string(), |p| {
                // The interval is that of the interpolated crossing, whose ceiling is `p`.
                match s
                    .intervals
                    .as_ref()
                    .and_then(|i| i.payback_periods.as_ref())
                {
                    Some(e) => format!("{p} ({})", mean_plus_minus(e, 1)),
                    None => p.to_string(),
                }
            })
        }),
        ("  active base at start", |s, _| {
            format!("{:.0}", s.active_base[0])
        }),
        ("  active base at end", |s, h| {
            format!(
                "{:.0}{}",
                s.active_base[h],
                ci(s, |i| i.active_base_end.as_ref(), 0)
            )
        }),
        ("  revenue", |s, _| {
            format!("{:.0}", s.revenue.iter().sum::<f64>())
        }),
        ("  lost to churn: current", |s, _| {
            format!(
                "{:.0}{}",
                s.lost_to_churn.current,
                ci(s, |i| i.lost_current.as_ref(), 0)
            )
        }),
        ("    future", |s, _| {
            format!(
                "{:.0}{}",
                s.lost_to_churn.future,
                ci(s, |i| i.lost_future.as_ref(), 0)
            )
        }),
        ("    reputation", |s, _| {
            format!(
                "{:.0}{}",
                s.lost_to_churn.reputation,
                ci(s, |i| i.lost_reputation.as_ref(), 0)
            )
        }),
        ("  ± 95% (batch means)", |s, _| match &s.intervals {
            Some(i) if i.reason.is_none() => format!("{} batches", i.batches),
            Some(_) => "no interval".to_string(),
            None => String::new(),
        }),
    ];
    // With accounts (docs/model.md §12) the funnels win accounts.
    let accounts = r.strategies.iter().any(|s| s.accounts.is_some());
    for (label, cell) in rows {
        let label = match label {
            "  new customers" if accounts => "  new accounts",
            _ => label,
        };
        let _ = write!(out, "{label:<label_w$}");
        for s in &a.strategies {
            let _ = write!(out, "  {:>col_w$}", cell(s, h));
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV columns (appended to each row of `report::csv`; docs/format.md).

/// The header of the acquisition columns (with a leading comma), empty without an acquisition
/// section so the CSV of a plain scenario is unchanged.
pub fn csv_header(r: &RunResults) -> &'static str {
    if r.acquisition.is_none() {
        return "";
    }
    ",new_customers,referred_customers,warned_off,acquisition_cost,active_base,churners,\
     base_revenue,cac,payback_periods,lost_current,lost_future,lost_reputation"
}

/// The acquisition cells of strategy `si`'s row for period `t` (with a leading comma): the
/// period's flows (0 in period 0) and the base at its end, then the strategy's figures over the
/// horizon, repeated on each of its rows; empty cells for null.
pub fn csv_cells(r: &RunResults, si: usize, t: usize) -> String {
    let Some(a) = &r.acquisition else {
        return String::new();
    };
    let Some(s) = a.strategies.get(si) else {
        return ",,,,,,,,,,,,".to_string();
    };
    let flow = |v: &[f64]| {
        if t == 0 {
            0.0
        } else {
            v.get(t - 1).copied().unwrap_or(0.0)
        }
    };
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    format!(
        ",{},{},{},{},{},{},{},{},{},{},{},{}",
        flow(&s.new_customers),
        flow(&s.referred_customers),
        flow(&s.warned_off),
        flow(&s.acquisition_cost),
        s.active_base.get(t).copied().unwrap_or(0.0),
        flow(&s.churners),
        flow(&s.revenue),
        opt(s.cac),
        s.payback_periods.map_or(String::new(), |p| p.to_string()),
        s.lost_to_churn.current,
        s.lost_to_churn.future,
        s.lost_to_churn.reputation,
    )
}

// ---------------------------------------------------------------------------------------------
// Interval cells.

/// "1,234 ±56" for the run table: the half-width of the 95 % interval.
pub fn plus_minus(e: Option<&Estimate>, decimals: usize) -> String {
    match e {
        Some(e) => format!(" ±{:.*}", decimals, e.hi - e.mean),
        None => String::new(),
    }
}

/// "1.15 ±0.03": an estimate with at least `decimals` decimals, and more when the half-width
/// would otherwise print as zero (two significant digits of it, at most 6 decimals).
pub fn mean_plus_minus(e: &Estimate, decimals: usize) -> String {
    let half = e.hi - e.mean;
    let needed = if half > 0.0 && half < 1.0 {
        (-half.log10()).floor() as usize + 2
    } else {
        0
    };
    let d = decimals.max(needed).min(6);
    format!("{:.*} ±{:.*}", d, e.mean, d, half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_half_widths_get_enough_decimals() {
        let e = |mean: f64, half: f64| Estimate {
            mean,
            se: half / 1.96,
            lo: mean - half,
            hi: mean + half,
        };
        assert_eq!(mean_plus_minus(&e(1.15, 0.034), 1), "1.150 ±0.034");
        assert_eq!(mean_plus_minus(&e(1.15, 0.34), 1), "1.15 ±0.34");
        assert_eq!(mean_plus_minus(&e(12.0, 3.0), 1), "12.0 ±3.0");
        assert_eq!(mean_plus_minus(&e(2.0, 0.0), 1), "2.0 ±0.0");
        assert_eq!(mean_plus_minus(&e(2.0, 1e-12), 1), "2.000000 ±0.000000");
    }
}
