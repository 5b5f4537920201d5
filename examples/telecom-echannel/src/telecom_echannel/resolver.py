"""Plugin ``telecom-echannel.resolver``: which e-channel sub-business serves a request (``identity.resolve``).

The e-channel sells over the phone hotline, the WAP site, SMS, agents and
pickup points; each is a sub-business (``telecom.echannel.wap`` ...) with its
own prices and rules.  Front ends do not know business codes: they send what
they know about the request, and this resolver maps it::

    routes = {"phone": "telecom.echannel.hotline", "wap": "telecom.echannel.wap", ...}
    hosts  = {"wap.example-telecom.cn": "telecom.echannel.wap"}
    store_business = "telecom.echannel.pickup"

Contract, in order (the first that matches answers):

1. the ``channel`` attribute, trimmed and lowercased, through ``routes``;
2. the ``host`` attribute, lowercased and without a ``:port``, through ``hosts``;
3. a non-empty ``store`` attribute (a pickup-point terminal): ``store_business``.

Nothing matching: ``None``, so a less specific resolver may answer.  The kernel
checks that the answer is the scope business or one of its descendants and
exists; a route to anywhere else is reported as this plugin's error.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from zhongtai.sdk import PluginContext, ResolveRequest, implements, setting, specs


def _lower_keys(value: Mapping[str, str]) -> dict[str, str]:
    return {key.strip().lower(): target for key, target in value.items()}


def _targets(instance: object, attribute: attrs.Attribute[Mapping[str, str]], value: Mapping[str, str]) -> None:
    for key, target in value.items():
        if not key or not isinstance(target, str) or not target.strip():
            raise ValueError(f"{attribute.name}: {key!r} must map to a business code, got {target!r}")


@attrs.frozen
class ResolverConfig:
    """Where requests go; see the module docstring for the order."""

    routes: Mapping[str, str] = setting(factory=dict, converter=_lower_keys, validator=_targets,
                                        help="channel -> business code")
    hosts: Mapping[str, str] = setting(factory=dict, converter=_lower_keys, validator=_targets,
                                       help="site host -> business code")
    store_business: str = setting("", help="business serving requests from a pickup-point store")


def host_name(value: str) -> str:
    """``"WAP.Example.cn:443"`` -> ``"wap.example.cn"``."""
    return value.strip().lower().rsplit(":", 1)[0] if ":" in value else value.strip().lower()


def route(attributes: Mapping[str, str], config: ResolverConfig) -> str | None:
    """The business code for *attributes* under *config* (module docstring), or ``None``."""
    channel = attributes.get("channel", "").strip().lower()
    if channel in config.routes:
        return config.routes[channel]
    host = host_name(attributes.get("host", ""))
    if host in config.hosts:
        return config.hosts[host]
    if attributes.get("store", "").strip() and config.store_business:
        return config.store_business
    return None


@implements(specs.identity_resolve)
def resolve_subbusiness(request: ResolveRequest, context: PluginContext) -> str | None:
    """The sub-business serving *request*, or ``None``."""
    config: ResolverConfig = context.config
    return route(request.attributes, config)
