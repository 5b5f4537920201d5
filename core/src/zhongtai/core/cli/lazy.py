"""A click group whose subcommands are imported only when used.

Built-in commands are listed by import path; plugin packages add commands
through the entry-point group ``zhongtai.cli`` (name = command name, value =
``module:click_command``) -- the kernel's CLI extension point.  ``zhongtai
--help`` lists names and short help without importing any plugin module: the
short help of an entry-point command is its distribution's summary until the
command is invoked.  A plugin command that fails to import is listed as
unavailable and fails with one line when invoked; it never breaks the CLI.
A plugin cannot shadow a built-in command.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

CLI_GROUP = "zhongtai.cli"
#: Restricts where plugin distributions (and plugin CLI commands) are looked for.
PLUGIN_PATH_ENV = "ZHONGTAI_PLUGIN_PATH"


def plugin_search_path() -> list[str] | None:
    """The directories of ``$ZHONGTAI_PLUGIN_PATH``, or ``None`` for all of ``sys.path``."""
    value = os.environ.get(PLUGIN_PATH_ENV, "")
    entries = [entry for entry in value.split(os.pathsep) if entry]
    return entries or None


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


class LazyGroup(click.Group):
    """Subcommands given as ``{name: "module:attr"}`` plus the ``zhongtai.cli`` entry points."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, summaries: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})
        self._summaries = dict(summaries or {})  # short help of lazy commands, so --help need not import them
        self._plugin_targets: dict[str, tuple[str, str]] | None = None  # name -> (target, summary)

    def _plugins(self) -> dict[str, tuple[str, str]]:
        if self._plugin_targets is None:
            from zhongtai.core.entrypoints import entry_points

            path = plugin_search_path()
            found: dict[str, tuple[str, str]] = {}
            for ep in entry_points(CLI_GROUP, sys.path if path is None else path):
                if ep.name not in self._lazy and ep.name not in self.commands and ep.name not in found:
                    found[ep.name] = (ep.value, ep.summary or f"(from {ep.distribution} {ep.version})")
            self._plugin_targets = found
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
            plugin = self._plugins().get(cmd_name)
            target = plugin[0] if plugin else None
        if target is None:
            return None
        try:
            loaded = _import(target)
        except Exception as exc:  # a broken plugin command must not break the CLI
            return _broken(cmd_name, target, exc)
        if not isinstance(loaded, click.Command):
            return _broken(cmd_name, target, TypeError(f"{target} is not a click command"))
        return loaded

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, but commands with a known summary (built-ins listed in *summaries*, plugin
        commands: their distribution's summary) are not imported to show it."""
        rows: list[tuple[str, str]] = []
        plugins = self._plugins() if ctx.parent is None else {}
        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        for name in self.list_commands(ctx):
            if name in self._summaries and name not in self.commands:
                rows.append((name, _shorten(self._summaries[name], limit)))
                continue
            if name in plugins and name not in self._lazy and name not in self.commands:
                rows.append((name, _shorten(plugins[name][1], limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: max(limit - 3, 1)].rstrip() + "..."


def _broken(name: str, target: str, exc: BaseException) -> click.Command:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__

    @click.command(name, help=f"(unavailable: {target} failed to load)", add_help_option=False,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def broken() -> None:
        raise click.ClickException(f"command {name!r} is unavailable: {target} failed to load: {reason}")

    return broken
