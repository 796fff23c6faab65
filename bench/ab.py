#!/usr/bin/env python3
"""Two builds of `bench_point` side by side: the before/after figures of a change.

    bench/ab.py OLD_BENCH_POINT NEW_BENCH_POINT [--workspaces seed,1Lbb] [--ops fit,grid]
                [--rounds 5] [--sample 0.2]

Both timing servers load the same workspaces; every round times each operation on the
old binary and then the new one (the order alternates between rounds), so that a busy
machine slows both alike. Prints, per workspace and operation, the median over rounds of
each binary's per-call median and their ratio new/old (below 1: the new one is faster).
Only the standard library is needed.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")

WORKSPACES = {
    "seed": os.path.join(FIX, "reference", "workspaces", "seed_model.json"),
    "1Lbb": os.path.join(FIX, "reference", "workspaces", "1Lbb_C1N2_Wh_hbb_700_400.json"),
    "synth_30": os.path.join(FIX, "synth", "synth_30.json"),
    "synth_200": os.path.join(FIX, "synth", "synth_200.json"),
    "synth_600": os.path.join(FIX, "synth", "synth_600.json.gz"),
}


class Server:
    """One `bench_point` process, spoken to a line at a time."""

    def __init__(self, binary):
        self.p = subprocess.Popen(
            [binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = json.loads(self.p.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"{line}: {answer['error']}")
        return answer

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait()


def workspace_path(name, tmp):
    path = WORKSPACES[name]
    if path.endswith(".gz"):
        # bench_point reads plain JSON text.
        plain = os.path.join(tmp, name + ".json")
        with gzip.open(path, "rb") as f, open(plain, "wb") as out:
            out.write(f.read())
        return plain
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--workspaces", default="seed,1Lbb,synth_200")
    ap.add_argument("--ops", default="logpdf,value_and_grad,grid,fit,hypotest")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sample", type=float, default=0.2, help="seconds per timed sample")
    args = ap.parse_args()

    print("| workspace | operation | old | new | new/old |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for ws in args.workspaces.split(","):
            path = workspace_path(ws, tmp)
            servers = [Server(args.old), Server(args.new)]
            for s in servers:
                s.ask(f"load {path}")
            for op in args.ops.split(","):
                # A rep may loop over many calls inside the server (logpdf does):
                # size samples by the wall time of a rep, not by the time it reports.
                t = time.perf_counter()
                servers[0].ask(f"time {op} 3")
                per_rep = (time.perf_counter() - t) / 3
                reps = max(1, min(10_000, int(args.sample / max(per_rep, 1e-9))))
                medians = [[], []]
                for r in range(args.rounds):
                    order = (0, 1) if r % 2 == 0 else (1, 0)
                    for i in order:
                        times = servers[i].ask(f"time {op} {reps}")["times"]
                        medians[i].append(statistics.median(times))
                old, new = (statistics.median(m) for m in medians)
                print(f"| {ws} | {op} | {fmt(old)} | {fmt(new)} | {new / old:.3f} |")
                sys.stdout.flush()
            for s in servers:
                s.close()


def fmt(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


if __name__ == "__main__":
    main()
