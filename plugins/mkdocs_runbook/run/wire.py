"""How a front-end and a check worker talk (``pool``/``worker_process`` on one side, ``worker``
on the other): how the worker is started, and the frames both write on its pipes.

A frame is an 8-byte big-endian length, then a pickle of one of the messages below (pickle
between two processes of this package, never from a file or the network). Secrets travel
inside the resolved checks, over the pipe, as they reach a probe in one process; nothing is
written to disk. This module is all the front-end loads of the worker's side: the probes,
httpx and asyncio load in the worker only.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass
from typing import Any

from ..model import ResolvedCheck
from ..results import RunOutcome
from .probes import ProbeContext

#: What follows ``python -c`` to start a worker; the package's folder comes as ``argv[1]``
#: (appended to ``sys.path``, for a copy that is not installed). httpx's command line, which
#: httpx imports when its dependencies are there (click, pygments, rich: 5 MB), is left out
#: the way httpx itself allows when they are missing.
BOOTSTRAP = (
    "import sys; sys.path.append(sys.argv[1]); sys.modules['httpx._main'] = None; "
    "from mkdocs_runbook.run.worker import main; main()"
)

#: The length that starts every frame.
LENGTH = struct.Struct(">Q")


@dataclass(frozen=True)
class OpenSession:
    """One run (a build, a CLI run, a pytest session): its probe settings and HTTP clients."""

    session: int
    context: ProbeContext


@dataclass(frozen=True)
class RunCheck:
    job: int
    session: int
    resolved: ResolvedCheck
    #: Every secret of the run so far: the outcome is masked with all of them.
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class CloseSession:
    session: int


@dataclass(frozen=True)
class CheckDone:
    job: int
    outcome: RunOutcome


def frame(message: object) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(payload)) + payload


class FrameReader:
    """Frames out of a byte stream read in pieces of any size."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        self._buffer += data
        messages: list[Any] = []
        while len(self._buffer) >= LENGTH.size:
            (length,) = LENGTH.unpack_from(self._buffer)
            end = LENGTH.size + length
            if len(self._buffer) < end:
                break
            messages.append(pickle.loads(self._buffer[LENGTH.size : end]))
            del self._buffer[:end]
        return messages
