"""Pages found and parsed ahead of MkDocs, by a process of their own (issue 14).

A build that takes its results from the cache has nothing running beside MkDocs: its second
core idles while MkDocs' one thread finds and parses every page's check blocks (a tenth of a
second for a thousand checks), among everything else it does. So such a build starts a child
process (``ahead_child``) at ``on_config``, and hands it the list of its pages, in MkDocs'
order, once MkDocs has found them (``parse``); the child reads each file as MkDocs does, finds
and parses its blocks and sends them back, and MkDocs' thread only unpickles what the child
sent (a tenth of the cost) when it reaches the page. Started at ``on_files`` instead, the child
was still importing while MkDocs converted the first pages: MkDocs' thread parsed 10 to 17
pages of 200 itself (20-34 ms).

What the child sent is used only for the very Markdown MkDocs hands the plugin: a page another
plugin changed first, one the child has not reached yet or could not read is parsed here, as
without it. The child is ours and talks over a pipe: nothing is read from disk but the pages.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import BrokenCheck, CheckBlock, CheckSpec
from ..pipes import widen_pipe

if TYPE_CHECKING:
    from ..resolve import CheckCatalog
    from ..settings import RunbookSettings
    from .kept_preparations import AheadCheck
    from .runner import CacheMode

#: A page's blocks with what each parsed to, in page order.
ParsedPage = list[tuple[CheckBlock, CheckSpec | BrokenCheck]]
#: What preparing a page's checks reads besides the page: the build's settings, its catalog,
#: how it uses the cache (``run``) and the cache's folder (read only).
Preparing = tuple["RunbookSettings", "CheckCatalog | None", "CacheMode", Path]
#: A page's checks as the child prepared them: the front matter's lines, and each check.
PreparedPage = tuple[int, list["AheadCheck"]]

#: The length that starts every frame the child sends.
LENGTH_BYTES = 8
BOOTSTRAP = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from mkdocs_runbook.run.ahead_child import main; main()"
)
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
#: How long ``close`` waits for the child after killing it.
CLOSE_WAIT_S = 5.0


#: How many names ``has_pages`` looks at before it stops guessing.
HAS_PAGES_LOOK_AT = 2000


def has_pages(docs_dir: str, at_least: int, *, look_at: int = HAS_PAGES_LOOK_AT) -> bool:
    """Whether ``docs_dir`` may hold ``at_least`` Markdown files: a guess made before MkDocs
    lists the pages (it leaves some out), good enough to start the child early or not, since
    the list itself decides at ``parse``. The walk stops at the ``at_least``-th Markdown file,
    or after ``look_at`` names (a few pages among thousands of images): then it guesses yes,
    rather than walk all of them on MkDocs' thread before MkDocs walks them again."""
    # Here, not at the top: the child imports this module, and MkDocs' utils cost it 0.1 s.
    from mkdocs.utils import is_markdown_file

    seen = looked = 0
    for _folder, _folders, names in os.walk(docs_dir):
        seen += sum(1 for name in names if is_markdown_file(name))
        looked += len(names)
        if seen >= at_least or looked >= look_at:
            return True
    return False


class PagesAhead:
    """The child process, which imports what it needs at once and waits for its pages
    (``parse``), and what it has sent so far."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP, _PACKAGE_PARENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: a Ctrl-C in the terminal is the build's to handle.
            start_new_session=True,
        )
        assert self._process.stdout is not None
        self._output = self._process.stdout.fileno()
        os.set_blocking(self._output, False)
        # A thousand checks' blocks fit: the child sends them all and ends, its memory gone
        # long before the build's peak, instead of waiting for MkDocs to reach its last page.
        widen_pipe(self._output)
        self._received = bytearray()
        self._parsed: dict[str, tuple[str, ParsedPage, PreparedPage | None]] = {}
        #: Taken pages' checks as the child prepared them, until the build takes them up.
        self._prepared: dict[str, tuple[ParsedPage, PreparedPage]] = {}
        #: The environment the child was started with: what it resolves templates from.
        self._environ = dict(os.environ)
        #: Pages taken from the child (for the tests: which pages it spared MkDocs' thread),
        #: and those whose prepared checks the build took too.
        self.taken: list[str] = []
        self.prepared_taken: list[str] = []

    def parse(
        self,
        pages: Sequence[tuple[str, str]],
        snippet_paths: Sequence[Path],
        preparing: Preparing | None = None,
    ) -> None:
        """Have the child parse ``pages`` (``src_uri``, file path, in MkDocs' order) and, given
        ``preparing``, prepare their checks and look them up in the cache as the build would."""
        if dict(os.environ) != self._environ:
            preparing = None  # the child's secrets and variables are no longer the build's
        # Apart, so that what cannot cross (a setting of a kind pickle does not know) costs
        # the preparing only: the child still parses.
        prepare = None
        if preparing is not None:
            with contextlib.suppress(Exception):
                prepare = pickle.dumps(preparing, protocol=pickle.HIGHEST_PROTOCOL)
        job = pickle.dumps(
            {"pages": list(pages), "snippet_paths": list(snippet_paths), "preparing": prepare},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        # A site's page list can outgrow the pipe: a thread hands it over, MkDocs goes on.
        threading.Thread(target=self._send, args=(job,), name="runbook-ahead", daemon=True).start()

    def _send(self, job: bytes) -> None:
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):  # a child that is gone leaves the parsing here
            self._process.stdin.write(job)
            self._process.stdin.close()

    def finished(self) -> bool:
        """Whether the child has ended (sent every page, or died)."""
        return self._process.poll() is not None

    def take(self, page: str, markdown: str) -> ParsedPage | None:
        """The child's blocks of ``page`` if it parsed this very ``markdown``, else ``None``."""
        self._receive()
        sent = self._parsed.pop(page, None)
        if sent is None or sent[0] != markdown:
            return None
        self.taken.append(page)
        if sent[2] is not None:
            self._prepared[page] = (sent[1], sent[2])
        return sent[1]

    def prepared(self, page: str, parsed: ParsedPage, offset: int) -> list[AheadCheck] | None:
        """The child's prepared checks of ``page``, if ``parsed`` is the very list it sent for
        it (``take``) and MkDocs cut the same lines off its top, else ``None``."""
        sent = self._prepared.pop(page, None)
        if sent is None or sent[0] is not parsed or sent[1][0] != offset:
            return None
        self.prepared_taken.append(page)
        return sent[1][1]

    def _receive(self) -> None:
        """Read what the child has sent by now, never waiting for more."""
        while True:
            try:
                chunk = os.read(self._output, 1 << 20)
            except (BlockingIOError, OSError):
                break
            if not chunk:  # it has sent everything, or died: the rest is parsed here
                break
            self._received += chunk
        start = 0
        while len(self._received) - start >= LENGTH_BYTES:
            size = int.from_bytes(self._received[start : start + LENGTH_BYTES], "big")
            end = start + LENGTH_BYTES + size
            if len(self._received) < end:
                break
            try:
                page, markdown, parsed, prepared = pickle.loads(
                    self._received[start + LENGTH_BYTES : end]
                )
            except Exception:  # a page that cannot cross: the build does it itself
                page = None
            if page is not None:
                self._parsed[page] = (markdown, parsed, prepared)
            start = end
        del self._received[:start]

    def close(self) -> None:
        """End the child (done by now, but for a build that ended early) and its pipes."""
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(CLOSE_WAIT_S)
        assert self._process.stdout is not None
        self._process.stdout.close()
        self._parsed.clear()
        self._prepared.clear()
