//! Command-line spellings of the library's choice types. The library knows no clap: its enums
//! get their `ValueEnum` here, at the edge, from one list per type.

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::analysis::optimize::Objective;
use crate::report::AnalysisFormat;
use crate::report::Format;
use crate::results::Metric;

/// `impl ValueEnum for T` from its variants, each with its command-line name and help.
macro_rules! value_enum {
    ($t:ty { $($v:expr => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($v),+]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                $(if *self == $v {
                    return Some(PossibleValue::new($name)$(.help($help))?);
                })+
                None
            }
        }
    };
}

value_enum!(Format {
    Format::Table => "table",
    Format::Json => "json",
    Format::Csv => "csv",
    Format::Md => "md": "A Markdown report with charts as inline SVG (docs/analysis.md)",
    Format::Html => "html": "A standalone HTML report with charts as inline SVG",
});

value_enum!(AnalysisFormat {
    AnalysisFormat::Table => "table",
    AnalysisFormat::Json => "json",
    AnalysisFormat::Csv => "csv",
    AnalysisFormat::Md => "md": "A Markdown report with the charts as inline SVG",
    AnalysisFormat::Html => "html": "A standalone HTML page with the charts as inline SVG",
});

value_enum!(Objective {
    Objective::Npv => "npv",
    Objective::Revenue => "revenue",
    Objective::Retention => "retention",
    Objective::Clv => "clv",
});

impl ValueEnum for Metric {
    fn value_variants<'a>() -> &'a [Self] {
        &Metric::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.label()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command-line names are the library's names, so JSON, baselines and flags agree.
    #[test]
    fn every_metric_is_spelt_as_the_library_names_it() {
        for m in Metric::ALL {
            let v = m.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(v.as_deref(), Some(m.name()));
        }
        for o in Objective::value_variants() {
            let v = o.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(v.as_deref(), Some(o.metric().name()));
        }
        assert_eq!(Format::value_variants().len(), 5);
        assert_eq!(AnalysisFormat::value_variants().len(), 5);
    }
}
