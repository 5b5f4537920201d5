"""Reading and writing JSON or YAML documents, with the limits every reader obeys.

Every document zhongtai reads -- a ``--config-file``, an ``import`` file, an
``--input``/``--cart``/``--vars`` value (inline, ``@FILE`` or ``@-`` for
stdin), a ``--set`` value, an HTTP request body -- goes through this module, so
every reader gets the same guards (see docs/security.md):

* **size**: at most :data:`MAX_DOCUMENT_BYTES` are ever read (a bounded read:
  ``/dev/zero`` or an endless pipe costs at most that much memory);
* **depth**: containers nest at most :data:`MAX_DEPTH` levels (100,000 levels
  is one error line, never a ``RecursionError``);
* **YAML aliases** (``*name``, also in ``<<:`` merge keys) are refused, so a
  kilobyte cannot expand into gigabytes ("billion laughs");
* **plain data only**: ``NaN``/``Infinity`` are refused, numbers longer than
  :data:`MAX_NUMBER_DIGITS` digits are refused, YAML dates become ISO strings
  and mapping keys strings, so what comes back is always valid JSON data.

The format follows the file name: ``.json`` is JSON, ``.yaml``/``.yml`` is
YAML, anything else is tried as JSON first and then as YAML.  Every problem (a
missing or unreadable file, malformed or oversized text) is one
:class:`UserError` line that names the source and, where known, the line.
PyYAML is imported only when a YAML document is read or written.

HTTP front ends use :func:`parse_body` (and :data:`MAX_DOCUMENT_BYTES` to stop
reading a request body early) so their limits are these limits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import orjson

from zhongtai.core.errors import UserError

FORMATS = ("yaml", "json")

#: The most bytes read from any one document (file, stdin, inline value, request body).
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: The deepest nesting of objects/arrays accepted in any document.
MAX_DEPTH = 64
#: The most bytes (as compact JSON) of one stored plugin config (one business, one plugin).
MAX_CONFIG_BYTES = 1024 * 1024
#: The most digits a number in a document may have (``int("9" * 5000)`` is refused by Python itself).
MAX_NUMBER_DIGITS = 100


class DocumentLimitError(UserError):
    """A document over one of the limits (size, depth, aliases, number length, NaN): refused whatever its use."""


def format_of(path: str | Path, default: str = "yaml") -> str:
    """``json`` or ``yaml`` from a file name's suffix; *default* when it says neither."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return default


def _too_large(source: str, limit: int) -> UserError:
    return DocumentLimitError(f"{source}: larger than the limit of {limit:,} bytes; nothing was read")


def check_size(size: int, *, source: str = "input", limit: int | None = None) -> None:
    """Refuse a document of *size* bytes (or characters) above *limit* (default :data:`MAX_DOCUMENT_BYTES`)."""
    limit = MAX_DOCUMENT_BYTES if limit is None else limit
    if size > limit:
        raise _too_large(source, limit)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{source}: not a UTF-8 text file") from None


def read_stream(stream: IO[Any], *, source: str = "standard input", limit: int | None = None) -> str:
    """At most *limit* bytes of *stream* (binary, or text with a ``buffer``) as text; more is an error."""
    limit = MAX_DOCUMENT_BYTES if limit is None else limit
    raw = getattr(stream, "buffer", stream)
    try:
        data = raw.read(limit + 1)
    except OSError as exc:
        raise UserError(f"{source}: cannot be read: {exc.strerror or exc}") from None
    if isinstance(data, str):  # a text stream without a buffer (StringIO): count characters
        check_size(len(data), source=source, limit=limit)
        return data
    check_size(len(data), source=source, limit=limit)
    return _decode(data, source)


