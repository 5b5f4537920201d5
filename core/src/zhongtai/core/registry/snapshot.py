"""An immutable in-memory picture of the registry, and inheritance resolution.

Resolution rules (the heart of per-business dispatch):

* A business has every plugin enabled on its ancestors unless a nearer level
  disables it; the nearest row (the business itself, then its parent ...) decides.
* Config merges root -> leaf over the enabled rows below the nearest disabling
  row; nearer keys win.
* The priority and the *source level* of an effective plugin come from its
  nearest enabled row.
* A rollout and a running experiment come from the nearest enabled row that
  carries one (below the nearest disabling row), like config keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from zhongtai.core.identity import lineage, parent_of


@attrs.frozen
class Business:
    code: str
    parent: str | None
    name: str = ""
    owner: str = ""
    status: str = "active"
    version: int = 1
    updated_at: dt.datetime | None = None
    updated_by: str = ""


@attrs.frozen
class Enablement:
    business: str
    plugin: str
    enabled: bool = True
    config: Mapping[str, Any] = attrs.field(factory=dict)
    priority: int = 0
    version: int = 1
    updated_at: dt.datetime | None = None
    updated_by: str = ""
    rollout: Mapping[str, Any] | None = None  # see zhongtai.core.rollout
    experiment: Mapping[str, Any] | None = None  # a running experiment's variants (zhongtai.core.experiments)


@attrs.frozen
class Allowances:
    """What a platform admin allowed each business (and so its subtree) beyond the defaults.

    ``secrets``: environment variable names its config may reference as ``env:NAME``;
    ``networks``: internal host names or CIDRs its outbound requests may reach.
    Both map a business code to the entries granted *at* that level.
    """

    secrets: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    networks: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


NO_ALLOWANCES = Allowances()


@attrs.frozen
class EffectivePlugin:
    """A plugin effectively enabled for a business, and where that comes from."""

    plugin: str
    source: str  # the business whose row enables it (nearest enabled row)
    priority: int
    config: Mapping[str, Any]
    levels: tuple[tuple[str, Mapping[str, Any]], ...]  # (business, own config) root -> leaf
    #: (business whose row carries it, rule): the nearest enabled row's rollout / running experiment
    rollout: tuple[str, Mapping[str, Any]] | None = None
    experiment: tuple[str, Mapping[str, Any]] | None = None

    def origin(self, business: str) -> str:
        return "own" if self.source == business else f"inherited from {self.source}"


class Snapshot:
    """Businesses and enablements at one registry revision."""

    __slots__ = ("_children", "_effective", "allowances", "businesses", "enablements", "mode", "revision")

    def __init__(
        self,
        revision: int,
        businesses: Iterable[Business],
        enablements: Iterable[Enablement],
        mode: str = "development",
        allowances: Allowances = NO_ALLOWANCES,
    ) -> None:
        self.revision = revision
        self.mode = mode
        self.allowances = allowances
        self.businesses: dict[str, Business] = {b.code: b for b in businesses}
        self.enablements: dict[str, dict[str, Enablement]] = {}
        for row in enablements:
            self.enablements.setdefault(row.business, {})[row.plugin] = row
        self._children: dict[str | None, list[str]] | None = None
        #: effective plugins per business, computed once from the parent's (read-only, shared)
        self._effective: dict[str, Mapping[str, EffectivePlugin]] = {}

    def replaced(
        self, *, business: Business | None = None, enablement: Enablement | None = None,
        remove: tuple[str, str] | None = None,
    ) -> Snapshot:
        """A new snapshot with one business or enablement row added or replaced (or removed)."""
        businesses = dict(self.businesses)
        if business is not None:
            businesses[business.code] = business
        rows = [row for per in self.enablements.values() for row in per.values()]
        if enablement is not None or remove is not None:
            key = (enablement.business, enablement.plugin) if enablement else remove
            rows = [row for row in rows if (row.business, row.plugin) != key]
            if enablement is not None:
                rows.append(enablement)
        return Snapshot(self.revision, businesses.values(), rows, self.mode, self.allowances)

    def updated(
        self, revision: int, mode: str, businesses: Mapping[str, Business | None],
        enablements: Mapping[str, Iterable[Enablement]], allowances: Allowances | None = None,
    ) -> Snapshot:
        """A new snapshot at *revision*: these businesses' rows replaced, every other row shared.

        *businesses* maps each touched code to its row now (``None``: gone);
        *enablements* maps touched codes to *all* their enablement rows now;
        *allowances*, when given, replaces the allow-lists (``None``: unchanged).
        Costs a copy of the two top-level dicts, not a rebuild of the rows; what
        was resolved for businesses outside the touched subtrees is kept.
        """
        new = Snapshot.__new__(Snapshot)
        new.revision, new.mode = revision, mode
        new.allowances = self.allowances if allowances is None else allowances
        new.businesses = dict(self.businesses)
        new.enablements = dict(self.enablements)
        same_tree = True
        for code, row in businesses.items():
            old = new.businesses.get(code)
            if row is None:
                new.businesses.pop(code, None)
            else:
                new.businesses[code] = row
            if (old is None) != (row is None) or (old is not None and row is not None and old.parent != row.parent):
                same_tree = False
        for code, rows in enablements.items():
            per = {row.plugin: row for row in rows}
            if per:
                new.enablements[code] = per
            else:
                new.enablements.pop(code, None)
        new._children = self._children if same_tree else None
        new._effective = dict(self._effective)
        for code in businesses.keys() | enablements.keys():
            new._effective.pop(code, None)
            for descendant in self.descendants(code):
                new._effective.pop(descendant, None)
        return new

    def allowed_secrets(self, code: str) -> frozenset[str]:
        """Environment variable names *code* may reference: allowed at it or at an ancestor."""
        names: set[str] = set()
        for level in lineage(code):
            names.update(self.allowances.secrets.get(level, ()))
        return frozenset(names)

    def allowed_networks(self, code: str) -> tuple[str, ...]:
        """Internal hosts/CIDRs *code* may reach: allowed at it or at an ancestor."""
        entries: set[str] = set()
        for level in lineage(code):
            entries.update(self.allowances.networks.get(level, ()))
        return tuple(sorted(entries))

    def children(self, code: str | None) -> list[str]:
        """Direct children of *code* (``None``: the top-level businesses), sorted."""
        if self._children is None:
            index: dict[str | None, list[str]] = {}
            for business in self.businesses.values():
                index.setdefault(business.parent, []).append(business.code)
            for kids in index.values():
                kids.sort()
            self._children = index
        return self._children.get(code, [])

    def descendants(self, code: str) -> Iterator[str]:
        """Every descendant of *code*, depth first, excluding *code* itself."""
        stack = list(reversed(self.children(code)))
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(self.children(current)))

    def rows_along(self, code: str) -> Iterator[tuple[str, Mapping[str, Enablement]]]:
        """(level, rows at that level) root -> leaf for *code*'s lineage."""
        for level in lineage(code):
            yield level, self.enablements.get(level, {})

    def effective(self, code: str) -> dict[str, EffectivePlugin]:
        """The plugins effectively enabled for *code*, by name (a new dict the caller may keep)."""
        return dict(self._resolved(code))

    def _resolved(self, code: str) -> Mapping[str, EffectivePlugin]:
        """:meth:`effective`, built from the parent's (memoised per snapshot; never mutate it)."""
        cached = self._effective.get(code)
        if cached is not None:
            return cached
        parent = parent_of(code)
        inherited = self._resolved(parent) if parent is not None else {}
        rows = self.enablements.get(code)
        result: Mapping[str, EffectivePlugin] = inherited
        if rows:
            own = dict(inherited)
            for plugin, row in rows.items():
                if not row.enabled:
                    own.pop(plugin, None)  # disabled here: rows above no longer count
                    continue
                above = inherited.get(plugin)
                own[plugin] = EffectivePlugin(
                    plugin=plugin, source=code, priority=row.priority,
                    config={**above.config, **row.config} if above is not None else dict(row.config),
                    levels=(*above.levels, (code, row.config)) if above is not None else ((code, row.config),),
                    rollout=(code, row.rollout) if row.rollout else above.rollout if above is not None else None,
                    experiment=((code, row.experiment) if row.experiment
                                else above.experiment if above is not None else None),
                )
            result = own
        self._effective[code] = result
        return result

    def state_of(self, code: str, plugin: str) -> tuple[bool, str]:
        """Whether *plugin* is effective at *code*, and why, in words."""
        decided: tuple[bool, str] = (False, "not enabled")
        for level, rows in self.rows_along(code):
            row = rows.get(plugin)
            if row is None:
                continue
            if row.enabled:
                decided = (True, "own" if level == code else f"inherited from {level}")
            else:
                decided = (False, "disabled here" if level == code else f"disabled at {level}")
        return decided

    def users_of(self, plugin: str) -> list[str]:
        """Businesses where *plugin* is effectively enabled, sorted."""
        starts = sorted(code for code, rows in self.enablements.items() if plugin in rows)
        if not starts:
            return []
        seen: set[str] = set()
        for start in starts:
            seen.add(start)
            seen.update(self.descendants(start))
        return sorted(code for code in seen if self.state_of(code, plugin)[0])
