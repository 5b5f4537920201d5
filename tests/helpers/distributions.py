"""Build real distributions in tests: hatchling wheel -> ``pip install --target``.

Nothing is faked: the result is a directory holding installed packages with
real ``.dist-info`` metadata and entry points, exactly as pip leaves them.
Put the directory on ``sys.path`` (``monkeypatch.syspath_prepend``) or on
``PYTHONPATH`` for subprocesses, and pass it as ``Platform(plugin_path=[...])``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path


def _pyproject(name: str, version: str, packages: list[str], entry_points: Mapping[str, Mapping[str, str]],
               dependencies: list[str]) -> str:
    lines = [
        "[build-system]",
        'requires = ["hatchling"]',
        'build-backend = "hatchling.build"',
        "",
        "[project]",
        f'name = "{name}"',
        f'version = "{version}"',
        f"dependencies = {dependencies!r}".replace("'", '"'),
        "",
    ]
    for group, entries in entry_points.items():
        lines.append(f'[project.entry-points."{group}"]')
        lines.extend(f'"{key}" = "{value}"' for key, value in entries.items())
        lines.append("")
    lines += ["[tool.hatch.build.targets.wheel]", f"packages = {packages!r}".replace("'", '"'), ""]
    return "\n".join(lines)


def build_wheel(workdir: Path, name: str, files: Mapping[str, str], *, version: str = "1.0.0",
                entry_points: Mapping[str, Mapping[str, str]] | None = None,
                dependencies: list[str] | None = None) -> Path:
    """Write a project from *files* (path -> text) and build its wheel; return the wheel path.

    The wheel's packages are the top-level directories of *files*.
    """
    project = workdir / f"src-{name}"
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    packages = sorted({Path(relative).parts[0] for relative in files})
    (project / "pyproject.toml").write_text(
        _pyproject(name, version, packages, entry_points or {}, dependencies or []), encoding="utf-8")
    dist = workdir / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
         "--wheel-dir", str(dist), str(project)],
        check=True, capture_output=True,
    )
    normalized = name.replace("-", "_")
    return next(dist.glob(f"{normalized}-{version}-*.whl"))


def install(wheels: list[Path], target: Path) -> Path:
    """``pip install --no-deps --target`` the wheels; return *target*."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target",
         str(target), *map(str, wheels)],
        check=True, capture_output=True,
    )
    return target


def build_and_install(workdir: Path, target: Path, name: str, files: Mapping[str, str], **kwargs: object) -> Path:
    """Build one distribution and install it into *target*."""
    wheel = build_wheel(workdir, name, files, **kwargs)  # type: ignore[arg-type]
    return install([wheel], target)
