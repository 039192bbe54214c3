//! Output never destroys anything (issue 25): `--out` onto FIFOs, devices, symlinks, stdout
//! (`-`), the command's own inputs; stdout that is a closed pipe or a full device; CSV cells
//! that a spreadsheet would run as formulas; the studio's backup and leftover temporary files.

#![cfg(unix)]

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::cli::cxsim;

const SCENARIO: &str = "scenarios/ecommerce-retailer.ron";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenario copied into `dir` (so nothing outside the temporary directory is touched).
fn scenario_in(dir: &Path) -> PathBuf {
    let p = dir.join("journey.ron");
    std::fs::copy(root().join(SCENARIO), &p).unwrap();
    p
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    let out = cxsim().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out.stdout
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("`id -u` runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// The binary run directly (not through assert_cmd), for stdout set-ups assert_cmd cannot make.
fn raw(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cxsim"));
    c.current_dir(root()).args(args).stdin(Stdio::null());
    c
}

fn run_args<'a>(file: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["run", file, "-n", "1000", "--format", "json", "-q"];
    v.extend_from_slice(rest);
    v
}

#[test]
fn out_onto_a_fifo_writes_through_and_keeps_the_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("results.pipe");
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo is installed (coreutils); this test must not be skipped");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let fifo_s = fifo.to_str().unwrap();
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", fifo_s]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let got = reader.join().unwrap();
    assert_eq!(got, stdout_of(&run_args(SCENARIO, &[])));
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "still a FIFO");
}

#[test]
fn out_onto_a_symlink_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/out.json");
    std::fs::write(&target, b"old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("real/out.json", &link).unwrap();
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", link.to_str().unwrap()]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        stdout_of(&run_args(SCENARIO, &[]))
    );
    // The temporary file was made next to the target and renamed: nothing is left over.
    assert_eq!(
        std::fs::read_dir(dir.path().join("real")).unwrap().count(),
        1
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    // A dangling link: its target is created, the link kept.
    let dangling = dir.path().join("new.json");
    std::os::unix::fs::symlink("real/new.json", &dangling).unwrap();
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", dangling.to_str().unwrap()]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(dir.path().join("real/new.json").is_file());
}

