//! `cxsim check`: expectations (sidecar `NAME.expect.ron`) and baselines (`NAME.baseline.json`)
//! of scenarios, evaluated on a simulation with explicit statistical rules (docs/ci.md):
//!
//! * a bound (`at_least` / `at_most`) holds only if the **whole 95 % interval** satisfies it;
//! * `Beats` holds only if the 95 % interval of the **paired difference** (common random
//!   numbers) lies entirely on the better side of `by` (default 0);
//! * a baseline metric fails when it moved by more than `tolerance` (default 4) standard errors
//!   of the difference, `se_diff = √(se_baseline² + se_now²)`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::format::error::LoadError;
use crate::model::Model;
use crate::results::{Estimate, Metric, RunResults};

pub const BASELINE_FORMAT: &str = "cxsim.baseline/1";
pub const DEFAULT_CUSTOMERS: u64 = 50_000;
pub const DEFAULT_TOLERANCE: f64 = 4.0;
/// More customers than this in a check is refused: a check is a CI step, not a study.
pub const MAX_CUSTOMERS: u64 = 100_000_000;

/// The content of `NAME.expect.ron`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "Expectations")]
pub struct Expectations {
    /// Customers simulated for the check.
    #[serde(default = "default_customers")]
    pub customers: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Baseline tolerance in standard errors of the difference.
    #[serde(default = "default_tolerance")]
    pub baseline_tolerance: f64,
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn default_customers() -> u64 {
    DEFAULT_CUSTOMERS
}
fn default_seed() -> u64 {
    1
}
fn default_tolerance() -> f64 {
    DEFAULT_TOLERANCE
}

impl Default for Expectations {
    fn default() -> Self {
        Expectations {
            customers: DEFAULT_CUSTOMERS,
            seed: 1,
            baseline_tolerance: DEFAULT_TOLERANCE,
            expect: Vec::new(),
        }
    }
}

/// One expectation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Expectation {
    /// Share of the initial customers still active at the end of `period`.
    Retention {
        strategy: String,
        /// A segment id: the share of that segment's customers (default: all customers).
        #[serde(default)]
        segment: Option<String>,
        period: u32,
        #[serde(default)]
        at_least: Option<f64>,
        #[serde(default)]
        at_most: Option<f64>,
    },
    /// A per-customer metric of one strategy.
    Metric {
        strategy: String,
        #[serde(default)]
        segment: Option<String>,
        metric: Metric,
        #[serde(default)]
        at_least: Option<f64>,
        #[serde(default)]
        at_most: Option<f64>,
    },
    /// `strategy` is better than `baseline` on `metric` by more than `by` (higher is better,
    /// except for Cost, Incidents and Escalations, where lower is better).
    Beats {
        strategy: String,
        baseline: String,
        /// Compared over that segment's customers only, still paired.
        #[serde(default)]
        segment: Option<String>,
        metric: Metric,
        #[serde(default)]
        by: f64,
    },
}

impl Expectation {
    /// The segment the expectation is about, if it names one.
    pub fn segment(&self) -> Option<&str> {
        match self {
            Expectation::Retention { segment, .. }
            | Expectation::Metric { segment, .. }
            | Expectation::Beats { segment, .. } => segment.as_deref(),
        }
    }
}

/// The figures of strategy `si`, or of its segment `id`'s customers. A one-segment scenario
/// keeps no per-segment figures: its only segment is the whole.
fn figures<'a>(results: &'a RunResults, model: &Model, si: usize, id: Option<&str>) -> Figures<'a> {
    let st = &results.strategies[si];
    match id.and_then(|g| model.scenario.segments.iter().position(|x| x.id == g)) {
        Some(g) if !st.segments.is_empty() => Figures::Segment(g, &st.segments[g]),
        _ => Figures::Whole(st),
    }
}

enum Figures<'a> {
    Whole(&'a crate::results::StrategyResult),
    Segment(usize, &'a crate::results::segment::SegmentResult),
}

impl Figures<'_> {
    fn retention(&self, t: usize) -> Option<crate::results::RetentionPoint> {
        match self {
            Figures::Whole(s) => s.retention.get(t).copied(),
            Figures::Segment(_, g) => g.retention.get(t).copied(),
        }
    }

    fn metric(&self, m: Metric) -> Estimate {
        match self {
            Figures::Whole(s) => s.metric(m),
            Figures::Segment(_, g) => g.metric(m),
        }
    }
}

