//! The fits behind hypothesis tests, shared by both calculators: one data set's objective,
//! its free fit and the minima of its fixed-POI fits, and the warm starts between them.
//!
//! Each data set a calculator fits (the observed data; the Asimov data) is a [`DataFits`]
//! that owns its objective outright, so a fit borrows it mutably and nothing else: the
//! calculators hold one `DataFits` per data set beside the immutable [`FitSetup`].

use std::sync::Arc;

use super::calculator::FitPurpose;
use super::test_statistics::TestStat;
use super::InferError;
use crate::fit::{fit_on, fixed_poi_fit_on, FitError, FitOptions, FitResult};
use crate::likelihood::TwiceNll;
use crate::model::Model;

/// What every fit of a test needs to know: the model, the fit options, the POI.
#[derive(Debug)]
pub(crate) struct FitSetup<'m> {
    pub(crate) model: &'m Model,
    pub(crate) options: FitOptions,
    pub(crate) poi: usize,
}

impl<'m> FitSetup<'m> {
    /// The setup of tests of `model` with fit options `options`.
    ///
    /// # Errors
    /// [`InferError::Poi`] if the model has no POI or the options fix it.
    pub(crate) fn new(model: &'m Model, options: FitOptions) -> Result<Self, InferError> {
        let poi = model.poi_index().ok_or_else(|| {
            InferError::Poi("hypotest needs a model with a POI (built with --no-poi?)".into())
        })?;
        let fixed = options.fixed.as_deref().unwrap_or(model.fixed());
        if fixed.get(poi).copied().unwrap_or(false) {
            return Err(InferError::Poi(format!(
                "hypotest: the POI \"{}\" is fixed; it must float",
                model.par_names()[poi]
            )));
        }
        Ok(FitSetup {
            model,
            options,
            poi,
        })
    }

    fn poi_name(&self) -> &str {
        &self.model.par_names()[self.poi]
    }
}

/// One data set's fits: its objective, its free fit and the minima of its fixed-POI fits.
#[derive(Debug)]
pub(crate) struct DataFits<'m> {
    data: Arc<Vec<f64>>,
    /// Built at the first fit and kept: its prepared data and buffers cost more than a
    /// small model's whole fit.
    nll: Option<TwiceNll<'m>>,
    free: Option<Arc<FitResult>>,
    minima: WarmStarts,
}

impl<'m> DataFits<'m> {
    /// No fit yet to `data` (main bins then auxdata).
    pub(crate) fn new(setup: &FitSetup<'m>, data: Arc<Vec<f64>>) -> Self {
        DataFits {
            data,
            nll: None,
            free: None,
            minima: WarmStarts::new(setup.model.n_pars()),
        }
    }

    /// The data fitted.
    pub(crate) fn data(&self) -> &Arc<Vec<f64>> {
        &self.data
    }

    /// The free fit (done once), started at `start` when given (clamped into the bounds),
    /// else at the options' initial values.
    ///
    /// # Errors
    /// [`InferError::Fit`] if the fit cannot be run, [`InferError::FitFailed`] if it
    /// reaches no finite likelihood.
    pub(crate) fn free_fit(
        &mut self,
        setup: &FitSetup<'m>,
        start: Option<&[f64]>,
        purpose: FitPurpose,
    ) -> Result<Arc<FitResult>, InferError> {
        if let Some(free) = &self.free {
            return Ok(free.clone());
        }
        let context = || format!("hypotest: {purpose}");
        let started;
        let opts = match start {
            Some(x) => {
                let mut opts = setup.options.clone();
                opts.init = Some(warm_start(setup.model, &setup.options, x));
                started = opts;
                &started
            }
            None => &setup.options,
        };
        let data = &self.data;
        let r = objective(&mut self.nll, setup.model, data)
            .and_then(|obj| fit_on(obj, data, opts))
            .map_err(|e| InferError::Fit {
                context: context(),
                source: e,
            })?;
        let free = Arc::new(finite(r, context)?);
        self.free = Some(free.clone());
        Ok(free)
    }

