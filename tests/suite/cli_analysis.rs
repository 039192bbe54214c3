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

/// `compare --segment ID` compares over that segment's customers, paired, and says so; its
/// numbers are the library's per-segment paired differences of the same run; an unknown id is
/// a usage error listing the segments.
#[test]
fn compare_over_one_segment() {
    let file = "scenarios/retail-bank.ron";
    let (code, out, err) = run(&[
        "compare",
        file,
        "--segment",
        "affluent",
        "-n",
        "6000",
        "-f",
        "json",
        "-q",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["segment"], "affluent");
    let m = cxsim::model::load::load_file(std::path::Path::new(file)).expect("loads");
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 6000, 1);
    let r = cxsim::run::simulate(&m, &spec);
    let g = m
        .scenario
        .segments
        .iter()
        .position(|x| x.id == "affluent")
        .expect("affluent");
    let npv = cxsim::results::Metric::Npv;
    let d = cxsim::analysis::paired_in(&r, g, 0, 1, npv).expect("paired in segment");
    let first = &v["comparisons"][0]["metrics"];
    let row = first
        .as_array()
        .expect("metrics")
        .iter()
        .find(|x| x["metric"] == "npv" || x["metric"] == "Npv")
        .expect("an NPV row");
    assert_eq!(row["difference"]["mean"].as_f64(), Some(d.difference.mean));
    assert_eq!(row["difference"]["se"].as_f64(), Some(d.difference.se));
    // And it differs from the whole's.
    let whole = cxsim::analysis::paired(&r, 0, 1, npv).expect("paired");
    assert_ne!(whole.difference.mean, d.difference.mean);

    let (code, _, err) = run(&["compare", file, "--segment", "rich", "-n", "2000", "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown segment \"rich\""), "{err}");
    assert!(
        err.contains("mass-market, digital-natives, affluent"),
        "{err}"
    );
}
