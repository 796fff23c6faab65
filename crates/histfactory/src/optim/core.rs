//! The algorithm proper, on the free parameters only (see [`super::reduced`]).
//!
//! Two phases share one projected line search:
//! 1. a projected L-BFGS (two-metric projection, Bertsekas 1982): variables at, or within
//!    `eps_k` of, a bound whose gradient pushes outwards form the *binding set*; they take a
//!    scaled steepest-descent step (which the projection clips onto the bound) while the free
//!    variables take the L-BFGS step computed from curvature pairs restricted to the free set;
//! 2. a projected Newton polish on the exact Hessian restricted to the free set (Levenberg
//!    shift if it is not positive definite), which gives quadratic convergence down to the
//!    rounding floor of the gradient.
//!
//! The line search backtracks along the projected path `P(x + a d)`, accepting on Armijo's
//! condition; a non-finite value (the objective's forbidden region) or gradient is never
//! accepted: the step shrinks by 4 and the search goes on.

use super::linalg::{factor_upper, restore_symmetric, solve_upper, upper_pivot};

/// Relative pivot below which the scaled Hessian at the minimum counts as singular (a
/// correlation of 1 - 5e-11 between two parameters; genuine ones stay far from it).
const SINGULAR_PIVOT: f64 = 1e-10;
use super::{Convergence, MinimizerOptions, Objective, Status, Stop, Termination};

/// What the core returns, on the free parameters.
pub(crate) struct CoreResult {
    pub x: Vec<f64>,
    pub f: f64,
    pub g: Vec<f64>,
    pub termination: Termination,
    pub iterations: usize,
    pub newton_iterations: usize,
    /// Hessian at `x` in the first `m * m` entries (the buffer may be longer, see [`run`]),
    /// empty if not computed.
    pub hess: Vec<f64>,
    /// Whether `hess` holds the Hessian at `x`.
    pub hess_valid: bool,
    pub pos_def: bool,
    pub edm: f64,
    pub grad_norm: f64,
    /// Free parameters held at a bound by the gradient; empty (none) if the final Hessian
    /// was not evaluated.
    pub active: Vec<bool>,
}

/// Largest |projected gradient| component: components at a bound whose gradient pushes out of
/// the box do not count.
pub(crate) fn proj_grad_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let mut m = 0.0_f64;
    for i in 0..x.len() {
        let gi = if x[i] <= lo[i] {
            g[i].min(0.0)
        } else if x[i] >= hi[i] {
            g[i].max(0.0)
        } else {
            g[i]
        };
        m = m.max(gi.abs());
    }
    m
}

/// Buffers for the whole run, allocated once.
struct Work {
    m: usize,
    mem: usize,
    x: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    xt: Vec<f64>,
    gt: Vec<f64>,
    /// L-BFGS pairs, ring buffer of `mem` rows of length `m`.
    s: Vec<f64>,
    y: Vec<f64>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    /// Per pair, `[sᵀy, yᵀy, sᵀs]` over the free set of generation `dots_gen` (see
    /// [`Work::qn_direction`]).
    dots: Vec<[f64; 3]>,
    dots_gen: Vec<u64>,
    /// Generation of the free set: bumped whenever [`Work::set_binding`] changes it.
    free_gen: u64,
    hist_len: usize,
    /// Index of the slot the next pair goes into.
    hist_next: usize,
    /// Scale of the initial inverse Hessian, kept across memory resets.
    gamma: f64,
    bind: Vec<bool>,
    /// Exact Hessian (`m * m`, in a buffer that may be longer; allocated on the first
    /// Newton step, see [`Work::newton_buffers`], empty before) and, in the same buffer,
    /// its factor: the Hessian is its strict lower triangle and `hdiag`, the factor of its
    /// free rows and columns is in the upper triangle ([`factor_upper`]). One `m * m`
    /// matrix instead of two; the full Hessian is restored at the end of the run.
    hess: Vec<f64>,
    /// The Hessian's diagonal, taken when it is evaluated.
    hdiag: Vec<f64>,
    rhs: Vec<f64>,
    free_idx: Vec<usize>,
    /// The free set `chol` was factorised for, and whether that factorisation needed no
    /// shift: lets a reused Hessian skip its factorisation too.
    chol_free: Vec<usize>,
    chol_pd: Option<bool>,
}

