//! Maximum-likelihood fits of a model: pyhf's `mle.fit` and `mle.fixed_poi_fit`, done to a
//! true minimum, with uncertainties and correlations from the exact Hessian.
//!
//! Local minima: HistFactory likelihoods with additive histosys terms can have more than
//! one minimum (pyhf's own fit of its validation case `2bin_2channel_coupledhistosys` stops
//! at twice_nll 30.80 where 29.33 exists). When the model has histosys parameters, every
//! fit is followed by at most two restarts from principled starting points — the first
//! minimum with the constrained nuisance parameters mirrored (the other side of the
//! interpolation kink at alpha = 0), and, for free fits, the first minimum with the POI at
//! its lower end (where the mu = 0 fixed fit lives) — and the lowest converged minimum wins.
//! The restarts are reported in [`FitResult::restarts`]; they cost at most two more
//! minimisations, and usually much less: a restart is stopped as soon as its value and
//! gradient show it descending into the first minimum's quadratic basin (module `basin`).
//!
//! ```
//! use histfactory::fit::{fit, FitOptions};
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let result = fit(&model, &data, &FitOptions::default())?;
//! assert!(result.converged);
//! assert!((result.twice_nll - 8.514964547405835).abs() < 1e-8);
//! # Ok::<(), histfactory::Error>(())
//! ```

use super::basin::Basin;
use super::minimizer::{
    covariance_in_place, minimize, minimize_quasi_newton_until, minimize_until, MinimizeOutcome,
    MinimizerOptions, Status,
};
use super::FitError;
use crate::likelihood::TwiceNll;
use crate::model::{Constraint, Model};
use crate::spec::ModifierKind;

/// Options of a fit. `None` fields take the model's suggested values.
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// Initial values (pyhf: `init_pars`).
    pub init: Option<Vec<f64>>,
    /// Bounds (pyhf: `par_bounds`).
    pub bounds: Option<Vec<[f64; 2]>>,
    /// Parameters held at their initial value (pyhf: `fixed_params`).
    pub fixed: Option<Vec<bool>>,
    /// Restart from other starting points to find the global minimum (default true).
    pub restarts: bool,
    /// Further starting points, typically the minima of related fits (a scan's previous
    /// point, the free fit of a hypothesis test); each is descended from when `restarts`
    /// is on. Fixed parameters take their values from `init`, not from these.
    pub extra_starts: Vec<Vec<f64>>,
    /// Minimiser settings.
    pub minimizer: MinimizerOptions,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            init: None,
            bounds: None,
            fixed: None,
            restarts: true,
            extra_starts: Vec::new(),
            minimizer: MinimizerOptions::default(),
        }
    }
}

/// One minimisation within a fit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Restart {
    /// Where it started (`"init"`, `"mirrored"`, `"poi_low"`).
    pub start: String,
    /// twice_nll reached.
    pub twice_nll: f64,
    /// Whether it converged.
    pub converged: bool,
}

/// Everything a fit found, the same shape for every fit.
#[must_use]
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FitResult {
    /// Parameter names (pyhf order), shared with the model: a fit does not copy them.
    pub par_names: std::sync::Arc<[String]>,
    /// Best-fit values.
    pub bestfit: Vec<f64>,
    /// Uncertainties: square roots of the diagonal of `2 H^-1` (Hessian of twice_nll over
    /// the free parameters); 0 for fixed parameters, NaN if the Hessian is not invertible.
    pub uncertainties: Vec<f64>,
    /// Correlation matrix, row-major `n * n` (zero rows for fixed parameters).
    pub correlations: Vec<f64>,
    /// twice_nll at the best fit (constants included, as pyhf).
    pub twice_nll: f64,
    /// Whether the minimiser converged (never true for a failed fit).
    pub converged: bool,
    /// How the minimisation ended, and why.
    pub status: String,
    /// Estimated distance to the minimum (in twice_nll units).
    pub edm: f64,
    /// Largest projected gradient component over free parameters.
    pub grad_norm: f64,
    /// Minimiser iterations (all restarts).
    pub iterations: usize,
    /// Objective evaluations (all restarts).
    pub evaluations: usize,
    /// Whether the Hessian at the minimum is positive definite.
    pub hessian_pos_def: bool,
    /// Which parameters were held fixed.
    pub fixed: Vec<bool>,
    /// Every minimisation run, the first from the initial values.
    pub restarts: Vec<Restart>,
}

