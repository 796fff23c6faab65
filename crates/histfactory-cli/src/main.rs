#[allow(dead_code)] // the CLI owner wires it: `Tools(tools::ToolCommand)` + `tools::run`
mod tools;

fn main() {}
