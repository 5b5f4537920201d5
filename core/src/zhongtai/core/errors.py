"""The error family of zhongtai.

Every error a user can cause derives from :class:`ZhongtaiError` and carries one
clear, single-line message.  The CLI turns a :class:`UserError` into that line on
stderr and exit status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any


class ZhongtaiError(Exception):
    """Base class of every error zhongtai raises on purpose."""

    exit_code = 1
    #: For a call made with ``explain``: the trace steps that ran before it failed (the failing one
    #: last), so ``zhongtai call --explain`` can show how far it got.  Empty otherwise.
    partial_trace: tuple[Any, ...] = ()

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()) if "\n" in message else message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class UserError(ZhongtaiError):
    """Bad input or a refused change: the user can fix it."""


class InvalidBusinessCode(UserError):
    """A business code that is not a dotted lowercase identity."""


class NotFound(UserError):
    """An unknown business, plugin, extension point or record."""


class ConfigError(UserError):
    """Plugin config that does not fit the plugin's config class."""


class ConflictError(UserError):
    """A change that would make dispatch ambiguous (e.g. equal priorities)."""


class PluginUnavailable(UserError):
    """A plugin that failed to load, is incompatible or retired."""


class BusinessSuspended(UserError):
    """A call for a business whose status is ``suspended``."""


class RegistryError(UserError):
    """The registry cannot be reached, is not a zhongtai registry, or refused a write."""


class StaleWrite(RegistryError):
    """Optimistic locking: someone else changed the row first."""


class PermissionDenied(UserError):
    """The actor may not make this change."""


class Unauthenticated(UserError):
    """No credential, or one that is unknown, revoked or expired (an API token)."""


class PluginCallError(ZhongtaiError):
    """A plugin raised or broke its contract during a call.

    The message names the plugin, the business and the extension point; the
    original exception is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, plugin: str, extension_point: str) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.extension_point = extension_point
