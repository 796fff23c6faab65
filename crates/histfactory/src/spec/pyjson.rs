//! JSON text exactly as Python's `json` module writes it.
//!
//! Patchsets published on HEPData carry a digest of the background-only workspace, and pyhf
//! computes it as a hash of `json.dumps(ws, sort_keys=True, ensure_ascii=False)`. A digest
//! only matches if every byte matches, so this module reproduces Python's text: separators
//! `", "` and `": "`, keys sorted by code point, integers kept as integers, floats written as
//! Python's `repr(float)` (`5.0`, `0.0001`, `1e-05`, `1e+16`), non-ASCII characters written
//! as they are, and Python's escapes for control characters.
//!
//! ```
//! use histfactory::spec::pyjson;
//! let v: serde_json::Value = serde_json::from_str(r#"{"b": 1e-5, "a": [1, 2.0]}"#).unwrap();
//! assert_eq!(pyjson::to_string(&v), r#"{"a": [1, 2.0], "b": 1e-05}"#);
//! ```
//!
//! Limits: integers outside the 64-bit range are read by `serde_json` as floats (Python keeps
//! them as integers), and non-finite numbers cannot occur in a `serde_json::Value`.

use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// `json.dumps(value, sort_keys=True, ensure_ascii=False)`: one line, Python's default
/// separators `", "` and `": "`.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_compact(&mut out, value, false);
    out
}

/// `json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False)`: one item per
/// line, separators `","` and `": "` (Python drops the space after the comma when
/// indenting), empty arrays and objects as `[]` and `{}`, no trailing newline.
pub fn to_string_pretty(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_pretty(&mut out, value, indent, 0, false);
    out
}

/// `json.dumps(value, indent=indent, sort_keys=True)` with Python's default
/// `ensure_ascii=True`: as [`to_string_pretty`] but every non-ASCII character is written
/// (and U+007F) as `\uXXXX`, with surrogate pairs above U+FFFF. This is the exact text pyhf's command line
/// prints for workspaces.
pub fn to_string_pretty_ascii(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_pretty(&mut out, value, indent, 0, true);
    out
}

/// Python's `repr(float)` for a finite `f64`: the shortest digits that round-trip, in
/// positional form when the decimal exponent is in `[-4, 16)`, otherwise in exponent form
/// with a sign and at least two exponent digits (`1e-05`, `1.5e+16`).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let (digits, exp) = shortest_digits(x.abs());
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // Python's `decpt`: the value is 0.DIGITS × 10^decpt.
    let decpt = exp + 1;
    let n = digits.len() as i32;
    let body = if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
        } else if decpt >= n {
            format!("{}{}.0", digits, "0".repeat((decpt - n) as usize))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// Splits `{:e}` output (`d.ddde-5`) into its digits and decimal exponent.
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse().unwrap_or(0))
}

/// The shortest decimal digits that read back as `x` (`x >= 0`), choosing as Python (David
/// Gay's `dtoa` mode 0) does when several strings of that length read back: the one
/// nearest to the exact binary value, ties to even. Rust's `{:e}` finds the shortest length
/// but rounds ties up (0.59073638916015625 gives `...563`, Python `...562`), so the digits
/// are redone with Rust's exact formatting (which rounds ties to even) at that length, and
/// kept only if they still read back as `x`.
fn shortest_digits(x: f64) -> (String, i32) {
    let (digits, exp) = split_sci(&format!("{x:e}"));
    if digits.len() <= 1 {
        return (digits, exp);
    }
    let exact = format!("{:.*e}", digits.len() - 1, x);
    if exact.parse::<f64>() == Ok(x) {
        let (mut d, e) = split_sci(&exact);
        while d.len() > 1 && d.ends_with('0') {
            d.pop();
        }
        (d, e)
    } else {
        (digits, exp)
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&float_repr(f));
    }
}

