//! The advocacy programme in the kernel (docs/model.md §13): the compiled lifecycle and the
//! per-customer escalation state machine, with its own random stream, and its accumulators.

use serde::{Deserialize, Serialize};

use super::Affine;
use crate::engine::rng::{CustomerRng, threshold};
use crate::format::advocacy::trial_periods;
use crate::format::{Effects, Shift, Trigger};
use crate::model::Model;

/// A lifecycle step resolved to numbers: success threshold, duration, cost, effects.
#[derive(Debug, Clone)]
pub(crate) struct StepC {
    pub thr: u64,
    pub duration: u32,
    pub cost: f64,
    pub success: Affine,
    pub failure: Affine,
}

impl StepC {
    fn new(probability: f64, duration: u32, cost: f64, effects: &Effects) -> StepC {
        StepC {
            thr: threshold(probability),
            duration,
            cost,
            success: affine3(effects, true),
            failure: affine3(effects, false),
        }
    }
}

fn affine3(e: &Effects, success: bool) -> Affine {
    let shifts = if success { e.success } else { e.failure };
    let one = |sh: Shift| match sh {
        Shift::Keep => (0.0, 1.0),
        Shift::Up(f) => (f, 1.0 - f),
        Shift::Down(f) => (0.0, 1.0 - f),
    };
    [
        one(shifts.satisfied),
        one(shifts.pleased),
        one(shifts.loyal),
    ]
}

/// The free trial resolved to numbers.
#[derive(Debug, Clone)]
pub(crate) struct TrialC {
    /// Per run position: whether the service mitigates the touchpoint (and so is offered when
    /// it is an escalation's root cause).
    pub mitigated: Vec<bool>,
    /// 1 − failure_reduction: the share of the failure probability left while the service is on.
    pub keep: f64,
    pub periods: u32,
    pub conversion_thr: u64,
    pub price: f64,
    pub cost: f64,
}

/// The advocacy programme of one arm, resolved to numbers.
#[derive(Debug, Clone)]
pub(crate) struct AdvC {
    /// Per segment (file order): (escalate on the Nth unresolved incident, 0 = never; at most
    /// this many escalations).
    pub policy: Vec<(u32, u32)>,
    pub planning: StepC,
    pub meeting: StepC,
    /// (threshold of the share of meetings senior management attends, the meeting as it then
    /// is: success threshold, extra cost, effects).
    pub senior: Option<(u64, StepC)>,
    /// The get-well plan; `cost` is per period in the plan.
    pub plan: StepC,
    pub churn_multiplier: f64,
    pub reopen: bool,
    /// Whether any touchpoint handles incidents (OnIncident). Without one nothing resolves an
    /// incident, so every incident is unresolved.
    pub handlers: bool,
    pub trial: Option<TrialC>,
    /// Per run position: the touchpoint's stage and file index (an escalation's root cause).
    pub stage_file: Vec<(u8, usize)>,
}

/// The compiled programme of `model`, or None when it has no advocacy section.
pub(crate) fn compile(model: &Model) -> Option<Box<AdvC>> {
    let s = &model.scenario;
    let a = s.advocacy.as_ref()?;
    let policy = s
        .segments
        .iter()
        .map(|seg| {
            a.policies
                .iter()
                .find(|p| p.segment == seg.id)
                .map_or((0, 0), |p| (p.escalate_on, p.at_most.unwrap_or(u32::MAX)))
        })
        .collect();
    let meeting = StepC::new(
        a.meeting.probability,
        a.meeting.duration,
        a.meeting.cost,
        &a.meeting.effects,
    );
    let senior = a.senior_management.map(|sm| {
        (
            threshold(sm.share),
            StepC::new(
                sm.probability,
                a.meeting.duration,
                sm.extra_cost,
                &sm.effects,
            ),
        )
    });
    let g = &a.get_well;
    let trial = a.trial.as_ref().map(|tr| TrialC {
        mitigated: model
            .run_order
            .iter()
            .map(|&i| tr.mitigates.contains(&s.touchpoints[i].id))
            .collect(),
        keep: 1.0 - tr.failure_reduction,
        periods: trial_periods(tr.days, s.period),
        conversion_thr: threshold(tr.conversion),
        price: tr.price_per_period,
        cost: tr.cost_per_period,
    });
    Some(Box::new(AdvC {
        policy,
        planning: StepC::new(
            a.planning.probability,
            a.planning.duration,
            a.planning.cost,
            &a.planning.effects,
        ),
        meeting,
        senior,
        plan: StepC::new(g.probability, g.duration, g.cost_per_period, &g.effects),
        churn_multiplier: g.churn_multiplier,
        reopen: g.reopen_on_related,
        handlers: s
            .touchpoints
            .iter()
            .any(|t| t.trigger == Trigger::OnIncident),
        trial,
        stage_file: model
            .run_order
            .iter()
            .map(|&i| (s.touchpoints[i].stage as u8, i))
            .collect(),
    }))
}

