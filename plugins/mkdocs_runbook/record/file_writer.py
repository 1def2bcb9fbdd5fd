"""Many small files written by a process of their own: a site's badge files.

A build of a thousand checks writes two thousand badge files. Written on a thread of MkDocs'
process, each file gives up the GIL several times (open, write, close) and must wait to get
it back while MkDocs renders pages: up to the interpreter's switch interval, 5 ms, each time.
Measured: 2,000 files took 0.2 s alone and over 30 s beside a busy thread. So the files are
made in the build process (content, names) and written by a small child process that shares
no lock with it: the build hands over one page's files in one pipe write.

The child (``file_writer_child.py``) runs Python in isolated mode without ``site``
(``-I -S``) and the standard library only: it starts in milliseconds. It writes only below
the folder it was given: a name that is absolute or climbs out with ``..`` is refused, as is
one whose folder resolves outside it (a symbolic link in the site folder). Given the last
build's badge folder, it writes over its files in place (see the child).
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..pipes import widen_pipe
from ..text import whole_number

#: One file's frame: the length of its name (UTF-8) and of its content, then both.
FRAME_HEADER = struct.Struct(">HI")
#: The name of a frame of badges to make (a JSON list), never a file's: no name holds a NUL.
BADGES_FRAME = b"\0badges"
#: The name of a frame naming the folder of the trash folder that holds the last build's
#: badges: the child writes over them, or removes them (and any other old badge folder there).
TRASH_FRAME = b"\0trash"
#: The name of a frame holding the state of the last build's badge folder, taken over by
#: MkDocs' thread before the child started (``file_writer_child.Writer.taken_state``).
TAKEN_FRAME = b"\0taken"
#: How long ``finish`` waits for the last files to reach the disk.
FINISH_TIMEOUT_S = 120.0

_CHILD = str(Path(__file__).with_name("file_writer_child.py"))
#: Where the child finds this package, to make badges (``badge_texts``) when handed some.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class FileWriterError(OSError):
    """Files that could not be written (``failed`` of them), or a writer that ended before its
    files did."""

    def __init__(self, message: str, *, failed: int = 0) -> None:
        super().__init__(message)
        self.failed = failed


class FileWriter:
    """A child process writing the files it is handed below ``root``; ``finish`` waits for
    them and raises ``FileWriterError`` naming the first that failed."""

    def __init__(
        self, root: Path, trash: Path | None = None, old_copies: Path | None = None
    ) -> None:
        """``trash``: where the build moves the last build's badges (``take_over``);
        ``old_copies``: the folder where the plugin used to keep copies of badges, for the
        child to remove (``file_writer_child.remove_old_copies``)."""
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-S",
                _CHILD,
                str(root),
                str(old_copies or ""),
                _PACKAGE_PARENT,
                str(trash or ""),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: a Ctrl-C in the terminal is the build's to handle.
            start_new_session=True,
        )
        assert self._process.stdin is not None
        self._input = self._process.stdin
        widen_pipe(self._input.fileno())
        # A site's badge files outgrow the pipe (about 2 MB for 1,000 checks): when the child
        # lags behind, what does not fit waits here for the next page or ``finish``, instead
        # of MkDocs waiting for the child in the middle of its pages.
        with contextlib.suppress(OSError):  # elsewhere than POSIX a pipe may stay blocking
            os.set_blocking(self._input.fileno(), False)
        self._waiting = bytearray()
        #: How much of ``_waiting`` the pipe took already. Cutting the sent part off at every
        #: write moved up to a megabyte each time the child lagged behind (a cached build of
        #: new badges): it is cut off once it is most of the buffer.
        self._sent = 0
        self._broken = False

    def write(self, files: Iterable[tuple[PurePosixPath | str, str]]) -> None:
        """Hand over ``files`` (a name below the root, the text): as much as the pipe takes
        now, never waiting for the child."""
        for name, text in files:
            encoded_name = str(name).encode("utf-8")
            data = text.encode("utf-8")
            self._waiting += FRAME_HEADER.pack(len(encoded_name), len(data)) + encoded_name + data
        self._send()

    def write_badges(self, badges: Iterable[tuple[str, str, str, str, str]]) -> None:
        """Hand over badges to make and write (``site_files.BadgeParts``: stem, label,
        status, value, age): the child makes each one's two files with ``badge_texts``."""
        data = json.dumps(list(badges), ensure_ascii=False).encode("utf-8", "surrogatepass")
        self._waiting += FRAME_HEADER.pack(len(BADGES_FRAME), len(data)) + BADGES_FRAME + data
        self._send()

    def _send(self) -> None:
        while self._sent < len(self._waiting) and not self._broken:
            try:
                with memoryview(self._waiting) as waiting:
                    self._sent += os.write(self._input.fileno(), waiting[self._sent :])
            except BlockingIOError:
                break  # the pipe is full
            except (OSError, ValueError):  # ValueError: stopped, its input closed
                self._broken = True  # the writer is gone: ``finish`` says so
                self._waiting.clear()
                self._sent = 0
                return
        if self._sent * 2 >= len(self._waiting):
            del self._waiting[: self._sent]
            self._sent = 0

    def take_over(self, last_badges: str) -> None:
        """``last_badges``, in the trash folder, is the last build's badge folder: the child
        puts it back at its first file and writes over its files (or removes it, when it cannot
        be put back), and removes the other old badge folders of the trash."""
        data = last_badges.encode("utf-8")
        self._waiting += FRAME_HEADER.pack(len(TRASH_FRAME), len(data)) + TRASH_FRAME + data
        self._send()

    def go_on_from(self, state: bytes) -> None:
        """The last build's badge folder was taken over, and files written into it, before
        the child started: it goes on from there (``Writer.taken_state``)."""
        self._waiting += FRAME_HEADER.pack(len(TAKEN_FRAME), len(state)) + TAKEN_FRAME + state
        self._send()

    def finish(self) -> None:
        rest, self._waiting = bytes(self._waiting[self._sent :]), bytearray()
        self._sent = 0
        try:
            # It hands over what is left, closes the child's input (the end of the files) and
            # reads its one line.
            out, _ = self._process.communicate(rest or None, timeout=FINISH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise FileWriterError("the badge file writer did not finish in time") from None
        count, _, first = out.decode("utf-8", "replace").partition("\t")
        failed = whole_number(count)
        if self._process.returncode != 0 or failed is None:
            raise FileWriterError(f"the badge file writer ended early ({self._describe_exit()})")
        if failed:
            others = f" (and {failed - 1} more)" if failed > 1 else ""
            raise FileWriterError(f"could not write {first}{others}", failed=failed)

    def stop(self) -> None:
        """End the writer without waiting for its files (a build that failed)."""
        with contextlib.suppress(OSError):
            self._input.close()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def _describe_exit(self) -> str:
        code = self._process.returncode
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"