impl Work {
    fn new(m: usize, mem: usize) -> Self {
        Self {
            m,
            mem,
            x: vec![0.0; m],
            g: vec![0.0; m],
            // The step's buffers are allocated with the first step (`step_buffers`): a fit
            // that starts at its minimum takes none, and on a small model it lasts a
            // microsecond or two, of which each allocation is a noticeable part.
            d: Vec::new(),
            xt: Vec::new(),
            gt: Vec::new(),
            // The L-BFGS pairs are allocated with the first pair (`push_pair`): a fit that
            // runs Newton steps only never needs them.
            s: Vec::new(),
            y: Vec::new(),
            rho: Vec::new(),
            alpha: Vec::new(),
            dots: Vec::new(),
            dots_gen: Vec::new(),
            free_gen: 0,
            hist_len: 0,
            hist_next: 0,
            gamma: f64::NAN,
            bind: Vec::new(),
            hess: Vec::new(),
            hdiag: Vec::new(),
            rhs: vec![0.0; m],
            free_idx: Vec::with_capacity(m),
            chol_free: Vec::new(),
            chol_pd: None,
        }
    }

    /// Allocates the buffers a step needs (see [`Work::new`]).
    fn step_buffers(&mut self) {
        if self.d.is_empty() && self.m > 0 {
            let m = self.m;
            self.d = vec![0.0; m];
            self.xt = vec![0.0; m];
            self.gt = vec![0.0; m];
            self.bind = vec![false; m];
        }
    }

    /// Allocates the Hessian's buffer. Not done up front: a run that ends in the
    /// quasi-Newton phase (a restart stopped on its way into a known minimum) never needs
    /// this `m * m` matrix, and at a few hundred parameters it is megabytes. The buffer has
    /// at least `hess_len` entries.
    fn newton_buffers(&mut self, hess_len: usize) {
        let mm = self.m * self.m;
        if self.hess.is_empty() && mm > 0 {
            self.hess = vec![0.0; hess_len.max(mm)];
            self.hdiag = vec![0.0; self.m];
        }
    }

    /// Evaluates the Hessian at `x` into `hess` and takes its diagonal (which the factor
    /// overwrites).
    fn eval_hessian<O: Objective + ?Sized>(&mut self, obj: &mut O, hess_len: usize) {
        self.newton_buffers(hess_len);
        obj.hessian(&self.x, &mut self.hess);
        self.take_diagonal();
    }

    fn take_diagonal(&mut self) {
        let m = self.m;
        for (i, d) in self.hdiag.iter_mut().enumerate() {
            *d = self.hess[i * m + i];
        }
    }

    /// Binding set with Bertsekas' `eps_k = min(eps0, |x - P(x - g)|)`: near-bound
    /// variables count as binding only while the iterate is far from stationarity, so a
    /// minimum just inside a bound is still found.
    fn set_binding(&mut self, lo: &[f64], hi: &[f64]) {
        let mut w = 0.0_f64;
        for i in 0..self.m {
            let p = (self.x[i] - self.g[i]).clamp(lo[i], hi[i]);
            w = w.max((self.x[i] - p).abs());
        }
        let eps = w.min(1e-6);
        self.free_idx.clear();
        let mut changed = false;
        for i in 0..self.m {
            let b = (self.x[i] - lo[i] <= eps && self.g[i] > 0.0)
                || (hi[i] - self.x[i] <= eps && self.g[i] < 0.0);
            changed |= b != self.bind[i];
            self.bind[i] = b;
            if !b {
                self.free_idx.push(i);
            }
        }
        if changed {
            self.free_gen += 1;
        }
    }

    /// The free set's indices, or `None` when every variable is free (then loops run over
    /// contiguous slices, in the same index order: the same numbers, without the indirect
    /// loads).
    fn free_set(&self) -> Option<&[usize]> {
        (self.free_idx.len() < self.m).then_some(self.free_idx.as_slice())
    }

    fn free_dot(&self, a: &[f64], b: &[f64]) -> f64 {
        dot_over(self.free_set(), a, b)
    }

    fn reset_memory(&mut self) {
        self.hist_len = 0;
        self.hist_next = 0;
    }