/// The success threshold of a mitigated touchpoint: its failure probability times `keep`.
#[inline]
pub(crate) fn mitigated_threshold(thr: u64, keep: f64) -> u64 {
    const FULL: u64 = 1 << 32;
    let fail = FULL.saturating_sub(thr) as f64 * keep;
    FULL - (fail.round() as u64).min(FULL)
}

/// The salt of the advocacy stream: customer `i` under seed `S` draws its escalation outcomes
/// from the stream of customer `i` under seed `S xor ADV_STREAM`, so the journey's own stream
/// (and with it the common random numbers shared with a programme-off arm) is never disturbed.
pub const ADV_STREAM: u64 = 0xAD70_CAC7_0E5C_A1A7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Standard operating procedure: no escalation open.
    Sop,
    Planning,
    Meeting,
    GetWell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrialState {
    NotOffered,
    /// Trial periods left after the current one's end.
    Running(u32),
    Paid,
    Off,
}

/// One customer's escalation state, advanced once per period by the engine's `ADV` kernel.
#[derive(Debug, Clone)]
pub(crate) struct Escalation {
    rng: CustomerRng,
    phase: Phase,
    senior: bool,
    /// Periods left in the current step.
    left: u32,
    /// Run position of the escalation's root-cause touchpoint.
    root: u16,
    opened_at: u32,
    /// Unresolved incidents since the last escalation ended.
    unresolved: u32,
    /// Escalations opened so far.
    pub count: u32,
    trial: TrialState,
    /// Programme cost and service revenue of this customer so far.
    cost: f64,
    service_revenue: f64,
}

impl Escalation {
    pub fn new(seed: u64, index: u64) -> Escalation {
        Escalation {
            rng: CustomerRng::new(seed ^ ADV_STREAM, index),
            phase: Phase::Sop,
            senior: false,
            left: 0,
            root: 0,
            opened_at: 0,
            unresolved: 0,
            count: 0,
            trial: TrialState::NotOffered,
            cost: 0.0,
            service_revenue: 0.0,
        }
    }

    /// Start of a period: a trial that has run its course converts or is turned off. Returns
    /// whether the mitigating service is on in this period.
    #[inline]
    pub fn start_period(&mut self, adv: &AdvC, acc: &mut AdvAcc) -> bool {
        match self.trial {
            TrialState::Running(0) => {
                let thr = adv.trial.as_ref().map_or(0, |t| t.conversion_thr);
                if self.rng.hit(thr) {
                    self.trial = TrialState::Paid;
                    acc.conversions += 1;
                    true
                } else {
                    self.trial = TrialState::Off;
                    acc.turned_off += 1;
                    false
                }
            }
            TrialState::Running(_) | TrialState::Paid => true,
            TrialState::NotOffered | TrialState::Off => false,
        }
    }

    /// Whether the customer spends this period in a get-well plan (asked before `end_period`).
    #[inline]
    pub fn in_plan(&self) -> bool {
        self.phase == Phase::GetWell
    }

    /// Revenue of the paid mitigating service in this period.
    #[inline]
    pub fn service_revenue(&mut self, adv: &AdvC) -> f64 {
        match (self.trial, &adv.trial) {
            (TrialState::Paid, Some(t)) => {
                self.service_revenue += t.price;
                t.price
            }
            _ => 0.0,
        }
    }

