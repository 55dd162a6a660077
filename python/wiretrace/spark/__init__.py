"""Copies and reuse on Apache Spark (``python -m wiretrace.spark``).

The job gives the ``articles``, ``copies`` and ``passages`` that
``wiretrace ingest`` followed by ``wiretrace export`` give for the same
input, whatever the partitioning (docs/spark-design.md). Every decision is
the Rust library's (``wiretrace._wiretrace.phases``): this module only moves
data between its phases with Spark (map, join, group by), and counts over
the whole input what the library's rules need counted over the whole
corpus: the templates common to hosts, the document frequency of sketch
n-grams, the holders of furniture, and the sites that are sources.

Output (under ``--out``): Parquet datasets ``articles``, ``copies``,
``passages`` in the export schemas (docs/export.md) and ``rejected``
(``input``, ``reason``) for the records that could not be read; and each of
the first three as JSON Lines in the export's own format
(``NAME.jsonl/part-*``), with ``store/articles`` and ``store/relations``
(the articles as extracted with their template lines, and the aligned
pairs): what ``wiretrace import DIR`` loads into a store.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Iterable, Iterator, Optional, Sequence

from .._wiretrace import phases as _ph

__all__ = ["run", "main", "export_line"]

# Items converted by one call into the library (the GIL is released there).
BATCH = 256


def _schemas():
    from pyspark.sql import types as T

    s, l = T.StringType(), T.LongType()
    articles = T.StructType(
        [
            T.StructField("body", T.ArrayType(T.ArrayType(l))),
            T.StructField("byline", s),
            T.StructField("canonical_url", s),
            T.StructField("captions", T.ArrayType(s)),
            T.StructField("clean_text", s),
            T.StructField("first_seen", s),
            T.StructField("format", s),
            T.StructField("id", s),
            T.StructField("input", s),
            T.StructField("language", s),
            T.StructField("published", s),
            T.StructField("related", T.ArrayType(s)),
            T.StructField("site", s),
            T.StructField(
                "stripped",
                T.ArrayType(
                    T.StructType([T.StructField("text", s), T.StructField("reason", s)])
                ),
            ),
            T.StructField("text", s),
            T.StructField("title", s),
            T.StructField("updated", s),
            T.StructField("url", s),
            T.StructField("wire", s),
        ]
    )
    copies = T.StructType(
        [T.StructField(n, s) for n in ("chain", "family", "id", "kind", "source", "version_of")]
    )
    passages = T.StructType(
        [
            T.StructField("dst_end", l),
            T.StructField("dst_id", s),
            T.StructField("dst_start", l),
            T.StructField("src_end", l),
            T.StructField("src_id", s),
            T.StructField("src_start", l),
        ]
    )
    rejected = T.StructType([T.StructField("input", s), T.StructField("reason", s)])
    return articles, copies, passages, rejected


def export_line(row: dict) -> str:
    """A row as ``wiretrace export`` writes it: its fields in alphabetical
    order (those of a nested object, ``stripped``'s, as given), compact,
    UTF-8 unescaped (serde_json's form)."""
    return json.dumps(dict(sorted(row.items())), separators=(",", ":"), ensure_ascii=False)


def _batches(it: Iterable, n: int = BATCH) -> Iterator[list]:
    batch = []
    for x in it:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def _is_blank(line: str) -> bool:
    # (Ingest skips lines of ASCII white space, as Rust's is_ascii_whitespace.)
    return line.strip(" \t\n\x0c\r") == ""


def _read_items(spark, inputs: Sequence[str], partitions: int):
    """Every record of the inputs as ``((file number, line number), input
    name, line bytes)``; a JSONL line is named ``path:line N`` as ingest
    names it, a Parquet row ``path:row N``."""
    sc = spark.sparkContext
    rdds = []
    for f, path in enumerate(inputs):
        if path.endswith(".parquet") or os.path.isdir(path):
            df = spark.read.parquet(path)
            rows = df.rdd.zipWithIndex().map(
                lambda x, f=f, path=path: (
                    (f, x[1] + 1),
                    f"{path}:row {x[1] + 1}",
                    json.dumps(
                        {k: v for k, v in x[0].asDict().items() if v is not None},
                        default=str,
                    ).encode("utf-8"),
                )
            )
        else:
            rows = (
                sc.textFile(path, minPartitions=partitions)
                .zipWithIndex()
                .filter(lambda x: not _is_blank(x[0]))
                .map(
                    lambda x, f=f, path=path: (
                        (f, x[1] + 1),
                        f"{path}:line {x[1] + 1}",
                        x[0].encode("utf-8"),
                    )
                )
            )
        rdds.append(rows)
    items = rdds[0] if len(rdds) == 1 else sc.union(rdds)
    return items.repartition(partitions)


def _prepare(items: Iterator) -> Iterator:
    for batch in _batches(items):
        out = _ph.prepare_records([(name, line) for _, name, line in batch])
        for (order, name, _), (p, reason) in zip(batch, out):
            if p is None:
                yield ("rejected", (name, reason))
            else:
                yield ("ok", (order, p))


def _apply(rows: Iterator, templates, common, seen: str) -> Iterator:
    t = templates.value
    c = common.value
    for batch in _batches(rows):
        out = _ph.apply_templates(
            [
                (p["article"], p["host"], p["keys"], p["tokens"], t.get(p["host"], []))
                for p in batch
            ],
            c,
            seen,
        )
        for p, (article, member, row, stored) in zip(batch, out):
            yield {
                "id": p["id"],
                "article": article,
                "member": member,
                "row": row,
                "stored": stored,
                "sketch": p["sketch"],
                "site": p["site"],
            }


def _holders(x, max_postings: int, rare_df: int, site_pages):
    """From one sketch n-gram and its holders ``(id, sketch length,
    site)``: the candidate pair counts it adds, and its holders when it is
    furniture."""
    h, holders = x
    holders = sorted(holders)
    n = len(holders)
    out = []
    sites = {s for _, _, s in holders}
    one = next(iter(sites)) if len(sites) == 1 else None
    if one is not None and _ph.is_furniture(n, site_pages.value.get(one)):
        out.extend(("furniture", (i, h)) for i, _, _ in holders)
    if n <= max_postings:
        rare = 1 if n <= rare_df else 0
        for k in range(n):
            a, la, _ = holders[k]
            for b, lb, _ in holders[k + 1 :]:
                out.append(("pair", ((a, b), (1, rare, la, lb))))
    return out


def _align(rows: Iterator) -> Iterator:
    # rows: ((a, b), (article_a, article_b)); each article once per batch.
    for batch in _batches(rows, 512):
        index: dict = {}
        texts: list = []
        pairs = []
        for (a, b), (ta, tb) in batch:
            for i, t in ((a, ta), (b, tb)):
                if i not in index:
                    index[i] = len(texts)
                    texts.append(t)
            pairs.append((index[a], index[b]))
        for ((a, b), _), r in zip(batch, _ph.align_pairs(texts, pairs)):
            if r is not None:
                yield ((a, b), r)


def _components(edges, max_rounds: int = 10_000):
    """Connected components of the undirected edges ``(a, b)`` by min-label
    propagation with joins: each vertex takes the smallest label among its
    own and its neighbours', until none changes (rounds: the diameter).
    Returns ``(vertex, smallest id of its component)``."""
    adj = edges.flatMap(lambda e: [(e[0], e[1]), (e[1], e[0])]).distinct().cache()
    labels = adj.keys().distinct().map(lambda v: (v, v)).cache()
    for _ in range(max_rounds):
        proposals = adj.join(labels).map(lambda x: (x[1][0], x[1][1]))
        # (Cached, not checkpointed: the rounds are the components'
        # diameter, a few for copy families, and a locally checkpointed
        # RDD cannot be recomputed once unpersisted.)
        new = labels.union(proposals).reduceByKey(min).cache()
        changed = new.join(labels).filter(lambda x: x[1][0] != x[1][1]).count()
        labels.unpersist()
        labels = new
        if changed == 0:
            break
    adj.unpersist()
    return labels


def _write(spark, rdd, schema, path: str, jsonl: bool):
    """Writes rows (dicts) as a Parquet dataset of the schema (its fields
    in the export's order), and as JSON Lines in the export's form."""
    fields = schema.fieldNames()
    rows = rdd.map(lambda d: tuple(d.get(f) for f in fields))
    spark.createDataFrame(rows, schema).write.mode("overwrite").parquet(path)
    if jsonl:
        rdd.map(export_line).saveAsTextFile(path + ".jsonl")


def run(
    spark,
    inputs: Sequence[str],
    out: str,
    partitions: int = 2,
    seen: Optional[str] = None,
    jsonl: bool = True,
) -> dict:
    """Runs the job on ``inputs`` (JSONL files, Parquet files or folders of
    feed records) and writes its datasets under ``out``. ``seen`` is the
    time the run stores every article at (RFC 3339; by default the start
    of the run), as one ingest does. Returns counts."""
    from pyspark import StorageLevel

    sc = spark.sparkContext
    seen = seen or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    art_schema, copy_schema, passage_schema, rejected_schema = _schemas()
    mem = StorageLevel.MEMORY_AND_DISK

    converted = _read_items(spark, inputs, partitions).mapPartitions(_prepare).persist(mem)
    # Kept and counted before `converted` goes: written twice and counted,
    # it would read and prepare the whole input again each time.
    rejected = converted.filter(lambda x: x[0] == "rejected").map(lambda x: x[1]).persist(mem)
    n_rejected = rejected.count()
    prepared = converted.filter(lambda x: x[0] == "ok").map(lambda x: x[1])

    # Two items with one id: the store keeps one (the latest content).
    dup_ids = (
        prepared.map(lambda x: (x[1]["id"], 1))
        .reduceByKey(lambda a, b: a + b)
        .filter(lambda x: x[1] > 1)
        .keys()
        .collect()
    )
    if dup_ids:
        dup = sc.broadcast(set(dup_ids))
        kept = (
            prepared.filter(lambda x: x[1]["id"] in dup.value)
            .map(lambda x: (x[1]["id"], (x[0], x[1]["content_hash"])))
            .groupByKey()
            .map(
                lambda x: (
                    x[0],
                    sorted(x[1])[_ph.kept_revision([h for _, h in sorted(x[1])])][0],
                )
            )
            .collectAsMap()
        )
        keep = sc.broadcast(kept)
        prepared = prepared.filter(
            lambda x: x[1]["id"] not in keep.value or keep.value[x[1]["id"]] == x[0]
        )
    prepared = prepared.map(lambda x: x[1]).persist(mem)

    # Site templates: each host's from its pages, then the keys common to hosts.
    templates = dict(
        prepared.filter(lambda p: p["host"] is not None)
        .map(lambda p: (p["host"], p["keys"]))
        .groupByKey()
        .mapValues(lambda pages: _ph.host_template(list(pages)))
        .filter(lambda x: len(x[1]) > 0)
        .collect()
    )
    common = _ph.common_keys(list(templates.values()))
    t_b, c_b = sc.broadcast(templates), sc.broadcast(common)
    articles = prepared.mapPartitions(lambda it: _apply(it, t_b, c_b, seen)).persist(mem)
    converted.unpersist()

    # Pages by site (the furniture rule's denominator).
    site_pages = sc.broadcast(
        articles.filter(lambda a: a["site"] is not None)
        .map(lambda a: (a["site"], 1))
        .reduceByKey(lambda a, b: a + b)
        .collectAsMap()
    )
    max_postings, rare_df = _ph.MAX_POSTINGS, _ph.RARE_DF
    by_ngram = (
        articles.flatMap(
            lambda a: [(h, (a["id"], len(a["sketch"]), a["site"])) for h in a["sketch"]]
        )
        .groupByKey()
        .flatMap(lambda x: _holders(x, max_postings, rare_df, site_pages))
        .persist(mem)
    )
    candidates = (
        by_ngram.filter(lambda x: x[0] == "pair")
        .map(lambda x: x[1])
        .reduceByKey(lambda x, y: (x[0] + y[0], x[1] + y[1], x[2], x[3]))
        .filter(lambda x: _ph.worth_aligning(x[1][0], x[1][1], x[1][2], x[1][3]))
        .keys()
    )
    texts = articles.map(lambda a: (a["id"], a["article"]))
    relations = (
        candidates.join(texts)  # (a, (b, text_a))
        .map(lambda x: (x[1][0], (x[0], x[1][1])))
        .join(texts)  # (b, ((a, text_a), text_b))
        .map(lambda x: ((x[1][0][0], x[0]), (x[1][0][1], x[1][1])))
        .mapPartitions(_align)
        .persist(mem)
    )
    # Pairs of one site that share only its furniture are no relation.
    furniture = by_ngram.filter(lambda x: x[0] == "furniture").map(lambda x: x[1]).groupByKey()
    sketch_site = articles.map(lambda a: (a["id"], (a["sketch"], a["site"])))
    same_site = (
        relations.keys()
        .map(lambda p: (p[0], p[1]))
        .join(sketch_site)
        .map(lambda x: (x[1][0], (x[0], x[1][1])))
        .join(sketch_site)
        .filter(lambda x: x[1][0][1][1] is not None and x[1][0][1][1] == x[1][1][1])
        .map(lambda x: (x[1][0][0], (x[0], x[1][0][1][0], x[1][1][0])))  # (a, (b, sa, sb))
    )
    only_furniture = (
        same_site.join(furniture)
        .filter(
            lambda x: _ph.only_furniture(x[1][0][1], x[1][0][2], sorted(x[1][1]))
        )
        .map(lambda x: ((x[0], x[1][0][0]), None))
    )
    kept = relations.subtractByKey(only_furniture).persist(mem)

    # Components over every kept relation (containers' too: their passages
    # are listed), named by their smallest id; an article in none is its own.
    labels = _components(kept.keys())
    members = (
        articles.map(lambda a: (a["id"], a["member"]))
        .leftOuterJoin(labels)
        .map(lambda x: (x[1][1] or x[0], ("m", x[1][0])))
    )
    rel_by_label = (
        kept.map(lambda x: (x[0][0], x[1]))
        .join(labels)
        .map(lambda x: (x[1][1], ("r", x[1][0])))
    )
    components = (
        members.union(rel_by_label)
        .groupByKey()
        .map(
            lambda x: (
                [v for k, v in x[1] if k == "m"],
                [v for k, v in x[1] if k == "r"],
            )
        )
        .persist(mem)
    )
    # (A component with no relation is one article: no family of two for
    # the source-site count, so phase 1 leaves it out.)
    records = (
        components.filter(lambda c: len(c[1]) > 0)
        .mapPartitions(lambda it: iter(_ph.site_records(list(it))))
        .collect()
    )
    sources = sc.broadcast(_ph.source_sites(records))

    def rows(it):
        for batch in _batches(it, 64):
            copies, passages = _ph.component_rows(batch, sources.value)
            for c in copies:
                yield ("c", c)
            for p in passages:
                yield ("p", p)

    grouped = components.mapPartitions(rows).persist(mem)
    copies = grouped.filter(lambda x: x[0] == "c").map(lambda x: x[1])
    passages = grouped.filter(lambda x: x[0] == "p").map(lambda x: x[1])

    os.makedirs(out, exist_ok=True)
    _write(
        spark,
        articles.map(lambda a: json.loads(a["row"])),
        art_schema,
        os.path.join(out, "articles"),
        jsonl,
    )
    _write(spark, copies, copy_schema, os.path.join(out, "copies"), jsonl)
    _write(
        spark, passages, passage_schema, os.path.join(out, "passages"), jsonl
    )
    rej = rejected.map(lambda r: {"input": r[0], "reason": r[1]})
    _write(spark, rej, rejected_schema, os.path.join(out, "rejected"), jsonl)
    if jsonl:
        # What `wiretrace import` stores besides: each article as extracted
        # with its template lines, and the relations (passages with their
        # token ranges), from which it regroups families and stories.
        articles.map(lambda a: a["stored"]).saveAsTextFile(os.path.join(out, "store", "articles"))
        kept.values().saveAsTextFile(os.path.join(out, "store", "relations"))
    counts = {
        "articles": articles.count(),
        "rejected": n_rejected,
        "relations": kept.count(),
        "copies": copies.count(),
        "passages": passages.count(),
        "seen": seen,
    }
    for r in (grouped, components, kept, relations, by_ngram, articles, prepared, labels, rejected):
        r.unpersist()
    return counts


def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m wiretrace.spark",
        description="Copies, families and passages of feed records on Spark: the rows "
        "`wiretrace ingest` + `export` give, whatever the partitioning.",
    )
    ap.add_argument("inputs", nargs="+", help="JSONL files, Parquet files or folders")
    ap.add_argument("--out", required=True, help="folder for the output datasets")
    ap.add_argument("--partitions", type=int, default=2, help="input and shuffle partitions")
    ap.add_argument("--master", default=None, help="Spark master (default: local[2])")
    ap.add_argument("--seen", default=None, help="the run's ingest time (RFC 3339)")
    ap.add_argument("--no-jsonl", action="store_true", help="write Parquet only")
    ap.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting"
    )
    args = ap.parse_args(argv)
    from pyspark.sql import SparkSession

    # Local workers run this interpreter (where wiretrace is installed),
    # not the first python3 on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("wiretrace")
    if args.master or not os.environ.get("SPARK_MASTER"):
        builder = builder.master(args.master or "local[2]")
    builder = (
        builder.config("spark.sql.shuffle.partitions", str(args.partitions))
        .config("spark.default.parallelism", str(args.partitions))
        .config("spark.ui.showConsoleProgress", "false")
    )
    for kv in args.conf:
        key, _, value = kv.partition("=")
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        counts = run(
            spark, args.inputs, args.out, args.partitions, args.seen, jsonl=not args.no_jsonl
        )
    finally:
        spark.stop()
    print(json.dumps(counts))
    return 0
