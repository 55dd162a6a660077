#!/usr/bin/env python3
"""Story assignment at scale: wiretrace beside the classic TF-IDF online
single-pass clustering (TDT) in Python, on the same stream.

Generates (once) N articles with scripts/gen_stories.py (fictional events,
about 180 a day over three years; see that file), then runs
  - wiretrace's story clustering (crates/wiretrace-stories, example
    story_throughput: the online Clusterer the pipeline drives, fed the
    stream a chunk at a time), on all N;
  - the TDT baseline below, on as much of the stream as it gets through in
    --baseline-seconds (it slows as stories accumulate),
each as its own child process; wall time and peak resident memory are that
child's (wait4 rusage). Both are scored by B-cubed against the generator's
events, on the articles each processed.

usage: scripts/bench-stories [--articles 1000000] [--baseline-seconds 300]
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(r"[a-z0-9]+")
STOP = set("the a an of in on at to and or for with by from as is was were be been are has have had it its this that "
           "said says will would after before over about than but not no more most new".split())


def run_measured(cmd):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed")
    return time.monotonic() - start, usage.ru_maxrss / 1024, out


def tdt(path, out, threshold, seconds, window_days=7, top_terms=10):
    """Single-pass TF-IDF clustering: each article joins the most similar
    live story (cosine to its centroid, candidates through an inverted index
    of the stories' terms) if above the threshold, else starts one. IDF is
    updated as articles arrive; stories untouched for a week go dormant."""
    df, n = Counter(), 0
    centroids, last, postings = [], [], defaultdict(set)
    start = time.monotonic()
    done = 0
    with open(path) as f, open(out, "w") as w:
        for line in f:
            if time.monotonic() - start > seconds:
                break
            a = json.loads(line)
            t = time.mktime(time.strptime(a["published"], "%Y-%m-%dT%H:%M:%SZ"))
            tf = Counter(x for x in TOKEN.findall((a.get("title") or "") + " " + a["text"].lower()) if x not in STOP)
            n += 1
            for term in tf:
                df[term] += 1
            vec = {term: (1 + math.log(c)) * math.log((n + 1) / (df[term] + 0.5)) for term, c in tf.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            vec = {k: v / norm for k, v in vec.items()}
            cands = set()
            for term in sorted(vec, key=vec.get, reverse=True)[:top_terms]:
                cands |= postings[term]
            best, best_sim = None, threshold
            for s in cands:
                if t - last[s] > window_days * 86400:
                    continue
                c = centroids[s]
                cn = math.sqrt(sum(v * v for v in c.values())) or 1.0
                sim = sum(v * c.get(k, 0.0) for k, v in vec.items()) / cn
                if sim >= best_sim:
                    best, best_sim = s, sim
            if best is None:
                best = len(centroids)
                centroids.append({})
                last.append(t)
            c = centroids[best]
            for k, v in vec.items():
                c[k] = c.get(k, 0.0) + v
            last[best] = max(last[best], t)
            for term in sorted(vec, key=vec.get, reverse=True)[:top_terms]:
                postings[term].add(best)
            w.write(json.dumps({"id": a["id"], "story": f"t{best}"}) + "\n")
            done += 1
    return done


def bcubed(gold_path, pred_path):
    gold = {d["id"]: d["story"] for d in map(json.loads, open(gold_path))}
    pred = {d["id"]: d["story"] for d in map(json.loads, open(pred_path))}
    ids = [i for i in pred if i in gold]
    pair = Counter((gold[i], pred[i]) for i in ids)
    g, p = Counter(gold[i] for i in ids), Counter(pred[i] for i in ids)
    prec = sum(c * c / p[pp] for (_, pp), c in pair.items()) / len(ids)
    rec = sum(c * c / g[gg] for (gg, _), c in pair.items()) / len(ids)
    return prec, rec, 2 * prec * rec / (prec + rec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-seconds", type=float, default=300)
    ap.add_argument("--baseline-threshold", type=float, default=0.3)
    a = ap.parse_args()
    out = os.path.join(ROOT, "bench-out", "stories")
    data = os.path.join(out, f"synthetic-seed{a.seed}-{a.articles}")
    articles, gold = os.path.join(data, "articles.jsonl"), os.path.join(data, "gold.jsonl")
    if not os.path.exists(os.path.join(data, "meta.json")):
        print(f"generating {a.articles} articles into {data} ...", flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_stories.py"), "--articles", str(a.articles),
                        "--seed", str(a.seed), "--out", data], check=True)
    meta = json.load(open(os.path.join(data, "meta.json")))
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "wiretrace-stories", "--example",
                    "story_throughput"], cwd=ROOT, check=True)
    wt_pred = os.path.join(out, "wiretrace-stories.jsonl")
    print(f"wiretrace: clustering {meta['articles']} articles ({meta['events']} events) ...", flush=True)
    wall, mb, line = run_measured([os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "examples", "story_throughput"), articles,
                                   "--assignments", wt_pred])
    wt = json.loads(line.strip().splitlines()[-1])
    print(f"baseline: TF-IDF single pass for up to {a.baseline_seconds:.0f} s ...", flush=True)
    bl_pred = os.path.join(out, "tdt-stories.jsonl")
    bwall, bmb, bline = run_measured([sys.executable, __file__, "--tdt-run", articles, bl_pred,
                                      str(a.baseline_threshold), str(a.baseline_seconds)])
    bdone = int(bline.strip().splitlines()[-1])

    rows = [("wiretrace (Rust, 2 cores)", wt["articles"], wt["cluster_s"], mb, wt["stories"], bcubed(gold, wt_pred)),
            ("TF-IDF single pass (Python)", bdone, bwall, bmb, len({json.loads(l)["story"] for l in open(bl_pred)}),
             bcubed(gold, bl_pred))]
    print(f"\n{'system':<30} {'articles':>9} {'seconds':>8} {'art/s':>8} {'peak MiB':>9} {'stories':>8} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}")
    for name, n, s, m, k, (p, r, f) in rows:
        print(f"{name:<30} {n:>9} {s:>8.1f} {n / s:>8.0f} {m:>9.0f} {k:>8} {p:>6.3f} {r:>6.3f} {f:>6.3f}")
    ratio = (rows[0][1] / rows[0][2]) / (rows[1][1] / rows[1][2])
    print(f"\nthroughput ratio wiretrace / baseline: {ratio:.1f}x (baseline over its first {bdone} articles; "
          f"wiretrace over all {wt['articles']}, reading the feed included)")
    print(f"wiretrace's largest story: {wt['largest_story']} articles; most stories live at once: "
          f"{wt['most_live_stories']}; the generator's events: {meta['events']}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--tdt-run":
        _, _, path, out, thr, secs = sys.argv
        print(tdt(path, out, float(thr), float(secs)))
    else:
        main()
