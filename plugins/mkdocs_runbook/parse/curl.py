"""Turn a runbook's ``curl`` command into a native HTTP check (SPEC 1.2).

Understood: the flags that change what is sent or how the answer is received (``-X -H -d
--data-raw --data-binary --data-urlencode -G --json -u -A -e -b -I -k -L --cacert``), the
limits a check has too (``-m/--max-time``, ``--connect-timeout``, ``--retry``,
``--retry-delay``), and those that only change curl's own output (``-f --fail-with-body -s -S
-i -v -w --compressed -o /dev/null``), each by its short and long spelling.

A flag we cannot honour is never guessed at: guessing what it meant would make the check
test something other than what the runbook says. ``CurlNotConvertible`` names it, and the
block runs as the command it is where commands are allowed (``blocks`` and the runner decide).
A command curl itself would refuse (a flag without its value, ``--max-time=5``) is an error.

``-u user:password`` is kept as ``basic_auth`` rather than as an ``Authorization`` header, so a
secret in the password is templated before the header is encoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from ..errors import CheckDefinitionError
from ..text import whole_number
from .shell_words import TEMPLATE, joined_lines, split_words, uses_shell

#: Flags taking a value, by canonical name, with every spelling curl accepts.
_VALUE_FLAG_FORMS: dict[str, tuple[str, ...]] = {
    "request": ("-X", "--request"),
    "header": ("-H", "--header"),
    "data": ("-d", "--data"),
    "data-ascii": ("--data-ascii",),
    "data-binary": ("--data-binary",),
    "data-raw": ("--data-raw",),
    "data-urlencode": ("--data-urlencode",),
    "json": ("--json",),
    "user": ("-u", "--user"),
    "user-agent": ("-A", "--user-agent"),
    "referer": ("-e", "--referer"),
    "cookie": ("-b", "--cookie"),
    "cacert": ("--cacert",),
    "max-time": ("-m", "--max-time"),
    "connect-timeout": ("--connect-timeout",),
    "retry": ("--retry",),
    "retry-delay": ("--retry-delay",),
    "output": ("-o", "--output"),
    "write-out": ("-w", "--write-out"),
}
#: Flags without a value.
_SWITCH_FORMS: dict[str, tuple[str, ...]] = {
    "head": ("-I", "--head"),
    "get": ("-G", "--get"),
    "insecure": ("-k", "--insecure"),
    "location": ("-L", "--location"),
    "fail": ("-f", "--fail"),
    "fail-with-body": ("--fail-with-body",),
    "silent": ("-s", "--silent"),
    "show-error": ("-S", "--show-error"),
    "include": ("-i", "--include"),
    "verbose": ("-v", "--verbose"),
    "compressed": ("--compressed",),
    # Our retries follow any fail, as curl's do with these.
    "retry-connrefused": ("--retry-connrefused",),
    "retry-all-errors": ("--retry-all-errors",),
}
_VALUE_FLAGS = {form: name for name, forms in _VALUE_FLAG_FORMS.items() for form in forms}
_SWITCHES = {form: name for name, forms in _SWITCH_FORMS.items() for form in forms}
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
_FILE_DATA = frozenset({"data", "data-ascii", "data-binary"})

_Flag = tuple[str, str, "str | None"]  # (as written, canonical name, value)


class CurlNotConvertible(CheckDefinitionError):
    """A curl command we understand, using something a native check cannot honour. ``what``
    names it (``curl flag '--proxy'``); the message gives both ways out."""

    def __init__(self, what: str, *, file: str = "", line: int = 0) -> None:
        super().__init__(
            f"{what} cannot be honoured by a native HTTP check: remove it, or set "
            "allow_commands: true to run the block as the command it is",
            file=file,
            line=line,
        )
        self.what = what


@dataclass
class CurlRequest:
    """What a curl command would send, in the terms of an ``http`` check."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    verify_tls: bool = True
    follow_redirects: bool = False
    timeout: float | None = None
    connect_timeout: float | None = None
    basic_auth: str | None = None
    ca_file: str | None = None
    retries: int | None = None
    retry_delay: float | None = None

    @property
    def target(self) -> str:
        """The ``http:`` target: ``METHOD URL``."""
        return f"{self.method} {self.url}"


def is_single_curl(command: str) -> bool:
    """Whether ``command`` is one plain ``curl`` invocation that can run without a shell: no
    pipes, lists, redirections, substitutions or variables (templates are fine)."""
    try:
        words = split_words(command)
    except ValueError:
        return False
    if not words or words[0] != "curl":
        return False
    return not uses_shell(TEMPLATE.sub("", joined_lines(command)))


