#!/usr/bin/env python3
"""Copies and reuse on local Spark (2 cores): wiretrace's Spark job beside
text-dedup's pure-PySpark MinHash job, on the same generated input.

For each scale (--scales, default 10000,100000) the set is generated once
with ../shared/bench/reuse_gen.py --scale N (as scripts/bench-reuse does),
then each job runs as its own child process with the same Spark settings
(local[2], --partitions shuffle partitions, 2 GB driver). Reported per run:
wall seconds and articles/s; shuffle bytes written (summed over the tasks
of Spark's event log); peak memory (the whole process tree's resident
memory, sampled every 0.2 s: the JVM and its Python workers together).

text-dedup is read from a checkout at --text-dedup-commit (default
6bb8e89, the last pure-PySpark version: later ones need the GraphFrames
jar from Maven) of --text-dedup-repo (a git directory), copied to a temp
dir outside the repository and run there on a Parquet copy of the texts
(column `content`), threshold 0.7 (its default). It writes only the rows
it keeps, so its families cannot be scored; its kept count is reported.

With --quality, wiretrace's job also runs on ../shared/bench/reuse-dev and
is scored by the set's scorer like scripts/score-reuse scores the CLI.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def tree_rss(pid):
    """Resident bytes of a process and its descendants."""
    children = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                parts = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(parts[1]), []).append(int(stat.split("/")[2]))
        except (OSError, IndexError, ValueError):
            pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


def run_measured(cmd, env=None, cwd=None, log=None):
    """Runs cmd; returns (seconds, peak tree RSS in MiB)."""
    start = time.monotonic()
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    code = proc.wait()
    seconds = time.monotonic() - start
    t.join()
    if code != 0:
        tail = open(log).read()[-3000:] if log else ""
        sys.exit(f"{' '.join(cmd)} failed with exit code {code}\n{tail}")
    return seconds, peak[0] / 2**20


def shuffle_bytes(event_dir):
    """Shuffle bytes written, summed over the tasks of the event logs."""
    total = 0
    # (Spark 4 writes each application's log as a folder of rolled files.)
    for path in glob.glob(os.path.join(event_dir, "**", "*"), recursive=True):
        if not os.path.isfile(path) or os.path.basename(path).startswith((".", "appstatus")):
            continue
        if path.endswith(".zstd"):  # (compressed unless told otherwise)
            text = subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
            lines = text.decode("utf8").splitlines()
        else:
            lines = open(path, encoding="utf8")
        for line in lines:
            if '"SparkListenerTaskEnd"' not in line:
                continue
            e = json.loads(line)
            m = (e.get("Task Metrics") or {}).get("Shuffle Write Metrics") or {}
            total += m.get("Shuffle Bytes Written", 0)
    return total


def job_lines(folder):
    """The rows of one of the job's JSON Lines datasets, sorted."""
    lines = []
    for part in sorted(glob.glob(os.path.join(folder, "part-*"))):
        with open(part, encoding="utf8") as f:
            lines.extend(l.rstrip("\n") for l in f if l.strip())
    return sorted(lines)


def same_as_cli(articles, out, work):
    """Whether the job's `copies` and `passages` are byte for byte the
    CLI's (`wiretrace ingest` + `export`, after a stable sort): a note for
    the table."""
    cli = os.environ.get("WIRETRACE_BIN") or os.path.join(ROOT, "target", "release", "wiretrace")
    db = os.path.join(work, "cli-check.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    subprocess.run([cli, "--db", db, "ingest", "--quiet", "--no-stories", articles], check=True,
                   capture_output=True)
    verdict = []
    for what in ("copies", "passages"):
        exported = subprocess.run([cli, "--db", db, "export", "--what", what], check=True,
                                  capture_output=True, text=True).stdout
        mine = job_lines(os.path.join(out, f"{what}.jsonl"))
        same = mine == sorted(l for l in exported.splitlines() if l)
        verdict.append(f"{what} {'identical' if same else 'DIFFER'} ({len(mine)} rows)")
        print(f"  {what}: {'byte-identical to the CLI' if same else 'DIFFERENT from the CLI'}", flush=True)
    return "; ".join(verdict)


