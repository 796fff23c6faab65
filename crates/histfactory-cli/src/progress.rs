//! Progress bars on stderr for long inference runs (toys, scans, limit searches): the
//! terminal's [`Progress`] observer, handed to the library.
//!
//! Shown only when asked for *and* stderr is a terminal: scripts and CI that capture stderr
//! must not receive bar redraws mixed with their messages.

use histfactory::infer::{Progress, SharedProgress};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// The observer for a command: terminal bars when `enabled` and stderr is a terminal,
/// otherwise one that ignores everything.
pub fn observer(enabled: bool) -> SharedProgress {
    if enabled && std::io::stderr().is_terminal() {
        SharedProgress::new(TerminalBars::default())
    } else {
        SharedProgress::default()
    }
}

/// One bar per running task; nested tasks (toys inside a limit search) stack, and steps
/// go to the innermost.
#[derive(Default)]
struct TerminalBars {
    bars: Mutex<Vec<ProgressBar>>,
}

impl Progress for TerminalBars {
    fn start(&self, task: &str, total: Option<u64>) {
        let bar = match total {
            Some(len) => bar(len, task),
            None => spinner(task),
        };
        if let Ok(mut bars) = self.bars.lock() {
            bars.push(bar);
        }
    }

    fn advance(&self, steps: u64) {
        if let Some(bar) = self.bars.lock().ok().and_then(|b| b.last().cloned()) {
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bars.lock().ok().and_then(|mut b| b.pop()) {
            bar.finish_and_clear();
        }
    }
}

/// A bar of `len` steps labelled `message`.
fn bar(len: u64, message: &str) -> ProgressBar {
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
fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {pos}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar
}
