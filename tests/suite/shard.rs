//! Sharded runs: `cxsim run FILE --shard K/N` parts merged with `cxsim merge` give exactly the
//! bytes of the unsharded run, for any N; parts of different runs are refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

/// Three strategies, so paired cross-products are in the parts too.
const SCENARIO: &str = "scenarios/ecommerce-retailer.ron";
/// 13 work units of 4096, the last one partial: shards of 1, 2, 3 and 7 cut it unevenly.
const CUSTOMERS: &str = "50001";

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
    stdout: Vec<u8>,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let out = cxsim().args(args).output().expect("cxsim runs");
    Out {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert_eq!(o.code, Some(0), "cxsim {args:?}\n{}", o.stderr);
    o.stdout
}

fn shard_parts(dir: &Path, scenario: &str, n: u32, seed: &str, prefix: &str) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let out = dir.join(format!("{prefix}-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            ok(&[
                "run",
                scenario,
                "-n",
                CUSTOMERS,
                "-s",
                seed,
                "--shard",
                &shard,
                "--out",
                out.to_str().expect("temp path is UTF-8"),
                "-q",
            ]);
            out
        })
        .collect()
}

fn merge_args<'a>(parts: &'a [PathBuf], format: &'a str) -> Vec<&'a str> {
    let mut args = vec!["merge", "--format", format];
    args.extend(parts.iter().map(|p| p.to_str().expect("UTF-8 path")));
    args
}

#[test]
fn shards_of_1_2_3_and_7_merge_to_the_exact_bytes_of_the_single_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["json", "table", "csv"] {
        let single = ok(&["run", SCENARIO, "-n", CUSTOMERS, "-s", "11", "-f", format]);
        assert!(!single.is_empty());
        for n in [1, 2, 3, 7] {
            let mut parts = shard_parts(dir.path(), SCENARIO, n, "11", format);
            // Order on the command line does not matter.
            parts.reverse();
            let merged = ok(&merge_args(&parts, format));
            assert!(
                merged == single,
                "{n} shards, {format}: merged output differs from the single run"
            );
        }
    }
}

#[test]
fn more_shards_than_units_still_merge_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let single = ok(&["run", SCENARIO, "-n", "5000", "-s", "3", "-f", "json"]);
    let parts: Vec<PathBuf> = (1..=5)
        .map(|k| {
            let out = dir.path().join(format!("p{k}.json"));
            ok(&[
                "run",
                SCENARIO,
                "-n",
                "5000",
                "-s",
                "3",
                "--shard",
                &format!("{k}/5"),
                "-o",
                out.to_str().expect("UTF-8 path"),
            ]);
            out
        })
        .collect();
    assert_eq!(ok(&merge_args(&parts, "json")), single);
}

#[test]
fn parts_of_different_seeds_scenarios_or_with_gaps_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = shard_parts(dir.path(), SCENARIO, 2, "11", "a");
    let b = shard_parts(dir.path(), SCENARIO, 2, "12", "b");
    let other = shard_parts(dir.path(), "scenarios/telecom.ron", 2, "11", "c");
    let three = shard_parts(dir.path(), SCENARIO, 3, "11", "d");

    let refused = |parts: &[&PathBuf], needle: &str| {
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(|p| p.to_str().expect("UTF-8 path")));
        let o = run(&args);
        assert_eq!(o.code, Some(3), "{args:?} should be refused:\n{}", o.stderr);
        assert!(o.stdout.is_empty());
        assert!(
            o.stderr.contains(needle),
            "{args:?}: expected `{needle}` in:\n{}",
            o.stderr
        );
    };
    refused(&[&a[0], &b[1]], "this part has seed 12, but");
    refused(
        &[&a[0], &other[1]],
        "this part has scenario scenarios/telecom.ron",
    );
    refused(&[&a[0]], "1 of 2 shards missing: 2/2");
    refused(&[&a[0], &a[0], &a[1]], "shard 1/2 is given twice");
    refused(&[&a[0], &three[1], &three[2]], "this part has shard count");

    // Something that is not a part file.
    let o = run(&["merge", SCENARIO]);
    assert_eq!(o.code, Some(3));
    assert!(o.stderr.contains("not a cxsim part file"), "{}", o.stderr);
    // A missing file is an I/O error.
    let o = run(&["merge", "no-such-part.json"]);
    assert_eq!(o.code, Some(4), "{}", o.stderr);
}

#[test]
fn bad_shard_arguments_are_usage_errors() {
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        let o = run(&["run", SCENARIO, "--shard", bad]);
        assert_eq!(o.code, Some(2), "--shard {bad}: {}", o.stderr);
        assert!(o.stderr.contains("K/N"), "{}", o.stderr);
    }
}

#[test]
fn a_part_missing_per_touchpoint_sums_is_refused_not_under_counted() {
    // A part written before a field existed deserialises that field as empty; merging it would
    // silently count nothing for it. Every per-touchpoint vector must fit the scenario.
    let dir = tempfile::tempdir().expect("temp dir");
    let parts = shard_parts(dir.path(), SCENARIO, 2, "11", "p");
    for field in ["tp_lost", "tp_lost_sq", "tp_recovered"] {
        let text = std::fs::read_to_string(&parts[1]).expect("part");
        let mut part: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let blocks = part["blocks"].as_array_mut().expect("blocks");
        for b in blocks {
            for s in b["acc"]["strategies"].as_array_mut().expect("strategies") {
                s.as_object_mut().expect("object").remove(field);
            }
        }
        let old = dir.path().join(format!("old-{field}.json"));
        std::fs::write(&old, serde_json::to_string(&part).expect("JSON")).expect("write");
        let args = [
            "merge",
            parts[0].to_str().expect("UTF-8"),
            old.to_str().expect("UTF-8"),
        ];
        let o = run(&args);
        assert_eq!(o.code, Some(3), "{field}: {}", o.stderr);
        assert!(o.stderr.contains("do not fit the scenario"), "{}", o.stderr);
    }
}
