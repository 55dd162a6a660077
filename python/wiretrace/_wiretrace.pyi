"""Type stubs of the extension module behind ``wiretrace`` (see its docs)."""

from os import PathLike
from typing import Any, Iterable, Iterator, Mapping, Optional, TypedDict, Union

class WiretraceError(Exception):
    """An error of wiretrace: a store that cannot be opened or written."""

class RejectedError(WiretraceError):
    """An item wiretrace cannot take; the message names it and says why."""

class Stripped(TypedDict):
    text: str
    reason: str

ArticleRow = TypedDict(
    "ArticleRow",
    {
        "id": str,
        "url": Optional[str],
        "canonical_url": Optional[str],
        "site": Optional[str],
        "published": Optional[str],
        "updated": Optional[str],
        "title": Optional[str],
        "byline": Optional[str],
        "language": Optional[str],
        "wire": Optional[str],
        "text": str,
        "body": list[list[int]],
        "clean_text": str,
        "captions": list[str],
        "related": list[str],
        "stripped": list[Stripped],
        "input": str,
        "format": str,
    },
)

class CopyRow(TypedDict):
    id: str
    family: str
    source: Optional[str]
    kind: Optional[str]
    chain: Optional[str]
    version_of: Optional[str]

class PassageRow(TypedDict):
    src_id: str
    src_start: int
    src_end: int
    dst_id: str
    dst_start: int
    dst_end: int

class AssignmentRow(TypedDict):
    id: str
    story: str

class RejectedRow(TypedDict):
    input: str
    reason: str
    at: str

class StoryDict(TypedDict):
    id: str
    headline: Optional[str]
    first_seen: Optional[str]
    last_seen: Optional[str]
    articles: list[str]
    outlets: list[str]

class Rejection(TypedDict):
    input: str
    reason: str

class IngestSummary(TypedDict):
    items: int
    ingested: int
    exact_duplicates: int
    revised: int
    unchanged: int
    rejected: int
    rejections: list[Rejection]
    skipped: list[Rejection]
    skipped_records: dict[str, int]

class SketchDict(TypedDict):
    hashes: list[int]
    tokens: int

class AlignedPassage(TypedDict):
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int

class Alignment(TypedDict):
    passages: list[AlignedPassage]
    a_coverage: float
    b_coverage: float
    copy: bool

def extract(html_or_text: Union[str, bytes], url: Optional[str] = None) -> ArticleRow:
    """Extracts the article of one HTML page (text starting with a tag) or
    scraped text. ``bytes`` are decoded as a page's are (BOM, ``<meta
    charset>``, UTF-8, detection). Raises RejectedError naming the item
    (``url``, else ``<python>``) when there is no article."""

def sketch(text: str) -> SketchDict:
    """The sketch ingest takes of a text's body: sampled 5-gram hashes of
    its tokens, and how many tokens it has. RejectedError for no text."""

def align(text_a: str, text_b: str) -> Alignment:
    """The passages two texts share (maximal runs across small edits), at
    code point offsets into each text as given, their coverage of each,
    and whether the two are copies."""

class Rows(Iterator[Any]):
    """Rows of a store, handed out one at a time as dicts."""
    def __iter__(self) -> "Rows": ...
    def __next__(self) -> Any: ...
    def __len__(self) -> int: ...

class Store:
    """A wiretrace store (an SQLite file, created when missing). Reading
    methods first finish any analysis an ingest left behind."""
    def __init__(self, path: Union[str, PathLike[str]]) -> None: ...
    def __enter__(self) -> "Store": ...
    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool: ...
    def ingest(
        self,
        items: Iterable[Mapping[str, Any]],
        name: str = "<python>",
        stories: bool = True,
    ) -> IngestSummary:
        """Ingests feed records (dicts with ``id``, ``url``, ``site``,
        ``published``, ``title``, ``text`` and/or ``html``), then brings copies,
        passages and (unless ``stories`` is false) stories up to date. A bad
        record is rejected as ``NAME:line N`` with the reason (see
        ``rejected()``) and the rest go on; an exception raised by the
        iterable stops the ingest there and is raised again once what came
        before it is stored."""
    def articles(self) -> Iterator[ArticleRow]:
        """Every article (``articles`` export rows), by id."""
    def article(self, id: str) -> ArticleRow:
        """One article; KeyError when there is none."""
    def stories(self) -> Iterator[StoryDict]:
        """Every story, latest first."""
    def story(self, id: str) -> StoryDict:
        """One story; KeyError when there is none."""
    def copies(self) -> Iterator[CopyRow]:
        """Every article's copy family and source (``copies`` rows), by id."""
    def passages(self) -> Iterator[PassageRow]:
        """Every reused passage, from its source (``passages`` rows)."""
    def assignments(self) -> Iterator[AssignmentRow]:
        """Every article's story (``stories`` export rows)."""
    def rejected(self) -> Iterator[RejectedRow]:
        """Inputs that could not be stored, with the reason."""

