//! Validation of the `acquisition` section (called from `model::validate`).

use crate::format::Scenario;
use crate::model::Checker;

/// Every problem of the `acquisition` section, with field paths and hints.
pub fn validate(s: &Scenario, c: &mut Checker) {
    let Some(a) = &s.acquisition else {
        return;
    };
    let checks: [(&str, f64, &str); 3] = [
        (
            "acquisition.initial_customers",
            a.initial_customers,
            "the number of customers in the base at the start, e.g. 10000",
        ),
        (
            "acquisition.referral_strength",
            a.referral_strength,
            "referred leads per period per fully loyal customer, e.g. 0.02; 0 turns referrals off",
        ),
        (
            "acquisition.warning_strength",
            a.warning_strength,
            "prospects warned off per churner, e.g. 2; 0 turns warnings off",
        ),
    ];
    for (path, v, hint) in checks {
        c.finite_non_negative(path, v, hint);
    }
    if a.funnels.is_empty() {
        c.push(
            "acquisition.funnels".into(),
            "acquisition has no funnels".into(),
            "add Funnel(segment: \"..\", leads_per_period: .., qualification_rate: .., conversion_rate: ..), or remove the acquisition section",
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, f) in a.funnels.iter().enumerate() {
        let p = format!("acquisition.funnels[{i}]");
        if !s.segments.iter().any(|g| g.id == f.segment) {
            let known: Vec<&str> = s.segments.iter().map(|g| g.id.as_str()).collect();
            c.push(
                format!("{p}.segment"),
                format!("unknown segment id \"{}\"", f.segment),
                &format!("known ids: {}", known.join(", ")),
            );
        } else if seen.contains(&f.segment.as_str()) {
            c.push(
                format!("{p}.segment"),
                format!("segment \"{}\" has a second funnel", f.segment),
                "one funnel per segment; add the leads of both into one",
            );
        } else {
            seen.push(f.segment.as_str());
        }
        c.finite_non_negative(
            &format!("{p}.leads_per_period"),
            f.leads_per_period,
            "leads per period, e.g. 400.0",
        );
        for (name, v) in [
            ("qualification_rate", f.qualification_rate),
            ("conversion_rate", f.conversion_rate),
        ] {
            c.probability_with_hint(
                &format!("{p}.{name}"),
                v,
                "write 0.25 for \"one in four\", not 25",
            );
        }
        for (name, v) in [
            ("cost_per_lead", f.cost_per_lead),
            ("cost_per_win", f.cost_per_win),
        ] {
            c.finite_non_negative(&format!("{p}.{name}"), v, "a cost cannot be negative");
        }
    }
}