    fn push_pair(&mut self) {
        // s = xt - x, y = gt - g; skipped unless the curvature s.y is clearly positive, which
        // keeps the implied inverse Hessian positive definite (the projected search does not
        // enforce Wolfe's curvature condition).
        let m = self.m;
        let mut sy = 0.0;
        let mut yy = 0.0;
        let mut ss = 0.0;
        for i in 0..m {
            let si = self.xt[i] - self.x[i];
            let yi = self.gt[i] - self.g[i];
            sy += si * yi;
            yy += yi * yi;
            ss += si * si;
        }
        if sy.is_nan() || sy <= 1e-12 * (ss * yy).sqrt() || yy == 0.0 {
            return;
        }
        if self.s.is_empty() {
            self.s = vec![0.0; m * self.mem];
            self.y = vec![0.0; m * self.mem];
            self.rho = vec![0.0; self.mem];
            self.alpha = vec![0.0; self.mem];
            self.dots = vec![[0.0; 3]; self.mem];
            self.dots_gen = vec![u64::MAX; self.mem];
        }
        self.dots_gen[self.hist_next] = u64::MAX;
        let row = self.hist_next * m;
        for i in 0..m {
            self.s[row + i] = self.xt[i] - self.x[i];
            self.y[row + i] = self.gt[i] - self.g[i];
        }
        self.hist_next = (self.hist_next + 1) % self.mem;
        self.hist_len = (self.hist_len + 1).min(self.mem);
        self.gamma = sy / yy;
    }

    /// L-BFGS direction on the free set, scaled steepest descent on the binding set.
    /// Returns `-g_F . d_F`, twice the quadratic model's predicted decrease.
    fn qn_direction(&mut self) -> f64 {
        let m = self.m;
        let mem = self.mem;
        if !(self.gamma > 0.0 && self.gamma.is_finite()) {
            // No curvature seen yet: a first step of length ~1 in the largest component.
            let gmax = self.g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            self.gamma = if gmax > 0.0 { 1.0 / gmax.max(1.0) } else { 1.0 };
        }
        // q lives in d.
        for i in 0..m {
            self.d[i] = if self.bind[i] { 0.0 } else { self.g[i] };
        }
        let mut gamma = self.gamma;
        let mut newest_valid = false;
        // A pair's three inner products over the free set change only with the free set
        // (or the pair): they are kept from one direction to the next, which with the
        // other dot products' contiguous loops made the two-loop recursion 3x cheaper
        // (a tenth of a 1Lbb fit, ~200 directions of 10 pairs over 126 parameters).
        let free = (self.free_idx.len() < m).then_some(self.free_idx.as_slice());
        for k in 0..self.hist_len {
            let slot = (self.hist_next + mem - 1 - k) % mem;
            let (s, y) = (
                &self.s[slot * m..(slot + 1) * m],
                &self.y[slot * m..(slot + 1) * m],
            );
            if self.dots_gen[slot] != self.free_gen {
                self.dots[slot] = [
                    dot_over(free, s, y),
                    dot_over(free, y, y),
                    dot_over(free, s, s),
                ];
                self.dots_gen[slot] = self.free_gen;
            }
            let [sy, yy, ss] = self.dots[slot];
            if sy > 1e-12 * (ss * yy).sqrt() && yy > 0.0 {
                self.rho[slot] = 1.0 / sy;
                if !newest_valid {
                    gamma = sy / yy;
                    newest_valid = true;
                }
            } else {
                // The pair has no usable curvature on the current free set.
                self.rho[slot] = 0.0;
            }
            let a = self.rho[slot] * dot_over(free, s, &self.d);
            self.alpha[slot] = a;
            axpy_over(free, -a, y, &mut self.d);
        }
        match free {
            Some(idx) => idx.iter().for_each(|&i| self.d[i] *= gamma),
            None => self.d.iter_mut().for_each(|v| *v *= gamma),
        }
        for k in (0..self.hist_len).rev() {
            let slot = (self.hist_next + mem - 1 - k) % mem;
            let (s, y) = (
                &self.s[slot * m..(slot + 1) * m],
                &self.y[slot * m..(slot + 1) * m],
            );
            let b = self.rho[slot] * dot_over(free, y, &self.d);
            let c = self.alpha[slot] - b;
            axpy_over(free, c, s, &mut self.d);
        }
        for i in 0..m {
            self.d[i] = if self.bind[i] {
                -gamma * self.g[i]
            } else {
                -self.d[i]
            };
        }
        -self.free_dot(&self.g, &self.d)
    }

