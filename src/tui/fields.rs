//! The editable fields of every object in a scenario: one table of (label, validation path,
//! kind, getter, setter) per object, shared by the inspector's rendering, editing and tests.

use crate::format::accounts::{Accounts, ContactRole, Health};
use crate::format::acquisition::{Acquisition, Funnel, Warners};
use crate::format::advocacy::{Advocacy, EscalationPolicy};
use crate::format::{
    Emphasis, FollowOn, Outcome, PeriodUnit, Propensity, Scenario, Segment, SegmentOverride, Shift,
    Stage, Strategy, Touchpoint, TriadLevels, Trigger, When,
};

/// An object the inspector can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obj {
    Settings,
    Segment(usize),
    Touchpoint(usize),
    Strategy(usize),
}

impl Obj {
    /// Every object of a scenario in inspector order.
    pub fn all(s: &Scenario) -> Vec<Obj> {
        let mut v = vec![Obj::Settings];
        v.extend((0..s.segments.len()).map(Obj::Segment));
        v.extend((0..s.touchpoints.len()).map(Obj::Touchpoint));
        v.extend((0..s.strategies.len()).map(Obj::Strategy));
        v
    }

    pub fn title(self, s: &Scenario) -> String {
        match self {
            Obj::Settings => "Scenario settings".to_string(),
            Obj::Segment(i) => s
                .segments
                .get(i)
                .map_or("?".into(), |g| format!("Segment {}", g.id)),
            Obj::Touchpoint(i) => s.touchpoints.get(i).map_or("?".into(), |t| {
                format!("{} [{}]", t.name, &t.stage.name()[..1])
            }),
            Obj::Strategy(i) => s
                .strategies
                .get(i)
                .map_or("?".into(), |t| format!("Strategy {}", t.name)),
        }
    }

    /// The validation path prefix of this object.
    pub fn path(self) -> String {
        match self {
            Obj::Settings => String::new(),
            Obj::Segment(i) => format!("segments[{i}]"),
            Obj::Touchpoint(i) => format!("touchpoints[{i}]"),
            Obj::Strategy(i) => format!("strategies[{i}]"),
        }
    }
}

/// What kind of input a field takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    /// A number; `int` for whole numbers. `min`/`max` are shown as the expected range.
    Num {
        min: f64,
        max: f64,
        int: bool,
    },
    /// A pick-list cycled with ←/→.
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Num(f64),
    Choice(usize),
}

type Getter = Box<dyn Fn(&Scenario) -> Option<Value>>;
type Setter = Box<dyn Fn(&mut Scenario, Value) -> Result<(), String>>;

pub struct Field {
    pub label: String,
    /// The path `model::validate` uses for problems of this field.
    pub path: String,
    pub kind: Kind,
    get: Getter,
    set: Setter,
}

impl Field {
    pub fn get(&self, s: &Scenario) -> Option<Value> {
        (self.get)(s)
    }

    pub fn set(&self, s: &mut Scenario, v: Value) -> Result<(), String> {
        (self.set)(s, v)
    }

    /// The value as shown in the form.
    pub fn display(&self, s: &Scenario) -> String {
        match (self.get(s), &self.kind) {
            (Some(Value::Text(t)), _) => t,
            (Some(Value::Num(n)), Kind::Num { int: true, .. }) => format!("{}", n as i64),
            (Some(Value::Num(n)), _) => fmt_num(n),
            (Some(Value::Choice(c)), Kind::Choice(opts)) => {
                opts.get(c).cloned().unwrap_or_default()
            }
            _ => String::new(),
        }
    }

    /// Parses typed text into a value of this field's kind.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        match &self.kind {
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Num { int, .. } => {
                let t = text.trim();
                let v: f64 = t
                    .parse()
                    .map_err(|_| format!("\"{t}\" is not a number; write e.g. 0.9"))?;
                if !v.is_finite() {
                    return Err("expected a finite number".into());
                }
                if *int && (v.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&v)) {
                    return Err(format!("expected a whole number ≥ 0, found {t}"));
                }
                Ok(Value::Num(v))
            }
            Kind::Choice(opts) => opts
                .iter()
                .position(|o| o == text)
                .map(Value::Choice)
                .ok_or_else(|| format!("choose one of: {}", opts.join(", "))),
        }
    }
}

/// Shortest readable form of a number (0.92, 120, 1e-5).
pub fn fmt_num(n: f64) -> String {
    let s = format!("{n}");
    if s.len() > 12 { format!("{n:.6}") } else { s }
}

fn text(
    label: &str,
    path: String,
    get: impl Fn(&Scenario) -> Option<String> + 'static,
    set: impl Fn(&mut Scenario, String) -> Option<()> + 'static,
) -> Field {
    Field {
        label: label.into(),
        path,
        kind: Kind::Text,
        get: Box::new(move |s| get(s).map(Value::Text)),
        set: Box::new(move |s, v| match v {
            Value::Text(t) => set(s, t).ok_or_else(|| "object no longer exists".into()),
            _ => Err("expected text".into()),
        }),
    }
}

fn num(
    label: &str,
    path: String,
    (min, max, int): (f64, f64, bool),
    get: impl Fn(&Scenario) -> Option<f64> + 'static,
    set: impl Fn(&mut Scenario, f64) -> Option<()> + 'static,
) -> Field {
    Field {
        label: label.into(),
        path,
        kind: Kind::Num { min, max, int },
        get: Box::new(move |s| get(s).map(Value::Num)),
        set: Box::new(move |s, v| match v {
            Value::Num(n) => set(s, n).ok_or_else(|| "object no longer exists".into()),
            _ => Err("expected a number".into()),
        }),
    }
}

fn choice(
    label: &str,
    path: String,
    opts: Vec<String>,
    get: impl Fn(&Scenario) -> Option<usize> + 'static,
    set: impl Fn(&mut Scenario, usize) -> Option<()> + 'static,
) -> Field {
    Field {
        label: label.into(),
        path,
        kind: Kind::Choice(opts),
        get: Box::new(move |s| get(s).map(Value::Choice)),
        set: Box::new(move |s, v| match v {
            Value::Choice(c) => set(s, c).ok_or_else(|| "object no longer exists".into()),
            _ => Err("expected a choice".into()),
        }),
    }
}

const PROB: (f64, f64, bool) = (0.0, 1.0, false);
const NONNEG: (f64, f64, bool) = (0.0, f64::INFINITY, false);
const INT: (f64, f64, bool) = (0.0, u32::MAX as f64, true);

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub const PERIODS: [PeriodUnit; 5] = [
    PeriodUnit::Day,
    PeriodUnit::Week,
    PeriodUnit::Month,
    PeriodUnit::Quarter,
    PeriodUnit::Year,
];

/// The fields of an object for the current scenario (some depend on variants chosen).
pub fn fields(s: &Scenario, obj: Obj) -> Vec<Field> {
    match obj {
        Obj::Settings => {
            let mut v = settings_fields();
            if let Some(a) = &s.acquisition {
                let funnels: Vec<String> = a.funnels.iter().map(|f| f.segment.clone()).collect();
                v.extend(acquisition_fields(&funnels, &segment_ids(s)));
            }
            if s.advocacy.is_some() {
                v.extend(advocacy_fields(s));
            }
            v
        }
        Obj::Segment(i) => segment_fields(s, i),
        Obj::Touchpoint(i) => touchpoint_fields(s, i),
        Obj::Strategy(i) => strategy_fields(i),
    }
}

