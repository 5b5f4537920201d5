"""Structured logs: ``key=value`` lines for humans, one JSON object per line when asked.

:func:`configure` installs one handler on the root logger whose every line
carries the time, level, logger, message, the business the work is for
(:func:`zhongtai.core.telemetry.current_business`) and, when a span is
recording, its ``trace_id`` and ``span_id`` -- so a log line can be found from
a trace and the other way round.  Fields given with ``extra={...}`` are kept as
keys of their own.

Nothing secret or personal is written: the message, exception text and every
field go through :func:`zhongtai.core.scrubbing.scrub` (every secret config
value the kernel has seen); fields named like personal data (:data:`PERSONAL`)
are masked whole; text lines are terminal-safe (:func:`zhongtai.core.terminal.safe_text`).
zhongtai's own log lines never hold call arguments, recipients or message bodies.

Levels are set per module: ``"info,zhongtai.gateway=debug,sqlalchemy.engine=warning"``.
The CLI takes ``--log-format text|json`` and ``--log-level SPEC`` (or
``$ZHONGTAI_LOG_FORMAT`` / ``$ZHONGTAI_LOG_LEVEL``); see docs/observability.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import IO, Any

from zhongtai.core import telemetry
from zhongtai.core.errors import UserError
from zhongtai.core.scrubbing import scrub
from zhongtai.core.terminal import safe_text

FORMATS = ("text", "json")
ENV_FORMAT = "ZHONGTAI_LOG_FORMAT"
ENV_LEVEL = "ZHONGTAI_LOG_LEVEL"
LEVELS = ("debug", "info", "warning", "error", "critical")

#: ``extra`` fields whose values are personal data or secrets: written as ``****``.
PERSONAL = frozenset({"phone", "email", "recipient", "address", "name", "id_number", "card_number", "code",
                      "password", "secret", "token", "authorization", "cookie"})
MASK = "****"

#: Attributes every LogRecord has; anything else on a record came from ``extra=`` and is written as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
_CONTEXT = ("business", "trace_id", "span_id")
_BARE = re.compile(r"^[^\s\"=]+$")


def parse_levels(spec: str) -> dict[str, int]:
    """``"info,zhongtai.gateway=debug"`` -> ``{"": INFO, "zhongtai.gateway": DEBUG}`` ("" is the root logger).

    Raises :class:`UserError` (one line) for an unknown level or a malformed item.
    """
    levels: dict[str, int] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        module, _, level = item.rpartition("=")
        name = level.strip().lower()
        if name not in LEVELS or (("=" in item) and not module.strip()):
            raise UserError(f"log level {item!r}: give LEVEL or MODULE=LEVEL with LEVEL one of {', '.join(LEVELS)}")
        levels[module.strip()] = logging.getLevelNamesMapping()[name.upper()]
    return levels


class ContextFilter(logging.Filter):
    """Adds ``business``, ``trace_id`` and ``span_id`` to every record (None when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.business = telemetry.current_business()
        ids = telemetry.trace_ids()
        record.trace_id, record.span_id = ids if ids is not None else (None, None)
        return True


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as ordered, scrubbed fields: time, level, logger, message, context, extras, exception."""
    at = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out: dict[str, Any] = {"time": at, "level": record.levelname.lower(), "logger": record.name,
                           "message": scrub(record.getMessage())}
    for key in _CONTEXT:
        value = getattr(record, key, None)
        if value is not None:
            out[key] = value
    for key, value in vars(record).items():
        if key in _STANDARD or key in _CONTEXT or key in out or key.startswith("_"):
            continue
        if key.lower() in PERSONAL:
            out[key] = MASK
        elif isinstance(value, (bool, int, float)) or value is None:
            out[key] = value
        else:
            out[key] = scrub(str(value))
    if record.exc_info and record.exc_info[0] is not None:
        out["error_type"] = record.exc_info[0].__name__
        out["exception"] = scrub(logging.Formatter().formatException(record.exc_info))
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see :func:`fields`)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields(record), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger business=... trace_id=... message=... key=value`` on one terminal-safe line."""

    def format(self, record: logging.LogRecord) -> str:
        out = fields(record)
        head = f"{out.pop('time')} {out.pop('level'):<7} {out.pop('logger')}"
        exception = out.pop("exception", None)
        parts = [head, *(f"{key}={_value(value)}" for key, value in out.items())]
        line = safe_text(" ".join(parts))
        if exception is not None:
            line += "\n" + safe_text(exception, keep_newlines=True)
        return line


def _value(value: Any) -> str:
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=False)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure` installs (recognised so a second call replaces it)."""


def configure(format: str = "text", level: str | Mapping[str, int] = "info", *,
              stream: IO[str] | None = None) -> None:
    """Log structured lines to *stream* (default stderr) with per-module levels.

    *format* is ``text`` or ``json``; *level* a spec for :func:`parse_levels` or its result.
    Calling again replaces the previous configuration.  From now on extension calls put
    their business into the context (:func:`zhongtai.core.telemetry.want_business_context`).
    """
    if format not in FORMATS:
        raise UserError(f"log format {format!r}: use one of {', '.join(FORMATS)}")
    levels = parse_levels(level) if isinstance(level, str) else dict(level)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(levels.pop("", logging.INFO))
    for module, value in levels.items():
        logging.getLogger(module).setLevel(value)
    telemetry.want_business_context()


def configure_from_env(format: str | None = None, level: str | None = None) -> bool:
    """:func:`configure` from the arguments, else ``$ZHONGTAI_LOG_FORMAT`` / ``$ZHONGTAI_LOG_LEVEL``.

    Does nothing (False) when neither is given anywhere: logging stays as it is.
    """
    format = format or os.environ.get(ENV_FORMAT) or None
    level = level or os.environ.get(ENV_LEVEL) or None
    if format is None and level is None:
        return False
    configure(format or "text", level or "info")
    return True
