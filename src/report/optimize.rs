//! `cxsim optimize` as table, JSON and CSV.

use std::fmt::Write as _;

use super::{fmt_interval, fmt_value};
use crate::analysis::optimize::{Optimization, SurfacePoint};
use crate::fmt::to_json;

/// The `cxsim.optimize/1` JSON document.
pub fn json(o: &Optimization) -> String {
    to_json(o)
}

/// The surface: one row per evaluated split.
pub fn csv(o: &Optimization) -> String {
    let mut out = String::from(
        "purchase,exception,relationship,round,value,se,lo,hi,difference_to_best,difference_se,\
         paired,indistinguishable\n",
    );
    for p in &o.search.surface {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            p.purchase,
            p.exception,
            p.relationship,
            p.round,
            p.value.mean,
            p.value.se,
            p.value.lo,
            p.value.hi,
            p.difference_to_best.mean,
            p.difference_to_best.se,
            p.paired,
            p.indistinguishable
        );
    }
    out
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The table for people.
pub fn table(o: &Optimization) -> String {
    let m = o.objective.metric();
    let s = &o.search;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — best emphasis for {} at budget {} {} per customer-period; {} customers, seed {}",
        o.scenario,
        m.label(),
        o.budget,
        o.currency,
        crate::fmt::group_thousands(o.customers),
        o.seed
    );
    let _ = writeln!(
        out,
        "searched {} splits: grid of 1/{} steps, refined to 1/{} near the best",
        s.surface.len(),
        s.resolution,
        s.finest_resolution
    );
    let b = &s.best;
    let _ = writeln!(
        out,
        "\nbest split   purchase {}  exception {}  relationship {}",
        pct(b.purchase),
        pct(b.exception),
        pct(b.relationship)
    );
    let _ = writeln!(
        out,
        "{:<12} {} [{}, {}]",
        "value",
        fmt_value(m, b.value.mean),
        fmt_value(m, b.value.lo),
        fmt_value(m, b.value.hi)
    );
    let _ = writeln!(
        out,
        "\n{} split(s) are statistically indistinguishable from the best (paired 95 % interval of \
         the difference contains 0){}:",
        s.indistinguishable,
        if s.capped {
            "; more candidates than could be re-run, some judged on conservative intervals"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "  {:>9} {:>9} {:>12}  {:>12}  difference to best [95%]",
        "purchase", "exception", "relationship", "value"
    );
    let mut close: Vec<&SurfacePoint> = s.surface.iter().filter(|p| p.indistinguishable).collect();
    close.sort_by(|a, b| b.value.mean.total_cmp(&a.value.mean));
    let shown = close.len().min(20);
    let more = close.len() - shown;
    for p in close.into_iter().take(shown) {
        let _ = writeln!(
            out,
            "  {:>9} {:>9} {:>12}  {:>12}  {}",
            pct(p.purchase),
            pct(p.exception),
            pct(p.relationship),
            fmt_value(m, p.value.mean),
            fmt_interval(m, &p.difference_to_best)
        );
    }
    if more > 0 {
        let _ = writeln!(out, "  … and {more} more (the whole surface: --format csv)");
    }
    if !o.sweep.is_empty() {
        let _ = writeln!(out, "\nbudget sweep: the best split as the budget grows");
        let _ = writeln!(
            out,
            "  {:>10} {:>9} {:>9} {:>12}  {:>12}  {:>16}",
            "budget", "purchase", "exception", "relationship", "value", "indistinguishable"
        );
        for w in &o.sweep {
            let _ = writeln!(
                out,
                "  {:>10} {:>9} {:>9} {:>12}  {:>12}  {:>16}",
                w.budget,
                pct(w.best.purchase),
                pct(w.best.exception),
                pct(w.best.relationship),
                fmt_value(m, w.best.value.mean),
                w.indistinguishable
            );
        }
    }
    out
}