#[test]
fn a_replaced_file_keeps_its_owner_when_run_as_root() {
    if !is_root() {
        println!("notice: not root, so a file owned by someone else cannot be set up; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.json");
    std::fs::write(&out_file, b"old").unwrap();
    std::os::unix::fs::chown(&out_file, Some(4321), Some(4322)).unwrap();
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", out_file.to_str().unwrap()]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let meta = std::fs::metadata(&out_file).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
    assert_ne!(std::fs::read(&out_file).unwrap(), b"old");
}

#[test]
fn out_onto_a_character_device_keeps_the_device() {
    if !is_root() {
        println!("notice: not root, so no device node can be made (mknod); this case cannot run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("null");
    let status = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .expect("mknod is installed (coreutils)");
    assert!(status.success(), "mknod as root");
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", node.to_str().unwrap()]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let meta = std::fs::symlink_metadata(&node).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "still a character device"
    );
    assert_eq!(meta.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());
}

#[test]
fn out_onto_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results");
    std::fs::create_dir(&target).unwrap();
    let out = cxsim()
        .args(run_args(SCENARIO, &["--out", target.to_str().unwrap()]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("results") && err.contains("directory"),
        "{err}"
    );
    assert!(target.is_dir());
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp left"
    );
}

#[test]
fn dash_and_dev_stdout_are_stdout() {
    let expected = stdout_of(&run_args(SCENARIO, &[]));
    assert_eq!(stdout_of(&run_args(SCENARIO, &["-o", "-"])), expected);
    assert_eq!(
        stdout_of(&run_args(SCENARIO, &["-o", "/dev/stdout"])),
        expected
    );

    let compare = ["compare", SCENARIO, "-n", "1000", "-f", "csv", "-q"];
    let expected = stdout_of(&compare);
    let mut with_dash = compare.to_vec();
    with_dash.extend(["-o", "-"]);
    assert_eq!(stdout_of(&with_dash), expected);

    // `--junit -`: stdout is the XML alone; the summary moves to stderr.
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_in(dir.path());
    let out = cxsim()
        .args(["check", file.to_str().unwrap(), "--junit", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("check: 1 passed"));
}

/// Runs `args` and asserts it is refused (exit 2, naming `victim`) and `victim` is unchanged.
fn assert_refused(args: &[&str], victim: &Path) {
    let before = std::fs::read(victim).unwrap();
    let out = cxsim().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let name = victim.file_name().unwrap().to_str().unwrap();
    assert!(
        err.contains(name) && err.contains("input"),
        "{args:?}: {err}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(victim).unwrap(),
        before,
        "{args:?}: input untouched"
    );
}

#[test]
fn output_over_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_in(dir.path());
    let f = file.to_str().unwrap();
    assert_refused(&run_args(f, &["--out", f]), &file);
    // The same file under another name (a symlink) is the same input.
    let alias = dir.path().join("alias.json");
    std::os::unix::fs::symlink(&file, &alias).unwrap();
    assert_refused(&run_args(f, &["--out", alias.to_str().unwrap()]), &file);
    // A batch, a shard.
    let other = dir.path().join("other.ron");
    std::fs::copy(&file, &other).unwrap();
    let o = other.to_str().unwrap();
    assert_refused(&["run", f, o, "-n", "100", "--out", o], &other);
    assert_refused(
        &["run", f, "-n", "100", "--shard", "1/2", "--out", f],
        &file,
    );
    // The analysis commands, review, diff.
    for cmd in ["compare", "diagnose", "optimize", "sensitivity"] {
        assert_refused(&[cmd, f, "-n", "100", "--out", f], &file);
    }
    assert_refused(&["review", f, "-n", "100", "--out", f], &file);
    assert_refused(&["diff", f, o, "-n", "100", "--out", f], &file);
    // merge: a part file.
    let part = dir.path().join("part1.json");
    let p = part.to_str().unwrap();
    let out = cxsim()
        .args(["run", f, "-n", "100", "--shard", "1/1", "--out", p])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_refused(&["merge", p, "--out", p], &part);
    // check --junit onto an expectations sidecar or baseline it reads.
    let sidecar = dir.path().join("journey.expect.ron");
    std::fs::copy(
        root().join("scenarios/ecommerce-retailer.expect.ron"),
        &sidecar,
    )
    .unwrap();
    assert_refused(
        &["check", f, "--junit", sidecar.to_str().unwrap()],
        &sidecar,
    );
}

/// Asserts a run with stdout's read end already closed ends quietly, without a panic.
fn assert_quiet_on_closed_pipe(args: &[&str]) {
    let mut child = raw(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
}

/// Asserts a run whose output goes to /dev/full fails with exit 4 and a message, no panic.
fn assert_io_error_on_full_device(args: &[&str], via_out: bool) {
    let mut cmd = raw(args);
    if via_out {
        cmd.args(["-o", "/dev/full"]).stdout(Stdio::null());
    } else {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux");
        cmd.stdout(Stdio::from(full));
    }
    let out = cmd.stderr(Stdio::piped()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
    assert!(err.contains("cannot write"), "{args:?}: {err}");
}

#[test]
fn a_closed_pipe_or_a_full_device_never_panics() {
    let validate = ["validate", SCENARIO];
    let bench = ["bench", SCENARIO, "-n", "1000", "-r", "1"];
    let run = ["run", SCENARIO, "-n", "1000", "-q"];
    for args in [&validate[..], &bench, &run] {
        assert_quiet_on_closed_pipe(args);
        assert_io_error_on_full_device(args, false);
    }
    assert_io_error_on_full_device(&run, true);
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let evil = text.replace(r#"name: "purchase-first""#, r#"name: "=HYPERLINK(\"x\")""#);
    assert_ne!(evil, text);
    let file = dir.path().join("evil.ron");
    std::fs::write(&file, evil).unwrap();
    let f = file.to_str().unwrap();
    let cell = r#""'=HYPERLINK(""x"")""#;
    for args in [
        &["run", f, "-n", "1000", "-f", "csv", "-q"][..],
        &["compare", f, "-n", "1000", "-f", "csv", "-q"],
    ] {
        let csv = String::from_utf8(stdout_of(args)).unwrap();
        let rows: Vec<&str> = csv.lines().filter(|l| l.contains("HYPERLINK")).collect();
        assert!(!rows.is_empty(), "{args:?}");
        for row in rows {
            assert!(row.starts_with(&format!("{cell},")), "{args:?}: {row}");
        }
        // Numbers are data, not text: a negative number is never quoted or prefixed.
        assert_eq!(
            csv.matches('\'').count(),
            csv.matches(cell).count(),
            "{csv}"
        );
    }
}

#[test]
fn the_studio_save_keeps_a_symlink_and_writes_the_backup_atomically() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/journey.ron");
    std::fs::copy(root().join(SCENARIO), &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    let link = dir.path().join("journey.ron");
    std::os::unix::fs::symlink("real/journey.ron", &link).unwrap();
    let (mut scenario, _) = cxsim::tui::files::read(&link).unwrap();
    scenario.name = "Renamed".into();
    cxsim::tui::files::save(&link, &scenario).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("Renamed")
    );
    assert_eq!(
        std::fs::read(dir.path().join("journey.ron.bak")).unwrap(),
        before
    );
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(dir.path()),
        ["journey.ron", "journey.ron.bak", "real"]
    );
    assert_eq!(names(&dir.path().join("real")), ["journey.ron"]);
}

#[test]
fn stale_save_temporaries_are_removed_and_only_ours() {
    let dir = tempfile::tempdir().unwrap();
    let journey = scenario_in(dir.path());
    let stale = dir
        .path()
        .join(format!("{}abc123", cxsim::fsutil::TEMP_PREFIX));
    let fresh = dir
        .path()
        .join(format!("{}def456", cxsim::fsutil::TEMP_PREFIX));
    let foreign = dir.path().join(".tmpXYZ123");
    for p in [&stale, &fresh, &foreign] {
        std::fs::write(p, b"partial").unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    for p in [&stale, &foreign] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    assert_eq!(cxsim::tui::files::remove_stale_temps(&journey), 1);
    assert!(!stale.exists());
    assert!(fresh.exists(), "a save in progress is left alone");
    assert!(foreign.exists(), "not ours");
    assert!(journey.exists());
}
