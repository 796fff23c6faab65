//! Minima at an interpolation kink.
//!
//! Piecewise interpolation (normsys code1, histosys code0) has a kink at alpha = 0 where
//! the minimum often sits: the gradient does not vanish there, so no gradient criterion
//! can be met. A kink is a minimum in its coordinate when the one-sided derivatives point
//! inwards (left < 0 < right); such parameters are held at 0 (an active constraint of the
//! non-smooth problem) and the rest is minimised smoothly.

use super::descent::{Descent, Minimum};
use super::FitError;
use crate::likelihood::TwiceNll;
use crate::model::Model;
use crate::optim::{minimize, MinimizeOutcome, Objective};

impl Descent<'_> {
    /// `best` after at most four rounds of holding the parameters at kink minima (found
    /// anew at each round's minimum) at 0 and minimising the others.
    pub(super) fn hold_kinks(
        &mut self,
        obj: &mut TwiceNll<'_>,
        label: &str,
        mut best: MinimizeOutcome,
    ) -> Result<Minimum, FitError> {
        let (lo, hi, fixed, model) = (self.lo, self.hi, self.fixed, self.model);
        let mut best_kinks = 0;
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
                // A converged minimum says how many parameters it holds at a kink.
                best_kinks = if r.converged { kinks.len() } else { 0 };
                best = r;
            }
        }
        Ok(Minimum {
            out: best,
            kinks: best_kinks,
        })
    }
}

/// Parameters with a piecewise interpolation kink at 0 that sit at
/// (or next to) 0 with one-sided derivatives of twice_nll bracketing 0.
fn kink_minima(model: &Model, obj: &mut TwiceNll<'_>, x: &[f64], fixed: &[bool]) -> Vec<usize> {
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
