"""Copies and reuse on Apache Spark (``python -m wiretrace.spark``).

The job gives the ``articles``, ``copies`` and ``passages`` that
``wiretrace ingest`` followed by ``wiretrace export`` give for the same
input, whatever the partitioning (docs/spark-design.md). Every decision is
the Rust library's (``wiretrace._wiretrace.phases``): this module only moves
data between its phases with Spark DataFrames (joins, windows, group-bys,
in the JVM; batches cross to the library by ``mapInArrow``), and counts
over the whole input what the library's rules need counted over the whole
corpus: the templates common to hosts, the document frequency of sketch
n-grams, the candidate components they connect, and the sites that are
sources. Inputs: JSON Lines (split by Spark), Parquet, and any file
``wiretrace ingest`` reads (web archives, pages, feeds: one task a file).

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
# Rows per Arrow batch between the JVM and the Python workers.
ARROW_BATCH = 512


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


def _is_lines(path: str) -> bool:
    """A feed of JSON lines (gzipped or not), which the JVM reads and
    splits; other files (web archives, pages, feeds) are read whole by the
    library, one task a file."""
    name = path.lower().removesuffix(".gz")
    return name.endswith((".jsonl", ".ndjson"))


def _read_items(spark, inputs: Sequence[str], partitions: int, prepared_t):
    """Every record of the inputs, prepared: rows of ``prepared_t``, each
    with ``f`` (the input's number), ``n`` (the record's: its line, row or
    item number in the file, from 1) and ``name`` (ingest's: ``path:line
    N``, ``path:row N``, ``path at byte N``). JSON Lines are read and
    numbered in the JVM: each line's number is the lines before its file
    block (counted per block, a small job) plus its place in the block.
    Parquet rows become records. Any other file (a WARC or ARC archive, a
    page, a feed) is read by the library as ingest reads it."""
    from pyspark.sql import functions as F

    frames, files = [], []
    for f, path in enumerate(inputs):
        if path.endswith(".parquet") or os.path.isdir(path):
            df = spark.read.parquet(path)
            rows = df.rdd.zipWithIndex().map(
                lambda x, f=f, path=path: (
                    f,
                    x[1] + 1,
                    f"{path}:row {x[1] + 1}",
                    json.dumps(
                        {k: v for k, v in x[0].asDict().items() if v is not None},
                        default=str,
                    ),
                )
            )
            schema = "f int, n long, name string, line string"
            frames.append(spark.createDataFrame(rows, schema))
            continue
        if not _is_lines(path):
            files.append((f, path))
            continue
        lines = spark.read.text(path).select(
            F.col("value").alias("line"),
            F.input_file_block_start().alias("block"),
            F.monotonically_increasing_id().alias("mid"),
        )
        blocks = sorted(
            (r["block"], r["lines"], r["first"])
            for r in lines.groupBy("block")
            .agg(F.count(F.lit(1)).alias("lines"), F.min("mid").alias("first"))
            .collect()
        )
        before, offsets = 0, []
        for block, count, first in blocks:
            offsets.append((block, before - first))
            before += count
        off = spark.createDataFrame(offsets, "block long, offset long")
        numbered = (
            lines.join(F.broadcast(off), "block")
            .select(
                F.lit(f).alias("f"),
                (F.col("mid") + F.col("offset") + 1).alias("n"),
                F.col("line"),
            )
            # (Ingest skips lines of ASCII white space.)
            .filter(~F.col("line").rlike("^[ \\t\\n\\f\\r]*$"))
            .select(
                "f",
                "n",
                F.concat(F.lit(f"{path}:line "), F.col("n").cast("string")).alias("name"),
                "line",
            )
        )
        frames.append(numbered)
    prepared = None
    if frames:
        items = frames[0]
        for more in frames[1:]:
            items = items.unionByName(more)
        # (Spark splits an uncompressed file into at least `partitions`
        # pieces already: a shuffle of every line only where it did not.)
        if items.rdd.getNumPartitions() < partitions:
            items = items.repartition(partitions)
        prepared = items.mapInArrow(_prepare(prepared_t), prepared_t)
    if files:
        named = spark.createDataFrame(files, "f int, path string").repartition(
            min(len(files), partitions)
        )
        read = named.mapInArrow(_prepare_files(prepared_t), prepared_t)
        prepared = read if prepared is None else prepared.unionByName(read)
    return prepared


def _arrow_rows(batches, columns):
    """The rows of Arrow record batches, as tuples of the columns."""
    for rb in batches:
        cols = [rb.column(c).to_pylist() for c in columns]
        yield from zip(*cols)


def _record_batch(rows: list, schema):
    import pyarrow as pa

    cols = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.RecordBatch.from_arrays(
        [pa.array(list(c), type=f.type) for c, f in zip(cols, schema)], schema=schema
    )


def _to_arrow(schema):
    """The Arrow schema of a Spark one (a StructType: DDL strings are
    parsed on the driver, which has the JVM)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema)