    /// The fit with the POI fixed at the tested value `mu`, warm-started from the minimum
    /// at the nearest value tested before (and the Hessian there, when kept), or from
    /// `fallback` for the first; its minimum is kept for the next.
    ///
    /// # Errors
    /// As [`Self::free_fit`].
    pub(crate) fn tested_fit(
        &mut self,
        setup: &FitSetup<'m>,
        mu: f64,
        fallback: &[f64],
        purpose: FitPurpose,
    ) -> Result<FitResult, InferError> {
        let warm = self.minima.nearest(mu).unwrap_or((fallback, None));
        let (r, hessian) = fixed_fit(setup, &mut self.nll, &self.data, mu, warm, purpose)?;
        self.minima.push(mu, r.bestfit.clone(), hessian);
        Ok(r)
    }

    /// A fit with the POI fixed at `mu` started at `start`, whose minimum is not kept for
    /// warm starts (a fit generating data).
    ///
    /// # Errors
    /// As [`Self::free_fit`].
    pub(crate) fn other_fit(
        &mut self,
        setup: &FitSetup<'m>,
        mu: f64,
        start: &[f64],
        purpose: FitPurpose,
    ) -> Result<FitResult, InferError> {
        let (r, _) = fixed_fit(setup, &mut self.nll, &self.data, mu, (start, None), purpose)?;
        Ok(r)
    }
}

/// The objective for `data` that `slot` holds, built on first use.
fn objective<'s, 'm>(
    slot: &'s mut Option<TwiceNll<'m>>,
    model: &'m Model,
    data: &[f64],
) -> Result<&'s mut TwiceNll<'m>, FitError> {
    Ok(match slot {
        Some(obj) => obj,
        empty => empty
            .insert(TwiceNll::new(model, data).map_err(|e| FitError::InvalidInput(e.to_string()))?),
    })
}

/// The fit with the POI fixed at `mu` to `data` from `warm` (parameters and, when kept,
/// the Hessian there); returns the Hessian at the minimum too.
fn fixed_fit<'m>(
    setup: &FitSetup<'m>,
    nll: &mut Option<TwiceNll<'m>>,
    data: &[f64],
    mu: f64,
    (start, hessian): Warm<'_>,
    purpose: FitPurpose,
) -> Result<(FitResult, Vec<f64>), InferError> {
    let mut opts = setup.options.clone();
    let mut init = warm_start(setup.model, &setup.options, start);
    init[setup.poi] = mu;
    opts.init = Some(init);
    if hessian.is_some() {
        opts.minimizer.initial_hessian = hessian;
    }
    let context = || format!("hypotest at {} = {mu}: {purpose}", setup.poi_name());
    let (r, hessian) = objective(nll, setup.model, data)
        .and_then(|obj| fixed_poi_fit_on(obj, data, mu, &opts))
        .map_err(|e| InferError::Fit {
            context: context(),
            source: e,
        })?;
    // With every parameter fixed the "fit" is one evaluation, exact even where the
    // likelihood is 0 (twice_nll = +inf: events observed where this POI value leaves none
    // expected, e.g. mu = 0 of a model without background): a number for the test
    // statistic, the hypothesis excluded outright (q = +inf), not a failed fit.
    let mut r = r;
    if r.twice_nll == f64::INFINITY && r.fixed.iter().all(|&f| f) {
        r.converged = true;
    }
    if purpose.generates_data() || (r.converged && r.twice_nll == f64::INFINITY) {
        Ok((r, hessian))
    } else {
        Ok((finite(r, context)?, hessian))
    }
}

/// The POI value the fixed-POI fits of a test at `poi_value` use: `poi_value`, except
/// for `q0`, which always tests mu = 0 (the discovery hypothesis).
pub(crate) fn fit_poi(stat: TestStat, poi_value: f64) -> Result<f64, InferError> {
    if !poi_value.is_finite() {
        return Err(InferError::InvalidArgument {
            name: "poi_value",
            message: format!("must be finite, got {poi_value}"),
        });
    }
    Ok(if stat == TestStat::Q0 { 0.0 } else { poi_value })
}

