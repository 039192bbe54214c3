//! Field path → place in the RON text, so problems found after parsing (validation) can be
//! reported at a line and column like syntax errors are.
//!
//! Validation works on the parsed scenario and names what is wrong by field path
//! (`touchpoints[2].trigger.touchpoint`). This module walks the original text along that path
//! with a small scanner that knows only RON's brackets, strings and comments. It is best effort:
//! it returns the deepest part of the path it could find (a path into a default value that is
//! not written in the file points at the enclosing item), or `None` when not even the first
//! step is in the text.

use super::path::{FieldPath, Step};

/// Where a field path is written: 1-based line and column (in characters) of the field's name,
/// or of the list item for an index step. `None` unless the whole path is in the text.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let (at, complete) = walk(text, path)?;
    complete.then_some(at)
}

/// Like [`locate`], falling back to the longest prefix of the path that is in the text (a
/// field left at its default points at the item that would hold it).
pub fn locate_nearest(text: &str, path: &str) -> Option<(usize, usize)> {
    walk(text, path).map(|(at, _)| at)
}

/// The deepest place found along the path, and whether that was the whole path.
fn walk(text: &str, path: &str) -> Option<((usize, usize), bool)> {
    let path = FieldPath::parse(path).ok()?;
    let steps = path.steps();
    let s = Scanner { b: text.as_bytes() };
    let mut value = s.top_value()?;
    let mut found = None;
    for (n, step) in steps.iter().enumerate() {
        let hit = match step {
            Step::Field(name) => s.field(value, name),
            Step::Index(i) => s.item(value, *i).map(|v| (v, v)),
            Step::Key(key) => s.entry(value, key).or_else(|| s.item_with_id(value, key)),
            // `[*]` names every element: the place of the list itself is the nearest.
            Step::All => None,
        };
        match hit {
            Some((at, next)) => {
                found = Some((at, n + 1 == steps.len()));
                value = next;
            }
            None => break,
        }
    }
    found.map(|(at, complete)| (line_col(text, at), complete))
}

