"""The process of ``ahead.PagesAhead``: run as ``python -c ahead.BOOTSTRAP <package parent>``.

It imports what it needs, then reads one job (JSON) from its input: the pages in MkDocs'
order (``src_uri``, file path) and the snippet folders. For each page it reads the file as
MkDocs does (UTF-8 with its byte order mark dropped, newlines as text mode reads them, front
matter taken off by MkDocs' own ``get_data``), finds and parses its checks as the plugin does
(``parse_page``) and writes one frame: the length (8 bytes, big-endian), then the pickle of
(``src_uri``, Markdown, blocks). A page it cannot read or parse is left out: the build parses
that one itself, and says what is wrong with it.

Given what preparing reads (``Preparing``: the build's settings and catalog, its cache mode
and cache folder), it also prepares each page's checks and looks them up in the cache, as the
build would (``prepare_ahead``), with a runner of its own: the pickle then holds the page's
front matter lines and its checks too. It reads the cache and never writes it (no key made,
nothing stored). A page whose preparing logged a warning (a damaged cache, say) goes without
its prepared checks: the build prepares them itself and says so, through MkDocs' log.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..find import decode_page, front_matter_offset, text_mode_newlines
from ..parse.blocks import parse_page
from .ahead import LENGTH_BYTES, ParsedPage, PreparedPage, Preparing
from .cache import ResultCache
from .kept_preparations import prepare_ahead
from .runner import CheckRunner


class _Warnings(logging.Handler):
    """Counts what would be logged as a warning or worse, and shows none of it: the build
    says it itself when it prepares that page."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def main() -> None:
    # Imports and set-up before the job comes: the build starts this process early.
    get_data = _mkdocs_get_data()
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    sent = sys.stdin.buffer.read()
    if not sent:  # the build ended (an error, a Ctrl-C) before it listed its pages
        return
    job = pickle.loads(sent)  # from the build that started this process, over its pipe
    snippet_paths = tuple(job["snippet_paths"])
    runner = _runner(job["preparing"]) if job["preparing"] is not None else None
    output = sys.stdout.buffer
    for page, path in job["pages"]:
        try:
            text, problem = decode_page(Path(path).read_bytes(), page)
            if problem is not None:
                continue  # shown by the build with its one error, none of its checks run
            source = text_mode_newlines(text)
            markdown, _ = get_data(source)
            parsed = parse_page(markdown, page, snippet_paths)
        except Exception:  # whatever it is, the build meets it itself and says so
            continue
        prepared = None
        if runner is not None:
            prepared = _prepared(runner, parsed, front_matter_offset(source, markdown), warnings)
        try:
            data = pickle.dumps(
                (page, markdown, parsed, prepared), protocol=pickle.HIGHEST_PROTOCOL
            )
        except Exception:
            continue
        try:
            output.write(len(data).to_bytes(LENGTH_BYTES, "big") + data)
            output.flush()
        except BrokenPipeError:  # the build is over (or was stopped): nobody reads any more
            # Python flushes its output once more at exit: let that go nowhere, quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), output.fileno())
            return


def _runner(sent: bytes) -> CheckRunner | None:
    """A runner as the build's (``Preparing``, pickled apart), or ``None``: then the child
    only parses."""
    try:
        preparing: Preparing = pickle.loads(sent)
        settings, catalog, mode, cache_dir = preparing
        # No key yet (a first build): nothing is cached, and only the build may make one.
        cache = ResultCache.read_only(cache_dir) or ResultCache(None)
        return CheckRunner(settings, catalog=catalog, cache=cache, mode=mode)
    except Exception:
        return None


def _prepared(
    runner: CheckRunner, parsed: ParsedPage, offset: int, warnings: _Warnings
) -> PreparedPage | None:
    logged = warnings.count
    try:
        checks = prepare_ahead(runner, parsed, offset)
    except Exception:  # the build prepares the page itself, and meets the problem there
        return None
    return (offset, checks) if warnings.count == logged else None


def _mkdocs_get_data() -> Callable[[str], tuple[str, Any]]:
    """MkDocs' ``meta.get_data``, loaded from its file alone when it can be: importing it as
    ``mkdocs.utils.meta`` loads all of ``mkdocs.utils`` first (a tenth of a second)."""
    import mkdocs

    path = Path(mkdocs.__file__).parent / "utils" / "meta.py"
    try:
        spec = importlib.util.spec_from_file_location("_runbook_mkdocs_meta", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        get_data: Callable[[str], tuple[str, Any]] = module.get_data
    except Exception:  # another MkDocs: its own import, slower but the same
        from mkdocs.utils.meta import get_data
    return get_data