/// A JSON string literal with Python's escapes for `ensure_ascii=False`: `\"`, `\\`, `\n`,
/// `\r`, `\t`, `\b`, `\f`, other characters below U+0020 as `\u00xx` (lower-case hex), and
/// everything else (including U+007F and non-ASCII) as is.
pub fn write_str(out: &mut String, s: &str) {
    write_str_with(out, s, false)
}

fn write_str_with(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            // Python's ASCII mode escapes everything outside ' '..='~', DEL included.
            c if ascii && (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Keys in Python's `sort_keys` order. Sorting explicitly (rather than relying on
/// `serde_json::Map` being a `BTreeMap`) keeps the order right even if a dependency turns on
/// `preserve_order`. Byte order of UTF-8 equals code-point order, which is Python's.
fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn write_compact(out: &mut String, value: &Value, ascii: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str_with(out, s, ascii),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_compact(out, item, ascii);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_with(out, k, ascii);
                out.push_str(": ");
                write_compact(out, v, ascii);
            }
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: usize, level: usize) {
    out.push('\n');
    out.push_str(&" ".repeat(indent * level));
}

fn write_pretty(out: &mut String, value: &Value, indent: usize, level: usize, ascii: bool) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_pretty(out, item, indent, level + 1, ascii);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, v)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_str_with(out, k, ascii);
                out.push_str(": ");
                write_pretty(out, v, indent, level + 1, ascii);
            }
            newline(out, indent, level);
            out.push('}');
        }
        other => write_compact(out, other, ascii),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_follow_python_repr() {
        // Expected strings are Python 3's repr() of the same doubles.
        let cases: &[(f64, &str)] = &[
            (5.0, "5.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.2345e16, "1.2345e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e100, "1e+100"),
            (1e-300, "1e-300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-2.5, "-2.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123.456, "123.456"),
            (9999999999999998.0, "9999999999999998.0"),
            // A tie between two shortest strings: Python rounds the exact value
            // 0.59073638916015625 half to even.
            (0.590_736_389_160_156_2, "0.5907363891601562"),
            (0.5907363891601563, "0.5907363891601562"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(*x), *want, "repr({x:?})");
        }
    }

    #[test]
    fn ints_stay_ints_and_floats_stay_floats() {
        let v: Value = serde_json::from_str("[1, 1.0, -3, 18446744073709551615, 2e3]").unwrap();
        assert_eq!(to_string(&v), "[1, 1.0, -3, 18446744073709551615, 2000.0]");
    }

    #[test]
    fn keys_sorted_by_code_point_and_separators() {
        let v = json!({"b": 1, "a": {"z": null, "B": true}, "é": "ü", "Z": []});
        assert_eq!(
            to_string(&v),
            r#"{"Z": [], "a": {"B": true, "z": null}, "b": 1, "é": "ü"}"#
        );
    }

    #[test]
    fn escapes_like_python() {
        let v = json!("q\"b\\n\nt\tc\u{01}\u{1f}\u{7f}€\u{8}\u{c}\r");
        assert_eq!(
            to_string(&v),
            "\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001f\u{7f}€\\b\\f\\r\""
        );
    }

    #[test]
    fn ensure_ascii_escapes_like_python() {
        // json.dumps({"é": "a€😀\x7f"}, indent=1)
        let v = json!({"é": "a€😀\u{7f}"});
        assert_eq!(
            to_string_pretty_ascii(&v, 1),
            "{\n \"\\u00e9\": \"a\\u20ac\\ud83d\\ude00\\u007f\"\n}"
        );
    }

    #[test]
    fn pretty_matches_python_indent_layout() {
        let v = json!({"b": [1, 2.5], "a": {}, "c": [], "d": {"x": "y"}});
        let want = "{\n    \"a\": {},\n    \"b\": [\n        1,\n        2.5\n    ],\n    \"c\": [],\n    \"d\": {\n        \"x\": \"y\"\n    }\n}";
        assert_eq!(to_string_pretty(&v, 4), want);
    }
}
