//! RON text → `Scenario`, with located errors; and `Scenario` → canonical RON text.

use std::path::Path;

use ron::error::Error as RonError;

use crate::format::Scenario;
use crate::format::error::LoadError;

/// Nesting deeper than this is refused as a parse error instead of risking the stack.
const RECURSION_LIMIT: usize = 64;

/// Parses RON text into a scenario. `path` is only used in messages.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    // Editors on Windows often write a byte-order mark; it carries no meaning, so skip it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // implicit_some: an optional field may be written plainly (`report_every: 6`) as well as
    // `Some(6)`; people editing by hand expect the first.
    let options = ron::Options::default()
        .with_recursion_limit(RECURSION_LIMIT)
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options
        .from_str::<Scenario>(text)
        .map_err(|e| parse_error(path, text, e))
}

/// Reads a file as UTF-8 text, with the file name in any error.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let bytes = e.as_bytes();
            let bad_at = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..bad_at]);
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            // Show the line with the bad bytes replaced by �, so the caret lands on them.
            let line_start = bytes[..bad_at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line_end = bytes[bad_at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| bad_at + i);
            let snippet = String::from_utf8_lossy(&bytes[line_start..line_end])
                .trim_end()
                .to_string();
            let snippet = if snippet.chars().count() > 200 {
                String::new()
            } else {
                snippet
            };
            Err(LoadError::Parse {
                path: path.to_path_buf(),
                line,
                col,
                message: format!(
                    "the file is not valid UTF-8 text (byte 0x{:02X} at offset {bad_at})",
                    bytes[bad_at]
                ),
                hint: "save the file as UTF-8; it was probably written as Latin-1 or Windows-1252"
                    .into(),
                snippet,
            })
        }
    }
}

/// The canonical text of a scenario: what the TUI saves. Comments are not preserved.
pub fn to_canonical_ron(scenario: &Scenario) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .indentor("    ")
        .new_line("\n");
    match ron::ser::to_string_pretty(scenario, config) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serialising plain structs of strings and numbers cannot fail; keep a visible trace if
        // a future field type makes it possible.
        Err(e) => format!("// cxsim could not serialise this scenario: {e}\n"),
    }
}

pub(crate) fn parse_error(path: &Path, text: &str, e: ron::error::SpannedError) -> LoadError {
    let mut line = e.span.start.line.max(1);
    let mut col = e.span.start.col.max(1);
    let offset = byte_offset(text, line, col);
    let before = scan(&text[..offset]);
    let rest = &text[offset..];
    let (message, hint) = if only_trivia(text) {
        (line, col) = (1, 1);
        (
            if text.trim().is_empty() {
                "the file is empty".to_string()
            } else {
                "the file contains only comments".to_string()
            },
            "a scenario file starts with `Scenario(name: \"…\", …)`; docs/format.md shows a complete example".to_string(),
        )
    } else if matches!(e.code, RonError::Eof)
        || (only_trivia(rest)
            && !matches!(
                e.code,
                RonError::UnclosedBlockComment
                    | RonError::ExpectedStringEnd
                    | RonError::TrailingCharacters
            ))
    {
        let whole = scan(text);
        if !only_trivia(rest) {
            // ron stopped inside something the file cut short (e.g. a final comment): point
            // after the last real content instead.
            (line, col) = whole.last_significant_end.unwrap_or((1, 1));
        }
        ("unexpected end of file".to_string(), unclosed_hint(&whole))
    } else {
        // ron reports some errors before the whitespace that precedes the offending token.
        let token = match e.code {
            RonError::ExpectedComma => offset,
            // Point at the `/*` itself, not past it.
            RonError::UnclosedBlockComment => text[..offset].rfind("/*").unwrap_or(offset),
            // Point at the backslash, not at the start of the string.
            RonError::InvalidEscape(_) => bad_escape(text, offset).unwrap_or(offset),
            _ => skip_trivia(text, offset),
        };
        let offset = {
            if token != offset {
                (line, col) = position_of(text, token);
            }
            token
        };
        let field = field_before(line_text(text, line), col);
        let found = token_at(text, offset);
        let invisible = text[offset..].chars().next().filter(|&c| is_invisible(c));
        match &e.code {
            _ if invisible.is_some() => (
                format!("unexpected invisible character {found}"),
                if invisible.is_some_and(char::is_control) {
                    "delete it: control characters have no place in a scenario file"
                } else {
                    "replace it with a plain space (such characters come from copying text out of a word processor or web page)"
                }
                .to_string(),
            ),
            // `horizon: 36.5` or `3e6`: a fraction or exponent where a whole number belongs.
            RonError::InvalidIntegerDigit { .. } | RonError::ExpectedComma
                if !matches!(e.code, RonError::ExpectedComma) || fraction_follows(text, offset) =>
            {
                let (number, start) = number_around(text, offset);
                (line, col) = position_of(text, start);
                (
                    format!(
                        "expected a whole number{}, found `{number}`",
                        for_field(field_before(line_text(text, line), col)),
                    ),
                    "this field counts something: write a whole number such as 36".to_string(),
                )
            }
            RonError::ExpectedComma => {
                // The comma is missing after the previous item, not before the next one: point there.
                if let Some((l, c)) = before.last_significant_end {
                    line = l;
                    col = c;
                }
                let hint = match before.last_string {
                    Some(s) if s.spans_lines => format!(
                        "the text in quotes that starts at {}:{} runs over several lines: is its closing `\"` missing?",
                        s.line, s.col
                    ),
                    _ => "separate fields and list items with commas".to_string(),
                };
                (format!("expected a comma before `{found}`"), hint)
            }
            code => (
                describe(code, field, &found, text, offset),
                hint_for(code, field, &found),
            ),
        }
    };
    let snippet = line_text(text, line).trim_end().to_string();
    let snippet = if snippet.chars().count() > 200 {
        String::new()
    } else {
        snippet
    };
    LoadError::Parse {
        path: path.to_path_buf(),
        line,
        col,
        message,
        hint,
        snippet,
    }
}

