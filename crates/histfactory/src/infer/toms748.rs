//! TOMS Algorithm 748: bracketing root finding by inverse cubic interpolation and Newton steps
//! on a quadratic, safeguarded by a double-length secant step and bisection.
//!
//! G. E. Alefeld, F. A. Potra, Y. Shi, "Algorithm 748: Enclosing Zeros of Continuous
//! Functions", ACM Trans. Math. Softw. 21 (1995) 327–344.
//!
//! This is the variant scipy ships as `scipy.optimize.toms748` (pyhf's `toms748_scan` uses it
//! with `k = 2`): each iteration takes `k` interpolation steps — inverse cubic interpolation
//! through the two bracket ends and the two previous ends `d`, `e` when the four function
//! values are well separated, otherwise Newton steps (2 in the first step, 3 in the second)
//! on the quadratic through `a`, `b`, `d` — then one double-length secant step from the end with the smaller |f|, and
//! a bisection if the bracket did not at least halve. The root is always bracketed, so the
//! method cannot diverge; near a simple root it converges with efficiency index ≈ 1.65
//! (k = 1) / 1.66 (k = 2), against 1 for bisection.
//!
//! Termination follows scipy: the bracket `[a, b]` is accepted when
//! `|b − a| ≤ xtol + rtol·|b|`, and the midpoint is returned; an exact zero of `f` is
//! returned as soon as it is hit.

use super::InferError;

/// The smallest relative tolerance accepted (as scipy: 4 machine epsilons).
pub const MIN_RTOL: f64 = 4.0 * f64::EPSILON;

/// Options of [`toms748`]. `Default` gives scipy's defaults (`xtol = 2e-12`,
/// `rtol = 4ε`, `maxiter = 100`, `k = 1`); [`Toms748Options::pyhf_scan`] gives pyhf's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Toms748Options {
    /// Absolute tolerance on the bracket width (> 0).
    pub xtol: f64,
    /// Relative tolerance on the bracket width (≥ [`MIN_RTOL`]).
    pub rtol: f64,
    /// Maximum number of iterations (the initial secant step counts as one, as in scipy).
    pub maxiter: usize,
    /// Number of interpolation steps per iteration (≥ 1); the paper's Algorithm 4.1 is
    /// `k = 1`, Algorithm 4.2 is `k = 2`.
    pub k: usize,
}

impl Default for Toms748Options {
    fn default() -> Self {
        Self {
            xtol: 2e-12,
            rtol: MIN_RTOL,
            maxiter: 100,
            k: 1,
        }
    }
}

impl Toms748Options {
    /// What pyhf 0.7.6's `toms748_scan` passes: `k = 2`, `xtol = atol = 2e-12`,
    /// `rtol = 1e-4`.
    pub fn pyhf_scan() -> Self {
        Self {
            xtol: 2e-12,
            rtol: 1e-4,
            maxiter: 100,
            k: 2,
        }
    }
}

/// The outcome of [`toms748`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Toms748Result {
    /// The root estimate: an exact zero if one was hit, else the midpoint of the final
    /// bracket.
    pub root: f64,
    /// The final bracket `[a, b]` (both ends equal `root` when an exact zero was hit).
    pub bracket: (f64, f64),
    /// Iterations taken (the initial secant step counts as one).
    pub iterations: usize,
    /// Number of evaluations of `f`.
    pub function_calls: usize,
    /// Whether the tolerance was met (or an exact zero found) within `maxiter` iterations.
    pub converged: bool,
}

/// Finds a root of `f` in `[a, b]`, where `f(a)` and `f(b)` differ in sign.
///
/// # Errors
/// - [`InferError::InvalidArgument`] for a non-finite or empty bracket (`a < b` is
///   required), `xtol ≤ 0`, `rtol < 4ε`, `k = 0` or `maxiter = 0`;
/// - [`InferError::NotBracketed`] if `f(a)` and `f(b)` have the same sign;
/// - [`InferError::NonFiniteFunctionValue`] if `f` returns NaN or ±∞.
///
/// Running out of iterations is not an error: the result then has `converged == false`.
pub fn toms748<F>(
    mut f: F,
    a: f64,
    b: f64,
    options: &Toms748Options,
) -> Result<Toms748Result, InferError>
where
    F: FnMut(f64) -> f64,
{
    toms748_try(|x| Ok::<f64, InferError>(f(x)), a, b, options)
}

