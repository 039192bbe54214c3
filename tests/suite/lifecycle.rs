//! Lifecycle windows (`when`) and segment restrictions (`segments`) of touchpoints, against
//! exact survival computed here from the model definition (docs/model.md §2, step 2). Tolerances are the binomial standard error from the exact p and N, or the
//! run's own standard error of a per-customer metric, times `common::K_SIGMA`; nothing tuned.

use crate::common::{
    assert_estimate, assert_retention, assert_retention_sane, model, run, scenario,
};

const N: u64 = 200_000;

/// Exact survival S(0..=h) for a hazard that depends only on the period: S(t) = Π (1 − h(u)).
fn survival(h: usize, hazard: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut s = vec![1.0];
    for t in 1..=h {
        let prev = s[t - 1];
        s.push(prev * (1.0 - hazard(t)));
    }
    s
}

/// A touchpoint that always succeeds and, on success, drops satisfaction to 0 (Down(1.0)):
/// from the period it first happens, the customer loses the protection of satisfaction.
fn dropping(when: &str, extra: &str) -> String {
    format!(
        r#"Touchpoint(id: "switch", name: "Switch", stage: Purchase, trigger: EveryPeriod,
           quality: 1.0, cost: 1.0, when: {when}, {extra}
           effects: (success: (satisfied: Down(1.0))))"#
    )
}

const SEGMENT: &str = "value_per_period: 10.0, initial: (satisfied: 1.0, pleased: 0.0, loyal: 0.0), \
                       churn_propensity: Fixed(0.1)";

/// AtPeriod(4): protection until period 3, the bare θ from period 4 (the touchpoint runs before
/// the churn draw of its period). It runs exactly once for each customer alive at the start of
/// period 4, so its runs per customer equal retention at t = 3 to the last bit of the count.
#[test]
fn a_touchpoint_at_one_period_changes_the_hazard_from_that_period() {
    let (theta, w, h) = (0.1f64, 1.0f64, 12usize);
    let text = scenario(
        h as u32,
        0.0,
        SEGMENT,
        &dropping("AtPeriod(4)", ""),
        [w, 0.0, 0.0],
        0.0,
    );
    let r = run(&model(&text), N, 3);
    assert_retention_sane("at period", &r);
    let exact = survival(h, |t| if t < 4 { theta * (-w).exp() } else { theta });
    assert_retention("at period", &r, 0, &exact);
    let st = &r.strategies[0];
    let runs = st.touchpoints[0].runs_per_customer;
    let alive_at_3 = st.retention[3].mean;
    assert!(
        (runs * N as f64 - alive_at_3 * N as f64).abs() < 1e-6,
        "runs per customer {runs} vs retention after period 3 {alive_at_3}"
    );
    assert_estimate("at period cost", &st.cost_per_customer, exact[3]);
}

/// EveryPeriods(3) with quality q, success Up(1.0) and failure Down(1.0) on satisfaction: the
/// state is 1 until period 3, then whatever the last occurrence left (1 with probability q, 0
/// otherwise), so the alive mass in each state follows a two-state chain updated in periods
/// 3, 6, 9, … and then thinned by the churn draw.
#[test]
fn a_touchpoint_every_k_periods_follows_its_two_state_chain() {
    let (theta, w, q, h) = (0.1f64, 1.5f64, 0.6f64, 24usize);
    let tp = r#"Touchpoint(id: "review", name: "Quarterly review", stage: Relationship,
        trigger: EveryPeriod, quality: 0.6, cost: 2.0, when: EveryPeriods(3),
        effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0))))"#;
    let text = scenario(h as u32, 0.0, SEGMENT, tp, [w, 0.0, 0.0], 0.0);
    let r = run(&model(&text), N, 5);
    assert_retention_sane("every k", &r);
    // mass[0]: alive with satisfaction 1, mass[1]: alive with satisfaction 0.
    let mut mass = [1.0f64, 0.0];
    let mut exact = vec![1.0];
    let mut occurrences = 0.0;
    for t in 1..=h {
        if t % 3 == 0 {
            let alive = mass[0] + mass[1];
            occurrences += alive;
            mass = [alive * q, alive * (1.0 - q)];
        }
        mass[0] *= 1.0 - theta * (-w).exp();
        mass[1] *= 1.0 - theta;
        exact.push(mass[0] + mass[1]);
    }
    assert_retention("every k", &r, 0, &exact);
    let st = &r.strategies[0];
    assert_estimate("every k cost", &st.cost_per_customer, 2.0 * occurrences);
    // The failure rate is the share of occurrences that failed: 1 − q, within the binomial SE
    // of the (about N · occurrences) draws.
    let n_occ = occurrences * N as f64;
    let se = (q * (1.0 - q) / n_occ).sqrt();
    let fr = st.touchpoints[0].failure_rate;
    assert!(
        (fr - (1.0 - q)).abs() <= crate::common::K_SIGMA * se,
        "failure rate {fr} vs {} (se {se})",
        1.0 - q
    );
}

