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

import sys as _sys

from . import _wiretrace

# The phases' submodule under its full name, so that functions and modules
# referring to it pickle by name (Spark ships closures to its workers).
_sys.modules.setdefault("wiretrace._wiretrace.phases", _wiretrace.phases)

__all__ = [
    "RejectedError",
    "Rows",
    "Store",
    "WiretraceError",
    "align",
    "extract",
    "sketch",
]
