//! The data files `calibrate` fits a journey to (docs/calibration.md): CSV tables a CX or CRM
//! team already has, read into plain tables with every problem located (file, line, column).
//!
//! Three kinds, told apart by their header:
//! - cohort survival: `period,active` (or `churned`), optionally `segment` and `cohort`;
//! - a customer export: `customer,segment,start,end` (empty `end` = still active), turned into
//!   the cohort table above;
//! - touchpoint rates: `touchpoint,successes,trials`, optionally `period` and `segment`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::PeriodUnit;
use super::error::LoadError;

/// One cohort's survival: how many of its customers were still active at some periods of
/// their life. `observed[0]` is period 0 (the start size); later periods may have gaps (the
/// churners of a gap are known only in total) and the table ends where the cohort's
/// observation ends (right-censoring).
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// Segment id, or `None` for customers of every segment together.
    pub segment: Option<String>,
    /// The cohort's label (`cohort` column, or the start of a customer export).
    pub label: String,
    /// (period, active), periods strictly increasing from 0, actives never increasing.
    pub observed: Vec<(u32, u64)>,
    /// Where the cohort came from, for messages.
    pub source: PathBuf,
}

impl Cohort {
    pub fn size(&self) -> u64 {
        self.observed.first().map_or(0, |o| o.1)
    }

    pub fn last_period(&self) -> u32 {
        self.observed.last().map_or(0, |o| o.0)
    }

    /// The same cohort observed only up to `period` (hold-out fitting).
    pub fn truncated(&self, period: u32) -> Cohort {
        Cohort {
            observed: self
                .observed
                .iter()
                .copied()
                .filter(|o| o.0 <= period)
                .collect(),
            ..self.clone()
        }
    }
}

/// Observed successes of one touchpoint ("resolved at first contact": 412 of 500).
#[derive(Debug, Clone, PartialEq)]
pub struct RateRow {
    pub touchpoint: String,
    pub segment: Option<String>,
    pub period: Option<u32>,
    pub successes: u64,
    pub trials: u64,
    /// 1-based line in its file, for messages.
    pub line: usize,
    pub source: PathBuf,
}

/// Everything read from the `--data` files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Data {
    pub cohorts: Vec<Cohort>,
    pub rates: Vec<RateRow>,
}

/// How the dates of a customer export are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportOptions {
    /// What one period is (a month: dates a month apart are one period apart).
    pub unit: PeriodUnit,
    /// The day the export was taken; default the latest date in the file.
    pub as_of: Option<Stamp>,
}

/// A point in time of a customer export: a period number of the company's calendar, or a
/// calendar date (days since 1970-01-01 and its year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stamp {
    Period(i64),
    Date { y: i64, m: u32, d: u32 },
}

impl Stamp {
    /// `2024-03-15` or a whole number of periods.
    pub fn parse(text: &str) -> Option<Stamp> {
        let t = text.trim();
        if let Ok(p) = t.parse::<i64>() {
            return Some(Stamp::Period(p));
        }
        let mut parts = t.splitn(3, '-');
        let y = parts.next()?.parse::<i64>().ok()?;
        let m = parts.next()?.parse::<u32>().ok()?;
        let d = parts.next()?.parse::<u32>().ok()?;
        // Years of four digits: calendar arithmetic on anything else is a typo's.
        let valid =
            (1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m);
        valid.then_some(Stamp::Date { y, m, d })
    }

    /// Whole periods from `self` to `later` (floor), by the calendar for months, quarters and
    /// years: 15 Jan → 14 Mar is one month, → 15 Mar two. `None` if the kinds differ.
    fn periods_until(self, later: Stamp, unit: PeriodUnit) -> Option<i64> {
        match (self, later) {
            (Stamp::Period(a), Stamp::Period(b)) => Some(b - a),
            (
                Stamp::Date { y, m, d },
                Stamp::Date {
                    y: y2,
                    m: m2,
                    d: d2,
                },
            ) => {
                let days = days_from_civil(y2, m2, d2) - days_from_civil(y, m, d);
                let months = (y2 - y) * 12 + i64::from(m2) - i64::from(m) - i64::from(d2 < d);
                Some(match unit {
                    PeriodUnit::Day => days,
                    PeriodUnit::Week => days.div_euclid(7),
                    PeriodUnit::Month => months,
                    PeriodUnit::Quarter => months.div_euclid(3),
                    PeriodUnit::Year => months.div_euclid(12),
                })
            }
            _ => None,
        }
    }