/// The named windows are the general `Periods` form: same draws, same bytes.
#[test]
fn named_windows_equal_their_general_form() {
    let pairs = [
        ("FirstPeriods(2)", "Periods(from: 1, until: Some(2))"),
        ("AtPeriod(5)", "Periods(from: 5, until: Some(5))"),
        ("FromPeriod(7)", "Periods(from: 7)"),
        ("EveryPeriods(3)", "Periods(from: 3, every: 3)"),
        ("Renewal(4)", "Periods(from: 5, every: 4)"),
        ("Always", "Periods(from: 1)"),
    ];
    for (named, general) in pairs {
        let a = scenario(
            18,
            0.05,
            SEGMENT,
            &dropping(named, ""),
            [1.0, 0.0, 0.0],
            0.0,
        );
        let b = scenario(
            18,
            0.05,
            SEGMENT,
            &dropping(general, ""),
            [1.0, 0.0, 0.0],
            0.0,
        );
        let (ra, rb) = (run(&model(&a), 20_000, 9), run(&model(&b), 20_000, 9));
        assert_eq!(ra, rb, "{named} vs {general}");
    }
}

/// Two segments of equal share and θ; the dropping touchpoint is for "b" only, so "a" keeps
/// the protection of satisfaction (h = θ·e^−w) and "b" loses it in period 1 (h = θ). Retention
/// is the mixture (each customer's segment is drawn with its share, so a customer's survival
/// is still a Bernoulli of the mixed probability), and the touchpoint runs only in b's
/// active periods.
#[test]
fn a_touchpoint_for_one_segment_reaches_only_that_segment() {
    let (theta, w, h) = (0.1f64, 1.0f64, 12usize);
    let text = format!(
        r#"Scenario(
    name: "segments",
    period: Month,
    horizon: {h},
    segments: [
        Segment(id: "a", share: 0.5, {SEGMENT}),
        Segment(id: "b", share: 0.5, {SEGMENT}),
    ],
    touchpoints: [ {} ],
    churn: (protection: (satisfied: {w:?}, pleased: 0.0, loyal: 0.0)),
    revenue: (loyalty_uplift: 0.0),
    strategies: [ Strategy(name: "baseline", emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)) ],
)"#,
        dropping("Always", r#"segments: ["b"],"#)
    );
    let r = run(&model(&text), N, 21);
    assert_retention_sane("segment", &r);
    let sa = survival(h, |_| theta * (-w).exp());
    let sb = survival(h, |_| theta);
    let exact: Vec<f64> = sa.iter().zip(&sb).map(|(a, b)| 0.5 * a + 0.5 * b).collect();
    assert_retention("segment", &r, 0, &exact);
    // Cost 1 per occurrence, once per active period of a b customer.
    let b_periods: f64 = sb[..h].iter().sum();
    assert_estimate(
        "segment cost",
        &r.strategies[0].cost_per_customer,
        0.5 * b_periods,
    );

    // For a segment with no customers it never runs at all.
    let none = text
        .replace(r#"id: "a", share: 0.5"#, r#"id: "a", share: 1.0"#)
        .replace(r#"id: "b", share: 0.5"#, r#"id: "b", share: 0.0"#);
    let r = run(&model(&none), 20_000, 21);
    assert_eq!(r.strategies[0].touchpoints[0].runs_per_customer, 0.0);
    assert_eq!(r.strategies[0].cost_per_customer.mean, 0.0);
    assert_retention("segment b empty", &r, 0, &sa);
}

/// A closed gate draws nothing: a chance touchpoint outside its window leaves the stream
/// where it was, so a journey with a window beyond the horizon gives the same retention,
/// revenue and NPV bits as the journey without that touchpoint.
#[test]
fn a_closed_gate_draws_nothing() {
    let base = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase, trigger: Chance(0.5),
        quality: 0.7, effects: (failure: (satisfied: Down(0.5))))"#;
    let late = r#"Touchpoint(id: "late", name: "Late", stage: Relationship, trigger: Chance(0.5),
        quality: 0.5, when: FromPeriod(99), effects: (failure: (loyal: Down(0.5))))"#;
    let seg = "value_per_period: 10.0, initial: (satisfied: 0.8, pleased: 0.5, loyal: 0.5), \
               churn_propensity: Beta(alpha: 1.0, beta: 9.0)";
    let one = scenario(24, 0.05, seg, base, [1.0, 0.5, 1.0], 0.2);
    let two = scenario(
        24,
        0.05,
        seg,
        &format!("{base}, {late}"),
        [1.0, 0.5, 1.0],
        0.2,
    );
    let (a, b) = (run(&model(&one), 20_000, 4), run(&model(&two), 20_000, 4));
    let (sa, sb) = (&a.strategies[0], &b.strategies[0]);
    assert_eq!(sa.retention, sb.retention);
    assert_eq!(sa.revenue_per_customer, sb.revenue_per_customer);
    assert_eq!(sa.npv_per_customer, sb.npv_per_customer);
    assert_eq!(sb.touchpoints[1].runs_per_customer, 0.0);
}

