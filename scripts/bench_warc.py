#!/usr/bin/env python3
"""Web archive to stored articles: wiretrace beside datatrove, on one WARC.

Builds (once) a CC-NEWS-like WARC from real pages in ../shared: ABE's 181
news pages (their gold bodies score extraction) and wceb-dev's 2,117 pages of
many sites and ages (volume and variety). Each page is a `response` record
gzipped on its own, after its `request` record, with HTTP headers as a
crawler stores them: some bodies in chunked transfer coding, some gzip
content-encoded, some with the charset only in the page.

Then, each as its own child process, timed from outside (wall time, and
peak resident memory from wait4's rusage):
- wiretrace: `wiretrace ingest crawl.warc.gz` into a fresh store: WARC
  reading, extraction, copies, reuse and stories; with one conversion thread
  (RAYON_NUM_THREADS=1) and with the default (every core);
- datatrove: its `WarcReader` then its `Trafilatura` extractor (defaults:
  favour_precision, deduplicate) then `JsonlWriter`, one task, one worker.

Extraction is scored on ABE's gold with the benchmark's metric (see
bench_extract.py) by URL. Run through scripts/bench-warc, which makes the
venv.
"""

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
ABE = os.path.join(SHARED, "data", "abe")
WCEB = os.path.join(SHARED, "data", "wceb-dev", "wceb-dev.tar.xz")  # unpacked by bench_extract.wceb_root
OUT = os.path.join(ROOT, "bench-out", "warc")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_extract import evaluate_abe as evaluate, wceb_root  # noqa: E402  (one copy of each)


def chunked(body, size=4096):
    out = bytearray()
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


def warc_record(kind, uri, date, content_type, block):
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n"
        f"WARC-Date: {date}\r\nWARC-Record-ID: <urn:uuid:{random.getrandbits(128):032x}>\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + block + b"\r\n\r\n", compresslevel=6)


def pages():
    """(url, html bytes, gold body or None) for every page, in a fixed order."""
    gold = json.load(open(os.path.join(ABE, "ground-truth.json")))
    for key in sorted(gold):
        with gzip.open(os.path.join(ABE, "html", key + ".html.gz")) as f:
            yield gold[key]["url"], f.read(), gold[key]["articleBody"]
    root = wceb_root()
    for line in open(os.path.join(root, "manifest.jsonl")):
        row = json.loads(line)
        html = open(os.path.join(root, row["html_path"]), "rb").read()
        url = row.get("url") or f"http://{row['dataset']}.wceb.example/{row['id']}"
        yield url, html, None


def build_warc(path):
    random.seed(7)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = 0
    with open(path + ".tmp", "wb") as out:
        out.write(warc_record("warcinfo", "", "2026-01-01T00:00:00Z", "application/warc-fields",
                              b"software: wiretrace bench_warc.py\r\nformat: WARC File Format 1.0\r\n"))
        for i, (url, html, _) in enumerate(pages()):
            date = f"2026-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
            request = f"GET / HTTP/1.1\r\nHost: {url.split('/')[2] if '//' in url else 'x'}\r\nUser-Agent: bench\r\n\r\n".encode()
            out.write(warc_record("request", url, date, "application/http; msgtype=request", request))
            headers = ["HTTP/1.1 200 OK", "Server: bench"]
            # The charset in the header for half the pages; else only the page says it.
            headers.append("Content-Type: text/html; charset=utf-8" if i % 2 == 0 else "Content-Type: text/html")
            body = html
            if i % 4 == 1:
                body = gzip.compress(body, compresslevel=6)
                headers.append("Content-Encoding: gzip")
            if i % 3 == 2:
                body = chunked(body)
                headers.append("Transfer-Encoding: chunked")
            else:
                headers.append(f"Content-Length: {len(body)}")
            http = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
            out.write(warc_record("response", url, date, "application/http; msgtype=response", http))
            n += 1
    os.replace(path + ".tmp", path)
    return n


def run(cmd, env=None, cwd=None):
    """Runs a child; returns (seconds, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, rusage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        sys.exit(f"{cmd[0]} failed: {err.decode(errors='replace')[-2000:]}")
    return secs, rusage.ru_maxrss / 1024, out


DATATROVE = r"""
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.writers import JsonlWriter
src, out, logs = sys.argv[1:4]
LocalPipelineExecutor(
    pipeline=[WarcReader(src, glob_pattern="*.warc.gz"), Trafilatura(), JsonlWriter(out, compression=None)],
    tasks=1, workers=1, logging_dir=logs,
).run()
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", default=os.path.join(ROOT, "target", "release", "wiretrace"))
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv-bench", "bin", "python"))
    args = ap.parse_args()
    if not os.path.isdir(ABE) or not os.path.exists(WCEB):
        sys.exit(f"needs ../shared beside the repository ({ABE}, {WCEB})")
    warc_dir = os.path.join(OUT, "in")
    warc = os.path.join(warc_dir, "crawl.warc.gz")
    if not os.path.exists(warc):
        print("building the WARC (once) ...", file=sys.stderr)
        build_warc(warc)
    gold = {url: {"articleBody": body} for url, _, body in pages() if body is not None}
    total = sum(1 for _ in pages())
    size = os.path.getsize(warc) / 2**20
    print(f"input: {warc} ({size:.1f} MiB, {total} pages: ABE {len(gold)}, wceb-dev {total - len(gold)})")

    rows = []
    for label, threads in (("wiretrace ingest, 1 conversion thread", "1"), ("wiretrace ingest, all cores", None)):
        db = os.path.join(OUT, "w.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        env = dict(os.environ)
        if threads:
            env["RAYON_NUM_THREADS"] = threads
        secs, rss, _ = run([args.exe, "--db", db, "ingest", "--quiet", warc], env=env)
        _, _, out = run([args.exe, "--db", db, "export", "--what", "articles"])
        preds = {}
        for line in out.decode().splitlines():
            a = json.loads(line)
            if a.get("url") in gold:
                preds[a["url"]] = a.get("clean_text") or ""
        rows.append((label, secs, rss, evaluate(gold, preds), len(out.splitlines())))

    dt_out = os.path.join(OUT, "datatrove-out")
    dt_logs = os.path.join(OUT, "datatrove-logs")
    subprocess.run(["rm", "-rf", dt_out, dt_logs], check=True)
    secs, rss, _ = run([args.python, "-c", DATATROVE, warc_dir, dt_out, dt_logs])
    preds, stored = {}, 0
    for name in sorted(os.listdir(dt_out)):
        for line in open(os.path.join(dt_out, name)):
            d = json.loads(line)
            stored += 1
            url = d.get("metadata", {}).get("url")
            if url in gold:
                preds[url] = d.get("text") or ""
    rows.append(("datatrove WarcReader + Trafilatura", secs, rss, evaluate(gold, preds), stored))

    print(f"{'system':40} {'s':>7} {'pages/s':>8} {'peak MiB':>9} {'stored':>7} {'ABE F1':>7} {'P':>6} {'R':>6}")
    for label, secs, rss, score, stored in rows:
        print(f"{label:40} {secs:7.1f} {total / secs:8.1f} {rss:9.0f} {stored:7d} "
              f"{score['f1']:7.3f} {score['precision']:6.3f} {score['recall']:6.3f}")
    dt = rows[-1][1]
    for label, secs, *_ in rows[:-1]:
        print(f"{label}: {dt / secs:.1f}x datatrove's pages/s")


if __name__ == "__main__":
    main()
