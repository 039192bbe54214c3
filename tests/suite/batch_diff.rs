//! Batch runs (one JSON line per scenario) and `cxsim diff` (semantic changes plus paired
//! metric effects), through the real binary.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cxsim_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("cxsim").expect("the cxsim binary is built");
    cmd.current_dir(dir)
        .env_remove("RAYON_NUM_THREADS")
        .timeout(Duration::from_secs(300));
    cmd
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    let out = cxsim_in(dir).args(args).output().expect("cxsim runs");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Out {
    run_in(root(), args)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn a_batch_writes_one_json_line_per_scenario_equal_to_single_runs() {
    let files = ["scenarios/telecom.ron", "scenarios/benchmark-triad.ron"];
    let o = run(&["run", files[0], files[1], "-n", "5000", "-s", "4"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", o.stdout);
    for (line, file) in lines.iter().zip(files) {
        let v = json(line);
        assert_eq!(v["file"], file);
        assert_eq!(v["schema"], "cxsim.run/1");
        let single = run(&["run", file, "-n", "5000", "-s", "4", "-f", "json"]);
        let s = json(&single.stdout);
        assert_eq!(v["strategies"], s["strategies"], "{file}");
        assert_eq!(v["scenario"], s["scenario"]);
    }
}

#[test]
fn a_batch_over_a_glob_or_directory_skips_sidecars() {
    let o = run(&["run", "scenarios/*.ron", "-n", "2000"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let names: Vec<String> = o
        .stdout
        .lines()
        .map(|l| json(l)["file"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(names.len() >= 5, "{names:?}");
    assert!(
        names.iter().all(|n| !n.ends_with(".expect.ron")),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let dir = run(&["run", "scenarios", "-n", "2000"]);
    assert_eq!(dir.stdout, o.stdout);
}

#[test]
fn a_batch_reports_invalid_files_and_refuses_table_output() {
    let o = run(&[
        "run",
        "scenarios/benchmark-triad.ron",
        "tests/fixtures/invalid/quality-nan.ron",
        "-n",
        "2000",
    ]);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        json(lines[1])["error"]
            .as_str()
            .is_some_and(|e| e.contains("quality"))
    );
    let o = run(&[
        "run",
        "scenarios/benchmark-triad.ron",
        "scenarios/telecom.ron",
        "-f",
        "csv",
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

/// A copy of the telecom journey with the network's quality lowered from 0.95 to 0.90.
fn worse_network(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(root().join("scenarios/telecom.ron")).expect("read");
    let changed = text.replacen("quality: 0.95,", "quality: 0.90,", 1);
    assert_ne!(
        changed, text,
        "the telecom scenario changed; adapt this test"
    );
    let old = dir.join("old.ron");
    let new = dir.join("new.ron");
    std::fs::write(&old, &text).expect("write");
    std::fs::write(&new, &changed).expect("write");
    (
        old.to_string_lossy().into_owned(),
        new.to_string_lossy().into_owned(),
    )
}

#[test]
fn diff_describes_the_change_and_its_paired_effect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = worse_network(dir.path());
    let o = run(&["diff", &old, &new, "-n", "20000"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        o.stdout
            .contains("~ Network coverage & speed: quality 95 % → 90 %"),
        "{}",
        o.stdout
    );
    assert_eq!(o.stdout.matches("\n  ~ ").count(), 1, "{}", o.stdout);
    // Worse network: fewer active periods for every strategy, clearly (paired).
    assert!(
        o.stdout.contains("active periods per customer"),
        "{}",
        o.stdout
    );
    let md = run(&["diff", &old, &new, "-n", "20000", "--format", "md"]);
    assert!(md.stdout.starts_with("### Journey diff:"), "{}", md.stdout);
    assert!(md.stdout.contains("| strategy | metric |"), "{}", md.stdout);
    let j = json(&run(&["diff", &old, &new, "-n", "20000", "-f", "json"]).stdout);
    assert_eq!(j["schema"], "cxsim.diff/1");
    let effects = j["effects"].as_array().expect("effects");
    assert_eq!(effects.len(), 4);
    for e in effects {
        let lifetime = e["metrics"]
            .as_array()
            .and_then(|m| m.iter().find(|x| x["metric"] == "lifetime"))
            .expect("lifetime effect");
        assert!(
            lifetime["difference"]["hi"].as_f64().unwrap_or(1.0) < 0.0,
            "{lifetime}"
        );
    }
}

#[test]
fn diff_of_identical_versions_is_exactly_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, _) = worse_network(dir.path());
    let j = json(&run(&["diff", &old, &old, "-n", "5000", "-f", "json"]).stdout);
    assert_eq!(j["changes"].as_array().map(Vec::len), Some(0));
    for e in j["effects"].as_array().expect("effects") {
        for m in e["metrics"].as_array().expect("metrics") {
            assert_eq!(m["difference"]["mean"].as_f64(), Some(0.0), "{m}");
            assert_eq!(m["difference"]["se"].as_f64(), Some(0.0), "{m}");
        }
    }
}

#[test]
fn diff_with_different_horizons_skips_the_paired_part() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, _) = worse_network(dir.path());
    let text = std::fs::read_to_string(&old).expect("read");
    let longer = dir.path().join("longer.ron");
    std::fs::write(&longer, text.replacen("horizon: 24,", "horizon: 30,", 1)).expect("write");
    let o = run(&["diff", &old, longer.to_str().unwrap_or(""), "-n", "2000"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        o.stdout.contains("horizon 24 months → 30 months"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("the horizons differ"), "{}", o.stdout);
    assert!(!o.stdout.contains("What it does"), "{}", o.stdout);
}

#[test]
fn diff_against_a_git_revision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    let (_, _) = worse_network(dir.path());
    std::fs::copy(dir.path().join("old.ron"), dir.path().join("journey.ron")).expect("copy");
    git(&["add", "journey.ron"]);
    git(&["commit", "-q", "-m", "v1"]);
    std::fs::copy(dir.path().join("new.ron"), dir.path().join("journey.ron")).expect("copy");
    let o = run_in(dir.path(), &["diff", "HEAD", "-n", "2000", "-f", "md"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        o.stdout.contains("`journey.ron@HEAD` → `journey.ron`"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("quality 95 % → 90 %"), "{}", o.stdout);
    let o = run_in(dir.path(), &["diff", "no-such-rev", "journey.ron"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}
