//! Validation of the segments' `accounts` blocks (called from `model::validate`).

use crate::format::Scenario;
use crate::format::accounts::{Health, MAX_CONTACTS};
use crate::model::Checker;

/// Every problem of the `accounts` blocks, with field paths and hints.
pub fn validate(s: &Scenario, c: &mut Checker) {
    for (i, seg) in s.segments.iter().enumerate() {
        let Some(a) = &seg.accounts else {
            continue;
        };
        let p = format!("segments[{i}].accounts");
        if crate::format::org::has_features(s) {
            c.push(
                p.clone(),
                "accounts cannot be combined with the organisation features (organisation, \
                 recovery, feedback, variants) yet"
                    .into(),
                "model the accounts in a copy of the scenario without the organisation, or \
                 remove the accounts block",
            );
        }
        // With acquisition the open population counts accounts (docs/model.md §12); a segment
        // of plain customers would add customers to accounts in one count.
        if s.acquisition.is_some()
            && let Some(plain) = s.segments.iter().find(|g| g.accounts.is_none())
        {
            c.push(
                p.clone(),
                format!(
                    "with an acquisition section, every segment has accounts or none does (segment \"{}\" has plain customers)",
                    plain.id
                ),
                "the open population would add customers to accounts; give that segment an accounts block, or remove this one",
            );
        }
        if s.advocacy.is_some() {
            c.push(
                p.clone(),
                "accounts cannot be combined with the advocacy section yet".into(),
                "escalations are tracked per customer, not per account; remove one of the two",
            );
        }
        if a.contacts.is_empty() {
            c.push(
                format!("{p}.contacts"),
                "an account without contacts".into(),
                "add at least one role, e.g. (role: \"decision maker\", count: 1, weight: 1.0)",
            );
        }
        let mut total: u64 = 0;
        let mut weight_sum = 0.0;
        let mut seen: Vec<&str> = Vec::new();
        for (k, role) in a.contacts.iter().enumerate() {
            let q = format!("{p}.contacts[{k}]");
            if role.role.trim().is_empty() {
                c.push(
                    format!("{q}.role"),
                    "role name is empty".into(),
                    "name it as the account would, e.g. \"decision maker\"",
                );
            } else if seen.contains(&role.role.as_str()) {
                c.push(
                    format!("{q}.role"),
                    format!("duplicate role \"{}\"", role.role),
                    "each role appears once; raise its count instead",
                );
            }
            seen.push(role.role.as_str());
            if role.count == 0 {
                c.push(
                    format!("{q}.count"),
                    "a role with count 0 contributes no contact".into(),
                    "use count ≥ 1, or remove the role",
                );
            }
            total += u64::from(role.count);
            c.probability_with_hint(
                &format!("{q}.probability"),
                role.probability,
                "the chance that each of the role's contacts is present, e.g. 0.8",
            );
            if !(role.weight.is_finite() && role.weight >= 0.0) {
                c.push(
                    format!("{q}.weight"),
                    format!("expected a weight ≥ 0, found {}", role.weight),
                    "a role's weight in the account's health; 0 = its contacts do not count",
                );
            } else {
                weight_sum += role.weight;
            }
            for (j, id) in role.meets.iter().flatten().enumerate() {
                let meets = role.meets.iter().flatten();
                if let Some(first) = meets.take(j).position(|earlier| earlier == id) {
                    c.push(
                        format!("{q}.meets[{j}]"),
                        format!("touchpoint \"{id}\" is listed twice (first at meets[{first}])"),
                        "list each touchpoint a role meets once",
                    );
                } else if !s.touchpoints.iter().any(|t| &t.id == id) {
                    let known: Vec<&str> = s.touchpoints.iter().map(|t| t.id.as_str()).collect();
                    c.push(
                        format!("{q}.meets[{j}]"),
                        format!("unknown touchpoint id \"{id}\""),
                        &format!("known touchpoints: {}", known.join(", ")),
                    );
                }
            }
            if let Some(init) = role.initial {
                for (name, v) in [
                    ("satisfied", init.satisfied),
                    ("pleased", init.pleased),
                    ("loyal", init.loyal),
                ] {
                    c.probability_with_hint(
                        &format!("{q}.initial.{name}"),
                        v,
                        "a triad state is a level between 0 and 1",
                    );
                }
            }
        }
        if !a.contacts.is_empty()
            && a.contacts.iter().all(|r| r.weight.is_finite())
            && weight_sum <= 0.0
            && a.contacts.iter().all(|r| r.weight >= 0.0)
        {
            c.push(
                format!("{p}.contacts"),
                "every contact weight is 0: the account's health would be undefined".into(),
                "give at least one role a positive weight, e.g. weight: 1.0",
            );
        }
        if total > u64::from(MAX_CONTACTS) {
            c.push(
                format!("{p}.contacts"),
                format!("{total} contacts per account exceed the maximum of {MAX_CONTACTS}"),
                "model the roles that raise issues and decide renewals; many similar users \
                 can share one role with a higher weight",
            );
        }
        if let Health::Mix(l) = a.health
            && !(l.is_finite() && (0.0..=1.0).contains(&l))
        {
            c.push(
                format!("{p}.health"),
                format!("expected λ between 0 and 1 in Mix(λ), found {l}"),
                "Mix(0.0) is Mean, Mix(1.0) is Weakest; Mix(0.5) weighs them equally",
            );
        }
        if a.renewal_every == 0 {
            c.push(
                format!("{p}.renewal_every"),
                "renewal every 0 periods".into(),
                "use 1 to let accounts leave in any period, or e.g. 4 for yearly renewals in quarters",
            );
        }
    }
}
