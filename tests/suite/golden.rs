//! Golden outputs: every shipped scenario through `run` (every format), `compare`, `diagnose`,
//! `sensitivity`, `review`, `check`, sharded `run` + `merge`, batch `run` and `diff`, compared
//! byte for byte with files made before a change. A restructure must leave every byte as it
//! was; a change that means to alter output re-blesses them with `CXSIM_BLESS=1 cargo test
//! --release --test suite golden` and says why in its commit.

use std::path::{Path, PathBuf};

use crate::common::cli::cxsim;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn scenarios() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron") && !n.ends_with(".expect.ron"))
        .map(|n| n.trim_end_matches(".ron").to_string())
        .collect();
    names.sort();
    names
}

/// Runs `cxsim args` in the crate root and returns its stdout and exit code as one text.
fn output_of(args: &[String]) -> String {
    let out = cxsim()
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("cxsim runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&format!("\n-- exit {}\n", out.status.code().unwrap_or(-1)));
    text
}

/// The (golden file name, command) pairs, in a fixed order.
fn cases(tmp: &Path) -> Vec<(String, Vec<String>)> {
    let mut cases = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for name in scenarios() {
        let file = format!("scenarios/{name}.ron");
        for fmt in ["table", "json", "csv", "md", "html"] {
            cases.push((
                format!("{name}.run.{fmt}"),
                s(&["run", &file, "-n", "3000", "-s", "7", "-q", "-f", fmt]),
            ));
        }
        for fmt in ["table", "json"] {
            cases.push((
                format!("{name}.compare.{fmt}"),
                s(&["compare", &file, "-n", "3000", "-s", "5", "-q", "-f", fmt]),
            ));
            cases.push((
                format!("{name}.diagnose.{fmt}"),
                s(&["diagnose", &file, "-n", "3000", "-s", "5", "-q", "-f", fmt]),
            ));
        }
        cases.push((
            format!("{name}.sensitivity.json"),
            s(&[
                "sensitivity",
                &file,
                "-n",
                "1000",
                "-s",
                "5",
                "-q",
                "-f",
                "json",
            ]),
        ));
        // Sharded run and merge: part files in a temporary folder, merged in reverse order.
        let mut parts = Vec::new();
        for k in 1..=3 {
            let part = tmp.join(format!("{name}.part{k}.json"));
            let part_s = part.to_string_lossy().into_owned();
            cases.push((
                format!("{name}.shard{k}.out"),
                s(&[
                    "run",
                    &file,
                    "-n",
                    "9000",
                    "-s",
                    "3",
                    "-q",
                    "--shard",
                    &format!("{k}/3"),
                    "-o",
                    &part_s,
                ]),
            ));
            parts.push(part_s);
        }
        parts.reverse();
        let mut merge = s(&["merge", "-f", "json"]);
        merge.extend(parts);
        cases.push((format!("{name}.merge.json"), merge));
        cases.push((
            format!("{name}.unsharded.json"),
            s(&["run", &file, "-n", "9000", "-s", "3", "-q", "-f", "json"]),
        ));
    }
    cases.push((
        "advocacy-enterprise.review.table".into(),
        s(&[
            "review",
            "scenarios/advocacy-enterprise.ron",
            "-n",
            "3000",
            "-q",
        ]),
    ));
    cases.push((
        "advocacy-enterprise.review.json".into(),
        s(&[
            "review",
            "scenarios/advocacy-enterprise.ron",
            "-n",
            "3000",
            "-q",
            "-f",
            "json",
        ]),
    ));
    cases.push((
        "ecommerce-retailer.optimize.json".into(),
        s(&[
            "optimize",
            "scenarios/ecommerce-retailer.ron",
            "-n",
            "1000",
            "-r",
            "4",
            "--rounds",
            "1",
            "-q",
            "-f",
            "json",
        ]),
    ));
    cases.push((
        "batch.jsonl".into(),
        s(&["run", "scenarios/", "-n", "2000", "-q"]),
    ));
    cases.push((
        "diff.b2b-saas.stool.text".into(),
        s(&[
            "diff",
            "scenarios/b2b-saas.ron",
            "scenarios/b2b-saas-stool.ron",
            "-n",
            "2000",
        ]),
    ));
    cases.push(("check.scenarios.text".into(), s(&["check", "scenarios/"])));
    cases
}

#[test]
fn every_shipped_scenario_gives_its_golden_bytes() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let bless = std::env::var_os("CXSIM_BLESS").is_some();
    let dir = golden_dir();
    if bless {
        std::fs::create_dir_all(&dir).expect("tests/golden can be created");
    }
    let mut differ = Vec::new();
    for (name, args) in cases(tmp.path()) {
        let mut got = output_of(&args);
        // Part files hold the temporary path; their own bytes are compared through the merge.
        got = got.replace(&*tmp.path().to_string_lossy(), "$TMP");
        let path = dir.join(&name);
        if bless {
            std::fs::write(&path, &got).expect("golden file written");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => {
                let line = want
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .map_or(want.lines().count().min(got.lines().count()), |i| i);
                differ.push(format!(
                    "{name}: first difference at line {} (cxsim {})",
                    line + 1,
                    args.join(" ")
                ));
            }
            Err(e) => differ.push(format!("{name}: no golden file ({e})")),
        }
    }
    assert!(
        differ.is_empty(),
        "outputs differ from tests/golden:\n{}",
        differ.join("\n")
    );
}

