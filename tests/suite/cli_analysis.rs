//! The analysis commands as a script sees them: exit codes, formats, errors.

use crate::common::cli::cxsim;

const DOMINANT: &str = "tests/fixtures/analysis/dominant.ron";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = cxsim().args(args).output().expect("cxsim runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

#[test]
fn compare_json_and_thread_independence() {
    let args = [
        "compare",
        DOMINANT,
        "--baseline",
        "balanced",
        "-n",
        "6000",
        "-f",
        "json",
    ];
    let (code, one, err) = {
        let out = cxsim()
            .args(args)
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("UTF-8"),
            String::from_utf8(out.stderr).expect("UTF-8"),
        )
    };
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&one).expect("valid JSON");
    assert_eq!(v["schema"], "cxsim.compare/1");
    let two = cxsim()
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("runs");
    assert_eq!(one.as_bytes(), &two.stdout[..]);
}

#[test]
fn compare_table_marks_significance() {
    let (code, out, err) = run(&[
        "compare",
        DOMINANT,
        "--strategies",
        "balanced,exception-only",
        "-n",
        "20000",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("exception-only vs balanced"), "{out}");
    let npv = out
        .lines()
        .find(|l| l.trim_start().starts_with("NPV per customer"))
        .unwrap_or_else(|| panic!("no NPV row in\n{out}"));
    assert!(npv.contains(" * "), "{npv}");
}

#[test]
fn compare_usage_errors() {
    let (code, _, err) = run(&["compare", DOMINANT, "--baseline", "nope"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown strategy \"nope\""), "{err}");
    let (code, _, err) = run(&["compare", DOMINANT, "--strategies", "balanced"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nothing to compare"), "{err}");
    let (code, _, _) = run(&["compare", "tests/fixtures/invalid/quality-nan.ron"]);
    assert_eq!(code, Some(3));
    let (code, _, _) = run(&["compare", "no/such/file.ron"]);
    assert_eq!(code, Some(4));
}
