"""The writing process of ``file_writer.FileWriter``, run as a script (``python -I -S``): it
reads files from its input and writes them below ``root``, then prints ``<failed>\\t<first>``.
A frame named ``\\0badges`` holds badges to make (stem, label, status, value, age), whose two
files each it makes with the package's own ``badge_texts``, so that the build's thread does
not; a frame named ``\\0trash`` names the folder of the trash folder (its fourth argument) that
holds the last build's badges; a frame named ``\\0taken`` holds the state of the last build's
badge folder that MkDocs' thread took over (``Writer.taken_state``).

The standard library only, and the package's badge code only once badges come: it starts in
milliseconds, and making badges costs its first one a few hundredths of a second more.

A build after one that wrote badges takes the last build's badge folder back (a frame named
``\\0trash`` names it: the build moved it aside before MkDocs cleaned the site folder), at its
first file, if the site has no badge folder by then. Each badge is then written over its old
file, in place: a file whose content is the same is left as it is, one that changed is
overwritten. A cached build's badges all change when their age does (``12 s ago``), and
replacing each by a new file made every build create and delete two thousand files: on a
filesystem without a journal each file created then waits for the kernel to skip every one
deleted in the minutes before. Only a regular file with a single link is written in place
(never through a symbolic link, never into a file some other name shares: a site copied with
links); any other is replaced by a new file. At the end, what the last build wrote and this
one did not (a check or page gone) is removed, unless something else changed it since; so are
the folders left empty.

Its second argument names the folder where the plugin used to keep a copy of each badge's
content, linked from the site (``.cache/runbook/badge-files/``): the writer removes the copies
made there, and the folder once empty, while it waits for its first files. Once builds took
the last build's folder back, the copies served only a site's first build, and cost every
badge two replacements on its way to a file of its own.
"""

# ruff: noqa: PTH103, PTH104, PTH106, PTH108, PTH112, PTH114, PTH118, PTH123, PTH208
# (os calls on plain strings: this script starts bare and handles thousands of names.)

from __future__ import annotations

import contextlib
import os
import select
import stat
import struct
import sys

HEADER = struct.Struct(">HI")
BADGES = "\0badges"
TRASH = "\0trash"
TAKEN = "\0taken"
#: What the build moves into the trash folder is named so (``badges-<pid>-<hex>``); nothing else
#: there is ever removed.
TRASHED_PREFIX = "badges-"
#: The folder of the site that holds every badge file, and nothing but them.
BADGES_FOLDER = "badges"

# Types for mypy only: importing typing would cost this bare process milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from mkdocs_runbook.results import Status

    BadgeTexts = Callable[[str, str, Status, str, str], tuple[tuple[str, str], ...]]

_HEX = frozenset("0123456789abcdef")


