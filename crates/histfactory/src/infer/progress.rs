//! Progress bars for long inference runs (toys, scans, limit searches).
//!
//! Shown only when asked for *and* stderr is a terminal: scripts and CI that capture stderr
//! must not receive bar redraws mixed with their messages.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar of `len` steps labelled `message`, or a hidden one when `enabled` is false or
/// stderr is not a terminal (a hidden bar's methods do nothing, so callers need no branches).
pub(crate) fn bar(len: u64, message: &str, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    // The template is a constant known to parse; fall back to the default style otherwise
    // rather than fail an inference over a cosmetic detail.
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta})")
    {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar
}

/// A spinner-like bar of unknown length (root searches: the number of steps is not known).
pub(crate) fn spinner(message: &str, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {pos}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar
}
