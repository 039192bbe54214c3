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
    #[error("{}", render_invalid(path, problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl LoadError {
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
    if !hint.is_empty() {
        out.push_str(&format!("\n  hint: {hint}"));
    }
    out
}

fn render_invalid(path: &Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}: error: {p}", path.display()));
    }
    out.push_str(&format!(
        "\n{}: {} problem{} found",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ));
    out
}