    /// End of period `t` (1-based), after the touchpoints: the escalation advances one period.
    /// `openers[j]` is the run position of the touchpoint that opened the period's j-th incident
    /// (j < 64), bit j of `failed_handling` says an OnIncident touchpoint failed it. Moves the
    /// triad states `s`; returns the programme cost of the period.
    #[allow(clippy::too_many_arguments)]
    pub fn end_period(
        &mut self,
        adv: &AdvC,
        t: u32,
        segment: usize,
        incidents: u32,
        openers: &[u16; 64],
        failed_handling: u64,
        s: &mut [f64; 3],
        acc: &mut AdvAcc,
    ) -> f64 {
        let mut cost = 0.0;
        if let TrialState::Running(left) = &mut self.trial {
            *left = left.saturating_sub(1);
            cost += adv.trial.as_ref().map_or(0.0, |tr| tr.cost);
        }
        let slots = incidents.min(64) as usize;
        match self.phase {
            Phase::Sop => {
                let (on, at_most) = adv.policy[segment];
                if on > 0 && self.count < at_most && slots > 0 {
                    let mut m = if adv.handlers {
                        failed_handling
                    } else if slots == 64 {
                        u64::MAX
                    } else {
                        (1u64 << slots) - 1
                    };
                    while m != 0 {
                        let j = m.trailing_zeros() as usize;
                        m &= m - 1;
                        self.unresolved += 1;
                        if self.unresolved >= on {
                            cost += self.open(adv, t, openers[j], acc);
                            break;
                        }
                    }
                }
            }
            Phase::Planning => {
                self.left -= 1;
                if self.left == 0 {
                    if self.rng.hit(adv.planning.thr) {
                        apply(&adv.planning.success, s);
                        cost += self.start_meeting(adv, acc);
                    } else {
                        apply(&adv.planning.failure, s);
                        self.abandon(t, acc);
                    }
                }
            }
            Phase::Meeting => {
                self.left -= 1;
                if self.left == 0 {
                    let step = match (&adv.senior, self.senior) {
                        (Some((_, sm)), true) => sm,
                        _ => &adv.meeting,
                    };
                    if self.rng.hit(step.thr) {
                        apply(&step.success, s);
                        self.phase = Phase::GetWell;
                        self.left = adv.plan.duration;
                        if let Some(tr) = &adv.trial
                            && self.trial == TrialState::NotOffered
                            && tr.mitigated[usize::from(self.root)]
                        {
                            self.trial = TrialState::Running(tr.periods);
                            acc.trial_offers += 1;
                        }
                    } else {
                        apply(&step.failure, s);
                        self.abandon(t, acc);
                    }
                }
            }
            Phase::GetWell => {
                cost += adv.plan.cost;
                let related = adv.reopen && openers[..slots].contains(&self.root);
                if related {
                    acc.reopens += 1;
                    apply(&adv.plan.failure, s);
                    cost += self.start_planning(adv);
                } else {
                    self.left -= 1;
                    if self.left == 0 {
                        if self.rng.hit(adv.plan.thr) {
                            apply(&adv.plan.success, s);
                            let d = f64::from(t - self.opened_at);
                            acc.closed += 1;
                            acc.resolution_sum += d;
                            acc.resolution_sq += d * d;
                            acc.absorption_sum += d;
                            acc.absorption_sq += d * d;
                            self.phase = Phase::Sop;
                        } else {
                            apply(&adv.plan.failure, s);
                            acc.recurrences += 1;
                            cost += self.start_planning(adv);
                        }
                    }
                }
            }
        }
        self.cost += cost;
        cost
    }

    fn open(&mut self, adv: &AdvC, t: u32, root: u16, acc: &mut AdvAcc) -> f64 {
        self.count += 1;
        self.unresolved = 0;
        self.root = root;
        self.opened_at = t;
        let (stage, file) = adv.stage_file[usize::from(root)];
        acc.opened += 1;
        acc.by_stage[usize::from(stage) % 3] += 1;
        if let Some(c) = acc.by_touchpoint.get_mut(file) {
            *c += 1;
        }
        self.start_planning(adv)
    }

    fn start_planning(&mut self, adv: &AdvC) -> f64 {
        self.phase = Phase::Planning;
        self.left = adv.planning.duration;
        adv.planning.cost
    }

