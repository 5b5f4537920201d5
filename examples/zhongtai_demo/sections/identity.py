"""Which business serves a request: the e-channel's own resolver maps request attributes to sub-businesses."""

from __future__ import annotations

from zhongtai_demo import console
from zhongtai_demo.scenario import REQUESTS
from zhongtai_demo.sections import Demo

TITLE = "Identity: which telecom.echannel sub-business serves a request"
SCOPE = "telecom.echannel"


def run(demo: Demo) -> None:
    from zhongtai.core.runtime.resolve import resolve

    console.say(f"Front ends send what they know; telecom-echannel.resolver (enabled at {SCOPE}) decides:")
    rows = []
    for attributes in REQUESTS:
        shown = " ".join(f"{k}={v}" for k, v in attributes.items())
        rows.append([shown, "->", resolve(demo.platform, SCOPE, attributes).code])
    console.table(rows, indent=4)
