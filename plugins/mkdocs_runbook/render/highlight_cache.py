"""Check sources as highlighted HTML, kept between builds (issue 14).

Highlighting a block with Pygments costs about a millisecond, most of it setting up a
formatter, and a page shows the same blocks build after build. So each highlighted source is
kept by language and text: in memory across ``mkdocs serve`` rebuilds, and in one file under
``.cache/runbook/`` for the next build process. The file belongs to one Markdown setup (the
extensions, their options and the versions of the libraries that highlight); under another,
nothing in it is used.

The HTML goes into the pages as it is, so the file is not trusted: an entry is used only when
its markup is what a highlighter makes (``div``, ``pre``, ``code``, ``span`` and table tags with
class-like attributes, nothing else) and its text is the very source it stands for. Anything
else (a tampered file, a setup whose output carries more, such as titles or line anchors) is
highlighted again.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..text import html_safe_json

log = logging.getLogger("mkdocs.plugins.runbook")

#: Bumped when the file's layout changes; a file of another version is not used.
CACHE_VERSION = 1
#: A file larger than this is not read: far beyond what any site's sources take.
MAX_FILE_BYTES = 64 * 1024 * 1024

_HIGHLIGHTER_TAG = re.compile(
    r"<(?:/(?:div|pre|code|span|table|tbody|tr|td|th)"
    r'|(?:div|pre|code|span|table|tbody|tr|td|th)(?: (?:class|id|data-[a-z-]+)="[^"<>]*")*)>'
)
_LIBRARIES = ("markdown", "pygments", "pymdown-extensions", "mkdocs-runbook")


class HighlightCache:
    """Highlighted HTML by (language, source text), for one Markdown setup."""

    FILE_NAME = "highlight.json"

    def __init__(self) -> None:
        self._memory: dict[tuple[str, str], str] = {}
        self._used: set[tuple[str, str]] = set()
        self._setup = ""
        self._directory: Path | None = None
        self._loaded = True
        self._dirty = False

    def begin(self, directory: Path | None, setup: str) -> None:
        """A build starts: its cache folder and its Markdown setup (``setup_fingerprint``).
        What was kept for the same folder and setup stays; anything else is dropped."""
        if directory != self._directory or setup != self._setup:
            self._memory = {}
            self._directory = directory
            self._setup = setup
            self._loaded = directory is None
            self._dirty = False
        self._used = set()

    def get(self, lang: str, text: str, highlight: Callable[[], str]) -> str:
        """``text`` highlighted as ``lang``: kept, or made by ``highlight`` and kept."""
        self._load()
        key = (lang, text)
        self._used.add(key)
        rendered = self._memory.get(key)
        if rendered is None:
            rendered = highlight()
            if is_highlighted_source(rendered, text):
                self._memory[key] = rendered
                self._dirty = True
        return rendered

    def flush(self) -> None:
        """Write what this build used, once, if anything changed (new sources, or sources
        no page shows any more)."""
        unused = self._memory.keys() - self._used
        if self._directory is None or not (self._dirty or unused):
            return
        for key in unused:
            del self._memory[key]
        data = {
            "version": CACHE_VERSION,
            "setup": self._setup,
            "entries": [[lang, text, rendered] for (lang, text), rendered in self._memory.items()],
        }
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            path = self._directory / self.FILE_NAME
            temporary = path.with_suffix(".tmp")
            temporary.write_text(html_safe_json(data), encoding="utf-8")
            temporary.replace(path)
            self._dirty = False
        except OSError as exc:  # only speed is lost: the next build highlights again
            log.debug("cannot write the highlight cache in %s: %s", self._directory, exc)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        assert self._directory is not None
        path = self._directory / self.FILE_NAME
        try:
            with path.open("rb") as file:
                if os.fstat(file.fileno()).st_size > MAX_FILE_BYTES:
                    return
                data = json.loads(file.read())
        except (OSError, ValueError) as exc:  # missing or unreadable: highlight again
            log.debug("not using the highlight cache %s: %s", path, exc)
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return
        if data.get("setup") != self._setup or not isinstance(data.get("entries"), list):
            return
        for entry in data["entries"]:
            if not (isinstance(entry, list) and len(entry) == 3):
                continue
            lang, text, rendered = entry
            if not all(isinstance(part, str) for part in entry):
                continue
            if is_highlighted_source(rendered, text):
                self._memory.setdefault((lang, text), rendered)


def is_highlighted_source(rendered: str, text: str) -> bool:
    """Whether ``rendered`` is only a highlighter's markup around exactly ``text``."""
    rest = _HIGHLIGHTER_TAG.sub("", rendered)
    if "<" in rest or ">" in rest:
        return False
    return html.unescape(rest).strip("\n") == text.strip("\n")


def setup_fingerprint(extensions: object, configs: Mapping[str, object]) -> str:
    """The Markdown setup highlighting depends on, as text that is the same in every
    process with the same configuration (functions by name, not by address)."""
    versions = _library_versions()
    described = _describe({"extensions": extensions, "configs": configs, "versions": versions})
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


@functools.cache
def _library_versions() -> list[str]:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}=?")
    return versions


def _describe(value: object) -> str:
    if isinstance(value, Mapping):
        items = sorted((str(key), _describe(item)) for key, item in value.items())
        return "{" + ", ".join(f"{key!r}: {item}" for key, item in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_describe(item) for item in value) + "]"
    if callable(value):
        owner = getattr(value, "__module__", None) or type(value).__module__
        return f"<{owner}.{getattr(value, '__qualname__', type(value).__qualname__)}>"
    return repr(value)