fn settings_fields() -> Vec<Field> {
    let mut v = vec![
        text(
            "Name",
            "name".into(),
            |s| Some(s.name.clone()),
            |s, t| {
                s.name = t;
                Some(())
            },
        ),
        text(
            "Description",
            "description".into(),
            |s| Some(s.description.clone()),
            |s, t| {
                s.description = t;
                Some(())
            },
        ),
        text(
            "Notes",
            "notes".into(),
            |s| Some(s.notes.clone()),
            |s, t| {
                s.notes = t;
                Some(())
            },
        ),
        text(
            "Currency",
            "currency".into(),
            |s| Some(s.currency.clone()),
            |s, t| {
                s.currency = t;
                Some(())
            },
        ),
        choice(
            "Period",
            "period".into(),
            strings(&["Day", "Week", "Month", "Quarter", "Year"]),
            |s| PERIODS.iter().position(|p| *p == s.period),
            |s, c| {
                s.period = *PERIODS.get(c)?;
                Some(())
            },
        ),
        num(
            "Horizon (periods)",
            "horizon".into(),
            (1.0, crate::format::MAX_HORIZON as f64, true),
            |s| Some(s.horizon as f64),
            |s, n| {
                s.horizon = n as u32;
                Some(())
            },
        ),
        num(
            "Discount rate / year",
            "discount_rate".into(),
            PROB,
            |s| Some(s.discount_rate),
            |s, n| {
                s.discount_rate = n;
                Some(())
            },
        ),
        num(
            "Report every (0=auto)",
            "report_every".into(),
            INT,
            |s| Some(s.report_every.unwrap_or(0) as f64),
            |s, n| {
                s.report_every = if n == 0.0 { None } else { Some(n as u32) };
                Some(())
            },
        ),
        num(
            "Attribution window",
            "attribution_window".into(),
            INT,
            |s| Some(s.attribution_window as f64),
            |s, n| {
                s.attribution_window = n as u32;
                Some(())
            },
        ),
    ];
    for (k, state) in ["satisfied", "pleased", "loyal"].into_iter().enumerate() {
        v.push(num(
            &format!("Protection {state}"),
            format!("churn.protection.{state}"),
            NONNEG,
            move |s| {
                let w = s.churn.protection;
                Some([w.satisfied, w.pleased, w.loyal][k])
            },
            move |s, n| {
                let w = &mut s.churn.protection;
                *[&mut w.satisfied, &mut w.pleased, &mut w.loyal][k] = n;
                Some(())
            },
        ));
    }
    v.push(num(
        "Loyalty uplift",
        "revenue.loyalty_uplift".into(),
        NONNEG,
        |s| Some(s.revenue.loyalty_uplift),
        |s, n| {
            s.revenue.loyalty_uplift = n;
            Some(())
        },
    ));
    v.push(num(
        "Investment max uplift",
        "investment.max_uplift".into(),
        PROB,
        |s| Some(s.investment.max_uplift),
        |s, n| {
            s.investment.max_uplift = n;
            Some(())
        },
    ));
    v.push(num(
        "Half saturation",
        "investment.half_saturation".into(),
        (f64::MIN_POSITIVE, f64::INFINITY, false),
        |s| Some(s.investment.half_saturation),
        |s, n| {
            s.investment.half_saturation = n;
            Some(())
        },
    ));
    v
}

type AcqGet = fn(&Acquisition) -> Option<f64>;
type AcqSet = fn(&mut Acquisition, f64) -> Option<()>;

/// A number of the acquisition leg (docs/format.md "Acquisition").
fn acq(label: &str, path: &str, range: (f64, f64, bool), get: AcqGet, set: AcqSet) -> Field {
    num(
        label,
        format!("acquisition.{path}"),
        range,
        move |s| get(s.acquisition.as_ref()?),
        move |s, n| set(s.acquisition.as_mut()?, n),
    )
}

fn funnel(s: &Scenario, k: usize) -> Option<&Funnel> {
    s.acquisition.as_ref()?.funnels.get(k)
}
fn funnel_mut(s: &mut Scenario, k: usize) -> Option<&mut Funnel> {
    s.acquisition.as_mut()?.funnels.get_mut(k)
}

/// The segment ids of a scenario, in file order (the options of segment pick-lists).
fn segment_ids(s: &Scenario) -> Vec<String> {
    s.segments.iter().map(|g| g.id.clone()).collect()
}

/// The position of `id` among the segments (None for an unknown id: the field shows "—").
fn segment_pos(s: &Scenario, id: &str) -> Option<usize> {
    s.segments.iter().position(|g| g.id == id)
}

/// The acquisition leg's numbers, after the scenario settings when the file has one: the
/// base, word of mouth, and each funnel's segment, rates and costs (labelled by its segment).
/// Funnels are added and removed from their fields (see [`Item`]).
fn acquisition_fields(funnels: &[String], segments: &[String]) -> Vec<Field> {
    let mut v = vec![
        acq(
            "Initial customers",
            "initial_customers",
            NONNEG,
            |a| Some(a.initial_customers),
            |a, n| {
                a.initial_customers = n;
                Some(())
            },
        ),
        acq(
            "Referral strength",
            "referral_strength",
            NONNEG,
            |a| Some(a.referral_strength),
            |a, n| {
                a.referral_strength = n;
                Some(())
            },
        ),
        acq(
            "Warning strength",
            "warning_strength",
            NONNEG,
            |a| Some(a.warning_strength),
            |a, n| {
                a.warning_strength = n;
                Some(())
            },
        ),
        choice(
            "Who warns others",
            "acquisition.warners".into(),
            strings(&["FailureChurners", "AllChurners"]),
            |s| {
                Some(usize::from(
                    s.acquisition.as_ref()?.warners == Warners::AllChurners,
                ))
            },
            |s, c| {
                s.acquisition.as_mut()?.warners = if c == 1 {
                    Warners::AllChurners
                } else {
                    Warners::FailureChurners
                };
                Some(())
            },
        ),
    ];
    type Get = fn(&Funnel) -> f64;
    type Set = fn(&mut Funnel, f64);
    type Column = (&'static str, &'static str, (f64, f64, bool), Get, Set);
    let columns: [Column; 5] = [
        (
            "leads",
            "leads_per_period",
            NONNEG,
            |f| f.leads_per_period,
            |f, n| f.leads_per_period = n,
        ),
        (
            "qualified",
            "qualification_rate",
            PROB,
            |f| f.qualification_rate,
            |f, n| f.qualification_rate = n,
        ),
        (
            "won",
            "conversion_rate",
            PROB,
            |f| f.conversion_rate,
            |f, n| f.conversion_rate = n,
        ),
        (
            "cost/lead",
            "cost_per_lead",
            NONNEG,
            |f| f.cost_per_lead,
            |f, n| f.cost_per_lead = n,
        ),
        (
            "cost/win",
            "cost_per_win",
            NONNEG,
            |f| f.cost_per_win,
            |f, n| f.cost_per_win = n,
        ),
    ];
    for (k, segment) in funnels.iter().enumerate() {
        let name: String = segment.chars().take(12).collect();
        v.push(choice(
            &format!("{name} funnel for"),
            format!("acquisition.funnels[{k}].segment"),
            segments.to_vec(),
            move |s| segment_pos(s, &funnel(s, k)?.segment),
            move |s, c| {
                let id = s.segments.get(c)?.id.clone();
                funnel_mut(s, k)?.segment = id;
                Some(())
            },
        ));
        for (label, field, range, get, set) in columns {
            v.push(num(
                &format!("{name} {label}"),
                format!("acquisition.funnels[{k}].{field}"),
                range,
                move |s| Some(get(funnel(s, k)?)),
                move |s, n| {
                    set(funnel_mut(s, k)?, n);
                    Some(())
                },
            ));
        }
    }
    v
}

type AdvGet = fn(&Advocacy) -> Option<f64>;
type AdvSet = fn(&mut Advocacy, f64) -> Option<()>;

/// A number of the advocacy programme (docs/format.md "Advocacy"); absent sections read as
/// nothing and refuse edits.
fn adv(label: &str, path: &str, range: (f64, f64, bool), get: AdvGet, set: AdvSet) -> Field {
    num(
        label,
        format!("advocacy.{path}"),
        range,
        move |s| get(s.advocacy.as_ref()?),
        move |s, n| set(s.advocacy.as_mut()?, n),
    )
}

