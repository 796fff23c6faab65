"""The package against pyhf 0.7.6 on every reference case (fixtures/reference).

Tolerances are the Rust tests': logpdf 1e-10 relative (pyhf's values and ours are the
same double-precision sums, up to summation order), gradients 1e-8 relative to the
largest component (pyhf's come from JAX autodiff), everything else 1e-12.
"""

import numpy as np
import pytest

import histfactory as pyhf
from conftest import FIXTURES, assert_close, read_json, reference_cases, unevaluable_cases


def build(case):
    """The case's workspace, model and data, built as a pyhf user builds them."""
    ref = read_json(FIXTURES / "reference" / "pyhf" / f"{case['id']}.ref.json")
    ws = pyhf.Workspace(read_json(FIXTURES / case["workspace"]))
    kwargs = {}
    if "normsys" in case or "histosys" in case:
        kwargs["modifier_settings"] = {
            "normsys": {"interpcode": case.get("normsys", "code4")},
            "histosys": {"interpcode": case.get("histosys", "code4p")},
        }
    if case.get("no_poi"):
        kwargs["poi_name"] = None
    model = ws.model(measurement_name=ref.get("measurement"), **kwargs)
    return ref, ws, model, ws.data(model)


@pytest.mark.parametrize("case", reference_cases())
def test_config_matches_pyhf(case):
    ref, _, model, data = build(case)
    config = model.config
    assert config.par_order == ref["par_order"]
    assert config.par_names == ref["par_names"]
    assert config.npars == len(ref["par_names"])
    assert config.poi_name == ref["poi_name"]
    assert config.poi_index == ref["poi_index"]
    assert config.channels == ref["channels"]
    assert config.channel_nbins == ref["channel_nbins"]
    assert config.suggested_fixed() == ref["suggested_fixed"]
    assert_close(config.suggested_init(), ref["suggested_init"], 1e-12, what="suggested_init")
    assert_close(
        np.array(config.suggested_bounds()), np.array(ref["suggested_bounds"]), 1e-12,
        what="suggested_bounds",
    )
    assert_close(config.auxdata, ref["auxdata"], 1e-12, what="auxdata")
    assert_close(data, ref["data"], 1e-12, what="data")
    for name in config.par_order:
        sl = config.par_slice(name)
        assert sl.stop - sl.start == config.param_set(name).n_parameters
        names = config.par_names[sl]
        assert names == ([name] if config.param_set(name).is_scalar else
                         [f"{name}[{i}]" for i in range(len(names))])


@pytest.mark.parametrize("case", reference_cases())
def test_logpdf_and_expected_data_match_pyhf(case):
    ref, _, model, data = build(case)
    init = model.config.suggested_init()
    assert_close(
        model.expected_data(init), ref["expected_data_init"], 1e-10, 1e-12,
        what="expected_data",
    )
    nmain = model.config.nmaindata
    assert_close(model.expected_actualdata(init), ref["expected_data_init"][:nmain], 1e-10,
                 1e-12, what="expected_actualdata")
    assert_close(model.expected_auxdata(init), ref["expected_data_init"][nmain:], 1e-10,
                 1e-12, what="expected_auxdata")
    for k, point in enumerate(ref["points"]):
        value = model.logpdf(point["pars"], data)
        assert value.shape == (1,)
        assert_close(value, [point["logpdf"]], 1e-10, what=f"logpdf at point {k}")


@pytest.mark.parametrize("case", reference_cases())
def test_batched_values_and_gradients_match_pyhf(case):
    ref, _, model, data = build(case)
    points = np.array([p["pars"] for p in ref["points"]])
    values = model.logpdf_batch(points, data)
    assert_close(values, [p["logpdf"] for p in ref["points"]], 1e-10, what="logpdf_batch")
    values, grads = model.value_and_grad_batch(points, data)
    assert values.shape == (len(points),) and grads.shape == points.shape
    for k, point in enumerate(ref["points"]):
        if "grad" not in point:
            continue
        scale = max(1.0, np.max(np.abs(point["grad"])))
        assert_close(grads[k], point["grad"], 0.0, 1e-8 * scale, what=f"grad at point {k}")


@pytest.mark.parametrize("case", unevaluable_cases())
def test_models_pyhf_cannot_evaluate_are_refused_with_their_place(case):
    with pytest.raises(pyhf.exceptions.InvalidModel, match="must be positive|positive, finite"):
        build(case)
