"""pyhf's ``utils`` as far as scripts use them: ``digest``."""

import json

from . import _core


def digest(obj, algorithm="sha256"):
    """The hex digest of ``obj``'s JSON with sorted keys, as ``pyhf.utils.digest``;
    ``algorithm`` is a ``hashlib`` name (``sha256``, ``md5``, ...)."""
    try:
        text = json.dumps(obj, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"the object cannot be digested: {err}") from None
    return _core.digest(text, algorithm)


__all__ = ["digest"]
