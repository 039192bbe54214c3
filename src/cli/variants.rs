//! `--variant TOUCHPOINT=VARIANT`: the argument's syntax.

/// Parses `TOUCHPOINT=VARIANT` (the `--variant` option).
pub fn parse_variant_arg(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((tp, v)) if !tp.trim().is_empty() && !v.trim().is_empty() => {
            Ok((tp.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "error: --variant expects TOUCHPOINT=VARIANT, found \"{arg}\"\n  hint: e.g. --variant returns=instant-refund"
        )),
    }
}