/// Structs that scenario files conventionally write with their name (`Touchpoint(…)`); the
/// others are written as a bare `(…)`. Both forms parse.
fn written_with_name(name: &str) -> bool {
    matches!(name, "Scenario" | "Segment" | "Touchpoint" | "Strategy")
}

/// " for `field`" when the error sits at the value of a named field.
fn for_field(field: Option<&str>) -> String {
    field.map(|f| format!(" for `{f}`")).unwrap_or_default()
}

fn describe(
    code: &RonError,
    field: Option<&str>,
    found: &str,
    text: &str,
    offset: usize,
) -> String {
    let ff = for_field(field);
    match code {
        RonError::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}; expected one of: {}",
            outer
                .as_deref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        RonError::MissingStructField { field, outer } => format!(
            "missing field `{field}`{}",
            outer
                .as_deref()
                .map(|o| format!(" in this {o}"))
                .unwrap_or_default()
        ),
        RonError::DuplicateStructField { field, outer } => format!(
            "field `{field}` appears twice{}",
            outer
                .as_deref()
                .map(|o| format!(" in this {o}"))
                .unwrap_or_default()
        ),
        RonError::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}; expected one of: {}",
            outer
                .as_deref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        RonError::ExpectedInteger => format!("expected a whole number{ff}, found `{found}`"),
        RonError::ExpectedFloat => format!("expected a number{ff}, found `{found}`"),
        RonError::IntegerOutOfBounds => {
            let negative = text[..offset].trim_end().ends_with('-');
            let number = format!("{}{found}", if negative { "-" } else { "" });
            if negative {
                format!("expected a whole number ≥ 0{ff}, found `{number}`")
            } else {
                format!("number `{number}` is too large{ff}")
            }
        }
        RonError::ExpectedOption => {
            format!("expected `Some(…)` or `None`{ff}, found `{found}`")
        }
        RonError::ExpectedString => format!("expected text in double quotes{ff}, found `{found}`"),
        RonError::ExpectedStringEnd => "text in quotes is never closed".to_string(),
        RonError::ExpectedIdentifier => format!("expected a name{ff}, found `{found}`"),
        RonError::ExpectedBoolean => format!("expected true or false{ff}, found `{found}`"),
        RonError::ExpectedArray => format!("expected a list in `[…]`{ff}, found `{found}`"),
        RonError::ExpectedArrayEnd => format!("expected `]` to close the list, found `{found}`"),
        RonError::ExpectedStructLike => format!("expected `(`{ff}, found `{found}`"),
        RonError::ExpectedNamedStructLike(name)
        | RonError::ExpectedDifferentStructName { expected: name, .. }
            if !written_with_name(name) =>
        {
            format!("expected `(`{ff}, found `{found}`")
        }
        RonError::ExpectedNamedStructLike(name) => {
            format!("expected `{name}(`{ff}, found `{found}`")
        }
        RonError::ExpectedDifferentStructName { expected, found } => {
            format!("expected `{expected}(`, found `{found}`")
        }
        RonError::ExpectedStructLikeEnd | RonError::ExpectedOptionEnd => {
            format!("expected `)`, found `{found}`")
        }
        RonError::ExpectedMapColon => format!("expected `:` after the field name, found `{found}`"),
        RonError::UnexpectedChar(c) => format!("unexpected character `{c}`"),
        RonError::SuggestRawIdentifier(name) | RonError::InvalidIdentifier(name) => {
            format!("`{}` is not a valid name", shorten(name))
        }
        RonError::TrailingCharacters => {
            format!("unexpected `{found}` after the end of the scenario")
        }
        RonError::UnclosedBlockComment => "block comment `/*` is never closed".to_string(),
        RonError::ExceededRecursionLimit => {
            format!("brackets nest more than {RECURSION_LIMIT} levels deep")
        }
        RonError::InvalidValueForType { expected, found } => {
            format!("expected {expected}{ff}, found {found}")
        }
        RonError::Message(m) => m.clone(),
        other => lowercase_first(&other.to_string()),
    }
}

