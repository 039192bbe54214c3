//! The one validation checker: every framework's validation pushes its problems here, with the
//! same wording for the same kind of mistake.

use std::collections::HashMap;

use crate::format::error::Problem;
use crate::format::{Shift, StateShifts};

#[derive(Default)]
pub struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker {
            problems: Vec::new(),
        }
    }

    pub fn push(&mut self, path: String, message: String, hint: &str) {
        self.problems.push(Problem {
            path,
            message,
            hint: hint.to_string(),
        });
    }

    pub fn finite(&mut self, path: &str, v: f64) -> bool {
        if v.is_finite() {
            true
        } else {
            self.push(
                path.to_string(),
                format!("expected a finite number, found {}", num(v)),
                "NaN and infinity have no business meaning; write a plain number",
            );
            false
        }
    }

    pub fn probability(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && !(0.0..=1.0).contains(&v) {
            self.push(
                path.to_string(),
                format!("expected a probability between 0 and 1, found {}", num(v)),
                "write 0.9 for \"9 in 10\", not 90",
            );
        }
    }

    pub fn non_negative(&mut self, path: &str, v: f64, hint: &str) {
        if self.finite(path, v) && v < 0.0 {
            self.push(
                path.to_string(),
                format!("expected a number ≥ 0, found {}", num(v)),
                hint,
            );
        }
    }

    pub fn positive(&mut self, path: &str, v: f64, hint: &str) {
        if self.finite(path, v) && v <= 0.0 {
            self.push(
                path.to_string(),
                format!("expected a number > 0, found {}", num(v)),
                hint,
            );
        }
    }

    /// `what` names the key, e.g. "touchpoint id" or "strategy name".
    /// A name or id is shown in terminals, reports and CI annotations: control characters
    /// (escape sequences, line breaks, tabs, NUL, BEL) in it could rewrite a screen or forge
    /// an annotation line, so they are refused. The message names the character by code point
    /// and never echoes the text.
    pub fn plain_text(&mut self, path: &str, text: &str, what: &str) -> bool {
        let Some((at, ch)) = text.chars().enumerate().find(|(_, ch)| ch.is_control()) else {
            return true;
        };
        self.push(
            path.to_string(),
            format!(
                "{what} contains the control character U+{:04X} at character {}",
                ch as u32,
                at + 1
            ),
            "names and ids are shown in terminals, reports and CI logs; remove escape \
             sequences, tabs and line breaks (free text belongs in notes or description)",
        );
        false
    }

    pub fn id(&mut self, path: &str, id: &str, seen: &mut HashMap<String, String>, what: &str) {
        if !self.plain_text(path, id, what) {
            return;
        }
        if id.trim().is_empty() {
            self.push(
                path.to_string(),
                format!("{what} is empty"),
                "give it a short unique name such as \"delivery\"",
            );
        } else if let Some(first) = seen.get(id) {
            self.push(
                path.to_string(),
                format!("duplicate {what} \"{id}\" (first used at {first})"),
                "they must be unique; rename one of them",
            );
        } else {
            seen.insert(id.to_string(), path.to_string());
        }
    }

    pub fn shift(&mut self, path: &str, shift: Shift) {
        match shift {
            Shift::Keep => {}
            Shift::Up(f) | Shift::Down(f) => {
                if self.finite(path, f) && !(0.0..=1.0).contains(&f) {
                    self.push(
                        path.to_string(),
                        format!("expected a fraction between 0 and 1, found {}", num(f)),
                        "Up(0.1) closes a tenth of the gap to the top; Down(0.3) loses 30 % of the level",
                    );
                }
            }
        }
    }

    /// A fraction with its own hint (levels, shares of a team's work).
    pub fn fraction(&mut self, path: &str, v: f64, hint: &str) {
        if self.finite(path, v) && !(0.0..=1.0).contains(&v) {
            self.push(
                path.to_string(),
                format!("expected a number between 0 and 1, found {}", num(v)),
                hint,
            );
        }
    }

    /// The three state shifts of an effect, each a fraction.
    pub fn shifts(&mut self, path: &str, sh: &StateShifts) {
        for (k, state) in ["satisfied", "pleased", "loyal"].iter().enumerate() {
            if let Shift::Up(f) | Shift::Down(f) = sh.get(k) {
                self.fraction(
                    &format!("{path}.{state}"),
                    f,
                    "Up(0.1) closes a tenth of the gap to the top; Down(0.3) loses 30 % of the level",
                );
            }
        }
    }

    /// A number ≥ 0 as the framework sections (acquisition, accounts, advocacy) check it: one
    /// problem whether it is negative or not finite, with the number as Rust prints it.
    pub fn finite_non_negative(&mut self, path: &str, v: f64, hint: &str) {
        if !(v.is_finite() && v >= 0.0) {
            self.push(
                path.to_string(),
                format!("expected a finite number ≥ 0, found {v}"),
                hint,
            );
        }
    }

    /// A probability with its own hint, as the framework sections check it: one problem whether
    /// it is out of range or not finite, with the number as Rust prints it.
    pub fn probability_with_hint(&mut self, path: &str, v: f64, hint: &str) {
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            self.push(
                path.to_string(),
                format!("expected a probability between 0 and 1, found {v}"),
                hint,
            );
        }
    }
}

/// A number as a message shows it: as written for everyday magnitudes, in exponent form for
/// huge or tiny ones (1e308 would otherwise print as 309 digits).
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-6..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
