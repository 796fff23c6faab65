//! Synthetic inputs shared by the integration tests and the demo.
#![allow(dead_code)]

use std::path::PathBuf;

use histfactory_plot::{Arrow, GradientMap};

/// A unique temp file path for this test process.
pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("histfactory-plot-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir.join(name)
}

pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect()
}

/// Correlated 2-D Gaussian: mean (1, 1), σ = (0.25, 0.15), ρ = -0.5.
pub fn gauss_logpdf(x: f64, y: f64) -> (f64, f64, f64) {
    let (mx, my, sx, sy, r) = (1.0, 1.0, 0.25, 0.15, -0.5);
    let (u, v) = ((x - mx) / sx, (y - my) / sy);
    let q = (u * u - 2.0 * r * u * v + v * v) / (1.0 - r * r);
    let val = -0.5 * q;
    // Analytic gradient of -q/2.
    let gx = -(u - r * v) / (1.0 - r * r) / sx;
    let gy = -(v - r * u) / (1.0 - r * r) / sy;
    (val, gx, gy)
}

/// Gradient map of [`gauss_logpdf`] on [0.5, 1.5]² with an n×n grid and m×m arrows.
pub fn gauss_map(n: usize, m: usize) -> GradientMap {
    let xs = linspace(0.5, 1.5, n);
    let ys = linspace(0.5, 1.5, n);
    let mut values = Vec::with_capacity(n * n);
    for &y in &ys {
        for &x in &xs {
            values.push(gauss_logpdf(x, y).0);
        }
    }
    let mut arrows = Vec::new();
    for &y in &linspace(0.5, 1.5, m) {
        for &x in &linspace(0.5, 1.5, m) {
            let (_, dx, dy) = gauss_logpdf(x, y);
            arrows.push(Arrow { x, y, dx, dy });
        }
    }
    GradientMap {
        xs,
        ys,
        values,
        arrows,
        best_fit: (1.0, 1.0),
        ..Default::default()
    }
}

/// Poisson-like likelihood with a constraint on θ over [0, 5]²: gradients
/// span orders of magnitude and logL = -inf at μ = θ = 0.
pub fn poisson_logpdf(mu: f64, th: f64) -> (f64, f64, f64) {
    let (n, s, b) = (60.0, 10.0, 50.0);
    let lam: f64 = mu * s + th * b;
    let val = n * lam.ln() - lam - 0.5 * ((th - 1.0) / 0.3f64).powi(2);
    let gx = (n / lam - 1.0) * s;
    let gy = (n / lam - 1.0) * b - (th - 1.0) / 0.09;
    (val, gx, gy)
}

pub fn poisson_map(n: usize, m: usize) -> GradientMap {
    let xs = linspace(0.0, 5.0, n);
    let ys = linspace(0.0, 5.0, n);
    let mut values = Vec::new();
    for &y in &ys {
        for &x in &xs {
            values.push(poisson_logpdf(x, y).0);
        }
    }
    let mut arrows = Vec::new();
    for &y in &linspace(0.0, 5.0, m) {
        for &x in &linspace(0.0, 5.0, m) {
            let (_, dx, dy) = poisson_logpdf(x, y);
            arrows.push(Arrow { x, y, dx, dy });
        }
    }
    // Maximum: λ = n → μ s + θ b = 60 with θ = 1 → μ = 1.
    GradientMap {
        xs,
        ys,
        values,
        arrows,
        best_fit: (1.0, 1.0),
        title: Some("Poisson × Gaussian constraint".into()),
        ..Default::default()
    }
}

use histfactory_plot::{BrazilBand, Correlations, Pulls, Ranking, ScanPlot, Yields};

