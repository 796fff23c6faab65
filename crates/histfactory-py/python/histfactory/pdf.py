"""pyhf's ``Model`` and ``model.config`` on the histfactory engine.

A :class:`Model` is compiled once (in Rust) from a pyhf model spec
``{"channels": [...], "parameters": [...]}``; every evaluation then runs in the engine.
Parameter vectors follow ``model.config.par_names`` (pyhf's order); data vectors are the
main counts, channels sorted by name, followed by ``model.config.auxdata``.
"""


import numpy as np

from . import _core, _json
from . import exceptions

_DEFAULT_MODIFIER_SETTINGS = {
    "normsys": {"interpcode": "code4"},
    "histosys": {"interpcode": "code4p"},
}


def _interp_codes(modifier_settings):
    """The (normsys, histosys) codes of pyhf's ``modifier_settings`` dict."""
    settings = dict(_DEFAULT_MODIFIER_SETTINGS)
    for key, value in (modifier_settings or {}).items():
        if key not in ("normsys", "histosys"):
            raise exceptions.InvalidInterpCode(
                f"modifier_settings: unknown modifier type {key!r} "
                "(interpolation codes are set for normsys and histosys)"
            )
        settings[key] = value
    try:
        return settings["normsys"]["interpcode"], settings["histosys"]["interpcode"]
    except (KeyError, TypeError):
        raise exceptions.InvalidInterpCode(
            "modifier_settings: expected {'normsys': {'interpcode': ...}, "
            f"'histosys': {{'interpcode': ...}}}}, found {modifier_settings!r}"
        ) from None


def _vector(values, name):
    """``values`` as a contiguous 1-d float64 array (a copy only when needed)."""
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise exceptions.InvalidPdfParameters(f"{name}: not numbers ({err})") from None
    if array.ndim != 1:
        error = exceptions.InvalidPdfData if name == "data" else exceptions.InvalidPdfParameters
        raise error(f"{name}: expected a 1-d vector, found shape {array.shape}")
    return array


def _points(points, npars):
    """``points`` as a contiguous ``(n_points, npars)`` float64 array."""
    array = np.ascontiguousarray(points, dtype=np.float64)
    if array.ndim != 2:
        raise exceptions.InvalidPdfParameters(
            f"points: expected shape (n_points, {npars}), found {array.shape}"
        )
    return array


class _ParameterSet:
    """One named set of parameters, as pyhf's ``model.config.param_set(name)``."""

    def __init__(self, info):
        self.name = info["name"]
        #: The modifier type that defines the set (``"normsys"``, ``"shapesys"``, ...).
        self.kind = info["kind"]
        self.n_parameters = info["n_parameters"]
        self.is_scalar = info["is_scalar"]
        self.suggested_init = list(info["suggested_init"])
        self.suggested_bounds = [list(b) for b in info["suggested_bounds"]]
        self.suggested_fixed = list(info["suggested_fixed"])
        constraint = info["constraint"]
        self.is_constrained = constraint is not None
        #: ``"normal"``, ``"poisson"`` or ``None`` for a free set.
        self.constraint = constraint
        self.auxdata = list(info.get("auxdata", []))
        if constraint == "normal":
            self.sigmas = list(info["sigmas"])
        if constraint == "poisson":
            self.factors = list(info["factors"])
        self._width = info["width"]
        self._slice = slice(info["offset"], info["offset"] + info["n_parameters"])

    @property
    def pdf_type(self):
        """pyhf's name of the constraint pdf: ``"normal"``, ``"poisson"`` or ``None``."""
        return self.constraint

    @property
    def suggested_fixed_as_bool(self):
        """Whether every parameter of the set is held constant by default."""
        return all(self.suggested_fixed)

    def width(self):
        """Pre-fit widths: sigma (Gaussian) or ``1/sqrt(tau)`` (Poisson)."""
        if self._width is None:
            raise AttributeError(f"parameter set {self.name!r} is not constrained")
        return list(self._width)

    def __repr__(self):
        return (
            f"<histfactory parameter set {self.name!r}: {self.kind}, "
            f"{self.n_parameters} parameter(s)>"
        )


