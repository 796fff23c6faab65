//! `peak_rss CMD ARGS...`: runs the command and prints its peak resident set size in kB
//! (the kernel's `ru_maxrss` of the child), for `bench/memory`.
//!
//! A small process of its own because a child's `ru_maxrss` starts from its parent's
//! resident size at the fork: measured from a Python process, every command would peak at
//! least at Python's own ~15 MB.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("usage: peak_rss CMD [ARGS...]");
        return ExitCode::from(2);
    };
    let child = match Command::new(cmd).args(rest).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("peak_rss: {cmd}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value for the kernel to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are valid.
    if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } != pid {
        eprintln!(
            "peak_rss: wait4 failed: {}",
            std::io::Error::last_os_error()
        );
        return ExitCode::from(2);
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        eprintln!("peak_rss: {cmd} failed (wait status {status})");
        return ExitCode::from(1);
    }
    println!("{}", usage.ru_maxrss);
    ExitCode::SUCCESS
}
