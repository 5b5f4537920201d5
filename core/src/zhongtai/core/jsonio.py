"""JSON <-> contract types, generically.

:func:`from_json` turns a JSON value into an instance of a type annotation
used by the extension points' contracts: attrs classes (nested), ``tuple``
(homogeneous ``tuple[X, ...]`` and fixed ``tuple[X, Y]``), ``list``,
``frozenset``/``set``, ``Mapping``/``dict``, ``Decimal`` (from a string or an
integer, or a ``Decimal`` from ``json.loads(parse_float=Decimal)``), ``datetime``/``date`` (ISO
8601 strings), enums (by value), ``Literal``, ``Optional`` and unions, ``str``,
``int``, ``float``, ``bool`` and ``Any``.  Every mismatch raises
:class:`~zhongtai.core.errors.UserError` naming the path of the bad value,
e.g. ``request.lines[0].quantity: expected an integer, got "two"``.

:func:`to_json` is the way back for results and traces: attrs instances become
objects of their fields (fields declared ``repr=False`` -- secrets, handlers,
back references -- are left out), ``Decimal`` becomes a string, enums their
value, datetimes ISO strings, sets sorted lists; anything else unknown becomes
its ``repr``.  The output is always accepted by :func:`json.dumps`.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import inspect
import json
import types
import typing
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from zhongtai.core.errors import UserError

_SEQUENCES = (list, tuple, Sequence, typing.Sequence)
_SETS = (set, frozenset, AbstractSet, typing.AbstractSet)
_MAPPINGS = (dict, Mapping, typing.Mapping)
_PLAIN = frozenset((str, int, bool))


def type_label(tp: Any) -> str:
    """A short human name for a type annotation: ``QuoteRequest``, ``tuple[str, ...]``."""
    if tp is None or tp is type(None):
        return "None"
    if tp is Any:
        return "any"
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    return str(tp).replace("typing.", "").replace("collections.abc.", "").replace("datetime.", "")


def _show(value: Any) -> str:
    text = json.dumps(to_json(value), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class _Error(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def from_json(value: Any, tp: Any, *, path: str = "value") -> Any:
    """Convert the JSON *value* into an instance of *tp* (see the module docstring)."""
    try:
        return converter(tp)(value)
    except _Error as exc:  # exc.path is relative to the value: "", ".request", "[2].sku" ...
        raise UserError(f"{path}{exc.path}: {exc.message}") from None


Converter = typing.Callable[[Any], Any]


def converter(tp: Any) -> Converter:
    """A function converting a JSON value to *tp*, built once per type (the gateway's hot path).

    It does what :func:`from_json` does -- the same results, the same errors --
    without re-inspecting *tp* on every value: attrs fields, item and key types
    are resolved when the converter is built.  A bad value raises the internal
    ``_Error`` with its path relative to the value; :func:`from_json` turns it
    into the :class:`UserError`.  Paths are built only on failure.
    """
    try:
        return _compiled(tp)
    except TypeError:  # an unhashable annotation: no cache, the general conversion
        return functools.partial(_convert, tp=tp, path="")


@functools.lru_cache(maxsize=1024)
def _compiled(tp: Any) -> Converter:
    if tp is Any or tp is None or tp is attrs.NOTHING or tp is inspect.Parameter.empty \
            or isinstance(tp, typing.TypeVar):
        return _identity
    if tp in _PLAIN:
        return _plain_converter(tp)
    if tp is Decimal:
        return _decimal
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1 and type(None) in args:
            return _optional_converter(options[0])
    elif origin in _MAPPINGS and args:
        return _mapping_converter(args[0], args[1] if len(args) == 2 else Any)
    elif origin in (list, Sequence, typing.Sequence) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return _sequence_converter(args[0] if args else Any, list if origin is list else tuple)
    elif origin is None and isinstance(tp, type) and attrs.has(tp):
        return _attrs_converter(tp)

    def general(value: Any) -> Any:  # everything else: Literal, sets, fixed tuples, enums, dates ...
        return _convert(value, tp, "")

    return general


def _identity(value: Any) -> Any:
    return value


def _plain_converter(tp: type) -> Converter:
    def plain(value: Any) -> Any:
        if type(value) is tp:
            return value
        return _convert_class(value, tp, "")

    return plain


def _decimal(value: Any) -> Any:
    if type(value) is Decimal and value.is_finite():
        return value
    return _convert_class(value, Decimal, "")


def _optional_converter(inner_type: Any) -> Converter:
    slot: list[Converter] = []  # resolved on first use: a type may refer to itself

    def optional(value: Any) -> Any:
        if value is None:
            return None
        if not slot:
            slot.append(converter(inner_type))
        return slot[0](value)

    return optional


def _mapping_converter(key_type: Any, value_type: Any) -> Converter:
    slot: list[Converter] = []

    def mapping(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _Error("", f"expected an object, got {_show(value)}")
        if not slot:
            slot.extend((converter(key_type), converter(value_type)))
        keys, values = slot
        result = {}
        for k, v in value.items():
            try:
                result[keys(k)] = values(v)
            except _Error as exc:
                exc.path = f".{k}{exc.path}"
                raise
        return result

    return mapping


def _sequence_converter(item_type: Any, kind: type) -> Converter:
    slot: list[Converter] = []

    def sequence(value: Any) -> Any:
        if not isinstance(value, list):
            raise _Error("", f"expected an array, got {_show(value)}")
        if not slot:
            slot.append(converter(item_type))
        item = slot[0]
        items = []
        for index, v in enumerate(value):
            try:
                items.append(item(v))
            except _Error as exc:
                exc.path = f"[{index}]{exc.path}"
                raise
        return items if kind is list else tuple(items)

    return sequence


def _attrs_converter(tp: type) -> Converter:
    fields, required = _init_fields(tp)
    converters: dict[str, Converter] = {}  # filled on first use: a class may refer to itself
    #: fields of a plain type (str, int, bool): a value of exactly that type is taken as it is, without a call
    plain = {name: field_type for name, field_type in fields.items()
             if isinstance(field_type, type) and field_type in _PLAIN}

    def instance(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _Error("", f"expected an object for {tp.__name__}, got {_show(value)}")
        if not fields.keys() >= value.keys():
            unknown = sorted(set(value) - set(fields))
            raise _Error(f".{unknown[0]}", f"unknown field of {tp.__name__} (fields: {', '.join(fields)})")
        for name in required:
            if name not in value:
                raise _Error(f".{name}", f"required field of {tp.__name__} is missing")
        if not converters:
            converters.update({name: converter(field_type) for name, field_type in fields.items()})
        kwargs = {}
        for name, v in value.items():
            if type(v) is plain.get(name):
                kwargs[name] = v
                continue
            try:
                kwargs[name] = converters[name](v)
            except _Error as exc:
                exc.path = f".{name}{exc.path}"
                raise
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            detail = str(exc).strip().splitlines()
            raise _Error("", f"invalid {tp.__name__}: {detail[0] if detail else type(exc).__name__}") from None

    return instance


def _convert(value: Any, tp: Any, path: str) -> Any:
    if tp is type(value) and tp in _PLAIN:  # the common case first: a string for a str ...
        return value
    if tp is Any or tp is None or tp is attrs.NOTHING or tp is inspect.Parameter.empty:
        return value
    if isinstance(tp, typing.TypeVar):
        return value
    if tp is type(None):
        if value is None:
            return None
        raise _Error(path, f"expected null, got {_show(value)}")
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _convert(value, option, path)
            except _Error as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise _Error(path, f"expected {type_label(tp)}, got {_show(value)}")
    if origin is typing.Literal:
        if value in args:
            return value
        raise _Error(path, f"expected one of {', '.join(json.dumps(a) for a in args)}, got {_show(value)}")
    if origin is not None:
        return _convert_generic(value, origin, args, path)
    if isinstance(tp, type):
        return _convert_class(value, tp, path)
    return value  # an annotation we do not understand: pass the JSON value through


def _convert_generic(value: Any, origin: Any, args: tuple[Any, ...], path: str) -> Any:
    if origin in _MAPPINGS:
        if not isinstance(value, dict):
            raise _Error(path, f"expected an object, got {_show(value)}")
        key_type = args[0] if args else Any
        value_type = args[1] if len(args) == 2 else Any
        return {
            _convert(k, key_type, f"{path}.{k}"): _convert(v, value_type, f"{path}.{k}") for k, v in value.items()
        }
    if origin in _SEQUENCES or origin in _SETS:
        if not isinstance(value, list):
            raise _Error(path, f"expected an array, got {_show(value)}")
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise _Error(path, f"expected an array of {len(args)} items, got {len(value)}")
            return tuple(_convert(v, t, f"{path}[{i}]") for i, (v, t) in enumerate(zip(value, args)))
        inner = args[0] if args else Any
        items = [_convert(v, inner, f"{path}[{i}]") for i, v in enumerate(value)]
        if origin in _SETS:
            try:
                return frozenset(items) if origin is not set else set(items)
            except TypeError:
                raise _Error(path, "set items must be hashable") from None
        return items if origin is list else tuple(items)
    if origin is type:
        raise _Error(path, "a type cannot be given as JSON")
    return value


def _convert_class(value: Any, tp: type, path: str) -> Any:  # noqa: C901
    if attrs.has(tp):
        return _convert_attrs(value, tp, path)
    if issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(json.dumps(to_json(m.value)) for m in tp)
            raise _Error(path, f"expected one of {allowed}, got {_show(value)}") from None
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _Error(path, f"expected true or false, got {_show(value)}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Error(path, f"expected an integer, got {_show(value)}")
    if tp is float:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return float(value)
        raise _Error(path, f"expected a number, got {_show(value)}")
    if tp is Decimal:
        if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
            try:
                number = Decimal(value)
            except InvalidOperation:
                number = Decimal("NaN")
            if number.is_finite():
                return number
        raise _Error(path, f"expected a decimal number (a string such as \"12.50\"), got {_show(value)}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise _Error(path, f"expected a string, got {_show(value)}")
    if tp is dt.datetime or tp is dt.date:
        if isinstance(value, str):
            try:
                return tp.fromisoformat(value)
            except ValueError:
                pass
        raise _Error(path, f"expected an ISO 8601 {tp.__name__} string, got {_show(value)}")
    if tp in (list, tuple, set, frozenset, dict) or issubclass(tp, (Sequence, AbstractSet, Mapping)):
        return _convert_generic(value, _bare_origin(tp), (), path)
    if isinstance(value, tp):
        return value
    raise _Error(path, f"values of type {tp.__name__} cannot be given as JSON")


def _bare_origin(tp: type) -> Any:
    if issubclass(tp, (dict, Mapping)):
        return dict
    if issubclass(tp, (set, frozenset, AbstractSet)):
        return frozenset
    return tuple if issubclass(tp, tuple) else list


@functools.lru_cache(maxsize=1024)
def _init_fields(tp: type) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The init fields of attrs class *tp* by name (types resolved), and the required names -- once per class."""
    try:
        attrs.resolve_types(tp)
    except Exception:  # unresolvable annotations are treated as Any
        pass
    fields = {f.alias or f.name: f.type for f in attrs.fields(tp) if f.init}
    required = tuple(f.alias or f.name for f in attrs.fields(tp) if f.init and f.default is attrs.NOTHING)
    return fields, required


def _convert_attrs(value: Any, tp: type, path: str) -> Any:
    if not isinstance(value, dict):
        raise _Error(path, f"expected an object for {tp.__name__}, got {_show(value)}")
    fields, required = _init_fields(tp)
    if not fields.keys() >= value.keys():
        unknown = sorted(set(value) - set(fields))
        raise _Error(f"{path}.{unknown[0]}", f"unknown field of {tp.__name__} (fields: {', '.join(fields)})")
    missing = [name for name in required if name not in value]
    if missing:
        raise _Error(f"{path}.{missing[0]}", f"required field of {tp.__name__} is missing")
    kwargs = {name: _convert(value[name], fields[name], f"{path}.{name}") for name in value}
    try:
        return tp(**kwargs)
    except (TypeError, ValueError) as exc:
        detail = str(exc).strip().splitlines()
        raise _Error(path, f"invalid {tp.__name__}: {detail[0] if detail else type(exc).__name__}") from None


def to_json(value: Any) -> Any:
    """A JSON-compatible form of *value* (see the module docstring)."""
    writer = _WRITERS.get(type(value))
    if writer is None:
        writer = _WRITERS[type(value)] = _writer(type(value))
    return writer(value)


#: How :func:`to_json` writes a value, by its exact type (worked out once per type).
_WRITERS: dict[type, typing.Callable[[Any], Any]] = {}


def _writer(tp: type) -> typing.Callable[[Any], Any]:
    """The writer of values of exactly type *tp*: the first rule of the module docstring that applies."""
    if tp is type(None) or issubclass(tp, (bool, int, str)):
        return _identity
    names = _json_fields(tp) if attrs.has(tp) else None
    if names is not None:
        return _attrs_writer(names)
    if issubclass(tp, float):
        return _write_float
    if issubclass(tp, Decimal):
        return str
    if issubclass(tp, enum.Enum):
        return lambda value: to_json(value.value)
    if issubclass(tp, (dt.datetime, dt.date, dt.time)):
        return lambda value: value.isoformat()
    if issubclass(tp, Mapping):
        return lambda value: {str(to_json(k)): to_json(v) for k, v in value.items()}
    if issubclass(tp, (set, frozenset, AbstractSet)):
        return _write_set
    if issubclass(tp, (list, tuple)):
        return lambda value: [to_json(v) for v in value]
    return repr


def _attrs_writer(names: tuple[str, ...]) -> typing.Callable[[Any], Any]:
    """``{name: to_json(value.name) ...}`` for these fields, as one generated function (no loop, no getattr)."""
    items = ", ".join(f"{name!r}: to_json(value.{name})" if name.isidentifier() and not name.startswith("__")
                      else f"{name!r}: to_json(getattr(value, {name!r}))" for name in names)
    namespace: dict[str, Any] = {"to_json": to_json}
    exec(f"def write(value):\n    return {{{items}}}\n", namespace)  # attrs field names only, never a user's text
    writer: typing.Callable[[Any], Any] = namespace["write"]
    return writer


def _write_float(value: float) -> Any:
    return value if value == value and value not in (float("inf"), float("-inf")) else str(value)


def _write_set(value: AbstractSet[Any]) -> list[Any]:
    items = [to_json(v) for v in value]
    return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=1024)