/// The advocacy programme's numbers, after the scenario settings when the file has one, and
/// its escalation policies (added and removed from their fields, see [`Item`]). The steps'
/// effects stay in the file (shifts).
fn advocacy_fields(s: &Scenario) -> Vec<Field> {
    let mut v = vec![
        adv(
            "Esc. planning success",
            "planning.probability",
            PROB,
            |a| Some(a.planning.probability),
            |a, n| {
                a.planning.probability = n;
                Some(())
            },
        ),
        adv(
            "Esc. planning periods",
            "planning.duration",
            INT,
            |a| Some(f64::from(a.planning.duration)),
            |a, n| {
                a.planning.duration = n as u32;
                Some(())
            },
        ),
        adv(
            "Esc. planning cost",
            "planning.cost",
            NONNEG,
            |a| Some(a.planning.cost),
            |a, n| {
                a.planning.cost = n;
                Some(())
            },
        ),
        adv(
            "Esc. meeting success",
            "meeting.probability",
            PROB,
            |a| Some(a.meeting.probability),
            |a, n| {
                a.meeting.probability = n;
                Some(())
            },
        ),
        adv(
            "Esc. meeting periods",
            "meeting.duration",
            INT,
            |a| Some(f64::from(a.meeting.duration)),
            |a, n| {
                a.meeting.duration = n as u32;
                Some(())
            },
        ),
        adv(
            "Esc. meeting cost",
            "meeting.cost",
            NONNEG,
            |a| Some(a.meeting.cost),
            |a, n| {
                a.meeting.cost = n;
                Some(())
            },
        ),
    ];
    let has = |f: fn(&Advocacy) -> bool| s.advocacy.as_ref().is_some_and(f);
    if has(|a| a.senior_management.is_some()) {
        v.extend([
            adv(
                "Senior mgmt share",
                "senior_management.share",
                PROB,
                |a| Some(a.senior_management.as_ref()?.share),
                |a, n| {
                    a.senior_management.as_mut()?.share = n;
                    Some(())
                },
            ),
            adv(
                "Senior mgmt success",
                "senior_management.probability",
                PROB,
                |a| Some(a.senior_management.as_ref()?.probability),
                |a, n| {
                    a.senior_management.as_mut()?.probability = n;
                    Some(())
                },
            ),
            adv(
                "Senior mgmt extra cost",
                "senior_management.extra_cost",
                NONNEG,
                |a| Some(a.senior_management.as_ref()?.extra_cost),
                |a, n| {
                    a.senior_management.as_mut()?.extra_cost = n;
                    Some(())
                },
            ),
        ]);
    }
    v.extend([
        adv(
            "Get-well periods",
            "get_well.duration",
            INT,
            |a| Some(f64::from(a.get_well.duration)),
            |a, n| {
                a.get_well.duration = n as u32;
                Some(())
            },
        ),
        adv(
            "Get-well success",
            "get_well.probability",
            PROB,
            |a| Some(a.get_well.probability),
            |a, n| {
                a.get_well.probability = n;
                Some(())
            },
        ),
        adv(
            "Get-well cost/period",
            "get_well.cost_per_period",
            NONNEG,
            |a| Some(a.get_well.cost_per_period),
            |a, n| {
                a.get_well.cost_per_period = n;
                Some(())
            },
        ),
        adv(
            "Get-well churn ×",
            "get_well.churn_multiplier",
            NONNEG,
            |a| Some(a.get_well.churn_multiplier),
            |a, n| {
                a.get_well.churn_multiplier = n;
                Some(())
            },
        ),
    ]);
    v.push(choice(
        "Reopen on related",
        "advocacy.get_well.reopen_on_related".into(),
        strings(&["no", "yes"]),
        |s| Some(usize::from(s.advocacy.as_ref()?.get_well.reopen_on_related)),
        |s, c| {
            s.advocacy.as_mut()?.get_well.reopen_on_related = c == 1;
            Some(())
        },
    ));
    if has(|a| a.trial.is_some()) {
        v.extend([
            adv(
                "Trial days",
                "trial.days",
                NONNEG,
                |a| Some(a.trial.as_ref()?.days),
                |a, n| {
                    a.trial.as_mut()?.days = n;
                    Some(())
                },
            ),
            adv(
                "Trial conversion",
                "trial.conversion",
                PROB,
                |a| Some(a.trial.as_ref()?.conversion),
                |a, n| {
                    a.trial.as_mut()?.conversion = n;
                    Some(())
                },
            ),
            adv(
                "Trial failure cut",
                "trial.failure_reduction",
                PROB,
                |a| Some(a.trial.as_ref()?.failure_reduction),
                |a, n| {
                    a.trial.as_mut()?.failure_reduction = n;
                    Some(())
                },
            ),
            adv(
                "Trial price/period",
                "trial.price_per_period",
                NONNEG,
                |a| Some(a.trial.as_ref()?.price_per_period),
                |a, n| {
                    a.trial.as_mut()?.price_per_period = n;
                    Some(())
                },
            ),
            adv(
                "Trial cost/period",
                "trial.cost_per_period",
                NONNEG,
                |a| Some(a.trial.as_ref()?.cost_per_period),
                |a, n| {
                    a.trial.as_mut()?.cost_per_period = n;
                    Some(())
                },
            ),
        ]);
    }
    let policies: Vec<String> = s
        .advocacy
        .as_ref()
        .map(|a| a.policies.iter().map(|p| p.segment.clone()).collect())
        .unwrap_or_default();
    let segments = segment_ids(s);
    for (k, segment) in policies.iter().enumerate() {
        let name: String = segment.chars().take(12).collect();
        let p = format!("advocacy.policies[{k}]");
        v.extend([
            choice(
                &format!("{name} policy for"),
                format!("{p}.segment"),
                segments.clone(),
                move |s| segment_pos(s, &policy(s, k)?.segment),
                move |s, c| {
                    let id = s.segments.get(c)?.id.clone();
                    policy_mut(s, k)?.segment = id;
                    Some(())
                },
            ),
            num(
                &format!("{name} escalate on"),
                format!("{p}.escalate_on"),
                INT,
                move |s| Some(f64::from(policy(s, k)?.escalate_on)),
                move |s, n| {
                    policy_mut(s, k)?.escalate_on = n as u32;
                    Some(())
                },
            ),
            // The file's "no limit" is an absent at_most, which validation tells from 0; the
            // form shows and takes it as 0.
            num(
                &format!("{name} at most (0: ∞)"),
                format!("{p}.at_most"),
                INT,
                move |s| Some(f64::from(policy(s, k)?.at_most.unwrap_or(0))),
                move |s, n| {
                    policy_mut(s, k)?.at_most = (n >= 1.0).then_some(n as u32);
                    Some(())
                },
            ),
        ]);
    }
    v
}

fn policy(s: &Scenario, k: usize) -> Option<&EscalationPolicy> {
    s.advocacy.as_ref()?.policies.get(k)
}
fn policy_mut(s: &mut Scenario, k: usize) -> Option<&mut EscalationPolicy> {
    s.advocacy.as_mut()?.policies.get_mut(k)
}

fn seg(s: &Scenario, i: usize) -> Option<&Segment> {
    s.segments.get(i)
}
fn seg_mut(s: &mut Scenario, i: usize) -> Option<&mut Segment> {
    s.segments.get_mut(i)
}

