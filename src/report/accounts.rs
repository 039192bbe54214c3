//! The accounts' part of the run table and CSV (docs/format.md "Accounts in CSV").

use std::fmt::Write as _;

use crate::fmt::csv_field;
use crate::results::RunResults;
use crate::results::accounts::AccountsResult;

/// The accounts part of `cxsim run`'s table (strategies as columns, like the rest of the
/// table); empty when no strategy has accounts.
pub fn table_lines(r: &RunResults, label_w: usize, col_w: usize) -> String {
    let mut out = String::new();
    if r.strategies.iter().all(|s| s.accounts.is_none()) {
        return out;
    }
    let _ = write!(out, "\n{:<label_w$}", "Accounts (95% interval)");
    for s in &r.strategies {
        let _ = write!(out, "  {:>col_w$}", s.name);
    }
    out.push('\n');
    let mut row = |label: &str, cell: &dyn Fn(&AccountsResult) -> String| {
        // Long role labels are cut so the columns stay aligned with the rest of the table.
        let label: String = if label.chars().count() > label_w {
            let mut cut: String = label.chars().take(label_w.saturating_sub(1)).collect();
            cut.push('…');
            cut
        } else {
            label.to_string()
        };
        let _ = write!(out, "{label:<label_w$}");
        for s in &r.strategies {
            let c = s.accounts.as_ref().map_or("n/a".to_string(), cell);
            let _ = write!(out, "  {c:>col_w$}");
        }
        out.push('\n');
    };
    let step = r.report_every.max(1) as usize;
    let mut periods: Vec<usize> = (step..=r.horizon as usize).step_by(step).collect();
    if periods.last() != Some(&(r.horizon as usize)) {
        periods.push(r.horizon as usize);
    }
    for t in periods {
        row(
            &format!("  kept after {} {t}", r.period),
            &|a: &AccountsResult| {
                a.retention.get(t).map_or("n/a".to_string(), |p| {
                    format!(
                        "{:.1}% [{:.1}, {:.1}]",
                        p.mean * 100.0,
                        p.lo * 100.0,
                        p.hi * 100.0
                    )
                })
            },
        );
    }
    row("  accounts simulated", &|a: &AccountsResult| {
        a.accounts.to_string()
    });
    row("  contacts per account", &|a: &AccountsResult| {
        format!("{:.2}", a.contacts_per_account)
    });
    row("  revenue per account", &|a: &AccountsResult| {
        let e = a.revenue_per_account;
        format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
    });
    row("  CLV per account", &|a: &AccountsResult| {
        let e = a.clv_per_account;
        format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
    });
    let roles: Vec<(String, usize)> = r
        .strategies
        .iter()
        .find_map(|s| s.accounts.as_ref())
        .map(|a| {
            a.roles
                .iter()
                .enumerate()
                .map(|(i, x)| (format!("{}/{}", x.segment, x.role), i))
                .collect()
        })
        .unwrap_or_default();
    if !roles.is_empty() {
        row("  weakest at loss, by role", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles.get(*i).map_or("n/a".to_string(), |x| {
                    format!("{:.1}%", 100.0 * x.weakest_at_loss)
                })
            });
        }
        row("  contacts per lost account", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles
                    .get(*i)
                    .map_or("n/a".to_string(), |x| format!("{:.2}", x.per_lost_account))
            });
        }
        row("  final sat/pleased/loyal", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles
                    .get(*i)
                    .and_then(|x| x.states.last())
                    .map_or("n/a".to_string(), |p| {
                        format!("{:.2}/{:.2}/{:.2}", p.satisfied, p.pleased, p.loyal)
                    })
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV columns (appended to each row of `report::csv`; docs/format.md "Accounts in CSV").

/// The header of the accounts columns (with a leading comma): the accounts' retention with its
/// interval, the horizon figures, then each role's mean states. Empty when no strategy has
/// accounts, so other scenarios' CSV is unchanged.
pub fn csv_header(r: &RunResults) -> String {
    let Some(a) = r.strategies.iter().find_map(|s| s.accounts.as_ref()) else {
        return String::new();
    };
    let mut out = String::from(
        ",account_retention,account_retention_lo,account_retention_hi,accounts,accounts_lost,\
         revenue_per_account,clv_per_account",
    );
    for role in &a.roles {
        for state in ["satisfied", "pleased", "loyal"] {
            let name = format!("{}.{}.{state}", role.segment, role.role);
            let _ = write!(out, ",{}", csv_field(&name));
        }
    }
    out
}

/// The accounts cells of strategy `si`'s row for period `t` (with a leading comma). Role
/// states exist at period 0, every `report_every` periods and the horizon; other periods'
/// cells are empty, as are all cells of a strategy without accounts.
pub fn csv_cells(r: &RunResults, si: usize, t: usize) -> String {
    let Some(first) = r.strategies.iter().find_map(|s| s.accounts.as_ref()) else {
        return String::new();
    };
    let width = 7 + 3 * first.roles.len();
    let Some(a) = r.strategies.get(si).and_then(|s| s.accounts.as_ref()) else {
        return ",".repeat(width);
    };
    let mut out = String::new();
    match a.retention.get(t) {
        Some(p) => {
            let _ = write!(out, ",{},{},{}", p.mean, p.lo, p.hi);
        }
        None => out.push_str(",,,"),
    }
    let _ = write!(
        out,
        ",{},{},{},{}",
        a.accounts, a.lost, a.revenue_per_account.mean, a.clv_per_account.mean
    );
    for role in &a.roles {
        match role.states.iter().find(|p| p.period as usize == t) {
            Some(p) => {
                let _ = write!(out, ",{},{},{}", p.satisfied, p.pleased, p.loyal);
            }
            None => out.push_str(",,,"),
        }
    }
    out
}
