#!/usr/bin/env python3
"""Article extraction on ABE and wceb-dev: wiretrace beside trafilatura.

Two sets from ../shared/data, each scored with its own metric:

- ABE (abe/): as its SOURCE.md describes upstream evaluate.py: \\w+ tokens,
  4-token shingle multisets, per-page tp/fp/fn normalised to sum 1, precision
  and recall averaged over pages, F1 their harmonic mean.
- wceb-dev (wceb-dev/, CleanEval and Dragnet pages of WCEB): scored by that
  set's own score.py (ROUGE-LSum F1 per page, mean over pages), Dragnet with
  and without the reader comments its gold carries (`--no-comments`).

Both systems run on one thread over the same pages. wiretrace runs as
`wiretrace extract` (RAYON_NUM_THREADS=1), timed from outside (process start,
reading files and JSON output included); trafilatura 2.3.1 runs in-process
with include_comments=False (wiretrace leaves comments out too), import
excluded. The report lists the pages where wiretrace finds "no article text"
though the gold has a body. Run through scripts/bench-extract, which makes the
venv (trafilatura, and NLTK and numpy for score.py).
"""

import argparse
import collections
import gzip
import importlib.util
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
ABE = os.path.join(SHARED, "abe")
WCEB = os.path.join(SHARED, "wceb-dev")
TOKEN = re.compile(r"\w+", re.UNICODE)


# ------------------------------------------------------------------ ABE metric
# {system: [pages, CPU seconds of its best runs]}: beside the clock, which other work on the machine slows.
CPU = collections.defaultdict(lambda: [0, 0.0])


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


def evaluate_abe(gold, preds):
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


# ------------------------------------------------------------------ the sets
class Page:
    __slots__ = ("key", "path", "dataset")

    def __init__(self, key, path, dataset):
        self.key, self.path, self.dataset = key, path, dataset


def abe_pages(tmp):
    """ABE's pages, decompressed beforehand (trafilatura gets them in memory)."""
    gold = json.load(open(os.path.join(ABE, "ground-truth.json"), encoding="utf8"))
    pages = []
    for k in sorted(gold):
        path = os.path.join(tmp, f"{k}.html")
        with gzip.open(os.path.join(ABE, "html", f"{k}.html.gz")) as src, open(path, "wb") as dst:
            dst.write(src.read())
        pages.append(Page(k, path, "abe"))
    return gold, pages


def wceb_root():
    """wceb-dev unpacked once into $BENCH_DATA, else target/bench-data (outside the repository's files)."""
    dest = os.environ.get("BENCH_DATA") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "bench-data")
    root = os.path.join(dest, "wceb-dev")
    if not os.path.exists(os.path.join(root, "manifest.jsonl")):
        os.makedirs(dest, exist_ok=True)
        with tarfile.open(os.path.join(WCEB, "wceb-dev.tar.xz")) as tar:
            tar.extractall(dest, filter="data")
    return root


def wceb_pages(root):
    rows = [json.loads(line) for line in open(os.path.join(root, "manifest.jsonl"), encoding="utf8") if line.strip()]
    return rows, [Page(r["id"], os.path.join(root, r["html_path"]), r["dataset"]) for r in rows]


# ------------------------------------------------------------------ the systems
def wiretrace_exe(a):
    if a.exe:
        return a.exe
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "wiretrace"], cwd=ROOT, check=True)
    return os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "wiretrace")


