"""A three-level telecom business tree with channel rules at every level, on a real registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

TELECOM_RULES = [
    {"id": "t-agent-orders", "effect": "allow", "channels": ["echannel", "app"], "actions": ["order.*"],
     "roles": ["agent"]},
    {"id": "t-customer-self", "effect": "allow", "channels": ["app"], "actions": ["order.create", "order.refund"],
     "roles": ["customer"], "conditions": ["resource.customer == actor.id"]},
    {"id": "t-no-agent-coupons", "effect": "deny", "actions": "coupon.issue", "roles": "agent",
     "reason": "agents never issue coupons"},
]
ECHANNEL_RULES = [
    {"id": "e-no-agent-refund", "effect": "deny", "channels": "echannel", "actions": "order.refund",
     "roles": "agent", "reason": "e-channel agents place orders for customers but do not refund them"},
    {"id": "e-manager-coupons", "effect": "allow", "channels": "echannel", "actions": "coupon.issue",
     "roles": "manager"},
]
PICKUP_RULES = [
    {"id": "p-staff-own-store", "effect": "allow", "channels": "pickup", "actions": "order.*", "roles": "staff",
     "conditions": ["actor.store == resource.store"]},
    {"id": "p-staff-other-store", "effect": "deny", "channels": "pickup", "actions": "*", "roles": "staff",
     "conditions": ["actor.store != resource.store"], "reason": "pickup staff act only for their own store"},
    {"id": "p-no-app", "effect": "deny", "channels": "app", "reason": "pickup points do not sell through the app"},
]
LEVELS = {"telecom": TELECOM_RULES, "telecom.echannel": ECHANNEL_RULES, "telecom.echannel.pickup": PICKUP_RULES}


def build_telecom(platform: Any) -> Any:
    """Create the tree and enable the installed ``channels.rules`` at every level."""
    for code in LEVELS:
        platform.create_business(code, actor="test")
    for code, rules in LEVELS.items():
        platform.enable("channels.rules", code, config={"rules": rules}, actor="test")
    return platform


@pytest.fixture
def telecom(sqlite_url: str, make_platform: Callable[..., Any]) -> Any:
    """A Platform (installed plugins discovered) on a SQLite registry holding the telecom tree."""
    return build_telecom(make_platform(sqlite_url))


@pytest.fixture
def telecom_any_backend(registry_url: str, make_platform: Callable[..., Any]) -> Any:
    """The telecom tree on SQLite and on PostgreSQL (see ``registry_url``)."""
    return build_telecom(make_platform(registry_url))
