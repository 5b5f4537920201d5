"""Jinja2 for the console: autoescape always, undefined names are errors, gettext installed.

Every value a page shows goes through autoescaping (codes, names, config
values, audit rows, error messages); the only markup not written in a template
is the server-drawn SVG of :mod:`.charts`, which escapes its own text.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2

from zhongtai.gateway.console import i18n


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds == float("inf"):
        return "> 10 s"
    return f"≤ {seconds * 1000:g} ms"


_ORIGINS = (("inherited from ", i18n.N_("inherited from %(code)s")), ("disabled at ", i18n.N_("disabled at %(code)s")))
_WORDS = (i18n.N_("own"), i18n.N_("not enabled"), i18n.N_("disabled here"))


def _origin(text: str) -> str:
    """The kernel's words for where a plugin's state comes from (``inherited from edu`` ...), translated."""
    for prefix, message in _ORIGINS:
        if text.startswith(prefix):
            return i18n.gettext_(message) % {"code": text[len(prefix):]}
    return i18n.gettext_(text) if text in _WORDS else text


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zhongtai.gateway.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext_, i18n.ngettext_, newstyle=True)  # type: ignore[attr-defined]
    env.filters["tojson_text"] = _json
    env.filters["ms"] = _ms
    env.filters["origin"] = _origin
    return env


def render(template: str, locale: str, context: dict[str, Any]) -> str:
    """*template* rendered in *locale*."""
    with i18n.active(locale):
        return environment().get_template(template).render(context)
