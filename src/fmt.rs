//! Number and text formatting shared by every output: thousands, CSV cells, JSON documents.
//! A leaf: it knows nothing of the journey.

use serde::Serialize;

/// A CSV text field, quoted when needed.
///
/// Text that begins with `=`, `+`, `-` or `@` would be run as a formula by a spreadsheet
/// (`=HYPERLINK(…)` in a strategy name is an injection), so it is neutralised the way those
/// tools expect: a leading `'` inside a quoted cell. Only for text: numbers are written
/// directly (a negative number is data, not a formula) and never pass through here.
pub fn csv_field(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("\"'{}\"", s.replace('"', "\"\""))
    } else if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Pretty JSON with a trailing newline (serialisation of these plain types cannot fail; if it
/// ever did, the error is reported in the document rather than panicking).
pub fn to_json<T: Serialize>(doc: &T) -> String {
    match serde_json::to_string_pretty(doc) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// 200000 → "200,000" (used by the table and the terminal app).
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
