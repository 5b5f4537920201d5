"""Property: a plugin runs for a business if and only if it is effectively enabled there.

Random business trees and random enable/disable sequences are applied through
the real management API to a real SQLite registry; after every step each
business's dispatch is compared with a naive reference model of inheritance.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core import plugins as p
from zhongtai.core.errors import UserError
from zhongtai.core.identity import lineage
from zhongtai.core.runtime import Platform

PLUGINS = ("a", "b", "c", "d")


@st.composite
def trees(draw: st.DrawFn) -> list[str]:
    codes = ["r1"]
    for _ in range(draw(st.integers(1, 9))):
        parent = draw(st.sampled_from(codes))
        if parent.count(".") >= 3:
            continue
        child = f"{parent}.n{len(codes)}"
        codes.append(child)
    if draw(st.booleans()):
        codes.append("r2")
    return codes


def reference(rows: dict[tuple[str, str], bool], code: str) -> set[str]:
    """Nearest row along the lineage decides; no row means not enabled."""
    effective = set()
    for plugin in PLUGINS:
        state = False
        for level in lineage(code):
            if (level, plugin) in rows:
                state = rows[(level, plugin)]
        if state:
            effective.add(plugin)
    return effective


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), codes=trees())
def test_dispatch_reaches_exactly_the_effective_plugins(data: st.DataObject, codes: list[str]) -> None:
    operations = data.draw(st.lists(
        st.tuples(st.sampled_from(["enable", "disable"]), st.sampled_from(PLUGINS), st.sampled_from(codes)),
        min_size=1, max_size=12))
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(f"sqlite:///{Path(tmp) / 'r.db'}", discover=False, refresh_interval=0.0)
        try:
            for name in PLUGINS:
                platform.add_plugin(p.Named(), name)
            for code in codes:
                platform.create_business(code)
            rows: dict[tuple[str, str], bool] = {}
            for action, plugin, code in operations:
                try:
                    getattr(platform, action)(plugin, code)
                except UserError:
                    continue  # e.g. disabling what is not enabled: refused, nothing written
                rows[(code, plugin)] = action == "enable"
                for business in codes:
                    served = platform.business(business).call("notifiers.deliver", message=None)
                    assert {c.plugin for c in served} == reference(rows, business), (business, rows)
        finally:
            platform.registry.close()