fn in_segment(id: Option<&str>) -> String {
    id.map_or(String::new(), |g| format!(" in segment \"{g}\""))
}

/// An expectation with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub line: usize,
    pub col: usize,
    pub expectation: Expectation,
}

/// A loaded sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    pub path: PathBuf,
    pub settings: Expectations,
    pub items: Vec<Located>,
}

/// `NAME.ron` → `NAME.expect.ron`.
pub fn sidecar_path(scenario: &Path) -> PathBuf {
    with_suffix(scenario, ".expect.ron")
}

/// `NAME.ron` → `NAME.baseline.json`.
pub fn baseline_path(scenario: &Path) -> PathBuf {
    with_suffix(scenario, ".baseline.json")
}

fn with_suffix(scenario: &Path, suffix: &str) -> PathBuf {
    let name = scenario
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".ron").unwrap_or(&name);
    scenario.with_file_name(format!("{stem}{suffix}"))
}

/// Whether a file name is a sidecar rather than a scenario.
pub fn is_sidecar(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".expect.ron"))
}

/// The scenario a sidecar belongs to (`NAME.expect.ron` → `NAME.ron`).
pub fn scenario_of_sidecar(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".expect.ron").unwrap_or(&name);
    path.with_file_name(format!("{stem}.ron"))
}

/// Parses a sidecar's text and checks it against the model. Errors are located (file:line:col
/// with the line shown), all semantic problems at once.
pub fn parse_sidecar(path: &Path, text: &str, model: &Model) -> Result<Sidecar, Vec<LoadError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(32);
    let settings: Expectations = options
        .from_str(text)
        .map_err(|e| vec![sidecar_parse_error(path, text, e)])?;
    let positions = item_positions(text);
    let items: Vec<Located> = settings
        .expect
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (line, col) = positions.get(i).copied().unwrap_or((1, 1));
            Located {
                line,
                col,
                expectation: e.clone(),
            }
        })
        .collect();
    let mut problems = Vec::new();
    let mut problem = |line: usize, col: usize, message: String, hint: String| {
        problems.push(LoadError::Parse {
            path: path.to_path_buf(),
            line,
            col,
            message,
            hint,
            snippet: snippet(text, line),
        });
    };
    let top = |field: &str| field_position(text, field).unwrap_or((1, 1));
    if settings.customers == 0 || settings.customers > MAX_CUSTOMERS {
        let (l, c) = top("customers");
        problem(
            l,
            c,
            format!("customers must be 1 to {MAX_CUSTOMERS}, found {}", settings.customers),
            "a check needs enough customers for tight intervals and little enough time for CI: 20,000 to 200,000 is typical".into(),
        );
    }
    if !(settings.baseline_tolerance.is_finite() && settings.baseline_tolerance > 0.0) {
        let (l, c) = top("baseline_tolerance");
        problem(
            l,
            c,
            format!(
                "baseline_tolerance must be a positive number of standard errors, found {}",
                settings.baseline_tolerance
            ),
            "4.0 (the default) flags moves a fluke would cause once in 16,000 checks".into(),
        );
    }
    let names: Vec<&str> = model
        .scenario
        .strategies
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let horizon = model.scenario.horizon;
    for it in &items {
        let (l, c) = (it.line, it.col);
        let strategy = |name: &str| {
            if model.strategy_index(name).is_none() {
                Some((
                    format!("unknown strategy \"{name}\""),
                    format!("the scenario has: {}", names.join(", ")),
                ))
            } else {
                None
            }
        };
        let mut found: Vec<(String, String)> = Vec::new();
        if let Some(g) = it.expectation.segment()
            && !model.scenario.segments.iter().any(|x| x.id == g)
        {
            let known: Vec<&str> = model
                .scenario
                .segments
                .iter()
                .map(|x| x.id.as_str())
                .collect();
            found.push((
                format!("unknown segment \"{}\"", g.escape_debug()),
                format!("the scenario's segments: {}", known.join(", ")),
            ));
        }
        match &it.expectation {
            Expectation::Retention {
                strategy: s,
                period,
                at_least,
                at_most,
                ..
            } => {
                found.extend(strategy(s));
                if *period == 0 || *period > horizon {
                    found.push((
                        format!("period {period} is outside the horizon 1..{horizon}"),
                        format!("retention is reported after periods 1 to {horizon}"),
                    ));
                }
                found.extend(bounds(*at_least, *at_most, Some((0.0, 1.0))));
            }
            Expectation::Metric {
                strategy: s,
                at_least,
                at_most,
                ..
            } => {
                found.extend(strategy(s));
                found.extend(bounds(*at_least, *at_most, None));
            }
            Expectation::Beats {
                strategy: s,
                baseline,
                by,
                ..
            } => {
                found.extend(strategy(s));
                found.extend(strategy(baseline));
                if s == baseline {
                    found.push((
                        format!("\"{s}\" is compared with itself"),
                        "name two different strategies".into(),
                    ));
                }
                if !(by.is_finite() && *by >= 0.0) {
                    found.push((
                        format!("`by` must be a number ≥ 0, found {by}"),
                        "`by` is the margin the strategy must win by (default 0)".into(),
                    ));
                }
            }
        }
        for (m, h) in found {
            problem(l, c, m, h);
        }
    }
    if problems.is_empty() {
        Ok(Sidecar {
            path: path.to_path_buf(),
            settings,
            items,
        })
    } else {
        Err(problems)
    }
}