    fn start_meeting(&mut self, adv: &AdvC, acc: &mut AdvAcc) -> f64 {
        self.phase = Phase::Meeting;
        self.left = adv.meeting.duration;
        self.senior = match &adv.senior {
            Some((share, _)) => self.rng.hit(*share),
            None => false,
        };
        if self.senior {
            acc.senior_meetings += 1;
        }
        let extra = match (&adv.senior, self.senior) {
            (Some((_, sm)), true) => sm.cost,
            _ => 0.0,
        };
        adv.meeting.cost + extra
    }

    fn abandon(&mut self, t: u32, acc: &mut AdvAcc) {
        let d = f64::from(t - self.opened_at);
        acc.abandoned += 1;
        acc.absorption_sum += d;
        acc.absorption_sq += d * d;
        self.phase = Phase::Sop;
    }

    /// The customer's journey is over (churn or horizon): per-customer sums.
    pub fn finish(&self, acc: &mut AdvAcc) {
        if self.phase != Phase::Sop {
            acc.unfinished += 1;
        }
        acc.cost_sum += self.cost;
        acc.cost_sq += self.cost * self.cost;
        acc.service_revenue_sum += self.service_revenue;
        acc.service_revenue_sq += self.service_revenue * self.service_revenue;
    }
}

#[inline]
fn apply(aff: &Affine, s: &mut [f64; 3]) {
    for k in 0..3 {
        s[k] = aff[k].0 + aff[k].1 * s[k];
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdvAcc {
    pub opened: u64,
    /// Escalations by the stage of their root-cause touchpoint.
    pub by_stage: [u64; 3],
    /// Escalations by root-cause touchpoint (file order).
    pub by_touchpoint: Vec<u64>,
    pub closed: u64,
    pub abandoned: u64,
    pub recurrences: u64,
    pub reopens: u64,
    /// Escalations still open when the customer's journey ended (churn or horizon).
    pub unfinished: u64,
    pub senior_meetings: u64,
    /// Periods from escalation to close-out (closed-out escalations) and its squares.
    pub resolution_sum: f64,
    pub resolution_sq: f64,
    /// Periods from escalation to close-out or abandonment, and its squares.
    pub absorption_sum: f64,
    pub absorption_sq: f64,
    pub trial_offers: u64,
    pub conversions: u64,
    pub turned_off: u64,
    /// Per customer: programme cost and paid-service revenue, and their squares.
    pub cost_sum: f64,
    pub cost_sq: f64,
    pub service_revenue_sum: f64,
    pub service_revenue_sq: f64,
    /// Customer-periods spent in a get-well plan, and churners in such a period.
    pub plan_periods: u64,
    pub plan_churners: u64,
}

impl AdvAcc {
    pub fn new(n_touchpoints: usize) -> AdvAcc {
        AdvAcc {
            by_touchpoint: vec![0; n_touchpoints],
            ..AdvAcc::default()
        }
    }

    pub fn merge(&mut self, o: &AdvAcc) {
        self.opened += o.opened;
        for k in 0..3 {
            self.by_stage[k] += o.by_stage[k];
        }
        for (a, b) in self.by_touchpoint.iter_mut().zip(&o.by_touchpoint) {
            *a += b;
        }
        self.closed += o.closed;
        self.abandoned += o.abandoned;
        self.recurrences += o.recurrences;
        self.reopens += o.reopens;
        self.unfinished += o.unfinished;
        self.senior_meetings += o.senior_meetings;
        self.resolution_sum += o.resolution_sum;
        self.resolution_sq += o.resolution_sq;
        self.absorption_sum += o.absorption_sum;
        self.absorption_sq += o.absorption_sq;
        self.trial_offers += o.trial_offers;
        self.conversions += o.conversions;
        self.turned_off += o.turned_off;
        self.cost_sum += o.cost_sum;
        self.cost_sq += o.cost_sq;
        self.service_revenue_sum += o.service_revenue_sum;
        self.service_revenue_sq += o.service_revenue_sq;
        self.plan_periods += o.plan_periods;
        self.plan_churners += o.plan_churners;
    }
}