fn segment_fields(s: &Scenario, i: usize) -> Vec<Field> {
    let p = format!("segments[{i}]");
    let mut v = vec![
        text(
            "Id",
            format!("{p}.id"),
            move |s| Some(seg(s, i)?.id.clone()),
            move |s, t| {
                seg_mut(s, i)?.id = t;
                Some(())
            },
        ),
        text(
            "Name",
            format!("{p}.name"),
            move |s| Some(seg(s, i)?.name.clone()),
            move |s, t| {
                seg_mut(s, i)?.name = t;
                Some(())
            },
        ),
        num(
            "Share",
            format!("{p}.share"),
            PROB,
            move |s| Some(seg(s, i)?.share),
            move |s, n| {
                seg_mut(s, i)?.share = n;
                Some(())
            },
        ),
        num(
            "Value per period",
            format!("{p}.value_per_period"),
            NONNEG,
            move |s| Some(seg(s, i)?.value_per_period),
            move |s, n| {
                seg_mut(s, i)?.value_per_period = n;
                Some(())
            },
        ),
    ];
    for (k, state) in ["satisfied", "pleased", "loyal"].into_iter().enumerate() {
        v.push(num(
            &format!("Initial {state}"),
            format!("{p}.initial.{state}"),
            PROB,
            move |s| {
                let l = seg(s, i)?.initial;
                Some([l.satisfied, l.pleased, l.loyal][k])
            },
            move |s, n| {
                let l: &mut TriadLevels = &mut seg_mut(s, i)?.initial;
                *[&mut l.satisfied, &mut l.pleased, &mut l.loyal][k] = n;
                Some(())
            },
        ));
    }
    v.push(choice(
        "Churn propensity",
        format!("{p}.churn_propensity"),
        strings(&["Beta", "Fixed"]),
        move |s| match seg(s, i)?.churn_propensity {
            Propensity::Beta { .. } => Some(0),
            Propensity::Fixed(_) => Some(1),
        },
        move |s, c| {
            let g = seg_mut(s, i)?;
            let mean = match g.churn_propensity {
                Propensity::Beta { alpha, beta } => alpha / (alpha + beta),
                Propensity::Fixed(t) => t,
            };
            let mean = if mean.is_finite() { mean } else { 0.1 };
            g.churn_propensity = if c == 0 {
                Propensity::Beta {
                    alpha: mean * 4.0,
                    beta: (1.0 - mean) * 4.0,
                }
            } else {
                Propensity::Fixed(mean)
            };
            Some(())
        },
    ));
    match seg(s, i).map(|g| g.churn_propensity) {
        Some(Propensity::Beta { .. }) => {
            for (k, name) in ["alpha", "beta"].into_iter().enumerate() {
                v.push(num(
                    &format!("  Beta {name}"),
                    format!("{p}.churn_propensity.{name}"),
                    (f64::MIN_POSITIVE, f64::INFINITY, false),
                    move |s| match seg(s, i)?.churn_propensity {
                        Propensity::Beta { alpha, beta } => Some([alpha, beta][k]),
                        Propensity::Fixed(_) => None,
                    },
                    move |s, n| match &mut seg_mut(s, i)?.churn_propensity {
                        Propensity::Beta { alpha, beta } => {
                            *[alpha, beta][k] = n;
                            Some(())
                        }
                        Propensity::Fixed(_) => None,
                    },
                ));
            }
        }
        Some(Propensity::Fixed(_)) => v.push(num(
            "  Fixed θ",
            format!("{p}.churn_propensity"),
            PROB,
            move |s| match seg(s, i)?.churn_propensity {
                Propensity::Fixed(t) => Some(t),
                Propensity::Beta { .. } => None,
            },
            move |s, n| match &mut seg_mut(s, i)?.churn_propensity {
                Propensity::Fixed(t) => {
                    *t = n;
                    Some(())
                }
                Propensity::Beta { .. } => None,
            },
        )),
        None => {}
    }
    if let Some(a) = seg(s, i).and_then(|g| g.accounts.as_ref()) {
        let names: Vec<String> = a.contacts.iter().map(|c| c.role.clone()).collect();
        v.extend(account_fields(i, &names));
    }
    v
}

fn accounts(s: &Scenario, i: usize) -> Option<&Accounts> {
    seg(s, i)?.accounts.as_ref()
}
fn accounts_mut(s: &mut Scenario, i: usize) -> Option<&mut Accounts> {
    seg_mut(s, i)?.accounts.as_mut()
}
fn role(s: &Scenario, i: usize, k: usize) -> Option<&ContactRole> {
    accounts(s, i)?.contacts.get(k)
}
fn role_mut(s: &mut Scenario, i: usize, k: usize) -> Option<&mut ContactRole> {
    accounts_mut(s, i)?.contacts.get_mut(k)
}

/// A role's `meets` as typed in the form: touchpoint ids separated by commas; "all" (or
/// nothing) for every touchpoint (no `meets`), "none" for none (`Some([])`).
pub fn meets_text(meets: &Option<Vec<String>>) -> String {
    match meets {
        None => "all".into(),
        Some(ids) if ids.is_empty() => "none".into(),
        Some(ids) => ids.join(", "),
    }
}

/// The inverse of [`meets_text`]. Unknown ids are kept: validation flags them at their path.
pub fn parse_meets(text: &str) -> Option<Vec<String>> {
    let ids: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    // Only the word "none" means none: stray commas and blanks leave no ids, which is "all".
    match ids.as_slice() {
        [] => None,
        [one] if one == "all" => None,
        [one] if one == "none" => Some(Vec::new()),
        _ => Some(ids),
    }
}

/// The numbers of a segment's accounts (docs/format.md "Accounts"): renewal, the health rule
/// and each role's name, the touchpoints it meets, count, presence, weight and starting states.
/// Roles are added and removed from their fields (see [`Item`]).
fn account_fields(i: usize, roles: &[String]) -> Vec<Field> {
    let p = format!("segments[{i}].accounts");
    let mut v = vec![
        num(
            "Accounts renew every",
            format!("{p}.renewal_every"),
            INT,
            move |s| Some(f64::from(accounts(s, i)?.renewal_every)),
            move |s, n| {
                accounts_mut(s, i)?.renewal_every = n as u32;
                Some(())
            },
        ),
        choice(
            "Account health",
            format!("{p}.health"),
            strings(&["Mean", "Weakest", "Mix"]),
            move |s| {
                Some(match accounts(s, i)?.health {
                    Health::Mean => 0,
                    Health::Weakest => 1,
                    Health::Mix(_) => 2,
                })
            },
            move |s, c| {
                let a = accounts_mut(s, i)?;
                a.health = match (c, a.health) {
                    (0, _) => Health::Mean,
                    (1, _) => Health::Weakest,
                    (_, Health::Mix(l)) => Health::Mix(l),
                    _ => Health::Mix(0.5),
                };
                Some(())
            },
        ),
        num(
            "Health mix λ",
            format!("{p}.health"),
            PROB,
            move |s| match accounts(s, i)?.health {
                Health::Mix(l) => Some(l),
                _ => None,
            },
            // Setting λ selects the Mix rule.
            move |s, n| {
                accounts_mut(s, i)?.health = Health::Mix(n);
                Some(())
            },
        ),
    ];
    for (k, name) in roles.iter().enumerate() {
        // Labels stay within the form's label column.
        let name: String = name.chars().take(14).collect();
        v.extend([
            text(
                &format!("{name} role"),
                format!("{p}.contacts[{k}].role"),
                move |s| Some(role(s, i, k)?.role.clone()),
                move |s, t| {
                    role_mut(s, i, k)?.role = t;
                    Some(())
                },
            ),
            text(
                &format!("{name} meets"),
                format!("{p}.contacts[{k}].meets"),
                move |s| Some(meets_text(&role(s, i, k)?.meets)),
                move |s, t| {
                    role_mut(s, i, k)?.meets = parse_meets(&t);
                    Some(())
                },
            ),
            num(
                &format!("{name} count"),
                format!("{p}.contacts[{k}].count"),
                INT,
                move |s| Some(f64::from(role(s, i, k)?.count)),
                move |s, n| {
                    role_mut(s, i, k)?.count = n as u32;
                    Some(())
                },
            ),
            num(
                &format!("{name} presence"),
                format!("{p}.contacts[{k}].probability"),
                PROB,
                move |s| Some(role(s, i, k)?.probability),
                move |s, n| {
                    role_mut(s, i, k)?.probability = n;
                    Some(())
                },
            ),
            num(
                &format!("{name} weight"),
                format!("{p}.contacts[{k}].weight"),
                NONNEG,
                move |s| Some(role(s, i, k)?.weight),
                move |s, n| {
                    role_mut(s, i, k)?.weight = n;
                    Some(())
                },
            ),
        ]);
        // Starting states: the role's own, else the segment's (shown, and kept for the other
        // two states when one is typed).
        type Pick = fn(&mut TriadLevels) -> &mut f64;
        let states: [(&str, &str, Pick); 3] = [
            ("satisfied", "satisfied", |l| &mut l.satisfied),
            ("pleased", "pleased", |l| &mut l.pleased),
            ("loyal", "loyal", |l| &mut l.loyal),
        ];
        for (label, field, pick) in states {
            v.push(num(
                &format!("{name} starts {label}"),
                format!("{p}.contacts[{k}].initial.{field}"),
                PROB,
                move |s| {
                    let mut l = role(s, i, k)?.initial.unwrap_or(seg(s, i)?.initial);
                    Some(*pick(&mut l))
                },
                move |s, n| {
                    let from_segment = seg(s, i)?.initial;
                    let r = role_mut(s, i, k)?;
                    let mut l = r.initial.unwrap_or(from_segment);
                    *pick(&mut l) = n;
                    r.initial = Some(l);
                    Some(())
                },
            ));
        }
    }
    v
}