fn bounds(
    at_least: Option<f64>,
    at_most: Option<f64>,
    range: Option<(f64, f64)>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if at_least.is_none() && at_most.is_none() {
        out.push((
            "the expectation has no bound".to_string(),
            "add `at_least: …`, `at_most: …` or both".to_string(),
        ));
    }
    for (name, v) in [("at_least", at_least), ("at_most", at_most)] {
        if let Some(v) = v {
            if !v.is_finite() {
                out.push((
                    format!("`{name}` must be a finite number, found {v}"),
                    "write a plain number such as 0.45".into(),
                ));
            } else if let Some((lo, hi)) = range
                && !(lo..=hi).contains(&v)
            {
                out.push((
                    format!("`{name}` is {v}, but retention is a share from {lo} to {hi}"),
                    "write 45 % as 0.45".into(),
                ));
            }
        }
    }
    if let (Some(a), Some(b)) = (at_least, at_most)
        && a > b
    {
        out.push((
            format!("`at_least` ({a}) is above `at_most` ({b}): no result can pass"),
            "swap the two bounds".into(),
        ));
    }
    out
}

fn sidecar_parse_error(path: &Path, text: &str, e: ron::error::SpannedError) -> LoadError {
    match crate::format::parse::parse_error(path, text, e) {
        LoadError::Parse {
            path,
            line,
            col,
            message,
            hint,
            snippet,
        } => {
            // The scenario loader's hints speak of `Scenario(…)`; a sidecar starts differently.
            let hint = if hint.contains("Scenario(") || hint.contains("docs/format.md") {
                "an expectations file reads `Expectations(customers: 50000, seed: 1, expect: [Retention(strategy: \"…\", period: 12, at_least: 0.8)])`; docs/ci.md lists every field".to_string()
            } else {
                hint
            };
            let message = message.replace(
                "after the end of the scenario",
                "after the end of the expectations",
            );
            LoadError::Parse {
                path,
                line,
                col,
                message,
                hint,
                snippet,
            }
        }
        other => other,
    }
}

fn snippet(text: &str, line: usize) -> String {
    let s = text
        .split('\n')
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim_end_matches('\r')
        .trim_end();
    if s.chars().count() > 200 {
        String::new()
    } else {
        s.to_string()
    }
}

/// A significant token of RON text, for locating items.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open(char),
    Close,
    Comma,
    Colon,
    Ident(String),
    Other,
}