fn hint_for(code: &RonError, field: Option<&str>, found: &str) -> String {
    let start = "a scenario file starts with `Scenario(name: \"…\", …)`; docs/format.md shows a complete example";
    match code {
        RonError::MissingStructField { field, .. } => {
            return format!(
                "add `{field}: …` (the error points at the end of the item that lacks it); docs/format.md lists what it means"
            );
        }
        RonError::IntegerOutOfBounds if field == Some("horizon") => {
            return format!(
                "horizon is a number of periods, at most {}",
                crate::format::MAX_HORIZON
            );
        }
        RonError::ExpectedNamedStructLike(name)
        | RonError::ExpectedDifferentStructName { expected: name, .. }
            if *name == "Scenario" =>
        {
            if found == "{" {
                return format!("this looks like JSON, but cxsim reads RON: {start}");
            }
            return start.to_string();
        }
        RonError::ExpectedNamedStructLike(name)
        | RonError::ExpectedDifferentStructName { expected: name, .. }
            if written_with_name(name) =>
        {
            return format!("write {name}(…) here; docs/format.md lists its fields");
        }
        RonError::ExpectedNamedStructLike(_) | RonError::ExpectedDifferentStructName { .. } => {
            return format!(
                "write the fields in parentheses: {}(…); docs/format.md lists them",
                field.map(|f| format!("{f}: ")).unwrap_or_default()
            );
        }
        _ => {}
    }
    let h = match code {
        RonError::NoSuchStructField { .. } => {
            "check the spelling; every field is listed in docs/format.md"
        }
        RonError::DuplicateStructField { .. } => "a field may appear once; remove the repeat",
        RonError::NoSuchEnumVariant { .. } => "use one of the listed names, spelled exactly",
        RonError::ExpectedComma => "separate fields and list items with commas",
        RonError::Eof => "the file ends too early: check for a missing `)` or `]`",
        RonError::TrailingCharacters => "there is text after the closing `)` of the scenario",
        RonError::ExpectedFloat => "write a plain number such as 0.9, without quotes",
        RonError::ExpectedInteger => "write a plain whole number such as 36, without quotes",
        RonError::ExpectedString | RonError::ExpectedStringEnd => {
            "write text in double quotes, e.g. \"Delivery\""
        }
        RonError::ExpectedOption => {
            "write the value itself (`12`) or `Some(12)`; leave the field out to use the default"
        }
        RonError::ExpectedIdentifier => {
            "write a field name or a variant name such as EveryPeriod or OpenIncident"
        }
        RonError::ExpectedArray => {
            "lists are written in square brackets, e.g. on_failure: [OpenIncident]"
        }
        RonError::IntegerOutOfBounds => {
            "whole-number fields take values from 0 up to a few billion"
        }
        RonError::UnclosedBlockComment => "close the comment with */",
        RonError::SuggestRawIdentifier(_) | RonError::InvalidIdentifier(_) => {
            "field and variant names use letters, digits and `_` only, and start with a letter; is a `name:` or a `,` missing?"
        }
        RonError::InvalidEscape(_) => {
            "in quoted text a backslash starts an escape such as \\n or \\\"; write \\\\ for a backslash"
        }
        RonError::ExceededRecursionLimit => "the file nests far deeper than any scenario needs",
        RonError::InvalidValueForType { .. } => {
            "check the field's type in docs/format.md (e.g. horizon is a whole number)"
        }
        _ => "see docs/format.md for the syntax of each field",
    };
    h.to_string()
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The `line`-th line (1-based) of `text`, or "" past the end.
fn line_text(text: &str, line: usize) -> &str {
    text.split('\n')
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim_end_matches('\r')
}

/// Byte offset of a 1-based (line, column-in-chars) position, clamped to the text.
fn byte_offset(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut off = start;
    for ch in text[start..].chars().take(col.saturating_sub(1)) {
        if ch == '\n' {
            break;
        }
        off += ch.len_utf8();
    }
    off
}

/// The name of the field whose value starts at (`line`, `col`), if the line reads `name: ` there.
fn field_before(line: &str, col: usize) -> Option<&str> {
    let prefix_end = line
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let prefix = &line[..prefix_end];
    let colon = prefix.rfind(':')?;
    if !prefix[colon + 1..]
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '(' | '[' | '-' | '+'))
    {
        return None;
    }
    let name = prefix[..colon].trim_end();
    let start = name
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &name[start..];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// A short rendering of the token at `offset`, for "found `…`".
fn token_at(text: &str, offset: usize) -> String {
    let rest = &text[offset..];
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if is_invisible(first) {
        return format!("U+{:04X}", first as u32);
    }
    let token: &str = if first == '"' {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        match rest[1..line_end].find('"') {
            Some(i) => &rest[..i + 2],
            None => &rest[..line_end],
        }
    } else if first.is_alphanumeric() || matches!(first, '_' | '.' | '-' | '+') {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+')))
            .unwrap_or(rest.len());
        &rest[..end]
    } else {
        &rest[..first.len_utf8()]
    };
    shorten(token.trim_end_matches('\r'))
}

