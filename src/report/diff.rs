//! `cxsim diff` as text, Markdown and JSON.

use serde::Serialize;

use crate::analysis::diff::*;
use crate::results::Estimate;

/// Plain terminal text.
pub fn render_text(d: &Diff) -> String {
    let currency = &d.currency;
    let mut out = format!("cxsim diff {} → {}\n\n", d.old, d.new);
    if d.changes.is_empty() {
        out.push_str("No changes to the journey.\n");
    } else {
        out.push_str("What changed:\n");
        for c in &d.changes {
            out.push_str(&format!("  {} {}\n", marker(c.kind), c.text));
        }
    }
    out.push('\n');
    if let Some(note) = &d.note {
        out.push_str(&format!("Note: {note}.\n"));
    }
    if let Some(effects) = &d.effects {
        out.push_str(&format!(
            "What it does (new − old per initial customer, paired on the same {} customers, seed {}, 95 % intervals; amounts in {currency}):\n",
            crate::fmt::group_thousands(d.customers),
            d.seed
        ));
        for e in effects {
            out.push_str(&format!(
                "  {}\n    retention after {} {}: {:.1} % → {:.1} %\n",
                e.strategy,
                d.period,
                d.horizon,
                e.retention_old.mean * 100.0,
                e.retention_new.mean * 100.0
            ));
            for m in &e.metrics {
                out.push_str(&format!(
                    "    {:<28} {:>10} → {:<10} {} [{}, {}]  {}\n",
                    m.label,
                    fmt_num(m.old),
                    fmt_num(m.new),
                    fmt_signed(m.difference.mean),
                    fmt_signed(m.difference.lo),
                    fmt_signed(m.difference.hi),
                    verdict(&m.difference)
                ));
            }
        }
    }
    out
}

/// Markdown for a pull-request comment.
pub fn render_markdown(d: &Diff) -> String {
    let currency = &d.currency;
    let mut out = format!("### Journey diff: `{}` → `{}`\n\n", d.old, d.new);
    if d.changes.is_empty() {
        out.push_str("No changes to the journey.\n\n");
    } else {
        out.push_str("**What changed**\n\n");
        for c in &d.changes {
            let word = match c.kind {
                "added" => "➕",
                "removed" => "➖",
                _ => "✏️",
            };
            out.push_str(&format!("- {word} {}\n", md_escape(&c.text)));
        }
        out.push('\n');
    }
    if let Some(note) = &d.note {
        out.push_str(&format!("> **Note:** {note}.\n\n"));
    }
    if let Some(effects) = &d.effects {
        out.push_str(&format!(
            "**What it does** — new − old per initial customer, paired on the same {} simulated customers (seed {}), 95 % intervals, amounts in {currency}\n\n",
            crate::fmt::group_thousands(d.customers),
            d.seed
        ));
        out.push_str("| strategy | metric | old | new | change (95 % interval) | |\n");
        out.push_str("|---|---|---:|---:|---|---|\n");
        for e in effects {
            out.push_str(&format!(
                "| {} | retention after {} {} | {:.1} % | {:.1} % | | |\n",
                md_escape(&e.strategy),
                d.period,
                d.horizon,
                e.retention_old.mean * 100.0,
                e.retention_new.mean * 100.0
            ));
            for m in &e.metrics {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} [{}, {}] | {} |\n",
                    md_escape(&e.strategy),
                    m.label,
                    fmt_num(m.old),
                    fmt_num(m.new),
                    fmt_signed(m.difference.mean),
                    fmt_signed(m.difference.lo),
                    fmt_signed(m.difference.hi),
                    verdict(&m.difference)
                ));
            }
        }
    }
    out
}

/// JSON (`cxsim.diff/1`).
pub fn render_json(d: &Diff) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        #[serde(flatten)]
        diff: &'a Diff,
    }
    match serde_json::to_string_pretty(&Doc {
        schema: "cxsim.diff/1",
        diff: d,
    }) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

fn fmt_num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn fmt_signed(x: f64) -> String {
    let s = fmt_num(x);
    if x > 0.0 || (x == 0.0 && !s.starts_with('-')) {
        format!("+{s}")
    } else {
        s
    }
}

fn verdict(d: &Estimate) -> &'static str {
    if d.lo > 0.0 {
        "up"
    } else if d.hi < 0.0 {
        "down"
    } else {
        "no clear change"
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn marker(kind: &str) -> &'static str {
    match kind {
        "added" => "+",
        "removed" => "-",
        _ => "~",
    }
}
