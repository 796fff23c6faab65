// Tests index freely and unwrap results they expect to be Ok.
#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

use super::Objective;
use super::*;

/// `f = (x - c)^T A (x - c)`.
struct Quad {
    a: Vec<f64>,
    c: Vec<f64>,
}

impl Quad {
    fn n(&self) -> usize {
        self.c.len()
    }
    /// Diagonal-dominant SPD matrix with condition number ~`cond`.
    fn ill(n: usize, cond: f64) -> Self {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = cond.powf(i as f64 / (n.max(2) - 1) as f64);
            if i + 1 < n {
                let off = 0.3 * (a[i * n + i]).min(1.0);
                a[i * n + i + 1] = off;
                a[(i + 1) * n + i] = off;
            }
        }
        // Make sure of positive definiteness by diagonal dominance.
        for i in 0..n {
            a[i * n + i] += 0.7;
        }
        let c = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        Self { a, c }
    }
}

impl Objective for Quad {
    fn n_params(&self) -> usize {
        self.n()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let n = self.n();
        let mut f = 0.0;
        for i in 0..n {
            for j in 0..n {
                f += (x[i] - self.c[i]) * self.a[i * n + j] * (x[j] - self.c[j]);
            }
        }
        f
    }
    fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let n = self.n();
        for i in 0..n {
            g[i] = 2.0
                * (0..n)
                    .map(|j| self.a[i * n + j] * (x[j] - self.c[j]))
                    .sum::<f64>();
        }
        self.value(x)
    }
    fn hessian(&mut self, _x: &[f64], h: &mut [f64]) {
        for (hv, av) in h.iter_mut().zip(&self.a) {
            *hv = 2.0 * av;
        }
    }
}

/// Extended Rosenbrock (chained).
struct Rosen(usize);

impl Objective for Rosen {
    fn n_params(&self) -> usize {
        self.0
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        (0..self.0 - 1)
            .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
            .sum()
    }
    fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..self.0 - 1 {
            let t = x[i + 1] - x[i] * x[i];
            g[i] += -400.0 * t * x[i] - 2.0 * (1.0 - x[i]);
            g[i + 1] += 200.0 * t;
        }
        self.value(x)
    }
    fn hessian(&mut self, x: &[f64], h: &mut [f64]) {
        let n = self.0;
        h.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n - 1 {
            h[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            h[i * n + i + 1] += -400.0 * x[i];
            h[(i + 1) * n + i] += -400.0 * x[i];
            h[(i + 1) * n + i + 1] += 200.0;
        }
    }
}

/// `f = sum x_i - a_i ln x_i`: NaN for `x_i < 0`, minimum at `x_i = a_i`.
struct LogBarrier(Vec<f64>);

impl Objective for LogBarrier {
    fn n_params(&self) -> usize {
        self.0.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        x.iter().zip(&self.0).map(|(x, a)| x - a * x.ln()).sum()
    }
    fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        for i in 0..x.len() {
            g[i] = 1.0 - self.0[i] / x[i];
        }
        self.value(x)
    }
    fn hessian(&mut self, x: &[f64], h: &mut [f64]) {
        let n = x.len();
        h.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n {
            h[i * n + i] = self.0[i] / (x[i] * x[i]);
        }
    }
}

/// twice_nll of Poisson bins `nu_b = mu s_b + b_b (1 + k theta)` with a unit Gaussian
/// constraint on theta (auxiliary datum 0), all constants included.
struct Poisson {
    n: Vec<f64>,
    s: Vec<f64>,
    b: Vec<f64>,
    k: f64,
}

impl Poisson {
    fn nu(&self, x: &[f64], i: usize) -> f64 {
        x[0] * self.s[i] + self.b[i] * (1.0 + self.k * x[1])
    }
    fn jac(&self, i: usize) -> [f64; 2] {
        [self.s[i], self.b[i] * self.k]
    }
}

fn ln_factorial(n: f64) -> f64 {
    (1..=(n as u64)).map(|k| (k as f64).ln()).sum()
}

impl Objective for Poisson {
    fn n_params(&self) -> usize {
        2
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut f = 0.0;
        for i in 0..self.n.len() {
            let nu = self.nu(x, i);
            // ln of a negative rate is NaN: the forbidden region.
            f += 2.0 * (nu - self.n[i] * nu.ln() + ln_factorial(self.n[i]));
        }
        f + x[1] * x[1] + (2.0 * std::f64::consts::PI).ln()
    }
    fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = 0.0;
        g[1] = 2.0 * x[1];
        for i in 0..self.n.len() {
            let nu = self.nu(x, i);
            let j = self.jac(i);
            let w = 2.0 * (1.0 - self.n[i] / nu);
            g[0] += w * j[0];
            g[1] += w * j[1];
        }
        self.value(x)
    }
    fn hessian(&mut self, x: &[f64], h: &mut [f64]) {
        h.iter_mut().for_each(|v| *v = 0.0);
        h[3] = 2.0;
        for i in 0..self.n.len() {
            let nu = self.nu(x, i);
            let j = self.jac(i);
            let w = 2.0 * self.n[i] / (nu * nu);
            for a in 0..2 {
                for b in 0..2 {
                    h[a * 2 + b] += w * j[a] * j[b];
                }
            }
        }
    }
}