    /// Newton direction from `self.hess` (already evaluated at `x`) on the free set.
    /// Returns `(positive definite without shift, -g_F . d_F)`.
    /// With `refactor` false and the free set unchanged since the last call, the previous
    /// factorisation is reused (the Hessian was not re-evaluated either).
    fn newton_direction(&mut self, refactor: bool) -> (bool, f64) {
        let m = self.m;
        let k = self.free_idx.len();
        let maxdiag = self
            .free_idx
            .iter()
            .fold(0.0_f64, |a, &i| a.max(self.hdiag[i].abs()));
        let reuse = match self.chol_pd {
            Some(pd) if !refactor && self.chol_free == self.free_idx => Some(pd),
            _ => None,
        };
        let mut shift = 0.0;
        let mut pos_def = reuse.unwrap_or(true);
        let mut ok = reuse.is_some();
        for attempt in 0..if reuse.is_some() { 0 } else { 40 } {
            if factor_upper(&mut self.hess, m, &self.free_idx, &self.hdiag, shift) {
                ok = true;
                break;
            }
            pos_def = false;
            // Levenberg shift, growing until the shifted Hessian factorises.
            shift = if attempt == 0 {
                1e-8 * maxdiag.max(1e-8)
            } else {
                shift * 10.0
            };
        }
        if reuse.is_none() {
            self.chol_free.clone_from(&self.free_idx);
            self.chol_pd = ok.then_some(pos_def);
        }
        for (a, &i) in self.free_idx.iter().enumerate() {
            self.rhs[a] = -self.g[i];
        }
        if ok {
            solve_upper(&self.hess, m, &self.free_idx, &mut self.rhs[..k]);
        } else {
            // Hopeless Hessian (NaN entries): scaled steepest descent.
            let sc = 1.0 / maxdiag.max(1.0);
            for v in &mut self.rhs[..k] {
                *v *= sc;
            }
        }
        for i in 0..m {
            if self.bind[i] {
                let hii = self.hdiag[i];
                let sc = if hii > 0.0 {
                    1.0 / hii
                } else {
                    1.0 / maxdiag.max(1.0)
                };
                self.d[i] = -sc * self.g[i];
            }
        }
        for (a, &i) in self.free_idx.iter().enumerate() {
            self.d[i] = self.rhs[a];
        }
        (pos_def && ok, -self.free_dot(&self.g, &self.d))
    }
}

/// `Σ a[i] b[i]` over the indices `idx` (`None`: all), in index order.
#[inline]
fn dot_over(idx: Option<&[usize]>, a: &[f64], b: &[f64]) -> f64 {
    match idx {
        Some(idx) => idx.iter().map(|&i| a[i] * b[i]).sum(),
        None => a.iter().zip(b).map(|(x, y)| x * y).sum(),
    }
}

/// `y[i] += c x[i]` over the indices `idx` (`None`: all).
#[inline]
fn axpy_over(idx: Option<&[usize]>, c: f64, x: &[f64], y: &mut [f64]) {
    match idx {
        Some(idx) => idx.iter().for_each(|&i| y[i] += c * x[i]),
        None => y.iter_mut().zip(x).for_each(|(v, &u)| *v += c * u),
    }
}

