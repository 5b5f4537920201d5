"""Rendering message templates with jinja2's sandboxed environment, within limits.

Undefined variables are errors (``StrictUndefined``), never blanks; template
code cannot reach Python internals (``SandboxedEnvironment``).  Compiled
templates are cached by source text.

A business's templates are untrusted input, so a render is bounded (each breach is
one :class:`TemplateError` line, and nothing is written):

================================  =================  ==========================================
limit                             value              stops
================================  =================  ==========================================
rendered size                     100,000 characters ``{{ "x" * 300000000 }}`` and any output flood
one computed value (``*``, ``**``, 100,000 characters ``"x" * n``, ``[0] * n``, ``9 ** 99999``,
``%``, ``center``, ``replace``..)  / 1,000-digit      ``"%300000000d"``, ``"x"|center(10**9)``
                                   numbers
``range()``                       10,000 items each  ``range(10**9)``
render time                       1 second           nested loops (``range(100000)`` twice)
================================  =================  ==========================================

The time limit is checked on every line of template code (a tracer on the
template's frames only, for the duration of the render).
"""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from zhongtai.core.errors import UserError

MAX_RENDERED_CHARS = 100_000
MAX_VALUE_CHARS = 100_000
MAX_NUMBER_DIGITS = 1_000
MAX_RANGE = 10_000
MAX_RENDER_SECONDS = 1.0
_TEMPLATE_FILE = "<template>"


class TemplateError(UserError):
    """A template that does not compile, or a render that lacks a variable, breaks the sandbox or a limit."""


class _LimitExceeded(jinja2.exceptions.SecurityError):
    pass


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value).bit_length() * 30 // 100  # ~ decimal digits
    return 0


def _check_value(value: Any, what: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if _size(value) > MAX_NUMBER_DIGITS:
            raise _LimitExceeded(f"{what} makes a number of more than {MAX_NUMBER_DIGITS} digits")
    elif _size(value) > MAX_VALUE_CHARS:
        raise _LimitExceeded(f"{what} makes a value of more than {MAX_VALUE_CHARS} characters")
    return value


def _width(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


_FORMAT_WIDTH = re.compile(r"(\d{6,})")


class _LimitedSandbox(SandboxedEnvironment):
    """The sandbox, with every operation that can make a huge value checked *before* it runs."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for one, other in ((left, right), (right, left)):
                if isinstance(one, (str, list, tuple)) and _width(other) * len(one) > MAX_VALUE_CHARS:
                    raise _LimitExceeded(f"'*' would make a value of more than {MAX_VALUE_CHARS} characters")
        elif operator == "**":
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(left) > 1 \
                    and abs(right) * max(_size(int(abs(left))), 1) > MAX_NUMBER_DIGITS:
                raise _LimitExceeded(f"'**' would make a number of more than {MAX_NUMBER_DIGITS} digits")
        elif operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise _LimitExceeded("a format width or precision of 6 or more digits is not allowed")
        return _check_value(super().call_binop(context, operator, left, right), f"'{operator}'")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        owner = getattr(value, "__self__", None)
        if getattr(value, "__name__", "") in ("format", "format_map") and isinstance(owner, str) \
                and _FORMAT_WIDTH.search(owner):
            raise _LimitExceeded("a format width or precision of 6 or more digits is not allowed")
        return super().wrap_str_format(value)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,  # noqa: N805 - jinja's signature
             **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        if isinstance(getattr(__obj, "__self__", None), str):
            if name in ("center", "ljust", "rjust", "zfill") and args and _width(args[0]) > MAX_VALUE_CHARS:
                raise _LimitExceeded(f"str.{name} would make a value of more than {MAX_VALUE_CHARS} characters")
            if name == "expandtabs" and args and _width(args[0]) > 100:
                raise _LimitExceeded("str.expandtabs accepts tab sizes up to 100")
            if name == "replace" and len(args) >= 2:
                _check_replace(__obj.__self__, args[0], args[1])
        return _check_value(super().call(__context, __obj, *args, **kwargs), f"calling {name or 'a function'}")


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        grows = len(new) - len(old)
        count = text.count(old) if old else len(text) + 1
        if len(text) + count * max(grows, 0) > MAX_VALUE_CHARS:
            raise _LimitExceeded(f"replace would make a value of more than {MAX_VALUE_CHARS} characters")


def _limited_range(*args: Any) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise _LimitExceeded(f"range() is limited to {MAX_RANGE} items")
    return result


def _guard_filter(name: str, original: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return _check_value(original(*args, **kwargs), f"the {name} filter")

    return guarded


def _check_width(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> None:
    if _width(width) > MAX_VALUE_CHARS or _width(kwargs.get("width", 0)) > MAX_VALUE_CHARS:
        raise _LimitExceeded(f"a width of more than {MAX_VALUE_CHARS} is not allowed")


def _check_replace_filter(*args: Any, **kwargs: Any) -> None:
    strings = [a for a in args if isinstance(a, str)]
    if len(strings) >= 3:
        _check_replace(*strings[-3:])


def _check_format_filter(value: Any, *args: Any, **kwargs: Any) -> None:
    if isinstance(value, str) and _FORMAT_WIDTH.search(value):
        raise _LimitExceeded("a format width or precision of 6 or more digits is not allowed")


def _environment() -> _LimitedSandbox:
    environment = _LimitedSandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    environment.globals["range"] = _limited_range
    for name, check in (("center", _check_width), ("indent", _check_width), ("wordwrap", _check_width),
                        ("replace", _check_replace_filter), ("format", _check_format_filter)):
        environment.filters[name] = _guard_filter(name, environment.filters[name], check)
    return environment


_ENVIRONMENT = _environment()


@functools.lru_cache(maxsize=1024)
def compile_template(source: str) -> jinja2.Template:
    """The compiled form of *source*; :class:`TemplateError` for a syntax error."""
    try:
        return _ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error on line {exc.lineno}: {exc.message}") from None


class _Deadline:
    """A tracer that stops template code (and only template code) past a deadline."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != _TEMPLATE_FILE:
            return None
        self._check()
        return self._line

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self._check()
        return self._line

    def _check(self) -> None:
        if time.monotonic() > self.deadline:
            raise _LimitExceeded(f"rendering took longer than {MAX_RENDER_SECONDS:g} s")


def _render_limited(template: jinja2.Template, variables: dict[str, Any]) -> str:
    previous = sys.gettrace()
    sys.settrace(_Deadline(MAX_RENDER_SECONDS))
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(variables):
            size += len(chunk)
            if size > MAX_RENDERED_CHARS:
                raise _LimitExceeded(f"the rendered text is longer than {MAX_RENDERED_CHARS} characters")
            parts.append(chunk)
        return "".join(parts)
    finally:
        sys.settrace(previous)


def render(source: str, variables: Mapping[str, Any], *, name: str = "<body>") -> str:
    """Render *source* with *variables* within the limits above; any failure is one :class:`TemplateError`."""
    try:
        return _render_limited(compile_template(source), dict(variables))
    except TemplateError as exc:
        raise TemplateError(f"template {name!r}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {name!r}: missing variable ({exc.message})") from None
    except _LimitExceeded as exc:
        raise TemplateError(f"template {name!r} exceeds a limit: {exc}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template {name!r} tried something the sandbox forbids: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name!r} failed to render: {exc}") from None
    except (OverflowError, MemoryError, RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        raise TemplateError(f"template {name!r} failed to render: {type(exc).__name__}: {exc}") from None