def _json_fields(tp: Any) -> tuple[str, ...] | None:
    """The fields :func:`to_json` writes of attrs class *tp* (``None``: not an attrs class) -- once per class."""
    if not attrs.has(tp):
        return None
    return tuple(f.name for f in attrs.fields(tp) if f.repr is not False)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``json.dumps(to_json(value))`` with readable non-ASCII text."""
    return json.dumps(to_json(value), indent=indent, ensure_ascii=False)


def call_arguments(point: Any, data: Any) -> dict[str, Any]:
    """Turn a JSON object of *point*'s inputs into the call's keyword arguments.

    *point* is an :class:`~zhongtai.core.extension.ExtensionPoint`; every key
    must be one of its inputs, every input without an ``Optional`` type must be
    given, and each value is converted to its argument's type.  The checks and
    converters are worked out once per point (the gateway calls this per request).
    """
    cached = _ARGUMENT_CONVERTERS.get(id(point))
    if cached is None or cached[0] is not point:
        if len(_ARGUMENT_CONVERTERS) > 4096:
            _ARGUMENT_CONVERTERS.clear()
        cached = _ARGUMENT_CONVERTERS[id(point)] = (point, _arguments_converter(point))
    arguments: dict[str, Any] = cached[1](data)
    return arguments


#: Per extension point (by id, the point kept to tell a reused id): its arguments converter.
_ARGUMENT_CONVERTERS: dict[int, tuple[Any, Converter]] = {}


def _arguments_converter(point: Any) -> Converter:
    inputs: tuple[str, ...] = point.inputs
    known = frozenset(inputs)
    types = [point.argument_types.get(name, Any) for name in inputs]
    steps = [(name, converter(tp), is_optional(tp), tp) for name, tp in zip(inputs, types)]

    def convert(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            expected = ", ".join(inputs) or "none"
            raise UserError(f"--input must be a JSON object with the inputs of {point.name} ({expected})")
        if not known.issuperset(data):
            unknown = sorted(key for key in data if key not in known)
            raise UserError(f"{point.name} has no input {unknown[0]!r} (inputs: {', '.join(inputs) or 'none'})")
        arguments: dict[str, Any] = {}
        for name, convert_value, optional, tp in steps:
            if name in data:
                try:
                    arguments[name] = convert_value(data[name])
                except _Error as exc:  # what from_json says, with the input's name as the path
                    raise UserError(f"{name}{exc.path}: {exc.message}") from None
            elif optional:
                arguments[name] = None
            else:
                raise UserError(f"{point.name} needs input {name!r} ({type_label(tp)})")
        return arguments

    return convert


def is_optional(tp: Any) -> bool:
    """True if an input of type *tp* may be left out (``Any`` or ``Optional``)."""
    return tp is Any or (typing.get_origin(tp) in (typing.Union, types.UnionType)
                         and type(None) in typing.get_args(tp))