def run_wiretrace(exe, pages, repeat):
    """({key: text}, {key: error}, best seconds) for one `wiretrace extract` over the pages."""
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    by_path = {p.path: p.key for p in pages}
    best, out, cpu = None, None, None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        res = subprocess.run([exe, "extract", *by_path], capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if res.returncode not in (0, 3):
            sys.exit(f"wiretrace extract failed: {res.stderr[-2000:]}")
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = took if best is None else min(best, took)
        cpu = used if cpu is None else min(cpu, used)
        out = res.stdout
    CPU["wiretrace"][0] += len(pages)
    CPU["wiretrace"][1] += cpu
    preds, errors = {}, {}
    for line in out.splitlines():
        row = json.loads(line)
        key = by_path[row["input"]]
        if "error" in row:
            errors[key] = row["error"]
        preds[key] = row.get("clean_text") or ""
    return preds, errors, best


def run_trafilatura(pages, repeat):
    import trafilatura

    data = {p.key: open(p.path, "rb").read() for p in pages}
    best, preds, cpu = None, {}, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for k, html in data.items():
            preds[k] = trafilatura.extract(html, include_comments=False) or ""
        took, used = time.perf_counter() - start, time.process_time() - start_cpu
        best = took if best is None else min(best, took)
        cpu = used if cpu is None else min(cpu, used)
    CPU["trafilatura"][0] += len(pages)
    CPU["trafilatura"][1] += cpu
    return preds, best, trafilatura.__version__


# ------------------------------------------------------------------ wceb scoring
def load_score_py():
    spec = importlib.util.spec_from_file_location("wceb_score", os.path.join(WCEB, "score.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SCORE = None  # wceb-dev's score.py, loaded when that set runs


def _page(args):
    """score.py's (P, R, F1) of one page, with and without the reader comments in its gold."""
    gold, text = args
    full = SCORE.rouge_lsum(gold, text)
    cut = SCORE.COMMENTS.search(gold)
    return full, (SCORE.rouge_lsum(gold[: cut.start()], text) if cut else full)


def score_wceb(root, rows, preds, jobs):
    """score.py's figures for these predictions, with and without comments: {mode: {dataset: {...}}}.

    Each page is scored once with score.py's own rouge_lsum (twice where the gold carries comments),
    over `jobs` processes; the means and empty counts are score.py main's."""
    work = [(open(os.path.join(root, m["gold_path"]), encoding="utf8", errors="replace").read(),
             preds.get(m["id"], "")) for m in rows]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            scores = pool.map(_page, work, chunksize=8)
    else:
        scores = list(map(_page, work))
    out = {}
    for mode in (0, 1):
        per, empty = collections.defaultdict(list), collections.Counter()
        for m, (_, text), s in zip(rows, work, scores):
            empty[m["dataset"]] += not text.strip()
            per[m["dataset"]].append(s[mode])
        res = {}
        for ds, got in sorted(per.items()):
            p, r, f = (sum(x[i] for x in got) / len(got) for i in range(3))
            res[ds] = {"p": p, "r": r, "f1": f, "pages": len(got), "empty": empty[ds]}
        allrows = [x for got in per.values() for x in got]
        res["all"] = {"f1": sum(x[2] for x in allrows) / len(allrows), "pages": len(allrows)}
        out["no-comments" if mode else "full"] = res
    out["per_page"] = {m["id"]: s[1][2] for m, s in zip(rows, scores)}
    return out


def gold_has_body(root, m):
    return bool(open(os.path.join(root, m["gold_path"]), encoding="utf8", errors="replace").read().strip())


# ------------------------------------------------------------------ report
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="wiretrace timing runs (the best is kept)")
    ap.add_argument("--peer-repeat", type=int, default=1, help="trafilatura timing runs (the best is kept)")
    ap.add_argument("--sets", default="abe,wceb", help="comma-separated: abe, wceb")
    ap.add_argument("--exe", help="a wiretrace binary to run instead of building this checkout's")
    ap.add_argument("--no-peers", action="store_true", help="wiretrace alone (a quick check while working)")
    ap.add_argument("--dump", help="write wiretrace's texts here as JSON lines {set, id, text, error}")
    ap.add_argument("--per-page", help="write per-page wceb-dev F1 (--no-comments) of each system here as JSON")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes scoring wceb-dev (not timed)")
    a = ap.parse_args()
    sets = [s.strip() for s in a.sets.split(",") if s.strip()]
    for s in sets:
        need = {"abe": ABE, "wceb": WCEB}.get(s)
        if need is None:
            sys.exit(f"unknown set {s!r} (abe, wceb)")
        if not os.path.isdir(need):
            sys.exit(f"needs ../shared beside the repository ({need} not found)")
    exe = wiretrace_exe(a)
    tmp = tempfile.TemporaryDirectory()
    dump = open(a.dump, "w", encoding="utf8") if a.dump else None
    speed = {}  # set -> [(system, pages, seconds)]
    print(f"one thread per system ({os.cpu_count()} cores on this machine); wiretrace best of {a.repeat}, "
          f"trafilatura best of {a.peer_repeat}")

    if "abe" in sets:
        gold, pages = abe_pages(tmp.name)
        rows = []
        wt, wt_err, wt_s = run_wiretrace(exe, pages, a.repeat)
        rows.append(("wiretrace", "", wt_s, evaluate_abe(gold, wt)))
        if dump:
            for k, text in wt.items():
                dump.write(json.dumps({"set": "abe", "id": k, "text": text, "error": wt_err.get(k)}) + "\n")
        if not a.no_peers:
            tr, tr_s, version = run_trafilatura(pages, a.peer_repeat)
            rows.append(("trafilatura", version, tr_s, evaluate_abe(gold, tr)))
        n = len(pages)
        speed["abe"] = [(name, n, s) for name, _, s, _ in rows]
        print(f"\nABE, {n} pages (ABE's metric)")
        print(f"{'system':24} {'version':8} {'F1':>6} {'prec':>6} {'recall':>6} {'exact':>6} {'pages/s':>8}")
        for name, version, s, m in rows:
            print(f"{name:24} {version:8} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
                  f"{m['accuracy']:6.3f} {n / s:8.0f}")
        no_text = [k for k, e in wt_err.items() if gold[k]["articleBody"].strip()]
        print(f"wiretrace returns no article on {len(no_text)} ABE pages with a gold body"
              + (f": {', '.join(sorted(no_text))}" if no_text else ""))

    if "wceb" in sets:
        global SCORE
        root = wceb_root()
        SCORE = load_score_py()
        rows, pages = wceb_pages(root)
        systems = []
        wt, wt_err, wt_s = run_wiretrace(exe, pages, a.repeat)
        systems.append(("wiretrace", "", wt_s, wt))
        if dump:
            for k, text in wt.items():
                dump.write(json.dumps({"set": "wceb", "id": k, "text": text, "error": wt_err.get(k)}) + "\n")
        if not a.no_peers:
            tr, tr_s, version = run_trafilatura(pages, a.peer_repeat)
            systems.append(("trafilatura", version, tr_s, tr))
        n = len(pages)
        speed["wceb"] = [(name, n, s) for name, _, s, _ in systems]
        print(f"\nwceb-dev, {n} pages (score.py: ROUGE-LSum mean page F1)")
        print(f"{'system':24} {'version':8} {'cleaneval':>9} {'dragnet':>8} {'dragnet-nc':>10} {'all-nc':>7} "
              f"{'empty':>6} {'pages/s':>8}")
        pp = {}
        for name, version, s, preds in systems:
            got = score_wceb(root, rows, preds, a.jobs)
            full, nc = got["full"], got["no-comments"]
            empty = sum(v.get("empty", 0) for k, v in full.items() if k != "all")
            print(f"{name:24} {version:8} {full['cleaneval']['f1']:9.3f} {full['dragnet']['f1']:8.3f} "
                  f"{nc['dragnet']['f1']:10.3f} {nc['all']['f1']:7.3f} {empty:6d} {n / s:8.0f}")
            pp[name] = got["per_page"]
        by_id = {m["id"]: m for m in rows}
        no_text = sorted((by_id[k]["dataset"], k) for k, e in wt_err.items()
                         if e == "no article text found" and gold_has_body(root, by_id[k]))
        other = sorted((by_id[k]["dataset"], k, e) for k, e in wt_err.items() if e != "no article text found")
        print(f"wiretrace returns \"no article text found\" on {len(no_text)} wceb-dev pages with a gold body"
              + "".join(f"\n  {ds}/{k}" for ds, k in no_text))
        if other:
            print(f"wiretrace refuses {len(other)} other pages" + "".join(f"\n  {ds}/{k}: {e}" for ds, k, e in other))
        if a.per_page:
            json.dump(pp, open(a.per_page, "w"), indent=0)

    if dump:
        dump.close()
    if not a.no_peers:
        print("\nspeed, one thread, both sets together:")
        total = collections.defaultdict(lambda: [0, 0.0])
        for rows in speed.values():
            for name, n, s in rows:
                total[name][0] += n
                total[name][1] += s
        for name, (n, s) in total.items():
            cn, cs = CPU[name]
            print(f"  {name:24} {n / s:8.0f} pages/s by the clock, {cn / cs:8.0f} pages per CPU second")
        if "wiretrace" in total and "trafilatura" in total:
            wn, ws = total["wiretrace"]
            tn, ts = total["trafilatura"]
            print(f"  ratio wiretrace / trafilatura: {(wn / ws) / (tn / ts):.1f}x pages/s, "
                  f"{(CPU['wiretrace'][0] / CPU['wiretrace'][1]) / (CPU['trafilatura'][0] / CPU['trafilatura'][1]):.1f}x per CPU second")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f} (by the clock is what a user sees on a quiet "
              f"machine; per CPU second holds when other work shares the cores)")
    print("targets: CleanEval >= .87, Dragnet --no-comments >= .91, ABE F1 >= .970, "
          ">= 1000 pages/s on one thread and >= 10x trafilatura, no page with a gold body left empty")


if __name__ == "__main__":
    main()
