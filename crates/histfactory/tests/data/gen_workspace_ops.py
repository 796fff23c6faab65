"""Regenerates workspace_ops_expected.json with pyhf 0.7.6 (the reference implementation).

Run from the repository root:
    python -m pip install "pyhf==0.7.6"
    python crates/histfactory/tests/data/gen_workspace_ops.py

Each case names input workspaces (paths under fixtures/, optionally modified by JSON
patches), a pyhf operation and its arguments, and records either the sha256 digest of
pyhf's result (pyhf.utils.digest) or pyhf's error message together with the names that
message is about.
"""
import copy
import gzip
import json
import os

import jsonpatch
import pyhf

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
FIX = os.path.join(ROOT, "fixtures")

TWO_BIN = "data/pyhf/docs/examples/json/2-bin_1-channel.json"
EXAMPLE = "data/pyhf/tests/test_patchset/example_bkgonly.json"
SBOTTOM_A = "data/sbottom-ins1748602/RegionA/BkgOnly.json"
LBB = "data/atlas-1Lbb-ins1755298/BkgOnly.json.gz"


def load(inp):
    path = os.path.join(FIX, inp["path"])
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        spec = json.load(f)
    if inp["patch"]:
        spec = jsonpatch.JsonPatch(inp["patch"]).apply(spec)
    return pyhf.Workspace(spec)


def run(case):
    wss = [load(i) for i in case["inputs"]]
    a = case.get("args", {})
    if case["op"] == "prune":
        return wss[0].prune(**a)
    if case["op"] == "rename":
        return wss[0].rename(**a)
    if case["op"] == "sort":
        return pyhf.Workspace.sorted(wss[0])
    if case["op"] == "combine":
        return pyhf.Workspace.combine(wss[0], wss[1], **a)
    raise ValueError(case["op"])


def inp(path, *ops):
    """An input workspace: a fixture path and one JSON patch (a list of operations)."""
    return {"path": path, "patch": list(ops)}


REN_CH = [{"op": "replace", "path": "/channels/0/name", "value": "other"},
          {"op": "replace", "path": "/observations/0/name", "value": "other"}]
REN_MEAS = [{"op": "replace", "path": "/measurements/0/name", "value": "Measurement2"}]
OBS_CHANGED = [{"op": "replace", "path": "/observations/0/data/0", "value": 99.0}]
SAMPLE_RENAMED = [{"op": "replace", "path": "/channels/0/samples/1/name", "value": "signal2"}]
POI_CHANGED = [{"op": "add", "path": "/channels/0/samples/1/modifiers/-", "value": {"name": "mu2", "type": "normfactor", "data": None}},
               {"op": "replace", "path": "/measurements/0/config/poi", "value": "mu2"}]
