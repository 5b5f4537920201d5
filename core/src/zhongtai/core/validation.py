"""Config validator failures in words: the key, the value, and what is allowed.

attrs validators raise errors whose text is the repr of the attribute, the
validator and the value (hundreds of characters for ``in_``); a business team
reading ``zhongtai plugins enable ... --set mode=SIDEWAYS`` needs
``'mode' must be one of ROUND_HALF_UP, ROUND_DOWN: 'SIDEWAYS'``.
:func:`explain` re-runs each field's validator and says which one refused what,
for every validator kind of :mod:`attrs.validators` (``in_``, ``instance_of``,
``matches_re``, ``gt``/``ge``/``lt``/``le``, ``min_len``/``max_len``,
``deep_iterable``, ``deep_mapping``, ``and_``, ``or_``, ``optional``, ``not_``);
a plugin's own validator function is quoted by the first line of its error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import attrs

from zhongtai.core.wording import listing, value_text

_COMPARISONS = {">": "greater than", ">=": "at least", "<": "less than", "<=": "at most"}


def _type_name(kind: object) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_type_name(k) for k in kind)
    name = getattr(kind, "__name__", str(kind))
    return {"str": "text", "int": "an integer", "float": "a number", "bool": "true or false", "list": "a list",
            "tuple": "a list", "dict": "a mapping", "Decimal": "a decimal number"}.get(name, f"a {name}")


def _option_text(option: object) -> str:
    value = getattr(option, "value", option)  # enum members by their value
    return str(value) if isinstance(value, str) else repr(value)


def describe(validator: Any) -> str:
    """What *validator* allows, in words (``one of A, B``, ``at least 0 and at most 100`` ...)."""
    kind = type(validator).__name__
    if kind == "_InValidator":
        texts = [_option_text(o) for o in validator.options]
        return "one of " + listing(sorted(texts) if isinstance(validator.options, set | frozenset) else texts)
    if kind == "_InstanceOfValidator":
        return _type_name(validator.type)
    if kind == "_MatchesReValidator":
        return f"text matching {validator.pattern.pattern!r}"
    if kind == "_NumberValidator":
        return f"{_COMPARISONS.get(validator.compare_op, validator.compare_op)} {validator.bound}"
    if kind == "_MinLengthValidator":
        return f"of length at least {validator.min_length}"
    if kind == "_MaxLengthValidator":
        return f"of length at most {validator.max_length}"
    if kind == "_DeepIterable":
        outer = describe(validator.iterable_validator) if validator.iterable_validator is not None else "a list"
        return f"{outer} whose every item is {describe(validator.member_validator)}"
    if kind == "_DeepMapping":
        outer = describe(validator.mapping_validator) if validator.mapping_validator is not None else "a mapping"
        keys = describe(validator.key_validator) if validator.key_validator is not None else "anything"
        values = describe(validator.value_validator) if validator.value_validator is not None else "anything"
        return f"{outer} of keys {keys} to values {values}"
    if kind == "_AndValidator":
        return " and ".join(describe(part) for part in validator._validators)
    if kind == "_OrValidator":
        return " or ".join(describe(part) for part in validator.validators)
    if kind == "_OptionalValidator":
        return f"empty (null) or {describe(validator.validator)}"
    if kind == "_NotValidator":
        return f"not {describe(validator.validator)}"
    if isinstance(validator, list | tuple):
        return " and ".join(describe(part) for part in validator)
    return f"accepted by {getattr(validator, '__name__', kind).strip('_')}"


def _fails(validator: Any, attribute: Any, value: object) -> BaseException | None:
    try:
        validator(None, attribute, value)
    except Exception as exc:  # noqa: BLE001 - any refusal, whatever the validator raises
        return exc
    return None


def _why(validator: Any, attribute: Any, value: Any, where: str) -> str:
    """Why *validator* refuses *value* (at *where*): the innermost refusal, in words."""
    kind = type(validator).__name__
    inner = _inner_refusal(kind, validator, attribute, value, where)
    if inner is not None:
        return inner
    if kind in ("_MinLengthValidator", "_MaxLengthValidator"):
        return f"{where} must be {describe(validator)}: {value_text(value)} (length {len(value)})"
    if kind.startswith("_") and describe(validator) != f"accepted by {kind.strip('_')}":
        return f"{where} must be {describe(validator)}: {value_text(value)}"
    error = _fails(validator, attribute, value)
    detail = str(error.args[0]).strip() if error is not None and error.args else ""
    return f"{where} is refused: {detail.splitlines()[0] if detail else type(error).__name__}"


def _inner_refusal(kind: str, validator: Any, attribute: Any, value: Any, where: str) -> str | None:
    """The refusal of the part of a combined validator that refused, or ``None`` for simple ones."""
    if kind == "_AndValidator":
        for part in validator._validators:
            if _fails(part, attribute, value) is not None:
                return _why(part, attribute, value, where)
    if kind == "_OptionalValidator" and value is not None:
        return _why(validator.validator, attribute, value, where).replace(" must be ", " must be empty (null) or ", 1)
    if kind == "_DeepIterable":
        return _item_refusal(validator, attribute, value, where)
    if kind == "_DeepMapping" and isinstance(value, Mapping):
        return _entry_refusal(validator, attribute, value, where)
    return None


def _item_refusal(validator: Any, attribute: Any, value: Any, where: str) -> str | None:
    outer = validator.iterable_validator
    if outer is not None and _fails(outer, attribute, value) is not None:
        return _why(outer, attribute, value, where)
    for index, item in enumerate(value):
        if _fails(validator.member_validator, attribute, item) is not None:
            return _why(validator.member_validator, attribute, item, f"{where} item {index}")
    return None


def _entry_refusal(validator: Any, attribute: Any, value: Mapping[Any, Any], where: str) -> str | None:
    outer = validator.mapping_validator
    if outer is not None and _fails(outer, attribute, value) is not None:
        return _why(outer, attribute, value, where)
    for key, item in value.items():
        if validator.key_validator is not None and _fails(validator.key_validator, attribute, key) is not None:
            return _why(validator.key_validator, attribute, key, f"{where} key")
        if validator.value_validator is not None and _fails(validator.value_validator, attribute, item):
            return _why(validator.value_validator, attribute, item, f"{where} value of {value_text(key)}")
    return None


def explain(cls: type, values: Mapping[str, Any], *, secret: AbstractSet[str] = frozenset(),
            mask: str = "********") -> str | None:
    """Why ``cls(**values)`` fails a field validator, in words; ``None`` if every validator passes.

    *values* are the converted keyword arguments; fields not given are checked at
    their defaults.  The first failing field (in declaration order) is named.  The
    values of fields named in *secret* are never shown (nor their length): *mask* stands in.
    """
    for field in attrs.fields(cls):
        if field.validator is None or not field.init:
            continue
        if field.alias in values:
            value = values[field.alias]
        elif field.name in values:
            value = values[field.name]
        elif isinstance(field.default, attrs.Factory) or field.default is attrs.NOTHING:  # type: ignore[arg-type]
            continue
        else:
            value = field.default
        if _fails(field.validator, field, value) is not None:
            words = _why(field.validator, field, value, repr(field.name))
            if field.name in secret:
                if not isinstance(value, str) or not value:
                    return f"{field.name!r} is refused by its validator ({mask}: the field is secret)"
                for shown in (value_text(value), value):  # the value as quoted, then as the plugin may write it
                    words = words.replace(shown, mask)
                words = re.sub(r" \(length \d+\)$", "", words)
                words += " (the value is not shown: the field is secret)"
            return words
    return None


__all__ = ["describe", "explain"]
