//! Charts as data and as SVG text: retention curves with bands, bars with intervals, the
//! tornado of a sensitivity analysis and the ternary map of the emphasis simplex.
//!
//! One module for every consumer: the Markdown/HTML reports render the SVG; the terminal app
//! draws the same data with its own widgets. The SVG is plain text built with fixed-precision
//! numbers, so the same data always gives the same bytes.

use std::fmt::Write as _;

/// A line with an optional band (lower, upper) at each point.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (x, y, band low, band high).
    pub points: Vec<(f64, f64, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

/// A bar with its 95 % interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub highlight: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub unit: String,
    pub bars: Vec<Bar>,
}

/// One tornado row: effects of the low and the high setting relative to the base.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub title: String,
    pub unit: String,
    pub rows: Vec<TornadoRow>,
}

/// A point of the simplex with its value; `mark` draws a ring (best or indistinguishable).
#[derive(Debug, Clone, PartialEq)]
pub struct TernaryPoint {
    pub purchase: f64,
    pub exception: f64,
    pub relationship: f64,
    pub value: f64,
    pub best: bool,
    pub indistinguishable: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ternary {
    pub title: String,
    pub points: Vec<TernaryPoint>,
}

const W: f64 = 640.0;
const H: f64 = 360.0;
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// Escapes text for SVG/HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, w: f64, h: f64, title: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        "<rect width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\"/>\n<text x=\"{:.1}\" y=\"20\" \
         text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        w / 2.0,
        escape(title)
    );
}

/// A "nice" step for about `n` ticks over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.0 {
        2.0
    } else if f < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// A linear map of [lo, hi] onto [a, b].
fn scale(v: f64, lo: f64, hi: f64, a: f64, b: f64) -> f64 {
    if hi > lo {
        a + (v - lo) / (hi - lo) * (b - a)
    } else {
        (a + b) / 2.0
    }
}

impl LineChart {
    /// Bounds of x and y over all series (bands included).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let mut b = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for s in &self.series {
            for &(x, y, lo, hi) in &s.points {
                b.0 = b.0.min(x);
                b.1 = b.1.max(x);
                b.2 = b.2.min(y.min(lo));
                b.3 = b.3.max(y.max(hi));
            }
        }
        if !b.0.is_finite() {
            return (0.0, 1.0, 0.0, 1.0);
        }
        b
    }

    pub fn svg(&self) -> String {
        let mut out = String::new();
        header(&mut out, W, H, &self.title);
        let (x0, x1, y0, y1) = self.bounds();
        let (l, r, t, b) = (60.0, W - 150.0, 35.0, H - 45.0);
        let px = |x: f64| scale(x, x0, x1, l, r);
        let py = |y: f64| scale(y, y0, y1, b, t);
        axes(
            &mut out,
            (l, r, t, b),
            (x0, x1, y0, y1),
            &self.x_label,
            &self.y_label,
        );
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            if s.points.iter().any(|p| p.2 != p.1 || p.3 != p.1) {
                let mut d = String::new();
                for (k, p) in s.points.iter().enumerate() {
                    let _ = write!(
                        d,
                        "{}{:.2},{:.2} ",
                        if k == 0 { "M" } else { "L" },
                        px(p.0),
                        py(p.3)
                    );
                }
                for p in s.points.iter().rev() {
                    let _ = write!(d, "L{:.2},{:.2} ", px(p.0), py(p.2));
                }
                let _ = writeln!(
                    out,
                    "<path d=\"{}Z\" fill=\"{color}\" fill-opacity=\"0.2\" stroke=\"none\"/>",
                    d
                );
            }
            let pts: Vec<String> = s
                .points
                .iter()
                .map(|p| format!("{:.2},{:.2}", px(p.0), py(p.1)))
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
                pts.join(" ")
            );
            let ly = t + 10.0 + 18.0 * i as f64;
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{color}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                r + 15.0,
                ly - 10.0,
                r + 32.0,
                ly,
                escape(&s.name)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