/// Two segments of equal share and θ meet the same touchpoint, but for "b" it always fails
/// (quality 0 by override) and costs 3 instead of 1: "a" loses satisfaction's protection in
/// period 1 (its success drops it), "b" keeps it. Exact mixture retention, and the cost
/// 0.5·Σ S_a · 1 + 0.5·Σ S_b · 3 over the active periods.
#[test]
fn a_segment_override_changes_quality_and_cost_for_that_segment_only() {
    let (theta, w, h) = (0.1f64, 1.0f64, 12usize);
    let tp = r#"Touchpoint(id: "switch", name: "Switch", stage: Purchase, trigger: EveryPeriod,
        quality: 1.0, cost: 1.0, effects: (success: (satisfied: Down(1.0))),
        by_segment: { "b": (quality: 0.0, cost: 3.0) })"#;
    let text = two_segments(h, w, tp);
    let r = run(&model(&text), N, 8);
    assert_retention_sane("override", &r);
    let sa = survival(h, |_| theta);
    let sb = survival(h, |_| theta * (-w).exp());
    let exact: Vec<f64> = sa.iter().zip(&sb).map(|(a, b)| 0.5 * a + 0.5 * b).collect();
    assert_retention("override", &r, 0, &exact);
    let cost = 0.5 * sa[..h].iter().sum::<f64>() + 0.5 * 3.0 * sb[..h].iter().sum::<f64>();
    assert_estimate("override cost", &r.strategies[0].cost_per_customer, cost);
    // Only b's occurrences fail: the failure rate is b's share of the occurrences, a ratio
    // Σ b_i·L_i / Σ L_i over customers (L: active periods). Its SE by the delta method:
    // sqrt(E[L²·(b − ρ)²] / N) / E[L].
    let (pa, pb): (f64, f64) = (sa[..h].iter().sum(), sb[..h].iter().sum());
    let fr = r.strategies[0].touchpoints[0].failure_rate;
    let share_b = pb / (pa + pb);
    let second_moment = |s: &[f64]| -> f64 {
        // P(L = t) = S(t−1) − S(t) for t < h, and S(h−1) for t = h.
        (1..=h)
            .map(|t| {
                let p = if t < h { s[t - 1] - s[t] } else { s[h - 1] };
                p * (t * t) as f64
            })
            .sum()
    };
    let var = 0.5 * second_moment(&sa) * share_b * share_b
        + 0.5 * second_moment(&sb) * (1.0 - share_b) * (1.0 - share_b);
    let se = (var / N as f64).sqrt() / (0.5 * (pa + pb));
    assert!(
        (fr - share_b).abs() <= crate::common::K_SIGMA * se,
        "failure rate {fr} vs b's share of occurrences {share_b} (se {se})"
    );
}

