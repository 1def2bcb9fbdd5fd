"""A target that sends secrets back in every form they take on the way (the secret-leak fault
suite), and a search of any output for those forms.

The server and the search are written from what the forms *are* (percent-encoding, base64,
JSON and Python escapes, shell quoting, HTML entities), not from the masking code they test.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from faults import LocalServer, QuietHTTPHandler

#: How much of a target's answer any output shows (SPEC 8: "2 KiB shown").
SHOWN = 2048


def secret_forms(secret: str) -> list[str]:
    """The spellings of ``secret`` a target, a library or a shell commonly sends back."""
    data = secret.encode()
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote(secret, safe="!$&'()*+,;=:@/ "),  # only what a URL component must encode
        json.dumps(secret),
        json.dumps(secret, ensure_ascii=False),
        repr(secret),
        ascii(secret),
        repr(data),
        shlex.quote(secret),
        "'" + secret.replace("'", "'\\''") + "'",
        html.escape(secret),
        base64.b64encode(data).decode(),
        base64.b64encode(b"u:" + data).decode(),
        base64.b64encode(b"us:" + data + b"!").decode(),
        base64.urlsafe_b64encode(b"user:" + data).decode(),
    ]


def ascii_forms(secret: str) -> list[str]:
    """The forms that can travel in an HTTP header."""
    return [form for form in secret_forms(secret) if form.isascii() and "\n" not in form]


class _FormsHandler(QuietHTTPHandler):
    """``/echo``: the request as JSON (``\\u`` escapes); ``/forms/NAME``: every form of a
    secret in the body and the ASCII ones in headers; ``/near-cut/NAME?K``: the secret across
    the 2 KiB a page shows, K characters before the cut; ``/values/NAME``: JSON values with
    the secret near the short caps of badges and messages; ``/error/NAME``: a 500 whose body
    holds its repr; ``/metrics/NAME``: an invalid exposition with the secret in the
    offending line;
    ``/plain/NAME``: the secret alone."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        secrets: dict[str, str] = self.server.owner.secrets  # type: ignore[attr-defined]
        route, _, rest = self.path.lstrip("/").partition("/")
        name, _, query = rest.partition("?")
        secret = secrets.get(name, "")
        status, headers, payload = 200, {"Content-Type": "text/plain; charset=utf-8"}, ""
        if route.startswith("echo"):
            echoed = {"url": self.path, "headers": dict(self.headers.items()), "body": body}
            payload = json.dumps(echoed)
            headers = {"Content-Type": "application/json", "X-Echo-Url": self.path}
        elif route == "forms":
            payload = "\n".join(secret_forms(secret))
            headers |= {f"X-Form-{n}": form for n, form in enumerate(ascii_forms(secret))}
        elif route == "near-cut":
            # ``?k`` puts the secret's first k characters before the byte the page stops at.
            payload = "p" * (SHOWN - int(query or 1)) + secret + " and more"
        elif route == "values":
            payload = json.dumps({"v": "p" * 55 + secret, "m": "p" * 195 + secret})
            headers = {"Content-Type": "application/json"}
        elif route == "error":
            status, payload = 500, f"internal error: token={secret!r} rejected"
        elif route == "metrics":
            payload = f'up 1\nbroken{{label="{"p" * 90}{secret}"}} not-a-number\n'
        else:
            payload = secret
        encoded = payload.encode()
        self.send_response(status)
        for header, value in headers.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    do_GET = do_POST = _answer


class SecretFormsServer(LocalServer):
    """Knows the secrets (name → value) and answers with them in every form."""

    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__(_FormsHandler)
        self.secrets = secrets


# -- searching outputs -----------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
_BMP_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")
_BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_SIMPLE_ESCAPE = re.compile(r"\\(.)")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{6,}")


def _unescape_code_points(text: str) -> str:
    text = _UNICODE_ESCAPE.sub(
        lambda m: chr(
            0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00
        ),
        text,
    )
    return _BMP_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _unescape_bytes(text: str, encoding: str) -> str:
    def decode(match: re.Match[str]) -> str:
        raw = bytes(int(h, 16) for h in match.group(0).split("\\x")[1:])
        return raw.decode(encoding, errors="replace")

    return _BYTE_ESCAPES.sub(decode, text)


def _unshell(text: str) -> str:
    return _SIMPLE_ESCAPE.sub(r"\1", text.replace("'\\''", "'").replace("'\"'\"'", "'"))


def _base64_decodings(text: str) -> list[bytes]:
    decoded: list[bytes] = []
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        for start in range(4):
            piece = run[start:]
            piece = piece[: len(piece) - len(piece) % 4]
            for alphabet in (None, b"-_"):
                try:
                    decoded.append(base64.b64decode(piece, altchars=alphabet))
                except ValueError:
                    continue
    return decoded


def readings(text: str) -> list[str]:
    """``text`` as it reads after undoing each encoding a secret may hide behind."""
    code_points = _unescape_code_points(text)
    return [
        text,
        html.unescape(text),
        unquote(text),
        unquote_plus(text),
        code_points,
        _unescape_bytes(code_points, "latin-1"),
        _unescape_bytes(text, "utf-8"),
        _unshell(_unescape_bytes(code_points, "latin-1")),
        _unshell(text),
    ]


def pieces_of(secret: str, width: int = 8) -> list[str]:
    """Every run of ``width`` characters of ``secret``: a secret cut short must not show
    most of itself either."""
    if len(secret) <= width:
        return [secret]
    return [secret[i : i + width] for i in range(len(secret) - width + 1)]


def leaks(text: str, secret: str) -> list[str]:
    """The pieces of ``secret`` that ``text`` reveals in any reading, base64 included."""
    found = {piece for reading in readings(text) for piece in pieces_of(secret) if piece in reading}
    raw_pieces = [piece.encode() for piece in pieces_of(secret)]
    for decoded in _base64_decodings(text):
        found.update(piece.decode() for piece in raw_pieces if piece in decoded)
    return sorted(found)


def json_strings(data: Any) -> list[str]:
    """Every string (keys too) inside JSON data, for a search of what a report holds."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [s for item in data for s in json_strings(item)]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (k, *json_strings(v))]
    return []
