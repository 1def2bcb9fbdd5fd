"""Running a piece of a test as an unprivileged user, for what root is never refused (a
read-only file). As root, the function runs in a forked child that switched to ``nobody``;
as anyone else, it runs here, since that user is already refused what ``nobody`` would be."""

from __future__ import annotations

import os
import pickle
import pwd
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def as_unprivileged(work: Callable[[], T], *, timeout: float = 60) -> T:
    if os.geteuid() != 0:
        return work()
    account = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            payload = pickle.dumps((True, work()))
        except BaseException as exc:
            payload = pickle.dumps((False, repr(exc)))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    ok, value = pickle.loads(data)
    if not ok:
        raise RuntimeError(f"as nobody: {value}")
    return value  # type: ignore[no-any-return]


def shared_folder(mode: int = 0o777) -> Path:
    """A temporary folder ``nobody`` can reach (pytest's own tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="runbook-shared-"))
    folder.chmod(mode)
    return folder
