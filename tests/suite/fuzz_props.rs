//! Robustness of loading: whatever bytes a user (or a crashed editor) leaves in a scenario file,
//! loading returns a model or located errors — it never panics, hangs or overflows the stack —
//! and any model it accepts can be simulated.
//!
//! The inputs are mutations of the shipped scenarios (scenarios/*.ron, whatever is there), so
//! most cases are "almost valid" files that reach deep into parsing and validation.

use std::path::Path;
use std::sync::OnceLock;

use cxsim::engine::RunSpec;
use cxsim::format::error::LoadError;
use cxsim::format::parse::{parse_scenario, to_canonical_ron};
use cxsim::model::load::{load_file, load_str};
use proptest::prelude::*;
use proptest::sample::Index;

const CASES: u32 = 256;
const SIM_CUSTOMERS: u64 = 200;

/// The text of every valid shipped scenario, sorted by file name.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("scenarios/ exists")
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("scenario is readable");
                (p.display().to_string(), text)
            })
            // Another test reports a shipped scenario that does not validate; here it would
            // only weaken "the unmutated file is valid" assumptions, so leave it out.
            .filter(|(name, text)| load_str(Path::new(name), text).is_ok())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no valid scenarios in {}", dir.display());
        files
    })
}

fn pick(i: &Index) -> &'static (String, String) {
    let c = corpus();
    &c[i.index(c.len())]
}

/// A position in 0..=len (so insertion at the very end is possible).
fn pos(at: &Index, len: usize) -> usize {
    at.index(len + 1)
}

/// Snippets that steer mutations towards interesting syntax.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "'",
    "//",
    "/*",
    "*/",
    "\n",
    "-",
    ".",
    "e",
    "NaN",
    "inf",
    "-inf",
    "Some(",
    "None",
    "99999999999",
    "1e308",
    "-1",
    "0",
    "Up(",
    "Down(",
    "After(",
    "\u{feff}",
    "\\",
    "r#\"",
    "#![enable(implicit_some)]",
    "é",
    "\u{0}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: Index,
        bit: u8,
    },
    Set {
        at: Index,
        byte: u8,
    },
    Insert {
        at: Index,
        byte: u8,
    },
    Token {
        at: Index,
        token: Index,
    },
    Delete {
        at: Index,
        len: usize,
    },
    Truncate {
        at: Index,
    },
    /// Copies a chunk of a (possibly different) scenario into this one.
    Splice {
        donor: Index,
        from: Index,
        len: usize,
        to: Index,
    },
    /// Repeats a chunk in place, e.g. duplicating a touchpoint or a bracket run.
    Repeat {
        from: Index,
        len: usize,
        times: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Mutation::Token { at, token }),
        3 => (any::<Index>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        2 => (any::<Index>(), any::<Index>(), 1usize..400, any::<Index>())
            .prop_map(|(donor, from, len, to)| Mutation::Splice { donor, from, len, to }),
        1 => (any::<Index>(), 1usize..20, 2usize..200)
            .prop_map(|(from, len, times)| Mutation::Repeat { from, len, times }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Flip { at, bit } => {
                if len > 0 {
                    bytes[at.index(len)] ^= 1 << bit;
                }
            }
            Mutation::Set { at, byte } => {
                if len > 0 {
                    bytes[at.index(len)] = *byte;
                }
            }
            Mutation::Insert { at, byte } => bytes.insert(pos(at, len), *byte),
            Mutation::Token { at, token } => {
                let t = TOKENS[token.index(TOKENS.len())].as_bytes();
                let p = pos(at, len);
                bytes.splice(p..p, t.iter().copied());
            }
            Mutation::Delete { at, len: n } => {
                let p = pos(at, len);
                let end = (p + n).min(len);
                bytes.drain(p..end);
            }
            Mutation::Truncate { at } => bytes.truncate(pos(at, len)),
            Mutation::Splice {
                donor,
                from,
                len: n,
                to,
            } => {
                let d = pick(donor).1.as_bytes();
                let start = pos(from, d.len());
                let chunk = &d[start..(start + n).min(d.len())];
                let p = pos(to, len);
                bytes.splice(p..p, chunk.iter().copied());
            }
            Mutation::Repeat {
                from,
                len: n,
                times,
            } => {
                let start = pos(from, len);
                let chunk = bytes[start..(start + n).min(len)].to_vec();
                let mut insert = Vec::with_capacity(chunk.len() * times);
                for _ in 0..*times {
                    insert.extend_from_slice(&chunk);
                }
                bytes.splice(start..start, insert);
            }
        }
    }
    bytes
}

