"""Undoing a response's content codings a bounded piece at a time (SPEC 8: the cap applies to
the decoded bytes).

httpx decodes each chunk whole: a few kilobytes of ``Content-Encoding: gzip, gzip`` unpack to
gigabytes in one call, on the event loop, before any cap can look. Here every coding is a
stage that is asked for at most a given number of bytes; a stage asks the one before it for
more only when it has run dry, so the final output stops at the cap and no stage runs ahead
of it. What the inner stages produce on the way is counted too, and so is each restart on
a new gzip member or zstd frame (with the bytes it moves): a coding nested to expand between
stages without producing output is stopped at ``WORK_LIMIT_BYTES``.

Codings: ``gzip`` (several members too), ``deflate`` (zlib-wrapped or raw), ``zstd``
(``compression.zstd`` or its backport) and ``br`` when the ``brotli`` module (1.2 or later,
which can bound its output) is installed. Anything else is an ``UnsupportedCoding``.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx

#: Bytes the inner stages of a nested coding may produce before decoding stops.
WORK_LIMIT_BYTES = 32 * 1024 * 1024
#: How much a stage produces per step: the most a stage holds between steps.
_STEP_BYTES = 64 * 1024
#: The largest zstd window accepted (8 MiB, as RFC 8878 advises for HTTP).
_ZSTD_WINDOW_LOG_MAX = 23
_GZIP_MAGIC = b"\x1f\x8b"
#: What starting a new gzip member or zstd frame costs, counted as work.
_RESTART_WORK_BYTES = 512


def _optional_module(*names: str) -> ModuleType | None:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_zstd = _optional_module("compression.zstd", "backports.zstd")
_brotli = _optional_module("brotli")
if _brotli is not None and not hasattr(_brotli.Decompressor(), "can_accept_more_data"):
    _brotli = None  # before 1.2 it cannot bound its output

#: The codings we can decode within bounds, for the ``Accept-Encoding`` request header.
SUPPORTED_CODINGS: tuple[str, ...] = (
    "gzip",
    "deflate",
    *(("br",) if _brotli is not None else ()),
    *(("zstd",) if _zstd is not None else ()),
)
ACCEPT_ENCODING = ", ".join(SUPPORTED_CODINGS)
_ALIASES = {"x-gzip": "gzip"}


class UnsupportedCoding(httpx.DecodingError):
    """The response uses a content coding we cannot decode within bounds."""


class DecodingLimit(httpx.DecodingError):
    """Decoding a nested coding did more work than ``WORK_LIMIT_BYTES`` allows."""


def content_codings(headers: httpx.Headers) -> list[str]:
    """The codings of ``Content-Encoding`` in the order they were applied (``identity`` left
    out). Raises ``UnsupportedCoding`` for one we cannot decode."""
    codings: list[str] = []
    for value in headers.get_list("content-encoding", split_commas=True):
        coding = _ALIASES.get(value.strip().lower(), value.strip().lower())
        if coding in ("", "identity"):
            continue
        if coding not in SUPPORTED_CODINGS:
            raise UnsupportedCoding(f"content coding {coding!r} is not supported")
        codings.append(coding)
    return codings


class _Stage:
    """One coding being undone. ``produce`` returns at most ``limit`` bytes and keeps the
    input it has not used; ``dry`` says it needs more input to produce anything."""

    def __init__(self, coding: str, count_work: Callable[[int], None]) -> None:
        self.coding = coding
        self._count_work = count_work
        self._input = b""
        self._finished = False
        # A step that produced output may have more held back (zlib when it filled ``limit``,
        # brotli whenever it produced anything): the stage is asked again before it is fed.
        self._filled = False
        self._decompressor: Any = None if coding == "deflate" else self._start()

    def _start(self) -> Any:
        if self.coding == "gzip":
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        if self.coding == "br":
            assert _brotli is not None
            return _brotli.Decompressor()
        assert _zstd is not None
        return _zstd.ZstdDecompressor(
            options={_zstd.DecompressionParameter.window_log_max: _ZSTD_WINDOW_LOG_MAX}
        )

    def feed(self, data: bytes) -> None:
        if not self._finished:
            self._input += data

    @property
    def dry(self) -> bool:
        if self._finished:
            return True
        if self.coding == "zstd":
            return not self._input and self._decompressor.needs_input
        return not self._input and not self._filled

    def produce(self, limit: int) -> bytes:
        if self.dry:
            return b""
        if self._decompressor is None:  # deflate: zlib-wrapped or raw, as servers differ
            if len(self._input) < 2:
                return b""
            header = int.from_bytes(self._input[:2], "big")
            wrapped = (self._input[0] & 0x0F) == 8 and header % 31 == 0  # RFC 1950's check
            self._decompressor = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self.coding == "br":
            return self._produce_brotli(limit)
        if self.coding == "zstd":
            data = b""
            if self._decompressor.needs_input:
                data, self._input = self._input, b""
            output: bytes = self._decompressor.decompress(data, max_length=limit)
            if self._decompressor.eof:
                self._next_member(self._decompressor.unused_data, self._is_zstd_frame)
            return output
        output = self._decompressor.decompress(self._input, limit)
        self._input = self._decompressor.unconsumed_tail
        self._filled = len(output) == limit
        if self._decompressor.eof:
            self._next_member(self._decompressor.unused_data, self._is_gzip_member)
        return output

    def _produce_brotli(self, limit: int) -> bytes:
        output: bytes = b""
        if self._filled or not self._decompressor.can_accept_more_data():
            output = self._decompressor.process(b"", output_buffer_limit=limit)
        if not output and self._input and self._decompressor.can_accept_more_data():
            data, self._input = self._input, b""
            output = self._decompressor.process(data, output_buffer_limit=limit)
        self._filled = bool(output)
        if self._decompressor.is_finished() and not output:
            self._finished = True
        return output

    def _next_member(self, rest: bytes, starts_member: Any) -> None:
        """After one gzip member or zstd frame: decode the next one, or stop (a deflate
        stream has one; padding after the last member is ignored, as curl does)."""
        if self.coding in ("gzip", "zstd") and starts_member(rest + self._input):
            self._input = rest + self._input
            self._count_work(_RESTART_WORK_BYTES + len(self._input))
            self._decompressor = self._start()
        else:
            self._input = b""
            self._finished = True

    @staticmethod
    def _is_gzip_member(data: bytes) -> bool:
        return data.startswith(_GZIP_MAGIC)

    @staticmethod
    def _is_zstd_frame(data: bytes) -> bool:
        return data.startswith(b"\x28\xb5\x2f\xfd")


class BoundedDecoder:
    """Decodes a body coded with ``codings`` (in the order applied), returning at most
    ``limit`` bytes in all, however the input expands."""

    def __init__(self, codings: list[str], limit: int) -> None:
        # The last coding applied is the first to undo.
        self._stages = [_Stage(coding, self._count_work) for coding in reversed(codings)]
        self._room = limit
        self._work = 0

    def decode(self, raw: bytes) -> bytes:
        """The decoded bytes ``raw`` adds (none once ``limit`` bytes were returned).

        Raises ``httpx.DecodingError`` for data that does not decode, and ``DecodingLimit``
        when the inner stages expand past ``WORK_LIMIT_BYTES``."""
        self._stages[0].feed(raw)
        try:
            # brotli's output limit is a soft one: cut what it gave past the room left.
            output = self._pull(len(self._stages) - 1, self._room)[: self._room]
        except _DECODE_ERRORS as exc:
            raise httpx.DecodingError(f"content does not decode: {exc}") from None
        self._room -= len(output)
        return output

    def _pull(self, index: int, wanted: int) -> bytes:
        stage = self._stages[index]
        output = bytearray()
        stalled = False
        while len(output) < wanted:
            piece = stage.produce(min(wanted - len(output), _STEP_BYTES))
            if piece:
                output += piece
                if index < len(self._stages) - 1:
                    self._count_work(len(piece))
                stalled = False
                continue
            if not stage.dry and not stalled:
                stalled = True  # one more step may release held output; two empty ones cannot
                continue
            if index == 0:
                break
            upstream = self._pull(index - 1, _STEP_BYTES)
            if not upstream:
                break
            stage.feed(upstream)
        return bytes(output)

    def _count_work(self, produced: int) -> None:
        self._work += produced
        if self._work > WORK_LIMIT_BYTES:
            raise DecodingLimit(
                f"nested content codings expand past {WORK_LIMIT_BYTES // (1024 * 1024)} MiB "
                "between stages"
            )


#: What the decompressors raise for data that is not what its coding says.
_DECODE_ERRORS: tuple[type[Exception], ...] = (
    zlib.error,
    *((_brotli.error,) if _brotli is not None else ()),
    *((_zstd.ZstdError,) if _zstd is not None else ()),
)
