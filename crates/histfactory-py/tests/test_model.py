"""Models built from specs and simplemodels; batched entry points; the NumPy backend."""

import threading
import time

import numpy as np
import pytest

import histfactory as pyhf
from conftest import FIXTURES, assert_close, read_json

SEED_REF = FIXTURES / "reference" / "pyhf" / "seed_model.ref.json"


@pytest.fixture(scope="module")
def seed():
    """The seed notebook's model, through its own call (``hepdata_like``)."""
    model = pyhf.simplemodels.hepdata_like(signal_data=[5.0], bkg_data=[10.0], bkg_uncerts=[3.5])
    return model, [15.0] + model.config.auxdata


def test_hepdata_like_is_the_seed_model_of_pyhf(seed):
    model, data = seed
    ref = read_json(SEED_REF)
    assert model.config.par_names == ref["par_names"]
    assert model.config.suggested_bounds() == ref["suggested_bounds"]
    assert_close(data, ref["data"], 1e-12, what="data")
    for point in ref["points"]:
        assert_close(model.logpdf(point["pars"], data), [point["logpdf"]], 1e-10, what="logpdf")


def test_uncorrelated_background_matches_hepdata_like_and_pyhf_spec(seed):
    model = pyhf.simplemodels.uncorrelated_background([5.0], [10.0], [3.5])
    assert model.spec["channels"][0]["name"] == "singlechannel"
    assert [s["name"] for s in model.spec["channels"][0]["samples"]] == ["signal", "background"]
    pars = [1.3, 0.8]
    assert model.logpdf(pars, seed[1])[0] == seed[0].logpdf(pars, seed[1])[0]
    # The seed's value at the suggested init, pyhf 0.7.6 (seed_model.ref.json points[0]).
    assert_close(model.logpdf([1.0, 1.0], seed[1]), [-4.257482273702912], 1e-10)


def test_correlated_background_has_pyhf_names_and_nominal_rates():
    model = pyhf.simplemodels.correlated_background([12.0, 11.0], [50.0, 52.0], [45.0, 57.0],
                                                    [55.0, 47.0])
    assert model.config.par_order == ["correlated_bkg_uncertainty", "mu"]
    assert model.config.channels == ["single_channel"]
    assert model.config.samples == ["background", "signal"]
    assert model.nominal_rates.shape == (1, 2, 1, 2)
    assert_close(model.nominal_rates[0, :, 0, :], [[50.0, 52.0], [12.0, 11.0]], 0.0)
    # At alpha = 1, mu = 1 the rates are the up template plus signal (histosys code4p).
    assert_close(model.expected_actualdata([1.0, 1.0]), [57.0, 68.0], 1e-12)
    by_sample = model.expected_data([1.0, 1.0], return_by_sample=True)
    assert_close(by_sample, [[45.0, 57.0], [12.0, 11.0]], 1e-12)


def test_model_from_spec_takes_poi_name_and_modifier_settings():
    spec = read_json(FIXTURES / "reference" / "workspaces" / "synth_4x20x5_sys20.json")
    ws = pyhf.Workspace(spec)
    measurement = ws.get_measurement()
    modelspec = {"channels": spec["channels"], "parameters": measurement["config"]["parameters"]}
    settings = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}
    direct = pyhf.Model(modelspec, poi_name=measurement["config"]["poi"],
                        modifier_settings=settings)
    via_ws = ws.model(modifier_settings=settings)
    data = ws.data(direct)
    # Away from alpha = 0, where every interpolation code gives the nominal.
    pars = np.array(direct.config.suggested_init()) + 0.3
    assert direct.logpdf(pars, data)[0] == via_ws.logpdf(pars, data)[0]
    default = pyhf.Model(modelspec, poi_name=measurement["config"]["poi"])
    assert default.logpdf(pars, data)[0] != direct.logpdf(pars, data)[0]
    without_poi = pyhf.Model(modelspec, poi_name=None)
    assert without_poi.config.poi_index is None and without_poi.config.poi_name is None


def test_param_set_describes_the_constraint(seed):
    model, _ = seed
    shapesys = model.config.param_set("uncorr_bkguncrt")
    assert shapesys.kind == "shapesys" and not shapesys.is_scalar
    assert shapesys.is_constrained and shapesys.pdf_type == "poisson"
    tau = (10.0 / 3.5) ** 2
    assert_close(shapesys.factors, [tau], 1e-12)
    assert_close(shapesys.width(), [1.0 / np.sqrt(tau)], 1e-12)
    mu = model.config.param_set("mu")
    assert mu.is_scalar and not mu.is_constrained and mu.suggested_bounds == [[0.0, 10.0]]
    assert model.config.par_slice("mu") == slice(0, 1)
    with pytest.raises(KeyError, match="uncorr_bkguncrt"):
        model.config.param_set("nope")