fn axes(
    out: &mut String,
    frame: (f64, f64, f64, f64),
    data: (f64, f64, f64, f64),
    xl: &str,
    yl: &str,
) {
    let (l, r, t, b) = frame;
    let (x0, x1, y0, y1) = data;
    let _ = writeln!(
        out,
        "<path d=\"M{l:.1},{t:.1} L{l:.1},{b:.1} L{r:.1},{b:.1}\" fill=\"none\" stroke=\"black\"/>"
    );
    let ys = nice_step(y1 - y0, 5.0);
    let mut v = (y0 / ys).ceil() * ys;
    while v <= y1 + ys * 1e-9 {
        let y = scale(v, y0, y1, b, t);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{y:.2}\" x2=\"{r:.1}\" y2=\"{y:.2}\" stroke=\"#ddd\"/>\
             <text x=\"{:.1}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            l,
            l - 5.0,
            y + 4.0,
            fmt_tick(v, ys)
        );
        v += ys;
    }
    let xs = nice_step(x1 - x0, 8.0);
    let mut v = (x0 / xs).ceil() * xs;
    while v <= x1 + xs * 1e-9 {
        let x = scale(v, x0, x1, l, r);
        let _ = writeln!(
            out,
            "<text x=\"{x:.2}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            b + 15.0,
            fmt_tick(v, xs)
        );
        v += xs;
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
         <text x=\"15\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 15 {:.1})\">{}</text>",
        (l + r) / 2.0,
        b + 35.0,
        escape(xl),
        (t + b) / 2.0,
        (t + b) / 2.0,
        escape(yl)
    );
}

/// A row label, right-aligned to end at x (no newline).
fn row_label(out: &mut String, x: f64, y: f64, label: &str) {
    // Right-aligned at x, so a long label would run off the left edge: cut it to the room there
    // (about 7 units per character at font size 12) and keep the whole label as a tooltip.
    // The room is at least 4, so head and tail below never overlap.
    let room = ((x - 6.0) / 7.0).max(4.0) as usize;
    if label.chars().count() <= room {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\">{}</text>",
            escape(label)
        );
    } else {
        // Cut in the middle: rows often differ only at the end ("… quality", "… cost").
        let chars: Vec<char> = label.chars().collect();
        let tail = (room - 1) * 2 / 5;
        let head = room - 1 - tail;
        let head: String = chars[..head].iter().collect();
        let tail: String = chars[chars.len() - tail..].iter().collect();
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\"><title>{}</title>{}…{}</text>",
            escape(label),
            escape(head.trim_end()),
            escape(tail.trim_start())
        );
    }
}

/// A horizontal bar from the zero line to x (no newline).
fn hbar(out: &mut String, zero: f64, x: f64, y: f64, height: u32, fill: &str) {
    let (a, b) = (x.min(zero), x.max(zero));
    let _ = write!(
        out,
        "<rect x=\"{a:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{height}\" fill=\"{fill}\"/>",
        b - a
    );
}

/// The vertical zero line of a bar chart down to `bottom`, and the unit centred below it.
fn zero_axis(out: &mut String, zero: f64, bottom: f64, x: f64, y: f64, unit: &str) {
    let _ = writeln!(
        out,
        "<line x1=\"{zero:.2}\" y1=\"35\" x2=\"{zero:.2}\" y2=\"{bottom:.1}\" stroke=\"black\"/>\
         <text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
        escape(unit)
    );
}

impl BarChart {
    pub fn svg(&self) -> String {
        let mut out = String::new();
        let h = (60.0 + 26.0 * self.bars.len() as f64).max(120.0);
        header(&mut out, W, h, &self.title);
        let lo = self
            .bars
            .iter()
            .map(|b| b.lo.min(b.value))
            .fold(0.0, f64::min);
        let hi = self
            .bars
            .iter()
            .map(|b| b.hi.max(b.value))
            .fold(0.0, f64::max);
        let (l, r) = (220.0, W - 30.0);
        let px = |v: f64| scale(v, lo, hi, l, r);
        let zero = px(0.0);
        for (i, b) in self.bars.iter().enumerate() {
            let y = 40.0 + 26.0 * i as f64;
            let fill = if b.highlight { "#d62728" } else { "#1f77b4" };
            row_label(&mut out, l - 8.0, y + 13.0, &b.label);
            hbar(&mut out, zero, px(b.value), y, 18, fill);
            let _ = writeln!(
                out,
                "<line x1=\"{:.2}\" y1=\"{:.1}\" x2=\"{:.2}\" y2=\"{:.1}\" stroke=\"black\"/>",
                px(b.lo),
                y + 9.0,
                px(b.hi),
                y + 9.0
            );
        }
        zero_axis(&mut out, zero, h - 20.0, (l + r) / 2.0, h - 5.0, &self.unit);
        out.push_str("</svg>\n");
        out
    }
}

