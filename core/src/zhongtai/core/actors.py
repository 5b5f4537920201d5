"""Who makes a change: the actor name every registry change records.

The lowest layer of the change path: :mod:`zhongtai.core.governance`,
:mod:`zhongtai.core.tokens`, :mod:`zhongtai.core.management` and the other
modules that write the registry resolve their actor here.
"""

from __future__ import annotations

import getpass
import os

from zhongtai.core.errors import UserError

ACTOR_ENV = "ZHONGTAI_ACTOR"
MAX_TEXT = 200  # display names, owners, actors


def check_text(what: str, value: object) -> str:
    """*value* if it is text of at most :data:`MAX_TEXT` characters; else :class:`UserError` naming *what*."""
    if not isinstance(value, str):
        raise UserError(f"{what} must be text, not {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise UserError(f"{what} is {len(value)} characters long; the limit is {MAX_TEXT}")
    return value


def default_actor() -> str:
    """``$ZHONGTAI_ACTOR``, else the OS user."""
    actor = os.environ.get(ACTOR_ENV)
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def resolve_actor(actor: str | None) -> str:
    """The actor a change records: *actor* if given, else :func:`default_actor`; checked as text."""
    return check_text("actor", actor or default_actor())
