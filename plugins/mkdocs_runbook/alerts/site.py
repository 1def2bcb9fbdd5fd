"""Where each page of a MkDocs site is published, and which page a URL names.

A page's address follows MkDocs' own rules (``mkdocs.structure.files``): ``foo.md`` is
``foo/`` with ``use_directory_urls`` and ``foo.html`` without; ``index.md`` and ``README.md``
are their folder's index (``README.md`` gives way to an ``index.md`` beside it); files matching
``exclude_docs`` or ``draft_docs``, dot files and ``/templates/`` are not published. The tests
compare this map with what ``mkdocs build`` writes. The MkDocs plugin builds the same map from
MkDocs' own ``File`` objects instead.

A URL is read the way a static web server reads it: the path below ``site_url``, percent-
decoded; ``dir/`` and ``dir`` both serve ``dir/index.html``; the query is ignored; the fragment
is the anchor.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pathspec

from ..settings import SiteSettings

__all__ = ["Location", "SiteMap", "SitePage", "page_dest_uri", "page_url"]

#: What MkDocs treats as a Markdown page (``mkdocs.utils.markdown_extensions``).
MARKDOWN_SUFFIXES = (".markdown", ".mdown", ".mkdn", ".mkd", ".md")
#: MkDocs excludes these whatever ``exclude_docs`` says.
DEFAULT_EXCLUDES = (".*", "/templates/")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SitePage:
    """A published page: its source below ``docs_dir``, its file in ``site/``, its URL below
    ``site_url`` (as MkDocs writes it: ``runbooks/deploy/``, ``index.html``, ``./``)."""

    src_uri: str
    dest_uri: str
    url: str


@dataclass(frozen=True)
class Location:
    """Where a URL points: ``outside`` the site, at a ``page`` (``None``: no page there), and
    at which ``anchor`` (decoded fragment, ``""`` for none). ``path`` is the path below the
    site's root the URL asked for, for messages."""

    outside: bool
    page: SitePage | None = None
    anchor: str = ""
    path: str = ""


def _is_page(src_uri: str) -> bool:
    return src_uri.endswith(MARKDOWN_SUFFIXES)


def _stem(src_uri: str) -> str:
    stem = posixpath.splitext(posixpath.basename(src_uri))[0]
    return "index" if stem == "README" else stem


def page_dest_uri(src_uri: str, *, use_directory_urls: bool) -> str:
    """The file MkDocs writes for a source file: ``foo.md`` → ``foo/index.html`` or
    ``foo.html``; ``README.md``/``index.md`` → ``index.html``; other files keep their path."""
    if not _is_page(src_uri):
        return src_uri
    parent = posixpath.dirname(src_uri)
    stem = _stem(src_uri)
    if not use_directory_urls or stem == "index":
        return posixpath.join(parent, f"{stem}.html")
    return posixpath.join(parent, stem, "index.html")


def page_url(dest_uri: str, *, use_directory_urls: bool) -> str:
    """The URL MkDocs gives a written file: ``foo/index.html`` → ``foo/`` with directory URLs."""
    url = dest_uri
    folder, filename = posixpath.split(url)
    if use_directory_urls and filename == "index.html":
        url = (folder or ".") + "/"
    return quote(url)


class SiteMap:
    """The pages of one site, found by their file in ``site/``."""

    def __init__(self, site_url: str, pages: Iterable[SitePage]) -> None:
        self.site_url = site_url
        self._root = urlsplit(site_url)
        self._prefix = self._root.path if self._root.path.endswith("/") else self._root.path + "/"
        self.pages = {page.dest_uri: page for page in pages}
        self.by_source = {page.src_uri: page for page in self.pages.values()}

    @classmethod
    def scan(cls, site: SiteSettings, site_url: str) -> SiteMap:
        """The pages ``mkdocs build`` would publish from ``site.docs_dir``."""
        excluded = pathspec.GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *site.exclude_docs])
        drafts = pathspec.GitIgnoreSpec.from_lines(site.draft_docs)
        published: dict[str, str] = {}
        for src_uri in _walk(site.docs_dir):
            if excluded.match_file(src_uri) or drafts.match_file(src_uri):
                continue
            dest = page_dest_uri(src_uri, use_directory_urls=site.use_directory_urls)
            # Two files for one destination: the later one (``index.md`` after ``README.md``)
            # wins, as in ``mkdocs.structure.files.get_files``.
            published[dest] = src_uri
        pages = [
            SitePage(src, dest, page_url(dest, use_directory_urls=site.use_directory_urls))
            for dest, src in published.items()
            if _is_page(src)
        ]
        return cls(site_url, pages)

    def locate(self, url: str) -> Location:
        """The page and anchor ``url`` names, or why it names none."""
        parts = urlsplit(url.strip())
        if not self._same_origin(parts.scheme, parts.netloc) or not (parts.path + "/").startswith(
            self._prefix
        ):
            return Location(outside=True)
        below = unquote(parts.path)[len(unquote(self._prefix)) :]
        anchor = unquote(parts.fragment)
        page = self.pages.get(_served_file(below))
        return Location(outside=False, page=page, anchor=anchor, path=below)

    def _same_origin(self, scheme: str, netloc: str) -> bool:
        theirs = urlsplit(f"{scheme}://{netloc}")
        ours = self._root
        if theirs.scheme.lower() != ours.scheme.lower():
            return False
        try:
            their_port = theirs.port or _DEFAULT_PORTS.get(theirs.scheme.lower())
            our_port = ours.port or _DEFAULT_PORTS.get(ours.scheme.lower())
        except ValueError:  # a port that is not a number
            return False
        return (theirs.hostname or "") == (ours.hostname or "") and their_port == our_port


def _served_file(below: str) -> str:
    """The file a web server answers with for a path below the site root."""
    path = posixpath.normpath("/" + below).strip("/")
    if not path or below.endswith("/"):
        return f"{path}/index.html" if path else "index.html"
    if posixpath.splitext(path)[1]:
        return path
    # ``runbooks/deploy`` is ``runbooks/deploy/``: servers redirect a folder to its slash.
    return f"{path}/index.html"


def _walk(docs_dir: Path) -> list[str]:
    """Every file below ``docs_dir`` as a POSIX path, in MkDocs' order (index files first)."""
    found: list[str] = []
    for folder, folders, names in os.walk(docs_dir, followlinks=True):
        folders.sort()
        relative = Path(folder).relative_to(docs_dir)
        for name in sorted(names, key=lambda n: (posixpath.splitext(n)[0] not in _INDEX, n)):
            found.append((relative / name).as_posix())
    return found


_INDEX = ("index", "README")