/// Backtracking search along the projected path. On success `w.xt`, `w.gt` hold the accepted
/// point and its gradient, and the value is returned.
fn line_search<O: Objective + ?Sized>(
    obj: &mut O,
    w: &mut Work,
    f: f64,
    lo: &[f64],
    hi: &[f64],
    gn_cur: f64,
    max_ls: usize,
) -> Option<f64> {
    const C1: f64 = 1e-4;
    // Near the minimum the decrease a step achieves can drown in the rounding of `f`; the
    // full step is then accepted if `f` did not rise by more than this and the projected
    // gradient went down, so the Newton polish can reach the gradient's rounding floor.
    let floor_eps = 1e-13 * f.abs().max(1.0);
    let mut alpha = 1.0;
    for k in 0..max_ls {
        let mut moved = false;
        let mut dec = 0.0;
        for i in 0..w.m {
            let xi = (w.x[i] + alpha * w.d[i]).clamp(lo[i], hi[i]);
            moved |= xi != w.x[i];
            dec += w.g[i] * (xi - w.x[i]);
            w.xt[i] = xi;
        }
        if !moved {
            return None;
        }
        // The full step is usually accepted, so it is evaluated with its gradient at once;
        // backtracking trials need the value only.
        let first = k == 0;
        let ft = if first {
            obj.value_and_grad(&w.xt, &mut w.gt)
        } else {
            obj.value(&w.xt)
        };
        if ft.is_finite() {
            let armijo = dec < 0.0 && ft <= f + C1 * dec;
            let floor = first && !armijo && ft <= f + floor_eps;
            if armijo || floor {
                let ft2 = if first {
                    ft
                } else {
                    obj.value_and_grad(&w.xt, &mut w.gt)
                };
                if ft2.is_finite() && w.gt.iter().all(|v| v.is_finite()) {
                    if armijo || proj_grad_norm(&w.xt, &w.gt, lo, hi) < gn_cur {
                        return Some(ft2);
                    }
                } else {
                    alpha *= 0.25;
                    continue;
                }
            }
            // Minimiser of the quadratic through f, the slope and ft, kept in [0.1, 0.5] a.
            let denom = 2.0 * (ft - f - dec);
            let factor = if dec < 0.0 && denom > 0.0 {
                (-dec / denom).clamp(0.1, 0.5)
            } else {
                0.5
            };
            alpha *= factor;
        } else {
            // Forbidden region: retreat firmly.
            alpha *= 0.25;
        }
    }
    None
}

/// Newton steps reuse the last exact Hessian (and its factorisation) while each step still
/// shrinks the projected gradient by at least this factor: near the minimum the Hessian
/// barely changes, a stale one still contracts the error strongly, and one Hessian costs
/// about as much as `n` gradients (a third of a 1Lbb fit went into re-evaluating Hessians
/// that changed by < 1%).
const REUSE_CONTRACTION: f64 = 0.2;

/// Minimises `obj` over the box `[lo, hi]` from `x0` (inside the box; validated by caller).
///
/// `hess_len` is the length of the buffer `obj.hessian` writes into, at least `m * m` (the
/// Hessian is its first `m * m` entries): [`super::reduced::Reduced`] evaluates the full
/// Hessian in a longer buffer and compacts it in place, saving a full-size scratch matrix.
///
/// With `no_hessian` the run never evaluates (nor allocates) a Hessian: it ends, stopped,
/// where it would need one, and takes no final Hessian.
///
/// The run has three parts: the start (a non-finite start ends it at once), the
/// iterations ([`Run::iterate`]: quasi-Newton steps, then Newton steps, one line search),
/// and the final Hessian ([`Run::finish`]: positive definiteness, EDM, active set).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<O: Objective + ?Sized>(
    obj: &mut O,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    opts: &MinimizerOptions,
    h0: Option<&[f64]>,
    hess_len: usize,
    stop: &mut super::StopFn<'_>,
    no_hessian: bool,
) -> CoreResult {
    let m = x0.len();
    let mut w = Work::new(m, opts.memory.max(1));
    w.x.copy_from_slice(x0);
    let f = obj.value_and_grad(&w.x, &mut w.g);
    let mut run = Run {
        obj,
        w,
        f,
        lo,
        hi,
        opts,
        hess_len,
        no_hessian,
        newton: opts.newton_polish && (m <= opts.newton_max_n || h0.is_some()),
        hessian: HessianState {
            held: false,
            at_x: false,
            refresh: true,
        },
        iterations: 0,
        newton_iterations: 0,
        stalls: 0,
        prev_grad_norm: f64::INFINITY,
    };
    if !f.is_finite() || run.w.g.iter().any(|v| !v.is_finite()) {
        return run.unfinished(Termination::NonFiniteStart { value: f });
    }
    if let Some(h) = h0 {
        run.adopt_initial_hessian(h);
    }
    let termination = run.iterate(stop);
    run.finish(termination)
}

