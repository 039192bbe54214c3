//! `cxsim diff`: what changed between two versions of a journey, in business words, and what the
//! change does to the headline metrics (paired, on common random numbers).
//!
//! The semantic part compares the two parsed scenarios: touchpoints and segments matched by
//! `id`, strategies by `name`, every field that differs described in the designer's terms
//! ("Delivery on time: quality 90 % → 94 %"). The metric part simulates, for every strategy
//! present in both versions, the arm (old model, s) and the arm (new model, s) in one run: the
//! same customers with the same random numbers, so the paired difference new − old has a far
//! tighter interval than two independent runs.

use serde::Serialize;

use crate::engine::Arm;
use crate::format::{
    Effects, FollowOn, Outcome, Propensity, Scenario, Segment, Shift, StateShifts, Strategy,
    Touchpoint, TriadLevels, Trigger,
};
use crate::model::Model;
use crate::results::{Estimate, Metric, RunResults};

/// One described change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What it is about: `touchpoint "delivery"`, `segment "smb"`, `strategy "balanced"`,
    /// `scenario`.
    pub subject: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// Business wording, e.g. `Delivery on time: quality 90 % → 94 %`.
    pub text: String,
}

fn pct(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

fn num(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn money(x: f64, currency: &str) -> String {
    format!("{} {currency}", num(x))
}

fn trigger_words(t: &Trigger) -> String {
    match t {
        Trigger::EveryPeriod => "every period".into(),
        Trigger::Chance(p) => format!("with probability {} each period", pct(*p)),
        Trigger::OnIncident => "for every incident".into(),
        Trigger::After {
            touchpoint,
            outcome,
            probability,
        } => format!(
            "after \"{touchpoint}\" {} ({})",
            match outcome {
                Outcome::Success => "succeeds",
                Outcome::Failure => "fails",
                Outcome::Any => "happens",
            },
            pct(*probability)
        ),
    }
}

fn segments_words(ids: &[String]) -> String {
    if ids.is_empty() {
        "every segment".into()
    } else {
        ids.join(", ")
    }
}

fn shift_words(s: Shift) -> String {
    match s {
        Shift::Keep => "no change".into(),
        Shift::Up(f) => format!("up {} of the gap", pct(f)),
        Shift::Down(f) => format!("down {}", pct(f)),
    }
}

fn follow_on_words(f: &[FollowOn], currency: &str) -> String {
    if f.is_empty() {
        return "nothing".into();
    }
    f.iter()
        .map(|x| match x {
            FollowOn::OpenIncident => "opens an incident".to_string(),
            FollowOn::Escalate { probability, cost } => format!(
                "escalates with probability {} at {}",
                pct(*probability),
                money(*cost, currency)
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn propensity_words(p: &Propensity) -> String {
    match p {
        Propensity::Beta { alpha, beta } => format!(
            "Beta({}, {}), mean {} a period",
            num(*alpha),
            num(*beta),
            pct(alpha / (alpha + beta))
        ),
        Propensity::Fixed(t) => format!("fixed {} a period", pct(*t)),
    }
}

const STATES: [&str; 3] = ["satisfied", "pleased", "loyal"];

fn levels(l: &TriadLevels) -> [f64; 3] {
    [l.satisfied, l.pleased, l.loyal]
}

/// Collects "label: old → new" texts for one subject.
struct Fields<'a> {
    title: &'a str,
    out: Vec<String>,
}

impl Fields<'_> {
    fn cmp(&mut self, label: &str, old: String, new: String) {
        if old != new {
            self.out
                .push(format!("{}: {label} {old} → {new}", self.title));
        }
    }

    fn text(&mut self, label: &str, old: &str, new: &str) {
        if old != new {
            if old.len() + new.len() > 80 || old.is_empty() || new.is_empty() {
                self.out.push(format!("{}: {label} changed", self.title));
            } else {
                self.out
                    .push(format!("{}: {label} \"{old}\" → \"{new}\"", self.title));
            }
        }
    }
}

fn touchpoint_changes(a: &Touchpoint, b: &Touchpoint, currency: &str) -> Vec<String> {
    let title = if b.name.is_empty() { &b.id } else { &b.name };
    let mut f = Fields {
        title,
        out: Vec::new(),
    };
    f.text("name", &a.name, &b.name);
    f.cmp("stage", a.stage.name().into(), b.stage.name().into());
    f.text("channel", &a.channel, &b.channel);
    f.text("owner", &a.owner, &b.owner);
    f.cmp(
        "happens",
        trigger_words(&a.trigger),
        trigger_words(&b.trigger),
    );
    f.cmp("window", a.when.describe(), b.when.describe());
    f.cmp(
        "segments",
        segments_words(&a.segments),
        segments_words(&b.segments),
    );
    f.cmp("quality", pct(a.quality), pct(b.quality));
    f.cmp("cost", money(a.cost, currency), money(b.cost, currency));
    let eff =
        |e: &Effects, success: bool| -> StateShifts { if success { e.success } else { e.failure } };
    for (success, word) in [(true, "on success"), (false, "on failure")] {
        for (i, state) in STATES.iter().enumerate() {
            f.cmp(
                &format!("{state} {word}"),
                shift_words(eff(&a.effects, success).get(i)),
                shift_words(eff(&b.effects, success).get(i)),
            );
        }
    }
    f.cmp(
        "a failure",
        follow_on_words(&a.on_failure, currency),
        follow_on_words(&b.on_failure, currency),
    );
    f.text("notes", &a.notes, &b.notes);
    // The organisation's fields (docs/format.md "Organisation"), field by field; equal
    // fields give no lines.
    let mut out = f.out;
    out.extend(field_changes(title, "team", &a.team, &b.team));
    out.extend(field_changes(title, "delivery", &a.delivery, &b.delivery));
    out.extend(field_changes(title, "recovery", &a.recovery, &b.recovery));
    out.extend(field_changes(title, "feedback", &a.feedback, &b.feedback));
    out.extend(field_changes(title, "variants", &a.variants, &b.variants));
    out.extend(field_changes(
        title,
        "by segment",
        &a.by_segment,
        &b.by_segment,
    ));
    out
}

fn segment_changes(a: &Segment, b: &Segment, currency: &str) -> Vec<String> {
    let title = if b.name.is_empty() { &b.id } else { &b.name };
    let mut f = Fields {
        title,
        out: Vec::new(),
    };
    f.text("name", &a.name, &b.name);
    f.cmp("share of customers", pct(a.share), pct(b.share));
    f.cmp(
        "value per period",
        money(a.value_per_period, currency),
        money(b.value_per_period, currency),
    );
    let (la, lb) = (levels(&a.initial), levels(&b.initial));
    for (i, state) in STATES.iter().enumerate() {
        f.cmp(&format!("initial {state}"), pct(la[i]), pct(lb[i]));
    }
    f.cmp(
        "churn propensity",
        propensity_words(&a.churn_propensity),
        propensity_words(&b.churn_propensity),
    );
    let mut out = f.out;
    out.extend(field_changes(title, "accounts", &a.accounts, &b.accounts));
    out
}

fn strategy_changes(a: &Strategy, b: &Strategy, currency: &str) -> Vec<String> {
    let mut f = Fields {
        title: &b.name,
        out: Vec::new(),
    };
    f.text("description", &a.description, &b.description);
    f.cmp(
        "budget per customer-period",
        money(a.budget, currency),
        money(b.budget, currency),
    );
    f.cmp(
        "emphasis (purchase/exception/relationship)",
        format!(
            "{}/{}/{}",
            pct(a.emphasis.purchase),
            pct(a.emphasis.exception),
            pct(a.emphasis.relationship)
        ),
        format!(
            "{}/{}/{}",
            pct(b.emphasis.purchase),
            pct(b.emphasis.exception),
            pct(b.emphasis.relationship)
        ),
    );
    f.out
}

/// The most lines one section's field-by-field comparison reports before summarising.
const MAX_FIELD_LINES: usize = 12;

/// Field-by-field differences of a section without business wording of its own (organisation,
/// acquisition, advocacy, accounts, a touchpoint's team and recovery ...): one line per changed
/// value, named by its field path as written in the file, e.g.
/// `Advocacy: get_well.probability 0.7 → 0.8`.
fn field_changes<T: serde::Serialize>(title: &str, label: &str, old: &T, new: &T) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return vec![format!("{title}: {label} changed")];
    };
    let mut lines = Vec::new();
    walk(label, &a, &b, &mut lines);
    if lines.len() > MAX_FIELD_LINES {
        let more = lines.len() - MAX_FIELD_LINES + 1;
        lines.truncate(MAX_FIELD_LINES - 1);
        lines.push(format!("… and {more} more changes"));
    }
    lines.into_iter().map(|l| format!("{title}: {l}")).collect()
}

fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    if a == b {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Null, _) if path.is_empty() => out.push(format!("added ({})", short(b))),
        (_, Value::Null) if path.is_empty() => out.push("removed".into()),
        (Value::Null, _) => out.push(format!("{path} added ({})", short(b))),
        (_, Value::Null) => out.push(format!("{path} removed")),
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => walk(&join(k), va, vb, out),
                    None => out.push(format!("{} removed", join(k))),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    walk(&join(k), &Value::Null, vb, out);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), va, vb, out);
            }
            if x.len() != y.len() {
                out.push(format!("{path}: {} items → {}", x.len(), y.len()));
            }
        }
        _ => out.push(format!("{path} {} → {}", short(a), short(b))),
    }
}

