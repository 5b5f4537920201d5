"""Which messages the platform composed itself -- the only ones a channel may sign.

The outbox worker marks each message it loaded from the outbox (rendered there
from a template) while it offers it to the channels; a channel asks
:func:`is_composed` before signing with the business's key.  Anything else --
a caller-supplied body, a ``Message`` built by a direct ``notifiers.deliver``
call, even one copying a real message's id -- is not marked, so nobody can get
text of their choosing signed.  The mark is by object identity, in this
process only, for the duration of the delivery: nothing to forge from outside.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from zhongtai.core.specs.notifiers import Message

_lock = threading.Lock()
_active: dict[int, Message] = {}


@contextmanager
def delivering(message: Message) -> Iterator[None]:
    """Mark *message* as composed by the platform while the block runs (templated messages only)."""
    if not message.template:
        yield
        return
    key = id(message)
    with _lock:
        _active[key] = message
    try:
        yield
    finally:
        with _lock:
            _active.pop(key, None)


def is_composed(message: Message) -> bool:
    """Whether *message* is, right now, a templated outbox message the worker is delivering."""
    return _active.get(id(message)) is message