class Writer:
    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.made: set[str] = set()
        self.failed = 0
        self.first = ""
        #: The last build's badge folder, moved aside, until this build's first file.
        self.last_badges = ""
        #: Taken over: each of its files then (path -> inode, change time), and its folders.
        self.taken: tuple[dict[str, tuple[int, int]], list[str]] | None = None
        #: The files written while a taken-over folder is in place.
        self.written: set[str] = set()
        #: Whether a last build's folder that cannot be taken back is removed here (or left
        #: to the writing process: MkDocs' thread writing while it waits for checks).
        self.removes_trash = True

    def write(self, name: str, data: bytes) -> None:
        if self.last_badges:
            self.take_over_last_badges()
        parts = name.split("/")
        target = ""
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
            target = os.path.join(self.root, name)
            if self.taken is not None:
                self.written.add(target)
                if rewrite_in_place(target, data):
                    return
            place(target, data)
        except (OSError, ValueError) as exc:
            self.failed += 1
            if not self.first:
                self.first = f"{name}: {getattr(exc, 'strerror', None) or exc}"
            if target and self.taken is not None:
                with contextlib.suppress(OSError):
                    os.unlink(target)  # the last build's badge must not stay in its place

    def take_over_last_badges(self) -> None:
        """At the first file: put the last build's badge folder back where it was, for its
        files to be written over, if it is a folder and the site has no badge folder by now;
        otherwise it is trash."""
        last, self.last_badges = self.last_badges, ""
        badges = os.path.join(self.root, BADGES_FOLDER)
        try:
            if stat.S_ISDIR(os.lstat(last).st_mode):
                os.makedirs(self.root, exist_ok=True)
                # Refused where anything but an empty folder is in its place.
                os.rename(last, badges)
                self.taken = list_files(badges)
                return
        except OSError:
            pass
        if self.removes_trash:
            remove_tree(last)

    def taken_state(self) -> bytes:
        """What the writing process needs to go on where this writer took the folder over:
        its files and folders then, and what was written since (``TAKEN``)."""
        import json  # only for a build that wrote badges before its writing process started

        assert self.taken is not None
        files, folders = self.taken
        state = {"files": files, "folders": folders, "written": sorted(self.written)}
        return json.dumps(state).encode("ascii")

    def go_on_from(self, state: bytes) -> None:
        """Go on writing in the folder another writer took over (``taken_state``)."""
        import json

        loaded = json.loads(state.decode("ascii"))
        files = {path: (int(ino), int(ctime)) for path, (ino, ctime) in loaded["files"].items()}
        self.taken = (files, [str(folder) for folder in loaded["folders"]])
        self.written.update(str(path) for path in loaded["written"])

    def remove_unwritten(self) -> None:
        """Remove what the last build wrote and this one did not (a check or a page gone),
        unless something else changed it since it was taken over, and the folders left
        empty."""
        if self.taken is None:
            return
        files, folders = self.taken
        for path, known in files.items():
            if path in self.written:
                continue
            with contextlib.suppress(OSError):
                about = os.lstat(path)
                if (about.st_ino, about.st_ctime_ns) == known:
                    os.unlink(path)  # a symbolic link itself, never what it points to
        for folder in reversed(folders[1:]):  # the deepest first; only empty ones go
            if folder not in self.made:  # none this build wrote into
                with contextlib.suppress(OSError):
                    os.rmdir(folder)

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


def _badge_code(package_parent: str) -> tuple[BadgeTexts, type[Status]]:
    """The package's ``badge_texts`` and ``Status``, imported at the first badges."""
    if package_parent not in sys.path:
        sys.path.append(package_parent)
    from mkdocs_runbook.record.badges import badge_texts
    from mkdocs_runbook.results import Status

    return badge_texts, Status


def place(target: str, data: bytes) -> None:
    """Write ``data`` as a new file ``target``; whatever was there goes first (written into,
    it could change a file some other name shares)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target)
    with open(target, "xb") as out:
        out.write(data)


def rewrite_in_place(target: str, data: bytes) -> bool:
    """Whether ``target`` now holds ``data``, written over its old content: only a regular
    file with a single link (a symbolic link is not followed, a shared file not changed)."""
    try:
        descriptor = os.open(target, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False  # none yet (a new check), a symbolic link, a folder
    try:
        about = os.fstat(descriptor)
        if not stat.S_ISREG(about.st_mode) or about.st_nlink != 1:
            return False
        if about.st_size == len(data) and os.pread(descriptor, len(data), 0) == data:
            return True
        done = 0
        while done < len(data):
            done += os.pwrite(descriptor, data[done:], done)
        if about.st_size > len(data):
            os.ftruncate(descriptor, len(data))
        return True
    finally:
        os.close(descriptor)


def list_files(top: str) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Every entry below ``top`` that is not a folder (path -> inode, change time), and the
    folders, ``top`` first and each before what it holds; symbolic links are not followed."""
    files: dict[str, tuple[int, int]] = {}
    folders = [top]
    for folder in folders:  # grows as it goes: a walk, breadth first
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        about = entry.stat(follow_symlinks=False)
                        files[entry.path] = (about.st_ino, about.st_ctime_ns)
    return files, folders


