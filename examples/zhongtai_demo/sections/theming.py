"""The same H5 page, themed per business: the colours each business's layers produce."""

from __future__ import annotations

from zhongtai_demo import console, shell
from zhongtai_demo.paths import relative
from zhongtai_demo.scenario import LEAVES
from zhongtai_demo.sections import Demo

TITLE = "Theming: the same page, a different look per business"

#: Token paths shown per business (CSS custom property values).
SHOWN = ("button.primary.background", "button.primary.text", "color.background.page", "font.size.body",
         "radius.m")


def run(demo: Demo) -> None:
    from zhongtai.plugins.theming.service import business_theme

    themes = {code: business_theme(demo.platform, code) for code in LEAVES}
    rows = [["token", *LEAVES]]
    rows += [[path, *(themes[code].theme[path].css_text() for code in LEAVES)] for path in SHOWN]
    console.table(rows)
    console.say()
    console.say("Layers, root -> leaf (each passed the WCAG 2 AA contrast check when merged):")
    console.table([[code, " -> ".join(themes[code].layers)] for code in LEAVES], indent=4)
    console.say()
    console.say("The sample H5 page in each theme:")
    for code in LEAVES:
        argv = ["theme", "preview", "--business", code, "-o", relative(demo.output_dir / f"preview-{code}.html")]
        console.command(argv)
        shell.run(argv)