/// [`toms748`] for a fallible function (for example one that runs fits): the first error
/// `f` returns is passed through.
///
/// # Errors
/// Those of [`toms748`], converted into `E`, and any error of `f`.
pub fn toms748_try<F, E>(f: F, a: f64, b: f64, options: &Toms748Options) -> Result<Toms748Result, E>
where
    F: FnMut(f64) -> Result<f64, E>,
    E: From<InferError>,
{
    check_options(a, b, options)?;
    let mut solver = Solver {
        f,
        calls: 0,
        a,
        b,
        fa: 0.0,
        fb: 0.0,
        options: *options,
    };
    solver.solve()
}

fn check_options(a: f64, b: f64, o: &Toms748Options) -> Result<(), InferError> {
    let invalid = |name, message: String| Err(InferError::InvalidArgument { name, message });
    if !(a.is_finite() && b.is_finite() && a < b) {
        return invalid("bracket", format!("need finite a < b, got [{a}, {b}]"));
    }
    if o.xtol.is_nan() || o.xtol <= 0.0 {
        return invalid("xtol", format!("must be positive, got {}", o.xtol));
    }
    // Below a few ε the bracket cannot shrink to the requested width in floating point.
    if o.rtol.is_nan() || o.rtol < MIN_RTOL {
        return invalid(
            "rtol",
            format!("must be at least {MIN_RTOL:e}, got {}", o.rtol),
        );
    }
    if o.k == 0 {
        return invalid("k", "must be at least 1".to_string());
    }
    if o.maxiter == 0 {
        return invalid("maxiter", "must be at least 1".to_string());
    }
    Ok(())
}

/// Why an iteration stopped early: an exact zero, or an error from `f`.
enum Stop<E> {
    Zero(f64),
    Err(E),
}

struct Solver<F> {
    f: F,
    calls: usize,
    /// The bracket; `fa` and `fb` are nonzero and of opposite signs.
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
    options: Toms748Options,
}

