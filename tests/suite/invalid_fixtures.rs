//! The catalogue of malformed scenarios: `cxsim validate` must reject each file in
//! tests/fixtures/invalid/ with exit code 3 and exactly the stderr text of its `.expected` file,
//! and accept each file in tests/fixtures/valid/ with exactly the stdout of its `.expected`.
//!
//! Every fixture is benchmark-triad.ron with one defect, described in its first line. To add a
//! case, drop `NAME.ron` beside the others and run
//!
//!     CXSIM_BLESS=1 cargo test --release --test suite invalid_fixtures
//!
//! which writes `NAME.expected` from the current output; then read it as a user would.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

const INVALID_DIR: &str = "tests/fixtures/invalid";
const VALID_DIR: &str = "tests/fixtures/valid";
const EXIT_INVALID: i32 = 3;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("CXSIM_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// The `.ron` fixtures of a directory (relative to the crate root), sorted.
fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| Path::new(dir).join(p.file_name().expect("file name")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dir}");
    files
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `cxsim validate REL_PATH` from the crate root, so messages carry the relative path.
fn validate(rel: &Path) -> Outcome {
    let out = Command::cargo_bin("cxsim")
        .expect("the cxsim binary is built")
        .current_dir(root())
        .arg("validate")
        .arg(rel)
        // Deeply nested input must fail fast; a hang or stack overflow is a bug.
        .timeout(Duration::from_secs(30))
        .output()
        .expect("cxsim runs");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expected_path(rel: &Path) -> PathBuf {
    rel.with_extension("expected")
}

/// Compares `actual` with the fixture's `.expected` file (or writes it when blessing);
/// returns a description of the mismatch.
fn check_expected(rel: &Path, actual: &str) -> Option<String> {
    let exp_rel = expected_path(rel);
    let exp_abs = root().join(&exp_rel);
    if blessing() {
        fs::write(&exp_abs, actual).unwrap_or_else(|e| panic!("cannot write {exp_rel:?}: {e}"));
        return None;
    }
    match fs::read_to_string(&exp_abs) {
        Err(e) => Some(format!(
            "{}: missing or unreadable {} ({e}).\n  To create it from the current output, run\n    \
             CXSIM_BLESS=1 cargo test --release --test suite invalid_fixtures\n  then review the file.\n  \
             Current output:\n{}",
            rel.display(),
            exp_rel.display(),
            indent(actual)
        )),
        Ok(expected) if expected != actual => Some(format!(
            "{}: output differs from {}\n{}",
            rel.display(),
            exp_rel.display(),
            diff(&expected, actual)
        )),
        Ok(_) => None,
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    | {l}\n")).collect()
}

/// A line-by-line comparison that marks the first differing line.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("      {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("    - {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("    + {y}\n"));
                }
            }
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("    (the final newline differs)\n");
    }
    out.push_str("  (- expected, + actual; CXSIM_BLESS=1 rewrites the .expected files)\n");
    out
}

/// Structural rules every rejection message follows, whatever its wording: each error says
/// where (file:line:col for syntax, a field path for meaning) and carries a hint.
fn check_shape(rel: &Path, stderr: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let file = rel.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    let error_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" error: ") || lines[i].contains(": error: "))
        .collect();
    if error_lines.is_empty() {
        problems.push(format!("{file}: stderr has no `error:` line"));
    }
    for &i in &error_lines {
        let line = lines[i];
        let Some(rest) = line.strip_prefix(&file) else {
            problems.push(format!(
                "{file}: error line does not start with the path: {line}"
            ));
            continue;
        };
        let located = if let Some(r) = rest.strip_prefix(": error: ") {
            // Semantic: `path: error: field.path[0].x: message`.
            r.split_once(": ").is_some_and(|(fp, msg)| {
                !fp.is_empty() && !fp.contains(' ') && !msg.trim().is_empty()
            })
        } else {
            // Syntax: `path:LINE:COL: error: message`.
            let mut parts = rest.splitn(4, ':');
            parts.next() == Some("")
                && parts
                    .next()
                    .is_some_and(|l| l.parse::<usize>().is_ok_and(|n| n > 0))
                && parts
                    .next()
                    .is_some_and(|c| c.parse::<usize>().is_ok_and(|n| n > 0))
                && parts
                    .next()
                    .is_some_and(|m| m.starts_with(" error: ") && m.len() > " error: ".len())
        };
        if !located {
            problems.push(format!("{file}: error is not located: {line}"));
        }
        let next_error = error_lines
            .iter()
            .copied()
            .find(|&j| j > i)
            .unwrap_or(lines.len());
        let has_hint = lines[i + 1..next_error]
            .iter()
            .any(|l| l.starts_with("  hint: ") && l.len() > "  hint: ".len());
        if !has_hint {
            problems.push(format!("{file}: error has no hint: {line}"));
        }
    }
    problems
}

