"""Reading and writing JSON or YAML documents (config files, inputs, registry exports).

The format follows the file name: ``.json`` is JSON, ``.yaml``/``.yml`` is
YAML, anything else is tried as JSON first and then as YAML.  Every problem (a
missing or unreadable file, malformed text) is one :class:`UserError` line that
names the file and, where known, the line.  PyYAML is imported only when a
YAML document is read or written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zhongtai.core.errors import UserError

FORMATS = ("yaml", "json")


def format_of(path: str | Path, default: str = "yaml") -> str:
    """``json`` or ``yaml`` from a file name's suffix; *default* when it says neither."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return default


def read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def parse_json(text: str, *, source: str = "input", exact_numbers: bool = False) -> Any:
    """Parse JSON; with *exact_numbers*, non-integer numbers become ``Decimal``."""
    from decimal import Decimal

    try:
        return json.loads(text, parse_float=Decimal) if exact_numbers else json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}: invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def parse_yaml(text: str, *, source: str = "input") -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        raise UserError(f"{source}: invalid YAML: {problem}{where}") from None


def read_document(path: str | Path, *, exact_numbers: bool = False) -> Any:
    """Read and parse the JSON or YAML document at *path*."""
    text = read_text(path)
    fmt = format_of(path, default="")
    if fmt == "json":
        return parse_json(text, source=str(path), exact_numbers=exact_numbers)
    if fmt == "yaml":
        return parse_yaml(text, source=str(path))
    try:
        return parse_json(text, source=str(path), exact_numbers=exact_numbers)
    except UserError:
        return parse_yaml(text, source=str(path))


def dump_document(data: Any, fmt: str) -> str:
    """*data* (plain JSON data) as JSON or YAML text, keys in the order given, ending in a newline."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False))
    raise UserError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