/// What the run knows about the exact Hessian in [`Work::hess`].
struct HessianState {
    /// The buffer holds a Hessian (and its factor), perhaps from an earlier point.
    held: bool,
    /// It was evaluated at the current point.
    at_x: bool,
    /// The next Newton step must evaluate a new one (a reused Hessian's estimate is to be
    /// confirmed, or it stopped modelling `f` well enough).
    refresh: bool,
}

/// The search direction of one iteration.
#[derive(Clone, Copy)]
struct Step {
    /// `-g_F . d_F`: twice the decrease the step's quadratic model predicts.
    model_dec: f64,
    /// The model's Hessian is positive definite (always true for quasi-Newton).
    pos_def: bool,
    /// A Newton step on a Hessian evaluated for it (not reused).
    exact: bool,
}

/// One minimisation in progress: the work buffers, the current value, and which phase
/// it is in.
struct Run<'a, 'o, O: Objective + ?Sized> {
    obj: &'o mut O,
    w: Work,
    /// The objective at `w.x`.
    f: f64,
    lo: &'a [f64],
    hi: &'a [f64],
    opts: &'a MinimizerOptions,
    hess_len: usize,
    no_hessian: bool,
    /// In the Newton phase (false: the quasi-Newton phase).
    newton: bool,
    hessian: HessianState,
    iterations: usize,
    newton_iterations: usize,
    /// Consecutive quasi-Newton steps that did not decrease `f`.
    stalls: usize,
    /// The projected gradient before the last step.
    prev_grad_norm: f64,
}

impl<O: Objective + ?Sized> Run<'_, '_, O> {
    /// Starts the Newton phase on a Hessian given by the caller, reused until its steps
    /// stop contracting.
    fn adopt_initial_hessian(&mut self, h: &[f64]) {
        let m = self.w.m;
        self.w.newton_buffers(self.hess_len);
        self.w.hess[..m * m].copy_from_slice(h);
        self.w.take_diagonal();
        self.hessian.held = true;
        self.hessian.refresh = false;
    }

    /// Iterates until a convergence test is met or the run cannot go on.
    fn iterate(&mut self, stop: &mut super::StopFn<'_>) -> Termination {
        loop {
            let grad_norm = proj_grad_norm(&self.w.x, &self.w.g, self.lo, self.hi);
            let tol = self
                .opts
                .grad_tol
                .max(self.opts.grad_rtol * self.f.abs().max(1.0));
            if grad_norm <= tol {
                return Termination::Converged(Convergence::Gradient);
            }
            if self.iterations >= self.opts.max_iter {
                return Termination::MaxIterations {
                    iterations: self.iterations,
                    grad_norm,
                    tol,
                };
            }
            self.w.step_buffers();
            self.w.set_binding(self.lo, self.hi);
            let step = if self.newton {
                match self.newton_direction(grad_norm) {
                    Some(step) => step,
                    None => return Termination::Stopped(Stop::NeedsHessian),
                }
            } else {
                match self.quasi_newton_direction() {
                    Some(step) => step,
                    None => {
                        // Close enough for Newton steps: the same point, in the other phase.
                        self.newton = true;
                        continue;
                    }
                }
            };
            self.iterations += 1;
            if self.newton {
                self.newton_iterations += 1;
            }
            self.prev_grad_norm = grad_norm;
            let searched = line_search(
                self.obj,
                &mut self.w,
                self.f,
                self.lo,
                self.hi,
                grad_norm,
                self.opts.max_line_search,
            );
            let ended = match searched {
                Some(ft) => self.accept(ft, step, stop),
                None => self.no_decrease(step, grad_norm),
            };
            if let Some(termination) = ended {
                return termination;
            }
        }
    }

    /// The quasi-Newton phase's direction, or `None` where its model predicts a decrease
    /// small enough to hand over to Newton.
    fn quasi_newton_direction(&mut self) -> Option<Step> {
        let mut dec = self.w.qn_direction();
        if dec.is_nan() || dec <= 0.0 {
            // Not a descent direction (stale pairs): start the memory afresh.
            self.w.reset_memory();
            dec = self.w.qn_direction();
        }
        if self.opts.newton_polish
            && self.w.hist_len > 0
            && 0.5 * dec <= self.opts.newton_switch_edm
        {
            return None;
        }
        Some(Step {
            model_dec: dec,
            pos_def: true,
            exact: false,
        })
    }

