"""Peak memory of histfactory's fits beside the size of the compiled model.

Run through `bench/memory` (it builds the command-line binary first). For each
workspace, three fresh processes of the `histfactory` binary are measured (peak resident
set size, from the kernel's rusage of each child): an empty one (`--version`), one that
loads and builds the model (`inspect`), and a fit (`fit`). The compiled arrays are what
`inspect --json` reports as `compiled_bytes`. Writes bench/out/memory.json and
bench/out/memory.md and prints the Markdown table. Memory is not timing: one run of each
is enough, but each is repeated and the smallest peak kept, as the allocator's state at
startup varies a little.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(HERE, "out")

WORKSPACES = {
    "synth_30": os.path.join(FIX, "synth", "synth_30.json"),
    "synth_200": os.path.join(FIX, "synth", "synth_200.json"),
    "synth_600": os.path.join(FIX, "synth", "synth_600.json.gz"),
}


PEAK_RSS = os.path.join(ROOT, "target", "release", "examples", "peak_rss")


def peak_rss_kb(cmd):
    """Peak resident set size of one run of `cmd`, in kB. Measured by the small `peak_rss`
    process: a child's peak starts from its parent's size at the fork, and a child of this
    Python process would never peak below Python's own ~15 MB."""
    r = subprocess.run([PEAK_RSS] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr}")
    return int(r.stdout.split()[-1])


def plain_json(name, path):
    """The workspace as a plain JSON file (the binary reads .gz too; this keeps the
    decompression out of what is measured)."""
    if not path.endswith(".gz"):
        return path
    os.makedirs(os.path.join(OUT, "ws"), exist_ok=True)
    out = os.path.join(OUT, "ws", name + ".json")
    if not os.path.exists(out):
        with gzip.open(path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspaces", default="synth_30,synth_200,synth_600")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "histfactory"))
    args = ap.parse_args()
    hf = args.binary

    def best(cmd):
        return min(peak_rss_kb(cmd) for _ in range(args.repeat))

    empty = best([hf, "--version"])
    rows = []
    for name in args.workspaces.split(","):
        ws = plain_json(name, WORKSPACES[name])
        info = json.loads(subprocess.run([hf, "inspect", ws, "--json"], check=True,
                                         capture_output=True, text=True).stdout)
        rows.append({
            "workspace": name,
            "n_pars": len(info["par_names"]),
            "compiled_bytes": info["compiled_bytes"],
            "empty_kb": empty,
            "load_kb": best([hf, "inspect", ws]),
            "fit_kb": best([hf, "fit", ws]),
        })

    def size(nbytes):
        return f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.0f} kB"

    lines = [
        "| workspace | parameters | compiled arrays | one n × n matrix | empty process | "
        "load + build | fit | fit − 2 × compiled |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["compiled_bytes"]
        fit = r["fit_kb"] * 1024
        lines.append(
            f"| {r['workspace']} | {r['n_pars']} | {size(c)} | {size(r['n_pars'] ** 2 * 8)} | "
            f"{size(r['empty_kb'] * 1024)} | {size(r['load_kb'] * 1024)} | {size(fit)} | "
            f"{size(fit - 2 * c)} |"
        )
    table = "\n".join(lines)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "memory.json"), "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.join(OUT, "memory.md"), "w") as f:
        f.write(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
