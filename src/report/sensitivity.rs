//! `cxsim sensitivity` as table, JSON and CSV.

use std::fmt::Write as _;

use super::{fmt_interval, fmt_value};
use crate::analysis::Paired;
use crate::analysis::sensitivity::Sensitivity;
use crate::fmt::{csv_field, to_json};

/// The `cxsim.sensitivity/1` JSON document.
pub fn json(s: &Sensitivity) -> String {
    to_json(s)
}

/// One row per parameter, sorted by swing.
pub fn csv(s: &Sensitivity) -> String {
    let mut out = String::from(
        "parameter,path,value,low_value,high_value,low_effect,low_lo,low_hi,high_effect,high_lo,\
         high_hi,swing\n",
    );
    for r in &s.rows {
        let (l, h) = (&r.low.difference, &r.high.difference);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.parameter),
            csv_field(&r.path.to_string()),
            r.value,
            r.low_value,
            r.high_value,
            l.mean,
            l.lo,
            l.hi,
            h.mean,
            h.lo,
            h.hi,
            r.swing
        );
    }
    out
}

/// The table for people.
pub fn table(s: &Sensitivity) -> String {
    let m = s.metric;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — sensitivity of {} to ±{}% of each parameter, strategy \"{}\", {} customers, seed {}",
        s.scenario,
        m.label(),
        s.delta * 100.0,
        s.strategy,
        crate::fmt::group_thousands(s.customers),
        s.seed
    );
    let _ = writeln!(
        out,
        "as is: {} [{}, {}] (amounts in {}); effects are paired differences on common random \
         numbers [95%], * = significant",
        fmt_value(m, s.base.mean),
        fmt_value(m, s.base.lo),
        fmt_value(m, s.base.hi),
        s.currency
    );
    let _ = writeln!(
        out,
        "\n  {:<40} {:>10}  {:<34} {:<34} swing",
        "parameter", "value", "effect of −delta", "effect of +delta"
    );
    for r in &s.rows {
        let mark = |p: &Paired| if p.significant { "*" } else { " " };
        let _ = writeln!(
            out,
            "  {:<40} {:>10}  {:<32} {} {:<32} {} {}",
            truncate(&r.parameter, 40),
            format!("{:.4}", r.value),
            fmt_interval(m, &r.low.difference),
            mark(&r.low),
            fmt_interval(m, &r.high.difference),
            mark(&r.high),
            super::fmt_diff(m, r.swing).trim_start_matches('+')
        );
    }
    out
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
