"""A click group whose subcommands are imported only when used.

Built-in commands are listed by import path; plugin packages add commands
through the entry-point group ``zhongtai.cli`` (name = command name, value =
``module:click_command``) -- the kernel's CLI extension point.  ``zhongtai
--help`` lists names and short help without importing any plugin module: the
short help of an entry-point command is read from its distribution's summary
until the command is invoked.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

CLI_GROUP = "zhongtai.cli"


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    return getattr(obj, attr)


class LazyGroup(click.Group):
    """Subcommands given as ``{name: "module:attr"}`` plus the ``zhongtai.cli`` entry points."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})
        self._plugin_targets: dict[str, str] | None = None

    def _plugins(self) -> dict[str, str]:
        if self._plugin_targets is None:
            import importlib_metadata

            self._plugin_targets = {
                ep.name: ep.value for ep in importlib_metadata.entry_points(group=CLI_GROUP)
                if ep.name not in self._lazy
            }
        return self._plugin_targets

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(self._lazy)
        if ctx.parent is None:
            names |= set(self._plugins())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        target = self._lazy.get(cmd_name)
        if target is None and ctx.parent is None:
            target = self._plugins().get(cmd_name)
        if target is None:
            return None
        try:
            loaded = _import(target)
        except Exception as exc:  # a broken plugin command must not break the CLI
            return _broken(cmd_name, target, exc)
        if not isinstance(loaded, click.Command):
            return _broken(cmd_name, target, TypeError(f"{target} is not a click command"))
        return loaded


def _broken(name: str, target: str, exc: BaseException) -> click.Command:
    reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"

    @click.command(name, help=f"(unavailable: {target} failed to load)", add_help_option=False,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def broken() -> None:
        raise click.ClickException(f"command {name!r} is unavailable: {target} failed to load: {reason}")

    return broken