/// The README promises that `merge` gives the exact output of the unsharded run: for every
/// shipped scenario, the merged parts (made in the golden run above, from 3 shards merged in
/// reverse order) are the unsharded run's bytes.
#[test]
fn merging_shards_gives_the_unsharded_bytes_for_every_shipped_scenario() {
    let dir = golden_dir();
    for name in scenarios() {
        let read = |what: &str| {
            std::fs::read_to_string(dir.join(format!("{name}.{what}.json")))
                .unwrap_or_else(|e| panic!("{name}.{what}.json: {e}"))
        };
        assert_eq!(
            read("merge"),
            read("unsharded"),
            "{name}: the merged shards differ from the unsharded run"
        );
    }
}

/// A batch line is the run's JSON document of that file, with `file` added.
#[test]
fn batch_lines_are_the_run_documents_for_every_shipped_scenario() {
    let out = cxsim()
        .args(["run", "scenarios/", "-n", "2000", "-q"])
        .output()
        .expect("cxsim runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let names = scenarios();
    assert_eq!(lines.len(), names.len(), "{text}");
    for line in &lines {
        let mut batch: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let file = batch
            .as_object_mut()
            .and_then(|o| o.remove("file"))
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_default();
        let name = file
            .strip_prefix("scenarios/")
            .and_then(|f| f.strip_suffix(".ron"))
            .unwrap_or_else(|| panic!("a batch line of an unexpected file {file:?}"));
        assert!(names.iter().any(|n| n == name), "{file}");
        let single = cxsim()
            .args([
                "run",
                &format!("scenarios/{name}.ron"),
                "-n",
                "2000",
                "-q",
                "-f",
                "json",
            ])
            .output()
            .expect("cxsim runs");
        let single: serde_json::Value =
            serde_json::from_slice(&single.stdout).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            batch, single,
            "{name}: the batch line differs from the run document"
        );
    }
}

/// With enough customers for the open population's batch intervals, shards whose edges fall
/// inside batches still merge to the unsharded bytes (the batches are rebuilt from the pieces).
#[test]
fn acquisition_shards_merge_exactly_with_batch_intervals() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = "scenarios/b2b-saas-stool.ron";
    let mut parts = Vec::new();
    for k in 1..=3 {
        let part = tmp.path().join(format!("p{k}.json"));
        let status = cxsim()
            .args(["run", file, "-n", "40000", "-s", "9", "-q", "--shard"])
            .arg(format!("{k}/3"))
            .arg("-o")
            .arg(&part)
            .output()
            .expect("cxsim runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        parts.push(part);
    }
    parts.reverse();
    let merged = cxsim()
        .args(["merge", "-f", "json"])
        .args(&parts)
        .output()
        .expect("cxsim runs");
    let single = cxsim()
        .args(["run", file, "-n", "40000", "-s", "9", "-q", "-f", "json"])
        .output()
        .expect("cxsim runs");
    let text = String::from_utf8_lossy(&single.stdout);
    assert!(text.contains("batch-means"), "the run has batch intervals");
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        text,
        "the merged shards differ from the unsharded run"
    );
}

/// Every rate is bounded by its definition, in every shipped scenario (issue 20: account
/// journeys once reported failure rates above 1, counting runs per account and failures per
/// contact): failure rates and churn shares lie in 0..1, a strategy's root-cause shares add
/// up to one when anyone churned, and retention lies in 0..1 and never rises.
#[test]
fn every_rate_is_bounded_by_its_definition_in_every_shipped_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in scenarios() {
        let path = root.join(format!("scenarios/{name}.ron"));
        let m = cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let spec = cxsim::engine::RunSpec::all_strategies(&m, 4_000, 3);
        let r = cxsim::run::simulate(&m, &spec);
        let unit = |what: &str, x: f64| {
            assert!((0.0..=1.0).contains(&x), "{name}: {what} = {x}");
        };
        for s in &r.strategies {
            for tp in &s.touchpoints {
                unit(
                    &format!("{}: {} failure rate", s.name, tp.id),
                    tp.failure_rate,
                );
                unit(
                    &format!("{}: {} churn share", s.name, tp.id),
                    tp.churn_share,
                );
            }
            let c = s.churn_by_stage;
            for x in [c.purchase, c.exception, c.relationship, c.none] {
                unit(&format!("{}: root-cause share", s.name), x);
            }
            if c.churners > 0 {
                let total = c.purchase + c.exception + c.relationship + c.none;
                assert!(
                    (total - 1.0).abs() < 1e-9,
                    "{name}: {}: shares sum to {total}",
                    s.name
                );
            }
            let mut last = 1.0;
            for p in &s.retention {
                unit("retention", p.mean);
                assert!(p.mean <= last, "{name}: retention rises at {}", p.period);
                last = p.mean;
            }
        }
    }
}
