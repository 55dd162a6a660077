#!/usr/bin/env python3
"""Who said it, on other outlets: a spot check of the quotes stage's
speakers on BASIL (Fox News, New York Times, HuffPost, 2010-2019).

BASIL marks some spans of its 300 articles as quotes and names their
speaker (`Donald_Trump`, `Vicente_Fox`, `Democratic_lawmakers`, or
`other_*` when the annotators did not name one). Its quote marks are not
exhaustive (only spans of bias were annotated), so this is no recall gold
for attributions; it asks, of the quotes it gives to a named person (not a
group such as `Democratic_lawmakers`, whose quotes are said by members
BASIL does not name):
- found: does an attribution's content overlap the quoted span?
- speaker: is the attribution's resolved speaker (after "he said" and
  surnames are resolved to a name) the annotated one? Right when they
  share a word of three letters or more ("Trump" for `Donald_Trump`).

usage: eval_quotes_basil.py write BASIL_DIR TEXT_DIR   (bodies as texts)
       eval_quotes_basil.py score BASIL_DIR TEXT_DIR PRED.jsonl [--list]
The texts are written one paragraph a line, the title first, as
`quotes predict` reads them.
"""
import glob
import json
import os
import re
import sys
from collections import Counter


def articles(basil):
    for path in sorted(glob.glob(os.path.join(basil, "articles", "*", "*.json"))):
        a = json.load(open(path, encoding="utf-8"))
        name = os.path.basename(path)[: -len(".json")]
        ann = os.path.join(basil, "annotations", os.path.basename(os.path.dirname(path)), name + "_ann.json")
        spans = json.load(open(ann, encoding="utf-8"))["phrase-level-annotations"] if os.path.exists(ann) else []
        paras = [" ".join(s.strip() for s in p if s.strip()) for p in a["body-paragraphs"]]
        text = "\n".join([a["title"].strip()] + [p for p in paras if p]) + "\n"
        yield name, text, spans


# Labels of groups rather than people ("Democratic_lawmakers",
# "House_Democrats", "Obama_campaign"): their quotes are said by members,
# whom BASIL does not name.
GROUP_WORDS = {"democrats", "republicans", "democratic", "republican", "lawmakers", "party",
               "campaign", "officials", "members", "committee", "house", "senate", "gop",
               "administration", "protestors", "protesters", "plaintiffs", "catholics",
               "america", "now", "supporters", "activists", "group", "organizers"}


def is_person(label):
    parts = label.split("_")
    return (len(parts) >= 2 and all(w[:1].isupper() for w in parts)
            and not any(w.lower() in GROUP_WORDS for w in parts))


def words(s):
    return {w.lower() for w in re.findall(r"[^\W_]+", s) if len(w) >= 3}


def main(argv):
    mode, basil, texts = argv[1], argv[2], argv[3]
    if mode == "write":
        os.makedirs(texts, exist_ok=True)
        for name, text, _ in articles(basil):
            with open(os.path.join(texts, name + ".txt"), "w", encoding="utf-8") as f:
                f.write(text)
        return 0
    pred = {}
    for line in open(argv[4], encoding="utf-8"):
        r = json.loads(line)
        pred.setdefault(r["doc"].removesuffix(".txt"), []).append(r)
    listing = "--list" in argv
    c = Counter()
    for name, text, spans in articles(basil):
        for s in spans:
            who = s.get("speaker") or ""
            if s.get("quote") != "yes" or not is_person(who):
                continue
            quoted = s["txt"].strip("“”\"' ")
            at = text.find(quoted) if len(quoted) >= 3 else -1
            if at < 0:
                c["not located"] += 1
                continue
            gs, ge = at, at + len(quoted)
            # BASIL annotates a phrase of a quote: the attribution whose
            # content overlaps it most.
            best, overlap = None, 0
            for r in pred.get(name, []):
                o = sum(max(0, min(ge, e) - max(gs, s0)) for s0, e in r["content"])
                if o > overlap:
                    best, overlap = r, o
            c["quotes"] += 1
            if best is None:
                c["not found"] += 1
                verdict = "not found"
            else:
                sp = best.get("speaker") or {}
                said = sp.get("name") or ""
                if not said:
                    verdict = f"speaker {sp.get('kind', 'none')}"
                elif words(said) & words(who.replace("_", " ")):
                    verdict = "right"
                else:
                    verdict = "wrong"
                c[verdict] += 1
            if listing and verdict != "right":
                said = (best or {}).get("speaker") or {}
                src = best and best.get("source")
                print(f"{verdict:16} {name} gold={who} said={said.get('name')!r} "
                      f"source={text[src[0]:src[1]] if src else None!r} | {quoted[:70]!r}")
    found = c["quotes"] - c["not found"]
    print(json.dumps(dict(c), sort_keys=True))
    if c["quotes"]:
        print(f"BASIL quotes of a named person: {c['quotes']} located; found {found} "
              f"({found / c['quotes']:.3f}); speaker right {c['right']} "
              f"({c['right'] / max(found, 1):.3f} of found, {c['right'] / c['quotes']:.3f} of all), "
              f"wrong {c['wrong']}, unnamed or unknown {found - c['right'] - c['wrong']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