    /// Whether `later` lies exactly `n` whole periods after `self`.
    fn is_boundary(self, later: Stamp, n: i64, unit: PeriodUnit) -> bool {
        match (self, later) {
            (Stamp::Period(a), Stamp::Period(b)) => b - a == n,
            (Stamp::Date { .. }, Stamp::Date { .. }) => {
                // The period after n whole ones has not begun: one day earlier is still in it.
                let before = later.minus_one_day();
                self.periods_until(before, unit) == Some(n - 1)
                    && self.periods_until(later, unit) == Some(n)
            }
            _ => false,
        }
    }

    fn minus_one_day(self) -> Stamp {
        match self {
            Stamp::Period(p) => Stamp::Period(p - 1),
            Stamp::Date { y, m, d } => {
                if d > 1 {
                    Stamp::Date { y, m, d: d - 1 }
                } else if m > 1 {
                    Stamp::Date {
                        y,
                        m: m - 1,
                        d: days_in_month(y, m - 1),
                    }
                } else {
                    Stamp::Date {
                        y: y - 1,
                        m: 12,
                        d: 31,
                    }
                }
            }
        }
    }

    fn show(self) -> String {
        match self {
            Stamp::Period(p) => p.to_string(),
            Stamp::Date { y, m, d } => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's civil-from-days, inverted).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A CSV table with its header, rows and the text of each line (for located messages).
struct Table<'a> {
    path: &'a Path,
    text: &'a str,
    header: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table<'_> {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// A located error at row `line`, column `col` (0-based field index).
    fn error(&self, line: usize, col: Option<usize>, message: String, hint: &str) -> LoadError {
        let snippet = self
            .text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .trim_end()
            .to_string();
        // Fields are comma-separated: the column of field k is one past the k-th comma
        // (quoted fields with commas inside are rare in these files and only shift the caret).
        let column = col.map_or(1, |k| {
            snippet
                .char_indices()
                .filter(|&(_, c)| c == ',')
                .nth(k.wrapping_sub(1))
                .map_or(1, |(i, _)| snippet[..i].chars().count() + 2)
        });
        let column = if col == Some(0) { 1 } else { column };
        LoadError::Parse {
            path: self.path.to_path_buf(),
            line,
            col: column,
            message,
            hint: hint.to_string(),
            snippet,
        }
    }

    fn field<'r>(&self, rec: &'r csv::StringRecord, col: usize) -> &'r str {
        rec.get(col).unwrap_or("").trim()
    }

    fn count(&self, line: usize, rec: &csv::StringRecord, col: usize) -> Result<u64, LoadError> {
        let v = self.field(rec, col);
        v.parse::<u64>().map_err(|_| {
            self.error(
                line,
                Some(col),
                format!(
                    "{} must be a whole number of customers, not \"{v}\"",
                    self.header[col]
                ),
                "write a count such as 1000 (no decimals, separators or signs)",
            )
        })
    }

