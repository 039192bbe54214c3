//! The layers run one way (docs/architecture.md): every `crate::`, `super::` and `self::` path in
//! `src/` is resolved to the module it names, and a file may name only modules of its own layer
//! or below. The core (everything under the front ends) names no terminal or CLI crate. No two
//! modules import each other in a loop, inside a layer either (parent and child aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, lowest first. `cli` may open the studio, so `tui` ranks below it.
const LAYERS: [(&str, u32); 11] = [
    ("fmt", 0),
    ("fsutil", 0),
    ("format", 1),
    ("model", 2),
    ("engine", 3),
    ("results", 4),
    ("run", 5),
    ("analysis", 6),
    ("report", 7),
    ("tui", 8),
    ("cli", 9),
];

/// Crates only the front ends may use.
const FRONT_END_CRATES: [&str; 5] = ["clap", "ratatui", "crossterm", "indicatif", "signal_hook"];

type ModPath = Vec<String>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/engine/mod.rs` → [engine]; `src/engine/reduce.rs` → [engine, reduce]; lib.rs → [].
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code without comments, string and char literals (lifetimes stay).
fn strip(code: &str) -> String {
    let b: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !prev_is_ident(&b, i) {
            // Raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            'raw: while j < b.len() {
                if b[j] == '"' {
                    let mut k = 0;
                    while k < hashes && b.get(j + 1 + k) == Some(&'#') {
                        k += 1;
                    }
                    if k == hashes {
                        j += 1 + hashes;
                        break 'raw;
                    }
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{1b}') or a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    i = k + 1;
                    out.push(' ');
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let plain = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![plain.to_string()];
    };
    let head = &tree[..open];
    let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in body.chars() {
        match ch {
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            '{' => {
                depth += 1;
                cur.push(ch);
            }
            '}' => {
                depth -= 1;
                cur.push(ch);
            }
            _ => cur.push(ch),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |q| format!("{head}{q}")))
        .collect()
}

/// Every path a file names that starts with `crate`, `super` or `self`, and every external
/// crate it names at the start of a path.
fn paths(code: &str) -> (Vec<String>, BTreeSet<String>) {
    let mut out = Vec::new();
    let mut rest = String::new();
    let mut crates = BTreeSet::new();
    let mut s = code;
    while let Some(k) = find_word(s, "use") {
        rest.push_str(&s[..k]);
        let after = &s[k + 3..];
        let end = after.find(';').unwrap_or(after.len());
        let tree = after[..end].trim();
        let first = tree.split("::").next().unwrap_or("").trim();
        if matches!(first, "crate" | "super" | "self") {
            out.extend(expand(tree));
        } else if !first.is_empty() {
            crates.insert(first.trim_start_matches('{').to_string());
        }
        s = &after[(end + 1).min(after.len())..];
    }
    rest.push_str(s);
    // Inline paths such as `crate::model::Model` or `clap::ValueEnum` in derives.
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if (chars[i].is_alphabetic() || chars[i] == '_') && !(i > 0 && is_path_char(chars[i - 1])) {
            let start = i;
            while i < chars.len() && (is_path_char(chars[i]) || chars[i] == ':') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.trim_end_matches(':');
            if word.contains("::") {
                let first = word.split("::").next().unwrap_or("");
                if matches!(first, "crate" | "super" | "self") {
                    out.push(word.to_string());
                } else {
                    crates.insert(first.to_string());
                }
            }
        } else {
            i += 1;
        }
    }
    (out, crates)
}

fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn find_word(s: &str, w: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = s[from..].find(w) {
        let at = from + k;
        let before = s[..at].chars().next_back();
        let after = s[at + w.len()..].chars().next();
        if !before.is_some_and(is_path_char) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + w.len();
    }
    None
}

/// The module a path names: the longest known module prefix of its resolved segments.
fn resolve(path: &str, here: &ModPath, mods: &BTreeSet<ModPath>) -> Option<ModPath> {
    let segs: Vec<&str> = path
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut base: ModPath = here.clone();
    let mut rest = &segs[..];
    match rest.first() {
        Some(&"crate") => {
            base.clear();
            rest = &rest[1..];
        }
        _ => {
            // `self` is the file's own module, `super` its parent.
            while let Some(&s) = rest.first() {
                match s {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
    }
    let mut full = base;
    full.extend(rest.iter().map(|s| s.to_string()));
    (0..=full.len())
        .rev()
        .map(|k| full[..k].to_vec())
        .find(|m| mods.contains(m))
}

fn layer_of(m: &ModPath) -> Option<(&'static str, u32)> {
    let first = m.first()?;
    LAYERS.iter().copied().find(|(name, _)| name == first)
}

struct Graph {
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
    crates: BTreeMap<ModPath, BTreeSet<String>>,
    files: BTreeMap<ModPath, PathBuf>,
}

fn graph() -> Graph {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut by_mod = BTreeMap::new();
    for f in &files {
        if f.file_name().is_some_and(|n| n == "main.rs") {
            continue; // the binary's entry: a crate of its own over the library
        }
        by_mod.insert(module_of(&src, f), f.clone());
    }
    let mods: BTreeSet<ModPath> = by_mod.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    let mut crates = BTreeMap::new();
    for (m, f) in &by_mod {
        let code = strip(&std::fs::read_to_string(f).unwrap_or_default());
        let (ps, cs) = paths(&code);
        let mut to = BTreeSet::new();
        for p in ps {
            if let Some(t) = resolve(&p, m, &mods)
                && &t != m
                && !t.starts_with(m)
                && !m.starts_with(&t)
            {
                to.insert(t);
            }
        }
        edges.insert(m.clone(), to);
        crates.insert(m.clone(), cs);
    }
    Graph {
        edges,
        crates,
        files: by_mod,
    }
}

fn show(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn every_import_runs_down_the_layers() {
    let g = graph();
    let mut wrong = Vec::new();
    for (m, to) in &g.edges {
        let Some((layer, rank)) = layer_of(m) else {
            continue; // lib.rs: declares the layers, imports nothing
        };
        for t in to {
            match layer_of(t) {
                Some((tl, tr)) if tr > rank => {
                    wrong.push(format!("{} ({layer}) imports {} ({tl})", show(m), show(t)))
                }
                Some(_) => {}
                // The crate root holds only the built-in journey's text.
                None if t.is_empty() => {}
                None => wrong.push(format!(
                    "{} imports {}, which has no layer",
                    show(m),
                    show(t)
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer direction (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_module_has_a_layer() {
    let g = graph();
    let loose: Vec<String> = g
        .files
        .iter()
        .filter(|(m, _)| !m.is_empty() && layer_of(m).is_none())
        .map(|(_, f)| f.display().to_string())
        .collect();
    assert!(
        loose.is_empty(),
        "files outside every layer (move them into one, or add the layer to docs/architecture.md and LAYERS):\n{}",
        loose.join("\n")
    );
}

#[test]
fn the_core_knows_no_terminal_and_no_command_line() {
    let g = graph();
    let mut wrong = Vec::new();
    for (m, cs) in &g.crates {
        if matches!(layer_of(m), Some((_, r)) if r >= 8) || m.is_empty() {
            continue;
        }
        for c in cs {
            if FRONT_END_CRATES.contains(&c.as_str()) {
                wrong.push(format!("{} uses {c}", show(m)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the core names front-end crates:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_loop() {
    let g = graph();
    // Tarjan's strongly connected components over the module graph.
    struct State<'a> {
        g: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on: BTreeSet<&'a ModPath>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            if !g.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(show(w));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g: &g.edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let lines: Vec<String> = s.out.iter().map(|c| c.join(", ")).collect();
    assert!(lines.is_empty(), "import circles:\n{}", lines.join("\n"));
}

/// The studio keeps its state apart from its drawing and its input (docs/architecture.md):
/// `tui::app` (and its children) never import `view`, `input` or `layout`, and the theme is
/// a leaf.
#[test]
fn the_studio_state_never_imports_its_drawing() {
    let g = graph();
    let tui = |rest: &[&str]| -> ModPath {
        std::iter::once("tui")
            .chain(rest.iter().copied())
            .map(String::from)
            .collect()
    };
    let (app, view, input, layout, theme) = (
        tui(&["app"]),
        tui(&["view"]),
        tui(&["input"]),
        tui(&["layout"]),
        tui(&["theme"]),
    );
    let mut wrong = Vec::new();
    for (m, to) in &g.edges {
        for t in to {
            let state_to_screen = m.starts_with(&app)
                && (t.starts_with(&view) || t.starts_with(&input) || t.starts_with(&layout));
            let theme_imports = *m == theme;
            if state_to_screen || theme_imports {
                wrong.push(format!("{} imports {}", show(m), show(t)));
            }
        }
    }
    assert!(g.edges.contains_key(&app) && g.edges.contains_key(&theme));
    assert!(
        wrong.is_empty(),
        "the studio's state reaches its screens:\n{}",
        wrong.join("\n")
    );
}

/// The checker itself: it must see a violation when there is one.
#[test]
fn the_checker_sees_grouped_inline_and_relative_paths() {
    let code = strip(
        "use crate::{model::Model, engine::{Acc, rng}};\n\
         // use crate::tui::App;\n\
         let s = \"crate::cli::x\";\n\
         fn f() -> crate::report::Format { clap::ValueEnum::x() }\n\
         use super::sibling::Thing;",
    );
    let (ps, cs) = paths(&code);
    assert!(ps.contains(&"crate::model::Model".to_string()), "{ps:?}");
    assert!(ps.contains(&"crate::engine::rng".to_string()), "{ps:?}");
    assert!(ps.contains(&"crate::report::Format".to_string()), "{ps:?}");
    assert!(ps.contains(&"super::sibling::Thing".to_string()), "{ps:?}");
    assert!(
        !ps.iter().any(|p| p.contains("tui") || p.contains("cli")),
        "{ps:?}"
    );
    assert!(cs.contains("clap"), "{cs:?}");
    let mods: BTreeSet<ModPath> = [
        vec!["results".to_string()],
        vec!["results".to_string(), "sibling".to_string()],
        vec!["results".to_string(), "here".to_string()],
    ]
    .into_iter()
    .collect();
    let here = vec!["results".to_string(), "here".to_string()];
    assert_eq!(
        resolve("super::sibling::Thing", &here, &mods),
        Some(vec!["results".to_string(), "sibling".to_string()])
    );
}