class _ModelConfig:
    """pyhf's ``model.config``: the parameter table and the layout of the data vector.

    Attributes are pyhf 0.7.6's: ``par_order`` (parameter-set names in vector order),
    ``par_names`` (one name per parameter, ``name[i]`` for non-scalar sets), ``npars``,
    ``poi_name`` / ``poi_index`` (``None`` without a POI), ``channels`` (sorted),
    ``channel_nbins``, ``samples`` (sorted), ``auxdata``, ``nmaindata``, ``nauxdata``.
    """

    def __init__(self, info, spec):
        self.par_order = list(info["par_order"])
        self.par_names = list(info["par_names"])
        self.npars = len(self.par_names)
        self.poi_name = info["poi_name"]
        self.poi_index = info["poi_index"]
        self.channels = list(info["channels"])
        self.channel_nbins = dict(info["channel_nbins"])
        self.samples = list(info["samples"])
        self.auxdata = list(info["auxdata"])
        self.nauxdata = len(self.auxdata)
        self.nmaindata = sum(self.channel_nbins.values())
        self._suggested_init = list(info["suggested_init"])
        self._suggested_bounds = [list(b) for b in info["suggested_bounds"]]
        self._suggested_fixed = list(info["suggested_fixed"])
        self._param_sets = {p["name"]: _ParameterSet(p) for p in info["parameter_sets"]}
        self.parameters = sorted(self._param_sets)
        self.modifiers = sorted(
            {
                (m["name"], m["type"])
                for c in spec.get("channels", [])
                for s in c.get("samples", [])
                for m in s.get("modifiers", [])
            }
        )
        self.auxdata_order = [
            name for name in self.par_order if self._param_sets[name].is_constrained
        ]

    def suggested_init(self):
        """Initial values, one per parameter (a new list each call)."""
        return list(self._suggested_init)

    def suggested_bounds(self):
        """``[low, high]`` bounds, one per parameter (new lists each call, as pyhf's)."""
        return [list(b) for b in self._suggested_bounds]

    def suggested_fixed(self):
        """Whether each parameter is held constant in fits by default."""
        return list(self._suggested_fixed)

    def par_slice(self, name):
        """The slice of the parameter vector that parameter set ``name`` occupies."""
        return self.param_set(name)._slice

    def param_set(self, name):
        """The parameter set called ``name``; ``KeyError`` naming the sets if absent."""
        try:
            return self._param_sets[name]
        except KeyError:
            raise KeyError(
                f"no parameter set named {name!r} (the model has: {', '.join(self.par_order)})"
            ) from None

    def set_poi(self, name):
        """pyhf's ``config.set_poi``: not supported, the POI is chosen when building."""
        raise exceptions.InvalidModel(
            "set_poi: build the model with poi_name=... instead "
            "(the POI is compiled into the model)"
        )

    def __repr__(self):
        return f"<histfactory model config: {self.npars} parameters, POI {self.poi_name!r}>"


