"""The capability map: which plugins serve each extension point for each business, and where from."""

from __future__ import annotations

from zhongtai_demo import console, shell
from zhongtai_demo.scenario import LEAVES
from zhongtai_demo.sections import Demo

TITLE = "The capability map: who serves what, per business"


def plugins_by_point(demo: Demo, code: str) -> list[tuple[str, str]]:
    """``(extension point, "plugin (from level), ...")`` for every point *code* has plugins for."""
    view = demo.platform.business(code)
    rows = []
    for point in sorted(demo.platform.extension_points):
        entries = view.plan(point).entries
        names = dict.fromkeys(e.plugin if e.level == code else f"{e.plugin} (from {e.level})" for e in entries)
        if names:
            rows.append((point, ", ".join(names)))
    return rows


def run(demo: Demo) -> None:
    argv = ["business", "tree"]
    console.command(argv)
    console.indented(shell.run_console_script(argv))
    console.say()
    console.say("Per extension point, the plugins in effect for the three businesses compared below")
    console.say("(an ancestor's are inherited; the whole map: zhongtai capabilities):")
    for code in LEAVES:
        console.say()
        console.say(f"  {code}")
        console.table([[point, names] for point, names in plugins_by_point(demo, code)], indent=4)