def _struct(spark, ddl: str):
    return spark.createDataFrame([], ddl).schema


PREPARED = (
    "f int, n long, name string, reason string, id string, article string, host string, "
    "keys array<long>, sketch array<long>, tokens int, site string, content_hash string, "
    "skipped long"
)
APPLIED = (
    "ix long, id string, article string, member string, row string, stored string, "
    "sketch array<long>, tokens int, site string"
)
FOUND = (
    "kind string, members array<string>, relations array<string>, site string, "
    "originals int, copies int"
)
LINES = "kind string, line string"


def _prepare(schema):
    def run(batches):
        out_schema = _to_arrow(schema)
        for batch in _batches(_arrow_rows(batches, ["f", "n", "name", "line"])):
            done = _ph.prepare_records([(name, line.encode("utf-8")) for _, _, name, line in batch])
            rows = []
            for (f, n, name, _), (p, reason) in zip(batch, done):
                if p is None:
                    rows.append((f, n, name, reason) + (None,) * 9)
                else:
                    rows.append(_prepared_row(f, n, name, p))
            yield _record_batch(rows, out_schema)

    return run


def _prepare_files(schema):
    def run(batches):
        out_schema = _to_arrow(schema)
        for f, path in _arrow_rows(batches, ["f", "path"]):
            items = _ph.FileItems(path)
            while True:
                batch = items.next_batch(BATCH)
                if not batch:
                    break
                rows = []
                for n, name, (p, reason) in batch:
                    if p is None:
                        rows.append((f, n, name, reason) + (None,) * 9)
                    else:
                        rows.append(_prepared_row(f, n, name, p))
                yield _record_batch(rows, out_schema)
            # What ingest counts and neither stores nor rejects (an
            # archive's request records, images): one row of the count.
            if items.skipped:
                yield _record_batch([(f, 0, path) + (None,) * 9 + (items.skipped,)], out_schema)

    return run


def _prepared_row(f, n, name, p):
    return (
        f, n, name, None, p["id"], p["article"], p["host"], p["keys"],
        p["sketch"], p["tokens"], p["site"], p["content_hash"], None,
    )


def _host_templates(schema):
    def run(batches):
        out_schema = _to_arrow(schema)
        rows = [
            (host, _ph.host_template(pages))
            for host, pages in _arrow_rows(batches, ["host", "pages"])
        ]
        yield _record_batch([r for r in rows if r[1]], out_schema)

    return run


def _apply(schema, common, seen, stored: bool):
    def run(batches):
        out_schema = _to_arrow(schema)
        cols = ["ix", "id", "article", "host", "keys", "tokens", "template", "sketch", "site"]
        for batch in _batches(_arrow_rows(batches, cols)):
            done = _ph.apply_templates(
                [(a, host, keys, tokens, t or []) for _, _, a, host, keys, tokens, t, _, _ in batch],
                common.value,
                seen,
            )
            rows = [
                (ix, i, article, member, row, s if stored else None, sketch, tokens, site)
                for (ix, i, _, _, _, tokens, _, sketch, site), (article, member, row, s)
                in zip(batch, done)
            ]
            yield _record_batch(rows, out_schema)

    return run


def _together(first, second, key: str, columns, partitions: int):
    """The rows of two frames as one, in the partition of their ``key``,
    sorted so that in each key's rows the first frame's come before the
    second's (``kind`` 0 and 1): ``columns`` (name, type) are those of
    either, each null where its frame has none."""
    from pyspark.sql import functions as F

    def shaped(df, kind):
        have = set(df.columns)
        return df.select(
            key,
            F.lit(kind).alias("kind"),
            *[F.col(c) if c in have else F.lit(None).cast(t).alias(c) for c, t in columns],
        )

    return (
        shaped(first, 0)
        .unionByName(shaped(second, 1))
        .repartition(partitions, key)
        .sortWithinPartitions(key, "kind")
    )


def _grouped(batches, columns):
    """``(key, rows)`` for each group of rows (the rows come sorted by
    their first column, the group's key; each row without it)."""
    group, key = [], None
    for row in _arrow_rows(batches, columns):
        if row[0] != key and group:
            yield key, group
            group = []
        key = row[0]
        group.append(row[1:])
    if group:
        yield key, group


def _groups(batches, columns, handle, out_schema):
    """Record batches of the rows ``handle`` gives for each group of rows
    (``_grouped``; the handler gets the key and the rows)."""
    out = []
    for key, group in _grouped(batches, columns):
        out.extend(handle(key, group))
        if len(out) >= BATCH:
            yield _record_batch(out, out_schema)
            out = []
    if out:
        yield _record_batch(out, out_schema)


