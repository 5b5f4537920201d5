"""mypy --strict reports a plugin whose hook signature or return type does not match its extension point.

mypy runs as a real subprocess on files written to a temporary directory, finding
zhongtai.sdk and zhongtai.core the way a plugin author's mypy does: as installed
packages with ``py.typed`` markers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = """\
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zhongtai.sdk import (
    AccessRequest, Component, Decision, Effect, PluginContext, Quote, QuoteRequest, implements, specs,
)
"""

GOOD = HEADER + '''
@implements(specs.pricing_adjust)
def vip(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    return quote


@implements(specs.channels_authorize)
def authorize(request: AccessRequest, context: PluginContext) -> Decision:
    return Decision(Effect.ALLOW, rule="all")


@implements(specs.theming_tokens)
def tokens(context: PluginContext) -> dict[str, Any]:
    return {"color": {"brand": {"$value": "#c00", "$type": "color"}}}


@implements(specs.verification_components)
def components(context: PluginContext) -> list[Component] | None:
    return None
'''

#: Each bad hookimpl, and the words mypy's error on its decorator line must contain.
BAD = {
    "returns a str": (
        "@implements(specs.pricing_adjust)\n"
        "def a(quote: Quote, request: QuoteRequest, context: PluginContext) -> str:\n    return ''\n",
        '"Callable[[Quote, QuoteRequest, PluginContext], str]"',
    ),
    "misnames an argument": (
        "@implements(specs.pricing_adjust)\n"
        "def b(quote: Quote, req: QuoteRequest, context: PluginContext) -> Quote | None:\n    return None\n",
        "req: QuoteRequest",
    ),
    "mistypes an argument": (
        "@implements(specs.pricing_adjust)\n"
        "def c(quote: str, request: QuoteRequest, context: PluginContext) -> Quote | None:\n    return None\n",
        '"Callable[[str, QuoteRequest, PluginContext], Quote | None]"',
    ),
    "leaves out an argument": (
        "@implements(specs.channels_authorize)\n"
        "def d(context: PluginContext) -> Decision | None:\n    return None\n",
        '"Callable[[PluginContext], Decision | None]"',
    ),
    "returns the wrong contract type": (
        "@implements(specs.verification_components)\n"
        "def e(context: PluginContext) -> Component | None:\n    return None\n",
        "Component | None]",
    ),
}


def run_mypy(directory: Path, *files: str) -> str:
    """mypy --strict on *files* in *directory* (its own cache, no repo config); the combined output."""
    (directory / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(directory / ".mypy"),
         "--config-file", "mypy.ini", *files],
        cwd=directory, capture_output=True, text=True, timeout=240,
    )
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    directory = tmp_path_factory.mktemp("typing")
    (directory / "good_plugin.py").write_text(GOOD, encoding="utf-8")
    bad = HEADER + "\n\n".join(source for source, _ in BAD.values())
    (directory / "bad_plugin.py").write_text(bad, encoding="utf-8")
    output = run_mypy(directory, "good_plugin.py", "bad_plugin.py")
    by_file: dict[str, list[str]] = {"good_plugin.py": [], "bad_plugin.py": []}
    for line in output.splitlines():
        name = line.split(":", 1)[0]
        by_file.setdefault(name, []).append(line)
    by_file["_bad_source"] = bad.splitlines()
    return by_file


def test_a_plugin_that_matches_its_extension_points_passes_mypy_strict(mypy_output: dict[str, list[str]]) -> None:
    unexpected = {k: v for k, v in mypy_output.items() if k not in ("bad_plugin.py", "_bad_source") and v}
    assert not unexpected, unexpected


@pytest.mark.parametrize("case", list(BAD))
def test_mypy_reports_a_mismatched_hookimpl_on_its_decorator(case: str, mypy_output: dict[str, list[str]]) -> None:
    source, expected = BAD[case]
    name = re.search(r"def (\w+)\(", source).group(1)  # type: ignore[union-attr]
    lines = mypy_output["_bad_source"]
    decorator_line = next(i for i, text in enumerate(lines, 1) if text.startswith(f"def {name}(")) - 1
    errors = [e for e in mypy_output["bad_plugin.py"] if e.startswith(f"bad_plugin.py:{decorator_line}: error")]
    assert errors, f"mypy did not report the hookimpl that {case}; mypy said: {mypy_output['bad_plugin.py']}"
    assert any(expected in e for e in errors), errors


def test_scaffolded_stubs_for_every_extension_point_pass_mypy_strict(tmp_path: Path) -> None:
    """The generated package's own mypy config (strict, src/) accepts stubs for all extension points."""
    from zhongtai.sdk.hooks import extension_points
    from zhongtai.sdk.scaffold.generate import plan, render, write

    planned = plan("everything", "acme", list(extension_points()), output=tmp_path / "pkg")
    write(render(planned), planned.directory)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / ".mypy")],
        cwd=planned.directory, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    plugin = (planned.directory / "src/acme_everything/plugin.py").read_text(encoding="utf-8")
    assert plugin.count("@implements(") == len(extension_points())  # kernel points and installed packages'

    # ... and the same mypy run reports a stub whose return type is then changed by hand.
    broken = plugin.replace(
        "def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:",
        "def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Money | None:",
    )
    assert broken != plugin
    path = planned.directory / "src/acme_everything/plugin.py"
    path.write_text(broken, encoding="utf-8")
    # same size as before (Quote -> Money), and maybe the same second: mypy's cache would call it unchanged
    stamp = path.stat().st_mtime + 5
    os.utime(path, (stamp, stamp))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / ".mypy")],
        cwd=planned.directory, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 1 and 'expected "Callable[[Quote, QuoteRequest, PluginContext], Quote | None]"' \
        in result.stdout, result.stdout
