//! Writes every figure to `target/plot-demo/` so a reviewer can look at them.
mod common;

use std::path::PathBuf;

use histfactory_plot as hp;

fn demo_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/plot-demo");
    std::fs::create_dir_all(&dir).expect("create demo dir");
    dir
}

#[test]
fn demo_all_figures() {
    let d = demo_dir();
    hp::gradient_map(&common::gauss_map(101, 11), &d.join("grad_map.png")).expect("grad");
    hp::gradient_map(&common::gauss_map(101, 11), &d.join("grad_map.svg")).expect("grad svg");
    hp::gradient_map(&common::poisson_map(101, 11), &d.join("grad_map_full.png")).expect("full");
    hp::brazil_band(&common::brazil(), &d.join("brazil.png")).expect("brazil");
    hp::scan(&common::scan_plot(), &d.join("scan.png")).expect("scan");
    hp::pulls(&common::pulls_fig(12), &d.join("pulls.png")).expect("pulls");
    hp::correlations(&common::correlations_fig(8), &d.join("correlations.png")).expect("corr");
    hp::ranking(&common::ranking_fig(25), &d.join("ranking.png")).expect("ranking");
    hp::yields(&common::yields_fig("SR", 10), &d.join("yields.png")).expect("yields");
    let chans = [
        common::yields_fig("SR", 10),
        common::yields_fig("CR1", 6),
        common::yields_fig("CR2", 4),
    ];
    hp::yields_grid(&chans, &d.join("yields_grid.png")).expect("grid");
}