fn tp(s: &Scenario, i: usize) -> Option<&Touchpoint> {
    s.touchpoints.get(i)
}
fn tp_mut(s: &mut Scenario, i: usize) -> Option<&mut Touchpoint> {
    s.touchpoints.get_mut(i)
}

pub const TRIGGERS: [&str; 4] = ["EveryPeriod", "Chance", "OnIncident", "After"];
pub const OUTCOMES: [Outcome; 3] = [Outcome::Success, Outcome::Failure, Outcome::Any];

fn trigger_index(t: &Trigger) -> usize {
    match t {
        Trigger::EveryPeriod => 0,
        Trigger::Chance(_) => 1,
        Trigger::OnIncident => 2,
        Trigger::After { .. } => 3,
    }
}

fn escalation(t: &Touchpoint) -> Option<(usize, f64, f64)> {
    t.on_failure.iter().enumerate().find_map(|(k, f)| match f {
        FollowOn::Escalate { probability, cost } => Some((k, *probability, *cost)),
        FollowOn::OpenIncident => None,
    })
}

/// Keeps every reference to a renamed touchpoint pointing at it: follow-on triggers, the roles'
/// `meets`, the free trial's `mitigates` and the strategies' variant choices.
fn rename_touchpoint_refs(s: &mut Scenario, old: &str, new: &str) {
    for other in &mut s.touchpoints {
        if let Trigger::After { touchpoint, .. } = &mut other.trigger
            && touchpoint == old
        {
            *touchpoint = new.to_string();
        }
    }
    let rename = |ids: &mut Vec<String>| {
        for id in ids.iter_mut().filter(|id| *id == old) {
            *id = new.to_string();
        }
    };
    for seg in &mut s.segments {
        if let Some(a) = &mut seg.accounts {
            for c in &mut a.contacts {
                if let Some(m) = &mut c.meets {
                    rename(m);
                }
            }
        }
    }
    if let Some(t) = s.advocacy.as_mut().and_then(|a| a.trial.as_mut()) {
        rename(&mut t.mitigates);
    }
    for st in &mut s.strategies {
        if let Some(v) = st.variants.remove(old) {
            st.variants.insert(new.to_string(), v);
        }
    }
}

pub const WINDOWS: [&str; 7] = [
    "Always",
    "FirstPeriods",
    "AtPeriod",
    "FromPeriod",
    "EveryPeriods",
    "Renewal",
    "Periods",
];

fn when_index(w: When) -> usize {
    match w {
        When::Always => 0,
        When::FirstPeriods(_) => 1,
        When::AtPeriod(_) => 2,
        When::FromPeriod(_) => 3,
        When::EveryPeriods(_) => 4,
        When::Renewal(_) => 5,
        When::Periods { .. } => 6,
    }
}

/// The window of the form's choice `c`, keeping the number already typed where it carries
/// over (a window's first period, or its step).
fn when_of(c: usize, old: When) -> Option<When> {
    let (first, step, last) = old.window();
    let n = match old {
        When::FirstPeriods(n) => n,
        When::EveryPeriods(k) | When::Renewal(k) => k,
        _ => first.max(1),
    };
    Some(match c {
        0 => When::Always,
        1 => When::FirstPeriods(n),
        2 => When::AtPeriod(n),
        3 => When::FromPeriod(n),
        4 => When::EveryPeriods(n),
        5 => When::Renewal(n),
        6 => When::Periods {
            from: first.max(1),
            every: step.max(1),
            until: (last != u32::MAX).then_some(last),
        },
        _ => return None,
    })
}

/// A touchpoint's lifecycle window: the form, then its numbers (docs/format.md "When").
fn when_fields(s: &Scenario, i: usize, p: &str) -> Vec<Field> {
    let path = format!("{p}.when");
    let mut v = vec![choice(
        "When",
        path.clone(),
        strings(&WINDOWS),
        move |s| Some(when_index(tp(s, i)?.when)),
        move |s, c| {
            let t = tp_mut(s, i)?;
            if when_index(t.when) != c {
                t.when = when_of(c, t.when)?;
            }
            Some(())
        },
    )];
    let one = |label: &str| {
        num(
            label,
            path.clone(),
            INT,
            move |s| match tp(s, i)?.when {
                When::FirstPeriods(n)
                | When::AtPeriod(n)
                | When::FromPeriod(n)
                | When::EveryPeriods(n)
                | When::Renewal(n) => Some(f64::from(n)),
                _ => None,
            },
            move |s, n| {
                let t = tp_mut(s, i)?;
                let n = n as u32;
                t.when = match t.when {
                    When::FirstPeriods(_) => When::FirstPeriods(n),
                    When::AtPeriod(_) => When::AtPeriod(n),
                    When::FromPeriod(_) => When::FromPeriod(n),
                    When::EveryPeriods(_) => When::EveryPeriods(n),
                    When::Renewal(_) => When::Renewal(n),
                    _ => return None,
                };
                Some(())
            },
        )
    };
    match s.touchpoints.get(i).map(|t| t.when) {
        Some(When::FirstPeriods(_)) => v.push(one("  periods")),
        Some(When::AtPeriod(_) | When::FromPeriod(_)) => v.push(one("  period")),
        Some(When::EveryPeriods(_)) => v.push(one("  every k periods")),
        Some(When::Renewal(_)) => v.push(one("  contract term")),
        Some(When::Periods { .. }) => {
            type Part = fn(&mut When) -> Option<&mut u32>;
            let parts: [(&str, &str, Part); 2] = [
                ("  from period", "from", |w| match w {
                    When::Periods { from, .. } => Some(from),
                    _ => None,
                }),
                ("  every", "every", |w| match w {
                    When::Periods { every, .. } => Some(every),
                    _ => None,
                }),
            ];
            for (label, field, part) in parts {
                v.push(num(
                    label,
                    format!("{path}.{field}"),
                    INT,
                    move |s| {
                        let mut w = tp(s, i)?.when;
                        part(&mut w).map(|n| f64::from(*n))
                    },
                    move |s, n| {
                        *part(&mut tp_mut(s, i)?.when)? = n as u32;
                        Some(())
                    },
                ));
            }
            v.push(num(
                "  until period (0: no end)",
                format!("{path}.until"),
                INT,
                move |s| match tp(s, i)?.when {
                    When::Periods { until, .. } => Some(f64::from(until.unwrap_or(0))),
                    _ => None,
                },
                move |s, n| match &mut tp_mut(s, i)?.when {
                    When::Periods { until, .. } => {
                        *until = (n >= 1.0).then_some(n as u32);
                        Some(())
                    }
                    _ => None,
                },
            ));
        }
        _ => {}
    }
    v
}

