//! Reading a journey: RON text → `Scenario` (format) → validated `Model`.

use std::path::Path;

use super::{Model, validate};
use crate::format::error::LoadError;
use crate::format::parse::{parse_scenario, read_text};

/// Parses and validates RON text.
pub fn load_str(path: &Path, text: &str) -> Result<Model, LoadError> {
    let scenario = parse_scenario(path, text)?;
    validate(scenario).map_err(|problems| LoadError::invalid(path, text, problems))
}

/// Reads, parses and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Model, LoadError> {
    let text = read_text(path)?;
    load_str(path, &text)
}