def _longs(packed: bytes):
    import numpy as np

    return np.frombuffer(packed, dtype="<i8")


def _packed(column) -> bytes:
    import numpy as np

    return np.ascontiguousarray(column.to_numpy(zero_copy_only=False), dtype="<i8").tobytes()


def _pairs(schema, corpus):
    """The pairs worth aligning of each candidate component of a partition
    (from sketches alone), as Arrow batches of ``(bucket, a, b)``: the
    bucket that aligns a pair is its first article's block."""

    def run(batches):
        import numpy as np
        import pyarrow as pa

        counts = _ph.CorpusCounts(*corpus.value)
        out = _to_arrow(schema)
        for _label, rows in _grouped(batches, ["label", "ix", "id", "sketch", "site", "block"]):
            keys = np.array([r[0] for r in rows], dtype="<i8")
            blocks = np.array([r[-1] for r in rows], dtype="<i4")
            order = np.argsort(keys)
            keys, blocks = keys[order], blocks[order]
            a, b = (_longs(x) for x in _ph.component_pairs([r[:-1] for r in rows], counts))
            for k in range(0, len(a), 1 << 20):
                x, y = a[k : k + (1 << 20)], b[k : k + (1 << 20)]
                bucket = blocks[np.searchsorted(keys, x)]
                yield pa.RecordBatch.from_arrays(
                    [pa.array(bucket), pa.array(x), pa.array(y)], schema=out
                )

    return run


def _align(schema):
    """The relations of each bucket of pairs, given its texts (each bucket's
    rows come together, its texts first). The pairs cross to the library
    packed, not as Python objects."""

    def run(batches):
        import pyarrow as pa
        import pyarrow.compute as pc

        out = _to_arrow(schema)
        batches = list(batches)
        if not batches:
            return
        table = pa.Table.from_batches(batches)
        if table.num_rows == 0:
            return
        import numpy as np

        buckets = table.column("bucket").to_numpy()
        starts = [0] + (np.flatnonzero(np.diff(buckets)) + 1).tolist()
        for start, end in zip(starts, starts[1:] + [len(buckets)]):
            part = table.slice(start, end - start)
            is_text = pc.equal(part.column("kind"), 0)
            texts = part.filter(is_text)
            pairs = part.filter(pc.invert(is_text))
            rows = list(
                zip(*(texts.column(c).to_pylist() for c in ("ix", "article", "sketch", "tokens")))
            )
            found = _ph.align_keyed_pairs(
                rows, _packed(pairs.column("a")), _packed(pairs.column("b"))
            )
            if not found:
                continue
            ka, kb = pairs.column("a").to_numpy(), pairs.column("b").to_numpy()
            rows = [(int(ka[i]), int(kb[i]), *rest) for i, *rest in found]
            # (In batches: one batch of a bucket's relations ran the JVM
            # out of heap.)
            for k in range(0, len(rows), BATCH):
                yield _record_batch(rows[k : k + BATCH], out)

    return run


def _found_rows(families, records):
    """``FOUND`` rows: a component's families, then its site records."""
    return [("c", m, r, None, None, None) for m, r in families] + [
        ("s", None, None, site, o, c) for site, o, c in records
    ]


def _whole(schema, corpus):
    """The families of each candidate component of a partition analysed
    whole (its rows come together), with phase 1's site records."""

    def run(batches):
        counts = _ph.CorpusCounts(*corpus.value)

        def handle(_label, rows):
            return _found_rows(*_ph.whole_component(rows, counts))

        cols = ["label", "ix", "id", "sketch", "site", "tokens", "article", "member"]
        yield from _groups(batches, cols, handle, _to_arrow(schema))

    return run


def _local_stars(schema):
    def run(batches):
        import pyarrow as pa

        batches = list(batches)
        if not batches:
            return
        edges = pa.Table.from_batches(batches)
        v, r = (_longs(x) for x in _ph.local_stars(_packed(edges.column("a")), _packed(edges.column("b"))))
        out = _to_arrow(schema)
        for k in range(0, len(v), 65536):
            yield pa.RecordBatch.from_arrays(
                [pa.array(v[k : k + 65536]), pa.array(r[k : k + 65536])], schema=out
            )

    return run


def _family_lines(schema, sources):
    def run(batches):
        out_schema = _to_arrow(schema)
        for batch in _batches(_arrow_rows(batches, ["members", "relations"]), 64):
            copies, passages = _ph.component_lines(batch, sources.value)
            yield _record_batch(
                [("c", l) for l in copies] + [("p", l) for l in passages], out_schema
            )

    return run


