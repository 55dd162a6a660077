#!/usr/bin/env python3
"""Copies and reuse at scale: wiretrace against datasketch MinHash LSH, side by side.

Generates (once) a throughput set with ../shared/bench/reuse_gen.py --scale N,
ingests it into a fresh wiretrace store twice: with `--no-stories` (extraction,
fingerprints, alignment, families and sources: copies and reuse, what the
targets are about), then the whole pipeline (stories and the full-text index
too). Then runs datasketch MinHash LSH on the same texts for families. Each
system runs as its own child process; wall time and peak resident memory are
that child's (wait4 rusage). Both are scored by the set's own scorer
(../shared/bench/reuse_score.py).

With --runs N the three run N rounds, one after another in each round, and
the table gives each one's median seconds (its range beside it) and largest
peak memory: this machine's speed drifts from minute to minute, and rounds
side by side let the drift fall on both sides of a ratio.

Run through scripts/bench-reuse, which makes the venv with datasketch.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def run_measured(cmd, stdout=None):
    """Runs cmd; returns (seconds, peak RSS in MiB)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):  # 3: wiretrace stored all it could, rejected some
        sys.exit(f"{' '.join(cmd)} failed with exit code {code}")
    return seconds, usage.ru_maxrss / 1024


def score(gold, pred):
    out = subprocess.run(
        [sys.executable, os.path.join(SHARED, "bench", "reuse_score.py"), "--gold", gold, "--pred", pred],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--source", default="abe")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out", "reuse"))
    ap.add_argument("--threshold", type=float, default=0.3, help="MinHash LSH Jaccard threshold (0.3: the tuned reference)")
    ap.add_argument("--runs", type=int, default=1, help="rounds of the three runs; medians are reported")
    a = ap.parse_args()
    if not os.path.isdir(SHARED):
        sys.exit(f"needs ../shared beside the repository ({SHARED} not found)")

    data = os.path.join(a.out, f"{a.source}-seed{a.seed}-scale{a.scale}")
    articles = os.path.join(data, "articles.jsonl")
    gold = os.path.join(data, "gold.jsonl")
    if not os.path.exists(os.path.join(data, "meta.json")):
        print(f"generating {a.scale} articles into {data} ...", flush=True)
        subprocess.run([sys.executable, os.path.join(SHARED, "bench", "reuse_gen.py"), "--source", a.source,
                        "--seed", str(a.seed), "--scale", str(a.scale), "--out", data], check=True)
    n = sum(1 for _ in open(articles, encoding="utf8"))

    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    wt = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "wiretrace")
    def wiretrace(name, *flags):
        """A run: ingests the set into a fresh store; seconds and peak MiB.
        Its predictions are exported from the store the last run left."""
        db = os.path.join(a.out, f"{name}.db")

        def run():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            print(f"wiretrace ingest {' '.join(flags)}: {n} articles ...", flush=True)
            return run_measured([wt, "--db", db, "ingest", "--quiet", *flags, articles], stdout=subprocess.DEVNULL)

        def predictions():
            pred = os.path.join(a.out, f"{name}-copies.jsonl")
            rows = subprocess.run([wt, "--db", db, "export", "--what", "copies"], check=True,
                                  capture_output=True, text=True).stdout
            with open(pred, "w", encoding="utf8") as f:
                for line in rows.splitlines():
                    r = json.loads(line)
                    f.write(json.dumps({"id": r["id"], "cluster": r["family"], "source": r["source"]}) + "\n")
            return pred

        return run, predictions

    def datasketch():
        pred = os.path.join(a.out, "minhash-copies.jsonl")

        def run():
            print(f"datasketch MinHash LSH: {n} articles ...", flush=True)
            return run_measured([sys.executable, os.path.join(ROOT, "scripts", "minhash_baseline.py"),
                                 "--threshold", str(a.threshold), articles, pred])

        return run, lambda: pred

    # Copies and reuse alone (what this benchmark's targets are about), then
    # the whole pipeline, stories and full-text index included, then the peer.
    systems = [
        ("wiretrace copies+reuse (--no-stories)", *wiretrace("bench-copies", "--no-stories")),
        ("wiretrace whole pipeline (+stories, search)", *wiretrace("bench")),
        (f"datasketch LSH t={a.threshold} (families only)", *datasketch()),
    ]
    seconds = {name: [] for name, _, _ in systems}
    peak_mb = {name: 0.0 for name, _, _ in systems}
    for r in range(a.runs):
        if a.runs > 1:
            print(f"round {r + 1} of {a.runs}", flush=True)
        for name, run, _ in systems:
            secs, mb = run()
            seconds[name].append(secs)
            peak_mb[name] = max(peak_mb[name], mb)
    # Every run of a system gives the same output: it is scored once.
    scores = {name: score(gold, predictions()) for name, _, predictions in systems}
    median = {name: statistics.median(s) for name, s in seconds.items()}
    print()
    print(f"{n} articles ({a.source}, seed {a.seed}), this machine: {os.cpu_count()} cores, "
          f"{a.runs} round{'s' if a.runs > 1 else ''}")
    print(f"{'system':44} {'seconds':>8} {'range':>11} {'art/s':>8} {'peak MiB':>9} {'ARI':>6} {'B3 F1':>6} {'origin':>7}")
    for name, _, _ in systems:
        sc, lo, hi = scores[name], min(seconds[name]), max(seconds[name])
        print(f"{name:44} {median[name]:8.1f} {lo:5.1f}-{hi:<5.1f} {n / median[name]:8.0f} {peak_mb[name]:9.0f} "
              f"{sc.get('ari', 0):6.3f} {sc.get('b3_f1', 0):6.3f} {sc.get('origin_acc', 0):7.3f}")
    copies, whole, peer = (name for name, _, _ in systems)
    for label, ours in (("copies+reuse", copies), ("whole pipeline", whole)):
        print(f"ratio wiretrace {label}/datasketch: {median[peer] / median[ours]:.2f}x articles/s, "
              f"{peak_mb[ours] / peak_mb[peer]:.2f}x memory")
    if a.runs > 1:
        ratios = [d / c for c, d in zip(seconds[copies], seconds[peer])]
        print("copies+reuse/datasketch by round: " + ", ".join(f"{x:.2f}x" for x in ratios))
    print("targets (copies and reuse): >= 5000 articles/s, >= 5x datasketch, < 4096 MiB")


if __name__ == "__main__":
    main()
