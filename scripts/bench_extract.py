#!/usr/bin/env python3
"""Article extraction on ABE (../shared/data/abe): wiretrace beside trafilatura.

Scores each system's article bodies with the benchmark's own metric (as its
SOURCE.md describes upstream evaluate.py: \\w+ tokens, 4-token shingle
multisets, per-page tp/fp/fn normalised to sum 1, precision and recall
averaged over pages, F1 their harmonic mean) and times it single-threaded on
the same pages, already decompressed. wiretrace runs as `wiretrace extract`
with one thread (RAYON_NUM_THREADS=1) and is timed from outside (process
start, reading files and JSON output included); trafilatura is timed in-process
(import excluded). Run through scripts/bench-extract, which makes the venv.
"""

import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ABE = os.path.join(os.path.dirname(ROOT), "shared", "data", "abe")
TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=4):
    toks = TOKEN.findall(text or "")
    return collections.Counter(tuple(toks[i:i + n]) for i in range(max(0, len(toks) - n + 1)))


def page_scores(truth, pred):
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return None
    return tp / total, fp / total, fn / total


def evaluate(gold, preds):
    precisions, recalls, exact = [], [], 0
    for key, g in gold.items():
        truth, pred = g["articleBody"], preds.get(key, "")
        if TOKEN.findall(truth) == TOKEN.findall(pred):
            exact += 1
        s = page_scores(truth, pred)
        if s is None:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        tp, fp, fn = s
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "accuracy": exact / len(gold)}


def run_wiretrace(keys, repeat):
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "wiretrace")
    # Pages are decompressed beforehand, as trafilatura gets them in memory.
    tmp = tempfile.TemporaryDirectory()
    files = []
    for k in keys:
        files.append(os.path.join(tmp.name, f"{k}.html"))
        with gzip.open(os.path.join(ABE, "html", f"{k}.html.gz")) as src, open(files[-1], "wb") as dst:
            dst.write(src.read())
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    best, out = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        res = subprocess.run([exe, "extract", *files], capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        if res.returncode not in (0, 3):
            sys.exit(f"wiretrace extract failed: {res.stderr[-2000:]}")
        best = took if best is None else min(best, took)
        out = res.stdout
    preds = {}
    for line in out.splitlines():
        row = json.loads(line)
        key = os.path.basename(row["input"]).split(".")[0]
        preds[key] = row.get("clean_text") or ""
    return preds, best


def run_trafilatura(keys, repeat, fast):
    import trafilatura

    pages = {k: gzip.open(os.path.join(ABE, "html", f"{k}.html.gz"), "rt", encoding="utf8").read() for k in keys}
    best, preds = None, {}
    for _ in range(repeat):
        start = time.perf_counter()
        for k, html in pages.items():
            preds[k] = trafilatura.extract(html, fast=fast) or ""
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return preds, best, trafilatura.__version__


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="timing runs per system (the best is kept)")
    ap.add_argument("--dump", help="write wiretrace's bodies here as {id: {articleBody}} JSON")
    ap.add_argument("--no-peers", action="store_true", help="wiretrace alone (a quick check while working)")
    a = ap.parse_args()
    if not os.path.isdir(ABE):
        sys.exit(f"needs ../shared beside the repository ({ABE} not found)")
    gold = json.load(open(os.path.join(ABE, "ground-truth.json"), encoding="utf8"))
    keys = sorted(gold)

    rows = []
    wt_preds, wt_s = run_wiretrace(keys, a.repeat)
    rows.append(("wiretrace", "", wt_s, evaluate(gold, wt_preds)))
    if a.dump:
        json.dump({k: {"articleBody": v} for k, v in wt_preds.items()}, open(a.dump, "w"), ensure_ascii=False)
    for fast in () if a.no_peers else (True, False):
        tr_preds, tr_s, version = run_trafilatura(keys, a.repeat, fast)
        rows.append((f"trafilatura {'fast' if fast else 'default'}", version, tr_s, evaluate(gold, tr_preds)))

    n = len(keys)
    print(f"\nABE, {n} pages, one thread each ({os.cpu_count()} cores on this machine; best of {a.repeat})")
    print(f"{'system':24} {'version':8} {'F1':>6} {'prec':>6} {'recall':>6} {'exact':>6} {'pages/s':>8}")
    for name, version, s, m in rows:
        print(f"{name:24} {version:8} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
              f"{m['accuracy']:6.3f} {n / s:8.0f}")
    if a.no_peers:
        return
    fastest_peer = min(s for name, _, s, _ in rows[1:])
    print(f"ratio wiretrace / fastest trafilatura: {fastest_peer / wt_s:.1f}x pages/s")
    print("targets: F1 >= 0.970, >= 1000 pages/s on one thread, >= 10x trafilatura")


if __name__ == "__main__":
    main()
