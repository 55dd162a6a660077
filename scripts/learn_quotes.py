#!/usr/bin/env python3
"""Learns the cue lexicon and the attribution filter of the quotes stage from
PolNeAR's train compartment.

PARC (PolNeAR's scheme) counts as attributions far more than speech verbs:
"called for", "criticized", "shows", "hopes". This reads every word of the
train texts and keeps as candidates those that are part of a gold cue often
enough (at least MIN_COUNT times, and at least MIN_SHARE of the times the word
occurs), then trains a logistic model telling, from the word and its
neighbours, whether a candidate is a cue where it stands.
The words go to crates/wiretrace-quotes/patterns/learned_cues.txt, the model's
weights to patterns/cue_weights.tsv (features of single words, never text),
sorted, by a fixed-order SGD: the same data always gives the same files.

Then (unless --no-filter) the attribution filter: the stage proposes
attributions on the train texts (`quotes candidates`, built with cargo) and a
logistic model learns which are right and which have the right source;
weights to patterns/attrib_weights.tsv.

Then (unless --no-filter or --no-tagger) the token tagger, by scripts/learn_tagger.py
(see there): weights to patterns/tagger.tsv.

usage: scripts/learn-quotes [--min-count N] [--min-share X] [--no-filter] [--no-tagger]
Reads ../shared/data/polnear-dev/PolNeAR_train.tar.xz (unpacked under $TMPDIR).
"""
import argparse, json, math, os, re, subprocess, sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
# Words as the stage cuts them (joiners inside a word, "'s" apart), else one
# character; '' and `` are one quotation mark.
TOKEN = re.compile(r"\w+(?:['’.&-]\w+)*(?<!['’]s)|['’]s\b|''|``|[^\w\s]")
QUOTES = {'"', "“", "”", "„", "‟", "«", "»", "''", "``"}


def train_compartment():
    """PolNeAR train's folder (text/, attributions/), unpacked under $TMPDIR once."""
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "wiretrace-polnear")
    comp = os.path.join(tmp, "PolNeAR_train", "train")
    if not os.path.isdir(comp):
        os.makedirs(tmp, exist_ok=True)
        subprocess.run(["tar", "-xJf", os.path.join(SHARED, "data", "polnear-dev", "PolNeAR_train.tar.xz"),
                        "-C", tmp], check=True)
    return comp


def lines(path):
    with open(path, encoding="utf8") as f:
        return {l.strip().lower() for l in f if l.strip() and not l.startswith("#")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--min-share", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--no-filter", action="store_true", help="relearn the cue words and model only")
    ap.add_argument("--no-tagger", action="store_true", help="leave the token tagger as it is")
    a = ap.parse_args()
    comp = train_compartment()
    pat = os.path.join(ROOT, "crates", "wiretrace-quotes", "patterns")
    # Words that are never a cue alone: auxiliaries, prepositions, function words.
    never = lines(os.path.join(pat, "aux.txt")) | lines(os.path.join(pat, "prepositions.txt")) \
        | lines(os.path.join(pat, "stop_np.txt")) | lines(os.path.join(pat, "determiners.txt")) \
        | lines(os.path.join(pat, "common_words.txt"))
    docs = []
    seen = set()
    for ann in sorted(os.listdir(os.path.join(comp, "attributions"))):
        doc = re.sub(r"(_[0-9a-f]{4})?\.ann$", "", ann)
        if doc in seen:
            continue
        seen.add(doc)
        text = open(os.path.join(comp, "text", doc + ".txt"), encoding="utf8").read()
        cue_chars = set()
        for line in open(os.path.join(comp, "attributions", ann), encoding="utf8"):
            f = line.rstrip("\n").split("\t")
            if len(f) > 1 and f[0].startswith("T") and f[1].startswith("Cue "):
                for part in f[1].split(" ", 1)[1].split(";"):
                    s, e = map(int, part.split())
                    cue_chars.update(range(s, e))
        toks = [(m.start(), m.group(0)) for m in TOKEN.finditer(text)]
        docs.append((toks, cue_chars))
    # The candidates: lowercase words often enough in a gold cue.
    inside, total = Counter(), Counter()
    for toks, cue_chars in docs:
        for at, w in toks:
            if w[0].islower():
                total[w] += 1
                if at in cue_chars:
                    inside[w] += 1
    vocab = sorted(w for w, n in inside.items()
                   if n >= a.min_count and n / total[w] >= a.min_share and w not in never
                   and not w.endswith("ly"))
    vset = set(vocab)
    # Whether a candidate is a cue where it stands: logistic regression on
    # the word and its neighbours, trained by plain SGD in a fixed order.
    examples = []
    for toks, cue_chars in docs:
        for k, (at, w) in enumerate(toks):
            if w in vset:
                examples.append((features(toks, k), 1.0 if at in cue_chars else 0.0))
    kept = logistic(examples, a.epochs, 0.1, 0.05)
    dest = os.path.join(pat, "learned_cues.txt")
    with open(dest, "w", encoding="utf8") as f:
        f.write("# Generated by scripts/learn-quotes from PolNeAR train "
                f"(--min-count {a.min_count} --min-share {a.min_share} --epochs {a.epochs}); do not edit.\n"
                "# word<TAB>times inside a gold cue<TAB>times in the texts: the words the cue model judges\n")
        for w in vocab:
            f.write(f"{w}\t{inside[w]}\t{total[w]}\n")
    dest2 = os.path.join(pat, "cue_weights.tsv")
    write_weights(dest2, kept, "feature<TAB>weight (a logistic model:\n"
                  "# a candidate word is a cue when its features' weights sum above 0). Features: see features().")
    print(f"{len(vocab)} cue words -> {os.path.relpath(dest, ROOT)}, {len(kept)} weights -> "
          f"{os.path.relpath(dest2, ROOT)} ({len(examples)} examples)", file=sys.stderr)
    if not a.no_filter:
        learn_filter(comp, pat, a.epochs)
        if not a.no_tagger:
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "learn_tagger.py")], check=True)


