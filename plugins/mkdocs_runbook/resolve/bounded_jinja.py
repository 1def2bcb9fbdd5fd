"""A Jinja sandbox whose every render is bounded in size and steps (SPEC 8: "templates …
bounded too, so no input … can exceed a check's timeout or take more than a few tens of MB").

Jinja's own sandbox stops attribute tricks but not work: ``{{ 'a' * 1000000000 }}`` allocates a
gigabyte, and two nested ``range(100000)`` loops run for hours. Here:

- strings and sequences made while rendering (operators, ``~``, filters, method calls) may
  not exceed ``MAX_TEXT`` characters or ``MAX_ITEMS`` items, and numbers ``MAX_INT_BITS``;
  all of them together, ``MAX_MADE`` characters or items in one render;
  operations whose result size is known beforehand (``*``, ``**``, ``+``, ``%``, ``join``,
  ``replace``, ``indent``, ``center``…) are refused *before* they allocate;
- a render may take at most ``MAX_STEPS`` Python trace events, which bounds loops, macros and
  recursion whatever they do;
- the output streams out and stops at ``MAX_TEXT`` characters;
- lists and dicts cannot be changed in place (``ImmutableSandboxedEnvironment``), and
  ``lipsum`` is gone.

Everything refused raises ``TemplateTooLarge``, which becomes an error for that one check.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import ResolveError

#: The longest text (characters) a template may make or render: 1 MiB.
MAX_TEXT = 1024 * 1024
#: The most items of a list, tuple, dict or set made while rendering.
MAX_ITEMS = 100_000
#: The largest integer (in bits) made while rendering.
MAX_INT_BITS = 4096
#: Characters and items one render may make in all (what a loop of filters adds up to).
MAX_MADE = 16 * MAX_TEXT
#: Python trace events (lines, calls) one render may take: milliseconds of real work.
MAX_STEPS = 200_000

_FORMAT_NUMBER = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")
_BRACE_NUMBER = re.compile(r"\d+")


class TemplateTooLarge(ResolveError):
    """A template would make too much, or work too long."""


def _too_large(what: str) -> TemplateTooLarge:
    return TemplateTooLarge(
        f"template too large: {what} (templates may make at most {MAX_TEXT // 1024} KiB of "
        f"text, {MAX_ITEMS} items and {MAX_STEPS} steps)"
    )


def _format_refused() -> TemplateTooLarge:
    return TemplateTooLarge("str.format is not available in runbook templates: join texts with ~")


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise _too_large(what)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | set) else 0


class _Budget:
    """What one render has used so far."""

    def __init__(self) -> None:
        self.steps = 0
        self.made = 0


_BUDGET: ContextVar[_Budget | None] = ContextVar("runbook_template_budget", default=None)


def _check_made(value: Any) -> Any:
    """Refuse a value made while rendering that is larger than the limits, and count it."""
    size = 0
    if isinstance(value, str | bytes):
        size = len(value)
        _require(size <= MAX_TEXT, f"a text of {size} characters")
    elif isinstance(value, list | tuple | dict | set | frozenset):
        size = len(value)
        _require(size <= MAX_ITEMS, f"a collection of {size} items")
    elif isinstance(value, int) and not isinstance(value, bool):
        _require(value.bit_length() <= MAX_INT_BITS, "a number too large")
    budget = _BUDGET.get()
    if budget is not None:  # None while Jinja folds constants at compile time
        budget.made += size
        _require(budget.made <= MAX_MADE, "all it makes together")
    return value


def _check_arguments(args: Iterable[Any]) -> None:
    """Counts and widths passed to filters and methods: larger than any text we allow makes
    no sense and would allocate before we could look at the result."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool):
            _require(abs(arg) <= MAX_TEXT, f"the number {arg} as an argument")


def _check_format(template: str, widths: Iterable[Any] = ()) -> None:
    """``%``-formatting: the widths and precisions it asks for, added up, must fit."""
    asked = sum(int(n) for match in _FORMAT_NUMBER.finditer(template) for n in match.groups() if n)
    _check_arguments(widths)
    _require(asked <= MAX_TEXT, "a format asking for more text than allowed")


def _materialised(value: Any, separator: str | None = None) -> list[Any]:
    """``value``'s items, stopping as soon as there are too many, or (with a ``separator``)
    as soon as joining them would make too long a text."""
    items: list[Any] = []
    total = 0
    for item in value:
        items.append(item)
        _require(len(items) <= MAX_ITEMS, "a sequence of too many items")
        if separator is not None:
            total += len(item if isinstance(item, str) else str(item)) + len(separator)
            _require(total <= MAX_TEXT + len(separator), "joining that much text")
    return items


