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
    (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect()
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
