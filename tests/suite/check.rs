//! `cxsim check`: expectations, baselines, exit codes, JUnit XML and GitHub annotations; and the
//! project eating its own cooking: the shipped scenarios pass their own expectations and
//! committed baselines.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cxsim() -> Command {
    let mut cmd = Command::cargo_bin("cxsim").expect("the cxsim binary is built");
    cmd.current_dir(root())
        .env_remove("RAYON_NUM_THREADS")
        .timeout(Duration::from_secs(300));
    cmd
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let out = cxsim().args(args).output().expect("cxsim runs");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A temp dir holding a copy of the benchmark scenario as `shop.ron` and the given sidecar.
fn workspace(sidecar: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("shop.ron");
    std::fs::copy(root().join("scenarios/benchmark-triad.ron"), &scenario).expect("copy");
    if let Some(text) = sidecar {
        std::fs::write(dir.path().join("shop.expect.ron"), text).expect("write sidecar");
    }
    (dir, scenario)
}

#[test]
fn the_shipped_scenarios_pass_their_expectations_and_baselines() {
    let o = run(&["check", "scenarios/"]);
    assert_eq!(o.code, Some(0), "{}\n{}", o.stdout, o.stderr);
    // Nothing fails and nothing is invalid; scenarios without a sidecar are only validated.
    assert!(
        o.stdout
            .lines()
            .all(|l| l.starts_with("PASS ") || l.starts_with("OK ") || l.starts_with("check: ")),
        "{}",
        o.stdout
    );
    // These five have expectations and a baseline, and pass both.
    for name in [
        "b2b-saas",
        "benchmark-triad",
        "ecommerce-retailer",
        "retail-bank",
        "telecom",
    ] {
        let line = o
            .stdout
            .lines()
            .find(|l| l.contains(&format!("scenarios/{name}.ron:")))
            .unwrap_or_else(|| panic!("{name} not checked:\n{}", o.stdout));
        assert!(line.starts_with("PASS "), "{line}");
        assert!(line.contains("expectations hold"), "{line}");
        assert!(line.contains("baseline metrics within tolerance"), "{line}");
    }
}

const FAILING: &str = r#"// line 1
Expectations(
    customers: 8000,
    seed: 3,
    expect: [
        Retention(strategy: "baseline", period: 36, at_least: 0.30),
        // Impossible: retention near 49 %, not 90 %.
        Retention(strategy: "baseline", period: 36, at_least: 0.90),
        Metric(strategy: "baseline", metric: Npv, at_least: 100.0),
    ],
)
"#;