/// One number of a touchpoint's override for one segment, typed as text: a number sets it,
/// "same" (or nothing) takes the touchpoint's own value; an override left with nothing is
/// removed, so saving writes no empty entries.
fn override_field(
    i: usize,
    id: &str,
    what: &str,
    part: fn(&mut SegmentOverride) -> &mut Option<f64>,
) -> Field {
    let (get_id, set_id) = (id.to_string(), id.to_string());
    Field {
        label: format!("  {id} {what}"),
        path: format!(
            "touchpoints[{i}].by_segment[\"{}\"].{what}",
            id.escape_debug()
        ),
        kind: Kind::Text,
        get: Box::new(move |s| {
            let mut o = tp(s, i)?
                .by_segment
                .get(&get_id)
                .copied()
                .unwrap_or_default();
            Some(Value::Text(part(&mut o).map_or("same".into(), fmt_num)))
        }),
        set: Box::new(move |s, v| {
            let Value::Text(t) = v else {
                return Err("expected text".into());
            };
            let t = t.trim();
            let n = match t {
                "" | "same" => None,
                _ => match t.parse::<f64>() {
                    Ok(n) if n.is_finite() => Some(n),
                    _ => {
                        return Err(format!(
                            "\"{t}\" is not a number; write e.g. 0.9, or \"same\" for the touchpoint's own"
                        ));
                    }
                },
            };
            let t = tp_mut(s, i).ok_or("object no longer exists")?;
            let o = t.by_segment.entry(set_id.clone()).or_default();
            *part(o) = n;
            if *o == SegmentOverride::default() {
                t.by_segment.remove(&set_id);
            }
            Ok(())
        }),
    }
}

/// A touchpoint's `segments` as typed in the form: ids separated by commas, "all" (or
/// nothing) for every segment.
pub fn segments_text(ids: &[String]) -> String {
    if ids.is_empty() {
        "all".into()
    } else {
        ids.join(", ")
    }
}

/// The inverse of [`segments_text`]. Unknown ids are kept: validation flags them at their path.
pub fn parse_segments(text: &str) -> Vec<String> {
    let ids: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    match ids.as_slice() {
        [one] if one == "all" => Vec::new(),
        _ => ids,
    }
}

fn touchpoint_fields(s: &Scenario, i: usize) -> Vec<Field> {
    let p = format!("touchpoints[{i}]");
    let mut v = vec![
        text(
            "Id",
            format!("{p}.id"),
            move |s| Some(tp(s, i)?.id.clone()),
            move |s, t| {
                let old = std::mem::replace(&mut tp_mut(s, i)?.id, t.clone());
                if !old.is_empty() {
                    rename_touchpoint_refs(s, &old, &t);
                }
                Some(())
            },
        ),
        text(
            "Name",
            format!("{p}.name"),
            move |s| Some(tp(s, i)?.name.clone()),
            move |s, t| {
                tp_mut(s, i)?.name = t;
                Some(())
            },
        ),
        choice(
            "Stage",
            format!("{p}.stage"),
            strings(&["Purchase", "Exception", "Relationship"]),
            move |s| Some(tp(s, i)?.stage.index()),
            move |s, c| {
                tp_mut(s, i)?.stage = *Stage::ALL.get(c)?;
                Some(())
            },
        ),
        text(
            "Channel",
            format!("{p}.channel"),
            move |s| Some(tp(s, i)?.channel.clone()),
            move |s, t| {
                tp_mut(s, i)?.channel = t;
                Some(())
            },
        ),
        text(
            "Owner",
            format!("{p}.owner"),
            move |s| Some(tp(s, i)?.owner.clone()),
            move |s, t| {
                tp_mut(s, i)?.owner = t;
                Some(())
            },
        ),
        num(
            "Quality",
            format!("{p}.quality"),
            PROB,
            move |s| Some(tp(s, i)?.quality),
            move |s, n| {
                tp_mut(s, i)?.quality = n;
                Some(())
            },
        ),
        num(
            "Cost",
            format!("{p}.cost"),
            NONNEG,
            move |s| Some(tp(s, i)?.cost),
            move |s, n| {
                tp_mut(s, i)?.cost = n;
                Some(())
            },
        ),
        choice(
            "Trigger",
            format!("{p}.trigger"),
            strings(&TRIGGERS),
            move |s| Some(trigger_index(&tp(s, i)?.trigger)),
            move |s, c| {
                let other = s
                    .touchpoints
                    .iter()
                    .enumerate()
                    .find(|(j, _)| *j != i)
                    .map(|(_, t)| t.id.clone())
                    .unwrap_or_default();
                let t = tp_mut(s, i)?;
                if trigger_index(&t.trigger) == c {
                    return Some(());
                }
                t.trigger = match c {
                    0 => Trigger::EveryPeriod,
                    1 => Trigger::Chance(0.5),
                    2 => Trigger::OnIncident,
                    _ => Trigger::After {
                        touchpoint: other,
                        outcome: Outcome::Failure,
                        probability: 1.0,
                    },
                };
                Some(())
            },
        ),
    ];
    match s.touchpoints.get(i).map(|t| &t.trigger) {
        Some(Trigger::Chance(_)) => v.push(num(
            "  Chance per period",
            format!("{p}.trigger"),
            PROB,
            move |s| match tp(s, i)?.trigger {
                Trigger::Chance(c) => Some(c),
                _ => None,
            },
            move |s, n| match &mut tp_mut(s, i)?.trigger {
                Trigger::Chance(c) => {
                    *c = n;
                    Some(())
                }
                _ => None,
            },
        )),
        Some(Trigger::After { .. }) => {
            let ids: Vec<String> = s.touchpoints.iter().map(|t| t.id.clone()).collect();
            let ids2 = ids.clone();
            v.push(choice(
                "  After touchpoint",
                format!("{p}.trigger.touchpoint"),
                ids.clone(),
                move |s| match &tp(s, i)?.trigger {
                    Trigger::After { touchpoint, .. } => Some(
                        ids.iter()
                            .position(|x| x == touchpoint)
                            .unwrap_or(usize::MAX),
                    ),
                    _ => None,
                },
                move |s, c| match &mut tp_mut(s, i)?.trigger {
                    Trigger::After { touchpoint, .. } => {
                        *touchpoint = ids2.get(c)?.clone();
                        Some(())
                    }
                    _ => None,
                },
            ));
            v.push(choice(
                "  After outcome",
                format!("{p}.trigger.outcome"),
                strings(&["Success", "Failure", "Any"]),
                move |s| match &tp(s, i)?.trigger {
                    Trigger::After { outcome, .. } => OUTCOMES.iter().position(|o| o == outcome),
                    _ => None,
                },
                move |s, c| match &mut tp_mut(s, i)?.trigger {
                    Trigger::After { outcome, .. } => {
                        *outcome = *OUTCOMES.get(c)?;
                        Some(())
                    }
                    _ => None,
                },
            ));
            v.push(num(
                "  After probability",
                format!("{p}.trigger.probability"),
                PROB,
                move |s| match &tp(s, i)?.trigger {
                    Trigger::After { probability, .. } => Some(*probability),
                    _ => None,
                },
                move |s, n| match &mut tp_mut(s, i)?.trigger {
                    Trigger::After { probability, .. } => {
                        *probability = n;
                        Some(())
                    }
                    _ => None,
                },
            ));
        }
        _ => {}
    }
    v.extend(when_fields(s, i, &p));
    v.push(text(
        "Segments",
        format!("{p}.segments"),
        move |s| Some(segments_text(&tp(s, i)?.segments)),
        move |s, t| {
            tp_mut(s, i)?.segments = parse_segments(&t);
            Some(())
        },
    ));
    if s.segments.len() > 1 {
        for g in &s.segments {
            v.push(override_field(i, &g.id, "quality", |o| &mut o.quality));
            v.push(override_field(i, &g.id, "cost", |o| &mut o.cost));
        }
    }
    for (outcome, succ) in [("success", true), ("failure", false)] {
        for (k, state) in ["satisfied", "pleased", "loyal"].into_iter().enumerate() {
            let path = format!("{p}.effects.{outcome}.{state}");
            let get_shift = move |s: &Scenario| -> Option<Shift> {
                let e = tp(s, i)?.effects;
                Some(if succ { e.success } else { e.failure }.get(k))
            };
            let set_shift = move |s: &mut Scenario, sh: Shift| -> Option<()> {
                let e = &mut tp_mut(s, i)?.effects;
                let shifts = if succ { &mut e.success } else { &mut e.failure };
                *[
                    &mut shifts.satisfied,
                    &mut shifts.pleased,
                    &mut shifts.loyal,
                ][k] = sh;
                Some(())
            };
            v.push(choice(
                &format!("On {outcome}: {state}"),
                path.clone(),
                strings(&["Keep", "Up", "Down"]),
                move |s| {
                    Some(match get_shift(s)? {
                        Shift::Keep => 0,
                        Shift::Up(_) => 1,
                        Shift::Down(_) => 2,
                    })
                },
                move |s, c| {
                    let f = match get_shift(s)? {
                        Shift::Keep => 0.1,
                        Shift::Up(f) | Shift::Down(f) => f,
                    };
                    set_shift(
                        s,
                        match c {
                            0 => Shift::Keep,
                            1 => Shift::Up(f),
                            _ => Shift::Down(f),
                        },
                    )
                },
            ));
            if !get_shift(s).is_none_or(|sh| sh.is_keep()) {
                v.push(num(
                    "    fraction",
                    path,
                    PROB,
                    move |s| match get_shift(s)? {
                        Shift::Up(f) | Shift::Down(f) => Some(f),
                        Shift::Keep => None,
                    },
                    move |s, n| match get_shift(s)? {
                        Shift::Up(_) => set_shift(s, Shift::Up(n)),
                        Shift::Down(_) => set_shift(s, Shift::Down(n)),
                        Shift::Keep => None,
                    },
                ));
            }
        }
    }
    v.push(choice(
        "On failure: open incident",
        format!("{p}.on_failure"),
        strings(&["no", "yes"]),
        move |s| Some(tp(s, i)?.on_failure.contains(&FollowOn::OpenIncident) as usize),
        move |s, c| {
            let t = tp_mut(s, i)?;
            t.on_failure.retain(|f| *f != FollowOn::OpenIncident);
            if c == 1 {
                t.on_failure.insert(0, FollowOn::OpenIncident);
            }
            Some(())
        },
    ));
    v.push(choice(
        "On failure: escalate",
        format!("{p}.on_failure"),
        strings(&["no", "yes"]),
        move |s| Some(escalation(tp(s, i)?).is_some() as usize),
        move |s, c| {
            let t = tp_mut(s, i)?;
            let has = escalation(t).is_some();
            if c == 1 && !has {
                t.on_failure.push(FollowOn::Escalate {
                    probability: 0.5,
                    cost: 0.0,
                });
            } else if c == 0 {
                t.on_failure
                    .retain(|f| !matches!(f, FollowOn::Escalate { .. }));
            }
            Some(())
        },
    ));
    if let Some((k, _, _)) = s.touchpoints.get(i).and_then(escalation) {
        v.push(num(
            "  Escalation probability",
            format!("{p}.on_failure[{k}].probability"),
            PROB,
            move |s| Some(escalation(tp(s, i)?)?.1),
            move |s, n| {
                let t = tp_mut(s, i)?;
                let (k, _, cost) = escalation(t)?;
                t.on_failure[k] = FollowOn::Escalate {
                    probability: n,
                    cost,
                };
                Some(())
            },
        ));
        v.push(num(
            "  Escalation cost",
            format!("{p}.on_failure[{k}].cost"),
            NONNEG,
            move |s| Some(escalation(tp(s, i)?)?.2),
            move |s, n| {
                let t = tp_mut(s, i)?;
                let (k, probability, _) = escalation(t)?;
                t.on_failure[k] = FollowOn::Escalate {
                    probability,
                    cost: n,
                };
                Some(())
            },
        ));
    }
    v.push(text(
        "Notes",
        format!("{p}.notes"),
        move |s| Some(tp(s, i)?.notes.clone()),
        move |s, t| {
            tp_mut(s, i)?.notes = t;
            Some(())
        },
    ));
    v
}

