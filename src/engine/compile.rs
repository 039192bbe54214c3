//! Model → flat engine form: touchpoints in run order with everything resolved to numbers,
//! one copy per strategy (strategies differ only in the qualities their budget buys).

use super::{Affine, ArmC};
use crate::engine::rng::threshold;
use crate::format::{FollowOn, Propensity, Shift, Stage, Trigger};
use crate::model::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TriggerKind {
    Every,
    Chance,
    OnIncident,
    After,
}

/// Added to the harm of a success's effects (or a recovery's) where the kernel logs harmful
/// failures: the candidate sinks to −1e300, never positive, so it is never logged; |harm| is
/// bounded by the validated protection weights, far below 1e300.
pub(crate) const SUCCESS_SINK: f64 = -1e300;
/// The same for a failure's effects: harm + (−0) = harm exactly.
pub(crate) const FAILURE_SINK: f64 = -0.0;

/// An [`Affine`] as the kernels read it: the three adds, then the three multipliers, so the
/// first two states update as one vector operation without shuffles; then the outcome's sink.
/// Aligned to 64 bytes so that picking one of a touchpoint's two outcomes is a single shift.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(align(64))]
pub(crate) struct Lin {
    pub add: [f64; 3],
    pub mul: [f64; 3],
    /// [`SUCCESS_SINK`] or [`FAILURE_SINK`]: read from the effects the kernel applies, it
    /// needs no lookup by outcome (LLVM turns every form of f64 select there into a branch,
    /// mispredicted for coin-flip outcomes).
    pub sink: f64,
}

impl Lin {
    pub fn new(a: Affine, sink: f64) -> Lin {
        Lin {
            add: [a[0].0, a[1].0, a[2].0],
            mul: [a[0].1, a[1].1, a[2].1],
            sink,
        }
    }

    /// `add + mul · s`, state by state (the same operations as on an [`Affine`]).
    #[inline(always)]
    pub fn apply(&self, s: [f64; 3]) -> [f64; 3] {
        [
            self.add[0] + self.mul[0] * s[0],
            self.add[1] + self.mul[1] * s[1],
            self.add[2] + self.mul[2] * s[2],
        ]
    }

    /// The new state and the harm of the change: `w · (s − s')`, how much it raised the
    /// log-hazard.
    #[inline(always)]
    pub fn apply_harm(&self, s: [f64; 3], w: [f64; 3]) -> ([f64; 3], f64) {
        let next = self.apply(s);
        let harm = w[0] * (s[0] - next[0]) + w[1] * (s[1] - next[1]) + w[2] * (s[2] - next[2]);
        (next, harm)
    }

    /// [`Lin::apply_harm`] for an effect that changes state `D` only (see [`Op::PlainSatisfied`]).
    #[inline(always)]
    pub fn apply_harm_one<const D: usize>(&self, s: [f64; 3], w: [f64; 3]) -> ([f64; 3], f64) {
        let mut next = s;
        next[D] = self.add[D] + self.mul[D] * s[D];
        (next, w[D] * (s[D] - next[D]))
    }
}

/// The kernel's path for a touchpoint, chosen once at compile time so the per-period loop
/// dispatches on one small code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Every period, no escalations, and both outcomes change only satisfaction (loyalty):
    /// the straight path updating that one state. Exactly the general path's numbers: the
    /// other states' `0 + 1·s` is `s`, and their harm terms are zeros. One flat code per
    /// case, so the dispatch is a single jump table. Pleasure has no such path: the compiler
    /// keeps satisfaction and pleasure in one vector register, and a path reading pleasure
    /// alone made it unpack that register on every dispatch, which cost more than it saved.
    PlainSatisfied,
    PlainLoyal,
    /// Every period, no escalations: the straight path.
    Plain,
    /// The three above for a touchpoint whose failure opens an incident: the flag is part of
    /// the code, so the straight paths need not load and test it.
    OpenerSatisfied,
    OpenerLoyal,
    Opener,
    /// Every period, with escalations.
    Every,
    /// On incidents: skipped in periods without any.
    OnIncident,
    /// A chance or follow-on trigger: the occurrence count is drawn.
    Counted,
    /// Any trigger restricted to a lifecycle window or to some segments: the gate (see
    /// [`Gate`]) is checked first, then the occurrences are counted as for [`Op::Counted`].
    Gated,
}