/// An override that repeats the touchpoint's own values changes no bit, and one for the
/// trigger turns every period into a chance for that segment's customers only.
#[test]
fn an_override_equal_to_the_touchpoint_changes_nothing() {
    let base = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase, trigger: Chance(0.6),
        quality: 0.7, cost: 2.0, effects: (failure: (satisfied: Down(0.5))))"#;
    let same = base.replace(
        "effects: (failure: (satisfied: Down(0.5))))",
        r#"effects: (failure: (satisfied: Down(0.5))),
           by_segment: { "a": (quality: 0.7, cost: 2.0, trigger: Chance(0.6),
                              effects: (failure: (satisfied: Down(0.5)))) })"#,
    );
    let (x, y) = (two_segments(18, 1.0, base), two_segments(18, 1.0, &same));
    let (rx, ry) = (run(&model(&x), 20_000, 6), run(&model(&y), 20_000, 6));
    assert_eq!(rx, ry);
}

fn two_segments(h: usize, w: f64, touchpoints: &str) -> String {
    format!(
        r#"Scenario(
    name: "segments",
    period: Month,
    horizon: {h},
    segments: [
        Segment(id: "a", share: 0.5, {SEGMENT}),
        Segment(id: "b", share: 0.5, {SEGMENT}),
    ],
    touchpoints: [ {touchpoints} ],
    churn: (protection: (satisfied: {w:?}, pleased: 0.0, loyal: 0.0)),
    revenue: (loyalty_uplift: 0.0),
    strategies: [ Strategy(name: "baseline", emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)) ],
)"#
    )
}

/// Overrides are checked where they are written: for a segment the touchpoint reaches, and
/// not together with the organisation's per-touchpoint schedule.
#[test]
fn overrides_for_unreached_segments_or_with_an_organisation_are_refused() {
    let problems = |text: &str| -> Vec<String> {
        let scenario = cxsim::format::parse::parse_scenario(std::path::Path::new("x.ron"), text)
            .expect("parses");
        match cxsim::model::validate(scenario) {
            Ok(_) => Vec::new(),
            Err(ps) => ps
                .into_iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect(),
        }
    };
    let unreached = two_segments(
        6,
        1.0,
        r#"Touchpoint(id: "t", name: "T", stage: Purchase, trigger: EveryPeriod, quality: 0.9,
            segments: ["a"], by_segment: { "b": (cost: 2.0) })"#,
    );
    let p = problems(&unreached);
    assert!(
        p.iter().any(|m| m.starts_with(r#"touchpoints[0].by_segment["b"]: overrides segment "b", which the touchpoint does not reach"#)),
        "{p:?}"
    );
    let with_org = two_segments(
        6,
        1.0,
        r#"Touchpoint(id: "t", name: "T", stage: Purchase, trigger: EveryPeriod, quality: 0.9,
            recovery: (quality: 0.5), by_segment: { "b": (quality: 0.8) })"#,
    );
    let p = problems(&with_org);
    assert!(
        p.iter()
            .any(|m| m
                .starts_with("touchpoints[0].by_segment: per-segment overrides are not supported")),
        "{p:?}"
    );
}
