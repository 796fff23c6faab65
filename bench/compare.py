"""histfactory beside pyhf (numpy+scipy, JAX+Minuit) and nextstat, in one interleaved run.

Run through `bench/compare` (it makes the virtual environment and builds our binary).
Writes bench/out/compare.json and bench/out/compare.md and prints the Markdown table.

Method: for every workspace, the operations are timed in rounds; within a round every
engine runs every operation once, in a rotating order, so drifts in machine load (this is
a shared 2-core machine) hit every engine alike. A cell is the median over rounds. Fast
operations (logpdf, value_and_grad) are timed over many calls per sample. JAX functions
are jit-compiled and warmed up before timing (compile time excluded). Slow operations
whose first sample exceeds the budget are not repeated; pyhf toys and Python-loop grids
are timed on a subset and scaled (marked with `~`). Builds, grids, fits, hypotests and
limits are the mean over about 50 ms of warm calls (one call when slower), for every engine alike.

nextstat is used only through its public Python API, as a black box.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

import jsonpatch
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(HERE, "out")

OPS = ["build", "logpdf", "value_and_grad", "grid", "fit", "hypotest", "upper_limit", "toys"]
ENGINES = ["histfactory", "pyhf_numpy", "pyhf_jax", "nextstat"]


def load_json(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def seed_spec():
    return {
        "channels": [
            {
                "name": "singlechannel",
                "samples": [
                    {
                        "name": "signal",
                        "data": [5.0],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {
                        "name": "background",
                        "data": [10.0],
                        "modifiers": [
                            {"name": "uncorr_bkguncrt", "type": "shapesys", "data": [3.5]}
                        ],
                    },
                ],
            }
        ],
        "observations": [{"name": "singlechannel", "data": [15.0]}],
        "measurements": [{"name": "Measurement", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def patched(bkg, patch):
    return jsonpatch.apply_patch(load_json(bkg), load_json(patch))


def workspaces():
    """name -> a function returning the workspace dict."""
    sb = os.path.join(FIX, "data", "sbottom-ins1748602")
    return {
        "seed": seed_spec,
        "1Lbb": lambda: load_json(
            os.path.join(FIX, "reference", "workspaces", "1Lbb_C1N2_Wh_hbb_700_400.json")
        ),
        "sbottom_A": lambda: patched(
            os.path.join(sb, "RegionA", "BkgOnly.json"),
            os.path.join(sb, "RegionA", "patch.sbottom_1300_850_60.json"),
        ),
        "sbottom_B": lambda: patched(
            os.path.join(sb, "RegionB", "BkgOnly.json"),
            os.path.join(sb, "RegionB", "patch.sbottom_1400_550_60.json"),
        ),
        "sbottom_C": lambda: patched(
            os.path.join(sb, "RegionC", "BkgOnly.json"),
            os.path.join(sb, "RegionC", "patch.sbottom_1600_850_60.json"),
        ),
        "synth_30": lambda: load_json(os.path.join(FIX, "synth", "synth_30.json")),
        "synth_200": lambda: load_json(os.path.join(FIX, "synth", "synth_200.json")),
        "synth_600": lambda: load_json(os.path.join(FIX, "synth", "synth_600.json.gz")),
    }


def timed(fn, inner=1):
    t = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t) / inner


def inner_for(probe_seconds, target=0.05):
    """How many calls make one sample of about `target` seconds."""
    return max(1, min(2000, int(target / max(probe_seconds, 1e-7))))


def warm(fn):
    """Mean time of one call over about 50 ms of calls after a probe call (one call for
    operations slower than that). Single cold calls of microsecond operations measure
    caches and allocator state more than the operation."""
    return timed(fn, inner_for(timed(fn)))


class Histfactory:
    name = "histfactory"

    def __init__(self, binary):
        self.p = subprocess.Popen(
            [binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def setup(self, name, path, spec):
        a = self.ask(f"load {path}")
        if not a.get("ok"):
            raise RuntimeError(a)
        self.info = a

    def run(self, op, args):
        a = self.ask(f"time {op} 1")
        if "error" in a:
            return None, a["error"]
        # A warm mean over about 50 ms of calls, as `warm` does for the Python engines.
        reps = inner_for(a["times"][0])
        if reps > 1:
            a = self.ask(f"time {op} {reps}")
            return sum(a["times"]) / len(a["times"]), None
        return a["times"][0], None


class PyhfEngine:
    def __init__(self, backend):
        import pyhf

        self.pyhf = pyhf
        self.backend = backend
        self.name = "pyhf_numpy" if backend == "numpy" else "pyhf_jax"

    def use(self):
        if self.backend == "numpy":
            self.pyhf.set_backend("numpy", "scipy")
        else:
            self.pyhf.set_backend("jax", "minuit")

    def setup(self, name, path, spec):
        self.use()
        pyhf = self.pyhf
        self.spec = spec
        ws = pyhf.Workspace(spec)
        self.model = ws.model()
        self.data = pyhf.tensorlib.astensor(ws.data(self.model))
        self.init = pyhf.tensorlib.astensor(self.model.config.suggested_init())
        self.poi = self.model.config.poi_index
        if self.backend == "jax":
            import jax
            import jax.numpy as jnp

            m, d = self.model, self.data
            f = lambda p: m.logpdf(p, d)[0]
            self.f = jax.jit(f)
            self.vag = jax.jit(jax.value_and_grad(f))
            self.grid_fn = jax.jit(jax.vmap(jax.value_and_grad(f)))
            n = len(self.init)
            other = 1 if self.poi == 0 else 0
            axis = jnp.linspace(0.5, 1.5, 101)
            gx, gy = jnp.meshgrid(axis, axis)
            pts = jnp.tile(self.init, (101 * 101, 1))
            pts = pts.at[:, self.poi].set(gx.ravel()).at[:, min(other, n - 1)].set(gy.ravel())
            self.points = pts
            # compile and warm up
            self.f(self.init).block_until_ready()
            self.vag(self.init)[0].block_until_ready()

    def run(self, op, args):
        self.use()
        pyhf = self.pyhf
        m, d, init = self.model, self.data, self.init
        if op == "build":
            return warm(lambda: pyhf.Workspace(self.spec).model()), None
        if op == "logpdf":
            if self.backend == "jax":
                fn = lambda: self.f(init).block_until_ready()
            else:
                fn = lambda: m.logpdf(init, d)
            return timed(fn, inner_for(timed(fn))), None
        if op == "value_and_grad":
            if self.backend == "numpy":
                return None, "no gradients in the numpy backend"
            fn = lambda: self.vag(init)[0].block_until_ready()
            return timed(fn, inner_for(timed(fn))), None
        if op == "grid":
            if self.backend == "numpy":
                return None, "no gradients in the numpy backend"
            if not getattr(self, "grid_ready", None) is self.model:
                # compile on first use (excluded from the timing)
                self.grid_fn(self.points)[0].block_until_ready()
                self.grid_ready = self.model
            return warm(lambda: self.grid_fn(self.points)[0].block_until_ready()), None
        if op == "fit":
            return warm(lambda: pyhf.infer.mle.fit(d, m)), None
        if op == "hypotest":
            return warm(lambda: pyhf.infer.hypotest(1.0, d, m, test_stat="qtilde")), None
        if op == "upper_limit":
            ul = pyhf.infer.intervals.upper_limits.upper_limit
            if self.backend == "jax":
                # pyhf 0.7.6's root-finding upper limit fails under JAX (unhashable array
                # in its cache); its documented fixed-scan mode is timed instead.
                scan = np.linspace(0, 5, 21)
                return warm(lambda: ul(d, m, scan=scan)), "21-point scan (toms748 mode fails under JAX)"
            return warm(lambda: ul(d, m, scan=None)), None
        if op == "toys":
            if self.backend == "jax":
                return None, "not run: pyhf's toy calculator under JAX+Minuit takes many minutes"
            n = args["pyhf_toys"]
            t = timed(
                lambda: pyhf.infer.hypotest(
                    1.0, d, m, test_stat="qtilde", calctype="toybased", ntoys=n
                )
            )
            return t * 1000 / n, (None if n == 1000 else f"~{n} toys scaled to 1000")
        return None, "unknown op"


class Nextstat:
    name = "nextstat"

    def __init__(self):
        import nextstat

        self.ns = nextstat

    def setup(self, name, path, spec):
        self.text = json.dumps(spec)
        self.model = self.ns.from_pyhf(self.text)
        self.init = list(self.model.suggested_init())
        self.poi = self.model.poi_index()

    def run(self, op, args):
        ns, m, init = self.ns, self.model, self.init
        if op == "build":
            return warm(lambda: ns.from_pyhf(self.text)), None
        if op == "logpdf":
            fn = lambda: m.nll(init)
            return timed(fn, inner_for(timed(fn))), None
        if op == "value_and_grad":
            # nll and grad_nll are separate calls in its API; grad_nll alone is timed.
            fn = lambda: m.grad_nll(init)
            return timed(fn, inner_for(timed(fn))), None
        if op == "grid":
            # No batched call in its Python API: a Python loop over a sample of the grid.
            n = len(init)
            other = 1 if self.poi == 0 else 0
            k = args["grid_sample"]
            axis = np.linspace(0.5, 1.5, 101)
            pts = []
            for i in range(k):
                p = list(init)
                p[self.poi] = axis[i % 101]
                p[min(other, n - 1)] = axis[(i * 37) % 101]
                pts.append(p)

            def loop():
                for p in pts:
                    m.nll(p)
                    m.grad_nll(p)

            return timed(loop) * 10201 / k, f"~python loop, {k} points scaled"
        if op == "fit":
            return warm(lambda: ns.fit(m)), None
        if op == "hypotest":
            return warm(lambda: ns.hypotest(1.0, m)), None
        if op == "upper_limit":
            return warm(lambda: ns.upper_limit(m)), None
        if op == "toys":
            n = args["nextstat_toys"]
            t = timed(lambda: ns.hypotest_toys(1.0, m, n_toys=n))
            return t * 1000 / n, (None if n == 1000 else f"~{n} toys scaled to 1000")
        return None, "unknown op"


def estimate(fit_times, op, args):
    """Rough cost of a pyhf inference operation from its fit time (fits per operation)."""
    if not fit_times:
        return None
    fits = {"hypotest": 4, "upper_limit": 60, "toys": 4 * args["pyhf_toys"]}.get(op)
    return None if fits is None else statistics.median(fit_times) * fits


def fmt_time(t):
    if t is None:
        return "—"
    if t < 1e-3:
        return f"{t * 1e6:.3g} µs"
    if t < 1:
        return f"{t * 1e3:.3g} ms"
    return f"{t:.3g} s"


def write_outputs(results, engines, ops, rounds, echo):
    """Writes bench/out/compare.{json,md} (after every workspace, so a partial run keeps
    what it measured) and prints the table when `echo`."""
    lines = [
        "| workspace | pars | operation | " + " | ".join(e.name for e in engines)
        + " | × pyhf numpy | × pyhf JAX | × nextstat |",
        "|---" * (3 + len(engines) + 3) + "|",
    ]
    for wn, w in results["workspaces"].items():
        med, notes = w["median_seconds"], w["notes"]
        for op in ops:
            cells = []
            for e in engines:
                t = med[e.name][op]
                n = notes[e.name].get(op)
                c = fmt_time(t)
                if t is not None and n and n.startswith("~"):
                    c = "~" + c
                elif t is None and n:
                    c = "n/a"
                cells.append(c)
            ours = med.get("histfactory", {}).get(op)
            ratios = []
            for other in ["pyhf_numpy", "pyhf_jax", "nextstat"]:
                t = med.get(other, {}).get(op)
                ratios.append(f"{t / ours:.3g}×" if (t and ours) else "—")
            lines.append(f"| {wn} | {w['n_pars']} | {op} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    table = "\n".join(lines)
    notes_md = []
    for wn, w in results["workspaces"].items():
        for en, ns_ in w["notes"].items():
            for op, n in ns_.items():
                notes_md.append(f"- {wn} / {en} / {op}: {n}")
    md = (
        f"Medians over {rounds} interleaved rounds; ratio = their time / histfactory's "
        "(above 1: histfactory faster). `~` = extrapolated from a subset.\n\n"
        + table
        + "\n\nNotes:\n"
        + "\n".join(notes_md)
        + "\n"
    )
    with open(os.path.join(OUT, "compare.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(OUT, "compare.md"), "w") as f:
        f.write(md)
    if echo:
        print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds, small budgets")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--workspaces", default="all", help="comma list, e.g. seed,1Lbb")
    ap.add_argument("--ops", default="all", help="comma list of " + ",".join(OPS))
    ap.add_argument("--engines", default="all", help="comma list of " + ",".join(ENGINES))
    ap.add_argument("--budget", type=float, default=None, help="seconds: a slower sample is not repeated")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "examples", "bench_point"))
    a = ap.parse_args()
    rounds = a.rounds or (3 if a.quick else 7)
    budget = a.budget or (5.0 if a.quick else 30.0)
    args = {
        "pyhf_toys": 10 if a.quick else 50,
        "nextstat_toys": 100 if a.quick else 1000,
        "grid_sample": 101 if a.quick else 1021,
    }
    all_ws = workspaces()
    ws_names = list(all_ws) if a.workspaces == "all" else a.workspaces.split(",")
    ops = OPS if a.ops == "all" else a.ops.split(",")
    eng_names = ENGINES if a.engines == "all" else a.engines.split(",")

    makers = {
        "histfactory": lambda: Histfactory(a.binary),
        "pyhf_numpy": lambda: PyhfEngine("numpy"),
        "pyhf_jax": lambda: PyhfEngine("jax"),
        "nextstat": lambda: Nextstat(),
    }
    engines = [makers[e]() for e in eng_names]
    os.makedirs(os.path.join(OUT, "ws"), exist_ok=True)
    results = {"rounds": rounds, "quick": a.quick, "workspaces": {}}
    for wn in ws_names:
        spec = all_ws[wn]()
        path = os.path.join(OUT, "ws", wn + ".json")
        with open(path, "w") as f:
            json.dump(spec, f)
        for e in engines:
            e.setup(wn, path, spec)
        info = engines[0].info if isinstance(engines[0], Histfactory) else {}
        samples = {e.name: {op: [] for op in ops} for e in engines}
        notes = {e.name: {} for e in engines}
        skip = set()
        for r in range(rounds):
            for op in ops:
                order = engines[r % len(engines):] + engines[: r % len(engines)]
                for e in order:
                    if (e.name, op) in skip:
                        continue
                    est = estimate(samples[e.name].get("fit"), op, args)
                    if e.name.startswith("pyhf") and est is not None and est > 4 * budget:
                        notes[e.name][op] = f"skipped: estimated ~{est:.0f} s from its fit time"
                        skip.add((e.name, op))
                        continue
                    try:
                        t, note = e.run(op, args)
                    except Exception as exc:  # an engine failing an op is reported, not fatal
                        t, note = None, f"error: {type(exc).__name__}: {exc}"[:200]
                    if note:
                        notes[e.name][op] = note
                    if t is None:
                        skip.add((e.name, op))
                        continue
                    samples[e.name][op].append(t)
                    if t > budget:
                        skip.add((e.name, op))
            print(f"[{wn}] round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
        med = {
            en: {op: (statistics.median(v) if v else None) for op, v in ops_.items()}
            for en, ops_ in samples.items()
        }
        results["workspaces"][wn] = {
            "n_pars": info.get("n_pars"),
            "compiled_bytes": info.get("compiled_bytes"),
            "median_seconds": med,
            "samples": samples,
            "notes": notes,
        }
        write_outputs(results, engines, ops, rounds, echo=False)



    write_outputs(results, engines, ops, rounds, echo=True)


if __name__ == "__main__":
    main()
