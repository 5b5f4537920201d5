"""Scrubbing secret values out of everything the kernel produces.

The kernel knows the value of every secret config field it has handled -- given
directly or resolved from an ``env:NAME`` reference -- because it builds every
plugin config itself (:func:`zhongtai.core.config.build_config` calls
:func:`remember`).  :func:`scrub` replaces each known value with the mask in any
text, whatever a plugin put into it: error lines and ``PluginCallError``
messages, trace steps, the CLI's ``Error:`` line, stored notifier attempts and
provider responses.  The set is process-wide, so a plugin that raises with
*another* plugin's secret is scrubbed too.

Limits: values shorter than :data:`MIN_LENGTH` characters are not scrubbed (they
would mask ordinary words); a secret transformed by the plugin (base64, hashed,
split, upper-cased) is not recognised.  See docs/security.md.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "********"
#: Secrets shorter than this are not scrubbed (a 2-character "secret" would mask ordinary text).
MIN_LENGTH = 4

_known: set[str] = set()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def remember(values: Iterable[object]) -> None:
    """Add secret *values* (non-empty text of at least :data:`MIN_LENGTH` characters) to the known set."""
    global _pattern
    new = {text for text in (v if isinstance(v, str) else str(v) for v in values if v is not None)
           if len(text) >= MIN_LENGTH and text not in _known}
    if new:
        with _lock:
            _known.update(new)
            _pattern = None


def _compiled() -> re.Pattern[str]:
    global _pattern
    with _lock:
        if _pattern is None:  # longest first, so a secret containing another is masked whole
            _pattern = re.compile("|".join(re.escape(v) for v in sorted(_known, key=len, reverse=True)))
        return _pattern


def scrub(text: str) -> str:
    """*text* with every known secret value replaced by :data:`MASK`."""
    if not _known or not text:
        return text
    pattern = _pattern or _compiled()
    return pattern.sub(MASK, text)


def contains_secret(text: str) -> bool:
    """Whether *text* holds a known secret value."""
    return bool(_known) and bool(text) and (_pattern or _compiled()).search(text) is not None


def forget_all() -> None:
    """Forget every known value (tests)."""
    global _pattern
    with _lock:
        _known.clear()
        _pattern = None
