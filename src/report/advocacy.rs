//! The advocacy programme in the run table, and the `review` command's table, JSON and CSV.

use crate::analysis::review::Review;
use crate::results::Estimate;
use crate::results::advocacy::AdvocacyResult;

/// Rows of the run table's "Advocacy" block (strategies as columns): label and cells.
pub fn table_rows(r: &crate::results::RunResults, row: &mut dyn FnMut(&str, Vec<String>)) {
    let cells = |f: &dyn Fn(&AdvocacyResult) -> String| -> Vec<String> {
        r.strategies
            .iter()
            .map(|s| s.advocacy.as_ref().map_or_else(|| "—".to_string(), f))
            .collect()
    };
    row(
        "  escalations / customer",
        cells(&|a| format!("{:.3}", a.escalations_per_customer)),
    );
    row(
        "  closed out",
        cells(&|a| {
            format!(
                "{:.1}% ±{:.1}",
                a.close_out_rate.mean * 100.0,
                (a.close_out_rate.hi - a.close_out_rate.mean) * 100.0
            )
        }),
    );
    row(
        "  recurrences / escalation",
        cells(&|a| format!("{:.3}", a.recurrence_rate)),
    );
    row(
        "  periods to resolution",
        cells(&|a| {
            format!(
                "{:.2} ±{:.2}",
                a.time_to_resolution.mean,
                a.time_to_resolution.hi - a.time_to_resolution.mean
            )
        }),
    );
    row(
        "  programme cost",
        cells(&|a| {
            let e = a.programme_cost_per_customer;
            format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
        }),
    );
    if r.strategies
        .iter()
        .any(|s| s.advocacy.as_ref().is_some_and(|a| a.trial.is_some()))
    {
        row(
            "  trial conversions",
            cells(&|a| match &a.trial {
                Some(t) => format!("{} / {}", t.conversions, t.offers),
                None => "—".into(),
            }),
        );
    }
}

fn pm(e: &Estimate, decimals: usize) -> String {
    format!("{:.*} ±{:.*}", decimals, e.mean, decimals, e.hi - e.mean)
}

/// The review for people.
pub fn review_table(r: &Review) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Internal management review: {} — {} customers, seed {}, horizon {} {}s, amounts in {}",
        r.scenario,
        crate::fmt::group_thousands(r.customers),
        r.seed,
        r.horizon,
        r.period,
        r.currency
    );
    for s in &r.strategies {
        let a = &s.advocacy;
        let _ = writeln!(out, "\nStrategy {}", s.name);
        let _ = writeln!(
            out,
            "  escalations                {} ({:.3} per customer)",
            a.escalations, a.escalations_per_customer
        );
        let _ = writeln!(
            out,
            "    by root-cause stage      Purchase {}, Exception {}, Relationship {}",
            a.by_stage.purchase, a.by_stage.exception, a.by_stage.relationship
        );
        for t in &a.by_touchpoint {
            let _ = writeln!(out, "    {:<24} {} ({})", t.id, t.escalations, t.stage);
        }
        let _ = writeln!(
            out,
            "  closed out                 {} ({:.1}% ±{:.1} of finished), abandoned {}, in progress {}",
            a.closed_out,
            a.close_out_rate.mean * 100.0,
            (a.close_out_rate.hi - a.close_out_rate.mean) * 100.0,
            a.abandoned,
            a.in_progress
        );
        let _ = writeln!(
            out,
            "  recurrences / reopens      {} / {} ({:.3} per escalation)",
            a.recurrences, a.reopens, a.recurrence_rate
        );
        let _ = writeln!(out, "  senior-management meetings {}", a.senior_meetings);
        let _ = writeln!(
            out,
            "  periods to resolution      {}",
            pm(&a.time_to_resolution, 2)
        );
        if let Some(t) = &a.trial {
            let _ = writeln!(
                out,
                "  free trials ({} periods)    {} offered, {} converted, {} turned off ({:.1}% ±{:.1})",
                t.periods,
                t.offers,
                t.conversions,
                t.turned_off,
                t.conversion_rate.mean * 100.0,
                (t.conversion_rate.hi - t.conversion_rate.mean) * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  churn in get-well plans    {} of {} customer-periods ({:.2}%)",
            a.plan_churners,
            a.plan_customer_periods,
            a.plan_churn_rate * 100.0
        );
        let _ = writeln!(
            out,
            "  programme cost / customer  {}",
            pm(&s.programme_cost_per_customer, 2)
        );
        let _ = writeln!(
            out,
            "  revenue / customer         {} with, {} without",
            pm(&s.revenue_with, 2),
            pm(&s.revenue_without, 2)
        );
        let _ = writeln!(
            out,
            "  revenue retained           {} (paired, 95%)",
            pm(&s.retained_revenue_per_customer, 2)
        );
        let _ = writeln!(
            out,
            "  NPV difference             {} (paired, 95%)",
            pm(&s.npv_difference, 2)
        );
        let _ = writeln!(
            out,
            "  retention                  {:.2}% with, {:.2}% without, difference {:+.2} ±{:.2} points",
            s.retention_with * 100.0,
            s.retention_without * 100.0,
            s.retention_difference.mean * 100.0,
            (s.retention_difference.hi - s.retention_difference.mean) * 100.0
        );
    }
    out
}

/// The `cxsim.review/1` JSON document, with a trailing newline.
pub fn review_json(r: &Review) -> String {
    match serde_json::to_string_pretty(r) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// One row per strategy.
pub fn review_csv(r: &Review) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "strategy,escalations,closed_out,abandoned,in_progress,recurrences,reopens,\
         mean_periods_to_resolution,trial_offers,trial_conversions,programme_cost_per_customer,\
         retained_revenue_per_customer,retained_revenue_lo,retained_revenue_hi,npv_difference,\
         retention_difference\n",
    );
    for s in &r.strategies {
        let a = &s.advocacy;
        let (offers, conv) = a
            .trial
            .as_ref()
            .map_or((0, 0), |t| (t.offers, t.conversions));
        let name = crate::fmt::csv_field(&s.name);
        let _ = writeln!(
            out,
            "{name},{},{},{},{},{},{},{},{offers},{conv},{},{},{},{},{},{}",
            a.escalations,
            a.closed_out,
            a.abandoned,
            a.in_progress,
            a.recurrences,
            a.reopens,
            a.time_to_resolution.mean,
            s.programme_cost_per_customer.mean,
            s.retained_revenue_per_customer.mean,
            s.retained_revenue_per_customer.lo,
            s.retained_revenue_per_customer.hi,
            s.npv_difference.mean,
            s.retention_difference.mean
        );
    }
    out
}