fn st(s: &Scenario, i: usize) -> Option<&Strategy> {
    s.strategies.get(i)
}
fn st_mut(s: &mut Scenario, i: usize) -> Option<&mut Strategy> {
    s.strategies.get_mut(i)
}

fn strategy_fields(i: usize) -> Vec<Field> {
    let p = format!("strategies[{i}]");
    let mut v = vec![
        text(
            "Name",
            format!("{p}.name"),
            move |s| Some(st(s, i)?.name.clone()),
            move |s, t| {
                st_mut(s, i)?.name = t;
                Some(())
            },
        ),
        text(
            "Description",
            format!("{p}.description"),
            move |s| Some(st(s, i)?.description.clone()),
            move |s, t| {
                st_mut(s, i)?.description = t;
                Some(())
            },
        ),
        num(
            "Budget",
            format!("{p}.budget"),
            NONNEG,
            move |s| Some(st(s, i)?.budget),
            move |s, n| {
                st_mut(s, i)?.budget = n;
                Some(())
            },
        ),
    ];
    for stage in Stage::ALL {
        let key = stage.name().to_lowercase();
        v.push(num(
            &format!("Emphasis {key}"),
            format!("{p}.emphasis.{key}"),
            PROB,
            move |s| Some(st(s, i)?.emphasis.get(stage)),
            move |s, n| {
                let e: &mut Emphasis = &mut st_mut(s, i)?.emphasis;
                *emphasis_mut(e, stage) = n;
                Some(())
            },
        ));
    }
    v
}

pub fn emphasis_mut(e: &mut Emphasis, stage: Stage) -> &mut f64 {
    match stage {
        Stage::Purchase => &mut e.purchase,
        Stage::Exception => &mut e.exception,
        Stage::Relationship => &mut e.relationship,
    }
}

/// Sets one stage's share and rescales the other two proportionally so the three sum to 1.
pub fn set_linked(e: &mut Emphasis, stage: Stage, value: f64) {
    let v = if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let others: Vec<Stage> = Stage::ALL.into_iter().filter(|s| *s != stage).collect();
    let (a, b) = (e.get(others[0]), e.get(others[1]));
    let rest = 1.0 - v;
    let sum = a + b;
    let na = if sum > 1e-12 && sum.is_finite() {
        (a / sum * rest).clamp(0.0, rest)
    } else {
        rest / 2.0
    };
    *emphasis_mut(e, stage) = v;
    *emphasis_mut(e, others[0]) = na;
    *emphasis_mut(e, others[1]) = (rest - na).max(0.0);
}

/// A list inside an object whose items the inspector form adds and removes: the file's lists
/// of funnels, contact roles and escalation policies. Every field of an item has the item's
/// path as its prefix, so the selected field says which item `a` and `x` act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemList {
    /// `acquisition.funnels`
    Funnels,
    /// `segments[i].accounts.contacts`
    Roles(usize),
    /// `advocacy.policies`
    Policies,
}