fn inf(n: usize) -> (Vec<f64>, Vec<f64>) {
    (vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n])
}

fn report(name: &str, o: &MinimizeOutcome) {
    eprintln!(
        "{name:<28} {:?} it={} (newton {}) value={} vg={} hess={} |pg|={:.2e} edm={:.2e} f={:.12}",
        o.status,
        o.iterations,
        o.newton_iterations,
        o.evaluations.value,
        o.evaluations.value_and_grad,
        o.evaluations.hessian,
        o.grad_norm,
        o.edm,
        o.fval
    );
}

fn assert_close(a: &[f64], b: &[f64], tol: f64) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
    }
}

#[test]
fn quadratic_unbounded() {
    let mut q = Quad::ill(5, 100.0);
    let (lo, hi) = inf(5);
    let o = minimize(
        &mut q,
        &[3.0; 5],
        &lo,
        &hi,
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("quad5", &o);
    assert!(o.converged && o.hessian_pos_def);
    assert!(o.grad_norm <= 1e-10);
    assert_close(&o.x, &q.c.clone(), 1e-10);
    assert!(o.edm < 1e-18);
}

#[test]
fn quadratic_quasi_newton_path_large() {
    for (n, cond) in [(60, 1e3), (200, 1e4)] {
        let mut q = Quad::ill(n, cond);
        let (lo, hi) = inf(n);
        let o = minimize(
            &mut q,
            &vec![0.0; n],
            &lo,
            &hi,
            &[],
            &MinimizerOptions::default(),
        )
        .unwrap();
        report(&format!("quad{n} cond {cond:e}"), &o);
        assert!(o.converged, "{}", o.termination);
        assert!(o.grad_norm <= 1e-10);
        assert_close(&o.x, &q.c.clone(), 1e-9);
        assert!(o.evaluations.hessian <= 3);
    }
}

#[test]
fn quadratic_min_on_bound_starting_at_bound() {
    // Minimum at (-1, 2) unconstrained; box [0, 5]^2 puts it at (0, 2) (diagonal A).
    let mut q = Quad {
        a: vec![2.0, 0.0, 0.0, 1.0],
        c: vec![-1.0, 2.0],
    };
    for opts in [
        MinimizerOptions::default(),
        MinimizerOptions {
            newton_max_n: 0,
            ..Default::default()
        },
    ] {
        let o = minimize(&mut q, &[0.0, 0.0], &[0.0, 0.0], &[5.0, 5.0], &[], &opts).unwrap();
        report("quad on bound", &o);
        assert!(o.converged, "{}", o.termination);
        assert_eq!(o.x[0], 0.0);
        assert!((o.x[1] - 2.0).abs() < 1e-10);
        assert_eq!(o.at_bound, vec![true, false]);
        assert!(o.grad[0] > 0.0);
        assert!(o.grad_norm <= 1e-10);
    }
    // Start at the other bound.
    let o = minimize(
        &mut q,
        &[5.0, 5.0],
        &[0.0, 0.0],
        &[5.0, 5.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    assert!(o.converged);
    assert_close(&o.x, &[0.0, 2.0], 1e-10);
}

#[test]
fn bounded_coupled_active_constraints() {
    // Correlated 6-D bowl with minimum outside the box in several coordinates: check KKT.
    let n = 6;
    let mut q = Quad::ill(n, 50.0);
    q.c = vec![-2.0, 0.5, 3.0, -0.2, 2.5, 0.1];
    let lo = vec![-1.0; n];
    let hi = vec![1.0; n];
    for newton_max_n in [20, 0] {
        let opts = MinimizerOptions {
            newton_max_n,
            ..Default::default()
        };
        let o = minimize(&mut q, &vec![0.0; n], &lo, &hi, &[], &opts).unwrap();
        report(&format!("box6 newton_max_n={newton_max_n}"), &o);
        assert!(o.converged, "{}", o.termination);
        for i in 0..n {
            if o.at_bound[i] {
                assert!(o.x[i] == lo[i] && o.grad[i] > 0.0 || o.x[i] == hi[i] && o.grad[i] < 0.0);
            } else {
                assert!(o.grad[i].abs() <= 1e-10, "{i}: {}", o.grad[i]);
            }
        }
        assert!(o.at_bound.iter().filter(|&&b| b).count() >= 2);
    }
}

#[test]
fn rosenbrock_2d_and_10d() {
    for (n, newton_max_n) in [(2, 20), (2, 0), (10, 20), (10, 0), (50, 20)] {
        let mut r = Rosen(n);
        let x0: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        let (lo, hi) = inf(n);
        let opts = MinimizerOptions {
            newton_max_n,
            ..Default::default()
        };
        let o = minimize(&mut r, &x0, &lo, &hi, &[], &opts).unwrap();
        report(&format!("rosen{n} newton_max_n={newton_max_n}"), &o);
        assert!(o.converged, "{}", o.termination);
        assert!(o.grad_norm <= 1e-10);
        // Chained Rosenbrock in >= 4-D has a second local minimum near x0 = -1 with
        // f = 3.98657911...; either minimum is a correct answer for a local minimiser.
        if n == 2 || o.x[0] > 0.0 {
            assert_close(&o.x, &vec![1.0; n], 1e-9);
        } else {
            assert!((o.fval - 3.986579112347).abs() < 1e-9);
        }
        assert!(o.hessian_pos_def);
    }
}

#[test]
fn rosenbrock_bounded() {
    // Box excludes (1, 1): minimum of the 2-D Rosenbrock on x1 <= 0.5 is on that bound.
    let mut r = Rosen(2);
    let o = minimize(
        &mut r,
        &[-1.2, 1.0],
        &[-2.0, -2.0],
        &[0.5, 2.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("rosen2 bounded", &o);
    assert!(o.converged, "{}", o.termination);
    assert_eq!(o.x[0], 0.5);
    assert!((o.x[1] - 0.25).abs() < 1e-10);
    assert_eq!(o.at_bound, vec![true, false]);
}

#[test]
fn fixed_parameters() {
    // Fixing x0 = v: x1 = c1 - A10/A11 (v - c0).
    let mut q = Quad {
        a: vec![2.0, 0.6, 0.6, 1.0],
        c: vec![1.0, -1.0],
    };
    let (lo, hi) = inf(2);
    let o = minimize(
        &mut q,
        &[3.0, 0.0],
        &lo,
        &hi,
        &[true, false],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("fixed", &o);
    assert!(o.converged);
    assert_eq!(o.x[0], 3.0);
    assert!((o.x[1] - (-1.0 - 0.6 * 2.0)).abs() < 1e-12);
    assert_eq!(o.grad[0], 0.0);
    assert_eq!(o.hessian[0], 0.0);
    assert_eq!(o.hessian[1], 0.0);
    assert_eq!(o.hessian[3], 2.0);
    assert_eq!(o.fixed, vec![true, false]);
    let cov = o.covariance().unwrap();
    assert_eq!(cov.cov[0], 0.0);
    assert!((cov.cov[3] - 1.0).abs() < 1e-14);
    // Zero-width box counts as fixed; all fixed is fine too.
    let o = minimize(
        &mut q,
        &[3.0, 0.0],
        &[3.0, -5.0],
        &[3.0, 5.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    assert!(o.converged && o.fixed[0]);
    let o = minimize(
        &mut q,
        &[3.0, 0.0],
        &lo,
        &hi,
        &[true, true],
        &MinimizerOptions::default(),
    )
    .unwrap();
    assert!(o.converged);
    assert_eq!(o.x, vec![3.0, 0.0]);
}

#[test]
fn nan_region_minimum_near_boundary() {
    let a = vec![1e-3, 1e-6, 2.0];
    let mut f = LogBarrier(a.clone());
    let (lo, hi) = inf(3);
    for newton_max_n in [20, 0] {
        let opts = MinimizerOptions {
            newton_max_n,
            ..Default::default()
        };
        let o = minimize(&mut f, &[5.0, 5.0, 5.0], &lo, &hi, &[], &opts).unwrap();
        report(&format!("log barrier newton_max_n={newton_max_n}"), &o);
        assert!(o.converged, "{}", o.termination);
        assert!(o.fval.is_finite());
        for i in 0..3 {
            assert!((o.x[i] - a[i]).abs() <= 1e-9 * a[i], "{:?}", o.x);
        }
    }
    // Starting in the forbidden region is reported, not an error.
    let o = minimize(
        &mut f,
        &[-1.0, 1.0, 1.0],
        &lo,
        &hi,
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    assert_eq!(o.status, Status::NonFiniteStart);
    assert!(!o.converged);
}

#[test]
fn max_iterations_not_converged() {
    let mut r = Rosen(2);
    let (lo, hi) = inf(2);
    let opts = MinimizerOptions {
        max_iter: 3,
        ..Default::default()
    };
    let o = minimize(&mut r, &[-1.2, 1.0], &lo, &hi, &[], &opts).unwrap();
    assert_eq!(o.status, Status::MaxIterations);
    assert!(!o.converged);
    assert_eq!(o.iterations, 3);
}

#[test]
fn invalid_inputs() {
    let mut q = Quad {
        a: vec![1.0, 0.0, 0.0, 1.0],
        c: vec![0.0, 0.0],
    };
    let o = MinimizerOptions::default();
    let (lo, hi) = inf(2);
    assert!(matches!(
        minimize(&mut q, &[2.0, 0.0], &[0.0, 0.0], &[1.0, 1.0], &[], &o),
        Err(OptimError::InitOutsideBounds { index: 0, .. })
    ));
    assert!(matches!(
        minimize(&mut q, &[0.5, 0.0], &[0.0, 0.0], &[1.0, -1.0], &[], &o),
        Err(OptimError::InvalidBounds { index: 1, .. })
    ));
    assert!(matches!(
        minimize(&mut q, &[0.0], &lo, &hi, &[], &o),
        Err(OptimError::LengthMismatch { what: "x0", .. })
    ));
    assert!(matches!(
        minimize(&mut q, &[0.0, 0.0], &lo[..1], &hi, &[], &o),
        Err(OptimError::LengthMismatch { what: "lo", .. })
    ));
    assert!(matches!(
        minimize(&mut q, &[0.0, 0.0], &lo, &hi, &[true], &o),
        Err(OptimError::LengthMismatch { what: "fixed", .. })
    ));
    assert!(matches!(
        minimize(&mut q, &[f64::NAN, 0.0], &lo, &hi, &[], &o),
        Err(OptimError::InitOutsideBounds { .. })
    ));
    let e = minimize(&mut q, &[2.0, 0.0], &[0.0, 0.0], &[1.0, 1.0], &[], &o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter 0: initial value 2 outside bounds [0, 1]"
    );
}

#[test]
fn not_positive_definite_is_not_converged() {
    // Saddle: f = x^2 - y^2 started exactly at the stationary point.
    let mut q = Quad {
        a: vec![1.0, 0.0, 0.0, -1.0],
        c: vec![0.0, 0.0],
    };
    let (lo, hi) = inf(2);
    let o = minimize(
        &mut q,
        &[0.0, 0.0],
        &lo,
        &hi,
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    assert_eq!(o.status, Status::HessianNotPosDef);
    assert!(!o.converged && !o.hessian_pos_def);
}

#[test]
fn poisson_likelihood_uncertainties() {
    // Single bin, no nuisance effect (k = 0): mu_hat = (n - b)/s, sigma = sqrt(n)/s.
    let mut p = Poisson {
        n: vec![25.0],
        s: vec![4.0],
        b: vec![9.0],
        k: 0.0,
    };
    let o = minimize(
        &mut p,
        &[1.0, 0.5],
        &[-10.0, -5.0],
        &[10.0, 5.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("poisson 1 bin", &o);
    assert!(o.converged, "{}", o.termination);
    // The contract is a projected gradient <= 1e-10; with curvature ~1.3 that places x
    // within ~1e-10 of the minimum (Newton steps on a reused Hessian converge linearly).
    assert!(
        (o.x[0] - 4.0).abs() < 1e-10 && o.x[1].abs() < 1e-10,
        "{:?} {}",
        o.x,
        o.termination
    );
    let cov = o.covariance().unwrap();
    let se = cov.std_errors();
    assert!((se[0] - 5.0 / 4.0).abs() < 1e-10, "{se:?}");
    assert!((se[1] - 1.0).abs() < 1e-10);

    // Three bins with a background systematic; compare with the inverse Fisher matrix
    // computed independently, and check the minimum is stationary.
    let mut p = Poisson {
        n: vec![12.0, 30.0, 7.0],
        s: vec![2.0, 6.0, 1.0],
        b: vec![10.0, 20.0, 8.0],
        k: 0.1,
    };
    // Start where large negative mu would make rates negative along the first steps.
    let o = minimize(
        &mut p,
        &[-3.0, 2.0],
        &[-10.0, -5.0],
        &[10.0, 5.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("poisson 3 bins", &o);
    assert!(o.converged, "{}", o.termination);
    assert!(o.grad_norm <= 1e-10);
    let x = o.x.clone();
    let mut fisher = [0.0; 4];
    fisher[3] = 1.0;
    for i in 0..3 {
        let nu = p.nu(&x, i);
        let j = p.jac(i);
        for a in 0..2 {
            for b in 0..2 {
                fisher[a * 2 + b] += p.n[i] / (nu * nu) * j[a] * j[b];
            }
        }
    }
    let det = fisher[0] * fisher[3] - fisher[1] * fisher[2];
    let inv = [
        fisher[3] / det,
        -fisher[1] / det,
        -fisher[2] / det,
        fisher[0] / det,
    ];
    let cov = o.covariance().unwrap();
    assert!(!cov.forced_pos_def);
    assert_close(&cov.cov, &inv, 1e-10);
    let corr = cov.correlation();
    assert!((corr[1] - inv[1] / (inv[0] * inv[3]).sqrt()).abs() < 1e-10);

    // Data below background: mu_hat on its lower bound 0.
    let mut p = Poisson {
        n: vec![5.0, 15.0],
        s: vec![2.0, 3.0],
        b: vec![10.0, 20.0],
        k: 0.1,
    };
    let o = minimize(
        &mut p,
        &[1.0, 0.0],
        &[0.0, -5.0],
        &[10.0, 5.0],
        &[],
        &MinimizerOptions::default(),
    )
    .unwrap();
    report("poisson mu on bound", &o);
    assert!(o.converged, "{}", o.termination);
    assert_eq!(o.x[0], 0.0);
    assert!(o.at_bound[0]);
    assert!(o.grad[1].abs() <= 1e-10);
}

#[test]
fn covariance_helper_fallback() {
    // Indefinite Hessian: forced positive definite, flagged.
    let c = covariance_from_hessian(&[2.0, 0.0, 0.0, -1.0], 2, 2.0).unwrap();
    assert!(c.forced_pos_def);
    assert!((c.cov[0] - 1.0).abs() < 1e-14);
    assert!(covariance_from_hessian(&[1.0], 2, 2.0).is_none());
    // Zero rows are treated as fixed.
    let c = covariance_from_hessian(&[0.0, 0.0, 0.0, 4.0], 2, 2.0).unwrap();
    assert_eq!(c.cov, vec![0.0, 0.0, 0.0, 0.5]);
    assert_eq!(c.correlation(), vec![1.0, 0.0, 0.0, 1.0]);
}

#[test]
fn warm_start_at_minimum() {
    let mut q = Quad::ill(4, 10.0);
    let (lo, hi) = inf(4);
    let c = q.c.clone();
    let o = minimize(&mut q, &c, &lo, &hi, &[], &MinimizerOptions::default()).unwrap();
    assert!(o.converged);
    assert_eq!(o.iterations, 0);
    assert_eq!(o.evaluations.value_and_grad, 1);
}

/// Prints the cost (in gradient evaluations: a value counts 0.4, a Hessian `n`) of Newton
/// from the start against quasi-Newton then polish; the basis of `newton_max_n`'s default.
#[test]
fn measure_newton_vs_quasi_newton() {
    fn cost(o: &MinimizeOutcome, n: usize) -> f64 {
        0.4 * o.evaluations.value as f64
            + o.evaluations.value_and_grad as f64
            + (n * o.evaluations.hessian) as f64
    }
    fn run<O: Objective>(name: &str, obj: &mut O, x0: &[f64], lo: &[f64], hi: &[f64]) {
        let n = x0.len();
        let mut costs = [0.0; 2];
        for (k, newton_max_n) in [usize::MAX, 0].into_iter().enumerate() {
            let opts = MinimizerOptions {
                newton_max_n,
                ..Default::default()
            };
            let o = minimize(obj, x0, lo, hi, &[], &opts).unwrap();
            assert!(o.converged, "{name}: {}", o.termination);
            costs[k] = cost(&o, n);
        }
        eprintln!(
            "cost {name:<16} n={n:<3} newton={:<7.1} quasi-newton+polish={:<7.1}",
            costs[0], costs[1]
        );
    }
    for n in [2, 5, 10, 20, 40] {
        let (lo, hi) = inf(n);
        let x0: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        run("rosenbrock", &mut Rosen(n), &x0, &lo, &hi);
        run(
            "quad cond 1e3",
            &mut Quad::ill(n, 1e3),
            &vec![3.0; n],
            &lo,
            &hi,
        );
        let a: Vec<f64> = (0..n).map(|i| 10f64.powi(-(i as i32 % 7))).collect();
        run("log barrier", &mut LogBarrier(a), &vec![5.0; n], &lo, &hi);
    }
    let mut p = Poisson {
        n: vec![12.0, 30.0, 7.0],
        s: vec![2.0, 6.0, 1.0],
        b: vec![10.0, 20.0, 8.0],
        k: 0.1,
    };
    run(
        "poisson",
        &mut p,
        &[-3.0, 2.0],
        &[-10.0, -5.0],
        &[10.0, 5.0],
    );
}

/// HistFactory-like: `nu_b = mu s_b + gamma_b b_b` with a Poisson constraint
/// `Pois(tau_b | tau_b gamma_b)` per bin (shapesys); parameters `[mu, gamma_0..]`.
struct ShapeSys {
    n: Vec<f64>,
    s: Vec<f64>,
    b: Vec<f64>,
    tau: Vec<f64>,
}

impl ShapeSys {
    fn new(nb: usize, mu_true: f64) -> Self {
        let mut n = Vec::new();
        let mut s = Vec::new();
        let mut b = Vec::new();
        let mut tau = Vec::new();
        for i in 0..nb {
            let t = i as f64;
            s.push(1.0 + 4.0 * (-(t - nb as f64 / 2.0).powi(2) / 50.0).exp());
            b.push(20.0 + 10.0 * (0.3 * t).sin());
            tau.push(50.0 + 30.0 * (0.7 * t).cos());
            // Deterministic "fluctuations" around the expectation.
            let nu = mu_true * s[i] + b[i];
            n.push((nu + nu.sqrt() * (1.3 * t).sin()).round().max(0.0));
        }
        Self { n, s, b, tau }
    }
}

impl Objective for ShapeSys {
    fn n_params(&self) -> usize {
        1 + self.n.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut f = 0.0;
        for i in 0..self.n.len() {
            let nu = x[0] * self.s[i] + x[1 + i] * self.b[i];
            let t = self.tau[i];
            f += 2.0 * (nu - self.n[i] * nu.ln()) + 2.0 * (t * x[1 + i] - t * (t * x[1 + i]).ln());
        }
        f
    }
    fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = 0.0;
        for i in 0..self.n.len() {
            let nu = x[0] * self.s[i] + x[1 + i] * self.b[i];
            let w = 2.0 * (1.0 - self.n[i] / nu);
            g[0] += w * self.s[i];
            g[1 + i] = w * self.b[i] + 2.0 * self.tau[i] * (1.0 - 1.0 / x[1 + i]);
        }
        self.value(x)
    }
    fn hessian(&mut self, x: &[f64], h: &mut [f64]) {
        let n = self.n_params();
        h.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..self.n.len() {
            let nu = x[0] * self.s[i] + x[1 + i] * self.b[i];
            let w = 2.0 * self.n[i] / (nu * nu);
            let j = 1 + i;
            h[0] += w * self.s[i] * self.s[i];
            h[j] = w * self.s[i] * self.b[i];
            h[j * n] = h[j];
            h[j * n + j] = w * self.b[i] * self.b[i] + 2.0 * self.tau[i] / (x[j] * x[j]);
        }
    }
}

#[test]
fn shapesys_like_many_parameters() {
    for (nb, mu_true, lo_mu) in [(100, 1.0, -5.0), (300, 0.0, 0.0)] {
        let mut p = ShapeSys::new(nb, mu_true);
        let n = 1 + nb;
        let mut lo = vec![1e-10; n];
        let mut hi = vec![10.0; n];
        lo[0] = lo_mu;
        hi[0] = 10.0;
        let mut x0 = vec![1.0; n];
        x0[0] = 3.0;
        let o = minimize(&mut p, &x0, &lo, &hi, &[], &MinimizerOptions::default()).unwrap();
        report(&format!("shapesys {nb} bins"), &o);
        assert!(o.converged, "{}", o.termination);
        assert!(o.hessian_pos_def);
        assert!(o.grad_norm <= 1e-10_f64.max(1e-13 * o.fval.abs()));
        let cov = o.covariance().unwrap();
        let se = cov.std_errors();
        assert!(se[0] > 0.0 && se[0] < 1.0, "{}", se[0]);
        if !o.at_bound[0] {
            // H * cov / 2 = identity.
            let h = &o.hessian;
            for i in [0, 1, n - 1] {
                for j in [0, 1, n - 1] {
                    let v: f64 = (0..n)
                        .map(|k| h[i * n + k] * cov.cov[k * n + j])
                        .sum::<f64>();
                    assert!((v / 2.0 - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9);
                }
            }
        }
    }
}

#[test]
fn initial_hessian_starts_in_newton_and_reaches_the_same_minimum() {
    // Log barrier in 20 dimensions: without a Hessian the run travels in quasi-Newton
    // steps; with the Hessian at a nearby point it needs a few Newton steps and (with no
    // final Hessian asked for) no Hessian evaluation at all while the steps contract.
    let n = 20;
    let a: Vec<f64> = (0..n).map(|i| 0.5 + 0.1 * i as f64).collect();
    let mut f = LogBarrier(a.clone());
    let (lo, hi) = inf(n);
    let x0: Vec<f64> = a.iter().map(|v| v * 1.3).collect();
    let plain = MinimizerOptions {
        newton_max_n: 0,
        final_hessian: false,
        ..Default::default()
    };
    let cold = minimize(&mut f, &x0, &lo, &hi, &[], &plain).unwrap();
    let mut h = vec![0.0; n * n];
    f.hessian(&a.iter().map(|v| v * 1.1).collect::<Vec<_>>(), &mut h);
    let seeded = MinimizerOptions {
        initial_hessian: Some(std::sync::Arc::new(h)),
        ..plain.clone()
    };
    let warm = minimize(&mut f, &x0, &lo, &hi, &[], &seeded).unwrap();
    report("log barrier, cold", &cold);
    report("log barrier, initial Hessian", &warm);
    assert!(
        cold.converged && warm.converged,
        "{} / {}",
        cold.termination,
        warm.termination
    );
    assert_close(&warm.x, &a, 1e-9);
    assert!(warm.newton_iterations == warm.iterations && warm.iterations > 0);
    assert!(
        warm.evaluations.total() < cold.evaluations.total(),
        "{:?} vs {:?}",
        warm.evaluations,
        cold.evaluations
    );
    // A Hessian of the wrong size is an input error, not a panic.
    let bad = MinimizerOptions {
        initial_hessian: Some(std::sync::Arc::new(vec![1.0; 3])),
        ..plain
    };
    assert!(minimize(&mut f, &x0, &lo, &hi, &[], &bad).is_err());
}

/// A symmetric positive-definite `n * n` matrix from a fixed pseudo-random sequence, with
/// its upper triangle perturbed in the last bits (as the exact Hessian's two triangles
/// are): every factorisation must read the lower triangle only.
fn spd_with_ragged_upper(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let b: Vec<f64> = (0..n * n).map(|_| next()).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum::<f64>();
        }
        a[i * n + i] += 0.1;
    }
    for i in 0..n {
        for j in (i + 1)..n {
            a[i * n + j] *= 1.0 + 1e-13;
        }
    }
    a
}

#[test]
fn split_factor_and_solve_are_the_textbook_cholesky_bit_for_bit() {
    // 75 rows: several of the factorisation's row blocks, the last one partial.
    for n in [9, 75] {
        split_factor_case(n);
    }
}

fn split_factor_case(n: usize) {
    use super::linalg::{
        cholesky_in_place, cholesky_solve, factor_upper, restore_symmetric, solve_upper,
        upper_pivot,
    };
    let a = spd_with_ragged_upper(n, 7);
    let diag: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    let sparse: Vec<usize> = (0..n).filter(|i| i % 3 != 1 || *i == n - 1).collect();
    for idx in [
        (0..n).collect::<Vec<_>>(),
        vec![0, 2, 3, 7, 8],
        sparse,
        vec![4],
    ] {
        for shift in [0.0, 1e-3] {
            let k = idx.len();
            // The reference: the submatrix copied out and factorised the textbook way.
            let mut l = vec![0.0; k * k];
            for (x, &i) in idx.iter().enumerate() {
                for (y, &j) in idx.iter().enumerate() {
                    l[x * k + y] = a[i * n + j];
                }
                l[x * k + x] += shift;
            }
            assert!(cholesky_in_place(&mut l, k));
            let mut buf = a.clone();
            assert!(factor_upper(&mut buf, n, &idx, &diag, shift));
            for x in 0..k {
                assert_eq!(
                    upper_pivot(&buf, n, &idx, x).to_bits(),
                    l[x * k + x].to_bits()
                );
                for y in x..k {
                    let u = buf[idx[x] * n + (n - k) + y];
                    assert_eq!(u.to_bits(), l[y * k + x].to_bits(), "U[{x}][{y}]");
                }
            }
            let rhs: Vec<f64> = (0..k).map(|x| 1.0 - 0.3 * x as f64).collect();
            let (mut want, mut got) = (rhs.clone(), rhs);
            cholesky_solve(&l, k, &mut want);
            solve_upper(&buf, n, &idx, &mut got);
            assert_eq!(
                want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                got.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
            // The matrix itself is untouched in the strict lower triangle.
            restore_symmetric(&mut buf, n, &diag);
            for i in 0..n {
                for j in 0..=i {
                    assert_eq!(buf[i * n + j].to_bits(), a[i * n + j].to_bits());
                    assert_eq!(buf[j * n + i].to_bits(), a[i * n + j].to_bits());
                }
            }
        }
    }
    // Not positive definite: both say so.
    let mut neg = a.clone();
    neg[3 * n + 3] = -1.0;
    let nd: Vec<f64> = (0..n).map(|i| neg[i * n + i]).collect();
    let all: Vec<usize> = (0..n).collect();
    assert!(!factor_upper(&mut neg.clone(), n, &all, &nd, 0.0));
    assert!(!cholesky_in_place(&mut neg, n));
}

/// A fixed parameter's row and column of an `n * n` Hessian, as fits leave them: zero.
fn zero_row_and_column(h: &mut [f64], n: usize, k: usize) {
    for j in 0..n {
        h[k * n + j] = 0.0;
        h[j * n + k] = 0.0;
    }
}

#[test]
fn covariance_in_its_own_buffer_is_the_column_by_column_inverse() {
    // 70 parameters: several blocks of columns solved side by side, the last one partial.
    for n in [7, 70] {
        covariance_case(n);
    }
}

fn covariance_case(n: usize) {
    use super::linalg::{cholesky_in_place, cholesky_solve, covariance_in_place};
    let mut h = spd_with_ragged_upper(n, 11);
    zero_row_and_column(&mut h, n, 2);
    let keep: Vec<usize> = (0..n).filter(|&i| i != 2).collect();
    let m = keep.len();
    let mut l = vec![0.0; m * m];
    for (a, &i) in keep.iter().enumerate() {
        for (b, &j) in keep.iter().enumerate() {
            l[a * m + b] = h[i * n + j];
        }
    }
    assert!(cholesky_in_place(&mut l, m));
    let c = covariance_in_place(h.clone(), n, 2.0).unwrap();
    assert!(!c.forced_pos_def);
    for (b, &j) in keep.iter().enumerate() {
        let mut col = vec![0.0; m];
        col[b] = 1.0;
        cholesky_solve(&l, m, &mut col);
        // On and below the diagonal: the column solves' own values.
        for (a, &i) in keep.iter().enumerate().skip(b) {
            assert_eq!(c.cov[i * n + j].to_bits(), (2.0 * col[a]).to_bits());
        }
    }
    for i in 0..n {
        for j in 0..n {
            assert_eq!(c.cov[i * n + j].to_bits(), c.cov[j * n + i].to_bits());
            if i == 2 || j == 2 {
                assert_eq!(c.cov[i * n + j], 0.0);
            }
        }
    }
    // The public helper gives the same matrix from a borrowed Hessian.
    assert_eq!(covariance_from_hessian(&h, n, 2.0).unwrap(), c);
}

#[test]
fn expanding_the_free_hessian_in_place() {
    let (n, free) = (5, vec![1, 2, 4]);
    let m = free.len();
    let mut h: Vec<f64> = (0..m * m).map(|v| v as f64 + 1.0).collect();
    h.resize(n * n, f64::NAN);
    expand_in_place(&mut h, &free, n);
    for i in 0..n {
        for j in 0..n {
            let want = match (
                free.iter().position(|&v| v == i),
                free.iter().position(|&v| v == j),
            ) {
                (Some(a), Some(b)) => (a * m + b) as f64 + 1.0,
                _ => 0.0,
            };
            assert_eq!(h[i * n + j], want, "({i}, {j})");
        }
    }
}

#[test]
fn packed_factor_solves_and_inverts_as_the_unpacked_one() {
    use super::linalg::{covariance_in_place, factor_upper, solve_upper, PackedFactor};
    let n = 8;
    let mut h = spd_with_ragged_upper(n, 3);
    zero_row_and_column(&mut h, n, 5);
    // Exactly symmetric, as the minimiser's outcome is.
    for i in 0..n {
        for j in (i + 1)..n {
            h[i * n + j] = h[j * n + i];
        }
    }
    let idx: Vec<usize> = (0..n).filter(|&i| i != 5).collect();
    let k = idx.len();
    let diag: Vec<f64> = (0..n).map(|i| h[i * n + i]).collect();
    let mut buf = h.clone();
    assert!(factor_upper(&mut buf, n, &idx, &diag, 0.0));
    let packed = PackedFactor::from_upper(&buf, n, &idx);
    let rhs: Vec<f64> = (0..k).map(|a| 0.5 - 0.2 * a as f64).collect();
    let (mut want, mut got) = (rhs.clone(), rhs.clone());
    solve_upper(&buf, n, &idx, &mut want);
    packed.solve(&mut got);
    assert_eq!(want, got);
    // UᵀU d is the matrix times d, to rounding.
    let (mut t, mut hd) = (vec![0.0; k], vec![0.0; k]);
    packed.gram_times(&rhs, &mut t, &mut hd);
    for (a, &i) in idx.iter().enumerate() {
        let exact: f64 = idx.iter().zip(&rhs).map(|(&j, d)| h[i * n + j] * d).sum();
        assert!((hd[a] - exact).abs() <= 1e-13 * exact.abs().max(1.0), "{a}");
    }
    // Packed inside the Hessian's own buffer, it is the same factor.
    let in_place = PackedFactor::pack_in_place(buf.clone(), n, &idx);
    let mut again = rhs.clone();
    in_place.solve(&mut again);
    assert_eq!(want, again);
    // The covariance from either packed factor is the one computed in the Hessian's buffer.
    let want = covariance_in_place(h, n, 2.0).unwrap();
    assert_eq!(packed.into_covariance(&idx, n, 2.0), want);
    assert_eq!(in_place.into_covariance(&idx, n, 2.0), want);
}

#[test]
fn quasi_newton_only_runs_stop_where_a_hessian_would_be_needed() {
    // A 60-parameter quadratic: the ordinary run switches to Newton steps near the minimum.
    let n = 60;
    let mut q = Quad::ill(n, 1e3);
    let (lo, hi) = inf(n);
    let x0 = vec![0.0; n];
    let opts = MinimizerOptions::default();
    let full = minimize(&mut q, &x0, &lo, &hi, &[], &opts).unwrap();
    assert!(full.converged && full.evaluations.hessian > 0);
    let mut never = |_: &[f64], _: f64, _: &[f64]| false;
    let o = minimize_quasi_newton_until(&mut q, &x0, &lo, &hi, &[], &opts, &mut never).unwrap();
    assert_eq!(o.evaluations.hessian, 0);
    assert!(o.hessian.is_empty());
    assert_eq!(o.status, Status::Stopped, "{}", o.termination);
    assert!(!o.converged);
    // Stopped where Newton would take over: close to the minimum, not at it.
    assert!(o.fval < q.value(&x0) && o.fval > full.fval);
    // With an initial Hessian the ordinary run starts in Newton; this one still does not.
    let h: Vec<f64> = q.a.iter().map(|a| 2.0 * a).collect();
    let warm = MinimizerOptions {
        initial_hessian: Some(std::sync::Arc::new(h)),
        ..opts
    };
    let o = minimize_quasi_newton_until(&mut q, &x0, &lo, &hi, &[], &warm, &mut never).unwrap();
    assert_eq!(o.evaluations.hessian, 0);
    assert!(o.hessian.is_empty());
}
