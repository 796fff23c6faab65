"""pyhf's ``simplemodels``: one-channel signal-plus-background models with POI ``mu``.

The specs are pyhf 0.7.6's, so ``model.spec``, parameter names and numbers match
pyhf's. ``hepdata_like`` (removed from pyhf in 0.7) is kept under its old keywords,
because notebooks written against pyhf < 0.7 still call it.
"""

from .pdf import Model


def _signal(signal):
    return {
        "name": "signal",
        "data": list(signal),
        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
    }


def uncorrelated_background(signal, bkg, bkg_uncertainty, batch_size=None, validate=True):
    """Signal with a free normalisation ``mu``; background with uncorrelated per-bin
    absolute uncertainties ``bkg_uncertainty`` (a ``shapesys`` named ``uncorr_bkguncrt``).

    >>> import histfactory
    >>> model = histfactory.simplemodels.uncorrelated_background([5.0], [10.0], [3.5])
    >>> model.config.par_names
    ['mu', 'uncorr_bkguncrt[0]']
    """
    spec = {
        "channels": [
            {
                "name": "singlechannel",
                "samples": [
                    _signal(signal),
                    {
                        "name": "background",
                        "data": list(bkg),
                        "modifiers": [
                            {
                                "name": "uncorr_bkguncrt",
                                "type": "shapesys",
                                "data": list(bkg_uncertainty),
                            }
                        ],
                    },
                ],
            }
        ]
    }
    return Model(spec, batch_size=batch_size, validate=validate)


def correlated_background(signal, bkg, bkg_up, bkg_down, batch_size=None, validate=True):
    """Signal with a free normalisation ``mu``; background with a fully correlated shape
    uncertainty, templates ``bkg_up`` / ``bkg_down`` (a ``histosys`` named
    ``correlated_bkg_uncertainty``).

    >>> import histfactory
    >>> model = histfactory.simplemodels.correlated_background([5], [10], [12], [8])
    >>> model.config.par_order
    ['correlated_bkg_uncertainty', 'mu']
    """
    spec = {
        "channels": [
            {
                "name": "single_channel",
                "samples": [
                    _signal(signal),
                    {
                        "name": "background",
                        "data": list(bkg),
                        "modifiers": [
                            {
                                "name": "correlated_bkg_uncertainty",
                                "type": "histosys",
                                "data": {"hi_data": list(bkg_up), "lo_data": list(bkg_down)},
                            }
                        ],
                    },
                ],
            }
        ]
    }
    return Model(spec, batch_size=batch_size, validate=validate)


def hepdata_like(signal_data, bkg_data, bkg_uncerts, batch_size=None):
    """The pre-0.7 name of :func:`uncorrelated_background`, with its keywords
    ``signal_data``, ``bkg_data`` and ``bkg_uncerts``."""
    return uncorrelated_background(signal_data, bkg_data, bkg_uncerts, batch_size=batch_size)


__all__ = ["correlated_background", "hepdata_like", "uncorrelated_background"]