impl std::fmt::Display for FitResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} — twice_nll = {:.10}, edm = {:.2e}, |grad| = {:.2e}, {} iterations, {} evaluations, Hessian {}",
            if self.converged { "converged" } else { "NOT CONVERGED" },
            self.twice_nll,
            self.edm,
            self.grad_norm,
            self.iterations,
            self.evaluations,
            if self.hessian_pos_def { "positive definite" } else { "NOT positive definite" }
        )?;
        if !self.converged {
            writeln!(f, "status: {}", self.status)?;
        }
        writeln!(
            f,
            "{:<40} {:>16} {:>14}",
            "parameter", "best fit", "uncertainty"
        )?;
        for i in 0..self.bestfit.len() {
            let unc = if self.fixed[i] {
                "fixed".to_string()
            } else {
                format!("{:.6}", self.uncertainties[i])
            };
            writeln!(
                f,
                "{:<40} {:>16.8} {:>14}",
                self.par_names[i], self.bestfit[i], unc
            )?;
        }
        Ok(())
    }
}

/// The free fit (pyhf's `mle.fit`).
pub fn fit(model: &Model, data: &[f64], opts: &FitOptions) -> Result<FitResult, FitError> {
    run(model, data, opts, None)
}

/// The fit with the POI fixed at `poi_value` (pyhf's `mle.fixed_poi_fit`).
pub fn fixed_poi_fit(
    model: &Model,
    data: &[f64],
    poi_value: f64,
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    let poi = model.poi_index().ok_or_else(|| {
        FitError::InvalidInput(
            "fixed_poi_fit needs a model with a POI (built with --no-poi?)".into(),
        )
    })?;
    run(model, data, opts, Some((poi, poi_value)))
}

/// [`fixed_poi_fit`] on an objective built earlier for `data` (many fits of one data set
/// share its prepared data and buffers), that also returns the Hessian of twice_nll at the
/// minimum (full `n * n`, row-major; empty if it was not evaluated): the initial Hessian of
/// the next fit of a scan over the POI, which then starts with Newton steps.
pub(crate) fn fixed_poi_fit_on<'m>(
    obj: &mut TwiceNll<'m>,
    data: &[f64],
    poi_value: f64,
    opts: &FitOptions,
) -> Result<(FitResult, Vec<f64>), FitError> {
    let model = obj.model();
    let poi = model.poi_index().ok_or_else(|| {
        FitError::InvalidInput(
            "fixed_poi_fit needs a model with a POI (built with --no-poi?)".into(),
        )
    })?;
    run_keeping_hessian(model, data, opts, Some((poi, poi_value)), true, Some(obj))
}

/// [`fit`] on an objective built earlier for `data` (see [`fixed_poi_fit_on`]).
pub(crate) fn fit_on<'m>(
    obj: &mut TwiceNll<'m>,
    data: &[f64],
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    run_keeping_hessian(obj.model(), data, opts, None, false, Some(obj)).map(|(r, _)| r)
}

fn run(
    model: &Model,
    data: &[f64],
    opts: &FitOptions,
    fix_poi: Option<(usize, f64)>,
) -> Result<FitResult, FitError> {
    run_keeping_hessian(model, data, opts, fix_poi, false, None).map(|(r, _)| r)
}

