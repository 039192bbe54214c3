//! Field paths: where a value sits in a journey file, as validation prints it
//! (`touchpoints[2].quality`), as a user types it (`touchpoints[delivery].quality`, by id) and as
//! the studio, sensitivity and `locate` use it. One typed value instead of strings built by hand
//! and parsed back.

use std::fmt;

use serde::{Serialize, Serializer};

use super::Scenario;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A named field: `.quality`.
    Field(String),
    /// A list element by position: `[2]`.
    Index(usize),
    /// A list element by its id (`[delivery]`), or a map entry by key (`["returns"]`).
    Key(String),
    /// Every element of a list: `[*]`.
    All,
}

/// A path from the scenario's top level to one value (or, with `[*]`, to one value in each
/// element of a list).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FieldPath(Vec<Step>);

/// Why a typed path could not be read or resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  hint: {}", self.message, self.hint)
    }
}

impl FieldPath {
    /// The top level (an empty path).
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path followed by the field `name`.
    pub fn field(mut self, name: &str) -> FieldPath {
        self.0.push(Step::Field(name.to_string()));
        self
    }

    /// This path followed by list element `i`.
    pub fn index(mut self, i: usize) -> FieldPath {
        self.0.push(Step::Index(i));
        self
    }

    /// This path followed by the element with id (or map key) `key`.
    pub fn key(mut self, key: &str) -> FieldPath {
        self.0.push(Step::Key(key.to_string()));
        self
    }

    /// This path followed by every element of a list.
    pub fn all(mut self) -> FieldPath {
        self.0.push(Step::All);
        self
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` is this path or leads to it.
    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Reads `a.b[2].c`, `touchpoints[delivery].quality` (by id), `variants["returns"]` (a map
    /// key) and `segments[*].value_per_period` (every element).
    pub fn parse(text: &str) -> Result<FieldPath, PathError> {
        let bad = |why: &str| PathError {
            message: format!("`{text}` is not a field path: {why}"),
            hint: "write it as validation prints it, e.g. touchpoints[2].quality or \
                   touchpoints[delivery].quality"
                .into(),
        };
        let mut steps = Vec::new();
        let b = text.trim();
        let mut rest = b;
        let mut first = true;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('[') {
                let (inner, after) = if let Some(q) = r.strip_prefix('"') {
                    let close = q
                        .find('"')
                        .ok_or_else(|| bad("a quoted key is not closed"))?;
                    let after = q[close + 1..]
                        .strip_prefix(']')
                        .ok_or_else(|| bad("`]` expected after a quoted key"))?;
                    steps.push(Step::Key(q[..close].to_string()));
                    (None, after)
                } else {
                    let close = r.find(']').ok_or_else(|| bad("`[` is not closed"))?;
                    (Some(r[..close].trim()), &r[close + 1..])
                };
                if let Some(inner) = inner {
                    if inner.is_empty() {
                        return Err(bad("`[]` holds nothing"));
                    } else if inner == "*" {
                        steps.push(Step::All);
                    } else if let Ok(i) = inner.parse::<usize>() {
                        steps.push(Step::Index(i));
                    } else {
                        steps.push(Step::Key(inner.to_string()));
                    }
                }
                rest = after;
            } else {
                let r = if first {
                    rest
                } else {
                    rest.strip_prefix('.')
                        .ok_or_else(|| bad("`.` or `[` expected between steps"))?
                };
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let name = &r[..end];
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(bad("a field name is empty or has characters no field has"));
                }
                steps.push(Step::Field(name.to_string()));
                rest = &r[end..];
            }
            first = false;
        }
        if steps.is_empty() {
            return Err(bad("it is empty"));
        }
        Ok(FieldPath(steps))
    }

    /// The same path with ids of touchpoints, segments and strategies replaced by their
    /// positions (`touchpoints[delivery]` → `touchpoints[2]`), as validation prints paths.
    /// Map keys (`variants["returns"]`) and `[*]` stay.
    pub fn resolve_ids(&self, s: &Scenario) -> Result<FieldPath, PathError> {
        let mut out = Vec::with_capacity(self.0.len());
        for (k, step) in self.0.iter().enumerate() {
            let list = match (k, out.last()) {
                (1, Some(Step::Field(list))) => Some(list.as_str()),
                _ => None,
            };
            match (step, list) {
                (Step::Key(id), Some(list @ ("touchpoints" | "segments" | "strategies"))) => {
                    let ids: Vec<&str> = match list {
                        "touchpoints" => s.touchpoints.iter().map(|t| t.id.as_str()).collect(),
                        "segments" => s.segments.iter().map(|g| g.id.as_str()).collect(),
                        _ => s.strategies.iter().map(|g| g.name.as_str()).collect(),
                    };
                    match ids.iter().position(|x| x == id) {
                        Some(i) => out.push(Step::Index(i)),
                        None => {
                            return Err(PathError {
                                message: format!("{list} has no element \"{id}\""),
                                hint: format!("known: {}", ids.join(", ")),
                            });
                        }
                    }
                }
                _ => out.push(step.clone()),
            }
        }
        Ok(FieldPath(out))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if k == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Key(key)
                    if key
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
                {
                    write!(f, "[{key}]")?
                }
                Step::Key(key) => write!(f, "[\"{key}\"]")?,
                Step::All => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Written as its text, so JSON shows the path validation prints.
impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_validation_writes_them_and_read_back() {
        let p = FieldPath::root()
            .field("touchpoints")
            .index(2)
            .field("quality");
        assert_eq!(p.to_string(), "touchpoints[2].quality");
        for text in [
            "touchpoints[2].quality",
            "segments[*].value_per_period",
            "touchpoints[delivery].quality",
            "strategies[0].variants[\"returns desk\"]",
            "churn.protection.satisfied",
            "discount_rate",
            "a[1][0].b",
        ] {
            let p = FieldPath::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.to_string(), text);
        }
        assert_eq!(
            FieldPath::parse("touchpoints[delivery]").map(|p| p.steps().to_vec()),
            Ok(vec![
                Step::Field("touchpoints".into()),
                Step::Key("delivery".into())
            ])
        );
    }

    #[test]
    fn malformed_paths_are_refused_with_a_hint() {
        for text in [
            "", "a..b", "a[", "a[]", "a[\"x]", "a]b", ".a", "a b", "a[1]b",
        ] {
            let e = FieldPath::parse(text).expect_err(text);
            assert!(e.message.contains("is not a field path"), "{text}: {e}");
            assert!(!e.hint.is_empty());
        }
    }
}
