"""Regenerates poisson_precision_expected.json: Poisson log-probabilities to 60 digits.

Run from the repository root:
    python -m pip install mpmath "pyhf==0.7.6"
    python crates/histfactory/tests/data/gen_poisson_precision.py

Every value is computed by mpmath at 60 significant digits from the exact binary64 inputs
the Rust code sees (rates and tau rounded exactly as the model rounds them), then rounded
once to the nearest double. pyhf 0.7.6 (numpy backend) evaluates the same models in its
own `n ln(lam) - lam - lgamma(n+1)` form; its values are recorded next to ours where the
two differ, so the tests can say by how much pyhf loses digits. Without pyhf installed
those fields are left out.
"""
import json
import os

import mpmath as mp

mp.mp.dps = 60

try:
    import pyhf
except ImportError:  # pragma: no cover
    pyhf = None

HERE = os.path.dirname(os.path.abspath(__file__))


def pois(n, lam):
    """n ln(lam) - lam - lnGamma(n+1) for exact binary64 inputs, at 60 digits."""
    n, lam = mp.mpf(n), mp.mpf(lam)
    if n == 0:
        return -lam
    return n * mp.log(lam) - lam - mp.loggamma(n + 1)


def digits(x):
    return mp.nstr(x, 30)


# 1. Main bins: a single bin with one normfactor `mu`, nominal `lam`, observed `n`,
#    evaluated at mu = 1 (so the rate is `lam` exactly). d logpdf / d mu = n - lam.
main = []
for n in [1.0, 5.0, 9.75, 10.0, 37.5, 400.0, 1e4, 123456.789, 1e6, 1e9, 4.5e10, 1e12]:
    for rel in [0.0, 1e-12, -3e-10, 1e-6, -2e-4, 1e-3, 0.05, -0.1, -0.29, 0.3, 0.42,
                -0.31, 1.0, 10.0, -0.9, -0.999]:
        lam = n * (1.0 + rel)
        v = pois(n, lam)
        main.append({
            "n": n,
            "lam": lam,
            "logpdf": float(v),
            "logpdf_digits": digits(v),
            "dlogpdf_dmu": float(mp.mpf(n) - mp.mpf(lam)),
        })
main.append({"n": 0.0, "lam": 3.5, "logpdf": -3.5, "logpdf_digits": "-3.5",
             "dlogpdf_dmu": -3.5})

# 2. shapesys: pyhf.simplemodels.uncorrelated_background(signal, bkg, uncertainty) with
#    tau = (bkg/uncertainty)^2 up to 1e12 (the case: 0.001 on 400, tau = 1.6e11).
#    Parameters [mu, gamma]; the main rate is mu*signal + gamma*bkg rounded as the model
#    rounds it, the constraint's rate gamma*tau is exact (the auxdata is tau itself).
shapesys = []
for sig, bkg, unc, obs in [
    (5.0, 400.0, 0.001, 405.0),
    (5.0, 400.0, 0.001, 430.0),
    (12.0, 435.0, 0.001, 441.0),
    (5.0, 10.0, 3.5, 15.0),
    (50.0, 1e6, 1.0, 1000040.0),
    (1.0, 1e3, 1e-3, 1003.0),
]:
    t = bkg / unc
    tau = t * t
    for mu, gamma in [(1.0, 1.0), (1.0, 1.0 + 3e-6), (0.5, 1.0 - 2e-6), (1.0, 0.97),
                      (2.0, 1.2)]:
        nu = mu * 1.0 * sig + 1.0 * gamma * bkg
        a = mp.mpf(tau)
        g = mp.mpf(gamma)
        v = pois(obs, nu) + a * mp.log(g * a) - g * a - mp.loggamma(a + 1)
        w = mp.mpf(obs) / mp.mpf(nu) - 1
        grad = [w * sig, w * bkg + a / g - a]
        case = {
            "signal": sig, "bkg": bkg, "uncertainty": unc, "obs": obs, "tau": tau,
            "pars": [mu, gamma],
            "logpdf": float(v), "logpdf_digits": digits(v),
            "grad": [float(x) for x in grad],
        }
        if pyhf is not None:
            model = pyhf.simplemodels.uncorrelated_background([sig], [bkg], [unc])
            assert model.config.auxdata[0] == tau
            data = [obs] + model.config.auxdata
            case["pyhf_logpdf"] = float(model.logpdf([mu, gamma], data)[0])
        shapesys.append(case)

out = {
    "generator": "gen_poisson_precision.py, mpmath %s at %d digits%s" % (
        mp.__version__, mp.mp.dps,
        (", pyhf %s" % pyhf.__version__) if pyhf is not None else ""),
    "main": main,
    "shapesys": shapesys,
}
with open(os.path.join(HERE, "poisson_precision_expected.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
