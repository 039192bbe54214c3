//! The command line as a user and a script see it: exit codes, what goes to stdout and stderr,
//! the JSON and CSV contracts, `--out`, strategy selection and thread-count independence.

use crate::common;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const BENCHMARK: &str = "scenarios/benchmark-triad.ron";
/// The benchmark triad with a second strategy, "relationship-first".
const TWO_STRATEGIES: &str = "tests/fixtures/cli/two-strategies.ron";
const INVALID_SEMANTIC: &str = "tests/fixtures/invalid/quality-nan.ron";
const INVALID_SYNTAX: &str = "tests/fixtures/invalid/syntax-missing-comma.ron";

const EXIT_OK: i32 = 0;
const EXIT_USAGE: i32 = 2;
const EXIT_INVALID: i32 = 3;
const EXIT_IO: i32 = 4;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cxsim` run from the crate root, with a thread count that does not depend on the caller.
fn cxsim() -> Command {
    let mut cmd = Command::cargo_bin("cxsim").expect("the cxsim binary is built");
    cmd.current_dir(root())
        .env_remove("RAYON_NUM_THREADS")
        .timeout(Duration::from_secs(120));
    cmd
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let out = cmd.output().expect("cxsim runs");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run_args(args: &[&str]) -> Out {
    run(cxsim().args(args))
}

impl Out {
    #[track_caller]
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The scenario files shipped in scenarios/ (others add files; test whatever is there).
fn shipped_scenarios() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        // Expectation sidecars (NAME.expect.ron) are not scenarios.
        .filter(|p| !p.to_string_lossy().ends_with(".expect.ron"))
        .map(|p| {
            format!(
                "scenarios/{}",
                p.file_name().expect("file name").to_string_lossy()
            )
        })
        .collect();
    files.sort();
    assert!(
        files.iter().any(|f| f == BENCHMARK),
        "scenarios/ lacks {BENCHMARK}: {files:?}"
    );
    files
}

fn json_run(args: &[&str]) -> Value {
    let out = run_args(args);
    out.expect_code(EXIT_OK);
    assert!(out.stderr.is_empty(), "stderr: {}", out.stderr);
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
}

#[track_caller]
fn num(v: &Value, what: &str) -> f64 {
    let x = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!(x.is_finite(), "{what} is not finite: {x}");
    x
}

#[track_caller]
fn check_estimate(s: &Value, key: &str) {
    let e = &s[key];
    assert!(e.is_object(), "{key} missing or not an object: {s}");
    let mean = num(&e["mean"], &format!("{key}.mean"));
    let se = num(&e["se"], &format!("{key}.se"));
    let lo = num(&e["lo"], &format!("{key}.lo"));
    let hi = num(&e["hi"], &format!("{key}.hi"));
    assert!(se >= 0.0, "{key}.se < 0: {e}");
    assert!(
        lo <= mean + 1e-12 && mean <= hi + 1e-12,
        "{key}: interval does not contain the mean: {e}"
    );
}

// ---------------------------------------------------------------------------------------------
// run: formats

#[test]
fn run_prints_a_table_on_stdout_and_nothing_on_stderr() {
    let out = run_args(&["run", BENCHMARK, "-n", "2000"]);
    out.expect_code(EXIT_OK);
    assert!(
        out.stderr.is_empty(),
        "stderr is not a terminal, so no progress or timing: {}",
        out.stderr
    );
    assert!(out.stdout.contains("Benchmark triad"), "{}", out.stdout);
    assert!(out.stdout.contains("baseline"), "{}", out.stdout);
    assert!(out.stdout.contains("Retention"), "{}", out.stdout);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no terminal escape codes when stdout is a pipe:\n{}",
        out.stdout
    );
}

#[test]
fn run_without_subcommand_runs_the_file_when_not_a_terminal() {
    let out = run_args(&[BENCHMARK]);
    out.expect_code(EXIT_OK);
    assert!(out.stdout.contains("Benchmark triad"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn run_json_follows_the_run_schema() {
    let customers = 3000;
    let doc = json_run(&[
        "run",
        TWO_STRATEGIES,
        "--format",
        "json",
        "-n",
        &customers.to_string(),
        "--seed",
        "7",
    ]);
    assert_eq!(doc["schema"], "cxsim.run/1");
    assert_eq!(doc["scenario"], "CLI two strategies");
    assert_eq!(doc["customers"], customers);
    assert_eq!(doc["seed"], 7);
    assert_eq!(doc["horizon"], 36);
    let horizon = doc["horizon"].as_u64().expect("horizon") as usize;

    let strategies = doc["strategies"].as_array().expect("strategies array");
    let names: Vec<&str> = strategies
        .iter()
        .map(|s| s["name"].as_str().expect("strategy name"))
        .collect();
    assert_eq!(names, ["baseline", "relationship-first"]);

    for s in strategies {
        let name = s["name"].as_str().unwrap_or("?");
        let retention = s["retention"].as_array().expect("retention array");
        assert_eq!(retention.len(), horizon + 1, "{name}: retention points");
        let mut previous = f64::INFINITY;
        for (t, p) in retention.iter().enumerate() {
            assert_eq!(p["period"].as_u64(), Some(t as u64), "{name}: period {t}");
            let mean = num(&p["mean"], "retention.mean");
            let lo = num(&p["lo"], "retention.lo");
            let hi = num(&p["hi"], "retention.hi");
            assert!(
                (0.0..=1.0).contains(&mean),
                "{name}: retention {mean} at {t}"
            );
            assert!(lo <= mean && mean <= hi, "{name}: interval at {t}: {p}");
            assert!(
                mean <= previous,
                "{name}: retention rises at period {t}: {previous} -> {mean}"
            );
            previous = mean;
        }
        assert_eq!(
            retention[0]["mean"].as_f64(),
            Some(1.0),
            "{name}: everyone is a customer at period 0"
        );

        for key in [
            "revenue_per_customer",
            "npv_per_customer",
            "cost_per_customer",
            "incidents_per_customer",
            "escalations_per_customer",
        ] {
            check_estimate(s, key);
        }

        let churn = &s["churn_by_stage"];
        let mut total = 0.0;
        for key in ["purchase", "exception", "relationship", "none"] {
            let share = num(&churn[key], &format!("churn_by_stage.{key}"));
            assert!(
                (0.0..=1.0).contains(&share),
                "{name}: churn share {key} = {share}"
            );
            total += share;
        }
        assert!(
            (total - 1.0).abs() < 1e-9,
            "{name}: churn shares sum to {total}: {churn}"
        );

        let triad = s["triad"].as_array().expect("triad array");
        assert_eq!(triad.len(), horizon + 1, "{name}: triad points");
        for p in triad {
            for key in ["satisfied", "pleased", "loyal"] {
                let v = num(&p[key], &format!("triad.{key}"));
                assert!(
                    (-1e-9..=1.0 + 1e-9).contains(&v),
                    "{name}: triad {key} = {v}"
                );
            }
        }
    }
}

#[test]
fn run_csv_has_a_header_and_one_row_per_strategy_and_period() {
    let out = run_args(&["run", TWO_STRATEGIES, "--format", "csv", "-n", "2000"]);
    out.expect_code(EXIT_OK);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[0], "strategy");
    assert_eq!(header[1], "period");
    assert!(header.contains(&"retention"), "header: {}", lines[0]);
    let horizon = 36;
    assert_eq!(lines.len(), 1 + 2 * (horizon + 1), "{}", out.stdout);
    for (i, row) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields.len(), header.len(), "row {i}: {row}");
        let expected_strategy = if i <= horizon {
            "baseline"
        } else {
            "relationship-first"
        };
        assert_eq!(fields[0], expected_strategy, "row {i}: {row}");
        assert_eq!(
            fields[1].parse::<usize>().ok(),
            Some(i % (horizon + 1)),
            "row {i}: {row}"
        );
        for f in &fields[2..] {
            let v: f64 = f
                .parse()
                .unwrap_or_else(|_| panic!("row {i}: `{f}` is not a number"));
            assert!(v.is_finite(), "row {i}: {row}");
        }
    }
}

#[test]
fn run_out_writes_the_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (format, name) in [("json", "r.json"), ("csv", "r.csv"), ("table", "r.txt")] {
        let target = dir.path().join(name);
        let out = run(cxsim()
            .args(["run", BENCHMARK, "-n", "1500", "--format", format, "--out"])
            .arg(&target));
        out.expect_code(EXIT_OK);
        assert!(out.stdout.is_empty(), "{format}: stdout: {}", out.stdout);
        assert!(out.stderr.is_empty(), "{format}: stderr: {}", out.stderr);
        let written = std::fs::read_to_string(&target).expect("--out file exists");
        let direct = run_args(&["run", BENCHMARK, "-n", "1500", "--format", format]);
        assert_eq!(
            written, direct.stdout,
            "{format}: --out holds what stdout would"
        );
    }
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("read temp dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !["r.json", "r.csv", "r.txt"].iter().any(|n| p.ends_with(n)))
        .collect();
    assert!(
        leftovers.is_empty(),
        "atomic write left temporary files: {leftovers:?}"
    );
}

#[test]
fn run_out_into_a_missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("no-such-dir").join("r.json");
    let out = run(cxsim()
        .args(["run", BENCHMARK, "-n", "100", "--format", "json", "--out"])
        .arg(&target));
    out.expect_code(EXIT_IO);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("r.json"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// run: strategy selection

#[test]
fn run_strategy_selects_and_orders_strategies() {
    let doc = json_run(&[
        "run",
        TWO_STRATEGIES,
        "--format",
        "json",
        "-n",
        "500",
        "--strategy",
        "relationship-first",
    ]);
    let names: Vec<&str> = doc["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["relationship-first"]);

    let doc = json_run(&[
        "run",
        TWO_STRATEGIES,
        "--format",
        "json",
        "-n",
        "500",
        "--strategy",
        "relationship-first,baseline",
    ]);
    let names: Vec<&str> = doc["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["relationship-first", "baseline"]);
}

#[test]
fn run_unknown_strategy_is_a_usage_error_listing_the_strategies() {
    let out = run_args(&["run", TWO_STRATEGIES, "-n", "100", "--strategy", "nosuch"]);
    out.expect_code(EXIT_USAGE);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
    assert!(out.stderr.contains("hint"), "{}", out.stderr);
    assert!(
        out.stderr.contains("baseline") && out.stderr.contains("relationship-first"),
        "the hint lists the scenario's strategies: {}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// run: failures

#[test]
fn run_missing_file_is_an_io_error() {
    let out = run_args(&["run", "no/such/file.ron"]);
    out.expect_code(EXIT_IO);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("no/such/file.ron"), "{}", out.stderr);
}

#[test]
fn run_invalid_scenario_exits_3_with_the_problem_on_stderr() {
    for file in [INVALID_SEMANTIC, INVALID_SYNTAX] {
        let out = run_args(&["run", file, "-n", "100"]);
        out.expect_code(EXIT_INVALID);
        assert!(out.stdout.is_empty(), "{file}: {}", out.stdout);
        assert!(out.stderr.contains(file), "{file}: {}", out.stderr);
        assert!(out.stderr.contains("error:"), "{file}: {}", out.stderr);
        assert!(out.stderr.contains("hint:"), "{file}: {}", out.stderr);
    }
    // The same text as `validate` gives.
    let run_err = run_args(&["run", INVALID_SEMANTIC]).stderr;
    let validate_err = run_args(&["validate", INVALID_SEMANTIC]).stderr;
    assert_eq!(run_err, validate_err);
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        &["run", BENCHMARK, "--frobnicate"][..],
        &["run", BENCHMARK, "--format", "xml"],
        &["run", BENCHMARK, "-n", "0"],
        &["run", BENCHMARK, "-n", "many"],
        &["run"],
        &["validate"],
        &["no-such-command", "x"],
    ] {
        let out = run_args(args);
        out.expect_code(EXIT_USAGE);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert!(!out.stderr.is_empty(), "{args:?}: says why");
    }
}

#[test]
fn help_and_version_exit_0() {
    for args in [&["--help"][..], &["run", "--help"], &["validate", "--help"]] {
        let out = run_args(args);
        out.expect_code(EXIT_OK);
        assert!(out.stdout.contains("Usage"), "{args:?}: {}", out.stdout);
    }
    let out = run_args(&["--help"]);
    assert!(out.stdout.contains("Exit codes"), "{}", out.stdout);
    let out = run_args(&["--version"]);
    out.expect_code(EXIT_OK);
    assert!(out.stdout.starts_with("cxsim "), "{}", out.stdout);
}

// ---------------------------------------------------------------------------------------------
// determinism across thread counts

#[test]
fn thread_count_does_not_change_the_output() {
    let mut files = vec![TWO_STRATEGIES.to_string()];
    files.extend(shipped_scenarios());
    for file in &files {
        let outputs: Vec<(&str, String)> = ["1", "2", "8"]
            .into_iter()
            .map(|threads| {
                let out = run(cxsim()
                    .env("RAYON_NUM_THREADS", threads)
                    .args(["run", file, "--format", "json", "-n", "10001"]));
                out.expect_code(EXIT_OK);
                (threads, out.stdout)
            })
            .collect();
        for (threads, stdout) in &outputs[1..] {
            assert!(
                *stdout == outputs[0].1,
                "{file}: RAYON_NUM_THREADS={threads} differs from RAYON_NUM_THREADS=1"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// validate

#[test]
fn validate_accepts_every_shipped_scenario() {
    let files = shipped_scenarios();
    let out = run(cxsim().arg("validate").args(&files));
    out.expect_code(EXIT_OK);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    for f in &files {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{f}: ok"))),
            "{f} not reported ok:\n{}",
            out.stdout
        );
    }
}

#[test]
fn validate_reports_every_file_and_the_worst_exit_code() {
    // Valid + invalid: exit 3, the valid file still reported ok.
    let out = run_args(&["validate", BENCHMARK, INVALID_SEMANTIC, INVALID_SYNTAX]);
    out.expect_code(EXIT_INVALID);
    assert!(
        out.stdout.starts_with(&format!("{BENCHMARK}: ok")),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains(INVALID_SEMANTIC), "{}", out.stderr);
    assert!(out.stderr.contains(INVALID_SYNTAX), "{}", out.stderr);

    // An unreadable file outranks invalid content.
    let out = run_args(&["validate", INVALID_SEMANTIC, "no/such/file.ron", BENCHMARK]);
    out.expect_code(EXIT_IO);
    assert!(out.stderr.contains("no/such/file.ron"), "{}", out.stderr);
    assert!(out.stderr.contains(INVALID_SEMANTIC), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("{BENCHMARK}: ok")),
        "{}",
        out.stdout
    );
}

#[test]
fn validate_a_directory_is_an_io_error() {
    let out = run_args(&["validate", "scenarios"]);
    out.expect_code(EXIT_IO);
    assert!(out.stderr.contains("scenarios"), "{}", out.stderr);
}

#[test]
fn optional_fields_may_be_written_plainly_or_with_some() {
    // `report_every: 6`, `quality: 0.95` and their `Some(...)` forms mean the same scenario.
    for (file, some, plain) in [
        (
            "scenarios/telecom.ron",
            "report_every: Some(6)",
            "report_every: 6",
        ),
        (
            "scenarios/ecommerce-organisation.ron",
            "quality: Some(0.95)",
            "quality: 0.95",
        ),
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect("scenario");
        assert!(text.contains(some), "{file} no longer has `{some}`");
        let path = Path::new(file);
        let explicit = cxsim::format::parse::parse_scenario(path, &text).expect("parses");
        let implicit = cxsim::format::parse::parse_scenario(path, &text.replace(some, plain))
            .expect("the plain form parses");
        assert_eq!(explicit, implicit, "{file}");
    }
}

#[test]
fn an_impossible_variant_argument_is_reported_once_in_the_arguments_words() {
    let o = run_args(&[
        "run",
        "scenarios/ecommerce-organisation.ron",
        "-n",
        "100",
        "--variant",
        "nope=x",
        "--variant",
        "delivery=zzz",
    ]);
    o.expect_code(2);
    assert!(o.stdout.is_empty());
    let errors: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(
        errors,
        [
            "error: --variant nope=x: unknown touchpoint id \"nope\"",
            "error: --variant delivery=zzz: touchpoint \"delivery\" has no variant \"zzz\"",
        ],
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("hint: known ids: checkout"),
        "{}",
        o.stderr
    );
}

/// `bench` reports touchpoint evaluations: for every shipped scenario's kernel, the count is
/// the runs the results report (runs per customer × customers, summed over touchpoints and
/// strategies), and the bench prints it with its rate.
#[test]
fn bench_counts_touchpoint_evaluations_as_the_results_do() {
    for name in ["benchmark-triad", "telecom", "advocacy-enterprise"] {
        let path = std::path::PathBuf::from(format!(
            "{}/scenarios/{name}.ron",
            env!("CARGO_MANIFEST_DIR")
        ));
        let model = cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let spec = cxsim::engine::RunSpec::all_strategies(&model, 3000, 1);
        let r = cxsim::run::simulate(&model, &spec);
        let acc = r.acc.as_ref().expect("sums kept");
        let from_results: f64 = r
            .strategies
            .iter()
            .flat_map(|s| s.touchpoints.iter())
            .map(|t| t.runs_per_customer * r.customers as f64)
            .sum();
        let counted = cxsim::results::touchpoint_evaluations(acc);
        assert_eq!(counted as f64, from_results.round(), "{name}");
        let out = common::cli::cxsim()
            .args([
                "bench",
                &format!("scenarios/{name}.ron"),
                "-n",
                "3000",
                "-r",
                "1",
            ])
            .output()
            .expect("cxsim runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("touchpoint evals   {counted}\n")),
            "{name}: {text}"
        );
        assert!(text.contains("M touchpoint evaluations/s"), "{text}");
    }
}