def remove_tree(path: str) -> None:
    """Remove ``path``, a folder of the trash or a file, never through a symbolic link."""
    import shutil  # only when there is trash: the process starts without it

    if os.path.islink(path) or not os.path.isdir(path):
        with contextlib.suppress(OSError):
            os.unlink(path)  # the link itself, never what it points to
    else:
        shutil.rmtree(path, ignore_errors=True)


def empty_trash(trash: str, keep: str = "") -> None:
    """Remove the old badge folders the build moved into ``trash``: the last build's
    ``site/badges/``, two thousand files for a thousand checks, taken out of MkDocs' way
    before it cleans the site folder (``BadgeWriter.clear_old``). Only entries named as the
    build names them, and never through a symbolic link: a ``.cache`` restored from elsewhere
    must not make this remove anything outside it. ``keep``: the one this build takes over."""
    if not trash or os.path.islink(trash):
        return
    try:
        names = os.listdir(trash)
    except OSError:
        return
    for name in names:
        if name.startswith(TRASHED_PREFIX) and name != keep:
            remove_tree(os.path.join(trash, name))


def is_trashed_name(name: str) -> bool:
    return name.startswith(TRASHED_PREFIX) and "/" not in name and "\0" not in name


def is_old_copy_name(name: str) -> bool:
    """Whether ``name`` is one the plugin gave what it used to keep in its copy folder: a copy
    (``<crc32><adler32>-<size>.svg``, in hexadecimal, or ``.json``), the list of those a build
    used (``.used``), or either being written (``<name>.<pid>.partial``). Without ``re``:
    importing it would cost this bare process milliseconds at every start."""
    if name.endswith(".partial"):
        name, _, pid = name[: -len(".partial")].rpartition(".")
        if not pid.isdigit():
            return False
    if name == ".used":
        return True
    checksums, _, rest = name.partition("-")
    size, _, suffix = rest.partition(".")
    return (
        len(checksums) == 16
        and _HEX.issuperset(checksums)
        and bool(size)
        and _HEX.issuperset(size)
        and suffix in ("svg", "json")
    )


def remove_old_copies(folder: str) -> None:
    """Remove what the plugin used to keep in ``folder`` (``is_old_copy_name``), then the
    folder if nothing else is in it; never through a symbolic link."""
    if not folder or os.path.islink(folder):
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return  # none: the usual case
    for name in names:
        if is_old_copy_name(name):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
    with contextlib.suppress(OSError):
        os.rmdir(folder)  # refused while anything else is in it


def input_waiting(descriptor: int) -> bool:
    try:
        ready, _, _ = select.select([descriptor], [], [], 0)
    except (OSError, ValueError):
        return True  # cannot tell: treat it as busy
    return bool(ready)


def main() -> None:
    # Woken by every page's badges: as a batch process its wake-up does not preempt MkDocs,
    # which otherwise lost 18-25 ms a build to it, mid-page, once this process had time to
    # sleep between pages (measured in a cached build of 1,000 checks).
    with contextlib.suppress(AttributeError, OSError):  # not on every system
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    writer = Writer(sys.argv[1])
    old_copies = sys.argv[2] if len(sys.argv) > 2 else ""
    package_parent = sys.argv[3] if len(sys.argv) > 3 else ""
    trash = sys.argv[4] if len(sys.argv) > 4 else ""
    if not input_waiting(sys.stdin.fileno()):
        # Started ahead of its first files (a cached build): removed while it waits.
        remove_old_copies(old_copies)
        old_copies = ""
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
        elif name == TAKEN:
            writer.go_on_from(data)
        elif name == TRASH:
            last = data.decode("utf-8", "replace")
            if trash and not os.path.islink(trash) and is_trashed_name(last):
                writer.last_badges = os.path.join(trash, last)  # gone if taken over already
            empty_trash(trash, keep=last)
        elif name:
            writer.write(name, data)
    remove_old_copies(old_copies)  # files were waiting from its start: only now
    if writer.last_badges:  # no file came: the last build's badges are trash
        remove_tree(writer.last_badges)
    writer.remove_unwritten()
    sys.stdout.write(f"{writer.failed}\t{writer.first}")


if __name__ == "__main__":
    main()
