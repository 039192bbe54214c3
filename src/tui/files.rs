//! Saving, backups, comments detection, change detection and the recovery file.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::format::Scenario;
use crate::format::parse::{parse_scenario, read_text, to_canonical_ron};

/// The file's modification time, if it exists.
pub fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `FILE` + suffix, e.g. `journey.ron.bak`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether RON text contains a comment (`//` or `/*` outside string literals).
pub fn has_comments(text: &str) -> bool {
    let mut in_str = false;
    let mut escaped = false;
    let mut prev = '\0';
    for ch in text.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_str = false;
            }
        } else if ch == '"' {
            in_str = true;
        } else if prev == '/' && (ch == '/' || ch == '*') {
            return true;
        }
        prev = if in_str { '\0' } else { ch };
    }
    false
}

/// Reads a scenario for editing: parsed but not validated (problems are shown in the app).
/// Returns the scenario and whether the text had comments.
pub fn read(path: &Path) -> Result<(Scenario, bool), String> {
    let text = read_text(path).map_err(|e| e.to_string())?;
    let s = parse_scenario(path, &text).map_err(|e| e.to_string())?;
    Ok((s, has_comments(&text)))
}

/// Saves canonical RON atomically, keeping one `FILE.bak` copy of the previous file (itself
/// written atomically: a crash mid-copy must not leave a truncated backup). A symlinked journey
/// stays a symlink: its target is replaced.
pub fn save(path: &Path, scenario: &Scenario) -> std::io::Result<()> {
    if path.exists() {
        crate::fsutil::copy_atomic(path, &with_suffix(path, ".bak"))?;
    }
    crate::fsutil::write_atomic(path, to_canonical_ron(scenario).as_bytes())
}

/// How old a leftover temporary file must be before start-up removes it: a save takes far less,
/// so anything older was interrupted (a crash, a power cut, `kill -9`).
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporary files interrupted saves left next to the journey (and next to its
/// target, when it is a symlink); only ours ([`crate::fsutil::TEMP_PREFIX`]) and only stale ones.
pub fn remove_stale_temps(path: &Path) -> usize {
    let dir_of = |p: &Path| match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut dirs = vec![dir_of(path)];
    if let Ok(target) = std::fs::canonicalize(path) {
        let d = dir_of(&target);
        if std::fs::canonicalize(&dirs[0]).ok().as_ref() != Some(&d) {
            dirs.push(d);
        }
    }
    dirs.iter()
        .map(|d| crate::fsutil::remove_stale_temps(d, STALE_TEMP_AGE))
        .sum()
}

/// Where unsaved work goes on SIGTERM/SIGHUP: next to the file, or in the temp dir for the
/// built-in example.
pub fn recovery_path(path: Option<&Path>) -> PathBuf {
    match path {
        Some(p) => with_suffix(p, ".recovery.ron"),
        None => std::env::temp_dir().join("cxsim-builtin.recovery.ron"),
    }
}

pub fn write_recovery(path: &Path, scenario: &Scenario) -> std::io::Result<()> {
    crate::fsutil::write_atomic(path, to_canonical_ron(scenario).as_bytes())
}

pub fn read_recovery(path: &Path) -> Option<Scenario> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_scenario(path, &text).ok()
}

pub fn remove_recovery(path: Option<&Path>) {
    let p = recovery_path(path);
    if p.exists() {
        let _ = std::fs::remove_file(p);
    }
}

/// A starting scenario for a new file: the built-in example renamed.
pub fn template(path: &Path) -> String {
    let name = path.file_stem().map_or("New journey".to_string(), |s| {
        s.to_string_lossy().into_owned()
    });
    match parse_scenario(
        Path::new(crate::BUILTIN_EXAMPLE_NAME),
        crate::BUILTIN_EXAMPLE,
    ) {
        Ok(mut s) => {
            s.name = name;
            s.description = "A new journey map, started from the built-in example.".into();
            s.notes = "Notes live here: comments are not kept when the studio saves.".into();
            to_canonical_ron(&s)
        }
        Err(_) => crate::BUILTIN_EXAMPLE.to_string(),
    }
}