fn run_keeping_hessian<'m>(
    model: &'m Model,
    data: &[f64],
    opts: &FitOptions,
    fix_poi: Option<(usize, f64)>,
    keep_hessian: bool,
    objective: Option<&mut TwiceNll<'m>>,
) -> Result<(FitResult, Vec<f64>), FitError> {
    let n = model.n_pars();
    let mut init = opts.init.clone().unwrap_or_else(|| model.suggested_init());
    let bounds = opts
        .bounds
        .clone()
        .unwrap_or_else(|| model.suggested_bounds());
    let mut fixed = opts
        .fixed
        .clone()
        .unwrap_or_else(|| model.suggested_fixed());
    for (what, len) in [
        ("init", init.len()),
        ("bounds", bounds.len()),
        ("fixed", fixed.len()),
    ] {
        if len != n {
            return Err(FitError::InvalidInput(format!(
                "{what} has {len} entries, the model has {n} parameters"
            )));
        }
    }
    if let Some((poi, v)) = fix_poi {
        init[poi] = v;
        fixed[poi] = true;
    }
    let lo: Vec<f64> = bounds.iter().map(|b| b[0]).collect();
    let hi: Vec<f64> = bounds.iter().map(|b| b[1]).collect();
    for i in 0..n {
        if !(lo[i]..=hi[i]).contains(&init[i]) && !fixed[i] {
            return Err(FitError::InvalidInput(format!(
                "parameter {}: initial value {} outside its bounds [{}, {}]",
                model.par_names()[i],
                init[i],
                lo[i],
                hi[i]
            )));
        }
    }
    // A fixed parameter may sit outside its bounds (pyhf allows fixing anywhere): widen the
    // box to it so the minimiser accepts it.
    let (mut lo, mut hi) = (lo, hi);
    for i in 0..n {
        if fixed[i] {
            lo[i] = lo[i].min(init[i]);
            hi[i] = hi[i].max(init[i]);
        }
    }

    let mut own;
    let obj = match objective {
        Some(o) => o,
        None => {
            own = TwiceNll::new(model, data).map_err(|e| FitError::InvalidInput(e.to_string()))?;
            &mut own
        }
    };
    let mut ctx = Descent {
        model,
        lo: &lo,
        hi: &hi,
        fixed: &fixed,
        opts,
        restarts: Vec::new(),
        iterations: 0,
        evaluations: 0,
    };
    let mut best = Best::new(ctx.descend(obj, &init, "init")?, keep_hessian);

    if opts.restarts && best.out.fval.is_finite() {
        let mut starts = opts.extra_starts.clone();
        // With kinks (code1/code0) the conditional fit has several local minima at
        // different kink patterns; the unconditional minimum is the related fit whose
        // pattern is usually right, so a fixed-POI fit also descends from it.
        if fix_poi.is_some() && starts.is_empty() && model.has_kinks() {
            let free_opts = FitOptions {
                init: opts.init.clone(),
                bounds: opts.bounds.clone(),
                fixed: opts.fixed.clone(),
                restarts: false,
                extra_starts: Vec::new(),
                minimizer: opts.minimizer.clone(),
            };
            let free = run(model, data, &free_opts, None)?;
            ctx.iterations += free.iterations;
            ctx.evaluations += free.evaluations;
            starts.push(free.bestfit);
        }
        for mut start in starts {
            if start.len() != n {
                return Err(FitError::InvalidInput(format!(
                    "an extra starting point has {} values, the model has {n} parameters",
                    start.len()
                )));
            }
            for i in 0..n {
                start[i] = if fixed[i] {
                    init[i]
                } else {
                    start[i].clamp(lo[i], hi[i])
                };
            }
            let r = ctx.restart_from(obj, &start, "related minimum", &mut best)?;
            best.offer(r);
        }
    }

    let has_histosys = model
        .parameter_sets()
        .iter()
        .any(|p| p.kind == ModifierKind::HistoSys);
    if opts.restarts && has_histosys && best.out.fval.is_finite() {
        let mut starts: Vec<(&str, Vec<f64>)> = Vec::new();
        // Mirror the alphas (Gaussian-constrained around 0) of the first minimum.
        let mut mirrored = best.out.x.clone();
        let mut changed = false;
        for p in model.parameter_sets() {
            if let Constraint::Normal { auxdata, .. } = &p.constraint {
                for (k, &aux) in auxdata.iter().enumerate() {
                    let i = p.offset + k;
                    if !fixed[i] && aux == 0.0 && mirrored[i] != 0.0 {
                        mirrored[i] = (-mirrored[i]).clamp(lo[i], hi[i]);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            starts.push(("mirrored", mirrored));
        }
        if let (Some(poi), None) = (model.poi_index(), fix_poi) {
            if !fixed[poi] {
                let low = lo[poi].max(0.0).min(hi[poi]);
                if (best.out.x[poi] - low).abs() > 1e-3 {
                    let mut s = best.out.x.clone();
                    s[poi] = low;
                    starts.push(("poi_low", s));
                }
            }
        }
        if starts.len() == 2 && PARALLEL_RESTARTS_PARS.contains(&n) {
            // The two restarts are independent descents from the first minimum: run them
            // side by side, each with its own objective, and merge their records in order.
            let basin = best.basin(obj);
            let one = |(label, start): &(&str, Vec<f64>)| {
                let mut obj = TwiceNll::new(model, data)
                    .map_err(|e| FitError::InvalidInput(e.to_string()))?;
                let mut c = ctx.fork();
                let r = c.restart(&mut obj, start, label, basin)?;
                Ok::<_, FitError>((c, r))
            };
            let (a, b) = rayon::join(|| one(&starts[0]), || one(&starts[1]));
            for x in [a, b] {
                let (c, r) = x?;
                ctx.absorb(c);
                best.offer(r);
            }
        } else {
            for (label, start) in &starts {
                let r = ctx.restart_from(obj, start, label, &mut best)?;
                // Offered at once, so a losing restart's Hessian is gone before the next.
                best.offer(r);
            }
        }
    }
    let (best, basin) = best.into_parts(obj);
    let (restarts, iterations, evaluations) = (ctx.restarts, ctx.iterations, ctx.evaluations);
    let hessian = if keep_hessian {
        best.hessian.clone()
    } else {
        Vec::new()
    };
    let r = result(model, best, basin, fixed, restarts, iterations, evaluations);
    Ok((r, hessian))
}

/// The lowest minimum so far, and the quadratic basin that restarts are watched against
/// (built on first use from the minimum's Hessian, whose `n * n` buffer then holds the
/// factor instead, unless the caller wants the Hessian back).
struct Best {
    out: MinimizeOutcome,
    /// `None` until first asked for; `Some(None)` if the minimum has no usable basin.
    basin: Option<Option<Basin>>,
    keep_hessian: bool,
    /// The minimum's Hessian (in its basin's factor) was given up for a restart's own
    /// ([`ONE_MATRIX_PARS`]): evaluated again at the minimum when next needed.
    released: bool,
}

impl Best {
    fn new(out: MinimizeOutcome, keep_hessian: bool) -> Self {
        Best {
            out,
            basin: None,
            keep_hessian,
            released: false,
        }
    }

    fn basin(&mut self, obj: &mut TwiceNll<'_>) -> Option<&Basin> {
        if self.basin.is_none() {
            self.restore_hessian(obj);
            self.basin = Some(Basin::take(&mut self.out, self.keep_hessian));
        }
        self.basin.as_ref().and_then(Option::as_ref)
    }

    /// Gives up the minimum's Hessian, in its basin's factor or its own buffer, before a
    /// restart holds a Hessian of its own; it is evaluated again when next needed. A basin
    /// known to be unusable stays known, so it is not rebuilt for nothing.
    fn release(&mut self) {
        let had_factor = matches!(self.basin, Some(Some(_)));
        if had_factor {
            self.basin = None;
        }
        let had_hessian = !self.out.hessian.is_empty();
        self.out.hessian = Vec::new();
        self.released |= had_factor || had_hessian;
    }

    /// Evaluates the released Hessian again, as the minimiser left it: the objective's
    /// Hessian at the minimum with zero rows and columns for fixed parameters (the same
    /// passes at the same point, so the same numbers).
    fn restore_hessian(&mut self, obj: &mut TwiceNll<'_>) {
        use super::Objective;
        if !self.released {
            return;
        }
        let n = self.out.x.len();
        let mut h = vec![0.0; n * n];
        obj.hessian(&self.out.x, &mut h);
        for (i, _) in self.out.fixed.iter().enumerate().filter(|(_, &f)| f) {
            h[i * n..(i + 1) * n].fill(0.0);
            for j in 0..n {
                h[j * n + i] = 0.0;
            }
        }
        self.out.hessian = h;
        self.released = false;
    }

    /// Keeps `r` if it is better: converged over not converged, then the lower minimum. The
    /// loser is dropped at once, its Hessian with it.
    fn offer(&mut self, r: MinimizeOutcome) {
        let best = &self.out;
        let better = (r.converged && !best.converged)
            || (r.converged == best.converged && r.fval < best.fval - 1e-9);
        if better {
            self.out = r;
            self.basin = None;
            self.released = false;
        }
    }

    /// The minimum, with its Hessian or its basin (which then holds the factor the
    /// covariance comes from).
    fn into_parts(mut self, obj: &mut TwiceNll<'_>) -> (MinimizeOutcome, Option<Basin>) {
        self.restore_hessian(obj);
        (self.out, self.basin.flatten())
    }
}

/// One descent from a starting point: the minimiser, a quasi-Newton finish where Newton
/// stalls, and the handling of interpolation kinks. Every minimisation is recorded.
struct Descent<'a> {
    model: &'a Model,
    lo: &'a [f64],
    hi: &'a [f64],
    fixed: &'a [bool],
    opts: &'a FitOptions,
    restarts: Vec<Restart>,
    iterations: usize,
    evaluations: usize,
}

/// Models with this many parameters run their two histosys restarts in parallel: from 16 a
/// restart costs milliseconds, far above the thread hand-off (microseconds), and on 1Lbb
/// the restarts were 40% of a fit; up to 256, because each parallel restart holds its own
/// dense Hessian and factor (at 590 parameters the fit's peak memory grew from 24 to 29 MB).
const PARALLEL_RESTARTS_PARS: std::ops::RangeInclusive<usize> = 16..=256;

/// From this many parameters a fit holds one dense `n * n` matrix at a time: at 590
/// parameters one is 2.8 MB, almost three times the model's compiled arrays, and two or
/// three of them were most of a fit's peak memory. A restart is watched against the first
/// minimum's factor only while its quasi-Newton steps need no Hessian; if it reaches its
/// Newton phase without having joined that minimum, the factor is given up for the
/// restart's own Hessian and evaluated again from the minimum when next needed (one
/// Hessian, about `n` gradients: 10 ms at 590 parameters, in a fit of about 300 ms).
const ONE_MATRIX_PARS: usize = *PARALLEL_RESTARTS_PARS.end() + 1;

impl Descent<'_> {
    /// An empty record with the same settings, for a descent run on another thread.
    fn fork(&self) -> Self {
        Descent {
            restarts: Vec::new(),
            iterations: 0,
            evaluations: 0,
            ..*self
        }
    }

    /// Adds the records of a forked descent.
    fn absorb(&mut self, other: Self) {
        self.restarts.extend(other.restarts);
        self.iterations += other.iterations;
        self.evaluations += other.evaluations;
    }

    fn record(&mut self, label: String, r: &MinimizeOutcome) {
        self.iterations += r.iterations;
        self.evaluations += r.evaluations.total();
        self.restarts.push(Restart {
            start: label,
            twice_nll: r.fval,
            converged: r.converged,
        });
    }

    /// A descent from `start` looking for a minimum lower than `best`. Once it is
    /// recognisably heading into `best`'s own basin it is stopped (not converged, so never
    /// preferred to `best`) instead of being polished to full precision; see
    /// [`Basin`](super::basin).
    fn restart(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
        basin: Option<&Basin>,
    ) -> Result<MinimizeOutcome, FitError> {
        let Some(basin) = basin else {
            return self.descend(obj, start, label);
        };
        let (first, joined) = self.watched(obj, start, label, basin, false)?;
        if joined || first.converged {
            return Ok(first);
        }
        // An ordinary descent, continued from where this one ended.
        self.descend(obj, &first.x, &format!("{label}, continued"))
    }

    /// [`Descent::restart`] against `best` on the fit's own objective, one after another;
    /// from [`ONE_MATRIX_PARS`] parameters without ever holding `best`'s factor and a
    /// Hessian of the restart's own at once.
    fn restart_from(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
        best: &mut Best,
    ) -> Result<MinimizeOutcome, FitError> {
        if self.model.n_pars() < ONE_MATRIX_PARS {
            let basin = best.basin(obj);
            return self.restart(obj, start, label, basin);
        }
        let Some(basin) = best.basin(obj) else {
            best.release();
            return self.descend(obj, start, label);
        };
        let (first, joined) = self.watched(obj, start, label, basin, true)?;
        if joined {
            return Ok(first);
        }
        best.release();
        self.descend(obj, &first.x, &format!("{label}, continued"))
    }

    /// The minimiser from `start`, stopped once its point lies in `basin` (then `true`),
    /// and with `quasi_newton_only` also where it would evaluate its first Hessian.
    fn watched(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
        basin: &Basin,
        quasi_newton_only: bool,
    ) -> Result<(MinimizeOutcome, bool), FitError> {
        let (lo, hi, fixed) = (self.lo, self.hi, self.fixed);
        let mut scratch = basin.scratch();
        let mut joined = false;
        let mut stop = |x: &[f64], f: f64, g: &[f64]| {
            joined = basin.contains(&mut scratch, x, f, g);
            joined
        };
        let opts = &self.opts.minimizer;
        let first = if quasi_newton_only {
            minimize_quasi_newton_until(obj, start, lo, hi, fixed, opts, &mut stop)?
        } else {
            minimize_until(obj, start, lo, hi, fixed, opts, &mut stop)?
        };
        if joined {
            self.record(format!("{label}: joined the first minimum"), &first);
        } else {
            self.record(label.to_string(), &first);
        }
        Ok((first, joined))
    }

    fn descend(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
    ) -> Result<MinimizeOutcome, FitError> {
        let (lo, hi, fixed, model) = (self.lo, self.hi, self.fixed, self.model);
        let mut best = minimize(obj, start, lo, hi, fixed, &self.opts.minimizer)?;
        self.record(label.to_string(), &best);
        if !best.converged && best.fval.is_finite() {
            // Newton steps stall at the kinks of code0/code1 interpolation (the Hessian of
            // one side predicts nothing on the other); finish with quasi-Newton steps.
            let quasi = MinimizerOptions {
                newton_polish: false,
                newton_max_n: 0,
                ..self.opts.minimizer.clone()
            };
            let r = minimize(obj, &best.x.clone(), lo, hi, fixed, &quasi)?;
            self.record(format!("{label}: quasi-Newton finish"), &r);
            if r.converged || r.fval < best.fval {
                best = r;
            }
        }

        // Piecewise interpolation (normsys code1, histosys code0) has a kink at alpha = 0
        // where the minimum often sits: the gradient does not vanish there, so no gradient
        // criterion can be met. A kink is a minimum in its coordinate when the one-sided
        // derivatives point inwards (left < 0 < right); such parameters are held at 0 (an
        // active constraint of the non-smooth problem) and the rest is minimised smoothly.
        let mut kinks: Vec<usize> = Vec::new();
        for _round in 0..4 {
            if !best.fval.is_finite() || (best.converged && kinks.is_empty()) {
                break;
            }
            // Recomputed at the current point, so a kink that stops being a minimum once
            // the others moved is released again.
            let now = kink_minima(model, obj, &best.x, fixed);
            if now == kinks {
                break;
            }
            kinks = now;
            let mut x0 = best.x.clone();
            let mut fixed_k = fixed.to_vec();
            for &i in &kinks {
                x0[i] = 0.0;
                fixed_k[i] = true;
            }
            let r = minimize(obj, &x0, lo, hi, &fixed_k, &self.opts.minimizer)?;
            self.record(
                format!("{label}: {} parameter(s) at kinks", kinks.len()),
                &r,
            );
            if r.fval <= best.fval + 1e-9 || !best.converged {
                let mut r = r;
                // The parameters at kinks were free in the problem: report them as such.
                for &i in &kinks {
                    r.fixed[i] = fixed[i];
                }
                if r.converged && !kinks.is_empty() {
                    r.message = format!(
                        "{} ({} parameter(s) at an interpolation kink, alpha = 0, where the one-sided derivatives bracket 0)",
                        r.message,
                        kinks.len()
                    );
                }
                best = r;
            }
        }
        Ok(best)
    }
}

/// Parameters with a piecewise interpolation kink at 0 that sit at
/// (or next to) 0 with one-sided derivatives of twice_nll bracketing 0.
fn kink_minima(model: &Model, obj: &mut TwiceNll<'_>, x: &[f64], fixed: &[bool]) -> Vec<usize> {
    use super::Objective;
    let candidates = model.kinked_params();
    let mut out = Vec::new();
    let mut p = x.to_vec();
    for i in candidates {
        if fixed[i] || x[i].abs() > 0.05 {
            continue;
        }
        let h = 1e-7;
        p[i] = 0.0;
        let f0 = obj.value(&p);
        p[i] = h;
        let right = (obj.value(&p) - f0) / h;
        p[i] = -h;
        let left = (f0 - obj.value(&p)) / h;
        p[i] = x[i];
        if left <= 0.0 && right >= 0.0 {
            out.push(i);
        }
    }
    out
}

/// Whether a stationary point whose Hessian is not positive definite is a minimum with
/// flat directions (parameters the data do not constrain: only ~zero eigenvalues) rather
/// than a saddle (a clearly negative eigenvalue).
fn flat_not_saddle(out: &MinimizeOutcome) -> bool {
    let n = out.x.len();
    if out.hessian.len() != n * n {
        return false;
    }
    let free: Vec<usize> = (0..n)
        .filter(|&i| !out.fixed[i] && !out.at_bound[i])
        .collect();
    let m = free.len();
    if m == 0 {
        return true;
    }
    let h = nalgebra::DMatrix::from_fn(m, m, |a, b| out.hessian[free[a] * n + free[b]]);
    let eig = nalgebra::SymmetricEigen::new(h).eigenvalues;
    let scale = eig.iter().fold(0.0f64, |acc, e| acc.max(e.abs())).max(1.0);
    eig.iter().all(|e| *e >= -1e-8 * scale)
}

/// `"{status:?}: {message}"`, without the formatting machinery (a tenth of a small
/// model's fit went into formatting this line).
fn status_line(status: Status, message: &str) -> String {
    let name = match status {
        Status::Converged => "Converged",
        Status::MaxIterations => "MaxIterations",
        Status::LineSearchFailed => "LineSearchFailed",
        Status::NonFiniteStart => "NonFiniteStart",
        Status::HessianNotPosDef => "HessianNotPosDef",
        Status::Stopped => "Stopped",
    };
    let mut line = String::with_capacity(name.len() + 2 + message.len());
    line.push_str(name);
    line.push_str(": ");
    line.push_str(message);
    line
}

fn result(
    model: &Model,
    mut out: MinimizeOutcome,
    basin: Option<Basin>,
    fixed: Vec<bool>,
    restarts: Vec<Restart>,
    iterations: usize,
    evaluations: usize,
) -> FitResult {
    let n = model.n_pars();
    // A gradient at tolerance on a Hessian that is singular only along flat directions is
    // a minimum (its value is trustworthy; uncertainties along those directions are not,
    // and hessian_pos_def says so). A saddle stays not converged.
    let converged =
        out.converged || (out.status == Status::HessianNotPosDef && flat_not_saddle(&out));
    // The Hessian's buffer becomes the covariance, then the correlations: the result's one
    // `n * n` matrix is the only one alive. A minimum whose Hessian was given up for its
    // basin's factor has the covariance solved from that factor (identical).
    let covariance = match basin {
        Some(b) if out.hessian.is_empty() => Some(b.into_covariance(2.0)),
        _ => covariance_in_place(std::mem::take(&mut out.hessian), n, 2.0),
    };
    let (uncertainties, correlations) = match covariance {
        Some(c) => c.into_std_errors_and_correlation(),
        None => (vec![f64::NAN; n], vec![f64::NAN; n * n]),
    };
    let mut correlations = correlations;
    for (i, &f) in fixed.iter().enumerate() {
        if f {
            for j in 0..n {
                correlations[i * n + j] = 0.0;
                correlations[j * n + i] = 0.0;
            }
        }
    }
    let uncertainties = uncertainties
        .into_iter()
        .zip(&fixed)
        .map(|(u, &f)| if f { 0.0 } else { u })
        .collect();
    FitResult {
        par_names: model.shared_par_names(),
        bestfit: out.x,
        uncertainties,
        correlations,
        twice_nll: out.fval,
        converged,
        status: status_line(out.status, &out.message),
        edm: out.edm,
        grad_norm: out.grad_norm,
        iterations,
        evaluations,
        hessian_pos_def: out.hessian_pos_def,
        fixed,
        restarts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_is_the_debug_form() {
        for status in [
            Status::Converged,
            Status::MaxIterations,
            Status::LineSearchFailed,
            Status::NonFiniteStart,
            Status::HessianNotPosDef,
            Status::Stopped,
        ] {
            assert_eq!(status_line(status, "why"), format!("{status:?}: why"));
        }
    }
}
