"""Workspaces: measurements, data, operations, patches, digests; errors name the place."""

import copy
import json

import pytest

import histfactory as pyhf
from conftest import FIXTURES, read_json

SCHEMA_CASES = FIXTURES / "data" / "pyhf" / "tests" / "test_schema"


@pytest.fixture()
def seed_spec():
    return read_json(FIXTURES / "reference" / "workspaces" / "seed_model.json")


def test_workspace_is_a_dict_with_pyhf_summaries(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    assert dict(ws) == seed_spec
    assert ws.channels == ["singlechannel"]
    assert ws.samples == ["background", "signal"]
    assert ("mu", "normfactor") in ws.modifiers
    assert ws.measurement_names == ["meas"]
    assert ws.get_measurement()["config"]["poi"] == "mu"
    assert ws.get_measurement(measurement_name="meas") is ws["measurements"][0]


def test_data_is_observations_then_auxdata(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    model = ws.model()
    assert ws.data(model) == [15.0] + model.config.auxdata
    assert ws.data(model, include_auxdata=False) == [15.0]


def test_unknown_measurement_raises_invalid_measurement_naming_the_choices(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    with pytest.raises(pyhf.exceptions.InvalidMeasurement, match="'nope'.*meas"):
        ws.model(measurement_name="nope")
    with pytest.raises(pyhf.exceptions.InvalidMeasurement, match="index 3"):
        ws.get_measurement(measurement_index=3)


def test_patches_apply_to_the_model_spec(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    patch = [{"op": "replace", "path": "/channels/0/samples/0/data", "value": [10.0]}]
    model = ws.model(patches=[patch])
    assert model.spec["channels"][0]["samples"][0]["data"] == [10.0]
    assert model.expected_actualdata(model.config.suggested_init())[0] == pytest.approx(20.0)
    # A patchset entry ({"metadata": ..., "patch": [...]}) is accepted too.
    same = ws.model(patches=[{"metadata": {"name": "p", "values": [1]}, "patch": patch}])
    assert same.config.par_names == model.config.par_names
    bad = [{"op": "remove", "path": "/channels/5"}]
    with pytest.raises(pyhf.exceptions.InvalidWorkspaceOperation, match="patch 0"):
        ws.model(patches=[bad])


@pytest.mark.parametrize(
    "name, where",
    [
        ("model_duplicate_channels", "channels[1].name"),
        ("model_duplicate_samples", "channels[0].samples[1].name"),
        ("model_duplicate_modifiers", "channels[0].samples[0].modifiers[1].name"),
    ],
)
def test_invalid_workspaces_raise_invalid_specification_naming_the_json_path(name, where):
    spec = read_json(SCHEMA_CASES / f"{name}.json")
    with pytest.raises(pyhf.exceptions.InvalidSpecification) as err:
        pyhf.Workspace(spec) if "observations" in spec else pyhf.Model(spec)
    assert where in str(err.value)


def test_short_observation_names_the_observation():
    spec = read_json(FIXTURES / "data" / "pyhf-validation" / "pdf_clipping.json")
    with pytest.raises(pyhf.exceptions.InvalidSpecification, match=r"observations\[0\]\.data"):
        pyhf.Workspace(spec)


def test_model_spec_errors_name_the_model_spec_path(seed_spec):
    spec = {"channels": copy.deepcopy(seed_spec["channels"]), "parameters": [{"name": 3}]}
    with pytest.raises(pyhf.exceptions.InvalidSpecification, match=r"^parameters\[0\]"):
        pyhf.Model(spec)
    spec = {"channels": copy.deepcopy(seed_spec["channels"])}
    spec["channels"][0]["samples"][1]["modifiers"][0]["data"] = [1.0, 2.0]
    with pytest.raises(pyhf.exceptions.InvalidSpecification,
                       match=r"channels\[0\]\.samples\[1\]\.modifiers\[0\]\.data"):
        pyhf.Model(spec)


def test_wrong_lengths_raise_pdf_errors_with_expected_and_found(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    model = ws.model()
    with pytest.raises(pyhf.exceptions.InvalidPdfParameters, match="expected 2 values, found 3"):
        model.logpdf([1.0, 1.0, 1.0], ws.data(model))
    with pytest.raises(pyhf.exceptions.InvalidPdfData, match="expected 2 values, found 1"):
        model.logpdf([1.0, 1.0], [15.0])
    with pytest.raises(pyhf.exceptions.InvalidPdfParameters, match="found 3"):
        model.logpdf_batch([[1.0, 1.0, 1.0]], ws.data(model))
    # Every engine error is a HistFactoryError, so one except clause catches them all.
    assert issubclass(pyhf.exceptions.InvalidPdfData, pyhf.exceptions.HistFactoryError)
    assert pyhf.exceptions.InvalidPdfData.__module__ == "histfactory.exceptions"


def test_unknown_poi_and_interpolation_code_raise(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    with pytest.raises(pyhf.exceptions.InvalidModel, match="nope"):
        ws.model(poi_name="nope")
    with pytest.raises(pyhf.exceptions.InvalidInterpCode, match="code9"):
        ws.model(modifier_settings={"normsys": {"interpcode": "code9"},
                                    "histosys": {"interpcode": "code4p"}})


def test_prune_rename_sorted_combine(seed_spec):
    ws = pyhf.Workspace(seed_spec)
    pruned = ws.prune(modifiers="uncorr_bkguncrt")
    assert isinstance(pruned, pyhf.Workspace)
    assert pruned.model().config.par_names == ["mu"]
    with pytest.raises(pyhf.exceptions.InvalidWorkspaceOperation, match="nope"):
        ws.prune(samples=["nope"])
    renamed = ws.rename(channels={"singlechannel": "SR"}, modifiers={"mu": "mu_sig"})
    assert renamed.channels == ["SR"] and renamed.observations == {"SR": [15.0]}
    assert renamed.model().config.poi_name == "mu_sig"
    shuffled = copy.deepcopy(seed_spec)
    shuffled["channels"][0]["samples"].reverse()
    assert pyhf.Workspace.sorted(pyhf.Workspace(shuffled)) == pyhf.Workspace.sorted(ws)
    with pytest.raises(pyhf.exceptions.InvalidWorkspaceOperation):
        pyhf.Workspace.combine(ws, ws)
    combined = pyhf.Workspace.combine(ws, renamed.rename(measurements={"meas": "meas2"}))
    assert combined.channels == ["SR", "singlechannel"]
    assert combined.measurement_names == ["meas", "meas2"]


def test_digest_is_pyhf_utils_digest():
    # pyhf.utils.digest hashes json.dumps(obj, sort_keys=True, ensure_ascii=False) as UTF-8
    # (default separators), so hashlib on that text is the reference.
    import hashlib

    obj = {"b": [1, 2], "a": 1.0, "name": "r\u00e9gion"}
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")
    assert pyhf.utils.digest(obj) == hashlib.sha256(text).hexdigest()
    assert pyhf.utils.digest(obj, algorithm="md5") == hashlib.md5(text).hexdigest()
    with pytest.raises(ValueError):
        pyhf.utils.digest(obj, algorithm="nope")
