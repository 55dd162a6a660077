#!/usr/bin/env python3
"""Trains the token tagger of the quotes stage (crates/wiretrace-quotes/src/tagger.rs)
on PolNeAR train: each token labelled O, or B/I of CONTENT (C), SOURCE (S) or CUE (Q),
by a greedy averaged perceptron over the features the stage gives (`quotes tokens`,
built with cargo) and the two labels before each token.

Gold labels: a token is content if it lies in an attribution's content (the largest
content holding it owns it: a nested attribution is part of its outer content), else
source or cue; a label begins (B) where the owner changes. Where an article has several
annotators, the first .ann file (sorted by name) is the gold, as the scorer has it.

Weights to patterns/tagger.tsv: feature<TAB>label:weight ... for the weights whose size is
at least --least, of the features seen at least --min-count times in train, sorted.
The documents are read in name order, the tokens in text order, a fixed number of
epochs, no randomness: the same data always gives the same files.

--beam N (N > 1) trains over a beam of N label sequences instead of greedily, with
early updates (see train_beam); --stacked gives the tagger the labels of the rules'
attributions (the ensemble's, as `quotes tokens --stacked` prints them) as features.
The model file tells the stage both ('#! beam=4 stacked'), so that it decodes as trained.

usage: scripts/learn_tagger.py [--epochs N] [--least X] [--min-count N] [--beam N] [--stacked] [--out FILE]
(run by scripts/learn-quotes after the cue model and the filter, whose cue words it sees)
"""
import argparse, os, re, subprocess, sys, time

from learn_quotes import train_compartment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["O", "B-C", "I-C", "B-S", "I-S", "B-Q", "I-Q"]
N = len(LABELS)
ROLE = {"Content": 1, "Source": 2, "Cue": 3}


def gold_spans(comp):
    """doc -> list of attributions, each {role: [(start, end), ...]}."""
    gold, seen = {}, set()
    for ann in sorted(os.listdir(os.path.join(comp, "attributions"))):
        doc = re.sub(r"(_[0-9a-f]{4})?\.ann$", "", ann) + ".txt"
        if doc in seen:
            continue
        seen.add(doc)
        spans, rels = {}, []
        for line in open(os.path.join(comp, "attributions", ann), encoding="utf8"):
            f = line.rstrip("\n").split("\t")
            if len(f) > 1 and f[0].startswith("T"):
                kind, locs = f[1].split(" ", 1)
                try:
                    spans[f[0]] = [tuple(map(int, p.split())) for p in locs.split(";")]
                except ValueError:
                    continue
            elif len(f) > 1 and f[0].startswith("E"):
                rels.append(dict(x.split(":") for x in f[1].split()))
        gold[doc] = [{r: spans.get(rel.get(r), []) for r in ROLE} for rel in rels]
    return gold


def label(toks, atts):
    """The gold label index of each token (toks: [(start, end, para_start)])."""
    n = len(toks)
    starts = [t[0] for t in toks]
    owner = [None] * n

    def covered(parts):
        out = []
        for s, e in parts:
            # tokens whose first character lies in [s, e)
            lo, hi = 0, n
            while lo < hi:
                m = (lo + hi) // 2
                if starts[m] < s:
                    lo = m + 1
                else:
                    hi = m
            k = lo
            while k < n and starts[k] < e:
                out.append(k)
                k += 1
        return out

    for role in ("Content", "Source", "Cue"):
        cov = [(covered(a[role]), k) for k, a in enumerate(atts)]
        if role == "Content":
            cov.sort(key=lambda x: (-len(x[0]), x[1]))
        for ks, k in cov:
            for i in ks:
                if owner[i] is None:
                    owner[i] = (ROLE[role], k)
    out = []
    for i in range(n):
        o = owner[i]
        if o is None:
            out.append(0)
        elif i > 0 and not toks[i][2] and owner[i - 1] == o:
            out.append(2 * o[0])
        else:
            out.append(2 * o[0] - 1)
    return out


