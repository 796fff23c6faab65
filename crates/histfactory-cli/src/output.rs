//! Everything the commands write for a reader: standard output through fallible writes,
//! messages on standard error, both with control characters escaped so that names from a
//! workspace cannot drive the terminal.
//!
//! `println!` panics when standard output cannot be written (`histfactory fit ws.json >
//! /dev/full`); [`outln!`] and [`out!`] return the failure as an error instead, which
//! `main` reports with exit code 1. A closed pipe never gets that far: SIGPIPE ends the
//! process quietly first (see `main`).

use std::borrow::Cow;
use std::io::Write;

/// Writes a line to standard output, as `println!`, but returns an `anyhow::Result`
/// instead of panicking when the write fails.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to standard output, as `print!`, but returns an `anyhow::Result` instead of
/// panicking when the write fails.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// A failed write to standard output: exit code 1, whatever the command (the workspace
/// tools count their other errors as the input's, see `model_args::input`).
#[derive(Debug)]
pub struct StdoutError(std::io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

fn stdout_error(e: std::io::Error) -> anyhow::Error {
    anyhow::Error::new(StdoutError(e))
}

/// Writes `args` to standard output (see [`outln!`]).
pub fn write_stdout(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let text = args.to_string();
    std::io::stdout()
        .lock()
        .write_all(for_terminal(&text).as_bytes())
        .map_err(stdout_error)
}

/// Writes `bytes` to standard output as they are: documents in pyhf's ASCII-escaped
/// layout and completion scripts.
pub fn write_stdout_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(bytes)
        .map_err(stdout_error)
}

/// Flushes standard output: what is still buffered when a command ends (a last line
/// without a newline) can fail to be written too.
pub fn flush_stdout() -> anyhow::Result<()> {
    std::io::stdout().flush().map_err(stdout_error)
}

/// Writes a line to standard error. A failure is ignored: standard error is where it
/// would be reported.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    let _ = std::io::stderr()
        .lock()
        .write_all(for_terminal(&text).as_bytes());
}

/// Writes `warning: MESSAGE` to standard error (see [`write_stderr`]).
macro_rules! warning {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!("warning: {}\n", format_args!($($arg)*)))
    };
}

/// `text` with every control character but the newline written as a `\u001b`-style
/// escape, for what a terminal shows: a channel named `"A\u001b[2J"` would otherwise
/// clear the reader's screen. Every line written by [`write_stdout`] and
/// [`write_stderr`] passes through here, so every table and message that prints a
/// workspace's names is covered. JSON text is left as it was: it holds no raw control
/// characters but its newlines, except DEL and U+0080..U+009F inside strings, whose
/// escapes here are JSON's own, so the document and its values stay the same.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            // Control characters are all below U+00A0: four hex digits suffice.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn for_terminal_escapes_control_characters_but_newlines() {
        assert_eq!(for_terminal("SR_ee µ\n"), "SR_ee µ\n");
        assert_eq!(
            for_terminal("A\u{1b}[2J\u{1b}[31mEVIL\t\r\u{7f}\u{9b}\n"),
            "A\\u001b[2J\\u001b[31mEVIL\\u0009\\u000d\\u007f\\u009b\n"
        );
        // A JSON string with DEL reads back as the same value after escaping.
        let json = serde_json::to_string(&"a\u{7f}\u{1b}").unwrap();
        let escaped = for_terminal(&json);
        assert_eq!(
            serde_json::from_str::<String>(&escaped).unwrap(),
            "a\u{7f}\u{1b}"
        );
    }
}
