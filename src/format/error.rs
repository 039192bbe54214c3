//! Errors of loading a journey file, located for the person who has to fix them.

use std::fmt;
use std::path::{Path, PathBuf};

/// One semantic problem in a scenario: where (field path), what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Why a scenario file could not become a model.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: error: cannot read file: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_parse(path, *line, *col, message, hint, snippet))]
    Parse {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
        hint: String,
        /// The offending source line, for the caret display.
        snippet: String,
    },
    #[error("{}", render_invalid(path, problems, places))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
        /// Where each problem's field is written in the file, when it could be found
        /// (`crate::format::locate`); same order as `problems`.
        places: Vec<Option<Place>>,
    },
}

/// A place in a scenario file: 1-based line and column, and the text of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub col: usize,
    pub snippet: String,
}

impl Place {
    /// Where `field_path` (or the nearest enclosing item written in the file) is in `text`.
    pub fn of_field(text: &str, field_path: &str) -> Option<Place> {
        let (line, col) = crate::format::locate::locate_nearest(text, field_path)?;
        let snippet = text
            .lines()
            .nth(line - 1)
            .unwrap_or("")
            .trim_end()
            .to_string();
        Some(Place { line, col, snippet })
    }
}

impl LoadError {
    /// The problems of a scenario that parsed but is not valid, placed in `text`.
    pub fn invalid(path: &Path, text: &str, problems: Vec<Problem>) -> LoadError {
        let places = problems
            .iter()
            .map(|p| Place::of_field(text, &p.path))
            .collect();
        LoadError::Invalid {
            path: path.to_path_buf(),
            problems,
            places,
        }
    }

    /// The line of the first problem, 1 when unknown (for CI annotations).
    pub fn line(&self) -> usize {
        match self {
            LoadError::Parse { line, .. } => *line,
            LoadError::Invalid { places, .. } => {
                places.iter().flatten().next().map_or(1, |p| p.line)
            }
            LoadError::Io { .. } => 1,
        }
    }

    /// Every problem as (location, message, hint), for views that list them (the TUI).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            LoadError::Io { source, .. } => vec![Problem {
                path: String::new(),
                message: source.to_string(),
                hint: String::new(),
            }],
            LoadError::Parse {
                line,
                col,
                message,
                hint,
                ..
            } => vec![Problem {
                path: format!("{line}:{col}"),
                message: message.clone(),
                hint: hint.clone(),
            }],
            LoadError::Invalid { problems, .. } => problems.clone(),
        }
    }

    pub fn is_io(&self) -> bool {
        matches!(self, LoadError::Io { .. })
    }
}

fn render_parse(
    path: &Path,
    line: usize,
    col: usize,
    message: &str,
    hint: &str,
    snippet: &str,
) -> String {
    let mut out = format!("{}:{line}:{col}: error: {message}", path.display());
    push_snippet(&mut out, line, col, snippet);
    if !hint.is_empty() {
        out.push_str(&format!("\n  hint: {hint}"));
    }
    out
}

/// The source line with a caret under column `col`, as compilers show it.
fn push_snippet(out: &mut String, line: usize, col: usize, snippet: &str) {
    if !snippet.is_empty() {
        let gutter = line.to_string().len();
        let caret_pad: String = snippet
            .chars()
            .take(col.saturating_sub(1))
            .map(|ch| if ch == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!(
            "\n{:gutter$} |\n{line} | {snippet}\n{:gutter$} | {caret_pad}^",
            "", ""
        ));
    }
}

fn render_invalid(path: &Path, problems: &[Problem], places: &[Option<Place>]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match places.get(i).and_then(Option::as_ref) {
            Some(at) => {
                out.push_str(&format!(
                    "{}:{}:{}: error: {}: {}",
                    path.display(),
                    at.line,
                    at.col,
                    p.path,
                    p.message
                ));
                push_snippet(&mut out, at.line, at.col, &at.snippet);
                if !p.hint.is_empty() {
                    out.push_str(&format!("\n  hint: {}", p.hint));
                }
            }
            None => out.push_str(&format!("{}: error: {p}", path.display())),
        }
    }
    out.push_str(&format!(
        "\n{}: {} problem{} found",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ));
    out
}
