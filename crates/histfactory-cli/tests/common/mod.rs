//! What the end-to-end CLI tests share: where the fixtures are and how to run the binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

/// The project's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A reference workspace from `fixtures/reference/workspaces/`, as a path string.
pub fn workspace(name: &str) -> String {
    fixtures()
        .join("reference/workspaces")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs `histfactory ARGS`: exit code, stdout, stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