/// A value as a short phrase: numbers and words as they are, structures compact and cut.
fn short(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Matches items by key; reports removed, added, and changed (through `changes`).
fn by_key<T>(
    out: &mut Vec<Change>,
    kind: &str,
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> &str,
    title: impl Fn(&T) -> String,
    changes: impl Fn(&T, &T) -> Vec<String>,
) {
    for a in old {
        if !new.iter().any(|b| key(b) == key(a)) {
            out.push(Change {
                subject: format!("{kind} \"{}\"", key(a)),
                kind: "removed",
                text: format!("{} removed", title(a)),
            });
        }
    }
    for b in new {
        match old.iter().find(|a| key(a) == key(b)) {
            None => out.push(Change {
                subject: format!("{kind} \"{}\"", key(b)),
                kind: "added",
                text: format!("{} added", title(b)),
            }),
            Some(a) => {
                for text in changes(a, b) {
                    out.push(Change {
                        subject: format!("{kind} \"{}\"", key(b)),
                        kind: "changed",
                        text,
                    });
                }
            }
        }
    }
}

/// Every difference between two versions of a scenario, in business words.
pub fn semantic_diff(old: &Scenario, new: &Scenario) -> Vec<Change> {
    let cur = &new.currency;
    let mut out = Vec::new();
    let mut top = Fields {
        title: "Scenario",
        out: Vec::new(),
    };
    top.text("name", &old.name, &new.name);
    top.text("description", &old.description, &new.description);
    top.text("notes", &old.notes, &new.notes);
    top.text("currency", &old.currency, &new.currency);
    top.cmp(
        "period",
        old.period.name().to_string(),
        new.period.name().to_string(),
    );
    top.cmp(
        "horizon",
        format!("{} {}s", old.horizon, old.period.name()),
        format!("{} {}s", new.horizon, new.period.name()),
    );
    top.cmp(
        "discount rate",
        format!("{} a year", pct(old.discount_rate)),
        format!("{} a year", pct(new.discount_rate)),
    );
    top.cmp(
        "report every",
        format!("{:?}", old.report_every),
        format!("{:?}", new.report_every),
    );
    top.cmp(
        "root-cause window",
        format!("{} periods", old.attribution_window),
        format!("{} periods", new.attribution_window),
    );
    let (po, pn) = (old.churn.protection, new.churn.protection);
    for (state, a, b) in [
        ("satisfied", po.satisfied, pn.satisfied),
        ("pleased", po.pleased, pn.pleased),
        ("loyal", po.loyal, pn.loyal),
    ] {
        top.cmp(&format!("churn protection of {state}"), num(a), num(b));
    }
    top.cmp(
        "loyalty revenue uplift",
        pct(old.revenue.loyalty_uplift),
        pct(new.revenue.loyalty_uplift),
    );
    top.cmp(
        "investment: max quality uplift",
        pct(old.investment.max_uplift),
        pct(new.investment.max_uplift),
    );
    top.cmp(
        "investment: half-saturation budget",
        money(old.investment.half_saturation, cur),
        money(new.investment.half_saturation, cur),
    );
    out.extend(top.out.into_iter().map(|text| Change {
        subject: "scenario".into(),
        kind: "changed",
        text,
    }));
    // The optional sections, field by field (their own wording is in docs/format.md); equal
    // sections give no lines.
    let mut section = |subject: &str, lines: Vec<String>| {
        out.extend(lines.into_iter().map(|text| Change {
            subject: subject.into(),
            kind: "changed",
            text,
        }));
    };
    section(
        "organisation",
        field_changes("Organisation", "", &old.organisation, &new.organisation),
    );
    section(
        "acquisition",
        field_changes("Acquisition", "", &old.acquisition, &new.acquisition),
    );
    section(
        "advocacy",
        field_changes("Advocacy programme", "", &old.advocacy, &new.advocacy),
    );
    by_key(
        &mut out,
        "segment",
        &old.segments,
        &new.segments,
        |s| s.id.as_str(),
        |s| {
            format!(
                "Segment \"{}\"",
                if s.name.is_empty() { &s.id } else { &s.name }
            )
        },
        |a, b| segment_changes(a, b, cur),
    );
    by_key(
        &mut out,
        "touchpoint",
        &old.touchpoints,
        &new.touchpoints,
        |t| t.id.as_str(),
        |t| {
            format!(
                "Touchpoint \"{}\" ({}, quality {})",
                t.name,
                t.stage.name(),
                pct(t.quality)
            )
        },
        |a, b| touchpoint_changes(a, b, cur),
    );
    // Order of touchpoints matters (run order within a period).
    let order =
        |s: &Scenario| -> Vec<String> { s.touchpoints.iter().map(|t| t.id.clone()).collect() };
    let (oo, on) = (order(old), order(new));
    let common_old: Vec<&String> = oo.iter().filter(|i| on.contains(i)).collect();
    let common_new: Vec<&String> = on.iter().filter(|i| oo.contains(i)).collect();
    if common_old != common_new {
        out.push(Change {
            subject: "touchpoints".into(),
            kind: "changed",
            text: "Touchpoints reordered (they run in file order within a period)".into(),
        });
    }
    by_key(
        &mut out,
        "strategy",
        &old.strategies,
        &new.strategies,
        |s| s.name.as_str(),
        |s| format!("Strategy \"{}\"", s.name),
        |a, b| strategy_changes(a, b, cur),
    );
    out
}

/// The paired effect of the change on one strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyEffect {
    pub strategy: String,
    /// Retention at the horizon, old and new (each with its own interval).
    pub retention_old: Estimate,
    pub retention_new: Estimate,
    /// Paired differences new − old per initial customer: (metric key, label, estimate).
    pub metrics: Vec<MetricEffect>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricEffect {
    pub metric: &'static str,
    pub label: &'static str,
    pub old: f64,
    pub new: f64,
    pub difference: Estimate,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
    pub customers: u64,
    pub seed: u64,
    /// The new version's period unit, horizon and currency (for wording).
    pub period: String,
    pub horizon: u32,
    pub currency: String,
    /// `None` when the horizons differ (then `note` says so) or no strategy is in both.
    pub effects: Option<Vec<StrategyEffect>>,
    pub note: Option<String>,
}

/// Computes the semantic diff and, if the horizons agree, the paired metric effects.
pub fn diff(
    old_name: &str,
    old: &Model,
    new_name: &str,
    new: &Model,
    customers: u64,
    seed: u64,
) -> Diff {
    let changes = semantic_diff(&old.scenario, &new.scenario);
    let mut d = Diff {
        old: old_name.to_string(),
        new: new_name.to_string(),
        changes,
        customers,
        seed,
        period: new.scenario.period.name().to_string(),
        horizon: new.scenario.horizon,
        currency: new.scenario.currency.clone(),
        effects: None,
        note: None,
    };
    if old.horizon() != new.horizon() {
        d.note = Some(format!(
            "the horizons differ ({} vs {} periods), so the versions cannot be compared customer by customer; metric effects skipped",
            old.horizon(),
            new.horizon()
        ));
        return d;
    }
    let pairs: Vec<(usize, usize, String)> = new
        .scenario
        .strategies
        .iter()
        .enumerate()
        .filter_map(|(j, s)| old.strategy_index(&s.name).map(|i| (i, j, s.name.clone())))
        .collect();
    if pairs.is_empty() {
        d.note = Some("no strategy name is in both versions; metric effects skipped".into());
        return d;
    }
    let mut arms = Vec::with_capacity(pairs.len() * 2);
    for (i, j, _) in &pairs {
        arms.push(Arm {
            model: old,
            strategy: *i,
        });
        arms.push(Arm {
            model: new,
            strategy: *j,
        });
    }
    let results: RunResults = match crate::run::simulate_arms(&arms, customers, seed) {
        Ok(r) => r,
        Err(e) => {
            d.note = Some(format!("metric effects skipped: {e}"));
            return d;
        }
    };
    let horizon = old.horizon();
    let effects = pairs
        .iter()
        .enumerate()
        .map(|(k, (_, _, name))| {
            let (a, b) = (2 * k, 2 * k + 1);
            let ret = |s: usize| {
                let p = results.strategies[s].retention[horizon];
                Estimate {
                    mean: p.mean,
                    se: p.se,
                    lo: p.lo,
                    hi: p.hi,
                }
            };
            StrategyEffect {
                strategy: name.clone(),
                retention_old: ret(a),
                retention_new: ret(b),
                metrics: Metric::HEADLINE
                    .iter()
                    .map(|&m| MetricEffect {
                        metric: m.name(),
                        label: m.label(),
                        old: results.strategies[a].metric(m).mean,
                        new: results.strategies[b].metric(m).mean,
                        difference: results
                            .paired_difference(a, b, m.slot())
                            .unwrap_or_else(|| Estimate::with_se(0.0, 0.0)),
                    })
                    .collect(),
            }
        })
        .collect();
    d.effects = Some(effects);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const BENCH: &str = include_str!("../../scenarios/benchmark-triad.ron");

    fn parse(text: &str) -> Scenario {
        crate::format::parse::parse_scenario(Path::new("t.ron"), text)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn identical_versions_have_no_changes() {
        let s = parse(BENCH);
        assert!(semantic_diff(&s, &s).is_empty());
    }

    #[test]
    fn a_quality_change_is_described_in_business_words() {
        let old = parse(BENCH);
        let mut new = old.clone();
        new.touchpoints[0].quality = 0.94;
        new.touchpoints[0].cost += 1.0;
        let changes = semantic_diff(&old, &new);
        let name = &old.touchpoints[0].name;
        assert!(
            changes
                .iter()
                .any(|c| c.text
                    == format!("{name}: quality {} → 94 %", pct(old.touchpoints[0].quality))),
            "{changes:?}"
        );
        assert!(
            changes.iter().any(|c| c.text.contains(": cost ")),
            "{changes:?}"
        );
        assert!(changes.iter().all(|c| c.kind == "changed"));
    }

    const ADVOCACY: &str = include_str!("../../scenarios/advocacy-enterprise.ron");
    const ACCOUNTS: &str = include_str!("../../scenarios/b2b-saas-whole-customer.ron");
    const ORG: &str = include_str!("../../scenarios/ecommerce-organisation.ron");

    fn texts(old: &Scenario, new: &Scenario) -> Vec<String> {
        semantic_diff(old, new)
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn sections_without_business_wording_are_compared_field_by_field() {
        // Advocacy: nested fields by path.
        let old = parse(ADVOCACY);
        let mut new = old.clone();
        let a = new.advocacy.as_mut().expect("an advocacy section");
        a.get_well.probability = 0.9;
        assert_eq!(
            texts(&old, &new),
            ["Advocacy programme: get_well.probability 0.7 → 0.9"]
        );
        // The whole section added or removed.
        let mut none = old.clone();
        none.advocacy = None;
        assert_eq!(texts(&old, &none), ["Advocacy programme: removed"]);
        let added = texts(&none, &old);
        assert_eq!(added.len(), 1);
        assert!(
            added[0].starts_with("Advocacy programme: added ("),
            "{added:?}"
        );
        assert!(added[0].chars().count() < 100, "{added:?}");

        // Accounts, under their segment.
        let old = parse(ACCOUNTS);
        let mut new = old.clone();
        let acc = new.segments[0].accounts.as_mut().expect("accounts");
        acc.renewal_every += 1;
        let changes = semantic_diff(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].subject.starts_with("segment "), "{changes:?}");
        assert!(
            changes[0].text.contains("accounts.renewal_every "),
            "{changes:?}"
        );

        // The organisation section, and a touchpoint's organisation fields.
        let old = parse(ORG);
        let mut new = old.clone();
        new.organisation = None;
        assert_eq!(texts(&old, &new), ["Organisation: removed"]);
        let mut new = old.clone();
        let tp = new
            .touchpoints
            .iter_mut()
            .find(|t| !t.delivery.is_staff())
            .expect("a self-service touchpoint");
        tp.delivery = crate::format::org::Delivery::Staff;
        tp.team = Some("care".into());
        let changes = texts(&old, &new);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(
            changes[0].ends_with(": team added (\"care\")"),
            "{changes:?}"
        );
        assert!(
            changes[1].ends_with(": delivery \"SelfService\" → \"Staff\""),
            "{changes:?}"
        );
    }

    #[test]
    fn many_field_changes_are_summarised() {
        let old = parse(ADVOCACY);
        let mut with = old.clone();
        let a = with.advocacy.as_mut().expect("advocacy");
        a.policies.clear();
        let v = field_changes("T", "", &old.advocacy, &with.advocacy);
        assert!(!v.is_empty() && v.len() <= MAX_FIELD_LINES, "{v:?}");
        let mut lines = Vec::new();
        let big_a = serde_json::json!({"x": (0..40).collect::<Vec<_>>()});
        let big_b = serde_json::json!({"x": (1..41).collect::<Vec<_>>()});
        walk("", &big_a, &big_b, &mut lines);
        assert_eq!(lines.len(), 40);
        let v = field_changes("T", "", &big_a, &big_b);
        assert_eq!(v.len(), MAX_FIELD_LINES);
        assert_eq!(v[MAX_FIELD_LINES - 1], "T: … and 29 more changes");
    }

    #[test]
    fn added_removed_and_renamed_items_are_reported() {
        let old = parse(BENCH);
        let mut new = old.clone();
        let removed = new.touchpoints.remove(0);
        let mut added = removed.clone();
        added.id = "brand-new".into();
        new.touchpoints.push(added);
        new.strategies[0].budget = 2.5;
        let changes = semantic_diff(&old, &new);
        assert!(
            changes
                .iter()
                .any(|c| c.kind == "removed"
                    && c.subject == format!("touchpoint \"{}\"", removed.id))
        );
        assert!(
            changes
                .iter()
                .any(|c| c.kind == "added" && c.subject == "touchpoint \"brand-new\"")
        );
        assert!(
            changes
                .iter()
                .any(|c| c.text.contains("budget per customer-period"))
        );
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(pct(0.9), "90 %");
        assert_eq!(pct(0.945), "94.5 %");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(3.0), "3");
    }
}
