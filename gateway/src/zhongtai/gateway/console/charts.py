"""Small SVG charts drawn on the server (no script, nothing to download).

Text is escaped with :func:`markupsafe.escape`; colours meet WCAG AA against
the white page (bars are not text, but their labels are).
"""

from __future__ import annotations

from collections.abc import Sequence

import markupsafe

CALLS_FILL = "#1f5fbf"  # 6.3:1 on white
ERRORS_FILL = "#b3261e"  # 6.5:1 on white


def bar_chart(title: str, labels: Sequence[str], calls: Sequence[int], errors: Sequence[int],
              *, calls_label: str, errors_label: str) -> markupsafe.Markup:
    """Horizontal bars, one pair (calls, errors) per label, scaled to the largest number."""
    esc = markupsafe.escape
    label_width, bar_width, row, top = 220, 260, 34, 28
    height = top + row * max(len(labels), 1) + 8
    width = label_width + bar_width + 80
    largest = max([*calls, *errors, 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<rect x="{label_width}" y="6" width="12" height="12" fill="{CALLS_FILL}"/>'
        f'<text x="{label_width + 16}" y="17" font-size="12" fill="#1a1a1a">{esc(calls_label)}</text>',
        f'<rect x="{label_width + 110}" y="6" width="12" height="12" fill="{ERRORS_FILL}"/>'
        f'<text x="{label_width + 126}" y="17" font-size="12" fill="#1a1a1a">{esc(errors_label)}</text>',
    ]
    for i, (label, count, failed) in enumerate(zip(labels, calls, errors, strict=True)):
        y = top + i * row
        calls_len = round(bar_width * count / largest)
        errors_len = round(bar_width * failed / largest)
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + 16}" font-size="12" text-anchor="end" '
                     f'fill="#1a1a1a">{esc(shown)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{calls_len}" height="12" fill="{CALLS_FILL}"/>')
        parts.append(f'<text x="{label_width + calls_len + 4}" y="{y + 12}" font-size="11" '
                     f'fill="#1a1a1a">{count}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 16}" width="{errors_len}" height="10" fill="{ERRORS_FILL}"/>')
        parts.append(f'<text x="{label_width + errors_len + 4}" y="{y + 25}" font-size="11" '
                     f'fill="#1a1a1a">{failed}</text>')
    parts.append("</svg>")
    return markupsafe.Markup("".join(parts))
