"""Declaring a plugin's config: an attrs class with defaults, validators, help and secrets.

::

    import attrs
    from zhongtai.sdk import secret_field, setting

    @attrs.frozen
    class VipDiscountConfig:
        rate: Decimal = setting(Decimal("0.9"), help="Price factor for VIP customers",
                                validator=attrs.validators.le(Decimal(1)))
        api_key: str = secret_field(help="Key of the loyalty service (may be env:NAME)")

Name the class in the plugin's manifest (``config = "package.module:VipDiscountConfig"``).
The kernel builds an instance from the JSON stored per business (merged root ->
leaf) and hands it to the hookimpls as ``context.config``; :func:`load_config`
builds one exactly the same way, for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from zhongtai.core.config import SECRET, build_config

T = TypeVar("T")

#: Metadata key of a field's help text (shown by ``zhongtai plugins show``).
HELP = "help"


def _metadata(kwargs: dict[str, Any], help: str, secret: bool) -> dict[str, Any]:
    metadata = dict(kwargs.pop("metadata", None) or {})
    if help:
        metadata[HELP] = help
    if secret:
        metadata[SECRET] = True
    return metadata


def setting(
    default: Any = attrs.NOTHING,
    *,
    help: str = "",
    validator: Callable[[Any, Any, Any], Any] | list[Callable[[Any, Any, Any], Any]] | None = None,
    **kwargs: Any,
) -> Any:
    """An attrs field of a plugin config class, with a *help* text.

    Leave out *default* for a required setting (enabling the plugin without it
    is refused).  *validator* is an attrs validator; its ``ValueError`` or
    ``TypeError`` becomes a :class:`~zhongtai.core.errors.ConfigError` naming the
    field when the config is set.  Other keyword arguments go to ``attrs.field``.
    """
    return attrs.field(default=default, validator=validator, metadata=_metadata(kwargs, help, False), **kwargs)


def secret_field(default: Any = "", *, help: str = "", **kwargs: Any) -> Any:
    """A config field whose value is a secret.

    It is masked in every output (CLI, audit log, ``repr``) and may be given as
    ``env:NAME``, resolved from the environment only when a call runs.
    """
    return attrs.field(default=default, metadata=_metadata(kwargs, help, True), repr=False, **kwargs)


def load_config(cls: type[T], raw: Mapping[str, Any] | None = None, *, resolve_secrets: bool = False) -> T:
    """Build *cls* from JSON values exactly as the kernel does when the config is set.

    Unknown keys, wrong types, missing required settings and validator failures
    raise :class:`~zhongtai.core.errors.ConfigError` with one line naming the
    field.  ``env:NAME`` secrets are resolved only with *resolve_secrets* (here,
    in a plugin author's own process, any name; on the platform only names a
    platform admin allow-listed for the business: ``zhongtai access secrets allow``).
    """
    from zhongtai.core.config import env_name

    names = {n for n in (env_name(v) for v in (raw or {}).values()) if n is not None}
    built: T = build_config(cls, raw or {}, plugin=cls.__name__, resolve_secrets=resolve_secrets,
                            allowed_env=frozenset(names))
    return built