    /// The Newton phase's direction, on the held Hessian while its steps still contract
    /// the gradient, else on a new one. `None` where a run without Hessians would need one.
    fn newton_direction(&mut self, grad_norm: f64) -> Option<Step> {
        let h = &mut self.hessian;
        let recompute = h.refresh || !h.held || grad_norm > REUSE_CONTRACTION * self.prev_grad_norm;
        if recompute && !h.at_x {
            if self.no_hessian {
                return None;
            }
            self.w.eval_hessian(self.obj, self.hess_len);
            h.at_x = true;
            h.held = true;
        }
        h.refresh = false;
        let (pos_def, model_dec) = self.w.newton_direction(recompute);
        Some(Step {
            model_dec,
            pos_def,
            exact: recompute,
        })
    }

    /// Moves to the point the line search accepted (value `ft`); `Some` if the run ends
    /// there.
    fn accept(&mut self, ft: f64, step: Step, stop: &mut super::StopFn<'_>) -> Option<Termination> {
        let (opts, newton) = (self.opts, self.newton);
        let w = &mut self.w;
        if !newton {
            w.push_pair();
        }
        std::mem::swap(&mut w.x, &mut w.xt);
        std::mem::swap(&mut w.g, &mut w.gt);
        let fprev = self.f;
        self.f = ft;
        let f = ft;
        self.hessian.at_x = false;
        if stop(&w.x, f, &w.g) {
            return Some(Termination::Stopped(Stop::Caller { value: f }));
        }
        // Second convergence criterion, relative rather than absolute: a Newton step on a
        // positive-definite Hessian that predicted (EDM) and achieved a decrease below
        // `max(edm_tol * |f|, edm_floor)`. Needed where the gradient's rounding floor lies
        // above `grad_tol`: with Poisson auxiliary data of 1e6 (shapesys of 0.1%), single
        // terms of twice_nll are ~1e7 and the gradient cannot be computed to better than
        // ~1e-5, so the gradient test alone ran to `max_iter` on such toys. Enabled with
        // `edm_stop`: in nearly flat directions (parameters the data barely constrain) it
        // stops where the gradient test would still move them, which ordinary fits should
        // not do.
        let scale = (opts.edm_tol * f.abs().max(1.0)).max(opts.edm_floor);
        // Without `edm_stop`, only when the step itself was negligible (every parameter
        // moved by < 1e-9 relative): then the iterations are going round at the rounding
        // floor, not travelling along a flat valley.
        let tiny_step =
            w.x.iter()
                .zip(&w.xt)
                .all(|(a, b)| (a - b).abs() <= 1e-9 * a.abs().max(1.0));
        let edm_small = (opts.edm_stop || tiny_step)
            && newton
            && step.pos_def
            && 0.5 * step.model_dec <= scale
            && fprev - f <= scale;
        // A reused Hessian's EDM is only an estimate: confirm with a fresh one.
        if edm_small && !step.exact {
            self.hessian.refresh = true;
        } else if edm_small {
            return Some(Termination::Converged(Convergence::EdmAtRoundingFloor {
                edm: 0.5 * step.model_dec,
                change: fprev - f,
                tol: scale,
                grad_norm: proj_grad_norm(&w.x, &w.g, self.lo, self.hi),
            }));
        }
        // A quasi-Newton run that no longer decreases f hands over to Newton.
        if !newton && fprev - f <= 1e-15 * f.abs().max(1.0) {
            self.stalls += 1;
            if self.stalls >= 3 && opts.newton_polish {
                self.newton = true;
            }
        } else {
            self.stalls = 0;
        }
        None
    }