/// Significant tokens with their 1-based (line, column): strings, comments and whitespace are
/// skipped. Never fails: only used to find positions in text that ron already parsed.
fn tokens(text: &str) -> Vec<(Tok, usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let step = |i: &mut usize, line: &mut usize, col: &mut usize| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (l0, c0) = (line, col);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                step(&mut i, &mut line, &mut col);
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    step(&mut i, &mut line, &mut col);
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth = depth.saturating_sub(1);
                    step(&mut i, &mut line, &mut col);
                    if depth == 0 {
                        step(&mut i, &mut line, &mut col);
                        break;
                    }
                }
                step(&mut i, &mut line, &mut col);
            }
        } else if c == '"' {
            step(&mut i, &mut line, &mut col);
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    step(&mut i, &mut line, &mut col);
                    if i >= chars.len() {
                        break;
                    }
                }
                step(&mut i, &mut line, &mut col);
            }
            if i < chars.len() {
                step(&mut i, &mut line, &mut col);
            }
            out.push((Tok::Other, l0, c0));
        } else if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                s.push(chars[i]);
                step(&mut i, &mut line, &mut col);
            }
            out.push((Tok::Ident(s), l0, c0));
        } else {
            let tok = match c {
                '(' | '[' | '{' => Some(Tok::Open(c)),
                ')' | ']' | '}' => Some(Tok::Close),
                ',' => Some(Tok::Comma),
                ':' => Some(Tok::Colon),
                _ if c.is_whitespace() || c == '\u{feff}' => None,
                _ => Some(Tok::Other),
            };
            if let Some(t) = tok {
                out.push((t, l0, c0));
            }
            step(&mut i, &mut line, &mut col);
        }
    }
    out
}

/// The (line, column) where each item of the top-level `expect: [ … ]` list starts.
pub fn item_positions(text: &str) -> Vec<(usize, usize)> {
    let toks = tokens(text);
    let mut depth = 0usize;
    let mut k = 0;
    // Find `expect` `:` `[` directly inside the outermost parentheses.
    let mut list_start = None;
    while k < toks.len() {
        match &toks[k].0 {
            Tok::Open(_) => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Ident(name)
                if depth == 1
                    && name == "expect"
                    && matches!(toks.get(k + 1), Some((Tok::Colon, ..)))
                    && matches!(toks.get(k + 2), Some((Tok::Open('['), ..))) =>
            {
                list_start = Some(k + 3);
                break;
            }
            _ => {}
        }
        k += 1;
    }
    let Some(mut k) = list_start else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut at_item_start = true;
    while k < toks.len() {
        let (t, l, c) = &toks[k];
        match t {
            Tok::Close if depth == 0 => break,
            Tok::Comma if depth == 0 => at_item_start = true,
            _ => {
                if depth == 0 && at_item_start {
                    out.push((*l, *c));
                    at_item_start = false;
                }
                match t {
                    Tok::Open(_) => depth += 1,
                    Tok::Close => depth -= 1,
                    _ => {}
                }
            }
        }
        k += 1;
    }
    out
}

/// The position of a top-level field `name:` (directly inside the outermost parentheses).
fn field_position(text: &str, name: &str) -> Option<(usize, usize)> {
    let toks = tokens(text);
    let mut depth = 0usize;
    for (k, (t, l, c)) in toks.iter().enumerate() {
        match t {
            Tok::Open(_) => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Ident(n)
                if depth == 1 && n == name && matches!(toks.get(k + 1), Some((Tok::Colon, ..))) =>
            {
                return Some((*l, *c));
            }
            _ => {}
        }
    }
    None
}

