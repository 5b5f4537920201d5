"""Chinese and English: gettext catalogs, compiled by Babel when first used.

The catalogs are ``locale/<locale>/LC_MESSAGES/messages.po`` beside this module
(English is the source language and needs none).  They are compiled in memory
with Babel's ``write_mo`` the first time a locale is used, so there is no build
step and no binary file to keep in step with its source.  ``locale/messages.pot``
is extracted from the templates and modules with ``pybabel extract`` (see
docs/console.md); a test checks that every message has a Chinese translation.

The language of a request is the ``zt_lang`` cookie set by the language switch,
else the best match of the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import contextvars
import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
#: locale -> (HTML lang attribute, the name the switch shows)
LANGUAGES = {"en": ("en", "English"), "zh_CN": ("zh-CN", "中文")}
COOKIE = "zt_lang"

_ENGLISH = gettext.NullTranslations()
_current: contextvars.ContextVar[gettext.NullTranslations | None] = contextvars.ContextVar(
    "zhongtai_console_translations", default=None)


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of *locale* (English: the messages as written)."""
    if locale == DEFAULT or locale not in LANGUAGES:
        return gettext.NullTranslations()
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _accepted(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most preferred first."""
    weighted = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The locale for a request: the switch's cookie, else the browser's preference, else English."""
    if cookie in LANGUAGES:
        return cookie
    for tag in _accepted(accept_language or ""):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


@contextmanager
def active(locale: str) -> Iterator[None]:
    """Make *locale* the language of :func:`gettext` in this context."""
    reset = _current.set(translations(locale))
    try:
        yield
    finally:
        _current.reset(reset)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate where it is shown"
    """Mark *message* for extraction (``pybabel extract -k N_``); templates translate it when shown."""
    return message


#: Words the templates translate from data (a business's status).
STATUS_WORDS = (N_("active"), N_("suspended"))


def gettext_(message: str) -> str:
    return (_current.get() or _ENGLISH).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return (_current.get() or _ENGLISH).ngettext(singular, plural, n)
