#!/usr/bin/env python3
"""Story clustering on BASIL and ECB+ (dev topics), from ../shared/data.

Each set is turned into wiretrace's JSONL input (BASIL: all 300 articles with
their dates and titles; ECB+: documents rebuilt from their tokens, the first
sentence as title, no dates given (wiretrace reads the date lines some carry,
"Posted : May 24 , 2005"), the source URL line of ecbplus files dropped),
ingested into a fresh store in the order of the file (wiretrace itself takes
articles in publication order), and `export --what stories` is scored against
the gold grouping: B-cubed precision/recall/F1, adjusted Rand index and NMI.
ECB+ is scored at the event level (topic and seminal event: two similar but
different events per topic) and at the topic level.

Nothing is tuned here: wiretrace runs with its defaults.
"""

import collections
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


def bcubed(gold, pred):
    by_g, by_p = collections.defaultdict(set), collections.defaultdict(set)
    for k in gold:
        by_g[gold[k]].add(k)
        by_p[pred[k]].add(k)
    p = r = 0.0
    for k in gold:
        g, q = by_g[gold[k]], by_p[pred[k]]
        both = len(g & q)
        p += both / len(q)
        r += both / len(g)
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def ari(gold, pred):
    comb = lambda n: n * (n - 1) / 2
    table = collections.Counter((gold[k], pred[k]) for k in gold)
    a = collections.Counter(gold.values())
    b = collections.Counter(pred.values())
    index = sum(comb(n) for n in table.values())
    sa, sb = sum(comb(n) for n in a.values()), sum(comb(n) for n in b.values())
    expected = sa * sb / comb(len(gold))
    maximum = (sa + sb) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def nmi(gold, pred):
    n = len(gold)
    table = collections.Counter((gold[k], pred[k]) for k in gold)
    a = collections.Counter(gold.values())
    b = collections.Counter(pred.values())
    mi = sum(c / n * math.log(c * n / (a[g] * b[p])) for (g, p), c in table.items())
    h = lambda cnt: -sum(c / n * math.log(c / n) for c in cnt.values())
    ha, hb = h(a), h(b)
    return mi / math.sqrt(ha * hb) if ha > 0 and hb > 0 else 1.0


def basil_rows(tmp, years="all"):
    with tarfile.open(os.path.join(DATA, "basil", "BASIL.tar.xz")) as t:
        t.extractall(tmp, filter="data")
    rows, gold = [], {}
    base = os.path.join(tmp, "BASIL", "articles")
    for year in sorted(os.listdir(base)):
        if years != "all" and int(year) % 2 != (0 if years == "even" else 1):
            continue
        for name in sorted(os.listdir(os.path.join(base, year))):
            a = json.load(open(os.path.join(base, year, name), encoding="utf8"))
            paras = [" ".join(s.strip() for s in p) for p in a["body-paragraphs"]]
            aid = f"basil-{a['uuid']}"
            rows.append({"id": aid, "url": a.get("url"), "site": a["source"], "published": f"{a['date']}T12:00:00Z",
                         "title": a["title"], "text": "\n\n".join(p for p in paras if p)})
            gold[aid] = a["triplet-uuid"]
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows, {"event": gold}


def ecb_rows(tmp, topics="all"):
    with tarfile.open(os.path.join(DATA, "ecbplus-dev", "ECBplus_dev.tar.xz")) as t:
        t.extractall(tmp, filter="data")
    rows, event, topic = [], {}, {}
    base = os.path.join(tmp, "ECBplus_dev", "ECB+")
    for top in sorted(os.listdir(base), key=lambda s: int(s) if s.isdigit() else 0):
        d = os.path.join(base, top)
        if not os.path.isdir(d) or (topics != "all" and int(top) % 2 != (0 if topics == "even" else 1)):
            continue
        for name in sorted(os.listdir(d)):
            m = re.match(r"(\d+)_(\d+)(ecbplus|ecb)\.xml$", name)
            if not m:
                continue
            sents = collections.OrderedDict()
            for tok in ET.parse(os.path.join(d, name)).getroot().iter("token"):
                sents.setdefault(int(tok.get("sentence")), []).append(tok.text or "")
            lines = [" ".join(ts) for s, ts in sents.items()]
            if m.group(3) == "ecbplus" and lines and lines[0].startswith("http"):
                lines = lines[1:]
            if not lines:
                continue
            aid = f"ecb-{m.group(1)}-{m.group(2)}{m.group(3)}"
            rows.append({"id": aid, "site": f"ecb-{m.group(1)}", "title": lines[0], "text": "\n\n".join(lines[1:] or lines)})
            event[aid], topic[aid] = f"{m.group(1)}-{m.group(3)}", m.group(1)
    return rows, {"event": event, "topic": topic}


def run(name, rows, golds, exe, tmp):
    feed = os.path.join(tmp, f"{name}.jsonl")
    with open(feed, "w", encoding="utf8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    db = os.path.join(tmp, f"{name}.db")
    res = subprocess.run([exe, "--db", db, "ingest", "--quiet", feed], capture_output=True, text=True)
    if res.returncode not in (0, 3):
        sys.exit(f"ingest failed: {res.stderr}")
    out = subprocess.run([exe, "--db", db, "export", "--what", "stories"], check=True, capture_output=True, text=True).stdout
    pred = {r["id"]: r["story"] for r in map(json.loads, out.splitlines())}
    results = []
    for level, gold in golds.items():
        missing = [k for k in gold if k not in pred]
        p = {k: pred.get(k, "missing:" + k) for k in gold}
        bp, br, bf = bcubed(gold, p)
        results.append((name, level, len(gold), len(set(gold.values())), len(set(p.values())), bp, br, bf,
                        ari(gold, p), nmi(gold, p), len(missing)))
    return results


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--basil-years", choices=["all", "even", "odd"], default="all",
                    help="BASIL articles of these years only (tune on one half, report the other)")
    ap.add_argument("--ecb-topics", choices=["all", "even", "odd"], default="all",
                    help="ECB+ topics of these numbers only (even: 2 12 18 34; odd: 5 21 23 35)")
    a = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"needs ../shared beside the repository ({DATA} not found)")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "wiretrace")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("basil", lambda t: basil_rows(t, a.basil_years)), ("ecbplus-dev", lambda t: ecb_rows(t, a.ecb_topics))):
            rows, golds = make(tmp)
            results += run(name, rows, golds, exe, tmp)
    print(f"{'set':12} {'level':6} {'docs':>5} {'gold':>5} {'pred':>5} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'ARI':>6} {'NMI':>6}")
    for name, level, n, ng, npred, bp, br, bf, a, m, missing in results:
        print(f"{name:12} {level:6} {n:5} {ng:5} {npred:5} {bp:6.3f} {br:6.3f} {bf:6.3f} {a:6.3f} {m:6.3f}"
              + (f"  ({missing} not stored)" if missing else ""))


if __name__ == "__main__":
    main()