/// The free and fixed-POI fits to the observed data at `mu_fit` and `q_obs`, with a
/// warning line for each fit that did not converge: step 1 of both calculators.
pub(crate) fn observed_fits<'m>(
    setup: &FitSetup<'m>,
    observed: &mut DataFits<'m>,
    stat: TestStat,
    mu_fit: f64,
) -> Result<(Arc<FitResult>, FitResult, f64, Vec<String>), InferError> {
    let free = observed.free_fit(setup, None, FitPurpose::FreeObserved)?;
    let fixed = observed.tested_fit(setup, mu_fit, &free.bestfit, FitPurpose::FixedObserved)?;
    let q_obs = stat.evaluate(
        fixed.twice_nll,
        free.twice_nll,
        free.bestfit[setup.poi],
        mu_fit,
    );
    let mut warnings = Vec::new();
    for (purpose, r) in [
        (FitPurpose::FreeObserved, &*free),
        (FitPurpose::FixedObserved, &fixed),
    ] {
        if !r.converged {
            warnings.push(format!("{purpose}: {}", r.status));
        }
    }
    Ok((free, fixed, q_obs, warnings))
}

/// The minima of earlier fixed-POI fits to one data set, each with its Hessian while the
/// memory budget allows: the fit at a new POI value starts from the nearest one with
/// Newton steps on that Hessian, which is close to the new minimum's (a root search or scan
/// moves the POI by little), and converges in a few iterations where quasi-Newton steps
/// from the previous point needed tens to hundreds.
#[derive(Debug)]
struct WarmStarts {
    points: Vec<Minimum>,
    hessian_budget: usize,
}

/// A fixed-POI minimum: the POI value, the parameters and (when kept) the Hessian there.
#[derive(Debug)]
struct Minimum {
    mu: f64,
    x: Vec<f64>,
    hessian: Option<Arc<Vec<f64>>>,
}

/// Where a fit starts: parameters, and a Hessian to begin Newton steps with.
type Warm<'a> = (&'a [f64], Option<Arc<Vec<f64>>>);

impl WarmStarts {
    /// Hessians kept per data set, in values (8 MB): all of them for models of up to 300
    /// parameters, the latest two at 600.
    const HESSIAN_VALUES: usize = 1 << 20;

    fn new(n_pars: usize) -> Self {
        WarmStarts {
            points: Vec::new(),
            hessian_budget: (Self::HESSIAN_VALUES / (n_pars * n_pars).max(1)).max(2),
        }
    }

    /// The minimum found at the POI value nearest to `mu`.
    fn nearest(&self, mu: f64) -> Option<Warm<'_>> {
        self.points
            .iter()
            .min_by(|a, b| (a.mu - mu).abs().total_cmp(&(b.mu - mu).abs()))
            .map(|m| (m.x.as_slice(), m.hessian.clone()))
    }

    fn push(&mut self, mu: f64, x: Vec<f64>, hessian: Vec<f64>) {
        let kept = self.points.iter().filter(|p| p.hessian.is_some()).count();
        if kept >= self.hessian_budget {
            if let Some(oldest) = self.points.iter_mut().find(|p| p.hessian.is_some()) {
                oldest.hessian = None;
            }
        }
        let hessian = (!hessian.is_empty()).then(|| Arc::new(hessian));
        self.points.push(Minimum { mu, x, hessian });
    }
}

/// A warm start from a previous minimum: free parameters clamped into their bounds (a
/// conditional fit may have held the POI outside them), fixed ones at their configured
/// values.
pub(crate) fn warm_start(model: &Model, opts: &FitOptions, previous: &[f64]) -> Vec<f64> {
    let bounds = opts.bounds.as_deref().unwrap_or(model.bounds());
    let fixed = opts.fixed.as_deref().unwrap_or(model.fixed());
    let init = opts.init.as_deref().unwrap_or(model.init());
    previous
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if fixed[i] {
                init[i]
            } else {
                v.clamp(bounds[i][0], bounds[i][1])
            }
        })
        .collect()
}

/// A fit result whose minimum is a number; otherwise an error naming the fit.
fn finite(r: FitResult, context: impl Fn() -> String) -> Result<FitResult, InferError> {
    if r.twice_nll.is_finite() {
        Ok(r)
    } else {
        Err(InferError::FitFailed(format!(
            "{}: no finite likelihood was reached (twice_nll = {}; {}); \
             check the model for negative rates",
            context(),
            r.twice_nll,
            r.status
        )))
    }
}
