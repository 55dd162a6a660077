"""wiretrace: turns a stream of news pages into stories with provenance.

The Python face of the Rust library (the same pipeline as the ``wiretrace``
command): ``extract`` one page, a ``Store`` to ingest feed records into and
read copies, passages and stories from (rows in the export schemas of
docs/export.md), and the lower layers ``sketch`` and ``align``. Work runs
with the GIL released.
"""

from ._wiretrace import (
    RejectedError,
    Rows,
    Store,
    WiretraceError,
    align,
    extract,
    sketch,
)

__all__ = [
    "RejectedError",
    "Rows",
    "Store",
    "WiretraceError",
    "align",
    "extract",
    "sketch",
]
