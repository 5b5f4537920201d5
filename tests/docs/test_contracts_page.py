"""docs/contracts.md is exactly what the spec modules generate (issue 19, item 7): it cannot drift."""

from __future__ import annotations

from pathlib import Path

from zhongtai.core.contracts import render_reference
from zhongtai.core.runtime import Platform

PAGE = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"


def test_item_7_the_committed_page_equals_the_generated_one(tmp_path: Path) -> None:
    platform = Platform(f"sqlite:///{tmp_path / 'unused.db'}", discover=False)
    try:
        generated = render_reference(platform.extension_points)
        assert {p.domain for p in platform.extension_points.values()} >= {"pricing", "channels", "coupons"}
    finally:
        platform.close()
    assert PAGE.read_text(encoding="utf-8") == generated, (
        "docs/contracts.md is out of date: run `zhongtai capabilities --format reference > docs/contracts.md`")


def test_item_7_every_point_and_every_type_it_returns_is_documented() -> None:
    page = PAGE.read_text(encoding="utf-8")
    platform = Platform("sqlite://", discover=False)
    try:
        for name, point in platform.extension_points.items():
            assert f"### `{name}`" in page
            from zhongtai.core.contracts import types_of

            for cls in types_of(point):
                assert f"### `{cls.__name__}`" in page, (name, cls)
    finally:
        platform.close()
    decision = page[page.index("### `Decision`"):]
    assert "| `effect` | `Effect` | required |" in decision and "| `rule` | `str` |" in decision
    assert "| `DENY` | `'deny'` |" in page and ":class:" not in page