#[test]
fn a_failing_expectation_exits_1_lists_it_in_junit_and_annotates_its_line() {
    let (dir, scenario) = workspace(Some(FAILING));
    let junit = dir.path().join("report.xml");
    let o = run(&["check", s(&scenario), "--junit", s(&junit), "--github"]);
    assert_eq!(o.code, Some(1), "{}\n{}", o.stdout, o.stderr);
    let sidecar = dir.path().join("shop.expect.ron");
    let first = o.stdout.lines().next().unwrap_or("");
    assert!(first.starts_with("FAIL "), "{first}");
    assert!(first.contains("2/3 expectations hold"), "{first}");
    // The annotation points at line 8 of the sidecar, where the failing expectation starts.
    let annotation = format!("::error file={},line=8,", s(&sidecar));
    assert!(o.stdout.contains(&annotation), "{}", o.stdout);
    assert_eq!(o.stdout.matches("::error ").count(), 1, "{}", o.stdout);
    assert!(
        o.stdout.contains("the whole interval must be ≥ 90.0 %"),
        "{}",
        o.stdout
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    let failing_case = xml
        .split("<testcase ")
        .find(|c| c.contains("<failure"))
        .unwrap_or("");
    assert!(failing_case.contains("line=\"8\""), "{failing_case}");
    assert!(failing_case.contains("≥ 90.0 %"), "{failing_case}");
}

#[test]
fn an_unchanged_scenario_passes_its_own_baseline_and_a_changed_one_fails_it() {
    let sidecar = "Expectations(customers: 8000, seed: 5)\n";
    let (dir, scenario) = workspace(Some(sidecar));
    let o = run(&["check", s(&scenario), "--update-baseline"]);
    assert_eq!(o.code, Some(0), "{}\n{}", o.stdout, o.stderr);
    let baseline = dir.path().join("shop.baseline.json");
    let text = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(text.contains("\"format\": \"cxsim.baseline/1\""), "{text}");

    let o = run(&["check", s(&scenario)]);
    assert_eq!(o.code, Some(0), "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("baseline metrics within tolerance"),
        "{}",
        o.stdout
    );

    // A much worse first touchpoint moves retention far beyond 4 standard errors.
    let original = std::fs::read_to_string(&scenario).expect("read");
    let pos = original.find("quality:").expect("a quality field");
    let end = pos + original[pos..].find(',').expect("comma");
    let changed = format!("{}quality: 0.3{}", &original[..pos], &original[end..]);
    std::fs::write(&scenario, changed).expect("write");
    let o = run(&["check", s(&scenario), "--github"]);
    assert_eq!(o.code, Some(1), "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("standard errors of the difference"),
        "{}",
        o.stdout
    );
    let annotation = format!("::error file={},line=", s(&baseline));
    assert!(o.stdout.contains(&annotation), "{}", o.stdout);
}

#[test]
fn invalid_sidecars_exit_3_with_file_line_and_hint() {
    let bad_strategy = "Expectations(\n    expect: [\n        Metric(strategy: \"nope\", metric: Npv, at_least: 1.0),\n    ],\n)\n";
    let (dir, scenario) = workspace(Some(bad_strategy));
    let o = run(&["check", s(&scenario), "--github"]);
    assert_eq!(o.code, Some(3), "{}\n{}", o.stdout, o.stderr);
    let sidecar = dir.path().join("shop.expect.ron");
    assert!(
        o.stderr.contains(&format!(
            "{}:3:9: error: unknown strategy \"nope\"",
            s(&sidecar)
        )),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("hint: the scenario has: baseline"),
        "{}",
        o.stderr
    );
    assert!(
        o.stdout
            .contains(&format!("::error file={},line=3,", s(&sidecar)))
    );

    let unknown_field = "Expectations(\n    customers: 100,\n    sead: 4,\n)\n";
    let (dir, scenario) = workspace(Some(unknown_field));
    let o = run(&["check", s(&scenario)]);
    assert_eq!(o.code, Some(3), "{}\n{}", o.stdout, o.stderr);
    let sidecar = dir.path().join("shop.expect.ron");
    assert!(
        o.stderr
            .contains(&format!("{}:3:5: error: unknown field `sead`", s(&sidecar))),
        "{}",
        o.stderr
    );
    // `validate` checks sidecars too.
    let o = run(&["validate", s(&sidecar)]);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    let o = run(&["validate", "scenarios/telecom.expect.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn a_scenario_without_expectations_is_only_validated() {
    let (_dir, scenario) = workspace(None);
    let o = run(&["check", s(&scenario)]);
    assert_eq!(o.code, Some(0), "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.starts_with("OK "), "{}", o.stdout);
}

/// Expectations about one segment read that segment's figures from the same run (docs/ci.md):
/// a bound between the whole's interval and the segment's holds for the one and fails for the
/// other, `Beats` is paired inside the segment, and an unknown segment is refused at its line.
#[test]
fn expectations_take_a_segment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("bank.ron");
    std::fs::copy(root().join("scenarios/retail-bank.ron"), &scenario).expect("copy");
    let m = cxsim::model::load::load_file(&scenario).expect("loads");
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 20_000, 5);
    let r = cxsim::run::simulate(&m, &spec);
    let si = m.strategy_index("balanced").expect("balanced");
    let g = m
        .scenario
        .segments
        .iter()
        .position(|x| x.id == "affluent")
        .expect("affluent");
    let whole = r.strategies[si].retention[36];
    let seg = r.strategies[si].segments[g].retention[36];
    // The segment keeps more of its customers than the bank as a whole, beyond both intervals.
    assert!(seg.lo > whole.hi, "segment {seg:?} vs whole {whole:?}");
    let between = (seg.lo + whole.hi) / 2.0;
    let b = m.strategy_index("baseline").expect("baseline");
    let npv = cxsim::results::Metric::Npv.slot();
    let d = r
        .paired_difference_in(g, b, si, npv)
        .expect("paired per segment");
    let sidecar = format!(
        r#"Expectations(
    customers: 20000,
    seed: 5,
    expect: [
        Retention(strategy: "balanced", segment: "affluent", period: 36, at_least: {between}),
        Retention(strategy: "balanced", period: 36, at_least: {between}),
        Beats(strategy: "balanced", baseline: "baseline", segment: "affluent", metric: Npv),
    ],
)
"#
    );
    std::fs::write(dir.path().join("bank.expect.ron"), &sidecar).expect("write");
    let junit = dir.path().join("report.xml");
    let o = run(&["check", s(&scenario), "--junit", s(&junit)]);
    let beats_holds = d.lo > 0.0;
    let holds = 1 + usize::from(beats_holds);
    assert!(
        o.stdout.contains(&format!("{holds}/3 expectations hold")),
        "{}\n{}",
        o.stdout,
        o.stderr
    );
    // Only failures are listed: the whole's bound (line 6) fails, the segment's (line 5) holds.
    assert!(
        o.stdout
            .contains("bank.expect.ron:6: retention of \"balanced\" after month 36 ≥"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("bank.expect.ron:5:"), "{}", o.stdout);
    assert_eq!(
        o.stdout.contains("bank.expect.ron:7:"),
        !beats_holds,
        "{}",
        o.stdout
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    assert!(
        xml.contains(
            "retention of &quot;balanced&quot; in segment &quot;affluent&quot; after month 36"
        ) || xml.contains("retention of \"balanced\" in segment \"affluent\" after month 36"),
        "{xml}"
    );

    // An unknown segment: exit 3, at its line, with the segments listed.
    let bad = sidecar.replace(
        r#"segment: "affluent", period"#,
        r#"segment: "wealthy", period"#,
    );
    std::fs::write(dir.path().join("bank.expect.ron"), bad).expect("write");
    let o = run(&["check", s(&scenario)]);
    assert_eq!(o.code, Some(3), "{}\n{}", o.stdout, o.stderr);
    let all = format!("{}{}", o.stdout, o.stderr);
    assert!(all.contains("bank.expect.ron:5:"), "{all}");
    assert!(all.contains("unknown segment \"wealthy\""), "{all}");
    assert!(all.contains("affluent"), "{all}");
}
