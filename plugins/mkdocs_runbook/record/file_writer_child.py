"""The writing process of ``file_writer.FileWriter``, run as a script (``python -I -S``): it
reads files from its input and writes them below ``root``, then prints ``<failed>\\t<first>``.
A frame without a name lists kept copies (see below) that the build used itself; a frame named
``\\0badges`` holds badges to make (stem, label, status, value, age), whose two files each it
makes with the package's own ``badge_texts``, so that the build's thread does not; a frame
named ``\\0trash`` says the last build's badges are in the trash folder (its fourth argument).

The standard library only, and the package's badge code only once badges come: it starts in
milliseconds, and making badges costs its first one a few hundredths of a second more.

With a ``store`` folder, a file's content is kept there once, named by its checksums and
size, and the file in ``root`` is a hard link to it. Creating a small file costs this
machine's disk about 0.5 ms (its data block), a link about 0.01 ms, and a cached build's
badges are the same as the last build's. A kept copy is used only after reading it back
equal to the content wanted, so a copy changed on disk is written again, never shown; for
the same reason the name needs no cryptographic hash (``hashlib`` would load OpenSSL: 4 MB
more for this process), and two contents with one name only cost a rewrite. What the build
did not use is removed by the next one: each build lists what it used (``.used``), and the next
removes at its start, while it waits for its first files, every copy older than that list and
not on it. Removed at the end instead, a build of new badges (their ages change every second)
made MkDocs wait for two thousand removals. Across filesystems (no links) files are written as
usual.
"""

# ruff: noqa: PTH103, PTH105, PTH108, PTH112, PTH114, PTH116, PTH118, PTH122, PTH123, PTH208
# (os calls on plain strings: this script starts bare and handles thousands of names.)

from __future__ import annotations

import contextlib
import os
import select
import struct
import sys
import zlib

HEADER = struct.Struct(">HI")
BADGES = "\0badges"
TRASH = "\0trash"
#: What the build moves into the trash folder is named so (``badges-<pid>-<hex>``); nothing else
#: there is ever removed.
TRASHED_PREFIX = "badges-"

# Types for mypy only: importing typing would cost this bare process milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from mkdocs_runbook.results import Status

    BadgeTexts = Callable[[str, str, Status, str, str], tuple[tuple[str, str], ...]]
#: In the store: the names of the kept copies the last build used, one a line.
USED_LIST = ".used"
#: A list larger than this is not read: a million badges' names take a few dozen megabytes.
MAX_USED_LIST_BYTES = 64 * 1024 * 1024


class Writer:
    def __init__(self, root: str, store: str) -> None:
        self.root = os.path.realpath(root)
        self.store = store
        self.linking = bool(store)
        if self.linking:
            try:
                os.makedirs(store, exist_ok=True)
            except OSError:
                self.linking = False
        self.made: set[str] = set()
        self.used: set[str] = set()
        self.failed = 0
        self.first = ""

    def write(self, name: str, data: bytes) -> None:
        parts = name.split("/")
        try:
            if name.startswith("/") or {"", ".", ".."} & set(parts):
                raise ValueError("not a name inside the site folder")
            folder = os.path.join(self.root, *parts[:-1])
            if folder not in self.made:
                os.makedirs(folder, exist_ok=True)
                real = os.path.realpath(folder)
                if real != self.root and not real.startswith(self.root + os.sep):
                    raise ValueError("its folder is outside the site folder")
                self.made.add(folder)
            self.place(os.path.join(self.root, name), data, os.path.splitext(name)[1])
        except (OSError, ValueError) as exc:
            self.failed += 1
            if not self.first:
                self.first = f"{name}: {getattr(exc, 'strerror', None) or exc}"

    def place(self, target: str, data: bytes, suffix: str) -> None:
        # Whatever was there goes first: writing into it could change a kept copy it links to.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        if self.linking:
            kept = self.keep(data, suffix)
            if kept:
                try:
                    os.link(kept, target)
                    return
                except FileNotFoundError:
                    pass  # removed meanwhile by another build of the site: write it
                except OSError:
                    self.linking = False  # another filesystem, or no links here
        with open(target, "xb") as out:
            out.write(data)

    def keep(self, data: bytes, suffix: str) -> str:
        """The kept copy of ``data`` (written now if missing or changed), or "" if none."""
        key = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}-{len(data):x}{suffix}"
        kept = os.path.join(self.store, key)
        self.used.add(key)
        try:
            with open(kept, "rb") as copy:
                if copy.read(len(data) + 1) == data:
                    return kept
        except OSError:
            pass
        partial = f"{kept}.{os.getpid()}.partial"
        try:
            with open(partial, "wb") as out:
                out.write(data)
            os.replace(partial, kept)
        except OSError:
            return ""
        return kept

    def write_badges(self, data: bytes, package_parent: str) -> None:
        """Make and write the badges of one frame (a JSON list of stem, label, status, value,
        age)."""
        import json  # only once badges come: the process starts without it

        try:
            badge_texts, status = _badge_code(package_parent)
            made = [
                file
                for stem, label, shown, value, age in json.loads(data.decode("utf-8"))
                for file in badge_texts(stem, label, status(shown), value, age)
            ]
        except Exception as exc:  # the build says so: nothing of the frame is written
            self.failed += 1
            if not self.first:
                self.first = f"badges: {exc}"
            return
        for name, text in made:
            self.write(name, text.encode("utf-8"))

    def unused_copies(self) -> list[str]:
        """The kept copies the last build did not use and that were there when it ended: a copy
        made since (by this build, or another build of the site) is left alone."""
        if not self.linking:
            return []
        listed = os.path.join(self.store, USED_LIST)
        try:
            with open(listed, encoding="utf-8") as used_list:
                about = os.fstat(used_list.fileno())
                if about.st_size > MAX_USED_LIST_BYTES:
                    return []  # not what a build writes: nothing is known to be unused
                last_used = set(used_list.read().split("\n"))
            ended = about.st_mtime_ns
            names = os.listdir(self.store)
        except (OSError, ValueError):
            return []  # no list (the first build): nothing is known to be unused
        unused = []
        for name in names:
            if name == USED_LIST or name in last_used:
                continue
            path = os.path.join(self.store, name)
            with contextlib.suppress(OSError):
                if os.stat(path).st_mtime_ns <= ended:
                    unused.append(path)
        return unused

    def remember_used(self) -> None:
        """List the kept copies this build used, for the next build."""
        if not self.linking:
            return
        listed = os.path.join(self.store, USED_LIST)
        partial = f"{listed}.{os.getpid()}.partial"
        with contextlib.suppress(OSError):
            with open(partial, "w", encoding="utf-8") as used_list:
                used_list.write("\n".join(sorted(self.used)))
            os.replace(partial, listed)