/// One item of an [`ItemList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub list: ItemList,
    pub index: usize,
}

/// The number in `[n]` right after `prefix` at the start of `path`, and the rest after `]`.
fn index_after<'a>(path: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = path.strip_prefix(prefix)?.strip_prefix('[')?;
    let (n, rest) = rest.split_once(']')?;
    Some((n.parse().ok()?, rest))
}

impl ItemList {
    /// What one item is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            ItemList::Funnels => "funnel",
            ItemList::Roles(_) => "contact role",
            ItemList::Policies => "escalation policy",
        }
    }

    fn len(self, s: &Scenario) -> usize {
        match self {
            ItemList::Funnels => s.acquisition.as_ref().map_or(0, |a| a.funnels.len()),
            ItemList::Roles(i) => accounts(s, i).map_or(0, |a| a.contacts.len()),
            ItemList::Policies => s.advocacy.as_ref().map_or(0, |a| a.policies.len()),
        }
    }
}

impl Item {
    /// The item a field's validation path lies in, if any.
    pub fn of_path(path: &str) -> Option<Item> {
        let item = |list, index| Some(Item { list, index });
        if let Some((k, _)) = index_after(path, "acquisition.funnels") {
            return item(ItemList::Funnels, k);
        }
        if let Some((k, _)) = index_after(path, "advocacy.policies") {
            return item(ItemList::Policies, k);
        }
        let (i, rest) = index_after(path, "segments")?;
        let (k, _) = index_after(rest, ".accounts.contacts")?;
        item(ItemList::Roles(i), k)
    }

    /// "the funnel for segment smb", "the contact role user of segment enterprise", …
    pub fn title(self, s: &Scenario) -> String {
        let name = match self.list {
            ItemList::Funnels => {
                funnel(s, self.index).map(|f| format!("for segment {}", f.segment))
            }
            ItemList::Roles(i) => role(s, i, self.index)
                .and_then(|r| Some(format!("\"{}\" of segment {}", r.role, seg(s, i)?.id))),
            ItemList::Policies => {
                policy(s, self.index).map(|p| format!("for segment {}", p.segment))
            }
        };
        format!("the {} {}", self.list.noun(), name.unwrap_or_default())
    }
}

/// The first segment (in file order) that `taken` does not name yet.
fn free_segment(s: &Scenario, taken: &[&str]) -> Option<String> {
    s.segments
        .iter()
        .map(|g| g.id.as_str())
        .find(|id| !taken.contains(id))
        .map(str::to_string)
}

/// Inserts a new item at `at` (clamped to the list): a funnel or escalation policy for the
/// first segment without one, a contact role with a fresh name. Defaults are valid, so the
/// journey still runs. Returns where the item went.
pub fn add_item(s: &mut Scenario, list: ItemList, at: usize) -> Result<Item, String> {
    let at = at.min(list.len(s));
    match list {
        ItemList::Funnels => {
            let taken: Vec<&str> = s.acquisition.as_ref().map_or(Vec::new(), |a| {
                a.funnels.iter().map(|f| f.segment.as_str()).collect()
            });
            let segment = free_segment(s, &taken)
                .ok_or("every segment has a funnel: change one of them instead")?;
            let a = s
                .acquisition
                .as_mut()
                .ok_or("the scenario has no acquisition")?;
            a.funnels.insert(
                at,
                Funnel {
                    segment,
                    leads_per_period: 100.0,
                    qualification_rate: 0.5,
                    conversion_rate: 0.2,
                    cost_per_lead: 0.0,
                    cost_per_win: 0.0,
                },
            );
        }
        ItemList::Policies => {
            let taken: Vec<&str> = s.advocacy.as_ref().map_or(Vec::new(), |a| {
                a.policies.iter().map(|p| p.segment.as_str()).collect()
            });
            let segment = free_segment(s, &taken)
                .ok_or("every segment has an escalation policy: change one of them instead")?;
            let a = s
                .advocacy
                .as_mut()
                .ok_or("the scenario has no advocacy programme")?;
            a.policies.insert(
                at,
                EscalationPolicy {
                    segment,
                    escalate_on: 1,
                    at_most: None,
                },
            );
        }
        ItemList::Roles(i) => {
            let a = accounts_mut(s, i).ok_or("the segment has no accounts")?;
            let taken: Vec<&str> = a.contacts.iter().map(|c| c.role.as_str()).collect();
            let role = (1..)
                .map(|n| format!("role {n}"))
                .find(|r| !taken.contains(&r.as_str()))
                .unwrap_or_default();
            a.contacts.insert(
                at,
                ContactRole {
                    role,
                    count: 1,
                    probability: 1.0,
                    weight: 1.0,
                    initial: None,
                    meets: None,
                },
            );
        }
    }
    Ok(Item { list, index: at })
}

/// Why `item` cannot be removed, if it cannot (checked before asking the user).
pub fn removal_refused(s: &Scenario, item: Item) -> Option<String> {
    let n = item.list.len(s);
    if item.index >= n {
        Some(format!("no such {}", item.list.noun()))
    } else if n == 1 {
        Some(format!(
            "the last {} stays (at least one is needed); remove the whole section in the file",
            item.list.noun()
        ))
    } else {
        None
    }
}

/// Removes an item. The last one stays: validation needs at least one, and the form could not
/// add one back (its `a` acts on an item's fields).
pub fn remove_item(s: &mut Scenario, item: Item) -> Result<(), String> {
    if let Some(why) = removal_refused(s, item) {
        return Err(why);
    }
    match item.list {
        ItemList::Funnels => {
            if let Some(a) = s.acquisition.as_mut() {
                a.funnels.remove(item.index);
            }
        }
        ItemList::Policies => {
            if let Some(a) = s.advocacy.as_mut() {
                a.policies.remove(item.index);
            }
        }
        ItemList::Roles(i) => {
            if let Some(a) = accounts_mut(s, i) {
                a.contacts.remove(item.index);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meets_round_trips_through_the_form_text() {
        for (text, meets, shown) in [
            ("all", None, "all"),
            ("", None, "all"),
            ("  all ", None, "all"),
            ("none", Some(vec![]), "none"),
            ("qbr", Some(vec!["qbr"]), "qbr"),
            (
                " qbr ,invoice,, ",
                Some(vec!["qbr", "invoice"]),
                "qbr, invoice",
            ),
        ] {
            let meets: Option<Vec<String>> =
                meets.map(|v: Vec<&str>| v.into_iter().map(String::from).collect());
            assert_eq!(parse_meets(text), meets, "{text:?}");
            assert_eq!(meets_text(&meets), shown);
            assert_eq!(parse_meets(&meets_text(&meets)), meets);
        }
    }

    #[test]
    fn items_are_read_from_field_paths() {
        let item = |list, index| Some(Item { list, index });
        for (path, want) in [
            (
                "acquisition.funnels[12].leads_per_period",
                item(ItemList::Funnels, 12),
            ),
            ("acquisition.funnels[0].segment", item(ItemList::Funnels, 0)),
            ("advocacy.policies[1].at_most", item(ItemList::Policies, 1)),
            (
                "segments[3].accounts.contacts[0].count",
                item(ItemList::Roles(3), 0),
            ),
            (
                "segments[10].accounts.contacts[7].role",
                item(ItemList::Roles(10), 7),
            ),
            ("acquisition.funnels", None),
            ("acquisition.initial_customers", None),
            ("advocacy.planning.probability", None),
            ("segments[0].name", None),
            ("segments[0].accounts.renewal_every", None),
            ("segments[x].accounts.contacts[0].count", None),
            ("segments[1].accounts.contacts[].count", None),
            ("touchpoints[0].quality", None),
            ("", None),
        ] {
            assert_eq!(Item::of_path(path), want, "{path}");
        }
    }
}
