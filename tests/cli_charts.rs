//! `--charts DIR`: every analysis command (and `run`) writes its charts as standalone SVG files
//! that parse as XML, with the same bytes as the report's inline charts.

use std::path::Path;

mod common;

use common::cli::cxsim;

const DOMINANT: &str = "tests/fixtures/analysis/dominant.ron";

/// Runs the command with `--charts DIR -q`, expects success, and returns the SVG files written.
fn charts(args: &[&str], dir: &Path) -> Vec<(String, String)> {
    let out = cxsim()
        .args(args)
        .arg("--charts")
        .arg(dir)
        .arg("-q")
        .output()
        .expect("cxsim runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the chart directory exists")
        .map(|e| {
            let p = e.expect("entry").path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            (name, std::fs::read_to_string(&p).expect("UTF-8 SVG"))
        })
        .collect();
    files.sort();
    files
}

/// The document parses as XML with an <svg> root of positive size and a title.
fn assert_svg(name: &str, text: &str) {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{name}: not XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{name}");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg"),
        "{name}"
    );
    for attr in ["width", "height"] {
        let v: f64 = root
            .attribute(attr)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no numeric {attr}"));
        assert!(v > 0.0, "{name}: {attr} {v}");
    }
    assert!(
        root.children().any(|c| c.has_tag_name("title")),
        "{name}: no title"
    );
}

#[test]
fn every_command_writes_well_formed_svg_charts() {
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["run", DOMINANT, "-n", "3000"],
            &["npv.svg", "retention.svg", "revenue.svg"],
        ),
        (
            &["compare", DOMINANT, "-n", "3000"],
            &["npv.svg", "retention.svg", "revenue.svg"],
        ),
        (
            &[
                "optimize", DOMINANT, "-n", "1000", "-r", "4", "--rounds", "0",
            ],
            &["ternary.svg"],
        ),
        (&["sensitivity", DOMINANT, "-n", "1000"], &["tornado.svg"]),
        (
            &["diagnose", DOMINANT, "-n", "1000"],
            &["lost-revenue.svg", "removal.svg"],
        ),
    ];
    for (args, expected) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        // A directory that does not exist yet is created.
        let target = dir.path().join("charts/nested");
        let files = charts(args, &target);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, expected, "{args:?}");
        for (name, text) in &files {
            assert_svg(name, text);
        }
        // The same charts are inlined in the HTML report, byte for byte.
        let html = cxsim()
            .args(args)
            .args(["-f", "html", "-q"])
            .output()
            .expect("cxsim runs");
        let html = String::from_utf8(html.stdout).expect("UTF-8");
        for (name, text) in &files {
            assert!(
                html.contains(text.as_str()),
                "{args:?}: {name} differs from the report's"
            );
        }
    }
}

#[test]
fn charts_into_a_file_path_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let out = cxsim()
        .args(["sensitivity", DOMINANT, "-n", "500", "-q", "--charts"])
        .arg(&file)
        .output()
        .expect("cxsim runs");
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not-a-dir"), "{err}");
}