def read_text(path: str | Path, *, limit: int | None = None) -> str:
    """The UTF-8 text of the file at *path*, read with a bound (devices and FIFOs included)."""
    try:
        with open(path, "rb") as handle:
            return read_stream(handle, source=str(path), limit=limit)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def read_reference(reference: str, *, source: str, stdin: IO[Any] | None = None) -> tuple[str, str]:
    """The text of an option value that is inline text, ``@FILE`` or ``@-`` (stdin), and where it came from."""
    if reference == "@-":
        if stdin is None:
            import sys

            stdin = sys.stdin
        return read_stream(stdin, source=f"{source} (stdin)"), f"{source} (stdin)"
    if reference.startswith("@"):
        return read_text(reference[1:]), reference[1:]
    check_size(len(reference), source=source)
    return reference, source


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _bounded_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_DIGITS + 20:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return Decimal(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 20:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return float(text)


#: JSON decoders within the limits, by *exact_numbers* (built once: ``json.loads`` builds one per call)
_DECODERS = {exact: json.JSONDecoder(parse_float=_bounded_decimal if exact else _bounded_float,
                                     parse_int=_bounded_int, parse_constant=_refuse_constant)
             for exact in (False, True)}


def parse_json(text: str, *, source: str = "input", exact_numbers: bool = False) -> Any:
    """Parse JSON within the limits; with *exact_numbers*, non-integer numbers become ``Decimal``."""
    check_size(len(text), source=source)
    try:
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODERS[exact_numbers].decode(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}: invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as exc:  # a number too long, NaN or Infinity
        raise DocumentLimitError(f"{source}: invalid JSON: {str(exc).splitlines()[0]}") from None
    return _checked(value, text.count("{") + text.count("["), source, exact_numbers)


def _checked(value: Any, brackets: int, source: str, exact_numbers: bool) -> Any:
    """The *value* parsed from a text with so many *brackets*, through :func:`plain_data` unless
    nothing in it could be refused."""
    if exact_numbers and brackets <= MAX_DEPTH:
        # JSON gives string keys, finite Decimals (the hooks refuse the rest) and no more containers
        # than brackets: nothing for plain_data to refuse or change (the gateway's hot path)
        return value
    return plain_data(value, source=source)


#: Every digit as 0, and a decimal point or an exponent's e as ".": a number orjson would not give
#: exactly then shows as "0." (a fraction or an exponent: a float to it) or as 19 zeros (beyond 64 bits
#: it rounds to a float).  Both match inside strings too: those bodies take the json module.  (Byte
#: searches, not a regular expression: on a small body ``re`` costs more than the whole parse.)
_NUMBER_MASK = bytes.maketrans(b"123456789eE", b"000000000..")
_LONG_NUMBER = b"0" * 19


def _exact_numbers_only(body: bytes) -> bool:
    """True if no number in *body* could come out of orjson other than exactly (see ``_NUMBER_MASK``)."""
    masked = body.translate(_NUMBER_MASK)
    return b"0." not in masked and _LONG_NUMBER not in masked


def parse_body(body: bytes, *, source: str = "request body", exact_numbers: bool = True) -> Any:
    """Parse an HTTP request body (UTF-8 JSON) within the same limits as every other document.

    A body without inexact numbers (see ``_NUMBER_MASK``) is parsed by orjson,
    which gives the same value as the json module for everything both accept;
    whatever orjson refuses is parsed again by the json module, which decides
    (it accepts lone surrogates, and words the errors).
    """
    size = len(body)
    if size > MAX_DOCUMENT_BYTES:
        check_size(size, source=source)
    if _exact_numbers_only(body):
        try:
            value = orjson.loads(body)  # it refuses text that is not UTF-8, as _decode does
        except orjson.JSONDecodeError:
            pass
        else:
            # valid JSON opens no more containers than half its bytes: a small body needs no count
            brackets = 0 if size <= 2 * MAX_DEPTH else body.count(b"{") + body.count(b"[")
            return _checked(value, brackets, source, exact_numbers)
    return parse_json(_decode(body, source), source=source, exact_numbers=exact_numbers)


def _too_deep(source: str) -> UserError:
    return DocumentLimitError(f"{source}: nested deeper than {MAX_DEPTH} levels")


def plain_data(value: Any, *, source: str = "input", max_depth: int | None = None) -> Any:
    """*value* as plain JSON data, or a :class:`UserError` when it nests too deep or is not JSON data.

    Dates become ISO strings, scalar mapping keys strings; ``NaN``/``Infinity``,
    binary values and sets are refused.  Used on every parsed document and on
    config given through the Python API before it is stored.
    """

    limit = MAX_DEPTH if max_depth is None else max_depth

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, (dict, list, tuple)):
            if depth >= limit:
                raise _too_deep(source)
            if isinstance(node, dict):
                return {_key(k): walk(v, depth + 1) for k, v in node.items()}
            return [walk(v, depth + 1) for v in node]
        if node is None or isinstance(node, (str, bool, int)):
            return node
        if isinstance(node, float):
            if node != node or node in (float("inf"), float("-inf")):
                raise DocumentLimitError(f"{source}: NaN and infinite numbers are not accepted")
            return node
        if isinstance(node, Decimal):
            if not node.is_finite():
                raise DocumentLimitError(f"{source}: NaN and infinite numbers are not accepted")
            return node
        if isinstance(node, (dt.datetime, dt.date)):
            return node.isoformat()
        raise DocumentLimitError(
            f"{source}: values of type {type(node).__name__} are not accepted (plain JSON data only)")

    def _key(key: Any) -> str:
        if isinstance(key, str):
            return key
        if key is None or isinstance(key, (bool, int, float, Decimal, dt.date)):
            return json.dumps(key) if isinstance(key, bool) or key is None else str(key)
        raise DocumentLimitError(f"{source}: mapping keys must be strings, got {type(key).__name__}")

    try:
        return walk(value, 0)
    except RecursionError:  # pragma: no cover - max_depth keeps far below the interpreter's limit
        raise _too_deep(source) from None


