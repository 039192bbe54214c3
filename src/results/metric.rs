//! The one metric vocabulary: every per-customer figure a command can compare, optimise,
//! expect, diff or explain, with its name (command line, JSON, baselines), its label for
//! people and its direction. The engine stores these figures in accumulator slots; `slot`
//! is the only link between the two.

use serde::de::{self, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::engine::{
    M_CLV, M_COST, M_ESCALATIONS, M_INCIDENTS, M_LIFETIME, M_NPV, M_RETAINED, M_REVENUE,
};

/// A per-customer metric. Written in lower case (`"npv"`) in JSON; expectation files write
/// it as a RON identifier (`Npv`); both are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Net present value per initial customer (CLV minus discounted programme spend).
    Npv,
    /// Customer lifetime value: discounted revenue minus discounted service cost.
    Clv,
    /// Undiscounted revenue per initial customer.
    Revenue,
    /// Share of customers still active at the end of the horizon.
    Retention,
    /// Undiscounted service cost per initial customer.
    Cost,
    /// Active periods per initial customer.
    Lifetime,
    Incidents,
    Escalations,
}

impl Metric {
    /// Every metric, in the order analyses list them.
    pub const ALL: [Metric; 8] = [
        Metric::Npv,
        Metric::Clv,
        Metric::Revenue,
        Metric::Retention,
        Metric::Cost,
        Metric::Lifetime,
        Metric::Incidents,
        Metric::Escalations,
    ];

    /// The metrics a `Metric`/`Beats` expectation names and a baseline records, in baseline
    /// order (retention has expectations of its own, per period).
    pub const PER_CUSTOMER: [Metric; 7] = [
        Metric::Revenue,
        Metric::Npv,
        Metric::Clv,
        Metric::Cost,
        Metric::Incidents,
        Metric::Escalations,
        Metric::Lifetime,
    ];

    /// The headline metrics `cxsim diff` reports, in its order.
    pub const HEADLINE: [Metric; 5] = [
        Metric::Npv,
        Metric::Revenue,
        Metric::Clv,
        Metric::Cost,
        Metric::Lifetime,
    ];

    /// The engine's accumulator slot holding this metric's per-customer sums.
    pub fn slot(self) -> usize {
        match self {
            Metric::Npv => M_NPV,
            Metric::Clv => M_CLV,
            Metric::Revenue => M_REVENUE,
            Metric::Retention => M_RETAINED,
            Metric::Cost => M_COST,
            Metric::Lifetime => M_LIFETIME,
            Metric::Incidents => M_INCIDENTS,
            Metric::Escalations => M_ESCALATIONS,
        }
    }

    /// The name used on the command line, in JSON and in baseline files.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Npv => "npv",
            Metric::Clv => "clv",
            Metric::Revenue => "revenue",
            Metric::Retention => "retention",
            Metric::Cost => "cost",
            Metric::Lifetime => "lifetime",
            Metric::Incidents => "incidents",
            Metric::Escalations => "escalations",
        }
    }

    /// The metric with this name (`name`), if any.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The name as a RON identifier in expectation files (`Npv`).
    pub fn ident(self) -> &'static str {
        match self {
            Metric::Npv => "Npv",
            Metric::Clv => "Clv",
            Metric::Revenue => "Revenue",
            Metric::Retention => "Retention",
            Metric::Cost => "Cost",
            Metric::Lifetime => "Lifetime",
            Metric::Incidents => "Incidents",
            Metric::Escalations => "Escalations",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Npv => "NPV per customer",
            Metric::Clv => "CLV per customer",
            Metric::Revenue => "revenue per customer",
            Metric::Retention => "retention at horizon",
            Metric::Cost => "service cost per customer",
            Metric::Lifetime => "active periods per customer",
            Metric::Incidents => "incidents per customer",
            Metric::Escalations => "escalations per customer",
        }
    }

    /// Whether a larger value is better (cost, incidents and escalations are better smaller).
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Metric::Cost | Metric::Incidents | Metric::Escalations)
    }

    /// Retention is a proportion and is shown in percent.
    pub fn is_share(self) -> bool {
        self == Metric::Retention
    }
}

/// The identifiers an expectation file may write, in the order messages list them.
const IDENTS: [&str; 8] = [
    "Revenue",
    "Npv",
    "Clv",
    "Cost",
    "Incidents",
    "Escalations",
    "Lifetime",
    "Retention",
];

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A variant's name, read as an identifier (RON writes `Npv` bare, JSON writes `"npv"`).
struct Ident(String);

impl<'de> Deserialize<'de> for Ident {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ident, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ident;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a metric name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ident, E> {
                Ok(Ident(v.to_string()))
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metric;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a metric")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Metric, E> {
                Metric::ALL
                    .into_iter()
                    .find(|m| m.ident() == v || m.name() == v)
                    .ok_or_else(|| E::unknown_variant(v, &IDENTS))
            }
            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Metric, A::Error> {
                let (name, variant): (Ident, _) = data.variant()?;
                variant.unit_variant()?;
                self.visit_str(&name.0)
            }
        }
        d.deserialize_enum("Metric", &IDENTS, V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_slots_are_distinct() {
        let mut slots = std::collections::HashSet::new();
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert!(slots.insert(m.slot()), "{m:?} shares a slot");
            let json = serde_json::to_string(&m).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", m.name()));
            let back: Result<Metric, _> = serde_json::from_str(&json);
            assert_eq!(back.ok(), Some(m));
            let ron_form: Result<Metric, _> = ron::from_str(m.ident());
            assert_eq!(ron_form.as_ref().ok(), Some(&m), "{ron_form:?}");
        }
        for m in Metric::PER_CUSTOMER.iter().chain(&Metric::HEADLINE) {
            assert!(Metric::ALL.contains(m));
        }
    }
}
