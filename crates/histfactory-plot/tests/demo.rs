//! Writes every figure to `target/plot-demo/` so a reviewer can look at them.
mod common;

use std::path::PathBuf;

fn demo_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/plot-demo");
    std::fs::create_dir_all(&dir).expect("create demo dir");
    dir
}

#[test]
fn demo_gradient_maps() {
    let dir = demo_dir();
    histfactory_plot::gradient_map(&common::gauss_map(101, 11), &dir.join("grad_map.png"))
        .expect("render");
    histfactory_plot::gradient_map(&common::gauss_map(101, 11), &dir.join("grad_map.svg"))
        .expect("render");
    histfactory_plot::gradient_map(&common::poisson_map(101, 11), &dir.join("grad_map_full.png"))
        .expect("render");
}