/// The verdict on one expectation or baseline metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// File and line the verdict points at (the sidecar's expectation, or the baseline metric).
    pub file: PathBuf,
    pub line: usize,
    /// Short name, e.g. `retention of "balanced" after month 36 ≥ 45 %`.
    pub name: String,
    pub passed: bool,
    /// What was measured, and why it passed or failed.
    pub detail: String,
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn num(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

fn signed(x: f64) -> String {
    let s = num(x);
    if x >= 0.0 { format!("+{s}") } else { s }
}

/// Evaluates the sidecar's expectations on results of all strategies (in file order).
pub fn evaluate(sidecar: &Sidecar, model: &Model, results: &RunResults) -> Vec<Verdict> {
    let period = &results.period;
    sidecar
        .items
        .iter()
        .map(|it| {
            let (name, passed, detail) = match &it.expectation {
                Expectation::Retention {
                    strategy,
                    segment,
                    period: t,
                    at_least,
                    at_most,
                } => {
                    let si = model.strategy_index(strategy).unwrap_or(0);
                    let seg = segment.as_deref();
                    let f = figures(results, model, si, seg);
                    let e = f.retention(*t as usize).map_or(Estimate::with_se(0.0, 0.0), |p| {
                        Estimate {
                            mean: p.mean,
                            se: p.se,
                            lo: p.lo,
                            hi: p.hi,
                        }
                    });
                    let what = format!(
                        "retention of \"{strategy}\"{} after {period} {t}",
                        in_segment(seg)
                    );
                    bounded(&what, e, *at_least, *at_most, pct)
                }
                Expectation::Metric {
                    strategy,
                    segment,
                    metric,
                    at_least,
                    at_most,
                } => {
                    let si = model.strategy_index(strategy).unwrap_or(0);
                    let seg = segment.as_deref();
                    let e = figures(results, model, si, seg).metric(*metric);
                    let what = format!("{} of \"{strategy}\"{}", metric.label(), in_segment(seg));
                    bounded(&what, e, *at_least, *at_most, num)
                }
                Expectation::Beats {
                    strategy,
                    baseline,
                    segment,
                    metric,
                    by,
                } => {
                    let a = model.strategy_index(baseline).unwrap_or(0);
                    let b = model.strategy_index(strategy).unwrap_or(0);
                    let seg = segment.as_deref();
                    let name = format!(
                        "\"{strategy}\" beats \"{baseline}\" on {}{}{}",
                        metric.label(),
                        in_segment(seg),
                        if *by > 0.0 {
                            format!(" by more than {}", num(*by))
                        } else {
                            String::new()
                        }
                    );
                    let diff = match figures(results, model, b, seg) {
                        Figures::Segment(g, _) => results.paired_difference_in(g, a, b, metric.slot()),
                        Figures::Whole(_) => results.paired_difference(a, b, metric.slot()),
                    };
                    match diff {
                        Some(d) => {
                            let (passed, side) = if metric.higher_is_better() {
                                (d.lo > *by, format!("above {}", signed(*by)))
                            } else {
                                (d.hi < -*by, format!("below {}", signed(-*by)))
                            };
                            let detail = format!(
                                "paired difference \"{strategy}\" − \"{baseline}\" = {} (95 % interval {} … {}); {}",
                                signed(d.mean),
                                signed(d.lo),
                                signed(d.hi),
                                if passed {
                                    format!("the whole interval is {side}")
                                } else {
                                    format!("the whole interval must be {side} (paired, common random numbers)")
                                }
                            );
                            (name, passed, detail)
                        }
                        None => (name, false, "no paired sums available".to_string()),
                    }
                }
            };
            Verdict {
                file: sidecar.path.clone(),
                line: it.line,
                name,
                passed,
                detail,
            }
        })
        .collect()
}

fn bounded(
    what: &str,
    e: Estimate,
    at_least: Option<f64>,
    at_most: Option<f64>,
    fmt: fn(f64) -> String,
) -> (String, bool, String) {
    let mut name = what.to_string();
    let mut fails = Vec::new();
    if let Some(a) = at_least {
        name.push_str(&format!(" ≥ {}", fmt(a)));
        if e.lo < a {
            fails.push(format!("≥ {}", fmt(a)));
        }
    }
    if let Some(b) = at_most {
        name.push_str(&format!(" ≤ {}", fmt(b)));
        if e.hi > b {
            fails.push(format!("≤ {}", fmt(b)));
        }
    }
    let measured = format!(
        "{what} is {} (95 % interval {} … {})",
        fmt(e.mean),
        fmt(e.lo),
        fmt(e.hi)
    );
    let passed = fails.is_empty();
    let detail = if passed {
        measured
    } else {
        format!(
            "{measured}, but the whole interval must be {}",
            fails.join(" and ")
        )
    };
    (name, passed, detail)
}

/// One metric of a baseline snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineMetric {
    pub strategy: String,
    /// `retention@T`, or a per-customer metric key (`npv`, `revenue`, …).
    pub metric: String,
    pub mean: f64,
    pub se: f64,
}

/// The content of `NAME.baseline.json` (`cxsim.baseline/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub format: String,
    pub scenario: String,
    /// `fnv1a64:` of the scenario file's bytes when the baseline was written.
    pub scenario_hash: String,
    pub customers: u64,
    pub seed: u64,
    pub metrics: Vec<BaselineMetric>,
}