def write_weights(dest, kept, what):
    """Sorted (feature, weight) pairs as feature<TAB>weight lines under a header."""
    with open(dest, "w", encoding="utf8") as f:
        f.write(f"# Generated by scripts/learn-quotes; do not edit. {what}\n")
        for k, w in kept:
            f.write(f"{k}\t{w:.4f}\n")


def logistic(examples, epochs, rate, least):
    """Logistic regression by plain SGD over (features, label) in their fixed
    order, the rate decaying by epoch: the sorted weights of at least `least`."""
    weights = Counter()
    for epoch in range(epochs):
        for feats, y in examples:
            z = sum(weights[f] for f in feats)
            g = y - 1 / (1 + math.exp(-max(-30, min(30, z))))
            for f in feats:
                weights[f] += rate * g
        rate *= 0.7
    return sorted((f, w) for f, w in weights.items() if abs(w) >= least)


TOK = re.compile(r"\w+")


def word_starts(text, spans):
    """A span list as the set of its word tokens (as the scorer counts them)."""
    out = set()
    for s, e in spans:
        out.update(m.start() for m in TOK.finditer(text, s, e))
    return out


def learn_filter(comp, pat, epochs):
    """Trains the attribution filter (crates/wiretrace-quotes/src/filter.rs):
    the stage proposes attributions on the train texts (`quotes candidates`),
    each labelled right when most of its content lies inside one gold content
    span, and a logistic model over the features the stage gives learns which
    to keep. Fixed-order SGD: the same data always gives the same weights."""
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "wiretrace-quotes", "--example", "quotes"],
                   cwd=ROOT, check=True)
    out = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "quotes"), "candidates",
                          os.path.join(comp, "text")], check=True, capture_output=True, text=True).stdout
    gold = {}
    seen = set()
    for ann in sorted(os.listdir(os.path.join(comp, "attributions"))):
        doc = re.sub(r"(_[0-9a-f]{4})?\.ann$", "", ann) + ".txt"
        if doc in seen:
            continue
        seen.add(doc)
        text = open(os.path.join(comp, "text", doc), encoding="utf8").read()
        tspans, rels = {}, []
        for line in open(os.path.join(comp, "attributions", ann), encoding="utf8"):
            f = line.rstrip("\n").split("\t")
            if len(f) > 1 and f[0].startswith("T"):
                locs = [tuple(map(int, x.split())) for x in f[1].split(" ", 1)[1].split(";")]
                tspans[f[0]] = word_starts(text, locs)
            elif len(f) > 1 and f[0].startswith("E"):
                rels.append(dict(x.split(":") for x in f[1].split()))
        # (content words, source words) of each gold attribution
        spans = [(tspans.get(r.get("Content"), set()), tspans.get(r.get("Source"), set())) for r in rels]
        gold[doc] = (text, [x for x in spans if x[0]])
    examples = []
    for line in out.splitlines():
        r = json.loads(line)
        if r["doc"] not in gold:
            continue
        text, spans = gold[r["doc"]]
        c = word_starts(text, [tuple(x) for x in r["content"]])
        if not c:
            continue
        share = max((len(c & g) / len(c) for g, _ in spans), default=0.0)
        examples.append((r["features"], 1.0 if share >= 0.5 else 0.0))
        # The source model ("s|" features): is the source the one of the
        # gold attribution whose content this one covers most?
        if r["source"]:
            src = word_starts(text, [tuple(r["source"])])
            best = max(spans, key=lambda g: len(c & g[0]), default=None)
            right = best is not None and bool(c & best[0]) and bool(src & best[1])
            examples.append((["s|" + f for f in r["features"]], 1.0 if right else 0.0))
    kept = logistic(examples, epochs, 0.05, 0.02)
    dest = os.path.join(pat, "attrib_weights.tsv")
    write_weights(dest, kept, "feature<TAB>weight: the attribution filter\n"
                  "# (a logistic model; see crates/wiretrace-quotes/src/filter.rs for the features).")
    pos = sum(y for _, y in examples)
    print(f"{len(kept)} filter weights -> {os.path.relpath(dest, ROOT)} ({len(examples)} candidates, "
          f"{pos:.0f} right)", file=sys.stderr)


def features(toks, k):
    """The features of candidate k, as crates/wiretrace-quotes/src/attrib.rs builds them."""
    w = toks[k][1]
    prev = toks[k - 1][1] if k > 0 else "<s>"
    nxt = toks[k + 1][1] if k + 1 < len(toks) else "</s>"
    p, n = norm(prev), norm(nxt)
    return ["b", "w=" + w, "p=" + p, "n=" + n, "pw=" + p + "|" + w, "wn=" + w + "|" + n,
            "pc=" + str(prev[0].isupper())]


def norm(t):
    """A neighbour: its lowercase form, every quotation mark as one."""
    if t in QUOTES:
        return '"'
    return t.lower()


if __name__ == "__main__":
    main()