/// Checks what any load result must satisfy, and simulates an accepted model.
fn check_result(name: &str, text: &str, result: Result<cxsim::model::Model, LoadError>) {
    match result {
        Ok(model) => {
            let spec = RunSpec::all_strategies(&model, SIM_CUSTOMERS, 1);
            let results = cxsim::run::simulate(&model, &spec);
            assert_eq!(results.strategies.len(), model.scenario.strategies.len());
            // What `cxsim run` would print must render too.
            for format in [
                cxsim::report::Format::Table,
                cxsim::report::Format::Json,
                cxsim::report::Format::Csv,
            ] {
                let _ = cxsim::report::render(&results, format);
            }
            // What the studio saves loads back to the same scenario.
            let canonical = to_canonical_ron(&model.scenario);
            match parse_scenario(Path::new("canonical.ron"), &canonical) {
                Ok(back) => assert_eq!(back, model.scenario, "canonical round trip"),
                Err(e) => panic!("canonical text does not parse: {e}\n{canonical}"),
            }
        }
        Err(e) => {
            let rendered = e.to_string();
            assert!(
                rendered.contains(name),
                "message lacks the file name: {rendered}"
            );
            // Messages speak the user's language, not the parser's.
            for internal in [
                "ron::",
                "end of RON",
                "RecursionLimit",
                "raw identifier",
                "std identifier",
            ] {
                assert!(
                    !rendered.contains(internal),
                    "parser jargon `{internal}`: {rendered}"
                );
            }
            let problems = e.problems();
            assert!(
                !problems.is_empty(),
                "an error with no problems: {rendered}"
            );
            for p in &problems {
                assert!(!p.path.is_empty(), "problem without location: {p:?}");
                assert!(!p.message.is_empty(), "problem without message: {p:?}");
            }
            if let LoadError::Parse { line, col, .. } = &e {
                let lines = text.split('\n').count();
                assert!(
                    *line >= 1 && *line <= lines && *col >= 1,
                    "parse error at {line}:{col} outside a {lines}-line text: {rendered}"
                );
            }
        }
    }
}

/// `CASES` per property unless PROPTEST_CASES asks for more (e.g. for a long local run).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        // Failures print the shrunk case; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Mutated text never makes loading panic; an accepted model simulates without panic.
    #[test]
    fn mutated_text_loads_or_fails_cleanly(
        file in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (name, text) = pick(&file);
        let bytes = apply(text.as_bytes().to_vec(), &mutations);
        let mutated = String::from_utf8_lossy(&bytes);
        check_result(name, &mutated, load_str(Path::new(name), &mutated));
    }

    /// The same through the file system, where invalid UTF-8 and a byte-order mark are handled.
    #[test]
    fn mutated_files_load_or_fail_cleanly(
        file in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
        bom in any::<bool>(),
    ) {
        let (_, text) = pick(&file);
        let mut bytes = apply(text.as_bytes().to_vec(), &mutations);
        if bom {
            bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mutated.ron");
        std::fs::write(&path, &bytes).expect("write");
        let name = path.display().to_string();
        let shown = String::from_utf8_lossy(&bytes);
        let shown = shown.strip_prefix('\u{feff}').unwrap_or(&shown);
        check_result(&name, shown, load_file(&path));
    }

    /// Extreme numbers in place of any number either validate or are reported with a location.
    #[test]
    fn extreme_numbers_validate_or_are_located(
        file in any::<Index>(),
        replacements in proptest::collection::vec(
            (any::<Index>(), prop::sample::select(vec![
                "NaN", "inf", "-inf", "-1", "-1.0", "1e308", "-1e308", "0", "0.0", "-0.0",
                "1", "1.0", "0.5", "2", "1e-308", "4294967295", "99999999999",
            ])),
            1..4,
        ),
    ) {
        let (name, text) = pick(&file);
        let spans = number_spans(text);
        prop_assume!(!spans.is_empty());
        let mut chosen: Vec<((usize, usize), &str)> = replacements
            .iter()
            .map(|(i, v)| (spans[i.index(spans.len())], *v))
            .collect();
        // Replace from the end so earlier spans stay valid; one replacement per span.
        chosen.sort_by_key(|(span, _)| std::cmp::Reverse(*span));
        chosen.dedup_by_key(|(span, _)| *span);
        let mut mutated = text.clone();
        for ((start, end), value) in &chosen {
            mutated.replace_range(*start..*end, value);
        }
        let result = load_str(Path::new(name), &mutated);
        if let Err(LoadError::Io { .. }) = result {
            panic!("load_str cannot fail with an I/O error");
        }
        check_result(name, &mutated, result);
    }
}

/// Byte spans of the number literals outside strings and comments.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            c if c.is_ascii_digit()
                || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_digit()
                        || matches!(b[i], b'.' | b'_' | b'e' | b'E')
                        || (matches!(b[i], b'-' | b'+') && matches!(b[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                spans.push((start, i));
            }
            _ => i += 1,
        }
    }
    spans
}

#[test]
fn number_spans_finds_the_numbers() {
    let text = "S(a: 1, b: -0.5, c: Up(1e-3), d: \"x 42\", // 7\n e: 3_000)";
    let found: Vec<&str> = number_spans(text)
        .into_iter()
        .map(|(s, e)| &text[s..e])
        .collect();
    assert_eq!(found, ["1", "-0.5", "1e-3", "3_000"]);
}

/// Deep nesting anywhere in a file is an error, not a stack overflow.
#[test]
fn deep_nesting_is_a_clean_error() {
    let (name, text) = &corpus()[0];
    for opener in ["[", "(", "{", "Some(", "Up("] {
        for depth in [100usize, 10_000, 100_000] {
            let garbage = opener.repeat(depth);
            for at in [0, text.len() / 2, text.len()] {
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let mutated = format!("{}{garbage}{}", &text[..at], &text[at..]);
                let result = load_str(Path::new(name), &mutated);
                assert!(result.is_err(), "{opener} x {depth} at {at} was accepted");
                check_result(name, &mutated, result);
            }
        }
    }
}
