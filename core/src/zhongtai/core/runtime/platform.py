"""The :class:`Platform`: the :class:`~zhongtai.core.runtime.engine.Runtime` plus the management operations.

The layers run one way: the runtime (``runtime/engine.py``: catalog, snapshot,
dispatch) knows nothing of changes; :mod:`zhongtai.core.management` changes the
registry through a runtime; this class only offers those operations as methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zhongtai.core import management
from zhongtai.core.management import ChangeReport
from zhongtai.core.runtime.engine import (
    RETRY_INTERVAL,
    BusinessView,
    CallResult,
    Runtime,
    RuntimeStatus,
    affected_businesses,
    secrets_changed,
)

__all__ = [
    "RETRY_INTERVAL", "BusinessView", "CallResult", "Platform", "Runtime", "RuntimeStatus",
    "affected_businesses", "secrets_changed",
]


class Platform(Runtime):
    """The zhongtai runtime for one registry, with its management operations as methods.

    Takes the arguments of :class:`~zhongtai.core.runtime.engine.Runtime`.
    """

    def create_business(self, code: str, *, name: str = "", owner: str = "", actor: str | None = None,
                        dry_run: bool = False) -> ChangeReport:
        """Create business *code*; its parent must exist.  See :mod:`zhongtai.core.management`."""
        return management.create_business(self, code, name=name, owner=owner, actor=actor, dry_run=dry_run)

    def set_status(self, code: str, status: str, *, actor: str | None = None,
                   dry_run: bool = False, expected_version: int | None = None) -> ChangeReport:
        """Suspend (``"suspended"``) or resume (``"active"``) a business and its descendants."""
        return management.set_status(self, code, status, actor=actor, dry_run=dry_run,
                                     expected_version=expected_version)

    def enable(self, plugin: str, business: str, *, config: Mapping[str, Any] | None = None,
               priority: int | None = None, actor: str | None = None, dry_run: bool = False,
               replace_config: bool = False, expected_version: int | None = None) -> ChangeReport:
        """Enable *plugin* at *business* with *config* (validated; nothing written if invalid)."""
        return management.enable(self, plugin, business, config=config, priority=priority, actor=actor,
                                 dry_run=dry_run, replace_config=replace_config,
                                 expected_version=expected_version)

    def disable(self, plugin: str, business: str, *, actor: str | None = None,
                dry_run: bool = False, expected_version: int | None = None) -> ChangeReport:
        """Disable *plugin* at *business* (and so below it, unless re-enabled lower)."""
        return management.disable(self, plugin, business, actor=actor, dry_run=dry_run,
                                  expected_version=expected_version)

    def inherit(self, plugin: str, business: str, *, actor: str | None = None,
                dry_run: bool = False, expected_version: int | None = None) -> ChangeReport:
        """Remove *business*'s own row of *plugin* (enabled or disabled): the level inherits again."""
        return management.inherit(self, plugin, business, actor=actor, dry_run=dry_run,
                                  expected_version=expected_version)

    def effective_config(self, plugin: str, business: str, *, masked: bool = True) -> dict[str, Any]:
        """The merged config of *plugin* at *business*, defaults filled in, secrets masked."""
        return management.effective_config(self, plugin, business, masked=masked)