def spark_conf(event_dir, partitions):
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": "file://" + event_dir,
        "spark.eventLog.compress": "false",
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.default.parallelism": str(partitions),
        "spark.driver.memory": "2g",
        "spark.ui.enabled": "false",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="10000,100000")
    ap.add_argument("--source", default="abe")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out", "reuse"))
    ap.add_argument("--text-dedup-repo", default="/work/.mirror/ChenghaoMou+text-dedup/repo")
    ap.add_argument("--text-dedup-commit", default="6bb8e89")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--peer-only", action="store_true", help="run text-dedup alone")
    ap.add_argument("--quality", action="store_true")
    ap.add_argument("--no-check", action="store_true",
                    help="skip comparing the job's copies and passages with the CLI's")
    a = ap.parse_args()
    if not os.path.isdir(SHARED):
        sys.exit(f"needs ../shared beside the repository ({SHARED} not found)")
    py = sys.executable
    spark_submit = os.path.join(os.path.dirname(py), "spark-submit")
    work = tempfile.mkdtemp(prefix="bench-spark-")
    results = []
    try:
        peer = None
        if not a.no_peer:
            peer = os.path.join(work, "text-dedup", "minhash_spark.py")
            os.makedirs(os.path.dirname(peer))
            src = subprocess.run(
                ["git", "--git-dir", a.text_dedup_repo, "show", f"{a.text_dedup_commit}:text_dedup/minhash_spark.py"],
                check=True, capture_output=True,
            ).stdout
            with open(peer, "wb") as f:
                f.write(src)
        if a.quality:
            dev = os.path.join(SHARED, "bench", "reuse-dev")
            out = os.path.join(work, "dev-out")
            ev = os.path.join(work, "ev-dev")
            os.makedirs(ev)
            conf = [x for k, v in spark_conf(ev, a.partitions).items() for x in ("--conf", f"{k}={v}")]
            run_measured([py, "-m", "wiretrace.spark", os.path.join(dev, "articles.jsonl"), "--out", out,
                          "--partitions", str(a.partitions), "--master", "local[2]", *conf],
                         log=os.path.join(work, "dev.log"))
            pred = os.path.join(work, "pred.jsonl")
            with open(pred, "w", encoding="utf8") as f:
                for part in sorted(glob.glob(os.path.join(out, "copies.jsonl", "part-*"))):
                    for line in open(part, encoding="utf8"):
                        r = json.loads(line)
                        f.write(json.dumps({"id": r["id"], "cluster": r["family"], "source": r["source"]}) + "\n")
                for part in sorted(glob.glob(os.path.join(out, "passages.jsonl", "part-*"))):
                    f.write(open(part, encoding="utf8").read())
            s = subprocess.run([sys.executable, os.path.join(SHARED, "bench", "reuse_score.py"),
                                "--gold", os.path.join(dev, "gold.jsonl"), "--pred", pred],
                               check=True, capture_output=True, text=True).stdout
            print("reuse-dev (spark job, gold as paragraphs):", s.strip().splitlines()[-1], flush=True)
        for scale in [int(s) for s in a.scales.split(",") if s]:
            data = os.path.join(a.out, f"{a.source}-seed{a.seed}-scale{scale}")
            articles = os.path.join(data, "articles.jsonl")
            if not os.path.exists(os.path.join(data, "meta.json")):
                print(f"generating {scale} articles into {data} ...", flush=True)
                subprocess.run([sys.executable, os.path.join(SHARED, "bench", "reuse_gen.py"), "--source", a.source,
                                "--seed", str(a.seed), "--scale", str(scale), "--out", data], check=True)
            n = sum(1 for _ in open(articles, encoding="utf8"))
            ev = os.path.join(work, f"ev-wt-{scale}")
            os.makedirs(ev)
            conf = [x for k, v in spark_conf(ev, a.partitions).items() for x in ("--conf", f"{k}={v}")]
            if not a.peer_only:
                print(f"wiretrace spark job: {n} articles ...", flush=True)
                load = os.getloadavg()[0]
                sec, mib = run_measured(
                    [py, "-m", "wiretrace.spark", articles, "--out", os.path.join(work, f"wt-{scale}"),
                     "--partitions", str(a.partitions), "--master", "local[2]", *conf],
                    # (Kept beside the sets, not in the temp dir: the
                    # steps' seconds and a failure's cause outlive the run.)
                    log=os.path.join(a.out, f"wt-{scale}.log"),
                )
                print(f"  {sec:.1f} s, peak {mib:.0f} MiB", flush=True)
                note = "" if a.no_check else same_as_cli(articles, os.path.join(work, f"wt-{scale}"), work)
                results.append(("wiretrace spark job", n, sec, shuffle_bytes(ev), mib, load, note))
                print(results[-1], flush=True)
                shutil.rmtree(os.path.join(work, f"wt-{scale}"), ignore_errors=True)
            if peer:
                parquet = os.path.join(work, f"content-{scale}.parquet")
                conv = (
                    "import sys; from pyspark.sql import SparkSession;"
                    "s=SparkSession.builder.master('local[2]').getOrCreate();"
                    "s.read.json(sys.argv[1]).selectExpr('text as content').write.parquet(sys.argv[2]); s.stop()"
                )
                subprocess.run([py, "-c", conv, articles, parquet], check=True, capture_output=True)
                ev = os.path.join(work, f"ev-td-{scale}")
                os.makedirs(ev)
                conf = [x for k, v in spark_conf(ev, a.partitions).items() for x in ("--conf", f"{k}={v}")]
                print(f"text-dedup minhash_spark.py: {n} articles ...", flush=True)
                load = os.getloadavg()[0]
                out = os.path.join(work, f"td-{scale}")
                # spark-submit finds Spark by the python on PATH: this one.
                import pyspark

                env = dict(os.environ, SPARK_HOME=os.path.dirname(pyspark.__file__), PYSPARK_PYTHON=py,
                           PATH=os.path.dirname(py) + os.pathsep + os.environ.get("PATH", ""))
                sec, mib = run_measured(
                    [spark_submit, "--master", "local[2]", *conf, peer, "--input", parquet, "--output", out,
                     "--threshold", "0.7"],
                    env=env, cwd=os.path.dirname(peer), log=os.path.join(work, f"td-{scale}.log"),
                )
                print(f"  {sec:.1f} s, peak {mib:.0f} MiB", flush=True)
                kept = subprocess.run(
                    [py, "-c", "import sys; from pyspark.sql import SparkSession;"
                     "s=SparkSession.builder.master('local[1]').getOrCreate(); print(s.read.parquet(sys.argv[1]).count())",
                     out], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
                results.append(("text-dedup MinHash (6bb8e89)", n, sec, shuffle_bytes(ev), mib, load, f"kept {kept} rows"))
                print(results[-1], flush=True)
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(parquet, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"| job | articles | wall s | articles/s | shuffle written | peak RSS (tree) | load at start | note |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, sec, sh, mib, load, note in results:
        print(f"| {name} | {n} | {sec:.1f} | {n / sec:.0f} | {sh / 2**20:.1f} MiB | {mib:.0f} MiB | {load:.2f} | {note} |")


if __name__ == "__main__":
    main()