    /// The line search found no decrease along `step`; `Some` if the run ends here.
    fn no_decrease(&mut self, step: Step, grad_norm: f64) -> Option<Termination> {
        let edm = 0.5 * step.model_dec;
        if self.newton && !self.hessian.at_x {
            // The reused Hessian no longer models f well enough: evaluate it anew before
            // concluding anything.
            self.hessian.refresh = true;
        } else if self.newton {
            let tol = (self.opts.edm_tol * self.f.abs().max(1.0)).max(self.opts.edm_floor);
            if step.pos_def && edm <= tol {
                return Some(Termination::Converged(Convergence::NoFurtherDecrease {
                    edm,
                    grad_norm,
                }));
            }
            return Some(Termination::LineSearchFailed {
                newton_edm: Some(edm),
                grad_norm,
            });
        } else if self.w.hist_len > 0 {
            self.w.reset_memory();
        } else if self.opts.newton_polish {
            self.newton = true;
        } else {
            return Some(Termination::LineSearchFailed {
                newton_edm: None,
                grad_norm,
            });
        }
        None
    }

    /// The result without a final Hessian.
    fn unfinished(self, termination: Termination) -> CoreResult {
        // `active` is allocated only where it is computed (the final Hessian): a small fit
        // is a few microseconds, and each allocation counts.
        let w = self.w;
        CoreResult {
            grad_norm: proj_grad_norm(&w.x, &w.g, self.lo, self.hi),
            x: w.x,
            f: self.f,
            g: w.g,
            termination,
            iterations: self.iterations,
            newton_iterations: self.newton_iterations,
            hess: w.hess,
            hess_valid: false,
            pos_def: false,
            edm: f64::NAN,
            active: Vec::new(),
        }
    }

    /// The final Hessian: the active set at the end, positive definiteness in a numerically
    /// meaningful sense and the EDM, unless the run was stopped or takes no final Hessian.
    fn finish(mut self, termination: Termination) -> CoreResult {
        let stopped = termination.status() == Status::Stopped;
        if !(self.opts.final_hessian || self.hessian.at_x) || stopped || self.no_hessian {
            return self.unfinished(termination);
        }
        if !self.hessian.at_x {
            self.w.eval_hessian(self.obj, self.hess_len);
        }
        let (lo, hi) = (self.lo, self.hi);
        let w = &mut self.w;
        let m = w.m;
        // Active set at the end: exactly at a bound with the gradient pushing outwards.
        let mut active = vec![false; m];
        w.free_idx.clear();
        for i in 0..m {
            active[i] = (w.x[i] <= lo[i] && w.g[i] > 0.0) || (w.x[i] >= hi[i] && w.g[i] < 0.0);
            if !active[i] {
                w.free_idx.push(i);
            }
        }
        let k = w.free_idx.len();
        for (a, &i) in w.free_idx.iter().enumerate() {
            w.rhs[a] = w.g[i];
        }
        // Positive definite in a numerically meaningful sense: the factorisation succeeds
        // and no pivot of the diagonally scaled Hessian (the correlation-like matrix
        // D^-1/2 H D^-1/2, whose pivots are L_aa^2 / H_aa) is at rounding level. A direction
        // the data do not constrain (two normfactors on the same single bin) has an exactly
        // singular Hessian whose factorisation succeeds or fails by the last bit of
        // rounding; it must be reported as a flat direction either way, not as a minimum
        // with astronomically large uncertainties.
        let pos_def = factor_upper(&mut w.hess, m, &w.free_idx, &w.hdiag, 0.0)
            && w.free_idx.iter().enumerate().all(|(a, &i)| {
                let l = upper_pivot(&w.hess, m, &w.free_idx, a);
                l * l > SINGULAR_PIVOT * w.hdiag[i]
            });
        let edm = if pos_def {
            solve_upper(&w.hess, m, &w.free_idx, &mut w.rhs[..k]);
            0.5 * w
                .free_idx
                .iter()
                .enumerate()
                .map(|(a, &i)| w.g[i] * w.rhs[a])
                .sum::<f64>()
        } else {
            f64::NAN
        };
        let termination = match termination {
            Termination::Converged(how) if !pos_def => Termination::HessianNotPosDef(how),
            other => other,
        };
        // The caller gets the Hessian whole; its upper triangle is mirrored from the lower
        // one, which every factorisation reads (the exact Hessian's two triangles differ in
        // the last bits).
        restore_symmetric(&mut w.hess[..m * m], m, &w.hdiag);
        let mut r = self.unfinished(termination);
        r.hess_valid = true;
        r.pos_def = pos_def;
        r.edm = edm;
        r.active = active;
        r
    }
}