impl<F, E> Solver<F>
where
    F: FnMut(f64) -> Result<f64, E>,
    E: From<InferError>,
{
    fn solve(&mut self) -> Result<Toms748Result, E> {
        let (a, b) = (self.a, self.b);
        let fa = self.eval(a)?;
        if fa == 0.0 {
            return Ok(self.exact(a, 0));
        }
        let fb = self.eval(b)?;
        if fb == 0.0 {
            return Ok(self.exact(b, 0));
        }
        if fa.signum() == fb.signum() {
            return Err(InferError::NotBracketed { a, b, fa, fb }.into());
        }
        self.fa = fa;
        self.fb = fb;

        // Iteration 1: a secant step (there is no third point to interpolate through yet).
        let mut iterations = 1;
        let mut c = a - fa * (b - a) / (fb - fa);
        if !(a < c && c < b) {
            c = self.midpoint();
        }
        let fc = self.eval(c)?;
        if fc == 0.0 {
            return Ok(self.exact(c, iterations));
        }
        // `d` is the end just dropped from the bracket, `e` the one dropped before it.
        let mut d = self.update_bracket(c, fc);
        let mut e: Option<(f64, f64)> = None;

        while !self.converged() && iterations < self.options.maxiter {
            iterations += 1;
            match self.iterate(&mut d, &mut e) {
                Ok(()) => {}
                Err(Stop::Zero(x)) => return Ok(self.exact(x, iterations)),
                Err(Stop::Err(err)) => return Err(err),
            }
        }
        Ok(Toms748Result {
            root: self.midpoint(),
            bracket: (self.a, self.b),
            iterations,
            function_calls: self.calls,
            converged: self.converged(),
        })
    }

    /// One iteration of the algorithm: `k` interpolation steps, a double-length secant
    /// step, and a bisection if the bracket did not at least halve.
    fn iterate(&mut self, d: &mut (f64, f64), e: &mut Option<(f64, f64)>) -> Result<(), Stop<E>> {
        let start_width = self.b - self.a;

        for newton_steps in 2..self.options.k + 2 {
            // Inverse cubic interpolation when four distinct function values are available;
            // its zero is only trusted strictly inside the bracket.
            let mut c = None;
            if let Some(ee) = *e {
                if well_separated(&[self.fa, self.fb, d.1, ee.1]) {
                    let c0 = inverse_cubic_zero([(self.a, self.fa), (self.b, self.fb), *d, ee]);
                    if self.a < c0 && c0 < self.b {
                        c = Some(c0);
                    }
                }
            }
            // Otherwise Newton steps on the quadratic through a, b, d (2 in the first
            // interpolation step, 3 in the second, as the paper prescribes).
            let c = match c {
                Some(c) => c,
                None => self.newton_quadratic(*d, newton_steps),
            };
            let fc = self.eval_or_stop(c)?;
            *e = Some(*d);
            *d = self.update_bracket(c, fc);
        }

        // Double-length secant step from the end with the smaller |f| (overshooting the
        // root on purpose, so that the other end of the bracket moves too).
        let (u, fu, other, f_other) = if self.fa.abs() < self.fb.abs() {
            (self.a, self.fa, self.b, self.fb)
        } else {
            (self.b, self.fb, self.a, self.fa)
        };
        let slope = (self.fb - self.fa) / (self.b - self.a);
        let mut c = u - 2.0 * fu / slope;
        if (c - u).abs() > 0.5 * (self.b - self.a) {
            c = self.midpoint();
        } else if (c - u).abs() <= f64::EPSILON * u.abs() {
            // The step did not move: either the end values differ by many orders of
            // magnitude, or the root sits right at `u`. Move by a sizeable fraction of the
            // bracket in the first case, by about the tolerance in the second, so that the
            // bracket keeps shrinking.
            if binary_exponent(fu) < binary_exponent(f_other) - 50 {
                c = (31.0 * u + other) / 32.0;
            } else {
                let toward_other = if other > u { 1.0 } else { -1.0 };
                c = u + toward_other * (c.abs() * self.options.rtol + self.options.xtol);
            }
            if !(self.a < c && c < self.b) {
                c = self.midpoint();
            }
        }
        let fc = self.eval_or_stop(c)?;
        *e = Some(*d);
        *d = self.update_bracket(c, fc);

        // Guarantee at least linear convergence: bisect if the iteration shrank the bracket
        // by less than half.
        if self.b - self.a > 0.5 * start_width {
            *e = Some(*d);
            let z = self.midpoint();
            let fz = self.eval_or_stop(z)?;
            *d = self.update_bracket(z, fz);
        }
        Ok(())
    }

    /// Newton steps on `P(x) = f(a) + f[a,b](x−a) + f[a,b,d](x−a)(x−b)`, started from the
    /// end where `P` curves away from the axis (so the iterates approach the zero
    /// monotonically); falls back to the midpoint if a step leaves the bracket.
    fn newton_quadratic(&self, d: (f64, f64), steps: usize) -> f64 {
        let (a, b, fa, fb) = (self.a, self.b, self.fa, self.fb);
        let (d, fd) = d;
        let fab = (fb - fa) / (b - a);
        let fbd = (fd - fb) / (d - b);
        let fabd = (fbd - fab) / (d - a);
        if fabd == 0.0 {
            // P is linear: its zero is the secant point.
            return a - fa / fab;
        }
        let p = |x: f64| fa + (x - a) * (fab + fabd * (x - b));
        let dp = |x: f64| fab + fabd * (2.0 * x - a - b);
        let mut r = if fabd.signum() == fa.signum() { a } else { b };
        for _ in 0..steps {
            let next = r - p(r) / dp(r);
            if !(a < next && next < b) {
                // Keep the last iterate if it is inside, else bisect.
                return if a < r && r < b { r } else { self.midpoint() };
            }
            r = next;
        }
        r
    }

    /// Replaces the end of the bracket whose f has the sign of `fc` by `c`; returns the
    /// replaced end (the new `d`).
    fn update_bracket(&mut self, c: f64, fc: f64) -> (f64, f64) {
        if fc.signum() == self.fa.signum() {
            let old = (self.a, self.fa);
            self.a = c;
            self.fa = fc;
            old
        } else {
            let old = (self.b, self.fb);
            self.b = c;
            self.fb = fc;
            old
        }
    }

    fn converged(&self) -> bool {
        (self.b - self.a).abs() <= self.options.xtol + self.options.rtol * self.b.abs()
    }

    fn midpoint(&self) -> f64 {
        0.5 * (self.a + self.b)
    }

    fn exact(&self, x: f64, iterations: usize) -> Toms748Result {
        Toms748Result {
            root: x,
            bracket: (x, x),
            iterations,
            function_calls: self.calls,
            converged: true,
        }
    }

    fn eval(&mut self, x: f64) -> Result<f64, E> {
        self.calls += 1;
        let value = (self.f)(x)?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(InferError::NonFiniteFunctionValue { x, value }.into())
        }
    }

    fn eval_or_stop(&mut self, x: f64) -> Result<f64, Stop<E>> {
        match self.eval(x) {
            Ok(0.0) => Err(Stop::Zero(x)),
            Ok(v) => Ok(v),
            Err(err) => Err(Stop::Err(err)),
        }
    }
}