#[test]
fn invalid_fixtures_are_rejected_with_the_expected_messages() {
    let mut failures = Vec::new();
    for rel in fixtures(INVALID_DIR) {
        let out = validate(&rel);
        if out.code != Some(EXIT_INVALID) {
            failures.push(format!(
                "{}: exit code {:?}, expected {EXIT_INVALID}\n  stderr:\n{}",
                rel.display(),
                out.code,
                indent(&out.stderr)
            ));
        }
        if !out.stdout.is_empty() {
            failures.push(format!(
                "{}: stdout must be empty for an invalid file, got:\n{}",
                rel.display(),
                indent(&out.stdout)
            ));
        }
        failures.extend(check_shape(&rel, &out.stderr));
        failures.extend(check_expected(&rel, &out.stderr));
    }
    assert!(
        failures.is_empty(),
        "{} fixture problem(s):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_fixtures_are_accepted() {
    let mut failures = Vec::new();
    for rel in fixtures(VALID_DIR) {
        let out = validate(&rel);
        if out.code != Some(0) || !out.stderr.is_empty() {
            failures.push(format!(
                "{}: exit code {:?}, expected 0 with empty stderr; stderr:\n{}",
                rel.display(),
                out.code,
                indent(&out.stderr)
            ));
        }
        if !out.stdout.starts_with(&format!("{}: ok", rel.display())) {
            failures.push(format!(
                "{}: stdout does not say ok:\n{}",
                rel.display(),
                indent(&out.stdout)
            ));
        }
        failures.extend(check_expected(&rel, &out.stdout));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `.expected` belongs to a fixture: a renamed or deleted `.ron` must not leave a
/// stale expectation that silently checks nothing.
#[test]
fn no_orphan_expected_files() {
    let mut orphans = Vec::new();
    for dir in [INVALID_DIR, VALID_DIR] {
        for entry in fs::read_dir(root().join(dir)).expect("fixture directory") {
            let p = entry.expect("directory entry").path();
            if p.extension().is_some_and(|e| e == "expected") && !p.with_extension("ron").exists() {
                orphans.push(p.display().to_string());
            }
        }
    }
    assert!(
        orphans.is_empty(),
        ".expected files without a .ron fixture (delete them or restore the fixture): {orphans:?}"
    );
}

/// The catalogue covers at least these defects; a fixture cannot disappear unnoticed.
#[test]
fn catalogue_covers_the_required_defects() {
    let required = [
        "syntax-missing-comma",
        "truncated-file",
        "unclosed-paren",
        "empty-file",
        "unknown-field-typo",
        "missing-required-field",
        "unknown-enum-variant",
        "wrong-type-horizon-float",
        "wrong-type-horizon-string",
        "integer-overflow",
        "quality-nan",
        "quality-inf",
        "quality-above-one",
        "probability-negative",
        "negative-cost",
        "shift-up-above-one",
        "duplicate-touchpoint-id",
        "duplicate-segment-id",
        "after-dangling",
        "after-self",
        "after-cycle",
        "on-incident-without-opener",
        "on-incident-opens-incident",
        "shares-not-summing-to-one",
        "emphasis-not-summing-to-one",
        "empty-touchpoints",
        "zero-horizon",
        "horizon-above-maximum",
        "no-strategies",
        "duplicate-strategy-names",
        "negative-protection-weight",
        "invalid-utf8",
        "several-problems",
        "deeply-nested-brackets",
        "deeply-nested-in-field",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|name| {
            !root()
                .join(INVALID_DIR)
                .join(format!("{name}.ron"))
                .exists()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "missing fixtures in {INVALID_DIR}: {missing:?}"
    );
    assert!(
        root().join(VALID_DIR).join("bom.ron").exists(),
        "missing {VALID_DIR}/bom.ron"
    );
}

/// The file with several defects reports all of them in one run, not just the first.
#[test]
fn several_problems_are_all_reported_at_once() {
    let rel = Path::new(INVALID_DIR).join("several-problems.ron");
    let out = validate(&rel);
    let errors = out.stderr.matches(": error: ").count();
    assert_eq!(errors, 7, "expected 7 problems:\n{}", out.stderr);
    assert!(
        out.stderr.trim_end().ends_with("7 problems found"),
        "{}",
        out.stderr
    );
}