def curl_to_http(command: str, *, page: str, line: int) -> CurlRequest:
    """Convert one ``curl`` command. Raises ``CurlNotConvertible`` for what a native check
    cannot honour and ``CheckDefinitionError`` (at ``page:line``) for a command curl itself
    would refuse."""
    convert = _Converter(page, line)
    try:
        words = split_words(command)
    except ValueError as exc:
        raise convert.error(f"cannot read the curl command: {exc}") from None
    if not words or words[0] != "curl":
        raise convert.error("not a curl command")
    flags: list[_Flag] = []
    urls: list[str] = []
    rest = iter(words[1:])
    only_urls = False
    for word in rest:
        if only_urls or not word.startswith("-") or word == "-":
            urls.append(word)
        elif word == "--":
            only_urls = True
        elif word.startswith("--"):
            flags.append(convert.long_flag(word, rest))
        else:
            flags.extend(convert.short_cluster(word, rest))
    if not urls:
        raise convert.error("a curl check needs a URL, found none")
    if len(urls) > 1:
        raise convert.not_convertible(f"{len(urls)} URLs ({', '.join(urls)})")
    return convert.request(urls[0], flags)


class _Converter:
    """One command's conversion; ``error`` and ``not_convertible`` put its place on messages."""

    def __init__(self, page: str, line: int) -> None:
        self.page = page
        self.line = line

    def error(self, message: str) -> CheckDefinitionError:
        return CheckDefinitionError(message, file=self.page, line=self.line)

    def not_convertible(self, what: str) -> CurlNotConvertible:
        return CurlNotConvertible(what, file=self.page, line=self.line)

    def long_flag(self, word: str, rest: Iterator[str]) -> _Flag:
        if word in _SWITCHES:
            return (word, _SWITCHES[word], None)
        if word in _VALUE_FLAGS:
            return (word, _VALUE_FLAGS[word], self.value_of(word, rest))
        spelling, equals, value = word.partition("=")
        if equals and (spelling in _VALUE_FLAGS or spelling in _SWITCHES):
            # curl reads `--max-time=5` as an unknown option: the reader's copy would fail.
            raise self.error(
                f"curl does not accept '{word}' (it is an unknown option to curl): "
                f"write '{spelling} {value}'"
            )
        raise self.not_convertible(f"curl flag '{word}'")

    def short_cluster(self, word: str, rest: Iterator[str]) -> list[_Flag]:
        """``-sSf``, ``-XPOST``, ``-sSo /dev/null``: switches, then at most one flag with a
        value (attached, or the next word)."""
        flags: list[_Flag] = []
        for position in range(1, len(word)):
            flag = "-" + word[position]
            if flag in _SWITCHES:
                flags.append((flag, _SWITCHES[flag], None))
            elif flag in _VALUE_FLAGS:
                attached = word[position + 1 :]
                value = attached if attached else self.value_of(flag, rest)
                flags.append((flag, _VALUE_FLAGS[flag], value))
                break
            else:
                raise self.not_convertible(f"curl flag '{flag}'")
        return flags

    def value_of(self, flag: str, rest: Iterator[str]) -> str:
        value = next(rest, None)
        if value is None:
            raise self.error(f"curl flag '{flag}' needs a value")
        return value

    def request(self, url: str, flags: list[_Flag]) -> CurlRequest:
        request = CurlRequest(method="", url=_with_scheme(url))
        explicit_method = ""
        switches = {name for _, name, value in flags if value is None}
        data: list[str] = []
        json_data: list[str] = []
        cookies: list[str] = []
        implied_headers: dict[str, str] = {}
        for written, name, value in flags:
            if value is None:
                continue
            if name == "request":
                explicit_method = value.upper()
            elif name == "header":
                self.header(request, written, value)
            elif name in ("data", "data-ascii", "data-binary", "data-raw"):
                if name in _FILE_DATA and value.startswith("@"):
                    raise self.not_convertible(f"'{written} {value}' (it reads a file)")
                data.append(value)
            elif name == "data-urlencode":
                data.append(self.url_encoded(written, value))
            elif name == "json":
                if value.startswith("@"):
                    raise self.not_convertible(f"'{written} {value}' (it reads a file)")
                json_data.append(value)
            elif name == "user":
                request.basic_auth = value
            elif name == "user-agent":
                implied_headers["User-Agent"] = value
            elif name == "referer":
                if value.endswith(";auto"):
                    raise self.not_convertible(f"'{written} {value}' (a referer per redirect)")
                implied_headers["Referer"] = value
            elif name == "cookie":
                if "=" not in value:
                    raise self.not_convertible(f"'{written} {value}' (it reads a cookie file)")
                cookies.append(value)
            elif name == "cacert":
                request.ca_file = value
            elif name == "max-time":
                request.timeout = self.seconds(written, value)
            elif name == "connect-timeout":
                request.connect_timeout = self.seconds(written, value)
            elif name == "retry":
                request.retries = self.count(written, value)
            elif name == "retry-delay":
                request.retry_delay = self.seconds(written, value, allow_zero=True)
            elif name == "output" and value != "/dev/null":
                raise self.not_convertible(f"'{written} {value}' (it writes the body to a file)")
            # -w only formats curl's own report of the transfer.
        if cookies:
            implied_headers["Cookie"] = ";".join(cookies)  # as curl joins them
        for header, header_value in implied_headers.items():
            _default_header(request, header, header_value)
        request.verify_tls = "insecure" not in switches
        request.follow_redirects = "location" in switches
        # -f, --fail-with-body, -s, -S, -i, -v and --compressed only change curl's own output
        # (httpx asks for and decodes compressed answers anyway); the default expectation
        # `status < 400` is what -f means.
        self.body(request, data, json_data, switches)
        head = "head" in switches
        if head and request.body is not None:
            raise self.error("curl -I (HEAD) cannot send data: drop -I or the data flags")
        implied = "HEAD" if head else ("POST" if request.body is not None else "GET")
        request.method = explicit_method or implied
        return request

    def header(self, request: CurlRequest, written: str, value: str) -> None:
        if value.startswith("@"):
            raise self.not_convertible(f"'{written} {value}' (it reads headers from a file)")
        header, colon, header_value = value.partition(":")
        if not colon or not header.strip():
            raise self.error(f"curl header '{value}' is not 'Name: value'")
        request.headers[header.strip()] = header_value.strip()

    def body(
        self, request: CurlRequest, data: list[str], json_data: list[str], switches: set[str]
    ) -> None:
        if data and json_data:
            raise self.error("curl -d and --json cannot be combined in one check")
        if "get" in switches:
            if json_data:
                raise self.not_convertible("'-G' with '--json'")
            if data:
                separator = "&" if "?" in request.url else "?"
                request.url += separator + "&".join(data)
            return
        if json_data:
            request.body = "".join(json_data)
            _default_header(request, "Content-Type", "application/json")
            _default_header(request, "Accept", "application/json")
        elif data:
            request.body = "&".join(data)
            _default_header(request, "Content-Type", "application/x-www-form-urlencoded")

    def url_encoded(self, written: str, value: str) -> str:
        """curl's ``--data-urlencode`` forms: ``content``, ``=content``, ``name=content``
        (``@file`` and ``name@file`` read a file)."""
        cut = min((value.find(mark) for mark in "=@" if mark in value), default=-1)
        if cut >= 0 and value[cut] == "@":
            raise self.not_convertible(f"'{written} {value}' (it reads a file)")
        name, content = (value[:cut], value[cut + 1 :]) if cut >= 0 else ("", value)
        if TEMPLATE.search(content):
            # The value would have to be encoded after it is filled in, which curl does and a
            # template cannot promise (a secret may not pass through a filter).
            raise self.not_convertible(f"'{written}' with a {{{{ template }}}} in the value")
        # As curl writes it: `+` for a space, lower-case hex (the same to any server).
        encoded = _PERCENT_ESCAPE.sub(lambda m: m.group().lower(), quote_plus(content, safe=""))
        return f"{name}={encoded}" if name else encoded

    def seconds(self, flag: str, value: str, *, allow_zero: bool = False) -> float:
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not (seconds >= 0 if allow_zero else seconds > 0) or seconds == float("inf"):
            raise self.error(f"curl flag '{flag}' needs a number of seconds, got '{value}'")
        return seconds

    def count(self, flag: str, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise self.error(f"curl flag '{flag}' needs a whole number, got '{value}'")
        return number


def _default_header(request: CurlRequest, name: str, value: str) -> None:
    if not any(existing.lower() == name.lower() for existing in request.headers):
        request.headers[name] = value


def _with_scheme(url: str) -> str:
    """curl assumes ``http://`` for a URL without a scheme; a URL that starts with a template
    gets its scheme from the template."""
    if "://" in url or url.startswith(("{{", "{%")):
        return url
    return f"http://{url}"