/// Byte scanner over RON text. Every method takes and returns byte offsets; none can loop
/// forever (each step advances) or index out of bounds (all reads go through `get`).
struct Scanner<'a> {
    b: &'a [u8],
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// Skips whitespace and comments (`//` lines, nested `/* */` blocks).
    fn trivia(&self, mut i: usize) -> usize {
        loop {
            match (self.at(i), self.at(i + 1)) {
                (b' ' | b'\t' | b'\n' | b'\r', _) => i += 1,
                (b'/', b'/') => {
                    while i < self.b.len() && self.at(i) != b'\n' {
                        i += 1;
                    }
                }
                (b'/', b'*') => {
                    let mut depth = 0usize;
                    while i < self.b.len() {
                        if self.at(i) == b'/' && self.at(i + 1) == b'*' {
                            depth += 1;
                            i += 2;
                        } else if self.at(i) == b'*' && self.at(i + 1) == b'/' {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            i += 1;
                        }
                    }
                }
                _ => return i,
            }
        }
    }

    /// The top-level value, after `#![enable(..)]` attributes.
    fn top_value(&self) -> Option<usize> {
        let mut i = self.trivia(0);
        while self.at(i) == b'#' {
            i = self.skip_value(i + 1 + usize::from(self.at(i + 1) == b'!'));
            i = self.trivia(i);
        }
        (i < self.b.len()).then_some(i)
    }

    fn ident_end(&self, mut i: usize) -> usize {
        while self.at(i).is_ascii_alphanumeric() || self.at(i) == b'_' || self.at(i) >= 0x80 {
            i += 1;
        }
        i
    }

    /// Skips one value (or token) starting at `i`: a bracketed group, a string, a char, or a
    /// run of other characters up to a separator.
    fn skip_value(&self, i: usize) -> usize {
        let i = self.trivia(i);
        match self.at(i) {
            b'"' => self.skip_string(i + 1),
            b'r' if matches!(self.at(i + 1), b'"' | b'#') => self.skip_raw_string(i + 1),
            b'\'' => {
                let mut j = i + 1;
                while j < self.b.len() && self.at(j) != b'\'' {
                    j += if self.at(j) == b'\\' { 2 } else { 1 };
                }
                j + 1
            }
            b'(' | b'[' | b'{' => self.skip_group(i),
            0 => i,
            _ => {
                let end = self.ident_end(i);
                if end > i {
                    // An identifier may open a struct or enum variant: `Up(0.1)`, `After(..)`.
                    let j = self.trivia(end);
                    if self.at(j) == b'(' {
                        return self.skip_group(j);
                    }
                    return end;
                }
                let mut j = i;
                while j < self.b.len() && !b",:)]} \t\r\n/".contains(&self.at(j)) {
                    j += 1;
                }
                j.max(i + 1)
            }
        }
    }

    fn skip_string(&self, mut j: usize) -> usize {
        while j < self.b.len() && self.at(j) != b'"' {
            j += if self.at(j) == b'\\' { 2 } else { 1 };
        }
        j + 1
    }

    fn skip_raw_string(&self, mut j: usize) -> usize {
        let mut hashes = 0;
        while self.at(j) == b'#' {
            hashes += 1;
            j += 1;
        }
        j += 1; // the opening quote
        while j < self.b.len() {
            if self.at(j) == b'"' && (1..=hashes).all(|h| self.at(j + h) == b'#') {
                return j + 1 + hashes;
            }
            j += 1;
        }
        j
    }

    /// Skips a bracketed group starting at its opening bracket.
    fn skip_group(&self, i: usize) -> usize {
        let mut j = i + 1;
        loop {
            j = self.trivia(j);
            match self.at(j) {
                b')' | b']' | b'}' => return j + 1,
                0 => return j,
                b',' | b':' => j += 1,
                _ => j = self.skip_value(j),
            }
        }
    }

    /// The position just inside the brackets of the value at `i`, looking through a type or
    /// variant name (`Scenario(`, `After(`) and `Some(..)`; with the bracket found.
    fn open(&self, i: usize) -> Option<(usize, u8)> {
        let i = self.trivia(i);
        let j = self.trivia(self.ident_end(i));
        let c = self.at(j);
        matches!(c, b'(' | b'[' | b'{').then_some((j + 1, c))
    }

    /// Field `name` of the struct value at `i`: (position of the name, position of its value).
    /// Looks inside `Some(..)` when the field is not found directly.
    fn field(&self, i: usize, name: &str) -> Option<(usize, usize)> {
        let (mut j, bracket) = self.open(i)?;
        if bracket != b'(' {
            return None;
        }
        let first = self.trivia(j);
        loop {
            j = self.trivia(j);
            match self.at(j) {
                b')' | b']' | b'}' | 0 => break,
                b',' => j += 1,
                _ => {
                    let key_end = self.ident_end(j);
                    let after = self.trivia(key_end);
                    if key_end > j && self.at(after) == b':' {
                        let value = self.trivia(after + 1);
                        if &self.b[j..key_end] == name.as_bytes() {
                            return Some((j, value));
                        }
                        j = self.skip_value(value);
                    } else {
                        j = self.skip_value(j);
                    }
                }
            }
        }
        // `Some(Struct(..))` or a newtype variant: the field may be one level in. `first` lies
        // past `i`, so this recursion ends.
        self.open(first)?;
        self.field(first, name)
    }

    /// The entry with string key `key` of the map value at `i`: (position of the key, position
    /// of its value).
    fn entry(&self, i: usize, key: &str) -> Option<(usize, usize)> {
        let (mut j, bracket) = self.open(i)?;
        if bracket != b'{' {
            return None;
        }
        loop {
            j = self.trivia(j);
            match self.at(j) {
                b'}' | b']' | b')' | 0 => return None,
                b',' => j += 1,
                b'"' => {
                    let end = self.skip_string(j + 1);
                    let after = self.trivia(end);
                    if self.at(after) != b':' {
                        j = end;
                        continue;
                    }
                    let value = self.trivia(after + 1);
                    // Keys with escapes are compared as written; ids have none in practice.
                    if self.b.get(j + 1..end.saturating_sub(1)) == Some(key.as_bytes()) {
                        return Some((j, value));
                    }
                    j = self.skip_value(value);
                }
                _ => j = self.skip_value(j),
            }
        }
    }

    /// The item of the list value at `i` whose `id` (or, for strategies, `name`) is `key`.
    fn item_with_id(&self, i: usize, key: &str) -> Option<(usize, usize)> {
        let quoted = format!("\"{key}\"");
        (0..).map_while(|k| self.item(i, k)).find_map(|item| {
            ["id", "name"].iter().find_map(|f| {
                let (_, v) = self.field(item, f)?;
                let end = self.skip_value(v);
                (self.b.get(v..end) == Some(quoted.as_bytes())).then_some((item, item))
            })
        })
    }

    /// Item `index` of the list value at `i` (its position).
    fn item(&self, i: usize, index: usize) -> Option<usize> {
        let (mut j, bracket) = self.open(i)?;
        if bracket != b'[' {
            return None;
        }
        let mut k = 0;
        loop {
            j = self.trivia(j);
            match self.at(j) {
                b']' | b')' | b'}' | 0 => return None,
                b',' => j += 1,
                _ => {
                    if k == index {
                        return Some(j);
                    }
                    k += 1;
                    j = self.skip_value(j);
                }
            }
        }
    }
}