/// The metrics a baseline records: retention at each reporting period and at the horizon, and
/// every per-customer metric, for every strategy.
pub fn baseline_metrics(results: &RunResults) -> Vec<BaselineMetric> {
    let mut out = Vec::new();
    let step = results.report_every.max(1) as usize;
    let mut periods: Vec<usize> = (step..=results.horizon as usize).step_by(step).collect();
    if periods.last() != Some(&(results.horizon as usize)) {
        periods.push(results.horizon as usize);
    }
    for s in &results.strategies {
        for &t in &periods {
            let p = s.retention[t];
            out.push(BaselineMetric {
                strategy: s.name.clone(),
                metric: format!("retention@{t}"),
                mean: p.mean,
                se: p.se,
            });
        }
        for m in Metric::PER_CUSTOMER {
            let e = s.metric(m);
            out.push(BaselineMetric {
                strategy: s.name.clone(),
                metric: m.name().to_string(),
                mean: e.mean,
                se: e.se,
            });
        }
    }
    out
}

fn metric_of(results: &RunResults, strategy: &str, metric: &str) -> Option<Estimate> {
    let s = results.strategies.iter().find(|s| s.name == strategy)?;
    if let Some(t) = metric.strip_prefix("retention@") {
        let t: usize = t.parse().ok()?;
        let p = s.retention.get(t)?;
        return Some(Estimate {
            mean: p.mean,
            se: p.se,
            lo: p.lo,
            hi: p.hi,
        });
    }
    let m = Metric::PER_CUSTOMER
        .into_iter()
        .find(|m| m.name() == metric)?;
    Some(s.metric(m))
}

/// The baseline file's text: one metric per line, so annotations can point at a metric.
pub fn baseline_json(b: &Baseline) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"format\": {},\n", q(&b.format)));
    out.push_str(&format!("  \"scenario\": {},\n", q(&b.scenario)));
    out.push_str(&format!("  \"scenario_hash\": {},\n", q(&b.scenario_hash)));
    out.push_str(&format!("  \"customers\": {},\n", b.customers));
    out.push_str(&format!("  \"seed\": {},\n", b.seed));
    out.push_str("  \"metrics\": [\n");
    for (i, m) in b.metrics.iter().enumerate() {
        let line = serde_json::to_string(m).unwrap_or_default();
        out.push_str("    ");
        out.push_str(&line);
        if i + 1 < b.metrics.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("  ]\n}\n");
    out
}

pub fn make_baseline(results: &RunResults, scenario_text: &str) -> Baseline {
    Baseline {
        format: BASELINE_FORMAT.to_string(),
        scenario: results.scenario.clone(),
        scenario_hash: crate::analysis::shard::scenario_hash(scenario_text),
        customers: results.customers,
        seed: results.seed,
        metrics: baseline_metrics(results),
    }
}

/// Reads a baseline; the second value is the 1-based line of each metric.
pub fn parse_baseline(path: &Path, text: &str) -> Result<(Baseline, Vec<usize>), LoadError> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| LoadError::Parse {
        path: path.to_path_buf(),
        line: e.line().max(1),
        col: e.column().max(1),
        message: format!("not a cxsim baseline: {e}"),
        hint: "baselines are written by `cxsim check --update-baseline`; delete the file and run that to recreate it".into(),
        snippet: snippet(text, e.line().max(1)),
    })?;
    if b.format != BASELINE_FORMAT {
        return Err(LoadError::Parse {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            message: format!(
                "baseline format `{}`, this cxsim reads `{BASELINE_FORMAT}`",
                b.format
            ),
            hint: "rewrite it with `cxsim check --update-baseline`".into(),
            snippet: String::new(),
        });
    }
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("{\"strategy\""))
        .map(|(i, _)| i + 1)
        .collect();
    let lines = if lines.len() == b.metrics.len() {
        lines
    } else {
        vec![1; b.metrics.len()]
    };
    Ok((b, lines))
}