def _badge_code(package_parent: str) -> tuple[BadgeTexts, type[Status]]:
    """The package's ``badge_texts`` and ``Status``, imported at the first badges."""
    if package_parent not in sys.path:
        sys.path.append(package_parent)
    from mkdocs_runbook.record.badges import badge_texts
    from mkdocs_runbook.results import Status

    return badge_texts, Status


def empty_trash(trash: str) -> None:
    """Remove the old badge folders the build moved into ``trash``: the last build's
    ``site/badges/``, two thousand files for a thousand checks, taken out of MkDocs' way
    before it cleans the site folder (``BadgeWriter.clear_old``). Only entries named as the
    build names them, and never through a symbolic link: a ``.cache`` restored from elsewhere
    must not make this remove anything outside it."""
    import shutil  # only when there is trash: the process starts without it

    if not trash or os.path.islink(trash):
        return
    try:
        names = os.listdir(trash)
    except OSError:
        return
    for name in names:
        if not name.startswith(TRASHED_PREFIX):
            continue
        path = os.path.join(trash, name)
        if os.path.islink(path) or not os.path.isdir(path):
            with contextlib.suppress(OSError):
                os.unlink(path)  # the link itself, never what it points to
        else:
            shutil.rmtree(path, ignore_errors=True)


def remove(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def input_waiting(descriptor: int) -> bool:
    try:
        ready, _, _ = select.select([descriptor], [], [], 0)
    except (OSError, ValueError):
        return True  # cannot tell: treat it as busy
    return bool(ready)


def main() -> None:
    writer = Writer(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
    package_parent = sys.argv[3] if len(sys.argv) > 3 else ""
    trash = sys.argv[4] if len(sys.argv) > 4 else ""
    unused = writer.unused_copies()
    if not input_waiting(sys.stdin.fileno()):
        # Started ahead of its first files (a cached build): remove them while it waits.
        remove(unused)
        unused = []
    read = sys.stdin.buffer.read
    while True:
        head = read(HEADER.size)
        if len(head) < HEADER.size:
            break
        name_size, data_size = HEADER.unpack(head)
        name = read(name_size).decode("utf-8", "replace")
        data = read(data_size)
        if name == BADGES:
            writer.write_badges(data, package_parent)
        elif name == TRASH:
            empty_trash(trash)
        elif name:
            writer.write(name, data)
        else:  # kept copies the build's own process used: not to be pruned
            writer.used.update(data.decode("utf-8", "replace").split("\n"))
    remove(unused)  # files were waiting from its start (a deferred writer): only now
    writer.remember_used()
    sys.stdout.write(f"{writer.failed}\t{writer.first}")


if __name__ == "__main__":
    main()