class Model:
    """A HistFactory model, as ``pyhf.Model``, evaluated by the histfactory engine.

    Args:
        spec: pyhf model spec, ``{"channels": [...], "parameters": [...]}``.
        poi_name: name of the parameter of interest (default ``"mu"``); ``None`` for a
            model without one.
        modifier_settings: interpolation codes, as pyhf:
            ``{"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}``
            (those are the defaults; ``code1`` and ``code0``/``code2`` are the others).
        clip_sample_data, clip_bin_data: clip each sample's (each bin's) rate from below.
        batch_size: only ``None``; use :meth:`logpdf_batch` for many points.
        validate: accepted for pyhf compatibility; the spec is always checked.

    Raises:
        InvalidSpecification: the spec is not valid (the message names the JSON path).
        InvalidModel: the spec cannot become a model (parameter configs, POI).
    """

    def __init__(
        self,
        spec,
        modifier_set=None,
        batch_size=None,
        validate=True,
        clip_sample_data=None,
        clip_bin_data=None,
        **config_kwargs,
    ):
        if batch_size is not None:
            raise exceptions.InvalidModel(
                "batch_size: histfactory models evaluate one point per call; "
                "use model.logpdf_batch(points, data) for many points"
            )
        if modifier_set is not None:
            raise exceptions.InvalidModel(
                "modifier_set: custom modifiers are not supported by histfactory"
            )
        poi_name = config_kwargs.pop("poi_name", "mu")
        modifier_settings = config_kwargs.pop("modifier_settings", None)
        if config_kwargs:
            raise TypeError(
                f"Model() got unexpected keyword arguments: {', '.join(sorted(config_kwargs))}"
            )
        normsys, histosys = _interp_codes(modifier_settings)
        self.spec = spec
        self.schema = "model.json"
        self.version = spec.get("version", None) if isinstance(spec, dict) else None
        self.batch_size = None
        self._compiled = _core.CompiledModel.from_model_spec(
            _json.dumps(spec),
            poi=poi_name,
            normsys=normsys,
            histosys=histosys,
            clip_sample=clip_sample_data,
            clip_bin=clip_bin_data,
        )
        self._init_config()

    def _init_config(self):
        self.config = _ModelConfig(self._compiled.config(), self.spec)

    @property
    def nominal_rates(self):
        """Nominal yields, shape ``(1, n_samples, 1, n_main_bins)`` as pyhf's: samples in
        ``config.samples`` order, bins of all channels in ``config.channels`` order, zero
        where a sample is absent from a channel."""
        rates = np.zeros((1, len(self.config.samples), 1, self.config.nmaindata))
        sample_index = {name: i for i, name in enumerate(self.config.samples)}
        offset = 0
        channels = {c["name"]: c for c in self.spec["channels"]}
        for name in self.config.channels:
            nbins = self.config.channel_nbins[name]
            for sample in channels[name]["samples"]:
                rates[0, sample_index[sample["name"]], 0, offset : offset + nbins] = sample[
                    "data"
                ]
            offset += nbins
        return rates

    def logpdf(self, pars, data):
        """``log L(pars | data)`` as a 1-element array, as pyhf's ``model.logpdf``.

        Raises ``InvalidPdfParameters`` / ``InvalidPdfData`` on vectors of the wrong length.
        """
        value = self._compiled.logpdf(_vector(pars, "parameters"), _vector(data, "data"))
        return np.array([value])

    def value_and_grad(self, pars, data):
        """``(logpdf, gradient)`` at one point: a float and an ``(npars,)`` array."""
        return self._compiled.value_and_grad(
            _vector(pars, "parameters"), _vector(data, "data")
        )

    def hessian(self, pars, data):
        """The exact Hessian of ``logpdf`` in the parameters, ``(npars, npars)``."""
        return self._compiled.hessian(_vector(pars, "parameters"), _vector(data, "data"))

    def logpdf_batch(self, points, data):
        """logpdf at each row of ``points`` (``(n_points, npars)``): an ``(n_points,)``
        array, computed in parallel with the GIL released."""
        return self._compiled.logpdf_batch(
            _points(points, self.config.npars), _vector(data, "data")
        )

    def value_and_grad_batch(self, points, data):
        """``(values, gradients)`` at each row of ``points``: ``(n_points,)`` and
        ``(n_points, npars)`` arrays, computed in parallel with the GIL released."""
        return self._compiled.value_and_grad_batch(
            _points(points, self.config.npars), _vector(data, "data")
        )

    def expected_data(self, pars, include_auxdata=True, return_by_sample=False):
        """Expected main rates followed (if ``include_auxdata``) by the expected auxdata.

        With ``return_by_sample=True``: the per-sample rates, ``(n_samples, nmaindata)``,
        samples in ``config.samples`` order (auxdata never included), as pyhf.
        """
        pars = _vector(pars, "parameters")
        if return_by_sample:
            return self._compiled.expected_by_sample(pars)
        return self._compiled.expected_data(pars, include_auxdata=include_auxdata)

    def expected_actualdata(self, pars):
        """Expected main rates (no auxdata)."""
        return self._compiled.expected_data(_vector(pars, "parameters"), include_auxdata=False)

    def expected_auxdata(self, pars):
        """Expected auxiliary data: the parameter (Gaussian) or parameter times tau
        (Poisson), in ``config.auxdata`` order."""
        return self._compiled.expected_auxdata(_vector(pars, "parameters"))

    def __repr__(self):
        return (
            f"<histfactory.Model: {len(self.config.channels)} channel(s), "
            f"{self.config.npars} parameters, POI {self.config.poi_name!r}>"
        )


__all__ = ["Model"]
