//! RON text → `Scenario` → `Model`, with located errors; and `Scenario` → canonical RON text.

use std::path::Path;

use ron::error::Error as RonError;

use crate::error::LoadError;
use crate::model::{Model, validate};
use crate::scenario::Scenario;

/// Nesting deeper than this is refused as a parse error instead of risking the stack.
const RECURSION_LIMIT: usize = 64;

/// Parses RON text into a scenario. `path` is only used in messages.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    // Editors on Windows often write a byte-order mark; it carries no meaning, so skip it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = ron::Options::default().with_recursion_limit(RECURSION_LIMIT);
    options
        .from_str::<Scenario>(text)
        .map_err(|e| parse_error(path, text, e))
}

/// Parses and validates RON text.
pub fn load_str(path: &Path, text: &str) -> Result<Model, LoadError> {
    let scenario = parse_scenario(path, text)?;
    validate(scenario).map_err(|problems| LoadError::Invalid {
        path: path.to_path_buf(),
        problems,
    })
}

/// Reads, parses and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Model, LoadError> {
    let text = read_text(path)?;
    load_str(path, &text)
}

/// Reads a file as UTF-8 text, with the file name in any error.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(LoadError::Parse {
                path: path.to_path_buf(),
                line,
                col,
                message: "the file is not valid UTF-8 text".into(),
                hint: "save the file as UTF-8".into(),
                snippet: String::new(),
            })
        }
    }
}

/// The canonical text of a scenario: what the TUI saves. Comments are not preserved.
pub fn to_canonical_ron(scenario: &Scenario) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .indentor("    ")
        .new_line("\n");
    match ron::ser::to_string_pretty(scenario, config) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serialising plain structs of strings and numbers cannot fail; keep a visible trace if
        // a future field type makes it possible.
        Err(e) => format!("// cxsim could not serialise this scenario: {e}\n"),
    }
}

fn parse_error(path: &Path, text: &str, e: ron::error::SpannedError) -> LoadError {
    let line = e.span.start.line.max(1);
    let col = e.span.start.col.max(1);
    let snippet = text
        .lines()
        .nth(line - 1)
        .unwrap_or("")
        .trim_end()
        .to_string();
    let snippet = if snippet.chars().count() > 200 {
        String::new()
    } else {
        snippet
    };
    LoadError::Parse {
        path: path.to_path_buf(),
        line,
        col,
        message: describe(&e.code),
        hint: hint_for(&e.code),
        snippet,
    }
}

fn describe(code: &RonError) -> String {
    match code {
        RonError::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}; expected one of: {}",
            outer
                .as_deref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        RonError::MissingStructField { field, outer } => format!(
            "missing field `{field}`{}",
            outer
                .as_deref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default()
        ),
        RonError::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}; expected one of: {}",
            outer
                .as_deref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        other => other.to_string(),
    }
}

fn hint_for(code: &RonError) -> String {
    let h = match code {
        RonError::NoSuchStructField { .. } => {
            "check the spelling; every field is listed in docs/format.md"
        }
        RonError::MissingStructField { .. } => "add the field; docs/format.md lists what it means",
        RonError::DuplicateStructField { .. } => "a field may appear once; remove the repeat",
        RonError::NoSuchEnumVariant { .. } => "use one of the listed names, spelled exactly",
        RonError::ExpectedComma => "separate fields and list items with commas",
        RonError::Eof => "the file ends too early: check for a missing `)` or `]`",
        RonError::TrailingCharacters => "there is text after the closing `)` of the scenario",
        RonError::ExpectedFloat | RonError::ExpectedInteger => {
            "write a plain number such as 0.9 or 36"
        }
        RonError::ExpectedString | RonError::ExpectedStringEnd => {
            "write text in double quotes, e.g. \"Delivery\""
        }
        RonError::IntegerOutOfBounds => "the number is too large for this field",
        RonError::UnclosedBlockComment => "close the comment with */",
        RonError::ExceededRecursionLimit => "the file nests far deeper than any scenario needs",
        RonError::InvalidValueForType { .. } => {
            "check the field's type in docs/format.md (e.g. horizon is a whole number)"
        }
        _ => "see docs/format.md for the syntax of each field",
    };
    h.to_string()
}
