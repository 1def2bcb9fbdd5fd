"""Pipes to the build's own child processes."""

from __future__ import annotations

#: What a widened pipe holds: a large page's badge files, or a thousand checks' parsed blocks.
PIPE_BYTES = 1 << 20


def widen_pipe(descriptor: int, size: int = PIPE_BYTES) -> None:
    """Let the pipe of ``descriptor`` hold ``size`` bytes, so its writer need not wait for
    the reader (Linux only; elsewhere the pipe keeps its size)."""
    try:
        import fcntl

        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):
        pass
