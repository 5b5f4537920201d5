"""Rendering message templates with jinja2's sandboxed environment.

Undefined variables are errors (``StrictUndefined``), never blanks; template
code cannot reach Python internals (``SandboxedEnvironment``).  Compiled
templates are cached by source text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from zhongtai.core.errors import UserError

_ENVIRONMENT = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


class TemplateError(UserError):
    """A template that does not compile, or a render that lacks a variable or breaks the sandbox."""


@functools.lru_cache(maxsize=1024)
def compile_template(source: str) -> jinja2.Template:
    """The compiled form of *source*; :class:`TemplateError` for a syntax error."""
    try:
        return _ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error on line {exc.lineno}: {exc.message}") from None


def render(source: str, variables: Mapping[str, Any], *, name: str = "<body>") -> str:
    """Render *source* with *variables*; a missing variable raises :class:`TemplateError`."""
    try:
        return compile_template(source).render(dict(variables))
    except TemplateError as exc:
        raise TemplateError(f"template {name!r}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {name!r}: missing variable ({exc.message})") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template {name!r} tried something the sandbox forbids: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name!r} failed to render: {exc}") from None