class phases:
    """The analysis in phases for a distributed job (``wiretrace.spark``):
    each function is one step of the library's pipeline on a batch, the GIL
    released. Hashes and line keys are 64-bit ``int``s, signed."""

    MAX_POSTINGS: int

    @staticmethod
    def prepare_records(
        items: list[tuple[str, bytes]],
    ) -> list[tuple[Optional[dict[str, Any]], Optional[str]]]:
        """Converts feed lines ``(input, line)``: each gives the prepared
        article (``id``, ``article`` JSON, ``host``, ``keys``, ``sketch``,
        ``tokens``, ``site``, ``content_hash``) or the rejection's reason."""
    @staticmethod
    def kept_revision(hashes: list[str]) -> int:
        """Of the items given one id (content hashes in input order), the
        index of the one the store keeps."""
    @staticmethod
    def host_template(pages: list[list[int]]) -> list[int]:
        """One host's template from its pages' line keys, sorted."""
    @staticmethod
    def common_keys(templates: list[list[int]]) -> list[int]:
        """The keys in the templates of enough hosts, sorted."""
    @staticmethod
    def apply_templates(
        rows: list[tuple[str, Optional[str], list[int], int, list[int]]],
        common: list[int],
        seen: str,
    ) -> list[tuple[str, str, str, str]]:
        """Applies each ``(article, host, keys, tokens, host_template)``'s
        template: ``(article, member, articles_row, stored)`` as JSON
        strings (``stored``: what ``wiretrace import`` reads)."""
    class CorpusCounts:
        """What a candidate component cannot count alone: the n-grams held
        by more than ``MAX_POSTINGS`` articles (``{hash: (holders, their one
        site or None)}``) and the pages of each site."""

        def __init__(
            self, frequent: dict[int, tuple[int, Optional[str]]], site_pages: dict[str, int]
        ) -> None: ...
    @staticmethod
    def local_stars(a: bytes, b: bytes) -> tuple[bytes, bytes]:
        """The components of the edges ``a[i] - b[i]`` (little-endian
        longs packed in bytes) as stars ``(vertex, least vertex)``, packed
        the same way, for each vertex not the least of its component."""
    @staticmethod
    def component_pairs(
        articles: list[tuple[int, str, list[int], Optional[str]]],
        corpus: "phases.CorpusCounts",
    ) -> tuple[bytes, bytes]:
        """The pairs worth aligning of a candidate component (rows ``(key,
        id, sketch, site)``), from sketches alone: the keys of their first
        and second articles (the first the smaller id), packed as
        ``local_stars`` packs them."""
    @staticmethod
    def align_keyed_pairs(
        articles: list[tuple[int, str, list[int], int]], a: bytes, b: bytes
    ) -> list[tuple[int, str, str, str, str, bool]]:
        """Aligns the pairs whose keys are packed in ``a`` and ``b``, given
        the articles they name (rows ``(key, article, sketch, tokens)``):
        for each relation kept, ``(index of its pair, id_a, id_b, JSON,
        summary JSON, whether it may join the two into one family)``."""
    @staticmethod
    def whole_component(
        articles: list[tuple[int, str, list[int], Optional[str], int, Optional[str], str]],
        corpus: "phases.CorpusCounts",
    ) -> tuple[list[tuple[list[str], list[str]]], list[tuple[str, int, int]]]:
        """A candidate component analysed in one piece, from rows of ``(key,
        id, sketch, site, tokens, article or None, member)``: its pairs
        found, aligned and grouped, as ``(families, site_records)``, each
        family's ``(members, relations)`` (JSON) and phase 1's ``(site,
        originals, copies)`` (the article may be None in a component of
        one)."""
    @staticmethod
    def source_sites(records: list[tuple[str, int, int]]) -> list[str]:
        """The source sites of the summed records, sorted."""
    @staticmethod
    def join_site_records(members: list[str], summaries: list[str]) -> list[tuple[str, int, int]]:
        """Phase 1 of one join component from its members and the summaries
        of the relations inside it (JSON): ``(site, originals, copies)``."""
    @staticmethod
    def join_copies(members: list[str], summaries: list[str], source_sites: list[str]) -> list[str]:
        """Phase 2 of one join component: its ``copies`` lines (JSON)."""
    @staticmethod
    def family_pair_passages(relations: list[str], members: list[tuple[str, str]]) -> list[str]:
        """The ``passages`` lines (JSON) of relations grouped by their pair
        of families, given ``(family, member)`` (JSON) for every article
        they name."""
    @staticmethod
    def component_lines(
        components: list[tuple[list[str], list[str]]], source_sites: list[str]
    ) -> tuple[list[str], list[str]]:
        """Phase 2: the ``copies`` and ``passages`` lines (JSON, as the
        export writes them) of families ``(members, relations)``."""
