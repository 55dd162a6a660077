#!/usr/bin/env python3
"""The reference near-duplicate baseline: datasketch MinHash LSH over word
5-shingles (128 permutations), families as connected components of the pairs
LSH returns. Writes {"id", "cluster"} rows for reuse_score.py. Used by the
benchmark scripts as the peer run beside wiretrace."""

import argparse
import json
import re

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=5):
    words = WORD.findall(text.lower())
    return {" ".join(words[i:i + n]).encode("utf8") for i in range(max(1, len(words) - n + 1))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("articles")
    ap.add_argument("out")
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("--perm", type=int, default=128)
    a = ap.parse_args()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.perm)
    ids, parent = [], {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with open(a.articles, encoding="utf8") as f:
        for line in f:
            r = json.loads(line)
            m = MinHash(num_perm=a.perm)
            m.update_batch(list(shingles(r.get("text") or "")))
            key = r["id"]
            ids.append(key)
            parent[key] = key
            for other in lsh.query(m):
                x, y = find(key), find(other)
                if x != y:
                    parent[max(x, y)] = min(x, y)
            lsh.insert(key, m)
    with open(a.out, "w", encoding="utf8") as f:
        for key in ids:
            f.write(json.dumps({"id": key, "cluster": find(key)}) + "\n")


if __name__ == "__main__":
    main()