def grid(model, n):
    rng = np.random.default_rng(18)
    lo = np.array([b[0] for b in model.config.suggested_bounds()])
    init = np.array(model.config.suggested_init())
    return np.maximum(init + rng.normal(0.0, 0.2, size=(n, model.config.npars)), lo + 0.05)


@pytest.mark.parametrize("workspace", ["seed_model.json", "synth_4x20x5_sys20.json"])
def test_batch_entry_points_equal_single_calls(workspace):
    ws = pyhf.Workspace(read_json(FIXTURES / "reference" / "workspaces" / workspace))
    model = ws.model()
    data = ws.data(model)
    points = grid(model, 64)
    values = model.logpdf_batch(points, data)
    values2, grads = model.value_and_grad_batch(points, data)
    for k, p in enumerate(points):
        single = model.logpdf(p, data)[0]
        value, grad = model.value_and_grad(p, data)
        # The same kernel on the same inputs: equal to the last bit.
        assert values[k] == single and values2[k] == single and value == single
        assert np.array_equal(grads[k], grad)


@pytest.mark.parametrize("workspace", ["seed_model.json", "synth_4x20x5_sys20.json"])
def test_batch_gradients_agree_with_central_finite_differences(workspace):
    ws = pyhf.Workspace(read_json(FIXTURES / "reference" / "workspaces" / workspace))
    model = ws.model()
    data = ws.data(model)
    points = grid(model, 4)
    _, grads = model.value_and_grad_batch(points, data)
    h = 1e-6
    for k, p in enumerate(points):
        steps = np.eye(model.config.npars) * h
        fd = (model.logpdf_batch(p + steps, data) - model.logpdf_batch(p - steps, data)) / (2 * h)
        # Central differences: truncation O(h^2) and rounding O(eps |logpdf| / h).
        scale = max(1.0, np.max(np.abs(grads[k])))
        assert_close(grads[k], fd, 0.0, 1e-5 * scale, what=f"gradient at point {k}")


def test_hessian_agrees_with_differences_of_the_gradient(seed):
    model, data = seed
    pars = np.array([1.2, 0.9])
    hess = model.hessian(pars, data)
    h = 1e-6
    for i in range(2):
        step = np.eye(2)[i] * h
        fd = (model.value_and_grad(pars + step, data)[1]
              - model.value_and_grad(pars - step, data)[1]) / (2 * h)
        assert_close(hess[:, i], fd, 1e-6, 1e-6, what=f"hessian column {i}")


def test_batch_calls_release_the_gil():
    ws = pyhf.Workspace(read_json(FIXTURES / "reference" / "workspaces" / "synth_4x20x5_sys20.json"))
    model = ws.model()
    data = ws.data(model)
    points = grid(model, 20000)
    stamps = []
    stop = threading.Event()

    def stamp():
        while not stop.is_set():
            stamps.append(time.perf_counter())

    thread = threading.Thread(target=stamp)
    thread.start()
    try:
        while not stamps:
            time.sleep(0.001)
        start = time.perf_counter()
        model.value_and_grad_batch(points, data)
        model.logpdf_batch(points, data)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    # Python code in another thread runs only while the call has released the GIL: with
    # the GIL held no stamp could fall strictly inside the call.
    inside = sum(start < t < end for t in stamps)
    assert inside > 100, f"{inside} stamps during a {end - start:.3f} s call"


def test_numpy_backend_is_accepted_and_converts():
    pyhf.set_backend("numpy")
    tensorlib, optimizer = pyhf.get_backend()
    assert tensorlib.name == "numpy" and "histfactory" in str(optimizer)
    pyhf.set_backend(pyhf.tensor.numpy_backend())
    t = pyhf.tensorlib.astensor([1, 2])
    assert t.dtype == np.float64 and pyhf.tensorlib.tolist(t) == [1.0, 2.0]
    assert pyhf.tensorlib.tolist(pyhf.tensorlib.concatenate([t, t])) == [1.0, 2.0, 1.0, 2.0]
    with pytest.raises(pyhf.exceptions.InvalidBackend, match="numpy"):
        pyhf.set_backend("tensorflow")


def test_specs_may_hold_numpy_values():
    model = pyhf.simplemodels.uncorrelated_background(
        np.array([5.0]), np.array([10], dtype=np.int64), np.array([3.5])
    )
    assert_close(model.logpdf(np.array([1.0, 1.0]), np.array([15.0] + model.config.auxdata)),
                 [-4.257482273702912], 1e-10)
    with pytest.raises(pyhf.exceptions.InvalidSpecification, match="not JSON"):
        pyhf.Model({"channels": [{"name": "c", "samples": object()}]})
