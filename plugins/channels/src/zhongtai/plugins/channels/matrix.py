"""The channel x action grid of one business for one actor, decided by the kernel.

Every cell is a real ``channels.authorize`` call through the business's
:class:`~zhongtai.core.runtime.platform.BusinessView`, so the grid shows what
callers get -- every enabled plugin, every level -- and never re-implements the
rules.  Only the axes are read from config: by default the channels and actions
named (without wildcards) in the ``channels.rules`` rules of every level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core.config import build_config
from zhongtai.core.decision import Verdict
from zhongtai.core.errors import UserError
from zhongtai.core.specs.channels import AccessRequest, Actor
from zhongtai.plugins.channels import PLUGIN
from zhongtai.plugins.channels.rules import ANY, RulesConfig, names

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

POINT = "channels.authorize"


@attrs.frozen
class Cell:
    """The verdict for one (channel, action)."""

    channel: str
    action: str
    verdict: Verdict


@attrs.frozen
class Matrix:
    """Verdicts for every channel x action, for one business, actor and resource."""

    business: str
    actor: Actor
    resource: Mapping[str, Any]
    channels: tuple[str, ...]
    actions: tuple[str, ...]
    cells: tuple[Cell, ...]
    revision: int

    def verdict(self, channel: str, action: str) -> Verdict:
        for cell in self.cells:
            if (cell.channel, cell.action) == (channel, action):
                return cell.verdict
        raise KeyError((channel, action))

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible form: the axes and one entry per cell with who decided."""
        return {
            "business": self.business,
            "revision": self.revision,
            "actor": {"id": self.actor.id, "roles": sorted(self.actor.roles), "store": self.actor.store,
                      "agent": self.actor.agent},
            "resource": dict(self.resource),
            "channels": list(self.channels),
            "actions": list(self.actions),
            "cells": [
                {"channel": c.channel, "action": c.action, **attrs.asdict(c.verdict)} for c in self.cells
            ],
        }


def named_axes(platform: Platform, business: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Channels and actions named in the ``channels.rules`` config at every level of *business*.

    Wildcards (``*``, ``order.*``) name nothing and are left out.
    """
    effective = platform.business(business).effective_plugins().get(PLUGIN)
    channels: set[str] = set()
    actions: set[str] = set()
    for _, raw in effective.levels if effective is not None else ():
        config = build_config(RulesConfig, raw, plugin=PLUGIN)
        for rule in config.rules:
            channels.update(n for n in names(rule.channels) if not _wild(n))
            actions.update(n for n in names(rule.actions) if not _wild(n))
    return tuple(sorted(channels)), tuple(sorted(actions))


def _wild(name: str) -> bool:
    return name == ANY or name.endswith(".*")


def build_matrix(
    platform: Platform, business: str, actor: Actor, *, channels: Sequence[str] | None = None,
    actions: Sequence[str] | None = None, resource: Mapping[str, Any] | None = None,
) -> Matrix:
    """Decide every channel x action for *actor* at *business* through ``channels.authorize``.

    Axes not given are taken from :func:`named_axes`; if an axis is still
    empty, :class:`~zhongtai.core.errors.UserError` says which option to give.
    """
    view = platform.business(business)
    if not channels or not actions:
        named_channels, named_actions = named_axes(platform, business)
        channels = channels or named_channels
        actions = actions or named_actions
    for axis, values in (("channels", channels), ("actions", actions)):
        if not values:
            raise UserError(f"no {axis} are named in the {PLUGIN} rules of {business}; give --{axis}")
    channels, actions = _unique(channels), _unique(actions)
    given = dict(resource or {})
    cells = []
    for action in actions:
        for channel in channels:
            request = AccessRequest(channel=channel, action=action, actor=actor, resource=given)
            cells.append(Cell(channel, action, view.call(POINT, request=request)))
    return Matrix(business, actor, given, channels, actions, tuple(cells), platform.snapshot.revision)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def render_text(matrix: Matrix, *, explain: bool = False) -> str:
    """The grid as text: one row per action, one column per channel; with *explain*,
    one line per cell naming the rule, plugin and business level that decided it."""
    who = ", ".join(sorted(matrix.actor.roles)) or "(no role)"
    extras = [f"{k} {v}" for k, v in (("store", matrix.actor.store), ("agent", matrix.actor.agent)) if v]
    title = f"{POINT} at {matrix.business} for role {who}" + (f", {', '.join(extras)}" if extras else "")
    head = ["action", *matrix.channels]
    rows = [[action, *(_mark(matrix.verdict(c, action)) for c in matrix.channels)] for action in matrix.actions]
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    lines = [title, ""]
    for row in (head, *rows):
        lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
    if explain:
        lines.append("")
        for cell in matrix.cells:
            lines.append(f"{cell.channel} {cell.action}: {describe(cell.verdict)}")
    return "\n".join(lines)


def _mark(verdict: Verdict) -> str:
    return "allow" if verdict.allowed else "deny"


def describe(verdict: Verdict) -> str:
    """One line: the effect, and the rule, plugin and level that decided it (or the default)."""
    effect = "allow" if verdict.allowed else "deny"
    if not verdict.plugin:
        return f"{effect} ({verdict.reason})"
    rule = f"rule {verdict.rule!r} of " if verdict.rule else ""
    return f"{effect} by {rule}{verdict.plugin} at {verdict.business}: {verdict.reason}"
