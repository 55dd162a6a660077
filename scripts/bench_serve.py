#!/usr/bin/env python3
"""Load on `wiretrace serve` over a 100,000-article store, with wrk on loopback.

Builds the store once (bench-out/serve/store.db) from the throughput set of
../shared/bench/reuse_gen.py --scale N (generated once, shared with
scripts/bench-reuse), starts the server on a free loopback port, and runs a
bounded wrk load (fixed duration and connections) on each endpoint group:
paths drawn at random from real ids and pages of the store. Prints requests/s,
p50/p90/p99/max latency and errors per group, and checks the p99 target.

Then two runs on every group's paths mixed:
- 64 concurrent clients: errors, and the server's resident memory (peak and
  after), against the targets (no errors, RSS < 500 MB);
- slow clients: 200 connections held open (half silent, half trickling a
  header a byte a second, reconnecting when the server closes them) while 8
  clients load the server: their p99 against the same load without them.

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
RSS_TARGET_MB = 500


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


def rss_mb(pid):
    """Resident memory now and at its peak (VmHWM), in MB."""
    now = peak = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


class SlowClients:
    """`n` connections that hold a slot: half say nothing, half trickle a
    request header one byte a second. Each is opened again when the server
    closes it, so the server always has `n` of them."""

    def __init__(self, base, n):
        import socket
        import threading
        self.socket, self.threading = socket, threading
        u = urllib.parse.urlparse(base)
        self.addr = (u.hostname, u.port)
        self.header = f"GET /api/health HTTP/1.1\r\nHost: {u.netloc}\r\n\r\n".encode()
        self.n = n
        self.stop = threading.Event()
        self.reopened = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def connect(self):
        s = self.socket.create_connection(self.addr, timeout=5)
        s.setblocking(False)
        return s

    def run(self):
        socks = [[self.connect(), 0] for _ in range(self.n)]
        while not self.stop.is_set():
            for i, (s, sent) in enumerate(socks):
                try:
                    if s.recv(1024) == b"":
                        raise ConnectionError("closed")
                except BlockingIOError:
                    pass
                except OSError:
                    s.close()
                    socks[i] = [self.connect(), 0]
                    self.reopened += 1
                    continue
                if i % 2 == 1 and sent < len(self.header) - 1:
                    try:
                        s.send(self.header[sent:sent + 1])
                        socks[i][1] += 1
                    except OSError:
                        pass
            self.stop.wait(1.0)
        for s, _ in socks:
            s.close()

    def __enter__(self):
        self.thread.start()
        time.sleep(1.5)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def row(name, r):
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["status"]
    p99 = r["p99_us"] / 1000
    print(f"{name:<44} {r['requests'] / (r['duration_us'] / 1e6):>8.0f} {r['p50_us'] / 1000:>7.1f} "
          f"{r['p90_us'] / 1000:>7.1f} {p99:>7.1f} {r['max_us'] / 1000:>7.1f} {errors:>6}", flush=True)
    return p99, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--source", default="abe")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=int, default=15, help="wrk duration per endpoint group")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (the server gets the other core)")
    ap.add_argument("--rebuild", action="store_true", help="build the store again even if it exists")
    ap.add_argument("--many", type=int, default=64, help="clients of the concurrency run")
    ap.add_argument("--slow", type=int, default=200, help="slow connections held in the slow-client run")
    ap.add_argument("--only", choices=["groups", "many", "slow"], help="run only these")
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
        rng = random.Random(a.seed)
        n_stories = len(story_ids)
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
        print(f"\nstore: {len(article_ids)} articles, {n_stories} stories")
        header = f"{'endpoints':<44} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}"
        if a.only in (None, "groups"):
            print(f"load: wrk, {a.connections} connections, {a.threads} thread(s), {a.seconds} s per group, loopback\n")
            print(header)
            worst = 0.0
            failures = 0
            for name, paths in groups.items():
                p99, errors = row(name, wrk(base, paths, a.seconds, a.connections, a.threads))
                failures += errors
                worst = max(worst, p99)
            print(f"\nworst p99 {worst:.1f} ms (target < {P99_TARGET_MS:.0f} ms): {'met' if worst < P99_TARGET_MS else 'NOT met'}; "
                  f"errors: {failures}")
        mixed = [p for paths in groups.values() for p in paths]
        if a.only in (None, "many"):
            print(f"\n{a.many} concurrent clients, every group mixed, {a.seconds} s; server RSS before: "
                  f"{rss_mb(server.pid)[0]:.0f} MB\n")
            print(header)
            _, errors = row(f"mixed, {a.many} clients", wrk(base, mixed, a.seconds, a.many, a.threads))
            now, peak = rss_mb(server.pid)
            print(f"\nserver RSS peak {peak:.0f} MB, after {now:.0f} MB (target < {RSS_TARGET_MB} MB): "
                  f"{'met' if peak < RSS_TARGET_MB else 'NOT met'}; errors: {errors} (target 0): "
                  f"{'met' if errors == 0 else 'NOT met'}")
        if a.only in (None, "slow"):
            print(f"\nslow clients: {a.connections} clients, every group mixed, {a.seconds} s, "
                  f"without and with {a.slow} slow connections held open\n")
            print(header)
            base_p99, _ = row("without slow connections", wrk(base, mixed, a.seconds, a.connections, a.threads))
            with SlowClients(base, a.slow) as slow:
                slow_p99, errors = row(f"with {a.slow} slow connections", wrk(base, mixed, a.seconds, a.connections, a.threads))
            print(f"\np99 {base_p99:.1f} ms without, {slow_p99:.1f} ms with the slow connections "
                  f"({slow.reopened} reopened after the server closed them); errors: {errors}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