impl Tornado {
    pub fn svg(&self) -> String {
        let mut out = String::new();
        let h = (70.0 + 24.0 * self.rows.len() as f64).max(120.0);
        header(&mut out, W, h, &self.title);
        let m = self
            .rows
            .iter()
            .map(|r| r.low.abs().max(r.high.abs()))
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let (l, r) = (250.0, W - 20.0);
        let px = |v: f64| scale(v, -m, m, l, r);
        let zero = px(0.0);
        for (i, row) in self.rows.iter().enumerate() {
            let y = 40.0 + 24.0 * i as f64;
            row_label(&mut out, l - 8.0, y + 12.0, &row.label);
            out.push('\n');
            for (v, fill) in [(row.low, "#9ecae1"), (row.high, "#3182bd")] {
                hbar(&mut out, zero, px(v), y, 16, fill);
                out.push('\n');
            }
        }
        zero_axis(
            &mut out,
            zero,
            h - 25.0,
            (l + r) / 2.0,
            h - 8.0,
            &format!("{} (light: −delta, dark: +delta)", self.unit),
        );
        out.push_str("</svg>\n");
        out
    }
}

/// Position of a split in the triangle: Purchase at the bottom left, Exception at the bottom
/// right, Relationship at the top; `size` is the side length.
pub fn ternary_xy(p: f64, e: f64, r: f64, size: f64) -> (f64, f64) {
    let _ = p;
    let x = e * size + r * size / 2.0;
    let y = r * size * 3f64.sqrt() / 2.0;
    (x, y)
}

/// A colour from blue (low) to red (high) for t in 0..1.
pub fn heat(t: f64) -> (u8, u8, u8) {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lerp = |a: f64, b: f64, u: f64| (a + (b - a) * u).round() as u8;
    if t < 0.5 {
        let u = t * 2.0;
        (
            lerp(49.0, 255.0, u),
            lerp(130.0, 255.0, u),
            lerp(189.0, 191.0, u),
        )
    } else {
        let u = (t - 0.5) * 2.0;
        (
            lerp(255.0, 214.0, u),
            lerp(255.0, 39.0, u),
            lerp(191.0, 40.0, u),
        )
    }
}

