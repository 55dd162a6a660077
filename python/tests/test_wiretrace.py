"""The Python package: extraction, the lower layers, and a store whose rows
are those `wiretrace export` writes for the same input."""

import json
import pathlib
import threading
import time

import pytest

import wiretrace
from conftest import cli

PAGE = b"""<html><head><title>Ferry service resumes - The Velen Post</title>
<meta property="og:site_name" content="The Velen Post"></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Ferry service resumes</h1>
<p>The ferry between Port Velen and Ostrand Island sailed again on Monday after a week in dock, the operator said.</p>
<p>Engineers replaced a gearbox that failed during a storm, and the first crossing left on time with 212 passengers.</p>
</article><footer>Copyright The Velen Post</footer></body></html>"""


def test_extract_reads_a_page_with_its_metadata():
    a = wiretrace.extract(PAGE, url="https://velenpost.example/2025/05/12/ferry-resumes")
    assert a["title"] == "Ferry service resumes"
    assert a["site"] == "The Velen Post"
    assert a["published"] == "2025-05-12T00:00:00Z"
    assert a["format"] == "html"
    assert "gearbox" in a["clean_text"] and "Home | World" not in a["clean_text"]
    # Body spans are code point offsets into `text`.
    for start, end in a["body"]:
        assert a["text"][start:end] in a["clean_text"]


def test_extract_takes_str_and_scraped_text():
    a = wiretrace.extract(PAGE.decode())
    assert a["title"] == "Ferry service resumes"
    t = wiretrace.extract("Ferry service resumes\n\nThe ferry between Port Velen and Ostrand Island sailed again on Monday after a week in dock.")
    assert t["format"] == "text"
    assert "Ostrand Island" in t["clean_text"]


def test_extract_decodes_bytes_by_the_pages_charset():
    page = '<html><head><meta charset="iso-8859-1"><title>Caf\xe9 reopens</title></head><body><p>The caf\xe9 on the harbour front reopened on Friday after a fire in the kitchen closed it for a month.</p></body></html>'
    a = wiretrace.extract(page.encode("latin-1"))
    assert a["title"] == "Caf\u00e9 reopens"


def test_bad_input_raises_naming_the_item():
    with pytest.raises(wiretrace.RejectedError, match=r"https://x\.example/empty: empty input"):
        wiretrace.extract(b"", url="https://x.example/empty")
    with pytest.raises(wiretrace.RejectedError, match=r"<python>"):
        wiretrace.extract(b"\x00\x01\x02binary\x00")
    with pytest.raises(TypeError, match="str or bytes"):
        wiretrace.extract(42)
    assert issubclass(wiretrace.RejectedError, wiretrace.WiretraceError)


def test_sketch_is_the_same_for_the_same_body_and_differs_otherwise():
    text = "The harbour workers of Port Velen voted on Tuesday to end a strike that had kept ships waiting at anchor for eleven days."
    s = wiretrace.sketch(text)
    assert s == wiretrace.sketch(text)
    assert s["tokens"] == len(text.split())
    assert s["hashes"] and all(isinstance(h, int) and h >= 0 for h in s["hashes"])
    other = wiretrace.sketch("A quite different report about a flower show in the hills above Ostrand, with prizes for roses and tulips this year.")
    assert not set(s["hashes"]) & set(other["hashes"])
    with pytest.raises(wiretrace.RejectedError, match="text"):
        wiretrace.sketch("")


def test_align_gives_code_point_offsets_of_the_shared_passage():
    shared = "The harbour workers of Port Velen voted on Tuesday to end a strike that had kept ships waiting at anchor for eleven days."
    a = "Élan — " + shared + "\n\nThe weather in the hills stayed fine all week, forecasters said."
    b = "A line of its own comes first here, about something else.\n\n" + shared
    r = wiretrace.align(a, b)
    assert len(r["passages"]) == 1
    p = r["passages"][0]
    assert a[p["a_start"]:p["a_end"]] == b[p["b_start"]:p["b_end"]]
    assert "voted on Tuesday" in a[p["a_start"]:p["a_end"]]
    assert 0 < r["a_coverage"] <= 1 and 0 < r["b_coverage"] <= 1
    assert wiretrace.align(shared, shared)["copy"] is True
    assert wiretrace.align(a, "Nothing in common at all with the other text, a note on tulips.")["passages"] == []


def test_work_runs_with_the_gil_released():
    # While one thread aligns two long texts, this thread keeps running
    # Python: a call that held the GIL would stop it for the whole call.
    words = [f"w{i % 997}x{i % 13}" for i in range(60_000)]
    text = " ".join(words)
    done = threading.Event()
    took = []

    def work():
        t = time.perf_counter()
        wiretrace.align(text, text)
        took.append(time.perf_counter() - t)
        done.set()

    ticks = 0
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    # The call took long enough to see (at least a few switch intervals),
    # and this thread ran through it.
    assert took[0] > 0.02, took
    assert ticks >= 5, (ticks, took)