/// Whether the function values are nonzero, finite and pairwise more than 32ε apart, so
/// that inverse interpolation through them is well defined.
fn well_separated(fs: &[f64]) -> bool {
    let tol = 32.0 * f64::EPSILON;
    fs.iter().all(|f| f.is_finite() && *f != 0.0)
        && fs
            .iter()
            .enumerate()
            .all(|(i, fi)| fs[i + 1..].iter().all(|fj| (fi - fj).abs() > tol))
}

/// The value at y = 0 of the cubic x(y) through four points (x_i, y_i) with distinct y_i
/// (Lagrange form of the inverse interpolating polynomial).
fn inverse_cubic_zero(points: [(f64, f64); 4]) -> f64 {
    let mut x = 0.0;
    for (i, &(xi, yi)) in points.iter().enumerate() {
        let mut weight = 1.0;
        for (j, &(_, yj)) in points.iter().enumerate() {
            if i != j {
                weight *= yj / (yj - yi);
            }
        }
        x += xi * weight;
    }
    x
}

/// The binary exponent `e` of `x = m·2^e`, `0.5 ≤ |m| < 1` (C's `frexp`), for nonzero
/// finite `x`; only used to compare orders of magnitude.
fn binary_exponent(x: f64) -> i32 {
    // log2 of a finite nonzero f64 lies in about [-1075, 1024], so the cast is exact.
    x.abs().log2().floor() as i32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Plain bisection to the same tolerance, for comparing iteration counts.
    fn bisection_iterations(
        f: impl Fn(f64) -> f64,
        mut a: f64,
        mut b: f64,
        xtol: f64,
        rtol: f64,
    ) -> usize {
        let mut fa = f(a);
        let mut n = 0;
        while (b - a).abs() > xtol + rtol * b.abs() {
            let m = 0.5 * (a + b);
            let fm = f(m);
            if fm == 0.0 {
                break;
            }
            if fm.signum() == fa.signum() {
                a = m;
                fa = fm;
            } else {
                b = m;
            }
            n += 1;
        }
        n
    }

    struct Problem {
        name: &'static str,
        f: fn(f64) -> f64,
        a: f64,
        b: f64,
        root: f64,
    }

    fn problems() -> Vec<Problem> {
        vec![
            // Alefeld–Potra–Shi test problems and friends.
            Problem {
                name: "sin(x) - x/2",
                f: |x| x.sin() - x / 2.0,
                a: PI / 2.0,
                b: PI,
                root: 1.895_494_267_033_981,
            },
            Problem {
                name: "x^3 - 2x - 5",
                f: |x| x * x * x - 2.0 * x - 5.0,
                a: 2.0,
                b: 3.0,
                root: 2.094_551_481_542_326_5,
            },
            Problem {
                name: "exp(x) - 2",
                f: |x| x.exp() - 2.0,
                a: 0.0,
                b: 2.0,
                root: std::f64::consts::LN_2,
            },
            Problem {
                name: "x^20 - 1",
                f: |x| x.powi(20) - 1.0,
                a: 0.0,
                b: 5.0,
                root: 1.0,
            },
            Problem {
                name: "x exp(-x) - 0.1 (steep/flat)",
                f: |x| x * (-x).exp() - 0.1,
                a: 0.0,
                b: 1.0,
                root: 0.111_832_559_158_962_97,
            },
            Problem {
                name: "root near left end",
                f: |x| x - 1e-9,
                a: 0.0,
                b: 1.0,
                root: 1e-9,
            },
            Problem {
                name: "root near right end",
                f: |x| (x - (1.0 - 1e-9)) * (1.0 + x * x),
                a: 0.0,
                b: 1.0,
                root: 1.0 - 1e-9,
            },
            Problem {
                name: "exp(1/x) - 0.5/x - 4, huge f(a)",
                f: |x| (1.0 / x).exp() - 1.0 - 0.5 / x - 3.0,
                a: 0.1,
                b: 10.0,
                root: f64::NAN,
            },
            Problem {
                name: "cubic with tiny slope at root",
                f: |x| (x - 0.3).powi(3) + 1e-6 * (x - 0.3),
                a: -1.0,
                b: 2.0,
                root: 0.3,
            },
        ]
    }

    #[test]
    fn standard_problems_converge_faster_than_bisection() {
        for options in [
            Toms748Options::default(),
            Toms748Options {
                k: 2,
                ..Default::default()
            },
        ] {
            let mut total = 0;
            let mut total_bisect = 0;
            for p in problems() {
                let r =
                    toms748(p.f, p.a, p.b, &options).unwrap_or_else(|e| panic!("{}: {e}", p.name));
                assert!(r.converged, "{}: {r:?}", p.name);
                let (lo, hi) = r.bracket;
                assert!(
                    hi - lo <= options.xtol + options.rtol * hi.abs(),
                    "{}",
                    p.name
                );
                // The root is bracketed, so a sign change (or a zero) lies in [lo, hi].
                assert!((p.f)(lo) * (p.f)(hi) <= 0.0, "{}", p.name);
                if p.root.is_finite() {
                    assert!(
                        (r.root - p.root).abs() <= 2e-12 + 1e-12 * p.root.abs(),
                        "{}: {} vs {}",
                        p.name,
                        r.root,
                        p.root
                    );
                }
                let bisect = bisection_iterations(p.f, p.a, p.b, options.xtol, options.rtol);
                eprintln!(
                    "k={} {:<32} toms748: {:>2} iterations, {:>2} calls; bisection: {:>2}",
                    options.k, p.name, r.iterations, r.function_calls, bisect
                );
                total += r.function_calls;
                total_bisect += bisect + 2;
            }
            // Far fewer evaluations than bisection overall (the near-triple root is the one
            // case where interpolation does not pay).
            assert!(
                2 * total < total_bisect,
                "k={}: {total} vs {total_bisect}",
                options.k
            );
        }
    }

    #[test]
    fn smooth_problem_needs_few_calls() {
        let r = toms748(
            |x| x * x * x - 2.0 * x - 5.0,
            2.0,
            3.0,
            &Toms748Options::pyhf_scan(),
        )
        .expect("bracketed");
        assert!(r.converged);
        assert!(r.function_calls <= 12, "{r:?}");
        assert!((r.root - 2.094_551_481_542_326_5).abs() < 1e-4 * 2.1);
    }

    #[test]
    fn loose_relative_tolerance_stops_early() {
        let tight =
            toms748(|x| x.exp() - 2.0, 0.0, 2.0, &Toms748Options::default()).expect("bracketed");
        let loose = toms748(
            |x| x.exp() - 2.0,
            0.0,
            2.0,
            &Toms748Options {
                rtol: 1e-2,
                ..Default::default()
            },
        )
        .expect("bracketed");
        assert!(loose.function_calls <= tight.function_calls);
        assert!((loose.root - std::f64::consts::LN_2).abs() < 1e-2);
    }

    #[test]
    fn multiple_root_still_converges() {
        // Triple root: interpolation is slow here; the bisection safeguard keeps it linear.
        let r = toms748(|x| x * x * x, -1.0, 1.5, &Toms748Options::default()).expect("bracketed");
        assert!(r.converged);
        assert!(r.root.abs() < 1e-11, "{r:?}");
    }

    #[test]
    fn zero_at_an_end_is_returned() {
        let r = toms748(|x| x - 1.0, 1.0, 2.0, &Toms748Options::default()).expect("ok");
        assert_eq!(
            (r.root, r.iterations, r.function_calls, r.converged),
            (1.0, 0, 1, true)
        );
        let r = toms748(|x| x - 2.0, 1.0, 2.0, &Toms748Options::default()).expect("ok");
        assert_eq!((r.root, r.function_calls), (2.0, 2));
        // The first secant step hits the root of a linear function exactly.
        let r = toms748(|x| 2.0 * x - 1.0, 0.0, 1.0, &Toms748Options::default()).expect("ok");
        assert_eq!((r.root, r.iterations), (0.5, 1));
    }

    #[test]
    fn errors() {
        let o = Toms748Options::default();
        assert!(matches!(
            toms748(|x| x * x + 1.0, -1.0, 1.0, &o),
            Err(InferError::NotBracketed { .. })
        ));
        assert!(matches!(
            toms748(|x| if x > 0.5 { f64::NAN } else { x - 0.7 }, 0.0, 1.0, &o),
            Err(InferError::NonFiniteFunctionValue { .. })
        ));
        assert!(matches!(
            toms748(|x| x, 1.0, -1.0, &o),
            Err(InferError::InvalidArgument {
                name: "bracket",
                ..
            })
        ));
        assert!(matches!(
            toms748(|x| x, -1.0, f64::INFINITY, &o),
            Err(InferError::InvalidArgument { .. })
        ));
        assert!(matches!(
            toms748(|x| x, -1.0, 1.0, &Toms748Options { xtol: 0.0, ..o }),
            Err(InferError::InvalidArgument { name: "xtol", .. })
        ));
        assert!(matches!(
            toms748(
                |x| x,
                -1.0,
                1.0,
                &Toms748Options {
                    rtol: f64::EPSILON,
                    ..o
                }
            ),
            Err(InferError::InvalidArgument { name: "rtol", .. })
        ));
        assert!(matches!(
            toms748(|x| x, -1.0, 1.0, &Toms748Options { k: 0, ..o }),
            Err(InferError::InvalidArgument { name: "k", .. })
        ));
        // A failing function's own error is passed through.
        #[derive(Debug, PartialEq)]
        enum MyError {
            Infer(InferError),
            Fit,
        }
        impl From<InferError> for MyError {
            fn from(e: InferError) -> Self {
                MyError::Infer(e)
            }
        }
        let r = toms748_try(
            |x| {
                if x > 0.1 {
                    Err(MyError::Fit)
                } else {
                    Ok(x - 0.5)
                }
            },
            0.0,
            1.0,
            &o,
        );
        assert_eq!(r, Err(MyError::Fit));
        let r = toms748_try(|x| Ok::<_, MyError>(x * x + 1.0), 0.0, 1.0, &o);
        assert!(matches!(
            r,
            Err(MyError::Infer(InferError::NotBracketed { .. }))
        ));
    }

    #[test]
    fn maxiter_exhaustion_is_reported() {
        let r = toms748(
            |x| x * x * x,
            -1.0,
            1.5,
            &Toms748Options {
                maxiter: 2,
                ..Default::default()
            },
        )
        .expect("bracketed");
        assert!(!r.converged);
        assert_eq!(r.iterations, 2);
    }

    #[test]
    fn inverse_cubic_reproduces_a_cubic_inverse() {
        // x = y^3 + 2y + 0.5 is a cubic in y, so the interpolant is exact: x(0) = 0.5.
        let pts = [-1.0, -0.3, 0.4, 1.2].map(|y: f64| (y * y * y + 2.0 * y + 0.5, y));
        assert!((inverse_cubic_zero(pts) - 0.5).abs() < 1e-14);
        assert_eq!(binary_exponent(1.0), 1);
        assert_eq!(binary_exponent(0.75), 0);
        assert_eq!(binary_exponent(-8.0), 4);
    }
}
