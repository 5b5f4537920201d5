"""Is everything the demo needs installed?  Asked before anything else is imported.

Uses the standard library only, so a machine without the packages gets a
clear list of what to install instead of a traceback.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING

from zhongtai_demo.errors import DemoError

if TYPE_CHECKING:
    from zhongtai.core.runtime import Platform

#: Distribution -> the folder to ``pip install -e`` it from.
REQUIRED: dict[str, str] = {
    "zhongtai-core": "core",
    "zhongtai-sdk": "sdk",
    "zhongtai-pricing": "plugins/pricing",
    "zhongtai-theming": "plugins/theming",
    "zhongtai-channels": "plugins/channels",
    "zhongtai-verification": "plugins/verification",
    "zhongtai-notifiers": "plugins/notifiers",
    "zhongtai-example-edu-k12": "examples/edu-k12",
    "zhongtai-example-mall-flagship": "examples/mall-flagship",
    "zhongtai-example-telecom-echannel": "examples/telecom-echannel",
}


def missing_distributions() -> list[str]:
    """The required distributions that are not installed, in :data:`REQUIRED` order."""
    missing = []
    for name in REQUIRED:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def check_installed() -> None:
    """Raise :class:`DemoError` naming every missing distribution and how to install it."""
    missing = missing_distributions()
    if missing:
        folders = " ".join(f"-e {REQUIRED[name]}" for name in missing)
        raise DemoError(
            f"not installed: {', '.join(missing)}.  Run `make demo` (it installs every package), "
            f"or: .venv/bin/pip install --no-build-isolation {folders}"
        )


def check_plugins(platform: Platform, names: list[str]) -> None:
    """Raise :class:`DemoError` unless every plugin in *names* is installed and usable (by its metadata)."""
    catalog = platform.plugins
    problems = []
    for name in sorted(set(names)):
        info = catalog.get(name)
        if info is None:
            problems.append(f"{name} (no installed package provides it)")
        elif not info.usable:
            problems.append(f"{name} ({info.status}: {info.error or info.lifecycle})")
    if problems:
        raise DemoError("plugins the demo enables are not available: " + "; ".join(problems))