impl Op {
    pub fn of(
        kind: TriggerKind,
        gated: bool,
        no_escalations: bool,
        opens_incident: bool,
        effects: &[Lin; 2],
    ) -> Op {
        match kind {
            _ if gated => Op::Gated,
            TriggerKind::Every if no_escalations => {
                // The one state both outcomes may change, if there is one.
                let touched = |d: usize| {
                    effects
                        .iter()
                        .any(|e| e.add[d].to_bits() != 0 || e.mul[d] != 1.0)
                };
                let changed: Vec<usize> = (0..3).filter(|&d| touched(d)).collect();
                match (changed.as_slice(), opens_incident) {
                    ([] | [0], false) => Op::PlainSatisfied,
                    ([2], false) => Op::PlainLoyal,
                    (_, false) => Op::Plain,
                    ([] | [0], true) => Op::OpenerSatisfied,
                    ([2], true) => Op::OpenerLoyal,
                    (_, true) => Op::Opener,
                }
            }
            TriggerKind::Every => Op::Every,
            TriggerKind::OnIncident => Op::OnIncident,
            TriggerKind::Chance | TriggerKind::After => Op::Counted,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Tp {
    pub kind: TriggerKind,
    /// 32-bit threshold of the trigger probability (see `rng::threshold`).
    pub trigger_thr: u64,
    /// Position (in run order) of the touchpoint an `After` trigger follows.
    pub source: usize,
    /// Bit 0: follows successes, bit 1: follows failures.
    pub outcome_mask: u8,
    pub quality_thr: u64,
    pub cost: f64,
    /// Effects of a success (index 0) and of a failure (index 1).
    pub effects: [Lin; 2],
    pub opens_incident: bool,
    /// Range into `Compiled::escalations`.
    pub esc_start: usize,
    pub esc_end: usize,
    /// How the kernel runs this touchpoint (see [`Op`]).
    pub op: Op,
    pub stage: u8,
    /// Index of the touchpoint in the scenario file (for per-touchpoint results).
    pub file_index: usize,
}

/// Where a touchpoint may happen: its lifecycle window (first period, step, last period; see
/// `When::window`) and, per segment of the arm, whether it happens for that segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Gate {
    pub window: (u32, u32, u32),
    /// Empty: every segment.
    pub segments: Vec<bool>,
}

impl Gate {
    pub fn open(&self, segment: usize, period: u32) -> bool {
        self.segments.get(segment).copied().unwrap_or(true)
            && crate::format::window_contains(self.window, period)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SegmentC {
    pub cum_share: f64,
    pub value: f64,
    /// value · loyalty_uplift: revenue = value + value_uplift · loyal.
    pub value_uplift: f64,
    pub initial: [f64; 3],
    pub propensity: PropensityC,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PropensityC {
    Beta(crate::engine::beta::BetaSampler),
    Fixed(f64),
}

/// A compiled `Recovery`: threshold of its probability, its cost, its effects.
#[derive(Debug, Clone)]
pub(crate) struct RecoveryC {
    pub thr: u64,
    pub cost: f64,
    pub effects: Lin,
}

impl ArmC {
    /// The touchpoints (run order) a customer of `segment` meets, and which of them run in
    /// every period of the customer's life.
    #[inline]
    pub fn tps_of(&self, segment: usize) -> (&[Tp], &[usize]) {
        match (
            self.segment_tps.get(segment),
            self.segment_every.get(segment),
        ) {
            (Some(t), Some(e)) => (t, e),
            _ => (&self.tps, &self.every_period),
        }
    }

    /// Whether the organisation kernel is needed (per-period qualities or recoveries).
    pub fn org(&self) -> bool {
        !self.org_quality.is_empty() || !self.org_recovery.is_empty()
    }
}

/// All arms of a run.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub horizon: usize,
    pub arms: Vec<ArmC>,
    /// For each arm, the first arm whose segments draw a customer's segment and θ the same
    /// way (itself if none earlier does): those draws are made once per customer and shared.
    pub draw_source: Vec<usize>,
}

impl ArmC {
    /// Whether two arms turn a customer's stream into the same segment and θ.
    fn draws_like(&self, other: &ArmC) -> bool {
        self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| a.cum_share == b.cum_share && a.propensity == b.propensity)
    }
}

fn affine(shift: Shift) -> (f64, f64) {
    match shift {
        Shift::Keep => (0.0, 1.0),
        Shift::Up(f) => (f, 1.0 - f),
        Shift::Down(f) => (0.0, 1.0 - f),
    }
}

/// Quality after investment: the stage's budget closes part of the gap to perfect quality.
pub fn invested_quality(quality: f64, stage_budget: f64, max_uplift: f64, half_sat: f64) -> f64 {
    if stage_budget <= 0.0 {
        return quality;
    }
    let response = max_uplift * stage_budget / (stage_budget + half_sat);
    (quality + (1.0 - quality) * response).clamp(0.0, 1.0)
}

impl Compiled {
    /// Compiles the arms; the caller has checked that they share one horizon.
    pub fn from_arms(arms: &[crate::engine::Arm<'_>]) -> Compiled {
        let arms: Vec<ArmC> = arms
            .iter()
            .map(|a| ArmC::new(a.model, a.strategy))
            .collect();
        let draw_source = (0..arms.len())
            .map(|i| (0..i).find(|&j| arms[j].draws_like(&arms[i])).unwrap_or(i))
            .collect();
        Compiled {
            horizon: arms.first().map_or(0, |a| a.discount.len()),
            arms,
            draw_source,
        }
    }
}

impl ArmC {
    /// Compiles `model` under its strategy `si` (an index the caller has checked).
    pub fn new(model: &Model, si: usize) -> ArmC {
        let s = &model.scenario;
        let mut cum = 0.0;
        let mut segments: Vec<SegmentC> = s
            .segments
            .iter()
            .map(|seg| {
                cum += seg.share;
                SegmentC {
                    cum_share: cum,
                    value: seg.value_per_period,
                    value_uplift: seg.value_per_period * s.revenue.loyalty_uplift,
                    initial: [
                        seg.initial.satisfied,
                        seg.initial.pleased,
                        seg.initial.loyal,
                    ],
                    propensity: match seg.churn_propensity {
                        Propensity::Beta { alpha, beta } => {
                            PropensityC::Beta(crate::engine::beta::BetaSampler::new(alpha, beta))
                        }
                        Propensity::Fixed(t) => PropensityC::Fixed(t),
                    },
                }
            })
            .collect();
        // Shares sum to 1 within 1e-9; make the last bound exact so every draw lands somewhere.
        if let Some(last) = segments.last_mut() {
            last.cum_share = f64::INFINITY;
        }

        let per_year = f64::from(s.period.per_year());
        // libm (pure Rust) rather than the platform's libm: the same bits on every machine.
        let rate = libm::pow(1.0 + s.discount_rate, 1.0 / per_year) - 1.0;
        let discount: Vec<f64> = (1..=model.horizon())
            .map(|t| libm::pow(1.0 + rate, -(t as f64)))
            .collect();

        let mut cum_discount = vec![0.0];
        for d in &discount {
            let last = cum_discount.last().copied().unwrap_or(0.0);
            cum_discount.push(last + d);
        }

        let position: Vec<usize> = {
            let mut pos = vec![0; s.touchpoints.len()];
            for (k, &i) in model.run_order.iter().enumerate() {
                pos[i] = k;
            }
            pos
        };

        let st = &s.strategies[si];
        // The organisation's schedule (crate::org); None keeps the plain model's path.
        let sched =
            crate::format::org::has_features(s).then(|| crate::engine::org::schedule(model, si));
        // Escalations per touchpoint (file order), the same for every segment.
        let mut escalations = Vec::new();
        let esc_range: Vec<(usize, usize)> = s
            .touchpoints
            .iter()
            .map(|tp| {
                let start = escalations.len();
                for f in &tp.on_failure {
                    if let FollowOn::Escalate { probability, cost } = *f {
                        escalations.push((threshold(probability), cost));
                    }
                }
                (start, escalations.len())
            })
            .collect();
        // A touchpoint in run order, as one segment meets it (`ov`: its override, if any).
        let compile_tp = |i: usize, ov: Option<&crate::format::SegmentOverride>| -> Tp {
            let tp = &s.touchpoints[i];
            let stage_budget = st.budget * st.emphasis.get(tp.stage);
            let (_, _, design_cost, design_effects) = crate::format::org::design_of(s, si, i);
            let quality = match &sched {
                Some(sc) => sc.quality_at(i, 0),
                None => invested_quality(
                    ov.and_then(|o| o.quality).unwrap_or(tp.quality),
                    stage_budget,
                    s.investment.max_uplift,
                    s.investment.half_saturation,
                ),
            };
            let design_cost = ov.and_then(|o| o.cost).unwrap_or(design_cost);
            let design_effects = ov.and_then(|o| o.effects).unwrap_or(design_effects);
            let (esc_start, esc_end) = esc_range[i];
            let opens_incident = tp.on_failure.contains(&FollowOn::OpenIncident);
            let trigger = match ov.and_then(|o| o.trigger) {
                Some(t) => t.trigger(),
                None => tp.trigger.clone(),
            };
            let (kind, trigger_p, source, outcome_mask) = match &trigger {
                Trigger::EveryPeriod => (TriggerKind::Every, 1.0, 0, 0),
                Trigger::Chance(p) => (TriggerKind::Chance, *p, 0, 0),
                Trigger::OnIncident => (TriggerKind::OnIncident, 1.0, 0, 0),
                Trigger::After {
                    outcome,
                    probability,
                    ..
                } => {
                    let mask = match outcome {
                        crate::format::Outcome::Success => 1,
                        crate::format::Outcome::Failure => 2,
                        crate::format::Outcome::Any => 3,
                    };
                    let src = model.after_source[i].map_or(0, |j| position[j]);
                    (TriggerKind::After, *probability, src, mask)
                }
            };
            let e = design_effects;
            let effects = [
                Lin::new(
                    [
                        affine(e.success.satisfied),
                        affine(e.success.pleased),
                        affine(e.success.loyal),
                    ],
                    SUCCESS_SINK,
                ),
                Lin::new(
                    [
                        affine(e.failure.satisfied),
                        affine(e.failure.pleased),
                        affine(e.failure.loyal),
                    ],
                    FAILURE_SINK,
                ),
            ];
            Tp {
                kind,
                trigger_thr: threshold(trigger_p),
                source,
                outcome_mask,
                quality_thr: threshold(quality),
                cost: design_cost,
                effects,
                opens_incident,
                esc_start,
                esc_end,
                op: Op::of(
                    kind,
                    gated(tp),
                    esc_start == esc_end,
                    opens_incident,
                    &effects,
                ),
                stage: tp.stage as u8,
                file_index: i,
            }
        };
        let tps: Vec<Tp> = model
            .run_order
            .iter()
            .map(|&i| compile_tp(i, None))
            .collect();
        // One list per segment only when some touchpoint differs by segment; the kernel then
        // reads its customer's segment's list. Same positions, so every per-position table
        // (gates, organisation, advocacy) serves every list.
        let any_override = s.touchpoints.iter().any(|t| !t.by_segment.is_empty());
        let segment_tps: Vec<Vec<Tp>> = if any_override {
            s.segments
                .iter()
                .map(|g| {
                    model
                        .run_order
                        .iter()
                        .map(|&i| compile_tp(i, s.touchpoints[i].by_segment.get(&g.id)))
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        let any_after = tps.iter().any(|t| t.kind == TriggerKind::After);
        let gates = model
            .run_order
            .iter()
            .map(|&i| {
                let tp = &s.touchpoints[i];
                Gate {
                    window: tp.when.window(),
                    segments: if tp.segments.is_empty() {
                        Vec::new()
                    } else {
                        s.segments
                            .iter()
                            .map(|g| tp.segments.contains(&g.id))
                            .collect()
                    },
                }
            })
            .collect();
        let (org_quality, org_recovery) = match &sched {
            Some(sc) => {
                let quality = if sc.dynamic() {
                    (0..model.horizon())
                        .flat_map(|t| {
                            model
                                .run_order
                                .iter()
                                .map(move |&i| threshold(sc.quality_at(i, t)))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let recovery: Vec<Option<RecoveryC>> = model
                    .run_order
                    .iter()
                    .map(|&i| {
                        s.touchpoints[i].recovery.map(|r| RecoveryC {
                            thr: threshold(r.quality),
                            cost: r.cost,
                            // A recovered failure counts as a success (see the kernel).
                            effects: Lin::new(
                                [
                                    affine(r.effects.satisfied),
                                    affine(r.effects.pleased),
                                    affine(r.effects.loyal),
                                ],
                                SUCCESS_SINK,
                            ),
                        })
                    })
                    .collect();
                let any = recovery.iter().any(Option::is_some);
                (quality, if any { recovery } else { Vec::new() })
            }
            None => (Vec::new(), Vec::new()),
        };
        let every_of = |tps: &[Tp]| -> Vec<usize> {
            tps.iter()
                .filter(|t| t.kind == TriggerKind::Every && t.op != Op::Gated)
                .map(|t| t.file_index)
                .collect()
        };
        let every_period = every_of(&tps);
        let segment_every = segment_tps.iter().map(|l| every_of(l)).collect();
        ArmC {
            every_period,
            tps,
            segment_tps,
            segment_every,
            gates,
            escalations,
            budget: crate::format::org::programme_spend(s, si),
            any_after,
            segments,
            protection: [
                s.churn.protection.satisfied,
                s.churn.protection.pleased,
                s.churn.protection.loyal,
            ],
            discount,
            cum_discount,
            attribution_window: s.attribution_window,
            n_touchpoints: s.touchpoints.len(),
            org_quality,
            org_recovery,
            adv: crate::engine::advocacy::compile(model),
            accounts: crate::engine::accounts::AccountsC::new(model),
        }
    }
}

/// Whether a touchpoint is restricted to a lifecycle window or to some segments.
fn gated(tp: &crate::format::Touchpoint) -> bool {
    !tp.when.is_always() || !tp.segments.is_empty()
}

/// Number of stages plus one "no root cause" bucket.
pub const CAUSES: usize = 4;
pub const NO_CAUSE: usize = 3;

pub fn stage_of(index: u8) -> Stage {
    Stage::ALL[index as usize % 3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_opens_for_its_segments_in_its_window_only() {
        let g = Gate {
            window: (2, 3, 8),
            segments: vec![false, true],
        };
        let open: Vec<u32> = (0..12).filter(|&t| g.open(1, t)).collect();
        assert_eq!(open, vec![2, 5, 8]);
        assert!((0..12).all(|t| !g.open(0, t)));
        // A segment beyond the list (never made by compile) is not refused.
        assert!(g.open(7, 5));
        let all = Gate {
            window: crate::format::When::Always.window(),
            segments: Vec::new(),
        };
        assert!((1..5000).all(|t| all.open(0, t)));
    }

    const KEEP: (f64, f64) = (0.0, 1.0);

    fn lin(a: [(f64, f64); 3]) -> Lin {
        Lin::new(a, SUCCESS_SINK)
    }

    #[test]
    fn op_codes_follow_trigger_escalations_incidents_and_the_states_changed() {
        let up = affine(Shift::Up(0.1));
        let down = affine(Shift::Down(0.3));
        let sat = [lin([up, KEEP, KEEP]), lin([down, KEEP, KEEP])];
        let ple = [lin([KEEP, up, KEEP]), lin([KEEP, down, KEEP])];
        let loy = [lin([KEEP, KEEP, up]), lin([KEEP, KEEP, down])];
        let two = [lin([up, KEEP, KEEP]), lin([KEEP, KEEP, down])];
        let none = [lin([KEEP; 3]), lin([KEEP; 3])];
        let every = TriggerKind::Every;
        assert_eq!(Op::of(every, false, true, false, &sat), Op::PlainSatisfied);
        assert_eq!(Op::of(every, false, true, false, &none), Op::PlainSatisfied);
        assert_eq!(Op::of(every, false, true, false, &loy), Op::PlainLoyal);
        assert_eq!(Op::of(every, false, true, false, &ple), Op::Plain);
        assert_eq!(Op::of(every, false, true, false, &two), Op::Plain);
        assert_eq!(Op::of(every, false, true, true, &sat), Op::OpenerSatisfied);
        assert_eq!(Op::of(every, false, true, true, &loy), Op::OpenerLoyal);
        assert_eq!(Op::of(every, false, true, true, &two), Op::Opener);
        assert_eq!(Op::of(every, false, false, true, &sat), Op::Every);
        assert_eq!(
            Op::of(TriggerKind::OnIncident, false, true, false, &sat),
            Op::OnIncident
        );
        assert_eq!(
            Op::of(TriggerKind::Chance, false, true, false, &sat),
            Op::Counted
        );
        assert_eq!(
            Op::of(TriggerKind::After, false, false, true, &sat),
            Op::Counted
        );
        // A gate takes precedence over every other path.
        for kind in [
            every,
            TriggerKind::Chance,
            TriggerKind::OnIncident,
            TriggerKind::After,
        ] {
            assert_eq!(Op::of(kind, true, true, false, &sat), Op::Gated);
        }
    }

    /// The one-state path gives the general path's state and harm, bit for bit (up to the sign
    /// of a zero harm, which no comparison sees).
    #[test]
    fn the_one_state_path_is_the_general_path() {
        let w = [1.0, 0.8, 1.5];
        let effects = [
            lin([affine(Shift::Up(0.1)), KEEP, KEEP]),
            lin([affine(Shift::Down(0.3)), KEEP, KEEP]),
            lin([KEEP, KEEP, affine(Shift::Up(0.15))]),
            lin([KEEP, KEEP, affine(Shift::Down(0.02))]),
        ];
        for i in 0..=100 {
            let x = f64::from(i) / 100.0;
            let s = [x, 1.0 - x, (x * 7.0) % 1.0];
            for (e, one) in effects.iter().zip([0, 0, 2, 2]) {
                let general = e.apply_harm(s, w);
                let fast = match one {
                    0 => e.apply_harm_one::<0>(s, w),
                    _ => e.apply_harm_one::<2>(s, w),
                };
                assert_eq!(general.0.map(f64::to_bits), fast.0.map(f64::to_bits));
                assert_eq!(general.1, fast.1, "harm at s = {s:?}");
            }
        }
    }
}
