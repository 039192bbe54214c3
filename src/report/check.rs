//! `cxsim check` for CI: JUnit XML and GitHub annotations.

use std::path::Path;

use crate::analysis::check::*;

/// Escapes text for a GitHub workflow command's message.
pub fn github_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub workflow command property value.
pub fn github_escape_property(s: &str) -> String {
    github_escape_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// `::error file=…,line=…,title=…::message`.
pub fn github_annotation(file: &Path, line: usize, title: &str, message: &str) -> String {
    format!(
        "::error file={},line={line},title={}::{}",
        github_escape_property(&file.to_string_lossy()),
        github_escape_property(title),
        github_escape_data(message)
    )
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A JUnit XML report: one testsuite per scenario, one testcase per expectation and baseline
/// metric; an invalid input file is a testcase with an `<error>`.
pub fn junit_xml(checks: &[ScenarioCheck]) -> String {
    let tests: usize = checks
        .iter()
        .map(|c| c.verdicts.len() + c.errors.len())
        .sum();
    let failures: usize = checks.iter().map(ScenarioCheck::failures).sum();
    let errors: usize = checks.iter().map(|c| c.errors.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"cxsim check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n"
    ));
    for c in checks {
        let name = c.scenario.to_string_lossy();
        let class = name
            .trim_end_matches(".ron")
            .replace(['/', '\\'], ".")
            .trim_start_matches('.')
            .to_string();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
            xml_escape(&name),
            c.verdicts.len() + c.errors.len(),
            c.failures(),
            c.errors.len()
        ));
        for (file, line, message) in &c.errors {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"valid input: {}\" file=\"{}\" line=\"{line}\">\n      <error message=\"invalid input\">{}</error>\n    </testcase>\n",
                xml_escape(&class),
                xml_escape(&file.to_string_lossy()),
                xml_escape(&file.to_string_lossy()),
                xml_escape(message)
            ));
        }
        for v in &c.verdicts {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
                xml_escape(&class),
                xml_escape(&v.name),
                xml_escape(&v.file.to_string_lossy()),
                v.line
            ));
            if v.passed {
                out.push_str(&format!(
                    ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                    xml_escape(&v.detail)
                ));
            } else {
                out.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}:{}: {}</failure>\n    </testcase>\n",
                    xml_escape(&v.detail),
                    xml_escape(&v.file.to_string_lossy()),
                    v.line,
                    xml_escape(&v.detail)
                ));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_escape_what_github_requires() {
        assert_eq!(
            github_annotation(Path::new("a,b:c.ron"), 7, "x: y", "50% down\nnext"),
            "::error file=a%2Cb%3Ac.ron,line=7,title=x%3A y::50%25 down%0Anext"
        );
    }
}
