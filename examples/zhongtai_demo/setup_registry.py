"""``setup.json`` -> the ``zhongtai`` commands that build the demo registry, and running them.

``setup.json`` lists the businesses (parents first) and, in titled groups
(the platform's packages, then each team's), each plugin enabled at a business
with its config.  Each becomes one CLI command:

* ``zhongtai business create CODE --name NAME --owner OWNER``
* ``zhongtai plugins enable PLUGIN --business CODE`` plus ``--set KEY=VALUE`` for a
  config of plain text values, or ``--config-file FILE`` for anything nested
  (the file is written under the demo's output folder, for the user to read).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from zhongtai_demo import console, shell
from zhongtai_demo.errors import DemoError
from zhongtai_demo.paths import relative

SETUP_FILE = Path(__file__).with_name("setup.json")


@attrs.frozen
class Enablement:
    plugin: str
    business: str
    config: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Group:
    """Enablements that belong together (one team's), shown under their title."""

    title: str
    enablements: tuple[Enablement, ...]


@attrs.frozen
class Setup:
    businesses: tuple[Mapping[str, str], ...]
    groups: tuple[Group, ...]

    @property
    def enablements(self) -> list[Enablement]:
        return [e for group in self.groups for e in group.enablements]

    @property
    def plugins(self) -> list[str]:
        return [e.plugin for e in self.enablements]


def load_setup(path: Path = SETUP_FILE) -> Setup:
    """Read *path*; :class:`DemoError` if it is not the expected shape."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        businesses = tuple(dict(b) for b in document["businesses"])
        groups = tuple(
            Group(group["title"], tuple(Enablement(e["plugin"], e["business"], e.get("config", {}))
                                        for e in group["steps"]))
            for group in document["enable"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DemoError(f"cannot read the demo set-up {path}: {exc!r}") from None
    return Setup(businesses, groups)


def _plain(config: Mapping[str, Any]) -> bool:
    return all(isinstance(value, str) and "\n" not in value for value in config.values())


def enable_command(enablement: Enablement, config_dir: Path) -> list[str]:
    """The ``plugins enable`` argv for *enablement* (writing its config file if it needs one)."""
    argv = ["plugins", "enable", enablement.plugin, "--business", enablement.business]
    if not enablement.config:
        return argv
    if _plain(enablement.config):
        return argv + [arg for key, value in enablement.config.items() for arg in ("--set", f"{key}={value}")]
    path = config_dir / enablement.business / f"{enablement.plugin}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(enablement.config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [*argv, "--config-file", relative(path)]



def commands(setup: Setup, config_dir: Path) -> list[tuple[str, list[list[str]]]]:
    """Every command of the set-up, in order, in titled groups (the businesses first)."""
    creates = [["business", "create", b["code"], "--name", b.get("name", b["code"]), "--owner", b.get("owner", "")]
               for b in setup.businesses]
    return [("The businesses, parents first", creates)] + [
        (group.title, [enable_command(e, config_dir) for e in group.enablements]) for group in setup.groups
    ]


def apply(groups: Sequence[tuple[str, Sequence[Sequence[str]]]]) -> None:
    """Run each command through the real CLI, showing it; stop at the first failure."""
    for title, argvs in groups:
        console.say(f"# {title}")
        for argv in argvs:
            console.command(argv)
            shell.run(argv)
