"""Per-invocation CLI state: registry URL, actor, plugin path and a lazily built Platform."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from zhongtai.core.cli.lazy import plugin_search_path

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


class CliState:
    """Carried on ``click.Context.obj``; builds the Platform only when a command needs it.

    ``plugin_path`` is ``$ZHONGTAI_PLUGIN_PATH`` split on the path separator (where
    plugin distributions are discovered), or ``None`` for all of ``sys.path``.
    """

    def __init__(self, database_url: str | None, actor: str | None, show_registry: bool = False) -> None:
        self.database_url = database_url
        self._actor = actor
        #: say on stderr which registry the command reads (``--show-registry``)
        self.show_registry = show_registry
        self.plugin_path = plugin_search_path()
        self._platform: Platform | None = None
        for entry in reversed(self.plugin_path or []):
            if entry not in sys.path:  # discovered plugins must also be importable
                sys.path.insert(0, entry)

    @property
    def actor(self) -> str:
        if self._actor:
            from zhongtai.core.tokens import check_claimed_actor

            return check_claimed_actor(self._actor)
        from zhongtai.core.management import default_actor

        return default_actor()

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            from zhongtai.core.runtime.platform import Platform

            self._platform = Platform(self.database_url, refresh_interval=0.0, plugin_path=self.plugin_path,
                                      metrics=True)
            if self.show_registry:
                from zhongtai.core.cli.output import echo

                echo(f"registry: {self.registry_label()}", err=True)
        return self._platform

    def registry_label(self) -> str:
        """The registry this invocation reads, password masked; says so when its file does not exist yet."""
        registry = self.platform.registry
        return registry.where + (" (no such file yet: an empty registry)" if registry.absent() else "")

    def close(self) -> None:
        """Record this invocation's call metrics, exposures and events (best effort: never fails a command)."""
        if self._platform is not None:
            self._platform.exposures.close()  # exposures and events of this invocation
            metrics = self._platform.metrics
            if metrics is not None and metrics.series():
                from zhongtai.core.errors import RegistryError
                from zhongtai.core.runtime.metrics_store import flush

                try:
                    flush(self._platform.registry, metrics)
                except RegistryError:
                    pass
            self._platform.registry.close()


def state() -> CliState:
    """The current invocation's :class:`CliState`."""
    return click.get_current_context().find_object(CliState)  # type: ignore[return-value]


pass_state = click.make_pass_decorator(CliState)
