#!/usr/bin/env python3
"""The README's demo: ``make demo`` (or ``.venv/bin/python examples/demo.py``).

On a fresh SQLite registry it creates the businesses of three example teams
(edu.k12, mall.flagship, telecom.echannel and their parents), enables the
platform's capability packages and the teams' own plugins through the
``zhongtai`` CLI, prints the capability map, and shows how the same cart,
permission question, verification flow and event get a different price,
theme, decision, flow and message per business.  Then: where to look next.
See docs/demo.md; the code is in examples/zhongtai_demo/.
"""

import sys

from zhongtai_demo.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