/// At most 30 characters of `s`, with an ellipsis when cut.
fn shorten(s: &str) -> String {
    const MAX: usize = 30;
    if s.chars().count() > MAX {
        let short: String = s.chars().take(MAX).collect();
        format!("{short}…")
    } else {
        s.to_string()
    }
}

/// Whether a fractional part or exponent follows a number ending just before `offset`.
fn fraction_follows(text: &str, offset: usize) -> bool {
    let before_digit = text[..offset].ends_with(|c: char| c.is_ascii_digit());
    let rest = &text.as_bytes()[offset..];
    before_digit
        && matches!(rest.first(), Some(b'.' | b'e' | b'E'))
        && rest
            .get(1)
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+'))
}

/// The number literal around `offset` (e.g. `36.5` when the parser stopped at `.5`) and its
/// byte offset.
fn number_around(text: &str, offset: usize) -> (String, usize) {
    let is_num = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
    let start = text[..offset]
        .rfind(|c: char| !is_num(c))
        .map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(|c: char| !is_num(c))
        .map_or(text.len(), |i| offset + i);
    (text[start..end].to_string(), start)
}

/// The offset of the first backslash on this line, at or after `offset`, that does not start
/// a valid escape.
fn bad_escape(text: &str, offset: usize) -> Option<usize> {
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut chars = text[offset..line_end].char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, 'n' | 'r' | 't' | '0' | '\\' | '"' | '\'' | 'u' | 'x')) => {}
                _ => return Some(offset + i),
            }
        }
    }
    None
}

