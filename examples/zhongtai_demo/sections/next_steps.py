"""Where to look next: the files the demo wrote, the docs, and commands to try on the demo registry."""

from __future__ import annotations

import sys
from pathlib import Path

from zhongtai_demo import console, shell
from zhongtai_demo.paths import relative
from zhongtai_demo.sections import Demo

TITLE = "Where to look next"
ROOT = Path(__file__).resolve().parents[3]

DOCS = ("docs/demo.md", "docs/architecture.md", "docs/first-plugin.md", "docs/pricing.md", "docs/theming.md",
        "docs/channels.md", "docs/verification.md", "docs/notifiers.md", "docs/cli.md")
EXAMPLES = ("examples/edu-k12/README.md", "examples/mall-flagship/README.md", "examples/telecom-echannel/README.md",
            "examples/zhongtai_demo/setup.json")

#: (top-level command, argv, what it shows); shown only when the command is available.
TRY: tuple[tuple[str, str, str], ...] = (
    ("business", "business tree", "the businesses and what each enabled"),
    ("business", "business show edu.k12", "per extension point, the plugins in effect and where from"),
    ("capabilities", "capabilities", "every extension point and the plugins implementing it"),
    ("plugins", "plugins config verification.standard --business mall.flagship",
     "a merged config (secrets masked)"),
    ("call", "call channels.authorize --business mall.flagship --explain --input "
             """'{"request": {"channel": "agent", "action": "order.refund", "actor": {"roles": ["agent"]}}}'""",
     "one decision and its trace"),
    ("channels", "channels matrix --business telecom.echannel --role staff --store S-001 --resource store=S-002",
     "pickup-point staff and another store"),
    ("theme", "theme css --business edu.k12", "the K12 theme as CSS custom properties"),
    ("pricing", "pricing quote --help", "quote a cart from the command line"),
    ("verify", "verify components --business mall.flagship", "the verification components of a business"),
    ("notify", "notify status --messages", "the outbox: each message, its state and when it is due"),
    ("notify", "notify worker --once", "deliver what is due now (the flagship's message once quiet hours end)"),
    ("audit", "audit", "who changed what, at which registry revision"),
)



def path_lines(bin_dir: Path | None = None) -> list[str]:
    """How to get ``zhongtai`` on PATH: the virtual environment the demo runs in, as the user would type it."""
    bin_dir = bin_dir or Path(sys.executable).parent
    if not (bin_dir / "activate").exists():
        return []  # not a virtual environment: zhongtai is wherever the user installed it
    return [f"  . {relative(bin_dir / 'activate')}",
            f"      # puts zhongtai on PATH in this shell (or run {relative(bin_dir / 'zhongtai')} ...)"]


def run(demo: Demo) -> None:
    console.say(f"Files:  {relative(demo.output_dir)}/  (registry.db, cart.json, preview-*.html, config/*.json)")
    docs = [name for name in (*DOCS, *EXAMPLES) if (ROOT / name).exists()]
    console.say("Read:   " + "\n        ".join(docs))
    console.say()
    console.say("Try, on the demo registry:")
    for line in path_lines():
        console.say(line)
    console.say(f"  export ZHONGTAI_DATABASE_URL={demo.database_url}")
    for command, argv, what in TRY:
        if shell.available(command):
            console.say(f"  zhongtai {argv}")
            console.say(f"      # {what}")