/// 1-based (line, column in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let prefix = &text[..start];
    let line = prefix.matches('\n').count() + 1;
    let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r##"// a comment with touchpoints: [ and ( in it
#![enable(implicit_some)]
Scenario(
    name: "x (y)",
    /* block /* nested */ quality: */
    touchpoints: [
        Touchpoint(id: "a", quality: 0.5, trigger: EveryPeriod),
        Touchpoint(
            id: "b]",
            trigger: After(touchpoint: "a", outcome: Failure),
            effects: (success: (satisfied: Up(0.1))),
        ),
    ],
    report_every: Some(Report(every: 3)),
    raw: r#"quality: ["#,
)
"##;

    #[test]
    fn finds_fields_items_and_variant_fields() {
        assert_eq!(locate(TEXT, "name"), Some((4, 5)));
        assert_eq!(locate(TEXT, "touchpoints"), Some((6, 5)));
        assert_eq!(locate(TEXT, "touchpoints[0]"), Some((7, 9)));
        assert_eq!(locate(TEXT, "touchpoints[0].quality"), Some((7, 29)));
        assert_eq!(locate(TEXT, "touchpoints[1].id"), Some((9, 13)));
        assert_eq!(
            locate(TEXT, "touchpoints[1].trigger.touchpoint"),
            Some((10, 28))
        );
        assert_eq!(
            locate(TEXT, "touchpoints[1].effects.success.satisfied"),
            Some((11, 33))
        );
        assert_eq!(locate(TEXT, "report_every.every"), Some((14, 31)));
        assert_eq!(locate(TEXT, "raw"), Some((15, 5)));
    }

    #[test]
    fn missing_parts_fall_back_to_the_nearest_written_place() {
        assert_eq!(locate(TEXT, "touchpoints[5]"), None);
        assert_eq!(locate_nearest(TEXT, "touchpoints[1].cost"), Some((8, 9)));
        assert_eq!(locate_nearest(TEXT, "horizon"), None);
        assert_eq!(locate_nearest(TEXT, ""), None);
        assert_eq!(locate(TEXT, "touchpoints[x]"), None);
        assert_eq!(
            locate_nearest(TEXT, "touchpoints[x]"),
            locate(TEXT, "touchpoints")
        );
        assert_eq!(locate_nearest(TEXT, "touchpoints[1"), None);
    }

    #[test]
    fn ids_and_map_keys_are_found_like_indices() {
        assert_eq!(
            locate(TEXT, "touchpoints[a].quality"),
            locate(TEXT, "touchpoints[0].quality")
        );
        assert!(locate(TEXT, "touchpoints[0].quality").is_some());
        let text = "Scenario(\n  strategies: [\n    Strategy(name: \"s\", variants: {\"returns\": \"fast\", \"x\": \"y\"}),\n  ],\n)";
        assert_eq!(locate(text, "strategies[0].variants[\"x\"]"), Some((3, 55)));
        assert_eq!(
            locate(text, "strategies[s].variants[returns]"),
            Some((3, 36))
        );
        assert_eq!(locate(text, "strategies[0].variants[\"nope\"]"), None);
    }

    #[test]
    fn never_panics_on_truncated_or_odd_text() {
        for text in [
            "",
            "(",
            "Scenario(",
            "Scenario(a: [",
            "\"",
            "r#\"",
            "/*",
            "#![",
        ] {
            for path in ["a", "a[0]", "a.b", "touchpoints[0].id"] {
                let _ = locate_nearest(text, path);
            }
        }
        let s = TEXT;
        for cut in 0..s.len() {
            if s.is_char_boundary(cut) {
                let _ = locate_nearest(&s[..cut], "touchpoints[1].trigger.touchpoint");
            }
        }
    }
}