impl Ternary {
    /// The lowest and highest value over the points (infinite when there are none).
    pub fn range(&self) -> (f64, f64) {
        self.points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.value), hi.max(p.value))
            })
    }

    pub fn svg(&self) -> String {
        let mut out = String::new();
        let size = 420.0;
        // The apex label sits below the title, the base labels above the bottom edge.
        let (w, h) = (W, 470.0);
        header(&mut out, w, h, &self.title);
        let (ox, oy) = (60.0, 430.0);
        let to = |p: f64, e: f64, r: f64| {
            let (x, y) = ternary_xy(p, e, r, size);
            (ox + x, oy - y)
        };
        let (a, b, c) = (to(1.0, 0.0, 0.0), to(0.0, 1.0, 0.0), to(0.0, 0.0, 1.0));
        let _ = writeln!(
            out,
            "<path d=\"M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z\" fill=\"none\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Purchase</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Exception</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Relationship</text>",
            a.0,
            a.1,
            b.0,
            b.1,
            c.0,
            c.1,
            a.0,
            a.1 + 20.0,
            b.0,
            b.1 + 20.0,
            c.0,
            c.1 - 8.0
        );
        let (lo, hi) = self.range();
        for p in &self.points {
            let (x, y) = to(p.purchase, p.exception, p.relationship);
            let (r, g, bl) = heat(scale(p.value, lo, hi, 0.0, 1.0));
            let _ = writeln!(
                out,
                "<circle cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"7\" fill=\"rgb({r},{g},{bl})\"{}/>",
                if p.best {
                    " stroke=\"black\" stroke-width=\"3\""
                } else if p.indistinguishable {
                    " stroke=\"black\" stroke-width=\"1\""
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"60\">low {}</text><text x=\"{:.1}\" y=\"80\">high {}</text>\
             <text x=\"{:.1}\" y=\"100\">thick ring: best</text>\
             <text x=\"{:.1}\" y=\"120\">thin ring: indistinguishable</text>",
            W - 185.0,
            fmt_num(lo),
            W - 185.0,
            fmt_num(hi),
            W - 185.0,
            W - 185.0
        );
        out.push_str("</svg>\n");
        out
    }
}

fn fmt_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "—".to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Chart data from results (shared by the reports and the terminal app).

use crate::analysis::diagnose::Diagnosis;
use crate::analysis::estimate;
use crate::analysis::optimize::Search;
use crate::analysis::sensitivity::Sensitivity;
use crate::results::Metric;
use crate::results::RunResults;

/// Retention curves of every strategy with their 95 % bands, in percent.
pub fn retention_chart(r: &RunResults) -> LineChart {
    LineChart {
        title: format!("Retention — {}", r.scenario),
        x_label: r.period.clone(),
        y_label: "customers retained (%)".into(),
        series: r
            .strategies
            .iter()
            .map(|s| Series {
                name: s.name.clone(),
                points: s
                    .retention
                    .iter()
                    .map(|p| {
                        (
                            f64::from(p.period),
                            p.mean * 100.0,
                            p.lo * 100.0,
                            p.hi * 100.0,
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One bar per strategy of a metric, with its 95 % interval.
pub fn metric_bars(r: &RunResults, m: Metric) -> BarChart {
    let k = if m.is_share() { 100.0 } else { 1.0 };
    BarChart {
        title: format!("{} — {}", capitalise(m.label()), r.scenario),
        unit: if m.is_share() {
            "%".into()
        } else {
            r.currency.clone()
        },
        bars: (0..r.strategies.len())
            .filter_map(|i| {
                let e = estimate(r, i, m)?;
                Some(Bar {
                    label: r.strategies[i].name.clone(),
                    value: e.mean * k,
                    lo: e.lo * k,
                    hi: e.hi * k,
                    highlight: false,
                })
            })
            .collect(),
    }
}

/// The tornado of a sensitivity analysis (largest swing on top).
pub fn tornado(s: &Sensitivity) -> Tornado {
    let k = if s.metric.is_share() { 100.0 } else { 1.0 };
    Tornado {
        title: format!(
            "Sensitivity of {} to ±{}%",
            s.metric.label(),
            s.delta * 100.0
        ),
        unit: if s.metric.is_share() {
            "percentage points".into()
        } else {
            format!("change in {} ({})", s.metric.name(), s.currency)
        },
        rows: s
            .rows
            .iter()
            .map(|r| TornadoRow {
                label: r.parameter.clone(),
                low: r.low.difference.mean * k,
                high: r.high.difference.mean * k,
            })
            .collect(),
    }
}

/// The ternary map of an optimisation's surface.
pub fn ternary(title: &str, s: &Search) -> Ternary {
    Ternary {
        title: title.to_string(),
        points: s
            .surface
            .iter()
            .map(|p| TernaryPoint {
                purchase: p.purchase,
                exception: p.exception,
                relationship: p.relationship,
                value: p.value.mean,
                best: p.purchase == s.best.purchase
                    && p.exception == s.best.exception
                    && p.relationship == s.best.relationship,
                indistinguishable: p.indistinguishable,
            })
            .collect(),
    }
}

/// Customers saved (percentage points of retention) by making each stage and each touchpoint
/// perfect; the weakest leg is highlighted.
pub fn removal_bars(d: &Diagnosis) -> BarChart {
    BarChart {
        title: "Removal effect: retention gained when made perfect".into(),
        unit: "percentage points of retention".into(),
        bars: d
            .removal_by_stage
            .iter()
            .chain(&d.removal_by_touchpoint)
            .map(|r| {
                let e = &r.retention.difference;
                Bar {
                    label: if r.quality.is_some() {
                        r.name.clone()
                    } else {
                        format!("[{}]", r.target)
                    },
                    value: e.mean * 100.0,
                    lo: e.lo * 100.0,
                    hi: e.hi * 100.0,
                    highlight: r.quality.is_none() && r.target == d.weakest_stage,
                }
            })
            .collect(),
    }
}

/// Revenue lost to churn per initial customer by recorded root cause: the stages (the most
/// costly highlighted), baseline churn, then each touchpoint.
pub fn lost_revenue_bars(d: &Diagnosis) -> BarChart {
    let top = d.cause_by_stage[..d.cause_by_stage.len().min(3)]
        .iter()
        .map(|c| c.lost_revenue.mean)
        .fold(f64::NEG_INFINITY, f64::max);
    BarChart {
        title: "Revenue lost to churn by root cause (per initial customer)".into(),
        unit: d.currency.clone(),
        bars: d
            .cause_by_stage
            .iter()
            .chain(&d.cause_by_touchpoint)
            .map(|c| {
                let e = &c.lost_revenue;
                Bar {
                    label: match &c.touchpoint {
                        Some(t) => t.clone(),
                        None if c.stage == "none" => "[no failure: baseline]".into(),
                        None => format!("[{}]", c.stage),
                    },
                    value: e.mean,
                    lo: e.lo,
                    hi: e.hi,
                    highlight: c.touchpoint.is_none()
                        && c.stage != "none"
                        && c.lost_revenue.mean == top,
                }
            })
            .collect(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