/// The offset of the first character at or after `offset` that is not whitespace or comment.
fn skip_trivia(text: &str, mut offset: usize) -> usize {
    loop {
        let rest = &text[offset..];
        let trimmed = rest.trim_start_matches(is_ron_whitespace);
        offset += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            offset += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            match trimmed.find("*/") {
                Some(i) => offset += i + 2,
                None => return offset,
            }
        } else {
            return offset;
        }
    }
}

/// Whitespace as RON reads it (Unicode Pattern_White_Space).
fn is_ron_whitespace(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '\u{b}'
            | '\u{c}'
            | '\u{85}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Characters that look like nothing (or like a space) but are not RON whitespace.
fn is_invisible(c: char) -> bool {
    !is_ron_whitespace(c)
        && (c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
            ))
}

/// The 1-based (line, column-in-chars) of a byte offset.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Whether `text` holds nothing but whitespace and complete comments.
fn only_trivia(text: &str) -> bool {
    let s = scan(text);
    s.last_significant_end.is_none() && !s.in_comment
}

#[derive(Debug, Clone, Copy)]
struct StringStart {
    line: usize,
    col: usize,
    spans_lines: bool,
}

#[derive(Debug, Default)]
struct Scan {
    /// Brackets still open at the end, innermost last: (bracket, line, col).
    open: Vec<(char, usize, usize)>,
    /// Position just after the last character that is not whitespace or comment.
    last_significant_end: Option<(usize, usize)>,
    /// The last string literal started.
    last_string: Option<StringStart>,
    /// The text ends inside a comment.
    in_comment: bool,
}

/// A light lexer over RON text: tracks open brackets, strings and comments. It never fails; it
/// only feeds hints, so approximations (e.g. raw strings) are harmless.
fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let chars: Vec<char> = text.chars().collect();
    let (mut line, mut col) = (1usize, 1usize);
    let mut i = 0;
    let advance = |i: &mut usize, line: &mut usize, col: &mut usize| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    advance(&mut i, &mut line, &mut col);
                }
                continue;
            }
            '/' if next == Some('*') => {
                let mut depth = 0usize;
                out.in_comment = true;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        advance(&mut i, &mut line, &mut col);
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        advance(&mut i, &mut line, &mut col);
                        if depth == 0 {
                            advance(&mut i, &mut line, &mut col);
                            out.in_comment = false;
                            break;
                        }
                    }
                    advance(&mut i, &mut line, &mut col);
                }
                continue;
            }
            '"' => {
                let mut start = StringStart {
                    line,
                    col,
                    spans_lines: false,
                };
                advance(&mut i, &mut line, &mut col);
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        advance(&mut i, &mut line, &mut col);
                        if i >= chars.len() {
                            break;
                        }
                    }
                    if chars[i] == '\n' {
                        start.spans_lines = true;
                    }
                    advance(&mut i, &mut line, &mut col);
                }
                if i < chars.len() {
                    advance(&mut i, &mut line, &mut col);
                }
                out.last_string = Some(start);
                out.last_significant_end = Some((line, col));
                continue;
            }
            '(' | '[' | '{' => out.open.push((c, line, col)),
            ')' | ']' | '}' => {
                out.open.pop();
            }
            _ => {}
        }
        let significant = !c.is_whitespace() && c != '\u{feff}';
        advance(&mut i, &mut line, &mut col);
        if significant {
            out.last_significant_end = Some((line, col));
        }
    }
    out
}

/// What is still open when the file ends, innermost first.
fn unclosed_hint(s: &Scan) -> String {
    if s.open.is_empty() {
        return "the file ends too early: check for a missing `)` or `]`".to_string();
    }
    let listed: Vec<String> = s
        .open
        .iter()
        .rev()
        .take(3)
        .map(|(b, l, c)| format!("`{b}` opened at {l}:{c}"))
        .collect();
    let more = s.open.len().saturating_sub(3);
    let closers: String = s
        .open
        .iter()
        .rev()
        .map(|(b, _, _)| match b {
            '(' => ')',
            '[' => ']',
            _ => '}',
        })
        .collect();
    let closers = if closers.chars().count() > 10 {
        String::new()
    } else {
        format!(" (`{closers}`)")
    };
    format!(
        "still open: {}{}; add the missing closing brackets{closers} or restore the end of the file",
        listed.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}
