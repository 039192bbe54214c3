//! `--charts DIR`: every analysis command (and `run`) writes its charts as standalone SVG files
//! that parse as XML, with the same bytes as the report's inline charts.

use std::path::Path;

use crate::common::cli::cxsim;

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

/// Decodes a PNG and returns (width, height, share of pixels that are dark in the band of rows
/// `rows`).
fn dark_share(png: &[u8], rows: std::ops::Range<u32>) -> (u32, u32, f64) {
    let img = resvg::tiny_skia::Pixmap::decode_png(png).expect("a valid PNG");
    let (w, h) = (img.width(), img.height());
    let mut dark = 0usize;
    let mut all = 0usize;
    for y in rows {
        for x in 0..w {
            let p = img.pixel(x, y).expect("inside the image");
            all += 1;
            if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 3 * 100 {
                dark += 1;
            }
        }
    }
    (w, h, dark as f64 / all as f64)
}

#[test]
fn png_charts_are_rendered_with_their_text_and_reproducibly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |sub: &str| {
        let target = dir.path().join(sub);
        let out = cxsim()
            .args([
                "run",
                DOMINANT,
                "-n",
                "2000",
                "-q",
                "--chart-format",
                "both",
            ])
            .arg("--charts")
            .arg(&target)
            .output()
            .expect("cxsim runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target
    };
    let (a, b) = (run("a"), run("b"));
    for name in ["npv", "retention", "revenue"] {
        assert!(a.join(format!("{name}.svg")).is_file(), "{name}.svg");
        let png = std::fs::read(a.join(format!("{name}.png"))).expect("the PNG exists");
        // The same inputs give the same pixels (the font is embedded, not looked up).
        assert_eq!(
            png,
            std::fs::read(b.join(format!("{name}.png"))).expect("the PNG exists"),
            "{name}.png differs between two identical runs"
        );
        // Two pixels per SVG unit of the chart's own viewBox.
        let svg = std::fs::read_to_string(a.join(format!("{name}.svg"))).expect("the SVG");
        let view_box = roxmltree::Document::parse(&svg)
            .expect("XML")
            .root_element()
            .attribute("viewBox")
            .expect("a viewBox")
            .split(' ')
            .map(|v| v.parse::<f64>().expect("a number"))
            .collect::<Vec<_>>();
        let (w, h, title_ink) = dark_share(&png, 20..50);
        assert_eq!(
            (f64::from(w), f64::from(h)),
            ((2.0 * view_box[2]).ceil(), (2.0 * view_box[3]).ceil()),
            "{name}.png size"
        );
        // The bold black title sits in this band: no ink there means the text was dropped
        // (the failure mode of a rasteriser without fonts). The background is white.
        assert!(title_ink > 0.01, "{name}.png: no title text ({title_ink})");
        let (_, _, corner_ink) = dark_share(&png, 0..4);
        assert_eq!(corner_ink, 0.0, "{name}.png: the background is not white");
    }
}

#[test]
fn png_only_writes_no_svg_and_chart_format_needs_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cxsim()
        .args([
            "sensitivity",
            DOMINANT,
            "-n",
            "500",
            "-q",
            "--chart-format",
            "png",
        ])
        .arg("--charts")
        .arg(dir.path())
        .output()
        .expect("cxsim runs");
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tornado.png"]);
    let out = cxsim()
        .args(["run", DOMINANT, "--chart-format", "png"])
        .output()
        .expect("cxsim runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--chart-format without --charts"
    );
}

#[test]
fn long_row_labels_are_cut_to_fit_and_stay_distinct() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = charts(
        &[
            "sensitivity",
            "scenarios/ecommerce-retailer.ron",
            "-n",
            "300",
        ],
        dir.path(),
    );
    let (_, svg) = files
        .iter()
        .find(|(n, _)| n == "tornado.svg")
        .expect("tornado.svg");
    let doc = roxmltree::Document::parse(svg).expect("XML");
    let mut shown = Vec::new();
    let mut cut = 0;
    for t in doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("end"))
    {
        let x: f64 = t.attribute("x").expect("x").parse().expect("number");
        // The visible text is the element's own text nodes, not its tooltip.
        let visible: String = t
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        assert!(
            visible.chars().count() as f64 * 7.0 <= x,
            "{visible:?} runs off the left edge"
        );
        if let Some(title) = t.children().find(|c| c.has_tag_name("title")) {
            cut += 1;
            let full = title.text().expect("the whole label");
            assert!(visible.contains('…') && full.chars().count() > visible.chars().count());
            let tail = visible.rsplit('…').next().expect("a tail");
            assert!(full.ends_with(tail), "{full:?} / {visible:?}");
        }
        shown.push(visible);
    }
    assert!(cut > 0, "the e-commerce journey has long touchpoint names");
    let n = shown.len();
    shown.sort();
    shown.dedup();
    assert_eq!(shown.len(), n, "two rows look the same after cutting");
}
