#!/usr/bin/env python3
"""Load on `wiretrace serve` over a 100,000-article store, with wrk on loopback.

Builds the store once (bench-out/serve/store.db) from the throughput set of
../shared/bench/reuse_gen.py --scale N (generated once, shared with
scripts/bench-reuse), starts the server on a free loopback port, and runs a
bounded wrk load (fixed duration and connections) on each endpoint group:
paths drawn at random from real ids and pages of the store. Prints requests/s,
p50/p90/p99/max latency and errors per group, and checks the p99 target.

Run through scripts/bench-serve, which installs wrk when missing.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
P99_TARGET_MS = 50.0


def get_json(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)


def start_server(wt, db):
    proc = subprocess.Popen([wt, "--db", db, "serve", "--addr", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on (http://\S+)", line)
    if not m:
        proc.kill()
        sys.exit(f"server did not start: {line!r}")
    return proc, m.group(1)


def wrk(base, paths, seconds, connections, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
             "-s", os.path.join(ROOT, "scripts", "bench_serve.lua"), base],
            env={**os.environ, "WRK_PATHS": f.name}, check=True, capture_output=True, text=True).stdout
    finally:
        os.remove(f.name)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--source", default="abe")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=int, default=15, help="wrk duration per endpoint group")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (the server gets the other core)")
    ap.add_argument("--rebuild", action="store_true", help="build the store again even if it exists")
    a = ap.parse_args()
    if not os.path.isdir(SHARED):
        sys.exit(f"needs ../shared beside the repository ({SHARED} not found)")

    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    wt = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "wiretrace")
    data = os.path.join(ROOT, "bench-out", "reuse", f"{a.source}-seed{a.seed}-scale{a.scale}")
    articles = os.path.join(data, "articles.jsonl")
    if not os.path.exists(os.path.join(data, "meta.json")):
        print(f"generating {a.scale} articles into {data} ...", flush=True)
        subprocess.run([sys.executable, os.path.join(SHARED, "bench", "reuse_gen.py"), "--source", a.source,
                        "--seed", str(a.seed), "--scale", str(a.scale), "--out", data], check=True)
    out = os.path.join(ROOT, "bench-out", "serve")
    os.makedirs(out, exist_ok=True)
    db = os.path.join(out, f"store-{a.source}-seed{a.seed}-scale{a.scale}.db")
    if a.rebuild or not os.path.exists(db):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        print(f"building the store: ingesting {articles} ...", flush=True)
        t = time.monotonic()
        code = subprocess.run([wt, "--db", db, "ingest", "--quiet", articles], stdout=subprocess.DEVNULL).returncode
        if code not in (0, 3):
            sys.exit(f"ingest failed with exit code {code}")
        print(f"  built in {time.monotonic() - t:.0f} s", flush=True)

    # Real ids: the story assignment lists every stored article and its story.
    rows = subprocess.run([wt, "--db", db, "export", "--what", "stories"], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    assignment = [json.loads(l) for l in rows]
    article_ids = [r["id"] for r in assignment]
    story_ids = sorted({r["story"] for r in assignment})

    server, base = start_server(wt, db)
    try:
        health = get_json(base, "/api/health")
        rng = random.Random(a.seed)
        n_stories = health["stories"]
        listing = get_json(base, "/api/stories?limit=200")
        outlets = sorted({o for s in listing["stories"] for o in s.get("outlets", [])})[:20] or ["example.com"]
        words = ["government", "police", "election", "market", "court", "minister", "water", "school"]
        q = urllib.parse.quote
        groups = {
            "story list, paged (/api/stories)": [
                f"/api/stories?limit=50&offset={rng.randrange(0, max(n_stories, 1))}" for _ in range(2000)],
            "story list, filtered (outlet, dates, text)": [
                rng.choice([f"/api/stories?outlet={q(rng.choice(outlets))}",
                            f"/api/stories?from=2010-01-01&to=20{rng.randrange(10, 26)}-06-30",
                            f"/api/stories?q={rng.choice(words)}"]) for _ in range(2000)],
            "one article (/api/articles/{id})": [f"/api/articles/{rng.choice(article_ids)}" for _ in range(5000)],
            "one story (/api/stories/{id})": [f"/api/stories/{rng.choice(story_ids)}" for _ in range(5000)],
            "pages (/, /stories/{id}, /articles/{id})": [
                rng.choice(["/", f"/stories/{rng.choice(story_ids)}", f"/articles/{rng.choice(article_ids)}"])
                for _ in range(3000)],
        }
        print(f"\nstore: {health['articles']} articles, {health['stories']} stories, {health['families']} families")
        print(f"load: wrk, {a.connections} connections, {a.threads} thread(s), {a.seconds} s per group, loopback\n")
        print(f"{'endpoints':<44} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}")
        worst = 0.0
        failures = 0
        for name, paths in groups.items():
            r = wrk(base, paths, a.seconds, a.connections, a.threads)
            errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["status"]
            failures += errors
            p99 = r["p99_us"] / 1000
            worst = max(worst, p99)
            print(f"{name:<44} {r['requests'] / (r['duration_us'] / 1e6):>8.0f} {r['p50_us'] / 1000:>7.1f} "
                  f"{r['p90_us'] / 1000:>7.1f} {p99:>7.1f} {r['max_us'] / 1000:>7.1f} {errors:>6}", flush=True)
        print(f"\nworst p99 {worst:.1f} ms (target < {P99_TARGET_MS:.0f} ms): {'met' if worst < P99_TARGET_MS else 'NOT met'}; "
              f"errors: {failures}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
