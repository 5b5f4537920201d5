"""JSON Schema (OpenAPI 3.1 dialect) generated from type annotations -- never written by hand.

:class:`SchemaBuilder` walks the same annotations :mod:`zhongtai.core.jsonio`
converts: attrs classes become component schemas (``#/components/schemas/...``),
with an *input* form (what a request may send: decimals as strings or integers,
optional fields not required) and an *output* form (what an answer holds:
decimals as strings, fields declared ``repr=False`` left out, as
:func:`~zhongtai.core.jsonio.to_json` writes them).
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.config import ENV_PREFIX, SECRET

DECIMAL_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_SEQUENCES = (list, tuple, Sequence, typing.Sequence)
_SETS = (set, frozenset, AbstractSet, typing.AbstractSet)
_MAPPINGS = (dict, Mapping, typing.Mapping)

INPUT, OUTPUT = "input", "output"


class SchemaBuilder:
    """Collects component schemas while turning annotations into JSON Schemas."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self._names: dict[tuple[type, str], str] = {}

    def schema(self, tp: Any, direction: str = INPUT) -> dict[str, Any]:  # noqa: C901 - one branch per kind
        """The JSON Schema of values of *tp* in *direction* (``input`` or ``output``)."""
        if tp is Any or tp is None or tp is attrs.NOTHING or tp is inspect.Parameter.empty:
            return {}
        if isinstance(tp, typing.TypeVar):
            return {}
        if tp is type(None):
            return {"type": "null"}
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            options = [self.schema(a, direction) for a in args]
            return {"anyOf": options}
        if origin is typing.Literal:
            return {"enum": [_plain(a) for a in args]}
        if origin is not None:
            return self._generic(origin, args, direction)
        if isinstance(tp, tuple):  # a point's result given as several types
            return {"anyOf": [self.schema(t, direction) for t in tp]}
        if not isinstance(tp, type):
            return {}
        if attrs.has(tp):
            return {"$ref": f"#/components/schemas/{self._component(tp, direction)}"}
        if issubclass(tp, enum.Enum):
            return {"enum": [_plain(m.value) for m in tp]}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"} if direction == INPUT else {"type": ["number", "string"]}
        if tp is Decimal:
            decimal_string = {"type": "string", "pattern": DECIMAL_PATTERN}
            return {"anyOf": [decimal_string, {"type": "integer"}]} if direction == INPUT else {"type": "string"}
        if tp is str:
            return {"type": "string"}
        if tp is dt.datetime:
            return {"type": "string", "format": "date-time"}
        if tp is dt.date:
            return {"type": "string", "format": "date"}
        if tp in (list, tuple, set, frozenset) or (issubclass(tp, (Sequence, AbstractSet)) and tp is not str):
            return {"type": "array"}
        if tp is dict or issubclass(tp, Mapping):
            return {"type": "object"}
        return {} if direction == INPUT else {"type": "string"}  # to_json writes unknown values as their repr

    def _generic(self, origin: Any, args: tuple[Any, ...], direction: str) -> dict[str, Any]:
        if origin in _MAPPINGS:
            value = args[1] if len(args) == 2 else Any
            return {"type": "object", "additionalProperties": self.schema(value, direction)}
        if origin in _SEQUENCES or origin in _SETS:
            if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
                return {"type": "array", "prefixItems": [self.schema(a, direction) for a in args],
                        "minItems": len(args), "maxItems": len(args), "items": False}
            return {"type": "array", "items": self.schema(args[0] if args else Any, direction)}
        return {}

    def _component(self, cls: type, direction: str) -> str:
        key = (cls, direction)
        name = self._names.get(key)
        if name is not None:
            return name
        base = cls.__name__ if direction == OUTPUT else f"{cls.__name__}Input"
        name = base
        n = 2
        while name in self.components:
            name = f"{base}{n}"
            n += 1
        self._names[key] = name
        self.components[name] = {}  # reserve (recursive types)
        self.components[name] = self.attrs_schema(cls, direction)
        return name

    def attrs_schema(self, cls: type, direction: str, *, partial: bool = False) -> dict[str, Any]:
        """The object schema of attrs class *cls* (*partial*: no field required, as in a config update)."""
        try:
            attrs.resolve_types(cls)
        except Exception:  # noqa: BLE001 - unresolvable annotations are treated as Any
            pass
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            if direction == INPUT:
                if not field.init:
                    continue
                name = field.alias or field.name
                schema = self.schema(field.type, direction)
                if field.metadata.get(SECRET):
                    schema = {"anyOf": [schema, {"type": "string", "pattern": f"^{ENV_PREFIX}"}]}
                if field.default is attrs.NOTHING and not partial:
                    required.append(name)
            else:
                if field.repr is False:
                    continue
                name = field.name
                schema = self.schema(field.type, direction)
                required.append(name)
            help_text = field.metadata.get("help") or field.metadata.get("zhongtai.help")
            if isinstance(help_text, str) and help_text:
                schema = {**schema, "description": help_text}
            properties[name] = schema
        doc = (inspect.getdoc(cls) or "").strip().split("\n\n")[0]
        result: dict[str, Any] = {"type": "object", "properties": properties,
                                  "additionalProperties": direction == OUTPUT}
        if required:
            result["required"] = required
        if doc:
            result["description"] = doc
        return result


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    return value
