"""pyhf's ``Workspace``: the workspace document as a dict, validated by the engine.

Validation and the operations (``prune``, ``rename``, ``sorted``, ``combine``) run in
Rust (``histfactory::spec``); errors name the JSON path or the item at fault.
"""

import json

from . import _core, _json
from . import exceptions
from .pdf import Model, _interp_codes


def _names(value):
    """pyhf accepts a single name or a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _pairs(mapping):
    return list((mapping or {}).items())


def _patch_ops(patch):
    """The RFC 6902 operation list of ``patch``: a list, a patchset entry
    (``{"metadata": ..., "patch": [...]}``) or an object with a ``patch`` attribute."""
    if isinstance(patch, dict) and "patch" in patch:
        return patch["patch"]
    if hasattr(patch, "patch") and not isinstance(patch, list):
        return list(patch.patch)
    return patch


class Workspace(dict):
    """A HistFactory workspace (``channels``, ``observations``, ``measurements``,
    ``version``), as ``pyhf.Workspace``.

    Raises:
        InvalidSpecification: the document is not a valid workspace; the message names
            the JSON path (``channels[1].samples[0].modifiers[2].data.hi_data: ...``).
    """

    valid_joins = ["none", "outer", "left outer", "right outer"]

    def __init__(self, spec, validate=True, **config_kwargs):
        if not isinstance(spec, dict):
            raise exceptions.InvalidSpecification(
                f"workspace: expected a JSON object (dict), found {type(spec).__name__}"
            )
        super().__init__(spec)
        self.schema = config_kwargs.pop("schema", "workspace.json")
        self.version = config_kwargs.pop("version", spec.get("version", None))
        if validate:
            _core.validate_workspace(_json.dumps(spec, "workspace"))
        self.measurement_names = [m["name"] for m in self.get("measurements", [])]
        self.observations = {o["name"]: o["data"] for o in self["observations"]}

    def __eq__(self, other):
        """Equal when the dict representations are equal."""
        if not isinstance(other, Workspace):
            return False
        return dict(self) == dict(other)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return object.__repr__(self)

    __hash__ = None

    # pyhf's channel summary -------------------------------------------------------------

    @property
    def channels(self):
        """Channel names, sorted."""
        return sorted(c["name"] for c in self["channels"])

    @property
    def samples(self):
        """Sample names of all channels, sorted and deduplicated."""
        return sorted({s["name"] for c in self["channels"] for s in c["samples"]})

    @property
    def modifiers(self):
        """``(name, type)`` of every modifier, sorted and deduplicated."""
        return sorted(
            {
                (m["name"], m["type"])
                for c in self["channels"]
                for s in c["samples"]
                for m in s["modifiers"]
            }
        )

    @property
    def parameters(self):
        """Modifier (parameter-set) names, sorted and deduplicated."""
        return sorted({name for name, _ in self.modifiers})

    @property
    def channel_nbins(self):
        """Number of bins of each channel."""
        return {c["name"]: len(c["samples"][0]["data"]) for c in self["channels"]}

    # measurements, models, data ---------------------------------------------------------

    def get_measurement(self, measurement_name=None, measurement_index=None):
        """The measurement called ``measurement_name``, else the one at
        ``measurement_index``, else the first one.

        Raises:
            InvalidMeasurement: no such measurement, or none defined.
        """
        if not self.measurement_names:
            raise exceptions.InvalidMeasurement("no measurements have been defined")
        if measurement_name is not None:
            if measurement_name not in self.measurement_names:
                raise exceptions.InvalidMeasurement(
                    f"no measurement named {measurement_name!r} (the workspace has: "
                    f"{', '.join(self.measurement_names)})"
                )
            return self["measurements"][self.measurement_names.index(measurement_name)]
        index = 0 if measurement_index is None else measurement_index
        try:
            return self["measurements"][index]
        except IndexError:
            raise exceptions.InvalidMeasurement(
                f"measurement index {index} is out of bounds: "
                f"{len(self.measurement_names)} measurement(s) are defined"
            ) from None

    def model(self, measurement_name=None, patches=None, **config_kwargs):
        """The model of a measurement, as ``pyhf.Workspace.model``.

        Args:
            measurement_name: which measurement (default: the first one).
            patches: JSON patches applied in order to the model spec
                ``{"channels": ..., "parameters": ...}`` before building.
            config_kwargs: :class:`~histfactory.Model` keywords; ``poi_name`` defaults to
                the measurement's POI (``None`` builds a model without a POI),
                ``modifier_settings`` to pyhf's codes (normsys code4, histosys code4p).
        """
        measurement_index = config_kwargs.pop("measurement_index", None)
        measurement = self.get_measurement(
            measurement_name=measurement_name, measurement_index=measurement_index
        )
        poi_name = config_kwargs.pop("poi_name", measurement["config"]["poi"])
        normsys, histosys = _interp_codes(config_kwargs.pop("modifier_settings", None))
        clip_sample = config_kwargs.pop("clip_sample_data", None)
        clip_bin = config_kwargs.pop("clip_bin_data", None)
        config_kwargs.pop("validate", None)
        for unsupported in ("batch_size", "modifier_set"):
            if config_kwargs.pop(unsupported, None) is not None:
                raise exceptions.InvalidModel(f"{unsupported}: not supported by histfactory")
        if config_kwargs:
            raise TypeError(
                "Workspace.model() got unexpected keyword arguments: "
                + ", ".join(sorted(config_kwargs))
            )
        spec = {"channels": self["channels"], "parameters": measurement["config"]["parameters"]}
        patches = [_patch_ops(p) for p in (patches or [])]
        if patches:
            # pyhf patches the model spec, not the workspace: paths start at /channels or
            # /parameters.
            patched = _core.apply_patches(_json.dumps(spec), _json.dumps(patches, "patches"))
            spec = json.loads(patched)
        return Model(
            spec,
            poi_name=poi_name,
            modifier_settings={
                "normsys": {"interpcode": normsys},
                "histosys": {"interpcode": histosys},
            },
            clip_sample_data=clip_sample,
            clip_bin_data=clip_bin,
        )

    def data(self, model, include_auxdata=True):
        """Observed main counts of ``model``'s channels (in its order), then its auxdata.

        Raises:
            KeyError: the workspace has no observation for one of the model's channels.
        """
        observed = []
        for channel in model.config.channels:
            try:
                observed += list(self.observations[channel])
            except KeyError:
                raise KeyError(
                    f"the workspace has no observation for channel {channel!r} of the model"
                ) from None
        if include_auxdata:
            observed += model.config.auxdata
        return observed

    # operations -------------------------------------------------------------------------

    def prune(self, modifiers=None, modifier_types=None, samples=None, channels=None,
              measurements=None):
        """A new workspace without the named modifiers (by name or type), samples,
        channels (with their observations) and measurements.

        Raises:
            InvalidWorkspaceOperation: a name that the workspace does not have.
        """
        out = _core.prune_workspace(
            _json.dumps(self, "workspace"),
            _names(modifiers),
            _names(modifier_types),
            _names(samples),
            _names(channels),
            _names(measurements),
        )
        return Workspace(json.loads(out), validate=False)

    def rename(self, modifiers=None, samples=None, channels=None, measurements=None):
        """A new workspace with items renamed by ``{old: new}`` mappings; renaming a
        channel renames its observation, renaming a modifier its parameter configs and POI.

        Raises:
            InvalidWorkspaceOperation: an old name that the workspace does not have.
        """
        out = _core.rename_workspace(
            _json.dumps(self, "workspace"),
            _pairs(modifiers),
            _pairs(samples),
            _pairs(channels),
            _pairs(measurements),
        )
        return Workspace(json.loads(out), validate=False)

    @classmethod
    def sorted(cls, workspace):
        """A new workspace with channels, samples, modifiers and measurements sorted by
        name, as ``pyhf.Workspace.sorted``."""
        return cls(json.loads(_core.sort_workspace(_json.dumps(workspace))), validate=False)

    @classmethod
    def combine(cls, left, right, join="none", merge_channels=False):
        """Two workspaces as one, as ``pyhf.Workspace.combine``.

        Args:
            join: ``"none"`` (no shared names), ``"outer"``, ``"left outer"`` or
                ``"right outer"``.
            merge_channels: merge the samples of same-named channels (outer joins only).

        Raises:
            InvalidWorkspaceOperation: the workspaces cannot be combined this way.
        """
        out = _core.combine_workspaces(
            _json.dumps(left), _json.dumps(right), join=join, merge_channels=merge_channels
        )
        return cls(json.loads(out), validate=False)


__all__ = ["Workspace"]