def test_store_rows_are_the_cli_exports_of_the_same_input(tmp_path, records, wiretrace_bin):
    feed = tmp_path / "corpus.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    cli_db = tmp_path / "cli.db"
    ran = cli(wiretrace_bin, cli_db, "ingest", "--quiet", str(feed))
    assert ran.returncode == 0, ran.stderr

    store = wiretrace.Store(tmp_path / "py.db")
    summary = store.ingest(iter(records), name=str(feed))
    assert summary["items"] == len(records) and summary["rejected"] == 0

    def dump(rows):
        return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows).encode()

    for what, rows in [
        ("articles", store.articles()),
        ("copies", store.copies()),
        ("passages", store.passages()),
        ("stories", store.assignments()),
    ]:
        exported = cli(wiretrace_bin, cli_db, "export", "--what", what)
        assert exported.returncode == 0, exported.stderr
        assert dump(rows) == exported.stdout, what
    # The corpus has copies and passages, so the comparison says something.
    copies = list(store.copies())
    assert any(c["source"] for c in copies)
    assert len(list(store.passages())) > 0


def test_store_reads_stories_and_one_article(tmp_path, records):
    store = wiretrace.Store(str(tmp_path / "s.db"))
    store.ingest(records)
    stories = list(store.stories())
    assert stories and all(s["articles"] for s in stories)
    first = stories[0]
    assert store.story(first["id"]) == first
    aid = first["articles"][0]
    assert store.article(aid)["id"] == aid
    with pytest.raises(KeyError, match='no story "s-nothing"'):
        store.story("s-nothing")
    with pytest.raises(KeyError, match='no article "nothing"'):
        store.article("nothing")
    # A second handle on the same file reads the same.
    again = wiretrace.Store(tmp_path / "s.db")
    assert list(again.copies()) == list(store.copies())


def test_bad_records_are_rejected_by_name_and_the_rest_stored(tmp_path, records):
    store = wiretrace.Store(tmp_path / "r.db")
    items = [records[0], "not a dict", {"id": "x1"}, {"id": "x2", "text": "t", "published": object()}, records[1]]
    summary = store.ingest(items, name="batch")
    assert summary["items"] == 5
    assert summary["rejected"] == 3
    rejected = {r["input"]: r["reason"] for r in store.rejected()}
    assert set(rejected) == {"batch:line 2", "batch:line 3", "batch:line 4"}
    assert "not a dict" in rejected["batch:line 2"] and "str" in rejected["batch:line 2"]
    assert "not JSON" in rejected["batch:line 4"]
    assert {a["id"] for a in store.articles()} == {records[0]["id"], records[1]["id"]}


def test_an_iterable_that_raises_stops_the_ingest_and_keeps_what_came_before(tmp_path, records):
    store = wiretrace.Store(tmp_path / "e.db")

    def feed():
        yield records[0]
        yield records[1]
        raise RuntimeError("the feed broke")

    with pytest.raises(RuntimeError, match="the feed broke"):
        store.ingest(feed())
    assert {a["id"] for a in store.articles()} == {records[0]["id"], records[1]["id"]}


def test_an_iterable_that_reads_its_own_store_is_told_not_left_waiting(tmp_path, records):
    with wiretrace.Store(tmp_path / "busy.db") as store:

        def feed():
            yield records[0]
            list(store.copies())  # the ingest holds the store
            yield records[1]

        with pytest.raises(wiretrace.WiretraceError, match="busy with the ingest"):
            store.ingest(feed())
        assert [a["id"] for a in store.articles()] == [records[0]["id"]]


def test_a_file_that_is_no_store_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(wiretrace.WiretraceError, match="notes.db"):
        wiretrace.Store(bad)
    assert bad.read_text().startswith("these are my notes")


def test_type_stubs_name_what_the_module_has():
    stub = pathlib.Path(wiretrace.__file__).with_name("_wiretrace.pyi").read_text()
    declared = {
        line.split()[1].split("(")[0].split(":")[0]
        for line in stub.splitlines()
        if line.startswith(("def ", "class "))
    }
    public = {n for n in dir(wiretrace._wiretrace) if not n.startswith("_")}
    assert public <= declared, public - declared
    for name in ["extract", "sketch", "align", "Store", "Rows", "WiretraceError", "RejectedError"]:
        assert getattr(wiretrace, name).__doc__, name
    for method in ["ingest", "articles", "article", "stories", "story", "copies", "passages", "rejected"]:
        assert getattr(wiretrace.Store, method).__doc__, method
