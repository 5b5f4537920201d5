"""The capability map (能力地图) as pages: extension points x businesses, one page at a time.

A page is a slice of the businesses in tree order (a subtree when filtered),
and the extension points of one domain or one point when filtered.  Each cell
lists the plugins that serve the point for that business, in call order, from
the compiled plan (:meth:`Platform.plan`, cached until the registry changes),
with where each comes from (own / inherited from X), its lifecycle when it is
not ``active``, and the plan's problems.  ``zhongtai doctor``'s findings are
shown on the businesses they name: its per-business checks run for the page's
businesses (:func:`zhongtai.core.health.diagnose_businesses`), its plugin
checks once per process.  Only the businesses on the page are resolved and
checked, so a page costs the same with 10 or 10,000 businesses.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import attrs

from zhongtai.core.errors import NotFound
from zhongtai.core.health import Finding, diagnose_businesses, plugin_findings
from zhongtai.core.identity import validate_code

if TYPE_CHECKING:
    from zhongtai.core.registry.snapshot import Snapshot
    from zhongtai.core.runtime.platform import Platform


@attrs.frozen
class Column:
    name: str
    domain: str
    policy: str
    summary: str
    implemented_by: tuple[str, ...]


@attrs.frozen
class Served:
    plugin: str
    origin: str  # "own" or the business it is inherited from
    priority: int
    lifecycle: str

    @property
    def own(self) -> bool:
        return self.origin == "own"


@attrs.frozen
class Row:
    code: str
    name: str
    owner: str
    status: str
    depth: int
    cells: tuple[tuple[Served, ...], ...]  # one per column
    problems: tuple[tuple[str, ...], ...]  # one per column
    findings: tuple[Finding, ...]


@attrs.frozen
class MapPage:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    page: int
    pages: int
    total: int
    subtree: str | None
    capability: str | None
    domains: tuple[str, ...]
    points: tuple[str, ...]
    platform_findings: tuple[Finding, ...]  # findings about plugins, not businesses


_ORDERS: dict[tuple[int, str | None], tuple[Snapshot, list[str]]] = {}
_ORDERS_LOCK = threading.Lock()


def tree_order(snapshot: Snapshot, subtree: str | None) -> list[str]:
    """Business codes depth first (parents before children); only *subtree* and below when given.

    Remembered for the last few (snapshot, subtree) pairs: paging through a map or tree walks
    the same 10,000 codes again for every page otherwise.  Never mutate the answer.
    """
    key = (id(snapshot), subtree)
    with _ORDERS_LOCK:
        known = _ORDERS.get(key)
        if known is not None and known[0] is snapshot:
            return known[1]
    if subtree is not None:
        codes = [subtree, *snapshot.descendants(subtree)]
    else:
        codes = []
        for root in snapshot.children(None):
            codes.append(root)
            codes.extend(snapshot.descendants(root))
    with _ORDERS_LOCK:
        if len(_ORDERS) >= 16:
            _ORDERS.clear()
        _ORDERS[key] = (snapshot, codes)
    return codes


class PluginFindings:
    """``zhongtai doctor``'s findings about the installed plugins: computed once per process
    (a process imports each plugin once, so they cannot change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._findings: tuple[Finding, ...] | None = None

    def findings(self, platform: Platform) -> tuple[Finding, ...]:
        with self._lock:
            if self._findings is None:
                self._findings = tuple(plugin_findings(platform))
            return self._findings


def _columns(platform: Platform, capability: str | None) -> tuple[Column, ...]:
    columns = []
    for name in sorted(platform.extension_points):
        point = platform.extension_points[name]
        if capability and capability not in (name, point.domain):
            continue
        columns.append(Column(name, point.domain, point.policy.value, point.summary,
                              tuple(info.name for info in platform.plugins.implementing(name))))
    return tuple(columns)


def build_page(platform: Platform, doctor: PluginFindings, *, subtree: str | None = None,
               capability: str | None = None, page: int = 1, page_size: int = 50) -> MapPage:
    """One page of the map; :class:`NotFound` for an unknown subtree or capability."""
    platform.refresh()
    snapshot = platform.snapshot
    if subtree is not None:
        validate_code(subtree)
        if subtree not in snapshot.businesses:
            raise NotFound(f"unknown business {subtree!r}")
    domains = tuple(sorted({p.domain for p in platform.extension_points.values()}))
    points = tuple(sorted(platform.extension_points))
    if capability and capability not in domains and capability not in points:
        raise NotFound(f"unknown capability {capability!r}: not a domain or an extension point")
    columns = _columns(platform, capability)
    codes = tree_order(snapshot, subtree)
    pages = max(1, math.ceil(len(codes) / page_size))
    page = min(max(page, 1), pages)
    shown = codes[(page - 1) * page_size: page * page_size]
    by_business: dict[str, list[Finding]] = {}
    for finding in diagnose_businesses(platform, snapshot, shown):
        by_business.setdefault(finding.business or "", []).append(finding)
    lifecycle = {info.name: info.lifecycle for info in platform.plugins.infos()}
    base_depth = subtree.count(".") if subtree else 0
    rows = []
    for code in shown:
        business = snapshot.businesses[code]
        effective = snapshot.effective(code)
        cells, problems = [], []
        for column in columns:
            plan = platform.plan(code, column.name)
            per_level = plan.point.per_level
            served = []
            for entry in plan.entries:
                if per_level:
                    source = entry.level
                else:
                    known = effective.get(entry.plugin)
                    source = known.source if known is not None else entry.level
                served.append(Served(entry.plugin, "own" if source == code else source, entry.priority,
                                     lifecycle.get(entry.plugin, "missing")))
            cells.append(tuple(served))
            problems.append(tuple(plan.problems))
        rows.append(Row(code, business.name, business.owner, business.status, code.count(".") - base_depth,
                        tuple(cells), tuple(problems), tuple(by_business.get(code, ()))))
    return MapPage(columns, tuple(rows), page, pages, len(codes), subtree, capability, domains, points,
                   doctor.findings(platform))
