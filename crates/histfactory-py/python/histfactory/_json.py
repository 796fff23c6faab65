"""JSON text for the engine: specs may hold NumPy arrays and scalars, as pyhf allows."""

import json

import numpy as np

from . import exceptions


def _default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def dumps(obj, what="specification"):
    """``obj`` as JSON text; ``InvalidSpecification`` if it cannot be one."""
    try:
        return json.dumps(obj, default=_default, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise exceptions.InvalidSpecification(f"{what}: not JSON data ({err})") from None
