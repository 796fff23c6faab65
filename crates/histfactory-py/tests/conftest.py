"""Shared helpers: the project's fixtures and a tolerance-reporting comparison."""

import gzip
import json
import pathlib

import numpy as np
import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "fixtures"


def read_json(path):
    """A ``.json`` or ``.json.gz`` file (gzip detected by content)."""
    raw = pathlib.Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw)


# Reference cases whose likelihood pyhf evaluates to NaN everywhere (a normsys factor of
# 0, a lumi width of 0): the engine refuses to build them (the Rust tests' UNEVALUABLE).
UNEVALUABLE = ("xml_ghl3_top_dilep", "xml_nextstat_histfactory_fixture")


def _cases():
    cases = read_json(FIXTURES / "reference" / "cases.json")
    return [
        case
        for case in cases
        if (FIXTURES / "reference" / "pyhf" / f"{case['id']}.ref.json").exists()
    ]


def reference_cases():
    """pyhf 0.7.6 reference cases that can be built: ``case`` params (fixtures/reference)."""
    return [pytest.param(c, id=c["id"]) for c in _cases() if c["id"] not in UNEVALUABLE]


def unevaluable_cases():
    """The reference cases of ``UNEVALUABLE``."""
    return [pytest.param(c, id=c["id"]) for c in _cases() if c["id"] in UNEVALUABLE]


def assert_close(ours, reference, rel, abs_=0.0, what="value"):
    """Element-wise ``|ours - ref| <= abs_ + rel * |ref|``, naming the first index off."""
    ours = np.atleast_1d(np.asarray(ours, dtype=float))
    reference = np.atleast_1d(np.asarray(reference, dtype=float))
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape} vs {reference.shape}"
    bad = np.abs(ours - reference) > abs_ + rel * np.abs(reference)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AssertionError(
            f"{what}[{i}]: ours {ours.flat[i]!r}, reference {reference.flat[i]!r} "
            f"(rel {rel}, abs {abs_})"
        )