def read_rows(path, gold, min_count):
    """Documents as (token features, para starts, words, gold labels, cue kinds,
    sentence starts); features seen fewer than min_count times left out."""
    intern, count = {}, []
    docs = []
    cur, rows = None, []

    def finish():
        if cur is None or cur not in gold:
            return
        toks = [(r[0], r[1], r[2]) for r in rows]
        docs.append(([r[3] for r in rows], [r[2] for r in rows], [r[4] for r in rows],
                     label(toks, gold[cur]), [r[5] for r in rows], [r[6] for r in rows]))

    with open(path, encoding="utf8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            doc = parts[0]
            if doc != cur:
                finish()
                cur, rows = doc, []
            feats = parts[3:]
            para = feats.pop()  # '@<para>', '_' at a paragraph's start, 's' at a sentence's
            w0 = next(x[2:] for x in feats if x.startswith("w="))
            cue = next(x[2:] for x in feats if x.startswith("c="))
            ids = []
            for x in feats:
                k = intern.get(x)
                if k is None:
                    k = intern[x] = len(intern)
                    count.append(0)
                count[k] += 1
                ids.append(k)
            rows.append((int(parts[1]), int(parts[2]), "_" in para, ids, w0, cue, para.endswith("s")))
        finish()
    keep = {x: k for x, k in intern.items() if count[k] >= min_count}
    renum = {k: n for n, (x, k) in enumerate(sorted(keep.items(), key=lambda xk: xk[1]))}
    docs = [([[renum[k] for k in ids if k in renum] for ids in d[0]],) + d[1:] for d in docs]
    return docs, {x: renum[k] for x, k in keep.items()}


def model(intern):
    """Weights W and their running sums U (for the average), a function giving
    a feature's number (adding the features of labels as first seen), and the
    numbers of the features of the label before (t1) and the two before (t2)."""
    W = [0.0] * (N * len(intern))
    U = [0.0] * (N * len(intern))

    def fid(x):
        k = intern.get(x)
        if k is None:
            k = intern[x] = len(intern)
            W.extend([0.0] * N)
            U.extend([0.0] * N)
        return k

    t1 = [fid("t1=" + LABELS[a]) for a in range(N)]
    t2 = [[fid("t2=" + LABELS[b] + "|" + LABELS[a]) for a in range(N)] for b in range(N)]
    return W, U, fid, t1, t2


def train(docs, intern, epochs):
    """Greedy averaged perceptron (the labels before a token as predicted)."""
    W, U, fid, t1, t2 = model(intern)
    c = 1
    for epoch in range(epochs):
        wrong = total = 0
        t0 = time.time()
        for feats, pstart, words, gold, cues, sstart in docs:
            l1 = l2 = 0
            last = at = 0
            seen = [False] * 4
            for i in range(len(feats)):
                if sstart[i]:
                    last = at = 0
                    seen = [False] * 4
                if pstart[i]:
                    l1 = l2 = 0
                qsc = "".join("1" if seen[r] else "0" for r in (3, 2, 1))
                ids = feats[i] + [t1[l1], t2[l2][l1], fid("t1w=" + LABELS[l1] + "|" + words[i]),
                                  fid("h=" + str(last) + ("|" + str(bucket(i - at)) if last else "")),
                                  fid("hs=" + qsc), fid("hsk=" + qsc + "|" + cues[i])]
                s = [0.0] * N
                for f in ids:
                    b = f * N
                    s[0] += W[b]; s[1] += W[b + 1]; s[2] += W[b + 2]; s[3] += W[b + 3]
                    s[4] += W[b + 4]; s[5] += W[b + 5]; s[6] += W[b + 6]
                best = 0
                for k in range(1, N):
                    if s[k] > s[best]:
                        best = k
                y = gold[i]
                total += 1
                if best != y:
                    wrong += 1
                    for f in ids:
                        W[f * N + y] += 1.0
                        U[f * N + y] += c
                        W[f * N + best] -= 1.0
                        U[f * N + best] -= c
                c += 1
                l = best
                if l and l % 2 == 0 and (l1 + 1) // 2 != (l + 1) // 2:
                    l -= 1
                l2, l1 = l1, l
                if l:
                    last, at = (l + 1) // 2, i
                    seen[last] = True
        print(f"  epoch {epoch + 1}: {wrong / total:.4f} of {total} tokens wrong "
              f"({time.time() - t0:.0f} s)", file=sys.stderr)
    return [W[k] - U[k] / c for k in range(len(W))]


def train_beam(docs, intern, epochs, width):
    """Averaged perceptron over a beam of `width` label sequences (the
    labels B-I consistent: an inside label only after its role), updated
    where the gold sequence falls off the beam (early update), then
    decoding goes on from the gold (LaSO); each paragraph is one sequence,
    as its first token has no labels before it."""
    W, U, fid, t1, t2 = model(intern)
    c = 1
    allowed = [[k for k in range(N) if not (k and k % 2 == 0) or (a + 1) // 2 == (k + 1) // 2]
               for a in range(N)]
    # a hypothesis: (score, l1, l2, last, at, seen, node, gold?); node: (i, label, lfeats, parent)

    def update(gnode, pnode):
        nonlocal c
        gs, ps = [], []
        while gnode is not None:
            gs.append(gnode)
            gnode = gnode[3]
        while pnode is not None:
            ps.append(pnode)
            pnode = pnode[3]
        for g, q in zip(gs, ps):
            if g[1] == q[1] and g[2] == q[2]:
                continue
            i = g[0]
            for f in feats_[i] + g[2]:
                W[f * N + g[1]] += 1.0
                U[f * N + g[1]] += c
            for f in feats_[i] + q[2]:
                W[f * N + q[1]] -= 1.0
                U[f * N + q[1]] -= c

    for epoch in range(epochs):
        wrong = total = falls = 0
        t0 = time.time()
        for feats, pstart, words, gold, cues, sstart in docs:
            feats_ = feats
            n = len(feats)
            beam = None
            for i in range(n):
                if pstart[i]:
                    if beam is not None and not beam[0][7]:
                        g = next(h for h in beam if h[7]) if any(h[7] for h in beam) else gold_h
                        update(g[6], beam[0][6])
                    beam = [(0.0, 0, 0, 0, 0, 0, None, True)]
                s0 = [0.0] * N
                for f in feats[i]:
                    b = f * N
                    s0[0] += W[b]; s0[1] += W[b + 1]; s0[2] += W[b + 2]; s0[3] += W[b + 3]
                    s0[4] += W[b + 4]; s0[5] += W[b + 5]; s0[6] += W[b + 6]
                cands = []
                gold_h = None
                y = gold[i]
                for hk, (sc, l1, l2, last, at, seen, node, isg) in enumerate(beam):
                    if sstart[i]:
                        last = at = seen = 0
                    qsc = "".join("1" if seen >> r & 1 else "0" for r in (3, 2, 1))
                    lf = [t1[l1], t2[l2][l1], fid("t1w=" + LABELS[l1] + "|" + words[i]),
                          fid("h=" + str(last) + ("|" + str(bucket(i - at)) if last else "")),
                          fid("hs=" + qsc), fid("hsk=" + qsc + "|" + cues[i])]
                    s = s0[:]
                    for f in lf:
                        b = f * N
                        for k in range(N):
                            s[k] += W[b + k]
                    for k in allowed[l1]:
                        if k:
                            r = (k + 1) // 2
                            st = (sc + s[k], k, l1, r, i, seen | (1 << r), (i, k, lf, node), isg and k == y)
                        else:
                            st = (sc + s[k], 0, l1, last, at, seen, (i, 0, lf, node), isg and k == y)
                        cands.append((-st[0], hk, k, st))
                        if st[7]:
                            gold_h = st
                cands.sort(key=lambda x: x[:3])
                beam = [x[3] for x in cands[:width]]
                total += 1
                if beam[0][1] != y:
                    wrong += 1
                if not any(h[7] for h in beam):
                    falls += 1
                    update(gold_h[6], beam[0][6])
                    beam = [gold_h[:6] + (None, True)]
                c += 1
            if beam is not None and not beam[0][7]:
                g = next(h for h in beam if h[7]) if any(h[7] for h in beam) else gold_h
                update(g[6], beam[0][6])
        print(f"  epoch {epoch + 1}: {wrong / total:.4f} of {total} tokens wrong, "
              f"{falls} falls off the beam ({time.time() - t0:.0f} s)", file=sys.stderr)
    return [W[k] - U[k] / c for k in range(len(W))]


def bucket(n):
    """As tagger.rs buckets a distance."""
    for k, top in enumerate((0, 1, 2, 3, 6, 12, 25)):
        if n <= top:
            return k
    return 7


def write(dest, intern, avg, least, what, options):
    """The weights, after a header; `options` (how the tagger is to decode:
    'beam=N', 'stacked') on a '#!' line, none for a greedy tagger alone."""
    names = sorted(intern)
    n = 0
    with open(dest, "w", encoding="utf8") as f:
        f.write(f"# Generated by scripts/learn-quotes (scripts/learn_tagger.py); do not edit. {what}\n"
                "# feature<TAB>label:weight ... (labels: " + " ".join(f"{k}={l}" for k, l in enumerate(LABELS))
                + "); see crates/wiretrace-quotes/src/tagger.rs for the features.\n")
        if options:
            f.write("#! " + " ".join(options) + "\n")
        for x in names:
            b = intern[x] * N
            ws = [(k, avg[b + k]) for k in range(N) if abs(avg[b + k]) >= least]
            if ws:
                f.write(x + "\t" + " ".join(f"{k}:{w:.3g}" for k, w in ws) + "\n")
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--least", type=float, default=0.3)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--beam", type=int, default=1, help="beam width (1: greedy)")
    ap.add_argument("--stacked", action="store_true", help="the rules' labels of each token as features")
    ap.add_argument("--out", help="where to write the weights (default: patterns/tagger.tsv)")
    a = ap.parse_args()
    comp = train_compartment()
    tmp = os.path.dirname(os.path.dirname(comp))
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "wiretrace-quotes", "--example", "quotes"],
                   cwd=ROOT, check=True)
    gold = gold_spans(comp)
    pat = os.path.join(ROOT, "crates", "wiretrace-quotes", "patterns")
    t0 = time.time()
    rows = os.path.join(tmp, f"tagger-rows-{os.getpid()}.tsv")
    with open(rows, "w", encoding="utf8") as out:
        subprocess.run([os.path.join(ROOT, "target", "release", "examples", "quotes"), "tokens",
                        os.path.join(comp, "text")] + (["--stacked"] if a.stacked else []),
                       check=True, stdout=out)
    docs, intern = read_rows(rows, gold, a.min_count)
    os.remove(rows)
    print(f"tagger: {len(docs)} texts, {len(intern)} features", file=sys.stderr)
    avg = train_beam(docs, intern, a.epochs, a.beam) if a.beam > 1 else train(docs, intern, a.epochs)
    dest = a.out or os.path.join(pat, "tagger.tsv")
    opts = f"--epochs {a.epochs} --least {a.least} --min-count {a.min_count}"
    if a.beam > 1:
        opts += f" --beam {a.beam}"
    if a.stacked:
        opts += " --stacked"
    n = write(dest, intern, avg, a.least, f"The token tagger ({opts}).",
              ([f"beam={a.beam}"] if a.beam > 1 else []) + (["stacked"] if a.stacked else []))
    print(f"{n} features -> {os.path.relpath(dest, ROOT)} ({os.path.getsize(dest) / 1e6:.1f} MB, "
          f"{time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