pub fn brazil() -> BrazilBand {
    let poi_values = linspace(0.0, 3.0, 31);
    // Toy CLs curves: exp(-mu * k) with different k per band.
    let ks = [2.2, 1.8, 1.4, 1.1, 0.85];
    let cls_exp: Vec<[f64; 5]> = poi_values
        .iter()
        .map(|&m| {
            let mut e = [0.0; 5];
            for (i, k) in ks.iter().enumerate() {
                e[i] = (-m * k).exp();
            }
            e
        })
        .collect();
    let cls_obs: Vec<f64> = poi_values.iter().map(|&m| (-m * 1.25f64).exp()).collect();
    let lim = |k: f64| (1.0f64 / 0.05).ln() / k;
    BrazilBand {
        poi_values,
        cls_obs,
        cls_exp,
        level: 0.05,
        obs_limit: lim(1.25),
        exp_limits: [lim(2.2), lim(1.8), lim(1.4), lim(1.1), lim(0.85)],
        poi_name: "μ".into(),
    }
}

pub fn scan_plot() -> ScanPlot {
    let values = linspace(0.0, 2.0, 41);
    let delta_twice_nll = values
        .iter()
        .map(|&x| ((x - 0.8) / 0.3f64).powi(2))
        .collect();
    ScanPlot {
        par_name: "μ".into(),
        values,
        delta_twice_nll,
        best_fit: 0.8,
    }
}

pub fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("alpha_syst_{i}")).collect()
}

pub fn pulls_fig(n: usize) -> Pulls {
    Pulls {
        names: names(n),
        pulls: (0..n).map(|i| ((i as f64) * 0.7).sin() * 1.3).collect(),
        constraints: (0..n)
            .map(|i| 0.5 + 0.4 * ((i as f64) * 1.3).cos().abs())
            .collect(),
    }
}

pub fn correlations_fig(n: usize) -> Correlations {
    let mut matrix = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            matrix[i * n + j] = if i == j {
                1.0
            } else {
                (0.9f64).powi((i as i32 - j as i32).abs())
                    * if (i + j) % 3 == 0 { -1.0 } else { 1.0 }
            };
        }
    }
    Correlations {
        names: names(n),
        matrix,
    }
}

pub fn ranking_fig(n: usize) -> Ranking {
    let f = |i: usize, a: f64| ((i as f64 + 1.0) * a).sin() * 0.1 / (1.0 + i as f64 * 0.3);
    Ranking {
        names: names(n),
        prefit_up: (0..n).map(|i| f(i, 1.1).abs() * 1.3).collect(),
        prefit_down: (0..n).map(|i| -f(i, 1.1).abs() * 1.2).collect(),
        postfit_up: (0..n).map(|i| f(i, 1.1).abs()).collect(),
        postfit_down: (0..n).map(|i| -f(i, 1.1).abs() * 0.9).collect(),
        pulls: (0..n).map(|i| (i as f64 * 0.9).cos()).collect(),
        pull_errors: (0..n).map(|i| 0.6 + 0.3 * (i as f64).sin().abs()).collect(),
        poi_name: "μ".into(),
        max_entries: 15,
    }
}

pub fn yields_fig(name: &str, nb: usize) -> Yields {
    let bkg: Vec<f64> = (0..nb)
        .map(|b| 50.0 * (-(b as f64) / 4.0).exp() + 5.0)
        .collect();
    let bkg2: Vec<f64> = (0..nb).map(|b| 10.0 + b as f64).collect();
    let sig: Vec<f64> = (0..nb)
        .map(|b| 20.0 * (-((b as f64 - nb as f64 / 2.0) / 1.5).powi(2)).exp())
        .collect();
    let total: Vec<f64> = (0..nb).map(|b| bkg[b] + bkg2[b] + sig[b]).collect();
    Yields {
        channel_name: name.into(),
        bin_edges: linspace(0.0, 100.0, nb + 1),
        samples: vec![
            ("background".into(), bkg),
            ("ttbar".into(), bkg2),
            ("signal".into(), sig),
        ],
        total_uncertainty: total.iter().map(|t| 0.1 * t).collect(),
        data: total.iter().map(|t| (t + t.sqrt() * 0.5).round()).collect(),
        label: "pre-fit".into(),
    }
}
