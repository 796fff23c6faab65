"""Exceptions raised by histfactory, named as pyhf's where pyhf has one.

Errors from the engine carry its message unchanged: the JSON path, channel, sample,
modifier or bin at fault is in ``str(exc)``. Every class derives from
:class:`HistFactoryError`, so ``except histfactory.exceptions.HistFactoryError`` catches
them all.
"""

from ._core import (
    HistFactoryError,
    InvalidInterpCode,
    InvalidMeasurement,
    InvalidModel,
    InvalidPatchSet,
    InvalidPdfData,
    InvalidPdfParameters,
    InvalidSpecification,
    InvalidWorkspaceOperation,
)


class InvalidBackend(HistFactoryError):
    """The requested tensor backend is not one histfactory provides."""


class InvalidOptimizer(HistFactoryError):
    """The requested optimizer is not one histfactory accepts."""


class InvalidPatchLookup(HistFactoryError):
    """A patchset has no patch with the requested name or values."""


class PatchSetVerificationError(HistFactoryError):
    """A workspace's digest differs from the one its patchset was made for."""


class FailedMinimization(HistFactoryError):
    """A fit did not converge; the message says why."""


__all__ = [
    "FailedMinimization",
    "HistFactoryError",
    "InvalidBackend",
    "InvalidInterpCode",
    "InvalidMeasurement",
    "InvalidModel",
    "InvalidOptimizer",
    "InvalidPatchLookup",
    "InvalidPatchSet",
    "InvalidPdfData",
    "InvalidPdfParameters",
    "InvalidSpecification",
    "InvalidWorkspaceOperation",
    "PatchSetVerificationError",
]
