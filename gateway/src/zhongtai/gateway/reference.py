"""The API reference page (``/docs``): plain HTML rendered from the OpenAPI document.

No JavaScript, no CDN, no web fonts: it works offline and behind any firewall.
Each operation shows its summary, contract, parameters and the request and answer
schemas (``$ref`` links jump to the component schemas at the end).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 2rem;color:#1d1d1f}
h1{font-size:1.6rem} h2{margin-top:2.5rem;border-bottom:1px solid #ddd} h3{font-size:1.05rem;margin:1.8rem 0 .3rem}
code,pre{font:13px/1.4 ui-monospace,monospace} pre{background:#f6f6f6;padding:.6rem;overflow:auto}
.method{display:inline-block;min-width:3.5rem;font-weight:700} .post{color:#0a6} .get{color:#06c}
table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav a{margin-right:1rem}
"""


def _linked(value: Any) -> str:
    text = escape(json.dumps(value, indent=2, ensure_ascii=False))
    marker = "&quot;#/components/schemas/"
    out, rest = [], text
    while marker in rest:
        before, _, after = rest.partition(marker)
        name, _, tail = after.partition("&quot;")
        out.append(f'{before}&quot;<a href="#schema-{name}">#/components/schemas/{name}</a>&quot;')
        rest = tail
    out.append(rest)
    return "".join(out)


def page(document: dict[str, Any]) -> str:
    """The whole reference as one HTML page."""
    info = document.get("info", {})
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append((path, method, op))
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} <small>{escape(info.get('version', ''))}</small></h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). '
        "Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>.</p>",
        "<nav>" + "".join(f'<a href="#tag-{escape(t)}">{escape(t)}</a>' for t in groups)
        + '<a href="#schemas">schemas</a></nav>',
    ]
    for tag, ops in groups.items():
        parts.append(f'<h2 id="tag-{escape(tag)}">{escape(tag)}</h2>')
        for path, method, op in ops:
            parts.append(f'<h3 id="{escape(op.get("operationId", ""))}"><span class="method {method}">'
                         f"{method.upper()}</span> <code>{escape(path)}</code></h3>")
            parts.append(f"<p>{escape(op.get('summary', ''))}</p>")
            if op.get("description") and op["description"] != op.get("summary"):
                parts.append(f"<pre>{escape(op['description'])}</pre>")
            params = op.get("parameters", [])
            if params:
                rows = "".join(
                    f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
                    f"<td>{'yes' if p.get('required') else ''}</td><td>{escape(p.get('description', ''))}</td></tr>"
                    for p in params)
                parts.append(f"<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>{rows}</table>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                parts.append(f"<p>Request body (JSON):</p><pre>{_linked(body)}</pre>")
            success: Any = next((r for s, r in op.get("responses", {}).items() if s.startswith("2")), {})
            ok = success.get("content", {}) if isinstance(success, dict) else {}
            for media, content in ok.items():
                parts.append(f"<p>Answer ({escape(media)}):</p><pre>{_linked(content.get('schema', {}))}</pre>")
            errors = [s for s in op.get("responses", {}) if s[0] in "45"]
            parts.append(f"<p>Problems (application/problem+json): {escape(', '.join(errors))}</p>")
    parts.append('<h2 id="schemas">Schemas</h2>')
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        parts.append(f'<h3 id="schema-{escape(name)}">{escape(name)}</h3><pre>{_linked(schema)}</pre>')
    parts.append("</body></html>")
    return "\n".join(parts)
