//! The global-minimum search: a fit's first descent, then restarts from other starting
//! points (related minima given by the caller, the free minimum for a fixed-POI fit on a
//! model with kinks, and for models with histosys the first minimum mirrored and with the
//! POI at its lower end); the lowest converged minimum wins. Restarts are watched against
//! the first minimum's quadratic basin ([`super::basin`]) and stopped once they join it.

use super::basin::Basin;
use super::descent::{Descent, Minimum};
use super::memory::Best;
use super::options::{FitOptions, Problem};
use super::result::{assemble, FitResult};
use super::FitError;
use crate::likelihood::TwiceNll;
use crate::model::{Constraint, Model};
use crate::optim::{minimize_quasi_newton_until, minimize_until, MinimizeOutcome};
use crate::spec::ModifierKind;

/// A fit: its first descent from the initial values, then the restarts. With
/// `keep_hessian`, also the Hessian of twice_nll at the minimum (else empty). On
/// `objective` if given (built earlier for `data`), else on one of its own.
pub(super) fn run<'m>(
    model: &'m Model,
    data: &[f64],
    opts: &FitOptions,
    fix_poi: Option<(usize, f64)>,
    keep_hessian: bool,
    objective: Option<&mut TwiceNll<'m>>,
) -> Result<(FitResult, Vec<f64>), FitError> {
    let n = model.n_pars();
    let Problem {
        init,
        lo,
        hi,
        fixed,
    } = Problem::new(model, opts, fix_poi)?;
    super::memory::check_dense_matrices(n)?;
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
            let free = super::run(model, data, &free_opts, None)?;
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
        best.out.hessian.clone()
    } else {
        Vec::new()
    };
    let r = assemble(
        model,
        best.out,
        best.kinks,
        basin,
        fixed,
        restarts,
        iterations,
        evaluations,
    );
    Ok((r, hessian))
}

/// Models with this many parameters run their two histosys restarts in parallel: from 16 a
/// restart costs milliseconds, far above the thread hand-off (microseconds), and on 1Lbb
/// the restarts were 40% of a fit; up to 256, because each parallel restart holds its own
/// dense Hessian and factor (at 590 parameters the fit's peak memory grew from 24 to 29 MB).
pub(super) const PARALLEL_RESTARTS_PARS: std::ops::RangeInclusive<usize> = 16..=256;

impl Descent<'_> {
    /// A descent from `start` looking for a minimum lower than `best`. Once it is
    /// recognisably heading into `best`'s own basin it is stopped (not converged, so never
    /// preferred to `best`) instead of being polished to full precision; see
    /// [`Basin`](super::basin).
    pub(super) fn restart(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
        basin: Option<&Basin>,
    ) -> Result<Minimum, FitError> {
        let Some(basin) = basin else {
            return self.descend(obj, start, label);
        };
        let (first, joined) = self.watched(obj, start, label, basin, false)?;
        if joined || first.converged {
            return Ok(first.into());
        }
        // An ordinary descent, continued from where this one ended.
        self.descend(obj, &first.x, &format!("{label}, continued"))
    }

    /// The minimiser from `start`, stopped once its point lies in `basin` (then `true`),
    /// and with `quasi_newton_only` also where it would evaluate its first Hessian.
    pub(super) fn watched(
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
}
