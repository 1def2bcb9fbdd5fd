"""The process of ``ahead.PagesAhead``: run as ``python -c ahead.BOOTSTRAP <package parent>``.

It imports what it needs, then reads one job (JSON) from its input: the pages in MkDocs'
order (``src_uri``, file path) and the snippet folders. For each page it reads the file as
MkDocs does (UTF-8 with its byte order mark dropped, newlines as text mode reads them, front
matter taken off by MkDocs' own ``get_data``), finds and parses its checks as the plugin does
(``parse_page``) and writes one frame: the length (8 bytes, big-endian), then the pickle of
(``src_uri``, Markdown, blocks). A page it cannot read or parse is left out: the build parses
that one itself, and says what is wrong with it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..find import decode_page, text_mode_newlines
from .ahead import LENGTH_BYTES
from .blocks import parse_page


def main() -> None:
    get_data = _mkdocs_get_data()  # before the job comes: the build starts this process early
    sent = sys.stdin.buffer.read()
    if not sent:  # the build ended (an error, a Ctrl-C) before it listed its pages
        return
    job = json.loads(sent)
    snippet_paths = tuple(Path(path) for path in job["snippet_paths"])
    output = sys.stdout.buffer
    for page, path in job["pages"]:
        try:
            text, problem = decode_page(Path(path).read_bytes(), page)
            if problem is not None:
                continue  # shown by the build with its one error, none of its checks run
            markdown, _ = get_data(text_mode_newlines(text))
            parsed = parse_page(markdown, page, snippet_paths)
            data = pickle.dumps((page, markdown, parsed), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # whatever it is, the build meets it itself and says so
            continue
        try:
            output.write(len(data).to_bytes(LENGTH_BYTES, "big") + data)
            output.flush()
        except BrokenPipeError:  # the build is over (or was stopped): nobody reads any more
            # Python flushes its output once more at exit: let that go nowhere, quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), output.fileno())
            return


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