    fn opt(&self, rec: &csv::StringRecord, col: Option<usize>) -> Option<String> {
        col.map(|c| self.field(rec, c).to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Reads one data file (its kind from the header) and adds it to `data`.
pub fn read_data(path: &Path, opts: ExportOptions, data: &mut Data) -> Result<(), LoadError> {
    let text = super::parse::read_text(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let table = read_table(path, &text)?;
    let has = |c: &str| table.col(c).is_some();
    if has("period") && (has("active") || has("churned")) {
        data.cohorts.extend(cohort_table(&table)?);
    } else if has("customer") && has("start") {
        data.cohorts.extend(customer_export(&table, opts)?);
    } else if has("touchpoint") && has("successes") && has("trials") {
        data.rates.extend(rate_table(&table)?);
    } else {
        return Err(table.error(
            1,
            None,
            format!(
                "cannot tell what these data are from the header ({})",
                table.header.join(",")
            ),
            "a cohort table has period,active (or churned); a customer export has \
             customer,segment,start,end; touchpoint rates have touchpoint,successes,trials \
             (docs/calibration.md)",
        ));
    }
    Ok(())
}

fn read_table<'a>(path: &'a Path, text: &'a str) -> Result<Table<'a>, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let located = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        LoadError::Parse {
            path: path.to_path_buf(),
            line,
            col: 1,
            message: format!("not a readable CSV table: {e}"),
            hint: "save it as comma-separated text with a header row".into(),
            snippet: text.lines().nth(line - 1).unwrap_or("").to_string(),
        }
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(located)?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut table = Table {
        path,
        text,
        header,
        rows: Vec::new(),
    };
    if table.header.iter().all(|h| h.is_empty()) {
        return Err(table.error(
            1,
            None,
            "the file is empty: no header row".into(),
            "the first line names the columns, e.g. period,active",
        ));
    }
    for (k, h) in table.header.iter().enumerate() {
        if table.header[..k].contains(h) {
            return Err(table.error(
                1,
                Some(k),
                format!("column \"{h}\" appears twice"),
                "name every column once",
            ));
        }
    }
    for rec in reader.records() {
        let rec = rec.map_err(located)?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() > table.header.len() {
            return Err(table.error(
                line,
                Some(table.header.len()),
                format!(
                    "this row has {} fields but the header names {} columns",
                    rec.len(),
                    table.header.len()
                ),
                "remove the extra fields or name their column in the header",
            ));
        }
        table.rows.push((line, rec));
    }
    if table.rows.is_empty() {
        return Err(table.error(
            1,
            None,
            "the table has a header but no rows".into(),
            "add one row per period (or customer, or touchpoint)",
        ));
    }
    Ok(table)
}

/// `period,active[,churned][,segment][,cohort]`.
fn cohort_table(t: &Table) -> Result<Vec<Cohort>, LoadError> {
    let Some(pc) = t.col("period") else {
        return Ok(Vec::new());
    };
    let (ac, cc) = (t.col("active"), t.col("churned"));
    let (sc, kc) = (t.col("segment"), t.col("cohort"));
    // (segment, cohort) → rows (line, period, active?, churned?), in file order.
    type Rows = Vec<(usize, u32, Option<u64>, Option<u64>)>;
    let mut groups: BTreeMap<(Option<String>, String), Rows> = BTreeMap::new();
    let mut order: Vec<(Option<String>, String)> = Vec::new();
    for (line, rec) in &t.rows {
        let line = *line;
        let p = t.field(rec, pc);
        let period = p.parse::<u32>().map_err(|_| {
            t.error(
                line,
                Some(pc),
                format!("period must be a whole number ≥ 0, not \"{p}\""),
                "period 0 is the cohort's start, 1 the end of its first period, …",
            )
        })?;
        let get = |c: Option<usize>| -> Result<Option<u64>, LoadError> {
            match c {
                Some(c) if !t.field(rec, c).is_empty() => t.count(line, rec, c).map(Some),
                _ => Ok(None),
            }
        };
        let (active, churned) = (get(ac)?, get(cc)?);
        if active.is_none() && churned.is_none() {
            return Err(t.error(
                line,
                ac.or(cc),
                "this row gives neither active nor churned".into(),
                "give the customers still active at this period, or those who left in it",
            ));
        }
        let key = (t.opt(rec, sc), t.opt(rec, kc).unwrap_or_default());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups
            .entry(key)
            .or_default()
            .push((line, period, active, churned));
    }
    let mut out = Vec::new();
    for key in order {
        let mut rows = groups.remove(&key).unwrap_or_default();
        rows.sort_by_key(|r| r.1);
        let name = match (&key.0, key.1.as_str()) {
            (Some(s), "") => format!("segment {s}"),
            (Some(s), c) => format!("segment {s}, cohort {c}"),
            (None, "") => "the cohort".to_string(),
            (None, c) => format!("cohort {c}"),
        };
        let first = rows.first().copied();
        let Some((line0, 0, Some(start), _)) = first else {
            let line = first.map_or(1, |r| r.0);
            return Err(t.error(
                line,
                Some(pc),
                format!("{name} has no period-0 row with its starting size in active"),
                "begin each cohort with a row `0,SIZE` (period 0, customers at the start)",
            ));
        };
        let _ = line0;
        let mut observed = vec![(0u32, start)];
        let mut prev = (0u32, start);
        for &(line, period, active, churned) in &rows[1..] {
            if period == prev.0 {
                return Err(t.error(
                    line,
                    Some(pc),
                    format!("{name} has period {period} twice"),
                    "give each period once per cohort",
                ));
            }
            let from_churned = churned.map(|c| prev.1.checked_sub(c));
            let now = match (active, from_churned) {
                (Some(a), Some(Some(b))) if a != b => {
                    return Err(t.error(
                        line,
                        ac,
                        format!(
                            "active {a} disagrees with churned: {} active before, {} churned \
                             leaves {b}",
                            prev.1,
                            churned.unwrap_or(0)
                        ),
                        "give one of the two columns, or make them agree",
                    ));
                }
                (Some(a), _) => a,
                (None, Some(Some(b))) => b,
                (None, _) => {
                    return Err(t.error(
                        line,
                        cc,
                        format!(
                            "{} churned in period {period} but only {} were active",
                            churned.unwrap_or(0),
                            prev.1
                        ),
                        "a cohort cannot lose more customers than it has",
                    ));
                }
            };
            if churned.is_some() && active.is_none() && period != prev.0 + 1 {
                return Err(t.error(
                    line,
                    Some(pc),
                    format!(
                        "churned counts need every period: period {} is missing before {period}",
                        prev.0 + 1
                    ),
                    "give the missing periods, or give active instead of churned",
                ));
            }
            if now > prev.1 {
                return Err(t.error(
                    line,
                    ac,
                    format!(
                        "{name} has {now} active at period {period}, more than the {} at period {}",
                        prev.1, prev.0
                    ),
                    "a cohort only loses customers: customers who come back belong to a new cohort",
                ));
            }
            observed.push((period, now));
            prev = (period, now);
        }
        if start == 0 {
            return Err(t.error(
                line0,
                ac,
                format!("{name} starts with 0 customers"),
                "a cohort needs at least one customer at period 0",
            ));
        }
        out.push(Cohort {
            segment: key.0,
            label: key.1,
            observed,
            source: t.path.to_path_buf(),
        });
    }
    Ok(out)
}

/// `customer,segment,start,end`: one row per customer, `end` empty while active. Customers
/// who started at the same time (and in the same segment) form a cohort; each cohort is
/// observed up to the export's date.
fn customer_export(t: &Table, opts: ExportOptions) -> Result<Vec<Cohort>, LoadError> {
    let (Some(cc), Some(stc)) = (t.col("customer"), t.col("start")) else {
        return Ok(Vec::new());
    };
    let (sc, ec) = (t.col("segment"), t.col("end"));
    let stamp = |line: usize, rec: &csv::StringRecord, c: usize| -> Result<Stamp, LoadError> {
        let v = t.field(rec, c);
        Stamp::parse(v).ok_or_else(|| {
            t.error(
                line,
                Some(c),
                format!(
                    "{} must be a date (2024-03-15) or a period number, not \"{v}\"",
                    t.header[c]
                ),
                "write dates as YYYY-MM-DD, or every start and end as whole period numbers",
            )
        })
    };
    struct Row {
        line: usize,
        segment: Option<String>,
        start: Stamp,
        end: Option<Stamp>,
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut latest: Option<Stamp> = None;
    for (line, rec) in &t.rows {
        let line = *line;
        let id = t.field(rec, cc);
        if id.is_empty() {
            return Err(t.error(
                line,
                Some(cc),
                "the customer id is empty".into(),
                "give every customer an id",
            ));
        }
        if !seen.insert(id.to_string()) {
            return Err(t.error(
                line,
                Some(cc),
                format!("customer \"{id}\" appears twice"),
                "one row per customer: a returning customer gets a new id (a new cohort)",
            ));
        }
        let start = stamp(line, rec, stc)?;
        let end = match ec {
            Some(c) if !t.field(rec, c).is_empty() => Some(stamp(line, rec, c)?),
            _ => None,
        };
        if let Some(e) = end {
            if std::mem::discriminant(&e) != std::mem::discriminant(&start) {
                return Err(t.error(
                    line,
                    ec,
                    "start and end are written differently (one a date, one a number)".into(),
                    "write both as dates or both as period numbers",
                ));
            }
            if e <= start {
                return Err(t.error(
                    line,
                    ec,
                    format!("end {} is not after start {}", e.show(), start.show()),
                    "a customer ends after they start; leave end empty while they are active",
                ));
            }
        }
        for s in std::iter::once(start).chain(end) {
            latest = Some(latest.map_or(s, |l: Stamp| l.max(s)));
        }
        rows.push(Row {
            line,
            segment: t.opt(rec, sc),
            start,
            end,
        });
    }
    let as_of = opts.as_of.or(latest).unwrap_or(Stamp::Period(0));
    // (segment, start) → per customer: (periods observed, churned in the last?).
    // Per customer: (periods observed or churn period, churned?).
    type Members = Vec<(u32, bool)>;
    let mut cohorts: BTreeMap<(Option<String>, Stamp), Members> = BTreeMap::new();
    for r in &rows {
        let Some(age) = r.start.periods_until(as_of, opts.unit) else {
            return Err(t.error(
                r.line,
                Some(stc),
                "start is written differently from the export date (--as-of)".into(),
                "write --as-of like the starts: a date or a period number",
            ));
        };
        if age < 0 || r.start > as_of {
            return Err(t.error(
                r.line,
                Some(stc),
                format!(
                    "start {} is after the export date {}",
                    r.start.show(),
                    as_of.show()
                ),
                "drop customers who started after the export, or give a later --as-of",
            ));
        }
        let entry = match r.end.filter(|&e| e <= as_of) {
            // Active at period t ⇔ start + t periods < end, so a customer leaving inside
            // period k+1 was active at 0..=k and churned in period k+1 (k = whole periods).
            Some(e) => {
                let whole = r.start.periods_until(e, opts.unit).unwrap_or(0);
                let churn_period = if r.start.is_boundary(e, whole, opts.unit) {
                    whole
                } else {
                    whole + 1
                };
                (churn_period.clamp(1, i64::from(u32::MAX)) as u32, true)
            }
            None => (age.clamp(0, i64::from(u32::MAX)) as u32, false),
        };
        cohorts
            .entry((r.segment.clone(), r.start))
            .or_default()
            .push(entry);
    }
    let mut out = Vec::new();
    for ((segment, start), members) in cohorts {
        let age = start.periods_until(as_of, opts.unit).unwrap_or(0).max(0) as u32;
        let mut observed = Vec::with_capacity(age as usize + 1);
        for p in 0..=age {
            // Active at p: not yet churned by p (churn period > p).
            let active = members
                .iter()
                .filter(|&&(n, churned)| if churned { n > p } else { n >= p })
                .count() as u64;
            observed.push((p, active));
        }
        out.push(Cohort {
            segment,
            label: start.show(),
            observed,
            source: t.path.to_path_buf(),
        });
    }
    Ok(out)
}

/// `touchpoint,successes,trials[,period][,segment]`.
fn rate_table(t: &Table) -> Result<Vec<RateRow>, LoadError> {
    let (Some(tc), Some(sc), Some(nc)) = (t.col("touchpoint"), t.col("successes"), t.col("trials"))
    else {
        return Ok(Vec::new());
    };
    let (pc, gc) = (t.col("period"), t.col("segment"));
    let mut out = Vec::new();
    for (line, rec) in &t.rows {
        let line = *line;
        let touchpoint = t.field(rec, tc).to_string();
        if touchpoint.is_empty() {
            return Err(t.error(
                line,
                Some(tc),
                "the touchpoint id is empty".into(),
                "give the touchpoint's id as in the journey file",
            ));
        }
        let successes = t.count(line, rec, sc)?;
        let trials = t.count(line, rec, nc)?;
        if successes > trials {
            return Err(t.error(
                line,
                Some(sc),
                format!("{successes} successes out of {trials} trials"),
                "successes count the trials that went well, so they are at most the trials",
            ));
        }
        let period = match pc {
            Some(c) if !t.field(rec, c).is_empty() => {
                let v = t.field(rec, c);
                Some(v.parse::<u32>().map_err(|_| {
                    t.error(
                        line,
                        Some(c),
                        format!("period must be a whole number ≥ 0, not \"{v}\""),
                        "leave it empty for all periods",
                    )
                })?)
            }
            _ => None,
        };
        out.push(RateRow {
            touchpoint,
            segment: t.opt(rec, gc),
            period,
            successes,
            trials,
            line,
            source: t.path.to_path_buf(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_periods_count_whole_months_and_days() {
        let d = |s: &str| Stamp::parse(s).unwrap_or(Stamp::Period(-999));
        let m = PeriodUnit::Month;
        assert_eq!(d("2024-01-15").periods_until(d("2024-03-14"), m), Some(1));
        assert_eq!(d("2024-01-15").periods_until(d("2024-03-15"), m), Some(2));
        assert_eq!(d("2024-01-31").periods_until(d("2024-02-29"), m), Some(0));
        assert_eq!(
            d("2023-12-01").periods_until(d("2024-12-01"), PeriodUnit::Year),
            Some(1)
        );
        assert_eq!(
            d("2024-02-28").periods_until(d("2024-03-01"), PeriodUnit::Day),
            Some(2)
        );
        assert_eq!(
            d("1970-01-01"),
            Stamp::Date {
                y: 1970,
                m: 1,
                d: 1
            }
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert!(d("2024-01-15").is_boundary(d("2024-03-15"), 2, m));
        assert!(!d("2024-01-15").is_boundary(d("2024-03-16"), 2, m));
        assert_eq!(Stamp::parse("2023-02-29"), None);
        assert_eq!(Stamp::parse("12"), Some(Stamp::Period(12)));
    }
}
