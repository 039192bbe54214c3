//! `cxsim diagnose` as table, JSON and CSV.

use std::fmt::Write as _;

use super::fmt_interval;
use crate::analysis::diagnose::{Diagnosis, RemovalRow};
use crate::fmt::{csv_field, to_json};
use crate::results::{Estimate, Metric};

/// The `cxsim.diagnose/1` JSON document.
pub fn json(d: &Diagnosis) -> String {
    to_json(d)
}

/// One row per removal target (stages first), then one per root cause.
pub fn csv(d: &Diagnosis) -> String {
    let mut out = String::from(
        "view,kind,target,stage,value,lo,hi,revenue,revenue_lo,revenue_hi,npv,npv_lo,npv_hi,\
         lost_revenue,lost_revenue_lo,lost_revenue_hi\n",
    );
    for (kind, rows) in [
        ("stage", &d.removal_by_stage),
        ("touchpoint", &d.removal_by_touchpoint),
    ] {
        for r in rows {
            let (t, v, n) = (
                &r.retention.difference,
                &r.revenue.difference,
                &r.npv.difference,
            );
            let _ = writeln!(
                out,
                "removal,{kind},{},{},{},{},{},{},{},{},{},{},{},,,",
                csv_field(&r.target),
                csv_field(&r.stage),
                t.mean,
                t.lo,
                t.hi,
                v.mean,
                v.lo,
                v.hi,
                n.mean,
                n.lo,
                n.hi
            );
        }
    }
    for (kind, rows) in [
        ("stage", &d.cause_by_stage),
        ("touchpoint", &d.cause_by_touchpoint),
    ] {
        for c in rows {
            let (e, l) = (&c.share_of_churners, &c.lost_revenue);
            let _ = writeln!(
                out,
                "root_cause,{kind},{},{},{},{},{},,,,,,,{},{},{}",
                csv_field(c.touchpoint.as_deref().unwrap_or(&c.stage)),
                csv_field(&c.stage),
                e.mean,
                e.lo,
                e.hi,
                l.mean,
                l.lo,
                l.hi
            );
        }
    }
    out
}

/// "12.3% [11.0, 13.6]": a share with its 95 % interval.
pub fn pct(e: &Estimate) -> String {
    format!(
        "{:5.1}% [{:.1}, {:.1}]",
        e.mean * 100.0,
        e.lo * 100.0,
        e.hi * 100.0
    )
}

/// The table for people.
pub fn table(d: &Diagnosis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — diagnosis of strategy \"{}\", {} customers, seed {}, horizon {} {}s, amounts in {}",
        d.scenario,
        d.strategy,
        crate::fmt::group_thousands(d.customers),
        d.seed,
        d.horizon,
        d.period,
        d.currency
    );
    let _ = writeln!(
        out,
        "lost within the horizon: {} of customers ({} churners)",
        pct(&d.churn),
        crate::fmt::group_thousands(d.churners)
    );
    let _ = writeln!(
        out,
        "revenue lost to churn: {} per initial customer (run-rate at churn × periods left)",
        fmt_money(&d.lost_revenue)
    );
    let _ = writeln!(
        out,
        "\nWEAKEST LEG: {} — making it perfect saves the most customers (removal effect).",
        d.weakest_stage
    );
    if d.most_blamed_stage != d.weakest_stage {
        let _ = writeln!(
            out,
            "(By recorded root cause, {} carries the most churn: its failures precede many \
             departures, but fixing {} moves retention more.)",
            d.most_blamed_stage, d.weakest_stage
        );
    }
    let _ = writeln!(
        out,
        "\nRemoval effect: what making it perfect (quality 1) changes, perfect − as is [95%]"
    );
    let _ = writeln!(
        out,
        "  {:<30} {:<13} {:>7}  {:<32} {:<30} NPV",
        "stage / touchpoint", "stage", "quality", "retention", "revenue"
    );
    let row = |out: &mut String, r: &RemovalRow, mark: &str| {
        let line = format!(
            "{mark} {:<30} {:<13} {:>7}  {:<32} {:<30} {:<30}",
            truncate(&r.name, 30),
            r.stage,
            r.quality.map_or(String::new(), |q| format!("{q:.3}")),
            fmt_interval(Metric::Retention, &r.retention.difference),
            fmt_interval(Metric::Revenue, &r.revenue.difference),
            fmt_interval(Metric::Npv, &r.npv.difference)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    };
    for r in &d.removal_by_stage {
        row(
            &mut out,
            r,
            if r.target == d.weakest_stage {
                ">"
            } else {
                " "
            },
        );
    }
    let _ = writeln!(out);
    for r in &d.removal_by_touchpoint {
        row(&mut out, r, " ");
    }
    let _ = writeln!(
        out,
        "\nRoot cause: each churn shared among the recent failures by the churn chance each added [95%]"
    );
    let _ = writeln!(
        out,
        "  {:<30} {:<13} {:<26} {:<26} lost revenue per customer",
        "stage / touchpoint", "stage", "share of churners", "share of customers"
    );
    for c in d.cause_by_stage.iter().chain(&d.cause_by_touchpoint) {
        let label = c.touchpoint.as_deref().unwrap_or(match c.stage.as_str() {
            "none" => "none (baseline churn)",
            s => s,
        });
        let _ = writeln!(
            out,
            "  {:<30} {:<13} {:<26} {:<26} {}",
            truncate(label, 30),
            c.stage,
            pct(&c.share_of_churners),
            pct(&c.share_of_customers),
            fmt_money(&c.lost_revenue)
        );
    }
    out
}

/// "12.34 [11.00, 13.68]": an amount with its 95 % interval.
pub fn fmt_money(e: &Estimate) -> String {
    format!("{:.2} [{:.2}, {:.2}]", e.mean, e.lo, e.hi)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