def check_stored_config(config: Any, *, source: str = "config") -> None:
    """Refuse a config to be stored that nests deeper than :data:`MAX_DEPTH` or exceeds :data:`MAX_CONFIG_BYTES`.

    The registry calls this for every row it writes, whoever builds the config
    (CLI, import, the Python API, an HTTP front end).
    """
    pending: list[tuple[Any, int]] = [(config, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, (dict, list, tuple)):
            if depth >= MAX_DEPTH:
                raise _too_deep(source)
            pending.extend((v, depth + 1) for v in (node.values() if isinstance(node, dict) else node))
    size = len(json.dumps(config, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))
    if size > MAX_CONFIG_BYTES:
        raise DocumentLimitError(f"{source}: {size:,} bytes is larger than the limit of {MAX_CONFIG_BYTES:,} bytes "
                                 "for one plugin's config")


_LOADER: Any = None


def _yaml_loader() -> Any:
    """A PyYAML safe loader that refuses aliases and nesting deeper than :data:`MAX_DEPTH` (built once)."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml
    from yaml.composer import ComposerError

    class LimitExceeded(ComposerError):
        pass

    class BoundedLoader(yaml.SafeLoader):
        depth = 0
        limit_error = LimitExceeded

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise LimitExceeded(None, None, f"aliases are not accepted (*{event.anchor})", event.start_mark)
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                    raise LimitExceeded(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    _LOADER = BoundedLoader
    return _LOADER


def parse_yaml(text: str, *, source: str = "input") -> Any:
    """Parse YAML within the limits (no aliases, bounded depth and size); one line per problem."""
    import yaml

    check_size(len(text), source=source)
    loader = _yaml_loader()
    try:
        value = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        error = DocumentLimitError if isinstance(exc, loader.limit_error) else UserError
        raise error(f"{source}: invalid YAML: {problem}{where}") from None
    except RecursionError:
        raise _too_deep(source) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
        raise DocumentLimitError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}") from None
    return plain_data(value, source=source)


def read_document(path: str | Path, *, exact_numbers: bool = False) -> Any:
    """Read and parse the JSON or YAML document at *path* (within the limits)."""
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


def _yaml_dumper() -> Any:
    """A safe dumper writing any string a terminal would not show as it is double-quoted.

    Inside double quotes every escape -- YAML's own, or the ``\\uXXXX`` that
    :func:`zhongtai.core.terminal.safe_text` makes of bidi and zero-width
    characters when the document is printed -- reads back as the same string,
    so ``export`` printed to a terminal stays both safe and importable.
    """
    import yaml

    from zhongtai.core.terminal import safe_text

    class QuotingDumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: Any, value: str) -> Any:
        style = '"' if safe_text(value, keep_newlines=True) != value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    QuotingDumper.add_representer(str, represent_str)
    return QuotingDumper


def dump_document(data: Any, fmt: str) -> str:
    """*data* (plain JSON data) as JSON or YAML text, keys in the order given, ending in a newline."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.dump(data, Dumper=_yaml_dumper(), sort_keys=False, allow_unicode=True,
                             default_flow_style=False))
    raise UserError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")


def _output_mode(path: str | Path) -> int | None:
    """The ``st_mode`` of an output *path*, ``None`` if there is no such file yet (else a one-line error)."""
    import os

    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(f"{path}: cannot be written: {exc.strerror or exc}") from None


def check_writable(path: str | Path) -> None:
    """Refuse, with :func:`write_text`'s one-line error, a *path* it could not write.

    For commands whose work must not start unless its result can be written
    (``zhongtai export --include-secrets`` records an audit row first): an empty
    name, a directory, a missing or unwritable parent directory.
    """
    import errno
    import os
    import stat

    if not str(path):
        raise UserError("the output file name is empty")
    mode = _output_mode(path)
    if mode is not None and stat.S_ISDIR(mode):
        raise UserError(f"{path}: cannot be written: {os.strerror(errno.EISDIR)}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UserError(f"{path}: cannot be written: {os.strerror(errno.ENOENT)}")
    if (mode is None or stat.S_ISREG(mode)) and not os.access(directory, os.W_OK):
        raise UserError(f"{path}: cannot be written: {os.strerror(errno.EACCES)}")


def write_text(path: str | Path, text: str) -> None:
    """Write *text* to *path*: whole or not at all, one-line error otherwise.

    A regular file (or a new one) is written atomically: a temporary file beside
    it, then a rename.  An existing device, FIFO or socket (``/dev/null``,
    ``/dev/stdout``, a named pipe) is written into, as a shell redirection
    would: a rename would *replace* it with a regular file -- as root, the
    machine's ``/dev/null`` itself.
    """
    import os
    import stat
    import tempfile

    mode = _output_mode(path)
    try:
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a directory: the rename fails
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(text)
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(prefix=".zhongtai-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise UserError(f"{path}: cannot be written: {exc.strerror or exc}") from None
