"""Hand-written plugin projects for the SDK's tests (good ones and deliberately broken ones)."""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = """\
from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from zhongtai.sdk import *  # noqa: F403
from zhongtai.sdk import hookimpl, implements, setting, specs
"""


def write_project(
    root: Path,
    source: str,
    points: list[str],
    *,
    name: str = "acme.sample",
    package: str = "acme_sample",
    config: str | None = None,
    api: str = ">=1.0,<2",
    business: str = "acme.shop",
    tests: dict[str, str] | None = None,
) -> Path:
    """Write a plugin project: pyproject (entry point, pytest ini), manifest, module ``plugin.py``, tests."""
    package_dir = root / "src" / package
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text("", encoding="utf-8")
    (package_dir / "plugin.py").write_text(HEADER + textwrap.dedent(source), encoding="utf-8")
    manifest = [
        f'[plugins."{name}"]', 'title = "A sample plugin"', 'owner = "acme"', 'lifecycle = "active"',
        f'api = "{api}"', f"extension_points = {points!r}".replace("'", '"'),
    ]
    if config:
        manifest.append(f'config = "{package}.plugin:{config}"')
    (package_dir / "zhongtai_plugins.toml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling>=1.18"]
        build-backend = "hatchling.build"

        [project]
        name = "{package.replace('_', '-')}"
        version = "0.1.0"
        dependencies = ["zhongtai-sdk"]

        [project.entry-points."zhongtai.plugins"]
        "{name}" = "{package}.plugin"

        [tool.hatch.build.targets.wheel]
        packages = ["src/{package}"]

        [tool.pytest.ini_options]
        pythonpath = ["src"]
        zhongtai_business = "{business}"
        addopts = "-p no:cacheprovider"
        """), encoding="utf-8")
    for relative, text in (tests or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root
