"""Turn a runbook's ``curl`` command into a native HTTP check (SPEC 1.2).

Only the flags that change what is sent or how the answer is received are understood
(``-X -H -d --data-raw --json -u -k -L -m``), plus those that only change curl's own output
(``-f -s -S -i -o /dev/null``). Anything else is an error naming the flag: guessing what an
unknown flag meant would make the check test something other than what the runbook says.

``{{ api }}`` and ``{{ secrets.X }}`` placeholders are kept intact through tokenising (they
may hold spaces) and are rendered later, when the check is resolved. ``-u user:password`` is
kept as ``basic_auth`` rather than as an ``Authorization`` header, so a secret in the password
is templated before the header is encoded.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import CheckDefinitionError

#: Flags taking a value, by every spelling curl accepts, mapped to one canonical name.
_VALUE_FLAGS: dict[str, str] = {
    "-X": "request",
    "--request": "request",
    "-H": "header",
    "--header": "header",
    "-d": "data",
    "--data": "data",
    "--data-raw": "data-raw",
    "--json": "json",
    "-u": "user",
    "--user": "user",
    "-m": "max-time",
    "--max-time": "max-time",
    "-o": "output",
    "--output": "output",
}
#: Flags without a value.
_SWITCHES: dict[str, str] = {
    "-k": "insecure",
    "--insecure": "insecure",
    "-L": "location",
    "--location": "location",
    "-f": "fail",
    "--fail": "fail",
    "-s": "silent",
    "--silent": "silent",
    "-S": "show-error",
    "--show-error": "show-error",
    "-i": "include",
    "--include": "include",
}
_UNDERSTOOD = "-X -H -d --data-raw --json -u -k -L -m -f -s -S -i -o /dev/null"
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# Characters of private use stand in for templates while shlex splits the command.
_HOLE_OPEN, _HOLE_CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(f"{_HOLE_OPEN}(\\d+){_HOLE_CLOSE}")
_SHELL_OPERATORS = frozenset("|&;<>()")

_Flag = tuple[str, str, "str | None"]  # (as written, canonical name, value)
_ErrorFactory = Callable[[str], CheckDefinitionError]


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
    basic_auth: str | None = None

    @property
    def target(self) -> str:
        """The ``http:`` target: ``METHOD URL``."""
        return f"{self.method} {self.url}"


def is_single_curl(command: str) -> bool:
    """Whether ``command`` is one plain ``curl`` invocation that can run without a shell: no
    pipes, lists, redirections, substitutions or variables (templates are fine)."""
    try:
        words = _split(command)
    except ValueError:
        return False
    if not words or words[0] != "curl":
        return False
    return not _uses_shell(_TEMPLATE.sub("", _joined_lines(command)))


def curl_to_http(command: str, *, page: str, line: int) -> CurlRequest:
    """Convert one ``curl`` command. Raises ``CheckDefinitionError`` (at ``page:line``) for a
    flag that is not understood, a flag without its value, or not exactly one URL."""

    def error(message: str) -> CheckDefinitionError:
        return CheckDefinitionError(message, file=page, line=line)

    try:
        words = _split(command)
    except ValueError as exc:
        raise error(f"cannot read the curl command: {exc}") from None
    if not words or words[0] != "curl":
        raise error("not a curl command")
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
            if word in _SWITCHES:
                flags.append((word, _SWITCHES[word], None))
            elif word in _VALUE_FLAGS:
                flags.append((word, _VALUE_FLAGS[word], _value_of(word, rest, error)))
            else:
                raise error(_unknown(word))
        else:
            flags.extend(_short_cluster(word, rest, error))
    if len(urls) != 1:
        found = "no URL" if not urls else f"{len(urls)} URLs ({', '.join(urls)})"
        raise error(f"a curl check needs exactly one URL, found {found}")
    return _request(urls[0], flags, error)


def _short_cluster(word: str, rest: Iterator[str], error: _ErrorFactory) -> list[_Flag]:
    """``-sSf``, ``-XPOST``, ``-sSo /dev/null``: switches, then at most one flag with a value
    (attached, or the next word)."""
    flags: list[_Flag] = []
    for position in range(1, len(word)):
        flag = "-" + word[position]
        if flag in _SWITCHES:
            flags.append((flag, _SWITCHES[flag], None))
        elif flag in _VALUE_FLAGS:
            attached = word[position + 1 :]
            value = attached if attached else _value_of(flag, rest, error)
            flags.append((flag, _VALUE_FLAGS[flag], value))
            break
        else:
            raise error(_unknown(flag if len(word) > 2 else word))
    return flags


def _value_of(flag: str, rest: Iterator[str], error: _ErrorFactory) -> str:
    value = next(rest, None)
    if value is None:
        raise error(f"curl flag '{flag}' needs a value")
    return value


def _request(url: str, flags: list[_Flag], error: _ErrorFactory) -> CurlRequest:
    request = CurlRequest(method="", url=_with_scheme(url))
    explicit_method = ""
    form_data: list[str] = []
    json_data: list[str] = []
    for written, name, value in flags:
        if value is None:
            if name == "insecure":
                request.verify_tls = False
            elif name == "location":
                request.follow_redirects = True
            # -f, -s, -S and -i only change curl's own output; the check observes the
            # response itself, and its default expectation (status < 400) is what -f means.
            continue
        if name == "request":
            explicit_method = value.upper()
        elif name == "header":
            header, colon, header_value = value.partition(":")
            if not colon or not header.strip():
                raise error(f"curl header '{value}' is not 'Name: value'")
            request.headers[header.strip()] = header_value.strip()
        elif name in ("data", "data-raw"):
            if name == "data" and value.startswith("@"):
                raise error(f"'{written} {value}' reads a file; put the body in the check instead")
            form_data.append(value)
        elif name == "json":
            if value.startswith("@"):
                raise error(f"'{written} {value}' reads a file; put the body in the check instead")
            json_data.append(value)
        elif name == "user":
            request.basic_auth = value
        elif name == "max-time":
            request.timeout = _seconds(written, value, error)
        elif name == "output" and value != "/dev/null":
            raise error(
                f"'{written} {value}' writes the body to a file; only '-o /dev/null' is allowed"
            )
    if form_data and json_data:
        raise error("curl -d and --json cannot be combined in one check")
    if json_data:
        request.body = "".join(json_data)
        _default_header(request, "Content-Type", "application/json")
        _default_header(request, "Accept", "application/json")
    elif form_data:
        request.body = "&".join(form_data)
        _default_header(request, "Content-Type", "application/x-www-form-urlencoded")
    request.method = explicit_method or ("POST" if request.body is not None else "GET")
    return request


def _default_header(request: CurlRequest, name: str, value: str) -> None:
    if not any(existing.lower() == name.lower() for existing in request.headers):
        request.headers[name] = value


def _seconds(flag: str, value: str, error: _ErrorFactory) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise error(f"curl flag '{flag}' needs a number of seconds, got '{value}'")
    return seconds


def _with_scheme(url: str) -> str:
    """curl assumes ``http://`` for a URL without a scheme; a URL that starts with a template
    gets its scheme from the template."""
    if "://" in url or url.startswith(("{{", "{%")):
        return url
    return f"http://{url}"


def _unknown(flag: str) -> str:
    return (
        f"unknown curl flag '{flag}': only {_UNDERSTOOD} are understood; "
        "use a check block or mark it as a command"
    )


def _joined_lines(command: str) -> str:
    """Line continuations (a backslash at the end of a line) joined, as the shell joins them."""
    return re.sub(r"\\\r?\n", " ", command)


def _split(command: str) -> list[str]:
    """Shell words, with every template kept whole and untouched."""
    templates: list[str] = []

    def hole(match: re.Match[str]) -> str:
        templates.append(match.group(0))
        return f"{_HOLE_OPEN}{len(templates) - 1}{_HOLE_CLOSE}"

    protected = _TEMPLATE.sub(hole, _joined_lines(command))
    words = shlex.split(protected, comments=True)
    return [_HOLE.sub(lambda m: templates[int(m.group(1))], word) for word in words]


def _uses_shell(command: str) -> bool:
    """Whether the shell would do more than split words: an operator (``|``, ``&&``, ``;``,
    ``>``…), a substitution or a variable outside single quotes, or a second command line."""
    quote = ""
    escaped = False
    for index, char in enumerate(command):
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in "$`":
                return True
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            # A comment runs to the end of its line; anything on a later line is a command.
            return "\n" in command[index:]
        elif char in _SHELL_OPERATORS or char in "$`\n":
            return True
    return False