PARAM_CHANGED = [{"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mu", "bounds": [[0, 5]]}}]
PARAM_CHANGED_R = [{"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mu", "bounds": [[0, 20]]}}]
PARAM_ADDED = [{"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "uncorr_bkguncrt", "fixed": True}}]

CASES = [
    # prune
    {"id": "prune_channel_sbottom", "op": "prune", "inputs": [inp(SBOTTOM_A)], "args": {"channels": ["VRtt_meff"]}},
    {"id": "prune_samples_sbottom", "op": "prune", "inputs": [inp(SBOTTOM_A)], "args": {"samples": ["ttH", "ttW"]}},
    {"id": "prune_modifier_sbottom", "op": "prune", "inputs": [inp(SBOTTOM_A)], "args": {"modifiers": ["EG_SCALE_ALL", "mu_ttbar"]}},
    {"id": "prune_types_sbottom", "op": "prune", "inputs": [inp(SBOTTOM_A)], "args": {"modifier_types": ["normsys", "staterror"]}},
    {"id": "prune_mixed_example", "op": "prune", "inputs": [inp(EXAMPLE)], "args": {"measurements": ["GammaExample", "ConstExample"], "modifiers": ["syst1"], "modifier_types": ["staterror"], "samples": ["background2"]}},
    {"id": "prune_poi_modifier_example", "op": "prune", "inputs": [inp(EXAMPLE)], "args": {"modifiers": ["lumi"]}},
    {"id": "prune_missing_channel", "op": "prune", "inputs": [inp(TWO_BIN)], "args": {"channels": ["nosuchchannel"]}, "names": ["nosuchchannel"]},
    {"id": "prune_missing_sample", "op": "prune", "inputs": [inp(TWO_BIN)], "args": {"samples": ["nosuchsample"]}, "names": ["nosuchsample"]},
    {"id": "prune_missing_modifier", "op": "prune", "inputs": [inp(TWO_BIN)], "args": {"modifiers": ["nosuchmod"]}, "names": ["nosuchmod"]},
    {"id": "prune_missing_type", "op": "prune", "inputs": [inp(TWO_BIN)], "args": {"modifier_types": ["histosys"]}, "names": ["histosys"]},
    {"id": "prune_missing_measurement", "op": "prune", "inputs": [inp(TWO_BIN)], "args": {"measurements": ["nosuchmeas"]}, "names": ["nosuchmeas"]},
    # rename
    {"id": "rename_all_example", "op": "rename", "inputs": [inp(EXAMPLE)], "args": {"modifiers": {"SigXsecOverSM": "mu", "syst2": "alpha_syst2"}, "samples": {"signal": "sig"}, "channels": {"channel1": "SR"}, "measurements": {"GaussExample": "Gauss"}}},
    {"id": "rename_sbottom", "op": "rename", "inputs": [inp(SBOTTOM_A)], "args": {"modifiers": {"mu_ttbar": "mu_tt", "EG_SCALE_ALL": "EG_SCALE"}, "channels": {"SR_meff": "SR"}, "samples": {"ttbar": "tt"}}},
    {"id": "rename_missing_modifier", "op": "rename", "inputs": [inp(TWO_BIN)], "args": {"modifiers": {"nosuchmod": "x"}}, "names": ["nosuchmod"]},
    {"id": "rename_missing_channel", "op": "rename", "inputs": [inp(TWO_BIN)], "args": {"channels": {"nosuchchannel": "x"}}, "names": ["nosuchchannel"]},
    # sort
    {"id": "sort_sbottom", "op": "sort", "inputs": [inp(SBOTTOM_A)]},
    {"id": "sort_example", "op": "sort", "inputs": [inp(EXAMPLE)]},
    {"id": "sort_1lbb", "op": "sort", "inputs": [inp(LBB)]},
    # combine
    {"id": "combine_none", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *REN_CH, *REN_MEAS)], "args": {"join": "none"}},
    {"id": "combine_none_clash", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *REN_MEAS)], "args": {"join": "none"}, "names": ["singlechannel", "channels"]},
    {"id": "combine_none_measurement_clash", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *REN_CH)], "args": {"join": "none"}, "names": ["Measurement", "measurements"]},
    {"id": "combine_outer_identical", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN)], "args": {"join": "outer"}},
    {"id": "combine_outer_measurement_merge", "op": "combine", "inputs": [inp(TWO_BIN, *PARAM_ADDED), inp(TWO_BIN, *REN_CH)], "args": {"join": "outer"}},
    {"id": "combine_outer_sbottom_regions", "op": "combine", "inputs": [inp(SBOTTOM_A, {"op": "remove", "path": "/channels/2"}, {"op": "remove", "path": "/observations/2"}), inp(SBOTTOM_A, {"op": "remove", "path": "/channels/0"}, {"op": "remove", "path": "/observations/0"})], "args": {"join": "outer"}},
    {"id": "combine_outer_observation_clash", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *OBS_CHANGED)], "args": {"join": "outer"}, "names": ["singlechannel", "observations"]},
    {"id": "combine_outer_channel_clash", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *SAMPLE_RENAMED)], "args": {"join": "outer"}, "names": ["singlechannel", "channels"]},
    {"id": "combine_outer_poi_clash", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *REN_CH, *POI_CHANGED)], "args": {"join": "outer"}, "names": ["Measurement", "POI"]},
    {"id": "combine_outer_param_clash", "op": "combine", "inputs": [inp(TWO_BIN, *PARAM_CHANGED), inp(TWO_BIN, *REN_CH, *PARAM_CHANGED_R)], "args": {"join": "outer"}, "names": ["Measurement", "mu", "parameter configs"]},
    {"id": "combine_left_outer", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *OBS_CHANGED, *PARAM_CHANGED)], "args": {"join": "left outer"}},
    {"id": "combine_right_outer", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *OBS_CHANGED, *PARAM_CHANGED)], "args": {"join": "right outer"}},
    {"id": "combine_outer_merge_channels", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *SAMPLE_RENAMED)], "args": {"join": "outer", "merge_channels": True}},
    {"id": "combine_right_outer_merge_channels", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *SAMPLE_RENAMED, *OBS_CHANGED)], "args": {"join": "right outer", "merge_channels": True}},
    {"id": "combine_merge_channels_needs_outer", "op": "combine", "inputs": [inp(TWO_BIN), inp(TWO_BIN, *REN_CH, *REN_MEAS)], "args": {"join": "none", "merge_channels": True}, "names": ["none"]},
]

out = []
for case in CASES:
    case = copy.deepcopy(case)
    expect_error = "names" in case
    # "names": what our error message must mention (the items pyhf names, and the kind).
    try:
        result = run(case)
    except Exception as e:  # pyhf raises InvalidWorkspaceOperation / ValueError
        if not expect_error:
            raise
        case["error"] = f"{type(e).__name__}: {e}"
    else:
        if expect_error:
            raise RuntimeError(f"{case['id']}: pyhf did not fail")
        case["digest"] = pyhf.utils.digest(result)
    out.append(case)

with open(os.path.join(os.path.dirname(__file__), "workspace_ops_expected.json"), "w") as f:
    json.dump({"generator": "pyhf " + pyhf.__version__, "cases": out}, f, indent=1, sort_keys=True)
    f.write("\n")
print(len(out), "cases")
