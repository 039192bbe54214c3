//! The organisation's rows of the run table.

use crate::format::org::CURRENT;
use crate::results::org::OrgResult;

/// The rows of the table report's "Organisation" section: execution factor, legs, programme
/// spend on the organisation, engagement per team and quality per touchpoint (first → last
/// period), feedback and recoveries per customer.
pub fn table_rows(r: &crate::results::RunResults, row: &mut dyn FnMut(&str, Vec<String>)) {
    let orgs: Vec<Option<&OrgResult>> = r
        .strategies
        .iter()
        .map(|s| s.organisation.as_ref())
        .collect();
    let cells = |f: &dyn Fn(&OrgResult) -> String| -> Vec<String> {
        orgs.iter().map(|o| o.map_or("-".to_string(), f)).collect()
    };
    let first = match orgs.iter().flatten().next() {
        Some(o) => *o,
        None => return,
    };
    let trend = |v: &[f64]| match (v.first(), v.last()) {
        (Some(a), Some(b)) if a == b => format!("{a:.3}"),
        (Some(a), Some(b)) => format!("{a:.3} → {b:.3}"),
        _ => "-".to_string(),
    };
    row(
        "  execution factor",
        cells(&|o| format!("{:.3}", o.execution_factor)),
    );
    if first.legs.is_some() {
        row(
            "  legs (lead/inc/cult)",
            cells(&|o| {
                o.legs.map_or("-".into(), |l| {
                    format!("{:.2}/{:.2}/{:.2}", l.leadership, l.incentives, l.culture)
                })
            }),
        );
    }
    row(
        "  organisation spend/period",
        cells(&|o| format!("{:.2}", o.spend_per_period)),
    );
    for (k, team) in first.teams.iter().enumerate() {
        row(
            &format!("  eng. {}", clip(&team.id, 19)),
            cells(&|o| o.teams.get(k).map_or("-".into(), |t| trend(&t.engagement))),
        );
    }
    for (i, tp) in first.touchpoints.iter().enumerate() {
        row(
            &format!("  quality {}", clip(&tp.id, 18)),
            cells(&|o| {
                o.touchpoints
                    .get(i)
                    .map_or("-".into(), |t| trend(&t.quality))
            }),
        );
    }
    row(
        "  design variants",
        cells(&|o| {
            let v: Vec<String> = o
                .touchpoints
                .iter()
                .filter(|t| t.variant != CURRENT)
                .map(|t| format!("{}={}", t.id, t.variant))
                .collect();
            if v.is_empty() {
                CURRENT.to_string()
            } else {
                clip(&v.join(","), 20)
            }
        }),
    );
    row(
        "  feedback (failures)/cust.",
        cells(&|o| {
            let f: f64 = o.touchpoints.iter().map(|t| t.feedback_per_customer).sum();
            let ff: f64 = o
                .touchpoints
                .iter()
                .map(|t| t.failure_feedback_per_customer)
                .sum();
            format!("{f:.3} ({ff:.3})")
        }),
    );
    row(
        "  recovered/customer",
        cells(&|o| {
            let v: f64 = o.touchpoints.iter().map(|t| t.recovered_per_customer).sum();
            format!("{v:.3}")
        }),
    );
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n - 1).collect();
        c.push('…');
        c
    }
}
