"""The ``notifiers.templates`` plugin: templates as plugin config, inherited per template.

Enable it at any level with a ``templates`` mapping; a business inherits every
template of its ancestors and overrides them one by one::

    zhongtai plugins enable notifiers.templates --business shop --set 'templates={
        "order_shipped": {"kind": "notification", "subject": "Shipped",
                          "body": "Order {{ order }} is on its way."}}'

The nearest level that defines a template wins for that template only (plain
config merging would replace the whole mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.config import build_config
from zhongtai.core.specs.notifiers import KINDS, NOTIFICATION
from zhongtai.plugins.notifiers.rendering import TemplateError, compile_template
from zhongtai.sdk import PluginContext, Template, hookimpl


def _compiles(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        compile_template(value)
    except TemplateError as exc:
        raise ValueError(f"{attribute.name}: {exc.message}") from None


@attrs.frozen
class TemplateSpec:
    """One template: jinja2 ``body`` and ``subject`` for messages of ``kind``."""

    body: str = attrs.field(validator=_compiles)
    subject: str = attrs.field(default="", validator=_compiles)
    kind: str = attrs.field(default=NOTIFICATION, validator=attrs.validators.in_(KINDS))


@attrs.frozen
class TemplatesConfig:
    templates: Mapping[str, TemplateSpec] = attrs.field(factory=dict)


def _lookup(levels: tuple[tuple[str, Mapping[str, Any]], ...], name: str, plugin: str) -> TemplateSpec | None:
    for _level, raw in reversed(levels):
        templates = raw.get("templates") or {}
        if name in templates:
            config: TemplatesConfig = build_config(TemplatesConfig, {"templates": {name: templates[name]}},
                                                   plugin=plugin)
            return config.templates[name]
    return None


@hookimpl
def notifiers_templates(name: str, context: PluginContext) -> Template | None:
    """The template *name* from the nearest level of the business that defines it."""
    spec: TemplateSpec | None
    if context.platform is not None:
        effective = context.platform.snapshot.effective(context.business).get(context.plugin)
        spec = _lookup(effective.levels if effective else (), name, context.plugin)
    else:
        spec = context.config.templates.get(name) if context.config is not None else None
    if spec is None:
        return None
    return Template(name=name, body=spec.body, subject=spec.subject, kind=spec.kind)