# Articles up to which a candidate component is analysed whole in one task,
# given its texts (a few KB an article as JSON, and the relations of its
# pairs); larger components are analysed in steps that hold no text and
# no more than a bucket's (`_large_components`).
WHOLE_ARTICLES = 2_000
# Articles up to which each one's component is broadcast to the tasks that
# join it to the texts (24 bytes an article), rather than shuffled.
BROADCAST_ARTICLES = 2_000_000
# Edges (after each partition's are reduced to stars) up to which the
# candidate components are found in one task, by the library's union-find:
# 16 bytes an edge, some 600 MB of worker memory at the most. Above it, by
# label propagation, which any number of edges fits but which costs a few
# Spark jobs a round.
SINGLE_TASK_EDGES = 20_000_000


def _large_components(
    sketches, articles, large, corpus, partitions, single_task_edges, schemas, step
):
    """The families of the components too large for one task (``large``:
    ``(ix, label)``), in steps no one of which holds a whole component's
    texts or relations:

    - each component's pairs worth aligning, from its sketches alone (in
      the partition of its label);
    - the pairs aligned by buckets, a pair in its first article's block
      (a hash of its sketch's least n-gram: copies mostly share it, so a
      bucket is given its block's texts and few others);
    - the *join components*: connected components of the relations that
      may join two articles into one family (``may_join``); families are
      unions of them, so each is grouped apart, given its members and the
      summaries of the relations inside it (phase 1's site records here,
      phase 2's copies once the source sites are known: ``_join_lines``).

    Returns the ``FOUND`` rows (site records), the join components' rows
    (for phase 2), the relations ``(a, b, relation)`` (their passages
    need each side's family: ``_family_pair_lines``), and the frames it
    persisted."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    pairs_t, relations_t, found_t, edges_t = schemas
    pairs = (
        sketches.join(large, "ix")
        .withColumn("block", F.pmod(F.xxhash64(F.array_min("sketch")), F.lit(partitions)).cast("int"))
        .repartition(partitions, "label")
        .sortWithinPartitions("label", "id")
        .select("label", "ix", "id", "sketch", "site", "block")
        .mapInArrow(_pairs(pairs_t, corpus), pairs_t)
        # (Spread over the buckets before it is kept: a giant component's
        # pairs come out of one task, and as one cached block, 21 million
        # pairs at 1M, read back, they ran the JVM out of heap.)
        .repartition(partitions, "bucket")
        .persist(StorageLevel.DISK_ONLY)
    )
    needed = (
        pairs.select("bucket", F.col("a").alias("ix"))
        .union(pairs.select("bucket", F.col("b").alias("ix")))
        .distinct()
    )
    texts = needed.join(articles.select("ix", "article", "sketch", "tokens"), "ix")
    relations = (
        _together(
            texts,
            pairs,
            "bucket",
            [("ix", "long"), ("article", "string"), ("sketch", "array<long>"),
             ("tokens", "int"), ("a", "long"), ("b", "long")],
            partitions,
        )
        .mapInArrow(_align(relations_t), relations_t)
        # (Checkpoints cut the plan: what follows reads each frame of
        # this step several times, and the plan's text ran the driver out
        # of heap.)
        .localCheckpoint(storageLevel=StorageLevel.DISK_ONLY)
    )
    members = articles.select("ix", "id", "member").join(large.select("ix"), "ix")
    # (A container's relations join nothing, as in `analyse`.)
    containers = members.filter(F.get_json_object("member", "$.kind").isNotNull()).select("ix")
    links = (
        relations.filter("may_join")
        .select(F.col("ai").alias("a"), F.col("bi").alias("b"))
        .join(containers.withColumnRenamed("ix", "a"), "a", "left_anti")
        .join(containers.withColumnRenamed("ix", "b"), "b", "left_anti")
        .mapInArrow(_local_stars(edges_t), edges_t)
    )
    joined = _components(links, edges_t, single_task_edges).withColumnRenamed("v", "ix")
    group = (
        members.select("ix")
        .join(joined, "ix", "left")
        .select("ix", F.coalesce("l", "ix").alias("group"))
        .localCheckpoint()
    )
    related = relations.join(
        group.select(F.col("ix").alias("ai"), F.col("group").alias("ga")), "ai"
    ).join(group.select(F.col("ix").alias("bi"), F.col("group").alias("gb")), "bi")
    inner = related.filter(F.col("ga") == F.col("gb")).select(F.col("ga").alias("label"), "summary")
    if step.on:
        biggest = group.groupBy("group").count().agg(F.max("count")).first()[0]
        step(f"pairs aligned, join components (largest {biggest} articles)")
    # Each join component's members, then the summaries of the relations
    # inside it, kept for both phases. No row holds a component, and no
    # task a component's relations: a join component of the generated 1M
    # set has 400k articles, and their relations as Python strings ran a
    # worker to 22 GB. Summaries are a fraction of that (no passage
    # offsets); every relation's passages come from its pair of families.
    joins = _together(
        members.join(group, "ix").select(F.col("group").alias("label"), "member"),
        inner,
        "label",
        [("member", "string"), ("summary", "string")],
        partitions,
    ).localCheckpoint(storageLevel=StorageLevel.DISK_ONLY)
    found = joins.mapInArrow(_join_records(found_t), found_t)
    return found, joins, related.select("a", "b", "relation"), [pairs, group]


def _join_members(rows):
    members = [member for kind, member, _r in rows if kind == 0]
    summaries = [r for kind, _m, r in rows if kind == 1]
    return members, summaries


def _join_records(schema):
    """Phase 1 of each join component (its members come first): its
    site records, as ``FOUND`` rows."""

    def run(batches):
        def handle(_label, rows):
            return _found_rows([], _ph.join_site_records(*_join_members(rows)))

        yield from _groups(batches, ["label", "kind", "member", "summary"], handle, _to_arrow(schema))

    return run


def _join_lines(schema, sources):
    """Phase 2 of each join component: its ``copies`` lines."""

    def run(batches):
        def handle(_label, rows):
            return [("c", l) for l in _ph.join_copies(*_join_members(rows), sources.value)]

        yield from _groups(batches, ["label", "kind", "member", "summary"], handle, _to_arrow(schema))

    return run


def _family_pairs(schema):
    """The passages of each group of relations by pair of families (its
    members' ``(family, member)`` come first)."""

    def run(batches):
        def handle(_key, rows):
            members = [(family, member) for kind, family, member, _r in rows if kind == 0]
            relations = [r for kind, _f, _m, r in rows if kind == 1]
            return [("p", line) for line in _ph.family_pair_passages(relations, members)]

        cols = ["key", "kind", "family", "member", "relation"]
        yield from _groups(batches, cols, handle, _to_arrow(schema))

    return run


def _family_pair_lines(relations, copies, articles, partitions, lines_t):
    """The ``passages`` lines of relations ``(a, b, relation)``, grouped by
    their unordered pair of families (each relation a passage's direction
    reads is between the same two; a hash of the pair names a group, and a
    collision only merges two groups), each group given its articles'
    families and members."""
    from pyspark.sql import functions as F

    family = copies.select(
        F.get_json_object("line", "$.id").alias("id"),
        F.get_json_object("line", "$.family").alias("family"),
    )
    sided = (
        relations.join(family.select(F.col("id").alias("a"), F.col("family").alias("fa")), "a", "left")
        .join(family.select(F.col("id").alias("b"), F.col("family").alias("fb")), "b", "left")
        .select(
            "a",
            "b",
            "relation",
            F.xxhash64(
                F.least(F.coalesce("fa", "a"), F.coalesce("fb", "b")),
                F.greatest(F.coalesce("fa", "a"), F.coalesce("fb", "b")),
            ).alias("key"),
        )
    )
    named = (
        sided.select("key", F.col("a").alias("id"))
        .union(sided.select("key", F.col("b").alias("id")))
        .distinct()
        .join(articles.select("id", "member"), "id")
        .join(family, "id", "left")
        .select("key", F.coalesce("family", "id").alias("family"), "member")
    )
    return _together(
        named,
        sided,
        "key",
        [("family", "string"), ("member", "string"), ("relation", "string")],
        partitions,
    ).mapInArrow(_family_pairs(lines_t), lines_t)


def _components(edges, edges_t, single_task_edges: int, max_rounds: int = 10_000):
    """Connected components of the undirected edges ``(a, b)`` (longs),
    as ``(v, label)``, the label the smallest vertex of the component (a
    component's smallest vertex may be left out: it is its own label).
    Up to ``single_task_edges`` edges, one task reduces them all to stars.
    Above, Spark joins: each round, every vertex takes the smallest label
    of its own and its neighbours', then the label of its label (pointer
    jumping: the rounds grow with the logarithm of the diameter, not the
    diameter), until none changes."""
    from pyspark.sql import functions as F

    edges = edges.localCheckpoint()
    if edges.count() <= single_task_edges:
        return (
            edges.repartition(1)
            .mapInArrow(_local_stars(edges_t), edges_t)
            .select(F.col("a").alias("v"), F.col("b").alias("l"))
            .localCheckpoint()
        )
    adj = (
        edges.select(F.col("a").alias("v"), F.col("b").alias("u"))
        .union(edges.select(F.col("b").alias("v"), F.col("a").alias("u")))
        .distinct()
        .localCheckpoint()
    )
    labels = (
        adj.groupBy("v").agg(F.least(F.min("u"), F.first("v")).alias("l")).localCheckpoint()
    )
    for _ in range(max_rounds):
        neighbours = adj.join(labels.withColumnRenamed("v", "u"), "u").select(
            "v", F.col("l").alias("m")
        )
        step = (
            labels.join(neighbours.groupBy("v").agg(F.min("m").alias("m")), "v")
            .select("v", F.least("l", "m").alias("l"))
        )
        jumped = (
            step.alias("x")
            .join(step.alias("y"), F.col("x.l") == F.col("y.v"), "left")
            .select(
                F.col("x.v").alias("v"),
                F.least(F.col("x.l"), F.coalesce(F.col("y.l"), F.col("x.l"))).alias("l"),
            )
            .localCheckpoint()
        )
        changed = (
            jumped.join(labels.withColumnRenamed("l", "old"), "v")
            .filter(F.col("l") != F.col("old"))
            .count()
        )
        labels = jumped
        if changed == 0:
            break
    return labels


def _write(spark, lines, schema, path: str, jsonl: bool):
    """Writes a dataset from its rows as the export writes them (a column
    ``line`` of JSON): Parquet of the schema, and the JSON Lines."""
    from pyspark.sql import functions as F

    lines.select(F.from_json("line", schema).alias("r")).select("r.*").write.mode(
        "overwrite"
    ).parquet(path)
    if jsonl:
        lines.select("line").write.mode("overwrite").text(path + ".jsonl")


class _Steps:
    """With WIRETRACE_SPARK_STEPS set, the seconds each step of the job
    took, on stderr (where the time goes)."""

    def __init__(self):
        import time

        self.clock = time.monotonic
        self.on = bool(os.environ.get("WIRETRACE_SPARK_STEPS"))
        self.last = self.clock()

    def __call__(self, name: str):
        if self.on:
            now = self.clock()
            print(f"wiretrace.spark: {name}: {now - self.last:.1f} s", file=sys.stderr, flush=True)
            self.last = now


def run(
    spark,
    inputs: Sequence[str],
    out: str,
    partitions: int = 2,
    seen: Optional[str] = None,
    jsonl: bool = True,
    single_task_edges: int = SINGLE_TASK_EDGES,
    whole_articles: int = WHOLE_ARTICLES,
) -> dict:
    """Runs the job on ``inputs`` (JSONL files, Parquet files or folders of
    feed records) and writes its datasets under ``out``. ``seen`` is the
    time the run stores every article at (RFC 3339; by default the start
    of the run), as one ingest does. Returns counts."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F, Window

    sc = spark.sparkContext
    seen = seen or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    art_schema, copy_schema, passage_schema, rejected_schema = _schemas()
    mem = StorageLevel.MEMORY_AND_DISK
    # What holds whole texts is kept on local disk, serialised: cached in
    # the heap, 100k articles ran a 2 GB executor out of memory.
    disk = StorageLevel.DISK_ONLY
    step = _Steps()
    # Rows here carry whole articles (a few JSON texts each): Arrow batches
    # of Spark's default 10,000 rows ran the JVM out of heap at 100k.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH))

    prepared_t, applied_t, found_t, lines_t, template_t, edges_t, pairs_t, relations_t = (
        _struct(spark, ddl)
        for ddl in (
            PREPARED, APPLIED, FOUND, LINES, "host string, template array<long>", "a long, b long",
            "bucket int, a long, b long",
            "ai long, bi long, a string, b string, relation string, summary string, "
            "may_join boolean",
        )
    )

    # 1. Each record converted (extraction, line keys, sketch) alone. What
    # the whole-input counts read of it (ids, hosts, line keys, rejections)
    # is kept apart, so that only applying templates reads the texts back.
    converted = _read_items(spark, inputs, partitions, prepared_t).persist(disk)
    narrow = converted.select(
        "f", "n", "name", "reason", "id", "host", "keys", "content_hash", "skipped"
    ).persist(mem)
    narrow.count()
    rejected = narrow.filter(F.col("reason").isNotNull()).select(
        F.col("name").alias("input"), "reason"
    )
    n_rejected = rejected.count()
    n_skipped = narrow.select(F.sum("skipped")).first()[0] or 0
    keyed = narrow.filter(F.col("id").isNotNull())
    prepared = converted.filter(F.col("id").isNotNull()).drop("reason", "name", "skipped")

    step("read and prepared")
    # Two items with one id: the store keeps one (the latest content).
    dup = keyed.groupBy("id").count().filter(F.col("count") > 1).select("id")
    dup_rows = keyed.join(dup, "id").select("id", "f", "n", "content_hash").collect()
    if dup_rows:
        by_id: dict = {}
        for r in sorted(dup_rows, key=lambda r: (r["id"], r["f"], r["n"])):
            by_id.setdefault(r["id"], []).append(r)
        keep = []
        for i, rows in by_id.items():
            k = rows[_ph.kept_revision([r["content_hash"] for r in rows])]
            keep.append((i, k["f"], k["n"]))
        kept = spark.createDataFrame(keep, "id string, f int, n long").withColumn("keep", F.lit(True))
        dups = spark.createDataFrame([(i,) for i in by_id], "id string").withColumn("dup", F.lit(True))

        def latest(df):
            return (
                df.join(F.broadcast(dups), "id", "left")
                .join(F.broadcast(kept), ["id", "f", "n"], "left")
                .filter(F.col("dup").isNull() | F.col("keep").isNotNull())
                .drop("dup", "keep")
            )

        keyed, prepared = latest(keyed), latest(prepared)

    step("ids deduplicated")
    # 2. Site templates: each host's from its pages, then the keys common
    # to hosts (counted over all), applied to each article.
    templates = (
        keyed.filter(F.col("host").isNotNull())
        .groupBy("host")
        .agg(F.collect_list("keys").alias("pages"))
        .mapInArrow(_host_templates(template_t), template_t)
        .persist(mem)
    )
    common = sc.broadcast(_ph.common_keys([r["template"] for r in templates.select("template").collect()]))
    articles = (
        # (Broadcast: a template is a few dozen line keys a host, so the
        # texts stay where they are rather than shuffled to their host's.)
        prepared.join(F.broadcast(templates), "host", "left")
        .withColumn("ix", F.monotonically_increasing_id())
        .mapInArrow(_apply(applied_t, common, seen, stored=jsonl), applied_t)
        .persist(disk)
    )
    # What the corpus-wide counts read of each article, kept apart: each
    # pass over `articles` reads its texts back from disk.
    sketches = articles.select("ix", "id", "sketch", "site").persist(disk)
    n_articles = sketches.count()
    converted.unpersist()
    templates.unpersist()

    step("templates applied")
    # 3. Document frequencies of the sketch n-grams over the whole input:
    # n-grams held by at most MAX_POSTINGS articles connect their holders
    # into candidate components (a star per n-gram); of the others the job
    # tells each component their holder count and their one site.
    grams = sketches.select("ix", F.explode("sketch").alias("h"))
    by_gram = Window.partitionBy("h")
    held = grams.select(
        "ix", "h", F.count(F.lit(1)).over(by_gram).alias("n"), F.min("ix").over(by_gram).alias("root")
    )
    max_postings = _ph.MAX_POSTINGS
    # (Each partition's edges reduced to stars first: at most one edge per
    # vertex and partition goes into the joins.)
    edges = (
        held.filter((F.col("n") <= max_postings) & (F.col("ix") != F.col("root")))
        .select(F.col("root").alias("a"), F.col("ix").alias("b"))
        .mapInArrow(_local_stars(edges_t), edges_t)
    )
    frequent_h = held.filter(F.col("n") > max_postings).select("h").distinct()
    frequent = {
        r["h"]: (r["n"], r["site"] if r["sited"] == r["n"] and r["lo"] == r["site"] else None)
        for r in sketches.select("site", F.explode("sketch").alias("h"))
        .join(F.broadcast(frequent_h), "h")
        .groupBy("h")
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.count("site").alias("sited"),
            F.min("site").alias("lo"),
            F.max("site").alias("site"),
        )
        .collect()
    }
    site_pages = {
        r["site"]: r["count"]
        for r in sketches.filter(F.col("site").isNotNull()).groupBy("site").count().collect()
    }
    corpus = sc.broadcast((frequent, site_pages))
    step("document frequencies")
    labels = _components(edges, edges_t, single_task_edges)

    step("candidate components")
    # 4. The candidate components: each article's, and their sizes (a
    # narrow table, three longs an article).
    labelled = labels.withColumnRenamed("v", "ix")
    sized = (
        sketches.select("ix")
        .join(labelled, "ix", "left")
        .select("ix", F.coalesce("l", "ix").alias("label"))
        .withColumn("size", F.count(F.lit(1)).over(Window.partitionBy("label")))
        .localCheckpoint()
    )
    small = sized.filter(F.col("size") <= whole_articles)
    large = sized.filter(F.col("size") > whole_articles).select("ix", "label")
    n_large = large.count()
    if step.on:
        biggest = sized.agg(F.max("size")).first()[0]
        step(f"components sized (largest {biggest} articles, {n_large} in larger than {whole_articles})")
    # A component of up to `whole_articles` articles is analysed whole in
    # one task, given its texts (its pairs found, aligned and grouped, no
    # pairs or relations moved between steps); a component of one is
    # given no text (it has nothing to align).
    texts = articles.select("ix", "id", "sketch", "site", "tokens", "article", "member")
    whole = (
        texts.join(F.broadcast(small) if n_articles <= BROADCAST_ARTICLES else small, "ix")
        .withColumn("article", F.when(F.col("size") > 1, F.col("article")))
        .repartition(partitions, "label")
        .sortWithinPartitions("label")
        .select("label", "ix", "id", "sketch", "site", "tokens", "article", "member")
        .mapInArrow(_whole(found_t, corpus), found_t)
    )
    held = []
    found = whole
    joins = related = None
    if n_large:
        in_steps, joins, related, held = _large_components(
            sketches, articles, large, corpus, partitions, single_task_edges,
            (pairs_t, relations_t, found_t, edges_t), step,
        )
        found = whole.unionByName(in_steps)
    found = found.localCheckpoint(storageLevel=disk)
    records = [
        (r["site"], r["originals"], r["copies"])
        for r in found.filter(F.col("kind") == "s").select("site", "originals", "copies").collect()
    ]
    sources = sc.broadcast(_ph.source_sites(records))
    step("candidates, alignment, families")
    lines = (
        found.filter(F.col("kind") == "c")
        .select("members", "relations")
        .mapInArrow(_family_lines(lines_t, sources), lines_t)
        .localCheckpoint(storageLevel=disk)
    )
    if joins is not None:
        lines = lines.unionByName(joins.mapInArrow(_join_lines(lines_t, sources), lines_t))
        lines = lines.localCheckpoint(storageLevel=disk)
        by_families = _family_pair_lines(
            related, lines.filter(F.col("kind") == "c"), articles, partitions, lines_t
        )
        lines = lines.unionByName(by_families).localCheckpoint(storageLevel=disk)

    step("families")
    os.makedirs(out, exist_ok=True)
    _write(spark, articles.select(F.col("row").alias("line")), art_schema, os.path.join(out, "articles"), jsonl)
    copies = lines.filter(F.col("kind") == "c")
    passages = lines.filter(F.col("kind") == "p")
    _write(spark, copies, copy_schema, os.path.join(out, "copies"), jsonl)
    _write(spark, passages, passage_schema, os.path.join(out, "passages"), jsonl)
    step("articles, copies, passages written")
    rej = rejected.select(F.to_json(F.struct("input", "reason")).alias("line"))
    _write(spark, rej, rejected_schema, os.path.join(out, "rejected"), jsonl)
    families = found.filter(F.col("kind") == "c")
    if jsonl:
        # What `wiretrace import` stores besides: each article as extracted
        # with its template lines, and the relations (passages with their
        # token ranges), from which it regroups families and stories.
        articles.select("stored").write.mode("overwrite").text(os.path.join(out, "store", "articles"))
        stored = families.select(F.explode("relations").alias("relation"))
        if related is not None:
            stored = stored.unionByName(related.select("relation"))
        stored.write.mode("overwrite").text(os.path.join(out, "store", "relations"))
    step("rejected and store written")
    n_large_relations = related.count() if related is not None else 0
    counts = {
        "articles": n_articles,
        "rejected": n_rejected,
        "skipped": n_skipped,
        "relations": (families.select(F.sum(F.size("relations"))).first()[0] or 0)
        + n_large_relations,
        # (Of those, the relations of components analysed in steps.)
        "relations_in_steps": n_large_relations,
        "copies": copies.count(),
        "passages": passages.count(),
        "seen": seen,
    }
    step("counted")
    for df in (lines, found, *held, sized, sketches, articles, narrow):
        df.unpersist()
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
        "--single-task-edges",
        type=int,
        default=SINGLE_TASK_EDGES,
        metavar="N",
        help="find the candidate components in one task up to N edges (16 bytes each), "
        "by label propagation above (0: always)",
    )
    ap.add_argument(
        "--whole-articles",
        type=int,
        default=WHOLE_ARTICLES,
        metavar="N",
        help="analyse a candidate component of up to N articles whole in one task, "
        "larger ones in steps that hold no more than a bucket's texts (0: always in steps)",
    )
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
    # (Spark's default of 1 GB runs out at 10k articles of whole texts.)
    conf = {"spark.driver.memory": "2g"}
    for kv in args.conf:
        key, _, value = kv.partition("=")
        conf[key] = value
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        counts = run(
            spark,
            args.inputs,
            args.out,
            args.partitions,
            args.seen,
            jsonl=not args.no_jsonl,
            single_task_edges=args.single_task_edges,
            whole_articles=args.whole_articles,
        )
    finally:
        spark.stop()
    print(json.dumps(counts))
    return 0