def _replaced_size(text: str, old: str, new: str, count: int | None) -> int:
    found = (len(text) + 1) if old == "" else text.count(old)
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its arguments checked before and its result after."""
    # A filter may take Jinja's context, eval context or environment before the value.
    passed = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = list(args[passed:])
        _check_arguments(values[1:])
        _check_arguments(kwargs.values())
        _precheck_filter(name, values, kwargs)
        return _check_made(function(*args, **kwargs))

    return bounded


def _precheck_filter(name: str, values: list[Any], kwargs: dict[str, Any]) -> None:
    subject = values[0] if values else None
    rest = values[1:]
    if name == "replace" and isinstance(subject, str) and len(rest) >= 2:
        count = rest[2] if len(rest) > 2 else kwargs.get("count")
        size = _replaced_size(subject, str(rest[0]), str(rest[1]), count)
        _require(size <= MAX_TEXT, "a replace making too much text")
    elif name == "indent" and isinstance(subject, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        per_line = len(width) if isinstance(width, str) else int(width)
        lines = subject.count("\n") + 1
        _require(len(subject) + lines * per_line <= MAX_TEXT, "an indent making too much text")
    elif name == "wordwrap" and isinstance(subject, str):
        wrap = (rest[2] if len(rest) > 2 else kwargs.get("wrapstring")) or "\n"
        _require(len(subject) * (1 + len(str(wrap))) <= MAX_TEXT, "a wordwrap of that size")
    elif name == "format" and isinstance(subject, str):
        _check_format(subject, [*rest, *kwargs.values()])
    elif name == "sum":
        start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
        _require(isinstance(start, int | float), "sum adds numbers only")


def _bounded_join(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> Any:
        if attribute is not None:
            get = make_attrgetter(eval_ctx.environment, attribute)
            value = (get(item) for item in value)
        return original(eval_ctx, _materialised(value, str(d)), d)

    return join


def _method_precheck(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a call that would make too much; its arguments (an iterator read into a list)."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    _check_arguments(args)
    _check_arguments(kwargs.values())
    if not isinstance(owner, str):
        return args
    if name in ("format", "format_map"):
        raise _format_refused()
    if name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        size = _replaced_size(owner, str(args[0]), str(args[1]), count)
        _require(size <= MAX_TEXT, "a replace making too much text")
    elif name == "join" and args:
        args = (_materialised(args[0], owner),)
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        _require(owner.count("\t") * int(size) + len(owner) <= MAX_TEXT, "expandtabs")
    return args


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a bounded join, the one way to build text no hook reaches."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox every non-trivial runbook template renders in (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, finalize: Callable[..., Any] | None = None) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, finalize=finalize)
        self.globals.pop("lipsum", None)
        originals = dict(self.filters, join=_bounded_join(self.filters["join"]))
        self.filters = {
            name: _bounded_filter(name, function) for name, function in originals.items()
        }

    def bounded_concat(self, pieces: tuple[Any, ...]) -> str:
        texts = [str(piece) for piece in pieces]
        _require(sum(map(len, texts)) <= MAX_TEXT, "joining texts with ~")
        return "".join(texts)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if _size(sequence) and isinstance(times, int):
                    limit = MAX_TEXT if isinstance(sequence, str | bytes) else MAX_ITEMS
                    _require(_size(sequence) * times <= limit, "repeating that much")
            if isinstance(left, int) and isinstance(right, int):
                bits = abs(left).bit_length() + abs(right).bit_length()
                _require(bits <= MAX_INT_BITS, "a number too large")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1:
                _require(right * abs(left).bit_length() <= MAX_INT_BITS, "a power too large")
        elif operator == "+" and _size(left) and _size(right):
            _require(_size(left) + _size(right) <= MAX_TEXT, "adding those")
        elif operator == "%" and isinstance(left, str):
            widths = right if isinstance(right, tuple) else (right,)
            _check_format(left, widths)
        try:
            result = super().call_binop(context, operator, left, right)
        except OverflowError:
            raise _too_large("a number too large") from None
        return _check_made(result)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Jinja 3.1.5+ hands ``'…'.format`` out as a wrapper of its own; a width in the format
        # string (``'{:>999999999}'``) would allocate before any result could be looked at.
        if super().wrap_str_format(value) is not None:
            raise _format_refused()
        return None

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        args = _method_precheck(__obj, args, kwargs)
        return _check_made(super().call(__context, __obj, *args, **kwargs))


def render_bounded(template: Template, context: dict[str, Any]) -> str:
    """Render ``template`` within ``MAX_STEPS`` trace events and ``MAX_TEXT`` characters."""
    budget = _Budget()

    def count(frame: FrameType, event: str, arg: Any) -> Any:
        budget.steps += 1
        if budget.steps > MAX_STEPS:
            raise _too_large("it takes too many steps (a loop or a recursion)")
        return count

    # Tracing is per thread: it slows down this render only. A debugger's or coverage's
    # tracer is put back afterwards.
    previous = sys.gettrace()
    token = _BUDGET.set(budget)
    sys.settrace(count)
    try:
        return _collect(template.generate(context))
    except RecursionError:
        raise _too_large("it recurses too deeply") from None
    except MemoryError:
        raise _too_large("it needs too much memory") from None
    finally:
        sys.settrace(previous)
        _BUDGET.reset(token)


def _collect(pieces: Iterator[str]) -> str:
    out: list[str] = []
    total = 0
    for piece in pieces:
        total += len(piece)
        _require(total <= MAX_TEXT, "its output")
        out.append(piece)
    return "".join(out)
