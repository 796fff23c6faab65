"""histfactory: HistFactory likelihoods with pyhf's API, evaluated by a Rust engine.

A pyhf script runs after ``import histfactory as pyhf``::

    import histfactory as pyhf
    model = pyhf.simplemodels.uncorrelated_background([5.0], [10.0], [3.5])
    data = [15.0] + model.config.auxdata
    model.logpdf(model.config.suggested_init(), data)   # array([-4.25748227])

What this release covers: ``Workspace`` (``model``, ``data``, ``get_measurement``,
``prune``, ``rename``, ``sorted``, ``combine``), ``Model`` and ``model.config``,
``logpdf`` / ``expected_data``, ``simplemodels``, ``utils.digest``, the NumPy tensor
backend, and batched entry points beyond pyhf's (``model.logpdf_batch``,
``model.value_and_grad_batch``) that run in parallel with the GIL released. Numbers are
pyhf 0.7.6's: ``logpdf`` includes every constant term, parameters follow pyhf's order.
"""

from . import exceptions, simplemodels, tensor, utils
from ._core import __version__
from .pdf import Model
from .workspace import Workspace

default_backend = tensor.numpy_backend()
_state = {"tensorlib": default_backend}


def set_backend(backend, custom_optimizer=None, precision=None, default=False):
    """Chooses the tensor backend arrays come back as, as ``pyhf.set_backend``.

    Accepts ``"numpy"`` or a :class:`histfactory.tensor.numpy_backend` instance. The
    optimizer argument is accepted for compatibility: histfactory's own minimiser runs
    every fit.

    Raises:
        InvalidBackend: a backend histfactory does not provide (yet).
    """
    if isinstance(backend, bytes):
        backend = backend.decode("utf-8")
    if isinstance(backend, str):
        name = backend.lower()
        if name != "numpy":
            raise exceptions.InvalidBackend(
                f"backend {backend!r}: histfactory provides the 'numpy' backend"
            )
        kwargs = {} if precision is None else {"precision": precision}
        backend = tensor.numpy_backend(**kwargs)
    elif not isinstance(backend, tensor.numpy_backend):
        raise exceptions.InvalidBackend(
            f"backend {backend!r}: expected 'numpy' or histfactory.tensor.numpy_backend()"
        )
    _state["tensorlib"] = backend


def get_backend():
    """``(tensorlib, optimizer)``, as ``pyhf.get_backend``; the optimizer slot names
    histfactory's own minimiser."""
    return _state["tensorlib"], "histfactory"


def __getattr__(name):
    # pyhf.tensorlib follows set_backend: resolved on each access, as in pyhf.
    if name == "tensorlib":
        return _state["tensorlib"]
    raise AttributeError(f"module 'histfactory' has no attribute {name!r}")


__all__ = [
    "Model",
    "Workspace",
    "__version__",
    "default_backend",
    "exceptions",
    "get_backend",
    "set_backend",
    "simplemodels",
    "tensor",
    "tensorlib",
    "utils",
]