/// Compares fresh results with a baseline: a metric fails when
/// `|now − baseline| > tolerance · √(se_baseline² + se_now²)`.
pub fn compare_baseline(
    path: &Path,
    baseline: &Baseline,
    lines: &[usize],
    results: &RunResults,
    tolerance: f64,
) -> Vec<Verdict> {
    baseline
        .metrics
        .iter()
        .zip(lines)
        .map(|(m, &line)| {
            let name = format!("baseline: {} of \"{}\"", m.metric, m.strategy);
            let (passed, detail) = match metric_of(results, &m.strategy, &m.metric) {
                None => (
                    false,
                    format!(
                        "{} of \"{}\" is no longer reported (strategy renamed or removed, or horizon shortened); if intended, run `cxsim check --update-baseline`",
                        m.metric, m.strategy
                    ),
                ),
                Some(now) => {
                    let se_diff = (m.se * m.se + now.se * now.se).sqrt();
                    let diff = now.mean - m.mean;
                    let passed = diff.abs() <= tolerance * se_diff;
                    let z = if se_diff > 0.0 {
                        format!("{:.1} standard errors", diff.abs() / se_diff)
                    } else {
                        "with no sampling error".into()
                    };
                    (
                        passed,
                        format!(
                            "{} moved from {} to {} ({}, {z}; tolerance {tolerance} standard errors of the difference){}",
                            m.metric,
                            num(m.mean),
                            num(now.mean),
                            signed(diff),
                            if passed {
                                ""
                            } else {
                                "; if the change is intended, run `cxsim check --update-baseline`"
                            }
                        ),
                    )
                }
            };
            Verdict {
                file: path.to_path_buf(),
                line,
                name,
                passed,
                detail,
            }
        })
        .collect()
}

/// The outcome of checking one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioCheck {
    pub scenario: PathBuf,
    /// Expectations, then baseline metrics.
    pub verdicts: Vec<Verdict>,
    /// Input errors (invalid scenario, sidecar or baseline), rendered, with a location.
    pub errors: Vec<(PathBuf, usize, String)>,
    pub customers: u64,
    pub seed: u64,
    pub expectations: usize,
    pub baseline_metrics: usize,
    /// A new baseline was written.
    pub baseline_written: Option<PathBuf>,
}

impl ScenarioCheck {
    pub fn failures(&self) -> usize {
        self.verdicts.iter().filter(|v| !v.passed).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_positions_follow_comments_strings_and_nesting() {
        let text = r#"// header, with a comma, and ( a bracket
Expectations(
    customers: 20000,
    /* expect: [ Fake() ] */
    expect: [
        Retention(strategy: "a, b ( [", period: 3, at_least: 0.5),
        // Metric(…) in a comment
        Metric(
            strategy: "x",
            metric: Npv, at_least: 1.0,
        ), Beats(strategy: "\"q\"", baseline: "y", metric: Npv),

        Retention(strategy: "z", period: 1, at_most: 1.0)
    ],
)"#;
        assert_eq!(
            item_positions(text),
            vec![(6, 9), (8, 9), (11, 12), (13, 9)]
        );
        assert_eq!(field_position(text, "customers"), Some((3, 5)));
        assert_eq!(field_position(text, "seed"), None);
    }

    #[test]
    fn item_positions_of_an_empty_or_missing_list() {
        assert!(item_positions("Expectations(expect: [])").is_empty());
        assert!(item_positions("Expectations(customers: 5)").is_empty());
        assert_eq!(item_positions("(expect:[Metric()])"), vec![(1, 10)]);
    }

    #[test]
    fn sidecar_paths() {
        let p = Path::new("dir/shop.ron");
        assert_eq!(sidecar_path(p), Path::new("dir/shop.expect.ron"));
        assert_eq!(baseline_path(p), Path::new("dir/shop.baseline.json"));
        assert!(is_sidecar(Path::new("dir/shop.expect.ron")));
        assert!(!is_sidecar(p));
        assert_eq!(scenario_of_sidecar(Path::new("dir/shop.expect.ron")), p);
    }

    #[test]
    fn bounds_need_the_whole_interval() {
        let e = Estimate::with_se(0.5, 0.01);
        assert!(bounded("x", e, Some(0.45), None, num).1);
        // The mean is above the bound but the interval reaches below it.
        assert!(!bounded("x", e, Some(0.49), None, num).1);
        assert!(!bounded("x", e, None, Some(0.51), num).1);
        assert!(bounded("x", e, Some(0.4), Some(0.6), num).1);
    }
}
