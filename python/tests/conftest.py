"""Shared fixtures: a small corpus of the repository's own fictional news
(the demo corpus and the integration tests' fixtures) as feed records, and
the `wiretrace` binary to compare with."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def corpus_records():
    """Feed records (dicts): the demo's wire feed, its three site pages
    (HTML and scraped text) and the write-through fixture."""
    records = []
    for feed in [
        REPO / "crates/wiretrace/demo/feeds/mpa-wire.jsonl",
        REPO / "crates/wiretrace/tests/fixtures/write-through.jsonl",
        REPO / "crates/wiretrace/tests/fixtures/late-copy.jsonl",
    ]:
        records += [json.loads(line) for line in feed.read_text().splitlines() if line.strip()]
    for page in sorted((REPO / "crates/wiretrace/demo/sites").iterdir()):
        field = "html" if page.suffix == ".html" else "text"
        records.append(
            {"id": page.stem, "url": f"https://{page.stem}.example/", field: page.read_text()}
        )
    return records


@pytest.fixture(scope="session")
def records():
    return corpus_records()


@pytest.fixture(scope="session")
def wiretrace_bin():
    """The CLI: $WIRETRACE_BIN, else a release build in target/."""
    path = os.environ.get("WIRETRACE_BIN") or str(REPO / "target/release/wiretrace")
    if not os.path.exists(path):
        pytest.skip(f"no wiretrace binary at {path}: cargo build --release -p wiretrace")
    return path


def cli(binary, db, *args):
    return subprocess.run(
        [binary, "--db", str(db), *args], check=False, capture_output=True
    )
