"""``zhongtai theme css|json|contrast|preview`` through the real CLI on a real registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli


@pytest.fixture
def url(sqlite_url: str, make_platform: Callable[..., Any]) -> str:
    platform = make_platform(sqlite_url)
    platform.create_business("mall", name="Mall")
    platform.create_business("mall.food", name="美食 <Food> & \"Co\"")
    platform.create_business("bare")
    platform.enable("theming.base", "mall")
    platform.enable("theming.overrides", "mall.food", config={
        "tokens": {"color": {"brand": {"primary": {"$value": "#b3000c"}}}},
    })
    return sqlite_url


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--database-url", url, "theme", *args])


def test_css_to_stdout(url: str) -> None:
    result = run(url, "css", "--business", "mall.food")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(":root {\n")
    assert "  --color-brand-primary: #b3000c;\n" in result.output
    assert "  --button-primary-background: #b3000c;\n" in result.output


def test_json_to_a_file_resolved_and_flat(url: str, tmp_path: Path) -> None:
    target = tmp_path / "theme.json"
    assert run(url, "json", "--business", "mall.food", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["button"]["primary"]["background"] == {"$type": "color", "$value": "#b3000c"}
    flat = json.loads(run(url, "json", "--business", "mall", "--flat").output)
    assert flat["color.brand.primary"] == "#0066cc"
    assert flat["font.size.body"] == "14px"


def test_contrast_report(url: str) -> None:
    result = run(url, "contrast", "--business", "mall")
    assert result.exit_code == 0, result.output
    assert "PASS button.primary.text on button.primary.background: 5.57:1 (needs 4.5:1)" in result.output


def test_preview_escapes_the_business_name(url: str, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    result = run(url, "preview", "--business", "mall.food", "-o", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "美食 &lt;Food&gt; &amp; &#34;Co&#34;" in html
    assert "<Food>" not in html
    assert "--button-primary-background: #b3000c;" in html
    assert 'id="primary-button"' in html


@pytest.mark.parametrize(("args", "message"), [
    (("css", "--business", "nope"), "Error: unknown business 'nope'"),
    (("css", "--business", "bare"), "Error: business bare has no theme: enable theming.base"),
    (("preview", "--business", "mall", "-o", "/nonexistent-dir/page.html"), "Could not open file"),
])
def test_errors_are_one_line(url: str, args: tuple[str, ...], message: str) -> None:
    result = run(url, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_failed_write_leaves_no_file_behind(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "theme.css"
    target.write_text("old", encoding="utf-8")
    assert run(url, "css", "--business", "bare", "-o", str(target)).exit_code == 1
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in out.iterdir()] == ["theme.css"]
