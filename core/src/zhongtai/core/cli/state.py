"""Per-invocation CLI state: registry URL, actor, and a lazily built Platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


class CliState:
    """Carried on ``click.Context.obj``; builds the Platform only when a command needs it."""

    def __init__(self, database_url: str | None, actor: str | None) -> None:
        self.database_url = database_url
        self._actor = actor
        self._platform: Platform | None = None

    @property
    def actor(self) -> str:
        if self._actor:
            return self._actor
        from zhongtai.core.management import default_actor

        return default_actor()

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            from zhongtai.core.runtime.platform import Platform

            self._platform = Platform(self.database_url, refresh_interval=0.0)
        return self._platform

    def close(self) -> None:
        if self._platform is not None:
            self._platform.registry.close()


def state() -> CliState:
    """The current invocation's :class:`CliState`."""
    return click.get_current_context().find_object(CliState)  # type: ignore[return-value]


pass_state = click.make_pass_decorator(CliState)
